#!/bin/sh
# Suite "refcodec": the reference codec of spec/format.md 15.12 (GF(2^8) with
# 0x11D, the Cauchy coefficients, encode and repair of a stripe), taken from
# the spec by tests/parity/refcodec_test.py and checked against Intel ISA-L
# (libisal.so.2, with ctypes): the field, the matrix of gf_gen_cauchy1_matrix,
# parity equal to ec_encode_data's byte for byte for random k, p and data,
# every erasure pattern of small stripes repaired as ISA-L decodes it; and
# spec/vectors/npkcheck.py carries the same code. A missing python3 or
# libisal.so.2 fails the suite (scripts/deps.sh installs libisal-dev).
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
finish
