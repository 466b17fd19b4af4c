/*
 * chaintree.c - the Merkle tree across the files of a chain (spec/format.md
 * 15.15): a virtual 15.13 section over the chain's first n leaves, whose
 * node (L, i) is read from the one edition that stores it, the edition
 * whose leaves [p, n_e) hold its last leaf (i + 1) 2^L - 1, at position
 * i - (p >> L) of its level L. npk__tree_root, npk__tree_path and
 * npk__tree_consistency then work over a chain unchanged.
 */
#include <sodium.h>

#include "format/format.h"

const char *npk__etree_header_problem(const uint8_t *h, uint64_t p, uint64_t n, uint64_t len,
                                      unsigned *stride)
{
	uint64_t want = 0;
	*stride = h[16];
	return memcmp(h, NPK_TREE_MAGIC, 8) != 0 ? "has a bad magic"
	       : npk__ld64(h + 8) != n ? "has another number of leaves than the manifest's root"
	       : h[16] < 1 || h[16] > NPK_TREE_STRIDE_MAX ? "has a stride outside 1 to 16"
	       : !sodium_is_zero(h + 17, 7) ? "has reserved bytes that are not zero"
	       : npk__etree_layout(p, n, h[16], &want) != 0 || want != len
	           ? "is not as long as the levels it must hold"
	           : NULL;
}

/* The stored level of the virtual section that holds off: its number and
 * first node (*i); -1 when off is not at a node of a stored level. */
static int virtual_level(uint64_t n, unsigned stride, uint64_t off, unsigned *level,
                         uint64_t *i)
{
	for (unsigned l = 0; l < 64 && (n >> l) != 0; l += stride) {
		uint64_t at = npk__tree_level_offset(n, stride, l);
		if (at == UINT64_MAX)
			return -1;
		if (off >= at && (off - at) / 32 < (n >> l)) {
			if ((off - at) % 32 != 0)
				return -1;
			*level = l;
			*i = (off - at) / 32;
			return 0;
		}
	}
	return -1;
}

/* The edition whose leaves hold leaf x: the first whose n_e is past x
 * (n_e grows along the chain), found in O(log count) bounds. */
static int edition_of(const npk__etree_src *src, uint64_t x, uint32_t *e, uint64_t *p,
                      uint64_t *ne, npk_error *err)
{
	uint32_t lo = 0, hi = src->count;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		NPK_FORWARD(src->bounds(src->ctx, mid, p, ne, err));
		if (*ne > x)
			hi = mid;
		else
			lo = mid + 1;
	}
	NPK_FAIL_IF(lo == src->count, err, NPK_E_FORMAT,
	            "leaf %llu of the Merkle tree is in no edition of the chain",
	            (unsigned long long)x);
	NPK_FORWARD(src->bounds(src->ctx, lo, p, ne, err));
	NPK_FAIL_IF(*p > x || *p > *ne, err, NPK_E_FORMAT,
	            "leaf %llu of the Merkle tree: edition %u holds leaves %llu to %llu, not it",
	            (unsigned long long)x, lo, (unsigned long long)*p, (unsigned long long)*ne);
	*e = lo;
	return NPK_OK;
}

int npk__chain_tree_map(const npk__etree_src *src, uint64_t n, unsigned stride, uint64_t off,
                        void *buf, size_t len, npk_error *err)
{
	unsigned level = 0;
	uint64_t i = 0;
	NPK_FAIL_IF(stride < 1 || stride > NPK_TREE_STRIDE_MAX || len % 32 != 0 ||
	            virtual_level(n, stride, off, &level, &i) != 0 ||
	            len / 32 > (n >> level) - i, err, NPK_E_FORMAT,
	            "the Merkle tree of the chain: a read of %zu bytes at %llu is not of stored nodes",
	            len, (unsigned long long)off);
	uint8_t *out = buf;
	for (uint64_t left = len / 32; left > 0;) {
		uint32_t e = 0;
		uint64_t p = 0, ne = 0;
		NPK_FORWARD(edition_of(src, ((i + 1) << level) - 1, &e, &p, &ne, err));
		uint64_t last = ne >> level, at = npk__etree_level_offset(p, ne, stride, level);
		NPK_FAIL_IF(at == UINT64_MAX || last <= i, err, NPK_E_FORMAT,
		            "edition %u does not store node %llu of level %u of the Merkle tree", e,
		            (unsigned long long)i, level);
		uint64_t take = last - i < left ? last - i : left;
		NPK_FORWARD(src->read(src->ctx, e, at + 32 * (i - (p >> level)), out,
		                      (size_t)(32 * take), err));
		out += 32 * take;
		i += take;
		left -= take;
	}
	return NPK_OK;
}

/* ---- Over the files of a chain ---- */

/* Edition e's file, its leaves [p, ne) and its tree section. */
static int edition_tree(npk__chain_tree *t, uint32_t e, npk_reader **fr, uint64_t *p,
                        uint64_t *ne, uint64_t *off, uint64_t *len, npk_error *err)
{
	const uint8_t *root;
	NPK_FORWARD(npk__chain_file(t->top, e, fr, err));
	const npk_edition_link *l = npk__reader_link(*fr);
	*p = l ? l->prev_tree_size : 0;
	NPK_FAIL_IF(npk__reader_tree(*fr, off, len, ne, &root) != NPK_OK, err, NPK_E_FORMAT,
	            "%s: edition %u holds no Merkle tree", npk__reader_name(*fr), e);
	return NPK_OK;
}

static int file_bounds(void *ctx, uint32_t e, uint64_t *p, uint64_t *n, npk_error *err)
{
	npk_reader *fr;
	uint64_t off, len;
	return edition_tree(ctx, e, &fr, p, n, &off, &len, err);
}

static int file_read(void *ctx, uint32_t e, uint64_t off, void *buf, size_t len, npk_error *err)
{
	npk__chain_tree *t = ctx;
	npk_reader *fr;
	uint64_t p, ne, at, sec, want = 0;
	NPK_FORWARD(edition_tree(t, e, &fr, &p, &ne, &at, &sec, err));
	const char *name = npk__reader_name(fr);
	NPK_FAIL_IF(npk__etree_layout(p, ne, t->stride, &want) != 0 || want != sec, err,
	            NPK_E_DIGEST, "%s: the Merkle tree section of edition %u is not as long as its "
	            "leaves %llu to %llu need at stride %u: run newspack verify", name, e,
	            (unsigned long long)p, (unsigned long long)ne, t->stride);
	NPK_FAIL_IF(off > sec || len > sec - off, err, NPK_E_FORMAT,
	            "%s: a read past the Merkle tree section", name);
	return npk__chain_pread(t->top, e, buf, len, at + off, err);
}

int npk__chain_tree_init(npk__chain_tree *t, npk_reader *top, uint64_t n, npk_error *err)
{
	npk_reader *fr;
	uint64_t p, ne, off, len;
	uint8_t h[NPK_TREE_HEADER];
	memset(t, 0, sizeof *t);
	t->top = top;
	t->n = n;
	t->err = err;
	/* the stride of the newest file read (every edition has the base's:
	 * the section lengths checked at each read catch one that has not) */
	uint32_t at = npk__chain_at(top);
	NPK_FORWARD(edition_tree(t, at, &fr, &p, &ne, &off, &len, err));
	NPK_FAIL_IF(len < sizeof h, err, NPK_E_DIGEST, "%s: the Merkle tree section is truncated",
	            npk__reader_name(fr));
	NPK_FORWARD(npk__chain_pread(top, at, h, sizeof h, off, err));
	const char *why = npk__etree_header_problem(h, p, ne, len, &t->stride);
	NPK_FAIL_IF(why != NULL, err, NPK_E_DIGEST,
	            "%s: the Merkle tree section %s: run newspack verify", npk__reader_name(fr), why);
	return NPK_OK;
}

int npk__chain_tree_read(void *ctx, uint64_t off, void *buf, size_t len, npk_error *err)
{
	npk__chain_tree *t = ctx;
	npk__etree_src src = {npk__chain_count(t->top), file_bounds, file_read, t};
	return npk__chain_tree_map(&src, t->n, t->stride, off, buf, len, err);
}
