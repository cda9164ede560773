# shellcheck shell=bash
# bench: the kernel-knob anchors (vm.dirty_bytes, the per-device bdi limit).

# The dirty limit given to the knobs. 40 MiB = (4 + 1) x 8 MiB: what wbshim allows in
# flight at its tuned setting, so the knobs and the shim are held to the same memory.
ANCHOR_BYTES=$((40 * MIB))

set_vm_bytes() {   # dirty|dirty_background bytes
	# vm.*_bytes rejects 0, so the undo is to write the old ratio (which clears bytes)
	# unless bytes was the active setting before. Restored on exit and on interrupt.
	local vm=/proc/sys/vm/$1 bytes
	bytes=$(<"${vm}_bytes")
	if [[ $bytes -ne 0 ]]; then
		knob_set "${vm}_bytes" "$2"
	else
		knob_set "${vm}_bytes" "$2" "${vm}_ratio" "$(<"${vm}_ratio")"
	fi
}
set_dirty_bytes() { set_vm_bytes dirty "$1"; }

# "kernel-bound": the kernel's own dirty throttling held to the memory the shim's defaults
# allow in flight, (depth + 1) x chunk, background writeback from half of it. The pauses it
# imposes on write() are the yardstick for the shim's.
kernel_bound_bytes() { echo $(((DEFAULT_DEPTH + 1) * DEFAULT_CHUNK)); }
set_kernel_bound() {
	local bound
	bound=$(kernel_bound_bytes)
	set_vm_bytes dirty "$bound"
	set_vm_bytes dirty_background "$((bound / 2))"
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
	kernel-bound) set_kernel_bound ;;
	esac
}
