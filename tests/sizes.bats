#!/usr/bin/env bats
# One size syntax: the library's parser (src/core/config.c) and the shell's
# (scripts/size.sh), used by the wrapper, the demo and the bench, take one table of
# inputs alike.
load common

# 2^50: the shell's default ceiling; the C parser is given the same bound.
MAX=1125899906842624

SIZES=(4096 4k 4K 4KiB 4kb 4KIB 4kIb 4M 4MiB 8mb 1G 1gib 1T 1tb 262144 300001 0012M
	000000000000000000000000004K 0 "" junk 1.5M " 4K" "4K " "4 K" 4B 4KiBB 4Ki -1 +4K
	0x10M 1P 8X M 1125899906842624 1125899906842625 1099511627776K 1099511627777K
	999999999999999999 99999999999999999999T 18446744073709551616 18446744073709551615)

# The C parser's verdict on every input, bounded by MAX: a value, bad or large.
c_verdicts() {
	"$BIN/parse_size" 0 "$MAX" 1 "${SIZES[@]}" | sed 's/^clamped .*/large/'
}

@test "sizes: the C parser and scripts/size.sh agree on every input" {
	c_verdicts >"$WORK/c"
	[ "$(wc -l <"$WORK/c")" -eq "${#SIZES[@]}" ]
	sh -c '. "$0"; for t; do rc=0; r=$(wb_size "$t") || rc=$?
		case $rc in 0) echo "$r" ;; 1) echo bad ;; 3) echo large ;; *) echo "status $rc" ;; esac
	done' "$ROOT/scripts/size.sh" "${SIZES[@]}" >"$WORK/sh"
	paste -d'|' "$WORK/c" "$WORK/sh" | grep -v '^\(.*\)|\1$' || true
	cmp "$WORK/c" "$WORK/sh"
	# the table covers each verdict
	grep -qx bad "$WORK/c"
	grep -qx large "$WORK/c"
	grep -qx 4096 "$WORK/c"
}

@test "sizes: the bench takes what the library takes, in the same bytes" {
	c_verdicts | sed 's/^bad$/refused/; s/^large$/refused/' >"$WORK/c"
	bash -c 'PROG=bench MIB=1048576; . "$0/scripts/size.sh"; . "$0/bench/driver/common.sh"
		for t; do r=$(to_bytes "$t" 2>/dev/null) && echo "$r" || echo refused; done' \
		"$ROOT" "${SIZES[@]}" >"$WORK/bench"
	paste -d'|' "$WORK/c" "$WORK/bench" | grep -v '^\(.*\)|\1$' || true
	cmp "$WORK/c" "$WORK/bench"
}

@test "sizes: the wrapper sets what the library would use, and refuses what it would clamp" {
	require_plain_build "the wrapper loads the library before the sanitizer runtime"
	local page i t raw lib want
	page=$(getconf PAGESIZE)
	mapfile -t raw < <(c_verdicts)
	mapfile -t lib < <("$BIN/parse_size" 262144 1073741824 "$page" "${SIZES[@]}")
	for i in "${!SIZES[@]}"; do
		t=${SIZES[$i]}
		if [ "${raw[$i]}" = bad ]; then
			want="wbshim: -c: '$t' is not a size (like 8M, 512K or 4MiB)"
		elif [ "${raw[$i]}" = large ] || [ "${raw[$i]}" -lt 262144 ] || [ "${raw[$i]}" -gt 1073741824 ]; then
			want="wbshim: -c: '$t' is outside 256K..1G"
		else
			want=${lib[$i]#clamped } # rounded down to the page, as the library does
		fi
		run "$ROOT/scripts/wbshim" -c "$t" -- printenv WBSHIM_CHUNK
		echo "-c '$t': $status '$output', want '$want'"
		[ "$output" = "$want" ]
		# inherited: checked alike; empty is unset, for the library too (its default)
		[ -n "$t" ] || continue
		WBSHIM_CHUNK=$t run "$ROOT/scripts/wbshim" -- printenv WBSHIM_CHUNK
		echo "WBSHIM_CHUNK='$t': $status '$output'"
		[ "$output" = "${want/-c:/WBSHIM_CHUNK:}" ]
	done
}

@test "sizes: the demo takes what the library takes" {
	local i t raw want
	mapfile -t raw < <(c_verdicts)
	for i in "${!SIZES[@]}"; do
		t=${SIZES[$i]}
		case ${raw[$i]} in
		bad) want="demo: size '$t' is not a size"* ;;
		large) want="demo: size '$t' is too large" ;;
		0) want="demo: size '$t': nothing to write" ;;
		*) want="demo: --runs '0' is not a number from 1 to 99" ;; # the size passed
		esac
		run "$ROOT/scripts/demo" --dir "$WORK" --size "$t" --runs 0
		echo "'$t': $status '$output', want '$want'"
		[ "$status" -eq 2 ]
		[[ "$output" == $want ]]
	done
}
