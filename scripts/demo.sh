#!/bin/sh
# make demo: a demo key without passphrase in a scratch folder, an archive of
# seeds/, then verify, list, info and extract it. Nothing outside demo/ is
# touched: XDG_CONFIG_HOME points into it.
set -eu
top=$(pwd)
NP="$top/newspack"
D="$top/demo"
rm -rf "$D"
mkdir -p "$D/config" "$D/out"
export XDG_CONFIG_HOME="$D/config"
run() { printf '\n$ %s\n' "$*"; "$@"; }
run "$NP" keygen -W
run "$NP" create --meta title="newspack seeds" --meta creator="newspack demo" \
	--meta license="see each document" "$D/seeds.npk" seeds/
run "$NP" verify "$D/seeds.npk"
run "$NP" info "$D/seeds.npk"
run "$NP" list -l "$D/seeds.npk"
run "$NP" list --json "$D/seeds.npk"
run "$NP" cat "$D/seeds.npk" 000_087c6aae1e53e9e7.txt | head -4
run "$NP" extract -C "$D/out" "$D/seeds.npk"
printf '\n$ diff -r seeds demo/out\n'
# sidecars are metadata, not documents, so they are not extracted
diff -r -x '*.meta.json' -x 'README*' seeds "$D/out" && echo "identical: every document came back byte for byte"
