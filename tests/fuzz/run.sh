#!/bin/sh
# run.sh - fuzzes one target for a while (after `make fuzz`):
#   sh tests/fuzz/run.sh TARGET SECONDS [JOBS]
# New inputs go to build/fuzz/work-TARGET/ (seeded from
# tests/fuzz/corpus/TARGET/); any crash, timeout or out-of-memory input is
# written into tests/fuzz/corpus/TARGET/ (crash-*, timeout-*, oom-*,
# slow-unit-*) to be kept as a regression input. The last lines of the log
# (build/fuzz/TARGET.log) give executions and coverage.
set -eu
t=${1:?usage: run.sh TARGET SECONDS [JOBS]}
secs=${2:?usage: run.sh TARGET SECONDS [JOBS]}
jobs=${3:-1}
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=$top/build/fuzz/fuzz_$t
[ -x "$bin" ] || { echo "run.sh: $bin is missing; run make fuzz" >&2; exit 2; }
work=$top/build/fuzz/work-$t
mkdir -p "$work"
case $t in
archive|salvage|sealed) maxlen=65536 ;;
meta_*|sidecar) maxlen=16384 ;;
*) maxlen=4096 ;;
esac
set -- -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=$maxlen \
	-dict="$top/tests/fuzz/npk.dict" -report_slow_units=2 -print_final_stats=1 \
	-artifact_prefix="$top/tests/fuzz/corpus/$t/" "$work" "$top/tests/fuzz/corpus/$t"
log=$top/build/fuzz/$t.log
if [ "$jobs" -gt 1 ]; then
	# libFuzzer's job mode writes fuzz-N.log in the current folder
	mkdir -p "$top/build/fuzz/jobs-$t"
	(cd "$top/build/fuzz/jobs-$t" && "$bin" -jobs="$jobs" -workers="$jobs" "$@") >"$log" 2>&1 || true
	cat "$top/build/fuzz/jobs-$t"/fuzz-*.log >>"$log"
else
	"$bin" "$@" >"$log" 2>&1 || true
fi
grep -E '^#[0-9]+' "$log" | tail -n 1
grep -E '^stat::|^(==|SUMMARY)' "$log" | tail -n 12
