#!/bin/sh
# test_copies.sh - survival copies (spec/format.md 15.9). create ends a 1.1
# archive with a tail holding copies of the header, the tables and the
# manifest to signed trailer (--no-copies and --format-version 1.0: none).
# On a small archive and on the corpus (../shared/corpus), each damaged in
# one structure (the header zeroed; 512 bytes of the tables 3,000 bytes
# before the signed end; the manifest; the signed trailer; the tail trailer
# with the page table, the copies then found by scanning):
#   - verify exits 1, prints a DAMAGED line naming the structure and saying
#     that its survival copy serves (also in --json);
#   - list, info, cat and extract exit 0, warn once on stderr naming the
#     archive and the structure, and extract writes every document byte for
#     byte (diff -r with the input).
# A damaged copy of an intact original is a TAIL line (exit 0); an original
# and its copy both damaged fail as before; a forged copy (its manifest
# changed, the tail directory digested again) never serves.
. "$(dirname "$0")/lib.sh"
suite_begin copies

PUB="$KEYS/test.pub"
CHECK="$top/spec/vectors/npkcheck.py"

# damage FILE OFFSET LENGTH: overwrites LENGTH bytes at OFFSET with 0xA5.
damage() {
	tr '\000' '\245' < /dev/zero | head -c "$3" |
		dd of="$1" bs=1 seek="$2" conv=notrunc 2> /dev/null
}

# The layout of an archive with a tail, as shell variables: signed (its
# signed size), mf (manifest offset), pt (page table offset), cp (the
# copies section), and the file offset of each copy: cp_hdr, cp_tab, cp_mf.
cat > "$S/layout.py" << 'EOF'
import struct, sys
d = open(sys.argv[1], 'rb').read()
signed, dir_off, dir_len = struct.unpack('<QQI', d[-32:-12])
mf = struct.unpack('<Q', d[signed - 32:signed - 24])[0]
pt = struct.unpack('<Q', d[mf + 56:mf + 64])[0]
cp = d.rindex(b'NPKCOPY\n')
count, pad = struct.unpack('<II', d[cp + 16:cp + 24])
pos = cp + 28 + 16 * count + pad
names = {0: 'cp_hdr', pt: 'cp_tab', mf: 'cp_mf'}
for i in range(count):
    off, ln = struct.unpack('<QQ', d[cp + 24 + 16 * i:cp + 40 + 16 * i])
    print('%s=%d' % (names[off], pos))
    pos += ln
print('signed=%d mf=%d pt=%d cp=%d pad=%d' % (signed, mf, pt, cp, pad))
EOF
# The tail directory's digest of the copies section made right again
# after the section was changed (a forger can: the tail is not signed).
cat > "$S/redigest.py" << 'EOF'
import hashlib, struct, sys
p = sys.argv[1]
d = bytearray(open(p, 'rb').read())
dir_off, dir_len = struct.unpack('<QI', d[-24:-12])
n = struct.unpack('<I', d[dir_off:dir_off + 4])[0]
for i in range(n):
    r = dir_off + 4 + 56 * i
    t, off, ln = struct.unpack('<H', d[r:r + 2])[0], *struct.unpack('<QQ', d[r + 8:r + 24])
    if t == 2:
        d[r + 24:r + 56] = hashlib.blake2b(bytes(d[off:off + ln]), digest_size=32).digest()
open(p, 'wb').write(d)
EOF

# jcopies FILE WHAT: whether verify --json's FILE has a problem of object
# WHAT, and WHAT in its copies' "serve".
jcopies() {
	python3 -c 'import json, sys
j = json.load(open(sys.argv[1]))
print(any(p["object"] == sys.argv[2] for p in j["problems"]), sys.argv[2] in j["copies"]["serve"])' "$1" "$2"
}

# files DIR: every regular file under DIR, relative, in byte order.
files() {
	(cd "$1" && find . -type f | sed 's|^\./||' | LC_ALL=C sort)
}

# served NAME ARCHIVE INPUT WHAT DOC: the checks of a damaged original whose
# copy serves. WHAT is the structure verify names, DOC a document of INPUT.
served() {
	n=$1 a=$2 in=$3 what=$4 doc=$5
	expect_exit 1 "$n: verify exits 1" -- "$NP" verify -p "$PUB" "$a" &&
		expect_contains "$OUT" "DAMAGED  $what at offset" "$n: verify names the damaged $what" &&
		expect_contains "$OUT" "survival cop" "$n: and says the survival copies serve"
	expect_exit 1 "$n: verify --json exits 1" -- "$NP" verify --json -p "$PUB" "$a" &&
		expect_eq "$(jcopies "$OUT" "$what")" "True True" \
			"$n: --json names the $what among the problems and in its copies object"
	expect_exit 0 "$n: list exits 0" -- "$NP" list -p "$PUB" "$a" &&
		expect_contains "$ERR" "warning: $a: the $what" "$n: list warns, naming the archive and the $what" &&
		expect_contains "$ERR" "run newspack repair" "$n: and says what to run"
	expect_eq "$(grep -c warning "$ERR")" 1 "$n: one warning"
	expect_exit 0 "$n: info exits 0" -- "$NP" info -p "$PUB" "$a"
	expect_exit 0 "$n: cat $doc exits 0" -- "$NP" cat -p "$PUB" "$a" "$doc" &&
		expect_same "$OUT" "$in/$doc" "$n: cat gives $doc byte for byte"
	rm -rf "$S/out-$n"
	expect_exit 0 "$n: extract exits 0" -- "$NP" extract -q -p "$PUB" -C "$S/out-$n" "$a" &&
		expect_true "$n: extract writes every document byte for byte" -- diff -r "$in" "$S/out-$n"
	rm -rf "$S/out-$n"
	if command -v python3 > /dev/null 2>&1; then
		expect_exit 1 "$n: npkcheck.py, which reads no copies, calls it damaged (exit 1)" -- \
			python3 "$CHECK" verify -p "$PUB" "$a"
	fi
}

# cases LABEL ARCHIVE INPUT DOC: every case on a copy of ARCHIVE.
cases() {
	L=$1 A=$2 IN=$3 DOC=$4
	eval "$(python3 "$S/layout.py" "$A")"
	expect_exit 0 "$L: the intact archive verifies" -- "$NP" verify -p "$PUB" "$A" &&
		expect_contains "$OUT" "survival copies of 3 extents" "$L: verify names its survival copies"
	expect_true "$L: the first copy starts 4096 bytes or more after the signed part" -- \
		test "$cp_hdr" -ge $((signed + 4096))
	D="$S/$L-header.npk"
	cp "$A" "$D" && dd if=/dev/zero of="$D" bs=32 count=1 conv=notrunc 2> /dev/null
	served "$L-header" "$D" "$IN" header "$DOC"
	D="$S/$L-tables.npk"
	at=$((signed - 3000))
	[ "$at" -ge "$pt" ] || at=$pt
	cp "$A" "$D" && damage "$D" "$at" $((mf - at < 512 ? mf - at : 512))
	what="page table"
	[ "$at" -ge "$(python3 -c "import struct,sys;d=open(sys.argv[1],'rb').read();print($pt+struct.unpack('<I',d[$mf+64:$mf+68])[0])" "$A")" ] &&
		what="cluster table"
	served "$L-tables" "$D" "$IN" "$what" "$DOC"
	D="$S/$L-manifest.npk"
	cp "$A" "$D" && damage "$D" $((mf + 24)) 16
	served "$L-manifest" "$D" "$IN" manifest "$DOC"
	D="$S/$L-trailer.npk"
	cp "$A" "$D" && damage "$D" $((signed - 20)) 8
	served "$L-trailer" "$D" "$IN" manifest "$DOC"
	D="$S/$L-tail-trailer.npk"
	cp "$A" "$D" && damage "$D" $(($(file_size "$A") - 32)) 32 && damage "$D" "$pt" 8
	served "$L-tail-trailer" "$D" "$IN" "page table" "$DOC"
	expect_exit 1 "$L-tail-trailer: verify exits 1" -- "$NP" verify -p "$PUB" "$D" &&
		expect_contains "$OUT" "DAMAGED  tail trailer at offset" "$L-tail-trailer: verify names the tail trailer too"
	# the copy damaged, its original intact: a TAIL line, exit 0
	D="$S/$L-copy.npk"
	cp "$A" "$D" && damage "$D" $((cp_mf + 24)) 16
	expect_exit 0 "$L-copy: a damaged copy of an intact original: verify exits 0" -- \
		"$NP" verify -p "$PUB" "$D" &&
		expect_contains "$OUT" "TAIL  section" "$L-copy: a TAIL line"
	expect_exit 0 "$L-copy: list exits 0" -- "$NP" list -p "$PUB" "$D" &&
		expect_eq "$(cat "$ERR")" "" "$L-copy: and warns of nothing"
	# the original and its copy both damaged: fails as before
	D="$S/$L-both.npk"
	cp "$A" "$D" && damage "$D" "$pt" 8 && damage "$D" "$cp_tab" 8
	expect_exit 1 "$L-both: page table and its copy damaged: verify exits 1" -- \
		"$NP" verify -p "$PUB" "$D" &&
		expect_contains "$OUT" "page table digest mismatch" "$L-both: verify says so, as before"
	rm -rf "$S/out-both"
	expect_exit 1 "$L-both: extract exits 1" -- "$NP" extract -q -p "$PUB" -C "$S/out-both" "$D" &&
		expect_true "$L-both: nothing written" -- test ! -e "$S/out-both"
	# a forged copy: the manifest changed in the copy, the tail directory
	# digested again; with the original intact it is a TAIL line, with the
	# original damaged it never serves
	D="$S/$L-forged.npk"
	# (the byte is inverted, never set to a value it may already hold: it is
	# the low byte of the timestamp)
	cp "$A" "$D" && python3 -c 'import sys
f = open(sys.argv[1], "r+b"); f.seek(int(sys.argv[2])); b = f.read(1)[0]
f.seek(int(sys.argv[2])); f.write(bytes([b ^ 0xFF]))' "$D" $((cp_mf + 24)) &&
		python3 "$S/redigest.py" "$D"
	expect_exit 0 "$L-forged: a forged copy of an intact manifest: verify exits 0" -- \
		"$NP" verify -p "$PUB" "$D" &&
		expect_contains "$OUT" "does not match its original" "$L-forged: a TAIL line says the copy differs"
	damage "$D" $((mf + 40)) 8
	expect_exit 1 "$L-forged: the manifest damaged too: verify exits 1" -- \
		"$NP" verify -p "$PUB" "$D" &&
		expect_contains "$OUT" "does not verify" "$L-forged: the signature fails, as without copies" &&
		expect_not_contains "$OUT" "survival copy" "$L-forged: the forged copy does not serve"
	expect_exit 1 "$L-forged: list exits 1" -- "$NP" list -p "$PUB" "$D"
}

command -v python3 > /dev/null 2>&1 || {
	note "python3 is not installed: the layout of the archives cannot be read"
	finish
}

IN="$S/in"
mkdir -p "$IN/desk"
printf 'Harbour council votes on new ferry\n\nBy A. Writer - City Desk March 3, 2025\n\nThe council met.\n' > "$IN/ferry.txt"
printf -- '---\ntitle: Library funding\nauthor: B. Reporter\ndate: 2025-05-01\n---\nThe library gets funds.\n' > "$IN/desk/library.md"
printf 'A short note.\n' > "$IN/desk/note.txt"

# ---- what create writes
A="$S/small.npk"
expect_exit 0 "create writes survival copies by default" -- \
	"$NP" create -q -s "$KEYS/test.key" --timestamp 2025-01-24 "$A" "$IN"
expect_eq "$(tail -c 8 "$A")" "NPKTAIL" "the archive ends with a tail trailer"
expect_exit 0 "create --no-copies" -- \
	"$NP" create -q -s "$KEYS/test.key" --timestamp 2025-01-24 --no-copies "$S/nc.npk" "$IN"
expect_eq "$(tail -c 7 "$S/nc.npk")" "$(printf 'NPKEND')" "--no-copies: no tail, the signed trailer ends the file"
expect_exit 0 "create --format-version 1.0" -- \
	"$NP" create -q -s "$KEYS/test.key" --timestamp 2025-01-24 --format-version 1.0 "$S/v10.npk" "$IN"
expect_eq "$(tail -c 7 "$S/v10.npk")" "$(printf 'NPKEND')" "1.0: never a tail (a 1.0 reader reads none)"
head -c "$(file_size "$S/nc.npk")" "$A" > "$S/signed.npk"
expect_same "$S/signed.npk" "$S/nc.npk" "the signed part is what --no-copies writes"
expect_exit 0 "npkcheck.py verifies the archive with its copies (exit 0)" -- \
	python3 "$CHECK" verify -p "$PUB" "$A"
expect_exit 0 "verify --json of the intact archive" -- "$NP" verify --json -p "$PUB" "$A" &&
	expect_eq "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["copies"])' "$OUT")" \
		"{'extents': 3, 'serve': []}" "--json: three extents, none serving"

cases small "$A" "$IN" desk/library.md

# ---- the corpus (issue 13: the page-table and header rows lose no document)
CORPUS="$top/../shared/corpus"
if [ ! -d "$CORPUS" ]; then
	note "no corpus at $CORPUS; the corpus cases are skipped"
	finish
fi
CORPUS=$(cd "$CORPUS" && pwd)
C="$S/corpus.npk"
expect_exit 0 "create of the corpus" -- "$NP" create -q -s "$KEYS/test.key" "$C" "$CORPUS" || finish
"$NP" create -q -s "$KEYS/test.key" --no-copies "$S/corpus-nc.npk" "$CORPUS"
info "corpus: $(file_size "$C") bytes with survival copies, $(file_size "$S/corpus-nc.npk") without"
rm -f "$S/corpus-nc.npk"
DOC=$(cd "$CORPUS" && find . -type f | sed 's|^\./||' | LC_ALL=C sort | head -n 1)
cases corpus "$C" "$CORPUS" "$DOC"
[ "$FAILED" -eq 0 ] && rm -f "$S"/corpus*.npk
finish
