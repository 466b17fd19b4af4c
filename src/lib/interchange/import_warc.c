/*
 * import_warc.c - WARC captures as inputs of npk_create: the importer
 * npk__import_warc (see interchange.h).
 *
 * Pass 1 (open) reads every record of the file (warc.c checks the
 * framing, codings and digests) and keeps, for each document, what names
 * it and what its metadata will say; link then ties revisits to the
 * captures they repeat, across all the WARC inputs. Pass 2 (next, read)
 * reads the file again, record by record, when the path order reaches
 * its folder, and checks that it still holds what pass 1 saw.
 */
#define _GNU_SOURCE /* strcasecmp, basename */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "format/format.h"
#include "interchange/interchange.h"
#include "interchange/warc.h"

#define SLUG_MAX 120
/* Header values longer than this are cut in the metadata (a document's
 * metadata is at most 65535 bytes, spec/format.md 10); the record as
 * captured keeps them whole. */
#define VALUE_MAX 2048
#define SCAN_BUF (64u << 10)

/* A document: a response, resource or revisit record. */
typedef struct wdoc {
	uint64_t number, offset, size;
	char *path;               /* in the archive: FOLDER/NNNNNN-SLUG.EXT */
	char *type, *uri, *date, *id, *media, *http_type, *payload_digest;
	char *refers_to, *refers_uri, *refers_date, *profile, *truncated;
	int status;
	int captured;             /* the payload as captured: decoding gave up */
	char *problem;            /* why it is not decoded whole, or NULL */
	const char *cut;          /* the first header field cut, or NULL */
	const char *revisit_of;   /* the path of the document repeated */
} wdoc;

/* One WARC input. */
typedef struct wsrc {
	char *file;               /* as named on the command line */
	char *folder;             /* its base name: the folder in the archive */
	wdoc *docs;               /* in record order, which is path order */
	size_t n;
	/* pass 2 */
	npk__warc *w;
	size_t given;             /* documents given so far */
	int ended;
	const wdoc *cur;
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

/* A copy of the header value s of field name, cut at VALUE_MAX bytes
 * (*cut then names the first field cut). */
static char *dup_value(const char *s, const char *name, const char **cut, int *bad)
{
	if (s == NULL)
		return NULL;
	size_t n = strlen(s);
	if (n > VALUE_MAX) {
		n = utf8_cut(s, VALUE_MAX);
		if (*cut == NULL)
			*cut = name;
	}
	char *d = strndup(s, n);
	if (d == NULL)
		*bad = 1;
	return d;
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

static int name_doc(wdoc *d, const char *folder, int width, npk_error *err)
{
	char s[SLUG_MAX + 1];
	slug(d->uri, s);
	const char *ext = media_ext(d->media);
	if (ends_with(s, ext) || (strcmp(ext, ".html") == 0 && ends_with(s, ".htm")) ||
	    (strcmp(ext, ".jpg") == 0 && ends_with(s, ".jpeg")))
		ext = "";
	size_t cap = strlen(folder) + 1 + (size_t)width + 1 + sizeof s + 8;
	d->path = malloc(cap);
	NPK_FAIL_IF(d->path == NULL, err, NPK_E_NOMEM, "out of memory");
	snprintf(d->path, cap, "%s/%0*llu%s%s%s", folder, width, (unsigned long long)d->number,
	         s[0] ? "-" : "", s, ext);
	return NPK_OK;
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
	wdoc *d = &in->docs[in->n];
	memset(d, 0, sizeof *d);
	int bad = 0;
	d->number = r->number;
	d->offset = r->offset;
	d->status = r->http ? r->http_status : 0;
	const char **c = &d->cut;
	d->type = dup_value(r->type, "WARC-Type", c, &bad);
	d->uri = dup_value(r->target_uri, "WARC-Target-URI", c, &bad);
	d->date = dup_value(r->date, "WARC-Date", c, &bad);
	d->id = dup_value(r->record_id, "WARC-Record-ID", c, &bad);
	d->media = dup_value(r->media_type, "Content-Type", c, &bad);
	d->http_type = dup_value(r->http ? r->http_content_type : NULL, "HTTP Content-Type", c, &bad);
	d->payload_digest = dup_value(r->payload_digest, "WARC-Payload-Digest", c, &bad);
	d->refers_to = dup_value(r->refers_to, "WARC-Refers-To", c, &bad);
	d->refers_uri = dup_value(r->refers_to_uri, "WARC-Refers-To-Target-URI", c, &bad);
	d->refers_date = dup_value(r->refers_to_date, "WARC-Refers-To-Date", c, &bad);
	d->profile = dup_value(r->profile, "WARC-Profile", c, &bad);
	d->truncated = dup_value(r->truncated, "WARC-Truncated", c, &bad);
	in->n++;
	NPK_FAIL_IF(bad, err, NPK_E_NOMEM, "out of memory");
	return NPK_OK;
}

static void wdoc_clear(wdoc *d)
{
	char *const f[] = {d->path, d->type, d->uri, d->date, d->id, d->media, d->http_type,
	                   d->payload_digest, d->refers_to, d->refers_uri, d->refers_date, d->profile,
	                   d->truncated, d->problem};
	for (size_t i = 0; i < sizeof f / sizeof *f; i++)
		free(f[i]);
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
	size_t cap = 0;
	for (;;) {
		NPK_FAIL_IF(env->cancel && *env->cancel, err, NPK_E_CANCELED, "canceled while reading %s",
		            in->file);
		const npk__warc_rec *r;
		NPK_FORWARD(npk__warc_next(w, &r, err));
		if (r == NULL)
			return NPK_OK;
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
	return NPK_OK;
}

/* ---- revisits ---- */

typedef struct ref {
	const wdoc *d;
	char key[256];            /* record id, or digest and URI */
} ref;

/* The captures of all the inputs by record id, by payload digest and
 * URI, and by payload digest alone, each sorted. */
typedef struct refs {
	ref *ids, *digests, *anyuri;
	size_t ni, nd;
} refs;

static int ref_cmp(const void *a, const void *b)
{
	return strcmp(((const ref *)a)->key, ((const ref *)b)->key);
}

/* "sha-1:ABC" and "SHA1:ABC" are one digest */
static void digest_key(const char *digest, const char *uri, char out[256])
{
	size_t n = 0;
	const char *colon = strchr(digest, ':');
	for (const char *p = digest; *p && n < 128; p++) {
		char c = *p;
		if (colon && p < colon) {
			if (c == '-')
				continue;
			if (c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
		}
		out[n++] = c;
	}
	out[n++] = ' ';
	snprintf(out + n, 256 - n, "%s", uri ? uri : "");
}

static void refs_free(refs *x)
{
	free(x->ids);
	free(x->digests);
	free(x->anyuri);
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
	for (size_t i = 0; i < n; i++) {
		const wsrc *in = srcs[i];
		for (size_t j = 0; j < in->n; j++) {
			const wdoc *d = &in->docs[j];
			if (d->id) {
				x->ids[x->ni].d = d;
				snprintf(x->ids[x->ni++].key, sizeof x->ids->key, "%s", d->id);
			}
			if (d->payload_digest && strcmp(d->type, "revisit") != 0) {
				x->digests[x->nd].d = d;
				digest_key(d->payload_digest, d->uri, x->digests[x->nd].key);
				x->anyuri[x->nd].d = d;
				digest_key(d->payload_digest, NULL, x->anyuri[x->nd++].key);
			}
		}
	}
	qsort(x->ids, x->ni, sizeof *x->ids, ref_cmp);
	qsort(x->digests, x->nd, sizeof *x->digests, ref_cmp);
	qsort(x->anyuri, x->nd, sizeof *x->anyuri, ref_cmp);
	return NPK_OK;
}

/* The capture the revisit d repeats: by its WARC-Refers-To, else by its
 * payload digest and URI, else (uri-agnostic profile) by the digest
 * alone. NULL when it is not among the inputs. */
static const wdoc *refs_find(const refs *x, const wdoc *d)
{
	ref probe = {0};
	const ref *hit = NULL;
	if (d->refers_to) {
		snprintf(probe.key, sizeof probe.key, "%s", d->refers_to);
		hit = bsearch(&probe, x->ids, x->ni, sizeof *x->ids, ref_cmp);
	}
	if (hit == NULL && d->payload_digest) {
		digest_key(d->payload_digest, d->refers_uri ? d->refers_uri : d->uri, probe.key);
		hit = bsearch(&probe, x->digests, x->nd, sizeof *x->digests, ref_cmp);
	}
	if (hit == NULL && d->payload_digest && d->profile && strstr(d->profile, "uri-agnostic")) {
		digest_key(d->payload_digest, NULL, probe.key);
		hit = bsearch(&probe, x->anyuri, x->nd, sizeof *x->anyuri, ref_cmp);
	}
	return hit ? hit->d : NULL;
}

/* Links the revisits of one input; one warning for those whose capture
 * is not among the inputs, naming the first. */
static void link_input(wsrc *in, const refs *x, const npk__import_env *env)
{
	const wdoc *first = NULL;
	uint64_t missing = 0;
	for (size_t j = 0; j < in->n; j++) {
		wdoc *d = &in->docs[j];
		if (strcmp(d->type, "revisit") != 0)
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
	const char *uri = first->refers_uri ? first->refers_uri : first->uri ? first->uri : "(no URI)";
	snprintf(why, sizeof why, "%llu revisit record%s name%s a capture not among the inputs, "
	         "the first record %llu at offset %llu (%s%s%s); stored with what the record%s say",
	         (unsigned long long)missing, missing == 1 ? "" : "s", missing == 1 ? "s" : "",
	         (unsigned long long)first->number, (unsigned long long)first->offset, uri, first->refers_date ? " at " : "",
	         first->refers_date ? first->refers_date : "", missing == 1 ? "" : "s");
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
 * percent-encoded (URIs), control characters too. */
static int put(npk_meta *m, const char *key, const char *value, npk_error *err)
{
	if (value == NULL || value[0] == 0)
		return NPK_OK;
	size_t n = strlen(value);
	int clean = npk__utf8_ok((const uint8_t *)value, n);
	for (size_t i = 0; clean && i < n; i++)
		clean = (unsigned char)value[i] >= 0x20 && value[i] != 0x7f;
	if (clean)
		return npk_meta_set(m, key, value, err);
	char *v = malloc(3 * n + 1);
	NPK_FAIL_IF(v == NULL, err, NPK_E_NOMEM, "out of memory");
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)value[i];
		if (c < 0x20 || c >= 0x7f)
			o += (size_t)sprintf(v + o, "%%%02X", c);
		else
			v[o++] = (char)c;
	}
	v[o] = 0;
	if (o > VALUE_MAX) {
		o = VALUE_MAX;    /* cut before a %XX, not inside it */
		o -= v[o - 1] == '%' ? 1 : v[o - 2] == '%' ? 2 : 0;
		v[utf8_cut(v, o)] = 0;
	}
	int rc = npk_meta_set(m, key, v, err);
	free(v);
	return rc;
}

/* The capture's metadata of the current document (interchange.h), set
 * over what was extracted from it. */
static int warc_meta(void *src, npk_meta *m, npk_error *err)
{
	const wsrc *in = src;
	const wdoc *d = in->cur;
	NPK_FAIL_IF(d == NULL, err, NPK_E_ARG, "%s: no record", in->file);
	char num[3][24];
	snprintf(num[0], sizeof num[0], "%llu", (unsigned long long)d->number);
	snprintf(num[1], sizeof num[1], "%llu", (unsigned long long)d->offset);
	snprintf(num[2], sizeof num[2], "%d", d->status);
	const char *const kv[][2] = {
		{"warc.file", in->folder}, {"warc.record", num[0]}, {"warc.offset", num[1]},
		{"warc.type", d->type}, {"warc.target_uri", d->uri}, {"warc.date", d->date},
		{"warc.record_id", d->id}, {"warc.payload_digest", d->payload_digest},
		{"warc.truncated", d->truncated}, {"http.status", d->status ? num[2] : NULL},
		{"http.content_type", d->http_type}, {"warc.refers_to", d->revisit_of},
		{"warc.refers_to_uri", d->refers_uri}, {"warc.refers_to_date", d->refers_date},
		{"warc.profile", d->profile},
		{"warc.payload", d->problem ? d->captured ? "as-captured" : "partial" : NULL},
		{"warc.problem", d->problem}, {"warc.cut", d->cut},
	};
	for (size_t i = 0; i < sizeof kv / sizeof *kv; i++)
		NPK_FORWARD(put(m, kv[i][0], kv[i][1], err));
	/* the page's own canonical address wins; else where it was captured */
	if (npk_meta_find(m, "url") == NULL && d->uri && strchr(d->uri, ':') && d->cut == NULL)
		return put(m, "url", d->uri, err);
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
	npk__warc_close(in->w);
	free(in->docs);
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
	if (in->n == 0 && env->skip != NULL)
		env->skip(path, "no response, resource or revisit records: nothing stored from it", env->ctx);
	*src = in;
	return NPK_OK;
}

static size_t warc_count(const void *src)
{
	return ((const wsrc *)src)->n;
}

static const char *warc_path(const void *src, size_t i)
{
	const wsrc *in = src;
	return i < in->n ? in->docs[i].path : NULL;
}

/* After the last document: no more in the file, which is closed. */
static int warc_end(wsrc *in, npk_error *err)
{
	if (in->given != in->n)
		return npk__fail_why(err, NPK_E_INPUT, NPK_R_CHANGED, "%s: changed while being archived "
		                     "(it holds fewer records than when first read)", in->file);
	npk__warc_close(in->w);
	in->w = NULL;
	in->ended = 1;
	return NPK_OK;
}

/* Pass 2: the next document record, which must be the one pass 1 saw. */
static int warc_next(void *src, const npk__import_item **it, npk_error *err)
{
	wsrc *in = src;
	*it = NULL;
	in->cur = NULL;
	if (in->ended)
		return NPK_OK;
	if (in->w == NULL)
		NPK_FORWARD(npk__warc_open(in->file, &in->w, err));
	const npk__warc_rec *r;
	do
		NPK_FORWARD(npk__warc_next(in->w, &r, err));
	while (r != NULL && !r->is_doc);
	if (r == NULL)
		return warc_end(in, err);
	const wdoc *d = in->given < in->n ? &in->docs[in->given++] : NULL;
	if (d == NULL || d->number != r->number)
		return npk__fail_why(err, NPK_E_INPUT, NPK_R_CHANGED, "%s: changed while being archived "
		                     "(record %llu is not what it was when first read)", in->file,
		                     (unsigned long long)r->number);
	if (d->captured)
		NPK_FORWARD(npk__warc_captured(in->w, err));
	in->cur = d;
	snprintf(in->name, sizeof in->name, "%s: record %llu at offset %llu", in->file,
	         (unsigned long long)d->number, (unsigned long long)d->offset);
	in->it = (npk__import_item){d->path, d->size, d->media, in->name};
	*it = &in->it;
	return NPK_OK;
}

static int warc_read(void *src, uint8_t *buf, size_t cap, size_t *got, npk_error *err)
{
	wsrc *in = src;
	*got = 0;
	NPK_FAIL_IF(in->cur == NULL, err, NPK_E_ARG, "%s: no record to read", in->file);
	return npk__warc_read(in->w, buf, cap, got, err);
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
