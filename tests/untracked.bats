#!/usr/bin/env bats
# fds the shim must leave alone: no sync_file_range, no fadvise, ever.
load common

@test "pipe: no writeback calls" {
	trace_shim "$WORK/t" sh -c "dd if=/dev/zero bs=1M count=40 status=none | cat >/dev/null"
	[ ! -s "$WORK/t" ]
}

@test "socket: no writeback calls" {
	trace_shim "$WORK/t" python3 -c '
import os, socket, threading
a, b = socket.socketpair()
def drain():
    while b.recv(1 << 20): pass
t = threading.Thread(target=drain); t.start()
chunk = b"x" * (1 << 20)
for _ in range(40): os.write(a.fileno(), chunk)
a.close(); t.join()'
	[ ! -s "$WORK/t" ]
}

@test "/dev/null (a character device): no writeback calls" {
	trace_shim "$WORK/t" dd if=/dev/zero of=/dev/null bs=1M count=40 status=none
	[ ! -s "$WORK/t" ]
}

@test "tmpfs: no writeback calls (DONTNEED there can push pages to swap)" {
	if [ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ]; then
		dir=/dev/shm
	else
		require_root "mounting a tmpfs"
		mkdir "$WORK/tmpfs" && mount -t tmpfs -o size=64m tmpfs "$WORK/tmpfs"
		dir=$WORK/tmpfs
	fi
	trace_shim "$WORK/t" dd if=/dev/zero of="$dir/wbshim-test.$$" bs=1M count=40 status=none
	rm -f "$dir/wbshim-test.$$"
	! mountpoint -q "$WORK/tmpfs" 2>/dev/null || umount "$WORK/tmpfs"
	[ ! -s "$WORK/t" ]
}

@test "O_DIRECT: no writeback calls" {
	require_disk_fs
	if ! dd if=/dev/zero of="$WORK/probe" bs=1M count=1 oflag=direct status=none 2>/dev/null; then
		skip "this filesystem refuses O_DIRECT"
	fi
	trace_shim "$WORK/t" dd if=/dev/zero of="$WORK/out" bs=1M count=40 oflag=direct status=none
	[ ! -s "$WORK/t" ]
}

@test "O_SYNC and O_DSYNC: no writeback calls (already written back on return)" {
	require_disk_fs
	trace_shim "$WORK/t" dd if=/dev/zero of="$WORK/out" bs=1M count=24 oflag=dsync status=none
	[ ! -s "$WORK/t" ]
	trace_shim "$WORK/t" dd if=/dev/zero of="$WORK/out" bs=1M count=24 oflag=sync status=none
	[ ! -s "$WORK/t" ]
}

@test "untracked fd: exactly one classification syscall for its whole life" {
	# 1000 writes from dd to a pipe: the shim adds a single statx (or fstat) of fd 1, nothing else.
	calls='trace=statx,fstat,newfstatat,fcntl,fstatfs,lseek,sync_file_range,fadvise64'
	strace -qq -o "$WORK/plain" -e "$calls" dd if=/dev/zero bs=4k count=1000 status=none | cat >/dev/null
	strace -qq -o "$WORK/shim" -E LD_PRELOAD="$PRELOAD" -e "$calls" \
		dd if=/dev/zero bs=4k count=1000 status=none | cat >/dev/null
	plain=$(grep -c '^[a-z0-9_]*(1,' "$WORK/plain" || true)
	shimmed=$(grep -c '^[a-z0-9_]*(1,' "$WORK/shim" || true)
	echo "calls on fd 1: plain=$plain shimmed=$shimmed"
	[ "$shimmed" -eq $((plain + 1)) ]
}
