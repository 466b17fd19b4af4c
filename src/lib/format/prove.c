/*
 * prove.c - the proof of one document (spec/format.md 15.13, 15.14): its
 * leaf data, the RFC 9162 inclusion path read from the stored levels of
 * the Merkle tree (O(log n) hashes, no other entry), and the manifest and
 * signature block that sign the root. The path is checked against the
 * signed root before the proof is handed out.
 */
#include <stdlib.h>

#include <sodium.h>

#include "format/format.h"
#include "format/seal.h"

typedef struct tree_src {
	int fd;
	const char *name;
	uint64_t off, len;        /* the section */
} tree_src;

static int tree_read(void *ctx, uint64_t off, void *buf, size_t len, npk_error *err)
{
	const tree_src *t = ctx;
	NPK_FAIL_IF(off > t->len || len > t->len - off, err, NPK_E_FORMAT,
	            "%s: a read past the Merkle tree section", t->name);
	return npk__pread_full(t->fd, buf, len, t->off + off, t->name, err);
}

/* The stride of the section's header (15.13), checked against n. */
static int tree_stride(const tree_src *t, uint64_t n, unsigned *stride, npk_error *err)
{
	uint8_t h[NPK_TREE_HEADER];
	NPK_FAIL_IF(t->len < sizeof h, err, NPK_E_FORMAT, "%s: the Merkle tree section is truncated",
	            t->name);
	NPK_FORWARD(npk__pread_full(t->fd, h, sizeof h, t->off, t->name, err));
	NPK_FAIL_IF(npk__tree_header_problem(h, n, t->len) != NULL, err, NPK_E_DIGEST,
	            "%s: the Merkle tree section's header is damaged: run newspack verify", t->name);
	*stride = h[16];
	return NPK_OK;
}

static int dup_bytes(uint8_t **to, const void *from, size_t len)
{
	*to = malloc(len ? len : 1);
	if (*to == NULL)
		return -1;
	memcpy(*to, from, len);
	return 0;
}

/* The proof's own copies of what it holds. */
static int proof_fill(npk_proof *p, const npk_reader *r, const npk_buf *leaf,
                      uint8_t (*path)[32], unsigned len, npk_error *err)
{
	const uint8_t *mf, *sig;
	size_t mf_len, sig_len;
	npk__reader_signed(r, &mf, &mf_len, &sig, &sig_len);
	NPK_FAIL_IF(mf == NULL, err, NPK_E_ARG, "%s: the signed manifest is not at hand",
	            npk__reader_name(r));
	p->nhashes = len;
	int bad = dup_bytes(&p->leaf, leaf->p, leaf->len) ||
	          dup_bytes((uint8_t **)&p->hashes, path, (size_t)len * 32) ||
	          dup_bytes(&p->manifest, mf, mf_len) || dup_bytes(&p->sig, sig, sig_len);
	p->leaf_len = leaf->len;
	p->manifest_len = mf_len;
	p->sig_len = sig_len;
	NPK_FAIL_IF(bad, err, NPK_E_NOMEM, "out of memory");
	return NPK_OK;
}

/* PATH(m) of the tree of n leaves: from the one file's section, or (a
 * chain, 15.15) from the nodes stored in each edition. */
static int prove_path(npk_reader *r, tree_src *t, uint64_t n, uint64_t m,
                      uint8_t (*hashes)[32], unsigned *len, npk_error *err)
{
	unsigned stride = 0;
	if (npk__chain_count(r) > 1) {
		npk__chain_tree ct;
		NPK_FORWARD(npk__chain_tree_init(&ct, r, n, err));
		return npk__tree_path(n, ct.stride, npk__chain_tree_read, &ct, m, hashes, len, err);
	}
	NPK_FORWARD(tree_stride(t, n, &stride, err));
	return npk__tree_path(n, stride, tree_read, t, m, hashes, len, err);
}

/* 15.17.6: a sealed archive stores no levels: they are made in memory,
 * laid out as 15.13's section (stride 8), from every entry's leaf. */
typedef struct mem_tree {
	uint8_t *p;
	uint64_t len;
} mem_tree;

static int mem_read(void *ctx, uint64_t off, void *buf, size_t len, npk_error *err)
{
	const mem_tree *t = ctx;
	NPK_FAIL_IF(off > t->len || len > t->len - off, err, NPK_E_FORMAT,
	            "a read past the Merkle tree");
	memcpy(buf, t->p + off, len);
	return NPK_OK;
}

/* 15.17.6, 15.17.8: the levels of a sealed tree of n leaves made in
 * memory from the leaves of the chain's files up to the state read (a
 * lone file's own), each file's sealed root checked on the way. */
static int sealed_levels(npk_reader *r, uint64_t n, mem_tree *t, npk_error *err)
{
	const unsigned s = NPK_TREE_STRIDE;
	NPK_FAIL_IF(npk__tree_layout(n, s, &t->len) != 0 || t->len > SIZE_MAX, err, NPK_E_LIMIT,
	            "a Merkle tree of %llu leaves is too large", (unsigned long long)n);
	t->p = calloc(1, (size_t)t->len);
	uint8_t *buf = malloc((size_t)32 << s);
	if (t->p == NULL || buf == NULL) {
		free(buf);
		return npk__fail(err, NPK_E_NOMEM, "out of memory");
	}
	memcpy(t->p, NPK_TREE_MAGIC, 8);
	npk__st64(t->p + 8, n);
	t->p[16] = (uint8_t)s;
	/* level 0 in place: the leaves of the chain's files */
	int rc = npk__chain_sealed_leaves(r, npk__chain_at(r), t->p + npk__tree_level_offset(n, s, 0),
	                                  n, err);
	for (unsigned l = s; rc == NPK_OK && l < 64 && (n >> l) > 0; l += s) {
		uint64_t below = npk__tree_level_offset(n, s, l - s), at = npk__tree_level_offset(n, s, l);
		for (uint64_t i = 0; i < n >> l; i++) {
			memcpy(buf, t->p + below + (i << s) * 32, (size_t)32 << s);
			npk__perfect_root(buf, (size_t)1 << s);
			memcpy(t->p + at + 32 * i, buf, 32);
		}
	}
	free(buf);
	return rc;
}

/* The proof of a sealed archive: its path from the levels made in
 * memory, its tree key. */
static int prove_sealed(npk_reader *top, npk_reader *r, uint64_t n, uint64_t m,
                        uint8_t (*hashes)[32], unsigned *len, npk_proof *out, npk_error *err)
{
	npk__seal_view v;
	NPK_FORWARD(npk__reader_seal_view(r, &v, err));
	mem_tree t = {0};
	int rc = sealed_levels(top, n, &t, err);
	if (rc == NPK_OK)
		rc = npk__tree_path(n, NPK_TREE_STRIDE, mem_read, &t, m, hashes, len, err);
	free(t.p);
	npk__seal_tree_key(v.k, out->tree_key);
	out->sealed = 1;
	return rc;
}

int npk_prove(npk_reader *r, const char *path, npk_proof *out, npk_error *err)
{
	memset(out, 0, sizeof *out);
	/* the state read (--at): its edition's file signs the root proven */
	npk_reader *fr = r;
	if (npk__chain_count(r) > 1)
		NPK_FORWARD(npk__chain_file(r, npk__chain_at(r), &fr, err));
	const char *name = npk__reader_name(fr);
	tree_src t = {npk__reader_fd(fr), name, 0, 0};
	uint64_t n;
	const uint8_t *root, *hash;
	npk_info in;
	npk_reader_info(fr, &in);
	int sealed = in.sealed == 2 && in.tree;
	if (sealed) {
		n = in.tree_size;
		root = in.tree_root; /* the reader's: it stays with fr */
	}
	NPK_FAIL_IF(in.sealed == 1, err, NPK_E_SEALED, "%s is sealed: give a recipient's key to "
	            "prove its documents", name);
	NPK_FAIL_IF(!sealed && npk__reader_tree(fr, &t.off, &t.len, &n, &root) != NPK_OK, err,
	            NPK_E_NOTFOUND, "%s holds no Merkle tree (made by an earlier newspack or with "
	            "--no-tree): create it again to prove its documents", name);
	const npk_entry *e;
	const npk_buf *leaf;
	NPK_FORWARD(npk__reader_find_leaf(r, path, &e, &leaf, &hash, err));
	NPK_FAIL_IF(leaf == NULL, err, NPK_E_NOTFOUND, "%s: \"%s\" has no leaf in the Merkle tree",
	            name, path);
	NPK_FAIL_IF(e->leaf >= n, err, NPK_E_DIGEST,
	            "%s: \"%s\" has leaf %llu, past the Merkle tree's %llu leaves: run newspack verify",
	            name, path, (unsigned long long)e->leaf, (unsigned long long)n);
	unsigned len = 0;
	uint8_t hashes[NPK_PROOF_HASHES_MAX][32], lh[32];
	memcpy(lh, hash, 32);
	uint64_t m = e->leaf;
	npk_buf own = {0};
	if (sealed) { /* the walk over every leaf reuses the reader's leaf buffer */
		NPK_FAIL_IF(npk__buf_put(&own, leaf->p, leaf->len), err, NPK_E_NOMEM, "out of memory");
		leaf = &own;
		int rc = prove_sealed(r, fr, n, m, hashes, &len, out, err);
		if (rc != NPK_OK) {
			npk__buf_free(&own);
			sodium_memzero(out->tree_key, 32);
			return rc;
		}
	} else {
		NPK_FORWARD(prove_path(r, &t, n, m, hashes, &len, err));
	}
	const char *why = NULL;
	int rc = NPK_OK;
	if (npk__verify_inclusion(m, n, lh, (const uint8_t(*)[32])hashes, len, root, &why) != 0)
		rc = npk__fail(err, NPK_E_DIGEST, "%s: the stored Merkle tree does not lead \"%s\" to "
		               "the signed root (%s): run newspack verify", name, path,
		               why ? why : "mismatch");
	out->index = m;
	out->size = n;
	if (rc == NPK_OK)
		rc = proof_fill(out, fr, leaf, hashes, len, err);
	npk__buf_free(&own);
	if (rc != NPK_OK)
		npk_proof_clear(out);
	return rc;
}

void npk_proof_clear(npk_proof *p)
{
	if (p == NULL)
		return;
	free(p->leaf);
	free(p->hashes);
	free(p->manifest);
	free(p->sig);
	for (size_t i = 0; i < p->nstamps; i++)
		free(p->stamps[i]);
	free(p->stamps);
	memset(p, 0, sizeof *p);
}
