/* test_tree.c - the Merkle tree of an archive (spec/format.md 15.13) as
 * the writer makes it and the reader checks it, and npk_prove: a proof of
 * every document leads to the signed root; the roots of the proofs' own
 * leaves, added in leaf order, give that root again; a damaged level is
 * refused only by the proofs that read it. */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "format/format.h"
#include "newspack.h"
#include "test.h"

#define TREE_DOCS 600     /* more than 2^8: level 8 is stored */

/* Writes n small documents in path order; opts may set no_tree. */
static int tree_archive(const char *path, size_t n, int no_tree, npk_seckey *sk, npk_error *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return NPK_E_IO;
	npk_create_opts o;
	memset(&o, 0, sizeof o);
	o.timestamp = 1737676800;
	o.cluster_size = 4096;
	o.no_tree = no_tree;
	o.salt_key = sk;
	npk_writer *w = NULL;
	int rc = npk_writer_new(fd, &o, &w, err);
	for (size_t i = 0; rc == NPK_OK && i < n; i++) {
		char p[64], text[96];
		snprintf(p, sizeof p, "d%02zu/article-%05zu.txt", i / 50, i);
		int len = snprintf(text, sizeof text, "Story %zu: the text of the article.\n", i);
		npk_meta *m = npk_meta_new();
		npk_meta_add(m, "title", p, err);
		rc = i % 97 == 5 ? npk_writer_add_folder(w, p, m, err)
		                 : npk_writer_begin(w, p, "text/plain", m, (uint64_t)len, err);
		if (rc == NPK_OK && i % 97 != 5)
			rc = npk_writer_data(w, text, (size_t)len, err);
		if (rc == NPK_OK && i % 97 != 5)
			rc = npk_writer_end(w, err);
		npk_meta_free(m);
	}
	if (rc == NPK_OK)
		rc = npk_writer_finish(w, sk, err);
	npk_writer_free(w);
	close(fd);
	return rc;
}

typedef struct proofs {
	npk_reader *r;
	npk_mth mth;
	uint64_t n, bad;
	const uint8_t *root;
} proofs;

/* Proves entry e and checks the proof against the signed root. */
static int prove_one(const npk_entry *e, void *ctx)
{
	proofs *p = ctx;
	npk_proof pf;
	npk_error err = {0};
	char path[NPK_PATH_MAX + 1];
	snprintf(path, sizeof path, "%s", e->path);
	uint64_t leaf = e->leaf;
	if (npk_prove(p->r, path, &pf, &err) != NPK_OK) {
		fprintf(stderr, "  %s: %s\n", path, err.msg);
		p->bad++;
		return 0;
	}
	uint8_t h[32];
	npk_leaf l;
	npk__leaf_hash(pf.leaf, pf.leaf_len, h);
	const char *why = NULL;
	int ok = pf.index == leaf && pf.size == TREE_DOCS && pf.nhashes == npk__proof_len(leaf, TREE_DOCS) &&
	         npk__verify_inclusion(pf.index, pf.size, h, (const uint8_t(*)[32])pf.hashes, pf.nhashes,
	                               p->root, &why) == 0 &&
	         npk__leaf_parse(pf.leaf, pf.leaf_len, &l, &err) == NPK_OK && l.path_len == strlen(path) &&
	         memcmp(l.path, path, l.path_len) == 0 && pf.manifest_len > NPK_MANIFEST_FIXED &&
	         memcmp(pf.manifest, NPK_MANIFEST_MAGIC, 4) == 0 && pf.sig_len >= NPK_SIG_FIXED &&
	         memcmp(pf.sig, "ED", 2) == 0;
	p->bad += !ok;
	/* entries come in path order, which create made the leaf order */
	if (ok && leaf == p->n)
		npk__mth_add(&p->mth, h);
	p->n++;
	npk_proof_clear(&pf);
	return 0;
}

DEFINE_TEST(test_tree_every_document_proves)
{
	npk_trust *trust = NULL;
	npk_pubkey *pk = NULL;
	npk_seckey *sk = NULL;
	npk_error err = {0};
	CHECK_RC(npk_keypair_generate(&pk, &sk, &err), NPK_OK, &err);
	trust = npk_trust_new();
	CHECK_RC(npk_trust_add(trust, pk, &err), NPK_OK, &err);
	CHECK_RC(tree_archive("t.npk", TREE_DOCS, 0, sk, &err), NPK_OK, &err);
	npk_reader *r = NULL;
	CHECK_RC(npk_reader_open("t.npk", trust, 1, &r, &err), NPK_OK, &err);
	npk_info in;
	npk_reader_info(r, &in);
	CHECK_EQ_INT(in.tree, 1);
	CHECK_EQ_INT(in.tree_size, TREE_DOCS);
	npk_verify_stats st;
	CHECK_RC(npk_reader_verify(r, NULL, NULL, &st, &err), NPK_OK, &err);
	CHECK_EQ_INT(st.tree, 1);
	CHECK_EQ_INT(st.tree_problems, 0);
	CHECK_EQ_INT(st.sections_unknown, 0);
	proofs p = {.r = r, .root = in.tree_root};
	npk__mth_init(&p.mth);
	CHECK_RC(npk_reader_list(r, prove_one, &p, &err), NPK_OK, &err);
	CHECK_EQ_INT(p.bad, 0);
	CHECK_EQ_INT(p.n, TREE_DOCS);
	uint8_t root[32];
	npk__mth_root(&p.mth, root);
	CHECK(memcmp(root, in.tree_root, 32) == 0);
	npk_reader_free(r);

	/* Without the tree: smaller by the section, its directory record and
	 * the extension, and nothing to prove. */
	CHECK_RC(tree_archive("n.npk", TREE_DOCS, 1, sk, &err), NPK_OK, &err);
	size_t a = 0, b = 0;
	free(npk_test_read_file("t.npk", &a));
	free(npk_test_read_file("n.npk", &b));
	uint64_t section = 0;
	CHECK_EQ_INT(npk__tree_layout(TREE_DOCS, NPK_TREE_STRIDE, &section), 0);
	CHECK_EQ_INT(section, NPK_TREE_HEADER + 32 * (TREE_DOCS + (TREE_DOCS >> 8)));
	CHECK_EQ_INT(a - b, section + NPK_SECTION_RECORD + 8 + NPK_EXT_MERKLE_LEN);
	CHECK_RC(npk_reader_open("n.npk", trust, 1, &r, &err), NPK_OK, &err);
	npk_reader_info(r, &in);
	CHECK_EQ_INT(in.tree, 0);
	npk_proof pf;
	CHECK_EQ_INT(npk_prove(r, "d00/article-00001.txt", &pf, &err), NPK_E_NOTFOUND);
	CHECK(strstr(err.msg, "holds no Merkle tree") != NULL);
	CHECK_RC(npk_reader_verify(r, NULL, NULL, &st, &err), NPK_OK, &err);
	CHECK_EQ_INT(st.tree, 0);
	npk_reader_free(r);
	npk_trust_free(trust);
	npk_pubkey_free(pk);
	npk_seckey_free(sk);
}

/* Flips one byte of the tree's section in the file at path: level 0's
 * hash of leaf (which the section's digest then refuses too). */
static int flip_leaf(const char *path, const npk_trust *trust, uint64_t leaf)
{
	npk_reader *r = NULL;
	npk_error err = {0};
	uint64_t off, len, n;
	const uint8_t *root;
	if (npk_reader_open(path, trust, 1, &r, &err) != NPK_OK)
		return -1;
	int rc = npk__reader_tree(r, &off, &len, &n, &root);
	npk_reader_free(r);
	size_t size = 0;
	uint8_t *f = (uint8_t *)npk_test_read_file(path, &size);
	if (rc != NPK_OK || f == NULL)
		return -1;
	f[off + NPK_TREE_HEADER + 32 * leaf + 7] ^= 0x20;
	rc = npk_test_write_file(path, f, size);
	free(f);
	return rc;
}

DEFINE_TEST(test_tree_damage_refused_where_read)
{
	npk_pubkey *pk = NULL;
	npk_seckey *sk = NULL;
	npk_error err = {0};
	CHECK_RC(npk_keypair_generate(&pk, &sk, &err), NPK_OK, &err);
	npk_trust *trust = npk_trust_new();
	CHECK_RC(npk_trust_add(trust, pk, &err), NPK_OK, &err);
	CHECK_RC(tree_archive("t.npk", TREE_DOCS, 0, sk, &err), NPK_OK, &err);
	CHECK_EQ_INT(flip_leaf("t.npk", trust, 3), 0);
	npk_reader *r = NULL;
	CHECK_RC(npk_reader_open("t.npk", trust, 1, &r, &err), NPK_OK, &err);
	npk_proof pf;
	/* leaf 2's path reads leaf 3 as its sibling: refused */
	CHECK_EQ_INT(npk_prove(r, "d00/article-00002.txt", &pf, &err), NPK_E_DIGEST);
	CHECK(strstr(err.msg, "does not lead") != NULL);
	/* leaf 3's own hash is computed from its entry, not read: its path
	 * does not hold it, so its proof stands; so does one far away, whose
	 * path takes the first 256 leaves from level 8 */
	CHECK_RC(npk_prove(r, "d00/article-00003.txt", &pf, &err), NPK_OK, &err);
	npk_proof_clear(&pf);
	CHECK_RC(npk_prove(r, "d11/article-00590.txt", &pf, &err), NPK_OK, &err);
	npk_proof_clear(&pf);
	CHECK_EQ_INT(npk_prove(r, "d00/none.txt", &pf, &err), NPK_E_NOTFOUND);
	npk_verify_stats st;
	CHECK_EQ_INT(npk_reader_verify(r, NULL, NULL, &st, &err), NPK_E_DIGEST);
	npk_reader_free(r);
	npk_trust_free(trust);
	npk_pubkey_free(pk);
	npk_seckey_free(sk);
}
