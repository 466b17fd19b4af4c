/*
 * import.c - tar and zip files as inputs of npk_create (see interchange.h).
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

typedef struct slot {
	uint8_t *data;            /* the member's bytes, read ahead */
	npk_meta *meta;           /* its user.newspack.* attributes */
	int have, want;
} slot;

struct npk__arc {
	char *file;
	npk__arc_item *items;
	size_t n;
	size_t *by_seq;           /* member position -> item, or NONE */
	uint64_t nseq;
	slot *cache;
	struct archive *ar;
	uint64_t pos;             /* members read in the current pass */
	unsigned passes;
	/* the current item */
	size_t cur;
	int streaming;
	uint64_t off, left;
	npk_meta *cur_meta;       /* streaming: its attributes */
	locale_t utf8, saved;
};

int npk__arc_is_archive_name(const char *path)
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

static void enter(npk__arc *a)
{
	a->saved = a->utf8 != (locale_t)0 ? uselocale(a->utf8) : (locale_t)0;
}

static void leave(npk__arc *a)
{
	if (a->utf8 != (locale_t)0)
		uselocale(a->saved);
}

static int ar_fail(npk__arc *a, npk_error *err, const char *what)
{
	const char *why = a->ar ? archive_error_string(a->ar) : NULL;
	return npk__fail(err, NPK_E_INPUT, "%s: %s%s%s", a->file, what, why ? ": " : "",
	                 why ? why : "");
}

static int ar_start(npk__arc *a, npk_error *err)
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
static int ar_next(npk__arc *a, struct archive_entry **e, npk_error *err)
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

/* Reads all of the current member into *out (malloc'ed) and checks its
 * size. */
static int read_whole(npk__arc *a, const char *path, uint64_t size, uint8_t **out,
                      npk_error *err)
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
		if (r < 0) {
			free(p);
			char what[64 + NPK_PATH_MAX];
			snprintf(what, sizeof what, "member \"%s\"", path);
			return ar_fail(a, err, what);
		}
		if (r > 0 && left == 0) {
			free(p);
			return npk__fail(err, NPK_E_INPUT, "%s: member \"%s\" holds more than the %llu bytes "
			                 "its header says (the file changed while being read?)", a->file, path,
			                 (unsigned long long)size);
		}
		got += (uint64_t)r;
	}
	if (got != size) {
		free(p);
		return npk__fail(err, NPK_E_INPUT, "%s: member \"%s\" holds %llu bytes, not the %llu its "
		                 "header says", a->file, path, (unsigned long long)got,
		                 (unsigned long long)size);
	}
	*out = p;
	return NPK_OK;
}

/* user.newspack.KEY and user.newspack.KEY.N (the N-th repeat of KEY, as
 * npk_export writes them) as metadata. *out NULL when there are none. */
static int xattr_meta(npk__arc *a, struct archive_entry *e, const char *path, npk_meta **out,
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
		char key[NPK_META_KEY_MAX + 32];
		snprintf(key, sizeof key, "%s", name + pl);
		/* KEY.N repeats KEY when KEY came before */
		char *dot = strrchr(key, '.');
		if (dot != NULL && dot[1] >= '1' && dot[1] <= '9' && strspn(dot + 1, "0123456789") == strlen(dot + 1)) {
			*dot = 0;
			if (npk_meta_find(*out, key) == NULL)
				*dot = '.';
		}
		char *v = malloc(size + 1);
		if (v == NULL)
			return npk__fail(err, NPK_E_NOMEM, "out of memory");
		memcpy(v, value, size);
		v[size] = 0;
		int rc = strlen(v) != size || !npk__utf8_ok(value, size)
		         ? npk__fail(err, NPK_E_INPUT, "value is not UTF-8 text")
		         : npk_meta_add(*out, key, v, err);
		free(v);
		if (rc != NPK_OK) {
			char msg[sizeof err->msg];
			snprintf(msg, sizeof msg, "%s", err ? err->msg : "");
			return npk__fail(err, NPK_E_INPUT, "%s: member \"%s\": attribute %s: %s", a->file, path,
			                 name, msg);
		}
	}
	return NPK_OK;
}

static int item_cmp(const void *x, const void *y)
{
	return strcmp(((const npk__arc_item *)x)->path, ((const npk__arc_item *)y)->path);
}

static int key_cmp(const void *key, const void *item)
{
	return strcmp(key, ((const npk__arc_item *)item)->path);
}

static npk__arc_item *find(const npk__arc *a, const char *path)
{
	return bsearch(path, a->items, a->n, sizeof *a->items, key_cmp);
}

/* Pass 1: every member's name and size; sidecars kept. */
static int list(npk__arc *a, void (*warn)(const char *, const char *, void *), void *ctx,
                npk_error *err)
{
	size_t cap = 0;
	int rc = ar_start(a, err);
	while (rc == NPK_OK) {
		struct archive_entry *e;
		if ((rc = ar_next(a, &e, err)) != NPK_OK || e == NULL)
			break;
		uint64_t seq = a->pos++;
		const char *why, *p = member_path(e, &why);
		char shown[256];
		snprintf(shown, sizeof shown, "%s: member %llu", a->file, (unsigned long long)seq + 1);
		if (p == NULL) {
			rc = npk__fail(err, NPK_E_INPUT, "%s: %s", shown, why);
			break;
		}
		if (archive_entry_filetype(e) == AE_IFDIR)
			continue;
		char where[PATH_MAX + 64];
		snprintf(where, sizeof where, "%s: %s", a->file, p);
		if (archive_entry_filetype(e) != AE_IFREG || archive_entry_hardlink(e) != NULL) {
			warn(where, archive_entry_hardlink(e) ? "hard link not imported (only regular files are stored)"
			     : archive_entry_filetype(e) == AE_IFLNK ? "symbolic link not imported (only regular files are stored)"
			     : "special file not imported (only regular files are stored)", ctx);
			continue;
		}
		if ((rc = npk_path_check(p, strlen(p), err)) != NPK_OK) {
			char msg[sizeof err->msg];
			snprintf(msg, sizeof msg, "%s", err ? err->msg : "");
			rc = npk__fail(err, NPK_E_INPUT, "%s: member %llu cannot be stored: %s", a->file,
			               (unsigned long long)seq + 1, msg);
			break;
		}
		if (a->n == cap) {
			size_t nc = cap ? cap * 2 : 256;
			npk__arc_item *nv = realloc(a->items, nc * sizeof *nv);
			if (nv == NULL) {
				rc = npk__fail(err, NPK_E_NOMEM, "out of memory");
				break;
			}
			a->items = nv;
			cap = nc;
		}
		npk__arc_item *it = &a->items[a->n];
		memset(it, 0, sizeof *it);
		it->seq = seq;
		if ((it->path = strdup(p)) == NULL) {
			rc = npk__fail(err, NPK_E_NOMEM, "out of memory");
			break;
		}
		a->n++;
		int maybe_sidecar = npk__sidecar_base(p) > 0;
		if (archive_entry_size_is_set(e) && archive_entry_size(e) >= 0 &&
		    !(maybe_sidecar && archive_entry_size(e) <= NPK__SIDECAR_MAX)) {
			it->size = (uint64_t)archive_entry_size(e);
			continue;
		}
		/* an unknown size is counted; a small NAME.meta.json is kept */
		npk_buf keep = {0};
		uint8_t buf[64u << 10];
		la_ssize_t r;
		while ((r = archive_read_data(a->ar, buf, sizeof buf)) > 0) {
			it->size += (uint64_t)r;
			if (maybe_sidecar && it->size <= NPK__SIDECAR_MAX && npk__buf_put(&keep, buf, (size_t)r) != 0) {
				rc = npk__fail(err, NPK_E_NOMEM, "out of memory");
				break;
			}
		}
		if (rc == NPK_OK && r < 0)
			rc = ar_fail(a, err, it->path);
		if (rc == NPK_OK && maybe_sidecar && it->size <= NPK__SIDECAR_MAX) {
			it->sidecar = (char *)keep.p;
			it->sidecar_len = keep.len;
		} else
			free(keep.p);
	}
	if (rc != NPK_OK)
		return rc;
	qsort(a->items, a->n, sizeof *a->items, item_cmp);
	for (size_t i = 1; i < a->n; i++)
		NPK_FAIL_IF(strcmp(a->items[i - 1].path, a->items[i].path) == 0, err, NPK_E_INPUT,
		            "%s: \"%s\" is in it twice (members %llu and %llu); it cannot be stored twice",
		            a->file, a->items[i].path, (unsigned long long)a->items[i - 1].seq + 1,
		            (unsigned long long)a->items[i].seq + 1);
	/* a name that is a file and also a folder ("a" and "a/b") */
	char prefix[NPK_PATH_MAX + 1];
	for (size_t i = 0; i < a->n; i++) {
		const char *p = a->items[i].path;
		for (const char *s = strchr(p, '/'); s != NULL; s = strchr(s + 1, '/')) {
			snprintf(prefix, sizeof prefix, "%.*s", (int)(s - p), p);
			const npk__arc_item *f = find(a, prefix);
			NPK_FAIL_IF(f != NULL, err, NPK_E_INPUT,
			            "%s: \"%s\" is both a file and a folder in it (\"%s\"); it cannot be stored",
			            a->file, f->path, p);
		}
	}
	/* NAME.meta.json beside NAME is NAME's sidecar, not a document */
	size_t keep = 0;
	char *drop = calloc(a->n ? a->n : 1, 1);
	NPK_FAIL_IF(drop == NULL, err, NPK_E_NOMEM, "out of memory");
	for (size_t i = 0; i < a->n; i++) {
		npk__arc_item *it = &a->items[i];
		size_t bl = npk__sidecar_base(it->path);
		if (bl == 0)
			continue;
		snprintf(prefix, sizeof prefix, "%.*s", (int)bl, it->path);
		npk__arc_item *base = find(a, prefix);
		if (base == NULL) {
			/* a NAME.meta.json without NAME is a document: read in turn */
			free(it->sidecar);
			it->sidecar = NULL;
			it->sidecar_len = 0;
			continue;
		}
		if (it->size > NPK__SIDECAR_MAX) {
			free(drop);
			return npk__fail(err, NPK_E_LIMIT, "%s: %s: sidecar larger than %u bytes", a->file,
			                 it->path, NPK__SIDECAR_MAX);
		}
		base->sidecar = it->sidecar;
		base->sidecar_len = it->sidecar_len;
		it->sidecar = NULL;
		drop[i] = 1;
	}
	for (size_t i = 0; i < a->n; i++) {
		if (drop[i])
			free(a->items[i].path);
		else
			a->items[keep++] = a->items[i];
	}
	free(drop);
	a->n = keep;
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

int npk__arc_open(const char *path, void (*warn)(const char *, const char *, void *), void *ctx,
                  npk__arc **out, npk_error *err)
{
	*out = NULL;
	npk__arc *a = calloc(1, sizeof *a);
	NPK_FAIL_IF(a == NULL, err, NPK_E_NOMEM, "out of memory");
	a->cur = NONE;
	a->utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	if ((a->file = strdup(path)) == NULL) {
		npk__arc_free(a);
		return npk__fail(err, NPK_E_NOMEM, "out of memory");
	}
	enter(a);
	int rc = list(a, warn, ctx, err);
	leave(a);
	if (rc != NPK_OK) {
		npk__arc_free(a);
		return rc;
	}
	*out = a;
	return NPK_OK;
}

static void slot_clear(slot *s)
{
	free(s->data);
	npk_meta_free(s->meta);
	memset(s, 0, sizeof *s);
}

void npk__arc_free(npk__arc *a)
{
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

size_t npk__arc_count(const npk__arc *a)
{
	return a->n;
}

const npk__arc_item *npk__arc_get(const npk__arc *a, size_t i)
{
	return i < a->n ? &a->items[i] : NULL;
}

unsigned npk__arc_passes(const npk__arc *a)
{
	return a->passes;
}

/* Reads forward to item i, keeping the members of the window passed on
 * the way; item i itself is kept too unless it is big (then it is left to
 * be streamed). */
static int fetch(npk__arc *a, size_t i, npk_error *err)
{
	int rc;
	if (a->ar == NULL || a->pos > a->items[i].seq)
		if ((rc = ar_start(a, err)) != NPK_OK)
			return rc;
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
	rc = NPK_OK;
	for (;;) {
		struct archive_entry *e;
		if ((rc = ar_next(a, &e, err)) != NPK_OK)
			break;
		if (e == NULL) {
			rc = npk__fail(err, NPK_E_INPUT, "%s: member \"%s\" is gone (the file changed while "
			               "being read)", a->file, a->items[i].path);
			break;
		}
		uint64_t seq = a->pos++;
		size_t k = seq < a->nseq ? a->by_seq[seq] : NONE;
		if (k == NONE || (k != i && (!a->cache[k].want || a->cache[k].have)))
			continue;
		const char *why, *p = member_path(e, &why);
		if (p == NULL || strcmp(p, a->items[k].path) != 0) {
			rc = npk__fail(err, NPK_E_INPUT, "%s: member %llu is no longer \"%s\" (the file changed "
			               "while being read)", a->file, (unsigned long long)seq + 1, a->items[k].path);
			break;
		}
		npk_meta *m = NULL;
		if ((rc = xattr_meta(a, e, p, &m, err)) != NPK_OK)
			break;
		if (k == i && a->items[i].size > NPK__ARC_BIG) {
			a->streaming = 1;
			a->cur_meta = m;
			break;
		}
		slot *s = &a->cache[k];
		s->meta = m;
		if ((rc = read_whole(a, a->items[k].path, a->items[k].size, &s->data, err)) != NPK_OK)
			break;
		s->have = 1;
		if (k == i)
			break;
	}
	for (size_t j = i + 1; j <= last; j++)
		a->cache[j].want = 0;
	return rc;
}

int npk__arc_begin(npk__arc *a, size_t i, const npk_meta **meta, npk_error *err)
{
	NPK_FAIL_IF(i >= a->n || (a->cur != NONE && i <= a->cur), err, NPK_E_ARG,
	            "%s: members asked for out of order", a->file);
	if (a->cur != NONE)
		slot_clear(&a->cache[a->cur]);
	npk_meta_free(a->cur_meta);
	a->cur_meta = NULL;
	a->cur = i;
	a->streaming = 0;
	a->off = 0;
	a->left = a->items[i].size;
	int rc = NPK_OK;
	if (!a->cache[i].have) {
		enter(a);
		rc = fetch(a, i, err);
		leave(a);
	}
	if (meta != NULL)
		*meta = a->streaming ? a->cur_meta : a->cache[i].meta;
	return rc;
}

int npk__arc_read(npk__arc *a, uint8_t *buf, size_t cap, size_t *got, npk_error *err)
{
	*got = 0;
	NPK_FAIL_IF(a->cur == NONE, err, NPK_E_ARG, "%s: no member to read", a->file);
	const npk__arc_item *it = &a->items[a->cur];
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
	if (r < 0) {
		char what[64 + NPK_PATH_MAX];
		snprintf(what, sizeof what, "member \"%s\"", it->path);
		return ar_fail(a, err, what);
	}
	NPK_FAIL_IF((uint64_t)r > a->left || (r == 0 && a->left != 0), err, NPK_E_INPUT,
	            "%s: member \"%s\" does not hold the %llu bytes its header says (the file changed "
	            "while being read?)", a->file, it->path, (unsigned long long)it->size);
	a->left -= (uint64_t)r;
	*got = (size_t)r;
	return NPK_OK;
}
