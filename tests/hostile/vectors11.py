#!/usr/bin/env python3
"""vectors11.py - makes the forged version 1.1 vectors of spec/vectors/1.1/
(spec/format.md sections 14 and 15) with forge.py, signed with the test key
of spec/vectors/.

    vectors11.py OUTDIR    writes OUTDIR/NAME.npk for every vector and
                           OUTDIR/vectors.tsv (name, expected exit code of
                           verify, what it exercises)

Every vector is small and made the same, byte for byte, on every run: the
inputs are spec/vectors/input/ and fixed texts, the timestamp is that of
the other vectors, Ed25519 signatures are deterministic, and clusters and
index pages are stored (codec 0), so no compressor's choices are in them.
"""

import os
import struct
import sys

import forge

HERE = os.path.dirname(os.path.abspath(__file__))
VEC = os.path.join(forge.TOP, "spec", "vectors")
H = forge.H


def stored(objs):
    """Codec 0 (format.md 4.3): the raw bytes themselves."""
    for o in objs:
        o.codec, o.payload = 0, o.raw


def inputs():
    """spec/vectors/input/, as (path, content), in path order."""
    top = os.path.join(VEC, "input")
    out = []
    for root, _, files in os.walk(top):
        for n in files:
            full = os.path.join(root, n)
            out.append((os.path.relpath(full, top).replace(os.sep, "/").encode(),
                        open(full, "rb").read()))
    return sorted(out)


def kinds(entries):
    """15.7: one entry of each kind (documents are kind 0 already)."""
    by = {e["path"]: e for e in entries}
    by[b"c/withdrawn.txt"].update(kind=1)
    by[b"d"].update(kind=2, media=b"inode/directory")
    by[b"link.txt"].update(kind=3, media=b"inode/symlink")


def vectors():
    """(name, verify exit code, what it exercises, docs, forge arguments)."""
    docs = inputs()
    story = b"The harbour wall will be two metres higher by spring.\n"
    sec = lambda *a: [forge.Section(i, *x) for i, x in enumerate(a)]  # noqa: E731
    v = []
    add = lambda *a: v.append(a)  # noqa: E731
    add("section-noncritical", 0, "a section of a type no 1.1 reader knows (40000), not critical: "
        "skipped, still tiled and digest-checked (15.3, 15.4)", docs,
        {"sections": sec((40000, b"later feature\n" * 4))})
    add("section-critical", 2, "a section of a type no 1.1 reader knows (40000), critical: "
        "needs a newer reader (15.3)", docs,
        {"sections": sec((40000, b"later feature\n" * 4, True))})
    add("sections-table", 0, "sections of types 4 (Merkle tree) and 6 (content digest index) "
        "of the 15.6 table, with its critical bit (0) and their digests; their contents are "
        "defined by later issues, so a 1.1 reader skips them and checks their digests", docs,
        {"sections": sec((4, b"merkle tree levels\n" * 3), (6, b"digest -> extent\n" * 2))})
    add("entry-kinds", 0, "one entry of each kind (15.7): documents, a withdrawn document, an "
        "empty folder, a symbolic link whose target is its content",
        docs + [(b"c/withdrawn.txt", b""), (b"d", b""), (b"link.txt", b"a.txt")],
        {"hooks": {"entries": kinds}})
    add("shared-bytes", 0, "two paths with one content, stored once, and a document whose "
        "extent lies inside another's (15.7)",
        docs + [(b"c/copy.txt", docs[0][1]), (b"c/part.txt", docs[0][1][10:60])],
        {"layout": forge.dedup_layout})
    add("out-of-order", 0, "contents stored in reverse path order in clusters of 64 bytes, so "
        "the clusters are out of path order and documents continue across clusters (15.7)",
        docs + [(b"c/story.txt", story)], {"layout": forge.reverse_layout, "cluster_size": 64})
    add("unreferenced-bytes", 1, "the contents in path order with 77 stored bytes after the "
        "sixth that no entry's extent holds: damaged (15.7, coverage)",
        docs + [(b"c/%d.txt" % i, story) for i in range(4)],
        {"layout": forge.hidden_bytes_layout})
    add("ref-kind-1", 2, "an entry whose content is in an earlier edition's file (ref_kind 1, "
        "defined by the editions issue): needs a newer reader (15.7)", docs,
        {"hooks": {"entries": lambda es: es[0].update(ref_kind=1)}})
    add("tail", 0, "an unsigned tail with one section (type 3, parity) after the signed part: "
        "never trusted, never changes the outcome (15.5)", docs,
        {"tail": [forge.Section(0, 3, b"parity bytes\n" * 4)]})
    return v


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: vectors11.py OUTDIR\n")
        return 2
    out = argv[1]
    os.makedirs(out, exist_ok=True)
    key = forge.Key(os.path.join(VEC, "test.key"))
    rows = []
    for name, code, what, docs, kw in vectors():
        kw = dict(kw)
        hooks = dict(kw.pop("hooks", {}), clusters=stored, pages=stored)
        data = forge.forge(sorted(docs), key, hooks=hooks, v11=True,
                           archive_meta=[("title", "newspack 1.1 vector " + name)], **kw)
        with open(os.path.join(out, name + ".npk"), "wb") as f:
            f.write(data)
        rows.append("%s\t%d\t%s\n" % (name, code, what))
    with open(os.path.join(out, "vectors.tsv"), "w") as f:
        f.writelines(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
