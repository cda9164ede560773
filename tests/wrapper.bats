#!/usr/bin/env bats
# scripts/wbshim: options to environment, LD_PRELOAD handling, children covered.
load common
bats_require_minimum_version 1.5.0 # run -127

@test "--help and --version" {
	run "$ROOT/scripts/wbshim" --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"Usage: wbshim"* ]]
	run "$ROOT/scripts/wbshim" --version
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^wbshim\ [0-9]+\.[0-9]+ ]]
}

@test "options map to WBSHIM_* and the library is prepended to LD_PRELOAD" {
	require_plain_build "the wrapper loads the library before the sanitizer runtime"
	run env LD_PRELOAD=/nonexistent-other.so "$ROOT/scripts/wbshim" -c 4M -d 3 -k --no-read --no-pace -v --log "$WORK/l" -- env
	[ "$status" -eq 0 ]
	grep -qx 'WBSHIM_CHUNK=4194304' <<<"$output"
	grep -qx 'WBSHIM_DEPTH=3' <<<"$output"
	grep -qx 'WBSHIM_DROP=0' <<<"$output"
	grep -qx 'WBSHIM_READ=0' <<<"$output"
	grep -qx 'WBSHIM_PACE=0' <<<"$output"
	grep -qx 'WBSHIM_VERBOSE=1' <<<"$output"
	grep -qx "WBSHIM_LOG=$WORK/l" <<<"$output"
	grep -qx "LD_PRELOAD=$PRELOAD:/nonexistent-other.so" <<<"$output"
}

@test "--help names every variable" {
	run "$ROOT/scripts/wbshim" --help
	[ "$status" -eq 0 ]
	for name in WBSHIM_CHUNK WBSHIM_DEPTH WBSHIM_DROP WBSHIM_READ WBSHIM_PACE WBSHIM_DISABLE WBSHIM_VERBOSE WBSHIM_LOG WBSHIM_LIB; do
		grep -q "$name" <<<"$output"
	done
}

@test "bad usage exits 2 with a message" {
	run "$ROOT/scripts/wbshim" --frobnicate -- true
	[ "$status" -eq 2 ]
	[[ "$output" == *"unknown option --frobnicate"* ]]
	run "$ROOT/scripts/wbshim"
	[ "$status" -eq 2 ]
	run "$ROOT/scripts/wbshim" -c
	[ "$status" -eq 2 ]
}

@test "no command: one line saying so and where to look, not the usage" {
	for args in "" "-v" "-c 4M" "-kv --" "--log $WORK/l"; do
		run "$ROOT/scripts/wbshim" $args
		echo "wbshim $args: status $status, output: $output"
		[ "$status" -eq 2 ]
		[ "${#lines[@]}" -eq 1 ]
		[[ "$output" == "wbshim: no command given ("*"see wbshim --help)" ]]
	done
}

@test "--log: '--' is not a file name, and a log that would lose the output is refused first" {
	run "$ROOT/scripts/wbshim" --log -- touch "$WORK/ran"
	echo "$output"
	[ "$status" -eq 2 ]
	[ "$output" = "wbshim: option --log needs a value (see --help)" ]
	[ ! -e "$WORK/--" ]
	[ ! -e "$WORK/ran" ]
	for bad in /proc/version /dev/full "$WORK/no/such/dir/log" "$WORK"; do
		run "$ROOT/scripts/wbshim" --log "$bad" -- touch "$WORK/ran"
		echo "--log $bad: status $status, output: $output"
		[ "$status" -eq 2 ]
		[[ "$output" == "wbshim: log file $bad"* ]]
		[ ! -e "$WORK/ran" ]
	done
	ln -s "$WORK/target" "$WORK/link"
	WBSHIM_LOG="$WORK/link" run "$ROOT/scripts/wbshim" -- touch "$WORK/ran"
	[ "$status" -eq 2 ]
	[[ "$output" == *"is a symlink"* ]]
	chmod 755 "$WORK"  # nobody must reach the directory to be refused by it
	mkdir "$WORK/ro"
	chmod 555 "$WORK/ro"
	run su nobody -s /bin/sh -c "'$ROOT/scripts/wbshim' --log '$WORK/ro/log' -- true"
	echo "$output"
	[ "$status" -eq 2 ]
	[[ "$output" == *"cannot create it in $WORK/ro"* ]]
	run "$ROOT/scripts/wbshim" --log "$WORK/good" -- touch "$WORK/ran"
	[ "$status" -eq 0 ]
	[ -e "$WORK/ran" ]
}

@test "a program LD_PRELOAD cannot reach is named, with what to do instead; it still runs" {
	require_plain_build "the wrapper loads the library before the sanitizer runtime"
	# Statically linked: no PT_INTERP, no dynamic linker to preload anything.
	run "$ROOT/scripts/wbshim" -- "$BIN/static-wbwrite" write "$WORK/f" 1048576
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == "wbshim: $BIN/static-wbwrite is statically linked"*"wbshim --cgroup"* ]]
	[ "$(stat -c %s "$WORK/f")" -eq 1048576 ]
	# A Go program makes its own system calls; its build-info section says what it is.
	cp /bin/true "$WORK/goprog"
	printf '\377 Go buildinf:\010\002' >>"$WORK/goprog"
	run "$ROOT/scripts/wbshim" -- "$WORK/goprog"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "wbshim: $WORK/goprog is a Go program"*"wbshim --cgroup"* ]]
	# Set-user-ID for a caller who does not own it: ld.so ignores LD_PRELOAD.
	cp /bin/true "$WORK/suid"
	chown nobody "$WORK/suid"
	chmod 4755 "$WORK/suid"
	run "$ROOT/scripts/wbshim" -- "$WORK/suid"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "wbshim: $WORK/suid is set-user-ID (owner nobody)"* ]]
	# Reachable programs, a dynamic one and a script, say nothing.
	run "$ROOT/scripts/wbshim" -- true
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	printf '#!/bin/sh\nexit 0\n' >"$WORK/script"
	chmod +x "$WORK/script"
	run "$ROOT/scripts/wbshim" -- "$WORK/script"
	[ -z "$output" ]
}

@test "--cgroup: the command runs in a memory cgroup of the budget's size, removed after" {
	require_root "creates a memory cgroup"
	require_plain_build "the wrapper loads the library before the sanitizer runtime"
	require_disk_fs
	[ ! -d /run/systemd/system ] || skip "systemd runs here: --cgroup goes through systemd-run"
	run "$ROOT/scripts/wbshim" -v --cgroup -- sh -c 'cat /proc/self/cgroup'
	echo "$output"
	[ "$status" -eq 0 ]
	name=$(grep -o 'wbshim-[0-9]*' <<<"$output" | head -1)
	echo "cgroup: $name"
	[ -n "$name" ]
	grep -q "memory:/$name\|0::/$name" <<<"$output"
	[[ "$output" == *"limit 84 MiB"* ]]
	[ ! -d "/sys/fs/cgroup/memory/$name" ]
	[ ! -d "/sys/fs/cgroup/$name" ]
	# A static writer of 256 MiB keeps at most the cgroup's size cached.
	run "$ROOT/scripts/wbshim" --cgroup=48M -- "$BIN/static-wbwrite" write "$WORK/big" $((256 * MiB)) $MiB
	[ "$status" -eq 0 ]
	res=$(resident_bytes "$WORK/big")
	echo "cached after the static writer: $res bytes, expected at most $((48 * MiB))"
	[ "$res" -le $((48 * MiB)) ]
	run "$ROOT/scripts/wbshim" --cgroup -- sh -c 'exit 9'
	[ "$status" -eq 9 ]
	run "$ROOT/scripts/wbshim" --cgroup=1M -- true
	[ "$status" -eq 2 ]
	[[ "$output" == *"outside 16M..1T"* ]]
}

@test "the command's exit code passes through" {
	require_plain_build "the wrapper loads the library before the sanitizer runtime"
	run "$ROOT/scripts/wbshim" -- sh -c 'exit 7'
	[ "$status" -eq 7 ]
}

@test "children of the command are covered (a ripper spawning a muxer)" {
	require_plain_build "the wrapper loads the library before the sanitizer runtime"
	require_disk_fs
	strace -f -qq -o "$WORK/t" -e trace=sync_file_range \
		"$ROOT/scripts/wbshim" -c 1M -- sh -c "sh -c 'dd if=/dev/zero of=$WORK/out bs=1M count=8 status=none'"
	[ "$(count_lines SYNC_FILE_RANGE_WRITE "$WORK/t")" -eq 8 ]
}

@test "-c and -d are checked by the wrapper: the option is named, exit 2, nothing runs" {
	run "$ROOT/scripts/wbshim" -d 0 -- touch "$WORK/ran"
	[ "$status" -eq 2 ]
	[ "$output" = "wbshim: -d: '0' is outside 1..64" ]
	[ ! -e "$WORK/ran" ]
	run "$ROOT/scripts/wbshim" --depth=two -- true
	[ "$status" -eq 2 ]
	[[ "$output" == "wbshim: --depth: 'two' is not a number"* ]]
	run "$ROOT/scripts/wbshim" -c 4k -- true
	[ "$status" -eq 2 ]
	[ "$output" = "wbshim: -c: '4k' is outside 256K..1G" ]
	run "$ROOT/scripts/wbshim" -c 8X -- true
	[ "$status" -eq 2 ]
	[[ "$output" == "wbshim: -c: '8X' is not a size"* ]]
	run "$ROOT/scripts/wbshim" -c 99999999999999999999T -- true
	[ "$status" -eq 2 ]
	run "$ROOT/scripts/wbshim" -c 0x10M -- true
	[ "$status" -eq 2 ]
}

@test "sizes take the library's suffixes and reach the command in bytes" {
	require_plain_build "the wrapper loads the library before the sanitizer runtime"
	for pair in 4M:4194304 4MiB:4194304 8mb:8388608 512K:524288 512KB:524288 1G:1073741824 \
		1gib:1073741824 262144:262144 0012M:12582912 300001:299008; do
		run "$ROOT/scripts/wbshim" -c "${pair%%:*}" -- printenv WBSHIM_CHUNK
		echo "${pair%%:*} -> $output"
		[ "$status" -eq 0 ]
		[ "$output" = "${pair#*:}" ]
	done
}

@test "a bad setting is reported once, not by every process of the command" {
	require_plain_build "the wrapper loads the library before the sanitizer runtime"
	run "$ROOT/scripts/wbshim" -d 0 -- sh -c 'true; true; ls; date'
	[ "$status" -eq 2 ]
	[ "${#lines[@]}" -eq 1 ]
	WBSHIM_DEPTH=0 run "$ROOT/scripts/wbshim" -- sh -c 'true; true; ls; date'
	[ "$status" -eq 2 ]
	[ "$output" = "wbshim: WBSHIM_DEPTH: '0' is outside 1..64" ]
	# Inherited values are normalised too, so no child warns about them.
	WBSHIM_CHUNK=8MiB WBSHIM_DEPTH=08 WBSHIM_DROP=Off WBSHIM_DISABLE=no WBSHIM_VERBOSE=yes \
		run "$ROOT/scripts/wbshim" -- sh -c 'printenv WBSHIM_CHUNK WBSHIM_DEPTH WBSHIM_DROP WBSHIM_DISABLE WBSHIM_VERBOSE; true; ls /dev/null'
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '8388608\n8\n0\n0\n1\n/dev/null')" ]
	WBSHIM_DROP=maybe run "$ROOT/scripts/wbshim" -- true
	[ "$status" -eq 2 ]
	[[ "$output" == "wbshim: WBSHIM_DROP: 'maybe' is not one of"* ]]
	# An option replaces an inherited value, bad or not.
	WBSHIM_CHUNK=banana WBSHIM_DROP=maybe run "$ROOT/scripts/wbshim" -k -c 8M -- printenv WBSHIM_CHUNK WBSHIM_DROP
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '8388608\n0')" ]
}

@test "combined short options" {
	require_plain_build "the wrapper loads the library before the sanitizer runtime"
	run "$ROOT/scripts/wbshim" -kv -- printenv WBSHIM_DROP WBSHIM_VERBOSE
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '0\n1')" ]
	run "$ROOT/scripts/wbshim" -vvv --log "$WORK/log" -- printenv WBSHIM_VERBOSE
	[ "$status" -eq 0 ]
	[ "$output" = 2 ]
	run "$ROOT/scripts/wbshim" -c8M -d3 -- printenv WBSHIM_CHUNK WBSHIM_DEPTH
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '8388608\n3')" ]
	run "$ROOT/scripts/wbshim" -kx -- true
	[ "$status" -eq 2 ]
	[[ "$output" == *"unknown option -x"* ]]
}

@test "a missing command is 127, a command that cannot run is 126, in the wrapper's words" {
	require_plain_build "the wrapper loads the library before the sanitizer runtime"
	run -127 "$ROOT/scripts/wbshim" -- wbshim-no-such-command
	[ "$output" = "wbshim: wbshim-no-such-command: command not found" ]
	run -127 "$ROOT/scripts/wbshim" -- "$WORK/missing"
	[ "$output" = "wbshim: $WORK/missing: no such file" ]
	touch "$WORK/plain"
	run "$ROOT/scripts/wbshim" -- "$WORK/plain"
	[ "$status" -eq 126 ]
	[ "$output" = "wbshim: $WORK/plain: not an executable file" ]
	run "$ROOT/scripts/wbshim" -- "$WORK"
	[ "$status" -eq 126 ]
	cp "$WORK/plain" "$WORK/plain-in-path"
	PATH="$WORK:$PATH" run "$ROOT/scripts/wbshim" -- plain-in-path
	[ "$status" -eq 126 ]
}

@test "through a symlink, the wrapper still finds the library beside the build" {
	require_plain_build "the wrapper loads the library before the sanitizer runtime"
	mkdir "$WORK/bin"
	ln -s "$ROOT/scripts/wbshim" "$WORK/bin/wbshim"
	ln -s "$WORK/bin/wbshim" "$WORK/wb"
	run "$WORK/wb" -- printenv LD_PRELOAD
	[ "$status" -eq 0 ]
	[ "$output" = "$LIB" ]
	PATH="$WORK/bin:$PATH" run wbshim -- printenv LD_PRELOAD
	[ "$status" -eq 0 ]
	[ "$output" = "$LIB" ]
}

@test "installed with any LIBDIR, the wrapper finds its library, also through a symlink" {
	require_plain_build "the wrapper loads the library before the sanitizer runtime"
	copy_build_tree "$WORK/tree"
	make -C "$WORK/tree" -s install PREFIX="$WORK/p" LIBDIR="$WORK/p/lib/x86_64-linux-gnu"
	run "$WORK/p/bin/wbshim" -- printenv LD_PRELOAD
	[ "$status" -eq 0 ]
	[ "$output" = "$WORK/p/lib/x86_64-linux-gnu/libwbshim.so" ]
	mkdir "$WORK/home-bin"
	ln -s "$WORK/p/bin/wbshim" "$WORK/home-bin/wbshim"
	PATH="$WORK/home-bin:$PATH" run wbshim -- printenv LD_PRELOAD
	[ "$status" -eq 0 ]
	[ "$output" = "$WORK/p/lib/x86_64-linux-gnu/libwbshim.so" ]
	# Staged with DESTDIR and moved elsewhere: found beside the wrapper instead.
	make -C "$WORK/tree" -s install DESTDIR="$WORK/stage" PREFIX=/nonexistent-prefix
	run "$WORK/stage/nonexistent-prefix/bin/wbshim" -- printenv LD_PRELOAD
	[ "$status" -eq 0 ]
	[ "$output" = "$WORK/stage/nonexistent-prefix/lib/libwbshim.so" ]
	rm "$WORK/p/lib/x86_64-linux-gnu/libwbshim.so"
	run "$WORK/p/bin/wbshim" -- true
	[ "$status" -eq 2 ]
	[[ "$output" == "wbshim: libwbshim.so not found in $WORK/p/lib/x86_64-linux-gnu nor in $WORK/p "* ]]
}
