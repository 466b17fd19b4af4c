/* test_dict.c - the compression dictionary (spec/format.md 15.18): create
 * --dictionary trains one and writes clusters of codec 3 that read back
 * byte for byte, the same bytes every time and on any number of threads;
 * no dictionary under 256 KiB; the options it refuses; a damaged
 * dictionary read from its survival copy, and without one every cluster
 * of codec 3 refused, naming the dictionary, while the list still reads;
 * a sealed archive's dictionary sealed like its other sections. The
 * hostile cases (a dictionary that breaks a rule, codec 3 where it may not
 * be) are tests/hostile/forge.py's dict-* and codec3-*. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "format/format.h"
#include "newspack.h"
#include "test.h"

static const char *const words[] = {
	"the", "council", "said", "river", "rising", "market", "price", "water", "storm",
	"village", "farmers", "court", "police", "archive", "record", "letter", "witness",
	"evidence", "minister", "election", "bridge", "railway", "harbour", "festival",
	"museum", "library", "teacher", "hospital", "budget", "treaty", "talks", "signed",
};

/* Document i of a collection: sentences of the words above drawn by an
 * LCG, about 3 KiB, the same on every run. */
static void doc_text(unsigned i, char *out, size_t cap, size_t *len)
{
	uint64_t x = 0x9E3779B97F4A7C15ull * (i + 1);
	size_t n = (size_t)snprintf(out, cap, "Dispatch %u\n\n", i);
	while (n + 32 < cap && n < 2800 + (i % 7) * 100) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		const char *w = words[(x >> 33) % (sizeof words / sizeof *words)];
		n += (size_t)snprintf(out + n, cap - n, "%s%s", w, (x >> 60) == 0 ? ".\n" : " ");
	}
	*len = n;
}

/* dir/doc-NNN.txt for i < count. */
static int write_docs(const char *dir, unsigned count)
{
	if (mkdir(dir, 0755) != 0)
		return -1;
	for (unsigned i = 0; i < count; i++) {
		char p[256], t[4096];
		size_t n;
		snprintf(p, sizeof p, "%s/doc-%03u.txt", dir, i);
		doc_text(i, t, sizeof t, &n);
		if (npk_test_write_file(p, t, n) != 0)
			return -1;
	}
	return 0;
}

static int collect(const uint8_t *buf, size_t len, void *ctx)
{
	npk_buf *b = ctx;
	return npk__buf_put(b, buf, len) ? -1 : 0;
}

/* Each document written by write_docs (count of them; a folder given to
 * create stores what it holds) read from r equals its text. */
static int reads_back(npk_reader *r, unsigned count, npk_error *err)
{
	for (unsigned i = 0; i < count; i++) {
		char p[256], t[4096];
		size_t n;
		snprintf(p, sizeof p, "doc-%03u.txt", i);
		doc_text(i, t, sizeof t, &n);
		const npk_entry *e = NULL;
		npk_buf got = {0};
		int rc = npk_reader_find(r, p, &e, err);
		if (rc == NPK_OK)
			rc = npk_reader_read(r, e, collect, &got, err);
		int same = rc == NPK_OK && got.len == n && memcmp(got.p, t, n) == 0;
		npk__buf_free(&got);
		if (rc != NPK_OK)
			return rc;
		if (!same) {
			fprintf(stderr, "  %s does not read back as written\n", p);
			return -1;
		}
	}
	return NPK_OK;
}

typedef struct signer {
	npk_pubkey *pk;
	npk_seckey *sk;
	npk_trust *t;
} signer;

static int signer_make(signer *s, npk_error *err)
{
	memset(s, 0, sizeof *s);
	int rc = npk_keypair_generate(&s->pk, &s->sk, err);
	if (rc == NPK_OK && (s->t = npk_trust_new()) == NULL)
		rc = NPK_E_NOMEM;
	return rc == NPK_OK ? npk_trust_add(s->t, s->pk, err) : rc;
}

static void signer_free(signer *s)
{
	npk_pubkey_free(s->pk);
	npk_seckey_free(s->sk);
	npk_trust_free(s->t);
}

static void dict_opts(npk_create_opts *o)
{
	memset(o, 0, sizeof *o);
	o->timestamp = 1737676800;
	o->dictionary = 1;
}

DEFINE_TEST(test_dict_round_trip)
{
	npk_error err = {0};
	signer s;
	CHECK_RC(signer_make(&s, &err), NPK_OK, &err);
	CHECK(write_docs("in", 120) == 0);   /* about 340 KiB */
	const char *in[1] = {"in"};
	npk_create_opts o;
	npk_create_stats st;
	dict_opts(&o);
	o.threads = 1;
	CHECK_RC(npk_create("one.npk", in, 1, &o, s.sk, &st, &err), NPK_OK, &err);
	CHECK(st.dictionary_bytes >= NPK_DICT_MIN && st.dictionary_bytes <= NPK_DICT_TRAINED_MAX);
	o.threads = 3;
	CHECK_RC(npk_create("three.npk", in, 1, &o, s.sk, NULL, &err), NPK_OK, &err);
	/* without a dictionary, the same small clusters of zstd */
	npk_create_opts z;
	memset(&z, 0, sizeof z);
	z.timestamp = o.timestamp;
	z.codec = NPK_CODEC_ZSTD_ID;
	z.cluster_size = NPK_CLUSTER_TARGET_DICT;
	CHECK_RC(npk_create("plain.npk", in, 1, &z, s.sk, NULL, &err), NPK_OK, &err);
	size_t n1 = 0, n3 = 0, np = 0;
	char *b1 = npk_test_read_file("one.npk", &n1), *b3 = npk_test_read_file("three.npk", &n3);
	char *bp = npk_test_read_file("plain.npk", &np);
	/* the same bytes on any number of threads (the signature too: Ed25519) */
	int same = b1 != NULL && b3 != NULL && n1 == n3 && memcmp(b1, b3, n1) == 0;
	free(b1);
	free(b3);
	free(bp);
	CHECK(same);
	/* the dictionary pays for itself on these documents */
	CHECK(n1 > 0 && np > 0 && n1 < np);

	npk_reader *r = NULL;
	CHECK_RC(npk_reader_open("one.npk", s.t, 0, &r, &err), NPK_OK, &err);
	const npk_section *d = NULL;
	int ok = npk__reader_sections(r, NPK_SECTION_DICT, &d) == 1 && d != NULL &&
	         (d->flags & NPK_SECTION_CRITICAL) && d->len == NPK_DICT_HEADER + st.dictionary_bytes;
	npk_info info;
	npk_reader_info(r, &info);
	for (uint32_t i = 0; ok && i < info.clusters; i++) {
		unsigned codec = 0;
		ok = npk__reader_cluster_codec(r, i, &codec, &err) == NPK_OK &&
		     codec == NPK_CODEC_ZSTD_DICT;
	}
	int rc = reads_back(r, 120, &err);
	if (rc == NPK_OK)
		rc = npk_reader_verify(r, NULL, NULL, NULL, &err);
	npk_reader_free(r);
	signer_free(&s);
	CHECK(ok);
	CHECK_RC(rc, NPK_OK, &err);
	CHECK(info.clusters >= 10);   /* clusters of 32 KiB */
}

DEFINE_TEST(test_dict_small_and_refused)
{
	npk_error err = {0};
	signer s;
	CHECK_RC(signer_make(&s, &err), NPK_OK, &err);
	CHECK(write_docs("in", 40) == 0);   /* about 115 KiB: no dictionary */
	const char *in[1] = {"in"};
	npk_create_opts o;
	npk_create_stats st;
	dict_opts(&o);
	CHECK_RC(npk_create("small.npk", in, 1, &o, s.sk, &st, &err), NPK_OK, &err);
	CHECK_EQ_INT(st.dictionary_bytes, 0);
	npk_reader *r = NULL;
	CHECK_RC(npk_reader_open("small.npk", s.t, 0, &r, &err), NPK_OK, &err);
	const npk_section *d = NULL;
	unsigned codec = 0;
	int none = npk__reader_sections(r, NPK_SECTION_DICT, &d) == 0 &&
	           npk__reader_cluster_codec(r, 0, &codec, &err) == NPK_OK && codec == NPK_CODEC_ZSTD;
	int rc = reads_back(r, 40, &err);
	npk_reader_free(r);
	CHECK(none);
	CHECK_RC(rc, NPK_OK, &err);

	/* what a dictionary cannot go with: refused before anything is written */
	dict_opts(&o);
	o.codec = NPK_CODEC_ZLIB_ID;
	CHECK_RC(npk_create("x.npk", in, 1, &o, s.sk, NULL, &err), NPK_E_ARG, &err);
	CHECK(strstr(err.msg, "zstd") != NULL);
	dict_opts(&o);
	o.format_10 = 1;
	CHECK_RC(npk_create("x.npk", in, 1, &o, s.sk, NULL, &err), NPK_E_ARG, &err);
	dict_opts(&o);
	o.cluster_size = NPK_CLUSTER_DICT_MAX + 1;
	CHECK_RC(npk_create("x.npk", in, 1, &o, s.sk, NULL, &err), NPK_E_ARG, &err);
	struct stat sb;
	CHECK(stat("x.npk", &sb) != 0);
	signer_free(&s);
}

/* Overwrites 16 bytes of path at off with 0xA5. */
static int damage(const char *path, uint64_t off)
{
	size_t n = 0;
	uint8_t *p = (uint8_t *)npk_test_read_file(path, &n);
	if (p == NULL || off + 16 > n)
		return -1;
	memset(p + off, 0xA5, 16);
	int rc = npk_test_write_file(path, p, n);
	free(p);
	return rc;
}

/* Where the bytes "NPKDICT\n" start in path at or after from, or 0. */
static uint64_t find_dict(const char *path, uint64_t from)
{
	size_t n = 0;
	char *p = npk_test_read_file(path, &n);
	uint64_t at = 0;
	for (size_t i = (size_t)from; p != NULL && at == 0 && i + 8 <= n; i++)
		if (memcmp(p + i, NPK_DICT_MAGIC, 8) == 0)
			at = i;
	free(p);
	return at;
}

static int count_entry(const npk_entry *e, void *ctx)
{
	(void)e;
	++*(unsigned *)ctx;
	return 0;
}

DEFINE_TEST(test_dict_damaged)
{
	npk_error err = {0};
	signer s;
	CHECK_RC(signer_make(&s, &err), NPK_OK, &err);
	CHECK(write_docs("in", 120) == 0);
	const char *in[1] = {"in"};
	npk_create_opts o;
	dict_opts(&o);   /* with survival copies: the dictionary's among them */
	CHECK_RC(npk_create("d.npk", in, 1, &o, s.sk, NULL, &err), NPK_OK, &err);
	uint64_t orig = find_dict("d.npk", 0), copy = find_dict("d.npk", orig + 1);
	CHECK(orig > 0 && copy > orig);

	/* the original damaged: its copy serves, every document reads */
	CHECK(damage("d.npk", orig + 100) == 0);
	npk_reader *r = NULL;
	CHECK_RC(npk_reader_open("d.npk", s.t, 0, &r, &err), NPK_OK, &err);
	npk_info info;
	npk_reader_info(r, &info);
	int rc = reads_back(r, 120, &err);
	npk_reader_free(r);
	CHECK_EQ_INT(info.copies_served, NPK_COPY_DICT);
	CHECK_RC(rc, NPK_OK, &err);

	/* and its copy too: the list still reads, no document does, and the
	 * failure names the dictionary */
	CHECK(damage("d.npk", copy + 100) == 0);
	CHECK_RC(npk_reader_open("d.npk", s.t, 0, &r, &err), NPK_OK, &err);
	unsigned listed = 0;
	int lrc = npk_reader_list(r, count_entry, &listed, &err);
	rc = reads_back(r, 1, &err);
	npk_reader_free(r);
	CHECK_RC(lrc, NPK_OK, &err);
	CHECK_EQ_INT(listed, 120);
	CHECK_EQ_INT(rc, NPK_E_FORMAT);
	CHECK(strstr(err.msg, "cannot be decoded: the compression dictionary (section") != NULL);
	CHECK(strstr(err.msg, "does not match its digest") != NULL);
	signer_free(&s);
}

DEFINE_TEST(test_dict_sealed)
{
	npk_error err = {0};
	signer s;
	CHECK_RC(signer_make(&s, &err), NPK_OK, &err);
	npk_recipient *rcp = NULL;
	npk_identity *id = NULL;
	CHECK_RC(npk_identity_generate(&rcp, &id, &err), NPK_OK, &err);
	CHECK(write_docs("in", 120) == 0);
	const char *in[1] = {"in"};
	const npk_recipient *rs[1] = {rcp};
	npk_create_opts o;
	dict_opts(&o);
	o.no_copies = 1;
	CHECK_RC(npk_create("plain.npk", in, 1, &o, s.sk, NULL, &err), NPK_OK, &err);
	o.recipients = rs;
	o.nrecipients = 1;
	CHECK_RC(npk_create("sealed.npk", in, 1, &o, s.sk, NULL, &err), NPK_OK, &err);
	/* the same documents train the same dictionary: none of its bytes,
	 * nor its magic, shows in the sealed file */
	size_t np = 0, ns = 0;
	char *p = npk_test_read_file("plain.npk", &np), *q = npk_test_read_file("sealed.npk", &ns);
	uint64_t at = find_dict("plain.npk", 0);
	int hidden = p != NULL && q != NULL && at > 0 && at + 200 < np;
	for (size_t i = 0; hidden && i + 32 <= ns; i++)
		hidden = memcmp(q + i, p + at + 160, 32) != 0 && memcmp(q + i, NPK_DICT_MAGIC, 8) != 0;
	free(p);
	free(q);
	CHECK(hidden);

	npk_keyring *k = npk_keyring_new();
	CHECK(k != NULL);
	npk_reader *r = NULL;
	int rc = npk_keyring_add(k, id, &err);
	if (rc == NPK_OK)
		rc = npk_reader_open("sealed.npk", s.t, 0, &r, &err);
	if (rc == NPK_OK)
		rc = npk_reader_unseal(r, k, &err);
	const npk_section *d = NULL;
	int one = rc == NPK_OK && npk__reader_sections(r, NPK_SECTION_DICT, &d) == 1;
	if (rc == NPK_OK)
		rc = reads_back(r, 120, &err);
	if (rc == NPK_OK)
		rc = npk_reader_verify(r, NULL, NULL, NULL, &err);
	npk_reader_free(r);
	npk_keyring_free(k);
	npk_recipient_free(rcp);
	npk_identity_free(id);
	signer_free(&s);
	CHECK_RC(rc, NPK_OK, &err);
	CHECK(one);
}
