/* fuzz_edition.c - what an edition brings from outside (spec/format.md
 * 15.15) that no archive target reaches whole: the edition link
 * (npk__link_parse, which must give back the same bytes when encoded
 * again), the rotation file (npk__rotation_parse, the same once formatted
 * again), a consistency proof (npk__verify_consistency: its verdict and
 * its reason agree, and it never accepts m > n), and the path filter's
 * header. The first byte chooses; the rest is the input:
 *
 *   0   the link's extension data
 *   1   a rotation file
 *   2   u64 m, u64 n, root_m (32), root_n (32), then the proof's hashes
 *   3   the path filter section (its count: 1000), then a path probed */
#include <stdlib.h>
#include <string.h>

#include "format/format.h"
#include "fuzz.h"

static void fz_link(const uint8_t *p, size_t len)
{
	npk_edition_link l;
	npk_error err;
	if (npk__link_parse(p, len, &l, &err) != NPK_OK)
		return;
	npk_buf b = {0};
	if (npk__link_encode(&b, &l, &err) != NPK_OK || b.len != len || memcmp(b.p, p, len) != 0)
		abort();
	npk__buf_free(&b);
}

static void fz_rotation(const uint8_t *p, size_t len)
{
	uint8_t st[NPK_ROTATION_STATEMENT], sig[64];
	npk_error err;
	char *text = NULL;
	size_t tlen = 0;
	if (npk__rotation_parse((const char *)p, len, "fuzz", st, sig, &err) != NPK_OK)
		return;
	if (npk__rotation_format(st, sig, &text, &tlen, &err) != NPK_OK)
		return;
	if (tlen != len || memcmp(text, p, len) != 0)
		abort();
	free(text);
}

static void fz_consistency(const uint8_t *p, size_t len)
{
	uint8_t proof[NPK_PROOF_HASHES_MAX + 1][32];
	const char *why = NULL;
	if (len < 80)
		return;
	uint64_t m = npk__ld64(p), n = npk__ld64(p + 8);
	size_t k = (len - 80) / 32;
	if (k > NPK_PROOF_HASHES_MAX + 1)
		k = NPK_PROOF_HASHES_MAX + 1;
	memcpy(proof, p + 80, 32 * k);
	int rc = npk__verify_consistency(m, n, p + 16, p + 48, (const uint8_t (*)[32])proof,
	                                 (unsigned)k, &why);
	if ((rc == 0) != (why == NULL) || (rc == 0 && m > n))
		abort();
}

static void fz_paths(const uint8_t *p, size_t len)
{
	uint64_t m;
	unsigned k;
	if (len < NPK_PATHS_HEADER)
		return;
	for (uint64_t sec = NPK_PATHS_HEADER; sec <= len; sec++) {
		if (npk__paths_header_problem(p, NPK_PATHS_MAGIC, sec, 1000, &m, &k) != NULL)
			continue;
		/* a header that passes describes exactly the bytes given */
		if (sec != NPK_PATHS_HEADER + m / 8 || k < 1 || k > 32)
			abort();
		npk__paths_has(p + NPK_PATHS_HEADER, m, k, (const char *)p + sec, len - sec);
		return;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0] & 3) {
	case 0: fz_link(data + 1, size - 1); break;
	case 1: fz_rotation(data + 1, size - 1); break;
	case 2: fz_consistency(data + 1, size - 1); break;
	default: fz_paths(data + 1, size - 1); break;
	}
	return 0;
}
