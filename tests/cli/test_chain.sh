#!/bin/sh
# test_chain.sh - a chain of editions read as one archive (spec/format.md
# 15.15): list (-l, --json, --all), cat, info, extract and --at given the
# newest edition; --chain; a missing, reordered or substituted earlier file.
# The chain (made with create and append, the test key):
#   news.npk        e0  a.txt A0, b.txt B0, c.txt C0, d/x.txt X0
#   news.e0001.npk  e1  b.txt B1, e.txt E1; c.txt withdrawn
#   news.e0002.npk  e2  c.txt C2, a.txt (A0 again, another mtime: its bytes
#                       referred to in e0); e.txt withdrawn
. "$(dirname "$0")/lib.sh"
suite_begin chain

KEY="$KEYS/test.key"
PUB="$KEYS/test.pub"
mkdir -p "$S/in0/d" "$S/in1" "$S/in2" "$S/c"
printf A0 > "$S/in0/a.txt"
printf B0 > "$S/in0/b.txt"
printf C0 > "$S/in0/c.txt"
printf X0 > "$S/in0/d/x.txt"
printf B1 > "$S/in1/b.txt"
printf E1 > "$S/in1/e.txt"
printf C2 > "$S/in2/c.txt"
printf A0 > "$S/in2/a.txt"
touch -d 2001-01-01T00:00:00Z "$S/in0/a.txt"
touch -d 2002-02-02T00:00:00Z "$S/in2/a.txt"
C="$S/c"
expect_exit 0 "create writes the base" -- \
	"$NP" create -s "$KEY" --timestamp 2025-01-24T12:00:00Z "$C/news.npk" "$S/in0/" || finish
expect_exit 0 "append writes edition 1" -- "$NP" append -s "$KEY" --timestamp \
	2025-01-25T12:00:00Z --withdraw c.txt "$C/news.npk" "$C/news.e0001.npk" "$S/in1/" || finish
expect_exit 0 "append writes edition 2" -- "$NP" append -s "$KEY" --timestamp \
	2025-01-26T12:00:00Z --withdraw e.txt "$C/news.e0001.npk" "$C/news.e0002.npk" "$S/in2/" ||
	finish
N="$C/news.e0002.npk"

# ---- the state
expect_exit 0 "list of the newest edition exits 0" -- "$NP" list -p "$PUB" "$N" &&
	expect_eq "$(cat "$OUT")" "a.txt
b.txt
c.txt
d/x.txt" "list shows the state: newest versions, withdrawn paths left out"
expect_exit 0 "list --all exits 0" -- "$NP" list -p "$PUB" --all "$N" &&
	expect_eq "$(cat "$OUT")" "a.txt
a.txt
b.txt
b.txt
c.txt
c.txt	(withdrawn)
c.txt
d/x.txt
e.txt
e.txt	(withdrawn)" "list --all shows every entry of every edition by path, then edition"
expect_exit 0 "list -l --all exits 0" -- "$NP" list -p "$PUB" -l --all "$N" &&
	expect_eq "$(awk '{print $1, $2, $5}' "$OUT" | head -6)" "e0 2 a.txt
e2 2 a.txt
e0 2 b.txt
e1 2 b.txt
e0 2 c.txt
e1 withdrawn c.txt" "list -l shows each entry's edition in a column e<N>"
expect_exit 0 "list --json exits 0" -- "$NP" list -p "$PUB" --json "$N" &&
	expect_contains "$OUT" '"path":"b.txt","size":2' "list --json names b.txt" &&
	expect_eq "$(grep -c '"edition":1' "$OUT")" 1 "list --json gives each entry's edition"
expect_exit 0 "cat of a replaced path exits 0" -- "$NP" cat -p "$PUB" "$N" b.txt &&
	expect_eq "$(cat "$OUT")" B1 "cat gives the newest version"
expect_exit 0 "cat of a path of the base exits 0" -- "$NP" cat -p "$PUB" "$N" d/x.txt &&
	expect_eq "$(cat "$OUT")" X0 "cat reads the base's bytes"
expect_exit 0 "cat of a path re-added exits 0" -- "$NP" cat -p "$PUB" "$N" c.txt &&
	expect_eq "$(cat "$OUT")" C2 "cat gives the path added again after its withdrawal"
expect_exit 0 "cat of an entry whose bytes are in an earlier edition exits 0" -- \
	"$NP" cat -p "$PUB" "$N" a.txt &&
	expect_eq "$(cat "$OUT")" A0 "cat reads a reference (ref_kind 1) in edition 0's file"
expect_exit 2 "cat of a withdrawn path exits 2" -- "$NP" cat -p "$PUB" "$N" e.txt &&
	expect_contains "$ERR" '"e.txt" was withdrawn in edition 2' "it says when it was withdrawn"

# ---- --at
expect_exit 0 "list --at 1 exits 0" -- "$NP" list -p "$PUB" --at 1 "$N" &&
	expect_eq "$(cat "$OUT")" "a.txt
b.txt
d/x.txt
e.txt" "list --at 1 shows the state at edition 1"
expect_exit 0 "cat --at 0 exits 0" -- "$NP" cat -p "$PUB" --at 0 "$N" b.txt &&
	expect_eq "$(cat "$OUT")" B0 "cat --at 0 gives the base's version"
expect_exit 0 "cat --at DATE exits 0" -- "$NP" cat -p "$PUB" --at 2025-01-25 "$N" e.txt &&
	expect_eq "$(cat "$OUT")" E1 "--at a date reads the newest edition created by the end of that day"
expect_exit 2 "--at a date before the base exits 2" -- \
	"$NP" list -p "$PUB" --at 2025-01-23T23:59:59Z "$N"
expect_exit 2 "--at an edition past the newest exits 2" -- "$NP" list -p "$PUB" --at 3 "$N" &&
	expect_contains "$ERR" "no edition 3 (the newest is 2)" "it names the newest edition"
expect_exit 2 "--at garbage is a usage error" -- "$NP" list -p "$PUB" --at 2025-13-01 "$N"

# ---- info
expect_exit 0 "info of an edition exits 0" -- "$NP" info -p "$PUB" "$N" &&
	expect_contains "$OUT" "Edition:       2 of a chain (the state at edition 2)" \
		"info says which edition it is" &&
	expect_contains "$OUT" "  e1     $C/news.e0001.npk  2025-01-25T12:00:00Z  3 entries  key" \
		"info shows each edition's file, date and entries" &&
	expect_contains "$OUT" "Entries:       3 in this file (edition 2); 10 in the chain's 3 files" \
		"info says the newest file's entries and the chain's, not one as the other" &&
	expect_contains "$OUT" "; the chain's files: " "info gives the size of the chain's files"
expect_exit 0 "info --json exits 0" -- "$NP" info -p "$PUB" --json "$N" &&
	expect_true "info --json gives the chain, edition by edition" -- \
		python3 -c 'import json,sys; j=json.load(open(sys.argv[1]))
assert j["edition"] == 2 and j["at_edition"] == 2, j
assert j["documents"] == 3 and j["chain_entries"] == 10, j
assert [e["entries"] for e in j["chain"]] == [4, 3, 3], j["chain"]
assert j["chain"][0]["file"].endswith("news.npk")' "$OUT"

# ---- extract: the state
expect_exit 0 "extract of the newest edition exits 0" -- \
	"$NP" extract -q -p "$PUB" -C "$S/x" "$N" &&
	expect_eq "$(cd "$S/x" && find . -type f | sort | while read -r f; do printf '%s=%s ' "$f" \
		"$(cat "$f")"; done)" "./a.txt=A0 ./b.txt=B1 ./c.txt=C2 ./d/x.txt=X0 " \
		"extract writes the state's files, each with its newest content"

# ---- the files of the chain
mkdir -p "$S/elsewhere"
cp "$N" "$S/elsewhere/newest.npk"
M="$S/elsewhere/newest.npk"
expect_exit 0 "cat of a path the newest edition holds, earlier files missing, exits 0" -- \
	"$NP" cat -p "$PUB" "$M" c.txt &&
	expect_eq "$(cat "$OUT")" C2 "what does not depend on a missing file still reads"
expect_exit 1 "cat of a path only a missing file can answer exits 1" -- \
	"$NP" cat -p "$PUB" "$M" d/x.txt &&
	expect_contains "$ERR" "edition 1 (news.e0001.npk, manifest digest " "it names the missing edition" &&
	expect_contains "$ERR" "is missing: not beside newest.npk; name it with --chain" \
		"and says how to name it"
expect_exit 1 "list with a missing file exits 1" -- "$NP" list -p "$PUB" "$M" &&
	expect_eq "$(cat "$OUT")" "a.txt
c.txt" "list shows what the files it has hold" &&
	expect_contains "$ERR" "the state is incomplete" "and says the state is incomplete"
expect_exit 0 "--chain files in any order are found by their digests" -- \
	"$NP" cat -p "$PUB" --chain "$C/news.npk" --chain "$C/news.e0001.npk" "$M" d/x.txt &&
	expect_eq "$(cat "$OUT")" X0 "the base named with --chain is read"
expect_exit 0 "a --chain file that is not of the chain is named in a warning" -- \
	"$NP" list -p "$PUB" --chain "$C/news.e0001.npk" --chain "$S/stranger.npk" \
	--chain "$C/news.npk" "$M"
"$NP" create -q -s "$KEY" "$S/stranger.npk" "$S/in1/" > /dev/null 2>&1
expect_exit 0 "list with a stranger among the --chain files exits 0" -- \
	"$NP" list -p "$PUB" --chain "$C/news.e0001.npk" --chain "$S/stranger.npk" \
	--chain "$C/news.npk" "$M" &&
	expect_contains "$ERR" "stranger.npk: is not a file of this chain" "the stranger is named"

# a substituted file: another edition 1 under the name the link gives
mkdir -p "$S/sub"
cp "$C/news.npk" "$C/news.e0002.npk" "$S/sub/"
"$NP" append -q -s "$KEY" --timestamp 2025-01-25T12:00:00Z "$S/sub/news.npk" \
	"$S/sub/news.e0001.npk" "$S/in2/" > /dev/null 2>&1
expect_exit 1 "a substituted earlier file is refused" -- \
	"$NP" cat -p "$PUB" "$S/sub/news.e0002.npk" b.txt &&
	expect_contains "$ERR" "news.e0001.npk is not edition 1 of this chain" "it names the file"
expect_exit 0 "what the newest file holds still reads beside it" -- \
	"$NP" cat -p "$PUB" "$S/sub/news.e0002.npk" c.txt

# a missing middle file: the base's entries may have been replaced or
# withdrawn there, so only the newer editions' entries are the state's
# (15.15: what does not depend on it still reads, nothing stale)
mkdir -p "$S/mid"
cp "$C/news.npk" "$C/news.e0002.npk" "$S/mid/"
expect_exit 1 "list with edition 1 missing exits 1" -- "$NP" list -p "$PUB" "$S/mid/news.e0002.npk" &&
	expect_eq "$(cat "$OUT")" "a.txt
c.txt" "list shows edition 2's entries, not the base's b.txt B0 (replaced in edition 1)" &&
	expect_contains "$ERR" "the state is incomplete: edition 1 (news.e0001.npk, manifest digest " "and names the missing edition"
expect_exit 1 "extract with edition 1 missing exits 1" -- \
	"$NP" extract -q -p "$PUB" -C "$S/mid/out" "$S/mid/news.e0002.npk" &&
	expect_eq "$(cd "$S/mid/out" && find . -type f | sort | tr '\n' ' ')" "./c.txt " \
		"extract writes what does not depend on it (not a.txt, whose bytes are in the base), and nothing stale" &&
	expect_eq "$(cat "$S/mid/out/c.txt")" C2 "  ... c.txt as edition 2 holds it"
# a damaged index page of edition 1 (its paths from b.txt on): the same
mkdir -p "$S/page"
cp "$C"/news*.npk "$S/page/"
poff=$(python3 "$top/spec/vectors/npkcheck.py" dump "$S/page/news.e0001.npk" 2>/dev/null |
	awk '$4 == "page" && $5 == "0" && $6 == "offset" { print $NF; exit }')
expect_true "npkcheck.py dump gives edition 1's page 0 ($poff)" -- test -n "$poff"
printf '\377\377\377\377' | dd of="$S/page/news.e0001.npk" bs=1 seek=$((poff + 40)) conv=notrunc 2>/dev/null
expect_exit 1 "list with a damaged page in edition 1 exits 1" -- "$NP" list -p "$PUB" "$S/page/news.e0002.npk" &&
	expect_eq "$(cat "$OUT")" "a.txt
c.txt
d/x.txt" "list withholds b.txt, which the page may hold (d/x.txt its path filter clears)" &&
	expect_contains "$ERR" "the state is incomplete (1 path withheld" "it says how many paths it withheld" &&
	expect_contains "$ERR" "news.e0001.npk: index page 0" "and names the page"
expect_exit 1 "extract with the damaged page exits 1" -- \
	"$NP" extract -p "$PUB" -C "$S/page/out" "$S/page/news.e0002.npk" &&
	expect_eq "$(cd "$S/page/out" && find . -type f | sort | tr '\n' ' ')" "./a.txt ./c.txt ./d/x.txt " \
		"extract writes the rest" &&
	expect_contains "$OUT" "DAMAGED  edition 1: the state is incomplete (1 path withheld)" "  ... says what it withheld" &&
	expect_contains "$OUT" "news.e0001.npk: index page 0" "  ... and names the page"
expect_exit 0 "cat of a path outside the damaged page still reads" -- \
	"$NP" cat -p "$PUB" "$S/page/news.e0002.npk" a.txt &&
	expect_eq "$(cat "$OUT")" A0 "  ... a.txt"
expect_exit 1 "cat of a path the damaged page may hold exits 1" -- \
	"$NP" cat -p "$PUB" "$S/page/news.e0002.npk" b.txt &&
	expect_contains "$ERR" "index page 0" "  ... naming the page"
expect_exit 0 "cat of a path its path filter clears reads from the base" -- \
	"$NP" cat -p "$PUB" "$S/page/news.e0002.npk" d/x.txt &&
	expect_eq "$(cat "$OUT")" X0 "  ... d/x.txt"
expect_exit 0 "list --at 0 does not need edition 1" -- "$NP" list -p "$PUB" --at 0 "$S/page/news.e0002.npk"

# verify keeps the chain's entries in a scratch file in TMPDIR: when it
# cannot, it says so and where (exit 2: not damage)
expect_exit 2 "verify with TMPDIR unusable exits 2" -- \
	env TMPDIR="$S/no-such-folder" "$NP" verify -q -p "$PUB" "$N" &&
	expect_contains "$ERR" "cannot be kept in a temporary file: $S/no-such-folder: cannot make a temporary file" \
		"and names the folder"

# ---- help and the man page name the options
expect_exit 0 "list --help exits 0" -- "$NP" list --help &&
	expect_contains "$OUT" "--at EDITION|DATE" "list --help names --at" &&
	expect_contains "$OUT" "--all" "list --help names --all"
for c in info cat extract; do
	expect_exit 0 "$c --help exits 0" -- "$NP" "$c" --help &&
		expect_contains "$OUT" "--chain FILE" "$c --help names --chain"
done
expect_contains "$top/man/newspack.1" "\\-\\-chain" "newspack(1) names --chain"
finish
