#!/bin/sh
# Suite "corpus": the whole shared test corpus (../shared/corpus beside the
# project) goes through create, verify, list, cat and extract unchanged:
# list prints as many paths as there are files, 20 documents spread through
# the archive cat back byte for byte, and extract gives a tree equal to the
# corpus (diff -r). Sizes and times are printed as information, not checked.
# Without the corpus the suite prints a note and 0 passed, 0 failed.
. "$(dirname "$0")/lib.sh"
suite_begin corpus

CORPUS="$top/../shared/corpus"
if [ ! -d "$CORPUS" ]; then
	note "no corpus at $CORPUS; nothing to check"
	finish
fi
CORPUS=$(cd "$CORPUS" && pwd)
TEST_ID=0D99CDDB830FBFC8
mkdir -p "$XDG_CONFIG_HOME/newspack/trusted"
cp "$KEYS/test.pub" "$XDG_CONFIG_HOME/newspack/trusted/$TEST_ID.pub"

# Seconds since the epoch; with nanoseconds where date knows %N.
now() {
	t=$(date +%s.%N 2> /dev/null)
	case $t in
	*N* | "") date +%s ;;
	*) echo "$t" ;;
	esac
}
# took START: seconds since START, to 0.01 s.
took() {
	awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f s", b - a }'
}

# What the archive must hold: every regular file. NAME.meta.json beside
# NAME would be a sidecar (metadata, not a document); the corpus is not
# expected to have any, but if it does they are left out of the counts and
# of the comparison.
(cd "$CORPUS" && find . -type f | sed 's|^\./||' | LC_ALL=C sort) > "$S/files"
grep '\.meta\.json$' "$S/files" > "$S/sidecar-candidates"
: > "$S/sidecars"
while read -r p; do
	[ -f "$CORPUS/${p%.meta.json}" ] && echo "$p" >> "$S/sidecars"
done < "$S/sidecar-candidates"
if [ -s "$S/sidecars" ]; then
	note "the corpus has $(wc -l < "$S/sidecars" | tr -d ' ') .meta.json sidecars; they are not compared"
	grep -v -x -F -f "$S/sidecars" "$S/files" > "$S/docs"
else
	info "no .meta.json sidecars in the corpus"
	cp "$S/files" "$S/docs"
fi
others=$(cd "$CORPUS" && find . ! -type f ! -type d | wc -l | tr -d ' ')
[ "$others" -gt 0 ] && note "the corpus has $others entries that are neither files nor folders (skipped by create)"
ndocs=$(wc -l < "$S/docs" | tr -d ' ')
bytes=$(cd "$CORPUS" && tr '\n' '\0' < "$S/docs" | xargs -0 cat | wc -c | tr -d ' ')
info "corpus: $ndocs documents, $bytes bytes"
# the documents whose bytes an earlier one (in path order) holds too, and their bytes
dups=$(cd "$CORPUS" && tr '\n' '\0' < "$S/docs" | xargs -0 sha256sum | awk '
	{ sub(/^\.\//, "", $2) } seen[$1]++ { n++ } END { print n + 0 }')
dupbytes=$(cd "$CORPUS" && tr '\n' '\0' < "$S/docs" | xargs -0 sha256sum | awk '
	seen[$1]++ { print $2 }' | tr '\n' '\0' | xargs -0 -r cat | wc -c | tr -d ' ')

A="$S/corpus.npk"
t0=$(now)
expect_exit 0 "create of the whole corpus exits 0" -- \
	"$NP" create -s "$KEYS/test.key" --timestamp 2025-01-24T00:00:00Z --meta title="newspack test corpus" "$A" "$CORPUS" &&
	expect_contains "$OUT" "$ndocs documents" "create reports $ndocs documents"
info "create: $(took "$t0"); archive $(file_size "$A") bytes for $bytes bytes of documents" \
	"($(awk -v a="$(file_size "$A")" -v b="$bytes" 'BEGIN { printf "%.1f%%", b ? 100 * a / b : 0 }'))"
[ -s "$ERR" ] && info "create warnings: $(wc -l < "$ERR" | tr -d ' ') lines, first: $(head -n 1 "$ERR")"

t0=$(now)
expect_exit 0 "verify of the corpus archive exits 0" -- "$NP" verify "$A" &&
	expect_contains "$OUT" "OK  $A: signature by trusted key $TEST_ID; $ndocs documents" "verify says OK for $ndocs documents"
info "verify: $(took "$t0")"

t0=$(now)
expect_exit 0 "info --json of the corpus archive" -- "$NP" info --json "$A" &&
	expect_contains "$OUT" "\"documents\": $ndocs," "info counts $ndocs documents" &&
	expect_contains "$OUT" "\"content_bytes\": $((bytes - dupbytes))," \
		"info counts $((bytes - dupbytes)) content bytes: each content once" &&
	expect_contains "$OUT" "\"dedup_documents\": $dups," "info counts the $dups duplicate files" &&
	expect_contains "$OUT" "\"dedup_bytes\": $dupbytes," "and their $dupbytes bytes"
info "clusters: $(sed -n 's/^ *"clusters": \([0-9]*\),$/\1/p' "$OUT"), index pages: $(sed -n 's/^ *"index_pages": \([0-9]*\),$/\1/p' "$OUT")"

t0=$(now)
expect_exit 0 "list of the corpus archive exits 0" -- "$NP" list "$A"
info "list: $(took "$t0")"
cp "$OUT" "$S/listed"
expect_eq "$(wc -l < "$S/listed" | tr -d ' ')" "$ndocs" "list prints as many paths as find counts files ($ndocs)"
expect_same "$S/listed" "$S/docs" "list prints exactly the corpus's file paths, in byte order"

# 20 documents spread through the archive: every (n/20)th listed path.
step=$((ndocs / 20))
[ "$step" -lt 1 ] && step=1
awk -v s="$step" 'NR % s == 1 || s == 1' "$S/listed" | head -n 20 > "$S/picked"
t0=$(now)
while read -r p; do
	expect_exit 0 "cat $p" -- "$NP" cat "$A" "$p" &&
		expect_same "$OUT" "$CORPUS/$p" "cat $p is byte for byte the file"
done < "$S/picked"
info "cat of $(wc -l < "$S/picked" | tr -d ' ') documents: $(took "$t0")"

mkdir -p "$S/out"
t0=$(now)
expect_exit 0 "extract of the corpus archive exits 0" -- "$NP" extract -q -C "$S/out" "$A"
info "extract: $(took "$t0")"
if [ -s "$S/sidecars" ]; then
	set -- -x '*.meta.json'
else
	set --
fi
if diff -r "$@" "$CORPUS" "$S/out" > "$S/diff.out" 2>&1; then
	pass "extract gives back every file of the corpus byte for byte (diff -r)"
else
	fail "extract gives back every file of the corpus byte for byte (diff -r)"
	show_file diff "$S/diff.out"
fi
(cd "$S/out" && find . -type f | wc -l | tr -d ' ') > "$S/nout"
expect_eq "$(cat "$S/nout")" "$ndocs" "extract wrote $ndocs files, no more"

# The extracted tree is large: keep the scratch folder small when all went well.
[ "$FAILED" -eq 0 ] && rm -rf "$S/out"
finish
