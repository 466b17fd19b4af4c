/* test_merkle.c - the Merkle tree of per-article proofs (spec/format.md
 * 15.13, 15.14): known answers from transparency-dev/merkle, every tree of
 * 1 to 300 leaves against a plain recursive reference written here (roots,
 * inclusion proofs from stored levels at several strides), proofs that
 * must fail, and the exact parse of leaf data. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "format/format.h"
#include "newspack.h"
#include "test.h"

/* ---- Known answers ----
 * From transparency-dev/merkle (https://github.com/transparency-dev/merkle),
 * Apache License 2.0, Copyright 2016-2019 Google LLC:
 * - testonly/constants.go: LeafInputs, NodeHashes, RootHashes, EmptyRootHash
 *   (the RFC 6962 test tree of 8 leaves);
 * - rfc6962/rfc6962_test.go: the empty leaf and "L123456" leaf hashes;
 * - testdata/inclusion/0..4/happy-path.json: leafIdx, treeSize, root,
 *   leafHash, proof, as the files hold them (base64);
 * - the failing variants of testdata/inclusion/N/ (leafIdx-+-1, ...,
 *   modified-proof[i]-bit-3, removed-component, inserted-component), made
 *   here from the happy paths by the rules of proof/verify_test.go
 *   (corruptInclusionProof) that made those files; four of the files are
 *   copied whole below to show the rules give the same bytes. */
static const char *const kat_leaves[8] = {
	"", "00", "10", "2021", "3031", "40414243", "5051525354555657",
	"606162636465666768696a6b6c6d6e6f",
};
static const char *const kat_roots[9] = {
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
	"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
	"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
	"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
	"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
	"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};
/* NodeHashes: level 0 (8), level 1 (4), level 2 (2), level 3 (1). */
static const char *const kat_nodes[15] = {
	"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
	"0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
	"07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
	"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
	"4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
	"b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
	"46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
	"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
	"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
	"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
	"ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
	"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	"6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
	"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};
typedef struct kat_proof {
	uint64_t index, size;
	const char *root, *leaf_hash;
	const char *proof[4];
	unsigned len;
} kat_proof;
static const kat_proof kat_happy[5] = {
	{0, 1, "bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=",
	 "bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=", {NULL}, 0},
	{0, 8, "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=",
	 "bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=",
	 {"lqKW0iTyhcZ77pPDD4owkVfw2qNdxbh+QQt4YwoJz8c=", "Xwg/ChozygdqlSeYMlgNs+DvRYS9/x9UyKNg9Q3jAx4=",
	  "a0eq8p7jwq+a+Im8H7klTavTEXfxYjLdaqsDXKOb9uQ="}, 3},
	{5, 8, "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=",
	 "QnGia+DYqE8L1UyMMC58s6O10fpngKQLzOKHNHfatlg=",
	 {"vBoGQ7EuTS18d5GPROD095qDi2z57FtcKD4fTYhZnms=", "yoVOoSjtBQtBs1/8G4e46yveRh6eO1WW7Oa51ZdaCuA=",
	  "037kGJdt2VdTwcc4Yrk5j6Kiz5tP8P3+izDNlSCWFLc="}, 3},
	{2, 3, "rra8/idLcKFPsGel5VeCZNsPqbUa9eC6FZFY8yngbnc=",
	 "ApjRIpBtz8EIkstTpzmS/FufST6kybrbJ7eRtBJ6f+c=",
	 {"+sVCA+fMaWzw38tCySodnbr3CtnmIfS9jZhmLwDjwSU="}, 1},
	{1, 5, "Tju7H3tHjc/nH7YxYxUZo7yhLJrvyhYSv85ME6hiZNQ=",
	 "lqKW0iTyhcZ77pPDD4owkVfw2qNdxbh+QQt4YwoJz8c=",
	 {"bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=", "Xwg/ChozygdqlSeYMlgNs+DvRYS9/x9UyKNg9Q3jAx4=",
	  "vBoGQ7EuTS18d5GPROD095qDi2z57FtcKD4fTYhZnms="}, 3},
};
/* testdata/inclusion/2/inserted-component.json,
 * testdata/inclusion/4/modified-proof[1]-bit-3.json,
 * testdata/inclusion/3/random-root.json, testdata/inclusion/1/wrong-leaf.json
 * (its 9-byte leafHash "WrongLeaf" zero-padded to 32: hashes are 32 bytes
 * here). */
static const kat_proof kat_files[4] = {
	{5, 8, "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=",
	 "QnGia+DYqE8L1UyMMC58s6O10fpngKQLzOKHNHfatlg=",
	 {"vBoGQ7EuTS18d5GPROD095qDi2z57FtcKD4fTYhZnms=", "q6yroAAAAAAAAAAAAAAAAAAAAAAAAAAAAGAGHgASNFY=",
	  "yoVOoSjtBQtBs1/8G4e46yveRh6eO1WW7Oa51ZdaCuA=", "037kGJdt2VdTwcc4Yrk5j6Kiz5tP8P3+izDNlSCWFLc="}, 4},
	{1, 5, "Tju7H3tHjc/nH7YxYxUZo7yhLJrvyhYSv85ME6hiZNQ=",
	 "lqKW0iTyhcZ77pPDD4owkVfw2qNdxbh+QQt4YwoJz8c=",
	 {"bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=", "Vwg/ChozygdqlSeYMlgNs+DvRYS9/x9UyKNg9Q3jAx4=",
	  "vBoGQ7EuTS18d5GPROD095qDi2z57FtcKD4fTYhZnms="}, 3},
	{2, 3, "q6yroAAAAAAAAAAAAAAAAAAAAAAAAAAAAGAGHgASNFY=",
	 "ApjRIpBtz8EIkstTpzmS/FufST6kybrbJ7eRtBJ6f+c=",
	 {"+sVCA+fMaWzw38tCySodnbr3CtnmIfS9jZhmLwDjwSU="}, 1},
	{0, 8, "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=",
	 "V3JvbmdMZWFmAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
	 {"lqKW0iTyhcZ77pPDD4owkVfw2qNdxbh+QQt4YwoJz8c=", "Xwg/ChozygdqlSeYMlgNs+DvRYS9/x9UyKNg9Q3jAx4=",
	  "a0eq8p7jwq+a+Im8H7klTavTEXfxYjLdaqsDXKOb9uQ="}, 3},
};
/* proof/verify_test.go: sha256SomeHash, sha256EmptyTreeHash */
static const char some_hash[] = "abacaba000000000000000000000000000000000000000000060061e00123456";
static const char empty_hash[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

static size_t unhex(const char *s, uint8_t *out, size_t max)
{
	size_t n = 0;
	if (sodium_hex2bin(out, max, s, strlen(s), NULL, &n, NULL) != 0)
		return (size_t)-1;
	return n;
}

static int unb64_32(const char *s, uint8_t out[32])
{
	size_t n = 0;
	return sodium_base642bin(out, 32, s, strlen(s), NULL, &n, NULL,
	                         sodium_base64_VARIANT_ORIGINAL) == 0 && n == 32 ? 0 : -1;
}

/* A proof in binary form, with room for one more hash. */
typedef struct bin_proof {
	uint64_t index, size;
	uint8_t root[32], leaf[32];
	uint8_t path[NPK_PROOF_HASHES_MAX + 1][32];
	unsigned len;
} bin_proof;

static int kat_decode(const kat_proof *k, bin_proof *b)
{
	b->index = k->index;
	b->size = k->size;
	b->len = k->len;
	if (unb64_32(k->root, b->root) || unb64_32(k->leaf_hash, b->leaf))
		return -1;
	for (unsigned i = 0; i < k->len; i++)
		if (unb64_32(k->proof[i], b->path[i]))
			return -1;
	return 0;
}

static int bin_verify(const bin_proof *b, const char **why)
{
	return npk__verify_inclusion(b->index, b->size, b->leaf, (const uint8_t (*)[32])b->path,
	                             b->len, b->root, why);
}

DEFINE_TEST(test_merkle_hash_kat)
{
	uint8_t h[32], want[32];
	/* rfc6962_test.go: echo -n 00 | xxd -r -p | sha256sum, and "L123456" */
	npk__leaf_hash((const uint8_t *)"", 0, h);
	unhex("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d", want, 32);
	CHECK(memcmp(h, want, 32) == 0);
	npk__leaf_hash((const uint8_t *)"L123456", 7, h);
	unhex("395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56", want, 32);
	CHECK(memcmp(h, want, 32) == 0);
	/* the RFC 6962 test tree: every leaf and node hash, every root */
	uint8_t node[15][32], leaf[16];
	for (unsigned i = 0; i < 15; i++)
		CHECK(unhex(kat_nodes[i], node[i], 32) == 32);
	for (unsigned i = 0; i < 8; i++) {
		size_t n = unhex(kat_leaves[i], leaf, sizeof leaf);
		CHECK(n != (size_t)-1);
		npk__leaf_hash(leaf, n, h);
		CHECK(memcmp(h, node[i], 32) == 0);
	}
	for (unsigned i = 0; i < 7; i++) {
		npk__node_hash(node[2 * i], node[2 * i + 1], h);
		CHECK(memcmp(h, node[8 + i], 32) == 0);
	}
	npk_mth t;
	npk__mth_init(&t);
	for (unsigned n = 0; n <= 8; n++) {
		if (n > 0)
			npk__mth_add(&t, node[n - 1]);
		CHECK_EQ_INT(t.n, n);
		npk__mth_root(&t, h);
		CHECK(unhex(kat_roots[n], want, 32) == 32);
		CHECK(memcmp(h, want, 32) == 0);
	}
}

/* ---- A plain reference (RFC 9162 2.1.1, 2.1.3.1) and stored levels ---- */

#define REF_MAX 300u
static uint8_t ref_leaf[REF_MAX][32];
static uint8_t (*ref_memo)[32];       /* MTH(D[a:b]) at a * (REF_MAX + 1) + b */
static unsigned char *ref_known;

static void ref_sha256(uint8_t out[32], uint8_t prefix, const uint8_t *p, size_t len)
{
	uint8_t buf[128];
	buf[0] = prefix;
	memcpy(buf + 1, p, len);
	crypto_hash_sha256(out, buf, len + 1);
}

/* The leaf data of leaf i: any bytes do; these vary in length. */
static size_t ref_leaf_data(unsigned i, uint8_t out[16])
{
	size_t n = 1 + i % 13;
	for (size_t j = 0; j < n; j++)
		out[j] = (uint8_t)(i * 31 + j * 7 + (i >> 8));
	return n;
}

static int ref_init(void)
{
	if (ref_memo != NULL)
		return 0;
	ref_memo = calloc((size_t)(REF_MAX + 1) * (REF_MAX + 1), 32);
	ref_known = calloc((size_t)(REF_MAX + 1) * (REF_MAX + 1), 1);
	if (ref_memo == NULL || ref_known == NULL)
		return -1;
	for (unsigned i = 0; i < REF_MAX; i++) {
		uint8_t d[16];
		ref_sha256(ref_leaf[i], 0x00, d, ref_leaf_data(i, d));
	}
	return 0;
}

/* MTH(D[a:b]) by the definition, remembered: the leaves never change. */
static void ref_mth(unsigned a, unsigned b, uint8_t out[32])
{
	size_t at = (size_t)a * (REF_MAX + 1) + b;
	if (b - a == 1) {
		memcpy(out, ref_leaf[a], 32);
		return;
	}
	if (!ref_known[at]) {
		unsigned k = 1;
		while (k * 2 < b - a)
			k *= 2;
		uint8_t lr[64];
		ref_mth(a, a + k, lr);
		ref_mth(a + k, b, lr + 32);
		ref_sha256(ref_memo[at], 0x01, lr, 64);
		ref_known[at] = 1;
	}
	memcpy(out, ref_memo[at], 32);
}

/* PATH(m - a, D[a:b]) by the definition; its length. */
static unsigned ref_path(unsigned m, unsigned a, unsigned b, uint8_t (*out)[32])
{
	if (b - a <= 1)
		return 0;
	unsigned k = 1, n;
	while (k * 2 < b - a)
		k *= 2;
	if (m < a + k) {
		n = ref_path(m, a, a + k, out);
		ref_mth(a + k, b, out[n]);
	} else {
		n = ref_path(m, a + k, b, out);
		ref_mth(a, a + k, out[n]);
	}
	return n + 1;
}

/* Section type 4 of the first n reference leaves, built here by the
 * spec's table: levels 0, s, 2s, ... while n >> L >= 1. */
typedef struct section {
	uint8_t *p;
	size_t len;
	unsigned reads;
	int fail_at;              /* fail this read (1 = the first), 0 never */
} section;

static int section_build(section *s, unsigned n, unsigned stride)
{
	size_t hashes = 0;
	for (unsigned l = 0; (n >> l) >= 1; l += stride)
		hashes += n >> l;
	memset(s, 0, sizeof *s);
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
			ref_mth(i << l, (i + 1) << l, w);
	return 0;
}

static int section_read(void *ctx, uint64_t off, void *buf, size_t len, npk_error *err)
{
	section *s = ctx;
	s->reads++;
	if (s->fail_at && (int)s->reads == s->fail_at) {
		snprintf(err->msg, sizeof err->msg, "test: read %u fails", s->reads);
		err->code = NPK_E_IO;
		return NPK_E_IO;
	}
	if (off > s->len || len > s->len - off || len == 0 || len % 32 != 0 || off < 24 ||
	    (off - 24) % 32 != 0) {
		snprintf(err->msg, sizeof err->msg, "test: read of %zu at %llu is not in the section",
		         len, (unsigned long long)off);
		err->code = NPK_E_FORMAT;
		return NPK_E_FORMAT;
	}
	memcpy(buf, s->p + off, len);
	return NPK_OK;
}

static unsigned bits(uint64_t x)
{
	unsigned b = 0;
	for (; x; x >>= 1)
		b++;
	return b;
}

/* Which leaves of a tree of n to prove: all of the small trees and those
 * around powers of two; elsewhere the first and last leaves, those around
 * powers of two and a sample (every m costs about n hashes with level 0
 * the only one stored below 256 leaves). */
static int m_wanted(unsigned n, unsigned m)
{
	int near_pow2 = (n & (n - 1)) == 0 || ((n + 1) & n) == 0 || ((n - 1) & (n - 2)) == 0;
	return n <= 96 || near_pow2 || m < 4 || m + 4 >= n || m % 11 == 0 || (m & (m - 1)) == 0 ||
	       ((m + 1) & m) == 0;
}

/* Every check of one tree of n leaves at one stride; the fewest
 * leaves (m) and most reads seen go to *most_reads. */
static int check_tree(unsigned n, unsigned stride, unsigned *most_reads)
{
	section s;
	npk_error err;
	uint8_t root[32], got[32];
	uint8_t want[NPK_PROOF_HASHES_MAX][32], path[NPK_PROOF_HASHES_MAX][32];
	uint64_t len;
	if (section_build(&s, n, stride) != 0)
		return -1;
	int bad = npk__tree_layout(n, stride, &len) != 0 || len != s.len;
	for (unsigned l = 0, off = 24; !bad && (n >> l) >= 1; off += 32 * (n >> l), l += stride)
		bad = npk__tree_level_offset(n, stride, l) != off;
	ref_mth(0, n, root);
	bad = bad || npk__tree_root(n, stride, section_read, &s, got, &err) != NPK_OK ||
	      memcmp(got, root, 32) != 0;
	for (unsigned m = 0; !bad && m < n; m++) {
		if (!m_wanted(n, m))
			continue;
		unsigned wl = ref_path(m, 0, n, want), gl = 0;
		const char *why = "";
		s.reads = 0;
		bad = npk__tree_path(n, stride, section_read, &s, m, path, &gl, &err) != NPK_OK ||
		      gl != wl || gl != npk__proof_len(m, n) || memcmp(path, want, 32 * (size_t)wl) != 0 ||
		      npk__verify_inclusion(m, n, ref_leaf[m], (const uint8_t (*)[32])path, gl, root, &why) != 0;
		/* O(log n), as spec 15.13 says: at most 2 ceil(log2(n)) reads,
		 * one per hash of the path and per perfect subtree of the one
		 * hash that is not a perfect subtree */
		bad = bad || s.reads > 2 * bits(n - 1);
		if (s.reads > *most_reads)
			*most_reads = s.reads;
		if (bad)
			fprintf(stderr, "  n %u stride %u m %u: %s (%s), %u hashes, %u reads\n", n, stride,
			        m, err.msg, why ? why : "", gl, s.reads);
	}
	free(s.p);
	return bad ? -1 : 0;
}

DEFINE_TEST(test_merkle_reference)
{
	CHECK(ref_init() == 0);
	npk_mth t;
	uint8_t got[32], want[32];
	npk__mth_init(&t);
	npk__mth_root(&t, got);
	crypto_hash_sha256(want, NULL, 0);
	CHECK(memcmp(got, want, 32) == 0);
	for (unsigned n = 1; n <= REF_MAX; n++) {
		npk__mth_add(&t, ref_leaf[n - 1]);
		npk__mth_root(&t, got);
		ref_mth(0, n, want);
		CHECK(memcmp(got, want, 32) == 0);
	}
	/* stride 8 (what newspack writes) for every n; the others for the
	 * small trees, the sizes around powers of two, and a sample */
	static const unsigned strides[] = {8, 1, 2, 3, 16};
	unsigned trees = 0, most_reads = 0;
	for (unsigned si = 0; si < sizeof strides / sizeof strides[0]; si++)
		for (unsigned n = 1; n <= REF_MAX; n++) {
			int pow2_near = (n & (n - 1)) == 0 || ((n + 1) & n) == 0 || ((n - 1) & (n - 2)) == 0;
			if (strides[si] != 8 && n > 40 && !pow2_near && n % 23 != 0)
				continue;
			if (check_tree(n, strides[si], &most_reads) != 0) {
				fprintf(stderr, "  tree of %u leaves at stride %u\n", n, strides[si]);
				CHECK(0);
			}
			trees++;
		}
	CHECK(trees > 300);
	CHECK(most_reads >= 9);    /* the bound above was tested, not trivially met */
}

DEFINE_TEST(test_merkle_inclusion_kat)
{
	uint8_t leaf_hash[8][32], node[15][32];
	const char *why;
	for (unsigned i = 0; i < 15; i++)
		CHECK(unhex(kat_nodes[i], node[i], 32) == 32);
	memcpy(leaf_hash, node, sizeof leaf_hash);
	for (unsigned k = 0; k < 5; k++) {
		bin_proof b;
		CHECK(kat_decode(&kat_happy[k], &b) == 0);
		CHECK_EQ_INT(npk__proof_len(b.index, b.size), b.len);
		CHECK(memcmp(b.leaf, leaf_hash[b.index], 32) == 0);
		CHECK(bin_verify(&b, &why) == 0);
		CHECK(why == NULL);
		/* npk__tree_path over the stored levels of the RFC 6962 tree gives
		 * the same hashes, at every stride that matters for 8 leaves */
		for (unsigned stride = 1; stride <= 4; stride++) {
			uint8_t sec[24 + 32 * 15], path[NPK_PROOF_HASHES_MAX][32], root[32];
			unsigned len = 0, at = 24, off[4] = {0, 8, 12, 14};
			npk_error err;
			for (unsigned l = 0; (b.size >> l) >= 1; l += stride) {
				for (unsigned i = 0; i < (b.size >> l); i++, at += 32) {
					/* node (l, i) of the tree of b.size leaves is
					 * NodeHashes[l][i] when that subtree is whole */
					memcpy(sec + at, node[off[l] + i], 32);
				}
			}
			section s = {sec, at, 0, 0};
			CHECK_RC(npk__tree_path(b.size, stride, section_read, &s, b.index, path, &len, &err),
			         NPK_OK, &err);
			CHECK_EQ_INT(len, b.len);
			CHECK(memcmp(path, b.path, 32 * (size_t)len) == 0);
			CHECK_RC(npk__tree_root(b.size, stride, section_read, &s, root, &err), NPK_OK, &err);
			CHECK(memcmp(root, b.root, 32) == 0);
		}
	}
	for (unsigned k = 0; k < 4; k++) {
		bin_proof b;
		CHECK(kat_decode(&kat_files[k], &b) == 0);
		CHECK(bin_verify(&b, &why) != 0);
		CHECK(why != NULL);
	}
}

/* The failing variants of testdata/inclusion/N/ made from proof k. */
static int kat_variants(unsigned k, unsigned *count)
{
	bin_proof h, b;
	uint8_t some[32], empty[32];
	const char *why;
	if (kat_decode(&kat_happy[k], &h) != 0 || unhex(some_hash, some, 32) != 32 ||
	    unhex(empty_hash, empty, 32) != 32)
		return -1;
	for (unsigned v = 0;; v++) {
		b = h;
		switch (v) {
		case 0: b.index = h.index - 1; break;                 /* leafIdx---1 */
		case 1: b.index = h.index + 1; break;                 /* leafIdx-+-1 */
		case 2: b.index = h.index ^ 2; break;                 /* leafIdx-^-2 */
		case 3: b.size = h.size * 2; break;                   /* treeSize-*-2 */
		case 4: b.size = h.size / 2; break;                   /* treeSize-div-2 */
		case 5: memset(b.leaf, 0, 32); memcpy(b.leaf, "WrongLeaf", 9); break; /* wrong-leaf */
		case 6: memcpy(b.root, empty, 32); break;             /* empty-root */
		case 7: memcpy(b.root, some, 32); break;              /* random-root */
		case 8: memset(b.path[b.len++], 0, 32); break;        /* trailing-garbage (32 zero bytes) */
		case 9: memcpy(b.path[b.len++], h.root, 32); break;   /* trailing-root */
		case 10: case 11:                                     /* preceding-garbage, -root */
			memmove(b.path[1], b.path[0], 32 * (size_t)b.len++);
			if (v == 10)
				memset(b.path[0], 0, 32);
			else
				memcpy(b.path[0], h.root, 32);
			break;
		case 12: /* removed-component */
			if (h.len == 0)
				continue;
			b.len--;
			break;
		case 13: /* inserted-component: proof[0], sha256SomeHash, proof[1:] */
			if (h.len < 2)
				continue;
			memmove(b.path[2], b.path[1], 32 * (size_t)(b.len++ - 1));
			memcpy(b.path[1], some, 32);
			break;
		default: /* modified-proof[i]-bit-3 */
			if (v - 14 >= h.len)
				return 0;
			b.path[v - 14][0] ^= 8;
			break;
		}
		if (bin_verify(&b, &why) == 0 || why == NULL) {
			fprintf(stderr, "  inclusion/%u variant %u verified\n", k, v);
			return -1;
		}
		(*count)++;
	}
}

DEFINE_TEST(test_merkle_inclusion_variants)
{
	unsigned count = 0;
	for (unsigned k = 0; k < 5; k++)
		CHECK(kat_variants(k, &count) == 0);
	/* as many as the files of testdata/inclusion/0..4 named by these rules */
	CHECK_EQ_INT(count, 12 * 5 + 4 + 3 + 10);
}

/* ---- Proofs that must fail, each for its own reason ---- */

DEFINE_TEST(test_merkle_must_fail)
{
	CHECK(ref_init() == 0);
	enum { N = 13, M = 6 };
	uint8_t root[32], path[NPK_PROOF_HASHES_MAX + 1][32], leaf[32];
	const char *why;
	unsigned len = ref_path(M, 0, N, path);
	ref_mth(0, N, root);
	memcpy(leaf, ref_leaf[M], 32);
	CHECK(npk__verify_inclusion(M, N, leaf, (const uint8_t (*)[32])path, len, root, &why) == 0);
	CHECK(why == NULL);
	/* the index past the size, or an empty tree */
	CHECK(npk__verify_inclusion(N, N, leaf, (const uint8_t (*)[32])path, len, root, &why) != 0);
	CHECK_STR(why, "the index is past the tree size");
	CHECK(npk__verify_inclusion(0, 0, leaf, NULL, 0, root, &why) != 0);
	CHECK_STR(why, "the index is past the tree size");
	CHECK(npk__verify_inclusion(UINT64_MAX, N, leaf, (const uint8_t (*)[32])path, len, root, &why) != 0);
	CHECK_STR(why, "the index is past the tree size");
	/* an extra hash, a missing hash */
	memcpy(path[len], root, 32);
	CHECK(npk__verify_inclusion(M, N, leaf, (const uint8_t (*)[32])path, len + 1, root, &why) != 0);
	CHECK_STR(why, "wrong number of hashes for this index and tree size");
	CHECK(npk__verify_inclusion(M, N, leaf, (const uint8_t (*)[32])path, len - 1, root, &why) != 0);
	CHECK_STR(why, "wrong number of hashes for this index and tree size");
	/* a flipped bit in each hash, in the leaf hash, in the root */
	for (unsigned i = 0; i <= len + 1; i++)
		for (unsigned bit = 0; bit < 256; bit += 37) {
			uint8_t *p = i < len ? path[i] : i == len ? leaf : root;
			p[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			int rc = npk__verify_inclusion(M, N, leaf, (const uint8_t (*)[32])path, len, root, &why);
			p[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			CHECK(rc != 0);
			CHECK_STR(why, "the hashes do not lead to the root");
		}
	CHECK(npk__verify_inclusion(M, N, leaf, (const uint8_t (*)[32])path, len, root, NULL) == 0);
	/* the proof of another leaf (a proof of leaf 6 of 13 also holds for
	 * 14 leaves, whose tree has the same shape around it: the signed
	 * manifest binds the root to its size) */
	CHECK(npk__verify_inclusion(M + 1, N, leaf, (const uint8_t (*)[32])path, len, root, &why) != 0);
	CHECK_STR(why, "the hashes do not lead to the root");
	/* an interior node presented as a leaf: the node (1, 0) of a tree of
	 * 4 is SHA256(01 || h0 || h1); taking h0 || h1 as "leaf data" with the
	 * path above the node must not verify (the 00 / 01 prefixes) */
	uint8_t data[64], as_leaf[32], as_node[32], up[1][32], root4[32];
	memcpy(data, ref_leaf[0], 32);
	memcpy(data + 32, ref_leaf[1], 32);
	ref_mth(0, 4, root4);
	ref_mth(2, 4, up[0]);
	npk__node_hash(ref_leaf[0], ref_leaf[1], as_node);
	CHECK(npk__verify_inclusion(0, 2, as_node, (const uint8_t (*)[32])up, 1, root4, &why) == 0);
	npk__leaf_hash(data, sizeof data, as_leaf);
	CHECK(npk__verify_inclusion(0, 2, as_leaf, (const uint8_t (*)[32])up, 1, root4, &why) != 0);
	CHECK_STR(why, "the hashes do not lead to the root");
	CHECK(npk__verify_inclusion(0, 4, as_leaf, (const uint8_t (*)[32])up, 1, root4, &why) != 0);
	CHECK_STR(why, "wrong number of hashes for this index and tree size");
	/* the proof length: inner + border */
	CHECK_EQ_INT(npk__proof_len(0, 1), 0);
	CHECK_EQ_INT(npk__proof_len(5, 5), 0);
	CHECK_EQ_INT(npk__proof_len(0, 1ull << 32), 32);
	CHECK_EQ_INT(npk__proof_len(UINT64_MAX - 1, UINT64_MAX), 63);  /* border only */
	CHECK_EQ_INT(npk__proof_len((1ull << 63) - 1, UINT64_MAX), 64); /* inner only */
}

DEFINE_TEST(test_merkle_tree_errors)
{
	CHECK(ref_init() == 0);
	section s;
	npk_error err;
	uint8_t path[NPK_PROOF_HASHES_MAX][32], root[32], want[32];
	unsigned len = 7;
	uint64_t l;
	/* layout: the empty tree, a stride out of range, overflow */
	CHECK(npk__tree_layout(0, 8, &l) == 0 && l == 24);
	CHECK(npk__tree_layout(5, 0, &l) == -1);
	CHECK(npk__tree_layout(5, 17, &l) == -1);
	CHECK(npk__tree_layout(UINT64_MAX, 1, &l) == -1);
	CHECK(npk__tree_layout(UINT64_MAX / 32, 1, &l) == -1);
	CHECK(npk__tree_layout(NPK_TREE_SIZE_MAX, 1, &l) == 0 && l == 24 + 32 * (2 * NPK_TREE_SIZE_MAX - 31));
	CHECK(npk__tree_level_offset(UINT64_MAX, 1, 10) == UINT64_MAX);
	CHECK(npk__tree_level_offset(5, 0, 0) == UINT64_MAX);
	CHECK(npk__tree_level_offset(1000, 8, 8) == 24 + 32 * 1000);
	/* the empty tree's root reads nothing */
	CHECK(section_build(&s, 0, 8) == 0);
	CHECK_RC(npk__tree_root(0, 8, section_read, &s, root, &err), NPK_OK, &err);
	crypto_hash_sha256(want, NULL, 0);
	CHECK(memcmp(root, want, 32) == 0 && s.reads == 0);
	CHECK_RC(npk__tree_path(0, 8, section_read, &s, 0, path, &len, &err), NPK_E_ARG, &err);
	CHECK(len == 0);
	free(s.p);
	CHECK(section_build(&s, 100, 3) == 0);
	CHECK_RC(npk__tree_path(100, 3, section_read, &s, 100, path, &len, &err), NPK_E_ARG, &err);
	CHECK(strstr(err.msg, "leaf 100 is past the Merkle tree's 100 leaves") != NULL);
	CHECK_RC(npk__tree_path(100, 0, section_read, &s, 1, path, &len, &err), NPK_E_FORMAT, &err);
	CHECK(strstr(err.msg, "stride 0 is not 1 to 16") != NULL);
	CHECK_RC(npk__tree_root(100, 17, section_read, &s, root, &err), NPK_E_FORMAT, &err);
	CHECK_RC(npk__tree_root(UINT64_MAX, 1, section_read, &s, root, &err), NPK_E_FORMAT, &err);
	CHECK(strstr(err.msg, "too many") != NULL);
	/* a failing read stops it with the reader's error, every one of them */
	for (int at = 1; at < 12; at++) {
		s.reads = 0;
		s.fail_at = at;
		int rc = npk__tree_path(100, 3, section_read, &s, 37, path, &len, &err);
		if ((int)s.reads < at)
			break;
		CHECK_EQ_INT(rc, NPK_E_IO);
		CHECK(len == 0);
		s.reads = 0;
		rc = npk__tree_root(100, 3, section_read, &s, root, &err);
		CHECK((int)s.reads < at || rc == NPK_E_IO);
	}
	free(s.p);
}

/* ---- Leaf data ---- */

/* A valid leaf's fields; meta holds {"date": "2024-05-01", "title": "T"}. */
static const uint8_t leaf_meta[] = {
	2, 0, 4, 'd', 'a', 't', 'e', 10, 0, '2', '0', '2', '4', '-', '0', '5', '-', '0', '1',
	5, 't', 'i', 't', 'l', 'e', 1, 0, 'T',
};
static const uint8_t leaf_digest[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
static const uint8_t leaf_salt[16] = {0xa5, 0x5a, 0xff, 0, 0x11};

static npk_leaf leaf_sample(void)
{
	npk_leaf l = {NPK_LEAF_ENTRY, NPK_KIND_DOCUMENT, "news/2024/a.html", 16, 4242, leaf_digest,
	              "text/html", 9, leaf_meta, sizeof leaf_meta, leaf_salt};
	return l;
}

/* Parses b with byte at changed to v (at < 0: unchanged); the code. */
static int parse_with(const npk_buf *b, long at, uint8_t v, npk_error *err)
{
	uint8_t copy[512];
	npk_leaf l;
	memcpy(copy, b->p, b->len);
	if (at >= 0)
		copy[at] = v;
	return npk__leaf_parse(copy, b->len, &l, err);
}

/* 15.15: a withdrawal's leaf (type 1): kind 1, size 0, digest H(""). */
DEFINE_TEST(test_merkle_leaf_withdrawal)
{
	uint8_t empty[32];
	crypto_generichash(empty, 32, NULL, 0, NULL, 0);
	npk_leaf in = leaf_sample(), out;
	in.type = NPK_LEAF_WITHDRAWAL;
	in.kind = NPK_KIND_WITHDRAWN;
	in.size = 0;
	in.digest = empty;
	npk_buf b = {0};
	npk_error err;
	CHECK_RC(npk__leaf_encode(&b, &in, &err), NPK_OK, &err);
	CHECK(b.p[0] == 1 && b.p[1] == 1);
	CHECK_RC(npk__leaf_parse(b.p, b.len, &out, &err), NPK_OK, &err);
	CHECK(out.type == 1 && out.kind == 1 && out.size == 0);
	CHECK_RC(parse_with(&b, 1, 0, &err), NPK_E_FORMAT, &err);
	CHECK_STR(err.msg, "leaf data: a withdrawal (leaf type 1) has kind 0, not 1");
	CHECK_RC(parse_with(&b, 20, 1, &err), NPK_E_FORMAT, &err);       /* size 1 */
	CHECK_STR(err.msg, "leaf data: a withdrawal has a size or digest of content");
	CHECK_RC(parse_with(&b, 28, (uint8_t)(empty[0] ^ 1), &err), NPK_E_FORMAT, &err);
	CHECK_STR(err.msg, "leaf data: a withdrawal has a size or digest of content");
	/* an entry leaf of kind 1, and a withdrawal of content, are not written */
	npk_buf c = {0};
	in.type = NPK_LEAF_ENTRY;
	CHECK_RC(npk__leaf_encode(&c, &in, &err), NPK_E_ARG, &err);
	in.type = NPK_LEAF_WITHDRAWAL;
	in.size = 5;
	CHECK_RC(npk__leaf_encode(&c, &in, &err), NPK_E_ARG, &err);
	npk__buf_free(&b);
	npk__buf_free(&c);
}

DEFINE_TEST(test_merkle_leaf_data)
{
	npk_buf b = {0};
	npk_error err;
	npk_leaf in = leaf_sample(), out;
	CHECK_RC(npk__leaf_encode(&b, &in, &err), NPK_OK, &err);
	/* the layout of 15.13, field by field */
	CHECK_EQ_INT(b.len, 1 + 1 + 2 + 16 + 8 + 32 + 1 + 9 + 2 + sizeof leaf_meta + 16);
	CHECK(b.p[0] == 0 && b.p[1] == 0 && npk__ld16(b.p + 2) == 16);
	CHECK(memcmp(b.p + 4, "news/2024/a.html", 16) == 0 && npk__ld64(b.p + 20) == 4242);
	CHECK(memcmp(b.p + 28, leaf_digest, 32) == 0 && b.p[60] == 9);
	CHECK(memcmp(b.p + 61, "text/html", 9) == 0 && npk__ld16(b.p + 70) == sizeof leaf_meta);
	CHECK(memcmp(b.p + 72, leaf_meta, sizeof leaf_meta) == 0);
	CHECK(memcmp(b.p + 72 + sizeof leaf_meta, leaf_salt, 16) == 0);
	CHECK_RC(npk__leaf_parse(b.p, b.len, &out, &err), NPK_OK, &err);
	CHECK(out.type == 0 && out.kind == 0 && out.path_len == 16 && out.size == 4242);
	CHECK(memcmp(out.path, in.path, 16) == 0 && out.digest == b.p + 28);
	CHECK(out.media_len == 9 && memcmp(out.media, "text/html", 9) == 0);
	CHECK(out.meta_len == sizeof leaf_meta && out.meta == b.p + 72 && out.salt == b.p + 72 + sizeof leaf_meta);
	/* every shorter prefix is truncated; a byte more is trailing */
	for (size_t n = 0; n < b.len; n++) {
		int rc = npk__leaf_parse(b.p, n, &out, &err);
		CHECK_EQ_INT(rc, NPK_E_FORMAT);
		CHECK(strstr(err.msg, "leaf data: ") == err.msg);
	}
	CHECK_RC(npk__leaf_parse(NULL, 0, &out, &err), NPK_E_FORMAT, &err);
	CHECK_STR(err.msg, "leaf data: empty");
	CHECK_RC(npk__leaf_parse(b.p, 50, &out, &err), NPK_E_FORMAT, &err);
	CHECK_STR(err.msg, "leaf data: truncated in its size or digest");
	CHECK(npk__buf_u8(&b, 0) == 0);
	CHECK_RC(npk__leaf_parse(b.p, b.len, &out, &err), NPK_E_FORMAT, &err);
	CHECK_STR(err.msg, "leaf data: 1 bytes after the salt");
	b.len--;
	/* leaf type: 1 is a withdrawal (15.15: kind 1, no content), the
	 * others are not known */
	CHECK_RC(parse_with(&b, 0, 1, &err), NPK_E_FORMAT, &err);
	CHECK_STR(err.msg, "leaf data: a withdrawal (leaf type 1) has kind 0, not 1");
	CHECK_RC(parse_with(&b, 0, 2, &err), NPK_E_FORMAT, &err);
	CHECK_STR(err.msg, "leaf data: leaf type 2 is not known");
	CHECK_RC(parse_with(&b, 0, 200, &err), NPK_E_FORMAT, &err);
	CHECK_STR(err.msg, "leaf data: leaf type 200 is not known");
	/* kind: 0, 2, 3 */
	CHECK_RC(parse_with(&b, 1, 2, &err), NPK_OK, &err);
	CHECK_RC(parse_with(&b, 1, 3, &err), NPK_OK, &err);
	CHECK_RC(parse_with(&b, 1, 1, &err), NPK_E_FORMAT, &err);
	CHECK_STR(err.msg, "leaf data: kind 1 is not a document (0), folder (2) or link (3)");
	CHECK_RC(parse_with(&b, 1, 4, &err), NPK_E_FORMAT, &err);
	/* the path (5.1): "..", absolute, empty component, control byte, NUL */
	CHECK_RC(parse_with(&b, 4, '/', &err), NPK_E_FORMAT, &err);
	CHECK(strstr(err.msg, "leaf data: ") == err.msg && strstr(err.msg, "absolute path") != NULL);
	CHECK_RC(parse_with(&b, 9, '/', &err), NPK_E_FORMAT, &err);
	CHECK(strstr(err.msg, "empty path component") != NULL);
	CHECK_RC(parse_with(&b, 5, 0x01, &err), NPK_E_FORMAT, &err);
	CHECK(strstr(err.msg, "control character") != NULL);
	CHECK_RC(parse_with(&b, 5, 0, &err), NPK_E_FORMAT, &err);
	{
		npk_leaf dots = in;
		npk_buf d = {0};
		dots.path = "news/../a.html";
		dots.path_len = 14;
		CHECK_RC(npk__leaf_encode(&d, &dots, &err), NPK_OK, &err);
		CHECK_RC(npk__leaf_parse(d.p, d.len, &out, &err), NPK_E_FORMAT, &err);
		CHECK(strstr(err.msg, "\"..\" in path") != NULL);
		npk__buf_free(&d);
	}
	/* a path length of 0 */
	{
		uint8_t z[4] = {0, 0, 0, 0};
		CHECK_RC(npk__leaf_parse(z, 4, &out, &err), NPK_E_FORMAT, &err);
		CHECK_STR(err.msg, "leaf data: a path of 0 bytes (1 to 4096)");
		uint8_t zz[64] = {0};
		CHECK_RC(npk__leaf_parse(zz, sizeof zz, &out, &err), NPK_E_FORMAT, &err);
		CHECK_STR(err.msg, "leaf data: a path of 0 bytes (1 to 4096)");
	}
	/* the media type: a space, a NUL, a control byte, DEL, empty */
	CHECK_RC(parse_with(&b, 65, ' ', &err), NPK_E_FORMAT, &err);
	CHECK(strstr(err.msg, "leaf data: bad media type") == err.msg);
	CHECK_RC(parse_with(&b, 65, 0, &err), NPK_E_FORMAT, &err);
	CHECK_RC(parse_with(&b, 69, '\n', &err), NPK_E_FORMAT, &err);
	CHECK_RC(parse_with(&b, 61, 0x7f, &err), NPK_E_FORMAT, &err);
	{
		npk_buf e = {0};
		CHECK(npk__buf_put(&e, b.p, 60) == 0 && npk__buf_u8(&e, 0) == 0 &&
		      npk__buf_put(&e, b.p + 70, b.len - 70) == 0);
		CHECK_RC(npk__leaf_parse(e.p, e.len, &out, &err), NPK_E_FORMAT, &err);
		CHECK(strstr(err.msg, "leaf data: bad media type") == err.msg);
		npk__buf_free(&e);
	}
	/* the metadata list (5.5): keys out of order, a bad key, bad UTF-8, a
	 * count the bytes cannot hold */
	CHECK_RC(parse_with(&b, 75, 'z', &err), NPK_E_FORMAT, &err);
	CHECK_STR(err.msg, "leaf data: metadata: key 1 out of order");
	CHECK_RC(parse_with(&b, 75, 'D', &err), NPK_E_FORMAT, &err);
	CHECK_STR(err.msg, "leaf data: metadata: key 0 is not a valid key");
	CHECK_RC(parse_with(&b, 72 + 27, 0xff, &err), NPK_E_FORMAT, &err);
	CHECK(strstr(err.msg, "leaf data: metadata: value 1") == err.msg);
	CHECK_RC(parse_with(&b, 72, 9, &err), NPK_E_FORMAT, &err);
	CHECK(strstr(err.msg, "leaf data: metadata: 9 pairs cannot fit") == err.msg);
	/* a list shorter than its count: meta_len 1 takes the salt's first byte
	 * away from it and leaves the rest after the salt */
	{
		npk_leaf one = in;
		npk_buf o = {0};
		one.meta_len = 2;
		uint8_t none[2] = {0, 0};
		one.meta = none;
		CHECK_RC(npk__leaf_encode(&o, &one, &err), NPK_OK, &err);
		CHECK_RC(npk__leaf_parse(o.p, o.len, &out, &err), NPK_OK, &err);
		o.p[70] = 1;
		CHECK_RC(npk__leaf_parse(o.p, o.len, &out, &err), NPK_E_FORMAT, &err);
		CHECK_STR(err.msg, "leaf data: metadata: truncated count");
		o.p[70] = 0;
		CHECK_RC(npk__leaf_parse(o.p, o.len, &out, &err), NPK_E_FORMAT, &err);
		CHECK_STR(err.msg, "leaf data: metadata: truncated count");
		npk__buf_free(&o);
	}
	/* encode refuses what parse would refuse by length */
	npk_buf x = {0};
	npk_leaf bad = in;
	bad.type = 1;
	CHECK_RC(npk__leaf_encode(&x, &bad, &err), NPK_E_ARG, &err);
	bad = in;
	bad.kind = NPK_KIND_WITHDRAWN;
	CHECK_RC(npk__leaf_encode(&x, &bad, &err), NPK_E_ARG, &err);
	bad = in;
	bad.path_len = 4097;
	CHECK_RC(npk__leaf_encode(&x, &bad, &err), NPK_E_ARG, &err);
	bad = in;
	bad.media_len = 0;
	CHECK_RC(npk__leaf_encode(&x, &bad, &err), NPK_E_ARG, &err);
	bad = in;
	bad.meta_len = 1;
	CHECK_RC(npk__leaf_encode(&x, &bad, &err), NPK_E_ARG, &err);
	CHECK(x.len == 0);
	npk__buf_free(&x);
	npk__buf_free(&b);
}
