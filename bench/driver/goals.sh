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
		t=$(get S2 devlimit total_s)
		[[ -z $d || -z $t ]] || check limit "S2 $v: durable ≤ 1.10× the device limit (O_DIRECT probe)" \
			"$d <= 1.10 * $t" "$d s vs $t s ($(ratio_of "$d" "$t")×)"
		d=$(get S11 "$v" durable_s) t=$(get S11 noshim durable_s)
		[[ -z $d || -z $t ]] || check short "S11 $v: durable ≤ 1.00× no shim" "$d <= $t" \
			"$d s vs $t s ($(ratio_of "$d" "$t")×; exit $(get S11 "$v" exit_s) s vs $(get S11 noshim exit_s) s)"
		d=$(get S1 "$v" total_s) t=$(get S1 noshim total_s)
		[[ -z $d || -z $t ]] || check slow "S1 $v: durable no slower than no shim (2 % noise allowed)" \
			"$d <= 1.02 * $t" "$d s vs $t s ($(ratio_of "$d" "$t")×)"
		d=$(get S3 "$v" max_write_ms) t=$(get S3 noshim max_write_ms)
		[[ -z $d || -z $t ]] || check pause "S3 $v: longest write() ≤ no shim + 50 ms" "$d <= $t + 50" "$d ms vs $t ms"
		# The kernel held to the defaults' bound is the yardstick for the defaults' pauses.
		for s in S1 S3; do
			[[ $v == wbshim ]] || break
			d=$(get "$s" wbshim p99_write_ms) t=$(get "$s" kernel-bound p99_write_ms)
			[[ -z $d || -z $t ]] || check kpause "$s wbshim: write() p99 ≤ the kernel's at the same bound" \
				"$d <= $t" "$d ms vs $t ms"
			d=$(get "$s" wbshim max_write_ms) t=$(get "$s" kernel-bound max_write_ms)
			[[ -z $d || -z $t ]] || check kpause "$s wbshim: longest write() ≤ the kernel's at the same bound + 20 ms" \
				"$d <= $t + 20" "$d ms vs $t ms"
		done
		tree_goal_rows "$v" "$bound"
		s13_goal_rows "$v" "$bound"
		s14_goal_rows "$v" "$bound"
		[[ $v != wbshim ]] || s12_goal_rows
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
	kpause) echo "the shim pauses the program in fewer but longer steps than the kernel would if it were held to the same memory: progress looks jerkier, and a program feeding from a device with a small buffer (a recorder, a drive being ripped) could overrun where the kernel's smaller pauses would not." ;;
	limit) echo "on a fast disk the shim leaves some of the device's speed unused: a big copy there takes that much longer than the disk could manage." ;;
	short) echo "a short job's data reaches the disk later than with the page cache followed by a sync; the exit time beside it shows what the program's user waits for." ;;
	inputbound) echo "a program held back by its input (a download, an image builder) took longer with the shim than without, though the disk kept up with it." ;;
	treetime) echo "copying a folder took longer to reach the disk with the shim than without: for photos or music copied to a USB stick, expect that much more time." ;;
	treeexit) echo "copying a folder of small files, the program itself took longer than copying without the shim and then syncing: its user waits that much longer for the prompt." ;;
	treemem) echo "copying a folder, more of the copied files stayed in memory than the shim's bound (files it does not pace, or closed files not yet dropped): such a copy still pushes other programs' cached data out, as it would without the shim." ;;
	victim) echo "a big copy pushed another program's cached working set out of memory (in the same memory cgroup): that program reads its files from disk again afterwards." ;;
	copyleft) echo "the copy's source or destination stayed in memory after it finished: that cache was taken from other programs, as it would be without the shim." ;;
	copytime) echo "the copy took longer to reach the disk with the shim than without." ;;
	percall) echo "each such call costs that much more CPU time: 100 ns more is 0.1 s per million calls. It matters only to programs making millions of tiny unbuffered calls; for writes of a few KiB or more it is lost in the cost of the call itself. A difference of a few percent is within the run-to-run noise of a shared machine." ;;
	*) echo "see the scenario's table below." ;;
	esac
}

# The figures a user looks at first, per scenario: one "metric|what it is[|baseline variant]"
# per line; the baseline is no shim unless named.
headline_for() {
	case $1 in
	S1) printf '%s\n' "own_dirty_wb_mb|peak dirty, MB" "total_s|open to durable, s" "fsync_s|final fsync, s" \
		"p99_write_ms|write() p99, ms" "p99_write_ms|write() p99 against the kernel at the same bound, ms|kernel-bound" ;;
	S2) printf '%s\n' "total_s|open to durable, s" "total_s|open to durable against the device limit, s|devlimit" ;;
	S3) printf '%s\n' "own_dirty_wb_mb|peak dirty, MB" "max_write_ms|longest write(), ms" \
		"p99_write_ms|write() p99 against the kernel at the same bound, ms|kernel-bound" ;;
	S10-*) printf '%s\n' "durable_s|copy + sync, s" "peak_cached_mb|peak cached by the written files, MB" ;;
	S13-*) printf '%s\n' "exit_s|exit, s" "durable_s|exit + sync, s" "peak_cached_mb|peak cached by the written files, MB" \
		"calls_per_file|system calls per file (strace -f -c)" "write_requests|write requests the disk completed" ;;
	S11) printf '%s\n' "exit_s|exit, s" "durable_s|durable (exit + sync), s" ;;
	S14-*) printf '%s\n' "exit_s|exit, s" "durable_s|exit + sync, s" "peak_inflight_mb|peak in flight (shim summary), MB" ;;
	S12) printf '%s\n' "victim_cached_pct|victim's hot file still cached, %" "durable_s|cp + dd, each + sync -f, s" \
		"victim_reread_s|victim's re-read afterwards, s" ;;
	S4) printf '%s\n' "max_usage_mb|peak cgroup memory, MB" ;;
	S5) printf '%s\n' "victim_p99_ms|victim's fdatasync p99, ms (no shim = idle disk)" ;;
	S6 | S7) printf '%s\n' "ns_per_write|ns per write()" ;;
	S8) printf '%s\n' "total_s|tar + sync, s" "own_dirty_wb_mb|peak dirty, MB" ;;
	S9) printf '%s\n' "ns_per_putc|ns per putc()" ;;
	esac
}

sweep_summary() {
	local met total
	total=$(wc -w <<<"$SWEEP_VARIANTS")
	met=$(sweep_section | grep -c '| all met |$' || true)
	echo "## Summary"
	echo
	echo "Tuning sweep: ${SCENARIOS// /, } without the shim and with each chunk × depth of the grid" \
		"($SWEEP_GRID), $REPEAT time(s) each. $met of $total settings met every goal; the" \
		"table below shows, for each, what it costs in memory, time and write() pauses."
	echo
}

summary_section() {
	local scen what metric base r t d pass fail kind
	echo "## Summary"
	echo
	echo "Measured: $(for scen in $SCENARIOS; do printf '%s; ' "$(scenario_title "$scen")"; done | sed 's/; $//')."
	echo "Each scenario ran without the shim, with the shim's defaults (chunk=$((DEFAULT_CHUNK / MIB))M depth=$DEFAULT_DEPTH) and with the variants its table lists, $REPEAT time(s) each; the figures are medians. Ratios below 1 favour the shim."
	echo
	echo "| scenario | measure | baseline | wbshim | ratio |"
	echo "|---|---|---|---|---|"
	for scen in $(report_scenarios); do
		while IFS='|' read -r metric what base; do
			base=${base:-noshim}
			[[ $scen != S5 ]] || base=idle
			t=$(get "$scen" "$base" "$metric") d=$(get "$scen" wbshim "$metric")
			[[ -n $t || -n $d ]] || continue
			r=$(ratio "$d" "$t")
			[[ $r == – ]] || r+=×
			echo "| $scen | $what | $base ${t:-–} | ${d:-–} | $r |"
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
		# One sentence per kind of goal, then the misses it explains.
		for kind in $(awk -F'\t' '$4 == "FAIL" && !seen[$1]++ { print $1 }' "$OUT/goals.tsv"); do
			echo "- Meaning: $(miss_meaning "$kind")"
			awk -F'\t' -v k="$kind" '$4 == "FAIL" && $1 == k { printf "  - %s: %s\n", $2, $3 }' "$OUT/goals.tsv"
		done
	fi
	echo
}

s12_goal_rows() {   # S12, wbshim defaults: the victim keeps its file, the copy is no slower
	local d t s m
	d=$(get S12 wbshim victim_cached_pct)
	[[ -z $d ]] || check victim "S12 wbshim: victim's hot file ≥ 95 % cached after the copy" "$d >= 95" \
		"$d % ($(get S12 wbshim victim_cached_mb) MB; no shim $(get S12 noshim victim_cached_pct) %)"
	d=$(get S12 wbshim durable_s) t=$(get S12 noshim durable_s)
	[[ -z $d || -z $t ]] || check copytime "S12 wbshim: durable ≤ 1.00× no shim" "$d <= $t" \
		"$d s vs $t s ($(ratio_of "$d" "$t")×)"
	for m in src_cached_mb dst_cp_cached_mb dst_dd_cached_mb; do
		d=$(get S12 wbshim "$m")
		case $m in src*) s="source" ;; dst_cp*) s="cp's destination" ;; *) s="dd's destination" ;; esac
		[[ -z $d ]] || check copyleft "S12 wbshim: $s ≤ 28 MB cached at exit" "$d <= 28" "$d MB"
	done
	return 0
}
