/* meta.c - the metadata model, an ordered list of (key, value) pairs
 * (spec/metadata.md 1), the validation of its keys and UTF-8 values, and its
 * canonical encoding (spec/format.md 5.5, "Metadata list"), the names that
 * map to its keys, and the check of a document's media type. The bottom of
 * the metadata files: it calls none of the extractors that fill it. */
#include <stdlib.h>
#include <string.h>

#include "meta/meta.h"

/* ==== The model: an ordered list of (key, value) pairs ==== */

typedef struct meta_pair {
	char *key;              /* one allocation: key NUL value NUL */
	char *value;            /* points into key's allocation */
	size_t klen, vlen;
	int borrowed;           /* key is in the list's block, not allocated */
} meta_pair;

/* A decoded list keeps its pairs in one block, reused by the next decode
 * into the same list: a walk of the index decodes thousands of lists into
 * one, without allocating for each pair. */
struct npk_meta {
	meta_pair *v;
	size_t n, cap;
	npk_buf block;          /* its len stays 0: only the room is used */
};

#define VALUE_MAX 65535u        /* a value length is a u16 in the encoding */

/* Per lead byte: the length of its sequence (0: NUL, a continuation byte
 * or a byte that never starts one) and the bounds of the byte after it,
 * which rule out overlong forms, surrogates and code points past U+10FFFF
 * (RFC 3629, section 4). */
static const struct utf8_lead { uint8_t len, lo, hi; } utf8_lead[256] = {
	[0x01 ... 0x7F] = {1, 0, 0},
	[0xC2 ... 0xDF] = {2, 0x80, 0xBF},
	[0xE0] = {3, 0xA0, 0xBF},
	[0xE1 ... 0xEC] = {3, 0x80, 0xBF},
	[0xED] = {3, 0x80, 0x9F},
	[0xEE ... 0xEF] = {3, 0x80, 0xBF},
	[0xF0] = {4, 0x90, 0xBF},
	[0xF1 ... 0xF3] = {4, 0x80, 0xBF},
	[0xF4] = {4, 0x80, 0x8F},
};

/* Offset of the first byte that makes s invalid UTF-8 (overlong forms,
 * surrogates, code points above U+10FFFF, truncated sequences) or is a
 * NUL; len when all of s is valid. */
size_t npk__utf8_bad_at(const uint8_t *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		if (s[i] < 0x80) {
			if (s[i] == 0)
				return i;
			i++;
			/* then eight ASCII bytes at a time, none of them NUL: most text */
			while (len - i >= 8) {
				uint64_t w, t;
				memcpy(&w, s + i, 8);
				/* t's top bit in a byte is set when its low seven bits are not all 0 */
				t = (w & 0x7F7F7F7F7F7F7F7Fu) + 0x7F7F7F7F7F7F7F7Fu;
				if (((w | ~t) & 0x8080808080808080u) != 0)
					break;
				i += 8;
			}
			continue;
		}
		const struct utf8_lead *l = &utf8_lead[s[i]];
		size_t n = l->len;
		if (n == 0 || n > len - i)
			return i;
		if (s[i + 1] < l->lo || s[i + 1] > l->hi || (n > 2 && (s[i + 2] & 0xC0) != 0x80) ||
		    (n > 3 && (s[i + 3] & 0xC0) != 0x80))
			return i;
		i += n;
	}
	return len;
}

int npk__utf8_ok(const uint8_t *s, size_t len)
{
	return npk__utf8_bad_at(s, len) == len;
}

int npk__meta_key_ok(const char *key, size_t len)
{
	if (key == NULL || len == 0 || len > NPK_META_KEY_MAX)
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = key[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return 0;
	}
	return 1;
}

/* Field names found in front matter and sidecars, and the key each one
 * fills (spec/metadata.md 6.1 and 7). */
static const struct {
	const char *from, *to;
} key_aliases[] = {
	{"authors", "author"}, {"byline", "author"},
	{"published", "date"}, {"date_published", "date"}, {"pubdate", "date"},
	{"publishdate", "date"}, {"publish_date", "date"},
	{"category", "section"}, {"categories", "section"},
	{"publisher", "source"}, {"site_name", "source"},
	{"lang", "language"},
	{"canonical", "url"}, {"canonical_url", "url"}, {"link", "url"}, {"permalink", "url"},
	{"summary", "description"},
	{"tags", "keywords"},
};

const char *npk__meta_key_map(const char *name, size_t n, char out[NPK_META_KEY_MAX + 1])
{
	if (n == 0 || n > NPK_META_KEY_MAX)
		return NULL;
	for (size_t i = 0; i < n; i++)
		out[i] = (char)npk__lower(npk__uc(name, i));
	out[n] = 0;
	for (size_t i = 0; i < sizeof key_aliases / sizeof key_aliases[0]; i++)
		if (strcmp(out, key_aliases[i].from) == 0)
			return key_aliases[i].to;
	return npk__meta_key_ok(out, n) ? out : NULL;
}

/* spec/format.md 5.2 and 10: 1 to 255 bytes of printable ASCII, no space.
 * Writers refuse any other; importers fall back to a default. */
int npk__media_ok(const char *m)
{
	size_t n = strlen(m);
	if (n == 0 || n > NPK_MEDIA_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (m[i] <= 0x20 || m[i] >= 0x7f)
			return 0;
	return 1;
}

/* A printable copy of a key for messages: a bad key may hold anything. */
void npk__meta_key_show(const char *key, size_t len, char out[80])
{
	size_t n = 0;
	for (size_t i = 0; i < len && n < 64; i++) {
		unsigned char c = (unsigned char)key[i];
		out[n++] = c >= 0x20 && c < 0x7F && c != '"' ? (char)c : '?';
	}
	if (len > 64) {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = 0;
}

int npk__meta_check_pair(const char *key, size_t klen, const char *val, size_t vlen,
                          npk_error *err)
{
	char shown[80];
	if (!npk__meta_key_ok(key, klen)) {
		npk__meta_key_show(key, klen, shown);
		return npk__fail(err, NPK_E_INPUT, "metadata key \"%s\": a key is 1-%u "
		                 "bytes of a-z, 0-9, '_', '.' and '-'", shown, NPK_META_KEY_MAX);
	}
	NPK_FAIL_IF(vlen > VALUE_MAX, err, NPK_E_INPUT, "metadata key \"%.*s\": value "
	            "of %zu bytes is longer than %u", (int)klen, key, vlen, VALUE_MAX);
	size_t bad = npk__utf8_bad_at((const uint8_t *)val, vlen);
	NPK_FAIL_IF(bad < vlen, err, NPK_E_INPUT, "metadata key \"%.*s\": value is "
	            "not valid UTF-8 (byte %zu)", (int)klen, key, bad);
	return NPK_OK;
}

static int pair_make(meta_pair *p, const char *key, size_t klen,
                     const char *val, size_t vlen)
{
	char *b = malloc(klen + vlen + 2);
	if (b == NULL)
		return -1;
	memcpy(b, key, klen);
	b[klen] = 0;
	if (vlen)
		memcpy(b + klen + 1, val, vlen);
	b[klen + 1 + vlen] = 0;
	p->key = b;
	p->value = b + klen + 1;
	p->klen = klen;
	p->vlen = vlen;
	p->borrowed = 0;
	return 0;
}

static void pair_free(meta_pair *p)
{
	if (!p->borrowed)
		free(p->key);
}

static int meta_reserve(npk_meta *m, size_t extra)
{
	if (extra <= m->cap - m->n)
		return 0;
	size_t need = m->n + extra;
	if (need < m->n)
		return -1;
	size_t cap = m->cap ? m->cap : 8;
	while (cap < need) {
		if (cap > SIZE_MAX / 2 / sizeof(meta_pair))
			return -1;
		cap *= 2;
	}
	meta_pair *v = realloc(m->v, cap * sizeof *v);
	if (v == NULL)
		return -1;
	m->v = v;
	m->cap = cap;
	return 0;
}

/* Appends an already validated pair; -1 when out of memory. */
int npk__meta_push(npk_meta *m, const char *key, size_t klen,
                    const char *val, size_t vlen)
{
	if (meta_reserve(m, 1) != 0 || pair_make(&m->v[m->n], key, klen, val, vlen) != 0)
		return -1;
	m->n++;
	return 0;
}

static int pair_is(const meta_pair *p, const char *key, size_t klen)
{
	return p->klen == klen && memcmp(p->key, key, klen) == 0;
}

npk_meta *npk_meta_new(void)
{
	return calloc(1, sizeof(npk_meta));
}

void npk__meta_clear(npk_meta *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->n; i++)
		pair_free(&m->v[i]);
	m->n = 0;
}

void npk_meta_free(npk_meta *m)
{
	if (m == NULL)
		return;
	npk__meta_clear(m);
	free(m->v);
	npk__buf_free(&m->block);
	free(m);
}

int npk_meta_add(npk_meta *m, const char *key, const char *value, npk_error *err)
{
	NPK_FAIL_IF(m == NULL || key == NULL || value == NULL, err, NPK_E_ARG,
	            "npk_meta_add: missing list, key or value");
	size_t klen = strlen(key), vlen = strlen(value);
	NPK_FORWARD(npk__meta_check_pair(key, klen, value, vlen, err));
	NPK_FAIL_IF(npk__meta_push(m, key, klen, value, vlen) != 0, err, NPK_E_NOMEM,
	            "metadata key \"%s\": out of memory", key);
	return NPK_OK;
}

int npk_meta_set(npk_meta *m, const char *key, const char *value, npk_error *err)
{
	NPK_FAIL_IF(m == NULL || key == NULL || value == NULL, err, NPK_E_ARG,
	            "npk_meta_set: missing list, key or value");
	size_t klen = strlen(key), vlen = strlen(value);
	NPK_FORWARD(npk__meta_check_pair(key, klen, value, vlen, err));
	size_t first = 0;
	while (first < m->n && !pair_is(&m->v[first], key, klen))
		first++;
	if (first == m->n) {
		NPK_FAIL_IF(npk__meta_push(m, key, klen, value, vlen) != 0, err, NPK_E_NOMEM,
		            "metadata key \"%s\": out of memory", key);
		return NPK_OK;
	}
	/* The new value takes the place of the first old one, so the order of
	 * the other keys is kept; it is made before anything is freed. */
	meta_pair p;
	NPK_FAIL_IF(pair_make(&p, key, klen, value, vlen) != 0, err, NPK_E_NOMEM,
	            "metadata key \"%s\": out of memory", key);
	pair_free(&m->v[first]);
	m->v[first] = p;
	size_t n = first + 1;
	for (size_t i = first + 1; i < m->n; i++) {
		if (pair_is(&m->v[i], key, klen))
			pair_free(&m->v[i]);
		else
			m->v[n++] = m->v[i];
	}
	m->n = n;
	return NPK_OK;
}

void npk_meta_remove(npk_meta *m, const char *key)
{
	if (m == NULL || key == NULL)
		return;
	size_t klen = strlen(key), n = 0;
	for (size_t i = 0; i < m->n; i++) {
		if (pair_is(&m->v[i], key, klen))
			pair_free(&m->v[i]);
		else
			m->v[n++] = m->v[i];
	}
	m->n = n;
}

size_t npk_meta_count(const npk_meta *m)
{
	return m ? m->n : 0;
}

void npk_meta_get(const npk_meta *m, size_t i, const char **key, const char **value)
{
	int in = m != NULL && i < m->n;
	if (key)
		*key = in ? m->v[i].key : NULL;
	if (value)
		*value = in ? m->v[i].value : NULL;
}

const char *npk_meta_find(const npk_meta *m, const char *key)
{
	if (m == NULL || key == NULL)
		return NULL;
	size_t klen = strlen(key);
	for (size_t i = 0; i < m->n; i++)
		if (pair_is(&m->v[i], key, klen))
			return m->v[i].value;
	return NULL;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The distinct keys of m, sorted for bsearch; NULL when out of memory
 * (or when m is empty, with *n = 0). */
static const char **keys_sorted(const npk_meta *m, size_t *n)
{
	*n = 0;
	if (m->n == 0)
		return NULL;
	const char **k = malloc(m->n * sizeof *k);
	if (k == NULL)
		return NULL;
	for (size_t i = 0; i < m->n; i++)
		k[i] = m->v[i].key;
	qsort(k, m->n, sizeof *k, cmp_str);
	*n = m->n;
	return k;
}

static int keys_have(const char **k, size_t n, const char *key)
{
	return n && bsearch(&key, k, n, sizeof *k, cmp_str) != NULL;
}

/* Builds dst's new list in a fresh array, so that a failed allocation
 * leaves dst as it was. replace: dst's pairs with a key src has are dropped
 * and every pair of src is copied after the rest. keep: dst keeps all its
 * pairs and only src's pairs with keys dst lacks are copied. */
int npk__meta_splice(npk_meta *dst, const npk_meta *src, int replace)
{
	if (src->n == 0)
		return 0;
	if (dst->n > SIZE_MAX / sizeof(meta_pair) - src->n)
		return -1;
	size_t cap = dst->n + src->n, n = 0, copied = 0, nk;
	meta_pair *v = malloc(cap * sizeof *v);
	const char **k = keys_sorted(replace ? src : dst, &nk);
	if (v == NULL || (k == NULL && nk == 0 && (replace ? src->n : dst->n) != 0))
		goto nomem;
	for (size_t i = 0; i < dst->n; i++)
		if (!replace || !keys_have(k, nk, dst->v[i].key))
			v[n++] = dst->v[i];
	for (size_t i = 0; i < src->n; i++) {
		const meta_pair *p = &src->v[i];
		if (!replace && keys_have(k, nk, p->key))
			continue;
		if (pair_make(&v[n + copied], p->key, p->klen, p->value, p->vlen) != 0)
			goto nomem;
		copied++;
	}
	if (replace)
		for (size_t i = 0; i < dst->n; i++)
			if (keys_have(k, nk, dst->v[i].key))
				pair_free(&dst->v[i]);
	free(k);
	free(dst->v);
	dst->v = v;
	dst->n = n + copied;
	dst->cap = cap;
	return 0;
nomem:
	for (size_t i = 0; i < copied; i++)
		free(v[n + i].key);
	free(v);
	free(k);
	return -1;
}

int npk_meta_merge(npk_meta *dst, const npk_meta *src, npk_error *err)
{
	NPK_FAIL_IF(dst == NULL, err, NPK_E_ARG, "npk_meta_merge: no destination list");
	if (src == NULL || src == dst)
		return NPK_OK;
	NPK_FAIL_IF(npk__meta_splice(dst, src, 1) != 0, err, NPK_E_NOMEM,
	            "metadata: out of memory while merging");
	return NPK_OK;
}

/* ==== Canonical encoding (spec/format.md 5.5, "Metadata list") ====
 *   u16 count, then count times: u8 key_len, key, u16 value_len, value;
 *   pairs ordered by key bytes, repeated keys in insertion order. */

static int key_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);
	if (c != 0)
		return c;
	return alen < blen ? -1 : alen > blen;
}

typedef struct sort_item {
	const meta_pair *p;
	size_t i;               /* insertion position: makes qsort stable */
} sort_item;

static int sort_item_cmp(const void *a, const void *b)
{
	const sort_item *x = a, *y = b;
	int c = key_cmp(x->p->key, x->p->klen, y->p->key, y->p->klen);
	if (c != 0)
		return c;
	return x->i < y->i ? -1 : x->i > y->i;
}

int npk__meta_encode(const npk_meta *m, uint8_t **out, size_t *len, npk_error *err)
{
	NPK_FAIL_IF(out == NULL || len == NULL, err, NPK_E_ARG, "npk__meta_encode: no output");
	*out = NULL;
	*len = 0;
	size_t n = m ? m->n : 0, total = 2;
	/* Checking the limit as we go keeps total far from overflowing. */
	for (size_t i = 0; i < n; i++) {
		total += 3 + m->v[i].klen + m->v[i].vlen;
		NPK_FAIL_IF(total > NPK_META_MAX, err, NPK_E_LIMIT, "metadata: more "
		            "than %u bytes when encoded (at key \"%s\")", NPK_META_MAX, m->v[i].key);
	}
	sort_item *s = n ? malloc(n * sizeof *s) : NULL;
	uint8_t *p = malloc(total);
	if ((n && s == NULL) || p == NULL) {
		free(s);
		free(p);
		return npk__fail(err, NPK_E_NOMEM, "metadata: out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		s[i].p = &m->v[i];
		s[i].i = i;
	}
	if (n)
		qsort(s, n, sizeof *s, sort_item_cmp);
	uint8_t *w = p;
	npk__st16(w, (uint16_t)n);
	w += 2;
	for (size_t i = 0; i < n; i++) {
		const meta_pair *q = s[i].p;
		*w++ = (uint8_t)q->klen;
		memcpy(w, q->key, q->klen);
		w += q->klen;
		npk__st16(w, (uint16_t)q->vlen);
		w += 2;
		if (q->vlen)
			memcpy(w, q->value, q->vlen);
		w += q->vlen;
	}
	free(s);
	*out = p;
	*len = total;
	return NPK_OK;
}

/* Puts a decoded pair in m's block, after the pairs already there; the
 * block holds the whole encoded list, which is longer than its pairs with
 * their NULs (meta_decode). */
static void pair_place(npk_meta *m, const char *key, size_t klen, const char *val, size_t vlen)
{
	const meta_pair *last = m->n ? &m->v[m->n - 1] : NULL;
	char *b = last ? last->value + last->vlen + 1 : (char *)m->block.p;
	memcpy(b, key, klen);
	b[klen] = 0;
	if (vlen)
		memcpy(b + klen + 1, val, vlen);
	b[klen + 1 + vlen] = 0;
	m->v[m->n++] = (meta_pair){b, b + klen + 1, klen, vlen, 1};
}

/* Reads pair i of an encoded list into m (when not NULL), after the key
 * *prev; check: whether to check the key and the value. */
static int pair_decode(npk_cur *c, unsigned i, span *prev, npk_meta *m, int check,
                       npk_error *err)
{
	size_t klen = npk__cur_u8(c);
	const char *key = (const char *)npk__cur_take(c, klen);
	size_t vlen = npk__cur_u16(c);
	const uint8_t *val = npk__cur_take(c, vlen);
	NPK_FAIL_IF(c->bad, err, NPK_E_FORMAT, "metadata: pair %u truncated", i);
	if (check) {
		NPK_FAIL_IF(!npk__meta_key_ok(key, klen), err, NPK_E_FORMAT,
		            "metadata: key %u is not a valid key", i);
		NPK_FAIL_IF(prev->s && key_cmp(prev->s, prev->n, key, klen) > 0, err, NPK_E_FORMAT,
		            "metadata: key %u out of order", i);
		NPK_FAIL_IF(!npk__utf8_ok(val, vlen), err, NPK_E_FORMAT, "metadata: value %u (key "
		            "\"%.*s\") is not valid UTF-8", i, (int)klen, key);
	}
	if (m != NULL)
		pair_place(m, key, klen, (const char *)val, vlen);
	prev->s = key;
	prev->n = klen;
	return NPK_OK;
}

/* npk__meta_decode, npk__meta_valid and npk__meta_decode_valid: m may be
 * NULL (check only), check may be off (bytes checked before). */
static int meta_decode(const uint8_t *p, size_t len, npk_meta *m, int check, npk_error *err)
{
	NPK_FAIL_IF(p == NULL && len, err, NPK_E_ARG, "npk__meta_decode: no input");
	if (m != NULL)
		npk__meta_clear(m);
	NPK_FAIL_IF(len > NPK_META_MAX, err, NPK_E_FORMAT, "metadata: %zu bytes, "
	            "more than the limit of %u", len, NPK_META_MAX);
	npk_cur c;
	npk__cur_init(&c, p, len);
	uint16_t count = npk__cur_u16(&c);
	NPK_FAIL_IF(c.bad, err, NPK_E_FORMAT, "metadata: truncated count");
	/* Every pair takes at least 4 bytes: refuse an impossible count before
	 * allocating for it. */
	NPK_FAIL_IF((size_t)count * 4 > npk__cur_left(&c), err, NPK_E_FORMAT,
	            "metadata: %u pairs cannot fit in %zu bytes", count, npk__cur_left(&c));
	NPK_FAIL_IF(m != NULL && count && (meta_reserve(m, count) != 0 || npk__buf_reserve(&m->block, len) != 0),
	            err, NPK_E_NOMEM, "metadata: out of memory");
	int rc;
	span prev = {NULL, 0};
	for (unsigned i = 0; i < count; i++)
		NPK_FORWARD_GOTO(rc, pair_decode(&c, i, &prev, m, check, err), fail);
	if (npk__cur_left(&c) == 0)
		return NPK_OK;
	rc = npk__fail(err, NPK_E_FORMAT, "metadata: %zu trailing bytes", npk__cur_left(&c));
fail:
	if (m != NULL)
		npk__meta_clear(m);
	return rc;
}

int npk__meta_decode(const uint8_t *p, size_t len, npk_meta *m, npk_error *err)
{
	NPK_FAIL_IF(m == NULL, err, NPK_E_ARG, "npk__meta_decode: no list");
	return meta_decode(p, len, m, 1, err);
}

int npk__meta_valid(const uint8_t *p, size_t len)
{
	return meta_decode(p, len, NULL, 1, NULL) == NPK_OK;
}

int npk__meta_decode_valid(const uint8_t *p, size_t len, npk_meta *m, npk_error *err)
{
	NPK_FAIL_IF(m == NULL, err, NPK_E_ARG, "npk__meta_decode: no list");
	return meta_decode(p, len, m, 0, err);
}
