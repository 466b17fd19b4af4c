/*
 * dedup.h - the content digest set of the archive writer, inside
 * libnewspack; not installed. For each document written the writer asks
 * whether this content (its digest and size) is stored already, and
 * where; when it is not, it stores the content and adds it here, so that
 * identical documents share one extent of the data stream.
 *
 * The memory stays bounded whatever the count: the newest records (up to
 * mem_records) are held in memory; a full set of them is sorted and
 * spilled as a run to a scratch file (npk__scratch_fd), of which memory
 * keeps a Bloom filter (10 bits a record) and a sparse index (8 bytes
 * every 64 records), about 1.4 bytes a record in all. Four runs of the
 * same tier are merged into one of the next, so that a lookup reads
 * O(log n) Bloom filters and, where one answers maybe, one or two blocks
 * of 64 records.
 *
 * Not thread-safe: one writer uses one set.
 */
#ifndef NPK_DEDUP_H
#define NPK_DEDUP_H

#include "base/base.h"

/* Where a content is stored: an extent of a data stream (spec/format.md
 * 5.2, 15.7, 15.15). */
typedef struct npk__dedup_rec {
	uint8_t digest[32];   /* H(content), BLAKE2b-256 */
	uint64_t size;        /* content size, > 0 */
	uint32_t edition;     /* the edition whose data stream holds it; 0: a lone archive */
	uint32_t cluster;     /* cluster of its first byte */
	uint32_t offset;      /* offset in that cluster's decoded bytes */
} npk__dedup_rec;

typedef struct npk__dedup npk__dedup;

/* A new, empty set in *out (free it with npk__dedup_free). mem_records:
 * how many records stay in memory before a sorted run is spilled to a
 * scratch file; 0 = the default (131072: about 8 MiB of records and
 * table). NPK_E_ARG above 2^24; NPK_E_NOMEM. */
int npk__dedup_new(npk__dedup **out, size_t mem_records, npk_error *err);

/* *found = 1 and *rec filled when a record of this digest AND size was
 * added before; when several were, the first one added is the answer.
 * *found = 0 otherwise (always for size 0). NPK_E_IO when a scratch file
 * cannot be read. */
int npk__dedup_find(npk__dedup *d, const uint8_t digest[32], uint64_t size,
                    npk__dedup_rec *rec, int *found, npk_error *err);

/* Adds r (copied). The caller adds a digest and size only after find said
 * it is absent: a duplicate breaks nothing (find still answers with the
 * first record, and the merges keep only that one) but may cost a record
 * of scratch space until then. NPK_E_ARG when r->size is 0; NPK_E_IO or
 * NPK_E_NOMEM when a spill or merge fails, and then r is not added and
 * the set holds what it held before. */
int npk__dedup_add(npk__dedup *d, const npk__dedup_rec *r, npk_error *err);

/* How many npk__dedup_add calls succeeded (duplicates too). */
uint64_t npk__dedup_count(const npk__dedup *d);
/* How many runs are on scratch files now (for tests and a report of the
 * memory used: each costs its Bloom filter and sparse index). */
unsigned npk__dedup_runs(const npk__dedup *d);

/* Frees d and closes its scratch files (their space goes); NULL is fine. */
void npk__dedup_free(npk__dedup *d);

#endif
