# shellcheck shell=bash
# bench: per-run memory cgroups on cgroup v2 (memory.max, memory.peak, file_dirty) or v1
# (memory.limit_in_bytes, max_usage_in_bytes, dirty), and joining the slow disk's v2 group.

# CG_MEM: v2 | v1 | "" (no usable memory controller: dirty figures are system-wide and S4
# cannot run). CG_MEM_ROOT: where per-run groups are made. --cgroup2 ROOT forces v2 there.
detect_cgroups() {
	local root
	CG_MEM="" CG_MEM_ROOT=""
	for root in ${CGROUP2:-/sys/fs/cgroup /sys/fs/cgroup/unified}; do
		if [[ $(stat -fc %T "$root" 2>/dev/null) == cgroup2fs ]] && grep -qw memory "$root/cgroup.controllers"; then
			CG_MEM=v2 CG_MEM_ROOT=$root
			return 0
		fi
	done
	if [[ $(stat -fc %T /sys/fs/cgroup/memory 2>/dev/null) == cgroupfs ]]; then
		CG_MEM=v1 CG_MEM_ROOT=/sys/fs/cgroup/memory
	fi
	return 0
}

cgroup_problem() {   # why there is no memory cgroup, for the messages
	echo "no memory cgroup: neither a cgroup2 mount with the memory controller" \
		"(${CGROUP2:-/sys/fs/cgroup}) nor a cgroup-v1 memory mount (/sys/fs/cgroup/memory)"
}

# The names of the counters differ between versions; the meaning does not.
cg_file() {   # what -> file name in this version
	case $CG_MEM:$1 in
	v1:limit) echo memory.limit_in_bytes ;; v2:limit) echo memory.max ;;
	v1:usage) echo memory.usage_in_bytes ;; v2:usage) echo memory.current ;;
	v1:peak) echo memory.max_usage_in_bytes ;; v2:peak) echo memory.peak ;;   # Linux 5.19+
	esac
}
cg_stat_key() {   # dirty | writeback | file -> key in memory.stat
	case $CG_MEM:$1 in
	v1:dirty) echo dirty ;; v2:dirty) echo file_dirty ;;
	v1:writeback) echo writeback ;; v2:writeback) echo file_writeback ;;
	v1:file) echo cache ;; v2:file) echo file ;;
	esac
}

enable_memory_below() {   # v2 group: children get the memory controller
	grep -qw memory "$1/cgroup.subtree_control" || echo +memory >"$1/cgroup.subtree_control"
}

# SLOW_CG2: the slow disk's v2 group (io.max), whose members are throttled; empty on v1.
slow_cgroup_of_rig() {
	SLOW_CG2=""
	local state=/var/tmp/wbshim-slowdisk/state
	[[ -r $state ]] || return 0
	[[ $(awk -F= '$1 == "backend" { print $2 }' "$state") == v2 ]] || return 0
	SLOW_CG2=$(awk -F= '$1 == "cgroup" { print $2 }' "$state")
}

# A fresh memory cgroup per run (root only): the writer's own pages can be told apart
# from the rest of the machine. Only S4 sets a limit; without one, v1 memcg changes
# nothing about writeback (dirty limits stay global). CG_JOIN lists every group the
# writer joins: its memory group and, for a slow-disk run on v2, the throttled group.
make_cgroup() {   # limit-bytes-or-empty slow-run(0|1)
	local limit=${1:-} slow=${2:-0} parent
	CG_JOIN=()
	is_root || return 0
	if [[ $CG_MEM == v2 ]]; then
		# On v2 the throttled group is a parent like any other: io.max applies below it.
		if [[ $slow -eq 1 && -n $SLOW_CG2 && ${SLOW_CG2%/*} == "$CG_MEM_ROOT" ]]; then
			parent=$SLOW_CG2
		else
			parent=$CG_MEM_ROOT/wbshim-bench
			mkdir -p "$parent"
			CG_PARENT_MADE=$parent
		fi
		enable_memory_below "$CG_MEM_ROOT"
		enable_memory_below "$parent"
		CGROUP_NOW=$parent/run-$$
	elif [[ $CG_MEM == v1 ]]; then
		CGROUP_NOW=$CG_MEM_ROOT/wbshim-bench-$$
	fi
	if [[ -n $CGROUP_NOW ]]; then
		mkdir "$CGROUP_NOW"
		[[ -z $limit ]] || echo "$limit" >"$CGROUP_NOW/$(cg_file limit)"
		CG_JOIN+=("$CGROUP_NOW")
	fi
	# Memory elsewhere (v1, or none): the writer also joins the throttled v2 group itself.
	if [[ $slow -eq 1 && -n $SLOW_CG2 && $CGROUP_NOW != "$SLOW_CG2"/* ]]; then
		CG_JOIN+=("$SLOW_CG2")
	fi
	return 0
}

# The writer moves itself into its groups, then execs: only it and its children are charged.
wrap_cgroup() {
	[[ ${#CG_JOIN[@]} -gt 0 ]] || return 0
	CMD=(sh -c 'for g in $0; do echo $$ >"$g/cgroup.procs" || exit 125; done; exec "$@"' \
		"${CG_JOIN[*]}" "${CMD[@]}")
}

record_cgroup_peak() {   # scen variant rep: the kernel's own high-water mark, if it keeps one
	local file
	file=$CGROUP_NOW/$(cg_file peak)
	[[ -r $file ]] || return 0
	record "$1" "$2" "$3" max_usage_mb "$(awk '{ printf "%.1f", $1 / 1048576 }' "$file")"
}

remove_cgroup() {
	[[ -n ${CGROUP_NOW:-} && -d $CGROUP_NOW ]] || { CGROUP_NOW=""; return 0; }
	rmdir "$CGROUP_NOW" 2>/dev/null || say "could not remove cgroup $CGROUP_NOW"
	CGROUP_NOW=""
}

remove_cgroup_parent() {   # at exit: the v2 parent made for the runs
	[[ -n ${CG_PARENT_MADE:-} && -d $CG_PARENT_MADE ]] || return 0
	rmdir "$CG_PARENT_MADE" 2>/dev/null || say "could not remove cgroup $CG_PARENT_MADE"
}
