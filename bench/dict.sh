#!/bin/sh
# The compression dictionary benchmark (spec/format.md 15.18): the archive's
# size and create's time with --dictionary (zstd, 32 KiB clusters) against
# zlib in 1 MiB clusters (create's default), zlib in 256 KiB clusters (the
# default with --search-index) and zstd in 32 KiB clusters without a
# dictionary; and what a document read at random costs in each (cat of 200
# documents spread through the archive, one process each). On
# ../shared/corpus and on N generated articles (bench-gen).
# Written to bench/RESULTS.md (section "dictionary"). See bench/README.md.
#
#   sh bench/dict.sh [--corpus DIR] [-n N] [-s SEED] [--no-results]
#
# -n: generated articles (default 100000, about 314 MB); -s: their seed (1).
if [ -z "${BASH_VERSION:-}" ]; then
	exec bash "$0" "$@"
fi
set -u
export LC_ALL=C

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CORPUS=$ROOT/../shared/corpus
N=100000
SEED=1
WRITE=1
usage() {
	sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
}
while [ $# -gt 0 ]; do
	case $1 in
	--corpus) CORPUS=$2; shift ;;
	-n) N=$2; shift ;;
	-s) SEED=$2; shift ;;
	--no-results) WRITE=0 ;;
	-h|--help) usage ;;
	*) echo "dict.sh: unknown option $1" >&2; usage ;;
	esac
	shift
done
case $N$SEED in ''|*[!0-9]*) echo "dict.sh: -n and -s take numbers" >&2; exit 2 ;; esac

NPK=$ROOT/newspack
GEN=$ROOT/build/bench-gen
B=$ROOT/build/bench
W=$B/dict
RESULTS=$ROOT/bench/RESULTS.md
. "$ROOT/bench/lib.sh"
say() { printf '%s\n' "$*" >&2; }
die() { say "dict.sh: $*"; exit 1; }

for t in hyperfine python3; do
	command -v "$t" >/dev/null 2>&1 || die "missing $t: run sudo sh bench/deps.sh"
done
[ -x /usr/bin/time ] || die "missing /usr/bin/time: run sudo sh bench/deps.sh"
[ -x "$NPK" ] && [ -x "$ROOT/newspack-full" ] || die "newspack not built: run make"
[ -x "$GEN" ] || die "$GEN not built: run make build/bench-gen"
[ -d "$CORPUS" ] || die "no corpus at $CORPUS (--corpus DIR)"

rm -rf "$W"
mkdir -p "$W"
export XDG_CONFIG_HOME=$W/config
"$NPK" keygen -W -q >/dev/null 2>&1 || "$NPK" keygen -W >/dev/null || die "keygen failed"
PUB=$XDG_CONFIG_HOME/newspack/newspack.pub
say "generating $N articles (seed $SEED)"
"$GEN" -q -n "$N" -s "$SEED" "$W/gen" || die "bench-gen failed"
busy0=$(busy)
START=$(date -u '+%Y-%m-%d %H:%M UTC')
T0=$SECONDS

KINDS="zlib1m zlib256k zstd32k dict32k"
opts() {
	case $1 in
	zlib1m) echo "" ;;
	zlib256k) echo "--cluster-size 262144" ;;
	zstd32k) echo "--codec zstd --cluster-size 32768" ;;
	dict32k) echo "--dictionary" ;;
	esac
}
label() {
	case $1 in
	zlib1m) echo "zlib, 1 MiB clusters (default)" ;;
	zlib256k) echo "zlib, 256 KiB clusters" ;;
	zstd32k) echo "zstd, 32 KiB clusters" ;;
	dict32k) echo "zstd, 32 KiB clusters, dictionary" ;;
	esac
}

# INPUT TAG: each kind's archive of INPUT, its create time (wall, one run
# after a warm-up of the page cache) and size; then cat of 200 documents
# spread through it, each its own process (hyperfine, the mean of the
# 200-document loop over 3 runs), the same documents in every kind.
measure() {
	local in=$1 tag=$2 k o
	cat "$(find "$in" -type f | head -n 2000)" >/dev/null 2>&1
	for k in $KINDS; do
		o=$(opts "$k")
		say "$tag: create $(label "$k")"
		# shellcheck disable=SC2086
		/usr/bin/time -f '%e %M' -o "$W/$tag.$k.time" "$NPK" create -q --timestamp 2026-12-01 $o \
			"$W/$tag.$k.npk" "$in" || die "create $o of $in failed"
		eval "CT_${tag}_$k=\$(awk '{ printf \"%.0f\", \$1 * 1000000 }' \"\$W/\$tag.\$k.time\")"
		eval "SZ_${tag}_$k=\$(fsize \"\$W/\$tag.\$k.npk\")"
		"$NPK" verify -q -p "$PUB" "$W/$tag.$k.npk" || die "$tag.$k.npk does not verify"
	done
	"$NPK" list -p "$PUB" "$W/$tag.zlib1m.npk" | awk 'NR % 37 == 5' | head -n 200 >"$W/$tag.docs"
	for k in $KINDS; do
		printf '#!/bin/sh\nwhile IFS= read -r d; do "%s" cat -p "%s" "%s" "$d" >/dev/null || exit 1; done <"%s"\n' \
			"$NPK" "$PUB" "$W/$tag.$k.npk" "$W/$tag.docs" >"$W/$tag.$k.cat.sh"
	done
	local cmds=()
	for k in $KINDS; do cmds+=("sh $W/$tag.$k.cat.sh"); done
	hyperfine -N -w 1 -r 3 --export-json "$W/$tag.cat.json" "${cmds[@]}" >"$W/$tag.cat.hf" 2>&1 ||
		die "cat of $tag failed: $(tail -n 3 "$W/$tag.cat.hf")"
	local i=0 m
	for m in $(python3 -c 'import json,sys; print(*(round(x["mean"] * 1e6 / 200) for x in json.load(open(sys.argv[1]))["results"]))' "$W/$tag.cat.json"); do
		k=$(echo $KINDS | cut -d ' ' -f $((i + 1)))
		eval "CAT_${tag}_$k=$m"
		i=$((i + 1))
	done
	eval "IN_$tag=\$(du -sb \"\$in\" | cut -f1)"
	eval "DOCS_$tag=\$(\"\$NPK\" list -p \"\$PUB\" \"\$W/\$tag.zlib1m.npk\" | wc -l)"
}
measure "$CORPUS" corpus
measure "$W/gen" gen
DB_corpus=$("$NPK" create --json --force --timestamp 2026-12-01 --dictionary "$W/corpus.dict32k.npk" "$CORPUS" |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["dictionary_bytes"])')
DB_gen=$("$NPK" create --json --force --timestamp 2026-12-01 --dictionary "$W/gen.dict32k.npk" "$W/gen" |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["dictionary_bytes"])')
busy1=$(busy)
SECS=$((SECONDS - T0))

get() { eval "echo \${$1}"; }
SEC=$W/section.md
{
	echo "## Dictionary: 32 KiB clusters with a trained dictionary against zlib and zstd"
	echo
	echo "$START, \`sh bench/dict.sh -n $N -s $SEED\`: the whole run took $SECS s."
	echo
	echo "- machine: $(nproc) cores, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo); $(awk -v a="$busy0" -v b="$busy1" -v s="$SECS" -v n="$(nproc)" 'BEGIN{ if (s > 0) printf "%.0f%% of the cores busy during the run", 100 * (b - a) / (s * n * 100); else print "a short run" }')"
	echo "- newspack $("$NPK" --version | head -n 1 | sed 's/^newspack //'), commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
	echo "- inputs: $CORPUS ($(get DOCS_corpus) documents, $(get IN_corpus) bytes; dictionary $(get DB_corpus) bytes) and \`build/bench-gen -n $N -s $SEED\` ($(get DOCS_gen) articles, $(get IN_gen) bytes; dictionary $(get DB_gen) bytes); create: one run each (wall time, GNU time); cat: 200 documents spread through the index (every 37th), one process each, the mean a document over 3 runs of the 200 (hyperfine), warm cache; every archive verified"
	echo
	for tag in corpus gen; do
		echo "| $tag | size | of zlib 1 MiB | of zlib 256 KiB | create | cat of one document |"
		echo "|---|---:|---:|---:|---:|---:|"
		for k in $KINDS; do
			echo "| $(label "$k") | $(get "SZ_${tag}_$k") B | $(ratio4 "$(get "SZ_${tag}_$k")" "$(get "SZ_${tag}_zlib1m")") | $(ratio4 "$(get "SZ_${tag}_$k")" "$(get "SZ_${tag}_zlib256k")") | $(fmt_time "$(get "CT_${tag}_$k")") | $(fmt_time "$(get "CAT_${tag}_$k")") |"
		done
		echo
	done
} >"$SEC"
cat "$SEC"
[ "$WRITE" = 1 ] && put_section dictionary "$SEC"
exit 0
