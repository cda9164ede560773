# shellcheck shell=bash
# bench: command line, sizes and prerequisites.

usage() {
	cat <<EOF
Usage: $PROG [--quick] [--out DIR] [--scenarios S1,S2,...] [--keep-rig]
             [--tuned CHUNK:DEPTH] [--repeat N] [--sweep] [--sweep-grid CHUNKS/DEPTHS]
             [--cgroup2 ROOT] [--variants LIST] [--slow] [--tree-files TINY,SMALL,ARCHIVE]

Scenarios (S1, S3, S4, S5, S10, S12 and S13 need root; the others run without, minus the kernel knobs):
  S1  5 GB at full speed to a 50 MB/s slow disk: peak dirty, time to durable, fsync tail
  S2  4 GB at full speed to the fast (root) filesystem: time to durable
  S3  1.5 GB at 15 MB/s to the 50 MB/s disk: peak dirty, max and p99 write() latency
  S4  2 GB inside a 768 MB memory cgroup, fast disk: peak cgroup memory, writes > 100 ms
  S5  a victim appending 1 MB + fdatasync every 100 ms on the root fs during S1's writers
  S6  1-byte write() to /dev/null, ns per call        S7  the same to a regular file
  S8  tar -xf of 2,000 files of 1-20 MB, then sync -f: time to durable
  S9  putc() to a stdio stream on a regular file, ns per call (the stdio doors' cost)
  S10 trees: cp -r and rsync -a of 10,000 x 100 KiB and 1,000 x 2 MiB files, to the fast
      and the slow disk: time to durable (copy + sync -f), peak dirty, peak cached
  S11 a short job: 256 MB to the fast disk, no fsync: exit time and durable time
  S12 the victim's working set: in a 3 GB memory cgroup a victim reads a 1.5 GB file three
      times, then cp and dd copy a 4 GB file to the fast disk: victim's file still cached,
      copy's time to durable, source and destinations cached at exit, victim's re-read
      time (variants noshim, wbshim, wbshim-noread = WBSHIM_READ=0, nocache if installed)
  S13 many small files: cp -r, tar -x and rsync -a of 100,000 x 4 KiB and 10,000 x 100 KiB
      files, tar -x of 5,000 x 60 KiB, to the fast disk (and the slow one with --slow):
      time to exit and to durable, peak cached, system calls per file (strace -f -c of
      20,000 x 4 KiB files); 5 repetitions unless --repeat says otherwise
  S14 input-bound writers, fast disk: a rate-limited curl download (fwrite + fflush per
      block), mke2fs -d of a cold 300 MiB tree into a 512 MiB image: exit and durable time,
      peak in flight, pacing sleeps (-v summary); 5 repetitions unless --repeat says otherwise

Each runs for: noshim, wbshim (library defaults), tuned (--tuned; not S10), and the anchors that apply:
dd-direct, dd-nocache, bdi (max_bytes + strict_limit), dirty-bytes (vm.dirty_bytes), dontcache,
kernel-bound (S1, S3, S14: vm.dirty_bytes = the defaults' (depth+1) x chunk, background half),
wbshim-hard (S1, S3: WBSHIM_PACE=0, the budget's hard line without pacing by time),
devlimit (S2: O_DIRECT, 4 MiB blocks, 1/4/16 in flight: the device's own limit).

  --quick            small sizes and fewer variants (about 5 minutes)
  --out DIR          results directory (default bench-results/YYYYmmdd-HHMMSS)
  --scenarios LIST   comma-separated subset, e.g. S1,S3 (default all)
  --keep-rig         leave the slow disk up afterwards (knobs are restored regardless)
  --tuned C:D        chunk and depth of the "tuned" variant (default $TUNED_DEFAULT)
  --repeat N         run every variant N times (interleaved); tables show median and range
  --variants LIST    only these of each scenario's variants (and noshim), e.g. wbshim,kernel-bound
  --base-lib PATH    also run "base", the library at PATH (a build of another commit) with
                     its defaults, wherever wbshim runs: old and new side by side in one run
  --slow             S13 also copies to the 50 MB/s disk
  --tree-files T,S,A S13's trees: T files of 4 KiB, S of 100 KiB, A of 60 KiB in the archive
                     (default 100000,10000,5000; --quick 2000,500,300); strace counts use
                     min(T, 20000) files
  --sweep            tuning sweep instead: S1 (1 GB), S2 (4 GB), S3 (225 MB at 15 MB/s)
                     for noshim and every chunk x depth of the grid
  --sweep-grid G     e.g. 1M,2M,4M,8M,16M/1,2,4,8 (the default)
  --cgroup2 ROOT     use the cgroup2 mount ROOT for the rigs (memory.max, io.max) even
                     where cgroup v1 is mounted; by default v2 when /sys/fs/cgroup is
                     cgroup2 with the memory controller, else the v1 controllers
  -h, --help         this text

As root, every run of S1-S12 starts from an empty page cache (drop_caches); BENCH_KEEP_CACHE=1
leaves the cache alone, on a machine shared with other work. S14 drops only its own sources.

Scratch space: $FAST_DIR (removed afterwards), $CACHE_DIR (S8's archive, kept:
delete it by hand; S10's trees and S12's files too), the slow disk under /var/tmp/wbshim-slowdisk (scripts/slowdisk).
EOF
}

parse_args() {
	QUICK=0 KEEP_RIG=0 SWEEP=0 REPEAT=1 OUT="" SCENARIOS=$ALL_SCENARIOS
	TUNED=$TUNED_DEFAULT SWEEP_GRID="1M,2M,4M,8M,16M/1,2,4,8" CGROUP2="" ONLY=""
	S13_SLOW=0 TREE_FILES="" REPEAT_GIVEN=0 BASE_LIB=""
	while [[ $# -gt 0 ]]; do
		case $1 in
		--quick) QUICK=1 ;;
		--keep-rig) KEEP_RIG=1 ;;
		--slow) S13_SLOW=1 ;;
		--sweep) SWEEP=1 ;;
		--out | --scenarios | --tuned | --repeat | --sweep-grid | --cgroup2 | --variants | --tree-files | --base-lib)
			[[ $# -ge 2 ]] || die "$1 needs a value"
			case $1 in
			--out) OUT=$2 ;; --scenarios) SCENARIOS=${2//,/ } ;; --tuned) TUNED=$2 ;;
			--repeat) REPEAT=$2 REPEAT_GIVEN=1 ;; --sweep-grid) SWEEP_GRID=$2 ;; --cgroup2) CGROUP2=${2%/} ;;
			--variants) ONLY=${2//,/ } ;; --tree-files) TREE_FILES=$2 ;; --base-lib) BASE_LIB=$2 ;;
			esac
			shift ;;
		-h | --help) usage; exit 0 ;;
		*) die "unknown option '$1' (see --help)" ;;
		esac
		shift
	done
	[[ $REPEAT =~ ^[1-9][0-9]*$ ]] || die "--repeat wants a positive number"
	[[ -z $BASE_LIB || -f $BASE_LIB ]] || die "--base-lib: no file $BASE_LIB"
	[[ $TUNED =~ ^[^:]+:[0-9]+$ ]] && wb_size "${TUNED%%:*}" >/dev/null ||
		die "--tuned wants CHUNK:DEPTH, e.g. 16M:1"
	local c chunks=${SWEEP_GRID%/*}
	[[ $SWEEP_GRID =~ ^[^/]+/[0-9,]+$ ]] || die "--sweep-grid wants CHUNKS/DEPTHS, e.g. 4M,8M/1,2"
	for c in ${chunks//,/ }; do
		wb_size "$c" >/dev/null || die "--sweep-grid: '$c' is not a size, e.g. 4M,8M/1,2"
	done
	[[ -z $TREE_FILES || $TREE_FILES =~ ^[1-9][0-9]*,[1-9][0-9]*,[1-9][0-9]*$ ]] ||
		die "--tree-files wants three counts, e.g. 2000,500,300"
	local s
	SCENARIOS=${SCENARIOS^^}
	for s in $SCENARIOS; do
		[[ " $ALL_SCENARIOS " == *" $s "* ]] || die "unknown scenario '$s' ($ALL_SCENARIOS)"
	done
	# A sweep covers S1-S3, or the subset of them that was asked for.
	if [[ $SWEEP -eq 1 ]]; then
		[[ $SCENARIOS == "$ALL_SCENARIOS" ]] && SCENARIOS="S1 S2 S3"
		for s in $SCENARIOS; do
			[[ $s == S[123] ]] || die "--sweep covers S1, S2 and S3 only"
		done
	fi
}

set_sizes() {
	if [[ $SWEEP -eq 1 ]]; then
		S1_DESC="1 GB" S2_DESC="4 GB" S3_DESC="225 MB"
		local c d
		SWEEP_VARIANTS=""
		for c in $(tr , ' ' <<<"${SWEEP_GRID%/*}"); do
			for d in $(tr , ' ' <<<"${SWEEP_GRID#*/}"); do
				SWEEP_VARIANTS+=" shim:$c:$d"
			done
		done
	elif [[ $QUICK -eq 1 ]]; then
		S1_DESC="1 GB" S2_DESC="1 GB" S3_DESC="150 MB" S4_DESC="1 GB" S4_LIMIT_DESC="384 MB"
		S12_DESC="256 MB hot, 512 MB copied, 768 MB cgroup"
	else
		S1_DESC="5 GB" S2_DESC="4 GB" S3_DESC="1.5 GB" S4_DESC="2 GB" S4_LIMIT_DESC="768 MB"
		S12_DESC="1.5 GB hot, 4 GB copied, 3 GB cgroup"
	fi
	local pick=$((QUICK * 1 + SWEEP * 2))   # 0 full, 1 quick, 2 sweep
	S1_BYTES=$(to_bytes "$(echo 5G 1G 1G | cut -d' ' -f$((pick + 1)))")
	S2_BYTES=$(to_bytes "$(echo 4G 1G 4G | cut -d' ' -f$((pick + 1)))")
	S3_BYTES=$(to_bytes "$(echo 1536M 150M 225M | cut -d' ' -f$((pick + 1)))")
	S4_BYTES=$(to_bytes "$(echo 2G 1G 1G | cut -d' ' -f$((pick + 1)))")
	S4_LIMIT=$(to_bytes "$(echo 768M 384M 384M | cut -d' ' -f$((pick + 1)))")
	S8_FILES=$(echo 2000 40 40 | cut -d' ' -f$((pick + 1)))
	S5_IDLE_S=$(echo 10 5 5 | cut -d' ' -f$((pick + 1)))
	ONEBYTE_ITERS=$(echo 2000000 500000 500000 | cut -d' ' -f$((pick + 1)))
	S11_BYTES=$((256 * MIB))
	S10_SMALL_FILES=$(echo 10000 1000 1000 | cut -d' ' -f$((pick + 1)))
	S10_MEDIUM_FILES=$(echo 1000 100 100 | cut -d' ' -f$((pick + 1)))
	S12_HOT_BYTES=$(to_bytes "$(echo 1536M 256M 256M | cut -d' ' -f$((pick + 1)))")
	S12_SRC_BYTES=$(to_bytes "$(echo 4G 512M 512M | cut -d' ' -f$((pick + 1)))")
	S12_LIMIT=$(to_bytes "$(echo 3G 768M 768M | cut -d' ' -f$((pick + 1)))")
	S10_DESC="$S10_SMALL_FILES files of 100 KiB and $S10_MEDIUM_FILES of 2 MiB"
	local trees=${TREE_FILES:-$(echo 100000,10000,5000 2000,500,300 2000,500,300 | cut -d' ' -f$((pick + 1)))}
	IFS=, read -r S13_TINY_FILES S13_SMALL_FILES S13_ARCHIVE_FILES <<<"$trees"
	S13_STRACE_FILES=$((S13_TINY_FILES < 20000 ? S13_TINY_FILES : 20000))
	# Medians of five alternating pairs unless --repeat asks for another number.
	S13_REPEAT=$REPEAT
	[[ $REPEAT_GIVEN -eq 1 ]] || S13_REPEAT=5
	S13_DESC="$S13_TINY_FILES x 4 KiB, $S13_SMALL_FILES x 100 KiB and (tar -x) $S13_ARCHIVE_FILES x 60 KiB"
}

drop_scenario() {   # S: remove it from SCENARIOS (whole words: S1 is not part of S10)
	local s keep=""
	for s in $SCENARIOS; do [[ $s == "$1" ]] || keep+=" $s"; done
	SCENARIOS=${keep# }
}

check_prerequisites() {
	local s t
	[[ -r $LIB ]] || die "$LIB missing: run make"
	for t in devlimit loadgen sampler onebyte victim; do
		[[ -x $TOOLS/$t ]] || die "$TOOLS/$t missing: run make bench-tools"
	done
	if ! is_root; then
		for s in S1 S3 S4 S5 S10 S12 S13; do
			if [[ " $SCENARIOS " == *" $s "* ]]; then
				say "$s skipped: needs root (slow-disk rig, memory cgroup, dropping the cache)"
				drop_scenario "$s"
			fi
		done
		say "not root: page cache is not dropped between runs, knob anchors skipped"
	elif [[ -z $CG_MEM ]]; then
		say "$(cgroup_problem): dirty figures are system-wide only"
		for s in S4 S12; do
			if [[ " $SCENARIOS " == *" $s "* ]]; then
				say "$s skipped: it needs a memory cgroup"
				drop_scenario "$s"
			fi
		done
	else
		say "memory cgroups: $CG_MEM at $CG_MEM_ROOT"
	fi
	[[ -z $CGROUP2 || $CG_MEM == v2 ]] || say "--cgroup2 $CGROUP2: no memory controller there; the slow disk may still use its io controller"
	[[ -n ${SCENARIOS// /} ]] || die "nothing to run"
}

library_defaults() {   # the library's own idea of its defaults, from its debug line
	local line
	# Read whole, then searched: grep -m1 on the pipe would end it before the summary line,
	# and the SIGPIPE of that late write fails the pipeline under pipefail.
	line=$(env -u WBSHIM_CHUNK -u WBSHIM_DEPTH WBSHIM_VERBOSE=2 LD_PRELOAD="$LIB" true 2>&1) &&
		line=$(grep -m1 'active:' <<<"$line") ||
		die "could not read the defaults from $LIB"
	DEFAULT_CHUNK=$(sed -E 's/.*chunk=([0-9]+).*/\1/' <<<"$line")
	DEFAULT_DEPTH=$(sed -E 's/.*depth=([0-9]+).*/\1/' <<<"$line")
}

# Twice the default chunk at the same depth: the next setting a user would try
# (see the README's "Choosing the defaults").
TUNED_DEFAULT=8M:4
ALL_SCENARIOS="S1 S2 S3 S4 S5 S6 S7 S8 S9 S10 S11 S12 S13 S14"
