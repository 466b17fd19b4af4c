/*
 * newspack.h - the public API of libnewspack.
 *
 * libnewspack reads and writes .npk archives as defined in spec/format.md
 * and key files as defined in spec/keys.md. The library never prints and
 * never exits: every fallible function returns an npk_err code and, when
 * given a non-NULL npk_error, fills it with that code and a message naming
 * the file and the problem.
 *
 * Ownership: an object made by npk_<object>_new() or returned through an
 * out-pointer belongs to the caller, who releases it with
 * npk_<object>_free(); every _free() accepts NULL. Strings and entries
 * handed to callbacks are valid only during the callback.
 */
#ifndef NEWSPACK_H
#define NEWSPACK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What the shared library exports: the functions declared here, nothing
 * else (it is built with -fvisibility=hidden). */
#if defined(__GNUC__) && __GNUC__ >= 4
#define NPK_API __attribute__((visibility("default")))
#else
#define NPK_API
#endif

#define NPK_VERSION_STRING "0.1.0"
#define NPK_FORMAT_MAJOR 1
#define NPK_FORMAT_MINOR 1

/* Error codes. The numbers are stable: they never change meaning. */
typedef enum npk_err {
	NPK_OK = 0,
	NPK_E_NOMEM = 1,      /* out of memory */
	NPK_E_IO = 2,         /* a read, write, open or rename failed */
	NPK_E_ARG = 3,        /* the caller passed something invalid */
	NPK_E_FORMAT = 4,     /* malformed archive: bad magic, field or offset */
	NPK_E_VERSION = 5,    /* needs a newer reader (version, flag, extension) */
	NPK_E_DIGEST = 6,     /* a digest does not match: damaged data */
	NPK_E_SIGNATURE = 7,  /* the signature does not verify */
	NPK_E_UNTRUSTED = 8,  /* valid signature by a key that is not trusted */
	NPK_E_NOTFOUND = 9,   /* no such document or file */
	NPK_E_KEY = 10,       /* malformed key file */
	NPK_E_PASSPHRASE = 11,/* passphrase missing or wrong */
	NPK_E_LIMIT = 12,     /* a limit of the format is exceeded */
	NPK_E_INPUT = 13,     /* unusable input file, path or metadata */
	NPK_E_EXISTS = 14,    /* refusing to overwrite an existing file */
	NPK_E_UNSAFE = 15,    /* a path would leave the output folder */
	NPK_E_CANCELED = 16,  /* stopped by the caller's cancel flag */
	NPK_E_SEALED = 17,    /* a sealed archive, and no key given to open it */
	NPK_E_NOKEY = 18      /* a sealed archive no key or passphrase given opens */
} npk_err;

/* Reasons: a finer cause within a code, for callers that must tell them
 * apart without reading the message. The numbers are stable. */
typedef enum npk_reason {
	NPK_R_NONE = 0,
	NPK_R_CHANGED = 1,    /* an input file changed while it was read */
	NPK_R_OTHER_FILE = 2  /* not the file a chain names: another manifest digest */
} npk_reason;

typedef struct npk_error {
	int code;             /* an npk_err */
	char msg[512];        /* human-readable, names the file and the problem */
	int reason;           /* an npk_reason; NPK_R_NONE unless set */
	size_t bare;          /* msg + bare: the message without the context
	                       * (file, object) that callers put before it */
} npk_error;

/* Returns a static description of an error code. */
NPK_API const char *npk_strerror(int code);
/* What makes zlib streams in this build: "libdeflate" or "zlib". The
 * bytes of an archive depend on it (spec/format.md 4.3). */
NPK_API const char *npk_deflate_name(void);

/* ---- Keys (spec/keys.md; minisign-compatible) ---- */

#define NPK_KEYID_BYTES 8
#define NPK_PUBKEY_BYTES 32

typedef struct npk_pubkey npk_pubkey;
typedef struct npk_seckey npk_seckey;

/* Makes a new Ed25519 key pair with a random key id. */
NPK_API int npk_keypair_generate(npk_pubkey **pk, npk_seckey **sk, npk_error *err);

/* Writes a secret key file. passphrase NULL writes it unencrypted. The
 * file (mode 0600) is written under a temporary name beside path, synced
 * and renamed into place, so path never holds half a key; an existing
 * file is an NPK_E_EXISTS error unless overwrite is set. */
NPK_API int npk_seckey_save(const npk_seckey *sk, const char *path,
                            const char *passphrase, int overwrite, npk_error *err);
/* Writes a public key file (mode 0644, same overwrite rule). */
NPK_API int npk_pubkey_save(const npk_pubkey *pk, const char *path, int overwrite,
                            npk_error *err);

/* Sets *encrypted to 1 when the secret key file needs a passphrase. */
NPK_API int npk_seckey_file_encrypted(const char *path, int *encrypted,
                                      npk_error *err);
/* Loads a secret key; passphrase may be NULL for an unencrypted key.
 * NPK_E_PASSPHRASE when one is needed or the given one is wrong. */
NPK_API int npk_seckey_load(const char *path, const char *passphrase,
                            npk_seckey **out, npk_error *err);
/* Loads a public key file, or parses its text (the whole file, or just the
 * base64 line). */
NPK_API int npk_pubkey_load(const char *path, npk_pubkey **out, npk_error *err);
NPK_API int npk_pubkey_parse(const char *text, size_t len, npk_pubkey **out,
                             npk_error *err);
/* Builds a public key from its raw parts. */
NPK_API int npk_pubkey_from_raw(const uint8_t id[NPK_KEYID_BYTES],
                                const uint8_t pk[NPK_PUBKEY_BYTES],
                                npk_pubkey **out, npk_error *err);
/* The public half of a secret key; NULL if out of memory. */
NPK_API npk_pubkey *npk_seckey_pubkey(const npk_seckey *sk);
NPK_API void npk_pubkey_free(npk_pubkey *pk);
NPK_API void npk_seckey_free(npk_seckey *sk);

NPK_API const uint8_t *npk_pubkey_id(const npk_pubkey *pk);    /* 8 bytes */
NPK_API const uint8_t *npk_pubkey_bytes(const npk_pubkey *pk); /* 32 bytes */
/* Encryption keys (spec/keys.md 9): an X25519 key pair whose public half,
 * a recipient, may open the sealed archives made for it (spec/format.md
 * 15.17) with the secret half, an identity. The files have the layouts of
 * the signing keys with "X1" in place of "Ed"; a key of one kind is refused
 * where the other is wanted (NPK_E_KEY), as is a recipient of low order. */
typedef struct npk_recipient npk_recipient;
typedef struct npk_identity npk_identity;
NPK_API int npk_identity_generate(npk_recipient **rcpt, npk_identity **id, npk_error *err);
NPK_API int npk_identity_save(const npk_identity *id, const char *path, const char *passphrase,
                              int overwrite, npk_error *err);
NPK_API int npk_identity_file_encrypted(const char *path, int *encrypted, npk_error *err);
NPK_API int npk_identity_load(const char *path, const char *passphrase, npk_identity **out,
                              npk_error *err);
NPK_API npk_recipient *npk_identity_recipient(const npk_identity *id);
NPK_API void npk_identity_free(npk_identity *id);
NPK_API int npk_recipient_save(const npk_recipient *r, const char *path, int overwrite,
                               npk_error *err);
NPK_API int npk_recipient_load(const char *path, npk_recipient **out, npk_error *err);
NPK_API int npk_recipient_parse(const char *text, size_t len, npk_recipient **out,
                                npk_error *err);
NPK_API void npk_recipient_free(npk_recipient *r);
NPK_API const uint8_t *npk_recipient_id(const npk_recipient *r);    /* 8 bytes */
NPK_API const uint8_t *npk_recipient_bytes(const npk_recipient *r); /* 32 bytes */

/* The keys that open sealed archives (spec/format.md 15.17): identities
 * (copied in) and at most one passphrase. */
typedef struct npk_keyring npk_keyring;
NPK_API npk_keyring *npk_keyring_new(void);
NPK_API int npk_keyring_add(npk_keyring *k, const npk_identity *id, npk_error *err);
/* npk_identity_load and npk_keyring_add in one, the same checks and
 * errors (NPK_E_PASSPHRASE: the file needs its passphrase); with rcpt,
 * *rcpt is the key's public half (npk_recipient_free). */
NPK_API int npk_keyring_add_file(npk_keyring *k, const char *path, const char *passphrase,
                                 npk_recipient **rcpt, npk_error *err);
NPK_API int npk_keyring_passphrase(npk_keyring *k, const char *passphrase, npk_error *err);
NPK_API void npk_keyring_free(npk_keyring *k);

/* Formats a key id as minisign does: %016X of the id read as a
         * little-endian 64-bit number. out must hold 17 bytes. */
NPK_API void npk_keyid_format(const uint8_t id[NPK_KEYID_BYTES], char out[17]);
/* Formats the fingerprint of a public key (spec/keys.md 4.1), which,
 * unlike the key id, is derived from the key itself: 8 groups of 4
 * lowercase hex digits, "4b65 c626 ...". out must hold NPK_FINGERPRINT_LEN
 * bytes. */
#define NPK_FINGERPRINT_LEN 40
NPK_API void npk_fingerprint_format(const uint8_t pk[NPK_PUBKEY_BYTES],
                                    char out[NPK_FINGERPRINT_LEN]);

/* Copies s (len bytes, as read from an archive or any outside source) to
 * out for a terminal or a log, with every byte that could be obeyed or
 * reorder the line written as \xNN: C0 controls (line breaks too), DEL,
 * backslash, the C1 controls U+0080-U+009F, the bidirectional controls
 * U+061C, U+200E, U+200F, U+202A-U+202E and U+2066-U+2069, and every byte
 * of s when s is not valid UTF-8. A cap of 4 * len + 4 holds any s; a
 * smaller one cuts the text with "...". Returns out. */
NPK_API const char *npk_text_escape(const char *s, size_t len, char *out, size_t cap);

/* A set of trusted public keys. */
typedef struct npk_trust npk_trust;
NPK_API npk_trust *npk_trust_new(void);
NPK_API void npk_trust_free(npk_trust *t);
/* Adds a copy of pk. */
NPK_API int npk_trust_add(npk_trust *t, const npk_pubkey *pk, npk_error *err);
/* Adds every *.pub file of a folder; a missing folder adds nothing. */
NPK_API int npk_trust_add_dir(npk_trust *t, const char *dir, npk_error *err);
NPK_API size_t npk_trust_count(const npk_trust *t);

/* ---- Metadata: an ordered list of (key, value) pairs ---- */

typedef struct npk_meta npk_meta;
NPK_API npk_meta *npk_meta_new(void);
NPK_API void npk_meta_free(npk_meta *m);
/* Appends a value (keys may repeat, e.g. "author"). Keys are 1-64 bytes of
 * [a-z0-9_.-]; values are valid UTF-8 without NUL. */
NPK_API int npk_meta_add(npk_meta *m, const char *key, const char *value,
                         npk_error *err);
/* Replaces every value of key with this one. */
NPK_API int npk_meta_set(npk_meta *m, const char *key, const char *value,
                         npk_error *err);
/* Removes every value of key. */
NPK_API void npk_meta_remove(npk_meta *m, const char *key);
NPK_API size_t npk_meta_count(const npk_meta *m);
/* The i-th pair (0-based); NULL key when i is out of range. */
NPK_API void npk_meta_get(const npk_meta *m, size_t i, const char **key,
                          const char **value);
/* The first value of key, or NULL. */
NPK_API const char *npk_meta_find(const npk_meta *m, const char *key);
/* Copies every pair of src into dst, replacing dst's values of the keys
 * src has. */
NPK_API int npk_meta_merge(npk_meta *dst, const npk_meta *src, npk_error *err);

/* Reads news metadata (title, author, date, section, source, language,
 * url, ...) from the first bytes of a document. head is the start of the
 * document (at most its first 64 KiB is looked at, or NPK_META_HTML_HEAD_MAX
 * bytes of an HTML page, whose metadata may sit after large scripts and
 * styles); media_type as from
 * npk_media_type_guess(). Fields that cannot be found are left out; odd
 * content is not an error. */
#define NPK_META_HTML_HEAD_MAX (1u << 20)
NPK_API int npk_meta_extract(const char *path, const uint8_t *head, size_t len,
                             const char *media_type, npk_meta *out, npk_error *err);
/* Applies a sidecar NAME.meta.json: a JSON object whose values are strings
 * or arrays of strings (null removes a field). Its fields replace those
 * found in the document. */
NPK_API int npk_meta_apply_sidecar(npk_meta *m, const char *json, size_t len,
                                   const char *sidecar_name, npk_error *err);
/* The metadata as one JSON object, the shape of list --json and of every
 * export (spec/metadata.md 11): compact, keys sorted, each KEY: "VALUE";
 * author and keywords, and any key that repeats, as KEY: ["VALUE", ...]
 * in their order. *out is malloc'd NUL-terminated text that the caller
 * frees; *len (may be NULL) gets its length. */
NPK_API int npk_meta_to_json(const npk_meta *m, char **out, size_t *len, npk_error *err);
/* The media type for a path and its first bytes (static string). */
NPK_API const char *npk_media_type_guess(const char *path, const uint8_t *head,
                                         size_t len);

/* ---- Creating archives ---- */

/* Codecs for clusters and index pages (spec/format.md 4.3). */
#define NPK_CODEC_ZLIB_ID 1   /* the default; every reader supports it */
#define NPK_CODEC_ZSTD_ID 2

typedef struct npk_create_opts {
	uint64_t timestamp;       /* creation time, Unix seconds UTC */
	size_t cluster_size;      /* target uncompressed cluster size; 0 = 1 MiB, 256 KiB
	                             with search_index */
	int codec;                /* NPK_CODEC_*_ID; 0 = zlib */
	int level;                /* zlib 1-9, 1-12 with libdeflate (0 = 7), zstd 1-19 (0 = 8) */
	int threads;              /* compressing threads; 0 = one per core */
	const npk_meta *archive_meta; /* title, description, ... (may be NULL) */
	/* Called for inputs that are skipped (devices, sockets, a symbolic
	 * link whose target cannot be stored; with format_10 every symbolic
	 * link inside a folder). */
	void (*warn)(const char *path, const char *why, void *ctx);
	/* Called after each document is added. */
	void (*progress)(uint64_t docs, uint64_t bytes, const char *path, void *ctx);
	void *ctx;
	/* When set and *cancel becomes non-zero (from a signal handler, say),
	 * the work stops with NPK_E_CANCELED and its temporary file is removed. */
	const volatile int *cancel;
	/* Replace an existing archive at out. out is never replaced when it is
	 * not a newspack archive, nor when it is one of the inputs or inside an
	 * input folder (NPK_E_EXISTS); without force, nor when it exists. */
	int force;
	/* fnmatch(3) patterns (no flags): a file or folder whose path in the
	 * archive, or any name in that path, matches one is left out (a
	 * folder with all it holds). Members of an imported tar, zip or WARC
	 * are not matched one by one (its folder is). */
	const char *const *exclude;
	size_t nexclude;
	/* Store an INPUT that is a tar, zip or WARC as the file itself, byte
	 * for byte, instead of reading its members. */
	int no_import;
	/* NULL, or one per input: paths[i], when not NULL, is the path in the
	 * archive of inputs[i], which must then be a regular file. */
	const char *const *paths;
	/* Write format version 1.0 (spec/format.md 1-14), for 1.0 readers,
	 * instead of 1.1 (section 15). */
	int format_10;
	/* Version 1.1: the key whose secret derives each document's salt
	 * (spec/format.md 15.7); npk_create sets it to its signing key. NULL:
	 * npk_writer_* write zero salts. */
	const npk_seckey *salt_key;
	/* Version 1.1: write no survival copies (spec/format.md 15.9). By
	 * default npk_create ends the archive with an unsigned tail holding
	 * copies of its header, tables, manifest and signature, which a reader
	 * uses when an original is damaged. */
	int no_copies;
	/* Version 1.1: write no Merkle tree (spec/format.md 15.13): no
	 * per-article proofs. By default the manifest holds the root of an
	 * RFC 9162 tree over the entries' leaves and the body its stored
	 * levels, from which npk_prove builds a proof of one document. */
	int no_tree;
	/* npk_create: Reed-Solomon parity of this percentage (1-100; 0 none)
	 * in the unsigned tail (spec/format.md 15.10), written after the
	 * signed part, read back once, before the archive is renamed into
	 * place. Version 1.1 only (NPK_E_ARG with format_10). */
	unsigned parity;
	/* Version 1.1: store every content, even one already stored (spec/
	 * format.md 15.7, "Shared bytes"). By default a document whose content
	 * (digest and size) equals one stored before in the same archive, or
	 * in an earlier edition of its chain, names that copy instead. */
	int no_dedup;
	/* Version 1.1: write a full-text index of the documents (spec/
	 * search.md 9): their text, language and metadata fields, for
	 * npk_search. */
	int search_index;
	/* Version 1.1: compress the clusters with a dictionary (spec/format.md
	 * 15.18) trained on the first 8 MiB of the documents: zstd (codec
	 * must be 0 or zstd) in clusters of 32 KiB unless cluster_size says
	 * otherwise (at most 1 MiB), each decoded on its own cheaply, and index
	 * pages of 16 KiB (64 KiB without), for an archive read at random. Readers
	 * older than 15.18 refuse such an archive as needing a newer reader.
	 * Under 256 KiB of documents no dictionary is made (plain zstd).
	 * npk_create only: npk_append and npk_merge refuse it (NPK_E_ARG). */
	int dictionary;
	/* Version 1.1: seal the archive (spec/format.md 15.17) for these
	 * recipients (keygen --encryption) and, when seal_passphrase is not
	 * NULL, for that passphrase (Argon2id); with neither the archive is
	 * not sealed. A sealed archive holds no Merkle tree for now, and
	 * sealing refuses a search index (NPK_E_ARG). */
	const npk_recipient *const *recipients;
	size_t nrecipients;
	const char *seal_passphrase;
} npk_create_opts;

typedef struct npk_create_stats {
	uint64_t documents;
	uint64_t bytes_in;        /* sum of document sizes */
	uint64_t bytes_out;       /* archive size */
	uint64_t skipped;         /* inputs not archived (see warn) */
	uint64_t folders;         /* empty folders stored (format 1.1) */
	uint64_t links;           /* symbolic links stored (format 1.1) */
	uint64_t dedup_documents; /* entries whose content was stored before */
	uint64_t dedup_bytes;     /* their bytes, stored once */
	uint64_t index_bytes;     /* opts->search_index: the index's two sections */
	uint64_t index_keys;      /* its distinct keys (field and term) */
	uint64_t index_truncated; /* documents indexed only in part (NPK__INDEX_DOC_MAX) */
	uint64_t dictionary_bytes; /* opts->dictionary: the dictionary's content (0: none made) */
} npk_create_stats;

/* Creates the archive at out from files and folders. A folder contributes
 * its contents, recursively; a file contributes itself under its base name.
 * NAME.meta.json beside NAME is read as NAME's sidecar and not stored.
 * An input that is a tar or zip (by its name: .tar, .tar.gz, .tgz, .tar.xz,
 * .txz, .tar.zst, .tzst, .tar.bz2, .tbz2, .zip) contributes its regular
 * members (and hard links to them) under their own paths, read as a stream;
 * a WARC capture (.warc, .warc.gz, or a file starting with a WARC record)
 * contributes a folder named after it with a document for each response,
 * resource and revisit record, and every record as captured
 * (spec/metadata.md, section 10). Every WARC digest is checked first: a
 * malformed or damaged record fails the whole call, naming it; a body that
 * cannot be decoded is kept as captured, with a warning. With
 * opts->no_import such inputs are stored as the files themselves.
 * The archive is written to a temporary file beside out, synced and
 * renamed over out, so out never holds a partial archive. An existing out
 * is replaced only as opts->force says; a folder at out is NPK_E_ARG. */
NPK_API int npk_create(const char *out, const char *const *inputs, size_t ninputs,
                       const npk_create_opts *opts, const npk_seckey *sk,
                       npk_create_stats *stats, npk_error *err);

/* The lower-level writer: documents must be added in strictly increasing
 * path byte order. Writes to fd, which the caller opened and closes. */
typedef struct npk_writer npk_writer;
NPK_API int npk_writer_new(int fd, const npk_create_opts *opts, npk_writer **out,
                           npk_error *err);
/* size is the document's exact size: npk_writer_end() fails with
 * NPK_E_INPUT when the data given differs (a file changed while read). */
NPK_API int npk_writer_begin(npk_writer *w, const char *path, const char *media_type,
                             const npk_meta *meta, uint64_t size, npk_error *err);
NPK_API int npk_writer_data(npk_writer *w, const void *buf, size_t len,
                            npk_error *err);
NPK_API int npk_writer_end(npk_writer *w, npk_error *err);
/* Version 1.1 only (spec/format.md 15.7; a 1.0 writer fails with
 * NPK_E_ARG, naming path): entries in the same path order as documents,
 * each with its leaf and salt. An empty folder (kind 2): no content,
 * media type inode/directory; no later entry may lie under path. A
 * symbolic link (kind 3): its content is target, len bytes (1 to 4096 of
 * UTF-8 without NUL, else NPK_E_INPUT), media type inode/symlink; the
 * target is stored as given, never resolved. meta may be NULL. */
NPK_API int npk_writer_add_folder(npk_writer *w, const char *path, const npk_meta *meta,
                                  npk_error *err);
NPK_API int npk_writer_add_symlink(npk_writer *w, const char *path, const char *target,
                                   size_t len, const npk_meta *meta, npk_error *err);
/* Writes index, tables, manifest, signature and trailer. */
NPK_API int npk_writer_finish(npk_writer *w, const npk_seckey *sk, npk_error *err);
NPK_API uint64_t npk_writer_size(const npk_writer *w);
NPK_API void npk_writer_free(npk_writer *w);

/* ---- Reading archives ---- */

typedef struct npk_reader npk_reader;

#define NPK_DIGEST_BYTES 32

typedef struct npk_entry {
	const char *path;         /* NUL-terminated */
	const char *media_type;
	uint64_t size;
	uint8_t digest[NPK_DIGEST_BYTES]; /* BLAKE2b-256 of the content */
	uint64_t ordinal;         /* position in the index, from 0 */
	uint32_t cluster;         /* first cluster (0xFFFFFFFF when empty) */
	uint32_t offset;          /* offset in that cluster's data */
	const npk_meta *meta;
	/* version 1.1 (spec/format.md 15.7); a 1.0 archive's entries read as
	 * documents with no leaf (UINT64_MAX) and a zero salt */
	unsigned kind;            /* NPK_KIND_DOCUMENT, ... */
	uint64_t leaf;
	uint8_t salt[16];
	/* editions (spec/format.md 15.15): the edition whose index holds the
	 * entry (0 in a lone archive), and the edition whose data stream holds
	 * its content (ref_kind 1: an earlier one; else the same) */
	uint32_t edition;
	uint32_t ref_edition;
	unsigned ref_kind;
} npk_entry;

/* Entry kinds (spec/format.md 15.7). */
enum {
	NPK_KIND_DOCUMENT = 0,
	NPK_KIND_WITHDRAWN = 1,
	NPK_KIND_FOLDER = 2,
	NPK_KIND_SYMLINK = 3
};

typedef struct npk_info {
	unsigned version_major, version_minor;
	uint64_t file_size;
	uint64_t created;         /* Unix seconds UTC */
	uint64_t documents;
	uint64_t bytes;           /* sum of document sizes */
	uint64_t clusters;
	uint64_t pages;
	uint64_t stored_bytes;    /* sum of stored cluster sizes */
	uint8_t key_id[NPK_KEYID_BYTES];
	uint8_t signer[NPK_PUBKEY_BYTES];
	int trusted;              /* 1 when the signer is in the trust set */
	const char *comment;      /* the signed (trusted) comment */
	const npk_meta *meta;     /* archive metadata */
	/* Survival copies (spec/format.md 15.9): the structures whose original
	 * is damaged and whose copy in the tail served instead (NPK_COPY_*
	 * bits); 0 when every original is intact. The archive reads as intact;
	 * npk_reader_verify reports each as damage. */
	unsigned copies_served;
	/* The Merkle tree (spec/format.md 15.13), as the signed manifest
	 * gives it: 0 when the archive has none (no per-article proofs). */
	int tree;
	uint64_t tree_size;       /* leaves */
	uint8_t tree_root[32];    /* SHA-256 */
	/* Sealed (spec/format.md 15.17): 0 not sealed; 1 sealed, not opened
	 * (the counts, sizes and metadata above are hidden: 0); 2 sealed and
	 * opened by npk_reader_unseal. */
	int sealed;
	/* Editions (spec/format.md 15.15): the newest file's edition number (0:
	 * a base or a lone archive), the edition whose state is read (--at),
	 * and H(manifest) of the base (the chain's name) and of this file. The
	 * fields above describe the file of edition at_edition (its counts are
	 * its own entries'); npk_reader_edition gives each edition's. */
	uint32_t edition;
	uint32_t at_edition;
	uint8_t base_digest[32];
	uint8_t manifest_digest[32];
} npk_info;
#define NPK_COPY_HEADER 0x01u        /* the 32-byte header */
#define NPK_COPY_PAGE_TABLE 0x02u
#define NPK_COPY_CLUSTER_TABLE 0x04u
#define NPK_COPY_MANIFEST 0x08u      /* manifest, signature block and signed trailer */
#define NPK_COPY_TAIL_TRAILER 0x10u  /* the tail trailer did not lead to the copies,
                                        found by scanning the file */
#define NPK_COPY_SEAL 0x20u          /* a sealed archive's seal (format 15.17.8) */
#define NPK_COPY_DICT 0x40u          /* the compression dictionary (format 15.18) */

/* Opens an archive: checks the header and trailer, the signature over the
 * manifest, the manifest, and the digests of the page and cluster tables.
 * With trust NULL or a signer not in it, the signature is checked with the
 * signer's key stored in the archive and the reader is marked untrusted;
 * open then fails with NPK_E_UNTRUSTED unless allow_untrusted is set. */
NPK_API int npk_reader_open(const char *path, const npk_trust *trust,
                            int allow_untrusted, npk_reader **out, npk_error *err);
NPK_API void npk_reader_free(npk_reader *r);
NPK_API void npk_reader_info(const npk_reader *r, npk_info *info);

/* ---- Editions (spec/format.md 15.15) ----
 * npk_reader_open on an edition opens its chain: the earlier files are
 * found beside it by the names their links give (or among opts->files)
 * and opened as they are needed; list, find, read, verify, extract, export
 * and prove then see the chain's state. */
#define NPK_AT_NEWEST 0
#define NPK_AT_EDITION 1
#define NPK_AT_TIME 2
typedef struct npk_chain_opts {
	const char *const *files; /* --chain: earlier files of the chain, in any order */
	size_t nfiles;
	int at;                   /* NPK_AT_*: the state read */
	uint32_t at_edition;      /* NPK_AT_EDITION */
	uint64_t at_time;         /* NPK_AT_TIME: the newest edition created at or before */
	int all;                  /* npk_reader_list: every entry of every edition up to the
	                           * state, by path then edition, withdrawals included */
	/* called for each file of opts->files that is not in the chain */
	void (*warn)(const char *file, const char *why, void *ctx);
	void *ctx;
} npk_chain_opts;
NPK_API int npk_reader_open_chain(const char *path, const npk_trust *trust,
                                  int allow_untrusted, const npk_chain_opts *opts,
                                  npk_reader **out, npk_error *err);
/* One edition of the chain of r (0 .. info.edition), as its manifest and
 * link give it; opens its file when not yet open (NPK_E_NOTFOUND naming a
 * missing one). */
typedef struct npk_edition_info {
	uint32_t edition;
	const char *file;         /* as found */
	uint64_t created;
	uint64_t entries;         /* its own index entries */
	uint64_t tree_size;
	uint8_t key_id[NPK_KEYID_BYTES];
	uint8_t signer[NPK_PUBKEY_BYTES];
	int rotated;              /* signed by another key than edition - 1, by its statement */
	uint8_t manifest_digest[32];
	uint64_t file_size;
} npk_edition_info;
NPK_API int npk_reader_edition(npk_reader *r, uint32_t e, npk_edition_info *out,
                               npk_error *err);

/* Progress of a long task: documents and content bytes done so far, and
 * the document just done. */
typedef void (*npk_progress_cb)(uint64_t docs, uint64_t bytes, const char *path, void *ctx);
/* A progress callback for npk_reader_verify, called after each document. */
NPK_API void npk_reader_set_progress(npk_reader *r, npk_progress_cb fn, void *ctx);

/* Threads that read, check and decode clusters ahead of a full verify or
 * an extract of everything; 0 (the default) means one per core, 1 none. */
NPK_API void npk_reader_set_threads(npk_reader *r, int threads);
/* Documents read one by one in no order (a server, a search): with
 * random set, npk_reader_read decodes each document's cluster only as far
 * as the document, every time; without (the default), a reader that goes
 * on to another stretch of the archive decodes whole clusters, so that a
 * walk in order decodes each at most twice. */
NPK_API void npk_reader_set_random(npk_reader *r, int random);
/* Readers of one archive on several threads (a server): r shares with
 * other the record of the clusters whose stored bytes matched their
 * digests in this process, so that a document later read on its own from
 * one of them, which is checked against its own digest before any of it
 * is given out, does not hash the whole cluster again. A document spread
 * over clusters still has each cluster checked before its bytes. Refused
 * (NPK_E_ARG) unless both read the same clusters (the same cluster table
 * digest); either may be freed first. With r == other, r starts a record
 * of its own (before other threads use r: the record is made then). */
NPK_API int npk_reader_share_checks(npk_reader *r, npk_reader *other, npk_error *err);
/* A sealed archive (spec/format.md 15.17) opens without a key: its
 * signature, tables and every stored byte's digest can be checked
 * (npk_reader_verify), while its documents, paths, metadata and counts
 * stay hidden (npk_info.sealed 1) and every read fails with NPK_E_SEALED.
 * npk_reader_unseal opens it with keys: a stanza of its seal gives the file
 * key (NPK_E_NOKEY when none does: not a recipient, or the wrong
 * passphrase; NPK_E_LIMIT for Argon2id parameters above the caps), the
 * sealed manifest gives what the manifest and tables hid, all checked;
 * then the archive reads as any other. A no-op on an archive not sealed or
 * already opened. */
NPK_API int npk_reader_unseal(npk_reader *r, const npk_keyring *keys, npk_error *err);

/* The stanzas of a sealed archive's seal (spec/format.md 15.17.4): who
 * they are for is hidden, their number and types are not. index: whether
 * the key given to npk_reader_unseal opened this one (-1 until opened);
 * for an X25519 stanza, with the archive opened, npk_reader_stanza_of
 * finds the stanza made for a public key by its recipient tag (15.17.6):
 * its index, or -1 when it is not a recipient; NPK_E_ARG when not opened,
 * NPK_E_NOTFOUND when the archive records no tags. */
#define NPK_STANZA_X25519 1u
#define NPK_STANZA_PASSPHRASE 2u
typedef struct npk_stanza {
	unsigned type;            /* NPK_STANZA_*, or another, unknown */
	int opened;               /* 1: it gave the file key; 0 not; -1 not opened yet */
} npk_stanza;
NPK_API int npk_reader_stanzas(npk_reader *r, npk_stanza *out, size_t cap, size_t *n,
                               npk_error *err);
NPK_API int npk_reader_stanza_of(npk_reader *r, const npk_recipient *rcp, long *index,
                                 npk_error *err);

/* Changes the recipients of the sealed archive at path (spec/format.md
 * 15.17.9), signed again by sk, which must be its signer's key (so no
 * trust list is asked: its holder is the signer); keys must
 * open it, and it must verify whole first. Adding needs no object
 * encrypted again: the seal is written anew with the file key given to the
 * new recipients, then the tables, manifest and signature. Removing takes
 * stanzas out, found by their tags; whoever held a removed key may have
 * kept the file key, which still opens every object: only rekey (a new
 * file key and file id, every object sealed again, each keeping its size
 * and place) shuts them out. With rekey, every stanza that stays is made
 * again: an X25519 stanza for a key of keep, or for the key in keys that
 * opened it; a passphrase stanza with the passphrase in keys; a stanza no
 * key given accounts for is refused (it would lock its recipient out).
 * Parity and survival copies are written again as the archive had them.
 * The new file replaces path (out NULL) or goes to out (which must not
 * exist), and only once it verifies whole. */
typedef struct npk_recipients_opts {
	const npk_recipient *const *add;     /* X25519 recipients to add */
	size_t nadd;
	const char *add_passphrase;          /* a passphrase stanza to add (NULL: none) */
	const npk_recipient *const *remove;  /* X25519 recipients to remove */
	size_t nremove;
	int remove_passphrases;              /* every passphrase stanza goes */
	int rekey;
	const npk_recipient *const *keep;    /* with rekey: recipients that stay */
	size_t nkeep;
} npk_recipients_opts;
typedef struct npk_recipients_result {
	uint32_t before, after;              /* stanzas */
	uint32_t added, removed;
	int rekeyed;
	uint64_t objects;                    /* sealed again (rekey) */
	unsigned parity;                     /* the parity percentage written again (0: none) */
	int copies;                          /* survival copies written again */
	int verified_opened;                 /* the new file verified with the key given (else: the
	                                        key given no longer opens it; audited) */
} npk_recipients_result;
NPK_API int npk_recipients_change(const char *path, const char *out, const npk_keyring *keys,
                                  const npk_seckey *sk,
                                  const npk_recipients_opts *o, npk_recipients_result *res,
                                  npk_error *err);

/* Whether npk_reader_list and npk_reader_find decode each document's
 * metadata list (the default, decode = 1). With 0, for a caller that shows
 * only paths, sizes and media types, an entry's meta is NULL and metadata
 * lists are neither decoded nor checked (spec 11, step 8 still checks every
 * page's digest and every other field). npk_reader_verify always checks
 * them. */
NPK_API void npk_reader_set_meta(npk_reader *r, int decode);

/* Calls cb for every document in path order, reading and checking one
 * index page at a time. cb returns 0 to go on, non-zero to stop (that value
 * is returned). */
typedef int (*npk_entry_cb)(const npk_entry *e, void *ctx);
NPK_API int npk_reader_list(npk_reader *r, npk_entry_cb cb, void *ctx,
                            npk_error *err);
/* Finds one document by binary search (one index page read). The entry is
 * valid until the next call on r. NPK_E_NOTFOUND if absent. */
NPK_API int npk_reader_find(npk_reader *r, const char *path, const npk_entry **out,
                            npk_error *err);
/* Where the content of e (an entry of r, from list or find) starts in the
 * data stream of the file that holds it (spec/format.md 5.3, 15.7:
 * start(cluster) + offset): r's own file, or with ref_kind 1 the earlier
 * edition's (15.15), opened when it is not yet. Entries whose extents
 * start at one offset of one file share those bytes. NPK_E_ARG for an
 * entry without content; NPK_E_FORMAT when its position is not in that
 * file's tables; a file of the chain that cannot be opened, as read. */
NPK_API int npk_reader_stream_offset(npk_reader *r, const npk_entry *e, uint64_t *off,
                                     npk_error *err);
/* Reads a document's content. Each cluster's digest is checked before any
 * of its bytes reach sink; a document held in one cluster also has its own
 * digest checked first. sink returns 0 to go on. A symbolic link's content
 * is its target, handed to sink whole once its digest matched and it is
 * 1 to 4096 bytes of UTF-8 without NUL (else NPK_E_FORMAT); a folder or a
 * withdrawn document has none (spec/format.md 15.7). */
typedef int (*npk_sink)(const uint8_t *buf, size_t len, void *ctx);
NPK_API int npk_reader_read(npk_reader *r, const npk_entry *e, npk_sink sink,
                            void *ctx, npk_error *err);

/* ---- Full-text search (spec/search.md) ----
 * Searches the full-text indexes of archives (npk_create_opts.search_index)
 * and of every file of their chains for query (spec/search.md 8: words,
 * "phrases", field:value, date:FROM..TO, AND, OR, NOT). Each index page
 * read is checked against its digest. Hits are ranked by BM25 over every
 * index given (the title weighted up); a replaced or withdrawn version
 * never appears. NPK_E_ARG: a bad query; NPK_E_NOTFOUND: an archive
 * without an index; NPK_E_DIGEST / NPK_E_FORMAT: a damaged index. */
#define NPK_QUERY_MAX 4096   /* bytes of a query (spec/search.md 8) */
typedef struct npk_search_opts {
	size_t limit;             /* hits wanted (0: 10) */
	int snippets;             /* read each hit's text for a snippet */
} npk_search_opts;
typedef struct npk_search_hit {
	size_t archive;           /* which of the readers given */
	uint32_t edition;         /* the edition whose index holds the entry */
	char *path, *title, *date; /* title, date: NULL when it has none */
	double score;
	char *snippet;            /* UTF-8 text, or NULL */
	uint64_t *marks;          /* nmarks pairs [start, end) of bytes of snippet: the
	                             query's words */
	size_t nmarks;
} npk_search_hit;
typedef struct npk_search_result {
	npk_search_hit *hits;
	size_t nhits;
	uint64_t matched;         /* documents that match */
	int matched_exact;        /* 0: an estimate (phrases and editions checked only for
	                             the hits shown) */
	uint64_t unindexed_files; /* files of a chain without an index: not searched */
} npk_search_result;
NPK_API int npk_search(npk_reader *const *readers, size_t n, const char *query,
                       const npk_search_opts *opts, npk_search_result *res, npk_error *err);
NPK_API void npk_search_result_free(npk_search_result *res);

/* One problem found by a full verification. */
typedef struct npk_problem {
	int code;                 /* NPK_E_DIGEST, NPK_E_FORMAT, ... */
	const char *object;       /* "cluster", "page", "document", "layout"; a damaged
	                             original whose survival copy serves (15.9): "header",
	                             "page table", "cluster table", "manifest",
	                             "tail trailer" (number 0) */
	uint64_t number;          /* cluster, page or document number */
	uint64_t offset;          /* file offset of the object */
	const char *path;         /* the document, or NULL */
	const char *message;
	/* 1: a finding about the unsigned tail (spec/format.md 15.5; object
	 * "tail" or "tail section"), which is never trusted: it changes neither
	 * the return of npk_reader_verify nor any count but tail_problems */
	int tail;
	/* the documents this problem hides: for a page that cannot be read,
	 * those it holds (or those after its bad entry), none of them listed;
	 * else 0 */
	uint64_t hidden;
} npk_problem;
typedef void (*npk_problem_cb)(const npk_problem *p, void *ctx);

typedef struct npk_verify_stats {
	uint64_t documents, documents_bad;
	uint64_t clusters, clusters_bad;
	uint64_t pages, pages_bad;
	uint64_t bytes;           /* document bytes checked */
	/* what this reader cannot decode (a newer codec): not damage */
	uint64_t documents_unsupported, clusters_unsupported, pages_unsupported;
	/* version 1.1 (spec/format.md 15): the sections of the directory, and
	 * of them those of a type this reader does not know (not critical:
	 * skipped, but tiled and their digests checked) */
	uint64_t sections, sections_unknown;
	/* the entries read, by kind (15.7); documents above counts them all */
	uint64_t kind_documents, kind_withdrawn, kind_folders, kind_links;
	/* the unsigned tail (15.5): whether there is one, the sections its
	 * directory names (when it could be read), and the problems reported
	 * about it (0: intact) */
	int tail;
	uint64_t tail_sections, tail_problems;
	/* the survival copies (15.9): the extents the tail holds a copy of (0:
	 * none found), and the damaged originals whose copy served (NPK_COPY_*
	 * bits, as npk_info's copies_served; each is also a problem) */
	uint64_t copies;
	unsigned copies_served;
	/* the Merkle tree (15.13): whether the archive has one, its size and
	 * root (as the manifest says), and the problems reported about it (0:
	 * every leaf, level and the root check) */
	int tree;
	uint64_t tree_size;
	uint8_t tree_root[32];
	uint64_t tree_problems;
	/* sealed (spec/format.md 15.17): 0 not sealed; 1 checked without a
	 * key (every stored byte, nothing opened); 2 opened and checked whole */
	int sealed;
	/* sealed and checked without a key: 1 when the manifest commits to a
	 * Merkle tree whose root only a key shows (15.17.6) */
	int tree_sealed;
} npk_verify_stats;

/* Checks every byte: the layout, every page, every cluster and every
 * document digest. Every problem is reported to cb (may be NULL); the
 * return is NPK_OK, or the code of the first damage, or NPK_E_VERSION when
 * the only problems are objects this reader cannot decode. */
NPK_API int npk_reader_verify(npk_reader *r, npk_problem_cb cb, void *ctx,
                              npk_verify_stats *stats, npk_error *err);

/* Extracts documents under dir (which must exist). paths NULL extracts
 * all; a path that names only withdrawn documents is NPK_E_NOTFOUND. Nothing is written outside dir: no "..", absolute path or symlink
 * is followed. Without force, existing files are refused before anything
 * is written. Each file is written unnamed (or under a temporary name),
 * checked, and only then named.
 * Damage does not stop it (spec/format.md 11, on_damage = CONTINUE): every
 * document whose clusters and digest check out is written; an index page
 * that cannot be read, a damaged cluster and each document not written are
 * reported to damaged, and the return is then the damage's code
 * (NPK_E_DIGEST, NPK_E_FORMAT; NPK_E_VERSION when all of it only needs a
 * newer reader) with a message counting the documents not written. Damage
 * in the header, manifest, signature or tables fails npk_reader_open. */
typedef struct npk_extract_opts {
	int force;
	void (*progress)(uint64_t docs, uint64_t bytes, const char *path, void *ctx);
	void *ctx;
	const volatile int *cancel;   /* as in npk_create_opts */
	int make_dir;   /* a missing dir is made with its parents (mode 0777 less the
	                 * umask) once the checks passed; else it is NPK_E_NOTFOUND */
	/* Leave file.mtime and file.executable (spec/metadata.md 2.1) unset:
	 * files get the time of extraction and no execute permission. */
	int no_mtime;
	/* Entries of version 1.1 (spec/format.md 15.7): empty folders are made
	 * (file.mtime as for files); withdrawn documents are never written;
	 * symbolic links are written only with symlinks set, and only when
	 * their target stays inside dir (15.7), else skipped. Every link's
	 * target is read and checked (a bad one is NPK_E_FORMAT). notice, if
	 * set, is called for each folder made and link written (why NULL) and
	 * for each link or withdrawn document not written (why says so). */
	int symlinks;
	void (*notice)(const npk_entry *e, const char *why, void *ctx);
	/* Called (may be NULL) for each problem that leaves documents unwritten,
	 * as npk_reader_verify reports it: object "page" (hidden: the documents
	 * it hides), "cluster" (once, before its first document), "document"
	 * (path set: one document not written), or "layout". */
	void (*damaged)(const npk_problem *p, void *ctx);
} npk_extract_opts;
NPK_API int npk_extract(npk_reader *r, const char *dir, const char *const *paths,
                        size_t npaths, const npk_extract_opts *opts,
                        uint64_t *written, npk_error *err);

/* ---- Appending an edition (spec/format.md 15.15) ---- */
typedef struct npk_append_opts {
	/* timestamp, codec, level, threads, warn, progress, ctx, cancel,
	 * exclude, no_import, paths, no_copies, parity as for npk_create;
	 * archive_meta NULL keeps the previous edition's; force replaces an
	 * existing out that is no file of the chain */
	npk_create_opts create;
	const char *const *withdraw;  /* paths of the state to withdraw */
	size_t nwithdraw;
	const char *reason;           /* withdrawn.reason of each, or NULL */
	const char *rotation;         /* an npk-rotation/v1 file, or NULL */
	const npk_chain_opts *chain;  /* earlier files (files, nfiles); may be NULL */
	int fork;                     /* append after a PREVIOUS that is not the newest */
	/* with create.search_index: the edition's index covers the chain's
	 * whole state, every current document of the earlier files as well as
	 * its own (spec/search.md 9.1), for a chain whose files have none */
	int index_chain;
	/* a sealed chain (spec/format.md 15.17.8): the keys that open
	 * PREVIOUS. The edition is sealed with the chain's file key for the
	 * same stanzas, and one more for each of create.recipients (added
	 * recipients, who read the whole chain); create.seal_passphrase is
	 * refused (a passphrase stanza of PREVIOUS is carried over) */
	const npk_keyring *keys;
} npk_append_opts;
typedef struct npk_append_stats {
	uint32_t edition;             /* the new edition's number */
	uint64_t added, replaced, unchanged, withdrawn;
	uint64_t referenced;          /* entries whose content is in an earlier edition */
	uint64_t bytes_in;            /* content bytes of the entries written */
	uint64_t bytes_stored;        /* of them, stored in the new file */
	uint64_t bytes_out;           /* the new file's size */
	uint64_t tree_size;
	uint64_t dedup_documents;     /* entries whose content this file stored before */
	uint64_t dedup_bytes;         /* their bytes (not in bytes_stored) */
	uint64_t index_bytes, index_keys; /* search_index / index_chain: the index's */
	uint64_t indexed;             /* index_chain: the documents of the state indexed */
} npk_append_stats;
/* Writes out, the edition after previous (which is never changed), holding
 * what inputs add or change in the chain's state and the withdrawals.
 * NPK_E_NOTFOUND when nothing is new (no file then). As npk_create: a
 * temporary file beside out, synced and renamed; out is never a file of
 * the chain. */
NPK_API int npk_append(const char *previous, const char *out, const char *const *inputs,
                       size_t ninputs, const npk_append_opts *opts, const npk_seckey *sk,
                       npk_append_stats *stats, npk_error *err);
/* The npk-rotation/v1 text (malloc'ed) by which old, the signer of
 * previous, lets new_key sign the edition after it. */
NPK_API int npk_rotation_make(const char *previous, const npk_chain_opts *chain,
                              const npk_seckey *old, const npk_pubkey *new_key, char **text,
                              size_t *len, npk_error *err);

/* ---- Merging archives (spec/format.md 15.16) ---- */
typedef struct npk_merge_opts {
	/* timestamp, level, threads, cancel, force, parity, no_copies,
	 * no_dedup as for npk_create; codec 0 takes the first input's (the
	 * clusters of another codec are recompressed); archive_meta NULL keeps
	 * the first input's */
	npk_create_opts create;
	/* the inputs that win a path held by several inputs with different
	 * entries, the first named first (each one of the inputs, as given) */
	const char *const *prefer;
	size_t nprefer;
	/* leave out the paths an input's chain withdrew, and their bytes
	 * (without it an input whose state holds a withdrawal is refused) */
	int drop_withdrawn;
	const npk_chain_opts *chain;  /* earlier files of the inputs' chains; may be NULL */
	const npk_trust *trust;       /* each input's signer must be trusted... */
	int allow_untrusted;          /* ...unless this is set */
	/* sealed inputs (spec/format.md 15.17): the keys that open them (NULL:
	 * none, and a sealed input is refused); the output is sealed when
	 * create's recipients or seal_passphrase say so, whatever the inputs */
	const npk_keyring *keys;
} npk_merge_opts;
typedef struct npk_merge_stats {
	uint64_t inputs;
	uint64_t documents;           /* entries written (every kind) */
	uint64_t identical;           /* paths held identically by several inputs */
	uint64_t preferred;           /* paths held differently, won by --prefer */
	uint64_t withdrawn_dropped;   /* paths withdrawn in an input's chain, left out */
	uint64_t clusters;            /* clusters of the output */
	uint64_t clusters_copied;     /* of them, copied as stored from an input */
	uint64_t clusters_in;         /* clusters of the inputs' files holding the state */
	uint64_t bytes_copied;        /* stored bytes of the clusters copied */
	uint64_t bytes_recompressed;  /* content bytes decoded and stored again */
	uint64_t dedup_documents;     /* entries whose content another entry stored */
	uint64_t dedup_bytes;         /* their bytes, stored once */
	uint64_t bytes_out;           /* the output's size */
	/* the most copied stretches a reader of the output in path order goes
	 * back and forth between (1: inputs that do not interleave; newspack's
	 * reader keeps up to 16 decoded clusters for it, spec/format.md 15.7) */
	uint64_t interleave;
	uint64_t index_bytes;         /* create.search_index: the index's sections */
	uint64_t index_keys;          /* its distinct keys */
} npk_merge_stats;
/* Writes out, one lone archive holding the state of every input (a lone
 * archive, or the newest edition of a chain) in path order, with a new
 * Merkle tree, signed by sk. Each input is opened and checked (signature,
 * tables, index, the digest of every cluster copied); a cluster whose
 * bytes all stay in the output is copied as stored, the other contents are
 * decoded, checked and stored again. Nothing is written when an input
 * fails, when a path is held differently by inputs of which no preferred
 * one wins, or when a withdrawal would be dropped without drop_withdrawn.
 * As npk_create: a temporary file beside out, synced and renamed. */
NPK_API int npk_merge(const char *out, const char *const *inputs, size_t ninputs,
                      const npk_merge_opts *opts, const npk_seckey *sk, npk_merge_stats *stats,
                      npk_error *err);

/* ---- Checking a chain (spec/format.md 15.15) ----
 * OWNER: the tree/check-chain work: npk_check_chain and its report. */
/* What npk_check_chain found of one edition, in edition order. */
typedef struct npk_chain_edition {
	uint32_t edition;
	const char *file;         /* as found */
	uint64_t created;         /* Unix seconds, the signer's claim */
	uint64_t entries;         /* its own index entries */
	uint64_t tree_size;
	uint8_t tree_root[32];
	uint8_t manifest_digest[32];
	uint8_t key_id[NPK_KEYID_BYTES];
	uint8_t signer[NPK_PUBKEY_BYTES];
	int signature_ok;         /* its own signature checks with its own key */
	int key_trusted;          /* that key is trusted (or is the key given) */
	int rotated;              /* another key than edition - 1's, by a valid statement */
	uint8_t rotated_from[NPK_KEYID_BYTES];
	int consistent;           /* edition >= 1: the consistency proof from edition - 1
	                           * checked against both signed roots */
	int root_ok;              /* the root from its stored nodes is the signed root */
	int ok;                   /* no problem of its own */
	/* sealed (spec/format.md 15.17.8): its entries, tree and the leaves
	 * before it are hidden (0 above); its tree is checked by verify with a
	 * key, which rebuilds the chain's leaves */
	int sealed;
} npk_chain_edition;
/* One problem (each makes the chain DAMAGED). */
typedef struct npk_chain_problem {
	uint32_t edition;         /* the edition concerned, UINT32_MAX: the chain's files */
	const char *file;         /* NULL when not known */
	const char *other;        /* the other file (a fork, a predecessor), or NULL */
	int code;                 /* NPK_E_* */
	const char *message;      /* without the file names before it */
} npk_chain_problem;
typedef struct npk_check_chain_opts {
	const npk_chain_opts *chain;  /* --chain files (files, nfiles, warn); may be NULL */
	/* -p: the newest signer MUST be this key or rotated from it (then
	 * trust is not consulted); NULL: trust decides */
	const npk_pubkey *given;
	void (*edition)(const npk_chain_edition *e, void *ctx);
	void (*problem)(const npk_chain_problem *p, void *ctx);
	void *ctx;
} npk_check_chain_opts;
typedef struct npk_chain_result {
	uint32_t editions;        /* newest + 1 */
	uint32_t checked;         /* editions whose files were read */
	uint64_t problems;
	uint32_t forks;
	int trusted;              /* the newest signer is trusted (15.15 "Trust") */
	uint64_t tree_size;       /* the newest edition's */
	uint8_t root[32];
	uint8_t base_digest[32];
} npk_chain_result;
/* Checks the chain whose newest file is newest without reading documents
 * (15.15): each file once (header, trailer, its signature with its own
 * key, manifest, tables, tree section digest and root), the links, the
 * consistency proof of each edition against the one before, forks among
 * the chain's files, opts->chain's and the *.npk files beside newest.
 * NPK_OK when the chain was checked (res->problems says whether it is
 * damaged); else why newest could not be read at all. */
NPK_API int npk_check_chain(const char *newest, const npk_trust *trust,
                            const npk_check_chain_opts *opts, npk_chain_result *res,
                            npk_error *err);
/* check-proof --archive (15.15): what became of the document proven by
 * p in the chain of r (opened on the chain's newest file). */
enum { NPK_FATE_CURRENT = 0, NPK_FATE_REPLACED = 1, NPK_FATE_WITHDRAWN = 2 };
typedef struct npk_proof_fate {
	uint32_t edition;         /* the edition whose manifest the proof holds */
	uint32_t editions;        /* the chain's: newest + 1 */
	int fate;                 /* NPK_FATE_* */
	uint32_t changed_in;      /* the first edition after it that replaced or withdrew it */
	char *reason;             /* withdrawn.reason (malloc'ed), or NULL */
} npk_proof_fate;
/* NPK_E_DIGEST "the proof is not of this chain" when p's manifest is not
 * the manifest of an edition of r's chain; NPK_E_NOTFOUND naming a file
 * of the chain that is missing. Clear out with npk_proof_fate_clear. */
struct npk_proof;
NPK_API int npk_proof_fate_of(npk_reader *r, const struct npk_proof *p, npk_proof_fate *out,
                              npk_error *err);
NPK_API void npk_proof_fate_clear(npk_proof_fate *f);

/* ---- Salvage (spec/format.md 15.11) ---- */

/* What salvage found of a structure that was not where and as it should
 * be (an intact one is not reported). */
enum {
	NPK_SALVAGE_INTACT = 0,
	NPK_SALVAGE_MOVED = 1,    /* proven bytes found at another offset (found) */
	NPK_SALVAGE_REBUILT = 2,  /* rebuilt from the objects found; its digest matched */
	NPK_SALVAGE_LOST = 3,     /* damaged or not found: not used */
	NPK_SALVAGE_UNPROVEN = 4  /* the cluster table: rebuilt, its digest did not match;
	                           * each document is proven by its own digest alone */
};
typedef struct npk_salvage_note {
	const char *structure;    /* "header", "manifest", "page table", "cluster table",
	                           * "index page", "cluster" */
	uint64_t number;          /* the page's or cluster's number, else 0 */
	uint64_t offset;          /* where it belongs in the archive */
	uint64_t found;           /* where its bytes were found (NPK_SALVAGE_MOVED) */
	int state;                /* NPK_SALVAGE_* */
} npk_salvage_note;
typedef struct npk_salvage_opts {
	const npk_trust *trust;   /* as npk_reader_open */
	int allow_untrusted;
	/* How documents are written, as npk_extract (make_dir is always set);
	 * extract.damaged names each page, cluster and document not written. */
	npk_extract_opts extract;
	void (*note)(const npk_salvage_note *n, void *ctx);
	void *note_ctx;
	/* Object records kept in memory before they go to a temporary file in
	 * dir, sorted there (spec/format.md 15.11). 0: the default, 2^18;
	 * tests lower it (a larger value is taken as the default). */
	size_t record_budget;
	/* A sealed archive (spec/format.md 15.17): the keys that open it
	 * (NULL: none; it is then refused with NPK_E_SEALED). */
	const npk_keyring *keys;
} npk_salvage_opts;
typedef struct npk_salvage_stats {
	uint64_t documents;       /* index entries the signed manifest counts */
	uint64_t written;         /* documents written */
	uint64_t objects;         /* object headers the scan found */
	uint64_t moved, lost;     /* structures found elsewhere, and not found */
	int trusted;              /* the signer is in the trust set */
	uint8_t key_id[NPK_KEYID_BYTES];
	uint8_t signer[NPK_PUBKEY_BYTES];
} npk_salvage_stats;
/* Writes under dir (made with its parents) every document of the archive
 * at path that can still be proven against its signature, however the
 * file was damaged (spec/format.md 15.11): the signed manifest is looked
 * for anywhere in the file, the tables and objects by their signed
 * digests wherever they lie, a lost table rebuilt from the object headers
 * found. A document is written only when its bytes match its proven
 * digest, as npk_extract writes it. Returns NPK_OK when every document was
 * written; the damage's code (NPK_E_DIGEST, NPK_E_FORMAT) when some were
 * not, each reported to opts->extract.damaged; NPK_E_UNTRUSTED (nothing
 * written) for a signer not trusted unless allow_untrusted; NPK_E_SIGNATURE
 * or NPK_E_DIGEST, nothing written, when no manifest or no page table can
 * be proven. Memory stays bounded: about 72 bytes per object found up
 * to 2^18 objects, beyond that a temporary file in dir of 216 bytes per
 * object, and one object at a time. stats may be NULL. */
NPK_API int npk_salvage(const char *path, const char *dir, const npk_salvage_opts *opts,
                        npk_salvage_stats *stats, npk_error *err);

/* ---- Exporting ---- */

/* Formats of npk_export. */
enum {
	NPK_EXPORT_TAR = 1,       /* POSIX pax; metadata as user.newspack.KEY xattrs */
	NPK_EXPORT_TAR_GZ = 2,    /* the same, gzip-compressed */
	NPK_EXPORT_ZIP = 3,       /* zip; metadata in a NAME.meta.json beside NAME */
	NPK_EXPORT_BAGIT = 4,     /* a BagIt 1.0 bag folder (RFC 8493), SHA-512 manifests */
	NPK_EXPORT_WARC = 5,      /* WARC/1.1: a warcinfo record, then per document a
	                           * resource record and a metadata record (JSON) */
	NPK_EXPORT_WARC_GZ = 6,   /* the same, one gzip member per record (WARC Annex D) */
};
typedef struct npk_export_opts {
	void (*progress)(uint64_t docs, uint64_t bytes, const char *path, void *ctx);
	void *ctx;
	const volatile int *cancel;   /* as in npk_create_opts */
	/* Called for each entry left out (may be NULL): a withdrawn document
	 * (never exported), a symbolic link in a bag, an empty folder or a
	 * link in WARC (spec/format.md 15.7). */
	void (*warn)(const char *path, const char *why, void *ctx);
} npk_export_opts;
/* Verifies the whole archive (npk_reader_verify), then writes its
 * documents to out, which must not exist: a file under a temporary name
 * beside it (a folder, for a bag), renamed into place when complete. In
 * tar and zip, empty folders are directory entries and symbolic links
 * symlink entries (never followed); in a bag an empty folder is the
 * folder in data/. */
NPK_API int npk_export(npk_reader *r, const char *out, int format, const npk_export_opts *opts,
                       uint64_t *written, npk_error *err);

/* ---- Parity and repair (spec/format.md 15.10) ---- */

/* A parity section and what it finds in a file. */
typedef struct npk_parity_info {
	uint32_t k, p;            /* data and parity blocks of a stripe */
	uint32_t block_size, stripes, groups;
	uint64_t protected_size;  /* the signed part it covers */
	uint64_t data_blocks, parity_blocks;
	uint64_t section_offset;  /* where the section was written */
	int64_t shift;            /* bytes inserted (> 0) or deleted (< 0) before it */
	int header_copies;        /* header copies intact where they belong (0-2) */
	uint64_t lost_data, lost_parity;  /* blocks whose CRC-32 fails */
	uint64_t moved;           /* data blocks found at the shift (step 3) */
	uint64_t stripes_bad;     /* stripes with more lost blocks than intact parity */
} npk_parity_info;
/* A run of lost data blocks [first, first + count), bytes [offset,
 * offset + len) of the signed part; repairable when every stripe it
 * touches can be rebuilt. */
typedef struct npk_parity_range {
	uint64_t first, count, offset, len;
	int repairable;
} npk_parity_range;
typedef void (*npk_parity_range_cb)(const npk_parity_range *r, void *ctx);

/* Steps 1-3 of 15.10 on path: finds the parity section (by the tail
 * directory, else by scanning for a header copy), checks every block's
 * CRC-32 and calls range (may be NULL) for each run of lost data blocks.
 * NPK_E_NOTFOUND when there is no parity section; NPK_OK otherwise,
 * damaged or not (info says). Nothing of it is trusted: it only says
 * where the damage is and whether repair can rebuild it. */
NPK_API int npk_parity_check(const char *path, npk_parity_info *info, npk_parity_range_cb range,
                             void *ctx, npk_error *err);
/* Only step 1, by the tail directory (no scan, no block read): the
 * geometry of path's parity section, for an archive known intact.
 * NPK_E_NOTFOUND when the tail directory names none. */
NPK_API int npk_parity_find(const char *path, npk_parity_info *info, npk_error *err);
/* The same in the file r reads (a chain's: its newest file), without
 * opening it again. */
NPK_API int npk_reader_parity_find(npk_reader *r, npk_parity_info *info, npk_error *err);
/* Adds parity of percent (1-100; newspack's geometry, 15.10) to the
 * archive at path, 1.0 or 1.1, without its key: the signed part is read
 * once and copied into a new file beside it with the tail (parity, then
 * survival copies), which must verify (signature, every digest) before it
 * is renamed over path. An existing tail is replaced. A damaged archive
 * is refused (NPK_E_DIGEST, NPK_E_FORMAT, NPK_E_SIGNATURE). */
NPK_API int npk_protect(const char *path, unsigned percent, npk_parity_info *info,
                        npk_error *err);
typedef struct npk_repair_opts {
	/* where the repaired archive goes (must not exist); NULL: path with
	 * ".repaired" before its ".npk" (or after it when it has none) */
	const char *out;
	int in_place;             /* over path, once the repaired copy verified */
	npk_parity_range_cb range; /* each run of lost data blocks (may be NULL) */
	void *ctx;
} npk_repair_opts;
/* Rebuilds the lost blocks of path from its parity (15.10 repair), checks
 * that the rebuilt signed part verifies (signature, every digest), writes
 * the tail again with the same geometry and commits the file atomically.
 * *written is 0 when nothing was damaged (nothing is written), else 1.
 * NPK_E_DIGEST when the damage is beyond the parity or the rebuilt bytes
 * do not verify, NPK_E_FORMAT when there is no usable parity; nothing is
 * written then. out_path (may be NULL) receives the path written
 * (malloc'ed, the caller frees it). */
NPK_API int npk_repair(const char *path, const npk_repair_opts *opts, npk_parity_info *info,
                       int *written, char **out_path, npk_error *err);

/* ---- Per-article proofs (spec/format.md 15.13, 15.14) ---- */

/* One proof: a leaf, its inclusion path, the signed manifest. */
typedef struct npk_proof {
	uint8_t *leaf;            /* leaf data (15.13) */
	size_t leaf_len;
	uint64_t index, size;     /* leaf number, tree size */
	uint8_t (*hashes)[32];    /* RFC 9162 inclusion path, leaf upward */
	unsigned nhashes;
	uint8_t *manifest;        /* the manifest (7.1) */
	size_t manifest_len;
	uint8_t *sig;             /* the archive's signature block (8) */
	size_t sig_len;
	char **stamps;            /* "kind base64" of each stamp line, none in v1 */
	size_t nstamps;
	/* a sealed archive's proof (spec/format.md 15.17.6): the tree key,
	 * which with the root the hashes lead to gives the manifest's
	 * commitment (nothing else of the archive opens with it) */
	int sealed;
	uint8_t tree_key[32];
} npk_proof;
NPK_API void npk_proof_clear(npk_proof *p);
/* The proof of the document at path in r, checked against the signed
 * root before it is returned. NPK_E_NOTFOUND: no such path, or the
 * archive holds no Merkle tree (made without one); NPK_E_DIGEST: the
 * stored tree does not lead to the signed root. */
NPK_API int npk_prove(npk_reader *r, const char *path, npk_proof *out, npk_error *err);

/* The text of one proof (15.14, version 1) into *out (malloc'd, *len
 * bytes, NUL-terminated; the caller frees it). NPK_E_ARG for a proof the
 * text cannot hold (a trusted comment that is empty or ends with a space,
 * a signature block of the wrong size, a limit exceeded). */
NPK_API int npk_proof_format(const npk_proof *p, char **out, size_t *len, npk_error *err);
/* Reading a proof file of one or more proofs: init, then npk_proof_next
 * until it returns NPK_E_NOTFOUND (no proof left). name is the file's,
 * for messages, which say which proof and which line. The text is strict
 * (15.14): a violation inside a proof is NPK_E_FORMAT (INVALID); a file
 * whose first line is not "npk-proof/..." is NPK_E_INPUT ("not a newspack
 * proof"), a proof of another version NPK_E_VERSION. After a failure the
 * reader skips to the next line that starts a proof (or the end). t->number
 * is the number (from 1) of the proof just read, t->line its first line. */
typedef struct npk_proof_text {
	const char *name;
	const char *p;
	size_t len, pos;
	uint64_t line;            /* the line at pos, from 1 */
	unsigned number;          /* proofs begun so far */
	uint64_t first_line;      /* of the proof last begun */
} npk_proof_text;
NPK_API void npk_proof_text_init(npk_proof_text *t, const char *name, const char *p, size_t len);
NPK_API int npk_proof_next(npk_proof_text *t, npk_proof *out, npk_error *err);
/* Every proof of text, all or nothing: *out (malloc'd, *n proofs; each
 * cleared with npk_proof_clear, then the array freed). */
NPK_API int npk_proof_parse(const char *text, size_t len, const char *name, npk_proof **out,
                            size_t *n, npk_error *err);

/* What checking a proof found (15.14 "Checking a proof"). */
enum {
	NPK_PROOF_VALID = 0,      /* signed by the key given or a trusted key */
	NPK_PROOF_INVALID = 1,
	NPK_PROOF_UNREADABLE = 2, /* the document could not be read */
	NPK_PROOF_UNTRUSTED = 3   /* valid, signer not among the trusted keys */
};
enum {
	NPK_PROOF_DOC_UNCHECKED = 0,
	NPK_PROOF_DOC_MATCH = 1,
	NPK_PROOF_DOC_MISMATCH = 2
};
typedef struct npk_proof_result {
	int status;               /* NPK_PROOF_* */
	int steps;                /* how far the check got: 1 the text, 2 the manifest,
	                           * 3 the signature, 4 the leaf, 5 inclusion, 6 document */
	/* from the leaf (step 4 on): malloc'd, NUL-terminated; title and date
	 * NULL when the metadata holds none */
	char *path, *title, *date;
	uint64_t size;            /* the document's size as the leaf says */
	unsigned kind;            /* the leaf's entry: NPK_KIND_DOCUMENT, _FOLDER, _SYMLINK */
	uint64_t leaf, tree_size;
	uint8_t root[32];         /* from the manifest (step 2 on) */
	int document;             /* NPK_PROOF_DOC_* */
	/* the signer (step 2 on): the key id the manifest claims, and the key
	 * that checked the signature (step 3 on) */
	uint8_t key_id[NPK_KEYID_BYTES];
	uint8_t signer[NPK_PUBKEY_BYTES];
	char fingerprint[NPK_FINGERPRINT_LEN];
	int trusted;              /* signed by the key given or a trusted key */
	int given;                /* checked with the key given (-p) */
	uint64_t created;         /* the manifest's created: the signer's claim */
	size_t nstamps;           /* stamp lines, none checked in version 1 */
} npk_proof_result;
/* Steps 2-6 of 15.14 on a parsed proof: the manifest and its Merkle root,
 * the signature (by given when not NULL, which must have signed it; else
 * a key of trust, may be NULL; else the manifest's own key: UNTRUSTED),
 * the leaf, the inclusion path, and the document at path document (NULL:
 * not checked) or open on document_fd (npk_proof_check_fd; -1: none).
 * Fills out (clear it with npk_proof_result_clear) and returns NPK_OK
 * (VALID), NPK_E_UNTRUSTED (UNTRUSTED), NPK_E_FORMAT, NPK_E_SIGNATURE or
 * NPK_E_DIGEST (INVALID), NPK_E_VERSION (a manifest extension that needs a
 * newer checker), NPK_E_IO or NPK_E_NOTFOUND (the document could not be
 * read; out->status UNREADABLE), NPK_E_NOMEM; err says why. */
NPK_API int npk_proof_check(const npk_proof *p, const npk_pubkey *given, const npk_trust *trust,
                            const char *document, npk_proof_result *out, npk_error *err);
NPK_API int npk_proof_check_fd(const npk_proof *p, const npk_pubkey *given,
                               const npk_trust *trust, int document_fd, const char *doc_name,
                               npk_proof_result *out, npk_error *err);
NPK_API void npk_proof_result_clear(npk_proof_result *r);

/* Writes len bytes of p to path the way every newspack output is written
 * (a temporary name beside it, synced, renamed; mode 0644 less the umask):
 * path holds what it held before or all of p, never a part. Without
 * overwrite an existing path is NPK_E_EXISTS and stays as it was. */
NPK_API int npk_write_file(const char *path, const void *p, size_t len, int overwrite,
                           npk_error *err);

/* Checks that a path is valid in an archive (spec/format.md, "Paths"). */
NPK_API int npk_path_check(const char *path, size_t len, npk_error *err);

#ifdef __cplusplus
}
#endif
#endif
