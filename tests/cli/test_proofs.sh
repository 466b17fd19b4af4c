#!/bin/sh
# Suite "proofs": per-article proofs (spec/format.md 15.14), newspack prove
# and newspack check-proof.
#   (1) prove: one path, several into one file, --json, the errors (a path
#       not in the archive, an archive without a tree, a damaged tree);
#   (2) check-proof: VALID with -p, UNTRUSTED (3) with no key trusted, a
#       trusted key, the document, -C DIR after extract, no link followed;
#   (3) what must fail, each with its own message: a flipped byte at every
#       offset of a proof, the wrong document, one byte longer, another
#       archive's manifest, an index past the tree, an extra and a missing
#       hash, an interior node as a leaf, a changed trusted comment,
#       another signer's key, CRLF, non-canonical base64, a leading zero;
#       not a proof and a newer version (2); the worst of several proofs;
#   (4) the corpus: every document of a few hundred proven and checked.
. "$(dirname "$0")/lib.sh"
suite_begin proofs

TS=2025-01-24T00:00:00Z
IN="$S/in"
mkdir -p "$IN/news/2025" "$IN/opinion"
printf 'Flood waters rise\n\nThe river rose two metres overnight.\n' > "$IN/news/2025/flood.txt"
printf 'Budget passed\n\nThe council passed the budget.\n' > "$IN/news/2025/budget.txt"
printf 'Match report\n\nA draw in the rain.\n' > "$IN/news/2025/match.txt"
printf '# Letters\n\nReaders write in.\n' > "$IN/opinion/letters.md"
printf 'Editorial\n\nOn keeping records.\n' > "$IN/opinion/editorial.txt"
printf 'Weather\n\nRain, then sun.\n' > "$IN/news/weather.txt"
A="$S/a.npk"
expect_exit 0 "create the small archive" -- \
	"$NP" create -s "$KEYS/test.key" --timestamp "$TS" "$A" "$IN" || { finish; }
P="$S/p"
mkdir -p "$P"

# proof_edit IN OUT PYTHON: OUT is IN's lines (a list l, LF ends removed)
# changed by PYTHON, joined again with LF.
proof_edit() {
	python3 - "$1" "$2" "$3" <<'PY'
import sys, base64, hashlib
src, dst, code = sys.argv[1:4]
l = open(src, "rb").read().decode("utf-8").split("\n")[:-1]
exec(code)
open(dst, "wb").write(("\n".join(l) + "\n").encode("utf-8"))
PY
}

# ---------------------------------------------------------------- (1)
echo "-- (1) prove"
expect_exit 0 "prove one path to standard output" -- \
	"$NP" prove -p "$KEYS/test.pub" "$A" news/2025/flood.txt &&
	expect_eq "$(head -n 1 "$OUT")" "npk-proof/v1" "the proof's first line is npk-proof/v1"
cp "$OUT" "$P/flood.proof"
expect_eq "$(sed -n 's/^index //p' "$P/flood.proof")" "1" "flood.txt is leaf 1 (path order)"
expect_eq "$(sed -n 's/^size //p' "$P/flood.proof")" "6" "the tree has 6 leaves"
expect_eq "$(sed -n 8p "$P/flood.proof" | cut -c 1-9)" "manifest " \
	"leaf 1 of 6 has 3 hashes (leaf 0, [2, 4), [4, 6)): the manifest is line 8"
expect_eq "$(sed -n 9p "$P/flood.proof")" "untrusted comment: newspack archive manifest" \
	"the untrusted comment line"
expect_exit 0 "prove -o writes the same proof to a file" -- \
	"$NP" prove -p "$KEYS/test.pub" "$A" news/2025/flood.txt -o "$P/flood2.proof" &&
	expect_same "$P/flood2.proof" "$P/flood.proof" "the same archive and path give the same proof"
expect_exit 2 "prove -o refuses an existing file" -- \
	"$NP" prove -p "$KEYS/test.pub" "$A" news/2025/flood.txt -o "$P/flood2.proof" &&
	expect_contains "$ERR" "exists; add --force" "and says --force replaces it"
expect_exit 0 "prove several paths into one file" -- \
	"$NP" prove -p "$KEYS/test.pub" "$A" news/2025/budget.txt opinion/letters.md news/weather.txt \
	-o "$P/three.proof" &&
	expect_eq "$(grep -c '^npk-proof/v1$' "$P/three.proof")" "3" "the file holds 3 proofs"
expect_exit 0 "prove --json -o prints a summary" -- \
	"$NP" prove --json -p "$KEYS/test.pub" "$A" news/weather.txt opinion/letters.md -o "$P/two.proof" &&
	expect_eq "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["proofs"]), d["proofs"][0]["path"], d["proofs"][0]["tree_size"], d["proofs"][1]["bytes"] > 500)' "$OUT")" \
	"2 news/weather.txt 6 True" "the summary names each path, the tree size, the bytes"
expect_exit 2 "prove --json without -o is a usage error" -- \
	"$NP" prove --json -p "$KEYS/test.pub" "$A" news/weather.txt &&
	expect_contains "$ERR" "give the proofs a file with -o FILE" "and says why"
expect_exit 2 "prove of a path the archive does not hold exits 2" -- \
	"$NP" prove -p "$KEYS/test.pub" "$A" news/2025/missing.txt -o "$P/none.proof" &&
	expect_contains "$ERR" "missing.txt" "the message names the path" &&
	expect_true "and nothing is written" -- test ! -e "$P/none.proof"
expect_exit 0 "create --no-tree" -- \
	"$NP" create --no-tree -s "$KEYS/test.key" --timestamp "$TS" "$S/notree.npk" "$IN"
expect_exit 2 "prove from an archive without a tree exits 2" -- \
	"$NP" prove -p "$KEYS/test.pub" "$S/notree.npk" news/weather.txt &&
	expect_contains "$ERR" "holds no Merkle tree (made by an earlier newspack or with --no-tree)" \
	"the message says why and what to do"
expect_exit 3 "prove from an archive whose signer is not trusted exits 3" -- \
	"$NP" prove "$A" news/weather.txt
# the sibling of leaf 1 is leaf 0: a flipped byte in its stored hash
cp "$A" "$S/badtree.npk"
python3 - "$S/badtree.npk" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
at = b.find(b"NPKTREE\n") + 24 + 32 * 0
b[at] ^= 0x01
open(sys.argv[1], "wb").write(b)
PY
expect_exit 1 "prove from a damaged stored tree exits 1" -- \
	"$NP" prove -p "$KEYS/test.pub" "$S/badtree.npk" news/2025/flood.txt &&
	expect_contains "$ERR" "run newspack verify" "and says to run verify"

# ---------------------------------------------------------------- (2)
echo "-- (2) check-proof"
expect_exit 0 "check-proof -p test.pub: VALID" -- "$NP" check-proof -p "$KEYS/test.pub" "$P/flood.proof" &&
	expect_contains "$OUT" "PROOF: VALID" "it says VALID" &&
	expect_contains "$OUT" "path:      news/2025/flood.txt" "it names the path" &&
	expect_contains "$OUT" "title:     Flood waters rise" "it gives the title" &&
	expect_contains "$OUT" "leaf:      1 of 6" "it gives the leaf" &&
	expect_contains "$OUT" "document:  not checked" "the document is not checked" &&
	expect_contains "$OUT" "created:   2025-01-24T00:00:00Z (the signer's own claim" \
	"the creation time is the signer's claim"
fp=$("$NP" info -p "$KEYS/test.pub" "$A" | sed -n 's/^Fingerprint: *//p')
expect_contains "$OUT" "fingerprint $fp" "it names the signer by the fingerprint info gives"
expect_exit 3 "check-proof with no key trusted: UNTRUSTED, exit 3" -- "$NP" check-proof "$P/flood.proof" &&
	expect_contains "$OUT" "PROOF: UNTRUSTED" "it says UNTRUSTED" &&
	expect_contains "$OUT" "not among the trusted keys (fingerprint $fp" "with the fingerprint"
mkdir -p "$XDG_CONFIG_HOME/newspack/trusted"
cp "$KEYS/test.pub" "$XDG_CONFIG_HOME/newspack/trusted/"
expect_exit 0 "check-proof with the signer among the trusted keys: VALID" -- \
	"$NP" check-proof "$P/flood.proof" &&
	expect_contains "$OUT" "a trusted key" "it says the key is trusted"
rm -f "$XDG_CONFIG_HOME/newspack/trusted/test.pub"
expect_exit 0 "check-proof with the document: VALID" -- \
	"$NP" check-proof -p "$KEYS/test.pub" "$P/flood.proof" "$IN/news/2025/flood.txt" &&
	expect_contains "$OUT" "document:  matches" "the document matches"
expect_exit 0 "check-proof of three proofs: each VALID" -- \
	"$NP" check-proof -p "$KEYS/test.pub" "$P/three.proof" &&
	expect_eq "$(grep -c '^PROOF: VALID$' "$OUT")" "3" "three VALID lines"
expect_exit 2 "a DOCUMENT with a file of several proofs is refused" -- \
	"$NP" check-proof -p "$KEYS/test.pub" "$P/three.proof" "$IN/news/weather.txt" &&
	expect_contains "$ERR" "holds several proofs" "and says to use -C"
X="$S/x"
expect_exit 0 "extract -C" -- "$NP" extract -p "$KEYS/test.pub" -C "$X" --force "$A"
expect_exit 0 "check-proof -C DIR after extract: every document matches" -- \
	"$NP" check-proof -p "$KEYS/test.pub" "$P/three.proof" -C "$X" &&
	expect_eq "$(grep -c '^  document:  matches' "$OUT")" "3" "three documents match"
expect_exit 0 "check-proof --json" -- \
	"$NP" check-proof --json -p "$KEYS/test.pub" "$P/flood.proof" -C "$X" &&
	expect_eq "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); p=d["proofs"][0]; print(d["status"], p["status"], p["path"], p["leaf"], p["tree_size"], p["document"], p["signer"]["trusted"], p["created_claim"])' "$OUT")" \
	"valid valid news/2025/flood.txt 1 6 match True True" "the JSON report"
mkdir -p "$S/elsewhere"
cp "$IN/news/weather.txt" "$S/elsewhere/weather.txt"
rm "$X/news/weather.txt"
ln -s "$S/elsewhere/weather.txt" "$X/news/weather.txt"
expect_exit 2 "check-proof -C does not follow a link out of DIR" -- \
	"$NP" check-proof -p "$KEYS/test.pub" "$P/three.proof" -C "$X" &&
	expect_contains "$OUT" "no link is followed" "it says no link is followed"
rm "$X/news/weather.txt"
mv "$X/news" "$S/news-moved"
ln -s "$S/news-moved" "$X/news"
expect_exit 2 "nor a link in a folder on the way" -- \
	"$NP" check-proof -p "$KEYS/test.pub" "$P/flood.proof" -C "$X" &&
	expect_contains "$OUT" "no link is followed" "it says so"

# ---------------------------------------------------------------- (3)
echo "-- (3) what must fail"
# check CODE DESC TEXT PROOF [ARGS...]: check-proof -p test.pub exits CODE
# and says TEXT (on stdout or stderr).
check() {
	_code=$1
	_desc=$2
	_text=$3
	shift 3
	expect_exit "$_code" "$_desc" -- "$NP" check-proof -p "$KEYS/test.pub" "$@" &&
		cat "$OUT" "$ERR" > "$S/said" &&
		expect_contains "$S/said" "$_text" "  ... saying \"$_text\""
}
F="$P/flood.proof"
size=$(file_size "$F")
python3 - "$F" "$P/flips" <<'PY'
import sys, os
b = open(sys.argv[1], "rb").read()
os.makedirs(sys.argv[2], exist_ok=True)
for i in range(len(b)):
    c = bytearray(b)
    c[i] ^= 0x01
    open(os.path.join(sys.argv[2], "%05d" % i), "wb").write(c)
PY
passed_flips=""
codes=""
for f in "$P/flips"/*; do
	"$NP" check-proof -p "$KEYS/test.pub" "$f" "$IN/news/2025/flood.txt" > "$S/flip.out" 2>&1
	rc=$?
	[ "$rc" -eq 0 ] || [ "$rc" -eq 3 ] || [ "$rc" -ge 128 ] && passed_flips="$passed_flips $(basename "$f"):$rc"
	[ -s "$S/flip.out" ] || passed_flips="$passed_flips $(basename "$f"):silent"
	codes="$codes$rc"
done
expect_eq "$passed_flips" "" "a flipped bit at every one of the $size offsets fails (exit 1 or 2, with a message)"
info "exit 1: $(printf '%s' "$codes" | tr -cd 1 | wc -c) offsets, exit 2: $(printf '%s' "$codes" | tr -cd 2 | wc -c) (not a proof, a newer version)"

check 1 "the wrong document" "budget.txt: the document is" "$F" "$IN/news/2025/budget.txt"
sed 's/two metres/ten metres/' "$IN/news/2025/flood.txt" > "$S/changed.txt"
check 1 "the document changed, of the same size" \
	"changed.txt: the document's digest is not the one the proof holds" "$F" "$S/changed.txt"
printf 'x' | cat "$IN/news/2025/flood.txt" - > "$S/longer.txt"
len=$(file_size "$IN/news/2025/flood.txt")
check 1 "the document one byte longer" "the document is $((len + 1)) bytes, the proof says $len" \
	"$F" "$S/longer.txt"

# another archive of as many documents, signed by the same key
mkdir -p "$S/in2"
for i in 1 2 3 4 5 6; do printf 'Other %s\n' "$i" > "$S/in2/o$i.txt"; done
"$NP" create -s "$KEYS/test.key" --timestamp "$TS" "$S/b.npk" "$S/in2" > /dev/null 2>&1
"$NP" prove -p "$KEYS/test.pub" "$S/b.npk" o3.txt -o "$P/other.proof" > /dev/null 2>&1
proof_edit "$F" "$P/swapped.proof" "
o = open('$P/other.proof', 'rb').read().decode().split('\n')[:-1]
l[-5:] = o[-5:]"
expect_true "the swapped proof holds the other archive's manifest" -- \
	test "$(tail -n 5 "$P/swapped.proof")" = "$(tail -n 5 "$P/other.proof")"
check 1 "a proof for another archive's manifest" "is not in the signed Merkle tree" "$P/swapped.proof"

proof_edit "$F" "$P/past.proof" "l[2] = 'index 6'"
check 1 "an index past the tree size" "index 6 is past the tree size 6" "$P/past.proof"
proof_edit "$F" "$P/extra.proof" "l.insert(6, l[5])"
check 1 "an extra hash line" "an extra hash line" "$P/extra.proof"
proof_edit "$F" "$P/missing.proof" "del l[5]"
check 1 "a missing hash line" "a hash line is missing" "$P/missing.proof"
# leaf 1's parent node presented as a leaf: its data is the two leaf
# hashes below it (the first path hash, leaf 0's, then SHA256(00 || leaf 1)),
# as leaf 0 with the path above it (and one more hash for the count)
proof_edit "$F" "$P/node.proof" "
leaf = base64.b64decode(l[1][5:])
lh = hashlib.sha256(b'\x00' + leaf).digest()
l[1] = 'leaf ' + base64.b64encode(base64.b64decode(l[4][5:]) + lh).decode()
l[2] = 'index 0'
del l[4]
l.insert(5, l[4])"
check 1 "an interior node presented as a leaf" "leaf data" "$P/node.proof"
proof_edit "$F" "$P/comment.proof" "l[-2] = l[-2].replace('documents:6', 'documents:7')"
expect_true "the edited trusted comment differs" -- \
	test "$(grep '^trusted comment' "$P/comment.proof")" != "$(grep '^trusted comment' "$F")"
check 1 "a changed trusted comment" "does not verify" "$P/comment.proof"
check 1 "another signer's key (-p other.pub)" "not by the key given" -p "$KEYS/other.pub" "$F"
sed 's/$/\r/' "$F" > "$P/crlf.proof"
check 1 "CRLF line endings" "line 1: the line ends with CR LF" "$P/crlf.proof"
proof_edit "$F" "$P/canon.proof" "
a = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
s = l[-1]
assert s.endswith('==')
l[-1] = s[:-3] + a[a.index(s[-3]) | 1] + '=='"
check 1 "non-canonical base64 (pad bits set)" "line 12: the global signature is not canonical base64" \
	"$P/canon.proof"
proof_edit "$F" "$P/zero.proof" "l[2] = 'index 02'"
check 1 "a leading zero in the index" "line 3: the index has a leading zero" "$P/zero.proof"
check 2 "an archive is not a proof" "not a newspack proof" "$A"
proof_edit "$F" "$P/v2.proof" "l[0] = 'npk-proof/v2'"
check 2 "a newer proof version" "a newer newspack is needed" "$P/v2.proof"
check 2 "a document that cannot be read" "cannot open the document" "$F" "$S/no-such-file"
cat "$P/flood.proof" "$P/past.proof" "$P/v2.proof" > "$P/mixed.proof"
check 1 "VALID, INVALID and a newer version: the worst is 1" "PROOF: INVALID" "$P/mixed.proof"
expect_eq "$(grep -c '^PROOF: ' "$OUT")" "3" "each of the three proofs is reported"
cat "$P/flood.proof" "$P/v2.proof" > "$P/mixed2.proof"
check 2 "VALID and a newer version: 2" "PROOF: UNREADABLE" "$P/mixed2.proof"

# ---------------------------------------------------------------- (4)
echo "-- (4) the corpus"
CORPUS="$top/../shared/corpus/bbc/entertainment"
if [ ! -d "$CORPUS" ]; then
	note "no corpus at $CORPUS; (4) skipped"
	finish
fi
C="$S/corpus.npk"
expect_exit 0 "create from the corpus (bbc/entertainment)" -- \
	"$NP" create -s "$KEYS/test.key" --timestamp "$TS" "$C" "$CORPUS"
(cd "$CORPUS" && find . -type f | sed 's|^\./||' | LC_ALL=C sort) > "$S/corpus.files"
n=$(wc -l < "$S/corpus.files" | tr -d ' ')
# shellcheck disable=SC2046
expect_exit 0 "prove every one of its $n documents" -- \
	"$NP" prove -p "$KEYS/test.pub" "$C" $(cat "$S/corpus.files") -o "$P/corpus.proof"
expect_eq "$(grep -c '^npk-proof/v1$' "$P/corpus.proof")" "$n" "one proof for each"
info "$n proofs: $(file_size "$P/corpus.proof") bytes, at most $(grep -c '^hash ' "$P/corpus.proof") hash lines in all"
expect_exit 0 "check-proof -C the corpus: every proof VALID, every document matches" -- \
	"$NP" check-proof -p "$KEYS/test.pub" "$P/corpus.proof" -C "$CORPUS" &&
	expect_eq "$(grep -c '^  document:  matches' "$OUT")" "$n" "$n documents match"
expect_exit 0 "extract the corpus archive" -- "$NP" extract -p "$KEYS/test.pub" -C "$S/cx" "$C"
expect_exit 0 "check-proof -C after extract" -- \
	"$NP" check-proof -q -p "$KEYS/test.pub" "$P/corpus.proof" -C "$S/cx"
printf 'x' >> "$S/cx/$(sed -n 100p "$S/corpus.files")"
expect_exit 1 "one extracted document changed: exit 1" -- \
	"$NP" check-proof -p "$KEYS/test.pub" "$P/corpus.proof" -C "$S/cx" &&
	expect_eq "$(grep -c '^PROOF: INVALID' "$OUT")" "1" "exactly one proof INVALID" &&
	expect_contains "$OUT" "$(sed -n 100p "$S/corpus.files"): the document is" "naming its document"
finish
