/*
 * import_warc.c - WARC captures as inputs of npk_create (see interchange.h).
 *
 * Pass 1 reads every record of every WARC input (warc.c checks the
 * framing, codings and digests) and keeps, for each document, what names
 * it and what its metadata will say; revisits are then linked to the
 * captures they repeat. create.c makes pass 2, record by record, when the
 * path order reaches the file's folder.
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

int npk__warc_input(const char *path)
{
	size_t n = strlen(path);
	if ((n > 5 && strcasecmp(path + n - 5, ".warc") == 0) ||
	    (n > 8 && strcasecmp(path + n - 8, ".warc.gz") == 0))
		return 1;
	return npk__warc_sniff(path);
}

static char *dup_or_null(const char *s, int *bad)
{
	if (s == NULL)
		return NULL;
	char *d = strdup(s);
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

static int name_doc(npk__wdoc *d, int width, npk_error *err)
{
	char s[SLUG_MAX + 1];
	slug(d->uri, s);
	const char *ext = media_ext(d->media);
	if (ends_with(s, ext) || (strcmp(ext, ".html") == 0 && ends_with(s, ".htm")) ||
	    (strcmp(ext, ".jpg") == 0 && ends_with(s, ".jpeg")))
		ext = "";
	size_t cap = (size_t)width + 1 + sizeof s + 8;
	d->name = malloc(cap);
	NPK_FAIL_IF(d->name == NULL, err, NPK_E_NOMEM, "out of memory");
	snprintf(d->name, cap, "%0*llu%s%s%s", width, (unsigned long long)d->number, s[0] ? "-" : "",
	         s, ext);
	return NPK_OK;
}

static int keep_doc(npk__winput *in, size_t *cap, const npk__warc_rec *r, npk_error *err)
{
	if (in->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		npk__wdoc *nv = realloc(in->docs, nc * sizeof *nv);
		NPK_FAIL_IF(nv == NULL, err, NPK_E_NOMEM, "out of memory");
		in->docs = nv;
		*cap = nc;
	}
	npk__wdoc *d = &in->docs[in->n];
	memset(d, 0, sizeof *d);
	int bad = 0;
	d->number = r->number;
	d->offset = r->offset;
	d->status = r->http ? r->http_status : 0;
	d->type = dup_or_null(r->type, &bad);
	d->uri = dup_or_null(r->target_uri, &bad);
	d->date = dup_or_null(r->date, &bad);
	d->id = dup_or_null(r->record_id, &bad);
	d->media = dup_or_null(r->media_type, &bad);
	d->http_type = dup_or_null(r->http ? r->http_content_type : NULL, &bad);
	d->payload_digest = dup_or_null(r->payload_digest, &bad);
	d->refers_to = dup_or_null(r->refers_to, &bad);
	d->refers_uri = dup_or_null(r->refers_to_uri, &bad);
	d->refers_date = dup_or_null(r->refers_to_date, &bad);
	d->profile = dup_or_null(r->profile, &bad);
	d->truncated = dup_or_null(r->truncated, &bad);
	in->n++;
	NPK_FAIL_IF(bad, err, NPK_E_NOMEM, "out of memory");
	return NPK_OK;
}

static void wdoc_clear(npk__wdoc *d)
{
	char *const f[] = {d->name, d->type, d->uri, d->date, d->id, d->media, d->http_type,
	                   d->payload_digest, d->refers_to, d->refers_uri, d->refers_date, d->profile,
	                   d->truncated};
	for (size_t i = 0; i < sizeof f / sizeof *f; i++)
		free(f[i]);
}

void npk__winput_clear(npk__winput *in)
{
	for (size_t i = 0; i < in->n; i++)
		wdoc_clear(&in->docs[i]);
	free(in->docs);
	free(in->file);
	free(in->folder);
	memset(in, 0, sizeof *in);
}

int npk__winput_scan(const char *path, uint8_t *buf, size_t len, npk__winput *in,
                     const volatile int *cancel, npk_error *err)
{
	memset(in, 0, sizeof *in);
	in->file = strdup(path);
	const char *slash = strrchr(path, '/');
	in->folder = strdup(slash ? slash + 1 : path);
	NPK_FAIL_IF(in->file == NULL || in->folder == NULL, err, NPK_E_NOMEM, "out of memory");
	int rc = npk_path_check(in->folder, strlen(in->folder), err);
	if (rc != NPK_OK) {
		char msg[sizeof err->msg];
		snprintf(msg, sizeof msg, "%s", err ? err->msg : "");
		return npk__fail(err, NPK_E_INPUT, "%s: its name cannot be a folder in an archive: %s",
		                 path, msg);
	}
	npk__warc *w;
	if ((rc = npk__warc_open(path, &w, err)) != NPK_OK)
		return rc;
	size_t cap = 0;
	for (;;) {
		const npk__warc_rec *r;
		if (cancel && *cancel) {
			rc = npk__fail(err, NPK_E_CANCELED, "canceled while reading %s", path);
			break;
		}
		if ((rc = npk__warc_next(w, &r, err)) != NPK_OK || r == NULL)
			break;
		if (!r->is_doc)
			continue;
		if ((rc = keep_doc(in, &cap, r, err)) != NPK_OK)
			break;
		/* read to its end: that sizes it and checks its codings and digests */
		uint64_t size = 0;
		size_t got;
		do {
			rc = npk__warc_read(w, buf, len, &got, err);
			size += got;
		} while (rc == NPK_OK && got > 0);
		in->docs[in->n - 1].size = size;
		if (rc != NPK_OK)
			break;
	}
	npk__warc_stats st;
	npk__warc_get_stats(w, &st);
	npk__warc_close(w);
	if (rc != NPK_OK)
		return rc;
	in->records = st.records;
	in->request = st.request;
	in->metadata = st.metadata;
	in->warcinfo = st.warcinfo;
	in->other = st.conversion + st.continuation + st.other;
	int width = 6;
	for (uint64_t v = st.records / 1000000; v > 0; v /= 10)
		width++;
	for (size_t i = 0; i < in->n; i++)
		if ((rc = name_doc(&in->docs[i], width, err)) != NPK_OK)
			return rc;
	return NPK_OK;
}

/* ---- revisits ---- */

typedef struct ref {
	const npk__wdoc *d;
	const npk__winput *in;
	char key[256];            /* record id, or digest and URI */
} ref;

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

int npk__winput_resolve(npk__winput *in, size_t n,
                        void (*warn)(const char *, const char *, void *), void *ctx,
                        npk_error *err)
{
	size_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += in[i].n;
	ref *ids = calloc(total ? total : 1, sizeof *ids);
	ref *digests = calloc(total ? total : 1, sizeof *digests);
	ref *anyuri = calloc(total ? total : 1, sizeof *anyuri);
	if (ids == NULL || digests == NULL || anyuri == NULL) {
		free(ids);
		free(digests);
		free(anyuri);
		return npk__fail(err, NPK_E_NOMEM, "out of memory");
	}
	size_t ni = 0, nd = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < in[i].n; j++) {
			const npk__wdoc *d = &in[i].docs[j];
			if (d->id) {
				ids[ni] = (ref){d, &in[i], {0}};
				snprintf(ids[ni++].key, sizeof ids->key, "%s", d->id);
			}
			if (d->payload_digest && strcmp(d->type, "revisit") != 0) {
				digests[nd] = (ref){d, &in[i], {0}};
				digest_key(d->payload_digest, d->uri, digests[nd].key);
				anyuri[nd] = (ref){d, &in[i], {0}};
				digest_key(d->payload_digest, NULL, anyuri[nd++].key);
			}
		}
	qsort(ids, ni, sizeof *ids, ref_cmp);
	qsort(digests, nd, sizeof *digests, ref_cmp);
	qsort(anyuri, nd, sizeof *anyuri, ref_cmp);
	for (size_t i = 0; i < n; i++) {
		const npk__wdoc *first = NULL;
		uint64_t missing = 0;
		for (size_t j = 0; j < in[i].n; j++) {
			npk__wdoc *d = &in[i].docs[j];
			if (strcmp(d->type, "revisit") != 0)
				continue;
			ref probe = {0};
			const ref *hit = NULL;
			if (d->refers_to) {
				snprintf(probe.key, sizeof probe.key, "%s", d->refers_to);
				hit = bsearch(&probe, ids, ni, sizeof *ids, ref_cmp);
			}
			if (hit == NULL && d->payload_digest) {
				digest_key(d->payload_digest, d->refers_uri ? d->refers_uri : d->uri, probe.key);
				hit = bsearch(&probe, digests, nd, sizeof *digests, ref_cmp);
			}
			if (hit == NULL && d->payload_digest && d->profile && strstr(d->profile, "uri-agnostic")) {
				digest_key(d->payload_digest, NULL, probe.key);
				hit = bsearch(&probe, anyuri, nd, sizeof *anyuri, ref_cmp);
			}
			if (hit != NULL) {
				d->revisit_of = hit->d->name;
				d->revisit_file = hit->in->folder;
			} else if (missing++ == 0)
				first = d;
		}
		/* one warning a file, naming the first */
		if (missing > 0 && warn != NULL) {
			char why[1024];
			const char *uri = first->refers_uri ? first->refers_uri : first->uri ? first->uri : "(no URI)";
			snprintf(why, sizeof why, "%llu revisit record%s name%s a capture not among the inputs, "
			         "the first record %llu (%s%s%s); stored with what the record%s say",
			         (unsigned long long)missing, missing == 1 ? "" : "s", missing == 1 ? "s" : "",
			         (unsigned long long)first->number, uri, first->refers_date ? " at " : "",
			         first->refers_date ? first->refers_date : "", missing == 1 ? "" : "s");
			warn(in[i].file, why, ctx);
		}
	}
	free(ids);
	free(digests);
	free(anyuri);
	return NPK_OK;
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
	int rc = npk_meta_set(m, key, v, err);
	free(v);
	return rc;
}

int npk__wdoc_meta(const npk__winput *in, const npk__wdoc *d, npk_meta *m, npk_error *err)
{
	char num[3][24];
	snprintf(num[0], sizeof num[0], "%llu", (unsigned long long)d->number);
	snprintf(num[1], sizeof num[1], "%llu", (unsigned long long)d->offset);
	snprintf(num[2], sizeof num[2], "%d", d->status);
	char refers[2 * PATH_MAX];
	refers[0] = 0;
	if (d->revisit_of)
		snprintf(refers, sizeof refers, "%s/%s", d->revisit_file, d->revisit_of);
	const char *const kv[][2] = {
		{"warc.file", in->folder}, {"warc.record", num[0]}, {"warc.offset", num[1]},
		{"warc.type", d->type}, {"warc.target_uri", d->uri}, {"warc.date", d->date},
		{"warc.record_id", d->id}, {"warc.payload_digest", d->payload_digest},
		{"warc.truncated", d->truncated}, {"http.status", d->status ? num[2] : NULL},
		{"http.content_type", d->http_type}, {"warc.refers_to", refers},
		{"warc.refers_to_uri", d->refers_uri}, {"warc.refers_to_date", d->refers_date},
		{"warc.profile", d->profile},
	};
	int rc = NPK_OK;
	for (size_t i = 0; rc == NPK_OK && i < sizeof kv / sizeof *kv; i++)
		rc = put(m, kv[i][0], kv[i][1], err);
	/* the page's own canonical address wins; else where it was captured */
	if (rc == NPK_OK && npk_meta_find(m, "url") == NULL && d->uri && strchr(d->uri, ':'))
		rc = put(m, "url", d->uri, err);
	return rc;
}
