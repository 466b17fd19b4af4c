#!/bin/sh
# test_serve_browser.sh - newspack serve in a real browser (Debian's
# chromium, headless): the DOM of the home, archive, search and article
# pages (titles, counts, a hit, the trust state, the text), screenshots in
# build/screenshots/, and the CSP check: an archived page full of scripts
# and outside addresses, loaded through its article page, runs nothing and
# sends no request outside the server (tests/serve/browser_check.py).
# Without chromium this suite fails: sh scripts/deps.sh installs it.
. "$(dirname "$0")/lib.sh"
suite_begin serve-browser

if ! command -v chromium > /dev/null 2>&1; then
	fail "chromium is installed" "chromium is missing: run sh scripts/deps.sh (as root) to install it"
	finish
fi
expect_exit 0 "fixtures written" -- python3 "$top/tests/serve/fixtures.py" "$S" || finish
expect_exit 0 "create news.npk" -- $NP create -q -s "$KEYS/test.key" --timestamp 2026-03-01 \
	--search-index "$S/news.npk" "$S/in" "$S/site.warc" || finish
python3 "$top/tests/serve/browser_check.py" browser "$NP" "$S" > "$S/browser.out" 2>&1
while IFS= read -r _l; do
	case "$_l" in
	"ok    "*) pass "${_l#ok    }" ;;
	"FAIL  "*) fail "${_l#FAIL  }" ;;
	*) printf '%s\n' "$_l" ;;
	esac
done < "$S/browser.out"
finish
