#!/bin/sh
# test_hostile.sh - the attack suite. tests/hostile/forge.py, a second
# writer made from the spec alone, makes archives that break one rule each
# (paths, sizes, offsets, counts, compression, trust, layout), validly
# signed unless the signature is what a case attacks. For each case:
#   - verify exits with the code of spec/format.md 11.1 and its message
#     says why (the case's own text, from tests/hostile/forge.py);
#   - spec/vectors/npkcheck.py, the second reader, exits with the same code;
#   - cat (of the first and last documents) and extract exit non-zero too
#     (or 0 for the one case that must be accepted), and list never crashes;
#   - extract leaves nothing beside its -C folder and nothing in it but
#     whole documents of the archive at their own paths: no partial file,
#     no temporary file, nothing from a forged part.
# Then: a symlink already in the output folder that points outside, and
# the decompression bomb under a 256 MiB address-space limit.
. "$(dirname "$0")/lib.sh"
suite_begin hostile

if ! command -v python3 >/dev/null 2>&1; then
	fail "python3 is installed (tests/hostile/forge.py needs it)"
	finish
fi
C="$S/cases"
FORGE="$top/tests/hostile/forge.py"
PUB="$KEYS/test.pub"
t0=$(date +%s)
expect_exit 0 "forge.py writes the hostile archives" -- python3 "$FORGE" "$C" || finish
info "forge.py: $(cat "$OUT") in $(($(date +%s) - t0)) s"
# --help is usage, never an output folder named --help (one was once committed)
mkdir -p "$S/help"
expect_exit 0 "forge.py --help exits 0" -- sh -c 'cd "$1" && exec python3 "$2" --help' sh "$S/help" "$FORGE" &&
	expect_contains "$OUT" "usage: forge.py OUTDIR" "forge.py --help prints its usage"
expect_eq "$(ls -A "$S/help")" "" "forge.py --help writes nothing"
expect_exit 2 "forge.py refuses another option (exit 2)" -- sh -c 'cd "$1" && exec python3 "$2" -o x' sh "$S/help" "$FORGE"
expect_eq "$(ls -A "$S/help")" "" "and writes nothing"

# every path a case names, listed from the archive's own documents
cat_all() { # ARCHIVE: cats each document forge.py put in the case
	python3 -c 'import json,sys
for p, _ in json.load(open(sys.argv[1])): print(bytes.fromhex(p).decode("utf-8","surrogateescape"))' "$1"
}

n=0
while IFS='	' read -r name code text what; do
	n=$((n + 1))
	A="$C/$name.npk"
	case $code in
	0) verb="accepts" ;;
	3) verb="reports as untrusted" ;;
	*) verb="refuses" ;;
	esac
	if expect_exit "$code" "$name: verify $verb $what (exit $code)" -- "$NP" verify -p "$PUB" "$A"; then
		if [ -n "$text" ]; then
			cat "$OUT" "$ERR" > "$S/both"
			expect_contains "$S/both" "$text" "$name: and says why (\"$text\")"
		fi
	fi
	# the second reader, written from the spec alone, gives the same outcome
	# (spec/format.md 11.1): the same exit code
	run python3 "$top/spec/vectors/npkcheck.py" verify "$A" -p "$PUB"
	if [ "$RC" != "$code" ]; then
		fail "$name: npkcheck.py agrees (verify exit $code, npkcheck.py exit $RC)"
		show_last
	fi
	# list: the index is read whole, so damage there is found; damage in a
	# cluster alone is not list's to find (cat and extract find it)
	run "$NP" list -p "$PUB" "$A"
	if [ "$code" = 0 ] && [ "$RC" != 0 ]; then
		fail "$name: list exits 0" "got $RC"
		show_last
	elif [ "$RC" -ge 128 ]; then
		fail "$name: list does not crash" "died with signal $((RC - 128))"
		show_last
	fi
	# cat of the first and last documents the case holds: never a crash;
	# an accepted archive gives each
	cat_all "$C/$name.docs.json" > "$S/all-paths" 2>/dev/null
	{ head -n 3 "$S/all-paths"; tail -n 2 "$S/all-paths"; } | sort -u > "$S/paths"
	while IFS= read -r p; do
		[ -n "$p" ] || continue
		run "$NP" cat -p "$PUB" --allow-untrusted "$A" "$p"
		if [ "$RC" -ge 128 ]; then
			fail "$name: cat $p does not crash" "died with signal $((RC - 128))"
		elif [ "$code" = 0 ] && [ "$RC" != 0 ]; then
			fail "$name: cat $p exits 0" "got $RC"
			show_last
		fi
	done < "$S/paths"
	# extract into out/ inside a folder of its own, which must stay empty
	J="$S/jail/$name"
	mkdir -p "$J/out"
	run "$NP" extract -q -p "$PUB" -C "$J/out" "$A"
	if [ "$code" = 0 ]; then
		[ "$RC" = 0 ] && pass "$name: extract exits 0" || { fail "$name: extract exits 0" "got $RC"; show_last; }
	elif [ "$name" = v11-section-digest ] || [ "$name" = v11-section-gap ] ||
		[ "$name" = v11-leaf-duplicate ] || [ "$name" = v11-copies-page-table ] ||
		[ "${name#v11-tree-}" != "$name" ]; then
		# damage only verify looks for (spec/format.md 15.4, 15.7, the Merkle tree's
		# section of 15.13), or an original whose survival copy serves (15.9): the
		# documents are intact
		[ "$RC" = 0 ] && pass "$name: extract writes the intact documents" ||
			{ fail "$name: extract exits 0" "got $RC"; show_last; }
	elif [ "$RC" = 0 ] || [ "$RC" -ge 128 ]; then
		fail "$name: extract refuses it" "got exit code $RC"
		show_last
	else
		pass "$name: extract refuses it (exit $RC)"
	fi
	expect_eq "$(ls -A "$J")" "out" "$name: extract wrote nothing outside its -C folder"
	expect_exit 0 "$name: what extract wrote is whole documents of the archive, at their paths" -- \
		python3 "$FORGE" tree "$C" "$name" "$J/out"
done < "$C/cases.tsv"
expect_true "forge.py made at least 50 cases (made $n)" -- test "$n" -ge 50
expect_true "no case wrote /etc/evil.txt" -- test ! -e /etc/evil.txt
expect_true "no case wrote evil.txt beside the jails" -- test ! -e "$S/jail/evil.txt" -a ! -e "$S/evil.txt"

# A metadata list that breaks 5.5: `list` of paths alone does not read
# metadata, so it lists both documents; list -l and --json, which show it,
# refuse and name the document; verify (above) reports it.
for name in meta-bad-utf8 meta-bad-key meta-unsorted; do
	A="$C/$name.npk"
	expect_exit 0 "$name: list of paths alone exits 0" -- "$NP" list -p "$PUB" "$A" &&
		expect_eq "$(cat "$OUT")" "a.txt
b.txt" "$name: and shows both paths"
	for form in -l --json; do
		expect_exit 1 "$name: list $form refuses it (exit 1)" -- "$NP" list $form -p "$PUB" "$A" &&
			expect_contains "$ERR" "$name.npk: a.txt: metadata:" "$name: list $form names the archive and the document"
	done
	expect_exit 1 "$name: cat a.txt refuses it (exit 1)" -- "$NP" cat -p "$PUB" "$A" a.txt &&
		expect_eq "$(wc -c < "$OUT")" "0" "$name: cat wrote nothing"
done

# A codec this reader does not know is not damage: verify says the cluster
# and its documents need a newer reader (exit 2) and prints no DAMAGED line;
# with real damage too, the damage decides (exit 1, above).
A="$C/codec-unknown.npk"
expect_exit 2 "codec-unknown: verify exits 2" -- "$NP" verify -p "$PUB" "$A" &&
	expect_not_contains "$OUT" "DAMAGED" "codec-unknown: and prints no DAMAGED line" &&
	expect_contains "$OUT" "UNSUPPORTED  cluster 0" "codec-unknown: it names the cluster it cannot decode" &&
	expect_contains "$OUT" "UNSUPPORTED  news/000.txt" "codec-unknown: and the documents stored in it"
expect_exit 1 "codec-unknown-and-damage: verify exits 1" -- "$NP" verify -p "$PUB" "$C/codec-unknown-and-damage.npk" &&
	expect_contains "$OUT" "UNSUPPORTED  cluster 0" "codec-unknown-and-damage: cluster 0 is unsupported" &&
	expect_contains "$OUT" "DAMAGED  cluster 1" "codec-unknown-and-damage: cluster 1 is damaged"
run "$NP" verify --json -p "$PUB" "$C/codec-unknown-and-damage.npk"
expect_eq "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["documents_damaged"], d["documents_unsupported"])' "$OUT" 2>&1)" \
	"4 5" "codec-unknown-and-damage: --json counts 4 documents damaged (news/005.txt lies in both clusters) and 5 unsupported"

# The unsigned tail (spec/format.md 15.5) is never the verdict: a damaged
# tail is reported on TAIL lines of its own (and in --json's "tail"), and
# the exit code is the signed part's; an intact tail gives no TAIL line.
tail_json() { # FILE: intact, the tail's problems, the other problems, exit code
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); t=d["tail"]
print(t["present"], t["intact"], len(t["problems"]), len(d["problems"]), d["exit_code"])' "$1" 2>&1
}
for name in v11-tail-digest v11-tail-directory-outside v11-tail-flag-missing v11-tail-gap; do
	A="$C/$name.npk"
	expect_exit 0 "$name: verify exits 0 (the signed part is intact)" -- "$NP" verify -p "$PUB" "$A" &&
		expect_contains "$OUT" "TAIL  " "$name: the damaged tail is on a TAIL line" &&
		expect_not_contains "$OUT" "DAMAGED" "$name: and on no DAMAGED line" &&
		expect_contains "$OUT" "an unsigned tail, damaged (1 TAIL line" "$name: the summary says the tail is damaged"
	run python3 "$top/spec/vectors/npkcheck.py" verify "$A" -p "$PUB"
	expect_contains "$OUT" "TAIL  " "$name: npkcheck.py reports the tail on a TAIL line too"
	run "$NP" verify --json -p "$PUB" "$A"
	expect_eq "$(tail_json "$OUT")" "True False 1 0 0" "$name: --json has the tail not intact, its one problem in tail.problems, none in problems, exit code 0"
done
A="$C/v11-tail.npk"
expect_exit 0 "v11-tail: verify exits 0" -- "$NP" verify -p "$PUB" "$A" &&
	expect_not_contains "$OUT" "TAIL" "v11-tail: an intact tail gives no TAIL line" &&
	expect_contains "$OUT" "an unsigned tail of 1 section, intact" "v11-tail: the summary says the tail is intact"
run "$NP" verify --json -p "$PUB" "$A"
expect_eq "$(tail_json "$OUT")" "True True 0 0 0" "v11-tail: --json has the tail present and intact"
# A tail after a 1.0 archive (parity protecting a 1.0 archive) is read as
# after 1.1; the 1.0 reader, which knows no tail, calls the file damaged and
# reads it again once the file is cut at the tail trailer's signed_size.
A="$C/v11-tail-on-10.npk"
expect_exit 0 "v11-tail-on-10: verify reads a 1.0 archive followed by a tail" -- "$NP" verify -p "$PUB" "$A"
expect_exit 0 "v11-tail-on-10: info reads it" -- "$NP" info -p "$PUB" "$A" &&
	expect_contains "$OUT" "npk 1.0" "v11-tail-on-10: and says it is format 1.0"
expect_exit 1 "v11-tail-on-10: the 1.0 reader of spec/vectors/1.0/ calls it damaged" -- \
	python3 "$top/spec/vectors/1.0/npkcheck.py" verify -p "$PUB" "$A"
n=$(python3 -c 'import struct,sys; print(struct.unpack("<Q", open(sys.argv[1], "rb").read()[-32:-24])[0])' "$A")
head -c "$n" "$A" > "$S/tail-cut.npk"
expect_exit 0 "v11-tail-on-10: cut at signed_size, the 1.0 reader verifies it" -- \
	python3 "$top/spec/vectors/1.0/npkcheck.py" verify -p "$PUB" "$S/tail-cut.npk"
run "$NP" verify --json -p "$PUB" "$C/v11-leaf-duplicate.npk"
expect_contains "$OUT" "leaf 2 is also the leaf of" "v11-leaf-duplicate: --json names the duplicate leaf" &&
	expect_eq "$(tail_json "$OUT")" "False None 0 1 1" "v11-leaf-duplicate: one problem, exit code 1, no tail"
# npkcheck.py dump annotates the 1.1 structures: the section directory and
# its sections, the version 1.1 entry fields, the tail and its trailer
run python3 "$top/spec/vectors/npkcheck.py" dump "$C/v11-sections-two.npk"
expect_contains "$OUT" "Section directory (section 15.3, manifest extension type 1)" "dump: the section directory" &&
	expect_contains "$OUT" "Section 1, type 6 (content digest index)" "dump: each section, by type" &&
	expect_contains "$OUT" "0 (document)" "dump: an entry's kind by name" &&
	expect_contains "$OUT" "0 (inline: cluster and offset)" "dump: an entry's ref_kind by name"
run python3 "$top/spec/vectors/npkcheck.py" dump "$C/v11-tail-digest.npk"
expect_contains "$OUT" "Tail trailer (section 15.5)" "dump: the tail trailer" &&
	expect_contains "$OUT" "Tail directory (section 15.5; record format of 15.3)" "dump: the tail directory" &&
	expect_contains "$OUT" "MISMATCH (the directory says 1111" "dump: the tail section's digest mismatch" &&
	expect_contains "$OUT" "TAIL  tail section 0" "dump: the verdict's TAIL line"

# cat may stop decoding a cluster once its document is out (spec/format.md
# 4.3): in zlib-truncated, the stream of cluster 1 (the end of news/005.txt,
# news/006.txt, news/007.txt, the start of news/008.txt) ends short:
# news/006.txt lies whole before the cut, news/008.txt needs all of it.
A="$C/zlib-truncated.npk"
python3 -c 'import sys; sys.stdout.write("Article 6\nBy A. Writer\n\n" + "Words of the story. " * 62)' > "$S/006.txt"
expect_exit 0 "zlib-truncated: cat of news/006.txt, before the cut, exits 0" -- "$NP" cat -p "$PUB" "$A" news/006.txt &&
	expect_same "$OUT" "$S/006.txt" "zlib-truncated: and gives the document whole"
expect_exit 1 "zlib-truncated: cat of news/008.txt, across the cut, exits 1" -- "$NP" cat -p "$PUB" "$A" news/008.txt &&
	expect_eq "$(wc -c < "$OUT")" "0" "zlib-truncated: and writes nothing"

# The two forms of a Unicode name are two files (spec/format.md 5.1).
U="$S/jail/unicode-normalisation/out"
expect_eq "$(ls "$U" | wc -l)" "2" "NFC and NFD names are extracted as two files"

# A symlink already in the output folder that points outside it.
mkdir -p "$S/sym/in/news" "$S/sym/out" "$S/sym/outside"
echo "story" > "$S/sym/in/news/a.txt"
expect_exit 0 "an archive with news/a.txt" -- \
	"$NP" create -q -s "$KEYS/test.key" "$S/sym/a.npk" "$S/sym/in"
ln -s "$S/sym/outside" "$S/sym/out/news"
expect_exit 2 "extract through a symlink in the output folder is refused (exit 2)" -- \
	"$NP" extract -p "$PUB" -C "$S/sym/out" "$S/sym/a.npk" &&
	expect_contains "$ERR" "symbolic link" "and the message names the symbolic link"
expect_eq "$(ls -A "$S/sym/outside")" "" "nothing was written where the symlink points"
expect_exit 2 "extract --force through it is refused too" -- \
	"$NP" extract --force -p "$PUB" -C "$S/sym/out" "$S/sym/a.npk"
expect_eq "$(ls -A "$S/sym/outside")" "" "and still nothing was written there"

# The bomb: 4 GiB from a cluster declared as 8 MiB, read with at most
# 256 MiB of address space on one thread: refused by its declared size,
# never inflated further.
B="$C/bomb.npk"
mkdir -p "$S/bomb-out"
# (AddressSanitizer and valgrind need far more address space: no limit under them.)
limit=262144
if [ "${NPK_INSTRUMENTED:-}" = 1 ]; then
	limit=unlimited
	note "instrumented run (sanitizers or valgrind): the bomb runs without the address-space limit"
fi
bomb() { # DESC CMD ARGS...
	_d=$1
	shift
	expect_exit 1 "the bomb: $_d under ulimit -v $limit (KiB) exits 1" -- \
		sh -c 'ulimit -v "$0" && exec "$@"' "$limit" "$@" &&
		cat "$OUT" "$ERR" > "$S/both" &&
		expect_contains "$S/both" "inflates to more than its declared 8388608 bytes" \
			"the bomb: $_d says the cluster inflates to more than declared"
}
bomb "verify -j 1" "$NP" verify -j 1 -p "$PUB" "$B"
bomb "cat" "$NP" cat -p "$PUB" "$B" zeros.bin
bomb "extract -j 1" "$NP" extract -j 1 -p "$PUB" -C "$S/bomb-out" "$B"
expect_eq "$(ls -A "$S/bomb-out")" "" "the bomb: extract wrote nothing"

# Editions (spec/format.md 15.15): tests/hostile/editions.py forges chains,
# each case changing one thing of a good chain and signing again, so that
# it reaches the check it targets. npkcheck.py and newspack verify (given
# the newest file, the others beside it) give each case its exit code.
E="$S/editions"
VPUB="$top/spec/vectors/test.pub"    # editions.py signs with spec/vectors/test.key
expect_exit 0 "editions.py writes the forged chains" -- \
	python3 "$top/tests/hostile/editions.py" "$E" || finish
# newspack knows editions when it has append (format.md 15.15)
np_editions=0
"$NP" append --help > /dev/null 2>&1 && np_editions=1
[ "$np_editions" = 1 ] || note "this newspack has no append: editions checked by npkcheck.py only"
n=0
while IFS='	' read -r name newest code what; do
	n=$((n + 1))
	A="$E/$name/$newest"
	expect_exit "$code" "edition case $name: npkcheck.py verify exits $code ($what)" -- \
		python3 "$top/spec/vectors/npkcheck.py" verify -p "$VPUB" "$A"
	[ "$np_editions" = 1 ] || continue
	expect_exit "$code" "edition case $name: newspack verify exits $code too" -- \
		"$NP" verify -p "$VPUB" "$A"
done < "$E/cases.tsv"
expect_true "editions.py made 21 cases or more ($n)" -- test "$n" -ge 21
# and each names the problem it targets
ed_says() { # CASE TEXT: newspack verify of CASE's newest file says TEXT
	_f=$(awk -F '\t' -v n="$1" '$1 == n { print $2 }' "$E/cases.tsv")
	[ "$np_editions" = 1 ] || return 0
	"$NP" verify -p "$VPUB" "$E/$1/$_f" > "$S/ed-says" 2>&1
	expect_contains "$S/ed-says" "$2" "edition case $1: verify says \"$2\""
}
ed_says filter-missing "the path filter does not hold d.txt"
ed_says folders-missing "the folder filter does not hold e"
ed_says folders-count "the folder filter counts 3 folders, the entries have 2"
ed_says folders-two "2 folder filter sections (one at most)"
ed_says withdraw-absent "withdraws z.txt, which the state before edition 1 does not hold"
ed_says state-folder "is a document and also the folder of \"a.txt/inner.txt\""
ed_says signer-no-statement "did not authorise"
ed_says root "the Merkle root in the manifest does not match the tree of the chain"
ed_says ref-past-stream "runs past the end of the data"
finish
