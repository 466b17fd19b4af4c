/*
 * serve_index.c - newspack serve: response buffers, the archives and their
 * pools of readers, and the browse index.
 *
 * The browse index is built once at start from one walk of the archive's
 * entries (metadata decoded and checked, as list --json does): each
 * document's path, date (YYYYMMDD), section, source and authors, the
 * values interned; documents sorted newest first; and, for web captures
 * (WARC), each target URI's document, so that a link between captured
 * pages leads to the capture. About 40 bytes a document beside its path.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "serve.h"

/* ==== Buffers ==== */

static int sb_room(sbuf *b, size_t n)
{
	if (b->nomem)
		return -1;
	if (b->cap - b->len > n)
		return 0;
	size_t cap = b->cap ? b->cap : 1024;
	while (cap - b->len <= n) {
		if (cap > SIZE_MAX / 2) {
			b->nomem = 1;
			return -1;
		}
		cap *= 2;
	}
	char *p = realloc(b->p, cap);
	if (p == NULL) {
		b->nomem = 1;
		return -1;
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

void sb_put(sbuf *b, const void *p, size_t n)
{
	if (n == 0 || sb_room(b, n) != 0)
		return;
	memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = 0;
}

void sb_puts(sbuf *b, const char *s)
{
	sb_put(b, s, strlen(s));
}

void sb_printf(sbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || sb_room(b, (size_t)n + 1) != 0)
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

size_t sv_utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	if (c < 0x80)
		return 1;
	size_t k = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
	if (k == 0 || k > n)
		return 0;
	for (size_t i = 1; i < k; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] > 0x9F) || (c == 0xF0 && s[1] < 0x90) ||
	    (c == 0xF4 && s[1] > 0x8F))
		return 0;
	return k;
}

void sb_html(sbuf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0;
	while (i < n) {
		unsigned c = p[i];
		const char *rep = NULL;
		size_t k = 1;
		switch (c) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default:
			if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F) {
				rep = "";
			} else if (c >= 0x80) {
				k = sv_utf8_len(p + i, n - i);
				if (k == 0) {
					rep = "\xEF\xBF\xBD";
					k = 1;
				}
			}
		}
		if (rep == NULL) {
			i += k;
			run += k;
			continue;
		}
		sb_put(b, s + i - run, run);
		sb_puts(b, rep);
		run = 0;
		i += k;
	}
	sb_put(b, s + n - run, run);
}

void sb_htmls(sbuf *b, const char *s)
{
	if (s != NULL)
		sb_html(b, s, strlen(s));
}

void sb_url(sbuf *b, const char *s, int keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		unsigned c = *p;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~' || (keep_slash && c == '/')) {
			char ch = (char)c;
			sb_put(b, &ch, 1);
		} else {
			char t[3] = {'%', hex[c >> 4], hex[c & 15]};
			sb_put(b, t, 3);
		}
	}
}

void sb_free(sbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}

char *sb_take(sbuf *b, size_t *len)
{
	char *p = b->p;
	*len = b->len;
	memset(b, 0, sizeof *b);
	return p;
}

int sv_fail(npk_error *err, int code, const char *fmt, ...)
{
	if (err != NULL) {
		va_list ap;
		va_start(ap, fmt);
		err->code = code;
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
		va_end(ap);
		err->reason = 0;
		err->bare = 0;
	}
	return code;
}

/* An array p of *cap elements of size bytes with room for need: p itself
 * when it has it, else p grown (doubling, from first elements) with *cap
 * updated; NULL when out of memory (p and *cap as they were). */
static void *grow(void *p, size_t *cap, size_t need, size_t size, size_t first)
{
	if (need <= *cap)
		return p;
	size_t c = *cap ? *cap : first;
	while (c < need) {
		if (c > SIZE_MAX / 2 / size)
			return NULL;
		c *= 2;
	}
	void *q = realloc(p, c * size);
	if (q != NULL)
		*cap = c;
	return q;
}

/* ==== Interned values ==== */

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;    /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

int64_t sv_vals_find(const sv_vals *v, const char *s)
{
	if (v->nslot == 0)
		return -1;
	for (size_t i = hash_str(s) & (v->nslot - 1);; i = (i + 1) & (v->nslot - 1)) {
		uint32_t id = v->slot[i];
		if (id == 0)
			return -1;
		if (strcmp(v->name[id - 1], s) == 0)
			return id - 1;
	}
}

static int vals_grow(sv_vals *v)
{
	size_t ns = v->nslot ? v->nslot * 2 : 64;
	uint32_t *slot = calloc(ns, sizeof *slot);
	if (slot == NULL)
		return -1;
	for (size_t id = 0; id < v->n; id++) {
		size_t i = hash_str(v->name[id]) & (ns - 1);
		while (slot[i] != 0)
			i = (i + 1) & (ns - 1);
		slot[i] = (uint32_t)id + 1;
	}
	free(v->slot);
	v->slot = slot;
	v->nslot = ns;
	return 0;
}

/* The id of s (added with count 0 when new), or -1 out of memory. */
static int64_t vals_add(sv_vals *v, const char *s)
{
	int64_t id = sv_vals_find(v, s);
	if (id >= 0)
		return id;
	if (v->n + 1 > v->nslot / 2 && vals_grow(v) != 0)
		return -1;
	size_t ncap = v->cap, ccap = v->cap;   /* one capacity for both arrays */
	char **name = grow(v->name, &ncap, v->n + 1, sizeof *name, 64);
	if (name == NULL)
		return -1;
	v->name = name;
	uint32_t *count = grow(v->count, &ccap, v->n + 1, sizeof *count, 64);
	if (count == NULL)
		return -1;
	v->count = count;
	v->cap = ncap;
	char *c = strdup(s);
	if (c == NULL)
		return -1;
	v->name[v->n] = c;
	v->count[v->n] = 0;
	size_t i = hash_str(s) & (v->nslot - 1);
	while (v->slot[i] != 0)
		i = (i + 1) & (v->nslot - 1);
	v->slot[i] = (uint32_t)v->n + 1;
	return (int64_t)v->n++;
}

static void vals_free(sv_vals *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->name[i]);
	free(v->name);
	free(v->count);
	free(v->slot);
	free(v->by_count);
	memset(v, 0, sizeof *v);
}

static const sv_vals *sort_vals;
static int by_count_cmp(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
	if (sort_vals->count[a] != sort_vals->count[b])
		return sort_vals->count[a] > sort_vals->count[b] ? -1 : 1;
	return strcmp(sort_vals->name[a], sort_vals->name[b]);
}

static int vals_sort(sv_vals *v)
{
	v->by_count = malloc((v->n ? v->n : 1) * sizeof *v->by_count);
	if (v->by_count == NULL)
		return -1;
	for (size_t i = 0; i < v->n; i++)
		v->by_count[i] = (uint32_t)i;
	sort_vals = v;   /* the index is built before any request thread runs */
	qsort(v->by_count, v->n, sizeof *v->by_count, by_count_cmp);
	return 0;
}

/* ==== Archives and their readers ==== */

static void slug_make(sv_server *sv, sv_archive *a, const char *file)
{
	const char *base = strrchr(file, '/');
	base = base ? base + 1 : file;
	size_t n = strlen(base);
	if (n > 4 && strcmp(base + n - 4, ".npk") == 0)
		n -= 4;
	char s[48];
	size_t k = 0;
	for (size_t i = 0; i < n && k < sizeof s - 1; i++) {
		char c = base[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		         c == '-' || c == '_' || (c == '.' && k > 0);
		s[k++] = ok ? c : '-';
	}
	if (k == 0)
		s[k++] = 'a';
	s[k] = 0;
	snprintf(a->slug, sizeof a->slug, "%s", s);
	for (unsigned t = 2;; t++) {
		int taken = 0;
		for (size_t i = 0; i < sv->n && !taken; i++)
			taken = &sv->a[i] != a && sv->a[i].slug[0] && strcmp(sv->a[i].slug, a->slug) == 0;
		if (!taken)
			break;
		snprintf(a->slug, sizeof a->slug, "%s-%u", s, t);
	}
}

static int open_reader(const sv_archive *a, npk_reader **r, npk_error *err)
{
	int rc = npk_reader_open_chain(a->file, a->sv->trust, 1, &a->sv->chain, r, err);
	npk_info in;
	if (rc == NPK_OK)
		npk_reader_info(*r, &in);
	/* 15.17: a sealed archive opened with the server's keys, or refused */
	if (rc == NPK_OK && in.sealed == 1)
		rc = a->sv->keys ? npk_reader_unseal(*r, a->sv->keys, err)
		                 : sv_fail(err, NPK_E_SEALED, "%s is sealed: give a recipient's key "
		                           "(-k KEY) or its passphrase (--passphrase-file F)", a->file);
	if (rc != NPK_OK && *r != NULL) {
		npk_reader_free(*r);
		*r = NULL;
	}
	return rc;
}

int sv_archive_open(sv_server *sv, sv_archive *a, const char *file)
{
	a->file = file;
	a->sv = sv;
	pthread_mutex_init(&a->mu, NULL);
	slug_make(sv, a, file);
	npk_reader *r = NULL;
	npk_error err = {0};
	if (open_reader(a, &r, &err) != NPK_OK)
		return cli_fail(&err);
	npk_info in;
	npk_reader_info(r, &in);
	cli_copies_warn(file, in.copies_served);
	npk_keyid_format(in.key_id, a->key_id);
	npk_fingerprint_format(in.signer, a->fingerprint);
	a->trusted = in.trusted;
	if (!in.trusted && !sv->allow_untrusted) {
		cli_warn("%s: valid signature by a key claiming to be key %s, which is not trusted "
		         "(fingerprint %s)", file, a->key_id, a->fingerprint);
		cli_untrusted_hint();
		npk_reader_free(r);
		return EXIT_UNTRUSTED;
	}
	a->created = in.created;
	a->file_size = in.file_size;
	a->edition = in.edition;
	a->at_edition = in.at_edition;
	a->has_tree = in.tree;
	const char *t = in.meta ? npk_meta_find(in.meta, "title") : NULL;
	const char *base = strrchr(file, '/');
	a->title = strdup(t && *t ? t : base ? base + 1 : file);
	/* whether it has a full-text index: a search of a key no document
	 * has (a language code of none), which reads the index's root alone;
	 * without an index it is NPK_E_NOTFOUND */
	npk_search_opts so = {.limit = 1, .snippets = 0};
	npk_search_result res;
	npk_error e2 = {0};
	int rc = npk_search(&r, 1, "lang:zzz", &so, &res, &e2);
	a->has_index = rc == NPK_OK;
	if (rc == NPK_OK)
		npk_search_result_free(&res);
	a->idle = calloc(1, sizeof *a->idle);
	if (a->title == NULL || a->idle == NULL || npk_reader_share_checks(r, r, &e2) != NPK_OK) {
		npk_reader_free(r);
		cli_warn("out of memory");
		return EXIT_USAGE;
	}
	npk_reader_set_threads(r, 1);
	npk_reader_set_random(r, 1);
	a->idle[0] = r;
	a->nidle = 1;
	a->open = 1;
	a->first = r;
	return 0;
}

npk_reader *sv_reader_take(sv_archive *a, npk_error *err)
{
	pthread_mutex_lock(&a->mu);
	npk_reader *r = a->nidle ? a->idle[--a->nidle] : NULL;
	int more = r == NULL && a->open < a->max;
	if (more)
		a->open++;
	pthread_mutex_unlock(&a->mu);
	if (r != NULL || !more) {
		if (r == NULL)
			sv_fail(err, NPK_E_LIMIT, "%s: every reader is busy", a->slug);
		return r;
	}
	/* the signature was checked at start; each new reader checks it again,
	 * and shares the first reader's record of the clusters checked */
	if (open_reader(a, &r, err) != NPK_OK ||
	    npk_reader_share_checks(r, a->first, err) != NPK_OK) {
		npk_reader_free(r);
		pthread_mutex_lock(&a->mu);
		a->open--;
		pthread_mutex_unlock(&a->mu);
		return NULL;
	}
	npk_reader_set_threads(r, 1);
	npk_reader_set_random(r, 1);
	return r;
}

void sv_reader_give(sv_archive *a, npk_reader *r)
{
	if (r == NULL)
		return;
	pthread_mutex_lock(&a->mu);
	a->idle[a->nidle++] = r;  /* idle holds max: every reader can be idle */
	pthread_mutex_unlock(&a->mu);
}

void sv_archive_free(sv_archive *a)
{
	for (size_t i = 0; i < a->nidle; i++)
		npk_reader_free(a->idle[i]);
	free(a->idle);
	free(a->title);
	free(a->paths);
	free(a->docs);
	free(a->by_date);
	free(a->author_ids);
	free(a->url_slot);
	free(a->urls);
	free(a->caps);
	vals_free(&a->sections);
	vals_free(&a->sources);
	vals_free(&a->authors);
	pthread_mutex_destroy(&a->mu);
}

/* ==== The browse index ==== */

const char *sv_doc_path(const sv_archive *a, uint32_t d)
{
	return a->paths + a->docs[d].path;
}

/* YYYYMMDD of a date value (YYYY, YYYY-MM or YYYY-MM-DD first), or 0. */
static uint32_t date_key(const char *v)
{
	if (v == NULL)
		return 0;
	unsigned y = 0, m = 0, d = 0;
	for (int i = 0; i < 4; i++) {
		if (v[i] < '0' || v[i] > '9')
			return 0;
		y = y * 10 + (unsigned)(v[i] - '0');
	}
	if (y == 0)
		return 0;
	if (v[4] == '-' && v[5] >= '0' && v[5] <= '1' && v[6] >= '0' && v[6] <= '9') {
		m = (unsigned)(v[5] - '0') * 10 + (unsigned)(v[6] - '0');
		if (m < 1 || m > 12)
			m = 0;
		if (m && v[7] == '-' && v[8] >= '0' && v[8] <= '3' && v[9] >= '0' && v[9] <= '9') {
			d = (unsigned)(v[8] - '0') * 10 + (unsigned)(v[9] - '0');
			if (d < 1 || d > 31)
				d = 0;
		}
	}
	return y * 10000 + m * 100 + d;
}

static int url_put(sv_archive *a, const char *url, uint32_t doc);

typedef struct build {
	sv_archive *a;
	npk_error *err;
} build;

static int add_value(sv_vals *v, const char *s, uint32_t *out)
{
	int64_t id = vals_add(v, s);
	if (id < 0)
		return -1;
	v->count[id]++;
	*out = (uint32_t)id + 1;
	return 0;
}

static int on_entry(const npk_entry *e, void *ctx)
{
	build *b = ctx;
	sv_archive *a = b->a;
	size_t plen = strlen(e->path) + 1;
	if (a->ndocs >= UINT32_MAX - 1 || a->paths_len + plen > UINT32_MAX) {
		sv_fail(b->err, NPK_E_LIMIT, "%s: more documents than serve indexes", a->file);
		return NPK_E_LIMIT;
	}
	char *paths = grow(a->paths, &a->paths_cap, a->paths_len + plen, 1, 1u << 16);
	if (paths == NULL)
		goto nomem;
	a->paths = paths;
	sv_doc *docs = grow(a->docs, &a->docs_cap, a->ndocs + 1, sizeof *docs, 1024);
	if (docs == NULL)
		goto nomem;
	a->docs = docs;
	sv_doc *d = &a->docs[a->ndocs];
	memset(d, 0, sizeof *d);
	d->path = (uint32_t)a->paths_len;
	d->kind = (uint8_t)e->kind;
	memcpy(a->paths + a->paths_len, e->path, plen);
	a->paths_len += plen;
	if (e->kind != NPK_KIND_DOCUMENT) {
		a->ndocs++;
		return 0;
	}
	a->documents++;
	const npk_meta *m = e->meta;
	d->date = date_key(m ? npk_meta_find(m, "date") : NULL);
	const char *v;
	if (m && (v = npk_meta_find(m, "section")) != NULL && *v && add_value(&a->sections, v, &d->section))
		goto nomem;
	if (m && (v = npk_meta_find(m, "source")) != NULL && *v && add_value(&a->sources, v, &d->source))
		goto nomem;
	d->author = (uint32_t)a->nauthor_ids;
	for (size_t i = 0; m && i < npk_meta_count(m); i++) {
		const char *k;
		npk_meta_get(m, i, &k, &v);
		if (strcmp(k, "author") != 0 || *v == 0 || d->nauthor >= 64)
			continue;
		uint32_t *ids = grow(a->author_ids, &a->author_cap, a->nauthor_ids + 1, sizeof *ids,
		                     1024);
		if (ids == NULL)
			goto nomem;
		a->author_ids = ids;
		uint32_t id;
		if (add_value(&a->authors, v, &id))
			goto nomem;
		a->author_ids[a->nauthor_ids++] = id;
		d->nauthor++;
	}
	/* a web capture: its target URI leads to it (a record kept as captured
	 * does not: its page does) */
	const char *uri = m ? npk_meta_find(m, "warc.target_uri") : NULL;
	const char *form = m ? npk_meta_find(m, "warc.form") : NULL;
	if (uri != NULL && form == NULL && url_put(a, uri, (uint32_t)a->ndocs) != 0)
		goto nomem;
	a->ndocs++;
	return 0;
nomem:
	sv_fail(b->err, NPK_E_NOMEM, "out of memory");
	return NPK_E_NOMEM;
}

static const sv_archive *sort_a;
static int by_date_cmp(const void *x, const void *y)
{
	const sv_doc *p = &sort_a->docs[*(const uint32_t *)x], *q = &sort_a->docs[*(const uint32_t *)y];
	if (p->date != q->date)
		return p->date > q->date ? -1 : 1;
	return strcmp(sort_a->paths + p->path, sort_a->paths + q->path);
}

int sv_index_build(sv_archive *a, npk_error *err)
{
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	npk_reader *r = sv_reader_take(a, err);
	if (r == NULL)
		return err->code;
	build b = {a, err};
	int rc = npk_reader_list(r, on_entry, &b, err);
	sv_reader_give(a, r);
	if (rc != NPK_OK)
		return rc;
	a->by_date = malloc((a->ndocs ? a->ndocs : 1) * sizeof *a->by_date);
	if (a->by_date == NULL || vals_sort(&a->sections) || vals_sort(&a->sources) ||
	    vals_sort(&a->authors))
		return sv_fail(err, NPK_E_NOMEM, "out of memory");
	for (size_t i = 0; i < a->ndocs; i++)
		a->by_date[i] = (uint32_t)i;
	sort_a = a;
	qsort(a->by_date, a->ndocs, sizeof *a->by_date, by_date_cmp);
	a->ndated = 0;
	while (a->ndated < a->ndocs && a->docs[a->by_date[a->ndated]].date != 0)
		a->ndated++;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	a->index_ms = (uint64_t)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000);
	return NPK_OK;
}

/* docs[] is in list order, the paths' byte order: a binary search. */
int64_t sv_path_find(const sv_archive *a, const char *path)
{
	size_t lo = 0, hi = a->ndocs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(sv_doc_path(a, (uint32_t)mid), path);
		if (c == 0)
			return a->docs[mid].kind == NPK_KIND_DOCUMENT ? (int64_t)mid : -1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* ---- Captures by URL ---- */

/* The document captured from url, found by open addressing over the
 * captures (url_slot holds capture number + 1). */
int64_t sv_url_find(const sv_archive *a, const char *url)
{
	if (a->nurl_slot == 0)
		return -1;
	for (size_t i = hash_str(url) & (a->nurl_slot - 1);; i = (i + 1) & (a->nurl_slot - 1)) {
		uint32_t c = a->url_slot[i];
		if (c == 0)
			return -1;
		if (strcmp(a->urls + a->caps[c - 1].url, url) == 0)
			return a->caps[c - 1].doc;
	}
}

static int url_grow(sv_archive *a)
{
	size_t ns = a->nurl_slot ? a->nurl_slot * 2 : 256;
	uint32_t *slot = calloc(ns, sizeof *slot);
	if (slot == NULL)
		return -1;
	for (size_t c = 0; c < a->ncaps; c++) {
		size_t i = hash_str(a->urls + a->caps[c].url) & (ns - 1);
		while (slot[i] != 0)
			i = (i + 1) & (ns - 1);
		slot[i] = (uint32_t)c + 1;
	}
	free(a->url_slot);
	a->url_slot = slot;
	a->nurl_slot = ns;
	return 0;
}

/* url leads to doc, unless an earlier capture of it (in path order: the
 * crawl's order) already does. */
static int url_put(sv_archive *a, const char *url, uint32_t doc)
{
	if (sv_url_find(a, url) >= 0)
		return 0;
	size_t n = strlen(url) + 1;
	if (a->urls_len + n > UINT32_MAX)
		return 0;    /* more than 4 GiB of addresses: the rest are not looked up */
	if (a->ncaps + 1 > a->nurl_slot / 2 && url_grow(a) != 0)
		return -1;
	char *urls = grow(a->urls, &a->urls_cap, a->urls_len + n, 1, 1u << 14);
	if (urls == NULL)
		return -1;
	a->urls = urls;
	sv_capture *caps = grow(a->caps, &a->caps_cap, a->ncaps + 1, sizeof *caps, 256);
	if (caps == NULL)
		return -1;
	a->caps = caps;
	memcpy(a->urls + a->urls_len, url, n);
	a->caps[a->ncaps] = (sv_capture){(uint32_t)a->urls_len, doc};
	a->urls_len += n;
	size_t i = hash_str(url) & (a->nurl_slot - 1);
	while (a->url_slot[i] != 0)
		i = (i + 1) & (a->nurl_slot - 1);
	a->url_slot[i] = (uint32_t)++a->ncaps;
	return 0;
}
