/* WBSHIM_* environment configuration: parsed once, strictly, clamped to limits. */
#ifndef WB_CONFIG_H
#define WB_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#define WB_CHUNK_DEFAULT (4ULL << 20) /* 4M x depth 4: see README, "Choosing the defaults" */
#define WB_CHUNK_MIN (256ULL << 10)
#define WB_CHUNK_MAX (1ULL << 30)
#define WB_DEPTH_DEFAULT 4U
#define WB_DEPTH_MAX 64U

struct wb_config {
	uint64_t chunk;     /* bytes per chunk, page aligned, within [MIN, MAX] */
	unsigned int depth; /* kicked chunks allowed in flight before we wait, 1..64 */
	bool drop;          /* POSIX_FADV_DONTNEED what we waited for */
	bool read;          /* drop big sequential reads behind the reader */
	bool pace;          /* pace writers by time below the budget (pace.h) */
	bool disable;       /* pure pass-through */
	int verbose;        /* 0 warnings only, 1 per-file summaries, 2 every action */
	const char *log_path; /* NULL: stderr */
};

/* Results of the pure parsers below. */
enum wb_parse { WB_PARSE_OK, WB_PARSE_BAD, WB_PARSE_CLAMPED };

/* "8M", "512KiB", "1g", "1048576": bytes, rounded down to `align` and clamped to
 * [min, max]. On WB_PARSE_BAD *out is left untouched. */
enum wb_parse wb_parse_size(const char *text, uint64_t min, uint64_t max, uint64_t align,
			    uint64_t *out);
/* Decimal integer within [min, max] (clamped). */
enum wb_parse wb_parse_uint(const char *text, unsigned int min, unsigned int max,
			    unsigned int *out);
/* 1/0, yes/no, on/off, true/false (any case). */
enum wb_parse wb_parse_bool(const char *text, bool *out);

/* Read the environment into *cfg; report malformed or clamped values through the
 * log (one line each: variable, value, what is used instead). */
void wb_config_load(struct wb_config *cfg);

/* The configuration in effect: loaded once at start-up (init.c), read-only after. */
extern struct wb_config wb_cfg;

#endif
