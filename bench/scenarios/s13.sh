# shellcheck shell=bash
# bench: S13, many small files: trees of 4 KiB and 100 KiB files copied by cp -r, extracted
# by tar -x and copied by rsync -a, and an archive of 60 KiB files extracted by tar -x.
#
# Each case (tool x tree x disk) is its own scenario, S13-TOOL-TREE-DISK, reported like S10:
# time to exit, time to durable (exit + sync -f on the destination), the page cache held
# by the written files (the run's own memory cgroup, sampled every 20 ms; the source is
# read from a tmpfs the bench filled beforehand, outside that cgroup) and what they leave
# cached at exit.
# The variants of a case run back to back in every repetition, so drift on a shared
# machine hits both alike. Apart from the timed runs, each case runs once more per variant
# under `strace -f` on a tree of S13_STRACE_FILES files (never timed): the system calls
# per file, with and without the shim, and which calls make the difference.

s13_cases() {   # one "tool tree disk" per line, in run order
	local tool tree disk disks=fast
	[[ $S13_SLOW -eq 0 ]] || disks="fast slow"
	for disk in $disks; do
		for tree in tiny small; do
			for tool in cp tar rsync; do
				[[ $tool == rsync && $S10_RSYNC -eq 0 ]] || echo "$tool $tree $disk"
			done
		done
		echo "tar archive $disk"
	done
}

s13_tree_spec() {   # tiny|small|archive|strace -> "COUNT SIZE-BYTES"
	case $1 in
	tiny) echo "$S13_TINY_FILES 4096" ;;
	small) echo "$S13_SMALL_FILES $((100 * 1024))" ;;
	archive) echo "$S13_ARCHIVE_FILES $((60 * 1024))" ;;
	strace) echo "$S13_STRACE_FILES 4096" ;;
	esac
}

# A source tree, generated once beside S10's (one deterministic stream cut into files).
s13_tree() {   # tiny|small|archive|strace -> path of the tree
	local count size dir
	read -r count size < <(s13_tree_spec "$1")
	dir=$CACHE_DIR/s13-tree-$count-$size
	if [[ ! -f $dir.done ]]; then
		say "S13: generating $count files of $((size / 1024)) KiB into $dir (once)"
		rm -rf "$dir"
		mkdir -p "$dir"
		# head closes the pipe early on purpose; openssl's SIGPIPE is not a failure.
		{ openssl enc -aes-128-ctr -nosalt -pbkdf2 -pass "pass:wbshim-s13-$size" </dev/zero 2>/dev/null || true; } |
			head -c $((count * size)) | split -b "$size" -a 6 -d - "$dir/f"
		touch "$dir.done"
	fi
	echo "$dir"
}

# The tree as a tar archive, alone in its folder (the folder is what gets warmed).
s13_archive() {   # tree -> path of its archive
	local tree dir
	tree=$(s13_tree "$1")
	dir=$tree.tar.d
	if [[ ! -f $dir/done ]]; then
		rm -rf "$dir"
		mkdir -p "$dir"
		tar -cf "$dir/tree.tar" -C "$tree" .
		touch "$dir/done"
	fi
	echo "$dir/tree.tar"
}

# The sources are read from a tmpfs of the bench's own, not from the page cache: on a
# shared machine anyone may drop the page cache (every bench run does, to start clean),
# and a source tree read back from disk in one run and from memory in the next would
# measure the reading. From tmpfs, every run of every variant reads from memory, and
# what differs is the writing. Mounted once, unmounted by cleanup.
s13_source_fs() {   # mounts the tmpfs (not from a subshell: cleanup must know it)
	[[ -z ${S13_TMPFS:-} ]] || return 0
	mkdir -p "$FAST_DIR.src"
	mount -t tmpfs -o size=8g,mode=0755 wbshim-bench-src "$FAST_DIR.src" ||
		die "S13: cannot mount a tmpfs for the sources at $FAST_DIR.src"
	S13_TMPFS=$FAST_DIR.src
}

s13_staged() {   # path in CACHE_DIR -> the same in the bench's tmpfs, copied there once
	[[ -n ${S13_TMPFS:-} ]] || die "S13: no tmpfs for the sources"
	[[ -e $S13_TMPFS/${1##*/} ]] || cp -a "$1" "$S13_TMPFS/"
	echo "$S13_TMPFS/${1##*/}"
}

s13_command() {   # tool tree dest -> sets CMD
	local tool=$1 tree=$2 dest=$3 src
	case $tool in
	cp) src=$(s13_staged "$(s13_tree "$tree")"); CMD=(cp -r "$src" "$dest") ;;
	rsync) src=$(s13_staged "$(s13_tree "$tree")"); CMD=(rsync -a "$src/" "$dest/") ;;
	tar)
		src=$(s13_staged "$(dirname "$(s13_archive "$tree")")")/tree.tar
		mkdir -p "$dest"
		CMD=(tar -xf "$src" -C "$dest") ;;
	esac
}

# The shim as a user starts it: the defaults, no log. The per-file summary lines of
# WBSHIM_VERBOSE=1 cost a few system calls per file, which is what is measured here.
s13_shim_env() {   # variant run-dir
	local arg out=()
	shim_env "$@"
	for arg in "${CMD[@]}"; do
		[[ $arg == WBSHIM_VERBOSE=* || $arg == WBSHIM_LOG=* ]] || out+=("$arg")
	done
	CMD=("${out[@]}")
}

s13_copy() {   # variant rep tool tree disk
	local variant=$1 rep=$2 tool=$3 tree=$4 disk=$5 id dir dest parent
	id=S13-$tool-$tree-$disk
	dir=$OUT/runs/$id-${variant//:/_}-$rep
	mkdir -p "$dir"
	case $disk in fast) parent=$FAST_DIR ;; slow) parent=$SLOW_MNT ;; esac
	dest=$parent/wbshim-bench.s13
	rm -rf "$dest"
	s13_command "$tool" "$tree" "$dest"
	s13_shim_env "$variant" "$dir"
	WARM_TREE=""
	tree_copy_measured "$id" "$variant" "$rep" "$dir" "$parent" "$dest" exit_s
}

s13_strace_tree() {   # tree -> the tree counted under strace: the same, or a smaller one like it
	if [[ $1 == tiny && $S13_TINY_FILES -gt $S13_STRACE_FILES ]]; then echo strace; else echo "$1"; fi
}

# System calls per file: one untimed run under strace -f -c of the same command on the same
# tree, or for the 4 KiB tree on S13_STRACE_FILES files of it (strace slows a run tenfold).
# Every call of every process is counted from the full trace (s13_tally).
s13_count() {   # variant tool tree disk
	local variant=$1 tool=$2 tree=$3 disk=$4 id dir dest parent files
	id=S13-$tool-$tree-$disk
	dir=$OUT/runs/$id-${variant//:/_}-strace
	mkdir -p "$dir"
	case $disk in fast) parent=$FAST_DIR ;; slow) parent=$SLOW_MNT ;; esac
	dest=$parent/wbshim-bench.s13
	rm -rf "$dest"
	tree=$(s13_strace_tree "$tree")
	s13_command "$tool" "$tree" "$dest"
	read -r files _ < <(s13_tree_spec "$tree")
	s13_shim_env "$variant" "$dir"
	# -E, not env: strace must not count the env program's own start-up.
	if [[ ${CMD[0]} == env ]]; then
		local opts=() i=1
		while [[ ${CMD[i]} == *=* ]]; do opts+=(-E "${CMD[i]}"); i=$((i + 1)); done
		CMD=(strace -f -qq -e signal=none -o "$dir/trace.txt" "${opts[@]}" "${CMD[@]:i}")
	else
		CMD=(strace -f -qq -e signal=none -o "$dir/trace.txt" "${CMD[@]}")
	fi
	printf '%q ' "${CMD[@]}" >"$dir/cmd"
	"${CMD[@]}" >"$dir/stdout" 2>"$dir/stderr" || die "$id/$variant under strace failed: $(tail -3 "$dir/stderr")"
	s13_tally "$dir/trace.txt" >"$dir/strace.txt" && rm -f "$dir/trace.txt"
	rm -rf "$dest"
	local total
	total=$(s13_calls "$dir/strace.txt" total)
	record "$id" "$variant" 1 calls_per_file "$(awk -v c="$total" -v f="$files" 'BEGIN { printf "%.1f", c / f }')"
	say "$id $variant: $total system calls for $files files under strace"
}

# A full trace's calls counted per name, in strace -c's columns (% time, seconds,
# usecs/call, calls, syscall). Counted from the trace, not with -c: strace -c leaves
# out the calls it has no name for (cachestat is syscall_0x1c3 to strace 6.1).
s13_tally() {   # trace-file
	awk '{ sub(/^[0-9]+ +/, "") }
	/^<\.\.\. / { next }
	match($0, /^[a-z_0-9]+\(/) { n[substr($0, 1, RLENGTH - 1)]++; t++ }
	END { for (k in n) printf "0 0 0 %d %s\n", n[k], k; printf "0 0 0 %d total\n", t }' "$1" | sort -k4,4nr
}

s13_calls() {   # strace-c-file name -> calls of that syscall (or "total"), 0 if absent
	# Columns: % time, seconds, usecs/call, calls, [errors,] syscall.
	awk -v n="$2" '$NF == n { print $4; found = 1; exit } END { if (!found) print 0 }' "$1"
}

# The calls per file that differ between the variants of a case, most first:
# "name plain shimmed" per line, per file.
s13_call_diff() {   # case-id
	local plain=$OUT/runs/$1-noshim-strace/strace.txt shim=$OUT/runs/$1-wbshim-strace/strace.txt files
	[[ -f $plain && -f $shim ]] || return 0
	files=$(s13_case_files "$1")
	awk -v f="$files" '
	FNR == 1 { file++ }
	/^ *[0-9.]+ +[0-9.]+ +[0-9]+ +[0-9]+/ && $NF != "total" { c[file, $NF] = $4; names[$NF] = 1 }
	END {
		for (n in names) {
			d = (c[2, n] - c[1, n]) / f
			if (d >= 0.05 || d <= -0.05) printf "%s %.2f %.2f %.2f\n", n, c[1, n] / f, c[2, n] / f, d
		}
	}' "$plain" "$shim" | sort -k4,4gr
}

scenario_S13() {
	local rep v tool tree disk
	ensure_rsync
	[[ $S13_SLOW -eq 0 ]] || slow_rig
	s13_source_fs
	while read -r tool tree disk; do
		for v in $(variants_for S13); do
			s13_count "$v" "$tool" "$tree" "$disk"
		done
	done < <(s13_cases)
	for ((rep = 1; rep <= S13_REPEAT; rep++)); do
		while read -r tool tree disk; do
			for v in $(variants_for S13); do
				s13_copy "$v" "$rep" "$tool" "$tree" "$disk"
			done
		done < <(s13_cases)
	done
}

s13_case_files() {   # S13-TOOL-TREE-DISK -> files in the tree counted under strace
	local tree=${1#S13-*-} files
	tree=${tree%-*}
	read -r files _ < <(s13_tree_spec "$(s13_strace_tree "$tree")")
	echo "$files"
}

s13_note() {   # case-id: the system calls per file, and which of them differ
	local files
	files=$(s13_case_files "$1")
	[[ -f $OUT/runs/$1-noshim-strace/strace.txt ]] || return 0
	echo "calls_per_file: \`strace -f -c\` of the same command on $files of these files, one untimed run" \
		"per variant. exit_s: until the program has exited; durable_s: exit_s + \`sync -f\`." \
		"The calls per file that differ (no shim → wbshim):"
	echo
	echo "| system call | no shim | wbshim | extra |"
	echo "|---|---|---|---|"
	s13_call_diff "$1" | awk '{ printf "| %s | %s | %s | %+.2f |\n", $1, $2, $3, $4 }'
	echo
}

s13_goal_rows() {   # variant bound-MB: the trees' goals
	local v=$1 bound=$2 id d t e dirty cached left
	for id in $(awk -F, '$1 ~ /^S13-/ && !seen[$1]++ { print $1 }' "$OUT/agg.csv"); do
		d=$(get "$id" "$v" durable_s) t=$(get "$id" noshim durable_s) e=$(get "$id" "$v" exit_s)
		[[ -z $d || -z $t ]] || check treetime "$id $v: durable ≤ 1.00× no shim" "$d <= $t" \
			"$d s vs $t s ($(ratio_of "$d" "$t")×)"
		[[ $id == *-slow || -z $e || -z $t ]] || check treeexit "$id $v: exits no later than no shim is durable" \
			"$e <= $t" "exit $e s vs durable $t s ($(ratio_of "$e" "$t")×)"
		dirty=$(get "$id" "$v" own_dirty_wb_mb) cached=$(get "$id" "$v" peak_cached_mb)
		left=$(get "$id" "$v" cached_at_exit_mb)
		[[ -z $dirty || -z $cached || -z $left ]] ||
			check treemem "$id $v: peak dirty, peak cached and cached at exit ≤ $bound MB" \
				"$dirty <= $bound && $cached <= $bound && $left <= $bound" \
				"dirty $dirty MB, cached $cached MB, at exit $left MB"
	done
	return 0
}
