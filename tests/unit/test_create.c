/* test_create.c - npk_create and its inputs: a file swapped for a FIFO
 * between the walk's listing and its reading is refused at once, naming
 * it (never a blocked open). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "newspack.h"
#include "test.h"

static int has(const npk_error *err, const char *needle)
{
	if (strstr(err->msg, needle) != NULL)
		return 1;
	fprintf(stderr, "  message \"%s\" lacks \"%s\"\n", err->msg, needle);
	return 0;
}

/* npk_create of inputs into out.npk with a fresh key and opts (may be
 * NULL); the code it returns. */
static int create(const char *const *inputs, size_t n, npk_create_opts *opts,
                  npk_create_stats *st, npk_error *err)
{
	npk_pubkey *pk = NULL;
	npk_seckey *sk = NULL;
	int rc = npk_keypair_generate(&pk, &sk, err);
	npk_create_opts o;
	memset(&o, 0, sizeof o);
	if (opts == NULL)
		opts = &o;
	opts->timestamp = 1737676800;
	if (rc == NPK_OK)
		rc = npk_create("out.npk", inputs, n, opts, sk, st, err);
	npk_pubkey_free(pk);
	npk_seckey_free(sk);
	return rc;
}

/* ---- a FIFO swapped in after the listing ---- */

static void on_alarm(int sig)
{
	(void)sig; /* only interrupts a blocked open (no SA_RESTART) */
}

/* After the first document: ctx (a path) becomes a FIFO. */
static void swap_fifo(uint64_t docs, uint64_t bytes, const char *path, void *ctx)
{
	(void)bytes;
	(void)path;
	if (docs == 1 && unlink(ctx) == 0)
		(void)mkfifo(ctx, 0644);
}

/* Creates d/ (a.txt, b.txt, b.txt.meta.json), swaps victim for a FIFO
 * after a.txt, and checks that create refuses it at once, naming it. */
static void fifo_swapped(const char *victim)
{
	CHECK(mkdir("d", 0755) == 0);
	CHECK(npk_test_write_file("d/a.txt", "a\n", 2) == 0);
	CHECK(npk_test_write_file("d/b.txt", "b\n", 2) == 0);
	CHECK(npk_test_write_file("d/b.txt.meta.json", "{\"title\": \"B\"}", 15) == 0);
	struct sigaction sa, old;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	CHECK(sigaction(SIGALRM, &sa, &old) == 0);
	alarm(5);
	npk_create_opts o;
	memset(&o, 0, sizeof o);
	o.progress = swap_fifo;
	o.ctx = (void *)(uintptr_t)victim;
	npk_error err = {0};
	const char *in[] = {"d"};
	int rc = create(in, 1, &o, NULL, &err);
	alarm(0);
	sigaction(SIGALRM, &old, NULL);
	CHECK_RC(rc, NPK_E_INPUT, &err);
	CHECK(has(&err, victim));
	CHECK(has(&err, "a FIFO, not a regular file"));
	CHECK(access("out.npk", F_OK) != 0);
}

DEFINE_TEST(create_fifo_swapped_for_file)
{
	fifo_swapped("d/b.txt");
}

DEFINE_TEST(create_fifo_swapped_for_sidecar)
{
	fifo_swapped("d/b.txt.meta.json");
}

/* ---- empty folders and symbolic links (spec/format.md 15.7) ---- */

typedef struct dump_ctx {
	npk_reader *r;
	char out[8192];
	size_t len, n;
	int bad;                  /* an entry's leaf is not its position, or its salt is zero */
} dump_ctx;

static int dump_sink(const uint8_t *buf, size_t len, void *ctx)
{
	dump_ctx *d = ctx;
	d->len += (size_t)snprintf(d->out + d->len, sizeof d->out - d->len, "%.*s", (int)len,
	                           (const char *)buf);
	return 0;
}

static const uint8_t zero_salt[16];

/* One line per entry: "KIND PATH MEDIA SIZE", and for a link " -> TARGET". */
static int dump_entry(const npk_entry *e, void *ctx)
{
	static const char *const kinds[] = {"doc", "withdrawn", "folder", "link"};
	dump_ctx *d = ctx;
	if (e->leaf != d->n++ || memcmp(e->salt, zero_salt, 16) == 0)
		d->bad = 1;
	d->len += (size_t)snprintf(d->out + d->len, sizeof d->out - d->len, "%s %s %s %llu",
	                           e->kind < 4 ? kinds[e->kind] : "?", e->path, e->media_type,
	                           (unsigned long long)e->size);
	if (e->kind == NPK_KIND_SYMLINK) {
		d->len += (size_t)snprintf(d->out + d->len, sizeof d->out - d->len, " -> ");
		npk_error err;
		if (npk_reader_read(d->r, e, dump_sink, d, &err) != NPK_OK)
			return 1;
	}
	d->len += (size_t)snprintf(d->out + d->len, sizeof d->out - d->len, "\n");
	return 0;
}

/* The entries of path (verified whole first), one line each; NULL when it
 * cannot be read, or when an entry's leaf or salt is wrong. */
static char *dump(const char *path)
{
	static dump_ctx d;
	npk_error err = {0};
	memset(&d, 0, sizeof d);
	if (npk_reader_open(path, NULL, 1, &d.r, &err) != NPK_OK)
		return fprintf(stderr, "  %s\n", err.msg), NULL;
	int rc = npk_reader_verify(d.r, NULL, NULL, NULL, &err);
	if (rc == NPK_OK)
		rc = npk_reader_list(d.r, dump_entry, &d, &err);
	npk_reader_free(d.r);
	if (rc != NPK_OK || d.bad)
		return fprintf(stderr, "  %s: rc %d bad %d: %s\n", path, rc, d.bad, err.msg), NULL;
	return d.out;
}

/* A writer on path, format 1.1 (or 1.0), salts keyed by sk. */
static npk_writer *writer_on(const char *path, int v10, const npk_seckey *sk, int *fd)
{
	npk_create_opts o;
	memset(&o, 0, sizeof o);
	o.format_10 = v10;
	o.salt_key = sk;
	o.threads = 1;
	npk_writer *w = NULL;
	npk_error err;
	*fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (*fd < 0 || npk_writer_new(*fd, &o, &w, &err) != NPK_OK)
		return NULL;
	return w;
}

DEFINE_TEST(writer_folders_and_links)
{
	npk_error err = {0};
	npk_pubkey *pk = NULL;
	npk_seckey *sk = NULL;
	CHECK_RC(npk_keypair_generate(&pk, &sk, &err), NPK_OK, &err);
	int fd;
	npk_writer *w = writer_on("k.npk", 0, sk, &fd);
	CHECK(w != NULL);
	CHECK_RC(npk_writer_begin(w, "a.txt", "text/plain", NULL, 2, &err), NPK_OK, &err);
	CHECK_RC(npk_writer_data(w, "a\n", 2, &err), NPK_OK, &err);
	CHECK_RC(npk_writer_end(w, &err), NPK_OK, &err);
	CHECK_RC(npk_writer_add_folder(w, "empty", NULL, &err), NPK_OK, &err);
	CHECK_RC(npk_writer_add_symlink(w, "l/abs", "/etc/passwd", 11, NULL, &err), NPK_OK, &err);
	CHECK_RC(npk_writer_add_symlink(w, "l/up", "../a.txt", 8, NULL, &err), NPK_OK, &err);
	CHECK_RC(npk_writer_finish(w, sk, &err), NPK_OK, &err);
	npk_writer_free(w);
	close(fd);
	const char *got = dump("k.npk");
	CHECK(got != NULL);
	CHECK_STR(got, "doc a.txt text/plain 2\n"
	               "folder empty inode/directory 0\n"
	               "link l/abs inode/symlink 11 -> /etc/passwd\n"
	               "link l/up inode/symlink 8 -> ../a.txt\n");
	npk_pubkey_free(pk);
	npk_seckey_free(sk);
}

/* What the writer refuses: a target the reader would refuse, an entry
 * under an empty folder or a link, and both kinds in format 1.0. */
DEFINE_TEST(writer_folder_link_rules)
{
	npk_error err = {0};
	npk_pubkey *pk = NULL;
	npk_seckey *sk = NULL;
	CHECK_RC(npk_keypair_generate(&pk, &sk, &err), NPK_OK, &err);
	int fd;
	npk_writer *w = writer_on("r.npk", 0, sk, &fd);
	CHECK(w != NULL);
	static char longt[4098];
	memset(longt, 'x', sizeof longt - 1);
	CHECK_RC(npk_writer_add_symlink(w, "e", "", 0, NULL, &err), NPK_E_INPUT, &err);
	CHECK(has(&err, "e: a symbolic link's target must be 1 to 4096 bytes, not 0"));
	CHECK_RC(npk_writer_add_symlink(w, "e", longt, 4097, NULL, &err), NPK_E_INPUT, &err);
	CHECK(has(&err, "not 4097"));
	CHECK_RC(npk_writer_add_symlink(w, "e", longt, 4096, NULL, &err), NPK_OK, &err);
	CHECK_RC(npk_writer_add_symlink(w, "n", "a\0b", 3, NULL, &err), NPK_E_INPUT, &err);
	CHECK(has(&err, "n: the symbolic link's target holds a NUL byte"));
	CHECK_RC(npk_writer_add_symlink(w, "u", "a\xff", 2, NULL, &err), NPK_E_INPUT, &err);
	CHECK(has(&err, "u: the symbolic link's target is not UTF-8"));
	CHECK_RC(npk_writer_add_folder(w, "f", NULL, &err), NPK_OK, &err);
	CHECK_RC(npk_writer_add_folder(w, "f/g", NULL, &err), NPK_E_INPUT, &err);
	CHECK(has(&err, "\"f\""));
	CHECK_RC(npk_writer_add_folder(w, "f", NULL, &err), NPK_E_INPUT, &err);
	CHECK_RC(npk_writer_add_symlink(w, "g", "f", 1, NULL, &err), NPK_OK, &err);
	CHECK_RC(npk_writer_begin(w, "g/x", "text/plain", NULL, 0, &err), NPK_E_INPUT, &err);
	CHECK_RC(npk_writer_finish(w, sk, &err), NPK_OK, &err);
	npk_writer_free(w);
	close(fd);
	const char *got = dump("r.npk");
	CHECK(got != NULL);
	CHECK(strstr(got, "folder f inode/directory 0\nlink g inode/symlink 1 -> f\n") != NULL);

	w = writer_on("o.npk", 1, sk, &fd);
	CHECK(w != NULL);
	CHECK_RC(npk_writer_add_folder(w, "d/empty", NULL, &err), NPK_E_ARG, &err);
	CHECK(has(&err, "d/empty: format 1.0 has no empty folders; write 1.1"));
	CHECK_RC(npk_writer_add_symlink(w, "d/link", "x", 1, NULL, &err), NPK_E_ARG, &err);
	CHECK(has(&err, "d/link: format 1.0 has no symbolic links; write 1.1"));
	npk_writer_free(w);
	close(fd);
	npk_pubkey_free(pk);
	npk_seckey_free(sk);
}

typedef struct warned {
	char text[2048];
	size_t len;
} warned;

static void on_warn(const char *path, const char *why, void *ctx)
{
	warned *w = ctx;
	w->len += (size_t)snprintf(w->text + w->len, sizeof w->text - w->len, "%s: %s\n", path, why);
}

/* A tree with an empty folder that sorts before a sibling file (e before
 * e.txt), a folder whose only file is excluded, and links of every sort. */
static void folders_links_tree(void)
{
	CHECK(mkdir("t", 0755) == 0 && mkdir("t/e", 0755) == 0 && mkdir("t/x", 0755) == 0 &&
	      mkdir("t/l", 0755) == 0);
	CHECK(npk_test_write_file("t/e.txt", "e\n", 2) == 0);
	CHECK(npk_test_write_file("t/x/skip.tmp", "s\n", 2) == 0);
	CHECK(symlink("../e.txt", "t/l/up") == 0 && symlink("/etc/passwd", "t/l/abs") == 0 &&
	      symlink("e", "t/l/dir") == 0);
}

DEFINE_TEST(create_folders_and_links)
{
	folders_links_tree();
	warned wd = {0};
	const char *ex[] = {"*.tmp"};
	npk_create_opts o;
	memset(&o, 0, sizeof o);
	o.exclude = ex;
	o.nexclude = 1;
	o.warn = on_warn;
	o.ctx = &wd;
	npk_create_stats st;
	npk_error err = {0};
	const char *in[] = {"t"};
	CHECK_RC(create(in, 1, &o, &st, &err), NPK_OK, &err);
	CHECK_EQ_INT(st.documents, 1);
	CHECK_EQ_INT(st.folders, 2);
	CHECK_EQ_INT(st.links, 3);
	CHECK_EQ_INT(st.skipped, 0);
	CHECK_STR(wd.text, "");
	const char *got = dump("out.npk");
	CHECK(got != NULL);
	CHECK_STR(got, "folder e inode/directory 0\n"
	               "doc e.txt text/plain 2\n"
	               "link l/abs inode/symlink 11 -> /etc/passwd\n"
	               "link l/dir inode/symlink 1 -> e\n"
	               "link l/up inode/symlink 8 -> ../e.txt\n"
	               "folder x inode/directory 0\n");
}

/* Format 1.0 holds neither: each link is skipped, named; empty folders
 * are left out; the documents are as in 1.1. */
DEFINE_TEST(create_folders_and_links_10)
{
	folders_links_tree();
	warned wd = {0};
	npk_create_opts o;
	memset(&o, 0, sizeof o);
	o.format_10 = 1;
	o.warn = on_warn;
	o.ctx = &wd;
	npk_create_stats st;
	npk_error err = {0};
	const char *in[] = {"t"};
	CHECK_RC(create(in, 1, &o, &st, &err), NPK_OK, &err);
	CHECK_EQ_INT(st.documents, 2);
	CHECK_EQ_INT(st.folders + st.links, 0);
	CHECK_EQ_INT(st.skipped, 3);
	CHECK(strstr(wd.text, "t/l/abs: symbolic link not archived (format 1.0 stores only regular "
	                      "files)\n") != NULL);
	CHECK(strstr(wd.text, "t/l/up: ") != NULL && strstr(wd.text, "t/l/dir: ") != NULL);
}

/* Nothing but an empty folder under the INPUT folder is still an archive;
 * an INPUT folder with nothing in it is none. */
DEFINE_TEST(create_only_empty_folders)
{
	CHECK(mkdir("t", 0755) == 0 && mkdir("t/e", 0755) == 0 && mkdir("u", 0755) == 0);
	npk_create_stats st;
	npk_error err = {0};
	const char *in[] = {"t"}, *in2[] = {"u"};
	CHECK_RC(create(in, 1, NULL, &st, &err), NPK_OK, &err);
	CHECK_EQ_INT(st.folders, 1);
	const char *got = dump("out.npk");
	CHECK(got != NULL);
	CHECK_STR(got, "folder e inode/directory 0\n");
	CHECK(unlink("out.npk") == 0);
	CHECK_RC(create(in2, 1, NULL, &st, &err), NPK_E_INPUT, &err);
	CHECK(has(&err, "no documents found in the inputs"));
}
