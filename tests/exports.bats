#!/usr/bin/env bats
# Only the interposed functions leave the library.
load common

@test "exported symbols are exactly the interposed calls" {
	nm -D --defined-only "$LIB" | awk '{print $3}' | sort >"$WORK/got"
	sed -n 's/^WB_EXPORT [A-Za-z_0-9 *]*[ *]\([A-Za-z_0-9]*\)(.*/\1/p' "$ROOT"/src/doors/*.c | sort >"$WORK/doors"
	cat "$WORK/got"
	diff -u "$WORK/doors" "$WORK/got"
	for sym in write pwrite pwrite64 writev pwritev pwritev64 pwritev2 pwritev64v2 lseek lseek64 \
		close fsync fdatasync copy_file_range sendfile splice fwrite fclose open dup2 close_range \
		read pread pread64 readv preadv preadv2 fread getline getdelim mmap mmap64 munmap msync mremap; do
		grep -qx "$sym" "$WORK/got"
	done
	! grep -q '^wb_\|^real_' "$WORK/got"
}

@test "exported doors are unversioned, so they bind to any glibc version of a name" {
	run sh -c "objdump -T '$LIB' | grep -w write"
	[[ "$output" != *GLIBC* ]]
	[[ "$output" != *WBSHIM* ]]
}

@test "the library builds warning-free with the strict flags" {
	# In a copy: the user's own build stays as it was (and owned by whoever built it).
	copy_build_tree "$WORK/tree"
	run make -C "$WORK/tree" -s -B WERROR=1 libwbshim.so
	echo "$output"
	[ "$status" -eq 0 ]
}
