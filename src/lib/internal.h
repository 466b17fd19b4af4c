/*
 * internal.h - helpers shared inside libnewspack; not installed.
 */
#ifndef NPK_INTERNAL_H
#define NPK_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "newspack.h"

/* Sets err (if non-NULL) and returns code. */
int npk__fail(npk_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Keep the main path flat: on cond, fail with code and message. */
#define NPK_FAIL_IF(cond, err, code, ...) \
	do { if (cond) return npk__fail((err), (code), __VA_ARGS__); } while (0)

/* ---- Little-endian load/store ---- */
static inline void npk__st16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void npk__st32(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i)); }
static inline void npk__st64(uint8_t *p, uint64_t v) { for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i)); }
static inline uint16_t npk__ld16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline uint32_t npk__ld32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t npk__ld64(const uint8_t *p)
{
	return (uint64_t)npk__ld32(p) | (uint64_t)npk__ld32(p + 4) << 32;
}

/* ---- Checked arithmetic: return 0 on overflow ---- */
static inline int npk__add64(uint64_t a, uint64_t b, uint64_t *r)
{
	return !__builtin_add_overflow(a, b, r);
}
static inline int npk__mul64(uint64_t a, uint64_t b, uint64_t *r)
{
	return !__builtin_mul_overflow(a, b, r);
}

/* ---- Read cursor: every read checks the bytes left. Once a read fails
 * the cursor is "bad" and all later reads fail too, so a parser may check
 * once at the end. ---- */
typedef struct npk_cur {
	const uint8_t *p;
	size_t len;
	size_t off;
	int bad;
} npk_cur;

static inline void npk__cur_init(npk_cur *c, const void *p, size_t len)
{
	c->p = p; c->len = len; c->off = 0; c->bad = 0;
}
static inline size_t npk__cur_left(const npk_cur *c) { return c->bad ? 0 : c->len - c->off; }
static inline const uint8_t *npk__cur_take(npk_cur *c, size_t n)
{
	if (c->bad || n > c->len - c->off) { c->bad = 1; return NULL; }
	const uint8_t *p = c->p + c->off;
	c->off += n;
	return p;
}
static inline uint8_t npk__cur_u8(npk_cur *c) { const uint8_t *p = npk__cur_take(c, 1); return p ? p[0] : 0; }
static inline uint16_t npk__cur_u16(npk_cur *c) { const uint8_t *p = npk__cur_take(c, 2); return p ? npk__ld16(p) : 0; }
static inline uint32_t npk__cur_u32(npk_cur *c) { const uint8_t *p = npk__cur_take(c, 4); return p ? npk__ld32(p) : 0; }
static inline uint64_t npk__cur_u64(npk_cur *c) { const uint8_t *p = npk__cur_take(c, 8); return p ? npk__ld64(p) : 0; }

/* ---- Growable byte buffer ---- */
typedef struct npk_buf {
	uint8_t *p;
	size_t len, cap;
} npk_buf;
int npk__buf_reserve(npk_buf *b, size_t extra);          /* 0 ok, -1 nomem */
int npk__buf_put(npk_buf *b, const void *p, size_t n);   /* 0 ok, -1 nomem */
int npk__buf_u8(npk_buf *b, uint8_t v);
int npk__buf_u16(npk_buf *b, uint16_t v);
int npk__buf_u32(npk_buf *b, uint32_t v);
int npk__buf_u64(npk_buf *b, uint64_t v);
void npk__buf_free(npk_buf *b);

/* ---- Keys (key.c) ---- */
struct npk_pubkey {
	uint8_t id[NPK_KEYID_BYTES];
	uint8_t pk[NPK_PUBKEY_BYTES];
};
struct npk_seckey {
	uint8_t id[NPK_KEYID_BYTES];
	uint8_t *sk;              /* 64 bytes in sodium_malloc memory */
};

/* Signs msg as minisign's "ED" mode does (spec/keys.md):
 * sig = Ed25519(sk, BLAKE2b-512(msg)); global = Ed25519(sk, sig || comment). */
int npk__sign(const npk_seckey *sk, const uint8_t *msg, size_t len,
              const char *comment, size_t comment_len,
              uint8_t sig[64], uint8_t global[64], npk_error *err);
/* The checks of the same: NPK_OK or NPK_E_SIGNATURE. */
int npk__verify(const uint8_t pk[32], const uint8_t *msg, size_t len,
                const uint8_t sig[64], const char *comment, size_t comment_len,
                const uint8_t global[64]);
/* Looks a key up by id in a trust set; NULL when absent. */
const npk_pubkey *npk__trust_find(const npk_trust *t, const uint8_t id[8]);

/* ---- Metadata (meta.c) ---- */
#define NPK_META_MAX 65535u        /* encoded bytes, spec "Metadata" */
#define NPK_META_KEY_MAX 64u
/* Validates a key ([a-z0-9_.-], 1..64 bytes). */
int npk__meta_key_ok(const char *key, size_t len);
/* Valid UTF-8 without NUL. */
int npk__utf8_ok(const uint8_t *s, size_t len);
/* NAME.meta.json beside NAME: NAME's metadata (spec/metadata.md 7), read
 * by create from folders and from tar and zip inputs. */
#define NPK__SIDECAR_SUFFIX ".meta.json"
#define NPK__SIDECAR_MAX (1u << 20)
/* The length of NAME when path is NAME.meta.json (NAME not empty), else 0. */
static inline size_t npk__sidecar_base(const char *path)
{
	size_t n = strlen(path), sl = sizeof NPK__SIDECAR_SUFFIX - 1;
	return n > sl && strcmp(path + n - sl, NPK__SIDECAR_SUFFIX) == 0 ? n - sl : 0;
}
/* A media type the format can store (spec/format.md): printable ASCII, no space. */
int npk__media_ok(const char *m);
/* Canonical encoding (spec/format.md, "Metadata list"): pairs sorted by
 * key bytes, stable for repeated keys. *out is malloc'ed. */
int npk__meta_encode(const npk_meta *m, uint8_t **out, size_t *len,
                     npk_error *err);
/* Decodes and validates an encoded list (keys valid and non-decreasing,
 * values valid UTF-8, no trailing bytes) into m, which is cleared first. */
int npk__meta_decode(const uint8_t *p, size_t len, npk_meta *m,
                     npk_error *err);
void npk__meta_clear(npk_meta *m);

/* Initialises libsodium once; every public entry point that uses it calls
 * this. Returns NPK_OK or NPK_E_NOMEM-like failure as NPK_E_ARG. */
int npk__init(npk_error *err);

/* ---- Paths (path.c, spec/format.md 5.1) ---- */
/* A document may not also be the folder of another ("a" and "a/b").
 * Feed paths in strictly increasing order; *clash is set to the earlier
 * path that is a folder of this one. Returns -1 when out of memory. */
typedef struct npk_pathstack {
	char **v;
	size_t n, cap;
} npk_pathstack;
/* s (len bytes, from outside) made safe to print: control bytes, DEL, C1
 * controls and backslashes as \\xNN, cut with "..." to fit cap. */
const char *npk__show(const char *s, size_t len, char *out, size_t cap);
int npk__pathstack_push(npk_pathstack *s, const char *path, const char **clash);
void npk__pathstack_free(npk_pathstack *s);

/* ---- Reader (reader.c) ---- */
/* Starts (on) or stops read-ahead of clusters in order. */
void npk__reader_readahead(npk_reader *r, int on);
/* The reader's thread count, 0 (one per core) resolved. */
size_t npk__reader_threads(const npk_reader *r);

/* ---- Hashing ---- */
/* BLAKE2b-256 of a buffer. */
void npk__digest(const void *p, size_t len, uint8_t out[32]);
/* Whether two digests are equal, in constant time. A build for fuzzing
 * (NPK_FUZZING, tests/fuzz/ only) computes every digest and signature but
 * refuses none, so that the fuzzer reaches the parsers they guard; no
 * build that reads real archives defines it. */
int npk__digest_same(const uint8_t a[32], const uint8_t b[32]);

/* ---- Codecs (codec.c, spec/format.md 4.3) ---- */
/* An encoder for one codec and level; not shared between threads. */
typedef struct npk_encoder npk_encoder;
npk_encoder *npk__encoder_new(unsigned codec, int level);
void npk__encoder_free(npk_encoder *e);
/* Compresses src into a malloc'ed buffer. If the result is not smaller than
 * src, *codec is NPK_CODEC_STORED and *out is a copy. */
int npk__compress(npk_encoder *e, const uint8_t *src, size_t len, unsigned *codec,
                  uint8_t **out, size_t *outlen, npk_error *err);
/* A decoder for every codec; not shared between threads. */
typedef struct npk_decoder npk_decoder;
npk_decoder *npk__decoder_new(void);
void npk__decoder_free(npk_decoder *d);
/* Decodes exactly raw_len bytes into dst: the stream must end exactly at
 * the end of src and produce exactly raw_len bytes. what names the object
 * in messages. */
int npk__decompress(npk_decoder *d, unsigned codec, const uint8_t *src, size_t len,
                    uint8_t *dst, size_t raw_len, const char *what, npk_error *err);

/* ---- Files (fsio.c) ---- */
/* Reads exactly len bytes at off; NPK_E_FORMAT if the file is shorter. */
int npk__pread_full(int fd, void *buf, size_t len, uint64_t off,
                    const char *name, npk_error *err);
/* Writes all of buf. */
int npk__write_full(int fd, const void *buf, size_t len, const char *name,
                    npk_error *err);

#endif
