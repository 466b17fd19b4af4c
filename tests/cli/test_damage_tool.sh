#!/bin/sh
# test_damage_tool.sh - the survival battery's own tools (tests/survival/):
#   damage.py: each shape changes exactly what it says and prints where
#     (the bytes that differ are those of the printed ranges, the rest equal
#     the input, shifted where bytes were inserted or deleted); the same seed
#     gives the same bytes, another seed others; shapes chain with "+";
#     damage that does not fit is refused and names the problem.
#   layout.py: the structures of an archive without a tail, and with
#     --objects its pages and clusters (against npkcheck.py dump), the
#     survival copies of an archive create makes (equal to the originals), the sections of a tail built here from the spec
#     (15.5 directory and trailer, 15.9 copies, 15.10 parity header).
. "$(dirname "$0")/lib.sh"
suite_begin damage-tool

DMG="$top/tests/survival/damage.py"
LAY="$top/tests/survival/layout.py"
CHECK="$top/spec/vectors/npkcheck.py"

# A file of 1 MiB + 123 bytes, none of them zero, the same on every run.
IN="$S/in.bin"
python3 -c '
import random, sys
r = random.Random(5)
sys.stdout.buffer.write(bytes(r.randrange(1, 256) for _ in range(1048699)))' > "$IN"
SIZE=$(file_size "$IN")

# diffs A B: the 0-based offsets where A and B differ (same length).
diffs() {
	cmp -l "$1" "$2" 2> /dev/null | awk '{ print $1 - 1 }'
}

# in_ranges LINES DIFFS: every offset of DIFFS is in one "KIND OFFSET LENGTH"
# line of LINES; prints the offsets that are not.
in_ranges() {
	awk 'NR == FNR { if ($1 !~ /^#/) { lo[++n] = $2; hi[n] = $2 + $3 } next }
		{ ok = 0; for (i = 1; i <= n; i++) if ($1 >= lo[i] && $1 < hi[i]) ok = 1
		  if (!ok) print }' "$1" "$2"
}

# shape NAME ARGS...: damages a copy of IN into $S/NAME.out, its lines in
# $S/NAME.lines (stdout), the offsets that differ in $S/NAME.diffs.
shape() {
	_n=$1
	shift
	expect_exit 0 "$_n: damage.py exits 0" -- python3 "$DMG" --seed 7 "$IN" "$S/$_n.out" "$@" ||
		return 1
	grep -v '^#' "$OUT" > "$S/$_n.lines"
	diffs "$IN" "$S/$_n.out" > "$S/$_n.diffs"
	return 0
}

# ---- burst at an offset
shape burst-at burst 4096 --at 10000 &&
	expect_eq "$(cat "$S/burst-at.lines")" "burst 10000 4096" "burst-at: prints its offset and length" &&
	expect_eq "$(wc -l < "$S/burst-at.diffs" | tr -d ' ')" 4096 "burst-at: changes all 4096 bytes" &&
	expect_eq "$(head -n 1 "$S/burst-at.diffs") $(tail -n 1 "$S/burst-at.diffs")" "10000 14095" \
		"burst-at: and no other" &&
	expect_eq "$(file_size "$S/burst-at.out")" "$SIZE" "burst-at: the size is kept"

# ---- burst at random, sized as a share of the file; from the end
shape burst-rnd burst 4% &&
	expect_eq "$(awk '{ print $1, $3 }' "$S/burst-rnd.lines")" "burst $(((SIZE * 4 + 50) / 100))" \
		"burst-rnd: 4% of the file" &&
	expect_eq "$(wc -l < "$S/burst-rnd.diffs" | tr -d ' ')" "$(((SIZE * 4 + 50) / 100))" \
		"burst-rnd: every byte of it changes" &&
	expect_eq "$(in_ranges "$S/burst-rnd.lines" "$S/burst-rnd.diffs")" "" "burst-rnd: inside the printed range only"
shape burst-end burst 512 --at -3000 &&
	expect_eq "$(cat "$S/burst-end.lines")" "burst $((SIZE - 3000)) 512" "burst-end: a negative offset counts from the end"

# ---- burst inside a range, and its fill
shape burst-in burst 1K --in 500000:8192 --fill zero &&
	expect_eq "$(awk '$2 >= 500000 && $2 + $3 <= 508192 { print "in" }' "$S/burst-in.lines")" "in" \
		"burst-in: inside [500000, 508192)" &&
	expect_eq "$(wc -l < "$S/burst-in.diffs" | tr -d ' ')" 1024 "burst-in: 1 KiB changed" &&
	expect_eq "$(in_ranges "$S/burst-in.lines" "$S/burst-in.diffs")" "" "burst-in: only there" &&
	set -- $(cat "$S/burst-in.lines") &&
	expect_eq "$(tail -c +$(($2 + 1)) "$S/burst-in.out" | head -c 1024 | tr -d '\000' | wc -c | tr -d ' ')" 0 \
		"burst-in: --fill zero writes zeros"

# ---- three bursts of 1% that do not overlap
shape bursts bursts 3 1% &&
	expect_eq "$(wc -l < "$S/bursts.lines" | tr -d ' ')" 3 "bursts: three printed" &&
	expect_eq "$(wc -l < "$S/bursts.diffs" | tr -d ' ')" "$((3 * ((SIZE + 50) / 100)))" \
		"bursts: 3 x 1% of the bytes changed (no overlap)" &&
	expect_eq "$(in_ranges "$S/bursts.lines" "$S/bursts.diffs")" "" "bursts: inside the printed ranges only" &&
	expect_eq "$(awk 'NR > 1 && $2 < end { print "overlap" } { end = $2 + $3 }' "$S/bursts.lines")" "" \
		"bursts: in increasing order, apart"

# ---- single-bit flips
shape flips flips 60 &&
	expect_eq "$(wc -l < "$S/flips.lines" | tr -d ' ')" 60 "flips: 60 printed" &&
	expect_eq "$(wc -l < "$S/flips.diffs" | tr -d ' ')" 60 "flips: 60 bytes differ" &&
	cmp -l "$IN" "$S/flips.out" | awk '{ a = 0; b = 0; x = $2; y = $3
		# octal to decimal, then the bits that differ
		for (i = 1; i <= length(x); i++) a = a * 8 + substr(x, i, 1)
		for (i = 1; i <= length(y); i++) b = b * 8 + substr(y, i, 1)
		d = 0; for (bit = 0; bit < 8; bit++) if (int(a / 2 ^ bit) % 2 != int(b / 2 ^ bit) % 2) { d++; at = bit }
		print $1 - 1, (d == 1 ? at : "more") }' > "$S/flips.bits" &&
	expect_eq "$(cat "$S/flips.bits")" "$(sed 's/^flip //' "$S/flips.lines")" \
		"flips: each one bit, the printed one"
shape flips-per flips 200 --per 50MiB &&
	expect_eq "$(wc -l < "$S/flips-per.diffs" | tr -d ' ')" 4 "flips-per: 200 per 50 MiB is 4 in 1 MiB"

# ---- zeroed aligned sectors
shape sectors sectors 16 &&
	expect_eq "$(wc -l < "$S/sectors.lines" | tr -d ' ')" 16 "sectors: 16 printed" &&
	expect_eq "$(awk '$1 != "sector" || $2 % 4096 || $3 != 4096' "$S/sectors.lines")" "" \
		"sectors: each 4096 bytes at a multiple of 4096" &&
	expect_eq "$(wc -l < "$S/sectors.diffs" | tr -d ' ')" 65536 "sectors: 16 x 4096 bytes changed" &&
	expect_eq "$(in_ranges "$S/sectors.lines" "$S/sectors.diffs")" "" "sectors: only those" &&
	expect_eq "$(cmp -l "$IN" "$S/sectors.out" | awk '$3 != 0')" "" "sectors: to zero"

# ---- the head zeroed, the tail cut
shape head zero-head 16K &&
	expect_eq "$(cat "$S/head.lines")" "zero 0 16384" "zero-head: prints what" &&
	expect_eq "$(wc -l < "$S/head.diffs" | tr -d ' ') $(tail -n 1 "$S/head.diffs")" "16384 16383" \
		"zero-head: the first 16 KiB changed" &&
	expect_eq "$(head -c 16384 "$S/head.out" | tr -d '\000' | wc -c | tr -d ' ')" 0 "zero-head: to zero"
CUT=$(((SIZE * 5 + 500) / 1000))
head -c $((SIZE - CUT)) "$IN" > "$S/cut.prefix"
shape cut cut-tail 0.5% &&
	expect_eq "$(cat "$S/cut.lines")" "cut $((SIZE - CUT)) $CUT" "cut-tail: prints the new size and the cut" &&
	expect_same "$S/cut.out" "$S/cut.prefix" "cut-tail: 0.5% shorter, what is left is the input's start"

# ---- inserted and deleted bytes: the tail shifts
shape ins insert 100 --at 1000 &&
	expect_eq "$(cat "$S/ins.lines")" "insert 1000 100" "insert: prints where" &&
	expect_eq "$(file_size "$S/ins.out")" "$((SIZE + 100))" "insert: 100 bytes longer" &&
	expect_true "insert: the head kept" -- cmp -s -n 1000 "$IN" "$S/ins.out" &&
	expect_true "insert: the rest shifted by 100" -- cmp -s -i 1000:1100 "$IN" "$S/ins.out"
shape del delete 50 --at 1000 &&
	expect_eq "$(cat "$S/del.lines")" "delete 1000 50" "delete: prints where" &&
	expect_eq "$(file_size "$S/del.out")" "$((SIZE - 50))" "delete: 50 bytes shorter" &&
	expect_true "delete: the head kept" -- cmp -s -n 1000 "$IN" "$S/del.out" &&
	expect_true "delete: the rest shifted back by 50" -- cmp -s -i 1050:1000 "$IN" "$S/del.out"
shape delr delete 4K &&
	set -- $(cat "$S/delr.lines") &&
	expect_true "delete at random: the printed offset reproduces it" -- \
		cmp -s -i "$(($2 + 4096)):$2" "$IN" "$S/delr.out"

# ---- chains, seeds, in place
shape chain zero-head 64K + cut-tail 100K &&
	expect_eq "$(awk '{ print $1 }' "$S/chain.lines" | tr '\n' ' ')" "zero cut " "chain: both shapes, in order" &&
	expect_eq "$(file_size "$S/chain.out")" "$((SIZE - 102400))" "chain: the cut applied"
python3 "$DMG" --seed 7 "$IN" "$S/again.out" bursts 3 1% > "$S/again.lines"
expect_same "$S/again.out" "$S/bursts.out" "seed: the same seed gives the same bytes"
python3 "$DMG" --seed 8 "$IN" "$S/other.out" bursts 3 1% > /dev/null
expect_true "seed: another seed gives others" -- sh -c '! cmp -s "$1" "$2"' sh "$S/other.out" "$S/bursts.out"
cp "$IN" "$S/inplace.bin"
expect_exit 0 "in place: OUTPUT may be INPUT" -- python3 "$DMG" --seed 7 "$S/inplace.bin" "$S/inplace.bin" bursts 3 1% &&
	expect_same "$S/inplace.bin" "$S/bursts.out" "in place: the same bytes as a copy"

# ---- refusals
expect_exit 1 "a burst larger than the file is refused" -- python3 "$DMG" "$IN" "$S/x" burst 200% &&
	expect_contains "$ERR" "do not fit" "and says it does not fit"
expect_exit 1 "an unknown shape is refused" -- python3 "$DMG" "$IN" "$S/x" smash 1 &&
	expect_contains "$ERR" "usage" "with the usage"
expect_exit 1 "a bad size is refused" -- python3 "$DMG" "$IN" "$S/x" burst 12q &&
	expect_contains "$ERR" "not a size: '12q'" "and names it"

# ---- layout.py on an archive without a tail, against npkcheck.py dump
A="$S/a.npk"
mkdir -p "$S/tree/x"
for i in 1 2 3 4 5; do printf 'article %s\n' "$i" > "$S/tree/x/a$i.txt"; done
expect_exit 0 "create a small archive without a tail" -- \
	"$NP" create -q -s "$KEYS/test.key" --no-copies "$A" "$S/tree" || finish
ASIZE=$(file_size "$A")
expect_exit 0 "layout.py exits 0" -- python3 "$LAY" "$A" && cp "$OUT" "$S/lay"
python3 "$CHECK" dump "$A" > "$S/dump"
val() { awk -v n="$2" '$1 == n { print $3 }' "$1"; }       # FILE NAME: LENGTH
at() { awk -v n="$2" '$1 == n { print $2 }' "$1"; }         # FILE NAME: OFFSET
expect_eq "$(at "$S/lay" header) $(val "$S/lay" header)" "0 32" "layout: the header"
expect_eq "$(at "$S/lay" trailer) $(val "$S/lay" signed)" "$((ASIZE - 32)) $ASIZE" \
	"layout: the trailer at the end; no tail, the whole file is signed"
mo=$(od -An -tu8 -j $((ASIZE - 32)) -N 8 "$A" | tr -d ' ')
expect_eq "$(at "$S/lay" manifest)" "$mo" "layout: the manifest where the trailer says"
expect_eq "$(($(at "$S/lay" signature) + $(val "$S/lay" signature) + 32))" "$ASIZE" \
	"layout: the signature block ends where the trailer starts"
expect_eq "$(($(at "$S/lay" clustertable) + $(val "$S/lay" clustertable)))" "$mo" \
	"layout: the tables end where the manifest starts"
expect_true "layout: the page table at the manifest's page_table_offset" -- \
	grep -q "^ *$(at "$S/lay" pagetable) .*page table" "$S/dump"
expect_eq "$(grep -c '^tail\|^section\|^copy\|^parity' "$S/lay")" 0 "layout: no tail lines"
python3 "$LAY" --objects "$A" | awk '$1 ~ /^(page|cluster)\./ { split($1, n, "."); print $2, $3, n[1], n[2] }' |
	sort -n > "$S/objs"
awk '$NF == "object" && ($3 == "page" || $3 == "cluster") { print $1, $2, $3, $4 }' "$S/dump" | sort -n > "$S/dump-objs"
expect_true "layout --objects: the archive has pages and clusters" -- test -s "$S/dump-objs"
expect_same "$S/objs" "$S/dump-objs" "layout --objects: every page and cluster where npkcheck.py dump puts it"

# ---- a tail built here from the spec: parity (15.10 header), copies (15.9)
python3 - "$A" "$S/t.npk" > "$S/t.want" << 'EOF'
import struct, sys, zlib
a = open(sys.argv[1], "rb").read()
ss = len(a)
m_off = struct.unpack_from("<Q", a, ss - 32)[0]
pt = struct.unpack_from("<Q", a, m_off + 56)[0]
# parity: k 4, p 1, B 512, S 2, G 1 (the header's fields only: layout reads no block)
n = (ss + 511) // 512
k, p, b, s = 4, 1, 512, 2
g = -(-n // (k * s))
t = 4 * (n + g * p * s)
h = b"NPKPRTY\n" + struct.pack("<HHHHIIIIQQQI", 1, k, p, 0, b, s, g, 0, ss, n, ss, 0)
h += struct.pack("<I", zlib.crc32(h))
par = h + bytes(t) + bytes(g * p * s * b) + bytes(t) + h
ext = [(0, 32), (pt, m_off - pt), (m_off, ss - m_off)]
ch = b"NPKCOPY\n" + struct.pack("<QII", ss, len(ext), 100) + b"".join(struct.pack("<QQ", o, l) for o, l in ext)
ch += struct.pack("<I", zlib.crc32(ch)) + bytes(100)
cop = ch + b"".join(a[o:o + l] for o, l in ext)
secs = [(3, ss, par), (2, ss + len(par), cop)]
d = struct.pack("<I", 2) + b"".join(struct.pack("<HHIQQ", ty, 2, 0, off, len(x)) + bytes(32) for ty, off, x in secs)
doff = ss + len(par) + len(cop)
f = a + par + cop + d + struct.pack("<QQII", ss, doff, len(d), 0) + b"NPKTAIL\n"
open(sys.argv[2], "wb").write(f)
print("signed", 0, ss)
print("tail", ss, len(f) - ss)
print("section.3", ss, len(par))
print("section.2", ss + len(par), len(cop))
print("tail.directory", doff, len(d))
print("tail.trailer", len(f) - 32, 32)
print("parity.header", ss, 64)
print("parity.crc", ss + 64, t)
print("parity.blocks", ss + 64 + t, g * p * s * b)
print("parity.crc2", ss + 64 + t + g * p * s * b, t)
print("parity.header2", ss + 64 + 2 * t + g * p * s * b, 64)
o = ss + len(par)
print("copies.header", o, len(ch))
o += len(ch)
for name, (eo, l) in zip(("header", "tables", "manifest"), ext):
    print("copy." + name, o, l)
    o += l
EOF
expect_exit 0 "layout.py of the archive with a tail exits 0" -- python3 "$LAY" "$S/t.npk" &&
	grep -v '^header \|^body \|^pagetable \|^clustertable \|^tables \|^manifest \|^signature \|^trailer ' "$OUT" > "$S/t.got" &&
	expect_same "$S/t.got" "$S/t.want" "layout: the tail's sections, parity parts and copies where the spec puts them" &&
	expect_eq "$(grep '^manifest \|^trailer ' "$OUT")" "$(grep '^manifest \|^trailer ' "$S/lay")" \
		"layout: the signed part found through the tail trailer"
copy=$(awk '$1 == "copy.manifest" { print $2, $3 }' "$S/t.want")
set -- $copy
expect_true "layout: copy.manifest holds the manifest, signature block and trailer" -- \
	cmp -s -i "$mo:$1" -n "$2" "$A" "$S/t.npk"

# ---- the survival copies create writes by default (spec 15.9)
AC="$S/c.npk"
expect_exit 0 "create a small archive with its survival copies" -- \
	"$NP" create -q -s "$KEYS/test.key" "$AC" "$S/tree" &&
	expect_exit 0 "layout.py of it exits 0" -- python3 "$LAY" "$AC" && cp "$OUT" "$S/lay-c" &&
	expect_eq "$(val "$S/lay-c" signed) $(at "$S/lay-c" section.2)" "$(val "$S/lay-c" signed) $(val "$S/lay-c" signed)" \
		"layout: its copies (section type 2) start the tail, after the signed part" &&
	for x in header tables manifest; do
		set -- $(at "$S/lay-c" "$x") $(at "$S/lay-c" "copy.$x") $(val "$S/lay-c" "copy.$x")
		expect_true "layout: copy.$x holds the bytes of the $x" -- test $# = 3 &&
			expect_true "layout: copy.$x at $2 equals the $x at $1" -- cmp -s -i "$1:$2" -n "$3" "$AC" "$AC"
	done
finish
