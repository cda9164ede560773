# shellcheck shell=bash
# bench: running one measured command (page cache settled, cgroup, samplers, knobs).

settle() {
	# Each run starts from a clean page cache, so no run pays for its predecessor's pages;
	# BENCH_KEEP_CACHE=1 leaves the cache alone (a machine shared with other work).
	sync
	[[ ${BENCH_KEEP_CACHE:-0} -eq 1 ]] || ! is_root || echo 3 >/proc/sys/vm/drop_caches
	return 0
}

# Every 20 ms: sectors written to the target disk and, when the run has its own memory
# cgroup, that cgroup's dirty + writeback pages. The latter are the writer's alone, so they
# stay right when someone else writes on this shared machine (/proc/meminfo does not).
disk_sampler() {   # stat-file cgroup-dir-or-empty start-us; runs until killed
	local stat=$1 cg=$2 start=$3 fields key value dirty wb file tick dirty_key wb_key file_key
	dirty_key=$(cg_stat_key dirty) wb_key=$(cg_stat_key writeback) file_key=$(cg_stat_key file)
	exec {tick}<> <(:)   # read -t on a silent pipe: a 20 ms sleep without a fork
	echo "t_ms,sectors_written,cg_dirty_kb,cg_writeback_kb,cg_file_kb"
	while :; do
		read -r -a fields <"$stat"
		dirty=0 wb=0 file=0
		if [[ -n $cg ]]; then
			# The file-cache key comes first in both versions, writeback last.
			while read -r key value; do
				case $key in
				"$file_key") file=$value ;;
				"$dirty_key") dirty=$value ;;
				"$wb_key") wb=$value; break ;;
				esac
			done <"$cg/memory.stat"
		fi
		echo "$((($(now_us) - start) / 1000)),${fields[6]},$((dirty / 1024)),$((wb / 1024)),$((file / 1024))"
		read -r -t 0.02 -u "$tick" _ || true
	done
}

start_victim() {   # run-dir: S5's victim on the root filesystem, in the background
	"$TOOLS/victim" -o "$FAST_DIR/victim.dat" >"$1/victim.out" 2>&1 &
	VICTIM_PID=$!
	BG_PIDS+=("$VICTIM_PID")
}

stop_victim() {
	kill -TERM "$VICTIM_PID" 2>/dev/null || true
	wait "$VICTIM_PID" || say "victim failed: $(cat "$1/victim.out")"
	bg_forget "$VICTIM_PID"
	rm -f "$FAST_DIR/victim.dat"
}

# run_measured SCEN VARIANT REP DIR MAJ:MIN BLOCKDEV [cgroup-limit]: runs CMD under the
# sampler in a fresh cgroup with the variant's knobs applied, records wall time and every
# key=value it printed, then restores the knobs. Sets LAST_WALL_US.
run_measured() {
	local scen=$1 variant=$2 rep=$3 dir=$4 majmin=$5 blockdev=$6 limit=${7:-}
	local start disk_pid status=0 sampler_opts=()
	settle
	# S10 reads its source from the cache, loaded here, outside the writer's cgroup.
	[[ -z ${WARM_TREE:-} ]] || warm_tree "$WARM_TREE"
	make_cgroup "$limit" "$([[ $majmin == "${SLOW_MAJMIN:-}" ]] && echo 1 || echo 0)"
	wrap_cgroup
	[[ -z $CGROUP_NOW ]] || sampler_opts=(--cgroup "$CGROUP_NOW")
	printf '%q ' "${CMD[@]}" >"$dir/cmd"
	apply_variant_knobs "$variant" "$majmin"
	# S5's victim lives exactly as long as the writer, and outside its cgroup.
	[[ ${WITH_VICTIM:-0} -eq 0 ]] || start_victim "$dir"
	start=$(now_us)
	disk_sampler "/sys/block/$blockdev/stat" "$CGROUP_NOW" "$start" >"$dir/disk.csv" &
	disk_pid=$!
	BG_PIDS+=("$disk_pid")
	# In the background and waited for: bash runs a trap only between commands, and a
	# run can take minutes; an interrupted wait lets cleanup stop the sampler (which
	# stops the writer) at once.
	"$TOOLS/sampler" -o "$dir/dirty.csv" "${sampler_opts[@]}" -- "${CMD[@]}" >"$dir/stdout" 2>"$dir/stderr" &
	local sampler_pid=$!
	BG_PIDS+=("$sampler_pid")
	wait "$sampler_pid" || status=$?
	bg_forget "$sampler_pid"
	LAST_WALL_US=$(($(now_us) - start))
	kill "$disk_pid" 2>/dev/null || true
	wait "$disk_pid" 2>/dev/null || true
	bg_forget "$disk_pid"
	[[ ${WITH_VICTIM:-0} -eq 0 ]] || stop_victim "$dir"
	restore_knobs
	[[ $status -eq 0 ]] || die "$scen/$variant failed (exit $status): $(tail -3 "$dir/stderr")"
	record "$scen" "$variant" "$rep" wall_s "$(us_to_s "$LAST_WALL_US")"
	record_kv "$scen" "$variant" "$rep" "$dir/stdout"
	record_shim_log "$scen" "$variant" "$rep" "$dir/shim.log" "${TARGET_FILE:-/nonexistent}"
	if [[ -n $CGROUP_NOW ]]; then
		# The kernel's own high-water mark, exact where a sampler may miss a short peak.
		record_cgroup_peak "$scen" "$variant" "$rep"
		record "$scen" "$variant" "$rep" own_dirty_wb_mb \
			"$(awk -F, 'NR > 1 && $3 + $4 > m { m = $3 + $4 } END { printf "%.1f", m / 1024 }' "$dir/disk.csv")"
		remove_cgroup
	fi
}

# One writer run of a file scenario (S1, S2, S3): writes, measures, records, deletes.
run_writer() {   # scen variant rep target-dir bytes rate
	local scen=$1 variant=$2 rep=$3 tdir=$4 bytes=$5 rate=$6 dir mm dev
	dir=$OUT/runs/$scen-$variant-$rep
	dir=${dir//:/_}
	mkdir -p "$dir"
	TARGET_FILE=$tdir/wbshim-bench.$scen
	mm=$(majmin_of "$tdir") dev=$(block_name "$tdir")
	build_writer "$variant" "$TARGET_FILE" "$bytes" "$rate" "$dir"
	WITH_VICTIM=0
	[[ $scen == S1 && $WANT_S5 -eq 1 ]] && WITH_VICTIM=1
	run_measured "$scen" "$variant" "$rep" "$dir" "$mm" "$dev"
	[[ $WITH_VICTIM -eq 0 ]] || record_kv S5 "$variant" "$rep" "$dir/victim.out" victim_
	WITH_VICTIM=0
	# dd has no per-write timing: its wall time (exec to fsync return) is its durable time.
	[[ $variant == dd-* ]] && record "$scen" "$variant" "$rep" total_s "$(us_to_s "$LAST_WALL_US")"
	record_residue "$scen" "$variant" "$rep" "$TARGET_FILE"
	rm -f "$TARGET_FILE"
	say "$scen $variant #$rep: $(summary_line "$dir/stdout") wall=$(us_to_s "$LAST_WALL_US")s"
}

summary_line() {   # the few numbers worth printing while it runs
	grep -hoE '\b(total_s|fsync_s|max_write_ms|p99_write_ms|peak_dirty_wb_mb|peak_cgroup_mb|writes_over_100ms)=[0-9.]+' "$1" |
		paste -sd ' ' || true
}

majmin_of() {   # DIR -> MAJ:MIN of its filesystem's device (findmnt pads the column)
	local mm
	mm=$(findmnt -n -o MAJ:MIN -T "$1")
	echo "${mm// /}"
}

block_name() {   # DIR -> name under /sys/block of the disk holding it (vda, loop0)
	local src
	src=$(findmnt -n -o SOURCE -T "$1")
	src=$(basename "$src")
	# A partition's statistics live under its disk; the file works the same either way.
	if [[ -e /sys/class/block/$src/stat ]]; then
		echo "$(basename "$(readlink -f "/sys/class/block/$src")")"
	else
		die "no block device statistics for $1 ($src)"
	fi
}

writes_done() {   # block-name -> write requests the disk has completed (its stat's 5th field)
	local fields
	read -r -a fields <"/sys/class/block/$1/stat"
	echo "${fields[4]}"
}

warm_tree() {   # dir: read it into the page cache, charged to the bench, not the copy
	find "$1" -type f -exec cat {} + >/dev/null
}

tree_cached_mb() {   # dir -> MB of its files in the page cache
	find "$1" -type f -print0 | xargs -0 -r fincore -b -n -o RES |
		awk '{ s += $1 } END { printf "%.1f", s / 1048576 }'
}

# A tree copy, measured (S10, S13): CMD and the variant's environment are set, dest is
# where CMD writes, WARM_TREE the source to read into the cache first (or empty).
# Records the cache the copy's files hold (peak, at exit), its time (as `first`:
# copy_s or exit_s), the sync -f after it and their sum, durable_s.
tree_copy_measured() {   # id variant rep run-dir parent dest first-metric
	local id=$1 variant=$2 rep=$3 dir=$4 parent=$5 dest=$6 first=$7 sync_start sync_us disk writes
	TARGET_FILE=""
	disk=$(block_name "$parent")
	# Write requests the disk completed until the copy was durable: the kernel's flusher
	# merges many small files into one request; a kick per file is a request per file.
	# Counts the whole disk's: anything else writing to it meanwhile is in the figure.
	writes=$(writes_done "$disk")
	run_measured "$id" "$variant" "$rep" "$dir" "$(majmin_of "$parent")" "$disk"
	WARM_TREE=""
	record "$id" "$variant" "$rep" cached_at_exit_mb "$(tree_cached_mb "$dest")"
	# Without a memory cgroup there is no counter of the copy's own cache: no figure.
	[[ -z $CG_MEM ]] || record "$id" "$variant" "$rep" peak_cached_mb \
		"$(awk -F, 'NR > 1 && $5 > m { m = $5 } END { printf "%.1f", m / 1024 }' "$dir/disk.csv")"
	sync_start=$(now_us)
	sync -f "$dest"
	sync_us=$(($(now_us) - sync_start))
	record "$id" "$variant" "$rep" write_requests $(($(writes_done "$disk") - writes))
	record "$id" "$variant" "$rep" "$first" "$(us_to_s "$LAST_WALL_US")"
	record "$id" "$variant" "$rep" sync_s "$(us_to_s "$sync_us")"
	record "$id" "$variant" "$rep" durable_s "$(us_to_s $((LAST_WALL_US + sync_us)))"
	rm -rf "$dest"
	say "$id $variant #$rep: ${first%_s} $(us_to_s "$LAST_WALL_US")s + sync $(us_to_s "$sync_us")s," \
		"peak cached $(get_last "$id" "$variant" "$rep" peak_cached_mb) MB," \
		"at exit $(get_last "$id" "$variant" "$rep" cached_at_exit_mb) MB"
}
