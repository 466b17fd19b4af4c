#!/bin/sh
# Suite "refcodec": the reference codec of spec/format.md 15.12 (GF(2^8) with
# 0x11D, the Cauchy coefficients, encode and repair of a stripe), taken from
# the spec by tests/parity/refcodec_test.py and checked against Intel ISA-L
# (libisal.so.2, with ctypes): the field, the matrix of gf_gen_cauchy1_matrix,
# parity equal to ec_encode_data's byte for byte for random k, p and data,
# every erasure pattern of small stripes repaired as ISA-L decodes it; and
# spec/vectors/npkcheck.py carries the same code. A missing python3 or
# libisal.so.2 fails the suite (scripts/deps.sh installs libisal-dev).
# Then npkcheck.py protect and repair (format.md 15.9, 15.10) beside the
# vectors of test_vectors: a protected archive verifies with its tail
# intact; a damaged one is not protected; repair finds the parity by
# scanning when the tail's end is gone or cut, and says which stripe it
# cannot repair, writing nothing, when the damage is beyond the parity.
. "$(dirname "$0")/lib.sh"
suite_begin refcodec

if ! command -v python3 > /dev/null 2>&1; then
	fail "python3 is missing (scripts/deps.sh installs it)"
	finish
fi
run python3 "$top/tests/parity/refcodec_test.py"
# one assertion per line of refcodec_test.py: "ok    WHAT", "FAIL  WHAT", "info  TEXT"
while IFS= read -r line; do
	case $line in
	"ok    "*) pass "${line#ok    }" ;;
	"FAIL  "*) fail "${line#FAIL  }" ;;
	"info  "*) info "${line#info  }" ;;
	*) echo "$line" ;;
	esac
done < "$OUT"
if [ "$RC" -ne 0 ] && ! grep -q '^FAIL  ' "$OUT"; then
	fail "refcodec_test.py exited $RC"
	show_last
fi

V="$top/spec/vectors"
CHECK="$V/npkcheck.py"
expect_exit 0 "npkcheck.py protect --parity 5 of vector-1.1.npk" -- \
	python3 "$CHECK" protect "$V/vector-1.1.npk" "$S/p5.npk" --parity 5
expect_exit 0 "newspack verifies it (exit 0)" -- "$NP" verify -p "$V/test.pub" "$S/p5.npk" &&
	expect_not_contains "$OUT" "TAIL" "newspack finds its tail intact"
expect_exit 0 "npkcheck.py verifies it (exit 0)" -- python3 "$CHECK" verify -p "$V/test.pub" "$S/p5.npk" &&
	expect_contains "$OUT" "the unsigned tail's 2 section(s) and directory are intact" "with an intact tail of 2 sections"
expect_exit 1 "npkcheck.py protect refuses a damaged archive" -- \
	python3 "$CHECK" protect "$V/1.1/damaged.npk" "$S/no.npk" &&
	expect_true "and writes nothing" -- test ! -e "$S/no.npk"
expect_exit 0 "npkcheck.py repair of an intact archive" -- \
	python3 "$CHECK" repair "$V/1.1/protected.npk" "$S/same.npk" &&
	expect_same "$S/same.npk" "$V/1.1/protected.npk" "gives it back byte for byte"
# hurt FILE OUT PYTHON: OUT is FILE's bytes as d, changed by PYTHON.
hurt() {
	python3 -c "import sys
d = bytearray(open(sys.argv[1], 'rb').read())
$3
open(sys.argv[2], 'wb').write(d)" "$1" "$2"
}
hurt "$V/1.1/damaged.npk" "$S/end.npk" "d[-200:] = bytes(200)"
expect_exit 0 "repair with the tail trailer and directory zeroed (the parity found by scanning)" -- \
	python3 "$CHECK" repair "$S/end.npk" "$S/end-r.npk" &&
	expect_same "$S/end-r.npk" "$V/1.1/protected.npk" "gives protected.npk byte for byte"
hurt "$V/1.1/protected.npk" "$S/cut.npk" "d[2000] ^= 1; del d[-3000:]"
expect_exit 0 "repair of a bit in block 0 with the last 3000 bytes cut (copies, second header, table B)" -- \
	python3 "$CHECK" repair "$S/cut.npk" "$S/cut-r.npk" &&
	expect_same "$S/cut-r.npk" "$V/1.1/protected.npk" "gives protected.npk byte for byte"
hurt "$V/1.1/damaged.npk" "$S/over.npk" "d[7 * 4096 + 5] ^= 1"
expect_exit 1 "repair beyond the parity (5 data blocks lost, 4 parity rows intact)" -- \
	python3 "$CHECK" repair "$S/over.npk" "$S/over-r.npk" &&
	expect_contains "$OUT" "5 data blocks lost, 4 parity blocks intact: cannot be repaired" "names the stripe" &&
	expect_true "and writes nothing" -- test ! -e "$S/over-r.npk"
finish
