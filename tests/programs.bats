#!/usr/bin/env bats
# The real-program matrix: the tools people run, each run without and with the shim
# (4 MiB chunks, depth 1). Same bytes, same exit code; the shimmed output leaves at most
# (depth+1) chunks in flight plus the one being filled in the page cache, while the
# plain output stays (nearly) all cached, so the measurement can tell the two apart.
load common
load rigs

CHUNK=$((4 * MiB))
BOUND=$((3 * CHUNK))
SIZE=$((64 * MiB))

FUSE_MOUNTS=() # unmounted by teardown, before the rigs
HOLD_FD=""     # an fd kept open on a block device, closed by teardown

teardown() {
	local dir
	for dir in "${FUSE_MOUNTS[@]}"; do
		fusermount3 -u "$dir" 2>/dev/null || umount "$dir" 2>/dev/null || umount -l "$dir" 2>/dev/null || true
	done
	FUSE_MOUNTS=()
	[ -z "$HOLD_FD" ] || exec {HOLD_FD}<&-
	HOLD_FD=""
	teardown_rigs
	[ -z "${WORK:-}" ] || rm -rf "$WORK"
}

require_cmd() {
	command -v "$1" >/dev/null || skip "$1 is not installed (Debian package $2)"
}

# make_input: $WORK/in, $SIZE random bytes.
make_input() {
	head -c "$SIZE" /dev/urandom >"$WORK/in"
}

residue_of() {
	if [ -b "$1" ]; then resident_device_bytes "$1"; else resident_bytes "$1"; fi
}

# attempt VAR FILE CMD...: run CMD, then measure FILE's page-cache residue into VAR,
# returning CMD's status. Other processes on a shared machine may drop caches
# (benchmarks write drop_caches), which would make any residue look small and hide
# a shim that does nothing: a run during which /proc/vmstat's drop_pagecache moved is
# repeated. CMD must start from scratch each time.
attempt() {
	local var=$1 file=$2 try before rc
	shift 2
	for try in 1 2 3 4 5 6 7 8 9 10; do
		before=$(grep '^drop_pagecache ' /proc/vmstat)
		rc=0
		"$@" || rc=$?
		printf -v "$var" %s "$(residue_of "$file")"
		[ "$(grep '^drop_pagecache ' /proc/vmstat)" != "$before" ] || return $rc
		echo "page cache dropped by another process during run $try; again"
	done
	skip "another process kept dropping the page cache: residue cannot be measured"
}

# run_both SCRIPT [PATH]: run the shell snippet SCRIPT with IN=$WORK/in and
# OUT=${OUT_DIR:-$WORK}/plain, then with OUT=.../shim under the shim (the shell too, so
# its redirections are covered) and strace, whose trace lands in $WORK/trace. Each
# run's residue is measured at once, before anything reads the output back, from
# $OUT$PATH: into plain_res and shim_res; size is that file's size. Exit codes must match.
run_both() {
	local dir=${OUT_DIR:-$WORK} plain_rc=0 shim_rc=0
	export WORK # the snippets may name other files in it
	SCRIPT=$1
	local try
	# The plain output must be nearly all cached for the rig to tell the runs apart;
	# on a shared machine something other than drop_caches can still evict it (the
	# kernel counted no drop): such a plain run is repeated, up to three times.
	for try in 1 2 3; do
		plain_rc=0
		attempt plain_res "$dir/plain${2:-}" plain_run "$dir/plain" || plain_rc=$?
		size=$(stat -c %s "$dir/plain${2:-}")
		[ "$plain_res" -lt $((size * 9 / 10)) ] || break
		echo "plain run $try: $plain_res of $size bytes cached, expected at least 90 %: evicted by another process; again"
	done
	attempt shim_res "$dir/shim${2:-}" shim_run "$dir/shim" || shim_rc=$?
	echo "exit: plain=$plain_rc shim=$shim_rc"
	[ "$plain_rc" -eq "$shim_rc" ]
}

plain_run() {
	rm -rf "$1" "$1.map"
	IN="$WORK/in" OUT="$1" bash -c "$SCRIPT"
}

shim_run() {
	rm -rf "$1" "$1.map"
	IN="$WORK/in" OUT="$1" WBSHIM_CHUNK=4M WBSHIM_DEPTH=1 \
		trace_shim "$WORK/trace" bash -c "$SCRIPT"
}

# residue_ok: the plain output (nearly) all cached, so the rig tells the two apart;
# the shimmed one within (depth+1) chunks in flight + the chunk being filled.
residue_ok() {
	echo "residue: plain=$plain_res shim=$shim_res size=$size bound=$BOUND"
	[ "$size" -ge $((4 * CHUNK)) ]
	[ "$plain_res" -ge $((size * 9 / 10)) ]
	[ "$shim_res" -le "$BOUND" ]
}

# kicked: the shimmed run started writeback for every full chunk of $size bytes.
kicked() {
	local kicks
	kicks=$(count_lines SYNC_FILE_RANGE_WRITE "$WORK/trace")
	echo "kicks=$kicks want>=$((size / CHUNK - 1))"
	[ "$kicks" -ge $((size / CHUNK - 1)) ]
}

# Bytes of block device DEV in the page cache. fincore maps st_size bytes, which is 0
# for a device node, so it always says 0 there: mmap the device's real size and ask
# mincore directly.
resident_device_bytes() {
	python3 - "$1" <<-'PY'
	import ctypes, os, sys
	fd = os.open(sys.argv[1], os.O_RDONLY)
	size = os.lseek(fd, 0, os.SEEK_END)
	page = os.sysconf("SC_PAGE_SIZE")
	libc = ctypes.CDLL(None, use_errno=True)
	libc.mmap.restype = ctypes.c_void_p
	libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
	                      ctypes.c_int, ctypes.c_long]
	addr = libc.mmap(None, size, 1, 1, fd, 0)  # PROT_READ, MAP_SHARED
	vec = (ctypes.c_ubyte * ((size + page - 1) // page))()
	if addr in (None, ctypes.c_void_p(-1).value) or \
	   libc.mincore(ctypes.c_void_p(addr), ctypes.c_size_t(size), vec) != 0:
	    sys.exit("mincore %s: %s" % (sys.argv[1], os.strerror(ctypes.get_errno())))
	print(sum(b & 1 for b in vec) * page)
	PY
}

@test "dd to a file" {
	require_disk_fs
	make_input
	run_both 'dd if="$IN" of="$OUT" bs=1M status=none'
	residue_ok
	kicked
	cmp "$WORK/in" "$WORK/plain"
	cmp "$WORK/in" "$WORK/shim"
}

@test "dd to a loop block device" {
	require_root "loop devices"
	require_cmd python3 python3
	make_input
	make_loop 128M
	dev=$DEV
	# The last close of a block device writes back and drops all of its cache; an
	# opener held here keeps what the runs leave cached visible.
	exec {HOLD_FD}<"$dev"
	plain_rc=0 shim_rc=0 size=$SIZE
	attempt plain_res "$dev" wipe_then dd if="$WORK/in" of="$dev" bs=1M status=none || plain_rc=$?
	cmp -n "$SIZE" "$WORK/in" "$dev"
	WBSHIM_CHUNK=4M WBSHIM_DEPTH=1 attempt shim_res "$dev" \
		wipe_then trace_shim "$WORK/trace" dd if="$WORK/in" of="$dev" bs=1M status=none || shim_rc=$?
	echo "exit: plain=$plain_rc shim=$shim_rc"
	[ "$plain_rc" -eq "$shim_rc" ]
	residue_ok
	kicked
	cmp -n "$SIZE" "$WORK/in" "$dev"
}

# wipe_then CMD...: zero the first $SIZE bytes of $dev behind the cache (O_DIRECT) and
# empty its cache, so that CMD starts from nothing and must write every byte itself.
wipe_then() {
	dd if=/dev/zero of="$dev" bs=1M count=$((SIZE / MiB)) oflag=direct status=none
	blockdev --flushbufs "$dev"
	"$@"
}

@test "cp (copy_file_range)" {
	require_disk_fs
	make_input
	run_both 'cp "$IN" "$OUT"'
	residue_ok
	kicked
	cmp "$WORK/in" "$WORK/plain"
	cmp "$WORK/in" "$WORK/shim"
}

@test "cat a > b (copy_file_range into the shell's redirection)" {
	require_disk_fs
	make_input
	run_both 'cat "$IN" >"$OUT"'
	residue_ok
	kicked
	cmp "$WORK/in" "$WORK/plain"
	cmp "$WORK/in" "$WORK/shim"
}

@test "head -c from a generator into the shell's redirection" {
	require_disk_fs
	# A seeded keystream, so the two runs' outputs can be compared byte for byte.
	if command -v openssl >/dev/null; then
		generator='openssl enc -aes-128-ctr -pass pass:wbshim -nosalt -pbkdf2 </dev/zero 2>/dev/null'
	else
		generator='yes "wbshim real-program matrix"'
	fi
	run_both "$generator | head -c $SIZE >\"\$OUT\""
	residue_ok
	kicked
	[ "$(stat -c %s "$WORK/shim")" -eq "$SIZE" ]
	cmp "$WORK/plain" "$WORK/shim"
}

# A directory with one big file and a few small ones.
make_tree() {
	mkdir "$WORK/tree"
	head -c "$SIZE" /dev/urandom >"$WORK/tree/big"
	for n in 1 2 3; do
		head -c $((n * 1000 + 7)) /dev/urandom >"$WORK/tree/small$n"
	done
}

@test "tar -cf" {
	require_disk_fs
	make_tree
	run_both 'tar -cf "$OUT" --sort=name -C "$WORK" tree'
	residue_ok
	kicked
	cmp "$WORK/plain" "$WORK/shim"
	tar -tf "$WORK/shim" | grep -qx tree/big
}

@test "tar -xf" {
	require_disk_fs
	make_tree
	tar -cf "$WORK/tree.tar" -C "$WORK" tree
	run_both 'mkdir "$OUT" && tar -xf "$WORK/tree.tar" -C "$OUT"' /tree/big
	residue_ok
	kicked
	diff -r "$WORK/tree" "$WORK/plain/tree"
	diff -r "$WORK/tree" "$WORK/shim/tree"
}

@test "gzip -c > f.gz" {
	require_disk_fs
	require_cmd gzip gzip
	make_input
	run_both 'gzip -1 -n -c "$IN" >"$OUT"'
	residue_ok
	kicked
	cmp "$WORK/plain" "$WORK/shim"
}

@test "zstd -o (stdio fwrite)" {
	require_disk_fs
	require_cmd zstd zstd
	make_input
	run_both 'zstd -q -1 -o "$OUT" "$IN"'
	residue_ok
	kicked
	cmp "$WORK/plain" "$WORK/shim"
}

@test "curl file:// -o (stdio fwrite)" {
	require_disk_fs
	require_cmd curl curl
	# Seen on Debian 12: curl with libasan preloaded never returns from setlocale(),
	# with or without wbshim behind it.
	require_plain_build "curl hangs in setlocale() under a preloaded libasan, shim or not"
	make_input
	run_both 'curl -s "file://$IN" -o "$OUT"'
	residue_ok
	kicked
	cmp "$WORK/in" "$WORK/plain"
	cmp "$WORK/in" "$WORK/shim"
}

@test "ddrescue imaging a loop device, with a mapfile" {
	require_root "loop devices"
	require_disk_fs
	require_cmd ddrescue gddrescue
	make_input
	make_loop "$SIZE"
	dd if="$WORK/in" of="$DEV" bs=1M oflag=direct status=none
	# The output is a new regular file, so no --force; -n: no scraping (no bad sectors here).
	DEV=$DEV run_both 'ddrescue -q -n "$DEV" "$OUT" "$OUT.map"'
	residue_ok
	kicked
	cmp "$WORK/in" "$WORK/plain"
	cmp "$WORK/in" "$WORK/shim"
	# Same rescue state: everything finished ('+'). Comments hold times and the command.
	diff <(grep -v '^#' "$WORK/plain.map") <(grep -v '^#' "$WORK/shim.map")
	grep -Eq "^0x0+ +0x0*$(printf '%x' "$SIZE") +\+" "$WORK/shim.map"
}

@test "a forked child does the writing, under scripts/wbshim" {
	require_disk_fs
	require_plain_build "scripts/wbshim puts the library first in LD_PRELOAD"
	require_cmd python3 python3
	make_input
	# The parent forks (no exec) and waits; the child copies IN to OUT in 1 MiB writes.
	forker='
import os, sys
src, dst, pids = sys.argv[1:]
child = os.fork()
if child == 0:
    i, o = os.open(src, os.O_RDONLY), os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    while True:
        block = os.read(i, 1 << 20)
        if not block:
            break
        os.write(o, block)
    os.close(o)
    os._exit(0)
with open(pids, "w") as f:
    f.write("%d %d\n" % (os.getpid(), child))
sys.exit(os.waitstatus_to_exitcode(os.waitpid(child, 0)[1]))
'
	plain_rc=0 shim_rc=0
	attempt plain_res "$WORK/plain" \
		python3 -c "$forker" "$WORK/in" "$WORK/plain" "$WORK/pids.plain" || plain_rc=$?
	attempt shim_res "$WORK/shim" \
		strace -f -qq -e signal=none -e trace=sync_file_range,fadvise64 -o "$WORK/trace.raw" \
		"$ROOT/scripts/wbshim" -c 4M -d 1 -- \
		python3 -c "$forker" "$WORK/in" "$WORK/shim" "$WORK/pids" || shim_rc=$?
	size=$(stat -c %s "$WORK/plain")
	echo "exit: plain=$plain_rc shim=$shim_rc"
	[ "$plain_rc" -eq "$shim_rc" ]
	residue_ok
	read -r parent child <"$WORK/pids"
	# Keep the child's pacing calls only; the parent writes nothing big and must not pace.
	grep -E "^$child +(sync_file_range|fadvise64\(.*DONTNEED)" "$WORK/trace.raw" >"$WORK/trace" || true
	echo "parent=$parent child=$child: $(count_lines "^$parent " "$WORK/trace.raw") calls from the parent"
	[ "$(count_lines "^$parent " "$WORK/trace.raw")" -eq 0 ]
	kicked
	# Waited for (by watching the page cache) and dropped, chunk after chunk.
	[ "$(count_lines DONTNEED "$WORK/trace")" -ge $((SIZE / CHUNK - 2)) ]
	[ "$(count_lines WAIT_ "$WORK/trace")" -eq 0 ]
	cmp "$WORK/in" "$WORK/plain"
	cmp "$WORK/in" "$WORK/shim"
}

@test "FUSE (bindfs): writeback kicked, never waited for; bytes identical" {
	require_root "mounting FUSE"
	require_disk_fs
	require_cmd bindfs bindfs
	[ -c /dev/fuse ] || skip "no /dev/fuse"
	make_input
	mkdir "$WORK/back" "$WORK/mnt"
	bindfs "$WORK/back" "$WORK/mnt" || skip "cannot mount FUSE here"
	FUSE_MOUNTS+=("$WORK/mnt")
	[ "$(stat -f -c %t "$WORK/mnt")" = 65735546 ] # FUSE_SUPER_MAGIC: really on FUSE
	# Policy: a wait would be a round trip to the daemon, which may be slow or gone, so
	# chunks are kicked (and dropped once clean) but never waited for. bindfs may send
	# writes straight to the daemon, leaving the kicks nothing to do; that is fine.
	OUT_DIR="$WORK/mnt" run_both 'dd if="$IN" of="$OUT" bs=1M status=none'
	echo "residue on the FUSE mount (not bounded by policy): plain=$plain_res shim=$shim_res"
	head -5 "$WORK/trace"
	kicked
	[ "$(count_lines WAIT_AFTER "$WORK/trace")" -eq 0 ]
	cmp "$WORK/in" "$WORK/mnt/plain"
	cmp "$WORK/in" "$WORK/mnt/shim"
	cmp "$WORK/in" "$WORK/back/shim"
}
