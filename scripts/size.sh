# shellcheck shell=sh
# size.sh: the library's size syntax (wb_parse_size in src/core/config.c) for the
# scripts: sourced by the wrapper (scripts/wbshim; `make install` writes it into the
# installed wrapper), the demo and the bench. POSIX sh. tests/sizes.bats feeds one
# table of inputs to the C parser and to each of them.

# wb_size TEXT [MAX]: digits, then nothing or K, M, G, T, alone or followed by B or iB,
# any case, all binary (4K = 4KB = 4KiB = 4096). Prints the bytes. Returns 1 if TEXT
# is not a size, 3 if it is more than MAX bytes (default 2^50, at most 2^62), as the
# library clamps what is out of its range.
wb_size() {
	wb_size_digits=${1%%[!0-9]*}
	[ -n "$wb_size_digits" ] || return 1
	case ${1#"$wb_size_digits"} in
	'') wb_size_shift=0 ;;
	[kK] | [kK][bB] | [kK][iI][bB]) wb_size_shift=10 ;;
	[mM] | [mM][bB] | [mM][iI][bB]) wb_size_shift=20 ;;
	[gG] | [gG][bB] | [gG][iI][bB]) wb_size_shift=30 ;;
	[tT] | [tT][bB] | [tT][iI][bB]) wb_size_shift=40 ;;
	*) return 1 ;;
	esac
	# Leading zeros would make shell arithmetic read octal; at most 18 digits keep the
	# comparison within 64 bits, and the comparison keeps the shift within them.
	while :; do
		case $wb_size_digits in
		0?*) wb_size_digits=${wb_size_digits#0} ;;
		*) break ;;
		esac
	done
	[ ${#wb_size_digits} -le 18 ] &&
		[ "$wb_size_digits" -le $((${2:-1125899906842624} >> wb_size_shift)) ] || return 3
	echo $((wb_size_digits << wb_size_shift))
}
