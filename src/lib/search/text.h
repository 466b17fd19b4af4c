/*
 * search/text.h - the text rules that the full-text index and its queries
 * share (spec/search.md): a document's language, and the terms of a text,
 * normalised the same way on both sides. Inside the library; not installed.
 */
#ifndef NPK_SEARCH_TEXT_H
#define NPK_SEARCH_TEXT_H

#include "base/base.h"

#define NPK__TERM_MAX 64u        /* bytes of a term, spec/search.md 2 */
#define NPK__TEXT_PIECE 65536u   /* bytes normalised at once, spec/search.md 2 */
#define NPK__LANG_SCAN 65536u    /* bytes looked at to detect a language */

/* The language of a document into out ("en", "ru", ..., or "und"): the
 * primary subtag of meta_lang, lowercased, when meta_lang is a language tag;
 * else detected from the letters of the first 64 KiB of text (spec/search.md
 * 3). Returns NPK_OK. */
int npk__text_lang(const uint8_t *text, size_t len, const char *meta_lang, char out[8]);

/* Called once per term, in text order: term (NUL-terminated, len bytes of
 * valid UTF-8, 1..NPK__TERM_MAX) and its position, 0, 1, 2, ... */
typedef void (*npk__term_cb)(const char *term, size_t len, uint32_t pos, void *ctx);

/* Emits the terms of text[0..len) for a document in language lang (as given
 * by npk__text_lang; NULL or a language without a stemmer: no stemming).
 * Any bytes are accepted. Returns NPK_OK, NPK_E_NOMEM, or NPK_E_LIMIT past
 * 2^32 terms. */
int npk__text_terms(const uint8_t *text, size_t len, const char *lang, npk__term_cb cb, void *ctx,
                    npk_error *err);

/* The versions the terms depend on, as recorded in the index:
 * "unicode=14.0.0 libunistring=1.0.0 snowball=2.2.0". Returns NPK_OK,
 * NPK_E_LIMIT when cap is too small, or NPK_E_VERSION when the Unicode
 * version of the loaded libunistring is not known. */
int npk__text_versions(char *out, size_t cap);

#endif
