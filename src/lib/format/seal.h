/*
 * seal.h - the cryptography of sealed archives (spec/format.md 15.17):
 * the keys derived from a file key, the key commitment, the recipients'
 * stanzas and the sealing of one object. Every random input (file key,
 * file id, nonces, ephemeral secrets, salts) is given by the caller, so
 * that the vectors are fixed; the writer draws them with randombytes_buf.
 */
#ifndef NPK_SEAL_H
#define NPK_SEAL_H

#include <stddef.h>
#include <stdint.h>

#include "newspack.h"

#define NPK__SEAL_KEY 32
#define NPK__SEAL_NONCE 24
#define NPK__SEAL_TAG 16
#define NPK__SEAL_OVERHEAD 44      /* nonce, length prefix, tag: 24 + 4 + 16 */

/* 15.17.2: kinds of sealed objects */
#define NPK__SEAL_CLUSTER 1
#define NPK__SEAL_PAGE 2
#define NPK__SEAL_MANIFEST 3
#define NPK__SEAL_CHUNK 4
#define NPK__SEAL_PASS_STANZA 5   /* not a kind: the passphrase stanza's nonce (npk__seal_random) */

#define NPK__SEAL_CHUNK_BYTES 65536u  /* a section's plaintext per chunk (15.17.6) */

/* 15.17.4: stanza types and bodies */
#define NPK__STANZA_X25519 1
#define NPK__STANZA_PASSPHRASE 2
#define NPK__STANZA_X25519_LEN 80
#define NPK__STANZA_PASS_LEN 96
#define NPK__PASS_SALT 16
#define NPK__PASS_OPS 3u             /* what newspack writes */
#define NPK__PASS_MEM_KIB 262144u    /* 256 MiB */
#define NPK__PASS_OPS_MAX 12u        /* what a reader accepts */
#define NPK__PASS_MEM_KIB_MIN 8u
#define NPK__PASS_MEM_KIB_MAX 262144u

/* The keys of one file: fk and fid given, commit and ok derived. */
typedef struct npk__seal_keys {
	uint8_t fk[NPK__SEAL_KEY];
	uint8_t fid[32];
	uint8_t commit[32];
	uint8_t ok[NPK__SEAL_KEY];
} npk__seal_keys;

/* commit and ok of k from its fk and fid (15.17.2). */
void npk__seal_derive(npk__seal_keys *k);
/* key(kind, n) (15.17.2). */
void npk__seal_object_key(const npk__seal_keys *k, unsigned kind, uint64_t n,
                          uint8_t key[NPK__SEAL_KEY]);
/* The recipient tag of an X25519 stanza for rpk (15.17.6, extension type
 * 4 of the sealed manifest): KH(fk, "npk1 recipient" || rpk). */
void npk__seal_tag(const uint8_t fk[NPK__SEAL_KEY], const uint8_t rpk[32], uint8_t tag[32]);
#define NPK__SMAN_EXT_TAGS 4u      /* the sealed manifest's recipient tags */
#define NPK__SMAN_EXT_LINK 3u      /* 15.17.8: an edition's prev_tree_size, sealed */
/* 15.17.6: the tree key kt = KH(fk, "npk1 tree" || fid), which a proof
 * discloses, and the commitment to the sealed Merkle root that the
 * manifest shows (extension type 4): KH(kt, "npk1 root" || u64 n || root). */
void npk__seal_tree_key(const npk__seal_keys *k, uint8_t kt[32]);
void npk__seal_root_commit(const uint8_t kt[32], uint64_t n, const uint8_t root[32],
                           uint8_t c[32]);
/* PADME (15.17.5); 0 when L is too large to pad. */
uint64_t npk__padme(uint64_t L);
/* The stored length of an object whose inner bytes are len long:
 * padme(44 + len); 0 when that would pass 2^32 - 1. */
uint64_t npk__seal_stored_len(uint64_t len);
/* seal(kind, n, v, inner) into out, npk__seal_stored_len(len) bytes,
 * with the given nonce (15.17.5). inner may be out itself: sealed in
 * place. */
void npk__seal(const npk__seal_keys *k, unsigned kind, uint64_t n, uint64_t v,
               const uint8_t *inner, size_t len, const uint8_t nonce[NPK__SEAL_NONCE],
               uint8_t *out);
/* Opens stored (slen bytes) into plain (at least slen - 24 bytes; plain
 * may be stored + 24, to open it in place, as libsodium allows): *inner and
 * *len name the inner bytes within plain. NPK_E_DIGEST when it does not
 * open ("cannot be decrypted"), NPK_E_FORMAT for a bad length or padding;
 * what names the object in messages. */
int npk__seal_open(const npk__seal_keys *k, unsigned kind, uint64_t n, uint64_t v,
                   const uint8_t *stored, size_t slen, uint8_t *plain,
                   const uint8_t **inner, size_t *len, const char *what, npk_error *err);

/* An object opened to read a prefix of its plaintext: npk__seal_open_stream
 * checks the Poly1305 tag over the whole ciphertext (as npk__seal_open
 * does, the same verdict on the same bytes), then decrypts in place, with
 * the same XChaCha20 keystream, only as far as npk__seal_stream_upto is
 * asked: a document read from the front of a cluster does not pay for
 * the cluster's tail. The padding past a prefix is not read, as a zlib
 * stream's tail is not (npk__seal_open checks it on a whole read).
 * *inner_len is the inner length, already checked against plen. */
typedef struct {
	uint8_t key[NPK__SEAL_KEY];   /* the XChaCha20 subkey, wiped by _end */
	uint8_t nonce[12];
	uint8_t *p;                   /* the plaintext, where the ciphertext was */
	size_t plen;                  /* length prefix, inner bytes, padding */
	size_t done;                  /* decrypted: a multiple of 64, or plen */
} npk__seal_stream;
int npk__seal_open_stream(const npk__seal_keys *k, unsigned kind, uint64_t n, uint64_t v,
                          uint8_t *stored, size_t slen, npk__seal_stream *s, size_t *inner_len,
                          const char *what, npk_error *err);
/* Decrypts the plaintext's bytes [0, upto) (at most plen). */
void npk__seal_stream_upto(npk__seal_stream *s, size_t upto);
void npk__seal_stream_end(npk__seal_stream *s);

/* Stanzas (15.17.4). make: body of the type's length; NPK_E_KEY for a
 * recipient key of low order. open: NPK_OK with fk filled when it opens,
 * NPK_E_NOTFOUND when it does not (another recipient, another
 * passphrase), NPK_E_LIMIT for Argon2id parameters above the caps,
 * NPK_E_NOMEM. */
int npk__stanza_x25519_make(const uint8_t rpk[32], const uint8_t esk[32],
                            const uint8_t fk[NPK__SEAL_KEY], uint8_t body[NPK__STANZA_X25519_LEN],
                            npk_error *err);
/* What a writer adds for recipient rpk: the stanza made with an ephemeral
 * secret drawn (npk__seal_random; index makes it its own in the testing
 * build) and wiped, and the recipient's tag (npk__seal_tag). */
int npk__stanza_x25519_new(const uint8_t rpk[32], const uint8_t fk[NPK__SEAL_KEY],
                           uint64_t index, uint8_t body[NPK__STANZA_X25519_LEN],
                           uint8_t tag[32], npk_error *err);
int npk__stanza_x25519_open(const uint8_t rsk[32], const uint8_t rpk[32],
                            const uint8_t body[NPK__STANZA_X25519_LEN], uint8_t fk[NPK__SEAL_KEY]);
int npk__stanza_pass_make(const char *pass, size_t plen, const uint8_t salt[NPK__PASS_SALT],
                          uint32_t ops, uint32_t mem_kib, const uint8_t nonce[NPK__SEAL_NONCE],
                          const uint8_t fk[NPK__SEAL_KEY], uint8_t body[NPK__STANZA_PASS_LEN],
                          npk_error *err);
int npk__stanza_pass_open(const char *pass, size_t plen, const uint8_t body[NPK__STANZA_PASS_LEN],
                          uint8_t fk[NPK__SEAL_KEY], npk_error *err);
/* Random bytes for sealing: libsodium's randombytes_buf. Only in the
 * testing build (NPK_FUZZING: the fuzz targets and the vector maker, never
 * installed) and only when $NPK_TEST_SEED is set, they are a function of
 * the seed, the label and the index instead, so that a sealed vector can be
 * made again byte for byte (spec/vectors, vector-1.1-sealed.npk); each draw
 * has its own (label, index), whatever thread makes it. */
enum { NPK__RND_FK = 1, NPK__RND_FID, NPK__RND_ESK, NPK__RND_SALT, NPK__RND_NONCE };
void npk__seal_random(uint8_t *buf, size_t n, unsigned label, uint64_t index);
/* Whether fk matches the commitment of k (k->fid, k->commit set). */
int npk__seal_commit_ok(const npk__seal_keys *k, const uint8_t fk[NPK__SEAL_KEY]);

#endif
