#!/bin/sh
# Runs every test suite and prints one closing line "N passed, N failed".
# A suite that exits non-zero or prints no count of its own counts as failed.
#   sh tests/run-all.sh               the unit tests and every suite of tests/cli/
#   sh tests/run-all.sh --cli [NAME]  only the suites of tests/cli/ (or test_NAME.sh)
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
mkdir -p build
passed=0
failed=0
suite() {
	name=$1
	shift
	out="$top/build/suite-$name.log"
	"$@" > "$out" 2>&1
	rc=$?
	cat "$out"
	line=$(sed -n 's/^[a-z-]*: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$out" | tail -n 1)
	if [ -z "$line" ]; then
		echo "suite $name: exited $rc without a result line"
		failed=$((failed + 1))
		return
	fi
	set -- $line
	passed=$((passed + $1))
	failed=$((failed + $2))
	if [ "$rc" -ne 0 ] && [ "$2" -eq 0 ]; then
		echo "suite $name: exited $rc"
		failed=$((failed + 1))
	fi
}
only=""
if [ "${1-}" = --cli ]; then
	only=${2:-*}
else
	suite unit sh -c 'cd tests/unit && exec ../../build/unit_tests'
fi
for t in tests/cli/test_${only:-*}.sh; do
	[ -f "$t" ] || continue
	suite "$(basename "$t" .sh)" sh "$t"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
