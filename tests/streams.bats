#!/usr/bin/env bats
# Exact stdio accounting: for every way a program hands bytes to a stream, the bytes
# the shim notes equal the bytes the kernel received, at no system call per flush.
load common

# count_lseeks FILE CMD...: run CMD under strace, write how many lseek calls it made.
count_lseeks() {
	local out=$1
	shift
	strace -f -qq -e signal=none -e trace=lseek -o "$out.trace" "$@" >/dev/null
	count_lines ' lseek(' "$out.trace" >"$out"
}

# pattern_run PATTERN MiB: run wbpattern under the shim (1 MiB chunks), leaving the
# close summary in $WORK/log and in $WORK/lseeks how many more lseek calls it made
# than the same run without the shim (glibc's fseek makes its own).
pattern_run() {
	local pattern=$1 size=$2
	rm -f "$WORK/log" "$WORK/out"
	count_lseeks "$WORK/plain-lseeks" "$BIN/wbpattern" "$pattern" "$WORK/out" "$size"
	rm -f "$WORK/out"
	WBSHIM_CHUNK=1M WBSHIM_VERBOSE=1 WBSHIM_LOG="$WORK/log" count_lseeks "$WORK/shim-lseeks" \
		env LD_PRELOAD="$PRELOAD" "$BIN/wbpattern" "$pattern" "$WORK/out" "$size"
	echo $(($(cat "$WORK/shim-lseeks") - $(cat "$WORK/plain-lseeks"))) >"$WORK/lseeks"
}

noted_bytes() {
	grep -o 'bytes=[0-9]*' "$WORK/log" | cut -d= -f2 | awk '{ s += $1 } END { print s + 0 }'
}

# The bound on what stays cached: depth (4) chunks in flight plus the one filling.
bound=$((5 * MiB + 64 * 1024))

sequential_case() {
	local pattern=$1 size=$2 noted lseeks cached
	pattern_run "$pattern" "$size"
	noted=$(noted_bytes)
	lseeks=$(cat "$WORK/lseeks")
	cached=$(resident_bytes "$WORK/out")
	echo "$pattern: size=$(stat -c %s "$WORK/out") noted=$noted lseeks=$lseeks cached=$cached"
	[ "$noted" -eq "$(stat -c %s "$WORK/out")" ]
	# At most one system call per chunk/8 bytes (128 KiB), whatever the flush pattern.
	[ "$lseeks" -le $((size * 8 + 2)) ]
	[ "$cached" -le "$bound" ]
	# Same bytes as without the shim (last: reading the file caches it again).
	"$BIN/wbpattern" "$pattern" "$WORK/plain" "$size" >/dev/null
	cmp "$WORK/plain" "$WORK/out"
}

@test "fwrite 8 KiB + fflush per record: every flushed byte noted, one lseek in all" {
	require_disk_fs
	sequential_case record 64
	[ "$(cat "$WORK/lseeks")" -le 2 ]
}

@test "a big first fwrite: noted from byte 0" {
	require_disk_fs
	sequential_case bigfirst 64
}

@test "fputs per line on a line-buffered stream" {
	require_disk_fs
	sequential_case lines 32
}

@test "setvbuf _IONBF and _IOLBF" {
	require_disk_fs
	sequential_case unbuffered 32
	sequential_case linebuf 32
}

@test "fwrite larger than the stream's buffer" {
	require_disk_fs
	sequential_case large 64
}

@test "fprintf and printf to a freopen'ed stdout" {
	require_disk_fs
	sequential_case fprintf 32
	sequential_case freopen 32
}

@test "\"a\" mode, fdopen of an open fd, write() and fwrite mixed on one fd" {
	require_disk_fs
	sequential_case append 32
	sequential_case fdopen 32
	sequential_case mixed 32
}

@test "inlined putc_unlocked, seen through __overflow" {
	require_disk_fs
	sequential_case putc 16
}

@test "\"w+\" with reads between writes, and two streams on one file" {
	require_disk_fs
	sequential_case wplus 32
	sequential_case twostreams 32
}

@test "fseek back and rewrite: both passes noted" {
	require_disk_fs
	pattern_run rewrite 32
	[ "$(noted_bytes)" -eq $((48 * MiB)) ]
	[ "$(resident_bytes "$WORK/out")" -le "$bound" ]
	"$BIN/wbpattern" rewrite "$WORK/plain" 32
	cmp "$WORK/plain" "$WORK/out"
}
