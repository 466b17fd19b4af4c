#!/usr/bin/env python3
"""editions.py - forged chains of editions (spec/format.md 15.15), written
with forge.py from the spec alone, and the hostile cases of editions.

    editions.py OUTDIR    writes OUTDIR/CASE/ for every case: the chain's
                          files under the names their links give, and
                          OUTDIR/cases.tsv (case, newest file, expected exit
                          code of verify, what it exercises)

Every chain is a base (a 1.1 archive with a Merkle tree) and editions that
add, replace, refer to earlier content (ref_kind 1) and withdraw, each with
its link (manifest extension type 3), its edition tree section (type 4: the
nodes completed by its own leaves), its path filter (type 9), its folder filter (type 10,
in the folders-* cases) and its root
over every leaf of the chain. A case changes one thing and signs again
(spec/vectors/test.key; tests/keys/other.key for a key change), so that it
reaches the check it targets rather than the signature's.
"""

import hashlib
import os
import struct
import sys

import forge

H, H512 = forge.H, forge.H512
VEC = os.path.join(forge.TOP, "spec", "vectors")
KEY = os.path.join(VEC, "test.key")
OTHER = os.path.join(forge.TOP, "tests", "keys", "other.key")
T0 = 1737676800


def meta_of(path, extra=()):
    return forge.meta_list([("title", "Document " + path.decode())] + list(extra))


def salt_of(path, edition):
    return H(b"salt %d " % edition + path)[:16]


def leaf_data(e):
    """15.13 leaf data; leaf type 1 for a withdrawal in an edition (15.15)."""
    lt = 1 if e.get("kind", 0) == 1 else 0
    return (struct.pack("<BBH", lt, e.get("kind", 0), len(e["path"])) + e["path"] +
            struct.pack("<Q", e["size"]) + e["digest"] + struct.pack("<B", len(e["media"])) +
            e["media"] + struct.pack("<H", len(e["meta_raw"])) + e["meta_raw"] + e["salt"])


def node(level0, L, i):
    """node(L, i): MTH of leaves [i 2^L, (i+1) 2^L)."""
    return forge.mth(level0[i << L:(i + 1) << L])


def etree_section(level0, p, n, stride, hook=None):
    """15.15: the nodes [p >> L, n >> L) of levels 0, s, 2s, ... while
    (n >> L) > (p >> L)."""
    levels, L = [], 0
    while (n >> L) > (p >> L):
        levels.append([node(level0, L, i) for i in range((p >> L), (n >> L))])
        L += stride
    if hook:
        hook(levels)
    return (b"NPKTREE\n" + struct.pack("<QB", n, stride) + b"\0" * 7 +
            b"".join(b"".join(x) for x in levels))


def paths_bits(count):
    m = max(64, -(-count * 10 // 64) * 64)
    return m


def probes(path, m, k):
    d = H(path)
    h1 = struct.unpack("<Q", d[0:8])[0]
    h2 = struct.unpack("<Q", d[8:16])[0] | 1
    return [((h1 + j * h2) % (1 << 64)) % m for j in range(k)]


def bloom(magic, keys, count=None, k=7, skip=()):
    """Section 15.15: a filter (types 9 and 10) over keys; count None: len(keys)."""
    m = paths_bits(len(keys))
    bits = bytearray(m // 8)
    for p in keys:
        if p in skip:
            continue
        for b in probes(p, m, k):
            bits[b >> 3] |= 1 << (b & 7)
    return (magic + struct.pack("<QQB", len(keys) if count is None else count, m, k) +
            b"\0" * 7 + bytes(bits))


def path_filter(paths, count=None, k=7, skip=()):
    return bloom(b"NPKPATHS", paths, count, k, skip)


def folder_filter(paths, count=None, k=7, skip=()):
    """Type 10: the folders of paths ("a" and "a/b" of "a/b/c")."""
    folders = sorted({p[:i] for p in paths for i in range(len(p)) if p[i:i + 1] == b"/"})
    return bloom(b"NPKFOLDS", folders, count, k, skip)


def rotation(base, prev, edition, new_key, old_key):
    st = (b"NPKROT1\n" + base + prev + struct.pack("<II", edition, 0) + new_key.key_id +
          new_key.pk)
    return st, old_key.sign(H512(st))


def link(l):
    """Manifest extension type 3's data (15.15)."""
    rot = l.get("statement")
    flags = l.get("flags", 1 if rot else 0)
    out = (struct.pack("<II", l["edition"], flags) + l["prev_digest"] + l["base_digest"] +
           struct.pack("<QH", l["prev_tree_size"], len(l["prev_name"])) + l["prev_name"])
    if rot:
        out += rot[0] + rot[1]
    return out


def stored(objs):
    """Codec 0 (4.3): no compressor's choices in the bytes."""
    for o in objs:
        o.codec, o.payload = 0, o.raw


class File(object):
    """One file of a chain: its bytes, H(manifest), tree size, entries."""

    def __init__(self, name, data, mdigest, n, entries, key, stored):
        self.name, self.data, self.mdigest, self.n = name, data, mdigest, n
        self.entries, self.key, self.stored = entries, key, stored


class Chain(object):
    """Builds a chain file by file; every leaf hash of the chain is kept."""

    def __init__(self, stem=b"news"):
        self.stem, self.files, self.level0, self.stride = stem, [], [], 8
        self.state = {}           # path -> (edition, entry)

    def _mf(self, hooks):
        got = {}

        def grab(mb):
            got["m"] = bytes(mb)
        prev = hooks.get("manifest_bytes")

        def both(mb):
            if prev:
                prev(mb)
            grab(mb)
        hooks["manifest_bytes"] = both
        return got

    def base(self, docs, key, created=T0):
        """docs: (path, data) in path order; a 1.1 archive with a tree."""
        hooks = {}
        got = self._mf(hooks)
        entries = {}

        def keep(es):
            for e in es:
                entries[e["path"]] = dict(e)
        hooks["entries"] = keep
        hooks.update(clusters=stored, pages=stored)
        data = forge.forge([(p, d) for p, d in docs], key, v11=True, tree={"stride": 8},
                           created=created, hooks=hooks, cluster_size=64)
        for p, d in docs:
            e = entries[p]
            self.level0.append(forge.leaf_hash(forge.leaf_data(e)))
            self.state[p] = (0, e)
        name = self.stem + b".npk"
        self.files.append(File(name, data, H(got["m"]), len(docs), entries, key,
                               {p: d for p, d in docs}))
        return self

    def edition(self, adds=(), refs=(), withdraws=(), key=None, created=None, case=None,
                rotate=None):
        """adds: (path, data) stored here; refs: paths whose content is that
        of the state's version of another path, (path, from_path), given by
        ref_kind 1; withdraws: (path, reason or None). case: dict of changes
        (a hostile case): link fields, entries, tree, filter."""
        case = case or {}
        k = len(self.files)
        prev = self.files[-1]
        key = key or prev.key
        p = len(self.level0)
        items = []
        for path, d in adds:
            items.append((path, ("add", d)))
        for path, frm in refs:
            items.append((path, ("ref", frm)))
        for path, why in withdraws:
            items.append((path, ("wd", why)))
        items.sort()
        n = p + len(items)
        docs, want = [], []
        for path, (what, x) in items:
            if what == "add":
                docs.append((path, x))
            else:
                docs.append((path, b""))
            want.append((path, what, x))
        level0 = list(self.level0)
        entries_out = {}

        def fix(es):
            for i, e in enumerate(es):
                path, what, x = want[i]
                e["leaf"] = p + i
                e["salt"] = salt_of(path, k)
                if what == "wd":
                    e["kind"] = 1
                    old = self.state[path][1] if path in self.state else None
                    e["media"] = old["media"] if old else b"text/plain"
                    e["meta_raw"] = meta_of(path, [("withdrawn.reason", x)] if x else [])
                if what == "ref":
                    ed, src = self.state[x]
                    e["size"], e["digest"] = src["size"], src["digest"]
                    e["ref_kind"] = 1
                    e["ref"] = struct.pack("<III", ed, src["cluster"], src["offset"])
                    e["ref_edition"] = ed
                if "entry" in case:
                    case["entry"](e)
                entries_out[path] = e
            for e in es:
                level0.append(forge.leaf_hash(leaf_data(e)))
            if "leaves" in case:
                case["leaves"](level0)
        paths = [w[0] for w in want]
        n_dec = case.get("tree_size", n)
        p_dec = case.get("prev_tree_size", p)
        holder = {}

        def tree_sec(_):
            holder["tree"] = etree_section(level0, p, n_dec, self.stride, case.get("levels"))
            holder["root"] = case.get("root") or forge.mth(level0[:n_dec])
        # The sections' data depends on the entries, made inside forge: the
        # "entries" hook fixes them, then the "clusters" hook (called right
        # after) fills in the sections, which forge places later.
        sec_tree = forge.Section(0, 4, b"")
        sec_paths = forge.Section(1, 9, path_filter(paths, skip=case.get("filter_skip", ())))
        secs = [sec_tree, sec_paths]
        if "folders" in case:   # the folder filter (type 10), one or more times
            fc = case["folders"]
            secs += [forge.Section(2 + i, 10, folder_filter(paths, fc.get("count"),
                                                            skip=fc.get("skip", ())))
                     for i in range(fc.get("times", 1))]

        def fill(cl):
            stored(cl)
            tree_sec(None)
            sec_tree.data = holder["tree"]
        hooks = {"entries": fix, "clusters": fill, "pages": stored}
        got = self._mf(hooks)
        base = self.files[0]
        lk = {"edition": k, "prev_digest": prev.mdigest, "base_digest": base.mdigest,
              "prev_tree_size": p_dec, "prev_name": prev.name}
        if rotate:
            lk["statement"] = rotation(base.mdigest, prev.mdigest, k, key, rotate)
        lk.update(case.get("link", {}))
        if "statement" in case:
            lk["statement"] = case["statement"](lk, key, prev.key)

        def exts(m):
            root_ext = struct.pack("<Q", n_dec) + holder["root"]
            ld = link(lk)
            recs = [struct.pack("<HHI", 2, 0, len(root_ext)) + root_ext,
                    struct.pack("<HHI", 3, case.get("link_flags", 1), len(ld)) + ld]
            cnt = struct.unpack("<H", m["extensions"][:2])[0]
            m["extensions"] = struct.pack("<H", cnt + 2) + m["extensions"][2:] + b"".join(recs)
        hooks["manifest"] = exts
        data = forge.forge(docs, key, v11=True, created=created or T0 + 86400 * k, hooks=hooks,
                           sections=secs, cluster_size=64)
        self.level0 = level0[:n]
        for path, what, x in want:
            e = entries_out[path]
            if what == "wd":
                self.state.pop(path, None)
            else:
                self.state[path] = (e.get("ref_edition", k), e)
        name = self.stem + b".e%04d.npk" % k
        self.files.append(File(name, data, H(got["m"]), n, entries_out, key,
                               {p_: d for p_, d in docs}))
        return self


def standard(case=None, at=2):
    """The chain of the vectors' shape: a base of three documents, edition 1
    adds, replaces and refers, edition 2 withdraws with a reason and rotates
    the key. case: (edition, changes) of a hostile case."""
    key, other = forge.Key(KEY), forge.Key(OTHER)
    c1 = case[1] if case and case[0] == 1 else None
    c2 = case[1] if case and case[0] == 2 else None
    ch = Chain().base([(b"a.txt", b"Harbour wall.\n" * 3), (b"b/note.md", b"# Note\n"),
                       (b"c.txt", b"Council minutes.\n")], key)
    ch.edition(adds=[(b"b/note.md", b"# Note, revised\n"), (b"d.txt", b"New story.\n" * 2)],
               refs=[(b"e/copy.txt", b"a.txt")], case=c1)
    if at >= 2:
        ch.edition(withdraws=[(b"c.txt", b"published in error")], adds=[(b"f.txt", b"Later.\n")],
                   key=other, rotate=key, case=c2)
    return ch


def write(ch, folder):
    os.makedirs(folder, exist_ok=True)
    for f in ch.files:
        with open(os.path.join(folder, f.name.decode()), "wb") as out:
            out.write(f.data)
    return ch.files[-1].name.decode()


def cases():
    """(name, verify exit code, what, chain)."""
    other = lambda: forge.Key(OTHER)  # noqa: E731
    v = []
    add = lambda name, code, what, ch: v.append((name, code, what, ch))  # noqa: E731
    add("good", 0, "a base and two editions: adds, replaces, refers, withdraws, rotates the key "
        "(edition 2 signed by other.key, authorised by the test key's statement)", standard())
    add("good-one", 0, "a base and one edition signed by the test key", standard(at=1))
    add("prev-digest", 1, "edition 2's prev_digest is not H(edition 1's manifest)",
        standard((2, {"link": {"prev_digest": H(b"another")}})))
    add("edition-number", 1, "edition 2 says it is edition 3",
        standard((2, {"link": {"edition": 3}})))
    add("base-digest", 1, "edition 2's base_digest is not H(the base's manifest)",
        standard((2, {"link": {"base_digest": H(b"another base")}})))
    add("prev-tree-size", 1, "edition 1's prev_tree_size is 2, not the base's 3",
        standard((1, {"prev_tree_size": 2}), at=1))
    add("link-not-critical", 1, "the link's critical flag is clear",
        standard((1, {"link_flags": 0}), at=1))
    add("link-reserved-flags", 1, "a reserved flag bit of the link is set",
        standard((1, {"link": {"flags": 2}}), at=1))
    add("rotation-other-chain", 1, "edition 2's rotation statement names another chain",
        standard((2, {"statement": lambda lk, new, old: rotation(H(b"other chain"),
                                                                lk["prev_digest"], 2, new, old)})))
    add("signer-no-statement", 1, "edition 1 is signed by another key without a statement",
        _unrotated())
    add("filter-missing", 1, "edition 1's path filter does not hold d.txt",
        standard((1, {"filter_skip": (b"d.txt",)}), at=1))
    add("folders-good", 0, "edition 1 with its folder filter (type 10: b and e)",
        standard((1, {"folders": {}}), at=1))
    add("folders-missing", 1, "edition 1's folder filter does not hold the folder e",
        standard((1, {"folders": {"skip": (b"e",)}}), at=1))
    add("folders-count", 1, "edition 1's folder filter counts 3 folders, not 2",
        standard((1, {"folders": {"count": 3}}), at=1))
    add("folders-two", 1, "edition 1 holds two folder filters",
        standard((1, {"folders": {"times": 2}}), at=1))
    add("withdraw-absent", 1, "edition 1 withdraws a path that the state does not hold",
        _withdraw_absent())
    add("state-folder", 1, "edition 1 adds a.txt/inner.txt while the state holds the document "
        "a.txt (the folder rule of the state)",
        _state_folder())
    add("ref-later", 1, "edition 1 refers to content in edition 1 (not an earlier one)",
        standard((1, {"entry": _ref(lambda r: struct.pack("<III", 1, 0, 0) + r[12:])}), at=1))
    add("ref-past-stream", 1, "edition 1 refers to an extent past the base's data stream",
        standard((1, {"entry": _ref(lambda r: r[:8] + struct.pack("<I", 60))}), at=1))
    add("tree-level", 1, "a hash of edition 1's stored level 0 is wrong",
        standard((1, {"levels": lambda lv: lv[0].__setitem__(0, H(b"x") + b"")}), at=1))
    add("root", 1, "edition 1's Merkle root is not the root of the chain's tree",
        standard((1, {"root": hashlib.sha256(b"x").digest()}), at=1))
    del other
    return v


def _ref(fn):
    def change(e):
        if e.get("ref_kind") == 1:
            e["ref"] = fn(e["ref"])
    return change


def _unrotated():
    key, other = forge.Key(KEY), forge.Key(OTHER)
    ch = Chain().base([(b"a.txt", b"Harbour wall.\n" * 3), (b"c.txt", b"Council minutes.\n")],
                      key)
    return ch.edition(adds=[(b"d.txt", b"New story.\n")], key=other)


def _state_folder():
    key = forge.Key(KEY)
    ch = Chain().base([(b"a.txt", b"Harbour wall.\n" * 3), (b"c.txt", b"Council minutes.\n")],
                      key)
    return ch.edition(adds=[(b"a.txt/inner.txt", b"inside a document\n")])


def _withdraw_absent():
    key = forge.Key(KEY)
    ch = Chain().base([(b"a.txt", b"Harbour wall.\n" * 3), (b"c.txt", b"Council minutes.\n")],
                      key)
    ch.state[b"z.txt"] = (0, dict(ch.files[0].entries[b"a.txt"], path=b"z.txt"))
    return ch.edition(withdraws=[(b"z.txt", None)], adds=[(b"d.txt", b"x\n")])


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: editions.py OUTDIR\n")
        return 2
    out = argv[1]
    rows = []
    for name, code, what, ch in cases():
        newest = write(ch, os.path.join(out, name))
        rows.append("%s\t%s\t%d\t%s\n" % (name, newest, code, what))
    with open(os.path.join(out, "cases.tsv"), "w") as f:
        f.writelines(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
