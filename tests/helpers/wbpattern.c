/* wbpattern PATTERN FILE MiB: write MiB mebibytes to FILE the way one kind of real
 * program does, and exit 0 if every call succeeded. Patterns:
 *   record        fwrite 8 KiB then fflush, per record (a downloader, a logger)
 *   bigfirst      first fwrite one 16 MiB block, then 64 KiB blocks (a muxer's cluster)
 *   lines         fputs per 100-byte line on a line-buffered stream
 *   unbuffered    setvbuf _IONBF, fwrite 8 KiB records
 *   linebuf       setvbuf _IOLBF, fwrite 8 KiB records without newlines
 *   large         fwrite 1 MiB blocks, larger than the stream's buffer
 *   fprintf       fprintf of 100-byte records
 *   rewrite       write it all, fseek back to 0, rewrite the first half
 *   append        "a" mode, fwrite 8 KiB records
 *   wplus         "w+" mode: write, read back the last record, write on
 *   fdopen        open(2), then fdopen the fd and fwrite
 *   freopen       freopen FILE as stdout, then printf records
 *   mixed         write(2) and fwrite alternating on one fd (fflush before write)
 *   twostreams    two streams on one file, writing its two halves
 *   faststart     write FILE, then rewrite it shifted by 4093 bytes, reading one
 *                 block ahead of the writer on a second, read-only fd
 *   readback      after each 1 MiB, seek back and read it, then go on writing
 *   sysclose      write(2) 1 MiB blocks, close with syscall(SYS_close)
 *   putc          putc_unlocked byte by byte (inlined: seen through __overflow) */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static char block[1 << 20];

static void check(int ok, const char *what)
{
	if (!ok) {
		perror(what);
		exit(1);
	}
}

static FILE *open_stream(const char *path, const char *mode)
{
	FILE *fp = fopen(path, mode);
	check(fp != NULL, "fopen");
	return fp;
}

static void records(FILE *fp, long total, size_t size, int flush)
{
	for (long done = 0; done < total; done += (long)size) {
		check(fwrite(block, size, 1, fp) == 1, "fwrite");
		if (flush)
			check(fflush(fp) == 0, "fflush");
	}
}

static void faststart(const char *path, long total)
{
	const long shift = 4093, step = 1 << 20;
	int in, out;

	out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	check(out >= 0, "open");
	for (long done = 0; done < total; done += step)
		check(write(out, block, step) == step, "write");
	in = open(path, O_RDONLY);
	check(in >= 0, "open read-only");
	check(lseek(out, shift, SEEK_SET) == shift, "lseek");
	/* Read block n+1 before overwriting block n, as a "fast start" pass does. */
	for (long at = 0; at + step <= total - shift; at += step) {
		check(pread(in, block, step, at + step < total ? at + step : at) >= 0, "pread");
		check(write(out, block, step) == step, "write");
	}
	check(close(in) == 0, "close in");
	check(close(out) == 0, "close out");
}

static void readback(const char *path, long total)
{
	static char back[1 << 20];
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);

	check(fd >= 0, "open");
	for (long done = 0; done < total; done += sizeof(block)) {
		check(write(fd, block, sizeof(block)) == (ssize_t)sizeof(block), "write");
		check(pread(fd, back, sizeof(back), done) == (ssize_t)sizeof(back), "pread");
	}
	check(close(fd) == 0, "close");
}

int main(int argc, char **argv)
{
	const char *pattern, *path;
	long total;
	FILE *fp;

	if (argc != 4) {
		fprintf(stderr, "usage: wbpattern PATTERN FILE MiB\n");
		return 2;
	}
	pattern = argv[1];
	path = argv[2];
	total = atol(argv[3]) << 20;
	memset(block, 'x', sizeof(block));
	for (size_t i = 99; i < sizeof(block); i += 100)
		block[i] = '\n';

	if (!strcmp(pattern, "record") || !strcmp(pattern, "append")) {
		fp = open_stream(path, pattern[0] == 'a' ? "a" : "w");
		records(fp, total, 8192, pattern[0] == 'r');
	} else if (!strcmp(pattern, "bigfirst")) {
		fp = open_stream(path, "w");
		check(fwrite(block, 1 << 20, 1, fp) == 1, "fwrite");
		for (int i = 1; i < 16; i++)
			check(fwrite(block, 1 << 20, 1, fp) == 1, "fwrite");
		records(fp, total - (16 << 20), 65536, 0);
	} else if (!strcmp(pattern, "lines")) {
		char line[101];
		memcpy(line, block, 100);
		line[100] = '\0';
		fp = open_stream(path, "w");
		check(setvbuf(fp, NULL, _IOLBF, 0) == 0, "setvbuf");
		for (long done = 0; done < total; done += 100)
			check(fputs(line, fp) >= 0, "fputs");
	} else if (!strcmp(pattern, "unbuffered") || !strcmp(pattern, "linebuf")) {
		fp = open_stream(path, "w");
		check(setvbuf(fp, NULL, pattern[0] == 'u' ? _IONBF : _IOLBF, 0) == 0, "setvbuf");
		memset(block, 'y', 8192);
		records(fp, total, 8192, 0);
	} else if (!strcmp(pattern, "large")) {
		fp = open_stream(path, "w");
		records(fp, total, 1 << 20, 0);
	} else if (!strcmp(pattern, "fprintf")) {
		fp = open_stream(path, "w");
		for (long done = 0; done < total; done += 100)
			check(fprintf(fp, "%099ld\n", done) == 100, "fprintf");
	} else if (!strcmp(pattern, "rewrite")) {
		fp = open_stream(path, "w");
		records(fp, total, 65536, 0);
		check(fseek(fp, 0, SEEK_SET) == 0, "fseek");
		records(fp, total / 2, 65536, 0);
	} else if (!strcmp(pattern, "wplus")) {
		char back[8192];
		fp = open_stream(path, "w+");
		for (long done = 0; done < total; done += 8192) {
			check(fwrite(block, 8192, 1, fp) == 1, "fwrite");
			if ((done >> 13) % 64 == 63) {
				check(fseek(fp, -8192, SEEK_CUR) == 0, "fseek");
				check(fread(back, 8192, 1, fp) == 1, "fread");
				check(fseek(fp, 0, SEEK_CUR) == 0, "fseek");
			}
		}
	} else if (!strcmp(pattern, "fdopen")) {
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		check(fd >= 0, "open");
		fp = fdopen(fd, "w");
		check(fp != NULL, "fdopen");
		records(fp, total, 8192, 0);
	} else if (!strcmp(pattern, "freopen")) {
		fp = freopen(path, "w", stdout);
		check(fp != NULL, "freopen");
		for (long done = 0; done < total; done += 100)
			check(printf("%099ld\n", done) == 100, "printf");
	} else if (!strcmp(pattern, "mixed")) {
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		check(fd >= 0, "open");
		fp = fdopen(fd, "w");
		check(fp != NULL, "fdopen");
		for (long done = 0; done < total; done += 16384) {
			check(fwrite(block, 8192, 1, fp) == 1, "fwrite");
			check(fflush(fp) == 0, "fflush");
			check(write(fd, block, 8192) == 8192, "write");
		}
	} else if (!strcmp(pattern, "twostreams")) {
		FILE *second;
		fp = open_stream(path, "w");
		second = open_stream(path, "r+");
		check(fseek(second, total / 2, SEEK_SET) == 0, "fseek");
		for (long done = 0; done < total / 2; done += 8192) {
			check(fwrite(block, 8192, 1, fp) == 1, "fwrite");
			check(fwrite(block, 8192, 1, second) == 1, "fwrite second");
		}
		check(fclose(second) == 0, "fclose second");
	} else if (!strcmp(pattern, "faststart")) {
		faststart(path, total);
		return 0;
	} else if (!strcmp(pattern, "readback")) {
		readback(path, total);
		return 0;
	} else if (!strcmp(pattern, "sysclose")) {
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		check(fd >= 0, "open");
		for (long done = 0; done < total; done += sizeof(block))
			check(write(fd, block, sizeof(block)) == (ssize_t)sizeof(block), "write");
		check(syscall(SYS_close, fd) == 0, "syscall(SYS_close)");
		/* The number is free again: the next open gets it. */
		int again = open("/dev/null", O_RDONLY);
		check(again == fd, "fd number after syscall(SYS_close)");
		return 0;
	} else if (!strcmp(pattern, "putc")) {
		fp = open_stream(path, "w");
		for (long done = 0; done < total; done++)
			check(putc_unlocked('z', fp) == 'z', "putc_unlocked");
	} else {
		fprintf(stderr, "wbpattern: unknown pattern %s\n", pattern);
		return 2;
	}
	check(fclose(fp) == 0, "fclose");
	return 0;
}
