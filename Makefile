# wbshim: LD_PRELOAD library that paces writeback of unmodified programs.
# make [all] | test | test-busy | demo | bench | install | uninstall | clean
# Switches: WERROR=1 (warnings are errors), SANITIZE=address,undefined (or thread).

.DEFAULT_GOAL := all

PREFIX  ?= /usr/local
LIBDIR  ?= $(PREFIX)/lib
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
DESTDIR ?=

CC      ?= cc
CFLAGS  ?= -O2 -g
WARNINGS = -Wall -Wextra -Wshadow -Wmissing-prototypes
ifeq ($(WERROR),1)
WARNINGS += -Werror
endif
ifneq ($(SANITIZE),)
SANFLAGS = -fsanitize=$(SANITIZE) -fno-sanitize-recover=all -fno-omit-frame-pointer
# Programs that are not built with the sanitizer get its runtime preloaded first;
# they leak at exit by design (dd, python), which is not what we are looking for.
ifneq ($(findstring address,$(SANITIZE)),)
export WBSHIM_TEST_PRELOAD := $(shell $(CC) -print-file-name=libasan.so)
export ASAN_OPTIONS := detect_leaks=0:verify_asan_link_order=0:abort_on_error=1
endif
export UBSAN_OPTIONS := print_stacktrace=1:halt_on_error=1
endif

LIB      = libwbshim.so
# src/ is layered in folders (src/README.md); every folder is on the include path.
SRC_DIRS = $(sort $(dir $(wildcard src/*/*.c src/*/*.h)))
INCLUDES = $(patsubst %/,-I%,$(SRC_DIRS))
LIB_SRCS = $(wildcard src/*/*.c)
LIB_OBJS = $(LIB_SRCS:.c=.o)
LIB_HDRS = $(wildcard src/*/*.h)
LIB_CFLAGS  = -std=gnu11 -fPIC -fvisibility=hidden $(INCLUDES) $(WARNINGS) $(SANFLAGS) $(CFLAGS)
LIB_LDFLAGS = -shared -Wl,-soname,$(LIB) -Wl,--version-script=src/doors/export.map -Wl,-z,now \
	      $(SANFLAGS) $(LDFLAGS)
LIB_LIBS    = -ldl -pthread

# Small C programs the tests drive (tests/helpers/NAME.c -> tests/bin/NAME), and unit
# tests built from the library's plain-logic sources, no preload (tests/unit/NAME.c).
HELPER_SRCS = $(wildcard tests/helpers/*.c)
UNIT_SRCS   = $(wildcard tests/unit/*.c)
HELPERS     = $(patsubst tests/helpers/%.c,tests/bin/%,$(HELPER_SRCS)) \
	      $(patsubst tests/unit/%.c,tests/bin/%,$(UNIT_SRCS))
HELPER_CFLAGS = -std=gnu11 $(WARNINGS) $(SANFLAGS) $(CFLAGS)
# Thread tests under ThreadSanitizer: a TSan library cannot be preloaded into
# uninstrumented programs, so the library's sources are linked into the helper
# itself, whose definitions then interpose exactly like the preloaded library.
TSAN_HELPERS = tests/bin/tsan-wbstorm tests/bin/tsan-wbstress

# Objects are rebuilt when the flags change (switching SANITIZE on or off).
BUILD_FLAGS = $(CC) $(LIB_CFLAGS) $(LIB_LDFLAGS) $(HELPER_CFLAGS)
.build-flags: FORCE
	@echo '$(BUILD_FLAGS)' | cmp -s - $@ || echo '$(BUILD_FLAGS)' >$@
FORCE:

.PHONY: all test test-busy test-tools demo bench install uninstall clean helpers fuzz FORCE

# libFuzzer targets (clang): tests/fuzz/NAME.c -> tests/bin/NAME; FUZZ_RUNS inputs each.
FUZZ_CC   ?= clang
FUZZ_RUNS ?= 1000000
FUZZERS    = $(patsubst tests/fuzz/%.c,tests/bin/%,$(wildcard tests/fuzz/fuzz_*.c))

all: $(LIB)

src/%.o: src/%.c $(LIB_HDRS) .build-flags
	$(CC) $(LIB_CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJS) src/doors/export.map
	$(CC) $(LIB_LDFLAGS) -o $@ $(LIB_OBJS) $(LIB_LIBS)

tests/bin/%: tests/helpers/%.c $(LIB_HDRS) $(LIB_SRCS) .build-flags
	@mkdir -p tests/bin
	$(CC) $(HELPER_CFLAGS) $(INCLUDES) -o $@ $< -pthread

tests/bin/%: tests/unit/%.c $(LIB_HDRS) $(LIB_SRCS) .build-flags
	@mkdir -p tests/bin
	$(CC) $(HELPER_CFLAGS) $(INCLUDES) -o $@ $< -pthread

helpers: $(HELPERS) $(TSAN_HELPERS) tests/bin/static-wbwrite

# A statically linked program, out of LD_PRELOAD's reach: what the wrapper must
# recognise and what --cgroup is for. Never built with a sanitizer (they need ld.so).
tests/bin/static-wbwrite: tests/helpers/wbwrite.c
	@mkdir -p tests/bin
	$(CC) -std=gnu11 -O2 $(WARNINGS) -static -o $@ $<

tests/bin/tsan-%: tests/helpers/%.c $(LIB_HDRS) $(LIB_SRCS)
	@mkdir -p tests/bin
	$(CC) -std=gnu11 -fsanitize=thread -O1 -g $(WARNINGS) $(INCLUDES) -o $@ $< $(LIB_SRCS) -ldl -pthread

tests/bin/fuzz_%: tests/fuzz/fuzz_%.c $(LIB_HDRS) $(LIB_SRCS)
	@mkdir -p tests/bin
	$(FUZZ_CC) -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined $(INCLUDES) -o $@ $<

# Each target runs from its checked-in corpus; new inputs go to a scratch directory.
fuzz: $(FUZZERS)
	@set -e; for f in $(FUZZERS); do \
		name=$${f#tests/bin/fuzz_}; scratch=$$(mktemp -d); \
		if ! $$f -runs=$(FUZZ_RUNS) -max_len=256 -print_final_stats=1 \
			$$scratch tests/fuzz/corpus/$$name >$$scratch.log 2>&1; then \
			cat $$scratch.log; echo "fuzz_$$name: FAILED"; exit 1; fi; \
		echo "fuzz_$$name: $$(grep -E '^stat::number_of_executed_units' $$scratch.log | awk '{print $$2}') inputs, 0 crashes"; \
		rm -rf $$scratch $$scratch.log; \
	done

-include bench/tools/bench.mk

# What the suite drives, each with the Debian package that has it (fincore moved to
# util-linux-extra in Debian 12). Checked before anything is built.
TEST_TOOLS = bats:bats strace:strace fincore:util-linux-extra python3:python3

test: test-tools
	bats tests

# The suite beside a load generator (tests/busy: a writer of gigabytes in a loop and an
# O_DIRECT reader), as on a shared machine: the tests must measure their own files,
# devices and cgroups, not the machine.
test-busy: test-tools
	tests/busy -- bats tests

test-tools:
	@missing=; for tool in $(TEST_TOOLS); do \
		command -v $${tool%%:*} >/dev/null 2>&1 && continue; \
		echo "make test: $${tool%%:*} not found (Debian package: $${tool#*:})" >&2; \
		missing="$$missing $${tool#*:}"; \
	done; \
	[ -z "$$missing" ] || { echo "make test: install them first: apt-get install$$missing" >&2; exit 1; }
	@$(MAKE) --no-print-directory $(LIB) helpers bench-tools

demo: $(LIB) bench-tools
	scripts/demo $(if $(SIZE),--size $(SIZE))

bench: $(LIB) bench-tools
	scripts/bench $(BENCH_ARGS)

# The installed wrapper is told where the library went, so any LIBDIR works
# (multiarch directories, lib64) and the wrapper may be reached through a symlink.
install: $(LIB)
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 0644 $(LIB) $(DESTDIR)$(LIBDIR)/$(LIB)
	sed -e "s|^INSTALLED_LIBDIR=$$|INSTALLED_LIBDIR='$(LIBDIR)'|" \
	    -e '/^# shellcheck source=scripts\/size\.sh$$/d' \
	    -e '/^\. .*\/size\.sh"$$/{r scripts/size.sh' -e 'd;}' scripts/wbshim >$(DESTDIR)$(BINDIR)/wbshim.tmp
	grep -q "^INSTALLED_LIBDIR='" $(DESTDIR)$(BINDIR)/wbshim.tmp
	grep -q "^wb_size() {" $(DESTDIR)$(BINDIR)/wbshim.tmp
	chmod 0755 $(DESTDIR)$(BINDIR)/wbshim.tmp
	mv -f $(DESTDIR)$(BINDIR)/wbshim.tmp $(DESTDIR)$(BINDIR)/wbshim
	install -m 0644 scripts/wbshim.1 $(DESTDIR)$(MANDIR)/man1/wbshim.1

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/$(LIB) $(DESTDIR)$(BINDIR)/wbshim $(DESTDIR)$(MANDIR)/man1/wbshim.1

clean:
	rm -f $(LIB) src/*/*.o .build-flags
	rm -rf tests/bin
	rm -f crash-* leak-* timeout-* oom-*
	rm -f $(BENCH_BINS)
