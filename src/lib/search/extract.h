/*
 * search/extract.h - the text of a document that the full-text index takes
 * its terms from (spec/search.md 7): visible text of HTML pages, Markdown
 * without its front matter and link targets, the pages of a WARC, plain
 * text decoded to UTF-8. Inside the library; not installed.
 */
#ifndef NPK_SEARCH_EXTRACT_H
#define NPK_SEARCH_EXTRACT_H

#include "base/base.h"

#define NPK__INDEX_DOC_MAX (16u << 20)   /* bytes of a document looked at */

/* The indexable text of a document (bytes doc[0..len), media type as newspack stores it, e.g.
 * "text/html; charset=..." or "text/plain"), appended to out as UTF-8 (invalid bytes may
 * remain; the tokenizer copes). Only the first NPK__INDEX_DOC_MAX bytes of doc are looked at,
 * and at most NPK__INDEX_DOC_MAX bytes are appended; a type that carries no text (an image,
 * a PDF, NULL) appends nothing. out belongs to the caller; on failure it may hold part of the
 * text. Returns NPK_OK, NPK_E_NOMEM. Never fails on content. */
int npk__search_text(const uint8_t *doc, size_t len, const char *media_type, npk_buf *out,
                     npk_error *err);

/* A document's text (npk__search_text, appended to out) and its language
 * into lang (spec/search.md 3: its language metadata, else detected from
 * the text): what the index takes, and what a search checks a phrase on.
 * meta may be NULL. Returns as npk__search_text. */
int npk__search_doc(const uint8_t *doc, size_t len, const char *media_type,
                    const struct npk_meta *meta, npk_buf *out, char lang[8], npk_error *err);

/* An npk_sink (newspack.h) that keeps the first NPK__INDEX_DOC_MAX bytes
 * of a content in *b, read whole (each cluster checked) and the rest
 * dropped; nomem is set when b cannot grow. */
typedef struct npk__text_sink {
	npk_buf *b;
	int nomem;
} npk__text_sink;
int npk__text_sink_take(const uint8_t *p, size_t len, void *ctx);

#endif
