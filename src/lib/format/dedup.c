/*
 * dedup.c - the content digest set (dedup.h).
 *
 * The newest records are an array in memory with an open-addressing
 * table of their indices. When the array is full it is sorted by (digest,
 * size) and written as a run to a scratch file of its own, and memory
 * keeps of the run a Bloom filter and a sparse index. Four runs of one
 * tier are merged, streaming, into one run of the next tier, so there are
 * at most three runs a tier and O(log n) in all.
 *
 * Which record answers: the runs are kept oldest first, and every run
 * holds the records of one stretch of adds, with nothing between the
 * stretches of neighbouring runs: a spill appends the newest stretch, and
 * a merge only ever joins neighbours (the newest four). So the oldest run
 * that holds a digest and size holds its first record, and the memory
 * array, the newest stretch of all, is asked last. Within the array a
 * duplicate is never stored, and where a merge meets equal records it
 * keeps the one of the older run; so no run holds two of one key.
 *
 * A run's file: its records in (digest, size) order, each REC_LEN bytes,
 * little-endian: digest 32, size u64, edition u32, cluster u32, offset
 * u32. The file is private to this set, never part of an archive.
 */
#include <stdlib.h>
#include <unistd.h>

#include "format/dedup.h"

#define MEM_DEFAULT 131072
#define MEM_MAX ((size_t)1 << 24)
#define REC_LEN 52            /* 32 + 8 + 4 + 4 + 4 */
#define BLOCK 64              /* records a sparse index entry covers */
#define BLOOM_BITS 10         /* a false positive about 1 time in 120 */
#define BLOOM_K 7
#define MERGE_WAY 4
#define IO_RECS 1024          /* records a spill or merge buffer holds: 52 KiB */
#define EMPTY UINT32_MAX      /* a free slot of the table */

static const char scratch_name[] = "content digest set: scratch file";

typedef struct run {
	int fd;
	unsigned tier;            /* 0 spilled, t + 1 merged from four of tier t */
	uint64_t count;
	uint64_t *bloom;
	uint64_t bloom_bits;      /* a multiple of 64 */
	uint64_t *sparse;         /* key_prefix of the first record of each block */
} run;

struct npk__dedup {
	npk__dedup_rec *mem;      /* the newest records, in the order added */
	size_t mem_n, mem_cap;
	uint32_t *table;          /* indices into mem, or EMPTY; mask + 1 slots */
	size_t mask;
	run *runs;                /* oldest first */
	unsigned nruns, runs_cap;
	uint64_t added;
	uint8_t *io;              /* IO_RECS records: a spill's output */
};

/* ---- Keys ---- */

/* The first 8 bytes of a digest, big-endian: numbers in the order of the
 * digests. */
static uint64_t key_prefix(const uint8_t *digest)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | digest[i];
	return v;
}

static int key_cmp(const uint8_t *da, uint64_t sa, const uint8_t *db, uint64_t sb)
{
	int c = memcmp(da, db, 32);
	if (c != 0)
		return c;
	return (sa > sb) - (sa < sb);
}

/* Two records in the file layout. */
static int rec_cmp(const uint8_t *a, const uint8_t *b)
{
	return key_cmp(a, npk__ld64(a + 32), b, npk__ld64(b + 32));
}

static int rec_order(const void *a, const void *b)
{
	const npk__dedup_rec *x = a, *y = b;
	return key_cmp(x->digest, x->size, y->digest, y->size);
}

static void rec_put(uint8_t *p, const npk__dedup_rec *r)
{
	memcpy(p, r->digest, 32);
	npk__st64(p + 32, r->size);
	npk__st32(p + 40, r->edition);
	npk__st32(p + 44, r->cluster);
	npk__st32(p + 48, r->offset);
}

static void rec_get(const uint8_t *p, npk__dedup_rec *r)
{
	memcpy(r->digest, p, 32);
	r->size = npk__ld64(p + 32);
	r->edition = npk__ld32(p + 40);
	r->cluster = npk__ld32(p + 44);
	r->offset = npk__ld32(p + 48);
}

/* ---- Runs: Bloom filter and sparse index ---- */

/* Double hashing (Kirsch and Mitzenmacher): probe j is h1 + j * h2 mod m,
 * h1 and h2 from digest bytes 8-15 and 16-23 (the table uses 0-7; the
 * digest is uniform already). */
static int bloom_has(const run *r, const uint8_t *digest)
{
	uint64_t h = npk__ld64(digest + 8), h2 = npk__ld64(digest + 16);
	for (int j = 0; j < BLOOM_K; j++, h += h2) {
		uint64_t bit = h % r->bloom_bits;
		if (!(r->bloom[bit / 64] >> (bit % 64) & 1))
			return 0;
	}
	return 1;
}

static void bloom_add(run *r, const uint8_t *digest)
{
	uint64_t h = npk__ld64(digest + 8), h2 = npk__ld64(digest + 16);
	for (int j = 0; j < BLOOM_K; j++, h += h2) {
		uint64_t bit = h % r->bloom_bits;
		r->bloom[bit / 64] |= (uint64_t)1 << (bit % 64);
	}
}

/* The Bloom filter and sparse index of a run of at most max records. */
static int run_alloc(run *r, uint64_t max, npk_error *err)
{
	uint64_t bits, blocks = max / BLOCK + 1;
	NPK_FAIL_IF(!npk__mul64(max, BLOOM_BITS, &bits) || bits > SIZE_MAX - 64 ||
	            blocks > SIZE_MAX / sizeof *r->sparse, err, NPK_E_NOMEM,
	            "content digest set: %llu records do not fit in memory",
	            (unsigned long long)max);
	r->bloom_bits = (bits / 64 + 1) * 64;
	r->bloom = calloc((size_t)(r->bloom_bits / 64), sizeof *r->bloom);
	r->sparse = malloc((size_t)blocks * sizeof *r->sparse);
	NPK_FAIL_IF(r->bloom == NULL || r->sparse == NULL, err, NPK_E_NOMEM,
	            "content digest set: out of memory");
	return NPK_OK;
}

/* Notes record i (file layout) of a run written in order. */
static void run_note(run *r, const uint8_t *rec, uint64_t i)
{
	if (i % BLOCK == 0)
		r->sparse[i / BLOCK] = key_prefix(rec);
	bloom_add(r, rec);
}

static int run_open(run *r, npk_error *err)
{
	int rc = npk__scratch_fd(&r->fd, err);
	return rc == NPK_OK ? rc : npk__wrap(err, rc, "content digest set: ");
}

static void run_free(run *r)
{
	if (r->fd >= 0)
		close(r->fd);
	free(r->bloom);
	free(r->sparse);
	*r = (run){ .fd = -1 };
}

/* Looks for digest and size in r: the Bloom filter, then the sparse index
 * to the block where the digest's prefix may start, then that block and,
 * while the prefix may go on, the next ones (one, but for a digest added
 * with many sizes). */
static int run_find(const run *r, const uint8_t *digest, uint64_t size, npk__dedup_rec *rec,
                    int *found, npk_error *err)
{
	uint8_t buf[BLOCK * REC_LEN];
	uint64_t p = key_prefix(digest), blocks = (r->count + BLOCK - 1) / BLOCK;
	uint64_t lo = 0, hi = blocks;
	*found = 0;
	if (!bloom_has(r, digest))
		return NPK_OK;
	while (lo < hi) { /* the first block that starts at p or after */
		uint64_t mid = lo + (hi - lo) / 2;
		if (r->sparse[mid] < p)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (uint64_t b = lo > 0 ? lo - 1 : 0; b < blocks && r->sparse[b] <= p; b++) {
		uint64_t first = b * BLOCK;
		size_t n = r->count - first < BLOCK ? (size_t)(r->count - first) : BLOCK;
		NPK_FORWARD(npk__pread_full(r->fd, buf, n * REC_LEN, first * REC_LEN, scratch_name,
		                            err));
		for (size_t i = 0; i < n; i++) {
			const uint8_t *q = buf + i * REC_LEN;
			int c = key_cmp(q, npk__ld64(q + 32), digest, size);
			if (c > 0)
				return NPK_OK;
			if (c == 0) {
				rec_get(q, rec);
				*found = 1;
				return NPK_OK;
			}
		}
	}
	return NPK_OK;
}

/* ---- The records in memory ---- */

/* The slot of digest and size in the table: *hit = 1 where it is, else
 * *hit = 0 and the free slot where it would go. */
static size_t table_slot(const npk__dedup *d, const uint8_t *digest, uint64_t size, int *hit)
{
	size_t s = (size_t)npk__ld64(digest) & d->mask;
	for (;; s = (s + 1) & d->mask) {
		uint32_t i = d->table[s];
		if (i == EMPTY) {
			*hit = 0;
			return s;
		}
		if (d->mem[i].size == size && memcmp(d->mem[i].digest, digest, 32) == 0) {
			*hit = 1;
			return s;
		}
	}
}

/* Indexes mem[0 .. mem_n) anew (emptied, or put back after a failed
 * spill sorted the array). */
static void table_fill(npk__dedup *d)
{
	memset(d->table, 0xFF, (d->mask + 1) * sizeof *d->table);
	for (size_t i = 0; i < d->mem_n; i++) {
		int hit;
		d->table[table_slot(d, d->mem[i].digest, d->mem[i].size, &hit)] = (uint32_t)i;
	}
}

/* ---- Spills and merges ---- */

static int runs_reserve(npk__dedup *d, npk_error *err)
{
	if (d->nruns < d->runs_cap)
		return NPK_OK;
	unsigned cap = d->runs_cap ? d->runs_cap * 2 : 16;
	run *p = realloc(d->runs, cap * sizeof *p);
	NPK_FAIL_IF(p == NULL, err, NPK_E_NOMEM, "content digest set: out of memory");
	d->runs = p;
	d->runs_cap = cap;
	return NPK_OK;
}

/* Writes the sorted array to r's file, noting each record. */
static int spill_write(npk__dedup *d, run *r, npk_error *err)
{
	size_t fill = 0;
	uint64_t off = 0;
	for (size_t i = 0; i < d->mem_n; i++) {
		rec_put(d->io + fill * REC_LEN, &d->mem[i]);
		run_note(r, d->io + fill * REC_LEN, i);
		if (++fill == IO_RECS || i + 1 == d->mem_n) {
			NPK_FORWARD(npk__pwrite_full(r->fd, d->io, fill * REC_LEN, off,
			                             scratch_name, err));
			off += fill * REC_LEN;
			fill = 0;
		}
	}
	r->count = d->mem_n;
	return NPK_OK;
}

/* The array in memory becomes the newest run of tier 0, and memory is
 * emptied. On failure nothing changes (the array is indexed anew). */
static int spill(npk__dedup *d, npk_error *err)
{
	run r = { .fd = -1 };
	int rc;
	NPK_FORWARD_GOTO(rc, runs_reserve(d, err), fail);
	NPK_FORWARD_GOTO(rc, run_alloc(&r, d->mem_n, err), fail);
	NPK_FORWARD_GOTO(rc, run_open(&r, err), fail);
	qsort(d->mem, d->mem_n, sizeof *d->mem, rec_order);
	rc = spill_write(d, &r, err);
	if (rc != NPK_OK) {
		table_fill(d);
		goto fail;
	}
	d->runs[d->nruns++] = r;
	d->mem_n = 0;
	table_fill(d);
	return NPK_OK;
fail:
	run_free(&r);
	return rc;
}

/* One input of a merge: a run read IO_RECS records at a time. */
typedef struct source {
	const run *r;
	uint64_t next;            /* the next record to read from the file */
	uint8_t *buf;
	size_t n, i;              /* records in buf, and the current one */
} source;

static int source_fill(source *s, npk_error *err)
{
	uint64_t left = s->r->count - s->next;
	s->n = left < IO_RECS ? (size_t)left : IO_RECS;
	s->i = 0;
	if (s->n == 0)
		return NPK_OK;
	NPK_FORWARD(npk__pread_full(s->r->fd, s->buf, s->n * REC_LEN, s->next * REC_LEN,
	                            scratch_name, err));
	s->next += s->n;
	return NPK_OK;
}

/* The current record, NULL at the end. */
static const uint8_t *source_head(const source *s)
{
	return s->i < s->n ? s->buf + s->i * REC_LEN : NULL;
}

static int source_next(source *s, npk_error *err)
{
	if (++s->i < s->n)
		return NPK_OK;
	return source_fill(s, err);
}

/* The smallest head of in[0 .. k), the oldest of equal ones; -1 when all
 * are at their end. */
static int merge_pick(const source *in, unsigned k)
{
	int best = -1;
	for (unsigned j = 0; j < k; j++) {
		const uint8_t *h = source_head(&in[j]);
		if (h != NULL && (best < 0 || rec_cmp(h, source_head(&in[best])) < 0))
			best = (int)j;
	}
	return best;
}

/* Merges in[0 .. k), oldest first, into out (a run of no tier yet): each
 * key once, from the oldest run that holds it. */
static int merge_into(const run *runs, unsigned k, source *in, uint8_t *obuf, run *out,
                      npk_error *err)
{
	uint64_t n = 0, off = 0;
	size_t fill = 0;
	for (unsigned j = 0; j < k; j++) {
		in[j].r = &runs[j];
		NPK_FORWARD(source_fill(&in[j], err));
	}
	for (int best; (best = merge_pick(in, k)) >= 0;) {
		uint8_t *o = obuf + fill * REC_LEN;
		memcpy(o, source_head(&in[best]), REC_LEN);
		run_note(out, o, n++);
		for (unsigned j = 0; j < k; j++) /* this one, and the newer equal ones */
			while (source_head(&in[j]) != NULL && rec_cmp(source_head(&in[j]), o) == 0)
				NPK_FORWARD(source_next(&in[j], err));
		if (++fill == IO_RECS) {
			NPK_FORWARD(npk__pwrite_full(out->fd, obuf, fill * REC_LEN, off,
			                             scratch_name, err));
			off += fill * REC_LEN;
			fill = 0;
		}
	}
	NPK_FORWARD(npk__pwrite_full(out->fd, obuf, fill * REC_LEN, off, scratch_name, err));
	out->count = n;
	return NPK_OK;
}

/* Merges runs[0 .. MERGE_WAY) into *out, with MERGE_WAY + 1 buffers of
 * IO_RECS records (266 KiB). */
static int merge(const run *runs, run *out, npk_error *err)
{
	source in[MERGE_WAY] = { { 0 } };
	uint64_t total = 0;
	int rc;
	for (unsigned j = 0; j < MERGE_WAY; j++)
		NPK_FAIL_IF(!npk__add64(total, runs[j].count, &total), err, NPK_E_NOMEM,
		            "content digest set: too many records");
	uint8_t *bufs = malloc((MERGE_WAY + 1) * IO_RECS * REC_LEN);
	NPK_FAIL_IF(bufs == NULL, err, NPK_E_NOMEM, "content digest set: out of memory");
	for (unsigned j = 0; j < MERGE_WAY; j++)
		in[j].buf = bufs + j * IO_RECS * REC_LEN;
	*out = (run){ .fd = -1 };
	NPK_FORWARD_GOTO(rc, run_alloc(out, total, err), fail);
	NPK_FORWARD_GOTO(rc, run_open(out, err), fail);
	NPK_FORWARD_GOTO(rc, merge_into(runs, MERGE_WAY, in, bufs + MERGE_WAY * IO_RECS * REC_LEN,
	                                out, err), fail);
	free(bufs);
	return NPK_OK;
fail:
	free(bufs);
	run_free(out);
	return rc;
}

/* While the newest MERGE_WAY runs share a tier, merges them into one of
 * the next. Each spill adds a run of tier 0, so the tiers go down from
 * the oldest run to the newest, at most MERGE_WAY - 1 of each, like the
 * digits of a count in base MERGE_WAY. A failed merge leaves its runs as
 * they were: one tier holds more than it should until a later spill's
 * merges, which is slower but answers the same. */
static int compact(npk__dedup *d, npk_error *err)
{
	while (d->nruns >= MERGE_WAY) {
		run *t = d->runs + d->nruns - MERGE_WAY, m;
		for (unsigned j = 1; j < MERGE_WAY; j++)
			if (t[j].tier != t[0].tier)
				return NPK_OK;
		NPK_FORWARD(merge(t, &m, err));
		m.tier = t[0].tier + 1;
		for (unsigned j = 0; j < MERGE_WAY; j++)
			run_free(&t[j]);
		t[0] = m;
		d->nruns -= MERGE_WAY - 1;
	}
	return NPK_OK;
}

/* ---- The set ---- */

int npk__dedup_new(npk__dedup **out, size_t mem_records, npk_error *err)
{
	size_t cap = mem_records ? mem_records : MEM_DEFAULT, slots = 2;
	*out = NULL;
	NPK_FAIL_IF(cap > MEM_MAX, err, NPK_E_ARG,
	            "content digest set: %zu records in memory (at most %zu)", cap, MEM_MAX);
	while (slots < 2 * cap) /* a load of 0.5 at most */
		slots *= 2;
	npk__dedup *d = calloc(1, sizeof *d);
	NPK_FAIL_IF(d == NULL, err, NPK_E_NOMEM, "content digest set: out of memory");
	d->mem_cap = cap;
	d->mask = slots - 1;
	d->mem = malloc(cap * sizeof *d->mem);
	d->table = malloc(slots * sizeof *d->table);
	d->io = malloc(IO_RECS * REC_LEN);
	if (d->mem == NULL || d->table == NULL || d->io == NULL) {
		npk__dedup_free(d);
		return npk__fail(err, NPK_E_NOMEM, "content digest set: out of memory");
	}
	table_fill(d);
	*out = d;
	return NPK_OK;
}

int npk__dedup_find(npk__dedup *d, const uint8_t digest[32], uint64_t size,
                    npk__dedup_rec *rec, int *found, npk_error *err)
{
	int hit;
	*found = 0;
	if (size == 0)
		return NPK_OK;
	for (unsigned i = 0; i < d->nruns; i++) { /* oldest first: the first record added */
		NPK_FORWARD(run_find(&d->runs[i], digest, size, rec, found, err));
		if (*found)
			return NPK_OK;
	}
	size_t s = table_slot(d, digest, size, &hit);
	if (hit) {
		*rec = d->mem[d->table[s]];
		*found = 1;
	}
	return NPK_OK;
}

int npk__dedup_add(npk__dedup *d, const npk__dedup_rec *r, npk_error *err)
{
	int hit;
	NPK_FAIL_IF(r->size == 0, err, NPK_E_ARG, "content digest set: a record of size 0");
	size_t s = table_slot(d, r->digest, r->size, &hit);
	if (!hit && d->mem_n == d->mem_cap) {
		NPK_FORWARD(spill(d, err));
		NPK_FORWARD(compact(d, err));
		s = table_slot(d, r->digest, r->size, &hit);
	}
	if (!hit) { /* else the one in memory was added first */
		d->mem[d->mem_n] = *r;
		d->table[s] = (uint32_t)d->mem_n++;
	}
	d->added++;
	return NPK_OK;
}

uint64_t npk__dedup_count(const npk__dedup *d)
{
	return d->added;
}

unsigned npk__dedup_runs(const npk__dedup *d)
{
	return d->nruns;
}

void npk__dedup_free(npk__dedup *d)
{
	if (d == NULL)
		return;
	for (unsigned i = 0; i < d->nruns; i++)
		run_free(&d->runs[i]);
	free(d->runs);
	free(d->mem);
	free(d->table);
	free(d->io);
	free(d);
}
