#!/usr/bin/env bats
# The library under the dynamic tools: ThreadSanitizer for the thread tests,
# valgrind memcheck for the helpers. (The whole suite also runs under ASan and
# UBSan: make test SANITIZE=address,undefined.)
load common

@test "ThreadSanitizer: concurrency stress with the library linked in, no race reported" {
	require_disk_fs
	[ -x "$BIN/tsan-wbstorm" ] || skip "no ThreadSanitizer build (make helpers)"
	run timeout 300 env WBSHIM_CHUNK=256K WBSHIM_DEPTH=2 TSAN_OPTIONS="halt_on_error=1 exitcode=66" \
		"$BIN/tsan-wbstorm" "$WORK" "${STRESS_SECONDS:-10}"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "ok ops="* ]]
	[[ "$output" != *"ThreadSanitizer"* ]]
}

@test "ThreadSanitizer: threads, signal handler writes, fork" {
	require_disk_fs
	[ -x "$BIN/tsan-wbstress" ] || skip "no ThreadSanitizer build (make helpers)"
	for mode in threads fork; do
		run timeout 300 env WBSHIM_CHUNK=256K TSAN_OPTIONS="halt_on_error=1 exitcode=66" \
			"$BIN/tsan-wbstress" $mode "$WORK"
		echo "$output"
		[ "$status" -eq 0 ]
		[ "$output" = ok ]
	done
}

@test "valgrind memcheck: helpers under the shim, no errors" {
	require_disk_fs
	require_plain_build "valgrind and ASan do not mix"
	command -v valgrind >/dev/null || skip "valgrind not installed"
	memcheck() {
		LD_PRELOAD="$LIB" WBSHIM_CHUNK=256K valgrind -q --error-exitcode=9 --trace-children=no "$@"
	}
	memcheck "$BIN/wbwrite" patch "$WORK/a" 8M 64K --fsync
	memcheck "$BIN/wbwrite" scatter "$WORK/b" 8M 64K
	memcheck "$BIN/wbstdio" fwrite "$WORK/c" 4
	memcheck "$BIN/wbstdio" putc_unlocked "$WORK/d" 2
	memcheck "$BIN/wbcopy" copy_file_range "$WORK/a" "$WORK/e" >/dev/null
	memcheck "$BIN/wbfds" close-range "$WORK"
	# (wberrno is left out: it passes bad pointers on purpose, to get EFAULT.)
}
