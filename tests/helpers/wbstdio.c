/* Write a file through stdio, with offset-derived data (comparable with cmp).
 *   wbstdio MODE FILE SIZE
 *   MODE: fwrite | fputs | fprintf | putc | putc_unlocked | patch
 *     putc_unlocked: the header's inline version, seen by the shim only at __overflow
 *     patch: fwrite, and every 1 MiB fseek back to 0, rewrite a header, fseek to the end
 * Checks every call, including fclose; exits 1 with a message on failure. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned char byte_at(unsigned long long off)
{
	return (unsigned char)('a' + (off * 7 + off / 4093) % 26);
}

static void die(const char *what)
{
	fprintf(stderr, "wbstdio: %s: %s\n", what, strerror(errno));
	exit(1);
}

int main(int argc, char **argv)
{
	unsigned long long size, off = 0;
	const char *mode;
	char piece[65537];
	FILE *fp;

	if (argc != 4)
		return 2;
	mode = argv[1];
	size = strtoull(argv[3], NULL, 10) << 20;
	fp = fopen(argv[2], "w");
	if (!fp)
		die("fopen");
	while (off < size) {
		size_t len = size - off < 65536 ? size - off : 65536;
		for (size_t i = 0; i < len; i++)
			piece[i] = (char)byte_at(off + i);
		piece[len] = '\0';
		if (strcmp(mode, "fwrite") == 0 || strcmp(mode, "patch") == 0) {
			if (fwrite(piece, 1, len, fp) != len)
				die("fwrite");
		} else if (strcmp(mode, "fputs") == 0) {
			if (fputs(piece, fp) < 0)
				die("fputs");
		} else if (strcmp(mode, "fprintf") == 0) {
			if (fprintf(fp, "%s", piece) != (int)len)
				die("fprintf");
		} else if (strcmp(mode, "putc") == 0) {
			for (size_t i = 0; i < len; i++)
				if (putc(piece[i], fp) == EOF)
					die("putc");
		} else if (strcmp(mode, "putc_unlocked") == 0) {
			for (size_t i = 0; i < len; i++)
				if (putc_unlocked(piece[i], fp) == EOF)
					die("putc_unlocked");
		} else {
			fprintf(stderr, "wbstdio: unknown mode %s\n", mode);
			return 2;
		}
		off += len;
		if (strcmp(mode, "patch") == 0 && off % (1 << 20) == 0) {
			char header[4096];
			for (size_t i = 0; i < sizeof(header); i++)
				header[i] = (char)byte_at(off + i);
			if (fseeko(fp, 0, SEEK_SET) || fwrite(header, 1, sizeof(header), fp) != sizeof(header) ||
			    fseeko(fp, 0, SEEK_END))
				die("patch");
		}
	}
	if (fclose(fp) != 0)
		die("fclose");
	return 0;
}
