#!/usr/bin/env bats
# scripts/slowdisk: status says up, down (nothing left) or partial (something left).
load common

SLOWDISK="$ROOT/scripts/slowdisk"

teardown() {
	"$SLOWDISK" down --dir "$WORK/sd" >/dev/null 2>&1 || true
	[ -z "${WORK:-}" ] || rm -rf "$WORK"
}

@test "status: 'down' before up and after a clean down, 'up' between, 'partial' when a piece is left" {
	require_root "loop devices, mounts and a block throttle"
	[ -w /sys/fs/cgroup/blkio/blkio.throttle.write_bps_device ] || skip "needs cgroup v1 blkio"
	run "$SLOWDISK" status --dir "$WORK/sd"
	echo "$output"
	[ "$status" -eq 1 ]
	[ "${lines[-1]}" = "state:    down" ]
	"$SLOWDISK" up --dir "$WORK/sd" --size 128M --rate 50 >/dev/null 2>&1
	run "$SLOWDISK" status --dir "$WORK/sd"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = "state:    up" ]
	umount "$WORK/sd/mnt"
	run "$SLOWDISK" status --dir "$WORK/sd"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "${lines[-1]}" == "state:    partial ("* ]]
	"$SLOWDISK" down --dir "$WORK/sd" >/dev/null 2>&1
	run "$SLOWDISK" status --dir "$WORK/sd"
	echo "$output"
	[ "$status" -eq 1 ]
	[ "${lines[-1]}" = "state:    down" ]
}
