#!/bin/sh
# Suite "proof-recipe": a proof is checked without newspack, by the recipe of
# spec/format.md 15.14 "Checking a proof by hand" (stock minisign, and
# spec/proofcheck.py, which shares no code with newspack).
#   (1) the recipe, taken from the spec and run verbatim with sh, accepts the
#       proofs that `newspack prove` makes of a document of a small archive
#       and of one of a few hundred documents (../shared/corpus/bbc/
#       entertainment, else 300 generated files), with the document extracted
#       by newspack;
#   (2) proofcheck.py refuses, each with its own message and exit 1: a flipped
#       byte at every offset of the small proof outside its four signature
#       lines (or minisign does, for the manifest bytes proofcheck.py does not
#       read), the wrong document, the document one byte longer, an index past
#       the size, an extra and a missing hash, an interior node presented as a
#       leaf, CRLF line endings, non-canonical base64, the manifest of another
#       archive;
#   (3) minisign refuses, so the recipe fails: a changed trusted comment,
#       another signer's key;
#   (4) the proof vector spec/vectors/1.1/proof.txt: newspack check-proof,
#       proofcheck.py and the recipe accept it with its document and
#       spec/vectors/test.pub, and refuse it with another document;
#   (5) spec/vectors/npkcheck.py checks the Merkle tree of format.md 15.13:
#       archives with a tree verify, and a tree section, a stored level, the
#       root or the tree size changed (and signed again) are damage (and
#       newspack verify agrees).
# minisign and python3 are required: without either the suite fails.
. "$(dirname "$0")/lib.sh"
suite_begin proof-recipe

for tool in minisign python3 base64 sed; do
	if ! command -v "$tool" > /dev/null 2>&1; then
		fail "$tool is installed (scripts/deps.sh installs it): the recipe of spec/format.md 15.14 needs it"
		finish
	fi
done
info "$(minisign -v 2>&1 | head -n 1); $(python3 --version 2>&1)"
PC="$top/spec/proofcheck.py"
NPKCHECK="$top/spec/vectors/npkcheck.py"
KEY="$KEYS/test.key"
PUB="$KEYS/test.pub"
TS=2025-01-24T00:00:00Z

# The first sh block after "**Checking a proof by hand.**", as the spec writes it.
awk '/^\*\*Checking a proof by hand\.\*\*/ { f = 1; next }
     f && /^#/ { exit }
     f && /^```sh$/ { code = 1; next }
     code && /^```$/ { exit }
     code { print }' "$top/spec/format.md" > "$S/recipe.sh"
if [ -s "$S/recipe.sh" ]; then
	pass "spec/format.md 15.14 has a sh recipe ($(wc -l < "$S/recipe.sh" | tr -d ' ') lines)"
else
	fail "spec/format.md 15.14 has a sh recipe"
fi
expect_contains "$S/recipe.sh" "minisign -Vm manifest.bin -p signer.pub" "the recipe checks the manifest with minisign"
expect_contains "$S/recipe.sh" "python3 proofcheck.py doc.proof document" "the recipe runs proofcheck.py"

# recipe_dir DIR PROOF DOCUMENT PUBKEY: DIR holds what the recipe reads.
recipe_dir() {
	rm -rf "$1" && mkdir -p "$1" &&
		cp "$2" "$1/doc.proof" && cp "$3" "$1/document" && cp "$4" "$1/signer.pub" &&
		cp "$PC" "$1/proofcheck.py" && cp "$S/recipe.sh" "$1/recipe.sh"
}
# recipe DIR: runs the recipe verbatim in DIR.
recipe() {
	run sh -c 'cd "$1" && exec sh ./recipe.sh' sh "$1"
}

# ---------------------------------------------------------------- (1)
echo "-- (1) the recipe accepts the proofs newspack prove makes"
IN="$top/spec/vectors/input"
A="$S/small.npk"
expect_exit 0 "newspack create of spec/vectors/input (3 documents)" -- \
	"$NP" create -q -s "$KEY" --timestamp "$TS" --meta title="proof recipe" "$A" "$IN"
expect_exit 0 "newspack prove b/note.md" -- "$NP" prove -p "$PUB" -o "$S/small.proof" "$A" b/note.md
expect_exit 0 "newspack cat b/note.md (the document, extracted)" -- "$NP" cat -p "$PUB" "$A" b/note.md &&
	cp "$OUT" "$S/note.md"
expect_same "$S/note.md" "$IN/b/note.md" "the document extracted is the input file"
R="$S/r-small"
recipe_dir "$R" "$S/small.proof" "$S/note.md" "$PUB"
recipe "$R"
if [ "$RC" -eq 0 ]; then pass "the recipe, run verbatim with sh, accepts the small proof"; else
	fail "the recipe, run verbatim with sh, accepts the small proof"
	show_last
fi
expect_contains "$OUT" "Signature and comment signature verified" "minisign verifies the manifest"
expect_contains "$OUT" "proof 1: VALID (but for the signature)" "proofcheck.py says VALID"
expect_contains "$OUT" "path: b/note.md" "proofcheck.py names the path"
expect_contains "$OUT" "title: Notes from the archive" "proofcheck.py shows the title"
expect_contains "$OUT" "document: matches (119 bytes" "proofcheck.py says the document matches"
# signer.pub's key id and fingerprint (keys.md 4, 4.1), as the reader would
# compute them, and as newspack keygen printed them for its owner
kid=$(python3 -c '
import base64, sys
print("%016X" % int.from_bytes(base64.b64decode(open(sys.argv[1]).read().split("\n")[1])[2:10], "little"))' "$PUB")
fp=$(python3 -c '
import base64, hashlib, sys
pk = base64.b64decode(open(sys.argv[1]).read().split("\n")[1])[10:42]
fp = hashlib.blake2b(pk, digest_size=32).hexdigest()[:32]
print(" ".join(fp[i:i + 4] for i in range(0, 32, 4)))' "$PUB")
expect_contains "$OUT" "signer key id: $kid" "proofcheck.py names signer.pub's key id ($kid)"
expect_contains "$OUT" "signer fingerprint: $fp" "proofcheck.py prints the fingerprint of signer.pub's key ($fp)"
expect_exit 0 "proofcheck.py without DOCUMENT exits 0" -- python3 "$PC" "$S/small.proof" &&
	expect_contains "$OUT" "document: not checked" "proofcheck.py says the document was not checked"

CORPUS="$top/../shared/corpus/bbc/entertainment"
BIG="$S/big-in"
if [ -d "$CORPUS" ]; then
	BIG=$CORPUS
else
	note "no corpus at $CORPUS: 300 generated files instead"
	mkdir -p "$BIG"
	i=0
	while [ $i -lt 300 ]; do
		printf 'Report %d.\n\nThe council met on day %d.\n' $i $i > "$BIG/r$i.txt"
		i=$((i + 1))
	done
fi
B="$S/big.npk"
expect_exit 0 "newspack create of $(find "$BIG" -type f | wc -l | tr -d ' ') files" -- \
	"$NP" create -q -s "$KEY" --timestamp "$TS" "$B" "$BIG"
"$NP" list -p "$PUB" "$B" > "$S/big.list" 2> /dev/null
doc=$(sed -n '200p' "$S/big.list")
expect_exit 0 "newspack prove $doc" -- "$NP" prove -p "$PUB" -o "$S/big.proof" "$B" "$doc"
"$NP" cat -p "$PUB" "$B" "$doc" > "$S/big.doc" 2> /dev/null
expect_same "$S/big.doc" "$BIG/$doc" "the document extracted is the input file"
recipe_dir "$S/r-big" "$S/big.proof" "$S/big.doc" "$PUB"
recipe "$S/r-big"
if [ "$RC" -eq 0 ]; then pass "the recipe accepts the proof of $doc"; else
	fail "the recipe accepts the proof of $doc"
	show_last
fi
n=$(grep -c '^hash ' "$S/big.proof")
info "the proof of $doc: $(file_size "$S/big.proof") bytes, $n hashes"

# ---------------------------------------------------------------- (2)
echo "-- (2) proofcheck.py refuses what is wrong"
# must_fail DESC MESSAGE PROOF [DOCUMENT]: proofcheck.py exits 1 with
# MESSAGE, and newspack check-proof exits 1 too.
must_fail() {
	_d=$1
	_m=$2
	shift 2
	expect_exit 1 "proofcheck.py refuses $_d" -- python3 "$PC" "$@" &&
		expect_contains "$ERR" "$_m" "  ... saying \"$_m\""
	expect_exit 1 "  ... and so does newspack check-proof" -- "$NP" check-proof -p "$PUB" "$@"
}
cp "$IN/b/note.md" "$S/longer.md" && printf 'x' >> "$S/longer.md"
must_fail "the document one byte longer" "the document is 120 bytes, the proof says 119" "$S/small.proof" "$S/longer.md"
must_fail "the wrong document" "the document is 115 bytes, the proof says 119" "$S/small.proof" "$IN/a.txt"
sed '1s/^---/+++/' "$IN/b/note.md" > "$S/same-size.md"
must_fail "another document of the same size" "the document's digest is not the one the proof holds" \
	"$S/small.proof" "$S/same-size.md"
size=$(sed -n 's/^size //p' "$S/small.proof")
sed "s/^index .*/index $size/" "$S/small.proof" > "$S/past.proof"
must_fail "an index past the size" "index $size is past the tree size $size" "$S/past.proof"
awk '/^hash / && !d { print; d = 1 } { print }' "$S/small.proof" > "$S/extra.proof"
must_fail "an extra hash" "hash lines: the proof of leaf" "$S/extra.proof"
awk '/^hash / && !d { d = 1; next } { print }' "$S/small.proof" > "$S/missing.proof"
must_fail "a missing hash" "hash lines: the proof of leaf" "$S/missing.proof"
sed 's/$/\r/' "$S/small.proof" > "$S/crlf.proof"
must_fail "CRLF line endings" "a CR (0D) byte" "$S/crlf.proof"
# Non-canonical base64: the last digit before "=" of the first hash with a
# pad bit set (32 bytes leave 2 pad bits), and the leaf without its padding.
python3 - "$S/small.proof" "$S/noncanon.proof" "$S/nopad.proof" << 'EOF'
import sys
A = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
lines = open(sys.argv[1], "rb").read().split(b"\n")
i = next(k for k, l in enumerate(lines) if l.startswith(b"hash "))
h = lines[i]
lines[i] = h[:-2] + bytes([A[A.index(h[-2]) | 1]]) + b"="
open(sys.argv[2], "wb").write(b"\n".join(lines))
lines[i] = h
i = next(k for k, l in enumerate(lines) if l.startswith(b"leaf "))
lines[i] = lines[i].rstrip(b"=") if lines[i].endswith(b"=") else lines[i][:-1]
open(sys.argv[3], "wb").write(b"\n".join(lines))
EOF
must_fail "non-canonical base64 (a pad bit set)" "is not canonical base64" "$S/noncanon.proof"
must_fail "base64 without its padding" "is not canonical base64" "$S/nopad.proof"
# An interior node presented as a leaf: the 64 bytes whose SHA-256 with
# 0x01 is the leaf's parent (its hash and its sibling's) in the leaf line,
# (a) one level up (index m / 2, the path without its first hash), (b) in the
# leaf's place (the same index and hashes).
python3 - "$S/small.proof" "$S/interior" << 'EOF'
import base64, hashlib, sys
lines = open(sys.argv[1], "rb").read().split(b"\n")
get = lambda p: next(k for k, l in enumerate(lines) if l.startswith(p))
leaf = base64.b64decode(lines[get(b"leaf ")][5:])
m = int(lines[get(b"index ")][6:])
first = get(b"hash ")
sib = base64.b64decode(lines[first][5:])
me = hashlib.sha256(b"\0" + leaf).digest()
lines[get(b"leaf ")] = b"leaf " + base64.b64encode(me + sib if m % 2 == 0 else sib + me)
open(sys.argv[2] + "-b.proof", "wb").write(b"\n".join(lines))
lines[get(b"index ")] = b"index %d" % (m // 2)
del lines[first]
open(sys.argv[2] + "-a.proof", "wb").write(b"\n".join(lines))
EOF
must_fail "an interior node presented as a leaf one level up" "hash lines: the proof of leaf" "$S/interior-a.proof"
must_fail "an interior node presented as a leaf in the leaf's place" "the leaf" "$S/interior-b.proof"
# Another archive's manifest (and its signature lines): the same files but
# a.txt, so the same tree size and another root; minisign accepts them.
mkdir -p "$S/in2/b"
cp "$IN/b/note.md" "$IN/b/empty.txt" "$S/in2/b/"
printf 'Another first article.\n' > "$S/in2/a.txt"
expect_exit 0 "another archive of 3 documents" -- \
	"$NP" create -q -s "$KEY" --timestamp "$TS" --meta title="proof recipe" "$S/other.npk" "$S/in2"
expect_exit 0 "newspack prove a.txt of the other archive" -- \
	"$NP" prove -p "$PUB" -o "$S/other.proof" "$S/other.npk" a.txt
{
	sed '/^manifest /,$d' "$S/small.proof"
	sed -n '/^manifest /,$p' "$S/other.proof"
} > "$S/swapped.proof"
must_fail "a proof with another archive's manifest" "does not lead to the manifest's Merkle root" "$S/swapped.proof"
recipe_dir "$S/r-swap" "$S/swapped.proof" "$IN/b/note.md" "$PUB"
recipe "$S/r-swap"
expect_contains "$OUT" "Signature and comment signature verified" "  ... though minisign accepts that manifest"
expect_eq "$RC" 1 "  ... so the recipe fails"

# A flipped byte at every offset outside the four signature lines: refused
# by proofcheck.py (exit 1; exit 2 in the first line, which then names no
# proof), or, for the manifest bytes proofcheck.py does not read, by minisign.
python3 - "$PC" "$S/small.proof" "$IN/b/note.md" "$S/flip" "$PUB" > "$S/flips.txt" 2>&1 << 'EOF'
import base64, contextlib, importlib.util, io, os, subprocess, sys
spec = importlib.util.spec_from_file_location("proofcheck", sys.argv[1])
pc = importlib.util.module_from_spec(spec)
spec.loader.exec_module(pc)
proof, doc, work, pub = open(sys.argv[2], "rb").read(), sys.argv[3], sys.argv[4], sys.argv[5]
os.makedirs(work, exist_ok=True)
lines = proof.split(b"\n")
at = [0]
for l in lines:
    at.append(at[-1] + len(l) + 1)
mline = next(k for k, l in enumerate(lines) if l.startswith(b"manifest "))
sig_lo, sig_hi = at[mline + 1], at[mline + 5]          # the four minisign lines
sig = b"\n".join(lines[mline + 1:mline + 5]) + b"\n"
counts, bad = {}, []
for off in [o for o in range(len(proof)) if not sig_lo <= o < sig_hi]:
    for mask in (0x01, 0x20, 0x80):
        p = bytearray(proof)
        p[off] ^= mask
        path = os.path.join(work, "p")
        open(path, "wb").write(p)
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            rc = pc.main([path, doc])
        if rc in (0, 2) and proof.count(b"\n", 0, off) == mline:
            text = bytes(p).split(b"\n")[mline][9:]
            man = os.path.join(work, "manifest.bin")
            open(man, "wb").write(base64.b64decode(text))
            open(man + ".minisig", "wb").write(sig)
            r = subprocess.run(["minisign", "-Vm", man, "-p", pub], capture_output=True)
            rc = "minisign" if r.returncode != 0 else 0
        want = (1, 2) if off < at[1] else (1, "minisign")
        counts[rc] = counts.get(rc, 0) + 1
        if rc not in want:
            bad.append("offset %d mask %02x: %s" % (off, mask, rc))
print("checked %d flips: %s" % (sum(counts.values()),
      ", ".join("%s %d" % (k if k == "minisign" else "exit %s" % k, v) for k, v in sorted(counts.items(), key=str))))
print("\n".join(bad[:20]))
sys.exit(1 if bad or counts.get("minisign", 0) == 0 else 0)
EOF
rc=$?
if [ $rc -eq 0 ]; then
	pass "every flipped byte outside the signature lines is refused ($(head -n 1 "$S/flips.txt"))"
else
	fail "every flipped byte outside the signature lines is refused"
	show_file flips "$S/flips.txt"
fi

# ---------------------------------------------------------------- (3)
echo "-- (3) minisign refuses, so the recipe fails"
sed 's/^\(trusted comment: .*documents:\)3$/\14/' "$S/small.proof" > "$S/comment.proof"
if cmp -s "$S/comment.proof" "$S/small.proof"; then fail "the trusted comment was changed"; else
	pass "the trusted comment was changed (documents:3 -> documents:4)"
fi
recipe_dir "$S/r-comment" "$S/comment.proof" "$IN/b/note.md" "$PUB"
recipe "$S/r-comment"
expect_eq "$RC" 1 "the recipe fails with a changed trusted comment" &&
	expect_contains "$ERR" "Comment signature verification failed" "  ... minisign says the comment signature failed"
expect_exit 0 "  ... which proofcheck.py alone does not check (minisign's job)" -- \
	python3 "$PC" "$S/comment.proof" "$IN/b/note.md"
expect_exit 1 "  ... and newspack check-proof refuses it" -- \
	"$NP" check-proof -p "$PUB" "$S/comment.proof" "$IN/b/note.md"
recipe_dir "$S/r-other" "$S/small.proof" "$IN/b/note.md" "$KEYS/other.pub"
recipe "$S/r-other"
expect_eq "$RC" 1 "the recipe fails with another signer's public key (tests/keys/other.pub)" &&
	expect_contains "$ERR" "key id" "  ... minisign says the key ids differ"
expect_exit 0 "newspack create signed by tests/keys/other.key" -- \
	"$NP" create -q -s "$KEYS/other.key" --timestamp "$TS" "$S/by-other.npk" "$IN"
expect_exit 0 "newspack prove b/note.md of it" -- \
	"$NP" prove -p "$KEYS/other.pub" -o "$S/by-other.proof" "$S/by-other.npk" b/note.md
recipe_dir "$S/r-by-other" "$S/by-other.proof" "$IN/b/note.md" "$PUB"
recipe "$S/r-by-other"
expect_eq "$RC" 1 "the recipe fails with a proof signed by another key, checked with test.pub"

# A trusted comment may be empty or end with a space (format.md 8), but a
# proof's lines never end with a space (15.14): such a proof, made from the
# small proof's manifest with file_size for that comment, signed again with
# test.key, is refused by proofcheck.py and check-proof, though minisign
# accepts its signature.
python3 - "$top" "$KEY" "$S/small.proof" "$S/comment" << 'EOF'
import base64, hashlib, struct, sys
sys.path.insert(0, sys.argv[1] + "/tests/hostile")
import forge
key, lines = forge.Key(sys.argv[2]), open(sys.argv[3], "rb").read().split(b"\n")
i = next(k for k, l in enumerate(lines) if l.startswith(b"manifest "))
man = bytearray(base64.b64decode(lines[i][9:]))
for name, comment in (("-empty", b""), ("-space", b"checked by hand ")):
    mo = struct.unpack_from("<Q", man, 16)[0]
    struct.pack_into("<Q", man, 8, mo + len(man) + 140 + len(comment) + 32)
    sig = key.sign(hashlib.blake2b(bytes(man), digest_size=64).digest())
    lines[i] = b"manifest " + base64.b64encode(bytes(man))
    lines[i + 2] = base64.b64encode(b"ED" + key.key_id + sig)
    lines[i + 3] = b"trusted comment: " + comment
    lines[i + 4] = base64.b64encode(key.sign(sig + comment))
    open(sys.argv[4] + name + ".proof", "wb").write(b"\n".join(lines))
EOF
for x in empty space; do
	must_fail "a proof whose trusted comment is $x-ended" "line 9 ends with a space" "$S/comment-$x.proof" "$IN/b/note.md"
	recipe_dir "$S/r-$x" "$S/comment-$x.proof" "$IN/b/note.md" "$PUB"
	recipe "$S/r-$x"
	expect_eq "$RC" 1 "  ... and the recipe fails" &&
		expect_contains "$OUT" "Signature and comment signature verified" "  ... though minisign accepts the signature"
done

# ---------------------------------------------------------------- (4)
echo "-- (4) the proof vector, spec/vectors/1.1/proof.txt"
V="$top/spec/vectors"
expect_exit 0 "newspack check-proof -p test.pub 1.1/proof.txt input/b/note.md" -- \
	"$NP" check-proof -p "$V/test.pub" "$V/1.1/proof.txt" "$V/input/b/note.md" &&
	expect_contains "$OUT" "PROOF: VALID" "  ... says VALID"
expect_exit 0 "proofcheck.py 1.1/proof.txt input/b/note.md" -- \
	python3 "$PC" "$V/1.1/proof.txt" "$V/input/b/note.md" &&
	expect_contains "$OUT" "leaf 2 of 3" "  ... leaf 2 of 3" &&
	expect_contains "$OUT" "signer fingerprint: 4b65 c626 38c1 19f4 0c06 881f 8010 0f22" \
		"  ... signed by the key of spec/vectors/test.pub (keys.md 4.1)"
recipe_dir "$S/r-vector" "$V/1.1/proof.txt" "$V/input/b/note.md" "$V/test.pub"
recipe "$S/r-vector"
expect_eq "$RC" 0 "the recipe accepts the proof vector with spec/vectors/test.pub"
expect_exit 1 "newspack check-proof of the proof vector with another document" -- \
	"$NP" check-proof -p "$V/test.pub" "$V/1.1/proof.txt" "$V/input/a.txt"
expect_exit 1 "proofcheck.py of the proof vector with another document" -- \
	python3 "$PC" "$V/1.1/proof.txt" "$V/input/a.txt"

# ---------------------------------------------------------------- (5)
echo "-- (5) npkcheck.py checks the Merkle tree (format.md 15.13)"
for x in small big; do
	expect_exit 0 "npkcheck.py verify -p test.pub of the $x archive" -- python3 "$NPKCHECK" verify "$S/$x.npk" -p "$PUB" &&
		expect_contains "$OUT" "every leaf, stored level and the root check out" "  ... and says the tree checks out"
done
expect_exit 0 "newspack create --no-tree" -- \
	"$NP" create -q --no-tree -s "$KEY" --timestamp "$TS" "$S/no-tree.npk" "$IN"
expect_exit 0 "npkcheck.py verify of an archive without a tree" -- python3 "$NPKCHECK" verify "$S/no-tree.npk" -p "$PUB" &&
	expect_not_contains "$OUT" "Merkle tree" "  ... which mentions no tree"
# tamper IN OUT WHAT: IN's signed part changed in its tree (section or root),
# with the section digest, the manifest and the signature made again with
# test.key.
tamper() {
	python3 - "$top" "$KEY" "$@" << 'EOF'
import hashlib, struct, sys
sys.path.insert(0, sys.argv[1] + "/tests/hostile")
import forge
key, src, dst, what = forge.Key(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
a = bytearray(open(src, "rb").read())
if a[-8:] == b"NPKTAIL\n":                 # the signed part only (format.md 15.5)
    del a[struct.unpack_from("<Q", a, len(a) - 32)[0]:]
mo, ml, sl = struct.unpack_from("<QII", a, len(a) - 32)
man = bytearray(a[mo:mo + ml])
comment = bytes(a[mo + ml + 76:mo + ml + sl - 64])
H = lambda b: hashlib.blake2b(bytes(b), digest_size=32).digest()
p = 210 + struct.unpack_from("<H", man, 208)[0] + 2   # the first extension record
ext = {}
while p < len(man):
    t, f, n = struct.unpack_from("<HHI", man, p)
    ext[t] = p + 8
    p += 8 + n
d = ext[1]
rec = next(d + 4 + 56 * i for i in range(struct.unpack_from("<I", man, d)[0])
           if struct.unpack_from("<H", man, d + 4 + 56 * i)[0] == 4)
off, length = struct.unpack_from("<QQ", man, rec + 8)
n = struct.unpack_from("<Q", man, ext[2])[0]
if what == "leaf":
    a[off + 24 + 32 * (n - 1)] ^= 1          # level 0, the last leaf hash
elif what == "level":
    a[off + 24 + 32 * n] ^= 1                # the first hash of level 8
elif what == "stride":
    a[off + 16] = 0
elif what == "stride7":
    a[off + 16] = 7
elif what == "magic":
    a[off] ^= 0x20
elif what == "root":
    man[ext[2] + 8] ^= 1
elif what == "size":
    struct.pack_into("<Q", man, ext[2], n + 1)
man[rec + 24:rec + 56] = H(a[off:off + length])
sig = key.sign(hashlib.blake2b(bytes(man), digest_size=64).digest())
a[mo:mo + ml] = man
a[mo + ml + 10:mo + ml + 74] = sig
a[mo + ml + sl - 64:mo + ml + sl] = key.sign(sig + comment)
open(dst, "wb").write(a)
EOF
}
# Each case: WHAT|the archive|what changed|the message.
while IFS='|' read -r what x desc msg; do
	if ! tamper "$S/$x.npk" "$S/t-$what.npk" "$what" > "$S/tamper.err" 2>&1; then
		fail "the $x archive with $desc"
		show_file stderr "$S/tamper.err"
		continue
	fi
	expect_exit 1 "npkcheck.py: the $x archive with $desc, signed again, is damaged" -- \
		python3 "$NPKCHECK" verify "$S/t-$what.npk" -p "$PUB" &&
		expect_contains "$OUT" "$msg" "  ... \"$msg\""
	expect_exit 1 "  ... and newspack verify agrees" -- "$NP" verify -p "$PUB" "$S/t-$what.npk"
done << 'EOF'
leaf|small|a leaf hash of level 0 changed|does not match leaf 2 of the Merkle tree
level|big|a hash of level 8 changed|Merkle tree level 8 hash 0 does not match the level below
stride|small|stride 0|stride 0 is not 1 to 16
stride7|big|stride 7 (levels 0 and 7: another length)|bytes, not the
magic|small|the tree section's magic changed|does not begin with NPKTREE
root|small|the manifest's root changed|the Merkle root does not match the tree
size|small|the manifest's tree size one more|its tree_size 3 is not the manifest's 4
EOF

finish
