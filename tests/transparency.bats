#!/usr/bin/env bats
# The program sees what it would see without us: returns, errno, offsets, bytes, exit codes.
load common

@test "return values and errno of failing and succeeding calls match a plain run" {
	require_disk_fs
	mkdir "$WORK/plain" "$WORK/shim"
	"$BIN/wberrno" "$WORK/plain" >"$WORK/plain.out"
	WBSHIM_CHUNK=256K shim "$BIN/wberrno" "$WORK/shim" >"$WORK/shim.out"
	diff -u "$WORK/plain.out" "$WORK/shim.out"
	grep -q 'pwrite(pipe).*ESPIPE' "$WORK/shim.out"
	grep -q 'write(file, 4096) *ret=4096 errno=unchanged' "$WORK/shim.out"
}

@test "bytes on disk match a plain run for every write pattern" {
	require_disk_fs
	for mode in write pwrite writev pwritev pwritev2 patch scatter; do
		"$BIN/wbwrite" $mode "$WORK/plain" 20M 192K
		WBSHIM_CHUNK=1M WBSHIM_DEPTH=3 shim "$BIN/wbwrite" $mode "$WORK/shim" 20M 192K --fsync
		cmp "$WORK/plain" "$WORK/shim"
	done
}

@test "real programs: same output bytes and exit codes" {
	require_disk_fs
	head -c 30000000 /dev/urandom >"$WORK/src"
	WBSHIM_CHUNK=1M shim dd if="$WORK/src" of="$WORK/dd" bs=64K status=none
	cmp "$WORK/src" "$WORK/dd"
	WBSHIM_CHUNK=1M shim dd if="$WORK/src" of="$WORK/dd2" bs=1M seek=3 conv=notrunc,fsync status=none
	dd if="$WORK/src" of="$WORK/dd2.plain" bs=1M seek=3 conv=notrunc,fsync status=none
	cmp "$WORK/dd2.plain" "$WORK/dd2"
	WBSHIM_CHUNK=1M shim sh -c "cat '$WORK/src' | dd of='$WORK/pipe' bs=1M iflag=fullblock status=none"
	cmp "$WORK/src" "$WORK/pipe"
	# Failures keep their exit code and message. (A whole page per block: dd asks
	# aligned_alloc for page alignment, which ASan refuses for a smaller size.)
	run dd if=/dev/zero of=/dev/full bs=4k count=1 status=none
	plain_status=$status plain_output=$output
	run shim dd if=/dev/zero of=/dev/full bs=4k count=1 status=none
	[ "$status" -eq "$plain_status" ]
	[ "$output" = "$plain_output" ]
	run shim dd if=/dev/zero of="$WORK/no/such/dir" count=1 status=none
	[ "$status" -eq 1 ]
	[[ "$output" == *"No such file or directory"* ]]
}

@test "file offsets: lseek(SEEK_CUR) after writes and seeks matches a plain run" {
	require_disk_fs
	prog='
import os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
out = []
for i in range(40):
    os.write(fd, b"z" * 300000)
    if i % 7 == 0:
        os.lseek(fd, -123456, os.SEEK_CUR)
    out.append(os.lseek(fd, 0, os.SEEK_CUR))
os.pwrite(fd, b"p" * 1000, 5)
out.append(os.lseek(fd, 0, os.SEEK_CUR))
os.fsync(fd); os.close(fd)
print(out)'
	python3 -c "$prog" "$WORK/plain" >"$WORK/plain.out"
	WBSHIM_CHUNK=1M shim python3 -c "$prog" "$WORK/shim" >"$WORK/shim.out"
	diff "$WORK/plain.out" "$WORK/shim.out"
	cmp "$WORK/plain" "$WORK/shim"
}

@test "WBSHIM_DISABLE=1: pure pass-through" {
	require_disk_fs
	WBSHIM_DISABLE=1 trace_shim "$WORK/t" dd if=/dev/zero of="$WORK/out" bs=1M count=40 status=none
	[ ! -s "$WORK/t" ]
	WBSHIM_DISABLE=0 trace_shim "$WORK/t" dd if=/dev/zero of="$WORK/out" bs=1M count=40 status=none
	[ -s "$WORK/t" ]
}

@test "the shim writes nothing to stderr by default" {
	require_disk_fs
	run shim dd if=/dev/zero of="$WORK/out" bs=1M count=40 status=none
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}
