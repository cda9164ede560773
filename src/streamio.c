/* Policy of the stdio doors (mechanism in stream.c). */
#define _GNU_SOURCE
#include "streamio.h"

#include <errno.h>
#include <string.h>

#include "fdtable.h"
#include "real.h"
#include "stream.h"

/* Cheap test before any work (strlen for fputs): is this stream's fd ignored? */
static inline int wb_stream_ignored(FILE *fp)
{
	const struct wb_slot *slot = fp ? wb_slot_peek(fp->_fileno) : NULL;
	return !fp || (slot && wb_slot_class(slot) == WB_IGNORED);
}

size_t wb_fwrite(const void *ptr, size_t size, size_t count, FILE *fp, wb_fwrite_fn real)
{
	size_t done = real(ptr, size, count, fp);

	if (done && !wb_stream_ignored(fp))
		wb_stdio_wrote(fp, (uint64_t)done * size);
	return done;
}

int wb_fputs(const char *text, FILE *fp, wb_fputs_fn real)
{
	int ret = real(text, fp);

	if (ret >= 0 && !wb_stream_ignored(fp))
		wb_stdio_wrote(fp, strlen(text));
	return ret;
}

int wb_puts(const char *text)
{
	int ret = WB_NEXT(puts)(text);

	if (ret >= 0 && !wb_stream_ignored(stdout))
		wb_stdio_wrote(stdout, strlen(text) + 1);
	return ret;
}

/* Called by programs' inlined putc_unlocked & co. when the buffer is full: the
 * buffer is being written, one sample per buffer. */
int wb_overflow(FILE *fp, int c)
{
	int ret = WB_NEXT(__overflow)(fp, c);

	if (fp && !wb_stream_ignored(fp) && fp->_IO_buf_end > fp->_IO_buf_base)
		wb_stdio_wrote(fp, (uint64_t)(fp->_IO_buf_end - fp->_IO_buf_base));
	return ret;
}

static int wb_printed(FILE *fp, int ret)
{
	if (ret > 0 && !wb_stream_ignored(fp))
		wb_stdio_wrote(fp, (uint64_t)ret);
	return ret;
}

int wb_vfprintf(FILE *fp, const char *fmt, va_list ap)
{
	return wb_printed(fp, WB_NEXT(vfprintf)(fp, fmt, ap));
}

int wb_vfprintf_chk(FILE *fp, int flag, const char *fmt, va_list ap)
{
	return wb_printed(fp, WB_NEXT(__vfprintf_chk)(fp, flag, fmt, ap));
}

int wb_vprintf(const char *fmt, va_list ap)
{
	return wb_printed(stdout, WB_NEXT(vprintf)(fmt, ap));
}

int wb_vprintf_chk(int flag, const char *fmt, va_list ap)
{
	return wb_printed(stdout, WB_NEXT(__vprintf_chk)(flag, fmt, ap));
}

int wb_vdprintf(int fd, const char *fmt, va_list ap)
{
	int ret = WB_NEXT(vdprintf)(fd, fmt, ap);

	wb_stdio_fd_wrote(fd, ret);
	return ret;
}

int wb_vdprintf_chk(int fd, int flag, const char *fmt, va_list ap)
{
	int ret = WB_NEXT(__vdprintf_chk)(fd, flag, fmt, ap);

	wb_stdio_fd_wrote(fd, ret);
	return ret;
}

int wb_fflush(FILE *fp, wb_fflush_fn real)
{
	int ret = real(fp);

	/* fflush(NULL) flushes every stream: each is sampled at its next call. */
	if (fp)
		wb_stdio_after_move(fp);
	return ret;
}

int wb_fseeko(FILE *fp, off64_t off, int whence, wb_fseeko_fn real)
{
	int ret;

	wb_stdio_before_move(fp);
	ret = real(fp, off, whence);
	wb_stdio_after_move(fp);
	return ret;
}

int wb_fseek(FILE *fp, long off, int whence)
{
	int ret;

	wb_stdio_before_move(fp);
	ret = WB_NEXT(fseek)(fp, off, whence);
	wb_stdio_after_move(fp);
	return ret;
}

int wb_fsetpos(FILE *fp, const fpos_t *pos)
{
	int ret;

	wb_stdio_before_move(fp);
	ret = WB_NEXT(fsetpos)(fp, pos);
	wb_stdio_after_move(fp);
	return ret;
}

int wb_fsetpos64(FILE *fp, const fpos64_t *pos)
{
	int ret;

	wb_stdio_before_move(fp);
	ret = WB_NEXT(fsetpos64)(fp, pos);
	wb_stdio_after_move(fp);
	return ret;
}

void wb_rewind(FILE *fp)
{
	wb_stdio_before_move(fp);
	WB_NEXT(rewind)(fp);
	wb_stdio_after_move(fp);
}

int wb_fclose(FILE *fp)
{
	int fd = -1;
	int latched = wb_stdio_before_close(fp, &fd);
	int ret = WB_NEXT(fclose)(fp);

	wb_stdio_closed(fd);
	if (ret == 0 && latched) {
		/* As for close(): the program's last chance to hear of the error. */
		errno = latched;
		ret = EOF;
	}
	return ret;
}

FILE *wb_fopen(const char *path, const char *mode, wb_fopen_fn real)
{
	return wb_stdio_opened(real(path, mode));
}

FILE *wb_freopen(const char *path, const char *mode, FILE *fp, wb_freopen_fn real)
{
	int fd = -1;

	/* freopen closes the old file and ignores errors doing so; so do we. */
	(void)wb_stdio_before_close(fp, &fd);
	wb_stdio_closed(fd);
	return wb_stdio_opened(real(path, mode, fp));
}
