#!/bin/sh
# test_dedup.sh - identical contents stored once (spec/format.md 15.7,
# "Shared bytes"; issue 16): create's summary and --json, info's count,
# verify by newspack and by npkcheck.py (the independent reader), byte-exact
# cat and extract of every copy, --no-dedup, a copy larger than a cluster
# (still cut into clusters of the target size), empty documents (no
# sharing), the same inputs giving the same bytes, duplicates within an
# edition, and in an edition a content stored in any earlier file of the
# chain (15.15 ref_kind 1): a base's, an earlier edition's, a withdrawn
# one's; append --no-dedup; info's count over a chain and over a file whose
# first copies are not in increasing order.
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
expect_eq "$(jget "$OUT" dedup_documents)" 2 \
	"append: the second copy and the withdrawn document's content are not stored again"
expect_eq "$(jget "$OUT" bytes_stored)" "$(file_size "$S/e1/new/one.txt")" \
	"append: only the new story's bytes are stored"
expect_exit 0 "verify the chain" -- $NP verify -p "$PUB" "$S/a.e1.npk"
expect_exit 0 "cat of the copy in the edition" -- $NP cat -p "$PUB" "$S/a.e1.npk" new/two.txt &&
	expect_same "$OUT" "$S/e1/new/two.txt" "the copy reads back"
expect_exit 2 "the withdrawn path is gone" -- $NP cat -p "$PUB" "$S/a.e1.npk" local/harbour.txt
expect_exit 0 "a new document with the withdrawn one's content reads" -- \
	$NP cat -p "$PUB" "$S/a.e1.npk" new/harbour-again.txt &&
	expect_same "$OUT" "$IN/local/harbour.txt" "it reads the withdrawn version's bytes, in edition 0"
if command -v python3 >/dev/null 2>&1; then
	expect_exit 0 "npkcheck.py accepts the edition" -- \
		python3 "$CHECK" verify "$S/a.e1.npk" -p "$PUB" &&
		expect_contains "$OUT" '"new/harbour-again.txt": its content, in edition 0, matches' \
			"npkcheck.py: the copy refers to the base (ref_kind 1)"
fi

# ---- edition 2: one content of the base, one first stored in edition 1, one new
mkdir -p "$S/e2/more"
cp "$IN/wire/flood.txt" "$S/e2/more/flood-again.txt"
cp "$S/e1/new/one.txt" "$S/e2/more/one-again.txt"
printf 'A third story, new in edition 2.\n' > "$S/e2/more/fresh.txt"
one=$(file_size "$S/e1/new/one.txt")
fresh=$(file_size "$S/e2/more/fresh.txt")
# --no-dedup first (the same edition 2, written elsewhere): every content stored
expect_exit 0 "append --no-dedup --json" -- \
	$NP append -s "$KEY" --timestamp 2026-02-03 --json --no-dedup "$S/a.e1.npk" "$S/nd.e2.npk" "$S/e2"
expect_eq "$(jget "$OUT" dedup_documents) $(jget "$OUT" bytes_stored)" "0 $((small + one + fresh))" \
	"append --no-dedup: nothing deduplicated, every byte stored"
expect_exit 0 "verify the --no-dedup edition" -- $NP verify -p "$PUB" "$S/nd.e2.npk"
expect_exit 0 "cat from the --no-dedup edition" -- \
	$NP cat -p "$PUB" "$S/nd.e2.npk" more/flood-again.txt &&
	expect_same "$OUT" "$IN/wire/flood.txt" "the --no-dedup copy reads back"
if command -v python3 >/dev/null 2>&1; then
	expect_exit 0 "npkcheck.py verifies the --no-dedup edition" -- \
		python3 "$CHECK" verify "$S/nd.e2.npk" -p "$PUB" &&
		expect_not_contains "$OUT" '"more/flood-again.txt": its content, in edition 0' \
			"npkcheck.py: with --no-dedup the copy is stored in edition 2"
fi
expect_exit 0 "append: contents of edition 0 and of edition 1" -- \
	$NP append -s "$KEY" --timestamp 2026-02-03 --json "$S/a.e1.npk" "$S/a.e2.npk" "$S/e2"
expect_eq "$(jget "$OUT" added) $(jget "$OUT" referenced)" "3 0" \
	"three paths added, none a new version of its own path"
expect_eq "$(jget "$OUT" dedup_documents) $(jget "$OUT" dedup_bytes)" "2 $((small + one))" \
	"append --json: the copies of edition 0's and edition 1's contents are deduplicated"
expect_eq "$(jget "$OUT" bytes_stored)" "$fresh" "bytes_stored counts the new story only"
expect_exit 0 "verify the chain of three" -- $NP verify -p "$PUB" "$S/a.e2.npk"
for p in more/flood-again.txt more/one-again.txt more/fresh.txt; do
	expect_exit 0 "cat $p from edition 2" -- $NP cat -p "$PUB" "$S/a.e2.npk" "$p" &&
		expect_same "$OUT" "$S/e2/$p" "cat $p gives its bytes"
done
expect_true "the deduplicated edition is smaller than the --no-dedup one" -- \
	[ "$(file_size "$S/a.e2.npk")" -lt "$(file_size "$S/nd.e2.npk")" ]
if command -v python3 >/dev/null 2>&1; then
	expect_exit 0 "npkcheck.py verifies the chain of three" -- \
		python3 "$CHECK" verify "$S/a.e2.npk" -p "$PUB" &&
		expect_contains "$OUT" '"more/flood-again.txt": its content, in edition 0, matches' \
			"npkcheck.py: the copy of the base's story is read in edition 0 (ref_kind 1)" &&
		expect_contains "$OUT" '"more/one-again.txt": its content, in edition 1, matches' \
			"npkcheck.py: the copy of edition 1's story is read in edition 1 (ref_kind 1)"
fi
# the state: 3 in the base, new/two.txt and new/harbour-again.txt in
# edition 1, the 2 copies of edition 2
expect_exit 0 "info --json of the chain" -- $NP info --json -p "$PUB" "$S/a.e2.npk"
expect_eq "$(jget "$OUT" dedup_documents) $(jget "$OUT" dedup_bytes)" \
	"7 $((3 * small + 3000000 + $(file_size "$IN/local/harbour.txt") + 2 * one))" \
	"info counts the deduplicated entries of every file of the state"

# ---- a content that only a withdrawn version holds: edition 1 withdraws
# a.txt, edition 2 stores its old content under another path
mkdir -p "$S/w0" "$S/w2"
printf 'A story withdrawn in edition 1.\n' > "$S/w0/a.txt"
printf 'A story that stays.\n' > "$S/w0/keep.txt"
cp "$S/w0/a.txt" "$S/w2/b.txt"
expect_exit 0 "create the base" -- $MK "$S/w.npk" "$S/w0"
expect_exit 0 "append: withdraw a.txt" -- \
	$NP append -q -s "$KEY" --timestamp 2026-02-02 --withdraw a.txt "$S/w.npk" "$S/w.e1.npk"
expect_exit 0 "append: b.txt with a.txt's old content" -- \
	$NP append -s "$KEY" --timestamp 2026-02-03 --json "$S/w.e1.npk" "$S/w.e2.npk" "$S/w2"
expect_eq "$(jget "$OUT" dedup_documents) $(jget "$OUT" bytes_stored)" "1 0" \
	"the withdrawn version's bytes are named, not stored again"
expect_exit 2 "a.txt is withdrawn" -- $NP cat -p "$PUB" "$S/w.e2.npk" a.txt
expect_exit 0 "cat b.txt" -- $NP cat -p "$PUB" "$S/w.e2.npk" b.txt &&
	expect_same "$OUT" "$S/w2/b.txt" "b.txt reads back byte for byte"
expect_exit 0 "verify the chain" -- $NP verify -p "$PUB" "$S/w.e2.npk"
if command -v python3 >/dev/null 2>&1; then
	expect_exit 0 "npkcheck.py verifies it" -- python3 "$CHECK" verify "$S/w.e2.npk" -p "$PUB" &&
		expect_contains "$OUT" '"b.txt": its content, in edition 0, matches' \
			"npkcheck.py: b.txt's content is read in edition 0 (ref_kind 1)"
fi
# every earlier file is read: without the base the append fails naming it
mkdir -p "$S/alone"
cp "$S/w.e1.npk" "$S/alone/"
expect_exit 2 "append without the base" -- \
	$NP append -q -s "$KEY" --timestamp 2026-02-03 "$S/alone/w.e1.npk" "$S/alone/w.e2.npk" "$S/w2"
expect_contains "$ERR" "w.npk" "the error names the missing file"
expect_true "and nothing is written" -- [ ! -e "$S/alone/w.e2.npk" ]

# ---- info's count when first copies are not stored in increasing order:
# 1.1/out-of-order stores its contents in reverse path order, none shared
V11="$top/spec/vectors/1.1"
expect_exit 0 "info of 1.1/out-of-order" -- $NP info --json -p "$top/spec/vectors/test.pub" \
	"$V11/out-of-order.npk"
expect_eq "$(jget "$OUT" dedup_documents) $(jget "$OUT" dedup_bytes)" "0 0" \
	"contents stored in reverse order share nothing"
expect_exit 0 "info of 1.1/shared-bytes" -- $NP info --json -p "$top/spec/vectors/test.pub" \
	"$V11/shared-bytes.npk"
expect_eq "$(jget "$OUT" dedup_documents)" 2 \
	"a copy, and a document inside another's extent, share bytes"

finish
