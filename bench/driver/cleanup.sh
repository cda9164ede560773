# shellcheck shell=bash
# bench: every change to the machine is registered here before it is made, and undone on exit.

declare -A KNOB_SAVED=()   # sysfs/procfs file -> value to write back
KNOB_ORDER=()              # restore in reverse order of first change
BG_PIDS=()                 # background helpers (victim, disk sampler)
RIG_UP=0 CGROUP_NOW="" CG_PARENT_MADE="" CG_JOIN=()

knob_set() {   # file value [restore-file restore-value]: remember how to undo, then write
	local file=$1 value=$2 undo_file=${3:-$1}
	if [[ -z ${KNOB_SAVED[$undo_file]+set} ]]; then
		KNOB_SAVED[$undo_file]=${4:-$(<"$undo_file")}
		KNOB_ORDER+=("$undo_file")
	fi
	echo "$value" >"$file"
}

restore_knobs() {
	local i file
	for ((i = ${#KNOB_ORDER[@]} - 1; i >= 0; i--)); do
		file=${KNOB_ORDER[i]}
		echo "${KNOB_SAVED[$file]}" >"$file" || say "could not restore $file"
	done
	KNOB_SAVED=() KNOB_ORDER=()
}

stop_background() {
	local pid
	for pid in "${BG_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	BG_PIDS=()
}

bg_forget() {   # pid: it has been waited for
	local pid keep=()
	for pid in "${BG_PIDS[@]}"; do
		[[ $pid == "$1" ]] || keep+=("$pid")
	done
	BG_PIDS=("${keep[@]}")
}

cleanup() {
	local status=$?
	trap - EXIT INT TERM
	stop_background
	restore_knobs
	remove_cgroup
	remove_cgroup_parent
	rm -rf "$FAST_DIR"
	# S13's sources (s13.sh).
	[[ -z ${S13_TMPFS:-} ]] || { umount "$S13_TMPFS" && rmdir "$S13_TMPFS"; } ||
		say "could not unmount $S13_TMPFS"
	[[ -n ${SLOW_MNT:-} && -d $SLOW_MNT ]] && rm -f "$SLOW_MNT"/wbshim-bench.* 2>/dev/null
	if [[ $RIG_UP -eq 1 && $KEEP_RIG -eq 0 ]]; then
		"$SLOWDISK" down >/dev/null 2>&1 || say "slowdisk down failed: run '$SLOWDISK down'"
	fi
	exit "$status"
}
