/*
 * tail.c - writes the unsigned tail of an archive (spec/format.md 15.5):
 * sections back to back after the signed part, then the tail directory
 * and the tail trailer. What goes into a section (survival copies 15.9,
 * parity 15.10) is its writer's; this file only frames them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "format/format.h"

int npk__tail_begin(npk__tail *t, int fd, uint64_t signed_size, npk_error *err)
{
	memset(t, 0, sizeof *t);
	t->fd = fd;
	t->signed_size = t->off = signed_size;
	/* a tail already there (protect of a protected archive) goes */
	if (ftruncate(fd, (off_t)signed_size) != 0)
		return npk__fail(err, NPK_E_IO, "archive: cannot cut to %llu bytes: %s",
		                 (unsigned long long)signed_size, strerror(errno));
	return NPK_OK;
}

int npk__tail_section_begin(npk__tail *t, uint16_t type, npk_error *err)
{
	NPK_FAIL_IF(t->open || t->n == NPK_SECTIONS_MAX, err, NPK_E_ARG, "tail: no room for a section");
	if (t->n == t->cap) {
		uint32_t cap = t->cap ? 2 * t->cap : 4;
		npk_section *s = realloc(t->secs, cap * sizeof *s);
		NPK_FAIL_IF(s == NULL, err, NPK_E_NOMEM, "out of memory");
		t->secs = s;
		t->cap = cap;
	}
	npk_section *s = &t->secs[t->n];
	memset(s, 0, sizeof *s);
	s->type = type;
	s->flags = NPK_SECTION_TAIL;
	s->off = t->off;
	crypto_generichash_init(&t->h, NULL, 0, 32);
	t->open = 1;
	return NPK_OK;
}

static int tail_put(npk__tail *t, const void *p, size_t len, npk_error *err)
{
	NPK_FORWARD(npk__pwrite_full(t->fd, p, len, t->off, "archive", err));
	t->off += len;
	return NPK_OK;
}

int npk__tail_write(npk__tail *t, const void *p, size_t len, npk_error *err)
{
	NPK_FAIL_IF(!t->open, err, NPK_E_ARG, "tail: no section open");
	crypto_generichash_update(&t->h, p, len);
	return tail_put(t, p, len, err);
}

int npk__tail_section_end(npk__tail *t, npk_error *err)
{
	NPK_FAIL_IF(!t->open, err, NPK_E_ARG, "tail: no section open");
	npk_section *s = &t->secs[t->n];
	s->len = t->off - s->off;
	NPK_FAIL_IF(s->len == 0, err, NPK_E_ARG, "tail: an empty section");
	crypto_generichash_final(&t->h, s->digest, 32);
	t->open = 0;
	t->n++;
	return NPK_OK;
}

/* 15.5: the directory (15.3 records, flag bit 1 set) and the trailer.
 * Records go in (type, offset) order; sections were written in offset
 * order, which need not be type order. */
static int by_type(const void *a, const void *b)
{
	const npk_section *x = a, *y = b;
	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off;
}

int npk__tail_finish(npk__tail *t, npk_error *err)
{
	NPK_FAIL_IF(t->open, err, NPK_E_ARG, "tail: a section is still open");
	qsort(t->secs, t->n, sizeof *t->secs, by_type);
	npk_buf d = {0};
	int rc = npk__buf_u32(&d, t->n);
	for (uint32_t i = 0; i < t->n && rc == NPK_OK; i++) {
		const npk_section *s = &t->secs[i];
		uint8_t r[NPK_SECTION_RECORD];
		npk__st16(r, s->type);
		npk__st16(r + 2, s->flags);
		npk__st32(r + 4, 0);
		npk__st64(r + 8, s->off);
		npk__st64(r + 16, s->len);
		memcpy(r + 24, s->digest, 32);
		rc = npk__buf_put(&d, r, sizeof r);
	}
	if (rc != NPK_OK) {
		npk__buf_free(&d);
		return npk__fail(err, NPK_E_NOMEM, "out of memory");
	}
	uint8_t tr[NPK_TRAILER_SIZE] = {0};
	npk__st64(tr, t->signed_size);
	npk__st64(tr + 8, t->off);
	npk__st32(tr + 16, (uint32_t)d.len);
	memcpy(tr + 24, NPK_TAIL_MAGIC, 8);
	rc = tail_put(t, d.p, d.len, err);
	npk__buf_free(&d);
	NPK_FORWARD(rc);
	return tail_put(t, tr, sizeof tr, err);
}

void npk__tail_free(npk__tail *t)
{
	free(t->secs);
	t->secs = NULL;
	t->n = t->cap = 0;
}
