#!/usr/bin/env bats
# wbshim(1): renders cleanly, documents every variable, is installed and removed.
load common

MAN="$ROOT/scripts/wbshim.1"

@test "the man page renders without a warning" {
	command -v groff >/dev/null || skip "groff is not installed"
	groff -man -ww -Tutf8 "$MAN" >"$WORK/out" 2>"$WORK/err"
	cat "$WORK/err"
	[ ! -s "$WORK/err" ]
	grep -q 'writeback paced' "$WORK/out"
}

@test "every WBSHIM_* variable the library reads is in the man page and the wrapper's --help" {
	grep -oh 'WBSHIM_[A-Z][A-Z_]*' "$ROOT"/src/*/*.c | sort -u >"$WORK/names"
	cat "$WORK/names"
	[ "$(grep -c . "$WORK/names")" -ge 5 ]
	"$ROOT/scripts/wbshim" --help >"$WORK/help"
	while read -r name; do
		grep -q "^\.B $name\$" "$MAN"
		grep -q "$name" "$WORK/help"
	done <"$WORK/names"
}

@test "make install puts the man page under MANDIR/man1; make uninstall removes it" {
	copy_build_tree "$WORK/tree"
	make -C "$WORK/tree" -s install PREFIX="$WORK/p"
	[ -f "$WORK/p/share/man/man1/wbshim.1" ]
	cmp "$MAN" "$WORK/p/share/man/man1/wbshim.1"
	make -C "$WORK/tree" -s install PREFIX="$WORK/p" MANDIR="$WORK/m"
	[ -f "$WORK/m/man1/wbshim.1" ]
	make -C "$WORK/tree" -s uninstall PREFIX="$WORK/p"
	[ ! -e "$WORK/p/share/man/man1/wbshim.1" ]
	[ ! -e "$WORK/p/bin/wbshim" ]
}

# The table of variables (tests/wbshim-vars.tsv) as NAME DEFAULT lines.
vars() {
	grep -v '^#' "$ROOT/tests/wbshim-vars.tsv" | tail -n +2 | cut -f1,3
}

# bytes SIZE: 4M -> 4194304 (the table writes sizes as the user does).
bytes() {
	case "$1" in
	*K) echo $((${1%K} << 10)) ;;
	*M) echo $((${1%M} << 20)) ;;
	*G) echo $((${1%G} << 30)) ;;
	*) echo "$1" ;;
	esac
}

@test "the table of variables has the code's defaults and limits" {
	env -u WBSHIM_CHUNK -u WBSHIM_DEPTH -u WBSHIM_DROP -u WBSHIM_READ -u WBSHIM_PACE \
		-u WBSHIM_DISABLE -u WBSHIM_VERBOSE -u WBSHIM_LOG "$BIN/config_defaults" >"$WORK/code"
	cat "$WORK/code"
	# Every variable the library reads is in the table, and every library one in the code.
	grep -oh 'WBSHIM_[A-Z][A-Z_]*' "$ROOT"/src/*/*.c | sort -u >"$WORK/names"
	while read -r name; do
		echo "library reads $name; in the table: $(vars | grep -c "^$name	")"
		vars | grep -q "^$name	"
	done <"$WORK/names"
	while read -r name default; do
		[ "$name" != WBSHIM_LIB ] || continue # the wrapper's own
		code=$(awk -v n="$name" '$1 == n { print $2 }' "$WORK/code")
		want=$(bytes "$default")
		echo "$name: table $default ($want), code $code"
		[ "$code" = "$want" ]
	done < <(vars)
	range=$(grep -v '^#' "$ROOT/tests/wbshim-vars.tsv" | awk -F'\t' '$1 == "WBSHIM_CHUNK" { print $4 }')
	echo "chunk range: table $range, code $(grep -E 'CHUNK_(MIN|MAX)' "$WORK/code" | tr '\n' ' ')"
	[ "$(bytes "${range%-*}")" = "$(awk '$1 == "WBSHIM_CHUNK_MIN" { print $2 }' "$WORK/code")" ]
	[ "$(bytes "${range#*-}")" = "$(awk '$1 == "WBSHIM_CHUNK_MAX" { print $2 }' "$WORK/code")" ]
	range=$(grep -v '^#' "$ROOT/tests/wbshim-vars.tsv" | awk -F'\t' '$1 == "WBSHIM_DEPTH" { print $4 }')
	[ "$range" = "$(awk '$1 == "WBSHIM_DEPTH_MIN" { print $2 }' "$WORK/code")-$(awk '$1 == "WBSHIM_DEPTH_MAX" { print $2 }' "$WORK/code")" ]
}

@test "the man page and --help give each variable the table's default" {
	command -v groff >/dev/null || skip "groff is not installed"
	# Rendered, one paragraph per variable: from its name to the next variable's.
	groff -man -Tutf8 -P-cbou "$MAN" 2>/dev/null | tr -s ' \n' ' ' |
		sed 's/ \(WBSHIM_[A-Z]*\) /\n\1 /g' >"$WORK/man"
	"$ROOT/scripts/wbshim" --help >"$WORK/help"
	while read -r name default; do
		[ "$name" != WBSHIM_LIB ] || continue # the wrapper's own, found: no default to state
		case "$default" in
		stderr) man_says="Default: standard error" ;;
		*) man_says="Default $default." ;;
		esac
		para=$(grep "^$name " "$WORK/man" | grep -F "$man_says" | head -1 || true)
		echo "man page, $name: expected \"$man_says\"; found: ${para:0:100}"
		[ -n "$para" ]
		echo "--help, $name: expected \"default $default\": $(grep "^  $name " "$WORK/help")"
		grep -Eq "^  $name +default $default( |$)" "$WORK/help"
	done < <(vars)
}

@test "the budget rule is stated as the code has it: (depth + 1) x chunk, and one chunk written before small files take part" {
	budget=$("$BIN/config_defaults" | awk '$1 == "budget" { print $2 / 1048576 }')
	echo "code: budget $budget MiB with the defaults; budget.h: $(grep -c 'wb_budget_bytes\|(wb_cfg.depth + 1) \* wb_cfg.chunk' "$ROOT/src/write/budget.h") statements of (depth + 1) x chunk"
	grep -q 'return (uint64_t)(wb_cfg.depth + 1) \* wb_cfg.chunk;' "$ROOT/src/write/budget.h"
	grep -q 'wb_written, bytes, __ATOMIC_RELAXED) >= wb_cfg.chunk' "$ROOT/src/write/budget.h"
	groff -man -Tutf8 -P-cbou "$MAN" 2>/dev/null | tr -s ' \n' ' ' >"$WORK/man"
	"$ROOT/scripts/wbshim" --help | tr -s ' \n' ' ' >"$WORK/help"
	for doc in "$WORK/man" "$WORK/help"; do
		echo "$doc: budget '$budget MiB by default': $(grep -c "$budget MiB by default" "$doc"), 'less than one chunk in all': $(grep -c 'less than one chunk in all' "$doc"), 'quarter chunk': $(grep -c 'quarter chunk' "$doc" || true)"
		grep -q "(depth + 1) [x×] chunk, $budget MiB by default" "$doc"
		grep -q 'less than one chunk in all' "$doc"
		! grep -qi 'files under a quarter chunk\|files of a quarter chunk' "$doc"
	done
}

@test "the README's table of variables has the table's options and defaults, and the README stays short" {
	readme="$ROOT/README.md"
	while read -r name option default; do
		[ "$option" != - ] || option=''
		row=$(grep -F "| \`$name\` |" "$readme" || true)
		echo "README, $name: expected option '$option', default '$default'; row: $row"
		[ -n "$row" ]
		[[ "$row" == "| \`$name\` | ${option:+\`$option\` }| $default |"* ]]
	done < <(grep -v '^#' "$ROOT/tests/wbshim-vars.tsv" | tail -n +2 | cut -f1-3)
	grep -q '(depth + 1) × chunk, 20 MiB by default' "$readme"
	grep -q 'less than one chunk in all' "$readme"
	words=$(wc -w <"$readme")
	echo "README: $words words (expected at most 2500)"
	[ "$words" -le 2500 ]
}
