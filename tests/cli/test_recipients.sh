#!/bin/sh
# test_recipients.sh - who can open a sealed archive (issue 19; spec/
# format.md 15.17.6 recipient tags, 15.17.9): recipients list without and
# with a key; add (the bytes before the seal unchanged: nothing encrypted
# again; the new recipient reads every document byte for byte); remove
# (the removed key no longer opens it, the others do; the file key is
# the same, which the warning says); rekey (a new file key: the old one
# fails the new commitment, every object's bytes change, sizes and places
# kept; kept recipients and passphrase read it); refusals that leave the
# file as it was: a key that is no recipient, another signer's key, a
# recipient already there or not there, no recipient left, a stanza rekey
# cannot account for, a damaged archive, an archive not sealed, -o onto
# an existing file; parity and copies written again; an independent
# reader (sealcheck.py) opens each result.
. "$(dirname "$0")/lib.sh"
suite_begin recipients

KEY="$KEYS/test.key"
PUB="$KEYS/test.pub"
MARK=QX7RCPTMARK
PY=/usr/bin/python3
SC="$top/spec/vectors/sealcheck.py"

IN="$S/in"
mkdir -p "$IN"
cp "$top/seeds/"* "$IN/"
for i in 1 2 3; do
	printf 'Statement %s of %s: the names stay sealed.\n' "$i" "$MARK" > "$IN/statement-$i-$MARK.txt"
done

K="$S/keys"
mkdir -p "$K"
for who in a b c d; do
	expect_exit 0 "keygen --encryption for $who" -- "$NP" keygen --encryption -W -s "$K/$who.key" -p "$K/$who.pub"
done
expect_exit 0 "another signer's key" -- "$NP" keygen -W -s "$K/other.key" -p "$K/other.pub"
printf 'correct horse battery\n' > "$K/pass"

A="$S/a.npk"
expect_exit 0 "create sealed for a" -- \
	"$NP" create -q -s "$KEY" --timestamp 2026-03-01 --recipient "$K/a.pub" "$A" "$IN"
RC_="-s $KEY -k $K/a.key"

# the seal's offset (its magic, first in the file: every object before it
# is ciphertext) and the fields sealcheck.py reads, for the checks below
seal_of() {
	$PY -c "
import sys
b = open(sys.argv[1], 'rb').read()
print(b.find(b'NPKSEAL\n'))" "$1"
}
same_before_seal() { # OLD NEW: the bytes before OLD's seal are NEW's too
	$PY -c "
import sys
a, b = open(sys.argv[1], 'rb').read(), open(sys.argv[2], 'rb').read()
s = a.find(b'NPKSEAL\n')
sys.exit(0 if s > 32 and a[:s] == b[:s] and b.find(b'NPKSEAL\n') == s else 1)" "$1" "$2"
}
# OLDARCHIVE KEY NEWARCHIVE: whether the file key that KEY gets from
# OLDARCHIVE passes NEWARCHIVE's key commitment (15.17.2)
old_fk_opens() {
	$PY -c "
import sys, struct
sys.path.insert(0, sys.argv[4])
import sealcheck as s
def seal(p):
    b = open(p, 'rb').read()
    o = b.find(b'NPKSEAL\n')
    return b[o:]
old, new = seal(sys.argv[1]), seal(sys.argv[3])
sec, pub = s.secret_key(sys.argv[2])
n, at, fk = struct.unpack_from('<H', old, 10)[0], 80, None
for i in range(n):
    t, _, bl = struct.unpack_from('<BBH', old, at)
    if t == 1 and fk is None:
        try:
            fk = s.stanza_x25519_open(sec, old[at + 4:at + 4 + bl])
        except Exception:
            pass
    at += 4 + bl
assert fk is not None, 'the key opens no stanza of the old file'
sys.exit(0 if s.derive(fk, new[16:48])[0] == new[48:80] else 1)" "$1" "$2" "$3" "$top/spec/vectors"
}

# ---- list
expect_exit 0 "list without a key" -- "$NP" recipients list "$A" &&
	expect_contains "$OUT" "sealed, 1 stanza: 1 X25519 recipient, 0 passphrases" "counts the stanzas" &&
	expect_contains "$OUT" "hidden without a key" "and says who they are for is hidden"
expect_exit 0 "list with a's key" -- "$NP" recipients list -k "$K/a.key" "$A" &&
	expect_contains "$OUT" "this key opened it" "names the stanza a's key opened"
expect_exit 1 "list with a key that is no recipient" -- "$NP" recipients list -k "$K/d.key" "$A" &&
	expect_contains "$ERR" "not a recipient" "says so"
expect_exit 2 "list of an archive not sealed" -- "$NP" recipients list "$top/spec/vectors/vector-1.1.npk"

# ---- add
cp "$A" "$S/a0.npk"
expect_exit 0 "add b and c" -- "$NP" recipients add $RC_ --recipient "$K/b.pub" --recipient "$K/c.pub" "$A" &&
	expect_contains "$OUT" "3 stanzas now; nothing was encrypted again" "says what it did"
expect_true "add: every byte before the seal is as it was (no object written again)" -- \
	same_before_seal "$S/a0.npk" "$A"
expect_exit 0 "verify after add, without a key" -- "$NP" verify -p "$PUB" "$A" &&
	expect_contains "$OUT" "ciphertext intact" "the audit passes"
expect_exit 0 "sealcheck.py audits it after add (signed again, every digest)" -- \
	$PY "$SC" audit "$A" "$PUB"
for who in a b c; do
	expect_exit 0 "$who reads every document, verified" -- "$NP" verify -p "$PUB" -k "$K/$who.key" "$A"
	expect_exit 0 "sealcheck.py opens it with $who's key" -- $PY "$SC" open "$A" "$K/$who.key"
done
expect_exit 0 "cat with c's key" -- "$NP" cat -p "$PUB" -k "$K/c.key" "$A" "statement-2-$MARK.txt" &&
	expect_same "$OUT" "$IN/statement-2-$MARK.txt" "byte for byte the input"
expect_exit 0 "list with a's key matches b and c" -- \
	"$NP" recipients list -k "$K/a.key" --recipient "$K/b.pub" --recipient "$K/c.pub" "$A" &&
	expect_contains "$OUT" "$(basename "$K/b.pub")" "b's stanza found by its tag" &&
	expect_contains "$OUT" "$(basename "$K/c.pub")" "c's too"
expect_true "no marker in the file after add" -- sh -c "! grep -a -q '$MARK' '$A'"

cp "$A" "$S/keep.npk"
expect_exit 2 "add b again is refused" -- "$NP" recipients add $RC_ --recipient "$K/b.pub" "$A" &&
	expect_contains "$ERR" "is already a recipient" "says so"
expect_exit 1 "add with a key that opens nothing is refused" -- \
	"$NP" recipients add -s "$KEY" -k "$K/d.key" --recipient "$K/d.pub" "$A" &&
	expect_contains "$ERR" "not a recipient" "says so"
expect_exit 2 "add signed by another key is refused" -- \
	"$NP" recipients add -s "$K/other.key" -k "$K/a.key" --recipient "$K/d.pub" "$A" &&
	expect_contains "$ERR" "only its signer can change its recipients" "names the rule"
expect_exit 2 "add without --recipient is a usage error" -- "$NP" recipients add $RC_ "$A"
expect_true "the refusals left the archive as it was" -- cmp -s "$A" "$S/keep.npk"
expect_true "and left no temporary file" -- sh -c "! ls -A '$S' | grep -q tmp"

# ---- -o
expect_exit 0 "add -o OUT writes OUT" -- "$NP" recipients add $RC_ --recipient "$K/d.pub" -o "$S/out.npk" "$A"
expect_true "the archive itself is unchanged" -- cmp -s "$A" "$S/keep.npk"
expect_exit 0 "d reads OUT" -- "$NP" verify -p "$PUB" -k "$K/d.key" "$S/out.npk"
expect_exit 2 "-o onto an existing file is refused" -- \
	"$NP" recipients add $RC_ --recipient "$K/d.pub" -o "$S/out.npk" "$A"

# ---- remove
expect_exit 0 "remove c" -- "$NP" recipients remove $RC_ --recipient "$K/c.pub" "$A" &&
	expect_contains "$OUT" "removed 1 of the recipients" "says what it did" &&
	expect_contains "$ERR" "may have kept its file key" "warns that c may hold the file key" &&
	expect_contains "$ERR" "newspack recipients rekey" "and offers the rekey"
expect_exit 1 "c's key no longer opens it" -- "$NP" cat -p "$PUB" -k "$K/c.key" "$A" "statement-1-$MARK.txt"
expect_true "nothing was written by the refused cat" -- test ! -s "$OUT"
expect_exit 0 "a still reads it" -- "$NP" verify -p "$PUB" -k "$K/a.key" "$A"
expect_exit 0 "b still reads it" -- "$NP" verify -p "$PUB" -k "$K/b.key" "$A"
expect_true "remove kept every object as it was" -- same_before_seal "$S/keep.npk" "$A"
expect_true "the file key c got before still passes the commitment (hence the warning)" -- \
	old_fk_opens "$S/keep.npk" "$K/c.key" "$A"
cp "$A" "$S/keep.npk"
expect_exit 2 "remove d, no recipient, is refused" -- "$NP" recipients remove $RC_ --recipient "$K/d.pub" "$A" &&
	expect_contains "$ERR" "is not one of its recipients" "says so"
expect_exit 2 "removing every recipient is refused" -- \
	"$NP" recipients remove $RC_ --recipient "$K/a.pub" --recipient "$K/b.pub" "$A" &&
	expect_contains "$ERR" "no recipient would be left" "says why"
expect_exit 2 "remove --passphrase without one is refused" -- "$NP" recipients remove $RC_ --passphrase "$A"
expect_true "the refusals left the archive as it was" -- cmp -s "$A" "$S/keep.npk"

# ---- a passphrase
expect_exit 0 "add a passphrase" -- "$NP" recipients add $RC_ --encrypt-passphrase-file "$K/pass" "$A"
expect_exit 0 "the passphrase reads it" -- "$NP" verify -p "$PUB" --passphrase-file "$K/pass" "$A"
expect_exit 0 "list: 2 X25519 recipients, 1 passphrase" -- "$NP" recipients list "$A" &&
	expect_contains "$OUT" "3 stanzas: 2 X25519 recipients, 1 passphrase" "counts them"

# ---- rekey
cp "$A" "$S/before-rekey.npk"
expect_exit 2 "rekey leaving the passphrase unaccounted for is refused" -- \
	"$NP" recipients rekey $RC_ --keep "$K/b.pub" "$A" &&
	expect_contains "$ERR" "is a passphrase not given" "says which stanza and why"
expect_exit 2 "rekey leaving b unaccounted for is refused" -- \
	"$NP" recipients rekey $RC_ --passphrase-file "$K/pass" "$A" &&
	expect_contains "$ERR" "for a recipient not named" "says why"
expect_true "the refusals left the archive as it was" -- cmp -s "$A" "$S/before-rekey.npk"
expect_exit 0 "rekey, keeping b and the passphrase (a: the key that opens it)" -- \
	"$NP" recipients rekey $RC_ --keep "$K/b.pub" --passphrase-file "$K/pass" "$A" &&
	expect_contains "$OUT" "sealed again under a new file key" "says so"
expect_eq "$(file_size "$A")" "$(file_size "$S/before-rekey.npk")" "rekey keeps the file's size"
expect_exit 0 "sealcheck.py audits it after rekey" -- $PY "$SC" audit "$A" "$PUB"
expect_exit 1 "the old file key (a's, from before) fails the new commitment" -- \
	old_fk_opens "$S/before-rekey.npk" "$K/a.key" "$A"
CHANGED=$(cmp -l "$S/before-rekey.npk" "$A" | wc -l)
SEAL=$(seal_of "$A")
expect_true "rekey: most bytes before the seal changed (every object sealed again; $CHANGED bytes differ)" -- \
	test "$CHANGED" -gt $((SEAL * 8 / 10))
for who in a b; do
	expect_exit 0 "$who reads it after rekey" -- "$NP" verify -p "$PUB" -k "$K/$who.key" "$A"
	expect_exit 0 "sealcheck.py opens it with $who's key after rekey" -- $PY "$SC" open "$A" "$K/$who.key"
done
expect_exit 0 "the passphrase reads it after rekey" -- "$NP" verify -p "$PUB" --passphrase-file "$K/pass" "$A"
expect_exit 0 "cat after rekey" -- "$NP" cat -p "$PUB" -k "$K/b.key" "$A" "2025-03-harbour-council.md" &&
	expect_same "$OUT" "$IN/2025-03-harbour-council.md" "byte for byte the input"
expect_exit 0 "remove --rekey in one step" -- \
	"$NP" recipients remove --rekey $RC_ --passphrase --keep "$K/b.pub" "$A" &&
	expect_not_contains "$ERR" "may have kept its file key" "no warning: the file key is new"
expect_exit 1 "the passphrase no longer opens it" -- "$NP" verify -p "$PUB" --passphrase-file "$K/pass" "$A"
expect_exit 0 "recipients list --json" -- "$NP" recipients list --json -k "$K/a.key" --recipient "$K/b.pub" "$A" &&
	expect_true "--json: two X25519 stanzas, b's found" -- $PY -c "
import json, sys
j = json.load(open(sys.argv[1]))
assert j['opened'] and j['tagged'] and len(j['stanzas']) == 2
assert sum(1 for s in j['stanzas'] if s.get('public_key_file', '').endswith('b.pub')) == 1
" "$OUT"

# ---- parity and copies, damage
expect_exit 0 "protect" -- "$NP" protect --parity 20 "$A"
expect_exit 0 "add d to the protected archive" -- "$NP" recipients add --json $RC_ --recipient "$K/d.pub" "$A" &&
	expect_contains "$OUT" '"parity_percent": ' "--json reports the parity written again"
expect_exit 0 "verify: the parity is there again" -- "$NP" verify -p "$PUB" "$A" &&
	expect_contains "$OUT" "parity:" "verify reports it"
cp "$A" "$S/damaged.npk"
flip_byte "$S/damaged.npk" 200
cp "$S/damaged.npk" "$S/damaged0.npk"
expect_exit 1 "a damaged archive is refused" -- "$NP" recipients add $RC_ --recipient "$K/c.pub" "$S/damaged.npk" &&
	expect_contains "$ERR" "repair it first" "and told to repair it"
expect_true "and left as it was" -- cmp -s "$S/damaged.npk" "$S/damaged0.npk"
expect_exit 0 "repair it from the parity written again" -- "$NP" repair --in-place "$S/damaged.npk"
expect_true "repaired: byte for byte the archive" -- cmp -s "$S/damaged.npk" "$A"
expect_exit 2 "an archive not sealed is refused" -- \
	"$NP" recipients add $RC_ --recipient "$K/c.pub" "$top/spec/vectors/vector-1.1.npk" &&
	expect_contains "$ERR" "is not sealed" "says so"

# ---- the sealed vector: its stanzas, the one its key opens found by its tag
expect_exit 0 "the sealed vector lists with its key" -- \
	"$NP" recipients list -k "$top/spec/vectors/seal-recipient.key" \
	--recipient "$top/spec/vectors/seal-recipient.pub" "$top/spec/vectors/vector-1.1-sealed.npk" &&
	expect_contains "$OUT" "this key opened it" "the stanza it opened, by its tag"

finish
