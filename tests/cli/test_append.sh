#!/bin/sh
# test_append.sh - newspack append and rotate (spec/format.md 15.15): a base
# and two editions read as one chain (added, replaced, unchanged, withdrawn,
# referenced), what append refuses (nothing new, OUT a file of the chain
# even with --force, a time before PREVIOUS, an earlier PREVIOUS without
# --fork, a path given and withdrawn, a folder of the state, another key
# without a rotation statement), a rotation, kill -9 during append, and
# deterministic output.
. "$(dirname "$0")/lib.sh"
suite_begin append

KEY="$KEYS/test.key"
PUB="$KEYS/test.pub"
OKEY="$KEYS/other.key"
OPUB="$KEYS/other.pub"
MK="$NP create -q -s $KEY"
AP="$NP append -q -s $KEY"
CHECK="$top/spec/vectors/npkcheck.py"
# npkcheck.py checks chains once it knows editions (the independent reader)
EDCHECK=
command -v python3 >/dev/null 2>&1 && grep -q 'prev_tree_size' "$CHECK" 2>/dev/null && EDCHECK=1

# ---- base, then two editions
D="$S/chain"
mkdir -p "$D" "$S/in0/sub" "$S/in1/sub" "$S/in2"
printf 'one\n' > "$S/in0/one.txt"
printf 'two\n' > "$S/in0/two.txt"
printf 'three\n' > "$S/in0/sub/three.txt"
head -c 200000 /dev/urandom > "$S/in0/big.bin"
expect_exit 0 "the base" -- $MK --timestamp 2026-01-01 "$D/news.npk" "$S/in0" || finish
cp "$D/news.npk" "$S/base.copy"
cp -r "$S/in0/." "$S/in1/"
printf 'two, corrected\n' > "$S/in1/two.txt"
printf 'four\n' > "$S/in1/sub/four.txt"
printf '{"title": "Big, retitled"}\n' > "$S/in1/big.bin.meta.json"
expect_exit 0 "edition 1: added, replaced, unchanged, referenced" -- \
	$NP append -s "$KEY" --timestamp 2026-01-02 --json "$D/news.npk" "$D" "$S/in1" || finish
E1="$D/news.e0001.npk"
expect_true "OUT a folder: the edition is STEM.e0001.npk in it" -- test -f "$E1"
expect_eq "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["edition"], d["added"], d["replaced"], d["unchanged"], d["withdrawn"], d["referenced"], d["tree_size"])' "$OUT" 2>&1)" \
	"1 1 2 2 0 1 7" "append --json: edition 1, 1 added, 2 replaced, 2 unchanged, 1 referenced, 7 leaves"
expect_true "the referenced content is not stored again (the edition is far smaller than it)" -- \
	test "$(file_size "$E1")" -lt 100000
expect_same "$D/news.npk" "$S/base.copy" "PREVIOUS is not changed"

expect_exit 2 "the same inputs again: nothing to append" -- \
	$AP --timestamp 2026-01-03 "$E1" "$S/e2-none.npk" "$S/in1"
expect_contains "$ERR" "nothing to append: every input is unchanged" "  ... saying every input is unchanged"
expect_true "  ... and no file written" -- test ! -e "$S/e2-none.npk"

expect_exit 2 "a path both given and withdrawn is refused" -- \
	$AP --timestamp 2026-01-03 --withdraw two.txt "$E1" "$S/x.npk" "$S/in1"
expect_contains "$ERR" "two.txt: is both given and withdrawn" "  ... naming it"
expect_exit 2 "withdrawing a path the chain does not hold is refused" -- \
	$AP --timestamp 2026-01-03 --withdraw nope.txt "$E1" "$S/x.npk"
expect_contains "$ERR" "nope.txt" "  ... naming it"
mkdir -p "$S/inclash/one.txt"
printf 'x\n' > "$S/inclash/one.txt/x"
expect_exit 2 "a path under a document of the state is refused (the folder rule)" -- \
	$AP --timestamp 2026-01-03 "$E1" "$S/x.npk" "$S/inclash"
expect_contains "$ERR" "\"one.txt\" is a document" "  ... naming the document"
printf 'a document where the chain has a folder\n' > "$S/insub"
mkdir -p "$S/indoc"
cp "$S/insub" "$S/indoc/sub"
expect_exit 2 "a document at a folder of the state is refused (the folder rule, reversed)" -- \
	$AP --timestamp 2026-01-03 "$E1" "$S/x.npk" "$S/indoc"
expect_contains "$ERR" "\"sub\" is a folder of $E1's chain (it holds \"sub/four.txt\")" \
	"  ... naming the folder and what it holds (edition 1's folder filter holds sub)"
expect_true "  ... and no file written" -- test ! -e "$S/x.npk"
expect_exit 2 "withdrawing what a folder holds and adding it as a document in one edition is refused" -- \
	$AP --timestamp 2026-01-03 --withdraw sub/three.txt --withdraw sub/four.txt "$E1" "$S/x.npk" "$S/indoc"
expect_contains "$ERR" "withdraw in one edition, add in the next" "  ... saying how (5.1 holds in each file)"
mkdir -p "$S/inunder/one.txt"
printf 'x\n' > "$S/inunder/one.txt/x"
expect_exit 2 "withdrawing a document and adding under it in one edition is refused" -- \
	$AP --timestamp 2026-01-03 --withdraw one.txt "$E1" "$S/x.npk" "$S/inunder"
expect_contains "$ERR" "\"one.txt\" and \"one.txt/x\" are both entries of this edition" "  ... naming both"
expect_exit 2 "a timestamp before PREVIOUS's is refused" -- \
	$AP --timestamp 2026-01-01 "$E1" "$S/x.npk" "$S/in2"
expect_contains "$ERR" "is before" "  ... saying so"

printf 'five\n' > "$S/in2/five.txt"
expect_exit 0 "edition 2: a withdrawal with its reason, and an addition" -- \
	$AP --timestamp 2026-01-03 --withdraw sub/three.txt --reason "court order" "$E1" "$D" "$S/in2"
E2="$D/news.e0002.npk"
expect_true "  ... written as news.e0002.npk" -- test -f "$E2"

# ---- the chain reads as one archive
expect_exit 0 "list of the chain" -- "$NP" list -p "$PUB" "$E2" &&
	expect_eq "$(cat "$OUT")" "big.bin
five.txt
one.txt
sub/four.txt
two.txt" "list: the state (the newest version of each path, the withdrawn one left out)"
for p in big.bin one.txt sub/four.txt five.txt; do
	src="$S/in1/$p"
	[ -f "$src" ] || src="$S/in2/$p"
	expect_exit 0 "cat $p through the chain" -- "$NP" cat -p "$PUB" "$E2" "$p" &&
		expect_same "$OUT" "$src" "  ... byte for byte"
done
expect_exit 0 "cat two.txt: the new version" -- "$NP" cat -p "$PUB" "$E2" two.txt &&
	expect_eq "$(cat "$OUT")" "two, corrected" "  ... as replaced in edition 1"
expect_exit 2 "cat of the withdrawn path fails" -- "$NP" cat -p "$PUB" "$E2" sub/three.txt
expect_contains "$ERR" "withdrawn" "  ... saying it was withdrawn"
expect_exit 0 "list --all --json" -- "$NP" list --all --json -p "$PUB" "$E2" &&
	expect_eq "$(python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))["documents"]
print(" ".join("%s@%s:%s%s" % (e["path"], e.get("edition"), e["kind"], "(" + e.get("metadata", {}).get("withdrawn.reason", "") + ")" if e["kind"] == "withdrawn" else "") for e in d))' "$OUT" 2>&1)" \
	"big.bin@0:document big.bin@1:document five.txt@2:document one.txt@0:document sub/four.txt@1:document sub/three.txt@0:document sub/three.txt@2:withdrawn(court order) two.txt@0:document two.txt@1:document" \
	"list --all: every version by edition, the withdrawal with its reason"
expect_exit 0 "the state at edition 0 (--at 0) still holds the withdrawn path" -- \
	"$NP" cat --at 0 -p "$PUB" "$E2" sub/three.txt &&
	expect_eq "$(cat "$OUT")" "three" "  ... as it was"
if [ -n "$EDCHECK" ]; then
	expect_exit 0 "npkcheck.py (the independent reader) checks the chain" -- \
		python3 "$CHECK" verify -p "$PUB" "$E2"
else
	note "spec/vectors/npkcheck.py does not know editions yet: the independent check is skipped"
fi

# ---- a reference to content that is itself a reference points at its bytes
R="$S/refref"
mkdir -p "$R/chain" "$R/in"
cp "$D/news.npk" "$E1" "$E2" "$R/chain/"
cp "$S/in1/big.bin" "$R/in/"
printf '{"title": "Big, third title"}\n' > "$R/in/big.bin.meta.json"
expect_exit 0 "a third title for big.bin, whose bytes edition 1 referred to" -- \
	$NP append -s "$KEY" --json --timestamp 2026-01-04 "$R/chain/news.e0002.npk" "$R/chain" "$R/in"
expect_contains "$OUT" '"referenced": 1' "  ... referenced again"
expect_contains "$OUT" '"bytes_stored": 0' "  ... with no byte stored"
expect_exit 0 "  ... and read from the base's bytes" -- "$NP" cat -p "$PUB" "$R/chain/news.e0003.npk" big.bin &&
	expect_same "$OUT" "$S/in0/big.bin" "  ... byte for byte"

# ---- OUT is never a file of the chain
expect_exit 2 "OUT equal to PREVIOUS is refused" -- $AP --timestamp 2026-01-04 "$E2" "$E2" "$S/in2"
expect_exit 2 "  ... even with --force" -- $AP --force --timestamp 2026-01-04 "$E2" "$E2" "$S/in2"
expect_contains "$ERR" "never replaces a file of its chain" "  ... saying why"
expect_exit 2 "OUT an earlier file of the chain is refused with --force" -- \
	$AP --force --timestamp 2026-01-04 --withdraw one.txt "$E2" "$D/news.npk"
expect_contains "$ERR" "is edition 0 of the chain" "  ... naming the edition"
expect_same "$D/news.npk" "$S/base.copy" "  ... and the base is as it was"

expect_exit 0 "an archive at OUT that is no file of the chain: another archive to replace" -- \
	$MK --timestamp 2026-01-01 "$S/other.npk" "$S/in2"
expect_exit 2 "  ... kept without --force" -- $AP --timestamp 2026-01-04 --withdraw one.txt "$E2" "$S/other.npk"
expect_contains "$ERR" "already exists" "  ... saying it exists"
expect_exit 0 "  ... replaced with --force" -- \
	$AP --force --timestamp 2026-01-04 --withdraw one.txt "$E2" "$S/other.npk"
expect_exit 0 "  ... by the edition" -- "$NP" list -p "$PUB" --chain "$D/news.npk" --chain "$E1" --chain "$E2" "$S/other.npk" &&
	expect_eq "$(cat "$OUT")" "big.bin
five.txt
sub/four.txt
two.txt" "  ... which withdrew one.txt from the state"

# ---- an earlier PREVIOUS: refused without --fork
expect_exit 2 "appending after an edition that another follows is refused" -- \
	$AP --timestamp 2026-01-04 "$E1" "$S/fork.npk" "$S/in2"
expect_contains "$ERR" "is not the newest edition" "  ... saying it is not the newest"
expect_exit 0 "  ... and written with --fork" -- $AP --fork --timestamp 2026-01-04 "$E1" "$S/fork.npk" "$S/in2"

# ---- deterministic
expect_exit 0 "the same append again, to another name" -- \
	$AP --fork --timestamp 2026-01-04 "$E1" "$S/fork2.npk" "$S/in2"
expect_same "$S/fork.npk" "$S/fork2.npk" "same inputs, key and timestamp: the same bytes"

# ---- keys: another key needs a rotation statement
expect_exit 2 "another key without a rotation statement is refused" -- \
	$NP append -q -s "$OKEY" --timestamp 2026-01-05 "$E2" "$D" "$S/in2/five.txt" --withdraw five.txt
keyid() { # a public key file's key id as newspack prints it (keys.md)
	python3 -c 'import base64,sys; b=base64.b64decode(open(sys.argv[1]).read().split("\n")[1]); print(b[2:10][::-1].hex().upper())' "$1"
}
expect_contains "$ERR" "key $(keyid "$OPUB") is not the signer" "  ... naming the new key"
expect_contains "$ERR" "(key $(keyid "$PUB"))" "  ... and PREVIOUS's signer"
expect_contains "$ERR" "--rotation" "  ... and the rotation statement it needs"
expect_exit 2 "rotate by a key that did not sign PREVIOUS is refused" -- \
	"$NP" rotate -s "$OKEY" -p "$OPUB" "$E2" -o "$S/rot-bad"
expect_exit 0 "rotate: the signer of edition 2 lets the other key sign edition 3" -- \
	"$NP" rotate -s "$KEY" -p "$OPUB" "$E2" -o "$S/rot"
expect_eq "$(head -n 1 "$S/rot")" "npk-rotation/v1" "  ... an npk-rotation/v1 file"
printf 'six\n' > "$S/six.txt"
expect_exit 0 "append with the new key and the statement" -- \
	$NP append -q -s "$OKEY" --rotation "$S/rot" --timestamp 2026-01-05 "$E2" "$D" "$S/six.txt"
expect_exit 0 "  ... the chain reads under the new key" -- "$NP" cat -p "$OPUB" "$D/news.e0003.npk" six.txt &&
	expect_eq "$(cat "$OUT")" "six" "  ... with the new document"
expect_exit 2 "a statement for edition 3 does not serve after edition 3" -- \
	$NP append -q -s "$OKEY" --rotation "$S/rot" --timestamp 2026-01-06 "$D/news.e0003.npk" "$S/x.npk" "$S/in0/one.txt"
if [ -n "$EDCHECK" ]; then
	expect_exit 0 "npkcheck.py checks the rotated chain" -- \
		python3 "$CHECK" verify -p "$OPUB" "$D/news.e0003.npk"
fi

# ---- kill -9 during append leaves the chain as it was
K="$S/kill"
mkdir -p "$K/in"
cp "$D/news.npk" "$D/news.e0001.npk" "$K/"
cp "$K/news.e0001.npk" "$K/prev.copy"
head -c 40000000 /dev/urandom > "$K/in/large.bin"
"$NP" append -q -s "$KEY" -j 1 --level 9 --timestamp 2026-01-04 "$K/news.e0001.npk" "$K/e2.npk" "$K/in" \
	</dev/null >/dev/null 2>&1 &
pid=$!
# kill it once it is writing its (nameless) file beside OUT
n=0
while [ $n -lt 100 ] && ! ls -l "/proc/$pid/fd" 2>/dev/null | grep -q "$K/#"; do
	sleep 0.05
	n=$((n + 1))
done
expect_true "append was writing the edition when killed" -- test $n -lt 100
sleep 0.2
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
expect_true "killed: no OUT" -- test ! -e "$K/e2.npk"
expect_eq "$(ls -A "$K" | grep -c tmp)" "0" "killed: no temporary file left beside OUT"
expect_same "$K/news.e0001.npk" "$K/prev.copy" "killed: PREVIOUS byte for byte as it was"
expect_exit 0 "the chain still reads" -- "$NP" cat -p "$PUB" "$K/news.e0001.npk" two.txt

# ---- a folder emptied by withdrawals can become a document
F="$S/fold"
mkdir -p "$F" "$S/f0/d" "$S/f2"
printf 'x\n' > "$S/f0/d/x"
printf 'y\n' > "$S/f0/y"
printf 'now a document\n' > "$S/f2/d"
expect_exit 0 "fold: the base holds d/x" -- $MK --timestamp 2026-01-01 "$F/news.npk" "$S/f0"
expect_exit 0 "fold: edition 1 withdraws d/x" -- \
	$AP --timestamp 2026-01-02 --withdraw d/x "$F/news.npk" "$F"
expect_exit 0 "fold: edition 2 adds the document d" -- \
	$AP --timestamp 2026-01-03 "$F/news.e0001.npk" "$F" "$S/f2"
expect_exit 0 "fold: the chain verifies" -- "$NP" verify -p "$PUB" "$F/news.e0002.npk"
expect_exit 0 "fold: list shows d and y" -- "$NP" list -p "$PUB" "$F/news.e0002.npk" &&
	expect_eq "$(cat "$OUT")" "d
y" "  ... the state"
if [ -n "$EDCHECK" ]; then
	expect_exit 0 "fold: npkcheck.py verifies the chain too" -- \
		python3 "$CHECK" verify -p "$PUB" "$F/news.e0002.npk"
fi

# ---- --files-from, as create
L="$S/list"
mkdir -p "$L"
printf 'listed one\n' > "$S/l1.txt"
printf 'listed two\n' > "$S/l2.txt"
expect_exit 0 "list: a base" -- $MK --timestamp 2026-01-01 "$L/news.npk" "$S/f0"
printf '%s\tnew/one.txt\n%s\n' "$S/l1.txt" "$S/l2.txt" > "$S/files.list"
expect_exit 0 "append --files-from LIST (SOURCE<TAB>PATH and SOURCE lines)" -- \
	$AP --timestamp 2026-01-02 --files-from "$S/files.list" "$L/news.npk" "$L"
expect_exit 0 "  ... the chain lists them" -- "$NP" list -p "$PUB" "$L/news.e0001.npk" &&
	expect_eq "$(cat "$OUT")" "d/x
l2.txt
new/one.txt
y" "  ... at the paths the list gives"
printf '%s\t%s\0' "$S/l1.txt" "new/two.txt" > "$S/files.nul"
expect_exit 0 "append --files-from - --null (from stdin)" -- \
	sh -c "$AP --timestamp 2026-01-03 --null --files-from - '$L/news.e0001.npk' '$L' < '$S/files.nul'"
expect_exit 0 "  ... cat of the new path" -- "$NP" cat -p "$PUB" "$L/news.e0002.npk" new/two.txt &&
	expect_eq "$(cat "$OUT")" "listed one" "  ... gives its bytes"
expect_exit 2 "--null without --files-from is a usage error" -- \
	$AP --null "$L/news.e0002.npk" "$L" "$S/f2"

# ---- help
expect_exit 0 "append --help" -- "$NP" append --help
expect_contains "$OUT" "STEM.eNNNN.npk" "  ... explains the names of editions"
expect_exit 0 "rotate --help" -- "$NP" rotate --help
expect_contains "$OUT" "--rotation FILE" "  ... says what comes next"

finish
