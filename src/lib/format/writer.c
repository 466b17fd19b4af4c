/*
 * writer.c - writes an archive front to back in one pass (spec/format.md).
 *
 * Documents arrive in path order and are appended to the open cluster;
 * index entries are appended to the open page. A full cluster or page
 * becomes a job: worker threads compress and hash jobs in any order, and
 * the writing thread writes them strictly in the order they were made, so
 * the bytes are the same whatever the number of threads. Memory holds the
 * jobs in flight (at most two per thread), one open cluster, one open page
 * and the two tables, whatever the number of documents. With a compression
 * dictionary (15.18) the first jobs, 8 MiB of documents, wait for it to be
 * trained on them before any is compressed.
 */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include <zdict.h>
#include <zstd.h>

#include "format/dedup.h"
#include "format/seal.h"
#include "format/format.h"
#include "search/extract.h"
#include "search/ixwrite.h"

#define TREE_SPOOL_BUF (64u * 1024u) /* leaf hashes buffered before the scratch file */

/* A cluster or page on its way to the file (4.1). */
typedef struct job {
	const char *magic;
	unsigned flags;           /* object header flags (4.1, 15.7) */
	uint32_t number, count;
	npk_buf raw;
	uint8_t *z;               /* compressed payload */
	size_t zlen;
	uint8_t header[NPK_OBJ_HEADER_SIZE];
	uint8_t digest[32];
	uint64_t first_ordinal;   /* pages: for the page table */
	char *first_path;
	int copy;                 /* a cluster copied as stored: only hashed */
	const npk__seal_keys *seal; /* 15.17: seal the payload with these keys */
	uint32_t raw_size;        /* the decoded size, which a sealed header hides */
	int done, rc;
	npk_error err;
} job;

/* One compressor for clusters and one for index pages: version 1.1
 * stores pages with zstd whatever the clusters' codec (15.8). */
typedef struct encoders {
	npk_encoder *cluster, *page;
} encoders;

struct npk_writer {
	int fd;
	uint64_t off;             /* bytes written so far */
	size_t cluster_target;
	size_t page_target;       /* an index page's entries, about */
	unsigned codec;
	int level;
	uint64_t timestamp;
	int v11;                  /* format version 1.1 (spec/format.md 15) */
	uint8_t salt_key[32];     /* 15.7; zero without opts->salt_key */
	npk_meta *archive_meta;
	uint8_t header_digest[32];

	/* open cluster */
	npk_buf cluster;
	uint32_t cluster_no;      /* number of the open cluster */
	npk_buf cluster_table;

	/* open page */
	npk_buf page;
	uint32_t page_entries;
	uint32_t page_no;
	uint64_t page_first_ordinal;
	char *page_first_path;
	npk_buf page_table;

	/* jobs in flight: a ring from head (oldest, next to write) to tail */
	job *ring;
	size_t ring_cap, head, tail, next_work;
	pthread_t *workers;
	size_t nworkers;
	pthread_mutex_t mu;
	pthread_cond_t work_cv, done_cv;
	int stopping;
	encoders enc;             /* for jobs run on the writing thread */

	/* open document */
	int in_doc;
	unsigned kind;            /* 15.7: NPK_KIND_DOCUMENT, _FOLDER or _SYMLINK */
	char *path;               /* current path; also the last one added */
	char *prev_path;
	char media[NPK_MEDIA_MAX + 1];
	uint8_t *meta_enc;
	size_t meta_len;
	uint64_t doc_size, doc_seen;
	uint32_t doc_cluster, doc_offset;
	crypto_generichash_state hs;

	npk_pathstack folders;    /* 5.1: no document is another's folder */
	uint64_t docs, doc_bytes;
	int failed;               /* a write failed: the output is unusable */

	/* 15.13: the Merkle tree over the entries' leaves */
	int tree;                 /* write it (version 1.1, not opts->no_tree) */
	npk_mth mth;              /* the root so far: O(log n) */
	npk_buf leaf;             /* the leaf data being hashed */
	int spool;                /* scratch file: level 0, then the levels above */
	uint8_t spool_buf[TREE_SPOOL_BUF];
	size_t spool_fill;        /* bytes of spool_buf not yet written */
	uint64_t tree_off, tree_len;
	uint8_t tree_digest[32], root[32];

	/* 15.15: an edition (NULL: a lone archive or a base) */
	const npk_edition_spec *ed;
	uint64_t leaf_base;       /* p: the first leaf of this file */
	unsigned stride;          /* of the tree section */
	size_t wd_next;           /* the next withdrawal to write */
	int held;                 /* the entry's bytes may still be dropped */
	size_t held_from;         /* where they start in the open cluster */
	int ref;                  /* the entry is written with ref_kind 1 */
	uint32_t ref_edition;
	npk_buf paths;            /* the entries' paths, NUL-terminated: the path filter */
	uint64_t paths_off, paths_len;
	uint8_t paths_digest[32];
	/* sealed (15.17.8): the filters' plaintext lengths and digests */
	uint64_t paths_plen, folders_plen;
	uint8_t paths_pdigest[32], folders_pdigest[32];
	uint64_t folders_off, folders_len; /* the folder filter */
	uint8_t folders_digest[32];

	/* 15.7 "Shared bytes": each content stored once in this file */
	npk__dedup *dedup;        /* the contents stored so far (an edition: and those of the
	                           * chain's files); NULL: no sharing */
	uint64_t dedup_docs, dedup_bytes; /* entries that named an earlier copy */
	int shared;               /* the entry names an earlier copy in this file */

	/* spec/search.md 9: the full-text index */
	int want_ix;              /* opts->search_index */
	int ix_threads;
	npk__ixw *ix;             /* made at the first document */
	npk_buf ix_doc;           /* the document's first NPK__INDEX_DOC_MAX bytes */
	int ix_cut;               /* it had more */
	npk__ixw_result ix_res;
	int ix_written;

	/* 15.18: a compression dictionary. dict_state 1: the jobs held back
	 * (in order; held_bytes of clusters) until there are enough
	 * bytes to train it on, the compressors not yet started (threads
	 * wanted); 2: trained (dict, dict_len: its content) or given up;
	 * holds: the jobs held, nheld of them */
	int dict_state;
	job *holds;
	size_t nheld, held_cap;
	uint64_t held_bytes;
	int threads;
	uint8_t *dict;
	size_t dict_len;
	uint64_t dict_off, dict_slen;   /* its section, as stored */
	uint8_t dict_digest[32];
	uint8_t dict_pdigest[32];       /* sealed: H of its plaintext */

	/* 15.17: sealing (seal NULL: not sealed) */
	npk__seal_keys *seal;     /* in sodium_malloc memory */
	npk_buf stanzas;          /* the stanzas, as the seal holds them */
	uint32_t nstanzas;
	npk_buf tags;             /* their recipient tags (15.17.6), 32 bytes each */
	/* 15.17.6: the search index's plaintext, spooled (ix_spool, ix_spooled
	 * bytes) before its two sections are sealed in chunks; where they are */
	int ix_spool;
	uint64_t ix_spooled;
	struct sealed_sec { uint64_t off, len; uint8_t digest[32]; } sroot, spost;
	npk_buf smf_clusters;     /* the sealed manifest's cluster raw sizes */
	npk_buf smf_pages;        /* and page records */
	uint64_t seal_off, seal_len;
	uint8_t seal_digest[32];
};

/* ---- Encoders: one per structure of spec/format.md, each writing the
 * fields in the order reader.c's parser of that structure reads them. */

/* 3. Header (read_header, check_version): version 1.1 sets required flag
 * bit 0 (15.1); optional flags and the reserved bytes are zero. */
static void encode_header(uint8_t h[NPK_HEADER_SIZE], int v11, int sealed)
{
	memset(h, 0, NPK_HEADER_SIZE);
	memcpy(h, NPK_MAGIC, NPK_MAGIC_LEN);
	npk__st16(h + 8, NPK_FORMAT_MAJOR);
	npk__st16(h + 10, v11 ? 1 : 0);
	npk__st32(h + 12, (v11 ? NPK_REQ_CONTAINER11 : 0) | (sealed ? NPK_REQ_SEALED : 0));
}

/* 4.1 Object header (load_object) of a job whose payload is made. */
static void encode_object_header(job *j, unsigned codec)
{
	uint8_t *h = j->header;
	memcpy(h, j->magic, 4);
	h[4] = (uint8_t)codec;
	h[5] = (uint8_t)(j->flags | (j->seal ? NPK_OBJ_FLAG_SEALED : 0u));
	npk__st16(h + 6, 0);
	npk__st32(h + 8, j->number);
	npk__st32(h + 12, j->seal ? 0 : (uint32_t)j->raw.len);      /* 15.17.6: hidden */
	npk__st32(h + 16, (uint32_t)j->zlen);
	npk__st32(h + 20, j->seal ? 0 : j->count);
}

/* 15.7: the salt of the document being ended: keyed BLAKE2b-128 over
 * path_len, path and digest, so the same inputs and key give the same
 * archive. */
static void entry_salt(const npk_writer *w, const uint8_t digest[32], uint8_t salt[16])
{
	crypto_generichash_state st;
	uint8_t plen[2];
	size_t n = strlen(w->path);
	npk__st16(plen, (uint16_t)n);
	crypto_generichash_init(&st, w->salt_key, sizeof w->salt_key, 16);
	crypto_generichash_update(&st, plen, 2);
	crypto_generichash_update(&st, (const uint8_t *)w->path, n);
	crypto_generichash_update(&st, digest, 32);
	crypto_generichash_final(&st, salt, 16);
}

/* The length of the entry encode_entry writes. */
static size_t entry_len(const npk_writer *w)
{
	size_t plen = strlen(w->path), mlen = strlen(w->media);
	size_t fixed = !w->v11 ? 53u : w->ref ? NPK_ENTRY11_FIXED_REF1 : NPK_ENTRY11_FIXED;
	return fixed + plen + mlen + w->meta_len;
}

/* 15.7, 15.15: where the content is: ref_kind 0 and (cluster, offset) of
 * this file, or ref_kind 1 and the edition that stores it. */
static int encode_ref(npk_buf *pg, const npk_writer *w)
{
	if (!w->ref)
		return npk__buf_u8(pg, NPK_REF_INLINE);
	return npk__buf_u8(pg, NPK_REF_EDITION) || npk__buf_u32(pg, w->ref_edition);
}

/* 15.7 Index entry of version 1.1 (take_entry11): a document, an empty
 * folder, a symbolic link or (15.15) a withdrawal (w->kind), inline
 * (ref_kind 0) or in an earlier edition (ref_kind 1), leaf = the order it
 * was added after the chain's earlier leaves. */
static int encode_entry11(npk_buf *pg, const npk_writer *w, const uint8_t digest[32],
                          const uint8_t salt[16], npk_error *err)
{
	size_t plen = strlen(w->path), mlen = strlen(w->media);
	NPK_FAIL_IF(npk__buf_u32(pg, (uint32_t)entry_len(w)) || npk__buf_u8(pg, (uint8_t)w->kind) ||
	            npk__buf_u8(pg, 0) || npk__buf_u16(pg, (uint16_t)plen) ||
	            npk__buf_put(pg, w->path, plen) || npk__buf_u64(pg, w->doc_size) ||
	            encode_ref(pg, w) || npk__buf_u32(pg, w->doc_cluster) ||
	            npk__buf_u32(pg, w->doc_offset) || npk__buf_put(pg, digest, 32) ||
	            npk__buf_u64(pg, w->leaf_base + w->docs) || npk__buf_put(pg, salt, 16) ||
	            npk__buf_u8(pg, (uint8_t)mlen) || npk__buf_put(pg, w->media, mlen) ||
	            npk__buf_u16(pg, (uint16_t)w->meta_len) ||
	            npk__buf_put(pg, w->meta_enc, w->meta_len),
	            err, NPK_E_NOMEM, "out of memory");
	return NPK_OK;
}

/* 5.2 Index entry (parse_entry) of the document being ended. */
static int encode_entry(npk_buf *pg, const npk_writer *w, const uint8_t digest[32],
                        const uint8_t salt[16], npk_error *err)
{
	if (w->v11)
		return encode_entry11(pg, w, digest, salt, err);
	size_t plen = strlen(w->path), mlen = strlen(w->media);
	NPK_FAIL_IF(npk__buf_u16(pg, (uint16_t)plen) || npk__buf_put(pg, w->path, plen) ||
	            npk__buf_u64(pg, w->doc_size) || npk__buf_u32(pg, w->doc_cluster) ||
	            npk__buf_u32(pg, w->doc_offset) || npk__buf_put(pg, digest, 32) ||
	            npk__buf_u8(pg, (uint8_t)mlen) || npk__buf_put(pg, w->media, mlen) ||
	            npk__buf_u16(pg, (uint16_t)w->meta_len) ||
	            npk__buf_put(pg, w->meta_enc, w->meta_len),
	            err, NPK_E_NOMEM, "out of memory");
	return NPK_OK;
}

/* 6.1 Page table entry (parse_page_ref) of page job j, written at off. */
static int encode_page_ref(npk_buf *t, uint64_t off, const job *j, npk_error *err)
{
	/* 15.17.6: a sealed page's record holds no size, ordinal, count or path */
	size_t plen = j->seal ? 0 : strlen(j->first_path);
	NPK_FAIL_IF(npk__buf_u64(t, off) || npk__buf_u32(t, (uint32_t)(NPK_OBJ_HEADER_SIZE + j->zlen)) ||
	            npk__buf_u32(t, npk__ld32(j->header + 12)) ||
	            npk__buf_u64(t, j->seal ? 0 : j->first_ordinal) ||
	            npk__buf_u32(t, j->seal ? 0 : j->count) || npk__buf_put(t, j->digest, 32) ||
	            npk__buf_u16(t, (uint16_t)plen) || npk__buf_put(t, j->first_path, plen),
	            err, NPK_E_NOMEM, "out of memory");
	NPK_FAIL_IF(t->len > NPK_PAGE_TABLE_MAX, err, NPK_E_LIMIT, "page table larger than %u bytes",
	            NPK_PAGE_TABLE_MAX);
	return NPK_OK;
}

/* 6.2 Cluster table entry (parse_cluster_ref) of cluster job j, written
 * at off. */
static int encode_cluster_ref(npk_buf *t, uint64_t off, const job *j, npk_error *err)
{
	NPK_FAIL_IF(npk__buf_u64(t, off) || npk__buf_u32(t, (uint32_t)(NPK_OBJ_HEADER_SIZE + j->zlen)) ||
	            npk__buf_u32(t, npk__ld32(j->header + 12)) || npk__buf_put(t, j->digest, 32),
	            err, NPK_E_NOMEM, "out of memory");
	return NPK_OK;
}

/* 15.3: a section directory record (not critical). */
static int encode_section(npk_buf *m, unsigned type, uint64_t off, uint64_t len,
                          const uint8_t digest[32])
{
	return npk__buf_u16(m, (uint16_t)type) || npk__buf_u16(m, 0) || npk__buf_u32(m, 0) ||
	       npk__buf_u64(m, off) || npk__buf_u64(m, len) || npk__buf_put(m, digest, 32);
}

/* 7.2, 15.3, 15.13, 15.15: the extensions: none in version 1.0; in 1.1
 * the section directory (critical), naming the tree's section when there
 * is one (and an edition's path filter), then the Merkle root (type 2, not
 * critical), then an edition's link (type 3, critical, its data in link).
 * Non-zero on no memory. */
static int encode_extensions(npk_buf *m, const npk_writer *w, const npk_buf *link)
{
	if (!w->v11)
		return npk__buf_u16(m, 0);
	/* 15.17.6: a sealed archive's tree is not stored; its root is in the
	 * sealed manifest, and a commitment to it here */
	int stored = w->tree && w->seal == NULL;
	uint32_t nsec = (stored ? 1 : 0) + (w->ed ? 2 : 0) + (w->ix_written ? 2 : 0) +
	                (w->seal ? 1 : 0) + (w->dict ? 1 : 0);
	int bad = npk__buf_u16(m, (uint16_t)(1 + (w->tree ? 1 : 0) + (w->ed ? 1 : 0))) ||
	          npk__buf_u16(m, NPK_EXT_DIRECTORY) || npk__buf_u16(m, NPK_EXT_CRITICAL) ||
	          npk__buf_u32(m, 4 + NPK_SECTION_RECORD * nsec) || npk__buf_u32(m, nsec);
	const npk__ixw_result *ix = &w->ix_res;
	bad = bad || (stored && encode_section(m, NPK_SECTION_TREE, w->tree_off, w->tree_len,
	                                       w->tree_digest)) ||
	      (w->ix_written && w->seal == NULL &&
	       encode_section(m, NPK__IX_ROOT_TYPE, ix->root_off, ix->root_len, ix->root_digest)) ||
	      (w->ix_written && w->seal != NULL &&
	       encode_section(m, NPK__IX_ROOT_TYPE, w->sroot.off, w->sroot.len, w->sroot.digest)) ||
	      (w->seal && (npk__buf_u16(m, NPK_SECTION_SEAL) || npk__buf_u16(m, NPK_SECTION_CRITICAL) ||
	                   npk__buf_u32(m, 0) || npk__buf_u64(m, w->seal_off) ||
	                   npk__buf_u64(m, w->seal_len) || npk__buf_put(m, w->seal_digest, 32))) ||
	      (w->ed && encode_section(m, NPK_SECTION_PATHS, w->paths_off, w->paths_len,
	                               w->paths_digest)) ||
	      (w->ed && encode_section(m, NPK_SECTION_FOLDERS, w->folders_off, w->folders_len,
	                               w->folders_digest)) ||
	      (w->ix_written && w->seal == NULL &&
	       encode_section(m, NPK__IX_POSTINGS_TYPE, ix->post_off, ix->post_len, ix->post_digest)) ||
	      (w->ix_written && w->seal != NULL &&
	       encode_section(m, NPK__IX_POSTINGS_TYPE, w->spost.off, w->spost.len, w->spost.digest)) ||
	      (w->dict && (npk__buf_u16(m, NPK_SECTION_DICT) || npk__buf_u16(m, NPK_SECTION_CRITICAL) ||
	                   npk__buf_u32(m, 0) || npk__buf_u64(m, w->dict_off) ||
	                   npk__buf_u64(m, w->dict_slen) || npk__buf_put(m, w->dict_digest, 32)));
	if (bad || !w->tree)
		return bad;
	/* in type order: the Merkle root (2) or, sealed, the edition link (3)
	 * and the root's commitment (4) */
	if (w->seal == NULL)
		bad = npk__buf_u16(m, NPK_EXT_MERKLE) || npk__buf_u16(m, 0) ||
		      npk__buf_u32(m, NPK_EXT_MERKLE_LEN) || npk__buf_u64(m, w->mth.n) ||
		      npk__buf_put(m, w->root, 32);
	if (!bad && w->ed)
		bad = npk__buf_u16(m, NPK_EXT_EDITION) || npk__buf_u16(m, NPK_EXT_CRITICAL) ||
		      npk__buf_u32(m, (uint32_t)link->len) || npk__buf_put(m, link->p, link->len);
	if (bad || w->seal == NULL)
		return bad;
	uint8_t kt[32], c[32];
	npk__seal_tree_key(w->seal, kt);
	npk__seal_root_commit(kt, w->mth.n, w->root, c);
	sodium_memzero(kt, sizeof kt);
	return npk__buf_u16(m, NPK_EXT_SEALED_ROOT) || npk__buf_u16(m, 0) ||
	       npk__buf_u32(m, 32) || npk__buf_put(m, c, 32);
}

/* 15.15: the edition link's data, or nothing without an edition. */
static int encode_link(npk_buf *out, const npk_writer *w, npk_error *err)
{
	const npk_edition_spec *ed = w->ed;
	if (ed == NULL)
		return NPK_OK;
	npk_edition_link l = {.edition = ed->edition,
	                      .flags = ed->statement ? NPK_EDITION_ROTATION : 0,
	                      .prev_digest = ed->prev_digest, .base_digest = ed->base_digest,
	                      /* 15.17.8: sealed, in the sealed manifest instead */
	                      .prev_tree_size = w->seal ? 0 : ed->prev_tree_size,
	                      .prev_name = ed->prev_name,
	                      .name_len = strlen(ed->prev_name), .statement = ed->statement,
	                      .rotation_sig = ed->rotation_sig};
	return npk__link_encode(out, &l, err);
}

/* 7.1 Manifest (parse_manifest), at the end of the tables (which start
 * at pt_off). A signature block of sig_len bytes and the trailer follow
 * it, which makes *file_size. */
static int encode_manifest(npk_buf *m, const npk_writer *w, const npk_pubkey *pk,
                           uint64_t pt_off, size_t sig_len, uint64_t *file_size, npk_error *err)
{
	uint8_t *am = NULL;
	size_t amlen = 0;
	int rc = NPK_OK;
	if (w->seal != NULL) { /* 15.17.6: in the sealed manifest instead */
		am = calloc(1, 2);
		amlen = 2;
		NPK_FAIL_IF(am == NULL, err, NPK_E_NOMEM, "out of memory");
	} else if ((rc = npk__meta_encode(w->archive_meta, &am, &amlen, err)) != NPK_OK) {
		return npk__wrap(err, rc, "archive "); /* "archive metadata: ..." */
	}
	npk_buf ext = {0}, link = {0};
	rc = encode_link(&link, w, err);
	if (rc != NPK_OK || encode_extensions(&ext, w, &link) != 0) {
		free(am);
		npk__buf_free(&ext);
		npk__buf_free(&link);
		return rc != NPK_OK ? rc : npk__fail(err, NPK_E_NOMEM, "out of memory");
	}
	npk__buf_free(&link);
	uint8_t pt_digest[32], ct_digest[32];
	npk__digest(w->page_table.p, w->page_table.len, pt_digest);
	npk__digest(w->cluster_table.p, w->cluster_table.len, ct_digest);
	uint64_t mf_off = w->off;
	*file_size = mf_off + NPK_MANIFEST_FIXED + amlen + ext.len + sig_len + NPK_TRAILER_SIZE;
	int nomem = npk__buf_put(m, NPK_MANIFEST_MAGIC, 4) || npk__buf_u32(m, 0) ||
	            npk__buf_u64(m, *file_size) || npk__buf_u64(m, mf_off) ||
	            npk__buf_u64(m, w->timestamp) || npk__buf_u64(m, w->seal ? 0 : w->docs) ||
	            npk__buf_u64(m, w->seal ? 0 : w->doc_bytes) || npk__buf_u32(m, w->cluster_no) ||
	            npk__buf_u32(m, w->page_no) || npk__buf_u64(m, pt_off) ||
	            npk__buf_u32(m, (uint32_t)w->page_table.len) ||
	            npk__buf_u32(m, (uint32_t)w->cluster_table.len) ||
	            npk__buf_put(m, w->header_digest, 32) || npk__buf_put(m, pt_digest, 32) ||
	            npk__buf_put(m, ct_digest, 32) || npk__buf_put(m, pk->id, 8) ||
	            npk__buf_put(m, pk->pk, 32) || npk__buf_u16(m, (uint16_t)amlen) ||
	            npk__buf_put(m, am, amlen) || npk__buf_put(m, ext.p, ext.len);
	free(am);
	npk__buf_free(&ext);
	NPK_FAIL_IF(nomem, err, NPK_E_NOMEM, "out of memory");
	return NPK_OK;
}

/* 8. Signature block (parse_signature, check_signature): minisign's "ED"
 * signature of the manifest m, then the trusted comment and its global
 * signature. */
int npk__encode_signature(npk_buf *s, const npk_seckey *sk, const npk_pubkey *pk,
                          const npk_buf *m, const char *comment, npk_error *err)
{
	size_t clen = strlen(comment);
	uint8_t sig[64], global[64];
	NPK_FORWARD(npk__sign(sk, m->p, m->len, comment, clen, sig, global, err));
	NPK_FAIL_IF(npk__buf_put(s, "ED", 2) || npk__buf_put(s, pk->id, 8) ||
	            npk__buf_put(s, sig, 64) || npk__buf_u16(s, (uint16_t)clen) ||
	            npk__buf_put(s, comment, clen) || npk__buf_put(s, global, 64),
	            err, NPK_E_NOMEM, "out of memory");
	return NPK_OK;
}

/* 9. Trailer (read_trailer); the reserved field is zero. */
void npk__encode_trailer(uint8_t t[NPK_TRAILER_SIZE], uint64_t mf_off, size_t mf_len,
                         size_t sig_len)
{
	memset(t, 0, NPK_TRAILER_SIZE);
	npk__st64(t, mf_off);
	npk__st32(t + 8, (uint32_t)mf_len);
	npk__st32(t + 12, (uint32_t)sig_len);
	memcpy(t + 24, NPK_TRAILER_MAGIC, 8);
}

static int writer_emit(npk_writer *w, const void *p, size_t len, npk_error *err)
{
	int rc = npk__write_full(w->fd, p, len, "archive", err);
	if (rc != NPK_OK) {
		w->failed = 1;
		return rc;
	}
	w->off += len;
	return NPK_OK;
}

/* 15.17.5: the job's encoded payload sealed in place of it, in its own
 * buffer grown to the sealed size (no second copy in memory); its nonce
 * drawn here (libsodium's randombytes are safe on any thread). */
static int job_seal(job *j)
{
	int page = memcmp(j->magic, NPK_PAGE_MAGIC, 4) == 0;
	uint64_t slen = npk__seal_stored_len(j->zlen);
	uint8_t *out = slen ? realloc(j->z, (size_t)slen) : NULL;
	NPK_FAIL_IF(out == NULL, &j->err, slen ? NPK_E_NOMEM : NPK_E_LIMIT,
	            "out of memory sealing %s %u", page ? "index page" : "cluster", j->number);
	j->z = out;
	uint8_t nonce[NPK__SEAL_NONCE];
	npk__seal_random(nonce, sizeof nonce, NPK__RND_NONCE,
	                 ((uint64_t)(page ? NPK__SEAL_PAGE : NPK__SEAL_CLUSTER) << 32) | j->number);
	npk__seal(j->seal, page ? NPK__SEAL_PAGE : NPK__SEAL_CLUSTER, j->number,
	          page ? j->count : j->raw_size, out, j->zlen, nonce, out);
	j->zlen = (size_t)slen;
	return NPK_OK;
}

/* Compresses a job and hashes the object it makes; runs on any thread. */
static void job_run(job *j, const encoders *e)
{
	if (!j->copy) {
		unsigned codec;
		npk_encoder *enc = memcmp(j->magic, NPK_PAGE_MAGIC, 4) == 0 ? e->page : e->cluster;
		j->rc = npk__compress(enc, j->raw.p, j->raw.len, &codec, &j->z, &j->zlen, &j->err);
		if (j->rc != NPK_OK)
			return;
		j->raw_size = (uint32_t)j->raw.len;
		if (j->seal != NULL && (j->rc = job_seal(j)) != NPK_OK)
			return;
		encode_object_header(j, codec);
	} else if (j->seal != NULL) { /* 15.17.5: a copied cluster sealed for this file */
		unsigned codec = j->header[4];
		if ((j->rc = job_seal(j)) != NPK_OK)
			return;
		encode_object_header(j, codec);
	}
	crypto_generichash_state hs;
	crypto_generichash_init(&hs, NULL, 0, 32);
	crypto_generichash_update(&hs, j->header, NPK_OBJ_HEADER_SIZE);
	crypto_generichash_update(&hs, j->z, j->zlen);
	crypto_generichash_final(&hs, j->digest, 32);
	/* The raw bytes are no longer needed: free them early. */
	npk__buf_free(&j->raw);
}

/* The encoders of w's codecs; NULL members when out of memory. */
static encoders encoders_new(const npk_writer *w)
{
	int zstd = w->codec == NPK_CODEC_ZSTD || w->codec == NPK_CODEC_ZSTD_DICT;
	encoders e = {w->codec == NPK_CODEC_ZSTD_DICT
	                  ? npk__encoder_new_dict(w->level, w->dict, w->dict_len)
	                  : npk__encoder_new(w->codec, w->level), NULL};
	e.page = !w->v11 ? e.cluster
	       : npk__encoder_new(NPK_CODEC_ZSTD, zstd ? w->level : NPK_ZSTD_LEVEL);
	return e;
}

static void encoders_free(encoders *e)
{
	if (e->page != e->cluster)
		npk__encoder_free(e->page);
	npk__encoder_free(e->cluster);
	e->cluster = e->page = NULL;
}

static void *worker_main(void *arg)
{
	npk_writer *w = arg;
	encoders enc = encoders_new(w);
	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->stopping && w->next_work == w->tail)
			pthread_cond_wait(&w->work_cv, &w->mu);
		if (w->next_work == w->tail)
			break; /* stopping, and nothing left to do */
		job *j = &w->ring[w->next_work++ % w->ring_cap];
		pthread_mutex_unlock(&w->mu);
		if (enc.cluster != NULL && enc.page != NULL)
			job_run(j, &enc);
		else
			j->rc = npk__fail(&j->err, NPK_E_NOMEM, "out of memory starting a compressor");
		pthread_mutex_lock(&w->mu);
		j->done = 1;
		pthread_cond_broadcast(&w->done_cv);
	}
	pthread_mutex_unlock(&w->mu);
	encoders_free(&enc);
	return NULL;
}

/* Frees what a job holds. */
static void job_clear(job *j)
{
	free(j->z);
	free(j->first_path);
	npk__buf_free(&j->raw);
	memset(j, 0, sizeof *j);
}

/* The oldest job's outcome, once it is done. */
static int job_wait(npk_writer *w, job *j, npk_error *err)
{
	if (w->nworkers > 0) {
		pthread_mutex_lock(&w->mu);
		while (!j->done)
			pthread_cond_wait(&w->done_cv, &w->mu);
		pthread_mutex_unlock(&w->mu);
	}
	if (j->rc != NPK_OK && err != NULL)
		*err = j->err;
	return j->rc;
}

/* Writes the oldest job once it is done, and records its table entry. */
static int job_write(npk_writer *w, npk_error *err)
{
	job *j = &w->ring[w->head % w->ring_cap];
	uint64_t off = w->off;
	int rc;
	NPK_FORWARD_GOTO(rc, job_wait(w, j, err), done);
	NPK_FORWARD_GOTO(rc, writer_emit(w, j->header, NPK_OBJ_HEADER_SIZE, err), done);
	NPK_FORWARD_GOTO(rc, writer_emit(w, j->z, j->zlen, err), done);
	int cl = memcmp(j->magic, NPK_CLUSTER_MAGIC, 4) == 0;
	rc = cl ? encode_cluster_ref(&w->cluster_table, off, j, err)
	        : encode_page_ref(&w->page_table, off, j, err);
	if (rc == NPK_OK && j->seal != NULL) { /* 15.17.6: what the tables no longer say */
		size_t plen = cl ? 0 : strlen(j->first_path);
		int nomem = cl ? npk__buf_u32(&w->smf_clusters, j->raw_size)
		          : npk__buf_u32(&w->smf_pages, j->raw_size) ||
		            npk__buf_u64(&w->smf_pages, j->first_ordinal) ||
		            npk__buf_u32(&w->smf_pages, j->count) ||
		            npk__buf_u16(&w->smf_pages, (uint16_t)plen) ||
		            npk__buf_put(&w->smf_pages, j->first_path, plen);
		rc = nomem ? npk__fail(err, NPK_E_NOMEM, "out of memory") : NPK_OK;
	}
done:
	job_clear(j);
	w->head++;
	if (rc != NPK_OK)
		w->failed = 1;
	return rc;
}

/* The next free job of the ring, once the oldest are written as room is
 * needed. */
static int job_slot(npk_writer *w, job **out, npk_error *err)
{
	while (w->tail - w->head == w->ring_cap)
		NPK_FORWARD(job_write(w, err));
	*out = &w->ring[w->tail % w->ring_cap];
	memset(*out, 0, sizeof **out);
	return NPK_OK;
}

/* Hands job j (the ring's next) to the workers, or runs it here when
 * there are none. */
static int job_start(npk_writer *w, job *j, npk_error *err)
{
	if (w->nworkers == 0) {
		job_run(j, &w->enc);
		j->done = 1;
		w->tail++;
		return job_write(w, err);
	}
	pthread_mutex_lock(&w->mu);
	w->tail++;
	pthread_cond_signal(&w->work_cv);
	pthread_mutex_unlock(&w->mu);
	return NPK_OK;
}

static int dict_train(npk_writer *w, npk_error *err);

/* Hands a full cluster or page to the workers (or compresses it here when
 * there are none), writing finished jobs in order as room is needed; with
 * a dictionary to train, holds it back until then. */
static int job_submit(npk_writer *w, const char *magic, uint32_t number, uint32_t count,
                      npk_buf *raw, uint64_t first_ordinal, char *first_path, npk_error *err)
{
	job *j;
	int rc = NPK_OK;
	if (w->dict_state == 1) {
		/* 15.18: held back, in order, until the dictionary is trained */
		if (w->nheld == w->held_cap) {
			size_t cap = w->held_cap ? 2 * w->held_cap : 64;
			job *h = realloc(w->holds, cap * sizeof *h);
			if (h == NULL)
				rc = npk__fail(err, NPK_E_NOMEM, "out of memory");
			else
				w->holds = h, w->held_cap = cap;
		}
		if (rc != NPK_OK) {
			free(first_path);
			return rc;
		}
		j = &w->holds[w->nheld++];
		memset(j, 0, sizeof *j);
		if (memcmp(magic, NPK_CLUSTER_MAGIC, 4) == 0)
			w->held_bytes += raw->len;
	} else if ((rc = job_slot(w, &j, err)) != NPK_OK) {
		free(first_path);
		return rc;
	}
	j->magic = magic;
	j->flags = w->v11 && memcmp(magic, NPK_PAGE_MAGIC, 4) == 0 ? NPK_PAGE_FLAG_V11 : 0u;
	j->number = number;
	j->count = count;
	j->raw = *raw;            /* the buffer moves into the job */
	memset(raw, 0, sizeof *raw);
	j->first_ordinal = first_ordinal;
	j->first_path = first_path;
	j->seal = w->seal;
	if (w->dict_state == 1)
		return w->held_bytes >= NPK_DICT_SAMPLE ? dict_train(w, err) : NPK_OK;
	return job_start(w, j, err);
}

static int writer_flush_cluster(npk_writer *w, npk_error *err)
{
	if (w->cluster.len == 0)
		return NPK_OK;
	NPK_FAIL_IF(w->cluster_no >= NPK_CLUSTERS_MAX, err, NPK_E_LIMIT,
	            "more than %u clusters", NPK_CLUSTERS_MAX);
	NPK_FORWARD(job_submit(w, NPK_CLUSTER_MAGIC, w->cluster_no, 0, &w->cluster, 0, NULL, err));
	w->cluster_no++;
	return NPK_OK;
}

static int writer_flush_page(npk_writer *w, npk_error *err)
{
	if (w->page_entries == 0)
		return NPK_OK;
	int rc = job_submit(w, NPK_PAGE_MAGIC, w->page_no, w->page_entries, &w->page,
	                    w->page_first_ordinal, w->page_first_path, err);
	w->page_first_path = NULL;
	if (rc != NPK_OK)
		return rc;
	w->page_entries = 0;
	w->page_no++;
	return NPK_OK;
}

/* Stops the workers; unwritten jobs are dropped. */
static void writer_stop(npk_writer *w)
{
	if (w->nworkers > 0) {
		pthread_mutex_lock(&w->mu);
		w->stopping = 1;
		pthread_cond_broadcast(&w->work_cv);
		pthread_mutex_unlock(&w->mu);
		for (size_t i = 0; i < w->nworkers; i++)
			pthread_join(w->workers[i], NULL);
		w->nworkers = 0;
	}
	while (w->head != w->tail)
		job_clear(&w->ring[w->head++ % w->ring_cap]);
}

/* The encoded metadata of the document being begun (none: an empty list). */
static int writer_doc_meta(npk_writer *w, const npk_meta *meta, npk_error *err)
{
	free(w->meta_enc);
	w->meta_enc = NULL;
	if (meta != NULL)
		return npk__meta_encode(meta, &w->meta_enc, &w->meta_len, err);
	npk_meta *empty = npk_meta_new();
	NPK_FAIL_IF(empty == NULL, err, NPK_E_NOMEM, "out of memory");
	int rc = npk__meta_encode(empty, &w->meta_enc, &w->meta_len, err);
	npk_meta_free(empty);
	return rc;
}

/* 15.7: the salt key, H("newspack salt key" || the 64 secret key bytes). */
static void salt_key_derive(const npk_seckey *sk, uint8_t key[32])
{
	static const char label[] = "newspack salt key";
	crypto_generichash_state st;
	crypto_generichash_init(&st, NULL, 0, 32);
	crypto_generichash_update(&st, (const uint8_t *)label, sizeof label - 1);
	crypto_generichash_update(&st, sk->sk, 64);
	crypto_generichash_final(&st, key, 32);
	sodium_memzero(&st, sizeof st);
}

/* 15.17.4: a stanza of type and body appended to the seal's. */
static int stanza_put(npk_writer *w, unsigned type, const uint8_t *body, uint16_t len,
                      const uint8_t tag[32], npk_error *err)
{
	NPK_FAIL_IF(npk__buf_u8(&w->stanzas, (uint8_t)type) || npk__buf_u8(&w->stanzas, 0) ||
	            npk__buf_u16(&w->stanzas, len) || npk__buf_put(&w->stanzas, body, len) ||
	            npk__buf_put(&w->tags, tag, 32), err, NPK_E_NOMEM, "out of memory");
	w->nstanzas++;
	return NPK_OK;
}

/* 15.17.4: the X25519 stanza of recipient r and its tag (index: see
 * npk__stanza_x25519_new). */
static int recipient_stanza(npk_writer *w, const npk_recipient *r, uint64_t index,
                            npk_error *err)
{
	uint8_t body[NPK__STANZA_X25519_LEN], tag[32];
	NPK_FORWARD(npk__stanza_x25519_new(npk_recipient_bytes(r), w->seal->fk, index, body, tag,
	                                    err));
	return stanza_put(w, NPK__STANZA_X25519, body, sizeof body, tag, err);
}

/* 15.17.2, 15.17.4: a new file key and file id, and a stanza for each
 * recipient and the passphrase. */
static int writer_seal_setup(npk_writer *w, const npk_create_opts *o, npk_error *err)
{
	NPK_FAIL_IF(!w->v11, err, NPK_E_ARG, "sealing needs format 1.1 (not --format 1.0)");
	size_t n = o->nrecipients + (o->seal_passphrase != NULL);
	NPK_FAIL_IF(n > NPK_SEAL_STANZAS_MAX, err, NPK_E_LIMIT,
	            "at most %u recipients and passphrases", NPK_SEAL_STANZAS_MAX);
	w->seal = sodium_malloc(sizeof *w->seal);
	NPK_FAIL_IF(w->seal == NULL, err, NPK_E_NOMEM, "out of memory");
	npk__seal_random(w->seal->fk, sizeof w->seal->fk, NPK__RND_FK, 0);
	npk__seal_random(w->seal->fid, sizeof w->seal->fid, NPK__RND_FID, 0);
	npk__seal_derive(w->seal);
	for (size_t i = 0; i < o->nrecipients; i++) {
		NPK_FAIL_IF(o->recipients[i] == NULL, err, NPK_E_ARG, "recipient %zu is NULL", i);
		NPK_FORWARD(recipient_stanza(w, o->recipients[i], i, err));
	}
	if (o->seal_passphrase != NULL) {
		uint8_t salt[NPK__PASS_SALT], nonce[NPK__SEAL_NONCE], body[NPK__STANZA_PASS_LEN];
		npk__seal_random(salt, sizeof salt, NPK__RND_SALT, 0);
		npk__seal_random(nonce, sizeof nonce, NPK__RND_NONCE, (uint64_t)NPK__SEAL_PASS_STANZA << 32);
		NPK_FORWARD(npk__stanza_pass_make(o->seal_passphrase, strlen(o->seal_passphrase), salt,
		                                  NPK__PASS_OPS, NPK__PASS_MEM_KIB, nonce, w->seal->fk,
		                                  body, err));
		static const uint8_t none[32];
		NPK_FORWARD(stanza_put(w, NPK__STANZA_PASSPHRASE, body, sizeof body, none, err));
	}
	return NPK_OK;
}

/* The codec, level, cluster size and timestamp of opts, checked. */
static int writer_configure(npk_writer *w, const npk_create_opts *opts, npk_error *err)
{
	w->cluster_target = opts && opts->cluster_size ? opts->cluster_size
	                    : opts && opts->search_index ? NPK_CLUSTER_TARGET_INDEXED
	                    : NPK_CLUSTER_TARGET;
	w->codec = opts && opts->codec ? (unsigned)opts->codec : NPK_CODEC_ZLIB;
	w->page_target = NPK_PAGE_TARGET;
	if (opts && opts->dictionary) {
		/* 15.18: zstd, in small clusters, trained first */
		NPK_FAIL_IF(opts->format_10, err, NPK_E_ARG,
		            "a compression dictionary needs format 1.1 (not --format 1.0)");
		NPK_FAIL_IF(opts->codec && opts->codec != NPK_CODEC_ZSTD_ID, err, NPK_E_ARG,
		            "a compression dictionary is for zstd clusters (not --codec zlib)");
		w->codec = NPK_CODEC_ZSTD;
		w->cluster_target = opts->cluster_size ? opts->cluster_size : NPK_CLUSTER_TARGET_DICT;
		w->page_target = NPK_PAGE_TARGET_DICT;
		NPK_FAIL_IF(w->cluster_target > NPK_CLUSTER_DICT_MAX, err, NPK_E_ARG,
		            "with a compression dictionary, clusters of at most %u bytes",
		            NPK_CLUSTER_DICT_MAX);
		w->dict_state = 1;
	}
	int zstd = w->codec == NPK_CODEC_ZSTD;
	w->level = opts && opts->level ? opts->level : zstd ? NPK_ZSTD_LEVEL : NPK_ZLIB_LEVEL;
	w->timestamp = opts ? opts->timestamp : 0;
	w->v11 = !(opts && opts->format_10);
	w->tree = w->v11 && !(opts && opts->no_tree);
	w->stride = NPK_TREE_STRIDE;
	w->want_ix = opts && opts->search_index;
	NPK_FAIL_IF(w->want_ix && !w->v11, err, NPK_E_ARG,
	            "a search index needs format 1.1 (not --format 1.0)");
	if (w->v11 && !(opts && opts->no_dedup))
		NPK_FORWARD(npk__dedup_new(&w->dedup, 0, err));
	if (opts && opts->salt_key)
		salt_key_derive(opts->salt_key, w->salt_key);
	NPK_FAIL_IF(w->codec != NPK_CODEC_ZLIB && !zstd, err, NPK_E_ARG, "unknown codec %u", w->codec);
	/* libdeflate's levels 10-12 (optimal parsing: slower, a few percent
	 * smaller) still make plain zlib streams */
	int zmax = strcmp(npk_deflate_name(), "libdeflate") == 0 ? 12 : 9;
	NPK_FAIL_IF(w->level < 1 || w->level > (zstd ? 19 : zmax), err, NPK_E_ARG,
	            "%s level must be 1-%d", zstd ? "zstd" : "zlib", zstd ? 19 : zmax);
	NPK_FAIL_IF(w->cluster_target == 0 || w->cluster_target > NPK_CLUSTER_RAW_MAX, err, NPK_E_ARG,
	            "cluster size must be 1 to %u bytes", NPK_CLUSTER_RAW_MAX);
	if (opts && (opts->nrecipients > 0 || opts->seal_passphrase != NULL))
		NPK_FORWARD(writer_seal_setup(w, opts, err));
	return NPK_OK;
}

/* The job ring and the compressors: 0 threads means one per core; 1
 * compresses on the writing thread. */
static int writer_start(npk_writer *w, int nthreads, npk_error *err)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	size_t threads = nthreads > 0 ? (size_t)nthreads : cores > 0 ? (size_t)cores : 1;
	if (threads > 64)
		threads = 64;
	w->ix_threads = (int)threads;
	if (w->dict_state == 1) { /* 15.18: once the dictionary is trained */
		w->threads = nthreads;
		return NPK_OK;
	}
	w->ring_cap = threads > 1 ? 2 * threads + 2 : 1;
	w->ring = calloc(w->ring_cap, sizeof *w->ring);
	w->enc = encoders_new(w);
	NPK_FAIL_IF(w->ring == NULL || w->enc.cluster == NULL || w->enc.page == NULL, err, NPK_E_NOMEM,
	            "out of memory starting the compressor");
	if (threads < 2)
		return NPK_OK;
	w->workers = calloc(threads, sizeof *w->workers);
	for (size_t i = 0; w->workers != NULL && i < threads; i++) {
		if (pthread_create(&w->workers[i], NULL, worker_main, w) != 0)
			break;
		w->nworkers++;
	}
	NPK_FAIL_IF(w->nworkers == 0, err, NPK_E_NOMEM, "cannot start compressing threads");
	return NPK_OK;
}

/* 15.18: the content of a dictionary trained on the n bytes at p (cut
 * into samples of 4 KiB), or none (*len 0) when libzstd cannot make one
 * worth its bytes. */
static int dict_make(const uint8_t *p, size_t n, uint8_t **out, size_t *len, npk_error *err)
{
	*out = NULL;
	*len = 0;
	if (n < NPK_DICT_INPUT_MIN)
		return NPK_OK;
	const size_t piece = 4096;
	size_t ns = (n + piece - 1) / piece, cap = n / 64;
	if (cap > NPK_DICT_TRAINED_MAX)
		cap = NPK_DICT_TRAINED_MAX;
	size_t *sizes = malloc(ns * sizeof *sizes);
	uint8_t *d = malloc(cap);
	if (sizes == NULL || d == NULL) {
		free(sizes);
		free(d);
		return npk__fail(err, NPK_E_NOMEM, "out of memory training a dictionary");
	}
	for (size_t i = 0; i < ns; i++)
		sizes[i] = i + 1 < ns ? piece : n - (ns - 1) * piece;
	size_t k = ZDICT_trainFromBuffer(d, cap, p, sizes, (unsigned)ns);
	size_t h = ZDICT_isError(k) ? 0 : ZDICT_getDictHeaderSize(d, k);
	free(sizes);
	/* the content after the structured header: raw, never the magic */
	if (ZDICT_isError(k) || ZDICT_isError(h) || h > k || k - h < NPK_DICT_MIN ||
	    k - h > NPK_DICT_MAX || npk__ld32(d + h) == NPK_DICT_STRUCTURED) {
		free(d);
		return NPK_OK;
	}
	memmove(d, d + h, k - h);
	*out = d;
	*len = k - h;
	return NPK_OK;
}

/* 15.18: the dictionary trained on the clusters held back, the
 * compressors started with it (without one: zstd alone, codec 2), and the
 * held jobs handed to them in order. */
static int dict_train(npk_writer *w, npk_error *err)
{
	uint8_t *all = malloc(w->held_bytes ? (size_t)w->held_bytes : 1);
	NPK_FAIL_IF(all == NULL, err, NPK_E_NOMEM, "out of memory training a dictionary");
	size_t at = 0;
	for (size_t i = 0; i < w->nheld; i++) {
		const job *j = &w->holds[i];
		if (memcmp(j->magic, NPK_CLUSTER_MAGIC, 4) == 0 && j->raw.len > 0) {
			memcpy(all + at, j->raw.p, j->raw.len);
			at += j->raw.len;
		}
	}
	int rc = dict_make(all, at, &w->dict, &w->dict_len, err);
	free(all);
	NPK_FORWARD(rc);
	w->dict_state = 2;
	if (w->dict != NULL)
		w->codec = NPK_CODEC_ZSTD_DICT;
	NPK_FORWARD(writer_start(w, w->threads, err));
	size_t i = 0;
	for (; rc == NPK_OK && i < w->nheld; i++) {
		job *j;
		rc = job_slot(w, &j, err);
		if (rc == NPK_OK) {
			*j = w->holds[i];
			memset(&w->holds[i], 0, sizeof w->holds[i]);
			rc = job_start(w, j, err);
		}
	}
	for (; i < w->nheld; i++)
		job_clear(&w->holds[i]);
	free(w->holds);
	w->holds = NULL;
	w->nheld = w->held_cap = 0;
	return rc;
}

/* Everything a new writer needs before its header is written. */
static int writer_init(npk_writer *w, const npk_create_opts *opts, npk_error *err)
{
	w->archive_meta = npk_meta_new();
	NPK_FAIL_IF(w->archive_meta == NULL, err, NPK_E_NOMEM, "out of memory");
	NPK_FORWARD(writer_configure(w, opts, err));
	npk__mth_init(&w->mth);
	if (w->tree)
		NPK_FORWARD(npk__scratch_fd(&w->spool, err));
	NPK_FORWARD(writer_start(w, opts ? opts->threads : 0, err));
	if (opts && opts->archive_meta)
		NPK_FORWARD(npk_meta_merge(w->archive_meta, opts->archive_meta, err));
	return NPK_OK;
}

int npk_writer_new(int fd, const npk_create_opts *opts, npk_writer **out,
                   npk_error *err)
{
	NPK_FORWARD(npk__init(err));
	npk_writer *w = calloc(1, sizeof *w);
	NPK_FAIL_IF(w == NULL, err, NPK_E_NOMEM, "out of memory");
	w->fd = fd;
	w->spool = -1;
	w->ix_spool = -1;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->work_cv, NULL);
	pthread_cond_init(&w->done_cv, NULL);
	int rc = writer_init(w, opts, err);
	if (rc != NPK_OK) {
		npk_writer_free(w);
		return rc;
	}

	/* 3. Header */
	uint8_t h[NPK_HEADER_SIZE];
	encode_header(h, w->v11, w->seal != NULL);
	npk__digest(h, sizeof h, w->header_digest);
	rc = writer_emit(w, h, sizeof h, err);
	if (rc != NPK_OK) {
		npk_writer_free(w);
		return rc;
	}
	*out = w;
	return NPK_OK;
}

static int withdrawals_before(npk_writer *w, const char *path, npk_error *err);
/* 5.1 holds for every entry of a file, withdrawals too. */
#define ED_CLASH "\"%s\" and \"%s\" are both entries of this edition, and one is the folder " \
                 "of the other (5.1): withdraw in one edition, add in the next"

/* Begins an entry of kind (15.7) at path: a document, or the content of
 * a symbolic link (its target); an empty folder has none. */
static int writer_begin(npk_writer *w, unsigned kind, const char *path, const char *media_type,
                        const npk_meta *meta, uint64_t size, npk_error *err)
{
	NPK_FAIL_IF(w->failed, err, NPK_E_IO, "archive: an earlier write failed");
	NPK_FAIL_IF(w->in_doc, err, NPK_E_ARG, "%s: previous document not ended", path);
	if (w->ed != NULL)
		NPK_FORWARD(withdrawals_before(w, path, err));
	NPK_FORWARD(npk_path_check(path, strlen(path), err));
	NPK_FAIL_IF(kind != NPK_KIND_DOCUMENT && !w->v11, err, NPK_E_ARG,
	            "%s: format 1.0 has no %s; write 1.1", path,
	            kind == NPK_KIND_FOLDER ? "empty folders" : "symbolic links");
	if (w->prev_path != NULL && strcmp(w->prev_path, path) >= 0)
		return npk__fail(err, strcmp(w->prev_path, path) == 0 ? NPK_E_INPUT : NPK_E_ARG,
		                 strcmp(w->prev_path, path) == 0 ? "%s: two documents have this path"
		                                                 : "%s: documents must be added in path order",
		                 path);
	NPK_FAIL_IF(!npk__media_ok(media_type), err, NPK_E_INPUT, "%s: bad media type \"%s\"", path,
	            media_type);
	const char *clash;
	NPK_FAIL_IF(npk__pathstack_push(&w->folders, path, &clash) != 0, err, NPK_E_NOMEM,
	            "out of memory");
	NPK_FAIL_IF(clash != NULL && w->ed != NULL, err, NPK_E_INPUT, ED_CLASH, clash, path);
	NPK_FAIL_IF(clash != NULL, err, NPK_E_INPUT,
	            "\"%s\" is a document, so \"%s\" cannot be stored under it as a folder", clash,
	            path);
	NPK_FAIL_IF(w->docs >= NPK_DOCS_MAX, err, NPK_E_LIMIT, "more than %u documents",
	            NPK_DOCS_MAX);
	NPK_FAIL_IF(w->leaf_base + w->docs >= NPK_TREE_SIZE_MAX, err, NPK_E_LIMIT,
	            "more than %llu leaves in the chain", (unsigned long long)NPK_TREE_SIZE_MAX);
	int hold = 0;
	if (w->ed != NULL)
		NPK_FORWARD(w->ed->begin(w->ed->ctx, path, kind, size, &hold, err));
	NPK_FAIL_IF(hold && size > NPK_CLUSTER_RAW_MAX, err, NPK_E_LIMIT,
	            "%s: %llu bytes: too large to compare with the previous edition (at most %u)",
	            path, (unsigned long long)size, NPK_CLUSTER_RAW_MAX);
	/* a content stored before is dropped once its digest is known: hold
	 * it (a larger one is always stored, NPK_DEDUP_MAX) */
	if (w->dedup != NULL && size > 0 && size <= NPK_DEDUP_MAX)
		hold = 1;

	int rc = writer_doc_meta(w, meta, err);
	if (rc != NPK_OK)
		return npk__wrap(err, rc, "%s: ", path);
	if (w->want_ix && w->ix == NULL && kind == NPK_KIND_DOCUMENT) {
		/* the index's pages follow the clusters' codec (9.2: 1 or 2) */
		npk__ixw_opts io = {.lo = w->leaf_base, .codec = w->codec,
		                    .threads = w->ix_threads};
		NPK_FORWARD(npk__ixw_new(&io, &w->ix, err));
	}
	w->ix_doc.len = 0;
	w->ix_cut = 0;
	char *copy = strdup(path);
	if (copy == NULL)
		return npk__fail(err, NPK_E_NOMEM, "out of memory");
	free(w->path);
	w->path = copy;
	snprintf(w->media, sizeof w->media, "%s", media_type);

	/* A small document that does not fit the open cluster starts a new
	 * one, so reading it inflates one cluster; a large one fills the rest
	 * of the open cluster and continues in the next ones (5.3). */
	if (size > 0 && w->cluster.len > 0 && w->cluster.len + size > w->cluster_target &&
	    size <= w->cluster_target)
		NPK_FORWARD(writer_flush_cluster(w, err));
	if (size > 0 && w->cluster.len >= w->cluster_target)
		NPK_FORWARD(writer_flush_cluster(w, err));
	/* held bytes stay in the open cluster until the entry's end decides */
	if (hold && w->cluster.len + size > NPK_CLUSTER_RAW_MAX)
		NPK_FORWARD(writer_flush_cluster(w, err));
	w->held = hold && size > 0;
	w->held_from = w->cluster.len;
	w->ref = 0;
	w->doc_cluster = size ? w->cluster_no : NPK_NO_CLUSTER;
	w->doc_offset = size ? (uint32_t)w->cluster.len : 0;
	w->doc_size = size;
	w->doc_seen = 0;
	w->kind = kind;
	crypto_generichash_init(&w->hs, NULL, 0, 32);
	w->in_doc = 1;
	return NPK_OK;
}

int npk_writer_begin(npk_writer *w, const char *path, const char *media_type,
                     const npk_meta *meta, uint64_t size, npk_error *err)
{
	return writer_begin(w, NPK_KIND_DOCUMENT, path, media_type, meta, size, err);
}

int npk_writer_add_folder(npk_writer *w, const char *path, const npk_meta *meta, npk_error *err)
{
	NPK_FORWARD(writer_begin(w, NPK_KIND_FOLDER, path, "inode/directory", meta, 0, err));
	return npk_writer_end(w, err);
}

int npk_writer_add_symlink(npk_writer *w, const char *path, const char *target, size_t len,
                           const npk_meta *meta, npk_error *err)
{
	NPK_FAIL_IF(len == 0 || len > NPK_PATH_MAX, err, NPK_E_INPUT,
	            "%s: a symbolic link's target must be 1 to %u bytes, not %zu", path,
	            NPK_PATH_MAX, len);
	NPK_FAIL_IF(memchr(target, 0, len) != NULL, err, NPK_E_INPUT,
	            "%s: the symbolic link's target holds a NUL byte", path);
	NPK_FAIL_IF(!npk__utf8_ok((const uint8_t *)target, len), err, NPK_E_INPUT,
	            "%s: the symbolic link's target is not UTF-8", path);
	NPK_FORWARD(writer_begin(w, NPK_KIND_SYMLINK, path, "inode/symlink", meta, len, err));
	NPK_FORWARD(npk_writer_data(w, target, len, err));
	return npk_writer_end(w, err);
}

/* Bytes of the data stream into the open cluster, which is flushed each
 * time it reaches the target (5.3: a document continues in the next). */
static int cluster_put(npk_writer *w, const uint8_t *p, size_t len, npk_error *err)
{
	while (len > 0) {
		if (w->cluster.len >= w->cluster_target)
			NPK_FORWARD(writer_flush_cluster(w, err));
		size_t room = w->cluster_target - w->cluster.len;
		size_t n = len < room ? len : room;
		if (npk__buf_put(&w->cluster, p, n) != 0)
			return npk__fail(err, NPK_E_NOMEM, "out of memory");
		p += n;
		len -= n;
	}
	return NPK_OK;
}

/* The first NPK__INDEX_DOC_MAX bytes of the document, for its index. */
static int ix_take(npk_writer *w, const uint8_t *p, size_t len, npk_error *err)
{
	size_t room = NPK__INDEX_DOC_MAX - w->ix_doc.len;
	if (len > room) {
		w->ix_cut = 1;
		len = room;
	}
	NPK_FAIL_IF(npk__buf_put(&w->ix_doc, p, len) != 0, err, NPK_E_NOMEM, "out of memory");
	return NPK_OK;
}

int npk_writer_data(npk_writer *w, const void *buf, size_t len, npk_error *err)
{
	NPK_FAIL_IF(!w->in_doc, err, NPK_E_ARG, "no document begun");
	const uint8_t *p = buf;
	if (len > w->doc_size - w->doc_seen)
		return npk__fail_why(err, NPK_E_INPUT, NPK_R_CHANGED, "%s: grew while being read "
		                     "(expected %llu bytes)", w->path, (unsigned long long)w->doc_size);
	crypto_generichash_update(&w->hs, p, len);
	w->doc_seen += len;
	if (w->ix != NULL && w->kind == NPK_KIND_DOCUMENT)
		NPK_FORWARD(ix_take(w, p, len, err));
	if (w->held) {
		NPK_FAIL_IF(npk__buf_put(&w->cluster, p, len) != 0, err, NPK_E_NOMEM,
		            "out of memory");
		return NPK_OK;
	}
	return cluster_put(w, p, len, err);
}

/* ---- 15.13: the Merkle tree ---- */

static int spool_flush(npk_writer *w, npk_error *err)
{
	uint64_t at = (w->mth.n - w->leaf_base - w->spool_fill / 32) * 32;
	int rc = npk__pwrite_full(w->spool, w->spool_buf, w->spool_fill, at, "the leaf spool", err);
	w->spool_fill = 0;
	return rc;
}

/* The leaf of the entry being ended (15.13): its hash joins the root
 * and level 0 in the spool. */
static int tree_add(npk_writer *w, const uint8_t digest[32], const uint8_t salt[16],
                    npk_error *err)
{
	unsigned type = w->kind == NPK_KIND_WITHDRAWN ? NPK_LEAF_WITHDRAWAL : NPK_LEAF_ENTRY;
	npk_leaf l = {.type = type, .kind = w->kind, .path = w->path,
	              .path_len = strlen(w->path), .size = w->doc_size, .digest = digest,
	              .media = w->media, .media_len = strlen(w->media), .meta = w->meta_enc,
	              .meta_len = w->meta_len, .salt = salt};
	w->leaf.len = 0;
	NPK_FORWARD(npk__leaf_encode(&w->leaf, &l, err));
	if (w->spool_fill == sizeof w->spool_buf)
		NPK_FORWARD(spool_flush(w, err));
	npk__leaf_hash(w->leaf.p, w->leaf.len, w->spool_buf + w->spool_fill);
	npk__mth_add(&w->mth, w->spool_buf + w->spool_fill);
	w->spool_fill += 32;
	return NPK_OK;
}

/* Where level l starts in the section: 15.13's layout, or an edition's
 * (15.15: the nodes [p >> l, n >> l)). */
static uint64_t level_offset(const npk_writer *w, unsigned l)
{
	if (w->ed == NULL)
		return npk__tree_level_offset(w->mth.n, w->stride, l);
	return npk__etree_level_offset(w->leaf_base, w->mth.n, w->stride, l);
}

/* Level l (l > 0) of the spool from the stored level below it: each node
 * the root of 2^stride nodes, read back 2^stride * 32 bytes at a time. In
 * an edition, a node's first children may be nodes of the earlier
 * editions (before p >> (l - stride)): read through the chain's tree. */
static int spool_level(npk_writer *w, unsigned l, uint8_t *buf, npk_error *err)
{
	unsigned s = w->stride;
	uint64_t p = w->leaf_base, n = w->mth.n, below = level_offset(w, l - s) - NPK_TREE_HEADER,
	         at = level_offset(w, l) - NPK_TREE_HEADER, c0 = p >> (l - s);
	size_t kids = (size_t)1 << s;
	for (uint64_t i = p >> l; i < n >> l; i++) {
		uint64_t j0 = i << s;
		size_t old = j0 < c0 ? (size_t)(c0 - j0) : 0;
		if (old > 0)
			NPK_FORWARD(w->ed->rd(w->ed->rd_ctx,
			                      npk__tree_level_offset(p, s, l - s) + j0 * 32, buf,
			                      old * 32, err));
		NPK_FORWARD(npk__pread_full(w->spool, buf + old * 32, (kids - old) * 32,
		                            below + (j0 + old - c0) * 32, "the leaf spool", err));
		npk__perfect_root(buf, kids);
		NPK_FORWARD(npk__pwrite_full(w->spool, buf, 32, at + (i - (p >> l)) * 32,
		                             "the leaf spool", err));
	}
	return NPK_OK;
}

/* The section of the stored levels (15.13), written at the end of the
 * body: the header, then the spool, hashed as it goes. */
static int tree_emit(npk_writer *w, uint8_t *buf, size_t cap, npk_error *err)
{
	uint8_t h[NPK_TREE_HEADER] = {0};
	memcpy(h, NPK_TREE_MAGIC, 8);
	npk__st64(h + 8, w->mth.n);
	h[16] = (uint8_t)w->stride;
	crypto_generichash_state st;
	crypto_generichash_init(&st, NULL, 0, 32);
	crypto_generichash_update(&st, h, sizeof h);
	w->tree_off = w->off;
	NPK_FORWARD(writer_emit(w, h, sizeof h, err));
	for (uint64_t at = 0; at < w->tree_len - NPK_TREE_HEADER;) {
		uint64_t left = w->tree_len - NPK_TREE_HEADER - at;
		size_t n = left < cap ? (size_t)left : cap;
		NPK_FORWARD(npk__pread_full(w->spool, buf, n, at, "the leaf spool", err));
		crypto_generichash_update(&st, buf, n);
		NPK_FORWARD(writer_emit(w, buf, n, err));
		at += n;
	}
	crypto_generichash_final(&st, w->tree_digest, 32);
	return NPK_OK;
}

static int paths_write(npk_writer *w, npk_error *err);
static int folders_write(npk_writer *w, npk_error *err);

static int tree_write(npk_writer *w, npk_error *err)
{
	NPK_FORWARD(spool_flush(w, err));
	npk__mth_root(&w->mth, w->root);
	uint64_t p = w->leaf_base, n = w->mth.n;
	int bad = w->ed ? npk__etree_layout(p, n, w->stride, &w->tree_len)
	                : npk__tree_layout(n, w->stride, &w->tree_len);
	NPK_FAIL_IF(bad != 0, err, NPK_E_LIMIT, "the Merkle tree of %llu leaves is too large",
	            (unsigned long long)n);
	size_t cap = 1u << 20;
	uint8_t *buf = malloc(cap);
	NPK_FAIL_IF(buf == NULL, err, NPK_E_NOMEM, "out of memory");
	int rc = NPK_OK;
	for (unsigned l = w->stride; l < 64 && rc == NPK_OK && (n >> l) > (p >> l); l += w->stride)
		rc = spool_level(w, l, buf, err);
	if (rc == NPK_OK)
		rc = tree_emit(w, buf, cap, err);
	free(buf);
	return rc;
}

/* The entry is ended, written or not: the next must follow its path. */
static void entry_done(npk_writer *w)
{
	w->in_doc = 0;
	w->held = 0;
	w->ref = 0;
	w->shared = 0;
	free(w->prev_path);
	w->prev_path = w->path;
	w->path = NULL;
}

/* 15.15: what the state says of the entry just ended (digest): written,
 * left out (its held bytes dropped) or referring to an earlier edition. */
static int edition_decide(npk_writer *w, const uint8_t digest[32], int *action, npk_error *err)
{
	npk__ed_entry e = {w->kind, w->path, w->media, w->doc_size, digest, w->meta_enc,
	                   w->meta_len};
	npk__ed_ref ref = {0};
	*action = NPK__ED_KEEP;
	NPK_FORWARD(w->ed->end(w->ed->ctx, &e, action, &ref, err));
	if (*action == NPK__ED_KEEP)
		return NPK_OK;
	NPK_FAIL_IF(w->doc_size > 0 && !w->held, err, NPK_E_ARG,
	            "%s: its bytes were not held: it cannot be left out", w->path);
	if (w->held)
		w->cluster.len = w->held_from;
	if (*action != NPK__ED_REF)
		return NPK_OK;
	NPK_FAIL_IF(w->doc_size == 0 || ref.edition >= w->ed->edition, err, NPK_E_ARG,
	            "%s: a reference needs content in an earlier edition", w->path);
	w->ref = 1;
	w->ref_edition = ref.edition;
	w->doc_cluster = ref.cluster;
	w->doc_offset = ref.offset;
	return NPK_OK;
}

static int entry_write(npk_writer *w, const uint8_t digest[32], npk_error *err);

/* 15.7 "Shared bytes": a content already stored (same digest and size)
 * is not stored again; the entry names the first copy, in this file or
 * (an edition) an earlier one. A content stored for the first time is
 * remembered where it starts. */
static int dedup_decide(npk_writer *w, const uint8_t digest[32], npk_error *err)
{
	uint32_t here = w->ed != NULL ? w->ed->edition : 0;
	npk__dedup_rec r;
	int found = 0;
	if (w->held)
		NPK_FORWARD(npk__dedup_find(w->dedup, digest, w->doc_size, &r, &found, err));
	if (!found) {
		r = (npk__dedup_rec){.size = w->doc_size, .edition = here,
		                     .cluster = w->doc_cluster, .offset = w->doc_offset};
		memcpy(r.digest, digest, 32);
		return npk__dedup_add(w->dedup, &r, err);
	}
	NPK_FAIL_IF(r.edition > here, err, NPK_E_ARG, "%s: a copy in a later edition", w->path);
	w->cluster.len = w->held_from;
	w->held = 0;
	w->doc_cluster = r.cluster;
	w->doc_offset = r.offset;
	if (r.edition != here) {
		w->ref = 1;
		w->ref_edition = r.edition;
	} else {
		w->shared = 1;
	}
	w->dedup_docs++;
	w->dedup_bytes += w->doc_size;
	return NPK_OK;
}

/* The held bytes of an entry that keeps them are cut into clusters as
 * bytes that were never held (5.3): a document larger than the target
 * fills the open cluster and continues in the next ones. */
static int held_release(npk_writer *w, npk_error *err)
{
	int held = w->held;
	w->held = 0;
	if (!held || w->cluster.len <= w->cluster_target || w->cluster.len <= w->held_from)
		return NPK_OK;
	size_t n = w->cluster.len - w->held_from;
	uint8_t *rest = malloc(n);
	NPK_FAIL_IF(rest == NULL, err, NPK_E_NOMEM, "out of memory");
	memcpy(rest, w->cluster.p + w->held_from, n);
	w->cluster.len = w->held_from;
	int rc = cluster_put(w, rest, n, err);
	free(rest);
	return rc;
}

int npk_writer_end(npk_writer *w, npk_error *err)
{
	NPK_FAIL_IF(!w->in_doc, err, NPK_E_ARG, "no document begun");
	if (w->doc_seen != w->doc_size)
		return npk__fail_why(err, NPK_E_INPUT, NPK_R_CHANGED, "%s: shrank while being read "
		                     "(%llu of %llu bytes)", w->path, (unsigned long long)w->doc_seen,
		                     (unsigned long long)w->doc_size);
	uint8_t digest[32];
	crypto_generichash_final(&w->hs, digest, 32);
	if (w->ed != NULL) {
		int action;
		NPK_FORWARD(edition_decide(w, digest, &action, err));
		if (action == NPK__ED_SKIP) {
			entry_done(w);
			return NPK_OK;
		}
	}
	if (w->dedup != NULL && !w->ref && w->doc_size > 0)
		NPK_FORWARD(dedup_decide(w, digest, err));
	NPK_FORWARD(held_release(w, err));
	return entry_write(w, digest, err);
}

/* The index entry of the entry ended, its leaf, and (in an edition) its
 * path for the filter. */
static int entry_write(npk_writer *w, const uint8_t digest[32], npk_error *err)
{
	uint8_t salt[16] = {0};
	if (w->v11 && !sodium_is_zero(w->salt_key, sizeof w->salt_key))
		entry_salt(w, digest, salt);
	if (w->tree)
		NPK_FORWARD(tree_add(w, digest, salt, err));

	/* 5.2 Index entry */
	size_t elen = entry_len(w);
	if (w->page_entries > 0 && w->page.len + elen > w->page_target)
		NPK_FORWARD(writer_flush_page(w, err));
	if (w->page_entries == 0) {
		w->page_first_path = strdup(w->path);
		if (w->page_first_path == NULL)
			return npk__fail(err, NPK_E_NOMEM, "out of memory");
		w->page_first_ordinal = w->docs;
	}
	NPK_FORWARD(encode_entry(&w->page, w, digest, salt, err));
	if (w->ix != NULL && w->kind == NPK_KIND_DOCUMENT)
		NPK_FORWARD(npk__ixw_doc(w->ix, w->leaf_base + w->docs, w->ix_doc.p, w->ix_doc.len,
		                         w->ix_cut, w->media, w->meta_enc, w->meta_len, err));
	if (w->ed != NULL)
		NPK_FAIL_IF(npk__buf_put(&w->paths, w->path, strlen(w->path) + 1) != 0, err,
		            NPK_E_NOMEM, "out of memory");
	w->page_entries++;
	w->docs++;
	w->doc_bytes += w->ref || w->shared ? 0 : w->doc_size;
	entry_done(w);
	return NPK_OK;
}

/* 15.15: a withdrawal of wd->path (kind 1: no content, digest H(""),
 * the media type of the version withdrawn), with a leaf of type 1. Not a
 * folder of what follows: the path leaves the state. */
static int writer_withdraw(npk_writer *w, const npk__withdrawal *wd, npk_error *err)
{
	const char *path = wd->path;
	NPK_FORWARD(npk_path_check(path, strlen(path), err));
	NPK_FAIL_IF(w->prev_path != NULL && strcmp(w->prev_path, path) >= 0, err, NPK_E_ARG,
	            "%s: withdrawals must come in path order", path);
	NPK_FAIL_IF(!npk__media_ok(wd->media), err, NPK_E_INPUT, "%s: bad media type \"%s\"", path,
	            wd->media);
	const char *clash;
	NPK_FAIL_IF(npk__pathstack_push(&w->folders, path, &clash) != 0, err, NPK_E_NOMEM,
	            "out of memory");
	NPK_FAIL_IF(clash != NULL, err, NPK_E_INPUT, ED_CLASH, clash, path);
	NPK_FAIL_IF(w->docs >= NPK_DOCS_MAX || w->leaf_base + w->docs >= NPK_TREE_SIZE_MAX, err,
	            NPK_E_LIMIT, "too many entries");
	int rc = writer_doc_meta(w, wd->meta, err);
	if (rc != NPK_OK)
		return npk__wrap(err, rc, "%s: ", path);
	char *copy = strdup(path);
	NPK_FAIL_IF(copy == NULL, err, NPK_E_NOMEM, "out of memory");
	free(w->path);
	w->path = copy;
	snprintf(w->media, sizeof w->media, "%s", wd->media);
	w->kind = NPK_KIND_WITHDRAWN;
	w->doc_size = w->doc_seen = 0;
	w->doc_cluster = NPK_NO_CLUSTER;
	w->doc_offset = 0;
	w->held = w->ref = 0;
	w->in_doc = 1;
	uint8_t digest[32];
	npk__digest(NULL, 0, digest);
	return entry_write(w, digest, err);
}

/* The withdrawals that come before path (in path order); path itself
 * withdrawn and given is refused. */
static int withdrawals_before(npk_writer *w, const char *path, npk_error *err)
{
	const npk_edition_spec *ed = w->ed;
	while (w->wd_next < ed->nwithdraw) {
		const npk__withdrawal *wd = &ed->withdraw[w->wd_next];
		int c = path ? strcmp(wd->path, path) : -1;
		NPK_FAIL_IF(c == 0, err, NPK_E_INPUT, "%s: is both given and withdrawn", path);
		if (c > 0)
			break;
		w->wd_next++;
		NPK_FORWARD(writer_withdraw(w, wd, err));
	}
	return NPK_OK;
}

/* The trusted comment (8): fixed text, so the output stays deterministic. */
static void writer_comment(const npk_writer *w, char *out, size_t len)
{
	time_t t = (time_t)w->timestamp;
	struct tm tm;
	char when[32] = "?";
	if (gmtime_r(&t, &tm) != NULL)
		strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	char what[48] = "newspack archive";
	if (w->ed != NULL)
		snprintf(what, sizeof what, "newspack archive edition %u", (unsigned)w->ed->edition);
	if (w->seal != NULL) /* 15.17.6: no count */
		snprintf(out, len, "timestamp:%llu\t%s\tsealed", (unsigned long long)w->timestamp, what);
	else
		snprintf(out, len, "timestamp:%llu\t%s\tcreated:%s\tdocuments:%llu",
		         (unsigned long long)w->timestamp, what, when, (unsigned long long)w->docs);
}

/* 7-9: the manifest, its signature block and the trailer, after the
 * tables (which start at pt_off). */
static int writer_seal(npk_writer *w, const npk_seckey *sk, uint64_t pt_off, npk_error *err)
{
	char comment[NPK_COMMENT_MAX + 1];
	writer_comment(w, comment, sizeof comment);
	npk_pubkey *pk = npk_seckey_pubkey(sk);
	NPK_FAIL_IF(pk == NULL, err, NPK_E_NOMEM, "out of memory");
	npk_buf m = {0}, s = {0};
	uint8_t t[NPK_TRAILER_SIZE];
	uint64_t mf_off = w->off, file_size = 0;
	int rc;
	NPK_FORWARD_GOTO(rc, encode_manifest(&m, w, pk, pt_off, NPK_SIG_FIXED + strlen(comment),
	                                     &file_size, err), out);
	NPK_FORWARD_GOTO(rc, npk__encode_signature(&s, sk, pk, &m, comment, err), out);
	npk__encode_trailer(t, mf_off, m.len, s.len);
	NPK_FORWARD_GOTO(rc, writer_emit(w, m.p, m.len, err), out);
	NPK_FORWARD_GOTO(rc, writer_emit(w, s.p, s.len, err), out);
	NPK_FORWARD_GOTO(rc, writer_emit(w, t, sizeof t, err), out);
	if (w->off != file_size)
		rc = npk__fail(err, NPK_E_IO, "archive: wrote %llu bytes, expected %llu",
		               (unsigned long long)w->off, (unsigned long long)file_size);
out:
	npk_pubkey_free(pk);
	npk__buf_free(&m);
	npk__buf_free(&s);
	return rc;
}

/* 15.17.6: the sealed manifest's plaintext: what the manifest and the
 * tables of a sealed archive leave out. */
static int sealed_manifest(const npk_writer *w, const npk_pubkey *pk, npk_buf *b, npk_error *err)
{
	uint8_t *am = NULL;
	size_t amlen = 0;
	int rc = npk__meta_encode(w->archive_meta, &am, &amlen, err);
	if (rc != NPK_OK)
		return npk__wrap(err, rc, "archive ");
	/* the directory's records, in its order: the index root, the seal,
	 * an edition's filters, the postings, the dictionary (15.17.6:
	 * plaintext length and H of each) */
	uint32_t nsec = 1 + (w->ix_written ? 2 : 0) + (w->ed ? 2 : 0) + (w->dict ? 1 : 0);
	int nomem = npk__buf_put(b, NPK_SMAN_MAGIC, 8) || npk__buf_u64(b, w->docs) ||
	            npk__buf_u64(b, w->doc_bytes) || npk__buf_put(b, pk->id, 8) ||
	            npk__buf_put(b, pk->pk, 32) || npk__buf_u32(b, w->cluster_no) ||
	            npk__buf_u32(b, w->page_no) || npk__buf_u32(b, nsec) || npk__buf_u32(b, 0) ||
	            npk__buf_u16(b, (uint16_t)amlen) || npk__buf_put(b, am, amlen) ||
	            npk__buf_u16(b, (uint16_t)(1 + (w->tree ? 1 : 0) + (w->ed ? 1 : 0))) ||
	            (w->tree && (npk__buf_u16(b, NPK_EXT_MERKLE) || npk__buf_u16(b, 0) ||
	                         npk__buf_u32(b, NPK_EXT_MERKLE_LEN) || npk__buf_u64(b, w->mth.n) ||
	                         npk__buf_put(b, w->root, 32))) ||
	            (w->ed && (npk__buf_u16(b, NPK__SMAN_EXT_LINK) ||
	                       npk__buf_u16(b, NPK_EXT_CRITICAL) || npk__buf_u32(b, 8) ||
	                       npk__buf_u64(b, w->ed->prev_tree_size))) ||
	            npk__buf_u16(b, NPK__SMAN_EXT_TAGS) || npk__buf_u16(b, 0) ||
	            npk__buf_u32(b, (uint32_t)w->tags.len) || npk__buf_put(b, w->tags.p, w->tags.len) ||
	            npk__buf_put(b, w->smf_clusters.p, w->smf_clusters.len) ||
	            npk__buf_put(b, w->smf_pages.p, w->smf_pages.len);
	static const uint8_t zero[40];
	const npk__ixw_result *x = &w->ix_res;
	nomem = nomem || (w->ix_written && (npk__buf_u64(b, x->root_len) ||
	                                    npk__buf_put(b, x->root_digest, 32))) ||
	        npk__buf_put(b, zero, sizeof zero) || /* the seal's own record */
	        (w->ed && (npk__buf_u64(b, w->paths_plen) || npk__buf_put(b, w->paths_pdigest, 32) ||
	                   npk__buf_u64(b, w->folders_plen) ||
	                   npk__buf_put(b, w->folders_pdigest, 32))) ||
	        (w->ix_written && (npk__buf_u64(b, x->post_len) || npk__buf_put(b, x->post_digest, 32))) ||
	        (w->dict && (npk__buf_u64(b, NPK_DICT_HEADER + w->dict_len) ||
	                     npk__buf_put(b, w->dict_pdigest, 32)));
	free(am);
	NPK_FAIL_IF(nomem, err, NPK_E_NOMEM, "out of memory");
	return NPK_OK;
}

/* 15.17.3: the seal, last in the body. */
static int seal_write(npk_writer *w, const npk_seckey *sk, npk_error *err)
{
	npk_pubkey *pk = npk_seckey_pubkey(sk);
	NPK_FAIL_IF(pk == NULL, err, NPK_E_NOMEM, "out of memory");
	npk_buf plain = {0}, sec = {0};
	uint8_t *sealed = NULL;
	int rc = sealed_manifest(w, pk, &plain, err);
	npk_pubkey_free(pk);
	uint64_t slen = rc == NPK_OK ? npk__seal_stored_len(plain.len) : 0;
	if (rc == NPK_OK && (slen == 0 || slen > NPK_SEALED_MAX))
		rc = npk__fail(err, NPK_E_LIMIT, "the sealed manifest would pass 64 MiB");
	if (rc == NPK_OK && (sealed = malloc((size_t)slen)) == NULL)
		rc = npk__fail(err, NPK_E_NOMEM, "out of memory");
	if (rc == NPK_OK) {
		uint8_t nonce[NPK__SEAL_NONCE];
		npk__seal_random(nonce, sizeof nonce, NPK__RND_NONCE, (uint64_t)NPK__SEAL_MANIFEST << 32);
		npk__seal(w->seal, NPK__SEAL_MANIFEST, 0, 0, plain.p, plain.len, nonce, sealed);
		if (npk__buf_put(&sec, NPK_SEAL_MAGIC, 8) || npk__buf_u16(&sec, NPK_SEAL_SUITE) ||
		    npk__buf_u16(&sec, (uint16_t)w->nstanzas) || npk__buf_u32(&sec, 0) ||
		    npk__buf_put(&sec, w->seal->fid, 32) || npk__buf_put(&sec, w->seal->commit, 32) ||
		    npk__buf_put(&sec, w->stanzas.p, w->stanzas.len) ||
		    npk__buf_u32(&sec, (uint32_t)slen) || npk__buf_put(&sec, sealed, (size_t)slen))
			rc = npk__fail(err, NPK_E_NOMEM, "out of memory");
	}
	if (rc == NPK_OK) {
		w->seal_off = w->off;
		w->seal_len = sec.len;
		npk__digest(sec.p, sec.len, w->seal_digest);
		rc = writer_emit(w, sec.p, sec.len, err);
	}
	sodium_memzero(plain.p, plain.len);
	npk__buf_free(&plain);
	npk__buf_free(&sec);
	free(sealed);
	return rc;
}

static int ix_emit(void *ctx, const void *p, size_t len, npk_error *err)
{
	npk_writer *w = ctx;
	if (w->seal == NULL)
		return writer_emit(ctx, p, len, err);
	if (w->ix_spool < 0)
		NPK_FORWARD(npk__scratch_fd(&w->ix_spool, err));
	NPK_FORWARD(npk__pwrite_full(w->ix_spool, p, len, w->ix_spooled, "the index spool", err));
	w->ix_spooled += len;
	return NPK_OK;
}

/* A sealed archive's directory position (15.17.6: in a chunk's number)
 * of: 0 the index root, 1 the seal, 2 the path filter (its folder filter
 * next), 3 the postings, 4 the dictionary; the order encode_extensions
 * writes. */
static uint32_t sec_position(const npk_writer *w, int what)
{
	uint32_t seal = w->ix != NULL ? 1 : 0, post = seal + 1 + (w->ed != NULL ? 2 : 0);
	return what == 0 ? 0 : what == 1 ? seal : what == 2 ? seal + 1
	       : what == 3 ? post : post + (w->ix != NULL ? 1 : 0);
}

/* 15.17.6: len bytes of the spool at off, the section of directory
 * position i and type, sealed in chunks of 64 KiB into the body; *out
 * gets where it lies, its stored length and H of its stored bytes. */
static int seal_section(npk_writer *w, const uint8_t *mem, uint64_t off, uint64_t len,
                        uint32_t i, unsigned type, struct sealed_sec *out, npk_error *err)
{
	const size_t cap = NPK__SEAL_CHUNK_BYTES;
	uint8_t *in = malloc(cap), *st = malloc((size_t)npk__seal_stored_len(cap));
	int rc = in && st ? NPK_OK : npk__fail(err, NPK_E_NOMEM, "out of memory");
	crypto_generichash_state h;
	crypto_generichash_init(&h, NULL, 0, 32);
	out->off = w->off;
	for (uint64_t j = 0; rc == NPK_OK && j * cap < len; j++) {
		size_t n = len - j * cap < cap ? (size_t)(len - j * cap) : cap;
		uint64_t num = ((uint64_t)i << 32) + j;
		if (mem != NULL) /* (mem: the plaintext in memory, else in the index spool) */
			memcpy(in, mem + off + j * cap, n);
		else
			rc = npk__pread_full(w->ix_spool, in, n, off + j * cap, "the index spool", err);
		if (rc != NPK_OK)
			break;
		uint8_t nonce[NPK__SEAL_NONCE];
		npk__seal_random(nonce, sizeof nonce, NPK__RND_NONCE,
		                 ((uint64_t)NPK__SEAL_CHUNK << 56) ^ num);
		size_t sl = (size_t)npk__seal_stored_len(n);
		npk__seal(w->seal, NPK__SEAL_CHUNK, num, type, in, n, nonce, st);
		crypto_generichash_update(&h, st, sl);
		rc = writer_emit(w, st, sl, err);
	}
	crypto_generichash_final(&h, out->digest, 32);
	out->len = w->off - out->off;
	if (in != NULL)
		sodium_memzero(in, cap);
	free(in);
	free(st);
	return rc;
}

/* 15.18: the dictionary's section, after the index (sealed: in chunks,
 * before the seal). */
static int dict_write(npk_writer *w, npk_error *err)
{
	size_t L = NPK_DICT_HEADER + w->dict_len;
	uint8_t *b = malloc(L);
	NPK_FAIL_IF(b == NULL, err, NPK_E_NOMEM, "out of memory");
	memcpy(b, NPK_DICT_MAGIC, 8);
	npk__st32(b + 8, 0);
	npk__st32(b + 12, (uint32_t)w->dict_len);
	memcpy(b + NPK_DICT_HEADER, w->dict, w->dict_len);
	int rc;
	if (w->seal == NULL) {
		w->dict_off = w->off;
		w->dict_slen = L;
		npk__digest(b, L, w->dict_digest);
		rc = writer_emit(w, b, L, err);
	} else {
		struct sealed_sec out;
		npk__digest(b, L, w->dict_pdigest);
		rc = seal_section(w, b, 0, L, sec_position(w, 4), NPK_SECTION_DICT, &out, err);
		w->dict_off = out.off;
		w->dict_slen = out.len;
		memcpy(w->dict_digest, out.digest, 32);
		sodium_memzero(b, L);
	}
	free(b);
	return rc;
}

int npk_writer_finish(npk_writer *w, const npk_seckey *sk, npk_error *err)
{
	NPK_FAIL_IF(w->failed, err, NPK_E_IO, "archive: an earlier write failed");
	NPK_FAIL_IF(w->in_doc, err, NPK_E_ARG, "%s: document not ended", w->path);
	NPK_FAIL_IF(sk == NULL, err, NPK_E_ARG, "no secret key to sign with");
	if (w->ed != NULL) {
		NPK_FORWARD(withdrawals_before(w, NULL, err));
		NPK_FAIL_IF(w->docs == 0, err, NPK_E_NOTFOUND,
		            "nothing to append: every input is unchanged");
	}
	NPK_FORWARD(writer_flush_cluster(w, err));
	NPK_FORWARD(writer_flush_page(w, err));
	if (w->dict_state == 1)
		NPK_FORWARD(dict_train(w, err));
	while (w->head != w->tail)
		NPK_FORWARD(job_write(w, err));
	if (w->tree && w->seal != NULL) /* 15.17.6: the root alone */
		npk__mth_root(&w->mth, w->root);
	else if (w->tree)
		NPK_FORWARD(tree_write(w, err));
	if (w->ed != NULL) {
		NPK_FORWARD(paths_write(w, err));
		NPK_FORWARD(folders_write(w, err));
	}
	if (w->ix != NULL) {
		/* sealed: spooled from offset 0, then sealed, the root first in the
		 * directory (position 0), the postings after the seal (2) */
		NPK_FORWARD(npk__ixw_finish(w->ix, w->leaf_base + w->docs, w->seal ? 0 : w->off, ix_emit,
		                            w, &w->ix_res, err));
		const npk__ixw_result *x = &w->ix_res;
		if (w->seal != NULL) {
			NPK_FORWARD(seal_section(w, NULL, x->post_off, x->post_len, sec_position(w, 3),
			                         NPK__IX_POSTINGS_TYPE, &w->spost, err));
			NPK_FORWARD(seal_section(w, NULL, x->root_off, x->root_len, 0, NPK__IX_ROOT_TYPE,
			                         &w->sroot, err));
		}
		w->ix_written = 1;
	}
	if (w->dict != NULL)
		NPK_FORWARD(dict_write(w, err));
	if (w->seal != NULL)
		NPK_FORWARD(seal_write(w, sk, err));
	/* 6. Tables: page table, then cluster table. */
	uint64_t pt_off = w->off;
	NPK_FORWARD(writer_emit(w, w->page_table.p, w->page_table.len, err));
	NPK_FORWARD(writer_emit(w, w->cluster_table.p, w->cluster_table.len, err));
	return writer_seal(w, sk, pt_off, err);
}

int npk__writer_index_start(npk_writer *w, uint64_t lo, npk_error *err)
{
	NPK_FAIL_IF(!w->v11 || w->ix != NULL || w->docs > 0 || lo > w->leaf_base, err, NPK_E_ARG,
	            "a search index of earlier entries is started before any entry");
	npk__ixw_opts io = {.lo = lo, .codec = w->codec, .threads = w->ix_threads};
	NPK_FORWARD(npk__ixw_new(&io, &w->ix, err));
	w->want_ix = 1;
	return NPK_OK;
}

int npk__writer_index_doc(npk_writer *w, uint64_t doc, const uint8_t *bytes, size_t len, int cut,
                          const char *media, const uint8_t *meta, size_t meta_len,
                          npk_error *err)
{
	NPK_FAIL_IF(w->ix == NULL || doc >= w->leaf_base || w->docs > 0, err, NPK_E_ARG,
	            "entry %llu is no earlier entry of a search index", (unsigned long long)doc);
	return npk__ixw_doc(w->ix, doc, bytes, len, cut, media, meta, meta_len, err);
}

void npk__writer_index(const npk_writer *w, uint64_t *bytes, uint64_t *keys, uint64_t *cut)
{
	const npk__ixw_result *r = &w->ix_res;
	*bytes = w->ix_written ? r->root_len + r->post_len : 0;
	*keys = w->ix_written ? r->keys : 0;
	*cut = w->ix_written ? r->truncated : 0;
}

uint64_t npk__writer_dict_len(const npk_writer *w)
{
	return w->dict != NULL ? w->dict_len : 0;
}

uint64_t npk_writer_size(const npk_writer *w)
{
	return w->off;
}

/* ---- 15.15: editions ---- */

/* 15.17.8: an edition of a sealed chain: the chain's file key, a file id
 * of its own, the previous file's stanzas and tags and one for each
 * recipient added; the header, written unsealed by npk_writer_new before
 * anything else, written again with the sealed flag. */
static int edition_seal(npk_writer *w, const npk_edition_spec *spec, npk_error *err)
{
	NPK_FAIL_IF(!w->v11 || w->off != NPK_HEADER_SIZE || w->cluster_no > 0, err, NPK_E_ARG,
	            "an edition is sealed before anything is written");
	NPK_FAIL_IF(spec->nstanzas + spec->nadd > NPK_SEAL_STANZAS_MAX, err, NPK_E_LIMIT,
	            "at most %u recipients and passphrases", NPK_SEAL_STANZAS_MAX);
	w->seal = sodium_malloc(sizeof *w->seal);
	NPK_FAIL_IF(w->seal == NULL, err, NPK_E_NOMEM, "out of memory");
	memcpy(w->seal->fk, spec->seal_fk, NPK__SEAL_KEY);
	/* (in the testing build's fixed randomness, each edition its own fid) */
	npk__seal_random(w->seal->fid, sizeof w->seal->fid, NPK__RND_FID, spec->edition);
	npk__seal_derive(w->seal);
	NPK_FAIL_IF(npk__buf_put(&w->stanzas, spec->stanzas, spec->stanzas_len) ||
	            npk__buf_put(&w->tags, spec->tags, 32 * (size_t)spec->nstanzas), err,
	            NPK_E_NOMEM, "out of memory");
	w->nstanzas = spec->nstanzas;
	for (size_t i = 0; i < spec->nadd; i++)
		NPK_FORWARD(recipient_stanza(w, spec->add[i], ((uint64_t)spec->edition << 32) + i, err));
	uint8_t h[NPK_HEADER_SIZE];
	encode_header(h, 1, 1);
	npk__digest(h, sizeof h, w->header_digest);
	return npk__pwrite_full(w->fd, h, sizeof h, 0, "archive", err);
}

int npk__writer_edition(npk_writer *w, const npk_edition_spec *spec, npk_error *err)
{
	NPK_FAIL_IF(w->seal != NULL, err, NPK_E_ARG, "an edition is sealed as its chain is: "
	            "give its seal in the edition, not recipients to create");
	NPK_FAIL_IF(!w->tree, err, NPK_E_ARG,
	            "an edition needs format 1.1 and its Merkle tree (not --no-tree)");
	NPK_FAIL_IF(w->docs > 0 || w->in_doc || w->prev_path != NULL, err, NPK_E_ARG,
	            "an edition is set before its first entry");
	NPK_FAIL_IF(spec->edition < 1 || spec->edition > NPK_EDITION_MAX, err, NPK_E_LIMIT,
	            "edition %u: editions are numbered 1 to %u", (unsigned)spec->edition,
	            NPK_EDITION_MAX);
	NPK_FAIL_IF(spec->stride < 1 || spec->stride > NPK_TREE_STRIDE_MAX, err, NPK_E_FORMAT,
	            "the base's tree stride %u is not 1 to %u", spec->stride, NPK_TREE_STRIDE_MAX);
	NPK_FAIL_IF(spec->prev_tree_size >= NPK_TREE_SIZE_MAX, err, NPK_E_LIMIT,
	            "the chain holds %llu leaves already",
	            (unsigned long long)spec->prev_tree_size);
	if (spec->seal_fk != NULL)
		NPK_FORWARD(edition_seal(w, spec, err));
	w->ed = spec;
	w->leaf_base = spec->prev_tree_size;
	w->stride = spec->stride;
	npk__mth_resume(&w->mth, spec->prev_tree_size, spec->border);
	return NPK_OK;
}

uint64_t npk__writer_entries(const npk_writer *w)
{
	return w->docs;
}

void npk__writer_dedup(const npk_writer *w, uint64_t *docs, uint64_t *bytes)
{
	*docs = w->dedup_docs;
	*bytes = w->dedup_bytes;
}

/* ---- merge: clusters copied as they are stored ---- */

int npk__writer_copy_cluster(npk_writer *w, uint8_t *obj, uint32_t len, uint32_t *number,
                             npk_error *err)
{
	int rc = NPK_OK;
	job *j = NULL;
	if (w->failed || w->in_doc || !w->v11 || w->ed != NULL)
		rc = npk__fail(err, NPK_E_ARG, "a cluster is copied between entries of a 1.1 archive");
	else if (len >= NPK_OBJ_HEADER_SIZE && obj[5] != 0)
		rc = npk__fail(err, NPK_E_ARG, "a copied cluster is given unsealed (flags 0)");
	else if (w->dict_state != 0)
		rc = npk__fail(err, NPK_E_ARG, "no cluster is copied into a file with a dictionary");
	else if (len < NPK_OBJ_HEADER_SIZE || (obj[4] != w->codec && obj[4] != NPK_CODEC_STORED))
		rc = npk__fail(err, NPK_E_ARG, "a copied cluster must be stored or of codec %u",
		               w->codec);
	if (rc == NPK_OK)
		rc = writer_flush_cluster(w, err);
	if (rc == NPK_OK && w->cluster_no >= NPK_CLUSTERS_MAX)
		rc = npk__fail(err, NPK_E_LIMIT, "more than %u clusters", NPK_CLUSTERS_MAX);
	if (rc == NPK_OK)
		rc = job_slot(w, &j, err);
	if (rc != NPK_OK) {
		free(obj);
		return rc;
	}
	/* 4.1: the header is the stored one with this file's number; the
	 * payload moves to the start of the buffer, which the job owns */
	j->magic = NPK_CLUSTER_MAGIC;
	j->copy = 1;
	j->number = w->cluster_no;
	memcpy(j->header, obj, NPK_OBJ_HEADER_SIZE);
	npk__st32(j->header + 8, w->cluster_no);
	memmove(obj, obj + NPK_OBJ_HEADER_SIZE, len - NPK_OBJ_HEADER_SIZE);
	j->z = obj;
	j->zlen = len - NPK_OBJ_HEADER_SIZE;
	j->raw_size = npk__ld32(j->header + 12); /* sealed (job_run): v, and the sealed manifest's */
	j->seal = w->seal;
	*number = w->cluster_no;
	w->doc_bytes += npk__ld32(j->header + 12);
	w->cluster_no++;
	return job_start(w, j, err);
}

uint32_t npk__writer_clusters(const npk_writer *w)
{
	return w->cluster_no;
}

int npk__writer_add_extent(npk_writer *w, const npk__extent_entry *x, npk_error *err)
{
	NPK_FAIL_IF(x->size == 0 || w->ed != NULL, err, NPK_E_ARG,
	            "%s: an extent entry names stored bytes of a lone archive", x->path);
	NPK_FORWARD(writer_begin(w, x->kind, x->path, x->media_type, x->meta, 0, err));
	w->doc_size = w->doc_seen = x->size;
	w->doc_cluster = x->cluster;
	w->doc_offset = x->offset;
	w->shared = 1; /* its bytes are counted with the cluster copied */
	if (w->ix != NULL && x->index_bytes != NULL) {
		NPK_FORWARD(ix_take(w, x->index_bytes, x->index_len, err));
		w->ix_cut |= x->index_cut;
	}
	if (w->dedup != NULL) {
		npk__dedup_rec r;
		int found = 0;
		NPK_FORWARD(npk__dedup_find(w->dedup, x->digest, x->size, &r, &found, err));
		if (!found) {
			r = (npk__dedup_rec){.size = x->size, .cluster = x->cluster, .offset = x->offset};
			memcpy(r.digest, x->digest, 32);
			NPK_FORWARD(npk__dedup_add(w->dedup, &r, err));
		} else if (r.cluster == x->cluster && r.offset == x->offset) {
			w->dedup_docs++; /* the copy shares them already */
			w->dedup_bytes += x->size;
		}
	}
	return entry_write(w, x->digest, err);
}

int npk__writer_dedup_seed(npk_writer *w, const npk__dedup_rec *r, npk_error *err)
{
	if (w->dedup == NULL)
		return NPK_OK;
	NPK_FAIL_IF(w->ed == NULL || r->edition >= w->ed->edition, err, NPK_E_ARG,
	            "a content to refer to must be in an earlier edition's file");
	NPK_FAIL_IF(w->docs > 0 || w->in_doc, err, NPK_E_ARG,
	            "the contents of the chain are given before the first entry");
	NPK_FAIL_IF(r->size == 0, err, NPK_E_ARG, "an empty content is never referred to");
	if (r->size > NPK_DEDUP_MAX)
		return NPK_OK; /* never looked up: such a content is not held */
	npk__dedup_rec had;
	int found;
	NPK_FORWARD(npk__dedup_find(w->dedup, r->digest, r->size, &had, &found, err));
	return found ? NPK_OK : npk__dedup_add(w->dedup, r, err);
}

/* A filter section (15.15: the path filter, type 9, or the folder
 * filter, type 10) of count keys and m bits f, written at the current
 * offset: its place and digest into *off, *len, digest. */
static int filter_emit(npk_writer *w, const char *magic, uint64_t count, uint64_t m,
                       const uint8_t *f, uint64_t *off, uint64_t *len, uint8_t digest[32],
                       npk_error *err)
{
	uint8_t h[NPK_PATHS_HEADER];
	npk__paths_header(h, magic, count, m, NPK_PATHS_HASHES);
	crypto_generichash_state st;
	crypto_generichash_init(&st, NULL, 0, 32);
	crypto_generichash_update(&st, h, sizeof h);
	crypto_generichash_update(&st, f, (size_t)(m / 8));
	crypto_generichash_final(&st, digest, 32);
	*off = w->off;
	*len = sizeof h + m / 8;
	if (w->seal != NULL) { /* 15.17.8: sealed in chunks, as the index's sections */
		int paths = strcmp(magic, NPK_PATHS_MAGIC) == 0;
		uint8_t *plain = malloc((size_t)*len);
		NPK_FAIL_IF(plain == NULL, err, NPK_E_NOMEM, "out of memory");
		memcpy(plain, h, sizeof h);
		memcpy(plain + sizeof h, f, (size_t)(m / 8));
		*(paths ? &w->paths_plen : &w->folders_plen) = *len;
		memcpy(paths ? w->paths_pdigest : w->folders_pdigest, digest, 32);
		struct sealed_sec out;
		int rc = seal_section(w, plain, 0, *len, sec_position(w, 2) + (paths ? 0 : 1),
		                      paths ? NPK_SECTION_PATHS : NPK_SECTION_FOLDERS, &out, err);
		free(plain);
		*off = out.off;
		*len = out.len;
		memcpy(digest, out.digest, 32);
		return rc;
	}
	NPK_FORWARD(writer_emit(w, h, sizeof h, err));
	return writer_emit(w, f, (size_t)(m / 8), err);
}

/* The path filter (section type 9) over the entries' paths. */
static int paths_write(npk_writer *w, npk_error *err)
{
	uint64_t m = npk__paths_bits(w->docs);
	uint8_t *f = calloc(1, (size_t)(m / 8));
	NPK_FAIL_IF(f == NULL, err, NPK_E_NOMEM, "out of memory");
	for (size_t at = 0; at < w->paths.len;) {
		const char *p = (const char *)w->paths.p + at;
		size_t len = strlen(p);
		npk__paths_add(f, m, NPK_PATHS_HASHES, p, len);
		at += len + 1;
	}
	int rc = filter_emit(w, NPK_PATHS_MAGIC, w->docs, m, f, &w->paths_off, &w->paths_len,
	                     w->paths_digest, err);
	free(f);
	return rc;
}

typedef struct folder_fill {
	uint8_t *f;               /* NULL: count only */
	uint64_t m, n;
} folder_fill;

static void folder_one(const char *path, size_t len, void *ctx)
{
	folder_fill *ff = ctx;
	ff->n++;
	if (ff->f != NULL)
		npk__paths_add(ff->f, ff->m, NPK_PATHS_HASHES, path, len);
}

/* Each folder of the entries' paths (in path order) once into ff. */
static void folders_each(const npk_writer *w, folder_fill *ff)
{
	const char *prev = NULL;
	for (size_t at = 0; at < w->paths.len;) {
		const char *p = (const char *)w->paths.p + at;
		npk__folders_new(p, prev, folder_one, ff);
		prev = p;
		at += strlen(p) + 1;
	}
}

/* The folder filter (section type 10) over the folders of the entries'
 * paths, so that append finds whether a new path is a folder of the
 * chain without reading this edition's index. */
static int folders_write(npk_writer *w, npk_error *err)
{
	folder_fill ff = {0};
	folders_each(w, &ff);
	uint64_t count = ff.n;
	ff.m = npk__paths_bits(count);
	ff.n = 0;
	ff.f = calloc(1, (size_t)(ff.m / 8));
	NPK_FAIL_IF(ff.f == NULL, err, NPK_E_NOMEM, "out of memory");
	folders_each(w, &ff);
	int rc = filter_emit(w, NPK_FOLDERS_MAGIC, count, ff.m, ff.f, &w->folders_off,
	                     &w->folders_len, w->folders_digest, err);
	free(ff.f);
	return rc;
}

/* node(b, i) of a tree of p leaves from its stored levels (15.13): the
 * root of 2^r nodes of the stored level b - r below it. */
static int stored_node(uint64_t p, unsigned s, npk_tree_read rd, void *ctx, unsigned b,
                       uint64_t i, uint8_t *buf, npk_error *err)
{
	unsigned l0 = b / s * s, r = b - l0;
	size_t count = (size_t)1 << r;
	NPK_FORWARD(rd(ctx, npk__tree_level_offset(p, s, l0) + (i << r) * 32, buf, count * 32, err));
	npk__perfect_root(buf, count);
	return NPK_OK;
}

int npk__tree_border(uint64_t p, unsigned stride, npk_tree_read rd, void *ctx,
                     uint8_t (*border)[32], npk_error *err)
{
	NPK_FAIL_IF(stride < 1 || stride > NPK_TREE_STRIDE_MAX, err, NPK_E_FORMAT,
	            "tree stride %u is not 1 to %u", stride, NPK_TREE_STRIDE_MAX);
	uint8_t *buf = malloc((size_t)32 << (stride - 1));
	NPK_FAIL_IF(buf == NULL, err, NPK_E_NOMEM, "out of memory");
	int rc = NPK_OK;
	uint64_t a = 0;
	unsigned k = 0;
	for (unsigned b = 64; b-- > 0 && rc == NPK_OK;) {
		if (!(p >> b & 1))
			continue;
		rc = stored_node(p, stride, rd, ctx, b, a >> b, buf, err);
		memcpy(border[k++], buf, 32);
		a += (uint64_t)1 << b;
	}
	free(buf);
	return rc;
}

void npk_writer_free(npk_writer *w)
{
	if (w == NULL)
		return;
	if (w->ring != NULL)
		writer_stop(w);
	for (size_t i = 0; i < w->nheld; i++)
		job_clear(&w->holds[i]);
	free(w->holds);
	free(w->dict);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->work_cv);
	pthread_cond_destroy(&w->done_cv);
	free(w->ring);
	free(w->workers);
	encoders_free(&w->enc);
	npk__buf_free(&w->cluster);
	npk__buf_free(&w->cluster_table);
	npk__buf_free(&w->page);
	npk__buf_free(&w->page_table);
	npk__pathstack_free(&w->folders);
	free(w->page_first_path);
	free(w->path);
	free(w->prev_path);
	free(w->meta_enc);
	npk__buf_free(&w->leaf);
	npk__buf_free(&w->paths);
	npk__dedup_free(w->dedup);
	npk__ixw_free(w->ix);
	npk__buf_free(&w->ix_doc);
	if (w->spool >= 0)
		close(w->spool);
	npk_meta_free(w->archive_meta);
	sodium_memzero(w->salt_key, sizeof w->salt_key);
	if (w->seal != NULL)
		sodium_free(w->seal);  /* wipes */
	npk__buf_free(&w->stanzas);
	npk__buf_free(&w->tags);
	if (w->ix_spool >= 0)
		close(w->ix_spool);
	npk__buf_free(&w->smf_clusters);
	npk__buf_free(&w->smf_pages);
	free(w);
}
