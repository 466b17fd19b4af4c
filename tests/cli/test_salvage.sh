#!/bin/sh
# test_salvage.sh - extract past damage (spec/format.md 11, on_damage =
# CONTINUE). Archives of many clusters and several index pages, each damaged
# in one place (4 KiB inside cluster 0, 4 KiB in the middle of the file, 512
# bytes inside an index page); for each:
#   - extract exits 1, writes every document verify does not name, each byte
#     for byte equal to its input, and nothing for the others (no temporary
#     file left); it names each damaged one on stdout exactly as verify does,
#     and counts them ("N of M documents damaged, not written") as verify does;
#   - -j 1 writes the same tree, and so does npkcheck.py extract (exit 1);
#   - cat of an intact document exits 0 with its bytes, of a damaged one 1;
#   - list exits 0 while the index is intact.
# A page that cannot be read hides its documents: they are the run of paths
# that starts at the page's first path. extract PATH... the same way. Damage
# in the header or the page table of an archive without survival copies
# (format.md 15.9) still writes nothing. Last, the corpus
# (../shared/corpus) with 4 KiB inside cluster 0: every intact document back.
. "$(dirname "$0")/lib.sh"
suite_begin salvage

PUB="$KEYS/test.pub"
CHECK="$top/spec/vectors/npkcheck.py"

# damage FILE OFFSET LENGTH: overwrites LENGTH bytes at OFFSET with 0xA5.
damage() {
	tr '\000' '\245' < /dev/zero | head -c "$3" |
		dd of="$1" bs=1 seek="$2" conv=notrunc 2> /dev/null
}

# object ARCHIVE KIND N: "offset size" of cluster or page N (npkcheck.py dump).
object() {
	python3 "$CHECK" dump "$1" | awk -v k="$2" -v n="$3" \
		'$3 == k && $4 == n && $5 == "object" { print $1, $2; exit }'
}

# files DIR: every regular file under DIR, relative, in byte order.
files() {
	(cd "$1" && find . -type f | sed 's|^\./||' | LC_ALL=C sort)
}

# A tree of 1500 text files in 30 folders: with 16 KiB clusters, over 100
# clusters and several index pages.
T="$S/tree"
mkdir -p "$T"
awk -v dir="$T" 'BEGIN {
	srand(13)
	for (i = 0; i < 1500; i++) {
		d = sprintf("%s/section-%02d", dir, i % 30)
		if (i < 30)
			system("mkdir -p " d)
		f = sprintf("%s/article-number-%04d-with-a-longer-name.txt", d, i)
		n = 20 + int(rand() * 60)
		for (k = 0; k < n; k++)
			printf "line %d of article %d: %08x %08x\n", k, i, int(rand() * 2147483647),
			       int(rand() * 2147483647) > f
		close(f)
	}
}'
files "$T" > "$S/all"
A="$S/a.npk"
expect_exit 0 "create with --cluster-size 16384" -- \
	"$NP" create -s "$KEYS/test.key" --cluster-size 16384 "$A" "$T" || finish
python3 "$CHECK" dump "$A" > "$S/dump"
nclusters=$(grep -c ' cluster [0-9]* object$' "$S/dump")
npages=$(grep -c ' page [0-9]* object$' "$S/dump")
info "$(wc -l < "$S/all" | tr -d ' ') files, $nclusters clusters, $npages index pages"
expect_true "the archive has over 50 clusters and at least 3 index pages" -- \
	test "$nclusters" -gt 50 -a "$npages" -ge 3

# check_case NAME ARCHIVE: the checks of the header above, on ARCHIVE.
check_case() {
	name=$1
	D=$2
	W="$S/$name"
	mkdir -p "$W"
	run "$NP" verify -p "$PUB" "$D"
	cp "$OUT" "$W/verify"
	[ "$RC" = 1 ] || { fail "$name: verify exits 1" "got $RC"; show_last; return; }
	grep '^DAMAGED' "$W/verify" > "$W/verify-damaged"
	sed -n 's/^DAMAGED  \(.*\)  (.*)$/\1/p' "$W/verify" | LC_ALL=C sort > "$W/named"
	# "N of M documents damaged", as verify counts them
	counts=$(sed -n 's/^FAILED  .*: \([0-9]* of [0-9]*\) documents damaged.*/\1/p' "$W/verify")

	expect_exit 1 "$name: extract exits 1" -- "$NP" extract -p "$PUB" -C "$W/out" "$D" || return
	cp "$OUT" "$W/extract-damaged"
	expect_same "$W/extract-damaged" "$W/verify-damaged" \
		"$name: extract names on stdout what verify names, line for line"
	expect_contains "$ERR" "$D: $counts documents damaged, not written" \
		"$name: and counts them as verify does ($counts)"
	files "$W/out" > "$W/written"
	LC_ALL=C comm -23 "$S/all" "$W/written" > "$W/missing"
	info "$name: $(wc -l < "$W/written" | tr -d ' ') written, $(wc -l < "$W/missing" | tr -d ' ') not"
	expect_contains "$ERR" "extracted $(wc -l < "$W/written" | tr -d ' ') documents to $W/out" \
		"$name: the summary counts what was written"
	expect_eq "$(LC_ALL=C comm -13 "$S/all" "$W/written")" "" "$name: nothing written that is not an input"
	diff -rq "$T" "$W/out" | grep -v "^Only in $T" > "$W/diff"
	expect_eq "$(cat "$W/diff")" "" "$name: every written file equals its input byte for byte"
	expect_eq "$(find "$W/out" -name '.npk-extract-*')" "" "$name: no temporary file left"

	run "$NP" extract -j 1 -p "$PUB" -C "$W/out1" "$D"
	expect_eq "$RC" 1 "$name: extract -j 1 exits 1 too" &&
		expect_exit 0 "$name: and writes the same tree" -- diff -r "$W/out" "$W/out1"
	expect_exit 1 "$name: npkcheck.py extract exits 1" -- \
		python3 "$CHECK" extract "$D" "$W/py" -p "$PUB" &&
		expect_exit 0 "$name: and writes the same tree" -- diff -r "$W/out" "$W/py"

	# the last document verify does not name (the last page is intact)
	good=$(LC_ALL=C comm -23 "$S/all" "$W/named" | tail -n 1)
	expect_exit 0 "$name: cat of an intact document exits 0" -- "$NP" cat -p "$PUB" "$D" "$good" &&
		expect_same "$OUT" "$T/$good" "$name: with its bytes"
}

# check_named NAME: the documents not written are exactly those verify names.
check_named() {
	expect_same "$S/$1/missing" "$S/$1/named" "$1: the documents not written are those verify names"
	expect_true "$1: some are damaged, most are not" -- \
		test -s "$S/$1/named" -a "$(wc -l < "$S/$1/missing")" -lt 750
	bad=$(head -n 1 "$S/$1/named")
	expect_exit 1 "$1: cat of a damaged document exits 1" -- "$NP" cat -p "$PUB" "$2" "$bad" &&
		expect_eq "$(wc -c < "$OUT" | tr -d ' ')" "0" "$1: and prints nothing"
	expect_exit 0 "$1: list exits 0 (the index is intact)" -- "$NP" list -p "$PUB" "$2" &&
		expect_same "$OUT" "$S/all" "$1: and lists every document"
}

# ---- 4 KiB inside cluster 0
set -- $(object "$A" cluster 0)
D="$S/cluster0.npk"
cp "$A" "$D"
damage "$D" $(($1 + $2 / 2 - 2048)) 4096
check_case cluster0 "$D"
check_named cluster0 "$D"
expect_contains "$S/cluster0/extract-damaged" "DAMAGED  cluster 0 at offset $1: digest mismatch" \
	"cluster0: extract names the cluster, once"

# ---- 4 KiB in the middle of the file
D="$S/middle.npk"
cp "$A" "$D"
damage "$D" $(($(file_size "$A") / 2)) 4096
check_case middle "$D"
check_named middle "$D"

# ---- 512 bytes inside index page 1: its documents are unknown
set -- $(object "$A" page 1)
D="$S/page1.npk"
cp "$A" "$D"
damage "$D" $(($1 + $2 / 2)) 512
check_case page1 "$D"
W="$S/page1"
line=$(grep '^DAMAGED  page 1 ' "$W/verify")
n=$(echo "$line" | sed -n 's/.*its \([0-9]*\) documents (from "\(.*\)") cannot be listed.*/\1/p')
from=$(echo "$line" | sed -n 's/.*its \([0-9]*\) documents (from "\(.*\)") cannot be listed.*/\2/p')
expect_true "page1: verify names the page and its count" -- test -n "$n" -a -n "$from"
# the hidden documents: the run of $n paths from the page's first path
awk -v f="$from" -v n="$n" '$0 == f { on = 1 } on && n-- > 0' "$S/all" > "$W/hidden"
expect_eq "$(wc -l < "$W/hidden" | tr -d ' ')" "$n" "page1: the page's first path is an input"
expect_same "$W/missing" "$W/hidden" "page1: the documents not written are exactly the page's"
expect_exit 1 "page1: list exits 1 (the index is damaged)" -- "$NP" list -p "$PUB" "$D"

# extract PATH...: a document of the hidden page is damage, not "no such
# document"; one elsewhere is written and nothing is reported
hidden=$(sed -n '2p' "$W/hidden")
expect_exit 1 "page1: extract of a path the page hides exits 1" -- \
	"$NP" extract -p "$PUB" -C "$W/sel1" "$D" "$hidden" &&
	expect_contains "$OUT" "DAMAGED  page 1 at offset" "page1: and names the page" &&
	expect_not_contains "$ERR" "no document" "page1: not as a missing document"
expect_eq "$(files "$W/sel1" 2> /dev/null)" "" "page1: nothing written for it"
other=$(tail -n 1 "$S/all")
expect_exit 0 "page1: extract of a path on an intact page exits 0" -- \
	"$NP" extract -p "$PUB" -C "$W/sel2" "$D" "$other" &&
	expect_eq "$(cat "$OUT")" "" "page1: and names no damage" &&
	expect_same "$W/sel2/$other" "$T/$other" "page1: the document is written"
# a folder across the damaged page: its documents elsewhere are written
folder=${hidden%%/*}
expect_exit 1 "page1: extract of the folder $folder exits 1" -- \
	"$NP" extract -p "$PUB" -C "$W/sel3" "$D" "$folder" &&
	expect_eq "$(files "$W/sel3")" "$(grep "^$folder/" "$S/all" | grep -v -x -F -f "$W/hidden")" \
		"page1: every document of $folder not on the page is written"
expect_exit 2 "page1: a path in no page's range is still not found (exit 2)" -- \
	"$NP" extract -p "$PUB" -C "$W/sel4" "$D" zzz-none &&
	expect_contains "$ERR" 'no document or folder "zzz-none"' "page1: and says so"

# ---- damage in the header or the page table still stops everything
# without survival copies (format.md 15.9; test_copies.sh damages them with)
A0="$S/no-copies.npk"
"$NP" create -q -s "$KEYS/test.key" --cluster-size 16384 --no-copies "$A0" "$T"
D="$S/header.npk"
cp "$A0" "$D"
damage "$D" 0 32
expect_exit 1 "header: extract exits 1" -- "$NP" extract -p "$PUB" -C "$S/header-out" "$D" &&
	expect_true "header: nothing written, the folder not made" -- test ! -e "$S/header-out"
D="$S/pagetable.npk"
cp "$A0" "$D"
damage "$D" $(($(file_size "$A0") - 3000)) 512
run "$NP" verify -p "$PUB" "$D"
expect_eq "$RC" 1 "pagetable: verify exits 1"
expect_exit 1 "pagetable: extract exits 1" -- "$NP" extract -p "$PUB" -C "$S/pt-out" "$D" &&
	expect_true "pagetable: nothing written, the folder not made" -- test ! -e "$S/pt-out"

# ---- the corpus: 4 KiB inside cluster 0 (issue 13's first row)
CORPUS="$top/../shared/corpus"
if [ ! -d "$CORPUS" ]; then
	note "no corpus at $CORPUS; the corpus case is skipped"
	finish
fi
CORPUS=$(cd "$CORPUS" && pwd)
C="$S/corpus.npk"
expect_exit 0 "create of the corpus" -- "$NP" create -s "$KEYS/test.key" "$C" "$CORPUS" || finish
set -- $(object "$C" cluster 0)
damage "$C" $(($1 + $2 / 2 - 2048)) 4096
run "$NP" verify -p "$PUB" "$C"
expect_eq "$RC" 1 "corpus: verify of the damaged archive exits 1"
cp "$OUT" "$S/corpus-verify"
bad=$(sed -n 's/^FAILED  .*: \([0-9]*\) of [0-9]* documents damaged.*/\1/p' "$S/corpus-verify")
total=$(sed -n 's/^FAILED  .*: [0-9]* of \([0-9]*\) documents damaged.*/\1/p' "$S/corpus-verify")
intact=$((total - bad))
info "corpus: verify names $bad of $total documents; $intact are intact"
expect_exit 1 "corpus: extract exits 1" -- "$NP" extract -q -p "$PUB" -C "$S/corpus-out" "$C" &&
	expect_contains "$ERR" "$C: $bad of $total documents damaged, not written" "corpus: and counts $bad of $total"
expect_eq "$(files "$S/corpus-out" | wc -l | tr -d ' ')" "$intact" "corpus: extract writes all $intact intact documents"
diff -rq "$CORPUS" "$S/corpus-out" | grep -v "^Only in $CORPUS" > "$S/corpus-diff"
expect_eq "$(cat "$S/corpus-diff")" "" "corpus: every one byte for byte"
[ "$FAILED" -eq 0 ] && rm -rf "$S/corpus-out"
finish
