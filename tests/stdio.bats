#!/usr/bin/env bats
# glibc stdio writes through hidden internal calls: the shim must still pace them.
load common

@test "fwrite, fputs, fprintf, putc and inlined putc_unlocked: paced, bytes identical" {
	require_disk_fs
	for mode in fwrite fputs fprintf putc putc_unlocked; do
		"$BIN/wbstdio" $mode "$WORK/plain" 40
		WBSHIM_CHUNK=4M trace_shim "$WORK/t" "$BIN/wbstdio" $mode "$WORK/shim"  40
		resident=$(resident_bytes "$WORK/shim")
		plain=$(resident_bytes "$WORK/plain")
		cmp "$WORK/plain" "$WORK/shim"
		kicks=$(count_lines SYNC_FILE_RANGE_WRITE "$WORK/t")
		echo "$mode: kicks=$kicks resident=$resident plain=$plain"
		[ "$kicks" -ge 9 ]
		[ "$resident" -le "$BUDGET_4M" ]
		mostly_resident "$WORK/plain" $((40 * MiB))
	done
}

@test "stdio header patching with fseeko: paced, bytes identical, no wait right after a seek" {
	require_disk_fs
	"$BIN/wbstdio" patch "$WORK/plain" 40
	TRACE_EXTRA=lseek,write WBSHIM_CHUNK=4M trace_shim "$WORK/t" "$BIN/wbstdio" patch "$WORK/shim" 40
	resident=$(resident_bytes "$WORK/shim")
	cmp "$WORK/plain" "$WORK/shim"
	[ "$(count_lines SYNC_FILE_RANGE_WRITE "$WORK/t")" -ge 9 ]
	[ "$resident" -le "$BUDGET_4M" ]
	# No seek, stdio's or ours, is followed by a wait's drop before the next write.
	run awk '/^lseek/ { seek = 1; next } seek && /DONTNEED/ { print; bad = 1 } { seek = 0 } END { exit bad }' "$WORK/t"
	[ "$status" -eq 0 ]
}

@test "stdout redirected to a file (printf, puts through a shell): paced" {
	require_disk_fs
	WBSHIM_CHUNK=1M trace_shim "$WORK/t" python3 -c '
import sys
line = "x" * 1023 + "\n"
for _ in range(16 * 1024):
    sys.stdout.write(line)' >"$WORK/out"
	[ "$(stat -c %s "$WORK/out")" -eq $((16 * MiB)) ]
	[ "$(count_lines SYNC_FILE_RANGE_WRITE "$WORK/t")" -ge 12 ]
}

@test "fclose after a writeback error returns what it returns without the shim (root)" {
	require_root "loop devices and tmpfs mounts"
	load rigs
	make_failing_loop
	run "$BIN/wbstdio" fwrite "$DEV" 64
	plain_status=$status plain_output=$output
	teardown_rigs
	make_failing_loop
	WBSHIM_CHUNK=4M run shim "$BIN/wbstdio" fwrite "$DEV" 64
	teardown_rigs
	echo "plain: $plain_status $plain_output"
	echo "shim:  $status $output"
	[ "$status" -eq "$plain_status" ]
	[ "$output" = "$plain_output" ]
}
