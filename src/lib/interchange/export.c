/*
 * export.c - an archive handed back to the tools archivists already use:
 * tar (POSIX pax) and zip through libarchive, BagIt bags (RFC 8493), and
 * WARC files (export_warc.c).
 *
 * The archive is verified whole first (every digest, npk_reader_verify),
 * and each document is read again through its digests as it is written.
 * Output is never left half-made: a tar or zip file is written under a
 * temporary name beside OUT and renamed when complete; a bag is built in a
 * temporary folder beside OUT and renamed into place. OUT must not exist.
 *
 * Metadata goes where each format can hold it: in pax headers (as the
 * extended attributes user.newspack.KEY, which bsdtar and GNU tar
 * --xattrs restore), in a NAME.meta.json sidecar beside each zip entry
 * (which `newspack create` reads back as metadata), and in a bag's tag
 * file newspack-metadata.jsonl and its bag-info.txt.
 */
#define _GNU_SOURCE /* mkdtemp, renameat2 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <jansson.h>
#include <sodium.h>

#include "format/format.h"
#include "interchange/interchange.h"

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

json_t *npk__export_meta_object(const npk_meta *m)
{
	json_t *md = json_object();
	size_t n = npk_meta_count(m);
	for (size_t i = 0; md != NULL && i < n; i++) {
		const char *k, *v;
		npk_meta_get(m, i, &k, &v);
		json_t *old = json_object_get(md, k);
		if (old == NULL)
			json_object_set_new(md, k, json_string(v));
		else if (json_is_array(old))
			json_array_append_new(old, json_string(v));
		else {
			json_t *arr = json_array();
			json_array_append(arr, old);
			json_array_append_new(arr, json_string(v));
			json_object_set_new(md, k, arr);
		}
	}
	return md;
}

/* A document's metadata as one JSON object: repeated keys become arrays. */
static char *meta_json(const npk_meta *m, const char *path)
{
	json_t *o = path != NULL ? json_object() : npk__export_meta_object(m);
	if (o == NULL)
		return NULL;
	if (path != NULL) {
		json_object_set_new(o, "path", json_string(path));
		json_object_set_new(o, "metadata", npk__export_meta_object(m));
	}
	char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	return s;
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

static int ar_doc(ectx *x, const npk_entry *d)
{
	struct archive_entry *e = ar_entry(x, d->path, d->size);
	if (e == NULL)
		return npk__fail(x->err, NPK_E_NOMEM, "out of memory");
	size_t n = npk_meta_count(d->meta);
	for (size_t i = 0; x->format != NPK_EXPORT_ZIP && i < n; i++) {
		const char *k, *v;
		npk_meta_get(d->meta, i, &k, &v);
		char name[NPK_META_KEY_MAX + 32];
		/* a repeated key (authors) gets .1, .2 ... after the first */
		size_t nth = 0;
		for (size_t j = 0; j < i; j++) {
			const char *kj, *vj;
			npk_meta_get(d->meta, j, &kj, &vj);
			nth += strcmp(kj, k) == 0;
		}
		if (nth == 0)
			snprintf(name, sizeof name, "user.newspack.%s", k);
		else
			snprintf(name, sizeof name, "user.newspack.%s.%zu", k, nth);
		archive_entry_xattr_add_entry(e, name, v, strlen(v));
	}
	int rc = NPK_OK;
	/* libarchive needs the path in the locale's charset too (export_archive
	 * makes that UTF-8); without it, it would crash, so say so instead */
	if (archive_entry_pathname(e) == NULL)
		rc = npk__fail(x->err, NPK_E_IO, "%s: cannot be written: no UTF-8 locale (C.UTF-8) here",
		               d->path);
	else if (archive_write_header(x->a, e) != ARCHIVE_OK)
		rc = npk__fail(x->err, NPK_E_IO, "%s: %s", d->path, archive_error_string(x->a));
	archive_entry_free(e);
	if (rc == NPK_OK)
		rc = npk_reader_read(x->r, d, ar_sink, x, x->err);
	if (rc == NPK_OK && archive_write_finish_entry(x->a) != ARCHIVE_OK)
		rc = ar_fail(x, d->path);
	/* zip: the metadata in a sidecar that newspack create reads back */
	if (rc == NPK_OK && x->format == NPK_EXPORT_ZIP && n > 0) {
		char *js = meta_json(d->meta, NULL);
		char side[NPK_PATH_MAX + 16];
		snprintf(side, sizeof side, "%s.meta.json", d->path);
		struct archive_entry *se = js ? ar_entry(x, side, strlen(js) + 1) : NULL;
		if (se == NULL)
			rc = npk__fail(x->err, NPK_E_NOMEM, "out of memory");
		else if (archive_write_header(x->a, se) != ARCHIVE_OK ||
		         archive_write_data(x->a, js, strlen(js)) != (la_ssize_t)strlen(js) ||
		         archive_write_data(x->a, "\n", 1) != 1 ||
		         archive_write_finish_entry(x->a) != ARCHIVE_OK)
			rc = ar_fail(x, side);
		archive_entry_free(se);
		free(js);
	}
	return rc;
}

/* ---- BagIt ---- */

static int bag_sink(const uint8_t *buf, size_t len, void *ctx)
{
	ectx *x = ctx;
	if (cancelled(x))
		return npk__fail(x->err, NPK_E_CANCELED, "canceled");
	crypto_hash_sha512_update(&x->sha, buf, len);
	int rc = npk__write_full(x->out_fd, buf, len, "bag file", x->err);
	return rc == NPK_OK ? 0 : rc;
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

static int bag_doc(ectx *x, const npk_entry *d)
{
	int rc = bag_mkdirs(x, d->path);
	if (rc != NPK_OK)
		return rc;
	x->out_fd = openat(x->data_fd, d->path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	                   0644);
	if (x->out_fd < 0)
		return npk__fail(x->err, NPK_E_IO, "%s/data/%s: %s", x->bag, d->path, strerror(errno));
	crypto_hash_sha512_init(&x->sha);
	rc = npk_reader_read(x->r, d, bag_sink, x, x->err);
	if (close(x->out_fd) != 0 && rc == NPK_OK)
		rc = npk__fail(x->err, NPK_E_IO, "%s/data/%s: %s", x->bag, d->path, strerror(errno));
	if (rc != NPK_OK)
		return rc;
	uint8_t h[crypto_hash_sha512_BYTES];
	crypto_hash_sha512_final(&x->sha, h);
	for (size_t i = 0; i < sizeof h; i++)
		fprintf(x->manifest, "%02x", h[i]);
	fputs("  data/", x->manifest);
	bag_path(x->manifest, d->path);
	fputc('\n', x->manifest);
	char *js = meta_json(d->meta, d->path);
	if (js == NULL)
		return npk__fail(x->err, NPK_E_NOMEM, "out of memory");
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
		fprintf(f, "%s: ", map[i].label);
		/* a value's line breaks become continuation lines */
		for (const char *p = v; *p; p++) {
			if (*p == '\n')
				fputs("\n  ", f);
			else if (*p != '\r')
				fputc(*p, f);
		}
		fputc('\n', f);
	}
	fprintf(f, "Bagging-Date: %s\n", date);
	fprintf(f, "Payload-Oxum: %llu.%llu\n", (unsigned long long)x->bytes,
	        (unsigned long long)x->docs);
	fprintf(f, "Bag-Software-Agent: newspack %s\n", NPK_VERSION_STRING);
	char id[17];
	npk_keyid_format(in.key_id, id);
	fprintf(f, "Newspack-Signer-Key-Id: %s\n", id);
	const char *lic = npk_meta_find(in.meta, "license");
	if (lic != NULL && strchr(lic, '\n') == NULL)
		fprintf(f, "Newspack-License: %s\n", lic);
}

/* ---- Driver ---- */

static int on_doc(const npk_entry *d, void *ctx)
{
	ectx *x = ctx;
	int rc = x->format == NPK_EXPORT_BAGIT ? bag_doc(x, d) : ar_doc(x, d);
	if (rc != NPK_OK)
		return x->rc = rc;
	x->docs++;
	x->bytes += d->size;
	if (x->opts && x->opts->progress)
		x->opts->progress(x->docs, x->bytes, d->path, x->opts->ctx);
	return 0;
}

/* The template of a temporary name beside out, for mkstemp or mkdtemp:
 * DIR/.NAME.tmp-XXXXXX (malloc'd; NULL when out of memory). */
static char *tmp_beside(const char *out)
{
	size_t tl = strlen(out) + 32;
	char *tmp = malloc(tl);
	if (tmp == NULL)
		return NULL;
	const char *slash = strrchr(out, '/');
	snprintf(tmp, tl, "%.*s.%s.tmp-XXXXXX", slash ? (int)(slash - out + 1) : 0, out,
	         slash ? slash + 1 : out);
	return tmp;
}

int npk__export_tmp_open(const char *out, int *fd, char **tmp, npk_error *err)
{
	*tmp = tmp_beside(out);
	NPK_FAIL_IF(*tmp == NULL, err, NPK_E_NOMEM, "out of memory");
	*fd = mkstemp(*tmp);
	if (*fd < 0) {
		int rc = npk__fail(err, NPK_E_IO, "%s: cannot create a temporary file: %s", *tmp,
		                   strerror(errno));
		free(*tmp);
		*tmp = NULL;
		return rc;
	}
	fchmod(*fd, 0644);
	return NPK_OK;
}

int npk__export_tmp_done(int fd, char *tmp, const char *out, int rc, npk_error *err)
{
	if (rc == NPK_OK && fsync(fd) != 0)
		rc = npk__fail(err, NPK_E_IO, "%s: fsync: %s", tmp, strerror(errno));
	if (close(fd) != 0 && rc == NPK_OK)
		rc = npk__fail(err, NPK_E_IO, "%s: %s", tmp, strerror(errno));
	/* RENAME_NOREPLACE: OUT that appeared meanwhile is not replaced */
	if (rc == NPK_OK && renameat2(AT_FDCWD, tmp, AT_FDCWD, out, RENAME_NOREPLACE) != 0)
		rc = npk__fail(err, errno == EEXIST ? NPK_E_EXISTS : NPK_E_IO, "%s: %s", out,
		               errno == EEXIST ? "exists" : strerror(errno));
	if (rc != NPK_OK)
		unlink(tmp);
	free(tmp);
	return rc;
}

static int export_archive(ectx *x, const char *out)
{
	char *tmp;
	int fd;
	int rc = npk__export_tmp_open(out, &fd, &tmp, x->err);
	if (rc != NPK_OK)
		return rc;
	/* Paths are UTF-8: libarchive converts through the locale's charset,
	 * so this thread works in C.UTF-8 while it writes (the caller's locale
	 * is untouched). */
	locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	locale_t before = utf8 != (locale_t)0 ? uselocale(utf8) : (locale_t)0;
	x->a = archive_write_new();
	int r = x->a == NULL ? ARCHIVE_FATAL
	        : x->format == NPK_EXPORT_ZIP ? archive_write_set_format_zip(x->a)
	        : archive_write_set_format_pax_restricted(x->a);
	if (r == ARCHIVE_OK && x->format == NPK_EXPORT_TAR_GZ)
		r = archive_write_add_filter_gzip(x->a);
	if (r == ARCHIVE_OK && x->format == NPK_EXPORT_TAR_GZ)
		r = archive_write_set_filter_option(x->a, "gzip", "timestamp", NULL);
	/* paths are UTF-8 whatever the locale */
	if (r == ARCHIVE_OK)
		r = archive_write_set_options(x->a, x->format == NPK_EXPORT_ZIP ? "zip:hdrcharset=UTF-8"
		                                                                : "pax:hdrcharset=UTF-8,pax:xattrheader=SCHILY");
	if (r == ARCHIVE_OK)
		r = archive_write_open_fd(x->a, fd);
	if (r != ARCHIVE_OK)
		rc = x->a ? ar_fail(x, out) : npk__fail(x->err, NPK_E_NOMEM, "out of memory");
	if (rc == NPK_OK) {
		rc = npk_reader_list(x->r, on_doc, x, x->err);
		if (rc == NPK_OK && x->rc != NPK_OK)
			rc = x->rc;
	}
	if (x->a != NULL && archive_write_close(x->a) != ARCHIVE_OK && rc == NPK_OK)
		rc = ar_fail(x, out);
	if (x->a != NULL)
		archive_write_free(x->a);
	if (utf8 != (locale_t)0) {
		uselocale(before);
		freelocale(utf8);
	}
	return npk__export_tmp_done(fd, tmp, out, rc, x->err);
}

static int rm_tree(int dirfd, const char *name);

static int export_bag(ectx *x, const char *out)
{
	char *tmp = tmp_beside(out);
	NPK_FAIL_IF(tmp == NULL, x->err, NPK_E_NOMEM, "out of memory");
	if (mkdtemp(tmp) == NULL) {
		int rc = npk__fail(x->err, NPK_E_IO, "%s: cannot create a temporary folder: %s", tmp,
		                   strerror(errno));
		free(tmp);
		return rc;
	}
	chmod(tmp, 0755);
	x->bag = tmp;
	int rc = NPK_OK;
	int bag = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	x->data_fd = -1;
	if (bag < 0 || mkdirat(bag, "data", 0755) != 0 ||
	    (x->data_fd = openat(bag, "data", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		rc = npk__fail(x->err, NPK_E_IO, "%s: %s", tmp, strerror(errno));
	int mfd = rc == NPK_OK ? openat(bag, "manifest-sha512.txt", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644) : -1;
	int jfd = rc == NPK_OK ? openat(bag, "newspack-metadata.jsonl", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644) : -1;
	x->manifest = mfd >= 0 ? fdopen(mfd, "w") : NULL;
	x->meta = jfd >= 0 ? fdopen(jfd, "w") : NULL;
	if (rc == NPK_OK && (x->manifest == NULL || x->meta == NULL))
		rc = npk__fail(x->err, NPK_E_IO, "%s: %s", tmp, strerror(errno));
	if (rc == NPK_OK) {
		rc = npk_reader_list(x->r, on_doc, x, x->err);
		if (rc == NPK_OK && x->rc != NPK_OK)
			rc = x->rc;
	}
	if (x->manifest && fclose(x->manifest) != 0 && rc == NPK_OK)
		rc = npk__fail(x->err, NPK_E_IO, "%s/manifest-sha512.txt: %s", tmp, strerror(errno));
	if (x->meta && fclose(x->meta) != 0 && rc == NPK_OK)
		rc = npk__fail(x->err, NPK_E_IO, "%s/newspack-metadata.jsonl: %s", tmp, strerror(errno));
	if (x->manifest == NULL && mfd >= 0)
		close(mfd);
	if (x->meta == NULL && jfd >= 0)
		close(jfd);
	/* The tag files, then the tag manifest over them. */
	FILE *f;
	if (rc == NPK_OK) {
		int fd = openat(bag, "bagit.txt", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0 || (f = fdopen(fd, "w")) == NULL ||
		    (fputs("BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n", f), fclose(f)) != 0)
			rc = npk__fail(x->err, NPK_E_IO, "%s/bagit.txt: %s", tmp, strerror(errno));
	}
	if (rc == NPK_OK) {
		int fd = openat(bag, "bag-info.txt", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0 || (f = fdopen(fd, "w")) == NULL || (bag_info(x, f), fclose(f)) != 0)
			rc = npk__fail(x->err, NPK_E_IO, "%s/bag-info.txt: %s", tmp, strerror(errno));
	}
	if (rc == NPK_OK) {
		int fd = openat(bag, "tagmanifest-sha512.txt", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		f = fd >= 0 ? fdopen(fd, "w") : NULL;
		if (f == NULL)
			rc = npk__fail(x->err, NPK_E_IO, "%s/tagmanifest-sha512.txt: %s", tmp, strerror(errno));
		static const char *const tags[] = {"bag-info.txt", "bagit.txt", "manifest-sha512.txt",
		                                   "newspack-metadata.jsonl"};
		for (size_t i = 0; rc == NPK_OK && i < sizeof tags / sizeof tags[0]; i++)
			rc = bag_hash_line(x, bag, tags[i], f);
		if (f != NULL && fclose(f) != 0 && rc == NPK_OK)
			rc = npk__fail(x->err, NPK_E_IO, "%s/tagmanifest-sha512.txt: %s", tmp, strerror(errno));
	}
	if (rc == NPK_OK && (fsync(bag) != 0 || syncfs(bag) != 0))
		rc = npk__fail(x->err, NPK_E_IO, "%s: sync: %s", tmp, strerror(errno));
	if (x->data_fd >= 0)
		close(x->data_fd);
	if (bag >= 0)
		close(bag);
	if (rc == NPK_OK && renameat2(AT_FDCWD, tmp, AT_FDCWD, out, RENAME_NOREPLACE) != 0)
		rc = npk__fail(x->err, errno == EEXIST ? NPK_E_EXISTS : NPK_E_IO, "%s: %s", out,
		               errno == EEXIST ? "exists" : strerror(errno));
	if (rc != NPK_OK)
		rm_tree(AT_FDCWD, tmp);
	free(tmp);
	return rc;
}

/* Removes a temporary folder this file made (no symlink is followed). */
static int rm_tree(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return unlinkat(dirfd, name, 0);
	DIR *d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return -1;
	}
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (e->d_type == DT_DIR)
			rm_tree(fd, e->d_name);
		else
			unlinkat(fd, e->d_name, 0);
	}
	closedir(d);
	return unlinkat(dirfd, name, AT_REMOVEDIR);
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
	int rc = npk_reader_verify(r, NULL, NULL, &vs, err);
	if (rc != NPK_OK)
		return rc;
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
	rc = format == NPK_EXPORT_BAGIT ? export_bag(&x, out) : export_archive(&x, out);
	if (written)
		*written = rc == NPK_OK ? x.docs : 0;
	return rc;
}
