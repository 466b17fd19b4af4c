#!/bin/sh
# The server benchmark (issue 18): newspack serve against kiwix-serve on
# the same N generated articles, in the same run: requests per second and
# latency (p50, p99) of article pages and of searches, 16 clients at once
# (wrk), with each server's peak memory. newspack serve checks the digest
# of every byte it sends; kiwix-serve reads the ZIM as it is.
#
#   sh bench/serve.sh [-n N] [-s SEED] [-c CLIENTS] [-d SECONDS] [--no-results]
#
# It uses the files bench/search.sh leaves with --keep in
# ${BENCH_DIR:-/tmp}/newspack-search-N-sSEED: the corpus and indexed.zim
# (zimwriterfs with its Xapian index, of the same articles as HTML pages);
# run that first (sh bench/search.sh -n N --keep). newspack serves the
# same corpus packed for reading at random, which this script makes there
# (served/indexed.npk: create --search-index --dictionary, spec/format.md
# 15.18), again whenever newspack was built after it. Written to
# bench/RESULTS.md (section "serve") at the issue's size only:
# N = 1,000,000.
if [ -z "${BASH_VERSION:-}" ]; then
	exec bash "$0" "$@"
fi
set -u
export LC_ALL=C

ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${N:-1000000}
SEED=1
CLIENTS=16
SECS=30
WRITE=1
usage() {
	sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
}
while [ $# -gt 0 ]; do
	case $1 in
	-n) N=$2; shift ;;
	-s) SEED=$2; shift ;;
	-c) CLIENTS=$2; shift ;;
	-d) SECS=$2; shift ;;
	--no-results) WRITE=0 ;;
	-h|--help) usage ;;
	*) echo "serve.sh: unknown option $1" >&2; usage ;;
	esac
	shift
done
case $N$SEED$CLIENTS$SECS in *[!0-9]*) echo "serve.sh: -n, -s, -c and -d take numbers" >&2; exit 2 ;; esac
[ "$N" = 1000000 ] || WRITE=0

NPK=$ROOT/newspack
B=$ROOT/build/bench
W=${BENCH_DIR:-/tmp}/newspack-search-$N-s$SEED
RESULTS=$ROOT/bench/RESULTS.md
. "$ROOT/bench/lib.sh"
say() { printf '%s\n' "$*" >&2; }
die() { say "serve.sh: $*"; exit 1; }

missing=""
for t in kiwix-serve wrk curl python3; do
	command -v "$t" >/dev/null 2>&1 || missing="$missing $t"
done
[ -z "$missing" ] || die "missing:$missing; run: sudo sh bench/deps.sh"
[ -x "$NPK" ] || die "$NPK not built: run make"
[ -f "$W/indexed.zim" ] && [ -d "$W/corpus" ] ||
	die "$W has no indexed.zim and corpus: run sh bench/search.sh -n $N -s $SEED --keep first"
export XDG_CONFIG_HOME=$B/config   # the bench key, trusted there by search.sh's keygen
PUB=$B/keys/npk.pub
[ -f "$PUB" ] || die "$PUB missing: run bench/search.sh first"
WK=$W/serve
mkdir -p "$WK" "$W/served" || die "cannot make $WK"
# the archive served, made again whenever newspack was built after it
SV=$W/served/indexed.npk
if [ ! -f "$SV" ] || [ "$ROOT/newspack-full" -nt "$SV" ]; then
	say "packing the corpus for serving (create --search-index --dictionary)"
	rm -f "$SV"
	"$NPK" create -q -s "$B/keys/npk.key" --timestamp 2026-01-01 --search-index --dictionary \
		"$SV" "$W/corpus" || die "create --search-index --dictionary failed"
fi
SV_SIZE=$(fsize "$SV")
ARTICLES=20000

# ------------------------------------------------------------------ the requests
# 20000 articles drawn with a fixed seed (more than a run asks for: each is
# read once or twice, not served from a cache); 20 searches of single words and
# pairs (kiwix-serve's index has no fields, dates or phrases: the same
# words for both)
say "choosing $ARTICLES articles and 20 searches"
(cd "$W/corpus" && find . -type f -name '*.txt' -printf '%P\n') | sort |
	python3 -c '
import random, sys
paths = sys.stdin.read().split()
random.Random(int(sys.argv[1])).shuffle(paths)
for p in paths[:int(sys.argv[2])]:
    print(p)' "$SEED" "$ARTICLES" >"$WK/articles"
[ "$(wc -l <"$WK/articles")" = "$ARTICLES" ] || [ "$N" -lt "$ARTICLES" ] || die "fewer than $ARTICLES articles in $W/corpus"
WORDS='police
council
galaxy
obesity
rainfall
market
hospital
election
minister
budget
police court
bank loan
school teacher
market inflation
hospital strike
government budget
rainfall galaxy
election poll
minister resign
particle'
urlenc() { python3 -c 'import sys, urllib.parse; [print(urllib.parse.quote(l.rstrip("\n"), safe="/")) for l in sys.stdin]'; }
# newspack serve: /a/indexed/doc/PATH and /a/indexed/search?q=...;
# kiwix-serve: /indexed/PATH.html and /search?content=indexed&pattern=...
urlenc <"$WK/articles" | sed 's|^|/a/indexed/doc/|' >"$WK/npk-articles"
urlenc <"$WK/articles" | sed 's|\.txt$|.html|; s|^|/indexed/|' >"$WK/kiwix-articles"
printf '%s\n' "$WORDS" | python3 -c 'import sys, urllib.parse; [print(urllib.parse.quote_plus(l.rstrip("\n"))) for l in sys.stdin]' >"$WK/words"
sed 's|^|/a/indexed/search?q=|' "$WK/words" >"$WK/npk-search"
sed 's|^|/search?content=indexed\&pattern=|' "$WK/words" >"$WK/kiwix-search"
# and 4000 searches no two alike (3000 timed, 1000 to warm up), none asked
# twice in a run (so that no result comes from a cache): words of 4 letters
# or more from 300 of the articles, alone (a third) and in pairs, drawn
# with the seed
(cd "$W/corpus" && head -n 300 "$WK/articles" | xargs cat) | python3 -c '
import random, re, sys, urllib.parse
words = sorted(set(w.lower() for w in re.findall(r"[A-Za-z]{4,}", sys.stdin.read())))
rng = random.Random(int(sys.argv[1]))
seen = set()
while len(seen) < 4000:
    q = rng.choice(words) if rng.random() < 1 / 3 else rng.choice(words) + " " + rng.choice(words)
    if q not in seen:
        seen.add(q)
        print(urllib.parse.quote_plus(q))' "$SEED" >"$WK/distinct" || die "cannot draw the searches"
[ "$(wc -l <"$WK/distinct")" = 4000 ] || die "fewer than 4000 searches drawn"
# the last 1000 warm up, the first 3000 are timed
head -n 3000 "$WK/distinct" | sed 's|^|/a/indexed/search?q=|' >"$WK/npk-distinct"
head -n 3000 "$WK/distinct" | sed 's|^|/search?content=indexed\&pattern=|' >"$WK/kiwix-distinct"
tail -n 1000 "$WK/distinct" | sed 's|^|/a/indexed/search?q=|' >"$WK/npk-distinct-warm"
tail -n 1000 "$WK/distinct" | sed 's|^|/search?content=indexed\&pattern=|' >"$WK/kiwix-distinct-warm"
# wrk's script: each connection takes the next path of the list, the
# threads starting at their own share of it (not all at its start: the same
# article asked by two clients at once would be one read for a cache)
cat >"$WK/paths.lua" <<'EOF'
local threads = 0
setup = function(thread)
	thread:set("id", threads)
	threads = threads + 1
end
local paths = {}
local n = 0
local i = 0
init = function(args)
	for line in io.lines(args[1]) do
		n = n + 1
		paths[n] = line
	end
	i = math.floor(n * id / tonumber(args[2]))
end
request = function()
	i = i % n + 1
	return wrk.format("GET", paths[i])
end
EOF

# ------------------------------------------------------------------ the servers
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
PN=$(free_port)
PK=$(free_port)
cd "$W" || die "cannot enter $W"
"$NPK" serve -q -p "$PUB" --listen "127.0.0.1:$PN" served/indexed.npk >"$WK/npk.out" 2>"$WK/npk.err" &
NPID=$!
kiwix-serve -i 127.0.0.1 -p "$PK" indexed.zim >"$WK/kiwix.out" 2>&1 &
KPID=$!
trap 'kill $NPID $KPID 2>/dev/null' EXIT
wait_up() { # PORT PID WHAT
	local i
	for i in $(seq 1 600); do
		curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0
		kill -0 "$2" 2>/dev/null || die "$3 stopped: $(tail -n 3 "$WK/$4")"
		sleep 0.5
	done
	die "$3 did not answer in 300 s"
}
say "starting newspack serve (port $PN) and kiwix-serve (port $PK)"
wait_up "$PN" "$NPID" "newspack serve" npk.err
wait_up "$PK" "$KPID" "kiwix-serve" kiwix.out
# every request answers 200 on both before anything is timed
check_all() { # PORT LIST WHAT
	local bad
	bad=$(python3 - "$1" "$2" <<'EOF'
import sys, urllib.request, urllib.error
bad = 0
for path in open(sys.argv[2]).read().split()[:200]:
    try:
        with urllib.request.urlopen("http://127.0.0.1:%s%s" % (sys.argv[1], path), timeout=60) as r:
            r.read()
            bad += r.status != 200
    except urllib.error.URLError:
        bad += 1
print(bad)
EOF
	)
	[ "$bad" = 0 ] || die "$3: $bad of the first 200 requests of $2 did not answer 200"
}
check_all "$PN" "$WK/npk-articles" "newspack serve"
check_all "$PK" "$WK/kiwix-articles" "kiwix-serve"
check_all "$PN" "$WK/npk-search" "newspack serve"
check_all "$PK" "$WK/kiwix-search" "kiwix-serve"
# (the warm-up searches: the timed ones are asked for the first time in the run)
check_all "$PN" "$WK/npk-distinct-warm" "newspack serve"
check_all "$PK" "$WK/kiwix-distinct-warm" "kiwix-serve"

# ------------------------------------------------------------------ the runs
# one warm-up of 10 s, then SECS s; wrk's latency distribution and the
# count of answers that were not 2xx
B0=$(busy)
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
START=$(us_now)
declare -A RPS P50 P99 BAD
# Waits (at most 60 s) until neither server has used CPU for a second: a
# server still working off requests of the run before (kiwix-serve's slow
# searches outlive wrk's timeouts) would take the cores from the next run.
cpu_of() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
settle() {
	local i a b
	for i in $(seq 1 60); do
		a=$(($(cpu_of "$NPID") + $(cpu_of "$KPID")))
		sleep 1
		b=$(($(cpu_of "$NPID") + $(cpu_of "$KPID")))
		[ "$a" = "$b" ] && return 0
	done
	say "  the servers were still busy after 60 s"
}
run_wrk() { # KEY PORT LIST [WARM-UP LIST]
	settle
	wrk -t 2 -c "$CLIENTS" -d 10s -s "$WK/paths.lua" "http://127.0.0.1:$2" "${4:-$3}" 2 >/dev/null 2>&1
	wrk -t 2 -c "$CLIENTS" -d "${SECS}s" --latency -s "$WK/paths.lua" "http://127.0.0.1:$2" "$3" 2 \
		>"$WK/$1.wrk" 2>&1 || die "wrk $1 failed: $(tail -n 3 "$WK/$1.wrk")"
	RPS[$1]=$(awk '/^Requests\/sec:/ { print $2 }' "$WK/$1.wrk")
	P50[$1]=$(awk '$1 == "50%" { print $2 }' "$WK/$1.wrk")
	P99[$1]=$(awk '$1 == "99%" { print $2 }' "$WK/$1.wrk")
	BAD[$1]=$(awk '/Non-2xx or 3xx responses:/ { print $NF } /Socket errors:/ { n = 0; for (i = 3; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) n += $i; print n }' "$WK/$1.wrk" | awk '{ s += $1 } END { print s + 0 }')
	say "  $1: ${RPS[$1]} requests/s, p50 ${P50[$1]}, p99 ${P99[$1]}, errors ${BAD[$1]}"
}
say "articles, $CLIENTS clients, ${SECS} s each"
run_wrk npk-articles "$PN" "$WK/npk-articles"
run_wrk kiwix-articles "$PK" "$WK/kiwix-articles"
say "searches, $CLIENTS clients, ${SECS} s each"
run_wrk npk-search "$PN" "$WK/npk-search"
run_wrk kiwix-search "$PK" "$WK/kiwix-search"
say "searches no two alike, $CLIENTS clients, ${SECS} s each"
run_wrk npk-distinct "$PN" "$WK/npk-distinct" "$WK/npk-distinct-warm"
run_wrk kiwix-distinct "$PK" "$WK/kiwix-distinct" "$WK/kiwix-distinct-warm"
hwm() { awk '/^VmHWM/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
NRSS=$(hwm "$NPID")
KRSS=$(hwm "$KPID")
# a clean stop of newspack serve
kill -TERM "$NPID"
wait "$NPID"
NRC=$?
kill "$KPID" 2>/dev/null
wait "$KPID" 2>/dev/null
trap - EXIT
END=$(us_now)
B1=$(busy)
HZ=$(getconf CLK_TCK)
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)
[ "$NRC" = 0 ] || die "newspack serve did not stop cleanly on SIGTERM (exit $NRC)"

# ------------------------------------------------------------------ the section
ms() { # wrk's "12.34ms" / "1.20s" / "850.00us" as milliseconds
	awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.2f", n }'
}
TARGETS=()
target() {
	local v=FAIL
	[ "$2" = 1 ] && v=PASS
	TARGETS+=("| $1 | $3 | $v |")
	say "  target $1: $3 -> $v"
}
for k in articles search distinct; do
	r=$(awk -v a="${RPS[npk-$k]}" -v b="${RPS[kiwix-$k]}" 'BEGIN { printf "%.2f", a / b }')
	le 1 "$r" && ok=1 || ok=0
	target "$k: throughput" "$ok" "newspack ${RPS[npk-$k]} / kiwix-serve ${RPS[kiwix-$k]} requests/s = $r (at least 1)"
	p=$(ms "${P99[npk-$k]}")
	le "$p" 50 && ok=1 || ok=0
	target "$k: p99" "$ok" "newspack serve p99 $p ms (at most 50 ms)"
	[ "${BAD[npk-$k]}" = 0 ] && ok=1 || ok=0
	target "$k: errors" "$ok" "newspack serve: ${BAD[npk-$k]} answers not 2xx, or socket errors (none)"
done
T=$WK/section.md
{
	echo "## Serve: article pages and searches on $N documents, newspack serve against kiwix-serve"
	echo
	echo "$(date -u '+%Y-%m-%d %H:%M UTC'), \`sh bench/serve.sh -n $N -s $SEED -c $CLIENTS -d $SECS\`: the whole run took $(fmt_time $((END - START)))."
	echo
	echo "- machine: $(nproc) cores, $(grep -m 1 'model name' /proc/cpuinfo | sed 's/.*: //'); load average $LOAD0 at the start, $LOAD1 at the end; the servers, wrk and nothing else measured share the cores ($(awk -v b=$((B1 - B0)) -v hz="$HZ" -v t=$((END - START)) -v c="$(nproc)" 'BEGIN { printf "%.0f%%", 100 * b / hz / (t / 1000000 * c) }') of them busy during the run)"
	echo "- $("$NPK" --version 2>&1 | head -n 1), commit $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null); kiwix-tools $(dpkg-query -W -f='${Version}' kiwix-tools 2>/dev/null || echo '?') (libkiwix $(dpkg-query -W -f='${Version}' libkiwix11 2>/dev/null || echo '?')); wrk $(dpkg-query -W -f='${Version}' wrk 2>/dev/null || echo '?')"
	echo "- the same articles: \`served/indexed.npk\` (\`create --search-index --dictionary\`: 32 KiB zstd clusters starting from a trained dictionary, 16 KiB index pages, spec/format.md 15.18; $SV_SIZE bytes) and \`indexed.zim\` of bench/search.sh (zimwriterfs with its Xapian index); \`newspack serve -q -p PUB\` (default: one request more than there are cores worked on at once, the others waiting in the order they came) and \`kiwix-serve\` (default threads, 4); both on loopback"
	echo "- requests: $ARTICLES articles drawn with seed $SEED, each connection taking the next, the two threads of wrk starting at each half (newspack: \`/a/indexed/doc/PATH\`, the article page, its text read and checked against its digest; kiwix-serve: \`/indexed/PATH.html\`, the page as stored); 20 searches of words and pairs (newspack: \`/a/indexed/search?q=\`, 20 hits with snippets; kiwix-serve: \`/search?content=indexed&pattern=\`, its first page of results), asked again and again (newspack serve answers a repeat from the results it keeps; kiwix-serve from whatever it keeps); \"distinct\": 3000 searches of words of 300 of the articles, alone and in pairs, none asked twice, so that no answer comes from a cache"
	echo "- \`wrk -t 2 -c $CLIENTS -d ${SECS}s --latency\` after 10 s of warm-up for each, each run started once neither server had used the CPU for a second; every URL answered 200 on both before the runs"
	echo
	echo "| | requests/s | p50 | p99 | errors | peak memory |"
	echo "|---|---:|---:|---:|---:|---:|"
	for k in articles search distinct; do
		echo "| newspack serve, $k | ${RPS[npk-$k]} | $(ms "${P50[npk-$k]}") ms | $(ms "${P99[npk-$k]}") ms | ${BAD[npk-$k]} | $(fmt_mib "$NRSS") (whole run) |"
		echo "| kiwix-serve, $k | ${RPS[kiwix-$k]} | $(ms "${P50[kiwix-$k]}") ms | $(ms "${P99[kiwix-$k]}") ms | ${BAD[kiwix-$k]} | $(fmt_mib "$KRSS") (whole run) |"
	done
	echo
	echo "| target | measured | verdict |"
	echo "|--------|----------|---------|"
	printf '%s\n' "${TARGETS[@]}"
} >"$T"
cat "$T"
[ "$WRITE" = 1 ] && put_section serve "$T"
exit 0
