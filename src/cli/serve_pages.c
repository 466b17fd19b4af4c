/*
 * serve_pages.c - newspack serve: the HTML pages. Server-rendered, no
 * script, one style sheet; every value from an archive escaped.
 *
 * An archived web page is shown in a frame sandboxed without scripts,
 * forms or same-origin rights, its links rewritten: to the capture of
 * their address when the archive holds one, else to /leave, which asks
 * before the reader's browser reaches the live web; elements that would
 * fetch or navigate by themselves (refresh, prefetch, base) are taken
 * out, and what still tries is stopped by the frame's
 * Content-Security-Policy (cmd_serve.c).
 */
#include <cmark.h>
#include <ctype.h>
#include <iconv.h>
#include <libxml/HTMLparser.h>
#include <libxml/HTMLtree.h>
#include <libxml/uri.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "serve.h"

#define PER_PAGE 50u
#define HITS_PER_PAGE 20u
#define HITS_MAX 1000u             /* search results reachable by paging */

const char sv_style_css[] =
	":root{--fg:#1d1d1f;--muted:#5f6368;--line:#d9d9de;--bg:#fff;--accent:#0b57d0;"
	"--warn:#b3261e;--ok:#146c2e;--mark:#fff2a8}\n"
	"*{box-sizing:border-box}\n"
	"body{margin:0;font:17px/1.55 system-ui,-apple-system,\"Segoe UI\",Roboto,\"Noto Sans\","
	"\"Noto Sans CJK KR\",\"Noto Sans Arabic\",sans-serif;color:var(--fg);background:var(--bg)}\n"
	"header.top{border-bottom:1px solid var(--line);padding:.6rem 1rem;font-size:.95rem}\n"
	"header.top a{color:var(--fg);text-decoration:none}header.top .sep{color:var(--muted);"
	"margin:0 .35rem}\n"
	"main{max-width:60rem;margin:0 auto;padding:1rem}\n"
	"h1{font-size:1.6rem;line-height:1.25;margin:.4rem 0 .8rem}h2{font-size:1.2rem;"
	"margin:1.6rem 0 .5rem}\n"
	"a{color:var(--accent)}\n"
	".muted,.meta{color:var(--muted);font-size:.9rem}\n"
	".banner{padding:.6rem 1rem;border-radius:6px;margin:.6rem 0;font-size:.95rem}\n"
	".untrusted{background:#fce8e6;color:var(--warn);border:1px solid #f4c7c3}\n"
	".trusted{color:var(--ok)}.not-trusted{color:var(--warn);font-weight:600}\n"
	".damage{background:#fce8e6;color:var(--warn);border:1px solid #f4c7c3}\n"
	"table{border-collapse:collapse;width:100%}td,th{text-align:left;vertical-align:top;"
	"padding:.35rem .5rem;border-bottom:1px solid var(--line)}th{font-weight:600;"
	"white-space:nowrap}\n"
	"table.kv th{width:11rem;color:var(--muted);font-weight:500}\n"
	"td.num{text-align:right;white-space:nowrap}\n"
	"ul.docs{list-style:none;padding:0;margin:0}ul.docs li{padding:.55rem 0;"
	"border-bottom:1px solid var(--line)}\n"
	"ul.docs .t{font-weight:600}ul.docs .p{font-size:.8rem;color:var(--muted);"
	"word-break:break-all}\n"
	".snippet{margin:.2rem 0 0}mark{background:var(--mark);color:inherit}\n"
	"ul.facets{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.3rem .9rem}\n"
	"form.search{display:flex;gap:.5rem;flex-wrap:wrap;margin:.6rem 0}\n"
	"form.search input[type=search]{flex:1 1 16rem;font:inherit;padding:.45rem .6rem;"
	"border:1px solid var(--line);border-radius:6px}\n"
	"form.search input,form.search select,form.search button{font:inherit}\n"
	"form.search button{padding:.45rem .9rem;border-radius:6px;border:1px solid var(--accent);"
	"background:var(--accent);color:#fff}\n"
	".filters{display:flex;gap:.5rem;flex-wrap:wrap;font-size:.9rem}\n"
	".filters input{width:8.5rem;padding:.3rem}\n"
	"pre.text{white-space:pre-wrap;word-wrap:break-word;font:inherit;margin:0}\n"
	".byline{margin:.2rem 0;color:var(--muted)}.byline a{color:inherit}\n"
	".lede{font-size:1.1rem;margin:.8rem 0}\n"
	"details.about{margin:1.5rem 0;border-top:1px solid var(--line);padding-top:.5rem}\n"
	"details.about summary{cursor:pointer;color:var(--muted)}\n"
	"article.text{margin:1rem 0}article.text img{max-width:100%}\n"
	"article.md pre{white-space:pre-wrap;background:#f6f6f8;padding:.6rem;border-radius:6px}\n"
	"iframe.page{width:100%;height:75vh;border:1px solid var(--line);border-radius:6px}\n"
	"nav.pages{display:flex;gap:1rem;margin:1rem 0}\n"
	".actions{display:flex;gap:1rem;flex-wrap:wrap;margin:.6rem 0}\n"
	"code,.hash{font-family:ui-monospace,monospace;font-size:.85rem;word-break:break-all}\n"
	"footer{max-width:60rem;margin:2rem auto;padding:0 1rem;color:var(--muted);"
	"font-size:.85rem}\n"
	"@media (max-width:40rem){body{font-size:16px}main{padding:.7rem}table.kv th{width:7rem}"
	"h1{font-size:1.35rem}}\n";

/* ==== The frame of every page ==== */

static void page_start(sbuf *b, const char *title, const sv_archive *a, const char *crumb)
{
	sb_puts(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	           "<meta name=\"referrer\" content=\"no-referrer\"><title>");
	sb_htmls(b, title);
	if (a != NULL) {
		sb_puts(b, " - ");
		sb_htmls(b, a->title);
	}
	sb_puts(b, " - newspack</title><link rel=\"stylesheet\" href=\"/static/style.css\"></head>\n"
	           "<body><header class=\"top\"><a href=\"/\">newspack</a>");
	if (a != NULL) {
		sb_printf(b, "<span class=\"sep\">&rsaquo;</span><a href=\"/a/%s/\">", a->slug);
		sb_htmls(b, a->title);
		sb_puts(b, "</a>");
	}
	if (crumb != NULL) {
		sb_puts(b, "<span class=\"sep\">&rsaquo;</span>");
		sb_htmls(b, crumb);
	}
	sb_puts(b, "</header>\n<main>\n");
	if (a != NULL && !a->trusted) {
		sb_puts(b, "<p class=\"banner untrusted\" id=\"untrusted\">NOT TRUSTED: this archive's "
		           "signature is valid, but its signer, key ");
		sb_htmls(b, a->key_id);
		sb_puts(b, " (fingerprint ");
		sb_htmls(b, a->fingerprint);
		sb_puts(b, "), is not one of the keys this server trusts. It is shown because the "
		           "server was started with --allow-untrusted: nothing proves who made it.</p>\n");
	}
}

static void page_end(sbuf *b)
{
	sb_puts(b, "</main>\n<footer>Served by newspack: every document shown was checked against "
	           "its digest, under the archive's signature.</footer>\n</body></html>\n");
}

static void html_ok(sv_resp *r)
{
	r->status = 200;
	r->type = "text/html; charset=utf-8";
}

void sv_error_page(sv_resp *r, unsigned status, const char *title, const char *fmt, ...)
{
	char msg[sizeof r->why];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	sb_free(&r->body);
	snprintf(r->why, sizeof r->why, "%s", msg);
	r->status = status;
	r->type = "text/html; charset=utf-8";
	r->raw = r->frame = 0;
	r->disposition[0] = 0;
	page_start(&r->body, title, r->archive, NULL);
	sb_printf(&r->body, "<h1>%u ", status);
	sb_htmls(&r->body, title);
	sb_puts(&r->body, "</h1>\n<p class=\"banner damage\" id=\"error\">");
	sb_htmls(&r->body, msg);
	sb_puts(&r->body, "</p>\n<p><a href=\"/\">All archives</a></p>\n");
	page_end(&r->body);
}

static void fmt_time(uint64_t t, char *out, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (gmtime_r(&tt, &tm) == NULL || strftime(out, len, "%Y-%m-%d %H:%M UTC", &tm) == 0)
		snprintf(out, len, "%llu", (unsigned long long)t);
}

static void fmt_size(uint64_t n, char *out, size_t len)
{
	if (n < 1024)
		snprintf(out, len, "%llu B", (unsigned long long)n);
	else if (n < (1u << 20))
		snprintf(out, len, "%.1f KiB", (double)n / 1024);
	else if (n < (1ull << 30))
		snprintf(out, len, "%.1f MiB", (double)n / 1048576);
	else
		snprintf(out, len, "%.2f GiB", (double)n / 1073741824);
}

static void trust_cell(sbuf *b, const sv_archive *a)
{
	sb_puts(b, "key <code>");
	sb_htmls(b, a->key_id);
	sb_puts(b, "</code> ");
	sb_puts(b, a->trusted ? "<span class=\"trusted\" data-trust=\"trusted\">trusted</span>"
	                      : "<span class=\"not-trusted\" data-trust=\"untrusted\">NOT trusted</span>");
}

/* A number argument (page=), 1 when absent or bad. */
static size_t arg_num(const sv_req *q, const char *name, size_t max)
{
	const char *v = q->arg(q->conn, name);
	if (v == NULL || *v == 0)
		return 1;
	size_t n = 0;
	for (; *v; v++) {
		if (*v < '0' || *v > '9' || n > max)
			return 1;
		n = n * 10 + (size_t)(*v - '0');
	}
	return n < 1 ? 1 : n > max ? max : n;
}

/* ==== Home ==== */

void sv_page_home(const sv_req *q, sv_resp *r)
{
	sbuf *b = &r->body;
	html_ok(r);
	page_start(b, "Archives", NULL, NULL);
	size_t untrusted = 0;
	for (size_t i = 0; i < q->sv->n; i++)
		untrusted += !q->sv->a[i].trusted;
	if (untrusted > 0)
		sb_printf(b, "<p class=\"banner untrusted\" id=\"untrusted\">NOT TRUSTED: %zu of "
		          "these archives %s signed by a key this server does not trust (marked "
		          "below). They are shown because the server was started with "
		          "--allow-untrusted: nothing proves who made them.</p>\n", untrusted,
		          untrusted == 1 ? "is" : "are");
	sb_printf(b, "<h1>%zu archive%s</h1>\n<table id=\"archives\"><thead><tr><th>Archive</th>"
	          "<th>Signer</th><th>Created</th><th class=\"num\">Documents</th>"
	          "<th class=\"num\">Size</th></tr></thead><tbody>\n", q->sv->n,
	          q->sv->n == 1 ? "" : "s");
	for (size_t i = 0; i < q->sv->n; i++) {
		const sv_archive *a = &q->sv->a[i];
		char when[40], size[32];
		fmt_time(a->created, when, sizeof when);
		fmt_size(a->file_size, size, sizeof size);
		sb_printf(b, "<tr data-archive=\"%s\"><td><a href=\"/a/%s/\">", a->slug, a->slug);
		sb_htmls(b, a->title);
		sb_puts(b, "</a><div class=\"meta\">");
		sb_htmls(b, a->file);
		if (a->edition > 0)
			sb_printf(b, " &middot; edition %u of a chain", a->at_edition);
		if (a->has_index)
			sb_puts(b, " &middot; searchable");
		sb_puts(b, "</div></td><td>");
		trust_cell(b, a);
		sb_printf(b, "</td><td>%s</td><td class=\"num\">%llu</td><td class=\"num\">%s</td></tr>\n",
		          when, (unsigned long long)a->documents, size);
	}
	sb_puts(b, "</tbody></table>\n");
	page_end(b);
}

/* ==== Lists of documents ==== */

/* One document of a list: its title (from its entry), date and path. */
static void doc_item(sbuf *b, const sv_archive *a, npk_reader *r, uint32_t d)
{
	const char *path = sv_doc_path(a, d);
	const npk_entry *e = NULL;
	npk_error err = {0};
	const char *title = NULL, *date = NULL, *section = NULL, *source = NULL;
	if (r != NULL && npk_reader_find(r, path, &e, &err) == NPK_OK && e->meta != NULL) {
		title = npk_meta_find(e->meta, "title");
		date = npk_meta_find(e->meta, "date");
		section = npk_meta_find(e->meta, "section");
		source = npk_meta_find(e->meta, "source");
	}
	sb_printf(b, "<li><a class=\"t\" href=\"/a/%s/doc/", a->slug);
	sb_url(b, path, 1);
	sb_puts(b, "\">");
	sb_htmls(b, title && *title ? title : path);
	sb_puts(b, "</a><div class=\"meta\">");
	int sep = 0;
	const char *parts[] = {date, section, source};
	for (int i = 0; i < 3; i++) {
		if (parts[i] == NULL || *parts[i] == 0)
			continue;
		if (sep++)
			sb_puts(b, " &middot; ");
		sb_htmls(b, parts[i]);
	}
	sb_puts(b, "</div><div class=\"p\">");
	sb_htmls(b, path);
	sb_puts(b, "</div></li>\n");
}

typedef int (*doc_pred)(const sv_archive *a, uint32_t d, const void *ctx);

/* The documents of by_date[lo, hi) for which keep holds, page `page`
 * of PER_PAGE, with links to the pages before and after. */
static void doc_list(sbuf *b, const sv_req *q, sv_archive *a, size_t lo, size_t hi, doc_pred keep,
                     const void *ctx, const char *base)
{
	size_t page = arg_num(q, "page", 1000000), skip = (page - 1) * PER_PAGE, total = 0, shown = 0;
	npk_error err = {0};
	npk_reader *r = sv_reader_take(a, &err);
	sb_puts(b, "<ul class=\"docs\" id=\"docs\">\n");
	for (size_t i = lo; i < hi; i++) {
		uint32_t d = a->by_date[i];
		if (keep && !keep(a, d, ctx))
			continue;
		if (total >= skip && shown < PER_PAGE) {
			doc_item(b, a, r, d);
			shown++;
		}
		total++;
	}
	sv_reader_give(a, r);
	sb_puts(b, "</ul>\n");
	if (total == 0)
		sb_puts(b, "<p class=\"muted\">No documents.</p>\n");
	sb_printf(b, "<p class=\"muted\" id=\"count\" data-count=\"%zu\">%zu document%s", total,
	          total, total == 1 ? "" : "s");
	if (total > PER_PAGE)
		sb_printf(b, ", page %zu of %zu", page, (total + PER_PAGE - 1) / PER_PAGE);
	sb_puts(b, "</p>\n<nav class=\"pages\">");
	if (page > 1) {
		sb_puts(b, "<a rel=\"prev\" href=\"");
		sb_htmls(b, base);
		sb_printf(b, "?page=%zu\">&larr; newer</a>", page - 1);
	}
	if (skip + PER_PAGE < total) {
		sb_puts(b, "<a rel=\"next\" href=\"");
		sb_htmls(b, base);
		sb_printf(b, "?page=%zu\">older &rarr;</a>", page + 1);
	}
	sb_puts(b, "</nav>\n");
}

/* by_date[*lo, *hi): the documents dated in [from, to] (YYYYMMDD). */
static void date_range(const sv_archive *a, uint32_t from, uint32_t to, size_t *lo, size_t *hi)
{
	size_t l = 0, h = a->ndated;
	while (l < h) {      /* the first date <= to (newest first) */
		size_t m = l + (h - l) / 2;
		if (a->docs[a->by_date[m]].date > to)
			l = m + 1;
		else
			h = m;
	}
	*lo = l;
	h = a->ndated;
	while (l < h) {      /* the first date < from */
		size_t m = l + (h - l) / 2;
		if (a->docs[a->by_date[m]].date >= from)
			l = m + 1;
		else
			h = m;
	}
	*hi = l;
}

static const char *const months[] = {"", "January", "February", "March", "April", "May",
                                     "June", "July", "August", "September", "October",
                                     "November", "December"};

/* The counts of the next unit down (years, months of a year, days of a
 * month) over by_date[lo, hi). */
static void date_units(sbuf *b, const sv_archive *a, size_t lo, size_t hi, unsigned div,
                       unsigned mod, const char *base)
{
	sb_puts(b, "<ul class=\"facets\" id=\"dates\">\n");
	size_t i = lo;
	while (i < hi) {
		unsigned u = a->docs[a->by_date[i]].date / div % mod;
		size_t j = i;
		while (j < hi && a->docs[a->by_date[j]].date / div % mod == u)
			j++;
		if (u == 0) {
			sb_printf(b, "<li class=\"muted\">%s not given: %zu</li>\n",
			          div == 1 ? "day" : "month", j - i);
		} else if (div == 10000) {
			sb_printf(b, "<li><a href=\"%s%u\">%u</a> <span class=\"muted\">%zu</span></li>\n",
			          base, u, u, j - i);
		} else if (div == 100) {
			sb_printf(b, "<li><a href=\"%s%02u\">%s</a> <span class=\"muted\">%zu</span></li>\n",
			          base, u, months[u], j - i);
		} else {
			sb_printf(b, "<li><a href=\"%s%02u\">%u</a> <span class=\"muted\">%zu</span></li>\n",
			          base, u, u, j - i);
		}
		i = j;
	}
	sb_puts(b, "</ul>\n");
}

static void facet_values(sbuf *b, const sv_archive *a, const sv_vals *v, const char *kind,
                         size_t most)
{
	sb_printf(b, "<ul class=\"facets\" id=\"%s\">\n", kind);
	for (size_t i = 0; i < v->n && i < most; i++) {
		uint32_t id = v->by_count[i];
		sb_printf(b, "<li><a href=\"/a/%s/browse/%s/", a->slug, kind);
		sb_url(b, v->name[id], 0);
		sb_puts(b, "\">");
		sb_htmls(b, v->name[id]);
		sb_printf(b, "</a> <span class=\"muted\">%u</span></li>\n", v->count[id]);
	}
	if (v->n > most)
		sb_printf(b, "<li><a href=\"/a/%s/browse/%s/\">all %zu &rarr;</a></li>\n", a->slug, kind,
		          v->n);
	sb_puts(b, "</ul>\n");
}

static void search_form(sbuf *b, const sv_archive *a, const char *q)
{
	sb_printf(b, "<form class=\"search\" method=\"get\" action=\"/a/%s/search\" role=\"search\">"
	          "<input type=\"search\" name=\"q\" aria-label=\"Search\" placeholder=\"Search: "
	          "words, &quot;a phrase&quot;, title:word, date:2024-01..2024-03\" value=\"", a->slug);
	sb_htmls(b, q ? q : "");
	sb_puts(b, "\"><button type=\"submit\">Search</button></form>\n");
}

/* ==== An archive ==== */

static int is_document(const sv_archive *a, uint32_t d, const void *ctx)
{
	(void)ctx;
	return a->docs[d].kind == NPK_KIND_DOCUMENT;
}


void sv_page_archive(const sv_req *q, sv_archive *a, sv_resp *r)
{
	sbuf *b = &r->body;
	html_ok(r);
	page_start(b, "Archive", a, NULL);
	sb_puts(b, "<h1 id=\"title\">");
	sb_htmls(b, a->title);
	sb_puts(b, "</h1>\n");
	char when[40], size[32];
	fmt_time(a->created, when, sizeof when);
	fmt_size(a->file_size, size, sizeof size);
	sb_puts(b, "<table class=\"kv\" id=\"info\"><tr><th>Signer</th><td>");
	trust_cell(b, a);
	sb_puts(b, "<div class=\"hash\">");
	sb_htmls(b, a->fingerprint);
	sb_printf(b, "</div></td></tr>\n<tr><th>Created</th><td>%s</td></tr>\n"
	          "<tr><th>Documents</th><td id=\"documents\">%llu</td></tr>\n"
	          "<tr><th>File</th><td>", when, (unsigned long long)a->documents);
	sb_htmls(b, a->file);
	sb_printf(b, " (%s)", size);
	if (a->edition > 0)
		sb_printf(b, "; edition %u of %u of a chain", a->at_edition, a->edition);
	sb_puts(b, "</td></tr></table>\n");
	if (a->has_index)
		search_form(b, a, NULL);
	else
		sb_puts(b, "<p class=\"muted\">This archive has no full-text index "
		           "(newspack search-index adds one).</p>\n");
	char base[128];
	snprintf(base, sizeof base, "/a/%s/browse/date/", a->slug);
	if (a->ndated > 0) {
		sb_puts(b, "<h2>By year</h2>\n");
		date_units(b, a, 0, a->ndated, 10000, 10000, base);
	}
	if (a->sections.n) {
		sb_puts(b, "<h2>Sections</h2>\n");
		facet_values(b, a, &a->sections, "section", 30);
	}
	if (a->sources.n) {
		sb_puts(b, "<h2>Sources</h2>\n");
		facet_values(b, a, &a->sources, "source", 30);
	}
	if (a->authors.n) {
		sb_puts(b, "<h2>Authors</h2>\n");
		facet_values(b, a, &a->authors, "author", 30);
	}
	sb_puts(b, "<h2>Newest</h2>\n");
	snprintf(base, sizeof base, "/a/%s/browse/all", a->slug);
	doc_list(b, q, a, 0, a->ndocs, is_document, NULL, base);
	page_end(b);
}

/* ==== Browsing ==== */

typedef struct facet_pred {
	int kind;                 /* 0 section, 1 source, 2 author */
	uint32_t id;              /* value id + 1 */
} facet_pred;

static int has_facet(const sv_archive *a, uint32_t d, const void *ctx)
{
	const facet_pred *f = ctx;
	const sv_doc *x = &a->docs[d];
	if (f->kind == 0)
		return x->section == f->id;
	if (f->kind == 1)
		return x->source == f->id;
	for (uint32_t i = 0; i < x->nauthor; i++)
		if (a->author_ids[x->author + i] == f->id)
			return 1;
	return 0;
}

/* Reads n digits of s: the value, or -1. */
static int digits(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static void browse_date(const sv_req *q, sv_archive *a, const char *rest, sv_resp *r)
{
	sbuf *b = &r->body;
	char base[160], title[64];
	size_t n = strlen(rest);
	int y = -1, m = 0, d = 0;
	if (n > 0 && (n < 4 || (y = digits(rest, 4)) < 1 ||
	              (n > 4 && (rest[4] != '/' || n < 7 || (m = digits(rest + 5, 2)) < 1 || m > 12)) ||
	              (n > 7 && (rest[7] != '/' || n != 10 || (d = digits(rest + 8, 2)) < 1 || d > 31)))) {
		sv_error_page(r, 404, "Not found", "dates are browsed as date/YYYY, date/YYYY/MM and "
		              "date/YYYY/MM/DD");
		return;
	}
	html_ok(r);
	if (y < 0) {
		page_start(b, "By date", a, "by date");
		sb_puts(b, "<h1>By date</h1>\n");
		snprintf(base, sizeof base, "/a/%s/browse/date/", a->slug);
		date_units(b, a, 0, a->ndated, 10000, 10000, base);
		sb_printf(b, "<p class=\"muted\">%zu of %llu documents have a date.</p>\n", a->ndated,
		          (unsigned long long)a->documents);
		page_end(b);
		return;
	}
	uint32_t from = (uint32_t)y * 10000 + (uint32_t)m * 100 + (uint32_t)d, to = from;
	if (m == 0)
		to = (uint32_t)y * 10000 + 9999;
	else if (d == 0)
		to = from + 99;
	size_t lo, hi;
	date_range(a, from, to, &lo, &hi);
	if (m == 0)
		snprintf(title, sizeof title, "%04d", y);
	else if (d == 0)
		snprintf(title, sizeof title, "%s %04d", months[m], y);
	else
		snprintf(title, sizeof title, "%04d-%02d-%02d", y, m, d);
	page_start(b, title, a, title);
	sb_printf(b, "<h1>%s</h1>\n", title);
	if (d == 0) {
		snprintf(base, sizeof base, "/a/%s/browse/date/%04d/%s", a->slug, y, m ? "" : "");
		if (m == 0)
			date_units(b, a, lo, hi, 100, 100, base);
		else {
			snprintf(base, sizeof base, "/a/%s/browse/date/%04d/%02d/", a->slug, y, m);
			date_units(b, a, lo, hi, 1, 100, base);
		}
	}
	snprintf(base, sizeof base, "/a/%s/browse/date/%s", a->slug, rest);
	doc_list(b, q, a, lo, hi, NULL, NULL, base);
	page_end(b);
}

void sv_page_browse(const sv_req *q, sv_archive *a, const char *rest, sv_resp *r)
{
	static const char *const kinds[] = {"section", "source", "author"};
	sbuf *b = &r->body;
	if (strncmp(rest, "date", 4) == 0 && (rest[4] == 0 || rest[4] == '/')) {
		browse_date(q, a, rest[4] ? rest + 5 : "", r);
		return;
	}
	if (strcmp(rest, "all") == 0) {
		html_ok(r);
		page_start(b, "All documents", a, "all documents");
		sb_puts(b, "<h1>All documents, newest first</h1>\n");
		char base[128];
		snprintf(base, sizeof base, "/a/%s/browse/all", a->slug);
		doc_list(b, q, a, 0, a->ndocs, is_document, NULL, base);
		page_end(b);
		return;
	}
	for (int k = 0; k < 3; k++) {
		size_t n = strlen(kinds[k]);
		if (strncmp(rest, kinds[k], n) != 0 || (rest[n] != 0 && rest[n] != '/'))
			continue;
		const sv_vals *v = k == 0 ? &a->sections : k == 1 ? &a->sources : &a->authors;
		const char *name = rest[n] ? rest + n + 1 : "";
		html_ok(r);
		if (*name == 0) {
			char t[32];
			snprintf(t, sizeof t, "%ss", kinds[k]);
			page_start(b, t, a, t);
			sb_printf(b, "<h1>%zu %s%s</h1>\n", v->n, kinds[k], v->n == 1 ? "" : "s");
			facet_values(b, a, v, kinds[k], (size_t)-1);
			page_end(b);
			return;
		}
		int64_t id = sv_vals_find(v, name);
		if (id < 0) {
			sv_error_page(r, 404, "Not found", "no document has the %s \"%s\"", kinds[k], name);
			return;
		}
		page_start(b, name, a, kinds[k]);
		sb_printf(b, "<h1><span class=\"muted\">%s:</span> ", kinds[k]);
		sb_htmls(b, name);
		sb_puts(b, "</h1>\n");
		facet_pred f = {k, (uint32_t)id + 1};
		sbuf base = {0};
		sb_printf(&base, "/a/%s/browse/%s/", a->slug, kinds[k]);
		sb_url(&base, name, 0);
		doc_list(b, q, a, 0, a->ndocs, has_facet, &f, base.p ? base.p : "");
		sb_free(&base);
		page_end(b);
		return;
	}
	sv_error_page(r, 404, "Not found", "browse by date, section, source or author");
}

/* ==== Search ==== */

/* A filter argument fit for a field:"value" (no quote in it), or NULL. */
static const char *filter_arg(const sv_req *q, const char *name)
{
	const char *v = q->arg(q->conn, name);
	if (v == NULL || *v == 0 || strchr(v, '"') != NULL || strlen(v) > 200)
		return NULL;
	return v;
}

static int date_arg_ok(const char *v)
{
	size_t n = strlen(v);
	if (n != 4 && n != 7 && n != 10)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (i == 4 || i == 7 ? v[i] != '-' : (v[i] < '0' || v[i] > '9'))
			return 0;
	return 1;
}

void sv_page_search(const sv_req *q, sv_archive *a, sv_resp *r)
{
	sbuf *b = &r->body;
	const char *text = q->arg(q->conn, "q");
	const char *from = q->arg(q->conn, "from"), *to = q->arg(q->conn, "to");
	const char *section = filter_arg(q, "section"), *source = filter_arg(q, "source");
	const char *lang = filter_arg(q, "lang");
	if (!a->has_index) {
		sv_error_page(r, 404, "No index", "this archive has no full-text index: 'newspack "
		              "search-index' writes one");
		return;
	}
	if (from && *from && !date_arg_ok(from))
		from = NULL;
	if (to && *to && !date_arg_ok(to))
		to = NULL;
	sbuf query = {0};
	if (text && *text)
		sb_printf(&query, "(%s)", text);
	if ((from && *from) || (to && *to))
		sb_printf(&query, " date:%s..%s", from ? from : "", to ? to : "");
	if (section)
		sb_printf(&query, " section:\"%s\"", section);
	if (source)
		sb_printf(&query, " source:\"%s\"", source);
	if (lang)
		sb_printf(&query, " lang:%s", lang);
	size_t page = arg_num(q, "page", HITS_MAX / HITS_PER_PAGE);
	html_ok(r);
	page_start(b, text && *text ? text : "Search", a, "search");
	search_form(b, a, text);
	sb_puts(b, "<form class=\"search filters\" method=\"get\" action=\"\">");
	sb_puts(b, "<input type=\"hidden\" name=\"q\" value=\"");
	sb_htmls(b, text ? text : "");
	sb_puts(b, "\"><label>from <input name=\"from\" placeholder=\"YYYY-MM-DD\" value=\"");
	sb_htmls(b, from ? from : "");
	sb_puts(b, "\"></label><label>to <input name=\"to\" placeholder=\"YYYY-MM-DD\" value=\"");
	sb_htmls(b, to ? to : "");
	sb_puts(b, "\"></label><label>section <input name=\"section\" value=\"");
	sb_htmls(b, section ? section : "");
	sb_puts(b, "\"></label><label>language <input name=\"lang\" value=\"");
	sb_htmls(b, lang ? lang : "");
	sb_puts(b, "\"></label><button type=\"submit\">Filter</button></form>\n");
	if (query.len == 0) {
		sb_puts(b, "<p class=\"muted\">Type words to search for.</p>\n");
		page_end(b);
		return;
	}
	npk_error err = {0};
	npk_search_result res = {0};
	int rc = sv_search(&a, 1, query.p, page * HITS_PER_PAGE, &res, &err);
	if (rc != NPK_OK) {
		r->status = rc == NPK_E_ARG ? 400 : sv_status_of(rc);
		sb_puts(b, "<p class=\"banner damage\" id=\"error\">");
		sb_htmls(b, err.msg);
		sb_puts(b, "</p>\n");
		page_end(b);
		sb_free(&query);
		return;
	}
	sb_printf(b, "<p id=\"matched\" data-matched=\"%llu\">%s%llu document%s match", (unsigned long long)res.matched,
	          res.matched_exact ? "" : "about ", (unsigned long long)res.matched,
	          res.matched == 1 ? "" : "s");
	sb_puts(b, " <code>");
	/* the query as typed, or as the filters made it */
	int filtered = (from && *from) || (to && *to) || section || source || lang;
	sb_htmls(b, filtered || !text ? query.p : text);
	sb_puts(b, "</code></p>\n<ul class=\"docs\" id=\"hits\">\n");
	for (size_t i = (page - 1) * HITS_PER_PAGE; i < res.nhits; i++) {
		const npk_search_hit *h = &res.hits[i];
		sb_printf(b, "<li><a class=\"t\" href=\"/a/%s/doc/", a->slug);
		sb_url(b, h->path, 1);
		sb_puts(b, "\">");
		sb_htmls(b, h->title && *h->title ? h->title : h->path);
		sb_puts(b, "</a><div class=\"meta\">");
		if (h->date) {
			sb_htmls(b, h->date);
			sb_puts(b, " &middot; ");
		}
		sb_printf(b, "score %.2f</div>", h->score);
		if (h->snippet && *h->snippet) {
			sb_puts(b, "<p class=\"snippet\">");
			size_t at = 0, len = strlen(h->snippet);
			for (size_t k = 0; k < h->nmarks; k++) {
				size_t s0 = (size_t)h->marks[2 * k], s1 = (size_t)h->marks[2 * k + 1];
				if (s0 < at || s1 > len || s0 > s1)
					continue;
				sb_html(b, h->snippet + at, s0 - at);
				sb_puts(b, "<mark>");
				sb_html(b, h->snippet + s0, s1 - s0);
				sb_puts(b, "</mark>");
				at = s1;
			}
			sb_html(b, h->snippet + at, len - at);
			sb_puts(b, "</p>");
		}
		sb_puts(b, "<div class=\"p\">");
		sb_htmls(b, h->path);
		sb_puts(b, "</div></li>\n");
	}
	sb_puts(b, "</ul>\n<nav class=\"pages\">");
	sbuf link = {0};
	sb_printf(&link, "/a/%s/search?q=", a->slug);
	sb_url(&link, text ? text : "", 0);
	const char *keys[] = {"from", "to", "section", "lang"};
	const char *vals[] = {from, to, section, lang};
	for (int i = 0; i < 4; i++)
		if (vals[i] && *vals[i]) {
			sb_printf(&link, "&%s=", keys[i]);
			sb_url(&link, vals[i], 0);
		}
	if (page > 1) {
		sb_puts(b, "<a rel=\"prev\" href=\"");
		sb_htmls(b, link.p);
		sb_printf(b, "&amp;page=%zu\">&larr; better</a>", page - 1);
	}
	if (res.nhits == page * HITS_PER_PAGE && res.matched > res.nhits &&
	    page * HITS_PER_PAGE < HITS_MAX) {
		sb_puts(b, "<a rel=\"next\" href=\"");
		sb_htmls(b, link.p);
		sb_printf(b, "&amp;page=%zu\">more &rarr;</a>", page + 1);
	}
	sb_puts(b, "</nav>\n");
	sb_free(&link);
	sb_free(&query);
	npk_search_result_free(&res);
	page_end(b);
}

/* ==== A document ==== */

/* The charset of media type t ("" when none), at most 63 bytes. */
static void charset_of(const char *t, char cs[64])
{
	cs[0] = 0;
	const char *p = t;
	while (p != NULL && *p && strncasecmp(p, "charset=", 8) != 0)
		p++;
	if (p == NULL || *p == 0)
		return;
	p += 8;
	if (*p == '"')
		p++;
	size_t n = strcspn(p, "\"; ");
	if (n >= 64)
		return;
	memcpy(cs, p, n);
	cs[n] = 0;
}

/* Text in charset cs as UTF-8 (as it is when cs is UTF-8, unknown or
 * the conversion fails: sb_html then shows bad bytes as U+FFFD). */
static char *to_utf8(const char *s, size_t n, const char *cs, size_t *out_len)
{
	*out_len = 0;
	if (cs[0] == 0 || strcasecmp(cs, "utf-8") == 0 || strcasecmp(cs, "utf8") == 0 ||
	    strcasecmp(cs, "us-ascii") == 0)
		return NULL;
	iconv_t cd = iconv_open("UTF-8", cs);
	if (cd == (iconv_t)-1)
		return NULL;
	size_t cap = n * 4 + 16, left = cap;
	char *out = malloc(cap), *o = out, *in = (char *)(uintptr_t)s;
	size_t inleft = n;
	if (out == NULL || iconv(cd, &in, &inleft, &o, &left) == (size_t)-1) {
		free(out);
		iconv_close(cd);
		return NULL;
	}
	iconv_close(cd);
	*out_len = cap - left;
	return out;
}

/* Whether node (a heading) says exactly title: its one child, text. */
static int heading_is(cmark_node *node, const char *title)
{
	cmark_node *c = cmark_node_first_child(node);
	const char *t = c ? cmark_node_get_literal(c) : NULL;
	return title && c && cmark_node_get_type(c) == CMARK_NODE_TEXT && cmark_node_next(c) == NULL &&
	       t && strcmp(t, title) == 0;
}

/* Markdown as HTML by cmark; raw HTML in it shown as text, not run; a
 * first heading that repeats the title (shown above it) left out. */
static void markdown(sbuf *b, const char *s, size_t n, const char *title)
{
	/* front matter (shown above, as metadata) */
	if (n >= 4 && (strncmp(s, "---\n", 4) == 0 || strncmp(s, "---\r\n", 5) == 0)) {
		for (size_t i = 3; i + 4 <= n; i++)
			if (s[i] == '\n' && strncmp(s + i + 1, "---", 3) == 0 &&
			    (i + 4 == n || s[i + 4] == '\n' || s[i + 4] == '\r')) {
				size_t e = i + 4;
				while (e < n && s[e] != '\n')
					e++;
				s += e;
				n -= e;
				break;
			}
	}
	cmark_node *doc = cmark_parse_document(s, n, CMARK_OPT_DEFAULT | CMARK_OPT_VALIDATE_UTF8);
	if (doc == NULL) {
		sb_puts(b, "<pre class=\"text\">");
		sb_html(b, s, n);
		sb_puts(b, "</pre>");
		return;
	}
	/* HTML nodes become code (blocks) and text (inline), after the walk */
	size_t cap = 0, k = 0;
	cmark_node **html = NULL;
	cmark_iter *it = cmark_iter_new(doc);
	cmark_event_type ev;
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *node = cmark_iter_get_node(it);
		cmark_node_type t = cmark_node_get_type(node);
		if (ev != CMARK_EVENT_ENTER || (t != CMARK_NODE_HTML_BLOCK && t != CMARK_NODE_HTML_INLINE))
			continue;
		if (k == cap) {
			cap = cap ? cap * 2 : 16;
			cmark_node **v = realloc(html, cap * sizeof *v);
			if (v == NULL)
				break;
			html = v;
		}
		html[k++] = node;
	}
	cmark_iter_free(it);
	for (size_t i = 0; i < k; i++) {
		int block = cmark_node_get_type(html[i]) == CMARK_NODE_HTML_BLOCK;
		cmark_node *t = cmark_node_new(block ? CMARK_NODE_CODE_BLOCK : CMARK_NODE_TEXT);
		if (t == NULL)
			continue;
		cmark_node_set_literal(t, cmark_node_get_literal(html[i]));
		cmark_node_replace(html[i], t);
		cmark_node_free(html[i]);
	}
	free(html);
	cmark_node *first = cmark_node_first_child(doc);
	if (first && cmark_node_get_type(first) == CMARK_NODE_HEADING && heading_is(first, title)) {
		cmark_node_unlink(first);
		cmark_node_free(first);
	}
	char *out = cmark_render_html(doc, CMARK_OPT_DEFAULT);
	if (out != NULL)
		sb_puts(b, out);
	free(out);
	cmark_node_free(doc);
}

static int to_nothing(const uint8_t *buf, size_t len, void *ctx)
{
	(void)buf;
	(void)len;
	(void)ctx;
	return 0;
}

static int is_type(const char *t, const char *want)
{
	size_t n = strlen(want);
	return t && strncasecmp(t, want, n) == 0 && (t[n] == 0 || t[n] == ';' || t[n] == ' ');
}

/* The linked values of a facet key (author, section, source). */
static void facet_link(sbuf *b, const sv_archive *a, const char *k, const char *v)
{
	sb_printf(b, "<a href=\"/a/%s/browse/%s/", a->slug, k);
	sb_url(b, v, 0);
	sb_puts(b, "\">");
	sb_htmls(b, v);
	sb_puts(b, "</a>");
}

/* By AUTHOR, AUTHOR - DATE - SECTION - SOURCE, each linked to its list. */
static void byline(sbuf *b, const sv_archive *a, const npk_meta *m)
{
	static const char *const keys[] = {"author", "date", "section", "source"};
	int any = 0;
	sb_puts(b, "<p class=\"byline\" id=\"byline\">");
	for (int k = 0; k < 4 && m; k++) {
		int first = 1;
		for (size_t i = 0; i < npk_meta_count(m); i++) {
			const char *key, *v;
			npk_meta_get(m, i, &key, &v);
			if (strcmp(key, keys[k]) != 0 || *v == 0)
				continue;
			if (first && any)
				sb_puts(b, " <span class=\"sep\">&middot;</span> ");
			else if (!first)
				sb_puts(b, ", ");
			if (first && k == 0)
				sb_puts(b, "By ");
			if (k == 1)
				sb_htmls(b, v);
			else
				facet_link(b, a, keys[k], v);
			first = 0;
			any = 1;
			if (k == 1)
				break;    /* one date */
		}
	}
	sb_puts(b, "</p>\n");
}

/* Every metadata key once, its values together (in order), then what
 * names and checks the document. */
static void meta_table(sbuf *b, const sv_archive *a, const npk_entry *e, const char *path,
                       const char *mt)
{
	const npk_meta *m = e->meta;
	size_t n = m ? npk_meta_count(m) : 0;
	sb_puts(b, "<table class=\"kv\" id=\"meta\">\n");
	for (size_t i = 0; i < n; i++) {
		const char *k, *v;
		npk_meta_get(m, i, &k, &v);
		int seen = 0;
		for (size_t j = 0; j < i && !seen; j++) {
			const char *k2, *v2;
			npk_meta_get(m, j, &k2, &v2);
			seen = strcmp(k, k2) == 0;
		}
		if (seen)
			continue;
		sb_puts(b, "<tr><th>");
		sb_htmls(b, k);
		sb_puts(b, "</th><td>");
		int facet = strcmp(k, "author") == 0 || strcmp(k, "section") == 0 ||
		            strcmp(k, "source") == 0;
		int addr = strcmp(k, "url") == 0 || strcmp(k, "warc.target_uri") == 0;
		int count = 0;
		for (size_t j = i; j < n; j++) {
			const char *k2, *v2;
			npk_meta_get(m, j, &k2, &v2);
			if (strcmp(k, k2) != 0)
				continue;
			if (count++)
				sb_puts(b, facet || addr ? "<br>" : ", ");
			if (facet) {
				facet_link(b, a, k, v2);
			} else if (addr) {
				sb_puts(b, "<a href=\"/leave?u=");
				sb_url(b, v2, 0);
				sb_puts(b, "\">");
				sb_htmls(b, v2);
				sb_puts(b, "</a>");
			} else {
				sb_htmls(b, v2);
			}
		}
		sb_puts(b, "</td></tr>\n");
	}
	char size[32], hex[65];
	fmt_size(e->size, size, sizeof size);
	cli_hex(e->digest, 32, hex);
	sb_puts(b, "<tr><th>Path</th><td class=\"hash\">");
	sb_htmls(b, path);
	sb_puts(b, "</td></tr>\n<tr><th>Type</th><td>");
	sb_htmls(b, mt);
	sb_printf(b, ", %s</td></tr>\n<tr><th>BLAKE2b-256</th><td class=\"hash\">%s</td></tr>\n"
	          "<tr><th>Signer</th><td id=\"signer\">", size, hex);
	trust_cell(b, a);
	sb_puts(b, "<div class=\"hash\">");
	sb_htmls(b, a->fingerprint);
	sb_puts(b, "</div>");
	if (a->edition > 0)
		sb_printf(b, "in edition %u", e->edition);
	sb_puts(b, "</td></tr>\n</table>\n");
}

/* A reader of a, or NULL with r the 503 page saying why. */
static npk_reader *reader_or_busy(sv_archive *a, sv_resp *r)
{
	npk_error err = {0};
	npk_reader *rd = sv_reader_take(a, &err);
	if (rd == NULL)
		sv_error_page(r, 503, "Busy", "%s", err.msg);
	return rd;
}

/* A reader of a and the entry of document path in it, or NULL with r
 * filled with the error page (503 busy, 404, or the damage). The caller
 * gives the reader back. */
static npk_reader *doc_take(sv_archive *a, const char *path, const npk_entry **e, sv_resp *r)
{
	npk_error err = {0};
	npk_reader *rd = reader_or_busy(a, r);
	if (rd == NULL)
		return NULL;
	int rc = npk_reader_find(rd, path, e, &err);
	if (rc == NPK_OK && (*e)->kind == NPK_KIND_DOCUMENT)
		return rd;
	sv_reader_give(a, rd);
	if (rc == NPK_OK || rc == NPK_E_NOTFOUND)
		sv_error_page(r, 404, "Not found", "%s holds no document \"%s\"", a->slug, path);
	else
		sv_error_page(r, sv_status_of(rc), "Damaged archive", "%s", err.msg);
	return NULL;
}

void sv_page_doc(const sv_req *q, sv_archive *a, const char *path, sv_resp *r)
{
	(void)q;
	sbuf *b = &r->body;
	npk_error err = {0};
	const npk_entry *e;
	npk_reader *rd = doc_take(a, path, &e, r);
	if (rd == NULL)
		return;
	int rc;
	const char *mt = e->media_type ? e->media_type : "application/octet-stream";
	int html = is_type(mt, "text/html") || is_type(mt, "application/xhtml+xml");
	int md = is_type(mt, "text/markdown") || is_type(mt, "text/x-markdown");
	int text = is_type(mt, "text/plain") || is_type(mt, "text/csv");
	int image = !sv_active_type(mt) && strncasecmp(mt, "image/", 6) == 0;
	sbuf content = {0};
	int damaged = 0;
	char why[600] = "";
	if (e->size <= SV_BUFFER_MAX) {
		/* the text shown is read here; any other document (a page shown
		 * in the frame, an image, a download) is read and let go, so that
		 * its page says so when it is damaged rather than look whole */
		const npk_entry *e2;
		if (md || text)
			rc = sv_read_doc(rd, path, &e2, &content, &err);
		else
			rc = npk_reader_read(rd, e, to_nothing, NULL, &err);
		if (rc != NPK_OK) {
			damaged = 1;
			snprintf(why, sizeof why, "%s", err.msg);
		}
		/* find again: the entry read above may be another call's */
		if (npk_reader_find(rd, path, &e, &err) != NPK_OK) {
			sv_reader_give(a, rd);
			sb_free(&content);
			sv_error_page(r, 500, "Damaged archive", "%s", err.msg);
			return;
		}
	}
	const npk_meta *m = e->meta;
	const char *title = m ? npk_meta_find(m, "title") : NULL;
	if (damaged) {
		r->status = 500;
		r->type = "text/html; charset=utf-8";
	} else {
		html_ok(r);
	}
	page_start(b, title && *title ? title : path, a, NULL);
	sb_puts(b, "<article>\n<h1 id=\"title\">");
	sb_htmls(b, title && *title ? title : path);
	sb_puts(b, "</h1>\n");
	if (damaged) {
		sb_puts(b, "<p class=\"banner damage\" id=\"error\">DAMAGED: ");
		sb_htmls(b, why);
		sb_puts(b, " Nothing of this document is shown.</p>\n");
	}
	byline(b, a, m);
	sb_puts(b, "<p class=\"meta\" id=\"signed\">Signed by ");
	trust_cell(b, a);
	sb_puts(b, "</p>\n");
	const char *lede = m ? npk_meta_find(m, "description") : NULL;
	if (lede && *lede && !damaged) {
		sb_puts(b, "<p class=\"lede\">");
		sb_htmls(b, lede);
		sb_puts(b, "</p>\n");
	}
	if (!damaged) {
		if (md) {
			char cs[64];
			size_t un;
			charset_of(mt, cs);
			char *u = to_utf8(content.p, content.len, cs, &un);
			sb_puts(b, "<article class=\"text md\" id=\"text\">\n");
			markdown(b, u ? u : content.p ? content.p : "", u ? un : content.len, title);
			sb_puts(b, "</article>\n");
			free(u);
		} else if (text) {
			char cs[64];
			size_t un;
			charset_of(mt, cs);
			char *u = to_utf8(content.p, content.len, cs, &un);
			sb_puts(b, "<article class=\"text\" id=\"text\"><pre class=\"text\">");
			sb_html(b, u ? u : content.p ? content.p : "", u ? un : content.len);
			sb_puts(b, "</pre></article>\n");
			free(u);
		} else if (html) {
			sb_printf(b, "<p class=\"muted\">The page as it was archived, in a frame that runs "
			          "no script and fetches nothing from outside this server.</p>\n"
			          "<iframe class=\"page\" id=\"page\" sandbox=\"allow-popups "
			          "allow-popups-to-escape-sandbox\" referrerpolicy=\"no-referrer\" "
			          "src=\"/a/%s/frame/", a->slug);
			sb_url(b, path, 1);
			sb_puts(b, "\" title=\"the archived page\"></iframe>\n");
		} else if (image) {
			sb_printf(b, "<p><img id=\"image\" alt=\"\" src=\"/a/%s/raw/", a->slug);
			sb_url(b, path, 1);
			sb_puts(b, "\"></p>\n");
		} else if (md || text) {
			sb_puts(b, "<p class=\"muted\">Too large to show here: download it.</p>\n");
		} else {
			sb_puts(b, "<p class=\"muted\">This document is ");
			sb_htmls(b, mt);
			sb_puts(b, ": download it to open it.</p>\n");
		}
	}
	sb_puts(b, "<p class=\"actions\">");
	sb_printf(b, "<a href=\"/a/%s/download/", a->slug);
	sb_url(b, path, 1);
	sb_puts(b, "\" id=\"download\">Download the original</a>");
	if (a->has_tree) {
		sb_printf(b, "<a href=\"/a/%s/proof/", a->slug);
		sb_url(b, path, 1);
		sb_puts(b, "\" id=\"proof\">Proof that it is in the signed archive</a>");
	}
	sb_puts(b, "</p>\n<details class=\"about\"><summary>Metadata and integrity</summary>\n");
	meta_table(b, a, e, path, mt);
	sb_puts(b, "</details>\n</article>\n");
	sb_free(&content);
	sv_reader_give(a, rd);
	page_end(b);
}

/* ==== The original bytes, and proofs ==== */

static void attachment(sv_resp *r, const char *path, const char *ext)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	char name[200];
	size_t k = 0;
	for (const char *p = base; *p && k < sizeof name - 1; p++)
		name[k++] = (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\') ? *p : '_';
	name[k] = 0;
	sbuf enc = {0};
	sb_url(&enc, base, 0);
	snprintf(r->disposition, sizeof r->disposition, "attachment; filename=\"%s%s\"; "
	         "filename*=UTF-8''%s%s", name, ext, enc.p ? enc.p : "", ext);
	sb_free(&enc);
}

void sv_raw(const sv_req *q, sv_archive *a, const char *path, int download, sv_resp *r)
{
	(void)q;
	npk_error err = {0};
	const npk_entry *e;
	npk_reader *rd = doc_take(a, path, &e, r);
	if (rd == NULL)
		return;
	int rc;
	const char *mt = e->media_type ? e->media_type : "application/octet-stream";
	int active = sv_active_type(mt);
	/* the type's text is copied: e is valid only while rd is ours */
	snprintf(r->type_buf, sizeof r->type_buf, "%s", active ? "application/octet-stream" : mt);
	r->type = r->type_buf;
	r->raw = 1;
	if (download || active)
		attachment(r, path, "");
	if (e->size > SV_BUFFER_MAX) {
		r->status = 200;
		r->stream_a = a;
		r->stream_size = e->size;
		r->stream_path = strdup(path);
		sv_reader_give(a, rd);
		if (r->stream_path == NULL)
			sv_error_page(r, 503, "Busy", "out of memory");
		return;
	}
	rc = sv_read_doc(rd, path, &e, &r->body, &err);
	sv_reader_give(a, rd);
	if (rc != NPK_OK) {
		sv_error_page(r, sv_status_of(rc), "Damaged document", "%s", err.msg);
		return;
	}
	r->status = 200;
}

void sv_proof(const sv_req *q, sv_archive *a, const char *path, sv_resp *r)
{
	(void)q;
	npk_error err = {0};
	npk_reader *rd = reader_or_busy(a, r);
	if (rd == NULL)
		return;
	npk_proof p;
	memset(&p, 0, sizeof p);
	char *text = NULL;
	size_t len = 0;
	int rc = npk_prove(rd, path, &p, &err);
	if (rc == NPK_OK)
		rc = npk_proof_format(&p, &text, &len, &err);
	npk_proof_clear(&p);
	sv_reader_give(a, rd);
	if (rc != NPK_OK) {
		sv_error_page(r, sv_status_of(rc), rc == NPK_E_NOTFOUND ? "No proof" : "Damaged archive",
		              "%s", err.msg);
		return;
	}
	sb_put(&r->body, text, len);
	free(text);
	r->status = 200;
	r->type = "text/plain; charset=utf-8";
	r->raw = 1;
	attachment(r, path, ".npkproof");
}

/* ==== Archived web pages ==== */

typedef struct rewrite {
	const sv_archive *a;
	const char *base;         /* the page's address, or NULL */
	const char *self;         /* its path in the archive */
	int changed;
} rewrite;

/* A page stored without its web address (a saved page among others) has
 * its relative addresses resolved against its own path under this base. */
#define LOCAL_BASE "http://archive.invalid/"

static int is_page_name(const char *path)
{
	const char *dot = strrchr(path, '.');
	return dot && (strcasecmp(dot, ".html") == 0 || strcasecmp(dot, ".htm") == 0 ||
	               strcasecmp(dot, ".xhtml") == 0);
}

/* What an address is for: a link (its page in the frame), a stylesheet
 * (its addresses rewritten in turn), anything else (its bytes). */
enum { AS_RAW = 0, AS_LINK = 1, AS_STYLE = 2 };

static const char *route_of(int as, const char *path)
{
	return as == AS_LINK && is_page_name(path) ? "frame" : as == AS_STYLE ? "style" : "raw";
}

/* The address on this server of the document at u (under LOCAL_BASE),
 * and its #fragment for links; -1 when the archive holds none there. */
static int local_url(const rewrite *w, const char *u, int as, sbuf *b)
{
	size_t n = strcspn(u, "?#");
	char *path = xmlURIUnescapeString(u, (int)n, NULL);
	int64_t d = path && strlen(path) > 0 ? sv_path_find(w->a, path) : -1;
	if (d >= 0) {
		sb_printf(b, "/a/%s/%s/", w->a->slug, route_of(as, path));
		sb_url(b, path, 1);
		if (as == AS_LINK && strchr(u, '#'))
			sb_puts(b, strchr(u, '#'));
	}
	xmlFree(path);
	return d >= 0 ? 0 : -1;
}

/* What an address of the page becomes: the capture, for links its page,
 * for stylesheets their rewritten text and for the rest its bytes; a link
 * elsewhere goes through /leave; anything else is dropped (NULL). */
static char *rewrite_url(const rewrite *w, const char *v, int as)
{
	int link = as == AS_LINK;
	while (*v == ' ' || *v == '\t' || *v == '\n' || *v == '\r')
		v++;
	if (*v == '#' && link)
		return strdup(v);
	xmlChar *abs = NULL;
	if (w->base) {
		abs = xmlBuildURI((const xmlChar *)v, (const xmlChar *)w->base);
	} else {
		sbuf local = {0};
		sb_puts(&local, LOCAL_BASE);
		sb_url(&local, w->self, 1);
		if (!local.nomem)
			abs = xmlBuildURI((const xmlChar *)v, (const xmlChar *)local.p);
		sb_free(&local);
	}
	if (abs == NULL)
		return NULL;
	const char *u = (const char *)abs;
	int web = strncasecmp(u, "http://", 7) == 0 || strncasecmp(u, "https://", 8) == 0;
	char *out = NULL;
	sbuf b = {0};
	if (w->base == NULL && strncmp(u, LOCAL_BASE, strlen(LOCAL_BASE)) == 0) {
		local_url(w, u + strlen(LOCAL_BASE), as, &b);
	} else if (web) {
		/* the capture of the address, without its fragment */
		char *nofrag = strdup(u);
		char *hash = nofrag ? strchr(nofrag, '#') : NULL;
		if (hash)
			*hash = 0;
		int64_t d = nofrag ? sv_url_find(w->a, nofrag) : -1;
		if (d >= 0) {
			sb_printf(&b, "/a/%s/%s/", w->a->slug,
			          link ? "frame" : as == AS_STYLE ? "style" : "raw");
			sb_url(&b, sv_doc_path(w->a, (uint32_t)d), 1);
			if (link && strchr(u, '#'))
				sb_puts(&b, strchr(u, '#'));
		} else if (link) {
			sb_puts(&b, "/leave?u=");
			sb_url(&b, u, 0);
		}
		free(nofrag);
	} else if (link && strncasecmp(u, "mailto:", 7) == 0) {
		sb_puts(&b, "/leave?u=");
		sb_url(&b, u, 0);
	}
	if (b.len > 0 && !b.nomem) {
		size_t n;
		out = sb_take(&b, &n);
	}
	sb_free(&b);
	xmlFree(abs);
	return out;
}

/* ---- Addresses in CSS: url(...) and @import "..." ---- */

static int css_ident(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c >= 0x80;
}

static int css_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* The value of a CSS string or unquoted url at s[*i] (quote: its quote
 * character, or 0 for an unquoted url, ended by ')' or space), escapes
 * undone (a hex escape kept when it is not ASCII), into v; *i after it.
 * 0, or -1 when it does not end. */
static int css_value(const char *s, size_t n, size_t *i, int quote, sbuf *v)
{
	size_t k = *i;
	while (k < n) {
		unsigned char c = (unsigned char)s[k];
		if (quote ? c == quote : (c == ')' || css_space(c)))
			break;
		if (quote && (c == '\n' || c == '\r' || c == '\f'))
			return -1;
		if (c == '\\' && k + 1 < n) {
			unsigned h = 0, nh = 0;
			while (nh < 6 && k + 1 + nh < n && isxdigit((unsigned char)s[k + 1 + nh])) {
				int d = (unsigned char)s[k + 1 + nh];
				h = h * 16 + (unsigned)(isdigit(d) ? d - '0' : (tolower(d) - 'a' + 10));
				nh++;
			}
			if (nh > 0) {
				if (h > 0 && h < 0x80) {
					char ch = (char)h;
					sb_put(v, &ch, 1);
				} else {
					sb_put(v, s + k, nh + 1);
				}
				k += 1 + nh;
				if (k < n && css_space((unsigned char)s[k]))
					k++;
			} else {
				sb_put(v, s + k + 1, 1);
				k += 2;
			}
			continue;
		}
		sb_put(v, s + k, 1);
		k++;
	}
	if (k >= n)
		return -1;
	*i = k;
	return 0;
}

/* url("NEW") for the address v (what rewrite_url makes of it, or nothing:
 * url(""), which a browser loads nothing from). */
static void css_put_url(const rewrite *w, const char *v, int as, sbuf *out)
{
	char *nv = rewrite_url(w, v, as);
	sb_puts(out, "url(\"");
	if (nv != NULL)
		sb_puts(out, nv);   /* percent-encoded: no quote, backslash or line end */
	sb_puts(out, "\")");
	free(nv);
}

/* CSS text s with every address in url(...) and @import rewritten; the
 * rest as it is. Comments and strings are passed over; what cannot be
 * read (a string or url that does not end) is cut there. */
static void css_rewrite(const rewrite *w, const char *s, size_t n, sbuf *out)
{
	size_t i = 0, from = 0;
	int import = 0;           /* just after @import */
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		if (c == '/' && i + 1 < n && s[i + 1] == '*') {
			const char *e = NULL;
			for (size_t k = i + 2; k + 1 < n; k++)
				if (s[k] == '*' && s[k + 1] == '/') {
					e = s + k + 2;
					break;
				}
			i = e ? (size_t)(e - s) : n;
			continue;
		}
		if (c == '"' || c == '\'') {
			size_t k = i + 1;
			sbuf v = {0};
			if (css_value(s, n, &k, c, &v) != 0) {
				sb_free(&v);
				sb_put(out, s + from, i - from);
				return;
			}
			if (import && !v.nomem) {
				sb_put(out, s + from, i - from);
				css_put_url(w, v.p ? v.p : "", AS_STYLE, out);
				from = k + 1;
			}
			sb_free(&v);
			import = 0;
			i = k + 1;
			continue;
		}
		if (c == '@' && i + 7 <= n && strncasecmp(s + i + 1, "import", 6) == 0 &&
		    (i + 7 == n || !css_ident((unsigned char)s[i + 7]))) {
			import = 1;
			i += 7;
			continue;
		}
		if ((c == 'u' || c == 'U') && i + 4 <= n && strncasecmp(s + i, "url(", 4) == 0 &&
		    (i == 0 || !css_ident((unsigned char)s[i - 1]))) {
			size_t k = i + 4;
			while (k < n && css_space((unsigned char)s[k]))
				k++;
			int q = k < n && (s[k] == '"' || s[k] == '\'') ? s[k] : 0;
			if (q)
				k++;
			sbuf v = {0};
			if (css_value(s, n, &k, q, &v) != 0) {
				sb_free(&v);
				sb_put(out, s + from, i - from);
				return;
			}
			if (q)
				k++;
			while (k < n && css_space((unsigned char)s[k]))
				k++;
			if (k >= n || s[k] != ')') {
				sb_free(&v);
				sb_put(out, s + from, i - from);
				return;
			}
			sb_put(out, s + from, i - from);
			if (!v.nomem)
				css_put_url(w, v.p ? v.p : "", import ? AS_STYLE : AS_RAW, out);
			sb_free(&v);
			import = 0;
			i = from = k + 1;
			continue;
		}
		if (!css_space(c))
			import = 0;
		i++;
	}
	sb_put(out, s + from, n - from);
}

/* The text of node n (a style element's, or an attribute's) rewritten as
 * CSS; NULL when out of memory. */
static char *css_of(const rewrite *w, const char *text)
{
	sbuf out = {0};
	css_rewrite(w, text, strlen(text), &out);
	size_t n;
	if (out.nomem) {
		sb_free(&out);
		return NULL;
	}
	if (out.p == NULL)
		return strdup("");
	return sb_take(&out, &n);
}

static int attr_is(const xmlAttr *at, const char *name)
{
	return at->name && xmlStrcasecmp(at->name, (const xmlChar *)name) == 0;
}

static void rewrite_node(rewrite *w, xmlNode *n)
{
	for (xmlNode *c = n; c != NULL;) {
		xmlNode *next = c->next;
		if (c->type == XML_ELEMENT_NODE) {
			const char *name = (const char *)c->name;
			xmlChar *rel = xmlGetProp(c, (const xmlChar *)"rel");
			xmlChar *equiv = xmlGetProp(c, (const xmlChar *)"http-equiv");
			int drop = strcasecmp(name, "base") == 0 || strcasecmp(name, "script") == 0 ||
			           (strcasecmp(name, "meta") == 0 && equiv &&
			            xmlStrcasecmp(equiv, (const xmlChar *)"refresh") == 0) ||
			           (strcasecmp(name, "link") == 0 &&
			            !(rel && xmlStrcasestr(rel, (const xmlChar *)"stylesheet")));
			xmlFree(rel);
			xmlFree(equiv);
			if (drop) {
				xmlUnlinkNode(c);
				xmlFreeNode(c);
				c = next;
				continue;
			}
			int is_link = strcasecmp(name, "a") == 0 || strcasecmp(name, "area") == 0;
			int is_sheet = strcasecmp(name, "link") == 0;   /* only stylesheets are left */
			if (strcasecmp(name, "style") == 0) {
				for (xmlNode *t = c->children; t != NULL; t = t->next) {
					if (t->type != XML_TEXT_NODE && t->type != XML_CDATA_SECTION_NODE)
						continue;
					xmlChar *v = xmlNodeGetContent(t);
					char *nv = v ? css_of(w, (const char *)v) : NULL;
					xmlNodeSetContent(t, (const xmlChar *)(nv ? nv : ""));
					xmlFree(v);
					free(nv);
					w->changed = 1;
				}
			}
			for (xmlAttr *at = c->properties; at != NULL;) {
				xmlAttr *an = at->next;
				const char *aname = (const char *)at->name;
				int url = attr_is(at, "href") || attr_is(at, "src") || attr_is(at, "action") ||
				          attr_is(at, "formaction") || attr_is(at, "background") ||
				          attr_is(at, "poster") || attr_is(at, "data") || attr_is(at, "cite") ||
				          attr_is(at, "longdesc") || attr_is(at, "manifest") || attr_is(at, "codebase");
				/* srcdoc: a page of its own, whose addresses are not rewritten */
				int gone = attr_is(at, "srcset") || attr_is(at, "ping") ||
				           attr_is(at, "srcdoc") ||
				           (aname && strncasecmp(aname, "on", 2) == 0);
				int style = attr_is(at, "style");
				if (style || url) {
					/* the value rewritten: CSS, or an address; none left: dropped */
					xmlChar *v = xmlNodeGetContent((xmlNode *)at);
					int as = attr_is(at, "href") ? is_link ? AS_LINK : is_sheet ? AS_STYLE : AS_RAW
					                             : AS_RAW;
					char *nv = v == NULL ? NULL : style ? css_of(w, (const char *)v)
					                                    : rewrite_url(w, (const char *)v, as);
					xmlFree(v);
					if (nv != NULL)
						xmlSetProp(c, at->name, (const xmlChar *)nv);
					else
						xmlRemoveProp(at);
					free(nv);
					w->changed = 1;
				} else if (gone) {
					xmlRemoveProp(at);
				}
				at = an;
			}
			if (c->children)
				rewrite_node(w, c->children);
		}
		c = next;
	}
}

/* Document path of a read and checked into raw, with its web address
 * (base, "" when it has none) and media type; -1 with r filled with the
 * error page. */
static int read_capture(sv_archive *a, const char *path, sv_resp *r, sbuf *raw,
                        char base[2048], char mt[256])
{
	npk_error err = {0};
	npk_reader *rd = reader_or_busy(a, r);
	if (rd == NULL)
		return -1;
	const npk_entry *e;
	int rc = sv_read_doc(rd, path, &e, raw, &err);
	base[0] = mt[0] = 0;
	if (rc == NPK_OK) {
		const char *u = e->meta ? npk_meta_find(e->meta, "warc.target_uri") : NULL;
		if (u == NULL && e->meta)
			u = npk_meta_find(e->meta, "url");
		if (u)
			snprintf(base, 2048, "%s", u);
		snprintf(mt, 256, "%s", e->media_type ? e->media_type : "");
	}
	sv_reader_give(a, rd);
	if (rc != NPK_OK) {
		sb_free(raw);
		sv_error_page(r, sv_status_of(rc), rc == NPK_E_NOTFOUND ? "Not found" : "Damaged document",
		              "%s", err.msg);
		return -1;
	}
	return 0;
}

/* /a/SLUG/style/PATH: a stylesheet for an archived page in the frame, its
 * addresses (url(), @import) rewritten to the archive as the page's are. */
void sv_page_style(const sv_req *q, sv_archive *a, const char *path, sv_resp *r)
{
	(void)q;
	sbuf raw = {0};
	char base[2048], mt[256];
	if (read_capture(a, path, r, &raw, base, mt) != 0)
		return;
	if (!is_type(mt, "text/css")) {
		sb_free(&raw);
		sv_error_page(r, 404, "Not a stylesheet", "\"%s\" is not a stylesheet", path);
		return;
	}
	rewrite w = {a, base[0] ? base : NULL, path, 0};
	css_rewrite(&w, raw.p ? raw.p : "", raw.len, &r->body);
	sb_free(&raw);
	r->status = 200;
	/* its own charset, if it says one: the bytes are the stored ones, but
	 * for the addresses */
	char cs[64];
	charset_of(mt, cs);
	if (cs[0]) {
		snprintf(r->type_buf, sizeof r->type_buf, "text/css; charset=%s", cs);
		r->type = r->type_buf;
	} else {
		r->type = "text/css";
	}
	r->raw = 1;
}

void sv_page_frame(const sv_req *q, sv_archive *a, const char *path, sv_resp *r)
{
	(void)q;
	sbuf raw = {0};
	char base[2048], mt[256];
	if (read_capture(a, path, r, &raw, base, mt) != 0)
		return;
	if (!is_type(mt, "text/html") && !is_type(mt, "application/xhtml+xml")) {
		sb_free(&raw);
		sv_error_page(r, 404, "Not a page", "\"%s\" is not an HTML page", path);
		return;
	}
	char cs[64];
	charset_of(mt, cs);
	htmlDocPtr doc = htmlReadMemory(raw.p ? raw.p : "", (int)(raw.len > INT32_MAX ? INT32_MAX : raw.len),
	                                base[0] ? base : NULL, cs[0] ? cs : NULL,
	                                HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
	                                HTML_PARSE_NONET | HTML_PARSE_NODEFDTD);
	sb_free(&raw);
	if (doc == NULL) {
		sv_error_page(r, 500, "Unreadable page", "the page could not be parsed");
		return;
	}
	rewrite w = {a, base[0] ? base : NULL, path, 0};
	rewrite_node(&w, xmlDocGetRootElement(doc));
	xmlChar *out = NULL;
	int n = 0;
	htmlDocDumpMemoryFormat(doc, &out, &n, 0);
	xmlFreeDoc(doc);
	if (out == NULL) {
		sv_error_page(r, 500, "Unreadable page", "the page could not be written out");
		return;
	}
	sb_put(&r->body, out, (size_t)n);
	xmlFree(out);
	r->status = 200;
	r->type = "text/html; charset=utf-8";
	r->frame = 1;
}

/* /a/SLUG/url?u=ADDRESS: the capture of an address. */
void sv_page_url(const sv_req *q, sv_archive *a, sv_resp *r)
{
	const char *u = q->arg(q->conn, "u");
	if (u == NULL || *u == 0) {
		sv_error_page(r, 400, "No address", "give the captured page's address as ?u=");
		return;
	}
	int64_t d = sv_url_find(a, u);
	if (d < 0) {
		sv_error_page(r, 404, "Not captured", "this archive holds no capture of %s", u);
		return;
	}
	sbuf b = {0};
	sb_printf(&b, "/a/%s/doc/", a->slug);
	sb_url(&b, sv_doc_path(a, (uint32_t)d), 1);
	snprintf(r->location, sizeof r->location, "%s", b.p ? b.p : "/");
	sb_free(&b);
	r->status = 302;
	r->type = "text/plain; charset=utf-8";
}

/* /leave?u=ADDRESS: a link out of the archive, opened only on purpose. */
void sv_page_leave(const sv_req *q, sv_resp *r)
{
	const char *u = q->arg(q->conn, "u");
	sbuf *b = &r->body;
	html_ok(r);
	page_start(b, "Leaving the archive", NULL, NULL);
	sb_puts(b, "<h1>This link leaves the archive</h1>\n");
	if (u == NULL || *u == 0) {
		sb_puts(b, "<p>No address was given.</p>\n");
		page_end(b);
		return;
	}
	sb_puts(b, "<p>The page links to an address that this server does not hold:</p>\n"
	           "<p class=\"hash\" id=\"address\">");
	sb_htmls(b, u);
	sb_puts(b, "</p>\n<p>Opening it connects your browser to that site, which then learns your "
	           "network address and what you are reading. The page there today may differ from "
	           "what was archived, or be gone.</p>\n");
	if (strncasecmp(u, "http://", 7) == 0 || strncasecmp(u, "https://", 8) == 0) {
		sb_puts(b, "<p><a id=\"go\" rel=\"noopener noreferrer\" target=\"_blank\" href=\"");
		sb_htmls(b, u);
		sb_puts(b, "\">Open it anyway, in a new tab</a></p>\n");
	}
	page_end(b);
}
