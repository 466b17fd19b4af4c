#!/bin/sh
# seeds.sh - writes the seed inputs of tests/fuzz/corpus/TARGET/ from the
# project's own files (seeds/, spec/vectors/, tests/keys/) and small
# inputs written here. Run from the top folder after `make`:
#   sh tests/fuzz/seeds.sh
# Seeds are named seed-*; inputs the fuzzer found and that once crashed or
# hung a target are kept beside them as crash-* and slow-* (README.md).
set -eu
NP=./newspack
C=tests/fuzz/corpus
K=tests/keys/test.key
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
for t in archive pubkey seckey meta_text meta_markdown meta_html sidecar parity; do
	mkdir -p "$C/$t"
	rm -f "$C/$t"/seed-*
done
mk() { # NAME [create options] INPUT...
	n=$1
	shift
	"$NP" create -q -s "$K" --timestamp 2025-01-24 "$@" && return 0
	echo "seeds.sh: cannot make $n" >&2
	exit 1
}

# archive: the spec vectors, the seeds in each codec, many small clusters
# and pages, odd paths and an empty document (format 1.0, then 1.1).
cp spec/vectors/vector.npk "$C/archive/seed-vector.npk"
cp spec/vectors/vector-1.1.npk "$C/archive/seed-vector-1.1.npk"
mk seeds "$C/archive/seed-seeds-zlib.npk" --format-version 1.0 seeds
mk seeds "$C/archive/seed-seeds-zstd.npk" --format-version 1.0 --codec zstd seeds
mkdir -p "$T/many/a/b" "$T/many/c"
i=0
while [ $i -lt 40 ]; do
	printf 'Document %d\nBy A. Writer\n\n%s\n' $i "$(seq $i $((i * 3)))" >"$T/many/a/b/d$i.txt"
	i=$((i + 1))
done
: >"$T/many/c/empty.txt"
printf '# Heading\n\nText.\n' >"$T/many/c/note.md"
printf '\316\261\316\262 \342\200\224 non-ASCII name\n' >"$T/many/c/$(printf '\316\261\316\262').txt"
mk many "$C/archive/seed-many.npk" --format-version 1.0 --cluster-size 4096 \
	--meta title="seed archive" --meta creator=newspack "$T/many"
mk many-1.1 "$C/archive/seed-many-1.1.npk" --cluster-size 4096 --meta title="seed archive" \
	--meta creator=newspack "$T/many"
# format 1.1 structures create does not write yet (spec/format.md 15):
# sections in the body, an unsigned tail, entries with later fields and
# with kinds, from the hostile suite's writer
python3 tests/hostile/forge.py "$T/forge" >/dev/null || {
	echo "seeds.sh: forge.py failed" >&2
	exit 1
}
for c in v11-sections-two v11-tail v11-tail-digest v11-entry-later-fields v11-leaf-duplicate \
	v11-copies v11-copies-page-table \
	v11-kind-unknown; do
	cp "$T/forge/$c.npk" "$C/archive/seed-$c.npk"
done

# salvage (spec/format.md 15.11): archives of many clusters whole, with a
# table or the trailer destroyed, and with bytes inserted between objects
mkdir -p "$C/salvage"
rm -f "$C/salvage"/seed-*
cp "$C/archive/seed-many.npk" "$C/archive/seed-many-1.1.npk" "$C/archive/seed-v11-tail.npk" \
	"$C/salvage/"
python3 - "$C/salvage" << 'EOF'
import struct, sys
c = sys.argv[1]
for v in ('many', 'many-1.1'):
    d = open('%s/seed-%s.npk' % (c, v), 'rb').read()
    if d[-8:] == b'NPKTAIL\n':             # its survival copies (15.9) go: the worst case
        d = d[:struct.unpack_from('<Q', d, len(d) - 32)[0]]
    mf = struct.unpack_from('<Q', d, len(d) - 32)[0]
    pt, pts, cts = struct.unpack_from('<QII', d, mf + 56)
    def put(name, b):
        open('%s/seed-%s-%s.npk' % (c, v, name), 'wb').write(b)
    put('page-table', d[:pt] + bytes(pts) + d[pt + pts:])
    put('cluster-table', d[:pt + pts] + bytes(cts) + d[pt + pts + cts:])
    put('tables', d[:pt] + bytes(pts + cts) + d[mf:])
    put('trailer', d[:-32] + bytes(32))
    off = struct.unpack_from('<Q', d, pt + pts + 48 * 2)[0]
    put('inserted', d[:off] + bytes(range(100)) + d[off:])
EOF
for f in many many-1.1 v11-tail; do mv "$C/salvage/seed-$f.npk" "$C/salvage/seed-$f-whole.npk"; done

# keys
cp tests/keys/test.pub "$C/pubkey/seed-test.pub"
cp tests/keys/other.pub "$C/pubkey/seed-other.pub"
cp spec/vectors/test.pub "$C/pubkey/seed-vector.pub"
printf 'RWTIvw+D282ZDSo4UpOMDtPUxGiSicZd26QuR7Y3Oo48VxOapiQPNBcq\n' >"$C/pubkey/seed-bare.pub"
cp tests/keys/test.key "$C/seckey/seed-test.key"
cp tests/keys/other.key "$C/seckey/seed-other.key"
cp spec/vectors/seal-recipient.key "$C/seckey/seed-x25519.key"
printf 'seed\n' >"$T/pass"
"$NP" keygen -f -p "$T/enc.pub" -s "$C/seckey/seed-encrypted.key" --passphrase-file "$T/pass" \
	>/dev/null 2>&1 || {
	echo "seeds.sh: cannot make an encrypted key" >&2
	exit 1
}
# keygen trusts the key it makes: forget it again
rm -f "${XDG_CONFIG_HOME:-$HOME/.config}/newspack/trusted/$(sed -n 's/.*public key \([0-9A-F]*\).*/\1/p' "$T/enc.pub").pub"

# metadata: the seed documents and small ones for each rule
cp seeds/000_087c6aae1e53e9e7.txt "$C/meta_text/seed-article.txt"
cp seeds/2025-05-library-funding.txt "$C/meta_text/seed-library.txt"
printf 'Council votes on harbour wall\nBy Jane Doe and John Roe, Staff Reporters\nPublished: 24 January 2025\n\nThe council voted.\n' \
	>"$C/meta_text/seed-byline.txt"
printf '\357\273\277TITLE\r\nBy Name (Bureau)\r\n2025-01-24\r\n\r\nText\r\n' >"$C/meta_text/seed-bom-crlf.txt"
cp seeds/2025-03-harbour-council.md "$C/meta_markdown/seed-harbour.md"
printf -- '---\ntitle: Plain\nauthors: [A, "B, C"]\ndate: 2025-01-24\ntags:\n  - x\n  - y\n---\n# Heading\n' \
	>"$C/meta_markdown/seed-list.md"
printf -- '---\ntitle: |\n  Two\n  lines\nauthor: >\n  Folded\n  name\n---\n' >"$C/meta_markdown/seed-block.md"
printf '# Only a heading\n\nBy Someone\n' >"$C/meta_markdown/seed-heading.md"
cp seeds/2025-04-flood-report.html "$C/meta_html/seed-flood.html"
printf '<html lang="ko"><head><meta http-equiv="Content-Type" content="text/html; charset=euc-kr"><title>\261\342\273\347</title></head></html>' \
	>"$C/meta_html/seed-euckr.html"
printf '\357\273\277<html><head><script>var s="<meta charset=koi8-r>";</script><meta charset="utf-8"><title>T</title></head></html>' \
	>"$C/meta_html/seed-bom-script.html"
printf '<html><head><script type="application/ld+json">//<![CDATA[\n{"@graph":[{"@type":"NewsArticle","headline":"H","author":[{"name":"A"},"B"],"datePublished":"2025-01-24T10:00:00Z","publisher":{"name":"P"},"keywords":["k1","k2"]}]}\n//]]></script><meta property="og:title" content="O"><link rel="canonical" href="https://x.example/a"></head><body><time datetime="2025-01-24">d</time><div class="c-byline">By Jane Doe - Jan 24, 2025</div></body></html>' \
	>"$C/meta_html/seed-jsonld.html"
cp seeds/2025-05-library-funding.txt.meta.json "$C/sidecar/seed-library.json"
printf '{"title": "T\\u00e9\\ud83d\\ude00", "author": ["A", "B"], "date": null, "x.y-z": "1"}' \
	>"$C/sidecar/seed-unicode.json"
printf '{"title": 1}' >"$C/sidecar/seed-number.json"
printf '[]' >"$C/sidecar/seed-array.json"
# parity (spec/format.md 15.10): the seeds protected at 5% and 100%, and
# damaged in a data block, in table A and header copy 1, and with the tail
# trailer cut (found by scanning)
mk seeds "$C/parity/seed-seeds-5.npk" --parity 5 seeds
mk seeds "$C/parity/seed-seeds-100.npk" --parity 100 --no-copies seeds
python3 - "$C/parity" << 'EOF'
import os, sys
d = sys.argv[1]
good = open(os.path.join(d, 'seed-seeds-5.npk'), 'rb').read()
size = int.from_bytes(good[-32:-24], 'little')
def put(name, b):
    open(os.path.join(d, name), 'wb').write(b)
put('seed-data-damaged.npk', good[:100] + bytes(300) + good[400:])
put('seed-table-damaged.npk', good[:size] + bytes(100) + good[size + 100:])
put('seed-cut.npk', good[:-40])
put('seed-inserted.npk', good[:1000] + b'inserted' * 9 + good[1000:])
EOF
# proof (spec/format.md 15.14): a proof of one document, a file of three,
# one with a stamp line, one in CRLF
mkdir -p "$C/proof"
rm -f "$C/proof"/seed-*
mk seeds "$T/proof.npk" seeds
first=$("$NP" list -p tests/keys/test.pub "$T/proof.npk" | head -n 3)
# shellcheck disable=SC2086
"$NP" prove -p tests/keys/test.pub "$T/proof.npk" $first -o "$C/proof/seed-three.proof"
awk '/^npk-proof/ { n++ } n == 1' "$C/proof/seed-three.proof" >"$C/proof/seed-one.proof"
{ cat "$C/proof/seed-one.proof"; echo "stamp rfc3161 AAAA"; } >"$C/proof/seed-stamp.proof"
sed 's/$/\r/' "$C/proof/seed-one.proof" >"$C/proof/seed-crlf.proof"
# proof_leaf (spec/format.md 15.13, 15.14): leaf data of each kind with a
# true proof in a tree of 5 leaves (stride 1, the input long enough to be
# the section too), leaf type 1, a cut leaf, a byte after the salt, an
# index past the size
mkdir -p "$C/proof_leaf"
rm -f "$C/proof_leaf"/seed-*
python3 - "$C/proof_leaf" << 'EOF'
import hashlib, os, struct, sys
d = sys.argv[1]
H = lambda b: hashlib.sha256(b).digest()
def mth(h):
    if len(h) == 1: return h[0]
    k = 1
    while 2 * k < len(h): k *= 2
    return H(b'\1' + mth(h[:k]) + mth(h[k:]))
def path(m, h):
    if len(h) <= 1: return []
    k = 1
    while 2 * k < len(h): k *= 2
    return path(m, h[:k]) + [mth(h[k:])] if m < k else path(m - k, h[k:]) + [mth(h[:k])]
def leaf(kind, p, size, media, meta):
    m = struct.pack('<H', len(meta)) + b''.join(
        bytes([len(k)]) + k + struct.pack('<H', len(v)) + v for k, v in meta)
    return (bytes([0, kind]) + struct.pack('<H', len(p)) + p + struct.pack('<Q', size) +
            bytes(range(32)) + bytes([len(media)]) + media + struct.pack('<H', len(m)) + m +
            bytes(range(16, 32)))
def put(name, stride, m, n, data, hashes, root, k=None, pad=400):
    k = len(hashes) if k is None else k
    b = (bytes([stride, k]) + struct.pack('<QQH', m, n, len(data)) + data + root +
         b''.join(hashes))
    open(os.path.join(d, 'seed-' + name), 'wb').write(b + bytes(max(0, pad - len(b))))
doc = leaf(0, b'news/2025/a.html', 1234, b'text/html',
           [(b'date', b'2025-01-24'), (b'title', b'A title \xc3\xa9')])
kinds = {'document': doc, 'folder': leaf(2, b'news/empty', 0, b'inode/directory', []),
         'link': leaf(3, b'news/latest', 6, b'inode/symlink', [])}
for name, data in kinds.items():
    h = [H(b'\0' + bytes([i])) for i in range(5)]
    h[1] = H(b'\0' + data)
    put(name, 1, 1, 5, data, path(1, h), mth(h))
h = [H(b'\0' + doc)] + [H(b'\0' + struct.pack('<H', i)) for i in range(1, 300)]
put('document-300', 8, 0, 300, doc, path(0, h), mth(h), pad=24 + 32 * 301)
put('type1', 1, 0, 1, b'\1' + doc[1:], [], H(b''))
put('cut', 1, 0, 1, doc[:-1], [], H(b''))
put('trailing', 1, 0, 1, doc + b'\0', [], H(b''))
put('past', 16, 5, 5, doc, [H(b'')] * 3, H(b''))
EOF
# edition (spec/format.md 15.15): an edition link with and without a
# rotation statement, the vectors' rotation file, a consistency proof of 6
# leaves in 8 (and one of a tree in itself), a path filter holding a path
mkdir -p "$C/edition"
rm -f "$C/edition"/seed-*
python3 - "$C/edition" spec/vectors/editions/rotation.txt << 'EOF'
import hashlib, os, struct, sys
d = sys.argv[1]
H = lambda b: hashlib.sha256(b).digest()
def put(name, b):
    open(os.path.join(d, 'seed-' + name), 'wb').write(b)
link = (struct.pack('<II', 2, 0) + bytes(range(32)) + bytes(range(32, 64)) +
        struct.pack('<QH', 6, 14) + b'news.e0001.npk')
put('link', b'\0' + link)
rot = (struct.pack('<II', 2, 1) + link[8:] + b'NPKROT1\n' + bytes(range(32)) +
       bytes(range(32, 64)) + struct.pack('<II', 2, 0) + bytes(40) + bytes(64))
put('link-rotation', b'\0' + rot)
put('rotation', b'\1' + open(sys.argv[2], 'rb').read())
def mth(h):
    if len(h) == 1: return h[0]
    k = 1
    while 2 * k < len(h): k *= 2
    return H(b'\1' + mth(h[:k]) + mth(h[k:]))
def sub(m, h, b):   # RFC 9162 2.1.4.1 SUBPROOF
    n = len(h)
    if m == n: return [] if b else [mth(h)]
    k = 1
    while 2 * k < n: k *= 2
    if m <= k: return sub(m, h[:k], b) + [mth(h[k:])]
    return sub(m - k, h[k:], False) + [mth(h[:k])]
h = [H(b'\0' + bytes([i])) for i in range(8)]
put('consistency-6-8', b'\2' + struct.pack('<QQ', 6, 8) + mth(h[:6]) + mth(h) +
    b''.join(sub(6, h, True)))
put('consistency-8-8', b'\2' + struct.pack('<QQ', 8, 8) + mth(h) + mth(h))
m, k = 10048, 7
f = bytearray(m // 8)
path = b'news/2025/a.html'
dg = hashlib.blake2b(path, digest_size=32).digest()
h1, h2 = struct.unpack('<Q', dg[:8])[0], struct.unpack('<Q', dg[8:16])[0] | 1
for j in range(k):
    b = ((h1 + j * h2) % 2**64) % m
    f[b >> 3] |= 1 << (b & 7)
put('paths', b'\3' + b'NPKPATHS' + struct.pack('<QQB', 1000, m, k) + bytes(7) + bytes(f) + path)
EOF

# query (spec/search.md 8): the section's examples, each rule once
mkdir -p "$C/query"
rm -f "$C/query"/seed-*
q() { printf '%s' "$2" >"$C/query/seed-$1"; }
q words 'climate change'
q operators 'flood OR storm (harbour AND wall) NOT "sea level"'
q precedence 'a OR b c -d'
q fields 'title:"climate change" author:Doe -section:sport source:bbc lang:en url:https://x.example/a'
q dates 'council date:2025-01..2025-03 -date:2025-02-14 (date:2024 OR date:..1999-12-31)'
q typographic "$(printf 'author:\342\200\234Jane Doe\342\200\235 \342\200\234council\342\200\235')"
q scripts "$(printf '정부는 발표 -예산 "وافق المجلس" Совет OR бюджет 中华人民共和国\343\200\200国务院')"
q words-colon '10:30 http://x.example/a text:x'
q nested 'a -(b -(c OR (d e)))'
q error-negated 'a OR -b'
q error-quote 'a "b c'
q error-date 'date:2025-02-29..2025-13'
# sealed (spec/format.md 15.17): sealed for the vector recipient (the key
# the target holds), with the tree, many clusters, a passphrase stanza
# (parsed, not tried) and another recipient's, and a parity tail
mkdir -p "$C/sealed"
rm -f "$C/sealed"/seed-*
cp spec/vectors/vector-1.1-sealed.npk "$C/sealed/seed-vector-1.1-sealed.npk"
RP=spec/vectors/seal-recipient.pub
mk sealed "$C/sealed/seed-seeds.npk" --recipient "$RP" seeds
mk sealed-many "$C/sealed/seed-many.npk" --cluster-size 4096 --recipient "$RP" "$T/many"
./newspack keygen --encryption -W -s "$T/other.key" -p "$T/other.pub" >/dev/null
printf 'seed passphrase\n' >"$T/pass"
mk sealed-stanzas "$C/sealed/seed-stanzas.npk" --recipient "$T/other.pub" --recipient "$RP" \
	--encrypt-passphrase-file "$T/pass" seeds
mk sealed-index "$C/sealed/seed-index.npk" --search-index --recipient "$RP" seeds
cp "$C/sealed/seed-seeds.npk" "$C/sealed/seed-protected.npk"
./newspack-full protect --parity 20 "$C/sealed/seed-protected.npk" >/dev/null
# a sealed edition (15.17.8), alone: its link, the sealed edition record,
# its sealed filters (its base is not beside it: the chain stops there)
mkdir -p "$T/ed"
printf 'A later statement.\n' >"$T/ed/later.txt"
"$NP" append -q -s "$K" --timestamp 2025-01-25 -k spec/vectors/seal-recipient.key \
	"$C/sealed/seed-seeds.npk" "$C/sealed/seed-edition.npk" "$T/ed" ||
	{ echo "seeds.sh: cannot make sealed-edition" >&2; exit 1; }
echo "seeds.sh: written under $C"
