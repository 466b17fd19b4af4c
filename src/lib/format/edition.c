/*
 * format/edition.c - the pure parts of editions (spec/format.md 15.15):
 * the edition link, the rotation statement and its file, the path filter,
 * and the layout of an edition's tree section. Nothing here reads a file.
 */
#include <string.h>

#include "format/format.h"
#include "proof/proof.h"

/* ---- The edition link: manifest extension type 3 ---- */

static int component_ok(const char *s, size_t n)
{
	npk_error e = {0};
	if (n == 0 || n > NPK_COMPONENT_MAX || memchr(s, '/', n) != NULL)
		return 0;
	return npk_path_check(s, n, &e) == NPK_OK;
}

int npk__link_parse(const uint8_t *p, size_t len, npk_edition_link *l, npk_error *err)
{
	npk_cur c;
	memset(l, 0, sizeof *l);
	npk__cur_init(&c, p, len);
	l->edition = npk__cur_u32(&c);
	l->flags = npk__cur_u32(&c);
	l->prev_digest = npk__cur_take(&c, 32);
	l->base_digest = npk__cur_take(&c, 32);
	l->prev_tree_size = npk__cur_u64(&c);
	l->name_len = npk__cur_u16(&c);
	l->prev_name = (const char *)npk__cur_take(&c, l->name_len);
	NPK_FAIL_IF(c.bad, err, NPK_E_FORMAT, "the edition link is %zu bytes, too short", len);
	NPK_FAIL_IF(l->edition == 0 || l->edition > NPK_EDITION_MAX, err, NPK_E_FORMAT,
	            "the edition link names edition %u (1 to %u)", (unsigned)l->edition,
	            (unsigned)NPK_EDITION_MAX);
	NPK_FAIL_IF(l->flags & ~NPK_EDITION_ROTATION, err, NPK_E_FORMAT,
	            "the edition link has reserved flag bits set (0x%08x)", (unsigned)l->flags);
	NPK_FAIL_IF(!component_ok(l->prev_name, l->name_len), err, NPK_E_FORMAT,
	            "the edition link's previous file name is not one valid path component");
	if (l->flags & NPK_EDITION_ROTATION) {
		l->statement = npk__cur_take(&c, NPK_ROTATION_STATEMENT);
		l->rotation_sig = npk__cur_take(&c, 64);
		NPK_FAIL_IF(c.bad, err, NPK_E_FORMAT,
		            "the edition link is %zu bytes, too short for its rotation statement", len);
	}
	NPK_FAIL_IF(npk__cur_left(&c) != 0, err, NPK_E_FORMAT,
	            "the edition link has %zu bytes after its last field", npk__cur_left(&c));
	return NPK_OK;
}

int npk__link_encode(npk_buf *out, const npk_edition_link *l, npk_error *err)
{
	int rot = (l->flags & NPK_EDITION_ROTATION) != 0;
	NPK_FAIL_IF(l->edition == 0 || l->edition > NPK_EDITION_MAX, err, NPK_E_ARG,
	            "edition %u is out of range", (unsigned)l->edition);
	NPK_FAIL_IF(!component_ok(l->prev_name, l->name_len), err, NPK_E_ARG,
	            "the previous edition's file name is not one valid path component");
	NPK_FAIL_IF(rot && (l->statement == NULL || l->rotation_sig == NULL), err, NPK_E_ARG,
	            "a rotation flag without a statement");
	if (npk__buf_u32(out, l->edition) || npk__buf_u32(out, l->flags) ||
	    npk__buf_put(out, l->prev_digest, 32) || npk__buf_put(out, l->base_digest, 32) ||
	    npk__buf_u64(out, l->prev_tree_size) || npk__buf_u16(out, (uint16_t)l->name_len) ||
	    npk__buf_put(out, l->prev_name, l->name_len) ||
	    (rot && (npk__buf_put(out, l->statement, NPK_ROTATION_STATEMENT) ||
	             npk__buf_put(out, l->rotation_sig, 64))))
		return npk__fail(err, NPK_E_NOMEM, "out of memory");
	return NPK_OK;
}

/* ---- The rotation statement ---- */

void npk__rotation_statement(uint8_t out[NPK_ROTATION_STATEMENT], const uint8_t base[32],
                             const uint8_t prev[32], uint32_t edition, const uint8_t new_id[8],
                             const uint8_t new_pk[32])
{
	memcpy(out, NPK_ROTATION_MAGIC, 8);
	memcpy(out + 8, base, 32);
	memcpy(out + 40, prev, 32);
	for (unsigned i = 0; i < 4; i++)
		out[72 + i] = (uint8_t)(edition >> (8 * i));
	memset(out + 76, 0, 4);
	memcpy(out + 80, new_id, 8);
	memcpy(out + 88, new_pk, 32);
}

int npk__rotation_sign(const npk_seckey *old, const uint8_t st[NPK_ROTATION_STATEMENT],
                       uint8_t sig[64], npk_error *err)
{
	uint8_t h[64];
	NPK_FORWARD(npk__init(err));
	crypto_generichash(h, sizeof h, st, NPK_ROTATION_STATEMENT, NULL, 0);
	crypto_sign_detached(sig, NULL, h, sizeof h, old->sk);
	return NPK_OK;
}

const char *npk__rotation_check(const npk_edition_link *l, const uint8_t old_pk[32],
                                const uint8_t new_id[8], const uint8_t new_pk[32])
{
	const uint8_t *st = l->statement;
	uint8_t h[64];
	if (st == NULL || l->rotation_sig == NULL)
		return "no rotation statement";
	if (memcmp(st, NPK_ROTATION_MAGIC, 8) != 0)
		return "the rotation statement's magic is wrong";
	if (memcmp(st + 8, l->base_digest, 32) != 0 || memcmp(st + 40, l->prev_digest, 32) != 0)
		return "the rotation statement is for another chain or place in it";
	if (npk__ld32(st + 72) != l->edition)
		return "the rotation statement is for another edition";
	if (npk__ld32(st + 76) != 0)
		return "the rotation statement's reserved bytes are not zero";
	if (memcmp(st + 80, new_id, 8) != 0 || memcmp(st + 88, new_pk, 32) != 0)
		return "the rotation statement names another key";
	crypto_generichash(h, sizeof h, st, NPK_ROTATION_STATEMENT, NULL, 0);
	int ok = crypto_sign_verify_detached(l->rotation_sig, h, sizeof h, old_pk) == 0;
#ifdef NPK_FUZZING
	ok = 1; /* see npk__digest_same */
#endif
	return ok ? NULL : "the rotation statement's signature does not verify with the previous signer's key";
}

#define ROT_HEAD "npk-rotation/v1\n"

int npk__rotation_format(const uint8_t st[NPK_ROTATION_STATEMENT], const uint8_t sig[64],
                         char **out, size_t *len, npk_error *err)
{
	npk_buf b = {0};
	if (npk__buf_put(&b, ROT_HEAD, strlen(ROT_HEAD)) || npk__buf_put(&b, "statement ", 10) ||
	    npk__b64_put(&b, st, NPK_ROTATION_STATEMENT) || npk__buf_put(&b, "\nsignature ", 11) ||
	    npk__b64_put(&b, sig, 64) || npk__buf_put(&b, "\n", 2)) {
		npk__buf_free(&b);
		return npk__fail(err, NPK_E_NOMEM, "out of memory");
	}
	*out = (char *)b.p;
	*len = b.len - 1;   /* the NUL put last is not text */
	return NPK_OK;
}

/* The value of line "key value\n" at *pos into out (exactly want bytes). */
static int rot_line(const char *t, size_t len, size_t *pos, const char *key, uint8_t *out,
                    size_t want)
{
	size_t k = strlen(key), at = *pos;
	const char *nl = memchr(t + at, '\n', len - at);
	if (nl == NULL)
		return -1;
	size_t n = (size_t)(nl - (t + at)), got = 0;
	if (n <= k + 1 || memcmp(t + at, key, k) != 0 || t[at + k] != ' ')
		return -1;
	if (npk__b64_decode(t + at + k + 1, n - k - 1, out, want, &got) != NPK_B64_OK ||
	    got != want)
		return -1;
	*pos = at + n + 1;
	return 0;
}

int npk__rotation_parse(const char *text, size_t len, const char *name,
                        uint8_t st[NPK_ROTATION_STATEMENT], uint8_t sig[64], npk_error *err)
{
	size_t pos = strlen(ROT_HEAD);
	NPK_FAIL_IF(len < pos || memcmp(text, ROT_HEAD, pos) != 0, err, NPK_E_INPUT,
	            "%s: not a newspack rotation statement (npk-rotation/v1)", name);
	NPK_FAIL_IF(memchr(text, '\r', len) != NULL, err, NPK_E_INPUT,
	            "%s: the rotation statement holds a CR", name);
	NPK_FAIL_IF(rot_line(text, len, &pos, "statement", st, NPK_ROTATION_STATEMENT) != 0, err,
	            NPK_E_INPUT, "%s: the statement line is missing or not canonical base64 of %u bytes",
	            name, NPK_ROTATION_STATEMENT);
	NPK_FAIL_IF(rot_line(text, len, &pos, "signature", sig, 64) != 0, err, NPK_E_INPUT,
	            "%s: the signature line is missing or not canonical base64 of 64 bytes", name);
	NPK_FAIL_IF(pos != len, err, NPK_E_INPUT, "%s: bytes after the signature line", name);
	NPK_FAIL_IF(memcmp(st, NPK_ROTATION_MAGIC, 8) != 0 || npk__ld32(st + 76) != 0, err,
	            NPK_E_INPUT, "%s: the statement is not a rotation statement", name);
	return NPK_OK;
}

/* ---- The path filter: body section type 9 ---- */

uint64_t npk__paths_bits(uint64_t count)
{
	uint64_t m;
	if (!npk__mul64(count, NPK_PATHS_BITS_PER, &m) || m > NPK_PATHS_BITS_MAX)
		return NPK_PATHS_BITS_MAX;
	m = (m + 63) / 64 * 64;
	return m < 64 ? 64 : m;
}

static void paths_probes(const char *path, size_t len, uint64_t *h1, uint64_t *h2)
{
	uint8_t d[32];
	npk__digest(path, len, d);
	*h1 = npk__ld64(d);
	*h2 = npk__ld64(d + 8) | 1;
}

void npk__paths_add(uint8_t *filter, uint64_t m, unsigned k, const char *path, size_t len)
{
	uint64_t h1, h2;
	paths_probes(path, len, &h1, &h2);
	for (unsigned j = 0; j < k; j++) {
		uint64_t b = (h1 + (uint64_t)j * h2) % m;
		filter[b >> 3] |= (uint8_t)(1u << (b & 7));
	}
}

int npk__paths_has(const uint8_t *filter, uint64_t m, unsigned k, const char *path, size_t len)
{
	uint64_t h1, h2;
	paths_probes(path, len, &h1, &h2);
	for (unsigned j = 0; j < k; j++) {
		uint64_t b = (h1 + (uint64_t)j * h2) % m;
		if (!(filter[b >> 3] & (1u << (b & 7))))
			return 0;
	}
	return 1;
}

static void put64(uint8_t *p, uint64_t v)
{
	for (unsigned i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

void npk__paths_header(uint8_t h[NPK_PATHS_HEADER], const char *magic, uint64_t count,
                       uint64_t m, unsigned k)
{
	memset(h, 0, NPK_PATHS_HEADER);
	memcpy(h, magic, 8);
	put64(h + 8, count);
	put64(h + 16, m);
	h[24] = (uint8_t)k;
}

const char *npk__paths_header_problem(const uint8_t *h, const char *magic, uint64_t len,
                                      uint64_t count, uint64_t *m, unsigned *k)
{
	static const uint8_t zero[7];
	int paths = strcmp(magic, NPK_PATHS_MAGIC) == 0;
	if (len < NPK_PATHS_HEADER)
		return "the section is shorter than its 32-byte header";
	if (memcmp(h, magic, 8) != 0)
		return paths ? "bad magic (not NPKPATHS)" : "bad magic (not NPKFOLDS)";
	*m = npk__ld64(h + 16);
	*k = h[24];
	if (count != NPK_FILTER_ANY_COUNT && npk__ld64(h + 8) != count)
		return paths ? "its count is not the number of index entries"
		             : "its count is not the number of folders of the entries";
	if (*m < 64 || *m > NPK_PATHS_BITS_MAX || *m % 64 != 0)
		return "its bit count is not a multiple of 64 from 64 to 2^35";
	if (*k < 1 || *k > 32)
		return "its hash count is not 1 to 32";
	if (memcmp(h + 25, zero, 7) != 0)
		return "reserved bytes are not zero";
	if (len != NPK_PATHS_HEADER + *m / 8)
		return "its length is not 32 + bits / 8";
	return NULL;
}

void npk__folders_new(const char *path, const char *prev,
                      void (*fn)(const char *path, size_t len, void *ctx), void *ctx)
{
	for (const char *s = strchr(path, '/'); s != NULL; s = strchr(s + 1, '/')) {
		size_t n = (size_t)(s - path);
		/* prev is under "path[0..n]/" when it starts with it, slash included */
		if (prev == NULL || strncmp(prev, path, n + 1) != 0)
			fn(path, n, ctx);
	}
}

/* ---- A k-way merge's heap of edition numbers ---- */

void npk__heap_sift(uint32_t *heap, uint32_t n, uint32_t i, npk__heap_before before,
                    const void *ctx)
{
	for (;;) {
		uint32_t l = 2 * i + 1, s = i;
		if (l < n && before(ctx, heap[l], heap[s]))
			s = l;
		if (l + 1 < n && before(ctx, heap[l + 1], heap[s]))
			s = l + 1;
		if (s == i)
			return;
		uint32_t t = heap[i];
		heap[i] = heap[s];
		heap[s] = t;
		i = s;
	}
}

/* ---- An edition's tree section ---- */

int npk__etree_layout(uint64_t p, uint64_t n, unsigned stride, uint64_t *section_len)
{
	uint64_t total = NPK_TREE_HEADER;
	if (stride < 1 || stride > NPK_TREE_STRIDE_MAX || p > n)
		return -1;
	for (unsigned l = 0; l < 64 && (n >> l) > (p >> l); l += stride) {
		uint64_t bytes;
		if (!npk__mul64((n >> l) - (p >> l), 32, &bytes) || !npk__add64(total, bytes, &total))
			return -1;
	}
	*section_len = total;
	return 0;
}

uint64_t npk__etree_level_offset(uint64_t p, uint64_t n, unsigned stride, unsigned level)
{
	uint64_t off = NPK_TREE_HEADER;
	if (stride < 1 || stride > NPK_TREE_STRIDE_MAX || p > n || level % stride != 0 ||
	    level >= 64 || (n >> level) <= (p >> level))
		return UINT64_MAX;
	for (unsigned l = 0; l < level; l += stride)
		off += 32 * ((n >> l) - (p >> l));
	return off;
}

void npk__mth_resume(npk_mth *t, uint64_t p, const uint8_t (*border)[32])
{
	unsigned count = (unsigned)__builtin_popcountll(p);
	memset(t, 0, sizeof *t);
	for (unsigned i = 0; i < count; i++)
		memcpy(t->stack[i], border[i], 32);
	t->n = p;
}
