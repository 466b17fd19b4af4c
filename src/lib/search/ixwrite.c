/*
 * search/ixwrite.c - the full-text index writer (spec/search.md 9).
 *
 * Three stages. Workers take a document's text (extract.c), its language
 * and terms (text.c) and count its keys. The caller's thread takes the
 * counted documents in number order and appends each key's (document,
 * frequency) to the key's list in memory; when the lists pass the budget
 * they are written, keys sorted, as a run to a scratch file. The end
 * merges the runs key by key (a key's lists follow each other in document
 * order, run after run) into blocks, chunks, term pages and norm pages.
 */
#include "search/ixwrite.h"

#include <pthread.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "meta/meta.h"
#include "newspack.h"
#include "search/extract.h"
#include "search/text.h"

#define IX_MAGIC "NPKSRCH1"
#define ROOT_HEADER 64u
#define PAGE_TARGET 65536u       /* raw bytes of a term page, about */
#define PAGE_RAW_MAX (1u << 20)  /* 9.2 */
#define NORM_PAGE 65536u         /* documents of a norm page, 9.5 */
#define CHUNK 16384u             /* postings of a chunk, 9.3 */
#define BLOCK 128u               /* postings of a block, 9.4 */
#define INLINE_MAX 64u           /* postings bytes kept in the term page */
#define TF_MAX 65535u
#define LANGS_MAX 64u
#define KEY_MAX (1u + NPK__TERM_MAX)
#define BATCH 16u                /* documents a worker takes at once */
#define RUNS_MAX 128u            /* runs merged at once (memory: 16 KiB each) */
#define INFLIGHT_MAX (4u << 20)  /* document bytes handed to workers at once */

enum { F_BODY = 1, F_TITLE, F_AUTHOR, F_SECTION, F_SOURCE, F_LANG, F_URL, F_DATE };

/* ==== Small things ==== */

static int put_varint(npk_buf *b, uint64_t v)
{
	uint8_t t[10];
	size_t n = 0;
	do {
		t[n] = (uint8_t)(v & 0x7F);
		v >>= 7;
		if (v)
			t[n] |= 0x80;
		n++;
	} while (v);
	return npk__buf_put(b, t, n);
}

/* Places a key in the tables (no byte written depends on it): eight
 * bytes a step, every key byte counted, twice for each term of the text. */
static uint64_t hash_key(const uint8_t *k, size_t n)
{
	const uint64_t m = 0x9E3779B97F4A7C15ull;
	uint64_t h = n * m, w;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		memcpy(&w, k + i, 8);
		h = (h ^ w) * m;
		h ^= h >> 32;
	}
	w = 0;
	for (unsigned s = 0; i < n; i++, s += 8)
		w |= (uint64_t)k[i] << s;
	h = (h ^ w) * m;
	h ^= h >> 33; /* the low bits, which pick the slot, from all of them */
	h *= 0xff51afd7ed558ccdull;
	return h ^ (h >> 33);
}

uint64_t npk__ix_norm_len(uint8_t c)
{
	if (c < 16)
		return c;
	return (uint64_t)(8u + c % 8u) << (c / 8u - 1u);
}

uint8_t npk__ix_norm_code(uint64_t len)
{
	unsigned lo = 0, hi = 255;
	while (lo < hi) {
		unsigned mid = (lo + hi + 1) / 2;
		if (npk__ix_norm_len((uint8_t)mid) <= len)
			lo = mid;
		else
			hi = mid - 1;
	}
	return (uint8_t)lo;
}

static int key_cmp(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);
	return c ? c : (an > bn) - (an < bn);
}

/* ==== Stage 1: one document's keys, counted ==== */

typedef struct slot {
	uint64_t hash;
	uint32_t off, tf;         /* key bytes at arena + off */
	uint8_t len, used;
} slot;

/* A key -> frequency table, cleared for each document. */
typedef struct counter {
	slot *t;
	size_t cap, n;
	npk_buf arena;
	uint32_t *order;          /* the slots used, in first-seen order */
	uint8_t field;            /* of the terms being added */
	uint64_t body;            /* body terms so far */
	int nomem;
	npk__text_ctx *tc;        /* the term rules' stemmers, buffers and cache */
} counter;

static int counter_grow(counter *c)
{
	size_t cap = c->cap ? c->cap * 2 : 1024;
	slot *t = calloc(cap, sizeof *t);
	uint32_t *order = malloc(cap / 2 * sizeof *order);
	if (t == NULL || order == NULL) {
		free(t);
		free(order);
		return -1;
	}
	for (size_t i = 0; i < c->n; i++) {
		slot *s = &c->t[c->order[i]];
		size_t j = s->hash & (cap - 1);
		while (t[j].used)
			j = (j + 1) & (cap - 1);
		t[j] = *s;
		order[i] = (uint32_t)j;
	}
	free(c->t);
	free(c->order);
	c->t = t;
	c->order = order;
	c->cap = cap;
	return 0;
}

static void counter_add(counter *c, const uint8_t *key, size_t n)
{
	if (c->nomem)
		return;
	if ((c->n + 1) * 2 > c->cap && counter_grow(c) != 0) {
		c->nomem = 1;
		return;
	}
	uint64_t h = hash_key(key, n);
	size_t j = h & (c->cap - 1);
	for (; c->t[j].used; j = (j + 1) & (c->cap - 1)) {
		slot *s = &c->t[j];
		if (s->hash == h && s->len == n && memcmp(c->arena.p + s->off, key, n) == 0) {
			if (s->tf < TF_MAX)
				s->tf++;
			return;
		}
	}
	if (npk__buf_put(&c->arena, key, n) != 0) {
		c->nomem = 1;
		return;
	}
	c->t[j] = (slot){.hash = h, .off = (uint32_t)(c->arena.len - n), .tf = 1,
	                 .len = (uint8_t)n, .used = 1};
	c->order[c->n++] = (uint32_t)j;
}

static void counter_clear(counter *c)
{
	for (size_t i = 0; i < c->n; i++)
		c->t[c->order[i]].used = 0;
	c->n = 0;
	c->arena.len = 0;
	c->body = 0;
	c->nomem = 0;
}

static void counter_free(counter *c)
{
	npk__text_ctx_free(c->tc);
	free(c->t);
	free(c->order);
	npk__buf_free(&c->arena);
}

static void on_term(const char *term, size_t len, uint32_t pos, void *ctx)
{
	(void)pos;
	counter *c = ctx;
	uint8_t key[KEY_MAX];
	key[0] = c->field;
	memcpy(key + 1, term, len);
	counter_add(c, key, len + 1);
	if (c->field == F_BODY)
		c->body++;
}

/* A document handed to the workers, and what they make of it. */
typedef struct job {
	uint64_t doc;
	uint8_t *bytes, *meta;
	size_t len, meta_len;
	char *media;
	int truncated;
	int state;                /* 0 free, 1 queued, 2 taken, 3 done */
	/* the result */
	npk_buf keys;             /* per key: u64 hash, u8 len, key, varint tf */
	uint64_t length;          /* body terms */
	char lang[8];
	int rc;
	npk_error err;
} job;

/* The terms of every value of metadata key name, as field f. */
static int field_terms(counter *c, const npk_meta *m, const char *name, uint8_t f,
                       const char *lang, npk_error *err)
{
	for (size_t i = 0; i < npk_meta_count(m); i++) {
		const char *k, *v;
		npk_meta_get(m, i, &k, &v);
		if (strcmp(k, name) != 0)
			continue;
		c->field = f;
		NPK_FORWARD(npk__text_terms_ctx(c->tc, (const uint8_t *)v, strlen(v), lang, on_term, c,
		                                err));
	}
	return NPK_OK;
}

/* 9.1: the date term, YYYY-MM-DD, YYYY-MM or YYYY from the first date. */
static size_t date_term(const char *v)
{
	size_t n = strlen(v);
#define D(i) (v[i] >= '0' && v[i] <= '9')
	if (n < 4 || !(D(0) && D(1) && D(2) && D(3)))
		return 0;
	if (n >= 7 && v[4] == '-' && D(5) && D(6)) {
		if (n >= 10 && v[7] == '-' && D(8) && D(9))
			return 10;
		return 7;
	}
	return n == 4 ? 4 : 0;
#undef D
}

static int analyze_meta(counter *c, const npk_meta *m, const char *lang, npk_error *err)
{
	NPK_FORWARD(field_terms(c, m, "title", F_TITLE, lang, err));
	NPK_FORWARD(field_terms(c, m, "author", F_AUTHOR, NULL, err));
	NPK_FORWARD(field_terms(c, m, "section", F_SECTION, NULL, err));
	NPK_FORWARD(field_terms(c, m, "source", F_SOURCE, NULL, err));
	NPK_FORWARD(field_terms(c, m, "url", F_URL, NULL, err));
	uint8_t key[KEY_MAX];
	size_t n = strlen(lang);
	key[0] = F_LANG;
	memcpy(key + 1, lang, n);
	counter_add(c, key, n + 1);
	const char *date = npk_meta_find(m, "date");
	if (date != NULL && (n = date_term(date)) > 0) {
		key[0] = F_DATE;
		memcpy(key + 1, date, n);
		counter_add(c, key, n + 1);
	}
	return NPK_OK;
}

/* A document's keys and frequencies into j's result. */
static int analyze(counter *c, npk_buf *text, job *j, npk_error *err)
{
	if (c->tc == NULL)
		NPK_FORWARD(npk__text_ctx_new(&c->tc, err));
	counter_clear(c);
	text->len = 0;
	npk_meta *m = npk_meta_new();
	NPK_FAIL_IF(m == NULL, err, NPK_E_NOMEM, "out of memory");
	int rc = j->meta_len ? npk__meta_decode(j->meta, j->meta_len, m, err) : NPK_OK;
	if (rc == NPK_OK)
		rc = npk__search_doc(j->bytes, j->len, j->media, m, text, j->lang, err);
	if (rc == NPK_OK) {
		c->field = F_BODY;
		rc = npk__text_terms_ctx(c->tc, text->p, text->len, j->lang, on_term, c, err);
	}
	j->length = c->body;
	if (rc == NPK_OK)
		rc = analyze_meta(c, m, j->lang, err);
	npk_meta_free(m);
	NPK_FORWARD(rc);
	NPK_FAIL_IF(c->nomem, err, NPK_E_NOMEM, "out of memory counting terms");
	/* room for all at once: a tf (at most TF_MAX) takes 3 varint bytes */
	j->keys.len = 0;
	NPK_FAIL_IF(npk__buf_reserve(&j->keys, c->n * (sizeof(uint64_t) + 1 + 3) + c->arena.len) != 0,
	            err, NPK_E_NOMEM, "out of memory");
	uint8_t *p = j->keys.p;
	for (size_t i = 0; i < c->n; i++) {
		const slot *s = &c->t[c->order[i]];
		memcpy(p, &s->hash, sizeof s->hash);
		p += sizeof s->hash;
		*p++ = s->len;
		memcpy(p, c->arena.p + s->off, s->len);
		p += s->len;
		uint32_t v = s->tf;
		for (; v >= 0x80; v >>= 7)
			*p++ = (uint8_t)(v | 0x80);
		*p++ = (uint8_t)v;
	}
	j->keys.len = (size_t)(p - j->keys.p);
	return NPK_OK;
}

static void job_release(job *j)
{
	free(j->bytes);
	free(j->meta);
	free(j->media);
	j->bytes = j->meta = NULL;
	j->media = NULL;
	j->state = 0;
}

/* ==== Stage 2: the lists in memory, and runs ==== */

typedef struct entry {
	uint64_t hash, df, last;
	uint8_t *post;            /* varint gap, varint tf; the first gap from lo */
	uint32_t off, plen, pcap;
	uint8_t len;
} entry;

/* A run: a segment of the scratch file, its keys sorted; per key u8
 * len, key, varint df, then df pairs (varint gap, varint tf), the first
 * gap from lo. */
typedef struct run {
	uint64_t off, size;
} run;

struct npk__ixw {
	npk__ixw_opts o;
	/* workers */
	pthread_t *tids;
	int nthreads;
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	job *ring;
	size_t ring_cap;
	uint64_t head, tail;      /* jobs [head, tail) are in the ring */
	uint64_t claim;           /* jobs [claim, tail) wait for a worker */
	size_t inflight;
	int stop;
	/* the inverting thread: takes the counted documents in order */
	pthread_t inv;
	int inv_on, inv_stop, inv_rc;
	npk_error inv_err;
	pthread_cond_t space;     /* a place in the ring, or the inverting thread failed */
	counter main_counter;     /* for threads <= 1 */
	npk_buf main_text;
	/* the lists */
	entry *t;
	size_t cap, n;
	npk_buf arena;
	size_t mem;
	int scratch;              /* the runs' file, -1 until the first */
	uint64_t scratch_end;
	run *runs;
	size_t nruns;
	uint64_t last_doc;
	int any_doc;
	/* per document */
	uint8_t *norms;
	size_t norms_cap;
	uint64_t docs, total, truncated;
	struct { char code[8]; uint64_t docs; } langs[256];
	size_t nlangs;
	int lang_overflow;
};

static int table_grow(npk__ixw *x)
{
	size_t cap = x->cap ? x->cap * 2 : 65536;
	entry *t = calloc(cap, sizeof *t);
	if (t == NULL)
		return -1;
	for (size_t i = 0; i < x->cap; i++) {
		if (x->t[i].len == 0)
			continue;
		size_t j = x->t[i].hash & (cap - 1);
		while (t[j].len)
			j = (j + 1) & (cap - 1);
		t[j] = x->t[i];
	}
	free(x->t);
	x->mem += (cap - x->cap) * sizeof *t;
	x->t = t;
	x->cap = cap;
	return 0;
}

/* key's list (h its hash_key) gains (doc, tf). */
static int list_add(npk__ixw *x, uint64_t doc, const uint8_t *key, size_t n, uint64_t h,
                    uint64_t tf, npk_error *err)
{
	if ((x->n + 1) * 2 > x->cap)
		NPK_FAIL_IF(table_grow(x) != 0, err, NPK_E_NOMEM, "out of memory");
	size_t j = h & (x->cap - 1);
	entry *e = NULL;
	for (; x->t[j].len; j = (j + 1) & (x->cap - 1)) {
		if (x->t[j].hash == h && x->t[j].len == n &&
		    memcmp(x->arena.p + x->t[j].off, key, n) == 0) {
			e = &x->t[j];
			break;
		}
	}
	if (e == NULL) {
		NPK_FAIL_IF(npk__buf_put(&x->arena, key, n) != 0, err, NPK_E_NOMEM, "out of memory");
		e = &x->t[j];
		*e = (entry){.hash = h, .off = (uint32_t)(x->arena.len - n), .len = (uint8_t)n};
		x->n++;
		x->mem += n;
	}
	if (e->pcap - e->plen < 20) {
		uint32_t cap = e->pcap ? e->pcap * 2 : 16;
		uint8_t *p = realloc(e->post, cap);
		NPK_FAIL_IF(p == NULL, err, NPK_E_NOMEM, "out of memory");
		x->mem += cap - e->pcap;
		e->post = p;
		e->pcap = cap;
	}
	uint64_t gap = e->df ? doc - e->last : doc - x->o.lo;
	for (int k = 0; k < 2; k++) {
		uint64_t v = k ? tf : gap;
		do {
			uint8_t b = (uint8_t)(v & 0x7F);
			v >>= 7;
			e->post[e->plen++] = v ? (uint8_t)(b | 0x80) : b;
		} while (v);
	}
	e->df++;
	e->last = doc;
	return NPK_OK;
}

static int runs_compact(npk__ixw *x, npk_error *err);

static const npk__ixw *sort_x;

static int entry_cmp(const void *a, const void *b)
{
	const entry *p = *(const entry *const *)a, *q = *(const entry *const *)b;
	return key_cmp(sort_x->arena.p + p->off, p->len, sort_x->arena.p + q->off, q->len);
}

typedef struct wbuf {
	int fd;
	uint64_t off;
	npk_buf b;
} wbuf;

static int wbuf_flush(wbuf *w, npk_error *err)
{
	int rc = npk__pwrite_full(w->fd, w->b.p, w->b.len, w->off, "search index: scratch file", err);
	w->off += w->b.len;
	w->b.len = 0;
	return rc;
}

/* The lists in memory, keys sorted, as a run: per key u8 len, key, varint
 * df, varint bytes, the bytes. */
static int run_write(npk__ixw *x, npk_error *err)
{
	if (x->n == 0)
		return NPK_OK;
	entry **v = malloc(x->n * sizeof *v);
	NPK_FAIL_IF(v == NULL, err, NPK_E_NOMEM, "out of memory");
	size_t k = 0;
	for (size_t i = 0; i < x->cap; i++)
		if (x->t[i].len)
			v[k++] = &x->t[i];
	sort_x = x;
	qsort(v, k, sizeof *v, entry_cmp);
	run *r = realloc(x->runs, (x->nruns + 1) * sizeof *r);
	if (r == NULL) {
		free(v);
		return npk__fail(err, NPK_E_NOMEM, "out of memory");
	}
	x->runs = r;
	int rc = x->scratch >= 0 ? NPK_OK : npk__scratch_fd(&x->scratch, err);
	wbuf w = {.fd = x->scratch, .off = x->scratch_end};
	for (size_t i = 0; i < k && rc == NPK_OK; i++) {
		const entry *e = v[i];
		if (npk__buf_u8(&w.b, e->len) != 0 ||
		    npk__buf_put(&w.b, x->arena.p + e->off, e->len) != 0 ||
		    put_varint(&w.b, e->df) != 0 || npk__buf_put(&w.b, e->post, e->plen) != 0)
			rc = npk__fail(err, NPK_E_NOMEM, "out of memory");
		else if (w.b.len >= (1u << 20))
			rc = wbuf_flush(&w, err);
	}
	if (rc == NPK_OK)
		rc = wbuf_flush(&w, err);
	free(v);
	npk__buf_free(&w.b);
	NPK_FORWARD(rc);
	x->runs[x->nruns++] = (run){.off = x->scratch_end, .size = w.off - x->scratch_end};
	x->scratch_end = w.off;
	for (size_t i = 0; i < x->cap; i++)
		free(x->t[i].post);
	memset(x->t, 0, x->cap * sizeof *x->t);
	x->n = 0;
	x->arena.len = 0;
	x->mem = x->cap * sizeof *x->t;
#ifdef __GLIBC__
	/* the lists were many small blocks: give their pages back, so that the
	 * next run's budget is what the process holds */
	malloc_trim(0);
#endif
	return x->nruns < RUNS_MAX ? NPK_OK : runs_compact(x, err);
}

static int lang_count(npk__ixw *x, const char *code)
{
	for (size_t i = 0; i < x->nlangs; i++) {
		if (strcmp(x->langs[i].code, code) == 0) {
			x->langs[i].docs++;
			return NPK_OK;
		}
	}
	if (x->nlangs == sizeof x->langs / sizeof x->langs[0]) {
		x->lang_overflow = 1;
		return NPK_OK;
	}
	snprintf(x->langs[x->nlangs].code, sizeof x->langs[0].code, "%s", code);
	x->langs[x->nlangs++].docs = 1;
	return NPK_OK;
}

/* A document counted by the workers joins the lists. */
static int invert(npk__ixw *x, job *j, npk_error *err)
{
	uint64_t at = j->doc - x->o.lo;
	if (at >= x->norms_cap) {
		size_t cap = x->norms_cap ? x->norms_cap : 65536;
		while (cap <= at)
			cap *= 2;
		uint8_t *p = realloc(x->norms, cap);
		NPK_FAIL_IF(p == NULL, err, NPK_E_NOMEM, "out of memory");
		memset(p + x->norms_cap, 0, cap - x->norms_cap);
		x->norms = p;
		x->norms_cap = cap;
	}
	x->norms[at] = npk__ix_norm_code(j->length);
	if (j->length > 0) {
		x->docs++;
		x->total += j->length;
		NPK_FORWARD(lang_count(x, j->lang));
	}
	x->truncated += j->truncated != 0;
	/* the lists' slots asked of memory all at once, not one miss after
	 * another: the table is larger than the processor's caches */
	if ((x->n + 1) * 2 <= x->cap) {
		for (size_t i = 0; i < j->keys.len;) {
			uint64_t h;
			memcpy(&h, j->keys.p + i, sizeof h);
			__builtin_prefetch(&x->t[h & (x->cap - 1)]);
			i += sizeof h + 1 + j->keys.p[i + sizeof h];
			while (j->keys.p[i++] & 0x80)
				;
		}
	}
	for (size_t i = 0; i < j->keys.len;) {
		uint64_t h;
		memcpy(&h, j->keys.p + i, sizeof h);
		i += sizeof h;
		size_t n = j->keys.p[i];
		const uint8_t *key = j->keys.p + i + 1;
		i += 1 + n;
		uint64_t tf = 0;
		for (int s = 0; s < 64; s += 7) {
			uint8_t b = j->keys.p[i++];
			tf |= (uint64_t)(b & 0x7F) << s;
			if (!(b & 0x80))
				break;
		}
		NPK_FORWARD(list_add(x, j->doc, key, n, h, tf, err));
	}
	if (x->mem > x->o.mem)
		NPK_FORWARD(run_write(x, err));
	return NPK_OK;
}

/* ==== Workers ==== */

static void *worker_main(void *arg)
{
	npk__ixw *x = arg;
	counter c = {0};
	npk_buf text = {0};
	pthread_mutex_lock(&x->mu);
	for (;;) {
		if (x->claim == x->tail) {
			if (x->stop)
				break;
			pthread_cond_wait(&x->work, &x->mu);
			continue;
		}
		/* up to BATCH documents at once: fewer wake-ups than one each */
		uint64_t from = x->claim, to = x->tail - from > BATCH ? from + BATCH : x->tail;
		x->claim = to;
		pthread_mutex_unlock(&x->mu);
		for (uint64_t q = from; q < to; q++) {
			job *j = &x->ring[q % x->ring_cap];
			j->rc = analyze(&c, &text, j, &j->err);
		}
		pthread_mutex_lock(&x->mu);
		for (uint64_t q = from; q < to; q++)
			x->ring[q % x->ring_cap].state = 3;
		pthread_cond_broadcast(&x->done);
	}
	pthread_mutex_unlock(&x->mu);
	counter_free(&c);
	npk__buf_free(&text);
	return NULL;
}

static void workers_stop(npk__ixw *x);

/* The inverting thread: each counted document in number order joins the
 * lists (and the runs), so that the caller's thread only hands documents
 * out. After a failure it only frees the places, for the caller to see. */
static void *inverter_main(void *arg)
{
	npk__ixw *x = arg;
	pthread_mutex_lock(&x->mu);
	for (;;) {
		job *j = x->head < x->tail ? &x->ring[x->head % x->ring_cap] : NULL;
		if (j == NULL || j->state != 3) {
			if (j == NULL && x->inv_stop)
				break;
			pthread_cond_wait(&x->done, &x->mu);
			continue;
		}
		int rc = x->inv_rc;
		pthread_mutex_unlock(&x->mu);
		npk_error e = {0};
		if (rc == NPK_OK) {
			rc = j->rc;
			if (rc != NPK_OK)
				e = j->err;
			else
				rc = invert(x, j, &e);
		}
		pthread_mutex_lock(&x->mu);
		if (rc != NPK_OK && x->inv_rc == NPK_OK) {
			x->inv_rc = rc;
			x->inv_err = e;
		}
		x->inflight -= j->len;
		job_release(j);
		x->head++;
		/* the caller waits for room: tell it now and then, and when the
		 * ring is drained or a failure is to be seen */
		if (x->head % BATCH == 0 || x->head == x->tail || x->inv_rc != NPK_OK)
			pthread_cond_broadcast(&x->space);
	}
	pthread_mutex_unlock(&x->mu);
	return NULL;
}

/* Every document handed out inverted, and the threads gone; the first
 * failure, if any. */
static int threads_stop(npk__ixw *x, npk_error *err)
{
	if (x->inv_on) {
		pthread_mutex_lock(&x->mu);
		x->inv_stop = 1;
		pthread_cond_broadcast(&x->work); /* the last documents, fewer than a batch */
		pthread_cond_broadcast(&x->done);
		pthread_mutex_unlock(&x->mu);
		pthread_join(x->inv, NULL);
		x->inv_on = 0;
	}
	workers_stop(x);
	if (x->inv_rc != NPK_OK) {
		*err = x->inv_err;
		return x->inv_rc;
	}
	return NPK_OK;
}

static void workers_stop(npk__ixw *x)
{
	if (x->nthreads == 0)
		return;
	pthread_mutex_lock(&x->mu);
	x->stop = 1;
	pthread_cond_broadcast(&x->work);
	pthread_mutex_unlock(&x->mu);
	for (int i = 0; i < x->nthreads; i++)
		pthread_join(x->tids[i], NULL);
	x->nthreads = 0;
}

int npk__ixw_new(const npk__ixw_opts *o, npk__ixw **out, npk_error *err)
{
	NPK_FAIL_IF(o->codec > 2, err, NPK_E_ARG, "search index: unknown codec %u", o->codec);
	npk__ixw *x = calloc(1, sizeof *x);
	NPK_FAIL_IF(x == NULL, err, NPK_E_NOMEM, "out of memory");
	x->o = *o;
	x->scratch = -1;
	if (x->o.mem == 0)
		x->o.mem = NPK__IX_MEM_DEFAULT;
	pthread_mutex_init(&x->mu, NULL);
	pthread_cond_init(&x->work, NULL);
	pthread_cond_init(&x->done, NULL);
	pthread_cond_init(&x->space, NULL);
	int n = o->threads > 1 ? o->threads : 0;
	if (n > 0) {
		x->ring_cap = (size_t)n * 4 * BATCH;
		x->ring = calloc(x->ring_cap, sizeof *x->ring);
		x->tids = calloc((size_t)n, sizeof *x->tids);
		if (x->ring == NULL || x->tids == NULL) {
			npk__ixw_free(x);
			return npk__fail(err, NPK_E_NOMEM, "out of memory");
		}
		for (; x->nthreads < n; x->nthreads++) {
			if (pthread_create(&x->tids[x->nthreads], NULL, worker_main, x) != 0) {
				npk__ixw_free(x);
				return npk__fail(err, NPK_E_NOMEM, "search index: cannot start a thread");
			}
		}
		if (pthread_create(&x->inv, NULL, inverter_main, x) != 0) {
			npk__ixw_free(x);
			return npk__fail(err, NPK_E_NOMEM, "search index: cannot start a thread");
		}
		x->inv_on = 1;
	}
	*out = x;
	return NPK_OK;
}

int npk__ixw_doc(npk__ixw *x, uint64_t doc, const uint8_t *bytes, size_t len, int truncated,
                 const char *media, const uint8_t *meta_enc, size_t meta_len, npk_error *err)
{
	NPK_FAIL_IF(doc < x->o.lo || (x->any_doc && doc <= x->last_doc) ||
	            doc - x->o.lo >= ((uint64_t)1 << 32), err, NPK_E_ARG,
	            "search index: document %llu out of order", (unsigned long long)doc);
	x->any_doc = 1;
	x->last_doc = doc;
	if (len > NPK__INDEX_DOC_MAX) {
		len = NPK__INDEX_DOC_MAX;
		truncated = 1;
	}
	job one = {0}, *j = &one;
	if (x->nthreads > 0) {
		pthread_mutex_lock(&x->mu);
		while (x->inv_rc == NPK_OK && (x->tail - x->head == x->ring_cap ||
		                               (x->tail > x->head && x->inflight + len > INFLIGHT_MAX))) {
			pthread_cond_broadcast(&x->work); /* none may wait while we do */
			pthread_cond_wait(&x->space, &x->mu);
		}
		int rc = x->inv_rc;
		if (rc != NPK_OK)
			*err = x->inv_err;
		pthread_mutex_unlock(&x->mu);
		NPK_FORWARD(rc);
		j = &x->ring[x->tail % x->ring_cap];
	}
	npk_buf keys = j->keys;
	*j = (job){.doc = doc, .len = len, .meta_len = meta_len, .truncated = truncated,
	           .keys = keys};
	j->bytes = malloc(len ? len : 1);
	j->meta = malloc(meta_len ? meta_len : 1);
	j->media = strdup(media ? media : "application/octet-stream");
	if (j->bytes == NULL || j->meta == NULL || j->media == NULL) {
		job_release(j);
		npk__buf_free(&j->keys);
		return npk__fail(err, NPK_E_NOMEM, "out of memory");
	}
	if (len > 0)
		memcpy(j->bytes, bytes, len);
	if (meta_len > 0)
		memcpy(j->meta, meta_enc, meta_len);
	if (x->nthreads == 0) {
		int rc = analyze(&x->main_counter, &x->main_text, j, err);
		if (rc == NPK_OK)
			rc = invert(x, j, err);
		job_release(j);
		npk__buf_free(&j->keys);
		return rc;
	}
	pthread_mutex_lock(&x->mu);
	j->state = 1;
	x->tail++;
	x->inflight += len;
	if (x->tail - x->claim >= BATCH)
		pthread_cond_signal(&x->work);
	pthread_mutex_unlock(&x->mu);
	return NPK_OK;
}

/* ==== Stage 3: the merge, and the sections ==== */

typedef struct cursor {
	int fd;
	uint64_t off, size;       /* the next byte to read, and the run's end */
	uint8_t buf[16384];
	size_t pos, fill;
	uint8_t key[KEY_MAX];
	size_t len;
	uint64_t df;
	int live;
} cursor;

static int cur_fill(cursor *c, npk_error *err)
{
	uint64_t left = c->size - c->off;
	size_t n = left < sizeof c->buf ? (size_t)left : sizeof c->buf;
	NPK_FAIL_IF(n == 0, err, NPK_E_IO, "search index: a scratch run ends early");
	NPK_FORWARD(npk__pread_full(c->fd, c->buf, n, c->off, "search index: scratch file", err));
	c->off += n;
	c->pos = 0;
	c->fill = n;
	return NPK_OK;
}

static inline int cur_byte(cursor *c, uint8_t *b, npk_error *err)
{
	if (c->pos == c->fill)
		NPK_FORWARD(cur_fill(c, err));
	*b = c->buf[c->pos++];
	return NPK_OK;
}

static int cur_varint_slow(cursor *c, uint64_t *v, npk_error *err)
{
	*v = 0;
	for (int s = 0; s < 64; s += 7) {
		uint8_t b;
		NPK_FORWARD(cur_byte(c, &b, err));
		*v |= (uint64_t)(b & 0x7F) << s;
		if (!(b & 0x80))
			return NPK_OK;
	}
	return npk__fail(err, NPK_E_IO, "search index: a scratch run is damaged");
}

/* A varint of at most 10 bytes. Every posting of the merge is two: when
 * the buffer holds 10 bytes they are read from it directly. */
static inline int cur_varint(cursor *c, uint64_t *v, npk_error *err)
{
	if (c->fill - c->pos < 10)
		return cur_varint_slow(c, v, err);
	const uint8_t *p = c->buf + c->pos;
	uint64_t r = 0;
	for (int i = 0; i < 10; i++) {
		r |= (uint64_t)(p[i] & 0x7F) << (7 * i);
		if (!(p[i] & 0x80)) {
			c->pos += (size_t)i + 1;
			*v = r;
			return NPK_OK;
		}
	}
	return npk__fail(err, NPK_E_IO, "search index: a scratch run is damaged");
}

/* The next record's key, df and byte count; live = 0 at the end. */
static int cur_next(cursor *c, npk_error *err)
{
	if (c->pos == c->fill && c->off == c->size) {
		c->live = 0;
		return NPK_OK;
	}
	uint8_t n;
	NPK_FORWARD(cur_byte(c, &n, err));
	c->len = n;
	for (size_t i = 0; i < n; i++)
		NPK_FORWARD(cur_byte(c, &c->key[i], err));
	NPK_FORWARD(cur_varint(c, &c->df, err));
	c->live = 1;
	return NPK_OK;
}

typedef struct writer {
	npk__ixw *x;
	npk__ixw_emit emit;
	void *ctx;
	uint64_t at, start;       /* file offset now, and of the postings */
	crypto_generichash_state hs;
	void *zc;                 /* ZSTD_CCtx */
	npk_buf page, stored, root_pages, norm_recs;
	uint32_t page_count, pages, norm_pages;
	uint8_t first[KEY_MAX], prev[KEY_MAX];
	size_t first_len, prev_len;
	/* the key being written */
	uint64_t df, count, prev_doc, chunk_first;
	uint32_t gaps[BLOCK], tfs[BLOCK];
	size_t nb, chunk_n;
	npk_buf chunk, recs;      /* the open chunk; the key's chunk records */
	uint64_t chunks, keys;
} writer;

static int emit(writer *w, const void *p, size_t len, npk_error *err)
{
	crypto_generichash_update(&w->hs, p, len);
	NPK_FORWARD(w->emit(w->ctx, p, len, err));
	w->at += len;
	return NPK_OK;
}

/* raw through the root's codec into w->stored. */
static int page_encode(writer *w, const uint8_t *raw, size_t len, npk_error *err)
{
	w->stored.len = 0;
	unsigned codec = w->x->o.codec;
	int level = w->x->o.level;
	if (codec == 0)
		NPK_FAIL_IF(npk__buf_put(&w->stored, raw, len) != 0, err, NPK_E_NOMEM, "out of memory");
	if (codec == 1) {
		uLongf n = compressBound((uLong)len);
		NPK_FAIL_IF(npk__buf_reserve(&w->stored, n) != 0, err, NPK_E_NOMEM, "out of memory");
		int zr = compress2(w->stored.p, &n, raw, (uLong)len, level ? level : 6);
		NPK_FAIL_IF(zr != Z_OK, err, NPK_E_NOMEM, "search index: zlib failed (%d)", zr);
		w->stored.len = n;
	}
	if (codec == 2) {
		if (w->zc == NULL)
			w->zc = ZSTD_createCCtx();
		NPK_FAIL_IF(w->zc == NULL, err, NPK_E_NOMEM, "out of memory");
		size_t n = ZSTD_compressBound(len);
		NPK_FAIL_IF(npk__buf_reserve(&w->stored, n) != 0, err, NPK_E_NOMEM, "out of memory");
		n = ZSTD_compressCCtx(w->zc, w->stored.p, n, raw, len, level ? level : 3);
		NPK_FAIL_IF(ZSTD_isError(n), err, NPK_E_NOMEM, "search index: zstd failed");
		w->stored.len = n;
	}
	return NPK_OK;
}

/* The stored page: emitted, and its record (offset, stored, raw, digest)
 * appended to recs. */
static int page_emit(writer *w, const uint8_t *raw, size_t len, npk_buf *recs, npk_error *err)
{
	NPK_FORWARD(page_encode(w, raw, len, err));
	uint8_t d[32];
	npk__digest(w->stored.p, w->stored.len, d);
	uint64_t off = w->at - w->start;
	NPK_FAIL_IF(w->stored.len > UINT32_MAX, err, NPK_E_LIMIT, "search index: page too large");
	NPK_FORWARD(emit(w, w->stored.p, w->stored.len, err));
	if (npk__buf_u64(recs, off) != 0 || npk__buf_u32(recs, (uint32_t)w->stored.len) != 0 ||
	    npk__buf_u32(recs, (uint32_t)len) != 0 || npk__buf_put(recs, d, 32) != 0)
		return npk__fail(err, NPK_E_NOMEM, "out of memory");
	return NPK_OK;
}

static int term_page_close(writer *w, npk_error *err)
{
	if (w->page_count == 0)
		return NPK_OK;
	npk__st32(w->page.p, w->page_count);
	NPK_FORWARD(page_emit(w, w->page.p, w->page.len, &w->root_pages, err));
	if (npk__buf_u8(&w->root_pages, (uint8_t)w->first_len) != 0 ||
	    npk__buf_put(&w->root_pages, w->first, w->first_len) != 0)
		return npk__fail(err, NPK_E_NOMEM, "out of memory");
	w->pages++;
	w->page_count = 0;
	w->page.len = 0;
	return NPK_OK;
}

static unsigned bits_of(uint32_t v)
{
	unsigned b = 0;
	while (v) {
		b++;
		v >>= 1;
	}
	return b;
}

/* 128 values of bits bits each, from the lowest bit of the first byte up
 * (9.4): 16 * bits bytes. */
static void pack(uint8_t *out, const uint32_t *v, unsigned bits)
{
	uint64_t acc = 0;
	unsigned have = 0;
	for (size_t i = 0; i < BLOCK; i++) {
		acc |= (uint64_t)v[i] << have; /* have < 8, bits <= 32: within 64 bits */
		for (have += bits; have >= 8; have -= 8) {
			*out++ = (uint8_t)acc;
			acc >>= 8;
		}
	}
}

static int block_full(writer *w, npk_error *err)
{
	uint32_t gm = 0, tm = 0;
	for (size_t i = 0; i < BLOCK; i++) {
		gm |= w->gaps[i];
		tm |= w->tfs[i];
	}
	unsigned gb = bits_of(gm), tb = bits_of(tm);
	NPK_FAIL_IF(npk__buf_reserve(&w->chunk, 2 + 16 * (gb + tb)) != 0, err, NPK_E_NOMEM,
	            "out of memory");
	uint8_t *p = w->chunk.p + w->chunk.len;
	p[0] = (uint8_t)gb;
	p[1] = (uint8_t)tb;
	pack(p + 2, w->gaps, gb);
	pack(p + 2 + 16 * gb, w->tfs, tb);
	w->chunk.len += 2 + 16 * (gb + tb);
	w->nb = 0;
	return NPK_OK;
}

static int block_rest(writer *w, npk_error *err)
{
	for (size_t i = 0; i < w->nb; i++)
		if (put_varint(&w->chunk, w->gaps[i]) != 0 || put_varint(&w->chunk, w->tfs[i]) != 0)
			return npk__fail(err, NPK_E_NOMEM, "out of memory");
	w->nb = 0;
	return NPK_OK;
}

/* The open chunk to the postings section, its record to the key's. */
static int chunk_emit(writer *w, npk_error *err)
{
	uint8_t d[32];
	npk__digest(w->chunk.p, w->chunk.len, d);
	if (w->chunks == 0)
		w->chunk_first = w->at - w->start;
	NPK_FORWARD(emit(w, w->chunk.p, w->chunk.len, err));
	if (put_varint(&w->recs, w->chunk.len) != 0 ||
	    put_varint(&w->recs, w->prev_doc - w->x->o.lo) != 0 || npk__buf_put(&w->recs, d, 32) != 0)
		return npk__fail(err, NPK_E_NOMEM, "out of memory");
	w->chunks++;
	w->chunk.len = 0;
	w->chunk_n = 0;
	return NPK_OK;
}

static int key_begin(writer *w, const uint8_t *key, size_t len, uint64_t df, npk_error *err)
{
	if (w->page.len >= PAGE_TARGET)
		NPK_FORWARD(term_page_close(w, err));
	if (w->page_count == 0) {
		w->page.len = 0;
		NPK_FAIL_IF(npk__buf_u32(&w->page, 0) != 0, err, NPK_E_NOMEM, "out of memory");
		memcpy(w->first, key, len);
		w->first_len = len;
		w->prev_len = 0;
	}
	w->df = df;
	w->count = 0;
	w->prev_doc = w->x->o.lo - 1;
	w->nb = w->chunk_n = 0;
	w->chunk.len = w->recs.len = 0;
	w->chunks = 0;
	return NPK_OK;
}

static int key_posting(writer *w, uint64_t doc, uint64_t tf, npk_error *err)
{
	NPK_FAIL_IF(w->count > 0 && doc <= w->prev_doc, err, NPK_E_IO,
	            "search index: scratch postings out of order");
	w->gaps[w->nb] = (uint32_t)(doc - w->prev_doc - 1);
	w->tfs[w->nb] = (uint32_t)((tf > TF_MAX ? TF_MAX : tf) - 1);
	w->nb++;
	w->prev_doc = doc;
	w->count++;
	w->chunk_n++;
	if (w->nb == BLOCK)
		NPK_FORWARD(block_full(w, err));
	if (w->chunk_n == CHUNK)
		NPK_FORWARD(chunk_emit(w, err));
	return NPK_OK;
}

/* The key's record joins the term page. */
static int key_end(writer *w, const uint8_t *key, size_t len, npk_error *err)
{
	NPK_FAIL_IF(w->count != w->df, err, NPK_E_IO, "search index: scratch counts disagree");
	NPK_FORWARD(block_rest(w, err));
	int inl = w->chunks == 0 && w->chunk.len <= INLINE_MAX;
	if (!inl && w->chunk_n > 0)
		NPK_FORWARD(chunk_emit(w, err));
	size_t shared = 0;
	while (shared < len && shared < w->prev_len && key[shared] == w->prev[shared])
		shared++;
	npk_buf *p = &w->page;
	int bad = npk__buf_u8(p, (uint8_t)shared) || npk__buf_u8(p, (uint8_t)(len - shared)) ||
	          npk__buf_put(p, key + shared, len - shared) || put_varint(p, w->df);
	if (inl)
		bad = bad || put_varint(p, 0) || put_varint(p, w->chunk.len) ||
		      npk__buf_put(p, w->chunk.p, w->chunk.len);
	else
		bad = bad || put_varint(p, w->chunks) || put_varint(p, w->chunk_first) ||
		      npk__buf_put(p, w->recs.p, w->recs.len);
	NPK_FAIL_IF(bad, err, NPK_E_NOMEM, "out of memory");
	NPK_FAIL_IF(p->len > PAGE_RAW_MAX, err, NPK_E_LIMIT,
	            "search index: too many documents for one index");
	memcpy(w->prev, key, len);
	w->prev_len = len;
	w->page_count++;
	w->keys++;
	return NPK_OK;
}

/* Where a merge of runs goes: each key's df, its postings in document
 * order, its end. */
typedef struct merge_out {
	int (*begin)(void *ctx, const uint8_t *key, size_t len, uint64_t df, npk_error *err);
	int (*posting)(void *ctx, uint64_t doc, uint64_t tf, npk_error *err);
	int (*end)(void *ctx, const uint8_t *key, size_t len, npk_error *err);
	void *ctx;
} merge_out;

/* The live cursors as a heap, least key first and, for a key, the earliest
 * run (the cursors are in run order in their array): a merge of k runs
 * takes O(log k) comparisons a record, not O(k) a key. */
static int cur_before(const cursor *a, const cursor *b)
{
	int d = key_cmp(a->key, a->len, b->key, b->len);
	return d ? d < 0 : a < b;
}

static void heap_down(cursor **h, size_t n, size_t i)
{
	cursor *v = h[i];
	for (;;) {
		size_t l = 2 * i + 1, m = l;
		if (l >= n)
			break;
		if (l + 1 < n && cur_before(h[l + 1], h[l]))
			m = l + 1;
		if (!cur_before(h[m], v))
			break;
		h[i] = h[m];
		i = m;
	}
	h[i] = v;
}

static void heap_push(cursor **h, size_t *n, cursor *v)
{
	size_t i = (*n)++;
	while (i > 0 && cur_before(v, h[(i - 1) / 2])) {
		h[i] = h[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h[i] = v;
}

static cursor *heap_pop(cursor **h, size_t *n)
{
	cursor *top = h[0];
	h[0] = h[--*n];
	if (*n > 0)
		heap_down(h, *n, 0);
	return top;
}

/* The postings of one run's list of the key, into o; the cursor moves to
 * its next record. */
static int cur_list(npk__ixw *x, cursor *c, const merge_out *o, npk_error *err)
{
	uint64_t doc = x->o.lo;
	for (uint64_t p = 0; p < c->df; p++) {
		uint64_t gap, tf;
		NPK_FORWARD(cur_varint(c, &gap, err));
		NPK_FORWARD(cur_varint(c, &tf, err));
		doc += gap;
		NPK_FORWARD(o->posting(o->ctx, doc, tf, err));
	}
	return cur_next(c, err);
}

/* Every run, key by key in key order, a key's lists one after the other
 * (the runs are in document order), into o. */
static int merge_each(npk__ixw *x, const merge_out *o, npk_error *err)
{
	size_t k = x->nruns, n = 0;
	cursor *c = calloc(k ? k : 1, sizeof *c);
	cursor **heap = malloc((k ? k : 1) * sizeof *heap);
	cursor **same = malloc((k ? k : 1) * sizeof *same);
	int rc = c && heap && same ? NPK_OK : npk__fail(err, NPK_E_NOMEM, "out of memory");
	for (size_t i = 0; i < k && rc == NPK_OK; i++) {
		c[i] = (cursor){.fd = x->scratch, .off = x->runs[i].off,
		                .size = x->runs[i].off + x->runs[i].size};
		rc = cur_next(&c[i], err);
		if (rc == NPK_OK && c[i].live)
			heap_push(heap, &n, &c[i]);
	}
	while (rc == NPK_OK && n > 0) {
		/* the runs that hold the least key, in run order */
		uint8_t key[KEY_MAX];
		size_t len = heap[0]->len, ns = 0;
		memcpy(key, heap[0]->key, len);
		uint64_t df = 0;
		do {
			same[ns] = heap_pop(heap, &n);
			df += same[ns++]->df;
		} while (n > 0 && key_cmp(heap[0]->key, heap[0]->len, key, len) == 0);
		rc = o->begin(o->ctx, key, len, df, err);
		for (size_t i = 0; i < ns && rc == NPK_OK; i++) {
			rc = cur_list(x, same[i], o, err);
			if (rc == NPK_OK && same[i]->live)
				heap_push(heap, &n, same[i]);
		}
		if (rc == NPK_OK)
			rc = o->end(o->ctx, key, len, err);
	}
	free(c);
	free(heap);
	free(same);
	return rc;
}

/* ---- Runs merged into one (more than RUNS_MAX) ---- */

typedef struct compact {
	wbuf w;
	uint64_t lo, prev;
	int first;
} compact;

static int compact_begin(void *ctx, const uint8_t *key, size_t len, uint64_t df, npk_error *err)
{
	compact *c = ctx;
	c->first = 1;
	if (npk__buf_u8(&c->w.b, (uint8_t)len) != 0 || npk__buf_put(&c->w.b, key, len) != 0 ||
	    put_varint(&c->w.b, df) != 0)
		return npk__fail(err, NPK_E_NOMEM, "out of memory");
	return NPK_OK;
}

static int compact_posting(void *ctx, uint64_t doc, uint64_t tf, npk_error *err)
{
	compact *c = ctx;
	uint64_t gap = doc - (c->first ? c->lo : c->prev);
	c->first = 0;
	c->prev = doc;
	if (put_varint(&c->w.b, gap) != 0 || put_varint(&c->w.b, tf) != 0)
		return npk__fail(err, NPK_E_NOMEM, "out of memory");
	return c->w.b.len >= (1u << 20) ? wbuf_flush(&c->w, err) : NPK_OK;
}

static int compact_end(void *ctx, const uint8_t *key, size_t len, npk_error *err)
{
	(void)ctx;
	(void)key;
	(void)len;
	(void)err;
	return NPK_OK;
}

/* The runs, merged into one run of a new scratch file (the old one, and
 * its space, let go): the merge at the end then reads a bounded number. */
static int runs_compact(npk__ixw *x, npk_error *err)
{
	compact c = {.w = {.fd = -1}, .lo = x->o.lo};
	NPK_FORWARD(npk__scratch_fd(&c.w.fd, err));
	merge_out o = {compact_begin, compact_posting, compact_end, &c};
	int rc = merge_each(x, &o, err);
	if (rc == NPK_OK)
		rc = wbuf_flush(&c.w, err);
	npk__buf_free(&c.w.b);
	if (rc != NPK_OK) {
		close(c.w.fd);
		return rc;
	}
	close(x->scratch);
	x->scratch = c.w.fd;
	x->scratch_end = c.w.off;
	x->runs[0] = (run){.off = 0, .size = c.w.off};
	x->nruns = 1;
	return NPK_OK;
}

/* ---- Runs merged into the index ---- */

static int out_begin(void *ctx, const uint8_t *key, size_t len, uint64_t df, npk_error *err)
{
	return key_begin(ctx, key, len, df, err);
}

static int out_posting(void *ctx, uint64_t doc, uint64_t tf, npk_error *err)
{
	return key_posting(ctx, doc, tf, err);
}

static int out_end(void *ctx, const uint8_t *key, size_t len, npk_error *err)
{
	return key_end(ctx, key, len, err);
}

/* Every run, key by key, into chunks and term pages. */
static int merge_runs(writer *w, npk_error *err)
{
	merge_out o = {out_begin, out_posting, out_end, w};
	NPK_FORWARD(merge_each(w->x, &o, err));
	return term_page_close(w, err);
}

static int norms_write(writer *w, uint64_t n, npk_error *err)
{
	npk__ixw *x = w->x;
	if (n > x->norms_cap) {
		uint8_t *p = realloc(x->norms, (size_t)n);
		NPK_FAIL_IF(p == NULL, err, NPK_E_NOMEM, "out of memory");
		memset(p + x->norms_cap, 0, (size_t)n - x->norms_cap);
		x->norms = p;
		x->norms_cap = (size_t)n;
	}
	for (uint64_t at = 0; at < n; at += NORM_PAGE) {
		size_t len = n - at < NORM_PAGE ? (size_t)(n - at) : NORM_PAGE;
		NPK_FORWARD(page_emit(w, x->norms + at, len, &w->norm_recs, err));
		w->norm_pages++;
	}
	return NPK_OK;
}

static int lang_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

static int root_write(writer *w, uint64_t hi, npk__ixw_result *res, npk_error *err)
{
	npk__ixw *x = w->x;
	char versions[128];
	NPK_FAIL_IF(npk__text_versions(versions, sizeof versions) != NPK_OK, err, NPK_E_VERSION,
	            "search index: the Unicode version of this libunistring is not known");
	/* the 64 languages with the most documents, by code */
	for (size_t i = 0; i < x->nlangs; i++)
		for (size_t j = i + 1; j < x->nlangs; j++)
			if (x->langs[j].docs > x->langs[i].docs) {
				__typeof__(x->langs[0]) t = x->langs[i];
				x->langs[i] = x->langs[j];
				x->langs[j] = t;
			}
	size_t nl = x->nlangs < LANGS_MAX ? x->nlangs : LANGS_MAX;
	qsort(x->langs, nl, sizeof x->langs[0], lang_cmp);
	npk_buf r = {0};
	uint8_t h[ROOT_HEADER] = {0};
	memcpy(h, IX_MAGIC, 8);
	npk__st64(h + 8, x->o.lo);
	npk__st64(h + 16, hi);
	npk__st64(h + 24, x->docs);
	npk__st64(h + 32, x->total);
	npk__st64(h + 40, w->keys);
	npk__st32(h + 48, w->pages);
	npk__st32(h + 52, w->norm_pages);
	h[56] = (uint8_t)x->o.codec;
	h[57] = (uint8_t)nl;
	npk__st16(h + 58, (uint16_t)strlen(versions));
	int bad = npk__buf_put(&r, h, sizeof h) || npk__buf_put(&r, versions, strlen(versions));
	for (size_t i = 0; i < nl; i++) {
		uint8_t code[8] = {0};
		memcpy(code, x->langs[i].code, strlen(x->langs[i].code));
		bad = bad || npk__buf_put(&r, code, 8) || npk__buf_u64(&r, x->langs[i].docs);
	}
	bad = bad || npk__buf_put(&r, w->root_pages.p, w->root_pages.len) ||
	      npk__buf_put(&r, w->norm_recs.p, w->norm_recs.len);
	int rc = bad ? npk__fail(err, NPK_E_NOMEM, "out of memory") : NPK_OK;
	if (rc == NPK_OK) {
		npk__digest(r.p, r.len, res->root_digest);
		res->root_off = w->at;
		res->root_len = r.len;
		rc = w->emit(w->ctx, r.p, r.len, err);
		w->at += r.len;
	}
	npk__buf_free(&r);
	return rc;
}

int npk__ixw_finish(npk__ixw *x, uint64_t hi, uint64_t at, npk__ixw_emit emit_fn, void *ctx,
                    npk__ixw_result *res, npk_error *err)
{
	NPK_FORWARD(threads_stop(x, err));
	NPK_FAIL_IF(hi < x->o.lo || (x->any_doc && hi <= x->last_doc) ||
	            hi - x->o.lo > ((uint64_t)1 << 32), err, NPK_E_ARG,
	            "search index: bad end %llu", (unsigned long long)hi);
	NPK_FAIL_IF(hi == x->o.lo, err, NPK_E_ARG, "search index: no documents to index");
	NPK_FORWARD(run_write(x, err));
	writer w = {.x = x, .emit = emit_fn, .ctx = ctx, .at = at, .start = at};
	crypto_generichash_init(&w.hs, NULL, 0, 32);
	memset(res, 0, sizeof *res);
	int rc = merge_runs(&w, err);
	if (rc == NPK_OK)
		rc = norms_write(&w, hi - x->o.lo, err);
	if (rc == NPK_OK) {
		res->post_off = at;
		res->post_len = w.at - at;
		crypto_generichash_final(&w.hs, res->post_digest, 32);
		rc = root_write(&w, hi, res, err);
	}
	res->docs = x->docs;
	res->keys = w.keys;
	res->truncated = x->truncated;
	ZSTD_freeCCtx(w.zc);
	npk__buf_free(&w.page);
	npk__buf_free(&w.stored);
	npk__buf_free(&w.root_pages);
	npk__buf_free(&w.norm_recs);
	npk__buf_free(&w.chunk);
	npk__buf_free(&w.recs);
	return rc;
}

void npk__ixw_free(npk__ixw *x)
{
	if (x == NULL)
		return;
	npk_error ignored;
	threads_stop(x, &ignored);
	if (x->ring != NULL) {
		for (size_t i = 0; i < x->ring_cap; i++) {
			job_release(&x->ring[i]);
			npk__buf_free(&x->ring[i].keys);
		}
	}
	free(x->ring);
	free(x->tids);
	pthread_mutex_destroy(&x->mu);
	pthread_cond_destroy(&x->work);
	pthread_cond_destroy(&x->done);
	pthread_cond_destroy(&x->space);
	counter_free(&x->main_counter);
	npk__buf_free(&x->main_text);
	for (size_t i = 0; i < x->cap; i++)
		free(x->t[i].post);
	free(x->t);
	npk__buf_free(&x->arena);
	if (x->scratch >= 0)
		close(x->scratch);
	free(x->runs);
	free(x->norms);
	free(x);
}
