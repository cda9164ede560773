#!/usr/bin/env bats
# Mapped files: what a mapping of a file this process wrote brings back into the
# cache is dropped when the mapping goes; what was cached before stays; a
# MAP_SHARED writer's output is started and dropped once unmapped. Oracles:
# fincore of the test's own file, strace of munmap, sync_file_range, fadvise.
load common

# The write side's budget at the defaults ((4 + 1) x 4 MiB): pages still in flight
# when the program maps its output are not dropped by the mapping (they were
# cached at mmap time); the write side drops them, except while still mapped.
BOUND=$BUDGET_4M

# python3 -c "$MAP_AFTER_WRITING" MAPPED OWN cat|none: write 64 MiB to OWN, then
# (cat) have another process (no shim) read MAPPED, then map MAPPED, read every
# page, unmap.
MAP_AFTER_WRITING='
import mmap, os, subprocess, sys
mapped, own, other = sys.argv[1:4]
with open(own, "wb") as f:
    for i in range(64): f.write(bytes([i + 1]) * (1 << 20))
if other == "cat":
    env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
    subprocess.run(["cat", mapped], stdout=subprocess.DEVNULL, env=env, check=True)
with open(mapped, "rb") as f:
    m = mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ)
    s = sum(m[i] for i in range(0, len(m), 4096))
    m.close()
print(s)'

at_most() {   # FILE BYTES
	local res
	res=$(resident_bytes "$1")
	echo "$1: $res bytes cached (bound $2)"
	[ "$res" -le "$2" ]
}

@test "mmap read-back of a file written by the same process: dropped at munmap (plain keeps it all)" {
	require_disk_fs
	"$BIN/wbmap" readback "$WORK/plain" 128 >"$WORK/plain.out"
	mostly_resident "$WORK/plain" $((128 * MiB))
	shim "$BIN/wbmap" readback "$WORK/pack" 128 >"$WORK/shim.out"
	at_most "$WORK/pack" $BOUND
	diff "$WORK/plain.out" "$WORK/shim.out"
}

@test "mmap read-back through a new fd closed right after mmap: paged out through the mapping" {
	require_disk_fs
	"$BIN/wbmap" readback "$WORK/plain" 128 reopen closefd >"$WORK/plain.out"
	mostly_resident "$WORK/plain" $((128 * MiB))
	shim "$BIN/wbmap" readback "$WORK/pack" 128 reopen closefd >"$WORK/shim.out"
	at_most "$WORK/pack" $BOUND
	diff "$WORK/plain.out" "$WORK/shim.out"
}

@test "mmap read-back, exit without munmap: paged out at exit" {
	require_disk_fs
	"$BIN/wbmap" readback "$WORK/plain" 128 stay >/dev/null
	mostly_resident "$WORK/plain" $((128 * MiB))
	shim "$BIN/wbmap" readback "$WORK/pack" 128 stay >/dev/null
	at_most "$WORK/pack" $BOUND
}

@test "mmap of a file another process wrote and cached: stays cached" {
	require_disk_fs
	head -c $((64 * MiB)) /dev/urandom >"$WORK/data"
	cat "$WORK/data" >/dev/null
	mostly_resident "$WORK/data" $((64 * MiB))
	# A process that wrote a big file of its own (so it looks at what it maps)
	# maps the cached file and unmaps it.
	LD_PRELOAD="$PRELOAD" python3 -c "$MAP_AFTER_WRITING" "$WORK/data" "$WORK/own" none
	mostly_resident "$WORK/data" $((64 * MiB))
}

@test "mmap of its own output that another process cached meanwhile: what was cached stays" {
	require_disk_fs
	# plain: write, another process reads it all, map, unmap
	python3 -c "$MAP_AFTER_WRITING" "$WORK/plain" "$WORK/plain" cat
	mostly_resident "$WORK/plain" $((64 * MiB))
	LD_PRELOAD="$PRELOAD" python3 -c "$MAP_AFTER_WRITING" "$WORK/data" "$WORK/data" cat
	# Written here, but cached by someone else before the mapping: kept.
	mostly_resident "$WORK/data" $((64 * MiB))
}

@test "a MAP_SHARED writer (msync, then munmap): its output is dropped (plain keeps it all)" {
	require_disk_fs
	"$BIN/wbmap" shared "$WORK/plain" 128 msync
	mostly_resident "$WORK/plain" $((128 * MiB))
	shim "$BIN/wbmap" shared "$WORK/out" 128 msync
	at_most "$WORK/out" $BOUND
	cmp "$WORK/plain" "$WORK/out"
}

@test "a MAP_SHARED writer (munmap, then fdatasync): dropped once clean" {
	require_disk_fs
	"$BIN/wbmap" shared "$WORK/plain" 128 fdatasync
	mostly_resident "$WORK/plain" $((128 * MiB))
	shim "$BIN/wbmap" shared "$WORK/out" 128 fdatasync
	at_most "$WORK/out" $BOUND
	cmp "$WORK/plain" "$WORK/out"
}

@test "a MAP_SHARED writer that never syncs: writeback started at munmap, never waited for" {
	require_disk_fs
	TRACE_EXTRA=munmap trace_shim "$WORK/t" "$BIN/wbmap" shared "$WORK/out" 64 none
	cat "$WORK/t"
	# The range's writeback is started after the unmap, with WRITE alone.
	kicks=$(awk '/^munmap\(.*67108864\) += 0/ { seen = 1 } seen' "$WORK/t" |
		grep -cE 'sync_file_range\([0-9]+, 0, 67108864, SYNC_FILE_RANGE_WRITE\)' || true)
	[ "$kicks" -eq 1 ]
	[ "$(grep -c 'WAIT' "$WORK/t" || true)" -eq 0 ]
}

@test "mmap and munmap return what they return without the shim" {
	python3 - "$PRELOAD" <<'PY'
import ctypes, os, subprocess, sys
code = r'''
import ctypes, ctypes.util, errno
libc = ctypes.CDLL(None, use_errno=True)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
out = []
for args in [(None, 1 << 20, 1, 0x22, -1, 0), (None, 1 << 20, 1, 1, 12345, 0), (None, 0, 1, 0x22, -1, 0), (None, 4096, 1, 0x22, -1, 1)]:
    ctypes.set_errno(0); r = libc.mmap(*args); out.append((r == ctypes.c_void_p(-1).value or r is None and 0, ctypes.get_errno()))
for args in [(1, 4096), (None, 4096), (4096 * 16, 0)]:
    ctypes.set_errno(0); r = libc.munmap(*args); out.append((r, ctypes.get_errno()))
print(out)
'''
plain = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout
env = dict(os.environ, LD_PRELOAD=sys.argv[1])
shim = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env).stdout
print("plain", plain, "shim", shim)
sys.exit(plain != shim or not plain)
PY
}

@test "a program mapping many small files: no system call of ours" {
	require_disk_fs
	mkdir "$WORK/many"
	"$BIN/wbmap" mkfiles "$WORK/many" 200 20000
	# (through a pipe: output to a file would be classified by the write side)
	strace -f -qq -o "$WORK/t" -E LD_PRELOAD="$PRELOAD" "$BIN/wbmap" many "$WORK/many" 200 | cat >"$WORK/shim.out"
	"$BIN/wbmap" many "$WORK/many" 200 >"$WORK/plain.out"
	diff "$WORK/plain.out" "$WORK/shim.out"
	# the program's own fstat per file, nothing more
	# (a sanitizer's runtime makes madvise calls of its own: only ours count)
	ours='^[0-9]+ +((fstatfs|fcntl|cachestat|syscall_0x1c3)\(|fadvise64\(.*DONTNEED|madvise\(.*MADV_PAGEOUT)'
	grep -E "$ours" "$WORK/t" | head -5 || true
	[ "$(grep -cE "$ours" "$WORK/t" || true)" -eq 0 ]
}
