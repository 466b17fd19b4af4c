#!/bin/sh
# test_fuzz_replay.sh - every input of tests/fuzz/corpus/TARGET/ (the seeds,
# and each input that once crashed or hung a fuzz target) runs through its
# target, built without libFuzzer (tests/fuzz/replay.c). Under SANITIZE=1
# the sanitizers stop at the first bad read or undefined behaviour.
. "$(dirname "$0")/lib.sh"
suite_begin fuzz-replay

for t in archive pubkey seckey meta_text meta_markdown meta_html sidecar warc parity salvage proof proof_leaf edition query search_text search_index sealed; do
	bin="$top/build/fuzz/replay_$t"
	corpus="$top/tests/fuzz/corpus/$t"
	n=$(find "$corpus" -type f ! -name '.*' | wc -l)
	if [ "$n" -eq 0 ]; then
		fail "tests/fuzz/corpus/$t holds inputs"
		continue
	fi
	expect_exit 0 "fuzz target $t runs its $n inputs without a crash" -- "$bin" "$corpus" &&
		expect_contains "$OUT" "replay_$t: $n inputs" "and ran each of them"
done
# the archive corpus holds format 1.1 too (spec/format.md 15): the default
# create output, sections in the body, an unsigned tail (seeds.sh)
for s in vector-1.1 many-1.1 v11-sections-two v11-tail v11-tail-digest; do
	expect_true "the archive corpus holds seed-$s.npk" -- test -s "$top/tests/fuzz/corpus/archive/seed-$s.npk"
done
finish
