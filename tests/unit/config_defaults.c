/* Print the configuration the library uses with no WBSHIM_* set, and its limits, one
 * "NAME VALUE" line each: the code's side of tests/wbshim-vars.tsv (tests/manpage.bats). */
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

int main(void)
{
	struct wb_config cfg;

	wb_config_load(&cfg);
	printf("WBSHIM_CHUNK %llu\n", (unsigned long long)cfg.chunk);
	printf("WBSHIM_CHUNK_MIN %llu\n", (unsigned long long)WB_CHUNK_MIN);
	printf("WBSHIM_CHUNK_MAX %llu\n", (unsigned long long)WB_CHUNK_MAX);
	printf("WBSHIM_DEPTH %u\n", cfg.depth);
	printf("WBSHIM_DEPTH_MIN 1\n");
	printf("WBSHIM_DEPTH_MAX %u\n", WB_DEPTH_MAX);
	printf("WBSHIM_DROP %d\n", cfg.drop);
	printf("WBSHIM_READ %d\n", cfg.read);
	printf("WBSHIM_PACE %d\n", cfg.pace);
	printf("WBSHIM_DISABLE %d\n", cfg.disable);
	printf("WBSHIM_VERBOSE %d\n", cfg.verbose);
	printf("WBSHIM_LOG %s\n", cfg.log_path ? cfg.log_path : "stderr");
	/* The budget: (depth + 1) x chunk. */
	printf("budget %llu\n", (unsigned long long)(cfg.depth + 1) * cfg.chunk);
	return 0;
}
