#!/bin/sh
# The merge benchmark (issue 16): newspack merge of K archives against
# newspack create of the same documents from their files. N generated
# articles are split by document number into K folders (article i into
# shard-(i mod K)), each packed by create; then one create of the whole
# corpus and one merge of the K shares, which must list the same paths and
# verify. Reports both times and their ratio (target: merge at least 5x
# faster), both sizes (merged at most 1.01x), merge's max RSS (at most
# 64 MiB) and the clusters it copied verbatim. Written to bench/RESULTS.md
# (section "merge") at the issue's sizes only: N = 1,000,000, K = 10.
#
#   sh bench/merge.sh [-n N] [--shares K] [-r R] [--rcreate R] [-s SEED]
#                     [--keep] [--no-results]
#   sh bench/run.sh --only-merge [same options]
#   MERGE_N=2000 sh bench/merge.sh          a smoke run (seconds; RESULTS.md untouched)
#
# -r: runs of merge (3); --rcreate: runs of the create of all N (1).
if [ -z "${BASH_VERSION:-}" ]; then
	exec bash "$0" "$@"
fi
set -u
export LC_ALL=C

ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${MERGE_N:-1000000}
NSH=10
R=3
RC=1
SEED=1
KEEP=0
WRITE=1
usage() {
	sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
}
while [ $# -gt 0 ]; do
	case $1 in
	-n) N=$2; shift ;;
	--shares) NSH=$2; shift ;;
	-r) R=$2; shift ;;
	--rcreate) RC=$2; shift ;;
	-s) SEED=$2; shift ;;
	--keep) KEEP=1 ;;
	--no-results) WRITE=0 ;;
	-h|--help) usage ;;
	*) echo "merge.sh: unknown option $1" >&2; usage ;;
	esac
	shift
done
case $N$NSH$R$RC$SEED in *[!0-9]*) echo "merge.sh: -n, --shares, -r, --rcreate and -s take numbers" >&2; exit 2 ;; esac
[ "$NSH" -ge 2 ] && [ "$N" -ge "$NSH" ] && [ "$R" -ge 1 ] && [ "$RC" -ge 1 ] ||
	{ echo "merge.sh: at least 2 shares, N at least the shares, -r and --rcreate at least 1" >&2; exit 2; }
# RESULTS.md holds the issue's figures only: a smaller run prints them
[ "$N" = 1000000 ] && [ "$NSH" = 10 ] || WRITE=0

NPK=$ROOT/newspack
GEN=$ROOT/build/bench-gen
B=$ROOT/build/bench
C=$B/corpus-$N-s$SEED          # the corpus, shared with run.sh and proofs.sh
W=$B/merge-$N-$NSH-s$SEED      # the shares' folders (hard links into C), the archives
RESULTS=$ROOT/bench/RESULTS.md
. "$ROOT/bench/lib.sh"
TS=2025-01-01
EPOCH=1735689600               # the same instant, for merge (SOURCE_DATE_EPOCH)
say() { printf '%s\n' "$*" >&2; }
die() { say "merge.sh: $*"; exit 1; }

missing=""
for t in python3; do
	command -v "$t" >/dev/null 2>&1 || missing="$missing $t"
done
[ -x /usr/bin/time ] || missing="$missing /usr/bin/time"
[ -z "$missing" ] || die "missing:$missing; run: sudo apt-get install time python3"
[ -x "$NPK" ] || die "$NPK not built: run make"
[ -x "$GEN" ] || die "$GEN not built: run make build/bench-gen"
"$NPK" help merge >/dev/null 2>&1 || die "this newspack has no merge command"
mkdir -p "$W"

# ------------------------------------------------------------------ helpers (and those of bench/lib.sh)
fmt_size() { awk -v b="$1" 'BEGIN{ if (b < 1000000) printf "%.1f KB", b/1000; else printf "%.2f MB", b/1000000 }'; }
jget() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get(sys.argv[2], "-"))' "$1" "$2"; }

# timed_run KEY CMD...: one run under GNU time, after sync: T_WALL (us),
# T_RSS (KiB), T_CPU (us); stdout in $W/KEY.out, stderr in $W/KEY.err
timed_run() {
	local key=$1 t0 t1 rc
	shift
	sync
	t0=$(us_now)
	/usr/bin/time -f '%M %U %S' -o "$W/$key.time" "$@" >"$W/$key.out" 2>"$W/$key.err"
	rc=$?
	t1=$(us_now)
	[ "$rc" = 0 ] || die "$key failed (exit $rc): $* : $(head -n 3 "$W/$key.err")"
	T_WALL=$((t1 - t0))
	read -r T_RSS T_CPU <<<"$(tail -n 1 "$W/$key.time" | awk '{ printf "%d %.0f", $1, ($2 + $3) * 1000000 }')"
}

START=$(us_now)
B0=$(busy)
kids_cpu; C0=$(cat "$W/kids")
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
KEYS=$B/keys
export XDG_CONFIG_HOME=$B/config    # keygen trusts the key there; nothing of the user's is read
if [ ! -f "$KEYS/npk.key" ]; then
	mkdir -p "$KEYS"
	"$NPK" keygen -W -f -p "$KEYS/npk.pub" -s "$KEYS/npk.key" >/dev/null || die "newspack keygen failed"
fi
KEY=$KEYS/npk.key
PUB=$KEYS/npk.pub

# ------------------------------------------------------------------ the corpus and its shares
# generated once, reused while N, the seed and the generator match (as run.sh)
want="n=$N seed=$SEED gen=$(cat "$ROOT/bench/gen.c" "$ROOT/bench/words.h" | sha256sum | cut -c1-16)"
GEN_US=0
MADE=0
if [ -d "$C" ] && [ "$(cat "$C.stamp" 2>/dev/null)" = "$want" ]; then
	say "corpus: reusing $C"
else
	rm -rf "$C" "$C.stamp" "$C.zimsrc" "$W"
	mkdir -p "$W"
	say "corpus: generating $N articles in $C"
	t0=$(us_now)
	"$GEN" -q -n "$N" -s "$SEED" "$C" || die "bench-gen failed"
	t1=$(us_now)
	GEN_US=$((t1 - t0))
	echo "$want" >"$C.stamp"
	MADE=1
fi
# Article i (the number its file name starts with) goes to shard-(i mod K),
# under the same path: hard links, so the shares and the corpus are the same
# files and the K creates read what the one create reads.
SPLIT_US=0
if [ "$(cat "$W/split.stamp" 2>/dev/null)" != "$want shares=$NSH" ]; then
	rm -rf "$W"/shard-* "$W/split.stamp"
	say "split: $N articles into $NSH folders (hard links)"
	t0=$(us_now)
	python3 - "$C" "$W" "$NSH" <<'PY' || die "splitting the corpus failed"
import os, sys
src, w, k = sys.argv[1], sys.argv[2], int(sys.argv[3])
made = set()
for dp, dn, fn in os.walk(src):
    rel = os.path.relpath(dp, src)
    for f in fn:
        d = os.path.normpath(os.path.join(w, "shard-%02d" % (int(f.split("-", 1)[0]) % k), rel))
        if d not in made:
            os.makedirs(d, exist_ok=True)
            made.add(d)
        os.link(os.path.join(dp, f), os.path.join(d, f))
PY
	t1=$(us_now)
	SPLIT_US=$((t1 - t0))
	echo "$want shares=$NSH" >"$W/split.stamp"
fi
CONTENT=$(find "$C" -type f -printf '%s\n' | awk '{ s += $1 } END { printf "%.0f\n", s }')
SHARDS=()
for k in $(seq 0 $((NSH - 1))); do SHARDS+=("$W/$(printf 'shard-%02d' "$k")"); done

# warm cache, as run.sh: every file read once before the first timed run,
# and the shares' folders walked (their entries are not the corpus's)
say "reading the corpus once"
find "$C" -type f -print0 | xargs -0 cat >/dev/null
find "${SHARDS[@]}" >/dev/null

# ------------------------------------------------------------------ the K creates (the shares)
SH_US=0 SH_RSS=0 SH_BYTES=0 SH_MIN=$N SH_MAX=0
SHARES=()
for k in $(seq 0 $((NSH - 1))); do
	a=$W/$(printf 'share-%02d.npk' "$k")
	rm -f "$a"
	timed_run "share-$k" "$NPK" create -q -s "$KEY" --timestamp "$TS" "$a" "${SHARDS[$k]}"
	SH_US=$((SH_US + T_WALL))
	[ "$T_RSS" -gt "$SH_RSS" ] && SH_RSS=$T_RSS
	SH_BYTES=$((SH_BYTES + $(fsize "$a")))
	n=$(find "${SHARDS[$k]}" -type f | wc -l)
	[ "$n" -lt "$SH_MIN" ] && SH_MIN=$n
	[ "$n" -gt "$SH_MAX" ] && SH_MAX=$n
	SHARES+=("$a")
	say "  share $k: $n documents, $(fmt_time "$T_WALL"), $(fmt_mib "$T_RSS"), $(fmt_size "$(fsize "$a")")"
done

# ------------------------------------------------------------------ create of all N, merge of the K
ALL=$W/all.npk
MERGED=$W/merged.npk
CW=() CCPU=() CRSS=()
for i in $(seq 1 "$RC"); do
	rm -f "$ALL"
	timed_run create-all "$NPK" create -q -s "$KEY" --timestamp "$TS" "$ALL" "$C"
	CW+=("$T_WALL") CCPU+=("$T_CPU") CRSS+=("$T_RSS")
	say "  create of all $N: $(fmt_time "$T_WALL"), cpu $(fmt_time "$T_CPU"), $(fmt_mib "$T_RSS")"
done
MW=() MCPU=() MRSS=()
for i in $(seq 1 "$R"); do
	rm -f "$MERGED"
	timed_run merge env SOURCE_DATE_EPOCH=$EPOCH "$NPK" merge -s "$KEY" --json "$MERGED" "${SHARES[@]}"
	MW+=("$T_WALL") MCPU+=("$T_CPU") MRSS+=("$T_RSS")
	say "  merge of the $NSH shares: $(fmt_time "$T_WALL"), cpu $(fmt_time "$T_CPU"), $(fmt_mib "$T_RSS")"
done
cp "$W/merge.out" "$W/merge.json"
C_US=$(printf '%s\n' "${CW[@]}" | median)
C_CPU=$(printf '%s\n' "${CCPU[@]}" | median)
C_RSS=$(printf '%s\n' "${CRSS[@]}" | median)
M_US=$(printf '%s\n' "${MW[@]}" | median)
M_CPU=$(printf '%s\n' "${MCPU[@]}" | median)
M_RSS=$(printf '%s\n' "${MRSS[@]}" | sort -n | tail -n 1)
# the summary line, for the section (the same merge without --json)
rm -f "$MERGED"
(cd "$W" && SOURCE_DATE_EPOCH=$EPOCH "$NPK" merge -s "$KEY" merged.npk share-*.npk) >"$W/merge.summary" 2>"$W/merge.err" ||
	die "merge failed: $(head -n 3 "$W/merge.err")"

# ------------------------------------------------------------------ checks
timed_run verify "$NPK" verify -q -p "$PUB" "$MERGED"
V_US=$T_WALL V_RSS=$T_RSS
"$NPK" list -p "$PUB" "$ALL" >"$W/all.list" || die "list of the one archive failed"
"$NPK" list -p "$PUB" "$MERGED" >"$W/merged.list" || die "list of the merged archive failed"
cmp -s "$W/all.list" "$W/merged.list" ||
	die "the merged archive does not list the paths of the one create: diff $W/all.list $W/merged.list"
DOCS=$(wc -l <"$W/all.list")
[ "$DOCS" = "$N" ] || die "the one archive lists $DOCS paths, not $N"
# the middle document, byte for byte from both
MID=$(sed -n "$((DOCS / 2 + 1))p" "$W/all.list")
"$NPK" cat -p "$PUB" "$MERGED" "$MID" | cmp -s - "$C/$MID" || die "cat $MID of the merged archive differs from the file"
S_ALL=$(fsize "$ALL")
S_MERGED=$(fsize "$MERGED")
J=$W/merge.json
M_CLUSTERS=$(jget "$J" clusters)
M_COPIED=$(jget "$J" clusters_copied)
M_DOCS=$(jget "$J" documents)
M_DDOCS=$(jget "$J" dedup_documents)
M_DBYTES=$(jget "$J" dedup_bytes)
[ "$M_DOCS" = "$N" ] || die "merge --json says $M_DOCS documents, not $N"

END=$(us_now)
TOTAL=$((END - START))
B1=$(busy)
kids_cpu; C1=$(cat "$W/kids")
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)
HZ=$(getconf CLK_TCK)
# the CPU other work used while this ran: all busy time minus this script's
OTHERS=$(awk -v b="$((B1 - B0))" -v hz="$HZ" -v me="$(awk -v a="$C1" -v b="$C0" 'BEGIN{ print a - b }')" \
	-v t="$TOTAL" -v c="$(nproc)" 'BEGIN{ o = b / hz - me; if (o < 0) o = 0; printf "%.0f%% of the %d cores (%.0f s of CPU)", 100 * o / (t / 1000000 * c), c, o }')

# ------------------------------------------------------------------ the section
TARGETS=()
target() { # NAME OK TEXT
	local v=FAIL
	[ "$2" = 1 ] && v=PASS
	TARGETS+=("| $1 | $3 | $v |")
	say "  target $1: $3 -> $v"
}
RT=$(ratio4 "$C_US" "$M_US")
le 5 "$RT" && ok=1 || ok=0
target "time" "$ok" "create of all $N = $(fmt_time "$C_US"); merge of the $NSH shares = $(fmt_time "$M_US"); create / merge = $RT (at least 5)"
RS=$(ratio4 "$S_MERGED" "$S_ALL")
le "$RS" 1.01 && ok=1 || ok=0
target "size" "$ok" "merged $S_MERGED B / one create $S_ALL B = $RS (at most 1.01)"
le "$M_RSS" 65536 && ok=1 || ok=0
target "memory" "$ok" "merge's max RSS $(fmt_mib "$M_RSS") (at most 64 MiB)"
COPIED_PCT=$(awk -v a="$M_COPIED" -v b="$M_CLUSTERS" 'BEGIN{ if (b + 0 == 0) print "-"; else printf "%.1f%%", 100 * a / b }')

DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
T=$W/section.md
{
	echo "## Merge: $NSH archives of $((N / NSH)) documents against one create of $N"
	echo
	echo "$DATE, \`sh bench/merge.sh -n $N --shares $NSH -r $R --rcreate $RC -s $SEED\` (or \`sh bench/run.sh --only-merge\`): the whole run took $(fmt_time "$TOTAL")$( [ "$GEN_US" -gt 0 ] && echo ", of which $(fmt_time "$GEN_US") to generate the corpus")$( [ "$SPLIT_US" -gt 0 ] && echo " and $(fmt_time "$SPLIT_US") to split it")."
	echo
	echo "- machine: $(nproc) cores, $(grep -m 1 'model name' /proc/cpuinfo | sed 's/.*: //'); $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo) of memory; $(df -T "$B" | awk 'NR==2 {print $2}') under build/bench/; warm cache (the corpus read once before the first timed run; merge reads the shares just written)"
	echo "- other work on the machine: while this ran, processes other than the benchmark used $OTHERS (load average $LOAD0 at the start, $LOAD1 at the end)$(awk -v o="${OTHERS%%%*}" 'BEGIN{ if (o + 0 >= 10) print ": the times are those of a shared machine, the sizes exact" }')"
	echo "- $("$NPK" --version 2>&1 | head -n 1), commit $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null)$(cd "$ROOT" && git diff --quiet HEAD -- src include 2>/dev/null || echo ' with local changes')"
	echo "- corpus: \`build/bench-gen -n $N -s $SEED\`, $(fmt_size "$CONTENT") of content; article i (the number its file name starts with) in folder shard-(i mod $NSH) under its own path (hard links), $SH_MIN to $SH_MAX documents a folder, so the shares hold exactly the paths of the one create"
	echo "- the shares: \`newspack create -q -s KEY --timestamp $TS share-KK.npk shard-KK\`, one after the other, one thread per core: $(fmt_time "$SH_US") in all, largest max RSS $(fmt_mib "$SH_RSS"), $(fmt_size "$SH_BYTES") in all"
	echo "- create of all: \`newspack create -q -s KEY --timestamp $TS all.npk CORPUS\`, $RC run$( [ "$RC" = 1 ] || echo s), one thread per core; merge: \`SOURCE_DATE_EPOCH=$EPOCH newspack merge -s KEY --json merged.npk share-*.npk\`, $R runs; each after \`sync\`, wall time around GNU time (\`%M\`: max RSS; CPU user+sys); medians (max RSS: the largest)"
	echo "- checked: \`newspack verify\` of the merged archive ($(fmt_time "$V_US"), $(fmt_mib "$V_RSS")); \`newspack list\` of it equals that of the one create ($DOCS paths); \`cat\` of the middle document equals its file"
	echo "- merge's summary: \`$(head -n 4 "$W/merge.summary" | paste -sd ';' | sed 's/;/; /g' | tr -s ' ')\`"
	echo
	echo "| | wall | CPU | max RSS | archive |"
	echo "|---|---:|---:|---:|---:|"
	echo "| create of all $N | $(fmt_time "$C_US") | $(fmt_time "$C_CPU") | $(fmt_mib "$C_RSS") | $S_ALL B |"
	echo "| merge of $NSH shares | $(fmt_time "$M_US") | $(fmt_time "$M_CPU") | $(fmt_mib "$M_RSS") | $S_MERGED B |"
	echo "| the $NSH creates of the shares | $(fmt_time "$SH_US") | | $(fmt_mib "$SH_RSS") (largest) | $SH_BYTES B (sum) |"
	echo
	echo "Merge copied $M_COPIED of its $M_CLUSTERS clusters verbatim ($COPIED_PCT); documents whose content another input already stored: $M_DDOCS ($M_DBYTES bytes)."
	echo
	echo "| target | measured | verdict |"
	echo "|--------|----------|---------|"
	printf '%s\n' "${TARGETS[@]}"
} >"$T"
cat "$T"

[ "$WRITE" = 1 ] && put_section merge "$T"
if [ "$KEEP" = 0 ]; then
	rm -rf "$W"
	[ "$MADE" = 1 ] && rm -rf "$C" "$C.stamp"
fi
exit 0
