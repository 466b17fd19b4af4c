#!/usr/bin/env python3
"""parity_vectors.py - makes the parity vectors of spec/vectors/1.1/
(spec/format.md 15.9, 15.10, 15.12) and adds their lines to vectors.tsv.

    parity_vectors.py OUTDIR    (after vectors11.py OUTDIR, which makes
                                OUTDIR/vectors.tsv)

The signed part is forged with forge.py like the other 1.1 vectors (stored
clusters and pages, so no compressor's choices are in it; signed with the
test key): spec/vectors/input/ and six generated reports, about 35 KB, so
that the parity spans several 4096-byte blocks. Then:
  protected.npk             npkcheck.py protect --parity 50: newspack's
                            choice (15.10) gives k = N = 9, p = 5, S = 1
  damaged.npk               protected.npk with 4 data blocks and 1 parity
                            block destroyed (at the parity's capacity), one
                            CRC-table entry of copy A, the first parity
                            header copy and a survival copy damaged
  interleaved.npk           npkcheck.py protect --geometry 2,1,3: another
                            writer's choice within 15.10 (k 2, p 1, 3
                            stripes per group, 2 groups, the second one
                            partly zero blocks)
  interleaved-damaged.npk   interleaved.npk with a burst over 3 consecutive
                            blocks (one per stripe of group 0: interleaving
                            makes it repairable with p = 1) and one bit in
                            group 1
npkcheck.py repair of each damaged vector gives its protected one back, byte
for byte (tests/cli/test_vectors.sh). Everything is the same on every run:
the texts come from BLAKE2b of a counter, the damage is at fixed places.
"""

import hashlib
import os
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(TOP, "tests", "hostile"))
import forge  # noqa: E402
import vectors11  # noqa: E402

VEC = os.path.join(TOP, "spec", "vectors")
NPKCHECK = os.path.join(VEC, "npkcheck.py")
B = 4096
WORDS = ("harbour council sea wall tide storm budget vote mayor river bridge ferry school "
         "library market fishing boat north south coast rain flood night morning report archive "
         "editor page letter reader town street museum winter summer station train road plan "
         "spring").split()


def report(n, size):
    """A generated report of about size bytes: lines of words picked by BLAKE2b."""
    out, i, total = [], 0, 0
    while total < size:
        h = hashlib.blake2b(b"%d:%d" % (n, i), digest_size=16).digest()
        line = (" ".join(WORDS[b % len(WORDS)] for b in h[:12])).capitalize() + ".\n"
        out.append(line)
        total += len(line)
        i += 1
    return "".join(out).encode()


def signed_part():
    docs = vectors11.inputs() + [(b"c/report-%d.txt" % n, report(n, 5500)) for n in range(6)]
    key = forge.Key(os.path.join(VEC, "test.key"))
    return forge.forge(sorted(docs), key, cluster_size=16384, v11=True,
                       hooks={"clusters": vectors11.stored, "pages": vectors11.stored},
                       archive_meta=[("title", "newspack 1.1 parity vector")])


def protect(src, out, *opts):
    subprocess.run([sys.executable, NPKCHECK, "protect", src, out] + list(opts), check=True,
                   stdout=subprocess.DEVNULL)


def parity_at(data):
    """(offset, T, length) of the parity section that follows the signed
    part (at the tail trailer's signed_size: npkcheck.py writes it first)."""
    off = struct.unpack_from("<Q", data, len(data) - 32)[0]
    k, p = struct.unpack_from("<HH", data, off + 10)
    s, g = struct.unpack_from("<II", data, off + 20)
    n = struct.unpack_from("<Q", data, off + 40)[0]
    t = 4 * (n + g * p * s)
    return off, t, 128 + 2 * t + g * p * s * B


def burst(data, at, length, seed):
    """length bytes from at on, overwritten with bytes that are not there."""
    junk = b""
    while len(junk) < length:
        junk += hashlib.blake2b(b"%s:%d" % (seed, len(junk)), digest_size=64).digest()
    for i in range(length):
        data[at + i] = junk[i] if junk[i] != data[at + i] else junk[i] ^ 0xFF


def flip(data, at, bit=0x10):
    data[at] ^= bit


def damage(data):
    """damaged.npk: data blocks 0 (inside the stored cluster, not the header),
    1 and 2 (a 4096-byte burst across them) and 5 lost, parity block 3 lost:
    4 lost data blocks, 4 intact parity rows of 5. Besides: entry 6 of CRC
    table copy A (block 6 stays intact by copy B), the stripes field of the
    first parity header copy (the second copy serves), a byte of the
    survival copies (the tail is written again)."""
    off, t, length = parity_at(data)
    flip(data, 1000)
    burst(data, B + 2048, B, b"burst")
    flip(data, 5 * B + 1234, 0x01)
    flip(data, off + 64 + t + 3 * B + 100, 0x80)
    flip(data, off + 64 + 6 * 4)
    flip(data, off + 20)
    copies = off + length
    assert data[copies:copies + 8] == b"NPKCOPY\n"
    flip(data, copies + 100, 0x04)


def damage_interleaved(data):
    """interleaved-damaged.npk: a burst of 2 B + 1 bytes from block 1 into
    block 3 (blocks 1, 2, 3: stripes 1, 2 and 0 of group 0, one each) and
    one bit of block 7 (group 1, stripe 1)."""
    burst(data, B + 2000, 2 * B + 1, b"interleaved")
    flip(data, 7 * B + 7, 0x02)


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: parity_vectors.py OUTDIR\n")
        return 2
    out = argv[1]
    base = os.path.join(out, ".parity-base.npk")
    with open(base, "wb") as f:
        f.write(signed_part())
    made = [("protected", 0, "a forged archive of 35 KB (9 blocks of 4096 bytes) protected by "
             "npkcheck.py protect --parity 50: newspack's choice k 9, p 5, S 1 (15.10), then "
             "the survival copies (15.9)", ("--parity", "50"), damage),
            ("interleaved", 0, "the same archive protected with k 2, p 1, 3 stripes per group, "
             "2 groups, the second partly zero blocks (npkcheck.py protect --geometry 2,1,3, "
             "a writer's choice within 15.10)", ("--geometry", "2,1,3"), damage_interleaved)]
    rows = []
    try:
        for name, code, what, opts, hurt in made:
            good = os.path.join(out, name + ".npk")
            protect(base, good, *opts)
            with open(good, "rb") as f:
                data = bytearray(f.read())
            hurt(data)
            bad = "damaged" if name == "protected" else name + "-damaged"
            with open(os.path.join(out, bad + ".npk"), "wb") as f:
                f.write(data)
            rows.append("%s\t%d\t%s\n" % (name, code, what))
            rows.append("%s\t1\t%s with damage its parity repairs: npkcheck.py repair gives "
                        "%s.npk back byte for byte (15.10)\n" % (bad, name, name))
    finally:
        os.unlink(base)
    with open(os.path.join(out, "vectors.tsv"), "a") as f:
        f.writelines(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
