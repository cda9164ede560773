/* Copy SRC to DST with a zero-copy call, looping like cp does, and print the
 * sequence of return values (and errno names), so runs with and without the
 * shim can be compared.
 *   wbcopy MODE SRC DST [LIMIT_MIB]
 *   MODE: copy_file_range | copy_file_range_offsets | sendfile | splice
 *   LIMIT_MIB: RLIMIT_FSIZE for the copy, to make it fail part-way (EFBIG) */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int in, out, pipefd[2];
	off64_t off_in = 0, off_out = 0;
	ssize_t got;
	const char *mode;

	if (argc < 4)
		return 2;
	mode = argv[1];
	in = open(argv[2], O_RDONLY);
	out = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (in < 0 || out < 0 || pipe(pipefd) != 0)
		return 1;
	if (argc > 4) {
		struct rlimit lim;
		lim.rlim_cur = lim.rlim_max = strtoull(argv[4], NULL, 10) << 20;
		signal(SIGXFSZ, SIG_IGN);
		setrlimit(RLIMIT_FSIZE, &lim);
	}
	for (;;) {
		if (strcmp(mode, "copy_file_range") == 0)
			got = copy_file_range(in, NULL, out, NULL, 1UL << 40, 0);
		else if (strcmp(mode, "copy_file_range_offsets") == 0)
			got = copy_file_range(in, &off_in, out, &off_out, 1UL << 40, 0);
		else if (strcmp(mode, "sendfile") == 0)
			got = sendfile(out, in, NULL, 1UL << 30);
		else if (strcmp(mode, "splice") == 0) {
			got = splice(in, NULL, pipefd[1], NULL, 1 << 16, 0);
			if (got > 0)
				got = splice(pipefd[0], NULL, out, NULL, (size_t)got, 0);
		} else
			return 2;
		printf("%zd %s\n", got, got < 0 ? strerrorname_np(errno) : "");
		if (got <= 0)
			break;
	}
	printf("offsets %lld %lld\n", (long long)lseek(out, 0, SEEK_CUR), (long long)off_out);
	return close(out) == 0 ? 0 : 1;
}
