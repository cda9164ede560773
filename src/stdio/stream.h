/* Policy behind the stdio (stream) doors.
 *
 * glibc's stdio writes through internal, hidden calls (__write, __close, __lseek)
 * that no interposed symbol sees. What we can see is every call a program makes
 * into stdio and the stream's buffer (struct _IO_FILE is public, stable ABI). So a
 * door brackets the real call: the bytes the kernel received during it are
 *     bytes given to the call + bytes buffered before - bytes buffered after,
 * exactly, with no system call, whatever the buffering mode and flush pattern
 * (fwrite+fflush per record, a big first fwrite, line buffering, _IONBF). They
 * landed at the fd's cached offset, which write(), dprintf and these doors all
 * advance; it is learned from the kernel (one lseek) only when unknown: first
 * use, or after the stream was reading ("r+", "w+", "a+": glibc re-positions
 * the kernel offset before it writes again) or seeking.
 *
 * Buffered bytes flushed where no door sees it (fflush(NULL), a read on a "w+"
 * stream) show up at the stream's next door as fewer bytes buffered than the last
 * door left: they are noted then, at the cached offset.
 *
 * Single-character doors (putc, fputc, putchar) are too cheap for even that: a
 * per-thread countdown looks every WB_STDIO_TICK calls, and every chunk/8 bytes
 * of those one lseek(SEEK_CUR) tells how far the offset moved. Inlined
 * putc_unlocked loops are seen exactly, at __overflow, once per buffer.
 * fclose and freopen note what the buffer still holds and run close()'s drain.
 * fopen and freopen give a new file its fd number: its classification is reset.
 * Every wb_stdio_* preserves errno. */
#ifndef WB_STREAM_H
#define WB_STREAM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define WB_STDIO_TICK 4096u

struct wb_slot;

/* One door's bracket around the real call. */
struct wb_stdio_call {
	int fd;
	struct wb_slot *slot;
	uint64_t before; /* bytes buffered before the call */
	bool reading;    /* the stream was not in write mode */
};

/* Before the real call: false if the stream's fd is not tracked (then call the
 * real function and nothing else). Classifies the fd on first use. */
bool wb_stdio_enter(FILE *fp, struct wb_stdio_call *call);
/* After it: `given` bytes were accepted by the call; `ok` if it succeeded. */
void wb_stdio_leave(FILE *fp, const struct wb_stdio_call *call, uint64_t given, bool ok);

void wb_stdio_tick_slow(FILE *fp);

/* Per-thread countdown: one decrement per character in the common case. */
extern __thread unsigned int wb_stdio_countdown __attribute__((tls_model("initial-exec")));

static inline void wb_stdio_tick(FILE *fp)
{
	if (__builtin_expect(wb_stdio_countdown-- != 0, 1))
		return;
	wb_stdio_tick_slow(fp);
}

/* After a call that moved the stream's position (fseek & co.): learn the offset. */
void wb_stdio_moved(const struct wb_stdio_call *call);

/* fclose: note what the buffer holds, drain as close() does; returns the latched
 * error (0 if none). wb_stdio_closed() after the real call resets the fd. */
int wb_stdio_before_close(FILE *fp, int *fd);
void wb_stdio_closed(int fd);

/* fopen/freopen of path with mode returned fp: its fd number holds a new file. */
FILE *wb_stdio_opened(FILE *fp, const char *path, const char *mode);

/* dprintf & co. wrote `bytes` straight to fd at its offset. */
void wb_stdio_fd_wrote(int fd, int bytes);

#endif
