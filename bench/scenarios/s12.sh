# shellcheck shell=bash
# bench: S12, the victim's working set. In one memory cgroup, a victim makes a file hot
# (three reads), then a copy job runs beside it: cp of a big source to the fast disk, then
# dd of the same source to a second file. Measured: how much of the victim's file is still
# cached afterwards, the copy's time to durable (each step + sync -f), what the source and
# the destinations leave cached (fincore), and the victim's time to re-read its file.
#
# No global drop_caches here: it would also empty the victim's file. Only the source's and
# the destinations' pages are dropped (fadvise DONTNEED through dd iflag=nocache).

s12_file() {   # name bytes -> path of a deterministic file in CACHE_DIR, made once
	local f=$CACHE_DIR/s12-$1-$(($2 / MIB))M
	if [[ ! -f $f.done ]]; then
		say "S12: generating $f ($(($2 / MIB)) MB, once)"
		mkdir -p "$CACHE_DIR"
		rm -f "$f"
		# head closes the pipe early on purpose; openssl's SIGPIPE is not a failure.
		{ openssl enc -aes-128-ctr -nosalt -pbkdf2 -pass "pass:wbshim-s12-$1" </dev/zero 2>/dev/null || true; } |
			head -c "$2" >"$f"
		sync -f "$f"
		touch "$f.done"
	fi
	echo "$f"
}

s12_drop() {   # files...: drop their pages from the cache (only those files)
	local f
	for f in "$@"; do
		[[ -f $f ]] && dd if="$f" iflag=nocache count=0 status=none
	done
	return 0
}

s12_cached_mb() {   # file -> MB of it in the page cache
	local res
	res=$(fincore -b -n -o RES "$1" 2>/dev/null || echo 0)
	awk -v b="${res:-0}" 'BEGIN { printf "%.1f", b / 1048576 }'
}

s12_in_cgroup() {   # runs CMD in the run's cgroup; sets LAST_WALL_US
	local start
	wrap_cgroup
	start=$(now_us)
	"${CMD[@]}"
	LAST_WALL_US=$(($(now_us) - start))
}

s12_copy_cmd() {   # variant run-dir cmd...: CMD = cmd with the variant's preload or wrapper
	local variant=$1 dir=$2
	shift 2
	CMD=("$@")
	case $variant in
	nocache) CMD=(nocache "${CMD[@]}") ;;
	*) shim_env "$variant" "$dir" ;;
	esac
}

s12_run() {   # variant rep hot-file source-file
	local variant=$1 rep=$2 hot=$3 src=$4 dir dst dst2 cp_us dd_us sync_start sync_us
	local hot_mb durable_us
	dir=$OUT/runs/S12-${variant//:/_}-$rep
	mkdir -p "$dir"
	dst=$FAST_DIR/wbshim-bench.S12.cp dst2=$FAST_DIR/wbshim-bench.S12.dd
	rm -f "$dst" "$dst2"
	sync -f "$FAST_DIR"
	make_cgroup "$S12_LIMIT" 0
	# The victim's file is dropped too, then read three times in this run's cgroup: its
	# pages are charged here, beside the copy's, and are hot (on the active list).
	s12_drop "$hot" "$src"
	for _ in 1 2 3; do
		CMD=(cat "$hot")
		s12_in_cgroup >/dev/null
	done
	hot_mb=$(s12_cached_mb "$hot")
	# (a) cp to the fast disk, (b) dd of the same source to a second file; each step is
	# durable when sync -f on the destination returns.
	s12_copy_cmd "$variant" "$dir" cp "$src" "$dst"
	printf '%q ' "${CMD[@]}" >"$dir/cmd"
	s12_in_cgroup
	sync_start=$(now_us)
	sync -f "$dst"
	sync_us=$(($(now_us) - sync_start))
	cp_us=$((LAST_WALL_US + sync_us))
	s12_copy_cmd "$variant" "$dir" dd if="$src" of="$dst2" bs=1M status=none
	{ printf '; '; printf '%q ' "${CMD[@]}"; } >>"$dir/cmd"
	s12_in_cgroup
	sync_start=$(now_us)
	sync -f "$dst2"
	sync_us=$(($(now_us) - sync_start))
	dd_us=$((LAST_WALL_US + sync_us))
	durable_us=$((cp_us + dd_us))
	local vmb
	vmb=$(s12_cached_mb "$hot")
	record S12 "$variant" "$rep" victim_cached_mb "$vmb"
	record S12 "$variant" "$rep" victim_cached_pct \
		"$(awk -v c="$vmb" -v t="$((S12_HOT_BYTES / MIB))" 'BEGIN { printf "%.1f", 100 * c / t }')"
	record S12 "$variant" "$rep" durable_s "$(us_to_s "$durable_us")"
	record S12 "$variant" "$rep" cp_durable_s "$(us_to_s "$cp_us")"
	record S12 "$variant" "$rep" dd_durable_s "$(us_to_s "$dd_us")"
	record S12 "$variant" "$rep" src_cached_mb "$(s12_cached_mb "$src")"
	record S12 "$variant" "$rep" dst_cp_cached_mb "$(s12_cached_mb "$dst")"
	record S12 "$variant" "$rep" dst_dd_cached_mb "$(s12_cached_mb "$dst2")"
	# The victim comes back: how long its file takes to read now (from memory, or disk).
	CMD=(cat "$hot")
	s12_in_cgroup >/dev/null
	record S12 "$variant" "$rep" victim_reread_s "$(us_to_s "$LAST_WALL_US")"
	record_cgroup_peak S12 "$variant" "$rep"
	remove_cgroup
	rm -f "$dst" "$dst2"
	say "S12 $variant #$rep: victim hot $hot_mb MB before, $vmb MB after;" \
		"durable $(us_to_s "$durable_us")s (cp $(us_to_s "$cp_us")s, dd $(us_to_s "$dd_us")s);" \
		"src $(get_last S12 "$variant" "$rep" src_cached_mb) MB," \
		"dst $(get_last S12 "$variant" "$rep" dst_cp_cached_mb)+$(get_last S12 "$variant" "$rep" dst_dd_cached_mb) MB;" \
		"re-read $(get_last S12 "$variant" "$rep" victim_reread_s)s"
}

scenario_S12() {
	local hot src
	if ! command -v nocache >/dev/null; then
		say "S12: trying apt-get install nocache (once)"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nocache >/dev/null 2>&1 || true
		command -v nocache >/dev/null || say "S12: no nocache command: its variant is skipped"
	fi
	hot=$(s12_file hot "$S12_HOT_BYTES")
	src=$(s12_file src "$S12_SRC_BYTES")
	for_each_run S12 s12_run "$hot" "$src"
}
