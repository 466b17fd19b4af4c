#!/bin/sh
# Suite "minisign": newspack and stock minisign understand each other.
#   (1) a key made by `minisign -G -W` signs an archive with newspack create,
#       and newspack verify -p accepts it;
#   (2) the recipe of spec/format.md section 8.1, taken from the spec and run
#       verbatim as a script, lets `minisign -Vm manifest.bin` check an
#       archive signed by tests/keys/test.key; a flipped manifest byte, or
#       the wrong public key, makes minisign fail;
#   (3) minisign signs with a key file made by newspack keygen.
# Without minisign installed the suite prints a note and 0 passed, 0 failed.
. "$(dirname "$0")/lib.sh"
suite_begin minisign

if ! command -v minisign > /dev/null 2>&1; then
	note "minisign is not installed; nothing to check (Debian: apt-get install minisign)"
	finish
fi
info "$(minisign -v 2>&1 | head -n 1)"
TS=2025-01-24T00:00:00Z
IN="$S/in"
mkdir -p "$IN"
printf 'First article.\n' > "$IN/one.txt"
printf 'Second article.\n' > "$IN/two.txt"

# ---------------------------------------------------------------- (1)
echo "-- (1) a minisign key signs an archive"
M="$S/m"
mkdir -p "$M"
expect_exit 0 "minisign -G -W makes a key pair" -- minisign -G -W -p "$M/m.pub" -s "$M/m.key"
# minisign prints the key id without leading zeros (%PRIX64); newspack
# always prints its 16 hex digits (keys.md 4), so pad it.
mid=$(sed -n '1s/.*public key \([0-9A-F]*\)$/\1/p' "$M/m.pub")
while [ "${#mid}" -lt 16 ]; do mid="0$mid"; done
info "minisign key id: $mid"
expect_exit 0 "newspack create -s m.key (minisign's secret key) exits 0" -- \
	"$NP" create -s "$M/m.key" --timestamp "$TS" "$M/a.npk" "$IN" &&
	expect_contains "$OUT" "signed by key $mid" "create names minisign's key id"
expect_exit 0 "newspack verify -p m.pub exits 0" -- "$NP" verify -p "$M/m.pub" "$M/a.npk" &&
	expect_contains "$OUT" "OK  $M/a.npk: signature by trusted key $mid" "verify says OK with minisign's key"
expect_exit 3 "newspack verify -p tests/keys/test.pub (not the signer) exits 3" -- \
	"$NP" verify -p "$KEYS/test.pub" "$M/a.npk"
expect_exit 0 "the minisign-signed archive extracts with -p m.pub" -- \
	"$NP" cat -p "$M/m.pub" "$M/a.npk" one.txt &&
	expect_same "$OUT" "$IN/one.txt" "cat gives the document back"

# ---------------------------------------------------------------- (2)
echo "-- (2) the recipe of spec/format.md section 8.1"
R="$S/recipe"
mkdir -p "$R"
# The first sh block after the heading "### 8.1", as written in the spec.
awk '/^### 8\.1/ { in81 = 1; next }
     in81 && /^#/ { exit }
     in81 && /^```sh$/ { code = 1; next }
     code && /^```$/ { exit }
     code { print }' "$top/spec/format.md" > "$R/recipe.sh"
if [ -s "$R/recipe.sh" ]; then
	pass "spec/format.md section 8.1 has a sh recipe ($(wc -l < "$R/recipe.sh" | tr -d ' ') lines)"
else
	fail "spec/format.md section 8.1 has a sh recipe"
fi
expect_contains "$R/recipe.sh" "minisign -Vm manifest.bin -p signer.pub" "the recipe ends with the minisign check"
expect_contains "$R/recipe.sh" "A=archive.npk" "the recipe reads archive.npk"
# The recipe works on archive.npk and signer.pub in the current folder.
expect_exit 0 "an archive signed by tests/keys/test.key" -- \
	"$NP" create -q -s "$KEYS/test.key" --timestamp "$TS" --meta title="minisign recipe" "$R/archive.npk" "$IN"
cp "$KEYS/test.pub" "$R/signer.pub"
expect_exit 0 "the recipe, run verbatim with sh, exits 0" -- sh -c 'cd "$1" && exec sh ./recipe.sh' sh "$R" &&
	expect_contains "$OUT" "Signature and comment signature verified" "stock minisign verifies the manifest" &&
	expect_contains "$OUT" "newspack archive" "minisign shows the trusted comment"
expect_true "the recipe wrote manifest.bin" -- test -s "$R/manifest.bin"
expect_true "the recipe wrote manifest.bin.minisig" -- test -s "$R/manifest.bin.minisig"
expect_exit 0 "minisign -Vm manifest.bin -p tests/keys/test.pub exits 0" -- \
	minisign -Vm "$R/manifest.bin" -p "$KEYS/test.pub"
expect_exit 0 "minisign -Q prints the trusted comment" -- \
	minisign -Q -Vm "$R/manifest.bin" -p "$KEYS/test.pub" &&
	expect_contains "$OUT" "timestamp:1737676800" "the trusted comment holds the timestamp"
# The manifest begins with "NPKM" (format.md 7.1).
expect_eq "$(head -c 4 "$R/manifest.bin")" "NPKM" "manifest.bin starts with NPKM"
cp "$R/manifest.bin" "$R/manifest.good"
# A flipped byte in the manifest (in its created field, offset 24).
b=$(od -An -tu1 -j 24 -N 1 "$R/manifest.bin" | tr -d ' ')
printf "\\$(printf %o $((b ^ 1)))" | dd of="$R/manifest.bin" bs=1 seek=24 conv=notrunc 2> /dev/null
if cmp -s "$R/manifest.bin" "$R/manifest.good"; then
	fail "the manifest byte was flipped"
else
	pass "the manifest byte was flipped"
fi
expect_exit 1 "minisign rejects the manifest with a flipped byte" -- \
	minisign -Vm "$R/manifest.bin" -p "$KEYS/test.pub" &&
	expect_contains "$ERR" "Signature verification failed" "minisign says the signature verification failed"
cp "$R/manifest.good" "$R/manifest.bin"
expect_exit 1 "minisign rejects the manifest with the wrong public key (other.pub)" -- \
	minisign -Vm "$R/manifest.bin" -p "$KEYS/other.pub"
# The recipe on the archive signed with minisign's own key in (1).
mkdir -p "$R/m"
cp "$R/recipe.sh" "$R/m/recipe.sh"
cp "$M/a.npk" "$R/m/archive.npk"
cp "$M/m.pub" "$R/m/signer.pub"
expect_exit 0 "the recipe also checks the archive signed with the minisign key" -- \
	sh -c 'cd "$1" && exec sh ./recipe.sh' sh "$R/m" &&
	expect_contains "$OUT" "Signature and comment signature verified" "minisign verifies it"

# ---------------------------------------------------------------- (3)
echo "-- (3) minisign signs with a newspack key"
printf 'a message\n' > "$S/msg.txt"
expect_exit 0 "minisign -S -s tests/keys/test.key signs a file" -- \
	minisign -S -s "$KEYS/test.key" -m "$S/msg.txt" -x "$S/msg.txt.minisig"
expect_exit 0 "minisign -V -p tests/keys/test.pub checks it" -- \
	minisign -V -p "$KEYS/test.pub" -m "$S/msg.txt" -x "$S/msg.txt.minisig"

finish
