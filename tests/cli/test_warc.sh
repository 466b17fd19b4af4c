#!/bin/sh
# test_warc.sh - WARC captures as inputs of newspack create:
#   every one of the 15 real captures in ../shared/corpus/warc/ (Heritrix,
#     Wget, wpull, warcprox, Common Crawl, Webrecorder, node-warc; WARC/1.0
#     and 1.1; gzip per record, gzip under a .warc name, uncompressed) is
#     imported alone, and its documents are counted against the record
#     counts of that folder's SOURCES.md: one for every response, resource
#     and revisit record, each with the capture's metadata;
#   payloads are decoded: chunked framing, gzip and brotli content coding;
#   a crawl and its de-duplicated re-crawl imported together: every
#     revisit names the document it repeats, which is in the archive;
#   the whole folder in one archive verifies, and extract gives each
#     payload back;
#   a record cut short, a payload that does not match its digest and a
#     record that does not start with "WARC/" are refused with the file,
#     record number and offset, and nothing is written.
. "$(dirname "$0")/lib.sh"
suite_begin warc

KEY="$KEYS/test.key"
PUB="$KEYS/test.pub"
MK="$NP create -q -s $KEY --timestamp 2025-06-01"
W="$top/../shared/corpus/warc"
if [ ! -f "$W/SOURCES.md" ]; then
	fail "the WARC captures are in ../shared/corpus/warc" "missing: $W/SOURCES.md"
	finish
fi

# file -> expected documents (response + resource + revisit), from SOURCES.md
python3 - "$W/SOURCES.md" > "$S/expected" <<'EOF'
import re, sys
for line in open(sys.argv[1], encoding="utf-8"):
    m = re.match(r"\| `([^`]+)` \|.*\| (\d+): ([a-z0-9 ,]+) \|", line)
    if not m:
        continue
    counts = dict((k, int(v)) for v, k in ((p.split()[1], p.split()[0]) for p in m.group(3).split(", ")))
    assert sum(counts.values()) == int(m.group(2)), line
    docs = sum(counts.get(k, 0) for k in ("response", "resource", "revisit"))
    print(m.group(1), docs, int(m.group(2)))
EOF
expect_eq "$(wc -l < "$S/expected" | tr -d ' ')" 15 "SOURCES.md gives the counts of 15 captures"

# check.py ARCHIVE.json FILE: every record of FILE is a document as captured (FILE/NNNNNN.warc,
# application/warc, warc.form record); every page has the capture's metadata and names its record
cat > "$S/check.py" <<'EOF'
import json, re, sys
docs = json.load(open(sys.argv[1]))["documents"]
name = sys.argv[2]
bad = []
recs = [d for d in docs if d["metadata"].get("warc.form") == "record"]
paths = set(d["path"] for d in recs)
for d in recs:
    if d["media_type"] != "application/warc" or not re.fullmatch(re.escape(name) + r"/\d{6}\.warc", d["path"]):
        bad.append((d["path"], "not a record as captured"))
docs = [d for d in docs if d["metadata"].get("warc.form") != "record"]
for d in docs:
    if d["metadata"].get("warc.capture") not in paths:
        bad.append((d["path"], "no record as captured"))
    m = d["metadata"]
    need = ["warc.file", "warc.record", "warc.offset", "warc.type", "warc.date", "warc.record_id"]
    miss = [k for k in need if k not in m]
    if miss or m.get("warc.file") != name or not d["path"].startswith(name + "/"):
        bad.append((d["path"], miss))
    elif m["warc.type"] not in ("response", "resource", "revisit"):
        bad.append((d["path"], m["warc.type"]))
    elif m["warc.type"] == "response" and "warc.target_uri" not in m:
        bad.append((d["path"], "no target URI"))
print(len(docs), len(bad), len(recs), bad[:3])
EOF

total=0
records_total=0
while read -r f docs records; do
	rm -f "$S/one.npk"
	if expect_exit 0 "import $f" -- $MK "$S/one.npk" "$W/$f"; then
		"$NP" list --json -p "$PUB" "$S/one.npk" > "$S/one.json"
		set -- $(python3 "$S/check.py" "$S/one.json" "$f")
		expect_eq "$1" "$docs" "$f: $docs documents, one per response, resource and revisit of its $records records"
		expect_eq "$2" 0 "$f: each has the capture's metadata (file, record, offset, type, date, id, URI)"
		expect_eq "$3" "$records" "$f: and each of its $records records is a document as captured"
		total=$((total + docs))
		records_total=$((records_total + records))
	fi
done < "$S/expected"
info "$total documents from the 15 captures"

# ---- all together: one archive, revisits linked across files
expect_exit 0 "import all 15 captures into one archive" -- $MK "$S/all.npk" "$W"/*.warc* &&
	expect_contains "$ERR" "sample-1.warc.gz: 10 revisit records name a capture not among the inputs" \
		"the 10 revisits of sample-1.warc.gz, whose captures are in an earlier crawl, are named in a warning" &&
	expect_eq "$(grep -c 'not among the inputs' "$ERR")" 1 "and no other revisit is left without its capture"
expect_exit 0 "it verifies" -- "$NP" verify -p "$PUB" "$S/all.npk"
"$NP" list --json -p "$PUB" "$S/all.npk" > "$S/all.json"
expect_eq "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["documents"]))' "$S/all.json")" \
	"$((total + records_total))" "it holds every page of the 15 captures and each of their $records_total records as captured"
# a revisit is linked exactly when a capture with its payload digest is in the archive
set -- $(python3 - "$S/all.json" <<'EOF2'
import json, sys
docs = [d for d in json.load(open(sys.argv[1]))["documents"] if d["metadata"].get("warc.form") != "record"]
paths = set(d["path"] for d in docs)
def key(v):
    label, _, value = v.partition(":")
    return label.lower().replace("-", "") + ":" + value
have = set(key(d["metadata"]["warc.payload_digest"]) for d in docs
           if d["metadata"].get("warc.type") != "revisit" and "warc.payload_digest" in d["metadata"])
rev = [d for d in docs if d["metadata"].get("warc.type") == "revisit"]
linked = [d for d in rev if d["metadata"].get("warc.refers_to") in paths]
findable = [d for d in rev if key(d["metadata"].get("warc.payload_digest", "")) in have]
same = sum(1 for d in linked if key(d["metadata"]["warc.payload_digest"]) ==
           key(next(x for x in docs if x["path"] == d["metadata"]["warc.refers_to"])["metadata"]["warc.payload_digest"]))
bl2 = [d for d in rev if d["path"].startswith("BL-20140325122341434")]
bl2x = [d for d in bl2 if d["metadata"].get("warc.refers_to", "").startswith("BL-20140325121225068")]
print(len(rev), len(findable), len(linked), same, len(bl2), len(bl2x))
EOF2
)
info "$1 revisits, $2 of them with their capture among the inputs"
expect_eq "$3" "$2" "every revisit whose capture is in the archive names it (warc.refers_to): $3"
expect_eq "$4" "$3" "and the document it names has the same payload digest"
expect_eq "$6" "$5" "the re-crawl's $5 revisits name documents of the first crawl"

# ---- payloads decoded
cat_doc() { # ARCHIVE PATH-PREFIX OUT: cat of the first document whose path starts so
	p=$(python3 -c 'import json,sys; print(next(d["path"] for d in json.load(open(sys.argv[1]))["documents"] if d["path"].startswith(sys.argv[2]) and d["metadata"].get("warc.type")=="response" and "warc.form" not in d["metadata"]))' "$S/all.json" "$2")
	"$NP" cat -p "$PUB" "$1" "$p" > "$3"
}
cat_doc "$S/all.npk" transfer_compression_gzip.warc.gz/ "$S/gzip.html"
cat_doc "$S/all.npk" transfer_compression_brotli.warc.gz/ "$S/br.html"
expect_true "gzip content coding is undone" -- grep -qi '<html' "$S/gzip.html"
expect_same "$S/br.html" "$S/gzip.html" "brotli content coding is undone: the same page as the gzip capture"
cat_doc "$S/all.npk" example-iana.org-chunked.warc/ "$S/chunked.html"
expect_true "chunked transfer coding is undone: the page starts with its doctype" -- \
	sh -c "head -c 15 '$S/chunked.html' | grep -qi '<!doctype html>'"
expect_true "and no chunk-size line is left at its end" -- sh -c "tail -c 20 '$S/chunked.html' | grep -qi '</html>'"
cat_doc "$S/all.npk" example.warc.gz/ "$S/example.html"
expect_true "example.warc.gz: its gzip-coded page is decoded" -- grep -q '<title>Example Domain</title>' "$S/example.html"
expect_contains "$S/all.json" '"title":"Example Domain"' "the page's own metadata is read (title)"
expect_contains "$S/all.json" '"http.status":"200"' "HTTP status in the metadata"
expect_contains "$S/all.json" '"warc.target_uri":"http://www.archiveteam.org/"' "Wget's <...> around URIs is removed"
mkdir -p "$S/x"
expect_exit 0 "extract all of it" -- "$NP" extract -q -p "$PUB" -C "$S/x" "$S/all.npk" &&
	expect_same "$S/x/$(python3 -c 'import json,sys; print(next(d["path"] for d in json.load(open(sys.argv[1]))["documents"] if d["path"].startswith("transfer_compression_brotli.warc.gz/") and d["metadata"].get("warc.type")=="response" and "warc.form" not in d["metadata"]))' "$S/all.json")" \
		"$S/gzip.html" "the extracted page is the decoded payload"

# ---- WARC in, WARC out, WARC in again: content, capture address and date kept
cat > "$S/again.py" <<'EOF2'
import json, sys
pages = lambda f: [d for d in json.load(open(f))["documents"] if d["metadata"].get("warc.form") != "record"]
a, b = pages(sys.argv[1]), pages(sys.argv[2])
key = lambda d: (d["blake2b_256"], d["metadata"].get("warc.target_uri"), d["metadata"].get("warc.date"))
print(len(a), len(b), sorted(map(key, a)) == sorted(map(key, b)))
EOF2
expect_exit 0 "export the 15 captures' archive to WARC" -- "$NP" export -q -p "$PUB" "$S/all.npk" "$S/all.warc.gz" &&
	expect_exit 0 "and import that WARC" -- $MK "$S/again.npk" "$S/all.warc.gz" &&
	"$NP" list --json -p "$PUB" "$S/again.npk" > "$S/again.json" &&
	expect_eq "$(python3 "$S/again.py" "$S/all.json" "$S/again.json")" "$total $total True" \
		"every document comes back byte for byte with its capture's target URI and date"

# ---- generated records: mkwarc.py gives rec(type, uri, block) and http(body, coding)
cat > "$S/mkwarc.py" <<'EOF'
import base64, hashlib
def rec(typ, uri, block, extra=b""):
    d = "sha1:" + base64.b32encode(hashlib.sha1(block).digest()).decode()
    h = (b"WARC/1.0\r\nWARC-Type: " + typ.encode() + b"\r\nWARC-Target-URI: " + uri +
         b"\r\nWARC-Date: 2025-01-02T03:04:05Z\r\nWARC-Record-ID: <urn:uuid:" +
         hashlib.md5(uri + block).hexdigest().encode() + b">\r\nWARC-Block-Digest: " + d.encode() +
         b"\r\nContent-Type: application/http; msgtype=response\r\n" + extra +
         b"Content-Length: " + str(len(block)).encode() + b"\r\n\r\n")
    return h + block + b"\r\n\r\n"
def http(body, enc=None):
    h = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
    if enc:
        h += b"Content-Encoding: " + enc + b"\r\n"
    return h + b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
EOF

# ---- a decompression bomb: Content-Encoding "gzip, gzip" over 128 MiB of zeros, a record of
# a few hundred bytes, is kept as captured (spec/metadata.md 10.2: decoded at most 100 times the
# captured payload and 64 MiB, over a floor of 1 MiB), with a warning; the next record follows
python3 - "$S" <<'EOF'
import gzip, sys
sys.path.insert(0, sys.argv[1])
from mkwarc import rec, http
bomb = gzip.compress(gzip.compress(b"\0" * (128 << 20), 9, mtime=0), 9, mtime=0)
page = b"<html><head><title>After the bomb</title></head><body>ok</body></html>"
open(sys.argv[1] + "/bomb.warc", "wb").write(
    rec("response", b"http://bomb.example/", http(bomb, b"gzip, gzip")) +
    rec("response", b"http://bomb.example/next", http(page)))
open(sys.argv[1] + "/bomb.len", "w").write(str(len(bomb)))
EOF
rm -f "$S/bomb.npk"
expect_exit 0 "a gzip bomb record does not stop the import" -- $MK "$S/bomb.npk" "$S/bomb.warc" &&
	expect_contains "$ERR" "bomb.warc: record 1 at offset 0:" "the warning names the file, the record and its offset" &&
	expect_contains "$ERR" "kept as captured" "and says the payload is kept as captured" &&
	"$NP" list --json -p "$PUB" "$S/bomb.npk" > "$S/bomb.json" &&
	expect_eq "$(python3 -c 'import json,sys; d=[x for x in json.load(open(sys.argv[1]))["documents"] if "warc.form" not in x["metadata"]]; print(len(d), d[0]["size"], d[0]["metadata"].get("warc.payload"), d[1]["metadata"].get("title"))' "$S/bomb.json")" \
		"2 $(cat "$S/bomb.len") as-captured After the bomb" \
		"the bomb is stored as its $(cat "$S/bomb.len") captured bytes, marked warc.payload=as-captured; the next page follows"

# ---- one odd record never stops a crawl: an origin gzip body cut short (the WARC digests match)
# keeps what decodes; a 33 KB target URI is cut in the metadata; both with a warning naming the
# file, the record and its offset, and the records after them are imported
python3 - "$S" <<'EOF'
import gzip, sys
sys.path.insert(0, sys.argv[1])
from mkwarc import rec, http
text = b"<html><head><title>Cut short</title></head><body>" + b"".join(
    b"<p>paragraph %d of a page whose body the server cut short</p>\n" % i for i in range(2000)) + b"</body></html>"
z = gzip.compress(text, 6, mtime=0)
cut = z[: len(z) // 2]
long_uri = b"http://long.example/?q=" + b"x" * 33000
page = b"<html><head><title>After them</title></head><body>ok</body></html>"
recs = [rec("response", b"http://cut.example/", http(cut, b"gzip")),
        rec("response", long_uri, http(b"<html><body>long</body></html>")),
        rec("response", b"http://cut.example/next", http(page))]
open(sys.argv[1] + "/odd.warc", "wb").write(b"".join(recs))
open(sys.argv[1] + "/odd.text", "wb").write(text)
open(sys.argv[1] + "/odd.at", "w").write(str(len(recs[0])))
EOF
rm -f "$S/odd.npk"
at2=$(cat "$S/odd.at")
expect_exit 0 "a cut-short gzip body and a 33 KB URI do not stop the import" -- $MK "$S/odd.npk" "$S/odd.warc" &&
	expect_contains "$ERR" "odd.warc: record 1 at offset 0: gzip content coding" "the cut body's warning names the file, record, offset and coding" &&
	expect_contains "$ERR" "kept what decodes" "and says what was kept" &&
	expect_contains "$ERR" "odd.warc: record 2 at offset $at2: " "the long URI's warning names the file, record and offset" &&
	"$NP" list --json -p "$PUB" "$S/odd.npk" > "$S/odd.json" &&
	expect_eq "$(python3 -c 'import json,sys; d=[x for x in json.load(open(sys.argv[1]))["documents"] if "warc.form" not in x["metadata"]]; print(len(d), d[0]["metadata"].get("warc.payload"), len(d[1]["metadata"].get("warc.target_uri", "")) <= 4096, d[2]["metadata"].get("title"))' "$S/odd.json")" \
		"3 partial True After them" "three documents: the cut one marked partial, the long URI cut, the page after them" &&
	"$NP" cat -p "$PUB" "$S/odd.npk" "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["documents"][0]["path"])' "$S/odd.json")" > "$S/odd.got" &&
	expect_true "the cut document is what decodes: a non-empty prefix of the page" -- python3 -c '
import sys
a, b = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read()
sys.exit(0 if 1000 < len(a) < len(b) and b.startswith(a) else 1)' "$S/odd.got" "$S/odd.text"

# ---- memory is bounded whatever the input: 8,000 records with ten header values of 2,000 bytes
# each (160 MB of values, a .warc.gz of a few hundred KB) are imported in less than 64 MiB
python3 - "$S" <<'EOF'
import gzip, sys
out = gzip.open(sys.argv[1] + "/many.warc.gz", "wb", 6)
for i in range(8000):
    v = lambda c: (c * 1990 + "%010d" % i).encode()
    block = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain; x=" + v("t") + b"\r\n\r\nrecord %d\n" % i
    out.write(b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: http://many.example/" + v("u") +
              b"\r\nWARC-Date: 2025-01-02T03:04:05Z " + v("d") + b"\r\nWARC-Record-ID: <urn:x:" + v("i") +
              b">\r\nWARC-Payload-Digest: x:" + v("p") + b"\r\nWARC-Refers-To: " + v("r") +
              b"\r\nWARC-Refers-To-Target-URI: " + v("f") + b"\r\nWARC-Refers-To-Date: " + v("g") +
              b"\r\nWARC-Profile: " + v("o") + b"\r\nWARC-Identified-Payload-Type: " + v("y") +
              b"\r\nContent-Type: application/http; msgtype=response\r\nContent-Length: " +
              str(len(block)).encode() + b"\r\n\r\n" + block + b"\r\n\r\n")
out.close()
EOF
rm -f "$S/many.npk"
if [ "${NPK_INSTRUMENTED:-}" = 1 ]; then
	note "instrumented run (sanitizers or valgrind): the memory of a WARC import is not measured"
	expect_exit 0 "8,000 records with long header values are imported" -- $MK "$S/many.npk" "$S/many.warc.gz"
elif [ -x /usr/bin/time ]; then
	expect_exit 0 "8,000 records with long header values are imported" -- \
		/usr/bin/time -f "peak %M KB" -o "$S/many.rss" $MK "$S/many.npk" "$S/many.warc.gz" &&
		expect_eq "$("$NP" list -p "$PUB" "$S/many.npk" | wc -l | tr -d ' ')" 16000 "all 8,000 pages and their 8,000 records as captured are there" &&
		expect_true "in less than 64 MiB ($(cat "$S/many.rss"))" -- test "$(tr -dc 0-9 < "$S/many.rss")" -lt 65536
else
	note "no /usr/bin/time: the memory bound of a WARC import is not measured"
fi

# ---- refusals
refuse() { # CODE FILE MESSAGE DESC
	rm -f "$S/refused.npk"
	expect_exit "$1" "$4: refused" -- $MK "$S/refused.npk" "$S/$2" &&
		expect_contains "$ERR" "$3" "$4: names the record and says why" &&
		expect_true "$4: nothing is written" -- test ! -e "$S/refused.npk"
}
# example.warc, uncompressed: record 3 is the response (see SOURCES.md)
python3 - "$W/example.warc" "$S" <<'EOF'
import sys
data = open(sys.argv[1], "rb").read()
S = sys.argv[2]
open(f"{S}/cut.warc", "wb").write(data[: len(data) - 700])
# one letter of a page's title changed: its digests no longer match
chunked = open(sys.argv[1].replace("example.warc", "example-iana.org-chunked.warc"), "rb").read()
t = chunked.index(b"<title>") + 7
bad = bytearray(chunked)
bad[t] ^= 0x20
open(f"{S}/digest.warc", "wb").write(bytes(bad))
# garbage where the second record should start
k = data.index(b"WARC/1.0", 10)
open(f"{S}/garbage.warc", "wb").write(data[:k] + b"HELLO" + data[k:])
EOF
refuse 2 cut.warc "cut.warc: record" "a WARC cut short in a record"
refuse 1 digest.warc "Digest does not match" "a payload changed after capture"
refuse 2 garbage.warc "garbage.warc: record 2 at offset" "garbage between records"
expect_true "no temporary file is left" -- test -z "$(find "$S" -maxdepth 1 -name '.*tmp*')"

finish
