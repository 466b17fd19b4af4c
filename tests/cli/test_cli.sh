#!/bin/sh
# Suite "cli": every command of newspack and every exit code.
#   help, --version and --help of each command; usage errors (exit 2);
#   keygen (default place, mode 0600, -f, passphrases, trusted copy);
#   create (no key, metadata, determinism, missing inputs, replacing an
#   archive, failed creates, symlinks, clashing paths); verify (0, 1, 3,
#   --json); untrusted signers for list/info/cat/extract; info; cat;
#   extract (-C, --force, conflicts, selected paths, symlinks that leave the
#   folder); round trips of empty, binary, invalid UTF-8, CRLF, BOM and
#   multi-cluster files.
# Run from anywhere: sh tests/cli/test_cli.sh
. "$(dirname "$0")/lib.sh"
suite_begin cli

TEST_ID=0D99CDDB830FBFC8     # tests/keys/test.pub
SEED=000_087c6aae1e53e9e7.txt
SEED_TITLE="Human rights groups urge Zelenskyy to protect North Korean soldiers captured in Ukraine"
TS=2025-01-24T00:00:00Z
TS_UNIX=1737676800

# The suite's configuration trusts tests/keys/test.pub only.
mkdir -p "$XDG_CONFIG_HOME/newspack/trusted"
cp "$KEYS/test.pub" "$XDG_CONFIG_HOME/newspack/trusted/$TEST_ID.pub"
# A configuration that trusts nothing.
UNTRUSTING="$S/untrusting"
mkdir -p "$UNTRUSTING/newspack/trusted"

# mode FILE: the permission string of ls -l, e.g. -rw-------
mode() {
	ls -l "$1" | cut -c 1-10
}

# no_temp_files DIR DESC: create left no .NAME.tmp-* file in DIR.
no_temp_files() {
	left=$(ls -a "$1" | grep '\.tmp-' || true)
	expect_eq "$left" "" "$2"
}

# ---------------------------------------------------------------- help
echo "-- help, version, usage errors"
ver=$(sed -n 's/^#define NPK_VERSION_STRING "\(.*\)"$/\1/p' "$top/include/newspack.h")
expect_exit 0 "--version exits 0" -- "$NP" --version &&
	expect_contains "$OUT" "newspack $ver (format 1.1" "--version prints the version $ver and format 1.1"
expect_exit 0 "help exits 0" -- "$NP" help &&
	expect_contains "$OUT" "Usage: newspack COMMAND" "help prints the usage line"
expect_exit 0 "--help exits 0" -- "$NP" --help &&
	expect_contains "$OUT" "Usage: newspack COMMAND" "--help prints the usage line"
expect_exit 0 "help create exits 0" -- "$NP" help create &&
	expect_contains "$OUT" "Usage: newspack create [OPTIONS] OUT.npk INPUT..." "help create prints create's usage"
for cmd in keygen create verify list info cat extract; do
	expect_exit 0 "$cmd --help exits 0" -- "$NP" "$cmd" --help &&
		expect_contains "$OUT" "Usage: newspack $cmd " "$cmd --help prints its usage line"
	expect_exit 0 "$cmd -h exits 0" -- "$NP" "$cmd" -h &&
		expect_contains "$OUT" "Usage: newspack $cmd " "$cmd -h prints its usage line"
	expect_exit 2 "$cmd with an unknown option exits 2" -- "$NP" "$cmd" --no-such-option &&
		expect_contains "$ERR" "Try 'newspack $cmd --help'." "$cmd with an unknown option says Try 'newspack $cmd --help'"
done
expect_exit 2 "no command at all exits 2" -- "$NP" &&
	expect_contains "$ERR" "Usage: newspack COMMAND" "no command prints the usage on stderr"
expect_exit 2 "an unknown command exits 2" -- "$NP" frobnicate &&
	expect_contains "$ERR" "no command 'frobnicate'" "an unknown command is named" &&
	expect_contains "$ERR" "Try 'newspack" "an unknown command says Try 'newspack ...'"
expect_exit 2 "help of an unknown command exits 2" -- "$NP" help frobnicate &&
	expect_contains "$ERR" "no command 'frobnicate'" "help of an unknown command names it" &&
	expect_contains "$ERR" "Try 'newspack" "help of an unknown command says Try 'newspack ...'"
# Every hint "Try 'newspack ...'." must name a command that works.
hint=$(sed -n "s/^Try '\(newspack [^']*\)'\.$/\1/p" "$ERR" | head -n 1)
if [ -n "$hint" ]; then
	# shellcheck disable=SC2086
	set -- $hint
	shift
	expect_exit 0 "the hint '$hint' itself works" -- "$NP" "$@"
fi
expect_exit 2 "verify without an archive exits 2" -- "$NP" verify &&
	expect_contains "$ERR" "Try 'newspack verify --help'." "verify without an archive says Try"
expect_exit 2 "cat without a path exits 2" -- "$NP" cat x.npk &&
	expect_contains "$ERR" "Try 'newspack cat --help'." "cat without a path says Try"
expect_exit 2 "create with one argument exits 2" -- "$NP" create x.npk &&
	expect_contains "$ERR" "need OUT.npk and at least one INPUT" "create with one argument says what it needs"
expect_exit 2 "an option of another command exits 2 (list -C)" -- "$NP" list -C /tmp x.npk &&
	expect_contains "$ERR" "Try 'newspack list --help'." "list -C says Try 'newspack list --help'"
expect_exit 2 "create with a bad --timestamp exits 2" -- "$NP" create --timestamp yesterday "$S/t.npk" "$top/seeds" &&
	expect_contains "$ERR" "bad --timestamp 'yesterday'" "a bad --timestamp is named"
expect_exit 2 "create --meta without = exits 2" -- "$NP" create --meta title "$S/t.npk" "$top/seeds" &&
	expect_contains "$ERR" "--meta wants KEY=VALUE" "create --meta without = says KEY=VALUE"
expect_exit 2 "create --meta with a bad key exits 2" -- "$NP" create -s "$KEYS/test.key" --meta "Bad Key=x" "$S/t.npk" "$top/seeds" &&
	expect_contains "$ERR" 'metadata key "Bad Key"' "a bad metadata key is named"
expect_true "no archive was made by the usage errors" -- test ! -e "$S/t.npk"

# ---------------------------------------------------------------- two programs
echo "-- newspack reads without the interchange libraries; create and export run in newspack-full"
# libs PROGRAM: the shared libraries it loads, one name a line
libs() { LD_TRACE_LOADED_OBJECTS=1 "$1" | awk '{ print $1 }'; }
libs "$top/newspack" > "$S/libs-lean"
libs "$top/newspack-full" > "$S/libs-full"
# (not libstdc++: a sanitizer build loads it for its own runtime)
# nor libdeflate: it compresses, and newspack never does (zlib reads)
for l in libarchive libxml2 libbrotlidec libnettle libicuuc libdeflate; do
	expect_not_contains "$S/libs-lean" "$l" "newspack does not load $l"
done
expect_contains "$S/libs-full" "libarchive" "newspack-full loads libarchive"
expect_contains "$S/libs-full" "libxml2" "newspack-full loads libxml2"
# A newspack without its newspack-full still reads, and says what is missing.
mkdir -p "$S/alone"
cp "$top/newspack" "$S/alone/newspack"
expect_exit 0 "newspack alone lists an archive" -- "$S/alone/newspack" list -p "$top/spec/vectors/test.pub" "$top/spec/vectors/vector.npk" &&
	expect_contains "$OUT" "b/note.md" "and prints its documents"
expect_exit 2 "newspack alone refuses create" -- "$S/alone/newspack" create "$S/alone/x.npk" "$top/seeds" &&
	expect_contains "$ERR" "'create' runs in newspack-full, which is not beside this program" \
		"and says that newspack-full is missing"
expect_true "and writes nothing" -- test ! -e "$S/alone/x.npk"
expect_exit 2 "newspack alone refuses export" -- "$S/alone/newspack" export "$top/spec/vectors/vector.npk" "$S/alone/x.tar"

# ---------------------------------------------------------------- keygen
echo "-- keygen"
KG="$S/kg-config"
mkdir -p "$KG"
expect_exit 0 "keygen -W into the default place exits 0" -- env XDG_CONFIG_HOME="$KG" "$NP" keygen -W
kid=$(sed -n 's/^Key id: *\([0-9A-F]*\)$/\1/p' "$OUT")
expect_true "keygen prints a 16-digit key id" -- test "${#kid}" -eq 16
expect_true "the secret key is at \$XDG_CONFIG_HOME/newspack/newspack.key" -- test -f "$KG/newspack/newspack.key"
expect_true "the public key is at \$XDG_CONFIG_HOME/newspack/newspack.pub" -- test -f "$KG/newspack/newspack.pub"
expect_eq "$(mode "$KG/newspack/newspack.key")" "-rw-------" "the secret key has mode 0600"
expect_true "the public key is trusted: trusted/$kid.pub exists" -- test -f "$KG/newspack/trusted/$kid.pub"
expect_same "$KG/newspack/trusted/$kid.pub" "$KG/newspack/newspack.pub" "the trusted copy is the public key"
expect_contains "$KG/newspack/newspack.pub" "public key $kid" "the public key file names its key id"
expect_true "no real configuration was used (HOME has no .config)" -- test ! -e "$HOME/.config"
cp "$KG/newspack/newspack.key" "$S/kg-old.key"
expect_exit 2 "keygen again without -f exits 2" -- env XDG_CONFIG_HOME="$KG" "$NP" keygen -W &&
	expect_contains "$ERR" "refusing to overwrite" "keygen without -f says it refuses to overwrite" &&
	expect_contains "$ERR" "(use -f)" "keygen without -f suggests -f"
expect_same "$KG/newspack/newspack.key" "$S/kg-old.key" "the refused keygen left the secret key alone"
expect_exit 0 "keygen -W -f overwrites" -- env XDG_CONFIG_HOME="$KG" "$NP" keygen -W -f
kid2=$(sed -n 's/^Key id: *\([0-9A-F]*\)$/\1/p' "$OUT")
if cmp -s "$KG/newspack/newspack.key" "$S/kg-old.key"; then
	fail "keygen -f wrote a new secret key"
else
	pass "keygen -f wrote a new secret key"
fi
expect_true "keygen -f made a new key id ($kid2)" -- test -n "$kid2" -a "$kid2" != "$kid"
expect_true "the new key is trusted too" -- test -f "$KG/newspack/trusted/$kid2.pub"
expect_eq "$(mode "$KG/newspack/newspack.key")" "-rw-------" "the overwritten secret key has mode 0600"

# A key at a chosen place, encrypted with a passphrase.
printf 'correct horse battery staple\n' > "$S/pass"
printf 'wrong horse\n' > "$S/wrongpass"
: > "$S/emptypass"
expect_exit 0 "keygen with --passphrase-file exits 0" -- \
	env XDG_CONFIG_HOME="$KG" "$NP" keygen -s "$S/enc.key" -p "$S/enc.pub" --passphrase-file "$S/pass" &&
	expect_not_contains "$OUT" "not encrypted" "the passphrase key is not reported as unencrypted"
eid=$(sed -n 's/^Key id: *\([0-9A-F]*\)$/\1/p' "$OUT")
expect_eq "$(mode "$S/enc.key")" "-rw-------" "a secret key at -s has mode 0600"
expect_true "a key made with -s/-p is trusted too (trusted/$eid.pub)" -- test -f "$KG/newspack/trusted/$eid.pub"
expect_exit 0 "create with the encrypted key and its passphrase file exits 0" -- \
	"$NP" create -q -s "$S/enc.key" --passphrase-file "$S/pass" --timestamp "$TS" "$S/enc.npk" "$top/seeds"
expect_exit 0 "that archive verifies with -p enc.pub" -- "$NP" verify -p "$S/enc.pub" "$S/enc.npk" &&
	expect_contains "$OUT" "key $eid" "verify names the encrypted key's id"
expect_exit 2 "create with a wrong passphrase exits 2" -- \
	"$NP" create -q -s "$S/enc.key" --passphrase-file "$S/wrongpass" --timestamp "$TS" "$S/enc-wrong.npk" "$top/seeds" &&
	expect_contains "$ERR" "passphrase" "a wrong passphrase is reported as such"
expect_true "a wrong passphrase writes no archive" -- test ! -e "$S/enc-wrong.npk"
printf 'correct horse battery staple\n' > "$S/stdin-pass"
LAST_CMD="$NP create -q -s enc.key --passphrase-file - ... < stdin-pass"
"$NP" create -q -s "$S/enc.key" --passphrase-file - --timestamp "$TS" "$S/enc-stdin.npk" "$top/seeds" \
	< "$S/stdin-pass" > "$OUT" 2> "$ERR"
RC=$?
if [ "$RC" -eq 0 ]; then pass "--passphrase-file - reads the passphrase from stdin"; else
	fail "--passphrase-file - reads the passphrase from stdin"; show_last; fi
expect_exit 2 "keygen with an empty passphrase exits 2" -- \
	env XDG_CONFIG_HOME="$KG" "$NP" keygen -s "$S/e2.key" -p "$S/e2.pub" --passphrase-file "$S/emptypass" &&
	expect_contains "$ERR" "empty passphrase" "an empty passphrase is refused with a reason"
expect_true "the refused keygen wrote no key" -- test ! -e "$S/e2.key"

# ---------------------------------------------------------------- create
echo "-- create"
NOKEY="$S/nokey-config"
mkdir -p "$NOKEY"
expect_exit 2 "create without any key exits 2" -- env XDG_CONFIG_HOME="$NOKEY" "$NP" create "$S/nokey.npk" "$top/seeds" &&
	expect_contains "$ERR" "no secret key at $NOKEY/newspack/newspack.key" "create without a key names where it looked"
if grep -q ' newspack keygen$' "$ERR"; then
	pass "create without a key prints the command 'newspack keygen'"
else
	fail "create without a key prints the command 'newspack keygen'"
	show_last
fi
expect_true "create without a key does not create OUT" -- test ! -e "$S/nokey.npk"
no_temp_files "$S" "create without a key leaves no temporary file"
expect_exit 2 "create with a missing -s key exits 2" -- "$NP" create -s "$S/missing.key" "$S/nokey.npk" "$top/seeds" &&
	expect_contains "$ERR" "newspack keygen -s $S/missing.key" "create -s MISSING prints the keygen command for it"

# seeds/ may grow: what is expected is computed from it. NAME.meta.json
# beside NAME is a sidecar, not a document.
(cd "$top/seeds" && find . -type f | sed 's|^\./||' | LC_ALL=C sort) > "$S/seed-files"
: > "$S/seed-paths"
seed_bytes=0
while read -r p; do
	case $p in
	*.meta.json) [ -f "$top/seeds/${p%.meta.json}" ] && continue ;;
	esac
	echo "$p" >> "$S/seed-paths"
	seed_bytes=$((seed_bytes + $(file_size "$top/seeds/$p")))
done < "$S/seed-files"
nseeds=$(wc -l < "$S/seed-paths" | tr -d ' ')
info "seeds/ holds $nseeds documents, $seed_bytes bytes"

A="$S/seeds.npk"
expect_exit 0 "create of seeds/ with --timestamp and --meta exits 0" -- \
	"$NP" create -s "$KEYS/test.key" --timestamp "$TS" --meta title="newspack seeds" \
	--meta creator="newspack tests" "$A" "$top/seeds" &&
	expect_contains "$OUT" "$nseeds documents" "create reports $nseeds documents" &&
	expect_contains "$OUT" "signed by key $TEST_ID" "create reports the signing key id"
expect_exit 0 "list --json exits 0" -- "$NP" list --json "$A"
cp "$OUT" "$S/list.json"
grep -F "\"path\":\"$SEED\"" "$S/list.json" > "$S/seed-line"
expect_eq "$(wc -l < "$S/seed-line" | tr -d ' ')" 1 "list --json has one line for $SEED"
expect_contains "$S/seed-line" "\"title\":\"$SEED_TITLE\"" "list --json: the title of $SEED"
expect_contains "$S/seed-line" '"author":["bno"]' "list --json: author [\"bno\"]"
expect_contains "$S/seed-line" '"date":"2025-01-24"' "list --json: date 2025-01-24"
expect_contains "$S/seed-line" '"section":"Taipei Bureau"' "list --json: section Taipei Bureau"
expect_contains "$S/seed-line" "\"size\":$(file_size "$top/seeds/$SEED")" "list --json: the size of $SEED"
expect_contains "$S/seed-line" '"media_type":"text/plain"' "list --json: media type text/plain"
if command -v jq > /dev/null 2>&1; then
	t=$(jq -r --arg p "$SEED" '.documents[] | select(.path == $p) | .metadata.title' "$S/list.json")
	expect_eq "$t" "$SEED_TITLE" "jq reads the same title from list --json (valid JSON)"
else
	note "jq is not installed: list --json is checked with grep only"
fi
expect_exit 0 "list exits 0" -- "$NP" list "$A" &&
	expect_same "$OUT" "$S/seed-paths" "list prints every path of seeds/ in byte order, no sidecar"
expect_exit 0 "list -l exits 0" -- "$NP" list -l "$A" &&
	expect_contains "$OUT" "$SEED  $SEED_TITLE" "list -l shows path and title"

# Determinism.
expect_exit 0 "a second create of the same inputs exits 0" -- \
	"$NP" create -q -s "$KEYS/test.key" --timestamp "$TS" --meta title="newspack seeds" \
	--meta creator="newspack tests" "$S/seeds2.npk" "$top/seeds"
expect_same "$A" "$S/seeds2.npk" "two creates with the same --timestamp are byte-identical"
expect_exit 0 "create with --timestamp as Unix seconds exits 0" -- \
	"$NP" create -q -s "$KEYS/test.key" --timestamp "$TS_UNIX" --meta title="newspack seeds" \
	--meta creator="newspack tests" "$S/seeds3.npk" "$top/seeds" &&
	expect_same "$A" "$S/seeds3.npk" "--timestamp $TS_UNIX gives the same bytes as --timestamp $TS"
# sde_create VALUE OUT: create of seeds/ with SOURCE_DATE_EPOCH=VALUE.
sde_create() {
	expect_exit 0 "create with SOURCE_DATE_EPOCH=$1 exits 0 ($(basename "$2"))" -- \
		env SOURCE_DATE_EPOCH="$1" "$NP" create -q -s "$KEYS/test.key" --meta title="newspack seeds" \
		--meta creator="newspack tests" "$2" "$top/seeds"
}
if sde_create "$TS_UNIX" "$S/sde1.npk" && sde_create "$TS_UNIX" "$S/sde2.npk"; then
	expect_same "$S/sde1.npk" "$S/sde2.npk" "two creates with the same SOURCE_DATE_EPOCH are byte-identical"
	expect_same "$S/sde1.npk" "$A" "SOURCE_DATE_EPOCH gives the same bytes as the same --timestamp"
fi
# A 9-digit value (before 2001-09-09) as well: the same checks, another width.
if sde_create 999999999 "$S/sde3.npk" && sde_create 999999999 "$S/sde4.npk"; then
	expect_same "$S/sde3.npk" "$S/sde4.npk" "two creates with SOURCE_DATE_EPOCH=999999999 are byte-identical"
	expect_exit 0 "info of the SOURCE_DATE_EPOCH=999999999 archive" -- "$NP" info --json "$S/sde3.npk" &&
		expect_contains "$OUT" '"created_unix": 999999999,' "SOURCE_DATE_EPOCH is the creation time"
fi
expect_exit 0 "--timestamp overrides SOURCE_DATE_EPOCH" -- \
	env SOURCE_DATE_EPOCH=999999999 "$NP" create -q -s "$KEYS/test.key" --timestamp "$TS" \
	--meta title="newspack seeds" --meta creator="newspack tests" "$S/sde5.npk" "$top/seeds" &&
	expect_same "$S/sde5.npk" "$A" "with --timestamp, SOURCE_DATE_EPOCH is ignored"
expect_exit 2 "a bad SOURCE_DATE_EPOCH exits 2" -- \
	env SOURCE_DATE_EPOCH=soon "$NP" create -q -s "$KEYS/test.key" "$S/sde6.npk" "$top/seeds" &&
	expect_contains "$ERR" "bad SOURCE_DATE_EPOCH 'soon'" "a bad SOURCE_DATE_EPOCH is named"
while read -r p; do
	expect_exit 0 "cat $p of the seeds archive" -- "$NP" cat "$A" "$p" &&
		expect_same "$OUT" "$top/seeds/$p" "cat $p equals seeds/$p"
done < "$S/seed-paths"

# Two copies of one folder, populated in opposite orders (and with other
# mtimes and modes), give the same archive. On ext4 readdir returns names in
# hash order whatever the creation order, so when the two copies list alike
# they are made again on a tmpfs (/dev/shm), where readdir follows creation.
populate() { # populate DIR FIRST STEP LAST
	mkdir -p "$1/sub"
	i=$2
	while :; do
		if [ "$3" -gt 0 ]; then
			printf 'document %s\nsome text %s\n' "$i" "$i" > "$1/doc$i.txt"
			printf 'nested %s\n' "$i" > "$1/sub/n$i.md"
		else
			printf 'nested %s\n' "$i" > "$1/sub/n$i.md"
			printf 'document %s\nsome text %s\n' "$i" "$i" > "$1/doc$i.txt"
		fi
		[ "$i" -eq "$4" ] && break
		i=$((i + $3))
	done
}
ORD="$S/order"
populate "$ORD/A" 1 1 24
populate "$ORD/B" 24 -1 1
SHM_ORD=
if [ "$(ls -f "$ORD/A")" = "$(ls -f "$ORD/B")" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
	SHM_ORD=$(mktemp -d /dev/shm/newspack-cli-order.XXXXXX) && {
		ORD=$SHM_ORD
		populate "$ORD/A" 1 1 24
		populate "$ORD/B" 24 -1 1
	}
fi
# modification times after the archive's time are clamped to it, so not stored
touch -t 209901010000 "$ORD/B/doc1.txt" "$ORD/B/sub/n3.md"
chmod 600 "$ORD/B/doc2.txt"
info "readdir order in $ORD: A: $(ls -f "$ORD/A" | grep doc | head -n 3 | tr '\n' ' ')B: $(ls -f "$ORD/B" | grep doc | head -n 3 | tr '\n' ' ')"
if [ "$(ls -f "$ORD/A")" = "$(ls -f "$ORD/B")" ]; then
	note "the two copies list in the same order here, so this checks less than it should"
fi
expect_exit 0 "create of folder copy A exits 0" -- "$NP" create -q -s "$KEYS/test.key" --timestamp "$TS" "$S/orderA.npk" "$ORD/A"
expect_exit 0 "create of folder copy B exits 0" -- "$NP" create -q -s "$KEYS/test.key" --timestamp "$TS" "$S/orderB.npk" "$ORD/B"
expect_same "$S/orderA.npk" "$S/orderB.npk" "folders populated in opposite orders give byte-identical archives"
expect_exit 0 "create of files named in one order" -- \
	"$NP" create -q -s "$KEYS/test.key" --timestamp "$TS" "$S/args1.npk" "$ORD/A/doc1.txt" "$ORD/A/doc2.txt" "$ORD/A/sub"
expect_exit 0 "create of the same files named in the opposite order" -- \
	"$NP" create -q -s "$KEYS/test.key" --timestamp "$TS" "$S/args2.npk" "$ORD/A/sub" "$ORD/A/doc2.txt" "$ORD/A/doc1.txt"
expect_same "$S/args1.npk" "$S/args2.npk" "the order of the INPUT arguments does not change the archive"
[ -n "$SHM_ORD" ] && rm -rf "$SHM_ORD"

# A missing input.
mkdir -p "$S/missing"
expect_exit 2 "create of a missing input exits 2" -- \
	"$NP" create -s "$KEYS/test.key" --timestamp "$TS" "$S/missing/out.npk" "$S/no-such-input" &&
	expect_contains "$ERR" "$S/no-such-input" "the missing input is named" &&
	expect_contains "$ERR" "nothing was written to $S/missing/out.npk" "create says nothing was written"
expect_true "a failed create leaves no OUT" -- test ! -e "$S/missing/out.npk"
no_temp_files "$S/missing" "a failed create leaves no .OUT.tmp-* file"

# Replacing an archive, and failed creates that must leave it alone.
R="$S/replace"
mkdir -p "$R/in1" "$R/in2"
printf 'first\n' > "$R/in1/first.txt"
printf 'second\n' > "$R/in2/second.txt"
expect_exit 0 "create of a first archive" -- "$NP" create -q -s "$KEYS/test.key" --timestamp "$TS" "$R/a.npk" "$R/in1"
expect_exit 0 "create over an existing archive exits 0" -- "$NP" create --force -q -s "$KEYS/test.key" --timestamp "$TS" "$R/a.npk" "$R/in2"
expect_exit 0 "list of the replaced archive" -- "$NP" list "$R/a.npk" &&
	expect_eq "$(cat "$OUT")" "second.txt" "create over an existing archive replaced it"
cp "$R/a.npk" "$R/saved.npk"
expect_exit 2 "create over an archive with a missing input exits 2" -- \
	"$NP" create --force -q -s "$KEYS/test.key" --timestamp "$TS" "$R/a.npk" "$R/in1" "$R/no-such-input"
expect_same "$R/a.npk" "$R/saved.npk" "a create with a missing input left the old archive intact"
# A failure half way: a valid file is written, then a name that cannot be
# stored (not UTF-8) stops the create.
mkdir -p "$R/halfway"
printf 'valid\n' > "$R/halfway/a-valid.txt"
printf 'x\n' > "$R/halfway/$(printf 'z-invalid-\377.txt')"
expect_exit 2 "create stopped half way by an invalid file name exits 2" -- \
	"$NP" create --force -q -s "$KEYS/test.key" --timestamp "$TS" "$R/a.npk" "$R/halfway" &&
	expect_contains "$ERR" "not valid UTF-8" "the invalid file name is the reason given"
expect_same "$R/a.npk" "$R/saved.npk" "a create failing half way left the old archive intact"
expect_exit 0 "the old archive still verifies" -- "$NP" verify "$R/a.npk"
if [ "$(id -u)" -ne 0 ]; then
	mkdir -p "$R/unreadable"
	printf 'secret\n' > "$R/unreadable/locked.txt"
	chmod 000 "$R/unreadable/locked.txt"
	expect_exit 2 "create with an unreadable input file exits 2" -- \
		"$NP" create -q -s "$KEYS/test.key" --timestamp "$TS" "$R/a.npk" "$R/unreadable" &&
		expect_contains "$ERR" "locked.txt" "the unreadable file is named"
	chmod 600 "$R/unreadable/locked.txt"
	expect_same "$R/a.npk" "$R/saved.npk" "a create with an unreadable input left the old archive intact"
else
	note "running as root: chmod 000 does not make a file unreadable; that case is skipped"
fi
# An interrupted create: a 1 GiB sparse file takes seconds to pack; SIGINT
# after one second must stop it, remove its temporary file and leave the old
# archive as it was.
mkdir -p "$R/sparse"
dd if=/dev/zero of="$R/sparse/zeros.bin" bs=1048576 seek=1024 count=0 2> /dev/null
LAST_CMD="$NP create -q -s test.key --timestamp $TS $R/a.npk $R/sparse (SIGINT after 1 s)"
"$NP" create -q -s "$KEYS/test.key" --timestamp "$TS" "$R/a.npk" "$R/sparse" < /dev/null > "$OUT" 2> "$ERR" &
pid=$!
sleep 1
kill -INT "$pid" 2> /dev/null
wait "$pid"
RC=$?
rm -rf "$R/sparse"
if [ "$RC" -eq 0 ]; then
	note "create of 1 GiB finished within a second: the interruption was not tested"
	cp "$R/saved.npk" "$R/a.npk"
else
	expect_true "an interrupted create exits 2 (exit code $RC)" -- test "$RC" -eq 2 ||
		show_last
	expect_contains "$ERR" "nothing was written to $R/a.npk" "an interrupted create says nothing was written"
	expect_same "$R/a.npk" "$R/saved.npk" "an interrupted create left the old archive intact"
fi
no_temp_files "$R" "the failed creates left no .OUT.tmp-* file"

# Symbolic links inside a folder are stored as links, never followed
# (format 1.1); format 1.0 skips them with a warning.
L="$S/links"
mkdir -p "$L/in"
printf 'real\n' > "$L/in/real.txt"
ln -s real.txt "$L/in/link.txt"
ln -s /etc "$L/in/dirlink"
expect_exit 0 "create of a folder with symbolic links exits 0" -- \
	"$NP" create -s "$KEYS/test.key" --timestamp "$TS" "$L/l.npk" "$L/in" &&
	expect_contains "$OUT" "and 0 empty folders, 2 symbolic links" "the summary counts the links"
expect_exit 0 "list of the archive with links" -- "$NP" list "$L/l.npk" &&
	expect_eq "$(cat "$OUT" | tr '\n' ' ')" "dirlink link.txt real.txt " "the links are stored beside the file" &&
	expect_exit 0 "cat of a link" -- "$NP" cat "$L/l.npk" dirlink &&
	expect_eq "$(cat "$OUT")" "/etc" "a link to a folder is its target, not followed"
expect_exit 0 "create --format-version 1.0 of a folder with symbolic links exits 0" -- \
	"$NP" create -s "$KEYS/test.key" --timestamp "$TS" --format-version 1.0 "$L/l10.npk" "$L/in" &&
	expect_contains "$ERR" "link.txt: symbolic link not archived" "1.0: a symlink to a file is skipped with a warning" &&
	expect_contains "$ERR" "dirlink: symbolic link not archived" "1.0: a symlink to a folder is skipped with a warning" &&
	expect_contains "$OUT" "2 inputs were skipped" "1.0: the summary counts the skipped inputs"
expect_exit 0 "list of the 1.0 archive without links" -- "$NP" list "$L/l10.npk" &&
	expect_eq "$(cat "$OUT")" "real.txt" "1.0: only the regular file was stored"
# A symbolic link named on the command line is what the user asked for: followed.
expect_exit 0 "create of a symlink named as an input exits 0" -- \
	"$NP" create -s "$KEYS/test.key" --timestamp "$TS" "$L/named.npk" "$L/in/link.txt" &&
	expect_not_contains "$ERR" "not archived" "no warning for a symlink named as an input"
expect_exit 0 "cat of the named symlink's document" -- "$NP" cat "$L/named.npk" link.txt &&
	expect_same "$OUT" "$L/in/real.txt" "it holds the target's content"

# Two inputs that map to the same path.
D="$S/dup"
mkdir -p "$D/one" "$D/two"
printf 'one\n' > "$D/one/same.txt"
printf 'two\n' > "$D/two/same.txt"
expect_exit 2 "two folders giving the same path exit 2" -- \
	"$NP" create -s "$KEYS/test.key" --timestamp "$TS" "$D/d.npk" "$D/one" "$D/two" &&
	expect_contains "$ERR" 'would both be stored as "same.txt"' "the clashing path is named"
expect_exit 2 "two files with the same base name exit 2" -- \
	"$NP" create -s "$KEYS/test.key" --timestamp "$TS" "$D/d.npk" "$D/one/same.txt" "$D/two/same.txt" &&
	expect_contains "$ERR" 'would both be stored as "same.txt"' "the clashing file name is named"
expect_true "a refused clash writes no archive" -- test ! -e "$D/d.npk"
no_temp_files "$D" "a refused clash leaves no temporary file"
# A file "a" and a folder "a/" from two inputs: paths "a" and "a/b" cannot
# both exist on a file system, so they clash just the same.
mkdir -p "$D/file" "$D/folder/a"
printf 'file a\n' > "$D/file/a"
printf 'file b in folder a\n' > "$D/folder/a/b"
expect_exit 2 "a file 'a' and a folder 'a/' from two inputs exit 2" -- \
	"$NP" create -s "$KEYS/test.key" --timestamp "$TS" "$D/fa.npk" "$D/file/a" "$D/folder" &&
	expect_contains "$ERR" "would both be stored as" "the file/folder clash is named"
if [ -f "$D/fa.npk" ]; then
	# create made it: extract must then see the clash before writing anything.
	mkdir -p "$D/fa-out"
	expect_exit 2 "extract of an archive holding both 'a' and 'a/b' exits 2" -- "$NP" extract -C "$D/fa-out" "$D/fa.npk"
	expect_eq "$(ls -A "$D/fa-out")" "" "extract reports the a / a/b clash before writing anything"
fi

# ---------------------------------------------------------------- verify
echo "-- verify"
expect_exit 0 "verify of a good archive exits 0" -- "$NP" verify "$A" &&
	expect_contains "$OUT" "OK  $A: signature by trusted key $TEST_ID" "verify says OK and names the key"
expect_exit 0 "verify -q exits 0" -- "$NP" verify -q "$A" &&
	expect_eq "$(cat "$OUT" "$ERR")" "" "verify -q prints nothing"
expect_exit 0 "verify --json exits 0" -- "$NP" verify --json "$A" &&
	expect_contains "$OUT" '"ok": true' "verify --json has \"ok\": true" &&
	expect_contains "$OUT" "\"key_id\": \"$TEST_ID\"" "verify --json names the key" &&
	expect_contains "$OUT" '"exit_code": 0' "verify --json has exit_code 0"
expect_exit 0 "verify -p test.pub exits 0" -- "$NP" verify -p "$KEYS/test.pub" "$A"
expect_exit 3 "verify -p other.pub (a key that did not sign) exits 3" -- "$NP" verify -p "$KEYS/other.pub" "$A" &&
	expect_contains "$OUT" "UNTRUSTED" "verify -p other.pub says UNTRUSTED" &&
	expect_contains "$OUT" "$TEST_ID" "verify -p other.pub names the signer's key id"
expect_exit 3 "verify --json -p other.pub exits 3" -- "$NP" verify --json -p "$KEYS/other.pub" "$A" &&
	expect_contains "$OUT" '"ok": false' "verify --json of an untrusted signer has \"ok\": false" &&
	expect_contains "$OUT" '"trusted": false' "verify --json of an untrusted signer has \"trusted\": false"
expect_exit 3 "verify with nothing trusted exits 3" -- env XDG_CONFIG_HOME="$UNTRUSTING" "$NP" verify "$A"
expect_exit 2 "verify of a missing file exits 2" -- "$NP" verify "$S/no-such.npk" &&
	expect_contains "$ERR" "No such file or directory" "verify of a missing file says so (on stderr)"
printf 'this is not an archive\n' > "$S/garbage.npk"
expect_exit 1 "verify of a file that is not an archive exits 1" -- "$NP" verify "$S/garbage.npk" &&
	expect_contains "$OUT" "FAILED" "verify of garbage says FAILED"
expect_exit 2 "verify -p of a missing key file exits 2" -- "$NP" verify -p "$S/no-such.pub" "$A"
# A damaged document: flip one byte in the middle of the stored cluster
# (the seed document is compressed in the only cluster, right after the
# 32-byte header and the 24-byte object header).
cp "$A" "$S/damaged.npk"
printf 'Z' | dd of="$S/damaged.npk" bs=1 seek=200 conv=notrunc 2> /dev/null
expect_exit 1 "verify of a damaged archive exits 1" -- "$NP" verify "$S/damaged.npk" &&
	expect_contains "$OUT" "DAMAGED" "verify says DAMAGED" &&
	expect_contains "$OUT" "$SEED" "verify names the damaged document"
expect_exit 1 "verify --json of a damaged archive exits 1" -- "$NP" verify --json "$S/damaged.npk" &&
	expect_contains "$OUT" '"ok": false' "verify --json of damage has \"ok\": false" &&
	expect_contains "$OUT" "\"path\": \"$SEED\"" "verify --json names the damaged document"
expect_exit 1 "cat of a damaged document exits 1" -- "$NP" cat "$S/damaged.npk" "$SEED" &&
	expect_eq "$(file_size "$OUT")" 0 "cat of a damaged document writes nothing"

# ---------------------------------------------------------------- untrusted
echo "-- untrusted signers"
expect_exit 3 "list of an untrusted archive exits 3" -- env XDG_CONFIG_HOME="$UNTRUSTING" "$NP" list "$A" &&
	expect_contains "$ERR" "$TEST_ID, which is not trusted" "list names the untrusted key" &&
	expect_contains "$ERR" "--allow-untrusted" "list suggests --allow-untrusted" &&
	expect_eq "$(file_size "$OUT")" 0 "list of an untrusted archive prints no paths"
expect_exit 0 "list --allow-untrusted exits 0" -- env XDG_CONFIG_HOME="$UNTRUSTING" "$NP" list --allow-untrusted "$A" &&
	expect_same "$OUT" "$S/seed-paths" "list --allow-untrusted lists every path"
expect_exit 3 "info of an untrusted archive exits 3" -- env XDG_CONFIG_HOME="$UNTRUSTING" "$NP" info "$A"
expect_exit 0 "info --allow-untrusted exits 0" -- env XDG_CONFIG_HOME="$UNTRUSTING" "$NP" info --allow-untrusted "$A" &&
	expect_contains "$OUT" "key $TEST_ID (NOT trusted)" "info --allow-untrusted says NOT trusted"
expect_exit 3 "cat of an untrusted archive exits 3" -- env XDG_CONFIG_HOME="$UNTRUSTING" "$NP" cat "$A" "$SEED" &&
	expect_eq "$(file_size "$OUT")" 0 "cat of an untrusted archive writes nothing"
expect_exit 0 "cat --allow-untrusted exits 0" -- env XDG_CONFIG_HOME="$UNTRUSTING" "$NP" cat --allow-untrusted "$A" "$SEED" &&
	expect_same "$OUT" "$top/seeds/$SEED" "cat --allow-untrusted gives the document"
mkdir -p "$S/untrusted-out" "$S/untrusted-out2"
expect_exit 3 "extract of an untrusted archive exits 3" -- env XDG_CONFIG_HOME="$UNTRUSTING" "$NP" extract -C "$S/untrusted-out" "$A" &&
	expect_eq "$(ls -A "$S/untrusted-out")" "" "extract of an untrusted archive writes nothing"
expect_exit 0 "extract --allow-untrusted exits 0" -- \
	env XDG_CONFIG_HOME="$UNTRUSTING" "$NP" extract --allow-untrusted -C "$S/untrusted-out2" "$A" &&
	expect_same "$S/untrusted-out2/$SEED" "$top/seeds/$SEED" "extract --allow-untrusted gives the document"
expect_exit 3 "list -p other.pub (not the signer) exits 3" -- "$NP" list -p "$KEYS/other.pub" "$A"
expect_exit 0 "list -p test.pub exits 0 with nothing in the trusted folder" -- \
	env XDG_CONFIG_HOME="$UNTRUSTING" "$NP" list -p "$KEYS/test.pub" "$A"

# ---------------------------------------------------------------- info
echo "-- info"
expect_exit 0 "info exits 0" -- "$NP" info "$A" &&
	expect_contains "$OUT" "Documents:     $nseeds" "info: Documents: $nseeds" &&
	expect_contains "$OUT" "Created:       $TS" "info: Created: $TS" &&
	expect_contains "$OUT" "Signed by:     key $TEST_ID (trusted)" "info: signed by the trusted test key" &&
	expect_contains "$OUT" "Title:" "info shows the archive title" &&
	expect_contains "$OUT" "newspack seeds" "info shows the --meta title value" &&
	expect_contains "$OUT" "Creator:" "info shows the archive creator"
expect_exit 0 "info --json exits 0" -- "$NP" info --json "$A" &&
	expect_contains "$OUT" "\"documents\": $nseeds," "info --json: documents $nseeds" &&
	expect_contains "$OUT" "\"key_id\": \"$TEST_ID\"" "info --json: key_id" &&
	expect_contains "$OUT" "\"created\": \"$TS\"" "info --json: created" &&
	expect_contains "$OUT" "\"created_unix\": $TS_UNIX" "info --json: created_unix" &&
	expect_contains "$OUT" '"trusted": true' "info --json: trusted" &&
	expect_contains "$OUT" "\"content_bytes\": $seed_bytes," "info --json: content_bytes $seed_bytes" &&
	expect_contains "$OUT" "\"archive_bytes\": $(file_size "$A")" "info --json: archive_bytes is the file size" &&
	expect_contains "$OUT" '"title": "newspack seeds"' "info --json: the archive title"

# ---------------------------------------------------------------- cat and extract
echo "-- cat and extract"
X="$S/x"
mkdir -p "$X/in/sub/deeper" "$X/in/other"
cp "$top/seeds/$SEED" "$X/in/"
printf 'A note.\n' > "$X/in/note.txt"
printf '{"title": "A note from the sidecar", "author": ["One", "Two"]}\n' > "$X/in/note.txt.meta.json"
printf 'in sub\n' > "$X/in/sub/s1.txt"
printf 'deep\n' > "$X/in/sub/deeper/d1.txt"
printf 'other\n' > "$X/in/other/o1.txt"
printf '# Markdown\n\nText.\n' > "$X/in/sub/page.md"
XA="$X/x.npk"
expect_exit 0 "create of a folder with a sidecar exits 0" -- "$NP" create -q -s "$KEYS/test.key" --timestamp "$TS" "$XA" "$X/in"
expect_exit 0 "list --json of it" -- "$NP" list --json "$XA"
expect_not_contains "$OUT" "note.txt.meta.json" "the sidecar is not stored as a document"
grep -F '"path":"note.txt"' "$OUT" > "$S/note-line"
expect_contains "$S/note-line" '"title":"A note from the sidecar"' "the sidecar's title is the document's title"
expect_contains "$S/note-line" '"author":["One","Two"]' "the sidecar's authors, in order"
# cat to a full disk: a document larger than stdio's buffer fails in the
# middle of the read, not at the final flush
mkdir -p "$X/big"
awk 'BEGIN { for (i = 0; i < 20000; i++) printf "line %d of a long article, to fill the output\n", i }' > "$X/big/long.txt"
expect_exit 0 "create of a 1 MB document" -- "$NP" create -q -s "$KEYS/test.key" --timestamp "$TS" "$X/big.npk" "$X/big"
if [ -w /dev/full ]; then
	expect_exit 2 "cat of it to a full disk (/dev/full) exits 2" -- sh -c '"$1" cat "$2" long.txt > /dev/full' sh "$NP" "$X/big.npk" &&
		expect_contains "$ERR" "standard output: write error" "and says that standard output failed"
fi
expect_exit 0 "list of it" -- "$NP" list "$XA"
cp "$OUT" "$X/paths"
expect_eq "$(wc -l < "$X/paths" | tr -d ' ')" 6 "six documents are listed"
(cd "$X/in" && find . -type f ! -name '*.meta.json' | sed 's|^\./||' | LC_ALL=C sort) > "$X/want-paths"
expect_same "$X/paths" "$X/want-paths" "list gives every file path, in byte order"
while read -r p; do
	expect_exit 0 "cat $p exits 0" -- "$NP" cat "$XA" "$p" &&
		expect_same "$OUT" "$X/in/$p" "cat $p equals the input"
done < "$X/paths"
expect_exit 2 "cat of a missing path exits 2" -- "$NP" cat "$XA" no/such.txt &&
	expect_contains "$ERR" 'no document "no/such.txt"' "cat of a missing path names it"
expect_exit 2 "cat of a folder path exits 2" -- "$NP" cat "$XA" sub

mkdir -p "$X/out"
expect_exit 0 "extract -C exits 0" -- "$NP" extract -C "$X/out" "$XA" &&
	expect_contains "$ERR" "extracted 6 documents" "extract reports 6 documents"
if diff -r -x '*.meta.json' "$X/in" "$X/out" > "$S/diff.out" 2>&1; then
	pass "extract gives byte-identical files (diff -r)"
else
	fail "extract gives byte-identical files (diff -r)"
	show_file diff "$S/diff.out"
fi
expect_true "the sidecar is not extracted" -- test ! -e "$X/out/note.txt.meta.json"
# A second extract without --force must refuse before writing anything:
# note.txt is edited locally and o1.txt removed; neither may change.
printf 'local edit\n' > "$X/out/note.txt"
rm "$X/out/other/o1.txt"
cp "$X/out/sub/s1.txt" "$S/s1-before"
touch -t 200001010000 "$X/out/sub/s1.txt"
before=$(ls -l "$X/out/sub/s1.txt")
expect_exit 2 "extract again without --force exits 2" -- "$NP" extract -C "$X/out" "$XA" &&
	expect_contains "$ERR" "exists (use --force to overwrite)" "extract says a file exists and suggests --force" &&
	expect_contains "$ERR" "$X/out/" "extract names the existing file"
named=$(sed -n "s|^newspack: $X/out/\([^:]*\): exists.*|\1|p" "$ERR" | head -n 1)
expect_true "the file named ('$named') is one that exists in the archive and in DIR" -- \
	test -n "$named" -a -f "$X/in/$named" -a -f "$X/out/$named"
expect_eq "$(cat "$X/out/note.txt")" "local edit" "the refused extract left the edited file alone"
expect_true "the refused extract wrote nothing (the removed file did not come back)" -- test ! -e "$X/out/other/o1.txt"
expect_eq "$(ls -l "$X/out/sub/s1.txt")" "$before" "the refused extract did not touch an existing file (mtime)"
leftover=$(find "$X/out" -name '.npk-extract-*' | head -n 1)
expect_eq "$leftover" "" "the refused extract left no temporary file"
expect_exit 0 "extract --force exits 0" -- "$NP" extract --force -C "$X/out" "$XA"
if diff -r -x '*.meta.json' "$X/in" "$X/out" > "$S/diff.out" 2>&1; then
	pass "extract --force restored every file"
else
	fail "extract --force restored every file"
	show_file diff "$S/diff.out"
fi

mkdir -p "$X/sel"
expect_exit 0 "extract of selected paths exits 0" -- "$NP" extract -C "$X/sel" "$XA" note.txt sub/deeper/d1.txt
(cd "$X/sel" && find . -type f | LC_ALL=C sort) > "$S/sel"
printf './note.txt\n./sub/deeper/d1.txt\n' > "$S/sel-want"
expect_same "$S/sel" "$S/sel-want" "extract of two paths writes just those two"
expect_same "$X/sel/sub/deeper/d1.txt" "$X/in/sub/deeper/d1.txt" "the selected nested file is right"
mkdir -p "$X/folder"
expect_exit 0 "extract of a folder path exits 0" -- "$NP" extract -C "$X/folder" "$XA" sub
(cd "$X/folder" && find . -type f | LC_ALL=C sort) > "$S/folder"
printf './sub/deeper/d1.txt\n./sub/page.md\n./sub/s1.txt\n' > "$S/folder-want"
expect_same "$S/folder" "$S/folder-want" "extract of folder 'sub' writes everything under it and nothing else"
mkdir -p "$X/none"
expect_exit 2 "extract of a missing path exits 2" -- "$NP" extract -C "$X/none" "$XA" no/such &&
	expect_contains "$ERR" '"no/such"' "extract names the missing path"
expect_exit 0 "extract -C a missing folder exits 0" -- "$NP" extract -C "$X/no-such-dir" "$XA"
expect_true "extract made the missing -C folder" -- test -d "$X/no-such-dir"

# A symbolic link inside DIR that points outside must not be followed.
OUTSIDE="$S/outside"
mkdir -p "$OUTSIDE" "$X/trap"
ln -s "$OUTSIDE" "$X/trap/sub"
expect_exit 2 "extract through a symlinked folder is refused with exit 2" -- "$NP" extract -C "$X/trap" "$XA" &&
	expect_contains "$ERR" "$X/trap/sub" "the refusal names the symlink"
expect_eq "$(ls -A "$OUTSIDE")" "" "nothing was written outside through the symlink"
expect_eq "$(ls -A "$X/trap")" "sub" "nothing was written inside DIR either (refused before writing)"
expect_exit 2 "extract --force through a symlinked folder is refused too" -- "$NP" extract --force -C "$X/trap" "$XA"
expect_eq "$(ls -A "$OUTSIDE")" "" "nothing was written outside with --force either"
# A regular file where the archive has a folder.
mkdir -p "$X/filedir"
printf 'not a folder\n' > "$X/filedir/sub"
expect_exit 2 "extract where DIR/sub is a file but the archive has folder sub/ exits 2" -- \
	"$NP" extract --force -C "$X/filedir" "$XA" &&
	expect_contains "$ERR" "exists and is not a folder" "the refusal says it is not a folder"
expect_eq "$(ls -A "$X/filedir")" "sub" "nothing was written"
expect_eq "$(cat "$X/filedir/sub")" "not a folder" "the file in the way is unchanged"
printf 'outside\n' > "$S/outside-file"
mkdir -p "$X/trap2"
ln -s "$S/outside-file" "$X/trap2/note.txt"
expect_exit 2 "extract --force over a symlinked file is refused with exit 2" -- "$NP" extract --force -C "$X/trap2" "$XA" note.txt &&
	expect_contains "$ERR" "symbolic link" "the refusal says it is a symbolic link"
expect_eq "$(cat "$S/outside-file")" "outside" "the file the symlink points to is unchanged"

# ---------------------------------------------------------------- odd content
echo "-- round trips of odd content"
O="$S/odd"
mkdir -p "$O/in/big" "$O/out"
: > "$O/in/empty.txt"
i=0
while [ "$i" -lt 256 ]; do
	printf "\\$(printf %o "$i")"
	i=$((i + 1))
done > "$O/in/all-bytes.bin"
expect_eq "$(file_size "$O/in/all-bytes.bin")" 256 "the all-bytes file has 256 bytes"
printf 'caf\351 na\357ve \377\376 \300\200 end\n' > "$O/in/invalid-utf8.txt"
printf 'line one\r\nline two\r\n\r\n' > "$O/in/crlf.txt"
printf '\357\273\277Title with a BOM\n\nBody.\n' > "$O/in/bom.txt"
printf 'no newline at the end' > "$O/in/no-eol.txt"
printf 'spaces\n' > "$O/in/name with spaces.txt"
printf 'unicode name\n' > "$O/in/caf$(printf '\303\251') $(printf '\346\226\260\350\201\236').txt"
awk 'BEGIN { srand(7); for (i = 0; i < 200000; i++) printf "line %d of a long article: %d\n", i, int(rand() * 1000000) }' |
	head -c 3145728 > "$O/in/big/three-mb.txt"
head -c 524288 /dev/urandom > "$O/in/big/random.bin"
expect_eq "$(file_size "$O/in/big/three-mb.txt")" 3145728 "the big file has 3 MiB"
OA="$O/odd.npk"
expect_exit 0 "create with --cluster-size 65536 exits 0" -- \
	"$NP" create -q -s "$KEYS/test.key" --timestamp "$TS" --cluster-size 65536 "$OA" "$O/in"
expect_exit 0 "verify of the odd archive exits 0" -- "$NP" verify "$OA"
expect_exit 0 "info --json of the odd archive" -- "$NP" info --json "$OA"
clusters=$(sed -n 's/^ *"clusters": \([0-9]*\),*$/\1/p' "$OUT")
info "odd archive: $(file_size "$OA") bytes, ${clusters:-?} clusters"
expect_true "the 3 MiB file spans many clusters (${clusters:-?} >= 48)" -- test "${clusters:-0}" -ge 48
expect_exit 0 "extract of the odd archive exits 0" -- "$NP" extract -C "$O/out" "$OA"
if diff -r "$O/in" "$O/out" > "$S/diff.out" 2>&1; then
	pass "every odd file came back byte for byte through extract"
else
	fail "every odd file came back byte for byte through extract"
	show_file diff "$S/diff.out"
fi
(cd "$O/in" && find . -type f | sed 's|^\./||' | LC_ALL=C sort) > "$O/paths"
while read -r p; do
	expect_exit 0 "cat '$p' exits 0" -- "$NP" cat "$OA" "$p" &&
		expect_same "$OUT" "$O/in/$p" "cat '$p' is byte for byte the input"
done < "$O/paths"
expect_exit 0 "list --json of the odd archive" -- "$NP" list --json "$OA" &&
	expect_contains "$OUT" '"path":"empty.txt","size":0' "the empty file is listed with size 0"

# ---------------------------------------------------------------- codecs and threads
echo "-- codecs and threads"
for j in 1 2 3; do
	expect_exit 0 "create -j $j of the odd content" -- \
		"$NP" create -q -j "$j" -s "$KEYS/test.key" --timestamp "$TS" --cluster-size 65536 "$O/j$j.npk" "$O/in"
done
expect_same "$O/j1.npk" "$O/j2.npk" "-j 1 and -j 2 give the same bytes"
expect_same "$O/j1.npk" "$O/j3.npk" "-j 1 and -j 3 give the same bytes"
expect_same "$O/j1.npk" "$OA" "and the same as the default thread count"
ZA="$O/zstd.npk"
expect_exit 0 "create --codec zstd exits 0" -- \
	"$NP" create -q --codec zstd -s "$KEYS/test.key" --timestamp "$TS" --cluster-size 65536 "$ZA" "$O/in"
expect_exit 0 "create --codec zstd -j 1 exits 0" -- \
	"$NP" create -q --codec zstd -j 1 -s "$KEYS/test.key" --timestamp "$TS" --cluster-size 65536 "$O/zstd1.npk" "$O/in"
expect_same "$ZA" "$O/zstd1.npk" "zstd: -j 1 and the default give the same bytes"
expect_exit 0 "verify of the zstd archive exits 0" -- "$NP" verify "$ZA"
mkdir -p "$O/zout"
expect_exit 0 "extract of the zstd archive exits 0" -- "$NP" extract -q -C "$O/zout" "$ZA"
expect_true "every file came back byte for byte from the zstd archive" -- diff -r "$O/in" "$O/zout"
expect_exit 0 "cat from the zstd archive" -- "$NP" cat "$ZA" big/three-mb.txt &&
	expect_same "$OUT" "$O/in/big/three-mb.txt" "the 3 MiB file through zstd is byte for byte"
expect_exit 2 "an unknown codec is a usage error" -- \
	"$NP" create -q --codec lzma -s "$KEYS/test.key" "$O/x.npk" "$O/in" &&
	expect_contains "$ERR" "zlib or zstd" "the message names the codecs"
expect_exit 2 "a zstd level out of range is refused" -- \
	"$NP" create -q --codec zstd --level 20 -s "$KEYS/test.key" "$O/x.npk" "$O/in" &&
	expect_contains "$ERR" "level must be 1-19" "the message gives the range"
expect_exit 2 "a zlib level out of range is refused" -- \
	"$NP" create -q --level 13 -s "$KEYS/test.key" "$O/x.npk" "$O/in" &&
	expect_contains "$ERR" "level must be 1-12" "the message gives the range (1-12 with libdeflate)"
expect_exit 2 "-j 0 is refused" -- "$NP" create -q -j 0 -s "$KEYS/test.key" "$O/x.npk" "$O/in"
expect_true "no archive was left by the refused creates" -- test ! -e "$O/x.npk"

finish
