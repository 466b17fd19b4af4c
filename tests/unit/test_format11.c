/* test_format11.c - the version 1.1 parsers on bytes made here
 * (spec/format.md 15.3, 15.5, 15.7): npk__parse_sections for the section
 * directory and the tail directory, npk__take_entry11 for index entries. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "format/format.h"
#include "newspack.h"
#include "test.h"

/* ---- directories (15.3, 15.5) ---- */

typedef struct rec {
	uint16_t type, flags;
	uint32_t reserved;
	uint64_t off, len;
} rec;

/* A directory of n records in buf (at least 4 + 56 n bytes); returns its
 * length. Each record's digest is 32 bytes of its number + 1. */
static size_t dir_bytes(uint8_t *buf, const rec *r, uint32_t n)
{
	npk__st32(buf, n);
	for (uint32_t i = 0; i < n; i++) {
		uint8_t *e = buf + 4 + 56 * (size_t)i;
		npk__st16(e, r[i].type);
		npk__st16(e + 2, r[i].flags);
		npk__st32(e + 4, r[i].reserved);
		npk__st64(e + 8, r[i].off);
		npk__st64(e + 16, r[i].len);
		memset(e + 24, (int)i + 1, 32);
	}
	return 4 + 56 * (size_t)n;
}

/* Parses records r as the body's directory (body [32, 1000)) or the
 * tail's ([2000, 3000)); returns the code, err holds the message. */
static int parse(const rec *r, uint32_t n, int tail, npk_error *err)
{
	uint8_t buf[4 + 56 * 4];
	size_t len = dir_bytes(buf, r, n);
	npk_section *S = NULL;
	uint32_t count = 99;
	int rc = npk__parse_sections(buf, len, tail ? 2000 : 32, tail ? 3000 : 1000, tail, "a.npk",
	                             &S, &count, err);
	if (rc != NPK_OK && (S != NULL || count != 0))
		rc = -1000;       /* a failure leaves nothing behind */
	free(S);
	return rc;
}

/* Whether parsing r fails with code and a message holding text. */
static int refused(const rec *r, uint32_t n, int tail, int code, const char *text)
{
	npk_error err = {0};
	int rc = parse(r, n, tail, &err);
	if (rc != code || strstr(err.msg, text) == NULL || strncmp(err.msg, "a.npk: ", 7) != 0) {
		fprintf(stderr, "  got %d \"%s\", expected %d \"%s\"\n", rc, err.msg, code, text);
		return 0;
	}
	return 1;
}

DEFINE_TEST(test_format11_directory_parsed)
{
	rec r[] = {{4, 0, 0, 100, 10}, {4, 0, 0, 300, 1}, {6, 0, 0, 50, 5}};
	uint8_t buf[4 + 56 * 3];
	size_t len = dir_bytes(buf, r, 3);
	npk_section *S = NULL;
	uint32_t n = 0;
	npk_error err = {0};
	CHECK_RC(npk__parse_sections(buf, len, 32, 1000, 0, "a.npk", &S, &n, &err), NPK_OK, &err);
	CHECK_EQ_INT(n, 3);
	CHECK_EQ_INT(S[0].type, 4);
	CHECK_EQ_INT(S[1].off, 300);
	CHECK_EQ_INT(S[1].len, 1);
	CHECK_EQ_INT(S[2].type, 6);
	CHECK_EQ_INT(S[2].off, 50);
	CHECK_EQ_INT(S[2].digest[0], 3);
	CHECK_EQ_INT(S[2].digest[31], 3);
	free(S);
	/* an empty directory is what newspack writes today */
	CHECK_RC(npk__parse_sections(buf, dir_bytes(buf, r, 0), 32, 1000, 0, "a.npk", &S, &n, &err),
	         NPK_OK, &err);
	CHECK_EQ_INT(n, 0);
	free(S);
}

DEFINE_TEST(test_format11_directory_length)
{
	uint8_t buf[4 + 56 * 2] = {0};
	npk_section *S = NULL;
	uint32_t n = 0;
	npk_error err = {0};
	CHECK_RC(npk__parse_sections(buf, 3, 32, 1000, 0, "a.npk", &S, &n, &err), NPK_E_FORMAT, &err);
	CHECK(strstr(err.msg, "section directory is truncated") != NULL);
	/* count 1 in 4 bytes; count 1 with a trailing byte; count 2 in 1 record */
	npk__st32(buf, 1);
	CHECK_RC(npk__parse_sections(buf, 4, 32, 1000, 0, "a.npk", &S, &n, &err), NPK_E_FORMAT, &err);
	CHECK(strstr(err.msg, "section directory of 4 bytes does not hold 1 sections") != NULL);
	CHECK_RC(npk__parse_sections(buf, 61, 32, 1000, 0, "a.npk", &S, &n, &err), NPK_E_FORMAT, &err);
	npk__st32(buf, 2);
	CHECK_RC(npk__parse_sections(buf, 60, 32, 1000, 0, "a.npk", &S, &n, &err), NPK_E_FORMAT, &err);
	CHECK(S == NULL && n == 0);
	CHECK_RC(npk__parse_sections(buf, 3, 2000, 3000, 1, "a.npk", &S, &n, &err), NPK_E_FORMAT, &err);
	CHECK(strstr(err.msg, "tail directory is truncated") != NULL);
}

DEFINE_TEST(test_format11_directory_count_limit)
{
	/* 65537 records, each valid on its own: the count alone is refused */
	uint32_t n = NPK_SECTIONS_MAX + 1;
	size_t len = 4 + 56 * (size_t)n;
	uint8_t *buf = calloc(1, len);
	CHECK(buf != NULL);
	npk__st32(buf, n);
	npk_section *S = NULL;
	uint32_t count = 0;
	npk_error err = {0};
	int rc = npk__parse_sections(buf, len, 32, 1000, 0, "a.npk", &S, &count, &err);
	free(buf);
	CHECK_EQ_INT(rc, NPK_E_FORMAT);
	CHECK(strstr(err.msg, "does not hold 65537 sections") != NULL);
}

DEFINE_TEST(test_format11_directory_order)
{
	rec down[] = {{7, 0, 0, 100, 10}, {6, 0, 0, 200, 10}};
	CHECK(refused(down, 2, 0, NPK_E_FORMAT, "section 1 (type 6, offset 200, length 10) is out of "
	              "(type, offset) order"));
	rec same[] = {{7, 0, 0, 100, 10}, {7, 0, 0, 100, 10}};
	CHECK(refused(same, 2, 0, NPK_E_FORMAT, "section 1 (type 7, offset 100, length 10) is out of"));
	rec back[] = {{7, 0, 0, 300, 10}, {7, 0, 0, 100, 10}};
	CHECK(refused(back, 2, 0, NPK_E_FORMAT, "out of (type, offset) order"));
	/* a type that does not decrease, offsets that do between types: valid */
	rec ok[] = {{6, 0, 0, 300, 10}, {7, 0, 0, 100, 10}};
	npk_error err = {0};
	CHECK_RC(parse(ok, 2, 0, &err), NPK_OK, &err);
}

DEFINE_TEST(test_format11_directory_types_and_reserved)
{
	for (unsigned t = 0; t <= 5; t += (t == 1 ? 4 : 1)) {
		rec r[] = {{(uint16_t)t, 0, 0, 100, 10}};
		CHECK(refused(r, 1, 0, NPK_E_FORMAT, "has a type that is not a section"));
	}
	rec flags[] = {{7, 4, 0, 100, 10}};
	CHECK(refused(flags, 1, 0, NPK_E_FORMAT, "has reserved flags set"));
	rec top[] = {{7, 0x8000, 0, 100, 10}};
	CHECK(refused(top, 1, 0, NPK_E_FORMAT, "has reserved flags set"));
	/* bit 1 says "outside the signed part": never in the manifest's directory */
	rec tailbit[] = {{7, NPK_SECTION_TAIL, 0, 100, 10}};
	CHECK(refused(tailbit, 1, 0, NPK_E_FORMAT, "has reserved flags set"));
	rec res[] = {{7, 0, 1, 100, 10}};
	CHECK(refused(res, 1, 0, NPK_E_FORMAT, "has a reserved field that is not zero"));
	rec empty[] = {{7, 0, 0, 100, 0}};
	CHECK(refused(empty, 1, 0, NPK_E_FORMAT, "is empty"));
}

DEFINE_TEST(test_format11_directory_bounds)
{
	rec before[] = {{7, 0, 0, 31, 10}};
	CHECK(refused(before, 1, 0, NPK_E_FORMAT, "lies outside the body"));
	rec past[] = {{7, 0, 0, 991, 10}};
	CHECK(refused(past, 1, 0, NPK_E_FORMAT, "lies outside the body"));
	rec wrap[] = {{7, 0, 0, UINT64_MAX - 4, 10}};
	CHECK(refused(wrap, 1, 0, NPK_E_FORMAT, "lies outside the body"));
	rec huge[] = {{7, 0, 0, 100, UINT64_MAX}};
	CHECK(refused(huge, 1, 0, NPK_E_FORMAT, "lies outside the body"));
	/* the first and the last byte of the body */
	rec edges[] = {{7, 0, 0, 32, 1}, {7, 0, 0, 999, 1}};
	npk_error err = {0};
	CHECK_RC(parse(edges, 2, 0, &err), NPK_OK, &err);
}

DEFINE_TEST(test_format11_directory_critical)
{
	/* a critical section of a type not known (13 and above): it needs a
	 * newer reader, but only once the record is otherwise sound (damage
	 * first) */
	rec crit[] = {{4, 0, 0, 100, 10}, {13, NPK_SECTION_CRITICAL, 0, 200, 10}};
	CHECK(refused(crit, 2, 0, NPK_E_VERSION, "section 1 (type 13) is critical and needs a newer reader"));
	rec crit_bad[] = {{13, NPK_SECTION_CRITICAL, 0, 5000, 10}};
	CHECK(refused(crit_bad, 1, 0, NPK_E_FORMAT, "lies outside the body"));
	/* the compression dictionary (type 12, 15.18) is known and critical:
	 * not critical is damage */
	rec dict_soft[] = {{12, 0, 0, 200, 10}};
	CHECK(refused(dict_soft, 1, 0, NPK_E_FORMAT, "section 0 (type 12, the compression "
	              "dictionary) is not marked critical"));
	rec dict[] = {{12, NPK_SECTION_CRITICAL, 0, 200, 10}};
	npk_error derr = {0};
	CHECK_RC(parse(dict, 1, 0, &derr), NPK_OK, &derr);
	/* the seal (type 8, 15.17) is known and critical: not critical is
	 * damage (in an archive not marked sealed it is damage too: hostile
	 * case v11-seal-not-sealed) */
	rec seal_soft[] = {{8, 0, 0, 200, 10}};
	CHECK(refused(seal_soft, 1, 0, NPK_E_FORMAT, "section 0 (type 8, the seal) is not marked critical"));
	rec seal_ok[] = {{8, NPK_SECTION_CRITICAL, 0, 200, 10}};
	npk_error err = {0};
	CHECK_EQ_INT(parse(seal_ok, 1, 0, &err), NPK_OK);
}

DEFINE_TEST(test_format11_tail_directory)
{
	rec ok[] = {{2, NPK_SECTION_TAIL, 0, 2000, 100}, {3, NPK_SECTION_TAIL, 0, 2100, 900}};
	npk_error err = {0};
	CHECK_RC(parse(ok, 2, 1, &err), NPK_OK, &err);
	rec nobit[] = {{3, 0, 0, 2000, 100}};
	CHECK(refused(nobit, 1, 1, NPK_E_FORMAT, "lacks flag bit 1"));
	CHECK_EQ_INT(parse(nobit, 1, 1, &err), NPK_E_FORMAT);
	CHECK(strstr(err.msg, "a.npk: the tail directory's section 0 (type 3") != NULL);
	/* the bare message (a TAIL line's) does not name the archive */
	CHECK(strncmp(npk__bare(&err, ""), "the tail directory's section 0 (type 3", 38) == 0);
	rec inbody[] = {{3, NPK_SECTION_TAIL, 0, 100, 10}};
	CHECK(refused(inbody, 1, 1, NPK_E_FORMAT, "lies outside the tail"));
	rec past[] = {{3, NPK_SECTION_TAIL, 0, 2990, 11}};
	CHECK(refused(past, 1, 1, NPK_E_FORMAT, "lies outside the tail"));
	rec crit[] = {{9, NPK_SECTION_TAIL | NPK_SECTION_CRITICAL, 0, 2000, 10}};
	CHECK(refused(crit, 1, 1, NPK_E_VERSION, "is critical and needs a newer reader"));
	rec flags[] = {{3, NPK_SECTION_TAIL | 4, 0, 2000, 10}};
	CHECK(refused(flags, 1, 1, NPK_E_FORMAT, "has reserved flags set"));
}

/* ---- index entries (15.7) ---- */

typedef struct ent {
	uint8_t kind, flags, ref_kind;
	const char *path, *media;
	uint64_t size, leaf;
	uint32_t cluster, offset;
	size_t meta_len;          /* a list of 0 pairs when 2 */
	size_t extra;             /* later fields */
	int64_t len_delta;        /* added to entry_len */
} ent;

/* Entry e at p; returns its length as written (entry_len is the true
 * length plus len_delta). */
static size_t ent_bytes(uint8_t *p, const ent *e)
{
	size_t plen = strlen(e->path), mlen = strlen(e->media), at = 4;
	p[at++] = e->kind;
	p[at++] = e->flags;
	npk__st16(p + at, (uint16_t)plen);
	memcpy(p + at + 2, e->path, plen);
	at += 2 + plen;
	npk__st64(p + at, e->size);
	p[at + 8] = e->ref_kind;
	npk__st32(p + at + 9, e->cluster);
	npk__st32(p + at + 13, e->offset);
	memset(p + at + 17, 0xd1, 32);
	npk__st64(p + at + 49, e->leaf);
	memset(p + at + 57, 0x5a, 16);
	at += 73;
	p[at++] = (uint8_t)mlen;
	memcpy(p + at, e->media, mlen);
	at += mlen;
	npk__st16(p + at, (uint16_t)e->meta_len);
	memset(p + at + 2, 0, e->meta_len);
	at += 2 + e->meta_len;
	memset(p + at, 0xee, e->extra);
	at += e->extra;
	npk__st32(p, (uint32_t)((int64_t)at + e->len_delta));
	return at;
}

static const ent plain = {0, 0, 0, "news/a.txt", "text/plain", 5, 7, 0, 3, 2, 0, 0};

DEFINE_TEST(test_format11_entry_fields)
{
	uint8_t page[256];
	size_t len = ent_bytes(page, &plain);
	CHECK_EQ_INT(len, NPK_ENTRY11_FIXED + 10 + 10 + 2);
	npk_cur c;
	npk__cur_init(&c, page, len);
	npk_raw_entry x = {0};
	npk__take_entry11(&c, &x);
	CHECK(!c.bad);
	CHECK_EQ_INT(npk__cur_left(&c), 0);
	CHECK_EQ_INT(x.kind, 0);
	CHECK_EQ_INT(x.plen, 10);
	CHECK(memcmp(x.path, "news/a.txt", 10) == 0);
	CHECK_EQ_INT(x.size, 5);
	CHECK_EQ_INT(x.cluster, 0);
	CHECK_EQ_INT(x.offset, 3);
	CHECK(x.digest != NULL && x.digest[0] == 0xd1 && x.digest[31] == 0xd1);
	CHECK_EQ_INT(x.leaf, 7);
	CHECK(x.salt != NULL && x.salt[0] == 0x5a && x.salt[15] == 0x5a);
	CHECK_EQ_INT(x.mlen, 10);
	CHECK(memcmp(x.media, "text/plain", 10) == 0);
	CHECK_EQ_INT(x.metalen, 2);
}

DEFINE_TEST(test_format11_entry_later_fields_skipped)
{
	/* two entries, the first with 9 bytes of later fields: the second
	 * starts entry_len bytes after the first */
	uint8_t page[512];
	ent later = plain;
	later.extra = 9;
	size_t a = ent_bytes(page, &later);
	ent second = plain;
	second.path = "news/b.txt";
	second.leaf = 8;
	size_t b = ent_bytes(page + a, &second);
	npk_cur c;
	npk__cur_init(&c, page, a + b);
	npk_raw_entry x = {0}, y = {0};
	npk__take_entry11(&c, &x);
	CHECK(!c.bad);
	CHECK_EQ_INT(c.off, a);
	CHECK_EQ_INT(x.leaf, 7);
	npk__take_entry11(&c, &y);
	CHECK(!c.bad);
	CHECK(memcmp(y.path, "news/b.txt", 10) == 0);
	CHECK_EQ_INT(y.leaf, 8);
	CHECK_EQ_INT(npk__cur_left(&c), 0);
}

DEFINE_TEST(test_format11_entry_len_over_65535)
{
	/* entry_len is a u32: an entry may exceed 65535 bytes */
	size_t cap = 70000 + 256;
	uint8_t *page = malloc(cap);
	CHECK(page != NULL);
	ent big = plain;
	big.extra = 70000;
	size_t len = ent_bytes(page, &big);
	npk_cur c;
	npk__cur_init(&c, page, len);
	npk_raw_entry x = {0};
	npk__take_entry11(&c, &x);
	int bad = c.bad;
	size_t off = c.off;
	free(page);
	CHECK(!bad);
	CHECK_EQ_INT(off, len);
	CHECK_EQ_INT(x.leaf, 7);
}

/* Whether entry e (its page is its own bytes plus `more` bytes) leaves
 * the cursor bad. */
static int cut(const ent *e, size_t more)
{
	uint8_t page[512] = {0};
	size_t len = ent_bytes(page, e);
	npk_cur c;
	npk__cur_init(&c, page, len + more);
	npk_raw_entry x = {0};
	npk__take_entry11(&c, &x);
	return c.bad;
}

DEFINE_TEST(test_format11_entry_len_limits)
{
	CHECK(!cut(&plain, 0));
	ent e = plain;
	/* entry_len past the page's end */
	e.len_delta = 1;
	CHECK(cut(&e, 0));
	/* ... but inside a longer page it is read, with one byte of later fields */
	CHECK(!cut(&e, 1));
	/* shorter than its fields: the metadata list crosses entry_len */
	e.len_delta = -1;
	CHECK(cut(&e, 0));
	e.len_delta = -(int64_t)(2 + 10 + 1 + 16 + 8);
	CHECK(cut(&e, 0));
	/* entry_len 0 to 3 cannot even hold itself */
	for (int64_t want = 0; want < 4; want++) {
		e.len_delta = want - (int64_t)(NPK_ENTRY11_FIXED + 22);
		CHECK(cut(&e, 0));
	}
	/* a page shorter than entry_len's own 4 bytes */
	npk_cur c;
	uint8_t three[3] = {0};
	npk__cur_init(&c, three, 3);
	npk_raw_entry x = {0};
	npk__take_entry11(&c, &x);
	CHECK(c.bad);
}

/* Entry e alone: whether its parse stops after ref_kind (no digest taken)
 * with the cursor past the whole entry, not bad. */
static int stops_newer(const ent *e, npk_raw_entry *x)
{
	uint8_t page[512];
	size_t len = ent_bytes(page, e);
	npk_cur c;
	npk__cur_init(&c, page, len);
	memset(x, 0, sizeof *x);
	npk__take_entry11(&c, x);
	return !c.bad && c.off == len && x->digest == NULL && x->salt == NULL;
}

DEFINE_TEST(test_format11_entry_unknown_values)
{
	npk_raw_entry x;
	ent e = plain;
	e.kind = NPK_KIND_MAX + 1;
	CHECK(stops_newer(&e, &x));
	CHECK_EQ_INT(x.kind, NPK_KIND_MAX + 1);
	CHECK_EQ_INT(x.size, 5);
	e = plain;
	e.flags = 0x80;
	CHECK(stops_newer(&e, &x));
	CHECK_EQ_INT(x.flags, 0x80);
	e = plain;
	e.ref_kind = 1;
	CHECK(stops_newer(&e, &x));
	CHECK_EQ_INT(x.ref_kind, 1);
	e.ref_kind = 2;
	CHECK(stops_newer(&e, &x));
	/* every known kind is read whole */
	for (unsigned k = 0; k <= NPK_KIND_MAX; k++) {
		e = plain;
		e.kind = (uint8_t)k;
		CHECK(!stops_newer(&e, &x));
		CHECK_EQ_INT(x.kind, k);
		CHECK_EQ_INT(x.leaf, 7);
	}
}
