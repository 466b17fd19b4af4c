/*
 * prove.c - the proof of one document (spec/format.md 15.13, 15.14): its
 * leaf data, the RFC 9162 inclusion path read from the stored levels of
 * the Merkle tree (O(log n) hashes, no other entry), and the manifest and
 * signature block that sign the root. The path is checked against the
 * signed root before the proof is handed out.
 */
#include <stdlib.h>

#include "format/format.h"

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
	NPK_FAIL_IF(npk__reader_tree(fr, &t.off, &t.len, &n, &root) != NPK_OK, err, NPK_E_NOTFOUND,
	            "%s holds no Merkle tree (made by an earlier newspack or with --no-tree): "
	            "create it again to prove its documents", name);
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
	NPK_FORWARD(prove_path(r, &t, n, m, hashes, &len, err));
	const char *why = NULL;
	NPK_FAIL_IF(npk__verify_inclusion(m, n, lh, (const uint8_t(*)[32])hashes, len, root, &why) != 0,
	            err, NPK_E_DIGEST, "%s: the stored Merkle tree does not lead \"%s\" to the signed "
	            "root (%s): run newspack verify", name, path, why ? why : "mismatch");
	out->index = m;
	out->size = n;
	int rc = proof_fill(out, fr, leaf, hashes, len, err);
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
