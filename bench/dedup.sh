#!/bin/sh
# The deduplication benchmark (issue 16): newspack's size on the real corpus
# (../shared/corpus, 112 duplicate files among 5,497) against squashfs with
# the same codec family, side by side in one run: mksquashfs -comp gzip
# (zlib's deflate, level 9, its default) and -comp zstd -b 1M
# -Xcompression-level 8 (squashfs's largest block). Each archive is made
# once (sizes do not vary between runs), timed, and checked (newspack
# verify, unsquashfs -s). Written to bench/RESULTS.md (section "dedup").
#
#   sh bench/dedup.sh [--corpus DIR] [--no-results]
#   sh bench/run.sh --only-dedup [same options]
if [ -z "${BASH_VERSION:-}" ]; then
	exec bash "$0" "$@"
fi
set -u
export LC_ALL=C

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CORPUS=$ROOT/../shared/corpus
WRITE=1
while [ $# -gt 0 ]; do
	case $1 in
	--corpus) CORPUS=$2; shift ;;
	--no-results) WRITE=0 ;;
	*) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
	esac
	shift
done
NP=$ROOT/newspack
KEY=$ROOT/tests/keys/test.key
PUB=$ROOT/tests/keys/test.pub
RESULTS=$ROOT/bench/RESULTS.md
. "$ROOT/bench/lib.sh"
for t in mksquashfs unsquashfs; do
	command -v "$t" >/dev/null 2>&1 || { echo "dedup.sh: $t is missing: sh bench/deps.sh" >&2; exit 1; }
done
[ -x "$NP" ] || { echo "dedup.sh: build first (make)" >&2; exit 1; }
[ -d "$CORPUS" ] || { echo "dedup.sh: no corpus at $CORPUS" >&2; exit 1; }
W=$(mktemp -d "${TMPDIR:-/tmp}/npk-dedup.XXXXXX")
trap 'rm -rf "$W"' EXIT

files=$(find "$CORPUS" -type f | wc -l)
bytes=$(find "$CORPUS" -type f -printf '%s\n' | awk '{ s += $1 } END { print s }')
# the duplicates: files whose bytes another file holds too
dups=$(find "$CORPUS" -type f -print0 | xargs -0 sha256sum | sort | awk '
	{ if ($1 == prev) { n++ } prev = $1 } END { print n + 0 }')

# seconds of wall time, and the size of what was made
timed() { # OUT CMD...
	local out=$1; shift
	local t0 t1
	t0=$(date +%s.%N)
	"$@" >"$W/log" 2>&1 || { echo "dedup.sh: failed: $*" >&2; cat "$W/log" >&2; exit 1; }
	t1=$(date +%s.%N)
	SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
	SIZE=$(stat -c %s "$out")
}

ROWS=()
declare -A SZ
row() { # NAME OUT
	SZ[$1]=$SIZE
	ROWS+=("| $1 | $SIZE | $(awk -v a="$SIZE" -v b="$bytes" 'BEGIN { printf "%.1f%%", 100 * a / b }') | $(printf '%.2f s' "$SECS") |")
}
np() { # NAME OPTIONS...
	local name=$1; shift
	rm -f "$W/a.npk"
	timed "$W/a.npk" "$NP" create -q -s "$KEY" --timestamp 1700000000 "$@" "$W/a.npk" "$CORPUS"
	"$NP" verify -q -p "$PUB" "$W/a.npk" >/dev/null 2>&1 ||
		{ echo "dedup.sh: verify failed: $name" >&2; exit 1; }
	row "$name" "$W/a.npk"
	if [ "$name" = "newspack" ]; then
		"$NP" info --json -p "$PUB" "$W/a.npk" >"$W/info.json"
	fi
}
sq() { # NAME OPTIONS...
	local name=$1; shift
	rm -f "$W/a.sq"
	timed "$W/a.sq" mksquashfs "$CORPUS" "$W/a.sq" -no-progress -quiet -processors 2 "$@"
	unsquashfs -s "$W/a.sq" >/dev/null 2>&1 || { echo "dedup.sh: unsquashfs -s failed" >&2; exit 1; }
	row "$name" "$W/a.sq"
}

sq "mksquashfs -comp gzip" -comp gzip
np "newspack" -j 2
np "newspack --no-dedup" -j 2 --no-dedup
np "newspack --level 12" -j 2 --level 12
np "newspack --level 12 --no-dedup" -j 2 --level 12 --no-dedup
sq "mksquashfs -comp zstd -b 1M -Xcompression-level 8" -comp zstd -b 1M -Xcompression-level 8
np "newspack --codec zstd" -j 2 --codec zstd
np "newspack --codec zstd --no-dedup" -j 2 --codec zstd --no-dedup
np "newspack --codec zstd --cluster-size 16777216" -j 2 --codec zstd --cluster-size 16777216
np "newspack --codec zstd --level 19" -j 2 --codec zstd --level 19

dd=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["dedup_documents"], d["dedup_bytes"])' "$W/info.json")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", a / b }'; }
verdict() { awk -v a="$1" -v b="$2" 'BEGIN { print (a <= b ? "PASS" : "FAIL") }'; }
G=${SZ["mksquashfs -comp gzip"]}
Z=${SZ["mksquashfs -comp zstd -b 1M -Xcompression-level 8"]}
T=$W/section.md
{
	echo "## Deduplication: size on the real corpus against squashfs"
	echo
	echo "$(date -u '+%Y-%m-%d %H:%M UTC'), \`sh bench/dedup.sh\`: $files files, $bytes bytes of \`shared/corpus\`, of which $dups are byte-for-byte copies of another file. Every newspack archive is the default one (signed, with its Merkle tree and survival copies) unless the row says otherwise, made with 2 threads and checked by \`newspack verify\`; mksquashfs with 2 processors. One run each (sizes do not vary between runs; the times are indicative)."
	echo
	echo "newspack info of the default archive: dedup_documents $(echo "$dd" | cut -d' ' -f1), dedup_bytes $(echo "$dd" | cut -d' ' -f2)."
	echo
	echo "| archive | bytes | of the content | create |"
	echo "|---------|------:|---------------:|-------:|"
	printf '%s\n' "${ROWS[@]}"
	echo
	echo "| target | measured | verdict |"
	echo "|--------|----------|---------|"
	r=$(ratio "${SZ["newspack --level 12"]}" "$G")
	echo "| zlib family: newspack --level 12 (libdeflate's highest) / mksquashfs -comp gzip (zlib's highest, 9) | $r (at most 1.0) | $(verdict "$r" 1) |"
	r=$(ratio "${SZ["newspack"]}" "$G")
	echo "| zlib family, newspack's default level 7 / mksquashfs -comp gzip | $r (at most 1.0) | $(verdict "$r" 1) |"
	r=$(ratio "${SZ["newspack --codec zstd --cluster-size 16777216"]}" "$Z")
	echo "| zstd family, level 8 both: newspack --codec zstd --cluster-size 16777216 / mksquashfs -comp zstd -b 1M (its largest block) | $r (at most 1.0) | $(verdict "$r" 1) |"
	r=$(ratio "${SZ["newspack --codec zstd"]}" "$Z")
	echo "| zstd family, level 8 and 1 MiB both: newspack --codec zstd / mksquashfs -comp zstd -b 1M | $r (at most 1.0) | $(verdict "$r" 1) |"
	r=$(ratio "${SZ["newspack"]}" "${SZ["newspack --no-dedup"]}")
	echo "| what dedup saves: newspack / newspack --no-dedup | $r | - |"
} >"$T"
cat "$T"

[ "$WRITE" = 1 ] && put_section dedup "$T"
exit 0
