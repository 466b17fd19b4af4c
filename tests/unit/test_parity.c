/* test_parity.c - the parity of spec/format.md 15.10: the field, ISA-L
 * against the portable codec on random data, every erasure pattern of
 * small stripes solved exactly, the header's rules, and encode / damage /
 * repair round trips through files, byte for byte. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "base/base.h"
#include "parity/parity.h"
#include "test.h"

static uint32_t rnd_state = 12345;
static uint8_t rnd(void)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return (uint8_t)(rnd_state >> 16);
}
static void fill(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = rnd();
}

DEFINE_TEST(test_parity_gf)
{
	for (unsigned a = 1; a < 256; a++) {
		CHECK_EQ_INT(npk__gf_mul((uint8_t)a, npk__gf_inv((uint8_t)a)), 1);
		CHECK_EQ_INT(npk__gf_mul((uint8_t)a, 1), a);
	}
	/* 0x80 * 2 wraps through the polynomial 0x11D */
	CHECK_EQ_INT(npk__gf_mul(0x80, 2), 0x1D);
	CHECK_EQ_INT(npk__gf_cauchy(240, 0, 0), npk__gf_inv(240));
	CHECK_EQ_INT(npk__gf_cauchy(3, 1, 2), npk__gf_inv(4 ^ 2));
	uint8_t m[4] = {3, 7, 9, 11}, id[4];
	memcpy(id, m, 4);
	CHECK(npk__gf_invert(m, 2) == 0);
	/* m^-1 m = I */
	for (unsigned r = 0; r < 2; r++)
		for (unsigned c = 0; c < 2; c++)
			CHECK_EQ_INT(npk__gf_mul(m[r * 2], id[c]) ^ npk__gf_mul(m[r * 2 + 1], id[2 + c]),
			             r == c);
	uint8_t sing[4] = {1, 2, 1, 2};
	CHECK(npk__gf_invert(sing, 2) != 0);
}

/* ISA-L (when built in) and the portable codec give the same parity. */
DEFINE_TEST(test_parity_isal_vs_portable)
{
	static const unsigned kp[][2] = {{1, 1}, {5, 3}, {17, 4}, {240, 12}, {128, 128}, {200, 56}};
	npk_error err;
	for (size_t t = 0; t < sizeof kp / sizeof kp[0]; t++) {
		unsigned k = kp[t][0], p = kp[t][1];
		size_t len = 4096 + 64 * t;
		npk__coder a, b;
		CHECK_RC(npk__coder_init(&a, k, p, 0, &err), NPK_OK, &err);
		CHECK_RC(npk__coder_init(&b, k, p, 1, &err), NPK_OK, &err);
		uint8_t *data = malloc(len), *pa = calloc(p, len), *pb = calloc(p, len);
		uint8_t *ra[256], *rb[256];
		for (unsigned j = 0; j < p; j++) {
			ra[j] = pa + j * len;
			rb[j] = pb + j * len;
		}
		for (unsigned i = 0; i < k; i++) {
			fill(data, len);
			npk__coder_update(&a, len, i, data, ra);
			npk__coder_update(&b, len, i, data, rb);
		}
		int same = memcmp(pa, pb, p * len) == 0;
		/* the solver too: apply a random e x e matrix both ways */
		unsigned e = p < 8 ? p : 8;
		uint8_t m[64];
		fill(m, e * e);
		uint8_t *oa = malloc(e * len), *ob = malloc(e * len), *outa[8], *outb[8];
		for (unsigned c = 0; c < e; c++) {
			outa[c] = oa + c * len;
			outb[c] = ob + c * len;
		}
		npk__coder_apply(&a, m, e, len, ra, outa, &err);
		npk__coder_apply(&b, m, e, len, ra, outb, &err);
		same = same && memcmp(oa, ob, e * len) == 0;
		free(data), free(pa), free(pb), free(oa), free(ob);
		npk__coder_free(&a);
		npk__coder_free(&b);
		CHECK(same);
	}
}

/* Every pattern of up to p lost blocks among the k + p of a stripe. */
static int solve_pattern(const npk__coder *c, unsigned mask, uint8_t *blk[], size_t len)
{
	unsigned k = c->k, p = c->p, L[8], J[8], e = 0, f = 0;
	for (unsigned i = 0; i < k; i++)
		if (mask >> i & 1)
			L[e++] = i;
	for (unsigned j = 0; j < p; j++)
		if (!(mask >> (k + j) & 1))
			J[f++] = j;
	if (e == 0)
		return 1;
	uint8_t y[8][64], out[8][64], m[64];
	uint8_t *in[8], *o[8];
	for (unsigned a = 0; a < e; a++) {
		memcpy(y[a], blk[k + J[a]], len);
		for (unsigned i = 0; i < k; i++)
			if (!(mask >> i & 1))
				npk__gf_madd(y[a], blk[i], len, npk__gf_cauchy(k, J[a], i));
		for (unsigned x = 0; x < e; x++)
			m[a * e + x] = npk__gf_cauchy(k, J[a], L[x]);
		in[a] = y[a];
		o[a] = out[a];
	}
	npk_error err;
	if (npk__gf_invert(m, e) != 0 || npk__coder_apply(c, m, e, len, in, o, &err) != NPK_OK)
		return 0;
	for (unsigned x = 0; x < e; x++)
		if (memcmp(out[x], blk[L[x]], len) != 0)
			return 0;
	return 1;
}

DEFINE_TEST(test_parity_every_erasure)
{
	static const unsigned kp[][2] = {{1, 1}, {2, 2}, {4, 3}, {6, 2}, {5, 5}};
	enum { LEN = 64 };
	npk_error err;
	for (size_t t = 0; t < sizeof kp / sizeof kp[0]; t++) {
		unsigned k = kp[t][0], p = kp[t][1], n = k + p;
		for (int portable = 0; portable < 2; portable++) {
			npk__coder c;
			CHECK_RC(npk__coder_init(&c, k, p, portable, &err), NPK_OK, &err);
			uint8_t buf[16][LEN], *blk[16];
			for (unsigned x = 0; x < n; x++) {
				blk[x] = buf[x];
				if (x < k)
					fill(buf[x], LEN);
				else
					memset(buf[x], 0, LEN);
			}
			for (unsigned i = 0; i < k; i++)
				npk__coder_update(&c, LEN, i, buf[i], blk + k);
			unsigned tried = 0, ok = 0;
			for (unsigned mask = 0; mask < (1u << n); mask++) {
				if ((unsigned)__builtin_popcount(mask) > p)
					continue;
				tried++;
				ok += solve_pattern(&c, mask, blk, LEN);
			}
			npk__coder_free(&c);
			CHECK_EQ_INT(ok, tried);
		}
	}
}

static void geom_small(npk__par_geom *g, uint64_t size)
{
	memset(g, 0, sizeof *g);
	g->B = 512;
	g->k = 5;
	g->p = 3;
	g->S = 4;
	g->size = size;
	g->N = (size + 511) / 512;
	g->G = (uint32_t)((g->N + 19) / 20);
	g->offset = size;
}

DEFINE_TEST(test_parity_header)
{
	npk__par_geom g, h;
	uint8_t b[64], c[64];
	npk_error err;
	CHECK_RC(npk__par_choose(&g, 14000000, 5, &err), NPK_OK, &err);
	CHECK(g.k == 240 && g.p == 12 && g.B == 4096 && g.G == 1);
	CHECK_RC(npk__par_choose(&g, 100000, 100, &err), NPK_OK, &err);
	CHECK(g.k + g.p <= 256 && g.k == 25 && g.p == 25);
	CHECK_RC(npk__par_choose(&g, 4096, 5, &err), NPK_OK, &err);
	CHECK(g.k == 1 && g.p == 1 && g.N == 1);
	CHECK_RC(npk__par_choose(&g, 100, 0, &err), NPK_E_ARG, &err);
	geom_small(&g, 512 * 47 + 100);
	npk__par_header_put(&g, b);
	CHECK_RC(npk__par_header_parse(b, &h, &err), NPK_OK, &err);
	CHECK(memcmp(&g, &h, sizeof g) == 0);
	/* any one byte changed, the CRC fixed again: refused unless the field
	 * may hold that value, and never accepted with a wrong CRC */
	for (unsigned at = 0; at < 60; at++) {
		memcpy(c, b, 64);
		c[at] ^= 0x40;
		CHECK(npk__par_header_parse(c, &h, &err) == NPK_E_FORMAT);
		npk__st32(c + 60, (uint32_t)crc32(0, c, 60));
		int rc = npk__par_header_parse(c, &h, &err);
		/* another p (3 ^ 0x40), a protected_size 64 bytes shorter (the
		 * same N) and a larger section_offset are the only changes that
		 * keep the rules */
		int valid = at == 12 || at == 32 || (at >= 48 && at < 56);
		if (rc != NPK_E_FORMAT && !valid)
			fprintf(stderr, "  byte %u changed: accepted\n", at);
		CHECK(rc == NPK_E_FORMAT || valid);
	}
	/* overflow: 2^40 bytes of parity, a section past 2^64 */
	geom_small(&g, 512 * 47 + 100);
	g.offset = UINT64_MAX - 100;
	npk__par_header_put(&g, b);
	CHECK(npk__par_header_parse(b, &h, &err) == NPK_E_FORMAT);
	g.offset = 1u << 30;
	g.B = 1u << 20;
	g.p = 32;
	g.k = 1;
	g.N = 1;
	g.size = 1;
	g.S = 1u << 20;
	g.G = 1;
	npk__par_header_put(&g, b);
	CHECK(npk__par_header_parse(b, &h, &err) == NPK_E_FORMAT);
}

/* A random "signed part" of size bytes in path, then its tail. */
static uint8_t *write_protected(const char *path, uint64_t size, const npk__par_geom *g)
{
	uint8_t *d = malloc(size);
	fill(d, size);
	npk_error err;
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, d, size) != (ssize_t)size ||
	    npk__par_tail(fd, fd, fd, -1, g, 0, NULL, path, &err) != NPK_OK) {
		fprintf(stderr, "  %s\n", err.msg);
		free(d);
		d = NULL;
	}
	close(fd);
	return d;
}

/* Repairs path into out; 1 when every byte came back, 0 when it could
 * not, -1 on a wrong result. */
static int repair_file(const char *path, const uint8_t *want, uint64_t size, uint64_t *bad)
{
	npk__par_state ps;
	npk_error err;
	int fd = open(path, O_RDONLY), out = open("out", O_RDWR | O_CREAT | O_TRUNC, 0644);
	int rc = npk__par_open(&ps, fd, path, 1, &err);
	if (rc == NPK_OK && ftruncate(out, (off_t)size) == 0)
		rc = npk__par_mark(&ps, fd, out, &err);
	*bad = ps.stripes_bad;
	int res = 0;
	if (rc == NPK_OK && ps.stripes_bad == 0 &&
	    npk__par_rebuild(&ps, fd, out, out, &err) == NPK_OK) {
		uint8_t *got = malloc(size);
		res = pread(out, got, size, 0) == (ssize_t)size && memcmp(got, want, size) == 0 ? 1 : -1;
		free(got);
	}
	npk__par_free(&ps);
	close(fd);
	close(out);
	return res;
}

static void damage(const char *path, uint64_t at, uint64_t len)
{
	int fd = open(path, O_WRONLY);
	uint8_t *junk = malloc(len);
	fill(junk, len);
	if (pwrite(fd, junk, len, (off_t)at) != (ssize_t)len)
		fprintf(stderr, "  cannot damage %s\n", path);
	free(junk);
	close(fd);
}

DEFINE_TEST(test_parity_round_trip)
{
	npk__par_geom g;
	uint64_t size = 512 * 47 + 100, bad;
	geom_small(&g, size);
	uint8_t *d = write_protected("a", size, &g);
	CHECK(d != NULL);
	size_t flen;
	char *file = npk_test_read_file("a", &flen);
	CHECK(file != NULL && flen == size + npk__par_section_len(&g) + 4 + 56 + 32);
	/* 12 consecutive blocks: 3 per stripe of group 0 */
	damage("a", 0, 12 * 512);
	CHECK_EQ_INT(repair_file("a", d, size, &bad), 1);
	/* 13: one stripe loses 4 of its 5 data blocks, more than p */
	npk_test_write_file("a", file, flen);
	damage("a", 0, 13 * 512);
	CHECK_EQ_INT(repair_file("a", d, size, &bad), 0);
	CHECK(bad > 0);
	/* the short last block, a parity block of the last group and the
	 * tail directory gone (the section is then found by scanning) */
	npk_test_write_file("a", file, flen);
	damage("a", size - 10, 10);
	damage("a", size + 64 + npk__par_table_len(&g) + 512 * (2 * 3 * 4), 512);
	damage("a", flen - 80, 80);
	CHECK_EQ_INT(repair_file("a", d, size, &bad), 1);
	/* table A and header copy 1 destroyed: copy 2 and table B serve */
	npk_test_write_file("a", file, flen);
	damage("a", size, 64 + npk__par_table_len(&g));
	damage("a", 700, 100);
	CHECK_EQ_INT(repair_file("a", d, size, &bad), 1);
	/* bytes inserted in the middle: the blocks after them are found at
	 * the shift, the one cut in two is rebuilt */
	uint8_t *ins = malloc(flen + 333);
	memcpy(ins, file, 10000);
	memset(ins + 10000, 'x', 333);
	memcpy(ins + 10333, file + 10000, flen - 10000);
	npk_test_write_file("a", ins, flen + 333);
	CHECK_EQ_INT(repair_file("a", d, size, &bad), 1);
	/* 333 bytes inserted at 3000 and 1000 deleted at 15000: the blocks
	 * between sit at +333, found by the rolling CRC; those after at -667,
	 * the section's own shift */
	memcpy(ins, file, 3000);
	memset(ins + 3000, 'y', 333);
	memcpy(ins + 3333, file + 3000, 12000);
	memcpy(ins + 15333, file + 16000, flen - 16000);
	npk_test_write_file("a", ins, flen - 667);
	CHECK_EQ_INT(repair_file("a", d, size, &bad), 1);
	free(ins);
	free(file);
	free(d);
}

/* Random damage within what each stripe can take, many times, with the
 * portable path and ISA-L's alike (the encoder uses ISA-L when built). */
DEFINE_TEST(test_parity_random_damage)
{
	npk__par_geom g;
	uint64_t size = 512 * 200 + 7, bad;
	geom_small(&g, size);
	g.k = 7;
	g.p = 4;
	g.S = 3;
	g.G = (uint32_t)((g.N + 20) / 21);
	uint8_t *d = write_protected("b", size, &g);
	CHECK(d != NULL);
	size_t flen;
	char *file = npk_test_read_file("b", &flen);
	int wrong = 0, failed = 0;
	for (int t = 0; t < 40; t++) {
		npk_test_write_file("b", file, flen);
		/* up to p random blocks in each of a few random stripes */
		for (int n = 0; n < 6; n++) {
			uint64_t grp = rnd() % g.G, s = rnd() % g.S;
			for (unsigned x = 0; x < g.p; x++) {
				unsigned i = rnd() % (g.k + g.p);
				uint64_t at = i < g.k ? npk__par_block(&g, grp, i, s) * 512
				                      : size + 64 + npk__par_table_len(&g) +
				                        ((grp * g.p + i - g.k) * g.S + s) * 512;
				if (at < flen)
					damage("b", at + rnd() % 500, 1);
			}
		}
		int r = repair_file("b", d, size, &bad);
		wrong += r < 0;
		failed += r == 0 && bad == 0;
	}
	free(file);
	free(d);
	CHECK_EQ_INT(wrong, 0);
	CHECK_EQ_INT(failed, 0);
}
