/* fuzz_proof_leaf.c - what check-proof and prove take from outside
 * (spec/format.md 15.13, 15.14): leaf data (npk__leaf_parse, which must
 * give back the same bytes when encoded again), an inclusion proof
 * (npk__verify_inclusion), and the stored levels read by npk__tree_path
 * and npk__tree_root, which must never ask for bytes outside the section
 * their layout gives. The input:
 *
 *   0   u8   stride of the stored levels
 *   1   u8   number of hashes of the proof (at most 65 taken)
 *   2   u64  m, the leaf's index
 *   10  u64  n, the tree size
 *   18  u16  leaf_len
 *   20  leaf_len bytes of leaf data, then the root (32), then the hashes
 *
 * The whole input is also the section of a tree of n mod 1024 leaves. */
#include <stdlib.h>
#include <string.h>

#include "format/format.h"
#include "fuzz.h"

#define HEAD 20u

typedef struct fz_section {
	const uint8_t *p;
	size_t size;
	uint64_t layout_len;
} fz_section;

static int fz_read(void *ctx, uint64_t off, void *buf, size_t len, npk_error *err)
{
	const fz_section *s = ctx;
	/* a read outside the layout is a bug of the tree code */
	if (off < NPK_TREE_HEADER || off > s->layout_len || len > s->layout_len - off)
		abort();
	if (off > s->size || len > s->size - off)
		return npk__fail(err, NPK_E_FORMAT, "fuzz: the section ends early");
	memcpy(buf, s->p + off, len);
	return NPK_OK;
}

static void fz_leaf(const uint8_t *leaf, size_t len)
{
	npk_leaf l;
	npk_error err;
	if (npk__leaf_parse(leaf, len, &l, &err) != NPK_OK)
		return;
	npk_buf b = {0};
	if (npk__leaf_encode(&b, &l, &err) != NPK_OK || b.len != len || memcmp(b.p, leaf, len) != 0)
		abort();
	npk__buf_free(&b);
}

static void fz_proof(const uint8_t *data, size_t size, uint64_t m, uint64_t n, unsigned k,
                     const uint8_t leaf_hash[32], size_t at)
{
	uint8_t root[32], path[NPK_PROOF_HASHES_MAX + 1][32];
	const char *why = NULL;
	if (size - at < 32)
		return;
	memcpy(root, data + at, 32);
	at += 32;
	if (k > NPK_PROOF_HASHES_MAX + 1)
		k = NPK_PROOF_HASHES_MAX + 1;
	if (k > (size - at) / 32)
		k = (unsigned)((size - at) / 32);
	memcpy(path, data + at, 32 * (size_t)k);
	int rc = npk__verify_inclusion(m, n, leaf_hash, (const uint8_t (*)[32])path, k, root, &why);
	if ((rc == 0) != (why == NULL) || (rc == 0 && (m >= n || k != npk__proof_len(m, n))))
		abort();
}

static void fz_tree(const uint8_t *data, size_t size, unsigned stride, uint64_t m, uint64_t n)
{
	fz_section s = {data, size, 0};
	uint8_t root[32], path[NPK_PROOF_HASHES_MAX][32];
	unsigned len = 0;
	npk_error err;
	n &= 1023;
	if (npk__tree_layout(n, stride, &s.layout_len) != 0)
		s.layout_len = 0;
	npk__tree_root(n, stride, fz_read, &s, root, &err);
	if (n == 0)
		return;
	if (npk__tree_path(n, stride, fz_read, &s, m % n, path, &len, &err) == NPK_OK &&
	    len != npk__proof_len(m % n, n))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < HEAD) {
		fz_leaf(data, size);
		return 0;
	}
	unsigned stride = data[0], k = data[1];
	uint64_t m = npk__ld64(data + 2), n = npk__ld64(data + 10);
	size_t leaf_len = npk__ld16(data + 18);
	if (leaf_len > size - HEAD)
		leaf_len = size - HEAD;
	uint8_t leaf_hash[32];
	fz_leaf(data + HEAD, leaf_len);
	npk__leaf_hash(data + HEAD, leaf_len, leaf_hash);
	fz_proof(data, size, m, n, k, leaf_hash, HEAD + leaf_len);
	fz_tree(data, size, stride, m, n);
	return 0;
}
