/* test_append.c - npk_append (spec/format.md 15.15): a base of 600
 * documents and two editions. Each edition file read alone holds exactly
 * its own entries (added and replaced documents with their bytes,
 * references, withdrawals); the chain reads the state; every leaf of the
 * chain is one entry's, and the MTH computed here from the entries' leaf
 * data (15.13) is each edition's signed root; the stored nodes, read
 * across the files, give that root too (an edition's level-8 node
 * straddles the base's leaves). An edition names a content stored in any
 * earlier file of the chain (15.7), unless --no-dedup. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "format/dedup.h"
#include "format/format.h"
#include "newspack.h"
#include "test.h"

#define BASE_DOCS 600     /* level 8 is stored; an edition's node 2 straddles */
#define E1_NEW 300

static int put(const char *dir, size_t i, const char *text)
{
	char p[128];
	snprintf(p, sizeof p, "%s/a%04zu.txt", dir, i);
	return npk_test_write_file(p, text, strlen(text));
}

static void story(size_t i, int version, char *out, size_t cap)
{
	snprintf(out, cap, "Story %zu, version %d: the text of the article.\n", i, version);
}

/* in0: BASE_DOCS stories. in1: a copy, a1..a9 rewritten, E1_NEW new ones,
 * a0010 given a title (same bytes: a reference). in2: a0020 rewritten. */
static int inputs(void)
{
	char t[128];
	if (mkdir("in0", 0755) != 0 || mkdir("in1", 0755) != 0 || mkdir("in2", 0755) != 0)
		return -1;
	for (size_t i = 0; i < BASE_DOCS + E1_NEW; i++) {
		story(i, 0, t, sizeof t);
		if ((i < BASE_DOCS && put("in0", i, t) != 0) || put("in1", i, t) != 0)
			return -1;
	}
	for (size_t i = 1; i < 10; i++) {
		story(i, 1, t, sizeof t);
		if (put("in1", i, t) != 0)
			return -1;
	}
	const char *side = "{\"title\": \"Ten, retitled\"}\n";
	story(20, 2, t, sizeof t);
	return npk_test_write_file("in1/a0010.txt.meta.json", side, strlen(side)) != 0 ||
	       put("in2", 20, t) != 0 ? -1 : 0;
}

typedef struct leaves {
	uint8_t (*hash)[32];
	uint8_t *seen;
	uint64_t cap, count, refs, withdrawn, bad;
	npk_reader *fr;           /* the file being listed, to read its own bytes */
	int version;              /* what its documents hold */
} leaves;

static int content_is(const uint8_t *buf, size_t len, void *ctx)
{
	npk_buf *b = ctx;
	return npk__buf_put(b, buf, len);
}

/* One entry of a file read alone: its leaf hash from its fields (15.13),
 * and its bytes when this file stores them. */
static int leaf_of(const npk_entry *e, void *ctx)
{
	leaves *lv = ctx;
	npk_error err = {0};
	uint8_t *meta = NULL;
	size_t meta_len = 0;
	if (e->leaf >= lv->cap || lv->seen[e->leaf] || npk__meta_encode(e->meta, &meta, &meta_len, &err))
		return lv->bad++, 0;
	npk_leaf l = {.type = e->kind == NPK_KIND_WITHDRAWN ? NPK_LEAF_WITHDRAWAL : NPK_LEAF_ENTRY,
	              .kind = e->kind, .path = e->path, .path_len = strlen(e->path),
	              .size = e->size, .digest = e->digest, .media = e->media_type,
	              .media_len = strlen(e->media_type), .meta = meta, .meta_len = meta_len,
	              .salt = e->salt};
	npk_buf b = {0};
	if (npk__leaf_encode(&b, &l, &err) != NPK_OK)
		lv->bad++;
	npk__leaf_hash(b.p, b.len, lv->hash[e->leaf]);
	lv->seen[e->leaf] = 1;
	lv->count++;
	free(meta);
	b.len = 0;
	if (e->kind == NPK_KIND_WITHDRAWN)
		lv->withdrawn++;
	else if (e->ref_kind == NPK_REF_EDITION)
		lv->refs++;
	else if (npk_reader_read(lv->fr, e, content_is, &b, &err) != NPK_OK)
		lv->bad++;
	else {
		/* the bytes are those of the input the edition read */
		size_t i = (size_t)atoi(e->path + 1);
		char want[128];
		story(i, lv->version == 1 && i > 0 && i < 10 ? 1 : lv->version == 2 ? 2 : 0, want,
		      sizeof want);
		if (b.len != strlen(want) || memcmp(b.p, want, b.len) != 0)
			lv->bad++;
	}
	npk__buf_free(&b);
	return 0;
}

/* The MTH of leaves [0, n) as RFC 9162 adds them. */
static void mth_of(const leaves *lv, uint64_t n, uint8_t out[32])
{
	npk_mth t;
	npk__mth_init(&t);
	for (uint64_t i = 0; i < n; i++)
		npk__mth_add(&t, lv->hash[i]);
	npk__mth_root(&t, out);
}

static int append_one(const char *prev, const char *out, const char *in, const char *withdraw,
                      uint64_t ts, const npk_seckey *sk, npk_append_stats *st, npk_error *err)
{
	npk_append_opts o;
	memset(&o, 0, sizeof o);
	o.create.timestamp = ts;
	o.create.threads = 1;
	const char *inputs_[1] = {in};
	const char *wd[1] = {withdraw};
	o.withdraw = withdraw ? wd : NULL;
	o.nwithdraw = withdraw ? 1 : 0;
	o.reason = withdraw ? "retracted" : NULL;
	return npk_append(prev, out, inputs_, in ? 1 : 0, &o, sk, st, err);
}

DEFINE_TEST(append_base_and_two_editions)
{
	npk_pubkey *pk = NULL;
	npk_seckey *sk = NULL;
	npk_error err = {0};
	CHECK_RC(npk_keypair_generate(&pk, &sk, &err), NPK_OK, &err);
	CHECK(inputs() == 0);
	npk_create_opts co;
	memset(&co, 0, sizeof co);
	co.timestamp = 1767225600;
	co.threads = 1;
	const char *in0[1] = {"in0"};
	CHECK_RC(npk_create("news.npk", in0, 1, &co, sk, NULL, &err), NPK_OK, &err);
	npk_append_stats st;
	CHECK_RC(append_one("news.npk", "news.e0001.npk", "in1", NULL, 1767225700, sk, &st, &err),
	         NPK_OK, &err);
	CHECK_EQ_INT(st.edition, 1);
	CHECK_EQ_INT(st.added, E1_NEW);
	CHECK_EQ_INT(st.replaced, 10);
	CHECK_EQ_INT(st.referenced, 1);
	CHECK_EQ_INT(st.unchanged, BASE_DOCS - 10);
	CHECK_EQ_INT(st.tree_size, BASE_DOCS + E1_NEW + 10);
	/* nothing new: no file */
	CHECK_RC(append_one("news.e0001.npk", "none.npk", "in1", NULL, 1767225800, sk, &st, &err),
	         NPK_E_NOTFOUND, &err);
	CHECK(access("none.npk", F_OK) != 0);
	CHECK_RC(append_one("news.e0001.npk", "news.e0002.npk", "in2", "a0005.txt", 1767225800, sk,
	                    &st, &err), NPK_OK, &err);
	CHECK_EQ_INT(st.withdrawn, 1);
	CHECK_EQ_INT(st.replaced, 1);
	uint64_t n = BASE_DOCS + E1_NEW + 12;
	CHECK_EQ_INT(st.tree_size, n);

	/* each file alone: its own entries, every leaf once */
	leaves lv = {.cap = n, .hash = calloc(n, 32), .seen = calloc(n, 1)};
	CHECK(lv.hash != NULL && lv.seen != NULL);
	const char *files[3] = {"news.npk", "news.e0001.npk", "news.e0002.npk"};
	uint64_t own[3] = {BASE_DOCS, E1_NEW + 10, 2}, ends[3];
	uint8_t roots[3][32];
	for (int k = 0; k < 3; k++) {
		uint64_t before = lv.count;
		CHECK_RC(npk__reader_open_file(files[k], NULL, NULL, 1, &lv.fr, &err), NPK_OK, &err);
		lv.version = k;
		CHECK_RC(npk_reader_list(lv.fr, leaf_of, &lv, &err), NPK_OK, &err);
		npk_info in;
		npk_reader_info(lv.fr, &in);
		memcpy(roots[k], in.tree_root, 32);
		ends[k] = in.tree_size;
		npk_reader_free(lv.fr);
		CHECK_EQ_INT(lv.count - before, own[k]);
		CHECK_EQ_INT(ends[k], lv.count);
	}
	CHECK_EQ_INT(lv.bad, 0);
	CHECK_EQ_INT(lv.refs, 1);
	CHECK_EQ_INT(lv.withdrawn, 1);
	/* each edition's signed root is the MTH of the chain's leaves so far */
	for (int k = 0; k < 3; k++) {
		uint8_t want[32];
		mth_of(&lv, ends[k], want);
		CHECK(memcmp(want, roots[k], 32) == 0);
	}

	/* the chain: the state, and the root from the stored nodes of all files */
	npk_reader *top = NULL;
	CHECK_RC(npk_reader_open("news.e0002.npk", NULL, 1, &top, &err), NPK_OK, &err);
	const npk_entry *e;
	CHECK_RC(npk_reader_find(top, "a0005.txt", &e, &err), NPK_E_NOTFOUND, &err);
	CHECK_RC(npk_reader_find(top, "a0010.txt", &e, &err), NPK_OK, &err);
	CHECK_EQ_INT(e->ref_kind, NPK_REF_EDITION);
	npk_buf b = {0};
	CHECK_RC(npk_reader_read(top, e, content_is, &b, &err), NPK_OK, &err);
	char want[128];
	story(10, 0, want, sizeof want);
	CHECK(b.len == strlen(want) && memcmp(b.p, want, b.len) == 0);
	npk__buf_free(&b);
	npk__chain_tree ct;
	uint8_t root[32];
	CHECK_RC(npk__chain_tree_init(&ct, top, n, &err), NPK_OK, &err);
	CHECK_RC(npk__tree_root(n, NPK_TREE_STRIDE, npk__chain_tree_read, &ct, root, &err), NPK_OK,
	         &err);
	CHECK(memcmp(root, roots[2], 32) == 0);
	npk_reader_free(top);
	free(lv.hash);
	free(lv.seen);
	npk_seckey_free(sk);
	npk_pubkey_free(pk);
}

DEFINE_TEST(append_deterministic)
{
	npk_pubkey *pk = NULL;
	npk_seckey *sk = NULL;
	npk_error err = {0};
	CHECK_RC(npk_keypair_generate(&pk, &sk, &err), NPK_OK, &err);
	CHECK(mkdir("in", 0755) == 0 && mkdir("more", 0755) == 0);
	CHECK(npk_test_write_file("in/a.txt", "alpha\n", 6) == 0);
	CHECK(npk_test_write_file("more/b.txt", "beta\n", 5) == 0);
	npk_create_opts co;
	memset(&co, 0, sizeof co);
	co.timestamp = 1767225600;
	const char *in[1] = {"in"};
	CHECK_RC(npk_create("base.npk", in, 1, &co, sk, NULL, &err), NPK_OK, &err);
	npk_append_stats st;
	CHECK_RC(append_one("base.npk", "x.npk", "more", NULL, 1767225600, sk, &st, &err), NPK_OK,
	         &err);
	CHECK_RC(append_one("base.npk", "y.npk", "more", NULL, 1767225600, sk, &st, &err), NPK_OK,
	         &err);
	size_t lx = 0, ly = 0;
	char *x = npk_test_read_file("x.npk", &lx), *y = npk_test_read_file("y.npk", &ly);
	CHECK(x != NULL && y != NULL);
	int same = lx == ly && memcmp(x, y, lx) == 0;
	free(x);
	free(y);
	CHECK(same);
	/* by the naming rule base.e0001.npk follows base.npk: --fork or nothing */
	CHECK(rename("x.npk", "base.e0001.npk") == 0);
	CHECK_RC(append_one("base.npk", "z.npk", "more", NULL, 1767225600, sk, &st, &err),
	         NPK_E_EXISTS, &err);
	CHECK(strstr(err.msg, "is not the newest edition") != NULL);
	/* a time before the base's is refused, and nothing is written */
	CHECK_RC(append_one("base.e0001.npk", "z.npk", "in", "b.txt", 1767225599, sk, &st, &err),
	         NPK_E_ARG, &err);
	CHECK(access("z.npk", F_OK) != 0);
	npk_seckey_free(sk);
	npk_pubkey_free(pk);
}

/* Where e's content is: its file's edition, the stream offset there. */
static void place_of(npk_reader *top, const char *path, unsigned *ref_kind, uint32_t *ed,
                     uint64_t *off)
{
	const npk_entry *e;
	npk_error err = {0};
	*ref_kind = 99;
	if (npk_reader_find(top, path, &e, &err) != NPK_OK)
		return;
	*ref_kind = e->ref_kind;
	*ed = e->ref_edition;
	if (npk_reader_stream_offset(top, e, off, &err) != NPK_OK)
		*ref_kind = 98;
}

/* 15.7, 15.15: an edition names a content stored in any earlier file of
 * the chain (the base's, an earlier edition's, a withdrawn version's)
 * instead of storing it again; --no-dedup stores it. */
DEFINE_TEST(append_names_copies_in_the_chain)
{
	npk_pubkey *pk = NULL;
	npk_seckey *sk = NULL;
	npk_error err = {0};
	CHECK_RC(npk_keypair_generate(&pk, &sk, &err), NPK_OK, &err);
	CHECK(mkdir("in0", 0755) == 0 && mkdir("in1", 0755) == 0 && mkdir("in2", 0755) == 0);
	CHECK(npk_test_write_file("in0/a.txt", "alpha story\n", 12) == 0);
	CHECK(npk_test_write_file("in0/w.txt", "withdrawn story\n", 16) == 0);
	CHECK(npk_test_write_file("in1/c.txt", "alpha story\n", 12) == 0);
	CHECK(npk_test_write_file("in1/d.txt", "delta story\n", 12) == 0);
	CHECK(npk_test_write_file("in2/e.txt", "delta story\n", 12) == 0);
	CHECK(npk_test_write_file("in2/f.txt", "withdrawn story\n", 16) == 0);
	npk_create_opts co;
	memset(&co, 0, sizeof co);
	co.timestamp = 1767225600;
	const char *in0[1] = {"in0"};
	CHECK_RC(npk_create("b.npk", in0, 1, &co, sk, NULL, &err), NPK_OK, &err);
	npk_append_stats st;
	CHECK_RC(append_one("b.npk", "b.e0001.npk", "in1", "w.txt", 1767225700, sk, &st, &err),
	         NPK_OK, &err);
	CHECK_EQ_INT(st.dedup_documents, 1);
	CHECK_EQ_INT(st.dedup_bytes, 12);
	CHECK_EQ_INT(st.bytes_stored, 12);
	CHECK_RC(append_one("b.e0001.npk", "b.e0002.npk", "in2", NULL, 1767225800, sk, &st, &err),
	         NPK_OK, &err);
	CHECK_EQ_INT(st.added, 2);
	CHECK_EQ_INT(st.dedup_documents, 2);
	CHECK_EQ_INT(st.dedup_bytes, 28);
	CHECK_EQ_INT(st.bytes_stored, 0);

	npk_reader *top = NULL;
	CHECK_RC(npk_reader_open("b.e0002.npk", NULL, 1, &top, &err), NPK_OK, &err);
	unsigned rk, rk2;
	uint32_t ed, ed2;
	uint64_t off, off2;
	place_of(top, "a.txt", &rk, &ed, &off);
	place_of(top, "c.txt", &rk2, &ed2, &off2);
	CHECK(rk == NPK_REF_INLINE && rk2 == NPK_REF_EDITION && ed == 0 && ed2 == 0 && off == off2);
	place_of(top, "d.txt", &rk, &ed, &off);
	place_of(top, "e.txt", &rk2, &ed2, &off2);
	CHECK(rk == NPK_REF_INLINE && rk2 == NPK_REF_EDITION && ed == 1 && ed2 == 1 && off == off2);
	place_of(top, "f.txt", &rk, &ed, &off);
	CHECK(rk == NPK_REF_EDITION && ed == 0);
	const npk_entry *e;
	npk_buf b = {0};
	CHECK_RC(npk_reader_find(top, "f.txt", &e, &err), NPK_OK, &err);
	CHECK_RC(npk_reader_read(top, e, content_is, &b, &err), NPK_OK, &err);
	CHECK(b.len == 16 && memcmp(b.p, "withdrawn story\n", 16) == 0);
	npk__buf_free(&b);
	npk_verify_stats vs;
	CHECK_RC(npk_reader_verify(top, NULL, NULL, &vs, &err), NPK_OK, &err);
	npk_reader_free(top);

	/* --no-dedup (a second edition 2, a fork): every content stored again */
	npk_append_opts o;
	memset(&o, 0, sizeof o);
	o.create.timestamp = 1767225800;
	o.create.no_dedup = 1;
	o.fork = 1;
	const char *in2[1] = {"in2"};
	CHECK_RC(npk_append("b.e0001.npk", "nd.npk", in2, 1, &o, sk, &st, &err), NPK_OK, &err);
	CHECK_EQ_INT(st.dedup_documents, 0);
	CHECK_EQ_INT(st.bytes_stored, 28);
	npk_seckey_free(sk);
	npk_pubkey_free(pk);
}

/* npk__writer_dedup_seed: only in an edition, before its first entry,
 * for an earlier edition; nothing at all without deduplication. */
DEFINE_TEST(append_seed_arguments)
{
	npk_error err = {0};
	npk_create_opts o;
	memset(&o, 0, sizeof o);
	npk__dedup_rec r = {.size = 5, .edition = 0};
	int fd = open("s.npk", O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	npk_writer *w = NULL;
	CHECK_RC(npk_writer_new(fd, &o, &w, &err), NPK_OK, &err);
	CHECK_RC(npk__writer_dedup_seed(w, &r, &err), NPK_E_ARG, &err);
	CHECK(strstr(err.msg, "earlier edition") != NULL);
	npk_writer_free(w);
	o.no_dedup = 1;
	w = NULL;
	CHECK_RC(npk_writer_new(fd, &o, &w, &err), NPK_OK, &err);
	CHECK_RC(npk__writer_dedup_seed(w, &r, &err), NPK_OK, &err);
	npk_writer_free(w);
	close(fd);
}
