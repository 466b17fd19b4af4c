#!/bin/sh
# The search benchmark (issue 17): newspack's full-text index and its queries
# against the anchors, on the same N generated articles in the same run:
# zimwriterfs (a ZIM with its Xapian index, of the articles as HTML pages)
# and zimsearch on it, and SQLite FTS5 (Debian's sqlite3) on the same text.
# Reports the index's size (create --search-index minus create, as a share of
# the archive without it; beside it the Xapian index and a contentless FTS5
# index of the same text), create's time with and without the index, and the
# time of each process of a fixed mix of 40 queries (p50, p95), with
# newspack search's max RSS. Written to bench/RESULTS.md (section "search")
# at the issue's size only: N = 1,000,000.
#
#   sh bench/search.sh [-n N] [-r R] [--rcreate R] [-s SEED] [--keep] [--no-results]
#   sh bench/search.sh --peers-only [-n N] [-s SEED]   build the peers' files only
#   N=20000 sh bench/search.sh              a quick run (minutes; RESULTS.md untouched)
#
# -r: timed passes over the query mix (3), after one untimed pass; --rcreate:
# runs of each create (3 under 200,000 documents, else 1). Everything goes
# under ${BENCH_DIR:-/tmp}/newspack-search-N-sSEED, removed at the end unless
# --keep (the corpus and the HTML pages are reused while they match).
# --peers-only builds the corpus, the pages, the ZIM and the FTS5 databases
# (hours at 1,000,000 articles), keeps them with their figures and stops: a
# later run with --keep reuses them and measures newspack and every query in
# one run. Run it under nice while other work goes on: only its build times,
# which no target compares, are those of a shared machine.
if [ -z "${BASH_VERSION:-}" ]; then
	exec bash "$0" "$@"
fi
set -u
export LC_ALL=C

ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${N:-1000000}
R=3
RC=""
SEED=1
KEEP=0
PEERS_ONLY=0
WRITE=1
usage() {
	sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
}
while [ $# -gt 0 ]; do
	case $1 in
	-n) N=$2; shift ;;
	-r) R=$2; shift ;;
	--rcreate) RC=$2; shift ;;
	-s) SEED=$2; shift ;;
	--keep) KEEP=1 ;;
	--peers-only) PEERS_ONLY=1 KEEP=1 ;;
	--no-results) WRITE=0 ;;
	-h|--help) usage ;;
	*) echo "search.sh: unknown option $1" >&2; usage ;;
	esac
	shift
done
if [ -z "$RC" ]; then
	RC=1
	case $N in *[!0-9]*|'') ;; *) [ "$N" -lt 200000 ] && RC=3 ;; esac
fi
case $N$R$RC$SEED in *[!0-9]*) echo "search.sh: -n, -r, --rcreate and -s take numbers" >&2; exit 2 ;; esac
[ "$N" -ge 100 ] && [ "$R" -ge 1 ] && [ "$RC" -ge 1 ] ||
	{ echo "search.sh: N at least 100, -r and --rcreate at least 1" >&2; exit 2; }
# RESULTS.md holds the issue's figures only: a smaller run prints them
[ "$N" = 1000000 ] || WRITE=0

NPK=$ROOT/newspack
GEN=$ROOT/build/bench-gen
B=$ROOT/build/bench                          # the keys, shared with the other scripts
W=${BENCH_DIR:-/tmp}/newspack-search-$N-s$SEED
C=$W/corpus                                  # the articles (text), as bench-gen writes them
H=$W/html                                    # the same articles as HTML pages, for zimwriterfs
RESULTS=$ROOT/bench/RESULTS.md
. "$ROOT/bench/lib.sh"
TS=2025-01-01
say() { printf '%s\n' "$*" >&2; }
die() { say "search.sh: $*"; exit 1; }

missing=""
for t in zimwriterfs zimsearch sqlite3 python3 pgrep; do
	command -v "$t" >/dev/null 2>&1 || missing="$missing $t"
done
[ -x /usr/bin/time ] || missing="$missing /usr/bin/time"
[ -z "$missing" ] || die "missing:$missing; run: sudo sh bench/deps.sh (zim-tools sqlite3 python3 time procps)"
sqlite3 :memory: "CREATE VIRTUAL TABLE t USING fts5(a)" 2>/dev/null || die "this sqlite3 has no FTS5"
[ -x "$NPK" ] || die "$NPK not built: run make"
[ -x "$GEN" ] || die "$GEN not built: run make build/bench-gen"
# What this newspack can do: without these the peers are still measured (so
# their part can be tried), then the script stops with the reason.
HAVE_INDEX=0 HAVE_SEARCH=0
"$NPK" help create 2>&1 | grep -q -- '--search-index' && HAVE_INDEX=1
"$NPK" help search >/dev/null 2>&1 && HAVE_SEARCH=1
[ "$HAVE_INDEX" = 1 ] || say "search.sh: this newspack's create has no --search-index: the peers are measured, then the script stops"
[ "$HAVE_SEARCH" = 1 ] || say "search.sh: this newspack has no search command: the peers are measured, then the script stops"
mkdir -p "$W" && W=$(cd "$W" && pwd) || die "cannot make the work folder"
C=$W/corpus H=$W/html

# ------------------------------------------------------------------ helpers (and those of bench/lib.sh)
fmt_size() { awk -v b="$1" 'BEGIN{ if (b < 1000000) printf "%.1f KB", b/1000; else printf "%.2f MB", b/1000000 }'; }
pct_of() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b == 0) print "-"; else printf "%.1f%%", 100 * a / b }'; }
tree_bytes() { find "$1" -type f -printf '%s\n' | awk '{ s += $1 } END { printf "%.0f\n", s }'; }

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

# long_run KEY TOTAL WHAT CMD...: timed_run for the builds of many minutes,
# with a progress line every 30 s (10 s under 100,000 documents)
long_run() {
	local key=$1 total=$2 what=$3 every=30
	shift 3
	[ "$N" -lt 100000 ] && every=10
	sync
	run_progress "$W/$key" "$every" "$total" "$what" "$@"
	[ "$P_RC" = 0 ] || die "$key failed (exit $P_RC): $* : $(head -n 3 "$W/$key.err")"
	T_WALL=$P_WALL T_RSS=$P_RSS T_CPU=$P_CPU
	say "  $what: $(fmt_time "$T_WALL"), cpu $(fmt_time "$T_CPU"), $(fmt_mib "$T_RSS")"
}

# The cost of starting a process, timed as the queries are: part of every query time.
floor() {
	local i t0 t1 walls=""
	for i in $(seq 1 21); do
		t0=$(us_now)
		/bin/true
		t1=$(us_now)
		walls="$walls $((t1 - t0))"
	done
	printf '%s\n' $walls | median
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

# ------------------------------------------------------------------ the corpus, and the same articles as HTML
# generated once, reused while N, the seed and the generator match (as run.sh)
want="n=$N seed=$SEED gen=$(cat "$ROOT/bench/gen.c" "$ROOT/bench/words.h" | sha256sum | cut -c1-16)"
GEN_US=0
if [ -d "$C" ] && [ "$(cat "$C.stamp" 2>/dev/null)" = "$want" ]; then
	say "corpus: reusing $C"
else
	rm -rf "$C" "$C.stamp" "$H" "$H.stamp"
	say "corpus: generating $N articles in $C"
	t0=$(us_now)
	"$GEN" -q -n "$N" -s "$SEED" "$C" || die "bench-gen failed"
	t1=$(us_now)
	GEN_US=$((t1 - t0))
	echo "$want" >"$C.stamp"
fi

# Each article as a page: the headline as <title> and <h1>, the byline, each
# paragraph (a line of the text) as <p>; & < > escaped. One awk for many files
# (xargs), each page written beside its path with .html for .txt. zimwriterfs
# indexes the title and the text of each page, as newspack indexes the
# headline (its title), the byline's fields and the text.
HTML_AWK='
function esc(s) { gsub(/&/, "\\&amp;", s); gsub(/</, "\\&lt;", s); gsub(/>/, "\\&gt;", s); return s }
function done() { if (out != "") { print "</body></html>" > out; close(out) } }
FNR == 1 {
	done()
	out = substr(FILENAME, length(src) + 1); sub(/\.txt$/, ".html", out); out = dst out
	h = esc($0)
	printf "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>%s</title></head>\n<body>\n<h1>%s</h1>\n", h, h > out
	next
}
FNR == 3 { print "<p class=\"byline\">" esc($0) "</p>" > out; next }
FNR > 3 && $0 != "" { print "<p>" esc($0) "</p>" > out }
END { done() }'
# A 48x48 grey PNG, for zimwriterfs's illustration (the one of run.sh).
write_png() {
	printf '\211\120\116\107\015\012\032\012\000\000\000\015\111\110\104\122\000\000\000\060\000\000\000\060\010\000\000\000\000\162\151\246\133\000\000\000\057\111\104\101\124\170\332\143\070\003\005\306\120\100\210\317\060\252\201\046\032\210\125\010\343\217\152\240\215\206\321\324\072\232\037\106\065\214\346\207\321\374\060\252\001\013\037\000\222\030\173\275\160\351\071\004\000\000\000\000\111\105\116\104\256\102\140\202' >"$1"
}
hwant="$want html=$(printf '%s' "$HTML_AWK" | sha256sum | cut -c1-16)"
HTML_US=0
if [ -d "$H" ] && [ "$(cat "$H.stamp" 2>/dev/null)" = "$hwant" ]; then
	say "html: reusing $H"
else
	rm -rf "$H" "$H.stamp"
	say "html: writing the $N articles as pages in $H"
	t0=$(us_now)
	mkdir -p "$H"
	(cd "$C" && find . -mindepth 1 -type d -printf '%P\0') | (cd "$H" && xargs -0 -r mkdir -p) ||
		die "cannot make the folders of $H"
	(cd "$C" && find . -type f -name '*.txt' -print0 | xargs -0 awk -v src=./ -v dst="$H/" "$HTML_AWK") ||
		die "the HTML conversion failed"
	write_png "$H/illustration.png"
	printf '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>newspack benchmark corpus</title></head>\n<body><p>Articles of the newspack benchmark corpus.</p></body></html>\n' >"$H/index.html"
	t1=$(us_now)
	HTML_US=$((t1 - t0))
	echo "$hwant" >"$H.stamp"
fi
NDOCS=$(find "$C" -type f -name '*.txt' | wc -l)
NPAGES=$(find "$H" -type f -name '*.html' | wc -l)
[ "$NDOCS" = "$N" ] || die "$C holds $NDOCS articles, not $N"
[ "$NPAGES" = $((N + 1)) ] || die "$H holds $NPAGES pages, not $N and the welcome page"
CONTENT=$(tree_bytes "$C")
HBYTES=$(tree_bytes "$H")
say "corpus: $N articles, $(fmt_size "$CONTENT") of text, $(fmt_size "$HBYTES") as HTML"
# warm cache, as run.sh: every file read once before the first timed run
say "reading the corpus and the pages once"
find "$C" "$H" -type f -print0 | xargs -0 cat >/dev/null

# ------------------------------------------------------------------ newspack create, without and with the index
# The same inputs and options, alternating, one archive of each kind on disk.
A0=$W/plain.npk
A1=$W/indexed.npk
CW0=() CC0=() CR0=() CW1=() CC1=() CR1=()
if [ "$PEERS_ONLY" = 1 ]; then
	say "--peers-only: newspack is not run"
	HAVE_INDEX=0
else
say "newspack create ($RC run$([ "$RC" = 1 ] || echo s) each$([ "$HAVE_INDEX" = 1 ] || echo '; no --search-index in this newspack'))"
for i in $(seq 1 "$RC"); do
	rm -f "$A0"
	timed_run create-plain "$NPK" create -q -s "$KEY" --timestamp "$TS" "$A0" "$C"
	CW0+=("$T_WALL") CC0+=("$T_CPU") CR0+=("$T_RSS")
	say "  create: $(fmt_time "$T_WALL"), cpu $(fmt_time "$T_CPU"), $(fmt_mib "$T_RSS")"
	[ "$HAVE_INDEX" = 1 ] || continue
	rm -f "$A1"
	timed_run create-index "$NPK" create -q -s "$KEY" --timestamp "$TS" --search-index "$A1" "$C"
	CW1+=("$T_WALL") CC1+=("$T_CPU") CR1+=("$T_RSS")
	say "  create --search-index: $(fmt_time "$T_WALL"), cpu $(fmt_time "$T_CPU"), $(fmt_mib "$T_RSS")"
done
NC_US=$(printf '%s\n' "${CW0[@]}" | median)
NC_CPU=$(printf '%s\n' "${CC0[@]}" | median)
NC_RSS=$(printf '%s\n' "${CR0[@]}" | median)
S_NPK=$(fsize "$A0")
NI_US=0 NI_CPU=0 NI_RSS=0 S_NPKI=0 V_US=0
if [ "$HAVE_INDEX" = 1 ]; then
	NI_US=$(printf '%s\n' "${CW1[@]}" | median)
	NI_CPU=$(printf '%s\n' "${CC1[@]}" | median)
	NI_RSS=$(printf '%s\n' "${CR1[@]}" | median)
	S_NPKI=$(fsize "$A1")
	timed_run verify "$NPK" verify -q -p "$PUB" "$A1"
	V_US=$T_WALL
fi
fi

# ------------------------------------------------------------------ the ZIM, with and without its Xapian index
# zimwriterfs's mandatory metadata, as run.sh; -j leaves the full-text index
# out, so the index's bytes are the difference of the two files (the title
# index is in both).
ZIMFLAGS=(-w index.html -I illustration.png -l eng -t "newspack bench" -d "News articles"
	-c newspack-bench -p newspack-bench -n newspack-bench)
# The peers' builds take long at 1,000,000 articles: with --keep, a later
# run reuses them (and their figures, from peers.stamp) while N, the seed
# and the pages match, to measure newspack again alone.
PSTAMP=$W/peers.stamp
Z1=$W/indexed.zim
Z0=$W/plain.zim
F0=$W/fts-contentless.db
F1=$W/fts.db
pwant="$hwant $(zimwriterfs --version 2>&1 | head -n 1) $(sqlite3 --version | cut -d' ' -f1)"
if [ -f "$PSTAMP" ] && [ "$(head -n 1 "$PSTAMP")" = "$pwant" ] && [ -f "$Z1" ] && [ -f "$F0" ] && [ -f "$F1" ]; then
	say "zimwriterfs and sqlite3: reusing the builds of an earlier run ($PSTAMP)"
	eval "$(tail -n +2 "$PSTAMP")"
else
say "zimwriterfs (its own threads, 4 by default)"
rm -f "$Z1" "$Z0"
long_run zim-index "$HBYTES" "zimwriterfs (with the Xapian index)" zimwriterfs "${ZIMFLAGS[@]}" "$H" "$Z1"
Z1_US=$T_WALL Z1_CPU=$T_CPU Z1_RSS=$T_RSS
long_run zim-plain "$HBYTES" "zimwriterfs -j (no full-text index)" zimwriterfs -j "${ZIMFLAGS[@]}" "$H" "$Z0"
Z0_US=$T_WALL Z0_CPU=$T_CPU Z0_RSS=$T_RSS
S_Z1=$(fsize "$Z1")
S_Z0=$(fsize "$Z0")
rm -f "$Z0"

# ------------------------------------------------------------------ SQLite FTS5 on the same text
# One table of the articles (fsdir() of sqlite3's shell reads every file):
# the headline, the byline, the body (the text after them), each indexed
# (porter stemming over unicode61 without diacritics, as newspack stems
# English and folds case and marks), and the path and date (from the path),
# stored but not indexed, for the hits and the date filter. Built twice:
# contentless (content=''), for the size of the index alone, and with the
# text, which snippet() needs, for the queries. Both merged into one b-tree
# ('optimize') after loading, as a finished archive is.
fts_sql() { # CONTENTLESS(0|1)
	local opt="" cols="path UNINDEXED, date UNINDEXED, "
	[ "$1" = 1 ] && { opt=", content=''"; cols=""; }
	cat <<EOF
PRAGMA journal_mode=OFF;
PRAGMA synchronous=OFF;
CREATE VIRTUAL TABLE doc USING fts5(${cols}title, byline, body, tokenize='porter unicode61 remove_diacritics 2'$opt);
WITH f(name, t) AS (SELECT name, CAST(data AS TEXT) FROM fsdir('.') WHERE name LIKE '%.txt'),
g(name, t, p) AS (SELECT name, t, instr(t, char(10)) FROM f),
h(name, title, r) AS (SELECT name, substr(t, 1, p - 1), substr(t, p + 2) FROM g)
INSERT INTO doc SELECT $([ "$1" = 1 ] || echo "substr(name, 3), substr(name, 3, 4) || '-' || substr(name, 8, 2) || '-' || substr(name, 11, 2),")
	title, substr(r, 1, instr(r, char(10)) - 1), substr(r, instr(r, char(10)) + 2) FROM h;
INSERT INTO doc(doc) VALUES('optimize');
EOF
}
F0=$W/fts-contentless.db
F1=$W/fts.db
say "sqlite3 FTS5"
rm -f "$F0" "$F1"
fts_sql 1 >"$W/fts-contentless.sql"
fts_sql 0 >"$W/fts.sql"
cd "$C" || die "cannot enter $C"   # fsdir('.') names the files ./YYYY/MM/DD/...
long_run fts-contentless "$CONTENT" "FTS5 contentless (content='')" sqlite3 -bail "$F0" ".read $W/fts-contentless.sql"
F0_US=$T_WALL F0_CPU=$T_CPU F0_RSS=$T_RSS
long_run fts "$CONTENT" "FTS5 with the text" sqlite3 -bail "$F1" ".read $W/fts.sql"
F1_US=$T_WALL F1_CPU=$T_CPU F1_RSS=$T_RSS
cd "$W" || die "cannot enter $W"
[ "$(sqlite3 "$F1" 'SELECT count(*) FROM doc')" = "$N" ] || die "the FTS5 table does not hold $N rows"
[ "$(sqlite3 "$F0" 'SELECT count(*) FROM doc_docsize')" = "$N" ] || die "the contentless FTS5 table does not hold $N rows"
S_F0=$(fsize "$F0")
S_F1=$(fsize "$F1")
{
	echo "$pwant"
	for v in Z1_US Z1_CPU Z1_RSS Z0_US Z0_CPU Z0_RSS S_Z1 S_Z0 F0_US F0_CPU F0_RSS F1_US F1_CPU F1_RSS S_F0 S_F1; do
		eval "echo $v=\$$v"
	done
} >"$PSTAMP"
fi
if [ "$PEERS_ONLY" = 1 ]; then
	say "--peers-only: the peers' files and figures are in $W ($PSTAMP); run again with --keep to measure"
	exit 0
fi

# ------------------------------------------------------------------ the query mix
# 40 queries, by kind. Terms from bench/words.h: common (in 30% to 95% of the
# articles), rare (a word of the vocabulary's tail, or an invented surname, in
# under 0.5%), two words, phrases of gen.c's templates, a word of the
# headline, a date range with a word, and the boolean operators. newspack
# takes each as written; the others take the closest they have:
#   zimsearch: no fields, no dates and no positions in a ZIM's index:
#     title:W is the word W anywhere, date:A..B W the word W alone, and a
#     phrase its words anywhere (Xapian turns it into AND): all match more
#   FTS5: title:W is FTS5's own column filter; date:A..B W is MATCH 'W' and
#     date BETWEEN 'A-01' AND 'B-31' (the date of the path)
QUERIES='common|said
common|government
common|police
common|council
common|minister
common|year
rare|galaxy
rare|obesity
rare|rainfall
rare|particle
rare|drontard
rare|zunova
two words|police court
two words|bank loan
two words|government budget
two words|hospital strike
two words|election poll
two words|market inflation
two words|school teacher
two words|minister resign
phrase|"told reporters"
phrase|"according to figures from"
phrase|"it was not clear whether"
phrase|"compared with"
phrase|"speaking to reporters"
phrase|"more than a decade"
title|title:council
title|title:election
title|title:profit
title|title:poll
title|title:market
title|title:hospital
date range|date:2024-12..2024-12 police
date range|date:2024-11..2024-12 galaxy
date range|date:2024-10..2024-12 election
date range|date:2024-07..2024-12 government
date range|date:2024-01..2024-12 hospital
date range|date:2023-01..2024-12 strike
boolean|strike OR protest
boolean|bank NOT loan'
QK=() QN=() QZ=() QF=() QD=()
while IFS='|' read -r kind q; do
	QK+=("$kind") QN+=("$q")
	d=$(printf '%s\n' "$q" | grep -o 'date:[0-9-]*\.\.[0-9-]*' || true)
	rest=$(printf '%s\n' "$q" | sed 's/date:[0-9-]*\.\.[0-9-]* *//')
	QZ+=("$(printf '%s\n' "$rest" | sed 's/title://g')")
	QF+=("$rest")
	if [ -n "$d" ]; then
		lo=${d#date:} lo=${lo%%..*} hi=${d##*..}
		QD+=(" AND date BETWEEN '$lo-01' AND '$hi-31'")
	else
		QD+=("")
	fi
done <<<"$QUERIES"
NQ=${#QN[@]}
KINDS=(common rare "two words" phrase title "date range" boolean)

fts_query() { # I: the SQL of query I (top 10 by bm25, with a snippet)
	local m=${QF[$1]//\'/\'\'}
	echo "SELECT path, title, date, bm25(doc), snippet(doc, -1, '[', ']', '...', 12) FROM doc WHERE doc MATCH '$m'${QD[$1]} ORDER BY rank LIMIT 10;"
}
fts_count() { local m=${QF[$1]//\'/\'\'}; echo "SELECT count(*) FROM doc WHERE doc MATCH '$m'${QD[$1]};"; }
# the three commands of query I: each one process, as a reader would run it
cmd_npk() { CMD=("$NPK" search -p "$PUB" -n 10 "$A1" "${QN[$1]}"); }
cmd_zim() { CMD=(zimsearch "$Z1" "${QZ[$1]}"); }
cmd_fts() { CMD=(sqlite3 -readonly -bail "$F1" "$(fts_query "$1")"); }
TOOLS=(fts zim)
[ "$HAVE_SEARCH" = 1 ] && [ "$HAVE_INDEX" = 1 ] && TOOLS=(npk zim fts)

# qtime TOOL I: one timed run of query I, around the process alone (as the
# other short commands are); any output on stderr is a failure (zimsearch
# reports its errors there and exits 0)
qtime() {
	local t0 t1 rc
	"cmd_$1" "$2"
	t0=$(us_now)
	"${CMD[@]}" >/dev/null 2>"$W/q.err"
	rc=$?
	t1=$(us_now)
	[ "$rc" = 0 ] && [ ! -s "$W/q.err" ] || die "$1 query ${QN[$2]} failed (exit $rc): $(head -n 3 "$W/q.err")"
	Q_US=$((t1 - t0))
}

FLOOR=$(floor)
say "queries: $NQ, one untimed pass (under GNU time: max RSS, and the number of matches), then $R timed"
declare -A MATCHED QRSS QTIMES
for i in $(seq 0 $((NQ - 1))); do
	for t in "${TOOLS[@]}"; do
		"cmd_$t" "$i"
		/usr/bin/time -f '%M' -o "$W/q.time" "${CMD[@]}" >"$W/q.out" 2>"$W/q.err"
		rc=$?
		[ "$rc" = 0 ] && [ ! -s "$W/q.err" ] || die "$t query ${QN[$i]} failed (exit $rc): $(head -n 3 "$W/q.err")"
		QRSS[$t,$i]=$(tail -n 1 "$W/q.time")
		case $t in
		zim) MATCHED[$t,$i]=$(grep -c '^article ' "$W/q.out") ;;
		fts) MATCHED[$t,$i]=$(sqlite3 -readonly "$F1" "$(fts_count "$i")") ||
			die "FTS5 count of ${QN[$i]} failed" ;;
		npk) # the matches, and the shape of the hits, from --json
			"${CMD[@]}" --json >"$W/q.json" 2>"$W/q.err" || die "newspack search --json ${QN[$i]} failed: $(head -n 3 "$W/q.err")"
			MATCHED[$t,$i]=$(python3 - "$W/q.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
hits = j["hits"]
assert isinstance(j["matched"], int) and len(hits) <= 10 and j["matched"] >= len(hits), "matched/hits"
for h in hits:
    for k in ("archive", "path", "title", "date", "score", "snippet"):
        assert k in h, "hit without " + k
print(j["matched"])
PY
			) || die "newspack search --json ${QN[$i]}: not the documented output: $(head -c 300 "$W/q.json")" ;;
		esac
	done
	say "  $(printf '%-40s' "${QN[$i]}") matches:$(for t in "${TOOLS[@]}"; do printf ' %s %s' "$t" "${MATCHED[$t,$i]}"; done)"
done
# the timed passes: each query by each tool in turn, so drift on the machine falls on all alike
for r in $(seq 1 "$R"); do
	for i in $(seq 0 $((NQ - 1))); do
		for t in "${TOOLS[@]}"; do
			qtime "$t" "$i"
			QTIMES[$t,$i]="${QTIMES[$t,$i]:-} $Q_US"
		done
	done
	say "  pass $r of $R done"
done

# figures per tool: p50, p95 of every timed process; the largest max RSS; per kind, the median
declare -A P50 P95 MAXRSS KMED KMATCH
for t in "${TOOLS[@]}"; do
	all=""
	m=0
	for i in $(seq 0 $((NQ - 1))); do
		all="$all ${QTIMES[$t,$i]}"
		[ "${QRSS[$t,$i]}" -gt "$m" ] && m=${QRSS[$t,$i]}
	done
	P50[$t]=$(printf '%s\n' $all | pctl 50)
	P95[$t]=$(printf '%s\n' $all | pctl 95)
	MAXRSS[$t]=$m
	for k in "${KINDS[@]}"; do
		ts="" ms=""
		for i in $(seq 0 $((NQ - 1))); do
			[ "${QK[$i]}" = "$k" ] || continue
			ts="$ts ${QTIMES[$t,$i]}"
			ms="$ms ${MATCHED[$t,$i]}"
		done
		KMED[$t,$k]=$(printf '%s\n' $ts | median)
		KMATCH[$t,$k]=$(printf '%s\n' $ms | median)
	done
	say "  $t: p50 $(fmt_time "${P50[$t]}"), p95 $(fmt_time "${P95[$t]}"), largest max RSS $(fmt_mib "${MAXRSS[$t]}")"
done
# every query, for the record: kind, query, then each tool's matches and median time (us)
{
	printf 'kind\tquery'
	for t in "${TOOLS[@]}"; do printf '\t%s matches\t%s median us' "$t" "$t"; done
	echo
	for i in $(seq 0 $((NQ - 1))); do
		printf '%s\t%s' "${QK[$i]}" "${QN[$i]}"
		for t in "${TOOLS[@]}"; do printf '\t%s\t%s' "${MATCHED[$t,$i]}" "$(printf '%s\n' ${QTIMES[$t,$i]} | median)"; done
		echo
	done
} >"$W/queries.tsv"

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
NOPE="not measured"
have() { [ "$HAVE_INDEX" = 1 ] && [ "$HAVE_SEARCH" = 1 ]; }
TARGETS=()
target() { # NAME OK TEXT
	local v=FAIL
	[ "$2" = 1 ] && v=PASS
	TARGETS+=("| $1 | $3 | $v |")
	say "  target $1: $3 -> $v"
}
if have; then
	IDX=$((S_NPKI - S_NPK))
	RI=$(ratio4 "$IDX" "$S_NPK")
	le "$RI" 0.30 && ok=1 || ok=0
	target "index size" "$ok" "($S_NPKI - $S_NPK) B / $S_NPK B = $RI of the archive without it (at most 0.30)"
	RT=$(ratio4 "$NI_US" "$NC_US")
	le "$RT" 1.5 && ok=1 || ok=0
	target "create time" "$ok" "create --search-index $(fmt_time "$NI_US") / create $(fmt_time "$NC_US") = $RT (at most 1.5)"
	le "${P50[npk]}" 50000 && ok=1 || ok=0
	target "query p50" "$ok" "$(fmt_time "${P50[npk]}") (at most 50 ms)"
	le "${P95[npk]}" 200000 && ok=1 || ok=0
	target "query p95" "$ok" "$(fmt_time "${P95[npk]}") (at most 200 ms)"
	R50=$(ratio4 "${P50[npk]}" "${P50[zim]}")
	R95=$(ratio4 "${P95[npk]}" "${P95[zim]}")
	le "$R50" 1 && le "$R95" 1 && ok=1 || ok=0
	target "against zimsearch" "$ok" "newspack / zimsearch: p50 $R50, p95 $R95 (each at most 1)"
	le "${MAXRSS[npk]}" 65536 && ok=1 || ok=0
	target "memory" "$ok" "newspack search's largest max RSS $(fmt_mib "${MAXRSS[npk]}") (at most 64 MiB)"
else
	IDX=0 RI=$NOPE
fi
cell_t() { if [ "$1" = npk ] && ! have; then echo "$NOPE"; else fmt_time "$2"; fi; }

ZF=""   # zimwriterfs's flags as typed
for a in "${ZIMFLAGS[@]}"; do case $a in *' '*) ZF="$ZF \"$a\"" ;; *) ZF="$ZF $a" ;; esac; done
DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
T=$W/section.md
{
	echo "## Search: the full-text index and 40 queries on $N documents"
	echo
	echo "$DATE, \`sh bench/search.sh -n $N -r $R --rcreate $RC -s $SEED\`: the whole run took $(fmt_time "$TOTAL")$( [ "$GEN_US" -gt 0 ] && echo ", of which $(fmt_time "$GEN_US") to generate the corpus")$( [ "$HTML_US" -gt 0 ] && echo " and $(fmt_time "$HTML_US") to write it as HTML")."
	echo
	echo "- machine: $(nproc) cores, $(grep -m 1 'model name' /proc/cpuinfo | sed 's/.*: //'); $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo) of memory; $(df -T "$W" | awk 'NR==2 {print $2}') under $(dirname "$W")/; warm cache (the corpus and the pages read once before the first timed run; each query run once untimed before the timed passes)"
	echo "- other work on the machine: while this ran, processes other than the benchmark used $OTHERS (load average $LOAD0 at the start, $LOAD1 at the end)$(awk -v o="${OTHERS%%%*}" 'BEGIN{ if (o + 0 >= 10) print ": the times are those of a shared machine, the sizes exact" }')"
	echo "- $("$NPK" --version 2>&1 | head -n 1), commit $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null)$(cd "$ROOT" && git diff --quiet HEAD -- src include 2>/dev/null || echo ' with local changes'); zim-tools $(dpkg-query -W -f='${Version}' zim-tools 2>/dev/null || echo '?') (libzim $(dpkg-query -W -f='${Version}' libzim8 2>/dev/null || echo '?'), Xapian $(dpkg-query -W -f='${Version}' libxapian30 2>/dev/null || echo '?')); sqlite3 $(sqlite3 --version | cut -d' ' -f1)"
	echo "- corpus: \`build/bench-gen -n $N -s $SEED\`, $(fmt_size "$CONTENT") of text; the same articles as HTML pages for zimwriterfs ($(fmt_size "$HBYTES"): the headline as \`<title>\` and \`<h1>\`, the byline and each paragraph as \`<p>\`, plus the welcome page and the 48x48 PNG it requires)"
	echo "- create: \`newspack create -q -s KEY --timestamp $TS [--search-index] OUT.npk CORPUS\`, $RC run$( [ "$RC" = 1 ] || echo s) of each, alternating, after \`sync\`, under GNU time; medians$(have && echo "; the indexed archive passes \`newspack verify\` ($(fmt_time "$V_US"))"). zimwriterfs: \`zimwriterfs$ZF [-j] PAGES OUT.zim\` (\`-j\`: no full-text index; the Xapian index's bytes are the difference of the two files), once each. FTS5: one \`sqlite3\` loading every file through \`fsdir()\` into \`fts5(title, byline, body, tokenize='porter unicode61 remove_diacritics 2')\`, then \`optimize\`; contentless (\`content=''\`) for the index's size, and with the text (and the path and date, unindexed) for the queries, since \`snippet()\` needs the text"
	echo "- queries: 40, of 7 kinds (below; the list is in bench/search.sh), run once untimed, then $R passes, each query by each tool in turn; every process timed alone around the command (bash's EPOCHREALTIME: starting an external \`/bin/true\` that way costs $(fmt_time "$FLOOR") here, in every time); p50 and p95 (nearest rank) of all $((NQ * R)) processes of a tool; max RSS from GNU time's \`%M\` in the untimed pass, the largest of the 40"
	echo "- commands: \`newspack search -p PUB -n 10 ARCHIVE QUERY\` (the 10 best, with snippets); \`zimsearch ZIM QUERY\` (zim-tools $(dpkg-query -W -f='${Version}' zim-tools 2>/dev/null): it has no limit and prints every match, title and score, without snippets); \`sqlite3 -readonly DB \"SELECT path, title, date, bm25(doc), snippet(doc, -1, ...) FROM doc WHERE doc MATCH 'QUERY' [AND date BETWEEN ...] ORDER BY rank LIMIT 10\"\` (rank is bm25). The ZIM's index has no fields, no dates and no positions (libzim indexes without them): there \`title:W\` is W anywhere, \`date:A..B W\` is W alone and a phrase is its words anywhere (Xapian's AND); FTS5 takes \`title:W\` as its column filter and the date range as a condition on the path's date"
	echo
	echo "| | build: wall | CPU | max RSS | file | its index | index / newspack archive without it |"
	echo "|---|---:|---:|---:|---:|---:|---:|"
	echo "| newspack create | $(fmt_time "$NC_US") | $(fmt_time "$NC_CPU") | $(fmt_mib "$NC_RSS") | $S_NPK B | | |"
	if have; then
		echo "| newspack create --search-index | $(fmt_time "$NI_US") | $(fmt_time "$NI_CPU") | $(fmt_mib "$NI_RSS") | $S_NPKI B | $IDX B | $RI |"
	else
		echo "| newspack create --search-index | $NOPE | | | | | |"
	fi
	echo "| zimwriterfs -j (no full-text index) | $(fmt_time "$Z0_US") | $(fmt_time "$Z0_CPU") | $(fmt_mib "$Z0_RSS") | $S_Z0 B | | |"
	echo "| zimwriterfs (Xapian index) | $(fmt_time "$Z1_US") | $(fmt_time "$Z1_CPU") | $(fmt_mib "$Z1_RSS") | $S_Z1 B | $((S_Z1 - S_Z0)) B ($(pct_of $((S_Z1 - S_Z0)) "$S_Z0") of the ZIM without it) | $(ratio4 $((S_Z1 - S_Z0)) "$S_NPK") |"
	echo "| FTS5, contentless | $(fmt_time "$F0_US") | $(fmt_time "$F0_CPU") | $(fmt_mib "$F0_RSS") | $S_F0 B | $S_F0 B | $(ratio4 "$S_F0" "$S_NPK") |"
	echo "| FTS5 with the text (queried) | $(fmt_time "$F1_US") | $(fmt_time "$F1_CPU") | $(fmt_mib "$F1_RSS") | $S_F1 B | | |"
	echo
	echo "zimwriterfs took $(fmt_time $((Z1_US * 10000 / N))) per 10,000 pages with its index, $(fmt_time $((Z0_US * 10000 / N))) without."
	echo
	echo "| queries (each process) | p50 | p95 | largest max RSS | newspack / this: p50 | p95 |"
	echo "|---|---:|---:|---:|---:|---:|"
	for t in npk zim fts; do
		case $t in npk) lab="newspack search -n 10" ;; zim) lab="zimsearch (every match)" ;; fts) lab="sqlite3 FTS5, bm25, snippet(), LIMIT 10" ;; esac
		if [ "$t" = npk ] && ! have; then
			echo "| $lab | $NOPE | | | | |"
		elif [ "$t" = npk ]; then
			echo "| $lab | $(fmt_time "${P50[npk]}") | $(fmt_time "${P95[npk]}") | $(fmt_mib "${MAXRSS[npk]}") | | |"
		else
			echo "| $lab | $(fmt_time "${P50[$t]}") | $(fmt_time "${P95[$t]}") | $(fmt_mib "${MAXRSS[$t]}") | $(have && ratio4 "${P50[npk]}" "${P50[$t]}" || echo -) | $(have && ratio4 "${P95[npk]}" "${P95[$t]}" || echo -) |"
		fi
	done
	echo
	echo "| kind (queries) | example | newspack: median, matches | zimsearch | FTS5 |"
	echo "|---|---|---:|---:|---:|"
	for k in "${KINDS[@]}"; do
		n=0 ex=""
		for i in $(seq 0 $((NQ - 1))); do
			[ "${QK[$i]}" = "$k" ] || continue
			n=$((n + 1))
			[ -z "$ex" ] && ex=${QN[$i]}
		done
		row="| $k ($n) | \`$ex\` |"
		for t in npk zim fts; do
			if [ "$t" = npk ] && ! have; then row="$row $NOPE |"; continue; fi
			row="$row $(fmt_time "${KMED[$t,$k]}"), ${KMATCH[$t,$k]} |"
		done
		echo "$row"
	done
	echo
	echo "Matches: the median over the kind's queries of the number each tool found (zimsearch's for \`title:\` and dates are those of the word alone, for phrases those of the words in any place). Every query's matches and median time: \`queries.tsv\` of the work folder (kept with \`--keep\`)."
	if have; then
		echo
		echo "| target | measured | verdict |"
		echo "|--------|----------|---------|"
		printf '%s\n' "${TARGETS[@]}"
	fi
} >"$T"
cat "$T"
say "every query: $W/queries.tsv"

if ! have; then
	say ""
	say "search.sh: the peers are measured (above), but newspack is not:$([ "$HAVE_INDEX" = 1 ] || echo " its create has no --search-index;")$([ "$HAVE_SEARCH" = 1 ] || echo " it has no search command;") build a newspack with full-text search (issue 17) and run this again. RESULTS.md is unchanged; the work folder $W is kept."
	exit 1
fi
[ "$WRITE" = 1 ] && put_section search "$T"
[ "$KEEP" = 1 ] || rm -rf "$W"
exit 0
