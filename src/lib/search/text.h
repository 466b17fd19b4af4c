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

/* What the terms of many texts reuse: the stemmers by language, the
 * buffers of a piece and a cache of stems and folded words. Used by one
 * thread at a time; it holds about 2.3 MiB, and a text whose NFKC outgrows
 * its buffers borrows more for the time of a piece. After an error it can
 * be used again. */
typedef struct npk__text_ctx npk__text_ctx;

/* A new context into *out, freed with npk__text_ctx_free (which accepts
 * NULL). Returns NPK_OK or NPK_E_NOMEM. */
int npk__text_ctx_new(npk__text_ctx **out, npk_error *err);
void npk__text_ctx_free(npk__text_ctx *c);

/* Emits the terms of text[0..len) for a document in language lang (as given
 * by npk__text_lang; NULL or a language without a stemmer: no stemming).
 * Any bytes are accepted. Returns NPK_OK, NPK_E_NOMEM, or NPK_E_LIMIT past
 * 2^32 terms. */
int npk__text_terms_ctx(npk__text_ctx *c, const uint8_t *text, size_t len, const char *lang,
                        npk__term_cb cb, void *ctx, npk_error *err);

/* npk__text_terms_ctx with a context of its own, for a single text. */
int npk__text_terms(const uint8_t *text, size_t len, const char *lang, npk__term_cb cb, void *ctx,
                    npk_error *err);

/* For the unit tests, which compare the fast paths with the rules they
 * stand for. plain = 1 turns off the fast paths of c (ASCII spans, the
 * cache): each piece then takes the general path of spec/search.md 2. */
void npk__text_ctx_plain(npk__text_ctx *c, int plain);

/* The first word at or after s[from] of the ASCII text s[0..n): a segment
 * of UAX #29 that holds a letter or a digit (spec/search.md 2, step 4), as
 * u8_wordbreaks cuts s. Returns its start and its end in *end, or n when
 * there is none. */
size_t npk__text_ascii_word(const uint8_t *s, size_t n, size_t from, size_t *end);

/* The versions the terms depend on, as recorded in the index:
 * "unicode=14.0.0 libunistring=1.0.0 snowball=2.2.0". Returns NPK_OK,
 * NPK_E_LIMIT when cap is too small, or NPK_E_VERSION when the Unicode
 * version of the loaded libunistring is not known. */
int npk__text_versions(char *out, size_t cap);

#endif
