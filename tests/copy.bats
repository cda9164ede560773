#!/usr/bin/env bats
# copy_file_range, sendfile, splice: chunk-sized pieces, same results as the kernel's.
load common

@test "copy_file_range, sendfile, splice: paced, same return values and offsets, bytes identical" {
	require_disk_fs
	head -c $((48 * MiB + 12345)) /dev/urandom >"$WORK/src"
	for mode in copy_file_range copy_file_range_offsets sendfile splice; do
		"$BIN/wbcopy" $mode "$WORK/src" "$WORK/plain" >"$WORK/plain.out"
		WBSHIM_CHUNK=4M trace_shim "$WORK/t" "$BIN/wbcopy" $mode "$WORK/src" "$WORK/shim" >"$WORK/shim.out"
		resident=$(resident_bytes "$WORK/shim")
		echo "$mode: kicks=$(count_lines SYNC_FILE_RANGE_WRITE "$WORK/t") resident=$resident"
		diff "$WORK/plain.out" "$WORK/shim.out"
		cmp "$WORK/src" "$WORK/shim"
		[ "$(count_lines SYNC_FILE_RANGE_WRITE "$WORK/t")" -ge 11 ]
		[ "$resident" -le "$BUDGET_4M" ]
	done
}

@test "copy_file_range failing part-way (RLIMIT_FSIZE): partial count, then EFBIG, as without the shim" {
	require_disk_fs
	head -c $((40 * MiB)) /dev/urandom >"$WORK/src"
	for mode in copy_file_range sendfile; do
		"$BIN/wbcopy" $mode "$WORK/src" "$WORK/plain" 21 >"$WORK/plain.out" || true
		WBSHIM_CHUNK=4M shim "$BIN/wbcopy" $mode "$WORK/src" "$WORK/shim" 21 >"$WORK/shim.out" || true
		cat "$WORK/shim.out"
		diff "$WORK/plain.out" "$WORK/shim.out"
		grep -q EFBIG "$WORK/shim.out"
		cmp "$WORK/plain" "$WORK/shim"
	done
}

@test "copy_file_range into a pipe or /dev/null destination is not split" {
	head -c $((20 * MiB)) /dev/urandom >"$WORK/src"
	TRACE_EXTRA=sendfile WBSHIM_CHUNK=1M trace_shim "$WORK/t" "$BIN/wbcopy" sendfile "$WORK/src" /dev/null
	[ "$(count_lines '^sendfile' "$WORK/t")" -eq 2 ] # all of it, then 0
	[ "$(count_lines sync_file_range "$WORK/t")" -eq 0 ]
}
