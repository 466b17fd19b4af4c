/*
 * cover.c - the stream bytes covered by entries' extents (spec/format.md
 * 15.7, cover_add): runs of covered bytes, one run while extents come in
 * increasing order. verify checks coverage with it; merge finds the
 * stretches of an input's stream that stay.
 */
#include <stdlib.h>

#include "format/format.h"

int npk__cover_add(npk__cover *c, uint64_t s, uint64_t t)
{
	npk__cover_run *last = c->n ? &c->v[c->n - 1] : NULL;
	if (last && last->start <= s && s <= last->end) {
		if (t > last->end)
			last->end = t;
		return NPK_OK;
	}
	c->unsorted |= last && s < last->start;
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 16;
		npk__cover_run *v = realloc(c->v, cap * sizeof *v);
		if (v == NULL)
			return NPK_E_NOMEM;
		c->v = v;
		c->cap = cap;
	}
	c->v[c->n++] = (npk__cover_run){s, t};
	return NPK_OK;
}

static int run_by_start(const void *a, const void *b)
{
	const npk__cover_run *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

void npk__cover_sort(npk__cover *c)
{
	if (c->unsorted)
		qsort(c->v, c->n, sizeof *c->v, run_by_start);
	c->unsorted = 0;
}
