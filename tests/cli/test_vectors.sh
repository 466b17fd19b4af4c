#!/bin/sh
# The test vector of spec/vectors/: it is read and verified with its key, it
# is made again byte for byte from its inputs, key and timestamp, and its
# documents come back as they went in.
. "$(dirname "$0")/lib.sh"
suite_begin vectors
V="$top/spec/vectors"

expect_exit 0 "the vector verifies with its committed key" -- \
	"$NP" verify -p "$V/test.pub" "$V/vector.npk"
expect_contains "$OUT" "57C796F641C5EBD9" "verify names the vector's key id"

expect_exit 0 "the vector is made again from its inputs" -- \
	"$NP" create -q -s "$V/test.key" --format-version 1.0 --timestamp 2025-01-24T00:00:00Z \
	--meta "title=newspack test vector" --meta license=CC0-1.0 "$S/again.npk" "$V/input"
# The vector's zlib streams are libdeflate's (format.md 4.3): a zlib-only
# build makes the same documents in other bytes.
if "$NP" --version | grep -q 'zlib streams by libdeflate'; then
	expect_same "$S/again.npk" "$V/vector.npk" "and is byte for byte the committed vector"
else
	note "this build makes zlib streams with zlib, not libdeflate: byte comparison skipped"
	expect_exit 0 "the re-made vector verifies" -- "$NP" verify -p "$V/test.pub" "$S/again.npk"
fi

SOURCE_DATE_EPOCH=1737676800 expect_exit 0 "SOURCE_DATE_EPOCH gives the same timestamp" -- \
	"$NP" create -q -s "$V/test.key" --format-version 1.0 \
	--meta "title=newspack test vector" --meta license=CC0-1.0 "$S/sde.npk" "$V/input"
expect_same "$S/sde.npk" "$S/again.npk" "and the same bytes"

# Format 1.1 (spec/format.md 15): the default; vector-1.1.npk is made from
# the same inputs, key and timestamp. The 1.0 reader of spec/vectors/1.0/
# says it needs a newer reader (exit 2), never that it is damaged.
expect_exit 0 "the 1.1 vector verifies" -- "$NP" verify -p "$V/test.pub" "$V/vector-1.1.npk"
expect_exit 0 "the 1.1 vector is made again with --no-copies --no-tree" -- \
	"$NP" create -q -s "$V/test.key" --timestamp 2025-01-24T00:00:00Z --no-copies --no-tree \
	--meta "title=newspack test vector" --meta license=CC0-1.0 "$S/again11.npk" "$V/input"
if "$NP" --version | grep -q 'zlib streams by libdeflate'; then
	expect_same "$S/again11.npk" "$V/vector-1.1.npk" "and is byte for byte the committed 1.1 vector"
fi
# By default a 1.1 archive ends with its survival copies (format.md 15.9):
# vector-1.1-copies.npk is the same signed part, then the tail.
expect_exit 0 "the 1.1 vector with survival copies is made again with --no-tree" -- \
	"$NP" create -q -s "$V/test.key" --timestamp 2025-01-24T00:00:00Z --no-tree \
	--meta "title=newspack test vector" --meta license=CC0-1.0 "$S/again11c.npk" "$V/input"
if "$NP" --version | grep -q 'zlib streams by libdeflate'; then
	expect_same "$S/again11c.npk" "$V/vector-1.1-copies.npk" \
		"and is byte for byte the committed vector-1.1-copies.npk"
fi
head -c "$(wc -c < "$V/vector-1.1.npk")" "$V/vector-1.1-copies.npk" > "$S/signed11.npk"
expect_same "$S/signed11.npk" "$V/vector-1.1.npk" "its signed part is the 1.1 vector"
expect_exit 0 "the vector with survival copies verifies" -- \
	"$NP" verify -p "$V/test.pub" "$V/vector-1.1-copies.npk" &&
	expect_contains "$OUT" "survival copies of 3 extents" "verify names its survival copies"
# vector-1.1-tree.npk: the same with the Merkle tree (format.md 15.13), and
# 1.1/proof.txt, the proof of b/note.md in it (15.14; checked by
# test_proof_recipe.sh).
expect_exit 0 "the 1.1 vector with the Merkle tree verifies" -- \
	"$NP" verify -p "$V/test.pub" "$V/vector-1.1-tree.npk" &&
	expect_contains "$OUT" "tree: 3 leaves" "verify names its tree"
expect_exit 0 "the 1.1 vector with the Merkle tree is made again with --no-copies" -- \
	"$NP" create -q -s "$V/test.key" --timestamp 2025-01-24T00:00:00Z --no-copies \
	--meta "title=newspack test vector" --meta license=CC0-1.0 "$S/again11t.npk" "$V/input"
expect_exit 0 "newspack prove b/note.md of it" -- \
	"$NP" prove -p "$V/test.pub" -o "$S/again-proof.txt" "$S/again11t.npk" b/note.md
if "$NP" --version | grep -q 'zlib streams by libdeflate'; then
	expect_same "$S/again11t.npk" "$V/vector-1.1-tree.npk" "and is byte for byte the committed vector-1.1-tree.npk"
	expect_same "$S/again-proof.txt" "$V/1.1/proof.txt" "and its proof is byte for byte 1.1/proof.txt"
fi
# vector-1.1-dedup.npk: the same inputs and input-dedup/c/copy.txt, a copy
# of a.txt, whose entry names a.txt's extent (format.md 15.7).
expect_exit 0 "the deduplicated 1.1 vector verifies" -- \
	"$NP" verify -p "$V/test.pub" "$V/vector-1.1-dedup.npk"
expect_exit 0 "the deduplicated 1.1 vector is made again from input and input-dedup" -- \
	"$NP" create -q -s "$V/test.key" --timestamp 2025-01-24T00:00:00Z --no-copies \
	--meta "title=newspack test vector" --meta license=CC0-1.0 "$S/again11d.npk" "$V/input" \
	"$V/input-dedup"
if "$NP" --version | grep -q 'zlib streams by libdeflate'; then
	expect_same "$S/again11d.npk" "$V/vector-1.1-dedup.npk" \
		"and is byte for byte the committed vector-1.1-dedup.npk"
fi
expect_exit 0 "info --json of the deduplicated vector" -- \
	"$NP" info --json -p "$V/test.pub" "$V/vector-1.1-dedup.npk"
expect_contains "$OUT" '"dedup_documents": 1,' "info: one document shares another's content"
expect_contains "$OUT" '"content_bytes": 234,' "info: the data stream holds a.txt once (234 bytes, not 349)"
expect_exit 0 "cat c/copy.txt of the deduplicated vector" -- \
	"$NP" cat -p "$V/test.pub" "$V/vector-1.1-dedup.npk" c/copy.txt &&
	expect_same "$OUT" "$V/input/a.txt" "c/copy.txt reads as a.txt, whose bytes it shares"
# vector-1.1-search.npk: vector-1.1-tree.npk's inputs with the full-text
# index (spec/search.md 9): verified, made again, searched, and read by
# searchcheck.py, the index's independent reader.
expect_exit 0 "the 1.1 vector with a search index verifies" -- \
	"$NP" verify -p "$V/test.pub" "$V/vector-1.1-search.npk"
expect_contains "$OUT" "(3 known, 0 unknown" "verify knows its index's two sections"
expect_exit 0 "the search vector is made again with --search-index" -- \
	"$NP" create -q -s "$V/test.key" --timestamp 2025-01-24T00:00:00Z --no-copies --search-index \
	--meta "title=newspack test vector" --meta license=CC0-1.0 "$S/again11s.npk" "$V/input"
if "$NP" --version | grep -q 'zlib streams by libdeflate'; then
	expect_same "$S/again11s.npk" "$V/vector-1.1-search.npk" \
		"and is byte for byte the committed vector-1.1-search.npk"
fi
expect_exit 0 "search the search vector" -- \
	"$NP" search --json --no-snippets -p "$V/test.pub" "$V/vector-1.1-search.npk" "vector"
expect_contains "$OUT" '"matched": ' "search answers from the vector's index"
# vector-1.1-dict.npk: 96 generated documents (spec/vectors/dictinput.py)
# compressed with a dictionary trained on them (spec/format.md 15.18):
# verified, made again byte for byte, read back whole.
expect_exit 0 "the 1.1 vector with a compression dictionary verifies" -- \
	"$NP" verify -p "$V/test.pub" "$V/vector-1.1-dict.npk"
expect_contains "$OUT" "(2 known, 0 unknown" "verify knows the dictionary's section"
mkdir -p "$S/dict-in"
expect_exit 0 "dictinput.py writes the dictionary vector's documents" -- \
	python3 "$V/dictinput.py" "$S/dict-in/input-dict"
expect_exit 0 "the dictionary vector is made again with --dictionary" -- \
	"$NP" create -s "$V/test.key" --timestamp 2025-01-24T00:00:00Z --no-copies --dictionary \
	--meta "title=newspack test vector" --meta license=CC0-1.0 "$S/again11x.npk" \
	"$S/dict-in/input-dict"
expect_contains "$OUT" "compression dictionary: 5.6 KiB" "create says it trained a dictionary"
if "$NP" --version | grep -q 'zlib streams by libdeflate'; then
	expect_same "$S/again11x.npk" "$V/vector-1.1-dict.npk" \
		"and is byte for byte the committed vector-1.1-dict.npk"
fi
mkdir -p "$S/dict-out"
expect_exit 0 "extract the dictionary vector" -- \
	"$NP" extract -q -p "$V/test.pub" -C "$S/dict-out" "$V/vector-1.1-dict.npk"
expect_exit 0 "its 96 documents are dictinput.py's, byte for byte" -- \
	diff -r "$S/dict-in/input-dict" "$S/dict-out"
expect_exit 0 "info says format 1.1" -- "$NP" info -p "$V/test.pub" "$V/vector-1.1.npk"
expect_contains "$OUT" "npk 1.1" "info names the format version"
# The sealed vector (spec/format.md 15.17): made again byte for byte by the
# testing build's fixed randomness (build/seal-vector), audited without a
# key, read with the test recipient's key and with the passphrase, and
# opened by sealcheck.py; a release newspack has no fixed randomness.
SV="$V/vector-1.1-sealed.npk"
expect_exit 0 "build/seal-vector makes the sealed vector again" -- "$top/build/seal-vector" "$V" "$S/sealed.npk"
if "$NP" --version | grep -q 'zlib streams by libdeflate'; then
	expect_same "$S/sealed.npk" "$SV" "byte for byte the committed vector-1.1-sealed.npk"
fi
expect_exit 0 "verify of the sealed vector without a key" -- "$NP" verify -p "$V/test.pub" "$SV" &&
	expect_contains "$OUT" "sealed; ciphertext intact" "the ciphertext is intact"
expect_exit 0 "list of the sealed vector with the test recipient's key" -- \
	"$NP" list -p "$V/test.pub" -k "$V/seal-recipient.key" "$SV" &&
	expect_contains "$OUT" "b/note.md" "its paths"
printf 'newspack\n' > "$S/vector.pass"
expect_exit 0 "cat of the sealed vector with the passphrase" -- \
	"$NP" cat -p "$V/test.pub" --passphrase-file "$S/vector.pass" "$SV" a.txt &&
	expect_same "$OUT" "$V/input/a.txt" "gives a.txt byte for byte"
expect_exit 0 "sealcheck.py opens the sealed vector" -- \
	/usr/bin/python3 "$V/sealcheck.py" open "$SV" "$V/seal-recipient.key" &&
	expect_contains "$OUT" "3 entries, 234 content bytes" "every document checked" &&
	expect_contains "$OUT" "the sealed Merkle root is the tree of the 3 leaves" "and the sealed tree"
expect_exit 0 "sealcheck.py audits the sealed vector without a key" -- \
	/usr/bin/python3 "$V/sealcheck.py" audit "$SV" "$V/test.pub" &&
	expect_contains "$OUT" "every digest matches; 2 stanzas; contents not opened" "signature and digests"
# its sealed edition (15.17.8): made again byte for byte beside it (the
# base's name is in the edition's link), read through the chain, opened
# and audited by sealcheck.py
SE="$V/vector-1.1-sealed.e0001.npk"
mkdir -p "$S/sv"
expect_exit 0 "build/seal-vector makes the sealed edition vector again" -- \
	"$top/build/seal-vector" "$V" "$S/sv/vector-1.1-sealed.npk" "$S/sv/vector-1.1-sealed.e0001.npk"
if "$NP" --version | grep -q 'zlib streams by libdeflate'; then
	expect_same "$S/sv/vector-1.1-sealed.e0001.npk" "$SE" \
		"byte for byte the committed vector-1.1-sealed.e0001.npk"
fi
expect_exit 0 "verify of the sealed chain without a key" -- "$NP" verify -p "$V/test.pub" "$SE" &&
	expect_contains "$OUT" "vector-1.1-sealed.npk: sealed, signed by" "both files audited"
expect_exit 0 "verify of the sealed chain with the test recipient's key" -- \
	"$NP" verify -p "$V/test.pub" -k "$V/seal-recipient.key" "$SE" &&
	expect_contains "$OUT" "tree: 6 leaves" "the tree over both files"
expect_exit 0 "cat of a.txt, whose bytes the edition names in the base, with the passphrase" -- \
	"$NP" cat -p "$V/test.pub" --passphrase-file "$S/vector.pass" "$SE" a.txt &&
	expect_same "$OUT" "$V/input/a.txt" "byte for byte"
expect_exit 0 "cat of the edition's b/note.md" -- \
	"$NP" cat -p "$V/test.pub" -k "$V/seal-recipient.key" "$SE" b/note.md &&
	expect_same "$OUT" "$V/editions/input-1/b/note.md" "byte for byte"
expect_exit 0 "sealcheck.py opens the sealed chain from its newest file" -- \
	/usr/bin/python3 "$V/sealcheck.py" open "$SE" "$V/seal-recipient.key" &&
	expect_contains "$OUT" "opened a chain of 2 files" "both files, every link and root"
expect_exit 0 "sealcheck.py audits the sealed edition without a key" -- \
	/usr/bin/python3 "$V/sealcheck.py" audit "$SE" "$V/test.pub"
expect_exit 0 "a release create with NPK_TEST_SEED set" -- env NPK_TEST_SEED=x \
	"$NP" create -q -s "$V/test.key" --timestamp 2025-01-24 --no-copies \
	--recipient "$V/seal-recipient.pub" "$S/r1.npk" "$V/input"
expect_exit 0 "and again" -- env NPK_TEST_SEED=x \
	"$NP" create -q -s "$V/test.key" --timestamp 2025-01-24 --no-copies \
	--recipient "$V/seal-recipient.pub" "$S/r2.npk" "$V/input"
expect_true "the release build ignores it: the two sealings differ" -- sh -c "! cmp -s '$S/r1.npk' '$S/r2.npk'"

# The seal's vectors (spec/format.md 15.17), computed again by sealcheck.py
# with Debian's Python and its python3-cryptography and python3-argon2
# (scripts/deps.sh): a missing module fails here, it does not skip.
expect_exit 0 "sealcheck.py computes every seal vector as newspack does" -- \
	/usr/bin/python3 "$V/sealcheck.py" "$V/seal.txt"
expect_contains "$OUT" "13 of 13 vectors agree" "sealcheck.py: 13 vectors agree"

if command -v python3 >/dev/null 2>&1; then
	expect_exit 0 "npkcheck.py verifies the 1.1 vector" -- \
		python3 "$V/npkcheck.py" verify -p "$V/test.pub" "$V/vector-1.1.npk"
	expect_exit 0 "npkcheck.py verifies the search vector (its sections by their digests)" -- \
		python3 "$V/npkcheck.py" verify -p "$V/test.pub" "$V/vector-1.1-search.npk"
	expect_exit 0 "npkcheck.py verifies the dictionary vector (every cluster of codec 3 decoded)" -- \
		python3 "$V/npkcheck.py" verify -p "$V/test.pub" "$V/vector-1.1-dict.npk"
	# a reader from before 15.18 refuses it before reading a cluster: the
	# directory's critical type 12 needs a newer reader (exit 2)
	expect_exit 2 "the 1.1 reader before dictionaries says the dictionary vector needs a newer one" -- \
		python3 "$V/1.1/npkcheck.py" verify -p "$V/test.pub" "$V/vector-1.1-dict.npk"
	expect_contains "$OUT" "critical section type 12 is not known" "because of its critical section type 12"
	expect_exit 0 "searchcheck.py checks the search vector's whole index" -- \
		python3 "$top/spec/searchcheck.py" --check -p "$V/test.pub" "$V/vector-1.1-search.npk"
	expect_exit 0 "npkcheck.py verifies the 1.1 vector with survival copies" -- \
		python3 "$V/npkcheck.py" verify -p "$V/test.pub" "$V/vector-1.1-copies.npk"
	expect_exit 0 "npkcheck.py verifies the 1.1 vector with the Merkle tree" -- \
		python3 "$V/npkcheck.py" verify -p "$V/test.pub" "$V/vector-1.1-tree.npk" &&
		expect_contains "$OUT" "every leaf, stored level and the root check out" "npkcheck.py checks its tree"
	expect_exit 0 "npkcheck.py verifies the deduplicated 1.1 vector" -- \
		python3 "$V/npkcheck.py" verify -p "$V/test.pub" "$V/vector-1.1-dedup.npk" &&
		expect_contains "$OUT" "4 documents, 234 content bytes" "npkcheck.py reads four documents in 234 bytes"
	mkdir -p "$S/dedup-py"
	expect_exit 0 "npkcheck.py extracts the deduplicated 1.1 vector" -- \
		python3 "$V/npkcheck.py" extract -p "$V/test.pub" "$V/vector-1.1-dedup.npk" "$S/dedup-py" &&
		expect_same "$S/dedup-py/c/copy.txt" "$V/input/a.txt" "npkcheck.py: c/copy.txt is a.txt"
	expect_exit 0 "npkcheck.py verifies the 1.0 vector" -- \
		python3 "$V/npkcheck.py" verify -p "$V/test.pub" "$V/1.0/vector.npk"
	expect_exit 0 "the 1.0 npkcheck.py verifies the 1.0 vector" -- \
		python3 "$V/1.0/npkcheck.py" verify -p "$V/test.pub" "$V/1.0/vector.npk"
	expect_exit 2 "the 1.0 npkcheck.py on the 1.1 vector: exit 2" -- \
		python3 "$V/1.0/npkcheck.py" verify -p "$V/test.pub" "$V/vector-1.1.npk"
	expect_contains "$OUT" "needs a newer reader" "it says it needs a newer reader"
	expect_true "the 1.0 vector under 1.0/ is the committed vector" -- \
		cmp "$V/1.0/vector.npk" "$V/vector.npk"
	# The stranger's-reader rule (format.md 15.15): 1.1/npkcheck.py, the
	# reader before editions, refuses an edition (its link is critical).
	for f in base.e0001.npk base.e0002.npk; do
		expect_exit 2 "the 1.1 npkcheck.py (before editions) on editions/$f: exit 2" -- \
			python3 "$V/1.1/npkcheck.py" verify -p "$V/test.pub" "$V/editions/$f" &&
			expect_contains "$OUT" "critical extension type 3 is not known: a newer reader is needed" \
				"it says the edition needs a newer reader"
	done
	expect_exit 0 "the 1.1 npkcheck.py verifies the chain's base" -- \
		python3 "$V/1.1/npkcheck.py" verify -p "$V/test.pub" "$V/editions/base.npk"
	expect_exit 0 "npkcheck.py verifies the chain of editions/ from its newest file" -- \
		python3 "$V/npkcheck.py" verify -p "$V/test.pub" "$V/editions/base.e0002.npk" &&
		expect_contains "$OUT" "a chain of 3 editions" "npkcheck.py reads the three files" &&
		expect_contains "$OUT" "\"a.txt\": its content, in edition 0, matches its digest" \
			"npkcheck.py checks the reference to the base"
else
	note "python3 is not installed: npkcheck.py not run"
fi

# The 1.1 vectors of spec/vectors/1.1/ (format.md 14, 15), listed with the
# exit code of verify in 1.1/vectors.tsv: newspack and npkcheck.py give each
# its code, and the 1.0 reader says each needs a newer reader (exit 2).
n=0
while IFS='	' read -r name code what; do
	n=$((n + 1))
	A="$V/1.1/$name.npk"
	expect_exit "$code" "1.1/$name: verify exits $code ($what)" -- "$NP" verify -p "$V/test.pub" "$A"
	command -v python3 >/dev/null 2>&1 || continue
	expect_exit "$code" "1.1/$name: npkcheck.py verify exits $code too" -- \
		python3 "$V/npkcheck.py" verify -p "$V/test.pub" "$A"
	expect_exit 2 "1.1/$name: the 1.0 npkcheck.py says it needs a newer reader (exit 2)" -- \
		python3 "$V/1.0/npkcheck.py" verify -p "$V/test.pub" "$A" &&
		expect_contains "$OUT" "needs a newer reader" "1.1/$name: in those words"
done < "$V/1.1/vectors.tsv"
expect_true "1.1/vectors.tsv lists 9 vectors or more ($n)" -- test "$n" -ge 9
expect_eq "$(cd "$V/1.1" && ls *.npk | sed 's/\.npk$//' | sort | tr '\n' ' ')" \
	"$(cut -f 1 "$V/1.1/vectors.tsv" | sort | tr '\n' ' ')" "every 1.1/*.npk is in vectors.tsv, and only those"

# The chain of editions/ (format.md 15.15): a base, edition 1 (adds,
# replaces, refers to the base's content) and edition 2 (withdraws with a
# reason, signed by editions/other.key, rotated from test.key). verify of
# the newest file verifies all three, each with its signer.
ED="$V/editions"
expect_exit 0 "editions/: verify of the newest edition" -- "$NP" verify -p "$V/test.pub" "$ED/base.e0002.npk" &&
	expect_contains "$OUT" "edition 0 " "verify names edition 0" &&
	expect_contains "$OUT" "edition 1 " "verify names edition 1" &&
	expect_contains "$OUT" "rotated from 57C796F641C5EBD9" "verify says edition 2's key was rotated from the test key" &&
	expect_contains "$OUT" "1 withdrawn" "verify counts the withdrawal"
expect_exit 0 "editions/: verify --json" -- "$NP" verify --json -p "$V/test.pub" "$ED/base.e0002.npk" &&
	expect_eq "$(python3 -c 'import json,sys; print(" ".join(str(e["edition"]) for e in json.load(open(sys.argv[1]))["editions"]))' "$OUT" 2>&1)" \
		"0 1 2" "verify --json lists the editions, oldest first"
expect_exit 3 "editions/: without a key, the rotated signer is untrusted (exit 3)" -- \
	"$NP" verify "$ED/base.e0002.npk"
mkdir -p "$S/ed-alone"
cp "$ED/base.e0002.npk" "$S/ed-alone/"
expect_exit 1 "editions/: the newest file without the others: a missing file (exit 1)" -- \
	"$NP" verify -p "$V/test.pub" "$S/ed-alone/base.e0002.npk"
expect_exit 0 "editions/: the others named with --chain" -- \
	"$NP" verify -p "$V/test.pub" --chain "$ED/base.npk" --chain "$ED/base.e0001.npk" \
	"$S/ed-alone/base.e0002.npk"
if command -v python3 >/dev/null 2>&1; then
	expect_exit 1 "editions/: npkcheck.py says so too (exit 1)" -- \
		python3 "$V/npkcheck.py" verify -p "$V/test.pub" "$S/ed-alone/base.e0002.npk" &&
		expect_contains "$OUT" "is missing" "npkcheck.py names the missing file"
fi

# editions-first/: the same chain as the first newspack with editions wrote
# it, before the folder filter (section type 10, format.md 15.15). Old
# archives stay readable: verify, check-chain and npkcheck.py read it, the
# newest file has no folder filter, and an edition appended to it gets one
# (append searches the old files' indexes for folders instead).
EF="$V/editions-first"
expect_exit 0 "editions-first/: verify of the newest edition" -- \
	"$NP" verify -p "$V/test.pub" "$EF/base.e0002.npk" &&
	expect_contains "$OUT" "rotated from 57C796F641C5EBD9" "verify shows the rotation"
expect_exit 0 "editions-first/: check-chain" -- "$NP" check-chain -p "$V/test.pub" "$EF/base.e0002.npk" &&
	expect_contains "$OUT" "CHAIN: VALID" "check-chain says the chain is valid"
expect_exit 0 "editions-first/: info --json of the newest file" -- \
	"$NP" info --json -p "$V/test.pub" "$EF/base.e0002.npk"
expect_true "editions-first/ differs from editions/ only by the folder filter (a newer file)" -- \
	sh -c '! cmp -s "$1" "$2"' sh "$EF/base.e0002.npk" "$ED/base.e0002.npk"
mkdir -p "$S/ef" "$S/ef-in/folder"
cp "$EF"/*.npk "$S/ef/"
echo "a new note" >"$S/ef-in/folder/new.txt"
expect_exit 0 "editions-first/: append to the old chain" -- \
	"$NP" append -q -s "$ED/other.key" "$S/ef/base.e0002.npk" "$S/ef/base.e0003.npk" "$S/ef-in"
expect_exit 0 "editions-first/: the chain with the new edition verifies" -- \
	"$NP" verify -p "$V/test.pub" "$S/ef/base.e0003.npk"
if command -v python3 >/dev/null 2>&1; then
	expect_exit 0 "editions-first/: npkcheck.py verifies the old chain" -- \
		python3 "$V/npkcheck.py" verify -p "$V/test.pub" "$EF/base.e0002.npk"
	expect_exit 0 "editions-first/: npkcheck.py verifies it with the new edition" -- \
		python3 "$V/npkcheck.py" verify -p "$V/test.pub" "$S/ef/base.e0003.npk"
fi

# Parity (format.md 15.9, 15.10, 15.12): npkcheck.py, written from the spec,
# repairs each damaged parity vector to its protected one byte for byte; the
# damage is damage to verify (exit 1 above, in vectors.tsv) and verify says
# which structure. With newspack's protect and repair built, they must give
# the same bytes: protect of a protected vector writes its tail again.
for v in protected:damaged interleaved:interleaved-damaged; do
	good="$V/1.1/${v%%:*}.npk"
	bad="$V/1.1/${v#*:}.npk"
	expect_exit 1 "1.1/${v#*:}: newspack verify says damaged (exit 1)" -- \
		"$NP" verify -p "$V/test.pub" "$bad" &&
		expect_contains "$OUT" "digest mismatch" "1.1/${v#*:}: verify names the damaged cluster"
	command -v python3 >/dev/null 2>&1 || continue
	rm -f "$S/repaired.npk"
	expect_exit 0 "1.1/${v#*:}: npkcheck.py repair exits 0" -- \
		python3 "$V/npkcheck.py" repair "$bad" "$S/repaired.npk" &&
		expect_same "$S/repaired.npk" "$good" "1.1/${v#*:}: npkcheck.py repair gives 1.1/${v%%:*}.npk byte for byte"
	rm -f "$S/repaired-np.npk"
	expect_exit 0 "1.1/${v#*:}: newspack repair exits 0" -- \
		"$NP" repair -o "$S/repaired-np.npk" "$bad" &&
		expect_same "$S/repaired-np.npk" "$good" "1.1/${v#*:}: newspack repair gives 1.1/${v%%:*}.npk byte for byte"
done
cp "$V/1.1/protected.npk" "$S/reprotect.npk"
expect_exit 0 "newspack protect --parity 50 of 1.1/protected.npk" -- \
	"$NP" protect --parity 50 "$S/reprotect.npk" &&
	expect_same "$S/reprotect.npk" "$V/1.1/protected.npk" "gives the tail npkcheck.py protect wrote, byte for byte"

# Shared bytes and contents out of path order (format.md 15.7) read back as
# the documents they are, with newspack and with npkcheck.py.
A="$V/1.1/shared-bytes.npk"
expect_exit 0 "1.1/shared-bytes: cat c/copy.txt" -- "$NP" cat -p "$V/test.pub" "$A" c/copy.txt &&
	expect_same "$OUT" "$V/input/a.txt" "1.1/shared-bytes: c/copy.txt is a.txt, whose bytes it shares"
head -c 60 "$V/input/a.txt" | tail -c 50 > "$S/part.txt"
expect_exit 0 "1.1/shared-bytes: cat c/part.txt" -- "$NP" cat -p "$V/test.pub" "$A" c/part.txt &&
	expect_same "$OUT" "$S/part.txt" "1.1/shared-bytes: c/part.txt is bytes 10 to 59 of a.txt"
mkdir -p "$S/ooo" "$S/ooo-py"
expect_exit 0 "1.1/out-of-order: extract" -- \
	"$NP" extract -q -p "$V/test.pub" -C "$S/ooo" "$V/1.1/out-of-order.npk"
for f in a.txt b/note.md b/empty.txt; do
	expect_same "$S/ooo/$f" "$V/input/$f" "1.1/out-of-order: $f extracted whole"
done
if command -v python3 >/dev/null 2>&1; then
	expect_exit 0 "1.1/out-of-order: npkcheck.py extract" -- \
		python3 "$V/npkcheck.py" extract -p "$V/test.pub" "$V/1.1/out-of-order.npk" "$S/ooo-py"
	expect_true "1.1/out-of-order: npkcheck.py extracts what newspack does" -- diff -r "$S/ooo" "$S/ooo-py"
fi

# regen.sh makes every vector again from its sources, byte for byte, so a
# change in what create or forge.py writes shows up here.
if command -v python3 >/dev/null 2>&1; then
	expect_exit 0 "regen.sh makes every vector again into a temporary folder" -- \
		sh "$V/regen.sh" "$S/regen"
	for f in 1.1/vectors.tsv $(cd "$V" && ls 1.1/*.npk) vector.npk vector-1.1.npk \
		vector-1.1-copies.npk vector-1.1-tree.npk vector-1.1-dedup.npk 1.1/proof.txt 1.0/vector.npk \
		editions/base.npk editions/base.e0001.npk editions/base.e0002.npk editions/rotation.txt; do
		case $f in
		1.1/proof.txt) "$NP" --version | grep -q 'zlib streams by libdeflate' || continue ;;
		1.1/*) ;;
		*) "$NP" --version | grep -q 'zlib streams by libdeflate' || continue ;;
		esac
		expect_same "$S/regen/$f" "$V/$f" "regen.sh makes $f byte for byte"
	done
fi

mkdir -p "$S/out"
expect_exit 0 "the vector extracts" -- \
	"$NP" extract -q -p "$V/test.pub" -C "$S/out" "$V/vector.npk"
expect_true "its documents are the inputs, byte for byte" -- diff -r "$V/input" "$S/out"

expect_exit 0 "list --json of the vector" -- "$NP" list --json -p "$V/test.pub" "$V/vector.npk"
expect_contains "$OUT" '"title":"Harbour council approves new sea wall"' "title from the first line"
expect_contains "$OUT" '"author":["Mira Holm"]' "author from the byline"
expect_contains "$OUT" '"date":"2025-03-03"' "date from the byline"
expect_contains "$OUT" '"section":"Coast Bureau"' "bureau from the byline"
expect_contains "$OUT" '"author":["Ana Lima","Ben Ode"]' "authors from front matter, in order"

# The example program, built against the library by make check.
if [ -x "$top/examples/verify_list" ]; then
	expect_exit 0 "examples/verify_list verifies and lists the vector" -- \
		"$top/examples/verify_list" "$V/vector.npk" "$V/test.pub" &&
		expect_contains "$OUT" "signed by a key claiming id 57C796F641C5EBD9, fingerprint 4b65 c626 38c1 19f4 0c06 881f 8010 0f22 (trusted)" "it names the trusted signer by its claimed id and its fingerprint" &&
		expect_contains "$OUT" "a.txt  Harbour council approves new sea wall" "it lists titles"
else
	note "examples/verify_list is not built (make examples)"
fi
finish
