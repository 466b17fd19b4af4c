#!/bin/sh
# test_merge.sh - newspack merge (spec/format.md 15.16; issue 16): shares
# packed side by side and merged (interleaved paths: every cluster copied as
# stored, byte-exact documents, verify by newspack and npkcheck.py, the same
# bytes twice), duplicates within and across inputs, overlapping paths
# (refused, then --prefer), a chain compacted (replaced versions gone,
# clusters that held them stored again, a withdrawal refused, then
# --drop-withdrawn, a document whose content equals the withdrawn one kept),
# a damaged input (refused, naming it and the cluster), another codec
# (stored again), trust, an OUT that is a file of an input, and proofs of
# the inputs still checking against the inputs.
. "$(dirname "$0")/lib.sh"
suite_begin merge

KEY="$KEYS/test.key"
PUB="$KEYS/test.pub"
CHECK="$top/spec/vectors/npkcheck.py"
T="--timestamp 2026-03-01"
jget() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }
command -v python3 > /dev/null 2>&1 || { fail "python3 is needed (npkcheck.py, JSON)"; finish; }

# ---- two shares of one corpus, split by a hash of the path (their paths interleave)
ALL="$S/all"
mkdir -p "$ALL/news/2025" "$ALL/news/2026" "$ALL/opinion" "$ALL/wire"
i=0
while [ $i -lt 60 ]; do
	y=$((2025 + i % 2))
	{
		echo "Story $i of the council meeting, filed in $y."
		j=0
		while [ $j -lt $((i % 7 + 3)) ]; do
			echo "Paragraph $j of story $i: residents spoke about the harbour, the school and the road."
			j=$((j + 1))
		done
	} > "$ALL/news/$y/story-$i.txt"
	i=$((i + 1))
done
printf 'Letters to the editor.\n' > "$ALL/opinion/letters.md"
cp "$ALL/news/2025/story-4.txt" "$ALL/wire/story-4-copy.txt"     # a duplicate in one share...
cp "$ALL/news/2026/story-7.txt" "$ALL/opinion/story-7-again.txt" # ...and maybe across shares
: > "$ALL/opinion/empty.txt"
mkdir -p "$ALL/opinion/drafts"                                     # an empty folder
SH0="$S/share0"
SH1="$S/share1"
mkdir -p "$SH0" "$SH1"
(cd "$ALL" && find . -type f -o -type d -empty) | sed 's|^\./||' | sort | while read -r p; do
	[ "$p" = "." ] && continue
	k=$(($(printf '%s' "$p" | cksum | cut -d' ' -f1) % 2))
	d="$S/share$k/$(dirname "$p")"
	mkdir -p "$d"
	if [ -d "$ALL/$p" ]; then mkdir -p "$S/share$k/$p"; else cp "$ALL/$p" "$S/share$k/$p"; fi
done
MK="$NP create -q -s $KEY $T --cluster-size 4096"
expect_exit 0 "create share 0" -- sh -c "cd '$SH0' && $MK '$S/s0.npk' ." || finish
expect_exit 0 "create share 1" -- sh -c "cd '$SH1' && $MK '$S/s1.npk' ." || finish
expect_exit 0 "create the whole corpus at once" -- sh -c "cd '$ALL' && $MK '$S/all.npk' ." || finish

M="$S/m.npk"
expect_exit 0 "merge the two shares" -- $NP merge -s "$KEY" $T --json "$M" "$S/s0.npk" "$S/s1.npk" || finish
cp "$OUT" "$S/m.json"
expect_eq "$(jget "$S/m.json" clusters_copied)" "$(jget "$S/m.json" clusters)" \
	"disjoint shares: every cluster is copied as stored"
expect_true "more than one cluster, so the copies interleave" -- [ "$(jget "$S/m.json" clusters)" -gt 4 ]
expect_eq "$(jget "$S/m.json" bytes_recompressed)" 0 "no document is compressed again"
expect_eq "$(jget "$S/m.json" inputs)" 2 "--json counts the inputs"
expect_exit 0 "verify the merged archive" -- $NP verify -p "$PUB" "$M"
expect_exit 0 "npkcheck.py (the independent reader) accepts it too" -- python3 "$CHECK" verify "$M" -p "$PUB"
$NP list -p "$PUB" "$S/all.npk" > "$S/l.all"
run $NP list -p "$PUB" "$M"
expect_same "$OUT" "$S/l.all" "the merged archive lists exactly the files of the corpus"
mkdir -p "$S/x"
expect_exit 0 "extract the merged archive" -- $NP extract -p "$PUB" -C "$S/x" "$M"
expect_exit 0 "every extracted file is byte for byte the original" -- diff -r "$ALL" "$S/x"
expect_exit 0 "info of the merged archive" -- $NP info --json -p "$PUB" "$M"
expect_eq "$(jget "$OUT" documents)" "$(jget "$S/m.json" documents)" "info and merge agree on the entries"
# the duplicate story lies in one share or in both: within a share it stays shared, across
# shares each share's copy is copied as stored (not decoded); either way the count is honest
dd=$(jget "$OUT" dedup_documents)
expect_eq "$(jget "$S/m.json" dedup_documents)" "$dd" "merge's and info's deduplicated counts agree"

expect_exit 0 "the same merge again" -- $NP merge -q -s "$KEY" $T "$S/m2.npk" "$S/s0.npk" "$S/s1.npk"
expect_same "$S/m2.npk" "$M" "the same inputs, key and timestamp give the same bytes"
expect_exit 0 "the shares in the other order" -- $NP merge -q -s "$KEY" $T "$S/m3.npk" "$S/s1.npk" "$S/s0.npk"
run $NP list -p "$PUB" "$S/m3.npk"
expect_same "$OUT" "$S/l.all" "the order of the inputs does not change what is held"

# ---- 20 shares by a hash of the path: more stretches taken in turn than a reader keeps
expect_eq "$(jget "$S/m.json" interleave)" 2 "two interleaved shares: readers take 2 stretches in turn"
W="$S/wide"
mkdir -p "$W/files" "$W/lists"
i=0
while [ $i -lt 400 ]; do
	printf 'Item %s of the wide collection: %s\n' "$i" "$(printf '%s' "$i" | cksum)" > "$W/files/item-$i.txt"
	k=$(($(printf '%s' "item-$i.txt" | cksum | cut -d' ' -f1) % 20))
	printf '%s\t%s\n' "$W/files/item-$i.txt" "item-$i.txt" >> "$W/lists/$k"
	i=$((i + 1))
done
for l in "$W"/lists/*; do
	$NP create -q -s "$KEY" $T --cluster-size 256 --files-from "$l" "$l.npk" || fail "create $l.npk"
done
expect_exit 0 "merge 20 shares split by a hash" -- \
	sh -c "$NP merge -s '$KEY' $T --json '$W/m.npk' '$W'/lists/*.npk"
expect_true "--json: more than 16 stretches taken in turn" -- [ "$(jget "$OUT" interleave)" -gt 16 ]
expect_contains "$ERR" "more than the 16 a reader keeps decoded" "a warning says what that costs readers"
expect_contains "$ERR" "split the collection by folder or year" "and what to do instead"
(cd "$W/files" && ls) | LC_ALL=C sort > "$W/expected"
run $NP list -p "$PUB" "$W/m.npk"
expect_same "$OUT" "$W/expected" "and the archive holds every file"
expect_exit 0 "it verifies" -- $NP verify -p "$PUB" "$W/m.npk"

# ---- size: the merge of shares costs about what one archive of everything does
ms=$(file_size "$M")
as=$(file_size "$S/all.npk")
expect_true "merged size ($ms) within 1.25x of one create ($as) on this tiny corpus" -- \
	[ $((ms * 100)) -le $((as * 125)) ]

# ---- duplicates across inputs, identical and different entries at one path
O="$S/o"
mkdir -p "$O/a/news" "$O/b/news"
printf 'The bridge reopens on Monday.\n' > "$O/a/news/bridge.txt"
cp "$O/a/news/bridge.txt" "$O/b/news/bridge.txt"                 # identical in both
printf 'Rain all week.\n' > "$O/a/news/weather.txt"
printf 'Sun all week (corrected).\n' > "$O/b/news/weather.txt"   # different
printf 'Rain all week.\n' > "$O/b/news/week.txt"  # a's weather under another path
expect_exit 0 "create a" -- sh -c "cd '$O/a' && $NP create -q -s '$KEY' $T '$O/a.npk' ."
expect_exit 0 "create b" -- sh -c "cd '$O/b' && $NP create -q -s '$KEY' $T '$O/b.npk' ."
expect_exit 2 "overlapping paths with different entries are refused" -- \
	$NP merge -s "$KEY" $T "$O/m.npk" "$O/a.npk" "$O/b.npk"
expect_contains "$ERR" "1 path is held differently by several inputs (the first: \"news/weather.txt\", in $O/a.npk and $O/b.npk): name the input that wins with --prefer" \
	"the refusal names the path, both inputs and --prefer"
expect_true "and nothing is written" -- [ ! -e "$O/m.npk" ]
expect_exit 2 "--prefer must name an input" -- \
	$NP merge -s "$KEY" $T --prefer "$O/c.npk" "$O/m.npk" "$O/a.npk" "$O/b.npk"
expect_contains "$ERR" "--prefer $O/c.npk: not one of the inputs" "and says so"
expect_exit 0 "--prefer b: b's version wins" -- \
	$NP merge -s "$KEY" $T --json --prefer "$O/b.npk" "$O/m.npk" "$O/a.npk" "$O/b.npk"
expect_eq "$(jget "$OUT" identical) $(jget "$OUT" preferred)" "1 1" \
	"one path identical in both, one won by --prefer"
expect_exit 0 "cat the winner" -- $NP cat -p "$PUB" "$O/m.npk" news/weather.txt
expect_same "$OUT" "$O/b/news/weather.txt" "the preferred input's version is the one kept"
expect_exit 0 "verify" -- $NP verify -p "$PUB" "$O/m.npk"
expect_exit 0 "--prefer a instead" -- \
	$NP merge -s "$KEY" $T --json --prefer "$O/a.npk" "$O/m2.npk" "$O/a.npk" "$O/b.npk"
expect_eq "$(jget "$OUT" dedup_documents)" 1 \
	"b's week.txt, stored again after a's weather was copied, names a's bytes"
expect_exit 0 "cat" -- $NP cat -p "$PUB" "$O/m2.npk" news/weather.txt
expect_same "$OUT" "$O/a/news/weather.txt" "now a's version is kept"
expect_exit 2 "the same archive given twice is refused" -- \
	$NP merge -s "$KEY" $T "$O/m3.npk" "$O/a.npk" "$O/a.npk"
expect_contains "$ERR" "are the same archive (one manifest): name it once" "and says so"
mkdir -p "$O/c/news/weather.txt"
printf 'x\n' > "$O/c/news/weather.txt/inside.txt"
expect_exit 0 "create c (a folder where a has a document)" -- \
	sh -c "cd '$O/c' && $NP create -q -s '$KEY' $T '$O/c.npk' ."
expect_exit 2 "a document of one input at a folder of another is refused" -- \
	$NP merge -s "$KEY" $T "$O/m4.npk" "$O/a.npk" "$O/c.npk"
expect_contains "$ERR" "\"news/weather.txt\" is a document, so \"news/weather.txt/inside.txt\"" \
	"naming both paths"
expect_exit 2 "OUT may not be an input" -- $NP merge -s "$KEY" $T --force "$O/a.npk" "$O/a.npk" "$O/b.npk"
expect_contains "$ERR" "is also an INPUT" "and says so"

# ---- trust: an input signed by another key
mkdir -p "$O/d/sport"
printf 'The home team wins.\n' > "$O/d/sport/match.txt"
expect_exit 0 "create d with the other key" -- \
	sh -c "cd '$O/d' && $NP create -q -s '$KEYS/other.key' $T '$O/d.npk' ."
expect_exit 3 "an input by an untrusted key is refused" -- \
	$NP merge -s "$KEY" $T "$O/m5.npk" "$O/a.npk" "$O/d.npk"
expect_exit 0 "with --allow-untrusted it is merged" -- \
	$NP merge -s "$KEY" $T --allow-untrusted "$O/m5.npk" "$O/a.npk" "$O/d.npk"
expect_exit 0 "-p trusts the other key" -- \
	$NP merge -q -s "$KEY" $T -p "$KEYS/other.pub" "$O/m6.npk" "$O/b.npk" "$O/d.npk"

# ---- a damaged input: refused, naming it and the cluster
cp "$S/s1.npk" "$S/bad.npk"
python3 - "$S/bad.npk" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
i = b.index(b"NPKC")          # the first cluster object
b[i + 24 + 10] ^= 0x01        # a byte of its payload
open(p, "wb").write(b)
PY
expect_exit 1 "a damaged input is refused" -- $NP merge -s "$KEY" $T "$S/mbad.npk" "$S/s0.npk" "$S/bad.npk"
expect_contains "$ERR" "$S/bad.npk: cluster 0" "naming the input and the cluster"
expect_contains "$ERR" "nothing was written to $S/mbad.npk" "and saying nothing was written"
expect_true "no file" -- [ ! -e "$S/mbad.npk" ]

# ---- another codec: a zstd input merged into zlib is compressed again
expect_exit 0 "create share 1 in zstd" -- sh -c "cd '$SH1' && $MK --codec zstd '$S/s1z.npk' ."
expect_exit 0 "merge zlib and zstd shares" -- \
	$NP merge -s "$KEY" $T --json "$S/mz.npk" "$S/s0.npk" "$S/s1z.npk"
expect_true "only the zlib share's clusters are copied" -- \
	[ "$(jget "$OUT" clusters_copied)" -lt "$(jget "$OUT" clusters)" ] &&
	[ "$(jget "$OUT" bytes_recompressed)" -gt 0 ]
run $NP list -p "$PUB" "$S/mz.npk"
expect_same "$OUT" "$S/l.all" "and it holds the same files"
expect_exit 0 "verify it" -- $NP verify -p "$PUB" "$S/mz.npk"

# ---- a chain compacted: replaced versions, a withdrawal, a content equal to the withdrawn one
C="$S/chain"
mkdir -p "$C/v0/news" "$C/v1/news" "$C/v2/news"
printf 'The mayor resigns.\n' > "$C/v0/news/mayor.txt"
printf 'A name that must not be published.\n' > "$C/v0/news/source.txt"
printf 'Market prices rise.\n' > "$C/v0/news/market.txt"
i=0
while [ $i -lt 30 ]; do
	printf 'Archive item %s: minutes of the meeting of the harbour board.\n' "$i" > "$C/v0/news/item-$i.txt"
	i=$((i + 1))
done
printf 'The mayor resigns; the deputy takes over.\n' > "$C/v1/news/mayor.txt"  # replaced
cp "$C/v0/news/source.txt" "$C/v2/news/quoted.txt"  # the withdrawn content, under a path kept
expect_exit 0 "base" -- sh -c "cd '$C/v0' && $NP create -q -s '$KEY' $T --cluster-size 1024 '$C/news.npk' ."
expect_exit 0 "edition 1 replaces the mayor story" -- \
	sh -c "cd '$C/v1' && $NP append -q -s '$KEY' $T '$C/news.npk' '$C/news.e0001.npk' ."
expect_exit 0 "edition 2 withdraws the source and adds a document of the same content" -- \
	sh -c "cd '$C/v2' && $NP append -q -s '$KEY' $T --withdraw news/source.txt --reason 'a source at risk' '$C/news.e0001.npk' '$C/news.e0002.npk' ."
expect_exit 2 "merging a chain with a withdrawal is refused" -- \
	$NP merge -s "$KEY" $T "$C/compact.npk" "$C/news.e0002.npk"
expect_contains "$ERR" "its chain withdrew 1 path (the first: \"news/source.txt\"), which a merged archive cannot record: --drop-withdrawn" \
	"naming the path and --drop-withdrawn"
expect_exit 0 "--drop-withdrawn compacts the chain without it" -- \
	$NP merge -s "$KEY" $T --json --drop-withdrawn "$C/compact.npk" "$C/news.e0002.npk"
cp "$OUT" "$C/compact.json"
expect_eq "$(jget "$C/compact.json" withdrawn_dropped)" 1 "one withdrawal left out"
expect_true "the base's cluster that held the old mayor story is stored again" -- \
	[ "$(jget "$C/compact.json" bytes_recompressed)" -gt 0 ]
expect_true "and the clusters whose bytes all stay are copied" -- \
	[ "$(jget "$C/compact.json" clusters_copied)" -gt 0 ]
run $NP list -p "$PUB" "$C/news.e0002.npk"
cp "$OUT" "$C/l.state"
run $NP list -p "$PUB" "$C/compact.npk"
expect_same "$OUT" "$C/l.state" "the compacted archive lists the chain's state"
expect_exit 0 "verify the compacted archive" -- $NP verify -p "$PUB" "$C/compact.npk"
expect_exit 0 "npkcheck.py accepts it" -- python3 "$CHECK" verify "$C/compact.npk" -p "$PUB"
expect_exit 0 "info --json" -- $NP info --json -p "$PUB" "$C/compact.npk"
expect_not_contains "$OUT" '"edition"' "a merged archive is a lone archive (no edition link)"
expect_exit 0 "cat the new mayor story" -- $NP cat -p "$PUB" "$C/compact.npk" news/mayor.txt
expect_same "$OUT" "$C/v1/news/mayor.txt" "the newest version is the one kept"
expect_exit 0 "cat the document equal to the withdrawn one" -- $NP cat -p "$PUB" "$C/compact.npk" news/quoted.txt
expect_same "$OUT" "$C/v0/news/source.txt" "its content stays: another path holds it"
expect_exit 2 "the withdrawn path is gone" -- $NP cat -p "$PUB" "$C/compact.npk" news/source.txt
python3 - "$C/compact.npk" "$C/v0/news/mayor.txt" > "$S/grep.out" <<'PY'
import sys, zlib
data = open(sys.argv[1], "rb").read()
old = open(sys.argv[2], "rb").read()
found = old in data
i = 0
while not found:
    i = data.find(b"NPKC", i)
    if i < 0:
        break
    n = int.from_bytes(data[i + 16:i + 20], "little")
    payload = data[i + 24:i + 24 + n]
    try:
        found = old in (zlib.decompress(payload) if data[i + 4] == 1 else payload)
    except zlib.error:
        pass
    i += 4
print("found" if found else "absent")
PY
expect_eq "$(cat "$S/grep.out")" "absent" "the replaced version's bytes are not in the compacted archive"
run $NP merge -q -s "$KEY" $T --drop-withdrawn "$C/compact2.npk" "$C/news.e0002.npk"
expect_same "$C/compact2.npk" "$C/compact.npk" "compaction is byte-identical run twice"

# ---- proofs of an input still check against the input, not the merged archive
doc=$(head -n 1 "$S/l.all")
share="$S/s1.npk"
$NP list -p "$PUB" "$S/s0.npk" | grep -qxF "$doc" && share="$S/s0.npk"
expect_exit 0 "prove a document of its share" -- $NP prove -p "$PUB" "$share" "$doc" -o "$S/p0.proof"
expect_exit 0 "the input's proof checks with the document" -- \
	$NP check-proof -p "$PUB" "$S/p0.proof" "$ALL/$doc"
expect_exit 1 "but it is not a proof of the merged archive" -- \
	$NP check-proof -p "$PUB" --archive "$M" "$S/p0.proof" "$ALL/$doc"
expect_exit 0 "a proof from the merged archive" -- $NP prove -p "$PUB" "$M" "$doc" -o "$S/pm.proof"
expect_exit 0 "checks" -- $NP check-proof -p "$PUB" "$S/pm.proof" "$ALL/$doc"

finish
