/*
 * prooffile.c - the proof file of spec/format.md 15.14, version 1: its
 * text from an npk_proof (npk_proof_format) and back (npk_proof_next).
 *
 * The text is strict so that one proof has one spelling: LF alone, no
 * empty line, no space at a line's end, canonical base64, decimals
 * without leading zeros, every length checked before anything is
 * allocated. Each violation has its own message naming the file, the
 * proof's number in it and the line.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <sodium.h>

#include "format/format.h"
#include "proof/proof.h"

/* ---- base64 ---- */

static int b64_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/';
}

/* The shape of padded base64: a multiple of 4 characters of the alphabet,
 * at most two '=' and only at the end. */
static int b64_shape(const char *s, size_t n)
{
	if (n == 0 || n % 4 != 0)
		return 0;
	size_t pad = s[n - 1] == '=' ? (s[n - 2] == '=' ? 2 : 1) : 0;
	for (size_t i = 0; i < n - pad; i++)
		if (!b64_char((unsigned char)s[i]))
			return 0;
	return 1;
}

int npk__b64_decode(const char *s, size_t n, uint8_t *out, size_t cap, size_t *outlen)
{
	if (!b64_shape(s, n))
		return NPK_B64_BAD;
	if (n / 4 * 3 - (s[n - 1] == '=') - (s[n - 2] == '=') > cap)
		return NPK_B64_LONG;
	const char *end = NULL;
	if (sodium_base642bin(out, cap, s, n, NULL, outlen, &end,
	                      sodium_base64_VARIANT_ORIGINAL) != 0 || end != s + n)
		return NPK_B64_NONCANON; /* the shape is right: only pad bits fail */
	/* decoding then encoding again must give the same text */
	size_t elen = sodium_base64_ENCODED_LEN(*outlen, sodium_base64_VARIANT_ORIGINAL);
	char *again = malloc(elen);
	if (again == NULL)
		return NPK_B64_NOMEM;
	sodium_bin2base64(again, elen, out, *outlen, sodium_base64_VARIANT_ORIGINAL);
	int same = elen - 1 == n && memcmp(again, s, n) == 0;
	free(again);
	return same ? NPK_B64_OK : NPK_B64_NONCANON;
}

int npk__b64_put(npk_buf *b, const uint8_t *p, size_t len)
{
	size_t elen = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
	if (npk__buf_reserve(b, elen) != 0)
		return -1;
	sodium_bin2base64((char *)b->p + b->len, elen, p, len, sodium_base64_VARIANT_ORIGINAL);
	b->len += elen - 1;
	return 0;
}

/* ---- Formatting ---- */

/* Whether the trusted comment c (len bytes) follows 8's rule. */
static int comment_ok(const uint8_t *c, size_t len)
{
	return len <= NPK_COMMENT_MAX && npk__utf8_ok(c, len) && memchr(c, '\n', len) == NULL &&
	       memchr(c, '\r', len) == NULL;
}

/* Why p cannot be written as a proof, or NULL. */
static const char *format_problem(const npk_proof *p)
{
	if (p->leaf_len == 0 || p->leaf_len > NPK_PROOF_LEAF_MAX)
		return "its leaf data is empty or too long";
	if (p->index >= p->size)
		return "its index is not below its tree size";
	if (p->nhashes != npk__proof_len(p->index, p->size))
		return "its number of hashes is not the inclusion path's";
	if (p->manifest_len < NPK_MANIFEST_FIXED + 4 || p->manifest_len > NPK_MANIFEST_MAX)
		return "its manifest is too short or too long";
	if (p->sig_len < NPK_SIG_FIXED || p->sig_len != NPK_SIG_FIXED + npk__ld16(p->sig + 74))
		return "its signature block does not have the size its comment length says";
	size_t clen = p->sig_len - NPK_SIG_FIXED;
	if (!comment_ok(p->sig + 76, clen))
		return "its trusted comment is not one line of UTF-8 (8)";
	if (clen == 0 || p->sig[76 + clen - 1] == ' ')
		return "its trusted comment is empty or ends with a space, which the text cannot hold";
	for (size_t i = 0; i < p->nstamps; i++)
		if (p->stamps[i] == NULL || strpbrk(p->stamps[i], "\r\n") != NULL)
			return "a stamp is not one line";
	return NULL;
}

static int put_str(npk_buf *b, const char *s)
{
	return npk__buf_put(b, s, strlen(s));
}

static int put_b64_line(npk_buf *b, const char *kw, const uint8_t *p, size_t len)
{
	return put_str(b, kw) || npk__b64_put(b, p, len) || npk__buf_u8(b, '\n');
}

static int put_numbers(npk_buf *b, const npk_proof *p)
{
	char line[64];
	snprintf(line, sizeof line, "index %llu\nsize %llu\n", (unsigned long long)p->index,
	         (unsigned long long)p->size);
	return put_str(b, line);
}

/* The four lines of minisign's signature file (8.1), from the block. */
static int put_signature(npk_buf *b, const npk_proof *p)
{
	size_t clen = p->sig_len - NPK_SIG_FIXED;
	return put_str(b, NPK_PROOF_UNTRUSTED_LINE "\n") ||
	       put_b64_line(b, "", p->sig, NPK_PROOF_SIGLINE) ||
	       put_str(b, NPK_PROOF_TRUSTED_PREFIX) || npk__buf_put(b, p->sig + 76, clen) ||
	       npk__buf_u8(b, '\n') || put_b64_line(b, "", p->sig + 76 + clen, 64);
}

static int put_proof(npk_buf *b, const npk_proof *p)
{
	if (put_str(b, NPK_PROOF_MAGIC "\n") || put_b64_line(b, "leaf ", p->leaf, p->leaf_len) ||
	    put_numbers(b, p) || (p->sealed && put_b64_line(b, "tree-key ", p->tree_key, 32)))
		return -1;
	for (unsigned i = 0; i < p->nhashes; i++)
		if (put_b64_line(b, "hash ", p->hashes[i], 32))
			return -1;
	if (put_b64_line(b, "manifest ", p->manifest, p->manifest_len) || put_signature(b, p))
		return -1;
	for (size_t i = 0; i < p->nstamps; i++)
		if (put_str(b, "stamp ") || put_str(b, p->stamps[i]) || npk__buf_u8(b, '\n'))
			return -1;
	return npk__buf_u8(b, 0);
}

int npk_proof_format(const npk_proof *p, char **out, size_t *len, npk_error *err)
{
	NPK_FAIL_IF(p == NULL || out == NULL, err, NPK_E_ARG, "npk_proof_format: NULL argument");
	const char *why = format_problem(p);
	NPK_FAIL_IF(why != NULL, err, NPK_E_ARG, "the proof of leaf %llu cannot be written: %s",
	            (unsigned long long)p->index, why);
	npk_buf b = {0};
	if (put_proof(&b, p) != 0) {
		npk__buf_free(&b);
		return npk__fail(err, NPK_E_NOMEM, "out of memory");
	}
	*out = (char *)b.p;
	if (len != NULL)
		*len = b.len - 1;
	return NPK_OK;
}

/* ---- Parsing ---- */

/* A line of the text is a span (meta/meta.h): s, n bytes without its LF. */

/* Fails with "NAME: proof N, line L: " before the message. */
static int bad(const npk_proof_text *t, npk_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int bad(const npk_proof_text *t, npk_error *err, int code, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	npk__fail(err, code, "%s", msg);
	return npk__wrap(err, code, "%s: proof %u, line %llu: ", t->name, t->number,
	                 (unsigned long long)t->line);
}

/* The next line as it is, without checks: 0, or -1 at the end of the
 * text; *lf is 0 when the text ends without one. t->line is its number. */
static int line_raw(npk_proof_text *t, span *l, int *lf)
{
	if (t->pos >= t->len)
		return -1;
	const char *s = t->p + t->pos;
	const char *e = memchr(s, '\n', t->len - t->pos);
	l->s = s;
	l->n = e ? (size_t)(e - s) : t->len - t->pos;
	*lf = e != NULL;
	t->pos += l->n + (e != NULL);
	t->line++;
	return 0;
}

/* The rules every line obeys (15.14). */
static int line_check(const npk_proof_text *t, const span *l, int lf, npk_error *err)
{
	const char *cr = memchr(l->s, '\r', l->n);
	if (cr != NULL)
		return bad(t, err, NPK_E_FORMAT, "%s", cr == l->s + l->n - 1 && lf
		           ? "the line ends with CR LF: a proof's lines end with LF alone"
		           : "a CR byte: a proof holds none");
	if (!lf)
		return bad(t, err, NPK_E_FORMAT, "the file ends without a line feed (cut short?)");
	if (l->n == 0)
		return bad(t, err, NPK_E_FORMAT, "an empty line: a proof holds none");
	if (l->s[l->n - 1] == ' ')
		return bad(t, err, NPK_E_FORMAT, "a space at the end of the line");
	return NPK_OK;
}

/* The next line, checked; NPK_E_FORMAT naming what when there is none. */
static int line_next(npk_proof_text *t, span *l, const char *what, npk_error *err)
{
	int lf;
	if (line_raw(t, l, &lf) != 0) {
		t->line++;
		return bad(t, err, NPK_E_FORMAT, "the file ends where %s was expected", what);
	}
	return line_check(t, l, lf, err);
}

/* The keyword of l, shown: up to its first space, escaped. */
static const char *keyword(const span *l, char *out, size_t cap)
{
	const char *sp = memchr(l->s, ' ', l->n);
	size_t n = sp ? (size_t)(sp - l->s) : l->n;
	return npk__show(l->s, n > 40 ? 40 : n, out, cap);
}

/* l is "kw VALUE": *v is VALUE. */
static int take_kw(const npk_proof_text *t, const span *l, const char *kw, span *v,
                   npk_error *err)
{
	size_t k = strlen(kw);
	if (l->n > k && memcmp(l->s, kw, k) == 0 && l->s[k] == ' ') {
		v->s = l->s + k + 1;
		v->n = l->n - k - 1;
		return NPK_OK;
	}
	char shown[200];
	return bad(t, err, NPK_E_FORMAT, "expected the '%s' line, found '%s' (a line missing, "
	           "added or out of order)", kw, keyword(l, shown, sizeof shown));
}

/* A decimal of 15.14: digits, no leading zero but "0", below 2^64. */
static int take_dec(const npk_proof_text *t, const span *v, const char *what, uint64_t *out,
                    npk_error *err)
{
	uint64_t x = 0;
	for (size_t i = 0; i < v->n; i++) {
		unsigned char c = (unsigned char)v->s[i];
		if (c < '0' || c > '9')
			return bad(t, err, NPK_E_FORMAT, "the %s is not a decimal number", what);
		if (!npk__mul64(x, 10, &x) || !npk__add64(x, c - '0', &x))
			return bad(t, err, NPK_E_FORMAT, "the %s is 2^64 or more", what);
	}
	if (v->n > 1 && v->s[0] == '0')
		return bad(t, err, NPK_E_FORMAT, "the %s has a leading zero", what);
	*out = x;
	return NPK_OK;
}

/* base64 of lo to hi bytes into *out (malloc'd), its length in *len. */
static int take_b64(const npk_proof_text *t, const span *v, const char *what, size_t lo,
                    size_t hi, uint8_t **out, size_t *len, npk_error *err)
{
	if (v->n / 4 > hi / 3 + 1)
		return bad(t, err, NPK_E_FORMAT, "the %s is longer than %zu bytes", what, hi);
	uint8_t *b = malloc(v->n / 4 * 3 + 1);
	NPK_FAIL_IF(b == NULL, err, NPK_E_NOMEM, "out of memory");
	int rc = npk__b64_decode(v->s, v->n, b, hi, len);
	if (rc == NPK_B64_OK && *len >= lo) {
		*out = b;
		return NPK_OK;
	}
	free(b);
	if (rc == NPK_B64_BAD)
		return bad(t, err, NPK_E_FORMAT, "the %s is not base64 (RFC 4648, padded, one line)",
		           what);
	if (rc == NPK_B64_NONCANON)
		return bad(t, err, NPK_E_FORMAT, "the %s is not canonical base64 (its pad bits are "
		           "not zero)", what);
	if (rc == NPK_B64_LONG)
		return bad(t, err, NPK_E_FORMAT, "the %s is longer than %zu bytes", what, hi);
	NPK_FAIL_IF(rc == NPK_B64_NOMEM, err, NPK_E_NOMEM, "out of memory");
	return bad(t, err, NPK_E_FORMAT, lo == hi ? "the %s is %zu bytes, not %zu"
	           : "the %s is %zu bytes, fewer than %zu", what, *len, lo);
}

/* base64 of exactly n bytes into out. */
static int take_fixed(const npk_proof_text *t, const span *v, const char *what, uint8_t *out,
                      size_t n, npk_error *err)
{
	uint8_t *b = NULL;
	size_t len;
	NPK_FORWARD(take_b64(t, v, what, n, n, &b, &len, err));
	memcpy(out, b, n);
	free(b);
	return NPK_OK;
}

/* "npk-proof/v7": a version this reader does not know. */
static int other_version(const span *l)
{
	size_t k = strlen(NPK_PROOF_MAGIC_PREFIX);
	if (l->n < k + 2 || l->s[k] != 'v')
		return 0;
	for (size_t i = k + 1; i < l->n; i++)
		if (l->s[i] < '0' || l->s[i] > '9')
			return 0;
	return 1;
}

/* The first line of a proof: NPK_PROOF_MAGIC. */
static int parse_magic(npk_proof_text *t, npk_error *err)
{
	span l;
	int lf;
	size_t k = strlen(NPK_PROOF_MAGIC_PREFIX);
	if (line_raw(t, &l, &lf) != 0 || l.n < k || memcmp(l.s, NPK_PROOF_MAGIC_PREFIX, k) != 0)
		return npk__fail(err, NPK_E_INPUT, "%s: not a newspack proof (its first line is not "
		                 "\"" NPK_PROOF_MAGIC "\")", t->name);
	NPK_FORWARD(line_check(t, &l, lf, err));
	if (l.n == strlen(NPK_PROOF_MAGIC) && memcmp(l.s, NPK_PROOF_MAGIC, l.n) == 0)
		return NPK_OK;
	char shown[80];
	npk__show(l.s, l.n > 40 ? 40 : l.n, shown, sizeof shown);
	if (other_version(&l))
		return bad(t, err, NPK_E_VERSION, "a proof of format %s: this newspack reads "
		           NPK_PROOF_MAGIC " (a newer newspack is needed)", shown);
	return npk__fail(err, NPK_E_INPUT, "%s: proof %u, line %llu: not a newspack proof (\"%s\")",
	                 t->name, t->number, (unsigned long long)t->line, shown);
}

static int parse_leaf(npk_proof_text *t, npk_proof *p, npk_error *err)
{
	span l, v;
	NPK_FORWARD(line_next(t, &l, "the 'leaf' line", err));
	NPK_FORWARD(take_kw(t, &l, "leaf", &v, err));
	return take_b64(t, &v, "leaf data", 1, NPK_PROOF_LEAF_MAX, &p->leaf, &p->leaf_len, err);
}

static int parse_numbers(npk_proof_text *t, npk_proof *p, npk_error *err)
{
	span l, v;
	NPK_FORWARD(line_next(t, &l, "the 'index' line", err));
	NPK_FORWARD(take_kw(t, &l, "index", &v, err));
	NPK_FORWARD(take_dec(t, &v, "index", &p->index, err));
	NPK_FORWARD(line_next(t, &l, "the 'size' line", err));
	NPK_FORWARD(take_kw(t, &l, "size", &v, err));
	NPK_FORWARD(take_dec(t, &v, "tree size", &p->size, err));
	if (p->index >= p->size)
		return bad(t, err, NPK_E_FORMAT, "index %llu is past the tree size %llu",
		           (unsigned long long)p->index, (unsigned long long)p->size);
	/* 15.17.6: a sealed archive's proof gives its tree key next */
	size_t pos = t->pos;
	uint64_t line = t->line;
	NPK_FORWARD(line_next(t, &l, "a 'hash' or 'manifest' line", err));
	if (l.n > 9 && memcmp(l.s, "tree-key ", 9) == 0) {
		v.s = l.s + 9;
		v.n = l.n - 9;
		p->sealed = 1;
		return take_fixed(t, &v, "tree key", p->tree_key, 32, err);
	}
	t->pos = pos;              /* not one: the line is the next parser's */
	t->line = line;
	return NPK_OK;
}

/* A line that is not the hash expected: missing hashes, or another line
 * where one belongs. */
static int hash_missing(const npk_proof_text *t, const npk_proof *p, unsigned want,
                        const span *l, npk_error *err)
{
	if (l->n > 9 && memcmp(l->s, "manifest ", 9) == 0)
		return bad(t, err, NPK_E_FORMAT, "a hash line is missing: leaf %llu of a tree of %llu "
		           "has %u hashes, the proof %u", (unsigned long long)p->index,
		           (unsigned long long)p->size, want, p->nhashes);
	span v;
	return take_kw(t, l, "hash", &v, err);
}

static int parse_hashes(npk_proof_text *t, npk_proof *p, npk_error *err)
{
	unsigned want = npk__proof_len(p->index, p->size);
	if (want > 0) {
		p->hashes = malloc((size_t)want * 32);
		NPK_FAIL_IF(p->hashes == NULL, err, NPK_E_NOMEM, "out of memory");
	}
	for (span l, v; p->nhashes < want; p->nhashes++) {
		NPK_FORWARD(line_next(t, &l, "a 'hash' line", err));
		if (l.n < 5 || memcmp(l.s, "hash ", 5) != 0)
			return hash_missing(t, p, want, &l, err);
		v.s = l.s + 5;
		v.n = l.n - 5;
		NPK_FORWARD(take_fixed(t, &v, "hash", p->hashes[p->nhashes], 32, err));
	}
	return NPK_OK;
}

static int parse_manifest(npk_proof_text *t, npk_proof *p, npk_error *err)
{
	span l, v;
	NPK_FORWARD(line_next(t, &l, "the 'manifest' line", err));
	if (l.n > 5 && memcmp(l.s, "hash ", 5) == 0)
		return bad(t, err, NPK_E_FORMAT, "an extra hash line: leaf %llu of a tree of %llu has "
		           "%u hashes", (unsigned long long)p->index, (unsigned long long)p->size,
		           p->nhashes);
	NPK_FORWARD(take_kw(t, &l, "manifest", &v, err));
	return take_b64(t, &v, "manifest", NPK_MANIFEST_FIXED + 4, NPK_MANIFEST_MAX, &p->manifest,
	                &p->manifest_len, err);
}

/* A line that must be exactly text. */
static int exact_line(npk_proof_text *t, const char *text, npk_error *err)
{
	span l;
	NPK_FORWARD(line_next(t, &l, "the untrusted comment", err));
	if (l.n == strlen(text) && memcmp(l.s, text, l.n) == 0)
		return NPK_OK;
	return bad(t, err, NPK_E_FORMAT, "expected the line \"%s\"", text);
}

/* "trusted comment: C", C by the rule of 8, into the block at b. */
static int parse_comment(npk_proof_text *t, span *c, npk_error *err)
{
	span l;
	size_t k = strlen(NPK_PROOF_TRUSTED_PREFIX);
	NPK_FORWARD(line_next(t, &l, "the trusted comment", err));
	if (l.n <= k || memcmp(l.s, NPK_PROOF_TRUSTED_PREFIX, k) != 0)
		return bad(t, err, NPK_E_FORMAT, "expected the line \"" NPK_PROOF_TRUSTED_PREFIX
		           "...\"");
	c->s = l.s + k;
	c->n = l.n - k;
	if (c->n > NPK_COMMENT_MAX)
		return bad(t, err, NPK_E_FORMAT, "the trusted comment is %zu bytes, more than %u",
		           c->n, NPK_COMMENT_MAX);
	if (!comment_ok((const uint8_t *)c->s, c->n))
		return bad(t, err, NPK_E_FORMAT, "the trusted comment is not UTF-8 text without NUL");
	return NPK_OK;
}

/* The four lines of the signature (8.1) into p->sig, rebuilt as the
 * archive's block: "ED", key id, signature, comment_len, comment, global. */
static int parse_sig(npk_proof_text *t, npk_proof *p, npk_error *err)
{
	span l, c = {NULL, 0};
	uint8_t head[NPK_PROOF_SIGLINE], global[64];
	NPK_FORWARD(exact_line(t, NPK_PROOF_UNTRUSTED_LINE, err));
	NPK_FORWARD(line_next(t, &l, "the signature line", err));
	NPK_FORWARD(take_fixed(t, &l, "signature line", head, sizeof head, err));
	NPK_FORWARD(parse_comment(t, &c, err));
	NPK_FORWARD(line_next(t, &l, "the global signature line", err));
	NPK_FORWARD(take_fixed(t, &l, "global signature", global, sizeof global, err));
	p->sig_len = NPK_SIG_FIXED + c.n;
	p->sig = malloc(p->sig_len);
	NPK_FAIL_IF(p->sig == NULL, err, NPK_E_NOMEM, "out of memory");
	memcpy(p->sig, head, sizeof head);
	npk__st16(p->sig + 74, (uint16_t)c.n);
	memcpy(p->sig + 76, c.s, c.n);
	memcpy(p->sig + 76 + c.n, global, 64);
	return NPK_OK;
}

/* "stamp KIND BASE64": KIND printable ASCII, BASE64 canonical. */
static int parse_stamp(npk_proof_text *t, npk_proof *p, const span *v, npk_error *err)
{
	const char *sp = memchr(v->s, ' ', v->n);
	size_t kn = sp ? (size_t)(sp - v->s) : 0;
	for (size_t i = 0; i < kn; i++)
		if (v->s[i] <= ' ' || v->s[i] > '~')
			kn = 0;
	if (kn == 0 || kn > NPK_PROOF_STAMP_KIND_MAX)
		return bad(t, err, NPK_E_FORMAT, "a stamp line is not 'stamp KIND BASE64'");
	span b = {sp + 1, v->n - kn - 1};
	uint8_t *bytes = NULL;
	size_t blen;
	NPK_FORWARD(take_b64(t, &b, "stamp", 1, NPK_PROOF_STAMP_MAX, &bytes, &blen, err));
	free(bytes);
	char **s = realloc(p->stamps, (p->nstamps + 1) * sizeof *s);
	NPK_FAIL_IF(s == NULL, err, NPK_E_NOMEM, "out of memory");
	p->stamps = s;
	NPK_FAIL_IF((s[p->nstamps] = malloc(v->n + 1)) == NULL, err, NPK_E_NOMEM, "out of memory");
	memcpy(s[p->nstamps], v->s, v->n);
	s[p->nstamps++][v->n] = 0;
	return NPK_OK;
}

/* Stamp lines, up to the end or the next proof (left for the next call). */
static int parse_stamps(npk_proof_text *t, npk_proof *p, npk_error *err)
{
	size_t k = strlen(NPK_PROOF_MAGIC_PREFIX);
	while (t->pos < t->len) {
		const char *s = t->p + t->pos;
		if (t->len - t->pos >= k && memcmp(s, NPK_PROOF_MAGIC_PREFIX, k) == 0)
			return NPK_OK;
		span l, v;
		NPK_FORWARD(line_next(t, &l, "a stamp line", err));
		if (l.n < 6 || memcmp(l.s, "stamp ", 6) != 0)
			return bad(t, err, NPK_E_FORMAT, "an extra line after the signature (only "
			           "'stamp' lines or the next proof's '" NPK_PROOF_MAGIC "' may follow)");
		v.s = l.s + 6;
		v.n = l.n - 6;
		NPK_FORWARD(parse_stamp(t, p, &v, err));
	}
	return NPK_OK;
}

static int parse_proof(npk_proof_text *t, npk_proof *p, npk_error *err)
{
	NPK_FORWARD(parse_magic(t, err));
	NPK_FORWARD(parse_leaf(t, p, err));
	NPK_FORWARD(parse_numbers(t, p, err));
	NPK_FORWARD(parse_hashes(t, p, err));
	NPK_FORWARD(parse_manifest(t, p, err));
	NPK_FORWARD(parse_sig(t, p, err));
	return parse_stamps(t, p, err);
}

void npk_proof_text_init(npk_proof_text *t, const char *name, const char *p, size_t len)
{
	memset(t, 0, sizeof *t);
	t->name = name ? name : "proof";
	t->p = p;
	t->len = p ? len : 0;
}

/* After a failure: on to the next line that starts a proof, after the
 * failed proof's first line (from start, its offset). */
static void resync(npk_proof_text *t, size_t start, uint64_t start_line)
{
	size_t k = strlen(NPK_PROOF_MAGIC_PREFIX);
	const char *lf = memchr(t->p + start, '\n', t->len - start);
	t->pos = lf ? (size_t)(lf - t->p) + 1 : t->len;
	t->line = start_line;
	for (; t->pos < t->len; t->line++) {
		const char *s = t->p + t->pos;
		if (t->len - t->pos >= k && memcmp(s, NPK_PROOF_MAGIC_PREFIX, k) == 0)
			return;
		lf = memchr(s, '\n', t->len - t->pos);
		t->pos = lf ? (size_t)(lf - t->p) + 1 : t->len;
	}
}

int npk_proof_next(npk_proof_text *t, npk_proof *out, npk_error *err)
{
	memset(out, 0, sizeof *out);
	if (t->pos >= t->len && t->number > 0)
		return npk__fail(err, NPK_E_NOTFOUND, "%s: no more proofs", t->name);
	NPK_FAIL_IF(t->len > NPK_PROOF_FILE_MAX, err, NPK_E_INPUT, "%s: more than %u bytes: not "
	            "a proof file", t->name, NPK_PROOF_FILE_MAX);
	size_t start = t->pos;
	t->number++;
	t->first_line = t->line + 1;
	int rc = parse_proof(t, out, err);
	if (rc == NPK_OK)
		return NPK_OK;
	npk_proof_clear(out);
	if (rc == NPK_E_INPUT && t->number == 1)
		t->pos = t->len; /* not a proof file: nothing more to read */
	else
		resync(t, start, t->first_line);
	return rc;
}

int npk_proof_parse(const char *text, size_t len, const char *name, npk_proof **out,
                    size_t *n, npk_error *err)
{
	npk_proof_text t;
	npk_proof_text_init(&t, name, text, len);
	npk_proof *v = NULL, one;
	size_t count = 0;
	int rc;
	while ((rc = npk_proof_next(&t, &one, err)) == NPK_OK) {
		npk_proof *w = realloc(v, (count + 1) * sizeof *v);
		if (w == NULL) {
			npk_proof_clear(&one);
			rc = npk__fail(err, NPK_E_NOMEM, "out of memory");
			break;
		}
		v = w;
		v[count++] = one;
	}
	if (rc == NPK_E_NOTFOUND) {
		*out = v;
		*n = count;
		return NPK_OK;
	}
	for (size_t i = 0; i < count; i++)
		npk_proof_clear(&v[i]);
	free(v);
	return rc;
}
