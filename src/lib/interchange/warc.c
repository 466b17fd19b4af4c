/*
 * warc.c - reading WARC files (ISO 28500: WARC/1.0 and WARC/1.1), see
 * warc.h.
 *
 * Layers, each pulling from the one below, all with bounded buffers:
 *
 *   file -> gzip members (or none) -> stream of records -> block
 *        -> HTTP body as recorded -> de-chunked -> content codings undone
 *
 * The stream buffer only ever holds bytes of one gzip member, so the
 * member in which a record starts is known without bookkeeping. Digests
 * are taken over the block (WARC-Block-Digest) and over the payload as
 * recorded and, when chunked, as de-chunked (WARC-Payload-Digest: writers
 * disagree on which one it covers, so either is accepted).
 *
 * Real files bend the framing (WARC 1.1, 5.1: a record ends with CRLF
 * CRLF): any run of CR and LF between records is accepted, nothing else.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <unistd.h>

#include <brotli/decode.h>
#include <nettle/md5.h>
#include <nettle/sha1.h>
#include <nettle/sha2.h>
#include <zlib.h>

#include "format/format.h"
#include "interchange/warc.h"

#define RAW_BUF (64u * 1024)        /* file bytes read at a time */
#define STREAM_BUF (128u * 1024)    /* inflated bytes of one gzip member */
#define IO_BUF (64u * 1024)         /* input of each decoding layer */
#define HDR_MAX (1024u * 1024)      /* a WARC header, an HTTP header */
#define PEEK_MAX 1024u              /* the first line of a chunked body */
#define CODINGS_MAX 4               /* content codings undone, at most */

/* ---- Digests ---- */

enum { ALG_NONE, ALG_SHA1, ALG_SHA256, ALG_SHA512, ALG_MD5 };
enum { ENC_HEX, ENC_B32, ENC_B64 };

typedef struct hasher {
	int alg;
	union {
		struct sha1_ctx sha1;
		struct sha256_ctx sha256;
		struct sha512_ctx sha512;
		struct md5_ctx md5;
	} u;
} hasher;

/* A digest as a header gives it: alg ALG_NONE when it cannot be checked. */
typedef struct digest_want {
	int alg, enc, pad;        /* pad: written with '=' padding */
	size_t len;
	uint8_t d[SHA512_DIGEST_SIZE];
	char label[16];
} digest_want;

static size_t alg_size(int alg)
{
	return alg == ALG_SHA1 ? SHA1_DIGEST_SIZE : alg == ALG_SHA256 ? SHA256_DIGEST_SIZE
	       : alg == ALG_SHA512 ? SHA512_DIGEST_SIZE : alg == ALG_MD5 ? MD5_DIGEST_SIZE : 0;
}

static void hash_init(hasher *h, int alg)
{
	h->alg = alg;
	if (alg == ALG_SHA1)
		sha1_init(&h->u.sha1);
	else if (alg == ALG_SHA256)
		sha256_init(&h->u.sha256);
	else if (alg == ALG_SHA512)
		sha512_init(&h->u.sha512);
	else if (alg == ALG_MD5)
		md5_init(&h->u.md5);
}

static void hash_update(hasher *h, const uint8_t *p, size_t n)
{
	if (n == 0)
		return;
	if (h->alg == ALG_SHA1)
		sha1_update(&h->u.sha1, n, p);
	else if (h->alg == ALG_SHA256)
		sha256_update(&h->u.sha256, n, p);
	else if (h->alg == ALG_SHA512)
		sha512_update(&h->u.sha512, n, p);
	else if (h->alg == ALG_MD5)
		md5_update(&h->u.md5, n, p);
}

static void hash_final(hasher *h, uint8_t *out)
{
	size_t n = alg_size(h->alg);
	if (h->alg == ALG_SHA1)
		sha1_digest(&h->u.sha1, n, out);
	else if (h->alg == ALG_SHA256)
		sha256_digest(&h->u.sha256, n, out);
	else if (h->alg == ALG_SHA512)
		sha512_digest(&h->u.sha512, n, out);
	else if (h->alg == ALG_MD5)
		md5_digest(&h->u.md5, n, out);
}

static int b32_val(int c)
{
	if (c >= 'a' && c <= 'z')
		c -= 'a' - 'A';
	return c >= 'A' && c <= 'Z' ? c - 'A' : c >= '2' && c <= '7' ? c - '2' + 26 : -1;
}

static int b64_val(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' : c >= 'a' && c <= 'z' ? c - 'a' + 26
	       : c >= '0' && c <= '9' ? c - '0' + 52 : c == '+' || c == '-' ? 62
	       : c == '/' || c == '_' ? 63 : -1;
}

static int hex_val(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Decodes len characters of bits bits each (RFC 4648 base32 or base64,
 * padding dropped) into exactly n bytes; 0 when they are not that. */
static int decode_bits(const char *s, size_t len, int bits, uint8_t *out, size_t n)
{
	while (len > 0 && s[len - 1] == '=')
		len--;
	if (len != (n * 8 + (size_t)bits - 1) / (size_t)bits)
		return 0;
	uint32_t acc = 0;
	int have = 0;
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		int v = bits == 5 ? b32_val((unsigned char)s[i]) : b64_val((unsigned char)s[i]);
		if (v < 0)
			return 0;
		acc = acc << bits | (uint32_t)v;
		have += bits;
		if (have >= 8) {
			have -= 8;
			if (o < n)
				out[o++] = (uint8_t)(acc >> have);
			acc &= (1u << have) - 1;
		}
	}
	return o == n;
}

/* Parses "label:value": hex, base32 or base64. */
static void digest_parse(const char *s, digest_want *d)
{
	static const struct { const char *label; int alg; } algs[] = {
		{"sha1", ALG_SHA1}, {"sha-1", ALG_SHA1}, {"sha256", ALG_SHA256}, {"sha-256", ALG_SHA256},
		{"sha512", ALG_SHA512}, {"sha-512", ALG_SHA512}, {"md5", ALG_MD5},
	};
	memset(d, 0, sizeof *d);
	const char *colon = s ? strchr(s, ':') : NULL;
	if (colon == NULL)
		return;
	size_t ll = (size_t)(colon - s), vl = strlen(colon + 1);
	const char *v = colon + 1;
	int alg = ALG_NONE;
	for (size_t i = 0; i < sizeof algs / sizeof algs[0]; i++)
		if (strlen(algs[i].label) == ll && strncasecmp(s, algs[i].label, ll) == 0)
			alg = algs[i].alg;
	if (alg == ALG_NONE)
		return;
	size_t n = alg_size(alg);
	int enc = -1;
	if (vl == 2 * n) {
		enc = ENC_HEX;
		for (size_t i = 0; i < n && enc == ENC_HEX; i++) {
			int hi = hex_val((unsigned char)v[2 * i]), lo = hex_val((unsigned char)v[2 * i + 1]);
			if (hi < 0 || lo < 0)
				enc = -1;
			else
				d->d[i] = (uint8_t)(hi << 4 | lo);
		}
	}
	if (enc < 0 && decode_bits(v, vl, 5, d->d, n))
		enc = ENC_B32;
	if (enc < 0 && decode_bits(v, vl, 6, d->d, n))
		enc = ENC_B64;
	if (enc < 0)
		return;
	d->alg = alg;
	d->enc = enc;
	d->pad = vl > 0 && v[vl - 1] == '=';
	d->len = n;
	snprintf(d->label, sizeof d->label, "%.*s", (int)ll, s);
}

/* The digest d of n bytes in encoding enc, NUL-terminated in out. */
static const char *digest_show(int enc, int pad, const uint8_t *d, size_t n, char *out, size_t cap)
{
	static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;
	if (enc == ENC_HEX) {
		for (size_t i = 0; i < n && o + 3 <= cap; i++, o += 2)
			snprintf(out + o, cap - o, "%02x", d[i]);
		return out;
	}
	int bits = enc == ENC_B32 ? 5 : 6;
	uint32_t acc = 0;
	int have = 0;
	for (size_t i = 0; i < n; i++) {
		acc = acc << 8 | d[i];
		have += 8;
		while (have >= bits && o + 1 < cap) {
			have -= bits;
			out[o++] = (bits == 5 ? b32 : b64)[(acc >> have) & ((1u << bits) - 1)];
		}
		acc &= (1u << have) - 1;
	}
	if (have > 0 && o + 1 < cap)
		out[o++] = (bits == 5 ? b32 : b64)[(acc << (bits - have)) & ((1u << bits) - 1)];
	while (pad && o % (bits == 5 ? 8 : 4) != 0 && o + 1 < cap)
		out[o++] = '=';
	out[o] = 0;
	return out;
}

/* ---- The reader ---- */

enum { COD_GZIP, COD_DEFLATE, COD_BR };
enum { MODE_START, MODE_ZLIB, MODE_BR, MODE_PASS, MODE_DONE };
enum { CK_SIZE, CK_EXT, CK_DATA, CK_DATA_END, CK_TRAILER, CK_DONE };

/* One content coding being undone. */
typedef struct coder {
	int kind, mode;
	int member_end;           /* gzip: a member ended, another may follow */
	z_stream zs;
	int zs_ready;
	BrotliDecoderState *br;
	uint8_t *in;              /* IO_BUF bytes from the layer below */
	size_t in_pos, in_len;
	int in_eof;
	uint64_t out;             /* bytes given out, against decode_bound */
} coder;

struct npk__warc {
	int fd, own_fd, use_read;
	const uint8_t *mem;       /* npk__warc_open_mem: the file's bytes, instead of fd */
	size_t mem_len;
	int no_digests;           /* npk__warc_no_digests */
	char *name;
	int failed;
	/* the file */
	uint8_t *rb;
	size_t r_pos, r_end;
	uint64_t r_off;           /* file offset of rb[r_end] */
	int r_eof;
	/* gzip members, inflated one after the other */
	int gz, gz_between;
	z_stream gzs;
	int gzs_ready;
	/* the record stream: s[s_pos, s_end) is left of the last fill, all of
	 * it from the gzip member at s_member */
	uint8_t *sb;
	const uint8_t *s;
	size_t s_pos, s_end;
	uint64_t spos;            /* stream offset of s[s_pos] */
	uint64_t s_member;
	int s_eof;
	/* the current record */
	int in_rec, doc_done, at_end, stopped;
	int captured;             /* the document is the payload as captured */
	int raw;                  /* records as captured (npk__warc_set_raw) */
	size_t hdr_given;         /* raw: bytes of hdr given so far */
	uint64_t given;           /* bytes of the document given so far */
	uint64_t at_num, at_off;  /* for messages */
	npk__warc_rec rec;
	npk_buf hdr, vals, hhdr, hvals;
	char media[NPK_MEDIA_MAX + 1];
	uint64_t blk_left;
	const uint8_t *pre;       /* block bytes read ahead, given before the rest */
	size_t pre_len;
	uint8_t peek[PEEK_MAX];
	hasher hb, ha, hc;        /* block, payload as recorded, de-chunked */
	digest_want wb, wp;
	/* chunked transfer coding */
	int chunked, ck_state, ck_digits, ck_line;
	uint64_t ck_left;
	uint8_t *ck_in;
	size_t ck_pos, ck_len;
	/* content codings, cod[0] undone first */
	coder cod[CODINGS_MAX];
	size_t ncod;
	uint8_t *scratch;
	npk__warc_stats st;
	npk__warc_digests dg;
};

/* Fails naming the file, the record and its offset. */
static int wfail(npk__warc *w, npk_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int wfail(npk__warc *w, npk_error *err, int code, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return npk__fail(err, code, "%s: record %" PRIu64 " at offset %" PRIu64 ": %s", w->name,
	                 w->at_num, w->at_off, msg);
}

/* A broken coding or framing (servers cut bodies short, the WARC
 * digests still match): the end of what can be given, never an error, so
 * that one odd record does not stop a crawl. npk__warc_read makes it
 * NPK__WARC_CAPTURED when nothing decoded. */
static int broken(npk__warc *w, npk_error *err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int broken(npk__warc *w, npk_error *err, const char *fmt, ...)
{
	(void)err;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(w->rec.problem, sizeof w->rec.problem, fmt, ap);
	va_end(ap);
	w->rec.decoded = NPK__WARC_PARTIAL;
	w->stopped = 1;
	return NPK_OK;
}

/* Stops giving the document, outcome (warc.h) and why in rec. */
static void give_up(npk__warc *w, int outcome, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void give_up(npk__warc *w, int outcome, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(w->rec.problem, sizeof w->rec.problem, fmt, ap);
	va_end(ap);
	w->rec.decoded = outcome;
	w->stopped = 1;
}

/* ---- File and gzip layers ---- */

/* Reads more of the file after rb[r_end], moving what is left to the front. */
static int raw_read(npk__warc *w, npk_error *err)
{
	if (w->r_pos > 0) {
		memmove(w->rb, w->rb + w->r_pos, w->r_end - w->r_pos);
		w->r_end -= w->r_pos;
		w->r_pos = 0;
	}
	if (w->r_eof || w->r_end == RAW_BUF)
		return NPK_OK;
	if (w->mem != NULL) {
		/* r_off never passes mem_len: it only grows by what is copied */
		size_t k = w->mem_len - (size_t)w->r_off;
		k = k < RAW_BUF - w->r_end ? k : RAW_BUF - w->r_end;
		memcpy(w->rb + w->r_end, w->mem + w->r_off, k);
		w->r_eof = k == 0;
		w->r_end += k;
		w->r_off += k;
		return NPK_OK;
	}
	for (;;) {
		ssize_t n = w->use_read ? read(w->fd, w->rb + w->r_end, RAW_BUF - w->r_end)
		                        : pread(w->fd, w->rb + w->r_end, RAW_BUF - w->r_end,
		                                (off_t)w->r_off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == ESPIPE && !w->use_read) {
			w->use_read = 1;
			continue;
		}
		NPK_FAIL_IF(n < 0, err, NPK_E_IO, "%s: read failed: %s", w->name, strerror(errno));
		if (n == 0)
			w->r_eof = 1;
		w->r_end += (size_t)n;
		w->r_off += (uint64_t)n;
		return NPK_OK;
	}
}

static uint64_t raw_at(const npk__warc *w)
{
	return w->r_off - (w->r_end - w->r_pos);
}

static int plain_fill(npk__warc *w, npk_error *err)
{
	if (w->r_pos == w->r_end) {
		w->r_pos = w->r_end = 0;
		int rc = raw_read(w, err);
		if (rc != NPK_OK)
			return rc;
	}
	w->s = w->rb + w->r_pos;
	w->s_pos = 0;
	w->s_end = w->r_end - w->r_pos;
	w->r_pos = w->r_end;
	w->s_eof = w->s_end == 0;
	return NPK_OK;
}

/* Starts the next gzip member, or sees the end of the file. */
static int gz_member(npk__warc *w, npk_error *err)
{
	while (w->r_end - w->r_pos < 2 && !w->r_eof) {
		int rc = raw_read(w, err);
		if (rc != NPK_OK)
			return rc;
	}
	if (w->r_pos == w->r_end) {
		w->s_eof = 1;
		return NPK_OK;
	}
	uint64_t at = raw_at(w);
	if (w->r_end - w->r_pos < 2 || w->rb[w->r_pos] != 0x1f || w->rb[w->r_pos + 1] != 0x8b)
		return wfail(w, err, NPK_E_INPUT,
		             "the bytes at offset %" PRIu64 ", after the gzip member at offset %" PRIu64
		             ", are not a gzip member", at, w->s_member);
	NPK_FAIL_IF(inflateReset(&w->gzs) != Z_OK, err, NPK_E_NOMEM, "%s: zlib: cannot reset", w->name);
	w->gz_between = 0;
	w->s_member = at;
	return NPK_OK;
}

/* Inflates the next piece of the stream, never past the end of a member. */
static int gz_fill(npk__warc *w, npk_error *err)
{
	w->s = w->sb;
	w->s_pos = w->s_end = 0;
	for (;;) {
		int rc;
		if (w->gz_between) {
			if ((rc = gz_member(w, err)) != NPK_OK || w->s_eof)
				return rc;
		}
		if (w->r_pos == w->r_end) {
			if (w->r_eof)
				return wfail(w, err, NPK_E_INPUT, "the gzip member at offset %" PRIu64
				             " is truncated (the file ends inside it)", w->s_member);
			if ((rc = raw_read(w, err)) != NPK_OK)
				return rc;
			continue;
		}
		size_t in = w->r_end - w->r_pos;
		w->gzs.next_in = w->rb + w->r_pos;
		w->gzs.avail_in = (uInt)in;
		w->gzs.next_out = w->sb + w->s_end;
		w->gzs.avail_out = (uInt)(STREAM_BUF - w->s_end);
		int zrc = inflate(&w->gzs, Z_NO_FLUSH);
		size_t used = in - w->gzs.avail_in;
		size_t made = STREAM_BUF - w->s_end - w->gzs.avail_out;
		w->r_pos += used;
		w->s_end += made;
		if (zrc == Z_STREAM_END) {
			w->gz_between = 1;
			if (w->s_end > 0)
				return NPK_OK;
			continue;
		}
		NPK_FAIL_IF(zrc == Z_MEM_ERROR, err, NPK_E_NOMEM, "%s: out of memory inflating", w->name);
		if ((zrc != Z_OK && zrc != Z_BUF_ERROR) || (used == 0 && made == 0 && w->r_pos < w->r_end))
			return wfail(w, err, NPK_E_INPUT, "the gzip member at offset %" PRIu64
			             " is corrupt (%s)", w->s_member, w->gzs.msg ? w->gzs.msg : "bad data");
		if (w->s_end == STREAM_BUF || (w->s_end > 0 && w->r_pos == w->r_end))
			return NPK_OK;
	}
}

/* Makes s[s_pos] readable, or sets s_eof. */
static int s_more(npk__warc *w, npk_error *err)
{
	if (w->s_pos < w->s_end || w->s_eof)
		return NPK_OK;
	return w->gz ? gz_fill(w, err) : plain_fill(w, err);
}

static void s_drop(npk__warc *w, size_t n)
{
	w->s_pos += n;
	w->spos += n;
}

/* The file offset of the stream's next byte: of its gzip member in a
 * gzip file. */
static uint64_t s_offset(const npk__warc *w)
{
	return w->gz ? w->s_member : w->spos;
}

/* ---- The block ---- */

/* The block's next bytes in the stream (*n is 0 at its end). */
static int blk_peek(npk__warc *w, const uint8_t **p, size_t *n, npk_error *err)
{
	*n = 0;
	if (w->blk_left == 0)
		return NPK_OK;
	int rc = s_more(w, err);
	if (rc != NPK_OK)
		return rc;
	size_t k = w->s_end - w->s_pos;
	if (k == 0)
		return wfail(w, err, NPK_E_INPUT, "block truncated: Content-Length is %" PRIu64
		             ", the file ends after %" PRIu64 " bytes of it", w->rec.block_length,
		             w->rec.block_length - w->blk_left);
	if (k > w->blk_left)
		k = (size_t)w->blk_left;
	*p = w->s + w->s_pos;
	*n = k;
	return NPK_OK;
}

static void blk_drop(npk__warc *w, const uint8_t *p, size_t n)
{
	hash_update(&w->hb, p, n);
	w->blk_left -= n;
	s_drop(w, n);
}

/* Appends to b the stream's (blk: the block's) bytes up to and including
 * the next LF, until b holds max bytes or the stream or block ends. */
static int read_line(npk__warc *w, int blk, npk_buf *b, size_t max, int *nl, npk_error *err)
{
	*nl = 0;
	while (!*nl && b->len < max) {
		const uint8_t *p = NULL;
		size_t n = 0;
		int rc = blk ? blk_peek(w, &p, &n, err) : s_more(w, err);
		if (rc != NPK_OK)
			return rc;
		if (!blk) {
			p = w->s + w->s_pos;
			n = w->s_end - w->s_pos;
		}
		if (n == 0)
			return NPK_OK;
		size_t k = max - b->len < n ? max - b->len : n;
		const uint8_t *e = memchr(p, '\n', k);
		if (e != NULL) {
			k = (size_t)(e - p) + 1;
			*nl = 1;
		}
		NPK_FAIL_IF(npk__buf_put(b, p, k) != 0, err, NPK_E_NOMEM, "%s: out of memory", w->name);
		if (blk)
			blk_drop(w, p, k);
		else
			s_drop(w, k);
	}
	return NPK_OK;
}

static int blank_line(const uint8_t *p, size_t n)
{
	return (n == 1 && p[0] == '\n') || (n == 2 && p[0] == '\r' && p[1] == '\n');
}

/* ---- Header fields (WARC 1.1, 4: named fields, as in RFC 2616) ---- */

enum {
	F_TYPE, F_URI, F_DATE, F_ID, F_CTYPE, F_PDIG, F_BDIG, F_REF, F_REFURI, F_REFDATE, F_PROFILE,
	F_TRUNC, F_IDTYPE, F_LEN, F_COUNT
};
static const char *const warc_names[F_COUNT] = {
	"WARC-Type", "WARC-Target-URI", "WARC-Date", "WARC-Record-ID", "Content-Type",
	"WARC-Payload-Digest", "WARC-Block-Digest", "WARC-Refers-To", "WARC-Refers-To-Target-URI",
	"WARC-Refers-To-Date", "WARC-Profile", "WARC-Truncated", "WARC-Identified-Payload-Type",
	"Content-Length",
};
enum { H_CTYPE, H_CENC, H_TENC, H_COUNT };
static const char *const http_names[H_COUNT] = {
	"Content-Type", "Content-Encoding", "Transfer-Encoding",
};

static void trim(const uint8_t *p, size_t *a, size_t *b)
{
	while (*a < *b && (p[*a] == ' ' || p[*a] == '\t'))
		(*a)++;
	while (*b > *a && (p[*b - 1] == ' ' || p[*b - 1] == '\t' || p[*b - 1] == '\r'))
		(*b)--;
}

/* Adds p[a, b) and a NUL to vals. */
static int put_value(npk_buf *vals, const uint8_t *p, size_t a, size_t b)
{
	return npk__buf_put(vals, p + a, b - a) != 0 || npk__buf_u8(vals, 0) != 0 ? -1 : 0;
}

/* Parses the field lines of p (after the first line) into vals: offs[i]
 * is the offset in vals of the first field named names[i], SIZE_MAX when
 * absent. Continuation lines are joined with a space. -1: out of memory. */
static int parse_fields(const uint8_t *p, size_t len, npk_buf *vals, const char *const *names,
                        size_t count, size_t *offs)
{
	int field = 0;            /* the last value in vals may be continued */
	for (size_t i = 0; i < count; i++)
		offs[i] = SIZE_MAX;
	for (size_t i = 0; i < len;) {
		const uint8_t *e = memchr(p + i, '\n', len - i);
		size_t a = i, b = e ? (size_t)(e - p) : len;
		i = e ? b + 1 : len;
		if (b > a && p[b - 1] == '\r')
			b--;
		if (a == b)
			break;
		if (p[a] == ' ' || p[a] == '\t') {
			trim(p, &a, &b);
			if (!field || a == b)
				continue;
			vals->len--;
			if (npk__buf_u8(vals, ' ') != 0 || put_value(vals, p, a, b) != 0)
				return -1;
			continue;
		}
		const uint8_t *colon = memchr(p + a, ':', b - a);
		field = colon != NULL;
		if (!field)
			continue;
		size_t na = a, nb = (size_t)(colon - p), va = nb + 1, vb = b;
		trim(p, &na, &nb);
		trim(p, &va, &vb);
		size_t off = vals->len;
		if (put_value(vals, p, va, vb) != 0)
			return -1;
		for (size_t k = 0; k < count; k++)
			if (offs[k] == SIZE_MAX && strlen(names[k]) == nb - na &&
			    strncasecmp((const char *)p + na, names[k], nb - na) == 0)
				offs[k] = off;
	}
	return 0;
}

static char *field_at(const npk_buf *vals, const size_t *offs, int i)
{
	return offs[i] == SIZE_MAX ? NULL : (char *)vals->p + offs[i];
}

/* Removes <...> around a URI (Wget 1.19 and 1.20 write them). */
static const char *unwrap_uri(char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n < 2 || s[0] != '<' || s[n - 1] != '>')
		return s;
	s[n - 1] = 0;
	return s + 1;
}

/* Content-Length: decimal digits only. 0 when not a number, -1 overflow. */
static int parse_length(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	if (*s == 0)
		return 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return 0;
		if (!npk__mul64(v, 10, &v) || !npk__add64(v, (uint64_t)(*s - '0'), &v))
			return -1;
	}
	*out = v;
	return 1;
}

/* Whether list (comma-separated) holds token, ignoring case. */
static int has_token(const char *list, const char *token)
{
	size_t tl = strlen(token);
	for (const char *p = list; p && *p;) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		size_t n = strcspn(p, ",");
		size_t m = n;
		while (m > 0 && (p[m - 1] == ' ' || p[m - 1] == '\t'))
			m--;
		if (m == tl && strncasecmp(p, token, tl) == 0)
			return 1;
		p += n;
	}
	return 0;
}

/* A Content-Type's media type: no parameters, lower case. */
static const char *media_of(const char *ct, char *out, size_t cap)
{
	static const char dflt[] = "application/octet-stream";
	size_t a = 0, n;
	if (ct == NULL)
		return dflt;
	while (ct[a] == ' ' || ct[a] == '\t')
		a++;
	n = strcspn(ct + a, "; \t,");
	if (n == 0 || n >= cap || memchr(ct + a, '/', n) == NULL)
		return dflt;
	for (size_t i = 0; i < n; i++) {
		char c = ct[a + i];
		out[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
	}
	out[n] = 0;
	return npk__media_ok(out) ? out : dflt;
}

static int type_is(const npk__warc_rec *r, const char *t)
{
	return r->type != NULL && strcasecmp(r->type, t) == 0;
}

static void count_type(npk__warc_stats *st, const npk__warc_rec *r)
{
	static const char *const names[] = {"warcinfo", "request", "response", "resource", "revisit",
	                                    "metadata", "conversion", "continuation"};
	uint64_t *slots[] = {&st->warcinfo, &st->request, &st->response, &st->resource,
	                     &st->revisit, &st->metadata, &st->conversion, &st->continuation};
	st->records++;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (type_is(r, names[i])) {
			(*slots[i])++;
			return;
		}
	st->other++;
}

/* ---- Reading a record's header ---- */

static int not_a_record(npk__warc *w, npk_error *err)
{
	char shown[120];
	int nl;
	/* a little more of what is there, for the message */
	read_line(w, 0, &w->hdr, 40, &nl, NULL);
	size_t n = w->hdr.len;
	while (n > 0 && (w->hdr.p[n - 1] == '\n' || w->hdr.p[n - 1] == '\r'))
		n--;
	npk__show((const char *)w->hdr.p, n, shown, sizeof shown);
	if (w->st.records == 0)
		return npk__fail(err, NPK_E_INPUT, "%s: not a WARC file (it starts with \"%s\", not \"WARC/\")",
		                 w->name, shown);
	return wfail(w, err, NPK_E_INPUT, "expected a record (\"WARC/\") after record %" PRIu64
	             ", found \"%s\"", w->st.records, shown);
}

/* Reads the header lines into hdr, up to the blank line that ends it. */
static int read_header(npk__warc *w, npk_error *err)
{
	npk_buf *h = &w->hdr;
	int nl, rc;
	h->len = 0;
	if ((rc = read_line(w, 0, h, 5, &nl, err)) != NPK_OK)
		return rc;
	if (h->len < 5 || memcmp(h->p, "WARC/", 5) != 0)
		return not_a_record(w, err);
	for (size_t line = 0;;) {
		if ((rc = read_line(w, 0, h, HDR_MAX, &nl, err)) != NPK_OK)
			return rc;
		if (!nl && h->len >= HDR_MAX)
			return wfail(w, err, NPK_E_INPUT, "WARC header longer than %u bytes", HDR_MAX);
		if (!nl)
			return wfail(w, err, NPK_E_INPUT, "the file ends inside the WARC header");
		if (line > 0 && blank_line(h->p + line, h->len - line))
			return NPK_OK;
		line = h->len;
	}
}

/* Parses hdr into rec: version, fields, Content-Length. */
static int parse_header(npk__warc *w, npk_error *err)
{
	const uint8_t *p = w->hdr.p;
	size_t len = w->hdr.len, offs[F_COUNT];
	const uint8_t *e = memchr(p, '\n', len);
	size_t a = 0, b = (size_t)(e - p), first = b + 1;
	npk_buf *v = &w->vals;
	v->len = 0;
	trim(p, &a, &b);
	if (put_value(v, p, a, b) != 0 ||
	    parse_fields(p + first, len - first, v, warc_names, F_COUNT, offs) != 0)
		return npk__fail(err, NPK_E_NOMEM, "%s: out of memory", w->name);
	const char *ver = (const char *)v->p;
	if (strcmp(ver, "WARC/1.0") != 0 && strcmp(ver, "WARC/1.1") != 0 &&
	    strcmp(ver, "WARC/0.17") != 0 && strcmp(ver, "WARC/0.18") != 0) {
		char shown[64];
		return wfail(w, err, NPK_E_INPUT, "unsupported WARC version \"%s\"",
		             npk__show(ver, strlen(ver), shown, sizeof shown));
	}
	npk__warc_rec *r = &w->rec;
	r->version = ver;
	r->type = field_at(v, offs, F_TYPE);
	r->target_uri = unwrap_uri(field_at(v, offs, F_URI));
	r->date = field_at(v, offs, F_DATE);
	r->record_id = field_at(v, offs, F_ID);
	r->content_type = field_at(v, offs, F_CTYPE);
	r->payload_digest = field_at(v, offs, F_PDIG);
	r->block_digest = field_at(v, offs, F_BDIG);
	r->refers_to = field_at(v, offs, F_REF);
	r->refers_to_uri = unwrap_uri(field_at(v, offs, F_REFURI));
	r->refers_to_date = field_at(v, offs, F_REFDATE);
	r->profile = field_at(v, offs, F_PROFILE);
	r->truncated = field_at(v, offs, F_TRUNC);
	r->identified_type = field_at(v, offs, F_IDTYPE);
	if (r->type == NULL)
		return wfail(w, err, NPK_E_INPUT, "no WARC-Type");
	const char *cl = field_at(v, offs, F_LEN);
	if (cl == NULL)
		return wfail(w, err, NPK_E_INPUT, "no Content-Length");
	int ok = parse_length(cl, &r->block_length);
	if (ok <= 0) {
		char shown[64];
		return wfail(w, err, NPK_E_INPUT, "Content-Length \"%s\" is %s",
		             npk__show(cl, strlen(cl), shown, sizeof shown),
		             ok < 0 ? "too large" : "not a decimal number");
	}
	r->is_doc = type_is(r, "response") || type_is(r, "resource") || type_is(r, "revisit");
	return NPK_OK;
}

/* ---- HTTP inside the block ---- */

/* The status code of an HTTP status line, 0 when it has none. */
static int http_status(const uint8_t *p, size_t n)
{
	size_t i = 5;
	while (i < n && p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
		i++;
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	int v = 0;
	for (size_t k = 0; k < 3; k++, i++) {
		if (i >= n || p[i] < '0' || p[i] > '9')
			return 0;
		v = v * 10 + (p[i] - '0');
	}
	return i < n && p[i] >= '0' && p[i] <= '9' ? 0 : v;
}

/* A chunk-size line (RFC 9112, 7.1): hex digits, maybe an extension, LF. */
static int chunk_line_ok(const uint8_t *p, size_t n, uint64_t body_left, int truncated)
{
	size_t i = 0;
	uint64_t size = 0;
	while (i < n && hex_val(p[i]) >= 0) {
		if (i >= 15)
			return 0;
		size = size << 4 | (uint64_t)hex_val(p[i++]);
	}
	if (i == 0 || n == 0 || p[n - 1] != '\n')
		return 0;
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	if (p[i] != ';' && !(p[i] == '\r' && i + 2 == n) && i + 1 != n)
		return 0;
	/* a chunk cannot be larger than what is left of the body */
	return truncated || size <= body_left;
}

/* Reads the first line of the body to see whether it is really chunked:
 * some writers keep Transfer-Encoding for a body they stored de-chunked. */
static int chunk_sniff(npk__warc *w, npk_error *err)
{
	size_t n = 0;
	while (n < PEEK_MAX) {
		const uint8_t *p;
		size_t k;
		int rc = blk_peek(w, &p, &k, err);
		if (rc != NPK_OK)
			return rc;
		if (k == 0)
			break;
		if (k > PEEK_MAX - n)
			k = PEEK_MAX - n;
		const uint8_t *e = memchr(p, '\n', k);
		if (e != NULL)
			k = (size_t)(e - p) + 1;
		memcpy(w->peek + n, p, k);
		blk_drop(w, p, k);
		n += k;
		if (e != NULL)
			break;
	}
	w->pre = w->peek;
	w->pre_len = n;
	w->chunked = chunk_line_ok(w->peek, n, w->blk_left, w->rec.truncated != NULL);
	return NPK_OK;
}

/* The content codings to undo, last first; stops at one it cannot undo
 * (what is left then stays as it is). */
static void codings_of(npk__warc *w, const char *ce)
{
	const char *end = ce + strlen(ce);
	while (end > ce && w->ncod < CODINGS_MAX) {
		const char *start = end;
		while (start > ce && start[-1] != ',')
			start--;
		size_t a = 0, b = (size_t)(end - start);
		trim((const uint8_t *)start, &a, &b);
		end = start > ce ? start - 1 : ce;
		int kind;
		if (b - a == 0 || (b - a == 8 && strncasecmp(start + a, "identity", 8) == 0))
			continue;
		if ((b - a == 4 && strncasecmp(start + a, "gzip", 4) == 0) ||
		    (b - a == 6 && strncasecmp(start + a, "x-gzip", 6) == 0))
			kind = COD_GZIP;
		else if (b - a == 7 && strncasecmp(start + a, "deflate", 7) == 0)
			kind = COD_DEFLATE;
		else if (b - a == 2 && strncasecmp(start + a, "br", 2) == 0)
			kind = COD_BR;
		else
			return;
		w->cod[w->ncod++].kind = kind;
	}
}

/* Reads and parses the HTTP header at the start of an application/http
 * block; what was read is given back (pre) when it is not one. */
static int read_http(npk__warc *w, npk_error *err)
{
	npk__warc_rec *r = &w->rec;
	npk_buf *h = &w->hhdr;
	int nl, rc;
	int request = type_is(r, "request");
	h->len = 0;
	if ((rc = read_line(w, 1, h, 5, &nl, err)) != NPK_OK)
		return rc;
	int response = h->len == 5 && memcmp(h->p, "HTTP/", 5) == 0;
	if (request ? h->len == 0 : !response) {
		w->pre = h->p;
		w->pre_len = h->len;
		return NPK_OK;
	}
	for (size_t line = 0;;) {
		if ((rc = read_line(w, 1, h, HDR_MAX, &nl, err)) != NPK_OK)
			return rc;
		if (!nl && h->len >= HDR_MAX)
			return wfail(w, err, NPK_E_INPUT, "HTTP header longer than %u bytes", HDR_MAX);
		if (!nl || (line > 0 && blank_line(h->p + line, h->len - line)))
			break;        /* a block may end with the header */
		line = h->len;
	}
	size_t offs[H_COUNT];
	const uint8_t *e = memchr(h->p, '\n', h->len);
	size_t first = e ? (size_t)(e - h->p) + 1 : h->len;
	w->hvals.len = 0;
	if (parse_fields(h->p + first, h->len - first, &w->hvals, http_names, H_COUNT, offs) != 0)
		return npk__fail(err, NPK_E_NOMEM, "%s: out of memory", w->name);
	const char *tenc = field_at(&w->hvals, offs, H_TENC);
	if (!request) {
		r->http = 1;
		r->http_status = http_status(h->p, h->len);
		r->http_content_type = field_at(&w->hvals, offs, H_CTYPE);
		r->http_content_encoding = field_at(&w->hvals, offs, H_CENC);
	}
	if (type_is(r, "revisit")) {
		/* the document is the block as it is */
		w->pre = h->p;
		w->pre_len = h->len;
		return NPK_OK;
	}
	r->payload_length = r->block_length - h->len;
	if (tenc != NULL && has_token(tenc, "chunked") && (rc = chunk_sniff(w, err)) != NPK_OK)
		return rc;
	r->http_chunked = w->chunked;
	if (!request && r->http_content_encoding != NULL)
		codings_of(w, r->http_content_encoding);
	return NPK_OK;
}

/* ---- The payload and the document ---- */

/* Up to cap bytes of the block into dst (*got 0 at its end). */
static int blk_copy(npk__warc *w, uint8_t *dst, size_t cap, size_t *got, npk_error *err)
{
	const uint8_t *p;
	size_t n;
	*got = 0;
	int rc = blk_peek(w, &p, &n, err);
	if (rc != NPK_OK || n == 0)
		return rc;
	n = n < cap ? n : cap;
	memcpy(dst, p, n);
	blk_drop(w, p, n);
	*got = n;
	return NPK_OK;
}

/* The payload as recorded: bytes read ahead, then the rest of the block. */
static int body_read(npk__warc *w, uint8_t *dst, size_t cap, size_t *got, npk_error *err)
{
	*got = 0;
	if (w->pre_len > 0) {
		size_t k = w->pre_len < cap ? w->pre_len : cap;
		memcpy(dst, w->pre, k);
		w->pre += k;
		w->pre_len -= k;
		hash_update(&w->ha, dst, k);
		*got = k;
		return NPK_OK;
	}
	NPK_FORWARD(blk_copy(w, dst, cap, got, err));
	hash_update(&w->ha, dst, *got);
	return NPK_OK;
}

/* One byte of the chunk framing (RFC 9112, 7.1). */
static int chunk_byte(npk__warc *w, uint8_t c, npk_error *err)
{
	int v = hex_val(c);
	switch (w->ck_state) {
	case CK_SIZE:
		if (v >= 0 && w->ck_digits < 15) {
			w->ck_left = w->ck_left << 4 | (uint64_t)v;
			w->ck_digits++;
			return NPK_OK;
		}
		if (v >= 0 || w->ck_digits == 0 || (c != ';' && c != ' ' && c != '\t' && c != '\r' &&
		                                    c != '\n'))
			return broken(w, err, "bad chunk size in chunked HTTP body");
		w->ck_state = CK_EXT;
		return c == '\n' ? chunk_byte(w, c, err) : NPK_OK;
	case CK_EXT:
		if (c == '\n') {
			w->ck_state = w->ck_left > 0 ? CK_DATA : CK_TRAILER;
			w->ck_line = 0;
		}
		return NPK_OK;
	case CK_DATA_END:
		if (c == '\r' && w->ck_line == 0) {
			w->ck_line = 1;
			return NPK_OK;
		}
		if (c != '\n')
			return broken(w, err, "no CRLF after a chunk of the chunked HTTP body");
		w->ck_state = CK_SIZE;
		w->ck_left = 0;
		w->ck_digits = 0;
		return NPK_OK;
	case CK_TRAILER:
		if (c == '\n') {
			if (w->ck_line == 0)
				w->ck_state = CK_DONE;
			w->ck_line = 0;
		} else if (c != '\r') {
			w->ck_line++;
		}
		return NPK_OK;
	default:
		return NPK_OK;
	}
}

/* The payload de-chunked. */
static int dechunk(npk__warc *w, uint8_t *dst, size_t cap, size_t *got, npk_error *err)
{
	*got = 0;
	while (w->ck_state != CK_DONE && !w->stopped) {
		int rc;
		if (w->ck_pos == w->ck_len) {
			size_t n;
			if ((rc = body_read(w, w->ck_in, IO_BUF, &n, err)) != NPK_OK)
				return rc;
			w->ck_pos = 0;
			w->ck_len = n;
			if (n == 0) {
				/* tolerated: the CRLF after the last chunk missing */
				if (w->ck_state == CK_TRAILER && w->ck_line == 0)
					w->ck_state = CK_DONE;
				else
					return broken(w, err, "the chunked HTTP body ends before its last chunk");
				break;
			}
		}
		if (w->ck_state == CK_DATA) {
			size_t k = w->ck_len - w->ck_pos;
			if (k > cap)
				k = cap;
			if (k > w->ck_left)
				k = (size_t)w->ck_left;
			memcpy(dst, w->ck_in + w->ck_pos, k);
			w->ck_pos += k;
			w->ck_left -= k;
			if (w->ck_left == 0) {
				w->ck_state = CK_DATA_END;
				w->ck_line = 0;
			}
			*got = k;
			return NPK_OK;
		}
		if ((rc = chunk_byte(w, w->ck_in[w->ck_pos++], err)) != NPK_OK)
			return rc;
	}
	return NPK_OK;
}

/* The payload, de-chunked when it is chunked. */
static int pay_read(npk__warc *w, uint8_t *dst, size_t cap, size_t *got, npk_error *err)
{
	if (!w->chunked)
		return body_read(w, dst, cap, got, err);
	int rc = dechunk(w, dst, cap, got, err);
	if (rc == NPK_OK)
		hash_update(&w->hc, dst, *got);
	return rc;
}

static int cod_read(npk__warc *w, size_t i, uint8_t *dst, size_t cap, size_t *got, npk_error *err);

static const char *cod_name(const coder *c)
{
	return c->kind == COD_GZIP ? "gzip" : c->kind == COD_DEFLATE ? "deflate" : "br";
}

/* More input for coder i, from the layer below. */
static int cod_fill(npk__warc *w, size_t i, npk_error *err)
{
	coder *c = &w->cod[i];
	if (c->in_pos > 0) {
		memmove(c->in, c->in + c->in_pos, c->in_len - c->in_pos);
		c->in_len -= c->in_pos;
		c->in_pos = 0;
	}
	size_t n = 0;
	int rc = i == 0 ? pay_read(w, c->in + c->in_len, IO_BUF - c->in_len, &n, err)
	                : cod_read(w, i - 1, c->in + c->in_len, IO_BUF - c->in_len, &n, err);
	if (rc != NPK_OK)
		return rc;
	c->in_eof = n == 0;
	c->in_len += n;
	return NPK_OK;
}

/* Fills coder i until it holds 2 bytes or its input ends. */
static int cod_fill2(npk__warc *w, size_t i, npk_error *err)
{
	coder *c = &w->cod[i];
	while (c->in_len - c->in_pos < 2 && !c->in_eof) {
		int rc = cod_fill(w, i, err);
		if (rc != NPK_OK)
			return rc;
	}
	return NPK_OK;
}

static int zs_start(npk__warc *w, coder *c, int bits, npk_error *err)
{
	int zrc = c->zs_ready ? inflateReset2(&c->zs, bits) : inflateInit2(&c->zs, bits);
	NPK_FAIL_IF(zrc != Z_OK, err, NPK_E_NOMEM, "%s: zlib: cannot start inflate", w->name);
	c->zs_ready = 1;
	c->mode = MODE_ZLIB;
	return NPK_OK;
}

/* Looks at the first bytes: a body said to be gzip that is not is kept as
 * it is; deflate is zlib-wrapped (RFC 1950) or raw (RFC 1951). */
static int cod_start(npk__warc *w, size_t i, npk_error *err)
{
	coder *c = &w->cod[i];
	int rc = cod_fill2(w, i, err);
	if (rc != NPK_OK)
		return rc;
	const uint8_t *p = c->in + c->in_pos;
	size_t n = c->in_len - c->in_pos;
	if (n == 0 || w->stopped) {
		c->mode = n == 0 ? MODE_DONE : MODE_PASS;
		return NPK_OK;
	}
	if (c->kind == COD_GZIP) {
		if (n < 2 || p[0] != 0x1f || p[1] != 0x8b) {
			c->mode = MODE_PASS;
			return NPK_OK;
		}
		return zs_start(w, c, 15 + 16, err);
	}
	if (c->kind == COD_DEFLATE)
		return zs_start(w, c, npk__zlib_header_ok(p, n) ? 15 : -15, err);
	c->br = BrotliDecoderCreateInstance(NULL, NULL, NULL);
	NPK_FAIL_IF(c->br == NULL, err, NPK_E_NOMEM, "%s: out of memory starting brotli", w->name);
	c->mode = MODE_BR;
	return NPK_OK;
}

static int zs_step(npk__warc *w, size_t i, uint8_t *dst, size_t cap, size_t *got, npk_error *err)
{
	coder *c = &w->cod[i];
	if (c->member_end) {
		/* another gzip member may follow; anything else is left */
		int rc = cod_fill2(w, i, err);
		if (rc != NPK_OK)
			return rc;
		const uint8_t *p = c->in + c->in_pos;
		if (c->in_len - c->in_pos < 2 || p[0] != 0x1f || p[1] != 0x8b) {
			c->mode = MODE_DONE;
			return NPK_OK;
		}
		NPK_FAIL_IF(inflateReset(&c->zs) != Z_OK, err, NPK_E_NOMEM, "%s: zlib: cannot reset",
		            w->name);
		c->member_end = 0;
	}
	size_t room = cap > UINT_MAX ? UINT_MAX : cap, in = c->in_len - c->in_pos;
	c->zs.next_in = c->in + c->in_pos;
	c->zs.avail_in = (uInt)in;
	c->zs.next_out = dst;
	c->zs.avail_out = (uInt)room;
	int zrc = inflate(&c->zs, Z_NO_FLUSH);
	size_t used = in - c->zs.avail_in;
	c->in_pos += used;
	*got = room - c->zs.avail_out;
	if (zrc == Z_STREAM_END) {
		if (c->kind == COD_GZIP)
			c->member_end = 1;
		else
			c->mode = MODE_DONE;
		return NPK_OK;
	}
	NPK_FAIL_IF(zrc == Z_MEM_ERROR, err, NPK_E_NOMEM, "%s: out of memory inflating", w->name);
	if (zrc == Z_OK || (zrc == Z_BUF_ERROR && (*got > 0 || used > 0)))
		return NPK_OK;
	if (zrc == Z_BUF_ERROR && c->in_pos == c->in_len && !c->in_eof)
		return NPK_OK;    /* wants more input */
	if (zrc == Z_BUF_ERROR)
		return broken(w, err, "%s content coding: the compressed body is cut short", cod_name(c));
	return broken(w, err, "%s content coding: %s", cod_name(c), c->zs.msg ? c->zs.msg : "bad data");
}

static int br_step(npk__warc *w, coder *c, uint8_t *dst, size_t cap, size_t *got, npk_error *err)
{
	size_t ai = c->in_len - c->in_pos, ao = cap;
	const uint8_t *ni = c->in + c->in_pos;
	uint8_t *no = dst;
	BrotliDecoderResult r = BrotliDecoderDecompressStream(c->br, &ai, &ni, &ao, &no, NULL);
	c->in_pos = (size_t)(ni - c->in);
	*got = cap - ao;
	if (r == BROTLI_DECODER_RESULT_SUCCESS) {
		c->mode = MODE_DONE;
		return NPK_OK;
	}
	if (r == BROTLI_DECODER_RESULT_ERROR)
		return broken(w, err, "br content coding: %s",
		              BrotliDecoderErrorString(BrotliDecoderGetErrorCode(c->br)));
	if (r == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT && *got == 0 && c->in_eof &&
	    c->in_pos == c->in_len)
		return broken(w, err, "br content coding: the compressed body is cut short");
	return NPK_OK;
}

static void pass_step(coder *c, uint8_t *dst, size_t cap, size_t *got)
{
	size_t k = c->in_len - c->in_pos;
	if (k > cap)
		k = cap;
	memcpy(dst, c->in + c->in_pos, k);
	c->in_pos += k;
	*got = k;
	if (k == 0 && c->in_eof)
		c->mode = MODE_DONE;
}

/* The most a decoded body may be (warc.h): NPK__WARC_DECODE_RATIO times
 * what was captured and NPK__WARC_DECODE_MAX, at least
 * NPK__WARC_DECODE_FLOOR. */
static uint64_t decode_bound(const npk__warc *w)
{
	uint64_t n = w->rec.payload_length;
	uint64_t b = n > NPK__WARC_DECODE_MAX / NPK__WARC_DECODE_RATIO ? NPK__WARC_DECODE_MAX
	                                                                : n * NPK__WARC_DECODE_RATIO;
	return b > NPK__WARC_DECODE_FLOOR ? b : NPK__WARC_DECODE_FLOOR;
}

/* The output of coder i: what is below it with one coding undone. */
static int cod_read(npk__warc *w, size_t i, uint8_t *dst, size_t cap, size_t *got, npk_error *err)
{
	coder *c = &w->cod[i];
	int rc = NPK_OK;
	*got = 0;
	if (c->in == NULL && (c->in = malloc(IO_BUF)) == NULL)
		return npk__fail(err, NPK_E_NOMEM, "%s: out of memory", w->name);
	if (c->mode == MODE_START && (rc = cod_start(w, i, err)) != NPK_OK)
		return rc;
	while (*got == 0 && c->mode != MODE_DONE && !w->stopped) {
		if (c->in_pos == c->in_len && !c->in_eof && (rc = cod_fill(w, i, err)) != NPK_OK)
			return rc;
		if (c->mode == MODE_PASS)
			pass_step(c, dst, cap, got);
		else if (c->mode == MODE_BR)
			rc = br_step(w, c, dst, cap, got, err);
		else
			rc = zs_step(w, i, dst, cap, got, err);
		if (rc != NPK_OK)
			return rc;
	}
	c->out += *got;
	uint64_t bound = decode_bound(w);
	if (c->out > bound) {
		/* a bomb, or a body too large to be worth decoding: not given */
		*got = 0;
		give_up(w, NPK__WARC_CAPTURED, "%s content coding: the %" PRIu64 " bytes captured decode"
		        " to more than %" PRIu64, cod_name(c), w->rec.payload_length, bound);
	}
	return NPK_OK;
}

/* ---- Ending a record: the rest of the block, then its digests ---- */

static int mismatch(npk__warc *w, npk_error *err, const char *field, const char *recorded,
                    const digest_want *d, const uint8_t *got)
{
	char shown[160], hex[160];
	npk_error e;
	int rc = wfail(w, &e, NPK_E_DIGEST, "%s does not match (%s recorded, %s:%s computed)", field,
	               npk__show(recorded, strlen(recorded), shown, sizeof shown), d->label,
	               digest_show(d->enc, d->pad, got, d->len, hex, sizeof hex));
#ifdef NPK_FUZZING
	/* computed and described, never refused (base/base.h) */
	(void)err;
	(void)rc;
	return NPK_OK;
#else
	if (err != NULL)
		*err = e;
	return rc;
#endif
}

static int check_digests(npk__warc *w, npk_error *err)
{
	npk__warc_rec *r = &w->rec;
	uint8_t a[SHA512_DIGEST_SIZE], b[SHA512_DIGEST_SIZE];
	if (w->no_digests)
		return NPK_OK;
	if (r->block_digest != NULL && w->wb.alg == ALG_NONE)
		w->dg.skipped_unknown++;
	if (r->block_digest != NULL && w->wb.alg != ALG_NONE) {
		hash_final(&w->hb, a);
		w->dg.block_checked++;
		if (memcmp(a, w->wb.d, w->wb.len) != 0)
			return mismatch(w, err, "WARC-Block-Digest", r->block_digest, &w->wb, a);
	}
	if (r->payload_digest == NULL)
		return NPK_OK;
	if (w->raw) {
		w->dg.skipped_unknown++;
		return NPK_OK;
	}
	if (type_is(r, "revisit")) {
		w->dg.skipped_revisit++;
		return NPK_OK;
	}
	if (r->truncated != NULL) {
		w->dg.skipped_truncated++;
		return NPK_OK;
	}
	if (w->wp.alg == ALG_NONE) {
		w->dg.skipped_unknown++;
		return NPK_OK;
	}
	w->dg.payload_checked++;
	hash_final(&w->ha, a);
	if (memcmp(a, w->wp.d, w->wp.len) == 0)
		return NPK_OK;
	if (w->chunked && (w->captured || w->stopped)) {
		/* not de-chunked to its end (read as captured, or decoding
		 * stopped): only the digest as recorded can be checked */
		w->dg.skipped_unknown++;
		return NPK_OK;
	}
	if (w->chunked) {
		hash_final(&w->hc, b);
		if (memcmp(b, w->wp.d, w->wp.len) == 0) {
			w->dg.payload_dechunked++;
			return NPK_OK;
		}
	}
	return mismatch(w, err, "WARC-Payload-Digest", r->payload_digest, &w->wp, a);
}

/* Reads what is left of the record (de-chunking it, for the digest of
 * the de-chunked payload) and checks its digests. */
static int finish(npk__warc *w, npk_error *err)
{
	size_t n;
	int rc;
	if (w->doc_done)
		return NPK_OK;
	do {
		if (w->stopped || w->captured)
			break;
		if ((rc = pay_read(w, w->scratch, IO_BUF, &n, err)) != NPK_OK)
			return rc;
	} while (n > 0);
	do {
		if ((rc = body_read(w, w->scratch, IO_BUF, &n, err)) != NPK_OK)
			return rc;
	} while (n > 0);
	w->doc_done = 1;
	return check_digests(w, err);
}

/* ---- Records ---- */

static void coder_reset(coder *c)
{
	if (c->br != NULL)
		BrotliDecoderDestroyInstance(c->br);
	c->br = NULL;
	c->mode = MODE_START;
	c->member_end = 0;
	c->in_pos = c->in_len = 0;
	c->in_eof = 0;
	c->out = 0;
}

static void record_reset(npk__warc *w)
{
	memset(&w->rec, 0, sizeof w->rec);
	w->pre = NULL;
	w->pre_len = 0;
	w->chunked = 0;
	w->ck_state = CK_SIZE;
	w->ck_digits = w->ck_line = 0;
	w->ck_left = 0;
	w->ck_pos = w->ck_len = 0;
	for (size_t i = 0; i < w->ncod; i++)
		coder_reset(&w->cod[i]);
	w->ncod = 0;
	w->stopped = 0;
	w->captured = 0;
	w->hdr_given = 0;
	w->given = 0;
	w->doc_done = 0;
}

/* Skips the CR and LF between records (CRLF CRLF in the standard; one
 * CRLF, none or more in real files). */
static int skip_separators(npk__warc *w, npk_error *err)
{
	for (;;) {
		int rc = s_more(w, err);
		if (rc != NPK_OK || w->s_pos == w->s_end)
			return rc;
		uint8_t c = w->s[w->s_pos];
		if (c != '\r' && c != '\n')
			return NPK_OK;
		s_drop(w, 1);
	}
}

static int next_record(npk__warc *w, const npk__warc_rec **out, npk_error *err)
{
	int rc;
	if (w->in_rec && (rc = finish(w, err)) != NPK_OK)
		return rc;
	w->in_rec = 0;
	if (w->at_end)
		return NPK_OK;
	w->at_num = w->st.records + 1;
	w->at_off = s_offset(w);
	if ((rc = skip_separators(w, err)) != NPK_OK)
		return rc;
	if (w->s_pos == w->s_end) {
		NPK_FAIL_IF(w->st.records == 0, err, NPK_E_INPUT, "%s: not a WARC file (%s)", w->name,
		            w->spos == 0 ? "it is empty" : "no record in it");
		w->at_end = 1;
		return NPK_OK;
	}
	record_reset(w);
	npk__warc_rec *r = &w->rec;
	r->number = w->at_num;
	r->offset = w->at_off = s_offset(w);
	r->stream_offset = w->spos;
	w->in_rec = 1;
	if ((rc = read_header(w, err)) != NPK_OK || (rc = parse_header(w, err)) != NPK_OK)
		return rc;
	count_type(&w->st, r);
	r->header_length = w->hdr.len;
	w->blk_left = r->payload_length = r->block_length;
	digest_parse(r->block_digest, &w->wb);
	digest_parse(r->payload_digest, &w->wp);
	hash_init(&w->hb, w->wb.alg);
	hash_init(&w->ha, w->wp.alg);
	hash_init(&w->hc, w->wp.alg);
	if (w->raw) {
		r->media_type = "application/warc";
		*out = r;
		return NPK_OK;
	}
	int http_type = type_is(r, "response") || type_is(r, "revisit") || type_is(r, "request");
	if (http_type && r->content_type != NULL &&
	    strncasecmp(r->content_type, "application/http", 16) == 0 &&
	    strchr("; \t", r->content_type[16]) != NULL && (rc = read_http(w, err)) != NPK_OK)
		return rc;
	r->media_type = media_of(r->http && type_is(r, "response") ? r->http_content_type
	                                                           : r->content_type,
	                         w->media, sizeof w->media);
	*out = r;
	return NPK_OK;
}

/* ---- Interface (warc.h) ---- */

/* A reader of the file at fd, or of mem[0..mem_len) when mem is not NULL. */
static int warc_open(int fd, const uint8_t *mem, size_t mem_len, const char *name,
                     npk__warc **out, npk_error *err)
{
	*out = NULL;
	npk__warc *w = calloc(1, sizeof *w);
	NPK_FAIL_IF(w == NULL, err, NPK_E_NOMEM, "%s: out of memory", name);
	w->fd = fd;
	w->own_fd = -1;
	w->mem = mem;
	w->mem_len = mem_len;
	w->name = strdup(name);
	w->rb = malloc(RAW_BUF);
	w->sb = malloc(STREAM_BUF);
	w->ck_in = malloc(IO_BUF);
	w->scratch = malloc(IO_BUF);
	if (w->name == NULL || w->rb == NULL || w->sb == NULL || w->ck_in == NULL ||
	    w->scratch == NULL) {
		npk__warc_close(w);
		return npk__fail(err, NPK_E_NOMEM, "%s: out of memory", name);
	}
	int rc = NPK_OK;
	while (rc == NPK_OK && w->r_end < 2 && !w->r_eof)
		rc = raw_read(w, err);
	if (rc == NPK_OK && w->r_end >= 2 && w->rb[0] == 0x1f && w->rb[1] == 0x8b) {
		w->gz = w->gz_between = 1;
		if (inflateInit2(&w->gzs, 15 + 16) != Z_OK)
			rc = npk__fail(err, NPK_E_NOMEM, "%s: zlib: cannot start inflate", name);
		w->gzs_ready = rc == NPK_OK;
	}
	if (rc != NPK_OK) {
		npk__warc_close(w);
		return rc;
	}
	*out = w;
	return NPK_OK;
}

int npk__warc_open_fd(int fd, const char *name, npk__warc **out, npk_error *err)
{
	return warc_open(fd, NULL, 0, name, out, err);
}

int npk__warc_open_mem(const uint8_t *p, size_t len, const char *name, npk__warc **out,
                       npk_error *err)
{
	static const uint8_t none[1];
	return warc_open(-1, p != NULL ? p : none, p != NULL ? len : 0, name, out, err);
}

void npk__warc_no_digests(npk__warc *w)
{
	w->no_digests = 1;
}

int npk__warc_open(const char *path, npk__warc **out, npk_error *err)
{
	*out = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	NPK_FAIL_IF(fd < 0, err, errno == ENOENT ? NPK_E_NOTFOUND : NPK_E_IO, "%s: cannot open: %s",
	            path, strerror(errno));
	int rc = npk__warc_open_fd(fd, path, out, err);
	if (rc != NPK_OK) {
		close(fd);
		return rc;
	}
	(*out)->own_fd = fd;
	return NPK_OK;
}

void npk__warc_close(npk__warc *w)
{
	if (w == NULL)
		return;
	for (size_t i = 0; i < CODINGS_MAX; i++) {
		coder_reset(&w->cod[i]);
		if (w->cod[i].zs_ready)
			inflateEnd(&w->cod[i].zs);
		free(w->cod[i].in);
	}
	if (w->gzs_ready)
		inflateEnd(&w->gzs);
	if (w->own_fd >= 0)
		close(w->own_fd);
	npk__buf_free(&w->hdr);
	npk__buf_free(&w->vals);
	npk__buf_free(&w->hhdr);
	npk__buf_free(&w->hvals);
	free(w->rb);
	free(w->sb);
	free(w->ck_in);
	free(w->scratch);
	free(w->name);
	free(w);
}

int npk__warc_next(npk__warc *w, const npk__warc_rec **rec, npk_error *err)
{
	*rec = NULL;
	NPK_FAIL_IF(w->failed, err, w->failed, "%s: reading stopped at an earlier error", w->name);
	int rc = next_record(w, rec, err);
	if (rc != NPK_OK) {
		w->failed = rc;
		*rec = NULL;
	}
	return rc;
}

/* Raw: the header as captured, then the block. */
static int raw_read_rec(npk__warc *w, uint8_t *buf, size_t cap, size_t *got, npk_error *err)
{
	if (w->hdr_given < w->hdr.len) {
		size_t k = w->hdr.len - w->hdr_given;
		k = k < cap ? k : cap;
		memcpy(buf, w->hdr.p + w->hdr_given, k);
		w->hdr_given += k;
		*got = k;
		return NPK_OK;
	}
	return blk_copy(w, buf, cap, got, err);
}

void npk__warc_set_raw(npk__warc *w)
{
	w->raw = 1;
}

int npk__warc_read(npk__warc *w, uint8_t *buf, size_t cap, size_t *got, npk_error *err)
{
	*got = 0;
	NPK_FAIL_IF(w->failed, err, w->failed, "%s: reading stopped at an earlier error", w->name);
	NPK_FAIL_IF(!w->in_rec || !(w->rec.is_doc || w->raw) || cap == 0, err, NPK_E_ARG,
	            "%s: no document to read", w->name);
	if (w->doc_done)
		return NPK_OK;
	int rc = NPK_OK;
	if (w->raw)
		rc = raw_read_rec(w, buf, cap, got, err);
	else if (w->captured)
		rc = body_read(w, buf, cap, got, err);
	else if (!w->stopped)
		rc = w->ncod > 0 ? cod_read(w, w->ncod - 1, buf, cap, got, err)
		                 : pay_read(w, buf, cap, got, err);
	w->given += *got;
	if (w->stopped && w->rec.decoded == NPK__WARC_PARTIAL && w->given == 0)
		w->rec.decoded = NPK__WARC_CAPTURED;
	if (rc == NPK_OK && *got == 0)
		rc = finish(w, err);
	if (rc != NPK_OK) {
		w->failed = rc;
		*got = 0;
	}
	return rc;
}

int npk__warc_captured(npk__warc *w, npk_error *err)
{
	NPK_FAIL_IF(!w->in_rec || !w->rec.is_doc || w->doc_done || w->given > 0, err, NPK_E_ARG,
	            "%s: no document to read as captured", w->name);
	w->captured = 1;
	return NPK_OK;
}

void npk__warc_get_stats(const npk__warc *w, npk__warc_stats *st)
{
	*st = w->st;
}

void npk__warc_get_digests(const npk__warc *w, npk__warc_digests *d)
{
	*d = w->dg;
}

int npk__warc_sniff_mem(const uint8_t *p, size_t n)
{
	uint8_t out[5];
	if (n < 2 || p[0] != 0x1f || p[1] != 0x8b)
		return n >= 5 && memcmp(p, "WARC/", 5) == 0;
	z_stream zs;
	memset(&zs, 0, sizeof zs);
	if (inflateInit2(&zs, 15 + 16) != Z_OK)
		return 0;
	zs.next_in = (uint8_t *)(uintptr_t)p; /* zlib does not write it; its type is not const */
	zs.avail_in = (uInt)(n < 4096 ? n : 4096);
	zs.next_out = out;
	zs.avail_out = sizeof out;
	inflate(&zs, Z_NO_FLUSH);
	int ok = zs.avail_out == 0 && memcmp(out, "WARC/", 5) == 0;
	inflateEnd(&zs);
	return ok;
}

int npk__warc_sniff(const char *path)
{
	uint8_t in[4096];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	size_t n = 0;
	for (;;) {
		ssize_t k = read(fd, in + n, sizeof in - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		n += (size_t)k;
		if (n == sizeof in)
			break;
	}
	close(fd);
	return npk__warc_sniff_mem(in, n);
}
