#!/bin/sh
# Suite "trust": where trust comes from, what names a signer, and what the
# reading commands print.
#   (1) with HOME unset or relative and XDG_CONFIG_HOME unset or relative,
#       no trusted key is read from the current folder; the home folder
#       comes from the password database.
. "$(dirname "$0")/lib.sh"
suite_begin trust

TEST_ID=0D99CDDB830FBFC8     # tests/keys/test.pub
TS=2025-01-24T00:00:00Z
IN="$S/in"
mkdir -p "$IN"
printf 'First article.\n' > "$IN/one.txt"
printf 'Second article.\n' > "$IN/two.txt"
A="$S/a.npk"
expect_exit 0 "an archive signed by tests/keys/test.key" -- \
	"$NP" create -q -s "$KEYS/test.key" --timestamp "$TS" "$A" "$IN"

# in_dir DIR CMD ARGS...: runs CMD with DIR as the current folder.
in_dir() {
	_d=$1
	shift
	(cd "$_d" && exec "$@")
}

# ---------------------------------------------------------------- (1)
echo "-- (1) trust is never read relative to the current folder"
# The password database's home is read in (1): it must not trust test.pub.
pwhome=$(python3 -c 'import os, pwd; print(pwd.getpwuid(os.getuid()).pw_dir)' 2>/dev/null)
if grep -rqF "$(sed -n 2p "$KEYS/test.pub")" "$pwhome/.config/newspack/trusted" 2>/dev/null; then
	note "$pwhome/.config/newspack/trusted trusts tests/keys/test.pub; (1) cannot be checked here"
	finish
fi
P="$S/planted"
mkdir -p "$P/.config/newspack/trusted" "$P/rel/.config/newspack/trusted" "$P/newspack/trusted"
for d in "$P/.config/newspack/trusted" "$P/rel/.config/newspack/trusted" "$P/newspack/trusted"; do
	cp "$KEYS/test.pub" "$d/$TEST_ID.pub"
done
expect_exit 3 "env -i: a key planted in ./.config/newspack/trusted is not trusted (exit 3)" -- \
	in_dir "$P" env -i "$NP" verify "$A" &&
	expect_contains "$OUT" "UNTRUSTED" "env -i: verify says UNTRUSTED"
expect_exit 3 "HOME=. : the planted key is not trusted" -- \
	in_dir "$P" env -i HOME=. "$NP" verify "$A"
expect_exit 3 "HOME=rel (relative): the key planted in rel/.config is not trusted" -- \
	in_dir "$P" env -i HOME=rel "$NP" verify "$A"
expect_exit 3 "HOME= and XDG_CONFIG_HOME=. : the key planted in ./newspack/trusted is not trusted" -- \
	in_dir "$P" env -i HOME= XDG_CONFIG_HOME=. "$NP" verify "$A"
expect_exit 3 "env -i: list refuses the archive too" -- \
	in_dir "$P" env -i "$NP" list "$A"
# The home folder of the password database stands in for HOME.
if [ -n "$pwhome" ] && [ "${pwhome#/}" != "$pwhome" ]; then
	expect_exit 0 "env -i keygen --help exits 0" -- in_dir "$P" env -i "$NP" keygen --help &&
		expect_contains "$OUT" "$pwhome/.config/newspack/newspack.key" \
			"env -i: the default key is in the password database's home ($pwhome)"
else
	note "no absolute home folder in the password database; its use is not checked"
fi
# A user the password database does not know, without HOME: no folder at all.
if [ "$(id -u)" = 0 ] && command -v setpriv > /dev/null 2>&1 &&
	! getent passwd 54321 > /dev/null 2>&1; then
	chmod 0777 "$P"
	nobody() {
		in_dir "$P" setpriv --reuid=54321 --regid=54321 --clear-groups env -i "$@"
	}
	expect_exit 3 "no home folder at all: the planted key is not trusted" -- nobody "$NP" verify "$A" &&
		expect_contains "$ERR" "no key is trusted from a folder" "verify says no folder was searched"
	expect_exit 3 "no home folder: list exits 3" -- nobody "$NP" list "$A" &&
		expect_contains "$ERR" "No key is trusted from a folder" "list's hint says why"
	expect_exit 0 "no home folder: verify -p test.pub still trusts the named key" -- \
		nobody "$NP" verify -p "$KEYS/test.pub" "$A"
	expect_exit 2 "no home folder: keygen without -s/-p is refused" -- nobody "$NP" keygen -W &&
		expect_contains "$ERR" "no folder for the default key files" "keygen says why"
	expect_true "keygen wrote nothing under the current folder" -- test ! -e "$P/.config/newspack/newspack.key"
	expect_exit 0 "no home folder: keygen -W -s k -p k.pub works" -- nobody "$NP" keygen -W -s k -p k.pub &&
		expect_contains "$OUT" "Trusted in:  nowhere" "keygen says the key is trusted nowhere"
else
	note "not root, or no setpriv: the case of no home folder at all is not checked"
fi

finish
