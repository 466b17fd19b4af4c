/*
 * create.c - builds an archive from files and folders.
 *
 * Folders are walked one at a time with each folder's entries sorted so
 * that documents come out in global path byte order (spec/format.md 5.1)
 * without holding the whole list: a folder "x" sorts as "x/", which is
 * where its files fall among its siblings. Memory is bounded by the
 * largest single folder, not by the collection.
 *
 * The archive is written to a temporary file beside OUT, synced and
 * renamed, so OUT holds the old archive or the new one, never a part.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "format/format.h"
#include "interchange/interchange.h"
#include "interchange/warc.h"

#define HEAD_MAX (64u << 10)

enum { K_FILE, K_DIR, K_ARC, K_WARC };

typedef struct entry {
	char *key;                /* name, with "/" appended for folders */
	char *src;                /* path on disk */
	int is_dir;               /* K_DIR, K_ARC with a folder, K_WARC */
	int follow;               /* named on the command line: follow a symlink */
	int kind;
	size_t input;             /* K_ARC, K_WARC: which of the imported inputs */
	size_t lo, hi;            /* K_ARC: its members [lo, hi) */
} entry;

typedef struct create_ctx {
	npk_writer *w;
	const npk_create_opts *opts;
	npk_create_stats *st;
	dev_t skip_dev[2];
	ino_t skip_ino[2];
	int nskip;
	uint8_t *head;
	uint8_t *html;            /* NPK_META_HTML_HEAD_MAX bytes, for HTML pages (allocated when one comes) */
	uint8_t *buf;
	npk__arc **arcs;          /* tar and zip inputs */
	size_t narcs;
	npk__winput *warcs;       /* WARC inputs */
	size_t nwarcs;
} create_ctx;

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const entry *)a)->key, ((const entry *)b)->key);
}

static void entries_free(entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].key);
		free(v[i].src);
	}
	free(v);
}

static void warn(create_ctx *cx, const char *path, const char *why)
{
	cx->st->skipped++;
	if (cx->opts && cx->opts->warn)
		cx->opts->warn(path, why, cx->opts->ctx);
}

/* One more entry like e, with a copy of src and the key name (namelen
 * bytes), "/" appended for a folder. */
static int entry_push(entry **v, size_t *n, size_t *cap, const entry *e, const char *name,
                      size_t namelen, const char *src, npk_error *err)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		entry *nv = realloc(*v, nc * sizeof *nv);
		NPK_FAIL_IF(nv == NULL, err, NPK_E_NOMEM, "out of memory");
		*v = nv;
		*cap = nc;
	}
	entry *d = &(*v)[*n];
	*d = *e;
	d->key = malloc(namelen + 2);
	d->src = strdup(src);
	if (d->key == NULL || d->src == NULL) {
		free(d->key);
		free(d->src);
		return npk__fail(err, NPK_E_NOMEM, "out of memory");
	}
	memcpy(d->key, name, namelen);
	d->key[namelen] = '/';
	d->key[namelen + (e->is_dir ? 1 : 0)] = 0;
	(*n)++;
	return NPK_OK;
}

/* Adds one candidate; returns NPK_OK also when it is skipped. */
static int entries_add(create_ctx *cx, entry **v, size_t *n, size_t *cap,
                       const char *name, const char *src, int follow, npk_error *err)
{
	struct stat st;
	if ((follow ? stat(src, &st) : lstat(src, &st)) != 0)
		return npk__fail(err, NPK_E_IO, "%s: %s", src, strerror(errno));
	for (int i = 0; i < cx->nskip; i++)
		if (st.st_dev == cx->skip_dev[i] && st.st_ino == cx->skip_ino[i])
			return NPK_OK; /* the archive being written */
	if (S_ISLNK(st.st_mode)) {
		warn(cx, src, "symbolic link not archived (only regular files are stored)");
		return NPK_OK;
	}
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
		warn(cx, src, "special file not archived (only regular files are stored)");
		return NPK_OK;
	}
	entry e = {.is_dir = S_ISDIR(st.st_mode), .follow = follow};
	e.kind = e.is_dir ? K_DIR : K_FILE;
	return entry_push(v, n, cap, &e, name, strlen(name), src, err);
}

/* NAME.meta.json is a sidecar when NAME is a file among the same entries. */
static int is_sidecar(const entry *v, size_t n, const entry *e)
{
	size_t bl = e->kind == K_FILE ? npk__sidecar_base(e->key) : 0;
	char base[NAME_MAX + 1];
	if (bl == 0 || bl > NAME_MAX)
		return 0;
	memcpy(base, e->key, bl);
	base[bl] = 0;
	entry probe = {.key = base};
	const entry *hit = bsearch(&probe, v, n, sizeof *v, entry_cmp);
	return hit != NULL && hit->kind == K_FILE;
}

static ssize_t read_some(int fd, uint8_t *p, size_t len)
{
	size_t got = 0;
	while (got < len) {
		ssize_t r = read(fd, p + got, len - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

static int read_sidecar(const char *src, npk_meta *meta, npk_error *err)
{
	char path[PATH_MAX];
	NPK_FAIL_IF(snprintf(path, sizeof path, "%s%s", src, NPK__SIDECAR_SUFFIX) >= (int)sizeof path,
	            err, NPK_E_INPUT, "%s: path too long", src);
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return NPK_OK;
	NPK_FAIL_IF(fd < 0, err, NPK_E_IO, "%s: %s", path, strerror(errno));
	uint8_t *b = malloc(NPK__SIDECAR_MAX + 1);
	ssize_t n = b ? read_some(fd, b, NPK__SIDECAR_MAX + 1) : -1;
	int saved = errno;
	close(fd);
	int rc;
	if (b == NULL)
		rc = npk__fail(err, NPK_E_NOMEM, "out of memory");
	else if (n < 0)
		rc = npk__fail(err, NPK_E_IO, "%s: %s", path, strerror(saved));
	else if (n > (ssize_t)NPK__SIDECAR_MAX)
		rc = npk__fail(err, NPK_E_LIMIT, "%s: sidecar larger than %u bytes", path, NPK__SIDECAR_MAX);
	else
		rc = npk_meta_apply_sidecar(meta, (const char *)b, (size_t)n, path, err);
	free(b);
	return rc;
}

/* After a file was read whole: was it written to, truncated or replaced
 * meanwhile? Its size, modification and change times are those it had
 * when opened, and its name still leads to the file that was read. */
static int changed_since(int fd, const struct stat *before, const char *src, int follow,
                         npk_error *err)
{
	struct stat now, named;
	NPK_FAIL_IF(fstat(fd, &now) != 0, err, NPK_E_IO, "%s: %s", src, strerror(errno));
	int r = follow ? stat(src, &named) : lstat(src, &named);
	const char *what =
		r != 0 || named.st_ino != now.st_ino || named.st_dev != now.st_dev
		? "it was replaced or removed"
		: now.st_size != before->st_size ? "its size changed"
		: now.st_mtim.tv_sec != before->st_mtim.tv_sec ||
		  now.st_mtim.tv_nsec != before->st_mtim.tv_nsec ? "it was written to"
		: now.st_ctim.tv_sec != before->st_ctim.tv_sec ||
		  now.st_ctim.tv_nsec != before->st_ctim.tv_nsec ? "its status changed"
		: NULL;
	NPK_FAIL_IF(what != NULL, err, NPK_E_INPUT,
	            "%s: changed while being archived (%s); no archive was written", src, what);
	return NPK_OK;
}

/* Where a document's bytes come from: a file, a tar or zip member, a WARC
 * record. */
typedef struct doc_src {
	const char *name;         /* for messages */
	uint64_t size;
	const char *media;        /* the source's media type, or NULL to guess */
	int (*read)(void *ctx, uint8_t *buf, size_t cap, size_t *got, npk_error *err);
	/* after extraction: the metadata the source gives (sidecar, ...) */
	int (*meta)(void *ctx, npk_meta *m, npk_error *err);
	/* after the last byte: did the source change meanwhile? (may be NULL) */
	int (*check)(void *ctx, npk_error *err);
	void *ctx;
} doc_src;

/* Fills buf as far as the source goes; *n < len only at its end. */
static int read_full(const doc_src *s, uint8_t *buf, size_t len, size_t *n, npk_error *err)
{
	*n = 0;
	while (*n < len) {
		size_t got;
		int rc = s->read(s->ctx, buf + *n, len - *n, &got, err);
		if (rc != NPK_OK)
			return rc;
		if (got == 0)
			break;
		*n += got;
	}
	return NPK_OK;
}

static int add_doc(create_ctx *cx, const char *apath, const doc_src *s, npk_error *err)
{
	NPK_FAIL_IF(cx->opts && cx->opts->cancel && *cx->opts->cancel, err, NPK_E_CANCELED,
	            "canceled before %s", s->name);
	int rc = npk_path_check(apath, strlen(apath), err);
	if (rc != NPK_OK) {
		char msg[sizeof err->msg];
		snprintf(msg, sizeof msg, "%s", err ? err->msg : "");
		return npk__fail(err, rc, "%s: cannot be stored: %s", s->name, msg);
	}
	size_t hn;
	if ((rc = read_full(s, cx->head, HEAD_MAX, &hn, err)) != NPK_OK)
		return rc;
	const char *media = s->media && npk__media_ok(s->media) ? s->media
	                    : npk_media_type_guess(apath, cx->head, hn);
	/* An HTML page's metadata may come after large scripts: read more. */
	uint8_t *head = cx->head;
	size_t want = HEAD_MAX;
	if (strcmp(media, "text/html") == 0 && hn == HEAD_MAX) {
		if (cx->html == NULL && (cx->html = malloc(NPK_META_HTML_HEAD_MAX)) == NULL)
			return npk__fail(err, NPK_E_NOMEM, "out of memory");
		memcpy(cx->html, cx->head, HEAD_MAX);
		size_t more;
		if ((rc = read_full(s, cx->html + HEAD_MAX, NPK_META_HTML_HEAD_MAX - HEAD_MAX, &more, err)) != NPK_OK)
			return rc;
		head = cx->html;
		hn += more;
		want = NPK_META_HTML_HEAD_MAX;
	}
	npk_meta *meta = npk_meta_new();
	NPK_FAIL_IF(meta == NULL, err, NPK_E_NOMEM, "out of memory");
	if ((rc = npk_meta_extract(apath, head, hn, media, meta, err)) != NPK_OK ||
	    (s->meta && (rc = s->meta(s->ctx, meta, err)) != NPK_OK))
		goto out;
	rc = npk_writer_begin(cx->w, apath, media, meta, s->size, err);
	if (rc == NPK_OK)
		rc = npk_writer_data(cx->w, head, hn, err);
	while (rc == NPK_OK && hn == want) {
		want = HEAD_MAX;
		if (cx->opts && cx->opts->cancel && *cx->opts->cancel) {
			rc = npk__fail(err, NPK_E_CANCELED, "canceled while reading %s", s->name);
			break;
		}
		rc = read_full(s, cx->buf, HEAD_MAX, &hn, err);
		if (rc == NPK_OK && hn > 0)
			rc = npk_writer_data(cx->w, cx->buf, hn, err);
	}
	if (rc == NPK_OK && s->check)
		rc = s->check(s->ctx, err);
	if (rc == NPK_OK)
		rc = npk_writer_end(cx->w, err);
	if (rc == NPK_E_INPUT && err && strstr(err->msg, "while being read")) {
		char msg[sizeof err->msg];
		snprintf(msg, sizeof msg, "%s", err->msg);
		rc = npk__fail(err, NPK_E_INPUT, "%s: changed while being archived (%s)", s->name, msg);
	}
	if (rc == NPK_OK) {
		cx->st->documents++;
		cx->st->bytes_in += s->size;
		if (cx->opts && cx->opts->progress)
			cx->opts->progress(cx->st->documents, cx->st->bytes_in, apath, cx->opts->ctx);
	}
out:
	npk_meta_free(meta);
	return rc;
}

/* ---- a file on disk ---- */

typedef struct file_src {
	int fd;
	const char *src;
	int follow;
	struct stat st;
} file_src;

static int file_read(void *ctx, uint8_t *buf, size_t cap, size_t *got, npk_error *err)
{
	file_src *f = ctx;
	ssize_t r = read_some(f->fd, buf, cap);
	NPK_FAIL_IF(r < 0, err, NPK_E_IO, "%s: %s", f->src, strerror(errno));
	*got = (size_t)r;
	return NPK_OK;
}

static int file_meta(void *ctx, npk_meta *m, npk_error *err)
{
	return read_sidecar(((file_src *)ctx)->src, m, err);
}

static int file_check(void *ctx, npk_error *err)
{
	file_src *f = ctx;
	return changed_since(f->fd, &f->st, f->src, f->follow, err);
}

static int add_file(create_ctx *cx, const char *apath, const char *src, int follow,
                    npk_error *err)
{
	/* O_NOFOLLOW: a file swapped for a symlink since the walk is refused. */
	file_src f = {open(src, O_RDONLY | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW)), src, follow, {0}};
	NPK_FAIL_IF(f.fd < 0, err, NPK_E_IO, "%s: %s", src, strerror(errno));
	int rc;
	if (fstat(f.fd, &f.st) != 0 || !S_ISREG(f.st.st_mode))
		rc = npk__fail(err, NPK_E_INPUT, "%s: not a regular file", src);
	else {
		doc_src s = {src, (uint64_t)f.st.st_size, NULL, file_read, file_meta, file_check, &f};
		rc = add_doc(cx, apath, &s, err);
	}
	close(f.fd);
	return rc;
}

/* ---- tar and zip members ---- */

typedef struct arc_src {
	npk__arc *a;
	const npk__arc_item *it;
	const npk_meta *attrs;
	char name[PATH_MAX];
} arc_src;

static int arc_read(void *ctx, uint8_t *buf, size_t cap, size_t *got, npk_error *err)
{
	return npk__arc_read(((arc_src *)ctx)->a, buf, cap, got, err);
}

/* The member's user.newspack.* attributes, then its NAME.meta.json. */
static int arc_meta(void *ctx, npk_meta *m, npk_error *err)
{
	arc_src *s = ctx;
	int rc = s->attrs ? npk_meta_merge(m, s->attrs, err) : NPK_OK;
	if (rc == NPK_OK && s->it->sidecar != NULL) {
		char name[PATH_MAX + 16];
		snprintf(name, sizeof name, "%s%s", s->name, NPK__SIDECAR_SUFFIX);
		rc = npk_meta_apply_sidecar(m, s->it->sidecar, s->it->sidecar_len, name, err);
	}
	return rc;
}

static int add_members(create_ctx *cx, const entry *e, npk_error *err)
{
	npk__arc *a = cx->arcs[e->input];
	for (size_t i = e->lo; i < e->hi; i++) {
		arc_src as = {a, npk__arc_get(a, i), NULL, {0}};
		snprintf(as.name, sizeof as.name, "%s: %s", e->src, as.it->path);
		int rc = npk__arc_begin(a, i, &as.attrs, err);
		if (rc == NPK_OK) {
			doc_src s = {as.name, as.it->size, NULL, arc_read, arc_meta, NULL, &as};
			rc = add_doc(cx, as.it->path, &s, err);
		}
		if (rc != NPK_OK)
			return rc;
	}
	return NPK_OK;
}

/* ---- WARC records ---- */

typedef struct warc_src {
	npk__warc *w;
	const npk__winput *in;
	const npk__wdoc *d;
} warc_src;

static int warc_read(void *ctx, uint8_t *buf, size_t cap, size_t *got, npk_error *err)
{
	return npk__warc_read(((warc_src *)ctx)->w, buf, cap, got, err);
}

static int warc_meta(void *ctx, npk_meta *m, npk_error *err)
{
	warc_src *s = ctx;
	return npk__wdoc_meta(s->in, s->d, m, err);
}

/* Pass 2 over a WARC: its documents in record order, which is their path
 * order (interchange/interchange.h). */
static int add_warc(create_ctx *cx, const char *apath, const entry *e, npk_error *err)
{
	const npk__winput *in = &cx->warcs[e->input];
	npk__warc *w;
	int rc = npk__warc_open(in->file, &w, err);
	size_t j = 0;
	while (rc == NPK_OK) {
		const npk__warc_rec *r;
		if ((rc = npk__warc_next(w, &r, err)) != NPK_OK || r == NULL)
			break;
		if (!r->is_doc)
			continue;
		const npk__wdoc *d = j < in->n ? &in->docs[j++] : NULL;
		if (d == NULL || d->number != r->number) {
			rc = npk__fail(err, NPK_E_INPUT, "%s: changed while being archived (record %llu is "
			               "not what it was when first read)", in->file, (unsigned long long)r->number);
			break;
		}
		size_t pl = strlen(apath) + strlen(d->name) + 1;
		char *path = malloc(pl);
		char name[PATH_MAX];
		if (path == NULL) {
			rc = npk__fail(err, NPK_E_NOMEM, "out of memory");
			break;
		}
		snprintf(path, pl, "%s%s", apath, d->name);
		snprintf(name, sizeof name, "%s: record %llu at offset %llu", in->file,
		         (unsigned long long)d->number, (unsigned long long)d->offset);
		warc_src ws = {w, in, d};
		doc_src s = {name, d->size, d->media, warc_read, warc_meta, NULL, &ws};
		rc = add_doc(cx, path, &s, err);
		free(path);
	}
	if (rc == NPK_OK && j != in->n)
		rc = npk__fail(err, NPK_E_INPUT, "%s: changed while being archived (it holds fewer "
		               "records than when first read)", in->file);
	npk__warc_close(w);
	return rc;
}

static int add_entries(create_ctx *cx, const char *prefix, entry *v, size_t n, npk_error *err);

static int add_dir(create_ctx *cx, const char *apath, const char *src, npk_error *err)
{
	DIR *d = opendir(src);
	NPK_FAIL_IF(d == NULL, err, NPK_E_IO, "%s: %s", src, strerror(errno));
	entry *v = NULL;
	size_t n = 0, cap = 0;
	int rc = NPK_OK;
	struct dirent *de;
	char path[PATH_MAX];
	errno = 0;
	while (rc == NPK_OK && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (snprintf(path, sizeof path, "%s/%s", src, de->d_name) >= (int)sizeof path)
			rc = npk__fail(err, NPK_E_INPUT, "%s/%s: path too long", src, de->d_name);
		else
			rc = entries_add(cx, &v, &n, &cap, de->d_name, path, 0, err);
		errno = 0;
	}
	if (rc == NPK_OK && errno != 0)
		rc = npk__fail(err, NPK_E_IO, "%s: %s", src, strerror(errno));
	closedir(d);
	if (rc == NPK_OK) {
		qsort(v, n, sizeof *v, entry_cmp);
		rc = add_entries(cx, apath, v, n, err);
	}
	entries_free(v, n);
	return rc;
}

static int add_entries(create_ctx *cx, const char *prefix, entry *v, size_t n, npk_error *err)
{
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && strcmp(v[i - 1].key, v[i].key) == 0)
			return npk__fail(err, NPK_E_INPUT, "%s and %s would both be stored as \"%s%s\"",
			                 v[i - 1].src, v[i].src, prefix, v[i].key);
		if (v[i].is_dir) {
			/* A file of the same name sorts elsewhere ("a" vs "a/"). */
			char name[NAME_MAX + 2];
			snprintf(name, sizeof name, "%.*s", (int)strlen(v[i].key) - 1, v[i].key);
			entry probe = {.key = name};
			const entry *f = bsearch(&probe, v, n, sizeof *v, entry_cmp);
			if (f != NULL)
				return npk__fail(err, NPK_E_INPUT,
				                 "%s and %s would both be stored as \"%s%s\" (one a file, one a folder)",
				                 f->src, v[i].src, prefix, f->key);
		}
		if (is_sidecar(v, n, &v[i]))
			continue;
		size_t pl = strlen(prefix), kl = strlen(v[i].key);
		NPK_FAIL_IF(pl + kl > NPK_PATH_MAX, err, NPK_E_LIMIT,
		            "%s: path in the archive longer than %u bytes", v[i].src, NPK_PATH_MAX);
		char *apath = malloc(pl + kl + 1);
		NPK_FAIL_IF(apath == NULL, err, NPK_E_NOMEM, "out of memory");
		memcpy(apath, prefix, pl);
		memcpy(apath + pl, v[i].key, kl + 1);
		int rc = v[i].kind == K_DIR ? add_dir(cx, apath, v[i].src, err)
		         : v[i].kind == K_ARC ? add_members(cx, &v[i], err)
		         : v[i].kind == K_WARC ? add_warc(cx, apath, &v[i], err)
		         : add_file(cx, apath, v[i].src, v[i].follow, err);
		free(apath);
		if (rc != NPK_OK)
			return rc;
	}
	return NPK_OK;
}

static void arc_warn(const char *path, const char *why, void *ctx)
{
	warn(ctx, path, why);
}

/* A tar, zip or WARC named as an input: read once now (pass 1), its
 * documents written when the path order comes to them. A tar or zip gives
 * its members at the top, as the folder it was made from would; a WARC
 * gives a folder named after it. */
static int add_import(create_ctx *cx, entry **v, size_t *n, size_t *cap, const char *path,
                      npk_error *err)
{
	int rc;
	if (npk__warc_input(path)) {
		npk__winput *nw = realloc(cx->warcs, (cx->nwarcs + 1) * sizeof *nw);
		NPK_FAIL_IF(nw == NULL, err, NPK_E_NOMEM, "out of memory");
		cx->warcs = nw;
		npk__winput *in = &cx->warcs[cx->nwarcs++];
		rc = npk__winput_scan(path, cx->buf, HEAD_MAX, in, cx->opts ? cx->opts->cancel : NULL, err);
		if (rc != NPK_OK || in->n == 0) {
			if (rc == NPK_OK)
				warn(cx, path, "no response, resource or revisit records: nothing stored from it");
			return rc;
		}
		entry e = {.is_dir = 1, .kind = K_WARC, .input = cx->nwarcs - 1};
		return entry_push(v, n, cap, &e, in->folder, strlen(in->folder), path, err);
	}
	npk__arc **na = realloc(cx->arcs, (cx->narcs + 1) * sizeof *na);
	NPK_FAIL_IF(na == NULL, err, NPK_E_NOMEM, "out of memory");
	cx->arcs = na;
	rc = npk__arc_open(path, arc_warn, cx, &cx->arcs[cx->narcs], err);
	if (rc != NPK_OK)
		return rc;
	npk__arc *a = cx->arcs[cx->narcs++];
	size_t count = npk__arc_count(a);
	if (count == 0)
		warn(cx, path, "no files in it: nothing stored from it");
	/* members sharing a first component ("x/...") are one entry */
	for (size_t lo = 0, hi; rc == NPK_OK && lo < count; lo = hi) {
		const char *p = npk__arc_get(a, lo)->path;
		const char *slash = strchr(p, '/');
		size_t kl = slash ? (size_t)(slash - p) : strlen(p);
		for (hi = lo + 1; slash && hi < count; hi++)
			if (strncmp(npk__arc_get(a, hi)->path, p, kl + 1) != 0)
				break;
		entry e = {.is_dir = slash != NULL, .kind = K_ARC, .input = cx->narcs - 1, .lo = lo,
		           .hi = hi};
		rc = entry_push(v, n, cap, &e, p, kl, path, err);
	}
	return rc;
}

/* The top level: folders give their contents, files themselves. */
static int add_inputs(create_ctx *cx, const char *const *inputs, size_t ninputs, npk_error *err)
{
	entry *v = NULL;
	size_t n = 0, cap = 0;
	int rc = NPK_OK;
	for (size_t i = 0; rc == NPK_OK && i < ninputs; i++) {
		struct stat st;
		if (stat(inputs[i], &st) != 0) {
			rc = npk__fail(err, errno == ENOENT ? NPK_E_NOTFOUND : NPK_E_IO, "%s: %s", inputs[i],
			               strerror(errno));
			break;
		}
		if (S_ISREG(st.st_mode) && (npk__warc_input(inputs[i]) || npk__arc_is_archive_name(inputs[i]))) {
			rc = add_import(cx, &v, &n, &cap, inputs[i], err);
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			char *tmp = strdup(inputs[i]);
			if (tmp == NULL) {
				rc = npk__fail(err, NPK_E_NOMEM, "out of memory");
				break;
			}
			rc = entries_add(cx, &v, &n, &cap, basename(tmp), inputs[i], 1, err);
			free(tmp);
			continue;
		}
		DIR *d = opendir(inputs[i]);
		if (d == NULL) {
			rc = npk__fail(err, NPK_E_IO, "%s: %s", inputs[i], strerror(errno));
			break;
		}
		struct dirent *de;
		char path[PATH_MAX];
		while (rc == NPK_OK && (de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			size_t il = strlen(inputs[i]);
			const char *sep = il && inputs[i][il - 1] == '/' ? "" : "/";
			if (snprintf(path, sizeof path, "%s%s%s", inputs[i], sep, de->d_name) >= (int)sizeof path)
				rc = npk__fail(err, NPK_E_INPUT, "%s/%s: path too long", inputs[i], de->d_name);
			else
				rc = entries_add(cx, &v, &n, &cap, de->d_name, path, 0, err);
		}
		closedir(d);
	}
	if (rc == NPK_OK && cx->nwarcs > 0)
		rc = npk__winput_resolve(cx->warcs, cx->nwarcs, cx->opts ? cx->opts->warn : NULL,
		                         cx->opts ? cx->opts->ctx : NULL, err);
	if (rc == NPK_OK) {
		qsort(v, n, sizeof *v, entry_cmp);
		rc = add_entries(cx, "", v, n, err);
	}
	entries_free(v, n);
	return rc;
}

int npk_create(const char *out, const char *const *inputs, size_t ninputs,
               const npk_create_opts *opts, const npk_seckey *sk,
               npk_create_stats *stats, npk_error *err)
{
	npk_create_stats local;
	npk_create_stats *st = stats ? stats : &local;
	memset(st, 0, sizeof *st);
	NPK_FAIL_IF(sk == NULL, err, NPK_E_ARG, "no secret key to sign with");
	NPK_FAIL_IF(ninputs == 0, err, NPK_E_ARG, "no inputs");

	/* OUT is replaced, as it always was (base/base.h, "Atomic output") */
	const int replace = NPK__OUT_REPLACE;
	npk__out o = {.fd = -1};
	int rc = NPK_OK;
	create_ctx cx = {0};
	cx.opts = opts;
	cx.st = st;
	cx.head = malloc(HEAD_MAX);
	cx.buf = malloc(HEAD_MAX);
	if (cx.head == NULL || cx.buf == NULL) {
		rc = npk__fail(err, NPK_E_NOMEM, "out of memory");
		goto out;
	}
	rc = npk__out_open(&o, out, NPK__MODE_FILE, replace, err);
	if (rc != NPK_OK)
		goto out;

	/* Neither the temporary file nor an old archive at OUT is an input. */
	struct stat sst;
	if (fstat(o.fd, &sst) == 0) {
		cx.skip_dev[cx.nskip] = sst.st_dev;
		cx.skip_ino[cx.nskip++] = sst.st_ino;
	}
	if (stat(out, &sst) == 0) {
		cx.skip_dev[cx.nskip] = sst.st_dev;
		cx.skip_ino[cx.nskip++] = sst.st_ino;
	}
	rc = npk_writer_new(o.fd, opts, &cx.w, err);
	if (rc == NPK_OK)
		rc = add_inputs(&cx, inputs, ninputs, err);
	if (rc == NPK_OK && st->documents == 0)
		rc = npk__fail(err, NPK_E_INPUT, "no documents found in the inputs");
	if (rc == NPK_OK)
		rc = npk_writer_finish(cx.w, sk, err);
	if (rc == NPK_OK)
		rc = npk__out_commit(&o, err);
	if (rc == NPK_OK)
		st->bytes_out = npk_writer_size(cx.w);
out:
	npk__out_abort(&o);
	npk_writer_free(cx.w);
	for (size_t i = 0; i < cx.narcs; i++)
		npk__arc_free(cx.arcs[i]);
	free(cx.arcs);
	for (size_t i = 0; i < cx.nwarcs; i++)
		npk__winput_clear(&cx.warcs[i]);
	free(cx.warcs);
	free(cx.head);
	free(cx.html);
	free(cx.buf);
	return rc;
}
