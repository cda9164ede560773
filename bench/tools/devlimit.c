/* devlimit: the best sequential write rate of the disk under a file, as a ceiling for the
 * shim's fast-disk time. It writes SIZE bytes with O_DIRECT (no page cache at all) in large
 * aligned blocks, with THREADS requests in flight (each thread pwrite()s the next block of
 * a shared counter), then fsync()s: open to durable, like loadgen's total_s. Given several
 * thread counts, it writes the file once per count and reports the fastest: which depth a
 * device likes best differs (on a virtio disk under ext4 it can be one).
 *
 * The file is first extended with ftruncate, so the writes fill holes inside i_size rather
 * than extend the file: ext4 serialises extending direct writes, which would measure the
 * lock, not the disk. The blocks are still allocated during the timed writes, as for any
 * writer of a new file. Units: K/M/G are binary; MB = 2^20 bytes. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

#define DIRECT_ALIGN 4096 /* covers 512- and 4096-byte logical blocks */
#define MAX_THREADS 64
#define MAX_COUNTS 8

struct job {
	const char *path;
	int fd;
	uint64_t size, block;
	atomic_uint_fast64_t next_block; /* shared: the next block index to write */
	char *buf;
};

static uint64_t parse_size(const char *text, const char *option)
{
	uint64_t value;

	if (!parse_size_text(text, &value)) {
		fprintf(stderr, "devlimit: bad %s '%s' (see --help)\n", option, text);
		exit(2);
	}
	return value;
}

static void *writer(void *arg)
{
	struct job *job = arg;
	uint64_t blocks = (job->size + job->block - 1) / job->block;

	for (;;) {
		uint64_t index = atomic_fetch_add(&job->next_block, 1);

		if (index >= blocks)
			return NULL;
		uint64_t offset = index * job->block;
		uint64_t len = job->size - offset < job->block ? job->size - offset : job->block;
		uint64_t done = 0;

		while (done < len) {
			ssize_t n = pwrite(job->fd, job->buf + done, len - done, (off_t)(offset + done));

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				die_errno("pwrite", job->path);
			done += (uint64_t)n;
		}
	}
}

struct result {
	long threads;
	double write_s, fsync_s, total_s;
};

/* One timed pass: open (truncating), extend, write with nthreads in flight, fsync, close. */
static struct result run_once(struct job *job, long nthreads)
{
	pthread_t threads[MAX_THREADS];
	uint64_t t_open = now_ns();

	atomic_store(&job->next_block, 0);
	job->fd = open(job->path, O_WRONLY | O_CREAT | O_TRUNC | O_DIRECT, 0644);
	if (job->fd < 0)
		die_errno("open", job->path);
	if (ftruncate(job->fd, (off_t)job->size) != 0)
		die_errno("ftruncate", job->path);
	for (long i = 0; i < nthreads; i++) {
		int err = pthread_create(&threads[i], NULL, writer, job);

		if (err) {
			errno = err;
			die_errno("pthread_create for", job->path);
		}
	}
	for (long i = 0; i < nthreads; i++)
		pthread_join(threads[i], NULL);
	uint64_t t_written = now_ns();
	if (fsync(job->fd) != 0)
		die_errno("fsync", job->path);
	uint64_t t_synced = now_ns();
	if (close(job->fd) != 0)
		die_errno("close", job->path);
	return (struct result){ .threads = nthreads,
				.write_s = (double)(t_written - t_open) / 1e9,
				.fsync_s = (double)(t_synced - t_written) / 1e9,
				.total_s = (double)(t_synced - t_open) / 1e9 };
}

static void usage(void)
{
	puts("Usage: devlimit -o FILE [-s SIZE] [-b BLOCK] [-t THREADS[,THREADS...]]\n"
	     "Writes SIZE bytes (default 1G) to FILE with O_DIRECT, BLOCK bytes per pwrite()\n"
	     "(default 4M, 4 KiB aligned), THREADS writes in flight (default 16, at most 64),\n"
	     "then fsync()s; once per THREADS value (at most 8), keeping the fastest.\n"
	     "Prints the fastest: bytes block threads write_s fsync_s total_s mbps (total_s\n"
	     "from open to durable; mbps = bytes / total_s, MB = 2^20 bytes); on stderr, the\n"
	     "time of every pass as THREADS:SECONDS.");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct job job = { .size = 1u << 30, .block = 4u << 20 };
	long counts[MAX_COUNTS] = { 16 };
	int ncounts = 1, c;
	char *end;

	while ((c = getopt_long(argc, argv, "o:s:b:t:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': job.path = optarg; break;
		case 's': job.size = parse_size(optarg, "-s"); break;
		case 'b': job.block = parse_size(optarg, "-b"); break;
		case 't':
			ncounts = 0;
			for (char *item = optarg;; item = end + 1) {
				long n = strtol(item, &end, 10);

				if (ncounts == MAX_COUNTS || end == item || (*end && *end != ',') ||
				    n < 1 || n > MAX_THREADS) {
					fprintf(stderr, "devlimit: bad -t '%s' (up to %d counts of 1..%d)\n",
						optarg, MAX_COUNTS, MAX_THREADS);
					return 2;
				}
				counts[ncounts++] = n;
				if (!*end)
					break;
			}
			break;
		case 'h': usage(); return 0;
		default: return 2;
		}
	}
	if (!job.path || optind < argc) {
		fputs("devlimit: missing -o FILE or extra argument (see --help)\n", stderr);
		return 2;
	}
	if (job.block == 0 || job.block % DIRECT_ALIGN || job.size % DIRECT_ALIGN ||
	    job.block > (1u << 30)) {
		fputs("devlimit: -b and -s must be multiples of 4 KiB, -b at most 1G\n", stderr);
		return 2;
	}
	job.buf = aligned_alloc(DIRECT_ALIGN, job.block);
	if (!job.buf) {
		fputs("devlimit: out of memory for the write buffer\n", stderr);
		return 1;
	}
	/* Non-zero data, as loadgen writes: nothing may treat it as zeros. */
	for (uint64_t i = 0; i < job.block; i++)
		job.buf[i] = (char)('a' + i % 26);

	struct result best = { 0 };
	char tried[MAX_COUNTS * 24] = "";
	size_t used = 0;

	for (int i = 0; i < ncounts; i++) {
		struct result r = run_once(&job, counts[i]);

		used += (size_t)snprintf(tried + used, sizeof(tried) - used, "%s%ld:%.3f",
					 i ? "," : "", counts[i], r.total_s);
		if (i == 0 || r.total_s < best.total_s)
			best = r;
	}
	printf("bytes=%llu block=%llu threads=%ld write_s=%.3f fsync_s=%.3f total_s=%.3f mbps=%.1f\n",
	       (unsigned long long)job.size, (unsigned long long)job.block, best.threads,
	       best.write_s, best.fsync_s, best.total_s,
	       best.total_s > 0 ? (double)job.size / 1048576.0 / best.total_s : 0.0);
	/* Not key=value: whoever collects the summary line's numbers must not take these. */
	fprintf(stderr, "devlimit: seconds by threads in flight: %s\n", tried);
	free(job.buf);
	return 0;
}
