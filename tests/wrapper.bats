#!/usr/bin/env bats
# scripts/wbshim: options to environment, LD_PRELOAD handling, children covered.
load common

@test "--help and --version" {
	run "$ROOT/scripts/wbshim" --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"Usage: wbshim"* ]]
	run "$ROOT/scripts/wbshim" --version
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^wbshim\ [0-9]+\.[0-9]+ ]]
}

@test "options map to WBSHIM_* and the library is prepended to LD_PRELOAD" {
	require_plain_build "the wrapper loads the library before the sanitizer runtime"
	run env LD_PRELOAD=/nonexistent-other.so "$ROOT/scripts/wbshim" -c 4M -d 3 -k -v --log "$WORK/l" -- env
	[ "$status" -eq 0 ]
	grep -qx 'WBSHIM_CHUNK=4M' <<<"$output"
	grep -qx 'WBSHIM_DEPTH=3' <<<"$output"
	grep -qx 'WBSHIM_DROP=0' <<<"$output"
	grep -qx 'WBSHIM_VERBOSE=1' <<<"$output"
	grep -qx "WBSHIM_LOG=$WORK/l" <<<"$output"
	grep -qx "LD_PRELOAD=$PRELOAD:/nonexistent-other.so" <<<"$output"
}

@test "bad usage exits 2 with a message" {
	run "$ROOT/scripts/wbshim" --frobnicate -- true
	[ "$status" -eq 2 ]
	[[ "$output" == *"unknown option --frobnicate"* ]]
	run "$ROOT/scripts/wbshim"
	[ "$status" -eq 2 ]
	run "$ROOT/scripts/wbshim" -c
	[ "$status" -eq 2 ]
}

@test "the command's exit code passes through" {
	require_plain_build "the wrapper loads the library before the sanitizer runtime"
	run "$ROOT/scripts/wbshim" -- sh -c 'exit 7'
	[ "$status" -eq 7 ]
}

@test "children of the command are covered (a ripper spawning a muxer)" {
	require_plain_build "the wrapper loads the library before the sanitizer runtime"
	require_disk_fs
	strace -f -qq -o "$WORK/t" -e trace=sync_file_range \
		"$ROOT/scripts/wbshim" -c 1M -- sh -c "sh -c 'dd if=/dev/zero of=$WORK/out bs=1M count=8 status=none'"
	[ "$(count_lines SYNC_FILE_RANGE_WRITE "$WORK/t")" -eq 8 ]
}
