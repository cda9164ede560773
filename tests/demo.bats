#!/usr/bin/env bats
# scripts/demo (make demo): sizes as the library takes them, failures are failures.
load common

require_bench_tools() {
	[ -x "$ROOT/bench/tools/loadgen" ] || skip "no benchmark tools (make bench-tools)"
	[ -x "$ROOT/bench/tools/sampler" ] || skip "no benchmark tools (make bench-tools)"
}

@test "sizes the library would not take are refused, with the reason, before anything runs" {
	for size in 0.5G 1X M -1 8M8 "" "8 M"; do
		run "$ROOT/scripts/demo" --dir "$WORK" --size "$size"
		echo "'$size': $status $output"
		[ "$status" -eq 2 ]
		[[ "$output" == "demo: size '$size' is not a size"* ]]
	done
	run "$ROOT/scripts/demo" --dir "$WORK" --size 0
	[ "$status" -eq 2 ]
	run "$ROOT/scripts/demo" --dir "$WORK" --size 9999999999999999999G
	[ "$status" -eq 2 ]
	[[ "$output" == *"too large"* ]]
	run "$ROOT/scripts/demo" --dir "$WORK" --runs 0
	[ "$status" -eq 2 ]
}

@test "a small run: the table, with medians, the real filesystem name and what peak dirty is" {
	require_bench_tools
	require_disk_fs
	run "$ROOT/scripts/demo" --dir "$WORK" --size 8MB
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"($(findmnt -no FSTYPE -T "$WORK" | tail -n 1))"* ]]
	[[ "$output" == *"(median of 3 runs)"* ]]
	grep -Eq '^peak dirty: Dirty\+Writeback \(MB\) \* +[0-9.]+ +[0-9.]+$' <<<"$output"
	grep -Eq '^left in the page cache \(MB\) +8 +[0-9]+$' <<<"$output"
	grep -q 'system-wide, from /proc/meminfo' <<<"$output"
	# The columns are runs without and with wbshim (both use the page cache).
	grep -Eq '^\(median of 3 runs\) +without +with wbshim$' <<<"$output"
	# The slowest write is explained where the table shows it.
	grep -Eq '^longest single write\(\) \(ms\) \+ +[0-9.]+ +[0-9.]+$' <<<"$output"
	grep -q '^+ the one slowest call' <<<"$output"
	grep -q 'may pause for the oldest chunk' <<<"$output"
	[ "$(ls "$WORK")" = "" ]
}

@test "every size form of the library is taken: 8M, 8MiB, 8mb, 8192K, 8388608" {
	require_bench_tools
	require_disk_fs
	for size in 8M 8MiB 8mb 8192K 8388608; do
		run "$ROOT/scripts/demo" --dir "$WORK" --size "$size" --runs 1
		[ "$status" -eq 0 ]
		[[ "$output" == *"(one run each)"* ]]
		grep -Eq '^left in the page cache \(MB\) +8 ' <<<"$output"
	done
}

@test "a step that fails makes the demo fail, with no table" {
	require_bench_tools
	run "$ROOT/scripts/demo" --dir /proc --size 8M --runs 1
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" != *"peak dirty"* ]]
}

@test "a memory filesystem is refused" {
	[ "$(findmnt -no FSTYPE -T /dev/shm 2>/dev/null | tail -n 1)" = tmpfs ] || skip "/dev/shm is not a tmpfs here"
	run "$ROOT/scripts/demo" --dir /dev/shm --size 8M
	[ "$status" -eq 2 ]
	[[ "$output" == *"tmpfs, which has no writeback"* ]]
}
