/* test_seal.c - the cryptography of sealed archives (src/lib/format/seal.c,
 * spec/format.md 15.17.2-15.17.5): the vectors of spec/vectors/seal.txt,
 * which spec/vectors/sealcheck.py computes again from the spec alone with
 * other implementations (hashlib, cryptography, argon2-cffi); round trips;
 * and every way an object or a stanza must fail to open. NPK_WRITE_VECTORS=1
 * writes the vectors file from this implementation instead. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/base.h"
#include "format/format.h"
#include "format/seal.h"
#include "test.h"

#define VECTORS "../../../spec/vectors/seal.txt" /* from build/scratch/TEST */

static void bytes_from(uint8_t *p, size_t n, unsigned first)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(first + i);
}

static void fixed_keys(npk__seal_keys *k)
{
	bytes_from(k->fk, 32, 0x00);
	bytes_from(k->fid, 32, 0x20);
	npk__seal_derive(k);
}

typedef struct vec {
	char name[32];
	char hex[1024];
} vec;

/* Every vector, computed here from the fixed inputs the file names. */
static size_t vectors_make(vec *v)
{
	size_t n = 0;
	npk__seal_keys k;
	fixed_keys(&k);
	uint8_t key[32], out[512];
	npk_error err = {0};
#define PUT(nm, p, len) do { snprintf(v[n].name, sizeof v[n].name, "%s", nm); \
	sodium_bin2hex(v[n].hex, sizeof v[n].hex, p, len); n++; } while (0)
	PUT("commit", k.commit, 32);
	PUT("ok", k.ok, 32);
	npk__seal_object_key(&k, NPK__SEAL_CLUSTER, 0, key);
	PUT("key_1_0", key, 32);
	npk__seal_object_key(&k, NPK__SEAL_PAGE, 5, key);
	PUT("key_2_5", key, 32);
	npk__seal_object_key(&k, NPK__SEAL_CHUNK, ((uint64_t)3 << 32) + 1, key);
	PUT("key_4_3_1", key, 32);

	static const char inner[] = "The seed article.\n";
	uint8_t nonce[24];
	bytes_from(nonce, 24, 0x40);
	size_t slen = (size_t)npk__seal_stored_len(sizeof inner - 1);
	npk__seal(&k, NPK__SEAL_CLUSTER, 7, 9, (const uint8_t *)inner, sizeof inner - 1, nonce, out);
	PUT("seal_1_7_9", out, slen);

	uint8_t rsk[32], rpk[32], esk[32], body[NPK__STANZA_PASS_LEN];
	bytes_from(rsk, 32, 0x60);
	crypto_scalarmult_base(rpk, rsk);
	PUT("rpk", rpk, 32);
	bytes_from(esk, 32, 0x80);
	if (npk__stanza_x25519_make(rpk, esk, k.fk, body, &err) == NPK_OK)
		PUT("stanza_x25519", body, NPK__STANZA_X25519_LEN);
	uint8_t salt[16];
	bytes_from(salt, 16, 0xa0);
	bytes_from(nonce, 24, 0xb0);
	if (npk__stanza_pass_make("correct horse", 13, salt, 1, 8, nonce, k.fk, body, &err) ==
	    NPK_OK)
		PUT("stanza_passphrase", body, NPK__STANZA_PASS_LEN);

	uint8_t sk[32];
	bytes_from(sk, 32, 0x00);
	crypto_scalarmult_base(rpk, sk);
	PUT("key_vector_pk", rpk, 32);
	bytes_from(rsk, 32, 0x60);
	crypto_scalarmult_base(rpk, rsk);
	npk__seal_tag(k.fk, rpk, key);
	PUT("tag_rpk", key, 32);
	uint8_t kt[32], root[32];
	npk__seal_tree_key(&k, kt);
	PUT("tree_key", kt, 32);
	bytes_from(root, 32, 0xc0);
	npk__seal_root_commit(kt, 3, root, key);
	PUT("root_commit_3", key, 32);
#undef PUT
	return n;
}

DEFINE_TEST(test_seal_vectors)
{
	vec v[16];
	size_t n = vectors_make(v);
	CHECK(n == 13);
	const char *w = getenv("NPK_WRITE_VECTORS");
	if (w != NULL && strcmp(w, "1") == 0) {
		FILE *f = fopen(VECTORS, "w");
		CHECK(f != NULL);
		if (f == NULL)
			return;
		fprintf(f, "# spec/format.md 15.17 vectors: fk = 00..1f, fid = 20..3f; the inputs of each\n"
		           "# are in sealcheck.py, which checks every line (tests/unit/test_seal.c too)\n");
		for (size_t i = 0; i < n; i++)
			fprintf(f, "%s = %s\n", v[i].name, v[i].hex);
		fclose(f);
	}
	size_t len;
	char *text = npk_test_read_file(VECTORS, &len);
	CHECK(text != NULL);
	if (text == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		char key[48];
		snprintf(key, sizeof key, "\n%.32s = ", v[i].name);
		const char *at = strstr(text, key);
		size_t kl = strlen(key), hl = strlen(v[i].hex);
		int same = at != NULL && strncmp(at + kl, v[i].hex, hl) == 0 && at[kl + hl] == '\n';
		if (!same)
			fprintf(stderr, "  %s differs from %s: %s\n", v[i].name, VECTORS, v[i].hex);
		CHECK(same);
	}
	free(text);
}

DEFINE_TEST(test_seal_padme)
{
	CHECK(npk__padme(62) == 64);
	CHECK(npk__padme(1000) == 1024);  /* E 9, S 4, z 5: to 32 */
	CHECK(npk__padme(1025) == 1088);  /* E 10, S 4, z 6: to 64 */
	CHECK(npk__padme(65536) == 65536);
	CHECK(npk__padme(65537) == 65536 + 2048);
	/* at most 12% over, and never under, from 44 bytes to 64 MiB */
	for (uint64_t L = 44; L < ((uint64_t)64 << 20); L = L + 1 + L / 7) {
		uint64_t p = npk__padme(L);
		CHECK(p >= L && (p - L) * 100 <= 12 * L);
		CHECK(npk__padme(p) == p);
	}
	CHECK(npk__seal_stored_len((uint64_t)UINT32_MAX + 1) == 0);
	CHECK(npk__seal_stored_len(0) == 44);
}

DEFINE_TEST(test_seal_round_trip)
{
	npk__seal_keys k;
	fixed_keys(&k);
	npk_error err = {0};
	uint8_t nonce[24] = {1};
	for (size_t len = 0; len < 5000; len += 1 + len / 3) {
		uint8_t *in = malloc(len + 1), *st = malloc(npk__seal_stored_len(len));
		uint8_t *pl = malloc(npk__seal_stored_len(len));
		for (size_t i = 0; i < len; i++)
			in[i] = (uint8_t)(i * 7 + len);
		size_t slen = (size_t)npk__seal_stored_len(len);
		npk__seal(&k, NPK__SEAL_PAGE, len, 100, in, len, nonce, st);
		const uint8_t *got;
		size_t glen;
		CHECK_RC(npk__seal_open(&k, NPK__SEAL_PAGE, len, 100, st, slen, pl, &got, &glen, "page",
		                        &err), NPK_OK, &err);
		CHECK(glen == len && memcmp(got, in, len) == 0);
		/* and in place, as the reader opens objects */
		CHECK_RC(npk__seal_open(&k, NPK__SEAL_PAGE, len, 100, st, slen, st + 24, &got, &glen,
		                        "page", &err), NPK_OK, &err);
		CHECK(glen == len && got == st + 28 && memcmp(got, in, len) == 0);
		free(in);
		free(st);
		free(pl);
	}
}

/* Moved, swapped, replayed, truncated, flipped: never opens. */
DEFINE_TEST(test_seal_refused)
{
	npk__seal_keys k, other;
	fixed_keys(&k);
	other = k;
	other.fid[0] ^= 1;              /* another file (archive or edition) */
	npk__seal_derive(&other);
	npk_error err = {0};
	uint8_t nonce[24] = {9}, st[256], pl[256];
	static const char in[] = "Names of the captured soldiers.";
	size_t slen = (size_t)npk__seal_stored_len(sizeof in - 1);
	npk__seal(&k, NPK__SEAL_CLUSTER, 3, 10, (const uint8_t *)in, sizeof in - 1, nonce, st);
	const uint8_t *got;
	size_t glen;
	CHECK_RC(npk__seal_open(&k, NPK__SEAL_CLUSTER, 3, 10, st, slen, pl, &got, &glen, "c", &err),
	         NPK_OK, &err);
	/* no plaintext in the stored bytes */
	int seen = 0;
	for (size_t i = 0; i + 8 <= slen; i++)
		seen |= memcmp(st + i, "captured", 8) == 0;
	CHECK(!seen);
	CHECK_RC(npk__seal_open(&k, NPK__SEAL_CLUSTER, 4, 10, st, slen, pl, &got, &glen, "c", &err),
	         NPK_E_DIGEST, &err);
	CHECK(strstr(err.msg, "cannot be decrypted") != NULL);
	CHECK_RC(npk__seal_open(&k, NPK__SEAL_PAGE, 3, 10, st, slen, pl, &got, &glen, "c", &err),
	         NPK_E_DIGEST, &err);
	CHECK_RC(npk__seal_open(&k, NPK__SEAL_CLUSTER, 3, 11, st, slen, pl, &got, &glen, "c", &err),
	         NPK_E_DIGEST, &err);
	CHECK_RC(npk__seal_open(&other, NPK__SEAL_CLUSTER, 3, 10, st, slen, pl, &got, &glen, "c",
	                        &err), NPK_E_DIGEST, &err);
	CHECK_RC(npk__seal_open(&k, NPK__SEAL_CLUSTER, 3, 10, st, slen - 1, pl, &got, &glen, "c",
	                        &err), NPK_E_DIGEST, &err);
	CHECK_RC(npk__seal_open(&k, NPK__SEAL_CLUSTER, 3, 10, st, 43, pl, &got, &glen, "c", &err),
	         NPK_E_FORMAT, &err);
	for (size_t i = 0; i < slen; i++) {
		st[i] ^= 0x20;
		CHECK(npk__seal_open(&k, NPK__SEAL_CLUSTER, 3, 10, st, slen, pl, &got, &glen, "c",
		                     &err) == NPK_E_DIGEST);
		st[i] ^= 0x20;
	}
	/* a sealer that lies about the length or pads with other bytes: the
	 * AEAD opens, the rules of 15.17.5 refuse */
	uint8_t key[32], ad[53];
	npk__seal_object_key(&k, NPK__SEAL_CLUSTER, 3, key);
	memcpy(ad, "npk1", 4);
	memcpy(ad + 4, k.fid, 32);
	ad[36] = NPK__SEAL_CLUSTER;
	npk__st64(ad + 37, 3);
	npk__st64(ad + 45, 10);
	uint8_t plain[64] = {0};
	size_t P = slen - 40;
	npk__st32(plain, (uint32_t)P);          /* more than it holds */
	crypto_aead_xchacha20poly1305_ietf_encrypt(st + 24, NULL, plain, P, ad, 53, NULL, st, key);
	CHECK_RC(npk__seal_open(&k, NPK__SEAL_CLUSTER, 3, 10, st, slen, pl, &got, &glen, "c", &err),
	         NPK_E_FORMAT, &err);
	npk__st32(plain, 2);
	plain[P - 1] = 1;                      /* padding not zero */
	crypto_aead_xchacha20poly1305_ietf_encrypt(st + 24, NULL, plain, P, ad, 53, NULL, st, key);
	CHECK_RC(npk__seal_open(&k, NPK__SEAL_CLUSTER, 3, 10, st, slen, pl, &got, &glen, "c", &err),
	         NPK_E_FORMAT, &err);
	CHECK(strstr(err.msg, "padding") != NULL);
}

DEFINE_TEST(test_seal_stanzas)
{
	npk__seal_keys k;
	fixed_keys(&k);
	npk_error err = {0};
	uint8_t a_sk[32], a_pk[32], b_sk[32], esk[32], body[NPK__STANZA_PASS_LEN], fk[32];
	randombytes_buf(a_sk, 32);
	randombytes_buf(b_sk, 32);
	randombytes_buf(esk, 32);
	crypto_scalarmult_base(a_pk, a_sk);
	CHECK_RC(npk__stanza_x25519_make(a_pk, esk, k.fk, body, &err), NPK_OK, &err);
	uint8_t b_pk0[32];
	crypto_scalarmult_base(b_pk0, b_sk);
	CHECK(npk__stanza_x25519_open(a_sk, a_pk, body, fk) == NPK_OK && memcmp(fk, k.fk, 32) == 0);
	CHECK(npk__seal_commit_ok(&k, fk));
	CHECK(npk__stanza_x25519_open(b_sk, b_pk0, body, fk) == NPK_E_NOTFOUND);
	for (size_t i = 0; i < NPK__STANZA_X25519_LEN; i++) {
		body[i] ^= 1;
		CHECK(npk__stanza_x25519_open(a_sk, a_pk, body, fk) == NPK_E_NOTFOUND);
		body[i] ^= 1;
	}
	/* low-order points: refused as a recipient, and as a stanza's epk */
	static const uint8_t low[][32] = {
		{0},
		{1},
		{0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4,
		 0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49,
		 0xb8, 0x00},
	};
	for (size_t i = 0; i < sizeof low / sizeof low[0]; i++) {
		CHECK_RC(npk__stanza_x25519_make(low[i], esk, k.fk, body, &err), NPK_E_KEY, &err);
		CHECK(strstr(err.msg, "low order") != NULL);
		memcpy(body, low[i], 32);
		CHECK(npk__stanza_x25519_open(a_sk, a_pk, body, fk) == NPK_E_NOTFOUND);
	}

	/* a forged stanza: opens for B to another file key, which the
	 * commitment refuses */
	uint8_t b_pk[32], fk2[32];
	crypto_scalarmult_base(b_pk, b_sk);
	memcpy(fk2, k.fk, 32);
	fk2[31] ^= 0x80;
	CHECK_RC(npk__stanza_x25519_make(b_pk, esk, fk2, body, &err), NPK_OK, &err);
	CHECK(npk__stanza_x25519_open(b_sk, b_pk, body, fk) == NPK_OK);
	CHECK(!npk__seal_commit_ok(&k, fk));

	/* passphrase: right, wrong, caps */
	uint8_t salt[16] = {5}, nonce[24] = {6};
	CHECK_RC(npk__stanza_pass_make("pass", 4, salt, 1, 64, nonce, k.fk, body, &err), NPK_OK,
	         &err);
	CHECK_RC(npk__stanza_pass_open("pass", 4, body, fk, &err), NPK_OK, &err);
	CHECK(memcmp(fk, k.fk, 32) == 0);
	CHECK_RC(npk__stanza_pass_open("Pass", 4, body, fk, &err), NPK_E_NOTFOUND, &err);
	npk__st32(body + 16, 2);               /* the parameters are bound */
	CHECK_RC(npk__stanza_pass_open("pass", 4, body, fk, &err), NPK_E_NOTFOUND, &err);
	npk__st32(body + 16, NPK__PASS_OPS_MAX + 1);
	CHECK_RC(npk__stanza_pass_open("pass", 4, body, fk, &err), NPK_E_LIMIT, &err);
	CHECK(strstr(err.msg, "above the caps") != NULL);
	npk__st32(body + 16, 1);
	npk__st32(body + 20, NPK__PASS_MEM_KIB_MAX + 1);
	CHECK_RC(npk__stanza_pass_open("pass", 4, body, fk, &err), NPK_E_LIMIT, &err);
	npk__st32(body + 20, 0);
	CHECK_RC(npk__stanza_pass_open("pass", 4, body, fk, &err), NPK_E_LIMIT, &err);
	CHECK_RC(npk__stanza_pass_make("pass", 4, salt, 0, 64, nonce, k.fk, body, &err), NPK_E_LIMIT,
	         &err);
}

/* No (key, nonce) pair twice: object keys differ by kind, number and file. */
DEFINE_TEST(test_seal_keys_distinct)
{
	npk__seal_keys a, b;
	fixed_keys(&a);
	b = a;
	b.fid[31] ^= 1;
	npk__seal_derive(&b);
	CHECK(memcmp(a.ok, b.ok, 32) != 0 && memcmp(a.commit, b.commit, 32) != 0);
	enum { N = 200 };
	static uint8_t keys[4 * N * 2][32];
	size_t m = 0;
	for (unsigned kind = 1; kind <= 4; kind++)
		for (uint64_t n = 0; n < N; n++) {
			npk__seal_object_key(&a, kind, n, keys[m++]);
			npk__seal_object_key(&b, kind, n, keys[m++]);
		}
	int dup = 0;
	for (size_t i = 0; i < m; i++)
		for (size_t j = i + 1; j < m; j++)
			dup |= memcmp(keys[i], keys[j], 32) == 0;
	CHECK(!dup);
}

/* ---- Sealed archives, written and read (15.17.6, 15.17.7) ---- */

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#define SEALED_DOCS 300
#define MARKER "QX7MARKERZ"   /* in every path, title and text: never in the file */

typedef struct sealed_fixture {
	npk_trust *trust;
	npk_recipient *ra, *rb;
	npk_identity *ia, *ib, *ic;   /* ic: no recipient of the archive */
} sealed_fixture;

static void doc_text(size_t i, char *buf, size_t cap, size_t *len)
{
	int n = snprintf(buf, cap, "Report %zu " MARKER " on the prisoners of war held at camp %zu. ",
	                 i, i % 7);
	size_t k = (size_t)n;
	while (k + 60 < cap && k < 400 + (i * 37) % 3000)
		k += (size_t)snprintf(buf + k, cap - k, "Line %zu of report %zu, names withheld. ", k, i);
	*len = k;
}

static int write_sealed(const char *path, sealed_fixture *f, const char *pass, npk_error *err)
{
	npk_pubkey *pk = NULL;
	npk_seckey *sk = NULL;
	int rc = npk_keypair_generate(&pk, &sk, err);
	if (rc != NPK_OK)
		return rc;
	if (f->trust == NULL) {
		f->trust = npk_trust_new();
		npk_trust_add(f->trust, pk, err);
	}
	npk_pubkey_free(pk);
	const npk_recipient *rs[2] = {f->ra, f->rb};
	npk_create_opts o;
	memset(&o, 0, sizeof o);
	o.timestamp = 1737676800;
	o.cluster_size = 16384;       /* many clusters */
	o.recipients = rs;
	o.nrecipients = 2;
	o.seal_passphrase = pass;
	o.salt_key = sk;
	npk_meta *am = npk_meta_new();
	npk_meta_add(am, "title", "Collection " MARKER, err);
	o.archive_meta = am;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	npk_writer *w = NULL;
	rc = fd < 0 ? NPK_E_IO : npk_writer_new(fd, &o, &w, err);
	for (size_t i = 0; rc == NPK_OK && i < SEALED_DOCS; i++) {
		char p[64], title[64], text[4096];
		size_t len;
		snprintf(p, sizeof p, "%03zu-" MARKER ".txt", i);
		snprintf(title, sizeof title, "Title %zu " MARKER, i);
		doc_text(i, text, sizeof text, &len);
		npk_meta *m = npk_meta_new();
		npk_meta_add(m, "title", title, err);
		rc = npk_writer_begin(w, p, "text/plain", m, len, err);
		if (rc == NPK_OK)
			rc = npk_writer_data(w, text, len, err);
		if (rc == NPK_OK)
			rc = npk_writer_end(w, err);
		npk_meta_free(m);
	}
	if (rc == NPK_OK)
		rc = npk_writer_finish(w, sk, err);
	npk_writer_free(w);
	if (fd >= 0)
		close(fd);
	npk_meta_free(am);
	npk_seckey_free(sk);
	return rc;
}

static void fixture_make(sealed_fixture *f)
{
	npk_error err = {0};
	npk_recipient *rc = NULL;
	memset(f, 0, sizeof *f);
	npk_identity_generate(&f->ra, &f->ia, &err);
	npk_identity_generate(&f->rb, &f->ib, &err);
	npk_identity_generate(&rc, &f->ic, &err);
	npk_recipient_free(rc);
}

static void fixture_free(sealed_fixture *f)
{
	npk_trust_free(f->trust);
	npk_recipient_free(f->ra);
	npk_recipient_free(f->rb);
	npk_identity_free(f->ia);
	npk_identity_free(f->ib);
	npk_identity_free(f->ic);
}

typedef struct seen {
	npk_reader *r;
	size_t n, bad;
} seen;

static int collect_sink(const uint8_t *buf, size_t len, void *ctx)
{
	npk_buf *b = ctx;
	return npk__buf_put(b, buf, len) ? -1 : 0;
}

static int check_doc(const npk_entry *e, void *ctx)
{
	seen *s = ctx;
	size_t i = (size_t)atoi(e->path);
	char want[4096], p[64];
	size_t len;
	doc_text(i, want, sizeof want, &len);
	snprintf(p, sizeof p, "%03zu-" MARKER ".txt", i);
	npk_buf got = {0};
	npk_error err = {0};
	if (strcmp(e->path, p) != 0 || npk_reader_read(s->r, e, collect_sink, &got, &err) != NPK_OK ||
	    got.len != len || memcmp(got.p, want, len) != 0)
		s->bad++;
	npk__buf_free(&got);
	s->n++;
	return 0;
}

DEFINE_TEST(test_seal_archive)
{
	sealed_fixture f;
	fixture_make(&f);
	npk_error err = {0};
	CHECK_RC(write_sealed("s.npk", &f, "horse battery", &err), NPK_OK, &err);

	/* no plaintext anywhere in the file */
	size_t flen;
	uint8_t *bytes = (uint8_t *)npk_test_read_file("s.npk", &flen);
	CHECK(bytes != NULL);
	int leak = 0;
	for (size_t i = 0; bytes && i + 10 <= flen; i++)
		leak |= memcmp(bytes + i, MARKER, 10) == 0 || memcmp(bytes + i, "prisoners", 9) == 0;
	CHECK(!leak);
	CHECK(npk__ld32(bytes + 12) == 3);  /* required flags: 1.1 and sealed */

	/* without a key: signed, counted nothing, read nothing, verified whole */
	npk_reader *r = NULL;
	CHECK_RC(npk_reader_open("s.npk", f.trust, 0, &r, &err), NPK_OK, &err);
	npk_info in;
	npk_reader_info(r, &in);
	CHECK(in.sealed == 1 && in.documents == 0 && in.bytes == 0 && in.clusters > 10);
	CHECK(npk_meta_find(in.meta, "title") == NULL);
	seen s = {r, 0, 0};
	CHECK_RC(npk_reader_list(r, check_doc, &s, &err), NPK_E_SEALED, &err);
	CHECK(s.n == 0);
	npk_verify_stats st;
	CHECK_RC(npk_reader_verify(r, NULL, NULL, &st, &err), NPK_OK, &err);
	CHECK(st.sealed == 1 && st.clusters == in.clusters && st.pages == in.pages &&
	      st.clusters_bad == 0 && st.documents == 0);

	/* a key of no recipient, a wrong passphrase */
	npk_keyring *k = npk_keyring_new();
	CHECK_RC(npk_keyring_add(k, f.ic, &err), NPK_OK, &err);
	CHECK_RC(npk_reader_unseal(r, k, &err), NPK_E_NOKEY, &err);
	CHECK(strstr(err.msg, "not a recipient, or the wrong passphrase") != NULL);
	CHECK_RC(npk_keyring_passphrase(k, "horse batterY", &err), NPK_OK, &err);
	CHECK_RC(npk_reader_unseal(r, k, &err), NPK_E_NOKEY, &err);
	npk_keyring_free(k);

	/* recipient B: everything reads as written */
	k = npk_keyring_new();
	CHECK_RC(npk_keyring_add(k, f.ib, &err), NPK_OK, &err);
	CHECK_RC(npk_reader_unseal(r, k, &err), NPK_OK, &err);
	npk_reader_info(r, &in);
	CHECK(in.sealed == 2 && in.documents == SEALED_DOCS);
	CHECK(npk_meta_find(in.meta, "title") != NULL &&
	      strcmp(npk_meta_find(in.meta, "title"), "Collection " MARKER) == 0);
	s = (seen){r, 0, 0};
	CHECK_RC(npk_reader_list(r, check_doc, &s, &err), NPK_OK, &err);
	CHECK(s.n == SEALED_DOCS && s.bad == 0);
	const npk_entry *e = NULL;
	CHECK_RC(npk_reader_find(r, "123-" MARKER ".txt", &e, &err), NPK_OK, &err);
	CHECK_RC(npk_reader_verify(r, NULL, NULL, &st, &err), NPK_OK, &err);
	CHECK(st.sealed == 2 && st.documents == SEALED_DOCS && st.documents_bad == 0);
	npk_keyring_free(k);
	npk_reader_free(r);

	/* the passphrase alone */
	CHECK_RC(npk_reader_open("s.npk", f.trust, 0, &r, &err), NPK_OK, &err);
	k = npk_keyring_new();
	CHECK_RC(npk_keyring_passphrase(k, "horse battery", &err), NPK_OK, &err);
	CHECK_RC(npk_reader_unseal(r, k, &err), NPK_OK, &err);
	s = (seen){r, 0, 0};
	CHECK_RC(npk_reader_list(r, check_doc, &s, &err), NPK_OK, &err);
	CHECK(s.n == SEALED_DOCS && s.bad == 0);
	npk_keyring_free(k);
	npk_reader_free(r);

	/* the same inputs again: another file key, file id and nonces, so the
	 * two files agree in about 1 byte in 256 (only the clear structure
	 * besides) */
	CHECK_RC(write_sealed("t.npk", &f, NULL, &err), NPK_OK, &err);
	size_t tlen;
	uint8_t *tb = (uint8_t *)npk_test_read_file("t.npk", &tlen);
	CHECK(tb != NULL);
	size_t same = 0, body = 0;
	/* the first object's stored payload, after its 24-byte header */
	uint32_t plen = tb && tlen > 64 ? npk__ld32(tb + 32 + 16) : 0;
	CHECK(plen > 300 && plen == npk__ld32(bytes + 32 + 16));
	for (size_t i = 32 + 24; tb && i < 32 + 24 + (size_t)plen && i < tlen; i++, body++)
		same += bytes[i] == tb[i];
	/* about body / 256; 3 times that is beyond chance (p < 1e-9) */
	CHECK(body == plen && same < 3 * body / 256 + 8);
	free(tb);
	free(bytes);
	fixture_free(&f);
}

/* Every byte of the seal changed in turn: never opens to anything. */
DEFINE_TEST(test_seal_archive_flips)
{
	sealed_fixture f;
	fixture_make(&f);
	npk_error err = {0};
	CHECK_RC(write_sealed("s.npk", &f, NULL, &err), NPK_OK, &err);
	size_t flen;
	uint8_t *b = (uint8_t *)npk_test_read_file("s.npk", &flen);
	npk_reader *r = NULL;
	CHECK_RC(npk_reader_open("s.npk", f.trust, 0, &r, &err), NPK_OK, &err);
	const npk_section *sec;
	CHECK(npk__reader_sections(r, 8, &sec) == 1);
	uint64_t off = sec->off, len = sec->len;
	npk_reader_free(r);
	r = NULL;
	npk_keyring *k = npk_keyring_new();
	CHECK_RC(npk_keyring_add(k, f.ia, &err), NPK_OK, &err);
	size_t refused = 0, tried = 0;
	for (uint64_t i = 0; b && i < len; i += 1 + i / 16) {
		b[off + i] ^= 0x01;
		CHECK(npk_test_write_file("x.npk", b, flen) == 0);
		b[off + i] ^= 0x01;
		tried++;
		/* the directory's digest catches it at the first read of the seal,
		 * the copies in the tail do not serve a changed seal */
		int rc = npk_reader_open("x.npk", f.trust, 0, &r, &err);
		if (rc == NPK_OK)
			rc = npk_reader_unseal(r, k, &err);
		refused += rc == NPK_E_DIGEST || rc == NPK_E_FORMAT;
		npk_reader_free(r);
		r = NULL;
	}
	CHECK(tried > 50 && refused == tried);
	npk_keyring_free(k);
	free(b);
	fixture_free(&f);
}

/* Someone strips the signature of a sealed archive and signs it again with
 * their own key: the signature is valid, and the trust list decides as
 * for any archive; but whoever opens it finds the first signer named in
 * the sealed manifest (15.17.6) and calls it damaged. */
/* The signed part b of flen bytes signed again by sk, the manifest naming
 * its public key pk as the signer (someone else's signature). */
static void resign(uint8_t *b, size_t flen, const npk_pubkey *pk, const npk_seckey *sk)
{
	npk_error err = {0};
	uint64_t mo = npk__ld64(b + flen - 32);
	uint32_t ml = npk__ld32(b + flen - 24), sl = npk__ld32(b + flen - 20);
	uint8_t *m = b + mo;
	memcpy(m + 168, npk_pubkey_id(pk), 8);
	memcpy(m + 176, npk_pubkey_bytes(pk), 32);
	uint8_t *s = m + ml;
	uint16_t clen = npk__ld16(s + 74);
	CHECK(sl == 140u + clen);
	uint8_t sig[64], global[64];
	CHECK_RC(npk__sign(sk, m, ml, (const char *)s + 76, clen, sig, global, &err), NPK_OK, &err);
	memcpy(s + 2, npk_pubkey_id(pk), 8);
	memcpy(s + 10, sig, 64);
	memcpy(s + 76 + clen, global, 64);
}

DEFINE_TEST(test_seal_archive_resigned)
{
	sealed_fixture f;
	fixture_make(&f);
	npk_error err = {0};
	CHECK_RC(write_sealed("s.npk", &f, NULL, &err), NPK_OK, &err);
	size_t flen;
	uint8_t *b = (uint8_t *)npk_test_read_file("s.npk", &flen);
	CHECK(b != NULL && flen > 200);
	if (b == NULL)
		return;
	/* the signed part (the tail of survival copies dropped) */
	if (memcmp(b + flen - 8, "NPKTAIL\n", 8) == 0)
		flen = (size_t)npk__ld64(b + flen - 32);
	npk_pubkey *pk = NULL;
	npk_seckey *sk = NULL;
	CHECK_RC(npk_keypair_generate(&pk, &sk, &err), NPK_OK, &err);
	resign(b, flen, pk, sk);
	CHECK(npk_test_write_file("r.npk", b, flen) == 0);
	npk_trust *t = npk_trust_new();
	CHECK_RC(npk_trust_add(t, pk, &err), NPK_OK, &err);
	npk_reader *r = NULL;
	CHECK_RC(npk_reader_open("r.npk", t, 0, &r, &err), NPK_OK, &err);
	npk_keyring *k = npk_keyring_new();
	CHECK_RC(npk_keyring_add(k, f.ia, &err), NPK_OK, &err);
	if (r != NULL) {
		CHECK_RC(npk_reader_unseal(r, k, &err), NPK_E_FORMAT, &err);
		CHECK(strstr(err.msg, "sealed by another signer") != NULL);
	}
	npk_reader_free(r);
	npk_keyring_free(k);
	npk_trust_free(t);
	npk_pubkey_free(pk);
	npk_seckey_free(sk);
	free(b);
	fixture_free(&f);
}

/* The offset of extension type in the manifest m (0: none). */
static size_t manifest_ext(const uint8_t *m, uint16_t type)
{
	size_t at = NPK_MANIFEST_FIXED + npk__ld16(m + NPK_MANIFEST_FIXED - 2);
	uint16_t n = npk__ld16(m + at);
	at += 2;
	for (uint16_t i = 0; i < n; i++) {
		if (npk__ld16(m + at) == type)
			return at;
		at += 8 + npk__ld32(m + at + 4);
	}
	return 0;
}

/* 15.17.6: a signer who holds the file key swaps the two recipient tags
 * (and signs again, naming itself in both manifests): the reader that
 * opens stanza 0 with a's key finds b's tag there, and refuses. */
DEFINE_TEST(test_seal_archive_tag_forged)
{
	sealed_fixture f;
	fixture_make(&f);
	npk_error err = {0};
	CHECK_RC(write_sealed("s.npk", &f, NULL, &err), NPK_OK, &err);
	npk_keyring *k = npk_keyring_new();
	CHECK_RC(npk_keyring_add(k, f.ia, &err), NPK_OK, &err);
	npk_reader *r = NULL;
	CHECK_RC(npk_reader_open("s.npk", f.trust, 0, &r, &err), NPK_OK, &err);
	if (r == NULL)
		return;
	CHECK_RC(npk_reader_unseal(r, k, &err), NPK_OK, &err);
	npk__seal_view v;
	CHECK_RC(npk__reader_seal_view(r, &v, &err), NPK_OK, &err);
	size_t flen;
	uint8_t *b = (uint8_t *)npk_test_read_file("s.npk", &flen);
	CHECK(b != NULL && v.k != NULL && v.tags != NULL);
	if (b == NULL || v.k == NULL) {
		npk_reader_free(r);
		return;
	}
	if (memcmp(b + flen - 8, "NPKTAIL\n", 8) == 0)
		flen = (size_t)npk__ld64(b + flen - 32);
	/* the sealed manifest, after the two X25519 stanzas */
	uint8_t *seal = b + v.off;
	size_t st_end = NPK_SEAL_FIXED + 2 * (4 + NPK__STANZA_X25519_LEN);
	uint32_t slen = npk__ld32(seal + st_end);
	CHECK(st_end + 4 + slen == v.len);
	uint8_t *plain = malloc(slen);
	const uint8_t *inner = NULL;
	size_t ilen = 0;
	CHECK_RC(npk__seal_open(v.k, NPK__SEAL_MANIFEST, 0, 0, seal + st_end + 4, slen, plain,
	                        &inner, &ilen, "the sealed manifest", &err), NPK_OK, &err);
	uint8_t *p = malloc(ilen);
	memcpy(p, inner, ilen);
	/* the tags, swapped; the new signer named */
	size_t at = NPK_SMAN_FIXED + 2 + npk__ld16(p + NPK_SMAN_FIXED);
	uint16_t next = npk__ld16(p + at);
	at += 2;
	int swapped = 0;
	for (uint16_t i = 0; i < next; i++) {
		if (npk__ld16(p + at) == NPK__SMAN_EXT_TAGS) {
			uint8_t t[32];
			memcpy(t, p + at + 8, 32);
			memcpy(p + at + 8, p + at + 40, 32);
			memcpy(p + at + 40, t, 32);
			swapped = 1;
		}
		at += 8 + npk__ld32(p + at + 4);
	}
	CHECK(swapped);
	npk_pubkey *pk = NULL;
	npk_seckey *sk = NULL;
	CHECK_RC(npk_keypair_generate(&pk, &sk, &err), NPK_OK, &err);
	memcpy(p + 24, npk_pubkey_id(pk), 8);
	memcpy(p + 32, npk_pubkey_bytes(pk), 32);
	uint8_t nonce[NPK__SEAL_NONCE];
	randombytes_buf(nonce, sizeof nonce);
	CHECK(npk__seal_stored_len(ilen) == slen);
	npk__seal(v.k, NPK__SEAL_MANIFEST, 0, 0, p, ilen, nonce, seal + st_end + 4);
	/* the directory's record of the seal, then the signer and signature */
	uint8_t *m = b + npk__ld64(b + flen - 32);
	size_t dir = manifest_ext(m, NPK_EXT_DIRECTORY);
	CHECK(dir != 0);
	npk__digest(seal, v.len, m + dir + 12 + (size_t)NPK_SECTION_RECORD * (size_t)v.sec + 24);
	resign(b, flen, pk, sk);
	CHECK(npk_test_write_file("t.npk", b, flen) == 0);
	npk_reader_free(r);
	r = NULL;
	npk_trust *t = npk_trust_new();
	CHECK_RC(npk_trust_add(t, pk, &err), NPK_OK, &err);
	CHECK_RC(npk_reader_open("t.npk", t, 0, &r, &err), NPK_OK, &err);
	if (r != NULL) {
		CHECK_RC(npk_reader_unseal(r, k, &err), NPK_E_FORMAT, &err);
		CHECK(strstr(err.msg, "does not name the key that opened it") != NULL);
	}
	npk_reader_free(r);
	npk_trust_free(t);
	npk_pubkey_free(pk);
	npk_seckey_free(sk);
	npk_keyring_free(k);
	free(p);
	free(plain);
	free(b);
	fixture_free(&f);
}

/* ---- Editions of a sealed archive (15.17.8) ---- */

/* The cluster table record i of the signed part b (flen bytes): where
 * its offset, length and digest stand. */
static uint8_t *cluster_record(uint8_t *b, size_t flen, uint32_t i)
{
	uint64_t mo = npk__ld64(b + flen - 32);
	const uint8_t *m = b + mo;
	uint64_t pt_off = npk__ld64(m + 56);
	uint32_t pt_size = npk__ld32(m + 64);
	return b + pt_off + pt_size + 48 * (size_t)i;
}

static void write_text(const char *path, size_t i)
{
	char text[4096];
	size_t len;
	doc_text(i, text, sizeof text, &len);
	CHECK(npk_test_write_file(path, text, len) == 0);
}

/* A signer of its own, trusted by *t. */
static void signer_make(npk_pubkey **pk, npk_seckey **sk, npk_trust **t)
{
	npk_error err = {0};
	CHECK_RC(npk_keypair_generate(pk, sk, &err), NPK_OK, &err);
	*t = npk_trust_new();
	CHECK_RC(npk_trust_add(*t, *pk, &err), NPK_OK, &err);
}

/* create's options for an archive sealed for the one recipient rs[0],
 * without survival copies (the bytes changed are the only ones). */
static void sealed_opts(npk_create_opts *o, const npk_recipient *const *rs)
{
	memset(o, 0, sizeof *o);
	o->timestamp = 1737676800;
	o->recipients = rs;
	o->nrecipients = 1;
	o->no_copies = 1;
}

/* path's document in the archive at file, opened by k, gives nothing but
 * "cannot be decrypted"; r is left open for more checks (or NULL). */
static void expect_undecryptable(const char *file, const npk_trust *t, const npk_keyring *k,
                                 const char *path, npk_reader **r)
{
	npk_error err = {0};
	const npk_entry *e = NULL;
	npk_buf got = {0};
	*r = NULL;
	CHECK_RC(npk_reader_open(file, t, 0, r, &err), NPK_OK, &err);
	CHECK_RC(npk_reader_unseal(*r, k, &err), NPK_OK, &err);
	CHECK_RC(npk_reader_find(*r, path, &e, &err), NPK_OK, &err);
	int rc = e ? npk_reader_read(*r, e, collect_sink, &got, &err) : NPK_E_NOTFOUND;
	CHECK(rc == NPK_E_DIGEST && strstr(err.msg, "cannot be decrypted") != NULL);
	CHECK(got.len == 0);
	npk__buf_free(&got);
}

/* After the cluster of table record rec was changed in the signed part b
 * (l bytes): its digest, the cluster table's digest in the manifest and
 * the signature made again by sk, as its signer would. */
static void cluster_resign(uint8_t *b, size_t l, uint8_t *rec, const npk_pubkey *pk,
                           const npk_seckey *sk)
{
	npk__digest(b + npk__ld64(rec), npk__ld32(rec + 8), rec + 16);
	uint8_t *m = b + npk__ld64(b + l - 32);
	npk__digest(b + npk__ld64(m + 56) + npk__ld32(m + 64), npk__ld32(m + 68), m + 136);
	resign(b, l, pk, sk);
}

/* A cluster of the base put in an edition's place, the tables and the
 * signature made again by the signer itself: the edition's object keys and
 * associated data name its own file id, so the replayed cluster does not
 * open, although every digest and the signature match. */
DEFINE_TEST(test_seal_edition_replayed)
{
	sealed_fixture f;
	fixture_make(&f);
	npk_error err = {0};
	npk_pubkey *pk = NULL;
	npk_seckey *sk = NULL;
	npk_trust *t = NULL;
	signer_make(&pk, &sk, &t);
	CHECK(mkdir("in", 0755) == 0 && mkdir("ed", 0755) == 0 && mkdir("ed/x", 0755) == 0);
	const char *names[3] = {"a.txt", "b.txt", "c.txt"};
	for (size_t i = 0; i < 3; i++) {
		char p[64];
		snprintf(p, sizeof p, "in/%s", names[i]);
		write_text(p, i);
		snprintf(p, sizeof p, "ed/x/%s", names[i]);
		write_text(p, i);   /* the same bytes in the same order: the same cluster */
	}
	const npk_recipient *rs[1] = {f.ra};
	npk_create_opts o;
	sealed_opts(&o, rs);
	const char *in[1] = {"in"}, *ed[1] = {"ed"};
	CHECK_RC(npk_create("s0.npk", in, 1, &o, sk, NULL, &err), NPK_OK, &err);
	npk_keyring *k = npk_keyring_new();
	CHECK_RC(npk_keyring_add(k, f.ia, &err), NPK_OK, &err);
	npk_append_opts ao;
	memset(&ao, 0, sizeof ao);
	ao.create.timestamp = 1737676800;
	ao.create.no_dedup = 1;     /* stored again, not referred to */
	ao.create.no_copies = 1;
	ao.keys = k;
	CHECK_RC(npk_append("s0.npk", "s1.npk", ed, 1, &ao, sk, NULL, &err), NPK_OK, &err);

	/* the edition reads as it was written */
	npk_reader *r = NULL;
	const npk_entry *e = NULL;
	npk_buf got = {0};
	CHECK_RC(npk_reader_open("s1.npk", t, 0, &r, &err), NPK_OK, &err);
	CHECK_RC(npk_reader_unseal(r, k, &err), NPK_OK, &err);
	CHECK_RC(npk_reader_find(r, "x/b.txt", &e, &err), NPK_OK, &err);
	if (e != NULL)
		CHECK_RC(npk_reader_read(r, e, collect_sink, &got, &err), NPK_OK, &err);
	npk__buf_free(&got);
	npk_reader_free(r);

	size_t l0, l1;
	uint8_t *b0 = (uint8_t *)npk_test_read_file("s0.npk", &l0);
	uint8_t *b1 = (uint8_t *)npk_test_read_file("s1.npk", &l1);
	CHECK(b0 != NULL && b1 != NULL);
	if (b0 == NULL || b1 == NULL)
		return;
	uint8_t *c0 = cluster_record(b0, l0, 0), *c1 = cluster_record(b1, l1, 0);
	uint64_t o0 = npk__ld64(c0), o1 = npk__ld64(c1);
	uint32_t n0 = npk__ld32(c0 + 8), n1 = npk__ld32(c1 + 8);
	CHECK(n0 == n1 && n0 > 100);   /* the same stored length: a replay that fits */
	CHECK(memcmp(b0 + o0 + 24, b1 + o1 + 24, 24) != 0); /* each its own nonce */
	memcpy(b1 + o1, b0 + o0, n0);
	cluster_resign(b1, l1, c1, pk, sk);
	CHECK(npk_test_write_file("s1.npk", b1, l1) == 0);

	expect_undecryptable("s1.npk", t, k, "x/b.txt", &r);
	if (r != NULL) {
		npk_verify_stats st;
		CHECK(npk_reader_verify(r, NULL, NULL, &st, &err) != NPK_OK && st.documents_bad > 0);
		/* the base's own cluster still reads: the replay harms the edition only */
		CHECK_RC(npk_reader_find(r, "b.txt", &e, &err), NPK_OK, &err);
		if (e != NULL)
			CHECK_RC(npk_reader_read(r, e, collect_sink, &got, &err), NPK_OK, &err);
		npk__buf_free(&got);
	}
	npk_reader_free(r);
	free(b0);
	free(b1);
	npk_keyring_free(k);
	npk_trust_free(t);
	npk_pubkey_free(pk);
	npk_seckey_free(sk);
	fixture_free(&f);
}

/* A document read from the front of a sealed cluster decrypts only what
 * it needs (npk__seal_open_stream), yet its tag still covers the whole
 * ciphertext: a byte of the cluster's tail changed, the digests and the
 * signature made again by the signer, and the first document does not
 * read, and nothing of it is given out. */
DEFINE_TEST(test_seal_prefix_tail)
{
	sealed_fixture f;
	fixture_make(&f);
	npk_error err = {0};
	npk_pubkey *pk = NULL;
	npk_seckey *sk = NULL;
	npk_trust *t = NULL;
	signer_make(&pk, &sk, &t);
	CHECK(mkdir("in", 0755) == 0);
	write_text("in/0.txt", 0);
	for (size_t i = 1; i < 8; i++) {   /* bytes zlib cannot shrink: a long cluster */
		char p[64];
		uint8_t noise[20000];
		randombytes_buf(noise, sizeof noise);
		snprintf(p, sizeof p, "in/%zu.bin", i);
		CHECK(npk_test_write_file(p, noise, sizeof noise) == 0);
	}
	const npk_recipient *rs[1] = {f.ra};
	npk_create_opts o;
	sealed_opts(&o, rs);
	const char *in[1] = {"in"};
	CHECK_RC(npk_create("s.npk", in, 1, &o, sk, NULL, &err), NPK_OK, &err);
	npk_keyring *k = npk_keyring_new();
	CHECK_RC(npk_keyring_add(k, f.ia, &err), NPK_OK, &err);

	/* as written, the first document reads, and a prefix of one cluster */
	npk_reader *r = NULL;
	const npk_entry *e = NULL;
	npk_buf got = {0};
	char want[4096];
	size_t wlen;
	doc_text(0, want, sizeof want, &wlen);
	CHECK_RC(npk_reader_open("s.npk", t, 0, &r, &err), NPK_OK, &err);
	CHECK_RC(npk_reader_unseal(r, k, &err), NPK_OK, &err);
	CHECK_RC(npk_reader_find(r, "0.txt", &e, &err), NPK_OK, &err);
	CHECK(e != NULL && e->cluster == 0 && e->offset == 0);
	if (e != NULL)
		CHECK_RC(npk_reader_read(r, e, collect_sink, &got, &err), NPK_OK, &err);
	CHECK(got.len == wlen && memcmp(got.p, want, wlen) == 0);
	npk__buf_free(&got);
	npk_reader_free(r);
	r = NULL;

	size_t l;
	uint8_t *b = (uint8_t *)npk_test_read_file("s.npk", &l);
	CHECK(b != NULL);
	if (b == NULL)
		return;
	uint8_t *c = cluster_record(b, l, 0);
	uint64_t co = npk__ld64(c);
	uint32_t cn = npk__ld32(c + 8);
	CHECK(cn > 7 * 20000);   /* the tail is far past the first document */
	b[co + cn - 17] ^= 0x01;               /* the last byte before the tag */
	cluster_resign(b, l, c, pk, sk);
	CHECK(npk_test_write_file("s.npk", b, l) == 0);
	free(b);

	expect_undecryptable("s.npk", t, k, "0.txt", &r);
	npk_reader_free(r);
	npk_keyring_free(k);
	npk_trust_free(t);
	npk_pubkey_free(pk);
	npk_seckey_free(sk);
	fixture_free(&f);
}
