#!/usr/bin/env bats
# One budget and one pacing rate per device; pacing by the device, never by the
# writer. Oracles: strace of what the shim asks of the kernel.
load common
load rigs

# The shim's calls (cachestat, which this strace may print by number, fadvise,
# sync_file_range) and re-opens made while FILE was open (from its open to its
# close) on any descriptor other than FILE's own.
others_while_open() {   # TRACE FILE
	awk -v path="$2" '
		function num(s,   i, n, d) {   # strace prints the arguments of calls it does not know in hex
			if (s !~ /^0x/)
				return s + 0
			n = 0
			for (i = 3; i <= length(s); i++) {
				d = index("0123456789abcdef", substr(s, i, 1)) - 1
				n = n * 16 + d
			}
			return n
		}
		!fd && index($0, "\"" path "\"") && /open/ && match($0, /= [0-9]+$/) {
			fd = substr($0, RSTART + 2) + 0; next
		}
		fd && $0 ~ ("close\\(" fd "\\)") { exit }
		fd && /open/ && !index($0, "\"" path "\"") && !/\/proc\/self\/fd/ { print; next }
		fd && match($0, /(cachestat|syscall_0x1c3|fadvise64|sync_file_range)\((0x[0-9a-f]+|[0-9]+),/) {
			call = substr($0, RSTART, RLENGTH)
			sub(/^[^(]*\(/, "", call); sub(/,$/, "", call)
			if (num(call) != fd) print
		}' "$1"
}

@test "two devices: 64 MiB closed on a slow disk make no write to another disk wait" {
	require_root "a throttled loop device"
	require_disk_fs
	make_slow_loop 256M 20
	mount_ext4 "$DEV" "$WORK/slow"
	# One process: 64 MiB to the slow disk, closed (its chunks still in flight),
	# then 64 MiB to the disk $WORK is on. Every call is traced: this strace may
	# not know cachestat by name.
	strace -f -qq -e signal=none -o "$WORK/t" -E LD_PRELOAD="$PRELOAD" \
		"$BIN/wbseq" "$WORK/slow/a" 64 1024 0 0 "$WORK/fast" 64 1024 0 0
	others_while_open "$WORK/t" "$WORK/fast" >"$WORK/others"
	echo "calls on other descriptors while the fast file was written: $(wc -l <"$WORK/others")"
	head -20 "$WORK/others"
	[ ! -s "$WORK/others" ]
	# The fast file was driven all the same (the check above can see calls).
	grep -Eq '^[0-9]+ +sync_file_range\([0-9]+, [0-9]+, [0-9]+, SYNC_FILE_RANGE_WRITE\)' "$WORK/t"
	cmp "$WORK/slow/a" "$WORK/fast"
}

@test "two devices: each gets its own rate estimate and budget in the exit summary" {
	require_root "a throttled loop device"
	require_disk_fs
	make_slow_loop 256M 20
	mount_ext4 "$DEV" "$WORK/slow"
	WBSHIM_VERBOSE=1 WBSHIM_LOG="$WORK/log" shim \
		"$BIN/wbseq" "$WORK/slow/a" 32 1024 0 0 "$WORK/fast" 32 1024 0 0
	cat "$WORK/log"
	slow=$(lsblk -dno MAJ:MIN "$DEV" | tr -d ' ')
	grep -Eq "device $slow: written=$((32 * MiB)) rate_mbs=[0-9.]+ rate_from=(device|at_least|guess) pace_sleeps=[0-9]+ pace_ms=[0-9.]+ budget_waits=[0-9]+ budget_wait_ms=[0-9.]+$" "$WORK/log"
	[ "$(grep -c ": device [0-9]*:[0-9]*: written=$((32 * MiB)) " "$WORK/log")" -eq 2 ]
	grep -Eq "close: $WORK/fast bytes=$((32 * MiB)) .* pace_sleeps=[0-9]+ pace_ms=[0-9.]+ rate_mbs=[0-9.]+ rate_from=(device|at_least|guess)$" "$WORK/log"
	# The process's line sums the files' pacing sleeps; two devices: rates on their lines.
	sleeps=$(sed -nE 's/.* pace_sleeps=([0-9]+) .*rate_from=.*/\1/p' "$WORK/log" | awk '{ n += $1 } END { print n + 0 }')
	grep -Eq ": summary: .*; slept [0-9]+ ms in $sleeps pacing sleeps, the devices' rates below$" "$WORK/log"
}

@test "an input-bound writer (bursts, fflush, pauses) is never slept while the device keeps up" {
	require_disk_fs
	# 2 MiB arrive at memory speed in 64 KiB blocks, each flushed, then the input
	# stalls for 50 ms (the program polls, so every nanosleep is the shim's).
	WBSHIM_CHUNK=1M WBSHIM_VERBOSE=1 WBSHIM_LOG="$WORK/log" \
		strace -f -qq -e signal=none -e trace=nanosleep,clock_nanosleep -o "$WORK/t" \
		-E LD_PRELOAD="$PRELOAD" "$BIN/wbseq" "$WORK/out" 64 64 2048 50
	cat "$WORK/log"
	sleeps=$(count_lines nanosleep "$WORK/t")
	waits=$(grep -Eo 'budget_waits=[0-9]+' "$WORK/log" | head -1 | cut -d= -f2)
	echo "sleeps by the shim: $sleeps; waits at the budget: $waits"
	# None, unless the device fell behind (a busy machine writing gigabytes to the
	# same disk): then only the hard line's naps at the budget, never pacing's.
	[ "$sleeps" -eq 0 ] || [ "${waits:-0}" -gt 0 ]
	# It was tracked and driven: the summary is there, with no pacing sleep.
	grep -Eq "close: $WORK/out bytes=$((64 * MiB)) chunks=[1-9][0-9]* .* pace_sleeps=0 " "$WORK/log"
}

@test "a download whose blocks end off page boundaries is never paced while its input stalls" {
	require_disk_fs
	# 5 KiB blocks, each flushed: a chunk's kick writes the page the next block then
	# fills again, so the oldest chunk keeps a dirty page off the device until the next
	# kick. 2 MiB arrive at memory speed, then the input stalls for 100 ms: those stalls
	# must not read as a device that completes nothing. Oracle: the shim's own pacing
	# counters (a trace would slow the bursts; the hard line's waits may nap, and are
	# not pacing).
	WBSHIM_CHUNK=1M WBSHIM_VERBOSE=1 WBSHIM_LOG="$WORK/log" LD_PRELOAD="$PRELOAD" \
		"$BIN/wbseq" "$WORK/out" 64 5 2048 100
	cat "$WORK/log"
	grep -Eq "close: $WORK/out bytes=$((64 * MiB)) chunks=[1-9][0-9]* .* pace_sleeps=0 pace_ms=0.0 " "$WORK/log"
	grep -Eq ": device [0-9]+:[0-9]+: written=$((64 * MiB)) .* pace_sleeps=0 pace_ms=0.0 " "$WORK/log"
}
