#!/usr/bin/env bats
# tests/busy: the load generator of `make test-busy` starts, loads, and cleans up.
load common

# Processes of a load generator whose files are under $WORK.
loaders() {
	pgrep -f -- "$WORK/wbshim-busy" || true
}

@test "the command runs beside a writer and a reader; its status is returned; nothing is left" {
	require_disk_fs
	WBSHIM_TEST_TMPDIR=$WORK run "$ROOT/tests/busy" -s 64 -- sh -c '
		sleep 1; ls "$0"/wbshim-busy.*; exit 3' "$WORK"
	echo "$output"
	[ "$status" -eq 3 ]
	grep -qx 'written' <<<"$output"
	grep -qx 'read' <<<"$output"
	grep -q '^busy: writer of 64 MiB and O_DIRECT reader running' <<<"$output"
	left=$(ls "$WORK")
	echo "left in $WORK: '$left' (expected nothing); loaders still running: '$(loaders)' (expected none)"
	[ -z "$left" ]
	[ -z "$(loaders)" ]
}

@test "killed outright, the loaders still end by themselves" {
	require_disk_fs
	WBSHIM_TEST_TMPDIR=$WORK "$ROOT/tests/busy" -s 64 -- \
		sh -c 'echo $$ >"$0/command.pid"; exec sleep 60' "$WORK" 2>/dev/null &
	busy=$!
	for _ in $(seq 100); do
		[ -z "$(loaders)" ] || break
		sleep 0.1
	done
	echo "loaders before: $(loaders | tr '\n' ' ')"
	[ -n "$(loaders)" ]
	kill -KILL "$busy"
	for _ in $(seq 150); do
		[ -n "$(loaders)" ] || break
		sleep 0.2
	done
	echo "loaders 30 s after the kill: '$(loaders | tr '\n' ' ')' (expected none)"
	[ -z "$(loaders)" ]
	kill "$(cat "$WORK/command.pid")" 2>/dev/null || true
}
