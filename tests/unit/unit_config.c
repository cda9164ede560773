/* Unit tests of the WBSHIM_* parsers. */
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

static int failures;

static void size_case(const char *text, enum wb_parse want, uint64_t want_value)
{
	uint64_t value = 12345;
	enum wb_parse got = wb_parse_size(text, WB_CHUNK_MIN, WB_CHUNK_MAX, 4096, &value);
	if (got != want || (want != WB_PARSE_BAD && value != want_value) ||
	    (want == WB_PARSE_BAD && value != 12345)) {
		printf("not ok - size \"%s\": got %d/%llu\n", text ? text : "(null)", got,
		       (unsigned long long)value);
		failures++;
	} else {
		printf("ok - size \"%s\"\n", text ? text : "(null)");
	}
}

static void uint_case(const char *text, enum wb_parse want, unsigned want_value)
{
	unsigned value = 7;
	enum wb_parse got = wb_parse_uint(text, 1, 64, &value);
	if (got != want || (want != WB_PARSE_BAD && value != want_value)) {
		printf("not ok - uint \"%s\": got %d/%u\n", text, got, value);
		failures++;
	} else {
		printf("ok - uint \"%s\"\n", text);
	}
}

static void bool_case(const char *text, enum wb_parse want, bool want_value)
{
	bool value = !want_value;
	enum wb_parse got = wb_parse_bool(text, &value);
	if (got != want || (want == WB_PARSE_OK && value != want_value)) {
		printf("not ok - bool \"%s\"\n", text);
		failures++;
	} else {
		printf("ok - bool \"%s\"\n", text);
	}
}

int main(void)
{
	size_case("8M", WB_PARSE_OK, 8 << 20);
	size_case("8MiB", WB_PARSE_OK, 8 << 20);
	size_case("8mb", WB_PARSE_OK, 8 << 20);
	size_case("512K", WB_PARSE_OK, 512 << 10);
	size_case("1G", WB_PARSE_OK, 1 << 30);
	size_case("1048576", WB_PARSE_OK, 1 << 20);
	size_case("4k", WB_PARSE_CLAMPED, WB_CHUNK_MIN);
	size_case("2G", WB_PARSE_CLAMPED, WB_CHUNK_MAX);
	size_case("99999999999999999999T", WB_PARSE_CLAMPED, WB_CHUNK_MAX);
	size_case("16777215T", WB_PARSE_CLAMPED, WB_CHUNK_MAX);
	size_case("300001", WB_PARSE_CLAMPED, 299008);
	size_case("", WB_PARSE_BAD, 0);
	size_case(NULL, WB_PARSE_BAD, 0);
	size_case("-8M", WB_PARSE_BAD, 0);
	size_case(" 8M", WB_PARSE_BAD, 0);
	size_case("8 M", WB_PARSE_BAD, 0);
	size_case("8X", WB_PARSE_BAD, 0);
	size_case("8MM", WB_PARSE_BAD, 0);
	size_case("M", WB_PARSE_BAD, 0);
	size_case("0x10M", WB_PARSE_BAD, 0);
	uint_case("4", WB_PARSE_OK, 4);
	uint_case("0", WB_PARSE_CLAMPED, 1);
	uint_case("65", WB_PARSE_CLAMPED, 64);
	uint_case("99999999999999999999999", WB_PARSE_CLAMPED, 64);
	uint_case("4x", WB_PARSE_BAD, 0);
	uint_case("-1", WB_PARSE_BAD, 0);
	uint_case("", WB_PARSE_BAD, 0);
	bool_case("1", WB_PARSE_OK, true);
	bool_case("YES", WB_PARSE_OK, true);
	bool_case("off", WB_PARSE_OK, false);
	bool_case("False", WB_PARSE_OK, false);
	bool_case("2", WB_PARSE_BAD, false);
	bool_case("", WB_PARSE_BAD, false);
	return failures ? 1 : 0;
}
