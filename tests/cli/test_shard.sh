#!/bin/sh
# Suite "shard": the recipe of README.md "Packing on several machines", run
# end to end on this machine: the first sh block of that section, taken
# from the README and run with `--sshlogin 2/:` (two jobs here) for its
# hosts, over a collection made here (three years of articles, copies of
# one story within a year and across years, a scan larger than a cluster,
# names with a space and with UTF-8). Then:
#   (1) one share per year, each verifies;
#   (2) the merged archive verifies; its list is the sorted list of the
#       collection's files; cat of a few documents (the copies, the scan)
#       gives their bytes;
#   (3) merge --json: every document and input counted, every cluster
#       copied verbatim (the shares' paths do not overlap), and the summary
#       says so;
#   (4) the same shares, key and SOURCE_DATE_EPOCH merge to the same bytes.
# GNU parallel is required (scripts/deps.sh installs it): without it the
# suite fails.
. "$(dirname "$0")/lib.sh"
suite_begin shard

for tool in parallel python3 find; do
	if ! command -v "$tool" > /dev/null 2>&1; then
		fail "$tool is installed (scripts/deps.sh installs it): the recipe of README.md needs it"
		finish
	fi
done
info "$(parallel --version 2>/dev/null | head -n 1)"
PUB="$KEYS/test.pub"
jget() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }
SOURCE_DATE_EPOCH=1767225600   # 2026-01-01: shares and merge alike
export SOURCE_DATE_EPOCH

# ---- the collection: news/YEAR/DESK/NN.txt
NEWS="$S/srv/news"
mkdir -p "$NEWS"
for y in 2022 2023 2024; do
	for desk in politics sport culture; do
		mkdir -p "$NEWS/$y/$desk"
		for i in 01 02 03 04 05 06; do
			{
				printf 'The %s %s story number %s\n\n' "$desk" "$y" "$i"
				printf 'By Ann Lee - %s Desk March %d, %s\n\n' "$desk" "${i#0}" "$y"
				j=0
				while [ "$j" -lt $((20 * ${i#0})) ]; do
					printf 'Line %d of the %s report from %s, filed in %s.\n' "$j" "$desk" "$y" "$i"
					j=$((j + 1))
				done
			} > "$NEWS/$y/$desk/$i.txt"
		done
	done
done
mkdir -p "$NEWS/2023/wire" "$NEWS/2024/wire" "$NEWS/2024/scans"
cp "$NEWS/2022/politics/01.txt" "$NEWS/2023/wire/repeat.txt"     # a copy in another year
cp "$NEWS/2024/sport/02.txt" "$NEWS/2024/wire/same story.txt"     # a copy in the same year
printf 'Caf\303\251 society returns.\n' > "$NEWS/2023/culture/caf$(printf '\303\251').txt"
head -c 1500000 /dev/urandom > "$NEWS/2024/scans/page-001.bin"     # more than a cluster
(cd "$NEWS" && find . -type f -printf '%P\n' | LC_ALL=C sort) > "$S/expected.list"
info "$(wc -l < "$S/expected.list" | tr -d ' ') files in 3 years"
cp "$KEYS/test.key" "$S/srv/news.key"

# ---- the recipe, as README.md writes it, with this machine for its hosts
awk '/^## Packing on several machines$/ { f = 1; next }
     f && /^## / { exit }
     f && /^```sh$/ { code = 1; next }
     code && /^```$/ { exit }
     code { print }' "$top/README.md" > "$S/recipe.readme"
expect_contains "$S/recipe.readme" "parallel --sshlogin host1,host2" \
	"README.md \"Packing on several machines\" has the recipe, with parallel --sshlogin"
expect_contains "$S/recipe.readme" "newspack merge" "the recipe ends with newspack merge"
# newspack is this build; /srv/news is the collection made above
sed -e 's|--sshlogin host1,host2|--sshlogin 2/:|' -e "s|/srv/news|$NEWS|" \
	-e "s|newspack |$NP |g" "$S/recipe.readme" > "$S/recipe.sh"
expect_exit 0 "the recipe runs (two jobs here, then merge)" -- sh "$S/recipe.sh"
cp "$OUT" "$S/recipe.out"
MERGED="$S/srv/news.npk"

# ---- (1) the shares
for y in 2022 2023 2024; do
	expect_exit 0 "share $y verifies" -- "$NP" verify -p "$PUB" "$S/srv/shares/$y.npk"
done
expect_eq "$(ls "$S/srv/shares" | tr '\n' ' ')" "2022.npk 2023.npk 2024.npk " "one share per year, nothing else"

# ---- (2) the merged archive
expect_exit 0 "the merged archive verifies" -- "$NP" verify -p "$PUB" "$MERGED" || finish
expect_exit 0 "list of the merged archive" -- "$NP" list -p "$PUB" "$MERGED"
expect_same "$OUT" "$S/expected.list" "it lists every file of the collection, in path order"
for p in 2022/politics/01.txt 2023/wire/repeat.txt "2024/wire/same story.txt" \
	"2023/culture/caf$(printf '\303\251').txt" 2024/scans/page-001.bin 2024/culture/06.txt; do
	expect_exit 0 "cat $p" -- "$NP" cat -p "$PUB" "$MERGED" "$p" &&
		expect_same "$OUT" "$NEWS/$p" "cat $p gives its bytes"
done

# ---- (3) what merge says
expect_exit 0 "merge --json of the same shares" -- \
	"$NP" merge -s "$S/srv/news.key" --json "$S/again.npk" "$S/srv/shares/2022.npk" \
	"$S/srv/shares/2023.npk" "$S/srv/shares/2024.npk"
cp "$OUT" "$S/merge.json"
expect_eq "$(jget "$S/merge.json" documents)" "$(wc -l < "$S/expected.list" | tr -d ' ')" \
	"--json: documents is the number of files"
expect_eq "$(jget "$S/merge.json" inputs)" 3 "--json: inputs 3"
clusters=$(jget "$S/merge.json" clusters)
expect_true "--json: the shares have clusters ($clusters)" -- [ "$clusters" -ge 3 ]
expect_eq "$(jget "$S/merge.json" clusters_copied)" "$clusters" \
	"--json: every cluster copied verbatim (the shares' paths do not overlap)"
if grep -Eq "(^|[^0-9])$clusters of $clusters( clusters)? copied" "$S/recipe.out"; then
	pass "the recipe's merge summary says all $clusters clusters were copied"
else
	fail "the recipe's merge summary says all $clusters clusters were copied"
	show_file recipe.out "$S/recipe.out"
fi

# ---- (4) the same inputs, key and time give the same bytes
expect_same "$S/again.npk" "$MERGED" "merging again (same shares, key, SOURCE_DATE_EPOCH) gives the same bytes"
rm -f "$S/again.npk"
expect_exit 0 "merge once more, without --json" -- \
	"$NP" merge -s "$S/srv/news.key" "$S/again.npk" "$S/srv/shares/2022.npk" \
	"$S/srv/shares/2023.npk" "$S/srv/shares/2024.npk"
expect_same "$S/again.npk" "$MERGED" "and again the same bytes"

finish
