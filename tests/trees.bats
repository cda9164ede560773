#!/usr/bin/env bats
# Trees of small files: what the shim costs per file, and that the shortcuts behind
# that cost (what the open door saw, the kind of each mount remembered) stay right.

load common

# strace -f of COMMAND into OUT, every call or those of $TRACE; its own output only.
traced() {   # OUT preload-or-empty CMD...
	local out=$1 preload=$2
	shift 2
	strace -f -qq -e signal=none -o "$out" ${preload:+-E LD_PRELOAD="$preload"} \
		${TRACE:+-e trace=$TRACE} "$@"
}

# Per-file calls of classification that the shim makes no longer: fstatfs (asked once
# per mount), fcntl(F_GETFL) (the open door saw the flags), lseek (a new write-only fd
# is at offset 0). strace -f of COMMAND; prints the count. The check of the closed-file
# queue's own transient descriptor (read-only, O_NOATIME) is not classification: left out.
classification_calls() {   # OUT preload-or-empty CMD...
	TRACE=fstatfs,fcntl,lseek traced "$@"
	grep -E '^[0-9]+ +(fstatfs\(|lseek\(|fcntl\([0-9]+, F_GETFL)' "$1" | grep -vc 'O_NOATIME' || true
}

@test "a tree of 2,000 small files: no fstatfs, F_GETFL or lseek per file" {
	require_disk_fs
	mkdir "$WORK/src"
	head -c $((2000 * 4096)) /dev/urandom | split -b 4096 -a 4 -d - "$WORK/src/f"
	plain=$(classification_calls "$WORK/plain" "" cp -r "$WORK/src" "$WORK/plain.d")
	shimmed=$(classification_calls "$WORK/shim" "$PRELOAD" cp -r "$WORK/src" "$WORK/shim.d")
	# Before: 5 per file (fstatfs and F_GETFL of source and destination, one lseek).
	# Now: one fstatfs per mount, plus closed files' checks (at most one per file
	# still in flight at exit, a few dozen): well under one per 20 files.
	echo "fstatfs + F_GETFL + lseek for 2000 files: plain=$plain shimmed=$shimmed"
	[ "$((shimmed - plain))" -le 100 ]
	diff -r "$WORK/src" "$WORK/shim.d"
}

# Every system call of COMMAND under strace -f, counted (strace -c leaves out the
# calls it has no name for, cachestat among them).
all_calls() {   # OUT preload-or-empty CMD...
	traced "$@"
	grep -cE '^[0-9]+ +[a-z_0-9]+\(' "$1"
}

calls_named() {   # TRACE NAME: how many NAME( calls
	grep -cE "^[0-9]+ +$2\\(" "$1" || true
}

@test "a tree of 4,000 files of 4 KiB copied by cp -r: at most 6 system calls more per file" {
	require_disk_fs
	mkdir "$WORK/src"
	head -c $((4000 * 4096)) /dev/urandom | split -b 4096 -a 4 -d - "$WORK/src/f"
	plain=$(all_calls "$WORK/plain" "" cp -r "$WORK/src" "$WORK/plain.d")
	shimmed=$(all_calls "$WORK/shim" "$PRELOAD" cp -r "$WORK/src" "$WORK/shim.d")
	echo "system calls for 4000 files: plain=$plain shimmed=$shimmed"
	grep -oE '^[0-9]+ +[a-z_0-9]+' "$WORK/shim" | awk '{print $2}' | sort | uniq -c | sort -rn | head -12
	[ "$((shimmed - plain))" -le $((6 * 4000)) ]
	# Where the saving comes from: no process id asked (no child shares our memory),
	# no /proc link read (the open door saw the name), no source classified (each is
	# read whole within a piece), no destination either (cp's own fstat of it is used).
	# None of them per file (a sanitizer's runtime makes a few of its own).
	[ "$(calls_named "$WORK/shim" getpid)" -le 20 ]
	[ "$(calls_named "$WORK/shim" readlinkat)" -le 20 ]
	[ "$(calls_named "$WORK/shim" statx)" -le 20 ]
	# ... and the files still leave the cache: the queue opened them by their names.
	grep -qE 'openat\(AT_FDCWD, "/.*/shim\.d/f[0-9]+", O_RDONLY\|O_NOCTTY\|O_NONBLOCK\|O_NOATIME' "$WORK/shim"
	diff -r "$WORK/src" "$WORK/shim.d"
}

@test "cp -r into a relative directory it opened before writing: its name is read once, not per file" {
	require_disk_fs
	mkdir "$WORK/src" "$WORK/dst"
	head -c $((2000 * 4096)) /dev/urandom | split -b 4096 -a 4 -d - "$WORK/src/f"
	# cp opens "dst" (O_PATH, relative) before the process has written anything,
	# then each file relative to that descriptor.
	(cd "$WORK" && LD_PRELOAD="$PRELOAD" strace -f -qq -e signal=none -o "$WORK/t" \
		-e trace=openat,readlinkat cp -r src/. dst)
	diff -r "$WORK/src" "$WORK/dst"
	grep -qE "openat\(AT_FDCWD, \"$WORK/dst/(\./)?f[0-9]+\", O_RDONLY\|O_NOCTTY\|O_NONBLOCK\|O_NOATIME" "$WORK/t"
	[ "$(calls_named "$WORK/t" readlinkat)" -le 20 ]
}

@test "rsync -a: temporary names followed to the final ones by name, no /proc link read" {
	require_disk_fs
	command -v rsync >/dev/null || skip "rsync is not installed"
	mkdir "$WORK/src" "$WORK/dst"
	head -c $((3000 * 4096)) /dev/urandom | split -b 4096 -a 4 -d - "$WORK/src/f"
	LD_PRELOAD="$PRELOAD" strace -f -qq -e signal=none -o "$WORK/t" \
		-e trace=openat,readlinkat,newfstatat,renameat,rename rsync -a "$WORK/src/" "$WORK/dst/"
	diff -r "$WORK/src" "$WORK/dst"
	# The queue opened the files again by their final names, never by temporary ones.
	grep -qE "openat\(AT_FDCWD, \"$WORK/dst/(\./)?f[0-9]+\", O_RDONLY\|O_NOCTTY\|O_NONBLOCK\|O_NOATIME" "$WORK/t"
	! grep -qE "openat\(AT_FDCWD, \"$WORK/dst/(\./)?\.f[0-9]+\.[^\"]+\", O_RDONLY\|O_NOCTTY\|O_NONBLOCK\|O_NOATIME" "$WORK/t"
	[ "$(calls_named "$WORK/t" readlinkat)" -eq 0 ]
}

@test "a name taken at the open stays right across a chdir, and a relative open after one" {
	require_disk_fs
	mkdir "$WORK/a" "$WORK/b"
	cat >"$WORK/chdir.py" <<'EOF'
import os, sys
block = os.urandom(1 << 20)
os.chdir(sys.argv[1] + "/a")
f = open("one", "wb")            # relative to a/
os.chdir(sys.argv[1] + "/b")     # the name must not become b/one
for _ in range(24): f.write(block)
f.close()
g = open("two", "wb")            # relative to b/
for _ in range(24): g.write(block)
g.close()
EOF
	LD_PRELOAD="$PRELOAD" strace -f -qq -e signal=none -o "$WORK/t" -e trace=openat,readlinkat \
		python3 "$WORK/chdir.py" "$WORK"
	grep -q "openat(AT_FDCWD, \"$WORK/a/one\", O_RDONLY|O_NOCTTY|O_NONBLOCK|O_NOATIME" "$WORK/t"
	grep -q "openat(AT_FDCWD, \"$WORK/b/two\", O_RDONLY|O_NOCTTY|O_NONBLOCK|O_NOATIME" "$WORK/t"
	! grep -q "openat(AT_FDCWD, \"$WORK/b/one\"" "$WORK/t"
	[ "$(calls_named "$WORK/t" readlinkat)" -eq 0 ]
	# Both written whole. (What stayed cached depends on the disk's speed at exit,
	# where the queue drops without waiting: not asserted here.)
	[ "$(stat -c %s "$WORK/a/one")" -eq $((24 * 1024 * 1024)) ]
	[ "$(stat -c %s "$WORK/b/two")" -eq $((24 * 1024 * 1024)) ]
}

@test "a small file read whole is never classified; its reader asks no statx of it" {
	require_disk_fs
	head -c 4096 /dev/urandom >"$WORK/small"
	LD_PRELOAD="$PRELOAD" strace -f -qq -e signal=none -o "$WORK/t" -e trace=openat,statx,read \
		cat "$WORK/small" >"$WORK/copy"
	fd=$(grep -oE "openat\(AT_FDCWD, \"$WORK/small\".* = [0-9]+" "$WORK/t" | grep -oE '[0-9]+$')
	[ -n "$fd" ]
	! grep -qE "statx\($fd, \"\"" "$WORK/t"
	cmp "$WORK/small" "$WORK/copy"
}

# The first sync_file_range's offset on the data file: where the shim believes the
# first chunk went.
first_kick_offset() {   # trace-file
	grep -m1 -oE '^sync_file_range\([0-9]+, [0-9]+' "$1" | sed -E 's/.*, //'
}

# The first kick in TRACE is at or past byte AT (a kick at 0 would be a guess).
first_kick_at_least() {   # TRACE AT
	local off
	off=$(first_kick_offset "$1")
	echo "first kick at ${off:-none} (expected >= $2)"
	[ -n "$off" ]
	[ "$off" -ge "$2" ]
}

# The open door notes what it saw only where the fd table already has a page (a
# process that has classified an fd before): each script below writes a byte to a
# file of its own first, so that its data file's open is noted.
WARM='open(sys.argv[1] + ".warm", "w").write("x")'

@test "lseek before the first write: kicks follow the data, not offset 0" {
	require_disk_fs
	# A new write-only fd, moved 64 MiB in by lseek before its first write of 16 MiB.
	trace_shim "$WORK/t" python3 -c "import os, sys; $WARM"'
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
os.lseek(fd, 64 * 1048576, os.SEEK_SET)
block = b"x" * 1048576
for _ in range(16):
    os.write(fd, block)
' "$WORK/out"
	first_kick_at_least "$WORK/t" $((64 * MiB))
}

@test "written first through a dup: the original's writes are placed where the kernel put them" {
	require_disk_fs
	# fd and its dup share one offset: 16 MiB through the dup, then 16 MiB through fd.
	trace_shim "$WORK/t" python3 -c "import os, sys; $WARM"'
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
dup = os.dup(fd)
block = b"x" * 1048576
for _ in range(16):
    os.write(dup, block)
for _ in range(16):
    os.write(fd, block)
print(fd, file=open(sys.argv[2], "w"))
' "$WORK/out" "$WORK/fd"
	fd=$(cat "$WORK/fd")
	grep "^sync_file_range($fd, " "$WORK/t" >"$WORK/t.fd" || true
	echo "fd $fd"
	first_kick_at_least "$WORK/t.fd" $((16 * MiB))
}

@test "O_APPEND set by fcntl before the first write: kicks at end of file, not at 0" {
	require_disk_fs
	head -c $((16 * MiB)) /dev/zero >"$WORK/out"
	trace_shim "$WORK/t" python3 -c "import fcntl, os, sys; $WARM"'
fd = os.open(sys.argv[1], os.O_WRONLY)
fcntl.fcntl(fd, fcntl.F_SETFL, os.O_APPEND)
block = b"x" * 1048576
for _ in range(16):
    os.write(fd, block)
' "$WORK/out"
	first_kick_at_least "$WORK/t" $((16 * MiB))
}

@test "a tmpfs unmounted and an overlay mounted in its place (same st_dev): each classified by its own kind" {
	require_root "mounting tmpfs and overlay"
	require_disk_fs
	mkdir "$WORK/lower" "$WORK/upper" "$WORK/work" "$WORK/m"
	# One process writes on both, so a kind remembered from the first must not be
	# taken for the second. (The overlay is unmounted after the process exits.) The kernel gives the overlay the tmpfs's freed device
	# number (the lowest free one), unless another mount takes it in between.
	trace_shim "$WORK/t" python3 -c '
import os, subprocess, sys
w = sys.argv[1]
m = w + "/m"
def write(path):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    for _ in range(24):
        os.write(fd, b"x" * 1048576)
    os.close(fd)
    st = os.stat(path)
    print(path, os.major(st.st_dev), os.minor(st.st_dev), file=sys.stderr)
subprocess.run(["mount", "-t", "tmpfs", "tmpfs", m], check=True)
try:
    write(m + "/a")
finally:
    subprocess.run(["umount", m], check=True)
opts = "lowerdir=%s/lower,upperdir=%s/upper,workdir=%s/work" % (w, w, w)
subprocess.run(["mount", "-t", "overlay", "overlay", "-o", opts, m], check=True)
write(m + "/b")
' "$WORK" 2>"$WORK/devs" || { umount "$WORK/m" 2>/dev/null; cat "$WORK/devs"; false; }
	umount "$WORK/m"
	cat "$WORK/devs"
	kicks=$(count_lines '^sync_file_range' "$WORK/t")
	echo "sync_file_range calls: $kicks (24 MiB on the overlay: at least 4 chunks of 4 MiB)"
	[ "$kicks" -ge 4 ]
}
