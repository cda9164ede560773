/* The library's size parser on the command line, for tests/sizes.bats:
 * parse_size MIN MAX ALIGN TEXT... prints one line per TEXT: "bad", the value, or
 * "clamped VALUE" (outside MIN..MAX or unaligned: what the library uses instead). */
#include "../../src/core/config.c"

#include <stdio.h>

int wb_log_level;
void wb_log_setup(const char *path, int level)
{
	(void)path, (void)level;
}
void wb_log_emit(enum wb_log_level level, const char *fmt, ...)
{
	(void)level, (void)fmt;
}

int main(int argc, char **argv)
{
	uint64_t min, max, align, value;

	if (argc < 4)
		return 2;
	min = strtoull(argv[1], NULL, 10);
	max = strtoull(argv[2], NULL, 10);
	align = strtoull(argv[3], NULL, 10);
	for (int i = 4; i < argc; i++) {
		switch (wb_parse_size(argv[i], min, max, align, &value)) {
		case WB_PARSE_BAD:
			printf("bad\n");
			break;
		case WB_PARSE_CLAMPED:
			printf("clamped %llu\n", (unsigned long long)value);
			break;
		default:
			printf("%llu\n", (unsigned long long)value);
		}
	}
	return 0;
}
