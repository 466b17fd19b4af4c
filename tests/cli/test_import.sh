#!/bin/sh
# test_import.sh - tar and zip files as inputs of newspack create, read as
# streams through libarchive:
#   a .tar, .tar.gz, .tgz, .tar.xz, .tar.zst and .zip made here by the stock
#     tools (GNU tar, bsdtar, zip) from a folder give byte for byte the
#     archive that the folder itself gives: same documents, same metadata
#     (sidecars inside the tar are read), same order;
#   a tar whose members come in reverse path order (spooled to a temporary
#     file in TMPDIR, which is left empty), and a tar mixed with a folder,
#     give the same archive as the folders; importing many large sidecars
#     stays under 100 MB of memory;
#   export then import gives back the same archive, byte for byte, for tar,
#     tar.gz and zip (metadata through pax attributes and sidecars);
#   refusals, each with its own message and nothing written: "..",
#     absolute and control-character member paths, a path given twice, a
#     name that is a file and a folder, a name clash with a folder input, a
#     file that is not a tar or zip, a truncated tar.gz; and special members
#     are skipped with a warning;
#   format 1.1 (spec/format.md 15.7): a directory member with nothing under
#     it becomes an empty folder, a symbolic link member a link (its target
#     the link name, never followed), in a tar (GNU tar, bsdtar, Python) and
#     a zip (zip -y, bsdtar): the same entries as the folder they were made
#     from gives, byte for byte; a link target that is not UTF-8 is skipped
#     with a warning naming the member; with --format-version 1.0 links are
#     skipped with a warning and folders left out, as before.
. "$(dirname "$0")/lib.sh"
suite_begin import

KEY="$KEYS/test.key"
PUB="$KEYS/test.pub"
U8="env LC_ALL=C.UTF-8"
MK="$NP create -q -s $KEY --timestamp 2025-06-01"

IN="$S/in"
mkdir -p "$IN/news/2025" "$IN/$(printf '\316\261\316\262')" "$IN/odd/deep/er"
cp "$top/seeds/"* "$IN/news/"
printf 'Council votes\nBy Jane Doe\n\nText.\n' > "$IN/news/2025/vote.txt"
printf '{"title": "From the sidecar", "author": ["A. One", "B. Two"]}' > "$IN/news/2025/vote.txt.meta.json"
printf 'x' > "$IN/$(printf '\316\261\316\262')/$(printf '\316\263').txt"
: > "$IN/odd/empty.txt"
head -c 70000 /dev/urandom > "$IN/odd/random.bin"
printf 'percent\n' > "$IN/odd/100% sure & more.txt"
printf 'deep\n' > "$IN/odd/deep/er/file.md"
expect_exit 0 "the folder as the reference archive" -- $MK "$S/ref.npk" "$IN"

# ---- made by the stock tools
$U8 tar -C "$IN" -cf "$S/gnu.tar" .
$U8 tar -C "$IN" -czf "$S/gnu.tar.gz" news "$(printf '\316\261\316\262')" odd
cp "$S/gnu.tar.gz" "$S/gnu.tgz"
$U8 tar -C "$IN" -cJf "$S/gnu.tar.xz" .
$U8 tar -C "$IN" --zstd -cf "$S/gnu.tar.zst" .
$U8 bsdtar -C "$IN" -cf "$S/bsd.tar" .
(cd "$IN" && $U8 zip -qr "$S/info.zip" .)
$U8 bsdtar -C "$IN" --format zip -cf "$S/bsd.zip" .
for f in gnu.tar gnu.tar.gz gnu.tgz gnu.tar.xz gnu.tar.zst bsd.tar info.zip bsd.zip; do
	expect_exit 0 "create from $f" -- $MK "$S/$f.npk" "$S/$f" &&
		expect_same "$S/$f.npk" "$S/ref.npk" "$f gives the folder's archive byte for byte"
done
"$NP" list --json -p "$PUB" "$S/gnu.tar.npk" > "$S/list.json"
expect_contains "$S/list.json" '"title":"From the sidecar"' "a sidecar inside the tar is metadata"
expect_not_contains "$S/list.json" 'vote.txt.meta.json' "and not a document"

# ---- order, spool and memory
BIG="$S/big"
mkdir -p "$BIG/a" "$BIG/b"
i=0
while [ $i -lt 180 ]; do
	head -c 200000 /dev/urandom > "$BIG/a/f$i"
	i=$((i + 1))
done
head -c 9000000 /dev/urandom > "$BIG/b/huge"
head -c 9500000 /dev/urandom > "$BIG/a/huge"
(cd "$BIG" && find . -type f | sort -r > "$S/reverse.list")
tar -C "$BIG" -cf "$S/reverse.tar" -T "$S/reverse.list"
expect_exit 0 "the big folder" -- $MK "$S/big.npk" "$BIG"
mkdir -p "$S/tmp"
expect_exit 0 "a tar in reverse order, 45 MB" -- env TMPDIR="$S/tmp" $MK "$S/reverse.npk" "$S/reverse.tar" &&
	expect_same "$S/reverse.npk" "$S/big.npk" "it gives the folder's archive byte for byte" &&
	expect_eq "$(ls -A "$S/tmp")" "" "and leaves nothing in TMPDIR"
run /usr/bin/time -f '%M' $MK "$S/reverse2.npk" "$S/reverse.tar"
info "peak RSS importing a 45 MB tar in reverse order: $(tail -n 1 "$ERR") KiB"

# memory is bounded whatever the input: sidecars are not kept from the
# listing on (160 sidecars of 1 MiB, long names, in a 1 MB tar.gz)
python3 - "$S/sidecars.tar.gz" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w:gz", format=tarfile.PAX_FORMAT) as t:
    d = "d" * 200 + "/"
    for i in range(160):
        name = d + "%03d-" % i + "n" * 100 + ".txt"
        for path, data in ((name, b"Document %d\n" % i),
                           (name + ".meta.json", b'{"title": "Sidecar %d"}' % i + b" " * ((1 << 20) - 100))):
            ti = tarfile.TarInfo(path)
            ti.size = len(data)
            t.addfile(ti, io.BytesIO(data))
PY
expect_exit 0 "a tar.gz of 160 documents with 1 MiB sidecars and long names" -- \
	/usr/bin/time -f '%M' $MK "$S/sidecars.npk" "$S/sidecars.tar.gz"
rss=$(tail -n 1 "$ERR")
"$NP" list --json -p "$PUB" "$S/sidecars.npk" > "$S/sidecars.json"
expect_contains "$S/sidecars.json" '"title":"Sidecar 159"' "its sidecars are applied"
if [ "${NPK_INSTRUMENTED:-}" = 1 ]; then
	note "instrumented run: peak RSS $rss KiB not bounded (the sanitizers keep freed memory)"
else
	expect_true "its peak RSS ($rss KiB) stays under 100 MB" -- test "$rss" -lt 100000
fi

# a tar and a folder together: their documents interleave in path order
mkdir -p "$S/mix/one" "$S/mix/two"
cp -r "$IN/news" "$S/mix/one/"
cp -r "$IN/odd" "$S/mix/two/"
cp -r "$IN/$(printf '\316\261\316\262')" "$S/mix/two/"
$U8 tar -C "$S/mix/one" -cf "$S/news.tar" news
expect_exit 0 "a tar and a folder as inputs" -- $MK "$S/mixed.npk" "$S/news.tar" "$S/mix/two" &&
	expect_same "$S/mixed.npk" "$S/ref.npk" "they give the archive of the whole folder"

# ---- export, then import
for f in tar tar.gz zip; do
	expect_exit 0 "export to $f" -- "$NP" export -q -p "$PUB" "$S/ref.npk" "$S/export.$f" &&
		expect_exit 0 "create from the $f export" -- $MK "$S/back-$f.npk" "$S/export.$f" &&
		expect_same "$S/back-$f.npk" "$S/ref.npk" "export to $f and back gives the same archive, byte for byte"
done

# a member newspack marked: KEY#N is the N-th repeat of KEY whatever order
# the attributes come in, a key title.1 is itself, and its attributes are
# its whole metadata (the byline extraction would find is not added)
python3 - "$S" <<'PY'
import io, sys, tarfile
for name, order in (("marked-a.tar", ("author", "author#1", "author#2")), ("marked-b.tar", ("author#2", "author#1", "author"))):
    with tarfile.open(f"{sys.argv[1]}/{name}", "w", format=tarfile.PAX_FORMAT) as t:
        data = b"Story\nBy Someone Else\n"
        ti = tarfile.TarInfo("story.txt")
        ti.size = len(data)
        vals = {"author": "A", "author#1": "B", "author#2": "C"}
        ti.pax_headers = {"SCHILY.xattr.user.newspack": '{"@media_type":"text/x-story","@newspack":1}',
                          "SCHILY.xattr.user.newspack.title.1": "own key"}
        ti.pax_headers.update({"SCHILY.xattr.user.newspack." + k: vals[k] for k in order})
        t.addfile(ti, io.BytesIO(data))
PY
for f in marked-a marked-b; do
	expect_exit 0 "create from $f.tar" -- $MK "$S/$f.npk" "$S/$f.tar" &&
		expect_eq "$("$NP" list --json -p "$PUB" "$S/$f.npk" | python3 -c 'import json,sys; d=json.load(sys.stdin)["documents"][0]; print(d["media_type"], json.dumps(d["metadata"], sort_keys=True))')" \
			'text/x-story {"author": ["A", "B", "C"], "title.1": "own key"}' \
			"$f.tar: authors in #N order, title.1 its own key, the mark's media type, nothing extracted"
done

# ---- refusals: nothing written
python3 - "$S" <<'EOF'
import io, sys, tarfile
S = sys.argv[1]
def mk(name, members):
    with tarfile.open(f"{S}/{name}", "w", format=tarfile.PAX_FORMAT) as t:
        for m in members:
            ti = tarfile.TarInfo(m[0])
            if len(m) > 2:
                ti.type, ti.linkname = m[2], m[3]
                t.addfile(ti)
                continue
            ti.size = len(m[1])
            t.addfile(ti, io.BytesIO(m[1]))
mk("dotdot.tar", [("ok.txt", b"ok"), ("../evil.txt", b"x")])
mk("inner.tar", [("a/../../evil.txt", b"x")])
mk("abs.tar", [("/etc/evil", b"x")])
mk("ctrl.tar", [("a\x01b", b"1")])
mk("dup.tar", [("a.txt", b"1"), ("b.txt", b"2"), ("./a.txt", b"3")])
mk("filedir.tar", [("a", b"1"), ("a/b", b"2")])
mk("clash.tar", [("news/x.txt", b"1")])
mk("links.tar", [("a.txt", b"one"), ("l", b"", tarfile.SYMTYPE, "a.txt"),
                 ("h", b"", tarfile.LNKTYPE, "a.txt"), ("fifo", b"", tarfile.FIFOTYPE, "")])
EOF
refuse() { # FILE MESSAGE DESC [OTHER INPUT]
	rm -f "$S/refused.npk"
	expect_exit 2 "$3: refused" -- $MK "$S/refused.npk" "$S/$1" ${4-} &&
		expect_contains "$ERR" "$2" "$3: says why" &&
		expect_true "$3: nothing is written" -- test ! -e "$S/refused.npk"
}
refuse dotdot.tar 'member 2 cannot be stored: ../evil.txt: "." or ".." in path' "a member ../evil.txt"
refuse inner.tar 'member 1 cannot be stored: a/../../evil.txt: "." or ".." in path' "a member a/../../evil.txt"
refuse abs.tar 'member 1 cannot be stored: /etc/evil: absolute path' "an absolute member path"
refuse ctrl.tar 'member 1 cannot be stored: a\x01b: control character in path' "a control character in a member path"
refuse dup.tar '"a.txt" is in it twice (members 1 and 3)' "a path given twice"
refuse filedir.tar '"a" is both a file and a folder in it ("a/b")' "a name that is a file and a folder"
refuse clash.tar 'would both be stored as "news/"' "a tar and a folder with the same name" "$IN"
head -c 5000 /dev/urandom > "$S/noise.tar"
refuse noise.tar 'noise.tar: cannot be read as a tar or zip file' "a file that is not a tar"
head -c $(($(file_size "$S/gnu.tar.xz") / 2)) "$S/gnu.tar.xz" > "$S/cut.tar.xz"
refuse cut.tar.xz "cut.tar.xz: cannot be read as a tar or zip file: Lzma library error" "a truncated tar.xz"
head -c $(($(file_size "$S/reverse.tar") / 3)) "$S/reverse.tar" | gzip -1 > "$S/cut.tar.gz"
refuse cut.tar.gz "cut.tar.gz: member" "a tar.gz cut short in a member"
expect_true "no temporary file is left" -- test -z "$(find "$S" -maxdepth 1 -name '.*tmp*')"

expect_exit 0 "special members are skipped" -- "$NP" create -s "$KEY" "$S/links.npk" "$S/links.tar" &&
	expect_contains "$ERR" "links.tar: fifo: special file not imported" "a FIFO is named" &&
	expect_contains "$OUT" "1 input was skipped" "and counted" &&
	expect_eq "$("$NP" cat -p "$PUB" "$S/links.npk" l)" "a.txt" "a symbolic link is a link to its target" &&
	expect_eq "$("$NP" cat -p "$PUB" "$S/links.npk" h)" "one" "a hard link is a document with its member's bytes"

# hard links: the tar of a folder gives every file the folder has
mkdir -p "$S/hard/a" "$S/hard/z"
printf 'Linked story\nBy Jane Doe\n\nText.\n' > "$S/hard/z/story.txt"
ln "$S/hard/z/story.txt" "$S/hard/a/story.txt"
ln "$S/hard/z/story.txt" "$S/hard/copy.txt"
expect_exit 0 "the folder with hard links" -- $MK "$S/hard.npk" "$S/hard"
for t in gnu bsd; do
	if [ $t = gnu ]; then tar -C "$S/hard" -cf "$S/hard-$t.tar" z a copy.txt
	else bsdtar -C "$S/hard" -cf "$S/hard-$t.tar" z a copy.txt; fi
	expect_exit 0 "create from the $t tar of it" -- $MK "$S/hard-$t.npk" "$S/hard-$t.tar" &&
		expect_same "$S/hard-$t.npk" "$S/hard.npk" "the $t tar with hard links gives the folder's archive byte for byte"
done

# ---- empty folders and symbolic links (format 1.1)
kinds() { # ARCHIVE: "KIND PATH" for each entry, by the second reader
	python3 "$top/spec/vectors/npkcheck.py" dump "$1" | awk '$4 == "kind" { k = $(NF-1) } $4 == "path" { print (k == "" ? 0 : k), $NF; k = "" }' |
		tr -d '"' | tr '\n' ' '
}
KW="$S/kw"
mkdir -p "$KW/b" "$KW/empty/inner" "$KW/full" "$KW/links"
printf 'a\n' > "$KW/a.txt"
printf 'b\n' > "$KW/b.txt"
printf 'f\n' > "$KW/full/f.txt"
ln -s ../a.txt "$KW/links/rel"
ln -s /etc/passwd "$KW/links/abs"
ln -s ../b "$KW/links/dir"
expect_exit 0 "folders and links: the folder" -- $MK "$S/kw.npk" "$KW" &&
	expect_eq "$(kinds "$S/kw.npk")" "0 a.txt 2 b 0 b.txt 2 empty/inner 0 full/f.txt 3 links/abs 3 links/dir 3 links/rel " \
		"folders and links: the folder's entries"
$U8 tar -C "$KW" -cf "$S/kw-gnu.tar" .
$U8 bsdtar -C "$KW" -cf "$S/kw-bsd.tar" .
(cd "$KW" && $U8 zip -qry "$S/kw-info.zip" .)
$U8 bsdtar -C "$KW" --format zip -cf "$S/kw-bsd.zip" .
for f in kw-gnu.tar kw-bsd.tar kw-info.zip kw-bsd.zip; do
	expect_exit 0 "create from $f" -- $MK "$S/$f.npk" "$S/$f" &&
		expect_same "$S/$f.npk" "$S/kw.npk" "$f: empty folders and links give the folder's archive byte for byte"
done
rm -f "$S/kw10.npk"
expect_exit 0 "a tar with folders and links, format 1.0" -- $MK --format-version 1.0 "$S/kw10.npk" "$S/kw-gnu.tar" &&
	expect_contains "$ERR" "kw-gnu.tar: links/abs: symbolic link not imported (only regular files are stored)" \
		"1.0: each link is skipped, named" &&
	expect_eq "$(kinds "$S/kw10.npk")" "0 a.txt 0 b.txt 0 full/f.txt " "1.0: only the files"
python3 - "$S" <<'EOF2'
import sys, tarfile
S = sys.argv[1]
with tarfile.open(f"{S}/kwbad.tar", "w", format=tarfile.GNU_FORMAT, encoding="latin-1") as t:
    for name, kind, target in [("d/", tarfile.DIRTYPE, ""), ("d/e/", tarfile.DIRTYPE, ""),
                               ("bad", tarfile.SYMTYPE, "x\xff"), ("ok", tarfile.SYMTYPE, "d/e")]:
        ti = tarfile.TarInfo(name)
        ti.type, ti.linkname = kind, target
        t.addfile(ti)
EOF2
rm -f "$S/kwbad.npk"
expect_exit 0 "a link member whose target is not UTF-8" -- "$NP" create -s "$KEY" "$S/kwbad.npk" "$S/kwbad.tar" &&
	expect_contains "$ERR" "kwbad.tar: bad: symbolic link not imported" "is skipped, named" &&
	expect_eq "$(kinds "$S/kwbad.npk")" "2 d/e 3 ok " "the nested empty folder and the good link are stored"

finish
