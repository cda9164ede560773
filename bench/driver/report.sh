# shellcheck shell=bash
# bench: medians over repeats and the tables of results.md.

report_scenarios() {   # SCENARIOS with S10, S13 and S14 replaced by their cases found in the results
	local s
	for s in $SCENARIOS; do
		if [[ $s == S10 || $s == S13 || $s == S14 ]]; then
			awk -F, -v s="$s" 'index($1, s "-") == 1 && !seen[$1]++ { print $1 }' "$OUT/agg.csv"
		else
			echo "$s"
		fi
	done
}

# Medians (and ranges) over repeats, from runs.csv.
aggregate() {
	awk -F, 'NR > 1 { key = $1 "," $2 "," $4; v[key] = v[key] " " $5; if (!(key in seen)) { seen[key] = 1; order[++n] = key } }
	END {
		for (i = 1; i <= n; i++) {
			k = order[i]; m = split(substr(v[k], 2), a, " ")
			for (x = 1; x <= m; x++) for (y = x + 1; y <= m; y++) if (a[y] + 0 < a[x] + 0) { t = a[x]; a[x] = a[y]; a[y] = t }
			med = (m % 2) ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
			print k "," med "," a[1] "," a[m] "," m
		}
	}' "$OUT/runs.csv"
}

# The medians of agg.csv by "scenario,variant,metric", read once after aggregate (the
# reports and goals look up hundreds of them: no awk per lookup).
declare -A MEDIANS=()
load_medians() {
	local scen variant metric median rest
	MEDIANS=()
	while IFS=, read -r scen variant metric median rest; do
		MEDIANS[$scen,$variant,$metric]=$median
	done <"$OUT/agg.csv"
}

get() {   # scen variant metric -> median (empty if absent)
	[[ -z ${MEDIANS[$1,$2,$3]+set} ]] || echo "${MEDIANS[$1,$2,$3]}"
}

metrics_for() {
	case $1 in
	S1) echo "total_s fsync_s own_dirty_wb_mb peak_dirty_wb_mb max_write_ms p99_write_ms p50_write_us shim_wait_max_ms residue_mb" ;;
	S2) echo "total_s fsync_s write_s own_dirty_wb_mb peak_dirty_wb_mb max_write_ms residue_mb" ;;
	S3) echo "own_dirty_wb_mb peak_dirty_wb_mb max_write_ms p99_write_ms p50_write_us writes_over_100ms shim_wait_max_ms total_s" ;;
	S4) echo "max_usage_mb peak_cgroup_mb writes_over_100ms max_write_ms total_s" ;;
	S5) echo "victim_p50_ms victim_p99_ms victim_max_ms victim_ops_over_100ms victim_ops" ;;
	S6 | S7) echo "ns_per_write" ;;
	S9) echo "ns_per_putc" ;;
	S8) echo "total_s tar_s sync_s own_dirty_wb_mb peak_dirty_wb_mb" ;;
	S10*) echo "durable_s copy_s sync_s own_dirty_wb_mb peak_cached_mb cached_at_exit_mb write_requests" ;;
	S14*) echo "exit_s durable_s sync_s peak_inflight_mb pace_sleeps pace_ms rate_mbs" ;;
	S13*) echo "durable_s exit_s sync_s own_dirty_wb_mb peak_cached_mb cached_at_exit_mb calls_per_file write_requests" ;;
	S11) echo "exit_s durable_s sync_s own_dirty_wb_mb residue_mb" ;;
	S12) echo "victim_cached_mb victim_cached_pct durable_s cp_durable_s dd_durable_s src_cached_mb dst_cp_cached_mb dst_dd_cached_mb victim_reread_s max_usage_mb" ;;
	esac
}

scenario_title() {
	case $1 in
	S1) echo "S1: $S1_DESC at full speed to a 50 MB/s slow disk" ;;
	S2) echo "S2: $S2_DESC at full speed to the fast disk (root ext4)" ;;
	S3) echo "S3: $S3_DESC at 15 MB/s to the 50 MB/s disk" ;;
	S4) echo "S4: $S4_DESC inside a $S4_LIMIT_DESC memory cgroup, fast disk" ;;
	S5) echo "S5: victim (1 MB append + fdatasync every 100 ms, root fs) during S1's writer" ;;
	S6) echo "S6: 1-byte write() to /dev/null" ;;
	S7) echo "S7: 1-byte write() to a regular file (root ext4)" ;;
	S8) echo "S8: tar -xf of $S8_FILES files of 1-20 MB + sync -f (fast disk)" ;;
	S9) echo "S9: putc() to a stdio stream on a regular file (root ext4)" ;;
	S10) echo "S10: trees, cp -r and rsync -a of $S10_DESC, to the fast and the slow disk + sync -f" ;;
	S10-*) tree_title "$1" ;;
	S13) echo "S13: many small files, cp -r, tar -x and rsync -a of $S13_DESC + sync -f" ;;
	S13-*) tree_title "$1" ;;
	S14) echo "S14: input-bound writers to the fast disk, a download and an image builder + sync -f" ;;
	S14-*) s14_title "$1" ;;
	S11) echo "S11: a short job, 256 MB to the fast disk without fsync: exit and durable time" ;;
	S12) echo "S12: the victim's working set ($S12_DESC): cp then dd to the fast disk beside a hot file" ;;
	esac
}

markdown_table() {   # scen: one row per variant, value (range) and ratio to noshim
	local scen=$1 metrics
	metrics=$(metrics_for "$scen")
	awk -F, -v scen="$scen" -v metrics="$metrics" '
	$1 == scen { key = $2 SUBSEP $3; med[key] = $4; lo[key] = $5; hi[key] = $6; cnt[key] = $7
		if (!($2 in seen)) { seen[$2] = 1; order[++n] = $2 } }
	END {
		m = split(metrics, cols, " ")
		line = "| variant |"; sep = "|---|"
		for (j = 1; j <= m; j++) { line = line " " cols[j] " |"; sep = sep "---|" }
		print line; print sep
		for (i = 1; i <= n; i++) {
			v = order[i]; line = "| " v " |"
			for (j = 1; j <= m; j++) {
				key = v SUBSEP cols[j]; base = "noshim" SUBSEP cols[j]
				if (!(key in med)) { line = line " – |"; continue }
				cell = med[key]
				if (cnt[key] > 1 && lo[key] != hi[key]) cell = cell " (" lo[key] "–" hi[key] ")"
				if (v != "noshim" && (base in med) && med[base] + 0 > 0)
					cell = cell sprintf(" **%.2f×**", med[key] / med[base])
				line = line " " cell " |"
			}
			print line
		}
	}' "$OUT/agg.csv"
}

scenario_note() {   # scen: what a table's ratios to no shim do not say
	local limit v d line=""
	case $1 in
	S2)
		limit=$(get S2 devlimit total_s)
		[[ -n $limit ]] || return 0
		for v in $(variants_for S2); do
			d=$(get S2 "$v" total_s)
			[[ -z $d || $v == devlimit ]] || line+="${line:+, }$v $(ratio "$d" "$limit")×"
		done
		echo "Open to durable against the device limit (devlimit, $limit s): $line."
		echo ;;
	S11)
		echo "exit_s: until the program has exited (what its user waits for); durable_s: exit_s" \
			"plus \`sync FILE\` afterwards."
		echo ;;
	S13-*) s13_note "$1" ;;
	S12)
		echo "victim_cached: the victim's hot file still in the page cache after the copy job" \
			"(fincore); durable_s = cp_durable_s (cp + sync -f) + dd_durable_s (dd bs=1M + sync -f);" \
			"src/dst_*_cached_mb: what the source and each destination leave cached at exit;" \
			"victim_reread_s: the victim's next read of its file. All in one memory cgroup."
		echo ;;
	esac
}

commands_of() {   # scen: the exact command of each variant's first run
	local d
	for d in "$OUT"/runs/"$1"-*-1; do
		[[ -f $d/cmd ]] || continue
		echo "- \`$(basename "${d%-1}")\`: \`$(cat "$d/cmd")\`"
	done
}

get_range() {   # scen variant metric -> "median (min–max)" or "–"
	awk -F, -v k="$1,$2,$3" '$1 "," $2 "," $3 == k {
		printf "%s", $4; if ($7 > 1 && $5 != $6) printf " (%s–%s)", $5, $6; found = 1 }
		END { if (!found) printf "–" }' "$OUT/agg.csv"
}

ratio() {   # a b -> a/b with 2 decimals, or – when either is missing
	awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b + 0 == 0) print "–"; else printf "%.2f\n", a / b }'
}

sweep_section() {
	local v chunk depth bound s1 s1base s2 s2base s3max s3base ok
	s1base=$(get S1 noshim total_s) s2base=$(get S2 noshim total_s) s3base=$(get S3 noshim max_write_ms)
	echo "## Sweep: chunk × depth (medians, ranges over $REPEAT runs)"
	echo
	echo "No shim: S1 durable $(get_range S1 noshim total_s) s, peak dirty $(get_range S1 noshim own_dirty_wb_mb) MB;" \
		"S2 durable $(get_range S2 noshim total_s) s; S3 longest write $(get_range S3 noshim max_write_ms) ms," \
		"peak dirty $(get_range S3 noshim own_dirty_wb_mb) MB."
	echo
	echo "Dirty = the writer's own Dirty+Writeback (its memory cgroup), peak over the run."
	echo
	echo "| chunk:depth | bound MB | S1 dirty MB | S1 durable s | S1 × | S1 fsync s | S2 durable s | S2 × | S3 dirty MB | S3 max write ms | S3 p99 ms | goals |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
	for v in $SWEEP_VARIANTS; do
		chunk=${v#shim:} depth=${chunk#*:} chunk=${chunk%%:*}
		bound=$(((depth + 1) * $(to_bytes "$chunk") / MIB + 8))
		s1=$(get S1 "$v" total_s) s2=$(get S2 "$v" total_s) s3max=$(get S3 "$v" max_write_ms)
		ok=$(awk -v b="$bound" -v d1="$(get S1 "$v" own_dirty_wb_mb)" -v d3="$(get S3 "$v" own_dirty_wb_mb)" \
			-v s1="$s1" -v s1b="$s1base" -v s2="$s2" -v s2b="$s2base" -v m="$s3max" -v mb="$s3base" 'BEGIN {
			f = ""
			if (d1 != "" && d1 > b || d3 != "" && d3 > b) f = f " dirty"
			if (s1 != "" && s1b != "" && s1 > 1.02 * s1b) f = f " S1"
			if (s2 != "" && s2b != "" && s2 > 0.3 * s2b) f = f " S2"
			if (m != "" && mb != "" && m > mb + 50) f = f " S3"
			print (f == "") ? "all met" : "missed:" f }')
		echo "| ${chunk}:$depth | $bound | $(get_range S1 "$v" own_dirty_wb_mb) | $(get_range S1 "$v" total_s) | $(ratio "$s1" "$s1base") |" \
			"$(get_range S1 "$v" fsync_s) | $(get_range S2 "$v" total_s) | $(ratio "$s2" "$s2base") | $(get_range S3 "$v" own_dirty_wb_mb) |" \
			"$(get_range S3 "$v" max_write_ms) | $(get_range S3 "$v" p99_write_ms) | $ok |"
	done
	echo
}

write_markdown() {
	local scen
	{
		echo "# wbshim benchmark results"
		echo
		if [[ $SWEEP -eq 0 ]]; then
			goal_rows >"$OUT/goals.tsv"
			summary_section
		else
			sweep_summary
		fi
		echo "## Setup"
		echo
		echo "Command: \`cd $ROOT && $COMMAND_LINE\`  "
		echo "Date: $(date -Is), host $(hostname), kernel $(uname -r), $(nproc) CPUs, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)  "
		echo "wbshim: $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown), defaults chunk=$((DEFAULT_CHUNK / MIB))M depth=$DEFAULT_DEPTH; tuned = $TUNED (chunk:depth)${BASE_LIB:+; base = the library at $BASE_LIB, its defaults}  "
		echo "Anchors: bdi = /sys/class/bdi/MAJ:MIN/max_bytes=$((ANCHOR_BYTES / MIB))M + strict_limit=1; dirty-bytes = vm.dirty_bytes=$((ANCHOR_BYTES / MIB))M; dd bs=8M conv=fsync; dontcache = pwritev2(RWF_DONTCACHE).  "
		echo "Rigs: memory cgroups ${CG_MEM:-none}${CG_MEM_ROOT:+ at $CG_MEM_ROOT}$([[ -z ${SLOW_MNT:-} ]] ||
			echo "; slow disk $SLOW_MNT, 50 MB/s by ${SLOW_CG2:+cgroup v2 io.max of $SLOW_CG2}${SLOW_CG2:-cgroup v1 blkio}").  "
		echo "Times are open-to-durable (write + final fsync) unless noted; MB = 2^20 bytes. Cells: median (min–max over $REPEAT runs) and **ratio to noshim**."
		echo
		if [[ $SWEEP -eq 1 ]]; then sweep_section; else goals_section; fi
		for scen in $(report_scenarios); do
			grep -q "^$scen," "$OUT/agg.csv" || continue
			echo "## $(scenario_title "$scen")"
			echo
			markdown_table "$scen"
			echo
			scenario_note "$scen"
			echo "<details><summary>commands</summary>"
			echo
			commands_of "$scen"
			echo
			echo "</details>"
			echo
		done
		for scen in S1 S3; do
			[[ ! -f $OUT/$scen-dirty.png ]] || echo "![$scen dirty]($scen-dirty.png) ![$scen disk]($scen-disk-mbps.png)"
			[[ ! -f $OUT/$scen-app-mbps.png ]] || echo "![$scen app]($scen-app-mbps.png)"
			[[ ! -f $OUT/$scen-latency.png ]] || echo "![$scen write() latency]($scen-latency.png)"
			[[ ! -f $OUT/$scen-dirty.txt ]] || printf '```text\n%s\n```\n' "$(cat "$OUT/$scen-dirty.txt")"
			[[ ! -f $OUT/$scen-latency.txt ]] || printf '```text\n%s\n```\n' "$(cat "$OUT/$scen-latency.txt")"
		done
		echo
	} >"$OUT/results.md"
}
