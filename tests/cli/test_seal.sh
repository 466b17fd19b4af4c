#!/bin/sh
# test_seal.sh - sealed archives from the command line (issue 19; spec/
# format.md 15.17): create --recipient and --encrypt-passphrase-file; no
# path, title or text in the file; verify without a key (ciphertext intact,
# signed), and with one (everything); list, cat, extract and export
# refused without a key (exit 2, nothing written), read byte for byte with
# either recipient's key, the passphrase, or the default key; the wrong key
# or passphrase (exit 1, nothing written); a signing key as a recipient and
# a recipient of low order refused; every byte of the seal changed, the
# file cut: never read; two sealings of the same inputs differ.
. "$(dirname "$0")/lib.sh"
suite_begin seal

KEY="$KEYS/test.key"
PUB="$KEYS/test.pub"
MARK=QX7SEALMARK
MK="$NP create -q -s $KEY --timestamp 2026-03-01"

# ---- the inputs: the marker in every path, title and text
IN="$S/in"
mkdir -p "$IN/$MARK-folder"
for i in 1 2 3 4 5 6 7 8 9; do
	{
		printf 'Witness statement %s %s\n\nBy A. Reporter - Field Desk March %s, 2026\n\n' "$i" "$MARK" "$i"
		i2=0
		while [ $i2 -lt 40 ]; do
			printf 'The %s names of the detainees stay out of reach, line %s.\n' "$MARK" "$i2"
			i2=$((i2 + 1))
		done
	} > "$IN/$MARK-folder/statement-$i-$MARK.txt"
done
printf '{"title": "Sidecar title %s", "author": "%s Desk"}\n' "$MARK" "$MARK" \
	> "$IN/$MARK-folder/statement-1-$MARK.txt.meta.json"
head -c 20000 /dev/urandom > "$IN/binary.bin"
cp "$top/seeds/"* "$IN/" 2>/dev/null

# ---- keys: two recipients, one stranger
K="$S/keys"
mkdir -p "$K"
for who in a b c; do
	expect_exit 0 "keygen --encryption for $who" -- "$NP" keygen --encryption -W -s "$K/$who.key" -p "$K/$who.pub"
done
printf 'correct horse battery\n' > "$K/pass"
printf 'correct horse batterY\n' > "$K/wrong"

A="$S/sealed.npk"
expect_exit 0 "create --recipient a --recipient b" -- \
	$MK --meta "title=Collection $MARK" --recipient "$K/a.pub" --recipient "$K/b.pub" "$A" "$IN"
expect_exit 0 "create, not quiet, says it is sealed" -- \
	"$NP" create -s "$KEY" --timestamp 2026-03-01 --recipient "$K/a.pub" --recipient "$K/b.pub" \
	"$S/loud.npk" "$IN" &&
	expect_contains "$OUT" "sealed for 2 recipients" "the summary names the recipients"
expect_exit 0 "create for one recipient warns that a lost key is a lost archive" -- \
	"$NP" create -s "$KEY" --timestamp 2026-03-01 --recipient "$K/a.pub" "$S/one.npk" "$IN" &&
	expect_contains "$ERR" "sealed for one key only" "the warning says so"

expect_true "no path, title, metadata or text of the inputs is in the file" -- \
	sh -c "! grep -a -q -e '$MARK' -e 'detainees' -e 'Wrenmouth' '$A'"
expect_true "the required flags say sealed (bits 0 and 1)" -- \
	test "$(od -An -tu4 -j 12 -N 4 "$A" | tr -d ' ')" = 3

# ---- without a key: audited, not read
expect_exit 0 "verify without a key: signed, every stored byte checked" -- "$NP" verify -p "$PUB" "$A" &&
	expect_contains "$OUT" "sealed; ciphertext intact" "verify says the ciphertext is intact" &&
	expect_contains "$OUT" "contents not readable without a key" "and that it read nothing"
expect_exit 0 "verify --json without a key" -- "$NP" verify --json -p "$PUB" "$A" &&
	expect_contains "$OUT" '"sealed": "closed"' "--json: sealed, closed"
expect_exit 0 "info without a key" -- "$NP" info -p "$PUB" "$A" &&
	expect_contains "$OUT" "documents, paths, sizes and metadata are hidden" "info says what is hidden" &&
	expect_not_contains "$OUT" "$MARK" "info shows no title"
expect_exit 0 "info --json without a key" -- "$NP" info --json -p "$PUB" "$A" &&
	expect_contains "$OUT" '"documents": null' "--json: no count" &&
	expect_contains "$OUT" 'newspack archive\tsealed' "the trusted comment holds no count"
expect_exit 2 "list without a key is refused" -- "$NP" list -p "$PUB" "$A" &&
	expect_contains "$ERR" "is sealed: give a recipient's secret key (-k KEY)" "and says how to read it"
expect_exit 2 "cat without a key is refused" -- "$NP" cat -p "$PUB" "$A" "2025-03-harbour-council.md"
mkdir -p "$S/x0"
expect_exit 2 "extract without a key is refused" -- "$NP" extract -p "$PUB" -C "$S/x0" "$A"
expect_true "extract without a key wrote nothing" -- test -z "$(ls -A "$S/x0")"

# ---- with a key: everything, byte for byte
expect_exit 0 "list -k a" -- "$NP" list -p "$PUB" -k "$K/a.key" "$A" &&
	expect_contains "$OUT" "$MARK-folder/statement-9-$MARK.txt" "the paths are read"
expect_exit 0 "cat -k b of a document" -- "$NP" cat -p "$PUB" -k "$K/b.key" "$A" "2025-03-harbour-council.md" &&
	expect_same "$OUT" "$IN/2025-03-harbour-council.md" "cat gives the document byte for byte"
mkdir -p "$S/x1"
expect_exit 0 "extract -k a" -- "$NP" extract -q -p "$PUB" -k "$K/a.key" -C "$S/x1" "$A"
rm -f "$IN/$MARK-folder/statement-1-$MARK.txt.meta.json.keep"
expect_true "every extracted file is its input, byte for byte (the sidecar is not stored)" -- \
	diff -r -x '*.meta.json' "$IN" "$S/x1"
expect_exit 0 "verify -k a: everything checked" -- "$NP" verify -p "$PUB" -k "$K/a.key" "$A" &&
	expect_contains "$OUT" "sealed and opened with the key given" "verify says it opened the archive" &&
	expect_contains "$OUT" "14 documents" "and counts the documents"
expect_exit 0 "info -k b shows the archive's metadata" -- "$NP" info -p "$PUB" -k "$K/b.key" "$A" &&
	expect_contains "$OUT" "Collection $MARK" "the title, once opened"
expect_exit 0 "list --json -k a gives the sidecar's title" -- "$NP" list --json -p "$PUB" -k "$K/a.key" "$A" &&
	expect_contains "$OUT" "Sidecar title $MARK" "the document's metadata, once opened"

# ---- an independent reader (spec/vectors/sealcheck.py, from the spec, on
# Debian's Python: OpenSSL's ChaCha20-Poly1305 and X25519, zlib, zstandard)
expect_exit 0 "sealcheck.py opens the sealed archive with a's key" -- \
	/usr/bin/python3 "$top/spec/vectors/sealcheck.py" open "$A" "$K/a.key" &&
	expect_contains "$OUT" "sealcheck: opened: 14 entries" "sealcheck.py reads every entry" &&
	expect_contains "$OUT" "every document matches its digest" "and every document's digest"
expect_exit 0 "sealcheck.py with b's key" -- \
	/usr/bin/python3 "$top/spec/vectors/sealcheck.py" open "$A" "$K/b.key"
expect_exit 1 "sealcheck.py with c's key: not a recipient" -- \
	/usr/bin/python3 "$top/spec/vectors/sealcheck.py" open "$A" "$K/c.key"
cp "$A" "$S/cl.npk"
flip_byte "$S/cl.npk" 200
expect_exit 1 "sealcheck.py refuses a cluster changed by one byte" -- \
	/usr/bin/python3 "$top/spec/vectors/sealcheck.py" open "$S/cl.npk" "$K/a.key"
expect_exit 1 "and so does newspack verify -k" -- "$NP" verify -p "$PUB" -k "$K/a.key" "$S/cl.npk"

# ---- the wrong key or passphrase: exit 1, nothing written
expect_exit 1 "list -k c (no recipient) is refused (exit 1)" -- "$NP" list -p "$PUB" -k "$K/c.key" "$A" &&
	expect_contains "$ERR" "not a recipient, or the wrong passphrase" "and says why"
mkdir -p "$S/x2"
expect_exit 1 "extract -k c is refused" -- "$NP" extract -p "$PUB" -k "$K/c.key" -C "$S/x2" "$A"
expect_true "extract with the wrong key wrote nothing" -- test -z "$(ls -A "$S/x2")"
expect_exit 2 "a signing key given with -k is refused" -- "$NP" list -p "$PUB" -k "$KEY" "$A" &&
	expect_contains "$ERR" "a signing key, not an encryption key" "and named as such"

# ---- the passphrase
P="$S/pass.npk"
expect_exit 0 "create --recipient a --encrypt-passphrase-file" -- \
	$MK --recipient "$K/a.pub" --encrypt-passphrase-file "$K/pass" "$P" "$IN"
expect_exit 0 "list --passphrase-file" -- "$NP" list -p "$PUB" --passphrase-file "$K/pass" "$P" &&
	expect_contains "$OUT" "statement-5-$MARK.txt" "the passphrase opens it"
mkdir -p "$S/x3"
expect_exit 1 "extract with the wrong passphrase is refused (exit 1)" -- \
	"$NP" extract -p "$PUB" --passphrase-file "$K/wrong" -C "$S/x3" "$P" &&
	expect_contains "$ERR" "the wrong passphrase" "and says so"
expect_true "the wrong passphrase wrote nothing" -- test -z "$(ls -A "$S/x3")"
expect_exit 0 "the recipient's key opens it too" -- "$NP" list -p "$PUB" -k "$K/a.key" "$P"

# ---- a recipient's key kept under a passphrase: asked for at the terminal
expect_exit 0 "keygen --encryption with a passphrase" -- \
	"$NP" keygen --encryption -s "$K/p.key" -p "$K/p.pub" --passphrase-file "$K/pass"
expect_exit 0 "create for it" -- $MK --recipient "$K/p.pub" --recipient "$K/a.pub" "$S/prot.npk" "$IN"
expect_exit 2 "list -k with that key and no terminal is refused" -- \
	setsid -w "$NP" list -p "$PUB" -k "$K/p.key" "$S/prot.npk" &&
	expect_contains "$ERR" "p.key is protected by a passphrase, which is asked for at a terminal, and there is none" "and says so, naming the key"

# ---- the default key (keygen --encryption's)
expect_exit 0 "keygen --encryption -W, the default key" -- "$NP" keygen --encryption -W
D="$S/default.npk"
expect_exit 0 "create for the default key's public half" -- \
	$MK --recipient "$XDG_CONFIG_HOME/newspack/encryption.pub" --recipient "$K/a.pub" "$D" "$IN"
expect_exit 0 "list without -k uses the default key" -- "$NP" list -p "$PUB" "$D"
expect_exit 0 "info without -k: the default key is no recipient of sealed.npk, it stays closed" -- \
	"$NP" info -p "$PUB" "$A" &&
	expect_contains "$OUT" "are hidden" "info shows it closed"
expect_exit 1 "list without -k: the default key is no recipient of sealed.npk" -- \
	"$NP" list -p "$PUB" "$A" &&
	expect_contains "$ERR" "tried the default key" "and says which key it tried"

# ---- what create refuses
expect_exit 2 "a signing public key as a recipient is refused" -- \
	$MK --recipient "$PUB" "$S/r1.npk" "$IN" &&
	expect_contains "$ERR" "is a signing public key, not a recipient's" "and named as such"
expect_true "nothing was written" -- test ! -e "$S/r1.npk"
printf 'untrusted comment: low order\nWDEHBwcHBwcHBwAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n' > "$K/low.pub"
expect_exit 2 "a recipient of low order (the zero point) is refused" -- \
	$MK --recipient "$K/low.pub" "$S/r2.npk" "$IN" &&
	expect_contains "$ERR" "low order" "and says why"
expect_exit 2 "--format-version 1.0 with --recipient is refused" -- \
	$MK --format-version 1.0 --recipient "$K/a.pub" "$S/r4.npk" "$IN"

# ---- damage: every 7th byte of the seal inverted (without survival
# copies), the seal's copy serving, the cut file
NC="$S/nocopies.npk"
expect_exit 0 "create --no-copies, sealed" -- \
	$MK --no-copies --recipient "$K/a.pub" --recipient "$K/b.pub" "$NC" "$IN"
SEAL=$(python3 - "$NC" <<'PY'
import struct, sys
b = open(sys.argv[1], "rb").read()
if b.endswith(b"NPKTAIL\n"):
    b = b[:struct.unpack_from("<Q", b, len(b) - 32)[0]]
mo = struct.unpack_from("<Q", b, len(b) - 32)[0]
pt = struct.unpack_from("<Q", b, mo + 56)[0]
ml = struct.unpack_from("<H", b, mo + 208)[0]
o = mo + 210 + ml
n = struct.unpack_from("<H", b, o)[0]
o += 2
for _ in range(n):
    t, f, l = struct.unpack_from("<HHI", b, o)
    if t == 1:
        c = struct.unpack_from("<I", b, o + 8)[0]
        for k in range(c):
            r = o + 12 + 56 * k
            if struct.unpack_from("<H", b, r)[0] == 8:
                print(struct.unpack_from("<Q", b, r + 8)[0], struct.unpack_from("<Q", b, r + 16)[0])
    o += 8 + l
PY
)
set -- $SEAL
SOFF=$1
SLEN=$2
expect_true "the seal lies just before the tables" -- test -n "$SOFF" -a -n "$SLEN"
bad=0
tried=0
i=0
while [ "$i" -lt "$SLEN" ]; do
	cp "$NC" "$S/flip.npk"
	flip_byte "$S/flip.npk" $((SOFF + i))
	tried=$((tried + 1))
	if cmp -s "$NC" "$S/flip.npk"; then
		bad=$((bad + 1))  # the byte did not change: the test is wrong
	elif "$NP" list -p "$PUB" -k "$K/a.key" "$S/flip.npk" > "$S/flip.out" 2>/dev/null; then
		bad=$((bad + 1))
	elif grep -a -q "$MARK" "$S/flip.out"; then
		bad=$((bad + 1))
	fi
	i=$((i + 7))
done
expect_eq "$bad" 0 "every byte of the seal changed (1 in 7, $tried tries): list -k fails and shows nothing"
# with survival copies (the default) the seal's copy serves, and verify
# still reports the damaged original
cp "$A" "$S/seal-copy.npk"
AOFF=$(python3 - "$A" <<'PY'
import struct, sys
b = open(sys.argv[1], "rb").read()
b = b[:struct.unpack_from("<Q", b, len(b) - 32)[0]]
mo = struct.unpack_from("<Q", b, len(b) - 32)[0]
pt = struct.unpack_from("<Q", b, mo + 56)[0]
print(pt - 100)
PY
)
printf 'XXXX' | dd of="$S/seal-copy.npk" bs=1 seek="$AOFF" conv=notrunc status=none
expect_exit 0 "a damaged seal: list -k reads through its survival copy" -- \
	"$NP" list -p "$PUB" -k "$K/a.key" "$S/seal-copy.npk" &&
	expect_contains "$ERR" "seal" "and warns that the seal's copy serves"
expect_exit 1 "a damaged seal: verify -k reports the damaged original" -- \
	"$NP" verify -p "$PUB" -k "$K/a.key" "$S/seal-copy.npk" &&
	expect_contains "$OUT" "seal" "naming the seal"
expect_exit 1 "a damaged seal: verify without a key reports it too" -- \
	"$NP" verify -p "$PUB" "$S/seal-copy.npk"
expect_exit 0 "repair --in-place writes the seal back from its copy" -- \
	"$NP" repair --in-place "$S/seal-copy.npk"
expect_exit 0 "then verify -k finds it intact" -- "$NP" verify -p "$PUB" -k "$K/a.key" "$S/seal-copy.npk"
expect_same "$S/seal-copy.npk" "$A" "and the file is the archive as it was made"
head -c $(($(file_size "$A") - 5000)) "$A" > "$S/cut.npk"
expect_exit 1 "the file cut short: verify says damaged" -- "$NP" verify -p "$PUB" "$S/cut.npk"
expect_exit 1 "the file cut short: list -k refuses it" -- "$NP" list -p "$PUB" -k "$K/a.key" "$S/cut.npk"

# ---- two sealings of the same inputs share about 1 byte in 256
expect_exit 0 "the same inputs sealed again" -- \
	$MK --meta "title=Collection $MARK" --recipient "$K/a.pub" --recipient "$K/b.pub" "$S/again.npk" "$IN"
SAME=$(python3 - "$A" "$S/again.npk" <<'PY'
import struct, sys
a = open(sys.argv[1], "rb").read()
b = open(sys.argv[2], "rb").read()
n = struct.unpack_from("<I", a, 32 + 16)[0]
print(sum(1 for i in range(56, 56 + n) if a[i] == b[i]), n)
PY
)
set -- $SAME
expect_true "the first cluster's stored bytes agree in $1 of $2 (chance: $(($2 / 256)))" -- \
	test "$1" -lt $(($2 * 3 / 256 + 8))

# ---- per-article proofs of a sealed archive (15.17.6): disclosing one
# document with the tree key, nothing else of the archive
DOC="$MARK-folder/statement-3-$MARK.txt"
expect_exit 0 "verify without a key: the tree is sealed" -- "$NP" verify -p "$PUB" "$A" &&
	expect_contains "$OUT" "tree: sealed" "says the tree's root shows with a key"
expect_exit 0 "verify with a key checks the sealed tree" -- "$NP" verify -p "$PUB" -k "$K/a.key" "$A" &&
	expect_contains "$OUT" "every leaf matches its entry" "every leaf against its entry"
mkdir -p "$S/no-config"
expect_exit 2 "prove without a key is refused" -- \
	env XDG_CONFIG_HOME="$S/no-config" "$NP" prove -p "$PUB" "$A" "$DOC" &&
	expect_contains "$ERR" "is sealed" "says why"
expect_exit 0 "prove with b's key" -- "$NP" prove -p "$PUB" -k "$K/b.key" "$A" "$DOC" -o "$S/doc.proof"
expect_true "the proof gives the tree key" -- grep -q '^tree-key ' "$S/doc.proof"
expect_exit 0 "check-proof with the signer's public key alone" -- \
	"$NP" check-proof -p "$PUB" "$S/doc.proof" "$IN/$DOC" &&
	expect_contains "$OUT" "PROOF: VALID" "the proof holds" &&
	expect_contains "$OUT" "document:  matches" "for the document's bytes"
expect_exit 1 "check-proof against another document" -- \
	"$NP" check-proof -p "$PUB" "$S/doc.proof" "$IN/$MARK-folder/statement-4-$MARK.txt"
expect_true "decoded, the proof holds no other document's path or title" -- /usr/bin/python3 -c "
import base64, sys
raw = b''.join(base64.b64decode(l.split(' ', 1)[1]) for l in open(sys.argv[1])
               if l.split(' ', 1)[0] in ('leaf', 'manifest', 'hash', 'tree-key'))
assert b'statement-3-' in raw, 'the proven path is missing'
for other in (b'statement-1-', b'statement-2-', b'statement-4-', b'Sidecar', b'Collection'):
    assert other not in raw, other
" "$S/doc.proof"
# The key is random: its first character becomes another one whatever it was.
sed 's/^tree-key A/tree-key B/;t;s/^tree-key ./tree-key A/' "$S/doc.proof" > "$S/bad-key.proof"
expect_true "a changed tree key is a changed proof" -- sh -c "! cmp -s '$S/doc.proof' '$S/bad-key.proof'"
expect_exit 1 "check-proof: a proof with another tree key is invalid" -- \
	"$NP" check-proof -p "$PUB" "$S/bad-key.proof" "$IN/$DOC" &&
	expect_contains "$OUT" "not the one the sealed manifest commits to" "says why"
grep -v '^tree-key ' "$S/doc.proof" > "$S/no-key.proof"
expect_exit 1 "check-proof: a sealed archive's proof without its tree key is invalid" -- \
	"$NP" check-proof -p "$PUB" "$S/no-key.proof" "$IN/$DOC"
expect_exit 0 "sealcheck.py checks the sealed tree's root against the commitment" -- \
	/usr/bin/python3 "$top/spec/vectors/sealcheck.py" open "$A" "$K/a.key" &&
	expect_contains "$OUT" "the sealed Merkle root is the tree of the" "from the entries' leaves"

# ---- the audit of an independent checker (sealcheck.py audit): no key
expect_exit 0 "sealcheck.py audit: signature and every digest, no key" -- \
	/usr/bin/python3 "$top/spec/vectors/sealcheck.py" audit "$A" "$PUB" &&
	expect_contains "$OUT" "contents not opened" "and opens nothing"
cp "$A" "$S/audit-flip.npk"
flip_byte "$S/audit-flip.npk" 200
expect_exit 1 "sealcheck.py audit: a changed ciphertext byte" -- \
	/usr/bin/python3 "$top/spec/vectors/sealcheck.py" audit "$S/audit-flip.npk" "$PUB" &&
	expect_contains "$OUT" "does not match its digest" "names the object"
expect_exit 1 "sealcheck.py audit: another signer's public key" -- \
	/usr/bin/python3 "$top/spec/vectors/sealcheck.py" audit "$A" "$top/spec/vectors/test.pub"

# ---- serve: a sealed archive served with a recipient's key, read byte for byte
expect_exit 2 "serve without a key refuses the sealed archive" -- \
	env XDG_CONFIG_HOME="$S/no-config" timeout 20 "$NP" serve -p "$PUB" --listen 127.0.0.1:0 "$A" &&
	expect_contains "$ERR" "is sealed" "says a key is needed"
# serve_up ARCHIVE KEY: newspack serve -k KEY on a free port of loopback
# (SPORT, SPID); $S/sv.py waits for it and names its archive (base, slug)
serve_up() {
	SPORT=$(/usr/bin/python3 -c "
import socket
s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1]); s.close()")
	timeout 60 "$NP" serve -q -p "$PUB" -k "$2" --listen "127.0.0.1:$SPORT" "$1" \
		>"$S/serve.out" 2>"$S/serve.err" &
	SPID=$!
}
serve_down() {
	kill "$SPID" 2>/dev/null
	wait "$SPID" 2>/dev/null
}
cat > "$S/sv.py" <<'PY'
import json, sys, time, urllib.request
base = "http://127.0.0.1:%s" % sys.argv[1]
for _ in range(100):
    try:
        arch = json.load(urllib.request.urlopen(base + "/api/archives"))
        break
    except OSError:
        time.sleep(0.1)
slug = arch["archives"][0]["slug"] if isinstance(arch, dict) else arch[0]["slug"]
PY
serve_up "$A" "$K/b.key"
expect_exit 0 "serve -k: /api/list and /api/raw of the sealed archive, byte for byte" -- \
	/usr/bin/python3 - "$SPORT" "$IN" "$S" <<'PY'
import json, os, sys, urllib.parse, urllib.request
sys.path.insert(0, sys.argv[3])
from sv import base, slug
top = sys.argv[2]
j = json.load(urllib.request.urlopen(base + "/api/list?archive=%s&limit=100" % slug))
paths = [d["path"] for d in j["documents"]]
assert j["total"] == len(paths) and j["total"] > 10, j["total"]
n = 0
for p in paths:
    if not os.path.isfile(os.path.join(top, p)):
        continue
    b = urllib.request.urlopen(base + "/api/raw?archive=%s&path=%s" % (slug, urllib.parse.quote(p))).read()
    assert b == open(os.path.join(top, p), "rb").read(), p
    n += 1
assert n > 10, n
print("served", j["total"], "documents;", n, "compared byte for byte")
PY
serve_down

# ---- a sealed search index (15.17.6: sections sealed in 64 KiB chunks)
expect_exit 0 "create --search-index, sealed" -- \
	$MK --search-index --recipient "$K/a.pub" --recipient "$K/b.pub" "$S/ix.npk" "$IN"
expect_exit 0 "the same, not sealed" -- $MK --search-index "$S/ix-plain.npk" "$IN"
expect_true "no word of the inputs in the sealed file, in any case (the index's terms too)" -- \
	sh -c "! grep -a -q -i -e '$MARK' -e 'detainees' -e 'wrenmouth' '$S/ix.npk'"
for q in "detainees" "\"names of the detainees\"" "title:witness" "reach -statement"; do
	expect_exit 0 "search -k: $q" -- "$NP" search --json -p "$PUB" -k "$K/a.key" -n 50 "$S/ix.npk" "$q" &&
		cp "$OUT" "$S/q-sealed.json" &&
		"$NP" search --json -p "$PUB" -n 50 "$S/ix-plain.npk" "$q" > "$S/q-plain.json" &&
		cp "$S/q-plain.json" "$S/q-plain-$(printf '%s' "$q" | tr -c 'a-z' _).json" &&
		expect_true "the same hits, scores and snippets as the archive not sealed" -- \
			/usr/bin/python3 -c "
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
for h in a['hits'] + b['hits']:
    h.pop('archive', None)
assert a['matched'] == b['matched'] and a['hits'] == b['hits'], (a['matched'], b['matched'])
" "$S/q-sealed.json" "$S/q-plain.json"
done
expect_exit 2 "search without a key is refused" -- \
	env XDG_CONFIG_HOME="$S/no-config" "$NP" search -p "$PUB" "$S/ix.npk" detainees &&
	expect_contains "$ERR" "is sealed" "says a key is needed"
expect_exit 0 "verify -k opens every chunk of the sealed sections" -- \
	"$NP" verify -p "$PUB" -k "$K/b.key" "$S/ix.npk" &&
	expect_contains "$OUT" "3 sections (3 known" "the index's two sections and the seal"
expect_exit 0 "sealcheck.py opens the sealed index's chunks" -- \
	/usr/bin/python3 "$top/spec/vectors/sealcheck.py" open "$S/ix.npk" "$K/a.key"
expect_exit 0 "sealcheck.py audits it" -- \
	/usr/bin/python3 "$top/spec/vectors/sealcheck.py" audit "$S/ix.npk" "$PUB"
IXAT=$(/usr/bin/python3 -c "
import sys
print(open(sys.argv[1], 'rb').read().find(b'NPKSEAL\n') - 700)" "$S/ix.npk")
cp "$S/ix.npk" "$S/ix-bad.npk"
flip_byte "$S/ix-bad.npk" "$IXAT"
expect_exit 1 "a changed byte of the sealed index: verify -k says where" -- \
	"$NP" verify -p "$PUB" -k "$K/a.key" "$S/ix-bad.npk" &&
	expect_contains "$OUT" "cannot be decrypted" "its chunk does not open"
expect_exit 1 "and search refuses it" -- "$NP" search -p "$PUB" -k "$K/a.key" "$S/ix-bad.npk" detainees
expect_exit 0 "recipients rekey of the indexed archive" -- \
	"$NP" recipients rekey -s "$KEY" -k "$K/a.key" --keep "$K/b.pub" "$S/ix.npk"
expect_exit 0 "search after rekey: the same hits" -- \
	"$NP" search --json -p "$PUB" -k "$K/b.key" -n 50 "$S/ix.npk" detainees &&
	expect_true "as before" -- /usr/bin/python3 -c "
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
assert [h['path'] for h in a['hits']] == [h['path'] for h in b['hits']] and a['hits']
" "$OUT" "$S/q-plain-detainees.json"
serve_up "$S/ix.npk" "$K/b.key"
expect_exit 0 "serve -k: /api/search of the sealed index, the hits of the archive not sealed" -- \
	/usr/bin/python3 - "$SPORT" "$S/q-plain-detainees.json" "$S" <<'PY'
import json, sys, urllib.request
sys.path.insert(0, sys.argv[3])
from sv import base, slug
j = json.load(urllib.request.urlopen(base + "/api/search?archive=%s&q=detainees&limit=50" % slug))
want = json.load(open(sys.argv[2]))
assert [h["path"] for h in j["hits"]][:10] == [h["path"] for h in want["hits"]][:10], j
print("served search:", j["matched"], "documents")
PY
serve_down
expect_exit 2 "search-index refuses a sealed archive, saying how" -- \
	"$NP" search-index -p "$PUB" -k "$K/a.key" "$A" "$S/ix2.npk"
expect_exit 2 "search-index (no key) refuses it too" -- \
	env XDG_CONFIG_HOME="$S/no-config" "$NP" search-index -p "$PUB" "$A" "$S/ix2.npk" &&
	expect_contains "$ERR" "create it again with --search-index" "and says how"

# ---- a sealed index of many chunks: 417 BBC politics articles of the corpus
BBC="$top/../shared/corpus/bbc/politics"
expect_true "the corpus is there ($BBC)" -- test -d "$BBC"
expect_exit 0 "create --search-index of the corpus's politics, sealed" -- \
	$MK --search-index --recipient "$K/a.pub" "$S/bbc.npk" "$BBC"
expect_exit 0 "the same, not sealed" -- $MK --search-index "$S/bbc-plain.npk" "$BBC"
CHUNKS=$(/usr/bin/python3 -c "
import struct, sys
b = open(sys.argv[1], 'rb').read()
if b.endswith(b'NPKTAIL\n'):
    b = b[:struct.unpack_from('<Q', b, len(b) - 32)[0]]
mo, ml = struct.unpack_from('<QI', b, len(b) - 32)
m = b[mo:mo + ml]
o = 210 + struct.unpack_from('<H', m, 208)[0]
n = 0
for _ in range(struct.unpack_from('<H', m, o)[0]):
    t, f, l = struct.unpack_from('<HHI', m, o + 2)
    if t == 1:
        for k in range(struct.unpack_from('<I', m, o + 10)[0]):
            ty, fl, r, off, ln = struct.unpack_from('<HHIQQ', m, o + 14 + 56 * k)
            if ty == 11:
                n = (ln + 65579) // 65580
    o += 8 + l
print(n)" "$S/bbc.npk")
expect_true "its postings take $CHUNKS chunks of 64 KiB (several)" -- test "$CHUNKS" -ge 3
for q in "election" "\"prime minister\"" "tax OR budget -labour" "title:blair"; do
	"$NP" search --json -p "$PUB" -k "$K/a.key" -n 100 "$S/bbc.npk" "$q" > "$S/b1.json" 2>&1
	"$NP" search --json -p "$PUB" -n 100 "$S/bbc-plain.npk" "$q" > "$S/b2.json" 2>&1
	expect_true "search $q: the same 100 best hits, scores and snippets, sealed or not" -- \
		/usr/bin/python3 -c "
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
for h in a['hits'] + b['hits']:
    h.pop('archive', None)
assert a['matched'] == b['matched'] > 0 and a['hits'] == b['hits'], (a['matched'], b['matched'])
" "$S/b1.json" "$S/b2.json"
done
expect_exit 0 "verify -k: every chunk opened, every H" -- "$NP" verify -q -p "$PUB" -k "$K/a.key" "$S/bbc.npk"

# ---- merge: sealed INPUTs opened with -k; OUT sealed with --recipient, or not
MG="$NP merge -q -s $KEY --timestamp 2026-03-01"
expect_exit 1 "merge of a sealed input with a key that is no recipient" -- \
	$MG -k "$K/c.key" "$S/mg0.npk" "$A" &&
	expect_contains "$ERR" "not a recipient" "says so"
expect_true "and wrote nothing" -- test ! -e "$S/mg0.npk"
expect_exit 0 "merge -k of a sealed input, OUT not sealed" -- $MG -k "$K/a.key" "$S/mg1.npk" "$A"
expect_exit 0 "OUT verifies, not sealed" -- "$NP" verify -p "$PUB" "$S/mg1.npk" &&
	expect_not_contains "$OUT" "sealed" "it is not sealed"
expect_exit 0 "merge -k --recipient c: OUT sealed for c" -- \
	$MG -k "$K/a.key" --recipient "$K/c.pub" --recipient "$K/b.pub" "$S/mg2.npk" "$A" "$S/one.npk"
expect_true "no marker in the sealed OUT" -- sh -c "! grep -a -q -e '$MARK' '$S/mg2.npk'"
expect_exit 0 "c reads every document of OUT" -- "$NP" verify -p "$PUB" -k "$K/c.key" "$S/mg2.npk"
expect_exit 0 "sealcheck.py opens OUT with c's key" -- \
	/usr/bin/python3 "$top/spec/vectors/sealcheck.py" open "$S/mg2.npk" "$K/c.key"
expect_exit 0 "extract OUT with c's key" -- "$NP" extract -q -p "$PUB" -k "$K/c.key" -C "$S/mgx" "$S/mg2.npk"
expect_true "byte for byte the inputs (sidecars are metadata)" -- diff -r -x '*.meta.json' "$S/mgx" "$IN"
expect_exit 0 "merge --search-index --recipient: a sealed OUT with a sealed index" -- \
	$MG -k "$K/a.key" --search-index --recipient "$K/b.pub" "$S/mg3.npk" "$S/bbc.npk"
expect_exit 0 "search it" -- "$NP" search --json -p "$PUB" -k "$K/b.key" -n 100 "$S/mg3.npk" election &&
	cp "$OUT" "$S/b1.json" &&
	"$NP" search --json -p "$PUB" -n 100 "$S/bbc-plain.npk" election > "$S/b2.json" &&
	expect_true "the hits of the archive never sealed" -- /usr/bin/python3 -c "
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
assert [h['path'] for h in a['hits']] == [h['path'] for h in b['hits']] and a['hits']
" "$S/b1.json" "$S/b2.json"
mkdir -p "$S/more/$MARK-folder"
printf 'A later statement %s.\n' "$MARK" > "$S/more/$MARK-folder/later-$MARK.txt"
# a new version of one statement, and a copy of another under a new path
{ cat "$IN/$MARK-folder/statement-2-$MARK.txt"; printf 'Corrected %s.\n' "$MARK"; } \
	> "$S/more/$MARK-folder/statement-2-$MARK.txt"
cp "$IN/$MARK-folder/statement-4-$MARK.txt" "$S/more/copy-of-4-$MARK.txt"

# ---- editions of a sealed archive (15.17.8): the chain's file key, the
# edition's own file id, its filters and tree sealed; a recipient added
# in an edition reads the whole chain
E1="$S/a-e1.npk"
W="$MARK-folder/statement-5-$MARK.txt"
expect_exit 2 "append to a sealed archive without its key is refused" -- \
	env XDG_CONFIG_HOME="$S/no-config" "$NP" append -s "$KEY" "$A" "$E1" "$S/more" &&
	expect_contains "$ERR" "is sealed: give a recipient's" "says a key is needed"
expect_exit 1 "append with a stranger's key: not a recipient" -- \
	"$NP" append -s "$KEY" -k "$K/c.key" "$A" "$E1" "$S/more" &&
	expect_contains "$ERR" "not a recipient" "says so"
expect_true "and nothing was written" -- test ! -e "$E1"
expect_exit 2 "append --recipient to an archive not sealed is refused" -- \
	"$NP" append -s "$KEY" --recipient "$K/c.pub" "$S/bbc-plain.npk" "$S/plain-e1.npk" "$S/more" &&
	expect_contains "$ERR" "all sealed or none is" "a chain is sealed throughout"
expect_exit 0 "append -k a --recipient c --withdraw: edition 1 of the sealed chain" -- \
	"$NP" append -q -s "$KEY" --timestamp 2026-03-02 -k "$K/a.key" --recipient "$K/c.pub" \
	--withdraw "$W" --reason "court order $MARK" "$A" "$E1" "$S/more"
expect_true "no path, title, reason or text in the edition" -- \
	sh -c "! grep -a -q -e '$MARK' -e 'later statement' -e 'court order' -e 'detainees' '$E1'"
expect_true "the edition is marked sealed (required flags 3)" -- \
	test "$(od -An -tu4 -j 12 -N 4 "$E1" | tr -d ' ')" = 3
expect_true "its own file id: no key or nonce of the base is used again" -- /usr/bin/python3 -c "
import struct, sys
fids, nonces = [], []
for p in sys.argv[1:3]:
    b = open(p, 'rb').read()
    s = b.find(b'NPKSEAL\n')
    fids.append(b[s + 16:s + 48])
    mo, ml = struct.unpack_from('<QI', b, len(b) - 32) if b.endswith(b'NPKTRAIL') else (0, 0)
    i = 0
    while (i := b.find(b'NPKC', i + 1)) > 0:
        if b[i + 5] == 2:
            nonces.append(b[i + 24:i + 48])
assert fids[0] != fids[1] and len(nonces) >= 2 and len(set(nonces)) == len(nonces), (fids, len(nonces))
" "$A" "$E1"

expect_exit 0 "verify the chain without a key: every file's signature and stored byte" -- \
	"$NP" verify -p "$PUB" "$E1" &&
	expect_contains "$OUT" "sealed; ciphertext intact" "the ciphertext is intact" &&
	expect_contains "$OUT" "sealed.npk: sealed, signed by" "each file: sealed, its signer" &&
	expect_not_contains "$OUT" "$MARK" "and nothing of what it holds"
expect_exit 0 "check-chain without a key: the links, signers and times" -- \
	"$NP" check-chain -p "$PUB" "$E1" &&
	expect_contains "$OUT" "CHAIN: VALID" "valid" &&
	expect_contains "$OUT" "a-e1.npk  2026-03-02T00:00:00Z  sealed" "each edition sealed"
expect_exit 2 "list of the chain without a key is refused" -- \
	env XDG_CONFIG_HOME="$S/no-config" "$NP" list -p "$PUB" "$E1"
expect_exit 0 "verify -k a: every document, filter and the chain's tree" -- \
	"$NP" verify -p "$PUB" -k "$K/a.key" "$E1" &&
	expect_contains "$OUT" "every leaf matches its entry" "the tree over both files" &&
	expect_contains "$OUT" "1 withdrawn" "the withdrawal counted"
expect_exit 0 "c, added in edition 1, lists the whole chain" -- \
	"$NP" list -p "$PUB" -k "$K/c.key" "$E1" &&
	expect_contains "$OUT" "statement-1-$MARK.txt" "a document of the base" &&
	expect_contains "$OUT" "later-$MARK.txt" "a document of the edition" &&
	expect_not_contains "$OUT" "statement-5-$MARK.txt" "not the withdrawn one"
expect_exit 1 "c cannot open the base alone (no stanza of its own there)" -- \
	"$NP" list -p "$PUB" -k "$K/c.key" "$A"
expect_exit 0 "cat of a base document through the edition, with c's key" -- \
	"$NP" cat -p "$PUB" -k "$K/c.key" "$E1" "$MARK-folder/statement-1-$MARK.txt" &&
	expect_same "$OUT" "$IN/$MARK-folder/statement-1-$MARK.txt" "byte for byte"
expect_exit 0 "cat of the new version" -- \
	"$NP" cat -p "$PUB" -k "$K/b.key" "$E1" "$MARK-folder/statement-2-$MARK.txt" &&
	expect_same "$OUT" "$S/more/$MARK-folder/statement-2-$MARK.txt" "byte for byte"
expect_exit 0 "cat of the copy, whose bytes are the base's (a reference)" -- \
	"$NP" cat -p "$PUB" -k "$K/b.key" "$E1" "copy-of-4-$MARK.txt" &&
	expect_same "$OUT" "$IN/$MARK-folder/statement-4-$MARK.txt" "byte for byte"
expect_exit 0 "list --all shows the withdrawal" -- \
	"$NP" list -p "$PUB" -k "$K/a.key" --all -l "$E1" &&
	expect_contains "$OUT" "withdrawn" "withdrawn"
expect_exit 0 "extract the chain with c's key" -- \
	"$NP" extract -q -p "$PUB" -k "$K/c.key" -C "$S/ex1" "$E1"
mkdir -p "$S/want1"
cp -R "$IN/." "$S/want1/"
cp -R "$S/more/." "$S/want1/"
rm -f "$S/want1/$W"
expect_true "byte for byte the state: the base, the edition, less the withdrawn" -- \
	diff -r -x '*.meta.json' "$S/ex1" "$S/want1"
expect_exit 0 "salvage -k of the edition: the state, as extract gives it" -- \
	"$NP" salvage -p "$PUB" -k "$K/c.key" -C "$S/sv1" "$E1"
expect_true "byte for byte the state (diff -r)" -- diff -r -x '*.meta.json' "$S/sv1" "$S/want1"
expect_exit 0 "prove -k a base document through the edition" -- \
	"$NP" prove -p "$PUB" -k "$K/a.key" "$E1" "$MARK-folder/statement-3-$MARK.txt" -o "$S/e1.proof"
expect_exit 0 "check-proof with the signer's key alone" -- \
	"$NP" check-proof -p "$PUB" "$S/e1.proof" "$IN/$MARK-folder/statement-3-$MARK.txt" &&
	expect_contains "$OUT" "PROOF: VALID" "valid"
expect_exit 0 "check-proof --archive -k says what became of it" -- \
	"$NP" check-proof -p "$PUB" -k "$K/b.key" --archive "$E1" "$S/e1.proof" &&
	expect_contains "$OUT" "still the current version" "still current"
expect_exit 2 "recipients add on an edition is refused, naming append" -- \
	"$NP" recipients add -s "$KEY" -k "$K/a.key" --recipient "$K/c.pub" "$E1" &&
	expect_contains "$ERR" "append -k KEY --recipient" "says how"
E2="$S/a-e2.npk"
printf 'The third file %s.\n' "$MARK" > "$S/third.txt"
expect_exit 0 "c appends edition 2 (its stanza carried over)" -- \
	"$NP" append -q -s "$KEY" --timestamp 2026-03-03 -k "$K/c.key" "$E1" "$E2" "$S/third.txt"
expect_exit 0 "a reads the chain of three files" -- \
	"$NP" verify -p "$PUB" -k "$K/a.key" "$E2" &&
	expect_contains "$OUT" "a-e2.npk: 1 entry, signed by" "three editions"
expect_exit 0 "sealcheck.py opens the chain of three with c's key" -- \
	/usr/bin/python3 "$top/spec/vectors/sealcheck.py" open "$E2" "$K/c.key"
expect_exit 0 "sealcheck.py audits the edition without a key" -- \
	/usr/bin/python3 "$top/spec/vectors/sealcheck.py" audit "$E2" "$PUB"
# an edition that names another file: the base of another sealed chain
# (another file key) put in the base's place
mkdir -p "$S/swap"
cp "$E1" "$S/swap/"
$MK --recipient "$K/a.pub" "$S/swap/sealed.npk" "$IN" > /dev/null 2>&1
expect_exit 1 "a base swapped for another sealed archive: not the chain's" -- \
	"$NP" list -p "$PUB" -k "$K/a.key" "$S/swap/a-e1.npk"

# ---- salvage of a sealed archive: with a key, its seal from its place or
# its survival copy; the documents of intact clusters written, proven
expect_exit 0 "a sealed archive of several clusters" -- \
	$MK --cluster-size 4096 --recipient "$K/a.pub" "$S/many.npk" "$IN"
CL0=$(/usr/bin/python3 -c "
import struct, sys
b = open(sys.argv[1], 'rb').read()
i = b.find(b'NPKC', 32)
print(i + 100)" "$S/many.npk")
SEALAT=$(/usr/bin/python3 -c "
import sys
print(open(sys.argv[1], 'rb').read().find(b'NPKSEAL\n') + 200)" "$S/many.npk")
cp "$S/many.npk" "$S/wreck.npk"
flip_byte "$S/wreck.npk" "$CL0"
flip_byte "$S/wreck.npk" "$SEALAT"
expect_exit 2 "salvage without a key: the sealed archive is refused" -- \
	env XDG_CONFIG_HOME="$S/no-config" "$NP" salvage -p "$PUB" -C "$S/sv0" "$S/wreck.npk" &&
	expect_contains "$ERR" "is sealed" "says a key is needed"
expect_true "and wrote no document" -- sh -c "! ls -A '$S/sv0' 2>/dev/null | grep -q ."
expect_exit 1 "salvage -k: a damaged cluster, a damaged seal" -- \
	"$NP" salvage -p "$PUB" -k "$K/a.key" -C "$S/sv" "$S/wreck.npk" &&
	expect_contains "$OUT" "MOVED    seal: found at offset" "the seal's survival copy serves" &&
	expect_contains "$OUT" "NOT RECOVERED" "the documents of the damaged cluster are named"
N_OK=0
for f in $(cd "$IN" && find . -type f | sed 's|^\./||'); do
	if [ -f "$S/sv/$f" ]; then
		cmp -s "$S/sv/$f" "$IN/$f" || N_OK=-1000
		N_OK=$((N_OK + 1))
	fi
done
expect_true "salvage wrote $N_OK documents, each byte for byte its input" -- test "$N_OK" -gt 3
expect_exit 1 "salvage with a key that is no recipient" -- \
	"$NP" salvage -p "$PUB" -k "$K/c.key" -C "$S/sv2" "$S/wreck.npk" &&
	expect_contains "$ERR" "not a recipient" "says so"

finish
