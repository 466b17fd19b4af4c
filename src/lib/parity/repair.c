/*
 * repair.c - step 4 of spec/format.md 15.10: per stripe, solve for the
 * lost data blocks. The syndromes come from one pass over a group: start
 * from the stored parity and add every data row as the encoder does, the
 * lost blocks being zero in the output file, so that parity row j of
 * stripe s becomes Y_j = sum over lost i of C[j][i] D_i; then e lost
 * blocks are the e x e Cauchy system of the first e intact rows.
 */
#include <stdlib.h>
#include <string.h>

#include "parity/parity.h"

typedef struct rep {
	npk__par_state *ps;
	npk__coder c;
	int fd, out, back;
	uint8_t *row, *par, *blocks;
	uint8_t **rows;
} rep;

static int slice_lost(const npk__par_state *ps, uint64_t grp, uint64_t s0, uint64_t ns)
{
	const npk__par_geom *g = &ps->g;
	for (uint64_t i = 0; i < g->k; i++)
		for (uint64_t s = s0; s < s0 + ns; s++) {
			uint64_t b = npk__par_block(g, grp, i, s);
			if (b < g->N && npk__par_is_lost(ps, b))
				return 1;
		}
	return 0;
}

/* The syndromes of a slice: stored parity plus every data row. */
static int syndromes(rep *r, uint64_t grp, uint64_t c0, uint64_t w, npk_error *err)
{
	const npk__par_geom *g = &r->ps->g;
	uint64_t first = r->ps->base + NPK__PAR_HEADER + npk__par_table_len(g);
	for (unsigned j = 0; j < g->p; j++) {
		uint64_t x = (grp * g->p + j) * g->S;
		int64_t got = npk__par_read(r->fd, r->rows[j], w, first + x * g->B + c0, r->ps->name, err);
		if (got < 0)
			return err->code;
		memset(r->rows[j] + got, 0, w - (uint64_t)got);
	}
	for (unsigned i = 0; i < g->k; i++) {
		uint64_t at = npk__par_block(g, grp, i, 0) * g->B + c0;
		if (at >= g->size)
			continue;
		uint64_t real = g->size - at < w ? g->size - at : w;
		NPK_FORWARD(npk__pread_full(r->back, r->row, real, at, "repaired archive", err));
		memset(r->row + real, 0, w - real);
		npk__coder_update(&r->c, w, i, r->row, r->rows);
	}
	return NPK_OK;
}

/* Solves stripe s (its blocks at offset y of the slices) and writes the
 * lost blocks to the output. */
static int solve(rep *r, uint64_t grp, uint64_t s, uint64_t y, npk_error *err)
{
	const npk__par_geom *g = &r->ps->g;
	unsigned L[256], J[256], e = 0, f = 0;
	for (unsigned i = 0; i < g->k; i++) {
		uint64_t b = npk__par_block(g, grp, i, s);
		if (b < g->N && npk__par_is_lost(r->ps, b))
			L[e++] = i;
	}
	for (unsigned j = 0; j < g->p && f < e; j++)
		if (!npk__par_is_lost(r->ps, g->N + (grp * g->p + j) * g->S + s))
			J[f++] = j;
	if (e == 0)
		return NPK_OK;
	NPK_FAIL_IF(f < e, err, NPK_E_DIGEST, "%s: stripe %llu of group %llu has %u lost blocks",
	            r->ps->name, (unsigned long long)s, (unsigned long long)grp, e);
	uint8_t m[255 * 255];
	uint8_t *in[255], *out[255];
	for (unsigned a = 0; a < e; a++) {
		for (unsigned c = 0; c < e; c++)
			m[a * e + c] = npk__gf_cauchy(g->k, J[a], L[c]);
		in[a] = r->rows[J[a]] + y;
		out[a] = r->blocks + (size_t)a * g->B;
	}
	/* every square submatrix of a Cauchy matrix is invertible */
	NPK_FAIL_IF(npk__gf_invert(m, e) != 0, err, NPK_E_FORMAT, "parity: a singular system");
	NPK_FORWARD(npk__coder_apply(&r->c, m, e, g->B, in, out, err));
	for (unsigned c = 0; c < e; c++) {
		uint64_t b = npk__par_block(g, grp, L[c], s);
		NPK_FORWARD(npk__pwrite_full(r->out, out[c], npk__par_block_len(g, b), b * g->B,
		                             "repaired archive", err));
	}
	return NPK_OK;
}

static int rep_run(rep *r, npk_error *err)
{
	const npk__par_geom *g = &r->ps->g;
	uint64_t W = npk__par_slice(g), row = (uint64_t)g->S * g->B;
	r->row = malloc(W);
	r->par = malloc(g->p * W);
	r->blocks = malloc((size_t)g->p * g->B);
	r->rows = malloc(sizeof *r->rows * g->p);
	NPK_FAIL_IF(!r->row || !r->par || !r->blocks || !r->rows, err, NPK_E_NOMEM, "out of memory");
	for (uint64_t grp = 0; grp < g->G; grp++)
		for (uint64_t c0 = 0; c0 < row; c0 += W) {
			uint64_t w = row - c0 < W ? row - c0 : W;
			if (!slice_lost(r->ps, grp, c0 / g->B, w / g->B))
				continue;
			for (unsigned j = 0; j < g->p; j++)
				r->rows[j] = r->par + j * w;
			NPK_FORWARD(syndromes(r, grp, c0, w, err));
			for (uint64_t y = 0; y < w; y += g->B)
				NPK_FORWARD(solve(r, grp, (c0 + y) / g->B, y, err));
		}
	return NPK_OK;
}

int npk__par_rebuild(npk__par_state *ps, int fd, int out, int back, npk_error *err)
{
	rep r = {.ps = ps, .fd = fd, .out = out, .back = back};
	int rc = npk__coder_init(&r.c, ps->g.k, ps->g.p, 0, err);
	if (rc == NPK_OK)
		rc = rep_run(&r, err);
	npk__coder_free(&r.c);
	free(r.row);
	free(r.par);
	free(r.blocks);
	free(r.rows);
	return rc;
}
