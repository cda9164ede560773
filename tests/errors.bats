#!/usr/bin/env bats
# Writeback errors reach the program, and everyone else, exactly as without the
# shim: its waits watch the page cache and never consume an error.
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
	# The shim did drive the device, and never waited in a way that consumes an error.
	[ "$(count_lines SYNC_FILE_RANGE_WRITE "$WORK/t")" -ge 1 ]
	[ "$(count_lines WAIT_ "$WORK/t")" -eq 0 ]
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

@test "a program that only checks close() sees what it sees without the shim" {
	require_root "loop devices and tmpfs mounts"
	# wbwrite checks every call, including close(), and exits 1 on any failure.
	make_failing_loop
	run "$BIN/wbwrite" pwrite "$DEV" 64M 1M
	plain_status=$status plain_output=$output
	teardown_rigs
	make_failing_loop
	WBSHIM_CHUNK=4M run shim "$BIN/wbwrite" pwrite "$DEV" 64M 1M
	echo "plain: $plain_status $plain_output"
	echo "shim:  $status $output"
	[ "$status" -eq "$plain_status" ]
	[ "$output" = "$plain_output" ]
}

@test "fsync reports the error once, as the kernel does: the next fsync succeeds" {
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

# fault_case NAME COMMAND: run COMMAND (with $DEV as its target) plainly and under
# the shim, each on a fresh failing device: the same exit status and the same
# error text (a write nobody checked with fsync stays unreported, as without us).
fault_case() {
	local name=$1 command=$2 plain_status plain_output
	make_failing_loop
	run sh -c "${command//\$DEV/$DEV}"
	plain_status=$status plain_output=$output
	teardown_rigs
	make_failing_loop
	run env LD_PRELOAD="$PRELOAD" WBSHIM_CHUNK=4M sh -c "${command//\$DEV/$DEV}"
	teardown_rigs
	echo "$name: plain=$plain_status ($plain_output) shim=$status ($output)"
	[ "$status" -eq "$plain_status" ]
	[ "$output" = "$plain_output" ]
	FAULTS=$((FAULTS + 1))
}

@test "every call family learns of writeback failure exactly as without the shim" {
	require_root "loop devices and tmpfs mounts"
	FAULTS=0
	for mode in write writev pwrite pwritev pwritev2; do
		fault_case "$mode+fsync" "$BIN/wbwrite $mode \$DEV 64M 1M --fsync"
		fault_case "$mode+fdatasync" "$BIN/wbwrite $mode \$DEV 64M 1M --fdatasync"
		fault_case "$mode, close only" "$BIN/wbwrite $mode \$DEV 64M 1M"
	done
	fault_case "fwrite, fclose only" "$BIN/wbstdio fwrite \$DEV 64"
	fault_case "putc, fclose only" "$BIN/wbstdio putc \$DEV 64"
	fault_case "dd conv=fdatasync" "dd if=/dev/zero of=\$DEV bs=1M count=64 conv=fdatasync status=none"
	fault_case "dd, no sync" "dd if=/dev/zero of=\$DEV bs=1M count=64 status=none"
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
	# wbcopy checks close(): it returns there what it returns without the shim.
	[ "$shim_rc" -eq "$plain_rc" ]
}

@test "an error found after the program closed its file stays for the next opener's fsync" {
	require_root "loop devices, tmpfs and ext4 mounts"
	mkdir "$WORK/src"
	for i in 1 2 3 4 5; do head -c 12M /dev/urandom >"$WORK/src/f$i"; done
	tar -C "$WORK/src" -cf "$WORK/a.tar" .
	# A later process opens each file and fsyncs it, as `sync FILE` would, and
	# counts the fsyncs that failed and those that passed.
	check='
import os, sys
failed = passed = 0
for name in sorted(os.listdir(sys.argv[1])):
    if not name.startswith("f"):
        continue  # the files of the archive only, not lost+found (its own writeback may fail)
    fd = os.open(os.path.join(sys.argv[1], name), os.O_RDONLY)
    try:
        os.fsync(fd)
        passed += 1
    except OSError:
        failed += 1
    os.close(fd)
print(failed, passed)'
	for side in plain shim; do
		make_failing_loop
		mount_ext4 "$DEV" "$WORK/fs"
		pin_inodes "$WORK/fs"
		if [ $side = shim ]; then
			# tar is one process: the shim waits for its closed files, through cachestat.
			WBSHIM_CHUNK=1M strace -f -qq -o "$WORK/t" -e trace=sync_file_range,fsync,fdatasync \
				-E LD_PRELOAD="$PRELOAD" tar -C "$WORK/fs" -xf "$WORK/a.tar" || true
		else
			tar -C "$WORK/fs" -xf "$WORK/a.tar" || true
		fi
		eval "${side}=\$(python3 -c \"\$check\" \"\$WORK/fs\")"
		echo "$side: backing tmpfs $(df --output=used,size -B1M "${RIG_BACKING_MOUNTS[0]}" | tail -1) MiB used/size"
		teardown_rigs
	done
	read -r plain_failed plain_passed <<<"$plain"
	read -r shim_failed shim_passed <<<"$shim"
	echo "fsyncs failed/passed: plain $plain_failed/$plain_passed (expected >= 1 failed: else the rig, not the shim, lost the error), shim $shim_failed/$shim_passed (expected >= 1 failed)"
	# Which files tar got to create, and which reached the disk before the tmpfs
	# filled, depend on timing (the flusher's order without the shim, the chunks'
	# with it); the exact comparison is invisible.bats's rig. Here: the errors
	# are there for the next opener, and the shim took none of them away.
	[ "$plain_failed" -ge 1 ]
	[ "$shim_failed" -ge 1 ]
	# No wait of ours could have consumed the error: none was of that kind.
	[ "$(count_lines WAIT_ "$WORK/t")" -eq 0 ]
	[ "$(count_lines fsync "$WORK/t")" -eq 0 ]
}
