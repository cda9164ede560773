#!/usr/bin/env bats
# Closed files stay in the pipeline, noted by name: nothing the program or others
# can observe changes (fd numbers, close events, locks, limits, exec, fork), and
# what was written leaves the cache.
load common

# both CASE [ULIMIT]: run wbkeep CASE plainly and under the shim (1 MiB chunks, so
# that every 8 MiB file it writes is kept after its close); set $plain and $shimmed.
both() {
	local limit=${2:-$(ulimit -n)}
	mkdir -p "$WORK/plain" "$WORK/shim"
	plain=$(ulimit -n "$limit" && "$BIN/wbkeep" "$1" "$WORK/plain")
	shimmed=$(ulimit -n "$limit" && WBSHIM_CHUNK=1M LD_PRELOAD="$PRELOAD" \
		"$BIN/wbkeep" "$1" "$WORK/shim")
	echo "plain: $plain"
	echo "shim:  $shimmed"
}

# How many closed files' names the shim read from /proc/self/fd (only where the name
# the open door saw is doubtful).
names_read() {
	count_lines 'readlinkat(AT_FDCWD, "/proc/self/fd/' "$1"
}

# How many times the closed-file queue opened a noted file again (strace of openat).
reopened() {
	count_lines 'O_RDONLY|O_NOCTTY|O_NONBLOCK|O_NOATIME|O_CLOEXEC) = ' "$1"
}

@test "fd numbers: the next open, dup and socket get the numbers they get without the shim" {
	require_disk_fs
	both numbers
	[ "$shimmed" = "$plain" ]
}

@test "RLIMIT_NOFILE: a program opening up to its limit after writing files gets as far" {
	require_disk_fs
	both limit 256
	[ "$shimmed" = "$plain" ]
	# ...and the files really were noted: the shim had work pending for them.
	(ulimit -n 256; WBSHIM_CHUNK=1M strace -f -qq -o "$WORK/t" -e trace=openat \
		-E LD_PRELOAD="$PRELOAD" "$BIN/wbkeep" limit "$WORK/shim")
	[ "$(reopened "$WORK/t")" -ge 1 ]
}

@test "inotify: IN_CLOSE_WRITE is queued by the time the writer's close returns" {
	require_disk_fs
	both inotify
	[ "$shimmed" = "close_write=seen" ]
	[ "$plain" = "$shimmed" ]
}

@test "POSIX locks: a lock taken on a re-opened file survives the shim's queue" {
	require_disk_fs
	both lock
	[ "$plain" = "lock=held" ]
	[ "$shimmed" = "lock=held" ]
}

@test "a file unlinked before its close is not noted: nothing to write back" {
	require_disk_fs
	WBSHIM_CHUNK=1M strace -f -qq -o "$WORK/t" -e trace=openat,unlink,unlinkat,readlinkat \
		-E LD_PRELOAD="$PRELOAD" "$BIN/wbkeep" unlink "$WORK"
	cat "$WORK/t"
	# The unlinked one's name was read at its close (an unlink since its open makes
	# the name taken there doubtful), and it was let go, never opened again; the
	# other's was the one its open gave.
	[ "$(names_read "$WORK/t")" -eq 1 ]
	[ "$(count_lines 'doomed", O_RDONLY' "$WORK/t")" -eq 0 ]
	[ "$(count_lines 'kept", O_RDONLY' "$WORK/t")" -ge 1 ]
}

@test "fork and exec: the shim's descriptors reach neither a child nor an exec'd program" {
	require_disk_fs
	both exec
	[ "$shimmed" = "$plain" ]
}

@test "close through syscall(SYS_close) is seen: the file is handed over, the number is free" {
	require_disk_fs
	WBSHIM_CHUNK=1M strace -f -qq -o "$WORK/t" -e trace=openat,fadvise64 \
		-E LD_PRELOAD="$PRELOAD" "$BIN/wbpattern" sysclose "$WORK/out" 16
	[ "$(reopened "$WORK/t")" -ge 1 ]
	[ "$(resident_bytes "$WORK/out")" -le $((5 * MiB)) ]
}

@test "rewrite shifted by an odd offset, reading ahead on a second fd: no folio survives" {
	require_disk_fs
	WBSHIM_CHUNK=4M LD_PRELOAD="$PRELOAD" "$BIN/wbpattern" faststart "$WORK/out" 128
	cached=$(resident_bytes "$WORK/out")
	echo "cached=$cached"
	[ "$cached" -le $((5 * 4 * MiB)) ]
}

@test "trees: cp -r and tar -x of small and medium files stay within the budget" {
	require_disk_fs
	mkdir "$WORK/src"
	for i in $(seq 1 100); do head -c 300K /dev/urandom >"$WORK/src/s$i"; done
	for i in $(seq 1 12); do head -c 2M /dev/urandom >"$WORK/src/m$i"; done
	tar -C "$WORK/src" -cf "$WORK/a.tar" .
	for tool in cp tar; do
		mkdir "$WORK/$tool"
		case $tool in
		cp) WBSHIM_CHUNK=1M LD_PRELOAD="$PRELOAD" cp -r "$WORK/src/." "$WORK/$tool" ;;
		tar) WBSHIM_CHUNK=1M LD_PRELOAD="$PRELOAD" tar -C "$WORK/$tool" -xf "$WORK/a.tar" ;;
		esac
		cached=0
		for f in "$WORK/$tool"/*; do cached=$((cached + $(resident_bytes "$f"))); done
		echo "$tool: $cached bytes of 53 MiB cached"
		# The first chunk's worth of files precedes the budget: 1 MiB, plus 4 in flight.
		[ "$cached" -le $((1 * MiB + 300 * 1024 + 4 * MiB + 2 * MiB)) ]
	done
	diff -r "$WORK/src" "$WORK/cp"
	diff -r "$WORK/src" "$WORK/tar"
}

@test "trees: rsync -a (temporary name, then rename) stays within the budget" {
	require_disk_fs
	command -v rsync >/dev/null || skip "rsync is not installed"
	mkdir "$WORK/src"
	for i in $(seq 1 100); do head -c 300K /dev/urandom >"$WORK/src/s$i"; done
	WBSHIM_CHUNK=1M LD_PRELOAD="$PRELOAD" rsync -a "$WORK/src/" "$WORK/dst/"
	cached=0
	for f in "$WORK/dst"/*; do cached=$((cached + $(resident_bytes "$f"))); done
	echo "rsync: $cached bytes of 29 MiB cached"
	[ "$cached" -le $((2 * MiB + 4 * MiB + 2 * MiB)) ]
	diff -r "$WORK/src" "$WORK/dst"
}
