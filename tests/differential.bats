#!/usr/bin/env bats
# Differential transparency: each command runs twice, plainly and under the shim,
# in identical fresh directories; stdout, stderr, exit code and the bytes of every
# file left behind must be the same.
load common
load rigs

# diff_run NAME COMMAND: run COMMAND (a shell string, relative paths) in plain/ and
# shim/ copies of $WORK/seed and compare everything observable.
diff_run() {
	local name=$1 command=$2 side status
	for side in plain shim; do
		rm -rf "$WORK/$side" && cp -a "$WORK/seed" "$WORK/$side"
		(
			cd "$WORK/$side"
			if [ $side = shim ]; then
				export LD_PRELOAD="$PRELOAD" WBSHIM_CHUNK=256K WBSHIM_DEPTH=2
			elif [ -n "${WBSHIM_TEST_PRELOAD:-}" ]; then
				# Sanitizer build: the plain side gets the runtime too, so that the
				# library is the only difference.
				export LD_PRELOAD="$WBSHIM_TEST_PRELOAD"
			fi
			# ASan rejects split's aligned_alloc (glibc accepts it); fail it the same quiet
			# way on both sides instead of aborting with a pid in the report.
			[ -z "${ASAN_OPTIONS:-}" ] || export ASAN_OPTIONS="$ASAN_OPTIONS:allocator_may_return_null=1"
			set +e
			sh -c "$command" >"../$side.out" 2>"../$side.err"
			echo "exit=$?" >>"../$side.out"
		)
		(cd "$WORK/$side" && find . -type f -print0 | sort -z | xargs -0 -r sha256sum) >"$WORK/$side.sums"
	done
	for part in out err sums; do
		if ! diff -u "$WORK/plain.$part" "$WORK/shim.$part"; then
			echo "differs ($part): $name: $command"
			return 1
		fi
	done
	COMPARED=$((COMPARED + 1))
}

seed() {
	mkdir -p "$WORK/seed/tree/sub"
	head -c $((6 * MiB + 77)) /dev/urandom >"$WORK/seed/big"
	head -c 3000 /dev/urandom >"$WORK/seed/tree/small"
	seq 1 400000 >"$WORK/seed/tree/sub/numbers"
	cp "$BIN/wberrno" "$BIN/wbwrite" "$BIN/wbcopy" "$BIN/wbstdio" "$WORK/seed/"
}

@test "differential: coreutils, archivers, compressors, interpreters and helpers" {
	require_disk_fs
	seed
	COMPARED=0
	diff_run dd-file 'dd if=big of=out bs=64K status=none'
	diff_run dd-notrunc 'dd if=big of=out bs=1M seek=2 conv=notrunc,fsync status=none; dd if=big of=out bs=1M count=1 conv=notrunc status=none'
	diff_run dd-full 'dd if=big of=/dev/full bs=1M status=none'
	diff_run dd-badarg 'dd if=big of=out bs=0'
	diff_run dd-nodir 'dd if=big of=nodir/out status=none'
	diff_run cp 'cp big copy && cp -r tree tree2'
	diff_run cat 'cat big tree/small > joined'
	diff_run tee 'cat big | tee t1 t2 >/dev/null'
	diff_run head 'head -c 5000000 big > h'
	diff_run split 'split -b 1M big part.'
	diff_run sort 'sort -r -o sorted tree/sub/numbers'
	diff_run tar 'tar -cf a.tar tree big && mkdir x && tar -xf a.tar -C x'
	diff_run gzip 'gzip -n -c big > big.gz && gzip -d -c big.gz > big.back'
	diff_run zstd 'command -v zstd >/dev/null || exit 0; zstd -q -o big.zst big && zstd -q -d -o big.back big.zst'
	diff_run python 'python3 -c "
import os
with open(\"p\", \"wb\") as f:
    for i in range(300): f.write(bytes([i % 256]) * 30000)
fd = os.open(\"q\", os.O_RDWR | os.O_CREAT)
os.pwrite(fd, b\"x\" * 1000000, 5000000); os.fsync(fd); print(os.lseek(fd, 0, 1)); os.close(fd)
try: os.write(fd, b\"y\")
except OSError as e: print(e.errno)"'
	diff_run redirect 'for i in 1 2 3; do cat big; done > r; echo more >> r'
	diff_run wberrno 'mkdir e && ./wberrno e'
	diff_run wbwrite-modes 'for m in write pwrite writev pwritev pwritev2 patch scatter; do ./wbwrite $m o.$m 3M 96K --fdatasync || exit; done'
	diff_run wbstdio-modes 'for m in fwrite fputs fprintf putc putc_unlocked patch; do ./wbstdio $m s.$m 3 || exit; done'
	diff_run wbcopy-efbig './wbcopy copy_file_range big c1 3; ./wbcopy sendfile big c2 3; ./wbcopy splice big c3'
	echo "compared $COMPARED commands"
	[ "$COMPARED" -eq 20 ]
}

@test "differential: ENOSPC on a full filesystem (root)" {
	require_root "loop devices"
	make_loop 24M
	mount_ext4 "$DEV" "$WORK/fs"
	mkdir "$WORK/seed"
	head -c $((40 * MiB)) /dev/urandom >"$WORK/src"
	for command in "dd if=$WORK/src of=$WORK/fs/dd bs=1M status=none" \
		"cp $WORK/src $WORK/fs/cp" "$BIN/wbwrite write $WORK/fs/w 40M 1M --fsync" \
		"$BIN/wbstdio fwrite $WORK/fs/s 40"; do
		for side in plain shim; do
			rm -f "$WORK"/fs/dd "$WORK"/fs/cp "$WORK"/fs/w "$WORK"/fs/s
			sync
			rc=0
			if [ $side = shim ]; then
				LD_PRELOAD="$PRELOAD" WBSHIM_CHUNK=1M sh -c "$command" >"$WORK/$side.out" 2>&1 || rc=$?
			else
				LD_PRELOAD="${WBSHIM_TEST_PRELOAD:-}" sh -c "$command" >"$WORK/$side.out" 2>&1 || rc=$?
			fi
			echo "exit=$rc" >>"$WORK/$side.out"
		done
		echo "$command:"
		cat "$WORK/shim.out"
		diff -u "$WORK/plain.out" "$WORK/shim.out"
		grep -q 'No space left on device' "$WORK/shim.out"
	done
}
