/* Policy behind the stdio (stream) doors.
 *
 * glibc's stdio writes through internal, hidden calls (__write, __close, __lseek)
 * that no interposed symbol sees. What we can see is the calls a program makes
 * into stdio, and the kernel's file offset, which stdio's writes move. So:
 *  - the write-side doors (fwrite, fputs, fprintf, ...) count the bytes they are
 *    given; every chunk/8 bytes per file, one lseek(SEEK_CUR) tells how far the
 *    kernel's offset moved since the last look, and that range is fed to the
 *    pipeline as if it had been written with write();
 *  - single-character doors (putc, fputc, putchar) are too cheap to do even that
 *    per call: a per-thread countdown looks only every WB_STDIO_TICK calls;
 *    inlined putc_unlocked loops are seen at __overflow, once per buffer;
 *  - fflush, fseek & co., fclose and freopen sample before and resynchronise after,
 *    and fclose/freopen run the same drain as close();
 *  - fopen and freopen give a new file its fd number: its classification is reset.
 * Every wb_stdio_* preserves errno. */
#ifndef WB_STREAM_H
#define WB_STREAM_H

#include <stdint.h>
#include <stdio.h>

#define WB_STDIO_TICK 4096u

void wb_stdio_wrote(FILE *fp, uint64_t bytes);
void wb_stdio_tick_slow(FILE *fp);

/* Per-thread countdown: one decrement per character in the common case. */
extern __thread unsigned int wb_stdio_countdown __attribute__((tls_model("initial-exec")));

static inline void wb_stdio_tick(FILE *fp)
{
	if (__builtin_expect(wb_stdio_countdown-- != 0, 1))
		return;
	wb_stdio_tick_slow(fp);
}

/* Around calls that flush and/or move the offset (fflush, fseek, fsetpos, rewind). */
void wb_stdio_before_move(FILE *fp);
void wb_stdio_after_move(FILE *fp);

/* fclose: drain as close() does; returns the latched error (0 if none).
 * wb_stdio_closed() after the real call resets the fd's classification. */
int wb_stdio_before_close(FILE *fp, int *fd);
void wb_stdio_closed(int fd);

/* fopen/freopen returned fp: its fd number holds a new file. */
FILE *wb_stdio_opened(FILE *fp);

/* dprintf & co. wrote `bytes` straight to fd at its offset. */
void wb_stdio_fd_wrote(int fd, int bytes);

#endif
