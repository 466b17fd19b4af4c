/* test_ixread.c - the reader of the full-text index (src/lib/search/ixread.c,
 * spec/search.md 9). The index is made here by a small encoder written
 * straight from the spec, apart from the library's writer: the root and the
 * postings section in memory, read through a callback over that memory.
 * Then lookups, iteration, seeks, key ranges, norms and verify, and hostile
 * variations of each structure, each refused with its error. */
#include <stdint.h>

#include <sodium.h>
#include <zlib.h>
#include <zstd.h>

#include "base/base.h"
#include "search/ixread.h"
#include "test.h"

/* ---- An encoder from the spec ---- */

typedef struct tkey {
	uint8_t key[65];
	size_t klen;
	size_t n;                 /* postings */
	uint32_t *doc;            /* relative to lo, increasing */
	uint32_t *tf;
	int chunked;              /* chunks even when 64 bytes would do inline */
	int gap32;                /* full blocks with gap_bits 32 */
	int64_t df_delta;         /* written df = n + df_delta */
	uint64_t chunk_off;       /* out: its first chunk in the postings */
	uint64_t page;            /* out: its term page */
} tkey;

typedef struct tix {
	uint64_t lo, hi;
	unsigned codec;           /* 1 zlib, 2 zstd */
	const char *versions;
	size_t nlangs;
	const char *lang[70];
	uint64_t lang_docs[70];
	tkey *keys;
	size_t nkeys, per_page;   /* keys of each term page */
	uint8_t *norms;           /* hi - lo codes */
	uint64_t extra_gap;       /* bytes of nothing after term page 0 (a hole in 9.6) */
	/* hooks: change a page's raw bytes, a chunk's bytes */
	void (*page_hook)(uint32_t page, npk_buf *raw);
	void (*chunk_hook)(size_t key, uint64_t j, npk_buf *bytes);
	/* out */
	npk_buf root, post;
	uint8_t digest[32];
	uint32_t term_pages, norm_pages;
	size_t term_rec[64];      /* root offsets of the first term page records */
	size_t norm_rec;          /* root offset of the first norm page record */
	uint64_t norm_off[4];     /* postings offsets of the first norm pages */
	uint64_t docs, total;
} tix;

static void put_varint(npk_buf *b, uint64_t v)
{
	while (v >= 0x80) {
		npk__buf_u8(b, (uint8_t)(v | 0x80));
		v >>= 7;
	}
	npk__buf_u8(b, (uint8_t)v);
}

static unsigned bits_for(uint64_t v)
{
	unsigned n = 0;
	while (v) {
		n++;
		v >>= 1;
	}
	return n;
}

/* 128 values of bits bits, from the lowest bit of the first byte up. */
static void put_packed(npk_buf *b, const uint64_t *v, unsigned bits)
{
	uint8_t a[16 * 32];
	memset(a, 0, sizeof a);
	for (unsigned k = 0; k < 128; k++)
		for (unsigned i = 0; i < bits; i++)
			if (v[k] >> i & 1) {
				unsigned bit = k * bits + i;
				a[bit / 8] |= (uint8_t)(1u << (bit % 8));
			}
	npk__buf_put(b, a, 16 * bits);
}

/* 9.4: a run of m postings, prev + 1 = next at its start. */
static void put_run(npk_buf *b, const uint32_t *doc, const uint32_t *tf, size_t m, uint64_t next,
                    int gap32)
{
	size_t k = 0;
	for (; k + 128 <= m; k += 128) {
		uint64_t gap[128], t1[128], gmax = 0, tmax = 0;
		for (unsigned i = 0; i < 128; i++) {
			gap[i] = doc[k + i] - next;
			next = doc[k + i] + 1ull;
			t1[i] = tf[k + i] - 1u;
			gmax = gap[i] > gmax ? gap[i] : gmax;
			tmax = t1[i] > tmax ? t1[i] : tmax;
		}
		unsigned gb = gap32 ? 32 : bits_for(gmax), tb = bits_for(tmax);
		npk__buf_u8(b, (uint8_t)gb);
		npk__buf_u8(b, (uint8_t)tb);
		put_packed(b, gap, gb);
		put_packed(b, t1, tb);
	}
	for (; k < m; k++) {
		put_varint(b, doc[k] - next);
		put_varint(b, tf[k] - 1u);
		next = doc[k] + 1ull;
	}
}

static void digest(const uint8_t *p, size_t len, uint8_t out[32])
{
	crypto_generichash(out, 32, p, len, NULL, 0);
}

/* Stored bytes of a page: one zlib stream or one zstd frame (9.2). */
static void put_page(tix *t, const npk_buf *raw, uint64_t *off, uint32_t *stored, uint8_t dg[32])
{
	size_t cap = compressBound(raw->len) + ZSTD_compressBound(raw->len) + 64;
	uint8_t *out = malloc(cap);
	size_t n = cap;
	if (t->codec == 2) {
		n = ZSTD_compress(out, cap, raw->p, raw->len, 3);
	} else {
		uLongf zn = cap;
		compress2(out, &zn, raw->p, raw->len, 6);
		n = zn;
	}
	*off = t->post.len;
	*stored = (uint32_t)n;
	digest(out, n, dg);
	npk__buf_put(&t->post, out, n);
	free(out);
}

/* L(c) and the sum of the lengths, straight from 9.5. */
static uint64_t tL(unsigned c)
{
	return c < 16 ? c : (uint64_t)(8 + c % 8) << (c / 8 - 1);
}

/* Builds t->root and t->post (9.2-9.6) and the root's digest. */
static void build(tix *t)
{
	npk_buf recs = {0};      /* the term page records of the root */
	memset(&t->root, 0, sizeof t->root);
	memset(&t->post, 0, sizeof t->post);
	uint64_t n = t->hi - t->lo;
	t->term_pages = (uint32_t)((t->nkeys + t->per_page - 1) / t->per_page);
	for (uint32_t pg = 0; pg < t->term_pages; pg++) {
		npk_buf raw = {0};
		size_t k0 = pg * t->per_page, k1 = k0 + t->per_page < t->nkeys ? k0 + t->per_page : t->nkeys;
		npk__buf_u32(&raw, (uint32_t)(k1 - k0));
		for (size_t k = k0; k < k1; k++) {
			tkey *key = &t->keys[k];
			key->page = pg;
			size_t shared = 0;
			if (k > k0) {
				const tkey *pr = &t->keys[k - 1];
				while (shared < pr->klen && shared < key->klen && pr->key[shared] == key->key[shared])
					shared++;
			}
			npk__buf_u8(&raw, (uint8_t)shared);
			npk__buf_u8(&raw, (uint8_t)(key->klen - shared));
			npk__buf_put(&raw, key->key + shared, key->klen - shared);
			uint64_t df = key->n + (uint64_t)key->df_delta;
			put_varint(&raw, df);
			npk_buf run = {0};
			put_run(&run, key->doc, key->tf, key->n, 0, key->gap32);
			if (!key->chunked && run.len <= 64) {
				put_varint(&raw, 0);
				put_varint(&raw, run.len);
				npk__buf_put(&raw, run.p, run.len);
				npk__buf_free(&run);
				continue;
			}
			npk__buf_free(&run);
			uint64_t chunks = (df + 16383) / 16384;
			put_varint(&raw, chunks);
			key->chunk_off = t->post.len;
			put_varint(&raw, key->chunk_off);
			for (uint64_t j = 0; j < chunks; j++) {
				size_t a = j * 16384, b = a + 16384 < key->n ? a + 16384 : key->n;
				npk_buf c = {0};
				put_run(&c, key->doc + a, key->tf + a, b - a, a ? key->doc[a - 1] + 1ull : 0,
				        key->gap32);
				if (t->chunk_hook)
					t->chunk_hook(k, j, &c);
				uint8_t dg[32];
				digest(c.p, c.len, dg);
				put_varint(&raw, c.len);
				put_varint(&raw, b > a ? key->doc[b - 1] : 0);
				npk__buf_put(&raw, dg, 32);
				npk__buf_put(&t->post, c.p, c.len);
				npk__buf_free(&c);
			}
		}
		if (t->page_hook)
			t->page_hook(pg, &raw);
		uint64_t off;
		uint32_t stored;
		uint8_t dg[32];
		put_page(t, &raw, &off, &stored, dg);
		if (pg < 64)
			t->term_rec[pg] = recs.len;
		npk__buf_u64(&recs, off);
		npk__buf_u32(&recs, stored);
		npk__buf_u32(&recs, (uint32_t)raw.len);
		npk__buf_put(&recs, dg, 32);
		npk__buf_u8(&recs, (uint8_t)t->keys[k0].klen);
		npk__buf_put(&recs, t->keys[k0].key, t->keys[k0].klen);
		npk__buf_free(&raw);
		if (pg == 0)
			for (uint64_t i = 0; i < t->extra_gap; i++)
				npk__buf_u8(&t->post, 0);
	}
	t->norm_pages = (uint32_t)((n + 65535) / 65536);
	t->docs = t->total = 0;
	npk_buf nrecs = {0};
	for (uint32_t k = 0; k < t->norm_pages; k++) {
		npk_buf raw = {0};
		uint64_t a = (uint64_t)k * 65536, b = a + 65536 < n ? a + 65536 : n;
		npk__buf_put(&raw, t->norms + a, b - a);
		uint64_t off;
		uint32_t stored;
		uint8_t dg[32];
		put_page(t, &raw, &off, &stored, dg);
		if (k < 4)
			t->norm_off[k] = off;
		npk__buf_u64(&nrecs, off);
		npk__buf_u32(&nrecs, stored);
		npk__buf_u32(&nrecs, (uint32_t)raw.len);
		npk__buf_put(&nrecs, dg, 32);
		npk__buf_free(&raw);
	}
	for (uint64_t d = 0; d < n; d++) {
		t->docs += t->norms[d] > 0;
		t->total += tL(t->norms[d]);
	}
	npk_buf *r = &t->root;
	npk__buf_put(r, "NPKSRCH1", 8);
	npk__buf_u64(r, t->lo);
	npk__buf_u64(r, t->hi);
	npk__buf_u64(r, t->docs);
	npk__buf_u64(r, t->total);
	npk__buf_u64(r, t->nkeys);
	npk__buf_u32(r, t->term_pages);
	npk__buf_u32(r, t->norm_pages);
	npk__buf_u8(r, (uint8_t)t->codec);
	npk__buf_u8(r, (uint8_t)t->nlangs);
	npk__buf_u16(r, (uint16_t)strlen(t->versions));
	npk__buf_u32(r, 0);
	npk__buf_put(r, t->versions, strlen(t->versions));
	for (size_t i = 0; i < t->nlangs; i++) {
		uint8_t code[8] = {0};
		memcpy(code, t->lang[i], strlen(t->lang[i]));
		npk__buf_put(r, code, 8);
		npk__buf_u64(r, t->lang_docs[i]);
	}
	for (uint32_t pg = 0; pg < t->term_pages && pg < 64; pg++)
		t->term_rec[pg] += r->len;
	npk__buf_put(r, recs.p, recs.len);
	t->norm_rec = r->len;
	npk__buf_put(r, nrecs.p, nrecs.len);
	npk__buf_free(&recs);
	npk__buf_free(&nrecs);
	digest(t->root.p, t->root.len, t->digest);
}

static void tix_free(tix *t)
{
	npk__buf_free(&t->root);
	npk__buf_free(&t->post);
}

/* ---- The file in memory: the root, then the postings ---- */

typedef struct mem {
	uint8_t *p;
	size_t len;
	uint64_t reads;
} mem;

static int mem_read(void *ctx, uint64_t off, void *buf, size_t len, npk_error *err)
{
	mem *m = ctx;
	m->reads++;
	if (off > m->len || len > m->len - off)
		return npk__fail(err, NPK_E_FORMAT, "read beyond the file");
	memcpy(buf, m->p + off, len);
	return NPK_OK;
}

static void mem_of(mem *m, const tix *t)
{
	m->len = t->root.len + t->post.len;
	m->p = malloc(m->len ? m->len : 1);
	memcpy(m->p, t->root.p, t->root.len);
	if (t->post.len)
		memcpy(m->p + t->root.len, t->post.p, t->post.len);
	m->reads = 0;
}

static int open_ix(const tix *t, mem *m, npk__ix **ix, npk_error *err)
{
	mem_of(m, t);
	return npk__ix_open(mem_read, m, 0, t->root.len, t->digest, t->root.len, t->post.len,
	                    "a.npk", ix, err);
}

/* Re-digests the root after a change made to it by a test. */
static void redigest(tix *t)
{
	digest(t->root.p, t->root.len, t->digest);
}

/* ---- The test index ---- */

static uint32_t rnd_state = 12345;
static uint32_t rnd(void)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return rnd_state >> 8;
}

static void key_set(tkey *k, uint8_t code, const char *term)
{
	memset(k, 0, sizeof *k);
	k->key[0] = code;
	k->klen = 1 + strlen(term);
	memcpy(k->key + 1, term, strlen(term));
}

/* n postings, every step-th document from first, tf from f. */
static void key_docs(tkey *k, size_t n, uint32_t first, uint32_t step, uint32_t (*f)(size_t))
{
	k->n = n;
	k->doc = malloc(n * sizeof *k->doc + 4);
	k->tf = malloc(n * sizeof *k->tf + 4);
	for (size_t i = 0; i < n; i++) {
		k->doc[i] = first + (uint32_t)i * step;
		k->tf[i] = f(i);
	}
}

static uint32_t tf_one(size_t i) { (void)i; return 1; }
static uint32_t tf_var(size_t i) { return i % 1000 == 7 ? 65535 : 1 + (uint32_t)(i % 5); }
static uint32_t tf_rnd(size_t i) { (void)i; return 1 + rnd() % 300; }

#define N_DOCS 70000u
#define LO 5u

/* Keys sorted by the caller's order: each call adds the next. */
static tkey *add(tix *t, uint8_t code, const char *term)
{
	tkey *k = &t->keys[t->nkeys++];
	key_set(k, code, term);
	return k;
}

/* The index most tests use: lo 5, 70000 documents (two norm pages), keys
 * inline and chunked (3 chunks of 40000 postings, gap_bits 0 and 32, tf
 * up to 65535), 3 keys a term page, dates of field 8. */
static void make_main(tix *t, unsigned codec)
{
	memset(t, 0, sizeof *t);
	rnd_state = 12345;
	t->lo = LO;
	t->hi = LO + N_DOCS;
	t->codec = codec;
	t->versions = "unicode=14.0.0 libunistring=1.0.0 snowball=2.2.0";
	t->nlangs = 2;
	t->lang[0] = "en";
	t->lang_docs[0] = 60000;
	t->lang[1] = "und";
	t->lang_docs[1] = 100;
	t->keys = calloc(64, sizeof *t->keys);
	t->per_page = 3;
	key_docs(add(t, 1, "a"), 1, 0, 1, tf_one);
	key_docs(add(t, 1, "all"), 20000, 0, 1, tf_one);           /* gap_bits 0, 2 chunks */
	key_docs(add(t, 1, "big"), 40000, 3, 1, tf_var);           /* 3 chunks, tf 65535 */
	tkey *k = add(t, 1, "clim");
	key_docs(k, 300, 10, 200, tf_rnd);                          /* one chunk, 2 blocks + 44 */
	key_docs(add(t, 1, "climate"), 3, 7, 1000, tf_rnd);         /* inline */
	k = add(t, 1, "far");
	key_docs(k, 256, 0, 270, tf_one);                           /* gap_bits 32 */
	k->gap32 = 1;
	key_docs(add(t, 1, "last"), 1, N_DOCS - 1, 1, tf_one);
	k = add(t, 1, "small");
	key_docs(k, 2, 1, 1, tf_one);
	k->chunked = 1;                                             /* a chunk of 2 postings */
	key_docs(add(t, 2, "title"), 128, 100, 3, tf_one);          /* one full block inline? */
	key_docs(add(t, 8, "2023-12-31"), 4, 50, 2, tf_one);
	key_docs(add(t, 8, "2024-01"), 2, 60, 2, tf_one);
	key_docs(add(t, 8, "2024-01-01"), 5, 70, 2, tf_one);
	key_docs(add(t, 8, "2024-06-15"), 1, 80, 2, tf_one);
	key_docs(add(t, 8, "2024-12-31"), 1, 90, 2, tf_one);
	key_docs(add(t, 8, "2025-01-01"), 1, 99, 2, tf_one);
	t->norms = malloc(N_DOCS);
	for (uint32_t d = 0; d < N_DOCS; d++)
		t->norms[d] = (uint8_t)(d % 7 == 0 ? 0 : rnd() % 256);
	t->norms[1] = 16;
	t->norms[2] = 17;
	t->norms[3] = 24;
	t->norms[4] = 255;
	t->norms[65536] = 15;
	t->norms[N_DOCS - 1] = 200;
}

static void make_free(tix *t)
{
	for (size_t i = 0; i < t->nkeys; i++) {
		free(t->keys[i].doc);
		free(t->keys[i].tf);
	}
	free(t->keys);
	free(t->norms);
	tix_free(t);
}

/* Reads the key's postings whole and compares them with what was written. */
static int same_postings(npk__ix *ix, const tkey *k, npk_error *err)
{
	npk__postings p;
	int ok = npk__ix_lookup(ix, k->key, k->klen, &p, err) == NPK_OK && p.df == k->n;
	for (size_t i = 0; ok && i < k->n; i++) {
		uint64_t d;
		uint32_t tf;
		ok = npk__postings_next(&p, &d, &tf, err) == 1 && d == LO + k->doc[i] && tf == k->tf[i];
	}
	uint64_t d;
	uint32_t tf;
	ok = ok && npk__postings_next(&p, &d, &tf, err) == 0;
	npk__postings_free(&p);
	return ok;
}

DEFINE_TEST(test_ixread_roundtrip)
{
	npk_error err;
	CHECK(sodium_init() >= 0);
	for (unsigned codec = 1; codec <= 2; codec++) {
		tix t;
		make_main(&t, codec);
		build(&t);
		mem m;
		npk__ix *ix = NULL;
		CHECK_RC(open_ix(&t, &m, &ix, &err), NPK_OK, &err);
		CHECK_EQ_INT(npk__ix_lo(ix), LO);
		CHECK_EQ_INT(npk__ix_hi(ix), LO + N_DOCS);
		CHECK_EQ_INT(npk__ix_docs(ix), t.docs);
		CHECK_EQ_INT(npk__ix_total(ix), t.total);
		CHECK_EQ_INT(npk__ix_keys_count(ix), t.nkeys);
		CHECK_STR(npk__ix_versions(ix), t.versions);
		CHECK_EQ_INT(npk__ix_langs(ix), 2);
		uint64_t ld = 0;
		CHECK_STR(npk__ix_lang(ix, 1, &ld), "und");
		CHECK_EQ_INT(ld, 100);
		CHECK(npk__ix_lang(ix, 2, NULL) == NULL);
		for (size_t i = 0; i < t.nkeys; i++) {
			if (!same_postings(ix, &t.keys[i], &err)) {
				fprintf(stderr, "  key %zu: %s\n", i, err.msg);
				CHECK(0);
			}
		}
		/* absent: before every page, between keys, a prefix, longer, after all */
		const char *absent[] = { "\x01", "\x01" "0", "\x01" "ab", "\x01" "cli", "\x01" "climates",
		                         "\x01" "zzz", "\x02" "a", "\x09" "x", "\x00" "a" };
		for (size_t i = 0; i < sizeof absent / sizeof absent[0]; i++) {
			npk__postings p;
			size_t len = i == 8 ? 2 : strlen(absent[i]);
			CHECK_RC(npk__ix_lookup(ix, (const uint8_t *)absent[i], len, &p, &err), NPK_OK, &err);
			CHECK_EQ_INT(p.df, 0);
			uint64_t d;
			uint32_t tf;
			CHECK_EQ_INT(npk__postings_next(&p, &d, &tf, &err), 0);
			npk__postings_free(&p);
		}
		/* verify finds nothing */
		uint64_t problems = 99;
		CHECK_RC(npk__ix_verify(ix, NULL, NULL, &problems, &err), NPK_OK, &err);
		CHECK_EQ_INT(problems, 0);
		npk__ix_free(ix);
		free(m.p);
		make_free(&t);
	}
}

DEFINE_TEST(test_ixread_seek)
{
	npk_error err;
	tix t;
	make_main(&t, 1);
	build(&t);
	mem m;
	npk__ix *ix = NULL;
	CHECK_RC(open_ix(&t, &m, &ix, &err), NPK_OK, &err);
	const tkey *big = &t.keys[2];   /* docs 3 .. 40002, chunks end at 16386, 32770 */
	npk__postings p;
	CHECK_RC(npk__ix_lookup(ix, big->key, big->klen, &p, &err), NPK_OK, &err);
	uint64_t reads = m.reads, d = 0;
	uint32_t tf = 0;
	/* into chunk 2: chunks 0 and 1 are not read */
	CHECK_EQ_INT(npk__postings_seek(&p, LO + 33000, &d, &tf, &err), 1);
	CHECK_EQ_INT(d, LO + 33000);
	CHECK_EQ_INT(tf, big->tf[33000 - 3]);
	CHECK_EQ_INT(m.reads, reads + 1);
	/* the same target, or one before: the same posting */
	CHECK_EQ_INT(npk__postings_seek(&p, LO + 10, &d, &tf, &err), 1);
	CHECK_EQ_INT(d, LO + 33000);
	CHECK_EQ_INT(npk__postings_next(&p, &d, &tf, &err), 1);
	CHECK_EQ_INT(d, LO + 33001);
	/* past the last: the end, nothing read */
	reads = m.reads;
	CHECK_EQ_INT(npk__postings_seek(&p, LO + 40003, &d, &tf, &err), 0);
	CHECK_EQ_INT(m.reads, reads);
	npk__postings_free(&p);
	/* from the start, to the last posting of chunk 0, then the first of chunk 1 */
	CHECK_RC(npk__ix_lookup(ix, big->key, big->klen, &p, &err), NPK_OK, &err);
	CHECK_EQ_INT(npk__postings_seek(&p, 0, &d, &tf, &err), 1);
	CHECK_EQ_INT(d, LO + 3);
	CHECK_EQ_INT(npk__postings_seek(&p, LO + 16386, &d, &tf, &err), 1);
	CHECK_EQ_INT(d, LO + 16386);
	CHECK_EQ_INT(npk__postings_seek(&p, LO + 16387, &d, &tf, &err), 1);
	CHECK_EQ_INT(d, LO + 16387);
	CHECK_EQ_INT(npk__postings_seek(&p, t.hi, &d, &tf, &err), 0);
	npk__postings_free(&p);
	/* skip: chunks below the target are not read, the next block starts
	 * at the first chunk that may hold it; inside the chunk being read, or
	 * before lo, it changes nothing */
	CHECK_RC(npk__ix_lookup(ix, big->key, big->klen, &p, &err), NPK_OK, &err);
	const uint32_t *docs, *tfs;
	size_t n;
	npk__postings_skip(&p, 0);
	CHECK_EQ_INT(npk__postings_block(&p, &docs, &tfs, &n, &err), 1);
	CHECK_EQ_INT(docs[0], 3);
	npk__postings_skip(&p, LO + 16000);
	CHECK_EQ_INT(npk__postings_block(&p, &docs, &tfs, &n, &err), 1);
	CHECK(n > 0 && docs[0] < 16000);
	reads = m.reads;
	npk__postings_skip(&p, LO + 33000);
	CHECK_EQ_INT(npk__postings_block(&p, &docs, &tfs, &n, &err), 1);
	CHECK_EQ_INT(docs[0], 32771);
	CHECK_EQ_INT(tfs[0], big->tf[32771 - 3]);
	CHECK_EQ_INT(m.reads, reads + 1);
	npk__postings_skip(&p, t.hi + 5);
	CHECK_EQ_INT(npk__postings_block(&p, &docs, &tfs, &n, &err), 0);
	npk__postings_free(&p);
	/* gap_bits 32: every 270th document */
	const tkey *far = &t.keys[5];
	CHECK_RC(npk__ix_lookup(ix, far->key, far->klen, &p, &err), NPK_OK, &err);
	CHECK_EQ_INT(npk__postings_seek(&p, LO + 271, &d, &tf, &err), 1);
	CHECK_EQ_INT(d, LO + 540);
	npk__postings_free(&p);
	/* an inline run */
	const tkey *cl = &t.keys[4];
	CHECK_RC(npk__ix_lookup(ix, cl->key, cl->klen, &p, &err), NPK_OK, &err);
	CHECK_EQ_INT(npk__postings_seek(&p, LO + 8, &d, &tf, &err), 1);
	CHECK_EQ_INT(d, LO + 1007);
	npk__postings_free(&p);
	npk__ix_free(ix);
	free(m.p);
	make_free(&t);
}

typedef struct keyset {
	char s[512];
	size_t n;
	uint64_t df_sum;
	int stop_after;
} keyset;

static int collect_key(void *ctx, const uint8_t *key, size_t len, uint64_t df)
{
	keyset *ks = ctx;
	ks->n += (size_t)snprintf(ks->s + ks->n, sizeof ks->s - ks->n, "%.*s ", (int)len - 1,
	                          (const char *)key + 1);
	ks->df_sum += df;
	return --ks->stop_after == 0;
}

DEFINE_TEST(test_ixread_keys)
{
	npk_error err;
	tix t;
	make_main(&t, 2);
	build(&t);
	mem m;
	npk__ix *ix = NULL;
	CHECK_RC(open_ix(&t, &m, &ix, &err), NPK_OK, &err);
	keyset ks = { .stop_after = -1 };
	CHECK_RC(npk__ix_keys(ix, (const uint8_t *)"\x08" "2024", 5, (const uint8_t *)"\x08" "2024-12-31",
	                      11, collect_key, &ks, &err), NPK_OK, &err);
	CHECK_STR(ks.s, "2024-01 2024-01-01 2024-06-15 2024-12-31 ");
	CHECK_EQ_INT(ks.df_sum, 2 + 5 + 1 + 1);
	/* across pages, from before the first key; stopped by the callback */
	keyset ks2 = { .stop_after = 4 };
	CHECK_RC(npk__ix_keys(ix, (const uint8_t *)"\x01", 1, (const uint8_t *)"\x09", 1, collect_key,
	                      &ks2, &err), NPK_OK, &err);
	CHECK_STR(ks2.s, "a all big clim ");
	/* everything */
	keyset ks3 = { .stop_after = -1 };
	CHECK_RC(npk__ix_keys(ix, (const uint8_t *)"", 0, (const uint8_t *)"\xff", 1, collect_key,
	                      &ks3, &err), NPK_OK, &err);
	CHECK_EQ_INT(ks3.df_sum, 1 + 20000 + 40000 + 300 + 3 + 256 + 1 + 2 + 128 + 4 + 2 + 5 + 1 + 1 + 1);
	/* an empty range, and a reversed one */
	keyset ks4 = { .stop_after = -1 };
	CHECK_RC(npk__ix_keys(ix, (const uint8_t *)"\x08" "2026", 5, (const uint8_t *)"\x08" "2027", 5,
	                      collect_key, &ks4, &err), NPK_OK, &err);
	CHECK_RC(npk__ix_keys(ix, (const uint8_t *)"\x08" "2025", 5, (const uint8_t *)"\x08" "2024", 5,
	                      collect_key, &ks4, &err), NPK_OK, &err);
	CHECK_EQ_INT(ks4.n, 0);
	npk__ix_free(ix);
	free(m.p);
	make_free(&t);
}

DEFINE_TEST(test_ixread_norms)
{
	npk_error err;
	/* 9.5: L(c) */
	CHECK_EQ_INT(npk__ix_norm_length(0), 0);
	CHECK_EQ_INT(npk__ix_norm_length(15), 15);
	CHECK_EQ_INT(npk__ix_norm_length(16), 16);
	CHECK_EQ_INT(npk__ix_norm_length(17), 18);
	CHECK_EQ_INT(npk__ix_norm_length(23), 30);
	CHECK_EQ_INT(npk__ix_norm_length(24), 32);
	CHECK_EQ_INT(npk__ix_norm_length(25), 36);
	CHECK(npk__ix_norm_length(255) == (uint64_t)15 << 30);
	tix t;
	make_main(&t, 1);
	build(&t);
	mem m;
	npk__ix *ix = NULL;
	CHECK_RC(open_ix(&t, &m, &ix, &err), NPK_OK, &err);
	uint64_t len = 1;
	CHECK_RC(npk__ix_length(ix, LO + 1, &len, &err), NPK_OK, &err);
	CHECK_EQ_INT(len, 16);
	CHECK_RC(npk__ix_length(ix, LO + 2, &len, &err), NPK_OK, &err);
	CHECK_EQ_INT(len, 18);
	CHECK_RC(npk__ix_length(ix, LO + 3, &len, &err), NPK_OK, &err);
	CHECK_EQ_INT(len, 32);
	CHECK_RC(npk__ix_length(ix, LO + 4, &len, &err), NPK_OK, &err);
	CHECK(len == (uint64_t)15 << 30);
	CHECK_RC(npk__ix_length(ix, LO + 65536, &len, &err), NPK_OK, &err);
	CHECK_EQ_INT(len, 15);
	CHECK_RC(npk__ix_length(ix, LO + N_DOCS - 1, &len, &err), NPK_OK, &err);
	CHECK_EQ_INT(len, tL(200));
	uint64_t reads = m.reads;
	CHECK_RC(npk__ix_length(ix, LO + 7, &len, &err), NPK_OK, &err);   /* cached, code 0 */
	CHECK_EQ_INT(len, 0);
	CHECK_EQ_INT(m.reads, reads);
	for (uint64_t d = 0; d < N_DOCS; d += 997) {
		CHECK_RC(npk__ix_length(ix, LO + d, &len, &err), NPK_OK, &err);
		CHECK_EQ_INT(len, tL(t.norms[d]));
	}
	/* outside [lo, hi) */
	CHECK_RC(npk__ix_length(ix, LO - 1, &len, &err), NPK_OK, &err);
	CHECK_EQ_INT(len, 0);
	CHECK_RC(npk__ix_length(ix, LO + N_DOCS, &len, &err), NPK_OK, &err);
	CHECK_EQ_INT(len, 0);
	npk__ix_free(ix);
	free(m.p);
	make_free(&t);
}

DEFINE_TEST(test_ixread_empty)
{
	npk_error err;
	tix t;
	memset(&t, 0, sizeof t);
	t.lo = t.hi = 9;
	t.codec = 1;
	t.versions = "v";
	t.per_page = 1;
	t.norms = malloc(1);
	build(&t);
	CHECK_EQ_INT(t.root.len, 65);
	mem m;
	npk__ix *ix = NULL;
	CHECK_RC(open_ix(&t, &m, &ix, &err), NPK_OK, &err);
	npk__postings p;
	CHECK_RC(npk__ix_lookup(ix, (const uint8_t *)"\x01x", 2, &p, &err), NPK_OK, &err);
	CHECK_EQ_INT(p.df, 0);
	npk__postings_free(&p);
	uint64_t len = 5, problems = 5;
	CHECK_RC(npk__ix_length(ix, 9, &len, &err), NPK_OK, &err);
	CHECK_EQ_INT(len, 0);
	CHECK_RC(npk__ix_verify(ix, NULL, NULL, &problems, &err), NPK_OK, &err);
	CHECK_EQ_INT(problems, 0);
	npk__ix_free(ix);
	free(m.p);
	free(t.norms);
	tix_free(&t);
}

/* ---- Hostile roots ---- */

/* Opens t's root after change(t) (which re-digests unless told not to) and
 * expects code, and a message naming the archive and the search index. */
static int refused_open(tix *t, int code, const char *want)
{
	mem m;
	npk__ix *ix = NULL;
	npk_error err;
	memset(&err, 0, sizeof err);
	int rc = open_ix(t, &m, &ix, &err);
	free(m.p);
	npk__ix_free(ix);
	if (rc != code || ix != NULL || strncmp(err.msg, "a.npk: search index: ", 21) != 0 ||
	    (want && !strstr(err.msg, want))) {
		fprintf(stderr, "  open gave %d (%s), expected %d (%s)\n", rc, err.msg, code,
		        want ? want : "");
		return 0;
	}
	return 1;
}

typedef void (*root_change)(tix *t);

static void r_magic(tix *t) { t->root.p[7] = '2'; }
static void r_lohi(tix *t) { npk__st64(t->root.p + 8, t->hi + 1); }
static void r_span(tix *t)
{
	npk__st64(t->root.p + 8, 0);
	npk__st64(t->root.p + 16, (1ull << 32) + 1);
}
static void r_docs(tix *t) { npk__st64(t->root.p + 24, N_DOCS + 1); }
static void r_total(tix *t) { npk__st64(t->root.p + 32, t->docs - 1); }
static void r_keys0(tix *t) { npk__st64(t->root.p + 40, 0); }
static void r_pages_big(tix *t)
{
	npk__st64(t->root.p + 40, UINT64_MAX);
	npk__st32(t->root.p + 48, UINT32_MAX);
}
static void r_pages_more(tix *t) { npk__st32(t->root.p + 48, t->term_pages + 1); }
static void r_norm_pages(tix *t) { npk__st32(t->root.p + 52, 3); }
static void r_norm_pages_big(tix *t) { npk__st32(t->root.p + 52, UINT32_MAX); }
static void r_codec(tix *t) { t->root.p[56] = 3; }
static void r_langs(tix *t) { t->root.p[57] = 65; }
static void r_langs_more(tix *t) { t->root.p[57] = 3; }
static void r_vlen0(tix *t) { npk__st16(t->root.p + 58, 0); }
static void r_vlen_big(tix *t) { npk__st16(t->root.p + 58, 256); }
static void r_reserved(tix *t) { t->root.p[61] = 1; }
static void r_version_ctl(tix *t) { t->root.p[64] = '\n'; }
static void r_trailing(tix *t) { npk__buf_u8(&t->root, 0); }
static void r_short(tix *t) { t->root.len -= 1; }
static void r_lang_order(tix *t)
{
	size_t at = 64 + strlen(t->versions);
	memcpy(t->root.p + at, "zz\0\0\0\0\0\0", 8);
}
static void r_lang_pad(tix *t) { t->root.p[64 + strlen(t->versions) + 4] = 'x'; }
static void r_lang_sum(tix *t) { npk__st64(t->root.p + 64 + strlen(t->versions) + 8, N_DOCS); }
/* term page records: offset u64, stored u32, raw u32, digest, first_len, first */
static void r_tp_off(tix *t) { npk__st64(t->root.p + t->term_rec[1], t->post.len - 1); }
static void r_tp_off_wrap(tix *t) { npk__st64(t->root.p + t->term_rec[1], UINT64_MAX - 2); }
static void r_tp_stored(tix *t) { npk__st32(t->root.p + t->term_rec[1] + 8, UINT32_MAX); }
static void r_tp_stored0(tix *t) { npk__st32(t->root.p + t->term_rec[1] + 8, 0); }
static void r_tp_raw(tix *t) { npk__st32(t->root.p + t->term_rec[1] + 12, (1u << 20) + 1); }
static void r_tp_first_len0(tix *t) { t->root.p[t->term_rec[1] + 48] = 0; }
static void r_tp_first_len66(tix *t) { t->root.p[t->term_rec[1] + 48] = 66; }
static void r_tp_order(tix *t)
{
	/* page 1's first key becomes page 0's ("\x01a" then "\x01clim": "\x01a" and "\x01\x01") */
	uint8_t *rec = t->root.p + t->term_rec[1];
	rec[48 + 2] = 0x01;
}
static void r_np_raw(tix *t) { npk__st32(t->root.p + t->norm_rec + 48 + 12, 4465); }
static void r_np_off(tix *t) { npk__st64(t->root.p + t->norm_rec + 48, t->post.len); }

DEFINE_TEST(test_ixread_hostile_root)
{
	static const struct {
		root_change f;
		int code;
		const char *want;
	} cases[] = {
		{ r_magic, NPK_E_FORMAT, "NPKSRCH1" },
		{ r_lohi, NPK_E_FORMAT, "lo <= hi" },
		{ r_span, NPK_E_FORMAT, "2^32" },
		{ r_docs, NPK_E_FORMAT, "docs" },
		{ r_total, NPK_E_FORMAT, "total" },
		{ r_keys0, NPK_E_FORMAT, "term pages for 0 keys" },
		{ r_pages_big, NPK_E_FORMAT, "too short" },
		{ r_pages_more, NPK_E_FORMAT, NULL },
		{ r_norm_pages, NPK_E_FORMAT, "norm pages" },
		{ r_norm_pages_big, NPK_E_FORMAT, "norm pages" },
		{ r_codec, NPK_E_FORMAT, "codec 3" },
		{ r_langs, NPK_E_FORMAT, "65 languages" },
		{ r_langs_more, NPK_E_FORMAT, NULL },
		{ r_vlen0, NPK_E_FORMAT, "versions_len 0" },
		{ r_vlen_big, NPK_E_FORMAT, "versions_len 256" },
		{ r_reserved, NPK_E_FORMAT, "reserved" },
		{ r_version_ctl, NPK_E_FORMAT, "printable" },
		{ r_trailing, NPK_E_FORMAT, "1 bytes after the root's last record" },
		{ r_short, NPK_E_FORMAT, "norm page record 1" },
		{ r_lang_order, NPK_E_FORMAT, "strictly increase" },
		{ r_lang_pad, NPK_E_FORMAT, "padded" },
		{ r_lang_sum, NPK_E_FORMAT, "more documents" },
		{ r_tp_off, NPK_E_FORMAT, "term page 1 lies outside" },
		{ r_tp_off_wrap, NPK_E_FORMAT, "term page 1 lies outside" },
		{ r_tp_stored, NPK_E_FORMAT, "stored bytes" },
		{ r_tp_stored0, NPK_E_FORMAT, "stored bytes" },
		{ r_tp_raw, NPK_E_FORMAT, "raw size 1048577" },
		{ r_tp_first_len0, NPK_E_FORMAT, "first key of 0 bytes" },
		{ r_tp_first_len66, NPK_E_FORMAT, "first key of 66 bytes" },
		{ r_tp_order, NPK_E_FORMAT, "not above the one before" },
		{ r_np_raw, NPK_E_FORMAT, "norm page 1: raw size 4465" },
		{ r_np_off, NPK_E_FORMAT, "norm page 1 lies outside" },
	};
	tix t;
	make_main(&t, 1);
	build(&t);
	npk_buf good = {0};
	npk__buf_put(&good, t.root.p, t.root.len);
	/* the digest from the directory must match */
	t.digest[5] ^= 1;
	CHECK(refused_open(&t, NPK_E_DIGEST, "does not match its digest in the directory"));
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		t.root.len = 0;
		npk__buf_put(&t.root, good.p, good.len);
		cases[i].f(&t);
		redigest(&t);
		if (!refused_open(&t, cases[i].code, cases[i].want)) {
			fprintf(stderr, "  hostile root case %zu\n", i);
			CHECK(0);
		}
	}
	/* a root shorter than its fixed part, and one whose end wraps */
	mem m;
	npk__ix *ix = NULL;
	npk_error err;
	mem_of(&m, &t);
	CHECK_EQ_INT(npk__ix_open(mem_read, &m, 0, 63, t.digest, 0, 0, "a.npk", &ix, &err), NPK_E_FORMAT);
	CHECK_EQ_INT(npk__ix_open(mem_read, &m, 2, UINT64_MAX, t.digest, 0, 0, "a.npk", &ix, &err),
	             NPK_E_FORMAT);
	CHECK_EQ_INT(npk__ix_open(mem_read, &m, 0, 100, t.digest, 2, UINT64_MAX, "a.npk", &ix, &err),
	             NPK_E_FORMAT);
	CHECK(ix == NULL);
	free(m.p);
	npk__buf_free(&good);
	make_free(&t);
}

/* ---- Hostile term pages and chunks ---- */

/* Looks up key in t (built already) and expects code from the lookup or,
 * when iterate, from reading the postings. */
static int refused_key(tix *t, const char *key, size_t klen, int code, const char *want)
{
	mem m;
	npk__ix *ix = NULL;
	npk_error err;
	memset(&err, 0, sizeof err);
	int rc = open_ix(t, &m, &ix, &err);
	npk__postings p;
	memset(&p, 0, sizeof p);
	if (rc == NPK_OK)
		rc = npk__ix_lookup(ix, (const uint8_t *)key, klen, &p, &err);
	while (rc == NPK_OK) {
		uint64_t d;
		uint32_t tf;
		int n = npk__postings_next(&p, &d, &tf, &err);
		if (n <= 0) {
			rc = -n;
			break;
		}
	}
	npk__postings_free(&p);
	npk__ix_free(ix);
	free(m.p);
	if (rc != code || (code != NPK_OK && (strncmp(err.msg, "a.npk: search index: ", 21) != 0 ||
	                                      (want && !strstr(err.msg, want))))) {
		fprintf(stderr, "  reading %s gave %d (%s), expected %d (%s)\n", key + 1, rc, err.msg,
		        code, want ? want : "");
		return 0;
	}
	return 1;
}

/* A small index: 4 keys, 2 a page ("\x01aa" "\x01ab" | "\x01ba" "\x01bb"),
 * 1000 documents; "\x01bb" in one chunk. */
static void make_small(tix *t)
{
	memset(t, 0, sizeof *t);
	t->lo = 0;
	t->hi = 1000;
	t->codec = 1;
	t->versions = "v";
	t->keys = calloc(8, sizeof *t->keys);
	t->per_page = 2;
	key_docs(add(t, 1, "aa"), 3, 1, 5, tf_one);
	key_docs(add(t, 1, "ab"), 3, 2, 5, tf_one);
	key_docs(add(t, 1, "ba"), 130, 0, 7, tf_var);
	key_docs(add(t, 1, "bb"), 300, 0, 3, tf_one);
	t->keys[3].chunked = 1;
	t->norms = calloc(1000, 1);
}

/* Page hooks: page 0's raw bytes replaced by hand-made ones. */
static npk_buf hand;
static void hook_hand(uint32_t page, npk_buf *raw)
{
	if (page != 0)
		return;
	raw->len = 0;
	npk__buf_put(raw, hand.p, hand.len);
}

/* A record: shared, suffix, then the bytes given (df, chunks, ...). */
static void hand_rec(uint8_t shared, const char *suffix, const void *rest, size_t rlen)
{
	npk__buf_u8(&hand, shared);
	npk__buf_u8(&hand, (uint8_t)strlen(suffix));
	npk__buf_put(&hand, suffix, strlen(suffix));
	npk__buf_put(&hand, rest, rlen);
}

/* A good record of one posting inline (doc 1, tf 1): df 1, chunks 0, len 2, gap 1, tf-1 0. */
#define ONE "\x01\x00\x02\x01\x00", 5

static int hand_page(const char *key, size_t klen, int code, const char *want)
{
	tix t;
	make_small(&t);
	t.page_hook = hook_hand;
	build(&t);
	int ok = refused_key(&t, key, klen, code, want);
	make_free(&t);
	npk__buf_free(&hand);
	return ok;
}

DEFINE_TEST(test_ixread_hostile_pages)
{
	/* the good hand-made page reads */
	npk__buf_u32(&hand, 2);
	hand_rec(0, "\x01" "aa", ONE);
	hand_rec(2, "b", ONE);
	{
		tix t;
		make_small(&t);
		t.page_hook = hook_hand;
		build(&t);
		mem m;
		npk__ix *ix = NULL;
		npk_error err;
		CHECK_RC(open_ix(&t, &m, &ix, &err), NPK_OK, &err);
		npk__postings p;
		CHECK_RC(npk__ix_lookup(ix, (const uint8_t *)"\x01" "ab", 3, &p, &err), NPK_OK, &err);
		uint64_t d;
		uint32_t tf;
		CHECK_EQ_INT(p.df, 1);
		CHECK_EQ_INT(npk__postings_next(&p, &d, &tf, &err), 1);
		CHECK_EQ_INT(d, 1);
		npk__postings_free(&p);
		npk__ix_free(ix);
		free(m.p);
		make_free(&t);
		npk__buf_free(&hand);
	}
	/* count 0 */
	npk__buf_u32(&hand, 0);
	CHECK(hand_page("\x01" "aa", 3, NPK_E_FORMAT, "term page 0 (keys from \"\\x01aa\"): no count"));
	/* the first key is not the root's */
	npk__buf_u32(&hand, 1);
	hand_rec(0, "\x01" "ab", ONE);
	CHECK(hand_page("\x01" "ab", 3, NPK_E_FORMAT, "not the page's first key"));
	/* a key of page 0 at or above page 1's first key ("\x01ba") */
	npk__buf_u32(&hand, 2);
	hand_rec(0, "\x01" "aa", ONE);
	hand_rec(1, "ba", ONE);
	CHECK(hand_page("\x01" "aa", 3, NPK_E_FORMAT, "below the next page's first key"));
	/* keys not increasing */
	npk__buf_u32(&hand, 2);
	hand_rec(0, "\x01" "aa", ONE);
	hand_rec(2, "a", ONE);
	CHECK(hand_page("\x01" "aa", 3, NPK_E_FORMAT, "strictly increase"));
	/* shared > the previous key's length */
	npk__buf_u32(&hand, 2);
	hand_rec(0, "\x01" "aa", ONE);
	hand_rec(4, "b", ONE);
	CHECK(hand_page("\x01" "aa", 3, NPK_E_FORMAT, "shares more bytes"));
	/* the first record shares */
	npk__buf_u32(&hand, 1);
	hand_rec(1, "\x01" "aa", ONE);
	CHECK(hand_page("\x01" "aa", 3, NPK_E_FORMAT, "shares bytes with none"));
	/* a key of 1 byte */
	npk__buf_u32(&hand, 2);
	hand_rec(0, "\x01" "aa", ONE);
	hand_rec(0, "\x01", ONE);
	CHECK(hand_page("\x01" "aa", 3, NPK_E_FORMAT, "2 to 65 bytes"));
	/* varints: overlong (11 bytes), above 2^64 - 1, not minimal, cut */
	npk__buf_u32(&hand, 1);
	hand_rec(0, "\x01" "aa", "\x81\x80\x80\x80\x80\x80\x80\x80\x80\x80\x00", 11);
	CHECK(hand_page("\x01" "aa", 3, NPK_E_FORMAT, "longer than 10 bytes"));
	npk__buf_u32(&hand, 1);
	hand_rec(0, "\x01" "aa", "\x81\x80\x80\x80\x80\x80\x80\x80\x80\x02", 10);
	CHECK(hand_page("\x01" "aa", 3, NPK_E_FORMAT, "above 2^64 - 1"));
	npk__buf_u32(&hand, 1);
	hand_rec(0, "\x01" "aa", "\x81\x00\x00\x02\x01\x00", 6);
	CHECK(hand_page("\x01" "aa", 3, NPK_E_FORMAT, "not minimal"));
	npk__buf_u32(&hand, 1);
	hand_rec(0, "\x01" "aa", "\x81", 1);
	CHECK(hand_page("\x01" "aa", 3, NPK_E_FORMAT, "runs past the end"));
	/* df 0, df above hi - lo (1000 = 0xe8 0x07; 1001 = 0xe9 0x07) */
	npk__buf_u32(&hand, 1);
	hand_rec(0, "\x01" "aa", "\x00\x00\x02\x01\x00", 5);
	CHECK(hand_page("\x01" "aa", 3, NPK_E_FORMAT, "df is not 1 to hi - lo"));
	npk__buf_u32(&hand, 1);
	hand_rec(0, "\x01" "aa", "\xe9\x07\x01\x00", 4);
	CHECK(hand_page("\x01" "aa", 3, NPK_E_FORMAT, "df is not 1 to hi - lo"));
	/* inline longer than 65536, or than the page */
	npk__buf_u32(&hand, 1);
	hand_rec(0, "\x01" "aa", "\x01\x00\x81\x80\x04", 5);
	CHECK(hand_page("\x01" "aa", 3, NPK_E_FORMAT, "longer than 65536"));
	npk__buf_u32(&hand, 1);
	hand_rec(0, "\x01" "aa", "\x01\x00\x09\x01\x00", 5);
	CHECK(hand_page("\x01" "aa", 3, NPK_E_FORMAT, "inline postings run past the end"));
	/* bytes after the last record */
	npk__buf_u32(&hand, 1);
	hand_rec(0, "\x01" "aa", ONE);
	npk__buf_u8(&hand, 0);
	CHECK(hand_page("\x01" "aa", 3, NPK_E_FORMAT, "1 bytes after the last record"));
	/* chunks: not ceil(df / 16384); len 0; len above 1 MiB; last not increasing; last >= hi;
	 * a chunk beyond the section. df 2, chunks 2 / 1, offset 0, then len, last, digest */
	static const uint8_t dg[32];
	npk__buf_u32(&hand, 1);
	hand_rec(0, "\x01" "aa", "\x02\x02\x00", 3);
	CHECK(hand_page("\x01" "aa", 3, NPK_E_FORMAT, "ceil(df / 16384)"));
	npk__buf_u32(&hand, 1);
	hand_rec(0, "\x01" "aa", "\x02\x01\x00\x00\x05", 5);
	npk__buf_put(&hand, dg, 32);
	CHECK(hand_page("\x01" "aa", 3, NPK_E_FORMAT, "len is not 1 to 1 MiB"));
	npk__buf_u32(&hand, 1);
	hand_rec(0, "\x01" "aa", "\x02\x01\x00\x81\x80\x40\x05", 7);
	npk__buf_put(&hand, dg, 32);
	CHECK(hand_page("\x01" "aa", 3, NPK_E_FORMAT, "len is not 1 to 1 MiB"));
	npk__buf_u32(&hand, 1);
	hand_rec(0, "\x01" "aa", "\x81\x80\x01\x02\x00\x04\x90\x80\x01", 9);   /* df 16385, 2 chunks */
	npk__buf_put(&hand, dg, 32);
	npk__buf_put(&hand, "\x04\x90\x80\x01", 4);
	npk__buf_put(&hand, dg, 32);
	{
		tix t;
		make_small(&t);
		t.hi = 20000;
		free(t.norms);
		t.norms = calloc(20000, 1);
		t.page_hook = hook_hand;
		build(&t);
		CHECK(refused_key(&t, "\x01" "aa", 3, NPK_E_FORMAT, "last values do not increase"));
		make_free(&t);
		npk__buf_free(&hand);
	}
	npk__buf_u32(&hand, 1);
	hand_rec(0, "\x01" "aa", "\x02\x01\x00\x04\xe8\x07", 6);
	npk__buf_put(&hand, dg, 32);
	CHECK(hand_page("\x01" "aa", 3, NPK_E_FORMAT, "not below hi"));
	npk__buf_u32(&hand, 1);
	hand_rec(0, "\x01" "aa", "\x02\x01\xff\xff\x03\x04\x05", 7);
	npk__buf_put(&hand, dg, 32);
	CHECK(hand_page("\x01" "aa", 3, NPK_E_FORMAT, "outside the postings section"));
	/* a chunk record cut short */
	npk__buf_u32(&hand, 1);
	hand_rec(0, "\x01" "aa", "\x02\x01\x00\x04\x05", 5);
	npk__buf_put(&hand, dg, 31);
	CHECK(hand_page("\x01" "aa", 3, NPK_E_FORMAT, "chunk record runs past the end"));
	/* a chunk whose digest differs */
	npk__buf_u32(&hand, 1);
	hand_rec(0, "\x01" "aa", "\x02\x01\x00\x04\x05", 5);
	npk__buf_put(&hand, dg, 32);
	CHECK(hand_page("\x01" "aa", 3, NPK_E_DIGEST,
	                "key \"\\x01aa\" chunk 0 does not match its digest"));
	/* inline postings: a document at hi, a tf above 65535, bytes left over, a cut block,
	 * gap_bits 33, tf_bits 17, a 128-block cut short */
	npk__buf_u32(&hand, 1);
	hand_rec(0, "\x01" "aa", "\x01\x00\x03\xe8\x07\x00", 6);
	CHECK(hand_page("\x01" "aa", 3, NPK_E_FORMAT,
	                "\"\\x01aa\" (inline postings): a document is not below hi"));
	npk__buf_u32(&hand, 1);
	hand_rec(0, "\x01" "aa", "\x01\x00\x04\x00\xff\xff\x03", 7);
	CHECK(hand_page("\x01" "aa", 3, NPK_E_FORMAT, "above 65535"));
	npk__buf_u32(&hand, 1);
	hand_rec(0, "\x01" "aa", "\x01\x00\x04\x00\xfe\xff\x03", 7);
	CHECK(hand_page("\x01" "aa", 3, NPK_OK, NULL));
	npk__buf_u32(&hand, 1);
	hand_rec(0, "\x01" "aa", "\x01\x00\x03\x01\x00\x00", 6);
	CHECK(hand_page("\x01" "aa", 3, NPK_E_FORMAT, "left over"));
	npk__buf_u32(&hand, 1);
	hand_rec(0, "\x01" "aa", "\x02\x00\x02\x01\x00", 5);
	CHECK(hand_page("\x01" "aa", 3, NPK_E_FORMAT, "varint runs past the end"));
	{
		uint8_t blk[2 + 16 * 2];
		memset(blk, 0, sizeof blk);
		blk[1] = 2;   /* gap_bits 0, tf_bits 2 */
		for (int bad = 0; bad < 3; bad++) {
			npk__buf_u32(&hand, 1);
			uint8_t head[4] = { 0x80, 0x01, 0x00, sizeof blk };   /* df 128, inline, len 34 */
			blk[0] = bad == 0 ? 33 : 0;
			blk[1] = bad == 1 ? 17 : bad == 2 ? 3 : 2;   /* 3: 50 bytes, 34 there */
			hand_rec(0, "\x01" "aa", head, 4);
			npk__buf_put(&hand, blk, sizeof blk);
			CHECK(hand_page("\x01" "aa", 3, NPK_E_FORMAT,
			                bad < 2 ? "gap_bits" : "a block runs past the end"));
		}
	}
}

/* Chunk hooks: a chunk one posting short, one extra byte, a doc changed. */
static int chunk_mode;
static void hook_chunk(size_t key, uint64_t j, npk_buf *c)
{
	if (key != 3 || j != 0)
		return;
	if (chunk_mode == 0)
		npk__buf_u8(c, 0);                    /* a byte left over */
	if (chunk_mode == 1)
		c->len -= 2;                          /* the last posting (varints 2, 0) cut */
	if (chunk_mode == 2) {
		c->len -= 2;                          /* the last posting one document on */
		npk__buf_u8(c, 3);
		npk__buf_u8(c, 0);
	}
}

DEFINE_TEST(test_ixread_hostile_chunks)
{
	static const char *want[] = { "chunk 0: bytes left over", "chunk 0: a varint runs past",
	                              "chunk 0: its last document is not its record's last" };
	for (chunk_mode = 0; chunk_mode < 3; chunk_mode++) {
		tix t;
		make_small(&t);
		t.chunk_hook = hook_chunk;
		build(&t);
		CHECK(refused_key(&t, "\x01" "bb", 3, NPK_E_FORMAT, want[chunk_mode]));
		make_free(&t);
	}
	/* df one above the postings written: the chunk decodes one short */
	tix t;
	make_small(&t);
	t.keys[3].df_delta = 1;
	build(&t);
	CHECK(refused_key(&t, "\x01" "bb", 3, NPK_E_FORMAT, "chunk 0"));
	/* a chunk's digest, a page's digest */
	t.post.p[t.keys[3].chunk_off + 10]++;
	CHECK(refused_key(&t, "\x01" "bb", 3, NPK_E_DIGEST, "chunk 0 does not match its digest"));
	t.post.p[t.keys[3].chunk_off + 10]--;
	t.post.p[npk__ld64(t.root.p + t.term_rec[1]) + 3]++;
	CHECK(refused_key(&t, "\x01" "bb", 3, NPK_E_DIGEST,
	                  "term page 1 (keys from \"\\x01ba\") does not match its digest"));
	make_free(&t);
}

/* ---- Verify ---- */

typedef struct reports {
	char s[4096];
	size_t n;
} reports;

static void report(void *ctx, const char *msg)
{
	reports *r = ctx;
	r->n += (size_t)snprintf(r->s + r->n, sizeof r->s - r->n, "%s\n", msg);
	if (r->n >= sizeof r->s)
		r->n = sizeof r->s - 1;
}

static int verify_finds(tix *t, uint64_t want_problems, const char *want)
{
	mem m;
	npk__ix *ix = NULL;
	npk_error err;
	reports r = { .n = 0 };
	r.s[0] = 0;
	uint64_t problems = 0;
	int ok = open_ix(t, &m, &ix, &err) == NPK_OK &&
	         npk__ix_verify(ix, report, &r, &problems, &err) == NPK_OK &&
	         problems == want_problems && strstr(r.s, want) != NULL;
	if (!ok)
		fprintf(stderr, "  verify: %llu problems (%s), expected %llu (%s)\n",
		        (unsigned long long)problems, r.s, (unsigned long long)want_problems, want);
	npk__ix_free(ix);
	free(m.p);
	return ok;
}

DEFINE_TEST(test_ixread_verify)
{
	tix t;
	make_main(&t, 1);
	build(&t);
	/* a flipped byte in chunk 1 of "\x01big": that chunk only; the other keys and chunks read */
	const tkey *big = &t.keys[2];
	t.post.p[big->chunk_off + 100]++;
	CHECK(verify_finds(&t, 1, "search index: key \"\\x01big\" chunk 0 does not match its digest"));
	t.post.p[big->chunk_off + 100]--;
	/* a flipped byte in norm page 1 */
	t.post.p[t.norm_off[1] + 3] ^= 0x40;
	CHECK(verify_finds(&t, 1, "search index: norm page 1 "));
	t.post.p[t.norm_off[1] + 3] ^= 0x40;
	/* a term page's digest */
	t.post.p[npk__ld64(t.root.p + t.term_rec[4]) + 3] ^= 1;
	CHECK(verify_finds(&t, 1,
	                   "term page 4 (keys from \"\\x08" "2024-06-15\") does not match its digest"));
	make_free(&t);
	/* a hole after term page 0 (9.6) */
	make_main(&t, 2);
	t.extra_gap = 5;
	build(&t);
	CHECK(verify_finds(&t, 1, "key \"\\x01clim\" chunk 0 begins at byte"));
	make_free(&t);
	/* docs that the norms do not give (the root re-digested) */
	make_main(&t, 1);
	build(&t);
	npk__st64(t.root.p + 24, t.docs - 1);
	npk__st64(t.root.p + 32, t.total - 1);   /* below what the codes allow */
	redigest(&t);
	CHECK(verify_finds(&t, 2, "search index: docs is"));
	/* the number of keys */
	npk__st64(t.root.p + 24, t.docs);
	npk__st64(t.root.p + 32, t.total);
	npk__st64(t.root.p + 40, t.nkeys + 1);
	redigest(&t);
	CHECK(verify_finds(&t, 1, "the term pages hold 15 keys, the root says 16"));
	make_free(&t);
}

/* Writes the fuzz target's seeds (u32 root length, root, postings) into
 * $NPK_IX_SEEDS when set: tests/fuzz/corpus/search_index/. */
static void seed(const char *dir, const char *name, const tix *t)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	npk_buf b = {0};
	npk__buf_u32(&b, (uint32_t)t->root.len);
	npk__buf_put(&b, t->root.p, t->root.len);
	npk__buf_put(&b, t->post.p, t->post.len);
	npk_test_write_file(path, b.p, b.len);
	npk__buf_free(&b);
}

DEFINE_TEST(test_ixread_seeds)
{
	const char *dir = getenv("NPK_IX_SEEDS");
	if (dir == NULL)
		return;
	tix t;
	make_small(&t);
	build(&t);
	seed(dir, "seed-small-zlib", &t);
	make_free(&t);
	make_small(&t);
	t.codec = 2;
	t.keys[2].gap32 = 1;
	build(&t);
	seed(dir, "seed-small-zstd", &t);
	make_free(&t);
	make_small(&t);
	t.hi = 70000;
	free(t.norms);
	t.norms = calloc(70000, 1);
	for (size_t i = 0; i < 70000; i += 3)
		t.norms[i] = (uint8_t)i;
	t.codec = 2;
	build(&t);
	seed(dir, "seed-small-norms", &t);
	make_free(&t);
}
