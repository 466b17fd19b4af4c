/*
 * code.c - the coder of spec/format.md 15.10: ISA-L when the build has it
 * (gf_gen_cauchy1_matrix, ec_init_tables, ec_encode_data_update and
 * ec_encode_data; never gf_gen_rs_matrix, whose Vandermonde rows are not
 * invertible for every erasure pattern), else the portable codec of gf.c.
 * ISA-L's expanded tables live in memory only: their layout is ISA-L's
 * business and has changed between releases.
 */
#include <stdlib.h>
#include <string.h>

#ifdef NPK_HAVE_ISAL
#include <isa-l/erasure_code.h>
#endif

#include "parity/parity.h"

int npk__coder_isal(void)
{
#ifdef NPK_HAVE_ISAL
	return 1;
#else
	return 0;
#endif
}

int npk__coder_init(npk__coder *c, unsigned k, unsigned p, int portable, npk_error *err)
{
	memset(c, 0, sizeof *c);
	NPK_FAIL_IF(k < 1 || p < 1 || k + p > 256, err, NPK_E_ARG, "parity: k %u, p %u", k, p);
	c->k = k;
	c->p = p;
	c->portable = portable || !npk__coder_isal();
	c->c = malloc((size_t)p * k);
	NPK_FAIL_IF(c->c == NULL, err, NPK_E_NOMEM, "out of memory");
	for (unsigned j = 0; j < p; j++)
		for (unsigned i = 0; i < k; i++)
			c->c[j * k + i] = npk__gf_cauchy(k, j, i);
#ifdef NPK_HAVE_ISAL
	if (!c->portable) {
		uint8_t *m = malloc((size_t)(k + p) * k);
		c->tables = malloc((size_t)32 * k * p);
		if (m == NULL || c->tables == NULL) {
			free(m);
			npk__coder_free(c);
			return npk__fail(err, NPK_E_NOMEM, "out of memory");
		}
		gf_gen_cauchy1_matrix(m, (int)(k + p), (int)k);
		/* the same coefficients as ours, or the build is broken */
		int same = memcmp(m + (size_t)k * k, c->c, (size_t)p * k) == 0;
		ec_init_tables((int)k, (int)p, m + (size_t)k * k, c->tables);
		free(m);
		if (!same) {
			npk__coder_free(c);
			return npk__fail(err, NPK_E_ARG, "parity: ISA-L's Cauchy matrix differs from 15.10");
		}
	}
#endif
	return NPK_OK;
}

void npk__coder_update(const npk__coder *c, size_t len, unsigned i, const uint8_t *data,
                       uint8_t **coding)
{
#ifdef NPK_HAVE_ISAL
	if (!c->portable) {
		/* ISA-L wants a length of at least 64 here; ours are whole blocks */
		ec_encode_data_update((int)len, (int)c->k, (int)c->p, (int)i, c->tables,
		                      (unsigned char *)(uintptr_t)data, coding);
		return;
	}
#endif
	for (unsigned j = 0; j < c->p; j++)
		npk__gf_madd(coding[j], data, len, c->c[j * c->k + i]);
}

int npk__coder_apply(const npk__coder *c, const uint8_t *m, unsigned e, size_t len,
                     uint8_t **in, uint8_t **out, npk_error *err)
{
#ifdef NPK_HAVE_ISAL
	if (!c->portable) {
		uint8_t *t = malloc((size_t)32 * e * e);
		NPK_FAIL_IF(t == NULL, err, NPK_E_NOMEM, "out of memory");
		ec_init_tables((int)e, (int)e, (unsigned char *)(uintptr_t)m, t);
		ec_encode_data((int)len, (int)e, (int)e, t, in, out);
		free(t);
		return NPK_OK;
	}
#endif
	(void)err;
	for (unsigned r = 0; r < e; r++) {
		memset(out[r], 0, len);
		for (unsigned a = 0; a < e; a++)
			npk__gf_madd(out[r], in[a], len, m[r * e + a]);
	}
	return NPK_OK;
}

void npk__coder_free(npk__coder *c)
{
	free(c->c);
	free(c->tables);
	c->c = c->tables = NULL;
}
