/* Print, one line per case, what a set of failing (and succeeding) calls return
 * and the errno they leave. Run with and without the shim: the output must match.
 *   wberrno DIR   (DIR: a directory on a disk filesystem to create files in) */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include <unistd.h>

static void show(const char *what, long long ret)
{
	/* errno is printed whether or not the call failed: a successful call must
	 * leave it exactly as it was (we preset it to a marker before each call). */
	printf("%-34s ret=%lld errno=%s\n", what, ret, errno == 9999 ? "unchanged" : strerrorname_np(errno));
}

#define CASE(what, call)           \
	do {                       \
		errno = 9999;      \
		long long r = (call); \
		show(what, r);     \
	} while (0)

int main(int argc, char **argv)
{
	char path[4096], ro[4096], buf[4096] = { 0 };
	struct iovec iov = { buf, sizeof(buf) };
	int pipefd[2], fd, rofd;
	void *unmapped;
	volatile int bad_count = 2000; /* volatile: the compiler must not see it coming */

	if (argc != 2)
		return 2;
	snprintf(path, sizeof(path), "%s/errno-file", argv[1]);
	snprintf(ro, sizeof(ro), "%s/errno-ro", argv[1]);
	if (pipe(pipefd) != 0)
		return 1;
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	close(open(ro, O_WRONLY | O_CREAT | O_TRUNC, 0644));
	rofd = open(ro, O_RDONLY);
	unmapped = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	CASE("write(-1)", write(-1, buf, 1));
	CASE("write(closed 999)", write(999, buf, 1));
	CASE("write(file, 0 bytes)", write(fd, buf, 0));
	CASE("write(file, 4096)", write(fd, buf, sizeof(buf)));
	CASE("write(file, EFAULT)", write(fd, unmapped, 4096));
	CASE("write(read-only fd)", write(rofd, buf, 1));
	CASE("pwrite(pipe)", pwrite(pipefd[1], buf, 1, 0));
	CASE("pwrite(file, off -1)", pwrite(fd, buf, 1, -1));
	CASE("pwrite(file, 100)", pwrite(fd, buf, 100, 8192));
	CASE("pwrite64(file, 100)", pwrite64(fd, buf, 100, 16384));
	CASE("writev(file, iovcnt 2000)", writev(fd, &iov, bad_count)); /* > IOV_MAX */
	CASE("writev(file, 1)", writev(fd, &iov, 1));
	CASE("pwritev(pipe)", pwritev(pipefd[1], &iov, 1, 0));
	CASE("pwritev2(file, bad flags)", pwritev2(fd, &iov, 1, 0, 0x40000000));
	CASE("pwritev2(file, -1, 0)", pwritev2(fd, &iov, 1, -1, 0));
	CASE("lseek(file, bad whence)", lseek(fd, 0, 77));
	CASE("lseek(file, -5, SET)", lseek(fd, -5, SEEK_SET));
	CASE("lseek(file, 0, CUR)", lseek(fd, 0, SEEK_CUR));
	CASE("lseek(pipe)", lseek(pipefd[1], 0, SEEK_CUR));
	CASE("lseek64(file, 1, END)", lseek64(fd, 1, SEEK_END));
	CASE("fsync(pipe)", fsync(pipefd[1]));
	CASE("fsync(-1)", fsync(-1));
	CASE("fsync(file)", fsync(fd));
	CASE("fdatasync(999)", fdatasync(999));
	CASE("fdatasync(file)", fdatasync(fd));
	CASE("write(pipe)", write(pipefd[1], buf, 10));
	CASE("close(-1)", close(-1));
	CASE("close(999)", close(999));
	CASE("close(file)", close(fd));
	CASE("close(file) again", close(fd));
	CASE("write(closed file)", write(fd, buf, 1));
	{
		/* EFBIG: beyond RLIMIT_FSIZE (SIGXFSZ ignored so the call returns). */
		struct rlimit lim = { 1 << 20, 1 << 20 };
		signal(SIGXFSZ, SIG_IGN);
		fd = open(path, O_WRONLY | O_TRUNC);
		setrlimit(RLIMIT_FSIZE, &lim);
		CASE("pwrite(beyond RLIMIT_FSIZE)", pwrite(fd, buf, 1, 2 << 20));
		CASE("close(file 2)", close(fd));
	}
	return 0;
}
