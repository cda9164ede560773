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
	[ "$plain_status" -eq 1 ] && [[ "$plain_output" == *"Input/output error"* ]]
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
