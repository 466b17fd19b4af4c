#!/usr/bin/env python3
"""rates.py - how well newspack's HTML metadata matches Mozilla Readability's
expected metadata (../shared/corpus/html/readability/*/expected-metadata.json).

    rates.py LIST_JSON READABILITY_DIR [--min FIELD=RATE ...]

LIST_JSON is `newspack list --json` of an archive made from READABILITY_DIR.
For each page and field (title, byline, publishedTime, siteName, lang) whose
expected value is not null, newspack's value matches when it is the same
text after folding case, white space and typographic quotes and dashes;
bylines match when every expected name is among newspack's authors (or
the joined authors equal the expected byline); dates match when they name
the same instant (or the same day, when one side has no time). Prints the
rate per field and each miss; exits 1 when a rate is under its --min.
"""
import datetime
import json
import os
import re
import sys
import unicodedata

FIELDS = [("title", "title"), ("byline", "author"), ("publishedTime", "date"),
          ("siteName", "source"), ("lang", "language")]

FOLD = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
                      "\u2013": "-", "\u2014": "-", "\u00a0": " "})


def norm(s):
    s = unicodedata.normalize("NFC", s).translate(FOLD)
    return re.sub(r"\s+", " ", s).strip().casefold()


def instant(s):
    s = s.strip()
    try:
        d = datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        return None
    return d


def date_match(want, got):
    a, b = instant(want), instant(got)
    if a is None or b is None:
        return norm(want) == norm(got)
    if (a.tzinfo is None) != (b.tzinfo is None) or len(got.strip()) == 10 or len(want.strip()) == 10:
        return a.date() == b.date()
    # fractions of a second are dropped (spec/metadata.md section 5)
    return a.replace(microsecond=0) == b.replace(microsecond=0)


def byline_match(want, got):
    if not got:
        return False
    w = norm(want)
    names = [norm(g) for g in got]
    if norm(", ".join(got)) == w or norm(" and ".join(got)) == w or w in names:
        return True
    parts = [p for p in re.split(r",| and |&", re.sub(r"^by\s+", "", w)) if p.strip()]
    return all(p.strip() in names for p in parts)


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    listing = json.load(open(argv[1]))
    top = argv[2]
    mins = {}
    for a in argv[3:]:
        if a == "--min":
            continue
        k, v = a.split("=")
        mins[k] = float(v)
    meta = {d["path"]: d["metadata"] for d in listing["documents"]}
    hits = {f: 0 for f, _ in FIELDS}
    total = {f: 0 for f, _ in FIELDS}
    misses = []
    for page in sorted(os.listdir(top)):
        exp_path = os.path.join(top, page, "expected-metadata.json")
        if not os.path.exists(exp_path):
            continue
        exp = json.load(open(exp_path))
        got = meta.get(page + "/source.html", {})
        for f, key in FIELDS:
            want = exp.get(f)
            if not want:
                continue
            total[f] += 1
            g = got.get(key)
            if f == "byline":
                ok = byline_match(want, g if isinstance(g, list) else [g] if g else [])
            elif f == "publishedTime":
                ok = bool(g) and date_match(want, g)
            elif f == "lang":
                ok = bool(g) and norm(g).split("-")[0] == norm(want).split("-")[0] and \
                    (norm(g) == norm(want) or "-" not in want)
            else:
                ok = bool(g) and norm(g) == norm(want)
            if ok:
                hits[f] += 1
            else:
                misses.append("%s %s: want %r, got %r" % (page, f, want, g))
    rc = 0
    for f, _ in FIELDS:
        rate = hits[f] / total[f] if total[f] else 1.0
        flag = ""
        if f in mins and rate < mins[f]:
            flag = "  (under %.0f%%)" % (100 * mins[f])
            rc = 1
        print("%-14s %3d of %3d  %5.1f%%%s" % (f, hits[f], total[f], 100 * rate, flag))
    for m in misses:
        print("  miss  " + m)
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv))
