/*
 * proof/proof.h - per-article proofs (spec/format.md 15.14): the proof
 * file (prooffile.c) and its check (check.c). Inside the library; the
 * public side is the "Per-article proofs" block of include/newspack.h.
 */
#ifndef NPK_PROOF_H
#define NPK_PROOF_H

#include "base/base.h"
#include "format/format.h"

/* 15.14 The proof file, version 1 */
#define NPK_PROOF_MAGIC "npk-proof/v1"
#define NPK_PROOF_MAGIC_PREFIX "npk-proof/"
#define NPK_PROOF_UNTRUSTED_LINE "untrusted comment: newspack archive manifest"
#define NPK_PROOF_TRUSTED_PREFIX "trusted comment: "
/* leaf data at most 1 + 1 + 2 + 4096 + 8 + 32 + 1 + 255 + 2 + 65535 + 16 */
#define NPK_PROOF_LEAF_MAX 70049u
#define NPK_PROOF_SIGLINE 74u      /* "ED", key id, signature */
#define NPK_PROOF_STAMP_KIND_MAX 64u
#define NPK_PROOF_STAMP_MAX (64u << 10)   /* a stamp's bytes */
/* A proof file is read whole: room for many proofs, not for any file. */
#define NPK_PROOF_FILE_MAX (256u << 20)

/* ---- base64, RFC 4648 section 4, with padding (prooffile.c) ---- */
enum { NPK_B64_OK = 0, NPK_B64_BAD = -1, NPK_B64_NONCANON = -2, NPK_B64_LONG = -3,
       NPK_B64_NOMEM = -4 };
/* Decodes the n characters at s into out (at most cap bytes): NPK_B64_OK,
 * or why not: not base64, not canonical (encoding the bytes again gives
 * other text: pad bits set), more than cap bytes, out of memory. */
int npk__b64_decode(const char *s, size_t n, uint8_t *out, size_t cap, size_t *outlen);
/* Appends the base64 of p (len bytes) to b; -1 when out of memory. */
int npk__b64_put(npk_buf *b, const uint8_t *p, size_t len);

/* ---- The manifest as a proof needs it (check.c, 7.1, 7.2, 15.13) ---- */
typedef struct npk_mview {
	uint64_t created, documents;
	const uint8_t *key_id;    /* 8 bytes */
	const uint8_t *pk;        /* 32 bytes */
	const uint8_t *meta;      /* the archive's metadata list */
	size_t meta_len;
	int has_root;             /* the type-2 extension is there */
	uint64_t tree_size;
	const uint8_t *root;      /* 32 bytes */
	/* editions (15.15): the edition link, type 3 (critical) */
	int has_link;
	npk_edition_link link;
	npk_section tree_sec;     /* the directory's type-4 record (has_root) */
	/* a sealed archive (15.17.6): the commitment to its root, type 4 */
	const uint8_t *root_commit;
	uint8_t sealed_root[32];  /* the root a sealed proof's hashes lead to */
} npk_mview;
/* Parses manifest m (len bytes) strictly: magic, reserved zero, the fixed
 * fields, the metadata list (5.5), the extensions (7.2: increasing types,
 * reserved flags zero, the section directory, the Merkle root of length
 * 40 with flags 0 and tree_size <= 2^32 - 2, the edition link of 15.15
 * with its rules), nothing after them. */
int npk__manifest_view(const uint8_t *m, size_t len, npk_mview *v, npk_error *err);

#endif
