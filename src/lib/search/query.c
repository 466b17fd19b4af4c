/* search/query.c - the query language of spec/search.md 8: a lexer that
 * cuts a query into operators and terms (words, phrases, field:value,
 * dates), and a recursive descent parser, NOT above AND above OR. Each
 * limit is checked before the work it bounds: the length before any byte
 * is read, the words and the nesting as they come. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meta/meta.h"
#include "search/query.h"

/* ==== Characters (8.1) ==== */

/* The length of the white space character at p[0..n), n > 0, or 0:
 * ASCII white space, U+00A0 NO-BREAK SPACE, U+3000 IDEOGRAPHIC SPACE. */
static size_t space_len(const uint8_t *p, size_t n)
{
	if (p[0] == ' ' || (p[0] >= 0x09 && p[0] <= 0x0D))
		return 1;
	if (n >= 2 && p[0] == 0xC2 && p[1] == 0xA0)
		return 2;
	if (n >= 3 && p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x80)
		return 3;
	return 0;
}

/* The length of the quotation mark at p[0..n), n > 0, or 0: ", or the
 * typographic U+201C and U+201D that phones and word processors type. */
static size_t quote_len(const uint8_t *p, size_t n)
{
	if (p[0] == '"')
		return 1;
	if (n >= 3 && p[0] == 0xE2 && p[1] == 0x80 && (p[2] == 0x9C || p[2] == 0x9D))
		return 3;
	return 0;
}

/* Whether a word ends at p[0..n): the end, white space, a parenthesis or a
 * quotation mark. Continuation bytes of UTF-8 match none of these. */
static int word_ends(const uint8_t *p, size_t n)
{
	return n == 0 || p[0] == '(' || p[0] == ')' || space_len(p, n) || quote_len(p, n);
}

/* The words of s[0..n): its runs of characters that are not white space. */
static size_t count_words(const uint8_t *s, size_t n)
{
	size_t words = 0, i = 0;
	int in = 0;
	while (i < n) {
		size_t k = space_len(s + i, n - i);
		if (k == 0 && !in)
			words++;
		in = k == 0;
		i += k ? k : 1;
	}
	return words;
}

/* s[0..n) for a message: quoted, and cut at a character boundary after
 * 40 bytes, so that a long value cannot push the byte offset out. */
static const char *shown(const uint8_t *s, size_t n, char out[64])
{
	size_t k = n;
	if (k > 40) {
		k = 40;
		while (k > 0 && (s[k] & 0xC0) == 0x80)
			k--;
	}
	snprintf(out, 64, "\"%.*s%s\"", (int)k, (const char *)s, k < n ? "..." : "");
	return out;
}

/* ==== Dates (8.4) ==== */

/* Days from 1970-01-01 to y-m-d, proleptic Gregorian (the algorithm of
 * H. Hinnant's "chrono-Compatible Low-Level Date Algorithms"). */
static int32_t days_from_civil(int y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (int32_t)(era * 146097 + (int)doe - 719468);
}

static unsigned month_days(int y, unsigned m)
{
	static const unsigned char days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
	return days[m - 1] + (m == 2 && leap);
}

/* n digits at s as a number, or -1 when one is not a digit. */
static int digits(const uint8_t *s, size_t n)
{
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* YYYY, YYYY-MM or YYYY-MM-DD at s[0..n) as a day: its first day, or its
 * last when upper is set. Returns 0, or -1 when s is no such date. */
static int day_parse(const uint8_t *s, size_t n, int upper, int32_t *out)
{
	if (n != 4 && n != 7 && n != 10)
		return -1;
	int y = digits(s, 4), m = upper ? 12 : 1, d = 1;
	if (y < 0)
		return -1;
	if (n >= 7 && (s[4] != '-' || (m = digits(s + 5, 2)) < 1 || m > 12))
		return -1;
	unsigned last = month_days(y, (unsigned)m);
	if (n == 10 && (s[7] != '-' || (d = digits(s + 8, 2)) < 1 || (unsigned)d > last))
		return -1;
	if (n < 10 && upper)
		d = (int)last;
	*out = days_from_civil(y, (unsigned)m, (unsigned)d);
	return 0;
}

/* ==== Lexer (8.2, 8.3) ==== */

enum { T_END, T_OPEN, T_CLOSE, T_AND, T_OR, T_NOT, T_MINUS, T_TERM };
#define FIELD_DATE (-1)

typedef struct {
	int kind;                   /* T_* */
	size_t at;                  /* its first byte */
	npk__qkind leaf;            /* T_TERM: WORDS or DATE */
	npk__qfield field;
	int phrase;
	size_t text, len;           /* the words: q[text..text+len) */
	int32_t from, to;
} token;

typedef struct {
	const uint8_t *q;
	size_t len, off;
	size_t words;               /* words and dates so far */
	unsigned depth;             /* parentheses and negations open */
	int literal;                /* after "-": the next word is no operator */
	token t;                    /* the current token */
	npk_error *err;
} parser;

/* The field named s[0..n), ASCII case-insensitive: an npk__qfield,
 * FIELD_DATE, or -2 when it names none. */
static int field_of(const uint8_t *s, size_t n)
{
	static const struct { const char *name; int field; } fields[] = {
		{"title", NPK__F_TITLE}, {"author", NPK__F_AUTHOR}, {"section", NPK__F_SECTION},
		{"source", NPK__F_SOURCE}, {"lang", NPK__F_LANG}, {"url", NPK__F_URL},
		{"date", FIELD_DATE},
	};
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		size_t k = strlen(fields[i].name);
		size_t j = 0;
		while (j < k && j < n && (s[j] | 0x20) == fields[i].name[j])
			j++;
		if (j == k && n == k)
			return fields[i].field;
	}
	return -2;
}

/* Counts n more words of the term at byte at against the limit. */
static int words_add(parser *p, size_t n, size_t at)
{
	if (n > NPK__QUERY_WORDS - p->words)
		return npk__fail(p->err, NPK_E_ARG, "query: more than %u words at byte %zu",
		                 NPK__QUERY_WORDS, at);
	p->words += n;
	return NPK_OK;
}

/* The current token becomes a DATE from the value q[s..s+n), D or D..D. */
static int lex_date(parser *p, size_t s, size_t n)
{
	const uint8_t *v = p->q + s;
	char show[64];
	size_t dots = 0;
	while (dots + 1 < n && !(v[dots] == '.' && v[dots + 1] == '.'))
		dots++;
	token *t = &p->t;
	t->kind = T_TERM;
	t->leaf = NPK__Q_DATE;
	if (dots + 1 >= n) {
		/* one date: all of its days */
		if (day_parse(v, n, 0, &t->from) != 0 || day_parse(v, n, 1, &t->to) != 0)
			return npk__fail(p->err, NPK_E_ARG, "query: unknown date %s at byte %zu",
			                 shown(v, n, show), s);
		return words_add(p, 1, t->at);
	}
	size_t r = dots + 2;
	NPK_FAIL_IF(dots == 0 && r == n, p->err, NPK_E_ARG,
	            "query: date range \"..\" without a date at byte %zu", s);
	t->from = INT32_MIN;
	t->to = INT32_MAX;
	if (dots > 0 && day_parse(v, dots, 0, &t->from) != 0)
		return npk__fail(p->err, NPK_E_ARG, "query: unknown date %s at byte %zu",
		                 shown(v, dots, show), s);
	if (r < n && day_parse(v + r, n - r, 1, &t->to) != 0)
		return npk__fail(p->err, NPK_E_ARG, "query: unknown date %s at byte %zu",
		                 shown(v + r, n - r, show), s + r);
	NPK_FAIL_IF(t->from > t->to, p->err, NPK_E_ARG,
	            "query: date range %s ends before it begins at byte %zu", shown(v, n, show), s);
	return words_add(p, 1, t->at);
}

/* A phrase whose quotation mark is at q[open]; field is that of a
 * field:"phrase" (NPK__F_TEXT without one). */
static int lex_phrase(parser *p, int field, size_t open)
{
	const uint8_t *q = p->q;
	size_t s = open + quote_len(q + open, p->len - open), e = s, k = 0;
	while (e < p->len && (k = quote_len(q + e, p->len - e)) == 0)
		e++;
	NPK_FAIL_IF(e == p->len, p->err, NPK_E_ARG, "query: unclosed quote at byte %zu", open);
	p->off = e + k;
	if (field == FIELD_DATE)
		return lex_date(p, s, e - s);
	size_t words = count_words(q + s, e - s);
	NPK_FAIL_IF(words == 0, p->err, NPK_E_ARG, "query: empty phrase at byte %zu", open);
	token *t = &p->t;
	t->kind = T_TERM;
	t->leaf = NPK__Q_WORDS;
	t->field = (npk__qfield)field;
	t->phrase = 1;
	t->text = s;
	t->len = e - s;
	return words_add(p, words, t->at);
}

/* A word: an operator, field:value, or a plain word. */
static int lex_word(parser *p)
{
	const uint8_t *q = p->q;
	size_t s = p->off, e = s;
	while (!word_ends(q + e, p->len - e))
		e++;
	int literal = p->literal;
	p->literal = 0;
	p->off = e;
	token *t = &p->t;
	const uint8_t *colon = memchr(q + s, ':', e - s);
	int field = colon ? field_of(q + s, (size_t)(colon - q) - s) : -2;
	if (field != -2) {
		/* field:value (8.3) */
		size_t v = (size_t)(colon - q) + 1;
		if (v == e && e < p->len && quote_len(q + e, p->len - e))
			return lex_phrase(p, field, e);
		NPK_FAIL_IF(v == e, p->err, NPK_E_ARG,
		            "query: \"%.*s\" needs a word or a \"phrase\" after it at byte %zu",
		            (int)(v - s), (const char *)q + s, s);
		if (field == FIELD_DATE)
			return lex_date(p, v, e - v);
		t->kind = T_TERM;
		t->leaf = NPK__Q_WORDS;
		t->field = (npk__qfield)field;
		t->text = v;
		t->len = e - v;
		return words_add(p, 1, s);
	}
	static const struct { const char *name; int kind; } ops[] = {
		{"AND", T_AND}, {"OR", T_OR}, {"NOT", T_NOT},
	};
	for (size_t i = 0; i < 3 && !literal; i++) {
		if (e - s == strlen(ops[i].name) && memcmp(q + s, ops[i].name, e - s) == 0) {
			t->kind = ops[i].kind;
			return NPK_OK;
		}
	}
	t->kind = T_TERM;
	t->leaf = NPK__Q_WORDS;
	t->field = NPK__F_TEXT;
	t->text = s;
	t->len = e - s;
	return words_add(p, 1, s);
}

/* Reads the next token into p->t. */
static int lex(parser *p)
{
	const uint8_t *q = p->q;
	size_t k;
	while (p->off < p->len && (k = space_len(q + p->off, p->len - p->off)) != 0)
		p->off += k;
	token *t = &p->t;
	memset(t, 0, sizeof *t);
	t->at = p->off;
	if (p->off == p->len) {
		t->kind = T_END;
		return NPK_OK;
	}
	const uint8_t *c = q + p->off;
	size_t left = p->len - p->off;
	if (*c == '(' || *c == ')') {
		t->kind = *c == '(' ? T_OPEN : T_CLOSE;
		p->off++;
		p->literal = 0;
		return NPK_OK;
	}
	if (quote_len(c, left)) {
		p->literal = 0;
		return lex_phrase(p, NPK__F_TEXT, p->off);
	}
	/* "-" negates what follows it at once; alone, before a space, a ")" or
	 * another "-", it is a word ("2020 - 2021", "--") */
	if (*c == '-' && left > 1 && c[1] != '-' && c[1] != ')' && !space_len(c + 1, left - 1)) {
		t->kind = T_MINUS;
		p->off++;
		p->literal = 1;
		return NPK_OK;
	}
	return lex_word(p);
}

/* ==== Parser (8.5) ==== */

static int nomem(parser *p)
{
	return npk__fail(p->err, NPK_E_NOMEM, "query: out of memory");
}

static npk__qnode *node_new(npk__qkind kind, size_t at)
{
	npk__qnode *n = calloc(1, sizeof *n);
	if (n != NULL) {
		n->kind = kind;
		n->at = at;
	}
	return n;
}

/* Adds kid to parent (AND, OR), or kid's kids when it is of parent's kind
 * ("(a b) c" is one AND of three). kid is parent's after, even on failure. */
static int node_add(parser *p, npk__qnode *parent, npk__qnode *kid)
{
	size_t more = kid->kind == parent->kind ? kid->nkids : 1;
	npk__qnode **k = realloc(parent->kids, (parent->nkids + more) * sizeof *k);
	if (k == NULL) {
		npk__query_free(kid);
		return nomem(p);
	}
	parent->kids = k;
	if (kid->kind == parent->kind) {
		memcpy(k + parent->nkids, kid->kids, more * sizeof *k);
		free(kid->kids);
		free(kid);
	} else {
		k[parent->nkids] = kid;
	}
	parent->nkids += more;
	return NPK_OK;
}

/* The leaf of the current token. */
static int node_leaf(parser *p, npk__qnode **out)
{
	const token *t = &p->t;
	npk__qnode *n = node_new(t->leaf, t->at);
	if (n == NULL)
		return nomem(p);
	if (t->leaf == NPK__Q_DATE) {
		n->from = t->from;
		n->to = t->to;
	} else {
		n->field = t->field;
		n->phrase = t->phrase;
		n->len = t->len;
		if ((n->text = malloc(t->len + 1)) == NULL) {
			free(n);
			return nomem(p);
		}
		memcpy(n->text, p->q + t->text, t->len);
		n->text[t->len] = 0;
	}
	*out = n;
	return NPK_OK;
}

static int starts_operand(int kind)
{
	return kind == T_OPEN || kind == T_TERM || kind == T_NOT || kind == T_MINUS;
}

static int depth_in(parser *p, size_t at)
{
	NPK_FAIL_IF(++p->depth > NPK__QUERY_DEPTH, p->err, NPK_E_ARG,
	            "query: nested deeper than %u at byte %zu", NPK__QUERY_DEPTH, at);
	return NPK_OK;
}

static int parse_or(parser *p, npk__qnode **out);
static int parse_unary(parser *p, npk__qnode **out);

/* primary = "(" or ")" / term */
static int parse_primary(parser *p, npk__qnode **out)
{
	size_t at = p->t.at;
	switch (p->t.kind) {
	case T_TERM:
		NPK_FORWARD(node_leaf(p, out));
		break;
	case T_OPEN:
		NPK_FORWARD(depth_in(p, at));
		NPK_FORWARD(lex(p));
		NPK_FAIL_IF(p->t.kind == T_CLOSE, p->err, NPK_E_ARG,
		            "query: empty parentheses at byte %zu", at);
		NPK_FAIL_IF(p->t.kind == T_END, p->err, NPK_E_ARG,
		            "query: \"(\" without \")\" at byte %zu", at);
		NPK_FORWARD(parse_or(p, out));
		if (p->t.kind != T_CLOSE) {
			npk__query_free(*out);
			*out = NULL;
			return npk__fail(p->err, NPK_E_ARG, "query: \"(\" without \")\" at byte %zu", at);
		}
		p->depth--;
		break;
	case T_CLOSE:
		return npk__fail(p->err, NPK_E_ARG, "query: \")\" without \"(\" at byte %zu", at);
	case T_AND:
	case T_OR:
		return npk__fail(p->err, NPK_E_ARG, "query: \"%s\" without a term before it at byte %zu",
		                 p->t.kind == T_AND ? "AND" : "OR", at);
	case T_END:
		return npk__fail(p->err, NPK_E_ARG, "query: nothing to search for");
	default:
		/* NOT and "-" are parse_unary's */
		return npk__fail(p->err, NPK_E_ARG, "query: unexpected token at byte %zu", at);
	}
	/* past the term or the ")"; what follows is its parent's */
	int rc = lex(p);
	if (rc != NPK_OK) {
		npk__query_free(*out);
		*out = NULL;
	}
	return rc;
}

/* unary = "NOT" unary / "-" primary / primary */
static int parse_unary(parser *p, npk__qnode **out)
{
	int kind = p->t.kind;
	size_t at = p->t.at;
	if (kind != T_NOT && kind != T_MINUS)
		return parse_primary(p, out);
	NPK_FORWARD(depth_in(p, at));
	NPK_FORWARD(lex(p));
	NPK_FAIL_IF(!starts_operand(p->t.kind), p->err, NPK_E_ARG,
	            "query: \"NOT\" without a term after it at byte %zu", at);
	npk__qnode *n = node_new(NPK__Q_NOT, at), *kid = NULL;
	if (n == NULL || (n->kids = malloc(sizeof *n->kids)) == NULL) {
		free(n);
		return nomem(p);
	}
	int rc = kind == T_NOT ? parse_unary(p, &kid) : parse_primary(p, &kid);
	if (rc != NPK_OK) {
		npk__query_free(n);
		return rc;
	}
	n->kids[0] = kid;
	n->nkids = 1;
	p->depth--;
	*out = n;
	return NPK_OK;
}

/* and = unary *( ["AND"] unary ); op is T_AND: and, T_OR: or */
static int parse_list(parser *p, int op, npk__qnode **out)
{
	npk__qkind kind = op == T_AND ? NPK__Q_AND : NPK__Q_OR;
	size_t at = p->t.at;
	npk__qnode *first = NULL, *n = NULL, *kid = NULL;
	int rc = op == T_AND ? parse_unary(p, &first) : parse_list(p, T_AND, &first);
	if (rc != NPK_OK)
		return rc;
	for (;;) {
		if (p->t.kind == op) {
			size_t op_at = p->t.at;
			NPK_FORWARD_GOTO(rc, lex(p), fail);
			if (!starts_operand(p->t.kind)) {
				rc = npk__fail(p->err, NPK_E_ARG,
				               "query: \"%s\" without a term after it at byte %zu",
				               op == T_AND ? "AND" : "OR", op_at);
				goto fail;
			}
		} else if (op == T_OR || !starts_operand(p->t.kind)) {
			break;
		}
		if (n == NULL) {
			if ((n = node_new(kind, at)) == NULL) {
				rc = nomem(p);
				goto fail;
			}
			kid = first;
			first = NULL;
			NPK_FORWARD_GOTO(rc, node_add(p, n, kid), fail);
		}
		rc = op == T_AND ? parse_unary(p, &kid) : parse_list(p, T_AND, &kid);
		if (rc != NPK_OK)
			goto fail;
		NPK_FORWARD_GOTO(rc, node_add(p, n, kid), fail);
	}
	*out = n != NULL ? n : first;
	return NPK_OK;
fail:
	npk__query_free(first);
	npk__query_free(n);
	return rc;
}

/* or = and *( "OR" and ) */
static int parse_or(parser *p, npk__qnode **out)
{
	return parse_list(p, T_OR, out);
}

/* Whether an AND's kids hold one that is not a NOT. */
static int has_positive(const npk__qnode *n)
{
	for (size_t i = 0; i < n->nkids; i++)
		if (n->kids[i]->kind != NPK__Q_NOT)
			return 1;
	return 0;
}

/* 8.5: a negation excludes documents from those its AND finds otherwise,
 * so it needs a term beside it in an AND that is not negated itself. */
static int check_not(parser *p, const npk__qnode *n, const npk__qnode *parent)
{
	if (n->kind == NPK__Q_NOT && (parent == NULL || parent->kind != NPK__Q_AND ||
	                              !has_positive(parent)))
		return npk__fail(p->err, NPK_E_ARG, "query: the negation at byte %zu has no term "
		                 "beside it that is not negated (\"a -b\", not \"-b\" or \"a OR -b\")",
		                 n->at);
	for (size_t i = 0; i < n->nkids; i++)
		NPK_FORWARD(check_not(p, n->kids[i], n));
	return NPK_OK;
}

int npk__query_parse(const char *q, size_t len, npk__qnode **out, npk_error *err)
{
	*out = NULL;
	NPK_FAIL_IF(len > NPK__QUERY_MAX, err, NPK_E_ARG, "query: longer than %u bytes",
	            NPK__QUERY_MAX);
	NPK_FAIL_IF(q == NULL && len > 0, err, NPK_E_ARG, "query: no text");
	const uint8_t *u = (const uint8_t *)q;
	size_t bad = len ? npk__utf8_bad_at(u, len) : 0;
	NPK_FAIL_IF(bad < len && u[bad] == 0, err, NPK_E_ARG, "query: NUL at byte %zu", bad);
	NPK_FAIL_IF(bad < len, err, NPK_E_ARG, "query: invalid UTF-8 at byte %zu", bad);

	parser p = {.q = u, .len = len, .err = err};
	npk__qnode *n = NULL;
	NPK_FORWARD(lex(&p));
	NPK_FORWARD(parse_or(&p, &n));
	int rc = NPK_OK;
	if (p.t.kind != T_END)
		rc = npk__fail(err, NPK_E_ARG, "query: \")\" without \"(\" at byte %zu", p.t.at);
	if (rc == NPK_OK)
		rc = check_not(&p, n, NULL);
	if (rc != NPK_OK) {
		npk__query_free(n);
		return rc;
	}
	*out = n;
	return NPK_OK;
}

void npk__query_free(npk__qnode *n)
{
	if (n == NULL)
		return;
	for (size_t i = 0; i < n->nkids; i++)
		npk__query_free(n->kids[i]);
	free(n->kids);
	free(n->text);
	free(n);
}

size_t npk__query_leaves(const npk__qnode *n, const npk__qnode **out, size_t cap)
{
	if (n->kind == NPK__Q_WORDS || n->kind == NPK__Q_DATE) {
		if (cap > 0)
			out[0] = n;
		return 1;
	}
	size_t count = 0;
	for (size_t i = 0; i < n->nkids; i++)
		count += npk__query_leaves(n->kids[i], out + (count < cap ? count : cap),
		                           count < cap ? cap - count : 0);
	return count;
}

/* ==== The S-expression ==== */

static int put(npk_buf *b, const char *s)
{
	return npk__buf_put(b, s, strlen(s));
}

static int format_text(npk_buf *b, const char *s, size_t len)
{
	if (npk__buf_u8(b, '"') != 0)
		return -1;
	for (size_t i = 0; i < len; i++) {
		uint8_t c = (uint8_t)s[i];
		char esc[8];
		if (c == '"' || c == '\\')
			snprintf(esc, sizeof esc, "\\%c", c);
		else if (c < 0x20 || c == 0x7F)
			snprintf(esc, sizeof esc, "\\x%02X", c);
		else if (npk__buf_u8(b, c) != 0)
			return -1;
		else
			continue;
		if (put(b, esc) != 0)
			return -1;
	}
	return npk__buf_u8(b, '"');
}

static int format_day(npk_buf *b, int32_t d, int32_t open)
{
	char s[16];
	if (d == open)
		snprintf(s, sizeof s, " *");
	else
		snprintf(s, sizeof s, " %ld", (long)d);
	return put(b, s);
}

static int format_node(const npk__qnode *n, npk_buf *b)
{
	static const char *const fields[] = {"text", "title", "author", "section", "source", "lang",
	                                     "url"};
	switch (n->kind) {
	case NPK__Q_WORDS:
		if (put(b, "(WORDS ") != 0 || put(b, fields[n->field]) != 0 || put(b, " ") != 0 ||
		    format_text(b, n->text, n->len) != 0 || (n->phrase && put(b, " phrase") != 0))
			return -1;
		break;
	case NPK__Q_DATE:
		if (put(b, "(DATE") != 0 || format_day(b, n->from, INT32_MIN) != 0 ||
		    format_day(b, n->to, INT32_MAX) != 0)
			return -1;
		break;
	case NPK__Q_AND:
	case NPK__Q_OR:
	case NPK__Q_NOT:
		if (put(b, n->kind == NPK__Q_AND ? "(AND" : n->kind == NPK__Q_OR ? "(OR" : "(NOT") != 0)
			return -1;
		for (size_t i = 0; i < n->nkids; i++)
			if (put(b, " ") != 0 || format_node(n->kids[i], b) != 0)
				return -1;
		break;
	}
	return put(b, ")");
}

int npk__query_format(const npk__qnode *n, npk_buf *out, npk_error *err)
{
	if (format_node(n, out) != 0 || npk__buf_reserve(out, 1) != 0)
		return npk__fail(err, NPK_E_NOMEM, "query: out of memory");
	out->p[out->len] = 0;
	return NPK_OK;
}
