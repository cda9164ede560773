# shellcheck shell=bash
# bench: messages, sizes and clocks, sourced by scripts/bench.

die() { echo "$PROG: $*" >&2; exit 1; }
say() { echo "$PROG: $*" >&2; }

# --- sizes ------------------------------------------------------------------------------
to_bytes() {   # 8M, 1536M, 5GiB, 4096 -> bytes: the library's syntax (scripts/size.sh)
	local bytes
	bytes=$(wb_size "$1") || die "bad size '$1'"
	echo "$bytes"
}
now_us() { echo "${EPOCHREALTIME/./}"; }
us_to_s() { awk -v us="$1" 'BEGIN { printf "%.3f", us / 1e6 }'; }
is_root() { [[ $(id -u) -eq 0 ]]; }
