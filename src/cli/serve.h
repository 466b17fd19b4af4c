/*
 * serve.h - newspack serve: archives read in a web browser (cmd_serve.c),
 * their browse index (serve_index.c), the HTML pages (serve_pages.c) and
 * the JSON API (serve_api.c).
 *
 * Every archive is opened at start, its signature checked against the
 * trust set; requests then read it through a pool of readers, one per
 * request at a time (a reader is not shared between threads). No path of
 * a URL reaches the file system: a URL names an archive by its slug and a
 * document by its path inside it, looked up in the archive's index.
 */
#ifndef NPK_SERVE_H
#define NPK_SERVE_H

#include <pthread.h>
#include <stdint.h>

#include "cli.h"

/* ---- A response body being written ---- */

typedef struct sbuf {
	char *p;
	size_t len, cap;
	int nomem;                /* a write failed: the response is a 500 */
} sbuf;

void sb_put(sbuf *b, const void *p, size_t n);
void sb_puts(sbuf *b, const char *s);
void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Text of n bytes as HTML (also fit for attribute values in double
 * quotes): & < > " ' escaped, C0 controls but tab and line ends and DEL
 * dropped, bytes that are not UTF-8 shown as U+FFFD. */
void sb_html(sbuf *b, const char *s, size_t n);
void sb_htmls(sbuf *b, const char *s);
/* s percent-encoded for a URL: every byte but A-Z a-z 0-9 - . _ ~ (and /
 * when keep_slash). */
void sb_url(sbuf *b, const char *s, int keep_slash);
void sb_free(sbuf *b);
/* The length of the UTF-8 character at s (n bytes left, n >= 1), or 0 when
 * the bytes there are not one (overlong, surrogate, above U+10FFFF, cut). */
size_t sv_utf8_len(const unsigned char *s, size_t n);
/* The bytes taken (b emptied); the caller frees them. */
char *sb_take(sbuf *b, size_t *len);

/* ---- Values of a facet (section, source, author): interned ---- */

typedef struct sv_vals {
	char **name;
	uint32_t *count;          /* documents with the value */
	size_t n, cap;
	uint32_t *slot;           /* open addressing: id + 1, 0 empty */
	size_t nslot;
	uint32_t *by_count;       /* ids, most documents first, then by name */
} sv_vals;

/* ---- One archive ---- */

typedef struct sv_capture {
	uint32_t url;             /* offset in the urls arena */
	uint32_t doc;
} sv_capture;

#define SV_NO_DATE 0u
typedef struct sv_doc {
	uint32_t path;            /* offset in the paths arena */
	uint32_t date;            /* YYYYMMDD (DD or MMDD 00 when unknown), 0: none */
	uint32_t section, source; /* value id + 1, 0: none */
	uint32_t author;          /* first of nauthor ids in author_ids */
	uint16_t nauthor;
	uint8_t kind;             /* NPK_KIND_*: every entry is here, in list order */
} sv_doc;

typedef struct sv_archive {
	char slug[64];
	const char *file;         /* as given */
	char *title;              /* the archive's "title" metadata, or the file's name */
	char key_id[17], fingerprint[NPK_FINGERPRINT_LEN];
	int trusted;
	uint64_t created, documents, bytes, file_size;
	uint32_t edition, at_edition;
	int has_index, has_tree;
	/* readers not in use; more are opened while fewer than max are */
	pthread_mutex_t mu;
	npk_reader **idle;
	size_t nidle, open, max;
	npk_reader *first;        /* opened at start: the others share its checks */
	const struct sv_server *sv;
	/* the browse index: every document's path, date and facets */
	char *paths;
	size_t paths_len, paths_cap;
	sv_doc *docs;             /* every entry, in path order */
	size_t ndocs, docs_cap;
	uint32_t *by_date;        /* document numbers, newest date first, then by path */
	size_t ndated;            /* those with a date: by_date[0 .. ndated) */
	uint32_t *author_ids;
	size_t nauthor_ids, author_cap;
	sv_vals sections, sources, authors;
	/* captures of web pages (WARC): target URI -> document */
	char *urls;
	size_t urls_len, urls_cap;
	sv_capture *caps;
	size_t ncaps, caps_cap;
	uint32_t *url_slot;       /* capture number + 1, 0 empty */
	size_t nurl_slot;
	uint64_t index_ms;        /* time the browse index took */
} sv_archive;

typedef struct sv_server {
	sv_archive *a;
	size_t n;
	npk_trust *trust;
	int allow_untrusted;
	npk_chain_opts chain;
	npk_keyring *keys;        /* opens sealed archives (spec/format.md 15.17), or NULL */
	const char *token;        /* required of every request, or NULL */
	const char *password;     /* HTTP basic auth (any user name), or NULL */
	int quiet;
} sv_server;

/* Fills err (when not NULL) and returns code. */
int sv_fail(npk_error *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Opens archive file as a (the first reader), checking its signature;
 * an exit code (0 when it opened). */
int sv_archive_open(sv_server *sv, sv_archive *a, const char *file);
void sv_archive_free(sv_archive *a);
/* A reader of a for this request, and back when done. NULL: none could be
 * opened (err says why). */
npk_reader *sv_reader_take(sv_archive *a, npk_error *err);
void sv_reader_give(sv_archive *a, npk_reader *r);
/* Reads every entry once and builds the browse index and the URL map. */
int sv_index_build(sv_archive *a, npk_error *err);
const char *sv_doc_path(const sv_archive *a, uint32_t d);
/* The document captured from url, or -1. */
int64_t sv_url_find(const sv_archive *a, const char *url);
/* The document (not a folder or link) at path, or -1. */
int64_t sv_path_find(const sv_archive *a, const char *path);
/* The id of value s in v, or -1. */
int64_t sv_vals_find(const sv_vals *v, const char *s);

/* ---- Requests ---- */

/* What a handler answers: status, content type, body, and the headers that
 * differ from a page's (cmd_serve.c adds the security headers). */
typedef struct sv_resp {
	unsigned status;
	const char *type;         /* Content-Type */
	char type_buf[256];       /* type's text when it is not a constant */
	sbuf body;
	char disposition[512];    /* Content-Disposition, or "" */
	char location[2048];      /* Location (a redirect), or "" */
	char why[600];            /* an error page's message, for the API */
	int raw;                  /* archived bytes: CSP sandbox, no script anywhere */
	int frame;                /* an archived page for the sandboxed frame */
	const sv_archive *archive;  /* the archive asked for, or NULL: named by error pages */
	/* a document streamed as it is read (larger than SV_BUFFER_MAX) */
	sv_archive *stream_a;
	char *stream_path;        /* malloc'd */
	uint64_t stream_size;
} sv_resp;

#define SV_BUFFER_MAX (16u << 20)  /* a document sent whole after it is read and checked */

typedef struct sv_req {
	const sv_server *sv;
	const char *method;
	const char *path;         /* decoded, without the query */
	const char *(*arg)(void *conn, const char *name);
	void *conn;
} sv_req;

/* The HTML pages (serve_pages.c); each fills r. */
void sv_page_home(const sv_req *q, sv_resp *r);
void sv_page_archive(const sv_req *q, sv_archive *a, sv_resp *r);
void sv_page_browse(const sv_req *q, sv_archive *a, const char *rest, sv_resp *r);
void sv_page_search(const sv_req *q, sv_archive *a, sv_resp *r);
void sv_page_doc(const sv_req *q, sv_archive *a, const char *path, sv_resp *r);
void sv_page_frame(const sv_req *q, sv_archive *a, const char *path, sv_resp *r);
void sv_page_style(const sv_req *q, sv_archive *a, const char *path, sv_resp *r);
void sv_page_url(const sv_req *q, sv_archive *a, sv_resp *r);
void sv_page_leave(const sv_req *q, sv_resp *r);
void sv_raw(const sv_req *q, sv_archive *a, const char *path, int download, sv_resp *r);
void sv_proof(const sv_req *q, sv_archive *a, const char *path, sv_resp *r);
void sv_error_page(sv_resp *r, unsigned status, const char *title, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
extern const char sv_style_css[];

/* The JSON API (serve_api.c). */
void sv_api(const sv_req *q, const char *what, sv_resp *r);

/* Shared by the pages and the API. */
sv_archive *sv_find_archive(const sv_server *sv, const char *slug);
/* A document read whole and checked into out (at most SV_BUFFER_MAX
 * bytes; larger: NPK_E_LIMIT); *e gets its entry (path, media type and
 * meta valid while r is). */
int sv_read_doc(npk_reader *r, const char *path, const npk_entry **e, sbuf *out,
                npk_error *err);
/* Whether media type t can run script when a browser opens it. */
int sv_active_type(const char *t);
/* npk_search of query in archives a (at most SV_SEARCH_MAX), limit hits
 * with snippets, each archive's reader taken from its pool; the same
 * search made lately is answered from memory (serve_cache.c). res is
 * freed with npk_search_result_free. */
#define SV_SEARCH_MAX 64u
int sv_search(sv_archive *const *a, size_t n, const char *query, size_t limit,
              npk_search_result *res, npk_error *err);
void sv_search_cache_stats(uint64_t *hits, uint64_t *misses);
void sv_search_cache_free(void);
/* The HTTP status of a library error. */
unsigned sv_status_of(int code);

#endif
