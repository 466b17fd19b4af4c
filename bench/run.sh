#!/bin/sh
# The newspack benchmark: newspack and its peers on the same generated corpus,
# in the same run, several times each; prints medians and ratios and writes
# bench/RESULTS.md. See bench/README.md.
#
#   sh bench/run.sh [-n N] [-r R] [-s SEED] [--scale] [--corpus [DIR]] [--cold]
#                   [--extract-to DIR] [--only-scale] [--only-corpus] [--only-startup]
#                   [--keep] [--no-results] [--survival]
#   sh bench/run.sh --only-survival [--mb MB] [-r R] [-s SEED]   (bench/survival.sh)
#   sh bench/run.sh --only-proofs [--max N] [-r R] [-k K] [-s SEED]   (bench/proofs.sh)
#   sh bench/run.sh --only-editions [--base N] [--editions E] [--per P]   (bench/editions.sh)
#   sh bench/run.sh --only-dedup [--corpus DIR]   (bench/dedup.sh)
#   sh bench/run.sh --only-merge [-n N] [--shares K] [-r R]   (bench/merge.sh)
#   sh bench/run.sh --only-search [-n N] [-r R] [--rcreate R]   (bench/search.sh)
#   sh bench/run.sh --only-seal [--corpus DIR] [-r R]   (bench/seal.sh)
#
# POSIX sh starts it; the rest needs bash (EPOCHREALTIME, arrays).
if [ -z "${BASH_VERSION:-}" ]; then
	exec bash "$0" "$@"
fi
set -u
export LC_ALL=C

ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=100000
R=3
SEED=1
SCALE=0
CORPUS=0
MAIN=1
SURVIVAL=0
COLD=0
KEEP=0
WRITE=1
SHARED=$ROOT/../shared/corpus
EXTRACT_TO=""
SLOW=${BENCH_SLOW:-12}      # a peer whose first run takes longer (seconds) runs once
FASTRUNS=${BENCH_FASTRUNS:-11}  # a command whose first run is under 0.5 s runs this often

usage() {
	sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
}
while [ $# -gt 0 ]; do
	case $1 in
	-n) N=$2; shift ;;
	-r) R=$2; shift ;;
	-s) SEED=$2; shift ;;
	--scale) SCALE=1 ;;
	--only-scale) SCALE=1; MAIN=0 ;;
	--corpus) CORPUS=1
		if [ $# -gt 1 ] && [ "${2#-}" = "$2" ]; then SHARED=$2; shift; fi ;;
	--only-corpus) CORPUS=1; MAIN=0 ;;
	--only-startup) MAIN=0 ;;
	--survival) SURVIVAL=1 ;;
	--only-survival) shift; exec bash "$(dirname "$0")/survival.sh" "$@" ;;
	--only-proofs) shift; exec bash "$(dirname "$0")/proofs.sh" "$@" ;;
	--only-editions) shift; exec bash "$(dirname "$0")/editions.sh" "$@" ;;
	--only-dedup) shift; exec bash "$(dirname "$0")/dedup.sh" "$@" ;;
	--only-merge) shift; exec bash "$(dirname "$0")/merge.sh" "$@" ;;
	--only-search) shift; exec bash "$(dirname "$0")/search.sh" "$@" ;;
	--only-seal) shift; exec bash "$(dirname "$0")/seal.sh" "$@" ;;
	--cold) COLD=1 ;;
	--keep) KEEP=1 ;;
	--extract-to) EXTRACT_TO=$2; shift ;;
	--no-results) WRITE=0 ;;
	-h|--help) usage ;;
	*) echo "run.sh: unknown option $1" >&2; usage ;;
	esac
	shift
done
case $N$R$SEED in *[!0-9]*) echo "run.sh: -n, -r and -s take numbers" >&2; exit 2 ;; esac

NPK=$ROOT/newspack
GEN=$ROOT/build/bench-gen
W=$ROOT/build/bench
RESULTS=$ROOT/bench/RESULTS.md
. "$ROOT/bench/lib.sh"   # put_section: RESULTS.md keeps one section per kind of run
mkdir -p "$W"
START=$EPOCHREALTIME

say() { printf '%s\n' "$*" >&2; }
die() { say "run.sh: $*"; exit 1; }

# ------------------------------------------------------------------ peers
need_tools() {
	local missing="" t
	for t in tar gzip pigz zip unzip zimwriterfs zimcheck zimdump minisign hyperfine mksquashfs unsquashfs; do
		command -v "$t" >/dev/null 2>&1 || missing="$missing $t"
	done
	[ -x /usr/bin/time ] || missing="$missing /usr/bin/time"
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" = 0 ]; then
		say "missing:$missing; installing them with bench/deps.sh"
		sh "$ROOT/bench/deps.sh" || die "bench/deps.sh failed"
	else
		say "the benchmark needs:$missing"
		say "Run:  sudo apt-get install pigz zip unzip zim-tools minisign time hyperfine squashfs-tools"
		exit 1
	fi
}
need_tools
[ -x "$NPK" ] || die "$NPK not built: run make"
[ -x "$GEN" ] || die "$GEN not built: run make build/bench-gen"

# ------------------------------------------------------------------ helpers
# Where "extract all" writes. File creation on the disk of the machine this was
# tuned on costs about 0.5 ms of kernel time a file and varies threefold from
# run to run, which would drown the archivers' own costs; so by default the
# documents go to a tmpfs (/dev/shm) when it has room, the same for every tool.
# extract_dir BYTES: sets EX_BASE and EX_DESC
extract_dir() {
	local need=$(( $1 * 2 / 1024 + 1048576 )) free
	if [ -n "$EXTRACT_TO" ]; then
		mkdir -p "$EXTRACT_TO" || die "cannot make $EXTRACT_TO"
		EX_BASE=$(cd "$EXTRACT_TO" && pwd)/newspack-bench-extract
	elif [ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ] &&
	     free=$(df -Pk /dev/shm | awk 'NR==2 {print $4}') && [ "$free" -gt "$need" ]; then
		EX_BASE=/dev/shm/newspack-bench-extract-$$
	else
		EX_BASE=$W/extract
	fi
	EX_DESC="$(df -PT "$(dirname "$EX_BASE")" | awk 'NR==2 {print $2}') ($(dirname "$EX_BASE"))"
}
cleanup() { [ -n "${EX_BASE:-}" ] && rm -rf "$EX_BASE"; }
trap cleanup EXIT
trap 'exit 130' INT TERM



# The cost of starting a process under GNU time here: the floor under every wall time.
timer_floor() {
	local i walls="" t0 t1
	for i in 1 2 3 4 5 6 7 8 9 10 11; do
		t0=$(us_now)
		/usr/bin/time -f '%M' -o "$W/time.out" true
		t1=$(us_now)
		walls="$walls $((t1 - t0))"
	done
	FLOOR=$(printf '%s\n' $walls | median)
}

fmt_size() { awk -v b="$1" 'BEGIN{ printf "%.2f MB", b/1000000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b == 0) print "-"; else printf "%.3f", a/b }'; }

drop_caches() {
	[ "$COLD" = 1 ] || return 0
	sync
	if [ -w /proc/sys/vm/drop_caches ]; then
		echo 3 >/proc/sys/vm/drop_caches
	fi
}

# Results: WALL[key] (median, us), CPU[key] (median user+sys, us), RSS[key] (median, KiB),
# RUNS[key], RC[key], SIZE[key] (bytes)
declare -A WALL CPU RSS RUNS RC SIZE LABEL

# measure KEY LABEL RUNS MODE PREP -- command...
#   MODE: "peer" may drop to one run when slow; "fast" gets more runs when quick.
#   PREP is evaluated before every run, untimed (then sync, and a cache drop with --cold).
measure() {
	local key=$1 label=$2 runs=$3 mode=$4 prep=$5
	shift 6
	local i=0 walls="" cpus="" rsss="" rc=0 t0 t1 dt m c
	while [ $i -lt "$runs" ]; do
		[ -n "$prep" ] && eval "$prep"
		sync
		drop_caches
		t0=$(us_now)
		/usr/bin/time -f '%M %U %S' -o "$W/time.out" "$@" >/dev/null 2>"$W/stderr.out"
		rc=$?
		t1=$(us_now)
		dt=$((t1 - t0))
		read -r m c <<<"$(tail -n 1 "$W/time.out" | awk '{printf "%d %.0f", $1, ($2 + $3) * 1000000}')"
		walls="$walls $dt"
		rsss="$rsss $m"
		cpus="$cpus $c"
		if [ $rc != 0 ]; then
			say "  $label: exit code $rc"
			sed -n '1,5p' "$W/stderr.out" >&2
		fi
		if [ $i = 0 ]; then
			if [ "$mode" = peer ] && [ "$dt" -gt $((SLOW * 1000000)) ] && [ "$runs" -gt 1 ]; then
				say "  $label: $(fmt_time $dt) for one run: not repeated"
				runs=1
			elif [ "$dt" -lt 500000 ] && [ "$runs" -lt "$FASTRUNS" ]; then
				runs=$FASTRUNS
			fi
		fi
		i=$((i + 1))
	done
	WALL[$key]=$(printf '%s\n' $walls | median)
	RSS[$key]=$(printf '%s\n' $rsss | median)
	CPU[$key]=$(printf '%s\n' $cpus | median)
	RUNS[$key]=$runs
	RC[$key]=$rc
	LABEL[$key]=$label
	say "  $(printf '%-44s' "$label") $(printf '%10s' "$(fmt_time ${WALL[$key]})")  cpu $(printf '%10s' "$(fmt_time ${CPU[$key]})")  $(printf '%10s' "$(fmt_mib ${RSS[$key]})")  x$runs"
}


# corpus DIR N: generates the corpus once; reused while N, SEED and the generator match
corpus() {
	local dir=$1 n=$2 stamp want
	want="n=$n seed=$SEED gen=$(cat "$ROOT/bench/gen.c" "$ROOT/bench/words.h" | sha256sum | cut -c1-16)"
	stamp=$dir.stamp
	if [ -d "$dir" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
		say "corpus: reusing $dir ($n articles, seed $SEED)"
		return 0
	fi
	rm -rf "$dir" "$dir.zimsrc" "$stamp"
	say "corpus: generating $n articles (seed $SEED) in $dir"
	local t0 t1
	t0=$(us_now)
	"$GEN" -q -n "$n" -s "$SEED" "$dir" || die "bench-gen failed"
	t1=$(us_now)
	echo "$want" >"$stamp"
	GEN_TIME=$((t1 - t0))
	say "corpus: written in $(fmt_time $GEN_TIME)"
}

# A 48x48 grey PNG, for zimwriterfs's illustration.
write_png() {
	printf '\211\120\116\107\015\012\032\012\000\000\000\015\111\110\104\122\000\000\000\060\000\000\000\060\010\000\000\000\000\162\151\246\133\000\000\000\057\111\104\101\124\170\332\143\070\003\005\306\120\100\210\317\060\252\201\046\032\210\125\010\343\217\152\240\215\206\321\324\072\232\037\106\065\214\346\207\321\374\060\252\001\013\037\000\222\030\173\275\160\351\071\004\000\000\000\000\111\105\116\104\256\102\140\202' >"$1"
}

# zimsrc SRC DST: a hard-linked copy of SRC with the welcome page and illustration zimwriterfs wants
zimsrc() {
	local src=$1 dst=$2
	if [ ! -f "$dst/illustration.png" ]; then
		rm -rf "$dst"
		cp -al "$src" "$dst" 2>/dev/null || cp -R "$src" "$dst"
		chmod u+w "$dst"
		write_png "$dst/illustration.png"
		printf '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>newspack benchmark corpus</title></head>\n<body><p>Articles of the newspack benchmark corpus.</p></body></html>\n' >"$dst/index.html"
	fi
}
ZIMFLAGS=(-j -w index.html -I illustration.png -l eng -t "newspack bench" -d "News articles"
	-c newspack-bench -p newspack-bench -n newspack-bench)

# keys for newspack and minisign, made once
K=$W/keys
export XDG_CONFIG_HOME=$W/config
if [ ! -f "$K/npk.key" ] || [ ! -f "$K/ms.key" ]; then
	rm -rf "$K" "$XDG_CONFIG_HOME"
	mkdir -p "$K"
	"$NPK" keygen -W -f -p "$K/npk.pub" -s "$K/npk.key" >/dev/null || die "newspack keygen failed"
	minisign -G -W -f -p "$K/ms.pub" -s "$K/ms.key" >/dev/null || die "minisign -G failed"
fi

# newspack create variants: the default, then each codec and documented level
NPK_HELP=$("$NPK" create --help 2>&1)
NPK_VARIANTS=("zlib")
declare -A NPK_OPTS=([zlib]="")
if printf '%s' "$NPK_HELP" | grep -q -- '--codec' && printf '%s' "$NPK_HELP" | grep -q zstd; then
	NPK_VARIANTS+=("zstd")
	NPK_OPTS[zstd]="--codec zstd"
	zmax=$(printf '%s' "$NPK_HELP" | grep -o 'zstd [0-9]*-[0-9]*' | head -n 1 | sed 's/.*-//')
	if [ -n "$zmax" ]; then
		NPK_VARIANTS+=("zstd$zmax")
		NPK_OPTS[zstd$zmax]="--codec zstd --level $zmax"
	fi
fi

# ------------------------------------------------------------------ versions and machine
versions() {
	local v
	echo "| tool | version |"
	echo "|------|---------|"
	echo "| newspack | $("$NPK" --version 2>&1 | head -n 1), commit $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null)$(cd "$ROOT" && git diff --quiet HEAD -- src include 2>/dev/null || echo ' with local changes') |"
	echo "| GNU tar | $(tar --version | head -n 1 | sed 's/.* //') |"
	echo "| gzip | $(gzip --version | head -n 1 | sed 's/.* //') |"
	echo "| pigz | $(pigz --version 2>&1 | head -n 1 | sed 's/.* //') |"
	echo "| zip | $(zip -v | sed -n 2p | awk '{print $4}') |"
	echo "| unzip | $(unzip -v | head -n 1 | awk '{print $2}') |"
	v=$(dpkg-query -W -f='${Version}' zim-tools 2>/dev/null)
	echo "| zim-tools (zimwriterfs, zimcheck, zimdump) | ${v:-$(zimdump --version 2>&1 | head -n 1)} |"
	echo "| minisign | $(minisign -v 2>&1 | head -n 1 | sed 's/.* //') |"
	echo "| GNU time | $(dpkg-query -W -f='${Version}' time 2>/dev/null || echo '?') |"
}
machine() {
	local cpu mem
	cpu=$(grep -m 1 'model name' /proc/cpuinfo | sed 's/.*: //')
	mem=$(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)
	echo "- cores: $(nproc); CPU: $cpu; memory: $mem; kernel: $(uname -r)"
	echo "- disk: $(df -T "$W" | awk 'NR==2 {print $2}') file system under build/bench/"
	if [ "$COLD" = 1 ] && [ -w /proc/sys/vm/drop_caches ]; then
		echo "- cache: **cold** (page cache dropped before every timed run)"
	else
		echo "- cache: **warm**: the corpus and the archives are in the page cache (24 GiB of memory holds them all); every timed run starts after \`sync\`"
	fi
}

# ------------------------------------------------------------------ the main table
TARGETS=()
target() { # NAME VALUE LIMIT TEXT
	local verdict=FAIL
	le "$2" "$3" && verdict=PASS
	TARGETS+=("| $1 | $4 | $verdict |")
	say "  target $1: $4 -> $verdict"
}

run_main() {
	local C=$W/corpus-$N-s$SEED O=$W/out-$N ex last v
	corpus "$C" "$N"
	mkdir -p "$O"
	local ndocs bytes
	ndocs=$(find "$C" -type f | wc -l)
	bytes=$(find "$C" -type f -printf '%s\n' | awk '{s+=$1} END{printf "%.0f\n", s}')
	last=$(cd "$C" && find . -type f | sort | tail -n 1 | sed 's|^\./||')
	say "corpus: $ndocs documents, $bytes bytes; last document: $last"
	extract_dir "$bytes"
	ex=$EX_BASE
	MAIN_EX=$EX_DESC
	zimsrc "$C" "$C.zimsrc"
	# warm the page cache with the corpus
	tar cf - -C "$C" . >/dev/null

	say "create"
	for v in "${NPK_VARIANTS[@]}"; do
		local r=$R mode=npk
		case $v in zstd[0-9]*) r=1; mode=peer ;; esac
		# shellcheck disable=SC2086
		measure "create.npk.$v" "newspack create${NPK_OPTS[$v]:+ ${NPK_OPTS[$v]}}" $r $mode "rm -f '$O/a-$v.npk'" -- \
			"$NPK" create -q -s "$K/npk.key" --timestamp 2025-01-01 ${NPK_OPTS[$v]} "$O/a-$v.npk" "$C"
		SIZE[npk.$v]=$(fsize "$O/a-$v.npk")
	done
	measure create.targz "tar czf + minisign -S" "$R" peer "rm -f '$O/a.tar.gz' '$O/a.tar.gz.minisig'" -- \
		sh -c 'tar czf "$1" -C "$2" . && minisign -S -s "$3" -m "$1" -x "$1.minisig" >/dev/null' sh "$O/a.tar.gz" "$C" "$K/ms.key"
	SIZE[targz]=$(fsize "$O/a.tar.gz")
	measure create.pigz "tar -I pigz -cf + minisign -S" "$R" peer "rm -f '$O/p.tar.gz' '$O/p.tar.gz.minisig'" -- \
		sh -c 'tar -I pigz -cf "$1" -C "$2" . && minisign -S -s "$3" -m "$1" -x "$1.minisig" >/dev/null' sh "$O/p.tar.gz" "$C" "$K/ms.key"
	SIZE[pigz]=$(fsize "$O/p.tar.gz")
	measure create.zip "zip -r" "$R" peer "rm -f '$O/a.zip'" -- \
		sh -c 'cd "$2" && zip -q -r "$1" .' sh "$O/a.zip" "$C"
	SIZE[zip]=$(fsize "$O/a.zip")
	measure create.zim "zimwriterfs -j" "$R" peer "rm -f '$O/a.zim'" -- \
		zimwriterfs "${ZIMFLAGS[@]}" "$C.zimsrc" "$O/a.zim"
	SIZE[zim]=$(fsize "$O/a.zim")

	say "verify"
	for v in "${NPK_VARIANTS[@]}"; do
		measure "verify.npk.$v" "newspack verify${NPK_OPTS[$v]:+ (${NPK_OPTS[$v]})}" "$R" npk "" -- \
			"$NPK" verify -q -p "$K/npk.pub" "$O/a-$v.npk"
	done
	measure verify.gz "gzip -t + minisign -V" "$R" peer "" -- \
		sh -c 'gzip -t "$1" && minisign -V -q -p "$2" -m "$1" -x "$1.minisig"' sh "$O/a.tar.gz" "$K/ms.pub"
	measure verify.zim "zimcheck -A" "$R" peer "" -- zimcheck -A "$O/a.zim"

	say "list"
	measure list.npk "newspack list" "$R" npk "" -- "$NPK" list -p "$K/npk.pub" "$O/a-zlib.npk"
	measure list.tar "tar tzf" "$R" peer "" -- tar tzf "$O/a.tar.gz"
	measure list.zip "unzip -l" "$R" peer "" -- unzip -l "$O/a.zip"
	measure list.zim "zimdump list" "$R" peer "" -- zimdump list "$O/a.zim"

	say "one document: $last"
	measure cat.npk "newspack cat" "$R" npk "" -- "$NPK" cat -p "$K/npk.pub" "$O/a-zlib.npk" "$last"
	measure cat.tar "tar xzf -O" "$R" peer "" -- tar xzf "$O/a.tar.gz" -O "./$last"
	measure cat.zip "unzip -p" "$R" peer "" -- unzip -p "$O/a.zip" "$last"
	measure cat.zim "zimdump show --url" "$R" peer "" -- zimdump show --url="$last" "$O/a.zim"
	# each gave the right bytes (checked once, untimed)
	"$NPK" cat -p "$K/npk.pub" "$O/a-zlib.npk" "$last" | cmp -s - "$C/$last" || say "  WRONG: newspack cat output differs"
	tar xzf "$O/a.tar.gz" -O "./$last" | cmp -s - "$C/$last" || say "  WRONG: tar output differs"
	unzip -p "$O/a.zip" "$last" | cmp -s - "$C/$last" || say "  WRONG: unzip output differs"
	zimdump show --url="$last" "$O/a.zim" | cmp -s - "$C/$last" || say "  WRONG: zimdump output differs"

	say "extract all"
	local fresh="rm -rf '$ex'; mkdir -p '$ex'"
	measure extract.npk "newspack extract" "$R" npk "$fresh" -- "$NPK" extract -q -p "$K/npk.pub" -C "$ex" "$O/a-zlib.npk"
	[ "$(find "$ex" -type f | wc -l)" = "$ndocs" ] || say "  WRONG: newspack extract wrote $(find "$ex" -type f | wc -l) files"
	cmp -s "$ex/$last" "$C/$last" || say "  WRONG: newspack extract: $last differs"
	measure extract.tar "tar xzf" "$R" peer "$fresh" -- tar xzf "$O/a.tar.gz" -C "$ex"
	measure extract.zip "unzip" "$R" peer "$fresh" -- unzip -q "$O/a.zip" -d "$ex"
	rm -rf "$ex"

	# ---------------------------------------------------------- table
	local T=$W/table-main.md
	{
		echo "| operation | command | runs | wall (median) | CPU user+sys (median) | max RSS (median) | newspack / this (wall) |"
		echo "|-----------|---------|-----:|--------------:|----------------------:|-----------------:|-----------------------:|"
		row() { # key section basekey
			local k=$1 sec=$2 base=$3 r="-"
			[ -n "$base" ] && [ "$base" != "$k" ] && r=$(ratio "${WALL[$base]}" "${WALL[$k]}")
			echo "| $sec | \`${LABEL[$k]}\` | ${RUNS[$k]} | $(fmt_time "${WALL[$k]}") | $(fmt_time "${CPU[$k]}") | $(fmt_mib "${RSS[$k]}") | $r |"
		}
		for v in "${NPK_VARIANTS[@]}"; do row "create.npk.$v" create ""; done
		row create.targz create create.npk.zlib
		row create.pigz create create.npk.zlib
		row create.zip create create.npk.zlib
		row create.zim create create.npk.zlib
		for v in "${NPK_VARIANTS[@]}"; do row "verify.npk.$v" "full verify" ""; done
		row verify.gz "full verify" verify.npk.zlib
		row verify.zim "full verify" verify.npk.zlib
		row list.npk list ""
		row list.tar list list.npk
		row list.zip list list.npk
		row list.zim list list.npk
		row cat.npk "one document" ""
		row cat.tar "one document" cat.npk
		row cat.zip "one document" cat.npk
		row cat.zim "one document" cat.npk
		row extract.npk "extract all" ""
		row extract.tar "extract all" extract.npk
		row extract.zip "extract all" extract.npk
		echo
		echo "| archive | bytes | size | of the content | newspack (zlib) / this |"
		echo "|---------|------:|-----:|---------------:|-----------------------:|"
		srow() {
			echo "| $2 | ${SIZE[$1]} | $(fmt_size "${SIZE[$1]}") | $(awk -v a="${SIZE[$1]}" -v b="$bytes" 'BEGIN{printf "%.1f%%", 100*a/b}') | $3 |"
		}
		for v in "${NPK_VARIANTS[@]}"; do
			srow "npk.$v" "newspack${NPK_OPTS[$v]:+ ${NPK_OPTS[$v]}}" "$( [ "$v" = zlib ] && echo - || ratio "${SIZE[npk.zlib]}" "${SIZE[npk.$v]}")"
		done
		srow targz "tar czf (.tar.gz)" "$(ratio "${SIZE[npk.zlib]}" "${SIZE[targz]}")"
		srow pigz "tar -I pigz (.tar.gz)" "$(ratio "${SIZE[npk.zlib]}" "${SIZE[pigz]}")"
		srow zip "zip -r (.zip)" "$(ratio "${SIZE[npk.zlib]}" "${SIZE[zip]}")"
		srow zim "zimwriterfs -j (.zim)" "$(ratio "${SIZE[npk.zlib]}" "${SIZE[zim]}")"
	} >"$T"

	TARGETS=()
	local r
	r=$(ratio4 "${WALL[create.npk.zlib]}" "${WALL[create.pigz]}")
	target "create time" "$r" 1.0 "newspack create / (tar -I pigz -cf + minisign -S) = $r (at most 1.0)"
	r=$(ratio4 "${SIZE[npk.zlib]}" "${SIZE[targz]}")
	target "create size" "$r" 1.02 "archive / tar czf's .tar.gz = $r (at most 1.02)"
	r=$(ratio4 "${WALL[verify.npk.zlib]}" "${WALL[verify.gz]}")
	target "full verify" "$r" 1.0 "newspack verify / (gzip -t + minisign -V) = $r (at most 1.0)"
	r=$(ratio4 "${WALL[list.npk]}" "${WALL[list.tar]}")
	target "list vs tar" "$r" 0.1 "newspack list / tar tzf = $r (at most 0.1)"
	r=$(ratio4 "${WALL[list.npk]}" "${WALL[list.zim]}")
	target "list vs zim" "$r" 1.0 "newspack list / zimdump list = $r (at most 1.0)"
	r=$(awk -v u="${WALL[cat.npk]}" 'BEGIN{printf "%.1f", u/1000}')
	target "cat time" "$r" 20 "newspack cat of the last document = $r ms (at most 20 ms)"
	r=$(ratio4 "${WALL[cat.npk]}" "${WALL[cat.zim]}")
	target "cat vs zim" "$r" 1.0 "newspack cat / zimdump show = $r (at most 1.0)"
	r=$(ratio4 "${WALL[extract.npk]}" "${WALL[extract.tar]}")
	target "extract all" "$r" 1.0 "newspack extract / tar xzf = $r (at most 1.0)"
	local op
	for op in create.npk.zlib verify.npk.zlib list.npk extract.npk; do
		r=$(awk -v k="${RSS[$op]}" 'BEGIN{printf "%.1f", k/1024}')
		target "memory: ${op%%.*}" "$r" 64 "max RSS of \`${LABEL[$op]}\` = $r MiB (at most 64 MiB)"
	done
	printf '%s\n' "${TARGETS[@]}" >"$W/targets-main.md"

	if command -v python3 >/dev/null 2>&1; then
		python3 "$ROOT/bench/layout.py" "$O/a-zlib.npk" "$last" >"$W/layout-main.md" 2>&1
	else
		echo "(python3 not found: no layout)" >"$W/layout-main.md"
	fi
	MAIN_DOCS=$ndocs
	MAIN_BYTES=$bytes
	MAIN_LAST=$last
	MAIN_GEN=${GEN_TIME:-}
}

# ------------------------------------------------------------------ --scale
run_scale() {
	local n C O ex last mid free
	free=$(df -Pk "$W" | awk 'NR==2 {print int($4/1048576)}')
	[ "$free" -ge 12 ] || die "--scale needs about 12 GB free under build/bench (have $free GB)"
	local T=$W/table-scale.md ST=()
	{
		echo "| documents | content | archive | create | verify | list | cat (last document) | cat (middle document) | extract all |"
		echo "|----------:|--------:|--------:|-------:|-------:|-----:|--------------------:|----------------------:|------------:|"
	} >"$T"
	for n in 10000 100000 1000000; do
		C=$W/corpus-$n-s$SEED
		O=$W/out-scale-$n
		corpus "$C" "$n"
		mkdir -p "$O"
		last=$(cd "$C" && find . -type f | sort | tail -n 1 | sed 's|^\./||')
		# the last document's cluster is whatever is left at the end (small at
		# 10,000, full at 1,000,000); the middle one's is a full cluster at
		# every scale, so it is the one that shows whether cat stays flat
		mid=$(cd "$C" && find . -type f | sort | sed -n "$((n / 2))p" | sed 's|^\./||')
		local bytes
		bytes=$(find "$C" -type f -printf '%s\n' | awk '{s+=$1} END{printf "%.0f\n", s}')
		extract_dir "$bytes"
		ex=$EX_BASE
		SCALE_EX=$EX_DESC
		tar cf - -C "$C" . >/dev/null
		say "scale: $n documents"
		local rr=$R
		[ "$n" -ge 1000000 ] && rr=1
		measure "s.create.$n" "newspack create ($n)" "$rr" npk "rm -f '$O/a.npk'" -- \
			"$NPK" create -q -s "$K/npk.key" --timestamp 2025-01-01 "$O/a.npk" "$C"
		SIZE[s.$n]=$(fsize "$O/a.npk")
		measure "s.verify.$n" "newspack verify ($n)" "$rr" npk "" -- "$NPK" verify -q -p "$K/npk.pub" "$O/a.npk"
		measure "s.list.$n" "newspack list ($n)" "$R" npk "" -- "$NPK" list -p "$K/npk.pub" "$O/a.npk"
		measure "s.cat.$n" "newspack cat ($n)" "$FASTRUNS" npk "" -- "$NPK" cat -p "$K/npk.pub" "$O/a.npk" "$last"
		measure "s.catmid.$n" "newspack cat, middle ($n)" "$FASTRUNS" npk "" -- "$NPK" cat -p "$K/npk.pub" "$O/a.npk" "$mid"
		measure "s.extract.$n" "newspack extract ($n)" "$rr" npk "rm -rf '$ex'; mkdir -p '$ex'" -- \
			"$NPK" extract -q -p "$K/npk.pub" -C "$ex" "$O/a.npk"
		rm -rf "$ex"
		cell() { echo "$(fmt_time "${WALL[$1]}") (CPU $(fmt_time "${CPU[$1]}")), $(fmt_mib "${RSS[$1]}")"; }
		echo "| $n | $(fmt_size "$bytes") | $(fmt_size "${SIZE[s.$n]}") | $(cell "s.create.$n") | $(cell "s.verify.$n") | $(cell "s.list.$n") | $(cell "s.cat.$n") | $(cell "s.catmid.$n") | $(cell "s.extract.$n") |" >>"$T"
		if command -v python3 >/dev/null 2>&1; then
			python3 "$ROOT/bench/layout.py" "$O/a.npk" "$last" >"$W/layout-$n.md" 2>&1
		else
			echo "(python3 not found: no layout)" >"$W/layout-$n.md"
		fi
		if [ "$n" -ge 1000000 ] && [ "$KEEP" = 0 ]; then
			rm -rf "$C" "$C.stamp" "$C.zimsrc" "$O"
			say "scale: removed the $n-document corpus and archive (--keep keeps them)"
		fi
	done
	TARGETS=()
	local r
	r=$(awk -v u="${WALL[s.cat.1000000]}" 'BEGIN{printf "%.1f", u/1000}')
	target "cat at 1,000,000" "$r" 20 "newspack cat of the last of 1,000,000 documents = $r ms (at most 20 ms)"
	r=$(ratio4 "${WALL[s.catmid.1000000]}" "${WALL[s.catmid.10000]}")
	target "cat flat" "$r" 1.5 "cat of the middle document (a full cluster at every scale) at 1,000,000 / at 10,000 documents = $r (flat: at most 1.5); the last document: $(ratio4 "${WALL[s.cat.1000000]}" "${WALL[s.cat.10000]}"), its cluster being small at 10,000"
	local op
	for op in create verify list extract; do
		r=$(ratio4 "${RSS[s.$op.1000000]}" "${RSS[s.$op.100000]}")
		target "memory flat: $op" "$r" 1.25 "max RSS of newspack $op at 1,000,000 / at 100,000 = $r ($(fmt_mib "${RSS[s.$op.100000]}") -> $(fmt_mib "${RSS[s.$op.1000000]}"); flat: at most 1.25)"
		r=$(awk -v k="${RSS[s.$op.1000000]}" 'BEGIN{printf "%.1f", k/1024}')
		target "memory: $op at 1,000,000" "$r" 64 "max RSS of newspack $op at 1,000,000 = $r MiB (at most 64 MiB)"
	done
	printf '%s\n' "${TARGETS[@]}" >"$W/targets-scale.md"
}

# ------------------------------------------------------------------ --corpus
# Sizes and create times on the real articles, where the codec targets are
# measured: no generated repetition flatters a long-window codec there.
run_corpus() {
	[ -d "$SHARED" ] || die "--corpus: $SHARED is not a folder"
	local S O=$W/out-shared v bytes n lv fast=""
	S=$(cd "$SHARED" && pwd)
	mkdir -p "$O"
	n=$(find "$S" -type f | wc -l)
	bytes=$(find "$S" -type f -printf '%s\n' | awk '{s+=$1} END{printf "%.0f\n", s}')
	say "corpus comparison on $S ($n files, $bytes bytes)"
	zimsrc "$S" "$W/shared.zimsrc"
	local T=$W/table-corpus.md
	# the fast zstd levels, for the "fastest setting" target
	local CV=("${NPK_VARIANTS[@]}")
	if [ -n "${NPK_OPTS[zstd]+x}" ]; then
		for lv in 1 2 3; do
			CV+=("zstd-l$lv")
			NPK_OPTS[zstd-l$lv]="--codec zstd --level $lv"
		done
	fi
	for v in "${CV[@]}"; do
		measure "c.npk.$v" "newspack create${NPK_OPTS[$v]:+ ${NPK_OPTS[$v]}}" "$R" peer "rm -f '$O/a-$v.npk'" -- \
			"$NPK" create -q -s "$K/npk.key" --timestamp 2025-01-01 ${NPK_OPTS[$v]} "$O/a-$v.npk" "$S"
		SIZE[c.npk.$v]=$(fsize "$O/a-$v.npk")
	done
	measure c.targz "tar czf" "$R" peer "rm -f '$O/a.tar.gz'" -- tar czf "$O/a.tar.gz" -C "$S" .
	SIZE[c.targz]=$(fsize "$O/a.tar.gz")
	measure c.pigz "tar -I pigz -cf" "$R" peer "rm -f '$O/a.pigz.tar.gz'" -- tar -I pigz -cf "$O/a.pigz.tar.gz" -C "$S" .
	SIZE[c.pigz]=$(fsize "$O/a.pigz.tar.gz")
	measure c.zip "zip -r" "$R" peer "rm -f '$O/a.zip'" -- sh -c 'cd "$2" && zip -q -r "$1" .' sh "$O/a.zip" "$S"
	SIZE[c.zip]=$(fsize "$O/a.zip")
	measure c.zim "zimwriterfs -j" 1 peer "rm -f '$O/a.zim'" -- zimwriterfs "${ZIMFLAGS[@]}" "$W/shared.zimsrc" "$O/a.zim"
	SIZE[c.zim]=$(fsize "$O/a.zim")
	# whole-stream zstd of the tar, one window over everything: what level 1 can do at best
	tar cf "$O/a.tar" -C "$S" .
	SIZE[c.zstd1]=$(zstd -q -1 -c "$O/a.tar" | wc -c)
	rm -f "$O/a.tar"
	{
		echo "| archive | bytes | of the content | / tar.gz | create (median) | runs |"
		echo "|---------|------:|---------------:|---------:|----------------:|-----:|"
		crow() {
			echo "| $2 | ${SIZE[$1]} | $(awk -v a="${SIZE[$1]}" -v b="$bytes" 'BEGIN{printf "%.1f%%", 100*a/b}') | $(ratio "${SIZE[$1]}" "${SIZE[c.targz]}") | $(fmt_time "${WALL[$1]}") | ${RUNS[$1]} |"
		}
		crow c.targz "tar czf (.tar.gz)"
		crow c.pigz "tar -I pigz -cf (.tar.gz)"
		crow c.zip "zip -r (.zip)"
		crow c.zim "zimwriterfs -j (.zim, zstd)"
		for v in "${CV[@]}"; do
			crow "c.npk.$v" "newspack${NPK_OPTS[$v]:+ ${NPK_OPTS[$v]}}"
		done
		echo "| \`zstd -1\` of the whole .tar (one stream, not an archive) | ${SIZE[c.zstd1]} | $(awk -v a="${SIZE[c.zstd1]}" -v b="$bytes" 'BEGIN{printf "%.1f%%", 100*a/b}') | $(ratio "${SIZE[c.zstd1]}" "${SIZE[c.targz]}") | - | - |"
	} >"$T"
	TARGETS=()
	if [ -n "${NPK_OPTS[zstd]+x}" ]; then
		local r
		r=$(ratio4 "${SIZE[c.npk.zstd]}" "${SIZE[c.zim]}")
		target "zstd size" "$r" 1 "newspack --codec zstd / zimwriterfs = $r (at most 1.0)"
		r=$(ratio4 "${WALL[c.npk.zstd]}" "${WALL[c.zim]}")
		target "zstd time" "$r" 0.5 "newspack create --codec zstd / zimwriterfs -j = $r (at most 0.5)"
		# the fastest level whose archive is smaller than tar czf's
		for lv in 1 2 3; do
			if [ "${SIZE[c.npk.zstd-l$lv]}" -lt "${SIZE[c.targz]}" ]; then
				fast=$lv
				break
			fi
		done
		for lv in 1 2; do
			[ -n "$fast" ] && [ "$lv" -ge "$fast" ] && break
			local note=""
			[ "$lv" = 1 ] && note="; even whole-stream \`zstd -1\` of the .tar, one window over everything, is $(ratio4 "${SIZE[c.zstd1]}" "${SIZE[c.targz]}")"
			target "zstd level $lv size" "$(ratio4 "${SIZE[c.npk.zstd-l$lv]}" "${SIZE[c.targz]}")" 1 \
				"--codec zstd --level $lv / tar czf = $(ratio4 "${SIZE[c.npk.zstd-l$lv]}" "${SIZE[c.targz]}")$note (at most 1.0)"
		done
		if [ -n "$fast" ]; then
			r=$(ratio4 "${SIZE[c.npk.zstd-l$fast]}" "${SIZE[c.targz]}")
			target "fastest zstd setting smaller than tar.gz: size" "$r" 1 "--codec zstd --level $fast / tar czf = $r (at most 1.0)"
			r=$(ratio4 "${WALL[c.npk.zstd-l$fast]}" "${WALL[c.pigz]}")
			target "fastest zstd setting smaller than tar.gz: time" "$r" 1 "create --codec zstd --level $fast / tar -I pigz -cf = $r (at most 1.0)"
		fi
	fi
	printf '%s\n' "${TARGETS[@]}" >"$W/targets-corpus.md"
	CORPUS_DESC="$n files, $bytes bytes of \`$(basename "$(dirname "$S")")/$(basename "$S")\`"
}

# ------------------------------------------------------------------ start-up
# Every run: the reading commands on the real corpus (or 10,000 generated
# articles when ../shared/corpus is missing) beside unsquashfs on a squashfs
# image of the same files (gzip, as newspack's zlib), timed by hyperfine
# without a shell: here start-up is most of the time, and what a reader
# waits for before one article shows.
libs() { # PROGRAM: the shared libraries it loads
	LD_TRACE_LOADED_OBJECTS=1 "$1" 2>/dev/null | grep -v linux-vdso | grep -c '\.so'
}
hf() { # KEY COMMAND...: median wall time (us) over 40 runs, into WALL[KEY]
	local key=$1
	shift
	hyperfine -N --warmup 5 --runs 40 --export-json "$W/hf.json" -- "$*" >/dev/null 2>&1 ||
		say "  hyperfine failed: $*"
	WALL[$key]=$(python3 -c 'import json,sys; print(int(json.load(open(sys.argv[1]))["results"][0]["median"]*1e6))' "$W/hf.json" 2>/dev/null || echo 0)
	say "  $(printf '%-44s' "$key") $(fmt_time "${WALL[$key]}")"
}
run_startup() {
	local S=$SHARED O=$W/out-startup doc full=$ROOT/newspack-full
	if [ ! -d "$S" ]; then
		S=$W/corpus-10000-s$SEED
		corpus "$S" 10000
	fi
	S=$(cd "$S" && pwd)
	mkdir -p "$O"
	rm -f "$O/a.npk" "$O/a.sqfs"
	"$NPK" create -q -s "$K/npk.key" --timestamp 2025-01-01 "$O/a.npk" "$S" || die "create for start-up failed"
	mksquashfs "$S" "$O/a.sqfs" -comp gzip -noappend -quiet -no-progress >/dev/null || die "mksquashfs failed"
	doc=$("$NPK" list -p "$K/npk.pub" "$O/a.npk" | awk '{ l[NR] = $0 } END { print l[int((NR + 1) / 2)] }')
	say "start-up: $(basename "$S"), the middle document $doc"
	STARTUP_LIBS="newspack $(libs "$NPK"), newspack-full $(libs "$full"), unsquashfs $(libs "$(command -v unsquashfs)")"
	hf s.info "$NPK" info -p "$K/npk.pub" "$O/a.npk"
	hf s.cat "$NPK" cat -p "$K/npk.pub" "$O/a.npk" "$doc"
	hf s.cat.full "$full" cat -p "$K/npk.pub" "$O/a.npk" "$doc"
	hf s.cat.sq unsquashfs -cat "$O/a.sqfs" "$doc"
	hf s.list "$NPK" list -p "$K/npk.pub" "$O/a.npk"
	hf s.list.full "$full" list -p "$K/npk.pub" "$O/a.npk"
	hf s.list.sq unsquashfs -l "$O/a.sqfs"
	{
		echo "| command | median | / unsquashfs |"
		echo "|---------|-------:|-------------:|"
		echo "| \`newspack info\` (open, signature, manifest) | $(fmt_time "${WALL[s.info]}") | - |"
		echo "| \`newspack cat\` of the middle document | $(fmt_time "${WALL[s.cat]}") | $(ratio "${WALL[s.cat]}" "${WALL[s.cat.sq]}") |"
		echo "| the same with every library loaded (\`newspack-full cat\`) | $(fmt_time "${WALL[s.cat.full]}") | $(ratio "${WALL[s.cat.full]}" "${WALL[s.cat.sq]}") |"
		echo "| \`unsquashfs -cat\` of the same file | $(fmt_time "${WALL[s.cat.sq]}") | 1 |"
		echo "| \`newspack list\` | $(fmt_time "${WALL[s.list]}") | $(ratio "${WALL[s.list]}" "${WALL[s.list.sq]}") |"
		echo "| the same with every library loaded (\`newspack-full list\`) | $(fmt_time "${WALL[s.list.full]}") | $(ratio "${WALL[s.list.full]}" "${WALL[s.list.sq]}") |"
		echo "| \`unsquashfs -l\` | $(fmt_time "${WALL[s.list.sq]}") | 1 |"
	} >"$W/table-startup.md"
	TARGETS=()
	local r
	r=$(ratio4 "${WALL[s.cat]}" "${WALL[s.cat.sq]}")
	target "cat vs unsquashfs" "$r" 1.0 "newspack cat / unsquashfs -cat = $r (at most 1.0), checking the signature and every digest it reads"
	r=$(ratio4 "${WALL[s.list]}" "${WALL[s.list.sq]}")
	target "list vs unsquashfs" "$r" 1.0 "newspack list / unsquashfs -l = $r (at most 1.0), checking the signature and every index page"
	printf '%s\n' "${TARGETS[@]}" >"$W/targets-startup.md"
	STARTUP_DESC="$(find "$S" -type f | wc -l) files of \`$(basename "$(dirname "$S")")/$(basename "$S")\`; archive $(fsize "$O/a.npk") bytes, squashfs image $(fsize "$O/a.sqfs") bytes"
}

# ------------------------------------------------------------------ tar import order
# Every run: create from a .tar.xz of 24 members of 9 MiB, in path order
# and in reverse path order. The importer reads the file twice whatever
# its order (the listing, then once in file order, spooling what comes
# early): reverse order may cost at most 1.2 times path order.
run_import_order() {
	local D=$W/import-order O=$W/out-import i
	mkdir -p "$D/in" "$O"
	if [ ! -f "$D/reverse.tar.xz" ]; then
		say "import order: generating 24 members of 9 MiB"
		for i in $(seq -w 1 24); do
			head -c 9437184 /dev/urandom >"$D/in/m$i.bin"
		done
		(cd "$D/in" && ls | sort) >"$D/path.list"
		sort -r "$D/path.list" >"$D/reverse.list"
		tar -C "$D/in" -cf - -T "$D/path.list" | xz -0 -T2 >"$D/path.tar.xz"
		tar -C "$D/in" -cf - -T "$D/reverse.list" | xz -0 -T2 >"$D/reverse.tar.xz"
		rm -rf "$D/in"
	fi
	say "import order: 24 members of 9 MiB in a .tar.xz"
	measure i.path "create from the tar.xz in path order" "$R" fast "rm -f $O/a.npk" -- \
		"$NPK" create -q -s "$K/npk.key" --timestamp 2025-01-01 "$O/a.npk" "$D/path.tar.xz"
	measure i.reverse "create from the tar.xz in reverse order" "$R" fast "rm -f $O/a.npk" -- \
		"$NPK" create -q -s "$K/npk.key" --timestamp 2025-01-01 "$O/a.npk" "$D/reverse.tar.xz"
	{
		echo "| input | median wall | cpu | max RSS |"
		echo "|-------|------------:|----:|--------:|"
		echo "| path order | $(fmt_time "${WALL[i.path]}") | $(fmt_time "${CPU[i.path]}") | $(fmt_mib "${RSS[i.path]}") |"
		echo "| reverse order | $(fmt_time "${WALL[i.reverse]}") | $(fmt_time "${CPU[i.reverse]}") | $(fmt_mib "${RSS[i.reverse]}") |"
	} >"$W/table-import.md"
	TARGETS=()
	local r
	r=$(ratio4 "${WALL[i.reverse]}" "${WALL[i.path]}")
	target "import order" "$r" 1.2 "reverse / path order = $r (at most 1.2)"
	printf '%s\n' "${TARGETS[@]}" >"$W/targets-import.md"
	IMPORT_DESC="$(fsize "$D/path.tar.xz") and $(fsize "$D/reverse.tar.xz") bytes"
}

timer_floor
say "timer floor (/usr/bin/time true): $(fmt_time "$FLOOR")"
if [ "$MAIN" = 1 ]; then run_main; fi
if [ "$SCALE" = 1 ]; then run_scale; fi
if [ "$CORPUS" = 1 ]; then run_corpus; fi
run_startup
run_import_order

END=$(us_now)
TOTAL=$((END - ${START/./}))
say "total: $(fmt_time $TOTAL)"

DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
if [ "$MAIN" = 1 ]; then
	{
		echo "## Main run: $N documents"
		echo
		echo "$DATE, \`sh bench/run.sh -n $N -r $R -s $SEED\`: the whole run took $(fmt_time $TOTAL)$( [ -n "${MAIN_GEN:-}" ] && echo ", of which $(fmt_time "$MAIN_GEN") to generate the corpus" || echo " (the corpus was already there)")."
		echo
		machine
		echo "- corpus: \`build/bench-gen -n $N -s $SEED\`, $MAIN_DOCS documents, $MAIN_BYTES bytes ($(fmt_size "$MAIN_BYTES")); one document = the last in path order, \`$MAIN_LAST\`"
		echo "- each command ran $R time$( [ "$R" = 1 ] || echo s) (a command whose first run took under 0.5 s ran $FASTRUNS times; a peer whose first run took over $SLOW s ran once: see the runs column); the table shows medians"
		echo "- \"extract all\" writes to $MAIN_EX, the same for every tool (bench/README.md says why)"
		echo "- wall time is measured around \`/usr/bin/time\`; starting a process that way costs $(fmt_time "$FLOOR") here (median of \`/usr/bin/time true\`), included in every time below; max RSS is GNU time's %M: the largest of the command and each of its children"
		echo
		versions
		echo
		cat "$W/table-main.md"
		echo
		echo "### Targets (2-core machine, ratios in this run)"
		echo
		echo "| target | measured | verdict |"
		echo "|--------|----------|---------|"
		cat "$W/targets-main.md"
		echo
		echo "### What newspack reads from this archive (\`python3 bench/layout.py\`; the cost model is in bench/README.md)"
		echo
		cat "$W/layout-main.md"
	} >"$W/section-main.md"
	cat "$W/section-main.md"
	[ "$WRITE" = 1 ] && put_section main "$W/section-main.md"
fi
if [ "$SCALE" = 1 ]; then
	{
		echo "## Scale: 10,000, 100,000 and 1,000,000 documents"
		echo
		echo "$DATE, \`sh bench/run.sh --scale\`, seed $SEED; $(nproc) cores, $(grep -m 1 'model name' /proc/cpuinfo | sed 's/.*: //'); warm cache."
		echo "Each cell is the median wall time, with the CPU time (user+sys) of that command in brackets (process start-up under GNU time alone costs $(fmt_time "$FLOOR") here), then the median max RSS; at 1,000,000 documents create, verify and extract ran once, cat ran $FASTRUNS times. Extraction wrote to ${SCALE_EX:-?}."
		echo
		cat "$W/table-scale.md"
		echo
		echo "| target | measured | verdict |"
		echo "|--------|----------|---------|"
		cat "$W/targets-scale.md"
		for n in 10000 1000000; do
			echo
			echo "### What newspack reads at $n documents (\`python3 bench/layout.py\`)"
			echo
			cat "$W/layout-$n.md"
		done
	} >"$W/section-scale.md"
	cat "$W/section-scale.md"
	[ "$WRITE" = 1 ] && put_section scale "$W/section-scale.md"
fi
if [ "$CORPUS" = 1 ]; then
	{
		echo "## Sizes on the real corpus"
		echo
		echo "$DATE, \`sh bench/run.sh --corpus\`: $CORPUS_DESC (real news, so no generated repetition flatters a codec). Each command ran $R times (11 when under 0.5 s; zimwriterfs once); medians."
		echo
		cat "$W/table-corpus.md"
		echo
		echo "| target | measured | verdict |"
		echo "|--------|----------|---------|"
		cat "$W/targets-corpus.md"
	} >"$W/section-corpus.md"
	cat "$W/section-corpus.md"
	[ "$WRITE" = 1 ] && put_section corpus "$W/section-corpus.md"
fi
{
	echo "## Start-up of the reading commands"
	echo
	echo "$DATE, every run of \`sh bench/run.sh\`: $STARTUP_DESC; median of 40 runs each by \`hyperfine -N\` (no shell), warm cache. Shared libraries loaded: $STARTUP_LIBS."
	echo
	cat "$W/table-startup.md"
	echo
	echo "| target | measured | verdict |"
	echo "|--------|----------|---------|"
	cat "$W/targets-startup.md"
} >"$W/section-startup.md"
cat "$W/section-startup.md"
[ "$WRITE" = 1 ] && put_section startup "$W/section-startup.md"
{
	echo "## Import order"
	echo
	echo "$DATE, every run of \`sh bench/run.sh\`: \`newspack create\` from a .tar.xz of 24 members of 9 MiB of random bytes ($IMPORT_DESC), its members in path order and in reverse path order; medians of $R runs."
	echo
	cat "$W/table-import.md"
	echo
	echo "| target | measured | verdict |"
	echo "|--------|----------|---------|"
	cat "$W/targets-import.md"
} >"$W/section-import.md"
cat "$W/section-import.md"
[ "$WRITE" = 1 ] && put_section import "$W/section-import.md"
if [ "$SURVIVAL" = 1 ]; then
	bash "$ROOT/bench/survival.sh" -r "$R" -s "$SEED" $([ "$WRITE" = 1 ] || echo --no-results)
fi
exit 0
