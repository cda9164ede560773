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
	# Waited for by watching the page cache (cachestat, not traced): never with
	# SYNC_FILE_RANGE_WAIT_*, which would consume the device's writeback error.
	[ "$(count_lines WAIT_ "$WORK/t")" -eq 0 ]
	grep -q "fadvise64(1, 0, 1048576, POSIX_FADV_DONTNEED) = 0" "$WORK/t"
	# Ten chunks, each but the first (the process was not yet a writer) kicked a
	# megabyte at a time before it was kicked whole.
	[ "$(count_lines ', 4194304, SYNC_FILE_RANGE_WRITE' "$WORK/t")" -eq 10 ]
	[ "$(count_lines ', 1048576, SYNC_FILE_RANGE_WRITE' "$WORK/t")" -eq 27 ]
	cmp -n $((40 * MiB)) "$WORK/img" "$dev"
}
