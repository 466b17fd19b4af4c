/* meta_yaml.c - the front matter of Markdown documents (spec/metadata.md
 * 6.1): finding it between its markers, and reading YAML, a practical
 * subset, line by line. The Markdown body is meta_text.c's. Calls the
 * scanning helpers, dates and the model only. */
#include <stdlib.h>
#include <string.h>

#include "meta/meta.h"

/* ==== Reading YAML ==== */

static const char *const vocabulary[] = {
	"title", "author", "date", "section", "source", "language", "url",
	"description", "keywords",
};

static int in_vocabulary(const char *key)
{
	for (size_t i = 0; i < sizeof vocabulary / sizeof vocabulary[0]; i++)
		if (strcmp(key, vocabulary[i]) == 0)
			return 1;
	return 0;
}

static size_t indent_of(span l)
{
	size_t i = 0;
	while (i < l.n && (l.s[i] == ' ' || l.s[i] == '\t'))
		i++;
	return i;
}

static int blank_or_comment(span l)
{
	npk__trim(&l.s, &l.n);
	return l.n == 0 || l.s[0] == '#';
}

/* Appends code point cp as UTF-8; -1 for a surrogate or out of range. */
static int utf8_put(npk_buf *b, uint32_t cp, int *nomem)
{
	uint8_t u[4];
	size_t k;
	if (cp >= 0xD800 && cp <= 0xDFFF)
		return -1;
	if (cp < 0x80) {
		u[0] = (uint8_t)cp;
		k = 1;
	} else if (cp < 0x800) {
		u[0] = (uint8_t)(0xC0 | cp >> 6);
		u[1] = (uint8_t)(0x80 | (cp & 0x3F));
		k = 2;
	} else if (cp < 0x10000) {
		u[0] = (uint8_t)(0xE0 | cp >> 12);
		u[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (uint8_t)(0x80 | (cp & 0x3F));
		k = 3;
	} else if (cp <= 0x10FFFF) {
		u[0] = (uint8_t)(0xF0 | cp >> 18);
		u[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
		u[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
		u[3] = (uint8_t)(0x80 | (cp & 0x3F));
		k = 4;
	} else {
		return -1;
	}
	if (npk__buf_put(b, u, k) != 0) {
		*nomem = 1;
		return -1;
	}
	return 0;
}

static int hex_at(const char *s, size_t n, size_t digits_n, uint32_t *v)
{
	uint32_t x = 0;
	if (n < digits_n)
		return 0;
	for (size_t i = 0; i < digits_n; i++) {
		int c = npk__lower(npk__uc(s, i));
		if (npk__is_digit(c))
			x = x * 16 + (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			x = x * 16 + (uint32_t)(c - 'a' + 10);
		else
			return 0;
	}
	*v = x;
	return 1;
}

/* A quoted scalar starting at s[0] (' or "): its text into b. Returns the
 * bytes used including both quotes, or 0 when unterminated or holding an
 * escape that cannot be a value (a NUL, a lone surrogate). */
static size_t yaml_quoted(const char *s, size_t n, npk_buf *b, int *nomem)
{
	char q = s[0];
	size_t i = 1;
	b->len = 0;
	while (i < n) {
		char c = s[i];
		if (c == q) {
			if (q == '\'' && i + 1 < n && s[i + 1] == '\'') {
				if (npk__buf_u8(b, '\'') != 0)
					goto nomem;
				i += 2;
				continue;
			}
			return i + 1;
		}
		if (q == '"' && c == '\\' && i + 1 < n) {
			char e = s[i + 1];
			const char *simple = "\"\\/nrtbf ";
			const char *to = "\"\\/\n\r\t\b\f ";
			const char *f = strchr(simple, e);
			i += 2;
			if (f != NULL) {
				if (npk__buf_u8(b, (uint8_t)to[f - simple]) != 0)
					goto nomem;
				continue;
			}
			size_t hx = e == 'x' ? 2 : e == 'u' ? 4 : e == 'U' ? 8 : 0;
			uint32_t cp;
			if (hx == 0 || !hex_at(s + i, n - i, hx, &cp))
				return 0;
			i += hx;
			/* a UTF-16 surrogate pair written as two \u escapes */
			if (cp >= 0xD800 && cp <= 0xDBFF && i + 6 <= n && s[i] == '\\' && s[i + 1] == 'u') {
				uint32_t lo;
				if (hex_at(s + i + 2, n - i - 2, 4, &lo) && lo >= 0xDC00 && lo <= 0xDFFF) {
					cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
					i += 6;
				}
			}
			if (cp == 0 || utf8_put(b, cp, nomem) != 0)
				return 0;
			continue;
		}
		if (npk__buf_u8(b, (uint8_t)c) != 0)
			goto nomem;
		i++;
	}
	return 0;
nomem:
	*nomem = 1;
	return 0;
}

/* Emits one front matter value under its mapped key. */
static int fm_emit(xctx *x, const char *key, const char *v, size_t n, int in_list)
{
	char d[40];
	int known = in_vocabulary(key);
	if (n == 0)
		return 0;       /* also: an empty buffer's pointer may be NULL */
	if (!known && in_list)
		return 0;       /* other keys are kept only as scalars */
	if (strcmp(key, "date") == 0 && npk__date_whole(v, n, d))
		return npk__x_add(x, key, d, strlen(d));
	if (strcmp(key, "keywords") == 0 && !in_list) {
		/* "tags: news, council" */
		size_t p = 0;
		while (p <= n) {
			const char *c = memchr(v + p, ',', n - p);
			size_t e = c ? (size_t)(c - v) : n;
			if (npk__x_add(x, key, v + p, e - p) != 0)
				return -1;
			p = e + 1;
		}
		return 0;
	}
	return npk__x_add(x, key, v, n);
}

/* A scalar as written in a list item or a flow list: quoted or plain. */
static int fm_scalar(xctx *x, const char *key, span v, int in_list, npk_buf *b)
{
	npk__trim(&v.s, &v.n);
	if (v.n == 0)
		return 0;
	if (v.s[0] == '"' || v.s[0] == '\'') {
		if (yaml_quoted(v.s, v.n, b, &x->nomem) == 0)
			return x->nomem ? -1 : 0;
		return fm_emit(x, key, (const char *)b->p, b->len, in_list);
	}
	if (v.s[0] == '[' || v.s[0] == '{' || v.s[0] == '*' || v.s[0] == '&' || v.s[0] == '!')
		return 0;       /* nested lists, maps, anchors and tags are not mapped */
	/* a comment starts at " #" */
	for (size_t i = 1; i < v.n; i++) {
		if (v.s[i] == '#' && (v.s[i - 1] == ' ' || v.s[i - 1] == '\t')) {
			v.n = i;
			break;
		}
	}
	npk__trim(&v.s, &v.n);
	if (v.n == 0 || npk__ci_eq(v.s, v.n, "~") || npk__ci_eq(v.s, v.n, "null"))
		return 0;
	return fm_emit(x, key, v.s, v.n, in_list);
}

/* The items of a flow list "[a, 'b', "c, d"]" (the brackets included). */
static int fm_flow_list(xctx *x, const char *key, const char *s, size_t n, npk_buf *b)
{
	size_t p = 1;
	while (p < n) {
		size_t e = p;
		char q = 0;
		while (e < n) {
			char c = s[e];
			if (q) {
				if (c == '\\' && q == '"' && e + 1 < n)
					e++;
				else if (c == q)
					q = 0;
			} else if (c == '"' || c == '\'') {
				q = c;
			} else if (c == ',' || c == ']') {
				break;
			} else if (c == '[' || c == '{') {
				return 0;       /* nested: not mapped */
			}
			e++;
		}
		if (e >= n)
			return 0;       /* unterminated */
		span item = {s + p, e - p};
		if (fm_scalar(x, key, item, 1, b) != 0)
			return -1;
		if (s[e] == ']')
			return 0;
		p = e + 1;
	}
	return 0;
}

/* A value goes on over at most this many lines: no news field is longer,
 * and it bounds the rescans done() makes of the joined text. */
#define FM_JOIN_MAX 100

/* Joins a value with the lines that continue it (deeper indented, or up
 * to a closing bracket or quote), with one space between, into b. */
static int fm_join(npk_buf *b, span first, const span *lines, size_t nl, size_t *i,
                   int (*done)(const npk_buf *b))
{
	b->len = 0;
	if (npk__buf_put(b, first.s, first.n) != 0)
		return -1;
	for (int more = 0; more < FM_JOIN_MAX && !done(b) && *i < nl &&
	                   indent_of(lines[*i]) > 0; more++) {
		span l = lines[(*i)++];
		npk__trim(&l.s, &l.n);
		if (npk__buf_u8(b, ' ') != 0 || npk__buf_put(b, l.s, l.n) != 0)
			return -1;
	}
	return 0;
}

static int flow_closed(const npk_buf *b)
{
	char q = 0;
	for (size_t i = 0; i < b->len; i++) {
		char c = (char)b->p[i];
		if (q) {
			if (c == '\\' && q == '"')
				i++;
			else if (c == q)
				q = 0;
		} else if (c == '"' || c == '\'') {
			q = c;
		} else if (c == ']') {
			return 1;
		}
	}
	return 0;
}

static int quote_closed(const npk_buf *b)
{
	char q = (char)b->p[0];
	for (size_t i = 1; i < b->len; i++) {
		if (b->p[i] == '\\' && q == '"')
			i++;
		else if (b->p[i] == (uint8_t)q && q == '\'' && i + 1 < b->len && b->p[i + 1] == '\'')
			i++;
		else if (b->p[i] == (uint8_t)q)
			return 1;
	}
	return 0;
}

static int never_done(const npk_buf *b)
{
	(void)b;
	return 0;
}

/* A block scalar ("|" keeps line breaks, ">" folds them into spaces): the
 * indented lines after the key. */
static int fm_block_scalar(xctx *x, const char *key, char style, const span *lines,
                           size_t nl, size_t *i, npk_buf *b)
{
	size_t ind = 0;
	int gap = 0;
	b->len = 0;
	for (; *i < nl; (*i)++) {
		span l = lines[*i];
		size_t li = indent_of(l);
		if (li == l.n) {
			gap = 1;
			continue;
		}
		if (li == 0)
			break;
		if (ind == 0)
			ind = li;
		span t = {l.s + (li < ind ? li : ind), l.n - (li < ind ? li : ind)};
		if (b->len) {
			/* "|" keeps every line break; ">" makes a single break a
			 * space and keeps those of blank lines */
			if (style == '|' && npk__buf_u8(b, '\n') != 0)
				goto nomem;
			if ((style != '|' || gap) && npk__buf_u8(b, gap ? '\n' : ' ') != 0)
				goto nomem;
		}
		if (npk__buf_put(b, t.s, t.n) != 0)
			goto nomem;
		gap = 0;
	}
	return fm_emit(x, key, (const char *)b->p, b->len, 0);
nomem:
	x->nomem = 1;
	return -1;
}

/* The value of key "key:" with nothing after it: a block list of "- item"
 * lines, or a nested map (skipped). */
static int fm_block(xctx *x, const char *key, const span *lines, size_t nl, size_t *i,
                    npk_buf *b)
{
	size_t list_ind = 0;
	int in_list = 0;
	for (; *i < nl; (*i)++) {
		span l = lines[*i];
		if (blank_or_comment(l))
			continue;
		size_t li = indent_of(l);
		span t = {l.s + li, l.n - li};
		int item = t.n >= 1 && t.s[0] == '-' && (t.n == 1 || t.s[1] == ' ' || t.s[1] == '\t');
		if (item && (!in_list || li == list_ind)) {
			in_list = 1;
			list_ind = li;
			span v = {t.s + 1, t.n - 1};
			npk__trim(&v.s, &v.n);
			/* "- name: Jane Doe": a map item; its name is the value */
			const char *colon = NULL;
			if (v.n && v.s[0] != '"' && v.s[0] != '\'')
				for (size_t k = 0; k + 1 < v.n && colon == NULL; k++)
					if (v.s[k] == ':' && v.s[k + 1] == ' ')
						colon = v.s + k;
			if (colon != NULL) {
				if (!npk__ci_eq(v.s, (size_t)(colon - v.s), "name"))
					continue;
				v.n -= (size_t)(colon + 1 - v.s);
				v.s = colon + 1;
			}
			if (fm_scalar(x, key, v, 1, b) != 0)
				return -1;
			continue;
		}
		if (li == 0 || (in_list && li < list_ind))
			break;
		/* deeper lines: an item's continuation, or a nested map */
	}
	return 0;
}

/* Parses the lines of a front matter block. */
static int fm_parse(xctx *x, const span *lines, size_t nl)
{
	npk_buf b = {0};
	int rc = 0;
	for (size_t i = 0; i < nl && rc == 0;) {
		span l = lines[i++];
		if (blank_or_comment(l) || indent_of(l) > 0 || l.s[0] == '-')
			continue;
		/* key: the text before the first ": " (or a final ':') */
		size_t c = 0;
		while (c < l.n && !(l.s[c] == ':' && (c + 1 == l.n || l.s[c + 1] == ' ' || l.s[c + 1] == '\t')))
			c++;
		if (c == l.n)
			continue;
		span k = {l.s, c};
		npk__trim(&k.s, &k.n);
		if (k.n >= 2 && (k.s[0] == '"' || k.s[0] == '\'') && k.s[k.n - 1] == k.s[0]) {
			k.s++;
			k.n -= 2;
		}
		char keybuf[NPK_META_KEY_MAX + 1];
		const char *key = npk__meta_key_map(k.s, k.n, keybuf);
		span v = {l.s + c + 1, l.n - c - 1};
		npk__trim(&v.s, &v.n);
		if (v.n == 0 || v.s[0] == '#') {
			if (key != NULL)
				rc = fm_block(x, key, lines, nl, &i, &b);
			else
				while (i < nl && (blank_or_comment(lines[i]) || indent_of(lines[i]) > 0 ||
				                  lines[i].s[0] == '-'))
					i++;
			continue;
		}
		if (key == NULL)
			continue;
		if (v.s[0] == '|' || v.s[0] == '>') {
			rc = fm_block_scalar(x, key, v.s[0], lines, nl, &i, &b);
		} else if (v.s[0] == '[') {
			npk_buf j = {0};
			if (fm_join(&j, v, lines, nl, &i, flow_closed) != 0)
				rc = -1;
			else
				rc = fm_flow_list(x, key, (const char *)j.p, j.len, &b);
			npk__buf_free(&j);
		} else if (v.s[0] == '"' || v.s[0] == '\'') {
			npk_buf j = {0};
			if (fm_join(&j, v, lines, nl, &i, quote_closed) != 0) {
				rc = -1;
			} else {
				span js = {(const char *)j.p, j.len};
				rc = fm_scalar(x, key, js, 0, &b);
			}
			npk__buf_free(&j);
		} else if (v.s[0] == '{') {
			continue;       /* a flow map: not mapped */
		} else {
			/* a plain scalar may go on over deeper indented lines */
			npk_buf j = {0};
			if (fm_join(&j, v, lines, nl, &i, never_done) != 0) {
				rc = -1;
			} else {
				span js = {(const char *)j.p, j.len};
				rc = fm_scalar(x, key, js, 0, &b);
			}
			npk__buf_free(&j);
		}
	}
	npk__buf_free(&b);
	if (rc != 0)
		x->nomem = 1;
	return rc;
}

/* ==== Finding the front matter ==== */

static int is_marker(span l, const char *m)
{
	while (l.n && (l.s[l.n - 1] == ' ' || l.s[l.n - 1] == '\t'))
		l.n--;
	return l.n == 3 && memcmp(l.s, m, 3) == 0;
}

int npk__front_matter_find(const char *t, size_t n, size_t *in_start, size_t *in_end,
                           size_t *body)
{
	size_t pos = 0;
	span first, l;
	*in_start = *in_end = *body = 0;
	if (!npk__next_line(t, n, &pos, &first))
		return NPK__FM_NONE;
	int yaml = is_marker(first, "---"), toml = is_marker(first, "+++");
	if (!yaml && !toml)
		return NPK__FM_NONE;
	*in_start = pos;
	for (size_t at = pos; npk__next_line(t, n, &pos, &l); at = pos)
		if (yaml ? is_marker(l, "---") || is_marker(l, "...") : is_marker(l, "+++")) {
			*in_end = at;
			*body = pos;
			return yaml ? NPK__FM_YAML : NPK__FM_TOML;
		}
	*in_end = *body = n;
	return NPK__FM_UNCLOSED;
}

int npk__front_matter(xctx *x, const char *t, size_t n, size_t *body)
{
	size_t pos, end, nl = 0, cap = 64;
	int kind = npk__front_matter_find(t, n, &pos, &end, body);
	if (kind != NPK__FM_YAML)
		return kind;

	span *lines = malloc(cap * sizeof *lines);
	if (lines == NULL)
		goto nomem;
	span l;
	while (npk__next_line(t, end, &pos, &l)) {
		if (nl == cap) {
			span *m = realloc(lines, 2 * cap * sizeof *lines);
			if (m == NULL)
				goto nomem;
			lines = m;
			cap *= 2;
		}
		lines[nl++] = l;
	}
	int rc = fm_parse(x, lines, nl);
	free(lines);
	return rc != 0 ? -1 : NPK__FM_YAML;
nomem:
	free(lines);
	x->nomem = 1;
	return -1;
}
