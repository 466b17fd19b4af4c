#!/bin/sh
# test_survival.sh - the damage battery of issue 13 part 3 at make-check size,
# on archives of the corpus (../shared/corpus, 14 MB), made once per run in a
# folder under /tmp (removed at the end; NPK_SURVIVAL_KEEP=1 keeps it). The damage comes from
# tests/survival/damage.py with a fixed seed per case; a failing case shows
# the lines it printed (offsets), which reproduce it.
#
# With parity (create --parity 5, survival copies by default): repair -o
# writes a file equal to the undamaged archive byte for byte, and leaves the
# damaged one as it was, after: three bursts of 1%; 60 single-bit flips; the
# first 16 KiB zeroed and the last 0.5% cut; one burst of 4%; bursts inside
# the parity section (its start, its blocks, its end); inside each original
# and each copy of the critical structures (header, tables, manifest with
# signature block and trailer), both copies of the tables and manifest, the
# tail trailer; bytes inserted and bytes deleted (a shifted tail); and once
# with --in-place. protect --parity 5 of the archive without parity gives the
# bytes create --parity 5 gives; protect of a 1.0 archive, damaged, repaired. verify exits 1 when the signed part is damaged, 0 when only
# the tail is. Beyond capacity (a burst of 10%): repair exits 1, says it
# cannot and writes nothing; salvage writes every document outside the damage
# (tests/survival/docmap.py), byte for byte; with the header and the tables
# destroyed in both copies, salvage writes every document.
# Without parity, the four rows of the issue's table: extract writes every
# intact document (4 KiB inside cluster 0, 4 KiB in the middle), and all of
# them when the page table or the header is damaged (the copy serves).
#
# The commands come from the survival branches (create --parity and protect,
# repair: parity; the copies: create by default; salvage): a case whose
# command is missing fails, it is never skipped.
. "$(dirname "$0")/lib.sh"
suite_begin survival

PUB="$KEYS/test.pub"
DMG="$top/tests/survival/damage.py"
LAY="$top/tests/survival/layout.py"
MAP="$top/tests/survival/docmap.py"

CORPUS="$top/../shared/corpus"
if [ ! -d "$CORPUS" ]; then
	note "no corpus at $CORPUS; the survival battery needs it"
	finish
fi
CORPUS=$(cd "$CORPUS" && pwd)
T=$(mktemp -d /tmp/npk-survival.XXXXXX) || {
	fail "a scratch folder under /tmp"
	finish
}
info "big files in $T"

# files DIR: every regular file under DIR, relative, in byte order.
files() {
	(cd "$1" && find . -type f | sed 's|^\./||' | LC_ALL=C sort)
}
files "$CORPUS" > "$S/all"
NDOCS=$(wc -l < "$S/all" | tr -d ' ')

# where ARCHIVE NAME: "OFFSET LENGTH" of a structure layout.py names.
where() {
	python3 "$LAY" --objects "$1" | awk -v n="$2" '$1 == n { print $2, $3; f = 1 } END { exit !f }'
}

# has ARCHIVE NAME: layout.py finds that structure.
has() {
	where "$1" "$2" > /dev/null
}

# damage NAME ARCHIVE SEED SHAPE...: $T/NAME.npk, the lines in $S/NAME.damage.
damage() {
	_name=$1 _src=$2 _seed=$3
	shift 3
	if ! python3 "$DMG" --seed "$_seed" "$_src" "$T/$_name.npk" "$@" > "$S/$_name.damage" 2> "$S/$_name.derr"; then
		fail "$_name: damage.py $*" "$(cat "$S/$_name.derr")"
		return 1
	fi
	return 0
}

# ------------------------------------------------------------------ the archives
P="$T/p.npk"
expect_exit 0 "create --parity 5 of the corpus" -- \
	"$NP" create -q -s "$KEYS/test.key" --timestamp 2025-01-01 --parity 5 "$P" "$CORPUS" || rm -f "$P"
N="$T/n.npk"
expect_exit 0 "create of the corpus (no parity)" -- \
	"$NP" create -q -s "$KEYS/test.key" --timestamp 2025-01-01 "$N" "$CORPUS" || rm -f "$N"
if [ -f "$P" ]; then
	info "the corpus: $NDOCS documents; with --parity 5, $(file_size "$P") bytes"
	expect_true "the parity archive has a parity section (type 3)" -- has "$P" section.3
	expect_true "and survival copies (type 2)" -- has "$P" section.2
fi
if [ -f "$N" ]; then
	info "without parity, $(file_size "$N") bytes"
	expect_true "the archive without parity has survival copies (type 2)" -- has "$N" section.2
fi

# ------------------------------------------------------------------ with parity: repair
# repair_case NAME VERIFY SEED SHAPE...: damages BASE (P unless set),
# checks that verify exits VERIFY, then that repair -o writes BASE again and
# leaves the damage alone.
repair_case() {
	_c=$1 _v=$2 _s=$3 _b=${BASE:-$P}
	shift 3
	if [ ! -f "$_b" ]; then
		fail "$_c: repaired byte for byte" "no archive with parity to damage: create --parity 5 or protect failed"
		return
	fi
	damage "$_c" "$_b" "$_s" "$@" || return
	D="$T/$_c.npk"
	_sum=$(cksum < "$D")
	run "$NP" verify -q -p "$PUB" "$D"
	if [ "$RC" = "$_v" ]; then
		pass "$_c: verify exits $_v"
	else
		fail "$_c: verify exits $_v" "got $RC"
		show_last
	fi
	rm -f "$T/$_c.rep"
	run "$NP" repair -o "$T/$_c.rep" "$D"
	if [ "$RC" = 0 ] && cmp -s "$T/$_c.rep" "$_b"; then
		pass "$_c: repair -o exits 0 and writes the undamaged archive byte for byte"
	else
		fail "$_c: repair -o exits 0 and writes the undamaged archive byte for byte" \
			"$(cmp "$T/$_c.rep" "$_b" 2>&1 | head -n 1)" "damage (damage.py --seed $_s IN OUT $*):"
		show_file damage "$S/$_c.damage"
		show_last
	fi
	expect_eq "$(cksum < "$D")" "$_sum" "$_c: the damaged file is left as it was"
	rm -f "$D" "$T/$_c.rep"
}

# range NAME: "START:LENGTH" of a structure of P, for damage.py --in.
range() {
	where "$P" "$1" 2> /dev/null | tr ' ' ':'
}

# the shapes of issue 13 part 3 for small archives
repair_case bursts3 1 131 bursts 3 1%
repair_case flips60 1 132 flips 60
repair_case head-tail 1 133 zero-head 16K + cut-tail 0.5%
repair_case burst4 1 134 burst 4%
# the parity section: its start (header, CRC table), its blocks, its end
if [ -f "$P" ]; then
	set -- $(where "$P" section.3) 0 0
	PAR_OFF=$1 PAR_LEN=$2
	repair_case parity-start 0 135 burst 4K --at "$PAR_OFF"
	repair_case parity-blocks 0 136 burst 1% --in "$(range parity.blocks)"
	repair_case parity-end 0 137 burst 4K --at $((PAR_OFF + PAR_LEN - 4096))
	# each original and each copy of the critical structures
	repair_case orig-header 1 138 burst 32 --at 0
	repair_case orig-tables 1 139 burst 512 --in "$(range tables)"
	# the manifest, signature block and trailer: what copy.manifest holds
	set -- $(where "$P" manifest) $(where "$P" signed) 0 0 0 0
	repair_case orig-manifest 1 140 burst 200 --in "$1:$(($4 - $1))"
	repair_case copy-header 0 141 burst 32 --in "$(range copy.header)"
	repair_case copy-tables 0 142 burst 512 --in "$(range copy.tables)"
	repair_case copy-manifest 0 143 burst 200 --in "$(range copy.manifest)"
	repair_case both-tables-manifest 1 144 burst 512 --in "$(range tables)" + \
		burst 512 --in "$(range copy.tables)" + burst 100 --in "$(range manifest)" + \
		burst 100 --in "$(range copy.manifest)"
	repair_case tail-trailer 1 145 burst 64 --at -64
else
	for c in parity-start parity-blocks parity-end orig-header orig-tables orig-manifest copy-header \
		copy-tables copy-manifest both-tables-manifest tail-trailer; do
		repair_case "$c" 1 0 burst 1
	done
fi
# a shifted tail
repair_case insert 1 146 insert 1000 --at 40%
repair_case delete 1 147 delete 1000 --at 40%

# --in-place: the damaged file becomes the archive again
if [ -f "$P" ] && damage inplace "$P" 132 flips 60; then
	expect_exit 0 "inplace: repair --in-place exits 0" -- "$NP" repair --in-place "$T/inplace.npk" &&
		expect_same "$T/inplace.npk" "$P" "inplace: the file is the undamaged archive again"
	rm -f "$T/inplace.npk"
else
	fail "inplace: repair --in-place" "no archive with parity to damage: create --parity 5 failed"
fi

# protect: the archive without parity, then a 1.0 archive
if [ -f "$N" ] && [ -f "$P" ]; then
	cp "$N" "$T/prot.npk"
	expect_exit 0 "protect --parity 5 of the archive without parity exits 0" -- \
		"$NP" protect "$T/prot.npk" --parity 5 &&
		expect_same "$T/prot.npk" "$P" "protect gives the bytes create --parity 5 gives"
	rm -f "$T/prot.npk"
else
	fail "protect --parity 5 gives the bytes create --parity 5 gives" "create failed"
fi
V10="$T/v10.npk"
if "$NP" create -q -s "$KEYS/test.key" --timestamp 2025-01-01 --format-version 1.0 "$V10" "$CORPUS" 2> "$S/v10.err" &&
	cp "$V10" "$T/v10p.npk" && expect_exit 0 "protect of a 1.0 archive exits 0" -- \
	"$NP" protect "$T/v10p.npk" --parity 5; then
	expect_true "and keeps its signed part" -- cmp -s -n "$(file_size "$V10")" "$V10" "$T/v10p.npk"
	BASE="$T/v10p.npk"
	repair_case v10-burst4 1 148 burst 4%
	BASE=""
else
	fail "protect of a 1.0 archive, damaged, repaired" "$(cat "$S/v10.err")"
fi
rm -f "$V10" "$T/v10p.npk"

# ------------------------------------------------------------------ salvage
# salvage_case NAME DAMAGED EXPECTED: salvage -C writes every path of EXPECTED,
# and every file it writes under a document's name is that document.
salvage_case() {
	_c=$1 _d=$2 _want=$3
	run "$NP" salvage -p "$PUB" "$_d" -C "$T/$_c.out"
	cp "$OUT" "$S/$_c.salvage-out"
	if [ "$RC" -ge 2 ]; then
		fail "$_c: salvage -C runs (exit 0 or 1)" "got $RC"
		show_last
		return
	fi
	pass "$_c: salvage -C runs (exit $RC)"
	files "$T/$_c.out" > "$S/$_c.written"
	LC_ALL=C comm -23 "$_want" "$S/$_c.written" > "$S/$_c.lost"
	expect_eq "$(wc -l < "$S/$_c.lost" | tr -d ' ')" 0 \
		"$_c: salvage writes all $(wc -l < "$_want" | tr -d ' ') documents outside the damage"
	LC_ALL=C comm -12 "$S/all" "$S/$_c.written" | while IFS= read -r f; do
		cmp -s "$CORPUS/$f" "$T/$_c.out/$f" || echo "$f"
	done > "$S/$_c.wrong"
	expect_eq "$(head -n 3 "$S/$_c.wrong")" "" "$_c: every file written under a document's name is that document"
	rm -rf "$T/$_c.out"
}

# beyond capacity: one burst of 10%, in the body
if [ -f "$P" ] && damage burst10 "$P" 150 burst 10% --at 30%; then
	D="$T/burst10.npk"
	_sum=$(cksum < "$D")
	expect_exit 1 "burst10: repair exits 1" -- "$NP" repair -o "$T/burst10.rep" "$D" &&
		expect_contains "$ERR" "cannot" "burst10: and says it cannot repair it"
	expect_true "burst10: repair writes no output" -- test ! -e "$T/burst10.rep"
	expect_eq "$(cksum < "$D")" "$_sum" "burst10: the damaged file is left as it was"
	python3 "$MAP" "$P" "$S/burst10.damage" | LC_ALL=C sort > "$S/burst10.want"
	info "burst10: $(wc -l < "$S/burst10.want" | tr -d ' ') of $NDOCS documents lie outside the damage"
	salvage_case burst10 "$D" "$S/burst10.want"
	rm -f "$D"
else
	fail "burst10: repair says it cannot, salvage writes every document outside the damage" \
		"no archive with parity to damage: create --parity 5 failed"
fi

# the header and both tables destroyed in both copies (the manifest is intact;
# the copies are checked for above: without them the originals alone go)
# shape_in NAME: damage.py's "burst LENGTH --in OFFSET:LENGTH" over all of it
shape_in() {
	where "$N" "$1" | awk '{ print "burst", $2, "--in", $1 ":" $2 }'
}
if [ -f "$N" ]; then
	set -- $(shape_in header) + $(shape_in tables)
	has "$N" copy.header && set -- "$@" + $(shape_in copy.header)
	has "$N" copy.tables && set -- "$@" + $(shape_in copy.tables)
	if damage nocopies "$N" 151 "$@"; then
		salvage_case nocopies "$T/nocopies.npk" "$S/all"
		rm -f "$T/nocopies.npk"
	fi
else
	fail "nocopies: salvage with the header and tables destroyed in both copies writes every document" \
		"create failed"
fi

# ------------------------------------------------------------------ without parity: the issue's table
# table_row NAME EXIT SEED SHAPE...: extract of N damaged exits EXIT and writes
# every document outside the damage (docmap.py), byte for byte, and no other.
table_row() {
	_c=$1 _x=$2 _s=$3
	shift 3
	if [ ! -f "$N" ]; then
		fail "$_c: extract writes every intact document" "create failed"
		return
	fi
	damage "$_c" "$N" "$_s" "$@" || return
	D="$T/$_c.npk"
	python3 "$MAP" "$N" "$S/$_c.damage" | LC_ALL=C sort > "$S/$_c.want"
	run "$NP" extract -q -p "$PUB" -C "$T/$_c.out" "$D"
	if [ "$RC" = "$_x" ]; then
		pass "$_c: extract exits $_x"
	else
		fail "$_c: extract exits $_x" "got $RC"
		show_last
	fi
	files "$T/$_c.out" 2> /dev/null > "$S/$_c.written"
	expect_eq "$(wc -l < "$S/$_c.written" | tr -d ' ')" "$(wc -l < "$S/$_c.want" | tr -d ' ')" \
		"$_c: extract writes the $(wc -l < "$S/$_c.want" | tr -d ' ') of $NDOCS documents outside the damage"
	expect_same "$S/$_c.written" "$S/$_c.want" "$_c: exactly those"
	diff -rq "$CORPUS" "$T/$_c.out" 2>&1 | grep -v "^Only in $CORPUS" > "$S/$_c.diff"
	expect_eq "$(head -n 3 "$S/$_c.diff")" "" "$_c: each byte for byte"
	rm -rf "$D" "$T/$_c.out"
}
if [ -f "$N" ]; then
	set -- $(where "$N" cluster.0) 0 0
	table_row cluster0 1 160 burst 4K --at $(($1 + $2 / 2 - 2048))
	table_row middle 1 161 burst 4K --at 50%
	table_row pagetable 0 162 burst 512 --in "$(where "$N" pagetable | tr ' ' ':')"
	expect_eq "$(wc -l < "$S/pagetable.want" | tr -d ' ')" "$NDOCS" "pagetable: no document lost"
	table_row header 0 163 burst 32 --at 0
	expect_eq "$(wc -l < "$S/header.want" | tr -d ' ')" "$NDOCS" "header: no document lost"
else
	for c in cluster0 middle pagetable header; do
		table_row "$c" 1 0 burst 1
	done
fi

# the damage lines in the scratch folder and the seeds reproduce any case
if [ -n "${NPK_SURVIVAL_KEEP-}" ]; then
	info "the archives are kept in $T"
else
	rm -rf "$T"
fi
finish
