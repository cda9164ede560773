# shellcheck shell=bash
# bench: recording measurements into runs.csv.

# runs.csv: every measurement (scenario,variant,rep,metric,value); results.csv: medians.
record() { echo "$1,$2,$3,$4,$5" >>"$OUT/runs.csv"; }

record_kv() {   # scenario variant rep file [metric-prefix]: every key=number in the file
	local kv
	for kv in $(grep -hoE '\b[a-z0-9_]+=[0-9.]+\b' "$4" 2>/dev/null || true); do
		record "$1" "$2" "$3" "${5:-}${kv%%=*}" "${kv#*=}"
	done
}

record_shim_log() {   # wait_max_ms of the target file from the shim's per-file summary
	local scen=$1 variant=$2 rep=$3 log=$4 file=$5 line
	[[ -f $log ]] || return 0
	line=$(grep -F " $file " "$log" | tail -1 || true)
	[[ -n $line ]] || return 0
	record "$scen" "$variant" "$rep" shim_wait_max_ms "$(sed -E 's/.*wait_max_ms=([0-9.]+).*/\1/' <<<"$line")"
	record "$scen" "$variant" "$rep" shim_chunks "$(sed -E 's/.* chunks=([0-9]+).*/\1/' <<<"$line")"
}

record_residue() {   # MB of the file still in the page cache after the writer exited
	local res
	res=$(fincore -b -n -o RES "$4" 2>/dev/null || echo 0)
	record "$1" "$2" "$3" residue_mb "$(awk -v b="${res:-0}" 'BEGIN { printf "%.1f", b / 1048576 }')"
}

get_last() {   # scen variant rep metric -> the value just recorded
	awk -F, -v k="$1,$2,$3,$4" '$1 "," $2 "," $3 "," $4 == k { v = $5 } END { print v }' "$OUT/runs.csv"
}
