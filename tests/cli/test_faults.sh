#!/bin/sh
# test_faults.sh - faults while writing: nothing lost, nothing half-written.
#   - input files that grow, shrink, are rewritten, replaced or fail to read
#     while create reads them (tests/faults/shim.c): create exits 2 naming
#     the file, and the archive it was to replace is untouched;
#   - kill -9 of create at random moments, over a new name and over an
#     existing archive: the name holds the old archive, intact, or the new
#     one, complete; never a part. Leftovers are only create's clearly
#     named temporary files (.NAME.tmp-XXXXXX);
#   - kill -9 of extract: no file has its final name with partial content;
#   - a full disk (a file size limit, and a small tmpfs where one can be
#     mounted): a clear error, exit 2, no partial output, the previous
#     archive untouched.
. "$(dirname "$0")/lib.sh"
suite_begin faults

KEY="$KEYS/test.key"
PUB="$KEYS/test.pub"
SHIM="$top/build/tests/faultshim.so"
# an AddressSanitizer build does not mind a preloaded library before it
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
export ASAN_OPTIONS

leftovers() { # DIR NAME: the temporary files create left for NAME in DIR
	find "$1" -maxdepth 1 -name ".$2.tmp-*" | wc -l
}

# ---------------------------------------------------------------- changing inputs
IN="$S/in"
make_input() {
	rm -rf "$IN"
	mkdir -p "$IN"
	echo "a small story" > "$IN/small.txt"
	# 1 MiB, so that create reads it in several pieces
	awk 'BEGIN { for (i = 0; i < 16384; i++) printf "line %08d of a long file of news text\n", i }' \
		> "$IN/big.txt"
	truncate -s 1048576 "$IN/big.txt"
}
make_input
expect_exit 0 "an archive to protect" -- "$NP" create -q -s "$KEY" "$S/keep.npk" "$IN"
cp "$S/keep.npk" "$S/keep.orig"
if [ ! -f "$SHIM" ]; then
	fail "the fault shim is built ($SHIM; make check builds it)"
else
	for fault in grow shrink rewrite replace eio; do
		make_input
		case $fault in
		grow) why="grew while being read" ;;
		shrink) why="changed while being archived (its size changed)" ;;
		rewrite) why="changed while being archived (it was written to)" ;;
		replace) why="changed while being archived (it was replaced or removed)" ;;
		eio) why="Input/output error" ;;
		esac
		expect_exit 2 "create when big.txt $fault: exit 2" -- \
			env LD_PRELOAD="$SHIM" NPK_FAULT=$fault NPK_FAULT_FILE=big.txt \
			"$NP" create --force -q -s "$KEY" "$S/keep.npk" "$IN" &&
			expect_contains "$ERR" "big.txt" "create when big.txt $fault: the message names the file" &&
			expect_contains "$ERR" "$why" "create when big.txt $fault: and says \"$why\""
		expect_same "$S/keep.npk" "$S/keep.orig" "create when big.txt $fault: the old archive is untouched"
		expect_eq "$(leftovers "$S" keep.npk)" "0" "create when big.txt $fault: no temporary file is left"
	done
fi

# ---------------------------------------------------------------- kill -9 of create
# Generated articles (16 MB in 2,000 files) make create last long enough
# to be killed anywhere in it.
SRC="$S/gen"
python3 - "$SRC" <<'PY'
import os, random, sys
r = random.Random(1)
words = ("the council said on tuesday that its plan for the harbour would cost more than "
         "anyone had expected and residents asked why the vote was held so late at night").split()
for i in range(2000):
    d = os.path.join(sys.argv[1], "d%02d" % (i % 40))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "a%05d.txt" % i), "w") as f:
        f.write(" ".join(r.choice(words) for _ in range(1400)))
PY
ndocs=$(find "$SRC" -type f ! -name '*.meta.json' | wc -l)
K="$S/kill"
mkdir -p "$K"
expect_exit 0 "the old archive for the kill trials" -- "$NP" create -q -s "$KEY" "$K/old.npk" "$IN"
t1=$(date +%s%N)
expect_exit 0 "create of the generated articles" -- "$NP" create -q -s "$KEY" "$K/full.npk" "$SRC"
t2=$(date +%s%N)
ms=$(((t2 - t1) / 1000000))
info "create of $ndocs generated articles takes $ms ms; kills fall at random in the first $((ms * 13 / 10)) ms"
trials=50
old_kept=0; new_done=0; absent=0; bad=0; temps=0
i=0
while [ $i -lt $trials ]; do
	# odd trials replace an existing archive, even ones write a new name
	rm -f "$K/target.npk"
	[ $((i % 2)) = 1 ] && cp "$K/old.npk" "$K/target.npk"
	delay=$(awk -v i=$i -v t=$ms 'BEGIN { srand(1000 + i); printf "%.3f", rand() * t * 1.3 / 1000 }')
	"$NP" create --force -q -s "$KEY" "$K/target.npk" "$SRC" >/dev/null 2>&1 &
	pid=$!
	sleep "$delay"
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	if [ ! -e "$K/target.npk" ]; then
		if [ $((i % 2)) = 1 ]; then bad=$((bad + 1)); fail "kill trial $i: the old archive is gone"; else absent=$((absent + 1)); fi
	elif cmp -s "$K/target.npk" "$K/old.npk"; then
		old_kept=$((old_kept + 1))
	elif "$NP" verify -q -p "$PUB" "$K/target.npk" && [ "$("$NP" info -p "$PUB" --json "$K/target.npk" | grep -o '"documents": *[0-9]*' | grep -o '[0-9]*$')" = "$ndocs" ]; then
		new_done=$((new_done + 1))
	else
		bad=$((bad + 1))
		fail "kill trial $i (after $delay s): the archive is neither the old one nor a complete new one"
	fi
	n=$(leftovers "$K" target.npk)
	temps=$((temps + n))
	other=$(find "$K" -mindepth 1 -maxdepth 1 -newer "$K/full.npk" ! -name 'target.npk' ! -name '.target.npk.tmp-*' | wc -l)
	[ "$other" = 0 ] || { bad=$((bad + 1)); fail "kill trial $i: files other than the target and its temporary file"; }
	rm -f "$K"/.target.npk.tmp-*
	i=$((i + 1))
done
info "kill -9 of create, $trials trials: old archive kept $old_kept, new archive complete $new_done, name not yet written $absent, broken $bad; temporary files left by the kill: $temps"
expect_eq "$bad" "0" "kill -9 of create at $trials random moments: never a partial or broken archive"
expect_true "the trials killed create both before and after it finished (old kept $old_kept, new $new_done)" -- \
	test "$old_kept" -gt 0 -a "$new_done" -gt 0

# ---------------------------------------------------------------- kill -9 of extract
X="$S/xkill"
partial=0
i=0
while [ $i -lt 20 ]; do
	rm -rf "$X"
	mkdir -p "$X"
	delay=$(awk -v i=$i -v t=$ms 'BEGIN { srand(2000 + i); printf "%.3f", rand() * t / 1000 }')
	"$NP" extract -q -p "$PUB" -C "$X" "$K/full.npk" >/dev/null 2>&1 &
	pid=$!
	sleep "$delay"
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	# every file there is whole: the same bytes as its source
	if diff -r "$X" "$SRC" 2>&1 | grep -v "^Only in $SRC" | grep -q .; then
		partial=$((partial + 1))
		fail "kill trial $i of extract (after $delay s): a file with its final name is not whole"
		diff -r "$X" "$SRC" 2>&1 | grep -v "^Only in $SRC" | head -n 5
	fi
	i=$((i + 1))
done
expect_eq "$partial" "0" "kill -9 of extract at 20 random moments: no partial file under its name"

# ---------------------------------------------------------------- a full disk
# A file size limit (ulimit -f counts 512-byte blocks in sh); the
# signal it raises is ignored, so writes fail with EFBIG as on a full disk.
limited() { # BLOCKS CMD...
	_b=$1
	shift
	sh -c 'trap "" XFSZ; ulimit -f "$0"; exec "$@"' "$_b" "$@"
}
cp "$S/keep.orig" "$S/keep.npk"
expect_exit 2 "create past a 1 MiB file size limit exits 2" -- limited 2048 "$NP" create --force -q -s "$KEY" "$S/keep.npk" "$K/full.npk" &&
	expect_contains "$ERR" "File too large" "and says the file is too large"
expect_same "$S/keep.npk" "$S/keep.orig" "the archive it was to replace is untouched"
expect_eq "$(leftovers "$S" keep.npk)" "0" "and no temporary file is left"
mkdir -p "$S/xfull"
expect_exit 2 "extract past a 512 KiB file size limit exits 2" -- limited 1024 "$NP" extract -q -p "$PUB" -C "$S/xfull" "$S/keep.npk"
expect_true "no file of the archive has its name unless whole" -- \
	sh -c '! diff -r "$1" "$2" 2>&1 | grep -v "^Only in $2" | grep -q .' sh "$S/xfull" "$IN"

if [ "$(id -u)" = 0 ] && mkdir -p "$S/tmpfs" && mount -t tmpfs -o size=1m newspack-test "$S/tmpfs" 2>/dev/null; then
	"$NP" create -q -s "$KEY" "$S/tmpfs/small.npk" "$IN/small.txt"
	cp "$S/tmpfs/small.npk" "$S/small.orig"
	expect_exit 2 "create on a full 1 MiB tmpfs exits 2" -- "$NP" create --force -q -s "$KEY" "$S/tmpfs/small.npk" "$K/full.npk" &&
		expect_contains "$ERR" "No space left on device" "and says the disk is full"
	expect_same "$S/tmpfs/small.npk" "$S/small.orig" "the archive on the full disk is untouched"
	expect_eq "$(leftovers "$S/tmpfs" small.npk)" "0" "and no temporary file is left on it"
	umount "$S/tmpfs"
else
	note "cannot mount a tmpfs here (not root, or not allowed): the full-disk case ran with a file size limit only"
fi
finish
