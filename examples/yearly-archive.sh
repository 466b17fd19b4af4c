#!/bin/sh
# yearly-archive.sh - a newsroom's yearly archiving job, step by step.
#
#   sh examples/yearly-archive.sh ARTICLES_DIR YEAR [WORK_DIR]
#
# What an archivist does once a year with the desk's published articles:
#   1. make (once) the archive's signing key, kept offline, and give its
#      public key to whoever must check the archives later;
#   2. pack the year's articles into one signed archive, with the
#      collection's own metadata, reproducibly;
#   3. check the new archive before anything else touches it;
#   4. keep a plain-text inventory (JSON) beside it for the catalogue;
#   5. years later, in cold storage: check it again, find one article,
#      and restore the lot to a fresh folder, comparing it with the source.
# Every command stops the job on failure (set -e): an archive that does
# not verify is never filed. WORK_DIR (default ./archive-job) holds the
# key, the archive and the inventory; the key is made without a passphrase
# for this walkthrough only (a real one is made with `newspack keygen`,
# which asks for one).
set -eu
src=${1:?usage: yearly-archive.sh ARTICLES_DIR YEAR [WORK_DIR]}
year=${2:?usage: yearly-archive.sh ARTICLES_DIR YEAR [WORK_DIR]}
work=${3:-./archive-job}
NEWSPACK=${NEWSPACK:-newspack}
mkdir -p "$work"
# keys and trust stay inside the job's folder
XDG_CONFIG_HOME=$work/config
export XDG_CONFIG_HOME
say() { printf '\n== %s\n' "$*"; }

say "1. the archive's key (once; kept offline afterwards)"
if [ ! -f "$work/desk.key" ]; then
	"$NEWSPACK" keygen -W -s "$work/desk.key" -p "$work/desk.pub"
fi

say "2. pack $year into one signed archive"
# SOURCE_DATE_EPOCH (or --timestamp) makes the bytes reproducible: the
# same articles, key and date give the same archive, so a second copy
# made elsewhere can be compared byte for byte.
"$NEWSPACK" create -s "$work/desk.key" --timestamp "$year-12-31T23:59:59Z" \
	--meta "title=Desk archive $year" --meta "creator=Archive desk" \
	--meta "license=All rights reserved" --meta "created=$year-12-31" \
	"$work/desk-$year.npk" "$src"

say "3. check it before filing it"
"$NEWSPACK" verify -p "$work/desk.pub" "$work/desk-$year.npk"

say "4. an inventory for the catalogue"
"$NEWSPACK" info --json -p "$work/desk.pub" "$work/desk-$year.npk" > "$work/desk-$year.info.json"
"$NEWSPACK" list --json -p "$work/desk.pub" "$work/desk-$year.npk" > "$work/desk-$year.list.json"
echo "$work/desk-$year.info.json and $work/desk-$year.list.json written"
"$NEWSPACK" list -l -p "$work/desk.pub" "$work/desk-$year.npk"

say "5. years later: check again, read one article, restore everything"
"$NEWSPACK" verify -q -p "$work/desk.pub" "$work/desk-$year.npk" && echo "still intact, still signed by the desk's key"
first=$("$NEWSPACK" list -p "$work/desk.pub" "$work/desk-$year.npk" | head -n 1)
echo "first article, $first:"
"$NEWSPACK" cat -p "$work/desk.pub" "$work/desk-$year.npk" "$first" | head -n 3
rm -rf "$work/restored"
mkdir -p "$work/restored"
"$NEWSPACK" extract -p "$work/desk.pub" -C "$work/restored" "$work/desk-$year.npk"
# sidecars (NAME.meta.json) are metadata, not documents: they are not restored
if diff -r -x '*.meta.json' "$src" "$work/restored" > /dev/null; then
	echo "restored: every article is byte for byte the original"
else
	echo "restored files differ from $src" >&2
	exit 1
fi
