#!/usr/bin/env bats
# Everything at once for a bounded time: threads, a SIGALRM handler writing every
# millisecond, fork storms, fd numbers recycled; then every byte is checked.
# STRESS_SECONDS (default 20) sets the duration.
load common

@test "stress: no deadlock, no crash, contents exact (${STRESS_SECONDS:-20} s)" {
	require_disk_fs
	seconds=${STRESS_SECONDS:-20}
	run timeout $((seconds + 120)) env LD_PRELOAD="$PRELOAD" WBSHIM_CHUNK=256K WBSHIM_DEPTH=2 \
		"$BIN/wbstorm" "$WORK" "$seconds"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "ok ops="* ]]
}
