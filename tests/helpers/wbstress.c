/* Concurrency checks with verified contents.
 *   wbstress threads DIR   8 threads pwrite disjoint blocks of one shared file and
 *                          write() their own files; a SIGALRM handler appends
 *                          records to yet another tracked file every millisecond
 *   wbstress fork DIR      a parent writing a file while children fork, write
 *                          their own files and _exit; also a child writing to a
 *                          file inherited from the parent
 * Prints "ok" and exits 0 when every byte is where it should be. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#define THREADS 8
#define BLOCK (64 << 10)
#define BLOCKS_PER_THREAD 64

static char dir[4000];
static int shared_fd, signal_fd;
/* Atomic: SIGALRM is process-directed, so handlers run in several threads at once. */
static int signals_written;

static void fail(const char *what)
{
	fprintf(stderr, "wbstress: %s: %s\n", what, strerror(errno));
	exit(1);
}

static unsigned char byte_at(unsigned long long off, int salt)
{
	return (unsigned char)((off * 131 + (unsigned long long)salt * 17) >> 3);
}

static void fill(unsigned char *buf, size_t len, unsigned long long off, int salt)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = byte_at(off + i, salt);
}

static int verify(const char *path, unsigned long long size, int salt)
{
	unsigned char buf[BLOCK];
	unsigned long long off = 0;
	int fd = open(path, O_RDONLY);
	ssize_t got;

	if (fd < 0)
		fail(path);
	while ((got = read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < got; i++)
			if (buf[i] != byte_at(off + (unsigned long long)i, salt)) {
				fprintf(stderr, "wbstress: %s differs at %llu\n", path, off + (unsigned long long)i);
				return 0;
			}
		off += (unsigned long long)got;
	}
	close(fd);
	if (off != size) {
		fprintf(stderr, "wbstress: %s has %llu bytes, wanted %llu\n", path, off, size);
		return 0;
	}
	return 1;
}

static void on_alarm(int sig)
{
	static const char record[] = "signal-record-0123456789abcdefghijklmnopqrstuvwxyz\n";
	int saved = errno;

	(void)sig;
	if (write(signal_fd, record, sizeof(record) - 1) == (ssize_t)sizeof(record) - 1)
		__atomic_add_fetch(&signals_written, 1, __ATOMIC_RELAXED);
	errno = saved;
}

static void *worker(void *arg)
{
	int id = (int)(long)arg;
	unsigned char *buf = malloc(BLOCK);
	char path[4100];
	int own;

	snprintf(path, sizeof(path), "%s/own-%d", dir, id);
	own = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (own < 0)
		fail("open own");
	for (int b = 0; b < BLOCKS_PER_THREAD; b++) {
		unsigned long long off = ((unsigned long long)b * THREADS + (unsigned long long)id) * BLOCK;
		fill(buf, BLOCK, off, 0);
		if (pwrite(shared_fd, buf, BLOCK, (off_t)off) != BLOCK)
			fail("pwrite shared");
		fill(buf, BLOCK, (unsigned long long)b * BLOCK, id + 1);
		if (write(own, buf, BLOCK) != BLOCK)
			fail("write own");
	}
	if (fsync(own) != 0 || close(own) != 0)
		fail("close own");
	free(buf);
	return NULL;
}

static int run_threads(void)
{
	pthread_t tid[THREADS];
	struct itimerval every_ms = { { 0, 1000 }, { 0, 1000 } };
	char path[4100];
	int ok = 1;

	snprintf(path, sizeof(path), "%s/shared", dir);
	shared_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	snprintf(path, sizeof(path), "%s/signals", dir);
	signal_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
	if (shared_fd < 0 || signal_fd < 0)
		fail("open");
	signal(SIGALRM, on_alarm);
	setitimer(ITIMER_REAL, &every_ms, NULL);
	for (long i = 0; i < THREADS; i++)
		pthread_create(&tid[i], NULL, worker, (void *)i);
	for (int i = 0; i < THREADS; i++)
		pthread_join(tid[i], NULL);
	/* Keep the handler writing a little longer on an idle main thread. */
	while (__atomic_load_n(&signals_written, __ATOMIC_RELAXED) < 200)
		pause();
	every_ms.it_value.tv_usec = every_ms.it_interval.tv_usec = 0;
	setitimer(ITIMER_REAL, &every_ms, NULL);
	if (close(shared_fd) != 0 || close(signal_fd) != 0)
		fail("close");
	snprintf(path, sizeof(path), "%s/shared", dir);
	ok &= verify(path, (unsigned long long)THREADS * BLOCKS_PER_THREAD * BLOCK, 0);
	for (int i = 0; i < THREADS; i++) {
		snprintf(path, sizeof(path), "%s/own-%d", dir, i);
		ok &= verify(path, (unsigned long long)BLOCKS_PER_THREAD * BLOCK, i + 1);
	}
	snprintf(path, sizeof(path), "%s/signals", dir);
	{
		FILE *f = fopen(path, "r");
		char line[128];
		long lines = 0;
		while (f && fgets(line, sizeof(line), f))
			lines += strncmp(line, "signal-record-", 14) == 0;
		if (f)
			fclose(f);
		int written = __atomic_load_n(&signals_written, __ATOMIC_RELAXED);

		if (lines != written) {
			fprintf(stderr, "wbstress: %ld signal records, %d written\n", lines, written);
			ok = 0;
		}
	}
	return ok;
}

static int run_fork(void)
{
	unsigned char *buf = malloc(BLOCK);
	char path[4100];
	int ok = 1, parent_fd;
	const int children = 16, blocks = 48;

	snprintf(path, sizeof(path), "%s/parent", dir);
	parent_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (parent_fd < 0)
		fail("open parent");
	for (int c = 0; c < children; c++) {
		fill(buf, BLOCK, (unsigned long long)c * blocks * BLOCK, 0);
		for (int b = 0; b < blocks; b++) {
			fill(buf, BLOCK, ((unsigned long long)c * blocks + (unsigned long long)b) * BLOCK, 0);
			if (write(parent_fd, buf, BLOCK) != BLOCK)
				fail("write parent");
		}
		pid_t pid = fork();
		if (pid < 0)
			fail("fork");
		if (pid == 0) {
			snprintf(path, sizeof(path), "%s/child-%d", dir, c);
			int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
			for (int b = 0; b < blocks; b++) {
				fill(buf, BLOCK, (unsigned long long)b * BLOCK, c + 1);
				if (fd < 0 || write(fd, buf, BLOCK) != BLOCK)
					_exit(1);
			}
			_exit(close(fd) == 0 ? 0 : 1);
		}
	}
	for (int c = 0; c < children; c++) {
		int status;
		if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			ok = 0;
	}
	if (close(parent_fd) != 0)
		fail("close parent");
	snprintf(path, sizeof(path), "%s/parent", dir);
	ok &= verify(path, (unsigned long long)children * blocks * BLOCK, 0);
	for (int c = 0; c < children; c++) {
		snprintf(path, sizeof(path), "%s/child-%d", dir, c);
		ok &= verify(path, (unsigned long long)blocks * BLOCK, c + 1);
	}
	free(buf);
	return ok;
}

int main(int argc, char **argv)
{
	int ok;

	if (argc != 3)
		return 2;
	snprintf(dir, sizeof(dir), "%s", argv[2]);
	if (strcmp(argv[1], "threads") == 0)
		ok = run_threads();
	else if (strcmp(argv[1], "fork") == 0)
		ok = run_fork();
	else
		return 2;
	puts(ok ? "ok" : "FAILED");
	return ok ? 0 : 1;
}
