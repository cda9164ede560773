# Root-only rigs: loop devices, and a loop device whose writeback fails.
# The make_* functions set DEV (not printed: they must run in the test's shell so
# that teardown knows what to undo). teardown_rigs undoes everything, in order.

RIG_FS_MOUNTS=()      # filesystems on our loop devices: unmounted first
RIG_LOOPS=()          # then the loop devices are detached
RIG_BACKING_MOUNTS=() # then the tmpfs their backing files live on
RIG_THROTTLES=()      # MAJ:MIN of devices we throttled: unthrottled last
BLKIO_WRITE_BPS=/sys/fs/cgroup/blkio/blkio.throttle.write_bps_device

# make_loop SIZE: a loop device over a sparse file in $WORK.
make_loop() {
	truncate -s "$1" "$WORK/backing.img"
	DEV=$(losetup --find --show "$WORK/backing.img")
	RIG_LOOPS+=("$DEV")
}

# make_failing_loop: a 256 MiB loop device backed by a sparse file on a 32 MiB tmpfs:
# the first ~32 MiB of writeback succeed, everything after fails with EIO.
make_failing_loop() {
	local dir
	dir=$(mktemp -d "$WORK/small.XXXXXX")
	mount -t tmpfs -o size=32m tmpfs "$dir"
	RIG_BACKING_MOUNTS+=("$dir")
	truncate -s 256M "$dir/backing.img"
	DEV=$(losetup --find --show "$dir/backing.img")
	RIG_LOOPS+=("$DEV")
}

# make_slow_loop SIZE MBPS [ram]: a loop device (direct I/O to a sparse file in $WORK)
# whose writes the root blkio cgroup (v1) throttles to MBPS MB/s, writeback
# included: a slow disk that completes in the throttle's bursts. With `ram`, the
# backing file lives on a tmpfs of its own: the device then completes at the
# throttle's pace whatever other I/O the machine's disk is doing (a rig whose
# measurement must not depend on other processes).
make_slow_loop() {
	local majmin dir=$WORK
	[ -w "$BLKIO_WRITE_BPS" ] || skip "needs cgroup v1 blkio throttling ($BLKIO_WRITE_BPS)"
	if [ "${3:-}" = ram ]; then
		dir=$(mktemp -d "$WORK/ram.XXXXXX")
		mount -t tmpfs -o size="$1" tmpfs "$dir"
		RIG_BACKING_MOUNTS+=("$dir")
	fi
	truncate -s "$1" "$dir/slow.img"
	DEV=$(losetup --find --show --direct-io=on "$dir/slow.img")
	RIG_LOOPS+=("$DEV")
	majmin=$(lsblk -dno MAJ:MIN "$DEV" | tr -d ' ')
	echo "$majmin $(($2 << 20))" >"$BLKIO_WRITE_BPS"
	RIG_THROTTLES+=("$majmin")
	RIG_SLOW="$majmin $(($2 << 20))"
}

# slow_loop_intact: is the last slow loop's throttle still in place? Parallel test
# runs reuse loop numbers, and one whose teardown removes its throttle after it has
# let go of the device removes ours. Says so (and puts it back) if not.
slow_loop_intact() {
	grep -qx "$RIG_SLOW" "$BLKIO_WRITE_BPS" && return 0
	echo "the throttle '$RIG_SLOW' was removed by another process during the run (expected in place); put back"
	echo "$RIG_SLOW" >"$BLKIO_WRITE_BPS"
	return 1
}

# mount_ext4 DEV DIR
mount_ext4() {
	mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 "$1" >/dev/null
	mkdir -p "$2"
	mount "$1" "$2"
	RIG_FS_MOUNTS+=("$2")
}

teardown_rigs() {
	local item
	unpin_inodes
	for item in "${RIG_FS_MOUNTS[@]}"; do
		umount "$item" 2>/dev/null || umount -l "$item" 2>/dev/null || true
	done
	# Unthrottled while the device is still ours: once detached, its number may be
	# another test's throttled disk.
	for item in "${RIG_THROTTLES[@]}"; do
		echo "$item 0" >"$BLKIO_WRITE_BPS" 2>/dev/null || true
	done
	for item in "${RIG_LOOPS[@]}"; do
		losetup -d "$item" 2>/dev/null || true
	done
	for item in "${RIG_BACKING_MOUNTS[@]}"; do
		umount "$item" 2>/dev/null || umount -l "$item" 2>/dev/null || true
	done
	RIG_FS_MOUNTS=()
	RIG_LOOPS=()
	RIG_BACKING_MOUNTS=()
	RIG_THROTTLES=()
}

teardown() {
	teardown_rigs
	[ -z "${WORK:-}" ] || rm -rf "$WORK"
}

# make_unseen_error_rig: ext4 on a loop device whose backing file lives on a small
# tmpfs, mounted on $WORK/fs; RIG_FILE (32 MiB) is written and fsynced, then the
# backing of the blocks that hold its first 8 MiB is punched out (offsets from
# filefrag -v) and the tmpfs filled: overwriting those 8 MiB in place fails in
# writeback, and nothing else does. RIG_BACKING is the backing file.
make_unseen_error_rig() {
	local dir bs
	dir=$(mktemp -d "$WORK/small.XXXXXX")
	mount -t tmpfs -o size=96m tmpfs "$dir"
	RIG_BACKING_MOUNTS+=("$dir")
	RIG_BACKING=$dir/backing.img
	truncate -s 256M "$RIG_BACKING"
	DEV=$(losetup --find --show "$RIG_BACKING")
	RIG_LOOPS+=("$DEV")
	mount_ext4 "$DEV" "$WORK/fs"
	RIG_FILE=$WORK/fs/file
	dd if=/dev/urandom of="$RIG_FILE" bs=1M count=32 conv=fsync status=none
	bs=$(filefrag -v "$RIG_FILE" | sed -n 's/.* blocks of \([0-9]*\) bytes.*/\1/p')
	# "ext: logical_start.. logical_end: physical_start.. physical_end: length: ..."
	filefrag -v "$RIG_FILE" | tr -d ':.' | awk -v bs="$bs" -v limit=$((8 << 20)) '
		$1 ~ /^[0-9]+$/ && NF >= 5 && $2 * bs < limit {
			len = $3 - $2 + 1
			if (($2 + len) * bs > limit) len = limit / bs - $2
			print $4 * bs, len * bs
		}' | while read -r offset length; do
		fallocate -p -o "$offset" -l "$length" "$RIG_BACKING"
	done
	dd if=/dev/zero of="$dir/fill" bs=1M status=none 2>/dev/null || true
}

# pin_inodes DIR: until teardown, keep every file created in DIR in the inode cache
# (an inotify watch holds a reference to its inode). A writeback error lives in the
# inode; on a machine short of memory a closed file whose pages failed writeback can
# be evicted with its error before the test looks, which would make the plain run,
# not the shim, lose it.
RIG_PINNERS=()
pin_inodes() {
	python3 -c '
import ctypes, os, struct, sys
libc = ctypes.CDLL(None, use_errno=True)
fd = libc.inotify_init()
IN_CREATE, IN_ALL = 0x100, 0xfff
top = sys.argv[1].encode()
libc.inotify_add_watch(fd, top, IN_CREATE)
for name in os.listdir(top):
    libc.inotify_add_watch(fd, os.path.join(top, name), IN_ALL)
sys.stdout.write("pinned\n"); sys.stdout.flush()
while True:
    buf = os.read(fd, 65536)
    i = 0
    while i < len(buf):
        wd, mask, cookie, size = struct.unpack_from("iIII", buf, i)
        name = buf[i + 16:i + 16 + size].rstrip(b"\0")
        i += 16 + size
        if mask & IN_CREATE and name:
            libc.inotify_add_watch(fd, os.path.join(top, name), IN_ALL)
' "$1" >"$WORK/pinner.out" &
	RIG_PINNERS+=($!)
	# Started before the writer runs: wait until the watch is in place.
	for _ in $(seq 100); do
		grep -q pinned "$WORK/pinner.out" 2>/dev/null && return 0
		sleep 0.05
	done
	echo "pin_inodes: the watcher did not start" >&2
	return 1
}

unpin_inodes() {
	local pid
	for pid in "${RIG_PINNERS[@]}"; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	RIG_PINNERS=()
}
