/*
 * search/ixread.h - reading the full-text index of spec/search.md 9: the
 * search root (body section 7) and the postings (body section 11). Every
 * size, offset and count read from the file is checked before use; memory
 * stays bounded by the root's own size plus small constants, a chunk of at
 * most 1 MiB and pages of at most 1 MiB raw (a cache of 8 term pages and 4
 * norm pages). Inside the library; not installed.
 *
 * Damage is NPK_E_DIGEST (a digest does not match) or NPK_E_FORMAT (a rule
 * of section 9 is broken), its message naming the archive, "search index"
 * and the page or chunk. The search command checks only what it reads;
 * npk__ix_verify reads and checks everything.
 */
#ifndef NPK_SEARCH_IXREAD_H
#define NPK_SEARCH_IXREAD_H

#include "base/base.h"

#define NPK__IX_MAGIC "NPKSRCH1"
#define NPK__IX_KEY_MAX 65u            /* the code byte and 64 bytes of term (9.3) */
#define NPK__IX_PAGE_RAW_MAX (1u << 20) /* raw bytes of a term page (9.2) */
#define NPK__IX_CHUNK_MAX (1u << 20)   /* bytes of a chunk (9.3) */
#define NPK__IX_CHUNK_POSTINGS 16384u  /* postings of a chunk but the last (9.3) */
#define NPK__IX_INLINE_MAX 65536u      /* bytes of inline postings (9.3) */
#define NPK__IX_NORM_DOCS 65536u       /* documents of a norm page but the last (9.5) */
#define NPK__IX_BLOCK 128u             /* postings of a full block (9.4) */
#define NPK__IX_LANGS_MAX 64u          /* language records of the root (9.2) */
#define NPK__IX_TF_MAX 65535u          /* largest frequency (9.1) */

/* Reads exactly len bytes at the absolute file offset off into buf; returns
 * NPK_OK or an NPK_E_* with err filled (NPK_E_FORMAT when the file is
 * shorter, NPK_E_IO on a failed read). */
typedef int (*npk__ix_read)(void *ctx, uint64_t off, void *buf, size_t len, npk_error *err);

typedef struct npk__ix npk__ix;

/* Opens an index: reads the root (root_len bytes at root_off), checks that
 * its H (BLAKE2b-256) equals root_digest (from the signed directory;
 * NPK_E_DIGEST otherwise), and checks every rule of 9.2 that needs no read
 * of the postings: magic, lo/hi/docs/keys/term_pages/norm_pages, codec (1
 * zlib, 2 zstd), languages, term page records (raw at most 1 MiB, first keys
 * strictly increasing) and norm page records, each page inside the
 * postings section (post_off, post_len: section 11), and nothing after
 * the last record. The caller has checked that both sections lie in the
 * file; rd reads them. name (the archive's, copied) starts every message.
 * On success *out is the index (free with npk__ix_free); rd and ctx must
 * stay valid until then. Returns NPK_OK, NPK_E_DIGEST, NPK_E_FORMAT,
 * NPK_E_NOMEM, or what rd returned. */
int npk__ix_open(npk__ix_read rd, void *ctx, uint64_t root_off, uint64_t root_len,
                 const uint8_t root_digest[32], uint64_t post_off, uint64_t post_len,
                 const char *name, npk__ix **out, npk_error *err);
/* Frees the index and its caches; NULL is allowed. */
void npk__ix_free(npk__ix *ix);

/* The root's fields (9.2): the numbers covered [lo, hi), the documents of
 * length above 0, the sum of the lengths, the number of distinct keys. */
uint64_t npk__ix_lo(const npk__ix *ix);
uint64_t npk__ix_hi(const npk__ix *ix);
uint64_t npk__ix_docs(const npk__ix *ix);
uint64_t npk__ix_total(const npk__ix *ix);
uint64_t npk__ix_keys_count(const npk__ix *ix);
/* The indexer's versions string (spec/search.md 4), NUL-terminated,
 * printable ASCII; owned by ix. */
const char *npk__ix_versions(const npk__ix *ix);
/* The number of language records (at most 64). */
size_t npk__ix_langs(const npk__ix *ix);
/* Language record i (< npk__ix_langs): its code, NUL-terminated and owned
 * by ix, and in *docs (if not NULL) the documents of that language. NULL
 * when i is out of range. */
const char *npk__ix_lang(const npk__ix *ix, size_t i, uint64_t *docs);

/* The length a norm code stands for (9.5): L(c). Up to 15 << 30, so 64 bits. */
uint64_t npk__ix_norm_length(uint8_t c);

/* One chunk record of a key (9.3), offsets within the postings section. */
typedef struct npk__ix_chunk {
	uint64_t off;             /* its first byte */
	uint64_t last;            /* its last document number minus lo */
	uint32_t len;             /* 1 to 1 MiB */
	uint8_t digest[32];
} npk__ix_chunk;

/* The postings of one key, read in document order. The caller owns the
 * struct (it may live on the stack) and frees what it holds with
 * npk__postings_free; the fields below df are the iterator's own. */
typedef struct npk__postings {
	uint64_t df;              /* documents with the key; 0: the key is absent */
	/* -- private -- */
	npk__ix *ix;
	uint8_t key[NPK__IX_KEY_MAX];
	size_t klen;
	uint8_t *inl;             /* inline postings (chunks == 0), a copy */
	size_t inl_len;
	npk__ix_chunk *ch;        /* chunk records (chunks > 0) */
	uint64_t nchunks;
	uint8_t *buf;             /* the chunk being read */
	size_t buf_cap;
	uint64_t run_next;        /* the next run to load: 0 .. runs */
	int in_run;               /* a run is loaded */
	const uint8_t *rp;        /* the run's bytes, len, and read offset */
	size_t rlen, roff;
	uint64_t left;            /* postings of the run not yet decoded */
	uint64_t next;            /* prev + 1 (9.4), relative to lo */
	uint32_t doc[NPK__IX_BLOCK], tf[NPK__IX_BLOCK];
	unsigned bn, bi;          /* postings of the decoded block, and the next one */
	int dead;                 /* the NPK_E_* of the damage found, or 0 */
	int have_cur;             /* cur_doc, cur_tf: the posting last returned */
	uint64_t cur_doc;
	uint32_t cur_tf;
} npk__postings;

/* The postings of key[0..len) (the field code byte then the term). Finds
 * the one term page that may hold the key (binary search on the root's
 * first keys), reads it, checks its digest and decodes and checks it whole
 * (9.3; an LRU cache keeps the last 8 pages decoded). p->df = 0 when the key
 * is absent, which is no error. p needs npk__postings_free afterwards,
 * whatever the result. Returns NPK_OK, damage (NPK_E_DIGEST, NPK_E_FORMAT),
 * NPK_E_NOMEM or what the read callback returned. */
int npk__ix_lookup(npk__ix *ix, const uint8_t *key, size_t len, npk__postings *p,
                   npk_error *err);
/* The next posting in document order: 1 with *doc (absolute: lo + ...) and
 * *tf (1 to 65535); 0 after the last; a negative NPK_E_* code (-NPK_E_DIGEST,
 * -NPK_E_FORMAT, ...) with err filled on damage or a failed read. Each chunk
 * is read and checked (digest, 9.4) when reached; after damage every call
 * fails again. */
int npk__postings_next(npk__postings *p, uint64_t *doc, uint32_t *tf, npk_error *err);
/* The rest of the decoded block of postings, at once: 1 with docs[0..n)
 * (relative: minus lo, increasing) and their tfs, valid until the next
 * call on p; then 0 and the errors as npk__postings_next, with which it
 * may be mixed (the block's last posting counts as the last returned). */
int npk__postings_block(npk__postings *p, const uint32_t **docs, const uint32_t **tfs,
                        size_t *n, npk_error *err);
/* Moves to the first posting with a document >= target and returns it as
 * npk__postings_next does; the posting last returned counts, so that
 * seeking to a document at or before it returns it again. Chunks whose
 * last document lies below target are skipped without being read. */
int npk__postings_seek(npk__postings *p, uint64_t target, uint64_t *doc, uint32_t *tf,
                       npk_error *err);
/* Skips the chunks whose last document lies below target (absolute), without
 * reading them: the next posting returned (next, block) is the first of the
 * chunk that may hold target, or, when the chunk being read may, the one it
 * would have been. Returns nothing: it reads nothing, so fails on nothing. */
void npk__postings_skip(npk__postings *p, uint64_t target);
/* Frees what p holds (not p); a zeroed p, or one freed already, is fine. */
void npk__postings_free(npk__postings *p);

/* Calls cb for every key k with from <= k <= to (bytewise), in key order,
 * with its df (for date ranges: keys of field 8). cb returns nonzero to
 * stop. Returns NPK_OK (also when cb stopped), or the error of a page. */
int npk__ix_keys(npk__ix *ix, const uint8_t *from, size_t flen, const uint8_t *to, size_t tlen,
                 int (*cb)(void *ctx, const uint8_t *key, size_t len, uint64_t df), void *ctx,
                 npk_error *err);

/* The length of document doc, L(code) of 9.5, into *len (0 outside
 * [lo, hi)). Reads the norm page (checked: digest, exact raw size) unless
 * one of the last 32 read holds it. Returns NPK_OK or the page's error. */
int npk__ix_length(npk__ix *ix, uint64_t doc, uint64_t *len, npk_error *err);
/* The norm page holding document rel (minus lo): its codes (9.5), for the
 * documents first .. first + count - 1 (minus lo), valid until the next
 * norm page is read; *codes = NULL when rel >= hi - lo. Errors as
 * npk__ix_length. */
int npk__ix_norms(npk__ix *ix, uint64_t rel, const uint8_t **codes, uint64_t *first,
                  uint64_t *count, npk_error *err);
/* Reads and decodes every norm page not cached yet, on two threads when
 * threads >= 2, so that a query's scoring finds them all cached: when the
 * index has 2 to 32 of them (the cache's size) and the query will score
 * text. A page that fails is left out, to fail when it is needed. */
void npk__ix_norms_ahead(npk__ix *ix, int threads);

/* Reads and checks everything: every term page, chunk and norm page against
 * its digest and 9.3-9.5 (each key's postings decoded whole), the number of
 * keys, the tiling of 9.6 (each piece where the one before it ended, the
 * last ending the section), docs (the norms above 0) and total (within
 * the bounds the codes allow). Calls report(ctx, message) for each problem
 * (message names the page or chunk, without the archive's name: "search
 * index: term page 12 (keys from \"\x01clim\") does not match its
 * digest"; report may be NULL), continuing past a damaged page or chunk;
 * *problems gets their
 * number. Returns NPK_OK whatever the problems, or NPK_E_NOMEM / an I/O
 * error of the read callback (then *problems counts those found so far). */
int npk__ix_verify(npk__ix *ix, void (*report)(void *ctx, const char *msg), void *ctx,
                   uint64_t *problems, npk_error *err);

#endif
