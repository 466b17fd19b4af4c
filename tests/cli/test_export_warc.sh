#!/bin/sh
# test_export_warc.sh - newspack export to WARC/1.1 (.warc and .warc.gz),
# read back by warcio.js (tests/warc/read-warc.mjs) and checked here:
#   the record layout: a warcinfo record, then for each document in path
#     order a resource record and a metadata record that refers to it;
#   every document byte for byte as `newspack cat` gives it, its media
#     type, size and WARC-Target-URI (its url, else urn:newspack:PATH);
#   every metadata record's JSON against `newspack list --json`;
#   every WARC-Block-Digest recomputed (SHA-256, base32) here and by
#     warcio, record ids unique and deterministic UUIDs (version 8);
#   the framing, by a strict reader here: CRLF header lines, exact
#     Content-Length, CRLF CRLF after each block; in .warc.gz one gzip
#     member per record;
#   the same archive exports to the same bytes;
#   and refusals: an existing OUT, a damaged archive; nothing is written.
# Needs node and npm (warcio.js is installed into tests/warc/node_modules
# by `npm ci --prefix tests/warc` when missing); not bsdtar.
. "$(dirname "$0")/lib.sh"
suite_begin export-warc

KEY="$KEYS/test.key"
PUB="$KEYS/test.pub"
W="$top/tests/warc"

# ---- warcio.js
if ! command -v node > /dev/null 2>&1; then
	fail "node is needed to read WARC files back with warcio.js" \
		"install Node.js 18 or later and npm (Debian: apt-get install nodejs npm, or sh scripts/deps.sh as root)"
	finish
fi
if [ ! -f "$W/node_modules/warcio/package.json" ]; then
	if ! command -v npm > /dev/null 2>&1; then
		fail "npm is needed to install warcio.js into tests/warc/node_modules" \
			"install npm (Debian: apt-get install npm), or run: npm ci --prefix tests/warc --no-audit --no-fund"
		finish
	fi
	info "installing warcio.js: npm ci --prefix tests/warc --no-audit --no-fund"
	if ! npm ci --prefix "$W" --no-audit --no-fund > "$S/npm.log" 2>&1; then
		fail "npm ci --prefix tests/warc failed: warcio.js is not installed"
		show_file npm.log "$S/npm.log"
		finish
	fi
fi
info "warcio $(node -p 'require(process.argv[1]).version' "$W/node_modules/warcio/package.json")," \
	"node $(node --version)"

# ---- the archive: the inputs of test_export.sh, a sidecar url, and a
# document larger than the 8 MiB read once into memory
IN="$S/in"
mkdir -p "$IN/news/2025" "$IN/$(printf '\316\261\316\262')" "$IN/odd" "$IN/big"
cp "$top/seeds/"* "$IN/news/"
printf 'Council votes\nBy Jane Doe\n\nText.\n' > "$IN/news/2025/vote.txt"
printf '{"url": "https://example.org/news/1", "title": "Council\\nvotes"}\n' > "$IN/news/2025/vote.txt.meta.json"
printf 'x' > "$IN/$(printf '\316\261\316\262')/$(printf '\316\263').txt"
: > "$IN/odd/empty.txt"
head -c 70000 /dev/urandom > "$IN/odd/random.bin"
printf 'percent\n' > "$IN/odd/100% sure & more.txt"
printf '{"url": "example.org/no scheme"}\n' > "$IN/odd/100% sure & more.txt.meta.json"
long="$IN/odd/$(printf 'l%.0s' $(seq 1 120))/$(printf 'm%.0s' $(seq 1 120)).txt"
mkdir -p "$(dirname "$long")" && printf 'long path\n' > "$long"
head -c 9437184 /dev/urandom > "$IN/big/nine-mib.bin"
expect_exit 0 "an archive to export" -- "$NP" create -q -s "$KEY" --timestamp 2025-06-01T08:30:00Z \
	--meta "title=WARC export test" --meta "creator=Archive desk" \
	--meta "description=$(printf 'line one\r\nline two')" "$S/a.npk" "$IN"
"$NP" list --json -p "$PUB" "$S/a.npk" > "$S/a.json"
"$NP" info --json -p "$PUB" "$S/a.npk" > "$S/info.json"
docs=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["documents"]))' "$S/a.json")
expect_eq "$docs" 11 "the archive holds the 11 documents"

# ---- export, twice each: the same bytes
expect_exit 0 "export to .warc.gz" -- "$NP" export -p "$PUB" "$S/a.npk" "$S/a.warc.gz" &&
	expect_contains "$ERR" "exported 11 documents to $S/a.warc.gz (warc.gz)" "it says how many documents, and the format"
expect_exit 0 "export to .warc" -- "$NP" export -q -p "$PUB" "$S/a.npk" "$S/a.warc"
mkdir -p "$S/again"
expect_exit 0 "export both again (the same names, another folder)" -- sh -c \
	'"$1" export -q -p "$2" "$3" "$4/a.warc.gz" && "$1" export -q -p "$2" "$3" "$4/a.warc"' \
	sh "$NP" "$PUB" "$S/a.npk" "$S/again"
expect_same "$S/a.warc.gz" "$S/again/a.warc.gz" "the same archive exports to the same .warc.gz, byte for byte"
expect_same "$S/a.warc" "$S/again/a.warc" "the same archive exports to the same .warc, byte for byte"
expect_exit 0 "--format warc.gz whatever OUT's name" -- "$NP" export -q -p "$PUB" --format warc.gz "$S/a.npk" "$S/fmt.out"
expect_exit 0 "gzip -t passes on it" -- gzip -t "$S/fmt.out"
expect_exit 0 "gzip -t passes on the .warc.gz" -- gzip -t "$S/a.warc.gz"
records=$((1 + 2 * docs))

# ---- framing, by a strict reader
cat > "$S/frame.py" <<'PY'
import re, sys, zlib
def records(data, where):
    """Splits an uncompressed WARC strictly; returns (header lines, block) pairs."""
    out, pos = [], 0
    while pos < len(data):
        end = data.find(b"\r\n\r\n", pos)
        if end < 0:
            sys.exit("%s: record %d at %d: no end of header" % (where, len(out) + 1, pos))
        head = data[pos:end].decode("utf-8")
        lines = head.split("\r\n")
        if lines[0] != "WARC/1.1":
            sys.exit("%s: record %d at %d starts %r" % (where, len(out) + 1, pos, lines[0]))
        if "\n" in head.replace("\r\n", "") or "\r" in head.replace("\r\n", ""):
            sys.exit("%s: record %d: a bare CR or LF in its header" % (where, len(out) + 1))
        fields = {}
        for l in lines[1:]:
            m = re.fullmatch(r"([A-Za-z0-9-]+): (\S.*)", l)
            if not m or m.group(1) in fields:
                sys.exit("%s: record %d: bad or repeated field %r" % (where, len(out) + 1, l))
            fields[m.group(1)] = m.group(2)
        n = int(fields["Content-Length"])
        blk = data[end + 4:end + 4 + n]
        if len(blk) != n or data[end + 4 + n:end + 8 + n] != b"\r\n\r\n":
            sys.exit("%s: record %d: its block is not followed by CRLF CRLF" % (where, len(out) + 1))
        out.append((fields, blk))
        pos = end + 8 + n
    return out
plain = open(sys.argv[1], "rb").read()
gz = open(sys.argv[2], "rb").read()
want = int(sys.argv[3])
a = records(plain, sys.argv[1])
# one gzip member per record, each a whole record
members, rest = [], gz
while rest:
    d = zlib.decompressobj(31)
    members.append(d.decompress(rest) + d.flush())
    if not d.eof:
        sys.exit("a truncated gzip member")
    rest = d.unused_data
for i, m in enumerate(members):
    if len(records(m, "member %d" % (i + 1))) != 1:
        sys.exit("gzip member %d is not one record" % (i + 1))
b = records(b"".join(members), sys.argv[2])
if len(a) != want or len(b) != want or len(members) != want:
    sys.exit("records: %d in .warc, %d in .warc.gz, %d gzip members; want %d" % (len(a), len(b), len(members), want))
# the same records but for the warcinfo's WARC-Filename (and so its digest)
for i, ((fa, ba), (fb, bb)) in enumerate(zip(a, b)):
    if i > 0 and (fa != fb or ba != bb):
        sys.exit("record %d differs between .warc and .warc.gz" % (i + 1))
print("framing ok: %d records, %d gzip members" % (len(a), len(members)))
PY
expect_exit 0 "both files are well-framed WARC/1.1 records; one gzip member per record" -- \
	python3 "$S/frame.py" "$S/a.warc" "$S/a.warc.gz" "$records"
expect_contains "$OUT" "framing ok: $records records, $records gzip members" "($records records, as many gzip members)"

# ---- read back with warcio.js
expect_exit 0 "warcio reads the .warc.gz" -- node "$W/read-warc.mjs" "$S/a.warc.gz" "$S/wgz"
cp "$OUT" "$S/wgz.jsonl"
expect_exit 0 "warcio reads the .warc" -- node "$W/read-warc.mjs" "$S/a.warc" "$S/wplain"
cp "$OUT" "$S/wplain.jsonl"

cat > "$S/check.py" <<'PY'
import base64, hashlib, json, re, subprocess, sys, urllib.parse
np, pub, npk, listing, infofile, jsonl, name = sys.argv[1:8]
docs = json.load(open(listing, encoding="utf-8"))["documents"]
info = json.load(open(infofile, encoding="utf-8"))
recs = [json.loads(l) for l in open(jsonl, encoding="utf-8")]
bad = []
def check(cond, msg):
    if not cond:
        bad.append(msg)
def b32(data):
    return "sha256:" + base64.b32encode(hashlib.sha256(data).digest()).decode()
check(len(recs) == 1 + 2 * len(docs), "%d records for %d documents" % (len(recs), len(docs)))
uuid = re.compile(r"<urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}>")
ids = [r["record_id"] for r in recs]
check(len(set(ids)) == len(ids), "record ids repeat")
blocks = []
for r in recs:
    blk = open(r["file"], "rb").read()
    blocks.append(blk)
    check(uuid.fullmatch(r["record_id"] or ""), "record %d: id %r is not a version 8 UUID URN" % (r["n"], r["record_id"]))
    check(r["date"] == info["created"], "record %d: WARC-Date %s" % (r["n"], r["date"]))
    check(r["size"] == r["content_length"] == len(blk), "record %d: Content-Length" % r["n"])
    check(r["block_digest"] == b32(blk), "record %d: WARC-Block-Digest %s, recomputed %s" % (r["n"], r["block_digest"], b32(blk)))
    if r["type"] != "warcinfo":
        check(r["digest_ok"] is True, "record %d: warcio computes another digest: %s" % (r["n"], r["warcio_block_digest"]))
        check(r["warcinfo_id"] == recs[0]["record_id"], "record %d: WARC-Warcinfo-ID" % r["n"])
# 1. warcinfo
wi = recs[0]
check(wi["type"] == "warcinfo" and wi["content_type"] == "application/warc-fields", "record 1 is not a warcinfo")
text = blocks[0].decode("utf-8")
check(text.endswith("\r\n") and "\n" not in text.replace("\r\n", "") and "\r" not in text.replace("\r\n", ""),
      "warcinfo: a line break inside a value")
fields = dict(l.split(": ", 1) for l in text[:-2].split("\r\n"))
want = {"software": "newspack/", "format": "WARC File Format 1.1",
        "conformsTo": "http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
        "title": "WARC export test", "creator": "Archive desk", "description": "line one  line two",
        "newspack-created": info["created"], "newspack-signer-key-id": info["key_id"],
        "newspack-documents": str(len(docs))}
for k, v in want.items():
    check(fields.get(k, "").startswith(v) if k == "software" else fields.get(k) == v,
          "warcinfo: %s is %r, want %r" % (k, fields.get(k), v))
# 2, 3. per document, in path order: resource, then metadata
for i, d in enumerate(docs):
    res, meta = recs[1 + 2 * i], recs[2 + 2 * i]
    p = d["path"]
    url = d["metadata"].get("url")
    uri = url if url and re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", url) and " " not in url \
        else "urn:newspack:" + urllib.parse.quote(p.encode("utf-8"), safe="/")
    check(res["type"] == "resource", "%s: record %d is %s" % (p, res["n"], res["type"]))
    check(res["target_uri"] == uri, "%s: WARC-Target-URI %r, want %r" % (p, res["target_uri"], uri))
    check(res["content_type"] == d["media_type"], "%s: Content-Type %s" % (p, res["content_type"]))
    check(res["content_length"] == d["size"], "%s: Content-Length %s" % (p, res["content_length"]))
    check(res["payload_digest"] == res["block_digest"], "%s: WARC-Payload-Digest differs from the block's" % p)
    cat = subprocess.run([np, "cat", "-p", pub, npk, p], stdout=subprocess.PIPE, check=True).stdout
    check(blocks[res["n"] - 1] == cat, "%s: the resource's block differs from newspack cat" % p)
    check(meta["type"] == "metadata" and meta["content_type"] == "application/json", "%s: no metadata record after it" % p)
    check(meta["refers_to"] == res["record_id"], "%s: WARC-Refers-To %s" % (p, meta["refers_to"]))
    check(meta["target_uri"] == uri, "%s: the metadata record's WARC-Target-URI" % p)
    raw = blocks[meta["n"] - 1]
    j = json.loads(raw.decode("utf-8"))
    check(raw == json.dumps(j, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode("utf-8"),
          "%s: the metadata JSON is not compact with sorted keys" % p)
    check(j == {"path": p, "media_type": d["media_type"], "size": d["size"],
                "digest": "blake2b-256:" + d["blake2b_256"], "metadata": d["metadata"]},
          "%s: metadata JSON %r, newspack list --json %r" % (p, j, d))
byurl = {r["target_uri"]: r for r in recs if r["type"] == "resource"}
check("https://example.org/news/1" in byurl, "the sidecar's url is not a WARC-Target-URI")
check("urn:newspack:odd/100%25%20sure%20%26%20more.txt" in byurl, "the %-and-& path is not percent-encoded as expected")
check("urn:newspack:%CE%B1%CE%B2/%CE%B3.txt" in byurl, "the UTF-8 path is not percent-encoded as expected")
vote = [json.loads(blocks[r["n"] - 1]) for r in recs if r["type"] == "metadata" and r["target_uri"] == "https://example.org/news/1"]
check(vote and vote[0]["metadata"]["title"] == "Council\nvotes", "a title's line break is not kept in the JSON")
for m in bad[:12]:
    print(m)
if not bad:
    print("%s ok: %d records, %d documents byte for byte, %d digests" % (name, len(recs), len(docs), len(recs)))
sys.exit(1 if bad else 0)
PY
for f in wgz wplain; do
	expect_exit 0 "$f: every record as it should be (warcio, newspack cat, list --json, digests)" -- \
		python3 "$S/check.py" "$NP" "$PUB" "$S/a.npk" "$S/a.json" "$S/info.json" "$S/$f.jsonl" "$f"
	expect_contains "$OUT" "$f ok: $records records, $docs documents byte for byte" "($f: $records records, $docs documents)"
done

# ---- and back through newspack's own importer: every document byte for byte
cat > "$S/back.py" <<'PY'
import json, sys, urllib.parse
orig = json.load(open(sys.argv[1]))["documents"]
# the pages; each record as captured is a document too (warc.form), not compared here
back = [d for d in json.load(open(sys.argv[2]))["documents"] if d["metadata"].get("warc.form") != "record"]
by_uri = {d["metadata"].get("warc.target_uri"): d for d in back}
bad = 0
for d in orig:
    url = d["metadata"].get("url")
    url = url[0] if isinstance(url, list) else url
    uri = url if url and url.split(":", 1)[0] in ("http", "https") and " " not in url \
        else "urn:newspack:" + urllib.parse.quote(d["path"], safe="/-._~")
    b = by_uri.get(uri)
    if b is None or b["blake2b_256"] != d["blake2b_256"] or b["size"] != d["size"] \
            or b["metadata"].get("warc.type") != "resource":
        print("not back byte for byte:", d["path"], uri, b and b["path"])
        bad += 1
print("%s: %d documents back, %d differ" % (sys.argv[3], len(orig), bad))
sys.exit(1 if bad or len(back) != len(orig) else 0)
PY
for f in a.warc.gz a.warc; do
	expect_exit 0 "create from the $f export" -- "$NP" create -q -s "$KEY" "$S/back.npk" "$S/$f" &&
		"$NP" list --json -p "$PUB" "$S/back.npk" > "$S/back.json" &&
		expect_exit 0 "$f: each document comes back byte for byte (same BLAKE2b), under its URI" -- \
			python3 "$S/back.py" "$S/a.json" "$S/back.json" "$f" &&
		expect_contains "$OUT" "$f: $docs documents back, 0 differ" "($f: $docs documents)"
	rm -f "$S/back.npk"
done

# ---- refusals: nothing is written
cp "$S/a.warc.gz" "$S/keep.warc.gz"
expect_exit 2 "export over an existing .warc.gz is refused (exit 2)" -- "$NP" export -p "$PUB" "$S/a.npk" "$S/a.warc.gz" &&
	expect_contains "$ERR" "exists" "and says it exists"
expect_same "$S/a.warc.gz" "$S/keep.warc.gz" "and leaves it untouched"
cp "$S/a.npk" "$S/bad.npk"
size=$(wc -c < "$S/bad.npk")
# every bit of the byte flipped (a byte written over it may equal it)
python3 -c 'import sys; f = open(sys.argv[1], "r+b"); o = int(sys.argv[2]); f.seek(o); b = f.read(1)[0]; f.seek(o); f.write(bytes([b ^ 0xFF]))' "$S/bad.npk" $((size / 3))
before=$(ls -A "$S" | sort)
expect_exit 1 "a damaged archive is not exported to .warc.gz (exit 1)" -- "$NP" export -p "$PUB" "$S/bad.npk" "$S/bad.warc.gz"
expect_exit 1 "nor to .warc (exit 1)" -- "$NP" export -p "$PUB" "$S/bad.npk" "$S/bad.warc"
expect_eq "$(ls -A "$S" | sort)" "$before" "and nothing was written, not even a temporary file"
expect_exit 3 "an untrusted archive is not exported without --allow-untrusted (exit 3)" -- \
	"$NP" export -p "$KEYS/other.pub" "$S/a.npk" "$S/u.warc"
expect_true "and nothing was written" -- test ! -e "$S/u.warc"
# ---- WARC -> npk -> WARC: each of the 15 real captures comes back record for record. warcio
# index lists the same records (type, URI, date, id, digests, length) after newspack's own
# warcinfo; every block is byte for byte the captured one, and every WARC-Block-Digest and
# WARC-Payload-Digest verifies (here, and by newspack's reader on a second import)
C="$top/../shared/corpus/warc"
IDX="$W/node_modules/.bin/warcio"
cat > "$S/blocks.py" <<'PY'
import base64, hashlib, json, sys, zlib
def inflate_all(data):
    if data[:2] != b"\x1f\x8b":
        return data
    out, rest = [], data
    while rest:
        d = zlib.decompressobj(31)
        out.append(d.decompress(rest) + d.flush())
        rest = d.unused_data
    return b"".join(out)
def records(path):
    data, pos, out = inflate_all(open(path, "rb").read()), 0, []
    while True:
        while pos < len(data) and data[pos] in b"\r\n":
            pos += 1
        if pos >= len(data):
            return out
        end = data.index(b"\r\n\r\n", pos)
        head = data[pos:end].decode("utf-8", "replace").split("\r\n")
        f = {}
        for l in head[1:]:
            k, _, v = l.partition(":")
            f.setdefault(k.strip().lower(), v.strip())
        n = int(f["content-length"])
        out.append((f, data[end + 4:end + 4 + n]))
        pos = end + 4 + n
def check(label, want, got):
    alg, _, val = label.partition(":")
    alg = alg.lower().replace("-", "")
    h = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "sha512": hashlib.sha512, "md5": hashlib.md5}.get(alg)
    if h is None:
        return None
    d = h(got).digest()
    return val in (base64.b32encode(d).decode(), d.hex(), d.hex().upper(), base64.b64encode(d).decode())
def dechunk(b):
    out, pos = b"", 0
    try:
        while True:
            e = b.index(b"\r\n", pos)
            n = int(b[pos:e].split(b";")[0], 16)
            if n == 0:
                return out
            out += b[e + 2:e + 2 + n]
            pos = e + 4 + n
    except ValueError:
        return None
orig, back = records(sys.argv[1]), records(sys.argv[2])
bad = []
if not back or back[0][0].get("warc-type") != "warcinfo" or b"software: newspack/" not in back[0][1]:
    bad.append("the round trip does not start with newspack's warcinfo")
back = back[1:]
if len(orig) != len(back):
    bad.append("%d records captured, %d back" % (len(orig), len(back)))
checked = 0
for i, ((fo, bo), (fb, bb)) in enumerate(zip(orig, back)):
    if bo != bb or fo != fb:
        bad.append("record %d: header or block differs" % (i + 1))
    if "warc-block-digest" in fb:
        ok = check(fb["warc-block-digest"], None, bb)
        if ok is False:
            bad.append("record %d: WARC-Block-Digest does not verify" % (i + 1))
        checked += ok is True
    if "warc-payload-digest" in fb and fb.get("warc-type") not in ("revisit",) and "warc-truncated" not in fb:
        pay = bb.split(b"\r\n\r\n", 1)[1] if fb.get("content-type", "").startswith("application/http") and b"\r\n\r\n" in bb else bb
        ok = check(fb["warc-payload-digest"], None, pay)
        if ok is False and dechunk(pay) is not None:
            ok = check(fb["warc-payload-digest"], None, dechunk(pay))
        if ok is False:
            bad.append("record %d: WARC-Payload-Digest does not verify" % (i + 1))
        checked += ok is True
for m in bad[:5]:
    print(m)
print("%d records, %d digests verified, %d problems" % (len(back), checked, len(bad)))
sys.exit(1 if bad else 0)
PY
for f in $(cd "$C" && ls); do
	case "$f" in *.md) continue ;; esac
	rm -f "$S/rt.npk" "$S/rt.warc.gz" "$S/rt2.npk"
	expect_exit 0 "$f: create" -- "$NP" create -q -s "$KEY" --timestamp 2025-06-01 "$S/rt.npk" "$C/$f" &&
		expect_exit 0 "$f: export to .warc.gz" -- "$NP" export -q -p "$PUB" "$S/rt.npk" "$S/rt.warc.gz" || continue
	fields="-f warc-type -f warc-target-uri -f warc-date -f warc-record-id -f warc-block-digest -f warc-payload-digest -f warc-concurrent-to -f content-length"
	"$IDX" index "$C/$f" $fields > "$S/idx.orig" 2> "$S/idx.err"
	"$IDX" index "$S/rt.warc.gz" $fields 2>> "$S/idx.err" | tail -n +2 > "$S/idx.back"
	expect_true "$f: warcio index lists the same $(wc -l < "$S/idx.orig" | tr -d ' ') records (type, URI, date, id, digests, length)" -- \
		sh -c "test -s '$S/idx.orig' && cmp -s '$S/idx.orig' '$S/idx.back'"
	expect_exit 0 "$f: every block byte for byte, every digest verifies" -- python3 "$S/blocks.py" "$C/$f" "$S/rt.warc.gz"
	expect_exit 0 "$f: newspack imports the round trip (its reader checks every digest)" -- \
		"$NP" create -q -s "$KEY" "$S/rt2.npk" "$S/rt.warc.gz"
done

# ---- which documents are written as captured records: an archive made before records were kept
# (pages only, as a folder with the same metadata gives it) exports each as a resource record;
# a document marked warc.form record that is not one whole WARC record is a resource too; a page
# whose warc.capture is in the archive gives no record of its own
mkdir -p "$S/old"
printf '<html><title>Old page</title></html>\n' > "$S/old/000003-example.com.html"
printf '{"warc.target_uri": "http://example.com/", "warc.date": "2017-03-06T04:02:06Z", "warc.type": "response", "warc.capture": "old/000003.warc"}\n' \
	> "$S/old/000003-example.com.html.meta.json"
printf 'not a record\n' > "$S/old/000009.warc"
printf '{"warc.form": "record"}\n' > "$S/old/000009.warc.meta.json"
rm -f "$S/old.npk" "$S/old.warc"
expect_exit 0 "an archive of pages without their records" -- "$NP" create -q -s "$KEY" "$S/old.npk" "$S/old" &&
	expect_exit 0 "exports" -- "$NP" export -q -p "$PUB" "$S/old.npk" "$S/old.warc" &&
	expect_eq "$("$IDX" index "$S/old.warc" | python3 -c 'import json,sys; print(" ".join(json.loads(l)["warc-type"] for l in sys.stdin))')" \
		"warcinfo resource metadata resource metadata" \
		"the page whose record is missing and the document that is not a record are resource records, each with its metadata record"
rm -f "$S/one.npk" "$S/one.warc"
expect_exit 0 "an archive of example.warc.gz" -- "$NP" create -q -s "$KEY" "$S/one.npk" "$C/example.warc.gz" &&
	expect_exit 0 "exports" -- "$NP" export -q -p "$PUB" "$S/one.npk" "$S/one.warc" &&
	expect_eq "$("$IDX" index "$S/one.warc" | grep -c '"resource"')" 0 \
		"its pages give no resource record: their captured records stand for them"

finish
