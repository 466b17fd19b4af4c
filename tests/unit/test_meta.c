/* test_meta.c - the metadata model, its canonical encoding, media types,
 * and the extractors (text, Markdown front matter, sidecars). */
#include <dirent.h>
#include <stdint.h>

#include "format/format.h"
#include "test.h"

#define SEED "../../../seeds/000_087c6aae1e53e9e7.txt"
#define SAMPLES "../../../seeds/"

/* Extracts from a string; NULL when extraction fails. */
static npk_meta *ex(const char *path, const char *text, const char *media)
{
	npk_meta *m = npk_meta_new();
	npk_error e = {0};
	if (m && npk_meta_extract(path, (const uint8_t *)text, strlen(text), media, m, &e) != NPK_OK) {
		fprintf(stderr, "  extract: %s\n", e.msg);
		npk_meta_free(m);
		return NULL;
	}
	return m;
}

static size_t nkey(const npk_meta *m, const char *key)
{
	size_t c = 0;
	for (size_t i = 0; i < npk_meta_count(m); i++) {
		const char *k, *v;
		npk_meta_get(m, i, &k, &v);
		c += strcmp(k, key) == 0;
	}
	return c;
}

/* The n-th value of key (from 0), or NULL. */
static const char *nth(const npk_meta *m, const char *key, size_t n)
{
	for (size_t i = 0; i < npk_meta_count(m); i++) {
		const char *k, *v;
		npk_meta_get(m, i, &k, &v);
		if (strcmp(k, key) == 0 && n-- == 0)
			return v;
	}
	return NULL;
}

/* Every pair has a valid key and a valid UTF-8 value. */
static int all_valid(const npk_meta *m)
{
	for (size_t i = 0; i < npk_meta_count(m); i++) {
		const char *k, *v;
		npk_meta_get(m, i, &k, &v);
		if (!npk__meta_key_ok(k, strlen(k)) || !npk__utf8_ok((const uint8_t *)v, strlen(v)))
			return 0;
	}
	return 1;
}

DEFINE_TEST(test_meta_model)
{
	npk_error e = {0};
	npk_meta *m = npk_meta_new();
	CHECK(m != NULL);
	CHECK_RC(npk_meta_add(m, "title", "First", &e), NPK_OK, &e);
	CHECK_RC(npk_meta_add(m, "author", "Jane Doe", &e), NPK_OK, &e);
	CHECK_RC(npk_meta_add(m, "author", "John Roe", &e), NPK_OK, &e);
	CHECK_RC(npk_meta_add(m, "date", "2025-01-24", &e), NPK_OK, &e);
	CHECK_EQ_INT(npk_meta_count(m), 4);
	CHECK_STR(npk_meta_find(m, "author"), "Jane Doe");
	CHECK(npk_meta_find(m, "section") == NULL);

	/* set replaces every value and keeps the first one's place */
	CHECK_RC(npk_meta_set(m, "author", "Ann Poe", &e), NPK_OK, &e);
	CHECK_EQ_INT(npk_meta_count(m), 3);
	const char *k, *v;
	npk_meta_get(m, 1, &k, &v);
	CHECK_STR(k, "author");
	CHECK_STR(v, "Ann Poe");
	npk_meta_get(m, 3, &k, &v);
	CHECK(k == NULL && v == NULL);
	CHECK_RC(npk_meta_set(m, "section", "Metro", &e), NPK_OK, &e);
	CHECK_STR(nth(m, "section", 0), "Metro");
	npk_meta_remove(m, "title");
	npk_meta_remove(m, "nothing");
	CHECK_EQ_INT(npk_meta_count(m), 3);
	CHECK(npk_meta_find(m, "title") == NULL);

	/* bad keys and values are refused, naming the key */
	CHECK_RC(npk_meta_add(m, "Title", "x", &e), NPK_E_INPUT, &e);
	CHECK(strstr(e.msg, "\"Title\"") != NULL);
	CHECK_RC(npk_meta_add(m, "", "x", &e), NPK_E_INPUT, &e);
	CHECK_RC(npk_meta_add(m, "a key", "x", &e), NPK_E_INPUT, &e);
	char longkey[66];
	memset(longkey, 'k', 65);
	longkey[65] = 0;
	CHECK_RC(npk_meta_add(m, longkey, "x", &e), NPK_E_INPUT, &e);
	longkey[64] = 0;
	CHECK_RC(npk_meta_add(m, longkey, "x", &e), NPK_OK, &e);
	CHECK_RC(npk_meta_add(m, "title", "caf\xE9", &e), NPK_E_INPUT, &e);
	CHECK(strstr(e.msg, "\"title\"") && strstr(e.msg, "UTF-8"));
	CHECK_RC(npk_meta_set(m, "title", "\xC0\xAF", &e), NPK_E_INPUT, &e);
	char *big = malloc(65537);
	CHECK(big != NULL);
	memset(big, 'a', 65536);
	big[65536] = 0;
	int rc = npk_meta_add(m, "description", big, &e);
	big[65535] = 0;
	int rc2 = npk_meta_add(m, "description", big, &e);
	free(big);
	CHECK_EQ_INT(rc, NPK_E_INPUT);
	CHECK_EQ_INT(rc2, NPK_OK);
	CHECK_EQ_INT(npk_meta_count(m), 5);
	CHECK_RC(npk_meta_add(NULL, "title", "x", &e), NPK_E_ARG, &e);
	npk_meta_free(m);
	npk_meta_free(NULL);
}

DEFINE_TEST(test_meta_merge)
{
	npk_error e = {0};
	npk_meta *a = npk_meta_new(), *b = npk_meta_new();
	CHECK(a && b);
	CHECK_RC(npk_meta_add(a, "title", "Old", &e), NPK_OK, &e);
	CHECK_RC(npk_meta_add(a, "author", "A1", &e), NPK_OK, &e);
	CHECK_RC(npk_meta_add(a, "author", "A2", &e), NPK_OK, &e);
	CHECK_RC(npk_meta_add(a, "date", "2025-01-01", &e), NPK_OK, &e);
	CHECK_RC(npk_meta_merge(a, b, &e), NPK_OK, &e);
	CHECK_EQ_INT(npk_meta_count(a), 4);
	CHECK_RC(npk_meta_add(b, "author", "B1", &e), NPK_OK, &e);
	CHECK_RC(npk_meta_add(b, "section", "Sport", &e), NPK_OK, &e);
	CHECK_RC(npk_meta_merge(a, b, &e), NPK_OK, &e);
	CHECK_EQ_INT(npk_meta_count(a), 4);
	CHECK_EQ_INT(nkey(a, "author"), 1);
	CHECK_STR(npk_meta_find(a, "author"), "B1");
	CHECK_STR(npk_meta_find(a, "title"), "Old");
	CHECK_STR(npk_meta_find(a, "section"), "Sport");
	CHECK_STR(npk_meta_find(a, "date"), "2025-01-01");
	/* src is unchanged, and merging a list into itself changes nothing */
	CHECK_EQ_INT(npk_meta_count(b), 2);
	CHECK_RC(npk_meta_merge(a, a, &e), NPK_OK, &e);
	CHECK_EQ_INT(npk_meta_count(a), 4);
	npk_meta_free(a);
	npk_meta_free(b);
}

DEFINE_TEST(test_meta_utf8_and_keys)
{
	static const struct {
		const char *s;
		size_t n;
		int ok;
	} cases[] = {
		{"", 0, 1}, {"plain", 5, 1}, {"\xC2\xA3", 2, 1}, {"\xE2\x82\xAC", 3, 1},
		{"\xF0\x9F\x93\xB0", 4, 1}, {"\xF4\x8F\xBF\xBF", 4, 1},
		{"a\0b", 3, 0},                 /* NUL */
		{"\xA3", 1, 0},                 /* Latin-1 pound */
		{"\xC0\xAF", 2, 0}, {"\xC1\xBF", 2, 0}, {"\xE0\x80\xAF", 3, 0},
		{"\xF0\x80\x80\xAF", 4, 0},     /* overlongs */
		{"\xED\xA0\x80", 3, 0}, {"\xED\xBF\xBF", 3, 0}, /* surrogates */
		{"\xF4\x90\x80\x80", 4, 0}, {"\xF5\x80\x80\x80", 4, 0}, /* > U+10FFFF */
		{"\xE2\x82", 2, 0}, {"\xC2", 1, 0}, {"\xE2\x28\xA1", 3, 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		CHECK_EQ_INT(npk__utf8_ok((const uint8_t *)cases[i].s, cases[i].n), cases[i].ok);
	CHECK(npk__meta_key_ok("title", 5));
	CHECK(npk__meta_key_ok("x.y_z-9", 7));
	CHECK(!npk__meta_key_ok("Title", 5));
	CHECK(!npk__meta_key_ok("", 0));
	CHECK(!npk__meta_key_ok("a b", 3));
	CHECK(!npk__meta_key_ok("a/b", 3));
	CHECK(!npk__meta_key_ok("\xC3\xA9", 2));
}

/* Encodes m, or returns NULL. */
static uint8_t *enc(const npk_meta *m, size_t *len)
{
	uint8_t *p = NULL;
	npk_error e = {0};
	if (npk__meta_encode(m, &p, len, &e) != NPK_OK) {
		fprintf(stderr, "  encode: %s\n", e.msg);
		return NULL;
	}
	return p;
}

DEFINE_TEST(test_meta_encode_order)
{
	npk_error e = {0};
	npk_meta *m = npk_meta_new();
	CHECK(m != NULL);
	CHECK_RC(npk_meta_add(m, "b", "2", &e), NPK_OK, &e);
	CHECK_RC(npk_meta_add(m, "a", "1", &e), NPK_OK, &e);
	CHECK_RC(npk_meta_add(m, "b", "0", &e), NPK_OK, &e);
	size_t len;
	uint8_t *p = enc(m, &len);
	CHECK(p != NULL);
	static const uint8_t want[] = {
		3, 0, 1, 'a', 1, 0, '1', 1, 'b', 1, 0, '2', 1, 'b', 1, 0, '0',
	};
	CHECK_EQ_INT(len, sizeof want);
	CHECK(memcmp(p, want, len) == 0);
	free(p);
	npk_meta_free(m);

	/* shorter keys first on a common prefix; repeated keys stay in
	 * insertion order; a decode and re-encode gives the same bytes */
	m = npk_meta_new();
	CHECK(m != NULL);
	const char *pairs[][2] = {
		{"title", "T"}, {"author", "Zed"}, {"ab", "x"}, {"author", "Amy"},
		{"a", "y"}, {"keywords", "k2"}, {"author", "Max"}, {"keywords", "k1"},
		{"a.b", "z"}, {"a-b", "w"}, {"empty", ""},
	};
	for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
		CHECK_RC(npk_meta_add(m, pairs[i][0], pairs[i][1], &e), NPK_OK, &e);
	p = enc(m, &len);
	CHECK(p != NULL);
	npk_meta *d = npk_meta_new();
	CHECK(d != NULL);
	CHECK_RC(npk__meta_decode(p, len, d, &e), NPK_OK, &e);
	const char *order[][2] = {
		{"a", "y"}, {"a-b", "w"}, {"a.b", "z"}, {"ab", "x"}, {"author", "Zed"},
		{"author", "Amy"}, {"author", "Max"}, {"empty", ""}, {"keywords", "k2"},
		{"keywords", "k1"}, {"title", "T"},
	};
	CHECK_EQ_INT(npk_meta_count(d), sizeof order / sizeof order[0]);
	for (size_t i = 0; i < npk_meta_count(d); i++) {
		const char *k, *v;
		npk_meta_get(d, i, &k, &v);
		CHECK_STR(k, order[i][0]);
		CHECK_STR(v, order[i][1]);
	}
	size_t len2;
	uint8_t *p2 = enc(d, &len2);
	CHECK(p2 != NULL);
	CHECK(len2 == len && memcmp(p, p2, len) == 0);
	free(p2);
	free(p);
	npk_meta_free(d);
	npk_meta_free(m);

	/* an empty list is just a zero count */
	m = npk_meta_new();
	p = enc(m, &len);
	CHECK(p != NULL && len == 2 && p[0] == 0 && p[1] == 0);
	free(p);
	npk_meta_free(m);
}

DEFINE_TEST(test_meta_encode_limit)
{
	npk_error e = {0};
	npk_meta *m = npk_meta_new();
	CHECK(m != NULL);
	/* 2 + (3 + 1 + v) == 65535 exactly: v = 65529 */
	char *v = malloc(65530);
	CHECK(v != NULL);
	memset(v, 'v', 65529);
	v[65529] = 0;
	int rc = npk_meta_add(m, "d", v, &e);
	free(v);
	CHECK_EQ_INT(rc, NPK_OK);
	size_t len;
	uint8_t *p = enc(m, &len);
	CHECK(p != NULL && len == NPK_META_MAX);
	npk_meta *d = npk_meta_new();
	CHECK_RC(npk__meta_decode(p, len, d, &e), NPK_OK, &e);
	free(p);
	npk_meta_free(d);
	CHECK_RC(npk_meta_add(m, "e", "", &e), NPK_OK, &e);
	p = (uint8_t *)"";
	CHECK_RC(npk__meta_encode(m, &p, &len, &e), NPK_E_LIMIT, &e);
	CHECK(p == NULL);
	npk_meta_free(m);
}

DEFINE_TEST(test_meta_decode_hostile)
{
	npk_error e = {0};
	npk_meta *m = npk_meta_new(), *d = npk_meta_new();
	CHECK(m && d);
	CHECK_RC(npk_meta_add(m, "title", "Caf\xC3\xA9 news", &e), NPK_OK, &e);
	CHECK_RC(npk_meta_add(m, "author", "Jane Doe", &e), NPK_OK, &e);
	CHECK_RC(npk_meta_add(m, "author", "John Roe", &e), NPK_OK, &e);
	CHECK_RC(npk_meta_add(m, "empty", "", &e), NPK_OK, &e);
	size_t len;
	uint8_t *p = enc(m, &len);
	CHECK(p != NULL);
	CHECK_RC(npk__meta_decode(p, len, d, &e), NPK_OK, &e);
	CHECK_EQ_INT(npk_meta_count(d), 4);

	/* every truncation fails, and leaves the list empty */
	for (size_t cut = 0; cut < len; cut++) {
		CHECK_RC(npk__meta_decode(p, cut, d, &e), NPK_E_FORMAT, &e);
		CHECK_EQ_INT(npk_meta_count(d), 0);
	}

	/* trailing bytes */
	uint8_t *q = malloc(len + 5);
	CHECK(q != NULL);
	memcpy(q, p, len);
	memset(q + len, 0, 5);
	CHECK_RC(npk__meta_decode(q, len + 5, d, &e), NPK_E_FORMAT, &e);
	CHECK_STR(e.msg, "metadata: 5 trailing bytes");
	free(q);
	free(p);

	/* bad key characters, an empty key, a bad value */
	static const uint8_t upper[] = {1, 0, 1, 'T', 1, 0, 'x'};
	static const uint8_t empty_key[] = {1, 0, 0, 1, 0, 'x'};
	static const uint8_t latin1[] = {1, 0, 1, 't', 1, 0, 0xA3};
	static const uint8_t nul[] = {1, 0, 1, 't', 1, 0, 0};
	static const uint8_t surrogate[] = {1, 0, 1, 't', 3, 0, 0xED, 0xA0, 0x80};
	CHECK_RC(npk__meta_decode(upper, sizeof upper, d, &e), NPK_E_FORMAT, &e);
	CHECK_STR(e.msg, "metadata: key 0 is not a valid key");
	CHECK_RC(npk__meta_decode(empty_key, sizeof empty_key, d, &e), NPK_E_FORMAT, &e);
	CHECK_RC(npk__meta_decode(latin1, sizeof latin1, d, &e), NPK_E_FORMAT, &e);
	CHECK(strstr(e.msg, "UTF-8") != NULL);
	CHECK_RC(npk__meta_decode(nul, sizeof nul, d, &e), NPK_E_FORMAT, &e);
	CHECK_RC(npk__meta_decode(surrogate, sizeof surrogate, d, &e), NPK_E_FORMAT, &e);

	/* out of order: "b" then "a"; "ab" then "a" (shorter sorts first) */
	static const uint8_t order1[] = {2, 0, 1, 'b', 0, 0, 1, 'a', 0, 0};
	static const uint8_t order2[] = {3, 0, 1, 'a', 0, 0, 2, 'a', 'b', 0, 0, 1, 'a', 0, 0};
	static const uint8_t same[] = {2, 0, 1, 'a', 1, 0, '2', 1, 'a', 1, 0, '1'};
	CHECK_RC(npk__meta_decode(order1, sizeof order1, d, &e), NPK_E_FORMAT, &e);
	CHECK_STR(e.msg, "metadata: key 1 out of order");
	CHECK_RC(npk__meta_decode(order2, sizeof order2, d, &e), NPK_E_FORMAT, &e);
	CHECK_STR(e.msg, "metadata: key 2 out of order");
	CHECK_RC(npk__meta_decode(same, sizeof same, d, &e), NPK_OK, &e);
	CHECK_STR(nth(d, "a", 0), "2");
	CHECK_STR(nth(d, "a", 1), "1");

	/* a huge claimed count with no data, count/data mismatches */
	static const uint8_t huge[] = {0xFF, 0xFF};
	static const uint8_t short_count[] = {2, 0, 1, 'a', 0, 0};
	static const uint8_t long_value[] = {1, 0, 1, 'a', 0xFF, 0xFF, 'x'};
	CHECK_RC(npk__meta_decode(huge, sizeof huge, d, &e), NPK_E_FORMAT, &e);
	CHECK_RC(npk__meta_decode(short_count, sizeof short_count, d, &e), NPK_E_FORMAT, &e);
	CHECK_RC(npk__meta_decode(long_value, sizeof long_value, d, &e), NPK_E_FORMAT, &e);
	CHECK_RC(npk__meta_decode(NULL, 0, d, &e), NPK_E_FORMAT, &e);
	CHECK_EQ_INT(npk_meta_count(d), 0);

	/* more than the limit, even if well formed inside */
	uint8_t *big = calloc(1, NPK_META_MAX + 1);
	CHECK(big != NULL);
	int rc = npk__meta_decode(big, NPK_META_MAX + 1, d, &e);
	free(big);
	CHECK_EQ_INT(rc, NPK_E_FORMAT);

	/* a pseudo-random walk of byte flips never crashes, and whatever
	 * decodes is valid */
	CHECK_RC(npk_meta_add(m, "date", "2025-01-24", &e), NPK_OK, &e);
	p = enc(m, &len);
	CHECK(p != NULL);
	uint32_t seed = 12345;
	for (int i = 0; i < 20000; i++) {
		seed = seed * 1103515245u + 12345u;
		size_t at = (seed >> 8) % len;
		uint8_t old = p[at];
		p[at] = (uint8_t)(seed >> 20);
		rc = npk__meta_decode(p, len, d, &e);
		if (rc == NPK_OK)
			CHECK(all_valid(d));
		else
			CHECK_EQ_INT(rc, NPK_E_FORMAT);
		if (i % 3)
			p[at] = old;
	}
	free(p);
	npk_meta_free(d);
	npk_meta_free(m);
}

DEFINE_TEST(test_meta_media_type)
{
	static const struct {
		const char *path, *type;
	} ext[] = {
		{"a.txt", "text/plain"}, {"bbc/README.TXT", "text/plain"}, {"a.text", "text/plain"},
		{"a.md", "text/markdown"}, {"a.Markdown", "text/markdown"},
		{"a.html", "text/html"}, {"a.HTM", "text/html"}, {"a.xhtml", "text/html"},
		{"a.json", "application/json"}, {"a.xml", "application/xml"},
		{"a.csv", "text/csv"}, {"reut2-017.sgm", "text/sgml"}, {"a.sgml", "text/sgml"},
		{"a.pdf", "application/pdf"}, {"a.jpg", "image/jpeg"}, {"a.JPEG", "image/jpeg"},
		{"a.png", "image/png"}, {"a.gif", "image/gif"}, {"a.webp", "image/webp"},
		{"a.svg", "image/svg+xml"}, {"a.warc", "application/warc"},
		{"a.warc.gz", "application/gzip"}, {"dir.v2/a.gz", "application/gzip"},
	};
	for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++)
		CHECK_STR(npk_media_type_guess(ext[i].path, (const uint8_t *)"", 0), ext[i].type);

	static const struct {
		const char *path, *head;
		size_t n;
		const char *type;
	} sniff[] = {
		{"doc", "%PDF-1.7\n", 9, "application/pdf"},
		{"img", "\x89PNG\r\n\x1a\n\0\0", 10, "image/png"},
		{"img.unknownext", "\xFF\xD8\xFF\xE0", 4, "image/jpeg"},
		{"img", "GIF89a\x01\0", 8, "image/gif"},
		{"page", "\xEF\xBB\xBF \n\t<!doctype HTML><html>", 30, "text/html"},
		{"page", "<HTML><body>", 12, "text/html"},
		{NULL, "<html>", 6, "text/html"},
		{"notes", "Plain words, \xC2\xA3" "5.", 16, "text/plain"},
		{".profile", "export A=1\n", 11, "text/plain"},
		{"cut", "caf\xC3", 4, "text/plain"},       /* head ends inside a character */
		{"bin", "ab\0cd", 5, "application/octet-stream"},
		{"latin1", "caf\xE9 au lait", 13, "application/octet-stream"},
	};
	for (size_t i = 0; i < sizeof sniff / sizeof sniff[0]; i++)
		CHECK_STR(npk_media_type_guess(sniff[i].path, (const uint8_t *)sniff[i].head,
		                               sniff[i].n), sniff[i].type);
	CHECK_STR(npk_media_type_guess(NULL, NULL, 0), "text/plain");
}

/* What the format can store (spec/format.md 5.2): 1-255 bytes of
 * printable ASCII without space; every guess is one. */
DEFINE_TEST(test_meta_media_ok)
{
	char m[NPK_MEDIA_MAX + 2];
	CHECK(npk__media_ok("text/plain"));
	CHECK(npk__media_ok("text/html;charset=utf-8"));
	CHECK(npk__media_ok(npk_media_type_guess("a.bin", (const uint8_t *)"\0", 1)));
	CHECK(!npk__media_ok(""));
	CHECK(!npk__media_ok("text/html; charset=utf-8"));
	CHECK(!npk__media_ok("text/pl\tain"));
	CHECK(!npk__media_ok("text/pl\x7f" "ain"));
	CHECK(!npk__media_ok("text/caf\xC3\xA9"));
	memset(m, 'x', NPK_MEDIA_MAX);
	m[NPK_MEDIA_MAX] = 0;
	CHECK(npk__media_ok(m));
	m[NPK_MEDIA_MAX] = 'x';
	m[NPK_MEDIA_MAX + 1] = 0;
	CHECK(!npk__media_ok(m));
}

DEFINE_TEST(test_meta_seed)
{
	size_t len;
	char *text = npk_test_read_file(SEED, &len);
	CHECK(text != NULL);
	npk_meta *m = npk_meta_new();
	npk_error e = {0};
	const char *mt = npk_media_type_guess(SEED, (const uint8_t *)text, len);
	CHECK_STR(mt, "text/plain");
	int rc = npk_meta_extract(SEED, (const uint8_t *)text, len, mt, m, &e);
	CHECK_EQ_INT(rc, NPK_OK);
	CHECK_STR(npk_meta_find(m, "title"),
	          "Human rights groups urge Zelenskyy to protect North Korean soldiers captured in Ukraine");
	CHECK_STR(npk_meta_find(m, "author"), "bno");
	CHECK_STR(npk_meta_find(m, "date"), "2025-01-24");
	CHECK_STR(npk_meta_find(m, "section"), "Taipei Bureau");
	CHECK_EQ_INT(npk_meta_count(m), 4);
	npk_meta_free(m);

	/* the same article with a BOM and CRLF line ends */
	char *crlf = malloc(2 * len + 4);
	CHECK(crlf != NULL);
	size_t n = 0;
	memcpy(crlf, "\xEF\xBB\xBF", 3);
	n = 3;
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\n')
			crlf[n++] = '\r';
		crlf[n++] = text[i];
	}
	crlf[n] = 0;
	free(text);
	m = ex("seed.txt", crlf, "text/plain");
	free(crlf);
	CHECK(m != NULL);
	CHECK_STR(npk_meta_find(m, "title"),
	          "Human rights groups urge Zelenskyy to protect North Korean soldiers captured in Ukraine");
	CHECK_STR(npk_meta_find(m, "author"), "bno");
	CHECK_STR(npk_meta_find(m, "date"), "2025-01-24");
	CHECK_STR(npk_meta_find(m, "section"), "Taipei Bureau");
	CHECK_EQ_INT(npk_meta_count(m), 4);
	npk_meta_free(m);
}

/* One byline case: the text after a headline, and what must come out.
 * authors is a "|"-separated list ("" for none). */
typedef struct byline_case {
	const char *body, *authors, *section, *date;
} byline_case;

static const byline_case byline_cases[] = {
	{"By Jane Doe and John Roe", "Jane Doe|John Roe", NULL, NULL},
	{"By Jane Doe, Reuters", "Jane Doe", NULL, NULL},
	{"By JANE DOE | March 3, 2024", "JANE DOE", NULL, "2024-03-03"},
	{"By Jane Doe\nPublished 2024-03-03", "Jane Doe", NULL, "2024-03-03"},
	{"By Jane Doe, John Roe and Ann Poe", "Jane Doe|John Roe|Ann Poe", NULL, NULL},
	{"By Jane Doe, John Roe & Ann Poe, Reuters", "Jane Doe|John Roe|Ann Poe", NULL, NULL},
	{"By Jane Doe, Staff Writer", "Jane Doe", NULL, NULL},
	{"By Jane Doe, New York", "Jane Doe", NULL, NULL},
	{"by Ursula von der Leyen", "Ursula von der Leyen", NULL, NULL},
	{"By: Seán Ó Briain", "Seán Ó Briain", NULL, NULL},
	{"By Jane Doe - Metro Desk 24 January 2025", "Jane Doe", "Metro Desk", "2025-01-24"},
	{"By Jane Doe \xE2\x80\x94 Politics", "Jane Doe", "Politics", NULL},
	{"By Jane Doe - Staff Writer", "Jane Doe", NULL, NULL},
	{"By Jane Doe | Jan. 24, 2025 10:00 GMT", "Jane Doe", NULL, "2025-01-24T10:00:00Z"},
	{"By Jane Doe, published on Friday, January 24, 2025 at 9:05 pm UTC", "Jane Doe", NULL,
	 "2025-01-24T21:05:00Z"},
	{"By Jane Doe | 2025-01-24T10:00:00+02:00", "Jane Doe", NULL, "2025-01-24T10:00:00+02:00"},
	{"By Jane Doe | 24 Jan 2025 10:00 BST", "Jane Doe", NULL, "2025-01-24T10:00:00+01:00"},
	{"By Jane Doe | 24 Jan 2025 10:00", "Jane Doe", NULL, "2025-01-24T10:00:00"},
	{"By Jane Doe | 24 Jan 2025 10:00 XYZ", "Jane Doe", NULL, "2025-01-24"},
	{"By Jane Doe | Sept. 3rd, 2024", "Jane Doe", NULL, "2024-09-03"},
	{"By Jane Doe\n\n24 January 2025\n\nThe council met.", "Jane Doe", NULL, "2025-01-24"},
	{"By newsdesk 2025-01-24", "newsdesk", NULL, "2025-01-24"},
	/* prose, roles and nonsense are not bylines */
	{"By 2025, 40% of the UK's population will still be without internet access at home.", "", NULL, NULL},
	{"By any measure, New Yorker Dick Morris is that thing Americans love - a winner.", "", NULL, NULL},
	{"By early 2005 the net could have two new domain names", "", NULL, NULL},
	{"By Monday, the council will decide", "", NULL, NULL},
	{"By contrast", "", NULL, NULL},
	{"By far the best result in years", "", NULL, NULL},
	{"By Staff Writer", "", NULL, NULL},
	{"By jane doe", "", NULL, NULL},
	{"By Jane Doe - a winner", "", NULL, NULL},
	{"Bystanders Jane Doe", "", NULL, NULL},
	{"The council met. By Jane Doe", "", NULL, NULL},
	{"By Jane Doe and the rest of the council members who voted", "", NULL, NULL},
	{"By Jane Doe | February 30, 2024", "Jane Doe", NULL, NULL},
	{"By Jane Doe | 2024-13-01", "Jane Doe", NULL, NULL},
};

DEFINE_TEST(test_meta_bylines)
{
	for (size_t i = 0; i < sizeof byline_cases / sizeof byline_cases[0]; i++) {
		const byline_case *c = &byline_cases[i];
		char text[512];
		snprintf(text, sizeof text, "A headline\n\n%s\n\nBody text follows here.\n", c->body);
		npk_meta *m = ex("a.txt", text, "text/plain");
		CHECK(m != NULL);
		if (c->date && npk_meta_find(m, "date") == NULL)
			fprintf(stderr, "  case %zu: %s\n", i, c->body);
		CHECK_STR(npk_meta_find(m, "title"), "A headline");
		size_t k = 0;
		for (const char *a = c->authors; *a; k++) {
			size_t n = strcspn(a, "|");
			const char *got = nth(m, "author", k);
			if (!got || strlen(got) != n || memcmp(got, a, n) != 0)
				fprintf(stderr, "  case %zu: %s\n", i, c->body);
			CHECK(got && strlen(got) == n && memcmp(got, a, n) == 0);
			a += n + (a[n] == '|');
		}
		if (nkey(m, "author") != k)
			fprintf(stderr, "  case %zu: %s: author %s\n", i, c->body, nth(m, "author", 0));
		CHECK_EQ_INT(nkey(m, "author"), k);
		if (c->section)
			CHECK_STR(npk_meta_find(m, "section"), c->section);
		else
			CHECK(npk_meta_find(m, "section") == NULL);
		if (c->date)
			CHECK_STR(npk_meta_find(m, "date"), c->date);
		else
			CHECK(npk_meta_find(m, "date") == NULL);
		npk_meta_free(m);
	}

	/* a byline beyond the first 40 lines is body text */
	char text[1024] = "A headline\n";
	for (int i = 0; i < 45; i++)
		strcat(text, "x\n");
	strcat(text, "By Jane Doe\n");
	npk_meta *m = ex("a.txt", text, "text/plain");
	CHECK(m != NULL && npk_meta_find(m, "author") == NULL);
	npk_meta_free(m);

	/* only the first byline counts */
	m = ex("a.txt", "Headline\nBy Jane Doe\nBy John Roe\n", "text/plain");
	CHECK(m != NULL);
	CHECK_EQ_INT(nkey(m, "author"), 1);
	npk_meta_free(m);
}

DEFINE_TEST(test_meta_plain_title)
{
	npk_meta *m = ex("a.txt", "\n\n  \t  Leading blank lines  \nBody\n", "text/plain");
	CHECK(m != NULL);
	CHECK_STR(npk_meta_find(m, "title"), "Leading blank lines");
	npk_meta_free(m);

	/* a very long first line is cut at 512 bytes, between characters */
	char text[2100];
	size_t n = 0;
	text[n++] = 'a';
	while (n < 2000) {
		memcpy(text + n, "\xE2\x82\xAC", 3);       /* euro signs */
		n += 3;
	}
	text[n] = 0;
	m = ex("a.txt", text, "text/plain");
	CHECK(m != NULL);
	const char *t = npk_meta_find(m, "title");
	CHECK(t != NULL);
	CHECK_EQ_INT(strlen(t), 511);
	CHECK(npk__utf8_ok((const uint8_t *)t, strlen(t)));
	npk_meta_free(m);

	/* empty and blank documents give nothing */
	m = ex("a.txt", "", "text/plain");
	CHECK(m != NULL && npk_meta_count(m) == 0);
	npk_meta_free(m);
	m = ex("a.txt", "\n\n\r\n  \n", "text/plain");
	CHECK(m != NULL && npk_meta_count(m) == 0);
	npk_meta_free(m);

	/* HTML has rules of its own (test_meta_html_*); other types give nothing */
	m = ex("a.html", "<html><head><title>T</title></head></html>", "text/html");
	CHECK(m != NULL && npk_meta_count(m) == 1);
	CHECK_STR(npk_meta_find(m, "title"), "T");
	npk_meta_free(m);
	m = ex("a.csv", "title,author\nx,y\n", "text/csv");
	CHECK(m != NULL && npk_meta_count(m) == 0);
	npk_meta_free(m);

	/* no media type given: guessed from the name */
	m = ex("notes.txt", "Guessed\n", NULL);
	CHECK(m != NULL);
	CHECK_STR(npk_meta_find(m, "title"), "Guessed");
	npk_meta_free(m);

	/* fields already in the list are kept */
	npk_error e = {0};
	m = npk_meta_new();
	CHECK(m != NULL);
	CHECK_RC(npk_meta_add(m, "title", "Given", &e), NPK_OK, &e);
	const char *doc = "Found\nBy Jane Doe | 2025-01-24\n";
	CHECK_RC(npk_meta_extract("a.txt", (const uint8_t *)doc, strlen(doc), "text/plain", m, &e),
	         NPK_OK, &e);
	CHECK_EQ_INT(nkey(m, "title"), 1);
	CHECK_STR(npk_meta_find(m, "title"), "Given");
	CHECK_STR(npk_meta_find(m, "author"), "Jane Doe");
	npk_meta_free(m);
}

DEFINE_TEST(test_meta_invalid_utf8)
{
	/* a Latin-1 headline gives no title, and nothing invalid gets in */
	npk_meta *m = ex("a.txt", "Caf\xE9 prices rise\n\nBy Jane Doe | 2025-01-24\n\xA3 5\n", "text/plain");
	CHECK(m != NULL);
	CHECK(npk_meta_find(m, "title") == NULL);
	CHECK(all_valid(m));
	npk_meta_free(m);

	/* a byline holding invalid bytes is not used */
	m = ex("a.txt", "Headline\nBy Jane D\xF6\x65 | 2025-01-24\n", "text/plain");
	CHECK(m != NULL);
	CHECK_STR(npk_meta_find(m, "title"), "Headline");
	CHECK(npk_meta_find(m, "author") == NULL);
	CHECK(all_valid(m));
	npk_meta_free(m);

	/* front matter with invalid bytes in one value */
	m = ex("a.md", "---\ntitle: Caf\xE9\nauthor: Jane Doe\n---\nText\n", "text/markdown");
	CHECK(m != NULL);
	CHECK(npk_meta_find(m, "title") == NULL);
	CHECK_STR(npk_meta_find(m, "author"), "Jane Doe");
	npk_meta_free(m);

	/* random bytes shaped a little like articles: no crash, all valid */
	static const char *const starts[] = {
		"", "---\n", "By ", "# ", "\xEF\xBB\xBF", "---\ntags: [", "---\nt: \"",
		"Title\nBy Jane Doe | ", "---\nauthor:\n  - ",
	};
	static const char alphabet[] = "ab Z:-|,\n\r\"'[]{}#|>.0123456789By\xC3\xA9\xE2\x80\x94\xFF\x00";
	uint32_t seed = 4242;
	char buf[300];
	for (int i = 0; i < 5000; i++) {
		seed = seed * 1103515245u + 12345u;
		const char *s0 = starts[(seed >> 16) % (sizeof starts / sizeof starts[0])];
		size_t n = strlen(s0);
		memcpy(buf, s0, n);
		size_t want = n + (seed >> 8) % 200;
		while (n < want) {
			seed = seed * 1103515245u + 12345u;
			buf[n++] = alphabet[(seed >> 16) % (sizeof alphabet - 1)];
		}
		npk_error e = {0};
		m = npk_meta_new();
		CHECK(m != NULL);
		const char *mt = (i & 1) ? "text/markdown" : "text/plain";
		CHECK_RC(npk_meta_extract("f", (const uint8_t *)buf, n, mt, m, &e), NPK_OK, &e);
		CHECK(all_valid(m));
		size_t len;
		uint8_t *p = enc(m, &len);
		CHECK(p != NULL);
		free(p);
		npk_meta_free(m);
	}
}

DEFINE_TEST(test_meta_markdown_front_matter)
{
	const char *doc =
		"---\r\n"
		"# a comment\r\n"
		"Title: \"Harbour \\\"plan\\\" passes\\nat last\"   # trailing comment\r\n"
		"authors: [Jane Doe, 'John O''Roe', \"Ann, Poe\"]\r\n"
		"date: March 3, 2024\r\n"
		"categories:\r\n"
		"  - Local\r\n"
		"  - \"Politics\"\r\n"
		"tags:\r\n"
		"- harbour\r\n"
		"- council   # comment\r\n"
		"site_name: 'Riverside Gazette'\r\n"
		"lang: en-GB\r\n"
		"canonical: https://example.org/harbour\r\n"
		"summary: >\r\n"
		"  The council voted\r\n"
		"  on Tuesday.\r\n"
		"image:\r\n"
		"  src: /img/harbour.jpg\r\n"
		"  alt: The harbour\r\n"
		"layout: post\r\n"
		"draft: false\r\n"
		"Bad Key: dropped\r\n"
		"empty:\r\n"
		"nothing: ~\r\n"
		"map: {a: 1}\r\n"
		"---\r\n"
		"# Not the title\r\n"
		"By Someone Else\r\n";
	npk_meta *m = ex("a.md", doc, "text/markdown");
	CHECK(m != NULL);
	CHECK_STR(npk_meta_find(m, "title"), "Harbour \"plan\" passes\nat last");
	CHECK_EQ_INT(nkey(m, "author"), 3);
	CHECK_STR(nth(m, "author", 0), "Jane Doe");
	CHECK_STR(nth(m, "author", 1), "John O'Roe");
	CHECK_STR(nth(m, "author", 2), "Ann, Poe");
	CHECK_STR(npk_meta_find(m, "date"), "2024-03-03");
	CHECK_EQ_INT(nkey(m, "section"), 2);
	CHECK_STR(nth(m, "section", 0), "Local");
	CHECK_STR(nth(m, "section", 1), "Politics");
	CHECK_EQ_INT(nkey(m, "keywords"), 2);
	CHECK_STR(nth(m, "keywords", 0), "harbour");
	CHECK_STR(nth(m, "keywords", 1), "council");
	CHECK_STR(npk_meta_find(m, "source"), "Riverside Gazette");
	CHECK_STR(npk_meta_find(m, "language"), "en-GB");
	CHECK_STR(npk_meta_find(m, "url"), "https://example.org/harbour");
	CHECK_STR(npk_meta_find(m, "description"), "The council voted on Tuesday.");
	CHECK_STR(npk_meta_find(m, "layout"), "post");
	CHECK_STR(npk_meta_find(m, "draft"), "false");
	CHECK(npk_meta_find(m, "image") == NULL && npk_meta_find(m, "src") == NULL);
	CHECK(npk_meta_find(m, "empty") == NULL && npk_meta_find(m, "nothing") == NULL);
	CHECK(npk_meta_find(m, "map") == NULL && npk_meta_find(m, "bad key") == NULL);
	CHECK_EQ_INT(npk_meta_count(m), 15);
	npk_meta_free(m);

	/* dates: normalised when they parse, kept as given otherwise; the
	 * first of several date fields wins */
	static const struct {
		const char *line, *want;
	} dates[] = {
		{"date: 2024-03-03", "2024-03-03"},
		{"date: '2024-03-03T10:00:00Z'", "2024-03-03T10:00:00Z"},
		{"published: 2024-03-03 10:00:00 +0100", "2024-03-03T10:00:00+01:00"},
		{"pubdate: 2024-03-03T10:00:00.250-05:00", "2024-03-03T10:00:00-05:00"},
		{"date_published: 3 March 2024", "2024-03-03"},
		{"date: Sunday, 3rd March 2024", "2024-03-03"},
		{"date: spring 2024", "spring 2024"},
		{"date: 2024-03-03\npublished: 2025-01-01", "2024-03-03"},
	};
	for (size_t i = 0; i < sizeof dates / sizeof dates[0]; i++) {
		char text[256];
		snprintf(text, sizeof text, "---\n%s\n---\nBody\n", dates[i].line);
		m = ex("a.md", text, "text/markdown");
		CHECK(m != NULL);
		CHECK_STR(npk_meta_find(m, "date"), dates[i].want);
		CHECK_EQ_INT(nkey(m, "date"), 1);
		npk_meta_free(m);
	}

	/* scalars: quotes, escapes, multi-line plain and quoted, "|" blocks,
	 * keywords as one comma-separated string, "- name:" author items, and
	 * "..." as the closing line */
	doc = "---\n"
	      "title: 'It''s here'\n"
	      "description: |\n"
	      "  Line one\n"
	      "  Line two\n"
	      "keywords: harbour, council , vote\n"
	      "author:\n"
	      "  - name: Jane Doe\n"
	      "    email: jane@example.org\n"
	      "  - John Roe\n"
	      "source: \"Caf\\u00e9 \\U0001F4F0 News\"\n"
	      "url: https://example.org/a\n"
	      "  /continued\n"
	      "section: \"Two\n"
	      "  lines\"\n"
	      "...\n"
	      "Body\n";
	m = ex("a.md", doc, "text/markdown");
	CHECK(m != NULL);
	CHECK_STR(npk_meta_find(m, "title"), "It's here");
	CHECK_STR(npk_meta_find(m, "description"), "Line one\nLine two");
	CHECK_EQ_INT(nkey(m, "keywords"), 3);
	CHECK_STR(nth(m, "keywords", 1), "council");
	CHECK_EQ_INT(nkey(m, "author"), 2);
	CHECK_STR(nth(m, "author", 0), "Jane Doe");
	CHECK_STR(nth(m, "author", 1), "John Roe");
	CHECK_STR(npk_meta_find(m, "source"), "Caf\xC3\xA9 \xF0\x9F\x93\xB0 News");
	CHECK_STR(npk_meta_find(m, "url"), "https://example.org/a /continued");
	CHECK_STR(npk_meta_find(m, "section"), "Two lines");
	npk_meta_free(m);

	/* escapes that cannot be values drop the value */
	m = ex("a.md", "---\ntitle: \"a\\u0000b\"\nsource: \"\\ud800\"\nauthor: Jane Doe\n---\n",
	       "text/markdown");
	CHECK(m != NULL);
	CHECK(npk_meta_find(m, "title") == NULL && npk_meta_find(m, "source") == NULL);
	CHECK_STR(npk_meta_find(m, "author"), "Jane Doe");
	npk_meta_free(m);
}

DEFINE_TEST(test_meta_markdown_fallbacks)
{
	/* no front matter: "# Heading" then the text rules */
	npk_meta *m = ex("a.md", "![logo](x.png)\n\n# The Heading #\n\n*By Jane Doe | 2024-03-03*\n",
	                 "text/markdown");
	CHECK(m != NULL);
	CHECK_STR(npk_meta_find(m, "title"), "The Heading");
	CHECK_STR(npk_meta_find(m, "author"), "Jane Doe");
	CHECK_STR(npk_meta_find(m, "date"), "2024-03-03");
	npk_meta_free(m);

	/* no level-1 heading: the first line, without its marks */
	m = ex("a.md", "## Smaller heading\n\nText\n", "text/markdown");
	CHECK(m != NULL);
	CHECK_STR(npk_meta_find(m, "title"), "Smaller heading");
	npk_meta_free(m);

	/* front matter without a title: the heading fills it, but the body's
	 * byline does not add to the front matter */
	m = ex("a.md", "---\nauthor: Jane Doe\n---\n\n# Heading\n\nBy John Roe\n", "text/markdown");
	CHECK(m != NULL);
	CHECK_STR(npk_meta_find(m, "title"), "Heading");
	CHECK_EQ_INT(nkey(m, "author"), 1);
	CHECK_STR(npk_meta_find(m, "author"), "Jane Doe");
	npk_meta_free(m);

	/* a missing closing line: nothing from it, and no "---" headline */
	m = ex("a.md", "---\ntitle: Open\nauthor: Jane Doe\n\n# Heading\n\nText\n", "text/markdown");
	CHECK(m != NULL);
	CHECK_EQ_INT(npk_meta_count(m), 0);
	npk_meta_free(m);

	/* TOML front matter is skipped, not read */
	m = ex("a.md", "+++\ntitle = \"T\"\n+++\n# Heading\n", "text/markdown");
	CHECK(m != NULL);
	CHECK_STR(npk_meta_find(m, "title"), "Heading");
	CHECK_EQ_INT(npk_meta_count(m), 1);
	npk_meta_free(m);

	/* BOM and CRLF before the front matter */
	m = ex("a.md", "\xEF\xBB\xBF---\r\ntitle: BOM\r\n---\r\n", "text/markdown");
	CHECK(m != NULL);
	CHECK_STR(npk_meta_find(m, "title"), "BOM");
	npk_meta_free(m);
}

static int sidecar(npk_meta *m, const char *json, npk_error *e)
{
	return npk_meta_apply_sidecar(m, json, strlen(json), "a.txt.meta.json", e);
}

DEFINE_TEST(test_meta_sidecar)
{
	npk_error e = {0};
	npk_meta *m = ex("a.txt", "Found headline\nBy Jane Doe and John Roe | 2025-01-24\n", "text/plain");
	CHECK(m != NULL);
	CHECK_EQ_INT(nkey(m, "author"), 2);
	CHECK_RC(sidecar(m, "{\"Title\": \"Given headline\", \"authors\": [\"Ann Poe\"],"
	                    " \"published\": null, \"section\": [\"Local\", \"Harbour\"],"
	                    " \"tags\": \"one\", \"words\": 512, \"ratio\": 0.1,"
	                    " \"draft\": false, \"x-id\": -7}", &e), NPK_OK, &e);
	CHECK_STR(npk_meta_find(m, "title"), "Given headline");
	CHECK_EQ_INT(nkey(m, "title"), 1);
	CHECK_EQ_INT(nkey(m, "author"), 1);
	CHECK_STR(npk_meta_find(m, "author"), "Ann Poe");
	CHECK(npk_meta_find(m, "date") == NULL);
	CHECK_EQ_INT(nkey(m, "section"), 2);
	CHECK_STR(nth(m, "section", 1), "Harbour");
	CHECK_STR(npk_meta_find(m, "keywords"), "one");
	CHECK_STR(npk_meta_find(m, "words"), "512");
	CHECK_STR(npk_meta_find(m, "ratio"), "0.1");
	CHECK_STR(npk_meta_find(m, "draft"), "false");
	CHECK_STR(npk_meta_find(m, "x-id"), "-7");

	/* an empty array removes the field too; a later alias of the same key
	 * wins; an empty object changes nothing */
	CHECK_RC(sidecar(m, "{\"section\": [], \"author\": \"A\", \"byline\": \"B\"}", &e), NPK_OK, &e);
	CHECK(npk_meta_find(m, "section") == NULL);
	CHECK_STR(npk_meta_find(m, "author"), "B");
	CHECK_EQ_INT(nkey(m, "author"), 1);
	size_t before = npk_meta_count(m);
	CHECK_RC(sidecar(m, "{}", &e), NPK_OK, &e);
	CHECK_RC(sidecar(m, "\xEF\xBB\xBF { }\n", &e), NPK_OK, &e);
	CHECK_EQ_INT(npk_meta_count(m), before);

	/* errors leave the list as it was: all or nothing */
	CHECK_RC(sidecar(m, "{\"title\": \"Changed\", \"image\": {\"src\": \"x\"}}", &e),
	         NPK_E_INPUT, &e);
	CHECK_STR(e.msg, "a.txt.meta.json: key \"image\": nested objects are not supported");
	CHECK_STR(npk_meta_find(m, "title"), "Given headline");
	CHECK_EQ_INT(npk_meta_count(m), before);

	CHECK_RC(sidecar(m, "{\"title\": \"Changed\",\n \"author\": [\"x\" \"y\"]}", &e),
	         NPK_E_INPUT, &e);
	CHECK(strstr(e.msg, "a.txt.meta.json: line 2, column") == e.msg);
	CHECK_STR(npk_meta_find(m, "title"), "Given headline");

	CHECK_RC(sidecar(m, "{\"title\": \"a\", \"title\": \"b\"}", &e), NPK_E_INPUT, &e);
	CHECK(strstr(e.msg, "duplicate") != NULL);
	CHECK_RC(sidecar(m, "[\"title\"]", &e), NPK_E_INPUT, &e);
	CHECK(strstr(e.msg, "object") != NULL);
	CHECK_RC(sidecar(m, "{\"og:title\": \"x\"}", &e), NPK_E_INPUT, &e);
	CHECK(strstr(e.msg, "og:title") != NULL);
	CHECK_RC(sidecar(m, "{\"title\": \"x\", \"author\": [\"a\", null]}", &e), NPK_E_INPUT, &e);
	CHECK_RC(sidecar(m, "{\"author\": [[\"a\"]]}", &e), NPK_E_INPUT, &e);
	CHECK_RC(sidecar(m, "", &e), NPK_E_INPUT, &e);
	CHECK_RC(sidecar(m, "{\"title\": \"x\"} trailing", &e), NPK_E_INPUT, &e);
	CHECK_STR(npk_meta_find(m, "title"), "Given headline");
	CHECK_EQ_INT(npk_meta_count(m), before);
	npk_meta_free(m);
}

DEFINE_TEST(test_meta_samples)
{
	size_t len;
	char *text = npk_test_read_file(SAMPLES "2025-03-harbour-council.md", &len);
	CHECK(text != NULL);
	npk_meta *m = ex("2025-03-harbour-council.md", text, NULL);
	free(text);
	CHECK(m != NULL);
	CHECK(npk_meta_find(m, "title") != NULL);
	CHECK_EQ_INT(nkey(m, "author"), 2);
	CHECK(npk_meta_find(m, "date") && strlen(npk_meta_find(m, "date")) >= 10);
	CHECK(npk_meta_find(m, "section") && npk_meta_find(m, "source"));
	CHECK(npk_meta_find(m, "language") && npk_meta_find(m, "url"));
	CHECK(nkey(m, "keywords") >= 2);
	npk_meta_free(m);

	text = npk_test_read_file(SAMPLES "2025-05-library-funding.txt", &len);
	CHECK(text != NULL);
	m = ex("2025-05-library-funding.txt", text, NULL);
	free(text);
	CHECK(m != NULL);
	CHECK(npk_meta_find(m, "title") && npk_meta_find(m, "author"));
	CHECK(npk_meta_find(m, "section") && npk_meta_find(m, "date"));
	const char *section = npk_meta_find(m, "section");
	char *old = strdup(section);
	text = npk_test_read_file(SAMPLES "2025-05-library-funding.txt.meta.json", &len);
	CHECK(text != NULL && old != NULL);
	npk_error e = {0};
	int rc = npk_meta_apply_sidecar(m, text, len, "2025-05-library-funding.txt.meta.json", &e);
	free(text);
	CHECK_EQ_INT(rc, NPK_OK);
	CHECK(npk_meta_find(m, "url") && npk_meta_find(m, "source") && npk_meta_find(m, "language"));
	CHECK(strcmp(npk_meta_find(m, "section"), old) != 0);
	free(old);
	npk_meta_free(m);

	text = npk_test_read_file(SAMPLES "2025-04-flood-report.html", &len);
	CHECK(text != NULL);
	CHECK_STR(npk_media_type_guess("2025-04-flood-report.html", (const uint8_t *)text, len),
	          "text/html");
	free(text);
}

/* BBC articles: line 1 is the headline and there is no byline, so every
 * file must give exactly its first line as title and no author. */
DEFINE_TEST(test_meta_corpus_bbc)
{
	static const char *const cats[] = {"business", "entertainment", "politics", "sport", "tech"};
	if (npk_test_corpus == NULL) {
		fprintf(stderr, "  (no corpus: skipped)\n");
		return;
	}
	size_t files = 0;
	for (size_t c = 0; c < sizeof cats / sizeof cats[0]; c++) {
		char dir[4400];
		snprintf(dir, sizeof dir, "%s/bbc/%s", npk_test_corpus, cats[c]);
		DIR *d = opendir(dir);
		CHECK(d != NULL);
		struct dirent *de;
		while ((de = readdir(d)) != NULL) {
			size_t nl = strlen(de->d_name);
			if (nl < 5 || strcmp(de->d_name + nl - 4, ".txt") != 0)
				continue;
			char path[4700];
			snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
			size_t len;
			char *text = npk_test_read_file(path, &len);
			npk_meta *m = npk_meta_new();
			npk_error e = {0};
			int rc = text && m ? npk_meta_extract(path, (const uint8_t *)text, len,
			                                      npk_media_type_guess(path, (const uint8_t *)text, len),
			                                      m, &e) : -1;
			const char *title = m ? npk_meta_find(m, "title") : NULL;
			int ok = rc == NPK_OK && title && *title &&
			         strncmp(title, text, strlen(title)) == 0 && text[strlen(title)] == '\n' &&
			         npk_meta_find(m, "author") == NULL && all_valid(m);
			if (!ok)
				fprintf(stderr, "  %s: title \"%s\", author \"%s\"\n", path, title ? title : "",
				        m && npk_meta_find(m, "author") ? npk_meta_find(m, "author") : "");
			free(text);
			npk_meta_free(m);
			if (!ok)
				closedir(d);
			CHECK(ok);
			files++;
		}
		closedir(d);
	}
	CHECK_EQ_INT(files, 2225);
}

/* HTML pages: each source of metadata, in its order of trust. */
DEFINE_TEST(test_meta_html_sources)
{
	/* JSON-LD in @graph, wrapped in CDATA as XML serialisers leave it,
	 * beats Open Graph, which beats <title>. */
	npk_meta *m = ex("a.html",
	                 "<!DOCTYPE html><html lang=\"en-GB\"><head><meta charset=\"utf-8\">"
	                 "<title>Page title | The Courier</title>"
	                 "<meta property=\"og:title\" content=\"OG title\">"
	                 "<meta property=\"og:site_name\" content=\"The Courier\">"
	                 "<meta property=\"article:published_time\" content=\"2025-01-02T03:04:05Z\">"
	                 "<meta name=\"keywords\" content=\"harbour, council , budget\">"
	                 "<link rel=\"canonical\" href=\"https://courier.example/a\">"
	                 "<script type=\"application/ld+json\">//<![CDATA[\n"
	                 "{\"@context\":\"https://schema.org\",\"@graph\":[{\"@type\":\"WebSite\",\"name\":\"Site\"},"
	                 "{\"@type\":[\"NewsArticle\"],\"headline\":\"Council  approves\\n wall\","
	                 "\"datePublished\":\"2025-01-24T10:00:00+01:00\",\"dateModified\":\"2025-01-25\","
	                 "\"author\":[{\"@type\":\"Person\",\"name\":\"Maren Holt\"},\"Tobias Greaves\"],"
	                 "\"articleSection\":\"Local\",\"publisher\":{\"name\":\"Wrenmouth Courier\"}}]}\n//]]></script>"
	                 "</head><body><h1>Heading</h1><p class=\"byline\">By Someone Else</p></body></html>",
	                 "text/html");
	CHECK(m != NULL);
	CHECK_STR(npk_meta_find(m, "title"), "Council approves wall");
	CHECK_STR(npk_meta_find(m, "date"), "2025-01-24T10:00:00+01:00");
	CHECK_STR(npk_meta_find(m, "modified"), "2025-01-25");
	CHECK_EQ_INT(nkey(m, "author"), 2);
	CHECK_STR(nth(m, "author", 0), "Maren Holt");
	CHECK_STR(nth(m, "author", 1), "Tobias Greaves");
	CHECK_STR(npk_meta_find(m, "section"), "Local");
	CHECK_STR(npk_meta_find(m, "source"), "Wrenmouth Courier");
	CHECK_STR(npk_meta_find(m, "language"), "en-GB");
	CHECK_STR(npk_meta_find(m, "url"), "https://courier.example/a");
	CHECK_EQ_INT(nkey(m, "keywords"), 3);
	CHECK_STR(nth(m, "keywords", 1), "council");
	npk_meta_free(m);

	/* Without JSON-LD: Open Graph and meta; og:locale in BCP 47 form;
	 * an article:author that is a URL is no name. */
	m = ex("b.htm",
	       "<html><head><title>T</title><meta property=\"og:title\" content=\"OG &amp; title\">"
	       "<meta property=\"og:locale\" content=\"pt_BR\">"
	       "<meta property=\"article:author\" content=\"https://facebook.com/someone\">"
	       "<meta name=\"author\" content=\"Ana Souza\">"
	       "<meta name=\"description\" content=\"  What   happened. \">"
	       "</head><body><time datetime=\"2024-12-06\">6 Dec</time></body></html>", "text/html");
	CHECK(m != NULL);
	CHECK_STR(npk_meta_find(m, "title"), "OG & title");
	CHECK_STR(npk_meta_find(m, "language"), "pt-BR");
	CHECK_EQ_INT(nkey(m, "author"), 1);
	CHECK_STR(npk_meta_find(m, "author"), "Ana Souza");
	CHECK_STR(npk_meta_find(m, "description"), "What happened.");
	CHECK_STR(npk_meta_find(m, "date"), "2024-12-06");
	npk_meta_free(m);

	/* Markup only: <title>, the first byline (its date and "By" cut off),
	 * rel=author ignored once a byline was found. */
	m = ex("c.html",
	       "<html><head><title>Only the title</title></head><body>"
	       "<div class=\"story-byline\">By Dan Goodin - Apr 16, 2015 8:02 pm UTC</div>"
	       "<a rel=\"author\" href=\"/x\">Other Person</a></body></html>", "text/html");
	CHECK(m != NULL);
	CHECK_STR(npk_meta_find(m, "title"), "Only the title");
	CHECK_EQ_INT(nkey(m, "author"), 1);
	CHECK_STR(npk_meta_find(m, "author"), "Dan Goodin");
	npk_meta_free(m);

	/* Broken JSON-LD and an unknown date form are skipped, not errors. */
	m = ex("d.html",
	       "<html><head><script type=\"application/ld+json\">{\"headline\": </script>"
	       "<meta property=\"article:published_time\" content=\"yesterday\">"
	       "<meta property=\"og:title\" content=\"Still here\"></head></html>", "text/html");
	CHECK(m != NULL);
	CHECK_STR(npk_meta_find(m, "title"), "Still here");
	CHECK(npk_meta_find(m, "date") == NULL);
	npk_meta_free(m);
}

/* HTML pages in other charsets: the page's own declaration in its head,
 * not one inside a script; UTF-8 bytes win over a stale declaration. */
DEFINE_TEST(test_meta_html_charsets)
{
	/* windows-1252 (declared as iso-8859-1, which the web reads so) */
	npk_meta *m = ex("a.html",
	                 "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=iso-8859-1\">"
	                 "<title>Caf\xe9 \x93quoted\x94</title></head></html>", "text/html");
	CHECK(m != NULL);
	CHECK_STR(npk_meta_find(m, "title"), "Caf\xc3\xa9 \xe2\x80\x9cquoted\xe2\x80\x9d");
	npk_meta_free(m);

	/* GB2312 read as GB18030; a script's string that looks like a
	 * declaration comes first and must not count */
	m = ex("b.html",
	       "<html><head><script>document.write('<meta charset=\"windows-1251\">');</script>"
	       "<meta charset=\"gb2312\"><title>\xd6\xd0\xce\xc4</title></head></html>", "text/html");
	CHECK(m != NULL);
	CHECK_STR(npk_meta_find(m, "title"), "\xe4\xb8\xad\xe6\x96\x87");
	npk_meta_free(m);

	/* declared gb2312, but the bytes are UTF-8 */
	m = ex("c.html",
	       "<html><head><meta charset=\"gb2312\"><title>\xe4\xb8\xad\xe6\x96\x87</title></head></html>",
	       "text/html");
	CHECK(m != NULL);
	CHECK_STR(npk_meta_find(m, "title"), "\xe4\xb8\xad\xe6\x96\x87");
	npk_meta_free(m);

	/* a BOM says UTF-8 whatever follows; windows-1250 declared for Polish */
	m = ex("d.html", "\xef\xbb\xbf<html><head><title>\xc5\x81\xc3\xb3" "d\xc5\xba</title></head></html>",
	       "text/html");
	CHECK(m != NULL);
	CHECK_STR(npk_meta_find(m, "title"), "\xc5\x81\xc3\xb3" "d\xc5\xba");
	npk_meta_free(m);
	m = ex("e.html", "<html><head><meta charset=\"windows-1250\"><title>\xa3\xf3\x64\x9f</title></head></html>",
	       "text/html");
	CHECK(m != NULL);
	CHECK_STR(npk_meta_find(m, "title"), "\xc5\x81\xc3\xb3" "d\xc5\xba");
	npk_meta_free(m);
}

/* Every <meta> name on_meta reads (spec/metadata.md 9.2), in any case and
 * under property, name or itemprop, and the order of trust among them. */
DEFINE_TEST(test_meta_html_meta_names)
{
	static const struct {
		const char *name, *key, *in, *out;
	} one[] = {
		{"og:title", "title", "T", "T"}, {"twitter:title", "title", "T", "T"},
		{"dc.title", "title", "T", "T"}, {"dcterms.title", "title", "T", "T"},
		{"parsely-title", "title", "T", "T"}, {"sailthru.title", "title", "T", "T"},
		{"title", "title", "T", "T"}, {"headline", "title", "T", "T"},
		{"article:published_time", "date", "2025-01-24", "2025-01-24"},
		{"og:published_time", "date", "2025-01-24", "2025-01-24"},
		{"datePublished", "date", "2025-01-24", "2025-01-24"},
		{"parsely-pub-date", "date", "2025-01-24", "2025-01-24"},
		{"sailthru.date", "date", "2025-01-24", "2025-01-24"},
		{"pubdate", "date", "2025-01-24", "2025-01-24"},
		{"publishdate", "date", "2025-01-24", "2025-01-24"},
		{"publish-date", "date", "2025-01-24", "2025-01-24"},
		{"date", "date", "Jan 24, 2025", "2025-01-24"},
		{"DC.date", "date", "2025-01-24", "2025-01-24"},
		{"dc.date.issued", "date", "2025-01-24", "2025-01-24"},
		{"dcterms.date", "date", "2025-01-24", "2025-01-24"},
		{"dcterms.created", "date", "2025-01-24", "2025-01-24"},
		{"article.published", "date", "2025-01-24", "2025-01-24"},
		{"original-publish-date", "date", "2025-01-24", "2025-01-24"},
		{"og:pubdate", "date", "2025-01-24", "2025-01-24"},
		{"article:modified_time", "modified", "2025-01-25", "2025-01-25"},
		{"og:updated_time", "modified", "2025-01-25", "2025-01-25"},
		{"dateModified", "modified", "2025-01-25", "2025-01-25"},
		{"dcterms.modified", "modified", "2025-01-25", "2025-01-25"},
		{"last-modified", "modified", "2025-01-25", "2025-01-25"},
		{"article:section", "section", "S", "S"}, {"articleSection", "section", "S", "S"},
		{"section", "section", "S", "S"}, {"parsely-section", "section", "S", "S"},
		{"og:site_name", "source", "P", "P"}, {"application-name", "source", "P", "P"},
		{"publisher", "source", "P", "P"}, {"dc.publisher", "source", "P", "P"},
		{"twitter:site", "source", "@p", "@p"},
		{"og:locale", "language", "en_GB", "en-GB"}, {"language", "language", "pt_BR", "pt-BR"},
		{"dc.language", "language", "de", "de"}, {"inLanguage", "language", "fr_CA", "fr-CA"},
		{"og:url", "url", "https://a.example/", "https://a.example/"},
		{"og:description", "description", "D", "D"}, {"description", "description", "D", "D"},
		{"twitter:description", "description", "D", "D"},
		{"dc.description", "description", "D", "D"},
		{"author", "author", "Jane Doe", "Jane Doe"}, {"dc.creator", "author", "Jane Doe", "Jane Doe"},
		{"dcterms.creator", "author", "Jane Doe", "Jane Doe"},
		{"parsely-author", "author", "Jane Doe", "Jane Doe"},
		{"sailthru.author", "author", "Jane Doe", "Jane Doe"},
		{"article:author", "author", "By Jane Doe", "Jane Doe"},
		{"og:article:author", "author", "Jane Doe", "Jane Doe"},
		{"article:author_name", "author", "Jane Doe", "Jane Doe"},
		{"byl", "author", "Jane Doe", "Jane Doe"}, {"byline", "author", "Jane Doe", "Jane Doe"},
		{"keywords", "keywords", "K", "K"}, {"news_keywords", "keywords", "K", "K"},
		{"article:tag", "keywords", "K", "K"}, {"parsely-tags", "keywords", "K", "K"},
	};
	static const char *const attrs[] = {"property", "name", "itemprop"};
	char page[512];
	for (size_t i = 0; i < sizeof one / sizeof one[0]; i++) {
		snprintf(page, sizeof page, "<html><head><meta %s=\"%s\" content=\"%s\">"
		         "<meta name=\"Unknown-Name\" content=\"x\"></head></html>",
		         attrs[i % 3], one[i].name, one[i].in);
		npk_meta *m = ex("a.html", page, "text/html");
		CHECK(m != NULL);
		if (npk_meta_count(m) != 1 || npk_meta_find(m, one[i].key) == NULL)
			fprintf(stderr, "  meta %s\n", one[i].name);
		CHECK_EQ_INT(npk_meta_count(m), 1);
		CHECK_STR(npk_meta_find(m, one[i].key), one[i].out);
		npk_meta_free(m);
	}

	/* The better source wins whichever comes first; the same one keeps
	 * the first value. */
	static const struct {
		const char *first, *second, *key, *want;
	} pair[] = {
		{"twitter:title", "og:title", "title", "2"}, {"og:title", "title", "title", "1"},
		{"title", "headline", "title", "1"},
		{"date", "article:published_time", "date", "2025-01-02"},
		{"datePublished", "dc.date", "date", "2025-01-01"},
		{"last-modified", "og:updated_time", "modified", "2025-01-02"},
		{"section", "articleSection", "section", "2"},
		{"twitter:site", "application-name", "source", "2"},
		{"publisher", "og:site_name", "source", "2"}, {"publisher", "twitter:site", "source", "1"},
		{"description", "og:description", "description", "2"},
		{"keywords", "news_keywords", "keywords", "2"}, {"news_keywords", "article:tag", "keywords", "1"},
		{"og:locale", "language", "language", "1"},
	};
	for (size_t i = 0; i < sizeof pair / sizeof pair[0]; i++) {
		int date = strcmp(pair[i].key, "date") == 0 || strcmp(pair[i].key, "modified") == 0;
		snprintf(page, sizeof page, "<html><head><title>0</title><meta name=\"%s\" content=\"%s\">"
		         "<meta property=\"%s\" content=\"%s\"></head></html>", pair[i].first,
		         date ? "2025-01-01" : "1", pair[i].second, date ? "2025-01-02" : "2");
		npk_meta *m = ex("a.html", page, "text/html");
		CHECK(m != NULL);
		if (nkey(m, pair[i].key) != 1)
			fprintf(stderr, "  meta %s, %s\n", pair[i].first, pair[i].second);
		CHECK_EQ_INT(nkey(m, pair[i].key), 1);
		CHECK_STR(npk_meta_find(m, pair[i].key), pair[i].want);
		npk_meta_free(m);
	}

	/* property before name before itemprop; http-equiv content-language
	 * only when no meta names a language */
	npk_meta *m = ex("b.html",
	                 "<html><head><meta property=\"og:title\" name=\"description\" content=\"A\">"
	                 "<meta name=\"author\" itemprop=\"headline\" content=\"Ann Poe\">"
	                 "<meta http-equiv=\"Content-Language\" content=\"fr\">"
	                 "<meta itemprop=\"inLanguage\" content=\"de\"></head></html>", "text/html");
	CHECK(m != NULL);
	CHECK_EQ_INT(npk_meta_count(m), 3);
	CHECK_STR(npk_meta_find(m, "title"), "A");
	CHECK_STR(npk_meta_find(m, "author"), "Ann Poe");
	CHECK_STR(npk_meta_find(m, "language"), "de");
	npk_meta_free(m);
	m = ex("c.html", "<html><head><meta http-equiv=\"content-language\" content=\"en_US\">"
	       "</head></html>", "text/html");
	CHECK(m != NULL);
	CHECK_STR(npk_meta_find(m, "language"), "en_US");
	npk_meta_free(m);
}

/* npk_text_escape: plain runs kept, controls, backslash, invalid UTF-8 and
 * bidirectional controls as \xNN, and a cut that ends in "..." within cap. */
DEFINE_TEST(test_text_escape)
{
	char out[64];
	CHECK_STR(npk_text_escape("plain/path.txt", 14, out, sizeof out), "plain/path.txt");
	CHECK_STR(npk_text_escape("a\\b\nc\x7f", 6, out, sizeof out), "a\\x5Cb\\x0Ac\\x7F");
	CHECK_STR(npk_text_escape("caf\xc3\xa9", 5, out, sizeof out), "caf\xc3\xa9");
	CHECK_STR(npk_text_escape("caf\xe9", 4, out, sizeof out), "caf\\xE9");
	CHECK_STR(npk_text_escape("x\xe2\x80\xaey", 5, out, sizeof out), "x\\xE2\\x80\\xAEy");
	CHECK_STR(npk_text_escape("x\xc2\x85y", 4, out, sizeof out), "x\\xC2\\x85y");
	/* cap 10: at most 5 plain bytes and "...", as before the run copy */
	CHECK_STR(npk_text_escape("abcdefghij", 10, out, 10), "abcdef...");
	CHECK_STR(npk_text_escape("abcdef", 6, out, 10), "abcdef");
	CHECK_STR(npk_text_escape("abcdefg", 7, out, 10), "abcdef...");
	CHECK_STR(npk_text_escape("abc\ndefg", 8, out, 10), "abc...");
	CHECK_STR(npk_text_escape("abcdefgh", 8, out, 4), "...");
	CHECK_STR(npk_text_escape("", 0, out, 10), "");
}
