# shellcheck shell=bash
# bench: the goals, checked against the medians, and the summary that opens results.md.

ratio_of() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
pct_over() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%+.1f", (a / b - 1) * 100 }'; }

# One goal: kind<TAB>label<TAB>measured<TAB>PASS|FAIL. The kind selects the sentence that
# explains a miss to a user (miss_meaning).
check() {   # kind label pass-condition-as-awk-expression measured
	local verdict
	verdict=$(awk "BEGIN { print ($3) ? \"PASS\" : \"FAIL\" }")
	printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$4" "$verdict"
}

shim_bound_mb() {   # variant -> (depth+1) x chunk + 8 MB, the shim's stated bound
	case $1 in
	wbshim) echo $(((DEFAULT_DEPTH + 1) * DEFAULT_CHUNK / MIB + 8)) ;;
	tuned) echo $(((${TUNED##*:} + 1) * $(to_bytes "${TUNED%%:*}") / MIB + 8)) ;;
	esac
}

goal_rows() {
	local v s bound d t m
	for v in wbshim tuned; do
		bound=$(shim_bound_mb "$v")
		for s in S1 S3; do
			# The writer's own pages (its memory cgroup); the system-wide figure also counts
			# whatever else runs on the machine.
			d=$(get "$s" "$v" own_dirty_wb_mb)
			[[ -z $d ]] || check dirty "$s $v: peak dirty ≤ (depth+1)·chunk + 8 MB = $bound MB" "$d <= $bound" \
				"$d MB (system-wide $(get "$s" "$v" peak_dirty_wb_mb) MB)"
		done
		d=$(get S2 "$v" total_s) t=$(get S2 noshim total_s)
		[[ -z $d || -z $t ]] || check fast "S2 $v: durable ≤ 0.3× no shim" "$d <= 0.3 * $t" \
			"$d s vs $t s ($(ratio_of "$d" "$t")×)"
		d=$(get S1 "$v" total_s) t=$(get S1 noshim total_s)
		[[ -z $d || -z $t ]] || check slow "S1 $v: durable no slower than no shim (2 % noise allowed)" \
			"$d <= 1.02 * $t" "$d s vs $t s ($(ratio_of "$d" "$t")×)"
		d=$(get S3 "$v" max_write_ms) t=$(get S3 noshim max_write_ms)
		[[ -z $d || -z $t ]] || check pause "S3 $v: longest write() ≤ no shim + 50 ms" "$d <= $t + 50" "$d ms vs $t ms"
		for s in S6 S7 S9; do
			m=$(metrics_for "$s")
			d=$(get "$s" "$v" "$m") t=$(get "$s" noshim "$m")
			[[ -z $d || -z $t ]] || check percall "$s $v: per-call overhead ≤ 2 %" "$d <= 1.02 * $t" \
				"$d ns vs $t ns ($(pct_over "$d" "$t") %)"
		done
	done
	return 0
}

goals_section() {
	echo "## Goals"
	echo
	echo "| goal | measured (medians) | verdict |"
	echo "|---|---|---|"
	awk -F'\t' '{ print "| " $2 " | " $3 " | " $4 " |" }' "$OUT/goals.tsv"
	echo
}

miss_meaning() {   # kind -> what a missed goal of that kind means for a user
	case $1 in
	dirty) echo "the program held more unwritten data in memory than the shim promises: other programs' cached files were evicted to make room for it, and a final fsync (or unmounting a USB stick) waits for more than a few chunks." ;;
	fast) echo "on a fast disk the shim did not bring the data to disk much sooner than the page cache alone; there the gain is the memory kept free, not time." ;;
	slow) echo "the data reached the slow disk later with the shim than without: a big copy to slow media takes that much longer." ;;
	pause) echo "a program writing at a steady rate was paused in write() for longer than without the shim: a recorder or capture tool with a small buffer could overrun." ;;
	percall) echo "each such call costs that much more CPU time: 100 ns more is 0.1 s per million calls. It matters only to programs making millions of tiny unbuffered calls; for writes of a few KiB or more it is lost in the cost of the call itself. A difference of a few percent is within the run-to-run noise of a shared machine." ;;
	*) echo "see the scenario's table below." ;;
	esac
}

# The figures a user looks at first, per scenario: one "metric|what it is" per line.
headline_for() {
	case $1 in
	S1) printf '%s\n' "own_dirty_wb_mb|peak dirty, MB" "total_s|open to durable, s" "fsync_s|final fsync, s" ;;
	S2) printf '%s\n' "total_s|open to durable, s" ;;
	S3) printf '%s\n' "own_dirty_wb_mb|peak dirty, MB" "max_write_ms|longest write(), ms" ;;
	S4) printf '%s\n' "max_usage_mb|peak cgroup memory, MB" ;;
	S5) printf '%s\n' "victim_p99_ms|victim's fdatasync p99, ms (no shim = idle disk)" ;;
	S6 | S7) printf '%s\n' "ns_per_write|ns per write()" ;;
	S8) printf '%s\n' "total_s|tar + sync, s" "own_dirty_wb_mb|peak dirty, MB" ;;
	S9) printf '%s\n' "ns_per_putc|ns per putc()" ;;
	esac
}

summary_section() {
	local scen what metric r t d pass fail kind
	echo "## Summary"
	echo
	echo "Measured: $(for scen in $SCENARIOS; do printf '%s; ' "$(scenario_title "$scen")"; done | sed 's/; $//')."
	echo "Each scenario ran without the shim and with it (defaults chunk=$((DEFAULT_CHUNK / MIB))M depth=$DEFAULT_DEPTH, and tuned $TUNED), $REPEAT time(s); the figures are medians."
	echo
	echo "| scenario | measure | no shim | wbshim | ratio |"
	echo "|---|---|---|---|---|"
	for scen in $SCENARIOS; do
		while IFS='|' read -r metric what; do
			t=$(get "$scen" noshim "$metric") d=$(get "$scen" wbshim "$metric")
			[[ $scen != S5 ]] || t=$(get S5 idle "$metric")
			[[ -n $t || -n $d ]] || continue
			r=$(ratio "$d" "$t")
			[[ $r == – ]] || r+=×
			echo "| $scen | $what | ${t:-–} | ${d:-–} | $r |"
		done < <(headline_for "$scen")
	done
	echo
	pass=$(grep -c $'\tPASS$' "$OUT/goals.tsv" || true) fail=$(grep -c $'\tFAIL$' "$OUT/goals.tsv" || true)
	if [[ $((pass + fail)) -eq 0 ]]; then
		echo "No goal applies to the scenarios run."
	elif [[ $fail -eq 0 ]]; then
		echo "Goals: all $pass met (table below)."
	else
		echo "Goals: $pass of $((pass + fail)) met. Missed, and what it means for you:"
		echo
		# One sentence per kind of goal, after the misses it explains.
		for kind in $(awk -F'\t' '$4 == "FAIL" && !seen[$1]++ { print $1 }' "$OUT/goals.tsv"); do
			echo "- $(awk -F'\t' -v k="$kind" '$4 == "FAIL" && $1 == k { printf "%s**%s** (%s)", sep, $2, $3; sep = "; " }' "$OUT/goals.tsv"):" \
				"$(miss_meaning "$kind")"
		done
	fi
	echo
}
