/* test_extract.c - npk_extract (src/lib/pack/extract.c): which documents
 * it writes, and what it refuses before it writes anything: existing
 * files, symbolic links, names not in the archive, a missing folder. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "newspack.h"
#include "test.h"

static const struct { const char *path, *text; } docs[] = {
	{"a.txt", "the first document\n"},
	{"news/one.txt", "news one\n"},
	{"news/two.txt", "news two, a little longer\n"},
	{"other/x.txt", ""},
};
#define NDOCS (sizeof docs / sizeof docs[0])

/* An archive being written by a new key that *trust trusts. */
typedef struct signed_out {
	npk_pubkey *pk;
	npk_seckey *sk;
	npk_writer *w;
	int fd;
} signed_out;

/* Starts file with clusters of cluster_size bytes (0: the default). */
static int out_open(signed_out *s, const char *file, size_t cluster_size, npk_trust **trust,
                    npk_error *err)
{
	memset(s, 0, sizeof *s);
	s->fd = -1;
	int rc = npk_keypair_generate(&s->pk, &s->sk, err);
	if (rc != NPK_OK)
		return rc;
	*trust = npk_trust_new();
	rc = npk_trust_add(*trust, s->pk, err);
	s->fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	npk_create_opts o;
	memset(&o, 0, sizeof o);
	o.timestamp = 1737676800;
	o.cluster_size = cluster_size;
	if (rc == NPK_OK)
		rc = s->fd < 0 ? NPK_E_IO : npk_writer_new(s->fd, &o, &s->w, err);
	return rc;
}

/* Adds a text/plain document. */
static int out_add(signed_out *s, const char *path, const char *text, npk_error *err)
{
	size_t n = strlen(text);
	int rc = npk_writer_begin(s->w, path, "text/plain", NULL, n, err);
	if (rc == NPK_OK)
		rc = npk_writer_data(s->w, text, n, err);
	if (rc == NPK_OK)
		rc = npk_writer_end(s->w, err);
	return rc;
}

/* Signs the archive when rc is NPK_OK, and frees everything. */
static int out_close(signed_out *s, int rc, npk_error *err)
{
	if (rc == NPK_OK)
		rc = npk_writer_finish(s->w, s->sk, err);
	npk_writer_free(s->w);
	if (s->fd >= 0)
		close(s->fd);
	npk_pubkey_free(s->pk);
	npk_seckey_free(s->sk);
	return rc;
}

/* x.npk of docs, signed by a new key trusted in *trust. */
static int make_archive(npk_trust **trust, npk_error *err)
{
	signed_out s;
	int rc = out_open(&s, "x.npk", 0, trust, err);
	for (size_t i = 0; rc == NPK_OK && i < NDOCS; i++)
		rc = out_add(&s, docs[i].path, docs[i].text, err);
	return out_close(&s, rc, err);
}

/* Extracts paths (NULL: all) of x.npk into dir. */
static int extract(const npk_trust *trust, const char *dir, const char *const *paths,
                   size_t n, const npk_extract_opts *o, uint64_t *written, npk_error *err)
{
	npk_reader *r = NULL;
	int rc = npk_reader_open("x.npk", trust, 0, &r, err);
	if (rc == NPK_OK)
		rc = npk_extract(r, dir, paths, n, o, written, err);
	npk_reader_free(r);
	return rc;
}

/* 1 when dir/path holds exactly text. */
static int holds(const char *dir, const char *path, const char *text)
{
	char full[256];
	snprintf(full, sizeof full, "%s/%s", dir, path);
	size_t len = 0;
	char *got = npk_test_read_file(full, &len);
	int ok = got != NULL && len == strlen(text) && memcmp(got, text, len) == 0;
	free(got);
	return ok;
}

static int exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

/* The number of names under dir, at any depth (dir itself not counted). */
static int count_names(const char *dir)
{
	char cmd[256];
	snprintf(cmd, sizeof cmd, "find '%s' -mindepth 1 | wc -l", dir);
	FILE *p = popen(cmd, "r");
	int n = -1;
	if (p != NULL) {
		if (fscanf(p, "%d", &n) != 1)
			n = -1;
		pclose(p);
	}
	return n;
}

DEFINE_TEST(test_extract_selected_paths)
{
	npk_error err = {0};
	npk_trust *trust = NULL;
	CHECK_RC(make_archive(&trust, &err), NPK_OK, &err);
	uint64_t written = 0;

	/* A folder name selects what is under it, and nothing else. */
	CHECK(mkdir("o1", 0755) == 0);
	const char *folder[] = {"news"};
	CHECK_RC(extract(trust, "o1", folder, 1, NULL, &written, &err), NPK_OK, &err);
	CHECK_EQ_INT(written, 2);
	CHECK(holds("o1", "news/one.txt", "news one\n"));
	CHECK(holds("o1", "news/two.txt", "news two, a little longer\n"));
	CHECK_EQ_INT(count_names("o1"), 3);

	/* Documents by name, in any order; an empty document is a file. */
	CHECK(mkdir("o2", 0755) == 0);
	const char *two[] = {"other/x.txt", "a.txt"};
	CHECK_RC(extract(trust, "o2", two, 2, NULL, &written, &err), NPK_OK, &err);
	CHECK_EQ_INT(written, 2);
	CHECK(holds("o2", "a.txt", "the first document\n"));
	CHECK(holds("o2", "other/x.txt", ""));
	CHECK_EQ_INT(count_names("o2"), 3);

	/* A name that is not in the archive: nothing at all is written. */
	CHECK(mkdir("o3", 0755) == 0);
	const char *missing[] = {"a.txt", "news/three.txt"};
	CHECK_RC(extract(trust, "o3", missing, 2, NULL, &written, &err), NPK_E_NOTFOUND, &err);
	CHECK(strstr(err.msg, "news/three.txt") != NULL);
	CHECK_EQ_INT(written, 0);
	CHECK_EQ_INT(count_names("o3"), 0);

	/* A prefix of a name is not a folder of it. */
	const char *prefix[] = {"new"};
	CHECK_RC(extract(trust, "o3", prefix, 1, NULL, &written, &err), NPK_E_NOTFOUND, &err);

	/* The folder must exist. */
	CHECK_RC(extract(trust, "no-such-folder", NULL, 0, NULL, &written, &err), NPK_E_NOTFOUND, &err);
	CHECK(!exists("no-such-folder"));
	npk_trust_free(trust);
}

DEFINE_TEST(test_extract_existing_files)
{
	npk_error err = {0};
	npk_trust *trust = NULL;
	CHECK_RC(make_archive(&trust, &err), NPK_OK, &err);
	uint64_t written = 0;
	CHECK(mkdir("out", 0755) == 0 && mkdir("out/news", 0755) == 0);
	CHECK(npk_test_write_file("out/news/two.txt", "old", 3) == 0);
	CHECK(npk_test_write_file("out/a.txt", "older", 5) == 0);

	/* Without force, every conflict is found before anything is written. */
	CHECK_RC(extract(trust, "out", NULL, 0, NULL, &written, &err), NPK_E_EXISTS, &err);
	CHECK(strstr(err.msg, "out/a.txt: exists") != NULL);
	CHECK(strstr(err.msg, "(and 1 more)") != NULL);
	CHECK_EQ_INT(written, 0);
	CHECK(!exists("out/news/one.txt") && !exists("out/other"));
	CHECK(holds("out", "news/two.txt", "old") && holds("out", "a.txt", "older"));

	/* With force, files are replaced. */
	npk_extract_opts o = {0};
	o.force = 1;
	CHECK_RC(extract(trust, "out", NULL, 0, &o, &written, &err), NPK_OK, &err);
	CHECK_EQ_INT(written, NDOCS);
	CHECK(holds("out", "news/two.txt", "news two, a little longer\n"));
	CHECK(holds("out", "a.txt", "the first document\n"));

	/* A file where a folder must go is never replaced, force or not. */
	CHECK(mkdir("o2", 0755) == 0);
	CHECK(npk_test_write_file("o2/other", "a file where a folder goes", 26) == 0);
	CHECK_RC(extract(trust, "o2", NULL, 0, &o, &written, &err), NPK_E_UNSAFE, &err);
	CHECK(strstr(err.msg, "o2/other: exists and is not a folder") != NULL);
	CHECK(holds("o2", "other", "a file where a folder goes"));
	CHECK_EQ_INT(count_names("o2"), 1);

	/* A folder where a file goes is refused, force or not. */
	CHECK(mkdir("dir", 0755) == 0 && mkdir("dir/a.txt", 0755) == 0);
	const char *a[] = {"a.txt"};
	CHECK_RC(extract(trust, "dir", a, 1, &o, &written, &err), NPK_E_EXISTS, &err);
	CHECK(strstr(err.msg, "not a regular file") != NULL);
	npk_trust_free(trust);
}

DEFINE_TEST(test_extract_symlinks_never_followed)
{
	npk_error err = {0};
	npk_trust *trust = NULL;
	CHECK_RC(make_archive(&trust, &err), NPK_OK, &err);
	uint64_t written = 0;
	npk_extract_opts o = {0};
	o.force = 1;
	CHECK(mkdir("outside", 0755) == 0);
	CHECK(npk_test_write_file("outside/victim", "keep", 4) == 0);

	/* A link where a document goes: refused, with and without force. */
	CHECK(mkdir("o1", 0755) == 0);
	CHECK(symlink("../outside/victim", "o1/a.txt") == 0);
	const char *a[] = {"a.txt"};
	CHECK_RC(extract(trust, "o1", a, 1, NULL, &written, &err), NPK_E_UNSAFE, &err);
	CHECK_RC(extract(trust, "o1", a, 1, &o, &written, &err), NPK_E_UNSAFE, &err);
	CHECK(strstr(err.msg, "symbolic link") != NULL);
	CHECK(holds("outside", "victim", "keep"));

	/* A link where a folder goes: nothing is written through it. */
	CHECK(mkdir("o2", 0755) == 0);
	CHECK(symlink("../outside", "o2/news") == 0);
	CHECK_RC(extract(trust, "o2", NULL, 0, NULL, &written, &err), NPK_E_UNSAFE, &err);
	CHECK_RC(extract(trust, "o2", NULL, 0, &o, &written, &err), NPK_E_UNSAFE, &err);
	CHECK_EQ_INT(count_names("outside"), 1);
	CHECK(!exists("o2/a.txt"));
	npk_trust_free(trust);
}

typedef struct seen {
	uint64_t calls, docs, bytes;
	volatile int cancel;
	uint64_t cancel_after;
} seen;

static void on_progress(uint64_t ndocs, uint64_t bytes, const char *path, void *ctx)
{
	seen *s = ctx;
	(void)path;
	s->calls++;
	s->docs = ndocs;
	s->bytes = bytes;
	if (s->cancel_after && ndocs >= s->cancel_after)
		s->cancel = 1;
}

DEFINE_TEST(test_extract_progress_and_cancel)
{
	npk_error err = {0};
	npk_trust *trust = NULL;
	CHECK_RC(make_archive(&trust, &err), NPK_OK, &err);
	uint64_t written = 0, bytes = 0;
	for (size_t i = 0; i < NDOCS; i++)
		bytes += strlen(docs[i].text);

	/* Progress counts every document and byte written. */
	seen s = {0};
	npk_extract_opts o = {0};
	o.progress = on_progress;
	o.ctx = &s;
	CHECK(mkdir("o1", 0755) == 0);
	CHECK_RC(extract(trust, "o1", NULL, 0, &o, &written, &err), NPK_OK, &err);
	CHECK_EQ_INT(written, NDOCS);
	CHECK_EQ_INT(s.docs, NDOCS);
	CHECK_EQ_INT(s.bytes, bytes);

	/* Canceled after the first document: the rest is not written, and
	 * no temporary file is left behind. */
	seen c = {0};
	c.cancel_after = 1;
	o.ctx = &c;
	o.cancel = &c.cancel;
	CHECK(mkdir("o2", 0755) == 0);
	CHECK_RC(extract(trust, "o2", NULL, 0, &o, &written, &err), NPK_E_CANCELED, &err);
	CHECK(written < NDOCS);
	CHECK(holds("o2", "a.txt", "the first document\n"));
	CHECK(!exists("o2/news/two.txt") && !exists("o2/other/x.txt"));
	FILE *p = popen("find o2 -name '.npk-extract-*' | wc -l", "r");
	int tmp = -1;
	CHECK(p != NULL && fscanf(p, "%d", &tmp) == 1);
	pclose(p);
	CHECK_EQ_INT(tmp, 0);
	npk_trust_free(trust);
}

/* The number of files under dir, at any depth. */
static int count_files(const char *dir)
{
	char cmd[256];
	snprintf(cmd, sizeof cmd, "find '%s' -type f | wc -l", dir);
	FILE *p = popen(cmd, "r");
	int n = -1;
	if (p != NULL) {
		if (fscanf(p, "%d", &n) != 1)
			n = -1;
		pclose(p);
	}
	return n;
}

/* ---- Damage: extract goes on (spec/format.md 11, on_damage = CONTINUE) ---- */

#define MANY 2000

/* Document i of y.npk: its path and its text (about 300 bytes). */
static void many_doc(size_t i, char path[64], char text[400])
{
	snprintf(path, 64, "folder-%02zu/a-document-with-a-longer-name-%04zu.txt", i % 20, i);
	int n = snprintf(text, 400, "document %zu\n", i);
	while (n < 300)
		n += snprintf(text + n, 400 - (size_t)n, "%zu,", i * 7919 % 10007 + (size_t)n);
}

/* y.npk: MANY documents in 4 KiB clusters (over 100) and several index
 * pages, signed by a new key trusted in *trust. Documents are added in
 * path order, so document i has ordinal order[i]. */
static int make_many(npk_trust **trust, npk_error *err)
{
	signed_out s;
	int rc = out_open(&s, "y.npk", 4096, trust, err);
	/* path order: by folder, then by number */
	for (size_t f = 0; rc == NPK_OK && f < 20; f++)
		for (size_t i = f; rc == NPK_OK && i < MANY; i += 20) {
			char path[64], text[400];
			many_doc(i, path, text);
			rc = out_add(&s, path, text, err);
		}
	return out_close(&s, rc, err);
}

static uint32_t ld32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The file offset of the object with magic and number k (spec 4.1), found
 * by its header in the body; 0 when there is none. */
static size_t find_object(const uint8_t *b, size_t len, const char *magic, uint32_t k)
{
	for (size_t at = 32; at + 24 <= len; at++)
		if (memcmp(b + at, magic, 4) == 0 && ld32(b + at + 8) == k && b[at + 7] == 0 &&
		    b[at + 6] == 0)
			return at;
	return 0;
}

/* Per ordinal: the cluster each document starts in, from the intact archive. */
typedef struct where {
	uint32_t cluster[MANY];
	char *path[MANY];
} where;

static int note_where(const npk_entry *e, void *ctx)
{
	where *wh = ctx;
	wh->cluster[e->ordinal] = e->cluster;
	wh->path[e->ordinal] = strdup(e->path);
	return 0;
}

typedef struct damage_log {
	size_t pages, clusters, documents, other;
	uint64_t page, page_hidden, cluster;
	uint8_t named[MANY];
} damage_log;

static void on_damage(const npk_problem *p, void *ctx)
{
	damage_log *d = ctx;
	if (strcmp(p->object, "page") == 0) {
		d->pages++;
		d->page = p->number;
		d->page_hidden = p->hidden;
	} else if (strcmp(p->object, "cluster") == 0) {
		d->clusters++;
		d->cluster = p->number;
	} else if (strcmp(p->object, "document") == 0 && p->path && p->number < MANY) {
		d->documents++;
		d->named[p->number] = 1;
	} else
		d->other++;
}

DEFINE_TEST(test_extract_goes_on_past_damage)
{
	npk_error err = {0};
	npk_trust *trust = NULL;
	CHECK_RC(make_many(&trust, &err), NPK_OK, &err);
	static where wh;
	npk_reader *r = NULL;
	CHECK_RC(npk_reader_open("y.npk", trust, 0, &r, &err), NPK_OK, &err);
	npk_info in;
	npk_reader_info(r, &in);
	CHECK(in.clusters > 100 && in.pages >= 3);
	CHECK_RC(npk_reader_list(r, note_where, &wh, &err), NPK_OK, &err);
	npk_reader_free(r);

	/* One byte of cluster 1 and one of index page 2. */
	size_t len = 0;
	uint8_t *b = (uint8_t *)npk_test_read_file("y.npk", &len);
	size_t c1 = find_object(b, len, "NPKC", 1), p2 = find_object(b, len, "NPKP", 2);
	CHECK(c1 > 0 && p2 > 0);
	b[c1 + 40] ^= 0x10;
	b[p2 + 40] ^= 0x10;
	CHECK(npk_test_write_file("y.npk", b, len) == 0);
	free(b);

	static damage_log dl;
	npk_extract_opts o = {0};
	o.damaged = on_damage;
	o.ctx = &dl;
	uint64_t written = 0;
	CHECK(mkdir("out", 0755) == 0);
	CHECK_RC(npk_reader_open("y.npk", trust, 0, &r, &err), NPK_OK, &err);
	int rc = npk_extract(r, "out", NULL, 0, &o, &written, &err);
	npk_reader_free(r);
	CHECK_RC(rc, NPK_E_DIGEST, &err);
	CHECK_EQ_INT(dl.pages, 1);
	CHECK_EQ_INT(dl.page, 2);
	CHECK_EQ_INT(dl.clusters, 1);
	CHECK_EQ_INT(dl.cluster, 1);
	CHECK_EQ_INT(dl.other, 0);
	CHECK(dl.documents > 0 && dl.page_hidden > 0);

	/* Written: every document but those named (cluster 1's) and those the
	 * page hides, a run of page_hidden ordinals; each byte for byte. */
	size_t missing = 0, first_hidden = MANY, last_hidden = 0;
	for (size_t k = 0; k < MANY; k++) {
		char full[128], path[64], text[400];
		snprintf(full, sizeof full, "out/%s", wh.path[k]);
		size_t i = (size_t)atoi(strrchr(wh.path[k], '-') + 1);
		many_doc(i, path, text);
		CHECK_STR(path, wh.path[k]);
		if (dl.named[k]) {
			CHECK(wh.cluster[k] <= 1);
			CHECK(!exists(full));
		} else if (!exists(full)) {
			missing++;
			first_hidden = k < first_hidden ? k : first_hidden;
			last_hidden = k;
		} else
			CHECK(holds("out", wh.path[k], text));
		/* a document starting in cluster 1 is named, unless its page is hidden */
		CHECK(wh.cluster[k] != 1 || dl.named[k] || !exists(full));
	}
	CHECK_EQ_INT(missing, dl.page_hidden);
	CHECK_EQ_INT(last_hidden - first_hidden + 1, dl.page_hidden);
	CHECK_EQ_INT(written, MANY - dl.documents - dl.page_hidden);
	char want[128];
	snprintf(want, sizeof want, "y.npk: %llu of %d documents damaged, not written",
	         (unsigned long long)(dl.documents + dl.page_hidden), MANY);
	CHECK_STR(err.msg, want);
	CHECK_EQ_INT(count_files("out"), (int)written);

	/* A selection: one document of the hidden page is damage, not "no
	 * such document"; one elsewhere is written and nothing is reported. */
	memset(&dl, 0, sizeof dl);
	const char *one[] = {wh.path[first_hidden + 1]};
	const char *other[] = {wh.path[MANY - 1]};
	CHECK_RC(npk_reader_open("y.npk", trust, 0, &r, &err), NPK_OK, &err);
	CHECK(mkdir("sel", 0755) == 0);
	CHECK_RC(npk_extract(r, "sel", one, 1, &o, &written, &err), NPK_E_DIGEST, &err);
	CHECK_EQ_INT(written, 0);
	CHECK_EQ_INT(dl.pages, 1);
	CHECK_RC(npk_extract(r, "sel", other, 1, &o, &written, &err), NPK_OK, &err);
	CHECK_EQ_INT(written, 1);
	CHECK_EQ_INT(dl.pages, 1);
	npk_reader_free(r);
	CHECK_EQ_INT(count_names("sel"), 2); /* the document and its folder */
	for (size_t k = 0; k < MANY; k++)
		free(wh.path[k]);
	npk_trust_free(trust);
}
