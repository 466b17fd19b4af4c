/*
 * import.c - tar and zip files as inputs of npk_create: the importer
 * npk__import_arc (see interchange.h).
 *
 * Memory: the member list (names and sizes), the sidecars' text, and at
 * most NPK__ARC_WINDOW bytes of members read ahead of their turn. A member
 * larger than NPK__ARC_BIG is never kept: it is streamed when its turn
 * comes, which may take one more pass over the file.
 *
 * Paths are read as UTF-8 whatever the caller's locale: this thread works
 * in C.UTF-8 while libarchive runs (the caller's locale is untouched).
 */
#define _GNU_SOURCE /* uselocale */
#include <errno.h>
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "format/format.h"
#include "interchange/interchange.h"

#define XATTR_PREFIX "user.newspack."
#define NONE SIZE_MAX

typedef struct item {
	char *path;               /* the member's path, as it will be stored */
	uint64_t size;
	uint64_t seq;             /* its position among the file's members */
	char *sidecar;            /* the text of PATH.meta.json, or NULL */
	size_t sidecar_len;
	int is_sidecar;           /* PATH is NAME.meta.json of a member NAME */
} item;

typedef struct slot {
	uint8_t *data;            /* the member's bytes, read ahead */
	npk_meta *meta;           /* its user.newspack.* attributes */
	int have, want;
} slot;

typedef struct arc {
	char *file;
	item *items;              /* in path order once listed */
	size_t n;
	size_t *by_seq;           /* member position -> item, or NONE */
	uint64_t nseq;
	slot *cache;
	struct archive *ar;
	uint64_t pos;             /* members read in the current pass */
	unsigned passes;
	/* the current item: NONE before the first, n after the last */
	size_t cur;
	int streaming;
	uint64_t left;            /* streaming: its bytes still to come */
	uint64_t off;             /* kept: its bytes given so far */
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

/* The member's path as it will be stored: "./" prefixes dropped. NULL when
 * the member has no name (*why says what is wrong then). */
static const char *member_path(struct archive_entry *e, const char **why)
{
	const char *p = archive_entry_pathname_utf8(e);
	if (p == NULL)
		p = archive_entry_pathname(e);
	*why = NULL;
	if (p == NULL) {
		*why = "its name cannot be read as UTF-8";
		return NULL;
	}
	while (p[0] == '.' && p[1] == '/')
		for (p += 2; *p == '/';)
			p++;
	return p;
}

static int member_fail(arc *a, const char *path, npk_error *err)
{
	char what[64 + NPK_PATH_MAX];
	snprintf(what, sizeof what, "member \"%s\"", path);
	return ar_fail(a, err, what);
}

/* Reads all of the current member into *out (malloc'ed) and checks its
 * size: another than pass 1 saw means the file changed. */
static int read_whole(arc *a, const char *path, uint64_t size, uint8_t **out, npk_error *err)
{
	*out = NULL;
	NPK_FAIL_IF(size > SIZE_MAX - 1, err, NPK_E_LIMIT, "%s: %s: too large", a->file, path);
	uint8_t *p = malloc(size ? (size_t)size : 1);
	NPK_FAIL_IF(p == NULL, err, NPK_E_NOMEM, "out of memory");
	uint64_t got = 0;
	la_ssize_t r = 1;
	while (r > 0) {
		uint8_t extra;
		uint64_t left = size - got;
		/* past the size, one more byte is asked for: there must be none */
		r = left > 0 ? archive_read_data(a->ar, p + got, left < (64u << 10) ? (size_t)left : 64u << 10)
		             : archive_read_data(a->ar, &extra, 1);
		if (r < 0 || (r > 0 && left == 0))
			break;
		got += (uint64_t)r;
	}
	if (r == 0 && got == size) {
		*out = p;
		return NPK_OK;
	}
	free(p);
	if (r < 0)
		return member_fail(a, path, err);
	if (r > 0)
		return npk__fail_why(err, NPK_E_INPUT, NPK_R_CHANGED, "%s: member \"%s\" holds more than "
		                     "the %llu bytes its header says (the file changed while being read?)",
		                     a->file, path, (unsigned long long)size);
	return npk__fail_why(err, NPK_E_INPUT, NPK_R_CHANGED, "%s: member \"%s\" holds %llu bytes, "
	                     "not the %llu its header says", a->file, path, (unsigned long long)got,
	                     (unsigned long long)size);
}

/* One user.newspack.NAME attribute as metadata: KEY.N repeats KEY when
 * KEY came before (as npk_export writes repeats). */
static int xattr_add(npk_meta *m, const char *name, const void *value, size_t size,
                     npk_error *err)
{
	char key[NPK_META_KEY_MAX + 32];
	snprintf(key, sizeof key, "%s", name);
	char *dot = strrchr(key, '.');
	if (dot != NULL && dot[1] >= '1' && dot[1] <= '9' && strspn(dot + 1, "0123456789") == strlen(dot + 1)) {
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

/* The member's user.newspack.* attributes as metadata; *out NULL when
 * there are none. */
static int xattr_meta(arc *a, struct archive_entry *e, const char *path, npk_meta **out,
                      npk_error *err)
{
	*out = NULL;
	const char *name;
	const void *value;
	size_t size;
	size_t pl = strlen(XATTR_PREFIX);
	archive_entry_xattr_reset(e);
	while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
		if (strncmp(name, XATTR_PREFIX, pl) != 0)
			continue;
		if (*out == NULL && (*out = npk_meta_new()) == NULL)
			return npk__fail(err, NPK_E_NOMEM, "out of memory");
		int rc = xattr_add(*out, name + pl, value, size, err);
		if (rc != NPK_OK) {
			npk_meta_free(*out);
			*out = NULL;
			if (rc == NPK_E_NOMEM)
				return rc;
			return npk__wrap(err, NPK_E_INPUT, "%s: member \"%s\": attribute %s: ", a->file, path,
			                 name);
		}
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
 * or it may be a sidecar: a small NAME.meta.json's text is kept. */
static int measure(arc *a, item *it, int maybe_sidecar, npk_error *err)
{
	npk_buf keep = {0};
	uint8_t buf[64u << 10];
	la_ssize_t r;
	while ((r = archive_read_data(a->ar, buf, sizeof buf)) > 0) {
		it->size += (uint64_t)r;
		if (maybe_sidecar && it->size <= NPK__SIDECAR_MAX && npk__buf_put(&keep, buf, (size_t)r) != 0) {
			free(keep.p);
			return npk__fail(err, NPK_E_NOMEM, "out of memory");
		}
	}
	if (r == 0 && maybe_sidecar && it->size <= NPK__SIDECAR_MAX) {
		it->sidecar = (char *)keep.p;
		it->sidecar_len = keep.len;
		return NPK_OK;
	}
	free(keep.p);
	return r < 0 ? ar_fail(a, err, it->path) : NPK_OK;
}

/* One more item: the member seq at path p. */
static int list_add(arc *a, struct archive_entry *e, const char *p, uint64_t seq, size_t *cap,
                    npk_error *err)
{
	if (a->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 256;
		item *nv = realloc(a->items, nc * sizeof *nv);
		NPK_FAIL_IF(nv == NULL, err, NPK_E_NOMEM, "out of memory");
		a->items = nv;
		*cap = nc;
	}
	item *it = &a->items[a->n];
	memset(it, 0, sizeof *it);
	it->seq = seq;
	it->path = strdup(p);
	NPK_FAIL_IF(it->path == NULL, err, NPK_E_NOMEM, "out of memory");
	a->n++;
	int maybe_sidecar = npk__sidecar_base(p) > 0;
	if (archive_entry_size_is_set(e) && archive_entry_size(e) >= 0 &&
	    !(maybe_sidecar && archive_entry_size(e) <= NPK__SIDECAR_MAX)) {
		it->size = (uint64_t)archive_entry_size(e);
		return NPK_OK;
	}
	return measure(a, it, maybe_sidecar, err);
}

/* One member of pass 1: listed when it is a regular file whose path can
 * be stored; skipped with a warning when it is another kind of file. */
static int list_member(arc *a, struct archive_entry *e, size_t *cap, const npk__import_env *env,
                       npk_error *err)
{
	uint64_t seq = a->pos++;
	const char *why, *p = member_path(e, &why);
	NPK_FAIL_IF(p == NULL, err, NPK_E_INPUT, "%s: member %llu: %s", a->file,
	            (unsigned long long)seq + 1, why);
	if (archive_entry_filetype(e) == AE_IFDIR)
		return NPK_OK;
	if (archive_entry_filetype(e) != AE_IFREG || archive_entry_hardlink(e) != NULL) {
		char where[PATH_MAX + 64];
		snprintf(where, sizeof where, "%s: %s", a->file, p);
		skip(env, where, archive_entry_hardlink(e) ? "hard link not imported (only regular files are stored)"
		     : archive_entry_filetype(e) == AE_IFLNK ? "symbolic link not imported (only regular files are stored)"
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

/* NAME.meta.json beside NAME is NAME's sidecar, not a document: its text
 * moves to NAME and it leaves the list. */
static int attach_sidecars(arc *a, npk_error *err)
{
	char base[NPK_PATH_MAX + 1];
	for (size_t i = 0; i < a->n; i++) {
		item *it = &a->items[i];
		size_t bl = npk__sidecar_base(it->path);
		if (bl == 0)
			continue;
		snprintf(base, sizeof base, "%.*s", (int)bl, it->path);
		item *doc = find(a, base);
		if (doc == NULL) {
			/* a NAME.meta.json without NAME is a document: read in turn */
			free(it->sidecar);
			it->sidecar = NULL;
			it->sidecar_len = 0;
			continue;
		}
		NPK_FAIL_IF(it->size > NPK__SIDECAR_MAX, err, NPK_E_LIMIT,
		            "%s: %s: sidecar larger than %u bytes", a->file, it->path, NPK__SIDECAR_MAX);
		doc->sidecar = it->sidecar;
		doc->sidecar_len = it->sidecar_len;
		it->sidecar = NULL;
		it->is_sidecar = 1;
	}
	size_t keep = 0;
	for (size_t i = 0; i < a->n; i++) {
		if (a->items[i].is_sidecar) {
			free(a->items[i].path);
			free(a->items[i].sidecar); /* a sidecar's own sidecar */
		} else
			a->items[keep++] = a->items[i];
	}
	a->n = keep;
	return NPK_OK;
}

/* Which item each member of the file is, for the passes that follow. */
static int map_positions(arc *a, npk_error *err)
{
	a->nseq = a->pos;
	a->by_seq = malloc((a->nseq ? a->nseq : 1) * sizeof *a->by_seq);
	a->cache = calloc(a->n ? a->n : 1, sizeof *a->cache);
	NPK_FAIL_IF(a->by_seq == NULL || a->cache == NULL, err, NPK_E_NOMEM, "out of memory");
	for (uint64_t s = 0; s < a->nseq; s++)
		a->by_seq[s] = NONE;
	for (size_t i = 0; i < a->n; i++)
		a->by_seq[a->items[i].seq] = i;
	return NPK_OK;
}

/* Pass 1: the members' paths and sizes, in path order, checked as an
 * archive will store them, with their sidecars attached. */
static int index_members(arc *a, const npk__import_env *env, npk_error *err)
{
	enter(a);
	int rc = list_members(a, env, err);
	leave(a);
	NPK_FORWARD(rc);
	if (a->n > 1) /* a->items is NULL when there are none */
		qsort(a->items, a->n, sizeof *a->items, item_cmp);
	NPK_FORWARD(check_paths(a, err));
	NPK_FORWARD(attach_sidecars(a, err));
	return map_positions(a, err);
}

/* ---- the importer ---- */

static int arc_sniff(const char *path, const struct stat *st)
{
	return S_ISREG(st->st_mode) && is_archive_name(path);
}

static void slot_clear(slot *s)
{
	free(s->data);
	npk_meta_free(s->meta);
	memset(s, 0, sizeof *s);
}

static void arc_close(void *src)
{
	arc *a = src;
	if (a == NULL)
		return;
	if (a->ar != NULL)
		archive_read_free(a->ar);
	for (size_t i = 0; i < a->n; i++) {
		free(a->items[i].path);
		free(a->items[i].sidecar);
		if (a->cache)
			slot_clear(&a->cache[i]);
	}
	npk_meta_free(a->cur_meta);
	if (a->utf8 != (locale_t)0)
		freelocale(a->utf8);
	free(a->items);
	free(a->by_seq);
	free(a->cache);
	free(a->file);
	free(a);
}

static int arc_open(const char *path, const npk__import_env *env, void **src, npk_error *err)
{
	*src = NULL;
	arc *a = calloc(1, sizeof *a);
	NPK_FAIL_IF(a == NULL, err, NPK_E_NOMEM, "out of memory");
	a->cur = NONE;
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

/* Marks the members after item i that are kept when the stream passes
 * them: those that fit in the window, never a big one. Returns the last
 * marked. */
static size_t mark_window(arc *a, size_t i)
{
	uint64_t budget = 0;
	size_t last = i;
	for (size_t j = i + 1; j < a->n && j - i < (1u << 20); j++) {
		uint64_t sz = a->items[j].size;
		if (a->cache[j].have || sz > NPK__ARC_BIG)
			continue;
		if (budget + sz > NPK__ARC_WINDOW)
			break;
		budget += sz;
		a->cache[j].want = 1;
		last = j;
	}
	return last;
}

/* Reads the stream forward to item i, keeping the marked members met on
 * the way; item i itself is kept too unless it is big (then it is left to
 * be streamed). */
static int read_to(arc *a, size_t i, npk_error *err)
{
	for (;;) {
		struct archive_entry *e;
		NPK_FORWARD(ar_next(a, &e, err));
		if (e == NULL)
			return npk__fail_why(err, NPK_E_INPUT, NPK_R_CHANGED, "%s: member \"%s\" is gone (the "
			                     "file changed while being read)", a->file, a->items[i].path);
		uint64_t seq = a->pos++;
		size_t k = seq < a->nseq ? a->by_seq[seq] : NONE;
		if (k == NONE || (k != i && (!a->cache[k].want || a->cache[k].have)))
			continue;
		const char *why, *p = member_path(e, &why);
		if (p == NULL || strcmp(p, a->items[k].path) != 0)
			return npk__fail_why(err, NPK_E_INPUT, NPK_R_CHANGED, "%s: member %llu is no longer "
			                     "\"%s\" (the file changed while being read)", a->file,
			                     (unsigned long long)seq + 1, a->items[k].path);
		npk_meta *m;
		NPK_FORWARD(xattr_meta(a, e, p, &m, err));
		if (k == i && a->items[i].size > NPK__ARC_BIG) {
			a->streaming = 1;
			a->cur_meta = m;
			return NPK_OK;
		}
		slot *s = &a->cache[k];
		s->meta = m;
		int rc = read_whole(a, a->items[k].path, a->items[k].size, &s->data, err);
		if (rc != NPK_OK) {
			slot_clear(s);
			return rc;
		}
		s->have = 1;
		if (k == i)
			return NPK_OK;
	}
}

/* Item i's bytes: kept already, or read to now, from a new pass over the
 * file when the stream has passed it. */
static int fetch(arc *a, size_t i, npk_error *err)
{
	if (a->ar == NULL || a->pos > a->items[i].seq)
		NPK_FORWARD(ar_start(a, err));
	size_t last = mark_window(a, i);
	int rc = read_to(a, i, err);
	for (size_t j = i + 1; j <= last; j++)
		a->cache[j].want = 0;
	return rc;
}

static int arc_next(void *src, const npk__import_item **it, npk_error *err)
{
	arc *a = src;
	*it = NULL;
	if (a->cur != NONE && a->cur < a->n)
		slot_clear(&a->cache[a->cur]);
	npk_meta_free(a->cur_meta);
	a->cur_meta = NULL;
	a->cur = a->cur == NONE ? 0 : a->cur < a->n ? a->cur + 1 : a->n;
	a->streaming = 0;
	if (a->cur == a->n)
		return NPK_OK;
	const item *m = &a->items[a->cur];
	a->off = 0;
	a->left = m->size;
	if (!a->cache[a->cur].have) {
		enter(a);
		int rc = fetch(a, a->cur, err);
		leave(a);
		NPK_FORWARD(rc);
	}
	snprintf(a->name, sizeof a->name, "%s: %s", a->file, m->path);
	a->it = (npk__import_item){m->path, m->size, NULL, a->name};
	*it = &a->it;
	return NPK_OK;
}

static int arc_read(void *src, uint8_t *buf, size_t cap, size_t *got, npk_error *err)
{
	arc *a = src;
	*got = 0;
	NPK_FAIL_IF(a->cur == NONE || a->cur == a->n, err, NPK_E_ARG, "%s: no member to read", a->file);
	const item *it = &a->items[a->cur];
	if (!a->streaming) {
		uint64_t left = it->size - a->off;
		size_t n = left < cap ? (size_t)left : cap;
		if (n > 0)
			memcpy(buf, a->cache[a->cur].data + a->off, n);
		a->off += n;
		*got = n;
		return NPK_OK;
	}
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

/* The member's user.newspack.* attributes, then its NAME.meta.json. */
static int arc_meta(void *src, npk_meta *m, npk_error *err)
{
	arc *a = src;
	NPK_FAIL_IF(a->cur == NONE || a->cur == a->n, err, NPK_E_ARG, "%s: no member", a->file);
	const item *it = &a->items[a->cur];
	const npk_meta *attrs = a->streaming ? a->cur_meta : a->cache[a->cur].meta;
	if (attrs != NULL)
		NPK_FORWARD(npk_meta_merge(m, attrs, err));
	if (it->sidecar == NULL)
		return NPK_OK;
	char name[PATH_MAX + 16];
	snprintf(name, sizeof name, "%s%s", a->name, NPK__SIDECAR_SUFFIX);
	return npk_meta_apply_sidecar(m, it->sidecar, it->sidecar_len, name, err);
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
