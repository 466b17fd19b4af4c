#!/bin/sh
# Suite "search-golden": relevance of full-text search on the shared test corpus
# (../shared/corpus beside the project). tests/search/golden.tsv holds queries in English,
# Korean, Chinese, Arabic, Russian and Ukrainian, each with the one document that answers it
# best and the others that answer it too, chosen by reading the documents. The suite packs the
# corpus with a search index, runs every query with `newspack search --json -n 10`, and wants
# recall@10 over all queries (documents of best + relevant found in the 10 hits, over all of
# them) of at least 0.9, and every query's best answer within its first 3 hits. It prints a
# table per language and the totals. A golden path that the archive does not hold is a fault of
# the golden file, reported as such. Before them: ANDs of words rare and common (and NOTs),
# every hit, against the single-word searches: the documents of every word, each scored as
# the sum of the words' scores. Without the corpus the suite fails: it has nothing else
# to measure with.
. "$(dirname "$0")/lib.sh"
suite_begin search-golden

CORPUS="$top/../shared/corpus"
# NPK_TEST_GOLDEN: another golden file, to try the scoring on a small one.
GOLDEN="${NPK_TEST_GOLDEN:-$top/tests/search/golden.tsv}"
if [ ! -d "$CORPUS" ]; then
	fail "the shared corpus is at $CORPUS" "relevance is measured on it; without it nothing is checked"
	finish
fi
if [ ! -f "$GOLDEN" ]; then
	fail "the golden queries are at $GOLDEN"
	finish
fi
if ! command -v python3 > /dev/null 2>&1; then
	fail "python3 is installed" "the suite reads the JSON of newspack search with it"
	finish
fi
CORPUS=$(cd "$CORPUS" && pwd)
TEST_ID=0D99CDDB830FBFC8
mkdir -p "$XDG_CONFIG_HOME/newspack/trusted"
cp "$KEYS/test.pub" "$XDG_CONFIG_HOME/newspack/trusted/$TEST_ID.pub"

A="$S/corpus.npk"
expect_exit 0 "create --search-index of the whole corpus exits 0" -- \
	"$NP" create -s "$KEYS/test.key" --timestamp 2025-01-24T00:00:00Z --search-index "$A" "$CORPUS" ||
	finish
expect_exit 0 "list of the corpus archive exits 0" -- "$NP" list "$A" || finish
cp "$OUT" "$S/listed"

# The checks are done in Python (JSON, Unicode queries); each writes its verdicts to a file,
# one a line: "pass<TAB>DESC" or "fail<TAB>DESC<TAB>DETAIL<TAB>DETAIL...", which report()
# turns into pass and fail.
cat > "$S/golden.py" << 'EOF'
import json, subprocess, sys

def load_golden(path):
    """The queries of golden.tsv: (line number, language, query, best, [relevant])."""
    rows = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            fields = line.split("\t")
            if len(fields) != 4:
                raise SystemExit("golden.tsv line %d: %d fields, not 4" % (n, len(fields)))
            lang, query, best, rel = fields
            relevant = [p for p in rel.split(",") if p]
            if not lang or not query or not best:
                raise SystemExit("golden.tsv line %d: an empty language, query or best" % n)
            rows.append((n, lang, query, best, relevant))
    return rows

def verdict(out, ok, desc, *details):
    out.write("\t".join(["pass" if ok else "fail", desc] + [d.replace("\t", " ") for d in details]))
    out.write("\n")

def check_paths(golden, listed, out):
    """Every path golden.tsv names is a document of the archive."""
    with open(listed, encoding="utf-8", errors="surrogateescape") as f:
        paths = set(f.read().split("\n"))
    missing = []
    for n, lang, query, best, relevant in load_golden(golden):
        for p in best.split("|") + relevant:
            if p not in paths:
                missing.append("golden.tsv line %d (%s): %s" % (n, query, p))
    verdict(out, not missing,
            "every document golden.tsv names is in the archive (else golden.tsv is wrong)",
            *missing)

def hit_paths(doc):
    """The hits' paths in rank order, each once."""
    seen = []
    for h in doc.get("hits", []):
        p = h.get("path")
        if isinstance(p, str) and p not in seen:
            seen.append(p)
    return seen

def search(np, archive, query, save):
    """Runs one query; returns (hit paths, problem or None)."""
    r = subprocess.run([np, "search", "--json", "-n", "10", archive, query],
                       stdin=subprocess.DEVNULL, capture_output=True)
    with open(save, "wb") as f:
        f.write(r.stdout)
    if r.returncode >= 128 or r.returncode < 0:
        return [], "newspack search died (exit %d)" % r.returncode
    try:
        doc = json.loads(r.stdout.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        err = r.stderr.decode("utf-8", "replace").strip().splitlines()
        return [], "exit %d, no JSON on stdout (%s)%s" % (
            r.returncode, e, ": " + err[0] if err else "")
    if not isinstance(doc, dict) or not isinstance(doc.get("hits"), list):
        return [], "exit %d, the JSON is not an object with a hits list" % r.returncode
    return hit_paths(doc), None

def measure(golden, np, archive, scratch, out):
    rows = load_golden(golden)
    langs = []
    per = {}
    problems = []
    late = []
    for i, (n, lang, query, best, relevant) in enumerate(rows, 1):
        hits, problem = search(np, archive, query, "%s/q%02d.json" % (scratch, i))
        if problem:
            problems.append("golden.tsv line %d [%s] %s: %s" % (n, lang, query, problem))
        hits = hits[:10]
        # best may name several copies of one story (a|b): any of them is the best answer
        bests = best.split("|")
        want = bests + relevant
        found = [p for p in want if p in hits]
        ranks = [hits.index(b) + 1 for b in bests if b in hits]
        rank = min(ranks) if ranks else 0
        if lang not in per:
            langs.append(lang)
            per[lang] = [0, 0, 0, 0]
        s = per[lang]
        s[0] += 1
        s[1] += len(want)
        s[2] += len(found)
        s[3] += 1 if 1 <= rank <= 3 else 0
        where = "rank %d" % rank if rank else "not in the %d hits" % len(hits)
        print("  %-3s %-42s best %-19s %d of %d" % (lang, query[:42], where, len(found), len(want)))
        if not 1 <= rank <= 3:
            late.append("[%s] %s: best %s %s; first hits: %s" % (
                lang, query, best, "came at " + where if rank else "was " + where,
                ", ".join(hits[:5]) or "none"))
        for p in want:
            if p not in hits:
                print("        missed %s" % p)
    print()
    print("  %-8s %7s %9s %6s %9s %8s" % ("language", "queries", "documents", "found", "recall@10", "best@3"))
    total = [0, 0, 0, 0]
    for lang in langs:
        s = per[lang]
        total = [a + b for a, b in zip(total, s)]
        print("  %-8s %7d %9d %6d %9.3f %5d/%d" % (lang, s[0], s[1], s[2], s[2] / s[1], s[3], s[0]))
    recall = total[2] / total[1] if total[1] else 0.0
    print("  %-8s %7d %9d %6d %9.3f %5d/%d" % ("all", total[0], total[1], total[2], recall,
                                                total[3], total[0]))
    verdict(out, not problems, "newspack search --json answers every golden query", *problems)
    verdict(out, recall >= 0.9, "recall@10 over the %d queries is %.3f (at least 0.9)" % (
        total[0], recall), "%d of the %d expected documents were in the 10 hits" % (total[2], total[1]))
    verdict(out, not late, "every query's best answer is in its first 3 hits (%d of %d are)" % (
        total[3], total[0]), *late)

if __name__ == "__main__":
    with open(sys.argv[2], "w", encoding="utf-8") as out:
        if sys.argv[1] == "paths":
            check_paths(sys.argv[3], sys.argv[4], out)
        else:
            measure(sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6], out)
EOF

# report FILE: a pass or fail for each verdict line of FILE.
report() {
	while IFS= read -r _v; do
		_desc=$(printf '%s\n' "$_v" | cut -f 2)
		case $_v in
		pass*) pass "$_desc" ;;
		*)
			_rest=$(printf '%s\n' "$_v" | cut -f 3- -s)
			if [ -n "$_rest" ]; then
				# one detail a tab-separated field, split on purpose
				_old=$IFS
				IFS='	'
				set -f
				# shellcheck disable=SC2086
				fail "$_desc" $_rest
				set +f
				IFS=$_old
			else
				fail "$_desc"
			fi
			;;
		esac
	done < "$1"
}

: > "$S/verdicts"
if python3 "$S/golden.py" paths "$S/verdicts" "$GOLDEN" "$S/listed" 2> "$S/py.err"; then
	report "$S/verdicts"
else
	fail "golden.tsv can be read" "$(head -n 1 "$S/py.err")"
	finish
fi

# An AND is evaluated from its rarest operand, the others read for its
# documents only: its hits must still be exactly the documents of every
# operand, each scored as the sum of the operands' scores, and a NOT must
# take out exactly the negated word's documents. Checked against the
# single-word searches, every hit (-n 10000) of words rare and common.
cat > "$S/and.py" << 'EOF2'
import json, subprocess, sys
np, archive, out = sys.argv[1], sys.argv[2], open(sys.argv[3], "w")
def hits(q):
    r = subprocess.run([np, "search", "--json", "--no-snippets", "-n", "10000", archive, "--", q],
                       capture_output=True, check=True)
    d = json.loads(r.stdout)
    assert d["matched"] == len(d["hits"]), (q, d["matched"], len(d["hits"]))
    return {h["path"]: h["score"] for h in d["hits"]}
def close(a, b):
    return abs(a - b) <= 1e-3 * max(1.0, abs(a), abs(b))
cases = [["the", "museum"], ["police", "government"], ["water", "the", "said"], ["said", "of", "the"],
         ["election", "korea"], ["said", "harbour"], ["правительство", "россии"]]
for words in cases:
    q = " ".join(words)
    got = hits(q)
    each = [hits(w) for w in words]
    want = set(each[0]).intersection(*each[1:])
    bad = [p for p in want if p not in got or not close(got[p], sum(e[p] for e in each))]
    ok = set(got) == want and not bad and len(want) > 0
    out.write("%s\tAND \"%s\": %d documents, those of every word, scored as their sum%s\n" % (
        "pass" if ok else "fail", q, len(want),
        "" if ok else "\tgot %d, want %d; scores off: %s" % (len(got), len(want), bad[:3])))
for pos, neg in [("police", "government"), ("the", "said"), ("of", "and")]:
    got, p, n = hits("%s -%s" % (pos, neg)), hits(pos), hits(neg)
    want = set(p) - set(n)
    ok = set(got) == want and all(close(got[d], p[d]) for d in want) and len(want) > 0
    out.write("%s\t\"%s -%s\": %d documents, the first word's without the second's%s\n" % (
        "pass" if ok else "fail", pos, neg, len(want),
        "" if ok else "\tgot %d, want %d" % (len(got), len(want))))
EOF2
: > "$S/verdicts"
if python3 "$S/and.py" "$NP" "$A" "$S/verdicts" 2> "$S/py.err"; then
	report "$S/verdicts"
else
	fail "AND and NOT against the single-word searches" "$(tail -n 1 "$S/py.err")"
fi

mkdir -p "$S/hits"
: > "$S/verdicts"
info "the queries (each JSON in $S/hits):"
if python3 "$S/golden.py" measure "$S/verdicts" "$GOLDEN" "$NP" "$A" "$S/hits" 2> "$S/py.err"; then
	report "$S/verdicts"
else
	fail "the golden queries can be run and measured" "$(tail -n 1 "$S/py.err")"
fi
finish
