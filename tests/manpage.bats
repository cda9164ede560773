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
