/*
 * serve_cache.c - newspack serve: searches answered lately, kept so that
 * the same search again (a reload, the way back from an article, a second
 * reader asking what the first asked) is answered from memory.
 *
 * The archives never change while they are served (each reader opened
 * later checks the signature again and must read the same clusters), so a
 * result, whose snippets were read from documents checked against their
 * digests, stays true. Bounded: at most CACHE_ENTRIES results and
 * CACHE_BYTES of them; the one used longest ago goes first.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "serve.h"

#define CACHE_ENTRIES 512u
#define CACHE_BYTES (64u << 20)

typedef struct cached {
	char *key;                /* NULL: a free slot */
	npk_search_result res;
	size_t bytes;
	uint64_t used;
} cached;

static struct {
	pthread_mutex_t mu;
	cached slot[CACHE_ENTRIES];
	size_t bytes;
	uint64_t clock;
	uint64_t hits, misses;
} cache = {.mu = PTHREAD_MUTEX_INITIALIZER};

static char *dup_or_null(const char *s, int *bad)
{
	if (s == NULL)
		return NULL;
	char *d = strdup(s);
	if (d == NULL)
		*bad = 1;
	return d;
}

/* A deep copy of src into dst; its size in *bytes. -1: out of memory
 * (dst freed). */
static int result_copy(npk_search_result *dst, const npk_search_result *src, size_t *bytes)
{
	*dst = *src;
	dst->hits = NULL;
	dst->nhits = 0;
	size_t n = sizeof *src;
	if (src->nhits == 0)
		goto done;
	dst->hits = calloc(src->nhits, sizeof *dst->hits);
	if (dst->hits == NULL)
		return -1;
	int bad = 0;
	for (size_t i = 0; i < src->nhits; i++) {
		const npk_search_hit *s = &src->hits[i];
		npk_search_hit *d = &dst->hits[i];
		*d = *s;
		d->path = dup_or_null(s->path, &bad);
		d->title = dup_or_null(s->title, &bad);
		d->date = dup_or_null(s->date, &bad);
		d->snippet = dup_or_null(s->snippet, &bad);
		d->marks = NULL;
		if (s->nmarks > 0) {
			d->marks = malloc(2 * s->nmarks * sizeof *d->marks);
			if (d->marks == NULL)
				bad = 1;
			else
				memcpy(d->marks, s->marks, 2 * s->nmarks * sizeof *d->marks);
		}
		dst->nhits = i + 1;
		n += sizeof *d + 2 * s->nmarks * sizeof *d->marks;
		const char *texts[] = {s->path, s->title, s->date, s->snippet};
		for (size_t k = 0; k < 4; k++)
			n += texts[k] ? strlen(texts[k]) + 1 : 0;
		if (bad) {
			npk_search_result_free(dst);
			return -1;
		}
	}
done:
	*bytes = n;
	return 0;
}

static void slot_drop(cached *c)
{
	cache.bytes -= c->bytes;
	free(c->key);
	npk_search_result_free(&c->res);
	memset(c, 0, sizeof *c);
}

/* The key of a search: the archives' slugs, the hits wanted, the query. */
static char *key_of(sv_archive *const *a, size_t n, const char *query, size_t limit)
{
	sbuf k = {0};
	for (size_t i = 0; i < n; i++) {
		sb_puts(&k, a[i]->slug);
		sb_put(&k, "\n", 1);
	}
	sb_printf(&k, "%zu\n", limit);
	sb_puts(&k, query);
	if (k.nomem) {
		sb_free(&k);
		return NULL;
	}
	size_t len;
	return sb_take(&k, &len);
}

/* Looks key up; a copy of its result in res when there (1), else 0. */
static int lookup(const char *key, npk_search_result *res)
{
	int found = 0;
	pthread_mutex_lock(&cache.mu);
	for (size_t i = 0; i < CACHE_ENTRIES; i++) {
		cached *c = &cache.slot[i];
		if (c->key == NULL || strcmp(c->key, key) != 0)
			continue;
		size_t bytes;
		if (result_copy(res, &c->res, &bytes) == 0) {
			c->used = ++cache.clock;
			found = 1;
		}
		break;
	}
	if (found)
		cache.hits++;
	else
		cache.misses++;
	pthread_mutex_unlock(&cache.mu);
	return found;
}

/* Keeps a copy of res under key (taken), dropping the results used
 * longest ago while over a bound. */
static void keep(char *key, const npk_search_result *res)
{
	npk_search_result copy;
	size_t bytes;
	if (result_copy(&copy, res, &bytes) != 0) {
		free(key);    /* out of memory: not kept */
		return;
	}
	if (bytes > CACHE_BYTES / 4) {
		npk_search_result_free(&copy);
		free(key);
		return;
	}
	bytes += strlen(key) + 1;
	pthread_mutex_lock(&cache.mu);
	cached *free_slot = NULL;
	for (;;) {
		cached *oldest = NULL;
		free_slot = NULL;
		for (size_t i = 0; i < CACHE_ENTRIES; i++) {
			cached *c = &cache.slot[i];
			if (c->key != NULL && strcmp(c->key, key) == 0) {
				/* made meanwhile by another request: keep the one there */
				pthread_mutex_unlock(&cache.mu);
				npk_search_result_free(&copy);
				free(key);
				return;
			}
			if (c->key == NULL) {
				if (free_slot == NULL)
					free_slot = c;
			} else if (oldest == NULL || c->used < oldest->used) {
				oldest = c;
			}
		}
		if (free_slot != NULL && cache.bytes + bytes <= CACHE_BYTES)
			break;
		if (oldest == NULL)
			break;
		slot_drop(oldest);
	}
	if (free_slot == NULL) {
		pthread_mutex_unlock(&cache.mu);
		npk_search_result_free(&copy);
		free(key);
		return;
	}
	free_slot->key = key;
	free_slot->res = copy;
	free_slot->bytes = bytes;
	free_slot->used = ++cache.clock;
	cache.bytes += bytes;
	pthread_mutex_unlock(&cache.mu);
}

int sv_search(sv_archive *const *a, size_t n, const char *query, size_t limit,
              npk_search_result *res, npk_error *err)
{
	memset(res, 0, sizeof *res);
	char *key = key_of(a, n, query, limit);
	if (key != NULL && lookup(key, res)) {
		free(key);
		return NPK_OK;
	}
	npk_reader *rd[SV_SEARCH_MAX] = {0};
	int rc = n > SV_SEARCH_MAX ? sv_fail(err, NPK_E_ARG, "at most %u archives at once",
	                                     SV_SEARCH_MAX) : NPK_OK;
	for (size_t i = 0; i < n && rc == NPK_OK; i++)
		if ((rd[i] = sv_reader_take(a[i], err)) == NULL)
			rc = err->code;
	npk_search_opts so = {.limit = limit, .snippets = 1};
	if (rc == NPK_OK)
		rc = npk_search(rd, n, query, &so, res, err);
	for (size_t i = 0; i < n && i < SV_SEARCH_MAX; i++)
		sv_reader_give(a[i], rd[i]);
	/* only answers: an error (a busy reader, damage) is tried again */
	if (rc == NPK_OK && key != NULL)
		keep(key, res);
	else
		free(key);
	return rc;
}

void sv_search_cache_stats(uint64_t *hits, uint64_t *misses)
{
	pthread_mutex_lock(&cache.mu);
	*hits = cache.hits;
	*misses = cache.misses;
	pthread_mutex_unlock(&cache.mu);
}

void sv_search_cache_free(void)
{
	pthread_mutex_lock(&cache.mu);
	for (size_t i = 0; i < CACHE_ENTRIES; i++)
		if (cache.slot[i].key != NULL)
			slot_drop(&cache.slot[i]);
	pthread_mutex_unlock(&cache.mu);
}
