/*
 * base/base.h - what every part of libnewspack uses: errors, little-endian
 * fields, checked arithmetic, the read cursor, byte buffers, digests and
 * whole-file I/O (util.c, fsio.c). Inside the library; not installed.
 *
 * Internal headers follow one rule: each folder of src/lib declares what it
 * shares in <folder>/<folder>.h (base, format, meta, interchange, pack); a
 * module with its own tests and fuzz target may add <folder>/<module>.h
 * (interchange/warc.h). Only include/newspack.h is installed.
 */
#ifndef NPK_BASE_H
#define NPK_BASE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "newspack.h"

/* ---- Errors ----
 * A failure fills the caller's npk_error (when not NULL) and returns its
 * code. Context is added on the way out with npk__wrap, never by copying
 * the message and failing again; err->bare keeps where the innermost
 * message starts, and err->reason a cause callers test instead of text. */

/* Sets err (if non-NULL) and returns code; reason NPK_R_NONE. */
int npk__fail(npk_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The same with a reason (an npk_reason). */
int npk__fail_why(npk_error *err, int code, int reason, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Puts context before the message already in err ("FILE: entry 3: " +
 * the message) and sets its code; the reason and the bare message stay.
 * Returns code. */
int npk__wrap(npk_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The message without its context: err->msg + err->bare, or dflt. */
const char *npk__bare(const npk_error *err, const char *dflt);

/* Keep the main path flat: on cond, fail with code and message. */
#define NPK_FAIL_IF(cond, err, code, ...) \
	do { if (cond) return npk__fail((err), (code), __VA_ARGS__); } while (0)
/* Forwards a failure: evaluates expr, an npk_err, and returns it unless
 * NPK_OK (zstd's FORWARD_IF_ERROR). */
#define NPK_FORWARD(expr) \
	do { int npk__fwd = (expr); if (npk__fwd != NPK_OK) return npk__fwd; } while (0)
/* The same in a function with one cleanup label: the code goes to rc,
 * and a failure jumps to label. */
#define NPK_FORWARD_GOTO(rc, expr, label) \
	do { if (((rc) = (expr)) != NPK_OK) goto label; } while (0)

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


/* Initialises libsodium (once; later calls do nothing). Every public entry
 * point that signs, verifies, hashes or draws random bytes calls it first.
 * Returns NPK_OK, or NPK_E_ARG when libsodium cannot start. */
int npk__init(npk_error *err);

/* ---- Hashing ---- */
/* BLAKE2b-256 of a buffer. */
void npk__digest(const void *p, size_t len, uint8_t out[32]);
/* Whether two digests are equal, in constant time. A build for fuzzing
 * (NPK_FUZZING, tests/fuzz/ only) computes every digest and signature but
 * refuses none, so that the fuzzer reaches the parsers they guard; no
 * build that reads real archives defines it. */
int npk__digest_same(const uint8_t a[32], const uint8_t b[32]);

/* ---- Files (fsio.c) ---- */
/* Reads exactly len bytes at off; NPK_E_FORMAT if the file is shorter. */
int npk__pread_full(int fd, void *buf, size_t len, uint64_t off,
                    const char *name, npk_error *err);
/* Writes all of buf at off. */
int npk__pwrite_full(int fd, const void *buf, size_t len, uint64_t off, const char *name,
                     npk_error *err);
/* Writes all of buf. */
int npk__write_full(int fd, const void *buf, size_t len, const char *name,
                    npk_error *err);
/* A temporary file of no name in $TMPDIR (else /tmp), read and written
 * with pread and pwrite, gone when closed: scratch space of bounded
 * memory (the writer's Merkle leaves). */
int npk__scratch_fd(int *fd, npk_error *err);

/* ---- Atomic output (fsio.c) ----
 * Every file or folder newspack makes for the user (an archive, an
 * export, a key file) is written the same way:
 * - under a temporary name beside its path, DIR/.NAME.tmp-XXXXXX (the same
 *   file system, so the rename is atomic), created exclusively: nothing
 *   already there, a symlink included, is followed or reused; O_CLOEXEC;
 * - modes, one rule: a secret key 0600, every other file 0644, a folder
 *   0755 (NPK__MODE_*), less the umask as open(2) does; key files take
 *   their mode exactly whatever the umask (NPK__OUT_EXACT_MODE), as
 *   spec/keys.md fixes it;
 * - durability, one rule: commit fsyncs the file (a folder: every file
 *   and folder in it, then itself), renames it to its path, then fsyncs
 *   the folder that holds it;
 * - it replaces what is at its path only with NPK__OUT_REPLACE; otherwise
 *   anything there (a dangling symlink too) is an NPK_E_EXISTS error and
 *   stays as it was, even when it appeared while the output was written.
 * So the path holds what it held before or the whole output, never a
 * part; a killed run leaves only its .NAME.tmp-XXXXXX. */
#define NPK__MODE_SECRET 0600u
#define NPK__MODE_FILE 0644u
#define NPK__MODE_FOLDER 0755u
enum {
	NPK__OUT_REPLACE = 1,     /* commit replaces an existing path */
	NPK__OUT_FOLDER = 2,      /* a folder (a BagIt bag), not a file */
	NPK__OUT_EXACT_MODE = 4,  /* the mode whatever the umask (key files) */
};
typedef struct npk__out {
	int fd;                   /* the temporary file, or folder, for the caller */
	char *tmp;                /* its path (malloc'd) */
	const char *path;         /* the final path (the caller's, not copied) */
	int flags;
	int made;                 /* tmp exists and is still ours to remove */
} npk__out;
/* Creates the temporary file or folder of path with mode (NPK__MODE_*)
 * and flags (NPK__OUT_*); o->fd is open for reading and writing (a folder:
 * for openat).
 * On failure nothing is left and o needs no abort. */
int npk__out_open(npk__out *o, const char *path, unsigned mode, int flags, npk_error *err);
/* Syncs, closes and renames the output into place, then syncs its folder.
 * NPK_E_EXISTS when path exists and NPK__OUT_REPLACE is not set. */
int npk__out_commit(npk__out *o, npk_error *err);
/* Closes and removes what commit has not put in place, and frees o. Safe
 * after a failed open or commit and after a successful commit, so one
 * cleanup label calls it always; o = {.fd = -1} may be aborted too. */
void npk__out_abort(npk__out *o);

#endif
