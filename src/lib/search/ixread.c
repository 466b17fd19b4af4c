/*
 * ixread.c - the reader of the full-text index (spec/search.md 9): the
 * root (9.2), term pages (9.3), postings (9.4), norm pages (9.5) and, for
 * verify, the tiling of the postings section (9.6).
 *
 * The file is hostile until checked: the root is checked against the
 * directory's digest and then field by field before anything it names is
 * read; each page and chunk against the digest the root or a term page
 * holds before it is decoded. A term page is checked whole when it is
 * first decoded, so later walks over a cached page need no new checks of
 * its structure (they still read through bounds-checked cursors).
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "format/format.h"
#include "search/ixread.h"

/* Term pages kept decoded with the reader from one search to the next:
 * every page of an index of up to TERM_CACHE_MAX of them (about 64 KiB
 * each: 32 MiB), else that many, the least recently used let go. A server
 * answering searches never asked before looks up terms all over the
 * dictionary: with the pages kept, a lookup decodes none. */
#define TERM_CACHE_MIN 32
#define TERM_CACHE_MAX 512
#define NORM_CACHE 32            /* 2 MiB decoded: 2,097,152 documents' norms */
/* A page record of the root takes at least this many bytes: u64 offset,
 * u32 stored, u32 raw, digest, u8 first_len and one byte of key. */
#define TERM_REC_MIN (8 + 4 + 4 + 32 + 1 + 1)
#define NORM_REC 48
#define ROOT_FIXED 64

/* A page of the postings section, as the root describes it. */
typedef struct ixpage {
	uint64_t off;             /* within the postings section */
	uint32_t stored, raw;
	const uint8_t *digest;    /* into ix->root */
	const uint8_t *first;     /* term pages: the first key, into ix->root */
	uint8_t first_len;
} ixpage;

/* A place to start decoding a term page's records from, every SNAP_EVERY
 * records: the keys are front-coded (9.3), so record k needs the key
 * before it. Lookups search these, then decode at most SNAP_EVERY records,
 * instead of every record before the key. */
#define SNAP_EVERY 16u
typedef struct ixsnap {
	uint32_t off;             /* of record k in the page */
	uint32_t k;
	uint8_t plen, klen;       /* the key before it (none for k = 0), and its own */
	uint8_t prev[NPK__IX_KEY_MAX], key[NPK__IX_KEY_MAX];
} ixsnap;

typedef struct ixslot {
	uint8_t *raw;             /* NULL: empty */
	size_t len;
	uint32_t page;
	uint32_t count;           /* term pages: the records */
	uint64_t used;            /* LRU stamp */
	ixsnap *snaps;            /* term pages: every SNAP_EVERY-th record's */
	uint32_t nsnaps;
} ixslot;

struct npk__ix {
	npk__ix_read rd;
	void *ctx;
	char *name;
	uint64_t post_off, post_len;
	uint8_t *root;
	size_t root_len;
	uint64_t lo, hi, n, docs, total, keys;
	uint32_t term_pages, norm_pages;
	unsigned codec;
	char versions[256];
	size_t nlangs;
	char lang[NPK__IX_LANGS_MAX][9];
	uint64_t lang_docs[NPK__IX_LANGS_MAX];
	ixpage *tp, *np;
	npk_decoder *dec;
	ixslot *tcache, ncache[NORM_CACHE];
	size_t tslots;            /* of tcache */
	uint64_t tick;
};

/* ---- Small helpers ---- */

/* key as printable ASCII for messages: other bytes, '"' and '\' as \xNN;
 * at most 40 bytes of it, then "...". */
static const char *key_print(const uint8_t *key, size_t len, char out[200])
{
	size_t o = 0;
	for (size_t i = 0; i < len && i < 40; i++) {
		uint8_t b = key[i];
		if (b >= 0x20 && b < 0x7f && b != '"' && b != '\\')
			out[o++] = (char)b;
		else
			o += (size_t)snprintf(out + o, 5, "\\x%02x", b);
	}
	if (len > 40) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = 0;
	return out;
}

/* "search index: term page 12 (keys from "\x01clim")" */
static const char *term_what(const npk__ix *ix, uint32_t i, char out[260])
{
	char k[200];
	snprintf(out, 260, "search index: term page %" PRIu32 " (keys from \"%s\")", i,
	         key_print(ix->tp[i].first, ix->tp[i].first_len, k));
	return out;
}

static int cmp_keys(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);
	if (c != 0)
		return c;
	return alen < blen ? -1 : alen > blen;
}

enum { VARINT_OK, VARINT_SHORT, VARINT_BIG, VARINT_LONG };

/* 9: unsigned LEB128, at most 10 bytes and 2^64 - 1, minimal. */
static int cur_varint(npk_cur *c, uint64_t *v)
{
	uint64_t x = 0;
	for (unsigned i = 0; i < 10; i++) {
		const uint8_t *b = npk__cur_take(c, 1);
		if (b == NULL)
			return VARINT_SHORT;
		if (i == 9 && *b > 1)
			return VARINT_BIG;   /* above 2^64 - 1, or an 11th byte follows */
		x |= (uint64_t)(*b & 0x7f) << (7 * i);
		if (!(*b & 0x80)) {
			if (i > 0 && *b == 0)
				return VARINT_LONG;
			*v = x;
			return VARINT_OK;
		}
	}
	return VARINT_BIG;
}

static const char *varint_why(int r)
{
	switch (r) {
	case VARINT_SHORT: return "a varint runs past the end";
	case VARINT_BIG: return "a varint is longer than 10 bytes or above 2^64 - 1";
	case VARINT_LONG: return "a varint is not minimal (a final 0x00 byte)";
	default: return "bad varint";
	}
}

/* The message of a failure of ix: "NAME: WHAT: ...". */
#define IX_FAIL(ix, err, code, what, fmt, ...) \
	npk__fail((err), (code), "%s: %s: " fmt, (ix)->name, (what), __VA_ARGS__)

uint64_t npk__ix_norm_length(uint8_t c)
{
	if (c < 16)
		return c;
	return (uint64_t)(8 + c % 8) << (c / 8 - 1);
}

/* ---- Reading pages ---- */

/* The bytes of a page at off (of the postings), checked against digest
 * and decoded to exactly raw bytes (9.2): a new buffer in *out. */
static int page_load_with(const npk__ix *ix, npk_decoder *dec, const ixpage *pg,
                          const char *what, uint8_t **out, npk_error *err)
{
	*out = NULL;
	uint8_t *st = malloc(pg->stored);
	uint8_t *raw = malloc(pg->raw ? pg->raw : 1);
	int rc = NPK_OK;
	if (st == NULL || raw == NULL) {
		rc = npk__fail(err, NPK_E_NOMEM, "%s: %s: out of memory", ix->name, what);
		goto done;
	}
	NPK_FORWARD_GOTO(rc, ix->rd(ix->ctx, ix->post_off + pg->off, st, pg->stored, err), done);
	uint8_t h[32];
	npk__digest(st, pg->stored, h);
	if (!npk__digest_same(h, pg->digest)) {
		rc = npk__fail(err, NPK_E_DIGEST, "%s: %s does not match its digest", ix->name, what);
		goto done;
	}
	char w[600];
	snprintf(w, sizeof w, "%s: %s", ix->name, what);
	NPK_FORWARD_GOTO(rc, npk__decompress(dec, ix->codec, st, pg->stored, raw, pg->raw, w, err),
	                 done);
	*out = raw;
	raw = NULL;
done:
	free(st);
	free(raw);
	return rc;
}

static int page_load(npk__ix *ix, const ixpage *pg, const char *what, uint8_t **out,
                     npk_error *err)
{
	return page_load_with(ix, ix->dec, pg, what, out, err);
}

/* One term record (9.3), read at c after the record whose key r holds. */
typedef struct ixrec {
	uint8_t key[NPK__IX_KEY_MAX];
	size_t klen;
	uint64_t df, chunks;
	const uint8_t *inl;       /* chunks == 0 */
	size_t inl_len;
	uint64_t chunk_off;       /* chunks > 0: the first chunk's offset */
	const uint8_t *crec;      /* and the chunk records, 44 bytes at most each */
	size_t crec_len;
} ixrec;

/* Reads the chunk record at c (9.3) into ch, after the one in prev (NULL
 * for the first), at *pos in the postings. NULL or a reason. */
static const char *chunk_rec(const npk__ix *ix, npk_cur *c, const npk__ix_chunk *prev,
                             uint64_t *pos, npk__ix_chunk *ch)
{
	uint64_t len = 0, last = 0;
	int v;
	if ((v = cur_varint(c, &len)) != VARINT_OK || (v = cur_varint(c, &last)) != VARINT_OK)
		return varint_why(v);
	const uint8_t *d = npk__cur_take(c, 32);
	if (d == NULL)
		return "a chunk record runs past the end";
	if (len == 0 || len > NPK__IX_CHUNK_MAX)
		return "a chunk's len is not 1 to 1 MiB";
	if (last >= ix->n)
		return "a chunk's last document is not below hi";
	if (prev != NULL && last <= prev->last)
		return "chunk last values do not increase";
	uint64_t end;
	if (!npk__add64(*pos, len, &end) || end > ix->post_len)
		return "a chunk lies outside the postings section";
	ch->off = *pos;
	ch->len = (uint32_t)len;
	ch->last = last;
	memcpy(ch->digest, d, 32);
	*pos = end;
	return NULL;
}

/* Reads the record at c into r, whose key is the previous record's (first:
 * none). Checks what 9.3 asks of one record. NULL or a reason. */
static const char *rec_next(const npk__ix *ix, npk_cur *c, ixrec *r, int first)
{
	uint8_t shared = npk__cur_u8(c), slen = npk__cur_u8(c);
	if (c->bad)
		return "a term record runs past the end";
	if (first && shared != 0)
		return "the first key shares bytes with none";
	if (shared > r->klen)
		return "a key shares more bytes than the previous key has";
	if ((unsigned)shared + slen < 2 || (unsigned)shared + slen > NPK__IX_KEY_MAX)
		return "a key is not 2 to 65 bytes";
	const uint8_t *s = npk__cur_take(c, slen);
	if (s == NULL)
		return "a key runs past the end";
	uint8_t key[NPK__IX_KEY_MAX];
	memcpy(key, r->key, shared);
	memcpy(key + shared, s, slen);
	size_t klen = (size_t)shared + slen;
	if (!first && cmp_keys(key, klen, r->key, r->klen) <= 0)
		return "keys do not strictly increase";
	memcpy(r->key, key, klen);
	r->klen = klen;
	int v;
	if ((v = cur_varint(c, &r->df)) != VARINT_OK || (v = cur_varint(c, &r->chunks)) != VARINT_OK)
		return varint_why(v);
	if (r->df == 0 || r->df > ix->n)
		return "a key's df is not 1 to hi - lo";
	if (r->chunks == 0) {
		uint64_t len = 0;
		if ((v = cur_varint(c, &len)) != VARINT_OK)
			return varint_why(v);
		if (len > NPK__IX_INLINE_MAX)
			return "inline postings longer than 65536 bytes";
		r->inl = npk__cur_take(c, (size_t)len);
		r->inl_len = (size_t)len;
		if (r->inl == NULL)
			return "inline postings run past the end";
		return NULL;
	}
	if (r->chunks != (r->df - 1) / NPK__IX_CHUNK_POSTINGS + 1)
		return "a key's chunks is not ceil(df / 16384)";
	if ((v = cur_varint(c, &r->chunk_off)) != VARINT_OK)
		return varint_why(v);
	size_t at = c->off;
	uint64_t pos = r->chunk_off;
	npk__ix_chunk prev, ch;
	for (uint64_t j = 0; j < r->chunks; j++) {
		const char *why = chunk_rec(ix, c, j ? &prev : NULL, &pos, &ch);
		if (why != NULL)
			return why;
		prev = ch;
	}
	r->crec = c->p + at;
	r->crec_len = c->off - at;
	return NULL;
}

/* Checks a decoded term page i whole (9.3); *count gets its records and
 * *snaps (*nsnaps of them, malloc'd) the places to start decoding from. */
static int term_check(npk__ix *ix, uint32_t i, const uint8_t *raw, size_t len, uint32_t *count,
                      ixsnap **snaps, uint32_t *nsnaps, npk_error *err)
{
	char what[260];
	npk_cur c;
	npk__cur_init(&c, raw, len);
	uint32_t n = npk__cur_u32(&c);
	if (c.bad || n == 0)
		return IX_FAIL(ix, err, NPK_E_FORMAT, term_what(ix, i, what), "%s",
		               "no count, or a count of 0");
	/* n records of 2 bytes at least: no more snaps than the page allows */
	if (n > len / 2)
		return IX_FAIL(ix, err, NPK_E_FORMAT, term_what(ix, i, what),
		               "a count of %" PRIu32 " records in %zu bytes", n, len);
	ixsnap *sv = malloc(((n - 1) / SNAP_EVERY + 1) * sizeof *sv);
	NPK_FAIL_IF(sv == NULL, err, NPK_E_NOMEM, "search index: out of memory");
	const ixpage *pg = &ix->tp[i], *next = i + 1 < ix->term_pages ? &ix->tp[i + 1] : NULL;
	ixrec r;
	r.klen = 0;
	for (uint32_t k = 0; k < n; k++) {
		ixsnap *sn = k % SNAP_EVERY == 0 ? &sv[k / SNAP_EVERY] : NULL;
		if (sn != NULL) {
			sn->off = (uint32_t)c.off;
			sn->k = k;
			sn->plen = (uint8_t)r.klen;
			memcpy(sn->prev, r.key, r.klen);
		}
		const char *why = rec_next(ix, &c, &r, k == 0);
		if (why == NULL && sn != NULL) {
			sn->klen = (uint8_t)r.klen;
			memcpy(sn->key, r.key, r.klen);
		}
		if (why == NULL && k == 0 && cmp_keys(r.key, r.klen, pg->first, pg->first_len) != 0)
			why = "the first key is not the page's first key in the root";
		if (why == NULL && next != NULL &&
		    cmp_keys(r.key, r.klen, next->first, next->first_len) >= 0)
			why = "a key is not below the next page's first key";
		if (why != NULL) {
			free(sv);
			return IX_FAIL(ix, err, NPK_E_FORMAT, term_what(ix, i, what),
			               "record %" PRIu32 ": %s", k, why);
		}
	}
	if (npk__cur_left(&c) != 0) {
		free(sv);
		return IX_FAIL(ix, err, NPK_E_FORMAT, term_what(ix, i, what),
		               "%zu bytes after the last record", npk__cur_left(&c));
	}
	*count = n;
	*snaps = sv;
	*nsnaps = (n - 1) / SNAP_EVERY + 1;
	return NPK_OK;
}

/* The slot of a cache holding page, or NULL. */
static ixslot *cache_find(npk__ix *ix, ixslot *cache, size_t slots, uint32_t page)
{
	for (size_t s = 0; s < slots; s++)
		if (cache[s].raw != NULL && cache[s].page == page) {
			cache[s].used = ++ix->tick;
			return &cache[s];
		}
	return NULL;
}

/* Puts raw (taken) into the least recently used slot. */
static ixslot *cache_put(npk__ix *ix, ixslot *cache, size_t slots, uint32_t page, uint8_t *raw,
                         size_t len)
{
	ixslot *v = &cache[0];
	for (size_t s = 1; s < slots; s++)
		if (cache[s].raw == NULL || (v->raw != NULL && cache[s].used < v->used))
			v = &cache[s];
	free(v->raw);
	free(v->snaps);
	v->raw = raw;
	v->len = len;
	v->page = page;
	v->count = 0;
	v->snaps = NULL;
	v->nsnaps = 0;
	v->used = ++ix->tick;
	return v;
}

/* Term page i, read, checked and decoded, from the cache or the file. */
static int term_page(npk__ix *ix, uint32_t i, ixslot **out, npk_error *err)
{
	if ((*out = cache_find(ix, ix->tcache, ix->tslots, i)) != NULL)
		return NPK_OK;
	char what[260];
	uint8_t *raw = NULL;
	NPK_FORWARD(page_load(ix, &ix->tp[i], term_what(ix, i, what), &raw, err));
	uint32_t count = 0, nsnaps = 0;
	ixsnap *snaps = NULL;
	int rc = term_check(ix, i, raw, ix->tp[i].raw, &count, &snaps, &nsnaps, err);
	if (rc != NPK_OK) {
		free(raw);
		return rc;
	}
	*out = cache_put(ix, ix->tcache, ix->tslots, i, raw, ix->tp[i].raw);
	(*out)->count = count;
	(*out)->snaps = snaps;
	(*out)->nsnaps = nsnaps;
	return NPK_OK;
}

/* The last term page whose first key is <= key; -1 when none. */
static int64_t page_for(const npk__ix *ix, const uint8_t *key, size_t len)
{
	int64_t a = 0, b = (int64_t)ix->term_pages;   /* the answer is in [a - 1, b) */
	while (a < b) {
		int64_t m = a + (b - a) / 2;
		if (cmp_keys(ix->tp[m].first, ix->tp[m].first_len, key, len) <= 0)
			a = m + 1;
		else
			b = m;
	}
	return a - 1;
}

/* ---- Opening: the root (9.2) ---- */

static int root_langs(npk__ix *ix, npk_cur *c, unsigned langs, npk_error *err)
{
	uint64_t sum = 0;
	for (unsigned i = 0; i < langs; i++) {
		const uint8_t *code = npk__cur_take(c, 8);
		uint64_t d = npk__cur_u64(c);
		NPK_FAIL_IF(c->bad, err, NPK_E_FORMAT, "%s: search index: the root ends in a language",
		            ix->name);
		size_t len = 0;
		while (len < 8 && code[len] >= 0x21 && code[len] < 0x7f)
			len++;
		int pad = len > 0;
		for (size_t k = len; k < 8; k++)
			pad &= code[k] == 0;
		NPK_FAIL_IF(!pad, err, NPK_E_FORMAT, "%s: search index: language record %u is not "
		            "1 to 8 printable ASCII bytes padded with NUL", ix->name, i);
		NPK_FAIL_IF(i > 0 && memcmp(code, ix->lang[i - 1], 8) <= 0, err, NPK_E_FORMAT,
		            "%s: search index: language codes do not strictly increase (\"%s\")",
		            ix->name, ix->lang[i - 1]);
		NPK_FAIL_IF(!npk__add64(sum, d, &sum) || sum > ix->n, err, NPK_E_FORMAT,
		            "%s: search index: the languages count more documents than hi - lo",
		            ix->name);
		memcpy(ix->lang[i], code, 8);
		ix->lang[i][8] = 0;
		ix->lang_docs[i] = d;
	}
	ix->nlangs = langs;
	return NPK_OK;
}

/* The most stored bytes accepted for raw bytes: a zlib stream or zstd frame
 * of incompressible data is a little larger than its raw bytes, never by
 * this much, and the cap keeps a page's memory bounded. */
static uint64_t stored_max(uint32_t raw)
{
	return (uint64_t)raw + raw / 8 + 1024;
}

/* Checks a page record's place: inside the postings, stored bytes bounded. */
static int page_place(const npk__ix *ix, const ixpage *pg, const char *kind, uint32_t i,
                      npk_error *err)
{
	uint64_t end;
	NPK_FAIL_IF(pg->stored == 0 || pg->stored > stored_max(pg->raw), err, NPK_E_FORMAT,
	            "%s: search index: %s page %" PRIu32 ": %" PRIu32 " stored bytes for %" PRIu32
	            " raw", ix->name, kind, i, pg->stored, pg->raw);
	NPK_FAIL_IF(!npk__add64(pg->off, pg->stored, &end) || end > ix->post_len, err,
	            NPK_E_FORMAT, "%s: search index: %s page %" PRIu32 " lies outside the postings "
	            "section", ix->name, kind, i);
	return NPK_OK;
}

static int root_term_pages(npk__ix *ix, npk_cur *c, npk_error *err)
{
	for (uint32_t i = 0; i < ix->term_pages; i++) {
		ixpage *pg = &ix->tp[i];
		pg->off = npk__cur_u64(c);
		pg->stored = npk__cur_u32(c);
		pg->raw = npk__cur_u32(c);
		pg->digest = npk__cur_take(c, 32);
		pg->first_len = npk__cur_u8(c);
		pg->first = npk__cur_take(c, pg->first_len);
		NPK_FAIL_IF(c->bad, err, NPK_E_FORMAT,
		            "%s: search index: the root ends in term page record %" PRIu32, ix->name, i);
		NPK_FAIL_IF(pg->first_len < 2 || pg->first_len > NPK__IX_KEY_MAX, err, NPK_E_FORMAT,
		            "%s: search index: term page %" PRIu32 ": a first key of %u bytes", ix->name,
		            i, pg->first_len);
		NPK_FAIL_IF(pg->raw < 4 || pg->raw > NPK__IX_PAGE_RAW_MAX, err, NPK_E_FORMAT,
		            "%s: search index: term page %" PRIu32 ": raw size %" PRIu32 " is not 4 "
		            "bytes to 1 MiB", ix->name, i, pg->raw);
		NPK_FORWARD(page_place(ix, pg, "term", i, err));
		NPK_FAIL_IF(i > 0 && cmp_keys(pg->first, pg->first_len, ix->tp[i - 1].first,
		                              ix->tp[i - 1].first_len) <= 0,
		            err, NPK_E_FORMAT, "%s: search index: the first key of term page %" PRIu32
		            " is not above the one before", ix->name, i);
	}
	return NPK_OK;
}

static int root_norm_pages(npk__ix *ix, npk_cur *c, npk_error *err)
{
	for (uint32_t k = 0; k < ix->norm_pages; k++) {
		ixpage *pg = &ix->np[k];
		pg->off = npk__cur_u64(c);
		pg->stored = npk__cur_u32(c);
		pg->raw = npk__cur_u32(c);
		pg->digest = npk__cur_take(c, 32);
		NPK_FAIL_IF(c->bad, err, NPK_E_FORMAT,
		            "%s: search index: the root ends in norm page record %" PRIu32, ix->name, k);
		uint64_t docs = ix->n - (uint64_t)k * NPK__IX_NORM_DOCS;
		if (docs > NPK__IX_NORM_DOCS)
			docs = NPK__IX_NORM_DOCS;
		NPK_FAIL_IF(pg->raw != docs, err, NPK_E_FORMAT, "%s: search index: norm page %" PRIu32
		            ": raw size %" PRIu32 ", not its %" PRIu64 " documents", ix->name, k,
		            pg->raw, docs);
		NPK_FORWARD(page_place(ix, pg, "norm", k, err));
	}
	return NPK_OK;
}

/* The fixed fields of 9.2, then everything after them. */
static int root_parse(npk__ix *ix, npk_error *err)
{
	npk_cur c;
	npk__cur_init(&c, ix->root, ix->root_len);
	const uint8_t *magic = npk__cur_take(&c, 8);
	NPK_FAIL_IF(magic == NULL || memcmp(magic, NPK__IX_MAGIC, 8) != 0, err, NPK_E_FORMAT,
	            "%s: search index: the root does not begin with NPKSRCH1", ix->name);
	ix->lo = npk__cur_u64(&c);
	ix->hi = npk__cur_u64(&c);
	ix->docs = npk__cur_u64(&c);
	ix->total = npk__cur_u64(&c);
	ix->keys = npk__cur_u64(&c);
	ix->term_pages = npk__cur_u32(&c);
	ix->norm_pages = npk__cur_u32(&c);
	ix->codec = npk__cur_u8(&c);
	unsigned langs = npk__cur_u8(&c);
	unsigned vlen = npk__cur_u16(&c);
	uint32_t reserved = npk__cur_u32(&c);
	NPK_FAIL_IF(c.bad, err, NPK_E_FORMAT, "%s: search index: the root is shorter than 64 bytes",
	            ix->name);
	NPK_FAIL_IF(ix->lo > ix->hi || ix->hi - ix->lo > (UINT64_C(1) << 32), err, NPK_E_FORMAT,
	            "%s: search index: lo %" PRIu64 ", hi %" PRIu64 " (lo <= hi, hi - lo <= 2^32)",
	            ix->name, ix->lo, ix->hi);
	ix->n = ix->hi - ix->lo;
	NPK_FAIL_IF(ix->docs > ix->n, err, NPK_E_FORMAT,
	            "%s: search index: docs %" PRIu64 " is above hi - lo", ix->name, ix->docs);
	/* docs counts the lengths above 0, each at least 1, whose sum is total */
	NPK_FAIL_IF(ix->total < ix->docs || (ix->docs == 0 && ix->total != 0), err, NPK_E_FORMAT,
	            "%s: search index: total %" PRIu64 " does not fit docs %" PRIu64, ix->name,
	            ix->total, ix->docs);
	NPK_FAIL_IF((ix->keys == 0) != (ix->term_pages == 0) || ix->term_pages > ix->keys, err,
	            NPK_E_FORMAT, "%s: search index: %" PRIu32 " term pages for %" PRIu64 " keys",
	            ix->name, ix->term_pages, ix->keys);
	NPK_FAIL_IF(ix->norm_pages != (ix->n + NPK__IX_NORM_DOCS - 1) / NPK__IX_NORM_DOCS, err,
	            NPK_E_FORMAT, "%s: search index: %" PRIu32 " norm pages, not ceil((hi - lo) / "
	            "65536)", ix->name, ix->norm_pages);
	NPK_FAIL_IF(ix->codec != NPK_CODEC_ZLIB && ix->codec != NPK_CODEC_ZSTD, err, NPK_E_FORMAT,
	            "%s: search index: codec %u is neither 1 (zlib) nor 2 (zstd)", ix->name,
	            ix->codec);
	NPK_FAIL_IF(langs > NPK__IX_LANGS_MAX, err, NPK_E_FORMAT,
	            "%s: search index: %u languages, at most 64", ix->name, langs);
	NPK_FAIL_IF(vlen == 0 || vlen > 255, err, NPK_E_FORMAT,
	            "%s: search index: versions_len %u is not 1 to 255", ix->name, vlen);
	NPK_FAIL_IF(reserved != 0, err, NPK_E_FORMAT, "%s: search index: reserved bytes are not 0",
	            ix->name);
	const uint8_t *v = npk__cur_take(&c, vlen);
	NPK_FAIL_IF(v == NULL, err, NPK_E_FORMAT, "%s: search index: the root ends in versions",
	            ix->name);
	for (unsigned i = 0; i < vlen; i++)
		NPK_FAIL_IF(v[i] < 0x20 || v[i] > 0x7e, err, NPK_E_FORMAT,
		            "%s: search index: versions holds a byte that is not printable ASCII",
		            ix->name);
	memcpy(ix->versions, v, vlen);
	ix->versions[vlen] = 0;
	NPK_FORWARD(root_langs(ix, &c, langs, err));
	/* Each record takes room in the root: the arrays stay below its size. */
	NPK_FAIL_IF(ix->term_pages > npk__cur_left(&c) / TERM_REC_MIN ||
	            ix->norm_pages > npk__cur_left(&c) / NORM_REC, err, NPK_E_FORMAT,
	            "%s: search index: the root is too short for %" PRIu32 " term and %" PRIu32
	            " norm pages", ix->name, ix->term_pages, ix->norm_pages);
	ix->tslots = ix->term_pages < TERM_CACHE_MIN ? TERM_CACHE_MIN
	             : ix->term_pages > TERM_CACHE_MAX ? TERM_CACHE_MAX : ix->term_pages;
	ix->tcache = calloc(ix->tslots, sizeof *ix->tcache);
	NPK_FAIL_IF(ix->tcache == NULL, err, NPK_E_NOMEM, "out of memory");
	ix->tp = calloc(ix->term_pages ? ix->term_pages : 1, sizeof *ix->tp);
	ix->np = calloc(ix->norm_pages ? ix->norm_pages : 1, sizeof *ix->np);
	NPK_FAIL_IF(ix->tp == NULL || ix->np == NULL, err, NPK_E_NOMEM,
	            "%s: search index: out of memory", ix->name);
	NPK_FORWARD(root_term_pages(ix, &c, err));
	NPK_FORWARD(root_norm_pages(ix, &c, err));
	NPK_FAIL_IF(npk__cur_left(&c) != 0, err, NPK_E_FORMAT,
	            "%s: search index: %zu bytes after the root's last record", ix->name,
	            npk__cur_left(&c));
	return NPK_OK;
}

int npk__ix_open(npk__ix_read rd, void *ctx, uint64_t root_off, uint64_t root_len,
                 const uint8_t root_digest[32], uint64_t post_off, uint64_t post_len,
                 const char *name, npk__ix **out, npk_error *err)
{
	*out = NULL;
	if (name == NULL)
		name = "archive";
	uint64_t end;
	NPK_FAIL_IF(!npk__add64(root_off, root_len, &end) || !npk__add64(post_off, post_len, &end),
	            err, NPK_E_FORMAT, "%s: search index: a section's end is beyond 2^64", name);
	NPK_FAIL_IF(root_len < ROOT_FIXED || (uint64_t)(size_t)root_len != root_len, err, NPK_E_FORMAT,
	            "%s: search index: a root of %" PRIu64 " bytes", name, root_len);
	npk__ix *ix = calloc(1, sizeof *ix);
	int rc = NPK_OK;
	if (ix == NULL || (ix->name = strdup(name)) == NULL ||
	    (ix->root = malloc((size_t)root_len)) == NULL || (ix->dec = npk__decoder_new()) == NULL) {
		rc = npk__fail(err, NPK_E_NOMEM, "%s: search index: out of memory", name);
		goto fail;
	}
	ix->rd = rd;
	ix->ctx = ctx;
	ix->post_off = post_off;
	ix->post_len = post_len;
	ix->root_len = (size_t)root_len;
	NPK_FORWARD_GOTO(rc, rd(ctx, root_off, ix->root, ix->root_len, err), fail);
	uint8_t h[32];
	npk__digest(ix->root, ix->root_len, h);
	if (!npk__digest_same(h, root_digest)) {
		rc = npk__fail(err, NPK_E_DIGEST, "%s: search index: the root does not match its "
		               "digest in the directory", name);
		goto fail;
	}
	NPK_FORWARD_GOTO(rc, root_parse(ix, err), fail);
	*out = ix;
	return NPK_OK;
fail:
	npk__ix_free(ix);
	return rc;
}

void npk__ix_free(npk__ix *ix)
{
	if (ix == NULL)
		return;
	for (size_t s = 0; ix->tcache != NULL && s < ix->tslots; s++) {
		free(ix->tcache[s].raw);
		free(ix->tcache[s].snaps);
	}
	free(ix->tcache);
	for (size_t s = 0; s < NORM_CACHE; s++)
		free(ix->ncache[s].raw);
	npk__decoder_free(ix->dec);
	free(ix->tp);
	free(ix->np);
	free(ix->root);
	free(ix->name);
	free(ix);
}

uint64_t npk__ix_lo(const npk__ix *ix) { return ix->lo; }
uint64_t npk__ix_hi(const npk__ix *ix) { return ix->hi; }
uint64_t npk__ix_docs(const npk__ix *ix) { return ix->docs; }
uint64_t npk__ix_total(const npk__ix *ix) { return ix->total; }
uint64_t npk__ix_keys_count(const npk__ix *ix) { return ix->keys; }
const char *npk__ix_versions(const npk__ix *ix) { return ix->versions; }
size_t npk__ix_langs(const npk__ix *ix) { return ix->nlangs; }

const char *npk__ix_lang(const npk__ix *ix, size_t i, uint64_t *docs)
{
	if (i >= ix->nlangs)
		return NULL;
	if (docs != NULL)
		*docs = ix->lang_docs[i];
	return ix->lang[i];
}

/* ---- Postings (9.4) ---- */

static const char *post_what(const npk__postings *p, char out[260])
{
	char k[200];
	key_print(p->key, p->klen, k);
	if (p->nchunks == 0)
		snprintf(out, 260, "search index: key \"%s\" (inline postings)", k);
	else
		snprintf(out, 260, "search index: key \"%s\" chunk %" PRIu64, k, p->run_next - 1);
	return out;
}

/* Damage of the run being read: p fails from now on. */
static int post_damage(npk__postings *p, int code, const char *why, npk_error *err)
{
	char what[260];
	p->dead = code;
	IX_FAIL(p->ix, err, code, post_what(p, what), "%s", why);
	return -code;
}

/* The postings of the record r, copied out of the page (which the cache
 * may drop). */
static int post_from_rec(npk__ix *ix, const ixrec *r, npk__postings *p, npk_error *err)
{
	p->ix = ix;
	memcpy(p->key, r->key, r->klen);
	p->klen = r->klen;
	if (r->chunks == 0) {
		p->inl = malloc(r->inl_len ? r->inl_len : 1);
		NPK_FAIL_IF(p->inl == NULL, err, NPK_E_NOMEM, "%s: search index: out of memory",
		            ix->name);
		if (r->inl_len)
			memcpy(p->inl, r->inl, r->inl_len);
		p->inl_len = r->inl_len;
		p->df = r->df;
		return NPK_OK;
	}
	p->ch = calloc((size_t)r->chunks, sizeof *p->ch);
	NPK_FAIL_IF(p->ch == NULL, err, NPK_E_NOMEM, "%s: search index: out of memory", ix->name);
	npk_cur c;
	npk__cur_init(&c, r->crec, r->crec_len);
	uint64_t pos = r->chunk_off;
	for (uint64_t j = 0; j < r->chunks; j++) {
		/* checked with the page already; checked again, being cheap */
		const char *why = chunk_rec(ix, &c, j ? &p->ch[j - 1] : NULL, &pos, &p->ch[j]);
		char k[200];
		NPK_FAIL_IF(why != NULL, err, NPK_E_FORMAT, "%s: search index: key \"%s\" chunk %"
		            PRIu64 ": %s", ix->name, key_print(r->key, r->klen, k), j, why);
	}
	p->nchunks = r->chunks;
	p->df = r->df;   /* only now: a p that failed gives no postings */
	return NPK_OK;
}

/* Loads the next run (the inline bytes, or the next chunk, read and
 * checked against its digest). */
static int run_load(npk__postings *p, npk_error *err)
{
	npk__ix *ix = p->ix;
	uint64_t j = p->run_next++;
	p->bn = p->bi = 0;
	if (p->nchunks == 0) {
		p->rp = p->inl;
		p->rlen = p->inl_len;
		p->left = p->df;
		p->next = 0;
	} else {
		const npk__ix_chunk *ch = &p->ch[j];
		if (p->buf_cap < ch->len) {
			free(p->buf);
			p->buf_cap = 0;
			p->buf = malloc(ch->len);
			if (p->buf == NULL)
				return -npk__fail(err, NPK_E_NOMEM, "%s: search index: out of memory",
				                  ix->name);
			p->buf_cap = ch->len;
		}
		int rc = ix->rd(ix->ctx, ix->post_off + ch->off, p->buf, ch->len, err);
		if (rc != NPK_OK) {
			p->dead = rc;
			return -rc;
		}
		uint8_t h[32];
		npk__digest(p->buf, ch->len, h);
		if (!npk__digest_same(h, ch->digest)) {
			char what[260];
			p->dead = NPK_E_DIGEST;
			npk__fail(err, NPK_E_DIGEST, "%s: %s does not match its digest", ix->name,
			          post_what(p, what));
			return -NPK_E_DIGEST;
		}
		p->rp = p->buf;
		p->rlen = ch->len;
		p->left = j + 1 < p->nchunks ? NPK__IX_CHUNK_POSTINGS
		                             : p->df - (p->nchunks - 1) * NPK__IX_CHUNK_POSTINGS;
		p->next = j ? p->ch[j - 1].last + 1 : 0;
	}
	p->roff = 0;
	p->in_run = 1;
	return 0;
}

/* The cnt values of a packed array of bits-bit values (9.4: from the
 * lowest bit of the first byte up) into out; reads exactly the
 * ceil(cnt * bits / 8) bytes at a (a window of at most 39 bits). */
static void unpack_all(const uint8_t *a, unsigned bits, unsigned cnt, uint64_t *out)
{
	if (bits == 0) {
		for (unsigned k = 0; k < cnt; k++)
			out[k] = 0;
		return;
	}
	uint64_t acc = 0, mask = (UINT64_C(1) << bits) - 1;
	unsigned have = 0;
	for (unsigned k = 0; k < cnt; k++) {
		while (have < bits) {
			acc |= (uint64_t)*a++ << have;
			have += 8;
		}
		out[k] = acc & mask;
		acc >>= bits;
		have -= bits;
	}
}

/* Decodes the next block of the run into p->doc, p->tf. NULL or a reason. */
static const char *block_next(npk__postings *p)
{
	npk_cur c;
	npk__cur_init(&c, p->rp, p->rlen);
	c.off = p->roff;
	uint64_t n = p->ix->n;
	unsigned cnt = p->left >= NPK__IX_BLOCK ? NPK__IX_BLOCK : (unsigned)p->left;
	uint64_t gap[NPK__IX_BLOCK], tf1[NPK__IX_BLOCK];
	if (cnt == NPK__IX_BLOCK) {
		unsigned gb = npk__cur_u8(&c), tb = npk__cur_u8(&c);
		if (c.bad)
			return "a block runs past the end";
		if (gb > 32 || tb > 16)
			return "a block's gap_bits is above 32 or its tf_bits above 16";
		const uint8_t *g = npk__cur_take(&c, 16 * gb), *t = npk__cur_take(&c, 16 * tb);
		if (c.bad)
			return "a block runs past the end";
		unpack_all(g, gb, cnt, gap);
		unpack_all(t, tb, cnt, tf1);
	} else {
		for (unsigned k = 0; k < cnt; k++) {
			int v;
			if ((v = cur_varint(&c, &gap[k])) != VARINT_OK ||
			    (v = cur_varint(&c, &tf1[k])) != VARINT_OK)
				return varint_why(v);
		}
	}
	for (unsigned k = 0; k < cnt; k++) {
		/* next <= n, so n - next cannot wrap */
		if (gap[k] >= n - p->next)
			return "a document is not below hi";
		if (tf1[k] >= NPK__IX_TF_MAX)
			return "a frequency is above 65535";
		uint64_t d = p->next + gap[k];
		p->doc[k] = (uint32_t)d;
		p->tf[k] = (uint32_t)tf1[k] + 1;
		p->next = d + 1;
	}
	p->roff = c.off;
	p->left -= cnt;
	p->bn = cnt;
	p->bi = 0;
	return NULL;
}

/* At the end of a run: nothing left over, and a chunk's last is its last
 * document. */
static const char *run_end(const npk__postings *p)
{
	if (p->roff != p->rlen)
		return "bytes left over after its postings";
	if (p->nchunks > 0 && p->next - 1 != p->ch[p->run_next - 1].last)
		return "its last document is not its record's last";
	return NULL;
}

/* Makes p->bi < p->bn (a decoded block with a posting left): 1, or 0
 * after the last posting, or a negative NPK_E_* code. */
static int block_fill(npk__postings *p, npk_error *err)
{
	if (p->dead)
		return -npk__fail(err, p->dead, "%s: search index: the postings of this key are "
		                  "damaged", p->ix ? p->ix->name : "archive");
	if (p->ix == NULL || p->df == 0)
		return 0;
	while (p->bi == p->bn) {
		if (p->in_run && p->left == 0) {
			const char *why = run_end(p);
			if (why != NULL)
				return post_damage(p, NPK_E_FORMAT, why, err);
			p->in_run = 0;
		}
		if (!p->in_run) {
			if (p->run_next >= (p->nchunks ? p->nchunks : 1)) {
				p->have_cur = 0;
				return 0;
			}
			int rc = run_load(p, err);
			if (rc != 0)
				return rc;
			continue;
		}
		const char *why = block_next(p);
		if (why != NULL)
			return post_damage(p, NPK_E_FORMAT, why, err);
	}
	return 1;
}

int npk__postings_next(npk__postings *p, uint64_t *doc, uint32_t *tf, npk_error *err)
{
	int rc = block_fill(p, err);
	if (rc != 1)
		return rc;
	p->cur_doc = p->ix->lo + p->doc[p->bi];
	p->cur_tf = p->tf[p->bi];
	p->bi++;
	p->have_cur = 1;
	*doc = p->cur_doc;
	*tf = p->cur_tf;
	return 1;
}

int npk__postings_block(npk__postings *p, const uint32_t **docs, const uint32_t **tfs,
                        size_t *n, npk_error *err)
{
	*n = 0;
	int rc = block_fill(p, err);
	if (rc != 1)
		return rc;
	*docs = p->doc + p->bi;
	*tfs = p->tf + p->bi;
	*n = p->bn - p->bi;
	p->cur_doc = p->ix->lo + p->doc[p->bn - 1];
	p->cur_tf = p->tf[p->bn - 1];
	p->bi = p->bn;
	p->have_cur = 1;
	return 1;
}

void npk__postings_skip(npk__postings *p, uint64_t target)
{
	if (p->dead || p->ix == NULL || p->df == 0 || p->nchunks == 0 || target <= p->ix->lo)
		return;
	uint64_t t = target - p->ix->lo;
	/* the chunk being read, or the next one to load */
	uint64_t j = p->in_run ? p->run_next - 1 : p->run_next;
	if (j < p->nchunks && p->ch[j].last < t) {
		while (j < p->nchunks && p->ch[j].last < t)
			j++;
		p->in_run = 0;
		p->bi = p->bn = 0;
		p->run_next = j;   /* nchunks: the end */
	}
}

int npk__postings_seek(npk__postings *p, uint64_t target, uint64_t *doc, uint32_t *tf,
                       npk_error *err)
{
	if (p->dead || p->ix == NULL || p->df == 0)
		return npk__postings_next(p, doc, tf, err);
	if (p->have_cur && p->cur_doc >= target) {
		*doc = p->cur_doc;
		*tf = p->cur_tf;
		return 1;
	}
	if (target >= p->ix->hi) {
		/* no posting can be there: the end, without reading */
		p->in_run = 0;
		p->bi = p->bn = 0;
		p->run_next = p->nchunks ? p->nchunks : 1;
		p->have_cur = 0;
		return 0;
	}
	npk__postings_skip(p, target);
	for (;;) {
		int rc = npk__postings_next(p, doc, tf, err);
		if (rc != 1 || *doc >= target)
			return rc;
	}
}

void npk__postings_free(npk__postings *p)
{
	if (p == NULL)
		return;
	free(p->inl);
	free(p->ch);
	free(p->buf);
	memset(p, 0, sizeof *p);
}

/* ---- Lookups ---- */

int npk__ix_lookup(npk__ix *ix, const uint8_t *key, size_t len, npk__postings *p,
                   npk_error *err)
{
	memset(p, 0, sizeof *p);
	p->ix = ix;
	int64_t i = page_for(ix, key, len);
	if (i < 0 || len < 2 || len > NPK__IX_KEY_MAX)
		return NPK_OK;
	ixslot *s;
	NPK_FORWARD(term_page(ix, (uint32_t)i, &s, err));
	/* the last snap whose key is <= key (the page's first key is) */
	uint32_t a = 0, b = s->nsnaps;
	while (b - a > 1) {
		uint32_t m = a + (b - a) / 2;
		if (cmp_keys(s->snaps[m].key, s->snaps[m].klen, key, len) <= 0)
			a = m;
		else
			b = m;
	}
	const ixsnap *sn = &s->snaps[a];
	npk_cur c;
	npk__cur_init(&c, s->raw, s->len);
	c.off = sn->off;
	ixrec r;
	r.klen = sn->plen;
	memcpy(r.key, sn->prev, sn->plen);
	for (uint32_t k = sn->k; k < s->count; k++) {
		const char *why = rec_next(ix, &c, &r, k == 0);
		NPK_FAIL_IF(why != NULL, err, NPK_E_FORMAT, "%s: search index: term page %" PRId64
		            ": %s", ix->name, i, why);
		int cmp = cmp_keys(r.key, r.klen, key, len);
		if (cmp == 0)
			return post_from_rec(ix, &r, p, err);
		if (cmp > 0)
			break;
	}
	return NPK_OK;
}

int npk__ix_keys(npk__ix *ix, const uint8_t *from, size_t flen, const uint8_t *to, size_t tlen,
                 int (*cb)(void *ctx, const uint8_t *key, size_t len, uint64_t df), void *ctx,
                 npk_error *err)
{
	if (cmp_keys(from, flen, to, tlen) > 0 || ix->term_pages == 0)
		return NPK_OK;
	int64_t first = page_for(ix, from, flen);
	for (uint32_t i = first < 0 ? 0 : (uint32_t)first; i < ix->term_pages; i++) {
		if (cmp_keys(ix->tp[i].first, ix->tp[i].first_len, to, tlen) > 0)
			return NPK_OK;
		ixslot *s;
		NPK_FORWARD(term_page(ix, i, &s, err));
		npk_cur c;
		npk__cur_init(&c, s->raw, s->len);
		c.off = 4;
		ixrec r;
		r.klen = 0;
		for (uint32_t k = 0; k < s->count; k++) {
			const char *why = rec_next(ix, &c, &r, k == 0);
			NPK_FAIL_IF(why != NULL, err, NPK_E_FORMAT, "%s: search index: term page %"
			            PRIu32 ": %s", ix->name, i, why);
			if (cmp_keys(r.key, r.klen, to, tlen) > 0)
				return NPK_OK;
			if (cmp_keys(r.key, r.klen, from, flen) >= 0 && cb(ctx, r.key, r.klen, r.df))
				return NPK_OK;
		}
	}
	return NPK_OK;
}

/* ---- Norms (9.5) ---- */

static int norm_page(npk__ix *ix, uint32_t k, ixslot **out, npk_error *err)
{
	if ((*out = cache_find(ix, ix->ncache, NORM_CACHE, k)) != NULL)
		return NPK_OK;
	char what[64];
	snprintf(what, sizeof what, "search index: norm page %" PRIu32, k);
	uint8_t *raw = NULL;
	NPK_FORWARD(page_load(ix, &ix->np[k], what, &raw, err));
	*out = cache_put(ix, ix->ncache, NORM_CACHE, k, raw, ix->np[k].raw);
	return NPK_OK;
}

int npk__ix_length(npk__ix *ix, uint64_t doc, uint64_t *len, npk_error *err)
{
	*len = 0;
	if (doc < ix->lo || doc >= ix->hi)
		return NPK_OK;
	const uint8_t *codes;
	uint64_t rel = doc - ix->lo, first, count;
	NPK_FORWARD(npk__ix_norms(ix, rel, &codes, &first, &count, err));
	*len = npk__ix_norm_length(codes[rel - first]);
	return NPK_OK;
}

int npk__ix_norms(npk__ix *ix, uint64_t rel, const uint8_t **codes, uint64_t *first,
                  uint64_t *count, npk_error *err)
{
	*codes = NULL;
	*first = *count = 0;
	if (rel >= ix->n)
		return NPK_OK;
	uint32_t k = (uint32_t)(rel / NPK__IX_NORM_DOCS);
	ixslot *s;
	NPK_FORWARD(norm_page(ix, k, &s, err));
	*codes = s->raw;
	*first = (uint64_t)k * NPK__IX_NORM_DOCS;
	*count = s->len;
	return NPK_OK;
}

/* Norm pages from, from + step, ... not cached yet, each decoded into
 * raw[k] (NULL when it failed: read again when needed, which reports it). */
typedef struct norm_job {
	const npk__ix *ix;
	uint32_t from, step;
	uint8_t **raw;
	const uint8_t *cached;
} norm_job;

static void *norm_main(void *arg)
{
	norm_job *j = arg;
	npk_decoder *dec = npk__decoder_new();
	for (uint32_t k = j->from; dec != NULL && k < j->ix->norm_pages; k += j->step) {
		npk_error e = {0};
		if (!j->cached[k] && page_load_with(j->ix, dec, &j->ix->np[k], "search index: norm page",
		                                    &j->raw[k], &e) != NPK_OK)
			j->raw[k] = NULL;
	}
	npk__decoder_free(dec);
	return NULL;
}

void npk__ix_norms_ahead(npk__ix *ix, int threads)
{
	if (ix->norm_pages < 2 || ix->norm_pages > NORM_CACHE)
		return;
	uint8_t *raw[NORM_CACHE] = {0}, cached[NORM_CACHE] = {0};
	uint32_t want = 0;
	for (uint32_t k = 0; k < ix->norm_pages; k++) {
		for (size_t s = 0; s < NORM_CACHE; s++)
			cached[k] |= ix->ncache[s].raw != NULL && ix->ncache[s].page == k;
		want += !cached[k];
	}
	if (want == 0)
		return;
	norm_job mine = {ix, 0, 1, raw, cached}, theirs = {ix, 1, 2, raw, cached};
	pthread_t th;
	int two = threads >= 2 && want >= 2 && pthread_create(&th, NULL, norm_main, &theirs) == 0;
	if (two)
		mine.step = 2;
	norm_main(&mine);
	if (two)
		pthread_join(th, NULL);
	for (uint32_t k = 0; k < ix->norm_pages; k++)
		if (raw[k] != NULL)
			cache_put(ix, ix->ncache, NORM_CACHE, k, raw[k], ix->np[k].raw);
}

/* ---- Verify: everything, and the tiling of 9.6 ---- */

typedef struct ixver {
	npk__ix *ix;
	void (*report)(void *ctx, const char *msg);
	void *ctx;
	uint64_t problems;
	uint64_t pos;             /* where the next piece of the tiling must begin */
	npk_error *err;           /* the caller's, for a failure that stops verify */
} ixver;

/* Reports err's message without the archive's name. */
static void ver_report(ixver *v, const npk_error *e)
{
	const char *m = e->msg;
	size_t nl = strlen(v->ix->name);
	if (strncmp(m, v->ix->name, nl) == 0 && m[nl] == ':' && m[nl + 1] == ' ')
		m += nl + 2;
	if (v->report != NULL)
		v->report(v->ctx, m);
	v->problems++;
}

static void ver_msg(ixver *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ver_msg(ixver *v, const char *fmt, ...)
{
	char m[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m, sizeof m, fmt, ap);
	va_end(ap);
	if (v->report != NULL)
		v->report(v->ctx, m);
	v->problems++;
}

/* Damage is reported and passed over; other failures stop verify. */
static int ver_fail(ixver *v, int rc, const npk_error *e)
{
	if (rc != NPK_E_DIGEST && rc != NPK_E_FORMAT) {
		if (v->err != NULL)
			*v->err = *e;
		return rc;
	}
	ver_report(v, e);
	return NPK_OK;
}

/* The next piece of the tiling, what, at off for len bytes. */
static void ver_tile(ixver *v, const char *what, uint64_t off, uint64_t len)
{
	if (off != v->pos)
		ver_msg(v, "%s begins at byte %" PRIu64 " of the postings, not %" PRIu64
		        " where the piece before it ends (9.6)", what, off, v->pos);
	v->pos = off + len;   /* each piece lies in the section (checked): no overflow */
}

/* Every posting of the key of r, every chunk in the tiling. */
static int ver_key(ixver *v, const ixrec *r)
{
	npk__ix *ix = v->ix;
	npk__postings p;
	npk_error e;
	memset(&p, 0, sizeof p);
	int rc = post_from_rec(ix, r, &p, &e);
	if (rc != NPK_OK) {
		npk__postings_free(&p);
		return ver_fail(v, rc, &e);
	}
	char what[260];
	for (uint64_t j = 0; j < p.nchunks; j++) {
		char k[200];
		snprintf(what, sizeof what, "search index: key \"%s\" chunk %" PRIu64,
		         key_print(p.key, p.klen, k), j);
		ver_tile(v, what, p.ch[j].off, p.ch[j].len);
	}
	/* every posting, so that each run is decoded to its end (9.4: nothing
	 * left over, a chunk's last document its record's last) */
	for (;;) {
		uint64_t doc;
		uint32_t tf;
		int n = npk__postings_next(&p, &doc, &tf, &e);
		if (n > 0)
			continue;
		if (n == 0)
			break;
		rc = ver_fail(v, -n, &e);
		if (rc != NPK_OK || p.run_next >= p.nchunks)
			break;
		/* past a damaged chunk to the next one */
		p.dead = 0;
		p.in_run = 0;
		p.bi = p.bn = 0;
	}
	npk__postings_free(&p);
	return rc;
}

/* Term page i and its keys; *keys counts its records, or becomes
 * UINT64_MAX when the page cannot be read. */
static int ver_term_page(ixver *v, uint32_t i, uint64_t *keys)
{
	npk__ix *ix = v->ix;
	npk_error e;
	char what[260];
	ixslot *s;
	int rc = term_page(ix, i, &s, &e);
	if (rc != NPK_OK) {
		/* its chunks cannot be found: the tiling resumes at the page */
		v->pos = ix->tp[i].off;
		ver_tile(v, term_what(ix, i, what), ix->tp[i].off, ix->tp[i].stored);
		*keys = UINT64_MAX;
		return ver_fail(v, rc, &e);
	}
	/* the slot may be evicted by nothing here: ver_key uses no term page */
	npk_cur c;
	npk__cur_init(&c, s->raw, s->len);
	c.off = 4;
	ixrec r;
	r.klen = 0;
	for (uint32_t k = 0; k < s->count; k++) {
		const char *why = rec_next(ix, &c, &r, k == 0);
		if (why != NULL) {
			ver_msg(v, "%s: %s", term_what(ix, i, what), why);
			break;
		}
		NPK_FORWARD(ver_key(v, &r));
	}
	if (*keys != UINT64_MAX)
		*keys += s->count;
	ver_tile(v, term_what(ix, i, what), ix->tp[i].off, ix->tp[i].stored);
	return NPK_OK;
}

/* The norms: docs exactly, total within what the codes allow. */
static int ver_norms(ixver *v)
{
	npk__ix *ix = v->ix;
	uint64_t docs = 0, low = 0, high = 0;
	int whole = 1;
	for (uint32_t k = 0; k < ix->norm_pages; k++) {
		char what[64];
		snprintf(what, sizeof what, "search index: norm page %" PRIu32, k);
		ver_tile(v, what, ix->np[k].off, ix->np[k].stored);
		ixslot *s;
		npk_error e;
		int rc = norm_page(ix, k, &s, &e);
		if (rc != NPK_OK) {
			whole = 0;
			NPK_FORWARD(ver_fail(v, rc, &e));
			continue;
		}
		for (size_t d = 0; d < s->len; d++) {
			uint8_t c = s->raw[d];
			docs += c > 0;
			low += npk__ix_norm_length(c);
			/* a length of code c is below L(c + 1); none bounds code 255 */
			uint64_t up = c == 255 ? UINT64_MAX : npk__ix_norm_length((uint8_t)(c + 1)) - 1;
			if (!npk__add64(high, up, &high))
				high = UINT64_MAX;
		}
	}
	if (!whole)
		return NPK_OK;
	if (docs != ix->docs)
		ver_msg(v, "search index: docs is %" PRIu64 " in the root, %" PRIu64 " norms are "
		        "above 0", ix->docs, docs);
	if (ix->total < low || ix->total > high)
		ver_msg(v, "search index: total %" PRIu64 " is outside %" PRIu64 " to %" PRIu64
		        ", what the norms allow", ix->total, low, high);
	return NPK_OK;
}

int npk__ix_verify(npk__ix *ix, void (*report)(void *ctx, const char *msg), void *ctx,
                   uint64_t *problems, npk_error *err)
{
	ixver v = { .ix = ix, .report = report, .ctx = ctx, .err = err };
	uint64_t keys = 0;
	int rc = NPK_OK;
	for (uint32_t i = 0; i < ix->term_pages && rc == NPK_OK; i++)
		rc = ver_term_page(&v, i, &keys);
	if (rc == NPK_OK && keys != UINT64_MAX && keys != ix->keys)
		ver_msg(&v, "search index: the term pages hold %" PRIu64 " keys, the root says %"
		        PRIu64, keys, ix->keys);
	if (rc == NPK_OK)
		rc = ver_norms(&v);
	if (rc == NPK_OK && v.pos != ix->post_len)
		ver_msg(&v, "search index: the postings section is %" PRIu64 " bytes, its pieces "
		        "end at %" PRIu64 " (9.6)", ix->post_len, v.pos);
	*problems = v.problems;
	return rc;
}
