/*
 * import.c - tar and zip files as inputs of npk_create: the importer
 * npk__import_arc (see interchange.h).
 *
 * Two reads of the file, whatever the order of its members: pass 1 lists
 * them (open), pass 2 reads them once, in the file's order, as next asks
 * for documents in path order. A member reached before its turn is copied
 * to the spool, a temporary file (unlinked at once) that never holds more
 * than the input's contents; the member whose turn it is, and that no
 * later document needs, is streamed. Sidecars are copied to the spool in
 * pass 1. Memory: the member list (paths and sizes, at most
 * NPK__ARC_LIST_MAX bytes), one sidecar and buffers.
 *
 * Paths are read as UTF-8 whatever the caller's locale: this thread works
 * in C.UTF-8 while libarchive runs (the caller's locale is untouched).
 */
#define _GNU_SOURCE /* uselocale, mkostemp */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "format/format.h"
#include "interchange/interchange.h"

#define XATTR_PREFIX "user.newspack."
#define XATTR_MARK "user.newspack"
#define NONE SIZE_MAX
#define UNSPOOLED UINT64_MAX

typedef struct item {
	char *path;               /* the member's path, as it will be stored */
	uint64_t size;
	uint64_t seq;             /* its position among the file's members */
	uint64_t side_off;        /* its sidecar's text in the spool */
	size_t side_len;
	int has_side;             /* PATH.meta.json is its sidecar */
	int gone;                 /* leaves the list: a sidecar, or a link to nothing */
	int spooled_side;         /* pass 1 copied this member's text to side_off */
	char *link;               /* a hard link: the path of the member it names */
	unsigned kind;            /* NPK_KIND_DOCUMENT, _FOLDER or _SYMLINK (15.7) */
	char *target;             /* a symbolic link's target (its size bytes) */
	int marked;               /* newspack's (spec/metadata.md 10.1): its attributes
	                           * are its whole metadata, and it is a document */
	char *media;              /* the media type its mark or own sidecar gives */
	char *names;              /* an own sidecar: the document it names */
	size_t owner;             /* the item whose member holds its bytes (itself
	                           * but for a hard link) */
	/* pass 2 */
	uint64_t data_off;        /* its bytes in the spool, or UNSPOOLED */
	uint64_t attr_off;        /* its attributes in the spool */
	size_t attr_len;
	size_t users;             /* documents still to come that need its bytes */
} item;

typedef struct arc {
	char *file;
	item *items;              /* in path order once listed */
	size_t n;
	size_t *by_seq;           /* the items with a member of their own, in member order */
	size_t nown;
	size_t next_seq;          /* pass 2: the next of by_seq to reach */
	size_t listed;            /* bytes the list holds, within NPK__ARC_LIST_MAX */
	struct archive *ar;
	uint64_t pos;             /* members read in the current pass */
	unsigned passes;
	int spool;                /* the spool's descriptor, or -1 */
	uint64_t spool_end;
	/* the current item: NONE before the first, n after the last */
	size_t cur;
	int streaming;            /* its bytes come from libarchive, else the spool */
	uint64_t left;            /* its bytes still to come */
	uint64_t off;             /* spooled: where they are */
	npk_meta *cur_meta;       /* streaming: its attributes */
	npk__import_item it;
	char name[PATH_MAX];      /* "FILE: MEMBER", for messages */
	locale_t utf8, saved;
} arc;

static int is_archive_name(const char *path)
{
	static const char *const suffixes[] = {
		".tar", ".tar.gz", ".tgz", ".tar.xz", ".txz", ".tar.zst", ".tzst", ".tar.bz2", ".tbz2",
		".zip",
	};
	size_t pl = strlen(path);
	for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; i++) {
		size_t sl = strlen(suffixes[i]);
		if (pl > sl && strcasecmp(path + pl - sl, suffixes[i]) == 0)
			return 1;
	}
	return 0;
}

static void enter(arc *a)
{
	a->saved = a->utf8 != (locale_t)0 ? uselocale(a->utf8) : (locale_t)0;
}

static void leave(arc *a)
{
	if (a->utf8 != (locale_t)0)
		uselocale(a->saved);
}

static int ar_fail(arc *a, npk_error *err, const char *what)
{
	const char *why = a->ar ? archive_error_string(a->ar) : NULL;
	return npk__fail(err, NPK_E_INPUT, "%s: %s%s%s", a->file, what, why ? ": " : "",
	                 why ? why : "");
}

static int ar_start(arc *a, npk_error *err)
{
	if (a->ar != NULL)
		archive_read_free(a->ar);
	a->ar = archive_read_new();
	a->pos = 0;
	a->passes++;
	NPK_FAIL_IF(a->ar == NULL, err, NPK_E_NOMEM, "out of memory");
	archive_read_support_filter_all(a->ar);
	archive_read_support_format_tar(a->ar);
	archive_read_support_format_zip(a->ar);
	if (archive_read_open_filename(a->ar, a->file, 256u << 10) != ARCHIVE_OK)
		return ar_fail(a, err, "cannot be read as a tar or zip file");
	return NPK_OK;
}

/* The next member's header; *e NULL at the end. */
static int ar_next(arc *a, struct archive_entry **e, npk_error *err)
{
	int r = archive_read_next_header(a->ar, e);
	if (r == ARCHIVE_EOF) {
		*e = NULL;
		return NPK_OK;
	}
	if (r < ARCHIVE_WARN) {
		char what[64];
		snprintf(what, sizeof what, "member %llu", (unsigned long long)a->pos + 1);
		return ar_fail(a, err, what);
	}
	return NPK_OK;
}

/* A path as it will be stored: "./" prefixes dropped. */
static const char *strip_dots(const char *p)
{
	while (p[0] == '.' && p[1] == '/')
		for (p += 2; *p == '/';)
			p++;
	return p;
}

/* The member's path as it will be stored. NULL when the member has no
 * name (*why says what is wrong then). */
static const char *member_path(struct archive_entry *e, const char **why)
{
	const char *p = archive_entry_pathname_utf8(e);
	if (p == NULL)
		p = archive_entry_pathname(e);
	*why = p == NULL ? "its name cannot be read as UTF-8" : NULL;
	return p != NULL ? strip_dots(p) : NULL;
}

/* The member a hard link names, as stored; NULL when it cannot be read. */
static const char *link_target(struct archive_entry *e)
{
	const char *t = archive_entry_hardlink_utf8(e);
	if (t == NULL)
		t = archive_entry_hardlink(e);
	return t != NULL ? strip_dots(t) : NULL;
}

static int member_fail(arc *a, const char *path, npk_error *err)
{
	char what[64 + NPK_PATH_MAX];
	snprintf(what, sizeof what, "member \"%s\"", path);
	return ar_fail(a, err, what);
}

/* ---- the spool ---- */

/* Opens the spool on first use: a temporary file in TMPDIR (else /tmp),
 * unlinked at once, so that nothing is left of it whatever happens. */
static int spool_open(arc *a, npk_error *err)
{
	if (a->spool >= 0)
		return NPK_OK;
	const char *dir = getenv("TMPDIR");
	if (dir == NULL || dir[0] != '/')
		dir = "/tmp";
	char tmpl[PATH_MAX];
	NPK_FAIL_IF(snprintf(tmpl, sizeof tmpl, "%s/.newspack-spool-XXXXXX", dir) >= (int)sizeof tmpl,
	            err, NPK_E_IO, "%s: TMPDIR is too long", a->file);
	a->spool = mkostemp(tmpl, O_CLOEXEC);
	NPK_FAIL_IF(a->spool < 0, err, NPK_E_IO, "%s: cannot make a temporary file in %s: %s", a->file,
	            dir, strerror(errno));
	unlink(tmpl);
	return NPK_OK;
}

static int spool_put(arc *a, const void *p, size_t n, npk_error *err)
{
	NPK_FORWARD(spool_open(a, err));
	int rc = npk__write_full(a->spool, p, n, "temporary file", err);
	if (rc != NPK_OK)
		return npk__wrap(err, rc, "%s: ", a->file);
	a->spool_end += n;
	return NPK_OK;
}

static int spool_get(arc *a, void *p, size_t n, uint64_t off, npk_error *err)
{
	int rc = npk__pread_full(a->spool, p, n, off, "temporary file", err);
	return rc == NPK_OK ? rc : npk__wrap(err, NPK_E_IO, "%s: ", a->file);
}

/* A member holds got bytes: another number than pass 1 saw means the file
 * changed. */
static int size_check(arc *a, const item *it, uint64_t got, npk_error *err)
{
	if (got > it->size)
		return npk__fail_why(err, NPK_E_INPUT, NPK_R_CHANGED, "%s: member \"%s\" holds more than "
		                     "the %llu bytes its header says (the file changed while being read?)",
		                     a->file, it->path, (unsigned long long)it->size);
	if (got < it->size)
		return npk__fail_why(err, NPK_E_INPUT, NPK_R_CHANGED, "%s: member \"%s\" holds %llu bytes, "
		                     "not the %llu its header says", a->file, it->path,
		                     (unsigned long long)got, (unsigned long long)it->size);
	return NPK_OK;
}

/* Copies the current member's bytes to the end of the spool: exactly the
 * item's size of them. */
static int spool_member(arc *a, item *it, npk_error *err)
{
	NPK_FORWARD(spool_open(a, err));
	uint64_t start = a->spool_end, got = 0;
	uint8_t buf[64u << 10];
	la_ssize_t r;
	while ((r = archive_read_data(a->ar, buf, sizeof buf)) > 0 && got + (uint64_t)r <= it->size) {
		got += (uint64_t)r;
		NPK_FORWARD(spool_put(a, buf, (size_t)r, err));
	}
	if (r < 0)
		return member_fail(a, it->path, err);
	NPK_FORWARD(size_check(a, it, r > 0 ? it->size + 1 : got, err));
	it->data_off = start;
	return NPK_OK;
}

/* A member's attributes in the spool, as KEY NUL VALUE NUL pairs (keys
 * and values hold no NUL). */
static int spool_attrs(arc *a, item *it, const npk_meta *m, npk_error *err)
{
	it->attr_off = a->spool_end;
	size_t n = npk_meta_count(m);
	for (size_t i = 0; i < n; i++) {
		const char *k, *v;
		npk_meta_get(m, i, &k, &v);
		NPK_FORWARD(spool_put(a, k, strlen(k) + 1, err));
		NPK_FORWARD(spool_put(a, v, strlen(v) + 1, err));
	}
	it->attr_len = (size_t)(a->spool_end - it->attr_off);
	return NPK_OK;
}

/* The attributes spool_attrs kept, added to m. */
static int unspool_attrs(arc *a, const item *it, npk_meta *m, npk_error *err)
{
	char *p = malloc(it->attr_len ? it->attr_len : 1);
	NPK_FAIL_IF(p == NULL, err, NPK_E_NOMEM, "out of memory");
	int rc = spool_get(a, p, it->attr_len, it->attr_off, err);
	for (size_t o = 0; rc == NPK_OK && o < it->attr_len;) {
		size_t kl = strlen(p + o), vl = strlen(p + o + kl + 1);
		if (npk__meta_push(m, p + o, kl, p + o + kl + 1, vl) != 0)
			rc = npk__fail(err, NPK_E_NOMEM, "out of memory");
		o += kl + vl + 2;
	}
	free(p);
	return rc;
}

/* One user.newspack.NAME attribute as metadata. On a member newspack
 * marked, KEY#N is the N-th repeat of KEY; on another, KEY.N is when KEY
 * came before (as earlier versions wrote repeats). */
static int xattr_add(npk_meta *m, const char *name, const void *value, size_t size, int marked,
                     npk_error *err)
{
	char key[NPK_META_KEY_MAX + 32];
	snprintf(key, sizeof key, "%s", name);
	char *dot = strrchr(key, marked ? '#' : '.');
	if (marked && dot != NULL && dot[1] >= '1' && dot[1] <= '9' &&
	    strspn(dot + 1, "0123456789") == strlen(dot + 1))
		*dot = 0;
	else if (!marked && dot != NULL && dot[1] >= '1' && dot[1] <= '9' &&
	         strspn(dot + 1, "0123456789") == strlen(dot + 1)) {
		*dot = 0;
		if (npk_meta_find(m, key) == NULL)
			*dot = '.';
	}
	NPK_FAIL_IF(memchr(value, 0, size) != NULL || !npk__utf8_ok(value, size), err, NPK_E_INPUT,
	            "value is not UTF-8 text");
	char *v = malloc(size + 1);
	NPK_FAIL_IF(v == NULL, err, NPK_E_NOMEM, "out of memory");
	memcpy(v, value, size);
	v[size] = 0;
	int rc = npk_meta_add(m, key, v, err);
	free(v);
	return rc;
}

/* An attribute user.newspack.NAME, and its place among its key's values
 * (N of NAME = KEY#N on a marked member, else 0). */
typedef struct xattr {
	const char *name;
	const void *value;
	size_t size;
	unsigned long nth;
	size_t ix;
} xattr;

static int xattr_cmp(const void *x, const void *y)
{
	const xattr *p = x, *q = y;
	if (p->nth != q->nth)
		return p->nth < q->nth ? -1 : 1;
	return p->ix < q->ix ? -1 : p->ix > q->ix;
}

/* The member's user.newspack.NAME attributes in *v (*n of them); on a
 * marked member in the order their #N give, whatever order the tar holds
 * them in. */
static int xattr_list(struct archive_entry *e, int marked, xattr **v, size_t *n, npk_error *err)
{
	const char *name;
	const void *value;
	size_t size, pl = strlen(XATTR_PREFIX);
	*n = 0;
	*v = malloc((size_t)archive_entry_xattr_reset(e) * sizeof **v + 1);
	NPK_FAIL_IF(*v == NULL, err, NPK_E_NOMEM, "out of memory");
	while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
		if (strncmp(name, XATTR_PREFIX, pl) != 0)
			continue;
		const char *hash = marked ? strrchr(name, '#') : NULL;
		unsigned long nth = hash && hash[1] >= '1' && hash[1] <= '9' ? strtoul(hash + 1, NULL, 10) : 0;
		(*v)[*n] = (xattr){name, value, size, nth, *n};
		(*n)++;
	}
	if (marked && *n > 1)
		qsort(*v, *n, sizeof **v, xattr_cmp);
	return NPK_OK;
}

/* The member's user.newspack.* attributes as metadata; *out NULL when
 * there are none. */
static int xattr_meta(arc *a, struct archive_entry *e, const char *path, int marked,
                      npk_meta **out, npk_error *err)
{
	xattr *v;
	size_t n;
	*out = NULL;
	NPK_FORWARD(xattr_list(e, marked, &v, &n, err));
	int rc = n > 0 && (*out = npk_meta_new()) == NULL ? npk__fail(err, NPK_E_NOMEM, "out of memory")
	                                                   : NPK_OK;
	size_t i;
	for (i = 0; rc == NPK_OK && i < n; i++)
		rc = xattr_add(*out, v[i].name + strlen(XATTR_PREFIX), v[i].value, v[i].size, marked, err);
	if (rc != NPK_OK) {
		npk_meta_free(*out);
		*out = NULL;
		if (rc != NPK_E_NOMEM)
			rc = npk__wrap(err, NPK_E_INPUT, "%s: member \"%s\": attribute %s: ", a->file, path,
			               v[i - 1].name);
	}
	free(v);
	return rc;
}

/* The mark newspack export puts on its members (user.newspack, the text
 * of an own sidecar without metadata): it->marked, and it->media the
 * media type it gives. */
static int xattr_mark(arc *a, struct archive_entry *e, item *it, npk_error *err)
{
	const char *name;
	const void *value;
	size_t size;
	archive_entry_xattr_reset(e);
	while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
		if (strcmp(name, XATTR_MARK) != 0)
			continue;
		char *doc;
		int own = npk__sidecar_own(value, size, &it->media, &doc);
		free(doc);
		NPK_FAIL_IF(own < 0, err, NPK_E_NOMEM, "out of memory");
		it->marked = own;
		if (it->media != NULL && !npk__media_ok(it->media)) {
			free(it->media);
			it->media = NULL;
		}
		a->listed += it->media ? strlen(it->media) + 1 : 0;
		return NPK_OK;
	}
	return NPK_OK;
}

/* ---- pass 1: the list of members ---- */

static int item_cmp(const void *x, const void *y)
{
	return strcmp(((const item *)x)->path, ((const item *)y)->path);
}

static int key_cmp(const void *key, const void *it)
{
	return strcmp(key, ((const item *)it)->path);
}

static item *find(const arc *a, const char *path)
{
	return bsearch(path, a->items, a->n, sizeof *a->items, key_cmp);
}

static void skip(const npk__import_env *env, const char *path, const char *why)
{
	if (env->skip != NULL)
		env->skip(path, why, env->ctx);
}

/* Counts a member's bytes by reading them, when its header does not say
 * or it may be a sidecar: the text of a NAME.meta.json goes to the spool,
 * for pass 2 to read when NAME's turn comes. */
static int measure(arc *a, item *it, int maybe_sidecar, npk_error *err)
{
	uint8_t buf[64u << 10];
	la_ssize_t r;
	if (maybe_sidecar) {
		NPK_FORWARD(spool_open(a, err));
		it->side_off = a->spool_end;
	}
	while ((r = archive_read_data(a->ar, buf, sizeof buf)) > 0) {
		it->size += (uint64_t)r;
		if (maybe_sidecar && it->size <= NPK__SIDECAR_MAX)
			NPK_FORWARD(spool_put(a, buf, (size_t)r, err));
	}
	if (r < 0)
		return ar_fail(a, err, it->path);
	if (maybe_sidecar && it->size <= NPK__SIDECAR_MAX) {
		it->spooled_side = 1;
		it->side_len = (size_t)it->size;
	}
	return NPK_OK;
}

/* A new item at path p, at the end of the list. The list is bounded,
 * whatever the file: names are what it keeps. */
static int list_grow(arc *a, const char *p, size_t *cap, item **out, npk_error *err)
{
	a->listed += strlen(p) + 1 + sizeof(item) + sizeof(size_t);
	NPK_FAIL_IF(a->listed > NPK__ARC_LIST_MAX, err, NPK_E_LIMIT, "%s: more members than newspack "
	            "lists at once (%zu, or %u MiB of names and sizes); split it", a->file, a->n,
	            NPK__ARC_LIST_MAX >> 20);
	if (a->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 256;
		item *nv = realloc(a->items, nc * sizeof *nv);
		NPK_FAIL_IF(nv == NULL, err, NPK_E_NOMEM, "out of memory");
		a->items = nv;
		*cap = nc;
	}
	item *it = *out = &a->items[a->n];
	memset(it, 0, sizeof *it);
	it->data_off = UNSPOOLED;
	it->users = 1;
	it->path = strdup(p);
	NPK_FAIL_IF(it->path == NULL, err, NPK_E_NOMEM, "out of memory");
	a->n++;
	return NPK_OK;
}

/* One more item: the member seq at path p, with its size, its mark, and
 * a hard link's target. */
static int list_add(arc *a, struct archive_entry *e, const char *p, uint64_t seq, size_t *cap,
                    npk_error *err)
{
	item *it = NULL;
	NPK_FORWARD(list_grow(a, p, cap, &it, err));
	it->seq = seq;
	const char *target = archive_entry_hardlink(e) ? link_target(e) : NULL;
	if (target != NULL) {
		a->listed += strlen(target) + 1;
		it->link = strdup(target);
		NPK_FAIL_IF(it->link == NULL, err, NPK_E_NOMEM, "out of memory");
		return NPK_OK;
	}
	NPK_FORWARD(xattr_mark(a, e, it, err));
	int maybe_sidecar = !it->marked && npk__sidecar_base(p) > 0;
	if (archive_entry_size_is_set(e) && archive_entry_size(e) >= 0 &&
	    !(maybe_sidecar && archive_entry_size(e) <= NPK__SIDECAR_MAX)) {
		it->size = (uint64_t)archive_entry_size(e);
		return NPK_OK;
	}
	return measure(a, it, maybe_sidecar, err);
}

/* A member's symbolic link target, as stored; *why when it cannot be
 * (15.7: 1 to 4096 bytes of UTF-8 without NUL). */
static const char *symlink_target(struct archive_entry *e, const char **why)
{
	const char *t = archive_entry_symlink_utf8(e);
	if (t == NULL)
		t = archive_entry_symlink(e);
	size_t n = t ? strlen(t) : 0;
	*why = t == NULL ? "symbolic link not imported (its target cannot be read as UTF-8)"
	       : n == 0 ? "symbolic link not imported (its target is empty)"
	       : n > NPK_PATH_MAX ? "symbolic link not imported (its target is longer than 4096 bytes)"
	       : !npk__utf8_ok((const uint8_t *)t, n)
	       ? "symbolic link not imported (its target is not UTF-8)" : NULL;
	return *why ? NULL : t;
}

/* A directory member (an empty folder, once check_folders finds nothing
 * under it) or a symbolic link member (target: its link name, never
 * followed), in format 1.1. */
static int list_other(arc *a, struct archive_entry *e, const char *p, unsigned kind,
                      uint64_t seq, size_t *cap, const npk__import_env *env, npk_error *err)
{
	char dir[NPK_PATH_MAX + 2];
	size_t pl = strlen(p);
	if (kind == NPK_KIND_FOLDER && pl > 0 && p[pl - 1] == '/' && pl <= NPK_PATH_MAX + 1) {
		snprintf(dir, sizeof dir, "%.*s", (int)pl - 1, p); /* "d/" is the folder d */
		p = dir;
	}
	/* "./" is the top itself; a folder whose path cannot be stored is left
	 * out, as every folder was before 1.1 (what is in it says so) */
	if (kind == NPK_KIND_FOLDER && (p[0] == 0 || npk_path_check(p, strlen(p), err) != NPK_OK))
		return NPK_OK;
	const char *why = NULL, *t = kind == NPK_KIND_SYMLINK ? symlink_target(e, &why) : NULL;
	if (why != NULL) {
		char where[PATH_MAX + 64];
		snprintf(where, sizeof where, "%s: %s", a->file, p);
		skip(env, where, why);
		return NPK_OK;
	}
	if (npk_path_check(p, strlen(p), err) != NPK_OK)
		return npk__wrap(err, NPK_E_INPUT, "%s: member %llu cannot be stored: ", a->file,
		                 (unsigned long long)seq + 1);
	item *it = NULL;
	NPK_FORWARD(list_grow(a, p, cap, &it, err));
	it->seq = seq;
	it->kind = kind;
	if (t != NULL) {
		a->listed += strlen(t) + 1;
		it->size = strlen(t);
		it->target = strdup(t);
		NPK_FAIL_IF(it->target == NULL, err, NPK_E_NOMEM, "out of memory");
	}
	return NPK_OK;
}

/* One member of pass 1: listed when it is a regular file whose path can
 * be stored (in format 1.1 also a folder or a symbolic link); skipped with
 * a warning when it is another kind of file. */
static int list_member(arc *a, struct archive_entry *e, size_t *cap, const npk__import_env *env,
                       npk_error *err)
{
	uint64_t seq = a->pos++;
	const char *why, *p = member_path(e, &why);
	NPK_FAIL_IF(p == NULL, err, NPK_E_INPUT, "%s: member %llu: %s", a->file,
	            (unsigned long long)seq + 1, why);
	if (archive_entry_filetype(e) == AE_IFDIR)
		return env->v11 ? list_other(a, e, p, NPK_KIND_FOLDER, seq, cap, env, err) : NPK_OK;
	if (archive_entry_filetype(e) == AE_IFLNK && env->v11)
		return list_other(a, e, p, NPK_KIND_SYMLINK, seq, cap, env, err);
	/* a hard link has the type of what it names, or none */
	int hard = archive_entry_hardlink(e) != NULL && archive_entry_filetype(e) == 0;
	if (archive_entry_filetype(e) != AE_IFREG && !hard) {
		char where[PATH_MAX + 64];
		snprintf(where, sizeof where, "%s: %s", a->file, p);
		skip(env, where, archive_entry_filetype(e) == AE_IFLNK
		     ? "symbolic link not imported (only regular files are stored)"
		     : "special file not imported (only regular files are stored)");
		return NPK_OK;
	}
	if (npk_path_check(p, strlen(p), err) != NPK_OK)
		return npk__wrap(err, NPK_E_INPUT, "%s: member %llu cannot be stored: ", a->file,
		                 (unsigned long long)seq + 1);
	return list_add(a, e, p, seq, cap, err);
}

static int list_members(arc *a, const npk__import_env *env, npk_error *err)
{
	size_t cap = 0;
	NPK_FORWARD(ar_start(a, err));
	for (;;) {
		struct archive_entry *e;
		NPK_FORWARD(ar_next(a, &e, err));
		if (e == NULL)
			return NPK_OK;
		NPK_FORWARD(list_member(a, e, &cap, env, err));
	}
}

/* The first item at or after path, in the sorted list. */
static size_t lower_bound(const arc *a, const char *path)
{
	size_t lo = 0, hi = a->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(a->items[mid].path, path) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* A directory member stays only when nothing is stored under it (an empty
 * folder, 15.7), once: a folder given twice, or beside a member under it,
 * leaves the list. */
static void check_folders(arc *a)
{
	char under[NPK_PATH_MAX + 2];
	for (size_t i = 0; i < a->n; i++) {
		item *it = &a->items[i];
		if (it->kind != NPK_KIND_FOLDER)
			continue;
		size_t pl = (size_t)snprintf(under, sizeof under, "%s/", it->path);
		size_t k = lower_bound(a, under);
		it->gone = (k < a->n && strncmp(a->items[k].path, under, pl) == 0) ||
		           (i + 1 < a->n && strcmp(a->items[i + 1].path, it->path) == 0) ||
		           (i > 0 && a->items[i - 1].kind != NPK_KIND_FOLDER &&
		            strcmp(a->items[i - 1].path, it->path) == 0);
	}
	size_t keep = 0;
	for (size_t i = 0; i < a->n; i++) {
		if (a->items[i].gone)
			free(a->items[i].path);
		else
			a->items[keep++] = a->items[i];
	}
	a->n = keep;
}

/* The sorted paths can all be stored: none twice, and none that is a
 * file and also a folder ("a" and "a/b"). */
static int check_paths(const arc *a, npk_error *err)
{
	for (size_t i = 1; i < a->n; i++)
		NPK_FAIL_IF(strcmp(a->items[i - 1].path, a->items[i].path) == 0, err, NPK_E_INPUT,
		            "%s: \"%s\" is in it twice (members %llu and %llu); it cannot be stored twice",
		            a->file, a->items[i].path, (unsigned long long)a->items[i - 1].seq + 1,
		            (unsigned long long)a->items[i].seq + 1);
	char prefix[NPK_PATH_MAX + 1];
	for (size_t i = 0; i < a->n; i++) {
		const char *p = a->items[i].path;
		for (const char *s = strchr(p, '/'); s != NULL; s = strchr(s + 1, '/')) {
			snprintf(prefix, sizeof prefix, "%.*s", (int)(s - p), p);
			const item *f = find(a, prefix);
			NPK_FAIL_IF(f != NULL, err, NPK_E_INPUT,
			            "%s: \"%s\" is both a file and a folder in it (\"%s\"); it cannot be stored",
			            a->file, f->path, p);
		}
	}
	return NPK_OK;
}

/* A NAME.meta.json that may be a sidecar: not a hard link, not a member
 * newspack marked as a document. */
static int candidate(const item *it)
{
	return npk__sidecar_base(it->path) > 0 && it->link == NULL && !it->marked &&
	       it->kind == NPK_KIND_DOCUMENT;
}

/* What a candidate's text says when it is newspack's own sidecar: the
 * media type and the document it names, kept in the item for attach. */
static int read_own(arc *a, item *c, npk_error *err)
{
	if (!c->spooled_side || c->side_len == 0)
		return NPK_OK;
	char *t = malloc(c->side_len);
	NPK_FAIL_IF(t == NULL, err, NPK_E_NOMEM, "out of memory");
	int rc = spool_get(a, t, c->side_len, c->side_off, err);
	int own = rc == NPK_OK && memmem(t, c->side_len, "\"@newspack\"", 11) != NULL
	          ? npk__sidecar_own(t, c->side_len, &c->media, &c->names) : 0;
	free(t);
	NPK_FORWARD(rc);
	NPK_FAIL_IF(own < 0, err, NPK_E_NOMEM, "out of memory");
	a->listed += (c->media ? strlen(c->media) : 0) + (c->names ? strlen(c->names) : 0);
	return NPK_OK;
}

/* Sidecar c goes to doc, with the media type it gives. */
static int attach(arc *a, item *c, item *doc, npk_error *err)
{
	NPK_FAIL_IF(c->size > NPK__SIDECAR_MAX || !c->spooled_side, err, NPK_E_LIMIT,
	            "%s: %s: sidecar larger than %u bytes", a->file, c->path, NPK__SIDECAR_MAX);
	doc->has_side = 1;
	doc->side_off = c->side_off;
	doc->side_len = c->side_len;
	if (c->media != NULL && npk__media_ok(c->media) && doc->media == NULL) {
		doc->media = c->media;
		c->media = NULL;
	}
	c->gone = 1;
	return NPK_OK;
}

/* The document an own sidecar names ("@document"), in its folder. */
static item *named_doc(const arc *a, const item *c)
{
	char path[NPK_PATH_MAX + 1];
	const char *slash = strrchr(c->path, '/');
	int dl = slash ? (int)(slash - c->path + 1) : 0;
	if (strchr(c->names, '/') != NULL ||
	    snprintf(path, sizeof path, "%.*s%s", dl, c->path, c->names) >= (int)sizeof path)
		return NULL;
	item *d = find(a, path);
	return d != NULL && d != c && d->link == NULL && !d->has_side && d->kind == NPK_KIND_DOCUMENT
	       ? d : NULL;
}

/* NAME.meta.json beside NAME is NAME's sidecar, not a document: its text
 * goes to NAME and it leaves the list. First newspack's own sidecars that
 * name their document (zip exports give them when NAME.meta.json is a
 * document too, spec/metadata.md 7.1); then the others, beside a NAME
 * without one (a NAME.meta.json whose NAME has an own sidecar that names
 * it stays a document). */
static int attach_sidecars(arc *a, npk_error *err)
{
	for (size_t i = 0; i < a->n; i++)
		if (candidate(&a->items[i]))
			NPK_FORWARD(read_own(a, &a->items[i], err));
	for (size_t i = 0; i < a->n; i++) {
		item *c = &a->items[i], *doc;
		if (candidate(c) && c->names != NULL && (doc = named_doc(a, c)) != NULL)
			NPK_FORWARD(attach(a, c, doc, err));
	}
	char base[NPK_PATH_MAX + 1];
	for (size_t i = a->n; i-- > 0;) { /* NAME.meta.json.meta.json before NAME.meta.json */
		item *c = &a->items[i];
		if (!candidate(c) || c->gone || c->names != NULL)
			continue;
		snprintf(base, sizeof base, "%.*s", (int)npk__sidecar_base(c->path), c->path);
		item *doc = find(a, base);
		/* a NAME.meta.json without NAME is a document: read in turn */
		if (doc != NULL && !doc->has_side && !doc->gone && doc->kind == NPK_KIND_DOCUMENT)
			NPK_FORWARD(attach(a, c, doc, err));
	}
	size_t keep = 0;
	for (size_t i = 0; i < a->n; i++) {
		item *it = &a->items[i];
		if (it->gone) {
			free(it->path);
			free(it->media);
			free(it->target);
		} else
			a->items[keep++] = *it;
		free(it->names);
		it->names = NULL;
	}
	a->n = keep;
	return NPK_OK;
}

/* A hard link is a document with the bytes of the member it names,
 * through other links: that member must be a document. Otherwise the link
 * is skipped, with a warning. */
static void resolve_links(arc *a, const npk__import_env *env)
{
	for (size_t i = 0; i < a->n; i++) {
		item *it = &a->items[i];
		if (it->link == NULL)
			continue;
		const item *t = find(a, it->link);
		for (size_t hops = 0; t != NULL && t->link != NULL && hops < a->n; hops++)
			t = find(a, t->link);
		if (t != NULL && t->link == NULL && t->kind == NPK_KIND_DOCUMENT) {
			it->seq = t->seq; /* now the member that holds its bytes */
			it->size = t->size;
			continue;
		}
		char where[PATH_MAX + 64], why[NPK_PATH_MAX + 64];
		snprintf(where, sizeof where, "%s: %s", a->file, it->path);
		snprintf(why, sizeof why, "hard link to \"%s\", which is not imported", it->link);
		skip(env, where, why);
		it->gone = 1;
	}
	size_t keep = 0;
	for (size_t i = 0; i < a->n; i++) {
		if (a->items[i].gone) {
			free(a->items[i].path);
			free(a->items[i].link);
			free(a->items[i].media);
			free(a->items[i].target);
		} else
			a->items[keep++] = a->items[i];
	}
	a->n = keep;
}

typedef struct seq_ix {
	uint64_t seq;
	size_t i;
} seq_ix;

static int seq_cmp(const void *x, const void *y)
{
	uint64_t a = ((const seq_ix *)x)->seq, b = ((const seq_ix *)y)->seq;
	return a < b ? -1 : a > b;
}

/* The items with a member of their own in the file's order, for pass 2
 * to meet them in turn; and each hard link's owner, whose users it joins. */
static int map_positions(arc *a, npk_error *err)
{
	a->by_seq = malloc((a->n ? a->n : 1) * sizeof *a->by_seq);
	seq_ix *v = malloc((a->n ? a->n : 1) * sizeof *v);
	if (a->by_seq == NULL || v == NULL) {
		free(v);
		return npk__fail(err, NPK_E_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < a->n; i++) /* folders and symbolic links have no bytes to read */
		if (a->items[i].link == NULL && a->items[i].kind == NPK_KIND_DOCUMENT)
			v[a->nown++] = (seq_ix){a->items[i].seq, i};
	if (a->nown > 1)
		qsort(v, a->nown, sizeof *v, seq_cmp);
	for (size_t i = 0; i < a->nown; i++) {
		a->by_seq[i] = v[i].i;
		a->items[v[i].i].owner = v[i].i;
	}
	for (size_t i = 0; i < a->n; i++) {
		if (a->items[i].link == NULL)
			continue;
		seq_ix key = {a->items[i].seq, 0};
		const seq_ix *o = bsearch(&key, v, a->nown, sizeof *v, seq_cmp);
		a->items[i].owner = o->i; /* resolve_links found it */
		a->items[o->i].users++;
	}
	free(v);
	return NPK_OK;
}

/* Pass 1: the members' paths and sizes, in path order, checked as an
 * archive will store them, with their sidecars attached. */
static int index_members(arc *a, const npk__import_env *env, npk_error *err)
{
	enter(a);
	int rc = list_members(a, env, err);
	leave(a);
	archive_read_free(a->ar); /* its buffers are not needed until pass 2 */
	a->ar = NULL;
	NPK_FORWARD(rc);
	if (a->n > 1) /* a->items is NULL when there are none */
		qsort(a->items, a->n, sizeof *a->items, item_cmp);
	check_folders(a);
	NPK_FORWARD(check_paths(a, err));
	NPK_FORWARD(attach_sidecars(a, err));
	resolve_links(a, env);
	return map_positions(a, err);
}

/* ---- the importer ---- */

static int arc_sniff(const char *path, const struct stat *st)
{
	return S_ISREG(st->st_mode) && is_archive_name(path);
}

static void arc_close(void *src)
{
	arc *a = src;
	if (a == NULL)
		return;
	if (a->ar != NULL)
		archive_read_free(a->ar);
	if (a->spool >= 0)
		close(a->spool);
	for (size_t i = 0; i < a->n; i++) {
		free(a->items[i].path);
		free(a->items[i].link);
		free(a->items[i].media);
		free(a->items[i].target);
	}
	npk_meta_free(a->cur_meta);
	if (a->utf8 != (locale_t)0)
		freelocale(a->utf8);
	free(a->items);
	free(a->by_seq);
	free(a->file);
	free(a);
}

static int arc_open(const char *path, const npk__import_env *env, void **src, npk_error *err)
{
	*src = NULL;
	arc *a = calloc(1, sizeof *a);
	NPK_FAIL_IF(a == NULL, err, NPK_E_NOMEM, "out of memory");
	a->cur = NONE;
	a->spool = -1;
	a->utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	a->file = strdup(path);
	int rc = a->file ? index_members(a, env, err) : npk__fail(err, NPK_E_NOMEM, "out of memory");
	if (rc != NPK_OK) {
		arc_close(a);
		return rc;
	}
	if (a->n == 0)
		skip(env, path, "no files in it: nothing stored from it");
	*src = a;
	return NPK_OK;
}

static size_t arc_count(const void *src)
{
	return ((const arc *)src)->n;
}

static const char *arc_path(const void *src, size_t i)
{
	const arc *a = src;
	return i < a->n ? a->items[i].path : NULL;
}

unsigned npk__arc_passes(const void *src)
{
	return ((const arc *)src)->passes;
}

/* Pass 2: reads members forward, in the file's order, until item o's
 * member: each member needed on the way goes to the spool (the documents
 * not yet given need them all); o's too when a later document needs it
 * as well, else it is left to stream. */
static int read_to(arc *a, size_t o, npk_error *err)
{
	for (;;) {
		struct archive_entry *e;
		NPK_FORWARD(ar_next(a, &e, err));
		if (e == NULL)
			return npk__fail_why(err, NPK_E_INPUT, NPK_R_CHANGED, "%s: member \"%s\" is gone (the "
			                     "file changed while being read)", a->file, a->items[o].path);
		uint64_t seq = a->pos++;
		size_t k = a->next_seq < a->nown ? a->by_seq[a->next_seq] : NONE;
		if (k == NONE || a->items[k].seq != seq)
			continue;
		a->next_seq++;
		item *it = &a->items[k];
		const char *why, *p = member_path(e, &why);
		if (p == NULL || strcmp(p, it->path) != 0)
			return npk__fail_why(err, NPK_E_INPUT, NPK_R_CHANGED, "%s: member %llu is no longer "
			                     "\"%s\" (the file changed while being read)", a->file,
			                     (unsigned long long)seq + 1, it->path);
		npk_meta *m;
		NPK_FORWARD(xattr_meta(a, e, p, it->marked, &m, err));
		if (k == o && it->users == 1) {
			a->streaming = 1;
			a->cur_meta = m;
			return NPK_OK;
		}
		int rc = m != NULL ? spool_attrs(a, it, m, err) : NPK_OK;
		npk_meta_free(m);
		NPK_FORWARD(rc);
		NPK_FORWARD(spool_member(a, it, err));
		if (k == o)
			return NPK_OK;
	}
}

/* The bytes of item o's member: in the spool already, or reached now. */
static int fetch(arc *a, size_t o, npk_error *err)
{
	if (a->items[o].data_off != UNSPOOLED)
		return NPK_OK;
	if (a->passes < 2)
		NPK_FORWARD(ar_start(a, err));
	return read_to(a, o, err);
}

static int arc_next(void *src, const npk__import_item **it, npk_error *err)
{
	arc *a = src;
	*it = NULL;
	npk_meta_free(a->cur_meta);
	a->cur_meta = NULL;
	a->cur = a->cur == NONE ? 0 : a->cur < a->n ? a->cur + 1 : a->n;
	a->streaming = 0;
	if (a->cur == a->n)
		return NPK_OK;
	const item *m = &a->items[a->cur];
	snprintf(a->name, sizeof a->name, "%s: %s", a->file, m->path);
	if (m->kind != NPK_KIND_DOCUMENT) { /* read gives a link's target */
		a->left = m->size;
		a->it = (npk__import_item){m->path, m->size, NULL, a->name, m->kind};
		*it = &a->it;
		return NPK_OK;
	}
	item *o = &a->items[m->owner];
	enter(a);
	int rc = fetch(a, m->owner, err);
	leave(a);
	NPK_FORWARD(rc);
	o->users--;
	a->off = o->data_off;
	a->left = m->size;
	snprintf(a->name, sizeof a->name, "%s: %s", a->file, m->path);
	a->it = (npk__import_item){m->path, m->size, m->media ? m->media : o->media, a->name,
	                           NPK_KIND_DOCUMENT};
	*it = &a->it;
	return NPK_OK;
}

/* The current document's next bytes, from the spool. */
static int read_spooled(arc *a, uint8_t *buf, size_t cap, size_t *got, npk_error *err)
{
	size_t n = a->left < cap ? (size_t)a->left : cap;
	if (n > 0)
		NPK_FORWARD(spool_get(a, buf, n, a->off, err));
	a->off += n;
	a->left -= n;
	*got = n;
	return NPK_OK;
}

static int arc_read(void *src, uint8_t *buf, size_t cap, size_t *got, npk_error *err)
{
	arc *a = src;
	*got = 0;
	NPK_FAIL_IF(a->cur == NONE || a->cur == a->n, err, NPK_E_ARG, "%s: no member to read", a->file);
	const item *it = &a->items[a->cur];
	if (it->kind == NPK_KIND_SYMLINK) {
		size_t n = a->left < cap ? (size_t)a->left : cap;
		memcpy(buf, it->target + (it->size - a->left), n);
		a->left -= n;
		*got = n;
		return NPK_OK;
	}
	if (!a->streaming)
		return read_spooled(a, buf, cap, got, err);
	enter(a);
	la_ssize_t r = archive_read_data(a->ar, buf, cap);
	leave(a);
	if (r < 0)
		return member_fail(a, it->path, err);
	if ((uint64_t)r > a->left || (r == 0 && a->left != 0))
		return npk__fail_why(err, NPK_E_INPUT, NPK_R_CHANGED, "%s: member \"%s\" does not hold "
		                     "the %llu bytes its header says (the file changed while being read?)",
		                     a->file, it->path, (unsigned long long)it->size);
	a->left -= (uint64_t)r;
	*got = (size_t)r;
	return NPK_OK;
}

/* NAME.meta.json's text, from the spool, applied over m. */
static int apply_sidecar(arc *a, const item *it, npk_meta *m, npk_error *err)
{
	char name[PATH_MAX + 16];
	snprintf(name, sizeof name, "%s%s", a->name, NPK__SIDECAR_SUFFIX);
	char *text = malloc(it->side_len ? it->side_len : 1);
	NPK_FAIL_IF(text == NULL, err, NPK_E_NOMEM, "out of memory");
	int rc = it->side_len ? spool_get(a, text, it->side_len, it->side_off, err) : NPK_OK;
	if (rc == NPK_OK)
		rc = npk_meta_apply_sidecar(m, text, it->side_len, name, err);
	free(text);
	return rc;
}

/* The member's user.newspack.* attributes (a hard link's: those of the
 * member it names), then its NAME.meta.json. */
static int arc_meta(void *src, npk_meta *m, npk_error *err)
{
	arc *a = src;
	NPK_FAIL_IF(a->cur == NONE || a->cur == a->n, err, NPK_E_ARG, "%s: no member", a->file);
	const item *it = &a->items[a->cur], *o = &a->items[it->owner];
	if (o->marked) /* its attributes are its whole metadata */
		npk__meta_clear(m);
	if (a->streaming && a->cur_meta != NULL)
		NPK_FORWARD(npk_meta_merge(m, a->cur_meta, err));
	if (!a->streaming && o->attr_len > 0) {
		npk_meta *attrs = npk_meta_new();
		NPK_FAIL_IF(attrs == NULL, err, NPK_E_NOMEM, "out of memory");
		int rc = unspool_attrs(a, o, attrs, err);
		if (rc == NPK_OK)
			rc = npk_meta_merge(m, attrs, err);
		npk_meta_free(attrs);
		NPK_FORWARD(rc);
	}
	return it->has_side ? apply_sidecar(a, it, m, err) : NPK_OK;
}

const npk__importer npk__import_arc = {
	.sniff = arc_sniff,
	.open = arc_open,
	.count = arc_count,
	.path = arc_path,
	.link = NULL,
	.next = arc_next,
	.read = arc_read,
	.meta = arc_meta,
	.close = arc_close,
};
