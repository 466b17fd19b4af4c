#!/bin/sh
# test_create.sh - newspack create and its inputs:
#   OUT is never a file that is one of the INPUTs (by device and inode, or
#     inside an INPUT folder the walk reaches), never a file that is not a
#     newspack archive, and an archive is replaced only with --force; each
#     refusal exits 2, says why and leaves OUT byte for byte;
#   arguments given the wrong way round (a folder as OUT) say so;
#   names of 246 to 255 bytes (no room for NAME.meta.json beside them) are
#     archived and extracted byte for byte;
#   a tree 2,045 folders deep (archive paths of 4,095 bytes) is archived
#     and extracted byte for byte, and a short archive path under an INPUT
#     folder whose path is near PATH_MAX is archived;
#   NAME.meta.json is a sidecar only beside NAME in the same folder: one
#     from another INPUT is stored as a document;
#   --timestamp and SOURCE_DATE_EPOCH dates out of range (2025-02-31, a
#     29 February outside a leap year, hour 24, ...) are refused, exit 2;
#   the summary counts skipped inputs in the singular and the plural;
#   --exclude PATTERN leaves out what matches the archive path or a name
#     (a folder left with nothing is stored as an empty folder);
#   --files-from LIST reads INPUTs from LIST (a file, or - for stdin; lines,
#     or NUL-separated with --null), each one SOURCE or SOURCE<TAB>PATH to
#     store a file under PATH in the archive; refusals name the line;
#   --no-import stores a tar, zip or WARC INPUT as the file itself, byte for
#     byte;
#   a file's modification time (whole seconds, before the archive's time)
#     and its executable bit are kept as file.mtime and file.executable,
#     and extract restores them (one thread or two) unless --no-mtime;
#   format 1.1 (spec/format.md 15.7): a symbolic link inside a folder is
#     stored as a link (kind 3, its target as readlink gives it, whatever it
#     points to), a folder that ends up holding nothing stored (nothing in
#     it, all excluded or skipped) as an empty folder (kind 2) at its place
#     in path order ("b" before "b.txt"); a target that is not UTF-8 is
#     skipped with a warning naming the link; an INPUT or --files-from line
#     that is a link is followed; the summary and --json count folders and
#     links; --format-version 1.0 skips links with a warning naming each
#     and leaves empty folders out.
. "$(dirname "$0")/lib.sh"
suite_begin create

KEY="$KEYS/test.key"
PUB="$KEYS/test.pub"
MK="$NP create -q -s $KEY --timestamp 2025-06-01"

IN="$S/in"
mkdir -p "$IN/sub"
printf 'First article\n' > "$IN/a.md"
printf 'Second article\n' > "$IN/b.md"
printf 'Third\n' > "$IN/sub/c.txt"
expect_exit 0 "the reference archive" -- $MK "$S/ref.npk" "$IN"

# ---- OUT: never an input, never a file that is not an archive, --force
# refused OUT DESC MESSAGE -- CREATE ARGS...: exit 2, the message, OUT kept.
refused() {
	_out=$1
	_desc=$2
	_msg=$3
	shift 4
	cp "$_out" "$S/before"
	expect_exit 2 "$_desc: refused" -- $MK "$@" &&
		expect_contains "$ERR" "$_msg" "$_desc: says why" &&
		expect_same "$_out" "$S/before" "$_desc: OUT is left byte for byte"
	expect_true "$_desc: no temporary file is left" -- \
		test -z "$(find "$S" -name '.*.tmp-*')"
}
cd "$IN" || exit 2
refused a.md "OUT forgotten (create *.md)" "a.md: exists and is not a newspack archive; not replacing it" \
	-- a.md b.md
cd "$top" || exit 2
refused "$IN/a.md" "a text file as OUT, with --force" "a.md: exists and is not a newspack archive" \
	-- --force "$IN/a.md" "$IN/b.md"
cp "$S/ref.npk" "$S/old.npk"
refused "$S/old.npk" "an existing archive without --force" "old.npk: already exists; --force replaces an archive" \
	-- "$S/old.npk" "$IN"
refused "$S/old.npk" "OUT is also an INPUT" "old.npk: is also an INPUT" \
	-- --force "$S/old.npk" "$S/old.npk" "$IN/b.md"
ln "$S/old.npk" "$S/hardlink.npk"
refused "$S/old.npk" "OUT is an INPUT under another name (a hard link)" "old.npk: is also an INPUT" \
	-- --force "$S/old.npk" "$S/hardlink.npk"
rm -f "$S/hardlink.npk"
cp "$S/ref.npk" "$IN/sub/inside.npk"
refused "$IN/sub/inside.npk" "OUT inside an INPUT folder" "inside.npk: lies inside the INPUT folder" \
	-- --force "$IN/sub/inside.npk" "$S/in/"
rm -f "$IN/sub/inside.npk"
expect_exit 0 "an existing archive with --force" -- $MK --force "$S/old.npk" "$IN/b.md" &&
	$MK "$S/fresh.npk" "$IN/b.md" &&
	expect_same "$S/old.npk" "$S/fresh.npk" "it is replaced by the new archive"
expect_exit 0 "a new OUT inside the INPUT folder" -- $MK "$IN/new.npk" "$IN" &&
	expect_same "$IN/new.npk" "$S/ref.npk" "it is not an input of itself"
rm -f "$IN/new.npk"

# ---- arguments the wrong way round
expect_exit 2 "a folder as OUT (arguments swapped)" -- $MK "$IN/" "$S/swapped.npk" &&
	expect_contains "$ERR" "in/: OUT must be a file to write, not a folder" "says what is wrong" &&
	expect_contains "$ERR" "Usage: newspack create [OPTIONS] OUT.npk INPUT..." "and how it is used"
expect_true "nothing is written" -- test ! -e "$S/swapped.npk"

# ---- names with no room for a sidecar beside them
L="$S/long"
mkdir -p "$L"
long255=$(printf '%0251d' 0).txt
cjk82=$(i=0; while [ $i -lt 82 ]; do printf '\346\226\260'; i=$((i + 1)); done)
printf 'two hundred and fifty-five bytes\n' > "$L/$long255"
printf 'eighty-two CJK characters\n' > "$L/$cjk82"
printf 'short\n' > "$L/short.txt"
mkdir -p "$S/long.out"
expect_exit 0 "names of 246 and 255 bytes are archived" -- $MK "$S/long.npk" "$L" &&
	expect_exit 0 "and extracted" -- "$NP" extract -q -p "$PUB" -C "$S/long.out" "$S/long.npk" &&
	expect_true "byte for byte" -- diff -r "$L" "$S/long.out"

# ---- deep trees: made and compared by relative chdir (absolute paths
# exceed PATH_MAX); the listing is "PATH SIZE SHA-256" in path order.
cat > "$S/tree.py" <<'PY'
import hashlib, os, sys
sys.setrecursionlimit(100000)
def make(depth):
    for k in range(depth):
        if k % 500 == 0:
            with open("f%d.txt" % k, "w") as f:
                f.write("level %d\n" % k)
        os.mkdir("d")
        os.chdir("d")
    with open("f.txt", "w") as f:
        f.write("the bottom\n")
def listing(prefix, out):
    for name in sorted(os.listdir(".")):
        if os.path.isdir(name):
            os.chdir(name)
            listing(prefix + name + "/", out)
            os.chdir("..")
        else:
            with open(name, "rb") as f:
                b = f.read()
            out.append("%s%s %d %s" % (prefix, name, len(b), hashlib.sha256(b).hexdigest()))
    return out
os.chdir(sys.argv[2])
if sys.argv[1] == "make":
    make(int(sys.argv[3]))
else:
    sys.stdout.write("\n".join(listing("", [])) + "\n")
PY
mkdir -p "$S/deep" "$S/deep.out"
python3 "$S/tree.py" make "$S/deep" 2045
python3 "$S/tree.py" list "$S/deep" > "$S/deep.list"
expect_eq "$(cut -d ' ' -f 1 "$S/deep.list" | awk '{ print length }' | sort -n | tail -n 1)" "4095" \
	"the deepest archive path is 4,095 bytes"
expect_exit 0 "a tree 2,045 folders deep is archived" -- $MK "$S/deep.npk" "$S/deep" &&
	expect_exit 0 "and extracted" -- "$NP" extract -q -p "$PUB" -C "$S/deep.out" "$S/deep.npk" &&
	python3 "$S/tree.py" list "$S/deep.out" > "$S/deep.out.list" &&
	expect_same "$S/deep.out.list" "$S/deep.list" "byte for byte"
cat > "$S/short.sh" <<'SH'
# cd DIR, then create OUT from an INPUT of 2,040 folders "d/" (4,080 bytes)
cd "$1" || exit 9
shift
rel=$(i=0; while [ $i -lt 2040 ]; do printf 'd/'; i=$((i + 1)); done)
exec "$@" "$rel"
SH
expect_exit 0 "a short archive path under an INPUT path of 4,080 bytes" -- \
	sh "$S/short.sh" "$S/deep" $MK "$S/short.npk" &&
	expect_exit 0 "lists" -- "$NP" list -p "$PUB" "$S/short.npk" &&
	expect_eq "$(cat "$OUT")" "d/d/d/d/d/f.txt" "it holds the file under its short path"

# ---- a sidecar counts only beside its NAME
mkdir -p "$S/side/d1" "$S/side/d2"
printf 'Plain text\n' > "$S/side/d1/x"
printf '{"title": "Not for d1/x"}' > "$S/side/d2/x.meta.json"
printf '{"title": "For d1/y"}' > "$S/side/d1/y.meta.json"
printf 'Why\n' > "$S/side/d1/y"
for form in folders files; do
	if [ $form = folders ]; then set -- "$S/side/d1" "$S/side/d2"; else
		set -- "$S/side/d1/x" "$S/side/d2/x.meta.json" "$S/side/d1/y" "$S/side/d1/y.meta.json"; fi
	expect_exit 0 "d1/x and d2/x.meta.json as $form" -- $MK "$S/side-$form.npk" "$@" &&
		expect_exit 0 "$form: lists" -- "$NP" list --json -p "$PUB" "$S/side-$form.npk" &&
		expect_contains "$OUT" '"path":"x.meta.json"' "$form: x.meta.json from another INPUT is a document" &&
		expect_not_contains "$OUT" 'Not for d1/x' "$form: and not x's sidecar" &&
		expect_contains "$OUT" '"title":"For d1/y"' "$form: y.meta.json beside y is y's sidecar" &&
		expect_not_contains "$OUT" '"path":"y.meta.json"' "$form: and not a document"
	"$NP" cat -p "$PUB" "$S/side-$form.npk" x.meta.json > "$S/side.cat" 2>&1
	expect_same "$S/side.cat" "$S/side/d2/x.meta.json" "$form: stored byte for byte"
done

# ---- dates out of range are refused, not normalised
for t in 2025-02-31 2025-02-29 2100-02-29 2025-04-31 2025-00-10 2025-13-01 2025-01-00 2025-01-32 \
	2025-06-01T24:00:00Z 2025-06-01T23:60:00Z 2025-06-01T23:59:60Z; do
	rm -f "$S/t.npk"
	expect_exit 2 "--timestamp $t is refused" -- $MK --timestamp "$t" "$S/t.npk" "$IN/b.md" &&
		expect_contains "$ERR" "bad --timestamp '$t'" "--timestamp $t: says so"
	rm -f "$S/t.npk"
	expect_exit 2 "SOURCE_DATE_EPOCH=$t is refused" -- env SOURCE_DATE_EPOCH="$t" \
		"$NP" create -q -s "$KEY" "$S/t.npk" "$IN/b.md" &&
		expect_contains "$ERR" "bad SOURCE_DATE_EPOCH '$t'" "SOURCE_DATE_EPOCH=$t: says so"
done
for t in 2024-02-29 2000-02-29 2025-12-31T23:59:59Z; do
	rm -f "$S/t.npk"
	expect_exit 0 "--timestamp $t is a date" -- $MK --timestamp "$t" "$S/t.npk" "$IN/b.md" &&
		expect_exit 0 "info" -- "$NP" info -p "$PUB" "$S/t.npk" &&
		expect_contains "$OUT" "${t%%T*}" "$t: is the archive's date"
done

# ---- the summary's count of skipped inputs
mkdir -p "$S/skip"
printf 'kept\n' > "$S/skip/kept.txt"
mkfifo "$S/skip/fifo1"
expect_exit 0 "one FIFO skipped" -- "$NP" create -s "$KEY" "$S/skip1.npk" "$S/skip" &&
	expect_contains "$OUT" "1 input was skipped (see the warning above)" "is counted in the singular"
mkfifo "$S/skip/fifo2"
expect_exit 0 "two FIFOs skipped" -- "$NP" create -s "$KEY" "$S/skip2.npk" "$S/skip" &&
	expect_contains "$OUT" "2 inputs were skipped (see the warnings above)" "are counted in the plural"

# ---- --exclude
X="$S/x"
mkdir -p "$X/sub" "$X/tmp"
printf 'keep\n' > "$X/keep.txt"
printf 'log\n' > "$X/skip.log"
printf 'log\n' > "$X/sub/a.log"
printf 'keep2\n' > "$X/sub/keep2.txt"
printf 'tmp\n' > "$X/tmp/x.txt"
lists() { # DESC WANT ARGS...: create with ARGS, then list gives WANT
	_d=$1
	_w=$2
	shift 2
	rm -f "$S/l.npk"
	expect_exit 0 "$_d" -- $MK "$S/l.npk" "$@" &&
		expect_exit 0 "$_d: lists" -- "$NP" list -p "$PUB" "$S/l.npk" &&
		expect_eq "$(cat "$OUT" | tr '\n' ' ')" "$_w" "$_d: gives $_w"
}
lists "--exclude by name, twice" "keep.txt sub/keep2.txt " --exclude '*.log' --exclude tmp "$X"
lists "--exclude by archive path (sub is left empty)" "keep.txt skip.log sub/ tmp/x.txt " --exclude 'sub/*' "$X"
lists "--exclude a folder by its path" "keep.txt skip.log sub/a.log sub/keep2.txt " --exclude 'tmp' "$X"

# ---- --files-from
cd "$S" || exit 2
printf 'x/keep.txt\nx/sub/keep2.txt\tshards/01/k2.txt\nx/tmp/x.txt\tshards/00/x.txt\n' > "$S/files.list"
lists "--files-from with archive paths" "keep.txt shards/00/x.txt shards/01/k2.txt " --files-from files.list
"$NP" cat -p "$PUB" "$S/l.npk" shards/01/k2.txt > "$S/k2.cat"
expect_same "$S/k2.cat" "$X/sub/keep2.txt" "a file stored under its given path, byte for byte"
printf 'x/keep.txt\000x/sub/keep2.txt\tdeep/k.txt\000' > "$S/files.nul"
lists "--files-from --null" "deep/k.txt keep.txt " --null --files-from files.nul
printf 'x/sub\n' > "$S/folder.list"
lists "--files-from naming a folder" "a.log keep2.txt " --files-from folder.list
lists "--files-from with INPUTs too" "a.log keep.txt keep2.txt " --files-from folder.list x/keep.txt
rm -f "$S/l.npk" "$S/one.npk"
expect_exit 0 "--files-from - reads stdin" -- sh -c '"$@" < "$0"' "$S/files.list" $MK "$S/l.npk" --files-from - &&
	$MK "$S/one.npk" --files-from files.list &&
	expect_same "$S/l.npk" "$S/one.npk" "the same archive as from the file"
badlist() { # DESC LINE MESSAGE
	printf '%b' "$2" > "$S/bad.list"
	rm -f "$S/bad.npk"
	expect_exit 2 "--files-from: $1 is refused" -- $MK "$S/bad.npk" --files-from bad.list &&
		expect_contains "$ERR" "$3" "--files-from: $1: says why"
	expect_true "--files-from: $1: nothing is written" -- test ! -e "$S/bad.npk"
}
badlist "a folder with an archive path" 'x/sub\tsub\n' "x/sub: only a file can be given a path in the archive"
badlist "a path given twice" 'x/keep.txt\ta.txt\nx/tmp/x.txt\ta.txt\n' 'would both be stored as "a.txt"'
badlist "a file and a folder at one path" 'x/keep.txt\ta\nx/tmp/x.txt\ta/b\n' '"a" would be both a file and a folder'
badlist "an unsafe archive path" 'x/keep.txt\t../a\n' '"." or ".." in path'
badlist "an empty archive path" 'x/keep.txt\t\n' "bad.list: line 1: no path after the tab"
badlist "a missing file" 'x/nothing.txt\n' "x/nothing.txt: No such file or directory"
rm -f "$S/bad.npk"
expect_exit 2 "--files-from a missing list" -- $MK "$S/bad.npk" --files-from "$S/none.list" &&
	expect_contains "$ERR" "none.list: No such file or directory" "says so"
cd "$top" || exit 2

# ---- --no-import: evidence byte for byte
tar -C "$X" -cf "$S/leak.tar" .
(cd "$X" && zip -qr "$S/leak.zip" .)
lists "--no-import keeps a tar and a zip as files" "leak.tar leak.zip " --no-import "$S/leak.tar" "$S/leak.zip"
for f in leak.tar leak.zip; do
	"$NP" cat -p "$PUB" "$S/l.npk" $f > "$S/$f.cat"
	expect_same "$S/$f.cat" "$S/$f" "--no-import: $f byte for byte"
done
lists "without --no-import the tar is read" "keep.txt skip.log sub/a.log sub/keep2.txt tmp/x.txt " "$S/leak.tar"

# ---- modification time and executable bit
M="$S/m"
mkdir -p "$M"
printf 'old\n' > "$M/old.txt"
printf 'new\n' > "$M/new.txt"
printf '#!/bin/sh\n' > "$M/run.sh"
chmod 755 "$M/run.sh"
touch -d @1700000000.75 "$M/old.txt" "$M/run.sh"
touch -d @1760000000 "$M/new.txt"
rm -f "$S/m.npk"
expect_exit 0 "files with old and new times, one executable" -- $MK --timestamp 1750000000 "$S/m.npk" "$M" &&
	expect_exit 0 "lists" -- "$NP" list --json -p "$PUB" "$S/m.npk" &&
	expect_contains "$OUT" '"path":"old.txt","size":4,' "old.txt is there" &&
	expect_contains "$OUT" '"metadata":{"file.mtime":"1700000000","title":"old"}' "its time, in whole seconds" &&
	expect_contains "$OUT" '"file.executable":"yes","file.mtime":"1700000000"' "run.sh is executable" &&
	expect_not_contains "$OUT" '"file.mtime":"1760000000"' "a time after the archive's is clamped (not stored)"
expect_eq "$(grep -c 'file.executable' "$OUT")" "1" "only run.sh is marked executable"
for j in 1 2; do
	mkdir -p "$S/m$j.out"
	expect_exit 0 "extract -j $j" -- "$NP" extract -q -j $j -p "$PUB" -C "$S/m$j.out" "$S/m.npk" &&
		expect_eq "$(stat -c %Y "$S/m$j.out/old.txt") $(stat -c %Y "$S/m$j.out/run.sh")" \
			"1700000000 1700000000" "extract -j $j: sets the modification times" &&
		expect_true "extract -j $j: run.sh is executable" -- test -x "$S/m$j.out/run.sh" &&
		expect_true "extract -j $j: old.txt is not" -- test ! -x "$S/m$j.out/old.txt"
done
mkdir -p "$S/mn.out"
expect_exit 0 "extract --no-mtime" -- "$NP" extract -q --no-mtime -p "$PUB" -C "$S/mn.out" "$S/m.npk" &&
	expect_true "--no-mtime: the time of extraction" -- test "$(stat -c %Y "$S/mn.out/old.txt")" -gt 1750000000 &&
	expect_true "--no-mtime: no executable bit" -- test ! -x "$S/mn.out/run.sh"

# ---- empty folders and symbolic links (format 1.1, spec/format.md 15.7)
kinds() { # ARCHIVE: "KIND PATH" for each entry, by the second reader
	python3 "$top/spec/vectors/npkcheck.py" dump "$1" | awk '$4 == "kind" { k = $(NF-1) } $4 == "path" { print (k == "" ? 0 : k), $NF; k = "" }' |
		tr -d '"' | tr '\n' ' '
}
KW="$S/kw"
mkdir -p "$KW/b" "$KW/c-1" "$KW/empty" "$KW/fifo-only" "$KW/links" "$KW/sub"
printf 'a\n' > "$KW/a.txt"
printf 'b\n' > "$KW/b.txt"
printf 'c\n' > "$KW/c-1/c.txt"
printf 'tmp\n' > "$KW/sub/only.tmp"
mkfifo "$KW/fifo-only/f"
ln -s ../a.txt "$KW/links/rel"
ln -s /etc/passwd "$KW/links/abs"
ln -s nowhere "$KW/links/dangling"
ln -s ../b "$KW/links/dir"
rm -f "$S/kw.npk" "$S/kw2.npk"
expect_exit 0 "folders and links: create" -- $MK --exclude '*.tmp' "$S/kw.npk" "$KW" &&
	expect_contains "$ERR" "fifo-only/f: special file not archived" "folders and links: the FIFO is named" &&
	expect_eq "$(kinds "$S/kw.npk")" \
		"0 a.txt 2 b 0 b.txt 0 c-1/c.txt 2 empty 2 fifo-only 3 links/abs 3 links/dangling 3 links/dir 3 links/rel 2 sub " \
		"folders and links: empty folders (kind 2) and links (kind 3) in path order, b before b.txt"
expect_exit 0 "folders and links: npkcheck.py verifies" -- python3 "$top/spec/vectors/npkcheck.py" verify -p "$PUB" "$S/kw.npk"
expect_exit 0 "folders and links: verify" -- "$NP" verify -p "$PUB" "$S/kw.npk"
for l in rel abs dangling dir; do
	expect_exit 0 "links/$l: cat" -- "$NP" cat -p "$PUB" "$S/kw.npk" "links/$l" &&
		expect_eq "$(cat "$OUT")" "$(readlink "$KW/links/$l")" "links/$l: its target, as readlink gives it"
done
$MK --exclude '*.tmp' "$S/kw2.npk" "$KW" 2> /dev/null
expect_same "$S/kw.npk" "$S/kw2.npk" "folders and links: the same inputs give the same bytes"
rm -f "$S/kw.npk"
expect_exit 0 "folders and links: the summary" -- "$NP" create -s "$KEY" --exclude '*.tmp' "$S/kw.npk" "$KW" &&
	expect_contains "$OUT" "and 4 empty folders, 4 symbolic links" "the summary counts folders and links"
rm -f "$S/kw.npk"
expect_exit 0 "folders and links: --json" -- "$NP" create -s "$KEY" --json --exclude '*.tmp' "$S/kw.npk" "$KW" &&
	expect_contains "$OUT" '"folders": 4' "--json counts the folders" &&
	expect_contains "$OUT" '"links": 4' "--json counts the links" &&
	expect_contains "$OUT" '"documents": 3' "--json counts documents apart"
rm -f "$S/kw.npk"
expect_exit 0 "--exclude a link by name" -- $MK --exclude dangling --exclude '*.tmp' "$S/kw.npk" "$KW" &&
	expect_eq "$(kinds "$S/kw.npk" | grep -c dangling)" "0" "--exclude leaves the link out"
rm -f "$S/kw10.npk"
expect_exit 0 "--format-version 1.0 with folders and links" -- $MK --format-version 1.0 --exclude '*.tmp' "$S/kw10.npk" "$KW" &&
	expect_contains "$ERR" "links/dangling: symbolic link not archived (format 1.0 stores only regular files)" \
		"1.0: each link is skipped, named" &&
	expect_eq "$(kinds "$S/kw10.npk")" "0 a.txt 0 b.txt 0 c-1/c.txt " "1.0: only the documents"
expect_exit 0 "1.0: npkcheck.py verifies" -- python3 "$top/spec/vectors/npkcheck.py" verify -p "$PUB" "$S/kw10.npk"
mkdir -p "$S/kwbad"
printf 'x\n' > "$S/kwbad/x.txt"
ln -s "$(printf 'bad\377')" "$S/kwbad/notutf8"
rm -f "$S/kwbad.npk"
expect_exit 0 "a link whose target is not UTF-8" -- "$NP" create -s "$KEY" "$S/kwbad.npk" "$S/kwbad" &&
	expect_contains "$ERR" "kwbad/notutf8: symbolic link not archived (its target is not UTF-8)" "is skipped, named" &&
	expect_contains "$OUT" "1 input was skipped" "and counted as skipped" &&
	expect_eq "$(kinds "$S/kwbad.npk")" "0 x.txt " "only the file is stored"
rm -f "$S/kwin.npk"
expect_exit 0 "an INPUT that is a link is followed" -- $MK "$S/kwin.npk" "$KW/links/rel" &&
	expect_eq "$(kinds "$S/kwin.npk")" "0 rel " "as a document under the link's name" &&
	expect_exit 0 "its content" -- "$NP" cat -p "$PUB" "$S/kwin.npk" rel &&
	expect_same "$OUT" "$KW/a.txt" "is the file the link names"
ln -s kw/a.txt "$S/toa"
printf '%s\n%s\t%s\n%s\n' "$S/toa" "$KW/links/abs" "given/passwd-link" "$KW/links" > "$S/kw.list"
rm -f "$S/kwl.npk"
expect_exit 0 "--files-from: links and a folder of links" -- $MK "$S/kwl.npk" --files-from "$S/kw.list" &&
	expect_eq "$(kinds "$S/kwl.npk")" "3 abs 3 dangling 3 dir 0 given/passwd-link 3 rel 0 toa " \
		"--files-from: a line naming a link follows it; a folder's links are links" &&
	expect_exit 0 "--files-from: the followed link" -- "$NP" cat -p "$PUB" "$S/kwl.npk" given/passwd-link &&
	expect_same "$OUT" /etc/passwd "--files-from: SOURCE<TAB>PATH stores what the link names"
finish
