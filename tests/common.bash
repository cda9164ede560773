# Shared helpers for the bats suites.
ROOT="$(cd "$BATS_TEST_DIRNAME/.." && pwd)"
LIB="$ROOT/libwbshim.so"
BIN="$ROOT/tests/bin"
# Under `make test SANITIZE=...` the sanitizer runtime must be loaded first.
PRELOAD="${WBSHIM_TEST_PRELOAD:+$WBSHIM_TEST_PRELOAD:}$LIB"
MiB=1048576
# The process budget with 4 MiB chunks at the default depth, (4 + 1) x 4 MiB: the
# most a paced writer leaves cached at exit (closed files are dropped at exit only
# as far as they are clean, so a busy disk leaves up to this much behind).
BUDGET_4M=$((5 * 4 * MiB))

setup() {
	# A disk-backed directory: the shim deliberately ignores tmpfs, and /tmp may be one.
	WORK=$(mktemp -d "${WBSHIM_TEST_TMPDIR:-/var/tmp}/wbshim-test.XXXXXX")
}

teardown() {
	[ -z "${WORK:-}" ] || rm -rf "$WORK"
}

require_disk_fs() {
	local type
	type=$(stat -f -c %T "$WORK")
	case "$type" in
	tmpfs | ramfs) skip "$WORK is on $type, which the shim leaves alone; set WBSHIM_TEST_TMPDIR" ;;
	esac
}

# The wrapper puts the library first in LD_PRELOAD, where a sanitizer runtime must be.
require_plain_build() {
	[ -z "${WBSHIM_TEST_PRELOAD:-}" ] || skip "sanitizer build: $1"
}

require_root() {
	[ "$(id -u)" -eq 0 ] || skip "needs root: $1"
}

# copy_build_tree DIR: what make needs, copied with its times into DIR, so that a test
# can run make there (install, a rebuild with other flags) and never touch the user's
# own build products. An up-to-date build is copied as such and not rebuilt.
copy_build_tree() {
	mkdir -p "$1"
	cp -pR "$ROOT/Makefile" "$ROOT/src" "$ROOT/scripts" "$1/"
	cp -p "$ROOT/libwbshim.so" "$ROOT/.build-flags" "$1/" 2>/dev/null || true
}

# Run a command under the shim.
shim() {
	LD_PRELOAD="$PRELOAD" "$@"
}

# trace_shim OUT CMD...: run CMD under the shim and strace; OUT gets one line per
# sync_file_range and fadvise(DONTNEED) call, which only the shim makes (plus any
# syscalls named in $TRACE_EXTRA), pids removed. Programs' own fadvise hints
# (cat asks for SEQUENTIAL) are not ours and are left out.
trace_shim() {
	local out=$1 rc=0
	shift
	strace -f -qq -e signal=none -o "$out.raw" -E LD_PRELOAD="$PRELOAD" \
		-e trace=sync_file_range,fadvise64${TRACE_EXTRA:+,$TRACE_EXTRA} "$@" || rc=$?
	sed -E 's/^[0-9]+ +//' "$out.raw" |
		grep -E "^(sync_file_range|fadvise64\(.*DONTNEED${TRACE_EXTRA:+|${TRACE_EXTRA//,/|}})" >"$out" || true
	return $rc
}

# Bytes of FILE resident in the page cache.
resident_bytes() {
	fincore --bytes --noheadings --output RES "$1" | tr -d ' '
}

# Without the shim (or with WBSHIM_DROP=0) a freshly written file stays cached, but
# not always all of it: the machine's own reclaim may take some pages while the test
# runs. Half of it cached is far above any residue the shim leaves (a few chunks).
mostly_resident() {   # FILE BYTES
	local res
	res=$(resident_bytes "$1")
	echo "$1: $res of $2 bytes cached"
	[ "$res" -ge $(($2 / 2)) ]
}

count_lines() {
	grep -c -- "$1" "$2" || true
}

# undropped_bytes TRACE SIZE: bytes of a SIZE-byte file that no fadvise(DONTNEED) in the
# strace TRACE covered (a length of 0 runs to the end): what the shim never asked the
# kernel to drop. All fds in TRACE are taken to be the one file.
undropped_bytes() {
	grep -Eo 'fadvise64\([0-9]+, [0-9]+, [0-9]+, POSIX_FADV_DONTNEED\) = 0' "$1" |
		sed -E 's/fadvise64\([0-9]+, ([0-9]+), ([0-9]+),.*/\1 \2/' |
		awk -v size="$2" '{ end = $2 ? $1 + $2 : size; if (end > size) end = size; print $1, end }' |
		sort -n | awk -v size="$2" '
			{ if ($1 > reach) { covered += (reach > start ? reach - start : 0); start = $1; reach = $2 }
			  else if ($2 > reach) reach = $2 }
			END { covered += reach - start; print size - covered }'
}

# residency_map FILE: one digit per MiB of FILE, 0 (none) to 9 (all of it) cached.
residency_map() {
	python3 - "$1" <<'PY'
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.mmap.restype = ctypes.c_void_p
fd = os.open(sys.argv[1], os.O_RDONLY)
size = os.fstat(fd).st_size
pages = (size + 4095) // 4096
addr = libc.mmap(None, ctypes.c_size_t(size), 1, 1, fd, ctypes.c_long(0))
vec = (ctypes.c_ubyte * pages)()
libc.mincore(ctypes.c_void_p(addr), ctypes.c_size_t(size), vec)
print("".join(str(sum(vec[p] & 1 for p in range(i, min(i + 256, pages))) * 9 // 256)
              for i in range(0, pages, 256)))
PY
}
