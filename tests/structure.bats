#!/usr/bin/env bats
# The shape of the library: no call into its own doors, no call cycle, a map that is complete.
load common

@test "the library binds no call to a symbol it exports itself" {
	readelf -rW "$LIB" | awk '/JUMP_SLO|GLOB_DAT/ {print $5}' | sed 's/@.*//' | sort -u >"$WORK/relocs"
	nm -D --defined-only "$LIB" | awk '{print $3}' | sed 's/@.*//' | sort -u >"$WORK/exports"
	# the check itself must see something: syscall and write are exported, fstatfs is imported
	grep -qx syscall "$WORK/exports"
	grep -qx fstatfs "$WORK/relocs"
	comm -12 "$WORK/relocs" "$WORK/exports" >"$WORK/self"
	cat "$WORK/self"
	[ ! -s "$WORK/self" ]
}

@test "the call graph between source files has no cycle" {
	run "$ROOT/tests/tools/callgraph" "$ROOT"/src/*/*.o
	[ "$status" -eq 0 ]
	# the graph is not empty: the write door reaches the pipeline through track.c
	[[ "$output" == *"src/write/track.o $ROOT/src/core/pipeline.o"* ]]
	run "$ROOT/tests/tools/callgraph" --cycles "$ROOT"/src/*/*.o
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "the cycle check finds a cycle when there is one" {
	printf 'int b(void);\nint a(void) { return b(); }\n' >"$WORK/a.c"
	printf 'int a(void);\nint b(void) { return a(); }\n' >"$WORK/b.c"
	cc -c -o "$WORK/a.o" "$WORK/a.c"
	cc -c -o "$WORK/b.o" "$WORK/b.c"
	run "$ROOT/tests/tools/callgraph" --cycles "$WORK/a.o" "$WORK/b.o"
	echo "$output"
	[ "$status" -eq 1 ]
}

@test "src/README.md names every source file" {
	local f missing=0
	for f in "$ROOT"/src/*/*.[ch] "$ROOT"/src/*/*.map; do
		f=${f#"$ROOT"/src/}
		if ! grep -qF "\`$f\`" "$ROOT/src/README.md"; then
			echo "not in src/README.md: $f"
			missing=$((missing + 1))
		fi
	done
	[ "$missing" -eq 0 ]
}

@test "the library calls the kernel through wb_syscall only, never libc's syscall()" {
	# code lines (not comments) calling syscall(); the exported door's definition is not a call
	grep -nE '(^|[^_[:alnum:].>])syscall\(' "$ROOT"/src/*/*.c | grep -vE '^[^:]*:[0-9]+:[[:space:]]*(/?\*)' |
		grep -v 'WB_EXPORT long syscall(' >"$WORK/calls" || true
	cat "$WORK/calls"
	[ ! -s "$WORK/calls" ]
	# and the check sees a call when there is one
	printf 'x = syscall(SYS_close, fd);\n' | grep -qE '(^|[^_[:alnum:].>])syscall\(' 
}
