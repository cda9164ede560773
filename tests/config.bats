#!/usr/bin/env bats
# WBSHIM_* parsing: strict, one line per bad value, never fatal.
load common

@test "unit: size, number and boolean parsers" {
	run "$BIN/unit_config"
	echo "$output"
	[ "$status" -eq 0 ]
	! grep -q '^not ok' <<<"$output"
}

@test "malformed WBSHIM_CHUNK: one line naming variable, value and default; program runs on" {
	require_disk_fs
	WBSHIM_CHUNK=banana trace_shim "$WORK/t" dd if=/dev/zero of="$WORK/out" bs=1M count=17 status=none 2>"$WORK/err"
	cat "$WORK/err"
	[ "$(grep -c . "$WORK/err")" -eq 1 ]
	grep -Eq '^wbshim\[dd [0-9]+\]: WBSHIM_CHUNK="banana" .*using 4194304$' "$WORK/err"
	grep -q 'sync_file_range(1, 4194304, 4194304, SYNC_FILE_RANGE_WRITE)' "$WORK/t"
	[ "$(stat -c %s "$WORK/out")" -eq $((17 * MiB)) ]
}

@test "out-of-range values are clamped and reported" {
	require_disk_fs
	WBSHIM_CHUNK=4k WBSHIM_DEPTH=999 trace_shim "$WORK/t" dd if=/dev/zero of="$WORK/out" bs=256k count=8 status=none 2>"$WORK/err"
	cat "$WORK/err"
	grep -q 'WBSHIM_CHUNK="4k" is outside 262144..1073741824 or unaligned; using 262144' "$WORK/err"
	grep -q 'WBSHIM_DEPTH="999" is outside 1..64; using 64' "$WORK/err"
	[ "$(count_lines SYNC_FILE_RANGE_WRITE "$WORK/t")" -eq 8 ]
}

@test "malformed WBSHIM_DEPTH, WBSHIM_DROP, WBSHIM_VERBOSE, WBSHIM_DISABLE each warn once" {
	require_disk_fs
	WBSHIM_DEPTH=two WBSHIM_DROP=maybe WBSHIM_VERBOSE=loud WBSHIM_DISABLE=perhaps \
		shim dd if=/dev/zero of="$WORK/out" bs=1M count=4 status=none 2>"$WORK/err"
	cat "$WORK/err"
	[ "$(grep -c . "$WORK/err")" -eq 4 ]
	grep -q 'WBSHIM_DEPTH="two" is not a number; using 4' "$WORK/err"
	grep -q 'WBSHIM_DROP="maybe" is not one of' "$WORK/err"
	grep -q 'WBSHIM_VERBOSE="loud"' "$WORK/err"
	grep -q 'WBSHIM_DISABLE="perhaps"' "$WORK/err"
}

@test "WBSHIM_VERBOSE=1 and WBSHIM_LOG: per-file summary to the named file" {
	require_disk_fs
	WBSHIM_CHUNK=4M WBSHIM_VERBOSE=1 WBSHIM_LOG="$WORK/log" \
		shim dd if=/dev/zero of="$WORK/out" bs=1M count=20 status=none 2>"$WORK/err"
	[ ! -s "$WORK/err" ]
	cat "$WORK/log"
	grep -Eq "^wbshim\[dd [0-9]+\]: close: $WORK/out bytes=20971520 chunks=5 waits=[0-9]+ wait_total_ms=[0-9.]+ wait_max_ms=[0-9.]+ errors=0 pace_sleeps=[0-9]+ pace_ms=[0-9.]+ rate_mbs=[0-9.]+ rate_from=(guess|at_least|device)$" "$WORK/log"
}

@test "WBSHIM_LOG holds no descriptor: the program's fd numbers and its fd table are its own" {
	require_disk_fs
	# The numbers the program's opens get, and what its fd table holds after writing.
	probe='import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
os.write(fd, b"x" * (6 << 20))
os.close(fd)
print(os.open(sys.argv[1], os.O_RDONLY), sorted(os.listdir("/proc/self/fd")))'
	plain=$(python3 -c "$probe" "$WORK/plain")
	shimmed=$(WBSHIM_VERBOSE=1 WBSHIM_LOG="$WORK/log" WBSHIM_CHUNK=1M shim python3 -c "$probe" "$WORK/shim")
	echo "plain: $plain"
	echo "shim:  $shimmed"
	[ "$shimmed" = "$plain" ]
	grep -q "close: $WORK/shim bytes=$((6 * MiB)) " "$WORK/log"
}

@test "WBSHIM_LOG never follows a symlink" {
	require_disk_fs
	ln -s "$WORK/target" "$WORK/link"
	WBSHIM_VERBOSE=1 WBSHIM_LOG="$WORK/link" shim dd if=/dev/zero of="$WORK/out" bs=1M count=9 status=none 2>"$WORK/err"
	[ ! -e "$WORK/target" ]
	grep -q 'WBSHIM_LOG=.*cannot open' "$WORK/err"
}

@test "WBSHIM_VERBOSE=2 logs each decision: classification, kick, wait, drop, hand-over" {
	require_disk_fs
	WBSHIM_CHUNK=1M WBSHIM_VERBOSE=2 WBSHIM_LOG="$WORK/log" \
		shim sh -c '"$1" numbers "$2" | cat >/dev/null' sh "$BIN/wbkeep" "$WORK"
	cat "$WORK/log"
	grep -Eq 'fd [0-9]+: tracked \(regular file\)$' "$WORK/log"
	grep -Eq 'fd 1: ignored \(pipe\)$' "$WORK/log"
	grep -Eq 'fd [0-9]+: kick 1048576 bytes at [0-9]+$' "$WORK/log"
	grep -Eq 'fd [0-9]+: waited [0-9.]+ ms for 1048576 bytes at [0-9]+, dropped$' "$WORK/log"
	grep -Eq 'fd [0-9]+: closed with [0-9]+ bytes in flight; noted as /[^ ]+$' "$WORK/log"
	grep -Eq 'closed file /[^ ]+: (settled|dropped what was clean), [0-9]+ bytes, [0-9.]+ ms$' "$WORK/log"
}
