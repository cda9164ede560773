#!/usr/bin/env bats
# The read side: big sequential reads are dropped behind the reader; pages that
# were cached before (someone else's), small files, random reads and non-files
# are left alone. Oracles: fincore, and strace of fadvise64(DONTNEED) and
# cachestat (strace before 6.5 names it syscall_0x1c3).
load common

CHUNK=$((4 * MiB))
BIG=$((64 * MiB))
export WBSHIM_CHUNK=4M

# A file of BYTES random bytes, written back and out of the page cache.
cold_file() {   # FILE BYTES
	head -c "$2" /dev/urandom >"$1"
	make_cold "$1"
}

make_cold() {
	sync "$1"
	dd if="$1" iflag=nocache count=0 status=none
	[ "$(resident_bytes "$1")" -eq 0 ]
}

# trace_read OUT CMD...: run CMD under the shim and strace -f -y; OUT gets one line
# per fadvise(DONTNEED) and cachestat call (the shim's: programs never make them).
trace_read() {
	local out=$1 rc=0
	shift
	strace -f -qq -y -e signal=none -o "$out.raw" -E LD_PRELOAD="$PRELOAD" "$@" || rc=$?
	sed -E 's/^[0-9]+ +//' "$out.raw" |
		grep -E '^(fadvise64\(.*DONTNEED|cachestat\(|syscall_0x1c3\()' >"$out" || true
	return $rc
}

# Bytes of FILE still cached, shown, and at most N chunks.
at_most_chunks() {   # FILE N
	local res
	res=$(resident_bytes "$1")
	echo "$1: $res bytes cached (bound $(($2 * CHUNK)))"
	[ "$res" -le $(($2 * CHUNK)) ]
}

# Other programs on the machine (benchmarks writing drop_caches) may evict pages
# while a test runs: "left alone" is shown by strace (no DONTNEED from us), and
# fincore only has to find most of the file still cached.
kept() {   # FILE BYTES
	mostly_resident "$@"
}

# Lines of the raw trace after the Nth line matching PATTERN.
trace_after() {   # RAW PATTERN N
	awk -v pat="$2" -v n="$3" 'seen >= n { print } $0 ~ pat { seen++ }' "$1"
}

@test "unit: the read side's plain logic with simulated reads and looks" {
	run "$BIN/unit_readbehind"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" != *"not ok"* ]]
}

@test "cat of a big file: dropped behind the reader, at most 2 chunks left" {
	require_disk_fs
	cold_file "$WORK/big" $BIG
	trace_read "$WORK/t" cat "$WORK/big" >/dev/null
	cat "$WORK/t"
	[ "$(count_lines "big>, .*DONTNEED" "$WORK/t")" -ge 10 ]
	at_most_chunks "$WORK/big" 2
}

@test "cp of a big file: the source is dropped behind (copy_file_range pieces)" {
	require_disk_fs
	cold_file "$WORK/big" $BIG
	trace_read "$WORK/t" cp "$WORK/big" "$WORK/copy"
	[ "$(count_lines "big>, .*DONTNEED" "$WORK/t")" -ge 10 ]
	at_most_chunks "$WORK/big" 2
	# The copy is the write side's: what is still in flight at exit cannot be
	# dropped, up to its budget (depth + 1 chunks) on a busy machine.
	at_most_chunks "$WORK/copy" 5
	cmp "$WORK/big" "$WORK/copy"
}

@test "dd bs=1M of a big file to /dev/null: dropped behind" {
	require_disk_fs
	cold_file "$WORK/big" $BIG
	trace_read "$WORK/t" dd if="$WORK/big" of=/dev/null bs=1M status=none
	[ "$(count_lines "big>, .*DONTNEED" "$WORK/t")" -ge 10 ]
	at_most_chunks "$WORK/big" 2
}

@test "dd of part of a big file: the chunk before the reader's stays, older ones go" {
	require_disk_fs
	cold_file "$WORK/big" $BIG
	shim dd if="$WORK/big" of=/dev/null bs=1M count=40 status=none
	# Up to 40 MiB read: chunks 0-7 dropped, 8 and 9 kept, plus the kernel's readahead.
	fincore "$WORK/big"
	at_most_chunks "$WORK/big" 8
	[ "$(fincore --bytes --noheadings --output RES "$WORK/big" -o RES | tr -d ' ')" -ge $CHUNK ]
}

@test "a source that was fully cached before stays fully cached" {
	require_disk_fs
	head -c $BIG /dev/urandom >"$WORK/big"
	cat "$WORK/big" >/dev/null
	kept "$WORK/big" $BIG
	trace_read "$WORK/t" cat "$WORK/big" >/dev/null
	cat "$WORK/t"
	[ "$(count_lines DONTNEED "$WORK/t")" -eq 0 ]
	kept "$WORK/big" $BIG
	trace_read "$WORK/t" cp "$WORK/big" "$WORK/copy"
	[ "$(count_lines "big>, .*DONTNEED" "$WORK/t")" -eq 0 ]
	kept "$WORK/big" $BIG
}

@test "partly cached source: the cached chunks stay, the rest is dropped" {
	require_disk_fs
	cold_file "$WORK/big" $BIG
	# Someone else has the last 16 MiB hot (at the end, so that its readahead
	# brings in nothing more).
	dd if="$WORK/big" of=/dev/null bs=1M skip=48 count=16 status=none
	fincore "$WORK/big"
	trace_read "$WORK/t" cat "$WORK/big" >/dev/null
	fincore "$WORK/big"
	cat "$WORK/t"
	# Dropped: the first 48 MiB, in ranges that never reach into the last 16.
	[ "$(count_lines "big>, .*DONTNEED" "$WORK/t")" -ge 10 ]
	past=$(sed -nE 's/^fadvise64\([0-9]+<[^>]*>, ([0-9]+), ([0-9]+), .*/\1 \2/p' "$WORK/t" |
		awk '$1 + $2 > 48 * 1048576' | wc -l)
	[ "$past" -eq 0 ]
	res=$(resident_bytes "$WORK/big")
	[ "$res" -le $((16 * MiB + 2 * CHUNK)) ]
}

# Cached pages of FILE among every STRIDE-th page ("CACHED OF").
hot_cached() {   # FILE STRIDE
	"$BIN/wbhot" count "$1" "$2"
}

# Another process keeps every 16th page of the first BYTES of FILE hot (an index
# a database reads), for at most a minute: the machine's own reclaim (or another
# test's drop_caches) may take a page, and it comes back as it would.
keep_hot() {   # FILE BYTES
	"$BIN/wbhot" touch "$1" 16 "$2"
	timeout 60 bash -c 'while :; do "$0" touch "$1" 16 "$2"; sleep 0.05; done' \
		"$BIN/wbhot" "$1" "$2" &
	HOT_PID=$!
}

stop_hot() {
	kill "$HOT_PID" 2>/dev/null || true
	wait "$HOT_PID" 2>/dev/null || true
}

# Bytes of FILE that fadvise(DONTNEED) calls in trace OUT dropped below offset
# LIMIT (all of them without a limit).
dropped_below() {   # OUT FILE [LIMIT]
	sed -nE "s/^fadvise64\\([0-9]+<[^>]*$2>, ([0-9]+), ([0-9]+), .*DONTNEED.*/\\1 \\2/p" "$1" |
		awk -v limit="${3:-0}" '{ end = $1 + $2; if (limit && end > limit) end = limit;
			if (end > $1) sum += end - $1 } END { print sum + 0 }'
}

@test "sparse hot pages (every 16th page kept hot by another process): cat leaves every one cached" {
	require_disk_fs
	cold_file "$WORK/index" $BIG
	# Without the shim: the hot pages stay (and so does what cat brought in).
	keep_hot "$WORK/index" $BIG
	cat "$WORK/index" >/dev/null
	stop_hot
	read -r plain total < <(hot_cached "$WORK/index" 16)
	echo "plain: $plain of $total hot pages cached"
	make_cold "$WORK/index"
	keep_hot "$WORK/index" $BIG
	trace_read "$WORK/t" cat "$WORK/index" >/dev/null
	stop_hot
	read -r shimmed total < <(hot_cached "$WORK/index" 16)
	echo "wbshim: $shimmed of $total hot pages cached"
	grep DONTNEED "$WORK/t" | head -5 || true
	# Every 256 KiB piece holds hot pages: nothing of the file is dropped (a
	# piece whose hot pages the machine took just before cat looked may go).
	dropped=$(dropped_below "$WORK/t" index)
	echo "dropped: $dropped bytes"
	[ "$dropped" -le $((BIG / 10)) ]
	[ "$shimmed" -ge $((plain * 9 / 10)) ]
}

@test "hot pages in the first quarter only: they stay, the cold rest of the file is dropped" {
	require_disk_fs
	cold_file "$WORK/index" $BIG
	# Every 16th page of the first 16 MiB hot (the file's first quarter).
	keep_hot "$WORK/index" $((16 * MiB))
	read -r before total < <(hot_cached "$WORK/index" 16)
	echo "before: $before of $total hot pages cached"
	trace_read "$WORK/t" cat "$WORK/index" >/dev/null
	stop_hot
	fincore "$WORK/index"
	# Nothing (or next to nothing, see above) of the hot quarter is dropped ...
	dropped=$(dropped_below "$WORK/t" index $((16 * MiB)))
	echo "dropped in the hot quarter: $dropped bytes"
	[ "$dropped" -le $((16 * MiB / 10)) ]
	# ... and the cold rest is dropped behind the reader.
	res=$(resident_bytes "$WORK/index")
	echo "resident $res, bound $((16 * MiB + 2 * CHUNK))"
	[ "$res" -le $((16 * MiB + 2 * CHUNK)) ]
}

@test "small files are left alone: no fadvise, no cachestat, still cached" {
	require_disk_fs
	cold_file "$WORK/small" $((2 * CHUNK))
	trace_read "$WORK/t" cat "$WORK/small" >/dev/null
	cat "$WORK/t"
	[ ! -s "$WORK/t" ]
	kept "$WORK/small" $((2 * CHUNK))
}

@test "random reads are left alone: no fadvise" {
	require_disk_fs
	cold_file "$WORK/big" $BIG
	trace_read "$WORK/t" "$BIN/wbread" random "$WORK/big" $MiB
	[ "$(count_lines DONTNEED "$WORK/t")" -eq 0 ]
	kept "$WORK/big" $BIG
}

@test "a file read again from the start on the same fd: the second pass stays cached" {
	require_disk_fs
	cold_file "$WORK/big" $BIG
	trace_read "$WORK/t" "$BIN/wbread" reread "$WORK/big" >/dev/null 2>"$WORK/transcript"
	# Drops during the first pass, none after the seek back to 0.
	[ "$(count_lines DONTNEED "$WORK/t")" -ge 10 ]
	[ "$(trace_after "$WORK/t.raw" 'lseek\(.*SEEK_SET' 1 | grep -c DONTNEED)" -eq 0 ]
	kept "$WORK/big" $BIG
}

@test "a file opened again by the same process after being dropped is left cached" {
	require_disk_fs
	cold_file "$WORK/big" $BIG
	trace_read "$WORK/t" "$BIN/wbread" twice "$WORK/big" 1048576 "$WORK/big" >/dev/null 2>"$WORK/transcript"
	grep '^fd' "$WORK/transcript"
	[ "$(count_lines DONTNEED "$WORK/t")" -ge 10 ]
	[ "$(trace_after "$WORK/t.raw" 'openat\(.*/big", O_RDONLY' 2 | grep -c DONTNEED)" -eq 0 ]
	kept "$WORK/big" $BIG
}

@test "an fd number that gets a new file starts clean (close, open: same number)" {
	require_disk_fs
	cold_file "$WORK/a" $BIG
	cold_file "$WORK/b" $BIG
	shim "$BIN/wbread" twice "$WORK/a" 1048576 "$WORK/b" >/dev/null 2>"$WORK/transcript"
	grep -E '^fd ([0-9]+) then fd \1$' "$WORK/transcript"
	at_most_chunks "$WORK/a" 2
	at_most_chunks "$WORK/b" 2
}

@test "a writer reading back what it wrote drops it behind the read" {
	require_disk_fs
	WBSHIM_DROP=0 trace_read "$WORK/t" "$BIN/wbread" readback "$WORK/out" $BIG >/dev/null 2>&1
	[ "$(count_lines "out>, .*DONTNEED" "$WORK/t")" -ge 10 ]
	# The read side never asks whose pages these are: they were written here.
	[ "$(count_lines "out>" "$WORK/t")" -eq "$(count_lines "out>, .*DONTNEED" "$WORK/t")" ]
	# What the reader reaches while it is still dirty or under writeback cannot be
	# dropped: up to the write side's budget (depth + 1 chunks) and its unkicked
	# tail; a slow machine (the sanitizer build) gets that close. Without the read
	# side all 64 MiB stay.
	at_most_chunks "$WORK/out" 6
}

@test "pipes: no fadvise, no cachestat" {
	trace_read "$WORK/t" sh -c "dd if=/dev/zero bs=1M count=40 status=none | cat | dd of=/dev/null bs=64k status=none"
	cat "$WORK/t"
	[ ! -s "$WORK/t" ]
}

@test "sockets: no fadvise, no cachestat" {
	trace_read "$WORK/t" python3 -c '
import os, socket, threading
a, b = socket.socketpair()
def fill():
    chunk = b"x" * (1 << 20)
    for _ in range(40): a.sendall(chunk)
    a.close()
t = threading.Thread(target=fill); t.start()
while os.read(b.fileno(), 1 << 20): pass
t.join()'
	cat "$WORK/t"
	[ ! -s "$WORK/t" ]
}

@test "WBSHIM_READ=0: no fadvise, no cachestat, the file stays cached" {
	require_disk_fs
	cold_file "$WORK/big" $BIG
	WBSHIM_READ=0 trace_read "$WORK/t" cat "$WORK/big" >/dev/null
	[ ! -s "$WORK/t" ]
	kept "$WORK/big" $BIG
	WBSHIM_READ=no trace_read "$WORK/t" cp "$WORK/big" "$WORK/copy"
	[ "$(count_lines "big>" "$WORK/t")" -eq 0 ]
}

@test "transparency: bytes and return values of every read call unchanged" {
	require_disk_fs
	head -c $((3 * CHUNK * 4 + 12345)) /dev/urandom >"$WORK/src"
	for mode in read pread readv preadv preadv2 preadv2_cursor; do
		make_cold "$WORK/src"
		"$BIN/wbread" $mode "$WORK/src" 1000000 >"$WORK/plain" 2>"$WORK/plain.t"
		make_cold "$WORK/src"
		shim "$BIN/wbread" $mode "$WORK/src" 1000000 >"$WORK/shim" 2>"$WORK/shim.t"
		echo "$mode: $(wc -l <"$WORK/shim.t") calls"
		at_most_chunks "$WORK/src" 2
		cmp "$WORK/src" "$WORK/shim"
		diff "$WORK/plain.t" "$WORK/shim.t"
	done
}

@test "transparency: cat and md5sum give the same output with and without the shim" {
	require_disk_fs
	cold_file "$WORK/big" $BIG
	shim cat "$WORK/big" >"$WORK/copy"
	at_most_chunks "$WORK/big" 2
	cmp "$WORK/big" "$WORK/copy"
	plain=$(md5sum <"$WORK/big")
	make_cold "$WORK/big"
	shimmed=$(shim md5sum <"$WORK/big")
	at_most_chunks "$WORK/big" 2
	[ "$plain" = "$shimmed" ]
}

@test "stdio readers (fread: md5sum; getdelim: sed): dropped behind, output unchanged" {
	require_disk_fs
	cold_file "$WORK/big" $BIG
	trace_read "$WORK/t" md5sum "$WORK/big" >"$WORK/shim.md5"
	[ "$(count_lines "big>, .*DONTNEED" "$WORK/t")" -ge 10 ]
	at_most_chunks "$WORK/big" 2
	md5sum "$WORK/big" >"$WORK/plain.md5"
	diff "$WORK/plain.md5" "$WORK/shim.md5"
	base64 -w 100 "$WORK/big" >"$WORK/text"
	make_cold "$WORK/text"
	shim sed -n '$p' "$WORK/text" >"$WORK/shim.last"
	at_most_chunks "$WORK/text" 2
	sed -n '$p' "$WORK/text" >"$WORK/plain.last"
	cmp "$WORK/plain.last" "$WORK/shim.last"
}

@test "WBSHIM_READ: a malformed value is named in one warning, and the default is used" {
	run env LD_PRELOAD="$PRELOAD" WBSHIM_READ=maybe true
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *'WBSHIM_READ="maybe"'*"using 1"* ]]
}

@test "fork: a child that goes on reading its parent's fd drops behind where the parent left off" {
	require_disk_fs
	cold_file "$WORK/big" $BIG
	trace_read "$WORK/t" python3 -c '
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
got = 0
while got < 16 << 20: got += len(os.read(fd, 1 << 20))
pid = os.fork()
if pid == 0:
    while os.read(fd, 1 << 20): pass
    os._exit(0)
os.waitpid(pid, 0)' "$WORK/big"
	[ "$(count_lines "big>, .*DONTNEED" "$WORK/t")" -ge 10 ]
	at_most_chunks "$WORK/big" 2
}
