/* test_consistency.c - consistency proofs between two sizes of one Merkle
 * tree (RFC 9162 2.1.4, spec/format.md 15.15): known answers from
 * transparency-dev/merkle, every pair m <= n <= 70 against a plain
 * recursive SUBPROOF written here (built from stored levels at strides 1,
 * 2, 3 and 8), and proofs that must fail. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "format/format.h"
#include "newspack.h"
#include "test.h"

/* ---- Known answers ----
 * From transparency-dev/merkle (https://github.com/transparency-dev/merkle),
 * Apache License 2.0, Copyright 2017 Google LLC: proof/verify_test.go
 * (leaves, roots, consistencyProofs, TestVerifyConsistency's table and the
 * corruptions of corruptConsistencyProof), the RFC 6962 test tree of 8
 * leaves. */
static const char *const ck_leaves[8] = {
	"", "00", "10", "2021", "3031", "40414243", "5051525354555657",
	"606162636465666768696a6b6c6d6e6f",
};
static const char *const ck_roots[8] = {   /* roots[size - 1] */
	"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
	"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
	"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
	"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
	"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
	"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};
typedef struct ck_vector {
	uint64_t m, n;
	const char *proof[3];
	unsigned len;
} ck_vector;
static const ck_vector ck_vectors[5] = {
	{1, 1, {NULL}, 0},
	{1, 8, {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
	        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
	        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}, 3},
	{6, 8, {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
	        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
	        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}, 3},
	{2, 5, {"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
	        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}, 2},
	{6, 7, {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
	        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
	        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}, 3},
};
static const char ck_some[] = "abacaba000000000000000000000000000000000000000000060061e00123456";
static const char ck_empty[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

static void ck_hex(const char *s, uint8_t out[32])
{
	size_t n = 0;
	memset(out, 0, 32);
	sodium_hex2bin(out, 32, s, strlen(s), NULL, &n, NULL);
}

/* ---- A plain reference: leaves, MTH and SUBPROOF by the definitions ---- */
#define CK_MAX 70u
static uint8_t ck_leaf[CK_MAX][32];

static void ck_node(const uint8_t l[32], const uint8_t r[32], uint8_t out[32])
{
	uint8_t in[65];
	in[0] = 1;
	memcpy(in + 1, l, 32);
	memcpy(in + 33, r, 32);
	crypto_hash_sha256(out, in, 65);
}

static unsigned ck_split(unsigned w)
{
	unsigned k = 1;
	while (k * 2 < w)
		k *= 2;
	return k;
}

static void ck_mth(const uint8_t (*leaf)[32], unsigned a, unsigned b, uint8_t out[32])
{
	if (b == a) {
		crypto_hash_sha256(out, NULL, 0);
		return;
	}
	if (b - a == 1) {
		memcpy(out, leaf[a], 32);
		return;
	}
	unsigned k = ck_split(b - a);
	uint8_t l[32], r[32];
	ck_mth(leaf, a, a + k, l);
	ck_mth(leaf, a + k, b, r);
	ck_node(l, r, out);
}

/* SUBPROOF(m, D[a:b], whole) of RFC 9162 2.1.4.1, m relative to a. */
static unsigned ck_subproof(const uint8_t (*leaf)[32], unsigned m, unsigned a, unsigned b, int whole,
                            uint8_t (*out)[32])
{
	if (m == b - a) {
		if (whole)
			return 0;
		ck_mth(leaf, a, b, out[0]);
		return 1;
	}
	unsigned k = ck_split(b - a), len;
	if (m <= k) {
		len = ck_subproof(leaf, m, a, a + k, whole, out);
		ck_mth(leaf, a + k, b, out[len]);
	} else {
		len = ck_subproof(leaf, m - k, a + k, b, 0, out);
		ck_mth(leaf, a, a + k, out[len]);
	}
	return len + 1;
}

/* Section type 4 of leaves [0, n), by 15.13's table. */
typedef struct ck_section {
	uint8_t *p;
	size_t len;
} ck_section;

static int ck_build(ck_section *s, const uint8_t (*leaf)[32], unsigned n, unsigned stride)
{
	size_t hashes = 0;
	for (unsigned l = 0; (n >> l) >= 1; l += stride)
		hashes += n >> l;
	s->len = 24 + 32 * hashes;
	s->p = calloc(1, s->len);
	if (s->p == NULL)
		return -1;
	memcpy(s->p, "NPKTREE\n", 8);
	npk__st64(s->p + 8, n);
	s->p[16] = (uint8_t)stride;
	uint8_t *w = s->p + 24;
	for (unsigned l = 0; (n >> l) >= 1; l += stride)
		for (unsigned i = 0; i < (n >> l); i++, w += 32)
			ck_mth(leaf, i << l, (i + 1) << l, w);
	return 0;
}

static int ck_read(void *ctx, uint64_t off, void *buf, size_t len, npk_error *err)
{
	ck_section *s = ctx;
	if (off < 24 || off > s->len || len > s->len - off) {
		snprintf(err->msg, sizeof err->msg, "test: read of %zu at %llu is not in the section", len,
		         (unsigned long long)off);
		return err->code = NPK_E_FORMAT;
	}
	memcpy(buf, s->p + off, len);
	return NPK_OK;
}

static int ck_verify(uint64_t m, uint64_t n, const uint8_t *r1, const uint8_t *r2,
                     const uint8_t (*p)[32], unsigned len)
{
	const char *why = NULL;
	int rc = npk__verify_consistency(m, n, r1, r2, p, len, &why);
	if ((rc == 0) != (why == NULL))
		return -2;            /* a failure always says why, a success never */
	return rc;
}

/* The corruptions of corruptConsistencyProof: every one MUST fail. */
static int ck_corrupt(uint64_t m, uint64_t n, const uint8_t r1[32], const uint8_t r2[32],
                      const uint8_t (*p)[32], unsigned len)
{
	uint8_t q[NPK_PROOF_HASHES_MAX + 2][32], some[32], wrong[32];
	const uint8_t (*qc)[32] = (const uint8_t (*)[32])q;
	ck_hex(ck_some, some);
	memcpy(wrong, "WrongRoot", 9);
	memset(wrong + 9, 0, 23);
	int passed = 0;
	passed |= ck_verify(m - 1, n, r1, r2, p, len) == 0;
	passed |= ck_verify(m + 1, n, r1, r2, p, len) == 0;
	passed |= ck_verify(m ^ 2, n, r1, r2, p, len) == 0;
	passed |= ck_verify(m, n * 2, r1, r2, p, len) == 0;
	passed |= ck_verify(m, n / 2, r1, r2, p, len) == 0;
	passed |= ck_verify(m, n, wrong, r2, p, len) == 0;
	passed |= ck_verify(m, n, r1, wrong, p, len) == 0;
	passed |= ck_verify(m, n, r2, r1, p, len) == 0;
	passed |= ck_verify(m, n, r1, r2, p, 0) == 0;
	passed |= ck_verify(m, n, r1, some, p, len) == 0;
	const uint8_t *extra[4] = {some, r1, r2, p[0]};
	for (unsigned e = 0; e < 4; e++) {
		memcpy(q, p, 32 * (size_t)len);          /* trailing */
		memcpy(q[len], extra[e], 32);
		passed |= ck_verify(m, n, r1, r2, qc, len + 1) == 0;
		memcpy(q[0], extra[e], 32);              /* preceding */
		memcpy(q + 1, p, 32 * (size_t)len);
		passed |= ck_verify(m, n, r1, r2, qc, len + 1) == 0;
	}
	passed |= ck_verify(m, n, r1, r2, p, len - 1) == 0;   /* truncated */
	for (unsigned i = 0; i < len; i++) {
		memcpy(q, p, 32 * (size_t)len);
		q[i][0] ^= 16;
		passed |= ck_verify(m, n, r1, r2, qc, len) == 0;
		q[i][0] ^= 16;
		q[i][31] ^= 1;
		passed |= ck_verify(m, n, r1, r2, qc, len) == 0;
	}
	return passed ? -1 : 0;
}

DEFINE_TEST(test_consistency_kat)
{
	uint8_t leaf[8][32], roots[8][32], p[NPK_PROOF_HASHES_MAX][32], got[NPK_PROOF_HASHES_MAX][32];
	for (unsigned i = 0; i < 8; i++) {
		uint8_t d[16];
		size_t n = 0;
		sodium_hex2bin(d, sizeof d, ck_leaves[i], strlen(ck_leaves[i]), NULL, &n, NULL);
		npk__leaf_hash(d, n, leaf[i]);
		ck_hex(ck_roots[i], roots[i]);
	}
	const uint8_t (*lc)[32] = (const uint8_t (*)[32])leaf;
	for (unsigned k = 0; k < 5; k++) {
		const ck_vector *v = &ck_vectors[k];
		for (unsigned i = 0; i < v->len; i++)
			ck_hex(v->proof[i], p[i]);
		const uint8_t (*pc)[32] = (const uint8_t (*)[32])p;
		CHECK(ck_verify(v->m, v->n, roots[v->m - 1], roots[v->n - 1], pc, v->len) == 0);
		if (v->len > 0)
			CHECK(ck_corrupt(v->m, v->n, roots[v->m - 1], roots[v->n - 1], pc, v->len) == 0);
		/* built from the stored levels of the first n leaves, at each stride */
		for (unsigned stride = 1; stride <= 3; stride++) {
			ck_section s;
			npk_error err;
			unsigned len = 99;
			CHECK(ck_build(&s, lc, (unsigned)v->n, stride) == 0);
			int rc = npk__tree_consistency(v->m, v->n, stride, ck_read, &s, got, &len, &err);
			free(s.p);
			CHECK_RC(rc, NPK_OK, &err);
			CHECK_EQ_INT(len, v->len);
			CHECK(memcmp(got, p, 32 * (size_t)len) == 0);
		}
	}
	/* TestVerifyConsistency's table: sizes always consistent, time travel,
	 * an empty proof, roots that do not match, a proof that should be empty */
	uint8_t r1[32], r2[32], e[32];
	const uint8_t (*ep)[32] = (const uint8_t (*)[32])&e;
	memset(r1, '1', 32);
	memset(r2, '2', 32);
	ck_hex(ck_empty, e);
	CHECK(ck_verify(0, 0, r1, r2, NULL, 0) == -1);
	CHECK(ck_verify(1, 1, r1, r2, NULL, 0) == -1);
	CHECK(ck_verify(0, 0, r1, r1, NULL, 0) == 0);
	CHECK(ck_verify(0, 1, r1, r2, NULL, 0) == 0);
	CHECK(ck_verify(1, 1, r2, r2, NULL, 0) == 0);
	CHECK(ck_verify(1, 0, r1, r2, NULL, 0) == -1);
	CHECK(ck_verify(2, 1, r1, r2, NULL, 0) == -1);
	CHECK(ck_verify(1, 2, r1, r2, NULL, 0) == -1);
	CHECK(ck_verify(0, 0, e, r2, NULL, 0) == -1);
	CHECK(ck_verify(1, 1, e, r2, NULL, 0) == -1);
	CHECK(ck_verify(0, 0, e, e, ep, 1) == -1);
	CHECK(ck_verify(0, 1, e, e, ep, 1) == -1);
	CHECK(ck_verify(1, 1, e, e, ep, 1) == -1);
	/* the messages name the rule */
	const char *why = NULL;
	CHECK(npk__verify_consistency(3, 2, r1, r2, NULL, 0, &why) == -1);
	CHECK_STR(why, "the newer tree is smaller than the older one");
	CHECK(npk__verify_consistency(0, 4, r1, r2, ep, 1, &why) == -1);
	CHECK_STR(why, "a proof from the empty tree must be empty");
}

/* Every pair m <= n <= CK_MAX at several strides: the proof built from
 * stored levels is SUBPROOF by the definition, checks against the two
 * roots, and every corruption of it fails. */
DEFINE_TEST(test_consistency_reference)
{
	for (unsigned i = 0; i < CK_MAX; i++) {
		uint8_t d[8];
		npk__st64(d, 0x9e3779b97f4a7c15ull * (i + 1));
		npk__leaf_hash(d, 1 + i % 8, ck_leaf[i]);
	}
	const uint8_t (*lc)[32] = (const uint8_t (*)[32])ck_leaf;
	static const unsigned strides[] = {1, 2, 3, 8};
	unsigned pairs = 0;
	for (unsigned n = 0; n <= CK_MAX; n++)
		for (unsigned si = 0; si < 4; si++) {
			unsigned stride = strides[si];
			ck_section s = {NULL, 0};
			uint8_t rn[32];
			CHECK(ck_build(&s, lc, n, stride) == 0);
			ck_mth(lc, 0, n, rn);
			for (unsigned m = 0; m <= n; m++) {
				uint8_t want[NPK_PROOF_HASHES_MAX][32], got[NPK_PROOF_HASHES_MAX][32], rm[32];
				unsigned wl = m == 0 ? 0 : ck_subproof(lc, m, 0, n, 1, want), gl = 99;
				npk_error err;
				ck_mth(lc, 0, m, rm);
				int rc = npk__tree_consistency(m, n, stride, ck_read, &s, got, &gl, &err);
				if (rc != NPK_OK || gl != wl || memcmp(got, want, 32 * (size_t)wl) != 0)
					fprintf(stderr, "  m %u n %u stride %u: %s, %u hashes, want %u\n", m, n,
					        stride, rc ? err.msg : "", gl, wl);
				CHECK_RC(rc, NPK_OK, &err);
				CHECK_EQ_INT(gl, wl);
				CHECK(memcmp(got, want, 32 * (size_t)wl) == 0);
				const uint8_t (*gc)[32] = (const uint8_t (*)[32])got;
				CHECK(ck_verify(m, n, rm, rn, gc, gl) == 0);
				if (gl > 0 && stride == 1)
					CHECK(ck_corrupt(m, n, rm, rn, gc, gl) == 0);
				/* the older root of another size never checks */
				if (m > 0 && m < n) {
					uint8_t other[32];
					ck_mth(lc, 0, m - 1, other);
					CHECK(ck_verify(m, n, other, rn, gc, gl) == -1);
				}
				pairs++;
			}
			npk_error err;
			uint8_t p[NPK_PROOF_HASHES_MAX][32];
			unsigned len;
			CHECK(npk__tree_consistency(n + 1, n, stride, ck_read, &s, p, &len, &err) == NPK_E_ARG);
			free(s.p);
		}
	CHECK(pairs == 4 * (CK_MAX + 1) * (CK_MAX + 2) / 2);
}
