# shellcheck shell=bash
# bench: S6, S7, S9, the cost per call: 1-byte writes to /dev/null (S6) and to a file (S7),
# putc to a file (S9).

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
