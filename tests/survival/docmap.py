#!/usr/bin/env python3
"""docmap.py: which documents of an archive a damage leaves intact.

    python3 tests/survival/docmap.py ARCHIVE [DAMAGE-LINES]

Reads the intact ARCHIVE with spec/vectors/npkcheck.py (which checks it all: it must verify)
and finds, for every document, the index page that holds its entry and the clusters that hold
its bytes. Without DAMAGE-LINES it prints "PATH\tPAGE-OFFSET PAGE-LENGTH CLUSTER-OFFSET
CLUSTER-LENGTH..." per document; with the output of damage.py (lines "KIND OFFSET LENGTH"; flips
count as one byte; lines starting with "#" are skipped) it prints, one per line in index order,
the path of every document none of whose objects overlaps a damaged byte: what every reader that
goes on past damage must still give back. Only overwriting shapes have a meaning here (not cut,
insert or delete). Standard library only.
"""

import bisect
import io
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "spec",
                                "vectors"))
import npkcheck  # noqa: E402


def objects(path):
    """[(path, [(offset, length), ...])]: the page, then the clusters, of each document."""
    arc, rc = npkcheck.run_checks(path, None, io.StringIO())
    if rc not in (0, 3):
        sys.exit("docmap.py: %s does not verify (npkcheck exit %d)" % (path, rc))
    out = []
    for e in arc.all_entries():
        if e["kind"] != 0:
            continue
        page = arc.pages[e["page"]]
        objs = [(page["offset"], page["length"])]
        if e["size"] > 0 and e.get("stream") is not None:
            s, end = e["stream"], e["stream"] + e["size"]
            i = bisect.bisect_right(arc.cluster_start, s) - 1
            while s < end and i < len(arc.clusters):
                c = arc.clusters[i]
                objs.append((c["offset"], c["length"]))
                s = arc.cluster_start[i] + c["raw_size"]
                i += 1
        out.append((e["path"].decode("utf-8"), objs))
    arc.close()
    return out


def damaged_ranges(lines_path):
    ranges = []
    with open(lines_path) as f:
        for line in f:
            w = line.split()
            if not w or w[0].startswith("#"):
                continue
            if w[0] in ("cut", "insert", "delete"):
                sys.exit("docmap.py: %s shifts or cuts the file: no fixed ranges" % w[0])
            length = 1 if w[0] == "flip" else int(w[2])
            ranges.append((int(w[1]), int(w[1]) + length))
    return ranges


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    docs = objects(sys.argv[1])
    if len(sys.argv) == 2:
        for p, objs in docs:
            print(p + "\t" + " ".join("%d %d" % o for o in objs))
        return
    bad = damaged_ranges(sys.argv[2])
    for p, objs in docs:
        if not any(o < hi and lo < o + n for o, n in objs for lo, hi in bad):
            print(p)


if __name__ == "__main__":
    main()
