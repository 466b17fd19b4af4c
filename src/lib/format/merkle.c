/*
 * merkle.c - the Merkle tree of per-article proofs (spec/format.md 15.13,
 * 15.14): leaf data, RFC 9162 hashes, the streaming root, inclusion proofs
 * and the stored levels of section type 4.
 */
#include <stdlib.h>

#include <sodium.h>

#include "format/format.h"

/* ---- Leaf data (15.13) ---- */

/* 15.13, 15.15: leaf type 0 is an entry of kind 0, 2 or 3; leaf type 1 a
 * withdrawal (kind 1) of no content: size 0, digest H(""). */
static int leaf_is_withdrawal_of_nothing(const npk_leaf *l)
{
	uint8_t empty[32];
	crypto_generichash(empty, 32, NULL, 0, NULL, 0);
	return l->size == 0 && l->digest != NULL && sodium_memcmp(l->digest, empty, 32) == 0;
}

int npk__leaf_encode(npk_buf *out, const npk_leaf *l, npk_error *err)
{
	NPK_FAIL_IF(l->type != NPK_LEAF_ENTRY && l->type != NPK_LEAF_WITHDRAWAL, err, NPK_E_ARG,
	            "leaf data: leaf type %u is not known", l->type);
	NPK_FAIL_IF(l->type == NPK_LEAF_ENTRY && l->kind != NPK_KIND_DOCUMENT &&
	            l->kind != NPK_KIND_FOLDER && l->kind != NPK_KIND_SYMLINK, err, NPK_E_ARG,
	            "leaf data: kind %u has no leaf data", l->kind);
	NPK_FAIL_IF(l->type == NPK_LEAF_WITHDRAWAL && (l->kind != NPK_KIND_WITHDRAWN ||
	            !leaf_is_withdrawal_of_nothing(l)), err, NPK_E_ARG,
	            "leaf data: a withdrawal's leaf has kind 1, size 0 and the digest of nothing");
	NPK_FAIL_IF(l->path_len == 0 || l->path_len > NPK_PATH_MAX, err, NPK_E_ARG,
	            "leaf data: a path of %zu bytes", l->path_len);
	NPK_FAIL_IF(l->media_len == 0 || l->media_len > NPK_MEDIA_MAX, err, NPK_E_ARG,
	            "leaf data: a media type of %zu bytes", l->media_len);
	NPK_FAIL_IF(l->meta_len < 2 || l->meta_len > 0xFFFF, err, NPK_E_ARG,
	            "leaf data: a metadata list of %zu bytes", l->meta_len);
	int bad = npk__buf_u8(out, (uint8_t)l->type) | npk__buf_u8(out, (uint8_t)l->kind) |
	          npk__buf_u16(out, (uint16_t)l->path_len) |
	          npk__buf_put(out, l->path, l->path_len) | npk__buf_u64(out, l->size) |
	          npk__buf_put(out, l->digest, 32) | npk__buf_u8(out, (uint8_t)l->media_len) |
	          npk__buf_put(out, l->media, l->media_len) |
	          npk__buf_u16(out, (uint16_t)l->meta_len) |
	          npk__buf_put(out, l->meta, l->meta_len) | npk__buf_put(out, l->salt, 16);
	NPK_FAIL_IF(bad, err, NPK_E_NOMEM, "leaf data: out of memory");
	return NPK_OK;
}

/* The media type rule of the reader and writer (5.2, npk__media_ok) on
 * bytes that are not NUL-terminated. */
static int media_bytes_ok(const char *m, size_t len)
{
	char s[NPK_MEDIA_MAX + 1];
	if (len == 0 || len > NPK_MEDIA_MAX || memchr(m, 0, len) != NULL)
		return 0;
	memcpy(s, m, len);
	s[len] = 0;
	return npk__media_ok(s);
}

/* 5.5, with npk__meta_decode's message when the list is bad. */
static int leaf_meta_check(const uint8_t *p, size_t len, npk_error *err)
{
	if (npk__meta_valid(p, len))
		return NPK_OK;
	npk_meta *m = npk_meta_new();
	NPK_FAIL_IF(m == NULL, err, NPK_E_NOMEM, "leaf data: out of memory");
	int rc = npk__meta_decode(p, len, m, err);
	npk_meta_free(m);
	if (rc == NPK_OK) /* cannot happen: both take the same lists */
		return npk__fail(err, NPK_E_FORMAT, "leaf data: bad metadata list");
	return npk__wrap(err, rc == NPK_E_NOMEM ? rc : NPK_E_FORMAT, "leaf data: ");
}

/* The fields up to the media type; the cursor goes bad when they are cut. */
static int leaf_take_head(npk_cur *c, npk_leaf *l, npk_error *err)
{
	l->type = npk__cur_u8(c);
	NPK_FAIL_IF(c->bad, err, NPK_E_FORMAT, "leaf data: empty");
	NPK_FAIL_IF(l->type != NPK_LEAF_ENTRY && l->type != NPK_LEAF_WITHDRAWAL, err, NPK_E_FORMAT,
	            "leaf data: leaf type %u is not known", l->type);
	l->kind = npk__cur_u8(c);
	NPK_FAIL_IF(c->bad, err, NPK_E_FORMAT, "leaf data: truncated before its kind");
	NPK_FAIL_IF(l->type == NPK_LEAF_ENTRY && l->kind != NPK_KIND_DOCUMENT &&
	            l->kind != NPK_KIND_FOLDER && l->kind != NPK_KIND_SYMLINK, err, NPK_E_FORMAT,
	            "leaf data: kind %u is not a document (0), folder (2) or link (3)", l->kind);
	NPK_FAIL_IF(l->type == NPK_LEAF_WITHDRAWAL && l->kind != NPK_KIND_WITHDRAWN, err,
	            NPK_E_FORMAT, "leaf data: a withdrawal (leaf type 1) has kind %u, not 1", l->kind);
	l->path_len = npk__cur_u16(c);
	l->path = (const char *)npk__cur_take(c, l->path_len);
	NPK_FAIL_IF(c->bad, err, NPK_E_FORMAT, "leaf data: truncated in its path");
	NPK_FAIL_IF(l->path_len == 0 || l->path_len > NPK_PATH_MAX, err, NPK_E_FORMAT,
	            "leaf data: a path of %zu bytes (1 to %u)", l->path_len, NPK_PATH_MAX);
	if (npk_path_check(l->path, l->path_len, err) != NPK_OK)
		return npk__wrap(err, NPK_E_FORMAT, "leaf data: ");
	l->size = npk__cur_u64(c);
	l->digest = npk__cur_take(c, 32);
	NPK_FAIL_IF(c->bad, err, NPK_E_FORMAT, "leaf data: truncated in its size or digest");
	NPK_FAIL_IF(l->type == NPK_LEAF_WITHDRAWAL && !leaf_is_withdrawal_of_nothing(l), err,
	            NPK_E_FORMAT, "leaf data: a withdrawal has a size or digest of content");
	return NPK_OK;
}

int npk__leaf_parse(const uint8_t *p, size_t len, npk_leaf *l, npk_error *err)
{
	npk_cur c;
	memset(l, 0, sizeof *l);
	npk__cur_init(&c, p, p ? len : 0);
	NPK_FORWARD(leaf_take_head(&c, l, err));
	l->media_len = npk__cur_u8(&c);
	l->media = (const char *)npk__cur_take(&c, l->media_len);
	NPK_FAIL_IF(c.bad, err, NPK_E_FORMAT, "leaf data: truncated in its media type");
	NPK_FAIL_IF(!media_bytes_ok(l->media, l->media_len), err, NPK_E_FORMAT,
	            "leaf data: bad media type (1 to %u bytes of printable ASCII, no space)",
	            NPK_MEDIA_MAX);
	l->meta_len = npk__cur_u16(&c);
	l->meta = npk__cur_take(&c, l->meta_len);
	NPK_FAIL_IF(c.bad, err, NPK_E_FORMAT, "leaf data: truncated in its metadata");
	NPK_FORWARD(leaf_meta_check(l->meta, l->meta_len, err));
	l->salt = npk__cur_take(&c, 16);
	NPK_FAIL_IF(c.bad, err, NPK_E_FORMAT, "leaf data: truncated in its salt");
	NPK_FAIL_IF(npk__cur_left(&c) != 0, err, NPK_E_FORMAT, "leaf data: %zu bytes after the salt",
	            npk__cur_left(&c));
	return NPK_OK;
}

/* ---- Hashes (RFC 9162 2.1.1) ---- */

void npk__leaf_hash(const uint8_t *leaf, size_t len, uint8_t out[32])
{
	static const uint8_t zero = 0x00;
	crypto_hash_sha256_state st;
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, &zero, 1);
	crypto_hash_sha256_update(&st, leaf, len);
	crypto_hash_sha256_final(&st, out);
}

void npk__node_hash(const uint8_t l[32], const uint8_t r[32], uint8_t out[32])
{
	uint8_t in[65];
	in[0] = 0x01;
	memcpy(in + 1, l, 32);
	memcpy(in + 33, r, 32);
	crypto_hash_sha256(out, in, sizeof in);
}

/* stack[i] is the root of a perfect subtree, one for each set bit of n,
 * the largest first: adding a leaf merges the equal-sized ones on top. */
void npk__mth_init(npk_mth *t)
{
	memset(t, 0, sizeof *t);
}

void npk__mth_add(npk_mth *t, const uint8_t leaf_hash[32])
{
	unsigned top = (unsigned)__builtin_popcountll(t->n);
	uint8_t h[32];
	memcpy(h, leaf_hash, 32);
	for (uint64_t c = t->n; c & 1; c >>= 1)
		npk__node_hash(t->stack[--top], h, h);
	memcpy(t->stack[top], h, 32);
	t->n++;
}

void npk__mth_root(const npk_mth *t, uint8_t out[32])
{
	unsigned top = (unsigned)__builtin_popcountll(t->n);
	if (top == 0) {
		crypto_hash_sha256(out, NULL, 0);
		return;
	}
	uint8_t h[32];
	memcpy(h, t->stack[top - 1], 32);
	for (unsigned i = top - 1; i-- > 0;)
		npk__node_hash(t->stack[i], h, h);
	memcpy(out, h, 32);
}

/* ---- Inclusion proofs (RFC 9162 2.1.3) ---- */

static unsigned bit_len(uint64_t x)
{
	return x ? 64u - (unsigned)__builtin_clzll(x) : 0u;
}

unsigned npk__proof_len(uint64_t m, uint64_t n)
{
	if (m >= n)
		return 0;
	unsigned inner = bit_len(m ^ (n - 1));
	unsigned border = inner < 64 ? (unsigned)__builtin_popcountll(m >> inner) : 0u;
	return inner + border;
}

/* RFC 9162 2.1.3.2, as transparency-dev/merkle proof/verify.go. */
int npk__verify_inclusion(uint64_t m, uint64_t n, const uint8_t leaf_hash[32],
                          const uint8_t (*path)[32], unsigned len, const uint8_t root[32],
                          const char **why)
{
	uint8_t r[32];
	const char *dummy;
	if (why == NULL)
		why = &dummy;
	if (npk__inclusion_root(m, n, leaf_hash, path, len, r, why) != 0)
		return -1;
	if (!npk__digest_same(r, root))
		return *why = "the hashes do not lead to the root", -1;
	return 0;
}

int npk__inclusion_root(uint64_t m, uint64_t n, const uint8_t leaf_hash[32],
                        const uint8_t (*path)[32], unsigned len, uint8_t r[32],
                        const char **why)
{
	const char *dummy;
	if (why == NULL)
		why = &dummy;
	*why = NULL;
	if (m >= n)
		return *why = "the index is past the tree size", -1;
	if (len != npk__proof_len(m, n))
		return *why = "wrong number of hashes for this index and tree size", -1;
	uint64_t fn = m, sn = n - 1;
	memcpy(r, leaf_hash, 32);
	for (unsigned i = 0; i < len; i++) {
		if (sn == 0)
			return *why = "more hashes than the tree is high", -1;
		if ((fn & 1) || fn == sn) {
			npk__node_hash(path[i], r, r);
			while ((fn & 1) == 0 && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			npk__node_hash(r, path[i], r);
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0)
		return *why = "the hashes stop below the root", -1;
	return 0;
}

/* ---- The stored levels (section type 4) ---- */

int npk__tree_layout(uint64_t n, unsigned stride, uint64_t *section_len)
{
	uint64_t hashes = 0, bytes;
	*section_len = 0;
	if (stride == 0 || stride > NPK_TREE_STRIDE_MAX)
		return -1;
	for (unsigned l = 0; l < 64 && (n >> l) != 0; l += stride)
		if (!npk__add64(hashes, n >> l, &hashes))
			return -1;
	if (!npk__mul64(hashes, 32, &bytes) || !npk__add64(bytes, NPK_TREE_HEADER, section_len))
		return -1;
	return 0;
}

uint64_t npk__tree_level_offset(uint64_t n, unsigned stride, unsigned level)
{
	uint64_t hashes = 0, bytes, off;
	if (stride == 0 || stride > NPK_TREE_STRIDE_MAX)
		return UINT64_MAX;
	for (unsigned l = 0; l < level && l < 64 && (n >> l) != 0; l += stride)
		if (!npk__add64(hashes, n >> l, &hashes))
			return UINT64_MAX;
	if (!npk__mul64(hashes, 32, &bytes) || !npk__add64(bytes, NPK_TREE_HEADER, &off))
		return UINT64_MAX;
	return off;
}

/* Reading stored nodes through the caller's callback: every offset and
 * length is checked against the section's length from the layout. */
typedef struct tree_rd {
	uint64_t n, len;          /* leaves; the section's length */
	unsigned s;               /* stride */
	npk_tree_read rd;
	void *ctx;
	uint8_t *buf;             /* a block of 2^r stored hashes */
	size_t cap;
	npk_error *err;
} tree_rd;

static int tree_open(tree_rd *t, uint64_t n, unsigned stride, npk_tree_read rd, void *ctx,
                     npk_error *err)
{
	memset(t, 0, sizeof *t);
	NPK_FAIL_IF(stride == 0 || stride > NPK_TREE_STRIDE_MAX, err, NPK_E_FORMAT,
	            "the Merkle tree section: stride %u is not 1 to %u", stride, NPK_TREE_STRIDE_MAX);
	NPK_FAIL_IF(npk__tree_layout(n, stride, &t->len) != 0, err, NPK_E_FORMAT,
	            "the Merkle tree section: %llu leaves are too many", (unsigned long long)n);
	NPK_FAIL_IF(rd == NULL, err, NPK_E_ARG, "the Merkle tree section: no reader");
	t->n = n;
	t->s = stride;
	t->rd = rd;
	t->ctx = ctx;
	t->err = err;
	return NPK_OK;
}

/* Where the 2^r hashes of stored level l0 from hash first lie in the
 * section: 0, or -1 when they are not all inside level l0. */
static int tree_block(const tree_rd *t, unsigned l0, uint64_t first, uint64_t count,
                      uint64_t *off)
{
	uint64_t base = npk__tree_level_offset(t->n, t->s, l0), last, rel, end;
	if (l0 >= 64 || base == UINT64_MAX || !npk__add64(first, count, &last) ||
	    last > (t->n >> l0) || !npk__mul64(first, 32, &rel) || !npk__add64(base, rel, off) ||
	    !npk__add64(*off, 32 * count, &end) || end > t->len)
		return -1;
	return 0;
}

/* node(L, i) of 15.13: a stored hash, or the root of the perfect tree over
 * the 2^r hashes of the stored level L0 = L - r below it (one read). */
static int tree_node(tree_rd *t, unsigned level, uint64_t i, uint8_t out[32])
{
	unsigned r = level % t->s, l0 = level - r;
	uint64_t count = (uint64_t)1 << r, off;
	NPK_FAIL_IF(level >= 64 || i > (UINT64_MAX >> r) || tree_block(t, l0, i << r, count, &off) != 0,
	            t->err, NPK_E_FORMAT, "the Merkle tree section: node %llu of level %u is not in it",
	            (unsigned long long)i, level);
	if (count == 1)
		return t->rd(t->ctx, off, out, 32, t->err);
	size_t bytes = (size_t)(32 * count);
	if (t->cap < bytes) {
		uint8_t *p = realloc(t->buf, bytes);
		NPK_FAIL_IF(p == NULL, t->err, NPK_E_NOMEM, "the Merkle tree section: out of memory");
		t->buf = p;
		t->cap = bytes;
	}
	NPK_FORWARD(t->rd(t->ctx, off, t->buf, bytes, t->err));
	for (uint64_t w = count; w > 1; w /= 2)
		for (uint64_t j = 0; j < w / 2; j++)
			npk__node_hash(t->buf + 64 * j, t->buf + 64 * j + 32, t->buf + 32 * j);
	memcpy(out, t->buf, 32);
	return NPK_OK;
}

/* The largest power of two below w (w >= 2). */
static uint64_t split_point(uint64_t w)
{
	return (uint64_t)1 << (bit_len(w - 1) - 1);
}

/* mth(a, b) of 15.13 from the stored nodes (0 <= a < b <= n): a range of
 * RFC 9162 (a perfect subtree, or one that ends at n) takes O(log n)
 * nodes; the recursion is at most 64 deep. */
static int tree_mth(tree_rd *t, uint64_t a, uint64_t b, uint8_t out[32])
{
	uint64_t w = b - a;
	if ((w & (w - 1)) == 0 && (a & (w - 1)) == 0) {
		unsigned level = (unsigned)__builtin_ctzll(w);
		return tree_node(t, level, a >> level, out);
	}
	uint64_t k = split_point(w);
	uint8_t l[32], r[32];
	NPK_FORWARD(tree_mth(t, a, a + k, l));
	NPK_FORWARD(tree_mth(t, a + k, b, r));
	npk__node_hash(l, r, out);
	return NPK_OK;
}

/* PATH(m, D[0:n]) of RFC 9162 2.1.3.1 from the root down, each step one
 * mth of the other side; given leaf upward. */
int npk__tree_path(uint64_t n, unsigned stride, npk_tree_read rd, void *ctx, uint64_t m,
                   uint8_t (*path)[32], unsigned *len, npk_error *err)
{
	tree_rd t;
	uint8_t down[NPK_PROOF_HASHES_MAX][32];
	unsigned d = 0;
	int rc = NPK_OK;
	*len = 0;
	NPK_FORWARD(tree_open(&t, n, stride, rd, ctx, err));
	NPK_FAIL_IF(m >= n, err, NPK_E_ARG, "leaf %llu is past the Merkle tree's %llu leaves",
	            (unsigned long long)m, (unsigned long long)n);
	for (uint64_t a = 0, b = n; b - a > 1 && rc == NPK_OK;) {
		uint64_t k = split_point(b - a);
		if (m < a + k) {
			rc = tree_mth(&t, a + k, b, down[d++]);
			b = a + k;
		} else {
			rc = tree_mth(&t, a, a + k, down[d++]);
			a += k;
		}
	}
	free(t.buf);
	if (rc != NPK_OK)
		return rc;
	for (unsigned i = 0; i < d; i++)
		memcpy(path[i], down[d - 1 - i], 32);
	*len = d;
	return NPK_OK;
}

int npk__tree_root(uint64_t n, unsigned stride, npk_tree_read rd, void *ctx, uint8_t out[32],
                   npk_error *err)
{
	tree_rd t;
	NPK_FORWARD(tree_open(&t, n, stride, rd, ctx, err));
	if (n == 0) {
		crypto_hash_sha256(out, NULL, 0);
		return NPK_OK;
	}
	int rc = tree_mth(&t, 0, n, out);
	free(t.buf);
	return rc;
}

void npk__perfect_root(uint8_t *h, size_t count)
{
	for (; count > 1; count /= 2)
		for (size_t j = 0; j < count / 2; j++)
			npk__node_hash(h + 64 * j, h + 64 * j + 32, h + 32 * j);
}

const char *npk__tree_header_problem(const uint8_t *h, uint64_t n, uint64_t len)
{
	uint64_t want = 0;
	return memcmp(h, NPK_TREE_MAGIC, 8) != 0 ? "has a bad magic"
	       : npk__ld64(h + 8) != n ? "has another number of leaves than the manifest's root"
	       : h[16] < 1 || h[16] > NPK_TREE_STRIDE_MAX ? "has a stride outside 1 to 16"
	       : !sodium_is_zero(h + 17, 7) ? "has reserved bytes that are not zero"
	       : npk__tree_layout(n, h[16], &want) != 0 || want != len
	           ? "is not as long as the levels it must hold"
	           : NULL;
}

/* ---- Consistency proofs (RFC 9162 2.1.4; spec/format.md 15.15) ---- */

/* PROOF(m, D[0:n]) of RFC 9162 2.1.4.1, SUBPROOF unrolled from the root
 * down with absolute leaf numbers: each step one mth of the other side;
 * given deepest first, as the RFC appends them. */
int npk__tree_consistency(uint64_t m, uint64_t n, unsigned stride, npk_tree_read rd, void *ctx,
                          uint8_t (*proof)[32], unsigned *len, npk_error *err)
{
	tree_rd t;
	uint8_t down[NPK_PROOF_HASHES_MAX][32];
	unsigned d = 0;
	int rc = NPK_OK, whole = 1;
	*len = 0;
	NPK_FORWARD(tree_open(&t, n, stride, rd, ctx, err));
	NPK_FAIL_IF(m > n, err, NPK_E_ARG, "a consistency proof from %llu to %llu leaves: the tree shrank",
	            (unsigned long long)m, (unsigned long long)n);
	if (m == 0 || m == n)
		return NPK_OK;        /* empty: 15.15 (m = 0), RFC 9162 (m = n) */
	uint64_t a = 0, b = n;
	while (rc == NPK_OK && m != b) {
		uint64_t k = split_point(b - a);
		if (m <= a + k) {
			rc = tree_mth(&t, a + k, b, down[d++]);
			b = a + k;
		} else {
			rc = tree_mth(&t, a, a + k, down[d++]);
			a += k;
			whole = 0;
		}
	}
	if (rc == NPK_OK && !whole)
		rc = tree_mth(&t, a, b, down[d++]);   /* MTH(D[m]) of SUBPROOF(m, D[m], false) */
	free(t.buf);
	if (rc != NPK_OK)
		return rc;
	for (unsigned i = 0; i < d; i++)
		memcpy(proof[i], down[d - 1 - i], 32);
	*len = d;
	return NPK_OK;
}

/* chainInner / chainInnerRight / chainBorderRight of verify.go: the
 * hashes of the inner part of the path to leaf m - 1, at the levels from
 * the seed's up, on either side (both) or only those on the left. */
static void chain_inner(uint8_t h[32], const uint8_t (*p)[32], unsigned len, uint64_t mask,
                        int right_only)
{
	for (unsigned i = 0; i < len; i++) {
		if ((mask >> i) & 1)
			npk__node_hash(p[i], h, h);
		else if (!right_only)
			npk__node_hash(h, p[i], h);
	}
}

static void chain_border(uint8_t h[32], const uint8_t (*p)[32], unsigned len)
{
	for (unsigned i = 0; i < len; i++)
		npk__node_hash(p[i], h, h);
}

/* RFC 9162 2.1.4.2, as transparency-dev/merkle proof/verify.go
 * VerifyConsistency: every rule on the sizes and the proof's length
 * before any hash. */
int npk__verify_consistency(uint64_t m, uint64_t n, const uint8_t root_m[32],
                            const uint8_t root_n[32], const uint8_t (*proof)[32], unsigned len,
                            const char **why)
{
	const char *dummy;
	if (why == NULL)
		why = &dummy;
	*why = NULL;
	if (n < m)
		return *why = "the newer tree is smaller than the older one", -1;
	if (m == n) {
		if (len != 0)
			return *why = "the trees are of one size but the proof is not empty", -1;
		if (!npk__digest_same(root_m, root_n))
			return *why = "the trees are of one size but their roots differ", -1;
		return 0;
	}
	if (m == 0)
		return len != 0 ? (*why = "a proof from the empty tree must be empty", -1) : 0;
	if (len == 0)
		return *why = "the proof is empty", -1;
	unsigned inner = bit_len((m - 1) ^ (n - 1)), shift = (unsigned)__builtin_ctzll(m);
	unsigned border = inner < 64 ? (unsigned)__builtin_popcountll((m - 1) >> inner) : 0u;
	inner -= shift;           /* shift < inner when m < n */
	const uint8_t *seed = root_m;
	unsigned start = 0;
	if (m != (uint64_t)1 << shift) {
		seed = proof[0];
		start = 1;
	}
	if (len != start + inner + border)
		return *why = "wrong number of hashes for these tree sizes", -1;
	uint64_t mask = (m - 1) >> shift;
	uint8_t h1[32], h2[32];
	memcpy(h1, seed, 32);
	memcpy(h2, seed, 32);
	chain_inner(h1, proof + start, inner, mask, 1);
	chain_border(h1, proof + start + inner, border);
	if (!npk__digest_same(h1, root_m))
		return *why = "the proof does not lead to the older root", -1;
	chain_inner(h2, proof + start, inner, mask, 0);
	chain_border(h2, proof + start + inner, border);
	if (!npk__digest_same(h2, root_n))
		return *why = "the proof does not lead to the newer root", -1;
	return 0;
}
