#!/bin/sh
# regen.sh - makes the test vector again and refreshes what README.md shows of it.
#
# Run it in spec/vectors/ (sh regen.sh) with ../../newspack built (make in the
# project root), after a change to the format, to what newspack writes, or to
# npkcheck.py's dump. It
#   1. makes vector.npk from input/ with test.key, the fixed timestamp and the
#      archive metadata, by the command README.md shows;
#   2. checks it with npkcheck.py verify -p test.pub (must exit 0), and the
#      whole-file digests with sha256sum and b2sum where they are installed;
#   3. replaces, in README.md, the lines between each pair of marker comments
#      <!-- NAME begin --> and <!-- NAME end --> with npkcheck.py's output:
#        file-digests   npkcheck.py digests --whole-file vector.npk
#        digests        npkcheck.py digests vector.npk
#        dump           npkcheck.py dump vector.npk (in a ```text fence)
#      Everything outside the markers stays as it is.
# It says whether vector.npk and README.md changed. Nothing is written unless
# every step passed. Exit 0 on success, 1 on any failure.

set -u
cd "$(dirname "$0")" || exit 1
NP=../../newspack

die() {
	echo "regen.sh: $*" >&2
	exit 1
}

[ -x "$NP" ] || die "$NP is not built: run make in the project root first"
command -v python3 > /dev/null 2>&1 || die "python3 is needed (npkcheck.py)"
for f in test.key test.pub npkcheck.py README.md input; do
	[ -e "$f" ] || die "$f is missing: run this in spec/vectors/"
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/npk-regen.XXXXXX") || die "cannot make a temporary folder"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

# 1. The vector, made in the temporary folder first.
echo "regen.sh: $("$NP" --version 2>&1 | head -n 1)"
case $("$NP" --version 2>&1) in
*"libdeflate 1.14"*) ;;
*libdeflate*)
	echo "regen.sh: warning: the committed vector is made by newspack built with libdeflate 1.14;" \
		"another version may compress to other bytes (format.md section 4.3)" >&2
	;;
esac
"$NP" create -q -s test.key --timestamp 2025-01-24T00:00:00Z \
	--meta title="newspack test vector" --meta license=CC0-1.0 "$tmp/vector.npk" input ||
	die "newspack create failed"

# 2. Checks, and npkcheck.py's output, from the new vector under its own name.
{ mkdir "$tmp/v" && cp "$tmp/vector.npk" "$tmp/v/vector.npk"; } || die "cannot copy the new vector"
here=$(pwd)
CHECK="$here/npkcheck.py"
(cd "$tmp/v" && python3 "$CHECK" verify vector.npk -p "$here/test.pub") > "$tmp/verify.txt" 2>&1 || {
	cat "$tmp/verify.txt" >&2
	die "npkcheck.py verify of the new vector with test.pub did not exit 0"
}
(cd "$tmp/v" && python3 "$CHECK" digests --whole-file vector.npk) > "$tmp/file-digests" ||
	die "npkcheck.py digests --whole-file failed"
(cd "$tmp/v" && python3 "$CHECK" digests vector.npk) > "$tmp/digests" ||
	die "npkcheck.py digests failed"
(cd "$tmp/v" && python3 "$CHECK" dump vector.npk) > "$tmp/dump" ||
	die "npkcheck.py dump of the new vector did not exit 0"
if command -v sha256sum > /dev/null 2>&1; then
	d=$(sha256sum < "$tmp/vector.npk" | cut -d ' ' -f 1)
	grep -F -e "| SHA-256 | \`$d\` |" "$tmp/file-digests" > /dev/null ||
		die "npkcheck.py and sha256sum disagree about the vector's SHA-256 ($d)"
fi
if command -v b2sum > /dev/null 2>&1; then
	d=$(b2sum -l 256 < "$tmp/vector.npk" | cut -d ' ' -f 1)
	grep -F -e "| BLAKE2b-256 | \`$d\` |" "$tmp/file-digests" > /dev/null ||
		die "npkcheck.py and b2sum disagree about the vector's BLAKE2b-256 ($d)"
fi

# 3. README.md, block by block.
# fill NAME FILE FENCE IN OUT: IN with the lines between NAME's markers replaced
# by FILE (inside a ```FENCE fence when FENCE is not empty), written to OUT.
fill() {
	awk -v name="$1" -v file="$2" -v fence="$3" '
		$0 == "<!-- " name " begin -->" {
			print
			if (fence != "") print "```" fence
			while ((getline line < file) > 0) print line
			close(file)
			if (fence != "") print "```"
			found++
			skip = 1
			next
		}
		$0 == "<!-- " name " end -->" {
			if (!skip) bad = 1
			skip = 0
		}
		!skip
		END { if (found != 1 || skip || bad) exit 1 }' "$4" > "$5" ||
		die "README.md needs exactly one pair of lines <!-- $1 begin --> and <!-- $1 end -->"
}
fill file-digests "$tmp/file-digests" "" README.md "$tmp/readme.1"
fill digests "$tmp/digests" "" "$tmp/readme.1" "$tmp/readme.2"
fill dump "$tmp/dump" text "$tmp/readme.2" "$tmp/readme.3"

# Everything passed: write.
if cmp -s "$tmp/vector.npk" vector.npk; then
	echo "regen.sh: vector.npk unchanged"
else
	cp "$tmp/vector.npk" vector.npk || die "cannot write vector.npk"
	echo "regen.sh: vector.npk made again ($(wc -c < vector.npk | tr -d ' ') bytes)"
fi
if cmp -s "$tmp/readme.3" README.md; then
	echo "regen.sh: README.md unchanged"
else
	cat "$tmp/readme.3" > README.md || die "cannot write README.md"
	echo "regen.sh: README.md updated (file-digests, digests, dump)"
fi
