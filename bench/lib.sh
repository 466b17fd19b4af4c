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
fmt_time() { # microseconds -> "12.3 ms" / "4.56 s"
	awk -v u="$1" 'BEGIN{ if (u < 1000000) printf "%.1f ms", u/1000; else printf "%.2f s", u/1000000 }'
}
fmt_mib() { awk -v k="$1" 'BEGIN{ printf "%.1f MiB", k/1024 }'; } # KiB -> MiB
ratio4() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b == 0) print "-"; else printf "%.4f", a/b }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN{ exit !(a <= b) }'; }
fsize() { stat -c %s "$1"; }
