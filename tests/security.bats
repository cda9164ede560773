#!/usr/bin/env bats
# A preload library runs inside other people's programs, some privileged.
load common

SECURE_LIB=/usr/lib/x86_64-linux-gnu/libwbshim-sectest.so

teardown() {
	rm -f "$SECURE_LIB"
	[ -z "${WORK:-}" ] || rm -rf "$WORK"
}

@test "the log file is opened append-only, close-on-exec, never through a symlink" {
	require_disk_fs
	strace -qq -o "$WORK/t" -e trace=openat -E LD_PRELOAD="$PRELOAD" -E WBSHIM_VERBOSE=1 \
		-E WBSHIM_LOG="$WORK/log" dd if=/dev/zero of="$WORK/out" bs=1M count=1 status=none
	grep "\"$WORK/log\"" "$WORK/t"
	grep -q "\"$WORK/log\", O_WRONLY|O_CREAT|O_NOCTTY|O_APPEND|O_NOFOLLOW|O_CLOEXEC" "$WORK/t"
}

@test "a set-user-ID program never writes diagnostics to a path from the environment" {
	require_root "installing a set-user-ID test binary and a trusted-path library"
	require_plain_build "the trusted-path copy has no sanitizer runtime"
	[ -d "$(dirname "$SECURE_LIB")" ] || skip "no $(dirname "$SECURE_LIB") on this system"
	# In secure-exec mode the loader only preloads set-user-ID libraries from trusted directories.
	install -m 4755 "$LIB" "$SECURE_LIB"
	mkdir -m 1777 "$WORK/open"
	chmod 755 "$WORK"
	install -o nobody -m 4755 "$BIN/wbwrite" "$WORK/suid-wbwrite"
	run env LD_PRELOAD="$(basename "$SECURE_LIB")" WBSHIM_VERBOSE=1 WBSHIM_LOG="$WORK/open/log" \
		WBSHIM_CHUNK=1M "$WORK/suid-wbwrite" write "$WORK/open/out" 4M 1M
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(stat -c %U "$WORK/open/out")" = nobody ] # it really ran set-user-ID
	[[ "$output" == *"wbshim[suid-wbwrite "*"]: close: $WORK/open/out bytes=4194304 chunks=4"* ]]
	[ ! -e "$WORK/open/log" ]
}

@test "fd table memory stays bounded, RLIMIT_NOFILE up to 1M" {
	require_disk_fs
	# 1M where the system lets us raise the limit; the highest allowed otherwise.
	prog='
import os, resource, sys
hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
try:
    resource.setrlimit(resource.RLIMIT_NOFILE, (1048576, 1048576))
except (ValueError, OSError):
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
limit = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
print("limit", limit, file=sys.stderr)
def rss():
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmRSS"))
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT, 0o644)
before = rss()
for n in sorted({3000, limit // 4, limit // 2, limit * 3 // 4, limit - 1}):
    os.dup2(fd, n)
    for _ in range(50):
        os.write(n, b"x" * 100)
    os.close(n)
print(rss() - before)'
	plain=$(python3 -c "$prog" "$WORK/a")
	shimmed=$(LD_PRELOAD="$PRELOAD" python3 -c "$prog" "$WORK/b")
	echo "RSS growth, KiB: plain=$plain shim=$shimmed"
	# Five fd numbers far apart: five 16 KiB slot pages and five file states.
	[ $((shimmed - plain)) -le 512 ]
}
