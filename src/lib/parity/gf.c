/*
 * gf.c - GF(2^8) with the polynomial x^8 + x^4 + x^3 + x^2 + 1 (0x11D),
 * the field of spec/format.md 15.10 and of ISA-L: log and exp tables, the
 * Cauchy coefficients, a multiply-add over a buffer and a small inversion.
 * It is the whole codec where ISA-L is missing, and the reference the
 * unit tests hold ISA-L to.
 */
#include <pthread.h>
#include <string.h>

#include "parity/parity.h"

static uint8_t gf_log[256], gf_exp[512];
static pthread_once_t gf_once = PTHREAD_ONCE_INIT;

static void gf_build(void)
{
	unsigned x = 1;
	for (unsigned i = 0; i < 255; i++) {
		gf_exp[i] = gf_exp[i + 255] = (uint8_t)x;
		gf_log[x] = (uint8_t)i;
		x <<= 1;
		if (x & 0x100)
			x ^= 0x11D;
	}
}

static void gf_init(void)
{
	pthread_once(&gf_once, gf_build);
}

uint8_t npk__gf_mul(uint8_t a, uint8_t b)
{
	gf_init();
	if (a == 0 || b == 0)
		return 0;
	return gf_exp[gf_log[a] + gf_log[b]];
}

uint8_t npk__gf_inv(uint8_t a)
{
	gf_init();
	return a == 0 ? 0 : gf_exp[255 - gf_log[a]];
}

uint8_t npk__gf_cauchy(unsigned k, unsigned j, unsigned i)
{
	return npk__gf_inv((uint8_t)((k + j) ^ i));
}

void npk__gf_madd(uint8_t *dst, const uint8_t *src, size_t len, uint8_t c)
{
	if (c == 0)
		return;
	gf_init();
	/* one row of the product table, then a lookup per byte */
	uint8_t row[256];
	row[0] = 0;
	for (unsigned v = 1; v < 256; v++)
		row[v] = gf_exp[gf_log[c] + gf_log[v]];
	for (size_t x = 0; x < len; x++)
		dst[x] ^= row[src[x]];
}

/* Gauss-Jordan on [m | I]; n is at most 255 (the parity of a stripe). */
int npk__gf_invert(uint8_t *m, unsigned n)
{
	uint8_t inv[255 * 255];
	if (n == 0 || n > 255)
		return -1;
	memset(inv, 0, (size_t)n * n);
	for (unsigned i = 0; i < n; i++)
		inv[i * n + i] = 1;
	for (unsigned c = 0; c < n; c++) {
		unsigned r = c;
		while (r < n && m[r * n + c] == 0)
			r++;
		if (r == n)
			return -1;
		for (unsigned x = 0; r != c && x < n; x++) {
			uint8_t t = m[r * n + x];
			m[r * n + x] = m[c * n + x];
			m[c * n + x] = t;
			t = inv[r * n + x];
			inv[r * n + x] = inv[c * n + x];
			inv[c * n + x] = t;
		}
		uint8_t d = npk__gf_inv(m[c * n + c]);
		for (unsigned x = 0; x < n; x++) {
			m[c * n + x] = npk__gf_mul(m[c * n + x], d);
			inv[c * n + x] = npk__gf_mul(inv[c * n + x], d);
		}
		for (unsigned r2 = 0; r2 < n; r2++) {
			uint8_t f = m[r2 * n + c];
			if (r2 == c || f == 0)
				continue;
			npk__gf_madd(m + r2 * n, m + c * n, n, f);
			npk__gf_madd(inv + r2 * n, inv + c * n, n, f);
		}
	}
	memcpy(m, inv, (size_t)n * n);
	return 0;
}
