/* fuzz_query.c - the query language of search (spec/search.md 8): any
 * input either fails with NPK_E_ARG and no tree, or gives a tree that
 * keeps the rules (AND and OR of two kids or more and none of their own
 * kind, NOT of one, every NOT beside a term that is not negated, texts of
 * valid UTF-8, dates in order, at most 64 words, 16 levels). The tree is
 * then written back as a query, which must parse to the same tree. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "meta/meta.h"
#include "search/query.h"

/* The words of s[0..n) between ASCII white space. */
static size_t words_of(const char *s, size_t n)
{
	size_t w = 0;
	for (size_t i = 0; i < n; i++) {
		int sp = s[i] == ' ' || (s[i] >= 0x09 && s[i] <= 0x0D);
		int prev = i == 0 || s[i - 1] == ' ' || (s[i - 1] >= 0x09 && s[i - 1] <= 0x0D);
		w += !sp && prev;
	}
	return w; /* fewer when U+00A0 or U+3000 separate words too */
}

/* Checks n; adds its words to *words. */
static void check(const npk__qnode *n, const npk__qnode *parent, size_t *words, unsigned depth)
{
	if (depth > 3 * NPK__QUERY_DEPTH + 3)
		abort();
	switch (n->kind) {
	case NPK__Q_WORDS:
		if (n->text == NULL || n->len == 0 || strlen(n->text) != n->len || n->nkids != 0 ||
		    !npk__utf8_ok((const uint8_t *)n->text, n->len) || n->field > NPK__F_URL)
			abort();
		*words += n->phrase ? words_of(n->text, n->len) : 1;
		return;
	case NPK__Q_DATE:
		if (n->from > n->to || (n->from == INT32_MIN && n->to == INT32_MAX) || n->nkids != 0)
			abort();
		*words += 1;
		return;
	case NPK__Q_NOT:
		if (n->nkids != 1 || parent == NULL || parent->kind != NPK__Q_AND)
			abort();
		break;
	case NPK__Q_AND:
	case NPK__Q_OR:
		if (n->nkids < 2)
			abort();
		for (size_t i = 0; i < n->nkids; i++)
			if (n->kids[i]->kind == n->kind)
				abort();
		if (n->kind == NPK__Q_AND) {
			size_t pos = 0;
			for (size_t i = 0; i < n->nkids; i++)
				pos += n->kids[i]->kind != NPK__Q_NOT;
			if (pos == 0)
				abort();
		}
		break;
	}
	for (size_t i = 0; i < n->nkids; i++)
		check(n->kids[i], n, words, depth + 1);
}

/* 8.4, backwards: day d as YYYY-MM-DD (H. Hinnant's civil_from_days). */
static void day_put(npk_buf *b, int32_t d)
{
	long z = (long)d + 719468;
	long era = (z >= 0 ? z : z - 146096) / 146097;
	long doe = z - era * 146097;
	long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long y = yoe + era * 400;
	long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long mp = (5 * doy + 2) / 153;
	long day = doy - (153 * mp + 2) / 5 + 1;
	long m = mp < 10 ? mp + 3 : mp - 9;
	char s[32];
	int k = snprintf(s, sizeof s, "%04ld-%02ld-%02ld", y + (m <= 2), m, day);
	npk__buf_put(b, s, (size_t)k);
}

/* n written as a query that means the same. */
static void unparse(const npk__qnode *n, npk_buf *b)
{
	static const char *const fields[] = {"", "title:", "author:", "section:", "source:",
	                                     "lang:", "url:"};
	switch (n->kind) {
	case NPK__Q_WORDS:
		npk__buf_put(b, fields[n->field], strlen(fields[n->field]));
		if (n->phrase)
			npk__buf_u8(b, '"');
		npk__buf_put(b, n->text, n->len);
		if (n->phrase)
			npk__buf_u8(b, '"');
		return;
	case NPK__Q_DATE:
		npk__buf_put(b, "date:", 5);
		if (n->from != INT32_MIN)
			day_put(b, n->from);
		npk__buf_put(b, "..", 2);
		if (n->to != INT32_MAX)
			day_put(b, n->to);
		return;
	case NPK__Q_NOT: {
		/* "-" would join a word beginning with "-" ("--x" is a word) */
		const npk__qnode *k = n->kids[0];
		int group = k->kind == NPK__Q_AND || k->kind == NPK__Q_OR;
		int word = k->kind == NPK__Q_WORDS && !k->phrase && k->field == NPK__F_TEXT;
		if (word && k->text[0] == '-')
			npk__buf_put(b, "NOT ", 4);
		else
			npk__buf_u8(b, '-');
		if (group)
			npk__buf_u8(b, '(');
		unparse(k, b);
		if (group)
			npk__buf_u8(b, ')');
		return;
	}
	case NPK__Q_AND:
	case NPK__Q_OR:
		for (size_t i = 0; i < n->nkids; i++) {
			const npk__qnode *k = n->kids[i];
			int group = n->kind == NPK__Q_AND && k->kind == NPK__Q_OR;
			if (i > 0)
				npk__buf_put(b, n->kind == NPK__Q_AND ? " " : " OR ",
				             n->kind == NPK__Q_AND ? 1 : 4);
			if (group)
				npk__buf_u8(b, '(');
			unparse(k, b);
			if (group)
				npk__buf_u8(b, ')');
		}
		return;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static npk__qnode unset;
	npk__qnode *n = &unset, *again = NULL;
	npk_error err;
	int rc = npk__query_parse((const char *)data, size, &n, &err);
	if (rc != NPK_OK) {
		if (rc != NPK_E_ARG || n != NULL || strncmp(err.msg, "query: ", 7) != 0)
			abort();
		return 0;
	}
	size_t words = 0;
	check(n, NULL, &words, 0);
	if (n->kind == NPK__Q_NOT)
		abort();
	const npk__qnode *leaves[NPK__QUERY_WORDS];
	size_t count = npk__query_leaves(n, leaves, NPK__QUERY_WORDS);
	if (words > NPK__QUERY_WORDS || count == 0 || count > words)
		abort();

	npk_buf s1 = {0}, s2 = {0}, text = {0};
	if (npk__query_format(n, &s1, &err) != NPK_OK)
		abort();
	unparse(n, &text);
	/* the same tree written back; a long one may pass the byte limit
	 * (dates are written whole) and is not compared */
	if (text.p != NULL && text.len <= NPK__QUERY_MAX) {
		rc = npk__query_parse((const char *)text.p, text.len, &again, &err);
		if (rc != NPK_OK) {
			fprintf(stderr, "fuzz_query: %.*s\n  gave %s\n  written back as %.*s: %s\n",
			        (int)size, (const char *)data, (const char *)s1.p, (int)text.len,
			        (const char *)text.p, err.msg);
			abort();
		}
		if (npk__query_format(again, &s2, &err) != NPK_OK || strcmp((const char *)s1.p,
		                                                            (const char *)s2.p) != 0) {
			fprintf(stderr, "fuzz_query: %s\n  written back: %.*s\n  gave %s\n",
			        (const char *)s1.p, (int)text.len, (const char *)text.p,
			        s2.p ? (const char *)s2.p : "(none)");
			abort();
		}
	}
	npk__buf_free(&s1);
	npk__buf_free(&s2);
	npk__buf_free(&text);
	npk__query_free(again);
	npk__query_free(n);
	return 0;
}
