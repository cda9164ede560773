# shellcheck shell=bash
# bench: plots (PNG, and text for the README) of dirty memory and throughput over time.

ensure_gnuplot() {
	command -v gnuplot >/dev/null && return 0
	is_root || { say "gnuplot missing and not root: no plots"; return 1; }
	say "installing gnuplot-nox"
	{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gnuplot-nox; } >/dev/null 2>&1 ||
		{ say "could not install gnuplot-nox: no plots"; return 1; }
}

plot_data() {   # run-dir scen -> dirty.dat (MB), disk.dat and app.dat (MB/s, 1 s bins)
	local d=$1
	# The writer's own dirty pages when it had a cgroup (immune to other users), else
	# the system-wide figure.
	if awk -F, 'NR > 1 && $3 + $4 > 0 { found = 1; exit } END { exit !found }' "$d/disk.csv"; then
		awk -F, 'NR > 1 { printf "%.3f %.1f\n", $1 / 1000, ($3 + $4) / 1024 }' "$d/disk.csv" >"$d/dirty.dat"
	else
		awk -F, 'NR > 1 { printf "%.3f %.1f\n", $1 / 1000, ($2 + $3) / 1024 }' "$d/dirty.csv" >"$d/dirty.dat"
	fi
	# 1 s bins: the blkio throttle releases I/O in 100 ms slices, finer bins only show those.
	awk -F, 'NR == 2 { t = $1; s = $2 } NR > 2 && $1 - t >= 1000 {
		printf "%.3f %.1f\n", $1 / 1000, ($2 - s) * 512 / 1048576 / (($1 - t) / 1000); t = $1; s = $2 }' \
		"$d/disk.csv" >"$d/disk.dat"
	# lat.txt: each write()'s duration (us) and start (ms after the first); 1 MiB writes.
	if [[ -f $d/lat.txt && $2 == S1 ]]; then
		awk '{ b = int(($2 + $1 / 1000) / 1000); mb[b] += 1; if (b > last) last = b }
		END { for (i = 0; i <= last; i++) printf "%d %.1f\n", i, mb[i] }' "$d/lat.txt" >"$d/app.dat"
	fi
	# The longest write() started in each second; a second in which no write started (a
	# pause longer than it) has no point, the line bridges it.
	if [[ -f $d/lat.txt ]]; then
		awk '{ b = int($2 / 1000); ms = $1 / 1000; if (!(b in m) || ms > m[b]) m[b] = ms; if (b > last) last = b }
		END { for (i = 0; i <= last; i++) if (i in m) printf "%d %.3f\n", i, m[i] }' "$d/lat.txt" >"$d/lat.dat"
	fi
}

plot_scenario() {   # scen: dirty MB, disk MB/s and program MB/s over time, one line per variant
	local scen=$1 v d dirty="" disk="" app="" text=""
	for v in $(variants_for "$scen"); do
		d=$OUT/runs/$scen-${v//:/_}-1
		[[ -f $d/dirty.csv ]] || continue
		plot_data "$d" "$scen"
		dirty+="'$d/dirty.dat' with lines title '$v', "
		[[ $v == noshim || $v == wbshim ]] && text+="'$d/dirty.dat' with lines title '$v', "
		disk+="'$d/disk.dat' with lines title '$v', "
		[[ -s $d/app.dat ]] && app+="'$d/app.dat' with steps title '$v', "
	done
	[[ -n $dirty ]] || return 0
	gnuplot <<EOF
set terminal pngcairo size 1000,500 noenhanced
set grid
set key outside right
set xlabel 'seconds'
set output '$OUT/$scen-dirty.png'
set title '$(scenario_title "$scen"): the writer''s Dirty+Writeback'
set ylabel 'MB'
set logscale y
plot ${dirty%, }
unset logscale y
set output '$OUT/$scen-disk-mbps.png'
set title '$(scenario_title "$scen"): device write throughput (1 s bins)'
set ylabel 'MB/s'
plot ${disk%, }
$([[ -n $app ]] && printf '%s\n' "set output '$OUT/$scen-app-mbps.png'" \
	"set title '$(scenario_title "$scen"): program write() throughput (1 s bins)'" "plot ${app%, }")
EOF
	plot_latency "$scen"
	# The same dirty-memory plot as text, no shim against the defaults: fits a README.
	[[ -n $text ]] || return 0
	gnuplot <<EOF
set terminal dumb size 100,25
set output '$OUT/$scen-dirty.txt'
set title '$(scenario_title "$scen"): Dirty+Writeback, MB (log scale)'
set xlabel 'seconds'
set logscale y
plot ${text%, }
EOF
}

# write() pauses over time: the defaults against the kernel held to the same memory bound
# (vm.dirty_bytes) and against the hard line alone (WBSHIM_PACE=0), as PNG and as text
# beside the dirty-memory plot.
latency_bound_label() { echo "both held to $(($(kernel_bound_bytes) / MIB)) MB"; }
plot_latency() {   # scen
	local scen=$1 v d lines=""
	for v in wbshim kernel-bound wbshim-hard; do
		d=$OUT/runs/$scen-$v-1
		[[ -s $d/lat.dat ]] && lines+="'$d/lat.dat' with lines title '$v', "
	done
	[[ -n $lines ]] || return 0
	gnuplot <<EOF
set terminal pngcairo size 1000,500 noenhanced
set grid
set key outside right
set xlabel 'seconds'
set ylabel 'ms'
set logscale y
set output '$OUT/$scen-latency.png'
set title '$(scenario_title "$scen"): longest write() per second'
plot ${lines%, }
set terminal dumb size 100,25
set output '$OUT/$scen-latency.txt'
set title '$scen: longest write() per second, ms (log scale), $(latency_bound_label)'
plot ${lines%, }
EOF
}

make_plots() {
	local scen
	# Twenty-one lines per plot say nothing: a sweep is read from its table.
	[[ $SWEEP -eq 0 ]] || return 0
	ensure_gnuplot || return 0
	for scen in S1 S3; do
		[[ " $SCENARIOS " == *" $scen "* ]] && plot_scenario "$scen"
	done
	return 0
}
