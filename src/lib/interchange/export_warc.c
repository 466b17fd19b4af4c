/*
 * export_warc.c - an archive as a WARC/1.1 file (ISO 28500:2017), for the
 * web archiving tools (warcio, pywb, ...): newspack export ARCHIVE
 * OUT.warc, or OUT.warc.gz with each record a gzip member of its own
 * (WARC Annex D), so that any record can be read from its offset alone.
 *
 * The records, each "WARC/1.1", header lines ending in CRLF, a blank
 * line, the block, then CRLF CRLF (man/newspack.1, "WARC export"):
 *   warcinfo  application/warc-fields: software, format, conformsTo, the
 *             archive's metadata, newspack-created, newspack-signer-key-id,
 *             newspack-documents;
 * then for each document, in path order:
 *   a record as captured (imported from a WARC: "warc.form" is "record")
 *             written as it is; the page decoded from it ("warc.capture")
 *             gives no record (spec/metadata.md 10.2);
 *   resource  any other document byte for byte; WARC-Target-URI is its
 *             "warc.target_uri" or its "url"
 *             metadata when that is an absolute URI, else
 *             urn:newspack:PATH (percent-encoded);
 *   metadata  WARC-Refers-To the resource; one JSON object: path,
 *             media_type, size, digest (the archive's BLAKE2b-256) and
 *             metadata.
 *
 * The same archive always gives the same bytes: WARC-Date is the archive's
 * creation time (a document imported from a WARC keeps its capture's
 * WARC-Date and WARC-Target-URI), and each WARC-Record-ID is a UUID (version 8, RFC 9562)
 * made from a BLAKE2b of the archive's identity and the record's place.
 * The identity is a BLAKE2b of what the archive's signature covers and
 * the public API shows: the signer's key, the creation time, the counts,
 * the archive's metadata and every index entry (path, media type, size,
 * digest, metadata).
 *
 * WARC-Block-Digest (and WARC-Payload-Digest, a resource's block being its
 * payload) is "sha256:" and the SHA-256 in base32 (RFC 4648, with
 * padding), as warcio writes it. A header comes before its block, so a
 * document's SHA-256 is needed before its content is written: a document
 * of up to WARC_BUFFER_MAX bytes is read once into memory; a larger one is
 * read twice, once to hash it and once to write it, both times through
 * the archive's digests, and the two SHA-256 must agree. Memory stays
 * bounded whatever the size of a document.
 */
#define ZLIB_CONST
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sodium.h>
#include <zlib.h>

#include "format/format.h"
#include "interchange/interchange.h"
#include "meta/meta.h"

/* Documents up to this size are read once, into memory. */
#define WARC_BUFFER_MAX ((size_t)8 << 20)
/* The WARC header of a larger record as captured must be in its first
 * HEAD_MAX bytes to be written as it is. */
#define HEAD_MAX ((size_t)64 << 10)
/* Contexts of the BLAKE2b hashes behind the record ids. */
static const char ID_ARCHIVE[] = "newspack WARC export: archive identity 1";
static const char ID_RECORD[] = "newspack WARC export: record id 1";

enum { SINK_HASH, SINK_BUFFER, SINK_WRITE };

typedef struct wctx {
	npk_reader *r;
	const npk_export_opts *opts;
	npk_error *err;
	int gz;
	int fd;
	const char *tmp;          /* the temporary file, for messages */
	z_stream z;
	int z_ready;
	size_t out_len;
	uint8_t out[65536];       /* output not yet written */
	char date[32];            /* WARC-Date: the archive's creation time */
	uint8_t identity[32];     /* of the archive, behind the record ids */
	char info_id[64];         /* the warcinfo record's WARC-Record-ID */
	uint64_t docs, bytes;
	int rc;                   /* the error that stopped npk_reader_list */
	/* the document being read */
	const char *path;
	int mode;                 /* SINK_* */
	crypto_hash_sha256_state sha;
	uint64_t got, want;
	uint8_t *buf;             /* its content, when read once */
	size_t buf_cap;
	uint8_t head[HEAD_MAX];   /* its first bytes, when read to be hashed */
	/* hashes of the paths of the records as captured, sorted */
	uint8_t (*records)[16];
	size_t nrecords, records_cap;
	crypto_generichash_state id_st; /* the archive's identity, being hashed */
} wctx;

static int cancelled(const wctx *w)
{
	return w->opts && w->opts->cancel && *w->opts->cancel;
}

/* ---- Output: records, each a gzip member of its own in .warc.gz ---- */

static int out_flush(wctx *w)
{
	int rc = npk__write_full(w->fd, w->out, w->out_len, w->tmp, w->err);
	w->out_len = 0;
	return rc;
}

static int z_run(wctx *w, int flush)
{
	for (;;) {
		w->z.next_out = w->out + w->out_len;
		w->z.avail_out = (uInt)(sizeof w->out - w->out_len);
		int zr = deflate(&w->z, flush);
		w->out_len = sizeof w->out - w->z.avail_out;
		NPK_FAIL_IF(zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR, w->err, NPK_E_IO,
		            "%s: deflate failed (%d)", w->tmp, zr);
		int full = w->out_len == sizeof w->out;
		if (full)
			NPK_FORWARD(out_flush(w));
		/* done when the input is taken (what deflate keeps comes out
		 * later), or, at the end of a member, when its trailer is out */
		if (flush == Z_FINISH ? zr == Z_STREAM_END : !full && w->z.avail_in == 0)
			return NPK_OK;
	}
}

/* Bytes of the current record. */
static int rec_put(wctx *w, const void *p, size_t n)
{
	const uint8_t *s = p;
	while (n > 0) {
		size_t k;
		if (w->gz) {
			k = n < ((size_t)1 << 30) ? n : (size_t)1 << 30;
			w->z.next_in = s;
			w->z.avail_in = (uInt)k;
			NPK_FORWARD(z_run(w, Z_NO_FLUSH));
		} else {
			k = sizeof w->out - w->out_len;
			if (k > n)
				k = n;
			memcpy(w->out + w->out_len, s, k);
			w->out_len += k;
			if (w->out_len == sizeof w->out)
				NPK_FORWARD(out_flush(w));
		}
		s += k;
		n -= k;
	}
	return NPK_OK;
}

/* Starts a record: the version line, the fields in h (each ending in
 * CRLF), Content-Length and the blank line. */
static int rec_begin(wctx *w, const npk_buf *h, uint64_t len)
{
	NPK_FAIL_IF(w->gz && deflateReset(&w->z) != Z_OK, w->err, NPK_E_IO, "%s: deflate failed",
	            w->tmp);
	char cl[64];
	int n = snprintf(cl, sizeof cl, "Content-Length: %llu\r\n\r\n", (unsigned long long)len);
	NPK_FORWARD(rec_put(w, "WARC/1.1\r\n", 10));
	NPK_FORWARD(rec_put(w, h->p, h->len));
	return rec_put(w, cl, (size_t)n);
}

/* Ends a record: CRLF CRLF after the block, and its gzip member. */
static int rec_end(wctx *w)
{
	NPK_FORWARD(rec_put(w, "\r\n\r\n", 4));
	if (!w->gz)
		return NPK_OK;
	w->z.next_in = NULL;
	w->z.avail_in = 0;
	return z_run(w, Z_FINISH);
}

/* ---- Header fields ---- */

static int buf_printf(npk_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int buf_printf(npk_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || npk__buf_reserve(b, (size_t)n + 1) != 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf((char *)b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

/* "NAME: VALUE" CRLF, a control character in VALUE (CR, LF, ...) made a
 * space so that it stays one line of warc-fields. */
static int field(npk_buf *b, const char *name, const char *value)
{
	if (buf_printf(b, "%s: ", name) != 0 || npk__buf_reserve(b, strlen(value) + 2) != 0)
		return -1;
	for (const char *p = value; *p; p++)
		b->p[b->len++] = (unsigned char)*p < 0x20 || *p == 0x7f ? ' ' : (uint8_t)*p;
	b->p[b->len++] = '\r';
	b->p[b->len++] = '\n';
	return 0;
}

/* "sha256:" and the SHA-256 in base32 (RFC 4648, upper case, padded):
 * 7 + 56 characters. */
static void sha256_label(const uint8_t h[crypto_hash_sha256_BYTES], char out[72])
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	size_t o = (size_t)snprintf(out, 72, "sha256:");
	uint32_t acc = 0;
	unsigned bits = 0;
	for (size_t i = 0; i < crypto_hash_sha256_BYTES; i++) {
		acc = acc << 8 | h[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out[o++] = a[(acc >> bits) & 31];
		}
		acc &= (1u << bits) - 1;
	}
	if (bits > 0)
		out[o++] = a[(acc << (5 - bits)) & 31];
	while ((o - 7) % 8 != 0)
		out[o++] = '=';
	out[o] = 0;
}

/* <urn:uuid:...>: a UUID version 8 (RFC 9562 5.8) from the first 16 bytes
 * of a BLAKE2b of the archive's identity, the ordinal and the kind. */
static void record_id(const wctx *w, uint64_t ordinal, char kind, char out[64])
{
	uint8_t h[32], tail[9];
	crypto_generichash_state st;
	crypto_generichash_init(&st, NULL, 0, sizeof h);
	crypto_generichash_update(&st, (const uint8_t *)ID_RECORD, sizeof ID_RECORD);
	crypto_generichash_update(&st, w->identity, sizeof w->identity);
	npk__st64(tail, ordinal);
	tail[8] = (uint8_t)kind;
	crypto_generichash_update(&st, tail, sizeof tail);
	crypto_generichash_final(&st, h, sizeof h);
	h[6] = (uint8_t)((h[6] & 0x0f) | 0x80); /* version 8 */
	h[8] = (uint8_t)((h[8] & 0x3f) | 0x80); /* variant 10 */
	snprintf(out, 64,
	         "<urn:uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x>",
	         h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8], h[9], h[10], h[11], h[12],
	         h[13], h[14], h[15]);
}

static int is_alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static int is_digit(int c) { return c >= '0' && c <= '9'; }
static int is_hex(int c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
static int is_unreserved(int c)
{
	return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

/* An absolute URI (RFC 3986 4.3): a scheme, ':', and only characters a URI
 * may hold, each '%' starting a %XX. Spaces, controls and non-ASCII bytes
 * (an IRI) are refused, so the value is one safe header line. */
static int uri_ok(const char *u)
{
	size_t i = 0;
	if (!is_alpha((unsigned char)u[0]))
		return 0;
	while (is_alpha((unsigned char)u[i]) || is_digit((unsigned char)u[i]) || u[i] == '+' ||
	       u[i] == '-' || u[i] == '.')
		i++;
	if (u[i] != ':' || u[i + 1] == 0)
		return 0;
	for (const char *p = u; *p; p++) {
		int c = (unsigned char)*p;
		if (c == '%' && !(is_hex((unsigned char)p[1]) && is_hex((unsigned char)p[2])))
			return 0;
		if (!is_unreserved(c) && strchr(":/?#[]@!$&'()*+,;=%", c) == NULL)
			return 0;
	}
	return 1;
}

/* A document's WARC-Date: its capture time ("warc.date", for a document
 * imported from a WARC) when that is a WARC date (YYYY-MM-DDThh:mm:ssZ,
 * with an optional fraction), else the archive's creation time. */
static const char *doc_date(const wctx *w, const npk_entry *d)
{
	const char *v = npk_meta_find(d->meta, "warc.date");
	static const char form[] = "dddd-dd-ddTdd:dd:dd";
	size_t n = v ? strlen(v) : 0, f = sizeof form - 1;
	if (n < f + 1 || n > 31 || v[n - 1] != 'Z')
		return w->date;
	for (size_t i = 0; i < n - 1; i++) {
		int c = (unsigned char)v[i];
		int ok = i < f ? (form[i] == 'd' ? is_digit(c) : c == form[i])
		               : i == f ? c == '.' && n - 1 > f + 1 : is_digit(c);
		if (!ok)
			return w->date;
	}
	return v;
}

/* A document's WARC-Target-URI: where it was captured ("warc.target_uri",
 * for a document imported from a WARC) or its "url", when that is an
 * absolute URI, else urn:newspack: and its path, RFC 3986 unreserved
 * characters and '/' kept, every other byte %XX (malloc'd; NULL when out
 * of memory). */
static char *target_uri(const npk_entry *d)
{
	const char *keys[] = {"warc.target_uri", "url"};
	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
		const char *url = npk_meta_find(d->meta, keys[i]);
		if (url != NULL && uri_ok(url))
			return strdup(url);
	}
	static const char pre[] = "urn:newspack:";
	size_t n = strlen(d->path);
	char *s = malloc(sizeof pre + 3 * n);
	if (s == NULL)
		return NULL;
	memcpy(s, pre, sizeof pre - 1);
	char *o = s + sizeof pre - 1;
	for (const char *p = d->path; *p; p++) {
		int c = (unsigned char)*p;
		if (is_unreserved(c) || c == '/')
			*o++ = (char)c;
		else
			o += sprintf(o, "%%%02X", (unsigned)c);
	}
	*o = 0;
	return s;
}

/* ---- Records ---- */

/* A record whose block is in memory: its digest, then the record. */
static int rec_small(wctx *w, npk_buf *h, const void *blk, size_t len)
{
	uint8_t sha[crypto_hash_sha256_BYTES];
	char label[72];
	crypto_hash_sha256(sha, blk, len);
	sha256_label(sha, label);
	NPK_FAIL_IF(field(h, "WARC-Block-Digest", label) != 0, w->err, NPK_E_NOMEM, "out of memory");
	NPK_FORWARD(rec_begin(w, h, len));
	if (len > 0)
		NPK_FORWARD(rec_put(w, blk, len));
	return rec_end(w);
}

static int warcinfo(wctx *w, const char *out)
{
	npk_info in;
	npk_reader_info(w->r, &in);
	const char *base = strrchr(out, '/');
	base = base != NULL ? base + 1 : out;
	char keyid[17], docs[24];
	npk_keyid_format(in.key_id, keyid);
	snprintf(docs, sizeof docs, "%llu", (unsigned long long)in.documents);
	npk_buf h = {0}, b = {0};
	int bad = field(&h, "WARC-Type", "warcinfo") | field(&h, "WARC-Record-ID", w->info_id) |
	          field(&h, "WARC-Date", w->date) | field(&h, "WARC-Filename", base) |
	          field(&h, "Content-Type", "application/warc-fields");
	bad |= field(&b, "software", "newspack/" NPK_VERSION_STRING) |
	       field(&b, "format", "WARC File Format 1.1") |
	       field(&b, "conformsTo",
	             "http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/");
	size_t n = npk_meta_count(in.meta);
	for (size_t i = 0; i < n; i++) {
		const char *k, *v;
		npk_meta_get(in.meta, i, &k, &v);
		bad |= field(&b, k, v);
	}
	bad |= field(&b, "newspack-created", w->date) | field(&b, "newspack-signer-key-id", keyid) |
	       field(&b, "newspack-documents", docs);
	int rc = bad ? npk__fail(w->err, NPK_E_NOMEM, "out of memory") : rec_small(w, &h, b.p, b.len);
	npk__buf_free(&h);
	npk__buf_free(&b);
	return rc;
}

static int doc_sink(const uint8_t *p, size_t n, void *ctx)
{
	wctx *w = ctx;
	if (cancelled(w))
		return npk__fail(w->err, NPK_E_CANCELED, "canceled");
	if (n > w->want - w->got)
		return npk__fail(w->err, NPK_E_FORMAT, "%s: more bytes than its size", w->path);
	if (n == 0)
		return 0;
	crypto_hash_sha256_update(&w->sha, p, n);
	if (w->mode == SINK_BUFFER)
		memcpy(w->buf + w->got, p, n);
	if (w->mode == SINK_HASH && w->got < HEAD_MAX)
		memcpy(w->head + w->got, p, n < HEAD_MAX - w->got ? n : HEAD_MAX - (size_t)w->got);
	w->got += n;
	return w->mode == SINK_WRITE ? rec_put(w, p, n) : 0;
}

/* Reads a document (through the archive's digests) to hash it, and to
 * keep it in w->buf or to write it, as mode says. */
static int doc_read(wctx *w, const npk_entry *d, int mode, uint8_t sha[crypto_hash_sha256_BYTES])
{
	w->path = d->path;
	w->mode = mode;
	w->got = 0;
	w->want = d->size;
	crypto_hash_sha256_init(&w->sha);
	int rc = npk_reader_read(w->r, d, doc_sink, w, w->err);
	crypto_hash_sha256_final(&w->sha, sha);
	NPK_FORWARD(rc);
	NPK_FAIL_IF(w->got != d->size, w->err, NPK_E_FORMAT, "%s: %llu bytes read, but its size is %llu",
	            d->path, (unsigned long long)w->got, (unsigned long long)d->size);
	return NPK_OK;
}

/* A larger document, read again as it is written: the same SHA-256, or
 * the header written before it was wrong. */
static int doc_again(wctx *w, const npk_entry *d, const uint8_t sha[crypto_hash_sha256_BYTES])
{
	uint8_t again[crypto_hash_sha256_BYTES];
	NPK_FORWARD(doc_read(w, d, SINK_WRITE, again));
	NPK_FAIL_IF(memcmp(sha, again, sizeof again) != 0, w->err, NPK_E_DIGEST,
	            "%s: read twice, it gave different bytes", d->path);
	return NPK_OK;
}

/* The resource record: the document byte for byte, from w->buf when it
 * was read once. */
static int doc_resource(wctx *w, const npk_entry *d, int once,
                        const uint8_t sha[crypto_hash_sha256_BYTES], const char *rid,
                        const char *uri)
{
	char label[72];
	sha256_label(sha, label);
	npk_buf h = {0};
	int rc;
	if (field(&h, "WARC-Type", "resource") | field(&h, "WARC-Record-ID", rid) |
	    field(&h, "WARC-Warcinfo-ID", w->info_id) | field(&h, "WARC-Date", doc_date(w, d)) |
	    field(&h, "WARC-Target-URI", uri) | field(&h, "Content-Type", d->media_type) |
	    field(&h, "WARC-Block-Digest", label) | field(&h, "WARC-Payload-Digest", label)) {
		rc = npk__fail(w->err, NPK_E_NOMEM, "out of memory");
		goto done;
	}
	NPK_FORWARD_GOTO(rc, rec_begin(w, &h, d->size), done);
	if (once && d->size > 0)
		NPK_FORWARD_GOTO(rc, rec_put(w, w->buf, (size_t)d->size), done);
	if (!once)
		NPK_FORWARD_GOTO(rc, doc_again(w, d, sha), done);
	rc = rec_end(w);
done:
	npk__buf_free(&h);
	return rc;
}

/* The metadata record after it: one compact JSON object, keys sorted
 * (path, media_type, size, digest, metadata; spec/metadata.md 11). */
static int doc_metadata(wctx *w, const npk_entry *d, const char *rid, const char *mid,
                        const char *uri)
{
	char *js;
	size_t n;
	NPK_FORWARD(npk__meta_json(d->meta, d, NPK__JSON_PATH | NPK__JSON_ENTRY, &js, &n, w->err));
	npk_buf h = {0};
	int rc;
	if (field(&h, "WARC-Type", "metadata") | field(&h, "WARC-Record-ID", mid) |
	    field(&h, "WARC-Warcinfo-ID", w->info_id) | field(&h, "WARC-Refers-To", rid) |
	    field(&h, "WARC-Date", doc_date(w, d)) | field(&h, "WARC-Target-URI", uri) |
	    field(&h, "Content-Type", "application/json"))
		rc = npk__fail(w->err, NPK_E_NOMEM, "out of memory");
	else
		rc = rec_small(w, &h, js, n);
	npk__buf_free(&h);
	free(js);
	return rc;
}

/* Reads document d, checked, into w->buf when it fits WARC_BUFFER_MAX
 * (*once set), else only its SHA-256 and first bytes (w->head). */
static int doc_take(wctx *w, const npk_entry *d, int *once, uint8_t sha[crypto_hash_sha256_BYTES])
{
	*once = d->size <= WARC_BUFFER_MAX;
	if (*once && d->size > w->buf_cap) {
		uint8_t *p = realloc(w->buf, (size_t)d->size);
		NPK_FAIL_IF(p == NULL, w->err, NPK_E_NOMEM, "out of memory");
		w->buf = p;
		w->buf_cap = (size_t)d->size;
	}
	return doc_read(w, d, *once ? SINK_BUFFER : SINK_HASH, sha);
}

static int doc_records(wctx *w, const npk_entry *d)
{
	int once;
	uint8_t sha[crypto_hash_sha256_BYTES];
	NPK_FORWARD(doc_take(w, d, &once, sha));
	char rid[64], mid[64];
	record_id(w, d->ordinal, 'r', rid);
	record_id(w, d->ordinal, 'm', mid);
	char *uri = target_uri(d);
	NPK_FAIL_IF(uri == NULL, w->err, NPK_E_NOMEM, "out of memory");
	int rc;
	NPK_FORWARD_GOTO(rc, doc_resource(w, d, once, sha, rid, uri), done);
	rc = doc_metadata(w, d, rid, mid, uri);
done:
	free(uri);
	return rc;
}

/* ---- Records as captured (spec/metadata.md 10.2, "WARC fidelity") ---- */

static void path_hash(const char *path, uint8_t out[16])
{
	crypto_generichash(out, 16, (const uint8_t *)path, strlen(path), NULL, 0);
}

/* A record as captured: "warc.form" is "record", application/warc. */
static int is_record(const npk_entry *d)
{
	const char *f = npk_meta_find(d->meta, "warc.form");
	return f != NULL && strcmp(f, "record") == 0 && strcmp(d->media_type, "application/warc") == 0;
}

static int hash_cmp(const void *a, const void *b)
{
	return memcmp(a, b, 16);
}

/* A page decoded from a record as captured that the archive holds: that
 * record is written in its place. */
static int page_of_record(const wctx *w, const npk_entry *d)
{
	const char *c = npk_meta_find(d->meta, "warc.capture");
	uint8_t h[16];
	if (c == NULL || w->nrecords == 0)
		return 0;
	path_hash(c, h);
	return bsearch(h, w->records, w->nrecords, 16, hash_cmp) != NULL;
}

static int note_record(wctx *w, const npk_entry *d)
{
	if (!is_record(d))
		return 0;
	if (w->nrecords == w->records_cap) {
		size_t nc = w->records_cap ? 2 * w->records_cap : 64;
		uint8_t (*nv)[16] = realloc(w->records, nc * sizeof *nv);
		if (nv == NULL)
			return npk__fail(w->err, NPK_E_NOMEM, "out of memory");
		w->records = nv;
		w->records_cap = nc;
	}
	path_hash(d->path, w->records[w->nrecords++]);
	return 0;
}

/* Whether p[0, n) starts one whole WARC record of size bytes: "WARC/",
 * a header ending in CRLF CRLF, and a Content-Length that ends the block
 * at size. */
static int record_whole(const uint8_t *p, size_t n, uint64_t size)
{
	if (n < 5 || memcmp(p, "WARC/", 5) != 0)
		return 0;
	size_t hl = 0;
	for (size_t i = 0; i + 4 <= n && hl == 0; i++)
		if (memcmp(p + i, "\r\n\r\n", 4) == 0)
			hl = i + 4;
	static const char cl[] = "\r\ncontent-length:";
	for (size_t i = 0; hl > 0 && i + sizeof cl - 1 < hl; i++) {
		if (strncasecmp((const char *)p + i, cl, sizeof cl - 1) != 0)
			continue;
		uint64_t v = 0;
		size_t k = i + sizeof cl - 1;
		while (k < hl && (p[k] == ' ' || p[k] == '\t'))
			k++;
		if (k >= hl || !is_digit(p[k]))
			return 0;
		for (; k < hl && is_digit(p[k]); k++)
			if (!npk__mul64(v, 10, &v) || !npk__add64(v, (uint64_t)(p[k] - '0'), &v))
				return 0;
		return npk__add64(v, hl, &v) && v == size;
	}
	return 0;
}

/* A record as captured, written as it is (its own header, its digests);
 * one that is not a whole record is written as any document. */
static int doc_record(wctx *w, const npk_entry *d)
{
	int once;
	uint8_t sha[crypto_hash_sha256_BYTES];
	NPK_FORWARD(doc_take(w, d, &once, sha));
	const uint8_t *p = once ? w->buf : w->head;
	size_t n = once ? (size_t)d->size : d->size < HEAD_MAX ? (size_t)d->size : HEAD_MAX;
	if (!record_whole(p, n, d->size))
		return doc_records(w, d);
	NPK_FAIL_IF(w->gz && deflateReset(&w->z) != Z_OK, w->err, NPK_E_IO, "%s: deflate failed",
	            w->tmp);
	if (once)
		NPK_FORWARD(rec_put(w, w->buf, (size_t)d->size));
	else
		NPK_FORWARD(doc_again(w, d, sha));
	return rec_end(w);
}

static int on_doc(const npk_entry *d, void *ctx)
{
	wctx *w = ctx;
	if (d->kind != NPK_KIND_DOCUMENT) { /* 15.7: no record holds a folder or a link */
		if (w->opts && w->opts->warn)
			w->opts->warn(d->path, d->kind == NPK_KIND_WITHDRAWN
			              ? "withdrawn document not exported (its content is not in the archive)"
			              : d->kind == NPK_KIND_FOLDER
			              ? "empty folder not exported (a WARC file holds only records)"
			              : "symbolic link not exported (a WARC file holds only records)",
			              w->opts->ctx);
		return 0;
	}
	int rc = page_of_record(w, d) ? NPK_OK : is_record(d) ? doc_record(w, d) : doc_records(w, d);
	if (rc != NPK_OK)
		return w->rc = rc;
	w->docs++;
	w->bytes += d->size;
	if (w->opts && w->opts->progress)
		w->opts->progress(w->docs, w->bytes, d->path, w->opts->ctx);
	return 0;
}

/* ---- The archive's identity, behind the record ids ---- */

static void id_meta(crypto_generichash_state *st, const npk_meta *m)
{
	uint8_t n[8];
	npk__st64(n, npk_meta_count(m));
	crypto_generichash_update(st, n, sizeof n);
	for (size_t i = 0; i < npk_meta_count(m); i++) {
		const char *k, *v;
		npk_meta_get(m, i, &k, &v);
		crypto_generichash_update(st, (const uint8_t *)k, strlen(k) + 1);
		crypto_generichash_update(st, (const uint8_t *)v, strlen(v) + 1);
	}
}

static int id_entry(const npk_entry *d, void *ctx)
{
	wctx *w = ctx;
	crypto_generichash_state *st = &w->id_st;
	uint8_t n[8];
	crypto_generichash_update(st, (const uint8_t *)d->path, strlen(d->path) + 1);
	crypto_generichash_update(st, (const uint8_t *)d->media_type, strlen(d->media_type) + 1);
	npk__st64(n, d->size);
	crypto_generichash_update(st, n, sizeof n);
	crypto_generichash_update(st, d->digest, sizeof d->digest);
	id_meta(st, d->meta);
	return note_record(w, d);
}

static int archive_identity(wctx *w)
{
	npk_info in;
	npk_reader_info(w->r, &in);
	crypto_generichash_state *st = &w->id_st;
	crypto_generichash_init(st, NULL, 0, sizeof w->identity);
	crypto_generichash_update(st, (const uint8_t *)ID_ARCHIVE, sizeof ID_ARCHIVE);
	uint8_t n[24];
	npk__st64(n, in.created);
	npk__st64(n + 8, in.documents);
	npk__st64(n + 16, in.bytes);
	crypto_generichash_update(st, in.key_id, sizeof in.key_id);
	crypto_generichash_update(st, in.signer, sizeof in.signer);
	crypto_generichash_update(st, n, sizeof n);
	id_meta(st, in.meta);
	int rc = npk_reader_list(w->r, id_entry, w, w->err);
	crypto_generichash_final(st, w->identity, sizeof w->identity);
	if (w->nrecords > 0)
		qsort(w->records, w->nrecords, 16, hash_cmp);
	return rc;
}

/* ---- Driver ---- */

/* WARC-Date: the archive's creation time. */
static int warc_date(wctx *w)
{
	npk_info in;
	npk_reader_info(w->r, &in);
	time_t t = (time_t)in.created;
	struct tm tm;
	NPK_FAIL_IF(gmtime_r(&t, &tm) == NULL ||
	            strftime(w->date, sizeof w->date, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0,
	            w->err, NPK_E_FORMAT, "the archive's creation time is out of range");
	return NPK_OK;
}

int npk__export_warc(npk_reader *r, const char *out, int format, const npk_export_opts *opts,
                     uint64_t *written, npk_error *err)
{
	if (written)
		*written = 0;
	wctx *w = calloc(1, sizeof *w);
	NPK_FAIL_IF(w == NULL, err, NPK_E_NOMEM, "out of memory");
	w->r = r;
	w->opts = opts;
	w->err = err;
	w->gz = format == NPK_EXPORT_WARC_GZ;
	npk__out o = {.fd = -1};
	int rc;
	NPK_FORWARD_GOTO(rc, warc_date(w), done);
	NPK_FORWARD_GOTO(rc, archive_identity(w), done);
	record_id(w, 0, 'i', w->info_id);
	NPK_FORWARD_GOTO(rc, npk__out_open(&o, out, NPK__MODE_FILE, 0, err), done);
	w->fd = o.fd;
	w->tmp = o.tmp;
	/* windowBits 15 + 16: a gzip member (header with no name and time 0) */
	if (w->gz && deflateInit2(&w->z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
	                          Z_DEFAULT_STRATEGY) != Z_OK) {
		rc = npk__fail(err, NPK_E_NOMEM, "out of memory");
		goto done;
	}
	w->z_ready = w->gz;
	NPK_FORWARD_GOTO(rc, warcinfo(w, out), done);
	NPK_FORWARD_GOTO(rc, npk_reader_list(r, on_doc, w, err), done);
	NPK_FORWARD_GOTO(rc, w->rc, done);
	NPK_FORWARD_GOTO(rc, out_flush(w), done);
	NPK_FORWARD_GOTO(rc, npk__out_commit(&o, err), done);
	if (written)
		*written = w->docs;
done:
	if (w->z_ready)
		deflateEnd(&w->z);
	npk__out_abort(&o);
	free(w->buf);
	free(w->records);
	free(w);
	return rc;
}
