/*
 * search/query.h - the query language of full-text search (spec/search.md
 * 8): a query's text parsed into a tree of words, phrases, fields and dates
 * joined by AND, OR and NOT. Parsing only: the search evaluates the tree.
 * Inside the library; not installed.
 */
#ifndef NPK_SEARCH_QUERY_H
#define NPK_SEARCH_QUERY_H

#include "base/base.h"

#define NPK__QUERY_MAX 4096u     /* bytes of a query, spec/search.md 8.6 */
#define NPK__QUERY_WORDS 64u     /* words and dates of a query */
#define NPK__QUERY_DEPTH 16u     /* parentheses and negations nested */

typedef enum { NPK__Q_WORDS, NPK__Q_DATE, NPK__Q_AND, NPK__Q_OR, NPK__Q_NOT } npk__qkind;
/* Where WORDS are looked for; NPK__F_TEXT: the body and the title both. */
typedef enum {
	NPK__F_TEXT, NPK__F_TITLE, NPK__F_AUTHOR, NPK__F_SECTION, NPK__F_SOURCE, NPK__F_LANG,
	NPK__F_URL
} npk__qfield;

typedef struct npk__qnode {
	npk__qkind kind;
	npk__qfield field;          /* WORDS */
	int phrase;                 /* WORDS: it was "quoted": its words are consecutive */
	char *text;                 /* WORDS: the words as typed (UTF-8, NUL-terminated), */
	size_t len;                 /* without the field and the quotes */
	int32_t from, to;           /* DATE: inclusive, days since 1970-01-01 (proleptic
	                             * Gregorian); an open end is INT32_MIN / INT32_MAX */
	struct npk__qnode **kids;   /* AND, OR: 2 or more, none of the same kind; NOT: 1 */
	size_t nkids;
	size_t at;                  /* the byte of the query where the node begins */
} npk__qnode;

/* Parses the query q[0..len) (spec/search.md 8) into *out, which the caller
 * frees with npk__query_free. Returns NPK_OK; NPK_E_ARG for a query that
 * breaks a rule or a limit, with a message saying what and at which byte
 * ("query: unclosed quote at byte 12"); NPK_E_NOMEM. *out is NULL on
 * failure. A query longer than NPK__QUERY_MAX bytes is refused before
 * anything is read or allocated. */
int npk__query_parse(const char *q, size_t len, npk__qnode **out, npk_error *err);

/* Frees a tree from npk__query_parse; NULL is allowed. */
void npk__query_free(npk__qnode *n);

/* The WORDS and DATE leaves of n, in the order they were typed: fills
 * out[0..cap) and returns how many there are (at most NPK__QUERY_WORDS for
 * a parsed query). */
size_t npk__query_leaves(const npk__qnode *n, const npk__qnode **out, size_t cap);

/* Appends the canonical S-expression of n to out, NUL-terminated (the NUL
 * not counted in out->len), for tests and debugging:
 *   (AND (WORDS text "a") (NOT (WORDS title "b c" phrase)) (DATE 20089 20178))
 * A field is named as in a query ("text" for NPK__F_TEXT); in a text, \ and
 * " are escaped with \ and bytes below 0x20 and 0x7F are written \xHH; an
 * open end of a DATE is *. Returns NPK_OK or NPK_E_NOMEM. */
int npk__query_format(const npk__qnode *n, npk_buf *out, npk_error *err);

#endif
