/*
 * export.c - an archive handed back to the tools archivists already use:
 * tar (POSIX pax) and zip through libarchive, BagIt bags (RFC 8493), and
 * WARC files (export_warc.c).
 *
 * The archive is verified whole first (every digest, npk_reader_verify),
 * and each document is read again through its digests as it is written.
 * Output is never left half-made: a tar or zip file is written under a
 * temporary name beside OUT and renamed when complete; a bag is built in a
 * temporary folder beside OUT and renamed into place (base/base.h, "Atomic
 * output"). OUT must not exist, and is never replaced.
 *
 * Metadata goes where each format can hold it: in pax headers (as the
 * extended attributes user.newspack.KEY, which bsdtar and GNU tar
 * --xattrs restore), in a NAME.meta.json sidecar beside each zip entry
 * (which `newspack create` reads back as metadata), and in a bag's tag
 * file newspack-metadata.jsonl and its bag-info.txt.
 */
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <sodium.h>

#include "format/format.h"
#include "interchange/interchange.h"
#include "meta/meta.h"

/* A document whose sidecar cannot be NAME.meta.json, and its name. */
struct clash {
	char *doc, *side;
};

typedef struct ectx {
	npk_reader *r;
	const npk_export_opts *opts;
	npk_error *err;
	int format;
	uint64_t created;
	uint64_t docs, bytes;
	int rc;
	/* tar and zip */
	struct archive *a;
	/* zip: the documents D whose D.meta.json is a document too, by path */
	struct clash *clash;
	size_t nclash;
	/* bags */
	int data_fd;              /* the bag's data/ folder */
	const char *bag;          /* its temporary path, for messages */
	FILE *manifest, *meta;    /* manifest-sha512.txt, newspack-metadata.jsonl */
	int out_fd;               /* the file being written */
	crypto_hash_sha512_state sha;
} ectx;

static int cancelled(const ectx *x)
{
	return x->opts && x->opts->cancel && *x->opts->cancel;
}

/* ---- tar and zip ---- */

static int ar_fail(ectx *x, const char *what)
{
	return npk__fail(x->err, NPK_E_IO, "%s: %s", what, archive_error_string(x->a));
}

static int ar_sink(const uint8_t *buf, size_t len, void *ctx)
{
	ectx *x = ctx;
	if (cancelled(x))
		return npk__fail(x->err, NPK_E_CANCELED, "canceled");
	if (archive_write_data(x->a, buf, len) != (la_ssize_t)len)
		return ar_fail(x, "writing");
	return 0;
}

static struct archive_entry *ar_entry(ectx *x, const char *path, uint64_t size)
{
	struct archive_entry *e = archive_entry_new();
	if (e == NULL)
		return NULL;
	archive_entry_set_pathname_utf8(e, path);
	archive_entry_set_size(e, (la_int64_t)size);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	/* the archive's creation time, so the same archive exports to the same bytes */
	archive_entry_set_mtime(e, (time_t)x->created, 0);
	return e;
}

/* Each pair as the pax extended attribute user.newspack.KEY, a repeated
 * key (authors) with #1, #2 ... after the first ('#' is in no key, so a
 * key title.1 stays itself), and user.newspack, which marks the member as
 * newspack's: its attributes are its whole metadata, and it is a document
 * even when named NAME.meta.json (spec/metadata.md 10.1). */
static int ar_xattrs(ectx *x, struct archive_entry *e, const npk_entry *d)
{
	char *mark;
	NPK_FORWARD(npk__sidecar_json(NULL, d->media_type, NULL, &mark, NULL, x->err));
	archive_entry_xattr_add_entry(e, "user.newspack", mark, strlen(mark));
	free(mark);
	const npk_meta *m = d->meta;
	size_t n = npk_meta_count(m);
	for (size_t i = 0; i < n; i++) {
		const char *k, *v;
		npk_meta_get(m, i, &k, &v);
		char name[NPK_META_KEY_MAX + 32];
		size_t nth = 0;
		for (size_t j = 0; j < i; j++) {
			const char *kj, *vj;
			npk_meta_get(m, j, &kj, &vj);
			nth += strcmp(kj, k) == 0;
		}
		if (nth == 0)
			snprintf(name, sizeof name, "user.newspack.%s", k);
		else
			snprintf(name, sizeof name, "user.newspack.%s#%zu", k, nth);
		archive_entry_xattr_add_entry(e, name, v, strlen(v));
	}
	return NPK_OK;
}

static int ar_header(ectx *x, struct archive_entry *e, const char *path)
{
	/* libarchive needs the path in the locale's charset too (export_archive
	 * makes that UTF-8); without it, it would crash, so say so instead */
	NPK_FAIL_IF(archive_entry_pathname(e) == NULL, x->err, NPK_E_IO,
	            "%s: cannot be written: no UTF-8 locale (C.UTF-8) here", path);
	NPK_FAIL_IF(archive_write_header(x->a, e) != ARCHIVE_OK, x->err, NPK_E_IO, "%s: %s", path,
	            archive_error_string(x->a));
	return NPK_OK;
}

static int clash_cmp(const void *a, const void *b)
{
	return strcmp(((const struct clash *)a)->doc, ((const struct clash *)b)->doc);
}

/* Whether the archive holds a document at path. */
static int has_doc(ectx *x, const char *path, int *yes)
{
	const npk_entry *e;
	int rc = npk_reader_find(x->r, path, &e, x->err);
	*yes = rc == NPK_OK;
	return rc == NPK_E_NOTFOUND ? NPK_OK : rc;
}

/* The sidecar name of D when D.meta.json is a document: D.N.meta.json for
 * the first N from 1 such that neither it nor D.N is a document (so that
 * no other sidecar has its name). */
static int clash_name(ectx *x, struct clash *c)
{
	char alt[NPK_PATH_MAX + 32];
	for (unsigned long n = 1;; n++) {
		int taken, base_taken;
		snprintf(alt, sizeof alt, "%s.%lu", c->doc, n);
		NPK_FORWARD(has_doc(x, alt, &base_taken));
		snprintf(alt, sizeof alt, "%s.%lu.meta.json", c->doc, n);
		NPK_FORWARD(has_doc(x, alt, &taken));
		if (!taken && !base_taken)
			break;
	}
	c->side = strdup(alt);
	NPK_FAIL_IF(c->side == NULL, x->err, NPK_E_NOMEM, "out of memory");
	return NPK_OK;
}

/* The paths NAME.meta.json of the archive, gathered by npk_reader_list. */
typedef struct side_scan {
	char **v;
	size_t n, cap;
} side_scan;

static int scan_doc(const npk_entry *d, void *ctx)
{
	side_scan *s = ctx;
	if (npk__sidecar_base(d->path) == 0)
		return 0;
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 16;
		char **nv = realloc(s->v, nc * sizeof *nv);
		if (nv == NULL)
			return -1;
		s->v = nv;
		s->cap = nc;
	}
	return (s->v[s->n] = strdup(d->path)) != NULL ? (s->n++, 0) : -1;
}

/* zip: which documents D have a document D.meta.json beside them, and the
 * name their sidecar takes instead (read before anything is written). */
static int clash_scan(ectx *x)
{
	side_scan s = {0};
	npk_reader_set_meta(x->r, 0);
	int rc = npk_reader_list(x->r, scan_doc, &s, x->err);
	npk_reader_set_meta(x->r, 1);
	if (rc == -1)
		rc = npk__fail(x->err, NPK_E_NOMEM, "out of memory");
	if (rc == NPK_OK && s.n > 0 && (x->clash = calloc(s.n, sizeof *x->clash)) == NULL)
		rc = npk__fail(x->err, NPK_E_NOMEM, "out of memory");
	for (size_t i = 0; rc == NPK_OK && i < s.n; i++) {
		int yes;
		s.v[i][npk__sidecar_base(s.v[i])] = 0;
		rc = has_doc(x, s.v[i], &yes);
		if (rc == NPK_OK && yes) {
			struct clash *c = &x->clash[x->nclash++];
			c->doc = s.v[i];
			s.v[i] = NULL;
			rc = clash_name(x, c);
		}
	}
	for (size_t i = 0; i < s.n; i++)
		free(s.v[i]);
	free(s.v);
	if (x->nclash > 1)
		qsort(x->clash, x->nclash, sizeof *x->clash, clash_cmp);
	return rc;
}

/* zip: the document's metadata and media type in newspack's own sidecar
 * NAME.meta.json, which newspack create reads back as they are
 * (spec/metadata.md 7.1); when NAME.meta.json is a document too, in the
 * sidecar chosen by clash_scan, which names NAME. */
static int ar_sidecar(ectx *x, const npk_entry *d)
{
	char *js, side[NPK_PATH_MAX + 32];
	size_t n;
	struct clash key = {(char *)(uintptr_t)d->path, NULL};
	const struct clash *hit = x->nclash ? bsearch(&key, x->clash, x->nclash, sizeof *x->clash,
	                                              clash_cmp) : NULL;
	const char *base = strrchr(d->path, '/');
	base = base ? base + 1 : d->path;
	NPK_FORWARD(npk__sidecar_json(d->meta, d->media_type, hit ? base : NULL, &js, &n, x->err));
	if (hit != NULL)
		snprintf(side, sizeof side, "%s", hit->side);
	else
		snprintf(side, sizeof side, "%s.meta.json", d->path);
	struct archive_entry *se = ar_entry(x, side, n + 1);
	int rc = NPK_OK;
	if (se == NULL)
		rc = npk__fail(x->err, NPK_E_NOMEM, "out of memory");
	else if (archive_write_header(x->a, se) != ARCHIVE_OK ||
	         archive_write_data(x->a, js, n) != (la_ssize_t)n ||
	         archive_write_data(x->a, "\n", 1) != 1 ||
	         archive_write_finish_entry(x->a) != ARCHIVE_OK)
		rc = ar_fail(x, side);
	archive_entry_free(se);
	free(js);
	return rc;
}

/* A symbolic link's target (15.7: 1 to 4096 bytes), read through its
 * digests. */
typedef struct target_buf {
	char t[NPK_PATH_MAX + 1];
	size_t n;
} target_buf;

static int target_sink(const uint8_t *buf, size_t len, void *ctx)
{
	target_buf *b = ctx;
	if (len > NPK_PATH_MAX - b->n)
		return -1; /* the reader checked the size: cannot happen */
	memcpy(b->t + b->n, buf, len);
	b->n += len;
	return 0;
}

/* An empty folder as a directory entry, a symbolic link as a symlink
 * entry with its target (never followed: nothing is read from the disk). */
static int ar_other(ectx *x, const npk_entry *d)
{
	target_buf b = {.n = 0};
	if (d->kind == NPK_KIND_SYMLINK) {
		int rc = npk_reader_read(x->r, d, target_sink, &b, x->err);
		NPK_FAIL_IF(rc == -1, x->err, NPK_E_FORMAT, "%s: symbolic link target too long", d->path);
		NPK_FORWARD(rc);
		b.t[b.n] = 0;
	}
	struct archive_entry *e = ar_entry(x, d->path, 0);
	NPK_FAIL_IF(e == NULL, x->err, NPK_E_NOMEM, "out of memory");
	archive_entry_set_filetype(e, d->kind == NPK_KIND_FOLDER ? AE_IFDIR : AE_IFLNK);
	archive_entry_set_perm(e, d->kind == NPK_KIND_FOLDER ? 0755 : 0777);
	if (d->kind == NPK_KIND_SYMLINK)
		archive_entry_set_symlink_utf8(e, b.t);
	int rc = ar_header(x, e, d->path);
	archive_entry_free(e);
	NPK_FORWARD(rc);
	if (archive_write_finish_entry(x->a) != ARCHIVE_OK)
		return ar_fail(x, d->path);
	return NPK_OK;
}

static int ar_doc(ectx *x, const npk_entry *d)
{
	if (d->kind != NPK_KIND_DOCUMENT)
		return ar_other(x, d);
	struct archive_entry *e = ar_entry(x, d->path, d->size);
	NPK_FAIL_IF(e == NULL, x->err, NPK_E_NOMEM, "out of memory");
	int rc = x->format != NPK_EXPORT_ZIP ? ar_xattrs(x, e, d) : NPK_OK;
	if (rc == NPK_OK)
		rc = ar_header(x, e, d->path);
	archive_entry_free(e);
	NPK_FORWARD(rc);
	NPK_FORWARD(npk_reader_read(x->r, d, ar_sink, x, x->err));
	if (archive_write_finish_entry(x->a) != ARCHIVE_OK)
		return ar_fail(x, d->path);
	if (x->format == NPK_EXPORT_ZIP)
		return ar_sidecar(x, d);
	return NPK_OK;
}

/* ---- BagIt ---- */

static int bag_sink(const uint8_t *buf, size_t len, void *ctx)
{
	ectx *x = ctx;
	if (cancelled(x))
		return npk__fail(x->err, NPK_E_CANCELED, "canceled");
	crypto_hash_sha512_update(&x->sha, buf, len);
	return npk__write_full(x->out_fd, buf, len, "bag file", x->err);
}

/* Makes the folders of path under dirfd (each component checked by
 * npk_path_check already: no "..", no absolute path). */
static int bag_mkdirs(ectx *x, const char *path)
{
	char p[NPK_PATH_MAX + 1];
	snprintf(p, sizeof p, "%s", path);
	for (char *s = strchr(p, '/'); s != NULL; s = strchr(s + 1, '/')) {
		*s = 0;
		if (mkdirat(x->data_fd, p, 0755) != 0 && errno != EEXIST)
			return npk__fail(x->err, NPK_E_IO, "%s/data/%s: %s", x->bag, p, strerror(errno));
		*s = '/';
	}
	return NPK_OK;
}

/* RFC 8493 2.1.3: CR, LF and % in a manifest path are percent-encoded. */
static void bag_path(FILE *f, const char *p)
{
	for (; *p; p++) {
		if (*p == '\r')
			fputs("%0D", f);
		else if (*p == '\n')
			fputs("%0A", f);
		else if (*p == '%')
			fputs("%25", f);
		else
			fputc(*p, f);
	}
}

/* An empty folder is the folder itself in data/: RFC 8493 lets the payload
 * hold any tree, and its manifests list files only (so nothing checks
 * it). */
static int bag_folder(ectx *x, const npk_entry *d)
{
	NPK_FORWARD(bag_mkdirs(x, d->path));
	if (mkdirat(x->data_fd, d->path, 0755) != 0)
		return npk__fail(x->err, NPK_E_IO, "%s/data/%s: %s", x->bag, d->path, strerror(errno));
	return NPK_OK;
}

static int bag_doc(ectx *x, const npk_entry *d)
{
	if (d->kind == NPK_KIND_FOLDER)
		return bag_folder(x, d);
	NPK_FORWARD(bag_mkdirs(x, d->path));
	x->out_fd = openat(x->data_fd, d->path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	                   0644);
	NPK_FAIL_IF(x->out_fd < 0, x->err, NPK_E_IO, "%s/data/%s: %s", x->bag, d->path,
	            strerror(errno));
	crypto_hash_sha512_init(&x->sha);
	int rc = npk_reader_read(x->r, d, bag_sink, x, x->err);
	if (close(x->out_fd) != 0 && rc == NPK_OK)
		rc = npk__fail(x->err, NPK_E_IO, "%s/data/%s: %s", x->bag, d->path, strerror(errno));
	NPK_FORWARD(rc);
	uint8_t h[crypto_hash_sha512_BYTES];
	crypto_hash_sha512_final(&x->sha, h);
	for (size_t i = 0; i < sizeof h; i++)
		fprintf(x->manifest, "%02x", h[i]);
	fputs("  data/", x->manifest);
	bag_path(x->manifest, d->path);
	fputc('\n', x->manifest);
	char *js;
	NPK_FORWARD(npk__meta_json(d->meta, d, NPK__JSON_PATH, &js, NULL, x->err));
	fprintf(x->meta, "%s\n", js);
	free(js);
	return NPK_OK;
}

/* The SHA-512 of a file of the bag, as a manifest line. */
static int bag_hash_line(ectx *x, int dirfd, const char *name, FILE *out)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return npk__fail(x->err, NPK_E_IO, "%s/%s: %s", x->bag, name, strerror(errno));
	crypto_hash_sha512_state st;
	crypto_hash_sha512_init(&st);
	uint8_t buf[65536];
	ssize_t n;
	while ((n = read(fd, buf, sizeof buf)) > 0)
		crypto_hash_sha512_update(&st, buf, (size_t)n);
	close(fd);
	if (n < 0)
		return npk__fail(x->err, NPK_E_IO, "%s/%s: %s", x->bag, name, strerror(errno));
	uint8_t h[crypto_hash_sha512_BYTES];
	crypto_hash_sha512_final(&st, h);
	for (size_t i = 0; i < sizeof h; i++)
		fprintf(out, "%02x", h[i]);
	fprintf(out, "  %s\n", name);
	return NPK_OK;
}

/* One "Label: value" line of bag-info.txt. A reader ends a line at CR,
 * LF or CRLF (RFC 8493 2.2.2), so each of them in the value becomes a
 * continuation line: the value can never start a tag of its own. */
static void bag_label(FILE *f, const char *label, const char *v)
{
	fprintf(f, "%s: ", label);
	for (const char *p = v; *p; p++) {
		if (*p == '\r' && p[1] == '\n')
			p++;
		if (*p == '\r' || *p == '\n')
			fputs("\n  ", f);
		else
			fputc(*p, f);
	}
	fputc('\n', f);
}

/* bag-info.txt (RFC 8493 2.2.2): labels from the archive's metadata. */
static void bag_info(ectx *x, FILE *f)
{
	npk_info in;
	npk_reader_info(x->r, &in);
	char date[16];
	time_t t = (time_t)in.created;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(date, sizeof date, "%Y-%m-%d", &tm);
	static const struct { const char *key, *label; } map[] = {
		{"creator", "Source-Organization"}, {"title", "External-Description"},
		{"description", "Internal-Sender-Description"},
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
		const char *v = npk_meta_find(in.meta, map[i].key);
		if (v == NULL)
			continue;
		bag_label(f, map[i].label, v);
	}
	fprintf(f, "Bagging-Date: %s\n", date);
	fprintf(f, "Payload-Oxum: %llu.%llu\n", (unsigned long long)x->bytes,
	        (unsigned long long)x->docs);
	fprintf(f, "Bag-Software-Agent: newspack %s\n", NPK_VERSION_STRING);
	char id[17];
	npk_keyid_format(in.key_id, id);
	fprintf(f, "Newspack-Signer-Key-Id: %s\n", id);
	const char *lic = npk_meta_find(in.meta, "license");
	if (lic != NULL)
		bag_label(f, "Newspack-License", lic);
}

/* ---- Driver ---- */

/* What format x cannot hold (15.7): a withdrawn document anywhere, a
 * symbolic link in a bag. NULL when it goes out. */
static const char *left_out(const ectx *x, const npk_entry *d)
{
	if (d->kind == NPK_KIND_WITHDRAWN)
		return "withdrawn document not exported (its content is not in the archive)";
	if (d->kind == NPK_KIND_SYMLINK && x->format == NPK_EXPORT_BAGIT)
		return "symbolic link not exported (a bag holds only files)";
	return NULL;
}

static int on_doc(const npk_entry *d, void *ctx)
{
	ectx *x = ctx;
	const char *why = left_out(x, d);
	if (why != NULL) {
		if (x->opts && x->opts->warn)
			x->opts->warn(d->path, why, x->opts->ctx);
		return 0;
	}
	int rc = x->format == NPK_EXPORT_BAGIT ? bag_doc(x, d) : ar_doc(x, d);
	if (rc != NPK_OK)
		return x->rc = rc;
	if (d->kind != NPK_KIND_DOCUMENT)
		return 0; /* counted as no document (Payload-Oxum, "exported N documents") */
	x->docs++;
	x->bytes += d->size;
	if (x->opts && x->opts->progress)
		x->opts->progress(x->docs, x->bytes, d->path, x->opts->ctx);
	return 0;
}

/* Every document, through on_doc; the error that stopped the list wins. */
static int list_docs(ectx *x)
{
	int rc = npk_reader_list(x->r, on_doc, x, x->err);
	return rc != NPK_OK ? rc : x->rc;
}

/* A tar, tar.gz or zip writer on fd, paths in UTF-8 whatever the locale. */
static int ar_open(ectx *x, int fd, const char *out)
{
	x->a = archive_write_new();
	NPK_FAIL_IF(x->a == NULL, x->err, NPK_E_NOMEM, "out of memory");
	int zip = x->format == NPK_EXPORT_ZIP, gz = x->format == NPK_EXPORT_TAR_GZ;
	if ((zip ? archive_write_set_format_zip(x->a)
	         : archive_write_set_format_pax_restricted(x->a)) != ARCHIVE_OK ||
	    (gz && (archive_write_add_filter_gzip(x->a) != ARCHIVE_OK ||
	            archive_write_set_filter_option(x->a, "gzip", "timestamp", NULL) != ARCHIVE_OK)) ||
	    archive_write_set_options(x->a, zip ? "zip:hdrcharset=UTF-8"
	                                        : "pax:hdrcharset=UTF-8,pax:xattrheader=SCHILY") !=
	        ARCHIVE_OK ||
	    archive_write_open_fd(x->a, fd) != ARCHIVE_OK)
		return ar_fail(x, out);
	return NPK_OK;
}

static int export_archive(ectx *x, const char *out)
{
	npk__out o;
	NPK_FORWARD(npk__out_open(&o, out, NPK__MODE_FILE, 0, x->err));
	/* Paths are UTF-8: libarchive converts through the locale's charset,
	 * so this thread works in C.UTF-8 while it writes (the caller's locale
	 * is untouched). */
	locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	locale_t before = utf8 != (locale_t)0 ? uselocale(utf8) : (locale_t)0;
	int rc;
	if (x->format == NPK_EXPORT_ZIP)
		NPK_FORWARD_GOTO(rc, clash_scan(x), done);
	NPK_FORWARD_GOTO(rc, ar_open(x, o.fd, out), done);
	NPK_FORWARD_GOTO(rc, list_docs(x), done);
	if (archive_write_close(x->a) != ARCHIVE_OK) {
		rc = ar_fail(x, out);
		goto done;
	}
	rc = npk__out_commit(&o, x->err);
done:
	archive_write_free(x->a);
	for (size_t i = 0; i < x->nclash; i++) {
		free(x->clash[i].doc);
		free(x->clash[i].side);
	}
	free(x->clash);
	if (utf8 != (locale_t)0) {
		uselocale(before);
		freelocale(utf8);
	}
	npk__out_abort(&o);
	return rc;
}

static int tag_open(ectx *x, int bag, const char *name, FILE **f)
{
	int fd = openat(bag, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	*f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (*f != NULL)
		return NPK_OK;
	int e = errno;
	if (fd >= 0)
		close(fd);
	return npk__fail(x->err, NPK_E_IO, "%s/%s: %s", x->bag, name, strerror(e));
}

/* Closes a tag file (f may be NULL): rc, or the error of a write that
 * failed. */
static int tag_close(ectx *x, FILE *f, const char *name, int rc)
{
	if (f == NULL)
		return rc;
	int bad = ferror(f);
	if ((fclose(f) != 0 || bad) && rc == NPK_OK)
		rc = npk__fail(x->err, NPK_E_IO, "%s/%s: %s", x->bag, name, strerror(errno));
	return rc;
}

/* data/ and the documents, with their manifest and metadata lines. */
static int bag_payload(ectx *x, int bag)
{
	if (mkdirat(bag, "data", 0755) != 0 ||
	    (x->data_fd = openat(bag, "data", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return npk__fail(x->err, NPK_E_IO, "%s/data: %s", x->bag, strerror(errno));
	int rc;
	NPK_FORWARD_GOTO(rc, tag_open(x, bag, "manifest-sha512.txt", &x->manifest), done);
	NPK_FORWARD_GOTO(rc, tag_open(x, bag, "newspack-metadata.jsonl", &x->meta), done);
	rc = list_docs(x);
done:
	rc = tag_close(x, x->manifest, "manifest-sha512.txt", rc);
	return tag_close(x, x->meta, "newspack-metadata.jsonl", rc);
}

/* The tag files, then the tag manifest over them (RFC 8493 2.2). */
static int bag_tags(ectx *x, int bag)
{
	static const char *const tags[] = {"bag-info.txt", "bagit.txt", "manifest-sha512.txt",
	                                   "newspack-metadata.jsonl"};
	FILE *f;
	NPK_FORWARD(tag_open(x, bag, "bagit.txt", &f));
	fputs("BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n", f);
	NPK_FORWARD(tag_close(x, f, "bagit.txt", NPK_OK));
	NPK_FORWARD(tag_open(x, bag, "bag-info.txt", &f));
	bag_info(x, f);
	NPK_FORWARD(tag_close(x, f, "bag-info.txt", NPK_OK));
	NPK_FORWARD(tag_open(x, bag, "tagmanifest-sha512.txt", &f));
	int rc = NPK_OK;
	for (size_t i = 0; rc == NPK_OK && i < sizeof tags / sizeof tags[0]; i++)
		rc = bag_hash_line(x, bag, tags[i], f);
	return tag_close(x, f, "tagmanifest-sha512.txt", rc);
}

/* A bag is a folder made under a temporary name and renamed into place;
 * commit syncs every file in it. */
static int export_bag(ectx *x, const char *out)
{
	npk__out o;
	NPK_FORWARD(npk__out_open(&o, out, NPK__MODE_FOLDER, NPK__OUT_FOLDER, x->err));
	x->bag = o.tmp;
	x->data_fd = -1;
	int rc;
	NPK_FORWARD_GOTO(rc, bag_payload(x, o.fd), done);
	NPK_FORWARD_GOTO(rc, bag_tags(x, o.fd), done);
	rc = npk__out_commit(&o, x->err);
done:
	if (x->data_fd >= 0)
		close(x->data_fd);
	npk__out_abort(&o);
	return rc;
}

int npk_export(npk_reader *r, const char *out, int format, const npk_export_opts *opts,
               uint64_t *written, npk_error *err)
{
	if (written)
		*written = 0;
	NPK_FAIL_IF(r == NULL || out == NULL || out[0] == 0, err, NPK_E_ARG, "npk_export: no archive or output");
	NPK_FAIL_IF(format < NPK_EXPORT_TAR || format > NPK_EXPORT_WARC_GZ,
	            err, NPK_E_ARG, "npk_export: unknown format %d", format);
	struct stat st;
	NPK_FAIL_IF(lstat(out, &st) == 0, err, NPK_E_EXISTS, "%s: exists; export never replaces anything",
	            out);
	/* Everything is checked before anything is written. */
	npk_verify_stats vs;
	NPK_FORWARD(npk_reader_verify(r, NULL, NULL, &vs, err));
	if (format == NPK_EXPORT_WARC || format == NPK_EXPORT_WARC_GZ)
		return npk__export_warc(r, out, format, opts, written, err);
	npk_info in;
	npk_reader_info(r, &in);
	ectx x;
	memset(&x, 0, sizeof x);
	x.r = r;
	x.opts = opts;
	x.err = err;
	x.format = format;
	x.created = in.created;
	int rc = format == NPK_EXPORT_BAGIT ? export_bag(&x, out) : export_archive(&x, out);
	if (written)
		*written = rc == NPK_OK ? x.docs : 0;
	return rc;
}
