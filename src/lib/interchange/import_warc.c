/*
 * import_warc.c - WARC captures as inputs of npk_create: the importer
 * npk__import_warc (see interchange.h).
 *
 * Pass 1 (open) reads every record of the file (warc.c checks the
 * framing, codings and digests) and keeps, for each record and page, in
 * fixed size, what names and sizes it; link then ties revisits to the
 * captures they repeat, across all the WARC inputs. Pass 2 (next, read)
 * reads the file again when the path order reaches its folder, with two
 * readers moving forward: one decodes the pages, the other gives the
 * records as captured; both check that the file still holds what pass 1
 * saw, and the header values come from there.
 */
#define _GNU_SOURCE /* strcasecmp, basename */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "format/format.h"
#include "interchange/interchange.h"
#include "interchange/warc.h"

#define SLUG_MAX 120
/* Header values longer than this are cut in the metadata (a document's
 * metadata is at most 65535 bytes, spec/format.md 10); the record as
 * captured keeps them whole. */
#define VALUE_MAX 2048
#define SCAN_BUF (64u << 10)

/* A document: a response, resource or revisit record. Only what names
 * it, sizes it and links revisits is kept from pass 1, in fixed size
 * (header values are read again in pass 2): memory does not grow with
 * the length of the headers. */
typedef struct wdoc {
	uint64_t number, offset, size;
	char *path;               /* in the archive: FOLDER/NNNNNN-SLUG.EXT; after
	                           * pass 1 only -SLUG.EXT, until named */
	int revisit, agnostic;    /* a revisit; of a uri-agnostic profile */
	int captured;             /* the payload as captured: decoding gave up */
	int has_id, has_ref, has_digest;
	uint8_t id[16];           /* hash of WARC-Record-ID */
	uint8_t ref[16];          /* revisits: hash of WARC-Refers-To */
	uint8_t dig_uri[16];      /* hash of the payload digest and the URI (a
	                           * revisit's WARC-Refers-To-Target-URI) */
	uint8_t dig[16];          /* hash of the payload digest alone */
	char *problem;            /* why it is not decoded whole, or NULL */
	char *shown;              /* revisits: "URI at DATE" for warnings, cut */
	const char *cut;          /* the first header field cut, or NULL */
	const char *revisit_of;   /* the path of the document repeated */
} wdoc;

/* A record as captured, every record of the file: FOLDER/NNNNNN.warc. */
typedef struct wraw {
	uint64_t number, offset, size;
	char *path;
} wraw;

/* A document of the input in path order: a page (docs) or a record as
 * captured (recs). */
typedef struct witem {
	size_t i;
	int raw;
} witem;

/* One WARC input. */
typedef struct wsrc {
	char *file;               /* as named on the command line */
	char *folder;             /* its base name: the folder in the archive */
	wdoc *docs;               /* pages, in record order */
	size_t n;
	wraw *recs;               /* records, in order */
	size_t nrec;
	witem *items;             /* both, in path order */
	size_t nitems;
	/* pass 2: the pages are read by w, the records as captured by wr,
	 * each moving forward through the file */
	npk__warc *w, *wr;
	size_t given;             /* items given so far */
	int ended;
	const wdoc *cur;          /* the current page, or NULL */
	const wraw *cur_raw;      /* the current record, or NULL */
	const npk__warc_rec *rec; /* its record, header values read again */
	npk__import_item it;
	char name[PATH_MAX];      /* "FILE: record N at offset O", for messages */
} wsrc;

static int warc_sniff(const char *path, const struct stat *st)
{
	if (!S_ISREG(st->st_mode))
		return 0;
	size_t n = strlen(path);
	if ((n > 5 && strcasecmp(path + n - 5, ".warc") == 0) ||
	    (n > 8 && strcasecmp(path + n - 8, ".warc.gz") == 0))
		return 1;
	return npk__warc_sniff(path);
}

/* The first n bytes of s, n cut back to the start of a UTF-8 character. */
static size_t utf8_cut(const char *s, size_t n)
{
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

/* Whether a header value goes into metadata as it is: UTF-8 text without
 * control characters; else those bytes are percent-encoded (URIs). */
static int value_clean(const char *v, size_t n)
{
	int clean = npk__utf8_ok((const uint8_t *)v, n);
	for (size_t i = 0; clean && i < n; i++)
		clean = (unsigned char)v[i] >= 0x20 && v[i] != 0x7f;
	return clean;
}

/* The length of v as metadata (percent-encoded when not clean). */
static size_t value_len(const char *v)
{
	size_t n = strlen(v), o = n;
	if (value_clean(v, n))
		return n;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || (unsigned char)v[i] >= 0x7f)
			o += 2;
	return o;
}

/* The header fields of a record that its document's metadata holds, in
 * the order of warc_meta. */
enum { V_TYPE, V_URI, V_DATE, V_ID, V_PDIG, V_TRUNC, V_HTYPE, V_RURI, V_RDATE, V_PROFILE, V_COUNT };
static void capture_values(const npk__warc_rec *r, const char *v[V_COUNT])
{
	v[V_TYPE] = r->type;
	v[V_URI] = r->target_uri;
	v[V_DATE] = r->date;
	v[V_ID] = r->record_id;
	v[V_PDIG] = r->payload_digest;
	v[V_TRUNC] = r->truncated;
	v[V_HTYPE] = r->http ? r->http_content_type : NULL;
	v[V_RURI] = r->refers_to_uri;
	v[V_RDATE] = r->refers_to_date;
	v[V_PROFILE] = r->profile;
}

/* The first of those fields too long to be kept whole, or NULL. */
static const char *cut_field(const npk__warc_rec *r)
{
	static const char *const names[V_COUNT] = {
		"WARC-Type", "WARC-Target-URI", "WARC-Date", "WARC-Record-ID", "WARC-Payload-Digest",
		"WARC-Truncated", "HTTP Content-Type", "WARC-Refers-To-Target-URI",
		"WARC-Refers-To-Date", "WARC-Profile",
	};
	const char *v[V_COUNT];
	capture_values(r, v);
	for (size_t i = 0; i < V_COUNT; i++)
		if (v[i] != NULL && value_len(v[i]) > VALUE_MAX)
			return names[i];
	return NULL;
}

/* The target URI as one safe path component: the scheme of http and https
 * dropped, any byte but [A-Za-z0-9.-] a single '_'. */
static void slug(const char *uri, char out[SLUG_MAX + 1])
{
	size_t n = 0;
	if (uri == NULL)
		uri = "";
	if (strncasecmp(uri, "http://", 7) == 0)
		uri += 7;
	else if (strncasecmp(uri, "https://", 8) == 0)
		uri += 8;
	for (const char *p = uri; *p && n < SLUG_MAX; p++) {
		char c = *p;
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		         c == '.' || c == '-';
		if (ok)
			out[n++] = c;
		else if (n > 0 && out[n - 1] != '_')
			out[n++] = '_';
	}
	while (n > 0 && out[n - 1] == '_')
		n--;
	out[n] = 0;
}

/* A file name extension for common media types, so that extracted
 * captures open in the usual programs. */
static const char *media_ext(const char *media)
{
	static const char *const map[][2] = {
		{"text/html", ".html"}, {"application/xhtml+xml", ".html"}, {"text/css", ".css"},
		{"application/javascript", ".js"}, {"text/javascript", ".js"},
		{"application/x-javascript", ".js"}, {"application/json", ".json"},
		{"text/plain", ".txt"}, {"text/xml", ".xml"}, {"application/xml", ".xml"},
		{"application/rss+xml", ".xml"}, {"application/atom+xml", ".xml"},
		{"image/jpeg", ".jpg"}, {"image/png", ".png"}, {"image/gif", ".gif"},
		{"image/svg+xml", ".svg"}, {"image/webp", ".webp"}, {"image/x-icon", ".ico"},
		{"image/vnd.microsoft.icon", ".ico"}, {"application/pdf", ".pdf"},
		{"font/woff", ".woff"}, {"font/woff2", ".woff2"}, {"application/font-woff", ".woff"},
	};
	for (size_t i = 0; media && i < sizeof map / sizeof *map; i++)
		if (strcmp(media, map[i][0]) == 0)
			return map[i][1];
	return "";
}

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcasecmp(s + a - b, suffix) == 0;
}

/* The path's tail after the record number: -SLUG.EXT (pass 1). */
static char *path_tail(const npk__warc_rec *r)
{
	char sl[SLUG_MAX + 1];
	slug(r->target_uri, sl);
	const char *ext = media_ext(r->media_type);
	if (ends_with(sl, ext) || (strcmp(ext, ".html") == 0 && ends_with(sl, ".htm")) ||
	    (strcmp(ext, ".jpg") == 0 && ends_with(sl, ".jpeg")))
		ext = "";
	size_t cap = sizeof sl + 8;
	char *t = malloc(cap);
	if (t != NULL)
		snprintf(t, cap, "%s%s%s", sl[0] ? "-" : "", sl, ext);
	return t;
}

/* FOLDER/NNNNNN-SLUG.EXT, once the width of the numbers is known. */
static int name_doc(wdoc *d, const char *folder, int width, npk_error *err)
{
	char *tail = d->path;
	size_t cap = strlen(folder) + 1 + (size_t)width + 24 + strlen(tail) + 1;
	d->path = malloc(cap);
	if (d->path != NULL)
		snprintf(d->path, cap, "%s/%0*llu%s", folder, width, (unsigned long long)d->number, tail);
	free(tail);
	NPK_FAIL_IF(d->path == NULL, err, NPK_E_NOMEM, "out of memory");
	return NPK_OK;
}

/* A 16-byte hash of a and b, so that revisits are linked without
 * keeping the header values. */
static void hash2(const char *a, const char *b, uint8_t out[16])
{
	crypto_generichash_state st;
	crypto_generichash_init(&st, NULL, 0, 16);
	crypto_generichash_update(&st, (const uint8_t *)a, strlen(a) + 1);
	if (b != NULL)
		crypto_generichash_update(&st, (const uint8_t *)b, strlen(b) + 1);
	crypto_generichash_final(&st, out, 16);
}

/* "sha-1:ABC" and "SHA1:ABC" are one digest: the label lower case,
 * without '-'; hashed with uri (NULL: the digest alone). */
static void digest_hash(const char *digest, const char *uri, uint8_t out[16])
{
	char label[32];
	size_t n = 0;
	const char *colon = strchr(digest, ':');
	const char *p = digest;
	for (; colon && p < colon && n + 1 < sizeof label; p++)
		if (*p != '-')
			label[n++] = *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p;
	label[n] = 0;
	crypto_generichash_state st;
	crypto_generichash_init(&st, NULL, 0, 16);
	crypto_generichash_update(&st, (const uint8_t *)label, n + 1);
	crypto_generichash_update(&st, (const uint8_t *)p, strlen(p) + 1);
	if (uri != NULL)
		crypto_generichash_update(&st, (const uint8_t *)uri, strlen(uri) + 1);
	crypto_generichash_final(&st, out, 16);
}

/* "URI at DATE" of a revisit, for the warning when its capture is missing. */
static char *revisit_shown(const npk__warc_rec *r)
{
	const char *uri = r->refers_to_uri ? r->refers_to_uri : r->target_uri ? r->target_uri : "(no URI)";
	char s[300];
	snprintf(s, sizeof s, "%.*s%s%.40s", (int)utf8_cut(uri, strlen(uri) > 200 ? 200 : strlen(uri)),
	         uri, r->refers_to_date ? " at " : "", r->refers_to_date ? r->refers_to_date : "");
	return strdup(s);
}

static int keep_doc(wsrc *in, size_t *cap, const npk__warc_rec *r, npk_error *err)
{
	if (in->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		wdoc *nv = realloc(in->docs, nc * sizeof *nv);
		NPK_FAIL_IF(nv == NULL, err, NPK_E_NOMEM, "out of memory");
		in->docs = nv;
		*cap = nc;
	}
	wdoc *d = &in->docs[in->n++];
	memset(d, 0, sizeof *d);
	d->number = r->number;
	d->offset = r->offset;
	d->revisit = strcasecmp(r->type, "revisit") == 0;
	d->agnostic = d->revisit && r->profile && strstr(r->profile, "uri-agnostic") != NULL;
	d->cut = cut_field(r);
	if ((d->has_id = r->record_id != NULL))
		hash2(r->record_id, NULL, d->id);
	if ((d->has_ref = d->revisit && r->refers_to != NULL))
		hash2(r->refers_to, NULL, d->ref);
	if ((d->has_digest = r->payload_digest != NULL)) {
		const char *uri = d->revisit && r->refers_to_uri ? r->refers_to_uri : r->target_uri;
		digest_hash(r->payload_digest, uri ? uri : "", d->dig_uri);
		digest_hash(r->payload_digest, NULL, d->dig);
	}
	d->path = path_tail(r);
	d->shown = d->revisit ? revisit_shown(r) : NULL;
	NPK_FAIL_IF(d->path == NULL || (d->revisit && d->shown == NULL), err, NPK_E_NOMEM,
	            "out of memory");
	return NPK_OK;
}

static int keep_raw(wsrc *in, size_t *cap, const npk__warc_rec *r, npk_error *err)
{
	if (in->nrec == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		wraw *nv = realloc(in->recs, nc * sizeof *nv);
		NPK_FAIL_IF(nv == NULL, err, NPK_E_NOMEM, "out of memory");
		in->recs = nv;
		*cap = nc;
	}
	wraw *x = &in->recs[in->nrec++];
	*x = (wraw){r->number, r->offset, 0, NULL};
	NPK_FAIL_IF(!npk__add64(r->header_length, r->block_length, &x->size), err, NPK_E_INPUT,
	            "%s: record %llu at offset %llu: Content-Length is too large", in->file,
	            (unsigned long long)r->number, (unsigned long long)r->offset);
	return NPK_OK;
}

static void wdoc_clear(wdoc *d)
{
	free(d->path);
	free(d->problem);
	free(d->shown);
}

/* A document not decoded whole (warc.h): the payload as captured, or
 * what decodes, with a warning naming the record. */
static int decode_note(wsrc *in, wdoc *d, const npk__warc_rec *r, const npk__import_env *env,
                       npk_error *err)
{
	char why[400];
	if (d->cut != NULL && env->note != NULL) {
		snprintf(why, sizeof why, "record %llu at offset %llu: %s is longer than %u bytes: cut in "
		         "the metadata (warc.cut)", (unsigned long long)d->number,
		         (unsigned long long)d->offset, d->cut, VALUE_MAX);
		env->note(in->file, why, env->ctx);
	}
	if (r->decoded == NPK__WARC_WHOLE)
		return NPK_OK;
	d->captured = r->decoded == NPK__WARC_CAPTURED;
	if (d->captured)
		d->size = r->payload_length;
	d->problem = strdup(r->problem);
	NPK_FAIL_IF(d->problem == NULL, err, NPK_E_NOMEM, "out of memory");
	if (env->note == NULL)
		return NPK_OK;
	snprintf(why, sizeof why, "record %llu at offset %llu: %s; kept %s (%llu bytes)",
	         (unsigned long long)d->number, (unsigned long long)d->offset, r->problem,
	         d->captured ? "as captured" : "what decodes", (unsigned long long)d->size);
	env->note(in->file, why, env->ctx);
	return NPK_OK;
}

/* Every record of pass 1: each document kept, and read to its end, which
 * sizes it and checks its codings and digests. */
static int scan_records(wsrc *in, npk__warc *w, uint8_t *buf, size_t len,
                        const npk__import_env *env, npk_error *err)
{
	size_t cap = 0, rcap = 0;
	for (;;) {
		NPK_FAIL_IF(env->cancel && *env->cancel, err, NPK_E_CANCELED, "canceled while reading %s",
		            in->file);
		const npk__warc_rec *r;
		NPK_FORWARD(npk__warc_next(w, &r, err));
		if (r == NULL)
			return NPK_OK;
		NPK_FORWARD(keep_raw(in, &rcap, r, err));
		if (!r->is_doc)
			continue;
		NPK_FORWARD(keep_doc(in, &cap, r, err));
		wdoc *d = &in->docs[in->n - 1];
		size_t got;
		do {
			NPK_FORWARD(npk__warc_read(w, buf, len, &got, err));
			d->size += got;
		} while (got > 0);
		NPK_FORWARD(decode_note(in, d, r, env, err));
	}
}

/* Names the records as captured (FOLDER/NNNNNN.warc: no page's path is
 * that, a page's having "-" or another extension after the number) and
 * lists pages and records in path order: by number, then by name. */
static int list_items(wsrc *in, int width, npk_error *err)
{
	in->items = calloc(in->n + in->nrec + 1, sizeof *in->items);
	NPK_FAIL_IF(in->items == NULL, err, NPK_E_NOMEM, "out of memory");
	size_t j = 0;
	for (size_t i = 0; i < in->nrec; i++) {
		wraw *x = &in->recs[i];
		size_t cap = strlen(in->folder) + (size_t)width + 32;
		x->path = malloc(cap);
		NPK_FAIL_IF(x->path == NULL, err, NPK_E_NOMEM, "out of memory");
		snprintf(x->path, cap, "%s/%0*llu.warc", in->folder, width, (unsigned long long)x->number);
		int page = j < in->n && in->docs[j].number == x->number;
		int first = page && strcmp(in->docs[j].path, x->path) < 0;
		if (first)
			in->items[in->nitems++] = (witem){j++, 0};
		in->items[in->nitems++] = (witem){i, 1};
		if (page && !first)
			in->items[in->nitems++] = (witem){j++, 0};
	}
	return NPK_OK;
}

/* Pass 1 over the file at path; buf is scratch of len bytes. */
static int scan(wsrc *in, const char *path, uint8_t *buf, size_t len, const npk__import_env *env,
                npk_error *err)
{
	in->file = strdup(path);
	const char *slash = strrchr(path, '/');
	in->folder = strdup(slash ? slash + 1 : path);
	NPK_FAIL_IF(in->file == NULL || in->folder == NULL, err, NPK_E_NOMEM, "out of memory");
	if (npk_path_check(in->folder, strlen(in->folder), err) != NPK_OK)
		return npk__wrap(err, NPK_E_INPUT, "%s: its name cannot be a folder in an archive: ", path);
	npk__warc *w;
	NPK_FORWARD(npk__warc_open(path, &w, err));
	int rc = scan_records(in, w, buf, len, env, err);
	npk__warc_stats st;
	npk__warc_get_stats(w, &st);
	npk__warc_close(w);
	NPK_FORWARD(rc);
	int width = 6;
	for (uint64_t v = st.records / 1000000; v > 0; v /= 10)
		width++;
	for (size_t i = 0; i < in->n; i++)
		NPK_FORWARD(name_doc(&in->docs[i], in->folder, width, err));
	return list_items(in, width, err);
}

/* ---- revisits ---- */

typedef struct ref {
	uint8_t key[16];
	size_t seq;               /* order among the inputs: the first wins */
	const wdoc *d;
} ref;

/* The captures of all the inputs by record id, by payload digest and
 * URI, and by payload digest alone, each sorted. */
typedef struct refs {
	ref *ids, *digests, *anyuri;
	size_t ni, nd;
} refs;

static int ref_cmp(const void *a, const void *b)
{
	const ref *x = a, *y = b;
	int c = memcmp(x->key, y->key, 16);
	return c != 0 ? c : x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void refs_free(refs *x)
{
	free(x->ids);
	free(x->digests);
	free(x->anyuri);
}

static void ref_put(ref *r, const uint8_t key[16], size_t seq, const wdoc *d)
{
	memcpy(r->key, key, 16);
	r->seq = seq;
	r->d = d;
}

static int refs_build(void *const *srcs, size_t n, refs *x, npk_error *err)
{
	size_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += ((const wsrc *)srcs[i])->n;
	x->ids = calloc(total ? total : 1, sizeof *x->ids);
	x->digests = calloc(total ? total : 1, sizeof *x->digests);
	x->anyuri = calloc(total ? total : 1, sizeof *x->anyuri);
	NPK_FAIL_IF(x->ids == NULL || x->digests == NULL || x->anyuri == NULL, err, NPK_E_NOMEM,
	            "out of memory");
	for (size_t i = 0, seq = 0; i < n; i++) {
		const wsrc *in = srcs[i];
		for (size_t j = 0; j < in->n; j++, seq++) {
			const wdoc *d = &in->docs[j];
			if (d->has_id)
				ref_put(&x->ids[x->ni++], d->id, seq, d);
			if (d->has_digest && !d->revisit) {
				ref_put(&x->digests[x->nd], d->dig_uri, seq, d);
				ref_put(&x->anyuri[x->nd++], d->dig, seq, d);
			}
		}
	}
	qsort(x->ids, x->ni, sizeof *x->ids, ref_cmp);
	qsort(x->digests, x->nd, sizeof *x->digests, ref_cmp);
	qsort(x->anyuri, x->nd, sizeof *x->anyuri, ref_cmp);
	return NPK_OK;
}

/* The first of the captures with key, in input order. */
static const wdoc *ref_find(const ref *v, size_t n, const uint8_t key[16])
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (memcmp(v[mid].key, key, 16) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && memcmp(v[lo].key, key, 16) == 0 ? v[lo].d : NULL;
}

/* The capture the revisit d repeats: by its WARC-Refers-To, else by its
 * payload digest and URI, else (uri-agnostic profile) by the digest
 * alone. NULL when it is not among the inputs. */
static const wdoc *refs_find(const refs *x, const wdoc *d)
{
	const wdoc *hit = d->has_ref ? ref_find(x->ids, x->ni, d->ref) : NULL;
	if (hit == NULL && d->has_digest)
		hit = ref_find(x->digests, x->nd, d->dig_uri);
	if (hit == NULL && d->has_digest && d->agnostic)
		hit = ref_find(x->anyuri, x->nd, d->dig);
	return hit;
}

/* Links the revisits of one input; one warning for those whose capture
 * is not among the inputs, naming the first. */
static void link_input(wsrc *in, const refs *x, const npk__import_env *env)
{
	const wdoc *first = NULL;
	uint64_t missing = 0;
	for (size_t j = 0; j < in->n; j++) {
		wdoc *d = &in->docs[j];
		if (!d->revisit)
			continue;
		const wdoc *hit = refs_find(x, d);
		if (hit != NULL)
			d->revisit_of = hit->path;
		else if (missing++ == 0)
			first = d;
	}
	if (missing == 0 || env->note == NULL)
		return;
	char why[1024];
	snprintf(why, sizeof why, "%llu revisit record%s name%s a capture not among the inputs, "
	         "the first record %llu at offset %llu (%s); stored with what the record%s say",
	         (unsigned long long)missing, missing == 1 ? "" : "s", missing == 1 ? "s" : "",
	         (unsigned long long)first->number, (unsigned long long)first->offset, first->shown,
	         missing == 1 ? "" : "s");
	env->note(in->file, why, env->ctx);
}

static int warc_link(void *const *srcs, size_t n, const npk__import_env *env, npk_error *err)
{
	refs x = {0};
	int rc;
	NPK_FORWARD_GOTO(rc, refs_build(srcs, n, &x, err), out);
	for (size_t i = 0; i < n; i++)
		link_input(srcs[i], &x, env);
out:
	refs_free(&x);
	return rc;
}

/* ---- metadata ---- */

/* A header value as metadata: bytes that are not UTF-8 text are
 * percent-encoded (URIs), control characters too; cut at VALUE_MAX bytes. */
static int put(npk_meta *m, const char *key, const char *value, npk_error *err)
{
	if (value == NULL || value[0] == 0)
		return NPK_OK;
	size_t n = strlen(value);
	if (value_clean(value, n) && n <= VALUE_MAX)
		return npk_meta_set(m, key, value, err);
	char *v = malloc(3 * n + 1);
	NPK_FAIL_IF(v == NULL, err, NPK_E_NOMEM, "out of memory");
	size_t o = 0;
	int clean = value_clean(value, n);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)value[i];
		if (!clean && (c < 0x20 || c >= 0x7f))
			o += (size_t)sprintf(v + o, "%%%02X", c);
		else
			v[o++] = (char)c;
	}
	v[o] = 0;
	if (o > VALUE_MAX) {
		o = VALUE_MAX;    /* cut before a %XX, not inside it */
		o -= !clean && v[o - 1] == '%' ? 1 : !clean && v[o - 2] == '%' ? 2 : 0;
		v[utf8_cut(v, o)] = 0;
	}
	int rc = npk_meta_set(m, key, v, err);
	free(v);
	return rc;
}

/* The capture's metadata of the current document (interchange.h), set
 * over what was extracted from it; the header values come from its
 * record, read again. */
/* A record as captured: where it was, what it is, and that it is one. */
static int raw_meta(const wsrc *in, npk_meta *m, npk_error *err)
{
	const wraw *x = in->cur_raw;
	const npk__warc_rec *r = in->rec;
	char num[2][24];
	snprintf(num[0], sizeof num[0], "%llu", (unsigned long long)x->number);
	snprintf(num[1], sizeof num[1], "%llu", (unsigned long long)x->offset);
	const char *const kv[][2] = {
		{"warc.file", in->folder}, {"warc.record", num[0]}, {"warc.offset", num[1]},
		{"warc.type", r->type}, {"warc.target_uri", r->target_uri}, {"warc.date", r->date},
		{"warc.record_id", r->record_id}, {"warc.form", "record"},
	};
	for (size_t i = 0; i < sizeof kv / sizeof *kv; i++)
		NPK_FORWARD(put(m, kv[i][0], kv[i][1], err));
	return NPK_OK;
}

/* The record as captured that a page was decoded from. */
static const char *page_record(const wsrc *in, const wdoc *d)
{
	size_t lo = 0, hi = in->nrec;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (in->recs[mid].number < d->number)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < in->nrec && in->recs[lo].number == d->number ? in->recs[lo].path : NULL;
}

static int warc_meta(void *src, npk_meta *m, npk_error *err)
{
	const wsrc *in = src;
	const wdoc *d = in->cur;
	NPK_FAIL_IF((d == NULL && in->cur_raw == NULL) || in->rec == NULL, err, NPK_E_ARG,
	            "%s: no record", in->file);
	if (d == NULL)
		return raw_meta(in, m, err);
	const npk__warc_rec *r = in->rec;
	const char *v[V_COUNT];
	capture_values(r, v);
	char num[3][24];
	snprintf(num[0], sizeof num[0], "%llu", (unsigned long long)d->number);
	snprintf(num[1], sizeof num[1], "%llu", (unsigned long long)d->offset);
	snprintf(num[2], sizeof num[2], "%d", r->http ? r->http_status : 0);
	const char *const kv[][2] = {
		{"warc.file", in->folder}, {"warc.record", num[0]}, {"warc.offset", num[1]},
		{"warc.type", v[V_TYPE]}, {"warc.target_uri", v[V_URI]}, {"warc.date", v[V_DATE]},
		{"warc.record_id", v[V_ID]}, {"warc.payload_digest", v[V_PDIG]},
		{"warc.truncated", v[V_TRUNC]}, {"http.status", r->http && r->http_status ? num[2] : NULL},
		{"http.content_type", v[V_HTYPE]}, {"warc.refers_to", d->revisit_of},
		{"warc.refers_to_uri", v[V_RURI]}, {"warc.refers_to_date", v[V_RDATE]},
		{"warc.profile", v[V_PROFILE]},
		{"warc.payload", d->problem ? d->captured ? "as-captured" : "partial" : NULL},
		{"warc.problem", d->problem}, {"warc.cut", d->cut},
		{"warc.capture", page_record(in, d)},
	};
	for (size_t i = 0; i < sizeof kv / sizeof *kv; i++)
		NPK_FORWARD(put(m, kv[i][0], kv[i][1], err));
	/* the page's own canonical address wins; else where it was captured */
	if (npk_meta_find(m, "url") == NULL && v[V_URI] && strchr(v[V_URI], ':') && d->cut == NULL)
		return put(m, "url", v[V_URI], err);
	return NPK_OK;
}

/* ---- the importer ---- */

static void warc_close(void *src)
{
	wsrc *in = src;
	if (in == NULL)
		return;
	for (size_t i = 0; i < in->n; i++)
		wdoc_clear(&in->docs[i]);
	for (size_t i = 0; i < in->nrec; i++)
		free(in->recs[i].path);
	npk__warc_close(in->w);
	npk__warc_close(in->wr);
	free(in->docs);
	free(in->recs);
	free(in->items);
	free(in->file);
	free(in->folder);
	free(in);
}

static int warc_open(const char *path, const npk__import_env *env, void **src, npk_error *err)
{
	*src = NULL;
	wsrc *in = calloc(1, sizeof *in);
	uint8_t *buf = malloc(SCAN_BUF);
	int rc = in && buf ? scan(in, path, buf, SCAN_BUF, env, err)
	         : npk__fail(err, NPK_E_NOMEM, "out of memory");
	free(buf);
	if (rc != NPK_OK) {
		warc_close(in);
		return rc;
	}
	*src = in;
	return NPK_OK;
}

static size_t warc_count(const void *src)
{
	return ((const wsrc *)src)->nitems;
}

static const char *warc_path(const void *src, size_t i)
{
	const wsrc *in = src;
	if (i >= in->nitems)
		return NULL;
	const witem *t = &in->items[i];
	return t->raw ? in->recs[t->i].path : in->docs[t->i].path;
}

static int changed(const wsrc *in, uint64_t number, npk_error *err)
{
	if (number == 0)
		return npk__fail_why(err, NPK_E_INPUT, NPK_R_CHANGED, "%s: changed while being archived "
		                     "(it holds fewer records than when first read)", in->file);
	return npk__fail_why(err, NPK_E_INPUT, NPK_R_CHANGED, "%s: changed while being archived "
	                     "(record %llu is not what it was when first read)", in->file,
	                     (unsigned long long)number);
}

/* Opens *w (raw: records as captured) when it is not yet. */
static int reader(const wsrc *in, npk__warc **w, int raw, npk_error *err)
{
	if (*w != NULL)
		return NPK_OK;
	NPK_FORWARD(npk__warc_open(in->file, w, err));
	if (raw)
		npk__warc_set_raw(*w);
	return NPK_OK;
}

/* After the last item: no more pages nor records in the file. */
static int warc_end(wsrc *in, npk_error *err)
{
	const npk__warc_rec *r;
	NPK_FORWARD(reader(in, &in->w, 0, err));
	NPK_FORWARD(reader(in, &in->wr, 1, err));
	do
		NPK_FORWARD(npk__warc_next(in->w, &r, err));
	while (r != NULL && !r->is_doc);
	if (r == NULL)
		NPK_FORWARD(npk__warc_next(in->wr, &r, err));
	if (r != NULL)
		return changed(in, r->number, err);
	npk__warc_close(in->w);
	npk__warc_close(in->wr);
	in->w = in->wr = NULL;
	in->ended = 1;
	return NPK_OK;
}

/* The next page: the next response, resource or revisit record of w,
 * which must be the one pass 1 saw. */
static int next_page(wsrc *in, const wdoc *d, npk_error *err)
{
	const npk__warc_rec *r;
	NPK_FORWARD(reader(in, &in->w, 0, err));
	do
		NPK_FORWARD(npk__warc_next(in->w, &r, err));
	while (r != NULL && !r->is_doc);
	if (r == NULL)
		return changed(in, 0, err);
	uint8_t id[16];
	if (r->record_id != NULL)
		hash2(r->record_id, NULL, id);
	if (d->number != r->number || d->has_id != (r->record_id != NULL) ||
	    (d->has_id && memcmp(id, d->id, sizeof id) != 0))
		return changed(in, r->number, err);
	if (d->captured)
		NPK_FORWARD(npk__warc_captured(in->w, err));
	in->cur = d;
	in->rec = r;
	return NPK_OK;
}

/* The next record as captured, from wr. */
static int next_raw(wsrc *in, const wraw *x, npk_error *err)
{
	const npk__warc_rec *r;
	NPK_FORWARD(reader(in, &in->wr, 1, err));
	NPK_FORWARD(npk__warc_next(in->wr, &r, err));
	if (r == NULL)
		return changed(in, 0, err);
	if (r->number != x->number || r->header_length + r->block_length != x->size)
		return changed(in, r->number, err);
	in->cur_raw = x;
	in->rec = r;
	return NPK_OK;
}

/* Pass 2: the next item in path order. */
static int warc_next(void *src, const npk__import_item **it, npk_error *err)
{
	wsrc *in = src;
	*it = NULL;
	in->cur = NULL;
	in->cur_raw = NULL;
	in->rec = NULL;
	if (in->ended)
		return NPK_OK;
	if (in->given == in->nitems)
		return warc_end(in, err);
	const witem *t = &in->items[in->given++];
	uint64_t number, offset;
	if (t->raw) {
		const wraw *x = &in->recs[t->i];
		NPK_FORWARD(next_raw(in, x, err));
		number = x->number;
		offset = x->offset;
		in->it = (npk__import_item){x->path, x->size, "application/warc", in->name,
		                            NPK_KIND_DOCUMENT};
	} else {
		const wdoc *d = &in->docs[t->i];
		NPK_FORWARD(next_page(in, d, err));
		number = d->number;
		offset = d->offset;
		in->it = (npk__import_item){d->path, d->size, in->rec->media_type, in->name,
		                            NPK_KIND_DOCUMENT};
	}
	snprintf(in->name, sizeof in->name, "%s: record %llu at offset %llu", in->file,
	         (unsigned long long)number, (unsigned long long)offset);
	*it = &in->it;
	return NPK_OK;
}

static int warc_read(void *src, uint8_t *buf, size_t cap, size_t *got, npk_error *err)
{
	wsrc *in = src;
	*got = 0;
	NPK_FAIL_IF(in->cur == NULL && in->cur_raw == NULL, err, NPK_E_ARG, "%s: no record to read",
	            in->file);
	return npk__warc_read(in->cur_raw ? in->wr : in->w, buf, cap, got, err);
}

const npk__importer npk__import_warc = {
	.sniff = warc_sniff,
	.open = warc_open,
	.count = warc_count,
	.path = warc_path,
	.link = warc_link,
	.next = warc_next,
	.read = warc_read,
	.meta = warc_meta,
	.close = warc_close,
};
