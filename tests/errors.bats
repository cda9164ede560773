#!/usr/bin/env bats
# Writeback errors the shim's waits consume must still reach the program.
load common
load rigs

@test "loop device over a full tmpfs: dd conv=fsync fails with the shim exactly as without" {
	require_root "loop devices and tmpfs mounts"
	make_failing_loop
	dev=$DEV
	run dd if=/dev/zero of="$dev" bs=1M count=64 conv=fsync status=none
	plain_status=$status plain_output=$output
	teardown_rigs
	make_failing_loop
	dev=$DEV
	WBSHIM_CHUNK=4M run trace_shim "$WORK/t" dd if=/dev/zero of="$dev" bs=1M count=64 conv=fsync status=none
	echo "plain: $plain_status $plain_output"
	echo "shim:  $status $output"
	[ "$plain_status" -eq 1 ]
	[[ "$plain_output" == *"Input/output error"* ]]
	[ "$status" -eq "$plain_status" ]
	[[ "$output" == *"Input/output error"* ]]
	# The error really was consumed by one of our waits: without the latch, fsync would have passed.
	grep -q 'WAIT_AFTER) = -1 EIO' "$WORK/t"
}

@test "ext4 on a failing loop device: dd conv=fsync reports ENOSPC with the shim as without" {
	require_root "loop devices, tmpfs and ext4 mounts"
	make_failing_loop
	dev=$DEV
	mount_ext4 "$dev" "$WORK/fs"
	run dd if=/dev/zero of="$WORK/fs/big" bs=1M count=64 conv=fsync status=none
	plain_status=$status plain_output=$output
	teardown_rigs
	make_failing_loop
	dev=$DEV
	mount_ext4 "$dev" "$WORK/fs"
	WBSHIM_CHUNK=4M run shim dd if=/dev/zero of="$WORK/fs/big" bs=1M count=64 conv=fsync status=none
	echo "plain: $plain_status $plain_output"
	echo "shim:  $status $output"
	[ "$plain_status" -ne 0 ]
	[ "$status" -eq "$plain_status" ]
	# Same errno class: whatever the plain run reported, the shimmed run reports too.
	plain_error=${plain_output##*: }
	[[ "$output" == *"$plain_error"* ]]
}

@test "a program that only checks close() learns of the error through the shim" {
	require_root "loop devices and tmpfs mounts"
	make_failing_loop
	dev=$DEV
	# wbwrite checks every call, including close(), and exits 1 on any failure.
	WBSHIM_CHUNK=4M run shim "$BIN/wbwrite" pwrite "$dev" 64M 1M
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"close returned -1"*"Input/output error"* ]]
}

@test "fsync reports the latched error once, as the kernel would: the next fsync succeeds" {
	require_root "loop devices and tmpfs mounts"
	prog='
import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY)
buf = b"\0" * (1 << 20)
for _ in range(64):
    os.write(fd, buf)
for attempt in (1, 2):
    try:
        os.fsync(fd); print("fsync", attempt, "ok")
    except OSError as e:
        print("fsync", attempt, e.strerror)
os.close(fd)'
	make_failing_loop
	plain=$(python3 -c "$prog" "$DEV")
	teardown_rigs
	make_failing_loop
	shimmed=$(LD_PRELOAD="$PRELOAD" WBSHIM_CHUNK=4M python3 -c "$prog" "$DEV")
	echo "plain: $plain"
	echo "shim:  $shimmed"
	[ "$plain" = "$shimmed" ]
	[ "$shimmed" = "$(printf 'fsync 1 Input/output error\nfsync 2 ok')" ]
}

# fault_case NAME EXPECT COMMAND: run COMMAND (with $DEV as its target) plainly and
# under the shim, each on a fresh failing device. The shim must report failure
# whenever the plain run does, with the same error text, and EXPECT says whether
# the shim must fail even when the plain run passed (a lost write nobody checked
# with fsync: close/fclose now report it).
fault_case() {
	local name=$1 expect=$2 command=$3 plain_status plain_output
	make_failing_loop
	run sh -c "${command//\$DEV/$DEV}"
	plain_status=$status plain_output=$output
	teardown_rigs
	make_failing_loop
	run env LD_PRELOAD="$PRELOAD" WBSHIM_CHUNK=4M sh -c "${command//\$DEV/$DEV}"
	teardown_rigs
	echo "$name: plain=$plain_status ($plain_output) shim=$status ($output)"
	if [ "$plain_status" -ne 0 ]; then
		[ "$status" -ne 0 ]
		[[ "$output" == *"Input/output error"* ]]
	fi
	if [ "$expect" = must-fail ]; then
		[ "$status" -ne 0 ]
		[[ "$output" == *"Input/output error"* ]]
	fi
	FAULTS=$((FAULTS + 1))
}

@test "every call family learns of writeback failure at least as surely as without the shim" {
	require_root "loop devices and tmpfs mounts"
	FAULTS=0
	for mode in write writev pwrite pwritev pwritev2; do
		fault_case "$mode+fsync" must-fail "$BIN/wbwrite $mode \$DEV 64M 1M --fsync"
		fault_case "$mode+fdatasync" must-fail "$BIN/wbwrite $mode \$DEV 64M 1M --fdatasync"
		fault_case "$mode, close only" must-fail "$BIN/wbwrite $mode \$DEV 64M 1M"
	done
	fault_case "fwrite, fclose only" must-fail "$BIN/wbstdio fwrite \$DEV 64"
	fault_case "putc, fclose only" must-fail "$BIN/wbstdio putc \$DEV 64"
	fault_case "dd conv=fdatasync" must-fail "dd if=/dev/zero of=\$DEV bs=1M count=64 conv=fdatasync status=none"
	fault_case "dd, no sync" may-pass "dd if=/dev/zero of=\$DEV bs=1M count=64 status=none"
	echo "fault cases: $FAULTS"
	[ "$FAULTS" -eq 19 ]
}

@test "sendfile into a file on a failing device: the error reaches the program" {
	# (copy_file_range is EXDEV between two filesystems; sendfile is the zero-copy
	# call that crosses them, and shares the chunked-transfer code.)
	require_root "loop devices, tmpfs and ext4 mounts"
	head -c $((64 * MiB)) /dev/urandom >"$WORK/src"
	for side in plain shim; do
		make_failing_loop
		mount_ext4 "$DEV" "$WORK/fs"
		rc=0
		if [ $side = shim ]; then
			LD_PRELOAD="$PRELOAD" WBSHIM_CHUNK=4M "$BIN/wbcopy" sendfile "$WORK/src" "$WORK/fs/c" >"$WORK/$side.out" 2>&1 || rc=$?
		else
			"$BIN/wbcopy" sendfile "$WORK/src" "$WORK/fs/c" >"$WORK/$side.out" 2>&1 || rc=$?
		fi
		echo "$side: exit=$rc $(tail -2 "$WORK/$side.out" | tr '\n' ' ')"
		eval "${side}_rc=$rc"
		teardown_rigs
	done
	# wbcopy checks close(): the shim reports the consumed writeback error there.
	[ "$shim_rc" -ne 0 ]
	[ "$shim_rc" -ge "$plain_rc" ]
}

@test "an error found after the program closed its file stays for the next opener's fsync" {
	require_root "loop devices, tmpfs and ext4 mounts"
	mkdir "$WORK/src"
	for i in 1 2 3 4 5; do head -c 12M /dev/urandom >"$WORK/src/f$i"; done
	tar -C "$WORK/src" -cf "$WORK/a.tar" .
	# A later process opens each file and fsyncs it, as `sync FILE` would.
	check='
import os, sys
failed = 0
for name in sorted(os.listdir(sys.argv[1])):
    if not name.startswith("f"):
        continue  # the files of the archive only, not lost+found (its own writeback may fail)
    fd = os.open(os.path.join(sys.argv[1], name), os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:
        failed += 1
    os.close(fd)
print(failed)'
	for side in plain shim; do
		make_failing_loop
		mount_ext4 "$DEV" "$WORK/fs"
		pin_inodes "$WORK/fs"
		if [ $side = shim ]; then
			# tar is one process: the shim waits for its closed files, through cachestat.
			WBSHIM_CHUNK=1M strace -f -qq -o "$WORK/t" -e trace=sync_file_range \
				-E LD_PRELOAD="$PRELOAD" tar -C "$WORK/fs" -xf "$WORK/a.tar" || true
		else
			tar -C "$WORK/fs" -xf "$WORK/a.tar" || true
		fi
		eval "${side}=\$(python3 -c \"\$check\" \"\$WORK/fs\")"
		echo "$side: backing tmpfs $(df --output=used,size -B1M "${RIG_BACKING_MOUNTS[0]}" | tail -1) MiB used/size"
		teardown_rigs
	done
	echo "files whose fsync failed: plain $plain (expected >= 1: else the rig, not the shim, lost the error), shim $shim (expected >= plain)"
	[ "$plain" -ge 1 ]
	[ "$shim" -ge "$plain" ]
	# No wait of ours on a closed file could have consumed the error.
	! grep -E 'sync_file_range\([0-9]{3,}, .*WAIT_AFTER' "$WORK/t"
}
