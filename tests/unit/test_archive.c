/* test_archive.c - the writer and reader together: round trips, the
 * checks of spec/format.md section 11, and damage at every byte. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "format/format.h"
#include "newspack.h"
#include "test.h"

/* Deterministic pseudo-random bytes. */
static uint32_t rng_state = 12345;
static uint32_t rng(void)
{
	rng_state = rng_state * 1103515245u + 12345u;
	return rng_state >> 8;
}

typedef struct doc {
	char path[64];
	uint8_t *data;
	size_t len;
} doc;

/* Writes docs (already in path order) to path; returns an npk code. */
static int write_archive(const char *path, const doc *docs, size_t n, size_t cluster,
                         const npk_seckey *sk, npk_error *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return NPK_E_IO;
	npk_create_opts o;
	memset(&o, 0, sizeof o);
	o.timestamp = 1737676800; /* 2025-01-24T00:00:00Z */
	o.cluster_size = cluster;
	npk_writer *w = NULL;
	int rc = npk_writer_new(fd, &o, &w, err);
	for (size_t i = 0; rc == NPK_OK && i < n; i++) {
		npk_meta *m = npk_meta_new();
		char title[80];
		snprintf(title, sizeof title, "Document number %zu of the test set", i);
		npk_meta_add(m, "title", title, err);
		npk_meta_add(m, "author", "A. Writer", err);
		rc = npk_writer_begin(w, docs[i].path, "text/plain", m, docs[i].len, err);
		/* Feed in uneven pieces, as files arrive. */
		size_t off = 0;
		while (rc == NPK_OK && off < docs[i].len) {
			size_t k = 1 + rng() % 5000;
			if (k > docs[i].len - off)
				k = docs[i].len - off;
			rc = npk_writer_data(w, docs[i].data + off, k, err);
			off += k;
		}
		if (rc == NPK_OK)
			rc = npk_writer_end(w, err);
		npk_meta_free(m);
	}
	if (rc == NPK_OK)
		rc = npk_writer_finish(w, sk, err);
	npk_writer_free(w);
	close(fd);
	return rc;
}

static doc *make_docs(size_t n, size_t maxlen)
{
	doc *d = calloc(n, sizeof *d);
	for (size_t i = 0; i < n; i++) {
		snprintf(d[i].path, sizeof d[i].path, "dir%03zu/doc-%06zu.txt", i / 100, i);
		d[i].len = i % 7 == 3 ? 0 : rng() % maxlen;
		d[i].data = malloc(d[i].len + 1);
		/* text, or random bytes; each begins with its number, so that no
		 * two are equal (equal ones would share their bytes, 15.7) */
		for (size_t k = 0; k < d[i].len; k++)
			d[i].data[k] = k < 4 ? (uint8_t)(i >> (8 * k))
			               : i % 3 ? (uint8_t)"news text "[k % 10] : (uint8_t)rng();
	}
	return d;
}

static void free_docs(doc *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(d[i].data);
	free(d);
}

typedef struct collect {
	uint8_t *p;
	size_t len, cap;
} collect;

static int sink(const uint8_t *buf, size_t len, void *ctx)
{
	collect *c = ctx;
	if (c->len + len > c->cap) {
		c->cap = (c->len + len) * 2 + 16;
		c->p = realloc(c->p, c->cap);
	}
	memcpy(c->p + c->len, buf, len);
	c->len += len;
	return 0;
}

static int count_entry(const npk_entry *e, void *ctx)
{
	(void)e;
	(*(size_t *)ctx)++;
	return 0;
}

static npk_seckey *test_key(npk_trust **trust)
{
	npk_pubkey *pk = NULL;
	npk_seckey *sk = NULL;
	npk_error err;
	if (npk_keypair_generate(&pk, &sk, &err) != NPK_OK)
		return NULL;
	if (trust) {
		*trust = npk_trust_new();
		npk_trust_add(*trust, pk, &err);
	}
	npk_pubkey_free(pk);
	return sk;
}

typedef struct paths_seen {
	const doc *d;
	size_t n, bad;
} paths_seen;

static int no_meta_entry(const npk_entry *e, void *ctx)
{
	paths_seen *s = ctx;
	if (e->meta != NULL || s->n >= 300 || strcmp(e->path, s->d[s->n].path) != 0 ||
	    e->size != s->d[s->n].len)
		s->bad++;
	s->n++;
	return 0;
}

/* Metadata too long to encode (65535 bytes, spec/format.md 5.5) is refused
 * with the document named, and the archive's own with "archive metadata". */
DEFINE_TEST(test_archive_meta_too_long_names_document)
{
	npk_error err = {0};
	npk_seckey *sk = test_key(NULL);
	CHECK(sk != NULL);
	npk_meta *m = npk_meta_new();
	char key[8], *val = malloc(1001);
	memset(val, 'v', 1000);
	val[1000] = 0;
	for (int i = 0; i < 70; i++) {
		snprintf(key, sizeof key, "k%03d", i);
		CHECK_RC(npk_meta_add(m, key, val, &err), NPK_OK, &err);
	}
	int fd = open("a.npk", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	npk_create_opts o;
	memset(&o, 0, sizeof o);
	npk_writer *w = NULL;
	CHECK_RC(npk_writer_new(fd, &o, &w, &err), NPK_OK, &err);
	CHECK_RC(npk_writer_begin(w, "news/a.txt", "text/plain", m, 1, &err), NPK_E_LIMIT, &err);
	CHECK(strstr(err.msg, "news/a.txt: metadata: more than 65535 bytes") == err.msg);
	npk_writer_free(w);
	close(fd);
	fd = open("a.npk", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	o.archive_meta = m;
	w = NULL;
	int rc = npk_writer_new(fd, &o, &w, &err);
	if (rc == NPK_OK)
		rc = npk_writer_finish(w, sk, &err);
	CHECK_RC(rc, NPK_E_LIMIT, &err);
	CHECK(strstr(err.msg, "archive metadata: more than 65535 bytes") == err.msg);
	npk_writer_free(w);
	close(fd);
	npk_meta_free(m);
	free(val);
	npk_seckey_free(sk);
}

typedef struct read_all {
	npk_reader *r;
	size_t docs, bad;
} read_all;

static int read_each(const npk_entry *e, void *ctx)
{
	read_all *a = ctx;
	/* a copy: the entry is the walk's, and read may use the reader */
	npk_entry copy = *e;
	npk_error err;
	collect c = {0};
	a->bad += npk_reader_read(a->r, &copy, sink, &c, &err) != NPK_OK || c.len != e->size;
	free(c.p);
	a->docs++;
	return 0;
}

/* Reading every document in order decodes each cluster at most twice (the
 * first document only as far as it goes, then the whole cluster), however
 * many documents it holds. */
DEFINE_TEST(test_archive_read_in_order_decodes_clusters_at_most_twice)
{
	npk_error err = {0};
	npk_trust *trust = NULL;
	npk_seckey *sk = test_key(&trust);
	CHECK(sk != NULL);
	doc *d = make_docs(600, 2000);
	CHECK_RC(write_archive("a.npk", d, 600, 65536, sk, &err), NPK_OK, &err);
	npk_reader *r = NULL;
	CHECK_RC(npk_reader_open("a.npk", trust, 0, &r, &err), NPK_OK, &err);
	npk_reader_set_threads(r, 1);
	npk_info in;
	npk_reader_info(r, &in);
	CHECK(in.documents / in.clusters >= 20);
	read_all a = {r, 0, 0};
	CHECK_RC(npk_reader_list(r, read_each, &a, &err), NPK_OK, &err);
	CHECK_EQ_INT(a.docs, 600);
	CHECK_EQ_INT(a.bad, 0);
	CHECK(npk__reader_cluster_loads(r) <= 2 * in.clusters);
	npk_reader_free(r);
	npk_trust_free(trust);
	npk_seckey_free(sk);
	free_docs(d, 600);
}

/* Two archives whose paths interleave (even and odd documents), merged
 * (spec/format.md 15.16): every cluster is copied as stored, so the merged
 * file's extents jump between the two stretches, and a verify on one
 * thread still decodes each cluster about once (the clusters left by
 * jumps are kept); every document reads back byte for byte. */
DEFINE_TEST(test_archive_merge_interleaved_decodes_each_cluster_once)
{
	npk_error err = {0};
	npk_trust *trust = NULL;
	npk_seckey *sk = test_key(&trust);
	CHECK(sk != NULL);
	size_t n = 600;
	doc *d = make_docs(n, 2000);
	doc *half[2] = {calloc(n, sizeof(doc)), calloc(n, sizeof(doc))};
	size_t k[2] = {0, 0};
	for (size_t i = 0; i < n; i++)
		half[i % 2][k[i % 2]++] = d[i]; /* shallow: d owns the data */
	CHECK_RC(write_archive("s0.npk", half[0], k[0], 16384, sk, &err), NPK_OK, &err);
	CHECK_RC(write_archive("s1.npk", half[1], k[1], 16384, sk, &err), NPK_OK, &err);
	npk_merge_opts mo;
	memset(&mo, 0, sizeof mo);
	mo.create.timestamp = 1737676800;
	mo.create.force = 1;
	mo.trust = trust;
	const char *in[] = {"s0.npk", "s1.npk"};
	npk_merge_stats ms;
	CHECK_RC(npk_merge("m.npk", in, 2, &mo, sk, &ms, &err), NPK_OK, &err);
	CHECK_EQ_INT(ms.documents, n);
	CHECK(ms.clusters > 8);
	CHECK_EQ_INT(ms.clusters_copied, ms.clusters);
	CHECK_EQ_INT(ms.bytes_recompressed, 0);

	npk_reader *r = NULL;
	CHECK_RC(npk_reader_open("m.npk", trust, 0, &r, &err), NPK_OK, &err);
	npk_reader_set_threads(r, 1);
	npk_verify_stats st;
	CHECK_RC(npk_reader_verify(r, NULL, NULL, &st, &err), NPK_OK, &err);
	CHECK_EQ_INT(st.documents, n);
	CHECK_EQ_INT(st.documents_bad, 0);
	npk_info info;
	npk_reader_info(r, &info);
	CHECK(npk__reader_cluster_loads(r) <= info.clusters + 2);
	for (size_t i = 0; i < n; i += 37) {
		const npk_entry *e = NULL;
		CHECK_RC(npk_reader_find(r, d[i].path, &e, &err), NPK_OK, &err);
		collect c = {0};
		CHECK_RC(npk_reader_read(r, e, sink, &c, &err), NPK_OK, &err);
		CHECK_EQ_INT(c.len, d[i].len);
		CHECK(c.len == 0 || memcmp(c.p, d[i].data, c.len) == 0);
		free(c.p);
	}
	npk_reader_free(r);
	free(half[0]);
	free(half[1]);
	npk_trust_free(trust);
	npk_seckey_free(sk);
	free_docs(d, n);
}

/* npk_reader_set_meta(r, 0): walks and find hand entries without metadata,
 * every other field as before; 1 brings it back. */
DEFINE_TEST(test_archive_without_meta)
{
	npk_error err = {0};
	npk_trust *trust = NULL;
	npk_seckey *sk = test_key(&trust);
	CHECK(sk != NULL);
	doc *d = make_docs(300, 3000);
	CHECK_RC(write_archive("a.npk", d, 300, 8192, sk, &err), NPK_OK, &err);
	npk_reader *r = NULL;
	CHECK_RC(npk_reader_open("a.npk", trust, 0, &r, &err), NPK_OK, &err);
	npk_reader_set_meta(r, 0);
	paths_seen s = {d, 0, 0};
	CHECK_RC(npk_reader_list(r, no_meta_entry, &s, &err), NPK_OK, &err);
	CHECK_EQ_INT(s.n, 300);
	CHECK_EQ_INT(s.bad, 0);
	const npk_entry *e = NULL;
	CHECK_RC(npk_reader_find(r, d[123].path, &e, &err), NPK_OK, &err);
	CHECK(e->meta == NULL);
	collect c = {0};
	CHECK_RC(npk_reader_read(r, e, sink, &c, &err), NPK_OK, &err);
	CHECK_EQ_INT(c.len, d[123].len);
	CHECK(c.len == 0 || memcmp(c.p, d[123].data, c.len) == 0);
	free(c.p);
	npk_verify_stats st;
	CHECK_RC(npk_reader_verify(r, NULL, NULL, &st, &err), NPK_OK, &err);
	CHECK_EQ_INT(st.documents, 300);
	npk_reader_set_meta(r, 1);
	CHECK_RC(npk_reader_find(r, d[123].path, &e, &err), NPK_OK, &err);
	CHECK_STR(npk_meta_find(e->meta, "title"), "Document number 123 of the test set");
	npk_reader_free(r);
	npk_trust_free(trust);
	npk_seckey_free(sk);
	free_docs(d, 300);
}

DEFINE_TEST(test_archive_round_trip)
{
	npk_error err = {0};
	npk_trust *trust = NULL;
	npk_seckey *sk = test_key(&trust);
	CHECK(sk != NULL);
	size_t n = 2500;
	doc *d = make_docs(n, 6000);
	/* One large document spanning many small clusters. */
	free(d[10].data);
	d[10].len = 300000;
	d[10].data = malloc(d[10].len);
	for (size_t k = 0; k < d[10].len; k++)
		d[10].data[k] = (uint8_t)rng();
	CHECK_RC(write_archive("a.npk", d, n, 32768, sk, &err), NPK_OK, &err);

	npk_reader *r = NULL;
	CHECK_RC(npk_reader_open("a.npk", trust, 0, &r, &err), NPK_OK, &err);
	npk_info in;
	npk_reader_info(r, &in);
	CHECK_EQ_INT(in.documents, n);
	CHECK(in.trusted);
	CHECK(in.pages > 3);      /* the lookups below cross pages */
	CHECK(in.clusters > 20);
	size_t listed = 0;
	CHECK_RC(npk_reader_list(r, count_entry, &listed, &err), NPK_OK, &err);
	CHECK_EQ_INT(listed, n);
	for (size_t i = 0; i < n; i += (i < 20 ? 1 : 97)) {
		const npk_entry *e = NULL;
		CHECK_RC(npk_reader_find(r, d[i].path, &e, &err), NPK_OK, &err);
		CHECK_STR(e->path, d[i].path);
		CHECK_EQ_INT(e->ordinal, i);
		CHECK_STR(npk_meta_find(e->meta, "author"), "A. Writer");
		collect c = {0};
		CHECK_RC(npk_reader_read(r, e, sink, &c, &err), NPK_OK, &err);
		CHECK_EQ_INT(c.len, d[i].len);
		CHECK(c.len == 0 || memcmp(c.p, d[i].data, c.len) == 0);
		free(c.p);
	}
	const npk_entry *e = NULL;
	CHECK_RC(npk_reader_find(r, "dir000/doc-000000.tx", &e, &err), NPK_E_NOTFOUND, &err);
	CHECK_RC(npk_reader_find(r, "a", &e, &err), NPK_E_NOTFOUND, &err);
	CHECK_RC(npk_reader_find(r, "zzz", &e, &err), NPK_E_NOTFOUND, &err);
	npk_verify_stats st;
	CHECK_RC(npk_reader_verify(r, NULL, NULL, &st, &err), NPK_OK, &err);
	CHECK_EQ_INT(st.documents, n);
	CHECK_EQ_INT(st.documents_bad, 0);
	CHECK_EQ_INT(st.clusters, in.clusters);
	npk_reader_free(r);

	/* The same inputs, key and timestamp give the same bytes. */
	CHECK_RC(write_archive("b.npk", d, n, 32768, sk, &err), NPK_OK, &err);
	size_t la, lb;
	char *a = npk_test_read_file("a.npk", &la), *b = npk_test_read_file("b.npk", &lb);
	CHECK(la == lb && memcmp(a, b, la) == 0);
	free(a);
	free(b);
	free_docs(d, n);
	npk_trust_free(trust);
	npk_seckey_free(sk);
}

DEFINE_TEST(test_archive_writer_rules)
{
	npk_error err = {0};
	npk_seckey *sk = test_key(NULL);
	int fd = open("w.npk", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	npk_writer *w = NULL;
	CHECK_RC(npk_writer_new(fd, NULL, &w, &err), NPK_OK, &err);
	CHECK_RC(npk_writer_begin(w, "b.txt", "text/plain", NULL, 3, &err), NPK_OK, &err);
	CHECK_RC(npk_writer_data(w, "abcd", 4, &err), NPK_E_INPUT, &err);
	CHECK(strstr(err.msg, "grew") != NULL);
	CHECK_RC(npk_writer_data(w, "ab", 2, &err), NPK_OK, &err);
	CHECK_RC(npk_writer_end(w, &err), NPK_E_INPUT, &err);
	CHECK(strstr(err.msg, "shrank") != NULL);
	CHECK_RC(npk_writer_data(w, "c", 1, &err), NPK_OK, &err);
	CHECK_RC(npk_writer_end(w, &err), NPK_OK, &err);
	CHECK_RC(npk_writer_begin(w, "b.txt", "text/plain", NULL, 0, &err), NPK_E_INPUT, &err);
	CHECK_RC(npk_writer_begin(w, "a.txt", "text/plain", NULL, 0, &err), NPK_E_ARG, &err);
	CHECK_RC(npk_writer_begin(w, "../c", "text/plain", NULL, 0, &err), NPK_E_UNSAFE, &err);
	CHECK_RC(npk_writer_begin(w, "c", "text plain", NULL, 0, &err), NPK_E_INPUT, &err);
	CHECK_RC(npk_writer_finish(w, sk, &err), NPK_OK, &err);
	npk_writer_free(w);
	close(fd);
	npk_reader *r = NULL;
	CHECK_RC(npk_reader_open("w.npk", NULL, 0, &r, &err), NPK_E_UNTRUSTED, &err);
	CHECK_RC(npk_reader_open("w.npk", NULL, 1, &r, &err), NPK_OK, &err);
	CHECK_RC(npk_reader_verify(r, NULL, NULL, NULL, &err), NPK_OK, &err);
	npk_reader_free(r);
	npk_seckey_free(sk);
}

DEFINE_TEST(test_archive_paths)
{
	npk_error err;
	static const char *const good[] = {"a", "a/b", "é/ü.txt", "a b/c-d_e.f", "..a", "a..", ".x"};
	static const char *const bad[] = {"", "/a", "a/", "a//b", ".", "..", "a/../b", "a/./b",
	                                  "a\\b", "a\nb", "\xff", "\xc0\xaf", "\xed\xa0\x80"};
	for (size_t i = 0; i < sizeof good / sizeof *good; i++)
		CHECK_RC(npk_path_check(good[i], strlen(good[i]), &err), NPK_OK, &err);
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		CHECK(npk_path_check(bad[i], strlen(bad[i]), &err) != NPK_OK);
	char longp[5000];
	memset(longp, 'a', sizeof longp);
	CHECK_RC(npk_path_check(longp, 4097, &err), NPK_E_LIMIT, &err);
	CHECK_RC(npk_path_check(longp, 256, &err), NPK_E_LIMIT, &err);
	CHECK_RC(npk_path_check(longp, 255, &err), NPK_OK, &err);
}

/* One codec's bounds: round trip, bomb, short, truncated, trailing bytes. */
static void codec_bounds(unsigned want)
{
	npk_error err;
	uint8_t raw[4096], out[4097];
	for (size_t i = 0; i < sizeof raw; i++)
		raw[i] = (uint8_t)"newspack "[i % 9];
	uint8_t *z = NULL;
	size_t zlen;
	unsigned codec;
	npk_encoder *enc = npk__encoder_new(want, want == NPK_CODEC_ZSTD ? 3 : 6);
	npk_decoder *dec = npk__decoder_new();
	CHECK(enc != NULL && dec != NULL);
	CHECK_RC(npk__compress(enc, raw, sizeof raw, &codec, &z, &zlen, &err), NPK_OK, &err);
	CHECK_EQ_INT(codec, want);
	CHECK(zlen < sizeof raw);
	CHECK_RC(npk__decompress(dec, codec, z, zlen, out, sizeof raw, "t", &err), NPK_OK, &err);
	CHECK(memcmp(out, raw, sizeof raw) == 0);
	/* Declared smaller than the stream inflates to: a bomb, refused. */
	CHECK_RC(npk__decompress(dec, codec, z, zlen, out, 100, "t", &err), NPK_E_FORMAT, &err);
	/* Declared larger than the stream gives: refused too. */
	CHECK_RC(npk__decompress(dec, codec, z, zlen, out, sizeof raw + 1, "t", &err), NPK_E_FORMAT, &err);
	/* Truncated stream at every length. */
	for (size_t k = 0; k < zlen; k++)
		CHECK(npk__decompress(dec, codec, z, k, out, sizeof raw, "t", &err) == NPK_E_FORMAT);
	/* Trailing bytes after the stream. */
	uint8_t *z2 = malloc(zlen + 1);
	memcpy(z2, z, zlen);
	z2[zlen] = 0;
	CHECK_RC(npk__decompress(dec, codec, z2, zlen + 1, out, sizeof raw, "t", &err), NPK_E_FORMAT, &err);
	CHECK(strstr(err.msg, "trailing") != NULL);
	CHECK_RC(npk__decompress(dec, 7, z, zlen, out, sizeof raw, "t", &err), NPK_E_VERSION, &err);
	CHECK_RC(npk__decompress(dec, NPK_CODEC_STORED, raw, 10, out, 11, "t", &err), NPK_E_FORMAT, &err);
	/* Incompressible data is stored. */
	for (size_t i = 0; i < sizeof raw; i++)
		raw[i] = (uint8_t)rng();
	free(z);
	CHECK_RC(npk__compress(enc, raw, sizeof raw, &codec, &z, &zlen, &err), NPK_OK, &err);
	CHECK_EQ_INT(codec, NPK_CODEC_STORED);
	CHECK_EQ_INT(zlen, sizeof raw);
	free(z2);
	free(z);
	npk__encoder_free(enc);
	npk__decoder_free(dec);
}

DEFINE_TEST(test_archive_codec_zlib)
{
	codec_bounds(NPK_CODEC_ZLIB);
	/* A preset dictionary (FDICT) is refused (4.3). */
	npk_error err;
	uint8_t out[16];
	const uint8_t fdict[] = {0x78, 0xbb, 0, 0, 0, 0, 0x03, 0x00};
	npk_decoder *dec = npk__decoder_new();
	CHECK_RC(npk__decompress(dec, NPK_CODEC_ZLIB, fdict, sizeof fdict, out, 1, "t", &err),
	         NPK_E_FORMAT, &err);
	npk__decoder_free(dec);
}

/* zlib streams using what RFC 1951 reserves, each with the Adler-32 of what
 * a reader that reads the reserved code as libdeflate does would produce:
 * every build refuses them (spec/format.md 4.3), whichever library inflates.
 * Each holds one final block; the literals A and B have 2-bit codes, the
 * end of block and one length symbol too, distance 0 a 1-bit code. */
static const uint8_t hlit31[] = { /* 288 literal/length code lengths (HLIT 31) */
	0x78, 0x9c, 0xfd, 0xe0, 0x01, 0x04, 0x00, 0x00, 0x00, 0x80, 0x20, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x78, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0xf0, 0x00, 0x00, 0x00, 0x40, 0xb8, 0x00, 0x03, 0xde, 0x01, 0x4a};
static const uint8_t hdist30[] = { /* 31 distance code lengths (HDIST 30) */
	0x78, 0x9c, 0xed, 0xfe, 0x01, 0x04, 0x00, 0x00, 0x00, 0x80, 0x20, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x78, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0xf0, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x80, 0x0b, 0x03, 0xde, 0x01, 0x4a};
static const uint8_t sym286[] = { /* HLIT 30, and length symbol 286 used */
	0x78, 0x9c, 0xf5, 0xe0, 0x01, 0x04, 0x00, 0x00, 0x00, 0x80, 0x20, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x78, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x30, 0x00, 0x00, 0x00, 0x38, 0x5c, 0x2d, 0x92, 0x43, 0x08};

static uint32_t npk_test_adler32(const uint8_t *p, size_t n)
{
	uint32_t a = 1, b = 0;
	for (size_t i = 0; i < n; i++) {
		a = (a + p[i]) % 65521;
		b = (b + a) % 65521;
	}
	return b << 16 | a;
}

/* Bits written least significant first (RFC 1951 3.1.1). */
typedef struct bitw {
	uint8_t *out;
	size_t n, cap;
	uint64_t acc;
	unsigned nacc;
} bitw;

static void put_bits(bitw *w, unsigned v, unsigned bits)
{
	w->acc |= (uint64_t)v << w->nacc;
	w->nacc += bits;
	while (w->nacc >= 8 && w->n < w->cap) {
		w->out[w->n++] = (uint8_t)w->acc;
		w->acc >>= 8;
		w->nacc -= 8;
	}
}

/* A Huffman code, whose bits go most significant first. */
static void put_code(bitw *w, unsigned v, unsigned bits)
{
	unsigned r = 0;
	for (unsigned i = 0; i < bits; i++)
		r |= ((v >> i) & 1u) << (bits - 1 - i);
	put_bits(w, r, bits);
}

/* A zlib stream of one fixed-Huffman block: "ABCDEFGH" x 8, then length
 * symbol `len` (286 and 287 are reserved; read here as libdeflate reads
 * them, 258), distance 1, end of block; text gets what it decodes to. */
static size_t fixed_block(unsigned len, uint8_t *out, size_t cap, uint8_t *text, size_t *tlen)
{
	bitw w = {out, 0, cap, 0, 0};
	put_bits(&w, 0x78, 8);
	put_bits(&w, 0x9c, 8);
	put_bits(&w, 3, 3); /* BFINAL 1, BTYPE 01 */
	*tlen = 0;
	for (int k = 0; k < 64; k++) {
		uint8_t c = (uint8_t)"ABCDEFGH"[k % 8];
		put_code(&w, 0x30u + c, 8);
		text[(*tlen)++] = c;
	}
	if (len < 280)
		put_code(&w, len - 256, 7);
	else
		put_code(&w, 0xC0u + len - 280, 8);
	put_code(&w, 0, 5); /* distance 1 */
	size_t copy = len >= 285 ? 258 : 3 + (len - 257);
	memset(text + *tlen, 'H', copy);
	*tlen += copy;
	put_code(&w, 0, 7); /* end of block */
	put_bits(&w, 0, (8 - w.nacc % 8) % 8);
	uint32_t a = npk_test_adler32(text, *tlen);
	for (int k = 3; k >= 0; k--)
		put_bits(&w, (a >> (8 * k)) & 0xff, 8);
	return w.n;
}

DEFINE_TEST(test_archive_codec_zlib_reserved)
{
	npk_error err;
	uint8_t z[128], text[400], out[400];
	size_t tlen;
	npk_decoder *dec = npk__decoder_new();
	/* the same block with length symbol 285 (258 bytes) is good */
	size_t zlen = fixed_block(285, z, sizeof z, text, &tlen);
	CHECK_RC(npk__decompress(dec, NPK_CODEC_ZLIB, z, zlen, out, tlen, "t", &err), NPK_OK, &err);
	CHECK(memcmp(out, text, tlen) == 0);
	for (unsigned len = 286; len <= 287; len++) {
		zlen = fixed_block(len, z, sizeof z, text, &tlen);
		CHECK_RC(npk__decompress(dec, NPK_CODEC_ZLIB, z, zlen, out, tlen, "t", &err),
		         NPK_E_FORMAT, &err);
		CHECK(strstr(err.msg, "t: corrupt") == err.msg);
	}
	const struct { const uint8_t *z; size_t len, raw; } bad[] = {
		{hlit31, sizeof hlit31, 5}, {hdist30, sizeof hdist30, 5}, {sym286, sizeof sym286, 260}};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		CHECK_RC(npk__decompress(dec, NPK_CODEC_ZLIB, bad[i].z, bad[i].len, out, bad[i].raw,
		                         "t", &err), NPK_E_FORMAT, &err);
		CHECK(strstr(err.msg, "t: corrupt") == err.msg);
	}
	npk__decoder_free(dec);
}

/* Streams zlib makes in every level and strategy, stored blocks, fixed and
 * dynamic codes, long and short matches, are all read (no false alarm). */
DEFINE_TEST(test_archive_codec_zlib_any_encoder)
{
	static const int strategies[] = {Z_DEFAULT_STRATEGY, Z_FILTERED, Z_HUFFMAN_ONLY, Z_RLE,
	                                 Z_FIXED};
	size_t cap = 120000;
	uint8_t *raw = malloc(cap), *z = malloc(cap + 1024), *out = malloc(cap);
	CHECK(raw && z && out);
	npk_decoder *dec = npk__decoder_new();
	npk_error err;
	for (size_t size = 1; size <= cap; size = size * 9 + 3) {
		for (size_t k = 0; k < size; k++) /* text, runs and noise */
			raw[k] = k % 5000 < 3000 ? (uint8_t)"the story of the day, "[k % 22]
			       : k % 5000 < 3500 ? 'x' : (uint8_t)rng();
		for (int level = 0; level <= 9; level++)
			for (size_t st = 0; st < sizeof strategies / sizeof strategies[0]; st++) {
				z_stream zs;
				memset(&zs, 0, sizeof zs);
				CHECK(deflateInit2(&zs, level, Z_DEFLATED, 15, 8, strategies[st]) == Z_OK);
				zs.next_in = raw;
				zs.avail_in = (uInt)size;
				zs.next_out = z;
				zs.avail_out = (uInt)(cap + 1024);
				CHECK(deflate(&zs, Z_FINISH) == Z_STREAM_END);
				size_t zlen = zs.total_out;
				deflateEnd(&zs);
				CHECK_RC(npk__decompress(dec, NPK_CODEC_ZLIB, z, zlen, out, size, "t", &err),
				         NPK_OK, &err);
				CHECK(memcmp(out, raw, size) == 0);
			}
	}
	npk__decoder_free(dec);
	free(raw);
	free(z);
	free(out);
}

DEFINE_TEST(test_archive_codec_zstd)
{
	codec_bounds(NPK_CODEC_ZSTD);
}

/* Opens (trusted) and fully verifies; returns the first failing code. */
static int open_verify(const char *path, const npk_trust *t)
{
	npk_error err;
	npk_reader *r = NULL;
	int rc = npk_reader_open(path, t, 0, &r, &err);
	if (rc == NPK_OK) {
		rc = npk_reader_verify(r, NULL, NULL, NULL, &err);
		npk_reader_free(r);
	}
	return rc;
}

DEFINE_TEST(test_archive_every_byte_flip)
{
	npk_error err = {0};
	npk_trust *trust = NULL;
	npk_seckey *sk = test_key(&trust);
	doc *d = make_docs(40, 700);
	/* Small pages are not settable, so use small clusters for several. */
	CHECK_RC(write_archive("f.npk", d, 40, 4096, sk, &err), NPK_OK, &err);
	size_t len;
	char *orig = npk_test_read_file("f.npk", &len);
	CHECK(orig != NULL);
	CHECK_RC(open_verify("f.npk", trust), NPK_OK, &err);
	size_t undetected = 0;
	for (size_t off = 0; off < len; off++) {
		orig[off] ^= 0x20;
		npk_test_write_file("g.npk", orig, len);
		orig[off] ^= 0x20;
		if (open_verify("g.npk", trust) == NPK_OK) {
			fprintf(stderr, "  flip at offset %zu not detected\n", off);
			undetected++;
		}
	}
	CHECK_EQ_INT(undetected, 0);
	/* Truncation at every length, and one byte appended. */
	for (size_t k = 0; k < len; k++) {
		npk_test_write_file("g.npk", orig, k);
		CHECK(open_verify("g.npk", trust) != NPK_OK);
	}
	char *more = malloc(len + 1);
	memcpy(more, orig, len);
	more[len] = 0;
	npk_test_write_file("g.npk", more, len + 1);
	CHECK(open_verify("g.npk", trust) == NPK_E_FORMAT);
	free(more);
	free(orig);
	free_docs(d, 40);
	npk_trust_free(trust);
	npk_seckey_free(sk);
}

/* verify names every damaged document, not only the first. */
typedef struct problems {
	size_t docs, clusters;
} problems;

static void on_problem(const npk_problem *p, void *ctx)
{
	problems *pr = ctx;
	if (strcmp(p->object, "document") == 0)
		pr->docs++;
	if (strcmp(p->object, "cluster") == 0)
		pr->clusters++;
}

DEFINE_TEST(test_archive_verify_names_every_damaged_document)
{
	npk_error err = {0};
	npk_trust *trust = NULL;
	npk_seckey *sk = test_key(&trust);
	doc *d = make_docs(200, 3000);
	CHECK_RC(write_archive("v.npk", d, 200, 16384, sk, &err), NPK_OK, &err);
	npk_reader *r = NULL;
	CHECK_RC(npk_reader_open("v.npk", trust, 0, &r, &err), NPK_OK, &err);
	npk_info in;
	npk_reader_info(r, &in);
	npk_reader_free(r);
	CHECK(in.clusters >= 4);
	/* Damage clusters 0 and 2, found through the cluster table. */
	size_t len;
	uint8_t *b = (uint8_t *)npk_test_read_file("v.npk", &len);
	uint64_t mf = npk__ld64(b + len - 32);
	uint64_t ct = npk__ld64(b + mf + 56) + npk__ld32(b + mf + 64);
	b[npk__ld64(b + ct) + 30] ^= 1;
	b[npk__ld64(b + ct + 2 * 48) + 30] ^= 1;
	npk_test_write_file("v2.npk", b, len);
	free(b);
	/* The same findings with read-ahead threads and without. */
	size_t first_docs = 0;
	for (int threads = 1; threads <= 3; threads++) {
		CHECK_RC(npk_reader_open("v2.npk", trust, 0, &r, &err), NPK_OK, &err);
		npk_reader_set_threads(r, threads);
		problems pr = {0, 0};
		npk_verify_stats st;
		CHECK_RC(npk_reader_verify(r, on_problem, &pr, &st, &err), NPK_E_DIGEST, &err);
		npk_reader_free(r);
		CHECK_EQ_INT(pr.clusters, 2);
		CHECK_EQ_INT(st.clusters_bad, 2);
		CHECK_EQ_INT(st.clusters, in.clusters);
		CHECK(pr.docs >= 2);
		CHECK_EQ_INT(pr.docs, st.documents_bad);
		CHECK(st.documents_bad < st.documents);
		if (threads == 1)
			first_docs = pr.docs;
		CHECK_EQ_INT(pr.docs, first_docs);
	}
	free_docs(d, 200);
	npk_trust_free(trust);
	npk_seckey_free(sk);
}

static int first_stored(const npk_entry *e, void *ctx)
{
	npk_entry *out = ctx;
	if (e->size == 0 || out->path != NULL)
		return 0;
	*out = *e;
	out->path = strdup(e->path);
	return 0;
}

DEFINE_TEST(test_archive_load_error_keeps_bare_message)
{
	npk_error err = {0};
	npk_trust *trust = NULL;
	npk_seckey *sk = test_key(&trust);
	doc *d = make_docs(50, 3000);
	CHECK_RC(write_archive("b.npk", d, 50, 16384, sk, &err), NPK_OK, &err);
	free_docs(d, 50);
	npk_seckey_free(sk);
	/* A byte of cluster 0's payload changed: its digest no longer matches. */
	size_t len;
	uint8_t *b = (uint8_t *)npk_test_read_file("b.npk", &len);
	uint64_t mf = npk__ld64(b + len - 32);
	uint64_t ct = npk__ld64(b + mf + 56) + npk__ld32(b + mf + 64);
	uint64_t off = npk__ld64(b + ct);
	uint32_t olen = npk__ld32(b + ct + 8);
	b[off + 30] ^= 1;
	npk_test_write_file("b.npk", b, len);
	free(b);
	npk_reader *r = NULL;
	CHECK_RC(npk_reader_open("b.npk", trust, 0, &r, &err), NPK_OK, &err);
	npk_trust_free(trust);
	npk_entry e = {0};
	CHECK_RC(npk_reader_list(r, first_stored, &e, &err), NPK_OK, &err);
	CHECK(e.path != NULL && e.cluster == 0);
	int rc = npk_reader_read(r, &e, NULL, NULL, &err);
	free((char *)(uintptr_t)e.path);
	npk_reader_free(r);
	CHECK_EQ_INT(rc, NPK_E_DIGEST);
	char want[128];
	snprintf(want, sizeof want, "b.npk: cluster 0 (offset %llu, %u bytes): digest mismatch",
	         (unsigned long long)off, olen);
	CHECK_STR(err.msg, want);
	/* The context is the caller's to show or not: the bare message is kept. */
	CHECK_STR(npk__bare(&err, NULL), "digest mismatch");
}

typedef struct stored_in {
	uint32_t cluster;
	uint8_t *in;              /* per ordinal: 1 when the document has a byte in cluster */
	uint64_t count;           /* how many do */
	const uint32_t *raw;      /* raw size of each cluster */
} stored_in;

/* Marks the documents with a byte in si->cluster. */
static int find_stored_in(const npk_entry *e, void *ctx)
{
	stored_in *si = ctx;
	if (e->size == 0)
		return 0;
	uint64_t end = e->offset + e->size; /* bytes from the start of e->cluster */
	uint32_t c = e->cluster;
	while (c < si->cluster && end > si->raw[c])
		end -= si->raw[c++];
	if (c >= si->cluster && e->cluster <= si->cluster) {
		si->in[e->ordinal] = 1;
		si->count++;
	}
	return 0;
}

/* What extract reported as damaged (npk_extract_opts.damaged). */
typedef struct damage_seen {
	uint64_t clusters, documents, other;
	int64_t cluster;          /* the last cluster named */
	uint8_t *named;           /* per ordinal: named as a damaged document */
} damage_seen;

static void on_damaged(const npk_problem *p, void *ctx)
{
	damage_seen *ds = ctx;
	if (strcmp(p->object, "cluster") == 0) {
		ds->clusters++;
		ds->cluster = (int64_t)p->number;
	} else if (strcmp(p->object, "document") == 0 && p->path != NULL) {
		ds->documents++;
		ds->named[p->number] = 1;
	} else
		ds->other++;
}

/* No name under dir starts with ".npk-extract-". */
static int no_temp_left(const char *dir)
{
	char cmd[512];
	snprintf(cmd, sizeof cmd, "test -z \"$(find '%s' -name '.npk-extract-*')\"", dir);
	return system(cmd) == 0;
}

DEFINE_TEST(test_archive_extract_threads_and_damage)
{
	npk_error err = {0};
	npk_trust *trust = NULL;
	npk_seckey *sk = test_key(&trust);
	const size_t n = 300;
	doc *d = make_docs(n, 6000);
	d[17].len = 200000; /* one document across several clusters */
	d[17].data = realloc(d[17].data, d[17].len);
	for (size_t k = 0; k < d[17].len; k++)
		d[17].data[k] = (uint8_t)rng();
	CHECK_RC(write_archive("x.npk", d, n, 16384, sk, &err), NPK_OK, &err);

	/* Every thread count writes the same files, byte for byte. */
	for (int threads = 1; threads <= 3; threads++) {
		char dir[32];
		snprintf(dir, sizeof dir, "out%d", threads);
		CHECK(mkdir(dir, 0755) == 0);
		npk_reader *r = NULL;
		CHECK_RC(npk_reader_open("x.npk", trust, 0, &r, &err), NPK_OK, &err);
		npk_reader_set_threads(r, threads);
		uint64_t written = 0;
		CHECK_RC(npk_extract(r, dir, NULL, 0, NULL, &written, &err), NPK_OK, &err);
		npk_reader_free(r);
		CHECK_EQ_INT(written, n);
		for (size_t i = 0; i < n; i++) {
			char path[128];
			snprintf(path, sizeof path, "%s/%s", dir, d[i].path);
			size_t len = 0;
			char *got = npk_test_read_file(path, &len);
			CHECK(got != NULL);
			CHECK_EQ_INT(len, d[i].len);
			CHECK(len == 0 || memcmp(got, d[i].data, len) == 0);
			free(got);
		}
		CHECK(no_temp_left(dir));
	}

	/* Damage cluster 3: extract goes on past it (spec/format.md 11,
	 * on_damage = CONTINUE): every document with no byte in cluster 3 is
	 * written, none with one has its name, each is named once through the
	 * callback after the cluster, and nothing temporary is left. */
	size_t len;
	uint8_t *b = (uint8_t *)npk_test_read_file("x.npk", &len);
	uint64_t mf = npk__ld64(b + len - 32);
	uint64_t ct = npk__ld64(b + mf + 56) + npk__ld32(b + mf + 64);
	uint32_t nclusters = npk__ld32(b + mf + 48);
	CHECK(nclusters > 8);
	uint32_t *raw = calloc(nclusters, sizeof *raw);
	for (uint32_t i = 0; i < nclusters; i++)
		raw[i] = npk__ld32(b + ct + 48 * i + 12);
	b[npk__ld64(b + ct + 3 * 48) + 40] ^= 0x10;
	npk_test_write_file("x2.npk", b, len);
	free(b);
	for (int threads = 1; threads <= 2; threads++) {
		char dir[32];
		snprintf(dir, sizeof dir, "bad%d", threads);
		CHECK(mkdir(dir, 0755) == 0);
		npk_reader *r = NULL;
		CHECK_RC(npk_reader_open("x2.npk", trust, 0, &r, &err), NPK_OK, &err);
		npk_reader_set_threads(r, threads);
		stored_in si = {3, calloc(n, 1), 0, raw};
		CHECK_RC(npk_reader_list(r, find_stored_in, &si, &err), NPK_OK, &err);
		CHECK(si.count > 0 && si.count < n);
		damage_seen ds = {0, 0, 0, -1, calloc(n, 1)};
		npk_extract_opts o;
		memset(&o, 0, sizeof o);
		o.damaged = on_damaged;
		o.ctx = &ds;
		uint64_t written = 0;
		CHECK_RC(npk_extract(r, dir, NULL, 0, &o, &written, &err), NPK_E_DIGEST, &err);
		char want[128];
		snprintf(want, sizeof want, "x2.npk: %llu of %zu documents damaged, not written",
		         (unsigned long long)si.count, n);
		CHECK_STR(err.msg, want);
		npk_reader_free(r);
		CHECK_EQ_INT(written, n - si.count);
		CHECK_EQ_INT(ds.clusters, 1);
		CHECK_EQ_INT(ds.cluster, 3);
		CHECK_EQ_INT(ds.documents, si.count);
		CHECK_EQ_INT(ds.other, 0);
		for (size_t i = 0; i < n; i++) {
			char path[128];
			struct stat st;
			snprintf(path, sizeof path, "%s/%s", dir, d[i].path);
			CHECK_EQ_INT(stat(path, &st) == 0, !si.in[i]);
			CHECK_EQ_INT(ds.named[i], si.in[i]);
			size_t got_len = 0;
			char *got = si.in[i] ? NULL : npk_test_read_file(path, &got_len);
			CHECK(si.in[i] || (got != NULL && got_len == d[i].len &&
			                   (got_len == 0 || memcmp(got, d[i].data, got_len) == 0)));
			free(got);
		}
		free(si.in);
		free(ds.named);
		CHECK(no_temp_left(dir));
	}
	free(raw);
	free_docs(d, n);
	npk_trust_free(trust);
	npk_seckey_free(sk);
}

DEFINE_TEST(test_archive_trust)
{
	npk_error err = {0};
	npk_trust *mine = NULL, *theirs = NULL;
	npk_seckey *sk = test_key(&mine);
	npk_seckey *other = test_key(&theirs);
	doc *d = make_docs(5, 100);
	CHECK_RC(write_archive("t.npk", d, 5, 0, sk, &err), NPK_OK, &err);
	npk_reader *r = NULL;
	/* Signed by a key the reader does not trust: valid, but untrusted. */
	CHECK_RC(npk_reader_open("t.npk", theirs, 0, &r, &err), NPK_E_UNTRUSTED, &err);
	CHECK(strstr(err.msg, "not trusted") != NULL);
	char msg[sizeof err.msg];
	memcpy(msg, err.msg, sizeof msg);
	CHECK_RC(npk_reader_open("t.npk", theirs, 1, &r, &err), NPK_OK, &err);
	npk_info in;
	npk_reader_info(r, &in);
	CHECK(!in.trusted);
	/* the key id is only claimed: the message names the key by its
	 * fingerprint too (spec/keys.md 4.1) */
	char fp[NPK_FINGERPRINT_LEN];
	npk_fingerprint_format(in.signer, fp);
	CHECK(strstr(msg, "claiming to be key") != NULL);
	CHECK(strstr(msg, fp) != NULL);
	npk_reader_free(r);
	/* Swap the signer's public key in the manifest for another: a forgery. */
	size_t len;
	char *b = npk_test_read_file("t.npk", &len);
	uint64_t mf = npk__ld64((uint8_t *)b + len - 32);
	uint64_t sig = mf + npk__ld32((uint8_t *)b + len - 24);
	npk_pubkey *opk = npk_seckey_pubkey(other);
	memcpy(b + mf + 176, npk_pubkey_bytes(opk), 32);
	npk_test_write_file("t2.npk", b, len);
	CHECK_RC(npk_reader_open("t2.npk", NULL, 1, &r, &err), NPK_E_SIGNATURE, &err);
	/* Claim the other key's id too, in both places: still a forgery. */
	memcpy(b + mf + 168, npk_pubkey_id(opk), 8);
	memcpy(b + sig + 2, npk_pubkey_id(opk), 8);
	npk_test_write_file("t3.npk", b, len);
	CHECK_RC(npk_reader_open("t3.npk", theirs, 1, &r, &err), NPK_E_SIGNATURE, &err);
	/* Only the signature block's key id changed: it must match the manifest. */
	free(b);
	b = npk_test_read_file("t.npk", &len);
	b[sig + 2] ^= 1;
	npk_test_write_file("t4.npk", b, len);
	CHECK_RC(npk_reader_open("t4.npk", NULL, 1, &r, &err), NPK_E_FORMAT, &err);
	npk_pubkey_free(opk);
	free(b);
	free_docs(d, 5);
	npk_trust_free(mine);
	npk_trust_free(theirs);
	npk_seckey_free(sk);
	npk_seckey_free(other);
}

DEFINE_TEST(test_archive_cursor)
{
	uint8_t b[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
	npk_cur c;
	npk__cur_init(&c, b, sizeof b);
	CHECK_EQ_INT(npk__cur_u16(&c), 0x0201);
	CHECK_EQ_INT(npk__cur_u64(&c), 0x0a09080706050403ull);
	CHECK(!c.bad);
	CHECK_EQ_INT(npk__cur_u8(&c), 0);
	CHECK(c.bad);
	CHECK(npk__cur_take(&c, 0) == NULL); /* once bad, always bad */
	npk__cur_init(&c, b, sizeof b);
	CHECK(npk__cur_take(&c, SIZE_MAX) == NULL);
	uint64_t r;
	CHECK(!npk__add64(UINT64_MAX, 1, &r));
	CHECK(npk__add64(UINT64_MAX - 1, 1, &r) && r == UINT64_MAX);
	CHECK(!npk__mul64(1ull << 32, 1ull << 32, &r));
	CHECK(npk__mul64(1ull << 31, 1ull << 32, &r) && r == 1ull << 63);
}

/* The entries stored whole in cluster 0: the first and the last. */
typedef struct in_first {
	npk_entry a, b;
	uint32_t raw0;
} in_first;

static int whole_in_first(const npk_entry *e, void *ctx)
{
	in_first *f = ctx;
	if (e->size == 0 || e->cluster != 0 || e->offset + e->size > f->raw0)
		return 0;
	npk_entry *to = f->a.path == NULL ? &f->a : &f->b;
	if (to == &f->b && f->b.path != NULL && e->offset < f->b.offset)
		return 0;
	free((char *)(uintptr_t)to->path);
	*to = *e;
	to->path = strdup(e->path);
	return 0;
}

/* npk_reader_share_checks: readers of one archive share which clusters
 * matched their digests; a document read later from such a cluster is
 * checked against its own digest only, so that a cluster changed after it
 * was proven still gives out nothing of a changed document. */
DEFINE_TEST(test_archive_shared_checks)
{
	npk_error err = {0};
	npk_trust *trust = NULL;
	npk_seckey *sk = test_key(&trust);
	/* random bytes: deflate stores them as they are, so that a byte of a
	 * document can be found in the file and changed */
	doc *d = make_docs(60, 3000);
	for (size_t i = 0; i < 60; i++)
		for (size_t k = 4; k < d[i].len; k++)
			d[i].data[k] = (uint8_t)rng();
	CHECK_RC(write_archive("s.npk", d, 60, 16384, sk, &err), NPK_OK, &err);
	doc *o = make_docs(60, 3000);
	CHECK_RC(write_archive("o.npk", o, 60, 16384, sk, &err), NPK_OK, &err);
	free_docs(o, 60);
	npk_seckey_free(sk);
	npk_reader *r1 = NULL, *r2 = NULL, *r3 = NULL, *r4 = NULL, *ro = NULL;
	CHECK_RC(npk_reader_open("s.npk", trust, 0, &r1, &err), NPK_OK, &err);
	CHECK_RC(npk_reader_open("s.npk", trust, 0, &r2, &err), NPK_OK, &err);
	CHECK_RC(npk_reader_open("s.npk", trust, 0, &r3, &err), NPK_OK, &err);
	CHECK_RC(npk_reader_open("s.npk", trust, 0, &r4, &err), NPK_OK, &err);
	CHECK_RC(npk_reader_open("o.npk", trust, 0, &ro, &err), NPK_OK, &err);
	npk_trust_free(trust);
	CHECK_RC(npk_reader_share_checks(r1, r1, &err), NPK_OK, &err);
	CHECK_RC(npk_reader_share_checks(r2, r1, &err), NPK_OK, &err);
	CHECK_RC(npk_reader_share_checks(r4, r2, &err), NPK_OK, &err);
	/* another archive's reader is refused, by its cluster table */
	CHECK_RC(npk_reader_share_checks(ro, r1, &err), NPK_E_ARG, &err);
	npk_reader_free(ro);
	npk_reader_set_random(r1, 1);
	npk_reader_set_random(r2, 1);
	npk_reader_set_random(r3, 1);
	npk_reader_set_random(r4, 1);

	size_t len;
	uint8_t *b = (uint8_t *)npk_test_read_file("s.npk", &len);
	uint64_t mf = npk__ld64(b + len - 32);
	uint64_t ct = npk__ld64(b + mf + 56) + npk__ld32(b + mf + 64);
	uint64_t off = npk__ld64(b + ct);
	uint32_t olen = npk__ld32(b + ct + 8);
	in_first f = {.raw0 = npk__ld32(b + off + 12)};
	CHECK_RC(npk_reader_list(r1, whole_in_first, &f, &err), NPK_OK, &err);
	CHECK(f.a.path != NULL && f.b.path != NULL && f.a.offset < f.b.offset);
	/* r1 proves cluster 0; r2 reads the last document of it right */
	collect c = {0};
	CHECK_RC(npk_reader_read(r1, &f.a, sink, &c, &err), NPK_OK, &err);
	CHECK(c.len == f.a.size);
	c.len = 0;
	CHECK_RC(npk_reader_read(r2, &f.b, sink, &c, &err), NPK_OK, &err);
	CHECK(c.len == f.b.size && memcmp(c.p, d[f.b.ordinal].data, c.len) == 0);

	/* then the file changes under them: a byte of the last document's,
	 * stored as it is in cluster 0's deflate data */
	CHECK(f.b.size >= 40);
	uint64_t at = 0;
	for (uint64_t k = off; at == 0 && k + 32 <= off + olen; k++)
		if (memcmp(b + k, d[f.b.ordinal].data + 8, 32) == 0)
			at = k;
	CHECK(at != 0);
	b[at + 16] ^= 0x10;
	CHECK(npk_test_write_file("s.npk", b, len) == 0);
	free(b);
	/* a reader without the record: the cluster's digest */
	c.len = 0;
	CHECK_RC(npk_reader_read(r3, &f.b, sink, &c, &err), NPK_E_DIGEST, &err);
	CHECK(strstr(err.msg, "cluster 0 (offset") != NULL);
	CHECK(c.len == 0);
	/* r2 reads cluster 0 as it decoded it before (right bytes); r4, which
	 * shares the record and has not read, skips the cluster's hash, and the
	 * document's own check (or the stream's) still gives out nothing */
	c.len = 0;
	CHECK_RC(npk_reader_read(r2, &f.b, sink, &c, &err), NPK_OK, &err);
	CHECK(c.len == f.b.size && memcmp(c.p, d[f.b.ordinal].data, c.len) == 0);
	npk_reader_free(r1);          /* the record outlives the reader that made it */
	npk_reader_free(r2);
	err = (npk_error){0};
	c.len = 0;
	int rc = npk_reader_read(r4, &f.b, sink, &c, &err);
	CHECK(rc == NPK_E_DIGEST || rc == NPK_E_FORMAT);
	CHECK(strstr(err.msg, "cluster 0 (offset") == NULL);
	CHECK(c.len == 0);
	free(c.p);
	free((char *)(uintptr_t)f.a.path);
	free((char *)(uintptr_t)f.b.path);
	npk_reader_free(r3);
	npk_reader_free(r4);
	free_docs(d, 60);
}

/* A search leaves its index open with the reader (spec/search.md 10.1):
 * the same query again on that reader reads none of the index's pages
 * again. Shown by the file changing under it: every byte of the postings
 * section zeroed after the first search; a fresh reader is refused at the
 * first page it reads, the reader that searched before answers as before. */
DEFINE_TEST(test_archive_search_kept)
{
	npk_error err = {0};
	npk_trust *trust = NULL;
	npk_seckey *sk = test_key(&trust);
	static const char *words[] = {"harbour", "council", "budget", "river", "school", "bridge"};
	int fd = open("k.npk", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	npk_create_opts o;
	memset(&o, 0, sizeof o);
	o.timestamp = 1737676800;
	o.search_index = 1;
	npk_writer *w = NULL;
	CHECK_RC(npk_writer_new(fd, &o, &w, &err), NPK_OK, &err);
	for (size_t i = 0; i < 40; i++) {
		char path[32], text[256];
		snprintf(path, sizeof path, "d%02zu.txt", i);
		snprintf(text, sizeof text, "The %s and the %s of town %zu.\n", words[i % 6],
		         words[(i / 6) % 6], i);
		npk_meta *m = npk_meta_new();
		CHECK_RC(npk_meta_add(m, "title", path, &err), NPK_OK, &err);
		CHECK_RC(npk_writer_begin(w, path, "text/plain", m, strlen(text), &err), NPK_OK, &err);
		CHECK_RC(npk_writer_data(w, text, strlen(text), &err), NPK_OK, &err);
		CHECK_RC(npk_writer_end(w, &err), NPK_OK, &err);
		npk_meta_free(m);
	}
	CHECK_RC(npk_writer_finish(w, sk, &err), NPK_OK, &err);
	npk_writer_free(w);
	close(fd);
	npk_seckey_free(sk);

	npk_reader *r1 = NULL, *r2 = NULL;
	CHECK_RC(npk_reader_open("k.npk", trust, 0, &r1, &err), NPK_OK, &err);
	CHECK_RC(npk_reader_open("k.npk", trust, 0, &r2, &err), NPK_OK, &err);
	npk_trust_free(trust);
	npk_search_result a = {0}, b = {0};
	CHECK_RC(npk_search(&r1, 1, "river", NULL, &a, &err), NPK_OK, &err);
	CHECK(a.matched == 12 && a.nhits == 10); /* towns 3, 9, ..., 39 and 18 to 23 */

	const npk_section *post;
	CHECK(npk__reader_sections(r1, 11, &post) == 1);
	size_t len;
	uint8_t *bytes = (uint8_t *)npk_test_read_file("k.npk", &len);
	CHECK(bytes != NULL && post->off + post->len <= len);
	memset(bytes + post->off, 0, post->len);
	CHECK(npk_test_write_file("k.npk", bytes, len) == 0);
	free(bytes);

	CHECK_RC(npk_search(&r2, 1, "river", NULL, &b, &err), NPK_E_DIGEST, &err);
	CHECK(strstr(err.msg, "search index") != NULL);
	CHECK(b.nhits == 0);
	err = (npk_error){0};
	CHECK_RC(npk_search(&r1, 1, "river", NULL, &b, &err), NPK_OK, &err);
	CHECK(b.matched == a.matched && b.nhits == a.nhits);
	for (size_t i = 0; i < a.nhits && i < b.nhits; i++)
		CHECK(strcmp(a.hits[i].path, b.hits[i].path) == 0 &&
		      strcmp(a.hits[i].snippet, b.hits[i].snippet) == 0);
	npk_search_result_free(&a);
	npk_search_result_free(&b);
	npk_reader_free(r1);
	npk_reader_free(r2);
}
