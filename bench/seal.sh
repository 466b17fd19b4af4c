#!/bin/sh
# The sealing benchmark (issue 19): create, list and cat of one document on
# the corpus, sealed for two X25519 recipients against the same archive not
# sealed, with sizes and peak memory; written to bench/RESULTS.md (section
# "seal"). See bench/README.md.
#
#   sh bench/seal.sh [--corpus DIR] [-r R] [--no-results]
#
# --corpus: the inputs (default ../shared/corpus); -r: runs of each create
# (11), in rounds of one run of each; list and cat run 120 times each
# (hyperfine, warm cache), in 60 rounds of 2 that alternate the two
# archives. The baseline
# is create's default (with the Merkle tree, which a sealed archive keeps as
# its root only: 15.17.6); create --no-tree is shown too.
if [ -z "${BASH_VERSION:-}" ]; then
	exec bash "$0" "$@"
fi
set -u
export LC_ALL=C

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CORPUS=$ROOT/../shared/corpus
R=11
WRITE=1
usage() {
	sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
}
while [ $# -gt 0 ]; do
	case $1 in
	--corpus) CORPUS=$2; shift ;;
	-r) R=$2; shift ;;
	--no-results) WRITE=0 ;;
	-h|--help) usage ;;
	*) echo "seal.sh: unknown option $1" >&2; usage ;;
	esac
	shift
done
case $R in ''|*[!0-9]*) echo "seal.sh: -r takes a number" >&2; exit 2 ;; esac

NPK=$ROOT/newspack
B=$ROOT/build/bench
W=$B/seal
RESULTS=$ROOT/bench/RESULTS.md
. "$ROOT/bench/lib.sh"
say() { printf '%s\n' "$*" >&2; }
die() { say "seal.sh: $*"; exit 1; }

for t in hyperfine python3; do
	command -v "$t" >/dev/null 2>&1 || die "missing $t: run sudo sh bench/deps.sh"
done
[ -x /usr/bin/time ] || die "missing /usr/bin/time: run sudo sh bench/deps.sh"
[ -x "$NPK" ] && [ -x "$ROOT/newspack-full" ] || die "newspack not built: run make"
[ -d "$CORPUS" ] || die "no corpus at $CORPUS (--corpus DIR)"

rm -rf "$W"
mkdir -p "$W"
export XDG_CONFIG_HOME=$W/config
"$NPK" keygen -W -q >/dev/null 2>&1 || "$NPK" keygen -W >/dev/null || die "keygen failed"
for who in a b; do
	"$NPK" keygen --encryption -W -s "$W/$who.key" -p "$W/$who.pub" >/dev/null || die "keygen --encryption failed"
done
PUB=$XDG_CONFIG_HOME/newspack/newspack.pub
INBYTES=$(du -sb "$CORPUS" | cut -f1)
busy0=$(busy)
START=$(date -u '+%Y-%m-%d %H:%M UTC')
T0=$SECONDS

# NAME ROUNDS RUNS WARM CMD...: the commands timed in ROUNDS rounds, each
# round RUNS hyperfine runs of every command (WARM warm-up runs first), so
# that a slower stretch of a shared machine weighs on them all alike rather
# than on the one timed then; sets U[i], the median over the rounds of
# command i's mean in a round, in microseconds (a round that such a stretch
# slowed moves a median less than a mean); of two commands, each round's
# ratio of the second's mean to the first's is added to $W/NAME.pairs (of
# more commands, of the first two)
rounds() {
	local name=$1 nr=$2 runs=$3 warm=$4 k i m
	shift 4
	U=()
	for ((i = 0; i < $#; i++)); do : >"$W/$name.round$i"; done
	for ((k = 0; k < nr; k++)); do
		hyperfine -N -w "$warm" -r "$runs" ${PREP:+--prepare "$PREP"} --export-json "$W/$name.json" "$@" >"$W/$name.hf" 2>&1 ||
			die "$name failed: $(tail -n 3 "$W/$name.hf")"
		i=0
		for m in $(python3 -c 'import json,sys; print(*(round(x["mean"] * 1e6) for x in json.load(open(sys.argv[1]))["results"]))' "$W/$name.json"); do
			echo "$m" >>"$W/$name.round$i"
			i=$((i + 1))
		done
	done
	for ((i = 0; i < $#; i++)); do U[i]=$(median <"$W/$name.round$i"); done
	if [ $# -ge 2 ]; then
		paste "$W/$name.round0" "$W/$name.round1" | awk '{ printf "%.6f\n", $2 / $1 }' >>"$W/$name.pairs"
	fi
}
# The median of the ratios in FILE, to 4 decimals.
median_ratio() {
	sort -g "$1" | awk '{ a[NR] = $1 } END { if (NR == 0) { print 0; exit }
		printf "%.4f\n", NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
rss() { # CMD...: peak resident KiB, the median of 5 runs (create's threads make it vary by some 5%)
	local i
	for i in 1 2 3 4 5; do
		/usr/bin/time -f '%M' -o "$W/rss" "$@" >/dev/null 2>&1 || die "failed: $*"
		cat "$W/rss"
	done | sort -n | sed -n 3p
}

say "create, $R rounds: not sealed (with and without the tree), sealed for two recipients"
MK="$NPK create -q --force --timestamp 2026-12-01"
# Each create starts once the writes of the one before are flushed (sync):
# the second of a round ran beside the first's writeback, 3-16% slower.
: >"$W/create.pairs"
PREP=sync rounds create "$R" 1 1 "$MK $W/plain.npk $CORPUS" \
	"$MK --recipient $W/a.pub --recipient $W/b.pub $W/sealed.npk $CORPUS" "$MK --no-tree $W/notree.npk $CORPUS"
C_PLAIN=${U[0]}
C_SEALED=${U[1]}
C_NOTREE=${U[2]}
M_PLAIN=$(rss $MK "$W/plain.npk" "$CORPUS")
M_SEALED=$(rss $MK --recipient "$W/a.pub" --recipient "$W/b.pub" "$W/sealed.npk" "$CORPUS")
S_PLAIN=$(fsize "$W/plain.npk")
S_NOTREE=$(fsize "$W/notree.npk")
S_SEALED=$(fsize "$W/sealed.npk")
"$NPK" verify -q -p "$PUB" "$W/sealed.npk" || die "the sealed archive does not verify without a key"
"$NPK" verify -q -p "$PUB" -k "$W/a.key" "$W/sealed.npk" || die "the sealed archive does not verify with a key"
DOCS=$("$NPK" list -p "$PUB" "$W/plain.npk" | wc -l)

# Rounds of 2 runs: this machine has stretches of seconds a third slower,
# which rounds of 10 runs put on one archive's runs more than on the other's.
# The creates' writes are flushed first, so that no writeback runs beside.
sync
sleep 2
say "list, 120 runs each, in rounds"
: >"$W/list.pairs"
rounds list 60 2 1 "$NPK list -p $PUB $W/plain.npk" "$NPK list -p $PUB -k $W/a.key $W/sealed.npk"
L_PLAIN=${U[0]}
L_SEALED=${U[1]}
ML_PLAIN=$(rss "$NPK" list -p "$PUB" "$W/plain.npk")
ML_SEALED=$(rss "$NPK" list -p "$PUB" -k "$W/a.key" "$W/sealed.npk")

say "cat of one document, 5 documents, 120 runs each, in rounds"
"$NPK" list -p "$PUB" "$W/plain.npk" | awk -v n="$DOCS" 'NR % int(n / 5) == 1' | head -n 5 >"$W/docs"
CN=0
CS=0
: >"$W/cat.pairs"
while IFS= read -r d; do
	rounds cat 60 2 1 "$NPK cat -p $PUB $W/plain.npk $d" "$NPK cat -p $PUB -k $W/a.key $W/sealed.npk $d"
	CN=$((CN + U[0]))
	CS=$((CS + U[1]))
	cmp -s <("$NPK" cat -p "$PUB" "$W/plain.npk" "$d") <("$NPK" cat -p "$PUB" -k "$W/a.key" "$W/sealed.npk" "$d") ||
		die "cat of $d differs between the two archives"
done <"$W/docs"
CN=$((CN / 5))
CS=$((CS / 5))
D1=$(head -n 1 "$W/docs")
MC_PLAIN=$(rss "$NPK" cat -p "$PUB" "$W/plain.npk" "$D1")
MC_SEALED=$(rss "$NPK" cat -p "$PUB" -k "$W/a.key" "$W/sealed.npk" "$D1")
busy1=$(busy)
SECS=$((SECONDS - T0))

# ------------------------------------------------------------------ report
verdict() { if le "$1" "$2"; then echo PASS; else echo FAIL; fi; }
RC=$(median_ratio "$W/create.pairs")
RS=$(ratio4 "$S_SEALED" "$S_PLAIN")
# The time ratios: the median of the rounds' ratios, each of runs made one
# right after the other (list and cat: within some 30 ms).
RL=$(median_ratio "$W/list.pairs")
RCAT=$(median_ratio "$W/cat.pairs")
RM=$(ratio4 "$M_SEALED" "$M_PLAIN")
RML=$(ratio4 "$ML_SEALED" "$ML_PLAIN")
RMC=$(ratio4 "$MC_SEALED" "$MC_PLAIN")
MEMV=PASS
for x in $RM $RML $RMC; do le "$x" 1.05 || MEMV=FAIL; done
SEC=$W/section.md
{
	echo "## Seal: create, list and cat on the corpus, sealed for two recipients"
	echo
	echo "$START, \`sh bench/seal.sh -r $R\`: the whole run took $SECS s."
	echo
	echo "- machine: $(nproc) cores, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo); $(awk -v a="$busy0" -v b="$busy1" -v s="$SECS" -v n="$(nproc)" 'BEGIN{ if (s > 0) printf "%.0f%% of the cores busy during the run", 100 * (b - a) / (s * n * 100); else print "a short run" }')"
	echo "- newspack $("$NPK" --version | head -n 1 | sed 's/^newspack //'), commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
	echo "- inputs: $CORPUS, $DOCS documents, $INBYTES bytes; sealed: \`create --recipient a.pub --recipient b.pub\` (X25519; the Merkle root sealed, the levels not stored); baseline: \`create\` (default, with the tree); hyperfine, the median over rounds of each round's mean, and each ratio the median of the rounds' ratios (create $R runs, in rounds of one run of each kind; list and cat 120 runs, in 60 rounds of 2 alternating the two archives, after a sync, their ratios the median of the 60 rounds' ratios (of 300 for cat's 5 documents); warm cache); cat: the mean over 5 documents spread through the index; peak memory: the median of 5 runs (GNU time)"
	echo
	echo "| | not sealed (default) | sealed | ratio | not sealed, --no-tree |"
	echo "|---|---:|---:|---:|---:|"
	echo "| create | $(fmt_time "$C_PLAIN") | $(fmt_time "$C_SEALED") | $RC | $(fmt_time "$C_NOTREE") |"
	echo "| size | $S_PLAIN B | $S_SEALED B | $RS | $S_NOTREE B |"
	echo "| list | $(fmt_time "$L_PLAIN") | $(fmt_time "$L_SEALED") | $RL | |"
	echo "| cat of one document | $(fmt_time "$CN") | $(fmt_time "$CS") | $RCAT | |"
	echo "| peak memory: create | $(fmt_mib "$M_PLAIN") | $(fmt_mib "$M_SEALED") | $RM | |"
	echo "| peak memory: list | $(fmt_mib "$ML_PLAIN") | $(fmt_mib "$ML_SEALED") | $RML | |"
	echo "| peak memory: cat | $(fmt_mib "$MC_PLAIN") | $(fmt_mib "$MC_SEALED") | $RMC | |"
	echo
	echo "| target | measured | verdict |"
	echo "|--------|----------|---------|"
	echo "| create time at most 1.05x | $RC | $(verdict "$RC" 1.05) |"
	echo "| size at most 1.06x | $RS | $(verdict "$RS" 1.06) |"
	echo "| list at most 1.2x | $RL | $(verdict "$RL" 1.2) |"
	echo "| cat of one document at most 1.2x | $RCAT | $(verdict "$RCAT" 1.2) |"
	echo "| memory unchanged (at most 1.05x) | create $RM, list $RML, cat $RMC | $MEMV |"
} >"$SEC"
cat "$SEC"
[ "$WRITE" = 1 ] && put_section seal "$SEC"
exit 0
