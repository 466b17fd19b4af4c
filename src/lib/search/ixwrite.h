/*
 * search/ixwrite.h - writes the full-text index of spec/search.md 9: the
 * postings (body section 11) and the search root (body section 7). Inside
 * the library; not installed.
 *
 * Documents are given in increasing number; their text is taken, cut into
 * terms and counted by worker threads, and inverted in order by the
 * caller's thread into runs of bounded memory, written sorted to scratch
 * files and merged at the end. The bytes depend only on the documents, not
 * on the number of threads.
 */
#ifndef NPK_SEARCH_IXWRITE_H
#define NPK_SEARCH_IXWRITE_H

#include "base/base.h"

#define NPK__IX_ROOT_TYPE 7u        /* spec/format.md 15.6 */
#define NPK__IX_POSTINGS_TYPE 11u
#define NPK__IX_MEM_DEFAULT (16u << 20)

typedef struct npk__ixw npk__ixw;

typedef struct npk__ixw_opts {
	uint64_t lo;            /* the first document number covered */
	unsigned codec;         /* of the pages: 0 none, 1 zlib, 2 zstd */
	int level;              /* its level; 0: the codec's default */
	int threads;            /* workers; 0 or 1: in the caller's thread */
	size_t mem;             /* the inverted postings' budget; 0: NPK__IX_MEM_DEFAULT */
} npk__ixw_opts;

/* Where the two sections went (offsets in the file) and their digests. */
typedef struct npk__ixw_result {
	uint64_t root_off, root_len, post_off, post_len;
	uint8_t root_digest[32], post_digest[32];
	uint64_t docs, keys, truncated;
} npk__ixw_result;

int npk__ixw_new(const npk__ixw_opts *o, npk__ixw **out, npk_error *err);

/* Document number doc (above every number given before, at least lo):
 * its bytes (at most NPK__INDEX_DOC_MAX are read; *truncated counts those
 * cut), its media type and its encoded metadata list (format.md 5.5), all
 * copied. */
int npk__ixw_doc(npk__ixw *x, uint64_t doc, const uint8_t *bytes, size_t len, int truncated,
                 const char *media, const uint8_t *meta_enc, size_t meta_len, npk_error *err);

/* Writes the postings section, then the root, through emit, the first at
 * file offset at; the index covers [lo, hi). */
typedef int (*npk__ixw_emit)(void *ctx, const void *p, size_t len, npk_error *err);
int npk__ixw_finish(npk__ixw *x, uint64_t hi, uint64_t at, npk__ixw_emit emit, void *ctx,
                    npk__ixw_result *res, npk_error *err);

void npk__ixw_free(npk__ixw *x);

/* 9.5: the norm code of a length, and the length of a code. */
uint8_t npk__ix_norm_code(uint64_t len);
uint64_t npk__ix_norm_len(uint8_t c);

#endif
