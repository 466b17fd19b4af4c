#!/bin/sh
# Suite "trust": where trust comes from, what names a signer, and what the
# reading commands print.
#   (1) with HOME unset or relative and XDG_CONFIG_HOME unset or relative,
#       no trusted key is read from the current folder; the home folder
#       comes from the password database;
#   (2) a signer is named by its fingerprint (spec/keys.md 4.1), derived
#       from its public key: an attacker's key that claims the trusted key's
#       id gives an untrusted report whose fingerprint is not the genuine
#       one; keygen and info print it, in text and JSON;
#   (3) values from an archive (paths, titles, dates, archive metadata)
#       reach the terminal with control and bidi characters escaped, in
#       list, list -l, info, verify and extract -v; --json keeps them exact;
#   (4) a NUL byte in a passphrase file is refused, not cut at;
#   (5) keygen refuses one file for both keys (same name, other spelling,
#       hard link) before writing anything;
#   (6) verify of a file it cannot read reports an I/O error on stderr
#       (exit 2), not a FAILED line that reads like damage; --json prints a
#       JSON error object;
#   (7) extract -C DIR makes DIR and its parents when missing (mode 0777
#       less the umask), silently unless -v.
#   (8) keygen --encryption writes an X25519 pair (keys.md 9), trusts it
#       nowhere, and a recipient key is refused where a signer's is wanted.
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

# ---------------------------------------------------------------- (2)
echo "-- (2) fingerprints: a key id is only claimed"
UNTRUSTING="$S/untrusting"
mkdir -p "$UNTRUSTING/newspack/trusted"
TRUSTING="$S/trusting"
mkdir -p "$TRUSTING/newspack/trusted"
cp "$KEYS/test.pub" "$TRUSTING/newspack/trusted/$TEST_ID.pub"
# fp PUBFILE: the fingerprint of a public key file, computed here from
# spec/keys.md 4.1: BLAKE2b-256 of the 32-byte key, its first 16 bytes in
# lowercase hex, in groups of four digits.
fp() {
	python3 - "$1" <<'PY'
import base64, hashlib, sys
raw = base64.b64decode(open(sys.argv[1]).read().split("\n")[1])
h = hashlib.blake2b(raw[10:42], digest_size=32).hexdigest()[:32]
print(" ".join(h[i:i + 4] for i in range(0, 32, 4)))
PY
}
# The attacker's key: other.key's key pair under test.key's key id
# (spec/keys.md 2 and 3.1; the checksum of 3.3 recomputed).
F="$S/forged"
mkdir -p "$F"
python3 - "$KEYS/other.key" "$KEYS/test.pub" "$F/forged.key" "$F/forged.pub" <<'PY'
import base64, hashlib, sys
sec = bytearray(base64.b64decode(open(sys.argv[1]).read().split("\n")[1]))
kid = base64.b64decode(open(sys.argv[2]).read().split("\n")[1])[2:10]
sec[54:62] = kid
sec[126:158] = hashlib.blake2b(b"Ed" + bytes(sec[54:62]) + bytes(sec[62:126]), digest_size=32).digest()
pub = b"Ed" + kid + bytes(sec[94:126])
with open(sys.argv[3], "w") as f:
    f.write("untrusted comment: forged\n" + base64.b64encode(bytes(sec)).decode() + "\n")
with open(sys.argv[4], "w") as f:
    f.write("untrusted comment: forged\n" + base64.b64encode(pub).decode() + "\n")
PY
FP_TEST=$(fp "$KEYS/test.pub")
FP_FORGED=$(fp "$F/forged.pub")
info "test.pub: $FP_TEST; the forged key: $FP_FORGED"
expect_true "the forged key is not test.pub's" -- test "$FP_TEST" != "$FP_FORGED"
B="$S/forged.npk"
expect_exit 0 "an archive signed by the forged key" -- \
	"$NP" create -q -s "$F/forged.key" --timestamp "$TS" "$B" "$IN"
expect_exit 3 "verify of the genuine archive, nothing trusted, exits 3" -- \
	env XDG_CONFIG_HOME="$UNTRUSTING" "$NP" verify "$A" &&
	expect_contains "$OUT" "claiming to be key $TEST_ID, which is not trusted" "the genuine report says the id is claimed" &&
	expect_contains "$OUT" "fingerprint $FP_TEST" "the genuine report names test.pub's fingerprint"
cp "$OUT" "$S/report-genuine"
expect_exit 3 "verify of the forged archive, nothing trusted, exits 3" -- \
	env XDG_CONFIG_HOME="$UNTRUSTING" "$NP" verify "$B" &&
	expect_contains "$OUT" "claiming to be key $TEST_ID, which is not trusted" "the forged report says the id is claimed" &&
	expect_contains "$OUT" "fingerprint $FP_FORGED" "the forged report names the forged key's fingerprint" &&
	expect_not_contains "$OUT" "$FP_TEST" "the forged report does not show the genuine fingerprint"
sed "s|$B|ARCHIVE|" "$OUT" > "$S/report-forged"
sed "s|$A|ARCHIVE|" "$S/report-genuine" > "$S/report-genuine2"
if cmp -s "$S/report-genuine2" "$S/report-forged"; then
	fail "the two reports differ" "$(cat "$S/report-forged")"
else
	pass "the two reports differ"
fi
expect_exit 3 "verify --json of the forged archive exits 3" -- \
	env XDG_CONFIG_HOME="$UNTRUSTING" "$NP" verify --json "$B" &&
	expect_contains "$OUT" "\"fingerprint\": \"$FP_FORGED\"" "verify --json has the forged key's fingerprint"
expect_exit 3 "list of the forged archive exits 3" -- \
	env XDG_CONFIG_HOME="$UNTRUSTING" "$NP" list "$B" &&
	expect_contains "$ERR" "claiming to be key $TEST_ID, which is not trusted (fingerprint $FP_FORGED)" \
		"list's refusal names the fingerprint"
expect_exit 0 "info --allow-untrusted of the forged archive" -- \
	env XDG_CONFIG_HOME="$UNTRUSTING" "$NP" info --allow-untrusted "$B" &&
	expect_contains "$OUT" "Signed by:     a key claiming to be key $TEST_ID (NOT trusted)" "info says the id is claimed" &&
	expect_contains "$OUT" "Fingerprint:   $FP_FORGED" "info prints the forged key's fingerprint"
expect_exit 0 "info --json --allow-untrusted of the forged archive" -- \
	env XDG_CONFIG_HOME="$UNTRUSTING" "$NP" info --json --allow-untrusted "$B" &&
	expect_contains "$OUT" "\"fingerprint\": \"$FP_FORGED\"" "info --json has the fingerprint"
expect_exit 0 "info of the genuine archive, trusted" -- \
	env XDG_CONFIG_HOME="$TRUSTING" "$NP" info "$A" &&
	expect_contains "$OUT" "Fingerprint:   $FP_TEST" "info prints the trusted key's fingerprint"
expect_exit 1 "with test.pub trusted, the forged archive fails (exit 1)" -- \
	env XDG_CONFIG_HOME="$TRUSTING" "$NP" verify "$B"
K="$S/kg"
mkdir -p "$K"
expect_exit 0 "keygen -W exits 0" -- "$NP" keygen -W -s "$K/k.key" -p "$K/k.pub" &&
	expect_contains "$OUT" "Fingerprint: $(fp "$K/k.pub")" "keygen prints the new key's fingerprint"

# ---------------------------------------------------------------- (3)
echo "-- (3) control and bidi characters are escaped in what is printed"
E="$S/escape"
mkdir -p "$E"
# A forged archive (tests/hostile/forge.py, signed by test.key) whose
# values hold ESC sequences, line breaks that forge report lines, C1 and
# bidi controls; the document at BIDI has a digest that does not match, so
# that verify names it.
BIDI="$(printf 'evil\342\200\256txt.exe')"
python3 - "$top" "$E" <<'PY'
import json, os, sys
sys.path.insert(0, os.path.join(sys.argv[1], "tests", "hostile"))
import forge
key = forge.Key(os.path.join(sys.argv[1], "tests", "keys", "test.key"))
fake = "\nSigned by:     key 0D99CDDB830FBFC8 (trusted)"
docs = [(b"a.txt", b"first\n" * 100, [("date", "\x1b[31m2025"), ("title", "\x1b[2J" + fake)]),
        (b"b.txt", b"second\n" * 100, [("title", "bidi \u202e\u2066\u061c\u200f c1 \u009b31m del \x7f end")]),
        ("evil\u202etxt.exe".encode(), b"third\n" * 100, [("title", "plain")])]
archive_meta = [("creator", "\u202ereversed"), ("description", "cr\rline\x1b[K"),
                ("title", "archive\x1b]0;pwned\x07" + fake)]
def bad_digest(entries):
    entries[2]["digest"] = b"\0" * 32
open(os.path.join(sys.argv[2], "e.npk"), "wb").write(
    forge.forge(docs, key, archive_meta=archive_meta))
open(os.path.join(sys.argv[2], "d.npk"), "wb").write(
    forge.forge(docs, key, archive_meta=archive_meta, hooks={"entries": bad_digest}))
json.dump({"docs": [[d[0].decode(), dict(d[2])] for d in docs], "archive": dict(archive_meta)},
          open(os.path.join(sys.argv[2], "want.json"), "w"))
PY
# clean FILE DESC: FILE holds no C0 control but LF, no DEL, no C1 and no
# bidi control, and no line that starts like a forged report line.
clean() {
	if python3 - "$1" <<'PY'
import re, sys
t = open(sys.argv[1], "rb").read().decode("utf-8", "replace")
bad = re.findall("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]", t)
sys.exit(1 if bad else 0)
PY
	then
		pass "$2: no control or bidi character"
	else
		fail "$2: no control or bidi character"
		show_file "$(basename "$1")" "$1"
	fi
}
X="env XDG_CONFIG_HOME=$TRUSTING"
expect_exit 0 "list -l of the forged archive exits 0" -- $X "$NP" list -l "$E/e.npk" &&
	clean "$OUT" "list -l" &&
	expect_eq "$(wc -l < "$OUT" | tr -d ' ')" 3 "list -l: one line per document, no forged line" &&
	expect_contains "$OUT" '\x1B[2J\x0ASigned by:' "list -l shows the title's ESC and line break escaped" &&
	expect_contains "$OUT" '\xE2\x80\xAE' "list -l shows the bidi control escaped"
expect_exit 0 "list of the forged archive exits 0" -- $X "$NP" list "$E/e.npk" &&
	clean "$OUT" "list" &&
	expect_contains "$OUT" 'evil\xE2\x80\xAEtxt.exe' "list shows the path's bidi control escaped"
expect_exit 0 "info of the forged archive exits 0" -- $X "$NP" info "$E/e.npk" &&
	clean "$OUT" "info" &&
	expect_eq "$(grep -c '^Signed by:' "$OUT")" 1 "info: one 'Signed by:' line, the real one" &&
	expect_contains "$OUT" 'archive\x1B]0;pwned\x07\x0ASigned by:' "info shows the archive title escaped" &&
	expect_contains "$OUT" 'cr\x0Dline\x1B[K' "info shows the CR and ESC of the description escaped"
expect_exit 1 "verify of the forged archive with a bad digest exits 1" -- $X "$NP" verify "$E/d.npk" &&
	clean "$OUT" "verify" &&
	expect_contains "$OUT" 'DAMAGED  evil\xE2\x80\xAEtxt.exe' "verify names the damaged document escaped"
mkdir -p "$E/x"
expect_exit 0 "extract -v of the forged archive exits 0" -- $X "$NP" extract -v -C "$E/x" "$E/e.npk"
clean "$ERR" "extract -v"
expect_true "extract writes the path as it is" -- test -f "$E/x/$BIDI"
# --json keeps every value exact (jansson escapes what JSON needs).
for c in "list --json" "info --json"; do
	expect_exit 0 "$c of the forged archive exits 0" -- $X "$NP" $c "$E/e.npk" &&
		clean "$OUT" "$c"
	cp "$OUT" "$E/$(echo "$c" | tr -d ' -').json"
done
if python3 - "$E" <<'PY'
import json, os, sys
d = sys.argv[1]
want = json.load(open(os.path.join(d, "want.json")))
lst = json.load(open(os.path.join(d, "listjson.json")))
inf = json.load(open(os.path.join(d, "infojson.json")))
got = [[e["path"], e["metadata"]] for e in lst["documents"]]
assert sorted(got) == sorted(want["docs"]), got
assert inf["metadata"] == want["archive"], inf["metadata"]
PY
then
	pass "list --json and info --json give every value exactly"
else
	fail "list --json and info --json give every value exactly"
fi

# ---------------------------------------------------------------- (4)
echo "-- (4) a NUL in a passphrase file"
N="$S/nul"
mkdir -p "$N"
printf 'abc\n' > "$N/abc.pass"
printf 'abc\000def\n' > "$N/nul.pass"
expect_exit 0 "keygen of a key encrypted with passphrase abc" -- \
	"$NP" keygen -s "$N/enc.key" -p "$N/enc.pub" --passphrase-file "$N/abc.pass"
expect_exit 2 "create with the passphrase 'abc<NUL>def' is refused (exit 2), not cut to 'abc'" -- \
	"$NP" create -q -s "$N/enc.key" --passphrase-file "$N/nul.pass" "$N/a.npk" "$IN" &&
	expect_contains "$ERR" "$N/nul.pass: the passphrase holds a NUL byte" "the message names the file and the NUL"
expect_true "no archive was written" -- test ! -e "$N/a.npk"
expect_exit 2 "keygen with the passphrase 'abc<NUL>def' is refused (exit 2)" -- \
	"$NP" keygen -s "$N/k.key" -p "$N/k.pub" --passphrase-file "$N/nul.pass" &&
	expect_contains "$ERR" "$N/nul.pass: the passphrase holds a NUL byte" "keygen's message names the file and the NUL"
expect_true "keygen wrote no key" -- test ! -e "$N/k.key" -a ! -e "$N/k.pub"

# ---------------------------------------------------------------- (5)
echo "-- (5) keygen: the secret and the public key in one file"
G="$S/same"
mkdir -p "$G"
printf 'keep me\n' > "$G/F"
cp "$G/F" "$G/F.orig"
expect_exit 2 "keygen -W -f -s F -p F is refused (exit 2)" -- "$NP" keygen -W -f -s "$G/F" -p "$G/F" &&
	expect_contains "$ERR" "one file" "the message says both are one file"
expect_same "$G/F" "$G/F.orig" "F is unchanged"
expect_exit 2 "keygen -W -s G -p ./G (a new file, two spellings) is refused" -- \
	in_dir "$G" "$NP" keygen -W -s G -p ./G
expect_true "G was not written" -- test ! -e "$G/G"
mkdir -p "$G/d"
expect_exit 2 "keygen -W -s d/../H -p H is refused" -- in_dir "$G" "$NP" keygen -W -s d/../H -p H
expect_true "H was not written" -- test ! -e "$G/H"
ln "$G/F" "$G/L"
expect_exit 2 "keygen -W -f -s F -p L (a hard link to F) is refused" -- \
	"$NP" keygen -W -f -s "$G/F" -p "$G/L"
expect_same "$G/F" "$G/F.orig" "F is unchanged"
expect_exit 0 "keygen -W -s G -p G.pub still works" -- in_dir "$G" "$NP" keygen -W -s G -p G.pub

# ---------------------------------------------------------------- (6)
echo "-- (6) verify of a missing file"
M="$S/missing.npk"
expect_exit 2 "verify missing.npk exits 2" -- "$NP" verify "$M" &&
	expect_contains "$ERR" "newspack: $M: No such file or directory" "the I/O error is on stderr" &&
	expect_eq "$(file_size "$OUT")" 0 "nothing on stdout (no FAILED line)"
expect_exit 2 "verify -q missing.npk exits 2" -- "$NP" verify -q "$M" &&
	expect_contains "$ERR" "No such file or directory" "verify -q still says why on stderr" &&
	expect_eq "$(file_size "$OUT")" 0 "verify -q prints nothing on stdout"
expect_exit 2 "verify of a folder exits 2" -- "$NP" verify "$S" &&
	expect_contains "$ERR" "not a regular file" "the error is on stderr" &&
	expect_eq "$(file_size "$OUT")" 0 "nothing on stdout"
expect_exit 2 "verify --json missing.npk exits 2" -- "$NP" verify --json "$M" &&
	expect_contains "$ERR" "No such file or directory" "verify --json says why on stderr too"
if python3 - "$OUT" "$M" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
assert j["archive"] == sys.argv[2], j
assert j["ok"] is False and j["exit_code"] == 2, j
assert j["error"] == "not found" and "No such file or directory" in j["message"], j
assert j["signature_valid"] is None, j
PY
then
	pass "verify --json prints an error object: ok false, error, message, exit_code 2, signature_valid null"
else
	fail "verify --json prints an error object: ok false, error, message, exit_code 2, signature_valid null"
	show_last
fi
printf 'this is not an archive\n' > "$S/garbage.npk"
expect_exit 1 "verify of a file that is not an archive still exits 1" -- "$NP" verify "$S/garbage.npk" &&
	expect_contains "$OUT" "FAILED" "and says FAILED on stdout"

# ---------------------------------------------------------------- (7)
echo "-- (7) extract -C makes a missing folder"
C="$S/extract"
mkdir -p "$C"
X="env XDG_CONFIG_HOME=$TRUSTING"
expect_exit 0 "extract -C new/a/b (missing, with its parents) exits 0" -- \
	sh -c 'umask 027 && exec "$@"' sh $X "$NP" extract -q -C "$C/new/a/b" "$A" &&
	expect_same "$C/new/a/b/one.txt" "$IN/one.txt" "the documents are in the new folder" &&
	expect_eq "$(file_size "$ERR")" 0 "nothing is said about the folder without -v"
expect_eq "$(ls -ld "$C/new" "$C/new/a" "$C/new/a/b" | cut -c 1-10 | sort -u)" "drwxr-x---" \
	"the folders have mode 0777 less the umask (027)"
expect_exit 0 "extract -v -C other/dir exits 0" -- $X "$NP" extract -v -C "$C/other/dir" "$A" &&
	expect_contains "$ERR" "created folder $C/other/dir" "-v says the folder was made"
expect_exit 0 "extract -v -C of an existing folder exits 0" -- $X "$NP" extract -v -C "$C/new" "$A" &&
	expect_not_contains "$ERR" "created folder" "-v says nothing of a folder that was there"
expect_exit 2 "extract -C new2 of a PATH the archive lacks exits 2" -- $X "$NP" extract -C "$C/new2" "$A" no/such
expect_true "the refused extract made no folder" -- test ! -e "$C/new2"
printf 'a file\n' > "$C/file"
expect_exit 2 "extract -C file/sub (a file in the way) exits 2" -- $X "$NP" extract -C "$C/file/sub" "$A" &&
	expect_contains "$ERR" "$C/file/sub" "the message names the folder"
expect_exit 3 "extract -C of an untrusted archive makes no folder" -- \
	env XDG_CONFIG_HOME="$UNTRUSTING" "$NP" extract -C "$C/untrusted" "$A"
expect_true "no folder was made for the untrusted archive" -- test ! -e "$C/untrusted"

echo "-- (8) keygen --encryption: an X25519 pair (keys.md 9), trusted nowhere"
E="$S/enckeys"
mkdir -p "$E"
expect_exit 0 "keygen --encryption -W" -- env XDG_CONFIG_HOME="$E/conf" "$NP" keygen --encryption -W &&
	expect_contains "$OUT" "Encryption key id: " "keygen --encryption prints the key id"
expect_true "encryption.key (0600) and encryption.pub (0644) in the configuration folder" -- \
	test "$(stat -c %a "$E/conf/newspack/encryption.key")" = 600 -a \
	"$(stat -c %a "$E/conf/newspack/encryption.pub")" = 644
expect_true "nothing trusted: no trusted folder made" -- test ! -e "$E/conf/newspack/trusted"
expect_contains "$E/conf/newspack/encryption.pub" "untrusted comment: newspack encryption public key" \
	"the public key file names its kind"
expect_exit 2 "keygen --encryption again without -f is refused" -- \
	env XDG_CONFIG_HOME="$E/conf" "$NP" keygen --encryption -W &&
	expect_contains "$ERR" "refusing to overwrite a key" "and says why"
expect_exit 0 "keygen --encryption with a passphrase" -- \
	"$NP" keygen --encryption -s "$E/p.key" -p "$E/p.pub" --passphrase-file "$N/abc.pass"
expect_exit 2 "an encryption public key is not a signer's key (verify -p)" -- \
	"$NP" verify -p "$E/conf/newspack/encryption.pub" "$A"
expect_contains "$ERR" "is an encryption public key (a recipient's), not a signer's key" "the message says which kind it is"

finish
