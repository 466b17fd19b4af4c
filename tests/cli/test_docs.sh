#!/bin/sh
# Suite "docs": what the program says it takes, its manual says too.
#   (1) every option of every command's --help is in that command's
#       SYNOPSIS in man/newspack.1, and every option the SYNOPSIS names is
#       in --help (so neither lags behind the other);
#   (2) every long option a command's parser accepts (the option tables in
#       src/cli/) is in its --help;
#   (3) `newspack help` names every command, and --version is in the manual;
#   (4) every input suffix import takes (src/lib/interchange/import.c) is
#       named in README.md and in newspack(1).
. "$(dirname "$0")/lib.sh"
suite_begin docs

top=$(cd "$(dirname "$0")/../.." && pwd)
MAN="$top/man/newspack.1"
CMDS="keygen create verify list info cat extract export salvage prove check-proof recipients"

# Options named in a --help text: the option column, and the usage line.
help_opts() { # CMD
	"$NP" "$1" --help 2>&1 | python3 -c '
import re, sys
opts = set()
for line in sys.stdin:
    if line.startswith("Usage:"):
        opts.update(re.findall(r"\[(--?[A-Za-z][\w-]*)", line))
        opts.update(re.findall(r"\|\s*(--?[A-Za-z][\w-]*)", line))
    # the option column: from the indent to the gap before the description
    m = re.match(r"\s+(-\S.*?)(?:\s{2,}|$)", line)
    if m:
        opts.update(re.findall(r"(?<![\w-])(--?[A-Za-z][\w-]*)", m.group(1)))
print("\n".join(sorted(o for o in opts if o != "--help")))'
}

# Options in the SYNOPSIS lines of one command in the manual.
man_synopsis_opts() { # CMD
	python3 - "$MAN" "$1" <<'PY'
import re, sys
text = open(sys.argv[1]).read().replace("\\-", "-")
syn = text.split(".SH SYNOPSIS", 1)[1].split(".SH ", 1)[0]
blocks = re.split(r"\n\.br\n", syn)
opts = set()  # a command of several forms (recipients list, add...): all of them
for b in blocks:
    if re.match(r"\s*\.B newspack %s\b" % re.escape(sys.argv[2]), b):
        opts.update(re.findall(r"(?<![\w-])(--?[A-Za-z][\w-]*)", b))
if opts:
    print("\n".join(sorted(opts)))
PY
}

# Long options in the getopt tables a command's parser uses.
source_opts() { # CMD
	python3 - "$top/src/cli" "$1" <<'PY'
import re, sys, os
d, cmd = sys.argv[1], sys.argv[2]
files = {"keygen": "cmd_keygen.c", "create": "cmd_create.c", "export": "cmd_export.c",
         "prove": "cmd_proof.c", "check-proof": "cmd_proof.c", "recipients": "cmd_recipients.c"}
src = open(os.path.join(d, files.get(cmd, "common.c"))).read()
# one file, two commands: the table of the command's own parser
parse = {"prove": "prove_parse", "check-proof": "check_parse"}
if cmd in parse:
    src = src.split("static int %s(" % parse[cmd], 1)[1].split("\n}\n", 1)[0]
if cmd in files:
    names = re.findall(r'\{"([a-z][\w-]*)",\s*(?:no|required|optional)_argument', src)
    if names:
        print("\n".join(sorted("--" + n for n in set(names) if n != "help")))
PY
}

for c in $CMDS; do
	help_opts "$c" > "$S/help.$c"
	man_synopsis_opts "$c" > "$S/man.$c"
	expect_true "$c --help names some options" -- test -s "$S/help.$c"
	missing=$(comm -23 "$S/help.$c" "$S/man.$c" | tr '\n' ' ')
	expect_eq "$missing" "" "every option of $c --help is in its SYNOPSIS in newspack(1)"
	extra=$(comm -13 "$S/help.$c" "$S/man.$c" | tr '\n' ' ')
	expect_eq "$extra" "" "every option in the SYNOPSIS of $c is in $c --help"
	source_opts "$c" > "$S/src.$c"
	if [ -s "$S/src.$c" ]; then
		undocumented=$(comm -23 "$S/src.$c" "$S/help.$c" | tr '\n' ' ')
		expect_eq "$undocumented" "" "every long option $c accepts is in $c --help"
	fi
done

"$NP" help > "$S/help" 2>&1
for c in $CMDS; do
	expect_contains "$S/help" "  $c " "newspack help names $c"
done
expect_contains "$S/help" "WARC" "newspack help says export writes WARC"
sed 's/\\-/-/g' "$MAN" > "$S/man.txt"
expect_contains "$S/man.txt" "--version" "newspack(1) documents --version"

python3 -c '
import re, sys
src = open(sys.argv[1]).read()
print("\n".join(sorted(set(re.findall(r"\"(\.t[a-z0-9]+(?:\.[a-z0-9]+)?|\.zip)\"", src)))))' \
	"$top/src/lib/interchange/import.c" > "$S/suffixes"
expect_true "import.c names its suffixes" -- test -s "$S/suffixes"
while IFS= read -r suf; do
	expect_contains "$top/README.md" "$suf" "README.md names the import suffix $suf"
	expect_contains "$S/man.txt" "$suf" "newspack(1) names the import suffix $suf"
done < "$S/suffixes"
finish
