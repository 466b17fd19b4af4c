# bench/lib.sh - what the benchmark scripts share (RESULTS.md sections, times
# and figures); sourced (bash) by run.sh,
# dedup.sh, editions.sh, merge.sh, proofs.sh and survival.sh after they set
# RESULTS (the path of bench/RESULTS.md).

# put_section NAME FILE: FILE becomes the section NAME of $RESULTS. Each
# section sits between the lines <!-- begin NAME --> and <!-- end NAME -->,
# so a run replaces its own section and keeps the others; a section not
# there yet is added at the end, and a missing RESULTS.md is started.
put_section() {
	local name=$1 body=$2 tmp=$RESULTS.tmp
	[ -f "$RESULTS" ] || printf '# newspack benchmark results\n\nResults of `sh bench/run.sh` (`make bench`); bench/README.md says what each row measures.\n' >"$RESULTS"
	if grep -q "^<!-- begin $name -->" "$RESULTS"; then
		awk -v name="$name" -v body="$body" '
			$0 == "<!-- begin " name " -->" { print; while ((getline l < body) > 0) print l; skip = 1; next }
			$0 == "<!-- end " name " -->" { skip = 0 }
			!skip { print }' "$RESULTS" >"$tmp" && mv "$tmp" "$RESULTS"
	else
		{ echo; echo "<!-- begin $name -->"; cat "$body"; echo "<!-- end $name -->"; } >>"$RESULTS"
	fi
}

# Times and the figures of the tables.
us_now() { local t=$EPOCHREALTIME; echo "${t/./}"; } # microseconds
median() { # numbers on stdin
	sort -n | awk '{a[NR]=$1} END{ if (NR==0) {print 0; exit}
		if (NR%2) printf "%.0f\n", a[(NR+1)/2]; else printf "%.0f\n", (a[NR/2]+a[NR/2+1])/2 }'
}
pctl() { # P (0-100), numbers on stdin: the nearest-rank percentile (the smallest value with at
	# least P% of the values at or below it), so p95 of 240 timings is the 228th
	sort -n | awk -v p="$1" '{a[NR]=$1} END{ if (NR==0) {print 0; exit}
		k = int(p * NR / 100); if (k < p * NR / 100) k++; if (k < 1) k = 1; printf "%.0f\n", a[k] }'
}
fmt_time() { # microseconds -> "12.3 ms" / "4.56 s"
	awk -v u="$1" 'BEGIN{ if (u < 1000000) printf "%.1f ms", u/1000; else printf "%.2f s", u/1000000 }'
}
fmt_mib() { awk -v k="$1" 'BEGIN{ printf "%.1f MiB", k/1024 }'; } # KiB -> MiB
ratio4() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b == 0) print "-"; else printf "%.4f", a/b }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN{ exit !(a <= b) }'; }
fsize() { stat -c %s "$1"; }

# run_progress OUT SECONDS TOTAL WHAT CMD...: runs CMD under GNU time with its
# output in OUT.out and OUT.err, and every SECONDS seconds prints how long it
# has run and how many bytes it has read (rchar of /proc/PID/io, read() of
# files and pipes) as a share of TOTAL bytes, the input's size: for the builds
# that take many minutes. Sets P_RC (its exit code), P_WALL (us, from GNU
# time's %e), P_CPU (us, user+sys) and P_RSS (KiB).
run_progress() {
	local out=$1 every=$2 total=$3 what=$4 tpid kid n=0 r s0=$SECONDS
	shift 4
	/usr/bin/time -f '%e %M %U %S' -o "$out.time" "$@" >"$out.out" 2>"$out.err" &
	tpid=$!
	while kill -0 "$tpid" 2>/dev/null; do
		sleep 1
		[ $((SECONDS - s0)) -ge $((n + every)) ] || continue
		n=$((SECONDS - s0))
		kid=$(pgrep -P "$tpid" | head -n 1)
		r=$(awk '$1 == "rchar:" { print $2 }' "/proc/$kid/io" 2>/dev/null)
		printf '  %s: %d s, %s\n' "$what" "$n" "$(awk -v r="${r:-0}" -v t="$total" \
			'BEGIN{ printf "%.0f MB read (%.0f%% of the input)", r / 1e6, (t > 0 ? 100 * r / t : 0) }')" >&2
	done
	wait "$tpid"
	P_RC=$?
	read -r P_WALL P_RSS P_CPU <<<"$(tail -n 1 "$out.time" | awk 'NF == 4 { printf "%.0f %d %.0f", $1 * 1e6, $2, ($3 + $4) * 1e6 }')"
	: "${P_WALL:=0}" "${P_RSS:=0}" "${P_CPU:=0}"
}

# CPU, for the share of the machine other work took during a run:
busy() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat; } # jiffies, all cores
kids_cpu() { # into $W/kids: seconds of CPU this shell's finished children used (user + sys)
	times >"$W/times" # in this shell: $(times) would time a subshell's children
	awk 'NR == 2 { s = 0; for (i = 1; i <= 2; i++) { split($i, a, "m"); s += a[1] * 60 + a[2] } print s }' "$W/times" >"$W/kids"
}
