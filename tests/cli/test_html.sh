#!/bin/sh
# test_html.sh - metadata from real HTML pages (spec/metadata.md section 7).
#   - ../shared/corpus/html/readability/: newspack's title, byline, date,
#     site name and language against Mozilla Readability's expected
#     metadata (tests/html/rates.py); at least 90% of titles and 80% of
#     bylines and dates must match, and the rates are printed;
#   - pages in legacy charsets (GB2312, ISO-8859-1, windows-1250) give
#     their titles in UTF-8, and every page is stored byte for byte.
. "$(dirname "$0")/lib.sh"
suite_begin html

R="$top/../shared/corpus/html/readability"
T="$top/../shared/corpus/html/trafilatura"
if [ ! -d "$R" ]; then
	note "../shared/corpus/html is not here: nothing to measure"
	finish
fi
expect_exit 0 "an archive of the Readability test pages" -- \
	"$NP" create -q -s "$KEYS/test.key" "$S/r.npk" "$R"
expect_exit 0 "list --json of it" -- "$NP" list --json -p "$KEYS/test.pub" "$S/r.npk"
cp "$OUT" "$S/r.json"
expect_exit 0 "titles >= 90%, bylines and dates >= 80% of Readability's" -- \
	python3 "$top/tests/html/rates.py" "$S/r.json" "$R" --min title=0.9 byline=0.8 publishedTime=0.8
sed -n '1,5p' "$OUT" | while IFS= read -r line; do info "match rate: $line"; done

if [ -d "$T" ]; then
	expect_exit 0 "an archive of the trafilatura pages (legacy charsets)" -- \
		"$NP" create -q -s "$KEYS/test.key" "$S/t.npk" "$T"
	title() { "$NP" list --json -p "$KEYS/test.pub" "$S/t.npk" |
		python3 -c 'import json,sys
for d in json.load(sys.stdin)["documents"]:
    if d["path"] == sys.argv[1]: print(d["metadata"].get("title", ""))' "$1"; }
	expect_eq "$(title archive.org.he.xinhuanet.com.25340717.html)" \
		"$(printf '\350\257\235\345\211\247\343\200\212\347\272\246\345\256\232\346\227\240\346\234\237\351\231\220\343\200\213\346\262\263\345\214\227\345\220\204\345\270\202\345\267\241\346\274\224\347\273\223\346\235\237')" \
		"a GB2312 page's title comes out in UTF-8"
	expect_eq "$(title archive.org-travaillent.html)" "Les Fran$(printf '\303\247')ais travaillent-ils trop peu ?" \
		"an ISO-8859-1 page's title comes out in UTF-8"
	mkdir -p "$S/t-out"
	expect_exit 0 "extract of the trafilatura pages" -- "$NP" extract -q -p "$KEYS/test.pub" -C "$S/t-out" "$S/t.npk"
	if diff -r "$S/t-out" "$T" > "$S/diff" 2>&1; then
		pass "every page comes back byte for byte"
	else
		fail "every page comes back byte for byte"
		show_file diff "$S/diff"
	fi
fi
finish
