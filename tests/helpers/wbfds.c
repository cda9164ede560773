/* fd numbers reused behind the shim's back; the shim must follow.
 *   wbfds SCENARIO DIR
 *   fclose-reuse: a pipe is written through its fd, closed with fclose (glibc's
 *       hidden close), and a file opened on the same number is written
 *   dup2-over: a file is written, then a pipe is dup2'd over its number and written
 *   dup2-onto: a file is dup2'd onto a pipe's number and written
 *   close-range: a file is written, closed with close_range, the number reused by a file
 * Each writes 24 MiB of file data in 1 MiB write()s. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char buf[1 << 20];

static void put(int fd, int mib)
{
	for (int i = 0; i < mib; i++)
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf)) {
			perror("write");
			exit(1);
		}
}

static int file(const char *dir, const char *name)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
}

int main(int argc, char **argv)
{
	int p[2], fd;

	if (argc != 3 || pipe(p) != 0)
		return 2;
	memset(buf, 'x', sizeof(buf));
	if (fork() == 0) { /* drain the pipe */
		char sink[65536];
		close(p[1]);
		while (read(p[0], sink, sizeof(sink)) > 0)
			;
		_exit(0);
	}
	close(p[0]);
	if (strcmp(argv[1], "fclose-reuse") == 0) {
		put(p[1], 2);
		(void)!open("/dev/null", O_RDONLY); /* fill the hole p[0] left below p[1] */
		fclose(fdopen(p[1], "w"));
		fd = file(argv[2], "reused");
		if (fd != p[1])
			return 3; /* the scenario needs the same number */
		put(fd, 24);
	} else if (strcmp(argv[1], "dup2-over") == 0) {
		fd = file(argv[2], "first");
		put(fd, 6);
		dup2(p[1], fd);
		put(fd, 24);
	} else if (strcmp(argv[1], "dup2-onto") == 0) {
		put(p[1], 2);
		fd = file(argv[2], "onto");
		dup2(fd, p[1]);
		close(fd);
		put(p[1], 24);
	} else if (strcmp(argv[1], "close-range") == 0) {
		fd = file(argv[2], "first");
		put(fd, 6);
		close_range((unsigned)fd, (unsigned)fd, 0);
		if (file(argv[2], "second") != fd)
			return 3;
		put(fd, 24);
	} else
		return 2;
	return 0;
}
