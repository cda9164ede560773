#!/usr/bin/env bats
# The Makefile's own checks.
load common

@test "make test names the Debian package of each missing tool and builds nothing" {
	copy_build_tree "$WORK/tree"
	rm -f "$WORK/tree/libwbshim.so"
	mkdir "$WORK/path"
	# Of the four tools, only strace and python3 (the check itself needs nothing else).
	for tool in strace python3; do
		ln -s "$(command -v $tool)" "$WORK/path/$tool"
	done
	PATH="$WORK/path" run "$(command -v make)" -C "$WORK/tree" test
	echo "$output"
	[ "$status" -ne 0 ]
	grep -q 'bats not found (Debian package: bats)' <<<"$output"
	grep -q 'fincore not found (Debian package: util-linux-extra)' <<<"$output"
	[[ "$output" != *'strace not found'* ]]
	[[ "$output" != *'python3 not found'* ]]
	grep -q 'apt-get install bats util-linux-extra' <<<"$output"
	[ ! -e "$WORK/tree/libwbshim.so" ]
}
