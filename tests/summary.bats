#!/usr/bin/env bats
# -v: every process that loaded the library ends with one summary line: what it paced,
# what it left to the kernel and why, or that it wrote nothing the library could pace.
load common

summary() {   # LOG: the summary lines in LOG
	grep ': summary: ' "$1" || true
}

@test "a writer's summary: files, bytes and chunks paced, the budget, the waits" {
	require_disk_fs
	WBSHIM_VERBOSE=1 WBSHIM_LOG="$WORK/log" shim dd if=/dev/zero of="$WORK/out" bs=1M count=24 status=none
	cat "$WORK/log"
	[ "$(summary "$WORK/log" | grep -c .)" -eq 1 ]
	summary "$WORK/log" | grep -Eq '^wbshim\[dd [0-9]*\]: summary: 1 file written, 1 paced \(24\.0 MiB in 6 chunks\); [0-9.]* [KM]iB peak in flight of a 20\.0 MiB budget per device; waited [0-9]* ms in [0-9]* waits; slept [0-9]* ms in [0-9]* pacing sleeps, the device.s rate [0-9.]* MB/s \((guess|at_least|device)\)$'
}

@test "a reader's summary says what it dropped behind its reads" {
	require_disk_fs
	head -c $((48 * MiB)) /dev/urandom >"$WORK/big"
	sync "$WORK/big"
	# Out of the cache first: the read side drops only what the reader brought in.
	dd if="$WORK/big" iflag=nocache count=0 status=none
	WBSHIM_VERBOSE=1 WBSHIM_LOG="$WORK/log" shim cat "$WORK/big" >/dev/null
	cat "$WORK/log"
	summary "$WORK/log" | grep -q 'wrote nothing to a file it paces.*; [0-9.]* MiB read and dropped behind the reader$'
}

@test "nothing written: the summary says so, so 'not reached' never looks like 'nothing to do'" {
	WBSHIM_VERBOSE=1 WBSHIM_LOG="$WORK/log" shim sh -c 'echo hi | cat >/dev/null; exit 0'
	cat "$WORK/log"
	grep -q '^wbshim\[cat [0-9]*\]: summary: wrote nothing to a file it paces' "$WORK/log"
}

@test "small files only: left to the kernel, with the reason" {
	require_disk_fs
	WBSHIM_VERBOSE=1 WBSHIM_LOG="$WORK/log" shim dd if=/dev/zero of="$WORK/small" bs=4k count=3 status=none
	cat "$WORK/log"
	summary "$WORK/log" | grep -q 'summary: 1 file written, 0 paced (0 B in 0 chunks), 1 left to the kernel (12.0 KiB: the process wrote less than one chunk in all)'
}

@test "silent without -v: no summary" {
	require_disk_fs
	shim dd if=/dev/zero of="$WORK/out" bs=1M count=8 status=none 2>"$WORK/err"
	cat "$WORK/err"
	[ ! -s "$WORK/err" ]
}

@test "a program that closes its stderr at exit (coreutils): the summary still reaches an appended log, and never garbles a plain one" {
	require_disk_fs
	: >"$WORK/err"
	WBSHIM_VERBOSE=1 shim dd if=/dev/zero of="$WORK/out" bs=1M count=8 status=none 2>>"$WORK/err"
	cat "$WORK/err"
	grep -q '^wbshim\[dd [0-9]*\]: summary: 1 file written, 1 paced' "$WORK/err"
	# 2> (not appended): the line is left out rather than written over by the parent.
	WBSHIM_VERBOSE=1 shim sh -c "dd if=/dev/zero of='$WORK/out' bs=1M count=8 status=none; echo parent-after" 2>"$WORK/err2"
	cat "$WORK/err2"
	bad=$(grep -cv '^wbshim\[\|^parent-after$' "$WORK/err2" || true)
	echo "lines that are not whole log lines: $bad (expected 0)"
	[ "$bad" -eq 0 ]
}

@test "a forked child sums only its own files" {
	require_disk_fs
	WBSHIM_VERBOSE=1 WBSHIM_LOG="$WORK/log" shim python3 -c '
import os, sys
with open(sys.argv[1], "wb") as f:
    f.write(b"x" * (8 << 20))
pid = os.fork()
if pid == 0:
    sys.exit(0)
os.waitpid(pid, 0)
' "$WORK/out"
	cat "$WORK/log"
	[ "$(summary "$WORK/log" | grep -c '^wbshim\[python3 [0-9]*\]: summary: 1 file written, 1 paced (8.0 MiB')" -eq 1 ]
	[ "$(summary "$WORK/log" | grep -c '^wbshim\[python3 [0-9]*\]: summary: wrote nothing')" -eq 1 ]
}

# The program closes its stderr and gets fd 2 back for its own files: with -v, not a
# byte of ours may land in them (the close line comes before the real close, the
# summary at exit).
STDERR_REUSED='
import os, sys
os.close(2)
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
assert fd == 2
for _ in range(10):
    os.write(fd, b"d" * (1 << 20))
os.close(fd)
fd = os.open(sys.argv[2], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
assert fd == 2
os.write(fd, b"abc")
'

@test "-v with stderr closed and fd 2 reused for data files: nothing of ours lands in them" {
	require_disk_fs
	WBSHIM_VERBOSE=1 WBSHIM_CHUNK=1M shim python3 -c "$STDERR_REUSED" "$WORK/data" "$WORK/data2"
	[ "$(stat -c %s "$WORK/data")" -eq $((10 * MiB)) ]
	[ "$(stat -c %s "$WORK/data2")" -eq 3 ]
}
