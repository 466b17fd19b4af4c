/* test_edition.c - the pure parts of editions (spec/format.md 15.15): the
 * edition link, rotation statements and their file, the path filter, the
 * layout of an edition's tree section and resuming a root at a border. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "format/format.h"
#include "newspack.h"
#include "test.h"

static void fill(uint8_t *p, size_t n, uint8_t v)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(v + i);
}

DEFINE_TEST(edition_link_round_trip)
{
	npk_error err = {0};
	uint8_t prev[32], base[32], st[NPK_ROTATION_STATEMENT], sig[64];
	fill(prev, 32, 1);
	fill(base, 32, 100);
	fill(st, sizeof st, 7);
	fill(sig, 64, 9);
	npk_edition_link l = {.edition = 3, .prev_digest = prev, .base_digest = base,
	                      .prev_tree_size = 123456789, .prev_name = "news.e0002.npk",
	                      .name_len = 14};
	npk_buf b = {0};
	CHECK_RC(npk__link_encode(&b, &l, &err), NPK_OK, &err);
	CHECK_EQ_INT(b.len, NPK_EDITION_FIXED + 14);
	npk_edition_link got;
	CHECK_RC(npk__link_parse(b.p, b.len, &got, &err), NPK_OK, &err);
	CHECK_EQ_INT(got.edition, 3);
	CHECK_EQ_INT(got.prev_tree_size, 123456789);
	CHECK(memcmp(got.prev_digest, prev, 32) == 0 && memcmp(got.base_digest, base, 32) == 0);
	CHECK(got.name_len == 14 && memcmp(got.prev_name, "news.e0002.npk", 14) == 0);
	CHECK(got.statement == NULL && got.rotation_sig == NULL);
	/* one byte more or less, a reserved flag, edition 0 */
	CHECK_RC(npk__link_parse(b.p, b.len - 1, &got, &err), NPK_E_FORMAT, &err);
	CHECK(npk__buf_u8(&b, 0) == 0);
	CHECK_RC(npk__link_parse(b.p, b.len, &got, &err), NPK_E_FORMAT, &err);
	b.len--;
	b.p[4] = 2;
	CHECK_RC(npk__link_parse(b.p, b.len, &got, &err), NPK_E_FORMAT, &err);
	b.p[4] = 0;
	memset(b.p, 0, 4);
	CHECK_RC(npk__link_parse(b.p, b.len, &got, &err), NPK_E_FORMAT, &err);
	npk__buf_free(&b);

	/* with a rotation statement */
	l.flags = NPK_EDITION_ROTATION;
	l.statement = st;
	l.rotation_sig = sig;
	CHECK_RC(npk__link_encode(&b, &l, &err), NPK_OK, &err);
	CHECK_EQ_INT(b.len, NPK_EDITION_FIXED + 14 + NPK_ROTATION_LEN);
	CHECK_RC(npk__link_parse(b.p, b.len, &got, &err), NPK_OK, &err);
	CHECK(got.statement && memcmp(got.statement, st, sizeof st) == 0);
	CHECK(got.rotation_sig && memcmp(got.rotation_sig, sig, 64) == 0);
	CHECK_RC(npk__link_parse(b.p, b.len - 64, &got, &err), NPK_E_FORMAT, &err);
	npk__buf_free(&b);

	/* names that are not one component */
	static const char *const bad[] = {"a/b", ".", "..", "", "x\ny"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		npk_edition_link x = l;
		x.flags = 0;
		x.prev_name = bad[i];
		x.name_len = strlen(bad[i]);
		CHECK_RC(npk__link_encode(&b, &x, &err), NPK_E_ARG, &err);
		npk__buf_free(&b);
	}
}

DEFINE_TEST(edition_rotation_statement)
{
	npk_error err = {0};
	npk_pubkey *old_pk = NULL, *new_pk = NULL, *other_pk = NULL;
	npk_seckey *old_sk = NULL, *new_sk = NULL, *other_sk = NULL;
	CHECK_RC(npk_keypair_generate(&old_pk, &old_sk, &err), NPK_OK, &err);
	CHECK_RC(npk_keypair_generate(&new_pk, &new_sk, &err), NPK_OK, &err);
	CHECK_RC(npk_keypair_generate(&other_pk, &other_sk, &err), NPK_OK, &err);
	uint8_t base[32], prev[32], st[NPK_ROTATION_STATEMENT], sig[64];
	fill(base, 32, 3);
	fill(prev, 32, 50);
	npk__rotation_statement(st, base, prev, 5, npk_pubkey_id(new_pk), npk_pubkey_bytes(new_pk));
	CHECK(memcmp(st, "NPKROT1\n", 8) == 0 && npk__ld32(st + 72) == 5);
	CHECK_RC(npk__rotation_sign(old_sk, st, sig, &err), NPK_OK, &err);
	npk_edition_link l = {.edition = 5, .flags = NPK_EDITION_ROTATION, .prev_digest = prev,
	                      .base_digest = base, .statement = st, .rotation_sig = sig};
	const uint8_t *nid = npk_pubkey_id(new_pk), *npk = npk_pubkey_bytes(new_pk);
	CHECK(npk__rotation_check(&l, npk_pubkey_bytes(old_pk), nid, npk) == NULL);
	/* signed by another key than the previous signer's */
	CHECK(npk__rotation_check(&l, npk_pubkey_bytes(other_pk), nid, npk) != NULL);
	/* for another key, edition, chain or place */
	CHECK(npk__rotation_check(&l, npk_pubkey_bytes(old_pk), npk_pubkey_id(other_pk),
	                          npk_pubkey_bytes(other_pk)) != NULL);
	l.edition = 6;
	CHECK(npk__rotation_check(&l, npk_pubkey_bytes(old_pk), nid, npk) != NULL);
	l.edition = 5;
	uint8_t prev2[32];
	fill(prev2, 32, 51);
	l.prev_digest = prev2;
	CHECK(npk__rotation_check(&l, npk_pubkey_bytes(old_pk), nid, npk) != NULL);
	l.prev_digest = prev;
	sig[10] ^= 1;
	CHECK(npk__rotation_check(&l, npk_pubkey_bytes(old_pk), nid, npk) != NULL);
	sig[10] ^= 1;

	/* the file: round trip, and what it refuses */
	char *text = NULL;
	size_t len = 0;
	uint8_t st2[NPK_ROTATION_STATEMENT], sig2[64];
	CHECK_RC(npk__rotation_format(st, sig, &text, &len, &err), NPK_OK, &err);
	CHECK(len == strlen(text) && strncmp(text, "npk-rotation/v1\nstatement ", 26) == 0);
	CHECK(text[len - 1] == '\n');
	CHECK_RC(npk__rotation_parse(text, len, "r", st2, sig2, &err), NPK_OK, &err);
	CHECK(memcmp(st, st2, sizeof st) == 0 && memcmp(sig, sig2, 64) == 0);
	CHECK_RC(npk__rotation_parse(text, len - 1, "r", st2, sig2, &err), NPK_E_INPUT, &err);
	char *more = malloc(len + 2);
	CHECK(more != NULL);
	memcpy(more, text, len);
	memcpy(more + len, "x\n", 2);
	CHECK_RC(npk__rotation_parse(more, len + 2, "r", st2, sig2, &err), NPK_E_INPUT, &err);
	/* the last base64 character of the signature made non-canonical: the
	 * 64 bytes end in "==" after a character whose low 4 bits are unused */
	memcpy(more, text, len);
	char *eq = strstr(more + 40, "==\n");
	CHECK(eq != NULL);
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t v = (size_t)(strchr(b64, eq[-1]) - b64);
	eq[-1] = b64[v ^ 1];
	CHECK_RC(npk__rotation_parse(more, len, "r", st2, sig2, &err), NPK_E_INPUT, &err);
	free(more);
	free(text);
	npk_pubkey_free(old_pk);
	npk_pubkey_free(new_pk);
	npk_pubkey_free(other_pk);
	npk_seckey_free(old_sk);
	npk_seckey_free(new_sk);
	npk_seckey_free(other_sk);
}

DEFINE_TEST(edition_path_filter)
{
	enum { N = 20000 };
	uint64_t m = npk__paths_bits(N);
	CHECK_EQ_INT(m, 200000 + 0);   /* a multiple of 64 already */
	CHECK_EQ_INT(npk__paths_bits(0), 64);
	CHECK_EQ_INT(npk__paths_bits(7), 128);
	uint8_t *f = calloc(1, m / 8);
	CHECK(f != NULL);
	char path[64];
	for (int i = 0; i < N; i++) {
		int n = snprintf(path, sizeof path, "news/2026/%06d.md", i);
		npk__paths_add(f, m, NPK_PATHS_HASHES, path, (size_t)n);
	}
	for (int i = 0; i < N; i++) {
		int n = snprintf(path, sizeof path, "news/2026/%06d.md", i);
		CHECK(npk__paths_has(f, m, NPK_PATHS_HASHES, path, (size_t)n));
	}
	int fp = 0;
	for (int i = 0; i < N; i++) {
		int n = snprintf(path, sizeof path, "news/2025/%06d.md", i);
		fp += npk__paths_has(f, m, NPK_PATHS_HASHES, path, (size_t)n);
	}
	/* about 0.8% at 10 bits and 7 probes per path */
	CHECK(fp > 0 && fp < N / 50);

	/* a known answer: the probes of "a" in 64 bits, from H("a") */
	uint8_t d[32], one[8] = {0};
	npk__digest("a", 1, d);
	uint64_t h1 = npk__ld64(d), h2 = npk__ld64(d + 8) | 1;
	npk__paths_add(one, 64, 3, "a", 1);
	uint8_t want[8] = {0};
	for (unsigned j = 0; j < 3; j++) {
		uint64_t b = (h1 + j * h2) % 64;
		want[b >> 3] |= (uint8_t)(1u << (b & 7));
	}
	CHECK(memcmp(one, want, 8) == 0);

	uint8_t h[NPK_PATHS_HEADER];
	uint64_t gm;
	unsigned gk;
	npk__paths_header(h, NPK_PATHS_MAGIC, N, m, NPK_PATHS_HASHES);
	CHECK(npk__paths_header_problem(h, NPK_PATHS_MAGIC, NPK_PATHS_HEADER + m / 8, N, &gm, &gk) == NULL);
	CHECK(gm == m && gk == NPK_PATHS_HASHES);
	CHECK(npk__paths_header_problem(h, NPK_PATHS_MAGIC, NPK_PATHS_HEADER + m / 8 + 1, N, &gm, &gk) != NULL);
	CHECK(npk__paths_header_problem(h, NPK_PATHS_MAGIC, NPK_PATHS_HEADER + m / 8, N + 1, &gm, &gk) != NULL);
	h[30] = 1;
	CHECK(npk__paths_header_problem(h, NPK_PATHS_MAGIC, NPK_PATHS_HEADER + m / 8, N, &gm, &gk) != NULL);
	npk__paths_header(h, NPK_PATHS_MAGIC, N, m + 8, NPK_PATHS_HASHES);
	CHECK(npk__paths_header_problem(h, NPK_PATHS_MAGIC, NPK_PATHS_HEADER + (m + 8) / 8, N, &gm, &gk) != NULL);
	npk__paths_header(h, NPK_PATHS_MAGIC, N, m, 0);
	CHECK(npk__paths_header_problem(h, NPK_PATHS_MAGIC, NPK_PATHS_HEADER + m / 8, N, &gm, &gk) != NULL);
	free(f);
}

typedef struct folder_list {
	char got[256];
	size_t n;
} folder_list;

static void folder_note(const char *path, size_t len, void *ctx)
{
	folder_list *l = ctx;
	l->n += (size_t)snprintf(l->got + l->n, sizeof l->got - l->n, "%.*s|", (int)len, path);
}

/* Each folder of a sorted list of paths comes once; the folder filter
 * has its own magic and a count that only the walk knows. */
DEFINE_TEST(edition_folder_filter)
{
	static const char *const paths[] = {"a", "b/c", "b/d/e", "b/d/f", "b/e", "b0", "c/d/e/f",
	                                    "c/d/g"};
	folder_list l = {{0}, 0};
	const char *prev = NULL;
	for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
		npk__folders_new(paths[i], prev, folder_note, &l);
		prev = paths[i];
	}
	CHECK(strcmp(l.got, "b|b/d|c|c/d|c/d/e|") == 0);

	uint8_t h[NPK_PATHS_HEADER];
	uint64_t gm;
	unsigned gk;
	npk__paths_header(h, NPK_FOLDERS_MAGIC, 5, 64, NPK_PATHS_HASHES);
	CHECK(npk__paths_header_problem(h, NPK_FOLDERS_MAGIC, NPK_PATHS_HEADER + 8,
	                                NPK_FILTER_ANY_COUNT, &gm, &gk) == NULL);
	CHECK(npk__paths_header_problem(h, NPK_FOLDERS_MAGIC, NPK_PATHS_HEADER + 8, 5, &gm, &gk) ==
	      NULL);
	CHECK(npk__paths_header_problem(h, NPK_FOLDERS_MAGIC, NPK_PATHS_HEADER + 8, 6, &gm, &gk) !=
	      NULL);
	/* a path filter is not a folder filter, nor the reverse */
	CHECK(npk__paths_header_problem(h, NPK_PATHS_MAGIC, NPK_PATHS_HEADER + 8,
	                                NPK_FILTER_ANY_COUNT, &gm, &gk) != NULL);
}

DEFINE_TEST(edition_tree_layout)
{
	for (unsigned s = 1; s <= 9; s++) {
		for (uint64_t n = 0; n < 300; n++) {
			uint64_t a, b;
			CHECK(npk__tree_layout(n, s, &a) == 0 && npk__etree_layout(0, n, s, &b) == 0);
			CHECK_EQ_INT(a, b);
			for (unsigned l = 0; l < 12 && (n >> l) > 0; l += s)
				CHECK_EQ_INT(npk__tree_level_offset(n, s, l),
				             npk__etree_level_offset(0, n, s, l));
			/* an edition [p, n): each level holds (n >> L) - (p >> L) nodes
			 * back to back, and the editions of a chain store every node of
			 * the whole tree's stored levels exactly once */
			for (uint64_t p = 0; p <= n; p += 7) {
				uint64_t len, sum = NPK_TREE_HEADER;
				CHECK(npk__etree_layout(p, n, s, &len) == 0);
				for (unsigned l = 0; l < 64 && (n >> l) > (p >> l); l += s) {
					CHECK_EQ_INT(npk__etree_level_offset(p, n, s, l), sum);
					sum += 32 * ((n >> l) - (p >> l));
				}
				CHECK_EQ_INT(len, sum);
				uint64_t l0;
				CHECK(npk__etree_layout(0, p, s, &l0) == 0);
				CHECK_EQ_INT(l0 - NPK_TREE_HEADER + len - NPK_TREE_HEADER,
				             a - NPK_TREE_HEADER);
			}
		}
	}
	uint64_t x;
	CHECK(npk__etree_layout(5, 4, 8, &x) == -1);
	CHECK(npk__etree_layout(0, 4, 0, &x) == -1);
	CHECK(npk__etree_layout(0, 4, 17, &x) == -1);
	CHECK(npk__etree_level_offset(4, 4, 8, 0) == UINT64_MAX);
	CHECK(npk__etree_level_offset(0, 300, 8, 3) == UINT64_MAX);
	CHECK(npk__etree_level_offset(256, 300, 8, 8) == UINT64_MAX);
	CHECK(npk__etree_level_offset(255, 300, 8, 8) != UINT64_MAX);
}

/* The perfect subtree roots of [0, p), largest first, from all leaves. */
static void border_of(const uint8_t (*leaves)[32], uint64_t p, uint8_t (*out)[32])
{
	uint64_t at = 0;
	unsigned k = 0;
	for (int bit = 63; bit >= 0; bit--) {
		if (!(p >> bit & 1))
			continue;
		npk_mth t;
		npk__mth_init(&t);
		for (uint64_t i = 0; i < (1ull << bit); i++)
			npk__mth_add(&t, leaves[at + i]);
		npk__mth_root(&t, out[k++]);
		at += 1ull << bit;
	}
}

DEFINE_TEST(edition_mth_resume)
{
	enum { N = 150 };
	uint8_t (*leaves)[32] = malloc(N * 32), border[64][32];
	CHECK(leaves != NULL);
	for (unsigned i = 0; i < N; i++) {
		uint8_t d[4] = {(uint8_t)i, (uint8_t)(i >> 8), 1, 2};
		npk__leaf_hash(d, sizeof d, leaves[i]);
	}
	for (uint64_t p = 0; p <= N; p++) {
		for (uint64_t n = p; n <= N; n += 13) {
			npk_mth all, resumed;
			uint8_t a[32], b[32];
			npk__mth_init(&all);
			for (uint64_t i = 0; i < n; i++)
				npk__mth_add(&all, leaves[i]);
			npk__mth_root(&all, a);
			border_of((const uint8_t (*)[32])leaves, p, border);
			npk__mth_resume(&resumed, p, (const uint8_t (*)[32])border);
			for (uint64_t i = p; i < n; i++)
				npk__mth_add(&resumed, leaves[i]);
			npk__mth_root(&resumed, b);
			CHECK(memcmp(a, b, 32) == 0);
		}
	}
	free(leaves);
}
