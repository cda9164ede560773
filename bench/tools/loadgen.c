/* loadgen: the "unmodified program" of the benchmarks. It writes a file with plain write()
 * and times every call, so the effect of wbshim (or its absence) shows up as write stalls and
 * as the length of the final fsync. It must never do writeback itself: no sync_file_range, no
 * posix_fadvise, or it would measure itself instead of the shim.
 *
 * Units: sizes take binary K/M/G suffixes; MB and MB/s mean 2^20 bytes (as in slowdisk). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#ifndef RWF_DONTCACHE
#define RWF_DONTCACHE 0x00000080 /* Linux 6.14 uapi; glibc 2.36 headers predate it */
#endif

#define PATCH_SIZE 4096
#define DIRECT_ALIGN 4096 /* covers 512- and 4096-byte logical blocks */

struct options {
	const char *path, *lat_path;
	uint64_t size, block, patch_every, patch_offset;
	double rate_mbps; /* 0 = full speed */
	int dontcache, direct, no_fsync;
};

/* Every write() latency in ns and its start (ns after the first write), in call order; grown
 * on demand because short writes and patches add calls beyond size / block. */
static uint64_t *latencies, *starts, first_start;
static size_t latency_count, latency_cap;

static void die_usage(const char *message, const char *value)
{
	fprintf(stderr, "loadgen: %s%s%s%s (see --help)\n", message, *value ? " '" : "", value,
		*value ? "'" : "");
	exit(2);
}

static uint64_t parse_size(const char *text, const char *option)
{
	uint64_t value;

	if (!parse_size_text(text, &value))
		die_usage(option, text);
	return value;
}

static void record_latency(uint64_t start, uint64_t ns)
{
	if (latency_count == latency_cap) {
		latency_cap = latency_cap ? 2 * latency_cap : 65536;
		latencies = realloc(latencies, latency_cap * sizeof(*latencies));
		starts = realloc(starts, latency_cap * sizeof(*starts));
		if (!latencies || !starts) {
			fputs("loadgen: out of memory for latency samples\n", stderr);
			exit(1);
		}
	}
	if (latency_count == 0)
		first_start = start;
	starts[latency_count] = start - first_start;
	latencies[latency_count++] = ns;
}

/* Writes all of buf at the current file offset, one timed call per write(). */
static void write_all(int fd, const struct options *opt, const char *buf, size_t len)
{
	while (len > 0) {
		struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
		uint64_t start = now_ns();
		/* offset -1: use and advance the file position, exactly like write() */
		ssize_t done = opt->dontcache ? pwritev2(fd, &iov, 1, -1, RWF_DONTCACHE)
					      : write(fd, buf, len);

		record_latency(start, now_ns() - start);
		if (done < 0 && errno == EINTR)
			continue;
		if (done < 0 && errno == EOPNOTSUPP && opt->dontcache) {
			fprintf(stderr, "loadgen: pwritev2 RWF_DONTCACHE on %s: %s: this kernel or "
				"filesystem does not support uncached buffered writes (Linux 6.14+)\n",
				opt->path, strerror(errno));
			exit(1);
		}
		if (done < 0)
			die_errno("write", opt->path);
		buf += done;
		len -= (size_t)done;
	}
}

static void pace(uint64_t start_ns, uint64_t bytes_done, double rate_mbps)
{
	/* Absolute deadlines: sleep overshoot does not accumulate into a lower rate. */
	uint64_t due = start_ns + (uint64_t)((double)bytes_done * 1e9 / (rate_mbps * 1048576.0));
	struct timespec ts = { .tv_sec = (time_t)(due / 1000000000u),
			       .tv_nsec = (long)(due % 1000000000u) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/* Seek back, overwrite a header, seek forward: the pattern of tar, archivers and databases
 * that revisits already-written (possibly already written back) pages. */
static void patch_header(int fd, const struct options *opt, const char *patch, uint64_t end)
{
	if (lseek(fd, (off_t)opt->patch_offset, SEEK_SET) < 0)
		die_errno("lseek", opt->path);
	write_all(fd, opt, patch, PATCH_SIZE);
	if (lseek(fd, (off_t)end, SEEK_SET) < 0)
		die_errno("lseek", opt->path);
}

static int compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static void save_latencies(const char *path)
{
	FILE *out = fopen(path, "w");

	if (!out)
		die_errno("open", path);
	for (size_t i = 0; i < latency_count; i++)
		fprintf(out, "%.3f %.3f\n", (double)latencies[i] / 1e3, (double)starts[i] / 1e6);
	if (fclose(out) != 0)
		die_errno("write", path);
}

static void usage(void)
{
	puts("Usage: loadgen -o FILE [-s SIZE] [-b BLOCK] [--rate MB/s] [--patch-every BYTES]\n"
	     "               [--patch-offset BYTES] [--dontcache] [--direct] [--no-fsync]\n"
	     "               [--lat-out FILE]\n"
	     "Writes SIZE bytes (default 1G) to FILE in BLOCK-sized write() calls (default 1M),\n"
	     "then fsync()s and closes it. Sizes take K/M/G suffixes (binary); MB = 2^20 bytes.\n"
	     "  --rate MB/s          pace the writes (absolute deadlines); default full speed\n"
	     "  --patch-every BYTES  after each BYTES of data, rewrite 4 KiB at the header offset\n"
	     "  --patch-offset BYTES header offset for --patch-every (default 0)\n"
	     "  --dontcache          pwritev2(RWF_DONTCACHE) instead of write() (Linux 6.14+)\n"
	     "  --direct             O_DIRECT; BLOCK, SIZE and the header offset 4 KiB aligned\n"
	     "  --no-fsync           close without fsync, like most programs (fsync_s is 0)\n"
	     "  --lat-out FILE       one line per write(): its latency in microseconds and its\n"
	     "                       start in milliseconds after the first write's\n"
	     "Prints one line: bytes writes patches write_s fsync_s total_s max_write_ms\n"
	     "p99_write_ms p50_write_us writes_over_100ms mbps (bytes / total_s, open to durable).");
}

static void parse_options(int argc, char **argv, struct options *opt)
{
	static const struct option longopts[] = {
		{ "rate", required_argument, NULL, 'r' },
		{ "patch-every", required_argument, NULL, 'p' },
		{ "patch-offset", required_argument, NULL, 'P' },
		{ "dontcache", no_argument, NULL, 'D' },
		{ "direct", no_argument, NULL, 'd' },
		{ "no-fsync", no_argument, NULL, 'F' },
		{ "lat-out", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c;

	*opt = (struct options){ .size = 1u << 30, .block = 1u << 20 };
	while ((c = getopt_long(argc, argv, "o:s:b:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': opt->path = optarg; break;
		case 's': opt->size = parse_size(optarg, "bad -s"); break;
		case 'b':
			opt->block = parse_size(optarg, "bad -b");
			if (opt->block == 0 || opt->block > (1u << 30))
				die_usage("-b must be 1 byte .. 1G, got", optarg);
			break;
		case 'p': opt->patch_every = parse_size(optarg, "bad --patch-every"); break;
		case 'P': opt->patch_offset = parse_size(optarg, "bad --patch-offset"); break;
		case 'D': opt->dontcache = 1; break;
		case 'd': opt->direct = 1; break;
		case 'F': opt->no_fsync = 1; break;
		case 'l': opt->lat_path = optarg; break;
		case 'r':
			opt->rate_mbps = strtod(optarg, &end);
			if (*end || end == optarg || !(opt->rate_mbps >= 0))
				die_usage("bad --rate", optarg);
			break;
		case 'h': usage(); exit(0);
		default: exit(2);
		}
	}
	if (optind < argc)
		die_usage("unexpected argument", argv[optind]);
	if (!opt->path)
		die_usage("missing -o FILE", "");
	if (opt->direct && (opt->block % DIRECT_ALIGN || opt->size % DIRECT_ALIGN ||
			    opt->patch_offset % DIRECT_ALIGN))
		die_usage("--direct needs 4 KiB aligned -b, -s and --patch-offset", "");
}

int main(int argc, char **argv)
{
	struct options opt;
	uint64_t t_open, t_first, t_written, t_synced, written = 0, patches = 0;
	char *buf, *patch;
	int fd;

	parse_options(argc, argv, &opt);
	buf = aligned_alloc(DIRECT_ALIGN, (opt.block + DIRECT_ALIGN - 1) / DIRECT_ALIGN * DIRECT_ALIGN);
	patch = aligned_alloc(DIRECT_ALIGN, PATCH_SIZE);
	if (!buf || !patch) {
		fputs("loadgen: out of memory for the write buffer\n", stderr);
		return 1;
	}
	/* Non-zero data: nothing on the way may treat the file as sparse or compressible zeros. */
	for (uint64_t i = 0; i < opt.block; i++)
		buf[i] = (char)('a' + i % 26);
	memset(patch, 'H', PATCH_SIZE);

	t_open = now_ns();
	fd = open(opt.path, O_WRONLY | O_CREAT | O_TRUNC | (opt.direct ? O_DIRECT : 0), 0644);
	if (fd < 0)
		die_errno("open", opt.path);
	t_first = now_ns();
	while (written < opt.size) {
		uint64_t len = opt.size - written < opt.block ? opt.size - written : opt.block;

		if (opt.rate_mbps > 0)
			pace(t_first, written, opt.rate_mbps);
		write_all(fd, &opt, buf, (size_t)len);
		/* A patch each time the data crosses a multiple of patch_every. */
		if (opt.patch_every && (written + len) / opt.patch_every > written / opt.patch_every) {
			patch_header(fd, &opt, patch, written + len);
			patches++;
		}
		written += len;
	}
	t_written = now_ns();
	if (!opt.no_fsync && fsync(fd) != 0)
		die_errno("fsync", opt.path);
	t_synced = now_ns();
	if (close(fd) != 0) /* can report a deferred writeback error */
		die_errno("close", opt.path);

	if (opt.lat_path)
		save_latencies(opt.lat_path);
	size_t over_100ms = 0;
	for (size_t i = 0; i < latency_count; i++)
		over_100ms += latencies[i] > 100000000u;
	qsort(latencies, latency_count, sizeof(*latencies), compare_u64);
	/* Nearest-rank percentiles; n >= 1 unless SIZE is 0. */
	size_t n = latency_count;
	uint64_t p50 = n ? latencies[(n + 1) / 2 - 1] : 0;
	uint64_t p99 = n ? latencies[(99 * n + 99) / 100 - 1] : 0;
	uint64_t max = n ? latencies[n - 1] : 0;
	double total_s = (double)(t_synced - t_open) / 1e9;

	printf("bytes=%llu writes=%zu patches=%llu write_s=%.3f fsync_s=%.3f total_s=%.3f "
	       "max_write_ms=%.3f p99_write_ms=%.3f p50_write_us=%.3f writes_over_100ms=%zu "
	       "mbps=%.1f\n",
	       (unsigned long long)written, n, (unsigned long long)patches,
	       (double)(t_written - t_first) / 1e9, (double)(t_synced - t_written) / 1e9, total_s,
	       (double)max / 1e6, (double)p99 / 1e6, (double)p50 / 1e3, over_100ms,
	       total_s > 0 ? (double)written / 1048576.0 / total_s : 0.0);
	free(latencies);
	free(starts);
	free(buf);
	free(patch);
	return 0;
}
