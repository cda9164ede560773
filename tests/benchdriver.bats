#!/usr/bin/env bats
# The bench's driver: which variants a scenario runs.
load common

# variants_for SCENARIO, with the driver's settings given as NAME=VALUE arguments.
variants() {
	bash -c 'ROOT=$1; shift; PROG=bench; . "$ROOT/bench/driver/common.sh"; . "$ROOT/bench/driver/variants.sh"
		SWEEP=0 QUICK=0 ONLY="" BASE_LIB=""; scen=$1; shift; for kv in "$@"; do eval "${kv%%=*}=\${kv#*=}"; done
		is_root() { return 0; }; variants_for "$scen"' _ "$ROOT" "$@"
}

@test "bench: --base-lib runs the other build next to wbshim, and only where wbshim runs" {
	[ "$(variants S14)" = "noshim wbshim tuned kernel-bound" ]
	[ "$(variants S14 BASE_LIB=/lib.so)" = "noshim wbshim base tuned kernel-bound" ]
	[ "$(variants S13 BASE_LIB=/lib.so)" = "noshim wbshim base" ]
	[ "$(variants S2 BASE_LIB=/lib.so 'ONLY=wbshim devlimit')" = "noshim wbshim base devlimit" ]
	[ "$(variants S2 BASE_LIB=/lib.so ONLY=devlimit)" = "noshim devlimit" ]
}
