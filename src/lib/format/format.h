/*
 * format/format.h - constants of the .npk format, and what its readers and
 * writers share (codec.c, key.c, path.c, reader.c, writer.c). Section numbers refer to
 * spec/format.md, which is the source of truth.
 */
#ifndef NPK_FORMAT_H
#define NPK_FORMAT_H

#include <stdint.h>

#include <sodium.h>

#include "base/base.h"
#include "meta/meta.h"

/* 3. Header */
#define NPK_HEADER_SIZE 32u
#define NPK_MAGIC "\x89NPK\r\n\x1a\n"
#define NPK_MAGIC_LEN 8u
/* 15.1: required_flags bit 0 marks a version 1.1 archive. */
#define NPK_REQ_CONTAINER11 0x00000001u
/* 15.17: required_flags bit 1 marks a sealed archive. */
#define NPK_REQ_SEALED 0x00000002u

/* 4. Objects: clusters and index pages share one 24-byte header. */
#define NPK_OBJ_HEADER_SIZE 24u
#define NPK_CLUSTER_MAGIC "NPKC"
#define NPK_PAGE_MAGIC "NPKP"
#define NPK_CODEC_STORED 0u
#define NPK_CODEC_ZLIB 1u
#define NPK_CODEC_ZSTD 2u
#define NPK_CODEC_ZSTD_DICT 3u     /* 15.18: zstd with the file's dictionary */
#define NPK_PAGE_FLAG_V11 0x01u    /* 15.7: a page of version 1.1 entries */
#define NPK_OBJ_FLAG_SEALED 0x02u  /* 15.17.6: a sealed object */
/* 15.17.3: the seal, section type 8 */
#define NPK_SECTION_SEAL 8u
#define NPK_SEAL_MAGIC "NPKSEAL\n"
#define NPK_SEAL_FIXED 80u         /* up to the stanzas */
#define NPK_SEAL_SUITE 1u
#define NPK_SEAL_STANZAS_MAX 64u
#define NPK_SEALED_MAX (64u << 20) /* the sealed manifest's stored length */
#define NPK_SMAN_MAGIC "NPKSMAN\n"
#define NPK_SMAN_FIXED 80u         /* up to the metadata */
/* 15.17.6: the leaves of a sealed tree a reader rebuilds in memory, at
 * most (2 GiB of hashes, touched only as entries give them) */
#define NPK_SEALED_LEAVES_MAX (UINT64_C(1) << 26)

/* 6. Tables */
#define NPK_CLUSTER_ENTRY_SIZE 48u
#define NPK_PAGE_ENTRY_FIXED 62u   /* without the first path */
#define NPK_NO_CLUSTER 0xFFFFFFFFu

/* 7. Manifest */
#define NPK_MANIFEST_MAGIC "NPKM"
#define NPK_MANIFEST_FIXED 210u    /* up to and including meta_len */
#define NPK_EXT_CRITICAL 0x0001u
#define NPK_EXT_DIRECTORY 1u       /* 15.3: the section directory */

/* 15.3 Section directory records */
#define NPK_SECTION_RECORD 56u
#define NPK_SECTIONS_MAX 65536u
#define NPK_SECTION_CRITICAL 0x0001u
#define NPK_SECTION_TAIL 0x0002u

/* 15.5 Tail trailer */
#define NPK_TAIL_MAGIC "NPKTAIL\n"

/* 15.7 Index entry, version 1.1 */
#define NPK_ENTRY11_FIXED 84u      /* with ref_kind 0, without path, media, meta */
#define NPK_KIND_MAX 3u
#define NPK_REF_INLINE 0u

/* 8. Signature block */
#define NPK_SIG_FIXED 140u         /* without the trusted comment */
#define NPK_COMMENT_MAX 1024u

/* 9. Trailer */
#define NPK_TRAILER_SIZE 32u
#define NPK_TRAILER_MAGIC "\x89NPKEND\n"

/* 10. Limits */
#define NPK_PATH_MAX 4096u
#define NPK_COMPONENT_MAX 255u
/* NPK_MEDIA_MAX (255) is in meta/meta.h, with npk__media_ok. */
#define NPK_CLUSTER_RAW_MAX (64u << 20)
/* The largest content the writer holds until its digest is known, so that
 * a copy of one stored before can be dropped: larger ones are stored. */
#define NPK_DEDUP_MAX NPK_CLUSTER_RAW_MAX
#define NPK_PAGE_RAW_MAX (4u << 20)
#define NPK_MANIFEST_MAX (1u << 20)
#define NPK_CLUSTERS_MAX (1u << 24)
#define NPK_DOCS_MAX 0xFFFFFFFEu
#define NPK_PAGE_TABLE_MAX (256u << 20)

/* Writer defaults */
#define NPK_CLUSTER_TARGET (1u << 20)
/* With a full-text index: an archive meant to be read at random (search
 * snippets, pages served one by one), whose documents then inflate a
 * quarter as much, for about 1% more bytes (zlib's window is 32 KiB). */
#define NPK_CLUSTER_TARGET_INDEXED (256u << 10)
#define NPK_PAGE_TARGET (64u << 10)
/* With a dictionary (an archive read at random): a quarter of that, so
 * that a document's entry costs a quarter of the decoding, for about 1%
 * more bytes (entries hold digests, which compress not at all) */
#define NPK_PAGE_TARGET_DICT (16u << 10)
/* 15.18: with a dictionary, clusters of 32 KiB (as small as reading one
 * document at random wants, at no cost in size), of at most 1 MiB (the
 * window of zstd's levels, so each frame is a single segment); the
 * documents' bytes held back to train it, the least worth one, and its
 * largest size (libzstd's advice: a hundredth of the samples, 112 KiB) */
#define NPK_CLUSTER_TARGET_DICT (32u << 10)
#define NPK_CLUSTER_DICT_MAX (1u << 20)
#define NPK_DICT_SAMPLE (8u << 20)
#define NPK_DICT_INPUT_MIN (256u << 10)
#define NPK_DICT_TRAINED_MAX (112u << 10)
#define NPK_ZLIB_LEVEL 7
#define NPK_ZSTD_LEVEL 8

/* ---- Keys (key.c) ---- */
struct npk_pubkey {
	uint8_t id[NPK_KEYID_BYTES];
	uint8_t pk[NPK_PUBKEY_BYTES];
};
struct npk_seckey {
	uint8_t id[NPK_KEYID_BYTES];
	uint8_t *sk;              /* 64 bytes in sodium_malloc memory */
};
/* keys.md 9: an encryption key pair (X25519) */
struct npk_recipient {
	uint8_t id[NPK_KEYID_BYTES];
	uint8_t pk[32];
};
struct npk_identity {
	npk_seckey *k;            /* sk: the X25519 secret, then its public key */
};
/* A keyring's identities' X25519 secrets, each followed by its public key
 * (32 + 32 bytes), and its passphrase (NULL: none). */
size_t npk__keyring_count(const npk_keyring *k);
const uint8_t *npk__keyring_secret(const npk_keyring *k, size_t i);
const char *npk__keyring_pass(const npk_keyring *k);

/* 8, 9: the signature block of manifest m (minisign "ED", then the
 * trusted comment and its global signature), and the signed trailer. */
int npk__encode_signature(npk_buf *s, const npk_seckey *sk, const npk_pubkey *pk,
                          const npk_buf *m, const char *comment, npk_error *err);
void npk__encode_trailer(uint8_t t[NPK_TRAILER_SIZE], uint64_t mf_off, size_t mf_len,
                         size_t sig_len);
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

/* ---- Paths (path.c, spec/format.md 5.1) ---- */
/* A document may not also be the folder of another ("a" and "a/b").
 * Feed paths in strictly increasing order; *clash is set to the earlier
 * path that is a folder of this one. Returns -1 when out of memory. */
typedef struct npk_pathstack {
	char **v;
	size_t n, cap;
} npk_pathstack;
/* s (len bytes, from outside) made safe to print: control bytes, DEL, C1
 * and bidi controls and backslashes as \\xNN, cut with "..." to fit cap
 * (npk_text_escape). */
const char *npk__show(const char *s, size_t len, char *out, size_t cap);
int npk__pathstack_push(npk_pathstack *s, const char *path, const char **clash);
void npk__pathstack_free(npk_pathstack *s);

/* ---- Reader (reader.c) ---- */
/* A section named by a directory (15.3), or by the tail directory (15.5). */
typedef struct npk_section {
	uint16_t type, flags;
	uint64_t off, len;
	uint8_t digest[32];
} npk_section;
/* Parses the directory data (count, then 56-byte records) of len bytes:
 * every record in (type, offset) order, its reserved bits and bytes zero,
 * at least 1 byte long and inside [lo, hi). tail: the tail directory,
 * whose records all have flag bit 1 (15.5); else the section directory,
 * whose records must not. On success *out (malloc'ed, freed by the
 * caller) holds *count records; NPK_E_FORMAT names the first bad record,
 * NPK_E_VERSION the first critical one (no section type is known yet).
 * name is the archive's, for messages. */
int npk__parse_sections(const uint8_t *data, size_t len, uint64_t lo, uint64_t hi, int tail,
                        const char *name, npk_section **out, uint32_t *count, npk_error *err);

/* ---- The unsigned tail (tail.c, spec/format.md 15.5) ----
 * npk__tail_begin cuts fd to signed_size (a tail already there goes);
 * then for each section: section_begin, write..., section_end (sections
 * go back to back, digested as written); npk__tail_finish writes the tail
 * directory and the tail trailer. Free always. */
typedef struct npk__tail {
	int fd, open;
	uint64_t signed_size, off;
	npk_section *secs;
	uint32_t n, cap;
	crypto_generichash_state h;
} npk__tail;
int npk__tail_begin(npk__tail *t, int fd, uint64_t signed_size, npk_error *err);
int npk__tail_section_begin(npk__tail *t, uint16_t type, npk_error *err);
int npk__tail_write(npk__tail *t, const void *p, size_t len, npk_error *err);
int npk__tail_section_end(npk__tail *t, npk_error *err);
int npk__tail_finish(npk__tail *t, npk_error *err);
void npk__tail_free(npk__tail *t);

/* ---- Merkle tree (merkle.c, spec/format.md 15.13, 15.14) ---- */
#define NPK_EXT_MERKLE 2u          /* manifest extension: tree_size, root */
#define NPK_EXT_MERKLE_LEN 40u
#define NPK_SECTION_TREE 4u        /* body section: the stored levels */
#define NPK_TREE_MAGIC "NPKTREE\n"
#define NPK_TREE_HEADER 24u
#define NPK_TREE_STRIDE 8u         /* the stride newspack writes */
#define NPK_TREE_STRIDE_MAX 16u
#define NPK_TREE_SIZE_MAX 0xFFFFFFFEull
#define NPK_PROOF_HASHES_MAX 64u
#define NPK_LEAF_ENTRY 0u          /* leaf_type: an index entry */
/* The fields of a leaf's data (15.13), pointing into someone else's bytes. */
typedef struct npk_leaf {
	unsigned type, kind;
	const char *path;
	size_t path_len;
	uint64_t size;
	const uint8_t *digest;    /* 32 bytes: H(content) */
	const char *media;
	size_t media_len;
	const uint8_t *meta;      /* the metadata list (5.5), its count included */
	size_t meta_len;
	const uint8_t *salt;      /* 16 bytes */
} npk_leaf;
int npk__leaf_encode(npk_buf *out, const npk_leaf *l, npk_error *err);
/* Parses leaf data exactly (every field checked: 5.1 path, media type,
 * 5.5 metadata list, nothing after the salt). */
int npk__leaf_parse(const uint8_t *p, size_t len, npk_leaf *l, npk_error *err);
void npk__leaf_hash(const uint8_t *leaf, size_t len, uint8_t out[32]);   /* SHA256(00 || leaf) */
void npk__node_hash(const uint8_t l[32], const uint8_t r[32], uint8_t out[32]); /* SHA256(01 || l || r) */
/* The root of leaves added one by one (RFC 9162 2.1.1): O(log n) memory. */
typedef struct npk_mth {
	uint8_t stack[64][32];
	uint64_t n;
} npk_mth;
void npk__mth_init(npk_mth *t);
void npk__mth_add(npk_mth *t, const uint8_t leaf_hash[32]);
void npk__mth_root(const npk_mth *t, uint8_t out[32]);
/* The number of hashes of an inclusion proof of leaf m in a tree of n. */
unsigned npk__proof_len(uint64_t m, uint64_t n);
/* RFC 9162 2.1.3.2: 0 when path proves leaf_hash as leaf m of the tree
 * of n leaves whose root is root; else -1 and *why says what failed. */
int npk__verify_inclusion(uint64_t m, uint64_t n, const uint8_t leaf_hash[32],
                          const uint8_t (*path)[32], unsigned len, const uint8_t root[32],
                          const char **why);
/* The root the path leads leaf_hash to (the same steps, no root to meet),
 * into r; -1 with *why when the path cannot be walked. */
int npk__inclusion_root(uint64_t m, uint64_t n, const uint8_t leaf_hash[32],
                        const uint8_t (*path)[32], unsigned len, uint8_t r[32],
                        const char **why);
/* The stored levels (section type 4): the section's length for n leaves
 * at this stride (0, or -1 when it overflows or the stride is not 1 to
 * 16), where level L starts (UINT64_MAX then). */
int npk__tree_layout(uint64_t n, unsigned stride, uint64_t *section_len);
uint64_t npk__tree_level_offset(uint64_t n, unsigned stride, unsigned level);
/* Reads len bytes at off of the section (off 0: its magic). */
typedef int (*npk_tree_read)(void *ctx, uint64_t off, void *buf, size_t len, npk_error *err);
/* PATH(m) of RFC 9162 2.1.3.1 from the stored nodes, into path (at least
 * NPK_PROOF_HASHES_MAX), *len hashes; reads O(log n) nodes. */
int npk__tree_path(uint64_t n, unsigned stride, npk_tree_read rd, void *ctx, uint64_t m,
                   uint8_t (*path)[32], unsigned *len, npk_error *err);
/* mth(0, n) from the stored nodes. */
int npk__tree_root(uint64_t n, unsigned stride, npk_tree_read rd, void *ctx, uint8_t out[32],
                   npk_error *err);

/* Why the section's 24-byte header h (15.13) does not fit a tree of n
 * leaves whose section is len bytes, or NULL (verify and prove). */
const char *npk__tree_header_problem(const uint8_t *h, uint64_t n, uint64_t len);
/* The root of the perfect tree over the count hashes of h (a power of
 * two), into h's first 32 bytes. */
void npk__perfect_root(uint8_t *h, size_t count);

/* ---- Editions (edition.c, spec/format.md 15.15): pure encoding ---- */
#define NPK_EXT_EDITION 3u         /* manifest extension: the edition link (critical) */
#define NPK_EXT_SEALED_ROOT 4u     /* 15.17.6: a sealed archive's root commitment */
#define NPK_EDITION_FIXED 82u      /* the link without prev_name and rotation */
#define NPK_EDITION_MAX 0xFFFFFFFEu
/* The editions of a chain newspack opens (15.15; 180 years of daily
 * editions): a longer chain is beyond its limits (NPK_E_LIMIT), not
 * damage; append writes none past it. Bounds what a link's number alone
 * makes a reader allocate. */
#define NPK_CHAIN_READ_MAX 65536u
#define NPK_EDITION_ROTATION 0x00000001u   /* link flag: a rotation statement follows */
#define NPK_ROTATION_MAGIC "NPKROT1\n"
#define NPK_ROTATION_STATEMENT 120u
#define NPK_ROTATION_LEN (NPK_ROTATION_STATEMENT + 64u)
#define NPK_LEAF_WITHDRAWAL 1u     /* leaf_type of a withdrawal in an edition */
#define NPK_REF_EDITION 1u         /* ref_kind: an extent of an earlier edition */
#define NPK_ENTRY11_FIXED_REF1 88u /* the fixed fields with ref_kind 1 */
#define NPK_SECTION_PATHS 9u       /* body section: the path filter */
#define NPK_PATHS_MAGIC "NPKPATHS"
#define NPK_PATHS_HEADER 32u
#define NPK_PATHS_HASHES 7u        /* what newspack writes: k */
#define NPK_PATHS_BITS_PER 10u     /* and m per entry */
#define NPK_PATHS_BITS_MAX (1ull << 35)
#define NPK_SECTION_FOLDERS 10u    /* body section: the folder filter */
#define NPK_SECTION_DICT 12u       /* body section, critical: the compression dictionary (15.18) */
#define NPK_DICT_MAGIC "NPKDICT\n"
#define NPK_DICT_HEADER 16u
#define NPK_DICT_MIN 256u
#define NPK_DICT_MAX (1u << 20)
/* the magic a dictionary's content may not begin with: a structured zstd
 * dictionary's (RFC 8878 5; libzstd's ZSTD_MAGIC_DICTIONARY) */
#define NPK_DICT_STRUCTURED 0xEC30A437u
#define NPK_FOLDERS_MAGIC "NPKFOLDS"
#define NPK_FILTER_ANY_COUNT UINT64_MAX /* header check: count not known */
#define NPK_REASON_KEY "withdrawn.reason"
#define NPK_REASON_MAX 1024u
/* The edition link (15.15), parsed: pointers into the manifest. */
typedef struct npk_edition_link {
	uint32_t edition, flags;
	const uint8_t *prev_digest;   /* 32 bytes: H(previous manifest) */
	const uint8_t *base_digest;   /* 32 bytes: H(edition 0's manifest) */
	uint64_t prev_tree_size;
	const char *prev_name;        /* name_len bytes, not NUL-terminated */
	size_t name_len;
	const uint8_t *statement;     /* NPK_ROTATION_STATEMENT bytes, or NULL */
	const uint8_t *rotation_sig;  /* 64 bytes, or NULL */
} npk_edition_link;
/* Parses the extension data (len bytes) exactly: NPK_E_FORMAT names the
 * first bad field (edition 0, reserved flag bits, the length, prev_name
 * not one valid path component). */
int npk__link_parse(const uint8_t *p, size_t len, npk_edition_link *l, npk_error *err);
/* Appends the extension data of l (not the 7.2 record header) to out. */
int npk__link_encode(npk_buf *out, const npk_edition_link *l, npk_error *err);
/* The rotation statement (15.15) naming the new key for edition. */
void npk__rotation_statement(uint8_t out[NPK_ROTATION_STATEMENT], const uint8_t base[32],
                             const uint8_t prev[32], uint32_t edition, const uint8_t new_id[8],
                             const uint8_t new_pk[32]);
/* Ed25519(old secret key, H512(statement)) */
int npk__rotation_sign(const npk_seckey *old, const uint8_t st[NPK_ROTATION_STATEMENT],
                       uint8_t sig[64], npk_error *err);
/* Whether l's statement lets new_id/new_pk sign edition l->edition after
 * a previous edition signed by old_pk: NULL when it does, else why not. */
const char *npk__rotation_check(const npk_edition_link *l, const uint8_t old_pk[32],
                                const uint8_t new_id[8], const uint8_t new_pk[32]);
/* The rotation file (npk-rotation/v1): text of the statement and signature
 * (malloc'ed into *out), and its parse (exact: 15.14's line rules). */
int npk__rotation_format(const uint8_t st[NPK_ROTATION_STATEMENT], const uint8_t sig[64],
                         char **out, size_t *len, npk_error *err);
int npk__rotation_parse(const char *text, size_t len, const char *name,
                        uint8_t st[NPK_ROTATION_STATEMENT], uint8_t sig[64], npk_error *err);
/* The path filter (section type 9): m for count entries as newspack
 * writes it; the probes of a path, set or tested on filter (m / 8 bytes). */
uint64_t npk__paths_bits(uint64_t count);
void npk__paths_add(uint8_t *filter, uint64_t m, unsigned k, const char *path, size_t len);
int npk__paths_has(const uint8_t *filter, uint64_t m, unsigned k, const char *path, size_t len);
/* The section's 32-byte header (magic NPK_PATHS_MAGIC, or
 * NPK_FOLDERS_MAGIC for the folder filter, type 10, of the same layout):
 * encode, and why it does not fit a section of len bytes for count
 * entries or folders (NULL when it does; NPK_FILTER_ANY_COUNT: any). */
void npk__paths_header(uint8_t h[NPK_PATHS_HEADER], const char *magic, uint64_t count,
                       uint64_t m, unsigned k);
const char *npk__paths_header_problem(const uint8_t *h, const char *magic, uint64_t len,
                                      uint64_t count, uint64_t *m, unsigned *k);
/* The folder filter's keys: calls fn with the length of each folder of
 * path ("a" and "a/b" of "a/b/c") that prev, the path before it in byte
 * order (or NULL), is not under, so that each folder of a sorted list
 * comes once. */
void npk__folders_new(const char *path, const char *prev,
                      void (*fn)(const char *path, size_t len, void *ctx), void *ctx);
/* The heap of a k-way merge over editions (a listing of a chain, the
 * state's checks of verify): heap[0 .. n) holds edition numbers, the one
 * that before() puts first at the top; moves heap[i] down to its place. */
typedef int (*npk__heap_before)(const void *ctx, uint32_t a, uint32_t b);
void npk__heap_sift(uint32_t *heap, uint32_t n, uint32_t i, npk__heap_before before,
                    const void *ctx);
/* An edition's tree section (15.15): the nodes [p >> L, n >> L) of each
 * stored level. Length for leaves [p, n) at this stride (0, or -1 on
 * overflow or a bad stride / p > n), and where level L starts in it
 * (UINT64_MAX when L is not stored there). p = 0: npk__tree_layout. */
int npk__etree_layout(uint64_t p, uint64_t n, unsigned stride, uint64_t *section_len);
uint64_t npk__etree_level_offset(uint64_t p, uint64_t n, unsigned stride, unsigned level);
/* Resumes the incremental root at p leaves from the roots of the perfect
 * subtrees of [0, p), largest first (popcount(p) hashes: the "border"). */
void npk__mth_resume(npk_mth *t, uint64_t p, const uint8_t (*border)[32]);

/* ---- Editions: consistency proofs (merkle.c; RFC 9162 2.1.4) ---- */
/* OWNER: the tree/check-chain work. Proof of size m -> n from the stored
 * nodes of a whole tree read through rd (as npk__tree_path), and its check
 * (0, else -1 and *why). At most NPK_PROOF_HASHES_MAX hashes. */
int npk__tree_consistency(uint64_t m, uint64_t n, unsigned stride, npk_tree_read rd, void *ctx,
                          uint8_t (*proof)[32], unsigned *len, npk_error *err);
int npk__verify_consistency(uint64_t m, uint64_t n, const uint8_t root_m[32],
                            const uint8_t root_n[32], const uint8_t (*proof)[32], unsigned len,
                            const char **why);

/* ---- Editions: the chain (chain.c, reader.c; 15.15) ----
 * OWNER: the chain reader. A reader opened by npk_reader_open on an
 * edition is the chain's *top*: the public npk_reader_* functions then
 * read the chain's state. A *file reader* sees one file alone. */
/* Opens one file as a file reader. expect NULL: step 3 checks the
 * signature (trust, allow_untrusted as npk_reader_open); else
 * H(manifest) MUST equal expect (32 bytes) instead ("is not edition k of
 * this chain", NPK_E_DIGEST). */
int npk__reader_open_file(const char *path, const uint8_t *expect, const npk_trust *trust,
                          int allow_untrusted, npk_reader **out, npk_error *err);
/* The newest file's reader, made from the top without opening the file
 * again: it shares top's descriptor and tables (top must outlive it);
 * NPK_E_NOTFOUND (err untouched) when survival copies served the top. */
int npk__reader_share(npk_reader *top, npk_reader **out, npk_error *err);
/* len bytes at off of r's file (from the sections verify holds, when
 * there). */
int npk__reader_pread(const npk_reader *r, void *buf, size_t len, uint64_t off, npk_error *err);
/* Section s's digest into got, its bytes held by r when they match it and
 * are not too many (npk__reader_pread then reads them from memory); and,
 * once its checks are done, only what the later editions' checks read of
 * it held: its tree's levels above 0 and the last 2^stride hashes of
 * level 0 (its leaves start at p). */
int npk__reader_hold_tree(npk_reader *r, const npk_section *s, uint8_t got[32], npk_error *err);
void npk__reader_keep_upper(npk_reader *r, uint64_t p, unsigned stride);
/* The same of edition e's file, through a small cache of the chain's:
 * the tree nodes and headers that each edition's checks read again. */
int npk__chain_pread(npk_reader *top, uint32_t e, void *buf, size_t len, uint64_t off,
                     npk_error *err);
/* The stride of edition e's tree section (its header's byte 16; fr its
 * file, which may still be opening), or 0: kept as npk__chain_pread keeps. */
unsigned npk__chain_stride(npk_reader *top, uint32_t e, npk_reader *fr);
/* r's own file: its edition link (NULL: not an edition) and H(manifest). */
const npk_edition_link *npk__reader_link(const npk_reader *r);
const uint8_t *npk__reader_manifest_digest(const npk_reader *r);
/* The chain of r: editions newest + 1 (1 for a lone archive, whose file
 * reader is r itself), the edition whose state is read (--at), and the
 * file reader of edition e, opened on first use as 15.15 finds it
 * (NPK_E_NOTFOUND naming a missing file, NPK_E_DIGEST one that is not
 * the edition). Valid while r is. */
uint32_t npk__chain_count(const npk_reader *r);
uint32_t npk__chain_at(const npk_reader *r);
int npk__chain_file(npk_reader *r, uint32_t e, npk_reader **out, npk_error *err);
/* The file name of edition e as found (or as its link names it when
 * missing). */
const char *npk__chain_name(const npk_reader *r, uint32_t e);
/* Reads size bytes of file reader fr's data stream at (cluster, offset),
 * each cluster checked against fr's table, then all of it against digest
 * (npk_reader_read's checks and sink rules). */
/* Cluster i of file r: its place in the data stream (4.2) and its
 * object as stored, header and payload (*obj malloc'ed), checked against
 * the signed cluster table (digest, then every header field, 4.1) but not
 * decoded: for a verbatim copy. */
uint32_t npk__reader_cluster_count(const npk_reader *r);
void npk__reader_cluster_span(const npk_reader *r, uint32_t i, uint64_t *start, uint32_t *raw);
/* The codec byte of cluster i's header, not yet checked by its digest. */
int npk__reader_cluster_codec(npk_reader *r, uint32_t i, unsigned *codec, npk_error *err);
int npk__reader_cluster_object(npk_reader *r, uint32_t i, uint8_t **obj, uint32_t *len,
                               npk_error *err);
int npk__reader_read_extent(npk_reader *fr, uint32_t cluster, uint32_t offset, uint64_t size,
                            const uint8_t digest[32], npk_sink sink, void *ctx, npk_error *err);

/* ---- Editions: verify (reader.c, chainverify.c; 15.15) ----
 * OWNER: the verify work. One file fr of a chain: top is the chain's top
 * reader (NULL: fr alone, whose nodes over earlier leaves and contents in
 * earlier editions are reported as checkable only with the chain, as
 * NPK_E_NOTFOUND); each (may be NULL) sees every entry read. A chain:
 * every file oldest first, the chain's checks, the state's. */
int npk__reader_verify_file(npk_reader *fr, npk_reader *top, npk_entry_cb each, void *each_ctx,
                            npk_problem_cb cb, void *ctx, npk_verify_stats *stats,
                            npk_error *err);
/* Warns of the --chain files in no place of the chain (once; at the
 * newest state only), as a listing of the state does. */
void npk__chain_warn_unused(npk_reader *top);
int npk__chain_verify(npk_reader *top, npk_problem_cb cb, void *ctx, npk_verify_stats *stats,
                      npk_error *err);

/* The chain reader's own (chain.c, reader.c). npk__chain is the top
 * reader's chain, freed with it. */
typedef struct npk__chain npk__chain;
npk__chain *npk__reader_chain(const npk_reader *r);
void npk__reader_set_chain(npk_reader *r, npk__chain *c);
void npk__chain_free(npk__chain *c);
/* The state's functions behind npk_reader_find (*fr: the file reader
 * whose index answered, may be NULL), _list, _read and _info on a top
 * reader. */
int npk__chain_find(npk_reader *top, const char *path, const npk_entry **out, npk_reader **fr,
                    npk_error *err);
int npk__chain_list(npk_reader *top, npk_entry_cb cb, void *ctx, npk_error *err);
/* 15.7 coverage (cover.c): the stream bytes covered by extents, as runs;
 * one run while extents come in increasing order (cover_add). Runs may
 * overlap or touch; npk__cover_sort orders them by start (once). */
typedef struct npk__cover_run {
	uint64_t start, end;
} npk__cover_run;
typedef struct npk__cover {
	npk__cover_run *v;
	size_t n, cap;
	int unsorted;             /* an extent started before the last run */
} npk__cover;
int npk__cover_add(npk__cover *c, uint64_t s, uint64_t t); /* NPK_OK or NPK_E_NOMEM */
void npk__cover_sort(npk__cover *c);
/* The state with its withdrawals: for each path in path order, the
 * newest entry, a withdrawal (kind 1) included; what cannot be read fails
 * the call (a merge never writes an incomplete state). */
int npk__chain_state(npk_reader *top, npk_entry_cb cb, void *ctx, npk_error *err);
/* The state, for a walk: what cannot be read is one problem to pcb
 * (object "edition", hidden: the paths withheld), and the walk goes on. */
int npk__chain_walk(npk_reader *top, npk_entry_cb cb, void *ctx, npk_problem_cb pcb, void *pctx,
                    npk_error *err);
int npk__chain_read(npk_reader *top, const npk_entry *e, npk_sink sink, void *ctx,
                    npk_error *err);
void npk__chain_info(const npk_reader *top, npk_info *info);
/* Whether edition e's file fr (found by npk__chain_file) may hold an
 * entry under folder dir: its folder filter (15.15); 1 for the base, a
 * file without the filter or one that cannot be read. */
int npk__chain_may_hold_folder(npk_reader *top, uint32_t e, npk_reader *fr, const char *dir);
/* npk_reader_info of one file, whatever reader r is. */
void npk__reader_file_info(const npk_reader *r, npk_info *info);
/* e's content (ref_kind 1) in the data stream of file reader fr (of
 * edition e->ref_edition): its position checked against fr's tables, then
 * read as npk_reader_read does (a link's target checked). */
int npk__reader_read_ref(npk_reader *fr, const npk_entry *e, npk_sink sink, void *ctx,
                         npk_error *err);
/* Only the position check of the same (5.2 against fr's tables). */
int npk__reader_check_ref(const npk_reader *fr, const npk_entry *e, npk_error *err);
/* Document e (one of fr's own, or one whose bytes fr holds: 15.15, read in
 * one cluster) appended to out, without fr's caches: for another thread
 * reading while fr's own thread reads too, with an npk__apart of its own
 * (a decoder and the cluster it decoded last, at least upto bytes of it,
 * so that the next documents of that cluster are read from there). The
 * cluster's stored bytes are checked whole against their digest, and the
 * document against its own, as npk_reader_read checks them; a document
 * spread over clusters (NPK_E_ARG) and every failure are left to
 * npk_reader_read, which says what is wrong and remembers damage. */
typedef struct npk__apart npk__apart;
npk__apart *npk__apart_new(void);
void npk__apart_free(npk__apart *ap);
int npk__reader_read_apart(npk_reader *fr, npk__apart *ap, const npk_entry *e, uint64_t upto,
                           npk_buf *out, npk_error *err);
/* ap forgets its cluster (the reader it was of may go), and frees its
 * buffers when they hold more than max bytes. */
void npk__apart_trim(npk__apart *ap, size_t max);
/* H(manifest) of the archive at path, read from its trailer (nothing
 * checked: the chain compares it with the digest a link names). */
int npk__manifest_digest_file(const char *path, uint8_t out[32], npk_error *err);
/* 15.15 "Trust": the newest signer is trusted through a rotation. */
void npk__reader_set_trusted(npk_reader *r, int trusted);
/* The settings of top (npk_reader_set_meta, _threads) given to fr, and
 * top's decoder lent to it (freed with top). */
void npk__reader_inherit(npk_reader *fr, const npk_reader *top);
/* Frees what fr holds of the last read (its cached cluster), find (its
 * page) or listing (its page): a chain keeps only what it uses. */
#define NPK__DROP_CLUSTER 1u
#define NPK__DROP_FIND 2u
#define NPK__DROP_LIST 4u
#define NPK__DROP_ALL 7u
void npk__reader_drop(npk_reader *fr, unsigned what);
/* Entry number ordinal of file reader r (its place in the index, 5.2),
 * read from its page (checked as find checks it); valid until the next
 * call on r. NPK_E_FORMAT past the end. */
int npk__reader_entry_at(npk_reader *r, uint64_t ordinal, const npk_entry **out, npk_error *err);
/* The sections of type in r's directory: how many, and the first. */
uint32_t npk__reader_sections(const npk_reader *r, uint16_t type, const npk_section **first);
/* The path filter's section (type 9) of r's directory, or NULL; the
 * folder filter's (type 10), or NULL. */
const npk_section *npk__reader_paths_section(const npk_reader *r);
const npk_section *npk__reader_folders_section(const npk_reader *r);
/* The first path of file reader r at or after key (after it: strict)
 * into out (NPK_PATH_MAX + 1 bytes); NPK_E_NOTFOUND past the end. */
int npk__reader_seek(npk_reader *r, const char *key, int strict, char *out, npk_error *err);
/* The entries of file reader r in path order, one at a time, checked as a
 * walk checks them (order, folders, coverage at the end); *e NULL at the
 * end. The entry lives until the next call. */
typedef struct npk__iter npk__iter;
int npk__iter_new(npk_reader *r, npk__iter **out, npk_error *err);
int npk__iter_next(npk__iter *it, const npk_entry **e, npk_error *err);
void npk__iter_free(npk__iter *it);
/* After npk__iter_next failed with damage: the path range [*lo, *hi) of
 * the page it was in (hi NULL: to the end), which is skipped (-1: none,
 * the failure was not a page's). The strings live as long as the reader. */
int npk__iter_skip_page(npk__iter *it, const char **lo, const char **hi);

/* ---- Editions: the tree across files (chaintree.c; 15.15) ----
 * OWNER: the tree/check-chain work. A npk_tree_read over the whole tree
 * of the chain state's first n leaves, as if one file held its 15.13
 * section: offsets are those of npk__tree_level_offset(n, stride, L);
 * reads go to the editions that store each node. */
typedef struct npk__chain_tree {
	npk_reader *top;
	uint64_t n;
	unsigned stride;
	npk_error *err;
} npk__chain_tree;
int npk__chain_tree_init(npk__chain_tree *t, npk_reader *top, uint64_t n, npk_error *err);
int npk__chain_tree_read(void *ctx, uint64_t off, void *buf, size_t len, npk_error *err);
/* The mapping under npk__chain_tree_read, without files (tests give
 * editions in memory): count editions, bounds gives edition e's leaves
 * [p, n), read reads its own tree section (15.15 layout). Reads len bytes
 * at off of the virtual 15.13 section of the first n leaves. */
typedef struct npk__etree_src {
	uint32_t count;
	int (*bounds)(void *ctx, uint32_t e, uint64_t *p, uint64_t *n, npk_error *err);
	int (*read)(void *ctx, uint32_t e, uint64_t off, void *buf, size_t len, npk_error *err);
	void *ctx;
} npk__etree_src;
int npk__chain_tree_map(const npk__etree_src *src, uint64_t n, unsigned stride, uint64_t off,
                        void *buf, size_t len, npk_error *err);
/* Why the 24-byte header h of an edition's tree section (leaves [p, n),
 * len bytes) does not fit, or NULL; *stride its stride. */
const char *npk__etree_header_problem(const uint8_t *h, uint64_t p, uint64_t n, uint64_t len,
                                      unsigned *stride);

/* ---- Editions: writing one (writer.c; 15.15) ----
 * OWNER: the append work. npk__writer_edition, right after
 * npk_writer_new (version 1.1 with a tree), makes the writer write an
 * edition: leaves from spec->prev_tree_size, the root over the chain, the
 * edition's tree section, the path filter and the link. Each entry begun
 * is put to the caller's state (begin, then end with its digest), which
 * says whether it is written, left out (unchanged) or written as a
 * reference to an earlier edition's extent (ref_kind 1); the withdrawals
 * are written in their places in path order. spec and what it points to
 * must outlive the writer. */
#define NPK__ED_KEEP 0             /* write the entry and its content */
#define NPK__ED_SKIP 1             /* unchanged: nothing written */
#define NPK__ED_REF 2              /* write the entry with ref_kind 1 (ref) */
typedef struct npk__ed_entry {     /* an entry whose content was all given */
	unsigned kind;
	const char *path, *media;
	uint64_t size;
	const uint8_t *digest;        /* 32 bytes */
	const uint8_t *meta;          /* the metadata list as encoded (5.5) */
	size_t meta_len;
} npk__ed_entry;
typedef struct npk__ed_ref {
	uint32_t edition, cluster, offset;
} npk__ed_ref;
typedef struct npk__withdrawal {
	const char *path;
	const char *media;            /* the media type of the version withdrawn */
	const npk_meta *meta;         /* withdrawn.reason, or NULL */
} npk__withdrawal;
typedef struct npk_edition_spec {
	uint32_t edition;
	const uint8_t *prev_digest;   /* 32 bytes */
	const uint8_t *base_digest;   /* 32 bytes */
	uint64_t prev_tree_size;      /* p: the leaves of the chain before it */
	const char *prev_name;
	const uint8_t *statement;     /* NPK_ROTATION_STATEMENT bytes, or NULL */
	const uint8_t *rotation_sig;  /* 64 bytes with a statement */
	unsigned stride;              /* the base's */
	const uint8_t (*border)[32];  /* popcount(p) roots of [0, p), largest first */
	npk_tree_read rd;             /* the chain's tree of p leaves (15.13 offsets) */
	void *rd_ctx;
	const npk__withdrawal *withdraw; /* in strictly increasing path order */
	size_t nwithdraw;
	/* path is begun (kind, size): *hold = 1 keeps its bytes in the open
	 * cluster until end decides (at most NPK_CLUSTER_RAW_MAX bytes) */
	int (*begin)(void *ctx, const char *path, unsigned kind, uint64_t size, int *hold,
	             npk_error *err);
	/* *action: NPK__ED_KEEP, _SKIP (only a held entry or one of no
	 * content) or _REF (held, or of no content; *ref filled) */
	int (*end)(void *ctx, const npk__ed_entry *e, int *action, npk__ed_ref *ref,
	           npk_error *err);
	void *ctx;
	/* 15.17.8: a sealed chain's edition (NULL: not sealed): the chain's
	 * file key (the top's, opened), the previous file's stanzas (nstanzas
	 * of them, stanzas_len bytes) and their recipient tags, copied; and
	 * recipients added in this edition (stanzas for the same file key) */
	const uint8_t *seal_fk;
	const uint8_t *stanzas, *tags;
	size_t stanzas_len;
	unsigned nstanzas;
	const npk_recipient *const *add;
	size_t nadd;
} npk_edition_spec;
int npk__writer_edition(npk_writer *w, const npk_edition_spec *spec, npk_error *err);
/* The entries the writer wrote (withdrawals included). */
uint64_t npk__writer_entries(const npk_writer *w);
/* The entries whose content was stored before (15.7 "Shared bytes"), and
 * their bytes: what deduplication saved. */
void npk__writer_dedup(const npk_writer *w, uint64_t *docs, uint64_t *bytes);
/* An edition's full-text index that covers entries of the earlier files
 * of its chain too (spec/search.md 9.1: from lo): those are given one by
 * one in increasing number before any entry of the edition's own, which
 * the index then takes as they are written (append --search-index=all). */
int npk__writer_index_start(npk_writer *w, uint64_t lo, npk_error *err);
int npk__writer_index_doc(npk_writer *w, uint64_t doc, const uint8_t *bytes, size_t len, int cut,
                          const char *media, const uint8_t *meta, size_t meta_len,
                          npk_error *err);
/* After npk_writer_finish: the full-text index's bytes (its two
 * sections), keys and documents indexed in part; zeros without one. */
void npk__writer_index(const npk_writer *w, uint64_t *bytes, uint64_t *keys, uint64_t *cut);
/* 15.18: the length of the dictionary's content the writer made (0: none). */
uint64_t npk__writer_dict_len(const npk_writer *w);
/* A merge (src/lib/pack/merge.c): cluster object obj (len bytes, header
 * and payload as stored, already checked; the writer takes it) becomes
 * the next cluster of a lone 1.1 archive as it is, renumbered; its number
 * into *number. The open cluster is ended first. */
int npk__writer_copy_cluster(npk_writer *w, uint8_t *obj, uint32_t len, uint32_t *number,
                             npk_error *err);
/* An entry whose content (size > 0, digest) is already in the data stream
 * at (cluster, offset): bytes copied by npk__writer_copy_cluster. */
typedef struct npk__extent_entry {
	unsigned kind;            /* NPK_KIND_DOCUMENT or NPK_KIND_SYMLINK */
	const char *path, *media_type;
	const npk_meta *meta;
	uint64_t size;
	const uint8_t *digest;
	uint32_t cluster, offset;
	/* a writer with a search index: the content's first bytes (at most
	 * NPK__INDEX_DOC_MAX; cut: it has more), read by the caller */
	const uint8_t *index_bytes;
	size_t index_len;
	int index_cut;
} npk__extent_entry;
int npk__writer_add_extent(npk_writer *w, const npk__extent_entry *x, npk_error *err);
uint32_t npk__writer_clusters(const npk_writer *w);
/* 15.7, 15.15: r, a content stored in an earlier file of the chain (r->edition
 * below the edition's), which an entry of the same digest and size then
 * names (ref_kind 1) instead of storing it again. Given after
 * npk__writer_edition and before the first entry, the oldest first: the
 * first copy given is the one named (another of the same content is not
 * added). Nothing is done when the writer does not deduplicate. */
struct npk__dedup_rec;
int npk__writer_dedup_seed(npk_writer *w, const struct npk__dedup_rec *r, npk_error *err);
/* The roots of the perfect subtrees of [0, p) (popcount(p), largest
 * first) from the stored nodes of a tree of p leaves read through rd. */
int npk__tree_border(uint64_t p, unsigned stride, npk_tree_read rd, void *ctx,
                     uint8_t (*border)[32], npk_error *err);

/* ---- Survival copies (copies.c, spec/format.md 15.9) ---- */
#define NPK_SECTION_COPIES 2u
#define NPK_COPY_MAGIC "NPKCOPY\n"
#define NPK_COPY_EXTENTS_MAX 16u
#define NPK_COPY_PAD_MAX (1u << 20)
#define NPK_COPY_HEAD_MAX (28u + 16u * NPK_COPY_EXTENTS_MAX)
#define NPK_COPY_GAP 4096u         /* the first copy this far after the signed part */
/* One copied extent: off and len in the signed part; pos, the file offset
 * of its copy. */
typedef struct npk__copy_extent {
	uint64_t off, len, pos;
} npk__copy_extent;
typedef struct npk__copies {
	uint64_t at, len;         /* the section */
	uint64_t signed_size;     /* as the section says */
	uint32_t count;
	int by_scan;              /* found by scanning, not by the tail directory */
	npk__copy_extent ext[NPK_COPY_EXTENTS_MAX];
} npk__copies;
/* Writes the survival copies of the signed part of fd (signed_size
 * bytes: header, tables, manifest to signed trailer, found from the
 * signed trailer and the manifest) as the next section of t, padded so
 * that the first copy starts at least NPK_COPY_GAP bytes after the signed
 * part (no padding when a section before it, parity, already does so).
 * fd must be open for reading. */
int npk__copies_write(npk__tail *t, int fd, uint64_t signed_size, npk_error *err);
/* Parses the section header h (avail bytes, read at file offset at) and
 * checks it (15.9: magic, counts, header_crc, records in order inside the
 * signed part, copies inside a file of file_size bytes). */
int npk__copies_parse(const uint8_t *h, size_t avail, uint64_t at, uint64_t file_size,
                      npk__copies *c, npk_error *err);
/* Finds the survival copies of the archive on fd: the tail directory's
 * type-2 record, else (when scan is set) the last valid header found
 * scanning backward. NPK_E_FORMAT when there are none; nothing found is
 * trusted. */
int npk__copies_find(int fd, uint64_t file_size, const char *name, int scan, npk__copies *c,
                     npk_error *err);
/* The extent of c whose copy holds all of [off, off + len), or NULL. */
const npk__copy_extent *npk__copies_cover(const npk__copies *c, uint64_t off, uint64_t len);

/* An index entry (5.2, 15.7) as its page holds it: pointers into the page. */
typedef struct npk_raw_entry {
	const uint8_t *path, *digest, *media, *meta, *salt;
	uint16_t plen, metalen;
	uint8_t mlen;
	uint64_t size, leaf;
	uint32_t cluster, offset;
	unsigned kind, flags, ref_kind;
	uint32_t ref_edition;     /* ref_kind 1 (15.15) */
	int editions;             /* set by the caller in an edition: ref_kind 1 is parsed */
} npk_raw_entry;
/* 15.7: takes a version 1.1 entry from c into x (zeroed by the caller).
 * c goes bad when entry_len crosses the end of c or a field crosses
 * entry_len; fields after those it knows are skipped; an unknown kind,
 * flags or ref_kind stops it after ref_kind (x tells which). */
void npk__take_entry11(npk_cur *c, npk_raw_entry *x);

/* Walks the index as npk_reader_verify does (spec/format.md 11, step 8):
 * a page that cannot be read, or a bad entry, is reported to pcb (with the
 * documents it hides) and the walk goes on; cb as in npk_reader_list.
 * Returns cb's non-zero value or a failure that ends the walk (memory),
 * else NPK_OK whatever was reported. */
int npk__reader_walk(npk_reader *r, npk_entry_cb cb, void *ctx, npk_problem_cb pcb, void *pctx,
                     npk_error *err);
/* The cluster the last npk_reader_read failed on (its file offset in
 * *offset), or -1 when it failed on the document itself or did not. */
int64_t npk__reader_failed_cluster(const npk_reader *r, uint64_t *offset);
/* The first path of index page i and of page i + 1 (NULL after the last):
 * the page holds the paths from first up to, not including, next (6.1). */
void npk__reader_page_paths(const npk_reader *r, uint32_t i, const char **first,
                            const char **next);
/* 15.9: an original of the signed part that failed its check at open,
 * and whose survival copy served instead: what a repair writes back. */
#define NPK_FIXES_MAX 8u
typedef struct npk__fix {
	unsigned what;            /* NPK_COPY_* (include/newspack.h) */
	uint64_t off, len;        /* where the original lies in the file */
	uint8_t *bytes;           /* its len good bytes, from the copy; owned by the reader */
	char msg[512];            /* why the original failed, without the archive's name */
} npk__fix;
/* The fixes of r, in the order found (at most NPK_FIXES_MAX; none when
 * every original passed). Write each fix's bytes at its offset to repair
 * the signed part; NPK_COPY_TAIL_TRAILER has no bytes (len 0): the tail
 * trailer did not lead to the copies, so the tail must be written again
 * (npk__tail_*) after signed_size. Valid while r is. */
size_t npk__reader_fixes(const npk_reader *r, const npk__fix **fixes);
/* The archive's name, as messages give it. */
const char *npk__reader_name(const npk_reader *r);
/* 15.13: the Merkle tree's section (offset, length), size and root as
 * the manifest gives them; NPK_E_NOTFOUND when the archive has none. */
int npk__reader_tree(const npk_reader *r, uint64_t *off, uint64_t *len, uint64_t *n,
                     const uint8_t **root);
/* npk_reader_find, with the entry's leaf data (15.13) and its hash: *leaf
 * NULL when the entry has no leaf (none, or withdrawn). Valid until the
 * next find or walk. */
int npk__reader_find_leaf(npk_reader *r, const char *path, const npk_entry **e,
                          const npk_buf **leaf, const uint8_t **hash, npk_error *err);
/* The manifest and the signature block as they verified at open. */
void npk__reader_signed(const npk_reader *r, const uint8_t **mf, size_t *mf_len,
                        const uint8_t **sig, size_t *sig_len);
int npk__reader_fd(const npk_reader *r);
/* Names the archive in messages from now on (salvage reads a file it put
 * together from another's proven bytes: 15.11); NPK_E_NOMEM. */
int npk__reader_set_name(npk_reader *r, const char *name);
/* npk_reader_open for salvage (spec/format.md 15.11), of an archive whose
 * cluster table could not be proven: it is read without its digest, its
 * clusters without theirs (and may lie anywhere in the file, the tail
 * too), and only each document's own digest proves its bytes. Untrusted
 * signers are not refused. For npk_extract only, which names a file only
 * once its digest matched: never for cat, whose output streams. */
int npk__reader_open_unproven(const char *path, const npk_trust *trust, npk_reader **out,
                              npk_error *err);
/* What a layer above keeps with the reader from one call to the next
 * (search: the index opened, its pages decoded and checked), freed with
 * the reader by free_fn; one thing at a time, a new one freeing the old.
 * Used on the reader's own thread only, as the reader is. */
void npk__reader_keep(npk_reader *r, void *p, void (*free_fn)(void *));
void *npk__reader_kept(const npk_reader *r);
/* 15.17.6: the leaf hashes of every entry of an opened sealed archive,
 * whose tree is not stored, in leaf order: its leaves [p, n) (p the
 * edition link's prev_tree_size, 0 without one; n its tree_size), (n - p)
 * times 32 bytes into out. NPK_E_DIGEST when the entries do not give each
 * leaf exactly once. */
int npk__reader_leaves(npk_reader *r, uint8_t *out, npk_error *err);
/* 15.17.8: r, an earlier file of a sealed chain, opened with the file key
 * of by (the chain's top, opened): r's commitment must take it. */
int npk__reader_unseal_fk(npk_reader *r, const npk_reader *by, npk_error *err);
/* chain.c: the earlier files of top's chain are looked for beside the
 * file beside (by the names the links give), not beside top's own file:
 * salvage reads a copy of an edition made elsewhere. */
int npk__chain_set_dir(npk_reader *top, const char *beside, npk_error *err);
/* chain.c: the top r of a chain was opened (npk_reader_unseal): the
 * files of the chain read so far are opened with its file key. */
int npk__chain_unsealed(npk_reader *top, npk_error *err);
/* 15.17.8: the tree of a sealed chain over the leaves of editions [0, e)
 * as an npk_mth (its stack is the border of 15.15), each edition's sealed
 * root checked on the way; kept, so that editions taken in order fold
 * each file once. */
int npk__chain_sealed_border(npk_reader *top, uint32_t e, npk_mth *out, npk_error *err);
/* 15.17.8: the leaf hashes [0, n) of the chain at edition e and below into
 * out (32 bytes a leaf), n being edition e's tree_size (else NPK_E_DIGEST);
 * each edition's sealed root checked against them on the way (NPK_E_DIGEST).
 * A lone sealed file: its own leaves. */
int npk__chain_sealed_leaves(npk_reader *top, uint32_t e, uint8_t *out, uint64_t n,
                             npk_error *err);
/* 15.17.9 (recipients.c): what a sealed reader holds of its seal, all
 * owned by the reader; k and tags NULL until a key opened it. NPK_E_ARG
 * unless r is sealed. */
struct npk__seal_keys;
typedef struct npk__seal_view {
	const struct npk__seal_keys *k;
	const uint8_t *seal;      /* the seal's bytes (checked), at off, len long */
	uint64_t off, len;
	int64_t sec;              /* its record in the directory */
	uint32_t nstanzas, opened; /* the stanzas (once opened); the one that gave fk */
	const uint8_t *tags;      /* 32 bytes a stanza; NULL: the archive has none */
	uint32_t sections;        /* the directory's records, the seal one of them */
	uint64_t signed_size;     /* the file's signed part (15.5) */
	const npk_section *stored; /* the directory's records, as stored */
	const npk_section *plain; /* once opened: sealed sections' plaintext lengths (len) */
	uint64_t stanzas_end;     /* once opened: where the stanzas end in seal (15.17.3) */
} npk__seal_view;
int npk__reader_seal_view(const npk_reader *r, npk__seal_view *v, npk_error *err);
/* The table record of cluster (page 0) or index page (page 1) i < its
 * count: offset, length, digest, and the v its sealing binds (15.17.5:
 * raw_size of a cluster, count of a page). */
void npk__reader_object_ref(const npk_reader *r, int page, uint32_t i, uint64_t *off,
                            uint32_t *len, uint64_t *v, const uint8_t **digest);
/* The reader's thread count, 0 (one per core) resolved. */
size_t npk__reader_threads(const npk_reader *r);
/* How many times clusters were decoded by npk_reader_read and find (not
 * by read-ahead): a test's measure of work, not a statistic. */
uint64_t npk__reader_cluster_loads(const npk_reader *r);

/* ---- Codecs (codec.c, spec/format.md 4.3) ---- */
/* An encoder for one codec and level; not shared between threads. */
typedef struct npk_encoder npk_encoder;
npk_encoder *npk__encoder_new(unsigned codec, int level);
/* 15.18: a zstd encoder of codec 3, with the raw content dictionary
 * content (len bytes, copied). */
npk_encoder *npk__encoder_new_dict(int level, const uint8_t *content, size_t len);
void npk__encoder_free(npk_encoder *e);
/* Compresses src into a malloc'ed buffer. If the result is not smaller than
 * src, *codec is NPK_CODEC_STORED and *out is a copy. */
int npk__compress(npk_encoder *e, const uint8_t *src, size_t len, unsigned *codec,
                  uint8_t **out, size_t *outlen, npk_error *err);
/* Whether src starts with an RFC 1950 header that every zlib decoder
 * takes alike: method 8, a window zlib accepts, good check bits, and no
 * preset dictionary. */
int npk__zlib_header_ok(const uint8_t *src, size_t len);
/* 15.18: a file's dictionary, ready to decode its clusters of codec 3
 * with; read-only once made, so readers of one file may share it. NULL
 * on no memory or content that is not raw (len < 8, or the magic of a
 * structured dictionary). */
typedef struct npk_dict npk_dict;
npk_dict *npk__dict_new(const uint8_t *content, size_t len);
void npk__dict_free(npk_dict *k);
/* A decoder for every codec; not shared between threads. */
typedef struct npk_decoder npk_decoder;
npk_decoder *npk__decoder_new(void);
void npk__decoder_free(npk_decoder *d);
/* Decodes exactly raw_len bytes into dst: the stream must end exactly at
 * the end of src and produce exactly raw_len bytes. what names the object
 * in messages. */
int npk__decompress(npk_decoder *d, unsigned codec, const uint8_t *src, size_t len,
                    uint8_t *dst, size_t raw_len, const char *what, npk_error *err);
/* The same, but a zlib stream is decoded only as far as its first want
 * bytes (at most raw_len), whose checks end there: for a reader that needs
 * no more of an object whose stored bytes matched their digest. */
int npk__decompress_prefix(npk_decoder *d, unsigned codec, const npk_dict *dict,
                           const uint8_t *src, size_t len, uint8_t *dst, size_t raw_len,
                           size_t want, const char *what, npk_error *err);
/* The same, for src made readable only as the decoder needs it: ready(ctx,
 * upto) makes src[0, upto) readable (a sealed cluster decrypted in place,
 * npk__seal_stream_upto), and is asked for all of src unless a zlib prefix
 * is read. */
typedef void (*npk_ready_fn)(void *ctx, size_t upto);
int npk__decompress_pull(npk_decoder *d, unsigned codec, const npk_dict *dict,
                         const uint8_t *src, size_t len, uint8_t *dst, size_t raw_len,
                         size_t want, npk_ready_fn ready, void *ctx, const char *what,
                         npk_error *err);

#endif
