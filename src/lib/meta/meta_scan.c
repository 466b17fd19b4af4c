/* meta_scan.c - what every extractor scans text with (spec/metadata.md 3):
 * ASCII case, the white space real articles carry, lines, word lists; and
 * npk__x_add, which keeps a field found within the limits. Bytes, not
 * characters, and no locale: a document gives the same fields everywhere.
 * Calls the model (meta.c) only. */
#include <string.h>

#include "meta/meta.h"

/* ==== Scanning ==== */

/* s[0..n) equals word, ignoring ASCII case. */
int npk__ci_eq(const char *s, size_t n, const char *word)
{
	size_t i = 0;
	for (; i < n && word[i]; i++)
		if (npk__lower(npk__uc(s, i)) != word[i])
			return 0;
	return i == n && word[i] == 0;
}

/* s starts with pre (lower case), ignoring ASCII case. */
int npk__ci_prefix(const char *s, size_t n, const char *pre)
{
	size_t k = strlen(pre);
	return k <= n && npk__ci_eq(s, k, pre);
}

/* Length of the white space character starting s: ASCII blanks and the
 * Unicode spaces real articles carry (NBSP, U+2000-U+200B, U+202F, U+3000,
 * a stray BOM), or 0. */
size_t npk__space_at(const char *s, size_t n)
{
	if (n == 0)
		return 0;
	unsigned char c = npk__uc(s, 0);
	if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v')
		return 1;
	if (n >= 2 && c == 0xC2 && npk__uc(s, 1) == 0xA0)
		return 2;
	if (n >= 3 && c == 0xE2 && npk__uc(s, 1) == 0x80 &&
	    ((npk__uc(s, 2) >= 0x80 && npk__uc(s, 2) <= 0x8B) || npk__uc(s, 2) == 0xAF))
		return 3;
	if (n >= 3 && ((c == 0xE3 && npk__uc(s, 1) == 0x80 && npk__uc(s, 2) == 0x80) ||
	               (c == 0xEF && npk__uc(s, 1) == 0xBB && npk__uc(s, 2) == 0xBF)))
		return 3;
	return 0;
}

/* Length of the white space character ending s[0..n), or 0. */
size_t npk__space_before(const char *s, size_t n)
{
	for (size_t k = 1; k <= 3 && k <= n; k++)
		if (npk__space_at(s + n - k, k) == k)
			return k;
	return 0;
}

void npk__trim(const char **s, size_t *n)
{
	size_t k;
	while ((k = npk__space_at(*s, *n)) != 0) {
		*s += k;
		*n -= k;
	}
	while ((k = npk__space_before(*s, *n)) != 0)
		*n -= k;
}

/* Spaces and tabs (and NBSP) at s; how many bytes they take. */
size_t npk__spaces(const char *s, size_t n)
{
	size_t p = 0, k;
	while (p < n && (k = npk__space_at(s + p, n - p)) != 0 && s[p] != '\n' && s[p] != '\r')
		p += k;
	return p;
}

/* The next line of t from *pos, without its LF or CRLF. 0 at the end. */
int npk__next_line(const char *t, size_t n, size_t *pos, span *l)
{
	if (*pos >= n)
		return 0;
	const char *s = t + *pos;
	const char *e = memchr(s, '\n', n - *pos);
	size_t len = e ? (size_t)(e - s) : n - *pos;
	*pos += len + (e != NULL);
	if (len && s[len - 1] == '\r')
		len--;
	l->s = s;
	l->n = len;
	return 1;
}

/* w[0..n) is one of the count words of list (lower case), ignoring ASCII case. */
int npk__word_in(const char *w, size_t n, const char *const *list, size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (npk__ci_eq(w, n, list[i]))
			return 1;
	return 0;
}

/* ==== The fields found: npk__x_add ==== */

/* Extracted metadata is kept well under NPK_META_MAX so that a sidecar and
 * the archive's own fields still fit. */
#define X_BUDGET 16384u
#define X_PER_KEY 32u

static int multi_key(const char *key)
{
	return strcmp(key, "author") == 0 || strcmp(key, "keywords") == 0 ||
	       strcmp(key, "section") == 0;
}

static size_t value_max(const char *key)
{
	if (strcmp(key, "title") == 0)
		return 512;
	if (strcmp(key, "description") == 0)
		return 2048;
	return 1024;
}

/* The longest prefix of valid UTF-8 s no longer than max, cut between
 * characters. */
static size_t utf8_cut(const char *s, size_t n, size_t max)
{
	if (n <= max)
		return n;
	while (max > 0 && (npk__uc(s, max) & 0xC0) == 0x80)
		max--;
	return max;
}

/* Adds a field found in a document, unless it is empty, not valid UTF-8, a
 * second value of a single-valued key, a repeat, or over a limit. Values
 * are trimmed and cut between characters. -1 only when out of memory. */
int npk__x_add(xctx *x, const char *key, const char *v, size_t n)
{
	size_t klen = strlen(key);
	npk__trim(&v, &n);
	if (n == 0 || !npk__meta_key_ok(key, klen) || !npk__utf8_ok((const uint8_t *)v, n))
		return 0;
	n = utf8_cut(v, n, value_max(key));
	npk__trim(&v, &n);
	if (n == 0)
		return 0;
	if (multi_key(key)) {
		size_t c = 0;
		for (size_t i = 0; i < npk_meta_count(x->t); i++) {
			const char *k, *val;
			npk_meta_get(x->t, i, &k, &val);
			if (strcmp(k, key) != 0)
				continue;
			/* values found hold no NUL: strlen is their length */
			if (strlen(val) == n && memcmp(val, v, n) == 0)
				return 0;
			c++;
		}
		if (c >= X_PER_KEY)
			return 0;
	} else if (npk_meta_find(x->t, key) != NULL) {
		return 0;
	}
	if (x->used + 3 + klen + n > X_BUDGET)
		return 0;
	if (npk__meta_push(x->t, key, klen, v, n) != 0) {
		x->nomem = 1;
		return -1;
	}
	x->used += 3 + klen + n;
	return 0;
}
