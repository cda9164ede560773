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
 *   "ID: [-> ]KIND MODE ACCESS PID MAJ:MIN:INO START END". */
static bool wb_line_disturbs(char *line, ino_t ino, int pid)
{
	char *field[8], *save = NULL, *dev;
	int n = 0;

	for (char *t = strtok_r(line, " \t", &save); t && n < 8; t = strtok_r(NULL, " \t", &save))
		if (strcmp(t, "->") != 0 || n != 1)
			field[n++] = t;
		else
			return false; /* a request still waiting: nothing held yet */
	if (n < 6 || !(dev = strrchr(field[5], ':')))
		return false;
	if ((ino_t)strtoull(dev + 1, NULL, 10) != ino)
		return false;
	if (!strcmp(field[1], "POSIX"))
		return atoi(field[4]) == pid;
	return !strcmp(field[1], "LEASE") || !strcmp(field[1], "DELEG");
}

bool wb_locks_on(ino_t ino, int pid)
{
	char buf[4096], line[256];
	size_t used = 0;
	bool found = false, overlong = false;
	struct stat st;
	int fd = wb_transient_open("/proc/locks", &st);
	long got;

	if (fd < 0)
		return true;
	while (!found && (got = wb_syscall(SYS_read, fd, buf, sizeof(buf))) > 0) {
		for (long i = 0; i < got && !found; i++) {
			if (buf[i] != '\n') {
				if (used < sizeof(line) - 1)
					line[used++] = buf[i];
				else
					overlong = true;
				continue;
			}
			line[used] = '\0';
			found = !overlong && wb_line_disturbs(line, ino, pid);
			used = 0;
			overlong = false;
		}
	}
	wb_transient_close(fd, &st);
	return found || got < 0;
}
