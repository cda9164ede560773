# shellcheck shell=bash
# bench: the scenarios S1-S7 and S9 (S8 in s8.sh).

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

onebyte_run() {   # scen variant rep path [--putc]
	local scen=$1 variant=$2 rep=$3 path=$4 dir
	dir=$OUT/runs/$scen-${variant//:/_}-$rep
	mkdir -p "$dir"
	CMD=("$TOOLS/onebyte" ${5:+"$5"} "$path" "$ONEBYTE_ITERS")
	shim_env "$variant" "$dir"
	printf '%q ' "${CMD[@]}" >"$dir/cmd"
	"${CMD[@]}" >"$dir/stdout"
	record_kv "$scen" "$variant" "$rep" "$dir/stdout"
	say "$scen $variant #$rep: $(cat "$dir/stdout")"
}
s6_run() { onebyte_run S6 "$1" "$2" /dev/null; }
s7_run() { onebyte_run S7 "$1" "$2" "$FAST_DIR/onebyte.dat"; rm -f "$FAST_DIR/onebyte.dat"; }
scenario_S6() { for_each_run S6 s6_run; }
scenario_S7() { for_each_run S7 s7_run; }
s9_run() {   # a putc is ~100 times cheaper than a write(): ten times the calls
	ONEBYTE_ITERS=$((ONEBYTE_ITERS * 10)) onebyte_run S9 "$1" "$2" "$FAST_DIR/putc.dat" --putc
	rm -f "$FAST_DIR/putc.dat"
}
scenario_S9() { for_each_run S9 s9_run; }

# S11: a short job as most programs end one: write, close, exit, no fsync. Exit time is
# what a user waits for; durable is exit plus "sync FILE" (an fsync of that file alone,
# so other writers on the machine do not count).
s11_run() {   # variant rep
	local variant=$1 rep=$2 dir sync_start sync_us
	dir=$OUT/runs/S11-${variant//:/_}-$rep
	mkdir -p "$dir"
	TARGET_FILE=$FAST_DIR/wbshim-bench.S11
	CMD=("$TOOLS/loadgen" -o "$TARGET_FILE" -s "$S11_BYTES" --no-fsync --lat-out "$dir/lat.txt")
	shim_env "$variant" "$dir"
	run_measured S11 "$variant" "$rep" "$dir" "$(majmin_of "$FAST_DIR")" "$(block_name "$FAST_DIR")"
	sync_start=$(now_us)
	sync "$TARGET_FILE"
	sync_us=$(($(now_us) - sync_start))
	record S11 "$variant" "$rep" exit_s "$(us_to_s "$LAST_WALL_US")"
	record S11 "$variant" "$rep" sync_s "$(us_to_s "$sync_us")"
	record S11 "$variant" "$rep" durable_s "$(us_to_s $((LAST_WALL_US + sync_us)))"
	record_residue S11 "$variant" "$rep" "$TARGET_FILE"
	rm -f "$TARGET_FILE"
	say "S11 $variant #$rep: exit $(us_to_s "$LAST_WALL_US")s, durable $(us_to_s $((LAST_WALL_US + sync_us)))s"
}
scenario_S11() { for_each_run S11 s11_run; }
