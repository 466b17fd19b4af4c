#!/bin/sh
# test_parity.sh - Reed-Solomon parity (spec/format.md 15.10): protect,
# create --parity, verify's parity report, and repair.
#   - protect of an archive equals create --parity of the same inputs, byte
#     for byte; it verifies; verify says "parity: 5%, k=240 p=12";
#   - each damage of issue 13 scaled to the file (three bursts of 1%, 60
#     single-bit flips, the first 16 KiB zeroed and the last 0.5% cut, one
#     burst of 4%, a burst inside the parity section, bytes inserted, bytes
#     deleted, both at two places): verify exits 1 and names the damaged byte ranges as
#     repairable; repair exits 0 and its output equals the undamaged file;
#   - beyond capacity (a 10% burst): verify says so, repair exits 1, says it
#     cannot and writes nothing; parity forged to look intact (its CRC
#     entries rewritten) never gives a wrong archive: repair exits 1;
#   - --in-place, -o, an existing OUT, an intact archive, no parity; without
#     parity, a header and manifest served by their survival copies;
#   - protect of a 1.0 archive (cut at its signed size, the same bytes) and
#     of a damaged archive (refused, unchanged); bad --parity values.
# The same damage runs on the corpus (../shared/corpus) when it is there.
. "$(dirname "$0")/lib.sh"
suite_begin parity

PUB="$KEYS/test.pub"
SEC="$KEYS/test.key"

# dmg FILE KIND: damages FILE in place, as issue 13's table says, scaled to
# its size (random bytes from a fixed seed, so every run is the same).
dmg() {
	python3 - "$1" "$2" << 'EOF'
import os, random, sys
path, kind = sys.argv[1], sys.argv[2]
rnd = random.Random(kind)
data = bytearray(open(path, 'rb').read())
n = len(data)
def burst(at, length):
    data[at:at + length] = bytes(rnd.randrange(256) for _ in range(length))
if kind == 'bursts':            # three bursts of 1% each
    for f in (0.1, 0.45, 0.8):
        burst(int(n * f), n // 100)
elif kind == 'flips':           # 60 single-bit flips spread at random (20 under 10 MB)
    for _ in range(60 if n > 10 << 20 else 20):
        at = rnd.randrange(n)
        data[at] ^= 1 << rnd.randrange(8)
elif kind == 'ends':            # the first 16 KiB zeroed, the last 0.5% cut
    data[:16384] = bytes(16384)
    del data[n - n // 200:]
elif kind == 'burst4':          # one burst of 4%
    burst(int(n * 0.3), n * 4 // 100)
elif kind == 'parity':          # a burst inside the parity section
    signed = int(sys.argv[3]) if len(sys.argv) > 3 else int(os.environ['SIGNED'])
    burst(signed + 5000, (n - signed) // 3)
elif kind == 'insert':          # 777 bytes inserted in the middle
    data[n // 2:n // 2] = b'X' * 777
elif kind == 'delete':          # 1000 bytes deleted at a third
    del data[n // 3:n // 3 + 1000]
elif kind == 'shifts':          # 777 bytes inserted at a quarter, 1000 deleted at three quarters
    del data[n * 3 // 4:n * 3 // 4 + 1000]
    data[n // 4:n // 4] = b'Y' * 777
elif kind == 'burst10':         # one burst of 10%: beyond the parity
    burst(int(n * 0.3), n // 10)
open(path, 'wb').write(data)
EOF
}

# signed_size FILE: the tail trailer's signed_size (15.5).
signed_size() {
	python3 -c "import struct,sys; d=open(sys.argv[1],'rb').read(); print(struct.unpack('<Q', d[-32:-24])[0])" "$1"
}

# repair_case NAME GOOD KIND: damages a copy of GOOD by KIND; verify exits 1
# and calls every range repairable; repair exits 0 and gives GOOD back.
repair_case() {
	_d="$S/$1-$3.npk"
	_r="$S/$1-$3.repaired.npk"
	cp "$2" "$_d"
	SIGNED=$(signed_size "$2") dmg "$_d" "$3"
	run "$NP" verify -p "$PUB" "$_d"
	if [ "$3" = parity ]; then
		# the tail is never the verdict (15.5): TAIL lines, exit 0
		expect_eq "$RC" 0 "$1, $3: verify exits 0 (the signed part is intact)"
		expect_contains "$OUT" "TAIL" "$1, $3: verify reports the damaged tail"
		expect_contains "$OUT" "parity blocks damaged: parity can repair them" \
			"$1, $3: verify counts the lost parity blocks"
	else
		expect_eq "$RC" 1 "$1, $3: verify exits 1"
		expect_contains "$OUT" "parity can repair them" "$1, $3: verify names damaged ranges parity can repair" ||
			show_file stdout "$OUT"
		expect_not_contains "$OUT" "beyond what parity can repair" "$1, $3: and none beyond"
	fi
	expect_exit 0 "$1, $3: repair exits 0" -- "$NP" repair "$_d" &&
		expect_contains "$OUT" "$_r verifies" "$1, $3: repair names what it wrote"
	expect_same "$_r" "$2" "$1, $3: the repaired archive equals the undamaged one, byte for byte"
	rm -f "$_d" "$_r"
}

# A tree of 300 files of random base64 (4 MB that do not compress: about
# 1,000 blocks, k=240 p=12 in 5 stripes) in 12 folders.
T="$S/tree"
python3 - "$T" << 'EOF'
import base64, os, random, sys
rnd = random.Random(7)
for i in range(300):
    d = os.path.join(sys.argv[1], 'part-%02d' % (i % 12))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, 'article-%04d.txt' % i), 'wb') as f:
        f.write(base64.encodebytes(bytes(rnd.randrange(256) for _ in range(10000 + rnd.randrange(2000)))))
EOF
A="$S/a.npk"
P="$S/p.npk"
C5="$S/c5.npk"
expect_exit 0 "create" -- "$NP" create -q -s "$SEC" --timestamp 1700000000 --cluster-size 65536 "$A" "$T" || finish
cp "$A" "$P"
expect_exit 0 "protect exits 0" -- "$NP" protect "$P" &&
	expect_contains "$OUT" "protected $P: parity 5% (k=240 p=12)" "protect says what it added"
expect_exit 0 "create --parity 5" -- \
	"$NP" create -q -s "$SEC" --timestamp 1700000000 --cluster-size 65536 --parity 5 "$C5" "$T"
expect_same "$C5" "$P" "create --parity 5 equals create, then protect, byte for byte"
info "sizes: $(file_size "$A") without parity, $(file_size "$P") with --parity 5"
expect_true "parity 5 costs at most 6.5% of the archive" -- \
	test $(($(file_size "$P") * 1000)) -le $(($(file_size "$A") * 1065))
expect_exit 0 "verify of the protected archive exits 0" -- "$NP" verify -p "$PUB" "$P" &&
	expect_contains "$OUT" "  parity: 5%, k=240 p=12, " "verify shows the parity"
expect_exit 0 "verify --json" -- "$NP" verify --json -p "$PUB" "$P" &&
	expect_eq "$(python3 -c 'import json,sys; p=json.load(open(sys.argv[1]))["parity"]; print(p["k"], p["p"], p["percent"], p["lost_data"])' "$OUT")" \
		"240 12 5% 0" "verify --json: the parity object"
expect_exit 0 "protect of a protected archive (its tail replaced)" -- "$NP" protect "$P" &&
	expect_same "$P" "$C5" "and the same bytes"
expect_exit 0 "protect --parity 10" -- "$NP" protect --parity 10 "$P" &&
	expect_contains "$OUT" "(k=232 p=24)" "--parity 10: k=232 p=24"
expect_exit 0 "verify after --parity 10" -- "$NP" verify -p "$PUB" "$P"
cp "$C5" "$P"

for kind in bursts flips ends burst4 parity insert delete shifts; do
	repair_case small "$P" "$kind"
done
# parity without survival copies: repair writes the tail as it was
expect_exit 0 "create --parity 5 --no-copies" -- \
	"$NP" create -q -s "$SEC" --cluster-size 65536 --parity 5 --no-copies "$S/nc5.npk" "$T" &&
	repair_case nocopies "$S/nc5.npk" burst4

# ---- beyond capacity: nothing written, said so, exit 1
cp "$P" "$S/big.npk"
dmg "$S/big.npk" burst10
run "$NP" verify -p "$PUB" "$S/big.npk"
expect_eq "$RC" 1 "10% burst: verify exits 1"
expect_contains "$OUT" "beyond what parity can repair" "10% burst: verify says parity cannot repair it"
expect_exit 1 "10% burst: repair exits 1" -- "$NP" repair "$S/big.npk" &&
	expect_contains "$ERR" "$S/big.npk: cannot repair: " "10% burst: repair says it cannot" &&
	expect_contains "$ERR" "nothing was written" "10% burst: and that nothing was written"
expect_true "10% burst: no repaired file, no temporary file" -- \
	test ! -e "$S/big.repaired.npk" -a -z "$(ls -A "$S" | grep '\.tmp-')"
expect_exit 1 "10% burst: repair --json exits 1" -- "$NP" repair --json "$S/big.npk" &&
	expect_eq "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["ok"], d["written"], d["damaged"][0]["repairable"])' "$OUT")" \
		"False False False" "10% burst: --json says so"

# ---- forged parity: a parity block of stripe 0 and both its CRC entries
# rewritten to look intact, with a data block of stripe 0 damaged: the
# rebuilt bytes are wrong, and repair must refuse them
cp "$P" "$S/forged.npk"
python3 - "$S/forged.npk" "$(signed_size "$P")" << 'EOF'
import struct, sys, zlib
path, signed = sys.argv[1], int(sys.argv[2])
d = bytearray(open(path, 'rb').read())
h = d[signed:signed + 64]
k, p = struct.unpack('<HH', h[10:14])
B, S, G = struct.unpack('<III', h[16:28])
N = struct.unpack('<Q', h[40:48])[0]
T = 4 * (N + G * p * S)
first = signed + 64 + T
junk = bytes((i * 7) & 255 for i in range(B))
d[first:first + B] = junk                      # parity block 0: stripe (0, 0), row 0
crc = struct.pack('<I', zlib.crc32(junk))
for table in (signed + 64, first + G * p * S * B):
    d[table + 4 * N:table + 4 * N + 4] = crc
d[100:110] = b'\0' * 10                        # data block 0: stripe (0, 0)
open(path, 'wb').write(d)
EOF
expect_exit 1 "forged parity: repair exits 1" -- "$NP" repair "$S/forged.npk" &&
	expect_contains "$ERR" "the rebuilt archive does not verify" "forged parity: the rebuilt bytes are refused"
expect_true "forged parity: nothing written" -- test ! -e "$S/forged.repaired.npk"

# ---- --in-place, -o, existing OUT, intact, no parity
cp "$P" "$S/inplace.npk"
dmg "$S/inplace.npk" bursts
expect_exit 0 "--in-place exits 0" -- "$NP" repair --in-place "$S/inplace.npk"
expect_same "$S/inplace.npk" "$P" "--in-place: the archive is repaired in place"
cp "$P" "$S/o.npk"
dmg "$S/o.npk" flips
expect_exit 0 "-o OUT" -- "$NP" repair -o "$S/out.npk" "$S/o.npk" &&
	expect_same "$S/out.npk" "$P" "-o OUT: OUT is the repaired archive"
expect_exit 2 "-o OUT that exists is refused" -- "$NP" repair -o "$S/out.npk" "$S/o.npk" &&
	expect_contains "$ERR" "already exists" "and says so"
expect_exit 0 "repair of an intact archive exits 0" -- "$NP" repair "$P" &&
	expect_contains "$OUT" "nothing to repair" "and says there is nothing to repair"
expect_true "repair of an intact archive writes nothing" -- test ! -e "$S/p.repaired.npk"
cp "$A" "$S/plain.npk"
dmg "$S/plain.npk" flips
expect_exit 1 "repair without parity exits 1" -- "$NP" repair "$S/plain.npk" &&
	expect_contains "$ERR" "no parity section was found" "and says there is no parity"
expect_exit 2 "-o and --in-place together are refused" -- "$NP" repair -o x --in-place "$P"

# ---- without parity: the header and the signed trailer damaged, served by
# their survival copies (15.9), are written back from them
cp "$A" "$S/nc.npk"
python3 - "$S/nc.npk" "$(signed_size "$A")" << 'EOF'
import sys
path, signed = sys.argv[1], int(sys.argv[2])
d = bytearray(open(path, 'rb').read())
d[0:32] = bytes(32)
d[signed - 100:signed - 60] = b'\xa5' * 40
open(path, 'wb').write(d)
EOF
expect_exit 1 "copies: verify of the damaged archive exits 1" -- "$NP" verify -p "$PUB" "$S/nc.npk"
expect_exit 0 "copies: repair without parity exits 0" -- "$NP" repair "$S/nc.npk" &&
	expect_contains "$OUT" "from its survival copies" "copies: repair says it used the copies"
expect_same "$S/nc.repaired.npk" "$A" "copies: the repaired archive equals the undamaged one, byte for byte"

# ---- protect: a 1.0 archive, a damaged one, bad percentages
A10="$S/a10.npk"
expect_exit 0 "create --format-version 1.0" -- \
	"$NP" create -q -s "$SEC" --format-version 1.0 --cluster-size 65536 "$A10" "$T"
cp "$A10" "$S/p10.npk"
expect_exit 0 "protect of a 1.0 archive" -- "$NP" protect "$S/p10.npk"
expect_exit 0 "the protected 1.0 archive verifies" -- "$NP" verify -p "$PUB" "$S/p10.npk" &&
	expect_contains "$OUT" "parity: 5%" "and shows its parity"
head -c "$(signed_size "$S/p10.npk")" "$S/p10.npk" > "$S/cut10.npk"
expect_same "$S/cut10.npk" "$A10" "cut at its signed size, it is the 1.0 archive, byte for byte"
cp "$S/p10.npk" "$S/d10.npk"
dmg "$S/d10.npk" burst4
expect_exit 0 "a damaged protected 1.0 archive is repaired" -- "$NP" repair "$S/d10.npk" &&
	expect_same "$S/d10.repaired.npk" "$S/p10.npk" "byte for byte"
cp "$A" "$S/dmg.npk"
dmg "$S/dmg.npk" flips
cp "$S/dmg.npk" "$S/dmg-before.npk"
expect_exit 1 "protect refuses a damaged archive" -- "$NP" protect "$S/dmg.npk" &&
	expect_contains "$ERR" "is damaged" "and says it is damaged"
expect_same "$S/dmg.npk" "$S/dmg-before.npk" "the damaged archive is left as it was"
expect_exit 2 "protect --parity 0 is refused" -- "$NP" protect --parity 0 "$P"
expect_exit 2 "protect --parity 101 is refused" -- "$NP" protect --parity 101 "$P"
expect_exit 2 "create --parity with --format-version 1.0 is refused" -- \
	"$NP" create -q -s "$SEC" --format-version 1.0 --parity 5 "$S/x.npk" "$T" &&
	expect_contains "$ERR" "newspack protect adds parity later" "and names protect"

# ---- the corpus: the same damage on a 14 MB archive
CORPUS="$top/../shared/corpus"
if [ ! -d "$CORPUS" ]; then
	note "no corpus at $CORPUS; the corpus cases are skipped"
	finish
fi
CP="$S/corpus.npk"
expect_exit 0 "create --parity 5 of the corpus" -- "$NP" create -q -s "$SEC" --parity 5 "$CP" "$CORPUS" || finish
for kind in bursts flips ends burst4 parity insert shifts; do
	repair_case corpus "$CP" "$kind"
done
cp "$CP" "$S/cbig.npk"
dmg "$S/cbig.npk" burst10
expect_exit 1 "corpus, 10% burst: repair exits 1" -- "$NP" repair "$S/cbig.npk" &&
	expect_contains "$ERR" "cannot repair" "corpus, 10% burst: repair says it cannot"
rm -f "$S/cbig.npk" "$CP"
finish
