#!/usr/bin/env python3
"""refcodec_test.py - the reference codec of spec/format.md 15.12 against ISA-L.

Takes the code between the lines "<!-- reference-codec begin -->" and
"<!-- reference-codec end -->" of spec/format.md (a ```python fence), checks
that spec/vectors/npkcheck.py carries the same code, and checks it against
Intel ISA-L (libisal.so.2, loaded with ctypes):
  - gf_mul for every pair of bytes, gf_inv for every non-zero byte;
  - the coefficients C[j][i] against the lower rows of gf_gen_cauchy1_matrix,
    for every k from 1 to 255 with p = 256 - k (each smaller p is a prefix);
  - encode against ec_init_tables + ec_encode_data: random k and p with
    k + p <= 256, random data of random lengths, parity equal byte for byte;
  - repair: every erasure pattern of at most p blocks (data and parity) for
    every k <= 6, p <= 4 gives the data back, and the same as ISA-L's own
    decoding (gf_invert_matrix of k surviving rows, then ec_encode_data);
    random patterns of p lost data blocks for k = 240, p = 12 and larger p.
Prints one line per check ("ok ..." or "FAIL ...") and exits 1 on any
failure; a missing libisal.so.2 is a failure, never a skip.
  python3 tests/parity/refcodec_test.py [SEED]
"""

import ctypes
import itertools
import os
import random
import sys
import time
import types

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SPEC = os.path.join(TOP, "spec", "format.md")
NPKCHECK = os.path.join(TOP, "spec", "vectors", "npkcheck.py")
failed = 0


def check(cond, what):
    global failed
    if cond:
        print("ok    " + what)
    else:
        failed += 1
        print("FAIL  " + what)
    return cond


def between(text, begin, end):
    """The lines strictly between the line begin and the line end (once each)."""
    lines = text.split("\n")
    if lines.count(begin) != 1 or lines.count(end) != 1:
        return None
    a, b = lines.index(begin), lines.index(end)
    return "\n".join(lines[a + 1:b]) + "\n" if a < b else None


def spec_codec():
    with open(SPEC, encoding="utf-8") as f:
        block = between(f.read(), "<!-- reference-codec begin -->", "<!-- reference-codec end -->")
    if block is None or not block.startswith("```python\n") or not block.endswith("\n```\n"):
        return None
    return block[len("```python\n"):-len("```\n")]


def npkcheck_codec():
    with open(NPKCHECK, encoding="utf-8") as f:
        block = between(f.read(), "# --- reference codec begin (spec/format.md 15.12) ---",
                        "# --- reference codec end ---")
    return block


def load_isal():
    try:
        lib = ctypes.CDLL("libisal.so.2")
    except OSError as e:
        return None, str(e)
    u8 = ctypes.c_ubyte
    lib.gf_mul.restype = u8
    lib.gf_mul.argtypes = [u8, u8]
    lib.gf_inv.restype = u8
    lib.gf_inv.argtypes = [u8]
    lib.gf_gen_cauchy1_matrix.restype = None
    lib.gf_gen_cauchy1_matrix.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_int]
    lib.ec_init_tables.restype = None
    lib.ec_init_tables.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_char_p]
    lib.ec_encode_data.restype = None
    lib.ec_encode_data.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_char_p,
                                   ctypes.POINTER(ctypes.c_void_p),
                                   ctypes.POINTER(ctypes.c_void_p)]
    lib.gf_invert_matrix.restype = ctypes.c_int
    lib.gf_invert_matrix.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int]
    return lib, None


def isal_apply(lib, k, rows, matrix, inputs, n):
    """ISA-L: the rows x k matrix (bytes, row-major) applied to k input blocks."""
    tables = ctypes.create_string_buffer(32 * k * rows)
    lib.ec_init_tables(k, rows, matrix, tables)
    ins = [ctypes.create_string_buffer(bytes(b), n) for b in inputs]
    outs = [ctypes.create_string_buffer(n) for _ in range(rows)]
    pin = (ctypes.c_void_p * k)(*[ctypes.addressof(b) for b in ins])
    pout = (ctypes.c_void_p * rows)(*[ctypes.addressof(b) for b in outs])
    lib.ec_encode_data(n, k, rows, tables, pin, pout)
    return [o.raw for o in outs]


def isal_cauchy(lib, k, p):
    a = ctypes.create_string_buffer((k + p) * k)
    lib.gf_gen_cauchy1_matrix(a, k + p, k)
    return a.raw


def isal_encode(lib, k, p, data):
    return isal_apply(lib, k, p, isal_cauchy(lib, k, p)[k * k:], data, len(data[0]))


def isal_decode(lib, k, p, blocks, lost_data, lost_parity):
    """ISA-L's way: k surviving rows of the full matrix, inverted, applied."""
    full = isal_cauchy(lib, k, p)
    alive = [r for r in range(k + p) if r not in lost_data and r - k not in lost_parity][:k]
    sub = b"".join(full[r * k:(r + 1) * k] for r in alive)
    out = ctypes.create_string_buffer(k * k)
    if lib.gf_invert_matrix(ctypes.create_string_buffer(sub, k * k), out, k) != 0:
        return None
    rows = b"".join(out.raw[i * k:(i + 1) * k] for i in lost_data)
    n = len(blocks[alive[0]])
    return dict(zip(lost_data, isal_apply(lib, k, len(lost_data), rows,
                                          [blocks[r] for r in alive], n)))


def check_field(rc, lib):
    bad = [(a, b) for a in range(256) for b in range(256) if rc.mul(a, b) != lib.gf_mul(a, b)]
    check(not bad, "mul equals ISA-L's gf_mul for all 65536 pairs%s"
          % (" (first difference at %r)" % (bad[0],) if bad else ""))
    bad = [a for a in range(1, 256) if rc.inv(a) != lib.gf_inv(a) or rc.mul(a, rc.inv(a)) != 1]
    check(not bad, "inv equals ISA-L's gf_inv and a * inv(a) = 1 for every a != 0")


def check_matrix(rc, lib):
    bad = []
    for k in range(1, 256):
        p = 256 - k
        full = isal_cauchy(lib, k, p)
        ident = all(full[r * k + c] == (r == c) for r in range(k) for c in range(k))
        rows = all(full[(k + j) * k + i] == rc.coef(k, j, i) for j in range(p) for i in range(k))
        if not (ident and rows):
            bad.append(k)
    check(not bad, "C[j][i] = inv((k + j) xor i) are the lower rows of gf_gen_cauchy1_matrix "
          "(upper rows the identity), every k from 1 to 255, p = 256 - k%s"
          % (" (k %r differ)" % bad[:5] if bad else ""))


def check_encode(rc, lib, rng):
    cases = [(1, 1), (1, 255), (255, 1), (240, 12), (128, 128), (170, 85)]
    cases += [(k, rng.randint(1, 256 - k)) for k in (rng.randint(1, 255) for _ in range(40))]
    bad = []
    for k, p in cases:
        n = rng.choice([1, 15, 16, 31, 32, 33, 64, 100, 4096, rng.randint(1, 5000)])
        data = [rng.randbytes(n) for _ in range(k)]
        if rc.encode(k, p, data) != isal_encode(lib, k, p, data):
            bad.append((k, p, n))
    check(not bad, "encode equals ISA-L's ec_encode_data byte for byte in %d cases of random "
          "k, p (k + p <= 256), data and lengths%s" % (len(cases), " (differ: %r)" % bad[:5]
                                                        if bad else ""))


def erasure_case(rc, lib, k, p, data, parity, lost_data, lost_parity):
    """Repairs one erasure pattern with the reference and with ISA-L; None
    when both give the data back, else what went wrong."""
    blocks = {i: data[i] for i in range(k) if i not in lost_data}
    blocks.update({k + j: parity[j] for j in range(p) if j not in lost_parity})
    rows = [j for j in range(p) if j not in lost_parity]
    got = rc.repair(k, list(lost_data), rows, blocks) if lost_data else {}
    if sorted(got) != sorted(lost_data) or any(got[i] != data[i] for i in lost_data):
        return "reference repair"
    if lost_data:
        allb = dict(blocks)
        theirs = isal_decode(lib, k, p, allb, list(lost_data), list(lost_parity))
        if theirs is None or any(theirs[i] != data[i] for i in lost_data):
            return "ISA-L decoding"
    return None


def check_every_pattern(rc, lib, rng):
    count = 0
    bad = []
    for k in range(1, 7):
        for p in range(1, 5):
            data = [rng.randbytes(37) for _ in range(k)]
            parity = rc.encode(k, p, data)
            for e in range(0, p + 1):
                for gone in itertools.combinations(range(k + p), e):
                    lost_data = [b for b in gone if b < k]
                    lost_parity = [b - k for b in gone if b >= k]
                    why = erasure_case(rc, lib, k, p, data, parity, lost_data, lost_parity)
                    count += 1
                    if why:
                        bad.append((k, p, gone, why))
    check(not bad, "repair: every erasure pattern of at most p of the k + p blocks, k 1 to 6, "
          "p 1 to 4 (%d patterns), gives the data back, as ISA-L's decoding does%s"
          % (count, " (failed: %r)" % bad[:3] if bad else ""))


def check_big(rc, lib, rng):
    bad = []
    cases = [(240, 12), (240, 12), (170, 85), (128, 128), (200, 56)]
    for k, p in cases:
        data = [rng.randbytes(64) for _ in range(k)]
        parity = rc.encode(k, p, data)
        e = rng.randint(1, p)
        lost_data = sorted(rng.sample(range(k), min(e, k)))
        lost_parity = sorted(rng.sample(range(p), p - len(lost_data)))
        why = erasure_case(rc, lib, k, p, data, parity, lost_data, lost_parity)
        if why:
            bad.append((k, p, why))
    check(not bad, "repair: random patterns on large stripes (k, p) in %r, as many lost data "
          "blocks as intact parity rows" % cases)


def speed(rc):
    k, p, n = 240, 12, 16 * 4096
    data = [os.urandom(n) for _ in range(k)]
    t = time.perf_counter()
    parity = rc.encode(k, p, data)
    te = time.perf_counter() - t
    blocks = {i: data[i] for i in range(k) if i >= p}
    blocks.update({k + j: parity[j] for j in range(p)})
    t = time.perf_counter()
    rc.repair(k, list(range(p)), list(range(p)), blocks)
    tr = time.perf_counter() - t
    print("info  reference codec, k 240, p 12, blocks of %d bytes: encode %.1f MB/s of data, "
          "repair of 12 lost blocks %.1f MB/s of the stripe" % (n, k * n / te / 1e6,
                                                              k * n / tr / 1e6))


def main(argv):
    seed = int(argv[0]) if argv else 13
    rng = random.Random(seed)
    code = spec_codec()
    if not check(code is not None, "spec/format.md holds the reference codec between its "
                 "marker lines, in a ```python fence"):
        return 1
    check(npkcheck_codec() == code, "spec/vectors/npkcheck.py carries the same code between "
          "its marker lines")
    rc = types.ModuleType("refcodec")
    exec(compile(code, "spec/format.md 15.12", "exec"), rc.__dict__)
    lib, why = load_isal()
    if not check(lib is not None, "libisal.so.2 loads (Debian libisal2)%s"
                 % (": " + why if why else "")):
        return 1
    for step in (check_field, check_matrix, check_encode, check_every_pattern, check_big):
        args = (rc, lib, rng) if step in (check_encode, check_every_pattern, check_big) else (rc, lib)
        try:
            step(*args)
        except Exception as e:      # a broken codec may raise: that is a failure too
            check(False, "%s raised %s: %s" % (step.__name__, type(e).__name__, e))
    if not failed:
        speed(rc)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
