/*
 * encode.c - writes the parity section of spec/format.md 15.10. The
 * signed part is read once, group by group: a row of a group (position
 * i, its S stripes) is S consecutive blocks of the file, so one coder
 * update per row, sliced to bound memory, makes the p parity rows, which
 * are the section's layout as they stand. Table A comes before the
 * parity it checks, so the parity goes to its place first and is read
 * back once, when the section is written through the tail writer; so
 * do the CRCs of table A, which go to their place as they are made, so
 * that memory stays bounded whatever the archive's size.
 */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "parity/parity.h"

typedef struct enc {
	const npk__par_geom *g;
	npk__coder c;
	int src, copy_fd, out;
	const char *name;
	uint64_t tab_at;      /* file offset of table A: N data entries, then G p S */
	uint8_t *crcs;        /* the CRCs of one slice, on their way there */
	uint8_t *row, *par;   /* one slice of a row, and the p parity slices */
	uint8_t **rows;       /* the p slices */
	uint64_t first;       /* file offset of the first parity block */
} enc;

/* Reads row i's slice [c0, c0 + w) of group grp, copies it and notes the
 * CRC of each block; 0 when the row is all past the signed part. */
static int enc_row(enc *e, uint64_t grp, unsigned i, uint64_t c0, uint64_t w, int *used,
                   npk_error *err)
{
	const npk__par_geom *g = e->g;
	uint64_t at = npk__par_block(g, grp, i, 0) * g->B + c0;
	*used = at < g->size;
	if (!*used)
		return NPK_OK;
	uint64_t real = g->size - at < w ? g->size - at : w;
	NPK_FORWARD(npk__pread_full(e->src, e->row, real, at, e->name, err));
	memset(e->row + real, 0, w - real);
	if (e->copy_fd >= 0)
		NPK_FORWARD(npk__pwrite_full(e->copy_fd, e->row, real, at, "archive", err));
	uint64_t n = 0, b0 = at / g->B;
	for (uint64_t y = 0; y < real; y += g->B, n++) {
		uLong len = (uLong)npk__par_block_len(g, b0 + n);
		npk__st32(e->crcs + 4 * n, (uint32_t)crc32(0, e->row + y, (uInt)len));
	}
	return npk__pwrite_full(e->out, e->crcs, 4 * n, e->tab_at + 4 * b0, "archive", err);
}

/* One slice of a group: every row, then the p parity slices to their place. */
static int enc_slice(enc *e, uint64_t grp, uint64_t c0, uint64_t w, npk_error *err)
{
	const npk__par_geom *g = e->g;
	memset(e->par, 0, (size_t)(g->p * w));
	for (unsigned i = 0; i < g->k; i++) {
		int used;
		NPK_FORWARD(enc_row(e, grp, i, c0, w, &used, err));
		if (used)
			npk__coder_update(&e->c, w, i, e->row, e->rows);
	}
	for (unsigned j = 0; j < g->p; j++) {
		uint64_t x = (grp * g->p + j) * g->S + c0 / g->B;
		NPK_FORWARD(npk__pwrite_full(e->out, e->rows[j], w, e->first + x * g->B, "archive", err));
		for (uint64_t y = 0; y < w / g->B; y++)
			npk__st32(e->crcs + 4 * y, (uint32_t)crc32(0, e->rows[j] + y * g->B, g->B));
		NPK_FORWARD(npk__pwrite_full(e->out, e->crcs, 4 * (w / g->B),
		                             e->tab_at + 4 * (g->N + x), "archive", err));
	}
	return NPK_OK;
}

/* n bytes at off of back through the tail writer, a slice at a time. */
static int enc_copy(enc *e, npk__tail *t, int back, uint64_t off, uint64_t n, npk_error *err)
{
	for (uint64_t at = 0; at < n;) {
		size_t m = n - at < NPK__PAR_SLICE ? (size_t)(n - at) : (size_t)NPK__PAR_SLICE;
		NPK_FORWARD(npk__pread_full(back, e->par, m, off + at, "archive", err));
		NPK_FORWARD(npk__tail_write(t, e->par, m, err));
		at += m;
	}
	return NPK_OK;
}

/* The section through the tail writer: header, table A and the parity
 * read back from where enc_slice put them, table B (table A again),
 * header. */
static int enc_section(enc *e, npk__tail *t, int back, npk_error *err)
{
	const npk__par_geom *g = e->g;
	uint8_t h[NPK__PAR_HEADER];
	uint64_t T = npk__par_table_len(g), n = npk__par_nparity(g) * g->B;
	npk__par_header_put(g, h);
	NPK_FORWARD(npk__tail_section_begin(t, NPK__PAR_TYPE, err));
	NPK_FORWARD(npk__tail_write(t, h, sizeof h, err));
	NPK_FORWARD(enc_copy(e, t, back, e->tab_at, T + n, err));
	NPK_FORWARD(enc_copy(e, t, back, e->tab_at, T, err));
	NPK_FORWARD(npk__tail_write(t, h, sizeof h, err));
	return npk__tail_section_end(t, err);
}

static int enc_run(enc *e, npk__tail *t, int back, npk_error *err)
{
	const npk__par_geom *g = e->g;
	uint64_t W = npk__par_slice(g), row = (uint64_t)g->S * g->B;
	e->crcs = malloc(4 * (W / g->B + 1));
	e->row = malloc(W);
	/* the read-back of enc_section goes through par too */
	e->par = malloc(g->p * W > NPK__PAR_SLICE ? g->p * W : NPK__PAR_SLICE);
	e->rows = malloc(sizeof *e->rows * g->p);
	NPK_FAIL_IF(!e->crcs || !e->row || !e->par || !e->rows, err, NPK_E_NOMEM, "out of memory");
	e->tab_at = g->offset + NPK__PAR_HEADER;
	e->first = e->tab_at + npk__par_table_len(g);
	for (uint64_t grp = 0; grp < g->G; grp++)
		for (uint64_t c0 = 0; c0 < row; c0 += W) {
			uint64_t w = row - c0 < W ? row - c0 : W;
			for (unsigned j = 0; j < g->p; j++)
				e->rows[j] = e->par + j * w;
			NPK_FORWARD(enc_slice(e, grp, c0, w, err));
		}
	return enc_section(e, t, back, err);
}

int npk__par_write(npk__tail *t, int src, int copy_fd, int back, const npk__par_geom *g,
                   const char *name, npk_error *err)
{
	NPK_FAIL_IF(t->off != g->offset, err, NPK_E_ARG, "parity: the section is not at its offset");
	enc e = {.g = g, .src = src, .copy_fd = copy_fd, .out = t->fd, .name = name};
	int rc = npk__coder_init(&e.c, g->k, g->p, 0, err);
	if (rc == NPK_OK)
		rc = enc_run(&e, t, back, err);
	npk__coder_free(&e.c);
	free(e.crcs);
	free(e.row);
	free(e.par);
	free(e.rows);
	return rc;
}
