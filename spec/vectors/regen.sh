#!/bin/sh
# regen.sh - makes every test vector again from its sources, and refreshes
# what README.md shows of the 1.0 vector.
#
# Run it with ../../newspack built (make in the project root) and python3,
# after a change to the format, to what newspack writes, to forge.py or to
# npkcheck.py's dump:
#   sh spec/vectors/regen.sh          makes the vectors in place
#   sh spec/vectors/regen.sh OUTDIR   makes them in OUTDIR only (the same
#                                     names under it), and touches nothing
#                                     here: tests/cli/test_vectors.sh compares
#                                     them with the committed ones
# It
#   1. makes vector.npk (create --format-version 1.0; also kept as
#      1.0/vector.npk), vector-1.1.npk (create --no-copies --no-tree, version
#      1.1 by default), vector-1.1-copies.npk (create --no-tree: 1.1 with
#      survival copies) and vector-1.1-tree.npk (create --no-copies: 1.1 with
#      the Merkle tree of format.md 15.13) from input/ with test.key, the
#      fixed timestamp and the archive metadata, by the commands README.md
#      shows, vector-1.1-dedup.npk (the same as vector-1.1-tree.npk, with
#      input-dedup/c/copy.txt, a copy of input/a.txt, whose content is
#      stored once: format.md 15.7 "Deduplication"), vector-1.1-search.npk
#      (the same as vector-1.1-tree.npk with the full-text index of
#      spec/search.md 9, checked by ../searchcheck.py), and 1.1/proof.txt
#      (newspack prove of b/note.md in vector-1.1-tree.npk, format.md 15.14),
#      and vector-1.1-dict.npk (create --no-copies --dictionary of the 96
#      documents dictinput.py writes: format.md 15.18);
#   1b. makes the chain of editions (format.md 15.15) editions/base.npk
#      (create --no-copies from input/), editions/base.e0001.npk (append of
#      editions/input-1/: adds, replaces, refers to content of the base) and
#      editions/base.e0002.npk (append of editions/input-2/ signed by
#      editions/other.key, with the rotation statement editions/rotation.txt
#      that newspack rotate makes with test.key, and a withdrawal with a
#      reason), each with its own fixed timestamp;
#   2. makes the forged 1.1 vectors 1.1/*.npk and 1.1/vectors.tsv (name,
#      exit code of verify, what it exercises) with
#      tests/hostile/vectors11.py, signed with test.key, then the parity
#      vectors (1.1/protected.npk, damaged.npk, interleaved.npk,
#      interleaved-damaged.npk) with tests/parity/parity_vectors.py, which
#      protects a forged archive with npkcheck.py protect and damages it;
#   3. checks them with npkcheck.py verify -p test.pub (vector.npk and
#      vector-1.1*.npk must exit 0, each 1.1/ vector with its code), the
#      proof with ../proofcheck.py and newspack check-proof (exit 0), that
#      npkcheck.py repair of each damaged parity vector gives its protected
#      one byte for byte, and the whole-file digests with sha256sum and
#      b2sum where they are installed;
#   4. in place only: replaces, in README.md, the lines between each pair of
#      marker comments <!-- NAME begin --> and <!-- NAME end --> with
#      npkcheck.py's output:
#        file-digests   npkcheck.py digests --whole-file vector.npk
#        digests        npkcheck.py digests vector.npk
#        dump           npkcheck.py dump vector.npk (in a ```text fence)
#      Everything outside the markers stays as it is.
# In place, it says which files changed. Nothing is written unless every
# step passed. Exit 0 on success, 1 on any failure.

set -u
cd "$(dirname "$0")" || exit 1
here=$(pwd)
NP=../../newspack
FORGE11=../../tests/hostile/vectors11.py
PARITY=../../tests/parity/parity_vectors.py
OUTDIR=${1:-}

die() {
	echo "regen.sh: $*" >&2
	exit 1
}

[ $# -le 1 ] || die "usage: regen.sh [OUTDIR]"
[ -x "$NP" ] || die "$NP is not built: run make in the project root first"
command -v python3 > /dev/null 2>&1 || die "python3 is needed (npkcheck.py, vectors11.py)"
for f in test.key test.pub npkcheck.py 1.1/npkcheck.py ../proofcheck.py dictinput.py README.md input input-dedup editions/input-1 \
	editions/input-2 editions/other.key editions/other.pub "$FORGE11" "$PARITY"; do
	[ -e "$f" ] || die "$f is missing: run this in spec/vectors/"
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/npk-regen.XXXXXX") || die "cannot make a temporary folder"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM
new="$tmp/new"
mkdir -p "$new/1.0" "$new/1.1" "$new/editions" || die "cannot make a temporary folder"

# 1. The two vectors newspack makes, in the temporary folder first.
[ -n "$OUTDIR" ] || echo "regen.sh: $("$NP" --version 2>&1 | head -n 1)"
case $("$NP" --version 2>&1) in
*"zlib streams by libdeflate"*) ;;
*)
	echo "regen.sh: warning: the committed vectors are made by newspack built with libdeflate 1.14;" \
		"this build makes zlib streams with zlib, in other bytes (format.md section 4.3)" >&2
	;;
esac
# vector-1.1.npk without survival copies (as before they were the default),
# vector-1.1-copies.npk: the same signed part, then the tail holding its
# survival copies (format.md 15.9); both without the Merkle tree (as before
# it was the default), and vector-1.1-tree.npk with it (format.md 15.13)
make_vector() { # make_vector OUT CREATE-OPTION...  (inputs: input/, and $MORE)
	out=$1
	shift
	# shellcheck disable=SC2086
	"$NP" create -q -s test.key --timestamp 2025-01-24T00:00:00Z "$@" \
		--meta title="newspack test vector" --meta license=CC0-1.0 "$new/$out" input ${MORE:-} ||
		die "newspack create $* failed"
}
make_vector vector.npk --format-version 1.0
make_vector vector-1.1.npk --format-version 1.1 --no-copies --no-tree
make_vector vector-1.1-copies.npk --format-version 1.1 --no-tree
make_vector vector-1.1-tree.npk --format-version 1.1 --no-copies
# vector-1.1-dedup.npk: the same with input-dedup/c/copy.txt, a copy of
# a.txt: its entry names a.txt's extent (format.md 15.7)
MORE=input-dedup make_vector vector-1.1-dedup.npk --format-version 1.1 --no-copies
# vector-1.1-search.npk: the same as vector-1.1-tree.npk with the full-text
# index, sections 7 and 11 (spec/search.md 9)
make_vector vector-1.1-search.npk --format-version 1.1 --no-copies --search-index
# vector-1.1-dict.npk: 96 documents that dictinput.py generates, compressed
# with a dictionary trained on them (format.md 15.18)
python3 dictinput.py "$tmp/input-dict" || die "dictinput.py failed"
"$NP" create -q -s test.key --timestamp 2025-01-24T00:00:00Z --no-copies --dictionary \
	--meta title="newspack test vector" --meta license=CC0-1.0 "$new/vector-1.1-dict.npk" \
	"$tmp/input-dict" || die "newspack create --dictionary failed"
# vector-1.1-sealed.npk (format.md 15.17) and its sealed edition
# vector-1.1-sealed.e0001.npk (15.17.8, editions/input-1 appended): by the
# testing build's vector maker, whose randomness a seed fixes (make
# build/seal-vector)
"$(dirname "$NP")/build/seal-vector" . "$new/vector-1.1-sealed.npk" \
	"$new/vector-1.1-sealed.e0001.npk" ||
	die "build/seal-vector failed (make build/seal-vector first)"
cp "$new/vector.npk" "$new/1.0/vector.npk" || die "cannot copy the new vector"
"$NP" prove -p test.pub -o "$new/1.1/proof.txt" "$new/vector-1.1-tree.npk" b/note.md > /dev/null ||
	die "newspack prove of b/note.md in vector-1.1-tree.npk failed"

# 1b. The chain of editions (format.md 15.15): a base and two editions.
E="$new/editions"
"$NP" create -q -s test.key --timestamp 2025-01-24T00:00:00Z --no-copies \
	--meta title="newspack test vector" --meta license=CC0-1.0 "$E/base.npk" input ||
	die "newspack create of editions/base.npk failed"
"$NP" append -q -s test.key --timestamp 2025-01-25T00:00:00Z --no-copies "$E/base.npk" "$E" \
	editions/input-1 || die "newspack append of editions/input-1 failed"
"$NP" rotate -s test.key -p editions/other.pub -o "$E/rotation.txt" "$E/base.e0001.npk" \
	> /dev/null 2>&1 || die "newspack rotate to editions/other.pub failed"
"$NP" append -q -s editions/other.key --rotation "$E/rotation.txt" \
	--timestamp 2025-01-26T00:00:00Z --no-copies --withdraw b/empty.txt \
	--reason "published in error" "$E/base.e0001.npk" "$E" editions/input-2 ||
	die "newspack append of editions/input-2 failed"

# 2. The forged 1.1 vectors.
python3 "$FORGE11" "$new/1.1" || die "vectors11.py failed"
python3 "$PARITY" "$new/1.1" || die "parity_vectors.py failed"

# 3. Checks, and npkcheck.py's output, from the new vectors under their own names.
CHECK="$here/npkcheck.py"
for v in vector.npk vector-1.1.npk vector-1.1-copies.npk vector-1.1-tree.npk vector-1.1-dedup.npk \
	vector-1.1-search.npk vector-1.1-dict.npk; do
	(cd "$new" && python3 "$CHECK" verify "$v" -p "$here/test.pub") > "$tmp/verify.txt" 2>&1 || {
		cat "$tmp/verify.txt" >&2
		die "npkcheck.py verify of the new $v with test.pub did not exit 0"
	}
done
python3 ../searchcheck.py --check -p test.pub "$new/vector-1.1-search.npk" > "$tmp/verify.txt" 2>&1 || {
	cat "$tmp/verify.txt" >&2
	die "searchcheck.py --check of the new vector-1.1-search.npk did not exit 0"
}
python3 ../proofcheck.py "$new/1.1/proof.txt" input/b/note.md > "$tmp/verify.txt" 2>&1 &&
	"$NP" check-proof -p test.pub "$new/1.1/proof.txt" input/b/note.md >> "$tmp/verify.txt" 2>&1 || {
	cat "$tmp/verify.txt" >&2
	die "proofcheck.py or newspack check-proof does not accept the new 1.1/proof.txt"
}
# the chain: both readers verify it (the newest edition: every file), and
# the reader before editions says the newest needs a newer reader
"$NP" verify -q -p test.pub "$E/base.e0002.npk" > "$tmp/verify.txt" 2>&1 &&
	python3 "$CHECK" verify "$E/base.e0002.npk" -p test.pub >> "$tmp/verify.txt" 2>&1 || {
	cat "$tmp/verify.txt" >&2
	die "newspack or npkcheck.py verify of the new editions/base.e0002.npk did not exit 0"
}
python3 1.1/npkcheck.py verify -p test.pub "$E/base.e0002.npk" > "$tmp/verify.txt" 2>&1
[ $? = 2 ] || die "1.1/npkcheck.py (before editions) did not refuse editions/base.e0002.npk with exit 2"
while IFS='	' read -r name code what; do
	(cd "$new/1.1" && python3 "$CHECK" verify "$name.npk" -p "$here/test.pub") > "$tmp/verify.txt" 2>&1
	rc=$?
	[ "$rc" = "$code" ] || {
		cat "$tmp/verify.txt" >&2
		die "npkcheck.py verify of 1.1/$name.npk exited $rc, not $code"
	}
done < "$new/1.1/vectors.tsv"
for v in protected:damaged interleaved:interleaved-damaged; do
	python3 "$CHECK" repair "$new/1.1/${v#*:}.npk" "$tmp/repaired.npk" > "$tmp/verify.txt" 2>&1 &&
		cmp -s "$tmp/repaired.npk" "$new/1.1/${v%%:*}.npk" || {
		cat "$tmp/verify.txt" >&2
		die "npkcheck.py repair of 1.1/${v#*:}.npk does not give 1.1/${v%%:*}.npk"
	}
done
(cd "$new" && python3 "$CHECK" digests --whole-file vector.npk) > "$tmp/file-digests" ||
	die "npkcheck.py digests --whole-file failed"
(cd "$new" && python3 "$CHECK" digests vector.npk) > "$tmp/digests" ||
	die "npkcheck.py digests failed"
(cd "$new" && python3 "$CHECK" dump vector.npk) > "$tmp/dump" ||
	die "npkcheck.py dump of the new vector did not exit 0"
if command -v sha256sum > /dev/null 2>&1; then
	d=$(sha256sum < "$new/vector.npk" | cut -d ' ' -f 1)
	grep -F -e "| SHA-256 | \`$d\` |" "$tmp/file-digests" > /dev/null ||
		die "npkcheck.py and sha256sum disagree about the vector's SHA-256 ($d)"
fi
if command -v b2sum > /dev/null 2>&1; then
	d=$(b2sum -l 256 < "$new/vector.npk" | cut -d ' ' -f 1)
	grep -F -e "| BLAKE2b-256 | \`$d\` |" "$tmp/file-digests" > /dev/null ||
		die "npkcheck.py and b2sum disagree about the vector's BLAKE2b-256 ($d)"
fi

# Into OUTDIR: every vector, nothing else.
if [ -n "$OUTDIR" ]; then
	mkdir -p "$OUTDIR" && cp -R "$new/." "$OUTDIR/" || die "cannot write to $OUTDIR"
	exit 0
fi

# 4. README.md, block by block.
# fill NAME FILE FENCE IN OUT: IN with the lines between NAME's markers replaced
# by FILE (inside a ```FENCE fence when FENCE is not empty), written to OUT.
fill() {
	awk -v name="$1" -v file="$2" -v fence="$3" '
		$0 == "<!-- " name " begin -->" {
			print
			if (fence != "") print "```" fence
			while ((getline line < file) > 0) print line
			close(file)
			if (fence != "") print "```"
			found++
			skip = 1
			next
		}
		$0 == "<!-- " name " end -->" {
			if (!skip) bad = 1
			skip = 0
		}
		!skip
		END { if (found != 1 || skip || bad) exit 1 }' "$4" > "$5" ||
		die "README.md needs exactly one pair of lines <!-- $1 begin --> and <!-- $1 end -->"
}
fill file-digests "$tmp/file-digests" "" README.md "$tmp/readme.1"
fill digests "$tmp/digests" "" "$tmp/readme.1" "$tmp/readme.2"
fill dump "$tmp/dump" text "$tmp/readme.2" "$tmp/readme.3"

# Everything passed: write.
mkdir -p 1.0 1.1 editions || die "cannot make 1.0/, 1.1/ and editions/"
for f in vector.npk vector-1.1.npk vector-1.1-copies.npk vector-1.1-tree.npk vector-1.1-dedup.npk \
	vector-1.1-search.npk vector-1.1-dict.npk vector-1.1-sealed.npk vector-1.1-sealed.e0001.npk 1.0/vector.npk 1.1/vectors.tsv 1.1/proof.txt 1.1/*.npk \
	editions/*.npk editions/rotation.txt; do
	[ -e "$f" ] && [ ! -e "$new/$f" ] || continue
	rm -f "$f" && echo "regen.sh: $f removed (no longer made)"
done
(cd "$new" && ls vector.npk vector-1.1.npk vector-1.1-copies.npk vector-1.1-tree.npk vector-1.1-dedup.npk \
	vector-1.1-search.npk vector-1.1-dict.npk vector-1.1-sealed.npk vector-1.1-sealed.e0001.npk 1.0/vector.npk 1.1/vectors.tsv 1.1/proof.txt 1.1/*.npk \
	editions/*.npk editions/rotation.txt) > "$tmp/made"
while IFS= read -r f; do
	if cmp -s "$new/$f" "$f"; then
		echo "regen.sh: $f unchanged"
	else
		cp "$new/$f" "$f" || die "cannot write $f"
		echo "regen.sh: $f made again ($(wc -c < "$f" | tr -d ' ') bytes)"
	fi
done < "$tmp/made"
if cmp -s "$tmp/readme.3" README.md; then
	echo "regen.sh: README.md unchanged"
else
	cat "$tmp/readme.3" > README.md || die "cannot write README.md"
	echo "regen.sh: README.md updated (file-digests, digests, dump)"
fi
