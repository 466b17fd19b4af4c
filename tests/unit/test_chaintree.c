/* test_chaintree.c - the Merkle tree across the files of a chain
 * (spec/format.md 15.15) with editions held in memory: for many splits of
 * the leaves into editions and strides 1, 2, 3 and 8, each edition's
 * section holds only the nodes its leaves complete, and the root, every
 * inclusion path and every consistency proof read through the mapping
 * equal those of one whole tree computed here by the definitions. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "format/format.h"
#include "newspack.h"
#include "test.h"

#define CT_MAX 80u
#define CT_ED 8u
static uint8_t ct_leaf[CT_MAX][32];

static void ct_mth(unsigned a, unsigned b, uint8_t out[32])
{
	if (b - a == 1) {
		memcpy(out, ct_leaf[a], 32);
		return;
	}
	unsigned k = 1;
	while (k * 2 < b - a)
		k *= 2;
	uint8_t in[65];
	in[0] = 1;
	ct_mth(a, a + k, in + 1);
	ct_mth(a + k, b, in + 33);
	crypto_hash_sha256(out, in, 65);
}

/* A chain in memory: edition e holds leaves [end[e - 1], end[e]) and its
 * tree section by 15.15 (built here from the definition, not by the
 * layout functions under test). */
typedef struct ct_chain {
	uint32_t count;
	uint64_t end[CT_ED];
	uint8_t *sec[CT_ED];
	size_t len[CT_ED];
	unsigned stride, reads, bounds;
	int gap;                  /* edition 1 says it starts one leaf late */
} ct_chain;

static uint64_t ct_p(const ct_chain *c, uint32_t e)
{
	return e == 0 ? 0 : c->end[e - 1];
}

static int ct_build(ct_chain *c)
{
	for (uint32_t e = 0; e < c->count; e++) {
		uint64_t p = ct_p(c, e), n = c->end[e], hashes = 0;
		for (unsigned l = 0; l < 64 && (n >> l) > (p >> l); l += c->stride)
			hashes += (n >> l) - (p >> l);
		c->len[e] = 24 + 32 * hashes;
		c->sec[e] = calloc(1, c->len[e]);
		if (c->sec[e] == NULL)
			return -1;
		memcpy(c->sec[e], "NPKTREE\n", 8);
		npk__st64(c->sec[e] + 8, n);
		c->sec[e][16] = (uint8_t)c->stride;
		uint8_t *w = c->sec[e] + 24;
		for (unsigned l = 0; l < 64 && (n >> l) > (p >> l); l += c->stride)
			for (uint64_t i = p >> l; i < (n >> l); i++, w += 32)
				ct_mth((unsigned)(i << l), (unsigned)((i + 1) << l), w);
	}
	return 0;
}

static void ct_free(ct_chain *c)
{
	for (uint32_t e = 0; e < c->count; e++)
		free(c->sec[e]);
}

static int ct_bounds(void *ctx, uint32_t e, uint64_t *p, uint64_t *n, npk_error *err)
{
	ct_chain *c = ctx;
	c->bounds++;
	if (e >= c->count) {
		snprintf(err->msg, sizeof err->msg, "test: no edition %u", e);
		return err->code = NPK_E_NOTFOUND;
	}
	*p = ct_p(c, e) + (c->gap && e == 1);
	*n = c->end[e];
	return NPK_OK;
}

static int ct_eread(void *ctx, uint32_t e, uint64_t off, void *buf, size_t len, npk_error *err)
{
	ct_chain *c = ctx;
	c->reads++;
	if (e >= c->count || off < 24 || off > c->len[e] || len > c->len[e] - off || len == 0) {
		snprintf(err->msg, sizeof err->msg, "test: read of %zu at %llu of edition %u", len,
		         (unsigned long long)off, e);
		return err->code = NPK_E_FORMAT;
	}
	memcpy(buf, c->sec[e] + off, len);
	return NPK_OK;
}

/* The whole tree's virtual section over the first n leaves, through the
 * editions of c. */
typedef struct ct_view {
	ct_chain *c;
	uint32_t count;           /* editions 0 .. count - 1 */
	uint64_t n;
} ct_view;

static int ct_vread(void *ctx, uint64_t off, void *buf, size_t len, npk_error *err)
{
	ct_view *v = ctx;
	npk__etree_src src = {v->count, ct_bounds, ct_eread, v->c};
	return npk__chain_tree_map(&src, v->n, v->c->stride, off, buf, len, err);
}

/* Root, every path and the consistency proof from each earlier edition,
 * for the tree of editions 0 .. k. */
static int ct_check(ct_chain *c, uint32_t k)
{
	ct_view v = {c, k + 1, c->end[k]};
	unsigned n = (unsigned)v.n, s = c->stride;
	uint8_t root[32], want[32], path[NPK_PROOF_HASHES_MAX][32], prf[NPK_PROOF_HASHES_MAX][32];
	unsigned len;
	npk_error err = {0};
	const char *why = NULL;
	ct_mth(0, n, want);
	if (npk__tree_root(n, s, ct_vread, &v, root, &err) != NPK_OK || memcmp(root, want, 32) != 0)
		return fprintf(stderr, "  root of %u: %s\n", n, err.msg), -1;
	for (unsigned m = 0; m < n; m++)
		if (npk__tree_path(n, s, ct_vread, &v, m, path, &len, &err) != NPK_OK ||
		    npk__verify_inclusion(m, n, ct_leaf[m], (const uint8_t (*)[32])path, len, root,
		                          &why) != 0)
			return fprintf(stderr, "  path %u of %u: %s %s\n", m, n, err.msg, why ? why : ""), -1;
	for (uint32_t j = 0; j < k; j++) {
		unsigned m = (unsigned)c->end[j];
		uint8_t older[32];
		ct_mth(0, m, older);
		if (npk__tree_consistency(m, n, s, ct_vread, &v, prf, &len, &err) != NPK_OK ||
		    npk__verify_consistency(m, n, older, root, (const uint8_t (*)[32])prf, len, &why) != 0)
			return fprintf(stderr, "  %u -> %u: %s %s\n", m, n, err.msg, why ? why : ""), -1;
	}
	return 0;
}

static int ct_run(const uint64_t *end, uint32_t count, unsigned stride, unsigned *reads)
{
	ct_chain c;
	memset(&c, 0, sizeof c);
	c.count = count;
	c.stride = stride;
	memcpy(c.end, end, count * sizeof *end);
	int rc = ct_build(&c);
	for (uint32_t k = 0; rc == 0 && k < count; k++)
		rc = ct_check(&c, k);
	if (rc != 0) {
		fprintf(stderr, "  stride %u, editions ending at", stride);
		for (uint32_t e = 0; e < count; e++)
			fprintf(stderr, " %llu", (unsigned long long)end[e]);
		fprintf(stderr, "\n");
	}
	*reads += c.reads;
	ct_free(&c);
	return rc;
}

DEFINE_TEST(test_chaintree_mapping)
{
	for (unsigned i = 0; i < CT_MAX; i++) {
		uint8_t d[4] = {(uint8_t)i, (uint8_t)(i * 7), 0x5a, (uint8_t)(i >> 3)};
		npk__leaf_hash(d, sizeof d, ct_leaf[i]);
	}
	static const unsigned strides[] = {1, 2, 3, 8};
	unsigned runs = 0, reads = 0;
	uint32_t seed = 12345;
	for (unsigned si = 0; si < 4; si++) {
		/* every split of up to 12 leaves into two or three editions */
		for (uint64_t a = 1; a <= 12; a++)
			for (uint64_t b = a; b <= 12; b++)
				for (uint64_t c = b; c <= 12; c++) {
					uint64_t end[3] = {a, b, c};
					uint32_t count = c == b ? 2 : 3;
					CHECK(ct_run(end, count, strides[si], &reads) == 0);
					runs++;
				}
		/* random splits of up to CT_MAX leaves into up to CT_ED editions,
		 * editions of one leaf and a base of leaves around powers of two */
		for (unsigned r = 0; r < 40; r++) {
			uint64_t end[CT_ED], at = 0;
			uint32_t count = 2 + r % (CT_ED - 1);
			for (uint32_t e = 0; e < count; e++) {
				seed = seed * 1103515245u + 12345u;
				unsigned step = r % 3 == 0 ? 1 : 1 + (seed >> 16) % (CT_MAX / CT_ED);
				if (e == 0 && r % 5 == 1)
					step = 1u << (1 + r % 5);
				at += step;
				if (at > CT_MAX)
					at = CT_MAX;
				end[e] = at;
			}
			CHECK(ct_run(end, count, strides[si], &reads) == 0);
			runs++;
		}
	}
	CHECK(runs > 1000);
	CHECK(reads > 0);
}

/* A read that no stored node answers, an edition missing, and editions
 * whose leaves do not follow each other are errors, never wrong bytes. */
DEFINE_TEST(test_chaintree_errors)
{
	for (unsigned i = 0; i < CT_MAX; i++) {
		uint8_t d[4] = {(uint8_t)i, (uint8_t)(i * 7), 0x5a, (uint8_t)(i >> 3)};
		npk__leaf_hash(d, sizeof d, ct_leaf[i]);
	}
	ct_chain c;
	memset(&c, 0, sizeof c);
	c.count = 3;
	c.stride = 2;
	c.end[0] = 5;
	c.end[1] = 9;
	c.end[2] = 20;
	CHECK(ct_build(&c) == 0);
	ct_view v = {&c, 3, 20};
	npk_error err = {0};
	uint8_t buf[64], root[32];
	CHECK(ct_vread(&v, 24 + 16, buf, 32, &err) == NPK_E_FORMAT);       /* not at a node */
	CHECK(ct_vread(&v, 0, buf, 32, &err) == NPK_E_FORMAT);             /* the header */
	CHECK(ct_vread(&v, 24 + 32 * 19, buf, 64, &err) == NPK_E_FORMAT);  /* past level 0 */
	CHECK(ct_vread(&v, 24 + 32 * 19, buf, 32, &err) == NPK_OK);
	CHECK(memcmp(buf, ct_leaf[19], 32) == 0);
	/* a read across editions is split: leaves 3 to 6 lie in editions 0 and 1 */
	uint8_t four[128];
	c.reads = 0;
	CHECK(ct_vread(&v, 24 + 32 * 3, four, 128, &err) == NPK_OK);
	CHECK(c.reads == 2);
	for (unsigned i = 0; i < 4; i++)
		CHECK(memcmp(four + 32 * i, ct_leaf[3 + i], 32) == 0);
	/* the newest edition missing: its leaves are in no edition */
	v.count = 2;
	CHECK(npk__tree_root(20, 2, ct_vread, &v, root, &err) == NPK_E_FORMAT);
	CHECK(strstr(err.msg, "in no edition") != NULL);
	/* an edition whose leaves do not start where the one before ends */
	v.count = 3;
	c.gap = 1;
	CHECK(ct_vread(&v, 24 + 32 * 5, buf, 32, &err) == NPK_E_FORMAT);
	CHECK(strstr(err.msg, "edition 1 holds leaves 6 to 9, not it") != NULL);
	ct_free(&c);
}
