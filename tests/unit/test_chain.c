/* test_chain.c - a chain of editions read as one archive (spec/format.md
 * 15.15): the state, list --all, --at, ref_kind 1, and the files of the
 * chain found, missing, reordered, substituted or misnumbered. The chains
 * are written here with npk_writer and the writer's edition spec. */
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "format/format.h"
#include "test.h"

#define T0 1737676800ull  /* 2025-01-24T00:00:00Z */
#define DAY 86400ull

typedef struct cdoc {
	const char *path, *text;
	int ref;                  /* content stored in an earlier edition: referred to */
	uint32_t ref_edition, ref_cluster, ref_offset;
} cdoc;

/* What the writer of one edition needs of the chain before it. */
typedef struct chain_b {
	npk_seckey *sk;
	npk_mth mth;              /* every leaf of the chain so far */
	uint8_t (*leaves)[32];
	uint64_t n;
	uint8_t prev[32], base[32];
	char prev_name[64];
	uint32_t edition;         /* of the next one */
	uint64_t ts;
	const uint8_t *statement, *rotation_sig; /* the next one's rotation, or NULL */
	/* the edition being written */
	const cdoc *docs;
	size_t ndocs, at;
} chain_b;

/* The chain's tree of p leaves at 15.13 offsets: level 0 only (the tests
 * hold fewer than 256 leaves). */
static int b_rd(void *ctx, uint64_t off, void *buf, size_t len, npk_error *err)
{
	chain_b *b = ctx;
	if (off < NPK_TREE_HEADER || off + len > NPK_TREE_HEADER + 32 * b->n)
		return npk__fail(err, NPK_E_ARG, "test tree: no node at %llu", (unsigned long long)off);
	memcpy(buf, (uint8_t *)b->leaves + off - NPK_TREE_HEADER, len);
	return NPK_OK;
}

static const cdoc *b_doc(chain_b *b, const char *path)
{
	for (size_t i = 0; i < b->ndocs; i++)
		if (strcmp(b->docs[i].path, path) == 0)
			return &b->docs[i];
	return NULL;
}

static int b_begin(void *ctx, const char *path, unsigned kind, uint64_t size, int *hold,
                   npk_error *err)
{
	(void)kind, (void)size, (void)err;
	const cdoc *d = b_doc(ctx, path);
	*hold = d != NULL && d->ref;
	return NPK_OK;
}

static int b_end(void *ctx, const npk__ed_entry *e, int *action, npk__ed_ref *ref,
                 npk_error *err)
{
	(void)err;
	const cdoc *d = b_doc(ctx, e->path);
	*action = NPK__ED_KEEP;
	if (d != NULL && d->ref) {
		*action = NPK__ED_REF;
		ref->edition = d->ref_edition;
		ref->cluster = d->ref_cluster;
		ref->offset = d->ref_offset;
	}
	return NPK_OK;
}

/* The leaves of the file just written (its tree section's level 0) added
 * to the chain, and its manifest digest kept as the next one's prev. */
static int b_took(chain_b *b, const char *path, npk_error *err)
{
	npk_reader *r = NULL;
	uint8_t d[32];
	uint64_t off, len, n;
	const uint8_t *root;
	NPK_FORWARD(npk__manifest_digest_file(path, d, err));
	NPK_FORWARD(npk__reader_open_file(path, d, NULL, 1, &r, err));
	int rc = npk__reader_tree(r, &off, &len, &n, &root);
	uint8_t (*v)[32] = rc == NPK_OK ? realloc(b->leaves, n * 32) : NULL;
	if (v != NULL) {
		b->leaves = v;
		rc = npk__pread_full(npk__reader_fd(r), v[b->n], (n - b->n) * 32, off + NPK_TREE_HEADER,
		                     path, err);
		for (uint64_t i = b->n; rc == NPK_OK && i < n; i++)
			npk__mth_add(&b->mth, v[i]);
		b->n = n;
	} else {
		rc = NPK_E_NOMEM;
	}
	npk_reader_free(r);
	memcpy(b->prev, d, 32);
	if (b->edition == 0)
		memcpy(b->base, d, 32);
	const char *s = strrchr(path, '/');
	snprintf(b->prev_name, sizeof b->prev_name, "%s", s ? s + 1 : path);
	b->edition++;
	b->ts += DAY;
	return rc;
}

static int b_docs(npk_writer *w, const cdoc *docs, size_t n, npk_error *err)
{
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(docs[i].text);
		npk_meta *m = npk_meta_new();
		npk_meta_add(m, "title", docs[i].path, err);
		int rc = npk_writer_begin(w, docs[i].path, "text/plain", m, len, err);
		npk_meta_free(m);
		NPK_FORWARD(rc);
		NPK_FORWARD(npk_writer_data(w, docs[i].text, len, err));
		NPK_FORWARD(npk_writer_end(w, err));
	}
	return NPK_OK;
}

/* Writes the next file of the chain: the base (edition 0) or an edition
 * holding docs (in path order) and the withdrawals wd (in path order).
 * edition and base, when not 0 / NULL, replace what the chain says (a
 * forged file). */
static int b_write(chain_b *b, const char *path, const cdoc *docs, size_t n,
                   const npk__withdrawal *wd, size_t nwd, uint32_t edition, const uint8_t *base,
                   npk_error *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return npk__fail(err, NPK_E_IO, "%s: cannot write", path);
	npk_create_opts o;
	memset(&o, 0, sizeof o);
	o.timestamp = b->ts;
	o.cluster_size = 4096;
	o.salt_key = b->sk;
	npk_writer *w = NULL;
	npk_edition_spec spec = {
		.edition = edition ? edition : b->edition, .prev_digest = b->prev,
		.base_digest = base ? base : b->base, .prev_tree_size = b->n,
		.prev_name = b->prev_name, .stride = NPK_TREE_STRIDE,
		.statement = b->statement, .rotation_sig = b->rotation_sig,
		.border = (const uint8_t (*)[32])b->mth.stack, .rd = b_rd, .rd_ctx = b,
		.withdraw = wd, .nwithdraw = nwd, .begin = b_begin, .end = b_end, .ctx = b};
	b->docs = docs;
	b->ndocs = n;
	int rc = npk_writer_new(fd, &o, &w, err);
	if (rc == NPK_OK && b->edition > 0)
		rc = npk__writer_edition(w, &spec, err);
	if (rc == NPK_OK)
		rc = b_docs(w, docs, n, err);
	if (rc == NPK_OK)
		rc = npk_writer_finish(w, b->sk, err);
	npk_writer_free(w);
	close(fd);
	return rc == NPK_OK ? b_took(b, path, err) : rc;
}

/* news.npk, news.e0001.npk, news.e0002.npk in folder dir:
 *   e0: a.txt A0, b.txt B0, c.txt C0, d/x.txt X0
 *   e1: b.txt B1, e.txt E1; c.txt withdrawn
 *   e2: c.txt C2, f.txt = a.txt's bytes in e0 (ref_kind 1); e.txt withdrawn */
static int make_chain(const char *dir, npk_seckey *sk, npk_error *err)
{
	chain_b b = {.sk = sk, .ts = T0};
	char p[256];
	npk__mth_init(&b.mth);
	static const cdoc e0[] = {{"a.txt", "A0", 0, 0, 0, 0}, {"b.txt", "B0", 0, 0, 0, 0},
	                          {"c.txt", "C0", 0, 0, 0, 0}, {"d/x.txt", "X0", 0, 0, 0, 0}};
	static const cdoc e1[] = {{"b.txt", "B1", 0, 0, 0, 0}, {"e.txt", "E1", 0, 0, 0, 0}};
	npk__withdrawal w1[] = {{"c.txt", "text/plain", NULL}};
	npk__withdrawal w2[] = {{"e.txt", "text/plain", NULL}};
	snprintf(p, sizeof p, "%s/news.npk", dir);
	int rc = b_write(&b, p, e0, 4, NULL, 0, 0, NULL, err);
	/* where a.txt's bytes are in e0, for e2's reference */
	npk_reader *r = NULL;
	const npk_entry *a = NULL;
	if (rc == NPK_OK && (rc = npk_reader_open(p, NULL, 1, &r, err)) == NPK_OK)
		rc = npk_reader_find(r, "a.txt", &a, err);
	cdoc e2[] = {{"c.txt", "C2", 0, 0, 0, 0}, {"f.txt", "A0", 1, 0, 0, 0}};
	if (rc == NPK_OK) {
		e2[1].ref_cluster = a->cluster;
		e2[1].ref_offset = a->offset;
	}
	npk_reader_free(r);
	snprintf(p, sizeof p, "%s/news.e0001.npk", dir);
	if (rc == NPK_OK)
		rc = b_write(&b, p, e1, 2, w1, 1, 0, NULL, err);
	snprintf(p, sizeof p, "%s/news.e0002.npk", dir);
	if (rc == NPK_OK)
		rc = b_write(&b, p, e2, 2, w2, 1, 0, NULL, err);
	free(b.leaves);
	return rc;
}

static npk_seckey *test_key(void)
{
	npk_pubkey *pk = NULL;
	npk_seckey *sk = NULL;
	npk_error err = {0};
	if (npk_keypair_generate(&pk, &sk, &err) != NPK_OK)
		return NULL;
	npk_pubkey_free(pk);
	return sk;
}

/* The listing as text: "path=content@edition" (withdrawn: "path=-@e"). */
typedef struct listing {
	npk_reader *r;
	int paths;                /* no content read */
	char s[1024];
	npk_error *err;
} listing;

static int sink_str(const uint8_t *buf, size_t len, void *ctx)
{
	char *s = ctx;
	strncat(s, (const char *)buf, len);
	return 0;
}

static int on_listed(const npk_entry *e, void *ctx)
{
	listing *l = ctx;
	char line[128], body[64] = "";
	if (e->kind == NPK_KIND_WITHDRAWN)
		strcpy(body, "-");
	else if (l->paths)
		strcpy(body, "?");
	else if (npk_reader_read(l->r, e, sink_str, body, l->err) != NPK_OK)
		return l->err->code;
	snprintf(line, sizeof line, "%s%s=%s@%u", l->s[0] ? " " : "", e->path, body, e->edition);
	strncat(l->s, line, sizeof l->s - strlen(l->s) - 1);
	return 0;
}

/* paths: no content read (a listing of a chain missing a file) */
static int list_str(npk_reader *r, char *out, size_t cap, int paths, npk_error *err)
{
	listing l = {.r = r, .err = err, .paths = paths};
	int rc = npk_reader_list(r, on_listed, &l, err);
	snprintf(out, cap, "%s", l.s);
	return rc;
}

static int cat_str(npk_reader *r, const char *path, char *out, npk_error *err)
{
	const npk_entry *e;
	out[0] = 0;
	NPK_FORWARD(npk_reader_find(r, path, &e, err));
	return npk_reader_read(r, e, sink_str, out, err);
}

DEFINE_TEST(test_chain_state)
{
	npk_error err = {0};
	npk_seckey *sk = test_key();
	CHECK(sk != NULL);
	int rc = make_chain(".", sk, &err);
	npk_seckey_free(sk);
	CHECK_RC(rc, NPK_OK, &err);
	npk_reader *r = NULL;
	CHECK_RC(npk_reader_open("news.e0002.npk", NULL, 1, &r, &err), NPK_OK, &err);
	npk_info in;
	npk_reader_info(r, &in);
	CHECK_EQ_INT(in.edition, 2);
	CHECK_EQ_INT(in.at_edition, 2);
	CHECK_EQ_INT(npk__chain_count(r), 3);
	char s[1024];
	rc = list_str(r, s, sizeof s, 0, &err);
	CHECK_RC(rc, NPK_OK, &err);
	CHECK_STR(s, "a.txt=A0@0 b.txt=B1@1 c.txt=C2@2 d/x.txt=X0@0 f.txt=A0@2");
	/* the reference: f.txt's bytes are read in edition 0's file */
	const npk_entry *e;
	CHECK_RC(npk_reader_find(r, "f.txt", &e, &err), NPK_OK, &err);
	CHECK_EQ_INT(e->ref_kind, NPK_REF_EDITION);
	CHECK_EQ_INT(e->ref_edition, 0);
	CHECK_EQ_INT(e->edition, 2);
	CHECK_RC(cat_str(r, "f.txt", s, &err), NPK_OK, &err);
	CHECK_STR(s, "A0");
	CHECK_RC(cat_str(r, "b.txt", s, &err), NPK_OK, &err);
	CHECK_STR(s, "B1");
	CHECK_RC(cat_str(r, "d/x.txt", s, &err), NPK_OK, &err);
	CHECK_STR(s, "X0");
	/* a withdrawn path is hidden, and says when */
	CHECK_RC(npk_reader_find(r, "e.txt", &e, &err), NPK_E_NOTFOUND, &err);
	CHECK(strstr(err.msg, "\"e.txt\" was withdrawn in edition 2") != NULL);
	CHECK_RC(npk_reader_find(r, "nope.txt", &e, &err), NPK_E_NOTFOUND, &err);
	npk_reader_free(r);
	/* a file reader of an edition alone reads no reference */
	uint8_t d[32];
	CHECK_RC(npk__manifest_digest_file("news.e0002.npk", d, &err), NPK_OK, &err);
	CHECK_RC(npk__reader_open_file("news.e0002.npk", d, NULL, 1, &r, &err), NPK_OK, &err);
	CHECK_RC(npk_reader_find(r, "f.txt", &e, &err), NPK_OK, &err);
	CHECK_RC(npk_reader_read(r, e, sink_str, s, &err), NPK_E_ARG, &err);
	npk_reader_free(r);
}

DEFINE_TEST(test_chain_all_and_at)
{
	npk_error err = {0};
	npk_seckey *sk = test_key();
	CHECK(sk != NULL);
	int rc = make_chain(".", sk, &err);
	npk_seckey_free(sk);
	CHECK_RC(rc, NPK_OK, &err);
	npk_chain_opts o = {.all = 1};
	npk_reader *r = NULL;
	char s[1024];
	CHECK_RC(npk_reader_open_chain("news.e0002.npk", NULL, 1, &o, &r, &err), NPK_OK, &err);
	rc = list_str(r, s, sizeof s, 0, &err);
	npk_reader_free(r);
	CHECK_RC(rc, NPK_OK, &err);
	CHECK_STR(s, "a.txt=A0@0 b.txt=B0@0 b.txt=B1@1 c.txt=C0@0 c.txt=-@1 c.txt=C2@2 d/x.txt=X0@0 "
	             "e.txt=E1@1 e.txt=-@2 f.txt=A0@2");
	/* --at 1: c.txt withdrawn, e.txt there */
	o = (npk_chain_opts){.at = NPK_AT_EDITION, .at_edition = 1};
	CHECK_RC(npk_reader_open_chain("news.e0002.npk", NULL, 1, &o, &r, &err), NPK_OK, &err);
	rc = list_str(r, s, sizeof s, 0, &err);
	npk_info in;
	npk_reader_info(r, &in);
	npk_reader_free(r);
	CHECK_RC(rc, NPK_OK, &err);
	CHECK_STR(s, "a.txt=A0@0 b.txt=B1@1 d/x.txt=X0@0 e.txt=E1@1");
	CHECK_EQ_INT(in.at_edition, 1);
	CHECK_EQ_INT(in.created, T0 + DAY);
	CHECK_EQ_INT(in.documents, 3);
	/* --at a time: the newest edition created at or before it */
	o = (npk_chain_opts){.at = NPK_AT_TIME, .at_time = T0 + DAY + DAY - 1};
	CHECK_RC(npk_reader_open_chain("news.e0002.npk", NULL, 1, &o, &r, &err), NPK_OK, &err);
	npk_reader_info(r, &in);
	npk_reader_free(r);
	CHECK_EQ_INT(in.at_edition, 1);
	o.at_time = T0 - 1;
	CHECK_RC(npk_reader_open_chain("news.e0002.npk", NULL, 1, &o, &r, &err), NPK_E_NOTFOUND, &err);
	o = (npk_chain_opts){.at = NPK_AT_EDITION, .at_edition = 3};
	CHECK_RC(npk_reader_open_chain("news.e0002.npk", NULL, 1, &o, &r, &err), NPK_E_ARG, &err);
	CHECK(strstr(err.msg, "no edition 3 (the newest is 2)") != NULL);
}

static int on_warn_count;
static void on_warn(const char *file, const char *why, void *ctx)
{
	(void)file, (void)why, (void)ctx;
	on_warn_count++;
}

DEFINE_TEST(test_chain_missing_and_reordered)
{
	npk_error err = {0};
	npk_seckey *sk = test_key();
	CHECK(sk != NULL);
	int rc = make_chain(".", sk, &err);
	npk_seckey_free(sk);
	CHECK_RC(rc, NPK_OK, &err);
	CHECK(mkdir("old", 0755) == 0);
	CHECK(rename("news.e0001.npk", "old/one.npk") == 0);
	CHECK(rename("news.npk", "old/zero.npk") == 0);
	npk_reader *r = NULL;
	char s[1024];
	CHECK_RC(npk_reader_open("news.e0002.npk", NULL, 1, &r, &err), NPK_OK, &err);
	/* what the newest edition holds still reads */
	CHECK_RC(cat_str(r, "c.txt", s, &err), NPK_OK, &err);
	CHECK_STR(s, "C2");
	/* what needs the missing file names it */
	CHECK_RC(cat_str(r, "a.txt", s, &err), NPK_E_FORMAT, &err);
	CHECK(strstr(err.msg, "edition 1 (news.e0001.npk, manifest digest ") != NULL);
	CHECK(strstr(err.msg, "is missing: not beside news.e0002.npk; name it with --chain") != NULL);
	CHECK_RC(list_str(r, s, sizeof s, 1, &err), NPK_E_FORMAT, &err);
	CHECK(strstr(err.msg, "the state is incomplete") != NULL);
	CHECK(strstr(err.msg, "edition 1 (news.e0001.npk, manifest digest ") != NULL);
	CHECK_STR(s, "c.txt=?@2 f.txt=?@2");
	npk_reader_free(r);
	/* named with --chain, in any order, under any name; a stranger warned of */
	const char *files[] = {"old/zero.npk", "news.e0002.npk", "old/one.npk"};
	npk_chain_opts o = {.files = files, .nfiles = 3, .warn = on_warn};
	CHECK_RC(npk_reader_open_chain("news.e0002.npk", NULL, 1, &o, &r, &err), NPK_OK, &err);
	rc = list_str(r, s, sizeof s, 0, &err);
	CHECK_RC(rc, NPK_OK, &err);
	CHECK_STR(s, "a.txt=A0@0 b.txt=B1@1 c.txt=C2@2 d/x.txt=X0@0 f.txt=A0@2");
	CHECK_STR(npk__chain_name(r, 0), "old/zero.npk");
	npk_reader_free(r);
	CHECK_EQ_INT(on_warn_count, 0);
}

DEFINE_TEST(test_chain_substituted)
{
	npk_error err = {0};
	npk_seckey *sk = test_key(), *sk2 = test_key();
	CHECK(sk != NULL && sk2 != NULL);
	CHECK(mkdir("other", 0755) == 0);
	int rc = make_chain(".", sk, &err);
	if (rc == NPK_OK) /* another chain: same names and texts, another key */
		rc = make_chain("other", sk2, &err);
	npk_seckey_free(sk);
	npk_seckey_free(sk2);
	CHECK_RC(rc, NPK_OK, &err);
	CHECK(rename("other/news.e0001.npk", "news.e0001.npk") == 0);
	npk_reader *r = NULL;
	char s[1024];
	CHECK_RC(npk_reader_open("news.e0002.npk", NULL, 1, &r, &err), NPK_OK, &err);
	CHECK_RC(cat_str(r, "c.txt", s, &err), NPK_OK, &err);
	CHECK_RC(cat_str(r, "b.txt", s, &err), NPK_E_DIGEST, &err);
	CHECK(strstr(err.msg, "news.e0001.npk is not edition 1 of this chain") != NULL);
	npk_reader_free(r);
}

/* A file whose link says another edition number than the place it takes,
 * or another base, is refused naming both files. */
DEFINE_TEST(test_chain_misnumbered)
{
	npk_error err = {0};
	npk_seckey *sk = test_key();
	CHECK(sk != NULL);
	chain_b b = {.sk = sk, .ts = T0};
	npk__mth_init(&b.mth);
	static const cdoc e0[] = {{"a.txt", "A0", 0, 0, 0, 0}};
	static const cdoc e1[] = {{"b.txt", "B1", 0, 0, 0, 0}};
	static const cdoc e2[] = {{"c.txt", "C2", 0, 0, 0, 0}};
	uint8_t other[32];
	memset(other, 7, sizeof other);
	int rc = b_write(&b, "news.npk", e0, 1, NULL, 0, 0, NULL, &err);
	if (rc == NPK_OK)
		rc = b_write(&b, "news.e0001.npk", e1, 1, NULL, 0, 0, NULL, &err);
	chain_b keep = b;
	if (rc == NPK_OK) /* edition 3 after edition 1 */
		rc = b_write(&b, "three.npk", e2, 1, NULL, 0, 3, NULL, &err);
	keep.leaves = b.leaves; /* realloc'ed; its first keep.n leaves unchanged */
	b = keep;
	if (rc == NPK_OK) /* edition 2 naming another base */
		rc = b_write(&b, "twob.npk", e2, 1, NULL, 0, 0, other, &err);
	free(b.leaves);
	npk_seckey_free(sk);
	CHECK_RC(rc, NPK_OK, &err);
	npk_reader *r = NULL;
	char s[64];
	CHECK_RC(npk_reader_open("three.npk", NULL, 1, &r, &err), NPK_OK, &err);
	CHECK_RC(cat_str(r, "c.txt", s, &err), NPK_OK, &err);
	CHECK_RC(cat_str(r, "a.txt", s, &err), NPK_E_FORMAT, &err);
	CHECK(strstr(err.msg, "news.e0001.npk is edition 1, but three.npk (edition 3) names it as "
	                      "edition 2") != NULL);
	npk_reader_free(r);
	CHECK_RC(npk_reader_open("twob.npk", NULL, 1, &r, &err), NPK_OK, &err);
	CHECK_RC(cat_str(r, "a.txt", s, &err), NPK_E_FORMAT, &err);
	CHECK(strstr(err.msg, "twob.npk (edition 2) names another base than news.e0001.npk") != NULL);
	npk_reader_free(r);
}

static int count_entry(const npk_entry *e, void *ctx)
{
	(void)e;
	(*(uint64_t *)ctx)++;
	return 0;
}

/* 400 editions read with the usual limit of 1024 open files: each file
 * holds one descriptor while the chain is open. */
DEFINE_TEST(test_chain_400_files)
{
	npk_error err = {0};
	npk_seckey *sk = test_key();
	CHECK(sk != NULL);
	chain_b b = {.sk = sk, .ts = T0};
	npk__mth_init(&b.mth);
	int rc = NPK_OK;
	char name[64], path[32], text[32];
	for (unsigned k = 0; rc == NPK_OK && k <= 400; k++) {
		snprintf(path, sizeof path, "p%03u.txt", k);
		snprintf(text, sizeof text, "edition %u", k);
		cdoc d[] = {{path, text, 0, 0, 0, 0}};
		snprintf(name, sizeof name, k ? "news.e%04u.npk" : "news.npk", k);
		b.ts = T0 + k;
		rc = b_write(&b, name, d, 1, NULL, 0, 0, NULL, &err);
	}
	free(b.leaves);
	npk_seckey_free(sk);
	CHECK_RC(rc, NPK_OK, &err);
	struct rlimit lim;
	CHECK(getrlimit(RLIMIT_NOFILE, &lim) == 0);
	struct rlimit low = lim;
	if (low.rlim_cur > 1024)
		low.rlim_cur = 1024;
	CHECK(setrlimit(RLIMIT_NOFILE, &low) == 0);
	npk_reader *r = NULL;
	uint64_t n = 0;
	char s[64];
	rc = npk_reader_open("news.e0400.npk", NULL, 1, &r, &err);
	if (rc == NPK_OK)
		rc = npk_reader_list(r, count_entry, &n, &err);
	if (rc == NPK_OK)
		rc = cat_str(r, "p000.txt", s, &err);
	npk_reader_free(r);
	setrlimit(RLIMIT_NOFILE, &lim);
	CHECK_RC(rc, NPK_OK, &err);
	CHECK_EQ_INT(n, 401);
	CHECK_STR(s, "edition 0");
}

/* A key change: refused without a statement by the previous signer, and
 * with one the new signer is trusted through the old key (15.15 "Trust"). */
DEFINE_TEST(test_chain_rotation)
{
	npk_error err = {0};
	npk_seckey *sk = test_key(), *sk2 = test_key();
	npk_pubkey *pk = sk ? npk_seckey_pubkey(sk) : NULL;
	npk_pubkey *pk2 = sk2 ? npk_seckey_pubkey(sk2) : NULL;
	npk_trust *old = npk_trust_new(), *none = npk_trust_new();
	CHECK(pk != NULL && pk2 != NULL && old != NULL && none != NULL);
	CHECK_RC(npk_trust_add(old, pk, &err), NPK_OK, &err);
	static const cdoc e0[] = {{"a.txt", "A0", 0, 0, 0, 0}};
	static const cdoc e1[] = {{"b.txt", "B1", 0, 0, 0, 0}};
	chain_b b = {.sk = sk, .ts = T0};
	npk__mth_init(&b.mth);
	int rc = b_write(&b, "news.npk", e0, 1, NULL, 0, 0, NULL, &err);
	chain_b keep = b;
	uint8_t st[NPK_ROTATION_STATEMENT], sig[64];
	b.sk = sk2;
	if (rc == NPK_OK) /* no statement */
		rc = b_write(&b, "bad.npk", e1, 1, NULL, 0, 0, NULL, &err);
	keep.leaves = b.leaves;
	b = keep;
	npk__rotation_statement(st, b.base, b.prev, 1, npk_pubkey_id(pk2), npk_pubkey_bytes(pk2));
	if (rc == NPK_OK)
		rc = npk__rotation_sign(sk, st, sig, &err);
	b.sk = sk2;
	b.statement = st;
	b.rotation_sig = sig;
	if (rc == NPK_OK)
		rc = b_write(&b, "good.npk", e1, 1, NULL, 0, 0, NULL, &err);
	free(b.leaves);
	npk_reader *r = NULL;
	char s[64];
	npk_info in;
	CHECK_RC(rc, NPK_OK, &err);
	CHECK_RC(npk_reader_open("bad.npk", NULL, 1, &r, &err), NPK_OK, &err);
	CHECK_RC(cat_str(r, "a.txt", s, &err), NPK_E_FORMAT, &err);
	CHECK(strstr(err.msg, "edition 1 is signed by key ") != NULL);
	CHECK(strstr(err.msg, "did not authorise: no rotation statement") != NULL);
	npk_reader_free(r);
	/* the old key trusted: the new signer is, through the statement */
	CHECK_RC(npk_reader_open("good.npk", old, 0, &r, &err), NPK_OK, &err);
	npk_reader_info(r, &in);
	CHECK_EQ_INT(in.trusted, 1);
	CHECK_RC(cat_str(r, "a.txt", s, &err), NPK_OK, &err);
	CHECK_STR(s, "A0");
	npk_edition_info ei;
	CHECK_RC(npk_reader_edition(r, 1, &ei, &err), NPK_OK, &err);
	CHECK_EQ_INT(ei.rotated, 1);
	npk_reader_free(r);
	/* without the statement, trusting the old key does not help */
	CHECK_RC(npk_reader_open("bad.npk", old, 0, &r, &err), NPK_E_UNTRUSTED, &err);
	CHECK_RC(npk_reader_open("good.npk", none, 0, &r, &err), NPK_E_UNTRUSTED, &err);
	npk_trust_free(old);
	npk_trust_free(none);
	npk_pubkey_free(pk);
	npk_pubkey_free(pk2);
	npk_seckey_free(sk);
	npk_seckey_free(sk2);
}

/* A reference past the named edition's data is damage, found by the
 * listing and by the read, against that edition's tables. */
DEFINE_TEST(test_chain_bad_reference)
{
	npk_error err = {0};
	npk_seckey *sk = test_key();
	CHECK(sk != NULL);
	chain_b b = {.sk = sk, .ts = T0};
	npk__mth_init(&b.mth);
	static const cdoc e0[] = {{"a.txt", "A0", 0, 0, 0, 0}};
	static const cdoc e1[] = {{"f.txt", "A0", 1, 0, 0, 60000}};
	int rc = b_write(&b, "news.npk", e0, 1, NULL, 0, 0, NULL, &err);
	if (rc == NPK_OK)
		rc = b_write(&b, "news.e0001.npk", e1, 1, NULL, 0, 0, NULL, &err);
	free(b.leaves);
	npk_seckey_free(sk);
	CHECK_RC(rc, NPK_OK, &err);
	npk_reader *r = NULL;
	char s[1024];
	CHECK_RC(npk_reader_open("news.e0001.npk", NULL, 1, &r, &err), NPK_OK, &err);
	rc = list_str(r, s, sizeof s, 1, &err);
	CHECK_RC(rc, NPK_E_FORMAT, &err);
	CHECK(strstr(err.msg, "news.npk: f.txt: position (cluster 0, offset 60000) out of range") != NULL);
	CHECK_RC(cat_str(r, "f.txt", s, &err), NPK_E_FORMAT, &err);
	CHECK(strstr(err.msg, "news.npk: f.txt: position (cluster 0, offset 60000) out of range") != NULL);
	npk_reader_free(r);
}
