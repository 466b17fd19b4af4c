#!/bin/sh
# test_kinds.sh - entries of each kind (spec/format.md 15.7) on the read
# side: list, list -l, list --json, cat, extract with and without
# --symlinks, and a bad link target. The archives are forged at test time
# by tests/hostile/forge.py (kinds mode), validly signed by the test key:
#   kinds.npk     a.txt, empty (folder, file.mtime 1000000000), gone.txt
#                 (withdrawn), links/abs -> /etc/passwd, links/chain -> up,
#                 links/deep/down -> ../../a.txt, links/escape -> ../../x,
#                 links/late -> sub/.., links/mid -> a/../../x,
#                 links/up -> ../a.txt, news/b.txt, top -> news
#   link-bad.npk  a.txt and l, whose target holds a NUL
. "$(dirname "$0")/lib.sh"
suite_begin kinds

if ! command -v python3 >/dev/null 2>&1; then
	fail "python3 is installed (tests/hostile/forge.py needs it)"
	finish
fi
PUB="$KEYS/test.pub"
expect_exit 0 "forge.py writes the archives of every kind" -- \
	python3 "$top/tests/hostile/forge.py" kinds "$S" || finish
A="$S/kinds.npk"
B="$S/link-bad.npk"
CHECK="$top/spec/vectors/npkcheck.py"

# ---- verify: both readers accept every kind
expect_exit 0 "verify accepts an archive of every kind" -- "$NP" verify -p "$PUB" "$A"
expect_exit 0 "npkcheck.py accepts it too" -- python3 "$CHECK" verify "$A" -p "$PUB"

# ---- list
expect_exit 0 "list exits 0" -- "$NP" list -p "$PUB" "$A" &&
	expect_eq "$(cat "$OUT")" "a.txt
empty/
gone.txt	(withdrawn)
links/abs
links/chain
links/deep/down
links/escape
links/late
links/mid
links/up
news/b.txt
top" "list: one line per entry, a folder with '/', a withdrawn document marked"
expect_exit 0 "list -l exits 0" -- "$NP" list -l -p "$PUB" "$A"
expect_contains "$OUT" "           6  text/plain" "list -l: a document's line gives its size as before"
expect_contains "$OUT" "      folder  inode/directory         -           empty/" "list -l: a folder's kind and path"
expect_contains "$OUT" "   withdrawn  text/plain" "list -l: a withdrawn document's kind"
expect_contains "$OUT" "     symlink  inode/symlink           -           links/up -> ../a.txt" "list -l: a link and its target"
expect_contains "$OUT" "links/abs -> /etc/passwd" "list -l: an unsafe link's target is shown as stored"
expect_exit 0 "list --json exits 0" -- "$NP" list --json -p "$PUB" "$A"
expect_eq "$(python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))["documents"]
print(" ".join("%s=%s%s" % (e["path"], e["kind"], ">" + e["target"] if "target" in e else "") for e in d))' "$OUT" 2>&1)" \
	"a.txt=document empty=folder gone.txt=withdrawn links/abs=symlink>/etc/passwd links/chain=symlink>up links/deep/down=symlink>../../a.txt links/escape=symlink>../../x links/late=symlink>sub/.. links/mid=symlink>a/../../x links/up=symlink>../a.txt news/b.txt=document top=symlink>news" \
	"list --json: every entry's kind, and a link's target"

# ---- cat
expect_exit 0 "cat of a document" -- "$NP" cat -p "$PUB" "$A" news/b.txt &&
	expect_eq "$(cat "$OUT")" "beta" "cat gives the document"
expect_exit 0 "cat of a link" -- "$NP" cat -p "$PUB" "$A" links/up &&
	expect_eq "$(od -An -c "$OUT" | tr -s ' ')" " . . / a . t x t" "cat of a link gives its target, with no line break added"
expect_exit 2 "cat of an empty folder exits 2" -- "$NP" cat -p "$PUB" "$A" empty &&
	expect_contains "$ERR" "kinds.npk: empty: is an empty folder, not a document" "and names the archive and the folder" &&
	expect_eq "$(wc -c < "$OUT")" "0" "and writes nothing"
expect_exit 2 "cat of a withdrawn document exits 2" -- "$NP" cat -p "$PUB" "$A" gone.txt &&
	expect_contains "$ERR" "kinds.npk: gone.txt: was withdrawn" "and names the archive and the document"
expect_exit 2 "cat of a path not in the archive exits 2 too" -- "$NP" cat -p "$PUB" "$A" nope.txt

# ---- extract without --symlinks
O="$S/plain"
expect_exit 0 "extract exits 0" -- "$NP" extract -p "$PUB" -C "$O" "$A"
expect_eq "$(cd "$O" && find . | sort | tr '\n' ' ')" ". ./a.txt ./empty ./news ./news/b.txt " \
	"extract: the documents and the empty folder, no link, nothing withdrawn"
expect_true "the empty folder is a folder" -- test -d "$O/empty" -a ! -L "$O/empty"
expect_eq "$(stat -c %Y "$O/empty")" "1000000000" "the empty folder has its file.mtime"
expect_contains "$ERR" "note: gone.txt: withdrawn, not written" "a note names the withdrawn document"
expect_contains "$ERR" "newspack: links/up: symbolic link not written: written only with --symlinks" "each link is named in a warning"
expect_eq "$(grep -c 'symbolic link not written' "$ERR")" "8" "one warning per link (8)"
expect_contains "$ERR" "extracted 2 documents and 1 empty folder to $O" "the summary counts documents and folders"
expect_contains "$ERR" "8 symbolic links skipped" "and the links skipped"

# ---- extract --symlinks, on one thread and on two
for j in 1 2; do
	O="$S/links-j$j"
	expect_exit 0 "extract --symlinks -j $j exits 0" -- "$NP" extract --symlinks -j $j -p "$PUB" -C "$O" "$A"
	expect_eq "$(cd "$O" && find . -type l | sort | while read -r l; do printf '%s>%s ' "$l" "$(readlink "$l")"; done)" \
		"./links/chain>up ./links/deep/down>../../a.txt ./links/up>../a.txt ./top>news " \
		"-j $j: the safe links are made, with their targets (a link to a link, to a folder, up two folders)"
	expect_true "-j $j: no unsafe link is made" -- test ! -e "$O/links/abs" -a ! -L "$O/links/abs" \
		-a ! -L "$O/links/escape" -a ! -L "$O/links/late" -a ! -L "$O/links/mid"
	expect_eq "$(cat "$O/links/chain")" "alpha" "-j $j: a link to a link leads to the document"
	expect_contains "$ERR" "links/abs: symbolic link not written: its target is an absolute path" "-j $j: /etc/passwd is refused as absolute"
	expect_contains "$ERR" "links/escape: symbolic link not written: its target leaves the output folder" "-j $j: ../../x is refused"
	expect_contains "$ERR" "links/mid: symbolic link not written: its target has a \"..\" after a name" "-j $j: a/../../x is refused"
	expect_contains "$ERR" "links/late: symbolic link not written: its target has a \"..\" after a name" "-j $j: sub/.. is refused"
	expect_contains "$ERR" "extracted 2 documents, 1 empty folder and 4 symbolic links to $O" "-j $j: the summary counts the links made"
	expect_contains "$ERR" "4 symbolic links skipped" "-j $j: and those skipped"
done
O="$S/links-j1"
expect_exit 2 "extract --symlinks again, without --force, exits 2" -- "$NP" extract --symlinks -p "$PUB" -C "$O" "$A" &&
	expect_contains "$ERR" "exists (use --force to overwrite)" "and says the files and links exist"
expect_exit 0 "with --force it replaces them" -- "$NP" extract --force --symlinks -p "$PUB" -C "$O" "$A" &&
	expect_eq "$(readlink "$O/links/up")" "../a.txt" "and the link is still the link"
rm "$O/links/up" && echo decoy > "$O/links/up"
expect_exit 2 "a file where a link goes is a conflict without --force" -- \
	"$NP" extract --symlinks -p "$PUB" -C "$O" "$A" links/up &&
	expect_eq "$(cat "$O/links/up")" "decoy" "and is left as it was"
expect_exit 0 "with --force the link replaces the file" -- \
	"$NP" extract --force --symlinks -p "$PUB" -C "$O" "$A" links/up &&
	expect_eq "$(readlink "$O/links/up")" "../a.txt" "and it is the link"
mkdir -p "$S/outside" "$S/trap"
ln -s "$S/outside" "$S/trap/links"
expect_exit 2 "a link whose folder is a symbolic link in the output folder is refused" -- \
	"$NP" extract --symlinks -p "$PUB" -C "$S/trap" "$A" links/up &&
	expect_contains "$ERR" "is a symbolic link; refusing to follow it" "and the message says why"
expect_eq "$(ls -A "$S/outside")" "" "nothing was made through it"
rm "$S/trap/links"
echo file > "$S/trap/empty"
expect_exit 2 "a file where the empty folder goes is a conflict" -- \
	"$NP" extract --force -p "$PUB" -C "$S/trap" "$A" empty &&
	expect_contains "$ERR" "trap/empty: exists and is not a folder" "which --force does not replace"

# ---- extract PATH of one entry of each kind
O="$S/one"
expect_exit 0 "extract PATH of the empty folder" -- "$NP" extract -p "$PUB" -C "$O" "$A" empty &&
	expect_eq "$(cd "$O" && find . | sort | tr '\n' ' ')" ". ./empty " "makes just the folder"
expect_exit 0 "extract PATH of a link without --symlinks exits 0" -- "$NP" extract -p "$PUB" -C "$O" "$A" links/up &&
	expect_contains "$ERR" "links/up: symbolic link not written: written only with --symlinks" "and says it was not written"
expect_exit 2 "extract PATH of a withdrawn document exits 2" -- "$NP" extract -p "$PUB" -C "$O" "$A" gone.txt &&
	expect_contains "$ERR" "\"gone.txt\" was withdrawn from the archive: nothing to extract" "and says why"
expect_exit 0 "npkcheck.py extract makes the folder, skips the links and the withdrawn document" -- \
	python3 "$CHECK" extract "$A" "$S/npkcheck-out" -p "$PUB" &&
	expect_eq "$(cd "$S/npkcheck-out" && find . | sort | tr '\n' ' ')" ". ./a.txt ./empty ./news ./news/b.txt " \
		"npkcheck.py writes what newspack extract does without --symlinks"

# ---- a link whose target holds a NUL: damage wherever the target is read
expect_exit 1 "verify: a target with a NUL is damage (exit 1)" -- "$NP" verify -p "$PUB" "$B" &&
	expect_contains "$OUT" "DAMAGED  l  (" "verify names the link" &&
	expect_contains "$OUT" "the symbolic link's target is not UTF-8 text without NUL" "and says why"
expect_exit 1 "npkcheck.py agrees (exit 1)" -- python3 "$CHECK" verify "$B" -p "$PUB"
expect_exit 0 "plain list reads no content and lists it" -- "$NP" list -p "$PUB" "$B"
for form in -l --json; do
	expect_exit 1 "list $form reads the target and refuses it" -- "$NP" list $form -p "$PUB" "$B" &&
		expect_contains "$ERR" "link-bad.npk: l: the symbolic link's target is not UTF-8 text without NUL" "list $form names the archive and the link"
done
expect_exit 1 "cat of the link refuses it" -- "$NP" cat -p "$PUB" "$B" l &&
	expect_eq "$(wc -c < "$OUT")" "0" "and writes nothing"
# extract goes on past damage (spec/format.md 11, on_damage = CONTINUE):
# the link is named and not made, the document beside it is written
expect_exit 1 "extract names the link as damaged (exit 1)" -- "$NP" extract -p "$PUB" -C "$S/bad-out" "$B" &&
	expect_contains "$OUT" "DAMAGED  l  (" "extract names the link" &&
	expect_contains "$ERR" "link-bad.npk: 1 of 2 documents damaged, not written" "and counts it" &&
	expect_eq "$(cd "$S/bad-out" && find . | sort | tr '\n' ' ')" ". ./a.txt " "only the intact document was written"
finish
