# shellcheck shell=bash
# bench: the kernel-knob anchors (vm.dirty_bytes, the per-device bdi limit).

# The dirty limit given to the knobs. 40 MiB = (4 + 1) x 8 MiB: what wbshim allows in
# flight at its tuned setting, so the knobs and the shim are held to the same memory.
ANCHOR_BYTES=$((40 * MIB))

set_dirty_bytes() {
	# vm.dirty_bytes rejects 0, so the undo is to write the old ratio (which clears bytes)
	# unless bytes was the active setting before.
	local bytes ratio
	bytes=$(</proc/sys/vm/dirty_bytes) ratio=$(</proc/sys/vm/dirty_ratio)
	if [[ $bytes -ne 0 ]]; then
		knob_set /proc/sys/vm/dirty_bytes "$1"
	else
		knob_set /proc/sys/vm/dirty_bytes "$1" /proc/sys/vm/dirty_ratio "$ratio"
	fi
}

set_bdi_limit() {   # $1 = MAJ:MIN of the target device
	local bdi=/sys/class/bdi/$1
	[[ -w $bdi/max_bytes ]] || die "$bdi/max_bytes missing (needs Linux 6.2+)"
	# max_bytes is stored as a ratio; restoring max_ratio_fine restores it exactly.
	knob_set "$bdi/max_bytes" "$ANCHOR_BYTES" "$bdi/max_ratio_fine"
	knob_set "$bdi/strict_limit" 1
}

apply_variant_knobs() {   # $1 variant, $2 MAJ:MIN
	case $1 in
	bdi) set_bdi_limit "$2" ;;
	dirty-bytes) set_dirty_bytes "$ANCHOR_BYTES" ;;
	esac
}
