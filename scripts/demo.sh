#!/bin/sh
# make demo: a demo key without passphrase in a scratch folder, an archive of
# seeds/, then verify, list, info, cat and extract it, and prove one article. Nothing outside demo/
# is touched: XDG_CONFIG_HOME points into it.
set -eu
rm -rf demo
mkdir -p demo/config demo/out
XDG_CONFIG_HOME="$(pwd)/demo/config"
export XDG_CONFIG_HOME
# Shows a command as it could be typed, then runs it.
run() {
	printf '\n$'
	for a in "$@"; do
		case $a in
		*[\ \"]*) printf " '%s'" "$a" ;;
		*) printf ' %s' "$a" ;;
		esac
	done
	printf '\n'
	"$@"
}
run ./newspack keygen -W
run ./newspack create --timestamp 2025-06-01T12:00:00Z --meta "title=newspack seeds" \
	--meta "creator=newspack demo" --meta "license=see each document" demo/seeds.npk seeds/
run ./newspack verify demo/seeds.npk
run ./newspack info demo/seeds.npk
run ./newspack list -l demo/seeds.npk
run ./newspack list --json demo/seeds.npk
printf '\n$ ./newspack cat demo/seeds.npk 000_087c6aae1e53e9e7.txt | head -n 4\n'
./newspack cat demo/seeds.npk 000_087c6aae1e53e9e7.txt | head -n 4
run ./newspack extract -C demo/out demo/seeds.npk
printf '\n$ diff -r -x "*.meta.json" seeds demo/out\n'
# A sidecar is metadata, not a document: it is read at create, not stored.
diff -r -x '*.meta.json' seeds demo/out
echo "identical: every document came back byte for byte"
# One article on its own: its proof, checked with the extracted file and the
# signer's public key only (spec/format.md 15.14).
run ./newspack prove demo/seeds.npk 000_087c6aae1e53e9e7.txt -o demo/seed.proof
run ./newspack check-proof -p demo/config/newspack/newspack.pub demo/seed.proof \
	demo/out/000_087c6aae1e53e9e7.txt
