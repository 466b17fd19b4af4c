/*
 * check.c - checking a per-article proof (spec/format.md 15.14, "Checking
 * a proof", steps 2 to 6) with nothing but the proof, a public key and,
 * optionally, the document's bytes: the manifest and its Merkle root, the
 * signature over the manifest, the leaf, the inclusion path to the signed
 * root, the document. Each failure has its own message; the caller puts
 * the proof file's name and the proof's number before it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "format/format.h"
#include "format/seal.h"
#include "proof/proof.h"

#define DOC_PIECE (1u << 20)       /* the document is hashed 1 MiB at a time */

/* ---- Step 2: the manifest (7.1, 7.2, 15.3, 15.13) ---- */

/* 7.1: the fixed fields and the metadata list; c is left at the count of
 * extensions. */
static int manifest_fields(npk_cur *c, npk_mview *v, uint64_t *pt_off, npk_error *err)
{
	const uint8_t *magic = npk__cur_take(c, 4);
	NPK_FAIL_IF(magic == NULL || memcmp(magic, NPK_MANIFEST_MAGIC, 4) != 0, err, NPK_E_FORMAT,
	            "the manifest's magic is not \"NPKM\"");
	NPK_FAIL_IF(npk__cur_u32(c) != 0, err, NPK_E_FORMAT,
	            "the manifest's reserved field is not zero");
	npk__cur_take(c, 16);      /* file_size, manifest_offset: the archive's */
	v->created = npk__cur_u64(c);
	v->documents = npk__cur_u64(c);
	npk__cur_take(c, 16);      /* content_bytes, cluster_count, page_count */
	*pt_off = npk__cur_u64(c);
	npk__cur_take(c, 8 + 96);  /* table sizes, header and table digests */
	v->key_id = npk__cur_take(c, 8);
	v->pk = npk__cur_take(c, 32);
	v->meta_len = npk__cur_u16(c);
	v->meta = npk__cur_take(c, v->meta_len);
	NPK_FAIL_IF(c->bad, err, NPK_E_FORMAT, "the manifest is truncated");
	NPK_FAIL_IF(v->documents > NPK_DOCS_MAX, err, NPK_E_FORMAT, "the manifest counts %llu "
	            "documents, more than the limit of %u", (unsigned long long)v->documents,
	            NPK_DOCS_MAX);
	NPK_FAIL_IF(!npk__meta_valid(v->meta, v->meta_len), err, NPK_E_FORMAT,
	            "the manifest's metadata list is malformed (5.5)");
	return NPK_OK;
}

/* 15.3: the section directory; *trees counts its type-4 records. */
static int manifest_directory(const uint8_t *data, uint32_t len, uint16_t flags,
                              uint64_t pt_off, unsigned *trees, unsigned *filters,
                              npk_mview *v, npk_error *err)
{
	npk_section *S = NULL;
	uint32_t n = 0;
	NPK_FAIL_IF(!(flags & NPK_EXT_CRITICAL), err, NPK_E_FORMAT,
	            "the manifest's section directory is not marked critical");
	NPK_FORWARD(npk__parse_sections(data, len, NPK_HEADER_SIZE, pt_off, 0, "the manifest",
	                                &S, &n, err));
	for (uint32_t i = 0; i < n; i++) {
		if (S[i].type == NPK_SECTION_TREE)
			v->tree_sec = S[i];
		*trees += S[i].type == NPK_SECTION_TREE;
		*filters += S[i].type == NPK_SECTION_PATHS;
	}
	free(S);
	return NPK_OK;
}

/* 15.15: extension type 3, the edition link (critical). */
static int manifest_link(const uint8_t *data, uint32_t len, uint16_t flags, npk_mview *v,
                         npk_error *err)
{
	NPK_FAIL_IF(!(flags & NPK_EXT_CRITICAL), err, NPK_E_FORMAT,
	            "the manifest's edition link is not marked critical");
	if (npk__link_parse(data, len, &v->link, err) != NPK_OK)
		return npk__wrap(err, NPK_E_FORMAT, "the manifest's edition link: ");
	v->has_link = 1;
	return NPK_OK;
}

/* 15.15: an edition's manifest also holds the root over at least the
 * leaves before it, the tree section and one path filter. */
static int manifest_link_rules(const npk_mview *v, unsigned filters, npk_error *err)
{
	if (!v->has_link)
		return NPK_OK;
	/* 15.17.8: a sealed edition shows its root's commitment, and a
	 * prev_tree_size of 0 (the real one is sealed) */
	NPK_FAIL_IF(!v->has_root && v->root_commit == NULL, err, NPK_E_FORMAT, "the manifest holds "
	            "an edition link but no Merkle root");
	NPK_FAIL_IF(v->root_commit != NULL && v->link.prev_tree_size != 0, err, NPK_E_FORMAT,
	            "the manifest of a sealed edition shows the previous tree size");
	NPK_FAIL_IF(v->tree_size < v->link.prev_tree_size, err, NPK_E_FORMAT, "the manifest's "
	            "Merkle tree of %llu leaves is smaller than the %llu of the edition before",
	            (unsigned long long)v->tree_size, (unsigned long long)v->link.prev_tree_size);
	NPK_FAIL_IF(filters != 1, err, NPK_E_FORMAT, "the manifest holds an edition link but its "
	            "section directory names %u path filters, not 1", filters);
	return NPK_OK;
}

/* 15.13: extension type 2, the Merkle root. */
static int manifest_root(const uint8_t *data, uint32_t len, uint16_t flags, npk_mview *v,
                         npk_error *err)
{
	NPK_FAIL_IF(flags != 0, err, NPK_E_FORMAT, "the manifest's Merkle root has flags %u, "
	            "not 0", flags);
	NPK_FAIL_IF(len != NPK_EXT_MERKLE_LEN, err, NPK_E_FORMAT, "the manifest's Merkle root is "
	            "%u bytes, not %u", len, NPK_EXT_MERKLE_LEN);
	v->tree_size = npk__ld64(data);
	v->root = data + 8;
	v->has_root = 1;
	NPK_FAIL_IF(v->tree_size > NPK_TREE_SIZE_MAX, err, NPK_E_FORMAT, "the manifest's Merkle "
	            "tree of %llu leaves is past the limit", (unsigned long long)v->tree_size);
	return NPK_OK;
}

/* 7.2: the extensions, in strictly increasing type, nothing after them. */
static int manifest_extensions(npk_cur *c, npk_mview *v, uint64_t pt_off, npk_error *err)
{
	unsigned count = npk__cur_u16(c), prev = 0, trees = 0, filters = 0;
	int directory = 0;
	for (unsigned i = 0; i < count; i++) {
		uint16_t type = npk__cur_u16(c), flags = npk__cur_u16(c);
		uint32_t len = npk__cur_u32(c);
		const uint8_t *data = npk__cur_take(c, len);
		NPK_FAIL_IF(c->bad, err, NPK_E_FORMAT, "the manifest's extension %u is truncated", i);
		NPK_FAIL_IF(type <= prev, err, NPK_E_FORMAT, "the manifest's extensions are out of "
		            "order");
		NPK_FAIL_IF(flags & ~NPK_EXT_CRITICAL, err, NPK_E_FORMAT, "the manifest's extension "
		            "%u has reserved flags set", type);
		prev = type;
		if (type == NPK_EXT_DIRECTORY) {
			NPK_FORWARD(manifest_directory(data, len, flags, pt_off, &trees, &filters, v,
			                               err));
			directory = 1;
		} else if (type == NPK_EXT_MERKLE) {
			NPK_FORWARD(manifest_root(data, len, flags, v, err));
		} else if (type == NPK_EXT_EDITION) {
			NPK_FORWARD(manifest_link(data, len, flags, v, err));
		} else if (type == NPK_EXT_SEALED_ROOT) {
			NPK_FAIL_IF(flags != 0 || len != 32, err, NPK_E_FORMAT, "the manifest's sealed "
			            "root commitment is %u bytes with flags %u (32, flags 0)", len, flags);
			v->root_commit = data;
		} else {
			NPK_FAIL_IF(flags & NPK_EXT_CRITICAL, err, NPK_E_VERSION, "the manifest's "
			            "extension %u is critical and needs a newer newspack", type);
		}
	}
	NPK_FAIL_IF(c->bad || npk__cur_left(c) != 0, err, NPK_E_FORMAT, "the manifest has %zu "
	            "bytes after its extensions", npk__cur_left(c));
	NPK_FAIL_IF(v->has_root && (!directory || trees != 1), err, NPK_E_FORMAT, "the manifest "
	            "holds a Merkle root but its section directory names %u tree sections, not 1",
	            trees);
	return manifest_link_rules(v, filters, err);
}

int npk__manifest_view(const uint8_t *m, size_t len, npk_mview *v, npk_error *err)
{
	npk_cur c;
	uint64_t pt_off = 0;
	memset(v, 0, sizeof *v);
	npk__cur_init(&c, m, len);
	NPK_FAIL_IF(len > NPK_MANIFEST_MAX, err, NPK_E_FORMAT, "the manifest is %zu bytes, more "
	            "than %u", len, NPK_MANIFEST_MAX);
	NPK_FORWARD(manifest_fields(&c, v, &pt_off, err));
	return manifest_extensions(&c, v, pt_off, err);
}

static int check_manifest(const npk_proof *p, npk_mview *v, npk_proof_result *out,
                          npk_error *err)
{
	NPK_FORWARD(npk__manifest_view(p->manifest, p->manifest_len, v, err));
	memcpy(out->key_id, v->key_id, NPK_KEYID_BYTES);
	out->created = v->created;
	NPK_FAIL_IF(p->sealed && v->root_commit == NULL, err, NPK_E_FORMAT, "the proof gives a "
	            "tree key, but its manifest is not a sealed archive's with a tree");
	NPK_FAIL_IF(!p->sealed && v->root_commit != NULL, err, NPK_E_FORMAT, "the manifest is a "
	            "sealed archive's, whose proofs give its tree key: this one gives none");
	if (p->sealed) { /* 15.17.6: the root the hashes lead to, as the manifest commits to */
		uint8_t lh[32], c[32];
		const char *why = NULL;
		npk__leaf_hash(p->leaf, p->leaf_len, lh);
		if (npk__inclusion_root(p->index, p->size, lh, (const uint8_t (*)[32])p->hashes,
		                        p->nhashes, v->sealed_root, &why) != 0)
			return npk__fail(err, NPK_E_DIGEST, "leaf %llu of %llu is not in the signed "
			                 "Merkle tree: %s", (unsigned long long)p->index,
			                 (unsigned long long)p->size, why);
		npk__seal_root_commit(p->tree_key, p->size, v->sealed_root, c);
		NPK_FAIL_IF(sodium_memcmp(c, v->root_commit, 32) != 0, err, NPK_E_DIGEST,
		            "leaf %llu of %llu is not in the signed Merkle tree: the root its hashes "
		            "lead to, with the tree key given, is not the one the sealed manifest "
		            "commits to", (unsigned long long)p->index, (unsigned long long)p->size);
		v->root = v->sealed_root;
		v->tree_size = p->size;
		v->has_root = 1;
	}
	NPK_FAIL_IF(!v->has_root, err, NPK_E_FORMAT, "the manifest holds no Merkle root (an "
	            "archive made without one offers no proofs)");
	memcpy(out->root, v->root, 32);
	NPK_FAIL_IF(p->size != v->tree_size, err, NPK_E_FORMAT, "the proof's tree size %llu is "
	            "not the signed tree's %llu", (unsigned long long)p->size,
	            (unsigned long long)v->tree_size);
	return NPK_OK;
}

/* ---- Step 3: the signature (8) ---- */

/* The block's own shape: "ED", the manifest's key id, the comment's
 * length and the rule of 8. */
static int signature_block(const npk_proof *p, const npk_mview *v, npk_error *err)
{
	char a[17], b[17];
	NPK_FAIL_IF(p->sig_len < NPK_SIG_FIXED || p->sig_len != NPK_SIG_FIXED +
	            npk__ld16(p->sig + 74), err, NPK_E_FORMAT, "the signature block is %zu bytes, "
	            "which its comment length does not give", p->sig_len);
	NPK_FAIL_IF(memcmp(p->sig, "ED", 2) != 0, err, NPK_E_FORMAT, "the signature line is not "
	            "an Ed25519 signature (\"ED\")");
	npk_keyid_format(p->sig + 2, a);
	npk_keyid_format(v->key_id, b);
	NPK_FAIL_IF(memcmp(p->sig + 2, v->key_id, 8) != 0, err, NPK_E_FORMAT, "the signature "
	            "line names key %s, the manifest signer %s", a, b);
	size_t clen = p->sig_len - NPK_SIG_FIXED;
	const uint8_t *c = p->sig + 76;
	NPK_FAIL_IF(clen > NPK_COMMENT_MAX || !npk__utf8_ok(c, clen) || memchr(c, '\n', clen) ||
	            memchr(c, '\r', clen), err, NPK_E_FORMAT, "the trusted comment is not one "
	            "line of UTF-8 text (8)");
	return NPK_OK;
}

/* The key that must have signed: the one given, else a trusted one of the
 * manifest's key id, else the manifest's own (not trusted). */
static int signature_key(const npk_mview *v, const npk_pubkey *given, const npk_trust *trust,
                         npk_proof_result *out, npk_error *err)
{
	char id[17], gid[17];
	npk_keyid_format(v->key_id, id);
	const npk_pubkey *k = given ? given : npk__trust_find(trust, v->key_id);
	if (given != NULL) {
		npk_keyid_format(given->id, gid);
		NPK_FAIL_IF(memcmp(given->id, v->key_id, 8) != 0, err, NPK_E_SIGNATURE, "signed by "
		            "key %s, not by the key given %s", id, gid);
	}
	memcpy(out->signer, k ? k->pk : v->pk, 32);
	out->trusted = k != NULL;
	out->given = given != NULL;
	npk_fingerprint_format(out->signer, out->fingerprint);
	return NPK_OK;
}

static int check_signature(const npk_proof *p, const npk_mview *v, const npk_pubkey *given,
                           const npk_trust *trust, npk_proof_result *out, npk_error *err)
{
	NPK_FORWARD(signature_block(p, v, err));
	NPK_FORWARD(signature_key(v, given, trust, out, err));
	size_t clen = p->sig_len - NPK_SIG_FIXED;
	char id[17];
	npk_keyid_format(v->key_id, id);
	const char *whose = out->given ? "the key given" : out->trusted ? "trusted key"
	                    : "the manifest's own key";
	NPK_FAIL_IF(npk__verify(out->signer, p->manifest, p->manifest_len, p->sig + 10,
	                        (const char *)p->sig + 76, clen, p->sig + 76 + clen) != NPK_OK,
	            err, NPK_E_SIGNATURE, "the signature by %s %s does not verify: the manifest or "
	            "its signature lines were changed or forged", whose, id);
	/* the key the manifest holds is signed too: it must be the same */
	NPK_FAIL_IF(sodium_memcmp(out->signer, v->pk, 32) != 0, err, NPK_E_SIGNATURE, "the "
	            "manifest's public key is not %s %s, although it claims its id: forged", whose,
	            id);
	return NPK_OK;
}

/* ---- Steps 4 and 5: the leaf, and its path to the signed root ---- */

static char *dup_n(const char *s, size_t n)
{
	char *d = malloc(n + 1);
	if (d != NULL) {
		memcpy(d, s, n);
		d[n] = 0;
	}
	return d;
}

/* path, title and date for the result. */
static int leaf_fields(const npk_leaf *l, npk_proof_result *out, npk_error *err)
{
	npk_meta *m = npk_meta_new();
	NPK_FAIL_IF(m == NULL, err, NPK_E_NOMEM, "out of memory");
	int rc = npk__meta_decode(l->meta, l->meta_len, m, err);
	if (rc != NPK_OK) {
		npk_meta_free(m);
		return npk__wrap(err, NPK_E_FORMAT, "the leaf's metadata list: ");
	}
	const char *title = npk_meta_find(m, "title"), *date = npk_meta_find(m, "date");
	out->path = dup_n(l->path, l->path_len);
	out->title = title ? dup_n(title, strlen(title)) : NULL;
	out->date = date ? dup_n(date, strlen(date)) : NULL;
	npk_meta_free(m);
	NPK_FAIL_IF(out->path == NULL || (title && !out->title) || (date && !out->date), err,
	            NPK_E_NOMEM, "out of memory");
	return NPK_OK;
}

/* The leaf data parses exactly (npk__leaf_parse: type 0, kind 0, 2 or 3,
 * 5.1 path, media type, 5.5 metadata list, nothing after the salt). */
static int check_leaf(const npk_proof *p, npk_leaf *l, npk_proof_result *out, npk_error *err)
{
	NPK_FORWARD(npk__leaf_parse(p->leaf, p->leaf_len, l, err));
	out->size = l->size;
	out->kind = l->kind;
	return leaf_fields(l, out, err);
}

static int check_inclusion(const npk_proof *p, const npk_mview *v, npk_error *err)
{
	uint8_t lh[32];
	const char *why = NULL;
	npk__leaf_hash(p->leaf, p->leaf_len, lh);
	if (npk__verify_inclusion(p->index, p->size, lh, (const uint8_t (*)[32])p->hashes,
	                          p->nhashes, v->root, &why) == 0)
		return NPK_OK;
	return npk__fail(err, NPK_E_DIGEST, "leaf %llu of %llu is not in the signed Merkle tree: "
	                 "%s", (unsigned long long)p->index, (unsigned long long)p->size,
	                 why ? why : "the path does not lead to the signed root");
}

/* Steps 2 to 5: NPK_OK when the proof holds (out->trusted says by whom). */
static int check_steps(const npk_proof *p, const npk_pubkey *given, const npk_trust *trust,
                       npk_leaf *l, npk_proof_result *out, npk_error *err)
{
	npk_mview v;
	out->leaf = p->index;
	out->tree_size = p->size;
	out->nstamps = p->nstamps;
	NPK_FORWARD(npk__init(err));
	out->steps = 2;
	NPK_FORWARD(check_manifest(p, &v, out, err));
	out->steps = 3;
	NPK_FORWARD(check_signature(p, &v, given, trust, out, err));
	out->steps = 4;
	NPK_FORWARD(check_leaf(p, l, out, err));
	out->steps = 5;
	return check_inclusion(p, &v, err);
}

/* ---- Step 6: the document ---- */

static int doc_mismatch(npk_proof_result *out, npk_error *err, const char *name,
                        const char *msg)
{
	out->document = NPK_PROOF_DOC_MISMATCH;
	return npk__fail(err, NPK_E_DIGEST, "%s: %s", name, msg);
}

/* "the document is N bytes, the proof says M" */
static int size_mismatch(npk_proof_result *out, npk_error *err, const char *name, uint64_t n,
                         uint64_t m)
{
	char msg[120];
	snprintf(msg, sizeof msg, "the document is %llu bytes, the proof says %llu",
	         (unsigned long long)n, (unsigned long long)m);
	return doc_mismatch(out, err, name, msg);
}

/* Reads fd to its end, 1 MiB at a time: its size and BLAKE2b-256. */
static int doc_hash(int fd, const char *name, uint64_t *size, uint8_t d[32], npk_error *err)
{
	crypto_generichash_state h;
	uint8_t *buf = malloc(DOC_PIECE);
	NPK_FAIL_IF(buf == NULL, err, NPK_E_NOMEM, "out of memory");
	crypto_generichash_init(&h, NULL, 0, 32);
	*size = 0;
	for (;;) {
		ssize_t n = read(fd, buf, DOC_PIECE);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = errno;
			free(buf);
			NPK_FAIL_IF(n < 0, err, NPK_E_IO, "%s: cannot read: %s", name, strerror(e));
			break;
		}
		crypto_generichash_update(&h, buf, (size_t)n);
		*size += (uint64_t)n;
	}
	crypto_generichash_final(&h, d, 32);
	return NPK_OK;
}

static int check_document(int fd, const char *name, const npk_leaf *l, npk_proof_result *out,
                          npk_error *err)
{
	struct stat st;
	uint64_t size = 0;
	uint8_t d[32];
	out->steps = 6;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size != l->size)
		return size_mismatch(out, err, name, (uint64_t)st.st_size, l->size);
	NPK_FORWARD(doc_hash(fd, name, &size, d, err));
	if (size != l->size)
		return size_mismatch(out, err, name, size, l->size);
	if (!npk__digest_same(d, l->digest))
		return doc_mismatch(out, err, name, "the document's digest is not the one the proof "
		                    "holds");
	out->document = NPK_PROOF_DOC_MATCH;
	return NPK_OK;
}

/* ---- The verdict ---- */

static int verdict(npk_proof_result *out, int rc, npk_error *err)
{
	if (rc == NPK_OK && out->trusted) {
		out->status = NPK_PROOF_VALID;
		return NPK_OK;
	}
	if (rc == NPK_OK) {
		char id[17];
		npk_keyid_format(out->key_id, id);
		out->status = NPK_PROOF_UNTRUSTED;
		return npk__fail(err, NPK_E_UNTRUSTED, "valid, but signed by key %s, which is not "
		                 "among the trusted keys (fingerprint %s: compare it with the signer's)",
		                 id, out->fingerprint);
	}
	int unreadable = rc == NPK_E_IO || rc == NPK_E_NOTFOUND || rc == NPK_E_NOMEM ||
	                 rc == NPK_E_VERSION || rc == NPK_E_ARG;
	out->status = unreadable ? NPK_PROOF_UNREADABLE : NPK_PROOF_INVALID;
	return rc;
}

int npk_proof_check_fd(const npk_proof *p, const npk_pubkey *given, const npk_trust *trust,
                       int document_fd, const char *doc_name, npk_proof_result *out,
                       npk_error *err)
{
	npk_leaf l;
	memset(out, 0, sizeof *out);
	out->steps = 1;
	NPK_FAIL_IF(p == NULL, err, NPK_E_ARG, "npk_proof_check: NULL proof");
	int rc = check_steps(p, given, trust, &l, out, err);
	if (rc == NPK_OK && document_fd >= 0)
		rc = check_document(document_fd, doc_name ? doc_name : "document", &l, out, err);
	return verdict(out, rc, err);
}

int npk_proof_check(const npk_proof *p, const npk_pubkey *given, const npk_trust *trust,
                    const char *document, npk_proof_result *out, npk_error *err)
{
	npk_leaf l;
	memset(out, 0, sizeof *out);
	out->steps = 1;
	NPK_FAIL_IF(p == NULL, err, NPK_E_ARG, "npk_proof_check: NULL proof");
	int rc = check_steps(p, given, trust, &l, out, err);
	if (rc != NPK_OK || document == NULL)
		return verdict(out, rc, err);
	int fd = open(document, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno, code = e == ENOENT ? NPK_E_NOTFOUND : NPK_E_IO;
		npk__fail(err, code, "%s: cannot open the document: %s", document, strerror(e));
		return verdict(out, code, err);
	}
	rc = check_document(fd, document, &l, out, err);
	close(fd);
	return verdict(out, rc, err);
}

void npk_proof_result_clear(npk_proof_result *r)
{
	if (r == NULL)
		return;
	free(r->path);
	free(r->title);
	free(r->date);
	memset(r, 0, sizeof *r);
}
