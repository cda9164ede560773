# shellcheck shell=bash
# bench: the variants (no shim, shim settings, anchors) and the command each one runs.

# noshim | wbshim | base (--base-lib) | wbshim-noread | wbshim-hard | tuned | shim:CHUNK:DEPTH | dd-direct | dd-nocache | bdi | dirty-bytes |
# kernel-bound | dontcache | devlimit. CMD (global array) is built by the functions below
# and run by run_measured.
variant_needs_root() { [[ $1 == bdi || $1 == dirty-bytes || $1 == kernel-bound ]]; }

shim_env() {   # variant run-dir -> prefixes CMD with the preload for shim variants
	local chunk="" depth="" read="" pace="" lib=$LIB
	case $1 in
	wbshim) ;;
	base) lib=$BASE_LIB ;;   # --base-lib: another build, its defaults
	wbshim-noread) read=0 ;;
	wbshim-hard) pace=0 ;;   # the hard line alone: no pacing by time
	tuned) chunk=${TUNED%%:*} depth=${TUNED##*:} ;;
	shim:*:*) chunk=${1#shim:} depth=${chunk#*:} chunk=${chunk%%:*} ;;
	*) return 0 ;;
	esac
	CMD=(env LD_PRELOAD="$lib" WBSHIM_VERBOSE=1 WBSHIM_LOG="$2/shim.log"
		${chunk:+WBSHIM_CHUNK=$chunk} ${depth:+WBSHIM_DEPTH=$depth} ${read:+WBSHIM_READ=$read} \
		${pace:+WBSHIM_PACE=$pace} "${CMD[@]}")
}

build_writer() {   # variant file bytes rate-MB/s run-dir
	local variant=$1 file=$2 bytes=$3 rate=$4 dir=$5
	case $variant in
	dd-direct | dd-nocache)
		# bs=8M: large enough that dd's own system calls cost nothing; conv=fsync so dd's exit means durable.
		CMD=(dd if=/dev/zero of="$file" bs=8M count=$((bytes / (8 * MIB)))
			oflag=${variant#dd-} conv=fsync status=none) ;;
	devlimit)
		# The device's own ceiling: O_DIRECT, 4 MiB blocks, the best of 1, 4 and 16 in flight.
		CMD=("$TOOLS/devlimit" -o "$file" -s "$bytes" -b 4M -t 1,4,16) ;;
	*)
		CMD=("$TOOLS/loadgen" -o "$file" -s "$bytes" --lat-out "$dir/lat.txt")
		[[ $rate == 0 ]] || CMD+=(--rate "$rate")
		[[ $variant == dontcache ]] && CMD+=(--dontcache) ;;
	esac
	shim_env "$variant" "$dir"
}

variants_for() {   # scen -> variants to run, honouring quick mode, sweep mode and root
	local list v out=()
	if [[ $SWEEP -eq 1 ]]; then
		list="noshim $SWEEP_VARIANTS"
	elif [[ $QUICK -eq 1 ]]; then
		case $1 in
		S1 | S3) list="noshim wbshim wbshim-hard tuned kernel-bound" ;;
		S2) list="noshim wbshim tuned dd-direct devlimit" ;;
		S10 | S13) list="noshim wbshim" ;;
		S14) list="noshim wbshim tuned kernel-bound" ;;
		S12) list="noshim wbshim wbshim-noread nocache" ;;
		*) list="noshim wbshim tuned" ;;
		esac
	else
		case $1 in
		S1) list="noshim wbshim wbshim-hard tuned dd-direct dd-nocache bdi dirty-bytes kernel-bound dontcache" ;;
		S2) list="noshim wbshim tuned dd-direct dd-nocache bdi dirty-bytes dontcache devlimit" ;;
		# 100 s per variant at 15 MB/s: dd cannot pace, and the 30-minute budget leaves
		# room for two anchors: the knob that bounds this device's dirty pages, and the
		# kernel held to the shim's own bound (the yardstick for write() pauses).
		S3) list="noshim wbshim wbshim-hard tuned bdi kernel-bound" ;;
		S10 | S13) list="noshim wbshim" ;;
		S14) list="noshim wbshim tuned kernel-bound" ;;
		S12) list="noshim wbshim wbshim-noread nocache" ;;
		S4) list="noshim wbshim tuned dd-direct bdi dirty-bytes dontcache" ;;
		*) list="noshim wbshim tuned" ;;
		esac
	fi
	# --base-lib: the other build runs next to wbshim, wherever wbshim runs.
	[[ -z $BASE_LIB || $SWEEP -eq 1 ]] || { list=" $list "; list=${list/ wbshim / wbshim base }; }
	for v in $list; do
		[[ -z $ONLY || $v == noshim || " $ONLY " == *" ${v/#base/wbshim} "* ]] || continue
		if variant_needs_root "$v" && ! is_root; then
			say "$1: skipping $v (needs root)"
			continue
		fi
		# S12's nocache variant is the nocache command (LD_PRELOAD of fadvise calls).
		[[ $v != nocache ]] || command -v nocache >/dev/null || continue
		out+=("$v")
	done
	echo "${out[@]}"
}

for_each_run() {   # scen fn args...: fn VARIANT REP args... for every variant and repeat
	local scen=$1 fn=$2 rep v
	shift 2
	for ((rep = 1; rep <= REPEAT; rep++)); do
		for v in $(variants_for "$scen"); do
			"$fn" "$v" "$rep" "$@"
		done
	done
}
