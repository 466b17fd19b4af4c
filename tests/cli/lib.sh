# tests/cli/lib.sh - the harness the command-line suites source (POSIX sh).
#
# A suite starts with
#     . "$(dirname "$0")/lib.sh"
#     suite_begin NAME
# and ends with `finish`. suite_begin gives it:
#   top    the project root          NP    the built ./newspack (or $NPK_TEST_NP)
#   KEYS   tests/keys                S     build/cli-scratch/NAME, emptied
#   OUT, ERR  stdout and stderr of the last command run by expect_exit/run
#   RC     its exit code
# XDG_CONFIG_HOME and HOME point into $S, so no real configuration (trusted
# keys, default key) is read or written. SOURCE_DATE_EPOCH is unset.
#
# Assertions count into PASSED and FAILED; finish prints the closing line
# "NAME: N passed, N failed" that tests/run-all.sh reads, and exits 1 when
# anything failed.

top=$(cd "$(dirname "$0")/../.." && pwd)
# NPK_TEST_NP runs the suites through a wrapper instead (make valgrind).
NP="${NPK_TEST_NP:-$top/newspack}"
KEYS="$top/tests/keys"
PASSED=0
FAILED=0
SUITE=unnamed

LC_ALL=C
export LC_ALL
unset SOURCE_DATE_EPOCH

# suite_begin NAME: a fresh scratch folder and configuration for the suite.
suite_begin() {
	SUITE=$1
	S="$top/build/cli-scratch/$SUITE"
	# chmod first: a previous run may have left unreadable files behind.
	[ -d "$S" ] && chmod -R u+rwx "$S" 2>/dev/null
	rm -rf "$S"
	mkdir -p "$S/config" "$S/home" || {
		echo "$SUITE: cannot make $S"
		echo "$SUITE: 0 passed, 1 failed"
		exit 1
	}
	XDG_CONFIG_HOME="$S/config"
	HOME="$S/home"
	export XDG_CONFIG_HOME HOME
	OUT="$S/stdout"
	ERR="$S/stderr"
	RC=0
	if [ ! -x "$NP" ]; then
		echo "$SUITE: $NP is missing; run make first"
		echo "$SUITE: 0 passed, 1 failed"
		exit 1
	fi
	START_TIME=$(date +%s)
	echo "== suite $SUITE (scratch folder $S)"
}

pass() {
	PASSED=$((PASSED + 1))
	echo "ok    $1"
}

# fail DESC [DETAIL...]: counts a failure; every DETAIL is printed on its
# own indented line.
fail() {
	FAILED=$((FAILED + 1))
	echo "FAIL  $1"
	shift
	for _line in "$@"; do
		printf '      %s\n' "$_line"
	done
}

# info TEXT: a line of information, not an assertion.
info() {
	echo "info  $*"
}

# note TEXT: says why something is skipped.
note() {
	echo "note  $*"
}

# show_file LABEL FILE: up to 30 lines of FILE, indented (for failures).
show_file() {
	if [ -s "$2" ]; then
		echo "      $1:"
		head -n 30 "$2" | cut -c 1-200 | sed 's/^/        | /'
		_n=$(wc -l < "$2")
		[ "$_n" -gt 30 ] && echo "        | ... ($_n lines)"
	else
		echo "      $1: (empty)"
	fi
	return 0
}

# show_last: the last command, its exit code, stdout and stderr.
show_last() {
	echo "      command: $LAST_CMD"
	echo "      exit code: $RC"
	show_file stdout "$OUT"
	show_file stderr "$ERR"
}

# run CMD ARGS...: runs a command with stdin from /dev/null, stdout in $OUT
# and stderr in $ERR; sets RC. Asserts nothing.
run() {
	LAST_CMD="$*"
	"$@" < /dev/null > "$OUT" 2> "$ERR"
	RC=$?
	return 0
}

# expect_exit CODE DESC -- CMD ARGS...: runs CMD (as run does) and checks its
# exit code. An exit code of 128 or more (a signal: a crash) always fails.
# Returns 0 when the check passed, so that callers can chain more checks.
expect_exit() {
	_want=$1
	_desc=$2
	shift 2
	[ "${1-}" = "--" ] && shift
	run "$@"
	if [ "$RC" -eq "$_want" ]; then
		pass "$_desc"
		return 0
	fi
	if [ "$RC" -ge 128 ]; then
		fail "$_desc" "expected exit code $_want, but the command died with signal $((RC - 128))"
	else
		fail "$_desc" "expected exit code $_want, got $RC"
	fi
	show_last
	return 1
}

# expect_contains FILE TEXT DESC: FILE holds TEXT (a fixed string).
expect_contains() {
	if grep -F -e "$2" "$1" > /dev/null 2>&1; then
		pass "$3"
		return 0
	fi
	fail "$3" "expected to find: $2"
	show_file "$(basename "$1")" "$1"
	return 1
}

# expect_not_contains FILE TEXT DESC: FILE does not hold TEXT.
expect_not_contains() {
	if grep -F -e "$2" "$1" > /dev/null 2>&1; then
		fail "$3" "did not expect to find: $2"
		show_file "$(basename "$1")" "$1"
		return 1
	fi
	pass "$3"
	return 0
}

# expect_same FILE1 FILE2 DESC: the two files are byte for byte the same.
expect_same() {
	if cmp "$1" "$2" > "$S/cmp.out" 2>&1; then
		pass "$3"
		return 0
	fi
	fail "$3" "$(cat "$S/cmp.out")"
	return 1
}

# expect_true DESC -- CMD ARGS...: CMD (a test, usually) succeeds.
expect_true() {
	_desc=$1
	shift
	[ "${1-}" = "--" ] && shift
	if "$@"; then
		pass "$_desc"
		return 0
	fi
	fail "$_desc" "this did not hold: $*"
	return 1
}

# expect_eq ACTUAL EXPECTED DESC: two strings are equal.
expect_eq() {
	if [ "$1" = "$2" ]; then
		pass "$3"
		return 0
	fi
	fail "$3" "expected: $2" "got:      $1"
	return 1
}

# file_size FILE: its size in bytes.
# flip_byte FILE OFFSET: the byte at OFFSET inverted (never left as it was,
# as writing a fixed value would be when the byte already holds it).
flip_byte() {
	_fb=$(od -An -tu1 -j "$2" -N 1 "$1" | tr -d ' ')
	# shellcheck disable=SC2059
	printf "\\$(printf %o $((255 - _fb)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

file_size() {
	wc -c < "$1" | tr -d ' '
}

# finish: the closing line; exits 1 when anything failed.
finish() {
	_end=$(date +%s)
	info "$SUITE took $((_end - START_TIME)) s"
	echo "$SUITE: $PASSED passed, $FAILED failed"
	[ "$FAILED" -eq 0 ] || exit 1
	exit 0
}
