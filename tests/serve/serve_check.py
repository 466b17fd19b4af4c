#!/usr/bin/env python3
"""serve_check.py MODE ...: the HTTP side of tests/cli/test_serve.sh.

Starts `newspack serve` on free loopback ports, talks to it over real
sockets and prints one line per check, "ok    DESC" or "FAIL  DESC" (with
indented detail lines), and "info  TEXT"; the shell suite counts them.

  check NP SCRATCH    the API against the command line, pages, HTTP edge
                      cases, trust, tokens and passwords, damage
  load NP SCRATCH SECONDS CLIENTS   concurrent clients, then peak memory
"""
import base64
import html.parser
import http.client
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse

NP, S = sys.argv[2], sys.argv[3]
KEYS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "keys")
PUB = os.path.join(KEYS, "test.pub")
OTHER = os.path.join(KEYS, "other.pub")
failed = 0


def ok(desc):
    print("ok    " + desc, flush=True)


def fail(desc, *detail):
    global failed
    failed += 1
    print("FAIL  " + desc, flush=True)
    for d in detail:
        for line in str(d).splitlines()[:30]:
            print("      " + line[:300], flush=True)


def check(cond, desc, *detail):
    if cond:
        ok(desc)
    else:
        fail(desc, *detail)
    return cond


def info(text):
    print("info  " + text, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """newspack serve ARGS on a free port; stderr (the log) in a file."""

    def __init__(self, name, args, listen_host="127.0.0.1"):
        self.port = free_port()
        self.name = name
        self.log = os.path.join(S, "serve-%s.log" % name)
        self.errf = open(self.log, "wb")
        self.p = subprocess.Popen([NP, "serve", "--listen", "%s:%d" % (listen_host, self.port)] + args,
                                  stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=self.errf)
        self.banner = ""
        deadline = time.time() + 60
        while time.time() < deadline:
            line = self.p.stdout.readline().decode(errors="replace")
            if not line:
                break
            self.banner += line
            if line.startswith("Serving"):
                break
        self.up = self.banner.startswith("Serving") or "\nServing" in self.banner
        if not self.up:
            fail("server %s starts" % name, "printed: " + self.banner, open(self.log).read())
        # the rest of stdout is drained so that the server never blocks on it
        threading.Thread(target=self.p.stdout.read, daemon=True).start()

    def conn(self, timeout=30):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def req(self, path, method="GET", headers=None, body=None):
        """status, headers (lower-case names), body bytes."""
        c = self.conn()
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            data = r.read()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, data
        finally:
            c.close()

    def get(self, path, **kw):
        return self.req(path, **kw)

    def log_text(self):
        self.errf.flush()
        return open(self.log, errors="replace").read()

    def stop(self, desc=None, sig=signal.SIGTERM):
        t0 = time.time()
        self.p.send_signal(sig)
        try:
            rc = self.p.wait(10)
        except subprocess.TimeoutExpired:
            stacks = ""
            if shutil.which("gdb"):   # where it hangs, for the failure's details
                stacks = subprocess.run(["gdb", "-p", str(self.p.pid), "-batch", "-ex",
                                         "thread apply all bt 6"], capture_output=True,
                                        timeout=60).stdout.decode(errors="replace")
                stacks = "\n".join(l for l in stacks.splitlines() if l.startswith(("#", "Thread")))
            self.p.kill()
            rc = self.p.wait()
            rc = "still running after 10 s\n" + stacks
        took = time.time() - t0
        self.errf.close()
        check(rc == 0 and took < 5, desc or "server %s stops on %s, exit 0, promptly"
              % (self.name, signal.Signals(sig).name),
              "exit %s after %.1f s" % (rc, took), open(self.log, errors="replace").read()[-2000:])


def run(*args):
    p = subprocess.run([NP] + list(args), stdin=subprocess.DEVNULL, capture_output=True)
    return p.returncode, p.stdout, p.stderr


class Attrs(html.parser.HTMLParser):
    """Every tag and its attributes."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    handle_startendtag = handle_starttag


def tags_of(body):
    p = Attrs()
    p.feed(body.decode("utf-8", errors="replace"))
    return p.tags


def q(s):
    return urllib.parse.quote(s, safe="/")


def qa(s):
    return urllib.parse.quote(s, safe="")


# ======================================================================
def check_api(sv, slug, npk):
    rc, out, err = run("list", "--json", "-p", PUB, npk)
    want = json.loads(out)["documents"]
    st, h, body = sv.get("/api/list?archive=%s&limit=1000" % slug)
    got = json.loads(body)
    check(st == 200 and h.get("content-type", "").startswith("application/json"),
          "%s: /api/list answers JSON" % slug, st)
    check(got.get("documents") == want, "%s: /api/list documents == list --json, every entry (%d)"
          % (slug, len(want)), "api: %s" % json.dumps(got.get("documents"))[:1500],
          "cli: %s" % json.dumps(want)[:1500])
    check(got.get("total") == len(want), "%s: /api/list total" % slug, got.get("total"))
    paged, off = [], 0
    while off <= len(want):
        st, h, body = sv.get("/api/list?archive=%s&offset=%d&limit=3" % (slug, off))
        page = json.loads(body)
        if st != 200 or page.get("offset") != off:
            break
        paged += page["documents"]
        if len(page["documents"]) < 3:
            break
        off += 3
    check(paged == want, "%s: /api/list paged by 3 (offset, limit) gives the same entries" % slug,
          [e["path"] for e in paged])
    st, h, body = sv.get("/api/list?archive=%s&offset=%d&limit=5" % (slug, len(want) + 10))
    check(st == 200 and json.loads(body)["documents"] == [], "%s: /api/list past the end: none" % slug)
    for bad in ("limit=1001", "limit=-1", "offset=x", "limit=1e3"):
        st, h, body = sv.get("/api/list?archive=%s&%s" % (slug, bad))
        check(st == 400 and "error" in json.loads(body), "%s: /api/list %s is a 400 JSON error"
              % (slug, bad), st, body[:300])
    # /api/doc and /api/raw, every entry
    bad_doc, bad_raw, nraw = [], [], 0
    for e in want:
        st, h, body = sv.get("/api/doc?archive=%s&path=%s" % (slug, qa(e["path"])))
        d = json.loads(body) if st == 200 else {}
        extra = {k: d.pop(k, None) for k in ("archive", "trusted", "key_id")}
        if st != 200 or d != e or extra["archive"] != slug or extra["trusted"] is not True:
            bad_doc.append((e["path"], st, body[:300]))
        if e["kind"] != "document":
            continue
        nraw += 1
        rc, cat, err = run("cat", "-p", PUB, npk, e["path"])
        st, h, body = sv.get("/api/raw?archive=%s&path=%s" % (slug, qa(e["path"])))
        if rc != 0 or st != 200 or body != cat or int(h.get("content-length", -1)) != len(cat):
            bad_raw.append((e["path"], rc, st, len(body), len(cat)))
    check(not bad_doc, "%s: /api/doc == list --json entry, for every entry" % slug, *bad_doc)
    check(not bad_raw, "%s: /api/raw bytes == cat bytes for every document (%d)" % (slug, nraw),
          *bad_raw)
    st, h, body = sv.get("/api/doc?archive=%s&path=nothing/here.txt" % slug)
    check(st == 404 and json.loads(body).get("error"), "%s: /api/doc of a missing path: 404 JSON"
          % slug, st, body[:200])
    return want


first = {}


def check_search_api(sv, slug, npk):
    queries = ("harbour", "wall", "quay OR bridge", "storm -coast", "title:grant", "submarine")
    # each asked twice: the second answer comes from the results kept, and
    # must be the same bytes
    for again in (0, 1):
        for query in queries:
            rc, out, err = run("search", "--json", "-n", "20", "-p", PUB, npk, query)
            want = json.loads(out)
            st, h, body = sv.get("/api/search?archive=%s&limit=20&q=%s" % (slug, qa(query)))
            got = json.loads(body) if st == 200 else {}
            keys = ("path", "score", "title", "date", "snippet", "marks")
            w = [{k: x.get(k) for k in keys} for x in want["hits"]]
            g = [{k: x.get(k) for k in keys} for x in got.get("hits", [])]
            check(st == 200 and g == w and got.get("matched") == want.get("matched"),
                  "/api/search == search --json for %r (%d hits: paths, order, scores, snippets)%s"
                  % (query, len(w), ", asked again" if again else ""),
                  "api: %s" % json.dumps(g)[:1200], "cli: %s" % json.dumps(w)[:1200])
            if not again:
                first[query] = body
            else:
                check(body == first.get(query), "/api/search for %r again: the same bytes" % query)
    st, h, body = sv.get("/api/search?archive=%s&q=%s" % (slug, qa("(harbour")))
    check(st == 400 and json.loads(body).get("error"), "/api/search: a bad query is a 400 JSON error",
          st, body[:300])


def check_archives_api(sv, files):
    st, h, body = sv.get("/api/archives")
    got = json.loads(body)["archives"]
    check(st == 200 and [a["archive"] for a in got] == [os.path.basename(f)[:-4] for f in files],
          "/api/archives lists every archive by slug, in order", [a.get("archive") for a in got])
    rc, out, err = run("info", "--json", "-p", PUB, files[0])
    inf = json.loads(out) if rc == 0 else {}
    a = got[0]
    problems = []
    if a.get("file") != files[0]:
        problems.append("file %r" % a.get("file"))
    if a.get("file_size") != os.path.getsize(files[0]):
        problems.append("file_size %r" % a.get("file_size"))
    if a.get("trusted") is not True:
        problems.append("trusted %r" % a.get("trusted"))
    if a.get("created") != 1772323200:
        problems.append("created %r (2026-03-01 is 1772323200)" % a.get("created"))
    if a.get("search_index") is not True or a.get("proofs") is not True:
        problems.append("search_index/proofs %r %r" % (a.get("search_index"), a.get("proofs")))
    rc, lst, err = run("list", "-p", PUB, files[0])
    ndocs = sum(1 for x in json.loads(run("list", "--json", "-p", PUB, files[0])[1])["documents"]
                if x["kind"] == "document")
    if a.get("documents") != ndocs:
        problems.append("documents %r, list has %d" % (a.get("documents"), ndocs))
    fp = json.dumps(inf)
    if not a.get("key_id") or a["key_id"] not in fp:
        problems.append("key_id %r not in info --json" % a.get("key_id"))
    check(not problems, "/api/archives: file, size, trust, created, counts, key id", *problems)
    return a


def check_pages(sv, slug, arch):
    st, h, body = sv.get("/")
    t = body.decode()
    check(st == 200 and ('href="/a/%s/"' % slug) in t and 'data-trust="trusted"' in t
          and arch["key_id"] in t, "home lists the archive with its signer and trust", t[:800])
    check("default-src 'none'" in h.get("content-security-policy", "") and "script" not in
          h.get("content-security-policy", "") and h.get("x-content-type-options") == "nosniff",
          "pages: a CSP with no script, nosniff", h)
    st, h, body = sv.get("/a/%s/" % slug)
    t = body.decode()
    check(st == 200 and '<td id="documents">%d</td>' % arch["documents"] in t,
          "archive page: the count of documents", t[:1500])
    check("/a/%s/browse/date/2025" % slug in t and "Town Hall Bureau" in t and "Jane Doe" in t,
          "archive page: years, sections, authors")
    st, h, body = sv.get("/a/%s" % slug)
    check(st == 301 and h.get("location") == "/a/%s/" % slug, "/a/SLUG redirects to /a/SLUG/", st)
    for path, want, nowant, desc in (
            ("browse/date/2025", ["notes/harbour.txt", "notes/library.txt"], ["notes/storm.txt"],
             "browse by year"),
            ("browse/date/2025/03", ["notes/harbour.txt"], ["notes/library.txt"], "browse by month"),
            ("browse/date/2025/03/03", ["notes/harbour.txt"], ["notes/library.txt"], "browse by day"),
            ("browse/section/Weather", ["md/tide.md"], ["notes/harbour.txt"], "browse a section"),
            ("browse/section/", ["Weather", "Town Hall Bureau"], [], "the sections"),
            ("browse/author/Ellis%20Marlowe", ["notes/harbour.txt", "notes/storm.txt"],
             ["md/tide.md"], "browse an author"),
            ("browse/author/", ["Ellis Marlowe", "Jane Doe"], [], "the authors"),
            ("browse/all", ["notes/harbour.txt", "md/tide.md"], [], "browse all"),
    ):
        st, h, body = sv.get("/a/%s/%s" % (slug, path))
        t = body.decode()
        check(st == 200 and all(w in t for w in want) and not any(n in t for n in nowant),
              "%s (%s)" % (desc, path), st, t[t.find("<main>"):][:1200])
    # paging: every document once over the pages of /browse/all, newest first
    rc, out, err = run("list", "--json", "-p", PUB, os.path.join(S, "news.npk"))
    docs = sorted(e["path"] for e in json.loads(out)["documents"] if e["kind"] == "document")
    seen, page = [], 1
    while page < 10:
        st, h, body = sv.get("/a/%s/browse/all?page=%d" % (slug, page))
        got = re.findall(r'<a class="t" href="/a/%s/doc/([^"]+)"' % slug, body.decode())
        if st != 200 or not got:
            break
        seen += [urllib.parse.unquote(x) for x in got]
        page += 1
    check(sorted(seen) == docs and page - 1 == (len(docs) + 49) // 50,
          "browse/all?page=N: %d pages of 50 hold every document once (%d)" % (page - 1, len(docs)),
          "seen %d: %s" % (len(seen), seen[:5]))
    rc, out, err = run("search", "--json", "-n", "100", "-p", PUB, os.path.join(S, "news.npk"), "ferry")
    want = [x["path"] for x in json.loads(out)["hits"]]
    seen, page, nexts = [], 1, []
    while page < 10:
        st, h, body = sv.get("/a/%s/search?q=ferry&page=%d" % (slug, page))
        t = body.decode()
        got = re.findall(r'<a class="t" href="/a/%s/doc/([^"]+)"' % slug, t)
        if st != 200 or not got:
            break
        nexts.append('rel="next"' in t)
        seen += [urllib.parse.unquote(x) for x in got]
        page += 1
    check(seen == want and len(want) > 40 and nexts == [True] * (len(nexts) - 1) + [False],
          "search?page=N: pages of 20 hits give search --json's order (%d hits, %d pages)"
          % (len(want), page - 1), "pages: %s" % seen[:5], "cli: %s" % want[:5], nexts)
    st, h, body = sv.get("/a/%s/search?q=ferry&page=999999999999" % slug)
    check(st == 200, "search: a page number past the end is no error", st)
    # a document with an odd name, through the links of the pages
    odd = 'odd/a b#c?d%e+f&g"h<i ü.txt'
    st, h, body = sv.get("/a/%s/search?q=quokka" % slug)
    links = [dict(a).get("href") for tag, a in tags_of(body) if tag == "a" and
             "/doc/odd/" in (dict(a).get("href") or "")]
    st2, h2, body2 = sv.get(links[0]) if links else (None, {}, b"")
    check(len(links) == 1 and st2 == 200 and b"A document with an odd name, quokka." in body2
          and odd.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").encode()
          in body2, "an odd name: the search page's link opens its page", links, st2)
    dl = [dict(a).get("href") for tag, a in tags_of(body2) if tag == "a" and
          dict(a).get("id") == "download"]
    st3, h3, body3 = sv.get(dl[0]) if dl else (None, {}, b"")
    check(st3 == 200 and body3 == open(os.path.join(S, "in", odd), "rb").read(),
          "an odd name: its download link gives its bytes", dl, st3)
    for path, want in (("/a/%s/doc/" % slug, (404,)), ("/a/%s/raw/" % slug, (404,)),
                       ("/a/%s/browse/" % slug, (404, 200)), ("/a/%s/browse/date/abcd" % slug, (404, 400)),
                       ("/a/%s/browse/section/%%20" % slug, (404, 200)),
                       ("/a/%s/browse/nothing/x" % slug, (404,)), ("/a/big/search?q=x", (404,)),
                       ("/a/%s/search" % slug, (200,)), ("/a/%s/search?q=" % slug, (200,)),
                       ("/a/%s/search?q=harbour&from=2025-13-45" % slug, (200, 400)),
                       ("/a/%s/search?q=harbour&page=0" % slug, (200,)),
                       ("/a/%s/search?q=harbour&section=%%22)%%20OR%%20(x" % slug, (200, 400)),
                       ("/api/list", (400,)), ("/api/doc?archive=%s" % slug, (400,)),
                       ("/api/raw?archive=%s&path=" % slug, (400,)), ("/api/search", (400,)),
                       ("/api/search?q=harbour&limit=0", (400,)), ("/api/list?archive=nope", (404,)),
                       ("/a/%s/url" % slug, (400,)), ("/a/%s/proof/nothing" % slug, (404,)),
                       ("/a/big/proof/big.bin", (200,)), ("/leave", (200,))):
        st, h, body = sv.get(path)
        check(st in want, "%s: %s" % (path, " or ".join(map(str, want))), st, body[:300])
    st, h, body = sv.get("/api/search?q=harbour&limit=5")
    check(st == 200 and {x["archive"] for x in json.loads(body)["hits"]} == {"news"},
          "/api/search without archive=: every archive with an index", st)
    st, h, body = sv.get("/a/%s/browse/date/2025/13" % slug)
    check(st in (400, 404), "browse: a month 13 is an error", st)
    st, h, body = sv.get("/a/%s/browse/all?page=99999999999999999999" % slug)
    check(st in (200, 400, 404), "browse: a huge page number is no crash", st)
    # search
    st, h, body = sv.get("/a/%s/search?q=harbour+wall" % slug)
    t = body.decode()
    check(st == 200 and "notes/harbour.txt" in t and "<mark>" in t,
          "search page: a hit with <mark>", t[t.find("<main>"):][:1500])
    st, h, body = sv.get("/a/%s/search?q=quay&section=Weather&from=2023-01-01&to=2023-12-31"
                         % slug)
    t = body.decode()
    check(st == 200 and "md/tide.md" in t, "search page with filters (section, from, to)",
          t[t.find("<main>"):][:1000])
    st, h, body = sv.get("/a/%s/search?q=quay&from=2024-01-01" % slug)
    t = body.decode()
    check(st == 200 and "md/tide.md" not in t, "search page: a date filter leaves out", st)
    st, h, body = sv.get("/a/%s/search?q=%s" % (slug, qa('"<script>x"')))
    check(st in (200, 400) and b"<script>" not in body, "search page: the query is escaped", st)
    # article pages
    st, h, body = sv.get("/a/%s/doc/notes/harbour.txt" % slug)
    t = body.decode()
    check(st == 200 and "approved the repairs of the old sea wall" in t and
          "Councils approve harbour wall repairs" in t and 'data-trust="trusted"' in t,
          "doc page: title, text, signer and trust", t[:1500])
    st, h, body = sv.get("/a/%s/doc/notes/storm.txt" % slug)
    t = body.decode()
    check("&lt;b&gt;tide&lt;/b&gt;" in t and "held &amp; the" in t, "doc page: text escaped")
    st, h, body = sv.get("/a/%s/doc/md/tide.md" % slug)
    t = body.decode()
    main = t[t.find('id="text"'):]
    tags = [x[0] for x in tags_of(main.encode())]
    check(st == 200 and "<strong>quay</strong>" in main and "&lt;script&gt;" in main and
          "script" not in tags and "img" not in tags and "markdown-script" in main,
          "Markdown rendered, raw <script> and <img> shown as text", main[:1500])
    # an HTML document: a sandboxed frame
    st, h, body = sv.get("/a/%s/doc/web/page.html" % slug)
    ifr = [a for tag, a in tags_of(body) if tag == "iframe"]
    a = dict(ifr[0]) if ifr else {}
    check(st == 200 and len(ifr) == 1 and "sandbox" in a and "allow-scripts" not in a["sandbox"]
          and "allow-same-origin" not in a["sandbox"] and a.get("src") == "/a/%s/frame/web/page.html"
          % slug, "HTML doc page: an <iframe sandbox> of the frame", ifr)
    check_frame(sv, slug, "web/page.html", "an HTML page")
    st, h, body = sv.get("/a/%s/frame/web/page.html" % slug)
    links = [dict(a).get("href") for tag, a in tags_of(body) if tag == "a"]
    srcs = [dict(a).get("src") for tag, a in tags_of(body) if tag == "img"]
    check("/a/%s/frame/web/other.html#x" % slug in links and
          "/a/%s/raw/notes/harbour.txt" % slug in links and
          "/a/%s/frame/web/other.html" % slug in links and
          srcs == [None, None, "/a/%s/raw/web/pic%%20one.gif" % slug],
          "frame: relative links and images to documents of the archive go to them, others dropped",
          links, srcs)
    check("/leave?u=https%3A%2F%2Fexample.com%2Fnews" in links and "#top" in links and
          "/leave?u=mailto%3Adesk%40example.com" in links,
          "frame: outside links go through /leave, #fragments stay", links)
    # raw bytes of an active type
    st, h, body = sv.get("/a/%s/raw/web/page.html" % slug)
    csp = h.get("content-security-policy", "")
    check(st == 200 and h.get("content-type") == "application/octet-stream" and
          h.get("content-disposition", "").startswith("attachment") and "sandbox" in csp and
          "allow-scripts" not in csp and h.get("x-content-type-options") == "nosniff",
          "raw of HTML: octet-stream, attachment, CSP sandbox, nosniff", h)
    st, h, body = sv.get("/a/%s/raw/notes/harbour.txt" % slug)
    check(st == 200 and h.get("content-type", "").startswith("text/plain") and
          "sandbox" in h.get("content-security-policy", "") and
          body == open(os.path.join(S, "in/notes/harbour.txt"), "rb").read(),
          "raw of text: its bytes, text/plain under a CSP sandbox", h)
    st, h, body = sv.get("/a/%s/download/notes/harbour.txt" % slug)
    check(st == 200 and h.get("content-disposition", "").startswith('attachment; filename="harbour.txt"'),
          "download: an attachment named after the document", h.get("content-disposition"))
    st, h, body = sv.get("/a/%s/proof/notes/harbour.txt" % slug)
    pf = os.path.join(S, "harbour.npkproof")
    open(pf, "wb").write(body)
    rc, out, err = run("check-proof", "-p", PUB, pf, os.path.join(S, "in/notes/harbour.txt"))
    check(st == 200 and "attachment" in h.get("content-disposition", "") and rc == 0,
          "proof: a download that check-proof accepts with the document", st, h, out, err)
    # /leave
    st, h, body = sv.get("/leave?u=%s" % qa('https://example.com/a"b<c>'))
    t = body.decode()
    check(st == 200 and 'href="https://example.com/a&quot;b&lt;c&gt;"' in t and "<c>" not in t,
          "/leave: the address escaped, a link to open it", t[t.find("<main>"):][:600])
    st, h, body = sv.get("/leave?u=javascript%3Aalert(1)")
    check(st == 200 and b'href="javascript' not in body, "/leave: no link for javascript:")
    st, h, body = sv.get("/static/style.css")
    check(st == 200 and h.get("content-type", "").startswith("text/css") and len(body) > 100,
          "/static/style.css")


def check_frame(sv, slug, path, desc):
    st, h, body = sv.get("/a/%s/frame/%s" % (slug, q(path)))
    csp = h.get("content-security-policy", "")
    check(st == 200 and "sandbox" in csp and "allow-scripts" not in csp and
          "allow-same-origin" not in csp and "default-src 'none'" in csp and
          "form-action 'none'" in csp, "frame of %s: CSP sandbox without scripts" % desc, csp)
    tags = tags_of(body)
    bad = []
    for tag, attrs in tags:
        if tag in ("script", "base") or (tag == "meta" and any(
                k == "http-equiv" and (v or "").strip().lower() == "refresh" for k, v in attrs)):
            bad.append("<%s>" % tag)
        for k, v in attrs:
            v = (v or "").strip()
            if k.startswith("on") or k in ("srcset", "ping"):
                bad.append("%s %s=%r" % (tag, k, v))
            if k in ("href", "src", "action", "formaction", "poster", "data", "background",
                     "xlink:href", "cite", "longdesc", "manifest", "codebase"):
                if not (v.startswith("/a/%s/" % slug) or v.startswith("/leave?u=") or
                        v.startswith("#")) or v.startswith("//"):
                    bad.append("%s %s=%r" % (tag, k, v))
    # a document type's address is a name, never fetched
    low = re.sub(rb"(?is)^\s*<!doctype[^>]*>", b"", body).lower()
    check(not bad and b"http://" not in low.replace(b"%3a%2f%2f", b"") and
          b"https://" not in low and b"javascript:" not in low,
          "frame of %s: every href/src relative to the server, no script, meta refresh, base,"
          " no http(s) address left" % desc, *(bad + [body.decode(errors="replace")[:1500]]))
    return tags


def check_warc(sv, slug):
    tags = check_frame(sv, slug, "site.warc/000001-site.test.html", "a WARC capture")
    hrefs = [dict(a).get("href") for tag, a in tags if tag == "a"]
    srcs = [dict(a).get("src") for tag, a in tags if tag == "img"]
    check("/a/%s/frame/site.warc/000002-site.test_b.html#part" % slug in hrefs and
          "/a/%s/frame/site.warc/000003-site.test_c.html" % slug in hrefs and
          "/leave?u=http%3A%2F%2Felsewhere.test%2Fx" in hrefs,
          "WARC: links between captures go to the other capture's frame (absolute and "
          "root-relative), others to /leave", hrefs)
    check(srcs == ["/a/%s/raw/site.warc/000003-site.test_c.html" % slug],
          "WARC: an image of a captured address is its raw bytes", srcs)
    # CSS: a stylesheet link goes to its rewritten text; url() in <style> and
    # style="" go to the captures, or to nothing (url("")) when not captured
    st, h, body = sv.get("/a/%s/frame/site.warc/000001-site.test.html" % slug)
    t = body.decode()
    links = [dict(a).get("href") for tag, a in tags_of(body) if tag == "link"]
    raw_bg = "/a/%s/raw/site.warc/000005-site.test_bg.png" % slug
    check(links == ["/a/%s/style/site.warc/000004-site.test_style.css" % slug],
          "WARC: a stylesheet link goes to /style/, its addresses rewritten", links)
    check('h1 { background: url("%s") }' % raw_bg in t and 'p { background: url("") }' in t,
          "WARC: url() in a <style> element: the capture's bytes, or nothing", t[:900])
    check("border-image: url(&quot;%s&quot;)" % raw_bg in t or
          "border-image: url(\"%s\")" % raw_bg in t,
          "WARC: url() in a style attribute: the capture's bytes", t[:900])
    check("elsewhere.test/t.png" not in t, "WARC: no address outside the archive left in the CSS")
    st, h, body = sv.get("/a/%s/style/site.warc/000004-site.test_style.css" % slug)
    t = body.decode()
    want = ('@import url("");\n@import url("");\n'
            'body { background: url("%s") no-repeat }\n'
            '/* url(http://site.test/c.html) */\n'
            '.x { background-image: url("") }\n'
            '.y::after { content: "url(bg.png)" }\n' % raw_bg)
    check(st == 200 and h.get("content-type", "").startswith("text/css") and t == want,
          "/a/SLUG/style/: the stylesheet with url() and @import rewritten, comments and "
          "strings as they were", st, h.get("content-type"), t, "want:", want)
    check("sandbox" in h.get("content-security-policy", "") and
          h.get("x-content-type-options") == "nosniff",
          "/a/SLUG/style/: sandboxed and nosniff like raw bytes", h)
    st, h, body = sv.get("/a/%s/style/site.warc/000006-site.test_odd.css" % slug)
    want = 'a { background: url("%s") }\n.b { content: ' % raw_bg
    check(st == 200 and body.decode() == want,
          "/a/SLUG/style/: an escape in url() undone; CSS cut where a string does not end",
          st, body[:300], "want:", want)
    st, h, body = sv.get("/a/%s/style/site.warc/000005-site.test_bg.png" % slug)
    check(st == 404, "/a/SLUG/style/ of what is not a stylesheet: 404", st)
    st, h, body = sv.get("/a/%s/frame/site.warc/000003-site.test_c.html" % slug)
    hrefs = [dict(a).get("href") for tag, a in tags_of(body) if tag == "a"]
    check(hrefs == ["/a/%s/frame/site.warc/000002-site.test_b.html" % slug],
          "WARC: a relative link resolved against the capture's address", hrefs)
    st, h, body = sv.get("/a/%s/url?u=%s" % (slug, qa("http://site.test/b.html")))
    check(st == 302 and h.get("location") == "/a/%s/doc/site.warc/000002-site.test_b.html" % slug,
          "/a/SLUG/url?u=ADDRESS redirects to the capture", st, h.get("location"))
    st, h, body = sv.get("/a/%s/url?u=%s" % (slug, qa("http://site.test/nothing")))
    check(st == 404, "/a/SLUG/url of an address not captured: 404", st)
    st, h, body = sv.get("/a/%s/doc/site.warc/000002-site.test_b.html" % slug)
    t = body.decode()
    check(st == 200 and "/leave?u=http%3A%2F%2Fsite.test%2Fb.html" in t and "<iframe" in t,
          "WARC capture page: its address via /leave, the frame", t[:800])


def check_http(sv, slug):
    for path in ("/a/%s/doc/notes/harbour.txt" % slug, "/", "/nothing", "/api/archives",
                 "/a/big/raw/big.bin"):
        st, h, body = sv.get(path)
        st2, h2, body2 = sv.req(path, method="HEAD")
        same = {k: h.get(k) for k in ("content-type", "content-length", "content-security-policy")}
        same2 = {k: h2.get(k) for k in same}
        check(st2 == st and body2 == b"" and same == same2,
              "HEAD %s: the same status (%d) and headers, no body" % (path, st),
              "GET %s %s" % (st, same), "HEAD %s %s %r" % (st2, same2, body2[:100]))
    # a HEAD on a raw socket: nothing follows the headers
    s = socket.create_connection(("127.0.0.1", sv.port), timeout=10)
    s.sendall(b"HEAD /a/%s/raw/notes/harbour.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
              % slug.encode())
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    check(data.startswith(b"HTTP/1.1 200") and data.endswith(b"\r\n\r\n"),
          "HEAD on the wire: headers only", data[-200:])
    for path in ("/nothing", "/a/nothing/", "/a/%s/doc/no/such.txt" % slug, "/a/%s/nothing" % slug,
                 "/a/%s/doc/notes" % slug, "/a/%s/doc/empty" % slug, "/api/nothing",
                 "/a/%s/raw/notes/link.txt" % slug, "/a/%s/frame/notes/harbour.txt" % slug):
        st, h, body = sv.get(path)
        check(st == 404, "404 for %s" % path, st, body[:300])
    for m in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS"):
        st, h, body = sv.req("/", method=m, body=b"x=1" if m in ("POST", "PUT") else None)
        allow = h.get("allow", "")
        check(st == 405 and "GET" in allow and "HEAD" in allow and "POST" not in allow,
              "%s: 405 with Allow: GET, HEAD" % m, st, allow)
    st, h, body = sv.req("/a/%s/raw/notes/harbour.txt" % slug, headers={"Range": "bytes=0-9"})
    full = open(os.path.join(S, "in/notes/harbour.txt"), "rb").read()
    check((st == 200 and body == full) or (st == 206 and body == full[:10]),
          "a Range request: the whole (200) or the range (206), right", st, body[:40])
    try:
        st, h, body = sv.get("/a/%s/search?q=%s" % (slug, "a" * 100000))
    except (ConnectionError, http.client.HTTPException) as e:
        st = repr(e)
    check(st in (414, 431), "a URL of 100 kB: 414 (or 431)", st)
    try:
        st, h, body = sv.get("/", headers={"X-Big": "h" * 70000})
    except (ConnectionError, http.client.HTTPException) as e:
        st = repr(e)
    check(st in (413, 431), "a header of 70 kB: 431", st)
    st, h, body = sv.get("/a/%s/search?q=%s" % (slug, "a" * 5000))
    check(st == 414, "a URL over 4096 bytes: 414", st)
    st, h, body = sv.get("/" + "b" * 4200)
    check(st == 414, "a path over 4096 bytes: 414", st)
    st, h, body = sv.get("/a/%s/search?q=%s" % (slug, "a" * 3000))
    check(st in (200, 400), "a URL of 3000 bytes is answered", st)
    secret = b"root:"
    for path in ("/a/%s/raw/%%2e%%2e/%%2e%%2e/%%2e%%2e/%%2e%%2e/etc/passwd" % slug,
                 "/a/%s/raw/../../../../etc/passwd" % slug,
                 "/a/%s/doc/..%%2f..%%2f..%%2fetc%%2fpasswd" % slug,
                 "/a/%s/raw/notes/../../../../etc/passwd" % slug,
                 "/a/%s/raw/%%2fetc%%2fpasswd" % slug,
                 "/a/%s/raw//etc/passwd" % slug,
                 "/static/../../../../etc/passwd",
                 "/static/%2e%2e/%2e%2e/etc/passwd",
                 "/a/%2e%2e/raw/etc/passwd",
                 "/api/raw?archive=%s&path=../../../../etc/passwd" % slug,
                 "/api/raw?archive=%s&path=/etc/passwd" % slug,
                 "/a/%s/raw/notes/./harbour.txt" % slug):
        st, h, body = sv.get(path)
        check(st in (400, 404) and secret not in body, "traversal %s: %d, nothing outside" % (path, st),
              st, body[:200])
    st, h, body = sv.get("/a/%s/doc/%%ff" % slug)
    check(st == 400, "invalid UTF-8 in the path (%ff): 400", st)
    st, h, body = sv.get("/a/%s/doc/%%c0%%af" % slug)
    check(st == 400, "an overlong UTF-8 form in the path (%c0%af): 400", st)
    st, h, body = sv.get("/a/%s/search?q=%%ff" % slug)
    check(st == 400, "invalid UTF-8 in an argument: 400", st)
    st, h, body = sv.get("/api/doc?archive=%s&path=%%ed%%a0%%80" % slug)
    check(st == 400, "a surrogate (%ed%a0%80) in an argument: 400", st)
    st, h, body = sv.get("/a/%s/doc/notes/harbour.txt%%00x" % slug)
    check(st in (400, 404), "a NUL in the path: 400 or 404", st)
    # a body with a GET, and a long body with a POST: answered, the server goes on
    st, h, body = sv.req("/a/%s/doc/notes/harbour.txt" % slug, headers={"Content-Length": "11"},
                         body=b"hello world")
    check(st in (200, 400, 413), "GET with a body: answered (%d)" % st, st)
    st, h, body = sv.req("/", method="POST", body=b"z" * 300000)
    check(st in (405, 413), "POST with a 300 kB body: 405 or 413", st)
    s = socket.create_connection(("127.0.0.1", sv.port), timeout=10)
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
              b"GET /nothing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    data = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except socket.timeout:
        pass
    s.close()
    check(data.startswith(b"HTTP/1.1 ") and b"HTTP/1.1 404" in data,
          "a chunked body, then a request on the same connection: both answered",
          data[:200])
    s = socket.create_connection(("127.0.0.1", sv.port), timeout=10)
    s.sendall(b"GARBAGE\r\n\r\n")
    data = s.recv(1000)
    s.close()
    check(data.startswith(b"HTTP/1.1 400") or data == b"", "a malformed request line: 400 or closed",
          data[:100])
    st, h, body = sv.get("/")
    check(st == 200, "the server still answers after all that", st)
    log = sv.log_text()
    check("GET /nothing 404" in log and "POST / 405" in log and "HEAD / 200" in log,
          "one log line per request: method, address, status", log[-1500:])


def check_untrusted(files):
    sv = Server("untrusted", ["-p", OTHER, "--allow-untrusted", "-q"] + files)
    if not sv.up:
        return
    slug = os.path.basename(files[0])[:-4]
    pages = ["/", "/a/%s/" % slug, "/a/%s/browse/all" % slug, "/a/%s/browse/date/2025" % slug,
             "/a/%s/browse/author/" % slug, "/a/%s/search?q=harbour" % slug,
             "/a/%s/doc/notes/harbour.txt" % slug, "/a/%s/doc/web/page.html" % slug,
             "/a/%s/doc/no/such.txt" % slug]
    for p in pages:
        st, h, body = sv.get(p)
        check(b"NOT TRUSTED" in body, "untrusted: %s says NOT TRUSTED (%d)" % (p, st),
              body.decode()[:600])
    st, h, body = sv.get("/api/archives")
    check(json.loads(body)["archives"][0]["trusted"] is False, "untrusted: /api/archives trusted false")
    st, h, body = sv.get("/api/doc?archive=%s&path=notes/harbour.txt" % slug)
    check(json.loads(body).get("trusted") is False, "untrusted: /api/doc trusted false")
    sv.stop()


def check_token(files):
    tf = os.path.join(S, "token")
    token = "s3cret-Token-0123456789"
    open(tf, "w").write(token + "\n")
    sv = Server("token", ["-p", PUB, "--token-file", tf] + files, listen_host="0.0.0.0")
    if not sv.up:
        return
    check(("?token=%s" % token) in sv.banner, "token: the address printed carries the token",
          sv.banner)
    for p in ("/", "/api/archives", "/a/news/doc/notes/harbour.txt", "/static/style.css",
              "/?token=wrong-token-0123456789", "/?token="):
        st, h, body = sv.get(p)
        check(st == 401 and b"approved" not in body, "token: 401 without it (%s)" % p, st)
    st, h, body = sv.get("/", headers={"Authorization": "Bearer nope-nope-nope"})
    check(st == 401, "token: a wrong bearer token: 401", st)
    st, h, body = sv.get("/?token=" + token)
    ck = h.get("set-cookie", "")
    check(st == 200 and ck.startswith("npk_token=%s;" % token) and "HttpOnly" in ck,
          "token: ?token= gives 200 and an HttpOnly cookie", st, ck)
    st, h, body = sv.get("/a/news/doc/notes/harbour.txt", headers={"Cookie": ck.split(";")[0]})
    check(st == 200 and b"approved" in body, "token: the cookie then works", st)
    st, h, body = sv.get("/api/archives", headers={"Authorization": "Bearer " + token})
    check(st == 200 and json.loads(body)["archives"], "token: Authorization: Bearer works", st)
    sv.stop()


def check_password(files):
    pf = os.path.join(S, "password")
    pw = "correct-horse-battery"
    open(pf, "w").write(pw + "\n")
    sv = Server("password", ["-p", PUB, "-q", "--password-file", pf] + files)
    if not sv.up:
        return
    st, h, body = sv.get("/")
    check(st == 401 and h.get("www-authenticate", "").startswith("Basic"),
          "password: 401 with WWW-Authenticate: Basic", st, h)
    good = base64.b64encode(("anyone:" + pw).encode()).decode()
    bad = base64.b64encode(b"anyone:wrong-password").decode()
    st, h, body = sv.get("/a/news/", headers={"Authorization": "Basic " + good})
    check(st == 200, "password: basic auth with the password: 200", st)
    st, h, body = sv.get("/a/news/", headers={"Authorization": "Basic " + bad})
    check(st == 401, "password: a wrong password: 401", st)
    st, h, body = sv.get("/a/news/", headers={"Authorization": "Bearer " + pw})
    check(st == 401, "password: the password as a bearer token: 401", st)
    sv.stop(sig=signal.SIGINT)


def check_damage(dmg, bigdmg, big_orig):
    sv = Server("damage", ["-p", PUB, dmg, bigdmg])
    if not sv.up:
        return
    slug = os.path.basename(dmg)[:-4]
    st, h, body = sv.get("/a/%s/doc/hurt.txt" % slug)
    t = body.decode(errors="replace")
    check(st == 500 and "zeppelinfield" not in t and "quarry" not in t and
          ("digest" in t or "damage" in t.lower()),
          "damaged document: its page is a 500 naming the damage, none of its text", st,
          t[t.find("<main>"):][:800])
    st, h, body = sv.get("/a/%s/doc/hurt.html" % slug)
    t = body.decode(errors="replace")
    check(st == 500 and "zeppelinfield" not in t and "<iframe" not in t and "digest" in t,
          "damaged HTML document: its page is a 500 naming the damage, no frame", st,
          t[t.find("<main>"):][:800])
    st, h, body = sv.get("/a/%s/frame/hurt.html" % slug)
    check(st == 500 and b"zeppelinfield" not in body, "damaged HTML document: its frame is a 500", st)
    st, h, body = sv.get("/api/raw?archive=%s&path=hurt.txt" % slug)
    try:
        j = json.loads(body)
    except ValueError:
        j = {}
    check(st == 500 and h.get("content-type", "").startswith("application/json") and j.get("error")
          and b"zeppelinfield" not in body, "damaged document: /api/raw is a JSON error, status 500",
          st, body[:300])
    for p in ("/a/%s/download/hurt.txt" % slug, "/a/%s/raw/hurt.txt" % slug):
        st, h, body = sv.get(p)
        check(st != 200 and b"zeppelinfield" not in body, "damaged document: %s is %d" % (p, st))
    st, h, body = sv.get("/api/doc?archive=%s&path=hurt.txt" % slug)
    check(st == 200, "damaged document: its entry (index intact) is still listed", st)
    # the big one, damaged in its last cluster: cut off
    bslug = os.path.basename(bigdmg)[:-4]
    for path in ("/a/%s/raw/big.bin" % bslug, "/api/raw?archive=%s&path=big.bin" % bslug):
        c = sv.conn(timeout=60)
        c.request("GET", path)
        r = c.getresponse()
        clen = int(r.getheader("content-length", "-1"))
        got = b""
        cut = False
        try:
            while True:
                chunk = r.read(1 << 20)
                if not chunk:
                    break
                got += chunk
        except http.client.IncompleteRead as e:
            got += e.partial
            cut = True
        except (ConnectionError, socket.timeout) as e:
            cut = True
        c.close()
        check(r.status == 200 and clen == len(big_orig) and 8 << 20 <= len(got) < clen and
              big_orig.startswith(got),
              "big document damaged in its last cluster (%s): cut off after %d of %d bytes, "
              "those bytes right" % (path, len(got), clen), r.status, clen, len(got), cut)
    st, h, body = sv.get("/")
    check(st == 200, "the server goes on after a cut-off stream", st)
    check("cut off" in sv.log_text(), "the log says the stream was cut off", sv.log_text()[-800:])
    sv.stop()


def check_streams(sv):
    """At most 8 large documents stream at once; a client that goes away
    gives its stream back."""
    big = open(os.path.join(S, "big/big.bin"), "rb").read()
    socks = []
    req = b"GET /a/big/raw/big.bin HTTP/1.1\r\nHost: x\r\n\r\n"
    for i in range(8):
        k = socket.create_connection(("127.0.0.1", sv.port), timeout=10)
        k.sendall(req)
        k.recv(4096)          # the headers and some bytes: its stream is open
        socks.append(k)
    st, h, body = sv.get("/a/big/raw/big.bin")
    check(st == 503 and h.get("retry-after"), "a 9th large document at once: 503 with Retry-After",
          st, h)
    st, h, body = sv.get("/a/news/doc/notes/harbour.txt")
    check(st == 200, "small documents are still answered meanwhile", st)
    for k in socks:
        k.close()
    # clients going away in the middle, again and again
    for i in range(24):
        k = socket.create_connection(("127.0.0.1", sv.port), timeout=10)
        k.sendall(req)
        k.recv(65536)
        k.close()
    time.sleep(0.5)
    results = []

    def one():
        results.append(sv.get("/a/big/raw/big.bin"))

    ts = [threading.Thread(target=one) for i in range(8)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(120)
    check(len(results) == 8 and all(r[0] == 200 and r[2] == big for r in results),
          "after 32 clients went away mid-stream, 8 large documents at once, whole and right",
          [(r[0], len(r[2])) for r in results])


def check_chain():
    """An edition chain: its state, and --at an earlier edition."""
    e2 = os.path.join(S, "chain", "e2.npk")
    for at in (None, "0"):
        extra = ["--at", at] if at else []
        sv = Server("chain" + (at or ""), ["-p", PUB, "-q"] + extra + [e2])
        if not sv.up:
            return
        what = "chain" + (" --at " + at if at else "")
        rc, out, err = run("list", "--json", "-p", PUB, *extra, e2)
        want = json.loads(out)["documents"]
        st, h, body = sv.get("/api/list?archive=e2")
        got = json.loads(body).get("documents")
        check(st == 200 and got == want, "%s: /api/list == list --json" % what,
              "api %s" % got, "cli %s" % want)
        for path in ("a.txt", "b.txt", "c.txt"):
            rc, cat, err = run("cat", "-p", PUB, *extra, e2, path)
            st, h, body = sv.get("/api/raw?archive=e2&path=" + path)
            st2, h2, page = sv.get("/a/e2/doc/" + path)
            if rc == 0:
                check(st == 200 and body == cat and st2 == 200 and
                      cat.decode().strip() in page.decode(),
                      "%s: %s as cat gives it, raw and page" % (what, path), st, st2, body, cat)
            else:
                check(st == 404 and st2 == 404, "%s: %s not served (cat exit %d)" % (what, path, rc),
                      st, st2)
        st, h, body = sv.get("/api/archives")
        a = json.loads(body)["archives"][0]
        check(a.get("edition") == 2 and a.get("at_edition") == (int(at) if at else 2),
              "%s: /api/archives gives the edition" % what, a)
        rc, out, err = run("search", "--json", "-p", PUB, *extra, e2, "harbour OR votes OR rejects")
        want = [x["path"] for x in json.loads(out)["hits"]]
        st, h, body = sv.get("/api/search?archive=e2&q=harbour+OR+votes+OR+rejects")
        got = [x["path"] for x in json.loads(body).get("hits", [])] if st == 200 else st
        check(got == want, "%s: /api/search == search --json" % what, got, want)
        sv.stop()


def check_tls(files):
    """HTTPS with tests/serve/tls-test.crt (a self-signed test certificate)."""
    here = os.path.dirname(os.path.abspath(__file__))
    crt, key = os.path.join(here, "tls-test.crt"), os.path.join(here, "tls-test.key")
    tf = os.path.join(S, "token")
    sv = Server("tls", ["-p", PUB, "-q", "--tls-cert", crt, "--tls-key", key, "--token-file", tf]
                + files, listen_host="0.0.0.0")
    if not sv.up:
        return
    token = open(tf).read().strip()
    check("https://" in sv.banner, "TLS: the address printed is https", sv.banner)
    ctx = ssl.create_default_context(cafile=crt)
    c = http.client.HTTPSConnection("127.0.0.1", sv.port, timeout=20, context=ctx)
    c.request("GET", "/a/news/doc/notes/harbour.txt?token=" + token)
    r = c.getresponse()
    body = r.read()
    c.close()
    ck = r.getheader("set-cookie") or ""
    check(r.status == 200 and b"approved the repairs" in body and ck.endswith("; Secure"),
          "TLS: a page over HTTPS (certificate verified), the token's cookie Secure", r.status, ck)
    c = http.client.HTTPSConnection("127.0.0.1", sv.port, timeout=20, context=ctx)
    c.request("GET", "/a/news/")
    r = c.getresponse()
    r.read()
    c.close()
    check(r.status == 401, "TLS: the token is still needed", r.status)
    try:
        st, h, body = sv.get("/")
        plain = "answered %d" % st
    except (ConnectionError, http.client.HTTPException, socket.timeout) as e:
        plain = None
    check(plain is None, "TLS: plain HTTP to the port is not answered", plain)
    sv.stop()


def check_flood(sv):
    """1100 idle connections (over the 512 at once, 256 a client): the
    extra ones closed, no busy loop, answers again once they go."""
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 1400:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
    socks = []
    for i in range(1100):
        try:
            socks.append(socket.create_connection(("127.0.0.1", sv.port), timeout=5))
        except OSError:
            break

    def ticks():
        st = open("/proc/%d/stat" % sv.p.pid).read().rsplit(")", 1)[1].split()
        return int(st[11]) + int(st[12])

    time.sleep(0.5)
    t0 = ticks()
    time.sleep(2)
    spent = ticks() - t0
    for k in socks:
        k.close()
    time.sleep(0.5)
    st, h, body = sv.get("/")
    check(len(socks) >= 1000 and spent < 40 and st == 200,
          "1100 idle connections: no busy loop (%d ticks in 2 s), answers after" % spent,
          len(socks), spent, st)


def main_check():
    news, big = os.path.join(S, "news.npk"), os.path.join(S, "big.npk")
    files = [news, big]
    sv = Server("main", ["-p", PUB] + files)
    if not sv.up:
        return
    arch = check_archives_api(sv, files)
    check_api(sv, "news", news)
    t0 = time.time()
    check_api(sv, "big", big)
    info("the >16 MiB document through /api/raw and cat: %.1f s" % (time.time() - t0))
    st, h, body = sv.get("/a/big/raw/big.bin")
    check(st == 200 and body == open(os.path.join(S, "big/big.bin"), "rb").read(),
          "the >16 MiB document streamed by /a/SLUG/raw whole and right", st, len(body))
    check_streams(sv)
    check_search_api(sv, "news", news)
    check_pages(sv, "news", arch)
    check_warc(sv, "news")
    check_http(sv, "news")
    check_flood(sv)
    sv.stop()
    log = open(sv.log, errors="replace").read()
    m = re.search(r"stopping \((\d+) searches made, (\d+) answered again from memory\)", log)
    check(m and int(m.group(2)) >= len(first) and int(m.group(1)) > 0,
          "the stop line counts the searches made and those answered again from memory",
          log[-600:])
    check_chain()
    check_untrusted(files)
    check_token(files)
    check_tls(files)
    check_password(files)
    check_damage(os.path.join(S, "damage.npk"), os.path.join(S, "bigdmg.npk"),
                 open(os.path.join(S, "big/big.bin"), "rb").read())


# ======================================================================
def main_load(seconds, clients):
    news = os.path.join(S, "news.npk")
    sv = Server("load", ["-p", PUB, "-q", news])
    if not sv.up:
        return
    mix = ["/a/news/doc/notes/harbour.txt", "/a/news/search?q=harbour+wall",
           "/api/doc?archive=news&path=md/tide.md", "/a/news/raw/notes/library.txt",
           "/a/news/doc/md/tide.md", "/a/news/frame/web/page.html", "/api/search?q=quay&archive=news",
           "/a/news/browse/date/2025"]
    stop_at = time.time() + seconds
    lock = threading.Lock()
    lat, errors = [], []
    start = threading.Barrier(clients + 1)

    def client(i):
        mine, errs = [], []
        c = None
        k = i
        try:
            start.wait(30)
        except threading.BrokenBarrierError:
            pass
        while time.time() < stop_at:
            path = mix[k % len(mix)]
            k += 1
            t0 = time.time()
            try:
                if c is None:
                    c = http.client.HTTPConnection("127.0.0.1", sv.port, timeout=30)
                c.request("GET", path)
                r = c.getresponse()
                r.read()
                if r.status != 200:
                    errs.append("%s: %d" % (path, r.status))
                if r.getheader("connection", "").lower() == "close":
                    c.close()
                    c = None
            except Exception as e:  # a connection error is a failure of the test
                errs.append("%s: %r" % (path, e))
                if c is not None:
                    c.close()
                c = None
            mine.append(time.time() - t0)
        if c is not None:
            c.close()
        with lock:
            lat.extend(mine)
            errors.extend(errs)

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    t_begin = time.time()
    start.wait(30)
    peak_threads = 0

    def threads_now():
        try:
            st = open("/proc/%d/status" % sv.p.pid).read()
        except OSError:
            return -1
        return next((int(l.split()[1]) for l in st.splitlines() if l.startswith("Threads:")), -1)

    while time.time() < stop_at:
        time.sleep(0.5)
        peak_threads = max(peak_threads, threads_now())
    for t in threads:
        t.join(60)
    alive = sum(t.is_alive() for t in threads)
    took = time.time() - t_begin
    status = open("/proc/%d/status" % sv.p.pid).read() if sv.p.poll() is None else ""
    hwm = next((int(l.split()[1]) for l in status.splitlines() if l.startswith("VmHWM:")), -1)
    lat.sort()
    n = len(lat)
    check(alive == 0, "load: every client stopped by itself", alive)
    check(not errors and n > 0, "load: %d clients for %d s, %d requests, no error status and no "
          "connection error" % (clients, seconds, n), "%d errors, e.g.:" % len(errors), *errors[:10])
    if n:
        info("load: %.0f requests/s, latency p50 %.1f ms, p99 %.1f ms, max %.1f ms"
             % (n / took, lat[n // 2] * 1e3, lat[min(n - 1, int(n * 0.99))] * 1e3, lat[-1] * 1e3))
    info("load: server peak memory (VmHWM) %.1f MiB, at most %d threads seen" % (hwm / 1024,
                                                                              peak_threads))
    # a thread a connection (at most 512), the polling thread, the main one,
    # a search's two readers and the streams: bounded whatever the load
    check(0 < peak_threads <= 512 + 16, "load: the server's threads stay bounded (%d for %d "
          "clients)" % (peak_threads, clients), peak_threads)
    # AddressSanitizer adds to every thread (a connection has one) its own
    # allocator cache and stack shadow, and keeps freed memory in
    # quarantine: the bound of the real program is checked without it
    limit = 2048 if os.environ.get("NPK_INSTRUMENTED") == "1" else 512
    check(0 < hwm < limit * 1024, "load: server peak memory below %d MiB (%.1f MiB)%s"
          % (limit, hwm / 1024, " (instrumented build)" if limit != 512 else ""), hwm)
    st, h, body = sv.get("/")
    check(st == 200, "load: the server answers after the load", st)
    sv.stop("load: the server stops on SIGTERM, exit 0, promptly")


if __name__ == "__main__":
    mode = sys.argv[1]
    try:
        if mode == "check":
            main_check()
        elif mode == "load":
            main_load(int(sys.argv[4]), int(sys.argv[5]))
    except Exception as e:
        import traceback
        fail("%s: the test itself raised %r" % (mode, e), traceback.format_exc())
