/* wbinvisible CASE ARGS: what a program and others can observe after it closes
 * files it wrote. Each case prints what it saw; the tests compare a run under
 * the shim with a plain one. Files are written in 1 MiB write()s.
 *   idle PATH MIB SECONDS   write MIB to PATH, close, print "closed", sleep
 *   lock DIR                write and close DIR/locked; open it again and lock
 *                           it with syscall(SYS_fcntl, F_SETLK); write and close
 *                           six more files; a child reports whether the lock
 *                           is still held
 *   lease PATH              take a write lease on PATH (no SIGIO handler: a
 *                           lease break would kill us), write 8 MiB, close;
 *                           print whether close returned within a second
 *   race DIR SECONDS        thread A writes and closes 2 MiB files; thread B
 *                           dup2()s /dev/null onto a number only it uses and
 *                           checks it stays valid; print the number of times
 *                           B found its descriptor gone or changed (and, on
 *                           stderr, how often its dup2 met an open in progress)
 *   emfile DIR              write and close three 8 MiB files; open /dev/null
 *                           until three numbers below RLIMIT_NOFILE are left;
 *                           then pipe() and socket(): print their outcomes */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char block[1 << 20];

static void check(int ok, const char *what)
{
	if (!ok) {
		perror(what);
		exit(1);
	}
}

static void write_mib(int fd, int mib)
{
	for (int i = 0; i < mib; i++)
		check(write(fd, block, sizeof(block)) == (ssize_t)sizeof(block), "write");
}

static void write_file(const char *path, int mib)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	check(fd >= 0, "open");
	write_mib(fd, mib);
	check(close(fd) == 0, "close");
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int lock_held_by_parent(const char *path)
{
	int status;
	pid_t pid = fork();

	check(pid >= 0, "fork");
	if (pid == 0) {
		struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
		int fd = open(path, O_RDWR);
		if (fd < 0 || fcntl(fd, F_GETLK, &fl) != 0)
			_exit(2);
		_exit(fl.l_type == F_UNLCK ? 1 : 0);
	}
	check(waitpid(pid, &status, 0) == pid, "waitpid");
	return WIFEXITED(status) ? WEXITSTATUS(status) : 3;
}

static int case_lock(const char *dir)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	char path[PATH_MAX], more[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/locked", dir);
	write_file(path, 8);
	fd = open(path, O_RDWR);
	check(fd >= 0, "re-open");
	/* Not through fcntl(): a raw system call a wrapper might not follow. */
	check(syscall(SYS_fcntl, fd, F_SETLK, &fl) == 0, "syscall(SYS_fcntl, F_SETLK)");
	for (int i = 0; i < 6; i++) {
		snprintf(more, sizeof(more), "%s/more%d", dir, i);
		write_file(more, 8);
	}
	printf("lock=%s\n", lock_held_by_parent(path) == 0 ? "held" : "lost");
	return 0;
}

static int case_lease(const char *path)
{
	double began;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	check(fd >= 0, "open");
	check(fcntl(fd, F_SETLEASE, F_WRLCK) == 0, "F_SETLEASE");
	write_mib(fd, 8);
	began = now();
	check(close(fd) == 0, "close");
	printf("close=%s\n", now() - began < 1.0 ? "prompt" : "slow");
	/* More files: whatever the shim settles now must not reach the lease either. */
	for (int i = 0; i < 3; i++) {
		char more[PATH_MAX];
		snprintf(more, sizeof(more), "%s.%d", path, i);
		write_file(more, 8);
	}
	printf("alive\n");
	return 0;
}

static volatile int race_stop;
static const char *race_dir;
static int race_number, race_null;
static long race_lost, race_rounds, race_files, race_busy;

static void *race_writer(void *arg)
{
	char path[PATH_MAX];

	(void)arg;
	for (long i = 0; !race_stop; i++) {
		snprintf(path, sizeof(path), "%s/f%ld", race_dir, i % 16);
		write_file(path, 2);
		race_files++;
	}
	return NULL;
}

/* B: /dev/null duplicated onto a number nobody else in the program uses. */
static void *race_dupper(void *arg)
{
	struct stat want, st;
	int null = race_null;

	(void)arg;
	check(fstat(null, &want) == 0, "/dev/null");
	while (!race_stop) {
		int got;
		/* EBUSY: dup2 met an open in progress on that number (dup2(2), "Linux
		 * only"): any library's internal open can cause it; counted, retried. */
		while ((got = dup2(null, race_number)) < 0 && errno == EBUSY)
			race_busy++;
		check(got == race_number, "dup2");
		for (int i = 0; i < 50; i++)
			if (fcntl(race_number, F_GETFD) < 0 || fstat(race_number, &st) != 0 ||
			    st.st_ino != want.st_ino || st.st_dev != want.st_dev) {
				race_lost++;
				break;
			}
		close(race_number);
		race_rounds++;
	}
	return NULL;
}

static int case_race(const char *dir, int seconds)
{
	pthread_t a, b;
	int fd;

	race_dir = dir;
	race_null = open("/dev/null", O_RDONLY);
	check(race_null >= 0, "open");
	/* The number right above the writer's file: free whenever the writer opens
	 * (its own number below is free then), so only B ever holds it, and any
	 * other open in the process while the writer's file is open lands there. */
	fd = open("/dev/null", O_RDONLY);
	check(fd >= 0, "open");
	race_number = fd + 1;
	close(fd);
	check(pthread_create(&a, NULL, race_writer, NULL) == 0, "pthread_create");
	check(pthread_create(&b, NULL, race_dupper, NULL) == 0, "pthread_create");
	sleep((unsigned int)seconds);
	race_stop = 1;
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	fprintf(stderr, "files=%ld rounds=%ld busy=%ld\n", race_files, race_rounds, race_busy);
	printf("lost=%ld\n", race_lost);
	return 0;
}

static int case_emfile(const char *dir)
{
	char path[PATH_MAX];
	struct rlimit rl;
	int fd, fds[2], p, s;

	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/f%d", dir, i);
		write_file(path, 8);
	}
	check(getrlimit(RLIMIT_NOFILE, &rl) == 0, "getrlimit");
	do
		fd = open("/dev/null", O_RDONLY);
	while (fd >= 0 && (rlim_t)fd < rl.rlim_cur - 4);
	p = pipe(fds);
	printf("last=%d pipe=%s", fd, p == 0 ? "ok" : strerror(errno));
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	printf(" socket=%s\n", s >= 0 ? "ok" : strerror(errno));
	return 0;
}

int main(int argc, char **argv)
{
	memset(block, 'i', sizeof(block));
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 5 && !strcmp(argv[1], "idle")) {
		write_file(argv[2], atoi(argv[3]));
		printf("closed\n");
		sleep((unsigned int)atoi(argv[4]));
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "lock"))
		return case_lock(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "lease"))
		return case_lease(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "race"))
		return case_race(argv[2], atoi(argv[3]));
	if (argc == 3 && !strcmp(argv[1], "emfile"))
		return case_emfile(argv[2]);
	fprintf(stderr, "usage: wbinvisible idle|lock|lease|race|emfile ARGS\n");
	return 2;
}
