#!/bin/sh
# test_salvage_cmd.sh - newspack salvage (spec/format.md 15.11), the worst
# case: on an archive of many clusters and index pages, and on the corpus
# archive (../shared/corpus), damaged as extract cannot read it:
#   - the page table destroyed, the cluster table, both, the header: each
#     rebuilt from the objects the scan finds, every document back, byte
#     for byte (exit 0); the trailer destroyed: the manifest found by its
#     magic;
#   - a damaged cluster: its documents named (as verify names them), all
#     others written byte for byte, none of those named (exit 1);
#   - bytes inserted between two objects: every object found again at its
#     new offset (MOVED), every document back (exit 0); inserted inside a
#     page, the documents of that page only are lost;
#   - a burst over 10% of the file: every document outside it written,
#     as many as verify finds intact, each equal to its input;
#   - the header, tables and manifest destroyed with copies of them after
#     the signed part (as 15.9 keeps them): each taken from its copy;
#   - the manifest destroyed with no copy anywhere: a clear error, exit 1,
#     nothing written (the folder is not even made);
#   - the cluster table destroyed beside a damaged cluster: each document
#     proven by its own digest, the others all written;
#   - a forged cluster planted beside a damaged one, with the cluster table
#     intact or destroyed: its bytes are in no file written; an untrusted
#     signer: exit 3, nothing written;
#   - --json gives the same counts.
. "$(dirname "$0")/lib.sh"
suite_begin salvage-cmd

PUB="$KEYS/test.pub"

# layout.py ARCHIVE [cluster N | page N]: "offset length" of the object,
# or the tables' and manifest's "pt_off pt_size ct_off ct_size mf_off" (7.1).
cat > "$S/layout.py" << 'EOF'
import struct, sys
d = open(sys.argv[1], 'rb').read()
if d[-8:] == b'NPKTAIL\n':                 # 15.5: the signed part ends earlier
    d = d[:struct.unpack_from('<Q', d, len(d) - 32)[0]]
mf = struct.unpack_from('<Q', d, len(d) - 32)[0]
pt, pts, cts = struct.unpack_from('<QII', d, mf + 56)
if len(sys.argv) == 2:
    print(pt, pts, pt + pts, cts, mf)
elif sys.argv[2] == 'cluster':
    off, ln = struct.unpack_from('<QI', d, pt + pts + 48 * int(sys.argv[3]))
    print(off, ln)
else:
    p, k = pt, int(sys.argv[3])
    for i in range(k + 1):
        off, ln = struct.unpack_from('<QI', d, p)
        p += 62 + struct.unpack_from('<H', d, p + 60)[0]
    print(off, ln)
EOF
# mangle.py FILE OFFSET LENGTH [insert]: LENGTH random bytes over (or,
# with insert, into) FILE at OFFSET.
cat > "$S/mangle.py" << 'EOF'
import random, sys
f, off, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
d = open(f, 'rb').read()
r = random.Random(off * 7919 + n).randbytes(n)
d = d[:off] + r + d[off + (0 if len(sys.argv) > 4 else n):]
open(f, 'wb').write(d)
EOF
layout() { python3 "$S/layout.py" "$@"; }
mangle() { python3 "$S/mangle.py" "$@"; }
# the worst case: no survival copies (15.9) where create writes them
NOCOPIES=
"$NP" create --help 2>&1 | grep -q -- --no-copies && NOCOPIES=--no-copies

# same_tree NAME OUT IN: OUT holds exactly the files of IN, each equal.
same_tree() {
	if diff -r "$2" "$3" > "$S/diff" 2>&1; then
		pass "$1: every document written, equal to its input"
	else
		fail "$1: every document written, equal to its input" "$(head -5 "$S/diff")"
	fi
}

# written_ok NAME OUT IN: every file in OUT equals its input, and no
# temporary file is left.
written_ok() {
	bad=$(cd "$2" && find . -type f | while IFS= read -r f; do
		cmp -s "$f" "$3/$f" || echo "$f"; done | head -3)
	expect_true "$1: every file written equals its input${bad:+ (not: $bad)}" -- test -z "$bad"
	left=$(find "$2" -name '.npk-salvage-*' -o -name '.*.tmp-*' | head -1)
	expect_true "$1: no temporary file left${left:+ ($left)}" -- test -z "$left"
}

# salvage_all NAME ARCHIVE IN: salvage exits 0 and writes IN whole.
salvage_all() {
	rm -rf "$S/out-$1"
	expect_exit 0 "$1: salvage exits 0" -- "$NP" salvage -p "$PUB" "$2" -C "$S/out-$1" ||
		return 1
	cp "$OUT" "$S/report-$1"
	same_tree "$1" "$S/out-$1" "$3"
}

# salvage_part NAME ARCHIVE IN [REF]: salvage exits 1; it writes exactly
# the documents verify finds intact, and names the others as verify does
# (verify of REF, the same damage without moving bytes, when verify cannot
# read ARCHIVE).
salvage_part() {
	name=$1
	run "$NP" verify -p "$PUB" "${4:-$2}"
	sed -n 's/^DAMAGED  \(.*\)  (.*)$/\1/p' "$OUT" | LC_ALL=C sort > "$S/$name-verify-named"
	total=$(sed -n 's/^FAILED  .*: [0-9]* of \([0-9]*\) documents damaged.*/\1/p' "$OUT")
	bad=$(sed -n 's/^FAILED  .*: \([0-9]*\) of [0-9]* documents damaged.*/\1/p' "$OUT")
	rm -rf "$S/out-$name"
	expect_exit 1 "$name: salvage exits 1" -- "$NP" salvage -p "$PUB" "$2" -C "$S/out-$name"
	cp "$OUT" "$S/report-$name"
	cp "$ERR" "$S/report-$name.err"
	sed -n 's/^NOT RECOVERED  \(.*\)  (.*)$/\1/p' "$OUT" | LC_ALL=C sort > "$S/$name-named"
	n=$(cd "$S/out-$name" && find . -type f | wc -l | tr -d ' ')
	if [ -z "${SUBSET-}" ]; then
		expect_true "$name: salvage names the documents verify names" -- \
			cmp -s "$S/$name-named" "$S/$name-verify-named"
		expect_eq "$n" "$((total - bad))" \
			"$name: every document verify finds intact written ($n of $total)"
	else
		# unproven clusters: a document before the damage in its cluster is
		# proven by its own digest, which verify does not try
		expect_true "$name: salvage names only documents verify names" -- \
			test -z "$(LC_ALL=C comm -23 "$S/$name-named" "$S/$name-verify-named")"
		expect_true "$name: every document verify finds intact written ($n of $total)" -- \
			test "$n" -ge "$((total - bad))"
	fi
	expect_contains "$S/report-$name" "recovered $n of $total documents" \
		"$name: the report counts them"
	written_ok "$name" "$S/out-$name" "$3"
	hit=$(while IFS= read -r p; do [ -e "$S/out-$name/$p" ] && echo "$p"; done \
		< "$S/$name-named" | head -1)
	expect_true "$name: no document named is written${hit:+ ($hit)}" -- test -z "$hit"
}

# ---- a tree of 600 text files in 20 folders, in 16 KiB clusters
T="$S/tree"
mkdir -p "$T"
awk -v dir="$T" 'BEGIN {
	srand(11)
	for (i = 0; i < 600; i++) {
		d = sprintf("%s/desk-%02d", dir, i % 20)
		if (i < 20)
			system("mkdir -p " d)
		f = sprintf("%s/story-%04d-with-a-name-long-enough-for-pages.txt", d, i)
		n = 20 + int(rand() * 60)
		for (k = 0; k < n; k++)
			printf "line %d of story %d: %08x %08x\n", k, i, int(rand() * 2147483647),
			       int(rand() * 2147483647) > f
		close(f)
	}
}'
A="$S/a.npk"
expect_exit 0 "create with --cluster-size 16384" -- \
	"$NP" create -s "$KEYS/test.key" $NOCOPIES --cluster-size 16384 "$A" "$T" || finish
set -- $(layout "$A")
PT_OFF=$1 PT_SIZE=$2 CT_OFF=$3 CT_SIZE=$4 MF_OFF=$5
npages=$(python3 -c "import struct;d=open('$A','rb').read();print(struct.unpack_from('<I',d,$MF_OFF+52)[0])")
info "page table $PT_SIZE bytes at $PT_OFF, cluster table $CT_SIZE at $CT_OFF, $npages index pages"
expect_true "the archive has over 20 clusters and at least 2 index pages" -- \
	test "$CT_SIZE" -gt $((20 * 48)) -a "$npages" -ge 2

salvage_all intact "$A" "$T"
expect_eq "$(grep -vc '^recovered 600 of 600 documents' "$S/report-intact")" 0 \
	"intact: the report is the summary line alone"

cp "$A" "$S/pt.npk"; mangle "$S/pt.npk" "$PT_OFF" "$PT_SIZE"
salvage_all pt "$S/pt.npk" "$T"
expect_contains "$S/report-pt" "REBUILT  page table" "pt: says the page table was rebuilt"

cp "$A" "$S/ct.npk"; mangle "$S/ct.npk" "$CT_OFF" "$CT_SIZE"
salvage_all ct "$S/ct.npk" "$T"
expect_contains "$S/report-ct" "REBUILT  cluster table" "ct: says the cluster table was rebuilt"

cp "$A" "$S/both.npk"; mangle "$S/both.npk" "$PT_OFF" $((PT_SIZE + CT_SIZE))
cp "$S/both.npk" "$S/both-header.npk"; mangle "$S/both-header.npk" 0 32
salvage_all both "$S/both.npk" "$T"
salvage_all both-header "$S/both-header.npk" "$T"
expect_contains "$S/report-both-header" "REBUILT  header" "both-header: says the header was made anew"
run "$NP" extract -p "$PUB" -C "$S/x-both" "$S/both.npk"
expect_eq "$RC" 1 "both: extract alone cannot read it (exit 1)"

# the trailer destroyed: the manifest found by its own magic
cp "$A" "$S/trailer.npk"; mangle "$S/trailer.npk" $(($(file_size "$A") - 32)) 32
salvage_all trailer "$S/trailer.npk" "$T"

# a damaged cluster: 2 KiB in the middle of cluster 3
set -- $(layout "$A" cluster 3)
cp "$A" "$S/cl.npk"; mangle "$S/cl.npk" $(($1 + $2 / 2)) 2048
salvage_part cluster "$S/cl.npk" "$T"

# the same with the cluster table destroyed too: the table cannot be
# rebuilt (cluster 3 does not match), each document is proven by its own
# digest (15.11, "Unproven cluster table")
cp "$S/cl.npk" "$S/cl-ct.npk"; mangle "$S/cl-ct.npk" "$CT_OFF" "$CT_SIZE"
SUBSET=1
salvage_part cluster-ct "$S/cl-ct.npk" "$T" "$S/cl.npk"
unset SUBSET
expect_contains "$S/report-cluster-ct" "UNPROVEN cluster table" \
	"cluster-ct: says the cluster table is unproven"

# 1000 bytes inserted where cluster 5 starts: everything after moves
set -- $(layout "$A" cluster 5)
cp "$A" "$S/ins.npk"; mangle "$S/ins.npk" "$1" 1000 insert
salvage_all inserted "$S/ins.npk" "$T"
expect_contains "$S/report-inserted" "MOVED    cluster 5: found at offset $(($1 + 1000)), belongs at $1" \
	"inserted: cluster 5 found again 1000 bytes on"
expect_contains "$S/report-inserted" "MOVED    manifest" "inserted: the manifest found again"
run "$NP" verify -p "$PUB" "$S/ins.npk"
expect_eq "$RC" 1 "inserted: verify calls it damaged"

# the same, with the page table destroyed too: rebuilt at the tiling's offsets
cp "$A" "$S/ins-pt.npk"; mangle "$S/ins-pt.npk" "$PT_OFF" "$PT_SIZE"
mangle "$S/ins-pt.npk" "$1" 1000 insert
salvage_all inserted-pt "$S/ins-pt.npk" "$T"

# 300 bytes inserted inside index page 1: its documents only are lost
# (those of page 1 overwritten in place, as verify names them)
set -- $(layout "$A" page 1)
cp "$A" "$S/ins-page.npk"; mangle "$S/ins-page.npk" $(($1 + 100)) 300 insert
cp "$A" "$S/ins-page-ref.npk"; mangle "$S/ins-page-ref.npk" $(($1 + 100)) 300
salvage_part inserted-page "$S/ins-page.npk" "$T" "$S/ins-page-ref.npk"

# a burst over 10% of the file, in its middle
size=$(file_size "$A")
cp "$A" "$S/burst.npk"; mangle "$S/burst.npk" $((size * 4 / 10)) $((size / 10 + 1))
salvage_part burst "$S/burst.npk" "$T"

# copies of the header, the tables and the manifest, signature block and
# trailer appended as 15.9 keeps them (back to back after the signed part),
# then every original destroyed: each structure is taken from its copy
python3 - "$A" "$S/copies.npk" "$PT_OFF" << 'EOF'
import sys
d = open(sys.argv[1], 'rb').read()
pt = int(sys.argv[3])
body = bytearray(d)
body[0:32] = bytes(32)
body[pt:] = bytes(len(d) - pt)
open(sys.argv[2], 'wb').write(bytes(body) + b'\0' * 4096 + d[0:32] + d[pt:])
EOF
salvage_all copies "$S/copies.npk" "$T"
expect_contains "$S/report-copies" "MOVED    manifest" "copies: the manifest taken from its copy"
expect_contains "$S/report-copies" "MOVED    page table" "copies: the page table taken from its copy"
expect_contains "$S/report-copies" "MOVED    header" "copies: the header taken from its copy"

# with create's own survival copies (15.9), when it writes them: the
# originals of the tables, the manifest and both trailers destroyed
if [ -n "$NOCOPIES" ]; then
	expect_exit 0 "create with survival copies" -- \
		"$NP" create -s "$KEYS/test.key" --cluster-size 16384 "$S/real-copies.npk" "$T"
	set -- $(layout "$S/real-copies.npk")
	rsize=$(file_size "$S/real-copies.npk")
	mangle "$S/real-copies.npk" "$1" $(($5 - $1 + 300))
	mangle "$S/real-copies.npk" $((rsize - 32)) 32
	salvage_all real-copies "$S/real-copies.npk" "$T"
	expect_contains "$S/report-real-copies" "MOVED    cluster table" \
		"real-copies: the tables taken from their copy"
fi

# the manifest destroyed, no copy anywhere: nothing can be proven
cp "$A" "$S/mf.npk"; mangle "$S/mf.npk" "$MF_OFF" 100
rm -rf "$S/out-mf"
expect_exit 1 "manifest: salvage exits 1" -- "$NP" salvage -p "$PUB" "$S/mf.npk" -C "$S/out-mf"
expect_contains "$ERR" "mf.npk: no manifest whose signature verifies" "manifest: the error names the file and why"
expect_true "manifest: nothing written, the folder not made" -- test ! -e "$S/out-mf"

# a forged cluster 2 (stored, with changed bytes) planted before cluster 2,
# whose own bytes are damaged: the forgery matches no signed digest
set -- $(layout "$A" cluster 2)
cp "$A" "$S/forged.npk"
python3 - "$S/forged.npk" "$1" "$2" << 'EOF'
import struct, sys, zlib
f, off, ln = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
d = open(f, 'rb').read()
raw = zlib.decompress(d[off + 24:off + ln])
forged = raw.replace(b'line ', b'FORGED')
obj = b'NPKC' + bytes([0, 0, 0, 0]) + struct.pack('<IIII', 2, len(forged), len(forged), 0) + forged
bad = d[off:off + 24] + bytes(ln - 24)
open(f, 'wb').write(d[:off] + obj + bad + d[off + ln:])
open(f + '.ref', 'wb').write(d[:off] + bad + d[off + ln:])
EOF
salvage_part forged "$S/forged.npk" "$T" "$S/forged.npk.ref"
hit=$(grep -rl FORGED "$S/out-forged" | head -1)
expect_true "forged: no file written holds the forged bytes${hit:+ ($hit)}" -- test -z "$hit"
# and with the cluster table destroyed: the forged cluster is the first
# numbered 2 the scan finds, and no document's digest matches its bytes
shift=$(($(file_size "$S/forged.npk") - $(file_size "$A")))
cp "$S/forged.npk" "$S/forged-ct.npk"; mangle "$S/forged-ct.npk" $((CT_OFF + shift)) "$CT_SIZE"
SUBSET=1
salvage_part forged-ct "$S/forged-ct.npk" "$T" "$S/forged.npk.ref"
unset SUBSET
expect_contains "$S/report-forged-ct" "UNPROVEN cluster table" "forged-ct: the cluster table is unproven"
hit=$(grep -rl FORGED "$S/out-forged-ct" | head -1)
expect_true "forged-ct: no file written holds the forged bytes${hit:+ ($hit)}" -- test -z "$hit"

# trust: no trusted key -> exit 3, nothing written; --allow-untrusted reads it
rm -rf "$S/out-untrusted"
expect_exit 3 "untrusted: salvage exits 3" -- "$NP" salvage "$S/pt.npk" -C "$S/out-untrusted"
expect_contains "$ERR" "not trusted" "untrusted: says the signer is not trusted"
expect_true "untrusted: nothing written" -- test ! -e "$S/out-untrusted"
rm -rf "$S/out-allowed"
expect_exit 0 "untrusted: --allow-untrusted salvages it" -- \
	"$NP" salvage --allow-untrusted "$S/pt.npk" -C "$S/out-allowed"
expect_exit 2 "usage: no ARCHIVE" -- "$NP" salvage -C "$S/out-usage"

# --json
rm -rf "$S/out-json"
expect_exit 1 "json: salvage --json of the damaged cluster exits 1" -- \
	"$NP" salvage --json -p "$PUB" "$S/cl.npk" -C "$S/out-json"
cp "$OUT" "$S/json"
expect_true "json: counts, damage and structures as the text report" -- python3 -c "
import json, sys
j = json.load(open('$S/json'))
named = [x['path'] for x in j['damaged'] if 'path' in x]
assert j['documents'] == 600 and j['recovered'] + j['not_recovered'] == 600, j
assert sorted(named) == open('$S/cluster-named').read().split('\n')[:-1], named
assert j['complete'] is False and j['trusted'] is True
assert any(x['structure'] == 'cluster' and x['state'] == 'lost' and x['number'] == 3
           for x in j['structures']), j['structures']
"
rm -rf "$S/out-json2"
run "$NP" salvage --json -p "$PUB" "$S/both.npk" -C "$S/out-json2"
expect_true "json: the tables rebuilt" -- python3 -c "
import json
j = json.load(open('$OUT'))
s = sorted((x['structure'], x['state']) for x in j['structures'])
assert s == [('cluster table', 'rebuilt'), ('page table', 'rebuilt')], s
assert j['complete'] is True and j['recovered'] == 600
"

# ---- the corpus: the page table destroyed, then a 10% burst
CORPUS="$top/../shared/corpus"
if [ ! -d "$CORPUS" ]; then
	note "no corpus at $CORPUS; the corpus cases are skipped"
	finish
fi
C="$S/corpus.npk"
expect_exit 0 "create of the corpus" -- "$NP" create -s "$KEYS/test.key" $NOCOPIES "$C" "$CORPUS" ||
	finish
set -- $(layout "$C")
cp "$C" "$S/corpus-pt.npk"; mangle "$S/corpus-pt.npk" "$1" "$2"
salvage_all corpus-pt "$S/corpus-pt.npk" "$CORPUS"
size=$(file_size "$C")
cp "$C" "$S/corpus-burst.npk"; mangle "$S/corpus-burst.npk" $((size * 3 / 10)) $((size / 10))
salvage_part corpus-burst "$S/corpus-burst.npk" "$CORPUS"
t0=$(date +%s.%N)
run "$NP" salvage -p "$PUB" "$S/corpus-burst.npk" -C "$S/out-corpus-burst2"
t1=$(date +%s.%N)
info "corpus, 10% burst: $(tail -1 "$OUT" | sed 's/ to .*;/;/') in $(awk "BEGIN { printf \"%.2f\", $t1 - $t0 }") s"
rm -f "$S"/corpus*.npk
finish
