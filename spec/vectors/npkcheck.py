#!/usr/bin/env python3
"""npkcheck: an independent reader of newspack archives (.npk), version 1.0.

Written from spec/format.md and spec/keys.md alone, with the Python standard
library only (Ed25519 is implemented below from RFC 8032), so that the spec can
be checked for completeness against the C implementation.

Codecs (section 4.3): 0 (stored) and 1 (zlib) with the standard library, and
2 (zstd) with a Zstandard decoder written here from RFC 8878 (raw, RLE and
compressed blocks: Huffman literals, FSE sequences, repeat offsets; the
optional content checksum, XXH64, checked), so that no module is needed; 3
(zstd with the file's dictionary, section 15.18) with the same decoder, the
content of the file's section type 12 as the history before the frame. It
is slow (a few MB/s): when this Python has a zstd module, that one decodes
compressed blocks instead, for speed: compression.zstd (standard library from
Python 3.14 on), else the third-party zstandard module. Set the environment
variable NPKCHECK_PURE_ZSTD=1 to use the decoder here always (the tests do).

    npkcheck.py verify ARCHIVE [-p PUBKEY_FILE]
        Every check of spec/format.md section 11 (steps 1-9). Exit 0: valid and
        signed by the key in PUBKEY_FILE. Exit 3: valid, but the signer is not
        that key (or no key was given). Exit 1: something failed; every problem
        found is printed with the structure and offset. Exit 2: usage or
        input/output error, or the archive needs a newer reader (section 11.1:
        a newer version_major, an unknown required_flags bit or critical
        extension, an unknown codec) and nothing found is damaged. An archive
        with a Merkle root (section 15.13) has its tree checked too: every
        entry's leaf hash against the stored level 0, the number of leaves,
        each stored level against the one below, and the root.

    npkcheck.py verify NEWEST [-p PUBKEY_FILE] [--chain FILE...]
        An edition (section 15.15: a manifest with an edition link) is read as
        its chain: the earlier files are found among --chain FILEs by the
        digest of their manifest, else by the name each link gives, beside
        NEWEST. Every file is checked (its signature reported, each bound to
        the next by prev_digest), with the checks of the chain (edition
        numbers down to a base, base_digest, prev_tree_size, the stride, key
        rotation statements), each edition's tree (its leaves [p, n), its
        stored nodes over those of earlier files, the root over every leaf of
        the chain), its path filter, references to earlier editions
        (ref_kind 1: the extent in that edition's data stream and the
        content's digest), withdrawals of paths the state held, and the
        folder rule of the state after each edition. A missing file is a
        problem (exit 1). The signer is trusted when it is the key of
        PUBKEY_FILE or rotated from it by valid statements.

    npkcheck.py dump ARCHIVE
        An annotated map of every byte: each structure and field with its offset,
        size, raw bytes and decoded value, the decoded entries of each index page,
        the documents each cluster holds, and the expected digests. Exit 0 when
        the archive checks out (signer not judged), 2 when it needs a newer
        reader, 1 otherwise.

    npkcheck.py digests [--whole-file] ARCHIVE
        Runs verify without a key; if everything checks out, prints as a
        Markdown table every digest the archive stores (header, tables, objects,
        documents, and H512(manifest) that the signature signs), each with the
        bytes it covers and where it is stored (spec/vectors/README.md holds this
        table for the test vector). With --whole-file, the file's size, SHA-256
        and BLAKE2b-256 instead. Exit codes as verify's, except that 3 is 0.

    npkcheck.py extract ARCHIVE DIR [-p PUBKEY_FILE]
        Runs verify; once steps 1 to 7 checked out, writes every document whose
        clusters and digest check out under DIR (each through a temporary file
        renamed into place once its digest matched), and names each one it does
        not write: damage goes on (section 11, on_damage = CONTINUE), and the
        exit code is then verify's (1, or 2 when all of it needs a newer
        reader). With -p, an archive not signed by that key is refused (exit 3);
        without -p the signer is reported and the documents are written.

    npkcheck.py protect ARCHIVE OUT [--parity PERCENT] [--geometry K,P,S]
        Verifies ARCHIVE (without a key), then writes to OUT its signed part
        and a new unsigned tail: the parity section of section 15.10 (by
        newspack's choice of k, p and S for PERCENT, default 5, or K,P,S),
        the survival copies of 15.9, the tail directory and trailer of 15.5.

    npkcheck.py repair ARCHIVE OUT
        Section 15.10's repair: finds the parity section, marks the blocks by
        CRC-32, rebuilds each stripe with the reference codec of 15.12 (below,
        verbatim), verifies the rebuilt signed part and only then writes it,
        with its tail written again, to OUT. Exit 0 repaired (or nothing to
        repair), 1 cannot (a stripe lost more blocks than it has intact
        parity, or the result does not verify), 2 usage or input/output error.
        The tail is written as protect writes it (the parity with the
        geometry found, then the survival copies), whatever tail was there.

Section numbers in comments refer to spec/format.md unless keys.md is named.
"""

import argparse
import base64
import bisect
import hashlib
import io
import mmap
import os
import struct
import sys
import time
import zlib

# ---------------------------------------------------------------------------
# Constants (sections 3, 4, 7, 8, 9, 10)

HEADER_MAGIC = b"\x89NPK\r\n\x1a\n"
TRAILER_MAGIC = b"\x89NPKEND\n"
CLUSTER_MAGIC = b"NPKC"
PAGE_MAGIC = b"NPKP"
MANIFEST_MAGIC = b"NPKM"
SIG_ALG = b"ED"
KNOWN_MAJOR = 1

MiB = 1 << 20
MAX_PATH = 4096
MAX_COMPONENT = 255
MAX_MEDIA = 255
MAX_META = 65535
MAX_COMMENT = 1024
MAX_MANIFEST = 1 * MiB
MIN_MANIFEST = 214          # section 9
SIG_FIXED = 140             # section 8: 76 + 64
SIGNER_KEY_ID_AT = 168      # section 7.1: signer_key_id, then signer_public_key
SIGNER_PK_AT = 176
MAX_CLUSTER_RAW = 64 * MiB
MAX_PAGE_RAW = 4 * MiB
MAX_PAGE_TABLE = 256 * MiB
MAX_CLUSTERS = 1 << 24
MAX_DOCUMENTS = (1 << 32) - 2
OBJ_HEADER = 24
CLUSTER_ENTRY = 48
PAGE_ENTRY_FIXED = 62
ENTRY_FIXED = 53             # section 5.2, without path, media type and metadata
NO_CLUSTER = 0xFFFFFFFF
NO_LEAF = 0xFFFFFFFFFFFFFFFF  # section 15.7: no leaf number
TAIL_MAGIC = b"NPKTAIL\n"     # section 15.5
CONTAINER11 = 1              # section 15.1: required_flags bit 0
SEALED = 2                   # section 15.17: required_flags bit 1, a sealed archive
SECTION_SEAL = 8             # section 15.17.3: the seal
EXT_DIRECTORY = 1            # section 15.3
EXT_MERKLE = 2               # section 15.13: the Merkle root (tree_size, root)
SECTION_TREE = 4             # section 15.13: the stored tree levels
EXT_EDITION = 3              # section 15.15: the edition link (critical)
SECTION_PATHS = 9            # section 15.15: the path filter
PATHS_MAGIC = b"NPKPATHS"
SECTION_FOLDERS = 10         # section 15.15: the folder filter
FOLDERS_MAGIC = b"NPKFOLDS"
ROTATION_MAGIC = b"NPKROT1\n"
MAX_EDITION = 0xFFFFFFFE
TREE_MAGIC = b"NPKTREE\n"
SECTION_DICT = 12            # section 15.18: the compression dictionary (critical)
DICT_MAGIC = b"NPKDICT\n"
DICT_HEADER = 16             # section 15.18: magic, reserved, content_len
DICT_MIN = 256               # section 15.18: content_len 256 to 2^20
DICT_MAX = 1 << 20
ZSTD_DICT_MAGIC = b"\x37\xa4\x30\xec"  # RFC 8878 section 5: a structured dictionary
SECTION_RECORD = 56
MAX_SECTIONS = 65536
ENTRY11_FIXED = 84           # section 15.7, ref_kind 0, without path, media type, metadata
KIND_NAMES = {0: "document", 1: "withdrawn", 2: "folder", 3: "symlink"}
KIND_MEDIA = {2: b"inode/directory", 3: b"inode/symlink"}
SECTION_TYPE_NAMES = {2: "survival copies", 3: "parity", 4: "Merkle tree", 6: "content digest "
                      "index", 7: "full-text index", 8: "encryption stanzas",
                      12: "compression dictionary"}   # section 15.6
REF_KIND_NAMES = {0: "inline: cluster and offset", 1: "an extent of an earlier edition's data "
                  "stream (15.15)"}
CODEC_NAMES = {0: "stored", 1: "zlib", 2: "zstd",
               3: "zstd with the file's dictionary"}     # sections 4.3, 15.18


def H(data):
    """BLAKE2b-256, unkeyed (section 1)."""
    return hashlib.blake2b(data, digest_size=32).digest()


def H512(data):
    """BLAKE2b-512, unkeyed (section 1)."""
    return hashlib.blake2b(data, digest_size=64).digest()


# ---------------------------------------------------------------------------
# Ed25519 verification, RFC 8032 section 5.1 (pure Ed25519, no context).

_P = 2 ** 255 - 19
_L = 2 ** 252 + 27742317777372353535851937790883648493
_D = (-121665 * pow(121666, _P - 2, _P)) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)
_BX = 15112221349535400772501151409588531511454012693041857206046113283949847762202
_BY = 46316835694926478169428394003475163141307993866256225615783033603165251855960
_B = (_BX, _BY, 1, (_BX * _BY) % _P)
_IDENTITY = (0, 1, 1, 0)


def _pt_add(p, q):
    """Addition in extended coordinates (RFC 8032 section 5.1.4)."""
    x1, y1, z1, t1 = p
    x2, y2, z2, t2 = q
    a = (y1 - x1) * (y2 - x2) % _P
    b = (y1 + x1) * (y2 + x2) % _P
    c = t1 * 2 * _D * t2 % _P
    d = z1 * 2 * z2 % _P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % _P, g * h % _P, f * g % _P, e * h % _P)


def _pt_mul(s, p):
    q = _IDENTITY
    while s > 0:
        if s & 1:
            q = _pt_add(q, p)
        p = _pt_add(p, p)
        s >>= 1
    return q


def _pt_equal(p, q):
    # x1/z1 == x2/z2 and y1/z1 == y2/z2
    return ((p[0] * q[2] - q[0] * p[2]) % _P == 0 and
            (p[1] * q[2] - q[1] * p[2]) % _P == 0)


def _pt_decode(s):
    """Point decoding, RFC 8032 section 5.1.3. None when the encoding is invalid
    or not canonical (y >= p, or x = 0 with the sign bit set)."""
    if len(s) != 32:
        return None
    y = int.from_bytes(s, "little")
    sign = y >> 255
    y &= (1 << 255) - 1
    if y >= _P:
        return None
    u = (y * y - 1) % _P
    v = (_D * y * y + 1) % _P
    x = u * pow(v, 3, _P) * pow(u * pow(v, 7, _P), (_P - 5) // 8, _P) % _P
    vxx = v * x * x % _P
    if vxx == u:
        pass
    elif vxx == (-u) % _P:
        x = x * _SQRT_M1 % _P
    else:
        return None
    if x == 0 and sign == 1:
        return None
    if (x & 1) != sign:
        x = _P - x
    return (x, y, 1, x * y % _P)


def ed25519_small_order(public_key):
    """True when the key decodes to a point of order 1, 2, 4 or 8. RFC 8032
    accepts such keys; with one, a signature can verify without any secret
    (libsodium refuses them)."""
    a = _pt_decode(public_key)
    return a is not None and _pt_equal(_pt_mul(8, a), _IDENTITY)


def ed25519_verify(public_key, message, signature):
    """RFC 8032 section 5.1.7, with the cofactorless equation [S]B = R + [k]A,
    and the rejections of keys.md section 5: S < L, canonical encodings, and
    neither A nor R of small order."""
    if len(public_key) != 32 or len(signature) != 64:
        return False
    a = _pt_decode(public_key)
    r = _pt_decode(signature[:32])
    if a is None or r is None:
        return False
    if _pt_equal(_pt_mul(8, a), _IDENTITY) or _pt_equal(_pt_mul(8, r), _IDENTITY):
        return False
    s = int.from_bytes(signature[32:], "little")
    if s >= _L:
        return False
    k = int.from_bytes(hashlib.sha512(signature[:32] + public_key + message).digest(),
                       "little") % _L
    return _pt_equal(_pt_mul(s, _B), _pt_add(r, _pt_mul(k, a)))


# ---------------------------------------------------------------------------
# Key files (keys.md sections 1, 2 and 4)

def key_id_text(key_id):
    """keys.md section 4: the 8 bytes as a little-endian u64, 16 uppercase hex digits."""
    return "%016X" % int.from_bytes(key_id, "little")


class KeyFileError(Exception):
    pass


def load_public_key(path):
    """Returns (key_id, pk) from a public key file (keys.md sections 1 and 2)."""
    try:
        with open(path, "rb") as f:
            text = f.read(4097)
    except OSError as e:
        raise KeyFileError("cannot read %s: %s" % (path, e.strerror))
    if len(text) > 4096:
        raise KeyFileError("%s: more than 4096 bytes" % path)
    if b"\0" in text:
        raise KeyFileError("%s: holds a NUL byte" % path)
    nl = text.find(b"\n")
    if not text.startswith(b"untrusted comment: ") or nl < 0:
        raise KeyFileError("%s: line 1 is not 'untrusted comment: ...'" % path)
    rest = text[nl + 1:]
    nl2 = rest.find(b"\n")
    line2, after = (rest, b"") if nl2 < 0 else (rest[:nl2], rest[nl2 + 1:])
    # CR before any LF, and spaces, tabs, CR and LF after the key.
    line2 = line2.rstrip(b" \t\r")
    if after.strip(b" \t\r\n"):
        raise KeyFileError("%s: text after line 2" % path)
    if not line2:
        raise KeyFileError("%s: line 2 is missing or empty" % path)
    try:
        raw = base64.b64decode(line2, validate=True)
    except (ValueError, base64.binascii.Error):
        raise KeyFileError("%s: line 2 is not base64" % path)
    if base64.b64encode(raw) != line2:
        raise KeyFileError("%s: line 2 is not canonical base64" % path)
    if len(raw) != 42:
        raise KeyFileError("%s: line 2 decodes to %d bytes, not 42" % (path, len(raw)))
    if raw[:2] != b"Ed":
        raise KeyFileError("%s: sig_alg is not 'Ed'" % path)
    return raw[2:10], raw[10:42]


# ---------------------------------------------------------------------------
# Small helpers

class Short(Exception):
    """A field runs past the end of the bytes that hold it."""

    def __init__(self, what, offset):
        Exception.__init__(self, "%s runs past the end" % what)
        self.what = what
        self.offset = offset


class Newer(str):
    """A problem's text when the problem is that a newer reader is needed
    (section 11.1, exit code 2), not damage: a newer version_major, an unknown
    required_flags bit, critical extension or codec."""


def all_newer(texts):
    """True when there are problems and each one only says a newer reader is needed."""
    texts = list(texts)
    return bool(texts) and all(isinstance(t, Newer) for t in texts)


class Field(object):
    __slots__ = ("off", "size", "name", "raw", "value", "note")

    def __init__(self, off, size, name, raw, value, note=""):
        self.off, self.size, self.name = off, size, name
        self.raw, self.value, self.note = raw, value, note


class Cursor(object):
    """Reads fields from bytes; base is the offset of data[0] (file offset, or
    offset in an object's decoded bytes). Every field read is recorded."""

    def __init__(self, data, base=0):
        self.data = data
        self.base = base
        self.pos = 0
        self.fields = []

    def left(self):
        return len(self.data) - self.pos

    def take(self, n, name, value=None):
        if n > self.left():
            raise Short(name, self.base + self.pos)
        raw = self.data[self.pos:self.pos + n]
        self.fields.append(Field(self.base + self.pos, n, name, raw, value))
        self.pos += n
        return raw

    def _int(self, n, name):
        raw = self.take(n, name)
        v = int.from_bytes(raw, "little")
        self.fields[-1].value = v
        return v

    def u8(self, name):
        return self._int(1, name)

    def u16(self, name):
        return self._int(2, name)

    def u32(self, name):
        return self._int(4, name)

    def u64(self, name):
        return self._int(8, name)

    def note(self, text):
        f = self.fields[-1]
        f.note = (f.note + "; " + text) if f.note else text


def at(off):
    return "offset %d (0x%x)" % (off, off)


def show_bytes(b, limit=60):
    """A printable rendering of bytes, Python-escaped, cut after limit characters
    (never inside an escape)."""
    s = ""
    for c in b:
        if c == 0x5C:
            t = "\\\\"
        elif c == 0x22:
            t = '\\"'
        elif 0x20 <= c < 0x7F:
            t = chr(c)
        else:
            t = {0x0A: "\\n", 0x09: "\\t", 0x0D: "\\r"}.get(c, "\\x%02x" % c)
        if len(s) + len(t) > limit:
            return '"' + s + '"...'
        s += t
    return '"' + s + '"'


def show_text(b, limit=200):
    """Decoded UTF-8 shown as such (escaping controls), for paths and metadata."""
    try:
        t = b.decode("utf-8")
    except UnicodeDecodeError:
        return show_bytes(b, limit)
    out = ""
    for ch in t:
        o = ord(ch)
        if ch == "\\":
            tok = "\\\\"
        elif ch == '"':
            tok = '\\"'
        elif o < 0x20 or o == 0x7F:
            tok = {0x0A: "\\n", 0x09: "\\t", 0x0D: "\\r"}.get(o, "\\x%02x" % o)
        else:
            tok = ch
        if len(out) + len(tok) > limit:
            return '"' + out + '"...'
        out += tok
    return '"' + out + '"'


# ---------------------------------------------------------------------------
# Validation of paths, media types and metadata lists (sections 5.1, 5.2, 5.5)

def utf8_ok(b):
    """RFC 3629 UTF-8. CPython's strict decoder refuses overlong forms,
    surrogates and code points above U+10FFFF."""
    try:
        b.decode("utf-8", "strict")
        return True
    except UnicodeDecodeError:
        return False


def path_problem(p):
    """None when p is a valid path (section 5.1), else what is wrong."""
    if not 1 <= len(p) <= MAX_PATH:
        return "path length %d is not 1 to %d" % (len(p), MAX_PATH)
    if not utf8_ok(p):
        return "path is not valid UTF-8"
    for c in p:
        if c < 0x20 or c == 0x7F:
            return "path holds the control byte %02x" % c
    for c in p.decode("utf-8"):
        if 0x80 <= ord(c) <= 0x9F:
            return "path holds the C1 control U+%04X" % ord(c)
    if b"\\" in p:
        return "path holds a backslash"
    if p.startswith(b"/"):
        return "path begins with /"
    for comp in p.split(b"/"):
        if len(comp) == 0:
            return "path has an empty component"
        if len(comp) > MAX_COMPONENT:
            return "path component of %d bytes (more than %d)" % (len(comp), MAX_COMPONENT)
        if comp in (b".", b".."):
            return "path has a '%s' component" % comp.decode()
    return None


def media_problem(m):
    if not 1 <= len(m) <= MAX_MEDIA:
        return "media type length %d is not 1 to %d" % (len(m), MAX_MEDIA)
    for c in m:
        if not 0x21 <= c <= 0x7E:
            return "media type holds byte %02x (not printable ASCII 21-7E)" % c
    return None


KEY_CHARS = frozenset(b"abcdefghijklmnopqrstuvwxyz0123456789_.-")


def parse_meta(cur, length, problems, where):
    """Parses a metadata list (section 5.5) of exactly `length` bytes at the
    cursor. Records problems as (offset, text). Returns the list of pairs."""
    end = cur.pos + length
    start_off = cur.base + cur.pos
    pairs = []
    if length < 2:
        problems.append((start_off, "%s: a metadata list of %d bytes has no count "
                         "(an empty list is the two bytes 00 00)" % (where, length)))
        cur.take(length, "metadata (malformed)")
        return pairs
    sub = Cursor(cur.data[cur.pos:end], cur.base + cur.pos)
    try:
        count = sub.u16("count (pairs)")
        prev = None
        for i in range(count):
            klen = sub.u8("key_len")
            if not 1 <= klen <= 64:
                sub.note("INVALID: not 1 to 64")
                problems.append((sub.fields[-1].off,
                                 "%s: pair %d key_len %d is not 1 to 64" % (where, i, klen)))
            key = sub.take(klen, "key")
            sub.fields[-1].value = show_bytes(key)
            if not all(c in KEY_CHARS for c in key):
                sub.note("INVALID key characters")
                problems.append((sub.fields[-1].off,
                                 "%s: pair %d key %s holds bytes outside a-z 0-9 _ . -"
                                 % (where, i, show_bytes(key))))
            if prev is not None and key < prev:
                sub.note("OUT OF ORDER")
                problems.append((sub.fields[-1].off, "%s: key %s sorts before the previous "
                                 "key %s" % (where, show_bytes(key), show_bytes(prev))))
            prev = key
            vlen = sub.u16("value_len")
            val = sub.take(vlen, "value")
            sub.fields[-1].value = show_text(val)
            if not utf8_ok(val):
                sub.note("INVALID UTF-8")
                problems.append((sub.fields[-1].off,
                                 "%s: value of key %s is not valid UTF-8" % (where, show_bytes(key))))
            elif b"\0" in val:
                sub.note("INVALID: holds NUL")
                problems.append((sub.fields[-1].off,
                                 "%s: value of key %s holds a NUL byte" % (where, show_bytes(key))))
            pairs.append((key, val))
        if sub.left():
            problems.append((sub.base + sub.pos, "%s: %d bytes after the last of %d pairs"
                             % (where, sub.left(), count)))
            sub.take(sub.left(), "trailing bytes (INVALID)")
    except Short as e:
        problems.append((e.offset, "%s: %s (the count of pairs does not match meta_len)"
                         % (where, e)))
        if sub.left():
            sub.take(sub.left(), "truncated pair (INVALID)")
    cur.fields.extend(sub.fields)
    cur.pos = end
    return pairs


# ---------------------------------------------------------------------------
# The archive reader

class Stop(Exception):
    """A check that later steps depend on failed; nothing more can be trusted."""


class Archive(object):
    def __init__(self, path):
        self.path = path
        self.f = open(path, "rb")
        self.size = os.fstat(self.f.fileno()).st_size
        self.problems = []          # (structure, offset, text); text may be Newer
        self.info = []              # informative lines for verify's output
        # filled as the steps go
        self.header = None
        self.trailer = None
        self.manifest = None
        self.manifest_bytes = None
        self.sig = None
        self.signer_trusted = False
        self.signature_ok = False
        self.pages = []             # page table entries (dicts)
        self.clusters = []          # cluster table entries (dicts)
        self.cluster_start = []
        self.entries = {}           # page number -> list of entry dicts
        self.page_ok = {}
        self.cluster_ok = {}
        self.doc_problems = 0
        self.signed_size = self.size    # section 15.5: the file without its unsigned tail
        self.has_tail = False
        self.v11 = False
        self.sections = []              # section 15.3: the directory's records
        self.bad_sections = set()       # numbers of the sections whose digest does not match
        self.tree_section = None        # section 15.13: the record of type 4, with a root
        self.paths_section = None       # section 15.15: an edition's path filter (type 9)
        self.folders_section = None     # and its folder filter (type 10), if any
        self.dict_section = None        # section 15.18: the compression dictionary (type 12)
        self.dict_loaded = None         # and (content, why) once read: self.dictionary()
        self.edition = 0                # section 15.15: the link's edition number (0: none)
        self.later = []                 # manifest problems acted on after the header digest
        self.tail_problems = []         # section 15.5: (structure, offset, text), never an outcome
        self.tail_sections = 0
        self.body_checked = False       # steps 1 to 7 passed and step 9 ran

    def close(self):
        self.f.close()

    def problem(self, where, off, text):
        self.problems.append((where, off, text))

    def needs_newer_only(self):
        """True when every problem found says a newer reader is needed (exit 2)."""
        return all_newer(t for _, _, t in self.problems)

    def read(self, off, n):
        if off < 0 or n < 0 or off + n > self.size:
            raise Short("read of %d bytes" % n, off)
        self.f.seek(off)
        b = self.f.read(n)
        if len(b) != n:
            raise Short("read of %d bytes" % n, off)
        return b

    # -- step 1: header (section 3) ----------------------------------------
    def parse_header(self):
        if self.size < 32:
            self.problem("header", 0, "the file has %d bytes, fewer than the 32 of a header"
                         % self.size)
            raise Stop()
        raw = self.read(0, 32)
        c = Cursor(raw, 0)
        h = {"raw": raw}
        h["magic"] = c.take(8, "magic")
        c.fields[-1].value = show_bytes(h["magic"])
        h["major"] = c.u16("version_major")
        h["minor"] = c.u16("version_minor")
        h["required_flags"] = c.u32("required_flags")
        h["optional_flags"] = c.u32("optional_flags")
        h["reserved"] = c.take(12, "reserved")
        h["fields"] = c.fields
        self.header = h
        return h

    def check_header(self):
        h = self.parse_header()
        if h["magic"] != HEADER_MAGIC:
            self.problem("header magic", 0, "is %s, not 89 4E 50 4B 0D 0A 1A 0A: not a newspack "
                         "archive, or its line endings or eighth bit were mangled" % h["magic"].hex(" "))
            raise Stop()
        # Section 15.2: the other fields are acted on only once the header digest
        # matched (check_version), so a changed bit reads as damage, not as newer.

    def check_version(self):
        """Section 15.2, step 5b: the header's version and flags."""
        h = self.header
        if h["major"] > KNOWN_MAJOR:
            self.problem("header version_major", 8, Newer("is %d: a newer reader is needed (this "
                         "one reads version %d)" % (h["major"], KNOWN_MAJOR)))
            raise Stop()
        if h["major"] != KNOWN_MAJOR:
            self.problem("header version_major", 8, "is %d, an unknown version" % h["major"])
            raise Stop()
        if h["minor"] > 1:
            self.info.append("header version_minor is %d (newer than 1): read on, "
                             "as section 12 says" % h["minor"])
        if h["required_flags"] & ~(CONTAINER11 | SEALED):
            self.problem("header required_flags", 12, Newer("0x%08x has bits this reader does not "
                         "know: a newer reader is needed" % h["required_flags"]))
            raise Stop()
        if h["optional_flags"] != 0:
            self.info.append("header optional_flags 0x%08x: unknown bits ignored"
                             % h["optional_flags"])
        bad = False
        if h["reserved"] != bytes(12):
            self.problem("header reserved", 20, "is not zero: %s" % h["reserved"].hex(" "))
            bad = True
        self.v11 = bool(h["required_flags"] & CONTAINER11)
        self.sealed = bool(h["required_flags"] & SEALED)
        if self.sealed and not self.v11:
            self.problem("header required_flags", 12, "0x%08x: sealed (bit 1) without version 1.1 "
                         "(bit 0; section 15.17.1)" % h["required_flags"])
            bad = True
        if self.v11 != (h["minor"] >= 1):
            self.problem("header", 10, "version 1.%d with required_flags 0x%08x: version 1.1 and "
                         "flag bit 0 go together (section 15.1)" % (h["minor"], h["required_flags"]))
            bad = True
        if bad:
            raise Stop()

    def find_signed_part(self):
        """Section 15.5: a file ending in "NPKTAIL\\n" has an unsigned tail."""
        if self.size < 96:
            return
        t = self.read(self.size - 32, 32)
        if t[24:] != TAIL_MAGIC:
            return
        signed = struct.unpack_from("<Q", t, 0)[0]
        if not 64 <= signed <= self.size - 36:
            self.problem("tail trailer signed_size", self.size - 32, "%d is not 64 to %d"
                         % (signed, self.size - 36))
            raise Stop()
        self.signed_size = signed
        self.has_tail = True
        self.info.append("an unsigned tail of %d bytes follows the signed part (never trusted; "
                         "checked for its own integrity only, section 15.5)" % (self.size - signed))

    # -- step 2: trailer (section 9) ---------------------------------------
    def parse_trailer(self):
        if self.size < 64:
            self.problem("trailer", max(self.size - 32, 0),
                         "the file has %d bytes, fewer than 64" % self.size)
            raise Stop()
        self.find_signed_part()
        base = self.signed_size - 32
        c = Cursor(self.read(base, 32), base)
        t = {}
        t["manifest_offset"] = c.u64("manifest_offset")
        t["manifest_size"] = c.u32("manifest_size")
        t["signature_size"] = c.u32("signature_size")
        t["reserved"] = c.take(8, "reserved")
        t["magic"] = c.take(8, "magic")
        c.fields[-1].value = show_bytes(t["magic"])
        t["fields"] = c.fields
        t["offset"] = base
        self.trailer = t
        return t

    def check_trailer(self):
        t = self.parse_trailer()
        base = t["offset"]
        bad = False
        if t["magic"] != TRAILER_MAGIC:
            self.problem("trailer magic", base + 24, "is %s, not 89 4E 50 4B 45 4E 44 0A (the file "
                         "is truncated, appended to, or not an archive)" % t["magic"].hex(" "))
            bad = True
        if t["reserved"] != bytes(8):
            self.problem("trailer reserved", base + 16, "is not zero")
            bad = True
        # 214: the fixed part, an empty metadata list (00 00) and no extension.
        if not MIN_MANIFEST <= t["manifest_size"] <= MAX_MANIFEST:
            self.problem("trailer manifest_size", base + 8, "%d is not %d to %d"
                         % (t["manifest_size"], MIN_MANIFEST, MAX_MANIFEST))
            bad = True
        if not SIG_FIXED <= t["signature_size"] <= SIG_FIXED + MAX_COMMENT:
            self.problem("trailer signature_size", base + 12, "%d is not %d to %d"
                         % (t["signature_size"], SIG_FIXED, SIG_FIXED + MAX_COMMENT))
            bad = True
        if t["manifest_offset"] < 32:
            self.problem("trailer manifest_offset", base, "%d is less than 32"
                         % t["manifest_offset"])
            bad = True
        total = t["manifest_offset"] + t["manifest_size"] + t["signature_size"] + 32
        if total != self.signed_size:
            self.problem("trailer", base, "manifest_offset + manifest_size + signature_size + 32"
                         " = %d, but the signed part has %d bytes" % (total, self.signed_size))
            bad = True
        if bad:
            raise Stop()

    # -- step 3: signature block (section 8, keys.md section 5) ------------
    def parse_signature(self):
        t = self.trailer
        off = t["manifest_offset"] + t["manifest_size"]
        raw = self.read(off, t["signature_size"])
        c = Cursor(raw, off)
        s = {"offset": off}
        s["alg"] = c.take(2, "signature_algorithm")
        c.fields[-1].value = show_bytes(s["alg"])
        s["key_id"] = c.take(8, "key_id")
        c.fields[-1].value = "KEYID " + key_id_text(s["key_id"])
        s["signature"] = c.take(64, "signature")
        s["comment_len"] = c.u16("comment_len")
        n = min(s["comment_len"], c.left())
        s["comment"] = c.take(n, "trusted_comment")
        c.fields[-1].value = show_text(s["comment"], 400)
        s["global"] = c.take(min(64, c.left()), "global_signature")
        if c.left():
            c.take(c.left(), "(bytes beyond comment_len)")
        s["fields"] = c.fields
        self.sig = s
        return s

    def check_signature(self, trusted):
        t = self.trailer
        mo = t["manifest_offset"]
        self.manifest_bytes = self.read(mo, t["manifest_size"])
        s = self.parse_signature()
        off = s["offset"]
        if s["alg"] != SIG_ALG:
            self.problem("signature block signature_algorithm", off, "is %s, not \"ED\""
                         % show_bytes(s["alg"]))
            raise Stop()
        # The signer's key id and public key are in the manifest (section 7.1),
        # read here only to choose the key; the signature then covers them.
        m_kid = self.manifest_bytes[SIGNER_KEY_ID_AT:SIGNER_KEY_ID_AT + 8]
        m_pk = self.manifest_bytes[SIGNER_PK_AT:SIGNER_PK_AT + 32]
        if s["key_id"] != m_kid:
            self.problem("signature block key_id", off + 2, "%s is not the manifest's "
                         "signer_key_id %s (at %s)" % (key_id_text(s["key_id"]), key_id_text(m_kid),
                                                      at(mo + SIGNER_KEY_ID_AT)))
            raise Stop()
        if s["comment_len"] + SIG_FIXED != t["signature_size"]:
            self.problem("signature block comment_len", off + 74, "%d + %d is not the trailer's "
                         "signature_size %d" % (s["comment_len"], SIG_FIXED, t["signature_size"]))
            raise Stop()
        com = s["comment"]
        if not utf8_ok(com) or b"\0" in com or b"\n" in com or b"\r" in com:
            self.problem("signature block trusted_comment", off + 76,
                         "is not UTF-8 text without NUL or line breaks")
        kid = key_id_text(s["key_id"])
        if trusted is not None and trusted[0] == s["key_id"]:
            if trusted[1] != m_pk:
                self.problem("manifest signer_public_key", mo + SIGNER_PK_AT,
                             "differs from the trusted key with key ID %s: the archive is forged"
                             % kid)
                raise Stop()
            pk = trusted[1]
            self.signer_trusted = True
        else:
            pk = m_pk
            self.signer_trusted = False
        if ed25519_small_order(pk):
            self.info.append("signer_public_key %s has small order, which keys.md section 5 "
                             "refuses" % pk.hex())
        h = H512(self.manifest_bytes)
        ok1 = ed25519_verify(pk, h, s["signature"])
        ok2 = ed25519_verify(pk, s["signature"] + com, s["global"])
        if not ok1:
            self.problem("signature block signature", off + 10, "Ed25519 signature over "
                         "H512(manifest) does not verify with key ID %s: forged or damaged "
                         "(manifest at %s)" % (kid, at(mo)))
        if not ok2:
            self.problem("signature block global_signature", off + 76 + s["comment_len"],
                         "Ed25519 signature over signature || trusted_comment does not verify "
                         "with key ID %s: forged or damaged" % kid)
        if not (ok1 and ok2):
            raise Stop()
        self.signature_ok = True

    # -- step 4: manifest (section 7) --------------------------------------
    def parse_manifest(self, problems):
        mo = self.trailer["manifest_offset"]
        c = Cursor(self.manifest_bytes, mo)
        m = {}
        try:
            m["magic"] = c.take(4, "magic")
            c.fields[-1].value = show_bytes(m["magic"])
            m["reserved"] = c.u32("reserved")
            for name in ("file_size", "manifest_offset", "created", "document_count",
                         "content_bytes"):
                m[name] = c.u64(name)
            m["cluster_count"] = c.u32("cluster_count")
            m["page_count"] = c.u32("page_count")
            m["page_table_offset"] = c.u64("page_table_offset")
            m["page_table_size"] = c.u32("page_table_size")
            m["cluster_table_size"] = c.u32("cluster_table_size")
            for name in ("header_digest", "page_table_digest", "cluster_table_digest"):
                m[name] = c.take(32, name)
            m["signer_key_id"] = c.take(8, "signer_key_id")
            c.fields[-1].value = "KEYID " + key_id_text(m["signer_key_id"])
            m["signer_public_key"] = c.take(32, "signer_public_key")
            m["meta_len"] = c.u16("meta_len")
            if m["meta_len"] > c.left():
                raise Short("metadata", c.base + c.pos)
            m["meta"] = parse_meta(c, m["meta_len"], problems, "archive metadata")
            m["extension_count"] = c.u16("extension_count")
            m["extensions"] = []
            prev = 0
            for i in range(m["extension_count"]):
                eoff = c.base + c.pos
                etype = c.u16("extension type")
                eflags = c.u16("extension flags")
                elen = c.u32("extension length")
                edata = c.take(elen, "extension data")
                m["extensions"].append((etype, eflags, edata))
                if etype == 0 or etype <= prev:
                    problems.append((eoff, "extension %d: type %d is 0 or not greater than the "
                                     "previous type %d" % (i, etype, prev)))
                prev = etype
                if etype == EXT_DIRECTORY:
                    continue            # the section directory: check_directory
                if etype == EXT_EDITION:  # section 15.15: critical, checked at 5c
                    why = edition_link(eflags, edata, m)
                    if why:
                        problems.append((eoff, "extension %d (type 3, the edition link): %s"
                                         % (i, why)))
                    continue
                if etype == EXT_MERKLE:  # section 15.13: not critical, 40 bytes
                    why = merkle_extension(eflags, edata, m)
                    if why:
                        problems.append((eoff, "extension %d (type 2, the Merkle root): %s"
                                         % (i, why)))
                    continue
                if eflags & ~1:
                    problems.append((eoff + 2, "extension %d (type %d): reserved flag bits set "
                                     "(0x%04x)" % (i, etype, eflags)))
                if eflags & 1:
                    problems.append((eoff, Newer("extension %d: critical extension type %d is "
                                     "not known: a newer reader is needed" % (i, etype))))
                else:
                    self.info.append("manifest extension type %d (%d bytes, not critical) "
                                     "skipped" % (etype, elen))
            if c.left():
                problems.append((c.base + c.pos, "%d bytes after the last extension" % c.left()))
                c.take(c.left(), "trailing bytes (INVALID)")
        except Short as e:
            problems.append((e.offset, "manifest field %s runs past the manifest's end "
                             "(manifest_size %d)" % (e.what, len(self.manifest_bytes))))
            m["truncated"] = True
        m["fields"] = c.fields
        self.manifest = m
        return m

    def check_manifest(self):
        later = []
        m = self.parse_manifest(later)
        mo = self.trailer["manifest_offset"]
        if m.get("truncated"):
            for off, text in later:
                self.problem("manifest", off, text)
            raise Stop()
        self.later = later              # metadata, extensions: after the header digest
        probs = []
        if m["magic"] != MANIFEST_MAGIC:
            probs.append((mo, "magic is %s, not \"NPKM\"" % show_bytes(m["magic"])))
        if m["reserved"] != 0:
            probs.append((mo + 4, "reserved is %d, not 0" % m["reserved"]))
        if m["file_size"] != self.signed_size:
            probs.append((mo + 8, "file_size %d is not the signed part's size %d (truncated or "
                          "appended to)" % (m["file_size"], self.signed_size)))
        if m["manifest_offset"] != mo:
            probs.append((mo + 16, "manifest_offset %d is not the trailer's %d"
                          % (m["manifest_offset"], mo)))
        for off, text in probs:
            self.problem("manifest", off, text)
        if probs:
            raise Stop()

    # -- step 5: header digest ---------------------------------------------
    def check_header_digest(self):
        if H(self.header["raw"]) != self.manifest["header_digest"]:
            self.problem("header", 0, "H(header) is %s, not the manifest's header_digest %s"
                         % (H(self.header["raw"]).hex(), self.manifest["header_digest"].hex()))
            raise Stop()

    def check_manifest_rest(self):
        """Section 15.2, step 5c: metadata and extensions, then the directory."""
        for off, text in self.later:
            self.problem("manifest", off, text)
        if self.later:
            raise Stop()
        dirs = [(f, d) for t, f, d in self.manifest["extensions"] if t == EXT_DIRECTORY]
        mo = self.trailer["manifest_offset"]
        if not self.v11:
            if dirs or "tree" in self.manifest or "link" in self.manifest:
                self.problem("manifest", mo, "a %s in a version 1.0 archive" % (
                    "section directory (extension type 1)" if dirs else
                    "Merkle root (extension type 2)" if "tree" in self.manifest else
                    "edition link (extension type 3)"))
                raise Stop()
            return
        if not dirs:
            self.problem("manifest", mo, "a version 1.1 archive without a section directory")
            raise Stop()
        flags, data = dirs[0]
        if not flags & 1:
            self.problem("manifest", mo, "the section directory is not marked critical")
            raise Stop()
        self.check_directory(data)
        link = self.manifest.get("link")
        if link is None:
            return
        # section 15.15: an edition holds the root, the tree section and one path filter
        why = None
        filters = [x for x in self.sections if x["type"] == SECTION_PATHS]
        if "tree" not in self.manifest:
            why = "an edition link without the Merkle root (extension type 2)"
        elif self.manifest["tree"][0] < link["prev_tree_size"]:
            why = "tree_size %d is less than the link's prev_tree_size %d" % (
                self.manifest["tree"][0], link["prev_tree_size"])
        elif len(filters) != 1:
            why = "an edition with %d path filter sections (type 9), not one" % len(filters)
        folders = [x for x in self.sections if x["type"] == SECTION_FOLDERS]
        if not why and len(folders) > 1:
            why = "an edition with %d folder filter sections (type 10), not one at most" % len(
                folders)
        if why:
            self.problem("manifest", mo, why)
            raise Stop()
        self.paths_section = filters[0]
        self.folders_section = folders[0] if folders else None
        self.edition = link["edition"]

    def check_directory(self, data):
        """Section 15.3: the section directory's records, every bound checked."""
        mo = self.trailer["manifest_offset"]
        records, why = directory_records(data, 32, self.manifest["page_table_offset"], False)
        if why:
            self.problem("section directory", mo, why)
            raise Stop()
        seals = [x for x in records if x["type"] == SECTION_SEAL]
        if len(seals) != (1 if self.sealed else 0):
            self.problem("section directory", mo, "a sealed archive with %d seal sections (type "
                         "8), not one (section 15.17.1)" % len(seals) if self.sealed else
                         "a seal section (type 8) in an archive not marked sealed (section "
                         "15.17.1)")
            raise Stop()
        dicts = [x for x in records if x["type"] == SECTION_DICT]
        if len(dicts) > 1:
            self.problem("section directory", mo, "%d compression dictionaries (section type "
                         "12, sections %s); a file has one at most (section 15.18)"
                         % (len(dicts), ", ".join(str(x["number"]) for x in dicts)))
            raise Stop()
        self.dict_section = dicts[0] if dicts else None
        if self.sealed:
            self.problem("section directory", mo, Newer("a sealed archive (section 15.17): "
                         "this checker does not read sealed archives yet"))
            raise Stop()
        trees = [x for x in records if x["type"] == SECTION_TREE]
        if "tree" in self.manifest:     # section 15.13: the root names exactly one tree section
            if len(trees) != 1:
                self.problem("section directory", mo, "the manifest holds a Merkle root "
                             "(extension type 2) and %d Merkle tree sections (type 4), not one"
                             % len(trees))
                raise Stop()
            self.tree_section = trees[0]
        for x in records:
            if x is self.tree_section or (x["type"] in (SECTION_PATHS, SECTION_FOLDERS)
                                          and "link" in self.manifest):
                continue
            if x is self.dict_section:
                self.info.append("section %d: the compression dictionary (type 12, critical, %d "
                                 "bytes at %d), the history of every cluster of codec 3 (15.18)"
                                 % (x["number"], x["length"], x["offset"]))
                continue
            self.info.append("section %d: type %d (%d bytes at %d, not critical) skipped, but "
                             "tiled and its digest checked" % (x["number"], x["type"],
                                                               x["length"], x["offset"]))
        self.sections = records

    # -- step 6: page table (section 6.1) ----------------------------------
    def parse_page_table(self, raw, base, problems, count):
        c = Cursor(raw, base)
        pages = []
        try:
            for k in range(count):
                e = {"number": k, "entry_offset": c.base + c.pos}
                e["offset"] = c.u64("page %d offset" % k)
                e["length"] = c.u32("page %d length" % k)
                e["raw_size"] = c.u32("page %d raw_size" % k)
                e["first_ordinal"] = c.u64("page %d first_ordinal" % k)
                e["count"] = c.u32("page %d count" % k)
                e["digest"] = c.take(32, "page %d digest" % k)
                e["first_len"] = c.u16("page %d first_len" % k)
                e["first_path"] = c.take(e["first_len"], "page %d first_path" % k)
                c.fields[-1].value = show_text(e["first_path"])
                pages.append(e)
            if c.left():
                problems.append((c.base + c.pos, "%d bytes after the last of %d entries"
                                 % (c.left(), count)))
                c.take(c.left(), "trailing bytes (INVALID)")
        except Short as e:
            problems.append((e.offset, "%s runs past the end of the page table "
                             "(page_table_size %d, page_count %d)" % (e.what, len(raw), count)))
            if c.left():
                c.take(c.left(), "truncated entry (INVALID)")
            pages = None
        return pages, c.fields

    def check_page_table(self):
        m = self.manifest
        mo = self.trailer["manifest_offset"]
        pto = m["page_table_offset"]
        fail = []
        if m["document_count"] > MAX_DOCUMENTS:
            fail.append("document_count %d is more than %d" % (m["document_count"], MAX_DOCUMENTS))
        if m["page_table_size"] > MAX_PAGE_TABLE:
            fail.append("page_table_size %d is more than 256 MiB" % m["page_table_size"])
        if m["cluster_count"] > MAX_CLUSTERS:
            fail.append("cluster_count %d is more than 2^24" % m["cluster_count"])
        if pto < 32:
            fail.append("page_table_offset %d is less than 32" % pto)
        if pto + m["page_table_size"] + m["cluster_table_size"] != mo:
            fail.append("page_table_offset + page_table_size + cluster_table_size = %d, not "
                        "manifest_offset %d" % (pto + m["page_table_size"] +
                                                m["cluster_table_size"], mo))
        if m["page_count"] > m["document_count"]:
            fail.append("page_count %d is more than document_count %d"
                        % (m["page_count"], m["document_count"]))
        if m["page_table_size"] < PAGE_ENTRY_FIXED * m["page_count"] + m["page_count"]:
            fail.append("page_table_size %d is too small for %d entries"
                        % (m["page_table_size"], m["page_count"]))
        if fail:
            for text in fail:
                self.problem("manifest", mo, text)
            raise Stop()
        raw = self.read(pto, m["page_table_size"])
        if H(raw) != m["page_table_digest"]:
            self.problem("page table", pto, "H(page table) is %s, not the manifest's "
                         "page_table_digest %s" % (H(raw).hex(), m["page_table_digest"].hex()))
            raise Stop()
        probs = []
        pages, _ = self.parse_page_table(raw, pto, probs, m["page_count"])
        if pages is None:
            for off, text in probs:
                self.problem("page table", off, text)
            raise Stop()
        ordinal = 0
        prev_off = None
        prev_path = None
        for e in pages:
            k = e["number"]
            where = "page table entry %d" % k
            eo = e["entry_offset"]
            if e["offset"] < 32 or e["offset"] + e["length"] > pto:
                probs.append((eo, "%s: page object at %d, length %d, is not inside the body "
                              "(32 to %d)" % (where, e["offset"], e["length"], pto)))
            if prev_off is not None and e["offset"] <= prev_off:
                probs.append((eo, "%s: offset %d is not greater than page %d's %d"
                              % (where, e["offset"], k - 1, prev_off)))
            prev_off = e["offset"]
            if e["length"] < OBJ_HEADER:
                probs.append((eo + 8, "%s: length %d is less than 24" % (where, e["length"])))
            elif not e["length"] - OBJ_HEADER <= e["raw_size"]:
                probs.append((eo + 12, "%s: raw_size %d is less than the stored size %d"
                              % (where, e["raw_size"], e["length"] - OBJ_HEADER)))
            if e["raw_size"] > MAX_PAGE_RAW:
                probs.append((eo + 12, "%s: raw_size %d is more than 4 MiB" % (where, e["raw_size"])))
            if e["first_ordinal"] != ordinal:
                probs.append((eo + 16, "%s: first_ordinal %d, expected %d"
                              % (where, e["first_ordinal"], ordinal)))
            if e["count"] < 1:
                probs.append((eo + 24, "%s: count is 0" % where))
            ordinal += e["count"]
            pp = path_problem(e["first_path"])
            if pp:
                probs.append((eo + 62, "%s: first_path: %s" % (where, pp)))
            if prev_path is not None and e["first_path"] <= prev_path:
                probs.append((eo + 62, "%s: first_path %s does not sort after page %d's %s"
                              % (where, show_text(e["first_path"]), k - 1, show_text(prev_path))))
            prev_path = e["first_path"]
        if ordinal != m["document_count"]:
            probs.append((pto, "the page counts add up to %d, not document_count %d"
                          % (ordinal, m["document_count"])))
        for off, text in probs:
            self.problem("page table", off, text)
        if probs:
            raise Stop()
        self.pages = pages

    # -- step 7: cluster table (section 6.2) -------------------------------
    def parse_cluster_table(self, raw, base):
        c = Cursor(raw, base)
        clusters = []
        for i in range(len(raw) // CLUSTER_ENTRY):
            e = {"number": i, "entry_offset": c.base + c.pos}
            e["offset"] = c.u64("cluster %d offset" % i)
            e["length"] = c.u32("cluster %d length" % i)
            e["raw_size"] = c.u32("cluster %d raw_size" % i)
            e["digest"] = c.take(32, "cluster %d digest" % i)
            clusters.append(e)
        return clusters, c.fields

    def check_cluster_table(self):
        m = self.manifest
        pto = m["page_table_offset"]
        cto = pto + m["page_table_size"]
        if m["cluster_table_size"] != CLUSTER_ENTRY * m["cluster_count"]:
            self.problem("manifest", self.trailer["manifest_offset"] + 68,
                         "cluster_table_size %d is not 48 * cluster_count (%d)"
                         % (m["cluster_table_size"], m["cluster_count"]))
            raise Stop()
        raw = self.read(cto, m["cluster_table_size"])
        if H(raw) != m["cluster_table_digest"]:
            self.problem("cluster table", cto, "H(cluster table) is %s, not the manifest's "
                         "cluster_table_digest %s" % (H(raw).hex(), m["cluster_table_digest"].hex()))
            raise Stop()
        clusters, _ = self.parse_cluster_table(raw, cto)
        probs = []
        prev = None
        total = 0
        for e in clusters:
            i, eo = e["number"], e["entry_offset"]
            where = "cluster table entry %d" % i
            if e["offset"] < 32 or e["offset"] + e["length"] > pto:
                probs.append((eo, "%s: cluster object at %d, length %d, is not inside the body "
                              "(32 to %d)" % (where, e["offset"], e["length"], pto)))
            if prev is not None and e["offset"] <= prev:
                probs.append((eo, "%s: offset %d is not greater than cluster %d's %d"
                              % (where, e["offset"], i - 1, prev)))
            prev = e["offset"]
            if e["length"] < OBJ_HEADER:
                probs.append((eo + 8, "%s: length %d is less than 24" % (where, e["length"])))
            elif e["length"] - OBJ_HEADER > e["raw_size"]:
                probs.append((eo + 12, "%s: raw_size %d is less than the stored size %d"
                              % (where, e["raw_size"], e["length"] - OBJ_HEADER)))
            if not 1 <= e["raw_size"] <= MAX_CLUSTER_RAW:
                probs.append((eo + 12, "%s: raw_size %d is not 1 to 64 MiB" % (where, e["raw_size"])))
            e["start"] = total
            total += e["raw_size"]
        if total != m["content_bytes"]:
            probs.append((cto, "the clusters' raw_size add up to %d, not content_bytes %d"
                          % (total, m["content_bytes"])))
        for off, text in probs:
            self.problem("cluster table", off, text)
        if probs:
            raise Stop()
        self.clusters = clusters
        self.cluster_start = [e["start"] for e in clusters]

    def open(self, trusted):
        """Steps 1 to 7 of section 11. Raises Stop after recording problems."""
        self.check_header()
        self.check_trailer()
        self.check_signature(trusted)
        self.check_manifest()
        self.check_header_digest()
        self.check_version()
        self.check_manifest_rest()
        self.check_page_table()
        self.check_cluster_table()

    def open_earlier(self, trusted, expect, edition):
        """Section 15.15: an earlier file of a chain is bound by the digest of
        its manifest (expect, the next edition's prev_digest); its signature
        is checked too, as verify reports every file's signer."""
        self.check_header()
        self.check_trailer()
        t = self.trailer
        got = H(self.read(t["manifest_offset"], t["manifest_size"]))
        if got != expect:
            self.problem("manifest", t["manifest_offset"], "is not edition %d of this chain: "
                         "H(manifest) is %s, not the prev_digest %s of edition %d"
                         % (edition, got.hex(), expect.hex(), edition + 1))
            raise Stop()
        self.check_signature(trusted)
        self.check_manifest()
        self.check_header_digest()
        self.check_version()
        self.check_manifest_rest()
        self.check_page_table()
        self.check_cluster_table()

    # -- objects (sections 4.1 and 4.3) ------------------------------------
    def parse_object_header(self, raw, base):
        c = Cursor(raw[:OBJ_HEADER], base)
        o = {}
        o["magic"] = c.take(4, "magic")
        c.fields[-1].value = show_bytes(o["magic"])
        o["codec"] = c.u8("codec")
        c.fields[-1].value = "%d (%s)" % (o["codec"], CODEC_NAMES.get(o["codec"], "unknown"))
        o["flags"] = c.u8("flags")
        o["reserved"] = c.u16("reserved")
        o["number"] = c.u32("number")
        o["raw_size"] = c.u32("raw_size")
        o["stored_size"] = c.u32("stored_size")
        o["count"] = c.u32("count")
        o["fields"] = c.fields
        return o

    def decode_object(self, kind, number, entry, want_count):
        """Reads, checks and decodes page or cluster `number` (section 11, "To read
        an index page"). Returns (decoded bytes or None, list of (offset, text))."""
        off, length = entry["offset"], entry["length"]
        probs = []
        raw = self.read(off, length)
        if H(raw) != entry["digest"]:
            probs.append((off, "H(object) is %s, not the table's digest %s"
                          % (H(raw).hex(), entry["digest"].hex())))
            return None, probs
        magic = PAGE_MAGIC if kind == "page" else CLUSTER_MAGIC
        o = self.parse_object_header(raw, off)
        if o["magic"] != magic:
            probs.append((off, "magic is %s, not %s" % (show_bytes(o["magic"]), show_bytes(magic))))
        want_flags = 1 if kind == "page" and self.v11 else 0    # section 15.7
        if o["flags"] != want_flags:
            probs.append((off + 5, "flags is %d, not %d" % (o["flags"], want_flags)))
        if o["reserved"] != 0:
            probs.append((off + 6, "reserved is %d, not 0" % o["reserved"]))
        if o["number"] != number:
            probs.append((off + 8, "number is %d, not %d" % (o["number"], number)))
        if o["raw_size"] != entry["raw_size"]:
            probs.append((off + 12, "raw_size is %d, the table says %d"
                          % (o["raw_size"], entry["raw_size"])))
        if o["stored_size"] != length - OBJ_HEADER:
            probs.append((off + 16, "stored_size is %d, the table's length says %d"
                          % (o["stored_size"], length - OBJ_HEADER)))
        if o["count"] != want_count:
            probs.append((off + 20, "count is %d, expected %d" % (o["count"], want_count)))
        if o["codec"] not in CODEC_NAMES:
            probs.append((off + 4, Newer("codec %d is not supported: a newer reader is needed"
                                         % o["codec"])))
        dictionary = None
        if not probs and o["codec"] == 3:   # section 15.18: clusters only, with the file's
            if kind == "page":
                probs.append((off + 4, "codec 3 (zstd with the file's dictionary) is for "
                              "clusters only, not index pages (sections 4.3, 15.18)"))
            elif self.dict_section is None:
                probs.append((off + 4, "codec 3 (zstd with the file's dictionary) in a file "
                              "without a compression dictionary (section type 12, 15.18)"))
            else:
                dictionary, why = self.dictionary()
                if why:
                    probs.append((off + 4, "codec 3: the compression dictionary it needs "
                                  "(section %d) %s (section 15.18)"
                                  % (self.dict_section["number"], why)))
        if probs:
            return None, probs
        payload = raw[OBJ_HEADER:]
        data, why = decode_payload(o["codec"], payload, entry["raw_size"], dictionary)
        if data is None:
            probs.append((off + OBJ_HEADER, why))
        return data, probs

    def dictionary(self):
        """Section 15.18: (content, None), the content of the file's compression
        dictionary (section type 12), or (None, why) when it has none (why
        None) or it cannot serve: its digest does not match (15.4) or its bytes
        break the rules of D3 (dictionary_problem). Read once."""
        x = self.dict_section
        if x is None:
            return None, None
        if self.dict_loaded is None:
            if x["length"] > DICT_HEADER + DICT_MAX:
                why = "is %d bytes long, more than a dictionary takes (16 + 2^20)" % x["length"]
            else:
                data = self.read(x["offset"], x["length"])
                why = "does not match its digest" if H(data) != x["digest"] else \
                    dictionary_problem(data)
            self.dict_loaded = (None, why) if why else (data[DICT_HEADER:], None)
        return self.dict_loaded

    def read_page(self, k):
        e = self.pages[k]
        data, probs = self.decode_object("page", k, e, e["count"])
        if data is None:
            return None, probs
        nxt = self.pages[k + 1]["first_path"] if k + 1 < len(self.pages) else None
        entries, eprobs, _ = parse_entries(data, e, nxt, self.clusters, self.manifest["content_bytes"],
                                           self.v11, self.edition)
        # an entry that needs a newer reader (15.7) keeps saying so
        return entries, probs + [(e["offset"] + OBJ_HEADER, (Newer if isinstance(t, Newer) else str)(
            "decoded byte %d: %s" % (o, t))) for o, t in eprobs]

    def read_cluster(self, i):
        e = self.clusters[i]
        return self.decode_object("cluster", i, e, 0)

    # -- steps 8 and 9 -----------------------------------------------------
    def check_body_tiling(self):
        objs = [(p["offset"], p["length"], "page %d" % p["number"]) for p in self.pages]
        objs += [(c["offset"], c["length"], "cluster %d" % c["number"]) for c in self.clusters]
        objs += [(x["offset"], x["length"], "section %d" % x["number"]) for x in self.sections]
        objs.sort()
        pos = 32
        for off, length, name in objs:
            if off != pos:
                what = "overlaps the previous object" if off < pos else \
                    "leaves %d bytes unaccounted for before it" % (off - pos)
                self.problem("body", off, "%s starts at %d, not at %d where the previous "
                             "object ends: %s" % (name, off, pos, what))
            pos = off + length
        pto = self.manifest["page_table_offset"]
        if pos != pto:
            self.problem("body", pos, "the body objects end at %d, not at page_table_offset %d"
                         % (pos, pto))

    def all_entries(self):
        for k in sorted(self.entries):
            for e in self.entries[k] or []:
                yield e

    def all_entries_and_gaps(self):
        """The entries in index order, with None where a page could not be read."""
        for k in sorted(self.entries):
            if self.entries[k] is None:
                yield None
            for e in self.entries[k] or []:
                yield e

    def verify_body(self):
        """Steps 8 and 9: tiling of the body, every page, the order of all paths,
        the tiling of the data stream, every cluster and every document."""
        m = self.manifest
        self.check_body_tiling()
        for x in self.sections:         # section 15.4: every section's digest, known or not
            if H(self.read(x["offset"], x["length"])) != x["digest"]:
                self.bad_sections.add(x["number"])
                self.problem("section %d" % x["number"], x["offset"], "type %d: H(section) does "
                             "not match the directory's digest" % x["type"])
        x = self.dict_section           # section 15.18, D3 (D2, its digest: just above)
        if x is not None and x["number"] not in self.bad_sections:
            content, why = self.dictionary()
            if why:
                self.problem("section %d" % x["number"], x["offset"], "type 12, the compression "
                             "dictionary, %s (section 15.18): every cluster of codec 3 is "
                             "damaged" % why)
            else:
                self.info.append("the compression dictionary (section %d) holds %d bytes of "
                                 "raw content (15.18)" % (x["number"], len(content)))
        for k in range(len(self.pages)):
            entries, probs = self.read_page(k)
            for off, text in probs:
                self.problem("index page %d" % k, self.pages[k]["offset"] if off is None else off, text)
            self.entries[k] = entries
            self.page_ok[k] = entries is not None and not probs
            if entries is None:
                p = self.pages[k]
                text = "its %d documents (ordinals %d to %d, from %s) cannot be checked" \
                    % (p["count"], p["first_ordinal"], p["first_ordinal"] + p["count"] - 1,
                       show_text(p["first_path"]))
                if all_newer(t for _, t in probs):
                    text = Newer("cannot be read by this reader: " + text)
                else:
                    text = "is damaged: " + text
                self.problem("index page %d" % k, p["offset"], text)
        # paths strictly increasing across pages, and the data stream tiling (5.3;
        # in version 1.1 the coverage rule of 15.7 instead),
        # going on past pages that could not be read (section 11, verify): the
        # first document after one sets pos again
        all_pages = all(self.entries.get(k) is not None for k in range(len(self.pages)))
        prev = None
        pos = 0
        pos_known = True
        runs = Runs()        # version 1.1: the extents read (section 15.7, coverage)
        chain = []           # earlier paths that may still be the folder of a later one
        for e in self.all_entries_and_gaps():
            if e is None:
                pos_known = False
                continue
            if prev is not None and e["path"] <= prev["path"]:
                self.problem("index page %d" % e["page"], e["file_offset"],
                             "entry %s does not sort after %s" % (show_text(e["path"]),
                                                                  show_text(prev["path"])))
            prev = e
            folder = folder_of(chain, e["path"])
            if folder is not None:
                self.problem("index page %d" % e["page"], e["file_offset"],
                             "document %s is inside document %s, which would have to be a folder"
                             " (section 5.1)" % (show_text(e["path"]), show_text(folder)))
            if e["size"] == 0 or e.get("stream") is None:
                continue
            if self.v11:                # section 15.7: any extent, shared or not
                cover_add(runs, e["stream"], e["stream"] + e["size"])
                continue
            if pos_known and e["stream"] != pos:
                self.problem("index page %d" % e["page"], e["file_offset"],
                             "document %s starts at stream offset %d, not at %d where the "
                             "previous document ends (section 5.3)"
                             % (show_text(e["path"]), e["stream"], pos))
            pos = e["stream"] + e["size"]
            pos_known = True
        damaged = not all_newer(t for _, _, t in self.problems)
        if self.v11:
            complete = all(self.page_ok.get(k) for k in range(len(self.pages)))
            gap = cover_gap(runs, m["content_bytes"]) if complete else None
            if gap is not None:
                self.problem("data stream", m["page_table_offset"],
                             "stream bytes %d to %d belong to no document: every stored byte "
                             "must lie in a document's extent (section 15.7)" % (gap[0], gap[1] - 1))
        elif pos_known and not damaged and pos != m["content_bytes"]:
            self.problem("data stream", m["page_table_offset"],
                         "the documents end at stream offset %d, not at content_bytes %d"
                         % (pos, m["content_bytes"]))
        if self.v11 and not complete:
            self.info.append("the coverage of the data stream (section 15.7) was not concluded: "
                             "an index page that could not be read may hold the only extent of "
                             "some stored bytes")
        elif not all_pages:
            self.info.append("the data stream tiling was checked where index pages could be "
                             "read, from the first document after each page that could not")
        # every cluster, and every document's digest, cluster by cluster
        pieces = {}          # cluster -> list of (entry, lo, hi) in cluster-relative bytes
        for e in self.all_entries():
            e["hasher"] = hashlib.blake2b(digest_size=32)
            e["bad_clusters"] = []
            e["unreadable_clusters"] = []
            if e["size"] == 0 or e.get("stream") is None:
                continue
            s, end = e["stream"], e["stream"] + e["size"]
            i = bisect.bisect_right(self.cluster_start, s) - 1
            while s < end and i < len(self.clusters):
                cs = self.cluster_start[i]
                ce = cs + self.clusters[i]["raw_size"]
                lo, hi = s - cs, min(end, ce) - cs
                pieces.setdefault(i, []).append((e, lo, hi))
                s = cs + hi
                i += 1
        for i in range(len(self.clusters)):
            data, probs = self.read_cluster(i)
            self.cluster_ok[i] = data is not None
            held = [e["path"] for e, _, _ in pieces.get(i, [])]
            for off, text in probs:
                self.problem("cluster %d" % i, off, text)
            if data is None:
                names = ", ".join(show_text(p) for p in held) or "(none known)"
                newer = all_newer(t for _, t in probs)
                if newer:
                    text = Newer("cannot be decoded by this reader; documents stored in it: %s"
                                 % names)
                else:
                    text = "is damaged; documents stored in it: %s" % names
                self.problem("cluster %d" % i, self.clusters[i]["offset"], text)
                for e, _, _ in pieces.get(i, []):
                    e["unreadable_clusters" if newer else "bad_clusters"].append(i)
                continue
            for e, lo, hi in pieces.get(i, []):
                e["hasher"].update(data[lo:hi])
                if e["kind"] == 3:      # section 15.7: a link's target is checked too
                    e.setdefault("target", []).append(data[lo:hi])
        for e in self.all_entries():
            if e.get("stream") is None and e["size"] > 0:
                continue
            if e["bad_clusters"]:
                self.doc_problems += 1
                self.problem("document %s" % show_text(e["path"]), e["file_offset"],
                             "cannot be checked: stored in damaged cluster(s) %s (entry at "
                             "decoded byte %d of index page %d)"
                             % (", ".join(str(i) for i in e["bad_clusters"]), e["decoded_offset"],
                                e["page"]))
            elif e["unreadable_clusters"]:
                self.problem("document %s" % show_text(e["path"]), e["file_offset"],
                             Newer("cannot be checked: stored in cluster(s) %s, which this reader "
                                   "cannot decode (entry at decoded byte %d of index page %d)"
                                   % (", ".join(str(i) for i in e["unreadable_clusters"]),
                                      e["decoded_offset"], e["page"])))
            elif e["hasher"].digest() != e["digest"]:
                self.doc_problems += 1
                self.problem("document %s" % show_text(e["path"]), e["file_offset"],
                             "H(content) is %s, not the entry's digest %s (entry at decoded "
                             "byte %d of index page %d)" % (e["hasher"].hexdigest(), e["digest"].hex(),
                                                             e["decoded_offset"], e["page"]))
            elif e["kind"] == 3 and target_problem(b"".join(e.get("target", []))):
                self.doc_problems += 1
                self.problem("document %s" % show_text(e["path"]), e["file_offset"],
                             target_problem(b"".join(e.get("target", []))))

    def check_tail(self):
        """Section 15.5: the unsigned tail, checked for its own integrity only.
        Its findings go to tail_problems: they never change the outcome."""
        if not self.has_tail:
            return
        end = self.size - 32
        t = parse_tail_trailer(self.read(end, 32))
        doff, dlen = t["directory_offset"], t["directory_len"]
        if t["reserved"]:
            self.tail_problems.append(("tail trailer reserved", end + 20, "is not zero"))
            return
        if doff < self.signed_size or doff + dlen != end or dlen > 4 + SECTION_RECORD * MAX_SECTIONS:
            self.tail_problems.append(("tail trailer", end, "the tail directory (%d bytes at %d) "
                                       "does not lie between the signed part (%d bytes) and the "
                                       "tail trailer (at %d)" % (dlen, doff, self.signed_size, end)))
            return
        records, why = directory_records(self.read(doff, dlen), self.signed_size, doff, True)
        if why:
            self.tail_problems.append(("tail directory", doff, why))
            return
        self.tail_sections = len(records)
        pos = self.signed_size
        for x in sorted(records, key=lambda x: x["offset"]):
            if x["offset"] != pos:
                break
            pos += x["length"]
        if pos != doff:
            self.tail_problems.append(("tail", pos, "the tail's sections do not tile it: a gap "
                                       "or an overlap at %d (its directory starts at %d); their "
                                       "digests are not checked" % (pos, doff)))
            return
        for x in records:
            if H(self.read(x["offset"], x["length"])) != x["digest"]:
                self.tail_problems.append(("tail section %d" % x["number"], x["offset"],
                                           "type %d: H(section) does not match the tail "
                                           "directory's digest" % x["type"]))
        if not self.tail_problems:
            self.info.append("the unsigned tail's %d section(s) and directory are intact (its own "
                             "digests; never trusted)" % len(records))

    def check_leaves(self):
        """Section 15.7: leaf numbers other than FFFFFFFFFFFFFFFF are distinct."""
        first = {}
        for e in self.all_entries():
            leaf = e.get("leaf")
            if leaf is None or leaf == NO_LEAF:
                continue
            if leaf in first:
                self.problem("document %s" % show_text(e["path"]), e["file_offset"],
                             "leaf %d is also the leaf of %s (leaf numbers must be distinct)"
                             % (leaf, show_text(first[leaf])))
            else:
                first[leaf] = e["path"]

    def check_tree(self):
        """Section 15.13, step 9: the stored levels, every entry's leaf against level 0,
        the number of leaves, each stored level against the one below, and the root."""
        x = self.tree_section
        if x is None or x["number"] in self.bad_sections:
            return                      # no tree, or its digest failed (reported)
        n, root = self.manifest["tree"]
        data = self.read(x["offset"], x["length"])
        where = "Merkle tree section %d" % x["number"]
        why = tree_header_problem(data, n)
        if why:
            self.problem(where, x["offset"], "the Merkle tree section: " + why)
            return
        stride = data[16]
        levels = tree_levels(n, stride)[0]
        count = 0
        for e in self.all_entries():
            leaf = e.get("leaf")
            if leaf is None or leaf == NO_LEAF:
                continue
            count += 1
            if leaf >= n:
                self.problem("document %s" % show_text(e["path"]), e["file_offset"],
                             "leaf %d is past the Merkle tree's %d leaves" % (leaf, n))
            elif e["kind"] != 1 and \
                    sha256(b"\0" + leaf_data(e)) != data[24 + 32 * leaf:56 + 32 * leaf]:
                self.problem("document %s" % show_text(e["path"]), e["file_offset"],
                             "its leaf hash does not match leaf %d of the Merkle tree" % leaf)
        if all(self.page_ok.get(k) for k in range(len(self.pages))) and count != n:
            self.problem(where, x["offset"], "%d entries have a leaf; the Merkle tree has %d "
                         "leaves" % (count, n))
        for (_, below, _), (level, off, c) in zip(levels, levels[1:]):
            step = 32 << stride         # 2^stride hashes of the level below
            for i in range(c):
                if merkle_root(data[below + step * i:below + step * (i + 1)]) != \
                        data[off + 32 * i:off + 32 * i + 32]:
                    self.problem(where, x["offset"] + off + 32 * i, "Merkle tree level %d hash "
                                 "%d does not match the level below" % (level, i))
                    break
        if merkle_root(data[24:24 + 32 * n]) != root:
            self.problem(where, x["offset"], "the Merkle root does not match the tree")
        elif not self.problems:
            self.info.append("the Merkle tree (section %d): %d leaves, stride %d, root %s: every "
                             "leaf, stored level and the root check out (15.13)"
                             % (x["number"], n, stride, root.hex()))

    def check_paths(self):
        """Section 15.15: an edition's path filter holds every entry's path."""
        x = self.paths_section
        if x is None or x["number"] in self.bad_sections:
            return
        data = self.read(x["offset"], x["length"])
        where = "path filter section %d" % x["number"]
        why, m, k = paths_header_problem(data, self.manifest["document_count"])
        if why:
            self.problem(where, x["offset"], "the path filter: " + why)
            return
        for e in self.all_entries():
            if not all(data[32 + (b >> 3)] >> (b & 7) & 1 for b in path_probes(e["path"], m, k)):
                self.problem(where, x["offset"], "the path filter does not hold %s"
                             % show_text(e["path"]))
        self.check_folders()

    def check_folders(self):
        """Section 15.15: an edition's folder filter holds every folder of its
        entries' paths ("a" and "a/b" of "a/b/c"), and counts them."""
        x = self.folders_section
        if x is None or x["number"] in self.bad_sections:
            return
        data = self.read(x["offset"], x["length"])
        where = "folder filter section %d" % x["number"]
        folders = set()
        for e in self.all_entries():
            p = e["path"]
            folders.update(p[:i] for i in range(len(p)) if p[i:i + 1] == b"/")
        # a page that could not be read leaves the count unknown
        whole = all(v is not None for v in self.entries.values())
        why, m, k = paths_header_problem(data, len(folders) if whole else None, FOLDERS_MAGIC)
        if why:
            self.problem(where, x["offset"], "the folder filter: " + why)
            return
        for f in sorted(folders):
            if not all(data[32 + (b >> 3)] >> (b & 7) & 1 for b in path_probes(f, m, k)):
                self.problem(where, x["offset"], "the folder filter does not hold %s"
                             % show_text(f))

    def stored_nodes(self):
        """The tree section's stored nodes {(L, i): hash} (sections 15.13,
        15.15), once its header checks; None otherwise."""
        x = self.tree_section
        if x is None or x["number"] in self.bad_sections:
            return None
        n = self.manifest["tree"][0]
        p = self.manifest["link"]["prev_tree_size"] if "link" in self.manifest else 0
        data = self.read(x["offset"], x["length"])
        if tree_header_problem(data, n, p):
            return None
        nodes = {}
        for level, off, c in etree_levels(p, n, data[16])[0]:
            for j in range(c):
                nodes[(level, (p >> level) + j)] = data[off + 32 * j:off + 32 * j + 32]
        return nodes

    def check_etree(self, known):
        """Section 15.15: an edition's tree section. Its entries' leaves are
        [p, n) (level 0 at leaf - p, a withdrawal's of leaf type 1), n - p of
        them; each stored node above level 0 against its 2^s children of the
        stored level below (those before p >> (L - s): known, the stored nodes
        of the earlier editions); the root over every leaf of the chain.
        known None: the file alone, whose straddling nodes and root need the
        chain."""
        x = self.tree_section
        if x is None or x["number"] in self.bad_sections:
            return
        p = self.manifest["link"]["prev_tree_size"]
        n, root = self.manifest["tree"]
        data = self.read(x["offset"], x["length"])
        where = "Merkle tree section %d" % x["number"]
        why = tree_header_problem(data, n, p)
        if why:
            self.problem(where, x["offset"], "the Merkle tree section: " + why)
            return
        stride = data[16]
        count = 0
        for e in self.all_entries():
            leaf = e.get("leaf")
            if leaf is None or leaf == NO_LEAF:
                continue
            count += 1
            lt = 1 if e["kind"] == 1 else 0
            if not p <= leaf < n:
                self.problem("document %s" % show_text(e["path"]), e["file_offset"],
                             "leaf %d is not one of this edition's leaves %d to %d" % (leaf, p, n - 1))
            elif sha256(b"\0" + leaf_data(e, lt)) != data[24 + 32 * (leaf - p):56 + 32 * (leaf - p)]:
                self.problem("document %s" % show_text(e["path"]), e["file_offset"],
                             "its leaf hash does not match leaf %d of the Merkle tree" % leaf)
        if all(self.page_ok.get(k) for k in range(len(self.pages))) and count != n - p:
            self.problem(where, x["offset"], "%d entries have a leaf; the edition adds %d leaves "
                         "(%d to %d)" % (count, n - p, p, n - 1))
        nodes = self.stored_nodes()
        have = dict(known or {})
        have.update(nodes)
        levels = etree_levels(p, n, stride)[0]
        unknown = 0
        for level, off, c in levels[1:]:
            below = level - stride
            for j in range(c):
                i = (p >> level) + j
                kids = [have.get((below, t)) for t in range(i << stride, (i + 1) << stride)]
                if None in kids:
                    unknown += 1
                    continue
                if merkle_root(b"".join(kids)) != nodes[(level, i)]:
                    self.problem(where, x["offset"] + off + 32 * j, "Merkle tree level %d hash %d "
                                 "does not match the level below" % (level, i))
                    break
        leaves = [have.get((0, i)) for i in range(n)]
        if None in leaves or unknown:
            self.info.append("edition %d alone: %d stored node(s) and the root depend on the "
                             "leaves of earlier editions, which only the chain can check"
                             % (self.edition, unknown))
        elif merkle_root(b"".join(leaves)) != root:
            self.problem(where, x["offset"], "the Merkle root does not match the tree of the "
                         "chain's %d leaves" % n)

    def document_bytes(self, e, cache):
        """Content of one document; cache holds the last decoded cluster.
        Only called after verify found no problem."""
        if e["size"] == 0:
            return b""
        out = []
        s, end = e["stream"], e["stream"] + e["size"]
        i = bisect.bisect_right(self.cluster_start, s) - 1
        while s < end:
            if cache.get("i") != i:
                data, probs = self.read_cluster(i)
                if data is None:
                    raise Stop()
                cache.clear()
                cache["i"], cache["data"] = i, data
            cs = self.cluster_start[i]
            hi = min(end, cs + len(cache["data"])) - cs
            out.append(cache["data"][s - cs:hi])
            s = cs + hi
            i += 1
        return b"".join(out)


class Runs(list):
    """Section 15.7: covered stream bytes as [start, end] runs; one run while
    extents come in increasing order."""
    unsorted = False


def cover_add(runs, s, t):
    if runs and runs[-1][0] <= s <= runs[-1][1]:
        runs[-1][1] = max(runs[-1][1], t)
        return
    if runs and s < runs[-1][0]:
        runs.unsorted = True
    runs.append([s, t])


def cover_gap(runs, total):
    """The first stream bytes [a, b) in no extent, or None when there are none."""
    if runs.unsorted:
        runs.sort()
    covered = 0
    for s, t in runs:
        if s > covered:
            return covered, s
        covered = max(covered, t)
    return (covered, total) if covered < total else None


def folder_of(chain, path):
    """Section 5.1: no document's path is a folder of another's. Called with the
    paths in increasing order; chain keeps the earlier paths that `path` begins
    with followed by a byte up to "/" (only those can be the folder of a later
    path; each is a prefix of the next). Returns the earlier path that is a
    folder of `path`, or None."""
    while chain:
        p = chain[-1]
        if len(path) > len(p) and path.startswith(p) and path[len(p)] <= 0x2F:
            break
        chain.pop()
    found = None
    for p in chain:
        if path[len(p)] == 0x2F:
            found = p
            break
    chain.append(path)
    return found


# ---------------------------------------------------------------------------
# Codec 2: Zstandard (section 4.3, RFC 8878)

ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"          # 0xFD2FB528, little-endian
ZSTD_MAX_WINDOW_LOG = 26                  # section 4.3: at most 64 MiB
ZSTD_MAX_WINDOW = 1 << ZSTD_MAX_WINDOW_LOG
ZSTD_MAX_BLOCK = 128 * 1024               # RFC 8878 section 3.1.1.2.3


class ZstdNoDictionary(Exception):
    """This Python's zstd module cannot take a raw content dictionary: the
    decoder below reads the frame instead (codec 3, section 15.18)."""


def _zstd_decoder():
    """This Python's zstd decoder: (name, decode) where decode(frame, raw_size,
    dictionary=None) returns the decoded bytes, at most raw_size + 1 of them,
    or raises ValueError; (None, None) when there is none. The standard library
    has one from Python 3.14 on (compression.zstd); otherwise the third-party
    zstandard module is used when it is installed. A dictionary (codec 3,
    section 15.18) is given to the module as raw content: the history before
    the frame's first byte, no entropy tables, Dictionary_ID 0; a module that
    cannot take one raises ZstdNoDictionary."""
    try:
        from compression import zstd as std
    except ImportError:
        std = None
    if std is not None:
        def decode_std(frame, raw_size, dictionary=None):
            opts = {}
            param = getattr(std, "DecompressionParameter", None)
            if param is not None and hasattr(param, "window_log_max"):
                opts[param.window_log_max] = ZSTD_MAX_WINDOW_LOG
            zd = None
            if dictionary is not None:
                try:
                    zd = std.ZstdDict(dictionary, is_raw=True)
                except (AttributeError, TypeError) as e:
                    raise ZstdNoDictionary(str(e))
            try:
                d = std.ZstdDecompressor(zstd_dict=zd, options=opts or None)
                out = d.decompress(frame, raw_size)
                # Output stopped at raw_size: the frame must end there and produce
                # nothing more.
                for _ in range(16):
                    if d.eof or d.needs_input:
                        break
                    more = d.decompress(b"", 1)
                    if more:
                        return out + more
                if not d.eof:
                    raise ValueError("the frame ends before its last block")
                if d.unused_data:
                    raise ValueError("%d bytes follow the frame" % len(d.unused_data))
                return out
            except std.ZstdError as e:
                raise ValueError(str(e))
        return "compression.zstd", decode_std
    try:
        import zstandard
    except ImportError:
        return None, None

    def decode_zstandard(frame, raw_size, dictionary=None):
        kw = {}
        if dictionary is not None:
            try:
                kw["dict_data"] = zstandard.ZstdCompressionDict(
                    dictionary, dict_type=zstandard.DICT_TYPE_RAWCONTENT)
            except (AttributeError, TypeError) as e:
                raise ZstdNoDictionary(str(e))
        try:
            # The frame declares its content size (checked before this is called),
            # so the output buffer is raw_size bytes and no more.
            d = zstandard.ZstdDecompressor(max_window_size=ZSTD_MAX_WINDOW, **kw)
            return d.decompress(frame, max_output_size=raw_size)
        except zstandard.ZstdError as e:
            raise ValueError(str(e))
    return "zstandard", decode_zstandard


ZSTD_DECODER_NAME, ZSTD_DECODE = _zstd_decoder()


def zstd_frame(payload, raw_size):
    """The checks of section 4.3 for codec 2 that need no decoder, with the
    standard library: parses the frame header (RFC 8878 section 3.1.1.1) and
    walks the block headers (3.1.1.2) to the end of the frame. Returns (info,
    None), info a dict describing the frame, or (None, why)."""
    n = len(payload)
    if payload[:4] != ZSTD_MAGIC:
        if n >= 4 and int.from_bytes(payload[:4], "little") & 0xFFFFFFF0 == 0x184D2A50:
            return None, "zstd payload begins with a skippable frame, not a Zstandard frame"
        return None, "zstd payload does not begin with the Zstandard magic number 28 B5 2F FD"
    if n < 6:
        return None, "zstd frame header is truncated (the payload has %d bytes)" % n
    fhd = payload[4]
    fcs_flag, single, reserved = fhd >> 6, (fhd >> 5) & 1, (fhd >> 3) & 1
    checksum, did_flag = (fhd >> 2) & 1, fhd & 3
    info = {"descriptor": fhd, "single_segment": bool(single), "checksum": bool(checksum)}
    if reserved:
        return None, "zstd frame: Frame_Header_Descriptor 0x%02x has the reserved bit set" % fhd
    pos = 5
    window = None
    if not single:
        wd = payload[pos]
        pos += 1
        base = 1 << (10 + (wd >> 3))
        window = base + (base >> 3) * (wd & 7)
    did_size = (0, 1, 2, 4)[did_flag]
    fcs_size = (single, 2, 4, 8)[fcs_flag]
    if pos + did_size + fcs_size > n:
        return None, "zstd frame header is truncated (the payload has %d bytes)" % n
    dict_id = int.from_bytes(payload[pos:pos + did_size], "little") if did_size else None
    pos += did_size
    fcs = None
    if fcs_size:
        fcs = int.from_bytes(payload[pos:pos + fcs_size], "little") + (256 if fcs_size == 2 else 0)
    pos += fcs_size
    if single:
        window = fcs
    info.update(header_size=pos, window=window, content_size=fcs, dictionary_id=dict_id)
    why = []
    if fcs is None:
        why.append("the frame does not declare its content size")
    elif fcs != raw_size:
        why.append("the frame declares content size %d, not raw_size %d" % (fcs, raw_size))
    if dict_id:
        why.append("the frame names dictionary %d (Dictionary_ID must be 0 or absent)" % dict_id)
    if window > ZSTD_MAX_WINDOW:
        why.append("the frame needs a window of %d bytes, more than 64 MiB (2^26)" % window)
    if why:
        return None, "zstd frame: " + "; ".join(why)
    # The blocks, to find where the frame ends.
    block_max = min(window, ZSTD_MAX_BLOCK)
    blocks = 0
    parts = []           # (Block_Type, payload offset of its content, Block_Size)
    known = 0            # bytes that raw and RLE blocks give
    while True:
        if pos + 3 > n:
            return None, "zstd frame is truncated: the payload ends before its last block " \
                "(after %d blocks)" % blocks
        bh = int.from_bytes(payload[pos:pos + 3], "little")
        last, btype, bsize = bh & 1, (bh >> 1) & 3, bh >> 3
        blk = "block %d (payload byte %d)" % (blocks, pos)
        pos += 3
        if btype == 3:
            return None, "zstd frame: %s has the reserved Block_Type 3" % blk
        if bsize > block_max:
            return None, "zstd frame: %s: Block_Size %d is more than Block_Maximum_Size %d" \
                % (blk, bsize, block_max)
        size = 1 if btype == 1 else bsize
        if pos + size > n:
            return None, "zstd frame is truncated: %s runs past the payload's end" % blk
        parts.append((btype, pos, bsize))
        pos += size
        if btype != 2:
            known += bsize
        blocks += 1
        if last:
            break
    if checksum:
        if pos + 4 > n:
            return None, "zstd frame is truncated: the payload ends inside its Content_Checksum"
        info["checksum_value"] = int.from_bytes(payload[pos:pos + 4], "little")
        pos += 4
    if known > raw_size:
        return None, "zstd frame: its raw and RLE blocks alone give %d bytes, more than " \
            "raw_size %d" % (known, raw_size)
    if pos < n:
        rest = payload[pos:]
        if rest[:4] == ZSTD_MAGIC:
            what = "a second Zstandard frame"
        elif len(rest) >= 4 and int.from_bytes(rest[:4], "little") & 0xFFFFFFF0 == 0x184D2A50:
            what = "a skippable frame"
        else:
            what = "%d bytes" % len(rest)
        return None, "zstd frame ends at payload byte %d of %d, followed by %s (the payload " \
            "must hold one frame and nothing else)" % (pos, n, what)
    info.update(blocks=blocks, frame_size=pos, parts=parts)
    return info, None


def xxh64(data, seed=0):
    """XXH64 (github.com/Cyan4973/xxHash, doc/xxhash_spec.md), whose low 32
    bits are a zstd frame's Content_Checksum (RFC 8878 section 3.1.1)."""
    M = (1 << 64) - 1
    P1, P2, P3 = 0x9E3779B185EBCA87, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9
    P4, P5 = 0x85EBCA77C2B2AE63, 0x27D4EB2F165667C5

    def rotl(x, r):
        return ((x << r) | (x >> (64 - r))) & M

    def rnd(acc, lane):
        return rotl((acc + lane * P2) & M, 31) * P1 & M
    n, p = len(data), 0
    if n >= 32:
        v1, v2, v3, v4 = (seed + P1 + P2) & M, (seed + P2) & M, seed, (seed - P1) & M
        p = n - n % 32
        # Stripes of four 8-byte lanes, one accumulator each: rnd, inlined for speed.
        for a, b, c, d in struct.iter_unpack("<4Q", memoryview(data)[:p]):
            v1, v2 = (v1 + a * P2) & M, (v2 + b * P2) & M
            v3, v4 = (v3 + c * P2) & M, (v4 + d * P2) & M
            v1, v2 = ((v1 << 31 | v1 >> 33) & M) * P1 & M, ((v2 << 31 | v2 >> 33) & M) * P1 & M
            v3, v4 = ((v3 << 31 | v3 >> 33) & M) * P1 & M, ((v4 << 31 | v4 >> 33) & M) * P1 & M
        v = [v1, v2, v3, v4]
        h = (rotl(v[0], 1) + rotl(v[1], 7) + rotl(v[2], 12) + rotl(v[3], 18)) & M
        for x in v:
            h = ((h ^ rnd(0, x)) * P1 + P4) & M
    else:
        h = (seed + P5) & M
    h = (h + n) & M
    while p + 8 <= n:
        h = (rotl(h ^ rnd(0, int.from_bytes(data[p:p + 8], "little")), 27) * P1 + P4) & M
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


# ---------------------------------------------------------------------------
# A Zstandard frame decoder (RFC 8878), standard library only
#
# Frame and block headers are checked by zstd_frame above; this decodes the
# blocks it found. Section numbers here are RFC 8878's. Every malformed input
# raises ValueError: each size is checked against the bytes that hold it, the
# output of a block against Block_Maximum_Size and the frame's against its
# Frame_Content_Size (raw_size), so nothing grows past those bounds.

# Literals_Length_Code and Match_Length_Code: (Baseline, Number_of_Bits)
# (3.1.1.3.2, "Sequence Codes for Lengths and Offsets").
ZSTD_LL_CODES = [(n, 0) for n in range(16)] + [
    (16, 1), (18, 1), (20, 1), (22, 1), (24, 2), (28, 2), (32, 3), (40, 3),
    (48, 4), (64, 6), (128, 7), (256, 8), (512, 9), (1024, 10), (2048, 11),
    (4096, 12), (8192, 13), (16384, 14), (32768, 15), (65536, 16)]
ZSTD_ML_CODES = [(n + 3, 0) for n in range(32)] + [
    (35, 1), (37, 1), (39, 1), (41, 1), (43, 2), (47, 2), (51, 3), (59, 3),
    (67, 4), (83, 4), (99, 5), (131, 7), (259, 8), (515, 9), (1027, 10),
    (2051, 11), (4099, 12), (8195, 13), (16387, 14), (32771, 15), (65539, 16)]

# Default distributions (3.1.1.3.2) and Accuracy_Log limits (4.1.1) of the
# three sequence symbol types, in the order their tables come in a block.
ZSTD_SEQ_KINDS = (
    # name, largest code, largest Accuracy_Log, default distribution, its log
    ("literals lengths", 35, 9, [4, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1,
                                 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 2, 1, 1, 1, 1, 1,
                                 -1, -1, -1, -1], 6),
    ("offsets", 31, 8, [1, 1, 1, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1,
                        1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1], 5),
    ("match lengths", 52, 9, [1, 4, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1,
                              1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
                              1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1,
                              -1, -1, -1, -1, -1], 6),
)
ZSTD_HUF_MAX_BITS = 11        # 4.2.1: Max_Number_of_Bits
ZSTD_HUF_MAX_LOG = 6          # 4.2.1.2: Accuracy_Log of the weights' FSE table

# NPKCHECK_PURE_ZSTD=1 makes decode_zstd use the decoder below even when this
# Python has a zstd module (the tests use it to exercise this decoder).
ZSTD_PURE = os.environ.get("NPKCHECK_PURE_ZSTD", "") not in ("", "0")


def zstd_backward_bits(data, what):
    """A backward bitstream (4.1, 4.2.2) as a string of '0' and '1' in reading
    order: the last byte's highest set bit ends the stream and is dropped, and
    the bits before it are read from the highest down. Returns (bits, n): n
    useful bits, then 64 '0's, which stand for the zeros a reader gets past the
    stream's start."""
    if not data or data[-1] == 0:
        raise ValueError("%s: the bitstream %s" % (
            what, "is empty" if not data else "ends in a 0 byte (no end mark)"))
    bits = bin(int.from_bytes(data, "little"))[3:]
    return bits + "0" * 64, len(bits)


def zstd_forward_bits(data, p, n):
    """n bits (n <= 24) at bit p of data, read forward, least significant bit
    first (4.1.1); bits past the end read as 0 (the caller checks the end)."""
    i = p >> 3
    return (int.from_bytes(data[i:i + 4], "little") >> (p & 7)) & ((1 << n) - 1)


def fse_distribution(data, max_log, max_symbol, what):
    """4.1.1, FSE_Table_Description: (normalized counts, Accuracy_Log, the
    number of bytes it took)."""
    log = zstd_forward_bits(data, 0, 4) + 5
    if log > max_log:
        raise ValueError("%s: Accuracy_Log %d is more than %d" % (what, log, max_log))
    p, remaining, counts = 4, 1 << log, []
    while remaining > 0 and len(counts) <= max_symbol:
        # A value from 0 to remaining + 1, in `bits` bits, or one fewer for the
        # smallest ones.
        top = remaining + 1
        bits = top.bit_length()
        low_mask, small = (1 << (bits - 1)) - 1, (1 << bits) - 1 - top
        v = zstd_forward_bits(data, p, bits)
        if v & low_mask < small:
            v &= low_mask
            p += bits - 1
        else:
            v = v - small if v > low_mask else v
            p += bits
        counts.append(v - 1)             # -1: "less than 1", counts as one
        remaining -= abs(v - 1)
        if v == 1:                       # probability 0: a 2-bit repeat flag
            repeat = 3
            while repeat == 3 and len(counts) <= max_symbol:
                repeat = zstd_forward_bits(data, p, 2)
                p += 2
                counts += [0] * repeat
    if remaining != 0 or len(counts) > max_symbol + 1:
        raise ValueError("%s: the probabilities do not add up to %d over symbols 0 to %d"
                         % (what, 1 << log, max_symbol))
    size = (p + 7) >> 3
    if size > len(data):
        raise ValueError("%s: the table description runs past the end" % what)
    return counts, log, size


def fse_table(counts, log, what):
    """4.1.1, from normalized distribution to decoding table: (log, cells),
    each cell (Symbol, Number_of_Bits, Baseline)."""
    size = 1 << log
    symbols = [0] * size
    high = size                          # "less than 1" symbols from the end
    for s, c in enumerate(counts):
        if c == -1:
            high -= 1
            symbols[high] = s
    step, mask, pos = (size >> 1) + (size >> 3) + 3, size - 1, 0
    for s, c in enumerate(counts):
        for _ in range(c):
            symbols[pos] = s
            pos = (pos + step) & mask
            while pos >= high:
                pos = (pos + step) & mask
    if pos != 0:
        raise ValueError("%s: the distribution does not fill the table" % what)
    # Each symbol's cells, in state order, take the next states: the first
    # ones one bit more than the later ones.
    nxt = [1 if c == -1 else c for c in counts]
    cells = []
    for s in symbols:
        x = nxt[s]
        nxt[s] += 1
        nb = log + 1 - x.bit_length()
        cells.append((s, nb, (x << nb) - size))
    return log, cells


def huf_fse_weights(data):
    """4.2.1.2: Huffman weights compressed with FSE, two interleaved states
    sharing one table, until the bitstream is overrun."""
    what = "Huffman weights"
    counts, log, used = fse_distribution(data, ZSTD_HUF_MAX_LOG, ZSTD_HUF_MAX_BITS, what)
    cells = fse_table(counts, log, what)[1]
    bits, n = zstd_backward_bits(data[used:], what)
    states = [int(bits[0:log], 2), int(bits[log:2 * log], 2)]
    p, i, weights = 2 * log, 0, []
    while len(weights) < 255:
        sym, nb, base = cells[states[i]]
        weights.append(sym)
        states[i] = base + int(bits[p:p + nb] or "0", 2)
        p += nb
        if p > n:                        # overrun: the other state's symbol ends it
            weights.append(cells[states[1 - i]][0])
            break
        i ^= 1
    if p <= n or len(weights) > 255:
        raise ValueError("%s: more than 255 of them" % what)
    return weights


def huf_tree(data):
    """4.2.1, Huffman_Tree_Description at the start of data: (table, its size
    in bytes)."""
    if not data:
        raise ValueError("Huffman tree description: missing")
    head = data[0]
    if head >= 128:                      # direct: 4 bits a weight
        count, size = head - 127, 1 + (head - 126) // 2
        if size > len(data):
            raise ValueError("Huffman tree description: runs past the end")
        weights = [w for b in data[1:size] for w in (b >> 4, b & 15)][:count]
    else:
        size = 1 + head
        if head == 0 or size > len(data):
            raise ValueError("Huffman tree description: FSE-compressed size %d is %s"
                             % (head, "0" if head == 0 else "past the end"))
        weights = huf_fse_weights(data[1:size])
    return huf_table(weights), size


def huf_table(weights):
    """4.2.1.1 and 4.2.1.3: the decoding table of a list of weights, the last
    symbol's deduced: (Max_Number_of_Bits, symbol of each Max_Number_of_Bits-bit
    value, Number_of_Bits of each)."""
    if max(weights, default=0) > ZSTD_HUF_MAX_BITS:
        raise ValueError("Huffman weights: one is more than %d" % ZSTD_HUF_MAX_BITS)
    total = sum(1 << w >> 1 for w in weights if w)
    if total == 0:
        raise ValueError("Huffman weights: all are 0")
    max_bits = total.bit_length()        # the power of 2 just above total
    rest = (1 << max_bits) - total
    if rest & (rest - 1) or max_bits > ZSTD_HUF_MAX_BITS:
        raise ValueError("Huffman weights: %s" % ("no last weight completes them to a "
                         "power of 2" if rest & (rest - 1) else "more than 11 bits a code"))
    weights = weights + [rest.bit_length()]
    if 1 not in weights:
        raise ValueError("Huffman weights: none is 1")
    # Codes go out by increasing weight, then symbol: a symbol of weight w
    # takes 2^(w-1) consecutive values of Max_Number_of_Bits bits.
    symbols, nbits = bytearray(), bytearray()
    for w, s in sorted((w, s) for s, w in enumerate(weights) if w):
        symbols += bytes([s]) * (1 << (w - 1))
        nbits += bytes([max_bits + 1 - w]) * (1 << (w - 1))
    return max_bits, symbols, nbits


def huf_stream(table, data, count, what):
    """4.2.2: count literals from one Huffman-coded stream, which they must use
    up exactly. The next Max_Number_of_Bits bits index the table."""
    max_bits, symbols, nbits = table
    bits, n = zstd_backward_bits(data, what)
    out = bytearray(count)
    p = 0
    for i in range(count):
        k = int(bits[p:p + max_bits] or "0", 2)
        out[i] = symbols[k]
        p += nbits[k]
    if p != n:
        raise ValueError("%s: %d literals use %d bits of the stream's %d"
                         % (what, count, p, n))
    return out


def huf_literals(table, data, count, streams):
    """3.1.1.3.1.6 (Jump_Table): the literals of 1 or 4 Huffman streams."""
    if streams == 1:
        return huf_stream(table, data, count, "literals stream")
    if len(data) < 10:
        raise ValueError("literals: 4 streams in %d bytes" % len(data))
    sizes = list(struct.unpack_from("<3H", data))
    sizes.append(len(data) - 6 - sum(sizes))
    seg = (count + 3) // 4
    counts = [seg, seg, seg, count - 3 * seg]
    if sizes[3] < 1 or counts[3] < 0:
        raise ValueError("literals: the Jump_Table's sizes %s do not fit %d bytes and %d "
                         "literals" % (sizes[:3], len(data) - 6, count))
    out, at = bytearray(), 6
    for k in range(4):
        out += huf_stream(table, data[at:at + sizes[k]], counts[k], "literals stream %d" % (k + 1))
        at += sizes[k]
    return out


def zstd_literals(block, state, block_max):
    """3.1.1.3.1, Literals_Section: (literals, the section's size)."""
    if not block:
        raise ValueError("an empty compressed block")
    ltype, form = block[0] & 3, (block[0] >> 2) & 3
    if ltype < 2:                        # Raw or RLE: Regenerated_Size only
        hsize = (1, 2, 1, 3)[form]
        h = int.from_bytes(block[:hsize], "little")
        regen = h >> 3 if hsize == 1 else h >> 4
        size = hsize + (regen if ltype == 0 else 1)
    else:                                # Compressed or Treeless
        hsize, width, streams = ((3, 10, 1), (3, 10, 4), (4, 14, 4), (5, 18, 4))[form]
        h = int.from_bytes(block[:hsize], "little")
        regen, size = (h >> 4) & ((1 << width) - 1), hsize + (h >> (4 + width))
    if size > len(block) or regen > block_max:
        raise ValueError("the literals section (%d literals in %d bytes) %s" % (
            regen, size, "runs past the block" if size > len(block)
            else "holds more than Block_Maximum_Size"))
    body = block[hsize:size]
    if ltype == 0:
        return body, size
    if ltype == 1:
        return body * regen, size
    if ltype == 2:
        state["huffman"], used = huf_tree(body)
    elif state["huffman"] is None:
        raise ValueError("treeless literals, but no Huffman table before them in the frame")
    else:
        used = 0
    return huf_literals(state["huffman"], body[used:], regen, streams), size


ZSTD_DEFAULT_TABLES = {kind[0]: fse_table(kind[3], kind[4], kind[0]) for kind in ZSTD_SEQ_KINDS}


def zstd_sequences_header(block, pos, state):
    """3.1.1.3.2.1: Number_of_Sequences, then (when not 0) the three decoding
    tables. Returns (count, tables, position of the bitstream)."""
    if pos >= len(block):
        raise ValueError("the block ends before its sequences section")
    b = block[pos:pos + 3] + b"\0\0"
    if b[0] < 128:
        count, pos = b[0], pos + 1
    elif b[0] < 255:
        count, pos = ((b[0] - 128) << 8) + b[1], pos + 2
    else:
        count, pos = b[1] + (b[2] << 8) + 0x7F00, pos + 3
    if pos > len(block):
        raise ValueError("the block ends inside Number_of_Sequences")
    if count == 0:
        return 0, None, pos
    if pos >= len(block):
        raise ValueError("the block ends before its Symbol_Compression_Modes")
    modes = block[pos]
    pos += 1
    if modes & 3:
        raise ValueError("Symbol_Compression_Modes 0x%02x has reserved bits set" % modes)
    tables = []
    for k, kind in enumerate(ZSTD_SEQ_KINDS):
        table, pos = zstd_seq_table(block, pos, (modes >> (6 - 2 * k)) & 3, kind, state["fse"][k])
        tables.append(table)
    state["fse"] = tables
    return count, tables, pos


def zstd_seq_table(block, pos, mode, kind, previous):
    """3.1.1.3.2.1, Symbol_Compression_Modes: one table: Predefined, RLE,
    FSE_Compressed or Repeat. Returns (table, position after it)."""
    name, max_symbol, max_log, default, default_log = kind
    if mode == 0:
        return ZSTD_DEFAULT_TABLES[name], pos
    if mode == 1:
        if pos >= len(block) or block[pos] > max_symbol:
            raise ValueError("%s: RLE_Mode symbol %s" % (
                name, "missing" if pos >= len(block) else "%d is more than %d"
                % (block[pos], max_symbol)))
        return (0, [(block[pos], 0, 0)]), pos + 1
    if mode == 2:
        counts, log, used = fse_distribution(block[pos:], max_log, max_symbol, name)
        return fse_table(counts, log, name), pos + used
    if previous is None:
        raise ValueError("%s: Repeat_Mode, but no table before it in the frame" % name)
    return previous, pos


def zstd_sequences(stream, count, tables):
    """3.1.1.3.2, "Decoding Sequences": yields (Literals_Length,
    Match_Length, Offset_Value) count times; the bitstream must be used up
    exactly."""
    (ll_log, ll_cells), (of_log, of_cells), (ml_log, ml_cells) = tables
    bits, n = zstd_backward_bits(stream, "sequences")

    def read(p, k):
        return int(bits[p:p + k] or "0", 2)
    # Initial states: literals lengths, offsets, match lengths.
    ll, of, ml = read(0, ll_log), read(ll_log, of_log), read(ll_log + of_log, ml_log)
    p = ll_log + of_log + ml_log
    for i in range(count):
        ll_code, ll_nb, ll_base = ll_cells[ll]
        of_code, of_nb, of_base = of_cells[of]
        ml_code, ml_nb, ml_base = ml_cells[ml]
        # Extra bits: offset, then match length, then literals length.
        offset_value = (1 << of_code) + read(p, of_code)
        p += of_code
        base, nb = ZSTD_ML_CODES[ml_code]
        match_length = base + read(p, nb)
        p += nb
        base, nb = ZSTD_LL_CODES[ll_code]
        literals_length = base + read(p, nb)
        p += nb
        if i + 1 < count:                # state updates: LL, ML, then offsets
            ll = ll_base + read(p, ll_nb)
            ml = ml_base + read(p + ll_nb, ml_nb)
            of = of_base + read(p + ll_nb + ml_nb, of_nb)
            p += ll_nb + ml_nb + of_nb
        if p > n:
            raise ValueError("sequence %d reads past the start of the bitstream" % i)
        yield literals_length, match_length, offset_value
    if p != n:
        raise ValueError("%d sequences leave %d bits of the bitstream unread" % (count, n - p))


def zstd_offset(offset_value, literals_length, reps):
    """3.1.1.5, Repeat Offsets: the offset an Offset_Value names, updating the
    three recent offsets reps in place."""
    if offset_value > 3:
        offset = offset_value - 3
    else:
        k = offset_value if literals_length else offset_value + 1
        if k == 1:
            return reps[0]
        if k == 2:
            reps[0], reps[1] = reps[1], reps[0]
            return reps[0]
        offset = reps[2] if k == 3 else reps[0] - 1
    reps[:] = [offset, reps[0], reps[1]]
    return offset


def zstd_execute(out, literals, sequences, reps, limit, window, history=0):
    """3.1.1.4, Sequence Execution: appends to out each sequence's literals and
    match, then the literals left; out may not grow past limit, and a match
    may reach back neither past the frame's start nor past Window_Size. With
    a dictionary (codec 3, section 15.18), out begins with its history bytes
    of content, which a match may reach into: the offset is then at most the
    bytes produced plus the dictionary's (len(out)), and the caller makes
    window no smaller."""
    lp = 0
    for i, (ll, ml, offset_value) in enumerate(sequences):
        if lp + ll > len(literals) or len(out) + ll + ml > limit:
            raise ValueError("sequence %d: %s" % (i, "needs more literals than the block has"
                             if lp + ll > len(literals) else "the block decodes to more bytes "
                             "than Block_Maximum_Size or raw_size allow"))
        out += literals[lp:lp + ll]
        lp += ll
        offset = zstd_offset(offset_value, ll, reps)
        if offset < 1 or offset > len(out) or offset > window:
            raise ValueError("sequence %d: offset %d reaches %s" % (i, offset, "nowhere"
                             if offset < 1 else "past Window_Size" if offset > window
                             else "before the frame's start" if not history else
                             "before the dictionary's start (the frame has produced %d bytes, "
                             "the dictionary holds %d)" % (len(out) - history, history)))
        start = len(out) - offset
        if ml <= offset:
            out += out[start:start + ml]
        else:                            # the match overlaps what it writes
            out += (out[start:] * (ml // offset + 1))[:ml]
    if len(out) + len(literals) - lp > limit:
        raise ValueError("the block decodes to more bytes than Block_Maximum_Size or "
                         "raw_size allow")
    out += literals[lp:]


def zstd_block(block, out, state, limit, window, block_max, history=0):
    """3.1.1.3, Compressed_Block: decodes one block, appending to out (which
    begins with history bytes of dictionary, zstd_execute)."""
    literals, pos = zstd_literals(block, state, block_max)
    count, tables, pos = zstd_sequences_header(block, pos, state)
    if count == 0:
        if pos != len(block):
            raise ValueError("%d bytes follow a sequences section of 0 sequences"
                             % (len(block) - pos))
        sequences = ()
    else:
        sequences = zstd_sequences(block[pos:], count, tables)
    zstd_execute(out, literals, sequences, state["reps"], limit, window, history)


def zstd_decode_frame(payload, info, dictionary=None):
    """RFC 8878 section 3.1.1: the content of the frame zstd_frame checked,
    its Content_Checksum too when it has one; raises ValueError.

    With a dictionary (codec 3, section 15.18: a single-segment frame, checked
    by the caller), the dictionary's content is raw content: the history
    before the frame's first byte. out begins with it, a match may copy from
    it (an offset at most the bytes produced so far plus its length, which
    replaces the frame's window, its content size), the repeat offsets still
    start at 1, 4, 8 and no entropy table comes from it; the sizes, limits and
    the checksum count the frame's own content, which alone is returned."""
    payload = bytes(payload)
    size, window = info["content_size"], info["window"]
    block_max = min(window, ZSTD_MAX_BLOCK)
    history = len(dictionary) if dictionary else 0
    if history:
        window = history + size
    # What one block leaves to the next: the last Huffman table, the last three
    # FSE tables, the recent offsets (3.1.1.3, Prerequisites).
    state = {"huffman": None, "fse": [None, None, None], "reps": [1, 4, 8]}
    out = bytearray(dictionary or b"")
    for k, (btype, at, bsize) in enumerate(info["parts"]):
        if btype == 0:
            out += payload[at:at + bsize]
        elif btype == 1:
            out += payload[at:at + 1] * bsize
        else:
            limit = history + min(size, len(out) - history + block_max)
            try:
                zstd_block(payload[at:at + bsize], out, state, limit, window, block_max, history)
            except ValueError as e:
                raise ValueError("block %d (payload byte %d): %s" % (k, at - 3, e))
        if len(out) - history > size:
            raise ValueError("block %d ends at byte %d of the content, past raw_size %d"
                             % (k, len(out) - history, size))
    if len(out) - history != size:
        raise ValueError("the frame decodes to %d bytes, not raw_size %d"
                         % (len(out) - history, size))
    if history:
        out = out[history:]
    want = info.get("checksum_value")
    if want is not None and xxh64(out) & 0xFFFFFFFF != want:
        raise ValueError("Content_Checksum %08x is not the low 32 bits of XXH64 of the "
                         "content, %08x" % (want, xxh64(out) & 0xFFFFFFFF))
    return bytes(out)


def zstd_describe(info):
    return "content size %d, %s, window %d bytes, %s, %d block%s, %d bytes" % (
        info["content_size"],
        "no dictionary" if info["dictionary_id"] is None else "Dictionary_ID 0",
        info["window"], "checksum" if info["checksum"] else "no checksum",
        info["blocks"], "" if info["blocks"] == 1 else "s", info["frame_size"])


def decode_zstd(payload, raw_size, dictionary=None):
    """Section 4.3, codec 2; with a dictionary's content, codec 3 (section
    15.18): the rules of codec 2, and the frame's Single_Segment_flag set (its
    Dictionary_ID is 0 or absent as for codec 2: zstd_frame), decoded with the
    content as a raw content dictionary. Returns (bytes, None) or (None, why).
    The frame is decoded here (zstd_decode_frame), or by this Python's zstd
    module, when it has one, for speed, unless NPKCHECK_PURE_ZSTD is set or
    the frame has raw and RLE blocks only."""
    info, why = zstd_frame(payload, raw_size)
    if info is None:
        return None, why
    if dictionary is not None and not info["single_segment"]:
        return None, "zstd frame: the frame of a cluster of codec 3 is not a single segment " \
            "(Single_Segment_flag, bit 5 of Frame_Header_Descriptor 0x%02x, is clear; section " \
            "15.18)" % info["descriptor"]
    compressed = any(t == 2 for t, _, _ in info["parts"])
    if ZSTD_DECODE is not None and compressed and not ZSTD_PURE:
        try:
            if dictionary is None:
                out = ZSTD_DECODE(payload, raw_size)
            else:
                out = ZSTD_DECODE(payload, raw_size, dictionary)
        except ZstdNoDictionary:
            out = None                  # the decoder here reads it
        except (ValueError, MemoryError) as e:
            return None, "zstd frame is corrupt (%s): %s" % (ZSTD_DECODER_NAME, e)
        if out is not None and len(out) != raw_size:
            return None, "zstd frame produced %d bytes, not raw_size %d" % (len(out), raw_size)
        if out is not None:
            return out, None
    try:
        return zstd_decode_frame(payload, info, dictionary), None
    except ValueError as e:
        # A wrong content checksum, when the frame has one, is damage too (4.3).
        return None, "zstd frame: %s" % e


def decode_payload(codec, payload, raw_size, dictionary=None):
    """Section 4.3. Returns (bytes, None) or (None, why). dictionary: the
    content of the file's compression dictionary (section 15.18), for a
    cluster of codec 3; None where none serves (an index page, a file
    without one, or one that is damaged)."""
    if codec == 0:
        if len(payload) != raw_size:
            return None, "codec 0 (stored): stored_size %d is not raw_size %d" % (len(payload), raw_size)
        return payload, None
    if codec == 2:
        return decode_zstd(payload, raw_size)
    if codec == 3:
        if dictionary is None:
            return None, "codec 3 (zstd with the file's dictionary) where no dictionary serves " \
                "(section 15.18: clusters only, of a file with an intact dictionary)"
        return decode_zstd(payload, raw_size, dictionary)
    if codec != 1:
        return None, Newer("codec %d is not supported: a newer reader is needed" % codec)
    d = zlib.decompressobj()
    extra = b""
    try:
        out = d.decompress(payload, raw_size)
        # Output stopped at raw_size: the stream must end there and produce nothing
        # more. Feed the rest one output byte at a time.
        while not d.eof:
            tail = d.unconsumed_tail
            extra = d.decompress(tail, 1)
            if extra or d.eof or not tail or d.unconsumed_tail == tail:
                break
    except zlib.error as e:
        return None, "zlib stream is corrupt: %s" % e
    if extra:
        return None, "zlib stream would produce more than raw_size %d bytes" % raw_size
    if not d.eof:
        return None, "zlib stream is truncated: it has not ended after %d of %d bytes" \
            % (len(out), raw_size)
    if len(out) != raw_size:
        return None, "zlib stream produced %d bytes, not raw_size %d" % (len(out), raw_size)
    if d.unused_data:
        return None, "%d bytes follow the end of the zlib stream" % len(d.unused_data)
    return out, None


def kind_problem(e):
    """Section 15.7: what each kind of entry holds."""
    k = e["kind"]
    if k == 3 and not 1 <= e["size"] <= MAX_PATH:
        return "a symbolic link's target must be 1 to %d bytes" % MAX_PATH
    if k in (1, 2) and (e["size"] != 0 or e["digest"] != H(b"")):
        return "a %s holds no content" % KIND_NAMES[k]
    if k in KIND_MEDIA and e["media"] != KIND_MEDIA[k]:
        return "media type must be %s" % KIND_MEDIA[k].decode()
    return None


def target_problem(t):
    """Section 15.7: a symbolic link's target, once its digest matched."""
    if b"\0" in t or not utf8_ok(t):
        return "the symbolic link's target is not UTF-8 text without NUL"
    return None


def parse_entries(data, page, next_first, clusters, content_bytes, v11=False, edition=0):
    """Parses a page's decoded bytes (sections 5.2, 15.7 and 6.1). Returns
    (entries or None, problems as (offset in decoded bytes, text), fields)."""
    probs = []
    c = Cursor(data, 0)
    entries = []
    k = page["number"]
    base_file = page["offset"]
    try:
        for n in range(page["count"]):
            e = {"page": k, "ordinal": page["first_ordinal"] + n, "decoded_offset": c.pos,
                 "file_offset": base_file}
            c.fields.append(Field(c.pos, 0, "-- entry %d (ordinal %d)" % (n, e["ordinal"]), b"", None))
            e["kind"], e["leaf"], e["salt"] = 0, None, None
            if v11:                     # section 15.7
                start = c.pos
                elen = c.u32("entry_len")
                c.note("the whole entry, this field included")
                if elen < 4 or elen - 4 > c.left():
                    raise Short("entry %d's entry_len %d" % (n, elen), start)
                end = start + elen
                e["kind"] = c.u8("kind")
                c.fields[-1].value = "%d (%s)" % (e["kind"], KIND_NAMES.get(e["kind"], "UNKNOWN: "
                                                                             "needs a newer reader"))
                eflags = c.u8("flags")
                if eflags:
                    c.note("reserved bits set: needs a newer reader")
            plen = c.u16("path_len")
            e["path"] = c.take(plen, "path")
            c.fields[-1].value = show_text(e["path"])
            pp = path_problem(e["path"])
            if pp:
                c.note("INVALID")
                probs.append((c.fields[-1].off, "entry %d: %s" % (n, pp)))
            e["size"] = c.u64("size")
            if v11:
                ref_kind = c.u8("ref_kind")
                c.fields[-1].value = "%d (%s)" % (ref_kind, REF_KIND_NAMES.get(ref_kind, "unknown"))
                # section 15.15: ref_kind 1 is known in an edition only
                if e["kind"] not in KIND_NAMES or eflags or ref_kind > (1 if edition else 0):
                    probs.append((start, Newer("entry %d: kind %d, flags 0x%02x, ref_kind %d: a "
                                 "newer reader is needed" % (n, e["kind"], eflags, ref_kind))))
                    return None, probs, c.fields
                e["ref_kind"] = ref_kind
                if ref_kind == 1:
                    e["ref_edition"] = c.u32("edition")
            e["cluster"] = c.u32("cluster")
            if e["cluster"] == NO_CLUSTER:
                c.fields[-1].value = "FFFFFFFF (none)"
            e["offset"] = c.u32("offset")
            e["digest"] = c.take(32, "digest")
            if v11:
                e["leaf"] = c.u64("leaf")
                if e["leaf"] == NO_LEAF:
                    c.fields[-1].value = "FFFFFFFFFFFFFFFF (none)"
                e["salt"] = c.take(16, "salt")
                c.note("per document; not checked")
            mlen = c.u8("media_len")
            e["media"] = c.take(mlen, "media_type")
            c.fields[-1].value = show_bytes(e["media"])
            mp = media_problem(e["media"])
            if mp:
                c.note("INVALID")
                probs.append((c.fields[-1].off, "entry %d (%s): %s" % (n, show_text(e["path"]), mp)))
            meta_len = c.u16("meta_len")
            if meta_len > c.left():
                raise Short("metadata", c.pos)
            mprobs = []
            e["meta_raw"] = c.data[c.pos:c.pos + meta_len]   # section 15.13: in the leaf data
            e["meta"] = parse_meta(c, meta_len, mprobs, "metadata of %s" % show_text(e["path"]))
            probs.extend(mprobs)
            if v11:
                if c.pos > end:
                    probs.append((start, "entry %d: its fields run past its entry_len %d"
                                  % (n, elen)))
                    return None, probs, c.fields
                if c.pos < end:
                    c.take(end - c.pos, "later fields (skipped, section 15.7)")
                kp = kind_problem(e)
                if kp:
                    probs.append((start, "entry %d (%s): %s" % (n, show_text(e["path"]), kp)))
            # position (5.2)
            e["stream"] = None
            where = "entry %d (%s)" % (n, show_text(e["path"]))
            if e.get("ref_kind") == 1:
                # section 15.15: checked against the named edition's tables by the chain
                if e["ref_edition"] >= edition:
                    probs.append((e["decoded_offset"], "%s: refers to edition %d, not an edition "
                                  "before this one (%d)" % (where, e["ref_edition"], edition)))
                elif e["kind"] in (1, 2):
                    probs.append((e["decoded_offset"], "%s: a %s refers to content of edition %d"
                                  % (where, KIND_NAMES[e["kind"]], e["ref_edition"])))
            elif e["size"] == 0:
                if e["cluster"] != NO_CLUSTER or e["offset"] != 0:
                    probs.append((e["decoded_offset"], "%s: empty document with cluster %d and "
                                  "offset %d (must be FFFFFFFF and 0)" % (where, e["cluster"], e["offset"])))
            elif e["cluster"] >= len(clusters):
                probs.append((e["decoded_offset"], "%s: cluster %d, but there are %d clusters"
                              % (where, e["cluster"], len(clusters))))
            elif e["offset"] >= clusters[e["cluster"]]["raw_size"]:
                probs.append((e["decoded_offset"], "%s: offset %d is not less than cluster %d's "
                              "raw_size %d" % (where, e["offset"], e["cluster"],
                                               clusters[e["cluster"]]["raw_size"])))
            else:
                s = clusters[e["cluster"]]["start"] + e["offset"]
                if s + e["size"] > content_bytes:
                    probs.append((e["decoded_offset"], "%s: stream bytes %d to %d run past the "
                                  "data stream's end %d" % (where, s, s + e["size"], content_bytes)))
                else:
                    e["stream"] = s
            # order within the page, and against the page table (6.1)
            if n == 0 and e["path"] != page["first_path"]:
                probs.append((e["decoded_offset"], "first entry %s is not the page table's "
                              "first_path %s" % (show_text(e["path"]), show_text(page["first_path"]))))
            if entries and e["path"] <= entries[-1]["path"]:
                probs.append((e["decoded_offset"], "%s does not sort after %s"
                              % (where, show_text(entries[-1]["path"]))))
            entries.append(e)
        if c.left():
            probs.append((c.pos, "%d bytes after the last of %d entries" % (c.left(), page["count"])))
            c.take(c.left(), "trailing bytes (INVALID)")
        if entries and next_first is not None and entries[-1]["path"] >= next_first:
            probs.append((entries[-1]["decoded_offset"], "last entry %s does not sort before the "
                          "next page's first_path %s" % (show_text(entries[-1]["path"]),
                                                         show_text(next_first))))
    except Short as ex:
        probs.append((ex.offset, "%s runs past the page's decoded bytes (count %d)"
                      % (ex.what, page["count"])))
        if c.left():
            c.take(c.left(), "truncated entry (INVALID)")
        return None, probs, c.fields
    if probs:
        return None, probs, c.fields
    return entries, probs, c.fields


def directory_records(data, lo, hi, tail):
    """Sections 15.3 and 15.5: the records of a section directory (tail False)
    or of the tail directory (tail True: flag bit 1 in every record), each in
    [lo, hi). Returns (records, None), or (None, why); why is a Newer for an
    unknown critical section. The critical types known are those of the body's
    seal (type 8, 15.17.1) and compression dictionary (type 12, 15.18), each
    of which MUST be marked critical."""
    if len(data) < 4:
        return None, "has %d bytes, fewer than 4" % len(data)
    count = struct.unpack_from("<I", data, 0)[0]
    if count > MAX_SECTIONS or len(data) != 4 + SECTION_RECORD * count:
        return None, "%d bytes do not hold %d sections" % (len(data), count)
    records = []
    prev = None
    for i in range(count):
        typ, flags, res, off, length = struct.unpack_from("<HHIQQ", data, 4 + SECTION_RECORD * i)
        digest = data[4 + SECTION_RECORD * i + 24:4 + SECTION_RECORD * (i + 1)]
        why = None
        if typ in (0, 1, 5):
            why = "type %d is not a section type" % typ
        elif prev is not None and (typ, off) <= prev:
            why = "is out of (type, offset) order"
        elif flags & ~(3 if tail else 1):
            why = "has reserved flags set (0x%04x)" % flags
        elif tail and not flags & 2:
            why = "lacks flag bit 1 (outside the signed part, section 15.5)"
        elif res:
            why = "has a reserved field that is not zero"
        elif length == 0:
            why = "is empty"
        elif off < lo or off + length > hi:
            why = "lies outside the %s (%d to %d)" % ("tail" if tail else "body", lo, hi)
        if why:
            return None, "section %d (type %d, offset %d, length %d) %s" % (i, typ, off, length, why)
        if flags & 1 and typ == SECTION_TREE and not tail:
            return None, "section %d (type 4, the Merkle tree) is marked critical; the type " \
                "is not (section 15.6)" % i
        if typ == SECTION_SEAL and not tail and not flags & 1:
            return None, "section %d (type 8, the seal) is not marked critical (section " \
                "15.17.1)" % i
        if typ == SECTION_DICT and not tail and not flags & 1:
            return None, "section %d (type 12, the compression dictionary) is not marked " \
                "critical (sections 15.6, 15.18)" % i
        if flags & 1 and not (typ in (SECTION_SEAL, SECTION_DICT) and not tail):
            return None, Newer("section %d: critical section type %d is not known: a newer "
                               "reader is needed" % (i, typ))
        records.append({"number": i, "type": typ, "flags": flags, "offset": off,
                        "length": length, "digest": digest})
        prev = (typ, off)
    return records, None


def dictionary_problem(data):
    """Section 15.18, D3: what is wrong with the bytes of a compression
    dictionary section (type 12), or None: the magic "NPKDICT\\n", reserved 0,
    256 <= content_len <= 2^20, the section's length exactly 16 + content_len,
    and content not beginning with the magic of a structured Zstandard
    dictionary (37 A4 30 EC, RFC 8878 section 5): it is raw content."""
    if len(data) < DICT_HEADER or data[:8] != DICT_MAGIC:
        return "is not a dictionary: %s" % ("%d bytes, fewer than its 16-byte header"
                                            % len(data) if len(data) < DICT_HEADER else
                                            "its magic is %s, not \"NPKDICT\\n\""
                                            % show_bytes(data[:8]))
    reserved, n = struct.unpack_from("<II", data, 8)
    if reserved:
        return "has a reserved field (at +8) that is not zero: %d" % reserved
    if not DICT_MIN <= n <= DICT_MAX or len(data) != DICT_HEADER + n:
        return "says it holds content_len %d bytes in a section of %d: content_len must be " \
            "256 to 1048576, and the section 16 + content_len bytes long" % (n, len(data))
    if data[DICT_HEADER:DICT_HEADER + 4] == ZSTD_DICT_MAGIC:
        return "has content beginning with 37 A4 30 EC, the magic of a structured Zstandard " \
            "dictionary; its content must be raw"
    return None


def sha256(data):
    return hashlib.sha256(data).digest()


def merkle_extension(flags, data, m):
    """Section 15.13: manifest extension type 2; sets m["tree"] = (tree_size, root)."""
    if flags:
        return "flags 0x%04x, not 0 (it is not critical)" % flags
    if len(data) != 40:
        return "%d bytes, not 40" % len(data)
    n = struct.unpack_from("<Q", data, 0)[0]
    if n > MAX_DOCUMENTS:
        return "tree_size %d is over 2^32 - 2" % n
    m["tree"] = (n, data[8:])
    return None


def leaf_data(e, leaf_type=0):
    """Section 15.13: the leaf data of an index entry (leaf_type 0; 1: a
    withdrawal in an edition, section 15.15)."""
    return (bytes([leaf_type, e["kind"]]) + struct.pack("<H", len(e["path"])) + e["path"] +
            struct.pack("<Q", e["size"]) + e["digest"] + bytes([len(e["media"])]) + e["media"] +
            struct.pack("<H", len(e["meta_raw"])) + e["meta_raw"] + e["salt"])


def edition_link(flags, data, m):
    """Section 15.15: manifest extension type 3; sets m["link"]."""
    if flags != 1:
        return "flags 0x%04x, not 1 (the link is critical)" % flags
    if len(data) < 82:
        return "%d bytes, fewer than 82" % len(data)
    ed, lflags = struct.unpack_from("<II", data, 0)
    ptree, nlen = struct.unpack_from("<QH", data, 72)
    want = 82 + nlen + (184 if lflags & 1 else 0)
    if len(data) != want:
        return "%d bytes, not the %d its fields take" % (len(data), want)
    if not 1 <= ed <= MAX_EDITION:
        return "edition %d is not 1 to 2^32 - 2" % ed
    if lflags & ~1:
        return "reserved flag bits are set (0x%08x)" % lflags
    name = data[82:82 + nlen]
    if not 1 <= nlen <= 255 or b"/" in name or name in (b".", b"..") or b"\0" in name or \
            not utf8_ok(name):
        return "prev_name %s is not one path component" % show_text(name)
    rot = data[82 + nlen:] if lflags & 1 else None
    m["link"] = {"edition": ed, "flags": lflags, "prev_digest": data[8:40],
                 "base_digest": data[40:72], "prev_tree_size": ptree, "prev_name": name,
                 "statement": rot[:120] if rot else None,
                 "rotation_signature": rot[120:] if rot else None}
    return None


def path_probes(path, m, k):
    """Section 15.15: the bits of the path filter that path sets."""
    d = H(path)
    h1 = struct.unpack_from("<Q", d, 0)[0]
    h2 = struct.unpack_from("<Q", d, 8)[0] | 1
    return [(h1 + j * h2) % (1 << 64) % m for j in range(k)]


def paths_header_problem(data, count, magic=PATHS_MAGIC):
    """Section 15.15: the path (or folder) filter's header; (why or None, m, k)."""
    if len(data) < 32 or data[:8] != magic:
        return "it does not begin with %s" % magic.decode(), 0, 0
    cnt, m, k = struct.unpack_from("<QQB", data, 8)
    if count is not None and cnt != count:
        return "its count %d is not the edition's %d %s" % (
            cnt, count, "entries" if magic == PATHS_MAGIC else "folders"), 0, 0
    if not 64 <= m <= 1 << 35 or m % 64:
        return "bits %d is not a multiple of 64 from 64 to 2^35" % m, 0, 0
    if not 1 <= k <= 32:
        return "hashes %d is not 1 to 32" % k, 0, 0
    if any(data[25:32]):
        return "its reserved bytes are not zero", 0, 0
    if len(data) != 32 + m // 8:
        return "%d bytes, not 32 + %d / 8" % (len(data), m), 0, 0
    return None, m, k


def merkle_root(hashes):
    """RFC 9162 2.1.1: MTH of the 32-byte leaf hashes concatenated in `hashes`
    (SHA256("") for none), with a stack of equal-sized subtrees as a writer keeps it."""
    stack = []                          # (leaves under it, hash)
    for i in range(0, len(hashes), 32):
        size, h = 1, hashes[i:i + 32]
        while stack and stack[-1][0] == size:
            h = sha256(b"\1" + stack.pop()[1] + h)
            size *= 2
        stack.append((size, h))
    if not stack:
        return sha256(b"")
    r = stack[-1][1]
    for _, h in reversed(stack[:-1]):
        r = sha256(b"\1" + h + r)
    return r


def tree_levels(n, stride):
    """Section 15.13: the stored levels [(L, offset in the section, hashes)] and the
    section's length, 24 + 32 * the hashes of every stored level."""
    levels, off, level = [], 24, 0
    while n >> level >= 1:
        levels.append((level, off, n >> level))
        off += 32 * (n >> level)
        level += stride
    return levels, off


def etree_levels(p, n, stride):
    """Section 15.15: an edition's stored levels [(L, offset in the section,
    hashes)], the nodes [p >> L, n >> L) of L = 0, s, 2s, ... while there are
    any, and the section's length; p = 0: the levels of 15.13."""
    levels, off, level = [], 24, 0
    while (n >> level) > (p >> level):
        c = (n >> level) - (p >> level)
        levels.append((level, off, c))
        off += 32 * c
        level += stride
    return levels, off


def tree_header_problem(data, n, p=0):
    """Sections 15.13 and 15.15: the tree section's fixed fields and length
    (an edition's holds the leaves [p, n)); None when they hold."""
    if len(data) < 24 or data[:8] != TREE_MAGIC:
        return "it does not begin with NPKTREE"
    size = struct.unpack_from("<Q", data, 8)[0]
    if size != n:
        return "its tree_size %d is not the manifest's %d" % (size, n)
    if not 1 <= data[16] <= 16:
        return "stride %d is not 1 to 16" % data[16]
    if any(data[17:24]):
        return "its reserved bytes are not zero"
    length = etree_levels(p, n, data[16])[1]
    if len(data) != length:
        return "%d bytes, not the %d its %d leaves with stride %d take" % (len(data), length,
                                                                           n, data[16])
    return None


def parse_tail_trailer(raw):
    """Section 15.5: the tail trailer's fields (the last 32 bytes)."""
    signed, doff, dlen, res = struct.unpack_from("<QQII", raw, 0)
    return {"signed_size": signed, "directory_offset": doff, "directory_len": dlen,
            "reserved": res}


# ---------------------------------------------------------------------------
# verify and extract

def report(arc, out):
    """One line per problem: FAIL for damage, NEWER for what needs a newer reader."""
    for where, off, text in arc.problems:
        out.write("%s %s, %s: %s\n" % ("NEWER" if isinstance(text, Newer) else "FAIL ",
                                        where, at(off), text))


def manifest_digest_of(path):
    """H(manifest) of the archive at path, or None when its header or trailer
    does not lead to one (section 15.15: finding the files of a chain)."""
    try:
        a = Archive(path)
    except OSError:
        return None
    try:
        a.check_header()
        a.check_trailer()
        t = a.trailer
        return H(a.read(t["manifest_offset"], t["manifest_size"]))
    except (Stop, Short, OSError):
        return None
    finally:
        a.close()


def find_chain(newest, trusted, files, problems):
    """Section 15.15: the files of newest's chain, following the links: among
    files by the digest of their manifest, else by prev_name beside newest.
    Returns the archives opened, oldest first (not back to a base when one is
    missing or is not the edition its successor names); problems gets
    (where, text) for each."""
    folder = os.path.dirname(os.path.realpath(newest.path))
    chain, cur = [newest], newest
    while "link" in cur.manifest:
        lk = cur.manifest["link"]
        k = lk["edition"]
        name = lk["prev_name"].decode("utf-8", "replace")
        path = next((f for f in files if manifest_digest_of(f) == lk["prev_digest"]), None)
        if path is None and os.path.isfile(os.path.join(folder, name)):
            path = os.path.join(folder, name)
        if path is None:
            problems.append(("edition %d" % (k - 1), "edition %d (%s, manifest digest %s) is "
                             "missing: not beside %s; name it with --chain"
                             % (k - 1, name, lk["prev_digest"].hex()[:16],
                                os.path.basename(newest.path))))
            break
        try:
            prev = Archive(path)
        except OSError as e:
            problems.append(("edition %d" % (k - 1), "%s cannot be opened: %s" % (path, e.strerror)))
            break
        try:
            prev.open_earlier(trusted, lk["prev_digest"], k - 1)
        except (Stop, Short):
            chain.append(prev)
            break
        pe = prev.manifest["link"]["edition"] if "link" in prev.manifest else 0
        chain.append(prev)
        if pe != k - 1:
            problems.append(("edition %d" % k, "the edition numbers do not go down by one: %s "
                             "(edition %d) follows %s, which is edition %d"
                             % (cur.path, k, path, pe)))
            break
        cur = prev
    chain.reverse()
    return chain


def key_text(a):
    return key_id_text(a.manifest["signer_key_id"])


def rotation_problem(a, prev):
    """Section 15.15: a's signer against prev's; None when it may sign."""
    lk, m, pm = a.manifest["link"], a.manifest, prev.manifest
    same = m["signer_public_key"] == pm["signer_public_key"] and \
        m["signer_key_id"] == pm["signer_key_id"]
    st, sig = lk["statement"], lk["rotation_signature"]
    if same:
        return "holds a rotation statement but is signed by the key of edition %d" \
            % (lk["edition"] - 1) if st else None
    why = None
    if st is None:
        why = "no rotation statement"
    elif st[:8] != ROTATION_MAGIC or any(st[76:80]):
        why = "its rotation statement is malformed"
    elif st[8:40] != lk["base_digest"] or st[40:72] != lk["prev_digest"] or \
            struct.unpack_from("<I", st, 72)[0] != lk["edition"]:
        why = "its rotation statement is for another chain or edition"
    elif st[80:88] != m["signer_key_id"] or st[88:120] != m["signer_public_key"]:
        why = "its rotation statement names another key"
    elif not ed25519_verify(pm["signer_public_key"], H512(st), sig):
        why = "its rotation signature does not verify"
    if why is None:
        return None
    return "edition %d is signed by key %s, which the signer of edition %d did not authorise " \
        "(%s)" % (lk["edition"], key_text(a), lk["edition"] - 1, why)


def chain_links(chain, problems):
    """Section 15.15, the checks of the chain: a base numbered 0 with a tree,
    every base_digest, prev_tree_size and stride, each signer."""
    base = chain[0]
    if "tree" not in base.manifest:
        problems.append(("edition 0", "the base %s has no Merkle tree" % base.path))
        return
    bd = H(base.manifest_bytes)
    stride = base.read(base.tree_section["offset"] + 16, 1)[0]
    for prev, a in zip(chain, chain[1:]):
        lk = a.manifest["link"]
        where = "edition %d" % lk["edition"]
        if lk["base_digest"] != bd:
            problems.append((where, "%s: base_digest %s is not H(manifest) of the base %s"
                             % (a.path, lk["base_digest"].hex(), base.path)))
        if lk["prev_tree_size"] != prev.manifest["tree"][0]:
            problems.append((where, "%s: prev_tree_size %d is not the tree_size %d of %s"
                             % (a.path, lk["prev_tree_size"], prev.manifest["tree"][0], prev.path)))
        if a.read(a.tree_section["offset"] + 16, 1)[0] != stride:
            problems.append((where, "%s: its tree's stride is not the base's %d" % (a.path, stride)))
        why = rotation_problem(a, prev)
        if why:
            problems.append((where, "%s: %s" % (a.path, why)))


def extent_problem(t, e):
    """Section 15.15: a ref_kind 1 entry's extent in the data stream of t
    (the edition it names), and its content's digest."""
    cl, off, size = e["cluster"], e["offset"], e["size"]
    if size == 0:
        ok = cl == NO_CLUSTER and off == 0 and e["digest"] == H(b"")
        return None if ok else "an empty extent must have cluster FFFFFFFF, offset 0"
    if cl >= len(t.clusters) or off >= t.clusters[cl]["raw_size"]:
        return "cluster %d, offset %d is not in the data stream of edition %d" % (
            cl, off, e["ref_edition"])
    s = t.clusters[cl]["start"] + off
    if s + size > t.manifest["content_bytes"]:
        return "stream bytes %d to %d run past the end %d of edition %d's data stream" % (
            s, s + size, t.manifest["content_bytes"], e["ref_edition"])
    h = hashlib.blake2b(digest_size=32)
    end, i = s + size, cl
    while s < end:
        data, _ = t.read_cluster(i)
        if data is None:
            return "cluster %d of edition %d is damaged" % (i, e["ref_edition"])
        cs = t.cluster_start[i]
        h.update(data[s - cs:min(end, cs + len(data)) - cs])
        s = cs + len(data)
        i += 1
    if h.digest() != e["digest"]:
        return "H(content) in edition %d is %s, not the entry's digest %s" % (
            e["ref_edition"], h.hexdigest(), e["digest"].hex())
    return None


def chain_state(chain):
    """Section 15.15: the state edition by edition: withdrawals of paths the
    state holds, references into earlier editions, the folder rule."""
    state = {}
    for k, a in enumerate(chain):
        for e in a.all_entries():
            where = "document %s" % show_text(e["path"])
            if k and e["kind"] == 1 and e["path"] not in state:
                a.problem(where, e["file_offset"], "withdraws a path that the chain's state "
                          "before edition %d does not hold" % k)
            if e.get("ref_kind") == 1 and e["ref_edition"] < k:
                why = extent_problem(chain[e["ref_edition"]], e)
                if why:
                    a.problem(where, e["file_offset"], why)
                else:
                    a.info.append("%s: its content, in edition %d, matches its digest"
                                  % (show_text(e["path"]), e["ref_edition"]))
            if e["kind"] == 1:
                state.pop(e["path"], None)
            else:
                state[e["path"]] = k
        folders = []
        for path in sorted(state):
            f = folder_of(folders, path)
            if f is not None:
                a.problem("state", 0, "in the state at edition %d, %s is inside %s, which would "
                          "have to be a folder (section 5.1)" % (k, show_text(path), show_text(f)))
    return state


def run_chain(newest, trusted, out, files):
    """Section 15.15: verify of a chain given its newest edition (steps 1-7
    passed): every file oldest first, the chain checks, the state."""
    problems = []
    chain = find_chain(newest, trusted, files, problems)
    whole = not problems and all(not a.problems for a in chain) and \
        "link" not in chain[0].manifest
    if whole:
        chain_links(chain, problems)
    known = {}
    for a in chain:
        if a.problems:
            continue
        try:
            a.verify_body()
            a.body_checked = True
            a.check_leaves()
            if "link" in a.manifest:
                a.check_etree(known if whole else None)
                a.check_paths()
            else:
                a.check_tree()
            a.check_tail()
            known.update(a.stored_nodes() or {})
        except Stop:
            pass
        except Short as e:
            a.problem("archive", e.offset, "%s past the end of the file (%d bytes)" % (e.what, a.size))
    if whole and all(a.body_checked for a in chain):
        chain_state(chain)
    bad = False
    newer = True
    for a in chain:
        ed = a.manifest["link"]["edition"] if a.manifest and "link" in a.manifest else 0
        if a.manifest and a.signature_ok:
            out.write("edition %d %s: %d entries, signed by %s key ID %s%s\n" % (
                ed, a.path, a.manifest["document_count"],
                "trusted" if a.signer_trusted else "untrusted", key_text(a),
                ", rotated by a statement of the previous signer"
                if ed and a.manifest["link"]["statement"] else ""))
        else:
            out.write("edition ? %s: NOT valid\n" % a.path)
        for line in a.info:
            out.write("info  %s\n" % line)
        for where, off, text in a.tail_problems:
            out.write("TAIL  %s: %s, %s: %s\n" % (a.path, where, at(off), text))
        report(a, out)
        bad |= bool(a.problems)
        newer &= a.needs_newer_only()
    for where, text in problems:
        out.write("FAIL  chain, %s: %s\n" % (where, text))
    total = len(problems) + sum(len(a.problems) for a in chain)
    if problems or (bad and not newer):
        out.write("%s: %d problem(s) found; the chain is NOT valid\n" % (newest.path, total))
        return 1
    if bad:
        out.write("%s: needs a newer reader: this one cannot check all of the chain\n" % newest.path)
        return 2
    trusted_any = any(a.signer_trusted for a in chain)
    out.write("%s: a chain of %d editions; every file, the links, the tree across the chain, "
              "the path filters and the state check out\n" % (newest.path, len(chain)))
    # section 15.15, trust: a trusted signer of some edition, and a valid
    # statement at every key change after it (checked above)
    out.write("valid signature by %s key ID %s%s\n" % (
        "trusted" if trusted_any else "untrusted", key_text(newest),
        "" if newest.signer_trusted or not trusted_any else
        " (rotated from a trusted key by valid statements)"))
    return 0 if trusted_any else 3


def run_checks(path, trusted, out, files=()):
    """Opens and checks everything. Returns (archive, exit code)."""
    try:
        arc = Archive(path)
    except OSError as e:
        sys.stderr.write("npkcheck: cannot open %s: %s\n" % (path, e.strerror))
        return None, 2
    try:
        try:
            arc.open(trusted)
            if "link" in arc.manifest:  # section 15.15: an edition reads as its chain
                return arc, run_chain(arc, trusted, out, files)
            arc.verify_body()
            arc.body_checked = True
            arc.check_leaves()
            arc.check_tree()
            arc.check_tail()
        except Stop:
            pass
        except Short as e:
            arc.problem("archive", e.offset, "%s past the end of the file (%d bytes)"
                        % (e.what, arc.size))
    except OSError as e:
        sys.stderr.write("npkcheck: reading %s: %s\n" % (path, e.strerror))
        return arc, 2
    for line in arc.info:
        out.write("info  %s\n" % line)
    # section 15.5: the tail's own lines; the exit code is the signed part's
    for where, off, text in arc.tail_problems:
        out.write("TAIL  %s, %s: %s\n" % (where, at(off), text))
    if arc.problems and arc.needs_newer_only():
        report(arc, out)
        out.write("%s: needs a newer reader: this one cannot check all of it (%d item(s) above); "
                  "no damage found in what it could check\n" % (path, len(arc.problems)))
        if arc.signature_ok:
            out.write("valid signature by %s key ID %s\n" % (
                "trusted" if arc.signer_trusted else "untrusted", key_id_text(arc.sig["key_id"])))
        return arc, 2
    if arc.problems:
        report(arc, out)
        out.write("%s: %d problem(s) found; the archive is NOT valid\n" % (path, len(arc.problems)))
        return arc, 1
    m = arc.manifest
    kid = key_id_text(arc.sig["key_id"])
    out.write("%s: %d documents, %d content bytes in %d clusters, %d index pages; header, "
              "trailer, manifest, tables, every page, cluster and document digest check out\n"
              % (path, m["document_count"], m["content_bytes"], m["cluster_count"], m["page_count"]))
    out.write("trusted comment: %s\n" % show_text(arc.sig["comment"], 1100))
    if arc.signer_trusted:
        out.write("valid signature by trusted key ID %s\n" % kid)
        return arc, 0
    if trusted is not None:
        out.write("valid signature by untrusted key ID %s (the trusted key is %s)\n"
                  % (kid, key_id_text(trusted[0])))
    else:
        out.write("valid signature by untrusted key ID %s\n" % kid)
    return arc, 3


def cmd_verify(args):
    trusted = load_trusted(args)
    if trusted == "error":
        return 2
    arc, rc = run_checks(args.archive, trusted, sys.stdout, args.chain)
    if arc:
        arc.close()
    return rc


def load_trusted(args):
    if not args.pubkey:
        return None
    try:
        return load_public_key(args.pubkey)
    except KeyFileError as e:
        sys.stderr.write("npkcheck: %s\n" % e)
        return "error"


def cmd_extract(args):
    trusted = load_trusted(args)
    if trusted == "error":
        return 2
    arc, rc = run_checks(args.archive, trusted, sys.stdout)
    if arc is None:
        return rc
    try:
        # section 11: a failure in steps 1 to 7 writes nothing; damage after
        # them costs only the documents it touches
        if rc in (1, 2) and not arc.body_checked:
            sys.stderr.write("npkcheck: nothing extracted\n")
            return rc
        if trusted is not None and not arc.signer_trusted:
            sys.stderr.write("npkcheck: not signed by the given key; nothing extracted\n")
            return 3
        if not arc.signer_trusted:
            sys.stderr.write("npkcheck: no key given (-p): extracting from an archive signed by "
                             "untrusted key ID %s\n" % key_id_text(arc.sig["key_id"]))
        n_rc = extract_all(arc, args.dir)
        return n_rc if n_rc == 2 or rc not in (1, 2) else rc
    finally:
        arc.close()


def extract_damage(arc):
    """The documents verify found damaged, each named (section 11,
    on_damage = CONTINUE): those of index pages that could not be read, and
    those stored in a damaged cluster or failing their digest. Returns the
    count and the entries not to write (by id)."""
    hidden = 0
    for k in sorted(arc.entries):
        if arc.entries[k] is None:
            p = arc.pages[k]
            hidden += p["count"]
            sys.stderr.write("npkcheck: index page %d cannot be read: its %d documents (from %s) "
                             "are not written\n" % (k, p["count"], show_text(p["first_path"])))
    bad = set()
    for e in arc.all_entries():
        if e["kind"] in (1, 2) or (e["size"] > 0 and e.get("stream") is None):
            continue
        why = None
        if e.get("bad_clusters") or e.get("unreadable_clusters"):
            why = "stored in cluster(s) %s, which cannot be read" % ", ".join(
                str(i) for i in e.get("bad_clusters", []) + e.get("unreadable_clusters", []))
        elif "hasher" in e and e["hasher"].digest() != e["digest"]:
            why = "digest mismatch"
        if why is not None:
            bad.add(id(e))
            sys.stderr.write("npkcheck: %s: %s, not written\n" % (show_text(e["path"]), why))
    return hidden + len(bad), bad


def extract_all(arc, dest):
    cache = {}
    n = 0
    damaged, bad = extract_damage(arc)
    try:
        os.makedirs(dest, exist_ok=True)
        for e in arc.all_entries():
            if id(e) in bad:
                continue
            # section 15.7: a withdrawn document has no content to write; a
            # link is written only when asked for, which this reader never is
            if e["kind"] in (1, 3):
                sys.stderr.write("npkcheck: %s: %s, not written\n" % (
                    show_text(e["path"]), "withdrawn" if e["kind"] == 1 else "a symbolic link"))
                continue
            if e["kind"] == 2:
                os.makedirs(os.path.join(dest, *e["path"].decode("utf-8").split("/")), exist_ok=True)
                continue
            data = arc.document_bytes(e, cache)
            if H(data) != e["digest"]:      # verify found it intact: cannot happen
                sys.stderr.write("npkcheck: %s: digest mismatch, not written\n" % show_text(e["path"]))
                damaged += 1
                continue
            # The path was checked (section 5.1): relative, no "." or ".." component.
            rel = e["path"].decode("utf-8")
            target = os.path.join(dest, *rel.split("/"))
            parent = os.path.dirname(target)
            os.makedirs(parent, exist_ok=True)
            tmp = os.path.join(parent, ".npkcheck-tmp-%d" % os.getpid())
            with open(tmp, "wb") as f:
                f.write(data)
            os.replace(tmp, target)
            n += 1
    except (OSError, Stop) as e:
        sys.stderr.write("npkcheck: extract failed: %s\n" % e)
        return 2
    sys.stdout.write("extracted %d documents to %s\n" % (n, dest))
    if damaged:
        sys.stderr.write("npkcheck: %d of %d documents damaged, not written\n"
                         % (damaged, arc.manifest["document_count"]))
        return 1
    return 0


# ---------------------------------------------------------------------------
# protect and repair: the tail of sections 15.9 (survival copies) and 15.10
# (parity), written by the writer rules and newspack's choices there, and the
# repair algorithm of 15.10 with the reference codec of 15.12

COPY_MAGIC = b"NPKCOPY\n"         # section 15.9
PARITY_MAGIC = b"NPKPRTY\n"       # section 15.10
SEC_COPIES = 2
SEC_PARITY = 3
PARITY_B = 4096                   # newspack's block size B
PARITY_GROUP_MAX = 1 << 25        # newspack: the parity of one group, p S B, at most 32 MiB
PARITY_MAX_BYTES = 1 << 40        # 15.10: G p S B at most 2^40

# --- reference codec begin (spec/format.md 15.12) ---
# GF(2^8) with the polynomial x^8 + x^4 + x^3 + x^2 + 1 (0x11D); 2 generates it.
def gf_tables():
    """EXP[e] = 2^e, twice over so that EXP[a + b] needs no mod; LOG[2^e] = e."""
    exp, log = [0] * 510, [0] * 256
    x = 1
    for e in range(255):
        exp[e] = exp[e + 255] = x
        log[x] = e
        x <<= 1
        if x & 0x100:
            x ^= 0x11D
    return exp, log


EXP, LOG = gf_tables()


def mul(a, b):
    return EXP[LOG[a] + LOG[b]] if a and b else 0


def inv(a):                      # a != 0
    return EXP[255 - LOG[a]]


def coef(k, j, i):
    """C[j][i] of 15.10: parity row j (0 to p - 1), data position i (0 to k - 1)."""
    return inv((k + j) ^ i)


# Multiplying a whole block by a constant c: bytes.translate with the table of
# c times every byte value, then XOR of blocks as integers (little-endian).
TIMES = [bytes(mul(c, v) for v in range(256)) for c in range(256)]


def scaled(c, block):
    """c * block, as an integer to XOR into a sum."""
    return int.from_bytes(block.translate(TIMES[c]), "little")


def encode(k, p, data):
    """The p parity blocks of a stripe. data: its k data blocks in order (any
    iterable), bytes of one length; a zero block stands for a missing one."""
    parity = [0] * p
    for i, block in enumerate(data):
        for j in range(p):
            parity[j] ^= scaled(coef(k, j, i), block)
    return [v.to_bytes(len(block), "little") for v in parity]


def invert(m):
    """The inverse of a square matrix over GF(2^8), by Gauss-Jordan elimination."""
    e = len(m)
    a = [list(row) + [int(r == c) for c in range(e)] for r, row in enumerate(m)]
    for c in range(e):
        r = next(r for r in range(c, e) if a[r][c])   # exists: m is invertible
        a[c], a[r] = a[r], a[c]
        t = inv(a[c][c])
        a[c] = [mul(t, v) for v in a[c]]
        for r in range(e):
            if r != c and a[r][c]:
                f = a[r][c]
                a[r] = [v ^ mul(f, w) for v, w in zip(a[r], a[c])]
    return [row[e:] for row in a]


def repair(k, lost, rows, blocks):
    """Rebuilds the lost data blocks of a stripe (15.10, repair step 4).
    lost: the lost data positions; rows: the intact parity rows, at least
    len(lost) of them; blocks[i]: data block i for every i not lost (a zero
    block past the data), blocks[k + j]: parity block j for every j in rows.
    Returns {i: the rebuilt block i} for every i in lost."""
    lost = sorted(lost)
    use = sorted(rows)[:len(lost)]
    n = len(blocks[k + use[0]]) if use else 0
    y = []                       # syndromes: Y_a = P_j + the intact data's part of it
    for j in use:
        acc = int.from_bytes(blocks[k + j], "little")
        for i in range(k):
            if i not in lost:
                acc ^= scaled(coef(k, j, i), blocks[i])
        y.append(acc.to_bytes(n, "little"))
    minv = invert([[coef(k, j, i) for i in lost] for j in use])
    out = {}
    for c, i in enumerate(lost):
        acc = 0
        for a in range(len(use)):
            acc ^= scaled(minv[c][a], y[a])
        out[i] = acc.to_bytes(n, "little")
    return out
# --- reference codec end ---


def crc32(data):
    """CRC-32 of ISO-HDLC (15.9), as zlib computes it."""
    return zlib.crc32(data) & 0xFFFFFFFF


def ceil_div(a, b):
    return -(-a // b)


def newspack_geometry(n, percent):
    """15.10, newspack's choice for --parity percent over n data blocks of
    PARITY_B bytes: (k, p, S)."""
    k = min(240, 25600 // (100 + percent))
    p = ceil_div(k * percent, 100)
    while k + p > 256:
        k -= 1
    if n < k:
        k, p = n, ceil_div(n * percent, 100)
    s = min(ceil_div(n, k), max(1, PARITY_GROUP_MAX // (p * PARITY_B)))
    return k, p, s


class Geometry(object):
    """The numbers of a parity section (15.10) over a signed part of size bytes."""

    def __init__(self, size, b, k, p, s, offset):
        self.size, self.b, self.k, self.p, self.s, self.offset = size, b, k, p, s, offset
        self.n = ceil_div(size, b)
        self.g = ceil_div(self.n, k * s)
        self.parity_blocks = self.g * p * s
        self.t = 4 * (self.n + self.parity_blocks)
        self.length = 128 + 2 * self.t + self.parity_blocks * b
        self.blocks_at = offset + 64 + self.t              # parity block 0
        self.table_b_at = self.blocks_at + self.parity_blocks * b
        self.copy2_at = self.table_b_at + self.t           # the header's second copy

    def block(self, g, i, s):
        """Data block number of position (g, i, s); n or more is a zero block."""
        return (g * self.k + i) * self.s + s

    def header(self):
        h = struct.pack("<8s4H4I3QI", PARITY_MAGIC, 1, self.k, self.p, 0, self.b, self.s, self.g,
                        0, self.size, self.n, self.offset, 0)
        return h + struct.pack("<I", crc32(h))


def parse_parity_header(raw):
    """15.10: a Geometry from 64 bytes, or (None, why) when a rule fails."""
    if len(raw) != 64 or raw[:8] != PARITY_MAGIC:
        return None, "no parity header magic"
    (ver, k, p, res1, b, s, g, res2, size, n, offset, res3) = struct.unpack_from("<4H4I3QI", raw, 8)
    if crc32(raw[:60]) != struct.unpack_from("<I", raw, 60)[0]:
        return None, "header_crc does not match"
    if ver != 1 or res1 or res2 or res3:
        return None, "version %d or a reserved field not zero" % ver
    if not (1 <= k <= 255 and 1 <= p <= 255 and k + p <= 256):
        return None, "k %d, p %d out of range" % (k, p)
    if b & (b - 1) or not 512 <= b <= 1048576 or s < 1 or size < 64:
        return None, "block_size %d, stripes %d or protected_size %d out of range" % (b, s, size)
    geo = Geometry(size, b, k, p, s, offset)
    if n != geo.n or g != geo.g or geo.parity_blocks * b > PARITY_MAX_BYTES:
        return None, "data_blocks %d or groups %d do not follow from the rest" % (n, g)
    return geo, None


def copy_extents(arc):
    """15.9, newspack's extents: the header, the compression dictionary's
    section when the file has one (15.18), the two tables, and the manifest
    with the signature block and signed trailer. (Encryption stanzas,
    section type 8, are not read by this checker: it refuses a sealed
    archive.)"""
    mo = arc.trailer["manifest_offset"]
    pto = arc.manifest["page_table_offset"]
    ext = [(0, 32)]
    if arc.dict_section is not None:
        ext.append((arc.dict_section["offset"], arc.dict_section["length"]))
    if mo > pto:
        ext.append((pto, mo - pto))
    ext.append((mo, arc.signed_size - mo))
    return ext


def write_parity(fd, geo):
    """Appends the parity section of geo (15.10) at geo.offset, computing it
    from the signed part in [0, geo.size) of fd. Each group is coded in one
    call of encode: the S blocks of one position, consecutive in the file,
    make one block of S B bytes (15.12)."""
    k, p, s, b = geo.k, geo.p, geo.s, geo.b
    crcs = []
    parity_crcs = []

    def positions(g):
        for i in range(k):
            first = geo.block(g, i, 0) * b
            chunk = os.pread(fd, max(0, min(s * b, geo.size - first)), first)
            for at in range(0, len(chunk), b):
                crcs.append(crc32(chunk[at:at + b]))
            yield chunk + bytes(s * b - len(chunk))

    pos = geo.blocks_at
    for g in range(geo.g):
        for row in encode(k, p, positions(g)):
            os.pwrite(fd, row, pos)
            pos += len(row)
            parity_crcs.extend(crc32(row[at:at + b]) for at in range(0, len(row), b))
    table = struct.pack("<%dI" % (geo.n + geo.parity_blocks), *(crcs + parity_crcs))
    for off in (geo.offset + 64, geo.table_b_at):
        os.pwrite(fd, table, off)
    for off in (geo.offset, geo.copy2_at):
        os.pwrite(fd, geo.header(), off)
    return geo.length


def write_copies(fd, size, extents, offset):
    """Appends the survival copies (15.9) at offset. The parity section comes
    first in newspack's tail, so pad_len is 0."""
    head = struct.pack("<8sQII", COPY_MAGIC, size, len(extents), 0)
    head += b"".join(struct.pack("<QQ", o, n) for o, n in extents)
    head += struct.pack("<I", crc32(head))
    os.pwrite(fd, head, offset)
    pos = offset + len(head)
    for o, n in extents:
        os.pwrite(fd, os.pread(fd, n, o), pos)
        pos += n
    return pos - offset


def section_digest(fd, off, length):
    h = hashlib.blake2b(digest_size=32)
    done = 0
    while done < length:
        chunk = os.pread(fd, min(1 << 22, length - done), off + done)
        h.update(chunk)
        done += len(chunk)
    return h.digest()


def write_tail(path, size, shape, extents):
    """Writes, after the signed part of size bytes that path holds, the tail
    of 15.5: the parity section (shape: B, k, p, S), the survival copies when
    extents is not None, the tail directory and the tail trailer. Returns
    the Geometry."""
    fd = os.open(path, os.O_RDWR)
    try:
        os.ftruncate(fd, size)
        b, k, p, s = shape
        geo = Geometry(size, b, k, p, s, size)
        sections = [(SEC_PARITY, size, write_parity(fd, geo))]
        if extents is not None:
            off = size + sections[0][2]
            sections.append((SEC_COPIES, off, write_copies(fd, size, extents, off)))
        directory = struct.pack("<I", len(sections))
        for typ, off, length in sorted(sections):        # (type, offset) order
            directory += struct.pack("<HHIQQ", typ, 2, 0, off, length)
            directory += section_digest(fd, off, length)
        doff = sections[-1][1] + sections[-1][2]
        os.pwrite(fd, directory, doff)
        os.pwrite(fd, struct.pack("<QQII8s", size, doff, len(directory), 0, TAIL_MAGIC),
                  doff + len(directory))
        os.fsync(fd)
    finally:
        os.close(fd)
    return geo


def checked(path):
    """Verifies path (without a key): (archive, "") when it checks out, else
    (None, what verify printed)."""
    out = io.StringIO()
    arc, rc = run_checks(path, None, out)
    if rc in (0, 3):
        return arc, ""
    if arc:
        arc.close()
    return None, out.getvalue()


def new_beside(out_path):
    return os.path.join(os.path.dirname(os.path.abspath(out_path)),
                        ".npkcheck-%d-%s" % (os.getpid(), os.path.basename(out_path)))


def protect_shape(args, size):
    """(k, p, S): newspack's choice for --parity, or --geometry's, or None."""
    n = ceil_div(size, PARITY_B)
    if args.geometry is None:
        return newspack_geometry(n, args.parity) if 1 <= args.parity <= 100 else None
    try:
        k, p, s = (int(v) for v in args.geometry.split(","))
    except ValueError:
        return None
    ok = 1 <= k <= 255 and 1 <= p <= 255 and k + p <= 256 and s >= 1
    return (k, p, s) if ok and ceil_div(n, k * s) * p * s * PARITY_B <= PARITY_MAX_BYTES else None


def cmd_protect(args):
    arc, why = checked(args.archive)
    if arc is None:
        sys.stderr.write(why + "npkcheck: %s does not verify: not protected\n" % args.archive)
        return 1
    size, extents = arc.signed_size, copy_extents(arc)
    arc.close()
    shape = protect_shape(args, size)
    if shape is None:
        sys.stderr.write("npkcheck: --parity must be 1 to 100, --geometry K,P,S with k and p 1 "
                         "to 255, k + p <= 256, S >= 1 (15.10)\n")
        return 2
    tmp = new_beside(args.out)
    try:
        with open(args.archive, "rb") as src, open(tmp, "wb") as dst:
            copy_bytes(src, dst, size)
        geo = write_tail(tmp, size, (PARITY_B,) + shape, extents)
        os.replace(tmp, args.out)
    except OSError as e:
        sys.stderr.write("npkcheck: protect failed: %s\n" % e)
        if os.path.exists(tmp):
            os.unlink(tmp)
        return 2
    sys.stdout.write("%s: %d data blocks of %d bytes; k %d, p %d, %d stripe(s) per group, %d "
                     "group(s): parity section of %d bytes, then %d survival copies\n"
                     % (args.out, geo.n, geo.b, geo.k, geo.p, geo.s, geo.g, geo.length,
                        len(extents)))
    return 0


def copy_bytes(src, dst, n):
    while n > 0:
        chunk = src.read(min(n, 1 << 22))
        if not chunk:
            raise OSError("the file ends early")
        dst.write(chunk)
        n -= len(chunk)


def find_parity(f, size):
    """15.10 repair step 1: the Geometry of the parity section named by the
    tail directory's type-3 record, else of a header copy found by scanning
    that lies where its own section_offset puts it; None when there is none."""
    candidates = []
    if size >= 96 and pread(f, size - 8, 8) == TAIL_MAGIC:
        t = parse_tail_trailer(pread(f, size - 32, 32))
        if t["directory_offset"] + t["directory_len"] == size - 32:
            records, why = directory_records(pread(f, t["directory_offset"], t["directory_len"]),
                                             t["signed_size"], t["directory_offset"], True)
            candidates = [at for x in records or [] if x["type"] == SEC_PARITY
                          for at in (x["offset"], x["offset"] + x["length"] - 64)]
    if size > 0:
        mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        try:
            at = mm.find(PARITY_MAGIC)
            while at >= 0:
                candidates.append(at)
                at = mm.find(PARITY_MAGIC, at + 1)
        finally:
            mm.close()
    for at in candidates:
        geo, why = parse_parity_header(pread(f, at, 64))
        if geo and at in (geo.offset, geo.copy2_at):
            return geo
    return None


def pread(f, off, n):
    """Up to n bytes at off; fewer past the end of the file."""
    return os.pread(f.fileno(), n, off) if off >= 0 else b""


def mark_blocks(f, geo):
    """15.10 repair step 2: (lost data blocks, lost parity blocks), as sets."""
    tables = []
    for off in (geo.offset + 64, geo.table_b_at):
        raw = pread(f, off, geo.t)
        tables.append(struct.unpack("<%dI" % (len(raw) // 4), raw[:len(raw) // 4 * 4]))

    def intact(x, data):            # copy A or copy B of the table says so
        crc = crc32(data)
        return any(x < len(t) and t[x] == crc for t in tables)

    lost_data = set()
    for x in range(geo.n):
        want = min(geo.b, geo.size - x * geo.b)
        data = pread(f, x * geo.b, want)
        if len(data) != want or not intact(x, data):
            lost_data.add(x)
    lost_parity = set()
    for x in range(geo.parity_blocks):
        data = pread(f, geo.blocks_at + x * geo.b, geo.b)
        if len(data) != geo.b or not intact(geo.n + x, data):
            lost_parity.add(x)
    return lost_data, lost_parity


def repair_stripes(f, geo, lost_data, lost_parity, out_fd):
    """15.10 repair step 4, each stripe with a lost data block: writes the
    rebuilt blocks into out_fd. Returns (blocks rebuilt, stripes that
    cannot be repaired)."""
    k, b = geo.k, geo.b
    stripes = sorted({((x // (k * geo.s)), x % geo.s) for x in lost_data})
    rebuilt, cannot = 0, []
    for g, s in stripes:
        lost = [i for i in range(k) if geo.block(g, i, s) in lost_data]
        rows = [j for j in range(geo.p) if (g * geo.p + j) * geo.s + s not in lost_parity]
        if len(lost) > len(rows):
            cannot.append((g, s, len(lost), len(rows)))
            continue
        blocks = {}
        for i in range(k):
            x = geo.block(g, i, s)
            if i not in lost:          # its real bytes (none past the data), then zeros
                real = max(0, min(b, geo.size - x * b))
                blocks[i] = pread(f, x * b, real).ljust(b, b"\0")
        for j in rows[:len(lost)]:
            blocks[k + j] = pread(f, geo.blocks_at + ((g * geo.p + j) * geo.s + s) * b, b)
        for i, data in repair(k, lost, rows, blocks).items():
            x = geo.block(g, i, s)
            os.pwrite(out_fd, data[:geo.size - x * b], x * b)
            rebuilt += 1
    return rebuilt, cannot


def cmd_repair(args):
    tmp = new_beside(args.out)
    try:
        with open(args.archive, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            geo = find_parity(f, size)
            if geo is None:
                sys.stderr.write("npkcheck: %s: no parity section found (15.10): cannot repair\n"
                                 % args.archive)
                return 1
            lost_data, lost_parity = mark_blocks(f, geo)
            sys.stdout.write("%s: parity section at %d: %d data blocks of %d bytes, k %d, p %d, "
                             "%d stripe(s) per group, %d group(s); %d data and %d parity "
                             "block(s) lost\n" % (args.archive, geo.offset, geo.n, geo.b, geo.k,
                                                  geo.p, geo.s, geo.g, len(lost_data),
                                                  len(lost_parity)))
            with open(tmp, "wb") as dst:       # what is there, then zeros to geo.size
                f.seek(0)
                copy_bytes(f, dst, min(size, geo.size))
                dst.truncate(geo.size)
            fd = os.open(tmp, os.O_RDWR)
            try:
                rebuilt, cannot = repair_stripes(f, geo, lost_data, lost_parity, fd)
            finally:
                os.close(fd)
        for g, s, e, j in cannot:
            sys.stdout.write("stripe %d of group %d: %d data blocks lost, %d parity blocks "
                             "intact: cannot be repaired\n" % (s, g, e, j))
        if cannot:
            sys.stderr.write("npkcheck: %s: %d stripe(s) cannot be repaired\n"
                             % (args.archive, len(cannot)))
            os.unlink(tmp)
            return 1
        arc, why = checked(tmp)
        if arc is None:
            sys.stderr.write(why + "npkcheck: %s: the rebuilt signed part does not verify: "
                             "not written\n" % args.archive)
            os.unlink(tmp)
            return 1
        extents = copy_extents(arc)       # the tail as protect writes it, whatever was there
        arc.close()
        write_tail(tmp, geo.size, (geo.b, geo.k, geo.p, geo.s), extents)
        os.replace(tmp, args.out)
    except OSError as e:
        sys.stderr.write("npkcheck: repair failed: %s\n" % e)
        if os.path.exists(tmp):
            os.unlink(tmp)
        return 2
    sys.stdout.write("%s: %d data block(s) rebuilt; the signed part verifies; the tail written "
                     "again (parity, survival copies)\n" % (args.out, rebuilt))
    return 0


# ---------------------------------------------------------------------------
# digests

def md_code(text):
    """text as a Markdown code span that can stand in a table cell."""
    text = text.replace("|", "\\|")
    run = longest = 0
    for ch in text:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return fence + pad + text + pad + fence


def span(off, size):
    """The bytes off to off + size - 1, as in the README's table."""
    return "%d-%d" % (off, off + size - 1) if size else "none, at %d" % off


def whole_file_table(name, data):
    return ("Whole-file digests of %s (%d bytes):\n\n"
            "| Algorithm | Digest |\n"
            "|-----------|--------|\n"
            "| SHA-256 | `%s` |\n"
            "| BLAKE2b-256 | `%s` |\n"
            % (md_code(name), len(data), hashlib.sha256(data).hexdigest(), H(data).hex()))


def digests_table(arc):
    """Every digest a verified archive stores, with what it covers and where it
    is stored, as a Markdown table."""
    m = arc.manifest
    mo, ms = arc.trailer["manifest_offset"], arc.trailer["manifest_size"]
    pto, pts, cts = m["page_table_offset"], m["page_table_size"], m["cluster_table_size"]
    rows = [("header (bytes 0-31)", m["header_digest"].hex(),
             "manifest `header_digest` (%d)" % (mo + 72)),
            ("page table (%s)" % span(pto, pts), m["page_table_digest"].hex(),
             "manifest `page_table_digest` (%d)" % (mo + 104)),
            ("cluster table (%s)" % span(pto + pts, cts), m["cluster_table_digest"].hex(),
             "manifest `cluster_table_digest` (%d)" % (mo + 136))]
    objs = [(c["offset"], "cluster", c, "cluster table entry %d (%d)"
             % (c["number"], c["entry_offset"] + 16)) for c in arc.clusters]
    objs += [(p["offset"], "page", p, "page table entry %d (%d)"
              % (p["number"], p["entry_offset"] + 28)) for p in arc.pages]
    for off, kind, e, where in sorted(objs, key=lambda x: x[0]):
        rows.append(("%s %d object (%s)" % (kind, e["number"], span(off, e["length"])),
                     e["digest"].hex(), where))
    for e in arc.all_entries():
        page = arc.pages[e["page"]]
        rows.append(("document %s%s" % (md_code(e["path"].decode("utf-8")),
                                        " (empty)" if e["size"] == 0 else ""),
                     e["digest"].hex(),
                     "page %d, entry %d (decoded byte +%d)"
                     % (e["page"], e["ordinal"] - page["first_ordinal"],
                        e["decoded_offset"] + 18 + len(e["path"]))))
    rows.append(("H512(manifest) (%s)" % span(mo, ms), H512(arc.manifest_bytes).hex(),
                 "signed by `signature` (%d)" % (arc.sig["offset"] + 10)))
    out = ["| What | Digest | Stored at (offset) |",
           "|------|--------|--------------------|"]
    out += ["| %s | `%s` | %s |" % r for r in rows]
    return "\n".join(out) + "\n"


def cmd_digests(args):
    if args.whole_file:
        try:
            with open(args.archive, "rb") as f:
                data = f.read()
        except OSError as e:
            sys.stderr.write("npkcheck: cannot read %s: %s\n" % (args.archive, e.strerror))
            return 2
        sys.stdout.write(whole_file_table(args.archive, data))
        return 0
    buf = io.StringIO()
    arc, rc = run_checks(args.archive, None, buf)
    if arc is None:
        return rc
    try:
        if rc not in (0, 3):
            sys.stderr.write(buf.getvalue())
            sys.stderr.write("npkcheck: verify did not pass (exit %d); no digests printed\n" % rc)
            return rc
        sys.stdout.write(digests_table(arc))
        return 0
    finally:
        arc.close()


# ---------------------------------------------------------------------------
# dump

HEX_ROW = 16


def hex_rows(raw):
    """Rows of hex. Fields up to 64 bytes are shown whole; longer ones as their
    first 32 and last 16 bytes."""
    def rows(b):
        return [" ".join("%02x" % x for x in b[i:i + HEX_ROW]) for i in range(0, len(b), HEX_ROW)]
    if len(raw) <= 64:
        return rows(raw) or [""]
    return rows(raw[:32]) + ["... %d bytes not shown ..." % (len(raw) - 48)] + rows(raw[-16:])


class Dumper(object):
    def __init__(self, out):
        self.out = out

    def line(self, s=""):
        self.out.write(s.rstrip() + "\n")

    def heading(self, title, off, size):
        self.line()
        self.line("%s: offset %d (0x%x), %d bytes, to %d (0x%x)" % (title, off, off, size,
                                                                    off + size, off + size))

    def fields(self, fields, relative=False):
        for f in fields:
            if f.size == 0 and f.name.startswith("--"):
                self.line("  %s, at +%d" % (f.name, f.off))
                continue
            if relative:
                pos = "%8s %-10s" % ("+%d" % f.off, "+0x%x" % f.off)
            else:
                pos = "%8d %-10s" % (f.off, "0x%x" % f.off)
            rows = hex_rows(f.raw)
            val = "" if f.value is None else str(f.value)
            if f.note:
                val = (val + "  " if val else "") + "[" + f.note + "]"
            self.line("%s %5d  %-22s %-47s  %s" % (pos, f.size, f.name, rows[0], val))
            for r in rows[1:]:
                self.line("%s %5s  %-22s %s" % (" " * 19, "", "", r))

    def note(self, text):
        self.line("  -> " + text)


def ok_or(actual, expected):
    return "ok" if actual == expected else "MISMATCH (computed %s)" % actual.hex()


def document_content(doc, clusters, cluster_data):
    """A document's bytes from decoded clusters, or None if one is missing."""
    if doc["size"] == 0:
        return b""
    if doc.get("stream") is None:
        return None
    out = []
    s, end = doc["stream"], doc["stream"] + doc["size"]
    for c in clusters:
        cs, ce = c["start"], c["start"] + c["raw_size"]
        if ce <= s or cs >= end:
            continue
        data = cluster_data.get(c["number"])
        if data is None:
            return None
        out.append(data[max(s, cs) - cs:min(end, ce) - cs])
    return b"".join(out)


def directory_fields(data, base, tail):
    """Sections 15.3 and 15.5: a directory's bytes as fields, however wrong."""
    c = Cursor(data, base)
    try:
        count = c.u32("count")
        for i in range(count):
            c.fields.append(Field(c.pos, 0, "-- section %d" % i, b"", None))
            c.u16("type")
            typ = c.fields[-1].value
            c.fields[-1].value = "%d (%s)" % (typ, SECTION_TYPE_NAMES.get(typ, "reserved"))
            flags = c.u16("flags")
            names = [n for bit, n in ((1, "critical"), (2, "outside the signed part"))
                     if flags & bit]
            c.fields[-1].value = "0x%04x (%s)" % (flags, ", ".join(names) or "none")
            if flags & ~(3 if tail else 1):
                c.note("INVALID: reserved bits" if not tail or flags & ~3 else "INVALID")
            if tail and not flags & 2:
                c.note("INVALID: bit 1 must be set in the tail")
            c.u32("reserved")
            c.u64("offset")
            c.u64("length")
            c.take(32, "digest")
        if c.left():
            c.take(c.left(), "trailing bytes (INVALID)")
    except Short:
        if c.left():
            c.take(c.left(), "truncated (INVALID)")
    return c.fields


def tail_trailer_fields(raw, base):
    """Section 15.5: the tail trailer's fields."""
    c = Cursor(raw, base)
    c.u64("signed_size")
    c.u64("directory_offset")
    c.u32("directory_len")
    c.u32("reserved")
    c.take(8, "magic")
    c.fields[-1].value = show_bytes(c.fields[-1].raw)
    return c.fields


def dictionary_fields(data, base):
    """Section 15.18: a compression dictionary section's bytes as fields,
    however wrong."""
    c = Cursor(data, base)
    try:
        c.take(8, "magic")
        c.fields[-1].value = show_bytes(c.fields[-1].raw)
        c.u32("reserved")
        c.u32("content_len")
        c.take(c.left(), "content")
        c.fields[-1].value = "%d bytes of raw content" % c.fields[-1].size
    except Short:
        if c.left():
            c.take(c.left(), "truncated (INVALID)")
    return c.fields


def dump_sections(d, arc, records, what, expected):
    """Each section's bytes and its digest (15.4 in the body, 15.5 in the tail);
    a compression dictionary's fields (15.18)."""
    for x in records:
        raw = arc.read(x["offset"], x["length"])
        dig = H(raw)
        d.heading("%s %d, type %d (%s)" % (what, x["number"], x["type"],
                                          SECTION_TYPE_NAMES.get(x["type"], "reserved")),
                  x["offset"], x["length"])
        if x["type"] == SECTION_DICT and what == "Section":
            d.fields(dictionary_fields(raw, x["offset"]))
            why = dictionary_problem(raw)
            d.note("compression dictionary (15.18): %s" % ("PROBLEM: the section " + why if why
                   else "%d bytes of raw content, the history of every cluster of codec 3"
                   % (len(raw) - DICT_HEADER)))
        else:
            d.fields([Field(x["offset"], len(raw), "bytes", raw, None)])
        d.note("H(section) = %s  %s" % (dig.hex(), "ok" if dig == x["digest"] else
                                        "MISMATCH (the directory says %s)" % x["digest"].hex()))
        expected.append(("%s %d" % (what.lower(), x["number"]), dig))


def dump_tail(d, arc, expected):
    """Section 15.5: the tail trailer, the tail directory and the tail's
    sections; returns the layout lines. Never trusted: shown, not used."""
    end = arc.size - 32
    raw = arc.read(end, 32)
    t = parse_tail_trailer(raw)
    doff, dlen = t["directory_offset"], t["directory_len"]
    lines = []
    records = []
    inside = arc.signed_size <= doff and doff + dlen == end
    if inside:
        data = arc.read(doff, dlen)
        records, why = directory_records(data, arc.signed_size, doff, True)
        records = records or []
        for x in records:
            lines.append((x["offset"], x["length"], "tail section %d (type %d)"
                          % (x["number"], x["type"])))
        lines.append((doff, dlen, "tail directory (%d records)" % len(records)))
        dump_sections(d, arc, records, "Tail section", expected)
        d.heading("Tail directory (section 15.5; record format of 15.3)", doff, dlen)
        d.fields(directory_fields(data, doff, True))
        if why:
            d.note("PROBLEM: %s" % why)
    lines.append((end, 32, "tail trailer"))
    d.heading("Tail trailer (section 15.5)", end, 32)
    d.fields(tail_trailer_fields(raw, end))
    if not inside:
        d.note("PROBLEM: the tail directory (%d bytes at %d) does not end at the tail trailer"
               % (dlen, doff))
    d.note("the tail is never trusted: a damaged tail changes no verdict")
    return lines


def cmd_dump(args):
    out = sys.stdout
    try:
        arc = Archive(args.archive)
    except OSError as e:
        sys.stderr.write("npkcheck: cannot open %s: %s\n" % (args.archive, e.strerror))
        return 2
    try:
        return dump(arc, args.archive, Dumper(out))
    finally:
        arc.close()


def dump(arc, name, d):
    whole = arc.read(0, arc.size)
    d.line("npkcheck dump of %s" % name)
    d.line("file size   %d bytes" % arc.size)
    d.line("SHA-256     %s" % hashlib.sha256(whole).hexdigest())
    d.line("BLAKE2b-256 %s" % H(whole).hex())
    d.line()
    d.line("Columns: offset (decimal, hex), size in bytes, field, raw bytes, decoded value.")
    d.line("Offsets are file offsets, except those written +N: offsets in an object's decoded")
    d.line("bytes. Fields over 64 bytes show their first 32 and last 16 bytes.")
    expected = []
    problems = []
    try:
        h = arc.parse_header()
    except Stop:
        d.line("the file is too small to hold a header")
        return 1
    arc.v11 = bool(h["required_flags"] & CONTAINER11)     # section 15.7: entries of 1.1
    d.heading("Header (section 3)", 0, 32)
    d.fields(h["fields"])
    hd = H(h["raw"])
    try:
        t = arc.parse_trailer()
    except Stop:
        d.line("the file is too small to hold a trailer")
        return 1
    mo, ms, ss = t["manifest_offset"], t["manifest_size"], t["signature_size"]
    if mo + ms + ss + 32 != arc.signed_size or ms > MAX_MANIFEST or ss < SIG_FIXED or mo < 32:
        d.heading("Trailer (section 9)", t["offset"], 32)
        d.fields(t["fields"])
        d.note("the trailer does not describe this file; nothing more can be located")
        return 1
    arc.manifest_bytes = arc.read(mo, ms)
    m = arc.parse_manifest(problems)
    s = arc.parse_signature()
    layout_ok = not m.get("truncated")
    pages, clusters = [], []
    pt_fields, ct_fields = [], []
    if layout_ok:
        pto = m["page_table_offset"]
        pts, cts = m["page_table_size"], m["cluster_table_size"]
        layout_ok = (32 <= pto and pto + pts + cts == mo and cts == 48 * m["cluster_count"]
                     and pts <= MAX_PAGE_TABLE)
    if layout_ok:
        praw = arc.read(pto, pts)
        craw = arc.read(pto + pts, cts)
        pages, pt_fields = arc.parse_page_table(praw, pto, problems, m["page_count"])
        clusters, ct_fields = arc.parse_cluster_table(craw, pto + pts)
        start = 0
        for c in clusters:
            c["start"] = start
            start += c["raw_size"]
        arc.clusters = clusters
        arc.cluster_start = [c["start"] for c in clusters]
        pages = pages or []
    # decode every page first, so that clusters can name their documents
    page_dumps = {}
    docs = []
    for p in pages:
        if p["offset"] + p["length"] > arc.size or p["length"] < OBJ_HEADER:
            page_dumps[p["number"]] = None
            continue
        raw = arc.read(p["offset"], p["length"])
        o = arc.parse_object_header(raw, p["offset"])
        data, why = decode_payload(o["codec"], raw[OBJ_HEADER:], o["raw_size"])
        ents, fields = None, []
        if data is not None:
            nxt = None
            i = p["number"]
            if i + 1 < len(pages):
                nxt = pages[i + 1]["first_path"]
            ents, eprobs, fields = parse_entries(data, p, nxt, clusters, m.get("content_bytes", 0),
                                                  arc.v11)
            if ents is None:
                # show what could be parsed anyway
                why = "; ".join("+%d: %s" % (a, b) for a, b in eprobs)
        page_dumps[p["number"]] = (raw, o, data, why, fields)
        if ents:
            docs.extend(ents)
    # the section directory (15.3), where the manifest holds it
    dir_data, dir_off, ext_type, sections = None, None, None, []
    for f in m.get("fields", []):
        if f.name == "extension type":
            ext_type = f.value
        elif f.name == "extension data" and ext_type == EXT_DIRECTORY and arc.v11:
            dir_data, dir_off = f.raw, f.off
    if dir_data is not None and layout_ok:
        sections = directory_records(dir_data, 32, pto, False)[0] or []
    # the compression dictionary (15.18), for the clusters of codec 3
    dict_content, dict_why = None, "in a file without a compression dictionary (section type 12)"
    dicts = [x for x in sections if x["type"] == SECTION_DICT]
    if len(dicts) > 1:
        dict_why = "in a file of %d compression dictionaries (one at most)" % len(dicts)
    elif dicts:
        x = dicts[0]
        dict_why = "the compression dictionary (section %d) " % x["number"]
        if x["offset"] + x["length"] > arc.size or x["length"] > DICT_HEADER + DICT_MAX:
            dict_why += "does not fit the file or is longer than a dictionary"
        else:
            raw = arc.read(x["offset"], x["length"])
            why = "does not match its digest" if H(raw) != x["digest"] else \
                dictionary_problem(raw)
            if why:
                dict_why += why
            else:
                dict_content, dict_why = raw[DICT_HEADER:], None
    # objects in file order
    objs = [("page", p) for p in pages] + [("cluster", c) for c in clusters]
    objs += [("section", x) for x in sections]
    objs.sort(key=lambda x: x[1]["offset"])
    cluster_data = {}
    d.line()
    d.line("Layout")
    d.line("  %10s %10s  %s" % ("offset", "size", "structure"))
    d.line("  %10d %10d  header" % (0, 32))
    for kind, e in objs:
        d.line("  %10d %10d  %s %d %s" % (e["offset"], e["length"], kind, e["number"],
                                          "(type %d)" % e["type"] if kind == "section" else "object"))
    if layout_ok:
        d.line("  %10d %10d  page table (%d entries)" % (pto, pts, len(pages)))
        d.line("  %10d %10d  cluster table (%d entries)" % (pto + pts, cts, len(clusters)))
    d.line("  %10d %10d  manifest" % (mo, ms))
    d.line("  %10d %10d  signature block" % (mo + ms, ss))
    d.line("  %10d %10d  trailer" % (arc.signed_size - 32, 32))
    tail_lines = []
    if arc.has_tail:
        d.line("  %10d             end of the signed part; the unsigned tail (section 15.5):"
               % arc.signed_size)
        tail_out = io.StringIO()
        tail_expected = []
        tail_lines = dump_tail(Dumper(tail_out), arc, tail_expected)
        for off, size, what in tail_lines:
            d.line("  %10d %10d  %s" % (off, size, what))
    d.line("  %10d             end of file" % arc.size)
    for kind, e in objs:
        n = e["number"]
        if kind == "section":
            dump_sections(d, arc, [e], "Section", expected)
            continue
        if e["offset"] + e["length"] > arc.size or e["length"] < OBJ_HEADER:
            d.heading("%s %d object: outside the file" % (kind.capitalize(), n), e["offset"], e["length"])
            continue
        raw = arc.read(e["offset"], e["length"])
        dig = H(raw)
        expected.append(("%s %d object" % (kind, n), dig))
        title = "Index page %d object (sections 4.1, 5.2)" % n if kind == "page" else \
            "Cluster %d object (sections 4.1, 4.2)" % n
        d.heading(title, e["offset"], e["length"])
        o = arc.parse_object_header(raw, e["offset"])
        d.fields(o["fields"])
        d.fields([Field(e["offset"] + OBJ_HEADER, len(raw) - OBJ_HEADER, "payload",
                        raw[OBJ_HEADER:], "%s, %d bytes" % (CODEC_NAMES.get(o["codec"], "?"),
                                                           len(raw) - OBJ_HEADER))])
        d.note("H(object) = %s  %s" % (dig.hex(), ok_or(dig, e["digest"])))
        if o["codec"] in (2, 3):
            info, why = zstd_frame(raw[OBJ_HEADER:], e["raw_size"])
            d.note("zstd frame: %s" % zstd_describe(info) if info else why)
        if o["codec"] == 3:
            d.note("codec 3 (15.18): %s" % (
                "an index page of codec 3: only clusters use it" if kind == "page" else
                "PROBLEM: " + dict_why if dict_why else "decoded with the compression "
                "dictionary's %d bytes of raw content as history" % len(dict_content)))
        if kind == "page":
            pd = page_dumps.get(n)
            if pd is None:
                continue
            _, _, data, why, fields = pd
            if data is None:
                d.note("cannot decode: %s" % why)
                continue
            d.note("decoded: %d bytes, %d entries%s" % (len(data), e["count"],
                                                         "" if not why else "; PROBLEMS: " + why))
            d.fields(fields, relative=True)
        else:
            data, why = decode_payload(o["codec"], raw[OBJ_HEADER:], e["raw_size"], dict_content)
            if data is None:
                d.note("cannot decode: %s" % why)
                continue
            cluster_data[n] = data
            cs = e["start"]
            ce = cs + e["raw_size"]
            d.note("decoded: %d bytes, data stream bytes %d to %d" % (len(data), cs, ce))
            for doc in docs:
                st = doc.get("stream")
                if st is None or doc["size"] == 0 or st >= ce or st + doc["size"] <= cs:
                    continue
                lo, hi = max(st, cs) - cs, min(st + doc["size"], ce) - cs
                part = ""
                if st < cs:
                    part += ", continued from cluster %d" % (n - 1)
                if st + doc["size"] > ce:
                    part += ", continues in cluster %d" % (n + 1)
                d.line("  +%-8d %8d bytes  %s (size %d%s)" % (lo, hi - lo, show_text(doc["path"]),
                                                             doc["size"], part))
                d.line("  %10s %s" % ("", show_bytes(data[lo:hi], 100)))
    if layout_ok:
        d.heading("Page table (section 6.1)", pto, pts)
        d.fields(pt_fields)
        d.note("H(page table) = %s  %s" % (H(praw).hex(), ok_or(H(praw), m["page_table_digest"])))
        d.heading("Cluster table (section 6.2)", pto + pts, cts)
        d.fields(ct_fields)
        d.note("H(cluster table) = %s  %s" % (H(craw).hex(), ok_or(H(craw), m["cluster_table_digest"])))
        expected.insert(0, ("cluster table", H(craw)))
        expected.insert(0, ("page table", H(praw)))
    d.heading("Manifest (section 7)", mo, ms)
    for f in m["fields"]:
        if f.name == "extension data" and f.off == dir_off:
            f.value = "the section directory (below)"
    for f in m["fields"]:
        if f.name == "created" and isinstance(f.value, int):
            try:
                when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(f.value))
            except (OverflowError, OSError, ValueError):
                when = "(out of this system's range)"
            f.value = "%d = %s" % (f.value, when)
    d.fields(m["fields"])
    expected.insert(0, ("header", hd))
    d.note("H512(manifest) = %s" % H512(arc.manifest_bytes).hex())
    d.heading("Signature block (section 8)", mo + ms, ss)
    d.fields(s["fields"])
    hm = H512(arc.manifest_bytes)
    spk = m.get("signer_public_key", b"")
    ok1 = ed25519_verify(spk, hm, s["signature"])
    ok2 = ed25519_verify(spk, s["signature"] + s["comment"], s["global"])
    d.note("key_id %s the manifest's signer_key_id" % ("equals" if s["key_id"] == m.get("signer_key_id")
                                                       else "DIFFERS FROM"))
    d.note("signature over H512(manifest) with signer_public_key: %s" % ("good" if ok1 else "BAD"))
    d.note("global_signature over signature || trusted_comment: %s" % ("good" if ok2 else "BAD"))
    d.note("minisign line 2: %s" % base64.b64encode(s["alg"] + s["key_id"] + s["signature"]).decode())
    d.note("minisign line 4: %s" % base64.b64encode(s["global"]).decode())
    if dir_data is not None:
        d.heading("Section directory (section 15.3, manifest extension type 1)", dir_off,
                  len(dir_data))
        d.fields(directory_fields(dir_data, dir_off, False))
    d.heading("Trailer (section 9)", t["offset"], 32)
    d.fields(t["fields"])
    if arc.has_tail:
        d.out.write(tail_out.getvalue())
        expected += tail_expected
    d.line()
    d.line("Expected digests (BLAKE2b-256 unless marked)")
    for label, dig in expected:
        d.line("  %-28s %s" % (label, dig.hex()))
    for doc in docs:
        content = document_content(doc, clusters, cluster_data)
        if content is None:
            shown = "(not computable: a cluster is damaged)"
        else:
            shown = H(content).hex()
            if H(content) != doc["digest"]:
                shown += "  MISMATCH (entry says %s)" % doc["digest"].hex()
        d.line("  %-28s %s" % ("document " + show_text(doc["path"]), shown))
    d.line("  %-28s %s" % ("manifest (H512)", hm[:32].hex()))
    d.line("  %-28s %s" % ("", hm[32:].hex()))
    # the verdict
    d.line()
    rc = 0
    for off, text in problems:
        d.line("problem: %s: %s" % (at(off), text))
        rc = 1
    d.line("verify (without a trusted key):")
    buf = io.StringIO()
    a2 = Archive(arc.path)
    try:
        try:
            a2.open(None)
            a2.verify_body()
            a2.check_leaves()
            a2.check_tree()
            a2.check_tail()
        except Stop:
            pass
        except Short as e:
            a2.problem("archive", e.offset, "%s past the end of the file" % e.what)
    finally:
        a2.close()
    if a2.problems:
        report(a2, buf)
        rc = 2 if rc == 0 and a2.needs_newer_only() else 1
    else:
        buf.write("all checks pass; valid signature by untrusted key ID %s\n"
                  % key_id_text(a2.sig["key_id"]))
    for where, off, text in a2.tail_problems:
        buf.write("TAIL  %s, %s: %s\n" % (where, at(off), text))
    for ln in buf.getvalue().splitlines():
        d.line("  " + ln)
    return rc


# ---------------------------------------------------------------------------

def main(argv):
    ap = argparse.ArgumentParser(prog="npkcheck.py",
                                 description="Independent reader of newspack archives (.npk).")
    sub = ap.add_subparsers(dest="command", metavar="COMMAND")
    v = sub.add_parser("verify", help="check every byte of an archive")
    v.add_argument("archive")
    v.add_argument("-p", "--pubkey", help="public key file of the trusted signer")
    v.add_argument("--chain", nargs="+", default=[], metavar="FILE",
                   help="earlier editions of the chain (section 15.15), in any order")
    dp = sub.add_parser("dump", help="annotated byte map of an archive")
    dp.add_argument("archive")
    x = sub.add_parser("extract", help="verify, then write every document under DIR")
    x.add_argument("archive")
    x.add_argument("dir")
    x.add_argument("-p", "--pubkey", help="public key file of the trusted signer")
    dg = sub.add_parser("digests", help="verify, then print every stored digest as a Markdown "
                        "table")
    dg.add_argument("archive")
    dg.add_argument("--whole-file", action="store_true",
                    help="print the file's size, SHA-256 and BLAKE2b-256 instead")
    pr = sub.add_parser("protect", help="write ARCHIVE with a new tail of parity and survival "
                        "copies (sections 15.9, 15.10) to OUT")
    pr.add_argument("archive")
    pr.add_argument("out")
    pr.add_argument("--parity", type=int, default=5, metavar="PERCENT",
                    help="parity in percent of the signed part, 1 to 100 (default 5)")
    pr.add_argument("--geometry", metavar="K,P,S",
                    help="k, p and S instead of newspack's choice for PERCENT (B stays 4096)")
    rp = sub.add_parser("repair", help="rebuild damaged bytes of ARCHIVE with its parity "
                        "(section 15.10), write the result to OUT")
    rp.add_argument("archive")
    rp.add_argument("out")
    args = ap.parse_args(argv)
    if args.command == "protect":
        return cmd_protect(args)
    if args.command == "repair":
        return cmd_repair(args)
    if args.command == "verify":
        return cmd_verify(args)
    if args.command == "dump":
        return cmd_dump(args)
    if args.command == "extract":
        return cmd_extract(args)
    if args.command == "digests":
        return cmd_digests(args)
    ap.print_usage(sys.stderr)
    return 2


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except BrokenPipeError:
        sys.exit(2)
