# shellcheck shell=bash
# bench: S8, tar -xf of a deterministic archive, then sync -f.

# S8's archive: deterministic (fixed seed for sizes, fixed keys for the AES-CTR content,
# fixed tar metadata), so every run extracts byte-identical data.
s8_archive() {
	local files=$1 tarball=$CACHE_DIR/s8-$1files.tar
	if [[ -f $tarball.done ]]; then echo "$tarball"; return 0; fi
	say "S8: generating $files files of 1-20 MB into $tarball (once)"
	local stage=$CACHE_DIR/stage-$files i size
	rm -rf "$stage" "$tarball"
	mkdir -p "$stage"
	RANDOM=42
	for ((i = 0; i < files; i++)); do
		size=$((MIB + ((RANDOM << 15 | RANDOM) % (19 * MIB + 1))))
		# head closes the pipe early on purpose; openssl's SIGPIPE is not a failure.
		{ openssl enc -aes-128-ctr -nosalt -pbkdf2 -pass "pass:wbshim-s8-$i" </dev/zero 2>/dev/null || true; } |
			head -c "$size" >"$stage/f$(printf %04d "$i")"
	done
	tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$stage" -cf "$tarball" .
	rm -rf "$stage"
	touch "$tarball.done"
	echo "$tarball"
}

s8_run() {   # variant rep tarball
	local variant=$1 rep=$2 tarball=$3 dir dest sync_start
	dir=$OUT/runs/S8-${variant//:/_}-$rep
	dest=$FAST_DIR/s8
	mkdir -p "$dir" "$dest"
	CMD=(tar -xf "$tarball" -C "$dest")
	shim_env "$variant" "$dir"
	TARGET_FILE=""
	run_measured S8 "$variant" "$rep" "$dir" "$(majmin_of "$FAST_DIR")" \
		"$(block_name "$FAST_DIR")"
	# Durable = until sync -f on the target filesystem returns. The knobs stay applied
	# through the sync, like they would for a user.
	apply_variant_knobs "$variant" "$(majmin_of "$FAST_DIR")"
	sync_start=$(now_us)
	sync -f "$dest"
	local sync_us=$(($(now_us) - sync_start))
	restore_knobs
	record S8 "$variant" "$rep" tar_s "$(us_to_s "$LAST_WALL_US")"
	record S8 "$variant" "$rep" sync_s "$(us_to_s "$sync_us")"
	record S8 "$variant" "$rep" total_s "$(us_to_s $((LAST_WALL_US + sync_us)))"
	rm -rf "$dest"
	say "S8 $variant #$rep: tar $(us_to_s "$LAST_WALL_US")s + sync $(us_to_s "$sync_us")s"
}
scenario_S8() {
	local tarball
	mkdir -p "$CACHE_DIR"
	tarball=$(s8_archive "$S8_FILES")
	for_each_run S8 s8_run "$tarball"
}
