#!/bin/sh
# Suite "zstd-py": the Zstandard decoder that spec/vectors/npkcheck.py carries
# in the Python standard library (RFC 8878), forced with NPKCHECK_PURE_ZSTD=1
# so that it runs even where this Python has a zstd module.
#   (a) frames made by the zstd command at levels 1, 3, 8 and 19, with and
#       without --check (Content_Checksum), of text from ../shared/corpus (one
#       over 128 KiB, so several blocks), random, repetitive and skewed bytes,
#       fixed-size records, an empty input and a single byte, decode byte for
#       byte; so does a 1 MiB text frame at level 1, whose window (512 KiB) is
#       smaller than its content (a Window_Descriptor, no single segment); a
#       frame made by hand of RLE literals and no sequences decodes, and a
#       frame of compressed blocks with a wrong Content_Checksum is refused;
#   (b) an archive made by newspack create --codec zstd passes npkcheck.py
#       verify -p (exit 0), and npkcheck.py extract gives its inputs back;
#   (c) damaged frames (cut at many lengths, a bit flipped at many offsets,
#       and 300 random mutations from a fixed seed) are refused with a message
#       (or, when the change leaves the content as it was, decode to it), never
#       with another exception; and verify of an archive whose zstd object is
#       damaged exits 1 with no Python traceback.
# It prints the decoder's speed on a 1 MiB text frame (information only).
# Without python3 or the zstd command it prints a note and checks nothing.

. "$(dirname "$0")/lib.sh"
suite_begin zstd-py

if ! command -v python3 > /dev/null 2>&1 || ! command -v zstd > /dev/null 2>&1; then
	note "python3 or the zstd command is missing; nothing checked"
	finish
fi
NPKCHECK_PURE_ZSTD=1
export NPKCHECK_PURE_ZSTD
CHECK="$top/spec/vectors/npkcheck.py"
CORPUS="$top/../shared/corpus/bbc"

# ------------------------------------------------------------ inputs
mkdir -p "$S/in"
if [ -d "$CORPUS/tech" ]; then
	# Sorted, so that every run packs the same text.
	find "$CORPUS/tech" -type f -name '*.txt' | sort | head -n 80 | xargs cat > "$S/in/text-big"
else
	note "$CORPUS is missing; the text inputs are made up instead"
	python3 -c 'import sys
for i in range(4000):
    sys.stdout.write("Paragraph %d: the council met on the harbour wall at %d.\n" % (i, i * 7 % 97))' \
		> "$S/in/text-big"
fi
head -c 3000 "$S/in/text-big" > "$S/in/text-small"
python3 - "$S/in" << 'PYEOF'
import random, sys
d = sys.argv[1]
rng = random.Random(12)
def put(name, data):
    with open("%s/%s" % (d, name), "wb") as f:
        f.write(data)
put("random", bytes(rng.randrange(256) for _ in range(40000)))
put("repeat", b"newspack " * 20000)
# Few symbols, skewed: Huffman weights written directly (4 bits each).
put("skew", bytes(rng.choices(range(40), weights=[int(1000 * 0.8 ** i) + 1 for i in range(40)],
                              k=40000)))
# Records of 8 random bytes and 24 fixed ones: RLE_Mode sequence tables.
fixed = bytes(rng.randrange(256) for _ in range(24))
put("records", b"".join(bytes(rng.randrange(256) for _ in range(8)) + fixed for _ in range(3000)))
put("empty", b"")
put("one", b"x")
PYEOF
nbig=$(file_size "$S/in/text-big")
expect_true "the large text input is over 128 KiB ($nbig bytes), so its frames hold several blocks" -- \
	[ "$nbig" -gt 131072 ]

# ------------------------------------------------------------ (a) frames
mkdir -p "$S/frames"
: > "$S/pairs"
for f in "$S"/in/*; do
	name=$(basename "$f")
	for level in 1 3 8 19; do
		for check in --check --no-check; do
			z="$S/frames/$name.$level$check.zst"
			zstd -q -f "-$level" "$check" "$f" -o "$z" < /dev/null || fail "zstd -$level $check $name"
			echo "$f $z" >> "$S/pairs"
		done
	done
done
echo "frames: $(wc -l < "$S/pairs") made by zstd $(zstd -V | sed -n 's/.* v\([0-9.]*\).*/\1/p')" > "$S/frames.info"
info "$(cat "$S/frames.info")"

# decode.py NPKCHECK PAIRS: decodes each frame of PAIRS ("ORIGINAL FRAME" a
# line) with decode_zstd and prints "ok NAME" or "FAIL NAME: why".
cat > "$S/decode.py" << 'PYEOF'
import importlib.util, os, sys
spec = importlib.util.spec_from_file_location("npkcheck", sys.argv[1])
npk = importlib.util.module_from_spec(spec)
spec.loader.exec_module(npk)
if not npk.ZSTD_PURE:
    print("FAIL NPKCHECK_PURE_ZSTD=1 does not force the pure decoder")
for line in open(sys.argv[2]):
    orig, frame = line.split()
    want = open(orig, "rb").read()
    out, why = npk.decode_zstd(open(frame, "rb").read(), len(want))
    name = os.path.basename(frame)
    if out == want:
        print("ok %s" % name)
    else:
        print("FAIL %s: %s" % (name, why or "decodes to other bytes"))
PYEOF
python3 "$S/decode.py" "$CHECK" "$S/pairs" < /dev/null > "$S/decode.out" 2>&1
nok=$(grep -c '^ok ' "$S/decode.out")
if [ "$nok" -eq "$(wc -l < "$S/pairs")" ] && ! grep -v '^ok ' "$S/decode.out" > /dev/null; then
	pass "every zstd frame ($nok: 8 inputs, levels 1 3 8 19, with and without --check) decodes byte for byte"
else
	fail "every zstd frame decodes byte for byte ($nok of $(wc -l < "$S/pairs"))"
	grep -v '^ok ' "$S/decode.out" | head -n 20 | sed 's/^/        | /'
fi

# Frames made by hand (RFC 8878 section 3.1.1): one compressed block of RLE
# literals and no sequences; and the same content in a block of Huffman
# literals taken from a zstd frame, with its Content_Checksum changed.
python3 - "$CHECK" "$S/frames/text-small.1--check.zst" "$S/in/text-small" > "$S/hand.out" 2>&1 << 'PYEOF'
import importlib.util, sys
spec = importlib.util.spec_from_file_location("npkcheck", sys.argv[1])
npk = importlib.util.module_from_spec(spec)
spec.loader.exec_module(npk)
MAGIC = b"\x28\xb5\x2f\xfd"
# Literals_Section_Header: RLE (type 1), Size_Format 0, Regenerated_Size 20;
# the byte; Number_of_Sequences 0. Block_Header: last, Compressed_Block, 3 bytes.
block = bytes([(20 << 3) | 1]) + b"q" + b"\0"
frame = MAGIC + bytes([0x20, 20]) + ((len(block) << 3) | 4 | 1).to_bytes(3, "little") + block
out, why = npk.decode_zstd(frame, 20)
print("rle", "ok" if out == b"q" * 20 else "FAIL %r" % why)
# The same block with 4 bytes after the sequences header: refused.
bad = block + b"\0\0\0\0"
frame = MAGIC + bytes([0x20, 20]) + ((len(bad) << 3) | 4 | 1).to_bytes(3, "little") + bad
out, why = npk.decode_zstd(frame, 20)
print("trailing", "ok" if out is None and why else "FAIL %r" % out)
z = bytearray(open(sys.argv[2], "rb").read())
want = open(sys.argv[3], "rb").read()
z[-1] ^= 0x40
out, why = npk.decode_zstd(bytes(z), len(want))
print("checksum", "ok" if out is None and "Content_Checksum" in why else "FAIL %r" % why)
PYEOF
expect_contains "$S/hand.out" "rle ok" "a hand-made block of RLE literals and no sequences decodes"
expect_contains "$S/hand.out" "trailing ok" "and with bytes after its empty sequences section it is refused"
expect_contains "$S/hand.out" "checksum ok" "a frame of compressed blocks with a wrong Content_Checksum is refused, naming it"

# A 1 MiB text frame at level 1: a 512 KiB window, so not a single segment;
# and the decoder's speed on it, for information.
cat "$S/in/text-big" "$S/in/text-big" "$S/in/text-big" "$S/in/text-big" "$S/in/text-big" \
	"$S/in/text-big" "$S/in/text-big" "$S/in/text-big" | head -c 1048576 > "$S/mib"
zstd -q -f -1 "$S/mib" -o "$S/mib.zst" < /dev/null
python3 - "$CHECK" "$S/mib.zst" "$S/mib" > "$S/speed.out" 2>&1 << 'PYEOF'
import importlib.util, sys, time
spec = importlib.util.spec_from_file_location("npkcheck", sys.argv[1])
npk = importlib.util.module_from_spec(spec)
spec.loader.exec_module(npk)
frame, want = open(sys.argv[2], "rb").read(), open(sys.argv[3], "rb").read()
info, why = npk.zstd_frame(frame, len(want))
print("window %s" % (info["window"] if info and not info["single_segment"] else why or "single"))
t = time.time()
out, why = npk.decode_zstd(frame, len(want))
t = time.time() - t
print("%s: %.2f MB/s (%d bytes in %.2f s)" % ("ok" if out == want else "FAIL",
      len(want) / t / 1e6, len(want), t))
PYEOF
expect_contains "$S/speed.out" "window 524288" "the 1 MiB level 1 frame has a window of 512 KiB" &&
	expect_contains "$S/speed.out" "ok:" "and decodes byte for byte" &&
	info "pure-Python zstd decoder speed: $(sed -n 's/^ok: //p' "$S/speed.out")"

# ------------------------------------------------------------ (b) archives
mkdir -p "$S/docs/sub"
cp "$S/in/text-big" "$S/in/random" "$S/in/records" "$S/in/empty" "$S/docs/"
cp "$S/in/text-small" "$S/in/skew" "$S/in/one" "$S/docs/sub/"
A="$S/z.npk"
if expect_exit 0 "newspack create --codec zstd" -- \
	"$NP" create -q --codec zstd --cluster-size 65536 -s "$KEYS/test.key" "$A" "$S/docs"; then
	run python3 "$CHECK" dump "$A"
	nz=$(grep -c ' 2 (zstd)$' "$OUT")
	expect_true "the archive holds codec 2 objects ($nz)" -- [ "$nz" -ge 3 ]
	expect_exit 0 "npkcheck.py verify -p tests/keys/test.pub of the zstd archive exits 0" -- \
		python3 "$CHECK" verify "$A" -p "$KEYS/test.pub"
	expect_exit 0 "npkcheck.py extract of the zstd archive exits 0" -- \
		python3 "$CHECK" extract "$A" "$S/out" -p "$KEYS/test.pub" &&
		if diff -r "$S/docs" "$S/out" > "$S/diff.out" 2>&1; then
			pass "the extracted documents are the inputs, byte for byte"
		else
			fail "the extracted documents are the inputs, byte for byte"
			show_file diff "$S/diff.out"
		fi
fi

# ------------------------------------------------------------ (c) damage
cat > "$S/damage.py" << 'PYEOF'
import importlib.util, random, sys
spec = importlib.util.spec_from_file_location("npkcheck", sys.argv[1])
npk = importlib.util.module_from_spec(spec)
spec.loader.exec_module(npk)
frames = []
for orig, frame in zip(sys.argv[2::2], sys.argv[3::2]):
    frames.append((open(orig, "rb").read(), open(frame, "rb").read()))
counts = {"refused": 0, "same": 0, "other": 0, "crash": 0}


def attempt(what, want, data, checked):
    try:
        out, why = npk.decode_zstd(bytes(data), len(want))
    except Exception as e:
        counts["crash"] += 1
        print("FAIL %s: %s: %s" % (what, type(e).__name__, e))
        return
    if out is None:
        if not why:
            print("FAIL %s: refused without a message" % what)
        counts["refused"] += 1
    elif out == want:
        counts["same"] += 1
    elif checked:
        print("FAIL %s: a frame with a checksum decodes to other bytes" % what)
    else:
        counts["other"] += 1         # no checksum to catch it: not an error


for want, f in frames:
    checked = bool(f[4] & 4)
    for cut in range(0, len(f), max(1, len(f) // 40)):
        attempt("cut at %d" % cut, want, f[:cut], checked)
    for off in range(4, len(f), max(1, len(f) // 60)):
        for bit in (0, 3, 7):
            b = bytearray(f)
            b[off] ^= 1 << bit
            attempt("bit %d of byte %d flipped" % (bit, off), want, b, checked)
rng = random.Random(20261203)
for i in range(300):
    want, f = rng.choice(frames)
    b = bytearray(f)
    kind = rng.randrange(3)
    if kind == 0:
        for _ in range(rng.randint(1, 4)):
            b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
    elif kind == 1:
        for _ in range(rng.randint(1, 3)):
            b[rng.randrange(len(b))] = rng.randrange(256)
    else:
        k = rng.randrange(len(b))
        b[k:k + rng.randint(1, 8)] = bytes(rng.randrange(256) for _ in range(rng.randint(0, 8)))
    attempt("mutation %d" % i, want, b, bool(f[4] & 4))
print("damage: %(refused)d refused, %(same)d unchanged content, %(other)d other content "
      "(no checksum), %(crash)d other exceptions" % counts)
PYEOF
F="$S/frames"
python3 "$S/damage.py" "$CHECK" \
	"$S/in/text-small" "$F/text-small.3--check.zst" "$S/in/text-small" "$F/text-small.19--no-check.zst" \
	"$S/in/skew" "$F/skew.1--no-check.zst" "$S/in/records" "$F/records.8--no-check.zst" \
	"$S/in/repeat" "$F/repeat.19--check.zst" < /dev/null > "$S/damage.out" 2>&1
if grep -q '^damage: ' "$S/damage.out" && ! grep -q '^FAIL\|Traceback' "$S/damage.out"; then
	pass "damaged frames (cut, bits flipped, 300 random mutations) are refused with a message, never another exception"
	info "$(grep '^damage: ' "$S/damage.out")"
else
	fail "damaged frames are refused with a message, never another exception"
	show_file damage "$S/damage.out"
fi

# The first object's frame (file offset 32 + 24 for the object header): a
# flipped byte is damage, and npkcheck.py says so without a traceback.
if [ -f "$A" ]; then
	cp "$A" "$S/flipped.npk"
	python3 -c 'import sys
f = open(sys.argv[1], "r+b"); f.seek(64); b = f.read(1); f.seek(64); f.write(bytes([b[0] ^ 0x10]))' \
		"$S/flipped.npk" < /dev/null
	expect_exit 1 "npkcheck.py verify of the archive with a byte of a zstd frame flipped exits 1" -- \
		python3 "$CHECK" verify "$S/flipped.npk" -p "$KEYS/test.pub" &&
		expect_not_contains "$ERR" "Traceback" "and prints no Python traceback"
fi

finish
