/* Locks and leases a re-open would disturb (see locks.h). */
#define _GNU_SOURCE
#include "locks.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "syscall.h"
#include "transient.h"

static bool wb_locking; /* sticky: a lock or a lease was taken */

void wb_locks_taking(int cmd, const void *arg)
{
	const struct flock *lock = arg;

	switch (cmd) {
	case F_SETLK:
	case F_SETLKW:
#if defined(F_SETLK64) && F_SETLK64 != F_SETLK
	case F_SETLK64:
	case F_SETLKW64:
#endif
		if (!lock || lock->l_type == F_UNLCK)
			return;
		break;
	case F_SETLEASE:
		if ((long)arg == F_UNLCK)
			return;
		break;
	default:
		return;
	}
	__atomic_store_n(&wb_locking, true, __ATOMIC_RELAXED);
}

bool wb_locks_in_use(void)
{
	return __atomic_load_n(&wb_locking, __ATOMIC_RELAXED);
}

/* One line of /proc/locks (fs/locks.c, lock_get_status):
 *   "ID: [-> ]KIND MODE ACCESS PID MAJ:MIN:INO START END".
 * The inode a re-open would disturb (a lease or a delegation, anyone's; a POSIX
 * lock of `pid`), or 0. */
static ino_t wb_line_disturbs(char *line, int pid)
{
	char *field[8], *save = NULL, *dev;
	int n = 0;

	for (char *t = strtok_r(line, " \t", &save); t && n < 8; t = strtok_r(NULL, " \t", &save))
		if (strcmp(t, "->") != 0 || n != 1)
			field[n++] = t;
		else
			return 0; /* a request still waiting: nothing held yet */
	if (n < 6 || !(dev = strrchr(field[5], ':')))
		return 0;
	if (!strcmp(field[1], "POSIX") ? pid && atoi(field[4]) == pid
				       : !strcmp(field[1], "LEASE") || !strcmp(field[1], "DELEG"))
		return (ino_t)strtoull(dev + 1, NULL, 10);
	return 0;
}

static void wb_seen_add(struct wb_locks_seen *seen, ino_t ino)
{
	if (!ino || wb_locks_seen_on(seen, ino))
		return;
	if (seen->count == WB_LOCKS_SEEN_MAX)
		seen->all = true;
	else
		seen->ino[seen->count++] = ino;
}

/* A machine with more locks than this (a database's record locks) is not read
 * through for every batch: every file then counts as locked, and is left to the kernel. */
#define WB_LOCKS_READ_MAX (64 * 1024)

void wb_locks_look(struct wb_locks_seen *seen, int pid)
{
	char buf[4096], line[256];
	size_t used = 0, total = 0;
	bool overlong = false;
	struct stat st;
	int fd = wb_transient_open_proc("/proc/locks", &st);
	long got = 0;

	seen->count = 0;
	seen->all = fd < 0;
	if (fd < 0)
		return;
	while (!seen->all && (got = wb_syscall(SYS_read, fd, buf, sizeof(buf))) > 0) {
		total += (size_t)got;
		if (total > WB_LOCKS_READ_MAX)
			seen->all = true;
		for (long i = 0; i < got; i++) {
			if (buf[i] != '\n') {
				if (used < sizeof(line) - 1)
					line[used++] = buf[i];
				else
					overlong = true;
				continue;
			}
			line[used] = '\0';
			if (!overlong)
				wb_seen_add(seen, wb_line_disturbs(line, pid));
			used = 0;
			overlong = false;
		}
	}
	if (got < 0)
		seen->all = true;
	wb_transient_close(fd, &st);
}

bool wb_locks_seen_on(const struct wb_locks_seen *seen, ino_t ino)
{
	if (seen->all)
		return true;
	for (unsigned int i = 0; i < seen->count; i++)
		if (seen->ino[i] == ino)
			return true;
	return false;
}
