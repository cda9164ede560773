/* wbkeep CASE DIR: what a program, and others, can observe after it closes files
 * it wrote. Each case prints what it saw; the tests compare a run under the shim
 * with a plain one. Every file written is 8 MiB, more than a chunk, so that the
 * shim keeps it in its closed-file queue.
 *   numbers   write and close three files; print the fd numbers the next open,
 *             dup and socket return
 *   limit     write and close three files, then open /dev/null until EMFILE; print
 *             how many opens succeeded and the last fd number
 *   inotify   watch DIR; write and close a file; print the events queued by the
 *             time close() returns (IN_CLOSE_WRITE must be among them)
 *   lock      write and close a file; re-open it, take a POSIX write lock; write and
 *             close more files (the shim settles its queue); a child reports
 *             whether the lock is still held
 *   unlink    write a file, unlink it, close it; write and close another
 *   exec      write and close a file; print the fds a forked child and an exec'd
 *             program (ls /proc/self/fd) have open */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static char block[1 << 20];

static void check(int ok, const char *what)
{
	if (!ok) {
		perror(what);
		exit(1);
	}
}

static void write_file(const char *dir, const char *name, int close_it, int *out)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	check(fd >= 0, "open");
	for (int i = 0; i < 8; i++)
		check(write(fd, block, sizeof(block)) == (ssize_t)sizeof(block), "write");
	if (out)
		*out = fd;
	if (close_it)
		check(close(fd) == 0, "close");
}

static void list_fds(const char *who)
{
	char cmd[64];

	fflush(stdout);
	snprintf(cmd, sizeof(cmd), "ls /proc/%d/fd | sort -n | tr '\\n' ' '", (int)getpid());
	printf("%s: ", who);
	fflush(stdout);
	check(system(cmd) == 0, "system");
	printf("\n");
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

int main(int argc, char **argv)
{
	const char *mode, *dir;
	char path[PATH_MAX];

	if (argc != 3) {
		fprintf(stderr, "usage: wbkeep CASE DIR\n");
		return 2;
	}
	mode = argv[1];
	dir = argv[2];
	memset(block, 'k', sizeof(block));
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (!strcmp(mode, "numbers")) {
		write_file(dir, "a", 1, NULL);
		write_file(dir, "b", 1, NULL);
		write_file(dir, "c", 1, NULL);
		int n = open("/dev/null", O_RDONLY);
		int d = dup(n);
		int s = socket(AF_UNIX, SOCK_STREAM, 0);
		printf("open=%d dup=%d socket=%d\n", n, d, s);
	} else if (!strcmp(mode, "limit")) {
		int count = 0, last = -1, fd;
		write_file(dir, "a", 1, NULL);
		write_file(dir, "b", 1, NULL);
		write_file(dir, "c", 1, NULL);
		while ((fd = open("/dev/null", O_RDONLY)) >= 0) {
			last = fd;
			count++;
		}
		printf("opened=%d last=%d errno=%s\n", count, last, strerror(errno));
	} else if (!strcmp(mode, "inotify")) {
		char events[4096];
		int in = inotify_init1(IN_NONBLOCK), fd;
		ssize_t len;
		check(in >= 0, "inotify_init1");
		check(inotify_add_watch(in, dir, IN_CLOSE_WRITE) >= 0, "inotify_add_watch");
		write_file(dir, "watched", 0, &fd);
		check(close(fd) == 0, "close");
		len = read(in, events, sizeof(events));
		printf("close_write=%s\n", len > 0 ? "seen" : "missing");
	} else if (!strcmp(mode, "lock")) {
		struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
		int fd;
		write_file(dir, "locked", 1, NULL);
		snprintf(path, sizeof(path), "%s/locked", dir);
		fd = open(path, O_RDWR);
		check(fd >= 0, "re-open");
		check(fcntl(fd, F_SETLK, &fl) == 0, "F_SETLK");
		for (int i = 0; i < 6; i++) {
			char name[16];
			snprintf(name, sizeof(name), "more%d", i);
			write_file(dir, name, 1, NULL);
		}
		printf("lock=%s\n", lock_held_by_parent(path) == 0 ? "held" : "lost");
	} else if (!strcmp(mode, "unlink")) {
		int fd;
		write_file(dir, "doomed", 0, &fd);
		snprintf(path, sizeof(path), "%s/doomed", dir);
		check(unlink(path) == 0, "unlink");
		check(close(fd) == 0, "close");
		write_file(dir, "kept", 1, NULL);
		printf("done\n");
	} else if (!strcmp(mode, "exec")) {
		int status;
		pid_t pid;
		write_file(dir, "a", 1, NULL);
		write_file(dir, "b", 1, NULL);
		pid = fork();
		check(pid >= 0, "fork");
		if (pid == 0) {
			list_fds("child");
			execlp("sh", "sh", "-c", "printf 'exec: '; ls /proc/self/fd | sort -n | tr '\\n' ' '; echo", (char *)NULL);
			_exit(127);
		}
		check(waitpid(pid, &status, 0) == pid, "waitpid");
	} else {
		fprintf(stderr, "wbkeep: unknown case %s\n", mode);
		return 2;
	}
	return 0;
}
