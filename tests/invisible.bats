#!/usr/bin/env bats
# Invisible: after a program closes a file it wrote, nothing of it stays open in
# the process; writeback errors reach the program and everyone else as without
# the shim; only what the program wrote leaves the cache. Each test compares a
# run under the shim with a plain run of the same commands.
load common
load rigs

INVISIBLE="$BIN/wbinvisible"

# run_idle SIDE PATH MIB: start wbinvisible idle in the background (plainly or under
# the shim, 1 MiB chunks so that the file is handed over at close), wait until it
# has closed its file, then one more second. Its output goes through a pipe, as to
# a terminal: a write to a file would be a write the shim could act on. Sets IDLE_PID.
run_idle() {
	local side=$1 path=$2 mib=$3 out=$WORK/idle.$1
	if [ "$side" = shim ]; then
		WBSHIM_CHUNK=1M LD_PRELOAD="$PRELOAD" "$INVISIBLE" idle "$path" "$mib" 60 > >(cat >"$out") &
	else
		"$INVISIBLE" idle "$path" "$mib" 60 > >(cat >"$out") &
	fi
	IDLE_PID=$!
	for _ in $(seq 1 200); do
		grep -q closed "$out" && break
		sleep 0.1
	done
	grep -q closed "$out"
	sleep 1
}

stop_idle() {
	kill "$IDLE_PID" 2>/dev/null || true
	wait "$IDLE_PID" 2>/dev/null || true
}

@test "an idle process 1 s after its last close: nothing of the file is open, the filesystem unmounts" {
	require_root "a loop-mounted ext4"
	make_loop 256M
	mount_ext4 "$DEV" "$WORK/mnt"
	for side in plain shim; do
		run_idle $side "$WORK/mnt/f" 8
		held=$(ls -l "/proc/$IDLE_PID/fd" | grep -c "$WORK/mnt" || true)
		rc=0
		umount "$WORK/mnt" || rc=$?
		stop_idle
		echo "$side: descriptors of the file held: $held; umount status $rc"
		eval "${side}_held=$held ${side}_rc=$rc"
		[ "$rc" -ne 0 ] || mount "$DEV" "$WORK/mnt"
	done
	[ "$plain_rc" -eq 0 ]
	[ "$shim_rc" -eq 0 ]
	[ "$shim_held" -eq "$plain_held" ]
	[ "$shim_held" -eq 0 ]
}

@test "a file unlinked while its writer idles frees its space, as without the shim" {
	require_root "a loop-mounted ext4"
	make_loop 256M
	mount_ext4 "$DEV" "$WORK/mnt"
	for side in plain shim; do
		before=$(stat -f -c '%a * %S' "$WORK/mnt")
		run_idle $side "$WORK/mnt/f" 64
		rm "$WORK/mnt/f"
		sleep 1
		after=$(stat -f -c '%a * %S' "$WORK/mnt")
		deleted=$(ls -l "/proc/$IDLE_PID/fd" | grep -c deleted || true)
		stop_idle
		lost=$(($before - $after))
		echo "$side: bytes not freed after the unlink: $lost; deleted files held: $deleted"
		eval "${side}_lost=$lost ${side}_deleted=$deleted"
	done
	[ "$shim_deleted" -eq 0 ]
	[ "$shim_lost" -le $((plain_lost + MiB)) ]
}

# The writer of the error rig: overwrite the first 16 MiB of FILE in place, in
# 1 MiB writes; then, by MODE: exit (without fsync), print close()'s result, or
# open the file again and print fsync()'s.
ERROR_WRITER='
import os, sys
mode, path = sys.argv[1], sys.argv[2]
fd = os.open(path, os.O_WRONLY)
buf = b"o" * (1 << 20)
for _ in range(16):
    os.write(fd, buf)
try:
    os.close(fd)
    closed = "close ok"
except OSError as e:
    closed = "close " + e.strerror
if mode == "close":
    print(closed)
elif mode == "reopen":
    fd = os.open(path, os.O_WRONLY)
    try:
        os.fsync(fd)
        print("fsync ok")
    except OSError as e:
        print("fsync " + e.strerror)
    os.close(fd)'

# error_case MODE: the error rig, once plainly and once under the shim; sets
# plain/shim to what the writer printed, its exit status, and (for MODE exit)
# what a later `sync FILE` said.
error_case() {
	local mode=$1 side out
	for side in plain shim; do
		make_unseen_error_rig
		if [ $side = shim ]; then
			run env WBSHIM_CHUNK=1M LD_PRELOAD="$PRELOAD" python3 -c "$ERROR_WRITER" "$mode" "$RIG_FILE"
		else
			run python3 -c "$ERROR_WRITER" "$mode" "$RIG_FILE"
		fi
		out="writer $status: $output"
		if [ "$mode" = exit ]; then
			run sync "$RIG_FILE"
			out="$out; sync $status: ${output##*: }"
		fi
		teardown_rigs
		echo "$side: $out"
		eval "$side=\$out"
	done
}

@test "an error nobody has seen: the writer exits without fsync, a later sync FILE reports it as without the shim" {
	require_root "loop devices, tmpfs and ext4 mounts"
	error_case exit
	[[ "$plain" == *"sync 1"* ]] || skip "the rig produced no writeback error without the shim: $plain"
	[ "$shim" = "$plain" ]
}

@test "an error nobody has seen: close() returns what it returns without the shim" {
	require_root "loop devices, tmpfs and ext4 mounts"
	error_case close
	[ "$shim" = "$plain" ]
	[[ "$plain" == *"close ok"* ]] || skip "close failed without the shim too: $plain"
}

@test "an error nobody has seen: the writer opens the file again and fsync reports it as without the shim" {
	require_root "loop devices, tmpfs and ext4 mounts"
	error_case reopen
	[[ "$plain" != *"fsync ok"* ]] || skip "the rig produced no writeback error without the shim: $plain"
	[ "$shim" = "$plain" ]
}

@test "a POSIX lock taken with syscall(SYS_fcntl, F_SETLK) stays while other files are written and closed" {
	require_disk_fs
	mkdir "$WORK/plain" "$WORK/shim"
	plain=$("$INVISIBLE" lock "$WORK/plain")
	shimmed=$(WBSHIM_CHUNK=1M LD_PRELOAD="$PRELOAD" "$INVISIBLE" lock "$WORK/shim")
	echo "plain: $plain shim: $shimmed"
	[ "$plain" = "lock=held" ]
	[ "$shimmed" = "$plain" ]
}

@test "a write lease on a file written then closed: close returns at once, no SIGIO" {
	require_disk_fs
	require_root "F_SETLEASE on a file of another owner needs CAP_LEASE"
	run "$INVISIBLE" lease "$WORK/plain"
	plain="$status $output"
	WBSHIM_CHUNK=1M run env LD_PRELOAD="$PRELOAD" "$INVISIBLE" lease "$WORK/shim"
	shimmed="$status $output"
	echo "plain: $plain"
	echo "shim:  $shimmed"
	[ "$shimmed" = "$plain" ]
	[[ "$shimmed" == "0 close=prompt"*alive ]]
}

# A writer under the shim: 8 MiB to f1, closed; then "ready", and once "go" exists,
# 24 MiB to f2, which makes the shim settle f1 (open it again by name, drop it).
CLOSED_THEN_MORE='
import os, sys, time
d = sys.argv[1]
block = b"x" * (1 << 20)
with open(os.path.join(d, "f1"), "wb") as f:
    for _ in range(8):
        f.write(block)
open(os.path.join(d, "ready"), "w").close()
while not os.path.exists(os.path.join(d, "go")):
    time.sleep(0.01)
with open(os.path.join(d, "f2"), "wb") as f:
    for _ in range(24):
        f.write(block)
'

# Another program takes a write lease on f1 once it is closed, then says "go"; after
# 3 s it prints whether a break started (SIGIO) and the lease it holds (1: F_WRLCK).
LEASE_HOLDER='
import fcntl, os, signal, sys, time
got = []
signal.signal(signal.SIGIO, lambda s, f: got.append(1))
d = sys.argv[1]
while not os.path.exists(os.path.join(d, "ready")):
    time.sleep(0.01)
fd = os.open(os.path.join(d, "f1"), os.O_RDONLY)
fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_WRLCK)
open(os.path.join(d, "go"), "w").close()
time.sleep(3)
print("sigio", len(got), "lease", fcntl.fcntl(fd, fcntl.F_GETLEASE))
'

# Another program puts a FIFO where f1 was, says "go" and opens it for writing,
# which blocks until someone opens it for reading: nobody, without the shim.
FIFO_PUTTER='
import os, signal, sys, time
d = sys.argv[1]
signal.signal(signal.SIGALRM, lambda s, f: (print("still blocked"), os._exit(0)))
signal.alarm(3)
while not os.path.exists(os.path.join(d, "ready")):
    time.sleep(0.01)
os.unlink(os.path.join(d, "f1"))
os.mkfifo(os.path.join(d, "f1"))
open(os.path.join(d, "go"), "w").close()
fd = os.open(os.path.join(d, "f1"), os.O_WRONLY)
print("let through")
'

# other_side SCRIPT DIR: the other program's output, with the writer run beside it.
other_side() {
	local out=$2/other.out
	python3 -c "$1" "$2" >"$out" &
	WBSHIM_CHUNK=1M LD_PRELOAD="$PRELOAD" python3 -c "$CLOSED_THEN_MORE" "$2"
	wait
	cat "$out"
}

@test "another program's write lease on a file we closed is never broken (no SIGIO, still held)" {
	require_disk_fs
	mkdir "$WORK/d"
	result=$(other_side "$LEASE_HOLDER" "$WORK/d")
	echo "$result"
	[ "$result" = "sigio 0 lease 1" ]
}

@test "a FIFO put in the place of a file we closed is never opened (a blocked writer stays blocked)" {
	require_disk_fs
	mkdir "$WORK/d"
	result=$(other_side "$FIFO_PUTTER" "$WORK/d")
	echo "$result"
	[ "$result" = "still blocked" ]
}

# Writes files, runs a Python subprocess (vfork: its child runs close_range in our
# memory) while one file is open, writes on, and prints its fd count before and after.
VFORK_WRITER='
import os, subprocess, sys
d = sys.argv[1]
buf = b"v" * (1 << 20)
def write(name, mib):
    fd = os.open(os.path.join(d, name), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    for _ in range(mib):
        os.write(fd, buf)
    return fd
before = len(os.listdir("/proc/self/fd"))
still_open = write("open", 8)
for i in range(3):
    os.close(write("c%d" % i, 8))
subprocess.run(["true"], check=True)
for _ in range(8):
    os.write(still_open, buf)
os.close(still_open)
for i in range(3, 6):
    os.close(write("c%d" % i, 8))
print(before, len(os.listdir("/proc/self/fd")))'

@test "Python subprocess (vfork) after writing files: the child touches nothing, the files are dropped, nothing leaks" {
	require_disk_fs
	mkdir "$WORK/plain" "$WORK/shim"
	plain=$(python3 -c "$VFORK_WRITER" "$WORK/plain")
	WBSHIM_CHUNK=1M strace -f -qq -o "$WORK/t" -E LD_PRELOAD="$PRELOAD" \
		python3 -c "$VFORK_WRITER" "$WORK/shim" >"$WORK/out"
	shimmed=$(cat "$WORK/out")
	echo "fds before/after: plain $plain shim $shimmed"
	[ "$shimmed" = "$plain" ]
	# The child shared our memory: it was made by vfork (or clone with CLONE_VFORK).
	grep -Eq 'vfork\(|CLONE_VFORK' "$WORK/t"
	child=$(grep -E 'execve\("[^"]*/true"' "$WORK/t" | awk '{print $1}' | head -1)
	echo "child pid: $child"
	[ -n "$child" ]
	grep -E "^$child " "$WORK/t" | grep -E 'sync_file_range|fadvise64|readlinkat|syscall_0x1c3|cachestat' >"$WORK/child" || true
	cat "$WORK/child"
	[ "$(count_lines . "$WORK/child")" -eq 0 ]
	cached=0
	for f in "$WORK/shim"/*; do cached=$((cached + $(resident_bytes "$f"))); done
	echo "cached: $cached of 64 MiB"
	[ "$cached" -le $((8 * MiB)) ]
}

@test "dup2 onto a number only one thread uses, while another writes and closes files: no descriptor lost in 10 s" {
	require_disk_fs
	plain=$("$INVISIBLE" race "$WORK" 2)
	rm -f "$WORK"/f*
	shimmed=$(WBSHIM_CHUNK=1M LD_PRELOAD="$PRELOAD" "$INVISIBLE" race "$WORK" 10)
	echo "plain: $plain shim: $shimmed"
	[ "$plain" = "lost=0" ]
	[ "$shimmed" = "lost=0" ]
}

@test "EMFILE: near RLIMIT_NOFILE, pipe() and socket() succeed as without the shim" {
	require_disk_fs
	mkdir "$WORK/plain" "$WORK/shim"
	plain=$(ulimit -n 256 && "$INVISIBLE" emfile "$WORK/plain")
	shimmed=$(ulimit -n 256 && WBSHIM_CHUNK=1M LD_PRELOAD="$PRELOAD" "$INVISIBLE" emfile "$WORK/shim")
	echo "plain: $plain"
	echo "shim:  $shimmed"
	[ "$plain" = "last=252 pipe=ok socket=ok" ]
	[ "$shimmed" = "$plain" ]
}

@test "bash builtins through a redirection (exec 3>log; printf >&3): no descriptor of the log held" {
	require_disk_fs
	# 30000 lines of about 60 bytes: past a 1 MiB chunk, so every close takes part.
	script='exec 3>"$1"
	for ((i = 0; i < 30000; i++)); do printf "%s %d\n" "a line of the log, long enough to add up" $i >&3; done
	ls -l /proc/$$/fd | grep -c "$1"'
	plain=$(bash -c "$script" bash "$WORK/plain.log")
	shimmed=$(WBSHIM_CHUNK=1M LD_PRELOAD="$PRELOAD" bash -c "$script" bash "$WORK/shim.log")
	echo "descriptors of the log: plain $plain shim $shimmed"
	cmp "$WORK/plain.log" "$WORK/shim.log"
	[ "$plain" -eq 1 ]
	[ "$shimmed" -eq "$plain" ]
}

@test "close() opens nothing: no openat between the program's close entry and its return" {
	require_disk_fs
	WBSHIM_CHUNK=1M strace -f -qq -o "$WORK/t" -e trace=openat,write,close \
		-E LD_PRELOAD="$PRELOAD" dd if=/dev/zero of="$WORK/out" bs=1M count=8 status=none
	# What the shim did inside close(1): everything after dd's last write to 1.
	awk '/^[0-9]+ +write\(1,/ { n = NR } { line[NR] = $0 }
	     /^[0-9]+ +close\(1\)/ { for (i = n + 1; i < NR; i++) print line[i]; exit }' \
		"$WORK/t" >"$WORK/inside"
	cat "$WORK/inside"
	grep -q 'close(1)' "$WORK/t"
	[ "$(count_lines openat "$WORK/inside")" -eq 0 ]
}

@test "a patch of 8 MiB in the middle of a 256 MiB file another process keeps cached: the rest stays cached" {
	require_disk_fs
	head -c $((256 * MiB)) /dev/zero >"$WORK/big"
	# Benchmarks on a shared machine write drop_caches: a run during which the
	# page cache was dropped by someone else is repeated.
	for try in 1 2 3 4 5 6 7 8 9 10; do
		stamp=$(grep '^drop_pagecache ' /proc/vmstat)
		cat "$WORK/big" >/dev/null
		before=$(resident_bytes "$WORK/big")
		WBSHIM_CHUNK=1M strace -f -qq -o "$WORK/t" -e trace=fadvise64 -E LD_PRELOAD="$PRELOAD" \
			dd if=/dev/urandom of="$WORK/big" bs=1M seek=128 count=8 conv=notrunc status=none
		after=$(resident_bytes "$WORK/big")
		[ "$(grep '^drop_pagecache ' /proc/vmstat)" != "$stamp" ] || break
		echo "page cache dropped by another process during run $try; again"
	done
	echo "cached: $before before, $after after the patch (plain keeps all of it)"
	# The kernel's view: every drop of ours lies inside the patched 8 MiB.
	grep DONTNEED "$WORK/t" | sed -E 's/.*fadvise64\([0-9]+, ([0-9]+), ([0-9]+),.*/\1 \2/' >"$WORK/drops"
	cat "$WORK/drops"
	[ "$(count_lines . "$WORK/drops")" -ge 1 ]
	run awk -v lo=$((128 * MiB)) -v hi=$((136 * MiB)) '$1 < lo || $2 == 0 || $1 + $2 > hi { bad = 1 } END { exit bad }' "$WORK/drops"
	[ "$status" -eq 0 ]
	[ "$before" -ge $((200 * MiB)) ]
	[ "$after" -ge $((before - 8 * MiB - 4 * MiB)) ]
	# ...and the patch itself did leave the cache.
	[ "$after" -le $((before - 4 * MiB)) ]
}

@test "a big write and close: no SYNC_FILE_RANGE_WAIT_* and no fsync by the shim" {
	require_disk_fs
	WBSHIM_CHUNK=4M strace -f -qq -o "$WORK/t" -e trace=sync_file_range,fsync,fdatasync \
		-E LD_PRELOAD="$PRELOAD" dd if=/dev/zero of="$WORK/out" bs=1M count=64 status=none
	[ "$(count_lines SYNC_FILE_RANGE_WRITE "$WORK/t")" -ge 10 ]
	[ "$(count_lines WAIT_ "$WORK/t")" -eq 0 ]
	[ "$(count_lines sync\( "$WORK/t")" -eq 0 ]
}
