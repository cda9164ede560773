# shellcheck shell=bash
# bench: S1-S5, one big writer: on the slow disk (S1), the fast disk (S2), the slow disk
# with think time (S3), in a memory cgroup (S4); S5, the victim beside it (and alone).

slow_rig() {   # brings the slow disk up once; sets SLOW_MNT
	[[ -n ${SLOW_MNT:-} ]] && return 0
	local size=8G
	[[ $QUICK -eq 1 || $SWEEP -eq 1 ]] && size=3G
	RIG_UP=1
	SLOW_MNT=$("$SLOWDISK" up --rate 50 --size "$size" ${CGROUP2:+--cgroup2 "$CGROUP2"})
	SLOW_MAJMIN=$(majmin_of "$SLOW_MNT")
	slow_cgroup_of_rig
	say "slow disk at $SLOW_MNT (50 MB/s${SLOW_CG2:+, for the processes in $SLOW_CG2})"
}

s1_run() { run_writer S1 "$1" "$2" "$SLOW_MNT" "$S1_BYTES" 0; }
s2_run() { run_writer S2 "$1" "$2" "$FAST_DIR" "$S2_BYTES" 0; }
s3_run() { run_writer S3 "$1" "$2" "$SLOW_MNT" "$S3_BYTES" 15; }

scenario_S1() { slow_rig; for_each_run S1 s1_run; }
scenario_S2() { for_each_run S2 s2_run; }
scenario_S3() { slow_rig; for_each_run S3 s3_run; }

scenario_S5() {
	# The victim's own baseline, with no bulk writer anywhere; its runs under load happen
	# inside S1 (one victim per S1 writer).
	local rep dir
	for ((rep = 1; rep <= REPEAT; rep++)); do
		dir=$OUT/runs/S5-idle-$rep
		mkdir -p "$dir"
		settle
		"$TOOLS/victim" -o "$FAST_DIR/victim.dat" --duration "$S5_IDLE_S" >"$dir/victim.out"
		rm -f "$FAST_DIR/victim.dat"
		record_kv S5 idle "$rep" "$dir/victim.out" victim_
		say "S5 idle #$rep: $(cat "$dir/victim.out")"
	done
	[[ $WANT_S1 -eq 1 ]] || { slow_rig; for_each_run S1 s1_run; }
}

s4_run() {   # the writer runs in a memory cgroup with a limit
	local variant=$1 rep=$2 dir
	dir=$OUT/runs/S4-${variant//:/_}-$rep
	mkdir -p "$dir"
	TARGET_FILE=$FAST_DIR/wbshim-bench.S4
	build_writer "$variant" "$TARGET_FILE" "$S4_BYTES" 0 "$dir"
	run_measured S4 "$variant" "$rep" "$dir" "$(majmin_of "$FAST_DIR")" \
		"$(block_name "$FAST_DIR")" "$S4_LIMIT"
	[[ $variant == dd-* ]] && record S4 "$variant" "$rep" total_s "$(us_to_s "$LAST_WALL_US")"
	rm -f "$TARGET_FILE"
	say "S4 $variant #$rep: $(summary_line "$dir/stdout")"
}
scenario_S4() { for_each_run S4 s4_run; }
