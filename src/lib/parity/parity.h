/*
 * parity/parity.h - Reed-Solomon parity of the signed part, tail section
 * type 3 (spec/format.md 15.10): GF(2^8) arithmetic and the portable
 * codec (gf.c), the coder that uses ISA-L when the build has it (code.c),
 * the section's header and the damage scan (parity.c: zlib's crc32 only,
 * so the lean newspack links it), and the encoder and repair (encode.c,
 * repair.c).
 */
#ifndef NPK_PARITY_H
#define NPK_PARITY_H

#include <stdint.h>

#include "base/base.h"
#include "format/format.h"

#define NPK__PAR_MAGIC "NPKPRTY\n"
#define NPK__PAR_HEADER 64u
#define NPK__PAR_TYPE 3u
/* G p S B at most 2^40 (15.10) */
#define NPK__PAR_MAX_PARITY (UINT64_C(1) << 40)
/* p B at most 2^25 (15.10): one stripe's parity stays in memory */
#define NPK__PAR_MAX_STRIPE (UINT64_C(1) << 25)
/* a group is coded in slices of whole blocks, p slices at most 16 MiB */
#define NPK__PAR_SLICE (UINT64_C(1) << 24)

/* ---- GF(2^8), polynomial 0x11D (gf.c) ---- */
uint8_t npk__gf_mul(uint8_t a, uint8_t b);
uint8_t npk__gf_inv(uint8_t a);           /* inv(0) = 0 */
/* C[j][i] = inv((k + j) xor i), the Cauchy rows of 15.10 */
uint8_t npk__gf_cauchy(unsigned k, unsigned j, unsigned i);
/* dst[x] ^= c * src[x] for x < len */
void npk__gf_madd(uint8_t *dst, const uint8_t *src, size_t len, uint8_t c);
/* Inverts the n x n matrix m (row-major) in place; -1 when singular. */
int npk__gf_invert(uint8_t *m, unsigned n);

/* ---- The coder (code.c): ISA-L, or the portable codec ---- */
typedef struct npk__coder {
	unsigned k, p;
	int portable;
	uint8_t *c;       /* p x k coefficients C[j][i] */
	uint8_t *tables;  /* ISA-L's expanded tables, never stored */
} npk__coder;
/* portable: never use ISA-L (tests compare the two). */
int npk__coder_init(npk__coder *c, unsigned k, unsigned p, int portable, npk_error *err);
/* coding[j][x] ^= C[j][i] * data[x] for every j < p, x < len */
void npk__coder_update(const npk__coder *c, size_t len, unsigned i, const uint8_t *data,
                       uint8_t **coding);
/* out[c][x] = sum over a < e of m[c][a] * in[a][x] (m: e x e) */
int npk__coder_apply(const npk__coder *c, const uint8_t *m, unsigned e, size_t len,
                     uint8_t **in, uint8_t **out, npk_error *err);
void npk__coder_free(npk__coder *c);
/* whether ISA-L does the work */
int npk__coder_isal(void);

/* ---- Geometry and header (parity.c) ---- */
typedef struct npk__par_geom {
	uint32_t k, p, B, S, G;
	uint64_t size;      /* protected_size: the signed part */
	uint64_t N;         /* data blocks */
	uint64_t offset;    /* section_offset */
} npk__par_geom;

/* newspack's choice for percent (1-100) over size bytes (15.10). */
int npk__par_choose(npk__par_geom *g, uint64_t size, unsigned percent, npk_error *err);
/* parity blocks G p S; T (bytes of one CRC table); the whole section */
uint64_t npk__par_nparity(const npk__par_geom *g);
uint64_t npk__par_table_len(const npk__par_geom *g);
uint64_t npk__par_section_len(const npk__par_geom *g);
void npk__par_header_put(const npk__par_geom *g, uint8_t h[NPK__PAR_HEADER]);
/* Every field against the rules of 15.10, overflow-checked; NPK_E_FORMAT
 * names the first that fails. */
int npk__par_header_parse(const uint8_t h[NPK__PAR_HEADER], npk__par_geom *g, npk_error *err);
/* data block of (group, position, stripe); >= N: a zero block */
static inline uint64_t npk__par_block(const npk__par_geom *g, uint64_t grp, uint64_t i, uint64_t s)
{
	return (grp * g->k + i) * g->S + s;
}
/* bytes of data block b that are real (the last one may be short) */
static inline uint64_t npk__par_block_len(const npk__par_geom *g, uint64_t b)
{
	uint64_t at = b * g->B;
	return at >= g->size ? 0 : g->size - at < g->B ? g->size - at : g->B;
}

/* bytes of a row coded at once: whole blocks, p of them in NPK__PAR_SLICE
 * (one block at least), at most the row (S blocks) */
static inline uint64_t npk__par_slice(const npk__par_geom *g)
{
	uint64_t n = NPK__PAR_SLICE / ((uint64_t)g->p * g->B);
	n = n < 1 ? 1 : n > g->S ? g->S : n;
	return n * g->B;
}

/* ---- The damage scan (parity.c, steps 1-3 of 15.10 repair) ---- */
typedef struct npk__par_state {
	npk__par_geom g;
	const char *name;
	uint64_t file_size;
	uint64_t base;        /* where the section's first byte is in this file */
	int64_t shift;        /* base - section_offset: bytes inserted (> 0) or deleted */
	int header_copies;    /* header copies that were intact where expected (0-2) */
	int fd;               /* the file, which holds the tables */
	uint64_t ta_off, tb_off; /* where CRC tables A and B are in it */
	uint64_t a_len, b_len; /* bytes of each that the file still holds */
	struct npk__par_window { uint8_t *buf; uint64_t first, n; } wa, wb;
	                      /* a window of each table: read in slices, so that
	                       * memory stays bounded whatever the archive's size */
	uint8_t *lost;        /* bitmap: N data blocks, then G p S parity blocks */
	uint64_t nmoved;      /* data blocks found at another offset (step 3) */
	uint64_t lost_data, lost_parity;
	uint64_t stripes_bad; /* stripes with more lost data blocks than intact parity */
} npk__par_state;

/* Reads up to len bytes at off: how many the file holds there (short only
 * at its end), or -1 with err set. */
int64_t npk__par_read(int fd, void *buf, size_t len, uint64_t off, const char *name,
                      npk_error *err);
/* The tail directory of fd (file size fs) when the tail trailer and the
 * directory pass checks 1-2 of 15.5: 1 and *out (malloc'ed) its *n
 * records; else 0. */
int npk__tail_directory(int fd, uint64_t fs, const char *name, npk_section **out, uint32_t *n);
/* Step 1: finds the section of fd (the tail directory's type-3 record,
 * else, with scan, a header copy anywhere, scanning back from the end)
 * and reads its tables. NPK_E_NOTFOUND when there is none. */
int npk__par_open(npk__par_state *ps, int fd, const char *name, int scan, npk_error *err);
/* Steps 2-3: marks every block; copies every intact data block to
 * copy_fd (-1: none) at its offset in the signed part. Counts stripes_bad. */
int npk__par_mark(npk__par_state *ps, int fd, int copy_fd, npk_error *err);
static inline int npk__par_is_lost(const npk__par_state *ps, uint64_t x)
{
	return ps->lost[x >> 3] >> (x & 7) & 1;
}
/* Counts stripes_bad again (after npk__par_accept). */
void npk__par_count(npk__par_state *ps);
/* Takes bytes (data block b's length) for lost block b when their CRC-32
 * is its entry: 1 when taken (b is then intact). */
int npk__par_accept(npk__par_state *ps, uint64_t b, const uint8_t *bytes);
/* 1 when (grp, s) has no more lost data blocks than intact parity */
int npk__par_stripe_ok(const npk__par_state *ps, uint64_t grp, uint64_t s);
void npk__par_free(npk__par_state *ps);
/* what ps found, for the public API */
void npk__par_info(const npk__par_state *ps, npk_parity_info *info);
/* calls cb for each run of lost data blocks */
void npk__par_ranges(const npk__par_state *ps, npk_parity_range_cb cb, void *ctx);

/* ---- Encoding (encode.c) ---- */
/* Reads the signed part [0, g->size) of src once and writes the type-3
 * section at t's position (g->offset); copy_fd, when not -1, receives the
 * signed part too (protect writes it into the new file). back reads the
 * file t writes (the parity is read back once to be digested). */
int npk__par_write(npk__tail *t, int src, int copy_fd, int back, const npk__par_geom *g,
                   const char *name, npk_error *err);

/* The whole tail after the signed part of geom->size bytes (protect.c):
 * cuts out there, then the parity section (npk__par_write with src,
 * copy_fd and back), then, with copies, the survival copies (15.9), then
 * the tail directory and trailer; *end (may be NULL) gets the file's
 * size. geom's offset is ignored (the parity comes first). */
int npk__par_tail(int out, int back, int src, int copy_fd, const npk__par_geom *geom, int copies,
                  uint64_t *end, const char *name, npk_error *err);

/* ---- Repair (repair.c) ---- */
/* Step 4: rebuilds the lost data blocks of ps (no stripe bad) into the
 * file that out writes and back reads, which holds the intact ones
 * (npk__par_mark with copy_fd) and zeros for the others; fd is the
 * damaged file, for its parity. */
int npk__par_rebuild(npk__par_state *ps, int fd, int out, int back, npk_error *err);

#endif
