# shellcheck shell=bash
# bench: S10, trees of files copied with cp -r and rsync -a to the fast and the slow disk.
#
# Each case (tool x tree x disk) is reported as its own scenario, S10-TOOL-TREE-DISK. Time
# to durable = the copy + sync -f on the destination. Peak cache held by the written files
# comes from the copy's own memory cgroup (its file-cache counter, sampled every 20 ms with
# the dirty pages): cheap, and exact because the source tree is read into the cache by the
# bench beforehand, outside that cgroup, so the copy's reads add nothing to its counter and
# every run reads from memory alike. What the tree leaves cached at exit is fincore's count.

s10_cases() {   # one "tool tree disk" per line, in run order
	local tool tree disk
	for tree in small medium; do
		for disk in fast slow; do
			for tool in cp rsync; do
				[[ $tool == rsync && $S10_RSYNC -eq 0 ]] || echo "$tool $tree $disk"
			done
		done
	done
}

s10_tree_spec() {   # small|medium -> "COUNT SIZE-BYTES"
	case $1 in
	small) echo "$S10_SMALL_FILES $((100 * 1024))" ;;
	medium) echo "$S10_MEDIUM_FILES $((2 * MIB))" ;;
	esac
}

# The source trees: one deterministic stream (AES-CTR of zeros, fixed key) cut into equal
# files, generated once and kept beside S8's archive.
s10_tree() {   # small|medium -> path
	local count size dir
	read -r count size < <(s10_tree_spec "$1")
	dir=$CACHE_DIR/tree-$1-$count
	if [[ ! -f $dir.done ]]; then
		say "S10: generating $count files of $((size / 1024)) KiB into $dir (once)"
		rm -rf "$dir"
		mkdir -p "$dir"
		# head closes the pipe early on purpose; openssl's SIGPIPE is not a failure.
		{ openssl enc -aes-128-ctr -nosalt -pbkdf2 -pass "pass:wbshim-s10-$1" </dev/zero 2>/dev/null || true; } |
			head -c $((count * size)) | split -b "$size" -a 5 -d - "$dir/f"
		touch "$dir.done"
	fi
	echo "$dir"
}

s10_copy() {   # variant rep tool tree disk
	local variant=$1 rep=$2 tool=$3 tree=$4 disk=$5 id dir src dest parent
	id=S10-$tool-$tree-$disk
	dir=$OUT/runs/$id-${variant//:/_}-$rep
	mkdir -p "$dir"
	src=$(s10_tree "$tree")
	case $disk in fast) parent=$FAST_DIR ;; slow) parent=$SLOW_MNT ;; esac
	dest=$parent/wbshim-bench.s10
	rm -rf "$dest"
	case $tool in
	cp) CMD=(cp -r "$src" "$dest") ;;
	rsync) CMD=(rsync -a "$src/" "$dest/") ;;
	esac
	shim_env "$variant" "$dir"
	WARM_TREE=$src
	tree_copy_measured "$id" "$variant" "$rep" "$dir" "$parent" "$dest" copy_s
}

ensure_rsync() {   # sets S10_RSYNC=1 when rsync can run
	S10_RSYNC=1
	command -v rsync >/dev/null && return 0
	say "S10: installing rsync"
	{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rsync; } >/dev/null 2>&1 ||
		true
	command -v rsync >/dev/null && return 0
	say "S10: rsync not available (apt-get install rsync): its cases are skipped"
	S10_RSYNC=0
}

scenario_S10() {
	local rep v tool tree disk
	ensure_rsync
	slow_rig
	for ((rep = 1; rep <= REPEAT; rep++)); do
		# A case's variants back to back, so drift on a shared machine hits both alike.
		while read -r tool tree disk; do
			for v in $(variants_for S10); do
				s10_copy "$v" "$rep" "$tool" "$tree" "$disk"
			done
		done < <(s10_cases)
	done
}

# The title of a tree case, S10-TOOL-TREE-DISK or S13-TOOL-TREE-DISK (S13 has tar -x too).
tree_title() {   # case-id -> title
	local scen=${1%%-*} rest=${1#*-} tool tree disk count size
	tool=${rest%%-*} rest=${rest#*-} tree=${rest%%-*} disk=${rest#*-}
	read -r count size < <("${scen,,}_tree_spec" "$tree")
	case $tool in cp) tool="cp -r" ;; rsync) tool="rsync -a" ;; tar) tool="tar -x" ;; esac
	[[ $disk == fast ]] && disk="the fast disk" || disk="the 50 MB/s disk"
	echo "$1: $tool of $count files of $((size / 1024)) KiB to $disk + sync -f"
}

tree_goal_rows() {   # variant bound-MB: time and memory goals of every tree case
	local v=$1 bound=$2 id d t dirty cached left
	for id in $(awk -F, '$1 ~ /^S10-/ && !seen[$1]++ { print $1 }' "$OUT/agg.csv"); do
		d=$(get "$id" "$v" durable_s) t=$(get "$id" noshim durable_s)
		[[ -z $d || -z $t ]] || check treetime "$id $v: durable ≤ 1.00× no shim" "$d <= $t" \
			"$d s vs $t s ($(ratio_of "$d" "$t")×)"
		dirty=$(get "$id" "$v" own_dirty_wb_mb) cached=$(get "$id" "$v" peak_cached_mb)
		left=$(get "$id" "$v" cached_at_exit_mb)
		[[ -z $dirty || -z $cached || -z $left ]] ||
			check treemem "$id $v: peak dirty, peak cached and cached at exit ≤ $bound MB" \
				"$dirty <= $bound && $cached <= $bound && $left <= $bound" \
				"dirty $dirty MB, cached $cached MB, at exit $left MB"
	done
	return 0
}
