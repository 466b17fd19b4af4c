/*
 * parity.c - the parity section of spec/format.md 15.10: newspack's
 * geometry, the header (written, and parsed as hostile input), and steps
 * 1-3 of repair: find the section, read its CRC tables, mark each block
 * intact or lost, and look for lost blocks at a shifted offset. Only
 * zlib's crc32 here, so that the lean newspack's verify links it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "parity/parity.h"

static uint64_t ceil_div(uint64_t a, uint64_t b)
{
	return a / b + (a % b != 0);
}

int npk__par_choose(npk__par_geom *g, uint64_t size, unsigned percent, npk_error *err)
{
	NPK_FAIL_IF(percent < 1 || percent > 100, err, NPK_E_ARG,
	            "parity: %u%% is not a percentage from 1 to 100", percent);
	NPK_FAIL_IF(size == 0, err, NPK_E_ARG, "parity: nothing to protect");
	memset(g, 0, sizeof *g);
	g->B = 4096;
	g->size = size;
	g->N = ceil_div(size, g->B);
	uint64_t k = 25600 / (100 + percent);
	if (k > 240)
		k = 240;
	if (g->N < k)
		k = g->N;
	uint64_t p = ceil_div(k * percent, 100);
	while (k + p > 256) {
		k--;
		p = ceil_div(k * percent, 100);
	}
	g->k = (uint32_t)k;
	g->p = (uint32_t)p;
	uint64_t s_max = (UINT64_C(1) << 25) / (p * g->B);
	uint64_t s = ceil_div(g->N, k);
	if (s > (s_max ? s_max : 1))
		s = s_max ? s_max : 1;
	NPK_FAIL_IF(ceil_div(g->N, k * s) > UINT32_MAX, err, NPK_E_ARG,
	            "parity: the archive is too large");
	g->S = (uint32_t)s;
	g->G = (uint32_t)ceil_div(g->N, k * s);
	return NPK_OK;
}

uint64_t npk__par_nparity(const npk__par_geom *g)
{
	return (uint64_t)g->G * g->p * g->S;
}

uint64_t npk__par_table_len(const npk__par_geom *g)
{
	return 4 * (g->N + npk__par_nparity(g));
}

uint64_t npk__par_section_len(const npk__par_geom *g)
{
	return 2 * NPK__PAR_HEADER + 2 * npk__par_table_len(g) + npk__par_nparity(g) * g->B;
}

void npk__par_header_put(const npk__par_geom *g, uint8_t h[NPK__PAR_HEADER])
{
	memset(h, 0, NPK__PAR_HEADER);
	memcpy(h, NPK__PAR_MAGIC, 8);
	npk__st16(h + 8, 1);
	npk__st16(h + 10, (uint16_t)g->k);
	npk__st16(h + 12, (uint16_t)g->p);
	npk__st32(h + 16, g->B);
	npk__st32(h + 20, g->S);
	npk__st32(h + 24, g->G);
	npk__st64(h + 32, g->size);
	npk__st64(h + 40, g->N);
	npk__st64(h + 48, g->offset);
	npk__st32(h + 60, (uint32_t)crc32(0, h, 60));
}

/* The sizes of 15.10, overflow-checked: G p S B <= 2^40 and the
 * section's end fits in 64 bits. NULL when they hold. */
static const char *header_sizes(const npk__par_geom *g)
{
	uint64_t ks, gps, t, len, end;
	if (!npk__mul64(g->k, g->S, &ks) || ceil_div(g->N, ks) != g->G)
		return "groups is not ceil(data_blocks / (k stripes))";
	if (!npk__mul64((uint64_t)g->G * g->p, g->S, &gps) || gps > NPK__PAR_MAX_PARITY / g->B)
		return "its parity blocks exceed 2^40 bytes";
	if (!npk__add64(g->N, gps, &t) || !npk__mul64(t, 8, &t) ||
	    !npk__add64(t, gps * g->B, &len) || !npk__add64(len, 2 * NPK__PAR_HEADER, &len) ||
	    !npk__add64(g->offset, len, &end))
		return "its section's length overflows";
	if (g->offset < g->size)
		return "section_offset lies inside the protected bytes";
	return NULL;
}

static const char *header_problem(const uint8_t *h, const npk__par_geom *g)
{
	if (memcmp(h, NPK__PAR_MAGIC, 8) != 0)
		return "bad magic";
	if (npk__ld32(h + 60) != (uint32_t)crc32(0, h, 60))
		return "header_crc does not match";
	if (npk__ld16(h + 8) != 1)
		return "unknown version";
	if (npk__ld16(h + 14) || npk__ld32(h + 28) || npk__ld32(h + 56))
		return "reserved field not zero";
	if (g->k < 1 || g->p < 1 || g->k > 255 || g->p > 255 || g->k + g->p > 256)
		return "k and p out of range";
	if (g->B < 512 || g->B > (1u << 20) || (g->B & (g->B - 1)) != 0)
		return "block_size is not a power of two from 512 to 1048576";
	if ((uint64_t)g->p * g->B > NPK__PAR_MAX_STRIPE)
		return "p block_size exceeds 2^25";
	if (g->S < 1 || g->G < 1)
		return "stripes or groups is 0";
	if (g->size == 0 || g->N != ceil_div(g->size, g->B))
		return "data_blocks is not ceil(protected_size / block_size)";
	return header_sizes(g);
}

int npk__par_header_parse(const uint8_t h[NPK__PAR_HEADER], npk__par_geom *g, npk_error *err)
{
	memset(g, 0, sizeof *g);
	g->k = npk__ld16(h + 10);
	g->p = npk__ld16(h + 12);
	g->B = npk__ld32(h + 16);
	g->S = npk__ld32(h + 20);
	g->G = npk__ld32(h + 24);
	g->size = npk__ld64(h + 32);
	g->N = npk__ld64(h + 40);
	g->offset = npk__ld64(h + 48);
	const char *why = header_problem(h, g);
	NPK_FAIL_IF(why != NULL, err, NPK_E_FORMAT, "parity header: %s", why);
	return NPK_OK;
}

/* Reads up to len bytes at off; returns how many the file holds there
 * (short only at its end), or -1 with err set. */
int64_t npk__par_read(int fd, void *buf, size_t len, uint64_t off, const char *name,
                         npk_error *err)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = pread(fd, (uint8_t *)buf + got, len - got, (off_t)(off + got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			npk__fail(err, NPK_E_IO, "%s: read error: %s", name, strerror(errno));
			return -1;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (int64_t)got;
}

/* The header copy at off, if it parses; 1 when it does. */
static int header_at(npk__par_state *ps, int fd, uint64_t off, npk__par_geom *g, uint8_t h[64])
{
	npk_error e2;
	if (off > ps->file_size || ps->file_size - off < NPK__PAR_HEADER ||
	    npk__par_read(fd, h, NPK__PAR_HEADER, off, ps->name, &e2) != NPK__PAR_HEADER)
		return 0;
	return npk__par_header_parse(h, g, &e2) == NPK_OK;
}

int npk__tail_directory(int fd, uint64_t fs, const char *name, npk_section **out, uint32_t *n)
{
	uint8_t tr[NPK_TRAILER_SIZE];
	npk_error e2;
	*out = NULL;
	*n = 0;
	if (fs < 96 || npk__par_read(fd, tr, sizeof tr, fs - 32, name, &e2) != 32 ||
	    memcmp(tr + 24, NPK_TAIL_MAGIC, 8) != 0)
		return 0;
	uint64_t ss = npk__ld64(tr), doff = npk__ld64(tr + 8);
	uint32_t dlen = npk__ld32(tr + 16);
	if (npk__ld32(tr + 20) != 0 || dlen > 4 + NPK_SECTION_RECORD * NPK_SECTIONS_MAX ||
	    doff > fs - 32 || doff + dlen != fs - 32 || ss > doff)
		return 0;
	uint8_t *d = malloc(dlen ? dlen : 1);
	int ok = d != NULL && npk__par_read(fd, d, dlen, doff, name, &e2) == dlen &&
	         npk__parse_sections(d, dlen, ss, doff, 1, name, out, n, &e2) == NPK_OK;
	free(d);
	return ok;
}

/* Step 1 by the tail directory's type-3 record: 1 when its header (or its
 * second copy) is where the record says. */
static int find_by_directory(npk__par_state *ps, int fd)
{
	uint8_t h[NPK__PAR_HEADER];
	npk_section *S;
	uint32_t n;
	int found = 0;
	if (!npk__tail_directory(fd, ps->file_size, ps->name, &S, &n))
		return 0;
	for (uint32_t i = 0; i < n && !found; i++) {
		if (S[i].type != NPK__PAR_TYPE || S[i].len < 2 * NPK__PAR_HEADER)
			continue;
		npk__par_geom g;
		found = (header_at(ps, fd, S[i].off, &g, h) ||
		         header_at(ps, fd, S[i].off + S[i].len - NPK__PAR_HEADER, &g, h)) &&
		        g.offset == S[i].off && npk__par_section_len(&g) == S[i].len;
		if (found) {
			ps->g = g;
			ps->base = S[i].off;
		}
	}
	free(S);
	return found;
}

/* The last offset at or before end - 64 where a header parses; -1 if none. */
static int64_t scan_back(npk__par_state *ps, int fd, uint64_t end, npk__par_geom *g)
{
	enum { CHUNK = 1 << 20 };
	uint8_t *buf = malloc(CHUNK + NPK__PAR_HEADER);
	int64_t at = -1;
	uint64_t hi = end;
	while (buf != NULL && at < 0 && hi >= NPK__PAR_HEADER) {
		uint64_t lo = hi > CHUNK + NPK__PAR_HEADER ? hi - CHUNK - NPK__PAR_HEADER : 0;
		npk_error e2;
		int64_t n = npk__par_read(fd, buf, (size_t)(hi - lo), lo, ps->name, &e2);
		for (int64_t x = n - (int64_t)NPK__PAR_HEADER; x >= 0 && at < 0; x--)
			if (buf[x] == 'N' && memcmp(buf + x, NPK__PAR_MAGIC, 8) == 0 &&
			    npk__par_header_parse(buf + x, g, &e2) == NPK_OK)
				at = (int64_t)lo + x;
		if (lo == 0)
			break;
		hi = lo + NPK__PAR_HEADER - 1;
	}
	free(buf);
	return at;
}

/* Step 1 without the directory: a header copy anywhere. Its place gives
 * the section's (copy 1 at section_offset, copy 2 at the end); a copy
 * found elsewhere means bytes were inserted or deleted before it: the
 * other copy, 64 + 2T + G p S B bytes away, says which one it is, and a
 * lone copy is taken for the second (the one nearer the end). */
static int find_by_scan(npk__par_state *ps, int fd)
{
	npk__par_geom g, g2;
	uint8_t h[NPK__PAR_HEADER];
	int64_t at = scan_back(ps, fd, ps->file_size, &g);
	if (at < 0)
		return 0;
	uint64_t x = (uint64_t)at, far = npk__par_section_len(&g) - NPK__PAR_HEADER;
	ps->g = g;
	if (x == g.offset || x == g.offset + far)
		ps->base = g.offset;
	else if (x >= far && header_at(ps, fd, x - far, &g2, h) && g2.offset == g.offset)
		ps->base = x - far;
	else if (header_at(ps, fd, x + far, &g2, h) && g2.offset == g.offset)
		ps->base = x;
	else
		ps->base = x >= far ? x - far : x;
	return 1;
}

/* Entries of a CRC table held in memory at once (1 MiB): the tables are
 * read a slice at a time, as the blocks they check are. */
#define TAB_WINDOW (256u << 10)

static int read_tables(npk__par_state *ps, int fd, npk_error *err)
{
	uint64_t T = npk__par_table_len(&ps->g);
	/* a table larger than the file is a lie */
	NPK_FAIL_IF(T > ps->file_size, err, NPK_E_FORMAT,
	            "%s: the parity section's tables are larger than the file", ps->name);
	ps->fd = fd;
	ps->ta_off = ps->base + NPK__PAR_HEADER;
	ps->tb_off = ps->ta_off + T + npk__par_nparity(&ps->g) * ps->g.B;
	uint64_t fs = ps->file_size;
	ps->a_len = ps->ta_off >= fs ? 0 : fs - ps->ta_off < T ? fs - ps->ta_off : T;
	ps->b_len = ps->tb_off >= fs ? 0 : fs - ps->tb_off < T ? fs - ps->tb_off : T;
	ps->wa.buf = malloc(4 * TAB_WINDOW);
	ps->wb.buf = malloc(4 * TAB_WINDOW);
	NPK_FAIL_IF(ps->wa.buf == NULL || ps->wb.buf == NULL, err, NPK_E_NOMEM, "out of memory");
	return NPK_OK;
}

/* Entry x of table t (0: A, 1: B) into *crc: 0 when the file no longer
 * holds it or cannot be read there (the entry then matches nothing). */
static int tab_entry(npk__par_state *ps, int t, uint64_t x, uint32_t *crc)
{
	struct npk__par_window *w = t ? &ps->wb : &ps->wa;
	uint64_t have = (t ? ps->b_len : ps->a_len) / 4;
	if (x >= have)
		return 0;
	if (x < w->first || x - w->first >= w->n) {
		uint64_t n = have - x < TAB_WINDOW ? have - x : TAB_WINDOW;
		npk_error e2;
		w->n = 0;
		if (npk__par_read(ps->fd, w->buf, (size_t)(4 * n), (t ? ps->tb_off : ps->ta_off) + 4 * x,
		                  ps->name, &e2) != (int64_t)(4 * n))
			return 0;
		w->first = x;
		w->n = n;
	}
	*crc = npk__ld32(w->buf + 4 * (x - w->first));
	return 1;
}

int npk__par_open(npk__par_state *ps, int fd, const char *name, int scan, npk_error *err)
{
	memset(ps, 0, sizeof *ps);
	ps->name = name;
	struct stat st;
	NPK_FAIL_IF(fstat(fd, &st) != 0, err, NPK_E_IO, "%s: %s", name, strerror(errno));
	ps->file_size = (uint64_t)st.st_size;
	if (!find_by_directory(ps, fd) && !(scan && find_by_scan(ps, fd)))
		return npk__fail(err, NPK_E_NOTFOUND, "%s: no parity section was found", name);
	ps->shift = (int64_t)(ps->base - ps->g.offset);
	uint8_t h[NPK__PAR_HEADER], want[NPK__PAR_HEADER];
	npk__par_geom g;
	npk__par_header_put(&ps->g, want);
	uint64_t second = ps->g.offset + npk__par_section_len(&ps->g) - NPK__PAR_HEADER;
	ps->header_copies = (header_at(ps, fd, ps->g.offset, &g, h) && !memcmp(h, want, 64)) +
	                    (header_at(ps, fd, second, &g, h) && !memcmp(h, want, 64));
	return read_tables(ps, fd, err);
}

/* Whether crc is entry x of table A or of table B (entries the file no
 * longer holds match nothing). */
static int crc_ok(npk__par_state *ps, uint64_t x, uint32_t crc)
{
	uint32_t e;
	return (tab_entry(ps, 0, x, &e) && e == crc) || (tab_entry(ps, 1, x, &e) && e == crc);
}

static void set_lost(npk__par_state *ps, uint64_t x, int lost)
{
	if (lost)
		ps->lost[x >> 3] |= (uint8_t)(1u << (x & 7));
	else
		ps->lost[x >> 3] &= (uint8_t)~(1u << (x & 7));
}

/* Step 2 over the data blocks, read in chunks of whole blocks. */
static int mark_data(npk__par_state *ps, int fd, int copy_fd, uint8_t *buf, size_t chunk,
                     npk_error *err)
{
	const npk__par_geom *g = &ps->g;
	for (uint64_t at = 0; at < g->size; at += chunk) {
		size_t want = g->size - at < chunk ? (size_t)(g->size - at) : chunk;
		int64_t got = npk__par_read(fd, buf, want, at, ps->name, err);
		if (got < 0)
			return err->code;
		for (uint64_t o = 0; o < want; o += g->B) {
			uint64_t b = (at + o) / g->B, len = npk__par_block_len(g, b);
			int ok = o + len <= (uint64_t)got &&
			         crc_ok(ps, b, (uint32_t)crc32(0, buf + o, (uInt)len));
			set_lost(ps, b, !ok);
			ps->lost_data += !ok;
			if (ok && copy_fd >= 0)
				NPK_FORWARD(npk__pwrite_full(copy_fd, buf + o, len, at + o, "repaired archive", err));
		}
	}
	return NPK_OK;
}

/* Whether data block b is at file offset at (its bytes then in buf). */
static int block_at(npk__par_state *ps, int fd, uint64_t b, int64_t at, uint8_t *buf)
{
	npk_error e2;
	uint64_t len = b < ps->g.N ? npk__par_block_len(&ps->g, b) : 0;
	if (len == 0 || at < 0 || (uint64_t)at + len > ps->file_size ||
	    npk__par_read(fd, buf, len, (uint64_t)at, ps->name, &e2) != (int64_t)len)
		return 0;
	return crc_ok(ps, b, (uint32_t)crc32(0, buf, (uInt)len));
}

/* Takes lost data block b from file offset at when it and block b - 1 or
 * b + 1 at the same shift match their entries (step 3); 1 when taken. */
static int take_moved(npk__par_state *ps, int fd, int copy_fd, uint64_t b, int64_t at,
                      uint8_t *buf, npk_error *err)
{
	uint8_t *nb = buf + ps->g.B;
	int64_t B = ps->g.B;
	if (!npk__par_is_lost(ps, b) || !block_at(ps, fd, b, at, buf) ||
	    !((b > 0 && block_at(ps, fd, b - 1, at - B, nb)) || block_at(ps, fd, b + 1, at + B, nb)))
		return 0;
	set_lost(ps, b, 0);
	ps->lost_data--;
	ps->nmoved++;
	if (copy_fd >= 0 && npk__pwrite_full(copy_fd, buf, npk__par_block_len(&ps->g, b), b * ps->g.B,
	                                     "repaired archive", err) != NPK_OK)
		return -1;
	return 1;
}

/* Step 3 at the section's own shift: block b at b B + shift. */
static int mark_moved(npk__par_state *ps, int fd, int copy_fd, uint8_t *buf, npk_error *err)
{
	for (uint64_t b = 0; b < ps->g.N; b++)
		if (take_moved(ps, fd, copy_fd, b, (int64_t)(b * ps->g.B) + ps->shift, buf, err) < 0)
			return err->code;
	return NPK_OK;
}

/* ---- Step 3 at any shift: a rolling CRC-32 over every window of B bytes.
 * With reg the CRC register (before the final XOR) of window m[o, o + B),
 * that of m[o + 1, o + B + 1) is
 *     step(reg, m[o + B]) ^ out[m[o]] ^ K
 * where step is one byte of the CRC, out[a] the register of a followed by
 * B zero bytes from 0, and K that of B + 1 zero bytes from 0xFFFFFFFF
 * XOR that of B zero bytes (the CRC is affine in its input). */
typedef struct roll {
	const z_crc_t *t;
	uint32_t out[256], k;
	uint64_t *cand;       /* crc << 32 | b, sorted (b is checked again by its CRC) */
	size_t ncand;
	uint8_t filter[8192]; /* a bit per value of crc >> 16 */
} roll;

static uint32_t roll_step(const roll *r, uint32_t reg, uint8_t c)
{
	return (reg >> 8) ^ (uint32_t)r->t[(reg ^ c) & 0xff];
}

static void roll_tables(roll *r, uint32_t B)
{
	r->t = get_crc_table();
	for (unsigned a = 0; a < 256; a++) {
		uint32_t reg = roll_step(r, 0, (uint8_t)a);
		for (uint32_t i = 0; i < B; i++)
			reg = roll_step(r, reg, 0);
		r->out[a] = reg;
	}
	uint32_t x = 0xFFFFFFFFu;
	for (uint32_t i = 0; i < B; i++)
		x = roll_step(r, x, 0);
	r->k = x ^ roll_step(r, x, 0);
}

static int by_value(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Candidates looked for in one pass over the file (16 MiB of them): more
 * lost blocks take more passes, so that memory stays bounded. */
#define ROLL_MAX ((size_t)1 << 21)

/* The lost full-size data blocks from *from on, by their entries in
 * tables A and B, as many as one pass takes; *from moves past them. */
static int roll_candidates(npk__par_state *ps, roll *r, uint64_t *from, npk_error *err)
{
	uint64_t want = 2 * ps->lost_data < ROLL_MAX ? 2 * ps->lost_data : ROLL_MAX;
	if (r->cand == NULL)
		r->cand = malloc(sizeof *r->cand * (want ? want : 1));
	NPK_FAIL_IF(r->cand == NULL, err, NPK_E_NOMEM, "out of memory");
	memset(r->filter, 0, sizeof r->filter);
	r->ncand = 0;
	uint64_t b = *from;
	for (; b < ps->g.N && r->ncand + 2 <= want; b++) {
		if (!npk__par_is_lost(ps, b) || npk__par_block_len(&ps->g, b) != ps->g.B)
			continue;
		for (int t = 0; t < 2; t++) {
			uint32_t e;
			if (!tab_entry(ps, t, b, &e))
				continue;
			uint64_t crc = e;
			r->cand[r->ncand++] = crc << 32 | b;
			r->filter[crc >> 19] |= (uint8_t)(1u << (crc >> 16 & 7));
		}
	}
	*from = b;
	qsort(r->cand, r->ncand, sizeof *r->cand, by_value);
	return NPK_OK;
}

/* A window whose CRC is crc at file offset at: every lost block with that
 * entry is tried there. */
static int roll_hit(npk__par_state *ps, roll *r, int fd, int copy_fd, uint32_t crc, uint64_t at,
                    uint8_t *buf, npk_error *err)
{
	if (!(r->filter[crc >> 19] >> (crc >> 16 & 7) & 1))
		return NPK_OK;
	size_t lo = 0, hi = r->ncand;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (r->cand[mid] >> 32 < crc)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < r->ncand && r->cand[lo] >> 32 == crc; lo++) {
		uint64_t b = r->cand[lo] & 0xFFFFFFFFu;
		if (take_moved(ps, fd, copy_fd, b, (int64_t)at, buf, err) < 0)
			return err->code;
	}
	return NPK_OK;
}

/* Rolls over [from, from + len) of the file held in win, len >= B. */
static int roll_chunk(npk__par_state *ps, roll *r, int fd, int copy_fd, const uint8_t *win,
                      uint64_t from, uint64_t len, uint8_t *buf, npk_error *err)
{
	uint32_t B = ps->g.B, reg = (uint32_t)crc32(0, win, B) ^ 0xFFFFFFFFu;
	for (uint64_t x = 0;; x++) {
		NPK_FORWARD(roll_hit(ps, r, fd, copy_fd, reg ^ 0xFFFFFFFFu, from + x, buf, err));
		if (x + B >= len || ps->lost_data == 0)
			return NPK_OK;
		reg = roll_step(r, reg, win[x + B]) ^ r->out[win[x]] ^ r->k;
	}
}

static int mark_rolling(npk__par_state *ps, int fd, int copy_fd, uint8_t *buf, npk_error *err)
{
	enum { CHUNK = 1 << 20 };
	uint64_t B = ps->g.B;
	roll *r = calloc(1, sizeof *r);
	uint8_t *win = malloc(CHUNK + B);
	int rc = r == NULL || win == NULL ? npk__fail(err, NPK_E_NOMEM, "out of memory") : NPK_OK;
	if (rc == NPK_OK)
		roll_tables(r, (uint32_t)B);
	for (uint64_t from = 0; rc == NPK_OK && from < ps->g.N && ps->lost_data > 0;) {
		rc = roll_candidates(ps, r, &from, err);
		for (uint64_t at = 0; rc == NPK_OK && r->ncand > 0 && ps->lost_data > 0 &&
		                      at + B <= ps->file_size; at += CHUNK) {
			int64_t got = npk__par_read(fd, win, CHUNK + B - 1, at, ps->name, err);
			if (got < 0)
				rc = err->code;
			else if ((uint64_t)got >= B)
				rc = roll_chunk(ps, r, fd, copy_fd, win, at, (uint64_t)got, buf, err);
		}
	}
	if (r != NULL)
		free(r->cand);
	free(r);
	free(win);
	return rc;
}

/* Step 2 over the parity blocks, where this file holds the section. */
static int mark_parity(npk__par_state *ps, int fd, uint8_t *buf, size_t chunk, npk_error *err)
{
	const npk__par_geom *g = &ps->g;
	uint64_t n = npk__par_nparity(g), first = ps->base + NPK__PAR_HEADER + npk__par_table_len(g);
	uint64_t per = chunk / g->B;
	for (uint64_t x = 0; x < n; x += per) {
		uint64_t m = n - x < per ? n - x : per;
		int64_t got = npk__par_read(fd, buf, m * g->B, first + x * g->B, ps->name, err);
		if (got < 0)
			return err->code;
		for (uint64_t y = 0; y < m; y++) {
			int ok = (y + 1) * g->B <= (uint64_t)got &&
			         crc_ok(ps, g->N + x + y, (uint32_t)crc32(0, buf + y * g->B, g->B));
			set_lost(ps, g->N + x + y, !ok);
			ps->lost_parity += !ok;
		}
	}
	return NPK_OK;
}

int npk__par_stripe_ok(const npk__par_state *ps, uint64_t grp, uint64_t s)
{
	const npk__par_geom *g = &ps->g;
	uint64_t lost = 0, intact = 0;
	for (uint64_t i = 0; i < g->k; i++) {
		uint64_t b = npk__par_block(g, grp, i, s);
		lost += b < g->N && npk__par_is_lost(ps, b);
	}
	for (uint64_t j = 0; j < g->p && lost > 0; j++)
		intact += !npk__par_is_lost(ps, g->N + (grp * g->p + j) * g->S + s);
	return lost <= intact;
}

int npk__par_mark(npk__par_state *ps, int fd, int copy_fd, npk_error *err)
{
	const npk__par_geom *g = &ps->g;
	uint64_t bits = g->N + npk__par_nparity(g);
	/* whole blocks, and room for two (step 3) */
	size_t chunk = 2 * (size_t)g->B > (1u << 20) ? 2 * (size_t)g->B : (1u << 20);
	ps->lost = calloc(bits / 8 + 1, 1);
	uint8_t *buf = malloc(chunk);
	int rc = ps->lost == NULL || buf == NULL ? npk__fail(err, NPK_E_NOMEM, "out of memory") : NPK_OK;
	if (rc == NPK_OK)
		rc = mark_data(ps, fd, copy_fd, buf, chunk, err);
	if (rc == NPK_OK && ps->shift != 0 && ps->lost_data > 0)
		rc = mark_moved(ps, fd, copy_fd, buf, err);
	if (rc == NPK_OK && ps->shift != 0 && ps->lost_data > 0)
		rc = mark_rolling(ps, fd, copy_fd, buf, err);
	if (rc == NPK_OK)
		rc = mark_parity(ps, fd, buf, chunk, err);
	free(buf);
	if (rc == NPK_OK)
		npk__par_count(ps);
	return rc;
}

void npk__par_count(npk__par_state *ps)
{
	ps->stripes_bad = 0;
	for (uint64_t grp = 0; grp < ps->g.G; grp++)
		for (uint64_t s = 0; s < ps->g.S; s++)
			ps->stripes_bad += !npk__par_stripe_ok(ps, grp, s);
}

int npk__par_accept(npk__par_state *ps, uint64_t b, const uint8_t *bytes)
{
	if (b >= ps->g.N || !npk__par_is_lost(ps, b) ||
	    !crc_ok(ps, b, (uint32_t)crc32(0, bytes, (uInt)npk__par_block_len(&ps->g, b))))
		return 0;
	set_lost(ps, b, 0);
	ps->lost_data--;
	return 1;
}

void npk__par_free(npk__par_state *ps)
{
	free(ps->wa.buf);
	free(ps->wb.buf);
	free(ps->lost);
	ps->wa.buf = ps->wb.buf = ps->lost = NULL;
}

void npk__par_info(const npk__par_state *ps, npk_parity_info *info)
{
	const npk__par_geom *g = &ps->g;
	*info = (npk_parity_info){
		.k = g->k, .p = g->p, .block_size = g->B, .stripes = g->S, .groups = g->G,
		.protected_size = g->size, .data_blocks = g->N, .parity_blocks = npk__par_nparity(g),
		.section_offset = g->offset, .shift = ps->shift, .header_copies = ps->header_copies,
		.lost_data = ps->lost_data, .lost_parity = ps->lost_parity, .moved = ps->nmoved,
		.stripes_bad = ps->stripes_bad,
	};
}

/* Whether data block b's stripe can be rebuilt. */
static int block_ok(const npk__par_state *ps, uint64_t b)
{
	const npk__par_geom *g = &ps->g;
	uint64_t ks = (uint64_t)g->k * g->S;
	return npk__par_stripe_ok(ps, b / ks, b % ks % g->S);
}

void npk__par_ranges(const npk__par_state *ps, npk_parity_range_cb cb, void *ctx)
{
	const npk__par_geom *g = &ps->g;
	for (uint64_t b = 0; cb != NULL && b < g->N;) {
		if (!npk__par_is_lost(ps, b)) {
			b++;
			continue;
		}
		npk_parity_range r = {.first = b, .offset = b * g->B, .repairable = 1};
		for (; b < g->N && npk__par_is_lost(ps, b); b++) {
			r.count++;
			r.len += npk__par_block_len(g, b);
			r.repairable &= block_ok(ps, b);
		}
		cb(&r, ctx);
	}
}

/* npk_parity_check (mark: every block is checked, scan: the section may be
 * found by a scan) and npk_parity_find (neither). */
static int parity_run(const char *path, int mark, npk_parity_info *info, npk_parity_range_cb range,
                      void *ctx, npk_error *err)
{
	npk__par_state ps;
	memset(info, 0, sizeof *info);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	NPK_FAIL_IF(fd < 0, err, errno == ENOENT ? NPK_E_NOTFOUND : NPK_E_IO, "%s: %s", path,
	            strerror(errno));
	int rc = npk__par_open(&ps, fd, path, mark, err);
	if (rc == NPK_OK && mark)
		rc = npk__par_mark(&ps, fd, -1, err);
	if (rc == NPK_OK) {
		npk__par_info(&ps, info);
		if (mark)
			npk__par_ranges(&ps, range, ctx);
	}
	npk__par_free(&ps);
	close(fd);
	return rc;
}

int npk_parity_check(const char *path, npk_parity_info *info, npk_parity_range_cb range,
                     void *ctx, npk_error *err)
{
	return parity_run(path, 1, info, range, ctx, err);
}

int npk_parity_find(const char *path, npk_parity_info *info, npk_error *err)
{
	return parity_run(path, 0, info, NULL, NULL, err);
}

int npk_reader_parity_find(npk_reader *r, npk_parity_info *info, npk_error *err)
{
	npk__par_state ps;
	memset(info, 0, sizeof *info);
	int rc = npk__par_open(&ps, npk__reader_fd(r), npk__reader_name(r), 0, err);
	if (rc == NPK_OK)
		npk__par_info(&ps, info);
	npk__par_free(&ps);
	return rc;
}
