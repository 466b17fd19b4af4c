#!/bin/sh
# The editions benchmark (issue 15): appending to a large archive against
# creating the new articles alone, and reading a long chain of editions:
# cat warm and cold, list against one archive of the same documents, max
# RSS, and that verify and check-chain read each file once. Written to
# bench/RESULTS.md (section "editions"). See bench/README.md.
#
#   sh bench/editions.sh [--base N] [--editions E] [--per P] [-r R] [-k K]
#                        [-s SEED] [--keep] [--fresh] [--no-results]
#   sh bench/run.sh --only-editions [same options]
#
# Defaults are the issue's: a 1,000,000-document base, 365 daily editions
# of 3,000 articles; -r: runs of create/append and list (3); -k: runs of
# each cat timing (11). Resumable: run it again after a stop and it goes
# on from the last edition written (--fresh starts over).
if [ -z "${BASH_VERSION:-}" ]; then
	exec bash "$0" "$@"
fi
set -u
export LC_ALL=C

ROOT=$(cd "$(dirname "$0")/.." && pwd)
NBASE=1000000
NED=365
PER=3000
R=3
K=11
SEED=1
KEEP=0
FRESH=0
WRITE=1
usage() {
	sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
}
while [ $# -gt 0 ]; do
	case $1 in
	--base) NBASE=$2; shift ;;
	--editions) NED=$2; shift ;;
	--per) PER=$2; shift ;;
	-r) R=$2; shift ;;
	-k) K=$2; shift ;;
	-s) SEED=$2; shift ;;
	--keep) KEEP=1 ;;
	--fresh) FRESH=1 ;;
	--no-results) WRITE=0 ;;
	-h|--help) usage ;;
	*) echo "editions.sh: unknown option $1" >&2; usage ;;
	esac
	shift
done
case $NBASE$NED$PER$R$K$SEED in *[!0-9]*) echo "editions.sh: --base, --editions, --per, -r, -k and -s take numbers" >&2; exit 2 ;; esac
[ "$NED" -ge 1 ] && [ "$PER" -ge 1 ] && [ "$NBASE" -ge 1 ] || { echo "editions.sh: --base, --editions and --per are at least 1" >&2; exit 2; }

NPK=$ROOT/newspack
GEN=$ROOT/build/bench-gen
B=$ROOT/build/bench
W=$B/editions-$NBASE-$NED-$PER-s$SEED   # everything of this run, kept between runs
RESULTS=$ROOT/bench/RESULTS.md
. "$ROOT/bench/lib.sh"
CH=$W/chain
say() { printf '%s\n' "$*" >&2; }
die() { say "editions.sh: $*"; exit 1; }

missing=""
for t in python3 strace; do
	command -v "$t" >/dev/null 2>&1 || missing="$missing $t"
done
[ -x /usr/bin/time ] || missing="$missing /usr/bin/time"
[ -z "$missing" ] || die "missing:$missing; run: sudo apt-get install time python3 strace"
[ -x "$NPK" ] || die "$NPK not built: run make"
[ -x "$GEN" ] || die "$GEN not built: run make build/bench-gen"
"$NPK" help append >/dev/null 2>&1 || die "this newspack has no append command"

[ "$FRESH" = 1 ] && { chmod -R u+w "$W" 2>/dev/null; rm -rf "$W"; }
mkdir -p "$W" "$CH" "$W/scratch"

# ------------------------------------------------------------------ helpers (and those of bench/lib.sh)
fmt_size() { awk -v b="$1" 'BEGIN{ if (b < 1000000) printf "%.1f KB", b/1000; else printf "%.2f MB", b/1000000 }'; }
ed_file() { if [ "$1" = 0 ]; then echo "$CH/news.npk"; else printf '%s/news.e%04d.npk\n' "$CH" "$1"; fi; }
ts_of() { date -u -d "2025-01-01 +$1 days" +%Y-%m-%dT06:00:00Z; }
evict() { # FILE...: drops their clean pages from the page cache (no root needed)
	python3 -c 'import os, sys
for p in sys.argv[1:]:
    fd = os.open(p, os.O_RDONLY); os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED); os.close(fd)' "$@"
}
chain_files() { local k; for k in $(seq 0 "$1"); do ed_file "$k"; done; }
# state: measurements kept between runs (KEY=VALUE lines), so a resumed
# run reports what an earlier one measured
put() { grep -v "^$1=" "$W/state" >"$W/state.tmp" 2>/dev/null; echo "$1=$2" >>"$W/state.tmp"; mv "$W/state.tmp" "$W/state"; }
get() { sed -n "s/^$1=//p" "$W/state" 2>/dev/null | tail -n 1; }
touch "$W/state"

# timed_run KEY CMD...: one run under GNU time: T_WALL (us), T_RSS (KiB), T_CPU (us)
timed_run() {
	local key=$1 t0 t1 rc
	shift
	sync
	t0=$(us_now)
	/usr/bin/time -f '%M %U %S' -o "$W/$key.time" "$@" >"$W/$key.out" 2>"$W/$key.err"
	rc=$?
	t1=$(us_now)
	T_WALL=$((t1 - t0))
	read -r T_RSS T_CPU <<<"$(tail -n 1 "$W/$key.time" | awk '{ printf "%d %.0f", $1, ($2 + $3) * 1000000 }')"
	T_RC=$rc
}
must() { [ "$T_RC" = 0 ] || [ "$T_RC" = "${1:-0}" ] || die "$2 failed (exit $T_RC): $(head -n 3 "$W/$2.err")"; }
# quick KEY COLD CMD...: K runs timed with EPOCHREALTIME alone; COLD=1
# evicts every file of the chain first. Median (us) into Q.
quick() {
	local key=$1 cold=$2 i t0 t1 walls=""
	shift 2
	[ "$cold" = 0 ] && "$@" >/dev/null 2>&1
	for i in $(seq 1 "$K"); do
		[ "$cold" = 1 ] && evict "${CHAIN[@]}"
		t0=$(us_now)
		"$@" >"$W/q.out" 2>"$W/$key.err" || die "$key failed: $(head -n 3 "$W/$key.err")"
		t1=$(us_now)
		walls="$walls $((t1 - t0))"
	done
	Q=$(printf '%s\n' $walls | median)
}
# reads KEY CMD...: the command under strace; per file of the chain, the
# opens and the bytes read: "files, most opens of one file, bytes read of
# the chain's files, their size, the largest share of one file read (file)"
reads() {
	local key=$1
	shift
	rm -rf "$W/strace"
	mkdir -p "$W/strace"
	strace -ff -qq -y -s 0 -e trace=openat,open,read,pread64,readv,preadv,preadv2 -o "$W/strace/t" \
		"$@" >/dev/null 2>"$W/$key.err" || say "  $key under strace failed: $(head -n 3 "$W/$key.err")"
	python3 - "$W/strace" "${CHAIN[@]}" <<'PY'
import os, re, sys
d, files = sys.argv[1], sys.argv[2:]
real = {os.path.realpath(f): f for f in files}
opens = dict.fromkeys(real, 0)
got = dict.fromkeys(real, 0)
ro = re.compile(r'^(?:openat|open)\(.*?"([^"]*)".*\) += (\d+)<([^>]*)>')
rr = re.compile(r'^(?:pread64|read|readv|preadv|preadv2)\(\d+<([^>]*)>.*\) += (\d+)$')
for t in os.listdir(d):
    for line in open(os.path.join(d, t), errors="replace"):
        m = ro.match(line)
        if m:
            p = m.group(3)
            if p in opens:
                opens[p] += 1
            continue
        m = rr.match(line.rstrip("\n"))
        if m and m.group(1) in got:
            got[m.group(1)] += int(m.group(2))
size = {p: os.path.getsize(p) for p in real}
worst = max(real, key=lambda p: got[p] / size[p])
print(len(real), max(opens.values()), min(opens.values()), sum(got.values()), sum(size.values()),
      "%.4f" % (got[worst] / size[worst]), os.path.basename(worst))
PY
	rm -rf "$W/strace"
}

START=$(us_now)
B0=$(busy)
kids_cpu; C0=$(cat "$W/kids")
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
KEYS=$B/keys
export XDG_CONFIG_HOME=$B/config
if [ ! -f "$KEYS/npk.key" ]; then
	mkdir -p "$KEYS"
	"$NPK" keygen -W -f -p "$KEYS/npk.pub" -s "$KEYS/npk.key" >/dev/null || die "newspack keygen failed"
fi
PUB=$KEYS/npk.pub

# ------------------------------------------------------------------ the corpus
# N + E*P articles of bench-gen, split by article number (the oldest first)
# into base/ and ed/NNNN/ (renamed, not copied), once.
TOTAL=$((NBASE + NED * PER))
want="n=$TOTAL base=$NBASE per=$PER seed=$SEED gen=$(cat "$ROOT/bench/gen.c" "$ROOT/bench/words.h" | sha256sum | cut -c1-16)"
if [ "$(cat "$W/corpus.stamp" 2>/dev/null)" != "$want" ]; then
	rm -rf "$W/gen" "$W/base" "$W/ed" "$W/corpus.stamp"
	say "corpus: generating $TOTAL articles in $W/gen"
	t0=$(us_now)
	"$GEN" -q -n "$TOTAL" -s "$SEED" "$W/gen" || die "bench-gen failed"
	python3 - "$W" "$NBASE" "$PER" <<'PY' || die "splitting the corpus failed"
import os, sys
w, nbase, per = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
g = os.path.join(w, "gen")
for dp, dn, fn in os.walk(g):
    for f in fn:
        i = int(f.split("-", 1)[0])
        rel = os.path.relpath(os.path.join(dp, f), g)
        dst = "base" if i < nbase else "ed/%04d" % ((i - nbase) // per + 1)
        os.renames(os.path.join(dp, f), os.path.join(w, dst, rel))
PY
	rm -rf "$W/gen"
	t1=$(us_now)
	put gen_us $((t1 - t0))
	echo "$want" >"$W/corpus.stamp"
fi
dirsize() { find "$1" -type f -printf '%s\n' | awk '{ s += $1 } END { printf "%.0f\n", s }'; }
[ -n "$(get content_base)" ] || put content_base "$(dirsize "$W/base")"
[ -n "$(get content_ed1)" ] || put content_ed1 "$(dirsize "$W/ed/0001")"

# ------------------------------------------------------------------ the base
if [ ! -f "$CH/news.npk" ]; then
	say "base: create of $NBASE documents"
	timed_run base "$NPK" create -q -s "$KEYS/npk.key" --timestamp "$(ts_of 0)" "$CH/news.npk" "$W/base"
	must 0 base
	put base_us "$T_WALL"
	put base_rss "$T_RSS"
fi

# ------------------------------------------------------------------ (a) append vs create
# before the chain grows: append of edition 1's articles after the base,
# written outside the chain's folder (a file beside it would be a fork),
# and create of the same articles alone; alternating, R runs each
if [ -z "$(get a_done)" ]; then
	aw="" cw="" ac="" cc="" ar="" cr=""
	for i in $(seq 1 "$R"); do
		order="create append"
		[ $((i % 2)) = 0 ] && order="append create"
		for v in $order; do
			rm -f "$W/scratch/a.npk" "$W/scratch/c.npk"
			if [ "$v" = append ]; then
				timed_run a-append "$NPK" append -q -s "$KEYS/npk.key" --timestamp "$(ts_of 1)" "$CH/news.npk" "$W/scratch/a.npk" "$W/ed/0001"
				must 0 a-append
				aw="$aw $T_WALL" ac="$ac $T_CPU" ar="$ar $T_RSS"
				put a_size "$(fsize "$W/scratch/a.npk")"
			else
				timed_run a-create "$NPK" create -q -s "$KEYS/npk.key" --timestamp "$(ts_of 1)" "$W/scratch/c.npk" "$W/ed/0001"
				must 0 a-create
				cw="$cw $T_WALL" cc="$cc $T_CPU" cr="$cr $T_RSS"
				put c_size "$(fsize "$W/scratch/c.npk")"
			fi
			say "  (a) $v, run $i: $(fmt_time "$T_WALL") (CPU $(fmt_time "$T_CPU")), $(fmt_mib "$T_RSS")"
		done
	done
	rm -f "$W/scratch/a.npk" "$W/scratch/c.npk"
	put a_us "$(printf '%s\n' $aw | median)"
	put c_us "$(printf '%s\n' $cw | median)"
	put a_cpu "$(printf '%s\n' $ac | median)"
	put c_cpu "$(printf '%s\n' $cc | median)"
	put a_rss "$(printf '%s\n' $ar | median)"
	put c_rss "$(printf '%s\n' $cr | median)"
	put a_done 1
fi

# ------------------------------------------------------------------ the chain
# one edition a day; an append stopped half-way leaves only its temporary
# file (removed here), so the chain goes on from the last edition written
rm -f "$CH"/.news.e*.tmp-* 2>/dev/null
k=1
while [ -f "$(ed_file "$k")" ]; do k=$((k + 1)); done
[ "$k" -gt 1 ] && [ "$k" -le "$NED" ] && say "chain: resuming at edition $k"
while [ "$k" -le "$NED" ]; do
	kk=$(printf '%04d' "$k")
	timed_run append "$NPK" append -q -s "$KEYS/npk.key" --timestamp "$(ts_of "$k")" "$(ed_file $((k - 1)))" "$(ed_file "$k")" "$W/ed/$kk"
	must 0 append
	echo "$k $T_WALL $T_CPU $T_RSS $(fsize "$(ed_file "$k")")" >>"$W/appends"
	[ $((k % 10)) = 0 ] || [ "$k" = "$NED" ] && say "  edition $k: $(fmt_time "$T_WALL"), $(fmt_mib "$T_RSS"), $(fmt_size "$(fsize "$(ed_file "$k")")")"
	k=$((k + 1))
done
NEWEST=$(ed_file "$NED")
mapfile -t CHAIN < <(chain_files "$NED")
CHAIN_BYTES=$(stat -c %s "${CHAIN[@]}" | awk '{ s += $1 } END { printf "%.0f\n", s }')
# the appends' medians (every append of this chain, resumed runs included)
APP_MED=$(sort -n -k1,1 -u "$W/appends" | awk '$1 <= '"$NED"' { print $2 }' | median)
APP_MAX=$(sort -n -k1,1 -u "$W/appends" | awk '$1 <= '"$NED"' { print $2 }' | sort -n | tail -n 1)
APP_RSS=$(sort -n -k1,1 -u "$W/appends" | awk '$1 <= '"$NED"' { print $4 }' | sort -n | tail -n 1)
ED_SIZE=$(sort -n -k1,1 -u "$W/appends" | awk '$1 <= '"$NED"' { print $5 }' | median)

# ------------------------------------------------------------------ one archive of the same documents
ONE=$W/one.npk
if [ ! -f "$ONE" ]; then
	say "one archive of all $TOTAL documents"
	# the folders share their date folders (2024/...), so the files are
	# named one by one: SOURCE<TAB>PATH lines
	python3 - "$W" >"$W/one.list" <<'PY' || die "listing the corpus failed"
import os, sys
w = sys.argv[1]
roots = [os.path.join(w, "base")] + sorted(os.path.join(w, "ed", d) for d in os.listdir(os.path.join(w, "ed")))
for r in roots:
    for dp, dn, fn in os.walk(r):
        for f in fn:
            p = os.path.join(dp, f)
            sys.stdout.write("%s\t%s\n" % (p, os.path.relpath(p, r)))
PY
	timed_run one "$NPK" create -q -s "$KEYS/npk.key" --timestamp "$(ts_of "$NED")" --files-from "$W/one.list" "$ONE"
	must 0 one
	put one_us "$T_WALL"
fi

# ------------------------------------------------------------------ (b) reading the chain
say "reading the chain of $((NED + 1)) files"
mid=$(( (NED + 1) / 2 ))
pick() { (cd "$1" && find . -type f | sed 's|^\./||' | LC_ALL=C sort | awk '{ l[NR] = $0 } END { print l[int((NR + 1) / 2)] }'); }
DOC_NEW=$(pick "$W/ed/$(printf '%04d' "$NED")")
DOC_MID=$(pick "$W/ed/$(printf '%04d' "$mid")")
DOC_BASE=$(pick "$W/base")
declare -A CW CC CR_
for which in new mid base; do
	case $which in new) P=$DOC_NEW ;; mid) P=$DOC_MID ;; base) P=$DOC_BASE ;; esac
	"$NPK" cat -p "$PUB" "$NEWEST" "$P" >"$W/cat.out" || die "cat of $P failed"
	case $which in new) src=$W/ed/$(printf '%04d' "$NED")/$P ;; mid) src=$W/ed/$(printf '%04d' "$mid")/$P ;; base) src=$W/base/$P ;; esac
	cmp -s "$W/cat.out" "$src" || die "cat of $P did not give its bytes"
	quick "cat-$which" 0 "$NPK" cat -p "$PUB" "$NEWEST" "$P"
	CW[$which]=$Q
	quick "cat-$which-cold" 1 "$NPK" cat -p "$PUB" "$NEWEST" "$P"
	CC[$which]=$Q
	timed_run "cat-$which" "$NPK" cat -p "$PUB" "$NEWEST" "$P"
	must 0 "cat-$which"
	CR_[$which]=$T_RSS
	say "  cat ($which edition) $P: warm $(fmt_time "${CW[$which]}"), cold $(fmt_time "${CC[$which]}"), $(fmt_mib "$T_RSS")"
done
lc="" lo="" lcr="" lor=""
for i in $(seq 1 "$R"); do
	timed_run list-chain "$NPK" list -p "$PUB" "$NEWEST"
	must 0 list-chain
	lc="$lc $T_WALL" lcr="$lcr $T_RSS"
	timed_run list-one "$NPK" list -p "$PUB" "$ONE"
	must 0 list-one
	lo="$lo $T_WALL" lor="$lor $T_RSS"
done
cmp -s "$W/list-chain.out" "$W/list-one.out" || die "list of the chain and of the one archive differ"
LC=$(printf '%s\n' $lc | median) LO=$(printf '%s\n' $lo | median)
LCR=$(printf '%s\n' $lcr | median) LOR=$(printf '%s\n' $lor | median)
say "  list: chain $(fmt_time "$LC"), one archive $(fmt_time "$LO")"
# verify and check-chain must pass; when they do not, the run goes on and
# the targets say so (what failed is kept in the section)
timed_run verify "$NPK" verify -p "$PUB" "$NEWEST"
VW=$T_WALL VR=$T_RSS VRC=$T_RC
[ "$VRC" = 0 ] || say "  verify of the chain exited $VRC: $(grep -v '^OK' "$W/verify.out" | head -n 3)"
timed_run check "$NPK" check-chain -p "$PUB" "$NEWEST"
KW=$T_WALL KR=$T_RSS KRC=$T_RC
grep -q "CHAIN: VALID" "$W/check.out" || { KRC="${KRC}, no CHAIN: VALID"; say "  check-chain: $(tail -n 3 "$W/check.out")"; }
timed_run verify-one "$NPK" verify -q -p "$PUB" "$ONE"
must 0 verify-one
VOW=$T_WALL
say "  verify $(fmt_time "$VW") ($(fmt_mib "$VR")), check-chain $(fmt_time "$KW") ($(fmt_mib "$KR"))"
read -r RV_N RV_MAXO RV_MINO RV_GOT RV_SIZE RV_WORST RV_WF <<<"$(reads verify-strace "$NPK" verify -q -p "$PUB" "$NEWEST")"
read -r RK_N RK_MAXO RK_MINO RK_GOT RK_SIZE RK_WORST RK_WF <<<"$(reads check-strace "$NPK" check-chain -p "$PUB" "$NEWEST")"
say "  verify read $RV_GOT of $RV_SIZE bytes (opens per file $RV_MINO-$RV_MAXO, most of one file $RV_WORST: $RV_WF)"
say "  check-chain read $RK_GOT of $RK_SIZE bytes (opens per file $RK_MINO-$RK_MAXO, most of one file $RK_WORST: $RK_WF)"

END=$(us_now)
TOTAL_US=$((END - START))
B1=$(busy)
kids_cpu; C1=$(cat "$W/kids")
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)
OTHERS=$(awk -v b="$((B1 - B0))" -v hz="$(getconf CLK_TCK)" -v me="$(awk -v a="$C1" -v b="$C0" 'BEGIN{ print a - b }')" \
	-v t="$TOTAL_US" -v c="$(nproc)" 'BEGIN{ o = b / hz - me; if (o < 0) o = 0; printf "%.0f%% of the %d cores (%.0f s of CPU)", 100 * o / (t / 1000000 * c), c, o }')

# ------------------------------------------------------------------ targets
TARGETS=()
target() { # NAME VALUE LIMIT TEXT
	local v=FAIL
	[ "$2" != "-" ] && le "$2" "$3" && v=PASS
	TARGETS+=("| $1 | $4 | $v |")
	say "  target $1: $4 -> $v"
}
A_US=$(get a_us) C_US=$(get c_us) A_SIZE=$(get a_size) C_SIZE=$(get c_size)
lim=$(awk -v c="$C_US" 'BEGIN{ printf "%.0f", 1.5 * c + 1000000 }')
target "append time" "$A_US" "$lim" "append of $PER articles to the $NBASE-document base = $(fmt_time "$A_US"); create of them alone = $(fmt_time "$C_US"); ratio $(ratio4 "$A_US" "$C_US") (at most 1.5 x + 1 s = $(fmt_time "$lim"))"
lim=$(awk -v c="$C_SIZE" 'BEGIN{ printf "%.0f", 1.1 * c + 4096 }')
target "edition size" "$A_SIZE" "$lim" "the edition = $A_SIZE bytes, the archive of the $PER alone = $C_SIZE; ratio $(ratio4 "$A_SIZE" "$C_SIZE") (at most 1.1 x + 4 KiB = $lim)"
worst=0
for which in new mid base; do [ "${CW[$which]}" -gt "$worst" ] && worst=${CW[$which]}; done
target "cat, warm" "$worst" 30000 "slowest warm cat of the newest, middle and base edition's document = $(fmt_time "$worst") (at most 30 ms)"
r=$(ratio4 "$LC" "$LO")
target "list" "$r" 2 "list of the chain / list of one archive of the same $TOTAL documents = $r (at most 2)"
mx=0
for v in "${CR_[new]}" "${CR_[mid]}" "${CR_[base]}" "$LCR" "$VR" "$KR"; do [ "$v" -gt "$mx" ] && mx=$v; done
target "memory" "$mx" 65536 "largest max RSS of cat, list, verify and check-chain of the chain = $(fmt_mib "$mx") (at most 64 MiB)"
target "verify passes" "$VRC" 0 "verify of the chain exits $VRC$( [ "$VRC" = 0 ] || echo ": $(grep -v '^OK' "$W/verify.out" | head -n 1 | cut -c 1-160)") (0)"
target "check-chain passes" "${KRC%%,*}" 0 "check-chain of the chain exits $KRC (0, CHAIN: VALID)"
ok=$([ "$RV_MAXO" = 1 ] && [ "$RV_MINO" = 1 ] && echo "$RV_WORST" || echo 9)
target "verify reads once" "$ok" 1.01 "verify opened each of the $RV_N files $RV_MINO to $RV_MAXO times (once) and read $(ratio4 "$RV_GOT" "$RV_SIZE") of their bytes; the most of one file: $RV_WORST of $RV_WF (at most 1.01)"
ok=$([ "$RK_MAXO" = 1 ] && [ "$RK_MINO" = 1 ] && echo "$RK_WORST" || echo 9)
target "check-chain reads once" "$ok" 1.01 "check-chain opened each file $RK_MINO to $RK_MAXO times (once) and read $(ratio4 "$RK_GOT" "$RK_SIZE") of their bytes (no document); the most of one file: $RK_WORST of $RK_WF (at most 1.01)"

# ------------------------------------------------------------------ the section
DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
T=$W/section.md
{
	echo "## Editions: appending, and reading a chain"
	echo
	echo "$DATE, \`sh bench/editions.sh --base $NBASE --editions $NED --per $PER -r $R -k $K -s $SEED\` (or \`sh bench/run.sh --only-editions\`): this run took $(fmt_time "$TOTAL_US")$( [ -n "$(get gen_us)" ] && echo "; generating the corpus took $(fmt_time "$(get gen_us)") (in this run, or in the earlier one it resumed)")."
	[ "$NBASE" = 1000000 ] && [ "$NED" = 365 ] && [ "$PER" = 3000 ] || echo "**Not the issue's sizes** (a 1,000,000-document base, 365 editions of 3,000): a smaller run, to show the script works; its figures judge nothing."
	echo
	echo "- machine: $(nproc) cores, $(grep -m 1 'model name' /proc/cpuinfo | sed 's/.*: //'); $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo) of memory; kernel $(uname -r); $(df -T "$B" | awk 'NR==2 {print $2}') under build/bench/"
	echo "- **other work**: processes other than the benchmark used $OTHERS during this run (load average $LOAD0 at the start, $LOAD1 at the end)$(awk -v o="${OTHERS%%%*}" 'BEGIN{ if (o + 0 >= 10) print ": the times are those of a shared machine; sizes and bytes read are exact." ; else print "." }')"
	echo "- $("$NPK" --version 2>&1 | head -n 1), commit $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null)"
	echo "- corpus: \`build/bench-gen -n $TOTAL -s $SEED\`, split by article number: the oldest $NBASE the base ($(fmt_size "$(get content_base)") of content), then $NED editions of $PER (edition 1: $(fmt_size "$(get content_ed1)")); every path new, as a newsroom's daily articles"
	echo "- the chain: \`newspack create\` of the base, then \`newspack append -q -s KEY --timestamp DAY PREVIOUS news.eNNNN.npk ed/NNNN\` once a day; $((NED + 1)) files, $(fmt_size "$CHAIN_BYTES"); the one archive of the same $TOTAL documents: $(fmt_size "$(fsize "$ONE")")"
	echo "- (a): append of edition 1's articles after the base (to a file outside the chain's folder) and create of them alone, alternating, $R runs each, after \`sync\`, under GNU time (medians); before the chain's own appends"
	echo "- cat: \`newspack cat -p PUB NEWEST PATH\` of the middle document (path order) of the newest edition, of edition $mid, and of the base; warm: median of $K runs after one untimed run; cold: median of $K, every file of the chain evicted from the page cache before each run (\`posix_fadvise(POSIX_FADV_DONTNEED)\`); timed with bash's EPOCHREALTIME"
	echo "- reads: one more verify and check-chain under \`strace -ff -y -e trace=openat,read,pread64,readv,preadv,preadv2\`: the opens of each file of the chain and the bytes read from it"
	echo
	echo "### (a) Appending $PER articles to a $NBASE-document archive"
	echo
	echo "| | wall (median) | CPU | max RSS | file, bytes |"
	echo "|---|---:|---:|---:|---:|"
	echo "| \`newspack append\` (edition 1) | $(fmt_time "$A_US") | $(fmt_time "$(get a_cpu)") | $(fmt_mib "$(get a_rss)") | $A_SIZE |"
	echo "| \`newspack create\` of the same articles alone | $(fmt_time "$C_US") | $(fmt_time "$(get c_cpu)") | $(fmt_mib "$(get c_rss)") | $C_SIZE |"
	echo "| ratio | $(ratio4 "$A_US" "$C_US") | $(ratio4 "$(get a_cpu)" "$(get c_cpu)") | | $(ratio4 "$A_SIZE" "$C_SIZE") |"
	echo
	echo "The $NED appends of the chain: median $(fmt_time "$APP_MED"), slowest $(fmt_time "$APP_MAX"), largest max RSS $(fmt_mib "$APP_RSS"); an edition's median size $ED_SIZE bytes. The base's create: $(fmt_time "$(get base_us)"), $(fmt_mib "$(get base_rss)")."
	echo
	echo "### (b) Reading a chain of a $NBASE-document base and $NED editions of $PER"
	echo
	echo "| command | document | warm (median) | cold (median) | max RSS |"
	echo "|---|---|---:|---:|---:|"
	echo "| \`cat\` | newest edition: \`$DOC_NEW\` | $(fmt_time "${CW[new]}") | $(fmt_time "${CC[new]}") | $(fmt_mib "${CR_[new]}") |"
	echo "| \`cat\` | edition $mid: \`$DOC_MID\` | $(fmt_time "${CW[mid]}") | $(fmt_time "${CC[mid]}") | $(fmt_mib "${CR_[mid]}") |"
	echo "| \`cat\` | base: \`$DOC_BASE\` | $(fmt_time "${CW[base]}") | $(fmt_time "${CC[base]}") | $(fmt_mib "${CR_[base]}") |"
	echo
	echo "| command | wall (median of $R) | max RSS | the same on one archive | ratio |"
	echo "|---|---:|---:|---:|---:|"
	echo "| \`list\` | $(fmt_time "$LC") | $(fmt_mib "$LCR") | $(fmt_time "$LO"), $(fmt_mib "$LOR") | $(ratio4 "$LC" "$LO") |"
	echo "| \`verify\` | $(fmt_time "$VW") (once) | $(fmt_mib "$VR") | $(fmt_time "$VOW") | $(ratio4 "$VW" "$VOW") |"
	echo "| \`check-chain\` | $(fmt_time "$KW") (once) | $(fmt_mib "$KR") | - | - |"
	echo
	echo "| command | files | opens of each file | bytes read of the chain's files | their size | read / size | most of one file |"
	echo "|---|---:|---:|---:|---:|---:|---|"
	echo "| \`verify\` | $RV_N | $RV_MINO to $RV_MAXO | $RV_GOT | $RV_SIZE | $(ratio4 "$RV_GOT" "$RV_SIZE") | $RV_WORST ($RV_WF) |"
	echo "| \`check-chain\` | $RK_N | $RK_MINO to $RK_MAXO | $RK_GOT | $RK_SIZE | $(ratio4 "$RK_GOT" "$RK_SIZE") | $RK_WORST ($RK_WF) |"
	echo
	echo "| target | measured | verdict |"
	echo "|--------|----------|---------|"
	printf '%s\n' "${TARGETS[@]}"
} >"$T"
cat "$T"

[ "$WRITE" = 1 ] && put_section editions "$T"
if [ "$KEEP" = 0 ]; then
	chmod -R u+w "$W" 2>/dev/null
	rm -rf "$W"
fi
exit 0
