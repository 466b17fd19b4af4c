/* fuzz_search_index.c - the full-text index (spec/search.md 9): the root
 * and the postings section, as npk__ix_open, _lookup, _keys, the postings'
 * _next and _seek, _length and _verify read them. The input is u32 n (LE),
 * then n bytes of root, then the postings; the root's digest is computed
 * here, as the directory would hold it. Every key the pages give (at most
 * 16) is looked up and read, half of them with seeks; a few absent keys
 * too; then norms across [lo, hi) and verify. A key's df must match what
 * its postings give when they read whole, and documents must increase
 * inside [lo, hi). */
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "fuzz.h"
#include "search/ixread.h"

typedef struct fz_file {
	const uint8_t *p;
	size_t len;
} fz_file;

static int fz_read(void *ctx, uint64_t off, void *buf, size_t len, npk_error *err)
{
	const fz_file *f = ctx;
	if (off > f->len || len > f->len - off)
		return npk__fail(err, NPK_E_FORMAT, "read beyond the file");
	memcpy(buf, f->p + off, len);
	return NPK_OK;
}

typedef struct fz_keys {
	uint8_t key[16][NPK__IX_KEY_MAX];
	size_t len[16];
	uint64_t df[16];
	size_t n;
	uint8_t prev[NPK__IX_KEY_MAX];
	size_t prev_len;
} fz_keys;

static int fz_key(void *ctx, const uint8_t *key, size_t len, uint64_t df)
{
	fz_keys *k = ctx;
	if (len < 2 || len > NPK__IX_KEY_MAX || df == 0)
		abort();
	/* strictly increasing */
	size_t m = len < k->prev_len ? len : k->prev_len;
	int c = memcmp(key, k->prev, m);
	if (k->n > 0 && (c < 0 || (c == 0 && len <= k->prev_len)))
		abort();
	memcpy(k->prev, key, len);
	k->prev_len = len;
	memcpy(k->key[k->n], key, len);
	k->len[k->n] = len;
	k->df[k->n] = df;
	return ++k->n == 16;
}

static void fz_postings(npk__ix *ix, const uint8_t *key, size_t len, uint64_t df, int seek)
{
	npk__postings p;
	npk_error err;
	if (npk__ix_lookup(ix, key, len, &p, &err) == NPK_OK) {
		if (df != UINT64_MAX && p.df != df)
			abort();
		uint64_t lo = npk__ix_lo(ix), hi = npk__ix_hi(ix), prev = 0, count = 0, doc;
		uint32_t tf;
		int rc;
		for (;;) {
			if (seek && count % 3 == 1)
				rc = npk__postings_seek(&p, prev + 1 + (count % 7) * 100, &doc, &tf, &err);
			else
				rc = npk__postings_next(&p, &doc, &tf, &err);
			if (rc != 1)
				break;
			if (doc < lo || doc >= hi || (count > 0 && doc <= prev) || tf == 0 ||
			    tf > NPK__IX_TF_MAX)
				abort();
			prev = doc;
			count++;
		}
		if (rc == 0 && !seek && count != p.df)
			abort();
	}
	npk__postings_free(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 4)
		return 0;
	uint32_t n = npk__ld32(data);
	if (n > size - 4)
		return 0;
	fz_file f = { data + 4, size - 4 };
	uint8_t h[32];
	npk__digest(f.p, n, h);
	npk__ix *ix = NULL;
	npk_error err;
	if (npk__ix_open(fz_read, &f, 0, n, h, n, f.len - n, "fuzz", &ix, &err) != NPK_OK)
		return 0;
	fz_keys k;
	memset(&k, 0, sizeof k);
	npk__ix_keys(ix, (const uint8_t *)"", 0, (const uint8_t *)"\xff\xff", 2, fz_key, &k, &err);
	for (size_t i = 0; i < k.n; i++)
		fz_postings(ix, k.key[i], k.len[i], k.df[i], (int)(i & 1));
	static const char *absent[] = { "\x01", "\x01" "a", "\x01" "zz", "\x08" "2024", "\xff\xff" };
	for (size_t i = 0; i < sizeof absent / sizeof absent[0]; i++)
		fz_postings(ix, (const uint8_t *)absent[i], strlen(absent[i]), UINT64_MAX, 0);
	uint64_t lo = npk__ix_lo(ix), hi = npk__ix_hi(ix), len;
	for (uint64_t d = lo; d < hi && d - lo < 200000; d += 1 + (d - lo) / 3)
		npk__ix_length(ix, d, &len, &err);
	uint64_t problems = 0;
	npk__ix_verify(ix, NULL, NULL, &problems, &err);
	npk__ix_free(ix);
	return 0;
}
