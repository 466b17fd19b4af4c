#!/bin/sh
# Suite "editions": a chain of editions end to end (spec/format.md 15.15),
# over real articles of ../shared/corpus (read by path, copied to /tmp).
#   (1) a base and a month of daily editions (30 appends), every chain file
#       read-only: the summaries, nothing to append (exit 2), OUT refused
#       when it is a file of the chain, a timestamp before PREVIOUS's;
#   (2) every path's history: cat of the newest version equals its last
#       input; list of the state equals the expected set; list --all shows
#       every version with its edition; --at N and --at DATE give each
#       earlier state byte for byte (extract, cat);
#   (3) replacements, withdrawals (absent from list, cat and extract, shown
#       by list --all, check-proof --archive says withdrawn, with the
#       reason), the same content referenced, not stored again;
#   (4) extract and export of the chain give the state; info;
#   (5) a damaged, missing, reordered (--chain), substituted edition;
#   (6) check-chain: VALID; a fork; an unauthorised signer; a manifest
#       naming the wrong predecessor; key rotation with newspack rotate;
#   (7) kill -9 during append leaves the chain byte for byte, and no OUT;
#   (8) the stranger's reader: the 1.0 and 1.1 npkcheck.py say an edition
#       needs a newer reader (exit 2);
#   (9) verify and check-chain read each file of a chain once (strace).
. "$(dirname "$0")/lib.sh"
suite_begin editions

CORPUS="$top/../shared/corpus/bbc"
if [ ! -d "$CORPUS" ]; then
	note "no corpus at $CORPUS; nothing to check"
	finish
fi
KEY="$KEYS/test.key"
PUB="$KEYS/test.pub"
T=$(mktemp -d /tmp/npk-editions.XXXXXX) || { fail "mktemp"; finish; }
trap 'chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT
SITE="$T/site"      # the newsroom's tree: what the state must be
C="$T/chain"        # the chain: news.npk, news.e0001.npk, ...
mkdir -p "$SITE" "$C" "$T/state" "$T/proofs"
DESKS="business politics tech sport entertainment"

ed_name() { # N: the file of edition N in the chain's folder
	if [ "$1" = 0 ]; then echo news.npk; else printf 'news.e%04d.npk' "$1"; fi
}
ts_of() { # N: edition N's timestamp, one a day from 2025-01-31
	date -u -d "2025-01-31 +$1 days" +%Y-%m-%dT06:00:00Z
}
day_of() { # N: edition N's date
	date -u -d "2025-01-31 +$1 days" +%Y-%m-%d
}
art() { # DESK NUMBER: a real article's path
	printf '%s/%s/%03d.txt' "$CORPUS" "$1" "$2"
}
desk_of() { # N: one of the five desks
	echo "$DESKS" | cut -d' ' -f$(($1 % 5 + 1))
}
# state N: the expected state at edition N, the site as it was
snapshot() {
	mkdir -p "$T/state/$1"
	(cd "$SITE" && find . -type f ! -name '*.meta.json' | sed 's|^\./||' | LC_ALL=C sort) > "$T/state/$1.list"
	(cd "$SITE" && tar cf - --exclude='*.meta.json' .) | (cd "$T/state/$1" && tar xf -)
}
# written N KIND PATH...: what edition N's index holds (for list --all)
written() {
	_e=$1 _k=$2
	shift 2
	for _p in "$@"; do printf '%s\t%s\t%s\n' "$_p" "$_e" "$_k" >> "$T/written.tsv"; done
}
sums() { # the chain's files and their SHA-256, by name
	(cd "$C" && sha256sum -- *.npk | LC_ALL=C sort -k 2)
}

# ---------------------------------------------------------------- (1)
echo "-- (1) a base and a month of daily editions"
for d in $DESKS; do
	mkdir -p "$SITE/$d"
	for n in 1 2 3 4 5; do
		cp "$(art "$d" $n)" "$SITE/$d/00$n.txt"
	done
done
mkdir -p "$SITE/features"
cp "$CORPUS/tech/401.txt" "$SITE/features/long.txt"   # 16 KB
snapshot 0
: > "$T/written.tsv"
written 0 document $(cat "$T/state/0.list")
expect_exit 0 "create the base (edition 0) of 26 real articles" -- \
	"$NP" create -q -s "$KEY" --timestamp "$(ts_of 0)" "$C/news.npk" "$SITE" || finish
chmod a-w "$C/news.npk"

# One edition a day: a new article every day, and on some days a new
# version, a withdrawal, new metadata for the same content, a path added
# again. The site is given whole every day: what did not change is not
# written again.
WD3=""   # a daily article withdrawn later
ok_days=0
d=1
while [ $d -le 30 ]; do
	desk=$(desk_of $d)
	mkdir -p "$SITE/daily/$(day_of $d)"
	new="daily/$(day_of $d)/$desk.txt"
	cp "$(art "$desk" $((100 + d)))" "$SITE/$new"
	written $d document "$new"
	[ $d = 3 ] && WD3=$new
	extra=""
	case $d in
	5) cp "$(art politics 201)" "$SITE/politics/001.txt"; written $d document politics/001.txt ;;
	8) rm "$SITE/tech/002.txt"; written $d withdrawn tech/002.txt
	   extra="--withdraw tech/002.txt" ;;
	12) cp "$(art politics 202)" "$SITE/politics/001.txt"; written $d document politics/001.txt ;;
	15) printf '{"title":"A long read, retitled"}\n' > "$SITE/features/long.txt.meta.json"
	    written $d document features/long.txt ;;
	18) cp "$(art tech 203)" "$SITE/tech/002.txt"; written $d document tech/002.txt ;;
	22) rm "$SITE/$WD3" "$SITE/sport/003.txt"; rmdir "$(dirname "$SITE/$WD3")"; written $d withdrawn "$WD3" sport/003.txt
	    extra="--withdraw $WD3 --withdraw sport/003.txt" ;;
	26) cp "$(art business 204)" "$SITE/daily/$(day_of 1)/$(desk_of 1).txt"
	    written $d document "daily/$(day_of 1)/$(desk_of 1).txt" ;;
	esac
	reason=""
	case $d in
	8) reason="Withdrawn at the request of the people named" ;;
	22) reason="Duplicate of an earlier story" ;;
	esac
	prev=$(ed_name $((d - 1)))
	out="$C/$(ed_name $d)"
	[ $d = 30 ] && out="$C"   # a folder: append names the file
	# shellcheck disable=SC2086
	if [ -n "$reason" ]; then
		run "$NP" append --json -s "$KEY" --timestamp "$(ts_of $d)" $extra --reason "$reason" "$C/$prev" "$out" "$SITE"
	else
		run "$NP" append --json -s "$KEY" --timestamp "$(ts_of $d)" $extra "$C/$prev" "$out" "$SITE"
	fi
	if [ "$RC" != 0 ] || [ ! -f "$C/$(ed_name $d)" ]; then
		fail "append of edition $d"
		show_last
		break
	fi
	cp "$OUT" "$T/append-$d.json"
	chmod a-w "$C/$(ed_name $d)"
	snapshot $d
	ok_days=$((ok_days + 1))
	d=$((d + 1))
done
expect_eq "$ok_days" 30 "30 daily appends, each file written read-only afterwards, every earlier file read-only"
NEWEST="$C/news.e0030.npk"
[ -f "$NEWEST" ] || { fail "no edition 30: the rest needs the month"; finish; }
expect_true "append with OUT a folder names the edition STEM.eNNNN.npk (news.e0030.npk)" -- test -f "$NEWEST"
sums > "$T/sums.month"

jq_stats() { # FILE: the append summary's counts
	python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(" ".join(str(d.get(k)) for k in ("edition", "added", "replaced", "unchanged", "withdrawn", "referenced")))' "$1" 2>&1
}
expect_eq "$(jq_stats "$T/append-1.json")" "1 1 0 26 0 0" \
	"append --json, day 1: edition 1, one added, the base's 26 unchanged"
expect_eq "$(jq_stats "$T/append-5.json")" "5 1 1 29 0 0" "day 5: one added, one replaced (politics/001.txt)"
expect_eq "$(jq_stats "$T/append-8.json")" "8 1 0 32 1 0" "day 8: one added, one withdrawn"
expect_eq "$(jq_stats "$T/append-15.json")" "15 1 1 38 0 1" \
	"day 15: new metadata for the same content: replaced, and its content referenced"
expect_eq "$(jq_stats "$T/append-22.json")" "22 1 0 45 2 0" "day 22: two withdrawn in one edition"

expect_exit 2 "append of unchanged inputs: exit 2" -- \
	"$NP" append -s "$KEY" --timestamp "$(ts_of 31)" "$NEWEST" "$T/none.npk" "$SITE" &&
	expect_contains "$ERR" "nothing to append: every input is unchanged" "it says nothing is new" &&
	expect_true "and writes no file" -- test ! -e "$T/none.npk"
printf 'A late story\n\nFiled after the month.\n' > "$T/late.txt"
expect_exit 2 "append over PREVIOUS itself is refused, even with --force" -- \
	"$NP" append --force -s "$KEY" --timestamp "$(ts_of 31)" "$NEWEST" "$NEWEST" "$T/late.txt"
expect_exit 2 "append over an earlier file of the chain is refused, even with --force" -- \
	"$NP" append --force -s "$KEY" --timestamp "$(ts_of 31)" "$NEWEST" "$C/news.e0004.npk" "$T/late.txt" &&
	expect_contains "$ERR" "news.e0004.npk" "the message names the file"
expect_exit 2 "a timestamp before PREVIOUS's is refused" -- \
	"$NP" append -s "$KEY" --timestamp "$(ts_of 29)" "$NEWEST" "$T/late.npk" "$T/late.txt" &&
	expect_true "and writes no file" -- test ! -e "$T/late.npk"
expect_exit 2 "append after an edition that is not the newest is refused" -- \
	"$NP" append -s "$KEY" --timestamp "$(ts_of 31)" "$C/news.e0003.npk" "$T/late.npk" "$T/late.txt" &&
	expect_contains "$ERR" "news.e0003.npk is not the newest edition: " "it says PREVIOUS is not the newest" &&
	expect_contains "$ERR" "news.e0004.npk follows it" "and names the edition that follows" &&
	expect_true "and writes no file" -- test ! -e "$T/late.npk"
expect_exit 2 "a path both given and withdrawn is refused" -- \
	"$NP" append -s "$KEY" --timestamp "$(ts_of 31)" --withdraw politics/002.txt "$NEWEST" "$T/late.npk" "$SITE"
run "$NP" append -s "$KEY" --timestamp "$(ts_of 31)" --withdraw politics/nothing.txt "$NEWEST" "$T/late.npk"
expect_true "withdrawing a path the state does not hold is refused (exit $RC)" -- test "$RC" = 1 -o "$RC" = 2
expect_contains "$ERR" "politics/nothing.txt" "the message names the path"
expect_true "no file after the refusals" -- test ! -e "$T/late.npk"
sums > "$T/sums.after"
expect_same "$T/sums.after" "$T/sums.month" "the refused appends changed no file of the chain"

# ---------------------------------------------------------------- (2)
echo "-- (2) every path's history"
expect_exit 0 "list of the chain (the newest edition)" -- "$NP" list -p "$PUB" "$NEWEST" &&
	expect_same "$OUT" "$T/state/30.list" "list gives the state: each path once, withdrawn paths left out"
bad=""
for p in $(cat "$T/state/30.list"); do
	run "$NP" cat -p "$PUB" "$NEWEST" "$p"
	{ [ "$RC" = 0 ] && cmp -s "$OUT" "$SITE/$p"; } || bad="$bad $p($RC)"
done
expect_eq "$bad" "" "cat of each of the $(wc -l < "$T/state/30.list") paths gives its last input byte for byte"
bad=""
k=0
while [ $k -le 30 ]; do
	run "$NP" list -p "$PUB" --at $k "$NEWEST"
	{ [ "$RC" = 0 ] && cmp -s "$OUT" "$T/state/$k.list"; } || bad="$bad $k"
	k=$((k + 1))
done
expect_eq "$bad" "" "list --at N equals the state of edition N, for every N from 0 to 30"
bad=""
for k in 0 4 5 7 8 11 12 15 17 18 21 22 25 26 29; do
	rm -rf "$T/x"
	run "$NP" extract -q -p "$PUB" --at $k -C "$T/x" "$NEWEST"
	{ [ "$RC" = 0 ] && diff -r "$T/x" "$T/state/$k" > /dev/null 2>&1; } || bad="$bad $k($RC)"
done
expect_eq "$bad" "" "extract --at N gives the state of edition N byte for byte (diff -r; 15 editions)"
expect_exit 0 "--at a date: the newest edition created that day or before" -- \
	"$NP" list -p "$PUB" --at "$(day_of 5)" "$NEWEST" &&
	expect_same "$OUT" "$T/state/5.list" "--at $(day_of 5) gives edition 5's state"
expect_exit 0 "--at a time one second before edition 5" -- \
	"$NP" list -p "$PUB" --at "$(day_of 5)T05:59:59Z" "$NEWEST" &&
	expect_same "$OUT" "$T/state/4.list" "gives edition 4's state"
expect_exit 0 "an earlier file given reads the chain's state at its edition" -- \
	"$NP" list -p "$PUB" "$C/news.e0012.npk" &&
	expect_same "$OUT" "$T/state/12.list" "list news.e0012.npk = the state of edition 12"
run "$NP" list -p "$PUB" --at 31 "$NEWEST"
expect_true "--at an edition after the newest is refused (exit $RC)" -- test "$RC" = 2 -o "$RC" = 1

# list --all: every entry of every edition, by path then edition
expect_exit 0 "list --all --json" -- "$NP" list --all --json -p "$PUB" "$NEWEST" &&
	python3 - "$OUT" > "$T/all.got" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for e in d["documents"]:
    print("%s\t%s\t%s" % (e["path"], e["edition"], e["kind"]))
PY
LC_ALL=C sort -t "$(printf '\t')" -k 1,1 -k 2,2n "$T/written.tsv" > "$T/all.want"
expect_same "$T/all.got" "$T/all.want" \
	"list --all --json: every version of every path with its edition and kind, by path then edition"
expect_exit 0 "list --all" -- "$NP" list --all -p "$PUB" "$NEWEST" &&
	expect_eq "$(grep -c "^tech/002.txt" "$OUT")" 3 "tech/002.txt appears three times (base, withdrawn, added again)" &&
	expect_contains "$OUT" "$(printf 'tech/002.txt\t(withdrawn)')" "its withdrawal is shown as (withdrawn)"
expect_exit 0 "list --all -l" -- "$NP" list --all -l -p "$PUB" "$NEWEST" &&
	expect_eq "$(grep 'politics/001.txt' "$OUT" | awk '{ printf "%s ", $1 }')" "e0 e5 e12 " \
	"list --all -l: politics/001.txt in editions e0, e5, e12 (a column e<N>)"

# ---------------------------------------------------------------- (3)
echo "-- (3) replacements, withdrawals, references"
v=0
for k in 4 5 11 12 30; do
	run "$NP" cat -p "$PUB" --at $k "$NEWEST" politics/001.txt
	case $k in 4) want=$(art politics 1) ;; 5 | 11) want=$(art politics 201) ;; *) want=$(art politics 202) ;; esac
	[ "$RC" = 0 ] && cmp -s "$OUT" "$want" && v=$((v + 1))
done
expect_eq "$v" 5 "cat --at 4/5/11/12/30 of politics/001.txt: the base's, then the first, then the second replacement"
expect_exit 2 "cat of a withdrawn path exits 2" -- "$NP" cat -p "$PUB" "$NEWEST" "sport/003.txt" &&
	expect_contains "$ERR" "sport/003.txt" "naming the path" &&
	expect_contains "$ERR" "withdrawn in edition 22" "and the edition that withdrew it"
expect_exit 0 "cat --at 21 of it gives the version before the withdrawal" -- \
	"$NP" cat -p "$PUB" --at 21 "$NEWEST" sport/003.txt &&
	expect_same "$OUT" "$(art sport 3)" "byte for byte"
expect_exit 0 "a withdrawn path added again reads its new content" -- \
	"$NP" cat -p "$PUB" "$NEWEST" tech/002.txt && expect_same "$OUT" "$(art tech 203)" "byte for byte"
rm -rf "$T/x"
expect_exit 0 "extract of the chain" -- "$NP" extract -q -p "$PUB" -C "$T/x" "$NEWEST" &&
	expect_true "no withdrawn document is written" -- test ! -e "$T/x/sport/003.txt" -a ! -e "$T/x/$WD3"
expect_exit 0 "list --all --json names the reason of each withdrawal" -- \
	"$NP" list --all --json -p "$PUB" "$NEWEST" &&
	expect_contains "$OUT" "Withdrawn at the request of the people named" "the reason of day 8" &&
	expect_contains "$OUT" "Duplicate of an earlier story" "the reason of day 22"

# proofs made from old editions, checked against the newest
expect_exit 0 "prove from edition 7 (a file of the chain) a document later withdrawn" -- \
	"$NP" prove -p "$PUB" "$C/news.e0007.npk" tech/002.txt -o "$T/proofs/withdrawn.proof"
expect_exit 0 "prove from edition 4 a document later replaced" -- \
	"$NP" prove -p "$PUB" "$C/news.e0004.npk" politics/001.txt -o "$T/proofs/replaced.proof"
expect_exit 0 "prove --at 4 from the newest edition gives the same proof" -- \
	"$NP" prove -p "$PUB" --at 4 "$NEWEST" politics/001.txt -o "$T/proofs/replaced-at.proof" &&
	expect_same "$T/proofs/replaced-at.proof" "$T/proofs/replaced.proof" "byte for byte"
expect_exit 0 "prove a current document from the newest edition" -- \
	"$NP" prove -p "$PUB" "$NEWEST" business/001.txt -o "$T/proofs/current.proof"
expect_exit 0 "the proof from edition 7 still checks after 23 later editions" -- \
	"$NP" check-proof -p "$PUB" "$T/proofs/withdrawn.proof" "$(art tech 2)"
expect_exit 0 "check-proof --archive NEWEST of the withdrawn document: still VALID (exit 0)" -- \
	"$NP" check-proof -p "$PUB" --archive "$NEWEST" "$T/proofs/withdrawn.proof" &&
	expect_contains "$OUT" "withdrawn in edition 8" "it says withdrawn in edition 8" &&
	expect_contains "$OUT" "Withdrawn at the request of the people named" "with the reason"
expect_exit 0 "check-proof --archive of the replaced document" -- \
	"$NP" check-proof -p "$PUB" --archive "$NEWEST" "$T/proofs/replaced.proof" &&
	expect_contains "$OUT" "replaced in edition" "it says replaced in edition N"
expect_exit 0 "check-proof --archive of a current document" -- \
	"$NP" check-proof -p "$PUB" --archive "$NEWEST" "$T/proofs/current.proof" &&
	expect_not_contains "$OUT" "withdrawn in" "not withdrawn" &&
	expect_not_contains "$OUT" "replaced in" "not replaced"

# the same content, new metadata (day 15): referenced, not stored again.
# Beside it, the same day's edition with that content changed by one line.
R="$T/ref"
mkdir -p "$R"
k=0
while [ $k -le 14 ]; do cp "$C/$(ed_name $k)" "$R/"; k=$((k + 1)); done
chmod u+w "$R"/*
cp -a "$T/state/15" "$R/site"
cp "$SITE/features/long.txt.meta.json" "$R/site/features/"
echo "Corrected on $(day_of 15)." >> "$R/site/features/long.txt"
expect_exit 0 "the same day's edition with the long article's content changed" -- \
	"$NP" append -q -s "$KEY" --timestamp "$(ts_of 15)" "$R/news.e0014.npk" "$R/news.e0015.npk" "$R/site"
s_ref=$(file_size "$C/news.e0015.npk")
s_new=$(file_size "$R/news.e0015.npk")
z=$(gzip -9 -c "$SITE/features/long.txt" | wc -c)
info "edition 15: $s_ref bytes with the content referenced, $s_new with it stored; the 16 KB article gzips to $z"
expect_true "the referencing edition is smaller by at least half the article's gzip size ($s_ref + $z / 2 <= $s_new)" -- \
	test $((s_ref + z / 2)) -le "$s_new"
expect_eq "$(python3 -c 'import json,sys; d = json.load(open(sys.argv[1])); print(d["bytes_in"] - d["bytes_stored"])' "$T/append-15.json")" \
	"$(file_size "$CORPUS/tech/401.txt")" "append --json, day 15: of the bytes written, exactly the long article's are not stored again"
expect_exit 0 "cat of the retitled article" -- "$NP" cat -p "$PUB" "$NEWEST" features/long.txt &&
	expect_same "$OUT" "$CORPUS/tech/401.txt" "gives the content stored in the base, byte for byte"

# ---------------------------------------------------------------- (4)
echo "-- (4) extract, export, info, verify of the chain"
expect_true "extract of the chain gives the state (diff -r)" -- diff -r "$T/x" "$T/state/30"
# salvage of the newest file: its earlier files are beside it, not beside
# the proven copy that salvage reads; its tree section and filters kept
expect_exit 0 "salvage of the newest edition" -- "$NP" salvage -p "$PUB" -C "$T/sv" "$NEWEST" &&
	expect_contains "$OUT" "recovered $(find "$T/state/30" -type f | wc -l | tr -d ' ') of" \
	"it recovers every document of the state"
expect_true "salvage gives the state, as extract does (diff -r)" -- diff -r "$T/sv" "$T/state/30"
expect_exit 0 "export of the chain as tar" -- "$NP" export -q -p "$PUB" "$NEWEST" "$T/chain.tar" &&
	rm -rf "$T/xt" && mkdir "$T/xt" && tar xf "$T/chain.tar" -C "$T/xt" &&
	expect_true "the tar holds the state (diff -r)" -- diff -r "$T/xt" "$T/state/30"
expect_exit 0 "export --at 10 as zip" -- "$NP" export -q -p "$PUB" --at 10 "$NEWEST" "$T/e10.zip" &&
	expect_eq "$(unzip -Z1 "$T/e10.zip" | grep -v '\.meta\.json$' | grep -v '/$' | LC_ALL=C sort | tr '\n' ' ')" \
	"$(tr '\n' ' ' < "$T/state/10.list")" "the zip holds edition 10's paths"
expect_exit 0 "info of the chain" -- "$NP" info -p "$PUB" "$NEWEST" &&
	expect_contains "$OUT" "news.e0030.npk" "it names the newest file" &&
	expect_contains "$OUT" "news.npk" "and the base"
expect_exit 0 "verify of the chain" -- "$NP" verify -p "$PUB" "$NEWEST" &&
	for k in 0 1 15 29; do expect_contains "$OUT" "$(ed_name $k)" "verify reports $(ed_name $k)"; done

# ---------------------------------------------------------------- (5)
echo "-- (5) damaged, missing, reordered, substituted editions"
copy_chain() { # DIR: a writable copy of the chain
	rm -rf "$1"
	mkdir -p "$1"
	cp "$C"/*.npk "$1/"
	chmod u+w "$1"/*.npk
}
# damaged: a byte of edition 7's first cluster; the file cut in half
D="$T/damaged"
copy_chain "$D"
# the middle of its first cluster (spec 6.2, 7.1, 9: the cluster table's first entry)
at=$(python3 - "$D/news.e0007.npk" <<'PY'
import struct, sys
b = open(sys.argv[1], "rb").read()
n = len(b)
if b[-8:] == b"NPKTAIL\n":
    n = struct.unpack_from("<Q", b, n - 32)[0]
moff = struct.unpack_from("<Q", b, n - 32)[0]
pt_off, pt_size = struct.unpack_from("<QI", b, moff + 56)
off, length = struct.unpack_from("<QI", b, pt_off + pt_size)
print(off + length // 2)
PY
)
flip_byte "$D/news.e0007.npk" "$at"
p7="daily/$(day_of 7)/$(desk_of 7).txt"
expect_exit 1 "verify of a chain with a damaged edition 7 exits 1" -- "$NP" verify -p "$PUB" "$D/news.e0030.npk"
cat "$OUT" "$ERR" > "$T/both"
expect_contains "$T/both" "news.e0007.npk" "verify names news.e0007.npk"
expect_exit 1 "cat of the article stored in the damaged edition exits 1" -- \
	"$NP" cat -p "$PUB" "$D/news.e0030.npk" "$p7" &&
	expect_contains "$ERR" "news.e0007.npk" "naming the file"
expect_exit 0 "cat of an article of a later edition still reads" -- \
	"$NP" cat -p "$PUB" "$D/news.e0030.npk" "daily/$(day_of 20)/$(desk_of 20).txt"
size7=$(file_size "$D/news.e0007.npk")
truncate -s $((size7 / 2)) "$D/news.e0007.npk"
expect_exit 1 "list with edition 7 cut in half exits 1" -- "$NP" list -p "$PUB" "$D/news.e0030.npk" &&
	expect_contains "$ERR" "news.e0007.npk" "naming the file"
expect_exit 0 "cat of a document edition 30 holds still reads" -- \
	"$NP" cat -p "$PUB" "$D/news.e0030.npk" "daily/$(day_of 30)/$(desk_of 30).txt"

# missing: edition 3 moved away, then named with --chain
M="$T/missing"
copy_chain "$M"
mkdir -p "$T/elsewhere"
mv "$M/news.e0003.npk" "$T/elsewhere/"
expect_exit 1 "list with edition 3 missing exits 1" -- "$NP" list -p "$PUB" "$M/news.e0030.npk" &&
	expect_contains "$ERR" "news.e0003.npk" "naming the missing file" &&
	expect_contains "$ERR" "is missing" "saying it is missing" &&
	expect_contains "$ERR" "--chain" "and how to name it"
expect_exit 0 "cat of a document of edition 25 still reads" -- \
	"$NP" cat -p "$PUB" "$M/news.e0030.npk" "daily/$(day_of 25)/$(desk_of 25).txt" &&
	expect_same "$OUT" "$SITE/daily/$(day_of 25)/$(desk_of 25).txt" "byte for byte"
expect_exit 1 "cat of a base document (behind the gap) exits 1" -- \
	"$NP" cat -p "$PUB" "$M/news.e0030.npk" business/002.txt &&
	expect_contains "$ERR" "news.e0003.npk" "naming the missing file"
expect_exit 0 "with --chain naming it, the chain reads whole" -- \
	"$NP" list -p "$PUB" --chain "$T/elsewhere/news.e0003.npk" "$M/news.e0030.npk" &&
	expect_same "$OUT" "$T/state/30.list" "the same state"
expect_exit 1 "verify with a missing edition exits 1" -- "$NP" verify -p "$PUB" "$M/news.e0030.npk"
cat "$OUT" "$ERR" > "$T/both"
expect_contains "$T/both" "news.e0003.npk" "naming the missing file"
expect_exit 0 "verify --chain naming it verifies the whole chain" -- \
	"$NP" verify -p "$PUB" --chain "$T/elsewhere/news.e0003.npk" "$M/news.e0030.npk"
expect_exit 0 "export --chain naming it exports the state" -- \
	"$NP" export -q -p "$PUB" --chain "$T/elsewhere/news.e0003.npk" "$M/news.e0030.npk" "$T/missing.tar" &&
	expect_eq "$(tar tf "$T/missing.tar" | LC_ALL=C sort | tr '\n' ' ')" "$(tr '\n' ' ' < "$T/state/30.list")" \
	"the tar holds the state's paths"

# reordered: every earlier file elsewhere, named by --chain in another order
O="$T/reordered"
copy_chain "$O"
mkdir -p "$O/earlier"
mv "$O"/news.npk "$O"/news.e00[0-2]*.npk "$O/earlier/"
set --
for f in $(ls "$O/earlier" | LC_ALL=C sort -r); do set -- "$@" --chain "$O/earlier/$f"; done
set -- "$@" --chain "$T/late.txt"
expect_exit 0 "--chain with the files in reverse order and one file not of the chain" -- \
	"$NP" list -p "$PUB" "$@" "$O/news.e0030.npk" &&
	expect_same "$OUT" "$T/state/30.list" "the same state" &&
	expect_contains "$ERR" "late.txt" "a warning names the file that is not of the chain"
set --

# substituted: another chain's edition 2 under edition 2's name
B="$T/other"
mkdir -p "$B/site"
cp "$C/news.npk" "$B/"
chmod u+w "$B/news.npk"
bprev=news.npk
for k in 1 2 3; do
	cp "$(art entertainment $((300 + k)))" "$B/site/other-$k.txt"
	run "$NP" append -q -s "$KEY" --timestamp "$(ts_of $k)" "$B/$bprev" "$B/$(ed_name $k)" "$B/site"
	[ "$RC" = 0 ] || { fail "append of the other chain's edition $k"; show_last; }
	bprev=$(ed_name $k)
done
U="$T/substituted"
copy_chain "$U"
cp "$B/news.e0002.npk" "$U/news.e0002.npk"
expect_exit 1 "a chain whose edition 2 is another chain's edition 2 exits 1" -- \
	"$NP" list -p "$PUB" "$U/news.e0030.npk" &&
	expect_contains "$ERR" "news.e0002.npk" "naming the file" &&
	expect_contains "$ERR" "is not edition 2 of this chain" "saying it is not edition 2 of this chain"
expect_exit 1 "check-chain of it exits 1" -- "$NP" check-chain -p "$PUB" "$U/news.e0030.npk" &&
	expect_contains "$OUT" "CHAIN: DAMAGED" "CHAIN: DAMAGED"

# ---------------------------------------------------------------- (6)
echo "-- (6) check-chain, forks, signers, predecessors, rotation"
expect_exit 0 "check-chain of the month: exit 0" -- "$NP" check-chain -p "$PUB" "$NEWEST" &&
	expect_contains "$OUT" "CHAIN: VALID" "CHAIN: VALID" &&
	expect_eq "$(grep -c "consistent with edition" "$OUT")" 30 "30 editions each consistent with the one before" &&
	expect_contains "$OUT" "news.e0017.npk" "it names the files"
cp "$OUT" "$T/check-chain.out"
expect_exit 3 "check-chain without a trusted key: exit 3" -- "$NP" check-chain "$NEWEST" &&
	expect_contains "$OUT" "CHAIN: VALID (untrusted signer)" "VALID (untrusted signer)"
expect_exit 0 "check-chain --json" -- "$NP" check-chain --json -p "$PUB" "$NEWEST" &&
	expect_true "is JSON" -- python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$OUT"

# a fork: two editions 3 after edition 2
F="$T/fork"
copy_chain "$F"
printf 'Another story\n\nIn another history.\n' > "$T/fork.txt"
expect_exit 0 "append --fork after edition 2" -- \
	"$NP" append --fork -q -s "$KEY" --timestamp "$(ts_of 3)" "$F/news.e0002.npk" "$F/fork3.npk" "$T/fork.txt"
expect_exit 1 "check-chain finds the fork: exit 1" -- "$NP" check-chain -p "$PUB" "$F/news.e0030.npk" &&
	expect_contains "$OUT" "CHAIN: DAMAGED" "CHAIN: DAMAGED" &&
	expect_contains "$OUT" "fork3.npk" "naming the forked file" &&
	expect_contains "$OUT" "news.e0003.npk" "and the chain's edition 3"

# forged newest editions: re-signed after an edit (python3 and libsodium)
cat > "$T/forge.py" <<'PY'
# forge.py IN OUT SECKEY [signer|link edition=N prev=FILE name=NAME]...
# IN's signed part with its manifest edited, signed again with SECKEY.
import base64, ctypes, ctypes.util, hashlib, struct, sys
sod = ctypes.CDLL(ctypes.util.find_library("sodium") or "libsodium.so.23")
sod.sodium_init()
def H(b): return hashlib.blake2b(b, digest_size=32).digest()
def H512(b): return hashlib.blake2b(b, digest_size=64).digest()
def load(path):
    b = open(path, "rb").read()
    n = len(b)
    if b[-8:] == b"NPKTAIL\n":
        n = struct.unpack_from("<Q", b, n - 32)[0]
    b = b[:n]
    moff, msize, ssize = struct.unpack_from("<QII", b, n - 32)
    return b, moff, msize, ssize
def sign(sk, m):
    s = ctypes.create_string_buffer(64)
    sod.crypto_sign_detached(s, None, m, ctypes.c_ulonglong(len(m)), sk)
    return s.raw
src, dst, keyfile = sys.argv[1:4]
raw = base64.b64decode(open(keyfile).read().split("\n")[1])
kid, sk = raw[54:62], raw[62:126]
b, moff, msize, ssize = load(src)
man = bytearray(b[moff:moff + msize])
sig = b[moff + msize:moff + msize + ssize]
for op in sys.argv[4:]:
    if op == "signer":
        man[168:176] = kid
        man[176:208] = sk[32:64]
        continue
    k, v = op.split("=", 1)
    m = struct.unpack_from("<H", man, 208)[0]
    e = 210 + m
    n = struct.unpack_from("<H", man, e)[0]
    e += 2
    for _ in range(n):
        typ, fl, ln = struct.unpack_from("<HHI", man, e)
        if typ == 3:
            d = bytes(man[e + 8:e + 8 + ln])
            ed, flags = struct.unpack_from("<II", d)
            prev, base, pts = d[8:40], d[40:72], d[72:80]
            nl = struct.unpack_from("<H", d, 80)[0]
            name, rest = d[82:82 + nl], d[82 + nl:]
            if k == "edition": ed = int(v)
            if k == "prev": pb, po, pm, _ = load(v); prev = H(pb[po:po + pm])
            if k == "name": name = v.encode()
            d = struct.pack("<II", ed, flags) + prev + base + pts + struct.pack("<H", len(name)) + name + rest
            man[e:e + 8 + ln] = struct.pack("<HHI", typ, fl, len(d)) + d
            break
        e += 8 + ln
comment = sig[76:-64]
total = moff + len(man) + 140 + len(comment) + 32
man[8:16] = struct.pack("<Q", total)
s = sign(sk, H512(bytes(man)))
block = b"ED" + kid + s + struct.pack("<H", len(comment)) + comment + sign(sk, s + comment)
trailer = struct.pack("<QIIQ", moff, len(man), len(block), 0) + b"\x89NPKEND\n"
open(dst, "wb").write(b[:moff] + bytes(man) + block + trailer)
PY
G="$T/forged"
copy_chain "$G"
rm -f "$G"/news.e001*.npk "$G"/news.e002*.npk "$G"/news.e0030.npk
# the forge itself, checked: edition 9 signed again as it was reads as before
python3 "$T/forge.py" "$G/news.e0009.npk" "$G/same.npk" "$KEY" &&
	mv "$G/same.npk" "$G/news.e0009.npk"
expect_exit 0 "(the forge's own check: edition 9 re-signed unchanged still checks)" -- \
	"$NP" check-chain -p "$PUB" "$G/news.e0009.npk"
cp "$C/news.e0009.npk" "$G/news.e0009.npk"
chmod u+w "$G/news.e0009.npk"
python3 "$T/forge.py" "$G/news.e0009.npk" "$G/other-signer.npk" "$KEYS/other.key" signer
mv "$G/news.e0009.npk" "$T/e9.keep"
mv "$G/other-signer.npk" "$G/news.e0009.npk"
expect_exit 1 "an edition signed by another key without a statement: check-chain exits 1" -- \
	"$NP" check-chain -p "$KEYS/other.pub" "$G/news.e0009.npk" &&
	expect_contains "$OUT" "did not authorise" "saying the previous signer did not authorise the key"
expect_exit 1 "and reading it exits 1" -- "$NP" list -p "$KEYS/other.pub" "$G/news.e0009.npk" &&
	expect_contains "$ERR" "did not authorise" "with the same reason"
mv "$T/e9.keep" "$G/news.e0009.npk"
run "$NP" append -s "$KEYS/other.key" --timestamp "$(ts_of 10)" "$G/news.e0009.npk" "$G/x.npk" "$T/late.txt"
expect_true "append -s OTHERKEY without --rotation is refused (exit $RC), no file" -- \
	test "$RC" != 0 -a "$RC" -lt 128 -a ! -e "$G/x.npk"
python3 "$T/forge.py" "$G/news.e0009.npk" "$G/wrong-prev.npk" "$KEY" "prev=$G/news.e0007.npk"
expect_exit 1 "an edition 9 whose manifest names edition 7's digest as its predecessor: exit 1" -- \
	"$NP" check-chain -p "$PUB" "$G/wrong-prev.npk" &&
	expect_contains "$OUT" "news.e0008.npk" "naming the file it found" &&
	expect_contains "$OUT" "wrong-prev.npk" "and the edition that names it"
expect_exit 1 "reading it exits 1" -- "$NP" list -p "$PUB" "$G/wrong-prev.npk" &&
	expect_contains "$ERR" "is not edition 8 of this chain" "saying the file found is not edition 8"
python3 "$T/forge.py" "$G/news.e0009.npk" "$G/skip.npk" "$KEY" "prev=$G/news.e0007.npk" "name=news.e0007.npk"
expect_exit 1 "an edition 9 linking to edition 7 by digest and name (numbers skip one): exit 1" -- \
	"$NP" check-chain -p "$PUB" "$G/skip.npk" &&
	expect_contains "$OUT" "CHAIN: DAMAGED" "CHAIN: DAMAGED"
rm -f "$G/wrong-prev.npk" "$G/skip.npk"

# rotation: the signer of edition 30 lets other.key sign edition 31 on
Q="$T/rotated"
copy_chain "$Q"
expect_exit 0 "newspack rotate -s OLDKEY -p NEWKEY.pub PREVIOUS -o FILE" -- \
	"$NP" rotate -s "$KEY" -p "$KEYS/other.pub" "$Q/news.e0030.npk" -o "$T/rot.txt" &&
	expect_eq "$(head -n 1 "$T/rot.txt")" "npk-rotation/v1" "the statement file's first line" &&
	expect_eq "$(sed -n 's/^statement //p' "$T/rot.txt" | base64 -d | head -c 8 | od -An -c | tr -d ' ')" 'NPKROT1\n' \
	"the statement starts NPKROT1"
expect_exit 0 "append -s NEWKEY --rotation FILE" -- \
	"$NP" append -q -s "$KEYS/other.key" --rotation "$T/rot.txt" --timestamp "$(ts_of 31)" \
	"$Q/news.e0030.npk" "$Q/news.e0031.npk" "$T/late.txt"
printf 'Later still\n\nThe next day.\n' > "$T/later.txt"
expect_exit 0 "the next edition by the new key needs no statement" -- \
	"$NP" append -q -s "$KEYS/other.key" --timestamp "$(ts_of 32)" "$Q/news.e0031.npk" "$Q/news.e0032.npk" "$T/later.txt"
expect_exit 0 "check-chain -p OLDKEY: the newest signer is rotated from it" -- \
	"$NP" check-chain -p "$PUB" "$Q/news.e0032.npk" &&
	expect_contains "$OUT" "CHAIN: VALID" "CHAIN: VALID" &&
	expect_eq "$(grep -c "rotated from" "$OUT")" 1 "one key change, shown as rotated from" &&
	expect_eq "$(grep -c "news.e0031.npk.*rotated from" "$OUT")" 1 "on edition 31's line"
expect_exit 0 "check-chain -p NEWKEY" -- "$NP" check-chain -p "$KEYS/other.pub" "$Q/news.e0032.npk"
expect_exit 0 "reading with the old key trusted: the rotation carries the trust" -- \
	"$NP" cat -p "$PUB" "$Q/news.e0032.npk" later.txt &&
	expect_same "$OUT" "$T/later.txt" "byte for byte"
run "$NP" append -s "$KEY" --timestamp "$(ts_of 33)" "$Q/news.e0032.npk" "$Q/news.e0033.npk" "$T/fork.txt"
expect_true "the old key can no longer append after the new key's edition without a statement (exit $RC)" -- \
	test "$RC" != 0 -a "$RC" -lt 128 -a ! -e "$Q/news.e0033.npk"
run "$NP" append -s "$KEYS/other.key" --rotation "$T/rot.txt" --timestamp "$(ts_of 4)" \
	"$B/news.e0003.npk" "$B/news.e0004.npk" "$T/late.txt"
expect_true "a statement made for edition 31 is refused after another chain's edition 3 (exit $RC)" -- \
	test "$RC" != 0 -a "$RC" -lt 128 -a ! -e "$B/news.e0004.npk"

# ---------------------------------------------------------------- (7)
echo "-- (7) kill -9 during append"
K9="$T/kill"
copy_chain "$K9"
chmod a-w "$K9"/*.npk
(cd "$K9" && sha256sum -- *.npk) > "$T/kill.before"
t1=$(date +%s%N)
expect_exit 0 "append of the whole BBC corpus (2,225 articles), timed" -- \
	"$NP" append -q -s "$KEY" --timestamp "$(ts_of 31)" "$K9/news.e0030.npk" "$T/full.npk" "$CORPUS"
t2=$(date +%s%N)
ms=$(((t2 - t1) / 1000000))
rm -f "$T/full.npk"
info "append of the corpus takes $ms ms; kills fall at random in the first $((ms * 12 / 10)) ms"
bad=0 killed=0 done_=0 i=0
while [ $i -lt 12 ]; do
	delay=$(awk -v i=$i -v t=$ms 'BEGIN { srand(500 + i); printf "%.3f", rand() * t * 1.2 / 1000 }')
	"$NP" append -q -s "$KEY" --timestamp "$(ts_of 31)" "$K9/news.e0030.npk" "$K9/news.e0031.npk" "$CORPUS" > /dev/null 2>&1 &
	pid=$!
	sleep "$delay"
	kill -9 $pid 2>/dev/null && killed=$((killed + 1))
	wait $pid 2>/dev/null
	if [ -e "$K9/news.e0031.npk" ]; then
		if "$NP" check-chain -p "$PUB" "$K9/news.e0031.npk" > /dev/null 2>&1; then done_=$((done_ + 1)); else
			bad=$((bad + 1)); fail "kill trial $i (after $delay s): news.e0031.npk exists and is not a whole edition"; fi
		rm -f "$K9/news.e0031.npk"
	fi
	(cd "$K9" && sha256sum -- *.npk) > "$T/kill.after"
	cmp -s "$T/kill.before" "$T/kill.after" || { bad=$((bad + 1)); fail "kill trial $i: the chain's files changed"; }
	rm -f "$K9"/.news.e0031.npk.tmp-* "$K9"/.*tmp* 2>/dev/null
	i=$((i + 1))
done
info "kill -9 of append, 12 trials: $killed killed while running, $done_ finished first"
expect_eq "$bad" 0 "kill -9 of append at 12 random moments: the chain byte for byte as it was, no partial OUT"
expect_true "some trials killed append while it ran ($killed)" -- test "$killed" -gt 0
expect_exit 0 "the chain still checks after the kills" -- "$NP" check-chain -p "$PUB" "$K9/news.e0030.npk"

# ---------------------------------------------------------------- (8)
echo "-- (8) a reader that knows no editions"
for v in 1.0 1.1; do
	chk="$top/spec/vectors/$v/npkcheck.py"
	if [ ! -f "$chk" ]; then
		fail "spec/vectors/$v/npkcheck.py is missing"
		continue
	fi
	expect_exit 2 "npkcheck.py $v verify of an edition: exit 2 (needs a newer reader)" -- \
		python3 "$chk" verify "$C/news.e0001.npk" -p "$PUB" &&
		expect_contains "$OUT" "NEWER" "it says NEWER" &&
		expect_not_contains "$OUT" "FAIL " "and reports no damage"
done
expect_exit 0 "npkcheck.py 1.1 verify of the base: valid (exit 0)" -- \
	python3 "$top/spec/vectors/1.1/npkcheck.py" verify "$C/news.npk" -p "$PUB"

# ---------------------------------------------------------------- (9)
echo "-- (9) verify and check-chain read each file of a chain once"
# A chain of larger editions (a fixed cost of a few hundred bytes per file,
# read twice at open, stays under 1% of each). Under strace, per file of
# the chain: opened exactly once; verify reads at most 1.01x its size;
# check-chain reads no document (at most a quarter of it) and no range
# twice beyond 1% of it. The editions are appended with --no-dedup: each
# copies articles of the one before under new paths, whose contents would
# otherwise be references (15.7, 15.15 ref_kind 1), and verify reads a
# reference's extent again in the earlier file: here only the reading of
# each file's own contents is measured.
O="$T/once"
mkdir -p "$O/site" "$O/chain"
for d in $DESKS; do
	mkdir -p "$O/site/$d"
	for n in $(seq 1 60); do cp "$(art "$d" "$n")" "$O/site/$d/$n.txt"; done
done
once_ok=1
run "$NP" create -q -s "$KEY" --timestamp "$(ts_of 0)" "$O/chain/news.npk" "$O/site"
[ "$RC" = 0 ] || once_ok=0
for e in 1 2 3; do
	[ $once_ok = 1 ] || break
	for d in $(desk_of $e) $(desk_of $((e + 1))); do
		for n in $(seq 61 100); do cp "$(art "$d" "$n")" "$O/site/$d/e$e-$n.txt"; done
	done
	cp "$(art tech $((300 + e)))" "$O/site/tech/1.txt"
	extra=""
	[ $e = 2 ] && rm "$O/site/sport/2.txt" && extra="--withdraw sport/2.txt"
	# shellcheck disable=SC2086
	run "$NP" append -s "$KEY" --timestamp "$(ts_of $e)" --no-dedup $extra \
		"$O/chain/$(ed_name $((e - 1)))" "$O/chain/$(ed_name $e)" "$O/site"
	[ "$RC" = 0 ] || { once_ok=0; show_last; }
done
expect_true "a base of 300 articles and 3 editions of 80, one replacement, one withdrawal" -- \
	test $once_ok = 1 -a -f "$O/chain/news.e0003.npk"
reads_once() { # KIND MAX CMD...: opens and bytes read per file of $O/chain under strace
	_kind=$1 _max=$2
	shift 2
	rm -rf "$O/st" && mkdir "$O/st" || return 1
	strace -ff -qq -y -s 0 -e trace=openat,open,read,pread64,readv,preadv,preadv2 -o "$O/st/t" \
		"$@" > /dev/null 2>&1
	python3 - "$_kind" "$_max" "$O/st" "$O/chain"/*.npk <<'PY'
import os, re, sys
kind, top, d, files = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4:]
real = {os.path.realpath(f): f for f in files}
opens = dict.fromkeys(real, 0)
got = dict.fromkeys(real, 0)
ev = {p: {} for p in real}
ro = re.compile(r'^(?:openat|open)\(.*\) += \d+<([^>]*)>')
rr = re.compile(r'^(?:pread64|read|readv|preadv|preadv2)\(\d+<([^>]*)>.*\) += (\d+)$')
rp = re.compile(r'^pread64\(\d+<[^>]*>, [^,]*, \d+, (\d+)\) += (\d+)$')
for t in os.listdir(d):
    for line in open(os.path.join(d, t), errors="replace"):
        line = line.rstrip("\n")
        m = ro.match(line)
        if m:
            if m.group(1) in opens:
                opens[m.group(1)] += 1
            continue
        m = rr.match(line)
        if not m or m.group(1) not in got:
            continue
        got[m.group(1)] += int(m.group(2))
        q = rp.match(line)
        if q:  # the ranges read, to count the bytes read more than once
            o, n = int(q.group(1)), int(q.group(2))
            e = ev[m.group(1)]
            e[o] = e.get(o, 0) + 1
            e[o + n] = e.get(o + n, 0) - 1
bad = 0
for p in sorted(real):
    size = os.path.getsize(p)
    cov, last, uniq = 0, 0, 0
    for x in sorted(ev[p]):
        if cov > 0:
            uniq += x - last
        cov += ev[p][x]
        last = x
    again = (got[p] - uniq) / size
    ok = opens[p] == 1 and got[p] / size <= top and again <= 0.01
    bad += not ok
    print("%s %s: %d open(s), read %.4fx its size, %.4f of it twice%s" %
          (kind, os.path.basename(p), opens[p], got[p] / size, again, "" if ok else "  <- FAIL"))
sys.exit(1 if bad else 0)
PY
}
if command -v strace > /dev/null 2>&1; then
	expect_true "verify: each file opened once and read at most 1.01x its size" -- \
		reads_once verify 1.01 "$NP" verify -q -p "$PUB" "$O/chain/news.e0003.npk"
	expect_true "check-chain: each file opened once, no document read, no range read twice" -- \
		reads_once check-chain 0.25 "$NP" check-chain -p "$PUB" "$O/chain/news.e0003.npk"
else
	fail "strace is not installed (sh scripts/deps.sh installs it): the reads are not measured"
fi

sums > "$T/sums.end"
expect_same "$T/sums.end" "$T/sums.month" "after every command above, no file of the chain changed"
finish
