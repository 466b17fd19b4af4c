# bench/lib.sh - what the benchmark scripts share; sourced (bash) by run.sh,
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
