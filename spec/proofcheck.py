#!/usr/bin/env python3
"""proofcheck.py: checks a newspack proof file (format.md 15.14) without newspack.

Written from format.md (5.1, 5.5, 7, 8, 15.13, 15.14) and keys.md alone, with the Python 3
standard library: the grammar, the manifest and its Merkle root (extension type 2), the leaf
data, the inclusion proof (RFC 9162) and, given DOCUMENT, its size and BLAKE2b-256. It does not
check the Ed25519 signatures (the standard library has none): `minisign -V` does, as format.md
15.14 "Checking a proof by hand" shows. It checks that the signature line names the manifest's
signer and prints that key's id and fingerprint (keys.md 4, 4.1) to compare with the signer's.

usage: python3 proofcheck.py PROOF [DOCUMENT]
exit:  0 valid (the signature is minisign's to check), 1 invalid, 2 unreadable or usage
"""
import base64, binascii, datetime, hashlib, re, sys


class Invalid(Exception):  # the proof breaks a rule: exit 1
    pass


class Unreadable(Exception):  # not a proof this checker can read: exit 2
    pass


def need(ok, msg):
    if not ok:
        raise Invalid(msg)


def sha256(b):
    return hashlib.sha256(b).digest()


def utf8(b):  # strict (RFC 3629): no overlong form, no surrogate, nothing past U+10FFFF
    try:
        return b.decode("utf-8")
    except UnicodeDecodeError:
        return None


class Cursor:  # little-endian fields, in order, each inside the bytes
    def __init__(self, data, what):
        self.d, self.p, self.what = data, 0, what

    def take(self, n):
        need(self.p + n <= len(self.d), f"{self.what} ends inside a field (byte {self.p} of {len(self.d)})")
        self.p += n
        return self.d[self.p - n:self.p]

    def u(self, n):
        return int.from_bytes(self.take(n), "little")

    def end(self):
        need(self.p == len(self.d), f"{self.what} has {len(self.d) - self.p} bytes after its last field")


def metadata(c, what):
    """A metadata list (5.5), after its u16 length: [(key, value)]."""
    m, pairs = Cursor(c.take(c.u(2)), f"{what} metadata list"), []
    for _ in range(m.u(2)):
        key = m.take(m.u(1))
        need(re.fullmatch(rb"[a-z0-9_.-]{1,64}", key), f"{what} metadata: invalid key {key!r}")
        key = key.decode()
        need(not pairs or pairs[-1][0] <= key, f"{what} metadata: key {key} out of order")
        value = utf8(m.take(m.u(2)))
        need(value is not None and "\0" not in value, f"{what} metadata: {key} is not UTF-8 without NUL")
        pairs.append((key, value))
    m.end()
    return pairs


def manifest(m):
    """The manifest (7.1, 7.2) and its Merkle root (15.13): what a proof needs of it."""
    c = Cursor(m, "the manifest")
    need(c.take(4) == b"NPKM", "the manifest does not begin with NPKM")
    need(c.u(4) == 0, "the manifest's reserved field is not 0")
    f = {k: c.u(8) for k in ("file_size", "manifest_offset", "created", "documents", "content_bytes")}
    clusters, _pages, _pt_offset, _pt_size = c.u(4), c.u(4), c.u(8), c.u(4)
    need(c.u(4) == 48 * clusters, "the manifest's cluster_table_size is not 48 * cluster_count")
    c.take(96)  # the header, page table and cluster table digests: not a proof's business
    f["key_id"], f["public_key"], f["meta"] = c.take(8), c.take(32), metadata(c, "the manifest's")
    ext, last = {}, 0
    for _ in range(c.u(2)):
        t, flags, data = c.u(2), c.u(2), c.take(c.u(4))
        need(t > last, f"the manifest's extension type {t} follows type {last}: not increasing")
        need(flags in (0, 1), f"the manifest's extension type {t} has reserved flag bits set")
        if flags and t not in (1, 2, 3):
            raise Unreadable(f"the manifest holds critical extension type {t}: a newer checker is needed")
        ext[t], last = (flags, data), t
    c.end()
    need(2 in ext, "the manifest holds no Merkle root (extension type 2)")
    flags, data = ext[2]
    need(flags == 0 and len(data) == 40, "the Merkle root extension is not 40 bytes with flags 0")
    f["tree_size"], f["root"] = int.from_bytes(data[:8], "little"), data[8:]
    need(f["tree_size"] <= 2**32 - 2, "the Merkle tree's size is over 2^32 - 2")
    flags, d = ext.get(1, (0, b""))
    count = int.from_bytes(d[:4], "little")
    need(flags == 1 and len(d) == 4 + 56 * count, "the manifest holds no valid section directory")
    trees = sum(d[4 + 56 * i:6 + 56 * i] == b"\4\0" for i in range(count))
    need(trees == 1, f"the section directory holds {trees} Merkle tree sections (type 4), not one")
    f["edition"] = 0
    if 3 in ext:
        filters = sum(d[4 + 56 * i:6 + 56 * i] == b"\x09\0" for i in range(count))
        edition_link(f, *ext[3], filters)
    return f


def edition_link(f, flags, d, filters):
    """The edition link, manifest extension type 3 (15.15): its fields and rules."""
    need(flags == 1, "the edition link (extension type 3) is not marked critical")
    need(len(d) >= 82, "the edition link is shorter than 82 bytes")
    edition, lflags = int.from_bytes(d[0:4], "little"), int.from_bytes(d[4:8], "little")
    prev_tree_size, name_len = int.from_bytes(d[72:80], "little"), int.from_bytes(d[80:82], "little")
    need(1 <= edition <= 2**32 - 2, f"the edition link's edition {edition} is not 1 to 2^32 - 2")
    need(lflags & ~1 == 0, "the edition link has reserved flag bits set")
    need(len(d) == 82 + name_len + (184 if lflags & 1 else 0),
         "the edition link's length does not fit its name and rotation statement")
    name = utf8(d[82:82 + name_len])
    need(name is not None and 1 <= name_len <= 255 and "/" not in name and "\0" not in name
         and name not in (".", ".."), "the edition link's previous file name is not one path component")
    need(f["tree_size"] >= prev_tree_size,
         f"the Merkle tree of {f['tree_size']} leaves is smaller than the {prev_tree_size} before this edition")
    need(filters == 1, f"the section directory of an edition holds {filters} path filters (type 9), not one")
    f["edition"] = edition


def leaf(d):
    """The leaf data (15.13), parsed exactly."""
    c = Cursor(d, "the leaf data")
    leaf_type, kind = c.u(1), c.u(1)
    need(leaf_type in (0, 1), "the leaf's leaf_type is not 0 (an index entry) or 1 (a withdrawal, 15.15)")
    need(kind in (0, 2, 3) if leaf_type == 0 else kind == 1,
         "the leaf's kind is not 0, 2 or 3" if leaf_type == 0 else "a withdrawal's leaf is not of kind 1")
    raw = c.take(c.u(2))
    path = utf8(raw)
    need(path is not None and 1 <= len(raw) <= 4096 and not re.search("[\0-\x1f\x7f-\x9f\\\\]", path)
         and all(p not in ("", ".", "..") and len(p.encode()) <= 255 for p in path.split("/")),
         f"the leaf's path {raw!r} is not a valid path (5.1)")
    size, digest = c.u(8), c.take(32)
    need(leaf_type == 0 or (size == 0 and digest == hashlib.blake2b(b"", digest_size=32).digest()),
         "a withdrawal's leaf has a size or digest of content")
    need(re.fullmatch(rb"[!-~]+", c.take(c.u(1))), "the leaf's media type is not 1 to 255 printable ASCII bytes")
    meta = metadata(c, "the leaf's")
    c.take(16)  # salt
    c.end()
    first = lambda key: next((v for k, v in meta if k == key), "")  # noqa: E731
    return {"path": path, "size": size, "digest": digest, "title": first("title"), "date": first("date"),
            "withdrawal": leaf_type == 1}


def verify_inclusion(m, n, r, path, root):
    """RFC 9162 2.1.3.2, as format.md 15.14 writes it."""
    fn, sn = m, n - 1
    for p in path:
        need(sn != 0, "the inclusion proof is longer than the tree")
        if fn & 1 or fn == sn:
            r = sha256(b"\1" + p + r)
            while fn & 1 == 0 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = sha256(b"\1" + r + p)
        fn, sn = fn >> 1, sn >> 1
    need(sn == 0 and r == root, "the inclusion proof does not lead to the manifest's Merkle root")


class Lines:  # the proof's lines in order: each fits its pattern of 15.14, or the proof is invalid
    def __init__(self, lines):
        self.lines, self.i = lines, 0

    def at(self, prefix):
        return self.i < len(self.lines) and self.lines[self.i].startswith(prefix)

    def take(self, prefix, what, pattern=rb".*"):
        line = self.lines[self.i] if self.i < len(self.lines) else b"(the end of the file)"
        need(line.startswith(prefix) and re.fullmatch(pattern, line[len(prefix):]),
             f"line {self.i + 1}: {what} expected, not {line[:40]!r}")
        self.i += 1
        return line[len(prefix):]

    def b64(self, prefix, what, size=None):
        text = self.take(prefix, what, rb"[A-Za-z0-9+/]*={0,2}")
        try:
            data = base64.b64decode(text, validate=True)
        except binascii.Error:
            data = None
        need(data is not None and base64.b64encode(data) == text, f"line {self.i}: {what} is not canonical base64")
        need(size is None or len(data) == size, f"line {self.i}: {what} is {len(data)} bytes, not {size}")
        return data

    def dec(self, prefix, what):
        v = int(self.take(prefix, what + " (a decimal, no leading zero)", rb"0|[1-9][0-9]*"))
        need(v < 1 << 64, f"line {self.i}: {what} is not below 2^64")
        return v


def version(line):
    if line != b"npk-proof/v1":
        raise Unreadable(f"a proof of version {line[11:].decode()}: a newer checker is needed"
                         if re.fullmatch(rb"npk-proof/v[0-9]+", line) else "not a newspack proof")


def grammar(ls):
    """Step 1 of 15.14: one proof's lines; returns its fields."""
    ls.take(b"npk-proof/v1", "npk-proof/v1", rb"")
    p = {"leaf": ls.b64(b"leaf ", "leaf <base64>"), "m": ls.dec(b"index ", "index <m>"),
         "n": ls.dec(b"size ", "size <n>"), "hashes": [], "stamps": []}
    need(len(p["leaf"]) <= 4 + 4096 + 8 + 32 + 1 + 255 + 2 + 65535 + 16, "the leaf data is too long")
    while ls.at(b"hash "):
        p["hashes"].append(ls.b64(b"hash ", "hash <base64 of 32 bytes>", 32))
    m, n = p["m"], p["n"]
    need(m < n, f"index {m} is past the tree size {n}")
    inner = (m ^ (n - 1)).bit_length()
    want = inner + bin(m >> inner).count("1")
    need(len(p["hashes"]) == want, f"{len(p['hashes'])} hash lines: the proof of leaf {m} of {n} has {want}")
    p["manifest"] = ls.b64(b"manifest ", "manifest <base64>")
    need(len(p["manifest"]) <= 1 << 20, "the manifest is over 1 MiB")
    ls.take(b"untrusted comment: newspack archive manifest", "the untrusted comment", rb"")
    p["sig"] = ls.b64(b"", "the signature line (base64 of 74 bytes)", 74)
    p["comment"] = ls.take(b"trusted comment: ", "trusted comment: ...")
    ls.b64(b"", "the global signature line (base64 of 64 bytes)", 64)
    while ls.at(b"stamp "):
        kind = ls.lines[ls.i][6:].split(b" ")[0]
        need(re.fullmatch(rb"[!-~]+", kind), f"line {ls.i + 1}: stamp <kind> <base64> expected")
        ls.b64(b"stamp " + kind + b" ", "stamp <kind> <base64>")
        p["stamps"].append(kind.decode())
    if ls.i < len(ls.lines) and ls.lines[ls.i] != b"npk-proof/v1":  # neither the end nor a proof
        if re.fullmatch(rb"npk-proof/v[0-9]+", ls.lines[ls.i]):
            version(ls.lines[ls.i])
        need(False, f"line {ls.i + 1}: a stamp line, the next proof or the end expected")
    return p


def check(p, document):
    """Steps 2 to 6 of 15.14 (step 3 without Ed25519): the summary lines of a valid proof."""
    f = manifest(p["manifest"])
    need(p["n"] == f["tree_size"], f"size {p['n']} is not the manifest's tree size {f['tree_size']}")
    sig, comment = p["sig"], p["comment"]
    kid = lambda b: "%016X" % int.from_bytes(b, "little")  # noqa: E731 (keys.md 4)
    need(sig[:2] == b"ED", "the signature line's algorithm is not ED")
    need(sig[2:10] == f["key_id"],
         f"the signature names key {kid(sig[2:10])}, the manifest's signer is {kid(f['key_id'])}")
    need(len(comment) <= 1024 and utf8(comment) is not None and b"\0" not in comment,
         "the trusted comment is not 0 to 1024 bytes of UTF-8 without NUL (8)")
    need(f["file_size"] == f["manifest_offset"] + len(p["manifest"]) + 140 + len(comment) + 32,
         "the manifest's file_size does not fit its offset and the manifest's and signature's sizes (9)")
    d = leaf(p["leaf"])
    verify_inclusion(p["m"], p["n"], sha256(b"\0" + p["leaf"]), p["hashes"], f["root"])
    doc = "not checked"
    if document is not None:
        need(len(document) == d["size"], f"the document is {len(document)} bytes, the proof says {d['size']}")
        need(hashlib.blake2b(document, digest_size=32).digest() == d["digest"],
             "the document's digest is not the one the proof holds")
        doc = f"matches ({len(document)} bytes, BLAKE2b-256 {d['digest'].hex()})"
    fp = hashlib.blake2b(f["public_key"], digest_size=32).hexdigest()[:32]
    try:
        created = f"{datetime.datetime.fromtimestamp(f['created'], datetime.timezone.utc):%Y-%m-%dT%H:%M:%SZ}"
    except (ValueError, OverflowError, OSError):  # past year 9999: the seconds as they are
        created = f"{f['created']} seconds after 1970"
    what = "withdrawal of " if d["withdrawal"] else ""
    edition = [f"edition: {f['edition']} of its chain (15.15)"] if f["edition"] else []
    return [f"path: {what}{d['path']}", f"title: {d['title']}", f"date: {d['date']}"] + edition + [
        f"leaf {p['m']} of {p['n']}, Merkle root {f['root'].hex()}", f"document: {doc}",
        f"signer key id: {kid(f['key_id'])} (the manifest's and the signature line's)",
        f"signer fingerprint: {' '.join(fp[i:i + 4] for i in range(0, 32, 4))}",
        f"archive created: {created} (the signer's own claim)",
        "signature: NOT checked here: minisign -V checks it with the signer's public key"] + \
        [f"stamp {k}: not checked" for k in p["stamps"]]


def main(argv):
    if len(argv) not in (1, 2) or argv[0].startswith("-"):
        print("usage: python3 proofcheck.py PROOF [DOCUMENT]", file=sys.stderr)
        return 2
    try:
        data, document = open(argv[0], "rb").read(), None
        if len(argv) == 2:
            document = open(argv[1], "rb").read()
        version(data.split(b"\n", 1)[0].rstrip(b"\r"))
        need(b"\r" not in data, "a CR (0D) byte: every line ends with LF alone")
        need(data.endswith(b"\n"), "the file does not end with LF")
        lines = data[:-1].split(b"\n")
        for i, line in enumerate(lines, 1):
            need(line, f"line {i} is empty")
            need(not line.endswith(b" "), f"line {i} ends with a space")
        ls, proofs = Lines(lines), []
        while ls.i < len(lines):
            proofs.append(grammar(ls))
        if document is not None and len(proofs) != 1:
            raise Unreadable(f"the file holds {len(proofs)} proofs: give a DOCUMENT with a file of one")
        for k, p in enumerate(proofs, 1):
            try:
                out = check(p, document)
            except Invalid as e:
                raise Invalid(f"proof {k}: {e}")
            print(f"{argv[0]}: proof {k}: VALID (but for the signature)")
            print("".join(f"  {s}\n" for s in out), end="")
        return 0
    except OSError as e:
        print(f"proofcheck: cannot read {e.filename}: {e.strerror}", file=sys.stderr)
        return 2
    except Unreadable as e:
        print(f"proofcheck: {argv[0]}: {e}", file=sys.stderr)
        return 2
    except Invalid as e:
        print(f"proofcheck: {argv[0]}: INVALID: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
