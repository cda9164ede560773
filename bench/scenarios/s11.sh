# shellcheck shell=bash
# bench: S11, a short job.

# A short job as most programs end one: write, close, exit, no fsync. Exit time is
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
