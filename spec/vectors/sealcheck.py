#!/usr/bin/env python3
"""sealcheck.py - spec/format.md 15.17 (and 15.18, the compression
dictionary, as a sealed archive holds it) written again from the spec alone,
with other implementations than newspack's libsodium: hashlib's BLAKE2b, the
ChaCha20-Poly1305 and X25519 of python3-cryptography (OpenSSL), HChaCha20
here, python3-argon2 (the Argon2 reference code), zlib and
python3-zstandard.

    python3 spec/vectors/sealcheck.py [spec/vectors/seal.txt]
        computes every vector of seal.txt from the inputs below, opens what
        it sealed, and compares each line; exit 0 when all agree, 1 otherwise
    python3 spec/vectors/sealcheck.py open ARCHIVE SECRETKEY [EARLIER.npk ...]
        opens a sealed archive with a recipient's (unencrypted) secret key
        file (keys.md 9): the seal's digest, the stanzas, the commitment, the
        sealed manifest, every index page and cluster opened and decoded
        (a cluster of codec 3 with the file's compression dictionary, its
        section type 12, 15.18), every chunk of every sealed section (the
        dictionary's checked by its rules), every index entry parsed (15.7)
        and every document checked against its digest, the sealed tree
        rebuilt from the leaves. An edition (15.15, 15.17.8) is opened with
        the files of its chain, found by their manifest digests among the
        EARLIER files or by the link's name beside ARCHIVE, each with the
        newest file's fk: the links, the references into earlier editions,
        the filters, the withdrawals and each file's sealed root over the
        chain's leaves; each file's clusters are decoded with that file's
        own dictionary. Prints the paths (in a chain each after its edition,
        e<N>) and a summary; exit 0 when all of it holds, 1 otherwise. The
        signature is checked by audit.
    python3 spec/vectors/sealcheck.py audit ARCHIVE PUBKEY
        what anyone can check of a sealed archive without a key (15.17.7):
        the signature by PUBKEY (a minisign public key file) over the
        manifest and the trusted comment, the manifest's sealed fields, the
        header and table digests, every object's sealed header and digest,
        the directory's types and critical bits (type 12, the dictionary,
        known and critical; an unknown critical type needs a newer reader),
        the seal's digest and layout, and that the objects and sections
        tile the body; of an edition its link as far as one file shows it
        (prev_tree_size 0, the filters, no tree section); opens nothing.
        Exit 0 when all of it holds.
"""
import hashlib
import struct
import sys
from types import SimpleNamespace

from argon2.low_level import Type, hash_secret_raw
from cryptography.hazmat.primitives.asymmetric.x25519 import (X25519PrivateKey,
                                                              X25519PublicKey)
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives import serialization


def kh(key, *parts):
    """KH(k, m): BLAKE2b-256 keyed with a 32-byte key (15.17.2)."""
    return hashlib.blake2b(b"".join(parts), key=key, digest_size=32).digest()


def u32(v):
    return struct.pack("<I", v)


def u64(v):
    return struct.pack("<Q", v)


# ---- XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha): HChaCha20, then the
# IETF construction with the nonce's last 8 bytes after 4 zero bytes

def _rotl(v, c):
    return ((v << c) & 0xffffffff) | (v >> (32 - c))


def _qr(s, a, b, c, d):
    s[a] = (s[a] + s[b]) & 0xffffffff; s[d] = _rotl(s[d] ^ s[a], 16)
    s[c] = (s[c] + s[d]) & 0xffffffff; s[b] = _rotl(s[b] ^ s[c], 12)
    s[a] = (s[a] + s[b]) & 0xffffffff; s[d] = _rotl(s[d] ^ s[a], 8)
    s[c] = (s[c] + s[d]) & 0xffffffff; s[b] = _rotl(s[b] ^ s[c], 7)


def hchacha20(key, nonce16):
    s = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]
    s += list(struct.unpack("<8I", key)) + list(struct.unpack("<4I", nonce16))
    for _ in range(10):
        _qr(s, 0, 4, 8, 12); _qr(s, 1, 5, 9, 13); _qr(s, 2, 6, 10, 14); _qr(s, 3, 7, 11, 15)
        _qr(s, 0, 5, 10, 15); _qr(s, 1, 6, 11, 12); _qr(s, 2, 7, 8, 13); _qr(s, 3, 4, 9, 14)
    return struct.pack("<8I", *(s[0:4] + s[12:16]))


def xaead_encrypt(key, nonce, plain, ad):
    sub = hchacha20(key, nonce[:16])
    return ChaCha20Poly1305(sub).encrypt(b"\0\0\0\0" + nonce[16:], plain, ad)


def xaead_decrypt(key, nonce, ct, ad):
    sub = hchacha20(key, nonce[:16])
    return ChaCha20Poly1305(sub).decrypt(b"\0\0\0\0" + nonce[16:], ct, ad)


# ---- 15.17.2 keys

def derive(fk, fid):
    return kh(fk, b"npk1 commitment", fid), kh(fk, b"npk1 objects", fid)


def object_key(ok, kind, n):
    return kh(ok, b"npk1 object", bytes([kind]), u64(n))


# ---- 15.17.5 sealing

def padme(L):
    if L < 2:
        return L
    E = L.bit_length() - 1
    S = E.bit_length()          # floor(log2 E) + 1
    z = E - S
    mask = (1 << z) - 1
    return (L + mask) & ~mask


def seal(ok, fid, kind, n, v, inner, nonce):
    P = padme(44 + len(inner)) - 44 + 4
    plain = u32(len(inner)) + inner + bytes(P - 4 - len(inner))
    ad = b"npk1" + fid + bytes([kind]) + u64(n) + u64(v)
    return nonce + xaead_encrypt(object_key(ok, kind, n), nonce, plain, ad)


def unseal(ok, fid, kind, n, v, stored):
    ad = b"npk1" + fid + bytes([kind]) + u64(n) + u64(v)
    plain = xaead_decrypt(object_key(ok, kind, n), stored[:24], stored[24:], ad)
    ilen = struct.unpack("<I", plain[:4])[0]
    assert 4 + ilen <= len(plain) and not any(plain[4 + ilen:])
    return plain[4:4 + ilen]


# ---- 15.17.4 stanzas

def x25519_pub(sec):
    return X25519PrivateKey.from_private_bytes(sec).public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def x25519(sec, pub):
    return X25519PrivateKey.from_private_bytes(sec).exchange(
        X25519PublicKey.from_public_bytes(pub))


def stanza_x25519(rpk, esk, fk):
    epk = x25519_pub(esk)
    w = kh(x25519(esk, rpk), b"npk1 x25519", epk, rpk)
    return epk + xaead_encrypt(w, bytes(24), fk, b"npk1 stanza")


def mth(hashes):
    """RFC 9162 2.1.1 over leaf hashes."""
    if not hashes:
        return hashlib.sha256(b"").digest()
    if len(hashes) == 1:
        return hashes[0]
    k = 1
    while k * 2 < len(hashes):
        k *= 2
    return hashlib.sha256(b"\1" + mth(hashes[:k]) + mth(hashes[k:])).digest()


def recipient_tag(fk, rpk):
    return kh(fk, b"npk1 recipient", rpk)


def stanza_x25519_open(rsk, body):
    rpk = x25519_pub(rsk)
    w = kh(x25519(rsk, body[:32]), b"npk1 x25519", body[:32], rpk)
    return xaead_decrypt(w, bytes(24), body[32:], b"npk1 stanza")


def stanza_passphrase(passphrase, salt, ops, mem_kib, nonce, fk):
    w = hash_secret_raw(passphrase, salt, time_cost=ops, memory_cost=mem_kib, parallelism=1,
                        hash_len=32, type=Type.ID, version=19)
    ad = b"npk1 stanza" + salt + u32(ops) + u32(mem_kib)
    return salt + u32(ops) + u32(mem_kib) + nonce + xaead_encrypt(w, nonce, fk, ad)


class Bad(Exception):
    pass


def need(cond, why):
    if not cond:
        raise Bad(why)


def secret_key(path):
    """keys.md 9: an unencrypted X1 secret key file: (secret, public)."""
    import base64
    lines = open(path, "rb").read().split(b"\n")
    need(lines[0].startswith(b"untrusted comment: "), "%s: not a key file" % path)
    raw = base64.b64decode(lines[1].strip(), validate=True)
    need(len(raw) == 158 and raw[:2] == b"X1", "%s: not an encryption secret key" % path)
    need(raw[2:4] == b"\0\0", "%s: protected by a passphrase (not read here)" % path)
    sec, pub = raw[62:94], raw[94:126]
    need(x25519_pub(sec) == pub, "%s: the halves do not match" % path)
    return sec, pub


NO_LEAF = 0xFFFFFFFFFFFFFFFF


def digest(data):
    """H: BLAKE2b-256 (section 1)."""
    return hashlib.blake2b(data, digest_size=32).digest()


def edition_link(body):
    """15.15: manifest extension type 3, checked as step 5c checks it, with
    prev_tree_size 0 as a sealed edition shows it (15.17.8)."""
    need(len(body) >= 82, "an edition link of %d bytes" % len(body))
    edition, lflags = struct.unpack_from("<II", body, 0)
    prev_tree_size, nlen = struct.unpack_from("<QH", body, 72)
    name = body[82:82 + nlen]
    need(1 <= edition <= 0xFFFFFFFE and lflags & ~1 == 0,
         "the edition link: edition %d, flags 0x%x" % (edition, lflags))
    need(len(body) == 82 + nlen + (184 if lflags & 1 else 0), "the edition link's length")
    need(1 <= nlen <= 255 and len(name) == nlen and b"/" not in name and b"\0" not in name
         and name not in (b".", b".."), "the edition link's prev_name is not a file name")
    name.decode("utf-8")                                        # raises when not UTF-8
    need(prev_tree_size == 0, "a sealed edition's link shows prev_tree_size %d" % prev_tree_size)
    return SimpleNamespace(edition=edition, prev_digest=body[8:40], base_digest=body[40:72],
                           name=name.decode("utf-8"),
                           statement=body[82 + nlen:202 + nlen] if lflags & 1 else None,
                           rotation_signature=body[202 + nlen:266 + nlen])


# 15.6: the body's section types known here, with the critical bit each MUST
# carry: the search index (7, 11), the seal (8), the filters (9, 10), the
# compression dictionary (12, 15.18)
KNOWN_SECTIONS = {7: 0, 8: 1, 9: 0, 10: 0, 11: 0, 12: 1}


def check_directory(sections):
    """15.3 step 5c, 15.6, 15.18 D1, for the records that can be checked
    without a key: reserved bits and bytes 0, a known type's critical bit as
    15.6 sets it, an unknown critical type refused as needing a newer
    reader, at most one compression dictionary (type 12)."""
    for i, (typ, fl, res, _, ln, _) in enumerate(sections):
        need(typ not in (1, 5), "section %d: a directory record of type %d, a manifest "
             "extension's number" % (i, typ))
        need(fl & ~1 == 0 and res == 0 and ln >= 1,
             "section %d (type %d): flags 0x%04x, reserved %d, length %d" % (i, typ, fl, res, ln))
        if typ in KNOWN_SECTIONS:
            need(fl == KNOWN_SECTIONS[typ], "section %d (type %d) %s critical" % (
                i, typ, "is not marked" if KNOWN_SECTIONS[typ] else "is marked"))
        else:
            need(not fl & 1, "section %d: type %d, critical: needs a newer reader" % (i, typ))
    need(sum(x[0] == 12 for x in sections) <= 1, "%d compression dictionaries (section type 12, "
         "15.18 D1)" % sum(x[0] == 12 for x in sections))


def manifest_extensions(m):
    """7.2 of a sealed archive's manifest (15.17.6): the section directory's
    records (checked by check_directory), the sealed root's commitment
    (type 4), if any, and the edition link (type 3, 15.15), if any."""
    o = 210 + struct.unpack_from("<H", m, 208)[0]
    sections, commit_root, link, last = [], None, None, 0
    for _ in range(struct.unpack_from("<H", m, o)[0]):
        typ, fl, ln = struct.unpack_from("<HHI", m, o + 2)
        need(typ > last, "the manifest's extensions are not in increasing type")
        last = typ
        if typ == 1:
            for k in range(struct.unpack_from("<I", m, o + 10)[0]):
                sections.append(struct.unpack_from("<HHIQQ32s", m, o + 14 + 56 * k))
        need(typ != 2, "a sealed archive shows its Merkle root")
        if typ == 3:                                            # the edition link
            need(fl == 1, "an edition link with flags %d" % fl)
            link = edition_link(m[o + 10:o + 10 + ln])
        if typ == 4:                                            # the root's commitment
            need(fl == 0 and ln == 32, "a root commitment of %d bytes" % ln)
            commit_root = m[o + 10:o + 42]
        o += 8 + ln
    need(o + 2 == len(m), "bytes after the manifest's extensions")
    check_directory(sections)
    if link is not None:                                        # 15.15 step 5c, 15.17.8
        types = [x[0] for x in sections]
        need(4 not in types, "a sealed edition stores a tree section")
        need(types.count(9) == 1 and types.count(10) <= 1,
             "an edition holds %d path filters and %d folder filters"
             % (types.count(9), types.count(10)))
        need(commit_root is not None, "an edition without its sealed root's commitment")
    return sections, commit_root, link


def signed_part(path):
    """The file's bytes up to its trailer's end (15.5: a tail is dropped)."""
    b = open(path, "rb").read()
    if b.endswith(b"NPKTAIL\n"):
        b = b[:struct.unpack_from("<Q", b, len(b) - 32)[0]]
    return b


def file_key(seal, fid, commit, keyfile):
    """15.17.4: the first X25519 stanza that opens with KEYFILE gives fk;
    returns fk, the stanza's number and the key's public half."""
    sec, pub = secret_key(keyfile)
    nst = struct.unpack_from("<H", seal, 10)[0]
    o = 80
    for i in range(nst):
        typ, r0, bl = struct.unpack_from("<BBH", seal, o)
        body = seal[o + 4:o + 4 + bl]
        o += 4 + bl
        if typ == 1 and bl == 80:
            try:
                fk = stanza_x25519_open(sec, body)
            except Exception:
                continue
            need(derive(fk, fid)[0] == commit, "stanza %d: a file key the commitment refuses" % i)
            return fk, i, pub
    raise Bad("not a recipient: no stanza opens with this key")


def check_filter(plain, magic, names, what):
    """15.15: the path filter (type 9) or the folder filter (type 10): its
    header, and every name's probe bits set."""
    need(len(plain) >= 32 and plain[:8] == magic, "the %s filter: bad magic" % what)
    count, m, k = struct.unpack_from("<QQB", plain, 8)
    need(64 <= m <= 1 << 35 and m % 64 == 0 and 1 <= k <= 32 and plain[25:32] == bytes(7)
         and len(plain) == 32 + m // 8, "the %s filter: its header or length" % what)
    need(count == len(names), "the %s filter counts %d, the entries have %d"
         % (what, count, len(names)))
    for name in names:
        d = digest(name)
        h1, h2 = struct.unpack_from("<QQ", d)
        for j in range(k):
            bit = ((h1 + j * (h2 | 1)) & 0xFFFFFFFFFFFFFFFF) % m
            need(plain[32 + (bit >> 3)] >> (bit & 7) & 1, "the %s filter does not hold %s"
                 % (what, name.decode("utf-8", "replace")))


def check_dictionary(plain, i):
    """15.18 D3: the compression dictionary's plaintext (section type 12, the
    section's i-th record): magic, reserved 0, 256 <= content_len <= 2^20,
    exactly 16 + content_len bytes, a raw content dictionary (not beginning
    with the structured dictionary's magic 37 A4 30 EC); returns the content."""
    what = "section %d: the compression dictionary (type 12)" % i
    need(len(plain) >= 16, "%s: %d bytes, shorter than its header" % (what, len(plain)))
    need(plain[:8] == b"NPKDICT\n", "%s: bad magic" % what)
    res, clen = struct.unpack_from("<II", plain, 8)
    need(res == 0, "%s: reserved %d" % (what, res))
    need(256 <= clen <= 1 << 20, "%s: content_len %d, not 256 to 1048576" % (what, clen))
    need(len(plain) == 16 + clen,
         "%s: %d bytes, not 16 + content_len %d" % (what, len(plain), clen))
    need(plain[16:20] != b"\x37\xa4\x30\xec", "%s: its content begins 37 A4 30 EC, a structured "
         "Zstandard dictionary's magic, not raw content" % what)
    return bytes(plain[16:])


def zstd_frame(frame, raw, what, single=False):
    """4.3 for codec 2, and 15.18 for codec 3 (single): what the frame's
    headers say, checked before it is decoded: one Zstandard frame (RFC 8878
    3.1.1) declaring its content size, equal to raw_size; no Dictionary_ID
    (0 or absent); a window of at most 64 MiB; codec 3: Single_Segment_flag
    set; its blocks and checksum ending exactly at the payload's end."""
    n = len(frame)
    need(n >= 5 and frame[:4] == b"\x28\xb5\x2f\xfd",
         "%s: its payload is not a Zstandard frame (magic 28 B5 2F FD)" % what)
    fhd = frame[4]
    fcs_flag, ss, chk, did_flag = fhd >> 6, fhd >> 5 & 1, fhd >> 2 & 1, fhd & 3
    need(not fhd & 8, "%s: zstd Frame_Header_Descriptor 0x%02x: the reserved bit" % (what, fhd))
    need(ss or not single, "%s: codec 3: the frame's Single_Segment_flag is clear "
         "(Frame_Header_Descriptor 0x%02x)" % (what, fhd))
    dsz, fsz = (0, 1, 2, 4)[did_flag], (ss, 2, 4, 8)[fcs_flag]
    p = 5 + (not ss)
    need(n >= p + dsz + fsz, "%s: zstd frame header is truncated" % what)
    window = None
    if not ss:                                                  # Window_Descriptor
        exp, mant = frame[5] >> 3, frame[5] & 7
        window = (1 << 10 + exp) + (1 << 10 + exp) // 8 * mant
    did = int.from_bytes(frame[p:p + dsz], "little")
    p += dsz
    need(did == 0, "%s: the zstd frame names dictionary %d" % (what, did))
    need(fsz, "%s: the zstd frame does not declare its content size" % what)
    fcs = int.from_bytes(frame[p:p + fsz], "little") + (256 if fsz == 2 else 0)
    p += fsz
    need(fcs == raw, "%s: the zstd frame declares %d bytes, raw_size is %d" % (what, fcs, raw))
    window = fcs if ss else window
    need(window <= 1 << 26, "%s: the zstd frame needs a window of %d bytes, above 64 MiB"
         % (what, window))
    while True:                                                 # Block_Header: 3 bytes
        need(p + 3 <= n, "%s: the zstd frame ends before its last block" % what)
        bh = int.from_bytes(frame[p:p + 3], "little")
        need(bh >> 1 & 3 != 3, "%s: a zstd block of the reserved Block_Type 3" % what)
        p += 3 + (1 if bh >> 1 & 3 == 1 else bh >> 3)           # an RLE block: one byte
        need(p <= n, "%s: a zstd block runs past the payload's end" % what)
        if bh & 1:
            break
    p += 4 * chk                                                # Content_Checksum
    need(p == n, "%s: the zstd frame ends at byte %d of the payload's %d" % (what, p, n)
         if p < n else "%s: the payload ends inside the zstd frame's Content_Checksum" % what)


def decode(codec, inner, raw, what, dictionary=None, cluster=True):
    """4.3, 15.8, 15.18: an opened object's payload INNER decoded by its
    codec to exactly RAW bytes (the sealed manifest's raw_size). Codec 3 is
    for clusters only, decoded with DICTIONARY, the content of the file's
    type-12 section, as a raw content dictionary; without one it is damage.
    libzstd checks a Content_Checksum when the frame has one, and refuses a
    match reaching before the dictionary's first byte."""
    import zlib
    import zstandard
    if codec == 0:
        need(len(inner) == raw, "%s: stored, %d bytes, not %d" % (what, len(inner), raw))
        return inner
    if codec == 1:                                              # one zlib stream, no FDICT
        d = zlib.decompressobj()
        try:
            data = d.decompress(inner, raw + 1)
        except zlib.error as e:
            raise Bad("%s: corrupt zlib stream (%s)" % (what, e))
        need(d.eof and not d.unused_data, "%s: the zlib stream %s" % (what, "is followed by bytes"
             if d.eof else "would give more than %d bytes" % raw if d.unconsumed_tail else
             "is truncated"))
    elif codec == 2 or codec == 3 and cluster:
        need(codec == 2 or dictionary is not None, "%s: codec 3 (zstd with the file's "
             "dictionary) in a file without a compression dictionary (section type 12, 15.18)"
             % what)
        zstd_frame(inner, raw, what, single=codec == 3)
        dict_data = None if codec == 2 else zstandard.ZstdCompressionDict(
            dictionary, dict_type=zstandard.DICT_TYPE_RAWCONTENT)
        try:
            data = zstandard.ZstdDecompressor(dict_data=dict_data).decompress(
                inner, max_output_size=raw)
        except zstandard.ZstdError as e:
            raise Bad("%s: corrupt zstd frame (codec %d: %s)" % (what, codec, e))
    else:
        need(codec != 3, "%s: codec 3 (zstd with the file's dictionary) is for clusters only "
             "(15.18)" % what)
        raise Bad("%s: codec %d is not supported: needs a newer reader" % (what, codec))
    need(len(data) == raw, "%s decodes to %d bytes, not %d" % (what, len(data), raw))
    return data


def open_sealed(path, keyfile=None, fk=None):
    """15.17.7 with a key, and 15.7 / 5.3 for the documents, for one file: the
    newest of a chain with KEYFILE (its stanzas give fk, its recipient tag is
    checked), an earlier one with the newest's fk (15.17.8: its commitment
    checked, its stanzas and tags not tried). Checks all the file alone can
    prove and returns what the chain needs: fk, the manifest's digest, the
    link, the data stream (its clusters decoded with this file's own
    compression dictionary, 15.18), the entries, their leaves and
    references."""
    b = signed_part(path)
    need(b[:8] == b"\x89NPK\r\n\x1a\n" and struct.unpack_from("<HH", b, 8) == (1, 1),
         "not a newspack 1.1 archive")
    flags = struct.unpack_from("<I", b, 12)[0]
    need(flags == 3, "required_flags 0x%08x: not a sealed 1.1 archive" % flags)
    mo, ml = struct.unpack_from("<QI", b, len(b) - 32)
    m = b[mo:mo + ml]
    nclusters, npages, pt_off, pt_size, ct_size = struct.unpack_from("<IIQII", m, 48)
    need(struct.unpack_from("<QQ", m, 32) == (0, 0), "the manifest shows its counts")
    kid, spk = m[168:176], m[176:208]
    sections, commit_root, link = manifest_extensions(m)
    seals = [x for x in sections if x[0] == 8]
    need(len(seals) == 1 and seals[0][1] == 1, "not one critical seal section")
    _, _, _, soff, slen, sdig = seals[0]
    seal = b[soff:soff + slen]
    need(digest(seal) == sdig, "the seal does not match its digest")
    need(seal[:8] == b"NPKSEAL\n", "bad seal magic")
    suite, nst, res = struct.unpack_from("<HHI", seal, 8)
    need(suite == 1 and 1 <= nst <= 64 and res == 0, "seal suite %d, %d stanzas" % (suite, nst))
    fid, commit = seal[16:48], seal[48:80]
    if keyfile is not None:
        fk, opened, pub = file_key(seal, fid, commit, keyfile)
    else:                                                       # 15.17.8: the chain's fk
        need(derive(fk, fid)[0] == commit,
             "sealed under another file key than the chain's newest file")
    _, ok = derive(fk, fid)
    o = 80
    for _ in range(nst):
        o += 4 + struct.unpack_from("<H", seal, o + 2)[0]
    sl = struct.unpack_from("<I", seal, o)[0]
    need(o + 4 + sl == len(seal), "the sealed manifest does not end the seal")
    p = unseal(ok, fid, 3, 0, 0, seal[o + 4:])
    need(p[:8] == b"NPKSMAN\n", "bad sealed manifest magic")
    docs, nbytes = struct.unpack_from("<QQ", p, 8)
    need(p[24:32] == kid and p[32:64] == spk, "sealed by another signer")
    need(struct.unpack_from("<III", p, 64) == (nclusters, npages, len(sections)), "counts differ")
    q = 80
    q += 2 + struct.unpack_from("<H", p, q)[0]                 # the archive's metadata
    next_ = struct.unpack_from("<H", p, q)[0]
    q += 2
    tree, prev_tree_size, last = None, None, 0
    for _ in range(next_):                                      # extensions (7.2)
        et, ef, el = struct.unpack_from("<HHI", p, q)
        body = p[q + 8:q + 8 + el]
        q += 8 + el
        need(et > last, "the sealed manifest's extensions are not in increasing type")
        last = et
        if et == 2:                                             # the sealed Merkle root
            need(el == 40 and ef == 0 and commit_root is not None, "a sealed root unannounced")
            tree = struct.unpack_from("<Q", body)[0], body[8:40]
            kt = kh(fk, b"npk1 tree", fid)
            need(kh(kt, b"npk1 root", u64(tree[0]), tree[1]) == commit_root,
                 "the sealed Merkle root is not the one the manifest commits to")
        elif et == 3:                                           # 15.17.8: the edition record
            need(ef == 1 and el == 8, "a sealed edition record of %d bytes, flags %d" % (el, ef))
            need(link is not None, "a sealed edition record without the manifest's edition link")
            prev_tree_size = struct.unpack_from("<Q", body)[0]
        elif et == 4:                                           # the recipient tags
            need(el == 32 * nst and ef == 0, "recipient tags of %d bytes" % el)
            if keyfile is not None:                             # 15.17.8: the newest only
                need(body[32 * opened:32 * opened + 32] == recipient_tag(fk, pub),
                     "the recipient tag of stanza %d does not name this key" % opened)
        else:
            need(not ef & 1, "a critical extension of type %d" % et)
    need((tree is None) == (commit_root is None), "a root commitment without the root")
    need(link is None or prev_tree_size is not None,
         "an edition link without the sealed edition record")
    raws = struct.unpack_from("<%dI" % nclusters, p, q)
    q += 4 * nclusters
    pages = []
    for _ in range(npages):
        praw, ford, cnt, fl = struct.unpack_from("<IQIH", p, q)
        pages.append((praw, ford, cnt, p[q + 18:q + 18 + fl]))
        q += 18 + fl
    filters, dictionary = {}, None
    for i, (typ, fl, _, soff2, slen2, sdig2) in enumerate(sections):   # 15.17.6: sections
        L, hp = struct.unpack_from("<Q", p, q)[0], p[q + 8:q + 40]
        q += 40
        if typ == 8:
            need(L == 0 and hp == bytes(32), "the sealed manifest describes the seal")
            continue
        need(typ in (7, 9, 10, 11, 12), "section %d: a sealed section of type %d needs a newer "
             "reader (15.17.6)" % (i, typ))
        need(digest(b[soff2:soff2 + slen2]) == sdig2,            # its stored bytes first
             "section %d (type %d) does not match its digest" % (i, typ))
        plain, at, j = bytearray(), soff2, 0
        while len(plain) < L:
            n = min(65536, L - len(plain))
            sl = padme(44 + n)                                  # 15.17.5: stored length
            need(at + sl <= soff2 + slen2, "section %d: its %d stored bytes hold fewer chunks "
                 "than a plaintext of %d bytes" % (i, slen2, L))
            try:
                plain += unseal(ok, fid, 4, (i << 32) + j, typ, b[at:at + sl])
            except Exception:       # InvalidTag, or a padding that is not zero
                raise Bad("section %d (type %d): chunk %d cannot be decrypted" % (i, typ, j))
            at, j = at + sl, j + 1
        need(at == soff2 + slen2 and len(plain) == L,
             "section %d: its chunks do not fill its %d stored bytes" % (i, slen2))
        need(digest(plain) == hp,
             "section %d: its plaintext does not match the sealed manifest's digest" % i)
        if typ in (9, 10):
            filters[typ] = bytes(plain)
        if typ == 12:                                           # 15.18 D2, D3
            dictionary = check_dictionary(plain, i)
    need(q == len(p), "bytes follow the sealed manifest")
    need(sum(raws) == nbytes, "the clusters do not hold the content's bytes")
    # the objects: cluster i and page k at their table's offsets; the
    # clusters of codec 3 with this file's own dictionary (15.18)
    stream, dict_clusters = bytearray(), 0
    for i in range(nclusters):
        off, ln, raw0 = struct.unpack_from("<QII", b, pt_off + pt_size + 48 * i)
        need(raw0 == 0, "cluster %d shows its raw size" % i)
        h, pay = b[off:off + 24], b[off + 24:off + ln]
        need(h[:4] == b"NPKC" and h[5] == 2, "cluster %d: not a sealed cluster" % i)
        inner = unseal(ok, fid, 1, i, raws[i], pay)
        stream += decode(h[4], inner, raws[i], "cluster %d" % i, dictionary)   # 4.3, 15.18
        dict_clusters += h[4] == 3
    starts = [0]
    for r in raws:
        starts.append(starts[-1] + r)
    o, entries, leaves, refs = pt_off, [], {}, []
    for k in range(npages):
        off, ln = struct.unpack_from("<QI", b, o)
        o += 62 + struct.unpack_from("<H", b, o + 60)[0]
        h, pay = b[off:off + 24], b[off + 24:off + ln]
        need(h[:4] == b"NPKP" and h[5] == 3, "page %d: not a sealed 1.1 page" % k)
        praw, ford, cnt, first = pages[k]
        inner = unseal(ok, fid, 2, k, cnt, pay)
        page = decode(h[4], inner, praw, "page %d" % k, cluster=False)     # 15.8; no codec 3
        e = 0
        for j in range(cnt):
            elen, kind, eflags, plen = struct.unpack_from("<IBBH", page, e)
            epath = page[e + 8:e + 8 + plen]
            name = epath.decode("utf-8", "replace")
            need(j > 0 or epath == first, "page %d starts with another path" % k)
            need(kind <= 3 and eflags == 0, "%s: kind %d, flags %d" % (name, kind, eflags))
            size, refk = struct.unpack_from("<QB", page, e + 8 + plen)
            at = e + 17 + plen
            if refk == 0:                                       # in this file's stream
                cl, coff = struct.unpack_from("<II", page, at)
                at += 8
            else:                                               # 15.15: an earlier file's
                need(refk == 1 and link is not None,
                     "%s: ref_kind %d here needs a newer reader" % (name, refk))
                ed, cl, coff = struct.unpack_from("<III", page, at)
                need(ed < link.edition, "%s: a reference to edition %d from edition %d"
                     % (name, ed, link.edition))
                at += 12
            dig = page[at:at + 32]
            leaf, salt = struct.unpack_from("<Q16s", page, at + 32)
            ml = page[at + 56]
            media = page[at + 57:at + 57 + ml]
            mlen = struct.unpack_from("<H", page, at + 57 + ml)[0]
            meta = page[at + 59 + ml:at + 59 + ml + mlen]
            need(at + 59 + ml + mlen <= e + elen <= praw, "%s: fields cross entry_len" % name)
            if kind in (1, 2):                                  # 15.7: no content
                need(size == 0 and refk == 0 and (cl, coff) == (0xFFFFFFFF, 0) and
                     dig == digest(b""), "%s: a withdrawal or folder holds content" % name)
            elif refk == 1:                                     # read with its edition
                refs.append((epath, ed, cl, coff, size, dig))
            else:
                need(size == 0 or cl < nclusters, "%s: cluster %d of %d" % (name, cl, nclusters))
                start = starts[cl] + coff if size else 0
                doc = bytes(stream[start:start + size])   # 5.2: an empty document names no cluster
                need(len(doc) == size and digest(doc) == dig, "%s: does not match its digest" % name)
            if leaf != NO_LEAF and (kind != 1 or link is not None):     # 15.13: the leaf data
                need(leaf not in leaves, "leaf %d twice" % leaf)
                leaves[leaf] = hashlib.sha256(               # leaf type 1: a withdrawal
                    b"\0" + bytes([kind == 1, kind]) + struct.pack("<H", plen) + epath +
                    struct.pack("<Q", size) + dig + bytes([ml]) + media +
                    struct.pack("<H", mlen) + meta +
                    salt).digest()
            entries.append((epath, kind))
            e += elen
        need(e == praw, "page %d: entries do not fill it" % k)
    need(len(entries) == docs, "%d entries, the sealed manifest says %d" % (len(entries), docs))
    paths = [x[0] for x in entries]
    if 9 in filters:
        check_filter(filters[9], b"NPKPATHS", paths, "path")
    if 10 in filters:
        folders = {x[:i] for x in paths for i in range(len(x)) if x[i] == 0x2F}
        check_filter(filters[10], b"NPKFOLDS", folders, "folder")
    return SimpleNamespace(
        path=path_name(path), fk=fk, fid=fid, manifest_digest=digest(m), link=link,
        signer=(kid, spk), prev_tree_size=prev_tree_size or 0, tree=tree, docs=docs,
        nbytes=nbytes, nclusters=nclusters, npages=npages, stream=stream, starts=starts,
        entries=entries, leaves=leaves, refs=refs, filters=len(filters),
        dictionary=dictionary, dict_clusters=dict_clusters)


def path_name(path):
    return path.rsplit("/", 1)[-1]


def find_previous(f, newest, given):
    """15.15 "Finding the files of a chain": edition k - 1 of F is the given
    file whose H(manifest) is F's prev_digest, else prev_name beside the
    newest file; returns its path, checked against prev_digest."""
    import os
    for g in given:
        b = signed_part(g)
        mo, ml = struct.unpack_from("<QI", b, len(b) - 32)
        if digest(b[mo:mo + ml]) == f.link.prev_digest:
            return g
    g = os.path.join(os.path.dirname(os.path.realpath(newest)), f.link.name)
    need(os.path.isfile(g), "edition %d (%s, manifest digest %s...) is missing: not beside %s; "
         "name it after the key file" % (f.link.edition - 1, f.link.name,
                                         f.link.prev_digest[:8].hex(), path_name(newest)))
    b = signed_part(g)
    mo, ml = struct.unpack_from("<QI", b, len(b) - 32)
    need(digest(b[mo:mo + ml]) == f.link.prev_digest,
         "%s is not edition %d of this chain (its manifest digest is not the link's)"
         % (g, f.link.edition - 1))
    return g


def check_rotation(prev, f):
    """15.15: the same signer as the edition before, or one its signer
    authorised by a rotation statement."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    st, ln = f.link.statement, f.link
    if f.signer == prev.signer:
        need(st is None, "edition %d holds a rotation statement without a key change" % ln.edition)
        return
    need(st is not None, "edition %d is signed by key %s, which the signer of edition %d did "
         "not authorise" % (ln.edition, f.signer[0][::-1].hex().upper(), ln.edition - 1))
    need(st[:8] == b"NPKROT1\n" and st[8:40] == ln.base_digest and st[40:72] == ln.prev_digest
         and struct.unpack_from("<II", st, 72) == (ln.edition, 0) and
         (st[80:88], st[88:120]) == f.signer, "edition %d: the rotation statement's fields" % ln.edition)
    Ed25519PublicKey.from_public_bytes(prev.signer[1]).verify(
        ln.rotation_signature, hashlib.blake2b(st, digest_size=64).digest())   # raises when bad


def dictionary_note(f):
    """The summary's words on a file's compression dictionary (15.18)."""
    if f.dictionary is None:
        return ""
    return ", %d cluster%s of codec 3 decoded with its compression dictionary (%d bytes)" % (
        f.dict_clusters, "s"[f.dict_clusters == 1:], len(f.dictionary))


def open_archive(path, keyfile, *earlier):
    """15.17.7 with a key, for a lone sealed archive or the newest file of a
    sealed chain (15.17.8): every file opened with the newest's fk, the links
    checked, every reference read in its edition (so with its edition's
    dictionary, 15.18), and each file's sealed root checked against the tree
    of the chain's leaves up to it."""
    files = [open_sealed(path, keyfile=keyfile)]
    while files[-1].link is not None:                           # down to the base
        f = files[-1]
        prev = find_previous(f, path, earlier)
        try:
            g = open_sealed(prev, fk=files[0].fk)
        except Bad as e:
            raise Bad("%s (edition %d): %s" % (prev, f.link.edition - 1, e))
        except Exception as e:      # an object that does not open, a short read
            raise Bad("%s (edition %d): does not check: %s"
                      % (prev, f.link.edition - 1, type(e).__name__))
        need((g.link.edition if g.link else 0) == f.link.edition - 1,
             "%s is edition %d, %s names edition %d before it" % (
                 g.path, g.link.edition if g.link else 0, f.path, f.link.edition - 1))
        files.append(g)
    files.reverse()
    base, chain = files[0], len(files) > 1
    for e, f in enumerate(files[1:], 1):                        # 15.15: the chain's checks
        prev = files[e - 1]
        need(f.link.base_digest == base.manifest_digest,
             "%s: its base_digest is not the base's manifest digest" % f.path)
        need(prev.tree is not None and f.prev_tree_size == prev.tree[0],
             "%s: prev_tree_size %d, edition %d has %s leaves" % (f.path, f.prev_tree_size, e - 1,
                                                                 prev.tree and prev.tree[0]))
        need(f.fid != prev.fid, "%s: the fid of the edition before" % f.path)
        check_rotation(prev, f)
    hashes, state, withdrawn = [], {}, 0
    for e, f in enumerate(files):
        for rp, ed, cl, coff, size, dig in f.refs:              # ref_kind 1: read there
            t = files[ed]
            need(size == 0 or cl < t.nclusters, "%s: %s: cluster %d of edition %d's %d"
                 % (f.path, rp.decode("utf-8", "replace"), cl, ed, t.nclusters))
            start = t.starts[cl] + coff if size else 0
            doc = bytes(t.stream[start:start + size])
            need(len(doc) == size and digest(doc) == dig, "%s: %s: edition %d's bytes do not "
                 "match its digest" % (f.path, rp.decode("utf-8", "replace"), ed))
        for p, kind in f.entries:                               # 15.15: withdrawals
            if kind == 1 and f.link is not None:
                need(state.get(p, 1) != 1, "%s: withdraws %s, which the state before edition %d "
                     "does not hold" % (f.path, p.decode("utf-8", "replace"), e))
                withdrawn += 1
        state.update(f.entries)
        if f.tree is None:                                      # a lone file without a tree
            need(not chain, "%s: a base without a Merkle tree" % f.path)
            continue
        p, n = f.prev_tree_size, f.tree[0]
        need(sorted(f.leaves) == list(range(p, n)), "%s: the leaves are not %d to %d"
             % (f.path, p, n) if chain else "the leaves are not 0 to %d" % n)
        need(f.link is None or f.docs == n - p, "%s: %d entries for leaves %d to %d"
             % (f.path, f.docs, p, n))
        hashes += [f.leaves[i] for i in range(p, n)]
        need(mth(hashes) == f.tree[1], "%s: the sealed Merkle root is not the tree of the "
             "chain's leaves" % f.path if chain else
             "the sealed Merkle root is not the tree of the entries' leaves")
    for e, f in enumerate(files):
        for p, kind in f.entries:
            print(("e%d\t" % e if chain else "") + p.decode("utf-8", "replace") +
                  ("\t(withdrawn)" if kind == 1 and f.link is not None else ""))
    if not chain:
        f = files[0]
        print("sealcheck: opened: %d entries, %d content bytes in %d clusters and %d index pages, "
              "every document matches its digest%s%s" % (f.docs, f.nbytes, f.nclusters, f.npages,
              dictionary_note(f),
              "; the sealed Merkle root is the tree of the %d leaves, as the manifest commits"
              % f.tree[0] if f.tree else ""))
        return
    for e, f in enumerate(files):
        print("sealcheck: opened edition %d (%s): %d entries, %d content bytes in %d clusters and "
              "%d index pages, every document matches its digest%s%s; leaves %d to %d, the sealed "
              "Merkle root is the tree of the chain's %d leaves, as the manifest commits"
              % (e, f.path, f.docs, f.nbytes, f.nclusters, f.npages, dictionary_note(f),
                 ", its filters hold every path and folder" if f.filters else "",
                 f.prev_tree_size, f.tree[0], f.tree[0]))
    refs = sum(len(f.refs) for f in files)
    print("sealcheck: opened a chain of %d files with the file key of %s: editions 0 to %d, %d "
          "leaves, %d reference%s to earlier editions read there, %d withdrawal%s; every link, "
          "document and sealed root checks"
          % (len(files), files[-1].path, len(files) - 1, len(hashes), refs, "s"[refs == 1:],
             withdrawn, "s"[withdrawn == 1:]))


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else __file__.rsplit("/", 1)[0] + "/seal.txt"
    want = {}
    with open(path) as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                k, v = line.split(" = ")
                want[k] = v.strip()
    fk, fid = bytes(range(0x00, 0x20)), bytes(range(0x20, 0x40))
    commit, ok = derive(fk, fid)
    got = {"commit": commit, "ok": ok,
           "key_1_0": object_key(ok, 1, 0),
           "key_2_5": object_key(ok, 2, 5),
           "key_4_3_1": object_key(ok, 4, (3 << 32) + 1)}
    inner = b"The seed article.\n"
    sealed = seal(ok, fid, 1, 7, 9, inner, bytes(range(0x40, 0x58)))
    assert unseal(ok, fid, 1, 7, 9, sealed) == inner
    got["seal_1_7_9"] = sealed
    rsk = bytes(range(0x60, 0x80))
    rpk = x25519_pub(rsk)
    got["rpk"] = rpk
    st = stanza_x25519(rpk, bytes(range(0x80, 0xa0)), fk)
    assert stanza_x25519_open(rsk, st) == fk
    got["stanza_x25519"] = st
    got["stanza_passphrase"] = stanza_passphrase(b"correct horse", bytes(range(0xa0, 0xb0)), 1,
                                                 8, bytes(range(0xb0, 0xc8)), fk)
    got["key_vector_pk"] = x25519_pub(bytes(range(0x00, 0x20)))
    got["tag_rpk"] = recipient_tag(fk, rpk)
    kt = kh(fk, b"npk1 tree", fid)
    got["tree_key"] = kt
    got["root_commit_3"] = kh(kt, b"npk1 root", u64(3), bytes(range(0xc0, 0xe0)))
    bad = 0
    for k, v in got.items():
        if want.get(k) != v.hex():
            print(f"sealcheck: {k}: {v.hex()} (seal.txt: {want.get(k)})")
            bad += 1
    for k in want:
        if k not in got:
            print(f"sealcheck: {k}: in seal.txt, not computed here")
            bad += 1
    print(f"sealcheck: {len(got) - bad} of {len(got)} vectors agree")
    return 1 if bad else 0


def audit_archive(path, pubfile):
    """15.17.7 without a key: steps 1-9 but for the opening."""
    import base64
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    lines = open(pubfile, "rb").read().split(b"\n")
    raw = base64.b64decode(lines[1].strip(), validate=True)
    need(len(raw) == 42 and raw[:2] == b"Ed", "%s: not a minisign public key" % pubfile)
    kid, pk = raw[2:10], raw[10:42]
    b = open(path, "rb").read()
    if b.endswith(b"NPKTAIL\n"):                               # 15.5: the signed part
        b = b[:struct.unpack_from("<Q", b, len(b) - 32)[0]]
    need(b[:8] == b"\x89NPK\r\n\x1a\n" and struct.unpack_from("<HH", b, 8) == (1, 1),
         "not a newspack 1.1 archive")
    need(struct.unpack_from("<I", b, 12)[0] == 3, "required_flags: not a sealed 1.1 archive")
    mo, ml, sl = struct.unpack_from("<QII", b, len(b) - 32)
    need(mo + ml + sl + 32 == len(b), "the trailer does not end the signed part")
    m, sig = b[mo:mo + ml], b[mo + ml:mo + ml + sl]
    need(sig[:2] == b"ED" and sig[2:10] == kid, "signed by another key than %s" % pubfile)
    clen = struct.unpack_from("<H", sig, 74)[0]
    comment = sig[76:76 + clen]
    need(76 + clen + 64 == sl, "the signature block's length")
    key = Ed25519PublicKey.from_public_bytes(pk)
    key.verify(sig[10:74], hashlib.blake2b(m, digest_size=64).digest())   # raises when bad
    key.verify(sig[76 + clen:], sig[10:74] + comment)
    need(m[:4] == b"NPKM" and struct.unpack_from("<I", m, 4)[0] == 0, "the manifest's magic")
    size, mo2, created, docs, nbytes = struct.unpack_from("<QQQQQ", m, 8)
    need(size == len(b) and mo2 == mo, "the manifest's file_size or offset")
    need((docs, nbytes) == (0, 0), "a sealed manifest shows its counts")
    nclusters, npages, pt_off, pt_size, ct_size = struct.unpack_from("<IIQII", m, 48)
    need(hashlib.blake2b(b[:32], digest_size=32).digest() == m[72:104], "the header's digest")
    pt, ct = b[pt_off:pt_off + pt_size], b[pt_off + pt_size:pt_off + pt_size + ct_size]
    need(pt_off + pt_size + ct_size == mo, "the tables do not end where the manifest starts")
    need(hashlib.blake2b(pt, digest_size=32).digest() == m[104:136], "the page table's digest")
    need(hashlib.blake2b(ct, digest_size=32).digest() == m[136:168], "the cluster table's digest")
    need(m[168:176] == kid and m[176:208] == pk, "the manifest names another signer")
    need(struct.unpack_from("<H", m, 208)[0] == 2 and m[210:212] == b"\0\0",
         "a sealed manifest shows archive metadata")
    sections, _, link = manifest_extensions(m)
    need(comment == b"timestamp:%d\tnewspack archive%s\tsealed" % (created, b"" if link is None
         else b" edition %d" % link.edition), "the trusted comment is not a sealed %s's"
         % ("archive" if link is None else "edition"))
    extents = []
    def obj(what, i, off, ln, dig, magic, v11):
        h = b[off:off + 24]
        need(len(h) == 24 and h[:4] == magic, "%s %d: no object header at %d" % (what, i, off))
        codec, flags, res, number, raw, stored, cnt = struct.unpack_from("<BBHIIII", h, 4)
        need(flags & 2 and flags & ~3 == 0 and (flags & 1) == v11 and res == 0,
             "%s %d: flags 0x%02x of a sealed object" % (what, i, flags))
        need(raw == 0 and cnt == 0 and stored == ln - 24 and stored >= 44,
             "%s %d: a sealed object's header shows sizes or counts" % (what, i))
        need(hashlib.blake2b(b[off:off + ln], digest_size=32).digest() == dig,
             "%s %d (offset %d) does not match its digest" % (what, i, off))
        extents.append((off, ln))
    q = 0
    for k in range(npages):
        off, ln, raw, ford, cnt = struct.unpack_from("<QIIQI", pt, q)
        fl = struct.unpack_from("<H", pt, q + 60)[0]
        need((raw, ford, cnt, fl) == (0, 0, 0, 0), "page table record %d shows what is hidden" % k)
        obj("index page", k, off, ln, pt[q + 28:q + 60], b"NPKP", 1)
        q += 62
    need(q == pt_size, "the page table is not one record of 62 bytes a page")
    need(ct_size == 48 * nclusters, "the cluster table's size")
    for i in range(nclusters):
        off, ln, raw = struct.unpack_from("<QII", ct, 48 * i)
        need(raw == 0, "cluster table record %d shows its raw size" % i)
        obj("cluster", i, off, ln, ct[48 * i + 16:48 * i + 48], b"NPKC", 0)
    seals = [x for x in sections if x[0] == 8]
    need(len(seals) == 1 and seals[0][1] == 1, "not one critical seal section")
    for typ, fl, _, off, ln, dig in sections:
        need(hashlib.blake2b(b[off:off + ln], digest_size=32).digest() == dig,
             "section %d (type %d) does not match its digest" % (sections.index(
                 (typ, fl, _, off, ln, dig)), typ))
        extents.append((off, ln))
    _, _, _, soff, slen, _ = seals[0]
    seal = b[soff:soff + slen]
    need(seal[:8] == b"NPKSEAL\n", "bad seal magic")
    suite, nst, res = struct.unpack_from("<HHI", seal, 8)
    need(suite == 1 and 1 <= nst <= 64 and res == 0, "seal suite %d, %d stanzas" % (suite, nst))
    at = 80
    for i in range(nst):
        typ, r0, bl = struct.unpack_from("<BBH", seal, at)
        need(r0 == 0 and (typ != 1 or bl == 80) and (typ != 2 or bl == 96),
             "stanza %d (type %d, %d bytes)" % (i, typ, bl))
        if typ == 2:
            ops, mem = struct.unpack_from("<II", seal, at + 4 + 16)
            need(1 <= ops <= 12 and 8 <= mem <= 262144, "stanza %d: Argon2id above the caps" % i)
        at += 4 + bl
    sm = struct.unpack_from("<I", seal, at)[0]
    need(44 <= sm <= 64 << 20 and at + 4 + sm == slen, "the sealed manifest does not end the seal")
    end = 32
    for off, ln in sorted(extents):                              # 15.4: the body is tiled
        need(off == end, "bytes %d to %d belong to no object or section" % (end, off)
             if off > end else "an extent at %d overlaps the one before" % off)
        end = off + ln
    need(end == pt_off, "bytes %d to %d belong to no object or section" % (end, pt_off))
    print("sealcheck: audited: signed by key %s; %d clusters, %d index pages and %d sections, "
          "every digest matches; %d stanzas; contents not opened"
          % (kid[::-1].hex().upper(), nclusters, npages, len(sections), nst))


if __name__ == "__main__":
    COMMANDS = {"audit": audit_archive, "open": open_archive}
    if sys.argv[1:2] == ["open"] and len(sys.argv) >= 4 or \
            sys.argv[1:2] == ["audit"] and len(sys.argv) == 4:
        try:
            COMMANDS[sys.argv[1]](*sys.argv[2:])
        except Bad as e:
            print("sealcheck: %s: %s" % (sys.argv[2], e))
            sys.exit(1)
        except Exception as e:      # InvalidSignature, InvalidTag (an object that does not
            print("sealcheck: %s: does not check: %s" % (sys.argv[2], type(e).__name__))
            sys.exit(1)             # open), a short read
        sys.exit(0)
    if sys.argv[1:2] in (["open"], ["audit"]):
        print("usage: sealcheck.py open ARCHIVE SECRETKEY [EARLIER.npk ...]\n"
              "       sealcheck.py audit ARCHIVE PUBKEY\n"
              "       sealcheck.py [seal.txt]", file=sys.stderr)
        sys.exit(2)
    sys.exit(main())
