#!/bin/sh
# test_search.sh - full-text search (issue 17; spec/search.md 8-10): create
# --search-index, the same bytes with 1 and 2 threads, verify of the index,
# words in every script (stems, Korean particles, Chinese bigrams, Arabic
# and Russian stems, Ukrainian forms), fields, dates, phrases checked on the
# text, AND/OR/NOT, --json, -n; an edition chain (replaced and withdrawn
# versions never shown, --at), several archives at once; search-index of an
# existing archive (the original unchanged, every document the same);
# exit codes: a bad query, 10,000 terms and 1 MB refused (2), no index (2,
# saying how to add one), an untrusted signer (3), a damaged term page
# (1, naming it, while the other pages still answer).
. "$(dirname "$0")/lib.sh"
suite_begin search

KEY="$KEYS/test.key"
PUB="$KEYS/test.pub"
OTHER="$KEYS/other.pub"
MK="$NP create -q -s $KEY --timestamp 2026-03-01"
SR="$NP search -p $PUB"
# paths of the hits of the last --json search, one a line
hits() { python3 -c 'import json,sys; [print(h["path"]) for h in json.load(open(sys.argv[1]))["hits"]]' "$OUT"; }
jget() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$OUT" "$1"; }
# expect_hits DESC QUERY PATH...: the hits of QUERY are exactly PATH... (any order)
expect_hits() {
	_d=$1
	_q=$2
	shift 2
	run $SR --json -n 50 "$A" "$_q"
	if [ "$RC" != 0 ]; then
		fail "$_d" "exit code $RC"
		show_last
		return
	fi
	_got=$(hits | sort | tr '\n' ' ')
	_want=$(printf '%s\n' "$@" | sed '/^$/d' | sort | tr '\n' ' ')
	if [ "$_got" = "$_want" ]; then
		pass "$_d"
	else
		fail "$_d" "query: $_q" "want: $_want" "got:  $_got"
	fi
}

# ---- the articles: our own fixtures, one language each, with metadata
IN="$S/in"
mkdir -p "$IN/en" "$IN/ko" "$IN/zh" "$IN/ru" "$IN/uk" "$IN/ar" "$IN/md"
cat > "$IN/en/harbour.txt" <<'EOF'
Councils approve harbour wall repairs

By Ellis Marlowe - Town Hall Bureau March 3, 2025

The harbour councils approved the repairs of the old sea wall on Monday.
Engineers said the wall would protect the fish market from winter storms.
EOF
cat > "$IN/en/library.txt" <<'EOF'
Library wins grant for newspaper scans

By Priya Castell - Culture Desk May 14, 2025

The public library will scan a century of bound newspapers. The harbour
museum lent two volumes. Budget talks with the council continue.
EOF
cat > "$IN/en/storm.txt" <<'EOF'
Storm closes coast road

By Ellis Marlowe - Weather Desk January 20, 2024

A winter storm closed the coast road. The wall held.
EOF
printf '정부는 새 예산안을 발표했다. 국회가 예산을 심사한다.\n' > "$IN/ko/budget.txt"
printf '한국 정부가 항구 보수를 승인했다.\n' > "$IN/ko/harbour.txt"
printf '中华人民共和国国务院发布新的预算方案。\n' > "$IN/zh/budget.txt"
printf 'Городской совет утвердил бюджет. Советы обсудили ремонт стены.\n' > "$IN/ru/council.txt"
printf 'Міська рада затвердила бюджет міста на наступний рік.\n' > "$IN/uk/budget.txt"
printf 'وافق المجلس على الميزانية الجديدة للمدينة.\n' > "$IN/ar/budget.txt"
cat > "$IN/md/tide.md" <<'EOF'
---
title: Spring tides reach the quay
author: Jane Doe
date: 2023-04-09
language: en
---
# Spring tides reach the quay

Water covered the quay twice this week, the harbour master said.
EOF

# ---- create with the index: the same bytes with 1 and 2 threads
A="$S/news.npk"
expect_exit 0 "create --search-index" -- $MK -j 2 --search-index "$A" "$IN" || finish
expect_exit 0 "create --search-index -j 1" -- $MK -j 1 --search-index "$S/news1.npk" "$IN"
if cmp -s "$A" "$S/news1.npk"; then pass "index bytes identical for 1 and 2 threads"
else fail "index bytes identical for 1 and 2 threads" "$(cmp "$A" "$S/news1.npk")"; fi
expect_exit 0 "create --json gives the index's size" -- \
	$NP create -s "$KEY" --timestamp 2026-03-01 --json --search-index "$S/news2.npk" "$IN"
expect_true "index_bytes and index_keys" [ "$(jget index_bytes)" -gt 0 -a "$(jget index_keys)" -gt 50 ]
expect_exit 0 "verify checks the index" -- $NP verify -p "$PUB" "$A"
expect_contains "$OUT" "(3 known, 0 unknown" "verify knows the index's two sections"

# ---- words, in every language
expect_hits "an English word, any form (councils: council)" "council" \
	en/harbour.txt en/library.txt
expect_hits "a stem of the query finds the plural" "repair" en/harbour.txt
expect_hits "case and the title both" "STORM" en/storm.txt en/harbour.txt
expect_hits "Korean: 정부 finds 정부는 and 정부가" "정부" ko/budget.txt ko/harbour.txt
expect_hits "Korean: 예산 inside 예산안을 and 예산을" "예산" ko/budget.txt
expect_hits "Chinese: a word inside a run (bigrams)" "国务院" zh/budget.txt
expect_hits "Russian: stems (совет finds Советы and совет)" "советы" ru/council.txt
expect_hits "Ukrainian: the form written" "бюджет" uk/budget.txt ru/council.txt
expect_hits "Arabic: the article and stem (ميزانية)" "ميزانية" ar/budget.txt
expect_hits "two words: both" "harbour wall" en/harbour.txt
expect_hits "OR" "storm OR library" en/storm.txt en/library.txt en/harbour.txt
expect_hits "NOT" "wall -coast" en/harbour.txt
expect_hits "NOT takes every form (storms)" "wall -storm"
expect_hits "grouping" "(storm OR library) -scan" en/storm.txt en/harbour.txt
expect_hits "a phrase in order" '"sea wall"' en/harbour.txt
expect_hits "a phrase's words out of order do not match" '"wall sea"'
expect_hits "a phrase as a NOT" 'wall -"sea wall"' en/storm.txt
expect_hits "title:" "title:grant" en/library.txt
expect_hits "author:" "author:marlowe" en/harbour.txt en/storm.txt
expect_hits "author from front matter" 'author:"jane doe"' md/tide.md
expect_hits "section: (the byline's desk)" "section:weather" en/storm.txt
expect_hits "lang: detected from the text" "lang:ko 정부" ko/budget.txt ko/harbour.txt
expect_hits "lang: from metadata" "lang:en quay" md/tide.md
expect_hits "a date range" "date:2025-01..2025-06" en/harbour.txt en/library.txt
expect_hits "a date range and a word" "date:2024 wall" en/storm.txt
expect_hits "an open date range" "date:..2023-12-31" md/tide.md
expect_hits "no match is no error" "submarine"

# ---- what is shown
expect_exit 0 "--json" -- $SR --json "$A" "harbour wall"
python3 - "$OUT" > "$S/check" 2>&1 <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
h = d["hits"][0]
assert d["query"] == "harbour wall" and d["matched"] == 1 and d["matched_exact"] is True
assert h["path"] == "en/harbour.txt" and h["title"] == "Councils approve harbour wall repairs"
assert h["date"] == "2025-03-03" and h["score"] > 0
s = h["snippet"].encode()
words = [s[a:b].decode().lower() for a, b in h["marks"]]
assert "harbour" in words and "wall" in words, words
print("ok")
EOF
expect_contains "$S/check" ok "--json: path, title, date, score, snippet with the words marked"
expect_exit 0 "text output" -- $SR "$A" "harbour"
expect_contains "$OUT" "**harbour**" "text output marks the words"
expect_contains "$OUT" "documents match harbour" "text output counts the matches"
expect_exit 0 "-n 1" -- $SR --json -n 1 "$A" "council"
expect_eq "$(hits | wc -l | tr -d ' ')" 1 "-n 1 shows one hit"
expect_exit 0 "--no-snippets" -- $SR --json --no-snippets "$A" "council"
expect_contains "$OUT" '"snippet": null' "--no-snippets shows none"

# ---- bad queries and archives
expect_exit 2 "an unclosed quote" -- $SR "$A" '"harbour wall'
expect_contains "$ERR" "unclosed quote" "says what is wrong"
Q10K=$(python3 -c 'print(" ".join("w%d" % i for i in range(10000)))')
expect_exit 2 "a query of 10,000 terms" -- $SR "$A" "$Q10K"
expect_contains "$ERR" "4096" "names the limit"
python3 -c 'print("a " * 524288)' > "$S/q1m"
expect_exit 2 "a query of 1 MB (--query-file)" -- $SR -f "$S/q1m" "$A"
expect_contains "$ERR" "at most 4096" "says the limit"
python3 -c 'print("ab " * 40000)' > "$S/q120k"
expect_exit 2 "a query of 120 KB" -- $SR "$A" "$(cat "$S/q120k")"
printf 'harbour wall\n' > "$S/q"
expect_exit 0 "--query-file" -- $SR --json -f "$S/q" "$A"
expect_eq "$(hits | tr '\n' ' ')" "en/harbour.txt " "--query-file: the query of the file"
expect_exit 2 "only a negation" -- $SR "$A" -- "-storm"
expect_contains "$ERR" "negation" "says the query only excludes"
expect_exit 0 "options after the query, as the synopsis shows them" -- $SR "$A" "council" -n 1 --json
expect_eq "$(hits | wc -l | tr -d ' ')" 1 "-n 1 after the query shows one hit"
expect_exit 0 "a query that begins with - after --" -- $SR --json "$A" -- "-coast wall"
expect_eq "$(hits | tr '\n' ' ')" "en/harbour.txt " "-coast wall: wall without coast"
expect_exit 2 "a bad date" -- $SR "$A" "date:2025-13"
expect_exit 0 "create without an index" -- $MK "$S/plain.npk" "$IN"
expect_exit 2 "an archive without an index" -- $SR "$S/plain.npk" "harbour"
expect_contains "$ERR" "newspack search-index" "says how to add one"
expect_exit 3 "an untrusted signer" -- $NP search -p "$OTHER" "$A" "harbour"

# ---- search-index: an existing archive, indexed into a new file
cp "$S/plain.npk" "$S/plain.copy"
expect_exit 0 "search-index ARCHIVE OUT" -- \
	$NP search-index -q -s "$KEY" --timestamp 2026-03-02 "$S/plain.npk" "$S/indexed.npk"
if cmp -s "$S/plain.npk" "$S/plain.copy"; then pass "the original is unchanged"
else fail "the original is unchanged"; fi
expect_exit 0 "search the new file" -- $SR --json "$S/indexed.npk" "정부"
expect_eq "$(hits | sort | tr '\n' ' ')" "ko/budget.txt ko/harbour.txt " "it finds what the created index finds"
same=0
for f in en/harbour.txt ko/budget.txt md/tide.md; do
	$NP cat -p "$PUB" "$S/indexed.npk" "$f" > "$S/got" 2>/dev/null && cmp -s "$S/got" "$IN/$f" &&
		same=$((same + 1))
done
expect_eq "$same" 3 "its documents are byte for byte the originals"
expect_exit 0 "verify the new file" -- $NP verify -p "$PUB" "$S/indexed.npk"
expect_exit 2 "search-index wants ARCHIVE and OUT" -- $NP search-index -s "$KEY" "$S/plain.npk"

# ---- several archives at once
mkdir -p "$S/in2"
printf 'Harbour pilots strike for a day.\n' > "$S/in2/pilots.txt"
expect_exit 0 "a second archive" -- $MK --search-index "$S/second.npk" "$S/in2"
expect_exit 0 "search two archives" -- $SR --json "$A" "$S/second.npk" "harbour"
python3 - "$OUT" "$S/second.npk" > "$S/check" 2>&1 <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
arcs = {h["archive"] for h in d["hits"]}
assert sys.argv[2] in arcs and len(arcs) == 2, arcs
print("ok")
EOF
expect_contains "$S/check" ok "hits from both archives, each named"

# ---- an edition chain: what was replaced or withdrawn is never shown
C="$S/chain"
mkdir -p "$C/in"
printf 'Harbour council votes on the flood wall.\n' > "$C/in/a.txt"
printf 'Library budget grows again.\n' > "$C/in/b.txt"
printf 'Storm closes harbour road.\n' > "$C/in/c.txt"
expect_exit 0 "a base with an index" -- $MK --search-index "$C/base.npk" "$C/in"
printf 'Harbour council rejects the flood wall.\n' > "$C/in/a.txt"
expect_exit 0 "an edition with an index replaces a.txt" -- \
	$NP append -q -s "$KEY" --timestamp 2026-03-02 --search-index "$C/base.npk" "$C/e1.npk" "$C/in"
expect_exit 0 "an edition withdraws c.txt" -- \
	$NP append -q -s "$KEY" --timestamp 2026-03-03 --withdraw c.txt --reason "test" "$C/e1.npk" "$C/e2.npk"
expect_exit 0 "search the chain" -- $SR --json "$C/e2.npk" "harbour"
expect_eq "$(hits | tr '\n' ' ')" "a.txt " "only the current a.txt: c.txt withdrawn"
expect_exit 0 "the replaced version's words" -- $SR --json "$C/e2.npk" "votes"
expect_eq "$(hits | wc -l | tr -d ' ')" 0 "the replaced version is never shown"
expect_exit 0 "the new version's words" -- $SR --json "$C/e2.npk" "rejects"
expect_eq "$(hits | tr '\n' ' ')" "a.txt " "the new version is found"
expect_exit 0 "--at 0: the base's state" -- $SR --json --at 0 "$C/e2.npk" "votes"
expect_eq "$(hits | tr '\n' ' ')" "a.txt " "the base's version at edition 0"
expect_exit 0 "a file without an index is counted" -- $SR --json "$C/e2.npk" "library"
expect_eq "$(jget unindexed_files)" 1 "unindexed_files: the withdrawal's edition"
expect_exit 2 "search-index of an edition" -- $NP search-index -s "$KEY" "$C/e2.npk" "$S/x.npk"
expect_contains "$ERR" "append --search-index=all" "says how to index a chain"
# a chain made without indexes, then one edition indexing all of it
P="$S/plainchain"
mkdir -p "$P/in" "$P/in2"
printf 'Lighthouse keeper retires.\n' > "$P/in/keeper.txt"
printf 'Ferry timetable changes.\n' > "$P/in/ferry.txt"
expect_exit 0 "a base without an index" -- $MK "$P/base.npk" "$P/in"
printf 'Ferry timetable changes again for the lighthouse.\n' > "$P/in/ferry.txt"
expect_exit 0 "an edition without an index" -- \
	$NP append -q -s "$KEY" --timestamp 2026-03-02 "$P/base.npk" "$P/e1.npk" "$P/in"
expect_exit 2 "the chain has no index" -- $SR "$P/e1.npk" "ferry"
printf 'Lighthouse opens to visitors.\n' > "$P/in2/visit.txt"
expect_exit 0 "append --search-index=all" -- \
	$NP append -q -s "$KEY" --timestamp 2026-03-03 --search-index=all "$P/e1.npk" "$P/e2.npk" "$P/in2"
expect_exit 0 "search the whole chain" -- $SR --json "$P/e2.npk" "lighthouse"
expect_eq "$(hits | sort | tr '\n' ' ')" "ferry.txt keeper.txt visit.txt " \
	"every file's documents, the current versions"
expect_eq "$(jget unindexed_files)" 0 "no file left unindexed"
expect_exit 0 "the replaced version is not shown" -- $SR --json "$P/e2.npk" "timetable"
expect_eq "$(hits | tr '\n' ' ')" "ferry.txt " "the new ferry.txt"
expect_exit 0 "check-chain of the indexed chain" -- $NP check-chain -p "$PUB" "$P/e2.npk"
expect_exit 0 "verify of the indexed chain" -- $NP verify -p "$PUB" "$P/e2.npk"

# ---- a damaged term page: named, exit 1; the other pages still answer
D="$S/damage"
mkdir -p "$D/in"
python3 - "$D/in" <<'EOF'
import sys
# many distinct words: several term pages
words = ["zq%05dx" % i for i in range(40000)]
for k in range(8):
    with open("%s/words%d.txt" % (sys.argv[1], k), "w") as f:
        f.write("alpha " + " ".join(words[k * 5000:(k + 1) * 5000]) + "\n")
EOF
expect_exit 0 "an archive of several term pages" -- $MK --search-index "$D/d.npk" "$D/in"
python3 - "$D/d.npk" > "$S/pages" <<'EOF'
import struct, sys
b = bytearray(open(sys.argv[1], "rb").read())
r = b.index(b"NPKSRCH1")
lo, hi, docs, total, keys, tp, np_ = struct.unpack_from("<QQQQQII", b, r + 8)
vl = struct.unpack_from("<H", b, r + 58)[0]
at = r + 64 + vl + 16 * b[r + 57]
pages = []
for i in range(tp):
    off, stored, raw = struct.unpack_from("<QII", b, at)
    fl = b[at + 48]
    pages.append((off, stored, bytes(b[at + 49:at + 49 + fl])))
    at += 49 + fl
noff, nst = struct.unpack_from("<QI", b, at + 48 * (np_ - 1))
post = r - (noff + nst)
k = tp // 2
off, stored, first = pages[k]
b[post + off + stored // 2] ^= 0x40
open(sys.argv[1], "wb").write(b)
print(tp, k, first[1:].decode())
EOF
npages=$(cut -d' ' -f1 "$S/pages")
bad=$(cut -d' ' -f2 "$S/pages")
badkey=$(cut -d' ' -f3 "$S/pages")
expect_true "the index has several term pages ($npages)" [ "$npages" -ge 3 ]
expect_exit 1 "a word on the damaged page" -- $SR "$D/d.npk" "$badkey"
expect_contains "$ERR" "term page $bad" "names the page"
expect_exit 0 "a word on another page still answers" -- $SR --json "$D/d.npk" "zq00001x"
expect_eq "$(hits | tr '\n' ' ')" "words0.txt " "and finds its document"
expect_exit 1 "verify reports the damage" -- $NP verify -p "$PUB" "$D/d.npk"
expect_contains "$OUT" "search index" "verify names the index"

# ---- a damaged cluster of a hit: the snippet's text is read on two threads,
# and the damage is still named, exit 1; --no-snippets reads no document
K="$S/cluster"
mkdir -p "$K/in"
for i in $(seq 1 40); do
	printf 'Tide report %d\n\nThe tide table number %d, with the word quay%d.\n' "$i" "$i" "$i" > "$K/in/t$i.txt"
done
expect_exit 0 "an archive of small clusters" -- $MK --cluster-size 512 --search-index "$K/k.npk" "$K/in"
python3 - "$K/k.npk" <<'EOF'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
first = b.index(b"NPKC")
second = b.index(b"NPKC", first + 4)
b[second + 40] ^= 0xFF
open(sys.argv[1], "wb").write(b)
EOF
expect_exit 1 "a hit in the damaged cluster" -- $SR "$K/k.npk" "tide"
expect_contains "$ERR" "cluster 1" "names the cluster"
expect_contains "$ERR" "digest mismatch" "says what is wrong"
expect_exit 0 "--no-snippets reads no document" -- $SR --json --no-snippets "$K/k.npk" "tide"
expect_eq "$(hits | wc -l | tr -d ' ')" 10 "and shows the 10 best"

# ---- a word in many texts and a few titles: the title's hits are added
# to the text's (summed where both hold it, put in order where only the
# title does), and the set stays in order for the ANDs and NOTs after
Z="$S/zebra"
mkdir -p "$Z/in"
for i in $(seq 1 330); do
	printf -- '---\ntitle: Street report %d\n---\nA zebra was seen on street %d.\n' "$i" "$i" > "$Z/in/b$i.md"
done
for i in 1 2 3; do
	printf -- '---\ntitle: Zebra crossing %d\n---\nThe zebra crossing %d was painted.\n' "$i" "$i" > "$Z/in/both$i.md"
done
for i in 1 2; do
	printf -- '---\ntitle: Zebra crossing plan %d\n---\nThe council met about roads %d.\n' "$i" "$i" > "$Z/in/title$i.md"
done
expect_exit 0 "an archive of a word in 335 documents, 5 of them with it in the title" -- \
	$MK --search-index "$Z/z.npk" "$Z/in"
expect_exit 0 "the word" -- $SR --json --no-snippets -n 1000 "$Z/z.npk" "zebra"
expect_eq "$(jget matched)" 335 "every document with it, in the text or the title"
expect_eq "$(hits | grep -c -E '^(both|title)')" 5 "the ones with it in the title among them"
expect_eq "$(hits | sed -n 1,5p | grep -c -E '^(both|title)')" 5 "and first, their title weighing more"
expect_exit 0 "the word and a word of the titles only" -- \
	$SR --json --no-snippets -n 1000 "$Z/z.npk" "zebra plan"
expect_eq "$(hits | sort | tr '\n' ' ')" "title1.md title2.md " "the two documents of both"
expect_exit 0 "the word without a word of the titles" -- \
	$SR --json --no-snippets -n 1000 "$Z/z.npk" "zebra -plan"
expect_eq "$(jget matched)" 333 "all but those two"
expect_eq "$(hits | grep -c '^title')" 0 "and neither of them"

finish
