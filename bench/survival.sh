#!/bin/sh
# The survival benchmark (issue 13 part 3): newspack's parity (create --parity
# 5, protect, repair) beside par2 on the same damage of the same generated
# archive, and the costs of parity as ratios, appended to bench/RESULTS.md
# (section "survival"). See bench/README.md.
#
#   sh bench/survival.sh [--mb MB] [-r R] [-s SEED] [--keep] [--no-results]
#   sh bench/run.sh --only-survival [same options]
#
# --mb (or SURVIVAL_MB): the archive's size in MB, 300 by default (the issue's
# size; 20 is enough to try the script). Runs while others build are not
# benchmarks: run it on an idle machine.
if [ -z "${BASH_VERSION:-}" ]; then
	exec bash "$0" "$@"
fi
set -u
export LC_ALL=C

ROOT=$(cd "$(dirname "$0")/.." && pwd)
MB=${SURVIVAL_MB:-300}
R=3
SEED=1
KEEP=0
WRITE=1
usage() {
	sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
}
while [ $# -gt 0 ]; do
	case $1 in
	--mb) MB=$2; shift ;;
	-r) R=$2; shift ;;
	-s) SEED=$2; shift ;;
	--keep) KEEP=1 ;;
	--no-results) WRITE=0 ;;
	-h|--help) usage ;;
	*) echo "survival.sh: unknown option $1" >&2; usage ;;
	esac
	shift
done
case $MB$R$SEED in *[!0-9]*) echo "survival.sh: --mb, -r and -s take numbers" >&2; exit 2 ;; esac

NPK=$ROOT/newspack
GEN=$ROOT/build/bench-gen
DMG=$ROOT/tests/survival/damage.py
LAY=$ROOT/tests/survival/layout.py
B=$ROOT/build/bench
W=$B/survival-$MB
RESULTS=$ROOT/bench/RESULTS.md
. "$ROOT/bench/lib.sh"
mkdir -p "$W"

say() { printf '%s\n' "$*" >&2; }
die() { say "survival.sh: $*"; exit 1; }

missing=""
for t in par2 python3 cmp; do
	command -v "$t" >/dev/null 2>&1 || missing="$missing $t"
done
[ -x /usr/bin/time ] || missing="$missing /usr/bin/time"
if [ -n "$missing" ]; then
	if [ "$(id -u)" = 0 ]; then
		sh "$ROOT/bench/deps.sh" || die "bench/deps.sh failed"
	else
		die "missing:$missing; run: sudo apt-get install par2 time python3"
	fi
fi
[ -x "$NPK" ] || die "$NPK not built: run make"
[ -x "$GEN" ] || die "$GEN not built: run make build/bench-gen"

# ------------------------------------------------------------------ helpers
fmt_size() { awk -v b="$1" 'BEGIN{ printf "%.2f MB", b/1000000 }'; }
where() { # ARCHIVE NAME: "OFFSET LENGTH" from tests/survival/layout.py
	python3 "$LAY" "$1" 2>/dev/null | awk -v n="$2" '$1 == n { print $2, $3; f = 1 } END { exit !f }'
}

# timed KEY CMD...: one run under GNU time -v, the rest to $W/KEY.out/.err;
# WALL[KEY] (us), RSS[KEY] (KiB), RC[KEY]; stdout and stderr of the command
# in $W/KEY.out and $W/KEY.err.
declare -A WALL RSS RC SIZE
timed() {
	local key=$1 t0 t1
	shift
	sync
	t0=$(us_now)
	/usr/bin/time -v -o "$W/$key.time" "$@" >"$W/$key.out" 2>"$W/$key.err"
	RC[$key]=$?
	t1=$(us_now)
	WALL[$key]=$((t1 - t0))
	RSS[$key]=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$W/$key.time")
	say "  $(printf '%-44s' "$key") $(printf '%10s' "$(fmt_time "${WALL[$key]}")")  $(fmt_mib "${RSS[$key]:-0}")  exit ${RC[$key]}"
}

# ------------------------------------------------------------------ the archive
# Articles of bench/gen.c (about 1.17 KB each once compressed) until the archive
# is at least MB megabytes.
NART=$((MB * 1000000 / 1120 + 1000))
C=$B/corpus-$NART-s$SEED
want="n=$NART seed=$SEED gen=$(cat "$ROOT/bench/gen.c" "$ROOT/bench/words.h" | sha256sum | cut -c1-16)"
if [ -d "$C" ] && [ "$(cat "$C.stamp" 2>/dev/null)" = "$want" ]; then
	say "corpus: reusing $C"
else
	rm -rf "$C" "$C.stamp"
	say "corpus: generating $NART articles in $C"
	"$GEN" -q -n "$NART" -s "$SEED" "$C" || die "bench-gen failed"
	echo "$want" >"$C.stamp"
fi
K=$B/keys
export XDG_CONFIG_HOME=$B/config
if [ ! -f "$K/npk.key" ]; then
	mkdir -p "$K"
	"$NPK" keygen -W -f -p "$K/npk.pub" -s "$K/npk.key" >/dev/null || die "newspack keygen failed"
fi
find "$C" -type f -exec cat {} + >/dev/null # into the page cache

# A command run by sh -c "$IO" sh CMD...: CMD's exit code, then the bytes it read
# by read calls (rchar: from the page cache too) on stderr. The shell's own
# counters take in those of the children it has waited for.
IO='"$@" >/dev/null; rc=$?; grep "^rchar" /proc/$$/io >&2; exit $rc'
declare -A RCHAR
rchar() { awk '$1 == "rchar:" { print $2 }' "$W/$1.err"; }
# reads KEY PATH CMD...: runs CMD under strace (one file per thread) and sets
# READ_IN[KEY] to the bytes it read from PATH (a file, or the files under a
# folder), READ_ALL[KEY] to all it read (read, pread64, readv, preadv).
declare -A READ_IN READ_ALL
reads() {
	local key=$1 path=$2
	shift 2
	rm -rf "$W/strace"
	mkdir -p "$W/strace"
	strace -ff -qq -y -s 0 -e trace=read,pread64,readv,preadv,preadv2 -o "$W/strace/t" "$@" >/dev/null 2>&1
	set -- $(cat "$W/strace"/t.* | awk -v p="$path" '
		match($0, /^[a-z0-9]+\([0-9]+</) {
			rest = substr($0, RLENGTH + 1)
			f = substr(rest, 1, index(rest, ">") - 1)
			n = split($0, parts, " = ")
			r = parts[n] + 0
			if (r <= 0) next
			all += r
			if (f == p || index(f, p "/") == 1 || index(f, p " (deleted)") == 1) in_ += r
		}
		END { printf "%.0f %.0f\n", in_, all }')
	READ_IN[$key]=${1:-0}
	READ_ALL[$key]=${2:-0}
	rm -rf "$W/strace"
	say "  $key under strace: $(fmt_size "${READ_IN[$key]}") read from $path, $(fmt_size "${READ_ALL[$key]}") in all"
}

# create and create --parity 5, R times each, alternating
A0=$W/a.npk
A5=$W/a5.npk
say "create, create --parity 5 ($R runs each)"
c0="" c5=""
for i in $(seq 1 "$R"); do
	rm -f "$A0" "$A5"
	timed create sh -c "$IO" sh "$NPK" create -q -s "$K/npk.key" --timestamp 2025-01-01 "$A0" "$C"
	c0="$c0 ${WALL[create]}"
	timed create5 sh -c "$IO" sh "$NPK" create -q -s "$K/npk.key" --timestamp 2025-01-01 --parity 5 "$A5" "$C"
	c5="$c5 ${WALL[create5]}"
done
[ "${RC[create]}" = 0 ] || die "create failed: $(head -n 3 "$W/create.err")"
RCHAR[create]=$(rchar create)
RCHAR[create5]=$(rchar create5)
CONTENT=$(find "$C" -type f -printf '%s\n' | awk '{ s += $1 } END { printf "%.0f\n", s }')
if [ "${RC[create5]}" = 0 ] && command -v strace >/dev/null 2>&1; then
	rm -f "$W/a5s.npk"
	reads create5 "$C" "$NPK" create -q -s "$K/npk.key" --timestamp 2025-01-01 --parity 5 "$W/a5s.npk" "$C"
	rm -f "$W/a5s.npk"
fi
WALL[create]=$(printf '%s\n' $c0 | median)
WALL[create5]=$(printf '%s\n' $c5 | median)
SIZE[a0]=$(fsize "$A0")
SIZE[a5]=$( [ "${RC[create5]}" = 0 ] && fsize "$A5" || echo 0)
[ "${SIZE[a0]}" -ge $((MB * 1000000)) ] || say "note: the archive has $(fmt_size "${SIZE[a0]}"), under $MB MB"
# The signed part (create may end the archive with a tail of survival copies):
# the bytes both tools protect, and what every case damages
SIGNED=$(where "$A0" signed | awk '{ print $2 }')
[ -n "$SIGNED" ] || die "layout.py cannot read $A0"
A0S=$W/a-signed.npk
head -c "$SIGNED" "$A0" >"$A0S"

# protect a copy (its tail is written again): the archive the cases damage
AP=$W/ap.npk
cp "$A0" "$AP"
say "protect --parity 5"
timed protect sh -c "$IO" sh "$NPK" protect "$AP" --parity 5
RCHAR[protect]=$(rchar protect)
if [ "${RC[protect]}" = 0 ] && command -v strace >/dev/null 2>&1; then
	cp "$A0" "$W/aps.npk"
	reads protect "$W/aps.npk" "$NPK" protect "$W/aps.npk" --parity 5
	rm -f "$W/aps.npk"
fi
PAR_LEN=0
if [ "${RC[protect]}" = 0 ] && set -- $(where "$AP" section.3); then
	PAR_OFF=$1 PAR_LEN=$2
	SIZE[ap]=$(fsize "$AP")
else
	say "protect failed or wrote no parity section: newspack's cases cannot run"
	rm -f "$AP"
fi

# ------------------------------------------------------------------ par2, at equal bytes
# The smallest slice that is a multiple of 4 KiB (newspack's block) with at most
# 32768 source blocks (par2's limit), and par2's default of 2000 slices. The
# recovery block count is the largest whose files (-n1: the index file and one
# volume) are no larger than newspack's parity section. par2 writes its
# critical packets (CRIT bytes, most of them a checksum per slice) once in the
# index file and 1 + floor(log2(count)) times in the volume, beside the
# blocks (SLICE + 68 bytes each); a first run with one block measures CRIT.
SLICE=$(( ( (SIGNED + 32767) / 32768 + 4095) / 4096 * 4096 ))
DSLICE=$(( ( (SIGNED + 1999) / 2000 + 3) / 4 * 4 ))
PARITY_BYTES=$PAR_LEN
if [ "$PARITY_BYTES" = 0 ]; then
	PARITY_BYTES=$((SIGNED * 12 / 240))   # no newspack parity: what --parity 5 would hold
	say "par2 sized after 12/240 of the archive, as newspack has none"
fi
par2_count() { # CRIT SLICE BYTES
	awk -v crit="$1" -v s="$2" -v p="$3" 'BEGIN {
		c = int((p - 2 * crit) / (s + 68))
		for (; c > 1; c--) {
			k = 0
			while (2 ^ (k + 1) <= c) k++
			if (crit * (k + 2) + c * (s + 68) <= p) break
		}
		print (c < 1 ? 1 : c) }'
}
par2_make() { # DIR SLICE: par2 files of a.npk in DIR, as large as PARITY_BYTES
	local d=$1 s=$2 one count
	rm -rf "$d"
	mkdir -p "$d"
	ln "$A0S" "$d/a.npk" 2>/dev/null || cp "$A0S" "$d/a.npk"
	(cd "$d" && par2 create -q -q -n1 -s"$s" -c1 a.npk.par2 a.npk >/dev/null) || return 1
	one=$(cat "$d"/*.par2 | wc -c)
	count=$(par2_count $(( (one - s - 68) / 2 )) "$s" "$PARITY_BYTES")
	rm -f "$d"/*.par2
	say "  par2 -s$s -c$count (critical packets: $(( (one - s - 68) / 2 )) bytes)"
	cd "$d" && timed "par2-create-$s" par2 create -q -q -n1 -s"$s" -c"$count" a.npk.par2 a.npk
	cd "$ROOT" || die "cd $ROOT"
	rm -f "$d/a.npk"
	SIZE[par2-$s]=$(cat "$d"/*.par2 | wc -c)
	COUNT[$s]=$count
	BLOCKS[$s]=$(( (SIGNED + s - 1) / s ))
}
declare -A COUNT BLOCKS
say "par2 create"
par2_make "$W/par2" "$SLICE" || die "par2 create failed"
par2_make "$W/par2d" "$DSLICE" || die "par2 create (default slices) failed"

# ------------------------------------------------------------------ the damage
# Each case damages the data (the signed part, A0S) once: par2 repairs that file
# with its own recovery files beside it; newspack repairs the same bytes
# followed by its tail. Shapes that name the end of the file (a cut) or
# newspack's own structures apply to each tool's own file, as noted.
declare -A RES TIM
run_par2() { # CASE DIR DAMAGED0 KEY: repairs a copy of DAMAGED0 with DIR's files
	local c=$1 dir=$2 d0=$3 key=$4 x
	x=$W/$c-$key
	rm -rf "$x"
	mkdir -p "$x"
	cp "$dir"/*.par2 "$x/"
	cp "$d0" "$x/a.npk"
	[ -n "${PAR2_DAMAGE:-}" ] && python3 "$DMG" --seed "$CSEED" "$x/$(cd "$x" && ls -S *.vol*.par2 | head -n 1)" \
		"$x/$(cd "$x" && ls -S *.vol*.par2 | head -n 1)" $PAR2_DAMAGE >>"$W/$c.damage-par2"
	cd "$x" && timed "$c-$key" par2 repair -q -q a.npk.par2
	cd "$ROOT" || die "cd $ROOT"
	if [ "${RC[$c-$key]}" = 0 ] && cmp -s "$x/a.npk" "$A0S"; then RES[$c-$key]=yes; else RES[$c-$key]=no; fi
	TIM[$c-$key]=${WALL[$c-$key]}
	rm -rf "$x"
}
run_npk() { # CASE DAMAGED
	local c=$1 d=$2
	if [ ! -f "$AP" ]; then
		RES[$c-npk]="n/a"
		return
	fi
	rm -f "$W/$c.rep"
	timed "$c-npk" "$NPK" repair -o "$W/$c.rep" "$d"
	if [ "${RC[$c-npk]}" = 0 ] && cmp -s "$W/$c.rep" "$AP"; then
		RES[$c-npk]=yes
	elif [ "${RC[$c-npk]}" = 0 ] && cmp -s -n "$SIGNED" "$W/$c.rep" "$AP"; then
		RES[$c-npk]="signed part only"
	else
		RES[$c-npk]=no
	fi
	TIM[$c-npk]=${WALL[$c-npk]}
	rm -f "$W/$c.rep"
}
with_tail() { # DAMAGED0 OUT: DAMAGED0 followed by newspack's tail
	{ cat "$1"; tail -c +$((SIGNED + 1)) "$AP"; } >"$2"
}

CASES=()
declare -A DESC
# case_run NAME SEED DESCRIPTION SHAPE... [--own SHAPE...] [--par2data SHAPE...] [--par2vol SHAPE...]
# SHAPE (damage.py) damages A0S, for both tools; --own then damages newspack's
# file (A0S so damaged, followed by its tail), --par2data par2's data file,
# --par2vol par2's recovery file.
case_broken() { # CASE SHAPE: damage.py refused the shape: the case shows it
	say "  damage.py refused: $2"
	RES[$1-npk]="not run (damage.py refused \`$2\`)"
	RES[$1-par2]="-"
	RES[$1-par2d]="-"
	rm -f "$W/$1.d0" "$W/$1.npk"
}
case_run() {
	local c=$1 desc=$3 data=() own=() p2d=() p2v=() cur=data a
	CSEED=$2
	shift 3
	for a in "$@"; do
		case $a in
		--own) cur=own ;;
		--par2data) cur=p2d ;;
		--par2vol) cur=p2v ;;
		*) eval "$cur+=(\"\$a\")" ;;
		esac
	done
	CASES+=("$c")
	DESC[$c]=$desc
	say "case $c: $desc"
	local d0=$W/$c.d0 d=$W/$c.npk
	: >"$W/$c.damage"
	: >"$W/$c.damage-par2"
	if [ ${#data[@]} -gt 0 ]; then
		python3 "$DMG" --seed "$CSEED" "$A0S" "$d0" "${data[@]}" >>"$W/$c.damage" || { case_broken "$c" "${data[*]}"; return; }
	else
		cp "$A0S" "$d0"
	fi
	if [ -f "$AP" ]; then
		with_tail "$d0" "$d"
		if [ ${#own[@]} -gt 0 ]; then
			python3 "$DMG" --seed "$CSEED" "$d" "$d" "${own[@]}" >>"$W/$c.damage" || { case_broken "$c" "${own[*]}"; return; }
		fi
		run_npk "$c" "$d"
	else
		RES[$c-npk]="n/a"
	fi
	if [ ${#p2d[@]} -gt 0 ]; then
		python3 "$DMG" --seed "$CSEED" "$d0" "$d0" "${p2d[@]}" >>"$W/$c.damage-par2" || { case_broken "$c" "${p2d[*]}"; return; }
	fi
	PAR2_DAMAGE=${p2v[*]:-}
	run_par2 "$c" "$W/par2" "$d0" par2
	run_par2 "$c" "$W/par2d" "$d0" par2d
	PAR2_DAMAGE=""
	[ "$KEEP" = 1 ] || rm -f "$d0" "$d"
}

# the ranges newspack's structures occupy (in the protected archive)
rng() { where "$AP" "$1" | tr ' ' ':'; }
S0=$((SEED * 1000))
case_run bursts3 $((S0 + 1)) "three bursts of 256 KiB" bursts 3 256K
case_run flips50 $((S0 + 2)) "50 single-bit flips per 50 MiB" flips 50 --per 50MiB
case_run flips200 $((S0 + 3)) "200 single-bit flips per 50 MiB" flips 200 --per 50MiB
case_run sectors $((S0 + 4)) "16 zeroed 4 KiB sectors and two 1 MiB bursts" sectors 16 + bursts 2 1MiB
case_run headcut $((S0 + 5)) "the first 64 KiB zeroed, the last 1 MiB cut off (each tool's file: newspack's tail, par2's data)" \
	zero-head 64K --own cut-tail 1MiB --par2data cut-tail 1MiB
case_run burst4 $((S0 + 6)) "one burst of 4%" burst 4%
if [ -f "$AP" ]; then
	case_run parity $((S0 + 7)) "bursts inside the parity section (par2: inside its recovery file)" \
		--own burst 1MiB --in "$(rng parity.blocks)" + burst 4K --at "$PAR_OFF" \
		--par2vol burst 1MiB + burst 4K --at 0
	set -- $(where "$AP" manifest) $(where "$AP" tables)
	tb=$(($4 / 2 < 512 ? $4 / 2 : 512))
	if where "$AP" copy.header >/dev/null; then
		case_run copies $((S0 + 8)) "bursts inside each copy of the critical structures (par2: the originals)" \
			burst 32 --at 0 + burst "$tb" --in "$(rng tables)" + burst 200 --in "$1:$((SIGNED - $1))" \
			--own burst 32 --in "$(rng copy.header)" + burst "$tb" --in "$(rng copy.tables)" + \
			burst 200 --in "$(rng copy.manifest)"
	else
		case_run copies $((S0 + 8)) "bursts inside the critical structures (this archive has no survival copies)" \
			burst 32 --at 0 + burst "$tb" --in "$(rng tables)" + burst 200 --in "$1:$((SIGNED - $1))"
	fi
fi
case_run shifted $((S0 + 9)) "1000 bytes inserted at 40% (a shifted tail)" insert 1000 --at 40%
case_run beyond $((S0 + 10)) "beyond capacity: one burst of 10%" burst 10% --at 30%

# salvage of the case beyond capacity: what it recovers, its memory
SALV=""
if [ -f "$AP" ]; then
	python3 "$DMG" --seed $((S0 + 10)) "$A0S" "$W/beyond.d0" burst 10% --at 30% >/dev/null
	with_tail "$W/beyond.d0" "$W/beyond.npk"
	rm -f "$W/beyond.d0"
	out=/dev/shm/newspack-survival-$$
	[ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ] || out=$W/salvage-out
	rm -rf "$out"
	timed salvage "$NPK" salvage "$W/beyond.npk" -C "$out"
	SALV="$(find "$out" -type f 2>/dev/null | wc -l) of $NART documents written (exit ${RC[salvage]})"
	rm -rf "$out" "$W/beyond.npk"
fi

# ------------------------------------------------------------------ the tables
DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
T=$W/section.md
cell() { # KEY: "yes, 1.23 s"
	local r=${RES[$1]:-"-"} t=${TIM[$1]:-}
	if [ -z "$t" ]; then echo "$r"; else echo "$r, $(fmt_time "$t")"; fi
}
TARGETS=()
target() { # NAME VALUE LIMIT TEXT
	local v=FAIL
	[ "$2" != "-" ] && le "$2" "$3" && v=PASS
	TARGETS+=("| $1 | $4 | $v |")
	say "  target $1: $4 -> $v"
}
damaged() { # CASE: the bytes its damage changed, inserted or cut in newspack's file (a flip: one)
	awk '$1 == "flip" { n++ } $1 !~ /^#/ && $1 != "flip" { n += $3 } END { printf "%d", n }' "$W/$1.damage"
}
pct() { awk -v a="$1" -v b="$2" 'BEGIN{ printf "%.1f%%", 100 * a / b }'; }
{
	echo "## Survival: newspack --parity 5 and par2 on the same damage"
	echo
	echo "$DATE, \`sh bench/survival.sh --mb $MB\` (or \`sh bench/run.sh --only-survival\`), seed $SEED; $(nproc) cores, $(grep -m 1 'model name' /proc/cpuinfo | sed 's/.*: //'); warm cache."
	echo
	echo "- the archive: $NART articles of \`build/bench-gen\`, $((SIZE[a0])) bytes ($(fmt_size "${SIZE[a0]}")), of which $SIGNED signed (the rest: its tail); \`newspack protect --parity 5\` of it adds a parity section of $PAR_LEN bytes ($(pct "$PAR_LEN" "$SIGNED") of the signed part) in $(fmt_time "${WALL[protect]}")"
	echo "- par2 (par2cmdline $(par2 -V 2>&1 | head -n 1 | awk '{print $NF}')) at equal bytes: \`par2 create -n1 -s$SLICE -c${COUNT[$SLICE]}\`, slices of $SLICE bytes (the smallest multiple of 4 KiB, newspack's block, under par2's limit of 32768 slices), ${COUNT[$SLICE]} recovery blocks ($(pct "${COUNT[$SLICE]}" "${BLOCKS[$SLICE]}") of the slices; its checksums fill the rest), $((SIZE[par2-$SLICE])) bytes of files ($(ratio4 "${SIZE[par2-$SLICE]}" "$PARITY_BYTES") x newspack's parity section), made in $(fmt_time "${WALL[par2-create-$SLICE]}")"
	echo "- par2 with its default 2000 slices: \`-s$DSLICE -c${COUNT[$DSLICE]}\`, $((SIZE[par2-$DSLICE])) bytes ($(ratio4 "${SIZE[par2-$DSLICE]}" "$PARITY_BYTES") x), made in $(fmt_time "${WALL[par2-create-$DSLICE]}")"
	echo "- each case damages the archive once (tests/survival/damage.py, seeded; the lines it printed are kept in build/bench/survival-$MB/CASE.damage, and CASE.damage-par2 for what only par2's files get; the bytes column counts newspack's); newspack repairs those bytes followed by its tail (\`newspack repair -o\`), par2 the same bytes with its files beside them (\`par2 repair\`); *yes* means the output equals the undamaged file byte for byte (\`cmp\`); the time is the wall time of the repair"
	echo
	echo "| damage | bytes | newspack repair | par2, equal bytes | par2, default slices |"
	echo "|--------|------:|-----------------|-------------------|----------------------|"
	for c in "${CASES[@]}"; do
		echo "| ${DESC[$c]} | $(damaged "$c") | $(cell "$c-npk") | $(cell "$c-par2") | $(cell "$c-par2d") |"
	done
	[ -n "$SALV" ] && echo && echo "Beyond capacity, \`newspack salvage\` of the same damage: $SALV, in $(fmt_time "${WALL[salvage]}"), max RSS $(fmt_mib "${RSS[salvage]}")."
} >"$T"
r=$(ratio4 "${SIZE[a5]}" "${SIZE[a0]}")
[ "${RC[create5]}" = 0 ] || r="-"
target "size" "$r" 1.065 "archive with --parity 5 / without = $r (at most 1.065)"
r=$(ratio4 "${WALL[create5]}" "${WALL[create]}")
[ "${RC[create5]}" = 0 ] || r="-"
target "create time" "$r" 1.05 "create --parity 5 / create = $r, medians of $R runs (at most 1.05)"
# create --parity 5 reads its input once: the bytes it read from the corpus
# (strace), else all it read beyond what create read, which is the archive
# read back once when the input is read once
if [ -n "${READ_IN[create5]:-}" ]; then
	r=$(ratio4 "${READ_IN[create5]}" "$CONTENT")
	t="bytes create --parity 5 read from its input / the input = $r (strace; all it read: $(ratio4 "${READ_ALL[create5]}" "$CONTENT") x the input, the archive read back once: $(ratio4 "$((READ_ALL[create5] - READ_IN[create5]))" "${SIZE[a5]}") x)"
else
	r=$(ratio4 "$((RCHAR[create5] - RCHAR[create]))" "${SIZE[a5]}")
	t="bytes create --parity 5 read beyond create's / its archive = $r (rchar: the archive read back, not the input again)"
fi
[ "${RC[create5]}" = 0 ] || r="-"
target "create reads its input once" "$r" 1.01 "$t (at most 1.01)"
if [ -n "${READ_IN[protect]:-}" ]; then
	r=$(ratio4 "${READ_IN[protect]}" "${SIZE[a0]}")
	t="bytes protect read from the archive / its size = $r (strace; all it read, the file it wrote included: $(ratio4 "${READ_ALL[protect]}" "${SIZE[a0]}") x)"
else
	r=$(ratio4 "${RCHAR[protect]:-0}" "${SIZE[a0]}")
	t="bytes protect read (rchar, the file it writes included) / the archive = $r"
fi
[ "${RC[protect]}" = 0 ] || r="-"
target "protect reads once" "$r" 1.05 "$t (at most 1.05: once)"
# against the par2 that repaired it (equal bytes first, else default slices)
p2=par2
[ "${RES[burst4-par2]:-}" = yes ] || p2=par2d
r=$(ratio4 "${TIM[burst4-npk]:-0}" "${TIM[burst4-$p2]:-0}")
[ "${RES[burst4-npk]:-}" = yes ] && [ "${RES[burst4-$p2]:-}" = yes ] || r="-"
target "repair time" "$r" 1.0 "repair of the 4% burst / par2 repair of it ($( [ $p2 = par2 ] && echo "equal bytes" || echo "default slices")) = $r (at most 1.0)"
mx=0
for k in protect salvage "${CASES[@]/%/-npk}"; do
	[ -n "${RSS[$k]:-}" ] && [ "${RSS[$k]}" -gt "$mx" ] && mx=${RSS[$k]}
done
[ "${RC[protect]}" = 0 ] || mx="-"
target "memory" "$mx" 65536 "max RSS of protect, repair and salvage = $( [ "$mx" = - ] && echo - || fmt_mib "$mx") (at most 64 MiB)"
miss=""
for c in "${CASES[@]}"; do
	[ "$c" = beyond ] && continue
	[ "${RES[$c-par2]}" = yes ] && [ "${RES[$c-npk]}" != yes ] && miss="$miss $c"
done
[ "${RES[flips200-npk]}" = yes ] || [ "${miss/flips200/}" != "$miss" ] || miss="$miss flips200"
target "repairs" "$( [ -z "$miss" ] && echo 0 || echo 1)" 0 \
	"newspack repairs every case par2 repairs at equal bytes, and 200 flips per 50 MiB$( [ -n "$miss" ] && echo "; not:$miss")"
{
	echo
	echo "| target | measured | verdict |"
	echo "|--------|----------|---------|"
	printf '%s\n' "${TARGETS[@]}"
} >>"$T"
cat "$T"

[ "$WRITE" = 1 ] && put_section survival "$T"
[ "$KEEP" = 1 ] || rm -rf "$W/par2" "$W/par2d" "$A0" "$A0S" "$A5" "$AP"
exit 0
