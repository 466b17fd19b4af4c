#!/bin/sh
# test_dict.sh - create --dictionary (spec/format.md 15.18) as a user meets
# it, on real news (../shared/corpus/bbc and multilingual): the summary and
# --json name the dictionary; verify by newspack and by npkcheck.py (the
# independent reader, its own Zstandard decoder), and sealed, open and audit
# by sealcheck.py; extract gives every file
# back byte for byte; the archive is smaller than the same small clusters
# without a dictionary; a search index beside it answers with snippets;
# the options it refuses, leaving nothing written; a small input gets no
# dictionary; a damaged dictionary is read from its survival copy (verify
# says so, cat still reads), and with its copy damaged too verify names it
# for each cluster and salvage recovers nothing it cannot prove; an
# edition appended to it reads the base's documents through the base's
# dictionary; merge writes them again without one.
. "$(dirname "$0")/lib.sh"
suite_begin dict

KEY="$KEYS/test.key"
PUB="$KEYS/test.pub"
CHECK="$top/spec/vectors/npkcheck.py"
jget() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }

CORPUS="$top/../shared/corpus"
if [ ! -d "$CORPUS/bbc" ] || [ ! -d "$CORPUS/multilingual" ]; then
	fail "the corpus is at $CORPUS (../shared/corpus beside the project)"
	finish
fi
IN="$S/in"
mkdir -p "$IN"
cp -R "$CORPUS/bbc" "$IN/bbc" && cp -R "$CORPUS/multilingual" "$IN/multilingual" ||
	{ fail "copy the corpus's bbc and multilingual folders"; finish; }

# ---- create: the dictionary trained, named in the summary and the JSON
A="$S/d.npk"
expect_exit 0 "create --dictionary of news in six languages" -- \
	$NP create -s "$KEY" --timestamp 2026-02-01 --dictionary "$A" "$IN" || finish
expect_contains "$OUT" "compression dictionary: 11" "the summary names the dictionary (about 112 KiB)"
expect_exit 0 "create --dictionary --json" -- \
	$NP create -s "$KEY" --timestamp 2026-02-01 --dictionary --json --force "$A" "$IN"
expect_true "--json: dictionary_bytes is the trained dictionary's size" -- \
	[ "$(jget "$OUT" dictionary_bytes)" -gt 100000 ]
expect_exit 0 "the same without a dictionary, in the same 32 KiB zstd clusters" -- \
	$NP create -q -s "$KEY" --timestamp 2026-02-01 --codec zstd --cluster-size 32768 "$S/z.npk" "$IN"
info "32 KiB clusters: $(file_size "$A") bytes with a dictionary, $(file_size "$S/z.npk") without"
expect_true "the dictionary makes the archive smaller" -- [ "$(file_size "$A")" -lt "$(file_size "$S/z.npk")" ]
expect_exit 0 "the same inputs give the same bytes" -- \
	$NP create -q -s "$KEY" --timestamp 2026-02-01 --dictionary -j 1 "$S/again.npk" "$IN"
expect_same "$S/again.npk" "$A" "one thread or several, one archive"

# ---- read back: verify, npkcheck.py, extract, cat, info
expect_exit 0 "verify" -- $NP verify -p "$PUB" "$A"
expect_contains "$OUT" "(2 known, 0 unknown" "verify knows the dictionary's section"
expect_contains "$OUT" "survival copies of 4 extents" "its survival copies hold the dictionary"
expect_exit 0 "npkcheck.py verifies it from the spec alone" -- python3 "$CHECK" verify -p "$PUB" "$A"
mkdir -p "$S/out"
expect_exit 0 "extract" -- $NP extract -q -p "$PUB" -C "$S/out" "$A"
expect_exit 0 "every file comes back byte for byte" -- diff -r "$IN" "$S/out"
expect_exit 0 "cat one article" -- $NP cat -p "$PUB" "$A" bbc/politics/042.txt
expect_same "$OUT" "$IN/bbc/politics/042.txt" "cat gives the article's bytes"

# ---- with a search index: snippets read from 32 KiB clusters
expect_exit 0 "create --dictionary --search-index" -- \
	$NP create -q -s "$KEY" --timestamp 2026-02-01 --dictionary --search-index "$S/ix.npk" "$IN"
expect_exit 0 "search it" -- $NP search -p "$PUB" "$S/ix.npk" "chancellor budget"
expect_contains "$OUT" "bbc/" "search finds articles, with their snippets"

# ---- sealed: the dictionary sealed like the other sections, read by
# sealcheck.py (spec/vectors, the independent implementation of 15.17)
expect_exit 0 "keygen --encryption" -- $NP keygen --encryption -W -s "$S/r.key" -p "$S/r.pub"
expect_exit 0 "create --dictionary --recipient" -- \
	$NP create -q -s "$KEY" --timestamp 2026-02-01 --dictionary --recipient "$S/r.pub" \
	"$S/sealed.npk" "$IN/bbc"
expect_exit 0 "verify it with the recipient's key" -- $NP verify -p "$PUB" -k "$S/r.key" "$S/sealed.npk"
expect_exit 0 "cat from it" -- $NP cat -p "$PUB" -k "$S/r.key" "$S/sealed.npk" politics/042.txt
expect_same "$OUT" "$IN/bbc/politics/042.txt" "the article's bytes"
expect_exit 0 "sealcheck.py opens it and decodes every cluster with its dictionary" -- \
	/usr/bin/python3 "$top/spec/vectors/sealcheck.py" open "$S/sealed.npk" "$S/r.key"
expect_contains "$OUT" "decoded with its compression dictionary" "sealcheck.py names the dictionary"
expect_exit 0 "sealcheck.py audits it without a key" -- \
	/usr/bin/python3 "$top/spec/vectors/sealcheck.py" audit "$S/sealed.npk" "$PUB"

# ---- refused: nothing written
expect_exit 2 "--dictionary with --codec zlib is refused" -- \
	$NP create -q -s "$KEY" --dictionary --codec zlib "$S/no.npk" "$IN"
expect_contains "$ERR" "zstd" "and says a dictionary is for zstd clusters"
expect_exit 2 "--dictionary with --format-version 1.0 is refused" -- \
	$NP create -q -s "$KEY" --dictionary --format-version 1.0 "$S/no.npk" "$IN"
expect_exit 2 "--dictionary with clusters over 1 MiB is refused" -- \
	$NP create -q -s "$KEY" --dictionary --cluster-size 2097152 "$S/no.npk" "$IN"
expect_true "nothing is written" -- [ ! -e "$S/no.npk" ]

# ---- a small input: no dictionary, plain zstd
mkdir -p "$S/small"
cp "$IN/bbc/tech/001.txt" "$IN/bbc/tech/002.txt" "$S/small/"
expect_exit 0 "create --dictionary of two articles" -- \
	$NP create -s "$KEY" --dictionary "$S/small.npk" "$S/small"
expect_contains "$OUT" "no compression dictionary" "says it made none"
expect_exit 0 "and it verifies" -- $NP verify -p "$PUB" "$S/small.npk"
expect_contains "$OUT" "(1 known, 0 unknown" "with no dictionary section"

# ---- damage: the dictionary's survival copy serves; without it nothing is guessed
at=$(python3 -c 'import sys; d=open(sys.argv[1],"rb").read(); print(d.find(b"NPKDICT\n"))' "$A")
copy=$(python3 -c 'import sys; d=open(sys.argv[1],"rb").read(); print(d.find(b"NPKDICT\n", int(sys.argv[2]) + 1))' "$A" "$at")
expect_true "the dictionary and its copy are found" -- [ "$at" -gt 0 ] && [ "$copy" -gt "$at" ]
cp "$A" "$S/bad.npk"
flip_byte "$S/bad.npk" $((at + 5000))
expect_exit 1 "verify reports the damaged dictionary" -- $NP verify -p "$PUB" "$S/bad.npk"
expect_contains "$OUT" "compression dictionary" "naming it"
expect_contains "$OUT" "its survival copy in the tail serves" "and that its copy serves"
expect_contains "$OUT" "0 of " "no document is damaged"
expect_exit 0 "cat still reads through the copy" -- $NP cat -p "$PUB" "$S/bad.npk" bbc/politics/042.txt
expect_same "$OUT" "$IN/bbc/politics/042.txt" "the article's bytes"
expect_contains "$ERR" "compression dictionary is damaged" "with a warning naming it"
flip_byte "$S/bad.npk" $((copy + 5000))
expect_exit 1 "with its copy damaged too, cat refuses" -- $NP cat -p "$PUB" "$S/bad.npk" bbc/politics/042.txt
expect_contains "$ERR" "cannot be decoded: the compression dictionary (section" "naming the dictionary"
expect_eq "$(wc -c < "$OUT" | tr -d ' ')" 0 "and writes nothing"
expect_exit 0 "list still reads" -- $NP list -p "$PUB" "$S/bad.npk"
expect_exit 1 "verify" -- $NP verify -p "$PUB" "$S/bad.npk"
expect_contains "$OUT" "cannot be decoded: the compression dictionary (section" "names the dictionary for each cluster"
expect_exit 1 "npkcheck.py agrees (exit 1)" -- python3 "$CHECK" verify -p "$PUB" "$S/bad.npk"
cp "$A" "$S/bad1.npk"
flip_byte "$S/bad1.npk" $((at + 5000))
mkdir -p "$S/salvaged"
expect_exit 0 "salvage of the archive whose dictionary only its copy holds" -- \
	$NP salvage -p "$PUB" "$S/bad1.npk" -C "$S/salvaged"
expect_contains "$OUT" "MOVED    compression dictionary" "takes the dictionary from its copy"
expect_exit 0 "and recovers every file" -- diff -r "$IN" "$S/salvaged"

# ---- an edition: the base's documents through the base's dictionary
mkdir -p "$S/e1/new"
printf 'A new dispatch filed after the base.\n' > "$S/e1/new/late.txt"
expect_exit 0 "append an edition to the archive with a dictionary" -- \
	$NP append -q -s "$KEY" --timestamp 2026-02-02 "$A" "$S/d.e1.npk" "$S/e1"
expect_exit 0 "verify the chain" -- $NP verify -p "$PUB" "$S/d.e1.npk"
expect_exit 0 "cat a base document from the chain" -- \
	$NP cat -p "$PUB" "$S/d.e1.npk" multilingual/ko/wikinews/articles/0001.txt
expect_same "$OUT" "$IN/multilingual/ko/wikinews/articles/0001.txt" "read with the base's dictionary"

# ---- merge: written again, without a dictionary
expect_exit 0 "merge the chain into one archive" -- \
	$NP merge -q -s "$KEY" --timestamp 2026-02-03 "$S/m.npk" "$S/d.e1.npk"
expect_exit 0 "verify the merged archive" -- $NP verify -p "$PUB" "$S/m.npk"
expect_contains "$OUT" "(1 known, 0 unknown" "it has no dictionary"
mkdir -p "$S/mout"
expect_exit 0 "extract the merged archive" -- $NP extract -q -p "$PUB" -C "$S/mout" "$S/m.npk"
expect_exit 0 "its files are the chain's" -- diff -r "$IN/bbc" "$S/mout/bbc"
finish
