#!/bin/sh
# test_serve.sh - newspack serve (issue 18) over real sockets: the JSON API
# against list --json, cat and search --json byte for byte (a document over
# 16 MiB, streamed, included); the pages (home, archive, browse, search,
# article, Markdown with raw HTML escaped, archived HTML in a sandboxed
# frame with every address rewritten to the server, WARC captures linking
# to each other, raw bytes as sandboxed downloads); HTTP edge cases (HEAD,
# 404, 405, 414, %-encoded traversal, invalid UTF-8, bodies); an untrusted
# archive, tokens and passwords; damaged documents (an error page, a JSON
# error, a stream cut off); 200 clients for 30 s with the peak memory.
# The HTTP side is tests/serve/serve_check.py (Python's standard library),
# whose ok/FAIL lines are counted here.
. "$(dirname "$0")/lib.sh"
suite_begin serve

KEY="$KEYS/test.key"
PUB="$KEYS/test.pub"
OTHER="$KEYS/other.pub"
MK="$NP create -q -s $KEY --timestamp 2026-03-01"
LOAD_SECONDS=${NPK_SERVE_LOAD_SECONDS:-30}

# counts the ok/FAIL lines of FILE; prints every line
count_lines() {
	while IFS= read -r _l; do
		case "$_l" in
		"ok    "*) pass "${_l#ok    }" ;;
		"FAIL  "*) fail "${_l#FAIL  }" ;;
		*) printf '%s\n' "$_l" ;;
		esac
	done < "$1"
}

# ---- the fixtures and archives
expect_exit 0 "fixtures written" -- python3 "$top/tests/serve/fixtures.py" "$S" || finish
expect_exit 0 "create news.npk (text, Markdown, HTML, a link, a folder, a WARC)" -- \
	$MK --search-index "$S/news.npk" "$S/in" "$S/site.warc" || finish
expect_exit 0 "create big.npk (a document over 16 MiB)" -- $MK "$S/big.npk" "$S/big" || finish
expect_exit 0 "create damage.npk" -- $MK "$S/damage.npk" "$S/hurt"
cp "$S/big.npk" "$S/bigdmg.npk"
# a byte of the payload of damage.npk's only cluster, and of the cluster
# after big.npk's last full one (1 MiB of incompressible bytes): the one
# holding big.bin's last bytes
python3 - "$S/damage.npk" "$S/bigdmg.npk" <<'PY'
import sys
for f, big in ((sys.argv[1], 0), (sys.argv[2], 1)):
    b = bytearray(open(f, "rb").read())
    at, starts = 0, []
    while True:
        at = b.find(b"NPKC", at)
        if at < 0:
            break
        starts.append(at)
        at += 4
    k = 0
    if big:
        k = max(i for i in range(1, len(starts)) if starts[i] - starts[i - 1] > 1000000)
    b[starts[k] + 60] ^= 0xFF
    open(f, "wb").write(b)
PY
expect_exit 1 "cat of the damaged document fails" -- $NP cat -p "$PUB" "$S/damage.npk" hurt.txt
expect_exit 1 "cat of the damaged HTML document fails" -- $NP cat -p "$PUB" "$S/damage.npk" hurt.html
expect_exit 1 "cat of the damaged big document fails" -- $NP cat -p "$PUB" "$S/bigdmg.npk" big.bin

# an edition chain: a.txt replaced, c.txt withdrawn
C="$S/chain"
mkdir -p "$C/in"
printf 'Harbour council votes on the flood wall.\n' > "$C/in/a.txt"
printf 'Library budget grows again.\n' > "$C/in/b.txt"
printf 'Storm closes harbour road.\n' > "$C/in/c.txt"
expect_exit 0 "a chain's base" -- $MK --search-index "$C/base.npk" "$C/in"
printf 'Harbour council rejects the flood wall.\n' > "$C/in/a.txt"
expect_exit 0 "an edition replacing a.txt" -- \
	$NP append -q -s "$KEY" --timestamp 2026-03-02 --search-index "$C/base.npk" "$C/e1.npk" "$C/in"
expect_exit 0 "an edition withdrawing c.txt" -- \
	$NP append -q -s "$KEY" --timestamp 2026-03-03 --withdraw c.txt --reason test "$C/e1.npk" "$C/e2.npk"

# ---- refusals at start
expect_exit 3 "an untrusted signer without --allow-untrusted: exit 3" -- \
	timeout 20 $NP serve -p "$OTHER" --listen 127.0.0.1:0 "$S/news.npk"
expect_contains "$ERR" "trust" "and says why"
expect_exit 2 "--listen 0.0.0.0 without a token or password: exit 2" -- \
	timeout 20 $NP serve -p "$PUB" --listen 0.0.0.0:18999 "$S/news.npk"
expect_contains "$ERR" "--token-file" "and names --token-file"
expect_exit 2 "--listen [::]:PORT without a token or password: exit 2" -- \
	timeout 20 $NP serve -p "$PUB" --listen "[::]:18999" "$S/news.npk"
printf 'short\n' > "$S/short-token"
expect_exit 2 "a token of fewer than 8 characters: exit 2" -- \
	timeout 20 $NP serve -p "$PUB" --token-file "$S/short-token" --listen 127.0.0.1:0 "$S/news.npk"
expect_exit 2 "no archive: exit 2" -- timeout 20 $NP serve -p "$PUB"
expect_exit 2 "a bad --listen: exit 2" -- timeout 20 $NP serve -p "$PUB" --listen 127.0.0.1:99999 "$S/news.npk"

# ---- the HTTP side
python3 "$top/tests/serve/serve_check.py" check "$NP" "$S" > "$S/check.out" 2>&1
count_lines "$S/check.out"
python3 "$top/tests/serve/serve_check.py" load "$NP" "$S" "$LOAD_SECONDS" 200 > "$S/load.out" 2>&1
count_lines "$S/load.out"

finish
