# shellcheck shell=bash
# bench: S14, writers held back by their input, to the fast disk: the shim should cost
# them nothing, since the disk keeps up.
#
#   S14-download: curl fetching 256 MiB from a local HTTP server (python3 -m http.server,
#     started once), rate-limited, so its input arrives in bursts with stalls between
#     them; --no-buffer: curl does fwrite + fflush per received block, as a download does.
#   S14-image: mke2fs -d populating a 512 MiB ext4 image from a 300 MiB tree (2,400 files
#     of 64 KiB, 75 of 2 MiB), read file by file, written to one image file, fsynced at
#     the end.
#
# Both read a cold source: before each run its pages are dropped with fadvise DONTNEED on
# its own files (no global drop_caches: other programs share the machine). Reported per
# case: time to exit, time to durable (exit + sync -f on the written file), and from the
# shim's -v lines the peak in flight of its summary and its pacing sleeps (count, ms) on
# the written file. Variants run alternately, 5 times unless --repeat says otherwise.

S14_DOWNLOAD_MIB=256
S14_RATE=${S14_RATE:-64M}   # curl --limit-rate: bursts at memory speed, then stalls
S14_IMAGE_SIZE=512M

s14_cases() { echo download image; }

s14_source() {   # -> the download's file and the image's tree, generated once
	local dir=$CACHE_DIR/s14 sub i
	if [[ ! -f $dir.done ]]; then
		say "S14: generating a $S14_DOWNLOAD_MIB MiB file and a 300 MiB tree into $dir (once)"
		rm -rf "$dir"
		mkdir -p "$dir/www" "$dir/tree"
		# head closes the pipe early on purpose; openssl's SIGPIPE is not a failure.
		{ openssl enc -aes-128-ctr -nosalt -pbkdf2 -pass pass:wbshim-s14 </dev/zero 2>/dev/null || true; } |
			head -c $((S14_DOWNLOAD_MIB * MIB)) >"$dir/www/blob"
		for i in $(seq 0 23); do
			sub=$dir/tree/usr/share/d$i
			mkdir -p "$sub"
			{ openssl enc -aes-128-ctr -nosalt -pbkdf2 -pass "pass:wbshim-s14-$i" </dev/zero 2>/dev/null || true; } |
				head -c $((100 * 64 * 1024)) | split -b 64K -a 3 -d - "$sub/f"
		done
		mkdir -p "$dir/tree/usr/lib"
		{ openssl enc -aes-128-ctr -nosalt -pbkdf2 -pass pass:wbshim-s14-big </dev/zero 2>/dev/null || true; } |
			head -c $((75 * 2 * MIB)) | split -b 2M -a 3 -d - "$dir/tree/usr/lib/lib"
		sync -f "$dir/www/blob"
		touch "$dir.done"
	fi
	S14_DIR=$dir
}

# Cold input without touching anyone else's cache: drop the source's own pages (clean,
# since it was synced when made).
s14_cold() {   # path (file or tree)
	python3 - "$1" <<'EOF'
import os, sys
def drop(p):
    fd = os.open(p, os.O_RDONLY)
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)
top = sys.argv[1]
if os.path.isfile(top):
    drop(top)
else:
    for d, _, files in os.walk(top):
        for f in files:
            drop(os.path.join(d, f))
EOF
}

s14_server() {   # starts the HTTP server once; sets S14_URL
	[[ -z ${S14_URL:-} ]] || return 0
	local port=$((20000 + $$ % 20000)) i
	python3 -m http.server --bind 127.0.0.1 --directory "$S14_DIR/www" "$port" >"$OUT/s14-server.log" 2>&1 &
	S14_SERVER_PID=$!
	BG_PIDS+=("$S14_SERVER_PID")
	for i in $(seq 50); do
		curl -sf -o /dev/null -r 0-0 "http://127.0.0.1:$port/blob" && break
		sleep 0.1
	done
	S14_URL=http://127.0.0.1:$port/blob
}

s14_command() {   # case dest -> sets CMD
	case $1 in
	download) CMD=(curl -sS -f -N --limit-rate "$S14_RATE" -o "$2" "$S14_URL") ;;
	image) CMD=(mke2fs -q -F -t ext4 -E nodiscard -d "$S14_DIR/tree" "$2" "$S14_IMAGE_SIZE") ;;
	esac
}

s14_from_log() {   # shim-log dest -> "peak_inflight_mb pace_sleeps pace_ms rate_mbs"
	awk -v f=" $2 " '
	/ summary: / && / peak in flight / {
		s = $0; sub(/ peak in flight.*/, "", s); n = split(s, w, " "); v = w[n - 1]; u = w[n]
		peak = v * (u == "GiB" ? 1024 : u == "KiB" ? 1 / 1024 : u == "B" ? 1 / 1048576 : 1)
	}
	index($0, f) && / pace_sleeps=/ {
		for (i = 1; i <= NF; i++) {
			split($i, kv, "=")
			if (kv[1] == "pace_sleeps") sleeps += kv[2]
			if (kv[1] == "pace_ms") ms += kv[2]
			if (kv[1] == "rate_mbs") rate = kv[2]
		}
	}
	END { printf "%.1f %d %.1f %.1f\n", peak, sleeps, ms, rate }' "$1"
}

s14_run() {   # variant rep case
	local variant=$1 rep=$2 kase=$3 id dir dest start wall sync_start sync_us peak sleeps ms rate
	id=S14-$kase
	dir=$OUT/runs/$id-$variant-$rep
	mkdir -p "$dir"
	dest=$FAST_DIR/wbshim-bench.s14
	rm -f "$dest"
	case $kase in download) s14_cold "$S14_DIR/www/blob" ;; image) s14_cold "$S14_DIR/tree" ;; esac
	s14_command "$kase" "$dest"
	shim_env "$variant" "$dir"
	printf '%q ' "${CMD[@]}" >"$dir/cmd"
	# kernel-bound: the kernel's own dirty limit held to the shim's bound, through the sync.
	apply_variant_knobs "$variant" "$(majmin_of "$FAST_DIR")"
	start=$(now_us)
	"${CMD[@]}" >"$dir/stdout" 2>"$dir/stderr" || die "$id/$variant failed: $(tail -3 "$dir/stderr")"
	wall=$(($(now_us) - start))
	sync_start=$(now_us)
	sync -f "$dest"
	sync_us=$(($(now_us) - sync_start))
	restore_knobs
	record "$id" "$variant" "$rep" exit_s "$(us_to_s "$wall")"
	record "$id" "$variant" "$rep" sync_s "$(us_to_s "$sync_us")"
	record "$id" "$variant" "$rep" durable_s "$(us_to_s $((wall + sync_us)))"
	if [[ -f $dir/shim.log ]]; then
		read -r peak sleeps ms rate < <(s14_from_log "$dir/shim.log" "$dest")
		record "$id" "$variant" "$rep" peak_inflight_mb "$peak"
		record "$id" "$variant" "$rep" pace_sleeps "$sleeps"
		record "$id" "$variant" "$rep" pace_ms "$ms"
		record "$id" "$variant" "$rep" rate_mbs "$rate"
	fi
	rm -f "$dest"
	say "$id $variant #$rep: exit $(us_to_s "$wall")s + sync $(us_to_s "$sync_us")s" \
		"${peak:+, peak in flight $peak MB, paced $sleeps times for $ms ms, rate $rate MB/s}"
}

scenario_S14() {
	local rep v kase n=$REPEAT
	[[ $REPEAT_GIVEN -eq 1 ]] || n=5
	command -v curl >/dev/null || die "S14: curl is missing"
	command -v mke2fs >/dev/null || die "S14: mke2fs is missing"
	s14_source
	s14_server
	for ((rep = 1; rep <= n; rep++)); do
		for kase in $(s14_cases); do
			for v in $(variants_for S14); do
				s14_run "$v" "$rep" "$kase"
			done
		done
	done
}

s14_title() {   # S14-CASE -> title
	case $1 in
	S14-download) echo "$1: curl -N --limit-rate $S14_RATE of $S14_DOWNLOAD_MIB MiB from a local HTTP server, cold source, to the fast disk + sync -f" ;;
	S14-image) echo "$1: mke2fs -d of a 300 MiB tree (cold) into a $S14_IMAGE_SIZE image on the fast disk (fsync at the end) + sync -f" ;;
	esac
}

s14_goal_rows() {   # variant bound-MB: input-bound writers lose nothing, stay within the bound
	local v=$1 bound=$2 id d t m
	for id in $(awk -F, '$1 ~ /^S14-/ && !seen[$1]++ { print $1 }' "$OUT/agg.csv"); do
		for m in exit_s durable_s; do
			d=$(get "$id" "$v" "$m") t=$(get "$id" noshim "$m")
			[[ -z $d || -z $t ]] || check inputbound "$id $v: $m ≤ 1.05× no shim" "$d <= 1.05 * $t" \
				"$d s vs $t s ($(ratio_of "$d" "$t")×)"
		done
		d=$(get "$id" "$v" peak_inflight_mb)
		[[ -z $d ]] || check dirty "$id $v: peak in flight ≤ (depth+1)·chunk = $((bound - 8)) MB" \
			"$d <= $((bound - 8))" "$d MB (paced $(get "$id" "$v" pace_ms) ms)"
	done
	return 0
}
