/* test_warc.c - the WARC reader (src/lib/interchange/warc.c): files made here in
 * memory, then the real files of the test corpus when it is there. */
#include <stdint.h>

#include <nettle/sha1.h>
#include <zlib.h>

#include "format/format.h"
#include "interchange/warc.h"
#include "test.h"

/* ---- Making files ---- */

/* Appends a record: a WARC/1.1 header with the given extra fields (each
 * ending in CRLF), Content-Length, the block and sep after it. */
static int add_rec(npk_buf *b, const char *type, const char *fields, const void *block, size_t len,
                   const char *sep)
{
	char head[4096];
	int n = snprintf(head, sizeof head, "WARC/1.1\r\nWARC-Type: %s\r\n%sContent-Length: %zu\r\n\r\n",
	                 type, fields, len);
	return npk__buf_put(b, head, (size_t)n) || npk__buf_put(b, block, len) ||
	       npk__buf_put(b, sep, strlen(sep));
}

/* Compresses with zlib: bits 15+16 gzip, 15 zlib, -15 raw deflate. */
static uint8_t *squeeze(const void *p, size_t len, int bits, size_t *out_len)
{
	z_stream zs;
	memset(&zs, 0, sizeof zs);
	if (deflateInit2(&zs, 9, Z_DEFLATED, bits, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return NULL;
	size_t cap = deflateBound(&zs, (uLong)len) + 64;
	uint8_t *out = malloc(cap);
	zs.next_in = (Bytef *)(uintptr_t)p;
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

/* "sha1:" and the base32 SHA-1 of p. */
static void sha1_b32(const void *p, size_t len, char out[40])
{
	static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	uint8_t d[SHA1_DIGEST_SIZE];
	struct sha1_ctx c;
	sha1_init(&c);
	sha1_update(&c, len, p);
	sha1_digest(&c, sizeof d, d);
	memcpy(out, "sha1:", 5);
	for (int i = 0; i < 32; i++) {
		int bit = i * 5, v = 0;
		for (int k = 0; k < 5; k++, bit++)
			v = v << 1 | ((d[bit / 8] >> (7 - bit % 8)) & 1);
		out[5 + i] = al[v];
	}
	out[37] = 0;
}

/* Reads the current document to its end into out (cleared first). */
static int read_doc(npk__warc *w, npk_buf *out, npk_error *e)
{
	uint8_t buf[7]; /* small: every layer is crossed many times */
	size_t got;
	int rc;
	out->len = 0;
	while ((rc = npk__warc_read(w, buf, sizeof buf, &got, e)) == NPK_OK && got > 0)
		if (npk__buf_put(out, buf, got) != 0)
			return NPK_E_NOMEM;
	if (rc == NPK_OK && npk__buf_u8(out, 0) == 0)
		out->len--;
	return rc;
}

/* Walks a whole file: NPK_OK or the first error. */
static int walk(const char *path, npk__warc_stats *st, npk_error *e)
{
	npk__warc *w;
	int rc = npk__warc_open(path, &w, e);
	if (rc != NPK_OK)
		return rc;
	const npk__warc_rec *r;
	npk_buf doc = {0};
	while ((rc = npk__warc_next(w, &r, e)) == NPK_OK && r != NULL)
		if (r->is_doc && (rc = read_doc(w, &doc, e)) != NPK_OK)
			break;
	if (st != NULL)
		npk__warc_get_stats(w, st);
	npk__warc_close(w);
	npk__buf_free(&doc);
	return rc;
}

static int write_buf(const char *path, const npk_buf *b)
{
	return npk_test_write_file(path, b->p, b->len);
}

#define HTML "<!doctype html><html><head><title>A page</title></head><body>Text</body></html>\n"

/* ---- Files made here ---- */

DEFINE_TEST(test_warc_resource)
{
	npk_buf b = {0};
	char dig[40];
	sha1_b32(HTML, strlen(HTML), dig);
	char fields[512];
	snprintf(fields, sizeof fields,
	         "warc-target-uri: <http://example.com/a page>\r\n"
	         "WARC-Date: 2025-01-24T10:00:00Z\r\n"
	         "WARC-Record-ID: <urn:uuid:1>\r\n"
	         "CONTENT-TYPE:  Text/HTML ;\r\n  charset=utf-8\r\n"
	         "WARC-Block-Digest: %s\r\nWARC-Payload-Digest: %s\r\n", dig, dig);
	CHECK(add_rec(&b, "resource", fields, HTML, strlen(HTML), "\r\n\r\n") == 0);
	CHECK(write_buf("a.warc", &b) == 0);
	npk__buf_free(&b);
	CHECK(npk__warc_sniff("a.warc") == 1);

	npk_error e = {0};
	npk__warc *w;
	const npk__warc_rec *r;
	CHECK_RC(npk__warc_open("a.warc", &w, &e), NPK_OK, &e);
	CHECK_RC(npk__warc_next(w, &r, &e), NPK_OK, &e);
	CHECK(r != NULL);
	CHECK_EQ_INT(r->number, 1);
	CHECK_EQ_INT(r->offset, 0);
	CHECK_STR(r->version, "WARC/1.1");
	CHECK_STR(r->type, "resource");
	CHECK_STR(r->target_uri, "http://example.com/a page");
	CHECK_STR(r->record_id, "<urn:uuid:1>");
	CHECK_STR(r->content_type, "Text/HTML ; charset=utf-8");
	CHECK_STR(r->media_type, "text/html");
	CHECK(r->is_doc && !r->http);
	CHECK_EQ_INT(r->block_length, strlen(HTML));
	npk_buf doc = {0};
	CHECK_RC(read_doc(w, &doc, &e), NPK_OK, &e);
	CHECK_STR((char *)doc.p, HTML);
	npk__buf_free(&doc);
	npk__warc_digests d;
	npk__warc_get_digests(w, &d);
	CHECK_EQ_INT(d.block_checked, 1);
	CHECK_EQ_INT(d.payload_checked, 1);
	CHECK_RC(npk__warc_next(w, &r, &e), NPK_OK, &e);
	CHECK(r == NULL);
	CHECK_RC(npk__warc_next(w, &r, &e), NPK_OK, &e);
	CHECK(r == NULL);
	npk__warc_stats st;
	npk__warc_get_stats(w, &st);
	CHECK_EQ_INT(st.records, 1);
	CHECK_EQ_INT(st.resource, 1);
	npk__warc_close(w);
	npk__warc_close(NULL);
}

/* Three records, one gzip member each: offsets are the members'. */
DEFINE_TEST(test_warc_gzip_members)
{
	npk_buf file = {0}, one = {0};
	uint64_t at[3];
	const char *types[3] = {"warcinfo", "resource", "metadata"};
	for (int i = 0; i < 3; i++) {
		one.len = 0;
		CHECK(add_rec(&one, types[i], "Content-Type: text/plain\r\n", "body\n", 5, "\r\n\r\n") == 0);
		size_t zl;
		uint8_t *z = squeeze(one.p, one.len, 15 + 16, &zl);
		CHECK(z != NULL);
		at[i] = file.len;
		CHECK(npk__buf_put(&file, z, zl) == 0);
		free(z);
	}
	CHECK(write_buf("a.warc.gz", &file) == 0);
	CHECK(npk__warc_sniff("a.warc.gz") == 1);
	npk_error e = {0};
	npk__warc *w;
	const npk__warc_rec *r;
	CHECK_RC(npk__warc_open("a.warc.gz", &w, &e), NPK_OK, &e);
	for (int i = 0; i < 3; i++) {
		CHECK_RC(npk__warc_next(w, &r, &e), NPK_OK, &e);
		CHECK(r != NULL);
		CHECK_STR(r->type, types[i]);
		CHECK_EQ_INT(r->offset, at[i]);
		CHECK_EQ_INT(r->stream_offset, one.len * (size_t)i);
	}
	CHECK_RC(npk__warc_next(w, &r, &e), NPK_OK, &e);
	CHECK(r == NULL);
	npk__warc_close(w);
	npk__buf_free(&file);
	npk__buf_free(&one);
}

/* One gzip member for the whole file, with the separators real files
 * have: CRLF CRLF, one CRLF, none. */
DEFINE_TEST(test_warc_gzip_whole)
{
	npk_buf b = {0};
	CHECK(add_rec(&b, "resource", "", "one", 3, "\r\n") == 0);
	CHECK(add_rec(&b, "resource", "", "two", 3, "") == 0);
	CHECK(add_rec(&b, "resource", "", "three", 5, "\r\n\r\n\r\n") == 0);
	size_t zl;
	uint8_t *z = squeeze(b.p, b.len, 15 + 16, &zl);
	CHECK(z != NULL);
	CHECK(npk_test_write_file("a.warc", z, zl) == 0);  /* the name does not matter */
	free(z);
	npk_error e = {0};
	npk__warc *w;
	const npk__warc_rec *r;
	npk_buf doc = {0};
	const char *want[] = {"one", "two", "three"};
	CHECK_RC(npk__warc_open("a.warc", &w, &e), NPK_OK, &e);
	for (int i = 0; i < 3; i++) {
		CHECK_RC(npk__warc_next(w, &r, &e), NPK_OK, &e);
		CHECK(r != NULL);
		CHECK_EQ_INT(r->number, i + 1);
		CHECK_EQ_INT(r->offset, 0);
		CHECK_RC(read_doc(w, &doc, &e), NPK_OK, &e);
		CHECK_STR((char *)doc.p, want[i]);
	}
	CHECK_RC(npk__warc_next(w, &r, &e), NPK_OK, &e);
	CHECK(r == NULL);
	npk__warc_close(w);
	npk__buf_free(&doc);
	npk__buf_free(&b);
}

/* An HTTP response: its status, headers and payload. */
static int http_doc(const char *head, const void *body, size_t blen, const char *fields,
                    npk_buf *doc, const npk__warc_rec **out, npk__warc **wp, npk_error *e)
{
	npk_buf blk = {0}, b = {0};
	char f[1024];
	snprintf(f, sizeof f, "Content-Type: application/http; msgtype=response\r\n%s", fields);
	int rc = npk__buf_put(&blk, head, strlen(head)) || npk__buf_put(&blk, body, blen) ||
	         add_rec(&b, "response", f, blk.p, blk.len, "\r\n\r\n") || write_buf("h.warc", &b)
	         ? NPK_E_IO : NPK_OK;
	npk__buf_free(&blk);
	npk__buf_free(&b);
	if (rc == NPK_OK)
		rc = npk__warc_open("h.warc", wp, e);
	if (rc == NPK_OK && (rc = npk__warc_next(*wp, out, e)) == NPK_OK)
		rc = read_doc(*wp, doc, e);
	return rc;
}

DEFINE_TEST(test_warc_http)
{
	npk_error e = {0};
	npk__warc *w;
	const npk__warc_rec *r;
	npk_buf doc = {0};
	/* HTTP/2 style: lower-case names, no reason phrase */
	CHECK_RC(http_doc("HTTP/1.1 200\r\ncontent-type: TEXT/html; charset=UTF-8\r\n\r\n", "<p>x",
	                  4, "", &doc, &r, &w, &e), NPK_OK, &e);
	CHECK(r->http);
	CHECK_EQ_INT(r->http_status, 200);
	CHECK_STR(r->http_content_type, "TEXT/html; charset=UTF-8");
	CHECK_STR(r->media_type, "text/html");
	CHECK_STR((char *)doc.p, "<p>x");
	npk__warc_close(w);
	/* trailing space on the status line, no Content-Type */
	CHECK_RC(http_doc("HTTP/1.1 404 Not Found \r\nServer: x\r\n\r\n", "gone", 4, "", &doc, &r, &w,
	                  &e), NPK_OK, &e);
	CHECK_EQ_INT(r->http_status, 404);
	CHECK_STR(r->media_type, "application/octet-stream");
	CHECK_STR((char *)doc.p, "gone");
	npk__warc_close(w);
	/* chunked, with an extension and a trailer */
	const char *ch = "4\r\nWiki\r\n5;x=y\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nT: 1\r\n\r\n";
	CHECK_RC(http_doc("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n",
	                  ch, strlen(ch), "", &doc, &r, &w, &e), NPK_OK, &e);
	CHECK(r->http_chunked);
	CHECK_STR((char *)doc.p, "Wikipedia in\r\n\r\nchunks.");
	npk__warc_close(w);
	/* the header kept while the body is stored de-chunked; and the
	 * renamed header of Common Crawl */
	CHECK_RC(http_doc("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "<html>", 6, "",
	                  &doc, &r, &w, &e), NPK_OK, &e);
	CHECK(!r->http_chunked);
	CHECK_STR((char *)doc.p, "<html>");
	npk__warc_close(w);
	CHECK_RC(http_doc("HTTP/1.1 200 OK\r\nX-Crawler-Transfer-Encoding: chunked\r\n\r\n", "4\r\nabcd",
	                  7, "", &doc, &r, &w, &e), NPK_OK, &e);
	CHECK(!r->http_chunked);
	CHECK_STR((char *)doc.p, "4\r\nabcd");
	npk__warc_close(w);
	/* broken chunk framing: what decodes, marked, never an error */
	CHECK_RC(http_doc("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "4\r\nabcdXX", 9,
	                  "", &doc, &r, &w, &e), NPK_OK, &e);
	CHECK_EQ_INT(r->decoded, NPK__WARC_PARTIAL);
	CHECK(strstr(r->problem, "chunk") != NULL);
	CHECK_STR((char *)doc.p, "abcd");
	npk__warc_close(w);
	npk__buf_free(&doc);
}

DEFINE_TEST(test_warc_content_coding)
{
	static const char text[] = HTML HTML HTML;
	npk_error e = {0};
	npk__warc *w;
	const npk__warc_rec *r;
	npk_buf doc = {0};
	static const struct { const char *enc; int bits; } cases[] = {
		{"gzip", 15 + 16}, {"x-gzip", 15 + 16}, {"deflate", 15}, {"deflate", -15},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t zl;
		uint8_t *z = squeeze(text, strlen(text), cases[i].bits, &zl);
		CHECK(z != NULL);
		char head[200];
		snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Encoding: %s\r\n\r\n", cases[i].enc);
		int rc = http_doc(head, z, zl, "", &doc, &r, &w, &e);
		free(z);
		CHECK_RC(rc, NPK_OK, &e);
		CHECK_STR(r->http_content_encoding, cases[i].enc);
		CHECK_STR((char *)doc.p, text);
		npk__warc_close(w);
	}
	/* "deflate, gzip": gzip undone first; chunked below both */
	size_t l1, l2;
	uint8_t *z1 = squeeze(text, strlen(text), 15, &l1);
	uint8_t *z2 = z1 ? squeeze(z1, l1, 15 + 16, &l2) : NULL;
	CHECK(z2 != NULL);
	npk_buf ch = {0};
	for (size_t off = 0; off < l2; off += 10) {
		char line[16];
		size_t k = l2 - off < 10 ? l2 - off : 10;
		int n = snprintf(line, sizeof line, "%zx\r\n", k);
		CHECK(npk__buf_put(&ch, line, (size_t)n) == 0 && npk__buf_put(&ch, z2 + off, k) == 0 &&
		      npk__buf_put(&ch, "\r\n", 2) == 0);
	}
	CHECK(npk__buf_put(&ch, "0\r\n\r\n", 5) == 0);
	int rc = http_doc("HTTP/1.1 200 OK\r\nContent-Encoding: deflate, gzip\r\n"
	                  "Transfer-Encoding: chunked\r\n\r\n", ch.p, ch.len, "", &doc, &r, &w, &e);
	free(z1);
	free(z2);
	npk__buf_free(&ch);
	CHECK_RC(rc, NPK_OK, &e);
	CHECK(r->http_chunked);
	CHECK_STR((char *)doc.p, text);
	npk__warc_close(w);
	/* said to be gzip, but is not: kept as it is */
	CHECK_RC(http_doc("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n", "plain", 5, "", &doc,
	                  &r, &w, &e), NPK_OK, &e);
	CHECK_STR((char *)doc.p, "plain");
	npk__warc_close(w);
	/* a coding not known: as it is */
	CHECK_RC(http_doc("HTTP/1.1 200 OK\r\nContent-Encoding: compress\r\n\r\n", "LZW", 3, "", &doc,
	                  &r, &w, &e), NPK_OK, &e);
	CHECK_STR((char *)doc.p, "LZW");
	npk__warc_close(w);
	npk__buf_free(&doc);
}

/* A broken gzip body: an error, unless the record says it is truncated;
 * then what decodes is given. */
DEFINE_TEST(test_warc_truncated_coding)
{
	char text[20000];
	for (size_t i = 0; i < sizeof text; i++)
		text[i] = (char)('a' + (i * 7 + i / 13) % 26);
	size_t zl;
	uint8_t *z = squeeze(text, sizeof text, 15 + 16, &zl);
	CHECK(z != NULL);
	npk_error e = {0};
	npk__warc *w;
	const npk__warc_rec *r;
	npk_buf doc = {0};
	const char *head = "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n";
	int rc = http_doc(head, z, zl / 2, "WARC-Truncated: length\r\n", &doc, &r, &w, &e);
	CHECK_RC(rc, NPK_OK, &e);
	CHECK(doc.len > 1000 && doc.len < sizeof text);
	CHECK(memcmp(doc.p, text, doc.len) == 0);
	npk__warc_close(w);
	/* the same with corrupt bytes in the middle */
	memset(z + zl / 3, 0xff, 40);
	rc = http_doc(head, z, zl, "WARC-Truncated: disconnect\r\n", &doc, &r, &w, &e);
	CHECK_RC(rc, NPK_OK, &e);
	CHECK(memcmp(doc.p, text, doc.len) == 0);
	npk__warc_close(w);
	/* without WARC-Truncated (servers cut bodies short): the same */
	rc = http_doc(head, z, zl / 2, "", &doc, &r, &w, &e);
	free(z);
	CHECK_RC(rc, NPK_OK, &e);
	CHECK_EQ_INT(r->decoded, NPK__WARC_PARTIAL);
	CHECK(strstr(r->problem, "gzip content coding") != NULL);
	npk__warc_close(w);
	npk__buf_free(&doc);
}

DEFINE_TEST(test_warc_digests)
{
	npk_buf b = {0};
	char dig[40], fields[300];
	const char *body = "payload";
	sha1_b32(body, 7, dig);
	CHECK(add_rec(&b, "warcinfo", "", "x", 1, "\r\n\r\n") == 0);
	size_t second = b.len;
	snprintf(fields, sizeof fields, "WARC-Payload-Digest: %s\r\n", dig);
	CHECK(add_rec(&b, "resource", fields, body, 7, "\r\n\r\n") == 0);
	/* the same in hex and base64 labels and encodings */
	CHECK(add_rec(&b, "resource", "WARC-Block-Digest: SHA-1:F07E5A815613C5ABEDDC4B682247A4C42D8A95DF\r\n"
	              "WARC-Payload-Digest: sha256:I59Z7VXnN8dxR89VrQwbAwttfudIp0JpUvm4UtWpNeU=\r\n",
	              "payload", 7, "\r\n\r\n") == 0);
	/* an algorithm not known is not checked */
	CHECK(add_rec(&b, "resource", "WARC-Payload-Digest: blake3:whatever\r\n", "z", 1, "\r\n\r\n") == 0);
	size_t fourth = b.len;
	dig[10] = dig[10] == 'A' ? 'B' : 'A';
	snprintf(fields, sizeof fields, "WARC-Payload-Digest: %s\r\n", dig);
	CHECK(add_rec(&b, "resource", fields, body, 7, "\r\n\r\n") == 0);
	CHECK(write_buf("d.warc", &b) == 0);
	npk__buf_free(&b);

	npk_error e = {0};
	npk__warc *w;
	const npk__warc_rec *r;
	npk_buf doc = {0};
	CHECK_RC(npk__warc_open("d.warc", &w, &e), NPK_OK, &e);
	CHECK_RC(npk__warc_next(w, &r, &e), NPK_OK, &e);
	CHECK_RC(npk__warc_next(w, &r, &e), NPK_OK, &e);
	CHECK_EQ_INT(r->offset, second);
	CHECK_RC(read_doc(w, &doc, &e), NPK_OK, &e);
	CHECK_RC(npk__warc_next(w, &r, &e), NPK_OK, &e);
	CHECK_RC(read_doc(w, &doc, &e), NPK_OK, &e);
	CHECK_RC(npk__warc_next(w, &r, &e), NPK_OK, &e);
	CHECK_RC(read_doc(w, &doc, &e), NPK_OK, &e);
	npk__warc_digests d;
	npk__warc_get_digests(w, &d);
	CHECK_EQ_INT(d.payload_checked, 2);
	CHECK_EQ_INT(d.block_checked, 1);
	CHECK_EQ_INT(d.skipped_unknown, 1);
	CHECK_RC(npk__warc_next(w, &r, &e), NPK_OK, &e);
	CHECK_RC(read_doc(w, &doc, &e), NPK_E_DIGEST, &e);
	char want[200];
	snprintf(want, sizeof want, "d.warc: record 5 at offset %zu: WARC-Payload-Digest does not match"
	         " (%s recorded, sha1:", fourth, dig);
	CHECK(strncmp(e.msg, want, strlen(want)) == 0);
	CHECK(strstr(e.msg, "computed)") != NULL);
	/* the reader stays stopped */
	CHECK_RC(npk__warc_next(w, &r, &e), NPK_E_DIGEST, &e);
	npk__warc_close(w);

	/* a record skipped unread: its digests are checked all the same */
	npk__warc_stats st;
	CHECK_RC(npk__warc_open("d.warc", &w, &e), NPK_OK, &e);
	int rc;
	while ((rc = npk__warc_next(w, &r, &e)) == NPK_OK && r != NULL)
		;
	CHECK_EQ_INT(rc, NPK_E_DIGEST);
	npk__warc_get_stats(w, &st);
	CHECK_EQ_INT(st.records, 5);
	npk__warc_close(w);
	npk__buf_free(&doc);
}

/* Framing and header errors: each names the file, record and offset. */
static void expect_error(const char *name, const void *p, size_t len, int code, const char *part)
{
	npk_error e = {0};
	CHECK(npk_test_write_file(name, p, len) == 0);
	e.msg[0] = 0;
	int rc = walk(name, NULL, &e);
	if (rc != code || strstr(e.msg, part) == NULL) {
		fprintf(stderr, "  %s: got %d \"%s\", expected %d \"%s\"\n", name, rc, e.msg, code, part);
		npk_test_failed = 1;
	}
}

DEFINE_TEST(test_warc_errors)
{
	npk_buf b = {0};
	expect_error("empty.warc", "", 0, NPK_E_INPUT, "empty.warc: not a WARC file (it is empty)");
	expect_error("html.warc", "<html>\n", 7, NPK_E_INPUT, "html.warc: not a WARC file (it starts with \"<html>\"");
	expect_error("crlf.warc", "\r\n\r\n", 4, NPK_E_INPUT, "not a WARC file");

	CHECK(add_rec(&b, "resource", "", "abc", 3, "\r\n\r\n") == 0);
	size_t first = b.len;
	CHECK(add_rec(&b, "resource", "", "abc", 3, "\r\n\r\n") == 0);
	b.len -= 6;  /* the block cut short */
	expect_error("cut.warc", b.p, b.len, NPK_E_INPUT, "cut.warc: record 2 at offset");
	char want[120];
	snprintf(want, sizeof want, "record 2 at offset %zu: block truncated", first);
	expect_error("cut.warc", b.p, b.len, NPK_E_INPUT, want);

	b.len = first;
	CHECK(npk__buf_put(&b, "junk\r\nWARC/1.1\r\n", 16) == 0);
	snprintf(want, sizeof want, "record 2 at offset %zu: expected a record (\"WARC/\") after record 1, "
	         "found \"junk\"", first);
	expect_error("junk.warc", b.p, b.len, NPK_E_INPUT, want);

	const char *v2 = "WARC/2.0\r\nWARC-Type: resource\r\nContent-Length: 0\r\n\r\n";
	expect_error("v2.warc", v2, strlen(v2), NPK_E_INPUT,
	             "v2.warc: record 1 at offset 0: unsupported WARC version \"WARC/2.0\"");
	const char *big = "WARC/1.0\r\nWARC-Type: resource\r\nContent-Length: 99999999999999999999999\r\n\r\n";
	expect_error("big.warc", big, strlen(big), NPK_E_INPUT, "Content-Length \"99999999999999999999999\" is too large");
	const char *neg = "WARC/1.0\r\nWARC-Type: resource\r\nContent-Length: -1\r\n\r\n";
	expect_error("neg.warc", neg, strlen(neg), NPK_E_INPUT, "is not a decimal number");
	const char *none = "WARC/1.0\r\nWARC-Type: resource\r\n\r\nabc";
	expect_error("nolen.warc", none, strlen(none), NPK_E_INPUT, "record 1 at offset 0: no Content-Length");
	const char *open = "WARC/1.0\r\nWARC-Type: resource\r\nContent-Len";
	expect_error("open.warc", open, strlen(open), NPK_E_INPUT, "the file ends inside the WARC header");

	/* a header over 1 MiB */
	b.len = 0;
	CHECK(npk__buf_put(&b, "WARC/1.0\r\nX-Big: ", 17) == 0);
	CHECK(npk__buf_reserve(&b, 1100000) == 0);
	memset(b.p + b.len, 'x', 1100000);
	b.len += 1100000;
	CHECK(npk__buf_put(&b, "\r\nContent-Length: 0\r\n\r\n", 23) == 0);
	expect_error("hdr.warc", b.p, b.len, NPK_E_INPUT, "record 1 at offset 0: WARC header longer than");

	/* gzip: a truncated member, and bytes after the last that are not gzip */
	b.len = 0;
	CHECK(add_rec(&b, "resource", "", "abc", 3, "\r\n\r\n") == 0);
	size_t zl;
	uint8_t *z = squeeze(b.p, b.len, 15 + 16, &zl);
	CHECK(z != NULL);
	expect_error("cut.warc.gz", z, zl - 5, NPK_E_INPUT, "the gzip member at offset 0 is truncated");
	npk_buf g = {0};
	CHECK(npk__buf_put(&g, z, zl) == 0 && npk__buf_put(&g, "trailing", 8) == 0);
	free(z);
	expect_error("tail.warc.gz", g.p, g.len, NPK_E_INPUT, "are not a gzip member");
	npk__buf_free(&g);
	npk__buf_free(&b);
}

/* Documents skipped unread, requests with payload digests, revisits. */
DEFINE_TEST(test_warc_skip_and_revisit)
{
	npk_buf b = {0};
	char dig[40], fields[400];
	const char *req = "GET / HTTP/1.1\r\nHost: example.com\r\n\r\nq=1";
	sha1_b32("q=1", 3, dig);
	snprintf(fields, sizeof fields, "Content-Type: application/http; msgtype=request\r\n"
	         "WARC-Payload-Digest: %s\r\n", dig);
	CHECK(add_rec(&b, "request", fields, req, strlen(req), "\r\n\r\n") == 0);
	const char *resp = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<p>skipped</p>";
	CHECK(add_rec(&b, "response", "Content-Type: application/http; msgtype=response\r\n", resp,
	              strlen(resp), "\r\n") == 0);
	const char *rv = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n";
	CHECK(add_rec(&b, "revisit", "Content-Type: application/http; msgtype=response\r\n"
	              "WARC-Profile: http://netpreserve.org/warc/1.0/revisit/identical-payload-digest\r\n"
	              "WARC-Payload-Digest: sha1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\r\n"
	              "WARC-Refers-To-Target-URI: <http://example.com/>\r\n", rv, strlen(rv), "") == 0);
	CHECK(write_buf("s.warc", &b) == 0);
	npk__buf_free(&b);
	npk_error e = {0};
	npk__warc *w;
	const npk__warc_rec *r;
	npk_buf doc = {0};
	CHECK_RC(npk__warc_open("s.warc", &w, &e), NPK_OK, &e);
	CHECK_RC(npk__warc_next(w, &r, &e), NPK_OK, &e);
	CHECK(!r->is_doc && !r->http);
	CHECK_RC(npk__warc_read(w, (uint8_t *)fields, 10, &(size_t){0}, &e), NPK_E_ARG, &e);
	CHECK_RC(npk__warc_next(w, &r, &e), NPK_OK, &e);
	CHECK(r->is_doc && r->http);
	CHECK_RC(npk__warc_read(w, (uint8_t *)fields, 3, &(size_t){0}, &e), NPK_OK, &e);
	CHECK_RC(npk__warc_next(w, &r, &e), NPK_OK, &e);
	CHECK_STR(r->type, "revisit");
	CHECK_STR(r->media_type, "application/http");
	CHECK_STR(r->refers_to_uri, "http://example.com/");
	CHECK_EQ_INT(r->http_status, 200);
	CHECK_RC(read_doc(w, &doc, &e), NPK_OK, &e);
	CHECK_STR((char *)doc.p, rv);
	CHECK_RC(npk__warc_next(w, &r, &e), NPK_OK, &e);
	CHECK(r == NULL);
	npk__warc_digests d;
	npk__warc_get_digests(w, &d);
	CHECK_EQ_INT(d.payload_checked, 1);
	CHECK_EQ_INT(d.skipped_revisit, 1);
	npk__warc_close(w);
	npk__buf_free(&doc);
}

/* ---- The real files of the corpus (its warc/SOURCES.md) ---- */

DEFINE_TEST(test_warc_corpus)
{
	static const struct {
		const char *file;
		unsigned records, warcinfo, request, response, resource, revisit, metadata;
	} files[] = {
		{"sample-1.warc.gz", 231, 1, 75, 70, 0, 10, 75},
		{"BL-20140325121225068-00000-32090~opera~8443.warc.gz", 190, 1, 62, 65, 0, 0, 62},
		{"BL-20140325122341434-00000-32090~opera~8443.warc.gz", 190, 1, 62, 10, 0, 55, 62},
		{"example-iana.warc", 118, 2, 58, 24, 0, 34, 0},
		{"books.toscrape.warc", 60, 0, 30, 30, 0, 0, 0},
		{"redirect.warc", 2, 0, 1, 1, 0, 0, 0},
		{"example.warc.gz", 6, 2, 2, 1, 0, 1, 0},
		{"example.warc", 6, 2, 2, 1, 0, 1, 0},
		{"example-iana.org-chunked.warc", 3, 1, 1, 1, 0, 0, 0},
		{"issue-514.warc", 8, 1, 2, 2, 2, 0, 1},
		{"IAH-urls-wget.warc.gz", 36, 1, 16, 16, 3, 0, 0},
		{"example-wpull.warc.gz", 4, 1, 1, 1, 1, 0, 0},
		{"cc.warc.gz", 1, 0, 0, 1, 0, 0, 0},
		{"transfer_compression_gzip.warc.gz", 5, 1, 1, 1, 1, 0, 1},
		{"transfer_compression_brotli.warc.gz", 5, 1, 1, 1, 1, 0, 1},
	};
	if (npk_test_corpus == NULL) {
		fprintf(stderr, "  (no corpus: skipped)\n");
		return;
	}
	char path[4400];
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		npk_error e = {0};
		npk__warc_stats st;
		snprintf(path, sizeof path, "%s/warc/%s", npk_test_corpus, files[i].file);
		CHECK(npk__warc_sniff(path) == 1);
		CHECK_RC(walk(path, &st, &e), NPK_OK, &e);
		CHECK_EQ_INT(st.records, files[i].records);
		CHECK_EQ_INT(st.warcinfo, files[i].warcinfo);
		CHECK_EQ_INT(st.request, files[i].request);
		CHECK_EQ_INT(st.response, files[i].response);
		CHECK_EQ_INT(st.resource, files[i].resource);
		CHECK_EQ_INT(st.revisit, files[i].revisit);
		CHECK_EQ_INT(st.metadata, files[i].metadata);
		CHECK_EQ_INT(st.other + st.conversion + st.continuation, 0);
	}
}

/* The first response's document of a corpus file, NUL-terminated. */
static int corpus_response(const char *file, npk_buf *doc, npk__warc_rec *copy, npk_error *e)
{
	char path[4400];
	snprintf(path, sizeof path, "%s/warc/%s", npk_test_corpus, file);
	npk__warc *w;
	const npk__warc_rec *r;
	int rc = npk__warc_open(path, &w, e);
	if (rc != NPK_OK)
		return rc;
	while ((rc = npk__warc_next(w, &r, e)) == NPK_OK && r != NULL)
		if (strcmp(r->type, "response") == 0) {
			*copy = *r; /* its strings are valid only until the reader is closed */
			rc = read_doc(w, doc, e);
			break;
		}
	npk__warc_close(w);
	return r == NULL && rc == NPK_OK ? NPK_E_NOTFOUND : rc;
}

DEFINE_TEST(test_warc_corpus_payloads)
{
	if (npk_test_corpus == NULL) {
		fprintf(stderr, "  (no corpus: skipped)\n");
		return;
	}
	npk_error e = {0};
	npk_buf br = {0}, gz = {0}, ch = {0};
	npk__warc_rec r;
	/* the same page sent with br and with gzip content coding */
	CHECK_RC(corpus_response("transfer_compression_brotli.warc.gz", &br, &r, &e), NPK_OK, &e);
	CHECK_RC(corpus_response("transfer_compression_gzip.warc.gz", &gz, &r, &e), NPK_OK, &e);
	CHECK_EQ_INT(br.len, 246);
	CHECK(br.len == gz.len && memcmp(br.p, gz.p, br.len) == 0);
	CHECK(strncmp((char *)br.p, "<html>\n    <head>\n        <title>Simple ", 40) == 0);
	CHECK(strstr((char *)br.p, "</html>") != NULL);
	/* a chunked body, de-chunked */
	CHECK_RC(corpus_response("example-iana.org-chunked.warc", &ch, &r, &e), NPK_OK, &e);
	CHECK(r.http_chunked);
	CHECK_EQ_INT(ch.len, 7223);
	CHECK(strncmp((char *)ch.p, "<!doctype html>\n<html>\n<head>\n", 30) == 0);
	CHECK(strstr((char *)ch.p, "\r\n0\r\n") == NULL);
	CHECK(strcmp((char *)ch.p + ch.len - 9, "\n</html>\n") == 0);
	/* Common Crawl: stored decoded, its headers renamed */
	CHECK_RC(corpus_response("cc.warc.gz", &ch, &r, &e), NPK_OK, &e);
	CHECK(!r.http_chunked);
	CHECK(strstr((char *)ch.p, "<!DOCTYPE html>") != NULL);
	npk__buf_free(&br);
	npk__buf_free(&gz);
	npk__buf_free(&ch);
}

/* br content coding: a stream made by Google's encoder (Node's zlib) of
 * "<!doctype html><p>", "brotli " 3000 times, "</p>\n". */
DEFINE_TEST(test_warc_brotli)
{
	static const char hex[] = "1b1e52f89d09362ea877c778c92306572074e52397696c6f59883007660218"
	                          "f054cd6e1280f5c1d805";
	uint8_t z[sizeof hex / 2];
	for (size_t i = 0; i < sizeof z; i++) {
		unsigned v;
		sscanf(hex + 2 * i, "%2x", &v);
		z[i] = (uint8_t)v;
	}
	npk_error e = {0};
	npk__warc *w;
	const npk__warc_rec *r;
	npk_buf doc = {0};
	const char *head = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: br\r\n\r\n";
	CHECK_RC(http_doc(head, z, sizeof z, "", &doc, &r, &w, &e), NPK_OK, &e);
	CHECK_EQ_INT(doc.len, 18 + 7 * 3000 + 5);
	CHECK(strncmp((char *)doc.p, "<!doctype html><p>brotli brotli ", 32) == 0);
	CHECK(strcmp((char *)doc.p + doc.len - 12, "brotli </p>\n") == 0);
	npk__warc_close(w);
	/* cut short: the end of what decodes, marked */
	CHECK_RC(http_doc(head, z, sizeof z - 6, "", &doc, &r, &w, &e), NPK_OK, &e);
	CHECK(r->decoded != NPK__WARC_WHOLE && strstr(r->problem, "br content coding") != NULL);
	npk__warc_close(w);
	CHECK_RC(http_doc(head, z, sizeof z - 6, "WARC-Truncated: time\r\n", &doc, &r, &w, &e), NPK_OK, &e);
	CHECK(doc.len < 18 + 7 * 3000 + 5);
	CHECK(strncmp((char *)doc.p, "<!doctype html><p>brotli brotli ", doc.len < 32 ? doc.len : 32) == 0);
	npk__warc_close(w);
	npk__buf_free(&doc);
}

/* A gzip body corrupt in its middle inside chunked framing, whose
 * WARC-Payload-Digest is over the de-chunked body: what decodes, and no
 * digest error (the de-chunked digest cannot be taken of a body whose
 * decoding stopped before its end). */
DEFINE_TEST(test_warc_partial_chunked_digest)
{
	/* larger than a decoding layer's input, so that de-chunking is left
	 * unfinished when the coding breaks */
	static char text[300000];
	uint32_t x = 2463534242u;
	for (size_t i = 0; i < sizeof text; i++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		text[i] = (char)('a' + x % 26);
	}
	size_t zl;
	uint8_t *z = squeeze(text, sizeof text, 15 + 16, &zl);
	CHECK(z != NULL);
	size_t cut = zl;
	memset(z + zl / 3, 0xff, 40);
	npk_buf body = {0};
	char size[32], fields[128], dig[40];
	snprintf(size, sizeof size, "%zx\r\n", cut);
	CHECK(npk__buf_put(&body, size, strlen(size)) == 0 && npk__buf_put(&body, z, cut) == 0 &&
	      npk__buf_put(&body, "\r\n0\r\n\r\n", 7) == 0);
	sha1_b32(z, cut, dig);
	snprintf(fields, sizeof fields, "WARC-Payload-Digest: %s\r\n", dig);
	npk_error e = {0};
	npk__warc *w;
	const npk__warc_rec *r;
	npk_buf doc = {0};
	const char *head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n\r\n";
	int rc = http_doc(head, body.p, body.len, fields, &doc, &r, &w, &e);
	free(z);
	CHECK_RC(rc, NPK_OK, &e);
	CHECK_EQ_INT(r->decoded, NPK__WARC_PARTIAL);
	/* the bytes before the damaged block are the page's (inflate may give
	 * some of that block before it sees the damage) */
	CHECK(doc.len > 50000 && doc.len < sizeof text && memcmp(doc.p, text, 50000) == 0);
	npk__warc_close(w);
	npk__buf_free(&doc);
	npk__buf_free(&body);
}

/* WARC-Payload-Digest over the chunked body as recorded, or de-chunked:
 * writers do both, either is accepted. */
DEFINE_TEST(test_warc_chunked_digest)
{
	const char *ch = "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
	char dig[40], fields[100];
	npk_error e = {0};
	npk__warc *w;
	const npk__warc_rec *r;
	npk_buf doc = {0};
	npk__warc_digests d;
	const char *head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
	for (int dechunked = 0; dechunked < 2; dechunked++) {
		if (dechunked)
			sha1_b32("abcde", 5, dig);
		else
			sha1_b32(ch, strlen(ch), dig);
		snprintf(fields, sizeof fields, "WARC-Payload-Digest: %s\r\n", dig);
		CHECK_RC(http_doc(head, ch, strlen(ch), fields, &doc, &r, &w, &e), NPK_OK, &e);
		CHECK_STR((char *)doc.p, "abcde");
		npk__warc_get_digests(w, &d);
		CHECK_EQ_INT(d.payload_checked, 1);
		CHECK_EQ_INT(d.payload_dechunked, dechunked);
		npk__warc_close(w);
	}
	sha1_b32("abcd", 4, dig);
	snprintf(fields, sizeof fields, "WARC-Payload-Digest: %s\r\n", dig);
	CHECK_RC(http_doc(head, ch, strlen(ch), fields, &doc, &r, &w, &e), NPK_E_DIGEST, &e);
	npk__warc_close(w);
	npk__buf_free(&doc);
}
