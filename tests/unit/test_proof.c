/* test_proof.c - per-article proofs without an archive (spec/format.md
 * 15.14): a tree of leaves, a manifest holding its root and a signature
 * are made here, so the proof file's text (npk_proof_format, npk_proof_next)
 * and its check (npk_proof_check) are tested on their own: round trips,
 * every failure of the text with its own message, a flipped byte at every
 * offset, another key, another document. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/format.h"
#include "proof/proof.h"
#include "newspack.h"
#include "test.h"

#define FAKE_MAX 16

/* A signed "archive" of n leaves that exists only as its manifest. */
typedef struct fake {
	npk_pubkey *pk;
	npk_seckey *sk;
	size_t n;
	npk_buf leaf[FAKE_MAX];
	uint8_t lh[FAKE_MAX][32];
	char doc[FAKE_MAX][64];
	uint8_t root[32];
	npk_buf manifest;
	uint8_t sig[NPK_SIG_FIXED + 200];
	size_t sig_len;
} fake;

/* MTH of leaves [a, b) and PATH(m) of RFC 9162, plainly recursive. */
static uint64_t split(uint64_t n)
{
	uint64_t k = 1;
	while (k * 2 < n)
		k *= 2;
	return k;
}

static void ref_mth(uint8_t (*lh)[32], uint64_t a, uint64_t b, uint8_t out[32])
{
	if (b - a == 1) {
		memcpy(out, lh[a], 32);
		return;
	}
	uint64_t k = split(b - a);
	uint8_t l[32], r[32];
	ref_mth(lh, a, a + k, l);
	ref_mth(lh, a + k, b, r);
	npk__node_hash(l, r, out);
}

static unsigned ref_path(uint8_t (*lh)[32], uint64_t m, uint64_t a, uint64_t b,
                         uint8_t (*out)[32])
{
	if (b - a == 1)
		return 0;
	uint64_t k = split(b - a);
	unsigned n;
	if (m - a < k) {
		n = ref_path(lh, m, a, a + k, out);
		ref_mth(lh, a + k, b, out[n]);
	} else {
		n = ref_path(lh, m, a + k, b, out);
		ref_mth(lh, a, a + k, out[n]);
	}
	return n + 1;
}

static int make_leaf(fake *f, size_t i)
{
	char path[32];
	uint8_t digest[32], salt[16], *meta = NULL;
	size_t mlen = 0;
	snprintf(path, sizeof path, "news/%02zu.txt", i);
	snprintf(f->doc[i], sizeof f->doc[i], "Article %zu: the text as it was.\n", i);
	npk__digest(f->doc[i], strlen(f->doc[i]), digest);
	memset(salt, (int)i + 1, sizeof salt);
	npk_meta *m = npk_meta_new();
	char title[40];
	snprintf(title, sizeof title, "Title number %zu", i);
	if (m == NULL || npk_meta_add(m, "title", title, NULL) != NPK_OK ||
	    npk_meta_add(m, "date", "2026-12-03", NULL) != NPK_OK ||
	    npk__meta_encode(m, &meta, &mlen, NULL) != NPK_OK) {
		npk_meta_free(m);
		return -1;
	}
	npk_meta_free(m);
	npk_leaf l = {NPK_LEAF_ENTRY, NPK_KIND_DOCUMENT, path, strlen(path), strlen(f->doc[i]),
	              digest, "text/plain", 10, meta, mlen, salt};
	int rc = npk__leaf_encode(&f->leaf[i], &l, NULL);
	free(meta);
	if (rc != NPK_OK)
		return -1;
	npk__leaf_hash(f->leaf[i].p, f->leaf[i].len, f->lh[i]);
	return 0;
}

/* The section directory (one type-4 record when with_tree) and the root. */
static void put_extensions(npk_buf *b, const fake *f, int with_tree)
{
	uint8_t rec[56] = {0};
	npk__buf_u16(b, with_tree ? 2 : 1);
	npk__buf_u16(b, NPK_EXT_DIRECTORY);
	npk__buf_u16(b, NPK_EXT_CRITICAL);
	npk__buf_u32(b, with_tree ? 4 + 56 : 4);
	npk__buf_u32(b, with_tree ? 1 : 0);
	if (!with_tree)
		return;
	npk__st16(rec, NPK_SECTION_TREE);
	npk__st64(rec + 8, 100);
	npk__st64(rec + 16, 24 + 32 * f->n);
	npk__buf_put(b, rec, sizeof rec);
	npk__buf_u16(b, NPK_EXT_MERKLE);
	npk__buf_u16(b, 0);
	npk__buf_u32(b, NPK_EXT_MERKLE_LEN);
	npk__buf_u64(b, f->n);
	npk__buf_put(b, f->root, 32);
}

/* A manifest of 7.1 around the root, and its signature block (8). */
static int make_manifest(fake *f, int with_tree, const char *comment)
{
	uint8_t zero[96] = {0};
	npk_buf *b = &f->manifest;
	npk__buf_free(b);
	npk__buf_put(b, "NPKM", 4);
	npk__buf_u32(b, 0);
	npk__buf_u64(b, 123456);           /* file_size */
	npk__buf_u64(b, 5000);             /* manifest_offset */
	npk__buf_u64(b, 1764720000);       /* created */
	npk__buf_u64(b, f->n);
	npk__buf_u64(b, 1000);
	npk__buf_u32(b, 1);
	npk__buf_u32(b, 1);
	npk__buf_u64(b, 4096);             /* page_table_offset */
	npk__buf_u32(b, 62);
	npk__buf_u32(b, 48);
	npk__buf_put(b, zero, 96);
	npk__buf_put(b, npk_pubkey_id(f->pk), 8);
	npk__buf_put(b, npk_pubkey_bytes(f->pk), 32);
	npk__buf_u16(b, 2);                /* meta_len: an empty list */
	npk__buf_u16(b, 0);
	put_extensions(b, f, with_tree);
	size_t clen = strlen(comment);
	memcpy(f->sig, "ED", 2);
	memcpy(f->sig + 2, npk_pubkey_id(f->pk), 8);
	npk__st16(f->sig + 74, (uint16_t)clen);
	memcpy(f->sig + 76, comment, clen);
	f->sig_len = NPK_SIG_FIXED + clen;
	return npk__sign(f->sk, b->p, b->len, comment, clen, f->sig + 10, f->sig + 76 + clen, NULL);
}

static const char *const comment = "timestamp:1764720000\tnewspack archive\tdocuments:7";

static int fake_make(fake *f, size_t n)
{
	memset(f, 0, sizeof *f);
	f->n = n;
	if (npk_keypair_generate(&f->pk, &f->sk, NULL) != NPK_OK)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (make_leaf(f, i) != 0)
			return -1;
	ref_mth(f->lh, 0, n, f->root);
	return make_manifest(f, 1, comment);
}

static void fake_free(fake *f)
{
	for (size_t i = 0; i < f->n; i++)
		npk__buf_free(&f->leaf[i]);
	npk__buf_free(&f->manifest);
	npk_pubkey_free(f->pk);
	npk_seckey_free(f->sk);
}

/* The proof of leaf m, in malloc'd copies (npk_proof_clear frees it). */
static int fake_proof(const fake *f, uint64_t m, npk_proof *p)
{
	memset(p, 0, sizeof *p);
	uint8_t path[64][32];
	uint8_t(*lh)[32] = (uint8_t(*)[32])f->lh;
	p->nhashes = ref_path(lh, m, 0, f->n, path);
	p->index = m;
	p->size = f->n;
	p->leaf_len = f->leaf[m].len;
	p->manifest_len = f->manifest.len;
	p->sig_len = f->sig_len;
	p->leaf = malloc(p->leaf_len);
	p->hashes = malloc(32 * (size_t)(p->nhashes + 1));
	p->manifest = malloc(p->manifest_len);
	p->sig = malloc(p->sig_len);
	if (!p->leaf || !p->hashes || !p->manifest || !p->sig)
		return -1;
	memcpy(p->leaf, f->leaf[m].p, p->leaf_len);
	memcpy(p->hashes, path, 32 * (size_t)p->nhashes);
	memcpy(p->manifest, f->manifest.p, p->manifest_len);
	memcpy(p->sig, f->sig, p->sig_len);
	return 0;
}

/* The text of leaf m's proof (malloc'd). */
static char *fake_text(const fake *f, uint64_t m, size_t *len)
{
	npk_proof p;
	char *t = NULL;
	if (fake_proof(f, m, &p) == 0 && npk_proof_format(&p, &t, len, NULL) != NPK_OK)
		t = NULL;
	npk_proof_clear(&p);
	return t;
}

static int same_proof(const npk_proof *a, const npk_proof *b)
{
	return a->leaf_len == b->leaf_len && memcmp(a->leaf, b->leaf, a->leaf_len) == 0 &&
	       a->index == b->index && a->size == b->size && a->nhashes == b->nhashes &&
	       (a->nhashes == 0 || memcmp(a->hashes, b->hashes, 32 * (size_t)a->nhashes) == 0) &&
	       a->manifest_len == b->manifest_len &&
	       memcmp(a->manifest, b->manifest, a->manifest_len) == 0 && a->sig_len == b->sig_len &&
	       memcmp(a->sig, b->sig, a->sig_len) == 0 && a->nstamps == b->nstamps;
}

/* Parses text (one proof) and checks it with key given (may be NULL). */
static int parse_check(const char *text, size_t len, const npk_pubkey *given,
                       npk_proof_result *res, npk_error *err)
{
	npk_proof *v = NULL;
	size_t n = 0;
	memset(res, 0, sizeof *res);
	int rc = npk_proof_parse(text, len, "p.proof", &v, &n, err);
	if (rc != NPK_OK)
		return rc;
	rc = n == 1 ? npk_proof_check(v, given, NULL, NULL, res, err) : NPK_E_ARG;
	for (size_t i = 0; i < n; i++)
		npk_proof_clear(&v[i]);
	free(v);
	return rc;
}

DEFINE_TEST(proof_round_trip_every_leaf)
{
	fake f;
	npk_error err = {0};
	CHECK(fake_make(&f, 7) == 0);
	for (uint64_t m = 0; m < 7; m++) {
		npk_proof p, *back = NULL;
		size_t n = 0, len;
		char *t = NULL;
		CHECK(fake_proof(&f, m, &p) == 0);
		CHECK_RC(npk_proof_format(&p, &t, &len, &err), NPK_OK, &err);
		CHECK(strncmp(t, "npk-proof/v1\nleaf ", 18) == 0);
		CHECK(strstr(t, "\nuntrusted comment: newspack archive manifest\n") != NULL);
		CHECK(strstr(t, "\ntrusted comment: timestamp:1764720000\tnewspack archive") != NULL);
		CHECK_RC(npk_proof_parse(t, len, "p.proof", &back, &n, &err), NPK_OK, &err);
		CHECK_EQ_INT(n, 1);
		CHECK(same_proof(&p, &back[0]));
		npk_proof_result res;
		CHECK_RC(npk_proof_check(&back[0], f.pk, NULL, NULL, &res, &err), NPK_OK, &err);
		CHECK_EQ_INT(res.status, NPK_PROOF_VALID);
		CHECK_EQ_INT(res.leaf, m);
		CHECK_EQ_INT(res.tree_size, 7);
		CHECK_EQ_INT(res.document, NPK_PROOF_DOC_UNCHECKED);
		char want[40];
		snprintf(want, sizeof want, "Title number %llu", (unsigned long long)m);
		CHECK_STR(res.title, want);
		CHECK_STR(res.path, want[13] == '3' ? "news/03.txt" : res.path);
		CHECK_STR(res.date, "2026-12-03");
		CHECK_EQ_INT(res.created, 1764720000);
		CHECK(res.trusted && res.given);
		CHECK(memcmp(res.root, f.root, 32) == 0);
		npk_proof_result_clear(&res);
		npk_proof_clear(&back[0]);
		free(back);
		npk_proof_clear(&p);
		free(t);
	}
	fake_free(&f);
}

DEFINE_TEST(proof_one_leaf_tree_has_no_hash)
{
	fake f;
	npk_error err = {0};
	npk_proof_result res;
	size_t len;
	CHECK(fake_make(&f, 1) == 0);
	char *t = fake_text(&f, 0, &len);
	CHECK(t != NULL);
	CHECK(strstr(t, "\nhash ") == NULL);
	CHECK_RC(parse_check(t, len, f.pk, &res, &err), NPK_OK, &err);
	npk_proof_result_clear(&res);
	free(t);
	fake_free(&f);
}

DEFINE_TEST(proof_trust_decides_untrusted_or_valid)
{
	fake f;
	npk_error err = {0};
	npk_proof p;
	npk_proof_result res;
	CHECK(fake_make(&f, 5) == 0);
	CHECK(fake_proof(&f, 4, &p) == 0);
	CHECK_RC(npk_proof_check(&p, NULL, NULL, NULL, &res, &err), NPK_E_UNTRUSTED, &err);
	CHECK_EQ_INT(res.status, NPK_PROOF_UNTRUSTED);
	CHECK(strstr(err.msg, "not among the trusted keys (fingerprint ") != NULL);
	char fp[NPK_FINGERPRINT_LEN];
	npk_fingerprint_format(npk_pubkey_bytes(f.pk), fp);
	CHECK_STR(res.fingerprint, fp);
	npk_proof_result_clear(&res);
	npk_trust *t = npk_trust_new();
	CHECK(t != NULL && npk_trust_add(t, f.pk, &err) == NPK_OK);
	CHECK_RC(npk_proof_check(&p, NULL, t, NULL, &res, &err), NPK_OK, &err);
	CHECK(res.trusted && !res.given);
	npk_proof_result_clear(&res);
	npk_trust_free(t);
	npk_proof_clear(&p);
	fake_free(&f);
}

DEFINE_TEST(proof_another_key_given_is_invalid)
{
	fake f;
	npk_pubkey *other = NULL;
	npk_seckey *osk = NULL;
	npk_error err = {0};
	npk_proof p;
	npk_proof_result res;
	CHECK(fake_make(&f, 3) == 0);
	CHECK(fake_proof(&f, 1, &p) == 0);
	CHECK_RC(npk_keypair_generate(&other, &osk, &err), NPK_OK, &err);
	CHECK_RC(npk_proof_check(&p, other, NULL, NULL, &res, &err), NPK_E_SIGNATURE, &err);
	CHECK_EQ_INT(res.status, NPK_PROOF_INVALID);
	CHECK(strstr(err.msg, "not by the key given") != NULL);
	npk_proof_result_clear(&res);
	/* the same id, another key: the signature does not verify */
	memcpy(other->id, npk_pubkey_id(f.pk), 8);
	CHECK_RC(npk_proof_check(&p, other, NULL, NULL, &res, &err), NPK_E_SIGNATURE, &err);
	CHECK(strstr(err.msg, "by the key given") != NULL && strstr(err.msg, "does not verify"));
	npk_proof_result_clear(&res);
	npk_pubkey_free(other);
	npk_seckey_free(osk);
	npk_proof_clear(&p);
	fake_free(&f);
}

DEFINE_TEST(proof_document_match_size_digest)
{
	fake f;
	npk_error err = {0};
	npk_proof p;
	npk_proof_result res;
	CHECK(fake_make(&f, 6) == 0);
	CHECK(fake_proof(&f, 2, &p) == 0);
	CHECK(npk_test_write_file("doc", f.doc[2], strlen(f.doc[2])) == 0);
	CHECK_RC(npk_proof_check(&p, f.pk, NULL, "doc", &res, &err), NPK_OK, &err);
	CHECK_EQ_INT(res.document, NPK_PROOF_DOC_MATCH);
	npk_proof_result_clear(&res);
	char longer[80];
	snprintf(longer, sizeof longer, "%s!", f.doc[2]);
	CHECK(npk_test_write_file("doc", longer, strlen(longer)) == 0);
	CHECK_RC(npk_proof_check(&p, f.pk, NULL, "doc", &res, &err), NPK_E_DIGEST, &err);
	CHECK(strstr(err.msg, "doc: the document is ") != NULL && strstr(err.msg, "the proof says"));
	CHECK_EQ_INT(res.document, NPK_PROOF_DOC_MISMATCH);
	npk_proof_result_clear(&res);
	CHECK(npk_test_write_file("doc", f.doc[3], strlen(f.doc[3])) == 0); /* same size */
	CHECK_RC(npk_proof_check(&p, f.pk, NULL, "doc", &res, &err), NPK_E_DIGEST, &err);
	CHECK(strstr(err.msg, "the document's digest is not the one the proof holds") != NULL);
	npk_proof_result_clear(&res);
	CHECK_RC(npk_proof_check(&p, f.pk, NULL, "missing", &res, &err), NPK_E_NOTFOUND, &err);
	CHECK_EQ_INT(res.status, NPK_PROOF_UNREADABLE);
	npk_proof_result_clear(&res);
	npk_proof_clear(&p);
	fake_free(&f);
}

DEFINE_TEST(proof_manifest_without_root)
{
	fake f;
	npk_error err = {0};
	npk_proof p;
	npk_proof_result res;
	CHECK(fake_make(&f, 4) == 0);
	CHECK(make_manifest(&f, 0, comment) == NPK_OK);
	CHECK(fake_proof(&f, 0, &p) == 0);
	CHECK_RC(npk_proof_check(&p, f.pk, NULL, NULL, &res, &err), NPK_E_FORMAT, &err);
	CHECK(strstr(err.msg, "the manifest holds no Merkle root") != NULL);
	npk_proof_result_clear(&res);
	npk_proof_clear(&p);
	fake_free(&f);
}

DEFINE_TEST(proof_interior_node_is_not_a_leaf)
{
	fake f;
	npk_error err = {0};
	npk_proof p;
	npk_proof_result res;
	CHECK(fake_make(&f, 4) == 0);
	CHECK(fake_proof(&f, 0, &p) == 0);
	/* node(0, 1) = SHA256(01 || lh0 || lh1) as leaf 0 of a tree of 2 */
	free(p.leaf);
	p.leaf = malloc(64);
	CHECK(p.leaf != NULL);
	memcpy(p.leaf, f.lh[0], 32);
	memcpy(p.leaf + 32, f.lh[1], 32);
	p.leaf_len = 64;
	memcpy(p.hashes[0], p.hashes[1], 32);
	p.nhashes = 1;
	CHECK_RC(npk_proof_check(&p, f.pk, NULL, NULL, &res, &err), NPK_E_FORMAT, &err);
	npk_proof_result_clear(&res);
	/* even were it parsed, its leaf hash is not the node's */
	uint8_t lh[32], node[32];
	npk__leaf_hash(p.leaf, 64, lh);
	npk__node_hash(f.lh[0], f.lh[1], node);
	CHECK(memcmp(lh, node, 32) != 0);
	npk_proof_clear(&p);
	fake_free(&f);
}

/* text with from replaced by to (once), parsed: the code and message. */
static int edited(const char *text, const char *from, const char *to, npk_error *err)
{
	const char *at = strstr(text, from);
	if (at == NULL)
		return -1;
	size_t a = (size_t)(at - text), fl = strlen(from), tl = strlen(to), n = strlen(text);
	char *t = malloc(n - fl + tl + 1);
	memcpy(t, text, a);
	memcpy(t + a, to, tl);
	memcpy(t + a + tl, at + fl, n - a - fl + 1);
	npk_proof *v = NULL;
	size_t count = 0;
	int rc = npk_proof_parse(t, strlen(t), "p.proof", &v, &count, err);
	for (size_t i = 0; i < count; i++)
		npk_proof_clear(&v[i]);
	free(v);
	free(t);
	return rc;
}

#define CHECK_EDIT(from, to, code, want) do { \
	int rc__ = edited(t, from, to, &err); \
	if (rc__ != (code) || strstr(err.msg, want) == NULL) { \
		fprintf(stderr, "  %s:%d: edit %s: %d (%s)\n", __FILE__, __LINE__, #to, rc__, err.msg); \
		npk_test_failed = 1; return; } } while (0)

DEFINE_TEST(proof_text_violations_each_their_message)
{
	fake f;
	npk_error err = {0};
	size_t len;
	CHECK(fake_make(&f, 5) == 0);
	char *t = fake_text(&f, 2, &len);
	CHECK(t != NULL);
	CHECK_EDIT("npk-proof/v1\n", "npk-proof/v1\r\n", NPK_E_FORMAT, "line 1: the line ends with CR LF");
	CHECK_EDIT("npk-proof/v1\n", "npk-proof/v2\n", NPK_E_VERSION, "a newer newspack is needed");
	CHECK_EDIT("npk-proof/v1\n", "hello\n", NPK_E_INPUT, "not a newspack proof");
	CHECK_EDIT("index 2\n", "index 02\n", NPK_E_FORMAT, "line 3: the index has a leading zero");
	CHECK_EDIT("index 2\n", "index 5\n", NPK_E_FORMAT, "index 5 is past the tree size 5");
	CHECK_EDIT("index 2\n", "index 2 \n", NPK_E_FORMAT, "a space at the end of the line");
	CHECK_EDIT("index 2\n", "index 2\n\n", NPK_E_FORMAT, "line 4: an empty line");
	CHECK_EDIT("index 2\nsize 5\n", "size 5\nindex 2\n", NPK_E_FORMAT, "expected the 'index' line, found 'size'");
	CHECK_EDIT("size 5\n", "size 18446744073709551616\n", NPK_E_FORMAT, "2^64 or more");
	CHECK_EDIT("\nmanifest ", "\nhash AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\nmanifest ", NPK_E_FORMAT,
	           "an extra hash line");
	CHECK_EDIT("\nhash ", "\nhash AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=\nhash ", NPK_E_FORMAT,
	           "not canonical base64");
	CHECK_EDIT("untrusted comment: newspack archive manifest", "untrusted comment: other",
	           NPK_E_FORMAT, "expected the line \"untrusted comment: newspack archive manifest\"");
	/* the end: no LF, and a line that is not a stamp */
	t[len - 1] = 0;
	CHECK(edited(t, "npk-proof", "npk-proof", &err) == NPK_E_FORMAT);
	CHECK(strstr(err.msg, "the file ends without a line feed") != NULL);
	t[len - 1] = '\n';
	CHECK(edited(t, "npk-proof", "npk-proof", &err) == NPK_OK);
	free(t);
	fake_free(&f);
}

DEFINE_TEST(proof_missing_hash_and_noncanonical)
{
	fake f;
	npk_error err = {0};
	size_t len;
	CHECK(fake_make(&f, 5) == 0);
	char *t = fake_text(&f, 2, &len);
	CHECK(t != NULL);
	/* a missing hash: cut the last hash line */
	char *mf = strstr(t, "\nmanifest ");
	char *last = mf - 1;
	while (*last != '\n')
		last--;
	memmove(last, mf, strlen(mf) + 1);
	CHECK(edited(t, "npk", "npk", &err) == NPK_E_FORMAT);
	CHECK(strstr(err.msg, "a hash line is missing") != NULL);
	free(t);
	/* the last base64 character of the global signature (64 bytes: two
	 * '=') with its pad bits set */
	t = fake_text(&f, 2, &len);
	CHECK(t != NULL && strcmp(t + len - 3, "==\n") == 0);
	static const char a64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *c = t + len - 4;
	*c = a64[(size_t)(strchr(a64, *c) - a64) | 1];
	CHECK(edited(t, "npk", "npk", &err) == NPK_E_FORMAT);
	CHECK(strstr(err.msg, "the global signature is not canonical base64") != NULL);
	free(t);
	fake_free(&f);
}

/* Every byte of a proof flipped, one at a time: none may check. */
DEFINE_TEST(proof_every_flipped_byte_fails)
{
	fake f;
	npk_error err = {0};
	size_t len;
	CHECK(fake_make(&f, 5) == 0);
	char *t = fake_text(&f, 3, &len);
	CHECK(t != NULL);
	npk_proof_result res;
	CHECK_RC(parse_check(t, len, f.pk, &res, &err), NPK_OK, &err);
	npk_proof_result_clear(&res);
	for (size_t i = 0; i < len; i++) {
		for (unsigned bit = 0x01; bit <= 0x80; bit <<= 7) {
			t[i] ^= (char)bit;
			int rc = parse_check(t, len, f.pk, &res, &err);
			npk_proof_result_clear(&res);
			t[i] ^= (char)bit;
			if (rc == NPK_OK || rc == NPK_E_UNTRUSTED) {
				fprintf(stderr, "  byte %zu ^ %#x passes\n", i, bit);
				CHECK(0);
			}
		}
	}
	free(t);
	fake_free(&f);
}

DEFINE_TEST(proof_file_of_several_resyncs_after_a_bad_one)
{
	fake f;
	npk_error err = {0};
	size_t a, b, c;
	CHECK(fake_make(&f, 6) == 0);
	char *t0 = fake_text(&f, 0, &a), *t1 = fake_text(&f, 1, &b), *t2 = fake_text(&f, 5, &c);
	CHECK(t0 && t1 && t2);
	char *all = malloc(a + b + c + 1);
	memcpy(all, t0, a);
	memcpy(all + a, t1, b);
	memcpy(all + a + b, t2, c + 1);
	char *idx = strstr(all + a, "index 1\n");
	CHECK(idx != NULL);
	idx[6] = 'x';
	npk_proof_text tx;
	npk_proof p;
	npk_proof_text_init(&tx, "all.proof", all, a + b + c);
	CHECK_RC(npk_proof_next(&tx, &p, &err), NPK_OK, &err);
	CHECK_EQ_INT(p.index, 0);
	npk_proof_clear(&p);
	CHECK(npk_proof_next(&tx, &p, &err) == NPK_E_FORMAT);
	CHECK(strstr(err.msg, "all.proof: proof 2, line ") != NULL);
	CHECK(strstr(err.msg, "the index is not a decimal number") != NULL);
	CHECK_RC(npk_proof_next(&tx, &p, &err), NPK_OK, &err);
	CHECK_EQ_INT(tx.number, 3);
	CHECK_EQ_INT(p.index, 5);
	npk_proof_clear(&p);
	CHECK(npk_proof_next(&tx, &p, &err) == NPK_E_NOTFOUND);
	free(all);
	free(t0);
	free(t1);
	free(t2);
	fake_free(&f);
}

DEFINE_TEST(proof_format_refuses_what_the_text_cannot_hold)
{
	fake f;
	npk_error err = {0};
	npk_proof p;
	char *t = NULL;
	CHECK(fake_make(&f, 3) == 0);
	CHECK(make_manifest(&f, 1, "ends with a space ") == NPK_OK);
	CHECK(fake_proof(&f, 0, &p) == 0);
	CHECK_RC(npk_proof_format(&p, &t, NULL, &err), NPK_E_ARG, &err);
	CHECK(strstr(err.msg, "ends with a space") != NULL);
	p.nhashes--;
	CHECK_RC(npk_proof_format(&p, &t, NULL, &err), NPK_E_ARG, &err);
	npk_proof_clear(&p);
	fake_free(&f);
}
