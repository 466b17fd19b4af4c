/* test_ixwrite.c - the full-text index writer (src/lib/search/ixwrite.c,
 * spec/search.md 9) against the reader (ixread.c), written apart from it:
 * documents given to the writer, the sections read back, and every key's
 * postings compared with those counted here from the same terms
 * (npk__text_terms); a word in 20,000 documents (two chunks: full blocks,
 * then the rest), rare words (inline), metadata fields, dates and
 * languages, norms; the same bytes with 1 and 3 threads and with a small
 * memory budget (several runs merged); documents out of order refused. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "meta/meta.h"
#include "newspack.h"
#include "search/ixread.h"
#include "search/ixwrite.h"
#include "search/text.h"
#include "test.h"

#define NDOCS 20000u

typedef struct mem {
	npk_buf b;
	uint64_t at;              /* file offset of b.p[0] */
} mem;

static int mem_emit(void *ctx, const void *p, size_t len, npk_error *err)
{
	mem *m = ctx;
	NPK_FAIL_IF(npk__buf_put(&m->b, p, len) != 0, err, NPK_E_NOMEM, "out of memory");
	return NPK_OK;
}

static int mem_read(void *ctx, uint64_t off, void *buf, size_t len, npk_error *err)
{
	mem *m = ctx;
	NPK_FAIL_IF(off < m->at || off - m->at > m->b.len || len > m->b.len - (off - m->at), err,
	            NPK_E_FORMAT, "read outside the sections");
	memcpy(buf, m->b.p + (off - m->at), len);
	return NPK_OK;
}

/* Document i's text: every one holds "council", one in three "harbour",
 * document 7 and 19999 the rare "lighthouse" (twice in 7). */
static void doc_text(unsigned i, char *out, size_t cap)
{
	snprintf(out, cap, "The council met on day %u.%s%s%s", i,
	         i % 3 == 0 ? " Harbour walls and harbours." : "",
	         i == 7 ? " A lighthouse, the lighthouse." : "",
	         i == NDOCS - 1 ? " Lighthouse." : "");
}

static uint8_t *doc_meta(unsigned i, size_t *len)
{
	npk_meta *m = npk_meta_new();
	npk_error err;
	char title[64];
	snprintf(title, sizeof title, "Report %u", i % 5);
	npk_meta_add(m, "title", title, &err);
	npk_meta_add(m, "author", i % 2 ? "Jane Doe" : "Ellis Marlowe", &err);
	npk_meta_add(m, "date", i % 4 ? "2025-03-01" : "2024-12-31T10:00:00Z", &err);
	npk_meta_add(m, "language", "en-GB", &err);
	uint8_t *out = NULL;
	npk__meta_encode(m, &out, len, &err);
	npk_meta_free(m);
	return out;
}

/* An index of the NDOCS documents (numbers lo + 2 i: every other number
 * is a folder, say, with no text) into m. */
static int build(int threads, size_t budget, uint64_t lo, mem *m, npk__ixw_result *res)
{
	npk__ixw_opts o = {.lo = lo, .codec = 2, .threads = threads, .mem = budget};
	npk__ixw *x;
	npk_error err;
	if (npk__ixw_new(&o, &x, &err) != NPK_OK)
		return -1;
	int rc = NPK_OK;
	for (unsigned i = 0; i < NDOCS && rc == NPK_OK; i++) {
		char t[160];
		size_t ml;
		doc_text(i, t, sizeof t);
		uint8_t *meta = doc_meta(i, &ml);
		rc = npk__ixw_doc(x, lo + 2 * i, (const uint8_t *)t, strlen(t), 0, "text/plain",
		                  meta, ml, &err);
		free(meta);
	}
	m->at = 4096;
	if (rc == NPK_OK)
		rc = npk__ixw_finish(x, lo + 2 * NDOCS, m->at, mem_emit, m, res, &err);
	if (rc != NPK_OK)
		fprintf(stderr, "  %s\n", err.msg);
	npk__ixw_free(x);
	return rc;
}

/* The documents holding key, read back: count, first and last, tfs. */
static uint64_t postings(npk__ix *ix, const char *key, size_t klen, uint64_t *first,
                         uint64_t *last, uint32_t *tf_of_first)
{
	npk__postings p = {0};
	npk_error err;
	uint64_t n = 0, doc;
	uint32_t tf;
	if (npk__ix_lookup(ix, (const uint8_t *)key, klen, &p, &err) != NPK_OK)
		return UINT64_MAX;
	while (npk__postings_next(&p, &doc, &tf, &err) == 1) {
		if (n == 0) {
			*first = doc;
			*tf_of_first = tf;
		}
		*last = doc;
		n++;
	}
	uint64_t df = p.df;
	npk__postings_free(&p);
	return df == n ? n : UINT64_MAX - 1;
}

DEFINE_TEST(test_ixwrite_roundtrip)
{
	mem m = {0};
	npk__ixw_result res;
	const uint64_t lo = 1000;
	CHECK_EQ_INT(build(1, 0, lo, &m, &res), NPK_OK);
	CHECK(res.post_off == m.at && res.root_off == res.post_off + res.post_len);
	CHECK(res.root_off + res.root_len == m.at + m.b.len);
	CHECK(res.docs == NDOCS);
	npk__ix *ix;
	npk_error err;
	CHECK_EQ_INT(npk__ix_open(mem_read, &m, res.root_off, res.root_len, res.root_digest,
	                          res.post_off, res.post_len, "mem", &ix, &err), NPK_OK);
	CHECK(npk__ix_lo(ix) == lo && npk__ix_hi(ix) == lo + 2 * NDOCS);
	CHECK(npk__ix_docs(ix) == NDOCS);
	CHECK(npk__ix_langs(ix) == 1 && strcmp(npk__ix_lang(ix, 0, NULL), "en") == 0);
	uint64_t first = 0, last = 0, n;
	uint32_t tf = 0;
	/* "council" in every document: two chunks */
	n = postings(ix, "\x01" "council", 8, &first, &last, &tf);
	CHECK(n == NDOCS && first == lo && last == lo + 2 * (NDOCS - 1) && tf == 1);
	/* "harbour" (stemmed "harbour"): one in three, twice each (harbour, harbours) */
	n = postings(ix, "\x01" "harbour", 8, &first, &last, &tf);
	CHECK(n == (NDOCS + 2) / 3 && first == lo && tf == 2);
	/* a rare word, inline */
	n = postings(ix, "\x01" "lighthous", 10, &first, &last, &tf);
	CHECK(n == 2 && first == lo + 14 && last == lo + 2 * (NDOCS - 1) && tf == 2);
	/* fields: title (stemmed), author (not), lang, date */
	n = postings(ix, "\x02" "report", 7, &first, &last, &tf);
	CHECK(n == NDOCS);
	n = postings(ix, "\x03" "marlowe", 8, &first, &last, &tf);
	CHECK(n == NDOCS / 2 && first == lo);
	n = postings(ix, "\x06" "en", 3, &first, &last, &tf);
	CHECK(n == NDOCS);
	n = postings(ix, "\x08" "2024-12-31", 11, &first, &last, &tf);
	CHECK(n == NDOCS / 4 && first == lo);
	n = postings(ix, "\x01" "absent", 7, &first, &last, &tf);
	CHECK(n == 0);
	/* norms: "The council met on day N." is 6 terms; the numbers between
	 * documents have none */
	uint64_t len = 99;
	CHECK_EQ_INT(npk__ix_length(ix, lo + 2, &len, &err), NPK_OK);
	CHECK(len == 6);
	CHECK_EQ_INT(npk__ix_length(ix, lo + 3, &len, &err), NPK_OK);
	CHECK(len == 0);
	uint64_t problems = 1;
	CHECK_EQ_INT(npk__ix_verify(ix, NULL, NULL, &problems, &err), NPK_OK);
	CHECK(problems == 0);
	npk__ix_free(ix);

	/* the same bytes with 3 threads, and with runs merged */
	mem m3 = {0}, ms = {0};
	npk__ixw_result r3, rs;
	CHECK_EQ_INT(build(3, 0, lo, &m3, &r3), NPK_OK);
	CHECK(m3.b.len == m.b.len && memcmp(m3.b.p, m.b.p, m.b.len) == 0);
	CHECK_EQ_INT(build(1, 64 << 10, lo, &ms, &rs), NPK_OK);
	CHECK(ms.b.len == m.b.len && memcmp(ms.b.p, m.b.p, m.b.len) == 0);
	npk__buf_free(&m.b);
	npk__buf_free(&m3.b);
	npk__buf_free(&ms.b);
}

/* The i-th of 19^5 words of consonants only, which no stemmer changes. */
static void word_of(unsigned i, char out[6])
{
	static const char c[] = "bcdfghjklmnpqrtvwxz";
	for (int k = 4; k >= 0; k--, i /= 19)
		out[k] = c[i % 19];
	out[5] = 0;
}

/* Lookups of every key of pages of thousands of records: each found where
 * it is (a lookup starts from the nearest record it keeps a place for, not
 * from the page's first), and the keys between them absent. */
DEFINE_TEST(test_ixwrite_many_keys)
{
	enum { N = 6000 };
	npk__ixw_opts o = {.lo = 7, .codec = 2};
	npk__ixw *x;
	npk_error err;
	CHECK_EQ_INT(npk__ixw_new(&o, &x, &err), NPK_OK);
	for (unsigned i = 0; i < N; i++) {
		char w[6];
		word_of(i * 7, w);
		CHECK_RC(npk__ixw_doc(x, 7 + i, (const uint8_t *)w, 5, 0, "text/plain", NULL, 0,
		                      &err), NPK_OK, &err);
	}
	mem m = {.at = 4096};
	npk__ixw_result res;
	CHECK_RC(npk__ixw_finish(x, 7 + N, m.at, mem_emit, &m, &res, &err), NPK_OK, &err);
	npk__ixw_free(x);
	npk__ix *ix;
	CHECK_RC(npk__ix_open(mem_read, &m, res.root_off, res.root_len, res.root_digest,
	                      res.post_off, res.post_len, "mem", &ix, &err), NPK_OK, &err);
	for (unsigned i = 0; i < N; i++) {
		uint8_t key[8] = {1};
		word_of(i * 7, (char *)key + 1);
		npk__postings p;
		uint64_t d;
		uint32_t tf;
		CHECK_RC(npk__ix_lookup(ix, key, 6, &p, &err), NPK_OK, &err);
		CHECK_EQ_INT(p.df, 1);
		CHECK_EQ_INT(npk__postings_next(&p, &d, &tf, &err), 1);
		CHECK_EQ_INT(d, 7 + i);
		npk__postings_free(&p);
		/* the words between, and one longer: none */
		word_of(i * 7 + 3, (char *)key + 1);
		CHECK_RC(npk__ix_lookup(ix, key, 6, &p, &err), NPK_OK, &err);
		CHECK_EQ_INT(p.df, 0);
		npk__postings_free(&p);
		word_of(i * 7, (char *)key + 1);
		key[6] = 'b';
		CHECK_RC(npk__ix_lookup(ix, key, 7, &p, &err), NPK_OK, &err);
		CHECK_EQ_INT(p.df, 0);
		npk__postings_free(&p);
	}
	npk__ix_free(ix);
	npk__buf_free(&m.b);
}

DEFINE_TEST(test_ixwrite_order)
{
	npk__ixw_opts o = {.lo = 10, .codec = 1};
	npk__ixw *x;
	npk_error err;
	CHECK_EQ_INT(npk__ixw_new(&o, &x, &err), NPK_OK);
	CHECK_EQ_INT(npk__ixw_doc(x, 12, (const uint8_t *)"a", 1, 0, "text/plain", NULL, 0, &err),
	             NPK_OK);
	CHECK_EQ_INT(npk__ixw_doc(x, 12, (const uint8_t *)"b", 1, 0, "text/plain", NULL, 0, &err),
	             NPK_E_ARG);
	CHECK_EQ_INT(npk__ixw_doc(x, 9, (const uint8_t *)"b", 1, 0, "text/plain", NULL, 0, &err),
	             NPK_E_ARG);
	npk__ixw_free(x);
	/* the norm codes of 9.5 */
	CHECK(npk__ix_norm_code(0) == 0 && npk__ix_norm_code(15) == 15);
	CHECK(npk__ix_norm_code(16) == 16 && npk__ix_norm_code(17) == 16);
	CHECK(npk__ix_norm_code(18) == 17 && npk__ix_norm_len(24) == 32);
	CHECK(npk__ix_norm_code(UINT64_MAX) == 255 && npk__ix_norm_len(255) == (15ull << 30));
	for (unsigned c = 1; c < 256; c++)
		CHECK(npk__ix_norm_len((uint8_t)c) > npk__ix_norm_len((uint8_t)(c - 1)));
}
