#!/usr/bin/env python3
"""browser_check.py browser NP SCRATCH: newspack serve in Debian's chromium,
headless, for tests/cli/test_serve_browser.sh.

DOM assertions on the home, archive, search and article pages (and an
untrusted archive's), screenshots under build/screenshots/, and the CSP
check: an archived page whose script would request /script-ran on the
server and whose script, images, styles, fonts and nested frames would
reach a second local port, where a listener records every request; after
chromium loaded the article page (and so its frame), the server's log holds
no /script-ran and the listener got nothing. Prints ok/FAIL/info lines.
"""
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serve_check as sc  # noqa: E402  (reads NP and SCRATCH from sys.argv)
from serve_check import check, fail, info, Server, PUB, OTHER, S, NP  # noqa: E402

TOP = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SHOTS = os.path.join(TOP, "build", "screenshots")
CHROMIUM = shutil.which("chromium")


def chromium(url, shot=None, size="1280,900", budget=3000):
    """The DOM of url after budget ms of virtual time, and a screenshot."""
    args = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--user-data-dir=" + os.path.join(S, "chromium-profile"),
            "--virtual-time-budget=%d" % budget, "--window-size=" + size, "--dump-dom"]
    if shot:
        args.insert(-1, "--screenshot=" + os.path.join(SHOTS, shot + ".png"))
    args.append(url)
    t0 = time.time()
    try:
        p = subprocess.run(args, stdin=subprocess.DEVNULL, capture_output=True, timeout=40)
    except subprocess.TimeoutExpired:
        fail("chromium loads %s within 40 s" % url)
        return ""
    info("chromium %s: %.1f s" % (url.split("/", 3)[-1][:60], time.time() - t0))
    if p.returncode != 0:
        fail("chromium exits 0 for %s" % url, p.stderr.decode(errors="replace")[-1500:])
    if shot:
        check(os.path.getsize(os.path.join(SHOTS, shot + ".png")) > 5000,
              "screenshot build/screenshots/%s.png" % shot)
    return p.stdout.decode(errors="replace")


class Outside(http.server.BaseHTTPRequestHandler):
    """A site outside the server: records every request it gets."""
    seen = []

    def do_GET(self):
        Outside.seen.append(self.command + " " + self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/gif")
        self.end_headers()
        self.wfile.write(b"GIF89a")

    do_POST = do_HEAD = do_GET

    def log_message(self, *a):
        pass


def csp_page(port):
    o = "http://127.0.0.1:%d" % port
    return f"""<!DOCTYPE html>
<html><head><title>A page with scripts</title>
<script>fetch('/script-ran'); fetch('{o}/fetch-from-script'); new Image().src = '{o}/img-from-script';</script>
<script src="{o}/external-script.js"></script>
<meta http-equiv="refresh" content="0; url={o}/meta-refresh">
<link rel="stylesheet" href="{o}/linked.css">
<link rel="prefetch" href="{o}/prefetch">
<style>
@import url({o}/imported.css);
@font-face {{ font-family: outside; src: url({o}/font.woff2); }}
body {{ background-image: url({o}/style-background.png); font-family: outside; }}
</style>
</head>
<body onload="fetch('/script-ran-onload')">
<h1 id="h">Scripts are not run here</h1>
<p style="background: url({o}/inline-style.png)">An inline style with an outside image.</p>
<img src="{o}/img.png" onerror="fetch('/script-ran-onerror')">
<img src="x.png" srcset="{o}/srcset.png 1x">
<picture><source srcset="{o}/source-srcset.png"><img src="nothing.png"></picture>
<video poster="{o}/poster.png"><source src="{o}/video.mp4"></video>
<audio src="{o}/audio.mp3" autoplay></audio>
<object data="{o}/object.swf"></object><embed src="{o}/embed.swf">
<iframe src="{o}/iframe"></iframe>
<iframe srcdoc="&lt;script&gt;fetch('/script-ran-srcdoc');new Image().src='{o}/srcdoc-script'&lt;/script&gt;&lt;img src='{o}/srcdoc-img'&gt;"></iframe>
<svg width="10" height="10" onload="fetch('/script-ran-svg')"><image href="{o}/svg-image.png" width="10" height="10"/></svg>
<form action="{o}/form" method="post"><input name="q" value="x" autofocus onfocus="this.form.submit()"></form>
<a href="javascript:fetch('/script-ran-js')" id="js">js</a>
<a href="{o}/link" ping="{o}/ping">a link</a>
<noscript><img src="{o}/noscript.png"></noscript>
</body></html>
"""


def main():
    if CHROMIUM is None:
        fail("chromium is installed", "chromium is missing: run sh scripts/deps.sh (as root) "
             "to install it; this suite needs a real browser")
        return
    os.makedirs(SHOTS, exist_ok=True)
    outside = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Outside)
    oport = outside.server_address[1]
    threading.Thread(target=outside.serve_forever, daemon=True).start()
    # the listener works: a request of ours is recorded, then forgotten
    urllib.request.urlopen("http://127.0.0.1:%d/control" % oport, timeout=10).read()
    check(Outside.seen == ["GET /control"], "the outside listener records requests", Outside.seen)
    Outside.seen.clear()
    os.makedirs(os.path.join(S, "csp"), exist_ok=True)
    open(os.path.join(S, "csp", "scripts.html"), "w").write(csp_page(oport))
    rc, out, err = sc.run("create", "-q", "-s", os.path.join(sc.KEYS, "test.key"), "--timestamp",
                          "2026-03-01", os.path.join(S, "csp.npk"), os.path.join(S, "csp"))
    if not check(rc == 0, "create csp.npk", err):
        return
    news = os.path.join(S, "news.npk")
    sv = Server("browser", ["-p", PUB, news, os.path.join(S, "csp.npk")])
    if not sv.up:
        return
    base = "http://127.0.0.1:%d" % sv.port
    arch = json.loads(sv.get("/api/archives")[2])["archives"][0]

    dom = chromium(base + "/", "home")
    check("<title>Archives - newspack</title>" in dom and 'data-archive="news"' in dom and
          'data-archive="csp"' in dom and 'data-trust="trusted"' in dom and "2 archives" in dom,
          "home: the title, both archives, trusted", dom[:1500])
    dom = chromium(base + "/a/news/", "archive")
    check('<td id="documents">%d</td>' % arch["documents"] in dom and "news.npk - newspack" in dom
          and "Town Hall Bureau" in dom and 'data-trust="trusted"' in dom,
          "archive page: the count (%d), sections, trusted" % arch["documents"], dom[:2000])
    dom = chromium(base + "/a/news/search?q=harbour+wall", "search")
    check("<mark>" in dom and "notes/harbour.txt" in dom and
          "Councils approve harbour wall repairs" in dom,
          "search page: a hit, its title and marked words", dom[dom.find("<main>"):][:2000])
    dom = chromium(base + "/a/news/doc/notes/harbour.txt", "article")
    check('id="title">Councils approve harbour wall repairs</h1>' in dom and
          "The harbour councils approved the repairs" in dom and 'data-trust="trusted"' in dom
          and "Ellis Marlowe" in dom, "article page: title, text, author, trusted",
          dom[dom.find("<main>"):][:2000])
    chromium(base + "/a/news/doc/notes/harbour.txt", "article-phone", size="390,844")
    dom = chromium(base + "/a/news/doc/md/tide.md", "markdown")
    check("<strong>quay</strong>" in dom and "&lt;script&gt;" in dom and
          "markdown-script" in dom, "Markdown page: rendered, its <script> shown as text",
          dom[dom.find('id="text"'):][:1200])
    chromium(base + "/a/news/doc/site.warc/000001-site.test.html", "warc-capture")

    # the CSP check: the article page loads the frame
    log_before = sv.log_text()
    dom = chromium(base + "/a/csp/doc/scripts.html", "scripts-page", budget=5000)
    check('<iframe class="page"' in dom and "sandbox=" in dom, "the page with scripts: a frame",
          dom[:1500])
    chromium(base + "/a/csp/frame/scripts.html", "scripts-frame", budget=5000)
    time.sleep(0.5)
    log = sv.log_text()[len(log_before):]
    check("GET /a/csp/frame/scripts.html 200" in log,
          "chromium loaded the frame (the server logged it)", log[-2000:])
    ran = [l for l in log.splitlines() if "/script-ran" in l]
    check(not ran, "the archived page's scripts did not run (no /script-ran in the log)", *ran)
    check(not Outside.seen, "no request left the server (the outside listener got none)",
          *Outside.seen)
    strange = [l for l in log.splitlines() if " GET " in l and " 200 " not in l and
               "/favicon.ico" not in l]
    info("requests the browser made: %d; not 200: %s" % (len(log.splitlines()), strange[:5]))

    sv.stop()
    sv = Server("browser-untrusted", ["-p", OTHER, "--allow-untrusted", news])
    if sv.up:
        base = "http://127.0.0.1:%d" % sv.port
        dom = chromium(base + "/", "home-untrusted")
        check("NOT TRUSTED" in dom and 'data-trust="untrusted"' in dom,
              "an untrusted archive: the home page says NOT TRUSTED", dom[:1500])
        dom = chromium(base + "/a/news/doc/notes/harbour.txt", "article-untrusted")
        check('id="untrusted">NOT TRUSTED' in dom and "approved the repairs" in dom,
              "an untrusted archive: the article page says NOT TRUSTED", dom[:1500])
        sv.stop()
    outside.shutdown()


if __name__ == "__main__":
    try:
        main()
    except Exception as e:
        import traceback
        fail("browser: the test itself raised %r" % e, traceback.format_exc())
