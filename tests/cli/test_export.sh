#!/bin/sh
# test_export.sh - newspack export, read back by the tools archivists use:
#   tar (pax): bsdtar and GNU tar give every document byte for byte, GNU
#     tar --xattrs gives its metadata back; tar.gz too; the same archive
#     always exports to the same bytes;
#   zip: unzip gives every document byte for byte, and newspack create of
#     the unzipped folder (whose NAME.meta.json sidecars carry the metadata)
#     gives the same documents with the same metadata;
#   BagIt: the bag is checked against RFC 8493 here (bagit.txt, payload
#     and tag manifests, Payload-Oxum, nothing unlisted in data/), and its
#     data/ is the source byte for byte;
#   and refusals: an existing OUT, a damaged or untrusted archive, an
#   unknown format; nothing is written then;
#   empty folders and symbolic links (format 1.1): tar and zip hold them as
#     directory and symlink entries, which bsdtar, GNU tar and unzip make
#     into the source tree again (links compared with readlink), and which
#     create reads back into the same archive byte for byte; a bag keeps an
#     empty folder as the folder in data/ and leaves each link out with a
#     warning naming it (and still follows RFC 8493); WARC leaves both out,
#     each named.
. "$(dirname "$0")/lib.sh"
suite_begin export

KEY="$KEYS/test.key"
PUB="$KEYS/test.pub"
# the stock tools turn UTF-8 names into the locale's: give them a UTF-8 one
U8="env LC_ALL=C.UTF-8"
IN="$S/in"
mkdir -p "$IN/news/2025" "$IN/$(printf '\316\261\316\262')" "$IN/odd"
cp "$top/seeds/"* "$IN/news/"
printf 'Council votes\nBy Jane Doe\n\nText.\n' > "$IN/news/2025/vote.txt"
printf 'x' > "$IN/$(printf '\316\261\316\262')/$(printf '\316\263').txt"
: > "$IN/odd/empty.txt"
head -c 70000 /dev/urandom > "$IN/odd/random.bin"
printf 'percent\n' > "$IN/odd/100% sure & more.txt"
long="$IN/odd/$(printf 'l%.0s' $(seq 1 120))/$(printf 'm%.0s' $(seq 1 120)).txt"
mkdir -p "$(dirname "$long")" && printf 'long path\n' > "$long"
# the sidecar in seeds/ is metadata, not a document
want() { # DIR: the tree as stored (sidecars are not documents)
	rm -rf "$S/want" && cp -r "$IN" "$S/want" && find "$S/want" -name '*.meta.json' -delete
}
want
expect_exit 0 "an archive to export" -- "$NP" create -q -s "$KEY" --timestamp 2025-06-01 \
	--meta "title=Export test" --meta "creator=Archive desk" "$S/a.npk" "$IN"
"$NP" list --json -p "$PUB" "$S/a.npk" > "$S/a.json"

same_tree() { # DESC DIR
	if diff -r -x '*.meta.json' "$S/want" "$2" > "$S/diff" 2>&1; then
		pass "$1"
	else
		fail "$1"
		show_file diff "$S/diff"
	fi
}

# ---- tar
expect_exit 0 "export to .tar" -- "$NP" export -p "$PUB" "$S/a.npk" "$S/a.tar" &&
	expect_contains "$ERR" "exported 10 documents" "it says how many documents"
mkdir -p "$S/bsdtar" "$S/gnutar"
expect_exit 0 "bsdtar reads it" -- $U8 bsdtar -xf "$S/a.tar" -C "$S/bsdtar"
same_tree "bsdtar gives every document byte for byte" "$S/bsdtar"
expect_exit 0 "GNU tar --xattrs reads it, without a warning" -- \
	$U8 tar --xattrs --xattrs-include='user.*' -xf "$S/a.tar" -C "$S/gnutar" &&
	expect_eq "$(cat "$ERR")" "" "GNU tar prints nothing"
same_tree "GNU tar gives every document byte for byte" "$S/gnutar"
expect_eq "$(python3 -c 'import os,sys; print(os.getxattr(sys.argv[1], "user.newspack.title").decode())' \
	"$S/gnutar/news/000_087c6aae1e53e9e7.txt" 2>&1)" \
	"Human rights groups urge Zelenskyy to protect North Korean soldiers captured in Ukraine" \
	"GNU tar --xattrs gives a document's title back"
expect_exit 0 "export again" -- "$NP" export -q -p "$PUB" "$S/a.npk" "$S/b.tar"
expect_same "$S/a.tar" "$S/b.tar" "the same archive exports to the same tar, byte for byte"
expect_exit 0 "export to .tar.gz" -- "$NP" export -q -p "$PUB" "$S/a.npk" "$S/a.tar.gz"
mkdir -p "$S/tgz"
expect_exit 0 "tar xzf reads it" -- $U8 tar -xzf "$S/a.tar.gz" -C "$S/tgz"
same_tree "and gives every document byte for byte" "$S/tgz"

# ---- zip
expect_exit 0 "export to .zip" -- "$NP" export -q -p "$PUB" "$S/a.npk" "$S/a.zip"
mkdir -p "$S/unzip"
expect_exit 0 "unzip reads it" -- $U8 sh -c 'cd "$1" && unzip -q "$2"' sh "$S/unzip" "$S/a.zip"
same_tree "unzip gives every document byte for byte" "$S/unzip"
expect_exit 0 "newspack create of the unzipped folder (sidecars and all)" -- \
	"$NP" create -q -s "$KEY" --timestamp 2025-06-01 --meta "title=Export test" \
	--meta "creator=Archive desk" "$S/z.npk" "$S/unzip"
"$NP" list --json -p "$PUB" "$S/z.npk" > "$S/z.json"
expect_exit 0 "the round trip through zip keeps every document and all its metadata" -- \
	python3 -c 'import json,sys
a = {d["path"]: (d["blake2b_256"], d["metadata"]) for d in json.load(open(sys.argv[1]))["documents"]}
b = {d["path"]: (d["blake2b_256"], d["metadata"]) for d in json.load(open(sys.argv[2]))["documents"]}
bad = [p for p in set(a) | set(b) if a.get(p) != b.get(p)]
for p in bad[:5]: print(p, a.get(p), b.get(p))
sys.exit(1 if bad else 0)' "$S/a.json" "$S/z.json"

# ---- BagIt
expect_exit 0 "export --format bagit" -- "$NP" export -q -p "$PUB" --format bagit "$S/a.npk" "$S/bag"
same_tree "the bag's data/ is every document byte for byte" "$S/bag/data"
cat > "$S/bagcheck.py" <<'PY'
import hashlib, os, re, sys
bag = sys.argv[1]
def fail(msg):
    print(msg)
    sys.exit(1)
def hashes(name):
    out = {}
    for line in open(os.path.join(bag, name), encoding="utf-8"):
        line = line.rstrip("\n")
        m = re.fullmatch(r"([0-9a-f]{128})  (.+)", line)
        if not m:
            fail("%s: bad line %r" % (name, line))
        path = m.group(2).replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")
        if path in out:
            fail("%s: %s twice" % (name, path))
        out[path] = m.group(1)
    return out
def sha512(path):
    return hashlib.sha512(open(os.path.join(bag, path), "rb").read()).hexdigest()
# 2.1.1: bagit.txt, exactly
if open(os.path.join(bag, "bagit.txt"), "rb").read() != b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n":
    fail("bagit.txt is not the two required lines")
# 2.1.3: the payload manifest lists every file of data/, and only those, with the right hash
files = set()
for root, dirs, names in os.walk(os.path.join(bag, "data")):
    for n in names:
        files.add(os.path.relpath(os.path.join(root, n), bag))
man = hashes("manifest-sha512.txt")
if set(man) != files:
    fail("manifest and data/ differ: %s" % sorted(set(man) ^ files)[:5])
for p, h in man.items():
    if sha512(p) != h:
        fail("wrong hash for %s" % p)
# 2.2.1: the tag manifest covers the tag files, with the right hashes
tag = hashes("tagmanifest-sha512.txt")
for t in ("bagit.txt", "bag-info.txt", "manifest-sha512.txt"):
    if t not in tag:
        fail("tagmanifest-sha512.txt lacks " + t)
for p, h in tag.items():
    if p.startswith("data/") or sha512(p) != h:
        fail("bad tag manifest entry " + p)
# 2.2.2: bag-info.txt lines are "Label: value" (or continuation lines); Payload-Oxum is right
info = {}
for line in open(os.path.join(bag, "bag-info.txt"), encoding="utf-8"):
    if line[:1] in (" ", "\t"):
        continue
    m = re.fullmatch(r"([^:\s][^:]*): (.*)\n", line)
    if not m:
        fail("bag-info.txt: bad line %r" % line)
    info[m.group(1)] = m.group(2)
octets = sum(os.path.getsize(os.path.join(bag, p)) for p in files)
if info.get("Payload-Oxum") != "%d.%d" % (octets, len(files)):
    fail("Payload-Oxum %s, expected %d.%d" % (info.get("Payload-Oxum"), octets, len(files)))
if info.get("External-Description") != "Export test" or info.get("Source-Organization") != "Archive desk":
    fail("bag-info.txt does not carry the archive's title and creator")
if not re.fullmatch(r"\d{4}-\d\d-\d\d", info.get("Bagging-Date", "")):
    fail("no Bagging-Date")
print("bag ok: %d files, %d octets" % (len(files), octets))
PY
expect_exit 0 "the bag follows RFC 8493" -- python3 "$S/bagcheck.py" "$S/bag"
expect_contains "$OUT" "bag ok" "(the bag's check ran)"
# (sha512sum knows no percent-encoding: the one name with a % is left to the check above)
expect_exit 0 "sha512sum -c agrees with the manifests" -- \
	sh -c 'cd "$1" && grep -v % manifest-sha512.txt | sha512sum --quiet -c - && sha512sum --quiet -c tagmanifest-sha512.txt' sh "$S/bag"

# ---- bag-info.txt: a CR or LF in a value is a continuation line, never a new tag (RFC 8493 2.2.2)
cr=$(printf '\r')
expect_exit 0 "an archive whose title, creator and license hold CR, LF and CRLF" -- \
	"$NP" create -q -s "$KEY" --timestamp 2025-06-01 --meta "title=Title${cr}Injected-Title: x" \
	--meta "creator=Desk${cr}
Injected-Creator: y" --meta "license=CC-BY${cr}Injected-License: z" "$S/cr.npk" "$top/seeds"
expect_exit 0 "export --format bagit" -- "$NP" export -q -p "$PUB" --format bagit "$S/cr.npk" "$S/crbag"
cat > "$S/baginfo.py" <<'PY'
import re, sys
# RFC 8493 2.2.2: lines end in CR, LF or CRLF; a line that starts with white
# space continues the value before it
text = open(sys.argv[1], "rb").read().decode("utf-8")
tags = []
for line in re.split(r"\r\n|\r|\n", text)[:-1]:
    if line[:1] in (" ", "\t"):
        tags[-1][1] += "\n" + line.lstrip(" \t")
        continue
    label, value = line.split(": ", 1)
    tags.append([label, value])
want = {"External-Description": "Title\nInjected-Title: x", "Source-Organization": "Desk\nInjected-Creator: y",
        "Newspack-License": "CC-BY\nInjected-License: z"}
got = dict(tags)
labels = [t[0] for t in tags]
bad = [l for l in labels if l not in want and l not in ("Bagging-Date", "Payload-Oxum", "Bag-Software-Agent", "Newspack-Signer-Key-Id")]
bad += ["%s: %r" % (k, got.get(k)) for k, v in want.items() if got.get(k) != v]
if len(set(labels)) != len(labels): bad.append("a label twice")
print("\n".join(bad))
sys.exit(1 if bad else 0)
PY
expect_exit 0 "bag-info.txt parses back to exactly the given tags, CR folded as LF is" -- \
	python3 "$S/baginfo.py" "$S/crbag/bag-info.txt"

# ---- one JSON shape: what list --json prints is what the exports hold
cat > "$S/shape.py" <<'PY'
import json, os, sys
listed = json.load(open(sys.argv[1]))["documents"]
docs = {d["path"]: d["metadata"] for d in listed}
text = lambda m: json.dumps(m, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
bad = []
for d in listed:
    # newspack's own sidecar: the JSON form, marked, with the media type
    own = dict(d["metadata"], **{"@newspack": 1, "@media_type": d["media_type"]})
    side = os.path.join(sys.argv[2], d["path"] + ".meta.json")
    if open(side, encoding="utf-8").read() != text(own) + "\n":
        bad.append("zip sidecar of " + d["path"])
lines = [json.loads(l) for l in open(os.path.join(sys.argv[3], "newspack-metadata.jsonl"), encoding="utf-8")]
bad += ["bag line of " + l["path"] for l in lines if l["metadata"] != docs.get(l["path"])]
if len(lines) != len(docs) or not any(isinstance(m.get("author"), list) and len(m["author"]) == 1 for m in docs.values()):
    bad.append("%d bag lines for %d documents, or no document with one author" % (len(lines), len(docs)))
print("\n".join(bad[:5]))
sys.exit(1 if bad else 0)
PY
expect_exit 0 "zip sidecars (marked \"@newspack\": 1, with \"@media_type\") and the bag's newspack-metadata.jsonl hold list --json's metadata, byte for byte (one author is [\"NAME\"])" -- \
	python3 "$S/shape.py" "$S/a.json" "$S/unzip" "$S/bag"

# ---- export, then create: the same metadata, whatever the keys (tags, link,
# title.1, keys extraction would find, a document named x.meta.json beside x),
# for tar, tar.gz and zip, and the zip unpacked; and on a slice of the corpus
RT="$S/rt"
mkdir -p "$RT/src"
printf '# A heading extraction would take\n\nBody.\n' > "$RT/src/doc.md"
printf '{"title": null, "tags": ["a", "b"]}' > "$RT/src/doc.md.meta.json"
printf 'Two\n' > "$RT/src/two.txt"
printf '{"title": "T", "title.1": "a key named title.1", "author": ["A", "B"]}' > "$RT/src/two.txt.meta.json"
python3 - "$RT" <<'PY'
import io, sys, tarfile
rt = sys.argv[1]
def mk(name, members):
    with tarfile.open(f"{rt}/{name}", "w", format=tarfile.PAX_FORMAT) as t:
        for path, data, attrs in members:
            ti = tarfile.TarInfo(path)
            ti.size = len(data)
            ti.pax_headers = {"SCHILY.xattr.user.newspack" + k: v for k, v in attrs}
            t.addfile(ti, io.BytesIO(data))
# keys a sidecar would alias
mk("odd.tar", [("odd/x.txt", b"Plain text\nBy Jane Doe\n",
                [(".tags", "t1"), (".link", "https://example.org/l")]),
               ("odd/y.txt", b"Y\n", [(".title", "line\nbreak\rand \u00e9")])])
# a member newspack marks as a document: never a sidecar
mk("clash.tar", [("clash/x.txt", b"x\n", [(".title", "X")]),
                 ("clash/x.txt.meta.json", b'{"title": "I am a document"}',
                  [("", '{"@newspack":1}'), (".title", "J")])])
PY
CORPUS="$top/../shared/corpus"
slice=""
if [ -d "$CORPUS/html" ] && [ -f "$CORPUS/warc/example.warc.gz" ]; then
	slice="$CORPUS/html $CORPUS/warc/example.warc.gz"
else
	note "no ../shared/corpus: the round trip runs without its slice"
fi
cat > "$S/same.py" <<'PY'
import json, sys
# (a folder gives no media types: they are guessed again from the files)
media = "--no-media" not in sys.argv
def docs(f):
    return {d["path"]: (d["blake2b_256"], d["media_type"] if media else "", d["metadata"]) for d in json.load(open(f))["documents"]}
a, b = docs(sys.argv[1]), docs(sys.argv[2])
bad = [p for p in sorted(set(a) | set(b)) if a.get(p) != b.get(p)]
for p in bad[:5]:
    print(p, a.get(p), b.get(p))
print("%d documents, %d differ" % (len(a), len(bad)))
sys.exit(1 if bad or not a else 0)
PY
roundtrip() { # NAME DESC INPUTS...: create, then export to each form and create again
	rt_n=$1 rt_d=$2
	shift 2
	expect_exit 0 "$rt_d: the archive" -- "$NP" create -q -s "$KEY" --timestamp 2025-06-01 "$RT/$rt_n.npk" "$@" ||
		return
	"$NP" list --json -p "$PUB" "$RT/$rt_n.npk" > "$RT/$rt_n.json"
	for f in tar tar.gz zip; do
		expect_exit 0 "$rt_d: export to $f" -- "$NP" export -q -p "$PUB" "$RT/$rt_n.npk" "$RT/$rt_n.$f" &&
			expect_exit 0 "$rt_d: create from the $f" -- "$NP" create -q -s "$KEY" --timestamp 2025-06-01 \
				"$RT/$rt_n-$f.npk" "$RT/$rt_n.$f" &&
			"$NP" list --json -p "$PUB" "$RT/$rt_n-$f.npk" > "$RT/$rt_n-$f.json" &&
			expect_exit 0 "$rt_d: export to $f, then create, gives the same paths, bytes, media types and metadata" -- \
				python3 "$S/same.py" "$RT/$rt_n.json" "$RT/$rt_n-$f.json"
	done
	expect_exit 0 "$rt_d: export --format bagit" -- "$NP" export -q -p "$PUB" --format bagit "$RT/$rt_n.npk" "$RT/$rt_n.bag" &&
		expect_exit 0 "$rt_d: the bag's newspack-metadata.jsonl holds every document's metadata" -- \
			python3 -c 'import json,sys
a = {d["path"]: d["metadata"] for d in json.load(open(sys.argv[1]))["documents"]}
b = {l["path"]: l["metadata"] for l in map(json.loads, open(sys.argv[2], encoding="utf-8"))}
sys.exit(0 if a == b else 1)' "$RT/$rt_n.json" "$RT/$rt_n.bag/newspack-metadata.jsonl"
}
roundtrip full "tags, link, title.1, a removed title, x.meta.json beside x, and the corpus slice" \
	"$RT/src" "$RT/odd.tar" "$RT/clash.tar" $slice
expect_exit 0 "(the archive holds those cases)" -- python3 -c 'import json,sys
d = {x["path"]: x["metadata"] for x in json.load(open(sys.argv[1]))["documents"]}
ok = (d["two.txt"] == {"author": ["A", "B"], "title": "T", "title.1": "a key named title.1"} and
      d["odd/x.txt"].get("tags") == "t1" and d["odd/x.txt"].get("link") and d["doc.md"] == {"keywords": ["a", "b"]} and
      d["clash/x.txt"] == {"title": "X"} and d["clash/x.txt.meta.json"] == {"title": "J"})
sys.exit(0 if ok else 1)' "$RT/full.json"
# the zip unpacked: its sidecars are read by create from the folder (x.meta.json
# beside x cannot be told from a sidecar there, so that case is left out)
roundtrip folder "the same without x.meta.json" "$RT/src" "$RT/odd.tar" $slice
mkdir -p "$RT/unzip"
expect_exit 0 "unzip the export" -- $U8 sh -c 'cd "$1" && unzip -q "$2"' sh "$RT/unzip" "$RT/folder.zip"
expect_exit 0 "create from the unzipped folder" -- "$NP" create -q -s "$KEY" --timestamp 2025-06-01 \
	"$RT/folder-unzip.npk" "$RT/unzip"
"$NP" list --json -p "$PUB" "$RT/folder-unzip.npk" > "$RT/folder-unzip.json"
expect_exit 0 "export to zip, unzip, then create gives the same paths, bytes and metadata" -- \
	python3 "$S/same.py" "$RT/folder.json" "$RT/folder-unzip.json" --no-media
expect_eq "$(python3 -c 'import json,sys; print([d["metadata"] for d in json.load(open(sys.argv[1]))["documents"] if d["path"] == "doc.md"][0])' "$RT/full.json")" \
	"{'keywords': ['a', 'b']}" "(the title extraction would find was removed by the sidecar)"

# ---- -v names each document, on stderr
expect_exit 0 "create -v" -- "$NP" create -v -s "$KEY" "$S/v.npk" "$top/seeds" &&
	expect_contains "$ERR" "packing 2025-04-flood-report.html" "create -v names each document it packs"
expect_exit 0 "verify -v" -- "$NP" verify -v -p "$PUB" "$S/v.npk" &&
	expect_contains "$ERR" "verifying 2025-03-harbour-council.md" "verify -v names each document it checks"
expect_exit 0 "export -v" -- "$NP" export -v -p "$PUB" "$S/v.npk" "$S/v.zip" &&
	expect_contains "$ERR" "exporting 000_087c6aae1e53e9e7.txt" "export -v names each document it writes"
mkdir -p "$S/vx"
expect_exit 0 "extract -v" -- "$NP" extract -v -p "$PUB" -C "$S/vx" "$S/v.npk" &&
	expect_contains "$ERR" "extracting 2025-05-library-funding.txt" "extract -v names each document it writes"

# ---- refusals: nothing is written
before=$(ls -A "$S" | sort)
expect_exit 2 "export over an existing file is refused (exit 2)" -- "$NP" export -p "$PUB" "$S/a.npk" "$S/a.zip" &&
	expect_contains "$ERR" "exists" "and says it exists"
expect_exit 2 "an unknown format is refused (exit 2)" -- "$NP" export -p "$PUB" "$S/a.npk" "$S/a.rar"
cp "$S/a.npk" "$S/bad.npk"
size=$(wc -c < "$S/bad.npk")
flip_byte "$S/bad.npk" $((size / 3))
before=$(ls -A "$S" | sort)
expect_exit 1 "a damaged archive is not exported (exit 1)" -- "$NP" export -p "$PUB" "$S/bad.npk" "$S/bad.tar"
expect_eq "$(ls -A "$S" | sort)" "$before" "and nothing was written, not even a temporary file"
expect_exit 3 "an untrusted archive is not exported without --allow-untrusted (exit 3)" -- \
	"$NP" export -p "$KEYS/other.pub" "$S/a.npk" "$S/u.tar"
expect_true "and nothing was written" -- test ! -e "$S/u.tar"

# ---- empty folders and symbolic links (format 1.1)
tree() { # DIR: each path with its type and content (a link: its target)
	python3 - "$1" <<'PY'
import os, sys
top = sys.argv[1]
for root, dirs, files in os.walk(top):
    for n in sorted(dirs + files):
        p = os.path.join(root, n)
        r = os.path.relpath(p, top)
        if os.path.islink(p):
            print("link", r, os.readlink(p))
        elif os.path.isdir(p):
            print("dir", r, len(os.listdir(p)))
        elif not n.endswith(".meta.json"):
            print("file", r, open(p, "rb").read().hex())
PY
}
KW="$S/kw"
mkdir -p "$KW/b" "$KW/empty/inner" "$KW/links"
printf 'a\n' > "$KW/a.txt"
printf 'b\n' > "$KW/b.txt"
ln -s ../a.txt "$KW/links/rel"
ln -s /etc/passwd "$KW/links/abs"
ln -s ../b "$KW/links/dir"
tree "$KW" > "$S/kw.tree"
kmk() { # OUT INPUT: the archive of the bag check's title and creator
	"$NP" create -q -s "$KEY" --timestamp 2025-06-01 --meta "title=Export test" --meta "creator=Archive desk" "$@"
}
expect_exit 0 "folders and links: an archive" -- kmk "$S/kw.npk" "$KW"
for f in tar zip; do
	expect_exit 0 "folders and links: export to .$f" -- "$NP" export -p "$PUB" "$S/kw.npk" "$S/kw.$f" &&
		expect_contains "$ERR" "exported 2 documents" "$f: counts the documents alone"
	rm -rf "$S/kw-$f" && mkdir -p "$S/kw-$f"
	if [ $f = tar ]; then
		expect_exit 0 "GNU tar reads it" -- $U8 tar -xf "$S/kw.tar" -C "$S/kw-$f"
	else
		expect_exit 0 "unzip reads it" -- $U8 sh -c 'cd "$1" && unzip -q "$2"' sh "$S/kw-$f" "$S/kw.zip"
	fi
	tree "$S/kw-$f" > "$S/kw-$f.tree"
	expect_same "$S/kw-$f.tree" "$S/kw.tree" "$f: the tree again, empty folders and links (readlink) alike"
	rm -f "$S/kw-$f.npk"
	expect_exit 0 "$f: create from it" -- kmk "$S/kw-$f.npk" "$S/kw.$f" &&
		expect_same "$S/kw-$f.npk" "$S/kw.npk" "$f: export then import gives the archive back byte for byte"
done
expect_exit 0 "bsdtar lists the links as links" -- $U8 bsdtar -tvf "$S/kw.tar" &&
	expect_contains "$OUT" "links/rel -> ../a.txt" "bsdtar: links/rel is a link to ../a.txt" &&
	expect_contains "$OUT" "empty/inner/" "bsdtar: the empty folder is a directory entry"
rm -rf "$S/kwbag"
expect_exit 0 "folders and links: export --format bagit" -- "$NP" export -p "$PUB" --format bagit "$S/kw.npk" "$S/kwbag" &&
	expect_contains "$ERR" "links/abs: symbolic link not exported (a bag holds only files)" "bagit: each link is named" &&
	expect_contains "$ERR" "links/rel: symbolic link not exported" "bagit: every link"
expect_eq "$(tree "$S/kwbag/data" | tr '\n' ' ')" "file a.txt 610a dir b 0 file b.txt 620a dir empty 1 dir empty/inner 0 " \
	"bagit: the empty folders are folders in data/, links are left out"
expect_exit 0 "bagit: the bag with empty folders follows RFC 8493" -- python3 "$S/bagcheck.py" "$S/kwbag"
rm -f "$S/kw.warc"
expect_exit 0 "folders and links: export to WARC" -- "$NP" export -p "$PUB" "$S/kw.npk" "$S/kw.warc" &&
	expect_contains "$ERR" "empty/inner: empty folder not exported (a WARC file holds only records)" "warc: an empty folder is named" &&
	expect_contains "$ERR" "links/dir: symbolic link not exported (a WARC file holds only records)" "warc: a link is named"

finish
