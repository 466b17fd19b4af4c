#!/usr/bin/env python3
"""layout.py: what each newspack command reads from one archive (bench/README.md, cost model).

    python3 bench/layout.py ARCHIVE [PATH]

Parses the trailer, the manifest and both tables (spec/format.md sections 6, 7 and 9; no
checking: run `newspack verify` for that) and prints, as a Markdown table, the bytes that
list, cat PATH (default: the last document), verify and extract read, hash and decode,
following the reading rules of spec/format.md section 11. Standard library only.
"""

import struct
import sys
import zlib


def u(fmt, b, off=0):
    return struct.unpack_from("<" + fmt, b, off)


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    path = sys.argv[1]
    with open(path, "rb") as f:
        data_size = f.seek(0, 2)
        f.seek(data_size - 32)
        trailer = f.read(32)
        m_off, m_size, s_size = u("QII", trailer)
        f.seek(m_off)
        manifest = f.read(m_size)
        (doc_count, content_bytes, cluster_count, page_count, pt_off, pt_size, ct_size) = u(
            "QQIIQII", manifest, 32)
        f.seek(pt_off)
        pt = f.read(pt_size)
        ct = f.read(ct_size)
        pages = []  # (offset, length, raw_size, first_ordinal, count, first_path)
        o = 0
        while o < len(pt):
            off, length, raw, first, count = u("QIIQI", pt, o)
            o += 28 + 32
            (flen,) = u("H", pt, o)
            o += 2
            first_path = pt[o:o + flen]
            o += flen
            pages.append((off, length, raw, first, count, first_path))
        clusters = [u("QII", ct, 48 * i) for i in range(cluster_count)]

        # the document cat reads: its page by binary search over first paths, then its entry
        want = sys.argv[2].encode() if len(sys.argv) == 3 else None
        if want is None:
            k = len(pages) - 1
        else:
            k = max(i for i, p in enumerate(pages) if p[5] <= want)
        off, length, raw, first, count, _ = pages[k]
        f.seek(off)
        obj = f.read(length)
        codec = obj[4]
        payload = obj[24:]
        if codec == 0:
            entries = payload
        elif codec == 1:
            entries = zlib.decompress(payload)
        else:
            entries = None  # zstd: the standard library cannot decode it before Python 3.14
        doc_clusters = None
        doc_size = None
        if entries is not None:
            e = 0
            last = None
            while e < len(entries):
                (plen,) = u("H", entries, e)
                p = entries[e + 2:e + 2 + plen]
                e += 2 + plen
                size, cl, coff = u("QII", entries, e)
                e += 16 + 32
                mlen = entries[e]
                e += 1 + mlen
                (metalen,) = u("H", entries, e)
                e += 2 + metalen
                last = (p, size, cl, coff)
                if want is not None and p == want:
                    break
            p, size, cl, coff = last
            doc_size = size
            # the clusters it occupies
            doc_clusters = []
            need = size
            i, start = cl, coff
            while need > 0:
                doc_clusters.append(i)
                need -= clusters[i][2] - start
                i, start = i + 1, 0

    pages_stored = sum(p[1] for p in pages)
    pages_raw = sum(p[2] for p in pages)
    clusters_stored = sum(c[1] for c in clusters)
    fixed = 32 + 32 + m_size + s_size + pt_size + ct_size

    def mib(n):
        return "%.2f MiB" % (n / 1048576) if n >= 1048576 else "%.1f KiB" % (n / 1024)

    print("| archive | %d documents, %d bytes of content, %d bytes (%s) |" % (
        doc_count, content_bytes, data_size, mib(data_size)))
    print("|---|---|")
    print("| clusters | %d (stored %s, %.0f KiB each on average) |" % (
        cluster_count, mib(clusters_stored), clusters_stored / max(1, cluster_count) / 1024))
    print("| index pages | %d (stored %s, decoded %s; %.0f documents a page) |" % (
        page_count, mib(pages_stored), mib(pages_raw), doc_count / max(1, page_count)))
    print("| page table | %d bytes (%.1f bytes a page) |" % (pt_size, pt_size / max(1, page_count)))
    print("| cluster table | %d bytes (48 a cluster) |" % ct_size)
    print("| manifest + signature block | %d + %d bytes |" % (m_size, s_size))
    print("| opening (every command) | header 32 + trailer 32 + manifest + signature + both tables = "
          "**%d bytes** (%s) read; hashed: header, page table, cluster table, H512(manifest) |" % (
              fixed, mib(fixed)))
    print("| list | opening + every index page = **%d bytes** (%s) read; %d pages hashed and "
          "inflated to %s |" % (fixed + pages_stored, mib(fixed + pages_stored), page_count,
                                mib(pages_raw)))
    if doc_clusters is not None:
        cat_read = fixed + pages[k][1] + sum(clusters[i][1] for i in doc_clusters)
        print("| cat (%s, %d bytes) | opening + page %d (%d bytes) + cluster%s %s (%d bytes) = "
              "**%d bytes** (%s) read; 1 page, %d cluster%s and the document hashed |" % (
                  p.decode(errors="replace"), doc_size, k, pages[k][1],
                  "s" if len(doc_clusters) > 1 else "", ",".join(map(str, doc_clusters)),
                  sum(clusters[i][1] for i in doc_clusters), cat_read, mib(cat_read),
                  len(doc_clusters), "s" if len(doc_clusters) > 1 else ""))
    else:
        print("| cat | opening + one page + the document's clusters (zstd index page: not decoded here) |")
    print("| verify | the whole file once = **%d bytes** (%s); %d objects hashed (%s), %d documents "
          "hashed (%s), everything decoded once |" % (
              data_size, mib(data_size), page_count + cluster_count, mib(pages_stored + clusters_stored),
              doc_count, mib(content_bytes)))
    print("| extract | opening + every page + every cluster = **%d bytes** (%s); objects and documents "
          "hashed as verify; %s written |" % (
              fixed + pages_stored + clusters_stored, mib(fixed + pages_stored + clusters_stored),
              mib(content_bytes)))


if __name__ == "__main__":
    main()
