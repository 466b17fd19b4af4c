#!/bin/sh
# Suite "independent": spec/vectors/npkcheck.py, a reader written from
# spec/format.md and spec/keys.md alone (Python standard library only), reads
# what newspack writes.
#   (a) npkcheck.py verify of spec/vectors/vector.npk with its key exits 0;
#       without a key, or with another key, it exits 3 (valid, untrusted);
#   (b) npkcheck.py extract gives back spec/vectors/input/ byte for byte;
#   (c) a byte flipped (xor 0x01) at 20 offsets spread over the vector makes
#       verify exit 1, and so does one in the signature block's key_id (not
#       signed itself, but it must equal the manifest's signer_key_id);
#   (d) the generated parts of spec/vectors/README.md (whole-file digests,
#       expected digests, dump) are what npkcheck.py prints now, and the README
#       gives the vector's SHA-256 and BLAKE2b-256;
#   (e) codec 2 (zstd, format.md section 4.3): hand-made frames that break a
#       rule of 4.3 (a wrong content checksum among them) are refused as damage
#       whether or not this Python has a zstd module, and valid frames of raw
#       and RLE blocks decode either way; with ./newspack built, an archive
#       made by create --codec zstd
#       holds codec 2 objects and npkcheck.py verify -p exits 0 (npkcheck.py
#       decodes zstd itself; test_zstd_py.sh checks that decoder), extract
#       gives the inputs back, and a byte flipped in a zstd object makes verify
#       exit 1;
#   (f) with ../shared/corpus beside the project: an archive of its bbc folder
#       made by ./newspack passes npkcheck.py verify, and npkcheck.py extract
#       gives the folder back (diff -r).
# Without python3 the suite prints a note and 0 passed, 0 failed.
# Scratch files go under build/independent-scratch/run-PID/, removed when all
# passed.

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2
LC_ALL=C
export LC_ALL
unset SOURCE_DATE_EPOCH
SUITE=independent
PASSED=0
FAILED=0
START_TIME=$(date +%s)

pass() {
	PASSED=$((PASSED + 1))
	echo "ok    $1"
}
fail() {
	FAILED=$((FAILED + 1))
	echo "FAIL  $1"
	shift
	for _line in "$@"; do
		printf '      %s\n' "$_line"
	done
}
note() {
	echo "note  $*"
}
info() {
	echo "info  $*"
}
finish() {
	info "$SUITE took $(($(date +%s) - START_TIME)) s"
	if [ "$FAILED" -eq 0 ]; then
		rm -rf "$S"
	else
		info "scratch files kept in $S"
	fi
	echo "$SUITE: $PASSED passed, $FAILED failed"
	[ "$FAILED" -eq 0 ] || exit 1
	exit 0
}
# show FILE: up to 20 lines of FILE, indented.
show() {
	if [ -s "$1" ]; then
		head -n 20 "$1" | cut -c 1-200 | sed 's/^/        | /'
	else
		echo "        | (empty)"
	fi
}

echo "== suite $SUITE"
if ! command -v python3 > /dev/null 2>&1; then
	note "python3 is not installed; npkcheck.py cannot run, nothing checked"
	echo "$SUITE: 0 passed, 0 failed"
	exit 0
fi

# One folder per run, so that two runs at once (two make check) do not meet;
# it is removed when everything passed and kept for inspection otherwise.
S="$top/build/independent-scratch/run-$$"
[ -d "$S" ] && chmod -R u+rwx "$S" 2> /dev/null
rm -rf "$S"
mkdir -p "$S" || {
	echo "$SUITE: cannot make $S"
	echo "$SUITE: 0 passed, 1 failed"
	exit 1
}
V="$top/spec/vectors"
CHECK="$V/npkcheck.py"
OUT="$S/stdout"
ERR="$S/stderr"

# expect CODE DESC CMD...: runs CMD, checks its exit code.
expect() {
	_want=$1
	_desc=$2
	shift 2
	"$@" < /dev/null > "$OUT" 2> "$ERR"
	RC=$?
	if [ "$RC" -eq "$_want" ]; then
		pass "$_desc"
		return 0
	fi
	fail "$_desc" "expected exit code $_want, got $RC" "command: $*"
	echo "      stdout:"
	show "$OUT"
	echo "      stderr:"
	show "$ERR"
	return 1
}
# expect_out TEXT DESC: the last command's stdout holds TEXT.
expect_out() {
	if grep -F -e "$1" "$OUT" > /dev/null; then
		pass "$2"
	else
		fail "$2" "expected to find: $1"
		show "$OUT"
	fi
}
# same_tree EXPECTED ACTUAL DESC: the same file names, each file equal (cmp).
same_tree() {
	(cd "$1" && find . -type f | sort) > "$S/tree.want"
	(cd "$2" && find . -type f | sort) > "$S/tree.got"
	if ! cmp -s "$S/tree.want" "$S/tree.got"; then
		fail "$3" "the file names differ:"
		diff "$S/tree.want" "$S/tree.got" | head -n 20 | sed 's/^/        | /'
		return 1
	fi
	_bad=0
	while read -r _f; do
		if ! cmp "$1/$_f" "$2/$_f" > "$S/cmp.out" 2>&1; then
			_bad=$((_bad + 1))
			[ "$_bad" -le 5 ] && sed 's/^/        | /' "$S/cmp.out"
		fi
	done < "$S/tree.want"
	if [ "$_bad" -eq 0 ]; then
		pass "$3"
	else
		fail "$3" "$_bad file(s) differ"
	fi
}

# ------------------------------------------------------------ (a) verify
VEC="$V/vector.npk"
KEYID=$(sed -n 's/^untrusted comment: .* \([0-9A-F]\{16\}\)$/\1/p' "$V/test.pub")
expect 0 "npkcheck.py verify of the vector with its key exits 0" \
	python3 "$CHECK" verify "$VEC" -p "$V/test.pub" &&
	expect_out "valid signature by trusted key ID $KEYID" "and names its key id $KEYID"
expect 3 "npkcheck.py verify of the vector without a key exits 3" \
	python3 "$CHECK" verify "$VEC" &&
	expect_out "valid signature by untrusted key ID $KEYID" "and says the signer is untrusted"
expect 3 "npkcheck.py verify of the vector with another key exits 3" \
	python3 "$CHECK" verify "$VEC" -p "$top/tests/keys/other.pub"
expect 2 "npkcheck.py with no command exits 2" python3 "$CHECK"

# ------------------------------------------------------------ (b) extract
expect 0 "npkcheck.py extract of the vector exits 0" \
	python3 "$CHECK" extract "$VEC" "$S/vector-out" -p "$V/test.pub" &&
	same_tree "$V/input" "$S/vector-out" "the extracted documents are spec/vectors/input/, byte for byte"

# ------------------------------------------------------------ (c) flips
# 20 offsets from 0 to size-1, then the first byte of the signature block's
# key_id (manifest_offset + manifest_size + 2, from the trailer).
python3 - "$VEC" > "$S/offsets" << 'EOF'
import struct, sys
b = open(sys.argv[1], "rb").read()
for i in range(20):
    print(i * (len(b) - 1) // 19)
mo, ms = struct.unpack_from("<QI", b, len(b) - 32)
print("kid", mo + ms + 2)
EOF
flip() { # flip SRC DST OFFSET
	python3 -c 'import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[int(sys.argv[3])] ^= 1
open(sys.argv[2], "wb").write(b)' "$1" "$2" "$3" < /dev/null
}
flips_ok=0
while read -r off; do
	case $off in kid*) continue ;; esac
	flip "$VEC" "$S/flipped.npk" "$off"
	python3 "$CHECK" verify "$S/flipped.npk" -p "$V/test.pub" < /dev/null > "$OUT" 2> "$ERR"
	rc=$?
	if [ "$rc" -eq 1 ] && grep -q '^FAIL ' "$OUT"; then
		flips_ok=$((flips_ok + 1))
	else
		fail "a byte flipped at offset $off: verify exits 1 and names the problem" \
			"exit code $rc"
		show "$OUT"
	fi
done < "$S/offsets"
[ "$flips_ok" -eq 20 ] && pass "a byte flipped at each of 20 spread offsets: verify exits 1 every time"
kid=$(sed -n 's/^kid //p' "$S/offsets")
flip "$VEC" "$S/flipped.npk" "$kid"
expect 1 "a byte flipped in the signature block's key_id (offset $kid): verify exits 1" \
	python3 "$CHECK" verify "$S/flipped.npk" -p "$V/test.pub"

# ------------------------------------------------------------ (d) README
# block NAME: the lines of README.md between <!-- NAME begin --> and
# <!-- NAME end -->.
block() {
	sed -n "/^<!-- $1 begin -->\$/,/^<!-- $1 end -->\$/p" "$V/README.md" | sed '1d' | sed '$d'
}
# same_block NAME FILE DESC: block NAME of README.md is FILE.
same_block() {
	block "$1" > "$S/$1.readme"
	if cmp -s "$2" "$S/$1.readme"; then
		pass "$3"
	else
		fail "$3" "run sh spec/vectors/regen.sh (spec/vectors/README.md says so); the difference:"
		diff "$S/$1.readme" "$2" | head -n 20 | sed 's/^/        | /'
	fi
}
(cd "$V" && python3 npkcheck.py dump vector.npk) > "$S/dump.now" 2> "$ERR"
rc=$?
if [ "$rc" -ne 0 ]; then
	fail "npkcheck.py dump of the vector exits 0" "exit code $rc"
	show "$S/dump.now"
else
	{
		echo '```text'
		cat "$S/dump.now"
		echo '```'
	} > "$S/dump.fenced"
	same_block dump "$S/dump.fenced" \
		"the dump in spec/vectors/README.md is the current output of npkcheck.py dump"
fi
if (cd "$V" && python3 npkcheck.py digests vector.npk) > "$S/digests.now" 2> "$ERR"; then
	same_block digests "$S/digests.now" \
		"the expected digests in spec/vectors/README.md are the current output of npkcheck.py digests"
else
	fail "npkcheck.py digests of the vector exits 0"
	show "$ERR"
fi
if (cd "$V" && python3 npkcheck.py digests --whole-file vector.npk) > "$S/file-digests.now" 2> "$ERR"; then
	same_block file-digests "$S/file-digests.now" \
		"the whole-file digests in spec/vectors/README.md are the current output of npkcheck.py digests --whole-file"
else
	fail "npkcheck.py digests --whole-file of the vector exits 0"
	show "$ERR"
fi

for alg in sha256 blake2b-256; do
	d=$(python3 -c 'import hashlib, sys
data = open(sys.argv[2], "rb").read()
h = hashlib.sha256(data) if sys.argv[1] == "sha256" else hashlib.blake2b(data, digest_size=32)
print(h.hexdigest())' "$alg" "$VEC")
	if grep -F -e "| \`$d\` |" "$V/README.md" > /dev/null; then
		pass "spec/vectors/README.md gives the vector's $alg, $d"
	else
		fail "spec/vectors/README.md gives the vector's $alg, $d"
	fi
done

# ------------------------------------------------------------ (e) zstd
# npkcheck.py decodes zstd itself (with a zstd module, when there is one, for
# speed): zstd archives must verify either way.
have_zstd=yes

# Frames made by hand (raw and RLE blocks, RFC 8878 section 3.1.1), each
# breaking one rule of format.md section 4.3, must be refused as damage, module
# or not; a valid one must decode, module or not (npkcheck.py decodes raw and
# RLE blocks itself; compressed blocks are the zstd archive's, below).
cat > "$S/frames.py" << 'PYEOF'
import importlib.util, sys
spec = importlib.util.spec_from_file_location("npkcheck", sys.argv[1])
npk = importlib.util.module_from_spec(spec)
spec.loader.exec_module(npk)
have = sys.argv[2] == "yes"
MAGIC = b"\x28\xb5\x2f\xfd"
content = b"newspack zstd frame check\n" * 3
n = len(content)


def raw_block(data, last=True):
    return ((len(data) << 3) | int(last)).to_bytes(3, "little") + data


def rle_block(byte, size, last=True):
    return ((size << 3) | 2 | int(last)).to_bytes(3, "little") + byte


# single segment, 1-byte Frame_Content_Size, one raw block
good = MAGIC + bytes([0x20, n]) + raw_block(content)
# with a Content_Checksum: the low 32 bits of XXH64 of the content; the
# XXH64 of 78 bytes is checked against its published value first
check = npk.xxh64(content) & 0xFFFFFFFF
checked = MAGIC + bytes([0x24, n]) + raw_block(content) + check.to_bytes(4, "little")
rle = b"z" * 200
rle_frame = MAGIC + bytes([0x24, 200]) + rle_block(b"z", 100, False) + rle_block(b"z", 100) \
    + (npk.xxh64(rle) & 0xFFFFFFFF).to_bytes(4, "little")
if npk.xxh64(b"") != 0xEF46DB3751D8E999 or npk.xxh64(b"a") != 0xD24EC4F1A98C6E5B:
    print("npkcheck.py's XXH64 is wrong")
    sys.exit(1)
skippable = (0x184D2A50).to_bytes(4, "little") + (0).to_bytes(4, "little")
bad = {
    "no content size": MAGIC + bytes([0x00, 0x00]) + raw_block(content),
    "a content size other than raw_size": MAGIC + bytes([0x20, n + 1]) + raw_block(content),
    "a dictionary": MAGIC + bytes([0x21, 7, n]) + raw_block(content),
    "a window over 2^26": MAGIC + bytes([0x80, 17 << 3]) + n.to_bytes(4, "little")
    + raw_block(content),
    "trailing bytes": good + b"\0",
    "a second frame": good + good,
    "a skippable frame after it": good + skippable,
    "a skippable frame first": skippable + good,
    "no last block": MAGIC + bytes([0x20, n]) + raw_block(content, last=False),
    "a wrong content checksum": MAGIC + bytes([0x24, n]) + raw_block(content)
    + (check ^ 1).to_bytes(4, "little"),
}
ok = True
for name, f, want in [("a valid frame", good, content),
                      ("a valid frame with Dictionary_ID 0",
                       MAGIC + bytes([0x21, 0, n]) + raw_block(content), content),
                      ("a valid frame with a content checksum", checked, content),
                      ("a valid frame of two RLE blocks with a checksum", rle_frame, rle)]:
    out, why = npk.decode_payload(2, f, len(want))
    if out != want:
        print("%s does not decode (zstd module: %s): %s" % (name, have, why))
        ok = False
for name, f in bad.items():
    out, why = npk.decode_payload(2, f, n)
    if out is not None or why is None or isinstance(why, npk.Newer):
        print("a frame with %s is not refused as damage: %r" % (name, why))
        ok = False
    else:
        print("refused, %s: %s" % (name, why))
sys.exit(0 if ok else 1)
PYEOF
if python3 "$S/frames.py" "$CHECK" "$have_zstd" < /dev/null > "$S/frames.out" 2>&1; then
	pass "npkcheck.py refuses hand-made zstd frames that break format.md 4.3 (content size, dictionary, window, one frame, checksum) and decodes valid ones"
else
	fail "npkcheck.py refuses hand-made zstd frames that break format.md 4.3 (content size, dictionary, window, one frame, checksum) and decodes valid ones"
	show "$S/frames.out"
fi

if [ ! -x "$top/newspack" ]; then
	note "$top/newspack is not built (make); the checks of archives it makes are skipped"
	finish
fi
XDG_CONFIG_HOME="$S/config"
HOME="$S/home"
export XDG_CONFIG_HOME HOME
mkdir -p "$XDG_CONFIG_HOME" "$HOME"
KEY="$XDG_CONFIG_HOME/newspack/newspack.key"
PUB="$XDG_CONFIG_HOME/newspack/newspack.pub"
expect 0 "newspack keygen -W in the scratch configuration" "$top/newspack" keygen -W
SKEYID=$(sed -n 's/^untrusted comment: .* \([0-9A-F]\{16\}\)$/\1/p' "$PUB")

# The vector's inputs and a compressible file, so that zstd makes the blocks
# smaller and they are not stored as codec 0.
mkdir -p "$S/zin"
cp -R "$V/input/." "$S/zin/"
python3 -c 'import sys
with open(sys.argv[1], "w") as f:
    for i in range(600):
        f.write("Line %d of a report on the harbour wall, read by the zstd check.\n" % (i % 41))' \
	"$S/zin/report.txt" < /dev/null
Z="$S/zstd.npk"
if expect 0 "newspack create --codec zstd" \
	"$top/newspack" create -q --codec zstd -s "$KEY" "$Z" "$S/zin"; then
	python3 "$CHECK" dump "$Z" < /dev/null > "$S/zstd.dump" 2> "$ERR"
	nz=$(grep -c ' 2 (zstd)$' "$S/zstd.dump")
	if [ "$nz" -ge 2 ]; then
		pass "the zstd archive holds codec 2 objects ($nz)"
	else
		fail "the zstd archive holds codec 2 objects" "npkcheck.py dump shows $nz"
		show "$S/zstd.dump"
	fi
	expect 0 "npkcheck.py verify of the zstd archive with its key exits 0" \
		python3 "$CHECK" verify "$Z" -p "$PUB" &&
		expect_out "valid signature by trusted key ID $SKEYID" "and names its key id"
	expect 0 "npkcheck.py extract of the zstd archive exits 0" \
		python3 "$CHECK" extract "$Z" "$S/zstd-out" -p "$PUB" &&
		same_tree "$S/zin" "$S/zstd-out" "the extracted documents are the inputs, byte for byte"
	# The first object's frame header descriptor (file offset 32 + 24 + 4):
	# its digest no longer matches, which is damage, module or not.
	flip "$Z" "$S/zstd-flipped.npk" 60
	expect 1 "a byte flipped in the zstd archive's first frame: verify exits 1" \
		python3 "$CHECK" verify "$S/zstd-flipped.npk" -p "$PUB" &&
		expect_out "H(object)" "and names the object's digest"
fi

# ------------------------------------------------------------ (f) corpus
CORPUS="$top/../shared/corpus/bbc"
if [ ! -d "$CORPUS" ]; then
	note "no corpus at $CORPUS; the corpus checks are skipped"
	finish
fi
CORPUS=$(cd "$CORPUS" && pwd)
A="$S/bbc.npk"
expect 0 "newspack create of the bbc corpus" \
	"$top/newspack" create -q -s "$KEY" "$A" "$CORPUS" &&
	expect 0 "npkcheck.py verify of the corpus archive with its key exits 0" \
		python3 "$CHECK" verify "$A" -p "$PUB" &&
	expect 0 "npkcheck.py extract of the corpus archive exits 0" \
		python3 "$CHECK" extract "$A" "$S/bbc-out" -p "$PUB" &&
	if diff -r "$CORPUS" "$S/bbc-out" > "$S/diff.out" 2>&1; then
		pass "the extracted corpus is the original, byte for byte (diff -r)"
	else
		fail "the extracted corpus is the original, byte for byte (diff -r)"
		show "$S/diff.out"
	fi
finish
