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

# make_slow_loop SIZE MBPS: a loop device (direct I/O to a sparse file in $WORK)
# whose writes the root blkio cgroup (v1) throttles to MBPS MB/s, writeback
# included: a slow disk that completes in the throttle's bursts.
make_slow_loop() {
	local majmin
	[ -w "$BLKIO_WRITE_BPS" ] || skip "needs cgroup v1 blkio throttling ($BLKIO_WRITE_BPS)"
	truncate -s "$1" "$WORK/slow.img"
	DEV=$(losetup --find --show --direct-io=on "$WORK/slow.img")
	RIG_LOOPS+=("$DEV")
	majmin=$(lsblk -dno MAJ:MIN "$DEV" | tr -d ' ')
	echo "$majmin $(($2 << 20))" >"$BLKIO_WRITE_BPS"
	RIG_THROTTLES+=("$majmin")
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
	for item in "${RIG_FS_MOUNTS[@]}"; do
		umount "$item" 2>/dev/null || umount -l "$item" 2>/dev/null || true
	done
	for item in "${RIG_LOOPS[@]}"; do
		losetup -d "$item" 2>/dev/null || true
	done
	for item in "${RIG_BACKING_MOUNTS[@]}"; do
		umount "$item" 2>/dev/null || umount -l "$item" 2>/dev/null || true
	done
	for item in "${RIG_THROTTLES[@]}"; do
		echo "$item 0" >"$BLKIO_WRITE_BPS" 2>/dev/null || true
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
