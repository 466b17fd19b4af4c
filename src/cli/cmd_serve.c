/*
 * cmd_serve.c - newspack serve: the archives' pages and JSON API over HTTP
 * (GNU libmicrohttpd), every document byte checked against its digest
 * before it is sent.
 *
 * Each connection has a thread of its own (libmicrohttpd's thread per
 * connection), which mostly waits on its socket; the work of a request
 * (reading, checking, making the page) waits for a slot of the gate, one
 * queue in the order requests came, so that under load every request
 * waits its turn rather than behind the others of one thread. A request
 * takes a reader of its archive from the archive's pool (serve_index.c)
 * and gives it back. Bounds: the connections at once (and so the
 * threads), per client, the request's memory (headers and URL), a 30 s
 * idle timeout, URLs of at most 4096 bytes, the requests worked on at once,
 * documents sent whole up to 16 MiB (read and checked first) and streamed
 * beyond, at most 8 streams at once and 256 MiB of response bodies held at
 * once.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>
#include <sodium.h>

#include "serve.h"

#define URL_MAX 4096u
#define HELD_MAX (256u << 20)     /* response bodies held in memory at once */
#define STREAMS_MAX 8
#define STREAM_RING (1u << 20)
#define CONNECTIONS_MAX 512u      /* and so threads */
#define PER_CLIENT_MAX 256u
#define THREAD_STACK (1u << 20)

static void serve_help(FILE *f)
{
	fprintf(f,
	        "Usage: newspack serve [-p PUBKEY] [--listen ADDR:PORT] [--allow-untrusted]\n"
	        "                      [--token-file F | --password-file F]\n"
	        "                      [--tls-cert F --tls-key F] [--threads N] [-q]\n"
	        "                      [--chain FILE]... [--at EDITION|DATE] [-k KEY]...\n"
	        "                      [--passphrase-file F] ARCHIVE...\n"
	        "\n"
	        "Serves the archives to a web browser: a home page listing them; per archive,\n"
	        "browsing by date, section, source and author, search (when it has a full-text\n"
	        "index) and each article with its metadata, signer and trust; the original\n"
	        "bytes and per-article proofs as downloads; web captures (WARC) by their\n"
	        "original address. Beside the pages, a JSON API: /api/archives, /api/list,\n"
	        "/api/doc, /api/raw and /api/search (see newspack(1)).\n"
	        "\n"
	        "Every byte sent is covered by a digest checked first, as cat checks it; a\n"
	        "damaged document gives an error naming the damage. Archived web pages are\n"
	        "shown in a sandboxed frame that runs no script and sends no request outside\n"
	        "the server; their links to the live web go through a page that asks first.\n"
	        "The results of the last searches (at most 512, 64 MiB) are kept: the same\n"
	        "search again is answered from memory.\n"
	        "\n" CLI_TRUST_HELP
	        "  --listen ADDR:PORT  where to listen (default 127.0.0.1:8080; [::1]:8080 for\n"
	        "                      IPv6). Another address than loopback needs --token-file\n"
	        "                      or --password-file\n"
	        "  --allow-untrusted   serve archives whose signer is not trusted (every page\n"
	        "                      then says so)\n"
	        "  --token-file F      every request must carry the token in F's first line:\n"
	        "                      ?token=T once (then a cookie) or 'Authorization: Bearer T'\n"
	        "  --password-file F   HTTP basic authentication with the password in F's\n"
	        "                      first line (any user name)\n"
	        "  --tls-cert F, --tls-key F\n"
	        "                      HTTPS with this PEM certificate and key (else put a TLS\n"
	        "                      reverse proxy in front when the network is not trusted)\n"
	        "  --threads N         requests worked on at once, the others waiting their\n"
	        "                      turn in the order they came (default: one more than\n"
	        "                      the cores, so that a core is not idle while a request\n"
	        "                      waits for a read or a send)\n"
	        "  -q                  no log line per request\n"
	        CLI_CHAIN_HELP CLI_KEY_HELP
	        "                      (a sealed archive is served to whoever reaches the server:\n"
	        "                      keep it on loopback, or behind --token-file or\n"
	        "                      --password-file and TLS)\n"
	        "  -h, --help          show this help\n"
	        "\n"
	        "Stops cleanly on Ctrl-C (SIGINT) or SIGTERM. Exit status: 0 after a clean\n"
	        "stop, 1 an archive that does not verify at start, 2 usage or a port that\n"
	        "cannot be used, 3 an untrusted signer.\n");
}

/* ==== Shared helpers ==== */

sv_archive *sv_find_archive(const sv_server *sv, const char *slug)
{
	for (size_t i = 0; i < sv->n; i++)
		if (strcmp(sv->a[i].slug, slug) == 0)
			return &sv->a[i];
	return NULL;
}

unsigned sv_status_of(int code)
{
	switch (code) {
	case NPK_E_NOTFOUND: return 404;
	case NPK_E_ARG: case NPK_E_INPUT: return 400;
	case NPK_E_LIMIT: case NPK_E_NOMEM: return 503;
	case NPK_E_UNTRUSTED: return 403;
	default: return 500;   /* damage (digest, format, signature) and I/O */
	}
}

int sv_active_type(const char *t)
{
	static const char *const safe[] = {
		"text/plain", "text/markdown", "text/csv", "image/png", "image/jpeg", "image/gif",
		"image/webp", "image/avif", "audio/mpeg", "audio/ogg", "audio/wav", "video/mp4",
		"video/webm", "video/ogg", "application/pdf", "application/json",
	};
	if (t == NULL)
		return 1;
	size_t n = strcspn(t, "; ");
	for (size_t i = 0; i < sizeof safe / sizeof *safe; i++)
		if (strlen(safe[i]) == n && strncasecmp(t, safe[i], n) == 0)
			return 0;
	return 1;
}

typedef struct doc_sink {
	sbuf *out;
	size_t limit;
} doc_sink;

static int to_buf(const uint8_t *buf, size_t len, void *ctx)
{
	doc_sink *s = ctx;
	if (len > s->limit - s->out->len)
		return NPK_E_LIMIT;
	sb_put(s->out, buf, len);
	return s->out->nomem ? NPK_E_NOMEM : 0;
}

int sv_read_doc(npk_reader *r, const char *path, const npk_entry **e, sbuf *out, npk_error *err)
{
	int rc = npk_reader_find(r, path, e, err);
	if (rc != NPK_OK)
		return rc;
	if ((*e)->kind != NPK_KIND_DOCUMENT)
		return sv_fail(err, NPK_E_NOTFOUND, "%s is not a document", path);
	if ((*e)->size > SV_BUFFER_MAX)
		return sv_fail(err, NPK_E_LIMIT, "%s is larger than %u MiB", path, SV_BUFFER_MAX >> 20);
	doc_sink s = {out, SV_BUFFER_MAX};
	rc = npk_reader_read(r, *e, to_buf, &s, err);
	if (rc == NPK_E_NOMEM || out->nomem)
		return sv_fail(err, NPK_E_NOMEM, "out of memory");
	return rc;
}

/* ==== The server's state ==== */

static sv_server server;
static struct MHD_Daemon *daemon_h;
static atomic_size_t held;            /* response body bytes held */
static atomic_int streams;
static volatile sig_atomic_t stopping;
static int tls;                       /* HTTPS: the token's cookie is Secure */

/* ---- The gate: at most `slots` requests worked on at once, the others
 * waiting in the order they came. Each waiter sleeps on its own condition
 * variable, and a request that leaves hands its slot to the first waiter
 * alone: one wakeup a request, where a broadcast woke every waiter to find
 * all but one still waiting (with 16 clients, some 30 context switches a
 * request, contending for the gate's mutex). ---- */
typedef struct gate_waiter {
	pthread_cond_t cv;
	int go;
	struct gate_waiter *next;
} gate_waiter;

static struct {
	pthread_mutex_t mu;
	gate_waiter *head, *tail;   /* waiting, first come first */
	uint64_t busy, slots;
} gate = {PTHREAD_MUTEX_INITIALIZER, NULL, NULL, 0, 1};

static void gate_enter(void)
{
	pthread_mutex_lock(&gate.mu);
	if (gate.head == NULL && gate.busy < gate.slots) {
		gate.busy++;
		pthread_mutex_unlock(&gate.mu);
		return;
	}
	gate_waiter w = {.go = 0, .next = NULL};
	pthread_cond_init(&w.cv, NULL);
	if (gate.tail != NULL)
		gate.tail->next = &w;
	else
		gate.head = &w;
	gate.tail = &w;
	while (!w.go)
		pthread_cond_wait(&w.cv, &gate.mu);
	pthread_mutex_unlock(&gate.mu);
	pthread_cond_destroy(&w.cv);
}

static void gate_leave(void)
{
	pthread_mutex_lock(&gate.mu);
	gate_waiter *w = gate.head;
	if (w != NULL) {          /* the slot passes to it: busy stays */
		gate.head = w->next;
		if (gate.head == NULL)
			gate.tail = NULL;
		w->go = 1;
		pthread_cond_signal(&w->cv);
	} else {
		gate.busy--;
	}
	pthread_mutex_unlock(&gate.mu);
}

/* What is known of a request from its first call to its completion. */
typedef struct req_log {
	struct timespec t0;
	char method[8];
	char uri[256];            /* as received, cut, for the log */
	unsigned status;
	uint64_t bytes;
	size_t raw_len;           /* the URI's length as received */
	int nul;                  /* it holds %00, which decoded ends a path or argument early */
	int seen;                 /* the handler was called once: headers are in */
} req_log;

static void *uri_logger(void *cls, const char *uri, struct MHD_Connection *c)
{
	(void)cls;
	(void)c;
	req_log *l = calloc(1, sizeof *l);
	if (l == NULL)
		return NULL;
	clock_gettime(CLOCK_MONOTONIC, &l->t0);
	l->raw_len = strlen(uri);
	l->nul = strstr(uri, "%00") != NULL;
	/* shown escaped: a URI is the client's text */
	size_t k = 0;
	for (const unsigned char *p = (const unsigned char *)uri; *p && k + 5 < sizeof l->uri; p++) {
		if (*p < 0x21 || *p >= 0x7f || *p == '\\')
			k += (size_t)snprintf(l->uri + k, sizeof l->uri - k, "\\x%02x", *p);
		else
			l->uri[k++] = (char)*p;
	}
	l->uri[k] = 0;
	return l;
}

static void client_addr(struct MHD_Connection *c, char *out, size_t len)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	snprintf(out, len, "-");
	if (ci == NULL || ci->client_addr == NULL)
		return;
	const struct sockaddr *sa = ci->client_addr;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
		          (socklen_t)len);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
		          (socklen_t)len);
}

/* One line per request, when it is done: time, client, method, URI,
 * status, bytes, milliseconds. */
static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode how)
{
	(void)cls;
	req_log *l = *con_cls;
	if (l == NULL)
		return;
	if (!server.quiet) {
		struct timespec t1;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		double ms = (double)(t1.tv_sec - l->t0.tv_sec) * 1e3 +
		            (double)(t1.tv_nsec - l->t0.tv_nsec) / 1e6;
		char when[32], who[64];
		time_t now = time(NULL);
		struct tm tm;
		gmtime_r(&now, &tm);
		strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
		client_addr(c, who, sizeof who);
		fprintf(stderr, "%s %s %s %s %u %llu %.1fms%s\n", when, who, l->method[0] ? l->method : "-",
		        l->uri, l->status, (unsigned long long)l->bytes, ms,
		        how == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (cut off)");
	}
	free(l);
	*con_cls = NULL;
}

/* ==== Responses ==== */

static void free_held(void *p)
{
	/* the size was stored before the bytes (see body_response) */
	size_t *h = (size_t *)p - 1;
	atomic_fetch_sub(&held, *h);
	free(h);
}

/* A response holding body (taken), counted in held. */
static struct MHD_Response *body_response(sbuf *body)
{
	size_t n = body->len;
	if (atomic_fetch_add(&held, n) + n > HELD_MAX) {
		atomic_fetch_sub(&held, n);
		return NULL;
	}
	size_t *h = malloc(sizeof *h + (n ? n : 1));
	if (h == NULL) {
		atomic_fetch_sub(&held, n);
		return NULL;
	}
	*h = n;
	memcpy(h + 1, body->p ? body->p : "", n);
	sb_free(body);
	struct MHD_Response *r = MHD_create_response_from_buffer_with_free_callback(n, h + 1,
	                                                                            free_held);
	if (r == NULL)
		free_held(h + 1);
	return r;
}

/* The headers every response carries. Our pages: no script, our styles
 * and images, frames of our own; archived bytes: a sandbox without
 * scripts, and nothing fetched but from the server. */
static void security_headers(struct MHD_Response *resp, const sv_resp *r)
{
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "Cross-Origin-Resource-Policy", "same-origin");
	if (r->frame) {
		MHD_add_response_header(resp, "Content-Security-Policy",
		                        "sandbox allow-popups allow-popups-to-escape-sandbox; "
		                        "default-src 'none'; img-src 'self' data:; "
		                        "style-src 'self' 'unsafe-inline'; font-src 'self' data:; "
		                        "media-src 'self'; form-action 'none'; base-uri 'none'; "
		                        "frame-ancestors 'self'");
		MHD_add_response_header(resp, "X-Frame-Options", "SAMEORIGIN");
	} else if (r->raw) {
		MHD_add_response_header(resp, "Content-Security-Policy",
		                        "sandbox; default-src 'none'; img-src 'self' data:; "
		                        "style-src 'self' 'unsafe-inline'; media-src 'self'; "
		                        "frame-ancestors 'self'");
		MHD_add_response_header(resp, "X-Frame-Options", "SAMEORIGIN");
	} else {
		MHD_add_response_header(resp, "Content-Security-Policy",
		                        "default-src 'none'; style-src 'self'; img-src 'self' data:; "
		                        "frame-src 'self'; form-action 'self'; base-uri 'none'; "
		                        "frame-ancestors 'none'");
		MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	}
}

/* ---- Streaming a large document: a thread reads (npk_reader_read checks
 * each cluster's digest before its bytes come out), a ring buffer hands
 * the bytes over; a failure cuts the response off. ---- */

typedef struct stream {
	sv_archive *a;
	npk_reader *r;
	const npk_entry *e;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uint8_t *ring;
	size_t head, fill;        /* ring[head .. head + fill) (mod size) */
	int done, failed, cancel;
	uint64_t sent, size;
} stream;

static int stream_sink(const uint8_t *buf, size_t len, void *ctx)
{
	stream *s = ctx;
	pthread_mutex_lock(&s->mu);
	while (len > 0 && !s->cancel) {
		while (s->fill == STREAM_RING && !s->cancel)
			pthread_cond_wait(&s->cv, &s->mu);
		size_t at = (s->head + s->fill) % STREAM_RING;
		size_t n = STREAM_RING - s->fill;
		if (n > STREAM_RING - at)
			n = STREAM_RING - at;
		if (n > len)
			n = len;
		memcpy(s->ring + at, buf, n);
		s->fill += n;
		buf += n;
		len -= n;
		pthread_cond_broadcast(&s->cv);
	}
	int cancel = s->cancel;
	pthread_mutex_unlock(&s->mu);
	return cancel ? NPK_E_CANCELED : 0;
}

static void *stream_main(void *arg)
{
	stream *s = arg;
	npk_error err = {0};
	int rc = npk_reader_read(s->r, s->e, stream_sink, s, &err);
	if (rc != NPK_OK && rc != NPK_E_CANCELED)
		fprintf(stderr, "newspack: serve: %s: cut off: %s\n", s->a->slug, err.msg);
	pthread_mutex_lock(&s->mu);
	s->done = 1;
	s->failed = rc != NPK_OK;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	stream *s = cls;
	(void)pos;
	pthread_mutex_lock(&s->mu);
	for (;;) {
		while (s->fill == 0 && !s->done)
			pthread_cond_wait(&s->cv, &s->mu);
		if (s->failed || (s->done && s->fill == 0))
			break;
		/* the last byte waits for the end: the digest of a document spread
		 * over clusters is checked once all of it went by */
		if (!s->done && s->sent + s->fill == s->size && s->fill == 1) {
			pthread_cond_wait(&s->cv, &s->mu);
			continue;
		}
		size_t k = s->fill < max ? s->fill : max;
		if (k > STREAM_RING - s->head)
			k = STREAM_RING - s->head;
		if (!s->done && s->sent + k == s->size)
			k--;
		memcpy(buf, s->ring + s->head, k);
		s->head = (s->head + k) % STREAM_RING;
		s->fill -= k;
		s->sent += k;
		pthread_cond_broadcast(&s->cv);
		pthread_mutex_unlock(&s->mu);
		return (ssize_t)k;
	}
	ssize_t n = s->failed || s->sent != s->size ? MHD_CONTENT_READER_END_WITH_ERROR
	                                            : MHD_CONTENT_READER_END_OF_STREAM;
	pthread_mutex_unlock(&s->mu);
	return n;
}

static void stream_free(void *cls)
{
	stream *s = cls;
	pthread_mutex_lock(&s->mu);
	s->cancel = 1;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->th, NULL);
	sv_reader_give(s->a, s->r);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	free(s->ring);
	free(s);
	atomic_fetch_sub(&streams, 1);
}

/* A response streaming document path of a, or NULL with r filled with
 * the error to send instead. */
static struct MHD_Response *stream_response(sv_resp *r)
{
	sv_archive *a = r->stream_a;
	if (atomic_fetch_add(&streams, 1) >= STREAMS_MAX) {
		atomic_fetch_sub(&streams, 1);
		sv_error_page(r, 503, "Busy", "%d large documents are being sent; try again soon",
		              STREAMS_MAX);
		return NULL;
	}
	stream *s = calloc(1, sizeof *s);
	npk_error err = {0};
	if (s == NULL || (s->ring = malloc(STREAM_RING)) == NULL) {
		free(s);
		atomic_fetch_sub(&streams, 1);
		sv_error_page(r, 503, "Busy", "out of memory");
		return NULL;
	}
	s->a = a;
	s->r = sv_reader_take(a, &err);
	int rc = s->r ? npk_reader_find(s->r, r->stream_path, &s->e, &err) : err.code;
	if (rc != NPK_OK) {
		sv_reader_give(a, s->r);
		free(s->ring);
		free(s);
		atomic_fetch_sub(&streams, 1);
		sv_error_page(r, sv_status_of(rc), "Cannot read", "%s", err.msg);
		return NULL;
	}
	s->size = s->e->size;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	if (pthread_create(&s->th, NULL, stream_main, s) != 0) {
		sv_reader_give(a, s->r);
		pthread_mutex_destroy(&s->mu);
		pthread_cond_destroy(&s->cv);
		free(s->ring);
		free(s);
		atomic_fetch_sub(&streams, 1);
		sv_error_page(r, 503, "Busy", "cannot start a thread");
		return NULL;
	}
	struct MHD_Response *resp = MHD_create_response_from_callback(s->size, 64 * 1024,
	                                                              stream_read, s, stream_free);
	if (resp == NULL)
		stream_free(s);
	return resp;
}

/* The body of a HEAD response: never read (HEAD sends none). */
static ssize_t no_body(void *cls, uint64_t pos, char *buf, size_t max)
{
	(void)cls;
	(void)pos;
	(void)buf;
	(void)max;
	return MHD_CONTENT_READER_END_WITH_ERROR;
}

/* ==== Requests ==== */

static const char *get_arg(void *conn, const char *name)
{
	return MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, name);
}

static int utf8_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t n = strlen(s), i = 0, k; i < n; i += k)
		if ((k = sv_utf8_len(p + i, n - i)) == 0)
			return 0;
	return 1;
}

typedef struct arg_check {
	int bad;
} arg_check;

static enum MHD_Result check_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *value)
{
	(void)kind;
	arg_check *c = cls;
	if (!utf8_ok(key) || (value && !utf8_ok(value)) || strlen(key) > 64 ||
	    (value && strlen(value) > URL_MAX))
		c->bad = 1;
	return MHD_YES;
}

/* Whether the request may go on: the token (argument, cookie or bearer)
 * or the password; else r says why. Sets *cookie when a token argument
 * came, so that the browser sends it back instead. */
static int authorised(struct MHD_Connection *c, sv_resp *r, int *cookie)
{
	*cookie = 0;
	if (server.token != NULL) {
		size_t n = strlen(server.token);
		const char *t = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "token");
		const char *k = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, "npk_token");
		const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
		if (h != NULL && strncmp(h, "Bearer ", 7) == 0)
			h += 7;
		else
			h = NULL;
		const char *given[] = {t, k, h};
		for (int i = 0; i < 3; i++)
			if (given[i] && strlen(given[i]) == n &&
			    sodium_memcmp(given[i], server.token, n) == 0) {
				*cookie = i == 0;
				return 1;
			}
		sv_error_page(r, 401, "Token needed", "this server wants its access token: open the "
		              "address it printed, with ?token=...");
		return 0;
	}
	if (server.password != NULL) {
		char *pass = NULL;
		char *user = MHD_basic_auth_get_username_password(c, &pass);
		size_t n = strlen(server.password);
		int ok = pass != NULL && strlen(pass) == n && sodium_memcmp(pass, server.password, n) == 0;
		if (user)
			MHD_free(user);
		if (pass)
			MHD_free(pass);
		if (!ok)
			sv_error_page(r, 401, "Password needed", "this server wants a password");
		return ok;
	}
	return 1;
}

/* The handler of a path: pages under /a/SLUG/, the API, the style. */
static void route(const sv_req *q, sv_resp *r)
{
	const char *p = q->path;
	if (strcmp(p, "/") == 0) {
		sv_page_home(q, r);
		return;
	}
	if (strcmp(p, "/static/style.css") == 0) {
		r->status = 200;
		r->type = "text/css; charset=utf-8";
		sb_puts(&r->body, sv_style_css);
		return;
	}
	if (strcmp(p, "/leave") == 0) {
		sv_page_leave(q, r);
		return;
	}
	if (strncmp(p, "/api/", 5) == 0) {
		sv_api(q, p + 5, r);
		return;
	}
	if (strncmp(p, "/a/", 3) != 0) {
		sv_error_page(r, 404, "Not found", "nothing here");
		return;
	}
	char slug[64];
	const char *s = p + 3, *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	if (n == 0 || n >= sizeof slug) {
		sv_error_page(r, 404, "Not found", "no such archive");
		return;
	}
	memcpy(slug, s, n);
	slug[n] = 0;
	sv_archive *a = sv_find_archive(q->sv, slug);
	if (a == NULL) {
		sv_error_page(r, 404, "Not found", "no archive is served as \"%s\"", slug);
		return;
	}
	r->archive = a;     /* its error pages too say whether it is trusted */
	if (slash == NULL) {
		snprintf(r->location, sizeof r->location, "/a/%s/", a->slug);
		r->status = 301;
		return;
	}
	const char *rest = slash + 1;
	static const struct {
		const char *prefix;
		int kind;
	} routes[] = {
		{"doc/", 1}, {"raw/", 2}, {"download/", 3}, {"frame/", 4}, {"proof/", 5},
		{"browse/", 6}, {"search", 7}, {"url", 8}, {"style/", 9},
	};
	if (*rest == 0) {
		sv_page_archive(q, a, r);
		return;
	}
	for (size_t i = 0; i < sizeof routes / sizeof *routes; i++) {
		size_t k = strlen(routes[i].prefix);
		if (strncmp(rest, routes[i].prefix, k) != 0)
			continue;
		const char *arg = rest + k;
		switch (routes[i].kind) {
		case 1: sv_page_doc(q, a, arg, r); return;
		case 2: sv_raw(q, a, arg, 0, r); return;
		case 3: sv_raw(q, a, arg, 1, r); return;
		case 4: sv_page_frame(q, a, arg, r); return;
		case 9: sv_page_style(q, a, arg, r); return;
		case 5: sv_proof(q, a, arg, r); return;
		case 6: sv_page_browse(q, a, arg, r); return;
		case 7:
			if (*arg == 0) {
				sv_page_search(q, a, r);
				return;
			}
			break;
		case 8:
			if (*arg == 0) {
				sv_page_url(q, a, r);
				return;
			}
			break;
		}
	}
	sv_error_page(r, 404, "Not found", "nothing here");
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload, size_t *upload_size, void **con_cls)
{
	(void)cls;
	(void)version;
	(void)upload;
	req_log *l = *con_cls;
	if (l == NULL)
		return MHD_NO;    /* out of memory at its start (uri_logger) */
	/* the first call only says the headers are in: a response queued then
	 * would close the connection (no keep-alive) */
	if (!l->seen) {
		l->seen = 1;
		snprintf(l->method, sizeof l->method, "%s", method);
		return MHD_YES;
	}
	sv_resp r = {0};
	int is_get = strcmp(method, "GET") == 0, is_head = strcmp(method, "HEAD") == 0;
	int cookie = 0;
	if (*upload_size != 0) {
		*upload_size = 0;   /* a body is not read: the answer below refuses it */
		return MHD_YES;
	}
	if (!is_get && !is_head) {
		sv_error_page(&r, 405, "Method not allowed", "only GET and HEAD are answered");
	} else if (l->raw_len > URL_MAX) {
		sv_error_page(&r, 414, "Address too long", "addresses of at most %u bytes are answered",
		              URL_MAX);
	} else if (l->nul || !utf8_ok(url)) {
		sv_error_page(&r, 400, "Bad address", "the address is not UTF-8 text");
	} else if (authorised(c, &r, &cookie)) {
		arg_check ac = {0};
		MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, check_arg, &ac);
		if (ac.bad) {
			sv_error_page(&r, 400, "Bad address", "an argument is not UTF-8 text or is too long");
		} else {
			sv_req q = {&server, method, url, get_arg, c};
			gate_enter();
			route(&q, &r);
			gate_leave();
		}
	}
	struct MHD_Response *resp = NULL;
	uint64_t nbytes = 0;
	if (r.stream_a != NULL) {
		/* HEAD: a response of the document's size whose body is never
		 * read, so that its Content-Length is that of GET (a header added
		 * by hand is replaced by the body's length, 0) */
		if (is_head)
			resp = MHD_create_response_from_callback(r.stream_size, 4096, no_body, NULL,
			                                         NULL);
		else
			resp = stream_response(&r);
	}
	if (resp == NULL) {
		if (r.body.nomem) {
			sb_free(&r.body);
			sv_error_page(&r, 500, "Out of memory", "the page could not be made");
		}
		unsigned status = r.status;
		nbytes = r.body.len;
		resp = body_response(&r.body);
		if (resp == NULL) {
			sb_free(&r.body);
			static char busy[] = "busy: too many responses held; try again\n";
			resp = MHD_create_response_from_buffer(sizeof busy - 1, busy,
			                                       MHD_RESPMEM_PERSISTENT);
			r.status = 503;
			r.type = "text/plain; charset=utf-8";
			if (resp == NULL)
				return MHD_NO;
		} else {
			r.status = status;
		}
	}
	if (r.type)
		MHD_add_response_header(resp, "Content-Type", r.type);
	if (r.disposition[0])
		MHD_add_response_header(resp, "Content-Disposition", r.disposition);
	if (r.location[0])
		MHD_add_response_header(resp, "Location", r.location);
	if (r.status == 405)
		MHD_add_response_header(resp, "Allow", "GET, HEAD");
	if (r.status == 401 && server.password != NULL)
		MHD_add_response_header(resp, "WWW-Authenticate", "Basic realm=\"newspack\", charset=\"UTF-8\"");
	if (r.status == 503)
		MHD_add_response_header(resp, "Retry-After", "2");
	if (cookie && server.token) {
		char ck[600];
		/* Secure over TLS: cookies do not keep to a port, and the token
		 * must not go to a plain HTTP service of the same host */
		snprintf(ck, sizeof ck, "npk_token=%s; Path=/; HttpOnly; SameSite=Strict%s",
		         server.token, tls ? "; Secure" : "");
		MHD_add_response_header(resp, "Set-Cookie", ck);
	}
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	security_headers(resp, &r);
	l->status = r.status;
	l->bytes = r.stream_a ? r.stream_size : nbytes;
	enum MHD_Result ret = MHD_queue_response(c, r.status, resp);
	MHD_destroy_response(resp);
	free(r.stream_path);
	return ret;
}

/* ==== Start and stop ==== */

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

/* ADDR:PORT, [V6]:PORT or PORT into sa. */
static int parse_listen(const char *s, struct sockaddr_storage *sa, socklen_t *len, int *v6,
                        int *loopback)
{
	char host[128];
	const char *colon;
	memset(sa, 0, sizeof *sa);
	if (s[0] == '[') {
		const char *end = strchr(s, ']');
		if (end == NULL || end[1] != ':' || (size_t)(end - s - 1) >= sizeof host)
			return -1;
		memcpy(host, s + 1, (size_t)(end - s - 1));
		host[end - s - 1] = 0;
		colon = end + 1;
	} else if ((colon = strrchr(s, ':')) != NULL) {
		if ((size_t)(colon - s) >= sizeof host)
			return -1;
		memcpy(host, s, (size_t)(colon - s));
		host[colon - s] = 0;
	} else {
		snprintf(host, sizeof host, "127.0.0.1");
		colon = s - 1;
	}
	char *end;
	errno = 0;
	unsigned long port = strtoul(colon + 1, &end, 10);
	if (*end || colon[1] == 0 || port > 65535 || errno)
		return -1;
	struct sockaddr_in *a4 = (struct sockaddr_in *)(void *)sa;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)(void *)sa;
	if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		*len = sizeof *a4;
		*v6 = 0;
		*loopback = (ntohl(a4->sin_addr.s_addr) >> 24) == 127;
		return 0;
	}
	if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		*len = sizeof *a6;
		*v6 = 1;
		*loopback = IN6_IS_ADDR_LOOPBACK(&a6->sin6_addr);
		return 0;
	}
	return -1;
}

/* The first line of file f (a secret), or NULL after saying why. */
static char *secret_line(const char *f, const char *what)
{
	char *s = cli_passphrase(f, what, 0);
	if (s != NULL && strlen(s) < 8) {
		cli_warn("%s: the %s must be at least 8 characters", f, what);
		cli_passphrase_free(s);
		return NULL;
	}
	if (s != NULL && strlen(s) > 512) {
		cli_warn("%s: the %s must be at most 512 characters", f, what);
		cli_passphrase_free(s);
		return NULL;
	}
	for (const char *p = s; p && *p; p++)
		if ((unsigned char)*p < 0x21 || (unsigned char)*p >= 0x7f || *p == ';' || *p == ',') {
			cli_warn("%s: the %s must be printable ASCII without spaces, ';' or ','", f, what);
			cli_passphrase_free(s);
			return NULL;
		}
	return s;
}

static char *read_file_all(const char *f, size_t *len)
{
	FILE *fp = fopen(f, "rb");
	if (fp == NULL) {
		cli_warn("%s: %s", f, strerror(errno));
		return NULL;
	}
	sbuf b = {0};
	char t[8192];
	size_t n;
	while ((n = fread(t, 1, sizeof t, fp)) > 0 && b.len < (1u << 20))
		sb_put(&b, t, n);
	int bad = ferror(fp) || b.nomem || b.len >= (1u << 20);
	fclose(fp);
	if (bad) {
		cli_warn("%s: cannot be read (or larger than 1 MiB)", f);
		sb_free(&b);
		return NULL;
	}
	return sb_take(&b, len);
}

int cmd_serve(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"listen", required_argument, NULL, 'L'},
		{"allow-untrusted", no_argument, NULL, 'U'},
		{"token-file", required_argument, NULL, 'T'},
		{"password-file", required_argument, NULL, 'P'},
		{"tls-cert", required_argument, NULL, 'C'},
		{"tls-key", required_argument, NULL, 'K'},
		{"threads", required_argument, NULL, 'j'},
		{"chain", required_argument, NULL, 'c'},
		{"at", required_argument, NULL, 'a'},
		{"passphrase-file", required_argument, NULL, 'F'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *pubkey = NULL, *listen = "127.0.0.1:8080", *token_file = NULL, *pass_file = NULL;
	const char *cert_file = NULL, *key_file = NULL;
	unsigned threads = 0;
	int c, ec;
	sigset_t stop_sigs, wait_sigs;
	optind = 1;
	const char **keys = NULL, *archive_pass = NULL;
	size_t nkeys = 0;
	while ((c = getopt_long(argc, argv, "p:k:qh", longopts, NULL)) != -1) {
		char *end;
		ec = -1;
		switch (c) {
		case 'p': pubkey = optarg; break;
		case 'q': server.quiet = 1; break;
		case 'L': listen = optarg; break;
		case 'U': server.allow_untrusted = 1; break;
		case 'T': token_file = optarg; break;
		case 'P': pass_file = optarg; break;
		case 'C': cert_file = optarg; break;
		case 'K': key_file = optarg; break;
		case 'j':
			threads = (unsigned)strtoul(optarg, &end, 10);
			if (*optarg == '-' || *end || threads < 1 || threads > 64)
				return cli_usage_error("serve", "--threads takes a number from 1 to 64");
			break;
		case 'c': ec = cli_add_chain("serve", optarg, &server.chain); break;
		case 'a': ec = cli_parse_at("serve", optarg, &server.chain); break;
		case 'k': ec = cli_add_key("serve", optarg, &keys, &nkeys); break;
		case 'F': archive_pass = optarg; break;
		case 'h': serve_help(stdout); return 0;
		default: return cli_usage_error("serve", "bad option");
		}
		if (ec >= 0)
			return ec;
	}
	if (optind >= argc)
		return cli_usage_error("serve", "give at least one ARCHIVE");
	if (token_file && pass_file)
		return cli_usage_error("serve", "--token-file or --password-file, not both");
	if (!cert_file != !key_file)
		return cli_usage_error("serve", "--tls-cert and --tls-key go together");
	struct sockaddr_storage sa;
	socklen_t salen;
	int v6, loopback;
	if (parse_listen(listen, &sa, &salen, &v6, &loopback) != 0)
		return cli_usage_error("serve", "--listen takes ADDR:PORT, [IPV6]:PORT or PORT, not %s",
		                       listen);
	if (!loopback && !token_file && !pass_file) {
		cli_warn("serve: %s is not a loopback address: anyone who reaches it could read the "
		         "archives; give --token-file or --password-file", listen);
		return EXIT_USAGE;
	}
	if (cert_file && !MHD_is_feature_supported(MHD_FEATURE_TLS)) {
		cli_warn("serve: this libmicrohttpd has no TLS: put a TLS reverse proxy in front instead");
		return EXIT_USAGE;
	}
	char *secret = NULL;
	if (token_file && (secret = secret_line(token_file, "token")) == NULL)
		return EXIT_USAGE;
	if (pass_file && (secret = secret_line(pass_file, "password")) == NULL)
		return EXIT_USAGE;
	server.token = token_file ? secret : NULL;
	server.password = pass_file ? secret : NULL;
	char *cert = NULL, *key = NULL;
	size_t cert_len, key_len;
	if (cert_file && ((cert = read_file_all(cert_file, &cert_len)) == NULL ||
	                  (key = read_file_all(key_file, &key_len)) == NULL)) {
		free(cert);
		cli_passphrase_free(secret);
		return EXIT_USAGE;
	}
	tls = cert != NULL;
	/* one more than the cores: a request also waits (a read, its
	 * response sent), and with one a core the cores were idle a sixth of
	 * the time under load (distinct searches of 1,000,000 articles, 16
	 * clients: 316-319 requests a second with 2 on 2 cores, 355-409 with 3) */
	if (threads == 0) {
		long cores = sysconf(_SC_NPROCESSORS_ONLN);
		threads = cores < 1 ? 2 : cores > 63 ? 64 : (unsigned)cores + 1;
	}
	gate.slots = threads;
	/* Each connection's thread allocates from an arena of glibc's, and the
	 * arenas are as many as the requests worked on at once, so that memory
	 * follows the requests worked on, not the connections. A search of a
	 * common word takes a few MiB in sets of its documents: mapped afresh
	 * for each request, their pages were faulted in and cleared every time
	 * (a sixth of a distinct search's time at 1,000,000 articles). Blocks
	 * up to 32 MiB come from the arenas instead, and each arena keeps up to
	 * 64 MiB freed at its top for the next request (at most that much more
	 * held per arena: 240 -> 310 MiB peak under 16 clients searching 1,000,000
	 * articles, for 360-378 -> 426-445 requests a second). */
	mallopt(M_MMAP_THRESHOLD, 32 << 20);
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	mallopt(M_ARENA_MAX, (int)threads + 1);
	if ((ec = cli_load_trust(pubkey, &server.trust)) != 0)
		return ec;
	/* 15.17: the keys of sealed archives: those given, else the default one */
	if ((ec = cli_keyring(keys, nkeys, archive_pass, &server.keys, NULL, NULL, NULL)) != 0)
		return ec;
	server.n = (size_t)(argc - optind);
	server.a = calloc(server.n, sizeof *server.a);
	if (server.a == NULL) {
		cli_warn("out of memory");
		return EXIT_USAGE;
	}
	ec = 0;
	for (size_t i = 0; i < server.n && ec == 0; i++) {
		sv_archive *a = &server.a[i];
		a->max = threads + STREAMS_MAX;
		if ((ec = sv_archive_open(&server, a, argv[optind + i])) != 0)
			break;
		void *more = realloc(a->idle, a->max * sizeof *a->idle);
		if (more == NULL) {
			cli_warn("out of memory");
			ec = EXIT_USAGE;
			break;
		}
		a->idle = more;
		if (!server.quiet)
			fprintf(stderr, "newspack: serve: %s: reading its index...\n", a->file);
		npk_error err = {0};
		if (sv_index_build(a, &err) != NPK_OK)
			ec = cli_fail(&err);
		else if (!server.quiet)
			fprintf(stderr, "newspack: serve: %s as /a/%s/: %zu documents, %zu sections, "
			        "%zu sources, %zu authors, %zu web captures (%.1f s)%s\n", a->file, a->slug,
			        a->ndocs, a->sections.n, a->sources.n, a->authors.n, a->ncaps,
			        (double)a->index_ms / 1000, a->trusted ? "" : "; NOT TRUSTED");
	}
	if (ec == 0) {
		struct sigaction act;
		memset(&act, 0, sizeof act);
		act.sa_handler = on_signal;
		sigaction(SIGINT, &act, NULL);
		sigaction(SIGTERM, &act, NULL);
		signal(SIGPIPE, SIG_IGN);
		/* blocked here, so in every thread started from now on: they come
		 * only inside sigsuspend below, where stopping is seen (pause()
		 * missed a signal arriving between the test and the call, and one
		 * handled by another thread) */
		sigemptyset(&stop_sigs);
		sigaddset(&stop_sigs, SIGINT);
		sigaddset(&stop_sigs, SIGTERM);
		pthread_sigmask(SIG_BLOCK, &stop_sigs, &wait_sigs);
		sigdelset(&wait_sigs, SIGINT);
		sigdelset(&wait_sigs, SIGTERM);
		unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
		                 MHD_USE_POLL | MHD_USE_ERROR_LOG | (v6 ? MHD_USE_IPv6 : 0) |
		                 (cert ? MHD_USE_TLS : 0);
		daemon_h = MHD_start_daemon(
			flags, 0, NULL, NULL, on_request, NULL,
			MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
			MHD_OPTION_CONNECTION_LIMIT, CONNECTIONS_MAX,
			MHD_OPTION_PER_IP_CONNECTION_LIMIT, PER_CLIENT_MAX,
			MHD_OPTION_THREAD_STACK_SIZE, (size_t)THREAD_STACK,
			MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
			MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
			MHD_OPTION_URI_LOG_CALLBACK, uri_logger, NULL,
			MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
			cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, cert,
			MHD_OPTION_HTTPS_MEM_KEY, key,
			MHD_OPTION_END);
		if (daemon_h == NULL) {
			cli_warn("serve: cannot listen on %s (in use, or not an address of this machine?)",
			         listen);
			ec = EXIT_USAGE;
		}
	}
	if (ec == 0) {
		const char *scheme = cert ? "https" : "http";
		if (server.token)
			printf("Serving %zu archive%s at %s://%s/?token=%s\n", server.n,
			       server.n == 1 ? "" : "s", scheme, listen, server.token);
		else
			printf("Serving %zu archive%s at %s://%s/\n", server.n, server.n == 1 ? "" : "s",
			       scheme, listen);
		printf("Stop with Ctrl-C.\n");
		fflush(stdout);
		while (!stopping)
			sigsuspend(&wait_sigs);
		if (!server.quiet) {
			uint64_t hits, misses;
			sv_search_cache_stats(&hits, &misses);
			fprintf(stderr, "newspack: serve: stopping (%llu searches made, %llu answered "
			        "again from memory)\n", (unsigned long long)misses,
			        (unsigned long long)hits);
		}
		MHD_stop_daemon(daemon_h);
	}
	sv_search_cache_free();
	for (size_t i = 0; i < server.n; i++)
		sv_archive_free(&server.a[i]);
	free(server.a);
	npk_trust_free(server.trust);
	npk_keyring_free(server.keys);
	cli_passphrase_free(secret);
	free(cert);
	if (key) {
		sodium_memzero(key, key_len);
		free(key);
	}
	return ec;
}
