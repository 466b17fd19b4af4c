/* test_dedup.c - the content digest set (format/dedup.h): with a few
 * records in memory, so that thousands of adds spill hundreds of runs and
 * merge them at several tiers, every record added is found with its
 * fields, absent digests and other sizes are not, the first of equal
 * records stays the answer, a digest added with many sizes is found at
 * each, the runs stay O(log n); a failed spill or merge (a file size
 * limit, no scratch folder) changes nothing; and a set of the default
 * size holding 300,000 records.
 *
 * Measured (Debian 12, -O2, a driver that finds then adds each of
 * 2,000,000 records, the default 131072 in memory: 15 spills, 6 runs):
 * 15.3 MiB peak resident, 3 of them the program itself (7 MiB of records
 * and 1 MiB of table in memory, 2.6 MiB of Bloom filters and sparse
 * indexes, qsort's 2 MiB while it sorts); 8,000,000 records: 23.4 MiB, 7
 * runs. 0.34 us an add, spills and merges included; a find 0.3 us for an
 * absent digest, 1.5 us for a present one (one pread of 3.3 KiB from the
 * page cache). */
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "format/dedup.h"
#include "newspack.h"
#include "test.h"

/* The digest of record i: tag 'p' for those added, 'a' for absent ones. */
static void digest_of(uint64_t i, char tag, uint8_t out[32])
{
	uint8_t b[9];
	npk__st64(b, i);
	b[8] = (uint8_t)tag;
	npk__digest(b, sizeof b, out);
}

/* Record i, its fields derived from i. */
static void rec_of(uint64_t i, npk__dedup_rec *r)
{
	memset(r, 0, sizeof *r);
	digest_of(i, 'p', r->digest);
	r->size = 1 + i * 7919 % 1000003 + (i % 3 == 0 ? (uint64_t)1 << 40 : 0);
	r->edition = (uint32_t)(i % 5);
	r->cluster = (uint32_t)(i / 3);
	r->offset = (uint32_t)(i * 2654435761u);
}

static int same_rec(const npk__dedup_rec *a, const npk__dedup_rec *b)
{
	return memcmp(a->digest, b->digest, 32) == 0 && a->size == b->size &&
	       a->edition == b->edition && a->cluster == b->cluster && a->offset == b->offset;
}

/* Finds digest and size: 1 found and equal to want (want NULL: absent),
 * else 0 with a message. */
static int find_is(npk__dedup *d, const uint8_t *digest, uint64_t size,
                   const npk__dedup_rec *want, const char *what, uint64_t i)
{
	npk_error err = { 0 };
	npk__dedup_rec got;
	int found = -1;
	if (npk__dedup_find(d, digest, size, &got, &found, &err) != NPK_OK) {
		fprintf(stderr, "  %s %llu: find failed: %s\n", what, (unsigned long long)i,
		        err.msg);
		return 0;
	}
	if (found != (want != NULL)) {
		fprintf(stderr, "  %s %llu: found %d\n", what, (unsigned long long)i, found);
		return 0;
	}
	if (want != NULL && !same_rec(&got, want)) {
		fprintf(stderr, "  %s %llu: found other fields (cluster %u, not %u)\n", what,
		        (unsigned long long)i, got.cluster, want->cluster);
		return 0;
	}
	return 1;
}

/* Records 0 .. n-1 are found, each with its fields; every step-th only. */
static int all_found(npk__dedup *d, uint64_t n, uint64_t step)
{
	npk__dedup_rec r;
	for (uint64_t i = 0; i < n; i += step) {
		rec_of(i, &r);
		if (!find_is(d, r.digest, r.size, &r, "record", i))
			return 0;
	}
	return 1;
}

/* n absent digests, and the digests of records 0 .. n-1 at other sizes,
 * are not found. */
static int none_found(npk__dedup *d, uint64_t n, uint64_t step)
{
	npk__dedup_rec r;
	uint8_t digest[32];
	for (uint64_t i = 0; i < n; i += step) {
		digest_of(i, 'a', digest);
		rec_of(i, &r);
		if (!find_is(d, digest, r.size, NULL, "absent digest", i) ||
		    !find_is(d, r.digest, r.size + 1, NULL, "other size", i) ||
		    !find_is(d, r.digest, r.size - 1, NULL, "other size", i))
			return 0;
	}
	return 1;
}

/* At most MERGE_WAY - 1 = 3 runs a tier, tiers 0 .. log4(spills). */
static unsigned runs_bound(uint64_t n, uint64_t mem)
{
	unsigned tiers = 1;
	for (uint64_t s = n / mem; s >= 4; s /= 4)
		tiers++;
	return 3 * tiers;
}

/* Adds records from .. n-1, checking the number of runs. */
static int fill_from(npk__dedup *d, uint64_t from, uint64_t n, uint64_t mem)
{
	npk_error err = { 0 };
	npk__dedup_rec r;
	for (uint64_t i = from; i < n; i++) {
		rec_of(i, &r);
		if (npk__dedup_add(d, &r, &err) != NPK_OK) {
			fprintf(stderr, "  add %llu: %s\n", (unsigned long long)i, err.msg);
			return 0;
		}
		if (npk__dedup_runs(d) > runs_bound(i + 1, mem)) {
			fprintf(stderr, "  %u runs after %llu adds\n", npk__dedup_runs(d),
			        (unsigned long long)i + 1);
			return 0;
		}
	}
	return 1;
}

static int fill(npk__dedup *d, uint64_t n, uint64_t mem)
{
	return fill_from(d, 0, n, mem);
}

/* 20,000 records, 64 and 100 in memory: 312 and 200 spills, merges up to
 * tier 4 and 3; every record found, nothing else. */
DEFINE_TEST(test_dedup_spills_and_merges)
{
	static const size_t mems[] = { 64, 100 };
	const uint64_t n = 20000;
	npk_error err = { 0 };
	CHECK_RC(npk__init(&err), NPK_OK, &err);
	for (size_t m = 0; m < sizeof mems / sizeof *mems; m++) {
		npk__dedup *d;
		CHECK_RC(npk__dedup_new(&d, mems[m], &err), NPK_OK, &err);
		int ok = fill(d, n, mems[m]);
		ok = ok && npk__dedup_count(d) == n;
		ok = ok && npk__dedup_runs(d) >= 2 && npk__dedup_runs(d) <= runs_bound(n, mems[m]);
		ok = ok && all_found(d, n, 1) && none_found(d, n, 1);
		if (!ok)
			fprintf(stderr, "  with %zu in memory: %u runs\n", mems[m],
			        npk__dedup_runs(d));
		npk__dedup_free(d);
		CHECK(ok);
	}
}

/* One record in memory: every add spills, and the merges cascade. */
DEFINE_TEST(test_dedup_one_in_memory)
{
	npk_error err = { 0 };
	npk__dedup *d;
	CHECK_RC(npk__init(&err), NPK_OK, &err);
	CHECK_RC(npk__dedup_new(&d, 1, &err), NPK_OK, &err);
	/* 1364 spills, 4^5 + 4^4 + 4^3 + 4^2 + 4: one run of each tier 1 .. 5 */
	int ok = fill(d, 1365, 1);
	ok = ok && npk__dedup_runs(d) == 5 && all_found(d, 1365, 1) && none_found(d, 1365, 1);
	npk__dedup_free(d);
	CHECK(ok);
}

/* Duplicates added at every distance (in memory, a run, a merged run):
 * the first record stays the answer, through the merges that follow. */
DEFINE_TEST(test_dedup_first_wins)
{
	static const size_t mems[] = { 1, 64, 100 };
	const uint64_t n = 6000;
	npk_error err = { 0 };
	CHECK_RC(npk__init(&err), NPK_OK, &err);
	for (size_t m = 0; m < sizeof mems / sizeof *mems; m++) {
		npk__dedup *d;
		npk__dedup_rec r;
		uint64_t adds = 0;
		CHECK_RC(npk__dedup_new(&d, mems[m], &err), NPK_OK, &err);
		for (uint64_t i = 0; i < n; i++) {
			rec_of(i, &r);
			CHECK_RC(npk__dedup_add(d, &r, &err), NPK_OK, &err);
			adds++;
			/* record i again at once, and an older one, with other places */
			uint64_t olds[2] = { i, i % 3 == 0 ? i / 2 : i * 7 / 8 };
			for (int k = 0; k < 2; k++) {
				rec_of(olds[k], &r);
				r.edition += 100;
				r.cluster += 1000000;
				r.offset ^= 0xFFFF;
				CHECK_RC(npk__dedup_add(d, &r, &err), NPK_OK, &err);
				adds++;
			}
			if (i == n / 2) {
				CHECK(all_found(d, i + 1, 1));
				CHECK(none_found(d, i + 1, 7));
			}
		}
		CHECK_EQ_INT(npk__dedup_count(d), adds);
		CHECK(npk__dedup_runs(d) <= runs_bound(n, mems[m]));
		CHECK(all_found(d, n, 1));
		CHECK(none_found(d, n, 1));
		npk__dedup_free(d);
	}
}

/* One digest at 1000 sizes, among other records: with 64 in memory its
 * records fill many blocks of one run, and each is found. */
DEFINE_TEST(test_dedup_one_digest_many_sizes)
{
	npk_error err = { 0 };
	npk__dedup *d;
	npk__dedup_rec r, want;
	uint8_t digest[32];
	CHECK_RC(npk__init(&err), NPK_OK, &err);
	digest_of(7, 's', digest);
	CHECK_RC(npk__dedup_new(&d, 64, &err), NPK_OK, &err);
	for (uint64_t s = 1; s <= 1000; s++) {
		rec_of(s - 1, &r);
		CHECK_RC(npk__dedup_add(d, &r, &err), NPK_OK, &err);
		memcpy(r.digest, digest, 32);
		r.size = 1001 - s; /* from the largest down: each spill adds smaller keys */
		r.cluster = (uint32_t)s;
		CHECK_RC(npk__dedup_add(d, &r, &err), NPK_OK, &err);
	}
	CHECK(all_found(d, 1000, 1));
	for (uint64_t s = 1; s <= 1000; s++) {
		rec_of(s - 1, &want);
		memcpy(want.digest, digest, 32);
		want.size = 1001 - s;
		want.cluster = (uint32_t)s;
		CHECK(find_is(d, digest, want.size, &want, "size", want.size));
	}
	CHECK(find_is(d, digest, 1001, NULL, "size", 1001));
	CHECK(find_is(d, digest, UINT64_MAX, NULL, "size", 0));
	digest[31] ^= 1;
	CHECK(find_is(d, digest, 500, NULL, "a near digest at size", 500));
	npk__dedup_free(d);
}

/* The default size, 300,000 records: two spills and the rest in memory. */
DEFINE_TEST(test_dedup_default_size)
{
	const uint64_t n = 300000;
	npk_error err = { 0 };
	npk__dedup *d;
	CHECK_RC(npk__init(&err), NPK_OK, &err);
	CHECK_RC(npk__dedup_new(&d, 0, &err), NPK_OK, &err);
	clock_t t0 = clock();
	int ok = fill(d, n, 131072);
	ok = ok && npk__dedup_runs(d) == 2 && npk__dedup_count(d) == n;
	ok = ok && all_found(d, n, 7) && none_found(d, n, 11);
	double s = (double)(clock() - t0) / CLOCKS_PER_SEC;
	npk__dedup_free(d);
	CHECK(ok);
	if (s > 2)
		fprintf(stderr, "  (300,000 records took %.2f s)\n", s);
}

/* What a caller may get wrong. */
DEFINE_TEST(test_dedup_arguments)
{
	npk_error err = { 0 };
	npk__dedup *d = NULL;
	npk__dedup_rec r, got;
	int found = -1;
	CHECK_RC(npk__init(&err), NPK_OK, &err);
	CHECK_RC(npk__dedup_new(&d, (size_t)1 << 30, &err), NPK_E_ARG, &err);
	CHECK(d == NULL);
	CHECK_RC(npk__dedup_new(&d, 4, &err), NPK_OK, &err);
	rec_of(1, &r);
	r.size = 0;
	CHECK_RC(npk__dedup_add(d, &r, &err), NPK_E_ARG, &err);
	CHECK(strstr(err.msg, "size 0") != NULL);
	CHECK_RC(npk__dedup_find(d, r.digest, 0, &got, &found, &err), NPK_OK, &err);
	CHECK_EQ_INT(found, 0);
	CHECK_EQ_INT(npk__dedup_count(d), 0);
	CHECK_EQ_INT(npk__dedup_runs(d), 0);
	npk__dedup_free(d);
	npk__dedup_free(NULL);
}

/* Adds record i, which must fail with NPK_E_IO. */
static int add_fails(npk__dedup *d, uint64_t i)
{
	npk_error err = { 0 };
	npk__dedup_rec r;
	rec_of(i, &r);
	int rc = npk__dedup_add(d, &r, &err);
	if (rc == NPK_E_IO && strstr(err.msg, "content digest set") != NULL)
		return 1;
	fprintf(stderr, "  add %llu: code %d (%s), not a failed spill or merge\n",
	        (unsigned long long)i, rc, err.msg);
	return 0;
}

static int limit_size(rlim_t n)
{
	struct rlimit l;
	if (getrlimit(RLIMIT_FSIZE, &l) != 0)
		return 0;
	l.rlim_cur = n;
	return setrlimit(RLIMIT_FSIZE, &l) == 0;
}

/* A spill's write fails after the array was sorted; then a merge's. */
static int failed_writes(rlim_t unlimited)
{
	npk_error err = { 0 };
	npk__dedup *d;
	int ok;
	if (npk__dedup_new(&d, 2000, &err) != NPK_OK)
		return 0;
	ok = fill(d, 2000, 2000) && limit_size(50000) && add_fails(d, 2000) &&
	     limit_size(unlimited);
	ok = ok && npk__dedup_runs(d) == 0 && npk__dedup_count(d) == 2000;
	ok = ok && all_found(d, 2000, 1) && none_found(d, 2001, 1);
	ok = ok && fill_from(d, 2000, 9000, 2000) && all_found(d, 9000, 1) &&
	     none_found(d, 9000, 1);
	npk__dedup_free(d);
	if (!ok || npk__dedup_new(&d, 64, &err) != NPK_OK)
		return 0;
	/* 3 runs and 64 in memory; the next add spills a fourth, whose merge
	 * (13,312 bytes) fails */
	ok = fill(d, 256, 64) && npk__dedup_runs(d) == 3 && limit_size(10000) &&
	     add_fails(d, 256) && limit_size(unlimited);
	ok = ok && npk__dedup_runs(d) == 4 && npk__dedup_count(d) == 256;
	ok = ok && all_found(d, 256, 1) && none_found(d, 257, 1);
	ok = ok && fill_from(d, 256, 5000, 64) && npk__dedup_runs(d) <= runs_bound(5000, 64) + 3;
	ok = ok && all_found(d, 5000, 1) && none_found(d, 5000, 1);
	npk__dedup_free(d);
	return ok;
}

/* No folder for scratch files: the spill fails, and works once there is. */
static int no_scratch_folder(void)
{
	npk_error err = { 0 };
	npk__dedup *d;
	const char *was = getenv("TMPDIR");
	char *old = was != NULL ? strdup(was) : NULL;
	if (npk__dedup_new(&d, 64, &err) != NPK_OK)
		return 0;
	int ok = fill(d, 64, 64) && setenv("TMPDIR", "no-such-folder", 1) == 0 && add_fails(d, 64);
	ok = (old != NULL ? setenv("TMPDIR", old, 1) : unsetenv("TMPDIR")) == 0 && ok;
	ok = ok && npk__dedup_runs(d) == 0 && all_found(d, 64, 1) && none_found(d, 65, 1);
	ok = ok && fill_from(d, 64, 1000, 64) && all_found(d, 1000, 1) && none_found(d, 1000, 1);
	npk__dedup_free(d);
	free(old);
	return ok;
}

DEFINE_TEST(test_dedup_failures)
{
	npk_error err = { 0 };
	struct rlimit l;
	CHECK_RC(npk__init(&err), NPK_OK, &err);
	CHECK(getrlimit(RLIMIT_FSIZE, &l) == 0);
	void (*prev)(int) = signal(SIGXFSZ, SIG_IGN); /* write fails with EFBIG instead */
	int ok = failed_writes(l.rlim_cur);
	setrlimit(RLIMIT_FSIZE, &l);
	signal(SIGXFSZ, prev);
	CHECK(ok);
	CHECK(no_scratch_folder());
}
