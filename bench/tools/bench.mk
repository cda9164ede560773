# Benchmark tools. Included by the main Makefile (which defines CC, CFLAGS, WARNINGS), or run
# alone from the repo root:
#   make -f bench/tools/bench.mk CC=gcc CFLAGS=-O2 WARNINGS="-Wall -Wextra -Wshadow -Wmissing-prototypes"

# Must come before any other include: the directory of this file, whatever the includer's cwd.
BENCH_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
# Remembered so that including this file does not make bench-tools the includer's default goal.
BENCH_SAVED_GOAL := $(.DEFAULT_GOAL)

WARNINGS ?= -Wall -Wextra -Wshadow -Wmissing-prototypes

BENCH_BINS := $(BENCH_DIR)/devlimit $(BENCH_DIR)/kicks $(BENCH_DIR)/loadgen $(BENCH_DIR)/onebyte $(BENCH_DIR)/sampler \
	$(BENCH_DIR)/victim

.PHONY: bench-tools bench-clean
bench-tools: $(BENCH_BINS)

# Libc only: no -l flags. The tools must stay free of wbshim so they measure it from outside.
$(BENCH_BINS): $(BENCH_DIR)/%: $(BENCH_DIR)/%.c $(BENCH_DIR)/bench.h
	$(CC) $(CFLAGS) $(WARNINGS) $(LDFLAGS) -o $@ $<

bench-clean:
	rm -f $(BENCH_BINS)

ifneq ($(words $(MAKEFILE_LIST)),1)
.DEFAULT_GOAL := $(BENCH_SAVED_GOAL)
endif
