#!/bin/sh
# Suite "tamper": no change to a signed archive goes unnoticed.
#   (a) one byte flipped (xor 0x01) at every offset: verify exits 1;
#   (b) the file cut at every length from 0 to size-1: verify exits 1;
#   (c) bytes appended: verify exits 1;
#   (d) a forged signature (a bit flipped in the signature fields): exit 1
#       with "signature" in the message;
#   (e) a valid signature by another key: exit 3 (untrusted), never 0;
#   (f) the signer's public key or key id swapped for the trusted key's: exit 1;
#   (g) a changed archive re-signed by another key: exit 3, never 0.
# Every run must print a message and must not crash (exit >= 128).
# Offsets of the manifest and signature block come from the trailer
# (spec/format.md 7.1, 8, 9).
. "$(dirname "$0")/lib.sh"
suite_begin tamper

TEST_ID=0D99CDDB830FBFC8
OTHER_ID=5DF89471A22EF872
TS=2025-01-24T00:00:00Z
mkdir -p "$XDG_CONFIG_HOME/newspack/trusted"
cp "$KEYS/test.pub" "$XDG_CONFIG_HOME/newspack/trusted/$TEST_ID.pub"
UNTRUSTING="$S/untrusting"
mkdir -p "$UNTRUSTING/newspack/trusted"

# ---------------------------------------------------------------- helpers
# u64 FILE OFFSET, u32 FILE OFFSET: little-endian integers.
u64() { od -An -tu8 -j "$2" -N 8 "$1" | tr -d ' '; }
u32() { od -An -tu4 -j "$2" -N 4 "$1" | tr -d ' '; }

# flip_copy SRC DST OFFSET: DST is SRC with the byte at OFFSET xor 0x01.
# Plain sh (od, printf, dd); flip_copy_perl does the same in one process.
flip_copy_sh() {
	cp "$1" "$2"
	fb=$(od -An -tu1 -j "$3" -N 1 "$1" | tr -d ' ')
	printf "\\$(printf %o $((fb ^ 1)))" | dd of="$2" bs=1 seek="$3" conv=notrunc 2> /dev/null
}
flip_copy_perl() {
	perl -e 'open(my $i, "<:raw", $ARGV[0]) or die "$ARGV[0]: $!"; local $/; my $d = <$i>;
		substr($d, $ARGV[2], 1) = chr(ord(substr($d, $ARGV[2], 1)) ^ 1);
		open(my $o, ">:raw", $ARGV[1]) or die "$ARGV[1]: $!"; print $o $d; close $o or die' "$1" "$2" "$3"
}
if command -v perl > /dev/null 2>&1; then
	flip_copy() { flip_copy_perl "$@"; }
else
	note "perl is not installed: bytes are flipped with od, printf and dd (slower)"
	flip_copy() { flip_copy_sh "$@"; }
fi

# put_bytes FILE OFFSET SRC: writes the bytes of file SRC into FILE at OFFSET.
put_bytes() {
	dd if="$3" of="$1" bs=1 seek="$2" conv=notrunc 2> /dev/null
}

# ---------------------------------------------------------------- the archive
IN="$S/in"
mkdir -p "$IN/desk"
printf 'Harbour council votes on new ferry\n\nBy A. Writer - City Desk March 3, 2025\n\nThe council met.\n' > "$IN/ferry.txt"
printf -- '---\ntitle: Library funding\nauthor: B. Reporter\ndate: 2025-05-01\n---\nThe library gets funds.\n' > "$IN/desk/library.md"
printf 'A short note.\n' > "$IN/desk/note.txt"
A="$S/t.npk"
# without survival copies (format.md 15.9), whose tail is unsigned and which
# serve a damaged original: every byte of the file is then signed
# (test_copies.sh damages archives that have them)
expect_exit 0 "create of the small archive" -- "$NP" create -q -s "$KEYS/test.key" --timestamp "$TS" --no-copies "$A" "$IN"
expect_exit 0 "the untouched archive verifies (exit 0)" -- "$NP" verify "$A" || {
	fail "nothing else can be checked without a valid archive"
	finish
}
size=$(file_size "$A")
mo=$(u64 "$A" $((size - 32)))
msz=$(u32 "$A" $((size - 24)))
ssz=$(u32 "$A" $((size - 20)))
sig=$((mo + msz))
pto=$(u64 "$A" $((mo + 56)))
clen=$(od -An -tu2 -j $((sig + 106)) -N 2 "$A" | tr -d ' ')
info "archive: $size bytes; body 32..$((pto - 1)); tables $pto..$((mo - 1)); manifest $mo (+$msz);" \
	"signature block $sig (+$ssz, comment $clen bytes); trailer $((size - 32))"
expect_eq "$((sig + ssz + 32))" "$size" "the trailer's sizes add up to the file size"
expect_eq "$(dd if="$A" bs=1 skip="$sig" count=2 2> /dev/null)" "ED" "the signature block starts with ED"

# region OFFSET: the structure (and field) an offset falls in.
region() {
	r=$1
	if [ "$r" -lt 32 ]; then echo "header+$r"
	elif [ "$r" -lt "$pto" ]; then echo "body+$((r - 32))"
	elif [ "$r" -lt "$mo" ]; then echo "tables+$((r - pto))"
	elif [ "$r" -lt "$sig" ]; then echo "manifest+$((r - mo))"
	elif [ "$r" -lt $((sig + 2)) ]; then echo "signature_algorithm+$((r - sig))"
	elif [ "$r" -lt $((sig + 10)) ]; then echo "key_id+$((r - sig - 2))"
	elif [ "$r" -lt $((sig + 74)) ]; then echo "signature+$((r - sig - 10))"
	elif [ "$r" -lt $((sig + 106)) ]; then echo "public_key+$((r - sig - 74))"
	elif [ "$r" -lt $((sig + 108)) ]; then echo "comment_len+$((r - sig - 106))"
	elif [ "$r" -lt $((sig + 108 + clen)) ]; then echo "trusted_comment+$((r - sig - 108))"
	elif [ "$r" -lt $((sig + ssz)) ]; then echo "global_signature+$((r - sig - 108 - clen))"
	else echo "trailer+$((r - size + 32))"
	fi
}

# The two flip helpers agree (so the slow fallback is right too).
flip_copy_sh "$A" "$S/f1" $((size / 2))
if command -v perl > /dev/null 2>&1; then
	flip_copy_perl "$A" "$S/f2" $((size / 2))
	expect_same "$S/f1" "$S/f2" "the sh and perl byte-flip helpers agree"
fi
if cmp -s "$A" "$S/f1"; then fail "flip_copy changes the file"; else pass "flip_copy changes the file"; fi
expect_eq "$(cmp -l "$A" "$S/f1" | wc -l | tr -d ' ')" 1 "flip_copy changes exactly one byte"

# summarize RESULTS WHAT: RESULTS has lines "OFFSET RC FIRST-LINE-OF-OUTPUT".
# Prints the exit codes seen and the offsets that did not exit 1.
summarize() {
	info "$2: exit codes seen: $(cut -d ' ' -f 2 "$1" | sort -n | uniq -c | awk '{printf "%s x%s  ", $2, $1}')"
}

# verify_w: verify of $S/w.npk, output in $S/w.out, exit code in rc. Exit
# codes 126 and 127 mean ./newspack could not be run at all (it is being
# relinked by a concurrent make): that run is retried, up to 5 times.
verify_w() {
	tries=0
	while :; do
		"$NP" verify "$S/w.npk" > "$S/w.out" 2>&1
		rc=$?
		[ "$rc" -eq 126 ] || [ "$rc" -eq 127 ] || break
		tries=$((tries + 1))
		[ "$tries" -ge 5 ] && break
		sleep 1
	done
}

# ---------------------------------------------------------------- (a) flips
echo "-- (a) one byte flipped at each of the $size offsets"
: > "$S/flips"
off=0
while [ "$off" -lt "$size" ]; do
	flip_copy "$A" "$S/w.npk" "$off"
	verify_w
	msg="(no message)"
	[ -s "$S/w.out" ] && IFS= read -r msg < "$S/w.out"
	echo "$off $rc $msg" >> "$S/flips"
	off=$((off + 1))
done
summarize "$S/flips" "flips"
# verify exits 1 for damage. The one allowed exception: version_major and
# required_flags are checked before anything is authenticated (section 11,
# step 1) and a reader must then say that a newer reader is needed
# (sections 3 and 12), which newspack reports with exit 2.
awk '$2 == 0' "$S/flips" > "$S/flips-ok"
awk '$2 >= 128' "$S/flips" > "$S/flips-crash"
awk '/\(no message\)$/' "$S/flips" > "$S/flips-silent"
awk '$2 != 1 && !($2 == 2 && ($1 == 8 || $1 == 9 || ($1 >= 12 && $1 <= 15)) && /needs? a newer reader/)' \
	"$S/flips" > "$S/flips-bad"
awk '$2 == 2 && /needs? a newer reader/' "$S/flips" > "$S/flips-newer"
[ -s "$S/flips-newer" ] && info "offsets refused as 'needs a newer reader' (exit 2): $(cut -d ' ' -f 1 "$S/flips-newer" | tr '\n' ' ')"
# report_offsets FILE: one line per offset, with its structure and message.
report_offsets() {
	head -n 40 "$1" | while read -r o c m; do
		echo "      offset $o ($(region "$o")): exit $c: $m"
	done
	n=$(wc -l < "$1" | tr -d ' ')
	[ "$n" -gt 40 ] && echo "      ... $n offsets in all"
	return 0
}
check_results() { # FILE DESC: FILE must be empty
	if [ -s "$1" ]; then
		fail "$2 ($(wc -l < "$1" | tr -d ' ') offsets do not)"
		report_offsets "$1"
	else
		pass "$2"
	fi
}
check_results "$S/flips-ok" "no flipped byte verifies as intact and trusted (exit 0): no format hole"
check_results "$S/flips-crash" "no flipped byte crashes verify (exit >= 128)"
check_results "$S/flips-silent" "verify prints a message for every flipped byte"
check_results "$S/flips-bad" "every flipped byte makes verify exit 1 (damaged or bad signature)"

# ---------------------------------------------------------------- (b) cuts
echo "-- (b) the archive cut at every length from 0 to $((size - 1))"
: > "$S/cuts"
len=0
while [ "$len" -lt "$size" ]; do
	head -c "$len" "$A" > "$S/w.npk"
	verify_w
	msg="(no message)"
	[ -s "$S/w.out" ] && IFS= read -r msg < "$S/w.out"
	echo "$len $rc $msg" >> "$S/cuts"
	len=$((len + 1))
done
summarize "$S/cuts" "cuts"
info "the empty file: $(sed -n '1s/^0 //p' "$S/cuts")"
awk '$2 == 0' "$S/cuts" > "$S/cuts-ok"
awk '$2 >= 128' "$S/cuts" > "$S/cuts-crash"
awk '/\(no message\)$/' "$S/cuts" > "$S/cuts-silent"
# An empty file may be reported as a read error (exit 2); any other length
# is damage (exit 1).
awk '$2 != 1 && !($1 == 0 && $2 == 2)' "$S/cuts" > "$S/cuts-bad"
check_results "$S/cuts-ok" "no cut archive verifies (exit 0)"
check_results "$S/cuts-crash" "no cut archive crashes verify"
check_results "$S/cuts-silent" "verify prints a message for every cut"
check_results "$S/cuts-bad" "every cut makes verify exit 1"

# ---------------------------------------------------------------- (c) appends
echo "-- (c) bytes appended"
cp "$A" "$S/app1.npk"
printf '\000' >> "$S/app1.npk"
expect_exit 1 "one byte appended: verify exits 1" -- "$NP" verify "$S/app1.npk" &&
	expect_contains "$OUT" "FAILED" "one byte appended: verify says FAILED"
cp "$A" "$S/app2.npk"
printf '\n' >> "$S/app2.npk"
expect_exit 1 "a newline appended: verify exits 1" -- "$NP" verify "$S/app2.npk"
# The trailer copied again at the end: the trailer then points at a
# manifest that is no longer where it says, and file_size is wrong.
cp "$A" "$S/app3.npk"
tail -c 32 "$A" >> "$S/app3.npk"
expect_exit 1 "the trailer appended again: verify exits 1" -- "$NP" verify "$S/app3.npk"
cp "$A" "$S/app4.npk"
cat "$A" >> "$S/app4.npk"
expect_exit 1 "the archive appended to itself: verify exits 1" -- "$NP" verify "$S/app4.npk"
expect_exit 1 "one byte appended: list exits 1 too" -- "$NP" list "$S/app1.npk"

# ---------------------------------------------------------------- (d) forged signature
echo "-- (d) forged signatures"
flip_copy "$A" "$S/sig1.npk" $((sig + 10 + 31))
expect_exit 1 "a bit flipped in the 64-byte signature: verify exits 1" -- "$NP" verify "$S/sig1.npk" &&
	expect_contains "$OUT" "signature" "a flipped signature is reported as a signature failure"
expect_exit 1 "a bit flipped in the signature: list exits 1" -- "$NP" list "$S/sig1.npk" &&
	expect_contains "$ERR" "signature" "list says the signature is bad"
expect_exit 1 "a bit flipped in the signature: verify with nothing trusted exits 1" -- \
	env XDG_CONFIG_HOME="$UNTRUSTING" "$NP" verify "$S/sig1.npk" &&
	expect_contains "$OUT" "signature" "with nothing trusted, the signature is still reported bad"
flip_copy "$A" "$S/sig2.npk" $((sig + 10))
expect_exit 1 "the first byte of the signature flipped: verify exits 1" -- "$NP" verify "$S/sig2.npk" &&
	expect_contains "$OUT" "signature" "the first byte: reported as a signature failure"
flip_copy "$A" "$S/sig3.npk" $((sig + ssz - 1))
expect_exit 1 "the last byte of the global signature flipped: verify exits 1" -- "$NP" verify "$S/sig3.npk" &&
	expect_contains "$OUT" "signature" "the global signature: reported as a signature failure"
flip_copy "$A" "$S/sig4.npk" $((sig + 108 + 3))
expect_exit 1 "a byte of the trusted comment changed: verify exits 1" -- "$NP" verify "$S/sig4.npk" &&
	expect_contains "$OUT" "signature" "the trusted comment: reported as a signature failure"
# A signature copied from another archive (same key, other content).
printf 'another\n' > "$S/another.txt"
"$NP" create -q -s "$KEYS/test.key" --timestamp "$TS" --no-copies "$S/another.npk" "$S/another.txt"
asize=$(file_size "$S/another.npk")
asig=$(( $(u64 "$S/another.npk" $((asize - 32))) + $(u32 "$S/another.npk" $((asize - 24))) ))
cp "$A" "$S/sig5.npk"
dd if="$S/another.npk" bs=1 skip=$((asig + 10)) count=64 2> /dev/null > "$S/another.sig"
put_bytes "$S/sig5.npk" $((sig + 10)) "$S/another.sig"
expect_exit 1 "a valid signature of another archive by the same key: verify exits 1" -- "$NP" verify "$S/sig5.npk" &&
	expect_contains "$OUT" "signature" "a transplanted signature is reported as a signature failure"

# ---------------------------------------------------------------- (e) another key
echo "-- (e) a valid signature by another key"
B="$S/other.npk"
expect_exit 0 "the same archive signed by other.key" -- "$NP" create -q -s "$KEYS/other.key" --timestamp "$TS" --no-copies "$B" "$IN"
expect_exit 3 "verify -p test.pub of an archive signed by other.key exits 3" -- "$NP" verify -p "$KEYS/test.pub" "$B" &&
	expect_contains "$OUT" "UNTRUSTED" "it is reported as untrusted" &&
	expect_contains "$OUT" "$OTHER_ID" "it names the signer, other.key's id"
expect_exit 3 "verify with test.pub in the trusted folder exits 3" -- "$NP" verify "$B"
expect_exit 3 "verify with nothing trusted exits 3" -- env XDG_CONFIG_HOME="$UNTRUSTING" "$NP" verify "$B"
expect_exit 0 "verify -p other.pub exits 0" -- "$NP" verify -p "$KEYS/other.pub" "$B"
expect_exit 3 "list of it with test.pub trusted exits 3" -- "$NP" list "$B"

# ---------------------------------------------------------------- (f) swapped key
echo "-- (f) the signer's key swapped"
# The raw parts of test.pub: bytes 2-9 key id, 10-41 public key (keys.md 2).
sed -n 2p "$KEYS/test.pub" | base64 -d > "$S/test.pub.raw"
dd if="$S/test.pub.raw" bs=1 skip=2 count=8 2> /dev/null > "$S/test.id.raw"
dd if="$S/test.pub.raw" bs=1 skip=10 count=32 2> /dev/null > "$S/test.pk.raw"
expect_eq "$(file_size "$S/test.pk.raw")" 32 "test.pub gives a 32-byte public key"
bsize=$(file_size "$B")
bman=$(u64 "$B" $((bsize - 32)))
bsig=$(( bman + $(u32 "$B" $((bsize - 24))) ))
# The manifest names the signer: key id at 168, public key at 176 (7.1).
cp "$B" "$S/swap1.npk"
put_bytes "$S/swap1.npk" $((bman + 176)) "$S/test.pk.raw"
expect_exit 1 "other.key's signature, test.pub's key in the manifest: verify -p test.pub exits 1" -- \
	"$NP" verify -p "$KEYS/test.pub" "$S/swap1.npk" &&
	expect_contains "$OUT" "signature" "the swapped key is reported as a signature failure"
expect_exit 1 "the same, verified with nothing trusted: exits 1" -- \
	env XDG_CONFIG_HOME="$UNTRUSTING" "$NP" verify "$S/swap1.npk" &&
	expect_contains "$OUT" "signature" "with nothing trusted: reported as a signature failure"
# The key id swapped too, in the manifest and the block: it claims to be test.key's in full.
cp "$S/swap1.npk" "$S/swap2.npk"
put_bytes "$S/swap2.npk" $((bman + 168)) "$S/test.id.raw"
put_bytes "$S/swap2.npk" $((bsig + 2)) "$S/test.id.raw"
expect_exit 1 "key id and public key both test.pub's, signature by other.key: verify -p test.pub exits 1" -- \
	"$NP" verify -p "$KEYS/test.pub" "$S/swap2.npk" &&
	expect_contains "$OUT" "signature" "the forged block is reported as a signature failure"
expect_exit 1 "the same, verified with nothing trusted: exits 1" -- \
	env XDG_CONFIG_HOME="$UNTRUSTING" "$NP" verify "$S/swap2.npk"
# Only the signature block's key id set to test.pub's: it must repeat the
# signed one in the manifest, trusted or not.
cp "$B" "$S/swap3.npk"
put_bytes "$S/swap3.npk" $((bsig + 2)) "$S/test.id.raw"
expect_exit 1 "test.pub's key id on other.key's signature: verify -p test.pub exits 1" -- \
	"$NP" verify -p "$KEYS/test.pub" "$S/swap3.npk" &&
	expect_contains "$OUT" "key id differs" "the mismatch of key ids is named"
expect_exit 1 "test.pub's key id on other.key's signature: list exits 1" -- "$NP" list "$S/swap3.npk"
expect_exit 1 "test.pub's key id on other.key's signature, nothing trusted: exits 1 too" -- \
	env XDG_CONFIG_HOME="$UNTRUSTING" "$NP" verify "$S/swap3.npk"

# ---------------------------------------------------------------- (g) key substitution
echo "-- (g) a changed archive re-signed by another key"
cp -R "$IN" "$S/changed"
printf 'A short note, changed by someone else.\n' > "$S/changed/desk/note.txt"
G="$S/changed.npk"
expect_exit 0 "the attacker's archive, signed by other.key" -- \
	"$NP" create -q -s "$KEYS/other.key" --timestamp "$TS" --no-copies "$G" "$S/changed"
expect_exit 3 "verify with the trusted test.pub exits 3, never 0" -- "$NP" verify "$G" &&
	expect_contains "$OUT" "not trusted" "it says the signer is not trusted" &&
	expect_not_contains "$OUT" "$TEST_ID" "it does not claim test.key's id"
expect_exit 3 "verify -p test.pub exits 3" -- "$NP" verify -p "$KEYS/test.pub" "$G" &&
	expect_contains "$OUT" "UNTRUSTED" "verify -p test.pub says UNTRUSTED"
expect_exit 3 "cat of the changed document is refused (exit 3)" -- "$NP" cat "$G" desk/note.txt &&
	expect_eq "$(file_size "$OUT")" 0 "nothing of the changed document is written"
expect_exit 3 "verify --json exits 3" -- "$NP" verify --json "$G" &&
	expect_contains "$OUT" '"ok": false' "verify --json says \"ok\": false" &&
	expect_contains "$OUT" '"trusted": false' "verify --json says \"trusted\": false"

finish
