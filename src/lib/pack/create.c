/*
 * create.c - builds an archive from files and folders, and from the
 * inputs that importers read (interchange.h: tar and zip, WARC).
 *
 * Folders are walked one at a time with each folder's entries sorted so
 * that documents come out in global path byte order (spec/format.md 5.1)
 * without holding the whole list: a folder "x" sorts as "x/", which is
 * where its files fall among its siblings. Memory is bounded by the
 * largest single folder (and the folders above it), not by the collection.
 * The walk is a loop over a stack of folders, not a recursion, and opens
 * everything with openat() relative to its folder: a tree as deep as
 * archive paths go, under any prefix, needs no path longer than a name.
 *
 * The archive is written to a temporary file beside OUT, synced and
 * renamed, so OUT holds the old archive or the new one, never a part.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "format/format.h"
#include "interchange/interchange.h"
#include "pack/pack.h"
#include "parity/parity.h"

#define HEAD_MAX (64u << 10)

/* The importers, asked in turn whether an input is theirs. A WARC is also
 * known by its first bytes, whatever its name: it is asked first. */
static const npk__importer *const importers[] = {&npk__import_warc, &npk__import_arc};
#define NIMPORTERS (sizeof importers / sizeof *importers)

/* K_LINK: a symbolic link met in a folder (format 1.1); K_DONE: an empty
 * folder stored before its turn (settle_folders). */
enum { K_FILE, K_DIR, K_IMPORT, K_NAMED, K_LINK, K_DONE };

typedef struct entry {
	char *key;                /* name, with "/" appended for folders */
	char *src;                /* path on disk, for messages */
	const char *dir;          /* at the top: the INPUT folder holding it, or NULL */
	dev_t pdev;               /* the folder holding it (a sidecar is beside its NAME) */
	ino_t pino;
	int is_dir;               /* K_DIR, or K_IMPORT with a folder */
	int follow;               /* an INPUT file, opened by src: a symlink is followed */
	int kind;
	char *target;             /* K_LINK: the link's target, as readlinkat gave it */
	int full;                 /* K_DIR: settle_folders found something to store in it */
	size_t input;             /* K_IMPORT: which of the sources */
	size_t lo, hi;            /* K_IMPORT, K_NAMED: its documents [lo, hi) */
} entry;

typedef struct entries {
	entry *v;
	size_t n, cap;
} entries;

/* A file INPUT given its path in the archive. */
typedef struct named_input {
	const char *path;         /* in the archive */
	const char *src;          /* on disk */
} named_input;

/* An input an importer reads. */
typedef struct source {
	const npk__importer *imp;
	void *src;
} source;

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
	source *srcs;             /* the inputs importers read */
	size_t nsrcs;
	named_input *named;       /* the INPUTs given paths, in path order */
	size_t nnamed;
	npk__import_env env;      /* theirs: warnings and the cancel flag */
	int v11;                  /* empty folders and links are stored (15.7) */
	int quiet;                /* settle_folders' look inside: no warnings */
} create_ctx;

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const entry *)a)->key, ((const entry *)b)->key);
}

static void entries_free(entries *es)
{
	for (size_t i = 0; i < es->n; i++) {
		free(es->v[i].key);
		free(es->v[i].src);
		free(es->v[i].target);
	}
	free(es->v);
}

static void warn(create_ctx *cx, const char *path, const char *why)
{
	if (cx->quiet)
		return;
	cx->st->skipped++;
	if (cx->opts && cx->opts->warn)
		cx->opts->warn(path, why, cx->opts->ctx);
}

static int canceled(const create_ctx *cx)
{
	return cx->opts && cx->opts->cancel && *cx->opts->cancel;
}

/* One more entry like e, with a copy of src and the key name (namelen
 * bytes), "/" appended for a folder. */
static int entry_push(entries *es, const entry *e, const char *name, size_t namelen,
                      const char *src, npk_error *err)
{
	if (es->n == es->cap) {
		size_t nc = es->cap ? es->cap * 2 : 64;
		entry *nv = realloc(es->v, nc * sizeof *nv);
		NPK_FAIL_IF(nv == NULL, err, NPK_E_NOMEM, "out of memory");
		es->v = nv;
		es->cap = nc;
	}
	entry *d = &es->v[es->n];
	*d = *e;
	d->target = NULL;
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
	es->n++;
	return NPK_OK;
}

/* A symbolic link met in a folder (at, under dfd), with its target: never
 * followed, whatever it points to (extract decides what is safe). In
 * format 1.0, or when the target cannot be stored (15.7: 1 to 4096 bytes
 * of UTF-8), it is skipped with a warning. */
static int link_add(create_ctx *cx, entries *es, const entry *e, const char *name, int dfd,
                    const char *at, npk_error *err)
{
	if (!cx->v11) {
		warn(cx, e->src, "symbolic link not archived (format 1.0 stores only regular files)");
		return NPK_OK;
	}
	char t[NPK_PATH_MAX + 1];
	ssize_t n = readlinkat(dfd, at, t, sizeof t);
	NPK_FAIL_IF(n < 0, err, NPK_E_IO, "%s: %s", e->src, strerror(errno));
	const char *why = n == 0 || n > (ssize_t)NPK_PATH_MAX
	                  ? "symbolic link not archived (its target is longer than 4096 bytes)"
	                  : !npk__utf8_ok((const uint8_t *)t, (size_t)n)
	                  ? "symbolic link not archived (its target is not UTF-8)" : NULL;
	if (why != NULL) {
		warn(cx, e->src, why);
		return NPK_OK;
	}
	entry d = *e;
	d.kind = K_LINK;
	NPK_FORWARD(entry_push(es, &d, name, strlen(name), e->src, err));
	es->v[es->n - 1].target = strndup(t, (size_t)n);
	NPK_FAIL_IF(es->v[es->n - 1].target == NULL, err, NPK_E_NOMEM, "out of memory");
	return NPK_OK;
}

/* Adds one candidate like e, named name (at, under the folder dfd, on
 * disk); returns NPK_OK also when it is skipped. */
static int entries_add(create_ctx *cx, entries *es, const entry *e, const char *name, int dfd,
                       const char *at, npk_error *err)
{
	struct stat st;
	if (fstatat(dfd, at, &st, e->follow ? 0 : AT_SYMLINK_NOFOLLOW) != 0)
		return npk__fail(err, NPK_E_IO, "%s: %s", e->src, strerror(errno));
	for (int i = 0; i < cx->nskip; i++)
		if (st.st_dev == cx->skip_dev[i] && st.st_ino == cx->skip_ino[i])
			return NPK_OK; /* the archive being written */
	if (S_ISLNK(st.st_mode))
		return link_add(cx, es, e, name, dfd, at, err);
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
		warn(cx, e->src, "special file not archived (only regular files are stored)");
		return NPK_OK;
	}
	entry d = *e;
	d.is_dir = S_ISDIR(st.st_mode);
	d.kind = d.is_dir ? K_DIR : K_FILE;
	return entry_push(es, &d, name, strlen(name), e->src, err);
}

/* The entries of the folder dfd (shown as dir), unsorted; top: the INPUT
 * folder they are in, when they make the top level. */
static int list_dir(create_ctx *cx, int dfd, const char *dir, const char *top, entries *es,
                    npk_error *err)
{
	int fd = dup(dfd); /* closedir closes it */
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (d == NULL && fd >= 0)
		close(fd);
	NPK_FAIL_IF(d == NULL, err, NPK_E_IO, "%s: %s", dir, strerror(errno));
	size_t dl = strlen(dir);
	const char *sep = dl && dir[dl - 1] == '/' ? "" : "/";
	char *path = malloc(dl + 1 + NAME_MAX + 1);
	struct dirent *de;
	struct stat st;
	int rc = NPK_OK;
	if (path == NULL || fstat(dfd, &st) != 0) {
		rc = path ? npk__fail(err, NPK_E_IO, "%s: %s", dir, strerror(errno))
		     : npk__fail(err, NPK_E_NOMEM, "out of memory");
		goto out;
	}
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, dl + 1 + NAME_MAX + 1, "%s%s%s", dir, sep, de->d_name);
		entry e = {.src = path, .dir = top, .pdev = st.st_dev, .pino = st.st_ino};
		NPK_FORWARD_GOTO(rc, entries_add(cx, es, &e, de->d_name, dfd, de->d_name, err), out);
		errno = 0;
	}
	if (errno != 0)
		rc = npk__fail(err, NPK_E_IO, "%s: %s", dir, strerror(errno));
out:
	free(path);
	closedir(d);
	return rc;
}

/* NAME.meta.json is a sidecar when NAME is a file among the same entries,
 * in the same folder (at the top, INPUTs from several folders meet). */
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
	return hit != NULL && hit->kind == K_FILE && hit->pdev == e->pdev && hit->pino == e->pino;
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

/* What is not a regular file, for messages. */
static const char *kind_of(mode_t m)
{
	return S_ISFIFO(m) ? "a FIFO" : S_ISDIR(m) ? "a folder" : S_ISLNK(m) ? "a symbolic link"
	       : S_ISCHR(m) ? "a character device" : S_ISBLK(m) ? "a block device"
	       : S_ISSOCK(m) ? "a socket" : "a special file";
}

/* Opens name (under the folder dfd) to read, as the regular file the
 * listing saw: O_NONBLOCK and O_NOCTTY so that a FIFO or a device swapped
 * in since then cannot block or take over the open, O_NOFOLLOW unless
 * follow, then fstat refuses what is not a regular file. shown names it
 * in messages; NPK_E_NOTFOUND when it is gone. */
static int open_file(int dfd, const char *name, int follow, const char *shown, int *fd,
                     struct stat *st, npk_error *err)
{
	*fd = openat(dfd, name, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC |
	                        (follow ? 0 : O_NOFOLLOW));
	if (*fd < 0)
		return npk__fail(err, errno == ENOENT ? NPK_E_NOTFOUND : NPK_E_IO, "%s: %s", shown,
		                 strerror(errno));
	int rc = NPK_OK;
	if (fstat(*fd, st) != 0)
		rc = npk__fail(err, NPK_E_IO, "%s: %s", shown, strerror(errno));
	else if (!S_ISREG(st->st_mode))
		rc = npk__fail(err, NPK_E_INPUT, "%s: %s, not a regular file", shown, kind_of(st->st_mode));
	if (rc != NPK_OK) {
		close(*fd);
		*fd = -1;
	}
	return rc;
}

/* NAME.meta.json beside the file at (under the folder dfd; shown as src)
 * applied to meta, when there is one. */
static int read_sidecar(int dfd, const char *at, const char *src, npk_meta *meta, npk_error *err)
{
	/* a name of 246 to 255 bytes leaves no room for a sidecar beside it */
	const char *slash = strrchr(at, '/');
	if (strlen(slash ? slash + 1 : at) + strlen(NPK__SIDECAR_SUFFIX) > NAME_MAX)
		return NPK_OK;
	size_t al = strlen(at), sl = strlen(src), xl = strlen(NPK__SIDECAR_SUFFIX);
	char *name = malloc(al + xl + 1), *path = malloc(sl + xl + 1);
	int fd = -1, rc;
	struct stat st;
	uint8_t *b = NULL;
	ssize_t n = -1;
	if (name == NULL || path == NULL) {
		rc = npk__fail(err, NPK_E_NOMEM, "out of memory");
		goto out;
	}
	memcpy(name, at, al);
	memcpy(name + al, NPK__SIDECAR_SUFFIX, xl + 1);
	memcpy(path, src, sl);
	memcpy(path + sl, NPK__SIDECAR_SUFFIX, xl + 1);
	rc = open_file(dfd, name, 0, path, &fd, &st, err);
	if (rc == NPK_E_NOTFOUND)
		rc = NPK_OK;
	if (fd < 0)
		goto out;
	b = malloc(NPK__SIDECAR_MAX + 1);
	n = b ? read_some(fd, b, NPK__SIDECAR_MAX + 1) : -1;
	if (b == NULL)
		rc = npk__fail(err, NPK_E_NOMEM, "out of memory");
	else if (n < 0)
		rc = npk__fail(err, NPK_E_IO, "%s: %s", path, strerror(errno));
	else if (n > (ssize_t)NPK__SIDECAR_MAX)
		rc = npk__fail(err, NPK_E_LIMIT, "%s: sidecar larger than %u bytes", path, NPK__SIDECAR_MAX);
	else
		rc = npk_meta_apply_sidecar(meta, (const char *)b, (size_t)n, path, err);
out:
	if (fd >= 0)
		close(fd);
	free(b);
	free(name);
	free(path);
	return rc;
}

/* After a file was read whole: was it written to, truncated or replaced
 * meanwhile? Its size, modification and change times are those it had
 * when opened, and its name still leads to the file that was read. */
static int changed_since(int fd, const struct stat *before, int dfd, const char *at,
                         const char *src, int follow, npk_error *err)
{
	struct stat now, named;
	NPK_FAIL_IF(fstat(fd, &now) != 0, err, NPK_E_IO, "%s: %s", src, strerror(errno));
	int r = fstatat(dfd, at, &named, follow ? 0 : AT_SYMLINK_NOFOLLOW);
	const char *what =
		r != 0 || named.st_ino != now.st_ino || named.st_dev != now.st_dev
		? "it was replaced or removed"
		: now.st_size != before->st_size ? "its size changed"
		: now.st_mtim.tv_sec != before->st_mtim.tv_sec ||
		  now.st_mtim.tv_nsec != before->st_mtim.tv_nsec ? "it was written to"
		: now.st_ctim.tv_sec != before->st_ctim.tv_sec ||
		  now.st_ctim.tv_nsec != before->st_ctim.tv_nsec ? "its status changed"
		: NULL;
	if (what != NULL)
		return npk__fail_why(err, NPK_E_INPUT, NPK_R_CHANGED, "%s: changed while being archived "
		                     "(%s); no archive was written", src, what);
	return NPK_OK;
}

/* Where a document's bytes come from: a file, or an importer's source. */
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

/* A source that changed while it was read (the reason NPK_R_CHANGED, from
 * the writer or an importer): the message names it and says so. */
static int changed(const doc_src *s, int rc, npk_error *err)
{
	if (rc == NPK_OK || err == NULL || err->reason != NPK_R_CHANGED)
		return rc;
	return npk__wrap(err, rc, "%s: changed while being archived: ", s->name);
}

/* Fills buf as far as the source goes; *n < len only at its end. */
static int read_full(const doc_src *s, uint8_t *buf, size_t len, size_t *n, npk_error *err)
{
	*n = 0;
	while (*n < len) {
		size_t got;
		NPK_FORWARD(s->read(s->ctx, buf + *n, len - *n, &got, err));
		if (got == 0)
			break;
		*n += got;
	}
	return NPK_OK;
}

/* A document's first bytes: enough for its metadata, and to tell its
 * media type when the source does not. */
typedef struct doc_head {
	const uint8_t *p;
	size_t n;
	size_t want;              /* n == want: the document goes on */
	const char *media;
} doc_head;

static int read_head(create_ctx *cx, const char *apath, const doc_src *s, doc_head *h,
                     npk_error *err)
{
	NPK_FORWARD(read_full(s, cx->head, HEAD_MAX, &h->n, err));
	h->p = cx->head;
	h->want = HEAD_MAX;
	h->media = s->media && npk__media_ok(s->media) ? s->media
	           : npk_media_type_guess(apath, cx->head, h->n);
	/* An HTML page's metadata may come after large scripts: read more. */
	if (strcmp(h->media, "text/html") != 0 || h->n != HEAD_MAX)
		return NPK_OK;
	if (cx->html == NULL && (cx->html = malloc(NPK_META_HTML_HEAD_MAX)) == NULL)
		return npk__fail(err, NPK_E_NOMEM, "out of memory");
	memcpy(cx->html, cx->head, HEAD_MAX);
	size_t more;
	NPK_FORWARD(read_full(s, cx->html + HEAD_MAX, NPK_META_HTML_HEAD_MAX - HEAD_MAX, &more, err));
	h->p = cx->html;
	h->n += more;
	h->want = NPK_META_HTML_HEAD_MAX;
	return NPK_OK;
}

/* The document's bytes to the writer: its head, then the rest. */
static int copy_doc(create_ctx *cx, const doc_src *s, const doc_head *h, npk_error *err)
{
	NPK_FORWARD(npk_writer_data(cx->w, h->p, h->n, err));
	size_t n = h->n, want = h->want;
	while (n == want) {
		want = HEAD_MAX;
		NPK_FAIL_IF(canceled(cx), err, NPK_E_CANCELED, "canceled while reading %s", s->name);
		NPK_FORWARD(read_full(s, cx->buf, HEAD_MAX, &n, err));
		if (n > 0)
			NPK_FORWARD(npk_writer_data(cx->w, cx->buf, n, err));
	}
	return NPK_OK;
}

/* After each entry written (apath): the caller's progress. */
static void progressed(create_ctx *cx, const char *apath)
{
	if (cx->opts && cx->opts->progress)
		cx->opts->progress(cx->st->documents, cx->st->bytes_in, apath, cx->opts->ctx);
}

static void counted(create_ctx *cx, const char *apath, uint64_t size)
{
	cx->st->documents++;
	cx->st->bytes_in += size;
	progressed(cx, apath);
}

/* Entries of every kind written so far. */
static uint64_t stored(const create_ctx *cx)
{
	return cx->st->documents + cx->st->folders + cx->st->links;
}

/* An empty folder (15.7, kind 2) at apath; src names it in messages. */
static int add_folder(create_ctx *cx, const char *apath, const char *src, npk_error *err)
{
	NPK_FAIL_IF(canceled(cx), err, NPK_E_CANCELED, "canceled before %s", src);
	int rc = npk_writer_add_folder(cx->w, apath, NULL, err);
	if (rc != NPK_OK)
		return npk__wrap(err, rc, "%s: cannot be stored: ", src);
	cx->st->folders++;
	progressed(cx, apath);
	return NPK_OK;
}

/* A symbolic link (15.7, kind 3) at apath, its target as read. */
static int add_link(create_ctx *cx, const char *apath, const char *src, const char *target,
                    size_t len, npk_error *err)
{
	NPK_FAIL_IF(canceled(cx), err, NPK_E_CANCELED, "canceled before %s", src);
	int rc = npk_writer_add_symlink(cx->w, apath, target, len, NULL, err);
	if (rc != NPK_OK)
		return npk__wrap(err, rc, "%s: cannot be stored: ", src);
	cx->st->links++;
	progressed(cx, apath);
	return NPK_OK;
}

static int add_doc(create_ctx *cx, const char *apath, const doc_src *s, npk_error *err)
{
	NPK_FAIL_IF(canceled(cx), err, NPK_E_CANCELED, "canceled before %s", s->name);
	int rc = npk_path_check(apath, strlen(apath), err);
	if (rc != NPK_OK)
		return npk__wrap(err, rc, "%s: cannot be stored: ", s->name);
	doc_head h;
	NPK_FORWARD(changed(s, read_head(cx, apath, s, &h, err), err));
	npk_meta *meta = npk_meta_new();
	NPK_FAIL_IF(meta == NULL, err, NPK_E_NOMEM, "out of memory");
	NPK_FORWARD_GOTO(rc, npk_meta_extract(apath, h.p, h.n, h.media, meta, err), out);
	if (s->meta)
		NPK_FORWARD_GOTO(rc, s->meta(s->ctx, meta, err), out);
	NPK_FORWARD_GOTO(rc, npk_writer_begin(cx->w, apath, h.media, meta, s->size, err), out);
	NPK_FORWARD_GOTO(rc, changed(s, copy_doc(cx, s, &h, err), err), out);
	if (s->check)
		NPK_FORWARD_GOTO(rc, s->check(s->ctx, err), out);
	NPK_FORWARD_GOTO(rc, changed(s, npk_writer_end(cx->w, err), err), out);
	counted(cx, apath, s->size);
out:
	npk_meta_free(meta);
	return rc;
}

/* ---- a file on disk ---- */

typedef struct file_src {
	int fd;
	int dfd;                  /* the folder holding it, or AT_FDCWD */
	const char *at;           /* its name there */
	const char *src;          /* for messages */
	int follow;
	struct stat st;
	uint64_t created;         /* the archive's time */
} file_src;

static int file_read(void *ctx, uint8_t *buf, size_t cap, size_t *got, npk_error *err)
{
	file_src *f = ctx;
	ssize_t r = read_some(f->fd, buf, cap);
	NPK_FAIL_IF(r < 0, err, NPK_E_IO, "%s: %s", f->src, strerror(errno));
	*got = (size_t)r;
	return NPK_OK;
}

/* The file's modification time in whole seconds and its executable bit
 * (spec/metadata.md 2.1), set over what the document gave: a time at or
 * after the archive's is clamped to it, and then not stored (the vector
 * and every archive of fresh files keep their bytes). */
static int file_attrs(const file_src *f, uint64_t created, npk_meta *m, npk_error *err)
{
	npk_meta_remove(m, "file.mtime");
	npk_meta_remove(m, "file.executable");
	if (f->st.st_mode & S_IXUSR)
		NPK_FORWARD(npk_meta_add(m, "file.executable", "yes", err));
	if (f->st.st_mtim.tv_sec < 0 || (uint64_t)f->st.st_mtim.tv_sec >= created)
		return NPK_OK;
	char t[24];
	snprintf(t, sizeof t, "%llu", (unsigned long long)f->st.st_mtim.tv_sec);
	return npk_meta_add(m, "file.mtime", t, err);
}

static int file_meta(void *ctx, npk_meta *m, npk_error *err)
{
	const file_src *f = ctx;
	NPK_FORWARD(file_attrs(f, f->created, m, err));
	return read_sidecar(f->dfd, f->at, f->src, m, err);
}

static int file_check(void *ctx, npk_error *err)
{
	file_src *f = ctx;
	return changed_since(f->fd, &f->st, f->dfd, f->at, f->src, f->follow, err);
}

static int add_file(create_ctx *cx, const char *apath, int dfd, const char *at, const entry *e,
                    npk_error *err)
{
	/* a file swapped for a symlink or a FIFO since the walk is refused */
	file_src f = {-1, dfd, at, e->src, e->follow, {0}, cx->opts ? cx->opts->timestamp : 0};
	NPK_FORWARD(open_file(dfd, at, e->follow, e->src, &f.fd, &f.st, err));
	doc_src s = {e->src, (uint64_t)f.st.st_size, NULL, file_read, file_meta, file_check, &f};
	int rc = add_doc(cx, apath, &s, err);
	close(f.fd);
	return rc;
}

/* ---- the documents of an importer's source ---- */

/* The source's current item: a document, an empty folder, or a symbolic
 * link whose target the source reads. */
static int add_item(create_ctx *cx, const npk__importer *imp, void *src,
                    const npk__import_item *it, npk_error *err)
{
	if (it->kind == NPK_KIND_FOLDER)
		return add_folder(cx, it->path, it->name, err);
	if (it->kind != NPK_KIND_SYMLINK) {
		doc_src s = {it->name, it->size, it->media, imp->read, imp->meta, NULL, src};
		return add_doc(cx, it->path, &s, err);
	}
	char t[NPK_PATH_MAX];
	size_t n = 0, got = 1;
	while (got > 0 && n < it->size && n < sizeof t) {
		NPK_FORWARD(imp->read(src, (uint8_t *)t + n, sizeof t - n, &got, err));
		n += got;
	}
	return add_link(cx, it->path, it->name, t, n, err);
}

/* Documents [lo, hi) of a source, which gives them in turn; after its
 * last, the source must hold no more. */
static int add_imported(create_ctx *cx, const entry *e, npk_error *err)
{
	const source *in = &cx->srcs[e->input];
	const npk__importer *imp = in->imp;
	const npk__import_item *it;
	for (size_t i = e->lo; i < e->hi; i++) {
		NPK_FORWARD(imp->next(in->src, &it, err));
		NPK_FAIL_IF(it == NULL, err, NPK_E_INPUT, "%s: fewer documents than listed", e->src);
		NPK_FORWARD(add_item(cx, imp, in->src, it, err));
	}
	if (e->hi < imp->count(in->src))
		return NPK_OK;
	NPK_FORWARD(imp->next(in->src, &it, err));
	NPK_FAIL_IF(it != NULL, err, NPK_E_INPUT, "%s: more documents than listed", e->src);
	return NPK_OK;
}

/* ---- what is left out, and files given their paths ---- */

/* Whether path (in the archive, a folder's with its "/") or a name in it
 * matches an --exclude pattern. */
static int excluded(const create_ctx *cx, const char *path)
{
	size_t n = cx->opts ? cx->opts->nexclude : 0;
	if (n == 0)
		return 0;
	char *p = strdup(path);
	if (p == NULL)
		return 0; /* out of memory comes up at the next allocation */
	size_t len = strlen(p);
	if (len > 0 && p[len - 1] == '/')
		p[len - 1] = 0;
	int hit = 0;
	for (size_t i = 0; i < n && !hit; i++) {
		const char *pat = cx->opts->exclude[i];
		hit = fnmatch(pat, p, 0) == 0;
		for (char *c = p, *slash; !hit && c != NULL; c = slash ? slash + 1 : NULL) {
			slash = strchr(c, '/');
			if (slash)
				*slash = 0;
			hit = fnmatch(pat, c, 0) == 0;
			if (slash)
				*slash = '/';
		}
	}
	free(p);
	return hit;
}

static int add_file(create_ctx *cx, const char *apath, int dfd, const char *at, const entry *e,
                    npk_error *err);

/* The files [lo, hi) of an entry of INPUTs given their paths. */
static int add_named(create_ctx *cx, const entry *e, npk_error *err)
{
	for (size_t i = e->lo; i < e->hi; i++) {
		const named_input *nd = &cx->named[i];
		if (excluded(cx, nd->path))
			continue;
		entry f = {.src = (char *)(uintptr_t)nd->src, .follow = 1};
		NPK_FORWARD(add_file(cx, nd->path, AT_FDCWD, nd->src, &f, err));
	}
	return NPK_OK;
}

static int named_cmp(const void *a, const void *b)
{
	return strcmp(((const named_input *)a)->path, ((const named_input *)b)->path);
}

/* The INPUTs given paths, sorted: none twice, none both a file and a
 * folder ("a" and "a/b"). */
static int named_check(const create_ctx *cx, npk_error *err)
{
	const named_input *v = cx->named;
	for (size_t i = 0; i < cx->nnamed; i++) {
		NPK_FAIL_IF(i > 0 && strcmp(v[i - 1].path, v[i].path) == 0, err, NPK_E_INPUT,
		            "%s and %s would both be stored as \"%s\"", v[i - 1].src, v[i].src, v[i].path);
		for (const char *s = strchr(v[i].path, '/'); s != NULL; s = strchr(s + 1, '/')) {
			char *dir = strndup(v[i].path, (size_t)(s - v[i].path));
			NPK_FAIL_IF(dir == NULL, err, NPK_E_NOMEM, "out of memory");
			named_input probe = {.path = dir};
			const named_input *f = bsearch(&probe, v, cx->nnamed, sizeof *v, named_cmp);
			free(dir);
			NPK_FAIL_IF(f != NULL, err, NPK_E_INPUT, "%s and %s: \"%.*s\" would be both a file and "
			            "a folder", f->src, v[i].src, (int)(s - v[i].path), v[i].path);
		}
	}
	return NPK_OK;
}

/* The INPUTs given paths as top-level entries: those that share a first
 * component ("x/...") make one, as an importer's documents do. */
static int named_entries(create_ctx *cx, entries *es, npk_error *err)
{
	if (cx->nnamed > 1)
		qsort(cx->named, cx->nnamed, sizeof *cx->named, named_cmp);
	NPK_FORWARD(named_check(cx, err));
	for (size_t lo = 0, hi; lo < cx->nnamed; lo = hi) {
		const char *p = cx->named[lo].path;
		const char *slash = strchr(p, '/');
		size_t kl = slash ? (size_t)(slash - p) : strlen(p);
		for (hi = lo + 1; slash && hi < cx->nnamed; hi++)
			if (strncmp(cx->named[hi].path, p, kl + 1) != 0)
				break;
		entry e = {.is_dir = slash != NULL, .kind = K_NAMED, .lo = lo, .hi = hi};
		NPK_FORWARD(entry_push(es, &e, p, kl, cx->named[lo].src, err));
	}
	return NPK_OK;
}

/* ---- folders and the top level ---- */

/* A folder being walked. Only the innermost keeps its folder open: one
 * above it is opened again by ".." from the folder below, and known again
 * by its device and inode, so a walk as deep as archive paths go holds
 * two descriptors, not one per level. */
typedef struct frame {
	entries es;               /* its entries, sorted */
	size_t i;                 /* the next one */
	char *prefix;             /* its path in the archive with "/"; "" at the top */
	const char *src;          /* on disk, for messages (NULL at the top) */
	int fd;                   /* the folder; -1 at the top, or while one below is walked */
	struct stat st;
	uint64_t before;          /* entries stored when the walk came into it */
} frame;

typedef struct walk {
	frame *v;
	size_t n, cap;
} walk;

static void frame_free(frame *f)
{
	entries_free(&f->es);
	free(f->prefix);
	if (f->fd >= 0)
		close(f->fd);
}

static void walk_free(walk *wk)
{
	while (wk->n > 0)
		frame_free(&wk->v[--wk->n]);
	free(wk->v);
}

/* Two entries that would be stored under one name: a name given twice, or
 * a file "a" beside a folder "a" (which sorts elsewhere, as "a/"). */
static int check_clash(const entries *es, size_t i, const char *prefix, npk_error *err)
{
	const entry *v = es->v;
	NPK_FAIL_IF(i > 0 && strcmp(v[i - 1].key, v[i].key) == 0, err, NPK_E_INPUT,
	            "%s and %s would both be stored as \"%s%s\"", v[i - 1].src, v[i].src, prefix,
	            v[i].key);
	if (!v[i].is_dir)
		return NPK_OK;
	char name[NAME_MAX + 2];
	snprintf(name, sizeof name, "%.*s", (int)strlen(v[i].key) - 1, v[i].key);
	entry probe = {.key = name};
	const entry *f = bsearch(&probe, v, es->n, sizeof *v, entry_cmp);
	NPK_FAIL_IF(f != NULL, err, NPK_E_INPUT,
	            "%s and %s would both be stored as \"%s%s\" (one a file, one a folder)", f->src,
	            v[i].src, prefix, f->key);
	return NPK_OK;
}

/* Where e is on disk, for openat: the folder *dfd (*own when opened here,
 * else -1) and the name *at there (malloc'd: the key without its "/"). */
static int entry_at(const frame *f, const entry *e, int *dfd, int *own, char **at, npk_error *err)
{
	*own = -1;
	*dfd = f->fd;
	*at = e->follow ? strdup(e->src) : strndup(e->key, strlen(e->key) - (e->is_dir ? 1 : 0));
	NPK_FAIL_IF(*at == NULL, err, NPK_E_NOMEM, "out of memory");
	if (e->follow)
		*dfd = AT_FDCWD;
	else if (e->dir != NULL) /* at the top: its INPUT folder */
		*dfd = *own = open(e->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*dfd == -1) {
		int rc = npk__fail(err, NPK_E_IO, "%s: %s", e->dir ? e->dir : e->src, strerror(errno));
		free(*at);
		return rc;
	}
	return NPK_OK;
}

/* A folder the walk comes to, opened and listed (*nf: its frame). */
static int open_folder(create_ctx *cx, const frame *f, const entry *e, frame *nf, npk_error *err)
{
	int dfd, own;
	char *at;
	NPK_FORWARD(entry_at(f, e, &dfd, &own, &at, err));
	nf->fd = openat(dfd, at, O_RDONLY | O_DIRECTORY | O_NONBLOCK | O_CLOEXEC |
	                         (e->follow ? 0 : O_NOFOLLOW));
	int saved = errno;
	free(at);
	if (own >= 0)
		close(own);
	NPK_FAIL_IF(nf->fd < 0, err, NPK_E_IO, "%s: %s", e->src, strerror(saved));
	nf->src = e->src;
	NPK_FAIL_IF(fstat(nf->fd, &nf->st) != 0, err, NPK_E_IO, "%s: %s", e->src, strerror(errno));
	NPK_FORWARD(list_dir(cx, nf->fd, e->src, NULL, &nf->es, err));
	if (nf->es.n > 1) /* es.v is NULL when there are none */
		qsort(nf->es.v, nf->es.n, sizeof *nf->es.v, entry_cmp);
	return NPK_OK;
}

/* Into the folder e (stored under apath, which the new frame takes). */
static int walk_down(create_ctx *cx, walk *wk, const entry *e, char *apath, npk_error *err)
{
	if (wk->n == wk->cap) {
		size_t nc = wk->cap ? wk->cap * 2 : 16;
		frame *nv = realloc(wk->v, nc * sizeof *nv);
		if (nv == NULL) {
			free(apath);
			return npk__fail(err, NPK_E_NOMEM, "out of memory");
		}
		wk->v = nv;
		wk->cap = nc;
	}
	frame *f = &wk->v[wk->n - 1], *nf = &wk->v[wk->n];
	*nf = (frame){.prefix = apath, .fd = -1, .before = stored(cx)};
	int rc = open_folder(cx, f, e, nf, err);
	if (rc != NPK_OK) {
		frame_free(nf);
		return rc;
	}
	wk->n++;
	if (f->fd >= 0) { /* opened again by walk_up */
		close(f->fd);
		f->fd = -1;
	}
	return NPK_OK;
}

/* Out of the innermost folder, back into the one above it. A folder that
 * holds no stored entry (nothing in it, or all of it left out) is stored
 * as an empty folder in format 1.1 (15.7), where its path falls. */
static int walk_up(create_ctx *cx, walk *wk, npk_error *err)
{
	frame *f = &wk->v[--wk->n];
	int rc = NPK_OK;
	if (wk->n > 0 && cx->v11 && stored(cx) == f->before) {
		f->prefix[strlen(f->prefix) - 1] = 0; /* its "/" */
		rc = add_folder(cx, f->prefix, f->src, err);
	}
	if (rc == NPK_OK && wk->n > 1) {
		frame *p = &wk->v[wk->n - 1];
		struct stat st;
		p->fd = openat(f->fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (p->fd < 0 || fstat(p->fd, &st) != 0 || st.st_dev != p->st.st_dev ||
		    st.st_ino != p->st.st_ino)
			rc = npk__fail_why(err, NPK_E_INPUT, NPK_R_CHANGED, "%s: changed while being "
			                   "archived (it was moved); no archive was written", f->src);
	}
	frame_free(f);
	return rc;
}

/* One entry of the innermost folder: a document, an importer's documents,
 * or a folder to walk into. */
static int walk_entry(create_ctx *cx, walk *wk, const entry *e, npk_error *err)
{
	const frame *f = &wk->v[wk->n - 1];
	size_t pl = strlen(f->prefix), kl = strlen(e->key);
	NPK_FAIL_IF(pl + kl > NPK_PATH_MAX, err, NPK_E_LIMIT,
	            "%s: path in the archive longer than %u bytes", e->src, NPK_PATH_MAX);
	char *apath = malloc(pl + kl + 1);
	NPK_FAIL_IF(apath == NULL, err, NPK_E_NOMEM, "out of memory");
	memcpy(apath, f->prefix, pl);
	memcpy(apath + pl, e->key, kl + 1);
	if (e->kind != K_NAMED && excluded(cx, apath)) {
		free(apath);
		return NPK_OK;
	}
	if (e->kind == K_DIR)
		return walk_down(cx, wk, e, apath, err);
	int rc, dfd, own;
	char *at;
	if (e->kind == K_LINK)
		rc = add_link(cx, apath, e->src, e->target, strlen(e->target), err);
	else if (e->kind == K_IMPORT)
		rc = add_imported(cx, e, err);
	else if (e->kind == K_NAMED)
		rc = add_named(cx, e, err);
	else if ((rc = entry_at(f, e, &dfd, &own, &at, err)) == NPK_OK) {
		rc = add_file(cx, apath, dfd, at, e, err);
		free(at);
		if (own >= 0)
			close(own);
	}
	free(apath);
	return rc;
}

/* Into the folder entry j of the innermost frame, before its turn. */
static int walk_into(create_ctx *cx, walk *wk, size_t j, npk_error *err)
{
	const frame *f = &wk->v[wk->n - 1];
	const entry *e = &f->es.v[j];
	size_t pl = strlen(f->prefix), kl = strlen(e->key);
	char *apath = malloc(pl + kl + 1);
	NPK_FAIL_IF(apath == NULL, err, NPK_E_NOMEM, "out of memory");
	memcpy(apath, f->prefix, pl);
	memcpy(apath + pl, e->key, kl + 1);
	return walk_down(cx, wk, e, apath, err);
}

/* Whether the folder e of frame f (stored under apath, with its "/") would
 * store nothing: listed quietly, nothing in it but what is skipped, a
 * sidecar or left out. */
static int folder_empty(create_ctx *cx, const frame *f, const entry *e, const char *apath,
                        int *empty, npk_error *err)
{
	frame nf = {.fd = -1};
	cx->quiet = 1;
	int rc = open_folder(cx, f, e, &nf, err);
	cx->quiet = 0;
	*empty = 1;
	size_t al = strlen(apath);
	char *p = malloc(al + NAME_MAX + 2);
	if (rc == NPK_OK && p == NULL)
		rc = npk__fail(err, NPK_E_NOMEM, "out of memory");
	for (size_t k = 0; rc == NPK_OK && *empty && k < nf.es.n; k++) {
		snprintf(p, al + NAME_MAX + 2, "%s%s", apath, nf.es.v[k].key);
		*empty = is_sidecar(nf.es.v, nf.es.n, &nf.es.v[k]) || excluded(cx, p);
	}
	free(p);
	frame_free(&nf);
	return rc;
}

/* Paths sort as bytes, and a folder "x" sorts among its siblings as "x/"
 * (where its contents fall), after "x.txt" and "x-1": an empty folder "x"
 * is stored as "x", before them. So before entry i of the innermost frame
 * f, *j is a folder of f not yet walked whose name is a prefix of entry
 * i's, followed there by a byte below '/', and that is empty; else
 * SIZE_MAX. */
static int settle_folders(create_ctx *cx, frame *f, size_t i, size_t *j, npk_error *err)
{
	*j = SIZE_MAX;
	const char *k = f->es.v[i].key;
	size_t pl = strlen(f->prefix);
	if (!cx->v11 || f->es.v[i].kind == K_DONE)
		return NPK_OK;
	for (size_t l = 1; k[l] != 0 && k[l] != '/'; l++) {
		if ((unsigned char)k[l] >= '/')
			continue;
		char name[NAME_MAX + 2], apath[NPK_PATH_MAX + NAME_MAX + 2];
		snprintf(name, sizeof name, "%.*s/", (int)l, k);
		entry probe = {.key = name};
		entry *d = bsearch(&probe, f->es.v, f->es.n, sizeof *f->es.v, entry_cmp);
		if (d == NULL || d->kind != K_DIR || d->full)
			continue;
		name[l] = 0; /* a file of that name too: check_clash says so in turn */
		if (bsearch(&probe, f->es.v, f->es.n, sizeof *f->es.v, entry_cmp) != NULL)
			continue;
		snprintf(apath, sizeof apath, "%s%.*s/", f->prefix, (int)l, k);
		int empty;
		if (pl + l > NPK_PATH_MAX || excluded(cx, apath))
			continue;
		NPK_FORWARD(folder_empty(cx, f, d, apath, &empty, err));
		d->full = !empty;
		if (empty) {
			*j = (size_t)(d - f->es.v);
			return NPK_OK;
		}
	}
	return NPK_OK;
}

/* Walks the top level (top, which it takes) and every folder below it. */
static int walk_all(create_ctx *cx, entries *top, npk_error *err)
{
	walk wk = {0};
	int rc = NPK_OK;
	char *prefix = strdup("");
	wk.v = malloc(16 * sizeof *wk.v);
	if (prefix == NULL || wk.v == NULL) {
		free(prefix);
		free(wk.v);
		return npk__fail(err, NPK_E_NOMEM, "out of memory"); /* top is the caller's still */
	}
	wk.cap = 16;
	wk.v[wk.n++] = (frame){.es = *top, .prefix = prefix, .fd = -1};
	*top = (entries){0};
	while (wk.n > 0) {
		frame *f = &wk.v[wk.n - 1];
		if (f->i == f->es.n) {
			NPK_FORWARD_GOTO(rc, walk_up(cx, &wk, err), out);
			continue;
		}
		size_t j;
		NPK_FORWARD_GOTO(rc, settle_folders(cx, f, f->i, &j, err), out);
		if (j != SIZE_MAX) { /* an empty folder that sorts before entry i */
			f->es.v[j].kind = K_DONE;
			NPK_FORWARD_GOTO(rc, walk_into(cx, &wk, j, err), out);
			continue;
		}
		size_t i = f->i++;
		NPK_FORWARD_GOTO(rc, check_clash(&f->es, i, f->prefix, err), out);
		if (f->es.v[i].kind != K_DONE && !is_sidecar(f->es.v, f->es.n, &f->es.v[i]))
			NPK_FORWARD_GOTO(rc, walk_entry(cx, &wk, &f->es.v[i], err), out);
	}
out:
	walk_free(&wk);
	return rc;
}

static void import_skip(const char *path, const char *why, void *ctx)
{
	warn(ctx, path, why);
}

static void import_note(const char *path, const char *why, void *ctx)
{
	const create_ctx *cx = ctx;
	if (cx->opts && cx->opts->warn)
		cx->opts->warn(path, why, cx->opts->ctx);
}

/* An input that importer imp reads: opened now (its pass 1). Its
 * documents sharing a first component ("x/...") make one top-level entry,
 * written when the path order comes to it; a tar thus gives its members
 * as the folder it was made from would, and a WARC a folder named after
 * it. */
static int open_import(create_ctx *cx, const npk__importer *imp, const char *path, entries *es,
                       npk_error *err)
{
	source *ns = realloc(cx->srcs, (cx->nsrcs + 1) * sizeof *ns);
	NPK_FAIL_IF(ns == NULL, err, NPK_E_NOMEM, "out of memory");
	cx->srcs = ns;
	void *src;
	NPK_FORWARD(imp->open(path, &cx->env, &src, err));
	cx->srcs[cx->nsrcs++] = (source){imp, src};
	size_t count = imp->count(src);
	for (size_t lo = 0, hi; lo < count; lo = hi) {
		const char *p = imp->path(src, lo);
		const char *slash = strchr(p, '/');
		size_t kl = slash ? (size_t)(slash - p) : strlen(p);
		for (hi = lo + 1; slash && hi < count; hi++)
			if (strncmp(imp->path(src, hi), p, kl + 1) != 0)
				break;
		entry e = {.is_dir = slash != NULL, .kind = K_IMPORT, .input = cx->nsrcs - 1, .lo = lo,
		           .hi = hi};
		NPK_FORWARD(entry_push(es, &e, p, kl, path, err));
	}
	return NPK_OK;
}

/* Once every input is open: each importer's sources together (WARC
 * revisits name captures in other files). */
static int link_imports(create_ctx *cx, npk_error *err)
{
	void **srcs = malloc((cx->nsrcs ? cx->nsrcs : 1) * sizeof *srcs);
	NPK_FAIL_IF(srcs == NULL, err, NPK_E_NOMEM, "out of memory");
	int rc = NPK_OK;
	for (size_t k = 0; k < NIMPORTERS; k++) {
		size_t n = 0;
		for (size_t i = 0; i < cx->nsrcs; i++)
			if (cx->srcs[i].imp == importers[k])
				srcs[n++] = cx->srcs[i].src;
		if (n > 0 && importers[k]->link != NULL)
			NPK_FORWARD_GOTO(rc, importers[k]->link(srcs, n, &cx->env, err), out);
	}
out:
	free(srcs);
	return rc;
}

static void close_imports(create_ctx *cx)
{
	for (size_t i = 0; i < cx->nsrcs; i++)
		cx->srcs[i].imp->close(cx->srcs[i].src);
	free(cx->srcs);
	cx->srcs = NULL;
	cx->nsrcs = 0;
}

static int open_parent(const char *path);

/* One input named by the caller: one an importer knows, a file, or a
 * folder (its contents). */
static int add_input(create_ctx *cx, const char *path, const char *as, entries *es,
                     npk_error *err)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return npk__fail(err, errno == ENOENT ? NPK_E_NOTFOUND : NPK_E_IO, "%s: %s", path,
		                 strerror(errno));
	if (as != NULL) {
		NPK_FAIL_IF(!S_ISREG(st.st_mode), err, NPK_E_INPUT,
		            "%s: only a file can be given a path in the archive", path);
		cx->named[cx->nnamed++] = (named_input){as, path};
		return NPK_OK;
	}
	for (size_t k = 0; k < NIMPORTERS && !(cx->opts && cx->opts->no_import); k++)
		if (importers[k]->sniff(path, &st))
			return open_import(cx, importers[k], path, es, err);
	if (S_ISDIR(st.st_mode)) {
		int fd = open(path, O_RDONLY | O_DIRECTORY | O_NONBLOCK | O_CLOEXEC);
		NPK_FAIL_IF(fd < 0, err, NPK_E_IO, "%s: %s", path, strerror(errno));
		int rc = list_dir(cx, fd, path, path, es, err);
		close(fd);
		return rc;
	}
	char *tmp = strdup(path);
	NPK_FAIL_IF(tmp == NULL, err, NPK_E_NOMEM, "out of memory");
	entry e = {.src = (char *)(uintptr_t)path, .follow = 1};
	int pfd = open_parent(path);
	if (pfd >= 0 && fstat(pfd, &st) == 0) {
		e.pdev = st.st_dev;
		e.pino = st.st_ino;
	}
	if (pfd >= 0)
		close(pfd);
	int rc = entries_add(cx, es, &e, basename(tmp), AT_FDCWD, path, err);
	free(tmp);
	return rc;
}

/* The top level: every input's entries together, in path order. */
static int add_inputs(create_ctx *cx, const char *const *inputs, size_t ninputs, npk_error *err)
{
	cx->env = (npk__import_env){import_skip, import_note, cx, cx->opts ? cx->opts->cancel : NULL,
	                            cx->v11};
	entries es = {0};
	int rc = NPK_OK;
	const char *const *as = cx->opts ? cx->opts->paths : NULL;
	if (as != NULL && (cx->named = malloc(ninputs * sizeof *cx->named)) == NULL)
		return npk__fail(err, NPK_E_NOMEM, "out of memory");
	for (size_t i = 0; i < ninputs; i++)
		NPK_FORWARD_GOTO(rc, add_input(cx, inputs[i], as ? as[i] : NULL, &es, err), out);
	NPK_FORWARD_GOTO(rc, named_entries(cx, &es, err), out);
	NPK_FORWARD_GOTO(rc, link_imports(cx, err), out);
	if (es.n > 1) /* es.v is NULL when there are none */
		qsort(es.v, es.n, sizeof *es.v, entry_cmp);
	rc = walk_all(cx, &es, err);
out:
	entries_free(&es);
	close_imports(cx);
	free(cx->named);
	cx->named = NULL;
	return rc;
}

/* ---- OUT: never an input, never a file that is not an archive ---- */

/* 1 when the folder (dev, ino) is dfd's folder or one above it, so that a
 * walk of it reaches what dfd holds. Closes dfd. */
static int reaches(int dfd, dev_t dev, ino_t ino)
{
	struct stat st, up;
	int hit = 0;
	while (dfd >= 0 && fstat(dfd, &st) == 0) {
		if ((hit = st.st_dev == dev && st.st_ino == ino) != 0)
			break;
		int p = openat(dfd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		int top = p < 0 || fstat(p, &up) != 0 || (up.st_dev == st.st_dev && up.st_ino == st.st_ino);
		close(dfd);
		dfd = p;
		if (top)
			break;
	}
	if (dfd >= 0)
		close(dfd);
	return hit;
}

/* The folder that holds path, open for openat; -1 with errno. */
static int open_parent(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (slash == NULL)
		return open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char *dir = strndup(path, slash == path ? 1 : (size_t)(slash - path));
	int fd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	free(dir);
	return fd;
}

/* OUT as found (st): one of the inputs, or inside an input folder? */
static int out_is_input(const char *out, const struct stat *st, const char *const *inputs,
                        size_t n, npk_error *err)
{
	for (size_t i = 0; i < n; i++) {
		struct stat is;
		if (stat(inputs[i], &is) != 0)
			continue; /* said when the input is read */
		NPK_FAIL_IF(is.st_dev == st->st_dev && is.st_ino == st->st_ino, err, NPK_E_EXISTS,
		            "%s: is also an INPUT (%s); not replacing it", out, inputs[i]);
		NPK_FAIL_IF(S_ISDIR(is.st_mode) && reaches(open_parent(out), is.st_dev, is.st_ino), err,
		            NPK_E_EXISTS, "%s: lies inside the INPUT folder %s; not replacing it", out,
		            inputs[i]);
	}
	return NPK_OK;
}

/* What is at OUT may be replaced: nothing, or with force an archive that
 * is not an input (README, "Replacing files"). */
int npk__pack_check_out(const char *out, const char *const *inputs, size_t n, int force,
                        npk_error *err)
{
	struct stat st;
	NPK_FAIL_IF(stat(out, &st) == 0 && S_ISDIR(st.st_mode), err, NPK_E_ARG,
	            "%s: OUT must be a file to write, not a folder", out);
	int fd = open(out, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return NPK_OK;
	NPK_FAIL_IF(fd < 0, err, NPK_E_EXISTS, "%s: exists and cannot be read (%s); not replacing it",
	            out, strerror(errno));
	uint8_t magic[NPK_MAGIC_LEN];
	int npk = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	          pread(fd, magic, sizeof magic, 0) == (ssize_t)sizeof magic &&
	          memcmp(magic, NPK_MAGIC, sizeof magic) == 0;
	close(fd);
	NPK_FORWARD(out_is_input(out, &st, inputs, n, err));
	NPK_FAIL_IF(!npk, err, NPK_E_EXISTS, "%s: exists and is not a newspack archive; not replacing it",
	            out);
	NPK_FAIL_IF(!force, err, NPK_E_EXISTS, "%s: already exists; --force replaces an archive", out);
	return NPK_OK;
}

/* 15.9: a tail holding the survival copies after the signed part of
 * *size bytes, which becomes the file's size. A 1.0 reader reads no tail. */
static int write_copies(int fd, uint64_t *size, npk_error *err)
{
	npk__tail t;
	int rc;
	NPK_FORWARD_GOTO(rc, npk__tail_begin(&t, fd, *size, err), out);
	NPK_FORWARD_GOTO(rc, npk__copies_write(&t, fd, *size, err), out);
	NPK_FORWARD_GOTO(rc, npk__tail_finish(&t, err), out);
	*size = t.off;
out:
	npk__tail_free(&t);
	return rc;
}

/* 15.10: the parity section, then (copies) the survival copies, after the
 * signed part of *size bytes, read back once from the temporary file;
 * *size becomes the file's size. */
static int add_parity(const npk__out *o, uint64_t *size, unsigned percent, int copies,
                      npk_error *err)
{
	npk__par_geom g;
	NPK_FORWARD(npk__par_choose(&g, *size, percent, err));
	int back = open(o->tmp, O_RDONLY | O_CLOEXEC);
	NPK_FAIL_IF(back < 0, err, NPK_E_IO, "%s: %s", o->tmp, strerror(errno));
	int rc = npk__par_tail(o->fd, back, back, -1, &g, copies, size, o->path, err);
	close(back);
	return rc;
}

int npk__pack_tail(const npk__out *o, const npk_create_opts *opts, uint64_t *size,
                   npk_error *err)
{
	if (opts && opts->parity)
		return add_parity(o, size, opts->parity, !opts->no_copies, err);
	if (!(opts && (opts->format_10 || opts->no_copies)))
		return write_copies(o->fd, size, err);
	return NPK_OK;
}

int npk__pack_opts_check(const npk_create_opts *opts, npk_error *err)
{
	NPK_FAIL_IF(opts && opts->parity && opts->format_10, err, NPK_E_ARG,
	            "parity needs format 1.1: a 1.0 reader cannot read a tail (newspack protect adds "
	            "it later)");
	NPK_FAIL_IF(opts && opts->parity > 100, err, NPK_E_ARG,
	            "parity: %u%% is not a percentage from 1 to 100", opts->parity);
	return NPK_OK;
}

int npk__pack_inputs(npk_writer *w, const npk__out *o, const char *const *inputs,
                     size_t ninputs, const npk_create_opts *opts, npk_create_stats *st,
                     npk_error *err)
{
	int rc = NPK_OK;
	create_ctx cx = {0};
	cx.w = w;
	cx.opts = opts;
	cx.st = st;
	cx.v11 = !(opts && opts->format_10);
	cx.head = malloc(HEAD_MAX);
	cx.buf = malloc(HEAD_MAX);
	if (cx.head == NULL || cx.buf == NULL) {
		rc = npk__fail(err, NPK_E_NOMEM, "out of memory");
		goto out;
	}
	/* The temporary file is not an input (nor an old archive at OUT, which
	 * npk__pack_check_out found outside the inputs). */
	struct stat sst;
	if (fstat(o->fd, &sst) == 0) {
		cx.skip_dev[cx.nskip] = sst.st_dev;
		cx.skip_ino[cx.nskip++] = sst.st_ino;
	}
	if (stat(o->path, &sst) == 0) {
		cx.skip_dev[cx.nskip] = sst.st_dev;
		cx.skip_ino[cx.nskip++] = sst.st_ino;
	}
	rc = add_inputs(&cx, inputs, ninputs, err);
out:
	free(cx.head);
	free(cx.html);
	free(cx.buf);
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
	NPK_FORWARD(npk__pack_opts_check(opts, err));

	int force = opts && opts->force;
	NPK_FORWARD(npk__pack_check_out(out, inputs, ninputs, force, err));
	/* without force, an OUT made meanwhile is kept (base/base.h, "Atomic output") */
	const int replace = force ? NPK__OUT_REPLACE : 0;
	npk__out o = {.fd = -1};
	npk_writer *w = NULL;
	int rc = NPK_OK;
	NPK_FORWARD_GOTO(rc, npk__out_open(&o, out, NPK__MODE_FILE, replace, err), out);
	npk_create_opts wo = {0};
	if (opts)
		wo = *opts;
	wo.salt_key = sk; /* format 15.7: salts keyed by the signer's secret */
	NPK_FORWARD_GOTO(rc, npk_writer_new(o.fd, &wo, &w, err), out);
	NPK_FORWARD_GOTO(rc, npk__pack_inputs(w, &o, inputs, ninputs, opts, st, err), out);
	if (st->documents + st->folders + st->links == 0) {
		rc = npk__fail(err, NPK_E_INPUT, "no documents found in the inputs");
		goto out;
	}
	npk__writer_dedup(w, &st->dedup_documents, &st->dedup_bytes);
	NPK_FORWARD_GOTO(rc, npk_writer_finish(w, sk, err), out);
	npk__writer_index(w, &st->index_bytes, &st->index_keys, &st->index_truncated);
	st->dictionary_bytes = npk__writer_dict_len(w);
	st->bytes_out = npk_writer_size(w);
	NPK_FORWARD_GOTO(rc, npk__pack_tail(&o, opts, &st->bytes_out, err), out);
	NPK_FORWARD_GOTO(rc, npk__out_commit(&o, err), out);
out:
	npk__out_abort(&o);
	npk_writer_free(w);
	return rc;
}
