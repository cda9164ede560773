#!/usr/bin/env bats
# fd numbers reused behind the shim's back: state follows the file, never the number.
load common

# Trace with file names (strace -y): every sync_file_range/fadvise names its file.
trace_named() {
	local out=$1
	shift
	strace -f -qq -y -e signal=none -o "$out" -E LD_PRELOAD="$PRELOAD" -E WBSHIM_CHUNK=4M \
		-e trace=sync_file_range,fadvise64 "$@"
	grep -E 'sync_file_range|DONTNEED' "$out" >"$out.ours" || true
}

@test "fclose of a pipe, then a file on the same number: the file is driven" {
	require_disk_fs
	trace_named "$WORK/t" "$BIN/wbfds" fclose-reuse "$WORK"
	cat "$WORK/t.ours"
	[ "$(grep -c "<$WORK/reused>.*SYNC_FILE_RANGE_WRITE" "$WORK/t.ours")" -ge 5 ]
	! grep -q 'pipe:' "$WORK/t.ours"
}

@test "dup2 of a pipe over a tracked file: nothing acts on the pipe, the file is drained" {
	require_disk_fs
	trace_named "$WORK/t" "$BIN/wbfds" dup2-over "$WORK"
	cat "$WORK/t.ours"
	! grep -q 'pipe:' "$WORK/t.ours"
	grep -q "<$WORK/first>.*POSIX_FADV_DONTNEED" "$WORK/t.ours"
}

@test "dup2 of a file onto a pipe's number: the file is driven" {
	require_disk_fs
	trace_named "$WORK/t" "$BIN/wbfds" dup2-onto "$WORK"
	[ "$(grep -c "<$WORK/onto>.*SYNC_FILE_RANGE_WRITE" "$WORK/t.ours")" -ge 5 ]
	! grep -q 'pipe:' "$WORK/t.ours"
}

@test "close_range, then a new file on the same number: each file gets its own pipeline" {
	require_disk_fs
	trace_named "$WORK/t" "$BIN/wbfds" close-range "$WORK"
	cat "$WORK/t.ours"
	grep -q "<$WORK/first>.*POSIX_FADV_DONTNEED" "$WORK/t.ours"
	[ "$(grep -c "<$WORK/second>.*SYNC_FILE_RANGE_WRITE" "$WORK/t.ours")" -ge 5 ]
	# The second file's first kick starts at its own offset 0, not where the first left off.
	grep -q "<$WORK/second>, 0, 4194304, SYNC_FILE_RANGE_WRITE" "$WORK/t.ours"
}
