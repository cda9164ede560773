/* Exported stdio doors. Policy in streamio.c, mechanism in stream.c. */
/* Our definitions must be plain functions: no fortified or extern-inline header
 * versions of the same names may be in effect in this file. */
#undef _FORTIFY_SOURCE
#define __NO_INLINE__ 1
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>

#include "export.h"
#include "real.h"
#include "streamio.h"


#undef putc
#undef putchar
#undef putc_unlocked
#undef putchar_unlocked
#undef fputc_unlocked
#undef fwrite_unlocked

/* glibc-internal entry points that compiled programs call; not in the headers. */
int _IO_putc(int c, FILE *fp);
int __overflow(FILE *fp, int c);
int __fprintf_chk(FILE *fp, int flag, const char *fmt, ...);
int __vfprintf_chk(FILE *fp, int flag, const char *fmt, va_list ap);
int __printf_chk(int flag, const char *fmt, ...);
int __vprintf_chk(int flag, const char *fmt, va_list ap);
int __dprintf_chk(int fd, int flag, const char *fmt, ...);
int __vdprintf_chk(int fd, int flag, const char *fmt, va_list ap);

WB_EXPORT size_t fwrite(const void *ptr, size_t size, size_t count, FILE *fp)
{
	return wb_fwrite(ptr, size, count, fp, WB_NEXT(fwrite));
}

WB_EXPORT size_t fwrite_unlocked(const void *ptr, size_t size, size_t count, FILE *fp)
{
	return wb_fwrite(ptr, size, count, fp, WB_NEXT(fwrite_unlocked));
}

WB_EXPORT int fputs(const char *text, FILE *fp)
{
	return wb_fputs(text, fp, WB_NEXT(fputs));
}

WB_EXPORT int fputs_unlocked(const char *text, FILE *fp)
{
	return wb_fputs(text, fp, WB_NEXT(fputs_unlocked));
}

WB_EXPORT int puts(const char *text)
{
	return wb_puts(text);
}

WB_EXPORT int fputc(int c, FILE *fp)
{
	return wb_putc(c, fp, WB_NEXT(fputc));
}

WB_EXPORT int fputc_unlocked(int c, FILE *fp)
{
	return wb_putc(c, fp, WB_NEXT(fputc_unlocked));
}

WB_EXPORT int putc(int c, FILE *fp)
{
	return wb_putc(c, fp, WB_NEXT(putc));
}

WB_EXPORT int putc_unlocked(int c, FILE *fp)
{
	return wb_putc(c, fp, WB_NEXT(putc_unlocked));
}

WB_EXPORT int _IO_putc(int c, FILE *fp)
{
	return wb_putc(c, fp, WB_NEXT(_IO_putc));
}

WB_EXPORT int putchar(int c)
{
	return wb_putchar(c, WB_NEXT(putchar));
}

WB_EXPORT int putchar_unlocked(int c)
{
	return wb_putchar(c, WB_NEXT(putchar_unlocked));
}

WB_EXPORT int __overflow(FILE *fp, int c)
{
	return wb_overflow(fp, c);
}

WB_EXPORT int vfprintf(FILE *fp, const char *fmt, va_list ap)
{
	return wb_vfprintf(fp, fmt, ap);
}

WB_EXPORT int fprintf(FILE *fp, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = wb_vfprintf(fp, fmt, ap);
	va_end(ap);
	return ret;
}

WB_EXPORT int __vfprintf_chk(FILE *fp, int flag, const char *fmt, va_list ap)
{
	return wb_vfprintf_chk(fp, flag, fmt, ap);
}

WB_EXPORT int __fprintf_chk(FILE *fp, int flag, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = wb_vfprintf_chk(fp, flag, fmt, ap);
	va_end(ap);
	return ret;
}

WB_EXPORT int vprintf(const char *fmt, va_list ap)
{
	return wb_vprintf(fmt, ap);
}

WB_EXPORT int printf(const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = wb_vprintf(fmt, ap);
	va_end(ap);
	return ret;
}

WB_EXPORT int __vprintf_chk(int flag, const char *fmt, va_list ap)
{
	return wb_vprintf_chk(flag, fmt, ap);
}

WB_EXPORT int __printf_chk(int flag, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = wb_vprintf_chk(flag, fmt, ap);
	va_end(ap);
	return ret;
}

WB_EXPORT int vdprintf(int fd, const char *fmt, va_list ap)
{
	return wb_vdprintf(fd, fmt, ap);
}

WB_EXPORT int dprintf(int fd, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = wb_vdprintf(fd, fmt, ap);
	va_end(ap);
	return ret;
}

WB_EXPORT int __vdprintf_chk(int fd, int flag, const char *fmt, va_list ap)
{
	return wb_vdprintf_chk(fd, flag, fmt, ap);
}

WB_EXPORT int __dprintf_chk(int fd, int flag, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = wb_vdprintf_chk(fd, flag, fmt, ap);
	va_end(ap);
	return ret;
}

WB_EXPORT int fflush(FILE *fp)
{
	return wb_fflush(fp, WB_NEXT(fflush));
}

WB_EXPORT int fflush_unlocked(FILE *fp)
{
	return wb_fflush(fp, WB_NEXT(fflush_unlocked));
}

WB_EXPORT int fseek(FILE *fp, long off, int whence)
{
	return wb_fseek(fp, off, whence);
}

WB_EXPORT int fseeko(FILE *fp, off_t off, int whence)
{
	return wb_fseeko(fp, off, whence, (wb_fseeko_fn)WB_NEXT(fseeko));
}

WB_EXPORT int fseeko64(FILE *fp, off64_t off, int whence)
{
	return wb_fseeko(fp, off, whence, WB_NEXT(fseeko64));
}

WB_EXPORT int fsetpos(FILE *fp, const fpos_t *pos)
{
	return wb_fsetpos(fp, pos);
}

WB_EXPORT int fsetpos64(FILE *fp, const fpos64_t *pos)
{
	return wb_fsetpos64(fp, pos);
}

WB_EXPORT void rewind(FILE *fp)
{
	wb_rewind(fp);
}

WB_EXPORT int fclose(FILE *fp)
{
	return wb_fclose(fp);
}

WB_EXPORT FILE *fopen(const char *path, const char *mode)
{
	return wb_fopen(path, mode, WB_NEXT(fopen));
}

WB_EXPORT FILE *fopen64(const char *path, const char *mode)
{
	return wb_fopen(path, mode, WB_NEXT(fopen64));
}

WB_EXPORT FILE *freopen(const char *path, const char *mode, FILE *fp)
{
	return wb_freopen(path, mode, fp, WB_NEXT(freopen));
}

WB_EXPORT FILE *freopen64(const char *path, const char *mode, FILE *fp)
{
	return wb_freopen(path, mode, fp, WB_NEXT(freopen64));
}
