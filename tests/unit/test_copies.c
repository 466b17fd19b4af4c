/* test_copies.c - survival copies (spec/format.md 15.9): npk__copies_parse
 * on headers made here, hostile ones included; and a damaged page table
 * read through its copy, whose fix (npk__reader_fixes) writes the original
 * back. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "format/format.h"
#include "newspack.h"
#include "test.h"

/* A copies header at buf for extents (off, len) pairs x of n, pad bytes
 * of padding, saying signed_size; its length. */
static size_t copies_head(uint8_t *buf, const uint64_t *x, uint32_t n, uint32_t pad,
                          uint64_t signed_size)
{
	memcpy(buf, NPK_COPY_MAGIC, 8);
	npk__st64(buf + 8, signed_size);
	npk__st32(buf + 16, n);
	npk__st32(buf + 20, pad);
	for (uint32_t i = 0; i < n; i++) {
		npk__st64(buf + 24 + 16 * i, x[2 * i]);
		npk__st64(buf + 32 + 16 * i, x[2 * i + 1]);
	}
	size_t h = 28 + 16 * (size_t)n;
	npk__st32(buf + h - 4, (uint32_t)crc32(crc32(0L, Z_NULL, 0), buf, (uInt)(h - 4)));
	return h;
}

/* The code of parsing a header of extents x at offset 1000 of a file of
 * 5000 bytes whose signed part is 900 bytes. */
static int parse_copies(const uint64_t *x, uint32_t n, uint32_t pad, npk__copies *c)
{
	uint8_t buf[NPK_COPY_HEAD_MAX + 64];
	size_t len = copies_head(buf, x, n > NPK_COPY_EXTENTS_MAX ? 1 : n, pad, 900);
	if (n > NPK_COPY_EXTENTS_MAX)
		npk__st32(buf + 16, n);
	npk_error err = {0};
	return npk__copies_parse(buf, len, 1000, 5000, c, &err);
}

DEFINE_TEST(test_copies_parse)
{
	npk__copies c;
	const uint64_t good[] = {0, 32, 700, 100, 800, 100};
	CHECK_RC(parse_copies(good, 3, 10, &c), NPK_OK, &(npk_error){0});
	CHECK_EQ_INT(c.count, 3);
	CHECK_EQ_INT(c.ext[0].pos, 1000 + 28 + 48 + 10);
	CHECK_EQ_INT(c.ext[2].pos, 1000 + 28 + 48 + 10 + 132);
	CHECK_EQ_INT(c.len, 28 + 48 + 10 + 232);
	CHECK(npk__copies_cover(&c, 700, 100) == &c.ext[1]);
	CHECK(npk__copies_cover(&c, 790, 20) == NULL);   /* across two extents */
	const uint64_t zero_len[] = {0, 0};
	CHECK_EQ_INT(parse_copies(zero_len, 1, 0, &c), NPK_E_FORMAT);
	const uint64_t past[] = {800, 101};                /* past the signed part */
	CHECK_EQ_INT(parse_copies(past, 1, 0, &c), NPK_E_FORMAT);
	const uint64_t wrap[] = {UINT64_MAX, 2};
	CHECK_EQ_INT(parse_copies(wrap, 1, 0, &c), NPK_E_FORMAT);
	const uint64_t overlap[] = {0, 32, 31, 10};
	CHECK_EQ_INT(parse_copies(overlap, 2, 0, &c), NPK_E_FORMAT);
	const uint64_t order[] = {700, 10, 0, 32};
	CHECK_EQ_INT(parse_copies(order, 2, 0, &c), NPK_E_FORMAT);
	CHECK_EQ_INT(parse_copies(good, 0, 0, &c), NPK_E_FORMAT);
	CHECK_EQ_INT(parse_copies(good, 17, 0, &c), NPK_E_FORMAT);
	CHECK_EQ_INT(parse_copies(good, 1, NPK_COPY_PAD_MAX + 1, &c), NPK_E_FORMAT);
	/* the copies past the end of the file (5000 bytes) */
	CHECK_EQ_INT(parse_copies(good, 1, 4000, &c), NPK_E_FORMAT);
	/* a bad checksum, a short read, and a section inside the signed part */
	uint8_t buf[NPK_COPY_HEAD_MAX];
	npk_error err = {0};
	size_t len = copies_head(buf, good, 3, 0, 900);
	CHECK_RC(npk__copies_parse(buf, len, 1000, 5000, &c, &err), NPK_OK, &err);
	CHECK_EQ_INT(npk__copies_parse(buf, len - 1, 1000, 5000, &c, &err), NPK_E_FORMAT);
	CHECK_EQ_INT(npk__copies_parse(buf, len, 899, 5000, &c, &err), NPK_E_FORMAT);
	buf[30] ^= 1;
	CHECK_EQ_INT(npk__copies_parse(buf, len, 1000, 5000, &c, &err), NPK_E_FORMAT);
	CHECK(strstr(err.msg, "checksum") != NULL);
}

/* Overwrites len bytes of path at off with 0xA5. */
static int damage(const char *path, uint64_t off, size_t len)
{
	size_t n = 0;
	uint8_t *p = (uint8_t *)npk_test_read_file(path, &n);
	if (p == NULL || off + len > n)
		return -1;
	memset(p + off, 0xA5, len);
	int rc = npk_test_write_file(path, p, n);
	free(p);
	return rc;
}

DEFINE_TEST(test_copies_serve_and_fix)
{
	CHECK(npk_test_write_file("a.txt", "first document\n", 15) == 0);
	CHECK(npk_test_write_file("b.txt", "second document\n", 16) == 0);
	npk_pubkey *pk = NULL;
	npk_seckey *sk = NULL;
	npk_error err = {0};
	CHECK_RC(npk_keypair_generate(&pk, &sk, &err), NPK_OK, &err);
	npk_create_opts o;
	memset(&o, 0, sizeof o);
	o.timestamp = 1737676800;
	const char *in[] = {"a.txt", "b.txt"};
	int rc = npk_create("c.npk", in, 2, &o, sk, NULL, &err);
	npk_seckey_free(sk);
	npk_trust *t = npk_trust_new();
	if (rc == NPK_OK && t != NULL)
		rc = npk_trust_add(t, pk, &err);
	npk_pubkey_free(pk);
	CHECK_RC(rc, NPK_OK, &err);
	size_t n = 0;
	uint8_t *good = (uint8_t *)npk_test_read_file("c.npk", &n);
	CHECK(good != NULL && n > 4096);
	uint64_t signed_size = npk__ld64(good + n - 32);
	uint64_t mf = npk__ld64(good + signed_size - 32), pt = npk__ld64(good + mf + 56);
	CHECK(damage("c.npk", pt, 8) == 0);
	npk_reader *r = NULL;
	rc = npk_reader_open("c.npk", t, 0, &r, &err);
	if (rc == NPK_OK) {
		npk_info info;
		npk_reader_info(r, &info);
		const npk__fix *f = NULL;
		size_t nf = npk__reader_fixes(r, &f);
		rc = info.copies_served == NPK_COPY_PAGE_TABLE && nf == 1 && f[0].off == pt &&
		     f[0].len == mf - pt - 48 && memcmp(f[0].bytes, good + pt, f[0].len) == 0 &&
		     strstr(f[0].msg, "page table digest mismatch") == f[0].msg ? NPK_OK : -1;
		/* the repair a fix describes: its bytes at its offset */
		size_t m = 0;
		uint8_t *p = (uint8_t *)npk_test_read_file("c.npk", &m);
		if (rc == NPK_OK && p != NULL) {
			memcpy(p + f[0].off, f[0].bytes, f[0].len);
			rc = npk_test_write_file("fixed.npk", p, m) == 0 && memcmp(p, good, n) == 0 ? NPK_OK : -2;
		}
		free(p);
		npk_reader_free(r);
	}
	free(good);
	CHECK_RC(rc, NPK_OK, &err);
	CHECK_RC(npk_reader_open("fixed.npk", t, 0, &r, &err), NPK_OK, &err);
	npk_info info;
	npk_reader_info(r, &info);
	CHECK_EQ_INT(info.copies_served, 0);
	npk_reader_free(r);
	npk_trust_free(t);
}
