/* test_search_extract.c - the text of a document for the full-text index
 * (src/lib/search/extract.c, spec/search.md 7): HTML, charsets, Markdown,
 * WARC, UTF-16, the bound, and every file of the corpus. */
#include <ftw.h>
#include <stdint.h>

#include <zlib.h>

#include "meta/meta.h"
#include "search/extract.h"
#include "test.h"

/* The text of doc[0..len) as a C string (NULL when the call fails). */
static const char *text_of(const void *doc, size_t len, const char *media)
{
	static npk_buf b;
	npk_error err;
	b.len = 0;
	if (npk__search_text(doc, len, media, &b, &err) != NPK_OK || npk__buf_u8(&b, 0) != 0)
		return NULL;
	return (const char *)b.p;
}
#define TEXT(s, media) text_of((s), strlen(s), (media))

/* ---- HTML ---- */

DEFINE_TEST(test_search_text_html)
{
	static const char page[] =
		"<!doctype html><html><head><title>Title</title>\n"
		"<style>p { color: red; font-family: serif }</style>\n"
		"<script>var secret = 1;</script></head>\n"
		"<body><nav><a href=\"/\">Home</a> <a href=\"/news\">News</a></nav>\n"
		"<header><h1>Big   news</h1></header>\n"
		"<article><p>First <b>bold</b>word and<br>second  line.</p>\n"
		"<div>a<b>c</b></div><ul><li>one</li><li>two</li></ul>\n"
		"<table><tr><td>x</td><td>y</td></tr></table>\n"
		"<div hidden>hidden1</div><span aria-hidden=\" TRUE \">hidden2</span>"
		"<div role=\"banner navigation\">hidden3</div><span aria-hidden=\"false\">shown</span>\n"
		"<noscript>hidden4</noscript><template><p>hidden5</p></template>\n"
		"<form><input value=\"hidden6\"><button>hidden7</button>"
		"<select><option>hidden8</option></select><textarea>hidden9</textarea>"
		"<label>Name</label></form>\n"
		"<svg><text>hidden10</text></svg><iframe>hidden11</iframe>\n"
		"<pre>  keep\n  this</pre><p>caf&eacute; &amp; <!-- a comment --> tea</p></article>\n"
		"<aside>hidden12</aside><footer>hidden13</footer>\n"
		"<script>alert(\"hidden14\")</script></body></html>\n";
	CHECK_STR(TEXT(page, "text/html"),
	          "Big news\nFirst boldword and\nsecond line.\nac\none\ntwo\nx\ny\nshown\n"
	          "Name\n  keep\n  this\ncaf\xC3\xA9 & tea");
	/* inline elements join, blocks separate */
	CHECK_STR(TEXT("<p>a<b>c</b></p><p>d<span>e</span>f</p>", "text/html; charset=utf-8"),
	          "ac\ndef");
	CHECK_STR(TEXT("<div>x</div><div>y</div>", "application/xhtml+xml"), "x\ny");
	CHECK_STR(TEXT("", "text/html"), "");
	CHECK_STR(TEXT("<html><head><title>only a title</title></head></html>", "text/html"), "");
	CHECK_STR(TEXT("no markup at all", "text/html"), "no markup at all");
	/* nested deep: libxml2 stops at an element past level 257 (html 1,
	 * body 2), and the walk does not recurse */
	npk_buf deep = {0};
	CHECK(npk__buf_put(&deep, "<p>before</p>", 13) == 0);
	for (int i = 0; i < 254; i++) /* the p inside is level 257 */
		CHECK(npk__buf_put(&deep, "<div>", 5) == 0);
	CHECK(npk__buf_put(&deep, "deep<p>after</p>", 16) == 0);
	const char *t = text_of(deep.p, deep.len, "text/html");
	int all = t != NULL && strcmp(t, "before\ndeep\nafter") == 0;
	deep.len = 13;
	for (int i = 0; i < 256; i++) /* the last div is level 258 */
		CHECK(npk__buf_put(&deep, "<div>", 5) == 0);
	CHECK(npk__buf_put(&deep, "deep<p>after</p>", 16) == 0);
	t = text_of(deep.p, deep.len, "text/html");
	npk__buf_free(&deep);
	CHECK(all);
	CHECK_STR(t, "before");
	/* the examples of spec/search.md 7.7 */
	CHECK_STR(TEXT("<nav>Home</nav><script>x()</script><p hidden>no</p><p>Yes</p>"
	               "<footer>(c)</footer>", "text/html"), "Yes");
}

DEFINE_TEST(test_search_text_charset)
{
	/* "Привет, мир" in windows-1251, declared by the page */
	static const char cp1251[] = "\xCF\xF0\xE8\xE2\xE5\xF2, \xEC\xE8\xF0";
	static const char utf8[] = "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82, "
	                           "\xD0\xBC\xD0\xB8\xD1\x80";
	char page[512];
	snprintf(page, sizeof page, "<html><head><meta http-equiv=\"Content-Type\" "
	         "content=\"text/html; charset=windows-1251\"></head><body><p>%s</p></body></html>",
	         cp1251);
	CHECK_STR(TEXT(page, "text/html"), utf8);
	snprintf(page, sizeof page, "<html><head><meta charset=\"windows-1251\"></head>"
	         "<body><p>%s</p></body></html>", cp1251);
	CHECK_STR(TEXT(page, "text/html"), utf8);
	/* no declaration in the page: the media type's charset, else windows-1252 */
	snprintf(page, sizeof page, "<p>%s</p>", cp1251);
	CHECK_STR(TEXT(page, "text/html; charset=windows-1251"), utf8);
	CHECK_STR(TEXT("<p>caf\xE9</p>", "text/html"), "caf\xC3\xA9");
	/* the page's own declaration beats the media type's */
	snprintf(page, sizeof page, "<meta charset=windows-1251><p>%s</p>", cp1251);
	CHECK_STR(TEXT(page, "text/html; charset=iso-8859-2"), utf8);
	/* valid UTF-8 is UTF-8, whatever is declared */
	snprintf(page, sizeof page, "<meta charset=windows-1251><p>%s</p>", utf8);
	CHECK_STR(TEXT(page, "text/html"), utf8);
	/* plain text: a charset parameter decodes text that is not UTF-8 */
	CHECK_STR(TEXT(cp1251, "text/plain; charset=\"windows-1251\""), utf8);
	CHECK_STR(TEXT(cp1251, "text/plain"), cp1251);
	CHECK_STR(TEXT(utf8, "text/plain; charset=windows-1251"), utf8);
	CHECK_STR(TEXT("caf\xE9", "text/plain; charset=no-such-charset"), "caf\xE9");
	/* a byte that is no character in the charset is U+FFFD */
	CHECK_STR(TEXT("a\x98z", "text/plain; charset=windows-1251"), "a\xEF\xBF\xBDz");
}

/* ---- Plain text and UTF-16 ---- */

DEFINE_TEST(test_search_text_plain)
{
	CHECK_STR(TEXT("Hello,\r\nworld\n", "text/plain"), "Hello,\r\nworld\n");
	CHECK_STR(TEXT("\xEF\xBB\xBFHello", "text/plain"), "Hello");
	CHECK_STR(TEXT("<b>sgml</b>", "text/sgml"), "<b>sgml</b>");
	CHECK_STR(TEXT("a,b\n1,2\n", "text/csv"), "a,b\n1,2\n");
	/* "Hé €😀" in UTF-16 with a BOM, both byte orders */
	static const uint8_t le[] = {0xFF, 0xFE, 'H', 0, 0xE9, 0, ' ', 0, 0xAC, 0x20,
	                             0x3D, 0xD8, 0x00, 0xDE};
	static const uint8_t be[] = {0xFE, 0xFF, 0, 'H', 0, 0xE9, 0, ' ', 0x20, 0xAC,
	                             0xD8, 0x3D, 0xDE, 0x00};
	static const char want[] = "H\xC3\xA9 \xE2\x82\xAC\xF0\x9F\x98\x80";
	CHECK_STR(text_of(le, sizeof le, "text/plain"), want);
	CHECK_STR(text_of(be, sizeof be, "text/plain; charset=utf-16"), want);
	/* a surrogate alone is U+FFFD; an odd last byte is dropped */
	static const uint8_t lone[] = {0xFF, 0xFE, 0x00, 0xDC, 'a', 0, 0x3D, 0xD8, 'b', 0, 'c'};
	CHECK_STR(text_of(lone, sizeof lone, "text/plain"), "\xEF\xBF\xBD" "a\xEF\xBF\xBD" "b");
	/* UTF-16 HTML: the BOM names the charset */
	static const uint8_t hle[] = {0xFF, 0xFE, '<', 0, 'p', 0, '>', 0, 0xE9, 0, '<', 0, '/', 0,
	                              'p', 0, '>', 0};
	CHECK_STR(text_of(hle, sizeof hle, "text/html"), "\xC3\xA9");
	/* types without text */
	static const uint8_t png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0};
	CHECK_STR(text_of(png, sizeof png, "image/png"), "");
	CHECK_STR(TEXT("%PDF-1.4 text", "application/pdf"), "");
	CHECK_STR(TEXT("body { color: red }", "text/css"), "");
	CHECK_STR(TEXT("var a = 1;", "text/javascript"), "");
	CHECK_STR(TEXT("{\"a\": \"b\"}", "application/json"), "");
	CHECK_STR(TEXT("text", NULL), "");
	CHECK_STR(TEXT("text", "texts/plain"), "");
	/* the text is appended to what out holds */
	npk_buf b = {0};
	npk_error err;
	CHECK(npk__buf_put(&b, "x", 1) == 0);
	CHECK_RC(npk__search_text((const uint8_t *)"yz", 2, "text/plain", &b, &err), NPK_OK, &err);
	CHECK(b.len == 3 && memcmp(b.p, "xyz", 3) == 0);
	npk__buf_free(&b);
	CHECK_RC(npk__search_text(NULL, 1, "text/plain", &b, &err), NPK_E_ARG, &err);
}

DEFINE_TEST(test_search_text_bound)
{
	/* 'a' then 2-byte characters past the bound: the input is cut at
	 * NPK__INDEX_DOC_MAX bytes, in the middle of the last character */
	size_t n = NPK__INDEX_DOC_MAX + 100;
	uint8_t *d = malloc(n);
	CHECK(d != NULL);
	d[0] = 'a';
	for (size_t i = 1; i + 1 < n; i += 2) {
		d[i] = 0xD0;
		d[i + 1] = 0xB6;
	}
	npk_buf b = {0};
	npk_error err;
	int rc = npk__search_text(d, n, "text/plain", &b, &err);
	size_t len = b.len;
	int last = len ? b.p[len - 1] : -1;
	npk__buf_free(&b);
	/* UTF-16 makes the text longer than its bytes: the output is cut at
	 * the bound, before the character the cut falls in (U+20AC, 3 bytes) */
	d[0] = 0xFF;
	d[1] = 0xFE;
	for (size_t i = 2; i + 1 < n; i += 2) {
		d[i] = 0xAC;
		d[i + 1] = 0x20;
	}
	int rc16 = npk__search_text(d, n, "text/plain", &b, &err);
	size_t len16 = b.len;
	int ok16 = npk__utf8_ok(b.p, b.len);
	npk__buf_free(&b);
	/* Markdown and HTML stop at the bound too */
	memset(d, 'w', n);
	for (size_t i = 7; i < n; i += 8)
		d[i] = ' ';
	int rcmd = npk__search_text(d, n, "text/markdown", &b, &err);
	size_t lenmd = b.len;
	npk__buf_free(&b);
	free(d);
	CHECK_EQ_INT(rc, NPK_OK);
	CHECK_EQ_INT(len, NPK__INDEX_DOC_MAX);
	CHECK_EQ_INT(last, 0xD0);
	CHECK_EQ_INT(rc16, NPK_OK);
	CHECK_EQ_INT(len16, NPK__INDEX_DOC_MAX / 3 * 3);
	CHECK(ok16);
	CHECK_EQ_INT(rcmd, NPK_OK);
	CHECK_EQ_INT(lenmd, NPK__INDEX_DOC_MAX);
}

/* ---- Markdown ---- */

DEFINE_TEST(test_search_text_markdown)
{
	CHECK_STR(TEXT("---\ntitle: Secret title\nauthor: Jane\n---\n# Heading\n\nBody text.\n",
	               "text/markdown"),
	          "# Heading\n\nBody text.\n");
	CHECK_STR(TEXT("\xEF\xBB\xBF+++\r\ntitle = \"T\"\r\n+++\r\nBody\r\n", "text/markdown"),
	          "Body\r\n");
	/* unclosed: no front matter, all of it is text */
	CHECK_STR(TEXT("---\nnot closed\n", "text/markdown"), "---\nnot closed\n");
	CHECK_STR(TEXT("See [the report](https://example.com/r?a=(1)) and "
	               "![a chart](img/chart.png \"Chart\").\n", "text/markdown"),
	          "See [the report] and ![a chart].\n");
	CHECK_STR(TEXT("Read [this][ref] now.\n[ref]: https://example.com/x \"X\"\n"
	               "   [other]: /y\nEnd [^1].\n[^1]: A footnote.\n", "text/markdown"),
	          "Read [this][ref] now.\nEnd [^1].\n[^1]: A footnote.\n");
	CHECK_STR(TEXT("Some <span class=\"x\">inline</span> HTML<br/> and <!-- hidden\nnote -->"
	               "a comment; 3 < 4 > 2.\n", "text/markdown"),
	          "Some inline HTML and a comment; 3 < 4 > 2.\n");
	CHECK_STR(TEXT("__bold__ and _em_ but snake_case stays\n", "text/markdown"),
	          "bold and em but snake_case stays\n");
	CHECK_STR(TEXT("broken [link](no end\n", "text/markdown"), "broken [link](no end\n");
	CHECK_STR(TEXT("---\ntitle: T\n---\nSee [it](http://x/) and __this__.", "text/markdown"),
	          "See [it] and this.");
}

/* ---- WARC ---- */

static int add_rec(npk_buf *b, const char *type, const char *ctype, const void *block,
                   size_t len)
{
	char head[1024];
	int n = snprintf(head, sizeof head, "WARC/1.0\r\nWARC-Type: %s\r\n"
	                 "WARC-Target-URI: http://example.com/\r\n"
	                 "WARC-Date: 2025-01-24T10:00:00Z\r\nWARC-Record-ID: <urn:uuid:%zu>\r\n"
	                 "Content-Type: %s\r\nContent-Length: %zu\r\n\r\n", type, b->len, ctype, len);
	return npk__buf_put(b, head, (size_t)n) || npk__buf_put(b, block, len) ||
	       npk__buf_put(b, "\r\n\r\n", 4);
}

/* A resource record of the crawler's own (WARC-Target-URI metadata://...). */
static int add_meta_rec(npk_buf *b, const char *text, size_t len)
{
	char head[512];
	int n = snprintf(head, sizeof head, "WARC/1.0\r\nWARC-Type: resource\r\n"
	                 "WARC-Target-URI: metadata://gnu.org/software/wget/warc/wget.log\r\n"
	                 "Content-Type: text/plain\r\nContent-Length: %zu\r\n\r\n", len);
	return npk__buf_put(b, head, (size_t)n) || npk__buf_put(b, text, len) ||
	       npk__buf_put(b, "\r\n\r\n", 4);
}

/* An HTTP response: header lines (each ending CRLF) and body. */
static int add_http(npk_buf *b, const char *fields, const void *body, size_t len)
{
	npk_buf blk = {0};
	char head[512];
	int n = snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\n%s\r\n", fields);
	int rc = npk__buf_put(&blk, head, (size_t)n) || npk__buf_put(&blk, body, len) ||
	         add_rec(b, "response", "application/http; msgtype=response", blk.p, blk.len);
	npk__buf_free(&blk);
	return rc;
}

static uint8_t *gzip_of(const void *s, size_t len, size_t *out_len)
{
	z_stream zs;
	memset(&zs, 0, sizeof zs);
	if (deflateInit2(&zs, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return NULL;
	size_t cap = deflateBound(&zs, (uLong)len) + 64;
	uint8_t *out = malloc(cap);
	zs.next_in = (Bytef *)(uintptr_t)s;
	zs.avail_in = (uInt)len;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	int rc = out ? deflate(&zs, Z_FINISH) : Z_MEM_ERROR;
	*out_len = zs.total_out;
	deflateEnd(&zs);
	if (rc != Z_STREAM_END) {
		free(out);
		return NULL;
	}
	return out;
}

/* A WARC with one record of each kind; its expected text in want. */
static int make_warc(npk_buf *b)
{
	static const char info[] = "software: test\r\n";
	static const char req[] = "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n";
	static const char page[] = "<html><head><title>t</title><script>x()</script></head>"
	                           "<body><p>First page</p><footer>foot</footer></body></html>";
	static const char zpage[] = "<html><body><p>Zipped page</p><style>a{color:red}</style>"
	                            "</body></html>";
	static const char png[] = "\x89PNG\r\n\x1a\nnot really";
	static const char chunked[] = "5\r\nChunk\r\n6\r\ned tex\r\n1\r\nt\r\n0\r\n\r\n";
	static const char meta[] = "outlinks: http://example.com/a\r\n";
	size_t zn;
	uint8_t *z = gzip_of(zpage, strlen(zpage), &zn);
	int rc = z == NULL || add_rec(b, "warcinfo", "application/warc-fields", info, strlen(info)) ||
	         add_rec(b, "request", "application/http; msgtype=request", req, strlen(req)) ||
	         add_http(b, "Content-Type: text/html; charset=utf-8\r\n", page, strlen(page)) ||
	         add_http(b, "Content-Type: text/html\r\nContent-Encoding: gzip\r\n", z, zn) ||
	         add_http(b, "Content-Type: image/png\r\n", png, sizeof png - 1) ||
	         add_http(b, "Content-Type: text/javascript\r\n", "var a;", 6) ||
	         add_http(b, "Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n", chunked,
	                  strlen(chunked)) ||
	         add_rec(b, "metadata", "application/warc-fields", meta, strlen(meta)) ||
	         add_rec(b, "resource", "text/markdown", "[Res](http://x/) text", 21) ||
	         add_rec(b, "resource", "text/html", "<p>win\xE9</p>", 11) ||
	         add_rec(b, "resource", "text/plain; charset=windows-1251", "\xEC\xE8\xF0", 3) ||
	         add_meta_rec(b, "wget log lines", 14);
	free(z);
	return rc;
}
#define WARC_TEXT "First page\nZipped page\nChunked text\n[Res] text\nwin\xC3\xA9\n" \
                  "\xD0\xBC\xD0\xB8\xD1\x80"

/* The offset of the k-th record (1-based) of a WARC made here. */
static size_t record_at(const npk_buf *b, int k)
{
	for (size_t i = 0; i + 8 <= b->len; i++)
		if (memcmp(b->p + i, "WARC/1.0", 8) == 0 && --k == 0)
			return i;
	return 0;
}

DEFINE_TEST(test_search_text_warc)
{
	npk_buf b = {0};
	CHECK(make_warc(&b) == 0);
	CHECK_STR(text_of(b.p, b.len, "application/warc"), WARC_TEXT);
	/* the same file gzip-compressed whole, stored as application/gzip */
	size_t zn;
	uint8_t *z = gzip_of(b.p, b.len, &zn);
	CHECK(z != NULL);
	const char *t = text_of(z, zn, "application/gzip");
	int same = t != NULL && strcmp(t, WARC_TEXT) == 0;
	t = text_of(z, zn, "application/warc");
	same = same && t != NULL && strcmp(t, WARC_TEXT) == 0;
	free(z);
	CHECK(same);
	/* gzip that holds no WARC has no text */
	z = gzip_of("plain words", 11, &zn);
	CHECK(z != NULL);
	t = text_of(z, zn, "application/gzip");
	free(z);
	CHECK_STR(t, "");
	/* cut inside the 4th record: the records before it keep their text */
	size_t fourth = record_at(&b, 4);
	CHECK(fourth > 0);
	CHECK_STR(text_of(b.p, fourth + 200, "application/warc"), "First page");
	npk__buf_free(&b);
	/* not a WARC at all, and a broken record: no failure, no text */
	CHECK_STR(TEXT("not a warc", "application/warc"), "");
	CHECK_STR(TEXT("WARC/1.0\r\nWARC-Type: response\r\n\r\n", "application/warc"), "");
}

/* ---- The corpus ---- */

static int corpus_failed, corpus_files, corpus_html;
static char corpus_bad[4200];

/* Visible text holds no script or style element and no style rule or
 * script code. A WARC may show "<script" as text (a page in the corpus
 * lists a URL with one), so there only the code is looked for. */
static int looks_like_code(const char *t, int html)
{
	static const char *const code[] = {"font-family:", "{color:", "{display:", "function(",
	                                   "!important"};
	if (html && (strstr(t, "<script") != NULL || strstr(t, "<style") != NULL))
		return 1;
	for (size_t i = 0; i < sizeof code / sizeof code[0]; i++)
		if (strstr(t, code[i]) != NULL)
			return 1;
	return 0;
}

static int corpus_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag != FTW_F)
		return 0;
	size_t len;
	char *doc = npk_test_read_file(path, &len);
	if (doc == NULL)
		return 0;
	if (len > NPK__INDEX_DOC_MAX)
		len = NPK__INDEX_DOC_MAX;
	const char *media = npk_media_type_guess(path, (const uint8_t *)doc, len < 4096 ? len : 4096);
	npk_buf b = {0};
	npk_error err;
	int rc = npk__search_text((const uint8_t *)doc, len, media, &b, &err);
	int bad = rc != NPK_OK || b.len > NPK__INDEX_DOC_MAX;
	int html = strcmp(media, "text/html") == 0;
	if (!bad && (html || strcmp(media, "application/warc") == 0 ||
	             strcmp(media, "application/gzip") == 0)) {
		bad = npk__buf_u8(&b, 0) != 0 || looks_like_code((const char *)b.p, html);
		corpus_html += html;
	}
	/* front matter is metadata, not text */
	if (!bad && strcmp(media, "text/markdown") == 0)
		bad = b.len >= 3 && (memcmp(b.p, "---", 3) == 0 || memcmp(b.p, "+++", 3) == 0);
	/* every page in the corpus has some text */
	if (!bad && html && b.len == 0)
		bad = 1;
	if (bad && !corpus_failed)
		snprintf(corpus_bad, sizeof corpus_bad, "%s (%s)", path, media);
	corpus_failed |= bad;
	corpus_files++;
	npk__buf_free(&b);
	free(doc);
	return 0;
}

DEFINE_TEST(test_search_text_corpus)
{
	if (npk_test_corpus == NULL) {
		fprintf(stderr, "  (no corpus: skipped)\n");
		return;
	}
	corpus_failed = corpus_files = corpus_html = 0;
	CHECK(nftw(npk_test_corpus, corpus_one, 16, FTW_PHYS) == 0);
	if (corpus_failed)
		fprintf(stderr, "  first bad: %s\n", corpus_bad);
	CHECK(!corpus_failed);
	CHECK(corpus_files > 5000);
	CHECK(corpus_html > 50);
}
