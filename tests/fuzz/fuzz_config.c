/* libFuzzer target: the WBSHIM_* value parsers. Any input must parse or be
 * rejected without crashing, and an accepted value must respect its bounds. */
#include "../../src/core/config.c"

#include <stdlib.h>

int wb_log_level;
void wb_log_setup(const char *path, int level)
{
	(void)path, (void)level;
}
void wb_log_emit(enum wb_log_level level, const char *fmt, ...)
{
	(void)level, (void)fmt;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[256];
	uint64_t bytes = 0;
	unsigned int number = 0;
	bool flag;

	if (size >= sizeof(text))
		size = sizeof(text) - 1;
	memcpy(text, data, size);
	text[size] = '\0';
	if (wb_parse_size(text, WB_CHUNK_MIN, WB_CHUNK_MAX, 4096, &bytes) != WB_PARSE_BAD &&
	    (bytes < WB_CHUNK_MIN || bytes > WB_CHUNK_MAX || bytes % 4096))
		abort();
	if (wb_parse_uint(text, 1, WB_DEPTH_MAX, &number) != WB_PARSE_BAD &&
	    (number < 1 || number > WB_DEPTH_MAX))
		abort();
	(void)wb_parse_bool(text, &flag);
	return 0;
}
