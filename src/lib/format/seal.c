/*
 * seal.c - the cryptography of sealed archives (spec/format.md 15.17),
 * with libsodium only: BLAKE2b keyed for every derived key, XChaCha20-
 * Poly1305 for every object and stanza, X25519 and Argon2id to give the
 * file key to its recipients. Secrets on the stack are wiped before return.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/base.h"
#include "format/seal.h"

static const char l_commit[] = "npk1 commitment";
static const char l_objects[] = "npk1 objects";
static const char l_object[] = "npk1 object";
static const char l_x25519[] = "npk1 x25519";
static const char l_stanza[] = "npk1 stanza";
static const char l_recipient[] = "npk1 recipient";
static const char l_tree[] = "npk1 tree";
static const char l_root[] = "npk1 root";
#define LEN(s) (sizeof(s) - 1)

/* KH(key, label || a || b): BLAKE2b-256 keyed with a 32-byte key. */
static void kh(uint8_t out[32], const uint8_t key[32], const char *label, size_t llen,
               const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	crypto_generichash_state st;
	crypto_generichash_init(&st, key, 32, 32);
	crypto_generichash_update(&st, (const uint8_t *)label, llen);
	if (alen > 0)
		crypto_generichash_update(&st, a, alen);
	if (blen > 0)
		crypto_generichash_update(&st, b, blen);
	crypto_generichash_final(&st, out, 32);
	sodium_memzero(&st, sizeof st);
}

void npk__seal_random(uint8_t *buf, size_t n, unsigned label, uint64_t index)
{
#ifdef NPK_FUZZING
	const char *seed = getenv("NPK_TEST_SEED");
	if (seed != NULL) {
		uint8_t m[9], key[32];
		crypto_generichash(key, 32, (const uint8_t *)seed, strlen(seed), NULL, 0);
		m[0] = (uint8_t)label;
		npk__st64(m + 1, index);
		crypto_generichash(buf, n, m, sizeof m, key, 32); /* n <= 64 */
		return;
	}
#else
	(void)label;
	(void)index;
#endif
	randombytes_buf(buf, n);
}

void npk__seal_derive(npk__seal_keys *k)
{
	kh(k->commit, k->fk, l_commit, LEN(l_commit), k->fid, 32, NULL, 0);
	kh(k->ok, k->fk, l_objects, LEN(l_objects), k->fid, 32, NULL, 0);
}

int npk__seal_commit_ok(const npk__seal_keys *k, const uint8_t fk[NPK__SEAL_KEY])
{
	uint8_t c[32];
	kh(c, fk, l_commit, LEN(l_commit), k->fid, 32, NULL, 0);
	int same = sodium_memcmp(c, k->commit, 32) == 0;
	sodium_memzero(c, sizeof c);
	return same;
}

void npk__seal_tag(const uint8_t fk[NPK__SEAL_KEY], const uint8_t rpk[32], uint8_t tag[32])
{
	kh(tag, fk, l_recipient, LEN(l_recipient), rpk, 32, NULL, 0);
}

void npk__seal_tree_key(const npk__seal_keys *k, uint8_t kt[32])
{
	kh(kt, k->fk, l_tree, LEN(l_tree), k->fid, 32, NULL, 0);
}

void npk__seal_root_commit(const uint8_t kt[32], uint64_t n, const uint8_t root[32],
                           uint8_t c[32])
{
	uint8_t m[40];
	npk__st64(m, n);
	memcpy(m + 8, root, 32);
	kh(c, kt, l_root, LEN(l_root), m, sizeof m, NULL, 0);
}

void npk__seal_object_key(const npk__seal_keys *k, unsigned kind, uint64_t n,
                          uint8_t key[NPK__SEAL_KEY])
{
	uint8_t m[9];
	m[0] = (uint8_t)kind;
	npk__st64(m + 1, n);
	kh(key, k->ok, l_object, LEN(l_object), m, sizeof m, NULL, 0);
}

uint64_t npk__padme(uint64_t L)
{
	if (L < 2)
		return L;
	unsigned E = 63 - (unsigned)__builtin_clzll(L);
	unsigned S = (31 - (unsigned)__builtin_clz(E ? E : 1)) + 1;
	if (E == 0)
		S = 1;
	unsigned z = E - S;
	uint64_t mask = ((uint64_t)1 << z) - 1;
	if (L > UINT64_MAX - mask)
		return 0;
	return (L + mask) & ~mask;
}

uint64_t npk__seal_stored_len(uint64_t len)
{
	if (len > UINT32_MAX)
		return 0;
	uint64_t s = npk__padme(NPK__SEAL_OVERHEAD + len);
	return s > UINT32_MAX ? 0 : s;
}

/* ad = "npk1" || fid || u8 kind || u64 n || u64 v */
static void seal_ad(uint8_t ad[53], const npk__seal_keys *k, unsigned kind, uint64_t n,
                    uint64_t v)
{
	memcpy(ad, "npk1", 4);
	memcpy(ad + 4, k->fid, 32);
	ad[36] = (uint8_t)kind;
	npk__st64(ad + 37, n);
	npk__st64(ad + 45, v);
}

void npk__seal(const npk__seal_keys *k, unsigned kind, uint64_t n, uint64_t v,
               const uint8_t *inner, size_t len, const uint8_t nonce[NPK__SEAL_NONCE],
               uint8_t *out)
{
	uint64_t stored = npk__seal_stored_len(len);
	size_t P = (size_t)stored - NPK__SEAL_OVERHEAD + 4;   /* the plaintext: prefix, inner, zeros */
	uint8_t *plain = out + NPK__SEAL_NONCE;               /* encrypted in place */
	memmove(plain + 4, inner, len);
	npk__st32(plain, (uint32_t)len);
	memset(plain + 4 + len, 0, P - 4 - len);
	memcpy(out, nonce, NPK__SEAL_NONCE);
	uint8_t ad[53], key[NPK__SEAL_KEY];
	seal_ad(ad, k, kind, n, v);
	npk__seal_object_key(k, kind, n, key);
	crypto_aead_xchacha20poly1305_ietf_encrypt(plain, NULL, plain, P, ad, sizeof ad, NULL,
	                                           nonce, key);
	sodium_memzero(key, sizeof key);
}

/* Whether p[0..n) are all zero. The padding is no secret: memcmp's pace,
 * not sodium_is_zero's constant time, a byte at a time. */
static int zeros(const uint8_t *p, size_t n)
{
	return n == 0 || (p[0] == 0 && memcmp(p, p + 1, n - 1) == 0);
}

int npk__seal_open(const npk__seal_keys *k, unsigned kind, uint64_t n, uint64_t v,
                   const uint8_t *stored, size_t slen, uint8_t *plain,
                   const uint8_t **inner, size_t *len, const char *what, npk_error *err)
{
	NPK_FAIL_IF(slen < NPK__SEAL_OVERHEAD, err, NPK_E_FORMAT,
	            "%s: %zu bytes, too short to be sealed (at least 44)", what, slen);
	uint8_t ad[53], key[NPK__SEAL_KEY];
	seal_ad(ad, k, kind, n, v);
	npk__seal_object_key(k, kind, n, key);
	unsigned long long plen;
	int bad = crypto_aead_xchacha20poly1305_ietf_decrypt(
		plain, &plen, NULL, stored + NPK__SEAL_NONCE, slen - NPK__SEAL_NONCE, ad, sizeof ad,
		stored, key);
	sodium_memzero(key, sizeof key);
	NPK_FAIL_IF(bad != 0, err, NPK_E_DIGEST,
	            "%s cannot be decrypted: its bytes, its place or its key is wrong", what);
	uint32_t ilen = npk__ld32(plain);
	NPK_FAIL_IF((uint64_t)ilen + 4 > plen, err, NPK_E_FORMAT,
	            "%s: its length (%u bytes) is more than it holds (%llu)", what, ilen, plen - 4);
	NPK_FAIL_IF(!zeros(plain + 4 + ilen, (size_t)plen - 4 - ilen), err, NPK_E_FORMAT,
	            "%s: its padding is not zero", what);
	*inner = plain + 4;
	*len = ilen;
	return NPK_OK;
}

/* libsodium's XChaCha20-Poly1305-IETF taken apart (draft-irtf-cfrg-xchacha
 * 2.3, RFC 8439 2.8): the subkey HChaCha20(key, nonce[0..16]), the
 * ChaCha20 nonce 0^4 || nonce[16..24], the Poly1305 key from block 0, the
 * plaintext from block 1 on. */
int npk__seal_open_stream(const npk__seal_keys *k, unsigned kind, uint64_t n, uint64_t v,
                          uint8_t *stored, size_t slen, npk__seal_stream *s, size_t *inner_len,
                          const char *what, npk_error *err)
{
	NPK_FAIL_IF(slen < NPK__SEAL_OVERHEAD, err, NPK_E_FORMAT,
	            "%s: %zu bytes, too short to be sealed (at least 44)", what, slen);
	uint8_t ad[53], key[NPK__SEAL_KEY], block0[64], pad[16] = {0}, lens[16], mac[16];
	seal_ad(ad, k, kind, n, v);
	npk__seal_object_key(k, kind, n, key);
	crypto_core_hchacha20(s->key, stored, key, NULL);
	sodium_memzero(key, sizeof key);
	memset(s->nonce, 0, 4);
	memcpy(s->nonce + 4, stored + 16, 8);
	s->p = stored + NPK__SEAL_NONCE;
	s->plen = slen - NPK__SEAL_NONCE - NPK__SEAL_TAG;
	s->done = 0;
	crypto_stream_chacha20_ietf(block0, sizeof block0, s->nonce, s->key);
	crypto_onetimeauth_poly1305_state st;
	crypto_onetimeauth_poly1305_init(&st, block0);
	sodium_memzero(block0, sizeof block0);
	crypto_onetimeauth_poly1305_update(&st, ad, sizeof ad);
	crypto_onetimeauth_poly1305_update(&st, pad, (16 - sizeof ad % 16) % 16);
	crypto_onetimeauth_poly1305_update(&st, s->p, s->plen);
	crypto_onetimeauth_poly1305_update(&st, pad, (16 - s->plen % 16) % 16);
	npk__st64(lens, sizeof ad);
	npk__st64(lens + 8, s->plen);
	crypto_onetimeauth_poly1305_update(&st, lens, sizeof lens);
	crypto_onetimeauth_poly1305_final(&st, mac);
	sodium_memzero(&st, sizeof st);
	if (crypto_verify_16(mac, s->p + s->plen) != 0) {
		npk__seal_stream_end(s);
		return npk__fail(err, NPK_E_DIGEST,
		                 "%s cannot be decrypted: its bytes, its place or its key is wrong", what);
	}
	npk__seal_stream_upto(s, 4);
	uint32_t ilen = npk__ld32(s->p);
	if ((uint64_t)ilen + 4 > s->plen) {
		npk__seal_stream_end(s);
		return npk__fail(err, NPK_E_FORMAT, "%s: its length (%u bytes) is more than it holds (%zu)",
		                 what, ilen, s->plen - 4);
	}
	*inner_len = ilen;
	return NPK_OK;
}

void npk__seal_stream_upto(npk__seal_stream *s, size_t upto)
{
	if (upto > s->plen)
		upto = s->plen;
	if (upto <= s->done)
		return;
	size_t end = (upto + 63) & ~(size_t)63;
	if (end > s->plen)
		end = s->plen;
	/* block 1 holds the plaintext's first 64 bytes */
	crypto_stream_chacha20_ietf_xor_ic(s->p + s->done, s->p + s->done, end - s->done, s->nonce,
	                                   (uint32_t)(1 + s->done / 64), s->key);
	s->done = end;
}

void npk__seal_stream_end(npk__seal_stream *s)
{
	sodium_memzero(s->key, sizeof s->key);
}

/* ---- Stanzas (15.17.4) ---- */

/* w = KH(X25519(sec, pub), "npk1 x25519" || epk || rpk); -1 when the
 * shared point is zero (a key of low order). */
static int x25519_wrap(uint8_t w[32], const uint8_t sec[32], const uint8_t pub[32],
                       const uint8_t epk[32], const uint8_t rpk[32])
{
	uint8_t s[32];
	if (crypto_scalarmult(s, sec, pub) != 0) {
		sodium_memzero(s, sizeof s);
		return -1;
	}
	kh(w, s, l_x25519, LEN(l_x25519), epk, 32, rpk, 32);
	sodium_memzero(s, sizeof s);
	return 0;
}

int npk__stanza_x25519_make(const uint8_t rpk[32], const uint8_t esk[32],
                            const uint8_t fk[NPK__SEAL_KEY], uint8_t body[NPK__STANZA_X25519_LEN],
                            npk_error *err)
{
	static const uint8_t zero[NPK__SEAL_NONCE];
	uint8_t epk[32], w[32];
	crypto_scalarmult_base(epk, esk);
	NPK_FAIL_IF(x25519_wrap(w, esk, rpk, epk, rpk) != 0, err, NPK_E_KEY,
	            "the recipient's key is of low order: no secret can be shared with it");
	memcpy(body, epk, 32);
	crypto_aead_xchacha20poly1305_ietf_encrypt(body + 32, NULL, fk, NPK__SEAL_KEY,
	                                           (const uint8_t *)l_stanza, LEN(l_stanza), NULL,
	                                           zero, w);
	sodium_memzero(w, sizeof w);
	return NPK_OK;
}

int npk__stanza_x25519_new(const uint8_t rpk[32], const uint8_t fk[NPK__SEAL_KEY],
                           uint64_t index, uint8_t body[NPK__STANZA_X25519_LEN],
                           uint8_t tag[32], npk_error *err)
{
	uint8_t esk[32];
	npk__seal_random(esk, sizeof esk, NPK__RND_ESK, index);
	int rc = npk__stanza_x25519_make(rpk, esk, fk, body, err);
	sodium_memzero(esk, sizeof esk);
	NPK_FORWARD(rc);
	npk__seal_tag(fk, rpk, tag);
	return NPK_OK;
}

int npk__stanza_x25519_open(const uint8_t rsk[32], const uint8_t rpk[32],
                            const uint8_t body[NPK__STANZA_X25519_LEN], uint8_t fk[NPK__SEAL_KEY])
{
	static const uint8_t zero[NPK__SEAL_NONCE];
	uint8_t w[32];
	if (x25519_wrap(w, rsk, body, body, rpk) != 0)
		return NPK_E_NOTFOUND;
	int bad = crypto_aead_xchacha20poly1305_ietf_decrypt(
		fk, NULL, NULL, body + 32, NPK__SEAL_KEY + NPK__SEAL_TAG, (const uint8_t *)l_stanza,
		LEN(l_stanza), zero, w);
	sodium_memzero(w, sizeof w);
	if (bad != 0) {
		sodium_memzero(fk, NPK__SEAL_KEY);
		return NPK_E_NOTFOUND;
	}
	return NPK_OK;
}

/* ad = "npk1 stanza" || salt || u32 ops || u32 mem_kib */
static void pass_ad(uint8_t ad[LEN(l_stanza) + 24], const uint8_t *salt, uint32_t ops,
                    uint32_t mem)
{
	memcpy(ad, l_stanza, LEN(l_stanza));
	memcpy(ad + LEN(l_stanza), salt, NPK__PASS_SALT);
	npk__st32(ad + LEN(l_stanza) + 16, ops);
	npk__st32(ad + LEN(l_stanza) + 20, mem);
}

static int pass_wrap(uint8_t *w, const char *pass, size_t plen, const uint8_t *salt,
                     uint32_t ops, uint32_t mem, npk_error *err)
{
	NPK_FAIL_IF(ops < 1 || ops > NPK__PASS_OPS_MAX || mem < NPK__PASS_MEM_KIB_MIN ||
	            mem > NPK__PASS_MEM_KIB_MAX, err, NPK_E_LIMIT,
	            "Argon2id parameters above the caps: %u passes over %u KiB (at most %u passes, "
	            "%u to %u KiB)", ops, mem, NPK__PASS_OPS_MAX, NPK__PASS_MEM_KIB_MIN,
	            NPK__PASS_MEM_KIB_MAX);
	NPK_FAIL_IF(crypto_pwhash(w, 32, pass, plen, salt, ops, (size_t)mem * 1024,
	                          crypto_pwhash_ALG_ARGON2ID13) != 0, err, NPK_E_NOMEM,
	            "Argon2id: out of memory (it needs %u MiB)", mem / 1024);
	return NPK_OK;
}

int npk__stanza_pass_make(const char *pass, size_t plen, const uint8_t salt[NPK__PASS_SALT],
                          uint32_t ops, uint32_t mem_kib, const uint8_t nonce[NPK__SEAL_NONCE],
                          const uint8_t fk[NPK__SEAL_KEY], uint8_t body[NPK__STANZA_PASS_LEN],
                          npk_error *err)
{
	uint8_t w[32];
	int rc = pass_wrap(w, pass, plen, salt, ops, mem_kib, err);
	if (rc == NPK_OK) {
		uint8_t ad[LEN(l_stanza) + 24];
		pass_ad(ad, salt, ops, mem_kib);
		memcpy(body, salt, NPK__PASS_SALT);
		npk__st32(body + 16, ops);
		npk__st32(body + 20, mem_kib);
		memcpy(body + 24, nonce, NPK__SEAL_NONCE);
		crypto_aead_xchacha20poly1305_ietf_encrypt(body + 48, NULL, fk, NPK__SEAL_KEY, ad,
		                                           sizeof ad, NULL, nonce, w);
	}
	sodium_memzero(w, sizeof w);
	return rc;
}

int npk__stanza_pass_open(const char *pass, size_t plen, const uint8_t body[NPK__STANZA_PASS_LEN],
                          uint8_t fk[NPK__SEAL_KEY], npk_error *err)
{
	uint32_t ops = npk__ld32(body + 16), mem = npk__ld32(body + 20);
	uint8_t w[32];
	int rc = pass_wrap(w, pass, plen, body, ops, mem, err);
	if (rc == NPK_OK) {
		uint8_t ad[LEN(l_stanza) + 24];
		pass_ad(ad, body, ops, mem);
		if (crypto_aead_xchacha20poly1305_ietf_decrypt(fk, NULL, NULL, body + 48,
		                                               NPK__SEAL_KEY + NPK__SEAL_TAG, ad,
		                                               sizeof ad, body + 24, w) != 0) {
			sodium_memzero(fk, NPK__SEAL_KEY);
			rc = NPK_E_NOTFOUND;
		}
	}
	sodium_memzero(w, sizeof w);
	return rc;
}
