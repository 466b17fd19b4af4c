#!/bin/sh
# test_hostile_search.sh - the attack suite of the full-text index
# (spec/search.md 9). tests/hostile/search.py, a second writer of the index
# made from the spec alone, writes with forge.py validly signed archives
# whose sections 7 and 11 hold a valid index (the controls) or one that
# breaks one rule of 9.2 to 9.6 (the directory's digests right, so only
# the index's own rules catch it). For each case:
#   - verify exits 0 (controls) or 1, its message naming the search index
#     and the rule (the case's text);
#   - spec/searchcheck.py --check, the second reader, exits the same;
#   - search exits as the case says for a query whose page or chunk the
#     case breaks (1, naming the search index), and 0 for a query it does
#     not touch;
#   - list and cat still work: the index is not critical (format.md 15.6).
# Then the controls answer their queries with the right documents, and
# searchcheck.py prints the postings search.py wrote. Last, an archive that
# newspack creates with --search-index (zlib, the default codec, and zstd)
# passes searchcheck.py --check, whose postings name the documents that
# newspack search finds.
. "$(dirname "$0")/lib.sh"
suite_begin hostile-search

if ! command -v python3 >/dev/null 2>&1; then
	fail "python3 is installed (tests/hostile/search.py needs it)"
	finish
fi
C="$S/cases"
PUB="$KEYS/test.pub"
SC="$top/spec/searchcheck.py"
t0=$(date +%s)
expect_exit 0 "search.py writes the index cases" -- python3 "$top/tests/hostile/search.py" "$C" || finish
info "$(cat "$OUT") in $(($(date +%s) - t0)) s"

# the paths of the hits of the last search --json, sorted, on one line
hits() {
	python3 -c 'import json,sys; print(" ".join(sorted(h["path"] for h in json.load(open(sys.argv[1]))["hits"])))' "$OUT" 2>&1
}

n=0
while IFS='	' read -r name text bad code good what; do
	n=$((n + 1))
	A="$C/$name.npk"
	case $name in
	big*) doc=b/00003.txt ;;
	*) doc=d/005.txt ;;
	esac
	vcode=1
	[ "$text" = "-" ] && vcode=0
	if expect_exit "$vcode" "$name: verify exits $vcode ($what)" -- "$NP" verify -p "$PUB" "$A"; then
		if [ "$vcode" = 1 ]; then
			cat "$OUT" "$ERR" > "$S/both"
			expect_contains "$S/both" "search index" "$name: verify names the search index" &&
				expect_contains "$S/both" "$text" "$name: and the rule (\"$text\")"
		fi
	else
		show_last
	fi
	run python3 "$SC" -p "$PUB" "$A" --check
	if [ "$RC" = "$vcode" ]; then
		pass "$name: searchcheck.py --check agrees (exit $vcode)"
	else
		fail "$name: searchcheck.py --check agrees (exit $vcode)" "got $RC"
		show_last
	fi
	if expect_exit "$code" "$name: search \"$bad\" exits $code" -- "$NP" search -p "$PUB" "$A" "$bad" &&
		[ "$code" = 1 ]; then
		expect_contains "$ERR" "search index" "$name: search names the search index"
	fi
	if [ "$good" != "-" ]; then
		expect_exit 0 "$name: search \"$good\", which reads nothing the case breaks, exits 0" -- \
			"$NP" search -p "$PUB" "$A" "$good"
	fi
	expect_exit 0 "$name: list exits 0 (the index is not critical)" -- "$NP" list -p "$PUB" "$A"
	expect_exit 0 "$name: cat $doc exits 0" -- "$NP" cat -p "$PUB" "$A" "$doc"
done < "$C/cases.tsv"
expect_true "search.py made 20 cases or more (made $n)" -- test "$n" -ge 20

# The controls answer each query with exactly its documents.
while IFS='	' read -r arch q want; do
	run "$NP" search -p "$PUB" --json -n 1000 "$C/$arch.npk" "$q"
	if [ "$RC" != 0 ]; then
		fail "$arch: search \"$q\" exits 0" "got $RC"
		show_last
		continue
	fi
	expect_eq "$(hits)" "$want" "$arch: search \"$q\" finds exactly its documents"
done < "$C/queries.tsv"

# searchcheck.py reads the postings search.py wrote (documents and tf).
sc_json() { # ARCHIVE FIELD TERM: the postings as one line, [[doc, tf], ...]
	python3 "$SC" -p "$PUB" --json "$1" "$2" "$3" 2>&1 |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["postings"])' 2>&1
}
want_json() { # KEYHEX: the postings search.py wrote for the key
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get(sys.argv[2], []))' \
		"$C/postings.json" "$1"
}
for ft in "1 harbour" "1 common" "1 even" "1 rare" "1 third" "2 qabq" "6 fr" \
	"1 zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz" "1 nowhere"; do
	set -- $ft
	hex=$(printf '%02x%s' "$1" "$(printf %s "$2" | od -An -v -tx1 | tr -d ' \n')")
	expect_eq "$(sc_json "$C/control.npk" "$1" "$2")" "$(want_json "$hex")" \
		"searchcheck.py: the postings of key $1 \"$(printf %.12s "$2")\" are search.py's"
done
run python3 "$SC" -p "$PUB" "$C/big.npk" body every
expect_contains "$OUT" 'key 1:"every": df 16500 (2 chunks)' "searchcheck.py: \\x01every of big has 2 chunks" &&
	expect_eq "$(sed -n '2p;$p' "$OUT" | tr '\n' ' ')" "0 1 16499 1 " "searchcheck.py: its first and last postings"
expect_exit 2 "searchcheck.py: no key and no --check is a usage error (exit 2)" -- python3 "$SC" "$C/control.npk"

# An archive newspack writes: searchcheck.py reads its index, and its
# postings name the documents that newspack search finds (entry numbers are
# the order of list --json). Words whose English stem is the word itself.
IN="$S/in"
mkdir -p "$IN/a" "$IN/b"
printf 'The harbour wall held in the storm.\nFishing boats stayed in port.\n' > "$IN/a/one.txt"
printf 'A storm closed the coast road.\n' > "$IN/a/two.txt"
printf 'The council met about the harbour budget.\n' > "$IN/b/three.txt"
printf '<html><body><p>Storm warning for the coast.</p><script>harbour()</script></body></html>\n' > "$IN/b/four.html"
printf 'Nothing about weather here.\n' > "$IN/b/five.txt"
entries() { # ARCHIVE: the paths of its entries, in index order, one a line
	"$NP" list --json -p "$PUB" "$1" |
		python3 -c 'import json,sys; [print(d["path"]) for d in json.load(sys.stdin)["documents"]]'
}
for codec in zlib zstd; do
	A="$S/made-$codec.npk"
	expect_exit 0 "create --search-index --codec $codec" -- \
		"$NP" create -q -s "$KEYS/test.key" --codec "$codec" --search-index "$A" "$IN" || continue
	want=1
	[ "$codec" = zstd ] && want=2
	expect_exit 0 "$codec: searchcheck.py --check reads newspack's index" -- python3 "$SC" -p "$PUB" "$A" --check &&
		expect_contains "$OUT" "codec $want" "$codec: its pages are of codec $want (the clusters' codec)"
	expect_exit 0 "$codec: verify accepts it" -- "$NP" verify -p "$PUB" "$A"
	entries "$A" > "$S/entries"
	for w in harbour storm coast wall budget weather; do
		# the documents of the key in the body or the title, as paths
		got=$(for f in 1 2; do python3 "$SC" -p "$PUB" --json "$A" "$f" "$w"; done |
			python3 -c 'import json,sys
paths = [l.rstrip("\n") for l in open(sys.argv[1])]
docs = set()
for line in sys.stdin:
    docs |= {d for d, _ in json.loads(line)["postings"]}
print(" ".join(sorted(paths[d] for d in docs)))' "$S/entries" 2>&1)
		run "$NP" search -p "$PUB" --json -n 100 "$A" "$w"
		expect_eq "$(hits)" "$got" "$codec: search \"$w\" finds the documents of searchcheck.py's postings ($got)"
	done
done
expect_eq "$got" "b/five.txt" "the last word, weather, is in one document (the cross-check compares something)"
finish
