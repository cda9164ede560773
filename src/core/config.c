/* WBSHIM_* parsing. The parsers are pure so that a fuzzer and unit tests can drive them. */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "log.h"

struct wb_config wb_cfg;

/* Suffixes are binary: K = KiB. "K", "KB", "KiB" (any case) all mean 1024. */
static int wb_size_shift(const char *suffix)
{
	int shift;

	switch (suffix[0]) {
	case '\0':
		return 0;
	case 'k': case 'K': shift = 10; break;
	case 'm': case 'M': shift = 20; break;
	case 'g': case 'G': shift = 30; break;
	case 't': case 'T': shift = 40; break;
	default:
		return -1;
	}
	suffix++;
	if (*suffix && strcasecmp(suffix, "B") != 0 && strcasecmp(suffix, "iB") != 0)
		return -1;
	return shift;
}

enum wb_parse wb_parse_size(const char *text, uint64_t min, uint64_t max, uint64_t align,
			    uint64_t *out)
{
	enum wb_parse result = WB_PARSE_OK;
	unsigned long long value;
	char *end;
	int shift;

	if (!text || text[0] < '0' || text[0] > '9') /* strtoull would accept " -1" */
		return WB_PARSE_BAD;
	errno = 0;
	value = strtoull(text, &end, 10);
	if (end == text || (errno && errno != ERANGE))
		return WB_PARSE_BAD;
	/* ERANGE left value at ULLONG_MAX: simply "too large", clamped below. */
	shift = wb_size_shift(end);
	if (shift < 0)
		return WB_PARSE_BAD;
	if (shift && value > (UINT64_MAX >> shift))
		value = UINT64_MAX;
	else
		value <<= shift;
	if (value < min) {
		value = min;
		result = WB_PARSE_CLAMPED;
	} else if (value > max) {
		value = max;
		result = WB_PARSE_CLAMPED;
	}
	if (align > 1 && value % align) {
		value -= value % align;
		if (value < min) /* min is expected aligned; keep the bound anyway */
			value = min;
		result = WB_PARSE_CLAMPED;
	}
	*out = value;
	return result;
}

enum wb_parse wb_parse_uint(const char *text, unsigned int min, unsigned int max,
			    unsigned int *out)
{
	unsigned long long value;
	char *end;

	if (!text || text[0] < '0' || text[0] > '9')
		return WB_PARSE_BAD;
	errno = 0;
	value = strtoull(text, &end, 10);
	if (*end != '\0' || (errno && errno != ERANGE))
		return WB_PARSE_BAD;
	/* ERANGE left value at ULLONG_MAX: simply "too large", clamped below. */
	if (value < min) {
		*out = min;
		return WB_PARSE_CLAMPED;
	}
	if (value > max) {
		*out = max;
		return WB_PARSE_CLAMPED;
	}
	*out = (unsigned int)value;
	return WB_PARSE_OK;
}

enum wb_parse wb_parse_bool(const char *text, bool *out)
{
	static const char *const yes[] = { "1", "yes", "on", "true", "y" };
	static const char *const no[] = { "0", "no", "off", "false", "n" };
	size_t i;

	if (!text)
		return WB_PARSE_BAD;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(text, yes[i]) == 0) {
			*out = true;
			return WB_PARSE_OK;
		}
		if (strcasecmp(text, no[i]) == 0) {
			*out = false;
			return WB_PARSE_OK;
		}
	}
	return WB_PARSE_BAD;
}

static void wb_load_size(const char *name, uint64_t min, uint64_t max, uint64_t align,
			 uint64_t *value)
{
	const char *text = getenv(name);
	uint64_t fallback = *value;

	if (!text || !*text)
		return;
	switch (wb_parse_size(text, min, max, align, value)) {
	case WB_PARSE_BAD:
		wb_log(WB_LOG_WARN, "%s=\"%s\" is not a size (like 8M or 512KiB); using %llu",
		       name, text, (unsigned long long)fallback);
		break;
	case WB_PARSE_CLAMPED:
		wb_log(WB_LOG_WARN, "%s=\"%s\" is outside %llu..%llu or unaligned; using %llu",
		       name, text, (unsigned long long)min, (unsigned long long)max,
		       (unsigned long long)*value);
		break;
	case WB_PARSE_OK:
		break;
	}
}

static void wb_load_uint(const char *name, unsigned int min, unsigned int max,
			 unsigned int *value)
{
	const char *text = getenv(name);
	unsigned int fallback = *value;

	if (!text || !*text)
		return;
	switch (wb_parse_uint(text, min, max, value)) {
	case WB_PARSE_BAD:
		wb_log(WB_LOG_WARN, "%s=\"%s\" is not a number; using %u", name, text, fallback);
		break;
	case WB_PARSE_CLAMPED:
		wb_log(WB_LOG_WARN, "%s=\"%s\" is outside %u..%u; using %u", name, text, min, max,
		       *value);
		break;
	case WB_PARSE_OK:
		break;
	}
}

static void wb_load_bool(const char *name, bool *value)
{
	const char *text = getenv(name);

	if (!text || !*text)
		return;
	if (wb_parse_bool(text, value) == WB_PARSE_BAD)
		wb_log(WB_LOG_WARN, "%s=\"%s\" is not one of 1/0, yes/no, on/off; using %d", name,
		       text, *value ? 1 : 0);
}

/* Runs once in every process that loads the library, so a bad value set directly in the
 * environment is reported once per process (each command of a shell script): there is no
 * state shared between processes to remember that it was said. The wrapper checks the
 * values before it runs the command, so what its children inherit never warns. */
void wb_config_load(struct wb_config *cfg)
{
	long page = sysconf(_SC_PAGESIZE);
	enum wb_parse verbose_parse = WB_PARSE_OK;
	unsigned int verbose = 0;
	const char *text;

	cfg->chunk = WB_CHUNK_DEFAULT;
	cfg->depth = WB_DEPTH_DEFAULT;
	cfg->drop = true;
	cfg->read = true;
	cfg->pace = true;
	cfg->disable = false;
	/* A set-user-ID program must never be made to write to a path of the caller's choosing. */
	cfg->log_path = secure_getenv("WBSHIM_LOG");
	if (cfg->log_path && !*cfg->log_path)
		cfg->log_path = NULL;

	/* The log target and level first, so that later warnings go where the user asked. */
	text = getenv("WBSHIM_VERBOSE");
	if (text && *text) {
		bool on;
		if (wb_parse_bool(text, &on) == WB_PARSE_OK)
			verbose = on;
		else
			verbose_parse = wb_parse_uint(text, 0, 2, &verbose);
	}
	cfg->verbose = (int)verbose;
	wb_log_setup(cfg->log_path, cfg->verbose);
	if (verbose_parse != WB_PARSE_OK)
		wb_log(WB_LOG_WARN, "WBSHIM_VERBOSE=\"%s\" is not 0, 1, 2, yes or no; using %u", text,
		       verbose);

	wb_load_bool("WBSHIM_DISABLE", &cfg->disable);
	wb_load_size("WBSHIM_CHUNK", WB_CHUNK_MIN, WB_CHUNK_MAX,
		     page > 0 ? (uint64_t)page : 4096, &cfg->chunk);
	wb_load_uint("WBSHIM_DEPTH", 1, WB_DEPTH_MAX, &cfg->depth);
	wb_load_bool("WBSHIM_DROP", &cfg->drop);
	wb_load_bool("WBSHIM_READ", &cfg->read);
	wb_load_bool("WBSHIM_PACE", &cfg->pace);
}
