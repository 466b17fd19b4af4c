#!/usr/bin/env python3
"""layout.py: where an archive's structures are, so that the survival battery can aim at them.

    python3 tests/survival/layout.py [--objects] ARCHIVE

Prints one line "NAME OFFSET LENGTH" per structure (decimal file offsets), reading the tail
trailer and directory (spec/format.md 15.5), the signed trailer (9) and the manifest (7), and
the tail sections it knows (15.9 survival copies, 15.10 parity):

    header 0 32                      signed part (section 3)
    body 32 L                        objects and sections, to the page table
    pagetable O L, clustertable O L, tables O L (both tables: what a copy holds)
    manifest O L, signature O L, trailer O 32, signed 0 SIGNED_SIZE
    tail O L                         everything after the signed part (no line: no tail)
    section.T O L                    each tail section, T its type (15.6), in directory order
    tail.directory O L, tail.trailer O 32
    copy.header O L                  type 2: the copy of each extent, named by what it
    copy.tables O L                  holds (header, tables, manifest: the manifest, signature
    copy.manifest O L                block and trailer; copy.OFFSET for any other extent)
    copies.header O L                type 2: its own header and padding
    parity.header O 64, parity.crc O T, parity.blocks O L, parity.crc2 O T, parity.header2 O 64
    page.N O L, cluster.N O L        with --objects: every index page and cluster (the tables)

No checking beyond what finding these needs: run it on the intact archive, then damage a copy.
Standard library only.
"""

import struct
import sys


def u(fmt, b, off=0):
    return struct.unpack_from("<" + fmt, b, off)


def signed_part(f, size):
    """(signed_size, tail trailer bytes or None): spec 15.5 step 2."""
    if size >= 96:
        f.seek(size - 8)
        if f.read(8) == b"NPKTAIL\n":
            f.seek(size - 32)
            tt = f.read(32)
            return u("Q", tt)[0], tt
    return size, None


def copies(f, off, length, names):
    """The lines of a type-2 section (15.9)."""
    f.seek(off)
    head = f.read(24)
    if head[:8] != b"NPKCOPY\n":
        return [("copies.unknown", off, length)]
    count, pad = u("II", head, 16)
    hlen = 28 + 16 * count + pad
    out = [("copies.header", off, hlen)]
    recs = f.read(16 * count)
    pos = off + hlen
    for i in range(count):
        eo, el = u("QQ", recs, 16 * i)
        out.append(("copy." + names.get(eo, str(eo)), pos, el))
        pos += el
    return out


def parity(f, off):
    """The lines of a type-3 section (15.10)."""
    f.seek(off)
    h = f.read(64)
    if h[:8] != b"NPKPRTY\n":
        return []
    k, p = u("HH", h, 10)
    b, s, g = u("III", h, 16)
    n = u("Q", h, 40)[0]
    t = 4 * (n + g * p * s)
    blocks = g * p * s * b
    return [("parity.header", off, 64), ("parity.crc", off + 64, t),
            ("parity.blocks", off + 64 + t, blocks), ("parity.crc2", off + 64 + t + blocks, t),
            ("parity.header2", off + 64 + 2 * t + blocks, 64)]


def objects(f, pt_off, pt_size, ct_size):
    """The lines of every page and cluster, from the tables (6.1, 6.2)."""
    f.seek(pt_off)
    pt = f.read(pt_size)
    ct = f.read(ct_size)
    out, o = [], 0
    while o + 62 <= len(pt):
        off, length = u("QI", pt, o)
        out.append((f"page.{len(out)}", off, length))
        o += 62 + u("H", pt, o + 60)[0]
    for i in range(len(ct) // 48):
        off, length = u("QI", ct, 48 * i)
        out.append((f"cluster.{i}", off, length))
    return out


def main():
    args = sys.argv[1:]
    objs = bool(args) and args[0] == "--objects"
    if objs:
        args = args[1:]
    if len(args) != 1:
        sys.exit(__doc__)
    with open(args[0], "rb") as f:
        size = f.seek(0, 2)
        ssize, tt = signed_part(f, size)
        f.seek(ssize - 32)
        m_off, m_size, sig_size = u("QII", f.read(32))
        f.seek(m_off)
        man = f.read(m_size)
        pt_off, pt_size, ct_size = u("QII", man, 56)
        lines = [("header", 0, 32), ("body", 32, pt_off - 32), ("pagetable", pt_off, pt_size),
                 ("clustertable", pt_off + pt_size, ct_size), ("tables", pt_off, pt_size + ct_size),
                 ("manifest", m_off, m_size), ("signature", m_off + m_size, sig_size),
                 ("trailer", ssize - 32, 32), ("signed", 0, ssize)]
        # what each copied extent holds, by its offset in the signed part (15.9)
        names = {0: "header", pt_off: "tables", m_off: "manifest"}
        if tt is not None:
            d_off, d_len = u("QI", tt, 8)
            lines.append(("tail", ssize, size - ssize))
            f.seek(d_off)
            d = f.read(d_len)
            count = u("I", d)[0] if len(d) >= 4 else 0
            more = []
            for i in range(min(count, (len(d) - 4) // 56)):
                typ, _, _, off, length = u("HHIQQ", d, 4 + 56 * i)
                lines.append((f"section.{typ}", off, length))
                if typ == 2:
                    more += copies(f, off, length, names)
                elif typ == 3:
                    more += parity(f, off)
            lines += [("tail.directory", d_off, d_len), ("tail.trailer", size - 32, 32)] + more
        if objs:
            lines += objects(f, pt_off, pt_size, ct_size)
    for name, off, length in lines:
        print(name, off, length)


if __name__ == "__main__":
    main()
