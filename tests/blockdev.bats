#!/usr/bin/env bats
# Block devices are driven like files (dd to a USB stick).
load common
load rigs

@test "dd to a loop block device: chunks kicked, waited for and dropped in slices; bytes identical" {
	require_root "loop devices"
	make_loop 64M
	dev=$DEV
	head -c $((40 * MiB)) /dev/urandom >"$WORK/img"
	WBSHIM_CHUNK=4M trace_shim "$WORK/t" dd if="$WORK/img" of="$dev" bs=1M conv=fsync status=none
	grep -q "sync_file_range(1, 0, 4194304, SYNC_FILE_RANGE_WRITE) = 0" "$WORK/t"
	grep -q "sync_file_range(1, 0, 1048576, SYNC_FILE_RANGE_WAIT_AFTER) = 0" "$WORK/t"
	grep -q "fadvise64(1, 0, 1048576, POSIX_FADV_DONTNEED) = 0" "$WORK/t"
	[ "$(count_lines SYNC_FILE_RANGE_WRITE "$WORK/t")" -eq 10 ]
	cmp -n $((40 * MiB)) "$WORK/img" "$dev"
}
