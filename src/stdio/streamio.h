/* Policy of each stdio door: call the real function, then tell stream.c what
 * happened. Return values and errno are the real call's, except that fclose
 * also reports a writeback error the pipeline consumed (like close). */
#ifndef WB_STREAMIO_H
#define WB_STREAMIO_H

#include <stdarg.h>
#include <stdio.h>
#include <sys/types.h>

#include "stream.h"

typedef size_t (*wb_fwrite_fn)(const void *, size_t, size_t, FILE *);
typedef int (*wb_fputs_fn)(const char *, FILE *);
typedef int (*wb_putc_fn)(int, FILE *);
typedef int (*wb_putchar_fn)(int);
typedef int (*wb_fflush_fn)(FILE *);
typedef FILE *(*wb_fopen_fn)(const char *, const char *);
typedef FILE *(*wb_freopen_fn)(const char *, const char *, FILE *);
typedef int (*wb_fseeko_fn)(FILE *, off64_t, int);
typedef int (*wb_fsetpos_fn)(FILE *, const fpos_t *);
typedef int (*wb_fsetpos64_fn)(FILE *, const fpos64_t *);

size_t wb_fwrite(const void *ptr, size_t size, size_t count, FILE *fp, wb_fwrite_fn real);
int wb_fputs(const char *text, FILE *fp, wb_fputs_fn real);
int wb_puts(const char *text);

/* The single-character doors cost one countdown and a tail call: the sample is
 * taken before the character is stored, which only shifts it by one byte. */
static inline int wb_putc(int c, FILE *fp, wb_putc_fn real)
{
	wb_stdio_tick(fp);
	return real(c, fp);
}

static inline int wb_putchar(int c, wb_putchar_fn real)
{
	wb_stdio_tick(stdout);
	return real(c);
}

int wb_overflow(FILE *fp, int c);
int wb_vfprintf(FILE *fp, const char *fmt, va_list ap);
int wb_vfprintf_chk(FILE *fp, int flag, const char *fmt, va_list ap);
int wb_vprintf(const char *fmt, va_list ap);
int wb_vprintf_chk(int flag, const char *fmt, va_list ap);
int wb_vdprintf(int fd, const char *fmt, va_list ap);
int wb_vdprintf_chk(int fd, int flag, const char *fmt, va_list ap);
int wb_fflush(FILE *fp, wb_fflush_fn real);
int wb_fseeko(FILE *fp, off64_t off, int whence, wb_fseeko_fn real);
int wb_fseek(FILE *fp, long off, int whence);
int wb_fsetpos(FILE *fp, const fpos_t *pos);
int wb_fsetpos64(FILE *fp, const fpos64_t *pos);
void wb_rewind(FILE *fp);
int wb_fclose(FILE *fp);
FILE *wb_fopen(const char *path, const char *mode, wb_fopen_fn real);
FILE *wb_freopen(const char *path, const char *mode, FILE *fp, wb_freopen_fn real);

#endif
