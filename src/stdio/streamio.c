/* Policy of the stdio doors (mechanism in stream.c). */
#define _GNU_SOURCE
#include "streamio.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "fdtable.h"
#include "lifecycle.h"
#include "real.h"
#include "stream.h"

/* Cheap test before any work: is this stream's fd ignored? (No lock, no call.) */
static inline bool wb_stream_ignored(FILE *fp)
{
	const struct wb_slot *slot = fp ? wb_slot_peek(fp->_fileno) : NULL;
	return !fp || (slot && wb_slot_class(slot) == WB_IGNORED);
}

/* Enter, with the cheap test first. */
static inline bool wb_stream_enter(FILE *fp, struct wb_stdio_call *call)
{
	return !wb_stream_ignored(fp) && wb_stdio_enter(fp, call);
}

size_t wb_fwrite(const void *ptr, size_t size, size_t count, FILE *fp, wb_fwrite_fn real)
{
	struct wb_stdio_call call;
	size_t done;

	if (!wb_stream_enter(fp, &call))
		return real(ptr, size, count, fp);
	done = real(ptr, size, count, fp);
	wb_stdio_leave(fp, &call, (uint64_t)done * size, done == count);
	return done;
}

int wb_fputs(const char *text, FILE *fp, wb_fputs_fn real)
{
	struct wb_stdio_call call;
	int ret;

	if (!wb_stream_enter(fp, &call))
		return real(text, fp);
	ret = real(text, fp);
	wb_stdio_leave(fp, &call, ret >= 0 ? strlen(text) : 0, ret >= 0);
	return ret;
}

int wb_puts(const char *text)
{
	struct wb_stdio_call call;
	int ret;

	if (!wb_stream_enter(stdout, &call))
		return WB_NEXT(puts)(text);
	ret = WB_NEXT(puts)(text);
	wb_stdio_leave(stdout, &call, ret >= 0 ? strlen(text) + 1 : 0, ret >= 0);
	return ret;
}

/* Called by programs' inlined putc_unlocked & co. when the buffer is full. */
int wb_overflow(FILE *fp, int c)
{
	struct wb_stdio_call call;
	int ret;

	if (!wb_stream_enter(fp, &call))
		return WB_NEXT(__overflow)(fp, c);
	ret = WB_NEXT(__overflow)(fp, c);
	wb_stdio_leave(fp, &call, c != EOF, ret != EOF);
	return ret;
}

#define WB_PRINTED(fp, call_expr)                                               \
	do {                                                                    \
		struct wb_stdio_call call;                                      \
		int ret;                                                        \
		if (!wb_stream_enter((fp), &call))                              \
			return (call_expr);                                     \
		ret = (call_expr);                                              \
		wb_stdio_leave((fp), &call, ret > 0 ? (uint64_t)ret : 0, ret >= 0); \
		return ret;                                                     \
	} while (0)

int wb_vfprintf(FILE *fp, const char *fmt, va_list ap)
{
	WB_PRINTED(fp, WB_NEXT(vfprintf)(fp, fmt, ap));
}

int wb_vfprintf_chk(FILE *fp, int flag, const char *fmt, va_list ap)
{
	WB_PRINTED(fp, WB_NEXT(__vfprintf_chk)(fp, flag, fmt, ap));
}

int wb_vprintf(const char *fmt, va_list ap)
{
	WB_PRINTED(stdout, WB_NEXT(vprintf)(fmt, ap));
}

int wb_vprintf_chk(int flag, const char *fmt, va_list ap)
{
	WB_PRINTED(stdout, WB_NEXT(__vprintf_chk)(flag, fmt, ap));
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
	struct wb_stdio_call call;
	int ret;

	/* fflush(NULL) flushes every stream: each notes it at its next door. */
	if (!fp || !wb_stream_enter(fp, &call))
		return real(fp);
	ret = real(fp);
	wb_stdio_leave(fp, &call, 0, ret == 0);
	return ret;
}

/* A call that flushes, then moves the stream's position: note the flush, then
 * learn where the offset is now. */
#define WB_MOVED(fp, type, call_expr, ok_expr)                  \
	do {                                                    \
		struct wb_stdio_call call;                      \
		type ret;                                       \
		if (!wb_stream_enter((fp), &call))              \
			return (call_expr);                     \
		ret = (call_expr);                              \
		wb_stdio_leave((fp), &call, 0, (ok_expr));      \
		wb_stdio_moved(&call);                          \
		return ret;                                     \
	} while (0)

int wb_fseeko(FILE *fp, off64_t off, int whence, wb_fseeko_fn real)
{
	WB_MOVED(fp, int, real(fp, off, whence), ret == 0);
}

int wb_fseek(FILE *fp, long off, int whence)
{
	WB_MOVED(fp, int, WB_NEXT(fseek)(fp, off, whence), ret == 0);
}

int wb_fsetpos(FILE *fp, const fpos_t *pos)
{
	WB_MOVED(fp, int, WB_NEXT(fsetpos)(fp, pos), ret == 0);
}

int wb_fsetpos64(FILE *fp, const fpos64_t *pos)
{
	WB_MOVED(fp, int, WB_NEXT(fsetpos64)(fp, pos), ret == 0);
}

void wb_rewind(FILE *fp)
{
	struct wb_stdio_call call;

	if (!wb_stream_enter(fp, &call)) {
		WB_NEXT(rewind)(fp);
		return;
	}
	WB_NEXT(rewind)(fp);
	wb_stdio_leave(fp, &call, 0, true);
	wb_stdio_moved(&call);
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
	return wb_stdio_opened(real(path, mode), path, mode);
}

FILE *wb_freopen(const char *path, const char *mode, FILE *fp, wb_freopen_fn real)
{
	int fd = -1;

	/* freopen closes the old file and ignores errors doing so; so do we. */
	(void)wb_stdio_before_close(fp, &fd);
	wb_stdio_closed(fd);
	return wb_stdio_opened(real(path, mode, fp), path, mode);
}
