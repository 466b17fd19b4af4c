#!/usr/bin/env python3
"""dictinput.py OUTDIR - writes the input of vector-1.1-dict.npk (format.md
15.18): 96 plain-text documents, doc-000.txt to doc-095.txt, about 330 KiB in
all (more than the 256 KiB under which newspack makes no dictionary), of
sentences drawn from a fixed list of words by a fixed linear congruential
generator, so that the same bytes come out on every machine and version of
Python. regen.sh makes the vector from them with create --dictionary."""
import os
import sys

WORDS = """the a of to and in that is was for on with as by at from it his her their
said newspaper report council election minister court police city river school
hospital market price water rain storm village farmers workers union strike
museum library archive record letter photograph witness evidence document
journalist editor reader morning evening night week month year today yesterday
government parliament vote budget tax road bridge railway station train ship
harbour fishing harvest wheat coffee bread festival music theatre film book
story history memory family children mother father teacher student doctor nurse
north south east west old new small large first last long short early late
open closed public private local national foreign border peace war treaty
talks agreement statement interview question answer announced confirmed denied
reported published archived signed sealed verified kept lost found damaged
repaired restored copied printed""".split()


class Lcg(object):
    """x = (x * 6364136223846793005 + 1442695040888963407) mod 2^64; the high
    32 bits are each draw."""

    def __init__(self, seed):
        self.x = seed

    def next(self, n):
        self.x = (self.x * 6364136223846793005 + 1442695040888963407) % (1 << 64)
        return (self.x >> 32) % n


def sentence(g):
    n = 6 + g.next(14)
    words = [WORDS[g.next(len(WORDS))] for _ in range(n)]
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def document(g, i):
    lines = ["Dispatch %d: %s" % (i, sentence(g)[:-1].lower()), ""]
    size = 3000 + g.next(1200)
    text = ""
    while len(text) < size:
        para = " ".join(sentence(g) for _ in range(3 + g.next(4)))
        text += para + "\n\n"
    return ("\n".join(lines) + text).encode("ascii")


def main(argv):
    if len(argv) != 2 or argv[1].startswith("-"):
        sys.stderr.write("usage: dictinput.py OUTDIR\n")
        return 2
    os.makedirs(argv[1], exist_ok=True)
    g = Lcg(15018)
    for i in range(96):
        with open(os.path.join(argv[1], "doc-%03d.txt" % i), "wb") as f:
            f.write(document(g, i))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
