#!/usr/bin/env bats
# Threads, signal handlers and fork: no deadlock, no crash, every byte in place.
load common

@test "threads: shared fd pwrite pool, private files, SIGALRM handler writing every ms" {
	require_disk_fs
	for i in 1 2 3; do
		run timeout 120 env LD_PRELOAD="$PRELOAD" WBSHIM_CHUNK=256K WBSHIM_DEPTH=2 "$BIN/wbstress" threads "$WORK"
		echo "$output"
		[ "$status" -eq 0 ]
		[ "$output" = ok ]
	done
}

@test "fork: children write their own files and exit while the parent writes" {
	require_disk_fs
	run timeout 120 env LD_PRELOAD="$PRELOAD" WBSHIM_CHUNK=256K "$BIN/wbstress" fork "$WORK"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = ok ]
}

@test "exec: a program exec'd with tracked fds open starts clean" {
	require_disk_fs
	WBSHIM_CHUNK=1M trace_shim "$WORK/t" sh -c "exec 7>'$WORK/a'; dd if=/dev/zero bs=1M count=3 status=none >&7; exec dd if=/dev/zero bs=1M count=5 status=none of=/dev/fd/7"
	[ "$(count_lines SYNC_FILE_RANGE_WRITE "$WORK/t")" -ge 4 ]
}
