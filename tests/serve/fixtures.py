#!/usr/bin/env python3
"""fixtures.py DIR: the inputs of tests/cli/test_serve.sh, written into DIR.

in/    plain text with a byline, Markdown with front matter and raw <script>,
       HTML pages (a script, an outside image, links, a meta refresh), a
       symbolic link, an empty folder
site.warc  three HTML captures linking to each other by absolute address, a
           stylesheet and an image
big/big.bin  a document larger than 16 MiB (sent as a stream)
hurt/hurt.txt  the document that tests/cli/test_serve.sh damages
"""
import os
import random
import sys

d = sys.argv[1]
os.makedirs(d, exist_ok=True)


def put(path, data):
    path = os.path.join(d, path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)


put("in/notes/harbour.txt", """Councils approve harbour wall repairs

By Ellis Marlowe - Town Hall Bureau March 3, 2025

The harbour councils approved the repairs of the old sea wall on Monday.
Engineers said the wall would protect the fish market from winter storms.
""")
put("in/notes/library.txt", """Library wins grant for newspaper scans

By Priya Castell - Culture Desk May 14, 2025

The public library will scan a century of bound newspapers. The harbour
museum lent two volumes. Budget talks with the council continue.
""")
put("in/notes/storm.txt", """Storm closes coast road

By Ellis Marlowe - Weather Desk January 20, 2024

A winter storm closed the coast road. The wall held & the <b>tide</b> turned.
""")
put("in/md/tide.md", """---
title: Spring tides reach the quay
author: Jane Doe
date: 2023-04-09
section: Weather
---
# Spring tides reach the quay

Water covered the **quay** twice this week, the harbour master said.

<script>alert("markdown-script")</script>

<img src="http://127.0.0.1:9/md-image" onerror="alert(1)">
""")
put("in/web/page.html", """<!DOCTYPE html>
<html><head><title>Ferry timetable changes</title>
<meta http-equiv="refresh" content="5; url=http://127.0.0.1:9/refreshed">
<base href="http://127.0.0.1:9/base/">
<script>document.title = "script-ran";</script>
<link rel="stylesheet" href="http://127.0.0.1:9/style.css">
<link rel="preload" href="http://127.0.0.1:9/preload.js">
</head>
<body onload="alert(1)">
<h1>Ferry timetable changes</h1>
<p>The winter ferry timetable starts on Monday.</p>
<img src="http://127.0.0.1:9/outside.png" srcset="http://127.0.0.1:9/big.png 2x">
<p><a href="other.html#x">the other page</a>, <a href="../notes/harbour.txt?q=1">a text</a>,
<a href="/web/other.html">the other page from the root</a>, <a href="missing.html">gone</a>,
<img src="nothing.png"> <img src="pic%20one.gif">
<a href="https://example.com/news">a page elsewhere</a>,
<a href="#top">top</a>, <a href="mailto:desk@example.com">mail</a>,
<a href="javascript:alert(1)">js</a>.</p>
<form action="http://127.0.0.1:9/form"><input name="q"></form>
<iframe src="http://127.0.0.1:9/framed"></iframe>
<iframe srcdoc="&lt;img src='http://127.0.0.1:9/srcdoc.png'&gt;"></iframe>
<object data="http://127.0.0.1:9/object"></object>
<video poster="http://127.0.0.1:9/poster.png" src="//127.0.0.1:9/video.mp4"></video>
<svg><a href="http://127.0.0.1:9/svg-link"><text>x</text></a></svg>
</body></html>
""")
put("in/web/pic one.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;")
put("in/web/other.html", """<html><head><title>Other page</title></head>
<body><p>Nothing else here.</p><a href="page.html">back</a></body></html>
""")
# enough for several pages of lists (50 a page) and of hits (20 a page)
months = ["January", "February", "March", "April", "May", "June"]
for i in range(64):
    put("in/many/ferry%02d.txt" % i, "Ferry report %d\n\nBy Desk Writer - Harbour Desk %s %d, "
        "2022\n\nThe ferry ran %d times; the ferry crew counted %d passengers.\n"
        % (i, months[i % 6], 1 + i % 28, 1 + i % 7, 100 + i))
# a name that needs escaping in an address: space, # ? % + & " < and not ASCII
put('in/odd/a b#c?d%e+f&g"h<i ü.txt', "Odd name\n\nA document with an odd name, quokka.\n")
os.makedirs(os.path.join(d, "in/empty"), exist_ok=True)
if not os.path.lexists(os.path.join(d, "in/notes/link.txt")):
    os.symlink("harbour.txt", os.path.join(d, "in/notes/link.txt"))

# ---- a WARC of three captures, by absolute address
pages = {
    "http://site.test/": ('<html><head><title>Site home</title>'
                          '<link rel="stylesheet" href="style.css">'
                          '<style>h1 { background: url("http://site.test/bg.png") }\n'
                          'p { background: url(http://elsewhere.test/t.png) }</style>'
                          '</head><body><h1 style="border-image: url(bg.png)">Site home</h1>'
                          '<p><a href="http://site.test/b.html#part">Story B</a> '
                          '<a href="/c.html">Story C</a> '
                          '<a href="http://elsewhere.test/x">away</a>'
                          '<img src="http://site.test/c.html"></p></body></html>'),
    "http://site.test/b.html": ('<html><head><title>Story B</title></head><body><p id="part">'
                                'Bridge reopens after repairs.</p>'
                                '<a href="http://site.test/">home</a></body></html>'),
    "http://site.test/c.html": ('<html><head><title>Story C</title></head><body><p>Canal '
                                'cleaned.</p><a href="b.html">B</a></body></html>'),
}
# and a stylesheet and an image of the same site, after the pages
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360f8cfc0f01f0005010201a2b5"
                    "cf2f0000000049454e44ae426082")
resources = {
    "http://site.test/style.css": ("text/css", (
        '@import "print.css";\n'
        '@import url(\'more.css\');\n'
        'body { background: url(/bg.png) no-repeat }\n'
        '/* url(http://site.test/c.html) */\n'
        '.x { background-image: url( "http://elsewhere.test/track.png" ) }\n'
        '.y::after { content: "url(bg.png)" }\n').encode()),
    "http://site.test/bg.png": ("image/png", PNG),
    # what cannot be read is cut there: a string that does not end
    "http://site.test/odd.css": ("text/css", (
        'a { background: url(b\\67 .png) }\n'
        '.b { content: "no end\n.c { background: url(http://elsewhere.test/x.png) }\n').encode()),
}
warc = b""
items = [(u, "text/html; charset=utf-8", b.encode()) for u, b in pages.items()]
items += [(u, t, b) for u, (t, b) in resources.items()]
for i, (uri, ctype, body) in enumerate(items):
    http = (b"HTTP/1.1 200 OK\r\nContent-Type: %s\r\n"
            b"Content-Length: %d\r\n\r\n" % (ctype.encode(), len(body))) + body
    head = ("WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: %s\r\n"
            "WARC-Date: 2024-05-0%dT10:00:00Z\r\n"
            "WARC-Record-ID: <urn:uuid:00000000-0000-4000-8000-00000000000%d>\r\n"
            "Content-Type: application/http; msgtype=response\r\n"
            "Content-Length: %d\r\n\r\n" % (uri, i + 1, i + 1, len(http))).encode()
    warc += head + http + b"\r\n\r\n"
put("site.warc", warc)

# ---- larger than 16 MiB: incompressible, many clusters
rng = random.Random(18)
put("big/big.bin", rng.randbytes(17 * 1024 * 1024 + 12345))
put("big/small.txt", "A small neighbour of the big document.\n")

put("hurt/hurt.txt", "Damaged story\n\n" + "".join(
    "The quarry line %d carries the word zeppelinfield.\n" % i for i in range(60)))
put("hurt/hurt.html", "<html><head><title>Damaged page</title></head><body>" + "".join(
    "<p>The quarry page %d holds the word zeppelinfield.</p>" % i for i in range(60)) +
    "</body></html>")
