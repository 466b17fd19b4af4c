#!/usr/bin/env python3
"""searchcheck.py - an independent reader of the full-text index of an
archive (spec/search.md 9), written from the spec alone.

    searchcheck.py [-p PUBKEY] ARCHIVE --check
        checks the whole index: the root (9.2), every term page (9.3), every
        postings run and chunk (9.4), every norm page (9.5), each against
        its digest, and the tiling of the postings section (9.6); prints
        one line per problem, then a summary
    searchcheck.py [-p PUBKEY] [--json] ARCHIVE FIELD TERM
        prints the key FIELD TERM: its df, then each posting as "DOCUMENT TF"
        (--json: {"key": hex, "df": N, "postings": [[DOCUMENT, TF], ...]}).
        FIELD is a code of 9.1 (1 to 8) or its name (body, title, author,
        section, source, lang, url, date); TERM is the term as it is stored
        (section 2: folded, stemmed), not a query. Only the pages and chunks
        the key needs are read, each checked against its digest.
    searchcheck.py [-p PUBKEY] ARCHIVE --keys
        prints every key as FIELD<TAB>TERM<TAB>df

The archive is opened by spec/vectors/npkcheck.py (steps 1 to 7 of
spec/format.md 11: header, trailer, signature, manifest, section directory,
tables); its sections 7 and 11 are found through the directory, and the
root is checked against the directory's digest before it is read.
Pages of codec 1 are read with zlib, pages of codec 2 with npkcheck.py's
own zstd decoder (RFC 8878, pure Python: slow on large indexes).

Exit status: 0 the index (or the key) reads whole; 1 the archive or its
index is damaged; 2 usage, no index, or a file that cannot be read.
Standard library only.
"""

import argparse
import json
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "vectors"))
import npkcheck  # noqa: E402  (spec/format.md: the archive, its directory, H, codecs)

H = npkcheck.H
MAGIC = b"NPKSRCH1"
ROOT_TYPE, POSTINGS_TYPE = 7, 11
FIELDS = {"body": 1, "title": 2, "author": 3, "section": 4, "source": 5, "lang": 6,
          "url": 7, "date": 8}
CHUNK = 16384
BLOCK = 128
NORM_DOCS = 65536
MIB = 1 << 20
INLINE_MAX = 65536
TF_MAX = 65535


class Damage(Exception):
    """A rule of spec/search.md 9 broken: the index (or a piece of it) is damaged."""


class Cursor(object):
    """Bytes read from the start; every read is bounded."""

    def __init__(self, data, what):
        self.data, self.pos, self.what = data, 0, what

    def take(self, n):
        if n < 0 or self.pos + n > len(self.data):
            raise Damage("%s ends inside a field (%d bytes wanted at byte %d of %d)"
                         % (self.what, n, self.pos, len(self.data)))
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def unpack(self, fmt):
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt)))

    def u8(self):
        return self.take(1)[0]

    def varint(self):
        """9: unsigned LEB128, at most 10 bytes and 2^64 - 1, minimal."""
        v = 0
        for i in range(10):
            b = self.take(1)[0]
            v |= (b & 0x7F) << (7 * i)
            if not b & 0x80:
                if i > 0 and b == 0:
                    raise Damage("%s: a varint is not minimal (a final 0x00 byte)" % self.what)
                if v >= 1 << 64:
                    raise Damage("%s: a varint is above 2^64 - 1" % self.what)
                return v
        raise Damage("%s: a varint is longer than 10 bytes" % self.what)

    def left(self):
        return len(self.data) - self.pos


def show_key(key):
    """A key as FIELD:term, the term's bytes other than printable ASCII as \\xNN."""
    term = "".join(chr(b) if 0x20 <= b < 0x7F and b not in (0x22, 0x5C) else "\\x%02x" % b
                   for b in key[1:])
    return "%d:\"%s\"" % (key[0], term)


def norm_length(c):
    """9.5: L(c)."""
    return c if c < 16 else (8 + c % 8) << (c // 8 - 1)


def unpack_bits(data, bits, count):
    """9.4: count values of bits bits, from the lowest bit of the first byte up."""
    acc = int.from_bytes(data, "little")
    mask = (1 << bits) - 1
    return [(acc >> (k * bits)) & mask for k in range(count)]


class Index(object):
    """The index of one archive: the root parsed and checked (9.2)."""

    def __init__(self, read_post, post_len, root):
        self.read_post = read_post     # (offset, length) -> bytes of the postings section
        self.post_len = post_len
        self.parse_root(root)

    # -- 9.2 -----------------------------------------------------------------
    def parse_root(self, root):
        c = Cursor(root, "the root")
        if len(root) < 64:
            raise Damage("the root is %d bytes, shorter than 64" % len(root))
        if c.take(8) != MAGIC:
            raise Damage("the root does not begin with NPKSRCH1")
        (self.lo, self.hi, self.docs, self.total, self.keys, self.term_pages, self.norm_pages,
         self.codec, langs, vlen, reserved) = c.unpack("QQQQQIIBBHI")
        if self.lo > self.hi or self.hi - self.lo > 1 << 32:
            raise Damage("lo %d, hi %d: not lo <= hi and hi - lo <= 2^32" % (self.lo, self.hi))
        self.n = self.hi - self.lo
        if self.docs > self.n:
            raise Damage("docs %d is above hi - lo %d" % (self.docs, self.n))
        if self.total < self.docs or (self.docs == 0 and self.total != 0):
            raise Damage("total %d does not fit docs %d (total >= docs, 0 when docs is 0)"
                         % (self.total, self.docs))
        if (self.keys > 0) != (self.term_pages > 0) or self.term_pages > self.keys:
            raise Damage("%d term pages for %d keys" % (self.term_pages, self.keys))
        if self.norm_pages != (self.n + NORM_DOCS - 1) // NORM_DOCS:
            raise Damage("%d norm pages, not ceil((hi - lo) / 65536) = %d"
                         % (self.norm_pages, (self.n + NORM_DOCS - 1) // NORM_DOCS))
        if self.codec not in (1, 2):
            raise Damage("codec %d is neither 1 (zlib) nor 2 (zstd)" % self.codec)
        if langs > 64:
            raise Damage("%d language records, more than 64" % langs)
        if not 1 <= vlen <= 255:
            raise Damage("versions_len %d is not 1 to 255" % vlen)
        if reserved:
            raise Damage("the reserved field is not 0")
        v = c.take(vlen)
        if any(b < 0x20 or b > 0x7E for b in v):
            raise Damage("versions holds a byte that is not printable ASCII")
        self.versions = v.decode("ascii")
        self.langs = []
        for i in range(langs):
            code, d = c.take(8), c.unpack("Q")[0]
            name = code.rstrip(b"\0")
            if not name or any(b < 0x21 or b > 0x7E for b in name):
                raise Damage("language record %d is not 1 to 8 printable ASCII bytes padded "
                             "with NUL" % i)
            if self.langs and code <= self.langs[-1][2]:
                raise Damage("language codes do not strictly increase (record %d)" % i)
            self.langs.append((name.decode("ascii"), d, code))
        if sum(d for _, d, _ in self.langs) > self.n:
            raise Damage("the language records count more documents than hi - lo")
        self.tp = []
        for i in range(self.term_pages):
            off, stored, raw = c.unpack("QII")
            digest = c.take(32)
            first = c.take(c.u8())
            if not 2 <= len(first) <= 65:
                raise Damage("term page %d: a first key of %d bytes (2 to 65)" % (i, len(first)))
            self.check_place("term page %d" % i, off, stored, raw)
            if self.tp and first <= self.tp[-1]["first"]:
                raise Damage("term page %d: its first key is not above term page %d's"
                             % (i, i - 1))
            self.tp.append({"off": off, "stored": stored, "raw": raw, "digest": digest,
                            "first": first})
        self.np = []
        for k in range(self.norm_pages):
            off, stored, raw = c.unpack("QII")
            digest = c.take(32)
            want = min(NORM_DOCS, self.n - k * NORM_DOCS)
            if raw != want:
                raise Damage("norm page %d: raw %d, not its %d documents" % (k, raw, want))
            self.check_place("norm page %d" % k, off, stored, raw)
            self.np.append({"off": off, "stored": stored, "raw": raw, "digest": digest})
        if c.left():
            raise Damage("%d bytes after the root's last record" % c.left())

    def check_place(self, what, off, stored, raw):
        """9.2: raw 1 to 1 MiB, stored 1 to raw + raw / 8 + 1024, inside the postings."""
        if not 1 <= raw <= MIB:
            raise Damage("%s: raw %d is not 1 to 1 MiB" % (what, raw))
        if not 1 <= stored <= raw + raw // 8 + 1024:
            raise Damage("%s: stored %d is not 1 to raw + raw / 8 + 1024 = %d"
                         % (what, stored, raw + raw // 8 + 1024))
        if off + stored > self.post_len:
            raise Damage("%s (%d bytes at %d) lies outside the postings section (%d bytes)"
                         % (what, stored, off, self.post_len))

    # -- pages -----------------------------------------------------------------
    def load(self, what, page):
        """9.2: the stored bytes, checked against the digest, decoded to exactly raw."""
        st = self.read_post(page["off"], page["stored"])
        if H(st) != page["digest"]:
            raise Damage("%s does not match its digest" % what)
        if self.codec == 2:
            raw, why = npkcheck.decode_payload(2, st, page["raw"])
        else:
            raw, why = npkcheck.decode_payload(1, st, page["raw"])
        if why:
            raise Damage("%s: %s" % (what, why))
        return raw

    def term_page(self, i):
        """9.3: the records of term page i, each a dict: key, df, and inline
        bytes or (offset, chunks: list of (len, last, digest))."""
        what = "term page %d (keys from %s)" % (i, show_key(self.tp[i]["first"]))
        c = Cursor(self.load(what, self.tp[i]), what)
        count = c.unpack("I")[0]
        if count == 0:
            raise Damage("%s: a count of 0" % what)
        nxt = self.tp[i + 1]["first"] if i + 1 < len(self.tp) else None
        recs, key = [], b""
        for k in range(count):
            w = "%s record %d" % (what, k)
            c.what = w
            shared, slen = c.u8(), c.u8()
            if k == 0 and shared:
                raise Damage("%s: the first key shares %d bytes" % (w, shared))
            if shared > len(key):
                raise Damage("%s: shares %d bytes of a key of %d" % (w, shared, len(key)))
            if not 2 <= shared + slen <= 65:
                raise Damage("%s: a key of %d bytes (2 to 65)" % (w, shared + slen))
            new = key[:shared] + c.take(slen)
            if k == 0 and new != self.tp[i]["first"]:
                raise Damage("%s: the first key is not the root's first key of the page" % w)
            if k > 0 and new <= key:
                raise Damage("%s: keys do not strictly increase" % w)
            if nxt is not None and new >= nxt:
                raise Damage("%s: a key is not below the next page's first key" % w)
            key = new
            r = {"key": key, "df": c.varint()}
            chunks = c.varint()
            if not 1 <= r["df"] <= self.n:
                raise Damage("%s: df %d is not 1 to hi - lo" % (w, r["df"]))
            if chunks == 0:
                ln = c.varint()
                if ln > INLINE_MAX:
                    raise Damage("%s: inline postings of %d bytes (at most 65536)" % (w, ln))
                r["inline"] = c.take(ln)
            else:
                if chunks != (r["df"] + CHUNK - 1) // CHUNK:
                    raise Damage("%s: %d chunks for df %d, not ceil(df / 16384)"
                                 % (w, chunks, r["df"]))
                r["offset"], r["chunks"], last = c.varint(), [], None
                pos = r["offset"]
                for j in range(chunks):
                    ln, lst, dg = c.varint(), c.varint(), c.take(32)
                    if not 1 <= ln <= MIB:
                        raise Damage("%s: chunk %d: len %d is not 1 to 1 MiB" % (w, j, ln))
                    if lst >= self.n:
                        raise Damage("%s: chunk %d: last %d is not below hi - lo" % (w, j, lst))
                    if last is not None and lst <= last:
                        raise Damage("%s: chunk %d: last values do not strictly increase"
                                     % (w, j))
                    if pos + ln > self.post_len:
                        raise Damage("%s: chunk %d lies outside the postings section" % (w, j))
                    r["chunks"].append((pos, ln, lst, dg))
                    pos, last = pos + ln, lst
            recs.append(r)
        if c.left():
            raise Damage("%s: %d bytes after the last record" % (what, c.left()))
        return recs

    def norms(self, k):
        return self.load("norm page %d" % k, self.np[k])

    # -- 9.4 -------------------------------------------------------------------
    def decode_run(self, data, count, prev, what):
        """count postings from data, prev the number before the first
        (relative to lo, -1 for none); nothing may be left over."""
        c = Cursor(data, what)
        out = []
        while len(out) < count:
            m = min(BLOCK, count - len(out))
            if m == BLOCK:
                gb, tb = c.u8(), c.u8()
                if gb > 32 or tb > 16:
                    raise Damage("%s: a block's gap_bits %d (0 to 32) or tf_bits %d (0 to 16)"
                                 % (what, gb, tb))
                pairs = zip(unpack_bits(c.take(16 * gb), gb, BLOCK),
                            unpack_bits(c.take(16 * tb), tb, BLOCK))
            else:
                pairs = [(c.varint(), c.varint()) for _ in range(m)]
            for gap, tf1 in pairs:
                d = prev + 1 + gap
                if d >= self.n:
                    raise Damage("%s: a document (%d) is not below hi" % (what, self.lo + d))
                if tf1 >= TF_MAX:
                    raise Damage("%s: a frequency above 65535" % what)
                out.append((d, tf1 + 1))
                prev = d
        if c.left():
            raise Damage("%s: %d bytes left over after its postings" % (what, c.left()))
        return out

    def postings(self, r):
        """The (document number, tf) of a key's record, every run checked."""
        what = "key %s" % show_key(r["key"])
        if "inline" in r:
            ps = self.decode_run(r["inline"], r["df"], -1, what + " (inline postings)")
        else:
            ps, prev = [], -1
            for j, (off, ln, last, dg) in enumerate(r["chunks"]):
                w = "%s chunk %d" % (what, j)
                data = self.read_post(off, ln)
                if H(data) != dg:
                    raise Damage("%s does not match its digest" % w)
                count = CHUNK if j + 1 < len(r["chunks"]) else r["df"] - CHUNK * j
                part = self.decode_run(data, count, prev, w)
                if part[-1][0] != last:
                    raise Damage("%s: its last document is not its record's last" % w)
                ps += part
                prev = last
        return [(self.lo + d, tf) for d, tf in ps]

    def lookup(self, key):
        """The record of key, or None (its page alone is read)."""
        i = -1
        for k, p in enumerate(self.tp):
            if p["first"] <= key:
                i = k
        if i < 0:
            return None
        for r in self.term_page(i):
            if r["key"] == key:
                return r
        return None


def check(ix, out):
    """Everything of 9.2 to 9.6; returns the number of problems printed."""
    problems = []
    pos = [0]

    def tile(what, off, ln):
        if off != pos[0]:
            problems.append("%s begins at byte %d of the postings, not at %d where the piece "
                            "before it ends (9.6)" % (what, off, pos[0]))
        pos[0] = off + ln

    keys = 0
    for i, p in enumerate(ix.tp):
        try:
            recs = ix.term_page(i)
        except Damage as e:
            problems.append(str(e))
            pos[0] = p["off"]
            tile("term page %d" % i, p["off"], p["stored"])
            keys = None
            continue
        for r in recs:
            for j, (off, ln, _, _) in enumerate(r.get("chunks", ())):
                tile("key %s chunk %d" % (show_key(r["key"]), j), off, ln)
            try:
                ix.postings(r)
            except Damage as e:
                problems.append(str(e))
        if keys is not None:
            keys += len(recs)
        tile("term page %d" % i, p["off"], p["stored"])
    if keys is not None and keys != ix.keys:
        problems.append("the term pages hold %d keys, the root says %d" % (keys, ix.keys))
    docs, low, high, whole = 0, 0, 0, True
    for k, p in enumerate(ix.np):
        tile("norm page %d" % k, p["off"], p["stored"])
        try:
            raw = ix.norms(k)
        except Damage as e:
            problems.append(str(e))
            whole = False
            continue
        for b in raw:
            docs += b > 0
            low += norm_length(b)
            high += norm_length(b + 1) - 1 if b < 255 else 1 << 64
    if whole and docs != ix.docs:
        problems.append("docs is %d in the root, but %d norms are above 0" % (ix.docs, docs))
    if whole and not low <= ix.total <= high:
        problems.append("total %d is outside %d to %d, what the norms allow"
                        % (ix.total, low, high))
    if pos[0] != ix.post_len:
        problems.append("the postings section is %d bytes, its pieces end at %d (9.6)"
                        % (ix.post_len, pos[0]))
    for p in problems:
        out.write("DAMAGED  search index: %s\n" % p)
    return len(problems)


def open_index(path, trusted, err):
    """(Index, None) or (None, exit code) after saying why on err."""
    try:
        arc = npkcheck.Archive(path)
    except OSError as e:
        err.write("searchcheck: cannot open %s: %s\n" % (path, e.strerror))
        return None, 2
    try:
        arc.open(trusted)
    except npkcheck.Stop:
        pass
    except npkcheck.Short as e:
        arc.problem("archive", e.offset, "%s past the end of the file" % e.what)
    if arc.problems:
        for where, off, text in arc.problems:
            err.write("searchcheck: %s: %s, %s: %s\n" % (path, where, npkcheck.at(off), text))
        return None, 2 if arc.needs_newer_only() else 1
    if not arc.v11:
        err.write("searchcheck: %s: a version 1.0 archive has no search index\n" % path)
        return None, 2
    roots = [x for x in arc.sections if x["type"] == ROOT_TYPE]
    posts = [x for x in arc.sections if x["type"] == POSTINGS_TYPE]
    if not roots and not posts:
        err.write("searchcheck: %s: no search index (no section of type 7 or 11)\n" % path)
        return None, 2
    if len(roots) != 1 or len(posts) != 1:
        err.write("searchcheck: %s: search index: %d root sections (type 7) and %d postings "
                  "sections (type 11), not one of each\n" % (path, len(roots), len(posts)))
        return None, 1
    rs, ps = roots[0], posts[0]
    root = arc.read(rs["offset"], rs["length"])
    if H(root) != rs["digest"]:
        err.write("searchcheck: %s: search index: the root does not match its digest in the "
                  "directory\n" % path)
        return None, 1

    def read_post(off, ln):
        return arc.read(ps["offset"] + off, ln)
    try:
        ix = Index(read_post, ps["length"], root)
    except Damage as e:
        err.write("searchcheck: %s: search index: %s\n" % (path, e))
        return None, 1
    ix.arc, ix.post_section = arc, ps
    return ix, None


def main(argv, out=sys.stdout, err=sys.stderr):
    ap = argparse.ArgumentParser(prog="searchcheck.py", description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("-p", "--pubkey", help="the trusted public key (minisign .pub)")
    ap.add_argument("--json", action="store_true", help="a key's postings as JSON")
    ap.add_argument("--check", action="store_true", help="check the whole index")
    ap.add_argument("--keys", action="store_true", help="list every key and its df")
    ap.add_argument("archive")
    ap.add_argument("field", nargs="?")
    ap.add_argument("term", nargs="?")
    a = ap.parse_args(argv)
    if (a.check or a.keys) != (a.field is None) or (a.field is None) != (a.term is None) or \
            (a.check and a.keys):
        err.write("searchcheck: give --check, --keys, or FIELD and TERM\n")
        return 2
    trusted = None
    if a.pubkey:
        try:
            trusted = npkcheck.load_public_key(a.pubkey)
        except npkcheck.KeyFileError as e:
            err.write("searchcheck: %s\n" % e)
            return 2
    try:
        ix, code = open_index(a.archive, trusted, err)
        if ix is None:
            return code
        if a.check:
            n = check(ix, out)
            if not n:
                data = ix.arc.read(ix.post_section["offset"], ix.post_section["length"])
                if H(data) != ix.post_section["digest"]:
                    out.write("DAMAGED  search index: the postings section does not match its "
                              "digest in the directory\n")
                    n = 1
            if n:
                out.write("%s: search index: %d problem(s); the index is damaged\n"
                          % (a.archive, n))
                return 1
            out.write("%s: search index intact: documents %d to %d (%d with text, %d terms), "
                      "%d keys in %d term pages, %d norm pages, codec %d, %s\n"
                      % (a.archive, ix.lo, ix.hi, ix.docs, ix.total, ix.keys, ix.term_pages,
                         ix.norm_pages, ix.codec, ix.versions))
            return 0
        if a.keys:
            for i in range(len(ix.tp)):
                for r in ix.term_page(i):
                    out.write("%d\t%s\t%d\n" % (r["key"][0], r["key"][1:].decode(
                        "utf-8", "backslashreplace"), r["df"]))
            return 0
        field = FIELDS.get(a.field) or (int(a.field) if a.field.isdigit() else 0)
        if not 1 <= field <= 255:
            err.write("searchcheck: unknown field %s\n" % a.field)
            return 2
        key = bytes([field]) + os.fsencode(a.term)
        r = ix.lookup(key)
        ps = ix.postings(r) if r is not None else []
        if a.json:
            json.dump({"key": key.hex(), "df": len(ps), "postings": [list(p) for p in ps]}, out)
            out.write("\n")
        else:
            out.write("key %s: df %d%s\n" % (show_key(key), len(ps), "" if r is None else
                                            " (inline)" if "inline" in r else
                                            " (%d chunks)" % len(r["chunks"])))
            for d, tf in ps:
                out.write("%d %d\n" % (d, tf))
        return 0
    except Damage as e:
        err.write("searchcheck: %s: search index: %s\n" % (a.archive, e))
        return 1
    except npkcheck.Short as e:
        err.write("searchcheck: %s: %s past the end of the file\n" % (a.archive, e.what))
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
