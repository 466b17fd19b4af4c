#!/bin/sh
# test_dedup.sh - identical contents stored once (spec/format.md 15.7,
# "Shared bytes"; issue 16): create's summary and --json, info's count,
# verify by newspack and by npkcheck.py (the independent reader), byte-exact
# cat and extract of every copy, --no-dedup, a copy larger than a cluster
# (still cut into clusters of the target size), empty documents (no
# sharing), the same inputs giving the same bytes, duplicates within an
# edition, and a new document whose content equals a withdrawn one.
. "$(dirname "$0")/lib.sh"
suite_begin dedup

KEY="$KEYS/test.key"
PUB="$KEYS/test.pub"
CHECK="$top/spec/vectors/npkcheck.py"
MK="$NP create -q -s $KEY --timestamp 2026-02-01"
jget() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }

# ---- the inputs: a story filed under three paths, a large copy, two empty files
IN="$S/in"
mkdir -p "$IN/wire" "$IN/world" "$IN/local" "$IN/big"
printf 'Flood waters recede in the valley.\nResidents return home.\n' > "$IN/wire/flood.txt"
cp "$IN/wire/flood.txt" "$IN/world/flood-copy.txt"
cp "$IN/wire/flood.txt" "$IN/local/flood.txt"
printf 'Council approves the new harbour plan.\n' > "$IN/local/harbour.txt"
head -c 3000000 /dev/urandom > "$IN/big/scan.bin"
cp "$IN/big/scan.bin" "$IN/big/scan-copy.bin"
: > "$IN/local/empty1.txt"
: > "$IN/local/empty2.txt"
small=$(file_size "$IN/wire/flood.txt")
total=$(cat "$IN"/*/* | wc -c | tr -d ' ')

# ---- create: two copies of the story and one of the scan are not stored again
A="$S/a.npk"
expect_exit 0 "create with duplicates" -- $MK --cluster-size 1048576 "$A" "$IN" || finish
expect_exit 0 "create --json says what was deduplicated" -- \
	$NP create -s "$KEY" --timestamp 2026-02-01 --cluster-size 1048576 --json --force "$A" "$IN"
expect_eq "$(jget "$OUT" dedup_documents)" 3 "3 documents named a content stored before"
expect_eq "$(jget "$OUT" dedup_bytes)" $((2 * small + 3000000)) "their bytes: two stories and one scan"
expect_exit 0 "create's summary says it" -- \
	$NP create -s "$KEY" --timestamp 2026-02-01 --cluster-size 1048576 --force "$A" "$IN"
expect_contains "$OUT" "3 documents have the content of one stored before: " \
	"the summary line counts the deduplicated documents"

expect_exit 0 "info -p" -- $NP info -p "$PUB" "$A"
expect_contains "$OUT" "Deduplicated:  3 documents have the content of another, stored once" \
	"info counts the deduplicated documents"
expect_exit 0 "info --json" -- $NP info --json -p "$PUB" "$A"
expect_eq "$(jget "$OUT" dedup_documents) $(jget "$OUT" dedup_bytes)" "3 $((2 * small + 3000000))" \
	"info --json: dedup_documents and dedup_bytes"
expect_eq "$(jget "$OUT" content_bytes)" $((total - 2 * small - 3000000)) \
	"the data stream holds each content once"
# the 3 MB scan is cut into 1 MiB clusters, not kept whole while held
expect_true "a content larger than a cluster still spans clusters of the target size" -- \
	[ "$(jget "$OUT" clusters)" -ge 3 ]

expect_exit 0 "verify accepts shared extents" -- $NP verify -p "$PUB" "$A"
if command -v python3 >/dev/null 2>&1; then
	expect_exit 0 "npkcheck.py (the independent reader) accepts them too" -- \
		python3 "$CHECK" verify "$A" -p "$PUB"
else
	fail "python3 is installed (npkcheck.py needs it)"
fi

# ---- every copy reads back byte for byte
for p in wire/flood.txt world/flood-copy.txt local/flood.txt big/scan-copy.bin local/empty2.txt; do
	expect_exit 0 "cat $p" -- $NP cat -p "$PUB" "$A" "$p" &&
		expect_same "$OUT" "$IN/$p" "cat $p gives its bytes"
done
expect_exit 0 "extract" -- $NP extract -p "$PUB" -C "$S/out" "$A"
expect_true "extract gives back every file, byte for byte" -- diff -r "$IN" "$S/out"

# ---- the same inputs, key and time give the same archive
expect_exit 0 "create again" -- $MK --cluster-size 1048576 "$S/a2.npk" "$IN"
expect_same "$S/a2.npk" "$A" "the same inputs give the same bytes"

# ---- --no-dedup stores every copy
expect_exit 0 "create --no-dedup --json" -- \
	$NP create -s "$KEY" --timestamp 2026-02-01 --cluster-size 1048576 --no-dedup --json "$S/n.npk" "$IN"
expect_eq "$(jget "$OUT" dedup_documents)" 0 "--no-dedup: nothing deduplicated"
expect_exit 0 "info of the --no-dedup archive" -- $NP info --json -p "$PUB" "$S/n.npk"
expect_eq "$(jget "$OUT" content_bytes) $(jget "$OUT" dedup_documents)" "$total 0" \
	"--no-dedup stores every byte"
expect_true "the deduplicated archive is smaller by about the copies" -- \
	[ $(($(file_size "$S/n.npk") - $(file_size "$A"))) -gt 2900000 ]
expect_exit 0 "info of a 1.0 archive says none" -- \
	$MK --format-version 1.0 "$S/v10.npk" "$IN"
expect_exit 0 "info of it" -- $NP info -p "$PUB" "$S/v10.npk"
expect_contains "$OUT" "Deduplicated:  none" "format 1.0 never shares bytes"

# ---- an edition: duplicates within it, and the content of a withdrawn document
mkdir -p "$S/e1/new"
printf 'A second story, filed twice.\n' > "$S/e1/new/one.txt"
cp "$S/e1/new/one.txt" "$S/e1/new/two.txt"
cp "$IN/local/harbour.txt" "$S/e1/new/harbour-again.txt"
expect_exit 0 "append: two new paths of one content, and a withdrawal" -- \
	$NP append -s "$KEY" --timestamp 2026-02-02 --json --withdraw local/harbour.txt \
	"$A" "$S/a.e1.npk" "$S/e1"
expect_eq "$(jget "$OUT" dedup_documents)" 1 "append: the second copy is not stored again"
expect_exit 0 "verify the chain" -- $NP verify -p "$PUB" "$S/a.e1.npk"
expect_exit 0 "cat of the copy in the edition" -- $NP cat -p "$PUB" "$S/a.e1.npk" new/two.txt &&
	expect_same "$OUT" "$S/e1/new/two.txt" "the copy reads back"
expect_exit 2 "the withdrawn path is gone" -- $NP cat -p "$PUB" "$S/a.e1.npk" local/harbour.txt
expect_exit 0 "a new document with the withdrawn one's content reads" -- \
	$NP cat -p "$PUB" "$S/a.e1.npk" new/harbour-again.txt &&
	expect_same "$OUT" "$IN/local/harbour.txt" "its bytes are its own, not the withdrawn path's"
if command -v python3 >/dev/null 2>&1; then
	expect_exit 0 "npkcheck.py accepts the edition" -- \
		python3 "$CHECK" verify "$S/a.e1.npk" -p "$PUB"
fi

finish
