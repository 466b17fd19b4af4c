#!/usr/bin/env python3
"""damage.py: applies damage shapes to a copy of a file, for the survival battery (issue 13).

    python3 tests/survival/damage.py [--seed S] INPUT OUTPUT SHAPE [ARGS] [+ SHAPE [ARGS]]...

OUTPUT may be INPUT (damage in place). Shapes, applied in order, each to the result of the
one before; SIZE and OFFSET take 4096, 4K or 4KiB, 1M or 1MiB, 1G, or a percentage of the
INPUT's size ("1%", "0.5%"); an OFFSET below zero counts from the end; "random" (the default)
draws it:

    burst SIZE [--at OFFSET] [--in START:LENGTH] [--fill random|zero|ff|0xNN]
                            SIZE bytes overwritten, at OFFSET or at random (inside the range
                            [START, START+LENGTH) with --in: aim at a section that layout.py
                            prints); random fill changes every byte (to one of the other 255)
    bursts K SIZE [--in START:LENGTH] [--fill F]
                            K bursts that do not overlap, at random
    flips F [--per SIZE] [--in START:LENGTH]
                            F single-bit flips at distinct random bits; with --per, F for each
                            SIZE of the file ("flips 200 --per 50MiB"), at least one
    sectors N [--sector SIZE]
                            N distinct aligned sectors (4 KiB unless told) zeroed
    zero-head SIZE          the first SIZE bytes zeroed
    cut-tail SIZE           the last SIZE bytes cut off
    insert SIZE [--at OFFSET]
                            SIZE random bytes inserted (the rest of the file shifts)
    delete SIZE [--at OFFSET]
                            SIZE bytes deleted (the rest of the file shifts)

It prints what it did, one line per change, so that a failure can be reproduced:
"# damage.py --seed S: INPUT (N bytes) -> OUTPUT", then "burst OFFSET LENGTH" (burst, bursts),
"sector OFFSET LENGTH", "zero OFFSET LENGTH" (zero-head), "flip OFFSET BIT", "cut OFFSET
LENGTH" (OFFSET: the new size), "insert OFFSET LENGTH", "delete OFFSET LENGTH", and last
"# OUTPUT: M bytes". Offsets are in the file as it was when that shape applied.
The same seed, input and shapes give the same output. Standard library only.
"""

import os
import random
import re
import shutil
import sys

CHUNK = 1 << 20
UNITS = {"": 1, "k": 1 << 10, "kib": 1 << 10, "m": 1 << 20, "mib": 1 << 20, "g": 1 << 30,
         "gib": 1 << 30, "kb": 1000, "mb": 1000 ** 2, "gb": 1000 ** 3}


class Usage(Exception):
    pass


def size_arg(text, base):
    """SIZE or OFFSET: bytes with a unit, or a percentage of base; may be negative."""
    m = re.fullmatch(r"(-?)([0-9]+(?:\.[0-9]+)?)(%|[a-zA-Z]*)", text)
    if not m or (m.group(3) != "%" and m.group(3).lower() not in UNITS):
        raise Usage(f"not a size: {text!r}")
    sign = -1 if m.group(1) else 1
    if m.group(3) == "%":
        return sign * int(round(float(m.group(2)) * base / 100))
    value = float(m.group(2)) * UNITS[m.group(3).lower()]
    if value != int(value):
        raise Usage(f"not a whole number of bytes: {text!r}")
    return sign * int(value)


class Damage:
    def __init__(self, path, seed, base):
        self.path = path
        self.rng = random.Random(seed)
        self.base = base  # the input's size: what percentages are of
        self.f = open(path, "r+b")

    def size(self):
        return self.f.seek(0, 2)

    def read(self, off, n):
        self.f.seek(off)
        return self.f.read(n)

    def write(self, off, data):
        self.f.seek(off)
        self.f.write(data)

    def place(self, size, at, rng_range):
        """Offset of SIZE bytes: at, or random inside rng_range (default the whole file)."""
        end = self.size()
        lo, hi = rng_range if rng_range else (0, end)
        hi = min(hi, end)
        if at is not None:
            off = at + end if at < 0 else at
            if off < 0 or off + size > end:
                raise Usage(f"{size} bytes at {off} do not fit in {end} bytes")
            return off
        if size > hi - lo:
            raise Usage(f"{size} bytes do not fit in [{lo}, {hi})")
        return self.rng.randint(lo, hi - size)

    def fill(self, off, n, how):
        old = self.read(off, n)
        if how != "random":
            return bytes([how]) * n
        # XOR with a non-zero byte: every byte changes, to a uniformly random other value
        mask = bytearray(self.rng.randbytes(n))
        i = mask.find(0)
        while i >= 0:
            mask[i] = self.rng.randrange(1, 256)
            i = mask.find(0, i + 1)
        x = int.from_bytes(old, "little") ^ int.from_bytes(mask, "little")
        return x.to_bytes(n, "little")

    def burst(self, off, n, how, tag="burst"):
        for o in range(off, off + n, CHUNK):
            k = min(CHUNK, off + n - o)
            self.write(o, self.fill(o, k, how))
        print(f"{tag} {off} {n}")

    def shift(self, off, insert, delete):
        """Rewrites the file from off: inserts bytes there, or deletes bytes there."""
        end = self.size()
        tmp = self.path + ".damage-tmp"
        with open(tmp, "wb") as t:
            t.write(insert)
            self.f.seek(off + delete)
            shutil.copyfileobj(self.f, t, CHUNK)
        self.f.truncate(off)
        with open(tmp, "rb") as t:
            self.f.seek(off)
            shutil.copyfileobj(t, self.f, CHUNK)
        os.unlink(tmp)
        assert self.size() == end + len(insert) - delete


def parse_opts(args, names):
    """Splits ARGS into positionals and --name VALUE options (only those in names)."""
    pos, opts = [], {}
    i = 0
    while i < len(args):
        a = args[i]
        if a.startswith("--"):
            if a[2:] not in names or i + 1 >= len(args):
                raise Usage(f"unknown option or missing value: {a}")
            opts[a[2:]] = args[i + 1]
            i += 2
        else:
            pos.append(a)
            i += 1
    return pos, opts


def fill_arg(text):
    named = {"random": "random", "zero": 0, "ff": 255}
    if text in named:
        return named[text]
    if re.fullmatch(r"0x[0-9a-fA-F]{1,2}", text):
        return int(text, 16)
    raise Usage(f"not a fill: {text!r}")


def range_arg(d, text):
    m = re.fullmatch(r"([^:]+):([^:]+)", text or "")
    if not m:
        raise Usage(f"not a range START:LENGTH: {text!r}")
    start, length = size_arg(m.group(1), d.base), size_arg(m.group(2), d.base)
    return start, start + length


def at_arg(d, opts):
    at = opts.get("at", "random")
    return None if at == "random" else size_arg(at, d.base)


def want(pos, n, shape):
    if len(pos) != n:
        raise Usage(f"{shape} takes {n} argument{'s' if n != 1 else ''}, got {pos}")


def do_burst(d, args):
    pos, opts = parse_opts(args, {"at", "in", "fill"})
    want(pos, 1, "burst")
    n = size_arg(pos[0], d.base)
    rng_range = range_arg(d, opts["in"]) if "in" in opts else None
    off = d.place(n, at_arg(d, opts), rng_range)
    d.burst(off, n, fill_arg(opts.get("fill", "random")))


def do_bursts(d, args):
    pos, opts = parse_opts(args, {"in", "fill"})
    want(pos, 2, "bursts")
    k, n = int(pos[0]), size_arg(pos[1], d.base)
    lo, hi = range_arg(d, opts["in"]) if "in" in opts else (0, d.size())
    hi = min(hi, d.size())
    if k < 1 or k * n > hi - lo:
        raise Usage(f"{k} bursts of {n} bytes do not fit in [{lo}, {hi})")
    # k sorted points in the room left over, then each burst pushed past the ones before
    starts = sorted(d.rng.randint(0, hi - lo - k * n) for _ in range(k))
    how = fill_arg(opts.get("fill", "random"))
    for i, s in enumerate(starts):
        d.burst(lo + s + i * n, n, how)


def do_flips(d, args):
    pos, opts = parse_opts(args, {"per", "in"})
    want(pos, 1, "flips")
    f = int(pos[0])
    lo, hi = range_arg(d, opts["in"]) if "in" in opts else (0, d.size())
    hi = min(hi, d.size())
    if "per" in opts:
        f = max(1, int(round(f * (hi - lo) / size_arg(opts["per"], d.base))))
    if f > (hi - lo) * 8:
        raise Usage(f"{f} flips do not fit in [{lo}, {hi})")
    for bit in sorted(d.rng.sample(range(lo * 8, hi * 8), f)):
        off, b = divmod(bit, 8)
        d.write(off, bytes([d.read(off, 1)[0] ^ (1 << b)]))
        print(f"flip {off} {b}")


def do_sectors(d, args):
    pos, opts = parse_opts(args, {"sector"})
    want(pos, 1, "sectors")
    n, sec = int(pos[0]), size_arg(opts.get("sector", "4096"), d.base)
    count = d.size() // sec
    if sec < 1 or n > count:
        raise Usage(f"{n} sectors of {sec} bytes do not fit in {d.size()} bytes")
    for s in sorted(d.rng.sample(range(count), n)):
        d.burst(s * sec, sec, 0, "sector")


def do_zero_head(d, args):
    want(args, 1, "zero-head")
    n = size_arg(args[0], d.base)
    if n > d.size():
        raise Usage(f"cannot zero {n} bytes of {d.size()}")
    d.burst(0, n, 0, "zero")


def do_cut_tail(d, args):
    want(args, 1, "cut-tail")
    n, end = size_arg(args[0], d.base), d.size()
    if n > end:
        raise Usage(f"cannot cut {n} bytes of {end}")
    d.f.truncate(end - n)
    print(f"cut {end - n} {n}")


def do_insert(d, args):
    pos, opts = parse_opts(args, {"at"})
    want(pos, 1, "insert")
    n = size_arg(pos[0], d.base)
    off = d.place(0, at_arg(d, opts), None)
    d.shift(off, d.rng.randbytes(n), 0)
    print(f"insert {off} {n}")


def do_delete(d, args):
    pos, opts = parse_opts(args, {"at"})
    want(pos, 1, "delete")
    n = size_arg(pos[0], d.base)
    off = d.place(n, at_arg(d, opts), None)
    d.shift(off, b"", n)
    print(f"delete {off} {n}")


SHAPES = {"burst": do_burst, "bursts": do_bursts, "flips": do_flips, "sectors": do_sectors,
          "zero-head": do_zero_head, "cut-tail": do_cut_tail, "insert": do_insert,
          "delete": do_delete}


def main(argv):
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return
    seed = 1
    if len(argv) >= 2 and argv[0] == "--seed":
        seed = int(argv[1])
        argv = argv[2:]
    if len(argv) < 3 or argv[2] not in SHAPES:
        raise Usage("usage: damage.py [--seed S] INPUT OUTPUT SHAPE [ARGS] [+ SHAPE [ARGS]]...")
    src, dst, rest = argv[0], argv[1], argv[2:]
    steps, cur = [], []
    for a in rest + ["+"]:
        if a == "+":
            if not cur or cur[0] not in SHAPES:
                raise Usage(f"not a shape: {' '.join(cur) or '(nothing after +)'}")
            steps.append(cur)
            cur = []
        else:
            cur.append(a)
    base = os.path.getsize(src)
    if os.path.abspath(src) != os.path.abspath(dst):
        shutil.copyfile(src, dst)
    print(f"# damage.py --seed {seed}: {src} ({base} bytes) -> {dst}")
    d = Damage(dst, seed, base)
    try:
        for step in steps:
            SHAPES[step[0]](d, step[1:])
    finally:
        d.f.close()
    print(f"# {dst}: {os.path.getsize(dst)} bytes")
    sys.stdout.flush()


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except Usage as e:
        sys.exit(f"damage.py: {e} (damage.py --help lists the shapes)")
