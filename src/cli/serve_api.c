/*
 * serve_api.c - newspack serve: the JSON API, for scripts that should not
 * parse pages. Its objects are those of the command line's --json (list,
 * search), so that what a script learns from one holds for the other.
 *
 *   /api/archives                         the archives served
 *   /api/list?archive=S[&offset=N][&limit=N]   entries in path order (at most 1000)
 *   /api/doc?archive=S&path=P             one entry
 *   /api/raw?archive=S&path=P             its bytes, checked (as /a/S/download/P)
 *   /api/search?archive=S[&archive=...]&q=Q[&limit=N]   as search --json
 *
 * Errors are JSON too: {"error": "...", "message": "..."} with a 4xx or
 * 5xx status.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve.h"

#define LIST_MAX 1000u

static void json_out(sv_resp *r, unsigned status, json_t *j)
{
	char *s = j ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII) : NULL;
	json_decref(j);
	sb_free(&r->body);
	r->status = s ? status : 500;
	r->type = "application/json";
	sb_puts(&r->body, s ? s : "{\"error\": \"out of memory\"}");
	sb_puts(&r->body, "\n");
	free(s);
}

static void json_error(sv_resp *r, unsigned status, const char *code, const char *msg)
{
	json_out(r, status, json_pack("{s:s, s:s}", "error", code, "message", msg));
}

/* An entry as list --json shows it (and its edition in a chain). NULL
 * with err filled when a link's target cannot be read. */
static json_t *entry_json(npk_reader *rd, const npk_entry *e, int chain, npk_error *err)
{
	cli_target t;
	if (e->kind == NPK_KIND_SYMLINK && cli_read_target(rd, e, &t, err) != NPK_OK)
		return NULL;
	json_t *o = cli_entry_json(e, e->kind == NPK_KIND_SYMLINK ? t.s : NULL);
	if (o != NULL && chain)
		json_object_set_new(o, "edition", json_integer(e->edition));
	return o;
}

static json_t *archive_json(const sv_archive *a)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:I, s:I, s:I, s:b, s:b}", "archive",
	                      a->slug, "file", a->file, "title", a->title, "key_id", a->key_id,
	                      "fingerprint", a->fingerprint, "trusted", a->trusted, "created",
	                      (json_int_t)a->created, "documents", (json_int_t)a->documents,
	                      "file_size", (json_int_t)a->file_size, "search_index", a->has_index,
	                      "proofs", a->has_tree);
	if (o != NULL && a->edition > 0) {
		json_object_set_new(o, "edition", json_integer(a->edition));
		json_object_set_new(o, "at_edition", json_integer(a->at_edition));
	}
	return o;
}

/* A whole number argument in [0, max], def when absent; -1 when bad. */
static int64_t num_arg(const sv_req *q, const char *name, int64_t def, int64_t max)
{
	const char *v = q->arg(q->conn, name);
	if (v == NULL)
		return def;
	if (*v == 0 || strlen(v) > 12)
		return -1;
	int64_t n = 0;
	for (; *v; v++) {
		if (*v < '0' || *v > '9')
			return -1;
		n = n * 10 + (*v - '0');
	}
	return n > max ? -1 : n;
}

/* A reader of a, or NULL with r the 503 answer saying why. */
static npk_reader *api_reader(sv_archive *a, sv_resp *r)
{
	npk_error err = {0};
	npk_reader *rd = sv_reader_take(a, &err);
	if (rd == NULL)
		json_error(r, 503, "busy", err.msg);
	return rd;
}

static sv_archive *archive_arg(const sv_req *q, sv_resp *r)
{
	const char *s = q->arg(q->conn, "archive");
	if (s == NULL) {
		if (q->sv->n == 1)
			return &q->sv->a[0];
		json_error(r, 400, "usage", "give archive= (one of /api/archives)");
		return NULL;
	}
	sv_archive *a = sv_find_archive(q->sv, s);
	if (a == NULL)
		json_error(r, 404, "not found", "no archive is served under that name");
	return a;
}

static void api_list(const sv_req *q, sv_resp *r)
{
	sv_archive *a = archive_arg(q, r);
	if (a == NULL)
		return;
	int64_t off = num_arg(q, "offset", 0, INT64_MAX / 2), lim = num_arg(q, "limit", 100, LIST_MAX);
	if (off < 0 || lim < 0) {
		json_error(r, 400, "usage", "offset is a whole number; limit one from 0 to 1000");
		return;
	}
	npk_error err = {0};
	npk_reader *rd = api_reader(a, r);
	if (rd == NULL)
		return;
	json_t *docs = json_array();
	int chain = a->edition > 0;
	for (uint64_t i = (uint64_t)off; docs && i < a->ndocs && i < (uint64_t)off + (uint64_t)lim; i++) {
		const npk_entry *e;
		const char *path = sv_doc_path(a, (uint32_t)i);
		int rc = npk_reader_find(rd, path, &e, &err);
		json_t *o = rc == NPK_OK ? entry_json(rd, e, chain, &err) : NULL;
		if (o == NULL) {
			json_decref(docs);
			sv_reader_give(a, rd);
			json_error(r, sv_status_of(err.code ? err.code : NPK_E_NOMEM),
			           npk_strerror(err.code ? err.code : NPK_E_NOMEM), err.msg);
			return;
		}
		json_array_append_new(docs, o);
	}
	sv_reader_give(a, rd);
	json_out(r, 200, json_pack("{s:s, s:I, s:I, s:o}", "archive", a->slug, "total",
	                           (json_int_t)a->ndocs, "offset", (json_int_t)off, "documents",
	                           docs ? docs : json_array()));
}

static void api_doc(const sv_req *q, sv_resp *r)
{
	sv_archive *a = archive_arg(q, r);
	if (a == NULL)
		return;
	const char *path = q->arg(q->conn, "path");
	if (path == NULL || *path == 0) {
		json_error(r, 400, "usage", "give path=");
		return;
	}
	npk_error err = {0};
	npk_reader *rd = api_reader(a, r);
	if (rd == NULL)
		return;
	const npk_entry *e;
	int rc = npk_reader_find(rd, path, &e, &err);
	json_t *o = rc == NPK_OK ? entry_json(rd, e, a->edition > 0, &err) : NULL;
	sv_reader_give(a, rd);
	if (o == NULL) {
		rc = rc != NPK_OK ? rc : err.code ? err.code : NPK_E_NOMEM;
		json_error(r, sv_status_of(rc), npk_strerror(rc), err.msg);
		return;
	}
	json_object_set_new(o, "archive", json_string(a->slug));
	json_object_set_new(o, "trusted", json_boolean(a->trusted));
	json_object_set_new(o, "key_id", json_string(a->key_id));
	json_out(r, 200, o);
}

static void api_search(const sv_req *q, sv_resp *r)
{
	const char *text = q->arg(q->conn, "q");
	int64_t lim = num_arg(q, "limit", 10, 1000);
	if (text == NULL || *text == 0 || lim < 1) {
		json_error(r, 400, "usage", "give q= and a limit from 1 to 1000");
		return;
	}
	/* archive= once or more; none: every archive */
	sv_archive *want[SV_SEARCH_MAX];
	size_t n = 0;
	const char *one = q->arg(q->conn, "archive");
	if (one != NULL) {
		want[n] = sv_find_archive(q->sv, one);
		if (want[n] == NULL) {
			json_error(r, 404, "not found", "no archive is served under that name");
			return;
		}
		n++;
	} else {
		for (size_t i = 0; i < q->sv->n && n < SV_SEARCH_MAX; i++)
			if (q->sv->a[i].has_index)
				want[n++] = &q->sv->a[i];
	}
	if (n == 0) {
		json_error(r, 404, "not found", "no archive served has a full-text index");
		return;
	}
	npk_error err = {0};
	npk_search_result res = {0};
	int rc = sv_search(want, n, text, (size_t)lim, &res, &err);
	if (rc != NPK_OK) {
		json_error(r, rc == NPK_E_ARG ? 400 : sv_status_of(rc), npk_strerror(rc), err.msg);
		return;
	}
	const char *names[SV_SEARCH_MAX];
	for (size_t i = 0; i < n; i++)
		names[i] = want[i]->slug;
	json_out(r, 200, cli_search_json(&res, names, text));
	npk_search_result_free(&res);
}

void sv_api(const sv_req *q, const char *what, sv_resp *r)
{
	if (strcmp(what, "archives") == 0) {
		json_t *list = json_array();
		for (size_t i = 0; list && i < q->sv->n; i++)
			json_array_append_new(list, archive_json(&q->sv->a[i]));
		json_out(r, 200, json_pack("{s:o}", "archives", list ? list : json_array()));
	} else if (strcmp(what, "list") == 0) {
		api_list(q, r);
	} else if (strcmp(what, "doc") == 0) {
		api_doc(q, r);
	} else if (strcmp(what, "raw") == 0) {
		sv_archive *a = archive_arg(q, r);
		const char *path = q->arg(q->conn, "path");
		if (a == NULL)
			return;
		if (path == NULL || *path == 0) {
			json_error(r, 400, "usage", "give path=");
			return;
		}
		sv_raw(q, a, path, 1, r);
		if (r->status != 200 && r->stream_a == NULL) {
			char why[sizeof r->why];
			snprintf(why, sizeof why, "%s", r->why);
			r->disposition[0] = 0;
			json_error(r, r->status, r->status == 404 ? "not found" : r->status == 503 ? "busy"
			                                                        : "damaged", why);
		}
	} else if (strcmp(what, "search") == 0) {
		api_search(q, r);
	} else {
		json_error(r, 404, "not found", "the API has archives, list, doc, raw and search");
	}
}
