/* kicks: how many write requests a tree of small files costs the disk, by who starts
 * their writeback. Not a model of the shim: it asks the kernel directly.
 *
 *   kicks DIR FILES SIZE MODE [BATCH] DISK
 *
 * Writes FILES files of SIZE bytes into DIR (which must exist and be empty), then makes
 * them durable with syncfs(2), and prints the time to the last close, the time to
 * durable and the write requests DISK completed meanwhile (/sys/class/block/DISK/stat,
 * the whole disk's: run it on a quiet one). MODE says who starts the writeback:
 *   none   nobody: the syncfs at the end (the kernel's flusher, one plug for many files)
 *   close  sync_file_range(SYNC_FILE_RANGE_WRITE) of each file before its close
 *   batch  every BATCH files, those files opened again and kicked back to back */
#define _GNU_SOURCE
#include <fcntl.h>
#include <unistd.h>

#include "bench.h"

static unsigned long long writes_done(const char *disk)
{
	char path[256];
	unsigned long long field[5] = { 0 };
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/block/%s/stat", disk);
	f = fopen(path, "r");
	if (!f)
		die_errno("cannot read", path);
	if (fscanf(f, "%llu %llu %llu %llu %llu", &field[0], &field[1], &field[2], &field[3],
		   &field[4]) != 5) {
		fprintf(stderr, "kicks: %s: not a block device's statistics\n", path);
		exit(1);
	}
	fclose(f);
	return field[4]; /* writes completed */
}

static void name_of(char *buf, size_t len, const char *dir, unsigned long i)
{
	snprintf(buf, len, "%s/f%07lu", dir, i);
}

static void kick(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		die_errno("cannot open", path);
	if (sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE) != 0)
		die_errno("sync_file_range", path);
	close(fd);
}

int main(int argc, char **argv)
{
	const char *dir, *mode, *disk;
	unsigned long files, batch = 0;
	unsigned long long before;
	uint64_t size, t0, closed;
	char path[4096], *buf;
	int dfd;

	if (argc < 6 || !parse_size_text(argv[3], &size) || size == 0) {
		fprintf(stderr, "usage: kicks DIR FILES SIZE none|close|batch [BATCH] DISK\n");
		return 2;
	}
	dir = argv[1];
	files = strtoul(argv[2], NULL, 10);
	mode = argv[4];
	if (strcmp(mode, "batch") == 0) {
		if (argc != 7 || (batch = strtoul(argv[5], NULL, 10)) == 0) {
			fprintf(stderr, "kicks: batch needs a BATCH of files\n");
			return 2;
		}
	} else if (argc != 6 || (strcmp(mode, "none") != 0 && strcmp(mode, "close") != 0)) {
		fprintf(stderr, "kicks: MODE is none, close or batch BATCH\n");
		return 2;
	}
	disk = argv[argc - 1];
	buf = malloc(size);
	if (!buf)
		die_errno("cannot allocate", "the buffer");
	memset(buf, 'k', size);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		die_errno("cannot open", dir);
	sync();
	before = writes_done(disk);
	t0 = now_ns();
	for (unsigned long i = 0; i < files; i++) {
		int fd;

		name_of(path, sizeof(path), dir, i);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0)
			die_errno("cannot create", path);
		if (write(fd, buf, size) != (ssize_t)size)
			die_errno("cannot write", path);
		if (mode[0] == 'c' && sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE) != 0)
			die_errno("sync_file_range", path);
		close(fd);
		if (batch && (i + 1) % batch == 0)
			for (unsigned long j = i + 1 - batch; j <= i; j++) {
				name_of(path, sizeof(path), dir, j);
				kick(path);
			}
	}
	closed = now_ns();
	if (syncfs(dfd) != 0)
		die_errno("syncfs", dir);
	printf("%s%s%s: %lu files of %llu bytes: closed %.3f s, durable %.3f s, %llu write requests\n",
	       mode, batch ? " " : "", batch ? argv[5] : "", files, (unsigned long long)size,
	       (double)(closed - t0) / 1e9, (double)(now_ns() - t0) / 1e9,
	       writes_done(disk) - before);
	free(buf);
	close(dfd);
	return 0;
}
