#!/bin/sh
# The proofs benchmark (issue 14): proof size, `newspack prove` and
# `check-proof` times (warm and cold), the bytes prove reads, and create's
# extra cost for the Merkle tree, at 10,000 / 100,000 / 1,000,000 documents;
# written to bench/RESULTS.md (section "proofs"). See bench/README.md.
#
#   sh bench/proofs.sh [--max N] [-r R] [--rbig R] [-k K] [-s SEED] [--keep] [--no-results]
#   sh bench/run.sh --only-proofs [same options]
#
# --max N: stop after the sizes up to N (N itself when it is under 10,000);
# -r: create runs per size (3), --rbig: at 1,000,000 (default -r); -k: runs of
# each prove and check-proof timing (11). Runs while others build are not
# benchmarks: the section says how much of the machine other work used.
if [ -z "${BASH_VERSION:-}" ]; then
	exec bash "$0" "$@"
fi
set -u
export LC_ALL=C

ROOT=$(cd "$(dirname "$0")/.." && pwd)
MAX=1000000
R=3
RBIG=""
K=11
SEED=1
KEEP=0
WRITE=1
usage() {
	sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
}
while [ $# -gt 0 ]; do
	case $1 in
	--max) MAX=$2; shift ;;
	-r) R=$2; shift ;;
	--rbig) RBIG=$2; shift ;;
	-k) K=$2; shift ;;
	-s) SEED=$2; shift ;;
	--keep) KEEP=1 ;;
	--no-results) WRITE=0 ;;
	-h|--help) usage ;;
	*) echo "proofs.sh: unknown option $1" >&2; usage ;;
	esac
	shift
done
RBIG=${RBIG:-$R}
case $MAX$R$RBIG$K$SEED in *[!0-9]*) echo "proofs.sh: --max, -r, --rbig, -k and -s take numbers" >&2; exit 2 ;; esac

NPK=$ROOT/newspack
GEN=$ROOT/build/bench-gen
LAY=$ROOT/tests/survival/layout.py
B=$ROOT/build/bench
W=$B/proofs
RESULTS=$ROOT/bench/RESULTS.md
. "$ROOT/bench/lib.sh"
mkdir -p "$W"

say() { printf '%s\n' "$*" >&2; }
die() { say "proofs.sh: $*"; exit 1; }

missing=""
for t in python3 strace; do
	command -v "$t" >/dev/null 2>&1 || missing="$missing $t"
done
[ -x /usr/bin/time ] || missing="$missing /usr/bin/time"
[ -z "$missing" ] || die "missing:$missing; run: sudo apt-get install time python3 strace"
[ -x "$NPK" ] || die "$NPK not built: run make"
[ -x "$ROOT/newspack-full" ] || die "$ROOT/newspack-full not built (create runs in it): run make"
[ -x "$GEN" ] || die "$GEN not built: run make build/bench-gen"

# ------------------------------------------------------------------ helpers
fmt_size() { awk -v b="$1" 'BEGIN{ if (b < 1000000) printf "%.1f KB", b/1000; else printf "%.2f MB", b/1000000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b == 0) print "-"; else printf "%.3f", a/b }'; }
grp() { echo "$1"; } # numbers as the other sections print them
evict() { # drops FILE's clean pages from the page cache (no root needed)
	python3 -c 'import os, sys; fd = os.open(sys.argv[1], os.O_RDONLY); os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED); os.close(fd)' "$1"
}
resident() { # FILE: pages of it in the page cache (fincore), or "?"
	command -v fincore >/dev/null 2>&1 && fincore -n -o PAGES "$1" 2>/dev/null | awk '{ print $1 }' || echo "?"
}

# The archive's structures, the page of a path, the bytes a traced run read,
# a proof's parts: spec/format.md 6, 7, 15.3, 15.13, 15.14 (standard library;
# the signed part found by tests/survival/layout.py's code).
PY='
import base64, importlib.util, re, struct, sys
spec = importlib.util.spec_from_file_location("lay", sys.argv[1])
lay = importlib.util.module_from_spec(spec); spec.loader.exec_module(lay)
u = lay.u
def archive(path):
    f = open(path, "rb")
    size = f.seek(0, 2)
    ssize, _ = lay.signed_part(f, size)
    f.seek(ssize - 32)
    m_off, m_size, sig_size = u("QII", f.read(32))
    f.seek(m_off)
    man = f.read(m_size)
    pt_off, pt_size, ct_size = u("QII", man, 56)
    f.seek(pt_off)
    pt = f.read(pt_size)
    pages, o = [], 0
    while o + 62 <= len(pt):
        off, length, raw, first, count = u("QIIQI", pt, o)
        flen = u("H", pt, o + 60)[0]
        pages.append((off, length, count, pt[o + 62:o + 62 + flen]))
        o += 62 + flen
    meta_len = u("H", man, 208)[0]
    e = 210 + meta_len
    n_ext = u("H", man, e)[0]
    e += 2
    tree = (0, 0)
    for _ in range(n_ext):
        typ, flags, length = u("HHI", man, e)
        if typ == 1:
            for i in range(u("I", man, e + 8)[0]):
                t, _, _, so, sl = u("HHIQQ", man, e + 12 + 56 * i)
                if t == 4:
                    tree = (so, sl)
        e += 8 + length
    return dict(size=size, m_off=m_off, m_size=m_size, sig=sig_size, pt_off=pt_off,
                pt_size=pt_size, ct_size=ct_size, pages=pages, tree=tree, ssize=ssize)
def page_of(a, p):
    k = max([i for i, pg in enumerate(a["pages"]) if pg[3] <= p] or [0])
    return k, (a["pages"] or [(0, 0, 0, b"")])[k]
cmd, path = sys.argv[2], sys.argv[3]
if cmd == "page":            # ARCHIVE PATH: page, its object bytes, entries; the tables, manifest, signature
    a = archive(path)
    k, pg = page_of(a, sys.argv[4].encode())
    print(k, pg[1], pg[2], a["pt_size"], a["ct_size"], a["m_size"], a["sig"], a["tree"][1])
elif cmd == "reads":         # ARCHIVE PATH STRACE...: bytes read by class
    a = archive(path)
    k, pg = page_of(a, sys.argv[4].encode())
    cls = dict(opening=0, pagetable=0, clustertable=0, page=0, tree=0, other=0, all=0)
    calls = dict(tree=0, all=0)
    rx = re.compile(r"^(pread64|read|readv|preadv|preadv2)\(\d+<([^>]*)>.*?(?:, (\d+))?\) += (\d+)$")
    for t in sys.argv[5:]:
        for line in open(t, errors="replace"):
            m = rx.match(line.rstrip("\n"))
            if not m or int(m.group(4)) <= 0:
                continue
            n = int(m.group(4))
            cls["all"] += n
            if m.group(2) != path:
                continue
            calls["all"] += 1
            off = int(m.group(3)) if m.group(1) == "pread64" else -1
            if off < 0:
                c = "other"
            elif a["tree"][1] and a["tree"][0] <= off < a["tree"][0] + a["tree"][1]:
                c = "tree"; calls["tree"] += 1
            elif pg[0] <= off < pg[0] + pg[1]:
                c = "page"
            elif a["pt_off"] <= off < a["pt_off"] + a["pt_size"]:
                c = "pagetable"
            elif a["pt_off"] + a["pt_size"] <= off < a["pt_off"] + a["pt_size"] + a["ct_size"]:
                c = "clustertable"
            elif off < 32 or off >= a["m_off"]:
                c = "opening"
            else:
                c = "other"
            cls[c] += n
    archive_total = sum(v for k2, v in cls.items() if k2 != "all")
    print(archive_total, cls["opening"], cls["pagetable"], cls["clustertable"], cls["page"],
          cls["tree"], cls["other"], cls["all"], calls["all"], calls["tree"])
elif cmd == "proof":         # PROOF: bytes, hash lines, manifest line, leaf line, metadata bytes
    text = open(path, "rb").read()
    lines = text.split(b"\n")
    get = lambda p: next(l for l in lines if l.startswith(p))
    leaf = base64.b64decode(get(b"leaf ")[5:])
    pl = u("H", leaf, 2)[0]
    ml = leaf[4 + pl + 40]
    meta = u("H", leaf, 4 + pl + 41 + ml)[0]
    print(len(text), sum(1 for l in lines if l.startswith(b"hash ")), len(get(b"manifest ")) + 1,
          len(get(b"leaf ")) + 1, meta)
'
py() { python3 -c "$PY" "$LAY" "$@"; }

# ------------------------------------------------------------------ the run
SIZES=()
for n in 10000 100000 1000000; do
	[ "$n" -le "$MAX" ] && SIZES+=("$n")
done
[ ${#SIZES[@]} -gt 0 ] || SIZES=("$MAX")

KEYS=$B/keys
export XDG_CONFIG_HOME=$B/config
if [ ! -f "$KEYS/npk.key" ]; then
	mkdir -p "$KEYS"
	"$NPK" keygen -W -f -p "$KEYS/npk.pub" -s "$KEYS/npk.key" >/dev/null || die "newspack keygen failed"
fi
PUB=$KEYS/npk.pub

# timed_run KEY CMD...: one run, its wall time (us) into T_WALL, GNU time's max
# RSS (KiB) and CPU (us) into T_RSS, T_CPU; output to $W/KEY.out/.err
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
	[ $rc = 0 ] || die "$key failed (exit $rc): $(head -n 3 "$W/$key.err")"
}
# quick KEY COLD CMD...: K runs timed around the command alone (bash's
# EPOCHREALTIME, no GNU time: these take milliseconds); COLD=1 evicts the
# archive $ARCH from the page cache before each run. Median (us) into Q.
quick() {
	local key=$1 cold=$2 i t0 t1 walls=""
	shift 2
	if [ "$cold" = 0 ]; then # warm: one untimed run first
		rm -f "$W/q.proof"
		"$@" >/dev/null 2>&1
	fi
	for i in $(seq 1 "$K"); do
		rm -f "$W/q.proof"
		[ "$cold" = 1 ] && evict "$ARCH"
		t0=$(us_now)
		"$@" >/dev/null 2>"$W/$key.err" || die "$key failed: $(head -n 3 "$W/$key.err")"
		t1=$(us_now)
		walls="$walls $((t1 - t0))"
	done
	Q=$(printf '%s\n' $walls | median)
}
# the floor under every quick time: an external /bin/true started the same way
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

corpus() { # DIR N: generated once; reused while N, the seed and the generator match
	local dir=$1 n=$2 want t0 t1
	want="n=$n seed=$SEED gen=$(cat "$ROOT/bench/gen.c" "$ROOT/bench/words.h" | sha256sum | cut -c1-16)"
	GENERATED=0
	if [ -d "$dir" ] && [ "$(cat "$dir.stamp" 2>/dev/null)" = "$want" ]; then
		say "corpus: reusing $dir"
		GEN_T[$n]=0
		return
	fi
	rm -rf "$dir" "$dir.stamp" "$dir.zimsrc"
	say "corpus: generating $n articles in $dir"
	t0=$(us_now)
	"$GEN" -q -n "$n" -s "$SEED" "$dir" || die "bench-gen failed"
	t1=$(us_now)
	echo "$want" >"$dir.stamp"
	GEN_T[$n]=$((t1 - t0))
	GENERATED=1
}

declare -A GEN_T CONTENT DISK CW CC CR SZ NPROVE PW PC PB2
START=$(us_now)
B0=$(busy)
kids_cpu; C0=$(cat "$W/kids")
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
FLOOR=$(floor)
say "floor (an external /bin/true timed the same way): $(fmt_time "$FLOOR")"
PROVE_ROWS=$W/prove.md READ_ROWS=$W/reads.md CREATE_ROWS=$W/create.md
: >"$PROVE_ROWS"
: >"$READ_ROWS"
: >"$CREATE_ROWS"
TARGETS=()
target() { # NAME VALUE LIMIT TEXT
	local v=FAIL
	[ "$2" != "-" ] && le "$2" "$3" && v=PASS
	TARGETS+=("| $1 | $4 | $v |")
	say "  target $1: $4 -> $v"
}
PEAK_DISK=0
disk_note() { # the bytes under $B now (corpus and archives), the largest seen
	local d
	d=$(du -s -B1 "$B" 2>/dev/null | awk '{ print $1 }')
	[ "${d:-0}" -gt "$PEAK_DISK" ] && PEAK_DISK=$d
}

for n in "${SIZES[@]}"; do
	C=$B/corpus-$n-s$SEED
	corpus "$C" "$n"
	made=$GENERATED
	CONTENT[$n]=$(find "$C" -type f -printf '%s\n' | awk '{ s += $1 } END { printf "%.0f\n", s }')
	DISK[$n]=$(du -s -B1 "$C" | awk '{ print $1 }')
	say "corpus: $n documents, $(fmt_size "${CONTENT[$n]}") of content, $(fmt_size "${DISK[$n]}") on disk"
	find "$C" -type f -exec cat {} + >/dev/null # into the page cache

	# create with the tree (default) and --no-tree, alternating, one archive at a time
	ARCH=$W/a-$n.npk
	AN=$W/a-$n-notree.npk
	runs=$R
	[ "$n" -ge 1000000 ] && runs=$RBIG
	wt="" wn="" ct="" cn="" rt="" rn=""
	last=""
	for i in $(seq 1 "$runs"); do
		order="notree tree"
		[ $((i % 2)) = 0 ] && order="tree notree"
		for v in $order; do
			rm -f "$ARCH" "$AN"
			if [ $v = tree ]; then
				timed_run "create-$n-tree" "$NPK" create -q -s "$KEYS/npk.key" --timestamp 2025-01-01 "$ARCH" "$C"
				wt="$wt $T_WALL" ct="$ct $T_CPU" rt="$rt $T_RSS"
				SZ[$n.tree]=$(fsize "$ARCH")
			else
				timed_run "create-$n-notree" "$NPK" create -q -s "$KEYS/npk.key" --timestamp 2025-01-01 --no-tree "$AN" "$C"
				wn="$wn $T_WALL" cn="$cn $T_CPU" rn="$rn $T_RSS"
				SZ[$n.notree]=$(fsize "$AN")
			fi
			say "  create $v, run $i: $(fmt_time "$T_WALL") (CPU $(fmt_time "$T_CPU")), $(fmt_mib "$T_RSS")"
			disk_note
			last=$v
		done
	done
	rm -f "$AN"
	if [ "$last" != tree ]; then # the archive prove reads: the same bytes again (--timestamp)
		"$NPK" create -q -s "$KEYS/npk.key" --timestamp 2025-01-01 "$ARCH" "$C" || die "create failed"
	fi
	CW[$n.tree]=$(printf '%s\n' $wt | median) CW[$n.notree]=$(printf '%s\n' $wn | median)
	CC[$n.tree]=$(printf '%s\n' $ct | median) CC[$n.notree]=$(printf '%s\n' $cn | median)
	CR[$n.tree]=$(printf '%s\n' $rt | median) CR[$n.notree]=$(printf '%s\n' $rn | median)
	d=$((SZ[$n.tree] - SZ[$n.notree]))
	tl=$(py page "$ARCH" "" 2>/dev/null | awk '{ print $8 }')
	echo "| $(grp "$n") | $(fmt_size "${CONTENT[$n]}") | $runs | $(fmt_time "${CW[$n.tree]}") | $(fmt_time "${CW[$n.notree]}") | **$(ratio4 "${CW[$n.tree]}" "${CW[$n.notree]}")** | $(ratio4 "${CC[$n.tree]}" "${CC[$n.notree]}") | $(grp "${SZ[$n.tree]}") | $(grp "${SZ[$n.notree]}") | $(grp "$d") ($(grp "${tl:-0}") the section) | $(awk -v d="$d" -v n="$n" 'BEGIN{ printf "%.2f", d / n }') | $(awk -v d="$d" -v s="${SZ[$n.notree]}" 'BEGIN{ printf "%.2f%%", 100 * d / s }') | $(fmt_mib "${CR[$n.tree]}") | $(fmt_mib "${CR[$n.notree]}") |" >>"$CREATE_ROWS"

	# the documents: first, middle and last of the index, and three at random
	"$NPK" list -p "$PUB" "$ARCH" >"$W/list" || die "list failed"
	nl=$(wc -l <"$W/list")
	picks="1:first $(( (nl + 1) / 2 )):middle $nl:last"
	for r in $(awk -v n="$nl" -v s="$SEED" 'BEGIN { srand(s); for (i = 0; i < 3; i++) printf "%d\n", 1 + int(rand() * n) }'); do
		picks="$picks $r:random"
	done
	NPROVE[$n]=0
	for pk in $picks; do
		line=${pk%%:*} pos=${pk#*:}
		P=$(sed -n "${line}p" "$W/list")
		PR=$W/p.proof
		rm -f "$PR"
		"$NPK" prove -p "$PUB" "$ARCH" "$P" -o "$PR" --json >"$W/prove.json" || die "prove $P failed"
		leaf=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["proofs"][0]["leaf"])' "$W/prove.json")
		read -r pbytes phash pman _ pmeta <<<"$(py proof "$PR")"
		quick "prove" 0 "$NPK" prove -p "$PUB" "$ARCH" "$P" -o "$W/q.proof"
		pw=$Q
		sync
		quick "prove-cold" 1 "$NPK" prove -p "$PUB" "$ARCH" "$P" -o "$W/q.proof"
		pc=$Q
		res_after=$(evict "$ARCH"; resident "$ARCH")
		quick "check" 0 "$NPK" check-proof -q -p "$PUB" "$PR" "$C/$P"
		ck=$Q
		timed_run "prove-rss" "$NPK" prove -p "$PUB" "$ARCH" "$P" -o "$W/r.proof"
		rm -f "$W/r.proof"
		prss=$T_RSS
		rm -rf "$W/strace" "$W/s.proof"
		mkdir -p "$W/strace"
		strace -ff -qq -y -s 0 -e trace=read,pread64,readv,preadv,preadv2 -o "$W/strace/t" \
			"$NPK" prove -p "$PUB" "$ARCH" "$P" -o "$W/s.proof" >/dev/null 2>&1 || die "prove under strace failed"
		read -r rd_a rd_open rd_pt rd_ct rd_page rd_tree rd_other rd_all _ rd_tcalls <<<"$(py reads "$ARCH" "$P" "$W/strace"/t.*)"
		rm -rf "$W/strace" "$W/s.proof"
		read -r _ pg_len pg_count pt_size _ m_size sig_size _ <<<"$(py page "$ARCH" "$P")"
		nearest=$((pg_len + pt_size + m_size + sig_size))
		say "  $pos (leaf $leaf): proof $pbytes B, $phash hashes; prove $(fmt_time "$pw") warm, $(fmt_time "$pc") cold; check-proof $(fmt_time "$ck"); read $rd_a B of the archive ($rd_tree of the tree in $rd_tcalls reads)"
		echo "| $(grp "$n") | $pos | $(grp "$leaf") | $phash | $(grp "$pbytes") | $(grp "$pman") | $(grp "$((pbytes - pman - (pmeta * 4 + 2) / 3))") | $(fmt_time "$pw") | $(fmt_time "$pc") | $(fmt_time "$ck") | $(fmt_mib "$prss") |" >>"$PROVE_ROWS"
		echo "| $(grp "$n") | $pos | $(grp "$rd_a") | $(grp "$rd_open") | $(grp "$rd_pt") | $(grp "$rd_ct") | $(grp "$rd_page") | $(grp "$rd_tree") ($rd_tcalls reads) | $(grp "$rd_other") | $(grp "$rd_all") | $(grp "$pbytes") | $(grp "$nearest") ($(grp "$pg_len") + $(grp "$pt_size") + $(grp "$m_size") + $(grp "$sig_size")), $((pg_count - 1)) other entries | **$(ratio "$nearest" "$pbytes")** | $(grp "${SZ[$n.tree]}") | $(awk -v a="${SZ[$n.tree]}" -v b="$pbytes" 'BEGIN{ printf "%.0f", a / b }') |" >>"$READ_ROWS"
		NPROVE[$n]=$((NPROVE[$n] + 1))
		PW[$n.$pos.$line]=$pw PC[$n.$pos.$line]=$pc
		PB2[$n.$pos.$line]=$((pbytes - pman - (pmeta * 4 + 2) / 3))
		RESIDENT=$res_after
	done
	disk_note
	[ "$KEEP" = 1 ] || rm -f "$ARCH"
	if [ "$made" = 1 ] && [ "$KEEP" = 0 ]; then
		rm -rf "$C" "$C.stamp"
	fi
done
END=$(us_now)
TOTAL=$((END - START))
B1=$(busy)
kids_cpu; C1=$(cat "$W/kids")
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)
HZ=$(getconf CLK_TCK)
# the CPU other work used while this ran: all busy time minus this script's
OTHERS=$(awk -v b="$((B1 - B0))" -v hz="$HZ" -v me="$(awk -v a="$C1" -v b="$C0" 'BEGIN{ print a - b }')" \
	-v t="$TOTAL" -v c="$(nproc)" 'BEGIN{ o = b / hz - me; if (o < 0) o = 0; printf "%.0f%% of the %d cores (%.0f s of CPU)", 100 * o / (t / 1000000 * c), c, o }')
say "total: $(fmt_time "$TOTAL"); other work used $OTHERS"

# ------------------------------------------------------------------ the section
BIG=${SIZES[${#SIZES[@]}-1]}
mx_w=0 mx_c=0 mx_b=0
for k in "${!PW[@]}"; do
	case $k in "$BIG".*) ;; *) continue ;; esac
	[ "${PW[$k]}" -gt "$mx_w" ] && mx_w=${PW[$k]}
	[ "${PC[$k]}" -gt "$mx_c" ] && mx_c=${PC[$k]}
	[ "${PB2[$k]}" -gt "$mx_b" ] && mx_b=${PB2[$k]}
done
target "prove at $(grp "$BIG")" "$mx_w" 50000 "slowest warm \`prove\` of the ${NPROVE[$BIG]} documents = $(fmt_time "$mx_w") (under 50 ms)"
target "prove at $(grp "$BIG"), cold" "$mx_c" 50000 "slowest cold \`prove\` (archive evicted) = $(fmt_time "$mx_c") (under 50 ms)"
target "proof size at $(grp "$BIG")" "$mx_b" 2048 "largest proof without its manifest line and the base64 of the document's metadata = $(grp "$mx_b") bytes (under 2 KB)"

gens=""
for n in "${SIZES[@]}"; do
	[ "${GEN_T[$n]:-0}" -gt 0 ] && gens="$gens, $(grp "$n"): $(fmt_time "${GEN_T[$n]}")"
done
# summary SIZES...: one row per size, medians (and the worst) over the documents
summary() {
	local n
	for n in "$@"; do
		awk -F' *[|] *' -v n="$n" '
			function med(a, k,   i, j, t) { for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
				return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2 }
			function mx(a, k,   i, m) { m = a[1]; for (i = 2; i <= k; i++) if (a[i] > m) m = a[i]; return m }
			FNR == 1 { f++ }
			$2 != n { next }
			f == 1 { p++; b[p] = $6; h[p] = $5; wo[p] = $8; w[p] = $9 + 0; c[p] = $10 + 0; k[p] = $11 + 0 }
			f == 2 { q++; rd[q] = $4; tr[q] = $9 + 0; nr[q] = $14; gsub(/[*]/, "", nr[q]); ar[q] = $16 }
			END { if (!p) exit
				printf "| %s | %d (%d to %d) | %d | %d | %.1f / %.1f ms | %.1f / %.1f ms | %.1f ms | %d | %d | %.0f | %.0f |\n", n,
					med(b, p), minv(b, p), mx(b, p), mx(h, p), mx(wo, p), med(w, p), mx(w, p), med(c, p), mx(c, p), med(k, p),
					med(rd, q), mx(tr, q), med(nr, q), med(ar, q) }
			function minv(a, k,   i, m) { m = a[1]; for (i = 2; i <= k; i++) if (a[i] < m) m = a[i]; return m }
		' "$PROVE_ROWS" "$READ_ROWS"
	done
}
DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
T=$W/section.md
{
	echo "## Per-article proofs: proof size, prove and check-proof, create's cost for the tree"
	echo
	echo "$DATE, \`sh bench/proofs.sh --max $MAX -r $R --rbig $RBIG -k $K -s $SEED\` (or \`sh bench/run.sh --only-proofs\`): the whole run took $(fmt_time "$TOTAL")${gens:+ (generating the corpora${gens})}."
	echo
	echo "- machine: $(nproc) cores, $(grep -m 1 'model name' /proc/cpuinfo | sed 's/.*: //'); $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo) of memory; kernel $(uname -r); $(df -T "$B" | awk 'NR==2 {print $2}') under build/bench/"
	echo "- **other work shared the machine**: while this ran, processes other than the benchmark used $OTHERS (the busy time of /proc/stat minus this script's children; load average $LOAD0 at the start, $LOAD1 at the end). $(awk -v o="${OTHERS%%%*}" 'BEGIN{ if (o + 0 >= 10) print "The times are those of a shared machine: slower, and noisier, than on an idle one; the sizes and bytes read are exact."; else print "The machine was close to idle." }')"
	echo "- $("$NPK" --version 2>&1 | head -n 1), commit $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null)$(cd "$ROOT" && git diff --quiet HEAD -- src include 2>/dev/null || echo ' with local changes')"
	echo "- corpora: \`build/bench-gen -n N -s $SEED\` (mean 3.1 KB a document);$(for n in "${SIZES[@]}"; do printf ' %s: %s of content, %s on disk;' "$(grp "$n")" "$(fmt_size "${CONTENT[$n]}")" "$(fmt_size "${DISK[$n]}")"; done) each corpus is deleted after its size (unless it was there before, or \`--keep\`), so at most $(fmt_size "$PEAK_DISK") were under build/bench/ at once"
	echo "- create: \`newspack create -q -s KEY --timestamp 2025-01-01 OUT CORPUS\` (the tree, the default) and the same with \`--no-tree\`, one thread per core (\`-j\` default), alternating, one archive on disk at a time, after \`sync\`; wall time around GNU time (\`%M\`: max RSS; CPU user+sys); medians. On a shared machine the CPU ratio is the steadier measure of the tree's cost: wall times there move with what else runs"
	echo "- prove: \`newspack prove -p PUB ARCHIVE PATH -o FILE\` of the first, middle and last document of the index (path order) and three drawn at random (seed $SEED); warm: median of $K runs after one untimed run; **cold**: median of $K runs, the archive's pages evicted from the page cache before each run by \`posix_fadvise(POSIX_FADV_DONTNEED)\` (python3, no root needed for clean pages; \`fincore\` counted ${RESIDENT:-?} pages of the archive resident after it), the program and its libraries still cached; check-proof: \`newspack check-proof -q -p PUB PROOF DOCUMENT\`, warm, median of $K. These are timed around the command alone with bash's EPOCHREALTIME: starting an external \`/bin/true\` that way costs $(fmt_time "$FLOOR") here, included in each time"
	echo "- bytes read: one more \`prove\` under \`strace -ff -y -e trace=read,pread64,readv,preadv,preadv2\`; every pread64 of the archive classed by its offset (tests/survival/layout.py and spec 6, 7, 15.3: header, trailers, manifest and signature = *opening*; the page table; the cluster table; the document's index page; the Merkle tree section, type 4)"
	echo
	echo "### Summary"
	echo
	echo "Over the ${NPROVE[$BIG]} documents of each size (tables below): medians, and the worst where it says so."
	echo
	echo "| documents | proof, bytes (median, range) | hashes (most) | without manifest and metadata (most) | prove warm (median / slowest) | prove cold (median / slowest) | check-proof | bytes prove reads (median) | of the tree section (most) | page + tables + manifest + signature / proof | archive / proof |"
	echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	summary "${SIZES[@]}"
	echo
	echo "### create's extra cost for the tree"
	echo
	echo "| documents | content | runs | create (tree) | create --no-tree | time ratio | CPU ratio | archive (tree), bytes | archive (--no-tree), bytes | difference, bytes | per document | of the archive | max RSS (tree) | max RSS (--no-tree) |"
	echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	cat "$CREATE_ROWS"
	echo
	echo "### Proofs: size, prove and check-proof"
	echo
	echo "The proof is one \`npk-proof/v1\` text (spec 15.14): the leaf data, index, size, the hashes (one line each), the manifest, the minisign signature lines. \"Without manifest and metadata\" takes away the manifest line and the base64 of the document's metadata, what the issue's \"under 2 KB\" is about."
	echo
	echo "| documents | document | leaf | hashes | proof, bytes | of which the manifest line | without manifest and metadata | prove, warm | prove, cold | check-proof (with the document) | prove max RSS |"
	echo "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	cat "$PROVE_ROWS"
	echo
	echo "### What prove reads, and the smallest proof without a tree"
	echo
	echo "No archive format in use has a per-article proof: ZIM, WARC/WACZ, BagIt, tar and zip sign (when they do) whole files, so proving one document means handing over the signed file. The closest comparison (issue 14): the whole .npk, or the least of it that proves one document without the tree: the document's index page (it holds the entry's digest; its object bytes) + the page table (the page's digest) + the manifest (the table's digest) + the signature block; the page also reveals the other entries' paths and titles."
	echo
	echo "| documents | document | read from the archive | opening | page table | cluster table | index page | tree section | other | all reads (libraries, key) | proof | page + page table + manifest + signature | / proof | archive | / proof |"
	echo "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|"
	cat "$READ_ROWS"
	echo
	echo "Every command's opening reads the page table and the cluster table whole (the cost model in bench/README.md: about 0.7 bytes a document), so at large sizes they are most of what prove reads; its reads of the tree section follow the proof's path, O(log n) hashes (about 20 KB in some 25 reads), whatever the size."
	echo
	echo "| target | measured | verdict |"
	echo "|--------|----------|---------|"
	printf '%s\n' "${TARGETS[@]}"
} >"$T"
cat "$T"

[ "$WRITE" = 1 ] && put_section proofs "$T"
exit 0
