/* Concurrency stress, bounded in time: everything at once, then verify every byte.
 *   wbstorm DIR SECONDS
 *  - 16 threads, each: write() its own file, verify and close it, open the next
 *    (fd numbers recycled at a high rate); pwrite blocks of a shared file; append
 *    records to a shared O_APPEND file
 *  - SIGALRM every millisecond; the handler appends a record to a tracked file
 *  - a thread forking children that write and verify a file of their own, and _exit
 *  - a thread dup2'ing a pipe and files over one fd number, writing to each
 * Prints "ok ops=N seconds=S" and exits 0 when all contents are as expected. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define THREADS 16
#define BLOCK 16384
#define SHARED_BLOCKS 2048 /* 32 MiB shared pwrite file */
#define RECORD 64

static char dir[3900];
static int shared_fd, append_fd, signal_fd;
static atomic_long ops, appended, failures;
static atomic_int signal_records; /* handlers run concurrently on any thread */
static atomic_int stop;
static pid_t parent; /* TSan copies its deferred signals into fork children: only the parent writes */

static unsigned char byte_at(unsigned long long off, unsigned salt)
{
	return (unsigned char)((off * 2654435761u + salt * 40503u) >> 13);
}

static void fill(unsigned char *buf, size_t len, unsigned long long off, unsigned salt)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = byte_at(off + i, salt);
}

static void fail(const char *what)
{
	fprintf(stderr, "wbstorm: %s: %s\n", what, strerror(errno));
	atomic_fetch_add(&failures, 1);
}

static int verify_fd(int fd, unsigned long long size, unsigned salt)
{
	unsigned char buf[BLOCK];
	for (unsigned long long off = 0; off < size; off += BLOCK) {
		if (pread(fd, buf, BLOCK, (off_t)off) != BLOCK)
			return 0;
		for (int i = 0; i < BLOCK; i++)
			if (buf[i] != byte_at(off + (unsigned)i, salt))
				return 0;
	}
	return 1;
}

static void on_alarm(int sig)
{
	static const char record[RECORD + 1] =
		"SIGNAL-RECORD-0123456789abcdefghijklmnopqrstuvwxyz-------------\n";
	int saved = errno;
	(void)sig;
	if (getpid() == parent && write(signal_fd, record, RECORD) == RECORD)
		atomic_fetch_add(&signal_records, 1);
	errno = saved;
}

static void *writer(void *arg)
{
	unsigned id = (unsigned)(long)arg, round = 0;
	unsigned char *buf = malloc(BLOCK);
	char path[4000], record[RECORD];
	unsigned long long seed = id * 7919u + 1;

	memset(record, 'A' + (int)id % 26, RECORD - 1);
	record[RECORD - 1] = '\n';
	while (!stop) {
		snprintf(path, sizeof(path), "%s/own-%u", dir, id);
		int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
		int blocks = 16 + (int)(round % 48);
		if (fd < 0) {
			fail("open own");
			break;
		}
		for (int b = 0; b < blocks && !stop; b++) {
			fill(buf, BLOCK, (unsigned long long)b * BLOCK, id + round);
			if (write(fd, buf, BLOCK) != BLOCK)
				fail("write own");
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			unsigned long long block = (seed >> 33) % SHARED_BLOCKS;
			fill(buf, BLOCK, block * BLOCK, 0);
			if (pwrite(shared_fd, buf, BLOCK, (off_t)(block * BLOCK)) != BLOCK)
				fail("pwrite shared");
			if (write(append_fd, record, RECORD) == RECORD)
				atomic_fetch_add(&appended, 1);
			atomic_fetch_add(&ops, 3);
		}
		if (!stop && !verify_fd(fd, (unsigned long long)blocks * BLOCK, id + round)) {
			errno = 0;
			fail("own file contents");
		}
		if ((round & 3) == 0 && fsync(fd) != 0)
			fail("fsync own");
		if (close(fd) != 0)
			fail("close own");
		round++;
	}
	free(buf);
	return NULL;
}

static void *forker(void *arg)
{
	unsigned char *buf = malloc(BLOCK);
	char path[4000];

	(void)arg;
	for (unsigned n = 0; !stop; n++) {
		/* Everything the child needs is prepared here: after fork() in a threaded
		 * process it may only make async-signal-safe calls (no malloc, no stdio). */
		snprintf(path, sizeof(path), "%s/child-%u", dir, n % 8);
		pid_t pid = fork();
		if (pid == 0) {
			int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
			for (int b = 0; fd >= 0 && b < 128; b++) {
				fill(buf, BLOCK, (unsigned long long)b * BLOCK, 1000 + n);
				if (write(fd, buf, BLOCK) != BLOCK)
					_exit(1);
			}
			_exit(fd >= 0 && verify_fd(fd, 128ULL * BLOCK, 1000 + n) && close(fd) == 0 ? 0 : 1);
		}
		int status = 0;
		pid_t got;
		do /* the millisecond SIGALRM interrupts waitpid */
			got = pid < 0 ? pid : waitpid(pid, &status, 0);
		while (got < 0 && errno == EINTR);
		if (got != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "wbstorm: child %u: status %#x\n", n, status);
			atomic_fetch_add(&failures, 1);
		}
		atomic_fetch_add(&ops, 1);
	}
	free(buf);
	return NULL;
}

static void *juggler(void *arg)
{
	int p[2], target;
	char path[4000], buf[4096];
	(void)arg;
	memset(buf, 'j', sizeof(buf));
	if (pipe(p) != 0)
		return NULL;
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	fcntl(p[1], F_SETFL, O_NONBLOCK);
	target = dup(p[1]);
	for (unsigned n = 0; !stop; n++) {
		snprintf(path, sizeof(path), "%s/juggle-%u", dir, n % 4);
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(n & 1 ? fd : p[1], target);
		for (int i = 0; i < 64; i++)
			if (write(target, buf, sizeof(buf)) < 0 && errno != EAGAIN)
				fail("juggle write");
		char sink[65536];
		while (read(p[0], sink, sizeof(sink)) > 0)
			;
		close(fd);
		atomic_fetch_add(&ops, 66);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t tid[THREADS + 2];
	struct itimerval every_ms = { { 0, 1000 }, { 0, 1000 } };
	struct timespec start, now;
	char path[4000];
	int seconds;

	if (argc != 3)
		return 2;
	snprintf(dir, sizeof(dir), "%s", argv[1]);
	seconds = atoi(argv[2]);
	snprintf(path, sizeof(path), "%s/shared", dir);
	shared_fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	snprintf(path, sizeof(path), "%s/append", dir);
	append_fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_APPEND, 0644);
	snprintf(path, sizeof(path), "%s/signals", dir);
	signal_fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_APPEND, 0644);
	if (shared_fd < 0 || append_fd < 0 || signal_fd < 0)
		return 1;
	/* The shared file starts complete, so any block can be checked at the end. */
	{
		unsigned char *buf = malloc(BLOCK);
		for (unsigned long long b = 0; b < SHARED_BLOCKS; b++) {
			fill(buf, BLOCK, b * BLOCK, 0);
			if (pwrite(shared_fd, buf, BLOCK, (off_t)(b * BLOCK)) != BLOCK)
				return 1;
		}
		free(buf);
	}
	parent = getpid();
	signal(SIGALRM, on_alarm);
	setitimer(ITIMER_REAL, &every_ms, NULL);
	for (long i = 0; i < THREADS; i++)
		pthread_create(&tid[i], NULL, writer, (void *)i);
	pthread_create(&tid[THREADS], NULL, forker, NULL);
	pthread_create(&tid[THREADS + 1], NULL, juggler, NULL);
	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		usleep(100000);
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (now.tv_sec - start.tv_sec < seconds);
	stop = 1;
	for (int i = 0; i < THREADS + 2; i++)
		pthread_join(tid[i], NULL);
	memset(&every_ms, 0, sizeof(every_ms));
	setitimer(ITIMER_REAL, &every_ms, NULL);
	{
		/* A signal already pending must not land between the count and the check. */
		sigset_t alarm;
		sigemptyset(&alarm);
		sigaddset(&alarm, SIGALRM);
		sigprocmask(SIG_BLOCK, &alarm, NULL);
	}

	if (!verify_fd(shared_fd, (unsigned long long)SHARED_BLOCKS * BLOCK, 0)) {
		errno = 0;
		fail("shared file contents");
	}
	if (lseek(append_fd, 0, SEEK_END) != (off_t)(atomic_load(&appended) * RECORD)) {
		errno = 0;
		fail("append file size");
	}
	if (lseek(signal_fd, 0, SEEK_END) != (off_t)atomic_load(&signal_records) * RECORD) {
		fprintf(stderr, "wbstorm: signal file %lld bytes, %d records\n",
			(long long)lseek(signal_fd, 0, SEEK_END), atomic_load(&signal_records));
		atomic_fetch_add(&failures, 1);
	}
	if (close(shared_fd) || close(append_fd) || close(signal_fd))
		fail("close shared");
	if (atomic_load(&failures)) {
		printf("FAILED failures=%ld\n", atomic_load(&failures));
		return 1;
	}
	printf("ok ops=%ld signal_records=%d seconds=%d\n",
	       atomic_load(&ops) + atomic_load(&appended) + atomic_load(&signal_records),
	       atomic_load(&signal_records), seconds);
	return 0;
}
