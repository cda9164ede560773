# shellcheck shell=bash
# bench: messages, sizes and clocks, sourced by scripts/bench.

die() { echo "$PROG: $*" >&2; exit 1; }
say() { echo "$PROG: $*" >&2; }

# --- sizes ------------------------------------------------------------------------------
to_bytes() {   # 8M, 1536M, 5G, 4096 -> bytes (binary suffixes, as everywhere in wbshim)
	local n=${1%[KkMmGg]} mult=1
	case $1 in
	*[Kk]) mult=1024 ;; *[Mm]) mult=$MIB ;; *[Gg]) mult=$((1024 * MIB)) ;;
	esac
	[[ $n =~ ^[0-9]+$ ]] || die "bad size '$1'"
	echo $((n * mult))
}
now_us() { echo "${EPOCHREALTIME/./}"; }
us_to_s() { awk -v us="$1" 'BEGIN { printf "%.3f", us / 1e6 }'; }
is_root() { [[ $(id -u) -eq 0 ]]; }
