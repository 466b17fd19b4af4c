#!/usr/bin/env python3
"""search.py - a test-only writer of the full-text index (spec/search.md 9),
written from the spec alone, that can break any of its rules on purpose.

With forge.py it makes version 1.1 archives, validly signed, whose body
holds the search root (section type 7) and the postings (type 11). Every
step of the index takes a hook that may change what it made before the
next step uses it; the section digests of the directory are computed over
whatever the hooks left, so only the index's own rules can catch a case.

The documents use lowercase ASCII words only, with the metadata language
"fr": section 2 leaves such a word as it is (no stemmer for fr, section 5),
so the terms are the words themselves and the keys are known here without
the text rules of newspack.

    search.py OUTDIR    writes OUTDIR/NAME.npk for the control archives and
                        every hostile case, OUTDIR/cases.tsv (name, text of
                        verify's message or "-" for a valid index, a query
                        the case breaks and the exit code of search for it,
                        a query it does not break or "-", what the case
                        attacks), OUTDIR/queries.tsv
                        (control archive, query, the paths it answers, space
                        separated) and OUTDIR/postings.json (key as hex ->
                        [[document, tf], ...] of the control archive)
    search.py --help    prints this

Standard library only (zlib: every page of codec 1).
"""

import json
import os
import struct
import sys
import zlib

import forge

H = forge.H
MAGIC = b"NPKSRCH1"
VERSIONS = b"unicode=14.0.0 libunistring=1.0.0 snowball=2.2.0"
CHUNK = 16384          # 9.3: postings a chunk holds (the last: the rest)
BLOCK = 128            # 9.4: postings a block holds
NORM_DOCS = 65536      # 9.5: documents a norm page covers
INLINE_MAX = 64        # newspack's choice: inline when the postings take at most this


# ---------------------------------------------------------------- encoding

def varint(v):
    """9: unsigned LEB128, minimal."""
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def pack_bits(values, bits):
    """9.4: each value in bits bits, from the lowest bit of the first byte up."""
    acc = 0
    for k, v in enumerate(values):
        acc |= v << (k * bits)
    return acc.to_bytes(16 * bits, "little")


def encode_run(postings, prev):
    """9.4: a run of (d, tf) pairs; prev: lo - 1 for the first run, else the
    last of the chunk before (relative numbers: d - lo)."""
    out = bytearray()
    for i in range(0, len(postings), BLOCK):
        block = postings[i:i + BLOCK]
        gaps, tfs = [], []
        for d, tf in block:
            gaps.append(d - prev - 1)
            tfs.append(tf - 1)
            prev = d
        if len(block) == BLOCK:
            gb = max(g.bit_length() for g in gaps)
            tb = max(t.bit_length() for t in tfs)
            out += bytes([gb, tb]) + pack_bits(gaps, gb) + pack_bits(tfs, tb)
        else:
            for g, t in zip(gaps, tfs):
                out += varint(g) + varint(t)
    return bytes(out)


def norm_length(c):
    """9.5: L(c)."""
    return c if c < 16 else (8 + c % 8) << (c // 8 - 1)


def norm_code(length):
    """9.5: the largest c with L(c) <= length."""
    c = 0
    while c < 255 and norm_length(c + 1) <= length:
        c += 1
    return c


def compress(raw):
    """9.2: one zlib stream (codec 1)."""
    return zlib.compress(bytes(raw), 6)


# ---------------------------------------------------------------- the writer

def model(docs, lo=0):
    """The keys of 9.1 for docs: a list of (body words, title words, language)
    or None (not a document), in document-number order from lo. Returns
    (postings: key -> [(d - lo, tf)], lengths, languages: code -> documents)."""
    post, lengths, langs = {}, [], {}
    for d, doc in enumerate(docs):
        if doc is None:
            lengths.append(0)
            continue
        body, title, lang = doc
        counts = {}     # 9.1: a document without text still has its metadata's keys
        for code, words in ((1, body), (2, title), (6, [lang])):
            for w in words:
                k = bytes([code]) + w.encode()
                counts[k] = counts.get(k, 0) + 1
        for k, tf in counts.items():
            post.setdefault(k, []).append((d, min(tf, 65535)))
        lengths.append(len(body))
        if body:        # the language records count the documents of a length above 0
            langs[lang] = langs.get(lang, 0) + 1
    return post, lengths, langs


def build(post, lengths, langs, lo=0, per_page=64, chunked=(), inlined=(), hooks=None):
    """The root and the postings section (9.2 to 9.6) of a model. chunked,
    inlined: keys whose postings go in chunks or inline whatever their size
    (9.3 allows either). Hooks, each called with what a step made:
      records(list of dict: key, df, postings, chunked), pages(list of lists
      of those records), encoded(pages: each record now has inline bytes or
      chunks, a list of dict data, last; and df_bytes, chunks_bytes: its
      varints), page_raw((page number, bytearray)), norms(list of bytearray:
      the raw norm pages), post((bytearray: the section, dict: the root's
      fields) after every digest was taken), root(dict of the root's
      fields), root_bytes(bytearray)."""
    hooks = hooks or {}
    hook = lambda name, value: hooks[name](value) if name in hooks else None  # noqa: E731
    n = len(lengths)
    recs = []
    for k in sorted(post):
        ps = post[k]
        size = len(encode_run(ps, -1))
        recs.append({"key": k, "df": len(ps), "postings": ps,
                     "chunked": k in chunked or (size > INLINE_MAX and k not in inlined)})
    hook("records", recs)
    pages = [recs[i:i + per_page] for i in range(0, len(recs), per_page)]
    hook("pages", pages)
    for page in pages:
        for r in page:
            ps = r["postings"]
            r["df_bytes"] = varint(r["df"])
            if not r["chunked"]:
                r["inline"] = encode_run(ps, -1)
                r["chunks_bytes"] = varint(0)
                continue
            r["chunks"] = []
            prev = -1
            for j in range(0, len(ps), CHUNK):
                part = ps[j:j + CHUNK]
                r["chunks"].append({"data": encode_run(part, prev), "last": part[-1][0]})
                prev = part[-1][0]
            r["chunks_bytes"] = varint(len(r["chunks"]))
    hook("encoded", pages)

    section = bytearray()
    term_recs = []
    for i, page in enumerate(pages):
        raw = bytearray(struct.pack("<I", len(page)))
        prev = b""
        for r in page:
            k = r["key"]
            shared = 0
            while shared < min(len(k), len(prev), 255) and k[shared] == prev[shared]:
                shared += 1
            raw += bytes([shared, len(k) - shared]) + k[shared:] + r["df_bytes"] + \
                r["chunks_bytes"]
            if "inline" in r:
                raw += varint(len(r["inline"])) + r["inline"]
            else:
                raw += varint(len(section))
                for ch in r["chunks"]:
                    raw += varint(len(ch["data"])) + varint(ch["last"]) + H(ch["data"])
                    section += ch["data"]
            prev = k
        hook("page_raw", (i, raw))
        stored = compress(raw)
        term_recs.append({"offset": len(section), "stored": len(stored), "raw": len(raw),
                          "digest": H(stored), "first": page[0]["key"]})
        section += stored
    norms = [bytearray(norm_code(x) for x in lengths[k:k + NORM_DOCS])
             for k in range(0, len(lengths), NORM_DOCS)]
    hook("norms", norms)
    norm_recs = []
    for raw in norms:
        stored = compress(raw)
        norm_recs.append({"offset": len(section), "stored": len(stored), "raw": len(raw),
                          "digest": H(stored)})
        section += stored
    root = {"magic": MAGIC, "lo": lo, "hi": lo + n, "docs": sum(1 for x in lengths if x),
            "total": sum(lengths), "keys": len(recs), "term_pages": len(term_recs),
            "norm_pages": len(norm_recs), "codec": 1, "langs": None, "versions": VERSIONS,
            "reserved": 0, "languages": sorted((c.encode(), d) for c, d in langs.items()),
            "term_recs": term_recs, "norm_recs": norm_recs, "tail": b""}
    hook("post", (section, root))
    hook("root", root)
    out = bytearray(root["magic"] + struct.pack(
        "<QQQQQIIBBHI", root["lo"], root["hi"], root["docs"], root["total"], root["keys"],
        root["term_pages"], root["norm_pages"], root["codec"],
        len(root["languages"]) if root["langs"] is None else root["langs"],
        len(root["versions"]), root["reserved"]) + root["versions"])
    for code, d in root["languages"]:
        out += code.ljust(8, b"\0") + struct.pack("<Q", d)
    for t in root["term_recs"]:
        out += struct.pack("<QII", t["offset"], t["stored"], t["raw"]) + t["digest"] + \
            bytes([len(t["first"])]) + t["first"]
    for t in root["norm_recs"]:
        out += struct.pack("<QII", t["offset"], t["stored"], t["raw"]) + t["digest"]
    out += root["tail"]
    hook("root_bytes", out)
    return bytes(out), bytes(section)


# ---------------------------------------------------------------- the fixture

def code_word(i):
    """A word of its own for document i: q and three letters."""
    return "q" + chr(97 + i // 676 % 26) + chr(97 + i // 26 % 26) + chr(97 + i % 26)


HARBOUR = (5, 17, 250)
RARE = (3, 200)
LONG = "z" * 64        # a term of 64 bytes: the longest key (65 bytes)


def fixture(n=300):
    """(forge documents in path order, model documents in the same order)."""
    fdocs, mdocs = [], []
    for i in range(n):
        body = ["common"] * (i % 5 + 1) + [code_word(i)]
        if i % 2 == 0:
            body.append("even")
        if i % 3 == 0:
            body.append("third")
        if i in HARBOUR:
            body += ["harbour", "wall"]
        if i in RARE:
            body.append("rare")
        if i == 9:
            body.append(LONG)
        title = ["story", code_word(i)]
        text = (" ".join(title) + "\n\n" + " ".join(body) + "\n").encode()
        fdocs.append((b"d/%03d.txt" % i, text,
                      [("language", "fr"), ("title", " ".join(title))]))
        mdocs.append((title + body, title, "fr"))
    # a document without words: length 0, its metadata's keys only (here \x06fr)
    fdocs.append((b"e/empty.txt", b"-- !! --\n", [("language", "fr"), ("title", "")]))
    mdocs.append(([], [], "fr"))
    return fdocs, mdocs


BIG = 16500           # documents of the big fixture: "every" is in each, two chunks


def big_fixture(n=BIG):
    """Many small documents: the key \\x01every has 16500 postings, two chunks."""
    fdocs = [(b"b/%05d.txt" % i, b"every %s\n" % code_word(i).encode(), [("language", "fr")])
             for i in range(n)]
    mdocs = [(["every", code_word(i)], [], "fr") for i in range(n)]
    return fdocs, mdocs


def queries(n=300):
    """(query, expected paths) of the control archive."""
    p = lambda i: "d/%03d.txt" % i  # noqa: E731
    return [("harbour", [p(i) for i in HARBOUR]),
            ("harbour wall", [p(i) for i in HARBOUR]),
            ("rare", [p(i) for i in RARE]),
            (code_word(123), [p(123)]),
            (code_word(299), [p(299)]),
            ("even third", [p(i) for i in range(n) if i % 6 == 0]),
            ("third -even", [p(i) for i in range(n) if i % 3 == 0 and i % 2]),
            (LONG, [p(9)]),
            ("title:" + code_word(42), [p(42)]),
            ("lang:fr " + code_word(7), [p(7)]),
            ("nowhere", [])]


def big_queries():
    """(query, expected paths) of the big control archive: the second chunk."""
    return [(code_word(16400), ["b/16400.txt"]),
            ("every " + code_word(16499), ["b/16499.txt"]),
            ("every " + code_word(3), ["b/00003.txt"])]


# ---------------------------------------------------------------- the cases

def find_key(pages, key):
    for i, page in enumerate(pages):
        for j, r in enumerate(page):
            if r["key"] == key:
                return i, j, r
    raise KeyError(key)


def cases(n=300):
    """(name, verify's text, query it breaks, search's exit code for it, query
    it does not break or "-", what, build hooks, build options, sections)."""
    opts = {"chunked": {b"\x01rare"}, "inlined": {b"\x01even"}}
    c = []
    add = lambda *a: c.append(a)  # noqa: E731

    def root_set(**kv):
        return {"root": lambda r: r.update(kv)}

    def term_rec(i, **kv):
        return {"root": lambda r: r["term_recs"][i].update(kv)}

    # 64 keys a page: page 0 holds \x01common, \x01even, \x01harbour and the body's
    # code words 0 to 60; page 1 the next 64, among them code word 70
    w_page1 = code_word(70)
    ok = "-"
    add("control", "-", "harbour", 0, ok, "a valid index: 10 term pages, inline and chunked "
        "postings (full blocks of 128 and a last block), one norm page, a language record",
        {}, opts, None)
    add("bad-magic", "the root does not begin with NPKSRCH1", "harbour", 1, ok,
        "a root whose magic is NPKSRCH2", root_set(magic=b"NPKSRCH2"), opts, None)
    add("hi-below-lo", "(lo <= hi", "harbour", 1, ok, "a root with lo 302, hi 301",
        root_set(lo=302), opts, None)
    add("norm-pages-wrong", "norm pages, not ceil((hi - lo) / 65536)", "harbour", 1, ok,
        "a root that counts 2 norm pages (with 2 records) for 301 documents",
        {"root": lambda r: r.update(norm_pages=2, norm_recs=r["norm_recs"] * 2)}, opts, None)
    add("page-outside", "lies outside the postings section", "harbour", 1, ok,
        "a term page record whose offset is the postings section's length",
        {"post": lambda sr: sr[1]["term_recs"][3].update(offset=len(sr[0]))}, opts, None)
    add("stored-above-bound", "stored bytes for", "harbour", 1, ok,
        "a term page record with stored = raw + raw / 8 + 1025",
        {"root": lambda r: r["term_recs"][2].update(
            stored=r["term_recs"][2]["raw"] + r["term_recs"][2]["raw"] // 8 + 1025)}, opts, None)
    add("raw-above-1mib", "is not 4 bytes to 1 MiB", "harbour", 1, ok,
        "a term page record with raw = 1 MiB + 1", term_rec(1, raw=(1 << 20) + 1), opts, None)
    add("first-keys-equal", "is not above the one before", "harbour", 1, ok,
        "term page 5's first key in the root equal to page 4's",
        {"root": lambda r: r["term_recs"][5].update(first=r["term_recs"][4]["first"])}, opts,
        None)

    def flip_page(sr):
        section, root = sr
        t = root["term_recs"][1]
        section[t["offset"] + t["stored"] // 2] ^= 0x01
    add("term-page-digest", "term page 1 (keys from", w_page1, 1, "harbour",
        "a byte of term page 1 changed after the root was made (section 11's directory digest "
        "made after it)", {"post": flip_page}, opts, None)

    def swap_keys(pages):
        p = pages[1]
        p[5], p[6] = p[6], p[5]
    add("keys-out-of-order", "keys do not strictly increase", w_page1, 1, "harbour",
        "records 5 and 6 of term page 1 swapped", {"pages": swap_keys}, opts, None)

    def long_df(pages):
        find_key(pages, b"\x01harbour")[2]["df_bytes"] = bytes([0x83, 0x00])
    add("varint-not-minimal", "not minimal", "harbour", 1, w_page1,
        "the df of \\x01harbour written 83 00 (a final 0x00 byte)", {"encoded": long_df}, opts,
        None)

    def df_zero(pages):
        find_key(pages, b"\x01harbour")[2]["df_bytes"] = varint(0)
    add("df-zero", "df is not 1 to hi - lo", "harbour", 1, w_page1,
        "the df of \\x01harbour 0", {"encoded": df_zero}, opts, None)

    def last_wrong(pages):
        r = find_key(pages, b"\x01third")[2]
        r["chunks"][0]["last"] += 1
    add("chunk-last-wrong", "its last document is not its record's last", "third", 1, "harbour",
        "the chunk of \\x01third whose last is one above its last document",
        {"encoded": last_wrong}, opts, None)

    def above_hi(pages):
        r = find_key(pages, b"\x01harbour")[2]
        ps = r["postings"][:-1] + [(n + 1, 1)]          # hi - lo: n documents and e/empty.txt
        r["inline"] = encode_run(ps, -1)
    add("doc-above-hi", "a document is not below hi", "harbour", 1, w_page1,
        "the inline postings of \\x01harbour whose last document is hi", {"encoded": above_hi},
        opts, None)

    def chunk_above_hi(pages):
        r = find_key(pages, b"\x01rare")[2]
        ps = r["postings"][:-1] + [(n + 6, 1)]
        r["chunks"][0].update(data=encode_run(ps, -1), last=ps[-1][0])
    add("chunk-doc-above-hi", "not below hi", "rare", 1, w_page1,
        "the chunk of \\x01rare whose last document (and last) are above hi",
        {"encoded": chunk_above_hi}, opts, None)
    add("norm-page-size", "not its 301 documents", "harbour", 1, ok,
        "a norm page of 302 bytes (one more than its documents)",
        {"norms": lambda ns: ns[0].append(0)}, opts, None)

    add("postings-gap", "(9.6)", "harbour", 0, ok,
        "an unused byte between the last term page and the norm page (the section's digest "
        "covers it)", {"post": gap_before_norms}, opts, None)
    add("only-root", "1 root sections (type 7) and 0 postings sections", "harbour", 1, ok,
        "a root section (type 7) without the postings section (type 11)", {}, opts,
        lambda root, post: [(7, root)])
    add("two-roots", "2 root sections (type 7)", "harbour", 1, ok,
        "two root sections (type 7), the same bytes, and the postings", {}, opts,
        lambda root, post: [(7, root), (7, root), (11, post)])
    add("root-trailing", "1 bytes after the root's last record", "harbour", 1, ok,
        "one byte after the root's last norm page record", root_set(tail=b"\0"), opts, None)
    return c


def big_cases():
    """The cases of the big fixture, as cases(): two chunks of one key."""
    c = []
    add = lambda *a: c.append(a)  # noqa: E731
    every = b"\x01every"
    big = {"per_page": 4096}
    q2 = "every " + code_word(16400)

    def chunk_set(j, **kv):
        return {"encoded": lambda pages: find_key(pages, every)[2]["chunks"][j].update(kv)}

    def flip_chunk(sr):
        section, _ = sr
        # the section begins with the chunks of page 0: \x01every's first
        section[100] ^= 0x01

    def count_one(pages):
        find_key(pages, every)[2]["chunks_bytes"] = varint(1)
    add("big", "-", q2, 0, "-", "16500 documents, \\x01every in two chunks (16384 and 116)", {},
        big, None)
    add("big-chunk-digest", "chunk 0 does not match its digest", "every", 1, code_word(5),
        "a byte of \\x01every's first chunk changed after the term page was made",
        {"post": flip_chunk}, big, None)
    add("big-chunk-last-order", "do not increase", "every", 1, "-",
        "\\x01every's first chunk's last equal to the second's",
        chunk_set(0, last=BIG - 1), big, None)
    add("big-chunks-count", "ceil(df / 16384)", "every", 1, "-",
        "\\x01every's chunks written 1 for df 16500", {"encoded": count_one}, big, None)
    return c


def gap_before_norms(sr):
    """9.6: one byte that no page holds, between the last term page and the
    first norm page (nothing after it names an offset but the norm records)."""
    section, root = sr
    at = root["norm_recs"][0]["offset"]
    section[at:at] = b"\0"
    for t in root["norm_recs"]:
        t["offset"] += 1


def make(out):
    os.makedirs(out, exist_ok=True)
    key = forge.Key(os.path.join(forge.TOP, "tests", "keys", "test.key"))
    small_f, small_m = fixture()
    big_f, big_m = big_fixture()
    small, big = model(small_m), model(big_m)
    rows = []
    for name, text, bad_q, code, good_q, what, hooks, opts, secs in cases() + big_cases():
        fdocs, (post, lengths, langs) = (big_f, big) if name.startswith("big") else \
            (small_f, small)
        root, section = build(post, lengths, langs, hooks=hooks, **opts)
        if secs is None:
            secs = [(7, root), (11, section)]
        else:
            secs = secs(root, section)
        sections = [forge.Section(i, t, d) for i, (t, d) in enumerate(secs)]
        data = forge.forge(fdocs, key, v11=True, sections=sections, page_entries=64,
                           cluster_size=65536,
                           archive_meta=[("title", "search index case " + name)])
        with open(os.path.join(out, name + ".npk"), "wb") as f:
            f.write(data)
        rows.append("%s\t%s\t%s\t%d\t%s\t%s\n" % (name, text, bad_q, code, good_q, what))
    with open(os.path.join(out, "cases.tsv"), "w") as f:
        f.writelines(rows)
    with open(os.path.join(out, "queries.tsv"), "w") as f:
        f.writelines("control\t%s\t%s\n" % (q, " ".join(ps)) for q, ps in queries())
        f.writelines("big\t%s\t%s\n" % (q, " ".join(ps)) for q, ps in big_queries())
    with open(os.path.join(out, "postings.json"), "w") as f:
        json.dump({k.hex(): [list(p) for p in v] for k, v in sorted(small[0].items())}, f)
    print("search.py: %d cases in %s" % (len(rows), out))
    return 0


def main(argv):
    if len(argv) == 2 and argv[1] in ("-h", "--help"):
        sys.stdout.write(__doc__.split("\n\n", 1)[1])
        return 0
    if len(argv) != 2 or argv[1].startswith("-"):
        sys.stderr.write("usage: search.py OUTDIR\n")
        return 2
    return make(argv[1])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
