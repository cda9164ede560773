#!/usr/bin/env bats
# The writeback pipeline, observed from the kernel's side (strace, fincore).
load common
load rigs

# The program's own fd (dd writes to 1) in OUT.own; the shim's transient descriptors
# of closed files (opened again by name for one settle) in OUT.kept.
split_trace() {
	grep -E '\(1, ' "$1" >"$1.own" || true
	grep -Ev '\(1, ' "$1" >"$1.kept" || true
}

# The exact traces below are the hard line's: WBSHIM_PACE=0 keeps pacing by time
# (whose sleeps and looks depend on the disk's speed) out of them. The tests of
# pacing by time follow them.
@test "dd, depth 1: kick each chunk; past the budget each write waits for a slice of the oldest" {
	require_disk_fs
	WBSHIM_PACE=0 WBSHIM_CHUNK=8M WBSHIM_DEPTH=1 trace_shim "$WORK/t" \
		dd if=/dev/zero of="$WORK/out" bs=1M count=34 status=none
	split_trace "$WORK/t"
	# Budget (depth + 1) x chunk = 16 MiB: every 1 MiB write beyond it waits for the
	# oldest chunk's next quarter (2 MiB) and drops it, instead of one write in eight
	# waiting for a whole chunk. The waits watch the page cache (cachestat, not
	# traced here): no SYNC_FILE_RANGE_WAIT_* ever, so no writeback error is consumed.
	# Inside a chunk each megabyte is kicked as it is written (a step), once the
	# process has written a chunk: the first chunk has none.
	cat >"$WORK/want" <<-TRACE
	sync_file_range(1, 0, 8388608, SYNC_FILE_RANGE_WRITE) = 0
	sync_file_range(1, 8388608, 1048576, SYNC_FILE_RANGE_WRITE) = 0
	sync_file_range(1, 9437184, 1048576, SYNC_FILE_RANGE_WRITE) = 0
	sync_file_range(1, 10485760, 1048576, SYNC_FILE_RANGE_WRITE) = 0
	sync_file_range(1, 11534336, 1048576, SYNC_FILE_RANGE_WRITE) = 0
	sync_file_range(1, 12582912, 1048576, SYNC_FILE_RANGE_WRITE) = 0
	sync_file_range(1, 13631488, 1048576, SYNC_FILE_RANGE_WRITE) = 0
	sync_file_range(1, 14680064, 1048576, SYNC_FILE_RANGE_WRITE) = 0
	sync_file_range(1, 8388608, 8388608, SYNC_FILE_RANGE_WRITE) = 0
	sync_file_range(1, 16777216, 1048576, SYNC_FILE_RANGE_WRITE) = 0
	fadvise64(1, 0, 2097152, POSIX_FADV_DONTNEED) = 0
	sync_file_range(1, 17825792, 1048576, SYNC_FILE_RANGE_WRITE) = 0
	sync_file_range(1, 18874368, 1048576, SYNC_FILE_RANGE_WRITE) = 0
	fadvise64(1, 2097152, 2097152, POSIX_FADV_DONTNEED) = 0
	sync_file_range(1, 19922944, 1048576, SYNC_FILE_RANGE_WRITE) = 0
	sync_file_range(1, 20971520, 1048576, SYNC_FILE_RANGE_WRITE) = 0
	fadvise64(1, 4194304, 2097152, POSIX_FADV_DONTNEED) = 0
	sync_file_range(1, 22020096, 1048576, SYNC_FILE_RANGE_WRITE) = 0
	sync_file_range(1, 23068672, 1048576, SYNC_FILE_RANGE_WRITE) = 0
	fadvise64(1, 6291456, 2097152, POSIX_FADV_DONTNEED) = 0
	sync_file_range(1, 16777216, 8388608, SYNC_FILE_RANGE_WRITE) = 0
	sync_file_range(1, 25165824, 1048576, SYNC_FILE_RANGE_WRITE) = 0
	fadvise64(1, 8388608, 2097152, POSIX_FADV_DONTNEED) = 0
	sync_file_range(1, 26214400, 1048576, SYNC_FILE_RANGE_WRITE) = 0
	sync_file_range(1, 27262976, 1048576, SYNC_FILE_RANGE_WRITE) = 0
	fadvise64(1, 10485760, 2097152, POSIX_FADV_DONTNEED) = 0
	sync_file_range(1, 28311552, 1048576, SYNC_FILE_RANGE_WRITE) = 0
	sync_file_range(1, 29360128, 1048576, SYNC_FILE_RANGE_WRITE) = 0
	fadvise64(1, 12582912, 2097152, POSIX_FADV_DONTNEED) = 0
	sync_file_range(1, 30408704, 1048576, SYNC_FILE_RANGE_WRITE) = 0
	sync_file_range(1, 31457280, 1048576, SYNC_FILE_RANGE_WRITE) = 0
	fadvise64(1, 14680064, 2097152, POSIX_FADV_DONTNEED) = 0
	sync_file_range(1, 25165824, 8388608, SYNC_FILE_RANGE_WRITE) = 0
	sync_file_range(1, 33554432, 1048576, SYNC_FILE_RANGE_WRITE) = 0
	fadvise64(1, 16777216, 2097152, POSIX_FADV_DONTNEED) = 0
	sync_file_range(1, 34603008, 1048576, SYNC_FILE_RANGE_WRITE) = 0
	sync_file_range(1, 33554432, 2097152, SYNC_FILE_RANGE_WRITE) = 0
	TRACE
	diff -u "$WORK/want" "$WORK/t.own"
	cat "$WORK/t.kept"
	# close() handed the rest over: it was dropped (at exit, or once written back) on
	# a transient descriptor, from where the writer's waits had got to, to the end
	# of the file, which is where the writing ended.
	grep -Eq '^fadvise64\([0-9]+, 18874368, 0, POSIX_FADV_DONTNEED\) = 0$' "$WORK/t.kept"
	[ "$(count_lines WAIT "$WORK/t")" -eq 0 ]
}

@test "dd, depth 2, 4 MiB chunks: slices of a quarter chunk, close returns without waiting" {
	require_disk_fs
	WBSHIM_PACE=0 WBSHIM_CHUNK=4M WBSHIM_DEPTH=2 trace_shim "$WORK/t" \
		dd if=/dev/zero of="$WORK/out" bs=1M count=17 status=none
	split_trace "$WORK/t"
	# Drops start at a 2 MiB folio boundary, never below the first byte written.
	# The last megabyte is kicked twice: as a step, then as the tail at close.
	cat >"$WORK/want" <<-TRACE
	sync_file_range(1, 0, 4194304, SYNC_FILE_RANGE_WRITE) = 0
	sync_file_range(1, 4194304, 1048576, SYNC_FILE_RANGE_WRITE) = 0
	sync_file_range(1, 5242880, 1048576, SYNC_FILE_RANGE_WRITE) = 0
	sync_file_range(1, 6291456, 1048576, SYNC_FILE_RANGE_WRITE) = 0
	sync_file_range(1, 4194304, 4194304, SYNC_FILE_RANGE_WRITE) = 0
	sync_file_range(1, 8388608, 1048576, SYNC_FILE_RANGE_WRITE) = 0
	sync_file_range(1, 9437184, 1048576, SYNC_FILE_RANGE_WRITE) = 0
	sync_file_range(1, 10485760, 1048576, SYNC_FILE_RANGE_WRITE) = 0
	sync_file_range(1, 8388608, 4194304, SYNC_FILE_RANGE_WRITE) = 0
	sync_file_range(1, 12582912, 1048576, SYNC_FILE_RANGE_WRITE) = 0
	fadvise64(1, 0, 1048576, POSIX_FADV_DONTNEED) = 0
	sync_file_range(1, 13631488, 1048576, SYNC_FILE_RANGE_WRITE) = 0
	fadvise64(1, 0, 2097152, POSIX_FADV_DONTNEED) = 0
	sync_file_range(1, 14680064, 1048576, SYNC_FILE_RANGE_WRITE) = 0
	fadvise64(1, 2097152, 1048576, POSIX_FADV_DONTNEED) = 0
	fadvise64(1, 2097152, 2097152, POSIX_FADV_DONTNEED) = 0
	sync_file_range(1, 12582912, 4194304, SYNC_FILE_RANGE_WRITE) = 0
	sync_file_range(1, 16777216, 1048576, SYNC_FILE_RANGE_WRITE) = 0
	fadvise64(1, 4194304, 1048576, POSIX_FADV_DONTNEED) = 0
	sync_file_range(1, 16777216, 1048576, SYNC_FILE_RANGE_WRITE) = 0
	TRACE
	diff -u "$WORK/want" "$WORK/t.own"
	cat "$WORK/t.kept"
	grep -Eq '^fadvise64\([0-9]+, 4194304, 0, POSIX_FADV_DONTNEED\) = 0$' "$WORK/t.kept"
	[ "$(count_lines WAIT "$WORK/t")" -eq 0 ]
	[ "$(resident_bytes "$WORK/out")" -le $((3 * 4 * MiB + MiB)) ]
}

# Pacing by time on a disk that completes in bursts (the block throttle admits a
# 100 ms slice's quota at once). The oracle is what the shim asks of the kernel:
# its sleeps (clock_nanosleep; dd itself never sleeps) and its looks at the page
# cache (cachestat, syscall 451, which this strace may print by number).
paced_dd() {   # OUT TRACE [env...]: 48 MiB with dd to the slow disk, traced
	local out=$1 trace=$2
	shift 2
	# Every call is traced (this strace may not know cachestat by name or number),
	# with its duration (-T): how long the kernel itself held each write().
	env "$@" strace -f -qq -T -e signal=none -o "$trace" -E LD_PRELOAD="$PRELOAD" \
		dd if=/dev/zero of="$out" bs=1M count=48 status=none
}

# paced_residue OUT TRACE [env...]: paced_dd, then RES = the bytes of OUT left cached
# at exit (looked at before anything reads the file back in), bounded by the budget.
# On a busy machine another writeback of the same file (the flusher working for other
# processes' dirty data, a `sync` by anyone) can hold pages locked while the shim's
# wait for them returns, so its drop misses them and they stay cached, clean, beyond
# the budget. Then the run is made again, up to three runs, each printed with where
# its residue lies (resident MiB per MiB of the file, 0-9): a shim that does not
# drop, or does not wait, exceeds in every run.
paced_residue() {
	local out=$1 trace=$2 run
	shift 2
	for run in 1 2 3; do
		rm -f "$out"
		paced_dd "$out" "$trace" "$@"
		RES=$(resident_bytes "$out")
		echo "run $run: left cached at exit: $RES bytes, expected at most $BUDGET_4M"
		if ! slow_loop_intact; then
			continue
		fi
		[ "$RES" -gt "$BUDGET_4M" ] || return 0
		echo "  where: $(residency_map "$out")"
		echo "  the machine: $(grep -E '^(Dirty|Writeback):' /proc/meminfo | tr -s ' ' | tr '\n' ' ')"
	done
}

@test "pacing by time: on a slow, bursty disk writes sleep in steps of at most 50 ms" {
	require_root "a throttled loop device"
	# In RAM behind the throttle: the disk's pace is the throttle's, not the machine's.
	make_slow_loop 256M 20 ram
	mount_ext4 "$DEV" "$WORK/slow"
	# The bound is the hard line's: at most the budget is left cached at exit.
	paced_residue "$WORK/slow/paced" "$WORK/t"
	[ "$RES" -le "$BUDGET_4M" ]
	cmp -n $((48 * MiB)) /dev/zero "$WORK/slow/paced"
	[ "$(stat -c %s "$WORK/slow/paced")" -eq $((48 * MiB)) ]
	{ grep -Eo 'nanosleep\(.*tv_nsec=[0-9]+' "$WORK/t" || true; } | grep -Eo '[0-9]+$' >"$WORK/naps" || true
	naps=$(count_lines . "$WORK/naps")
	longest=$(sort -n "$WORK/naps" | tail -1)
	# What the kernel held dd's write() calls for, in ms: on a machine where other
	# processes keep gigabytes dirty, the kernel's own dirty throttling already holds
	# the writer to the disk's rate inside write(), and pacing has nothing left to do.
	held=$(grep -E '^[0-9]+ +write\(1, ' "$WORK/t" | grep -Eo '<[0-9.]+>$' | tr -d '<>' |
		awk '{ if ($1 > 0.004) ms += $1 * 1000 } END { printf "%d", ms }')
	# 48 MiB at 20 MB/s: the writer is held for seconds, in short steps: pacing's
	# sleeps, and the hard line's naps while it watches the page cache. How many
	# depends on how soon the device's estimate settles from the 100 MB/s guess and
	# on the machine's load (10-18 here when idle), so a handful is the floor that
	# holds on a busy machine, where the kernel's own throttling may hold write().
	echo "naps: $naps (expected >= 5, or the kernel held write() >= 1000 ms: $held ms); longest nap $longest ns (expected <= 50000000)"
	[ "$naps" -ge 5 ] || [ "$held" -ge 1000 ]
	[ "${longest:-0}" -le 50000000 ]
	[ "$(count_lines 'tv_sec=[1-9]' "$WORK/t")" -eq 0 ]
	# It looked for completions (cachestat) instead of only waiting for them.
	grep -Eq '^[0-9]+ +(cachestat|syscall_0x1c3)\(' "$WORK/t"
}

@test "pacing by time: WBSHIM_PACE=0 leaves only the hard line (waits at the budget only)" {
	require_root "a throttled loop device"
	# In RAM behind the throttle: the disk's pace is the throttle's, not the machine's.
	make_slow_loop 256M 20 ram
	mount_ext4 "$DEV" "$WORK/slow"
	paced_residue "$WORK/slow/hard" "$WORK/t" WBSHIM_PACE=0
	[ "$RES" -le "$BUDGET_4M" ]
	cmp -n $((48 * MiB)) /dev/zero "$WORK/slow/hard"
	# The hard line's waits watch the page cache in naps of at most 20 ms; pacing's
	# sleeps (up to 50 ms) never happen; nothing waits with SYNC_FILE_RANGE_WAIT_*.
	grep -Eo 'nanosleep\(.*tv_nsec=[0-9]+' "$WORK/t" | grep -Eo '[0-9]+$' >"$WORK/naps" || true
	echo "naps: $(count_lines . "$WORK/naps"), longest $(sort -n "$WORK/naps" | tail -1)"
	[ "$(count_lines . "$WORK/naps")" -gt 0 ]
	[ "$(sort -n "$WORK/naps" | tail -1)" -le 20000000 ]
	[ "$(count_lines WAIT_ "$WORK/t")" -eq 0 ]
}

@test "a process that writes less than a chunk in all is left entirely to the kernel" {
	require_disk_fs
	WBSHIM_CHUNK=4M trace_shim "$WORK/t" dd if=/dev/zero of="$WORK/out" bs=1020K count=1 status=none
	[ ! -s "$WORK/t" ]
	WBSHIM_CHUNK=4M trace_shim "$WORK/t" dd if=/dev/zero of="$WORK/out" bs=1M count=3 status=none
	[ ! -s "$WORK/t" ]
}

@test "many files: every file after the first chunk takes part, whatever its size (tar -x)" {
	require_disk_fs
	mkdir "$WORK/src" "$WORK/plain" "$WORK/shim"
	for i in $(seq -w 1 12); do
		head -c 3M /dev/urandom >"$WORK/src/big$i"
		head -c 100K /dev/urandom >"$WORK/src/small$i"
	done
	tar -C "$WORK/src" --sort=name -cf "$WORK/a.tar" .
	tar -C "$WORK/plain" -xf "$WORK/a.tar"
	WBSHIM_CHUNK=4M trace_shim "$WORK/t" tar -C "$WORK/shim" -xf "$WORK/a.tar"
	cat "$WORK/t"
	# big01 (3 MiB) comes before the process has written a chunk: left alone. Every
	# later file, the 100 KiB ones too, is kicked whole at close...
	[ "$(grep -c 'sync_file_range([0-9]*, 0, 3145728, SYNC_FILE_RANGE_WRITE)' "$WORK/t")" -eq 11 ]
	[ "$(grep -c 'sync_file_range([0-9]*, 0, 102400, SYNC_FILE_RANGE_WRITE)' "$WORK/t")" -eq 12 ]
	# ...and none is waited for in a way that would consume its writeback error.
	[ "$(count_lines WAIT_AFTER "$WORK/t")" -eq 0 ]
	# What stays cached: big01, plus at most the process budget (depth 4 x 4 MiB).
	cached=0
	for f in "$WORK"/shim/*; do
		cached=$((cached + $(resident_bytes "$f")))
	done
	echo "cached=$cached"
	[ "$cached" -le $((3 * MiB + 4 * 4 * MiB)) ]
	diff -r "$WORK/plain" "$WORK/shim" # last: reading the tree caches it again
}

@test "page-cache residue: at most (depth+1) chunks with the shim, the whole file without" {
	require_disk_fs
	dd if=/dev/zero of="$WORK/plain" bs=1M count=64 status=none
	WBSHIM_CHUNK=4M WBSHIM_DEPTH=1 shim dd if=/dev/zero of="$WORK/shim" bs=1M count=64 status=none
	WBSHIM_CHUNK=4M WBSHIM_DEPTH=3 shim dd if=/dev/zero of="$WORK/deep" bs=1M count=64 status=none
	plain=$(resident_bytes "$WORK/plain")
	shimmed=$(resident_bytes "$WORK/shim")
	deep=$(resident_bytes "$WORK/deep")
	echo "plain=$plain shim=$shimmed deep=$deep"
	mostly_resident "$WORK/plain" $((64 * MiB))
	[ "$shimmed" -le $((2 * 4 * MiB)) ]
	[ "$deep" -le $((4 * 4 * MiB)) ]
}

@test "WBSHIM_DROP=0 waits but keeps the written data cached" {
	require_disk_fs
	# Every call traced: this strace knows cachestat only by number (0x1c3).
	WBSHIM_CHUNK=4M WBSHIM_DROP=0 strace -f -qq -o "$WORK/t" -E LD_PRELOAD="$PRELOAD" \
		dd if=/dev/zero of="$WORK/out" bs=1M count=32 status=none
	[ "$(grep -cE '(cachestat\(1|syscall_0x1c3\(0x1), ' "$WORK/t")" -ge 3 ]
	[ "$(count_lines DONTNEED "$WORK/t")" -eq 0 ]
	mostly_resident "$WORK/out" $((32 * MiB))
}

@test "fsync at the end: in-flight chunks drained, the synced tail dropped too" {
	require_disk_fs
	WBSHIM_CHUNK=4M trace_shim "$WORK/t" dd if=/dev/zero of="$WORK/out" bs=1M count=30 conv=fsync status=none
	[ "$(resident_bytes "$WORK/out")" -eq 0 ]
	# The 2 MiB tail was never kicked: fsync wrote it, then it was dropped, with
	# whatever else was still in flight (one range up to the end, 30 MiB).
	grep DONTNEED "$WORK/t" | sed -E 's/.*fadvise64\(1, ([0-9]+), ([0-9]+),.*/\1 \2/' >"$WORK/drops"
	run awk '$1 <= 29360128 && $1 + $2 == 31457280 { found = 1 } END { exit !found }' "$WORK/drops"
	[ "$status" -eq 0 ]
}

@test "seek-back header patching: bounded, and no seek ever costs a wait" {
	require_disk_fs
	TRACE_EXTRA=lseek,pwrite64,write WBSHIM_CHUNK=4M trace_shim "$WORK/t" "$BIN/wbwrite" patch "$WORK/shim" 48M 256K
	"$BIN/wbwrite" patch "$WORK/plain" 48M 256K
	resident=$(resident_bytes "$WORK/shim")
	cmp "$WORK/plain" "$WORK/shim"
	# The call right after every lseek is never a wait's drop (the write after it may
	# be followed by one).
	run awk '/^lseek/ { seek = 1; next } seek && /DONTNEED/ { print; bad = 1 } { seek = 0 } END { exit bad }' "$WORK/t"
	[ "$status" -eq 0 ]
	seeks=$(count_lines '^lseek(' "$WORK/t")
	waits=$(count_lines DONTNEED "$WORK/t")
	echo "seeks=$seeks waits=$waits"
	[ "$seeks" -ge 96 ]
	# Bytes, not positions, are counted: ~49 MiB / 4 MiB = 12 batches of at most two ranges.
	[ "$waits" -ge 10 ]
	[ "$waits" -le 26 ]
	[ "$resident" -le "$BUDGET_4M" ]
}

@test "scattered pwrite: bounded like a sequential writer" {
	require_disk_fs
	WBSHIM_CHUNK=4M trace_shim "$WORK/t" "$BIN/wbwrite" scatter "$WORK/shim" 64M 64K
	"$BIN/wbwrite" scatter "$WORK/plain" 64M 64K
	resident=$(resident_bytes "$WORK/shim")
	plain=$(resident_bytes "$WORK/plain")
	cmp "$WORK/plain" "$WORK/shim"
	kicks=$(count_lines SYNC_FILE_RANGE_WRITE "$WORK/t")
	echo "kicks=$kicks resident=$resident plain=$plain"
	[ "$kicks" -ge 16 ]
	[ "$resident" -le $((2 * 4 * MiB)) ]
	mostly_resident "$WORK/plain" $((64 * MiB))
}

@test "every write entry point drives the pipeline: write, pwrite, writev, pwritev, pwritev2" {
	require_disk_fs
	for mode in write pwrite writev pwritev pwritev2; do
		WBSHIM_CHUNK=1M trace_shim "$WORK/t.$mode" "$BIN/wbwrite" $mode "$WORK/$mode" 8M 128K
		"$BIN/wbwrite" $mode "$WORK/plain.$mode" 8M 128K
		cmp "$WORK/plain.$mode" "$WORK/$mode"
		kicks=$(count_lines SYNC_FILE_RANGE_WRITE "$WORK/t.$mode")
		echo "$mode kicks=$kicks"
		[ "$kicks" -eq 8 ]
		grep -Eq 'sync_file_range\([0-9]+, 7340032, 1048576, SYNC_FILE_RANGE_WRITE\)' "$WORK/t.$mode"
	done
}

@test "unit: pacing's rate estimate and pause arithmetic with made-up times" {
	run "$BIN/unit_pace"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "unit: pipeline logic with fake kernel operations" {
	run "$BIN/unit_pipeline"
	echo "$output"
	[ "$status" -eq 0 ]
	! grep -q '^not ok' <<<"$output"
}
