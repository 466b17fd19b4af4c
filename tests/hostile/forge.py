#!/usr/bin/env python3
"""forge.py - a test-only .npk writer, written from spec/format.md, that can
break any rule on purpose.

It builds an archive from a list of documents in the steps of the format
(clusters, index pages, tables, manifest, signature, trailer), and each
step takes a hook that may change what it made before the next step uses
it. Digests and the signature are computed over whatever the hooks left,
so a forged archive is validly signed by the chosen key unless a case
damages the signature itself: the reader must then find the broken rule
behind the signature, which is what the hostile suite checks.

    forge.py OUTDIR     writes every case as OUTDIR/NAME.npk, the documents
                        it holds as OUTDIR/NAME.docs.json, and
                        OUTDIR/cases.tsv (name, expected exit code of
                        verify, expected text of its message, what the case
                        attacks)
    forge.py tree OUTDIR NAME DIR
                        checks what an extract of case NAME left in DIR:
                        every file is one of the case's documents, at its
                        path, whole and byte for byte; nothing else
    forge.py kinds OUTDIR
                        writes OUTDIR/kinds.npk and OUTDIR/link-bad.npk,
                        the archives of tests/cli/test_kinds.sh
    forge.py --help     prints this; any other argument starting with "-"
                        is refused (never taken for an OUTDIR)

Standard library only; Ed25519 signing is the RFC 8032 reference
algorithm over the point arithmetic of spec/vectors/npkcheck.py.
"""

import base64
import hashlib
import json
import os
import struct
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(TOP, "spec", "vectors"))
import npkcheck  # noqa: E402  (Ed25519 point arithmetic, H, H512)

H = npkcheck.H
H512 = npkcheck.H512

MAGIC = b"\x89NPK\r\n\x1a\n"
END = b"\x89NPKEND\n"


# ---------------------------------------------------------------- keys

def _encode_point(p):
    x, y, z, _ = p
    zi = pow(z, npkcheck._P - 2, npkcheck._P)
    x, y = x * zi % npkcheck._P, y * zi % npkcheck._P
    return (y | ((x & 1) << 255)).to_bytes(32, "little")


class Key(object):
    """A minisign secret key file without a passphrase (keys.md section 3)."""

    def __init__(self, path):
        lines = open(path, "rb").read().split(b"\n")
        raw = base64.b64decode(lines[1].strip())
        if raw[0:2] != b"Ed" or raw[2:4] != b"\0\0":
            raise SystemExit("forge.py: %s: need an unencrypted Ed25519 key" % path)
        self.key_id = raw[54:62]
        self.seed = raw[62:94]
        self.pk = raw[94:126]
        h = hashlib.sha512(self.seed).digest()
        a = bytearray(h[:32])
        a[0] &= 248
        a[31] &= 127
        a[31] |= 64
        self.a = int.from_bytes(bytes(a), "little")
        self.prefix = h[32:]
        if _encode_point(npkcheck._pt_mul(self.a, npkcheck._B)) != self.pk:
            raise SystemExit("forge.py: %s: public key does not match the seed" % path)

    def sign(self, msg):
        """Ed25519 (RFC 8032 section 5.1.6)."""
        L = npkcheck._L
        r = int.from_bytes(hashlib.sha512(self.prefix + msg).digest(), "little") % L
        R = _encode_point(npkcheck._pt_mul(r, npkcheck._B))
        k = int.from_bytes(hashlib.sha512(R + self.pk + msg).digest(), "little") % L
        s = (r + k * self.a) % L
        return R + s.to_bytes(32, "little")


# ---------------------------------------------------------------- encoding

def meta_list(pairs):
    """A metadata list (5.5) from (key, value) pairs, as given (no sorting)."""
    out = struct.pack("<H", len(pairs))
    for k, v in pairs:
        k = k.encode() if isinstance(k, str) else k
        v = v.encode() if isinstance(v, str) else v
        out += struct.pack("<B", len(k)) + k + struct.pack("<H", len(v)) + v
    return out


def entry_bytes(e):
    """An index entry (5.2) from a dict; every field may have been changed."""
    path = e["path"]
    media = e["media"]
    meta = e["meta_raw"]
    return (struct.pack("<H", e.get("path_len", len(path))) + path +
            struct.pack("<QII", e["size"], e["cluster"], e["offset"]) + e["digest"] +
            struct.pack("<B", e.get("media_len", len(media))) + media +
            struct.pack("<H", e.get("meta_len", len(meta))) + meta)


def entry_bytes11(e):
    """An index entry of version 1.1 (spec/format.md 15.7) from a dict; kind,
    flags, ref_kind, leaf, salt and later fields ("extra") may be set."""
    path, media, meta = e["path"], e["media"], e["meta_raw"]
    ref = e.get("ref", struct.pack("<II", e["cluster"], e["offset"]))
    body = (struct.pack("<BBH", e.get("kind", 0), e.get("flags", 0), len(path)) + path +
            struct.pack("<QB", e["size"], e.get("ref_kind", 0)) + ref + e["digest"] +
            struct.pack("<Q", e.get("leaf", 0)) + e.get("salt", b"\0" * 16) +
            struct.pack("<B", len(media)) + media + struct.pack("<H", len(meta)) + meta +
            e.get("extra", b""))
    return struct.pack("<I", e.get("entry_len", 4 + len(body))) + body


class Section(object):
    """A section of version 1.1 (15.3): bytes in the body, named by the
    directory; digest None: H of the bytes."""

    def __init__(self, number, type_, data, critical=False, digest=None, length=None):
        self.number, self.type, self.data = number, type_, data
        self.flags = 1 if critical else 0
        self.dir_digest, self.dir_length = digest, length

    def bytes(self):
        return self.data

    def record(self, tail=False):
        return struct.pack("<HHIQQ", self.type, self.flags | (2 if tail else 0), 0,
                           self.file_offset,
                           self.length if self.dir_length is None else self.dir_length) + \
            (self.dir_digest or H(self.data))


def directory(sections, tail=False):
    """The section directory's data (15.3; 15.5 for the tail's)."""
    return struct.pack("<I", len(sections)) + b"".join(x.record(tail) for x in sections)


# ---------------------------------------------------------------- the Merkle tree (15.13)

def leaf_data(e):
    """Leaf data of an entry (15.13, leaf type 0): kind, path, size, digest,
    media type, metadata list and salt, each length-prefixed as the table."""
    path, media, meta = e["path"], e["media"], e["meta_raw"]
    return (struct.pack("<BBH", 0, e.get("kind", 0), len(path)) + path +
            struct.pack("<Q", e["size"]) + e["digest"] + struct.pack("<B", len(media)) + media +
            struct.pack("<H", len(meta)) + meta + e.get("salt", b"\0" * 16))


def leaf_hash(data):
    return hashlib.sha256(b"\0" + data).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\1" + left + right).digest()


def mth(hashes):
    """RFC 9162 2.1.1 over leaf hashes: split at the largest power of two
    below n, no duplicated last node."""
    n = len(hashes)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashes[0]
    k = 1
    while k * 2 < n:
        k *= 2
    return node_hash(mth(hashes[:k]), mth(hashes[k:]))


def tree_levels(level0, stride):
    """The stored levels 0, s, 2s, ... while n >> L >= 1: hash i of level L
    is the perfect tree over leaves [i 2^L, (i+1) 2^L)."""
    levels, cur, L = [list(level0)], list(level0), 0
    while True:
        for _ in range(stride):
            cur = [node_hash(cur[2 * i], cur[2 * i + 1]) for i in range(len(cur) // 2)]
        L += stride
        if not cur:
            return levels
        levels.append(cur)


def make_tree(entries, opts, hook):
    """The tree of 15.13 for the entries with a leaf: (section data or None,
    manifest extension record or None). opts: stride (8), section and ext
    (True: write it). Hooks, each before the next step uses what it got:
    tree_leaves(list: level 0, leaf order; hashes may be changed, added or
    removed, and the tree's size is its length), tree_levels(list of the
    stored levels, lists of hashes), tree(dict: magic, size, stride,
    reserved, root, ext_size, ext_type, ext_flags of the section's header and
    the extension), tree_section(bytearray: the section's data),
    tree_ext(bytearray: the extension's data)."""
    with_leaf = [e for e in entries if e.get("leaf", 0) != 2 ** 64 - 1]
    level0 = [b"\0" * 32] * len(with_leaf)
    for e in with_leaf:
        if 0 <= e["leaf"] < len(level0):
            level0[e["leaf"]] = leaf_hash(leaf_data(e))
    hook("tree_leaves", level0)
    stride = opts.get("stride", 8)
    levels = tree_levels(level0, stride)
    hook("tree_levels", levels)
    t = {"magic": b"NPKTREE\n", "size": len(level0), "stride": stride, "reserved": b"\0" * 7,
         "root": mth(level0), "ext_size": len(level0), "ext_type": 2, "ext_flags": 0}
    hook("tree", t)
    sec = bytearray(t["magic"] + struct.pack("<QB", t["size"], t["stride"]) + t["reserved"] +
                    b"".join(b"".join(lv) for lv in levels))
    hook("tree_section", sec)
    ext = bytearray(struct.pack("<Q", t["ext_size"]) + t["root"])
    hook("tree_ext", ext)
    rec = struct.pack("<HHI", t["ext_type"], t["ext_flags"], len(ext)) + bytes(ext)
    return (bytes(sec) if opts.get("section", True) else None,
            rec if opts.get("ext", True) else None)


def zlib_encode(raw):
    return zlib.compress(raw, 6)


class Obj(object):
    """A body object (4.1): header fields, payload, and where it was put."""

    def __init__(self, magic, number, raw, count, codec=1):
        self.magic = magic
        self.number = number
        self.raw = raw
        self.codec = codec
        self.payload = zlib_encode(raw) if codec == 1 else raw
        self.raw_size = len(raw)
        self.count = count
        self.flags = 0
        self.reserved = 0
        self.stored_size = None  # None: len(payload)

    def bytes(self):
        stored = len(self.payload) if self.stored_size is None else self.stored_size
        return (self.magic + struct.pack("<BBHIIII", self.codec, self.flags, self.reserved,
                                         self.number, self.raw_size, stored, self.count) +
                self.payload)


# ---------------------------------------------------------------- the writer

def forge(docs, key, cluster_size=4096, page_entries=8, hooks=None, archive_meta=None,
          created=1737676800, comment=None, v11=False, sections=(), tail=None, layout=None,
          tree=None):
    """docs: list of (path bytes, data bytes[, meta pairs or None[, kind]])
    in the order to store; kind (15.7, v11 only) 2 and 3 get the media type
    of their kind, data is a link's target. hooks: dict of functions, each called with what a step made:
      entries(list of dict), clusters(list of Obj), pages(list of Obj),
      body(list of Obj, in file order), page_table(list of dict),
      cluster_table(list of dict), header(bytearray), manifest(dict),
      manifest_bytes(bytearray), signature(dict), file(bytearray).
    v11: version 1.1 (spec/format.md 15): the header, page flags, entries
    of 15.7, and a section directory of sections (list of Section, placed
    after the pages); tail: None, or a list of Section for an unsigned tail
    (15.5), which a 1.0 archive may be given too. layout: None (contents
    stored in path order, back to back: 5.3), or a function of the entries
    and their contents that returns the data stream and sets each entry's
    "stream_off" (15.7: shared bytes, any order). tree: None, or True or a
    dict of make_tree's options: a Merkle tree (15.13) over the entries
    with a leaf, each given a salt of its own, as a body section of type 4
    (placed among the sections by type) and manifest extension type 2
    (after the directory; in a 1.0 archive alone); make_tree's hooks.
    """
    hooks = hooks or {}
    hook = lambda name, value: hooks[name](value) if name in hooks else None  # noqa: E731

    # Documents tile the data stream; clusters cut it (5.3).
    entries = []
    stream = b""
    for d in docs:
        path, data = d[0], d[1]
        meta = d[2] if len(d) > 2 and d[2] is not None else \
            [("title", "Document " + path.decode("utf-8", "replace"))]
        kind = d[3] if len(d) > 3 else 0
        media = {2: b"inode/directory", 3: b"inode/symlink"}.get(kind, b"text/plain")
        entries.append({"path": path, "size": len(data), "digest": H(data),
                        "media": media, "meta_raw": meta_list(meta), "kind": kind,
                        "stream_off": len(stream), "leaf": len(entries)})
        if tree is not None:
            entries[-1]["salt"] = H(b"salt " + path)[:16]
        stream += data
    if layout is not None:
        stream = layout(entries, [d[1] for d in docs])
    clusters = []
    starts = []
    pos = 0
    while pos < len(stream):
        raw = stream[pos:pos + cluster_size]
        starts.append(pos)
        clusters.append(Obj(b"NPKC", len(clusters), raw, 0))
        pos += len(raw)
    for e in entries:
        if e["size"] == 0:
            e["cluster"], e["offset"] = 0xFFFFFFFF, 0
        else:
            c = min(e["stream_off"] // cluster_size, len(clusters) - 1)
            e["cluster"], e["offset"] = c, e["stream_off"] - starts[c]
    hook("entries", entries)
    hook("clusters", clusters)
    sections, tree_ext = list(sections), None
    if tree is not None:
        opts = {} if tree is True else dict(tree)
        tree_sec, tree_ext = make_tree(entries, opts, hook)
        if tree_sec is not None and v11:  # 1.0 has no directory to name it
            at = len([x for x in sections if x.type <= 4])
            sections.insert(at, Section(at, 4, tree_sec, opts.get("critical", False)))

    pages = []
    for i in range(0, len(entries), page_entries):
        chunk = entries[i:i + page_entries]
        enc = entry_bytes11 if v11 else entry_bytes
        p = Obj(b"NPKP", len(pages), b"".join(enc(e) for e in chunk), len(chunk))
        p.flags = 1 if v11 else 0
        p.first_ordinal = i
        p.first_path = chunk[0]["path"]
        pages.append(p)
    hook("pages", pages)

    # Body: clusters, then pages (any order is valid; the tables say where).
    body = clusters + pages + list(sections)
    hook("body", body)
    off = 32
    blobs = []
    for o in body:
        b = o.bytes()
        o.file_offset = off
        o.length = len(b)
        o.digest = H(b)
        blobs.append(b)
        off += len(b)
    page_table_offset = off

    page_rows = [{"offset": p.file_offset, "length": p.length, "raw_size": p.raw_size,
                  "first_ordinal": p.first_ordinal, "count": p.count, "digest": p.digest,
                  "first_path": p.first_path} for p in pages]
    hook("page_table", page_rows)
    pt = b"".join(struct.pack("<QIIQI", r["offset"], r["length"], r["raw_size"],
                              r["first_ordinal"], r["count"]) + r["digest"] +
                  struct.pack("<H", r.get("first_len", len(r["first_path"]))) + r["first_path"]
                  for r in page_rows)
    cluster_rows = [{"offset": c.file_offset, "length": c.length, "raw_size": c.raw_size,
                     "digest": c.digest} for c in clusters]
    hook("cluster_table", cluster_rows)
    ct = b"".join(struct.pack("<QII", r["offset"], r["length"], r["raw_size"]) + r["digest"]
                  for r in cluster_rows)

    header = bytearray(MAGIC + struct.pack("<HHII", 1, 1 if v11 else 0, 1 if v11 else 0, 0) +
                       b"\0" * 12)
    hook("header", header)

    manifest_offset = page_table_offset + len(pt) + len(ct)
    am = meta_list(archive_meta if archive_meta is not None else [("title", "forged")])
    if comment is None:
        comment = "timestamp:%d\tnewspack archive" % created
    comment = comment.encode() if isinstance(comment, str) else comment
    m = {"magic": b"NPKM", "reserved": 0, "file_size": None, "manifest_offset": manifest_offset,
         "created": created, "document_count": len(entries), "content_bytes": len(stream),
         "cluster_count": len(clusters), "page_count": len(pages),
         "page_table_offset": page_table_offset, "page_table_size": len(pt),
         "cluster_table_size": len(ct), "header_digest": H(bytes(header)),
         "page_table_digest": H(pt), "cluster_table_digest": H(ct),
         "signer_key_id": key.key_id, "signer_public_key": key.pk, "meta": am,
         "extensions": b"\0\0", "signing_key": key, "sig_key_id": None}
    exts = []
    if v11:
        d = directory(sections)
        exts.append(struct.pack("<HHI", 1, 1, len(d)) + d)
    if tree_ext is not None:
        exts.append(tree_ext)
    if exts:
        m["extensions"] = struct.pack("<H", len(exts)) + b"".join(exts)
    hook("manifest", m)
    mlen = 210 + len(m["meta"]) + len(m["extensions"])
    slen = 140 + len(comment)
    if m["file_size"] is None:
        m["file_size"] = manifest_offset + mlen + slen + 32
    mb = bytearray(m["magic"] + struct.pack("<IQQQQQIIQII", m["reserved"], m["file_size"],
                                            m["manifest_offset"], m["created"],
                                            m["document_count"], m["content_bytes"],
                                            m["cluster_count"], m["page_count"],
                                            m["page_table_offset"], m["page_table_size"],
                                            m["cluster_table_size"]) +
                   m["header_digest"] + m["page_table_digest"] + m["cluster_table_digest"] +
                   m["signer_key_id"] + m["signer_public_key"] +
                   struct.pack("<H", len(m["meta"])) + m["meta"] + m["extensions"])
    hook("manifest_bytes", mb)

    signer = m["signing_key"]
    sig = signer.sign(H512(bytes(mb)))
    glob = signer.sign(sig + comment)
    s = {"alg": b"ED", "key_id": m["sig_key_id"] or m["signer_key_id"], "sig": sig,
         "comment": comment, "global": glob}
    hook("signature", s)
    sb = s["alg"] + s["key_id"] + s["sig"] + struct.pack("<H", len(s["comment"])) + \
        s["comment"] + s["global"]

    trailer = struct.pack("<QIIQ", manifest_offset, len(mb), len(sb), 0) + END
    f = bytearray(bytes(header) + b"".join(blobs) + pt + ct + bytes(mb) + sb + trailer)
    if tail is not None:
        signed = len(f)
        for x in tail:
            x.file_offset, x.length = len(f), len(x.data)
            f += x.data
        d = directory(tail, tail=True)
        f += d + struct.pack("<QQII", signed, len(f), len(d), 0) + b"NPKTAIL\n"
    hook("file", f)
    return bytes(f)


# ---------------------------------------------------------------- the cases

def default_docs(n=24):
    docs = []
    for i in range(n):
        folder = b"news" if i < n // 2 else b"world"
        text = ("Article %d\nBy A. Writer\n\n" % i + "Words of the story. " * (20 + 7 * i)).encode()
        docs.append((b"%s/%03d.txt" % (folder, i), text))
    return docs


def kinds_docs():
    """Every entry kind of 15.7: documents, an empty folder (with a time),
    a withdrawn document, and symbolic links, safe and not."""
    return [(b"a.txt", b"alpha\n"),
            (b"empty", b"", [("file.mtime", "1000000000")], 2),
            (b"gone.txt", b"", None, 1),
            (b"links/abs", b"/etc/passwd", None, 3),
            (b"links/chain", b"up", None, 3),            # a link to a link
            (b"links/deep/down", b"../../a.txt", None, 3),
            (b"links/escape", b"../../x", None, 3),
            (b"links/late", b"sub/..", None, 3),         # ".." after a name
            (b"links/mid", b"a/../../x", None, 3),
            (b"links/up", b"../a.txt", None, 3),
            (b"news/b.txt", b"beta\n"),
            (b"top", b"news", None, 3)]                 # a link to a folder


def with_docs(*paths):
    return [(p, b"content of " + p) for p in paths]


def dedup_layout(entries, datas):
    """15.7: each content stored once: a content found in the stream so far
    is pointed at; one whose start the stream ends with overlaps it."""
    stream = b""
    for e, data in zip(entries, datas):
        if not data:
            continue
        at = stream.find(data)
        if at < 0:
            k = max([k for k in range(1, len(data)) if stream.endswith(data[:k])] or [0])
            at = len(stream) - k
            stream += data[k:]
        e["stream_off"] = at
    return stream


def reverse_layout(entries, datas):
    """Contents stored in reverse path order (15.7: clusters out of path order)."""
    stream = b""
    for e, data in reversed(list(zip(entries, datas))):
        e["stream_off"] = len(stream)
        stream += data
    return stream


def hidden_bytes_layout(entries, datas):
    """Contents in path order with 77 bytes that no entry names after the sixth."""
    stream = b""
    for i, (e, data) in enumerate(zip(entries, datas)):
        e["stream_off"] = len(stream)
        stream += data + (b"hidden! " * 10)[:77] * (i == 5)
    return stream


def set_entry(i, **kv):
    def f(entries):
        entries[i].update(kv)
    return f


def set_all(items, **kv):
    for it in items:
        for k, v in kv.items():
            setattr(it, k, v)


def swap(lst, i, j):
    lst[i], lst[j] = lst[j], lst[i]


BOMB_RAW = 8 << 20   # the declared size: one 8 MiB document of zeros
BOMB_INFLATED = 4 << 30


def bomb_cluster(clusters):
    """Replaces the cluster's stream by one that inflates to 4 GiB of zeros
    (about 4 MB, so still no larger than the declared 8 MiB): full flushes
    make every 1 MiB segment the same bytes, repeated."""
    z = zlib.compressobj(9)
    mib = b"\0" * (1 << 20)
    first = z.compress(mib) + z.flush(zlib.Z_FULL_FLUSH)
    seg = z.compress(mib) + z.flush(zlib.Z_FULL_FLUSH)
    n = BOMB_INFLATED >> 20
    adler = ((n << 20) % 65521) << 16 | 1  # adler32 of n MiB of zeros
    clusters[0].payload = first + seg * (n - 1) + b"\x03\x00" + struct.pack(">I", adler)


def trailing_bytes(clusters):
    clusters[1].payload = clusters[1].payload + b"\0\0\0\0"


def truncated_stream(clusters):
    clusters[1].payload = clusters[1].payload[:-6]


RESERVED_TEXT = b"ABCDEFGH" * 8 + b"H" * 258


def reserved_length_cluster(clusters):
    """A zlib stream whose fixed-Huffman block (RFC 1951 3.2.6) holds the
    literals of "ABCDEFGH" * 8, then length symbol 287, which RFC 1951
    reserves (zlib refuses it; libdeflate reads it as length 258), distance 1,
    and the end of the block; its Adler-32 is that of RESERVED_TEXT, what a
    reader reading 287 as 258 gets."""
    bits = [1, 1, 0]  # BFINAL 1, BTYPE 01 (fixed), least significant bit first

    def code(value, n):  # Huffman codes go most significant bit first
        bits.extend((value >> i) & 1 for i in range(n - 1, -1, -1))
    for c in b"ABCDEFGH" * 8:
        code(0x30 + c, 8)
    code(0xC0 + 287 - 280, 8)
    code(0, 5)  # distance symbol 0: distance 1
    code(0, 7)  # end of block
    bits += [0] * (-len(bits) % 8)
    stream = bytes(sum(bits[i + j] << j for j in range(8)) for i in range(0, len(bits), 8))
    clusters[0].payload = b"\x78\x9c" + stream + struct.pack(">I", zlib.adler32(RESERVED_TEXT))


def xxh64(data, seed=0):
    """XXH64 (the zstd content checksum is its low 32 bits, RFC 8878 3.1.1)."""
    M = (1 << 64) - 1
    P1, P2, P3 = 0x9E3779B185EBCA87, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9
    P4, P5 = 0x85EBCA77C2B2AE63, 0x27D4EB2F165667C5
    rotl = lambda x, r: ((x << r) | (x >> (64 - r))) & M  # noqa: E731
    u64 = lambda i: int.from_bytes(data[i:i + 8], "little")  # noqa: E731

    def rnd(acc, v):
        return rotl((acc + v * P2) & M, 31) * P1 & M
    n, p = len(data), 0
    if n >= 32:
        v = [(seed + P1 + P2) & M, (seed + P2) & M, seed, (seed - P1) & M]
        while p + 32 <= n:
            v = [rnd(v[j], u64(p + 8 * j)) for j in range(4)]
            p += 32
        h = (rotl(v[0], 1) + rotl(v[1], 7) + rotl(v[2], 12) + rotl(v[3], 18)) & M
        for x in v:
            h = ((h ^ rnd(0, x)) * P1 + P4) & M
    else:
        h = (seed + P5) & M
    h = (h + n) & M
    while p + 8 <= n:
        h = (rotl(h ^ rnd(0, u64(p)), 27) * P1 + P4) & M
        p += 8
    if p + 4 <= n:
        h = (rotl(h ^ (int.from_bytes(data[p:p + 4], "little") * P1 & M), 23) * P2 + P3) & M
        p += 4
    while p < n:
        h = rotl(h ^ (data[p] * P5 & M), 11) * P1 & M
        p += 1
    h = (h ^ (h >> 33)) * P2 & M
    h = (h ^ (h >> 29)) * P3 & M
    return h ^ (h >> 32)


def zstd_rle(flip_checksum):
    """A hook making cluster 0, whose bytes are one byte repeated, one zstd
    frame (codec 2, 4.3): single segment, a 2-byte content size, one RLE
    block, and the optional Content_Checksum, right or with a bit flipped;
    the pages are stored (codec 0)."""
    def f(clusters):
        c = clusters[0]
        n = len(c.raw)
        assert 256 <= n <= 65791 and c.raw == c.raw[:1] * n
        check = xxh64(c.raw) & 0xFFFFFFFF ^ int(flip_checksum)
        c.codec = 2
        c.payload = (b"\x28\xb5\x2f\xfd" + bytes([0x64]) + struct.pack("<H", n - 256) +
                     ((n << 3) | 2 | 1).to_bytes(3, "little") + c.raw[:1] +
                     struct.pack("<I", check))
    return f


def zstd_rle_frame(n, byte=b"z", single=True, dict_id=None):
    """One Zstandard frame of one RLE block of n bytes (RFC 8878 3.1.1),
    declaring its content size in 2 bytes: a single segment
    (Single_Segment_flag), or with a Window_Descriptor of 4 KiB; naming
    Dictionary_ID dict_id (1 byte) when it is not None."""
    assert 256 <= n <= 4096
    fhd = 0x40 | (0x20 if single else 0) | (1 if dict_id is not None else 0)
    out = b"\x28\xb5\x2f\xfd" + bytes([fhd])
    if not single:
        out += bytes([0x10])
    if dict_id is not None:
        out += bytes([dict_id])
    return out + struct.pack("<H", n - 256) + ((n << 3) | 2 | 1).to_bytes(3, "little") + byte


# The content of the compression dictionaries of the dict-* cases (15.18):
# text, 512 bytes; the clusters of codec 3 below are RLE blocks, which copy
# nothing from it, so any content reads them (their documents: Z3).
DICT_CONTENT = (b"the council said the river was rising; " * 14)[:512]


def dict_section(content=DICT_CONTENT, magic=b"NPKDICT\n", reserved=0, length=None):
    """A compression dictionary section's bytes (15.18)."""
    return magic + struct.pack("<II", reserved, len(content) if length is None else length) + \
        content


Z3 = [(b"a.txt", b"z" * 3000)]


def codec3(**frame):
    """A hook making cluster 0, whose bytes are one byte repeated (Z3), one
    zstd frame of codec 3 (15.18) of one RLE block."""
    def f(clusters):
        c = clusters[0]
        assert c.raw == c.raw[:1] * len(c.raw)
        c.codec, c.payload = 3, zstd_rle_frame(len(c.raw), c.raw[:1], **frame)
    return f


def stored_pages(pages):
    for p in pages:
        p.codec, p.payload = 0, p.raw


IDENTITY = b"\x01" + b"\0" * 31   # the identity point: small order (keys.md 5)


def small_order_signer(m):
    """The embedded signer is the identity point, under a key id nobody
    trusts; see small_order_signature."""
    m.update(signer_key_id=b"SMALLORD", signer_public_key=IDENTITY)


def small_order_signature(s):
    """R = identity, S = 0: [S]B = R + [k]A holds for every message under
    A = identity, so an Ed25519 without the small-order rule of keys.md 5
    takes this for a valid signature by an untrusted key (exit 3)."""
    forged = IDENTITY + b"\0" * 32
    A = npkcheck._pt_decode(IDENTITY)
    k = int.from_bytes(hashlib.sha512(forged[:32] + IDENTITY + s["comment"]).digest(), "little")
    assert npkcheck._pt_equal(npkcheck._pt_mul(0, npkcheck._B),
                              npkcheck._pt_add(A, npkcheck._pt_mul(k, A)))
    s.update(sig=forged, **{"global": forged})


def extra_stream_bytes(clusters):
    """100 bytes more at the end of the last cluster, in no document."""
    c = clusters[-1]
    c.raw = c.raw + b"x" * 100
    c.raw_size = len(c.raw)
    c.payload = zlib_encode(c.raw)


def other_key(m):
    m["signing_key"] = KEYS["other"]


def mf(**kv):
    def f(m):
        m.update(kv)
    return f


def hdr(off, fmt, value):
    def f(h):
        struct.pack_into(fmt, h, off, value)
    return f


def fil(fn):
    return {"file": fn}


def copies_tail(change=None, damage=None):
    """A file hook: a tail holding the survival copies (15.9) of the signed
    part f (header, tables, manifest to signed trailer), as newspack's create
    writes it. change(data) edits the section before it is digested (a
    forger can: the tail is not signed); damage(f) the signed part after."""
    def fn(f):
        signed = len(f)
        mf = struct.unpack_from("<Q", f, signed - 32)[0]
        pt = struct.unpack_from("<Q", f, mf + 56)[0]
        ext = [(o, n) for o, n in ((0, 32), (pt, mf - pt), (mf, signed - mf)) if n > 0]
        head = b"NPKCOPY\n" + struct.pack("<QI", signed, len(ext))
        recs = b"".join(struct.pack("<QQ", o, n) for o, n in ext)
        pad = max(0, signed + 4096 - (signed + 28 + len(recs)))
        head += struct.pack("<I", pad) + recs
        data = bytearray(head + struct.pack("<I", zlib.crc32(head)) + bytes(pad) +
                         b"".join(bytes(f[o:o + n]) for o, n in ext))
        if change:
            change(data, signed)
        d = struct.pack("<I", 1) + struct.pack("<HHIQQ", 2, 2, 0, signed, len(data)) + H(bytes(data))
        f += data + d + struct.pack("<QQII", signed, signed + len(data), len(d), 0) + b"NPKTAIL\n"
        if damage:
            damage(f, signed)
    return {"file": fn}


def copies_page_table(f, signed):
    """Damages the first 8 bytes of the page table of f."""
    mf = struct.unpack_from("<Q", f, signed - 32)[0]
    pt = struct.unpack_from("<Q", f, mf + 56)[0]
    f[pt:pt + 8] = b"\xa5" * 8


def copies_head(count=None, length=None):
    """A change of the copies section: its count or first record's length
    set, its header_crc made right again (only the bounds then stop it)."""
    def change(data, signed):
        n = struct.unpack_from("<I", data, 16)[0]
        if count is not None:
            struct.pack_into("<I", data, 16, count)
        if length is not None:
            struct.pack_into("<Q", data, 32, length)
        h = 24 + 16 * n
        struct.pack_into("<I", data, h, zlib.crc32(bytes(data[:h])))
    return change


def prepend(f):
    f[0:0] = b"GARBAGE!" * 4


def append(f):
    f.extend(b"\0" * 100)


def remove_signature(f):
    # the signature block and the trailer's size of it are cut out
    size = len(f)
    mo, ml, sl = struct.unpack_from("<QII", f, size - 32)
    del f[mo + ml:mo + ml + sl]
    struct.pack_into("<I", f, len(f) - 32 + 12, 0)


def zero_signature(s):
    s["sig"] = b"\0" * 64


def page_table_fn(fn):
    return {"page_table": fn}


KEYS = {}


def cases():
    """(name, what it attacks, docs, forge keyword arguments, verify exit
    code, text its message must hold). Exit codes: spec/format.md 11.1."""
    D = default_docs()
    nfc = "caf\u00e9.txt".encode()
    nfd = "cafe\u0301.txt".encode()
    c = []
    add = lambda *a: c.append(a)  # noqa: E731

    # ---- paths (5.1); each sits in a validly signed archive
    add("path-dotdot", "a '..' component", with_docs(b"a/../../evil.txt"), {}, 1, "\".\" or \"..\" in path")
    add("path-dot", "a '.' component", with_docs(b"a/./b.txt"), {}, 1, "\".\" or \"..\" in path")
    add("path-absolute", "a path starting with /", with_docs(b"/etc/evil.txt"), {}, 1, "absolute path")
    add("path-empty", "an empty path", with_docs(b""), {}, 1, "empty path")
    add("path-nul", "a NUL byte in a path", with_docs(b"a\0b.txt"), {}, 1, "holds NUL")
    add("path-backslash", "a backslash", with_docs(b"a\\..\\evil.txt"), {}, 1, "backslash in path")
    add("path-control", "a control character", with_docs(b"a\nb.txt"), {}, 1, "a\\x0Ab.txt: control character in path")
    add("path-overlong", "a path of 4097 bytes",
        with_docs(b"/".join([b"d" * 200] * 20) + b"/" + b"x" * 96), {}, 1, "longer than 4096")
    add("path-component-overlong", "a component of 256 bytes", with_docs(b"a/" + b"c" * 256), {},
        1, "255")
    add("path-del", "a DEL byte in a path", with_docs(b"a\x7fb.txt"), {}, 1,
        "a\\x7Fb.txt: control character in path")
    add("path-c1-control", "a C1 control (U+009B, CSI) in a path", with_docs(b"a\xc2\x9b[2Jb.txt"), {},
        1, "a\\xC2\\x9B[2Jb.txt: control character in path")
    add("path-bad-utf8", "invalid UTF-8 in a path", with_docs(b"caf\xe9.txt"), {}, 1, "caf\\xE9.txt: path is not valid UTF-8")
    add("path-overlong-utf8", "an overlong UTF-8 form of '/'",
        with_docs(b"a\xc0\xafb.txt"), {}, 1, "UTF-8")
    add("path-duplicate", "two documents with one path", with_docs(b"a.txt", b"a.txt"), {}, 1,
        "two documents have the path \"a.txt\"")
    add("path-folder-of-another", "'a' and 'a/b' both documents", with_docs(b"a", b"a/b"), {}, 1,
        "\"a\" is a document and also the folder of \"a/b\"")
    add("path-folder-behind-siblings", "'a' and 'a/c' with 'a-b' and 'a.txt' between them",
        with_docs(b"a", b"a-b", b"a.txt", b"a/c"), {}, 1,
        "\"a\" is a document and also the folder of \"a/c\"")
    add("path-unsorted", "entries out of order in a page", with_docs(b"b.txt", b"a.txt"), {}, 1,
        "\"a.txt\" comes after \"b.txt\"")
    add("path-unsorted-pages", "page first paths out of order", D,
        {"hooks": {"entries": lambda e: e.__setitem__(slice(0, 16), e[8:16] + e[0:8])}}, 1,
        "page table is not sorted")

    # ---- metadata lists (5.5) in index entries; `list` of paths alone
    # does not read them, list -l and --json, cat and extract do
    add("meta-bad-utf8", "a title that is not UTF-8",
        [(b"a.txt", b"Words of the story. " * 20, [("title", b"caf\xe9")]), (b"b.txt", b"Words of the story. " * 30)], {}, 1,
        "a.txt: metadata: value 0 (key \"title\") is not valid UTF-8")
    add("meta-bad-key", "a key with a capital letter",
        [(b"a.txt", b"Words of the story. " * 20, [("Title", "x")]), (b"b.txt", b"Words of the story. " * 30)], {}, 1, "a.txt: metadata")
    add("meta-unsorted", "keys out of order",
        [(b"a.txt", b"Words of the story. " * 20, [("title", "x"), ("author", "y")]), (b"b.txt", b"Words of the story. " * 30)], {}, 1,
        "a.txt: metadata")

    # ---- sizes, offsets and counts
    add("empty-doc-cluster", "an empty document naming cluster 0",
        with_docs(b"a.txt", b"b.txt") + [(b"empty.txt", b"")],
        {"hooks": {"entries": set_entry(2, cluster=0)}}, 1, "empty.txt: empty document must have no cluster")
    add("empty-doc-offset", "an empty document with cluster FFFFFFFF and offset 5",
        with_docs(b"a.txt", b"b.txt") + [(b"empty.txt", b"")],
        {"hooks": {"entries": set_entry(2, offset=5)}}, 1, "empty.txt: empty document must have no cluster")
    add("size-larger", "a declared size larger than the data", D,
        {"hooks": {"entries": set_entry(-1, size=10 ** 6)}}, 1, "runs past the end of the data")
    add("size-smaller", "a declared size smaller: documents do not tile", D,
        {"hooks": {"entries": set_entry(3, size=10)}}, 1, "documents must tile the data")
    add("size-huge", "a size of 2^64-1", D,
        {"hooks": {"entries": set_entry(5, size=2 ** 64 - 1)}}, 1, "runs past the end of the data")
    add("entry-cluster-out-of-range", "an entry in a cluster that does not exist", D,
        {"hooks": {"entries": set_entry(2, cluster=999)}}, 1, "position (cluster 999")
    add("entry-offset-out-of-range", "an offset past its cluster's end", D,
        {"hooks": {"entries": set_entry(2, offset=60000)}}, 1, "offset 60000) out of range")
    add("entry-path-len-past-page", "a path length past the page's end", D,
        {"hooks": {"entries": set_entry(0, path_len=65535)}}, 1, "index entry 0 is truncated")
    add("entry-meta-len-past-page", "a metadata length past the page's end", D,
        {"hooks": {"entries": set_entry(0, meta_len=65535)}}, 1, "index entry 0 is truncated")
    add("page-count-overflow", "a page count field of 2^32-1", D,
        {"hooks": {"pages": lambda p: setattr(p[0], "count", 0xFFFFFFFF)}}, 1, "holds more documents than the manifest counts")
    add("page-raw-size-wrong", "a page's raw_size larger than its data", D,
        {"hooks": {"pages": lambda p: setattr(p[0], "raw_size", p[0].raw_size + 1)}}, 1, "inflates to 848 bytes, declared 849")
    add("page-raw-size-zero", "a page of raw_size 0, stored, that claims 8 entries", D,
        {"hooks": {"pages": lambda p: (set_all(p[:1], codec=0, payload=b"", raw_size=0))}}, 1,
        "index entry 0 is truncated")
    add("cluster-raw-size-limit", "a cluster raw_size above 64 MiB", D,
        {"hooks": {"cluster_table": lambda t: t[0].update(raw_size=0xFFFFFFFF)}}, 1, "raw size outside 1 byte to 64 MiB")
    add("cluster-offset-past-end", "a cluster offset past the end of the file", D,
        {"hooks": {"cluster_table": lambda t: t[1].update(offset=2 ** 40)}}, 1, "lies outside the body")
    add("cluster-offset-into-index", "a cluster pointing into an index page", D,
        {"hooks": {"cluster_table": lambda t: t[-1].update(offset=t[-1]["offset"] + t[-1]["length"] + 10)}},
        1, "bytes not covered by any digest")
    add("cluster-overlap", "two clusters at one offset", D,
        {"hooks": {"cluster_table": lambda t: t[1].update(offset=t[0]["offset"])}}, 1, "starts before the end of the object before it")
    add("cluster-length-overflow", "a length making offset + length overflow", D,
        {"hooks": {"cluster_table": lambda t: t[0].update(length=0xFFFFFFFF)}}, 1, "lies outside the body")
    add("page-offset-overflow", "a page offset of 2^64-16", D,
        {"hooks": page_table_fn(lambda t: t[0].update(offset=2 ** 64 - 16))}, 1, "lies outside the body")
    add("page-ordinal-wrong", "a page's first ordinal that skips entries", D,
        {"hooks": page_table_fn(lambda t: t[1].update(first_ordinal=t[1]["first_ordinal"] + 1))},
        1, "does not start where the page before it ends")
    add("documents-billion", "a claimed billion documents", D,
        {"hooks": {"manifest": mf(document_count=10 ** 9)}}, 1, "does not account for 1000000000 documents")
    add("documents-2^64", "a document count of 2^64-1", D,
        {"hooks": {"manifest": mf(document_count=2 ** 64 - 1)}}, 1, "exceeds the limit of 4294967294")
    add("clusters-2^32", "a cluster count of 2^32-1 (48 * count overflows 32 bits)", D,
        {"hooks": {"manifest": mf(cluster_count=0xFFFFFFFF)}}, 1, "exceeds the limit of 16777216")
    add("pages-2^32", "a page count of 2^32-1", D,
        {"hooks": {"manifest": mf(page_count=0xFFFFFFFF)}}, 1, "more index pages (4294967295) than documents")
    add("content-bytes-wrong", "content_bytes not the sum of the clusters", D,
        {"hooks": {"manifest": mf(content_bytes=12345)}}, 1, "the documents add up to 12345")
    add("page-table-size-huge", "a page table size of 2^32-1", D,
        {"hooks": {"manifest": mf(page_table_size=0xFFFFFFFF)}}, 1, "exceeds the limit")
    add("file-size-wrong", "file_size not the file's size", D,
        {"hooks": {"manifest": mf(file_size=10 ** 12)}}, 1, "truncated or appended to")

    # ---- compression
    add("bomb", "a cluster that inflates to 4 GiB, declared as 8 MiB",
        [(b"zeros.bin", b"\0" * BOMB_RAW)],
        {"hooks": {"clusters": bomb_cluster}, "cluster_size": BOMB_RAW}, 1, "more than")
    add("zlib-truncated", "a truncated zlib stream", D,
        {"hooks": {"clusters": truncated_stream}}, 1, "corrupt or truncated zlib stream")
    add("zlib-trailing", "bytes after the end of a zlib stream", D,
        {"hooks": {"clusters": trailing_bytes}}, 1, "trailing bytes after the zlib stream")
    add("zlib-reserved-length", "a zlib stream using length symbol 287, which RFC 1951 reserves",
        [(b"a.txt", RESERVED_TEXT)], {"hooks": {"clusters": reserved_length_cluster}}, 1,
        "cluster 0: corrupt")
    add("codec-unknown", "codec 7", D,
        {"hooks": {"clusters": lambda cl: setattr(cl[0], "codec", 7)}}, 2, "codec 7 is not supported")
    add("codec-unknown-and-damage", "codec 7 in cluster 0, and cluster 1's stream cut short", D,
        {"hooks": {"clusters": lambda cl: (setattr(cl[0], "codec", 7), truncated_stream(cl))}}, 1,
        "corrupt or truncated zlib stream")
    add("zstd-checksum-wrong", "a zstd frame whose optional content checksum is wrong",
        [(b"a.txt", b"z" * 3000)], {"hooks": {"clusters": zstd_rle(True), "pages": stored_pages}},
        1, "cluster 0: corrupt zstd frame")
    # Behind a page this reader cannot decode, the data stream is still checked
    # (spec/format.md 11, verify): world/013.txt, which has world/012.txt's
    # content, points at its bytes, so every digest matches but the documents
    # do not tile; that is damage (exit 1), not only "needs a newer reader".
    add("tiling-behind-unsupported-page", "index page 0 in codec 7, and a document of page 1 "
        "stored at the place of the one before it",
        [(p, D[12][1] if p == b"world/013.txt" else t) for p, t in D],
        {"hooks": {"pages": lambda pg: setattr(pg[0], "codec", 7),
                   "entries": lambda e: e[13].update(cluster=e[12]["cluster"], offset=e[12]["offset"])}},
        1, "documents must tile the data")
    # The same behind a page in the middle: the last cluster holds 100 bytes
    # more than the documents, so the data stream does not end where the last
    # document does (5.3); every digest matches.
    add("stream-end-behind-unsupported-page", "index page 1 in codec 7, and 100 bytes of the "
        "data stream after the last document", D,
        {"hooks": {"pages": lambda pg: setattr(pg[1], "codec", 7),
                   "clusters": extra_stream_bytes,
                   "manifest": lambda m: m.update(content_bytes=m["content_bytes"] + 100)}},
        1, "documents end at data offset")
    add("stored-larger-than-raw", "stored_size above raw_size", D,
        {"hooks": {"clusters": lambda cl: (setattr(cl[0], "codec", 0),
                                           setattr(cl[0], "payload", cl[0].raw + b"x"))}},
        1, "stores more bytes than it decodes to")

    # ---- trust and layout
    add("signature-removed", "the signature block cut out", D, fil(remove_signature), 1, "signature block size 0 out of range")
    add("signature-zeroed", "a signature of zeros", D, {"hooks": {"signature": zero_signature}}, 1,
        "signature")
    add("signature-other-key", "signed by another key, naming the trusted one", D,
        {"hooks": {"manifest": other_key}}, 1, "does not verify")
    add("key-substitution", "re-signed by an attacker who embeds his own key", D,
        {"key": "other"}, 3, "5DF89471A22EF872, which is not trusted")
    add("embedded-key-swapped", "the trusted key id with the attacker's public key", D,
        {"hooks": {"manifest": lambda m: m.update(signer_public_key=KEYS["other"].pk,
                                                    signing_key=KEYS["other"])}}, 1, "does not verify")
    add("sig-key-id-mismatch", "a signature block naming another key id", D,
        {"hooks": {"signature": lambda s: s.update(key_id=KEYS["other"].key_id)}}, 1, "key id differs from the signer named in the manifest")
    add("version-newer", "version_major 2", D, {"hooks": {"header": hdr(8, "<H", 2)}}, 2, "needs a newer reader")
    add("version-zero", "version_major 0", D, {"hooks": {"header": hdr(8, "<H", 0)}}, 1, "unknown format version 0.0")
    add("flags-unknown", "an unknown required flag (bit 2; bit 0 is version 1.1's, bit 1 a sealed "
        "archive's)", D, {"hooks": {"header": hdr(12, "<I", 4)}}, 2, "newer")
    add("flags-11-version-10", "required flag bit 0 (version 1.1) in a version 1.0 header", D,
        {"hooks": {"header": hdr(12, "<I", 1)}}, 1, "version 1.1 and flag bit 0 go together")
    add("header-reserved", "a reserved header byte set", D, {"hooks": {"header": hdr(20, "<B", 1)}},
        1, "reserved")
    add("header-changed-unsigned", "version_minor changed after signing", D,
        fil(lambda f: struct.pack_into("<H", f, 10, 7)), 1, "header digest mismatch")
    add("garbage-before", "32 bytes before the header", D, fil(prepend), 1, "bad magic at offset 0")
    add("garbage-after", "100 bytes after the trailer", D, fil(append), 1, "no trailer at the end of the file")
    add("truncated", "the last 1000 bytes cut", D, fil(lambda f: f.__delitem__(slice(-1000, None))),
        1, "no trailer at the end of the file")
    add("small-order-key", "the forgery a lenient Ed25519 accepts: the identity point as signer "
        "key, R = identity and S = 0", D,
        {"hooks": {"manifest": small_order_signer, "signature": small_order_signature}}, 1,
        "signature by key 44524F4C4C414D53 does not verify")
    add("comment-newline", "a line break in the trusted comment", D,
        {"comment": "timestamp:1\nforged: yes"}, 1, "trusted comment is not one line")
    add("comment-cr", "a CR in the trusted comment", D,
        {"comment": "timestamp:1\rforged: yes"}, 1, "trusted comment is not one line")
    add("comment-nul", "a NUL in the trusted comment", D,
        {"comment": b"timestamp:1\0forged"}, 1, "trusted comment is not one line")
    add("comment-bad-utf8", "a trusted comment that is not UTF-8", D,
        {"comment": b"timestamp:1\tcaf\xe9"}, 1, "trusted comment is not one line")
    add("comment-1025", "a trusted comment of 1025 bytes (signature_size 1165)", D,
        {"comment": "c" * 1025}, 1, "signature block size 1165 out of range")
    add("critical-extension", "an unknown critical manifest extension", D,
        {"hooks": {"manifest": mf(extensions=struct.pack("<HHHI", 1, 7, 1, 0)[:0] +
                                  struct.pack("<H", 1) + struct.pack("<HHI", 9, 1, 0))}}, 2, "is critical and needs a newer reader")

    # ---- version 1.1, the container (spec/format.md 15)
    V = {"v11": True}
    sec = lambda *a, **k: {"v11": True, "sections": [Section(i, *x) for i, x in enumerate(a)], **k}  # noqa: E731
    add("v11-plain", "a version 1.1 archive with an empty section directory", D, V, 0, "every digest matches")
    # (type 7, once unknown, is the search root of spec/search.md 9 now: tests/hostile/search.py)
    add("v11-section-unknown", "an unknown section that is not critical (type 40000)", D,
        sec((40000, b"postings" * 40)), 0, "every digest matches")
    add("v11-sections-two", "two unknown non-critical sections (types 4 and 6)", D,
        sec((4, b"tree" * 10), (6, b"dedup" * 7)), 0, "every digest matches")
    add("v11-section-critical", "an unknown critical section (type 13)", D,
        sec((13, b"stanza" * 10, True)), 2, "is critical and needs a newer reader")
    add("v11-seal-not-sealed", "a seal section (type 8, critical) in an archive not marked "
        "sealed", D, sec((8, b"stanza" * 10, True)), 1, "in an archive not marked sealed")
    add("v11-sealed-no-seal", "required flag bit 1 (sealed) without a seal section", D,
        {"v11": True, "hooks": {"header": hdr(12, "<I", 3)}}, 1, "a sealed manifest that shows")
    add("v11-section-type-1", "a directory record of type 1 (the directory is no section)", D,
        sec((1, b"x" * 10)), 1, "not a section")
    add("v11-section-order", "directory records out of (type, offset) order", D,
        sec((7, b"a" * 10), (6, b"b" * 10)), 1, "out of (type, offset) order")
    add("v11-section-outside", "a section said to reach past the body", D,
        sec((7, b"a" * 10, False, None, 10 ** 9)), 1, "lies outside the body")
    add("v11-no-directory", "a version 1.1 archive without a section directory", D,
        {"v11": True, "hooks": {"manifest": mf(extensions=b"\0\0")}}, 1, "without a section directory")
    add("v11-page-flags-0", "a version 1.1 index page whose flags say 1.0 entries", D,
        {"v11": True, "hooks": {"pages": lambda pg: setattr(pg[0], "flags", 0)}}, 1,
        "header disagrees with its table entry")
    add("v11-kind-unknown", "an entry of kind 9", D,
        {"v11": True, "hooks": {"entries": set_entry(3, kind=9)}}, 2, "needs a newer reader")
    add("v11-ref-kind-2", "an entry of ref_kind 2 (no such ref_kind in 1.1)", D, {"v11": True, "hooks": {"entries": set_entry(3, ref_kind=2)}}, 2,
        "needs a newer reader")
    add("v11-entry-flags", "an entry with a flag bit set", D,
        {"v11": True, "hooks": {"entries": set_entry(0, flags=1)}}, 2, "needs a newer reader")
    add("v11-entry-later-fields", "entries with 7 bytes of later fields, which a 1.1 reader skips", D,
        {"v11": True, "hooks": {"entries": lambda es: [e.update(extra=b"later!!") for e in es]}},
        0, "every digest matches")
    add("v11-entry-len-short", "an entry_len that ends inside the entry's metadata", D,
        {"v11": True, "hooks": {"entries": lambda es: es[2].update(
            entry_len=len(entry_bytes11(es[2])) - 3)}}, 1, "is truncated")
    add("v11-folder-with-content", "an empty-folder entry that holds bytes", D,
        {"v11": True, "hooks": {"entries": set_entry(1, kind=2, media=b"inode/directory")}}, 1,
        "holds no content")
    # ---- the compression dictionary, section type 12, and codec 3 (15.18)
    C3 = {"clusters": codec3(), "pages": stored_pages}
    add("dict-valid", "a dictionary and a cluster of codec 3 (one RLE block)", Z3,
        sec((12, dict_section(), True), hooks=C3), 0, "every digest matches")
    add("dict-not-critical", "a dictionary section not marked critical", Z3,
        sec((12, dict_section(), False), hooks=C3), 1, "is not marked critical")
    add("dict-two", "two dictionary sections", Z3,
        sec((12, dict_section(), True), (12, dict_section(), True), hooks=C3), 1,
        "2 compression dictionaries")
    add("dict-magic", "a dictionary section with a bad magic", Z3,
        sec((12, dict_section(magic=b"NPKDICX\n"), True), hooks=C3), 1, "is not a dictionary")
    add("dict-reserved", "a dictionary section whose reserved field is not 0", Z3,
        sec((12, dict_section(reserved=1), True), hooks=C3), 1, "reserved field")
    add("dict-length", "a dictionary whose content_len is not its section's length less 16", Z3,
        sec((12, dict_section(length=511), True), hooks=C3), 1, "says it holds 511 bytes")
    add("dict-short", "a dictionary of 255 bytes (256 at least)", Z3,
        sec((12, dict_section(DICT_CONTENT[:255]), True), hooks=C3), 1,
        "says it holds 255 bytes")
    add("dict-structured", "a dictionary content beginning with the magic of a structured zstd "
        "dictionary", Z3,
        sec((12, dict_section(b"\x37\xa4\x30\xec" + DICT_CONTENT[4:]), True), hooks=C3), 1,
        "structured zstd dictionary")
    add("codec3-no-dict", "a cluster of codec 3 in an archive without a dictionary", Z3,
        {"v11": True, "hooks": C3}, 1, "no dictionary serves")
    # (a frame of the right size, whose content is not the page's: the codec
    # is refused before anything is decoded)
    add("codec3-page", "an index page of codec 3", D,
        sec((12, dict_section(), True), hooks={"pages": lambda pg: (
            setattr(pg[0], "codec", 3), setattr(pg[0], "payload",
                                                zstd_rle_frame(pg[0].raw_size)))}),
        1, "is for clusters only")
    add("codec3-not-single", "a frame of codec 3 that is not a single segment", Z3,
        sec((12, dict_section(), True), hooks={"clusters": codec3(single=False),
                                               "pages": stored_pages}), 1,
        "not a single segment")
    add("codec3-dict-id", "a frame of codec 3 naming a Dictionary_ID", Z3,
        sec((12, dict_section(), True), hooks={"clusters": codec3(dict_id=7),
                                               "pages": stored_pages}), 1,
        "names dictionary 7")
    # Only verify reads what no document needs: these two are verify's alone
    # (tests/cli/test_hostile.sh lets extract write the intact documents).
    add("v11-section-digest", "a non-critical section whose bytes do not match its digest", D,
        sec((7, b"a" * 64, False, b"\x11" * 32)), 1, "does not match its digest")
    add("v11-section-gap", "a section one byte shorter than the bytes before the next object", D,
        sec((7, b"a" * 64, False, None, 63)), 1, "objects end at offset")
    add("v11-tail", "an unsigned tail with one section after a 1.1 archive", D,
        {"v11": True, "tail": [Section(0, 3, b"parity" * 30)]}, 0, "every digest matches")
    add("v11-tail-on-10", "an unsigned tail after a version 1.0 archive (read as after 1.1: parity "
        "may protect 1.0 archives)", D, {"tail": [Section(0, 3, b"parity" * 30)]}, 0,
        "every digest matches")
    add("v11-flag-flipped-unsigned", "required flag bit 1 set after signing (damage, not newer: "
        "the header digest is checked first)", D,
        dict(V, file=lambda f: struct.pack_into("<I", f, 12, 3)), 1, "header digest mismatch")
    # entry kinds (15.7): an archive of every kind, then each kind's rules broken
    K = kinds_docs()
    kd = lambda *d: [(b"a.txt", b"alpha\n" * 100)] + list(d)  # noqa: E731
    add("v11-kinds", "a document, an empty folder, a withdrawn document and links (some unsafe)",
        K, V, 0, "every digest matches")
    add("v11-withdrawn-with-content", "a withdrawn document that holds bytes", D,
        {"v11": True, "hooks": {"entries": set_entry(2, kind=1)}}, 1, "holds no content")
    add("v11-folder-media", "an empty folder of media type text/plain", kd((b"d", b"", None, 2)),
        {"v11": True, "hooks": {"entries": set_entry(1, media=b"text/plain")}}, 1,
        "media type must be inode/directory")
    add("v11-link-media", "a symbolic link of media type text/plain", kd((b"l", b"a.txt", None, 3)),
        {"v11": True, "hooks": {"entries": set_entry(1, media=b"text/plain")}}, 1,
        "media type must be inode/symlink")
    add("v11-link-empty", "a symbolic link with an empty target", kd((b"l", b"", None, 3)), V, 1,
        "must be 1 to 4096 bytes")
    add("v11-link-4097", "a symbolic link with a target of 4097 bytes",
        kd((b"l", b"t/" * 2048 + b"x", None, 3)), V, 1, "must be 1 to 4096 bytes")
    add("v11-link-nul", "a symbolic link whose target holds a NUL", kd((b"l", b"a\0b", None, 3)), V,
        1, "target is not UTF-8 text without NUL")
    add("v11-link-bad-utf8", "a symbolic link whose target is not UTF-8",
        kd((b"l", b"caf\xe9", None, 3)), V, 1, "target is not UTF-8 text without NUL")
    add("v11-folder-holds-entry", "an empty folder that holds a document",
        kd((b"d", b"", None, 2), (b"d/x.txt", b"x")), V, 1,
        "\"d\" is a document and also the folder of \"d/x.txt\"")
    add("v11-link-holds-entry", "a symbolic link that holds a document (written through it)",
        kd((b"l", b".", None, 3), (b"l/x.txt", b"x")), V, 1,
        "\"l\" is a document and also the folder of \"l/x.txt\"")
    # 15.7: shared bytes and any order in 1.1, coverage of every stored byte
    add("v11-shared-bytes", "two documents with one content stored once (one extent)",
        D[:4] + [(D[4][0], D[2][1])] + D[5:], dict(V, layout=dedup_layout), 0, "every digest matches")
    add("v11-shared-overlap", "a document inside another's extent and one that overlaps its end",
        D[:4] + [(D[4][0], D[3][1][40:300]), (D[5][0], D[3][1][-90:] + b"and more words")] + D[6:],
        dict(V, layout=dedup_layout), 0, "every digest matches")
    add("v11-clusters-out-of-order", "contents stored in reverse path order across 12 clusters", D,
        dict(V, layout=reverse_layout), 0, "every digest matches")
    add("v11-unreferenced-bytes", "77 stored bytes that are in no document's extent", D,
        dict(V, layout=hidden_bytes_layout), 1, "belong to no document")
    add("v11-extent-past-stream", "the last document's extent 10 bytes past the data stream", D,
        dict(V, hooks={"entries": lambda es: es[-1].update(offset=es[-1]["offset"] + 10)}), 1,
        "runs past the end of the data")
    add("v11-ref-kind-1", "an entry whose content is in an earlier edition (ref_kind 1, defined by "
        "the editions issue)", D, {"v11": True, "hooks": {"entries": set_entry(3, ref_kind=1)}}, 2,
        "needs a newer reader")
    add("v11-10-out-of-order", "a version 1.0 archive whose contents are stored in reverse path "
        "order", D, {"layout": reverse_layout}, 1, "documents must tile the data")
    # the unsigned tail (15.5) is never the verdict: verify says TAIL and exits as for the signed part
    add("v11-tail-digest", "a tail section whose bytes do not match the tail directory's digest", D,
        {"v11": True, "tail": [Section(0, 3, b"parity" * 30, False, b"\x11" * 32)]}, 0,
        "TAIL  section 0")
    add("v11-tail-directory-outside", "a tail trailer whose directory_offset lies past the file", D,
        dict(V, tail=[Section(0, 3, b"parity" * 30)],
             file=lambda f: struct.pack_into("<Q", f, len(f) - 24, 10 ** 12)), 0, "TAIL  at offset")
    add("v11-tail-signed-size", "a tail trailer whose signed_size does not lead to the signed "
        "trailer", D, dict(V, tail=[Section(0, 3, b"parity" * 30)],
                           file=lambda f: struct.pack_into("<Q", f, len(f) - 32,
                                                           struct.unpack_from("<Q", f, len(f) - 32)[0] + 8)),
        1, "no trailer at the end of the file")
    add("v11-tail-flag-missing", "a tail directory record without flag bit 1", D,
        dict(V, tail=[Section(0, 3, b"parity" * 30)],
             file=lambda f: struct.pack_into("<H", f, struct.unpack_from("<Q", f, len(f) - 24)[0] + 6, 0)),
        0, "lacks flag bit 1")
    add("v11-tail-gap", "a tail section one byte shorter than the bytes before the tail directory", D,
        {"v11": True, "tail": [Section(0, 3, b"parity" * 30, False, None, 179)]}, 0,
        "the tail's sections do not tile it")
    # leaf numbers (15.7): distinct, but for "none"; only verify checks it (as 15.4)
    add("v11-leaf-duplicate", "two entries with leaf number 2", D,
        {"v11": True, "hooks": {"entries": set_entry(5, leaf=2)}}, 1, "leaf 2 is also the leaf of")
    add("v11-leaf-none", "every entry with leaf FFFFFFFFFFFFFFFF (none)", D,
        {"v11": True, "hooks": {"entries": lambda es: [e.update(leaf=2 ** 64 - 1) for e in es]}},
        0, "every digest matches")
    # survival copies (15.9): a damaged original is damage for every reader (exit 1), even when
    # newspack reads through its copy; a copy is checked as its original would be
    add("v11-copies", "a tail holding the survival copies of the header, tables and manifest", D,
        dict(V, **copies_tail()), 0, "survival copies of 3 extents")
    add("v11-copies-page-table", "the page table damaged, its survival copy intact", D,
        dict(V, **copies_tail(damage=copies_page_table)), 1, "its survival copy in the tail serves")
    add("v11-copies-forged", "the manifest damaged, and its survival copy changed (a forged copy)", D,
        dict(V, **copies_tail(change=lambda d, s: d.__setitem__(slice(len(d) - 300, len(d) - 299), b"X"),
                              damage=lambda f, s: f.__setitem__(slice(s - 300, s - 299), b"Y"))),
        1, "does not verify")
    add("v11-copies-count-huge", "the page table damaged, a copies header of 4294967295 extents", D,
        dict(V, **copies_tail(change=copies_head(count=2 ** 32 - 1), damage=copies_page_table)), 1,
        "page table digest mismatch")
    add("v11-copies-past-end", "the page table damaged, a copy of 2^63 bytes past the file's end", D,
        dict(V, **copies_tail(change=copies_head(length=2 ** 63), damage=copies_page_table)), 1,
        "page table digest mismatch")

    # the Merkle tree (15.13): every case is validly signed, so only the tree's rules catch it.
    # v11-tree-*: the section's contents, which verify alone checks (step 9; extract writes the
    # documents); v11-root-*: the extension and the directory rule, which every reader checks
    # at open (step 5c)
    T = lambda t=True, **k: dict(V, tree=t, **k)  # noqa: E731
    TH = lambda name, fn, t=True, **k: T(t, hooks={name: fn}, **k)  # noqa: E731
    ok = "every leaf matches its entry"
    D300 = [(b"d/%03d.txt" % i, b"story %d\n" % i) for i in range(300)]
    add("v11-tree", "a Merkle tree of stride 8 over 24 documents, each with a salt", D, T(), 0, ok)
    add("v11-tree-stride-1", "a Merkle tree storing every level (stride 1)", D, T({"stride": 1}), 0, ok)
    add("v11-tree-stride-16", "a Merkle tree of stride 16 (level 0 alone)", D, T({"stride": 16}), 0, ok)
    add("v11-tree-one", "a Merkle tree of one document", D[:1], T(), 0, ok)
    add("v11-tree-300", "a Merkle tree of 300 documents (levels 0 and 8 stored)", D300, T(), 0, ok)
    add("v11-tree-no-root", "a type-4 section without the root extension (skipped as an unknown "
        "section: 15.6 reserved the type before 15.13)", D, T({"ext": False}), 0,
        "every digest matches")
    add("v11-tree-leaf-wrong", "level 0's hash 5 not the leaf hash of its entry (the levels above "
        "and the root made from it)", D, TH("tree_leaves", lambda lv: lv.__setitem__(5, H(b"x"))), 1,
        "does not match leaf 5 of the Merkle tree")
    add("v11-tree-level-wrong", "hash 3 of the stored level 2 (stride 2) changed", D,
        TH("tree_levels", lambda ls: ls[1].__setitem__(3, H(b"x")), {"stride": 2}), 1,
        "Merkle tree level 2 hash 3 does not match the level below")
    add("v11-tree-level8-wrong", "the one hash of level 8 of 300 documents (stride 8) changed", D300,
        TH("tree_levels", lambda ls: ls[1].__setitem__(0, H(b"x"))), 1,
        "Merkle tree level 8 hash 0 does not match the level below")
    add("v11-tree-root-wrong", "the extension's root not the tree's", D,
        TH("tree", lambda t: t.update(root=H(b"another root"))), 1,
        "the Merkle root in the manifest does not match the tree")
    add("v11-tree-size-disagree", "the section's tree_size 25, the extension's 24", D,
        TH("tree", lambda t: t.update(size=25)), 1,
        "has another number of leaves than the manifest's root")
    add("v11-tree-size-larger", "a tree of 25 leaves (section, levels and root agree) over 24 "
        "entries with a leaf", D, TH("tree_leaves", lambda lv: lv.append(H(b"x"))), 1,
        "the Merkle tree has 25 leaves, but 24 entries have a leaf")
    add("v11-tree-leaf-past", "an entry whose leaf (24) is past the tree's 24 leaves", D,
        TH("entries", set_entry(23, leaf=24)), 1, "leaf 24 is past the Merkle tree's 24 leaves")
    add("v11-tree-stride-0", "a section of stride 0", D, TH("tree", lambda t: t.update(stride=0)), 1,
        "has a stride outside 1 to 16")
    add("v11-tree-stride-17", "a section of stride 17", D, TH("tree", lambda t: t.update(stride=17)),
        1, "has a stride outside 1 to 16")
    add("v11-tree-reserved", "a reserved byte of the section's header set", D,
        TH("tree", lambda t: t.update(reserved=b"\0\0\0\1\0\0\0")), 1,
        "has reserved bytes that are not zero")
    add("v11-tree-short", "the section one hash short of its levels", D,
        TH("tree_section", lambda b: b.__delitem__(slice(-32, None))), 1,
        "is not as long as the levels it must hold")
    add("v11-tree-long", "the section one hash longer than its levels", D,
        TH("tree_section", lambda b: b.extend(H(b"x"))), 1, "is not as long as the levels it must hold")
    add("v11-tree-magic", "a section whose magic is NPKTREE\\r", D,
        TH("tree", lambda t: t.update(magic=b"NPKTREE\r")), 1, "the Merkle tree section has a bad magic")
    add("v11-root-no-section", "the root extension with no type-4 section", D, T({"section": False}),
        1, "a Merkle root without the tree's section")
    add("v11-root-two-sections", "the root extension and two type-4 sections", D,
        T(sections=[Section(0, 4, b"tree" * 10)]), 1, "2 Merkle tree sections (one only)")
    add("v11-root-critical", "the root extension marked critical", D,
        TH("tree", lambda t: t.update(ext_flags=1)), 1, "the Merkle root extension is marked critical")
    add("v11-root-flags-reserved", "the root extension with reserved flag bit 1 set", D,
        TH("tree", lambda t: t.update(ext_flags=2)), 1, "manifest extension 2 has reserved flags set")
    add("v11-root-length-39", "a root extension of 39 bytes", D,
        TH("tree_ext", lambda b: b.__delitem__(slice(-1, None))), 1,
        "the Merkle root extension is 39 bytes, not 40")
    add("v11-root-length-41", "a root extension of 41 bytes", D, TH("tree_ext", lambda b: b.append(0)),
        1, "the Merkle root extension is 41 bytes, not 40")
    add("v11-root-size-huge", "the extension's tree_size 2^32 - 1 (the limit is 2^32 - 2)", D,
        TH("tree", lambda t: t.update(ext_size=2 ** 32 - 1)), 1,
        "the Merkle tree claims 4294967295 leaves")
    add("v11-root-section-critical", "the tree's section marked critical", D, T({"critical": True}),
        1, "section 0 (type 4, the Merkle tree) is marked critical")
    add("v11-root-in-10", "the root extension in a version 1.0 archive", D, {"tree": True}, 1,
        "a Merkle root in a version 1.0 archive")

    # ---- not refused, on purpose (spec/format.md 5.1): two documents whose
    # names differ only by Unicode normalisation are two paths.
    add("unicode-normalisation", "NFC and NFD forms of one name", with_docs(nfd, nfc), {}, 0, "every digest matches")
    # The longest trusted comment (1024 bytes, signature_size 1164), with a TAB
    # and another control character, which the rule of section 8 allows.
    add("comment-1024", "a trusted comment of 1024 bytes with a TAB and an ESC",
        D, {"comment": "timestamp:1\t\x1b" + "c" * 1011}, 0, "every digest matches")
    # An optional zstd checksum that is right, in a frame of one RLE block, and
    # an empty document as 5.2 says (cluster FFFFFFFF, offset 0).
    add("zstd-checksum-right", "a zstd frame with a right content checksum",
        [(b"a.txt", b"z" * 3000), (b"empty.txt", b"")],
        {"hooks": {"clusters": zstd_rle(False), "pages": stored_pages}}, 0, "every digest matches")
    return c


def check_tree(out, name, top):
    """0 when every file under top is a document of the case, whole."""
    docs = json.load(open(os.path.join(out, name + ".docs.json")))
    want = {bytes.fromhex(p): bytes.fromhex(h) for p, h in docs}
    bad = 0
    for root, dirs, files in os.walk(top.encode()):
        for n in files + [d for d in dirs if os.path.islink(os.path.join(root, d))]:
            full = os.path.join(root, n)
            rel = os.path.relpath(full, top.encode())
            if os.path.islink(full) or not os.path.isfile(full):
                print("%s: %s is not a regular file" % (name, rel.decode("utf-8", "replace")))
                bad += 1
            elif rel not in want:
                print("%s: %s is not a document of the archive" % (name, rel.decode("utf-8", "replace")))
                bad += 1
            elif hashlib.sha256(open(full, "rb").read()).digest() != want[rel]:
                print("%s: %s does not hold its document, whole" % (name, rel.decode("utf-8", "replace")))
                bad += 1
    return 1 if bad else 0


def write_kinds(out):
    """tests/cli/test_kinds.sh: OUT/kinds.npk (kinds_docs, signed by the test
    key), and OUT/link-bad.npk, whose link's target holds a NUL."""
    os.makedirs(out, exist_ok=True)
    key = Key(os.path.join(TOP, "tests", "keys", "test.key"))
    for name, docs in (("kinds", kinds_docs()),
                       ("link-bad", [(b"a.txt", b"alpha\n" * 100), (b"l", b"a\0b", None, 3)])):
        with open(os.path.join(out, name + ".npk"), "wb") as f:
            f.write(forge(sorted(docs, key=lambda d: d[0]), key, v11=True))
    return 0


USAGE = "usage: forge.py OUTDIR | forge.py tree OUTDIR NAME DIR | forge.py kinds OUTDIR\n"


def main(argv):
    if len(argv) == 2 and argv[1] in ("-h", "--help"):
        sys.stdout.write(USAGE + "\n" + __doc__.split("\n\n", 1)[1])
        return 0
    # an OUTDIR that looks like an option is a mistake, never a folder to make
    if any(a.startswith("-") for a in argv[1:]):
        sys.stderr.write("forge.py: unknown option %s\n%s" %
                         ([a for a in argv[1:] if a.startswith("-")][0], USAGE))
        return 2
    if len(argv) == 5 and argv[1] == "tree":
        return check_tree(argv[2], argv[3], argv[4])
    if len(argv) == 3 and argv[1] == "kinds":
        return write_kinds(argv[2])
    if len(argv) != 2:
        sys.stderr.write(USAGE)
        return 2
    out = argv[1]
    os.makedirs(out, exist_ok=True)
    KEYS["test"] = Key(os.path.join(TOP, "tests", "keys", "test.key"))
    KEYS["other"] = Key(os.path.join(TOP, "tests", "keys", "other.key"))
    rows = []
    for name, what, docs, kw, code, text in cases():
        kw = dict(kw)
        key = KEYS[kw.pop("key", "test")]
        hooks = kw.pop("hooks", {})
        if "file" in kw:
            hooks = dict(hooks, file=kw.pop("file"))
        docs = sorted(docs, key=lambda d: d[0]) if name not in ("path-unsorted",) else docs
        data = forge(docs, key, hooks=hooks, **kw)
        with open(os.path.join(out, name + ".npk"), "wb") as f:
            f.write(data)
        with open(os.path.join(out, name + ".docs.json"), "w") as f:
            # documents only: folders, links and withdrawn entries are no files to cat or find
            json.dump([[d[0].hex(), hashlib.sha256(d[1]).hexdigest()] for d in docs
                       if len(d) < 4 or d[3] == 0], f)
        rows.append("%s\t%d\t%s\t%s\n" % (name, code, text, what))
    with open(os.path.join(out, "cases.tsv"), "w") as f:
        f.writelines(rows)
    print("forge.py: %d cases in %s" % (len(rows), out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
