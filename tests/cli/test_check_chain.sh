#!/bin/sh
# Suite "check-chain": newspack check-chain and proofs over a chain of
# editions (spec/format.md 15.15).
#   (1) a valid chain of a base and two editions: one line per edition,
#       each consistent with the one before, VALID (0), untrusted (3),
#       --json, another key given (1);
#   (2) a fork beside the newest file, a missing edition (and --chain), a
#       substituted and a reordered edition, a damaged tree section;
#   (3) forged editions, re-signed with minisign by the key that signs
#       them: one naming the wrong predecessor, one signed by a key the
#       previous signer did not authorise (a broken rotation statement);
#   (4) rotation: an edition signed by a new key by a valid statement;
#   (5) proofs: a proof made from edition 0 still checks after three more
#       editions; check-proof --archive says current, replaced in edition
#       1, withdrawn in edition 2 with the reason, and refuses a proof of
#       another chain; proofs of editions check with proofcheck.py.
. "$(dirname "$0")/lib.sh"
suite_begin check-chain

C="$S/chain"
mkdir -p "$C" "$S/in0" "$S/in1" "$S/in2" "$S/in3"
for i in 1 2 3 4 5; do printf 'Article %s\n\nText %s.\n' "$i" "$i" > "$S/in0/a$i.txt"; done
printf 'Article 2\n\nText 2, corrected.\n' > "$S/in1/a2.txt"
printf 'New\n\nAdded in edition 1.\n' > "$S/in1/n1.txt"
printf 'More\n\nAdded in edition 2.\n' > "$S/in2/m2.txt"
printf 'Later\n\nAdded in edition 3.\n' > "$S/in3/l3.txt"
B="$C/news.npk"
E1="$C/news.e0001.npk"
E2="$C/news.e0002.npk"
E3="$C/news.e0003.npk"
TK="$KEYS/test.key"
TP="$KEYS/test.pub"
OK="$KEYS/other.key"
OP="$KEYS/other.pub"
expect_exit 0 "create the base" -- "$NP" create -s "$TK" --timestamp 2025-01-01T00:00:00Z "$B" "$S/in0" ||
	finish
for p in a1.txt a2.txt a3.txt; do
	expect_exit 0 "prove $p in edition 0" -- "$NP" prove -p "$TP" "$B" "$p" -o "$S/e0.$p.proof"
done
expect_exit 0 "append edition 1" -- "$NP" append -s "$TK" --timestamp 2025-01-02T00:00:00Z \
	"$B" "$E1" "$S/in1"
expect_exit 0 "append edition 2 withdrawing a3.txt" -- "$NP" append -s "$TK" \
	--timestamp 2025-01-03T00:00:00Z --withdraw a3.txt --reason "a court order" "$E1" "$E2" "$S/in2"

# ---- (1) a valid chain ----
expect_exit 0 "check-chain -p: a valid chain" -- "$NP" check-chain -p "$TP" "$E2"
expect_contains "$OUT" "edition 0  " "a line for the base"
expect_contains "$OUT" "consistent with edition 0" "edition 1 is consistent with edition 0"
expect_contains "$OUT" "consistent with edition 1" "edition 2 is consistent with edition 1"
expect_contains "$OUT" "tree 9  key" "edition 2's tree holds the 9 leaves of the chain (a withdrawal is a leaf)"
expect_contains "$OUT" "CHAIN: VALID" "the verdict"
expect_exit 3 "no key trusted: valid, untrusted signer (3)" -- "$NP" check-chain "$E2"
expect_contains "$OUT" "CHAIN: VALID (untrusted signer)" "the untrusted verdict"
mkdir -p "$XDG_CONFIG_HOME/newspack/trusted"
cp "$TP" "$XDG_CONFIG_HOME/newspack/trusted/"
expect_exit 0 "a trusted key: valid (0)" -- "$NP" check-chain "$E2"
rm -f "$XDG_CONFIG_HOME/newspack/trusted/test.pub"
expect_exit 1 "-p another key: the newest signer is not it (1)" -- "$NP" check-chain -p "$OP" "$E2"
expect_contains "$OUT" "neither the key given" "the message names the key given"
expect_exit 0 "--json" -- "$NP" check-chain --json -p "$TP" "$E2"
expect_true "--json: 3 editions, each consistent, status valid" -- python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
e = j["editions"]
assert j["status"] == "valid" and len(e) == 3 and j["tree_size"] == 9 and not j["problems"]
assert [x["edition"] for x in e] == [0, 1, 2] and e[1]["consistent"] and e[2]["consistent"]
assert all(x["signature_ok"] and x["root_ok"] and x["ok"] for x in e)
assert e[2]["entries"] == 2 and e[1]["tree_size"] == 7
' "$OUT"

# ---- (2) forks, missing, substituted, reordered, damaged ----
expect_exit 0 "append a fork after edition 1" -- "$NP" append -s "$TK" --fork \
	--timestamp 2025-01-03T00:00:00Z "$E1" "$C/other.e0002.npk" "$S/in3"
expect_exit 1 "a fork beside the newest file (1)" -- "$NP" check-chain -p "$TP" "$E2"
expect_contains "$OUT" "a fork: " "the fork is named"
expect_contains "$OUT" "other.e0002.npk is also edition 2 of this chain" "both files and the edition"
mkdir -p "$S/away"
mv "$C/other.e0002.npk" "$S/away/"
expect_exit 1 "a fork named with --chain (1)" -- "$NP" check-chain -p "$TP" \
	--chain "$S/away/other.e0002.npk" "$E2"
expect_contains "$OUT" "a fork: " "the fork named with --chain is found"
expect_exit 0 "the fork moved away: valid again" -- "$NP" check-chain -p "$TP" "$E2"

mkdir -p "$S/alone"
cp "$B" "$E2" "$S/alone/"
expect_exit 1 "edition 1 missing (1)" -- "$NP" check-chain -p "$TP" "$S/alone/news.e0002.npk"
expect_contains "$OUT" "is missing" "the missing edition is named"
expect_eq "$(grep -c "is missing" "$OUT")" 1 "  ... once (the root it prevents says so without repeating it)"
expect_contains "$OUT" "its Merkle root cannot be computed without edition 1" "  ... and what it prevents"
expect_exit 0 "edition 1 named with --chain: valid" -- "$NP" check-chain -p "$TP" --chain "$E1" \
	"$S/alone/news.e0002.npk"

mkdir -p "$S/subst"
cp "$B" "$E2" "$S/subst/"
cp "$B" "$S/subst/news.e0001.npk"
expect_exit 1 "a substituted edition 1 (the base under its name) (1)" -- "$NP" check-chain \
	-p "$TP" "$S/subst/news.e0002.npk"
expect_contains "$OUT" "not edition 1" "the substituted file is named"

mkdir -p "$S/reord"
cp "$B" "$S/reord/"
cp "$E2" "$S/reord/news.e0001.npk"
cp "$E1" "$S/reord/news.e0002.npk"
expect_exit 1 "editions 1 and 2 swapped (1)" -- "$NP" check-chain -p "$TP" \
	"$S/reord/news.e0001.npk"
expect_contains "$OUT" "not edition 1" "the reordered file is named"

mkdir -p "$S/dmg"
cp "$B" "$E1" "$E2" "$S/dmg/"
python3 - "$S/dmg/news.e0001.npk" <<'PY'
import sys
d = bytearray(open(sys.argv[1], "rb").read())
i = d.find(b"NPKTREE\n")
d[i + 24 + 5] ^= 0x40
open(sys.argv[1], "wb").write(d)
PY
expect_exit 1 "a damaged tree section in edition 1 (1)" -- "$NP" check-chain -p "$TP" \
	"$S/dmg/news.e0002.npk"
expect_contains "$OUT" "the Merkle tree section (offset" "the section's digest is checked"

mkdir -p "$S/sig"
cp "$B" "$E1" "$E2" "$S/sig/"
python3 - "$S/sig/news.e0002.npk" <<'PY'
import sys
d = bytearray(open(sys.argv[1], "rb").read())
t = d.find(b"\x89NPKEND\n") - 24
mo, ms = int.from_bytes(d[t:t + 8], "little"), int.from_bytes(d[t + 8:t + 12], "little")
d[mo + ms + 20] ^= 1   # a byte of the newest file's signature
open(sys.argv[1], "wb").write(d)
PY
expect_exit 1 "the newest file's signature does not verify (1)" -- "$NP" check-chain -p "$TP" \
	"$S/sig/news.e0002.npk"
expect_contains "$OUT" "CHAIN: DAMAGED" "the verdict names the damage"
expect_contains "$OUT" "does not verify" "the signature is the problem"

# ---- (3) forged editions, re-signed by the key that signs them ----
# forge IN OUT SECKEY PYTHON: OUT is IN with its manifest changed by PYTHON
# (m, a bytearray) and signed again with minisign by SECKEY, the trusted
# comment kept: a file whose signature verifies with its own key.
forge() {
	python3 - "$1" "$S/forge.mf" "$S/forge.tc" "$4" <<'PY' &&
import sys
src, mf, tc, code = sys.argv[1:5]
d = open(src, "rb").read()
t = d.find(b"\x89NPKEND\n") - 24   # the signed trailer (an unsigned tail may follow)
mo, ms, ss = (int.from_bytes(d[t + a:t + b], "little") for a, b in ((0, 8), (8, 12), (12, 16)))
m = bytearray(d[mo:mo + ms])
exec(code)
open(mf, "wb").write(m)
s = d[mo + ms:mo + ms + ss]
open(tc, "wb").write(s[76:76 + int.from_bytes(s[74:76], "little")])
PY
	rm -f "$S/forge.mf.minisig" &&
	minisign -S -s "$3" -m "$S/forge.mf" -t "$(cat "$S/forge.tc")" < /dev/null > /dev/null &&
	python3 - "$1" "$2" "$S/forge.mf" <<'PY'
import sys, base64
src, dst, mf = sys.argv[1:4]
d = bytearray(open(src, "rb").read())
t = d.find(b"\x89NPKEND\n") - 24
mo, ms, ss = (int.from_bytes(d[t + a:t + b], "little") for a, b in ((0, 8), (8, 12), (12, 16)))
l = open(mf + ".minisig", "rb").read().split(b"\n")
head, tc, glob = base64.b64decode(l[1]), l[2][len(b"trusted comment: "):], base64.b64decode(l[3])
m = open(mf, "rb").read()
assert len(m) == ms and 76 + len(tc) + 64 == ss
d[mo:mo + ms + ss] = m + head + len(tc).to_bytes(2, "little") + tc + glob
open(dst, "wb").write(d)
PY
}
if command -v minisign > /dev/null 2>&1; then
	mkdir -p "$S/wrong"
	cp "$B" "$E1" "$S/wrong/"
	if forge "$E2" "$S/wrong/news.e0002.npk" "$TK" '
i = m.find(b"news.e0001.npk") - 82
m[i + 8] ^= 1          # prev_digest: another predecessor'; then
		expect_exit 0 "the forged edition's own signature verifies" -- minisign -Vm "$S/forge.mf" \
			-p "$TP"
		expect_exit 1 "an edition naming the wrong predecessor (1)" -- "$NP" check-chain -p "$TP" \
			"$S/wrong/news.e0002.npk"
		expect_contains "$OUT" "not edition 1" "the predecessor that does not match is named"
	else
		fail "forge an edition naming the wrong predecessor"
	fi
else
	note "minisign is not installed: the forged editions are not tried"
fi

# ---- (4) rotation ----
expect_exit 0 "rotate: test.key lets other.key sign edition 3" -- "$NP" rotate -s "$TK" -p "$OP" \
	"$E2" -o "$S/rot"
expect_exit 0 "append edition 3 signed by other.key" -- "$NP" append -s "$OK" --rotation "$S/rot" \
	--timestamp 2025-01-04T00:00:00Z "$E2" "$E3" "$S/in3"
expect_exit 0 "check-chain -p test.pub: the newest signer rotated from it (0)" -- "$NP" check-chain \
	-p "$TP" "$E3"
expect_contains "$OUT" "rotated from" "the key change is shown"
expect_contains "$OUT" "consistent with edition 2" "edition 3 is consistent with edition 2"
expect_exit 0 "check-chain -p other.pub: the newest signer (0)" -- "$NP" check-chain -p "$OP" "$E3"
if command -v minisign > /dev/null 2>&1; then
	mkdir -p "$S/unauth"
	cp "$B" "$E1" "$E2" "$S/unauth/"
	if forge "$E3" "$S/unauth/news.e0003.npk" "$OK" '
i = m.find(b"NPKROT1\n")
m[i + 120 + 7] ^= 1    # the rotation signature'; then
		expect_exit 1 "an edition signed by a key its predecessor's signer did not authorise (1)" -- \
			"$NP" check-chain -p "$TP" "$S/unauth/news.e0003.npk"
		expect_contains "$OUT" "did not authorise" "the unauthorised key is named"
	else
		fail "forge an edition signed by an unauthorised key"
	fi
fi

# ---- (5) proofs across editions ----
expect_exit 0 "a proof from edition 0 still checks after three editions" -- "$NP" check-proof \
	-p "$TP" "$S/e0.a1.txt.proof"
expect_exit 0 "check-proof --archive: a1.txt is current" -- "$NP" check-proof -p "$TP" \
	--archive "$E3" "$S/e0.a1.txt.proof"
expect_contains "$OUT" "edition 0; still the current version" "current"
expect_exit 0 "check-proof --archive: a2.txt was replaced" -- "$NP" check-proof -p "$TP" \
	--archive "$E3" "$S/e0.a2.txt.proof"
expect_contains "$OUT" "replaced in edition 1" "replaced in edition 1"
expect_exit 0 "check-proof --archive: a3.txt was withdrawn" -- "$NP" check-proof -p "$TP" \
	--archive "$E3" "$S/e0.a3.txt.proof"
expect_contains "$OUT" "withdrawn in edition 2 (reason: a court order)" "withdrawn, with the reason"
expect_exit 0 "check-proof --archive --json" -- "$NP" check-proof -p "$TP" --json \
	--archive "$E3" "$S/e0.a3.txt.proof"
expect_true "--json: chain withdrawn in edition 2" -- python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))["proofs"][0]["chain"]
assert c == {"edition": 0, "status": "withdrawn", "changed_in": 2, "reason": "a court order"}, c
' "$OUT"
expect_exit 0 "create another archive" -- "$NP" create -s "$TK" --timestamp 2025-01-01T00:00:00Z \
	"$S/another.npk" "$S/in1"
expect_exit 0 "prove from the other archive" -- "$NP" prove -p "$TP" "$S/another.npk" n1.txt \
	-o "$S/another.proof"
expect_exit 1 "check-proof --archive: a proof of another chain (1)" -- "$NP" check-proof -p "$TP" \
	--archive "$E3" "$S/another.proof"
expect_contains "$OUT" "the proof is not of this chain" "another chain's proof is refused"
for p in n1.txt m2.txt l3.txt a2.txt; do
	expect_exit 0 "prove $p from the chain" -- "$NP" prove -p "$OP" "$E3" "$p" -o "$S/c.$p.proof"
	expect_exit 0 "check-proof $p" -- "$NP" check-proof -p "$OP" "$S/c.$p.proof"
	expect_exit 0 "proofcheck.py $p (an edition's manifest)" -- python3 "$top/spec/proofcheck.py" \
		"$S/c.$p.proof"
	expect_contains "$OUT" "edition: 3 of its chain" "proofcheck.py names the edition"
done
expect_exit 0 "--at 1: prove a2.txt as edition 1 held it" -- "$NP" prove -p "$TP" --at 1 "$E3" \
	a2.txt -o "$S/at1.proof"
expect_exit 0 "check-proof the --at 1 proof" -- "$NP" check-proof -p "$TP" --archive "$E3" \
	"$S/at1.proof"
expect_contains "$OUT" "edition 1; still the current version" "the proof is of edition 1"

finish
