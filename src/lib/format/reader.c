/*
 * reader.c - opens, lists, reads and verifies archives (spec/format.md,
 * section 11 gives the algorithm step by step; the step numbers below are
 * its own).
 *
 * Nothing is parsed before it is authenticated: the manifest only after
 * the signature over it verifies, the tables only after their digests
 * (held in the manifest) match, a page or cluster only after its digest
 * (held in a table) matches.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "format/format.h"
#include "format/seal.h"
#include "search/ixread.h"
#include "search/ixwrite.h"

typedef struct page_ref {
	uint64_t off;
	uint32_t len, raw;
	uint64_t first_ordinal;
	uint32_t count;
	uint8_t digest[32];
	char *first;              /* first path, NUL-terminated */
} page_ref;

typedef struct cluster_ref {
	uint64_t off;
	uint32_t len, raw;
	uint8_t digest[32];
	uint64_t start;           /* logical offset of its first byte (5.3) */
} cluster_ref;

/* A section named by the directory (15.3). */
typedef npk_section section_ref;

/* An object (page or cluster) read, checked and decoded into memory. */
#define NPK_JUMP_CACHE 16         /* clusters kept after a jump, at most */

typedef struct obj_buf {
	uint8_t *io;              /* the stored object */
	size_t io_cap;
	uint8_t *raw;             /* decoded contents */
	size_t raw_cap;
	size_t raw_len;
	int valid;                /* a page whose entries passed page_valid */
	uint32_t page1;           /* find's page: its number plus one (0: none), load_found */
} obj_buf;

struct npk_reader {
	int fd;
	char *name;
	uint64_t file_size;
	unsigned major, minor;
	uint32_t required_flags, optional_flags;
	int header_reserved;      /* a reserved header byte is set: acted on at 15.2, 5b */
	int v11;                  /* required_flags bit 0: version 1.1 (15.1) */
	uint64_t signed_size;     /* the signed part: file_size unless a tail follows (15.5) */
	int has_tail;
	section_ref *sections;    /* the directory (15.3), in its order */
	uint32_t section_count;

	/* manifest (7) */
	uint64_t created, doc_count, doc_bytes, pt_off;
	uint32_t cluster_count, page_count, pt_size, ct_size;
	uint8_t pt_digest[32], ct_digest[32];
	npk_meta *meta;

	/* signature (8) */
	uint8_t key_id[8], signer[32];
	char comment[NPK_COMMENT_MAX + 1];
	int trusted;

	page_ref *pages;
	cluster_ref *clusters;
	uint64_t stored_bytes;

	obj_buf page;             /* for list */
	obj_buf fpage;            /* for find */
	obj_buf cl;               /* cluster cache */
	/* clusters left by a jump (an entry in another stretch of the data
	 * stream, as a merge of interleaved inputs writes, 15.16): kept, so
	 * that a walk going back and forth decodes each cluster once */
	obj_buf jump[NPK_JUMP_CACHE];
	int64_t jump_id[NPK_JUMP_CACHE];
	uint64_t jump_used[NPK_JUMP_CACHE], jump_clock;
	int random_reads;          /* documents read one by one in no order (search): each
	                           * cluster decoded only as far as the document */
	npk_decoder *dec;
	size_t threads;           /* for read-ahead; 0 = one per core */
	int no_meta;              /* walks and find leave metadata lists undecoded */
	npk_progress_cb progress; /* called by verify after each document */
	void *progress_ctx;
	struct npk_prefetch *pf;  /* read-ahead of clusters */
	struct npk_prefetch *ppf; /* read-ahead of index pages, for a walk */
	int64_t cl_cached;        /* cluster number in cl, or -1 */
	/* The last cluster found damaged, and why: the other documents stored
	 * in it fail at once instead of each reading and hashing it again
	 * (extract goes on past damage, spec/format.md 11). */
	int64_t cl_bad;
	int cl_bad_rc;
	npk_error cl_bad_err;
	int64_t cl_failed;        /* the cluster the last read failed on, or -1 */
	/* salvage (15.11): the cluster table and the clusters are not proven
	 * by digests, only each document by its own; clusters may lie after
	 * the signed part (npk__reader_open_unproven) */
	int ct_unproven;
	uint64_t cl_loads;        /* clusters decoded on this thread */
	/* clusters whose stored bytes this process found matching their
	 * digests, shared by readers of one file (npk_reader_share_checks):
	 * a document read in one cluster, checked against its own digest
	 * before it comes out, then skips the cluster's hash */
	struct npk__proven *proven;

	/* 15.9: the survival copies, once the originals failed a check of
	 * steps 1-7 (NULL: the originals only), and the damaged originals
	 * whose copy served */
	npk__copies *copies;
	npk__fix fixes[NPK_FIXES_MAX];
	uint32_t nfixes;
	unsigned served;          /* NPK_COPY_* bits */

	/* 15.13: the Merkle tree: the root extension, its section (index into
	 * sections, or -1) and its stride once read; with want_leaf set,
	 * parse_entry makes each entry's leaf data and hash */
	int has_tree;
	/* 15.17.6: a sealed archive's tree, not stored: the manifest's
	 * commitment (extension type 4), the root from the sealed manifest */
	int has_root_commit, sealed_tree;
	uint8_t root_commit[32];
	uint64_t tree_size;
	uint8_t tree_root[32];
	int64_t tree_sec;
	int want_leaf, leaf_ok;
	npk_buf leaf;
	uint8_t leaf_hash[32];
	int walk_complete;        /* the last walk read every entry */
	uint8_t *signed_bytes;    /* the manifest and signature block, as verified */
	uint32_t mf_len, sig_len;

	/* 15.15: the edition link (pointers into signed_bytes), H(manifest),
	 * the digest expected instead of a signature (npk__reader_open_file),
	 * the path filter's section (index, or -1), and the chain when this is
	 * its top reader (chain.c) */
	int has_link, sealed_link; /* sealed_link: prev_tree_size from the sealed manifest */
	npk_edition_link link;
	uint8_t mf_digest[32];
	const uint8_t *expect;
	int64_t paths_sec;
	int64_t folders_sec;      /* the folder filter's (15.15), or -1 */
	/* 15.18: the compression dictionary's section (or -1), made ready at
	 * open (sealed: once unsealed) for the clusters of codec 3; dict_why
	 * says why not when it could not be (the clusters then say it) */
	int64_t dict_sec;
	npk_dict *dict;
	int dict_rc;
	char dict_why[200];
	npk__chain *chain;
	int dec_borrowed;         /* dec is the top reader's (a chain's file reader) */
	const npk_reader *shares; /* the newest file's reader: the top's fd and tables */
	/* verify of a chain's file (holding): the tree, the path filter (or
	 * the copies) and the folder filter sections, held from their digest's
	 * read to their last check (each byte read once); then what later
	 * editions read of its tree */
	struct { uint8_t *p; uint64_t off, len; } held[3];
	int holding;

	/* 15.17: sealed (required flag bit 1); unsealed once a key opened the
	 * seal (npk_reader_unseal), whose section is sections[seal_sec] */
	int sealed, unsealed;
	int auditing;             /* verify without a key: objects checked, not opened */
	int64_t seal_sec;
	uint8_t *seal_bytes;      /* the seal's bytes, checked against their digest at open */
	uint8_t *seal_tags;       /* the recipient tags (15.17.6), 32 bytes a stanza; NULL: none */
	/* 15.17.6: the sealed sections, once opened: their plaintext views
	 * (virtual offsets VSEC_BASE + i * 2^40, plaintext length and H), and
	 * the chunk last opened */
	npk_section *vsections;
	struct vchunk *vc;
	uint32_t seal_stanzas;    /* the seal's stanzas, and which one gave fk */
	uint32_t seal_opened;
	uint64_t seal_stanzas_end; /* where they end in the seal, once opened */
	npk__seal_keys *seal;     /* sodium_malloc memory; a shared reader's is its top's */

	/* kept by a layer above from one call to the next (npk__reader_keep) */
	void *kept;
	void (*kept_free)(void *);

	/* the entry returned by npk_reader_find */
	npk_entry found;
	char *found_path;
	char found_media[NPK_MEDIA_MAX + 1];
	npk_meta *found_meta;
};

/* 11, step 1 (15.2, step 1): the header's magic. Its other fields are
 * acted upon only once its digest matched (check_version). */
static int take_header(npk_reader *r, const uint8_t *h, npk_error *err)
{
	NPK_FAIL_IF(memcmp(h, NPK_MAGIC, NPK_MAGIC_LEN) != 0, err, NPK_E_FORMAT,
	            "%s: not a newspack archive (bad magic at offset 0)", r->name);
	r->major = npk__ld16(h + 8);
	r->minor = npk__ld16(h + 10);
	r->required_flags = npk__ld32(h + 12);
	r->optional_flags = npk__ld32(h + 16);
	r->header_reserved = 0;
	for (size_t i = 20; i < NPK_HEADER_SIZE; i++)
		if (h[i] != 0 && r->header_reserved == 0)
			r->header_reserved = (int)i;
	return NPK_OK;
}

/* With survival copies (15.9) the header is chosen by its digest at step
 * 5a (check_header_digest), whose bytes are then taken. */
static int read_header(npk_reader *r, npk_error *err)
{
	uint8_t h[NPK_HEADER_SIZE];
	NPK_FORWARD(npk__pread_full(r->fd, h, sizeof h, 0, r->name, err));
	return r->copies ? NPK_OK : take_header(r, h, err);
}

/* 15.9: reads len bytes at off of the signed part: the original (copy 0)
 * or its survival copy (copy 1), which is only a candidate. */
static int src_read(const npk_reader *r, int copy, void *buf, size_t len, uint64_t off,
                    npk_error *err)
{
	if (!copy)
		return npk__pread_full(r->fd, buf, len, off, r->name, err);
	const npk__copy_extent *x = r->copies ? npk__copies_cover(r->copies, off, len) : NULL;
	NPK_FAIL_IF(x == NULL, err, NPK_E_FORMAT, "%s: no survival copy of bytes %llu to %llu",
	            r->name, (unsigned long long)off, (unsigned long long)(off + len));
	return npk__pread_full(r->fd, buf, len, x->pos + (off - x->off), r->name, err);
}

/* The message m without the archive's name before it. */
static const char *unnamed(const npk_reader *r, const char *m)
{
	size_t nl = strlen(r->name);
	return strncmp(m, r->name, nl) == 0 && m[nl] == ':' && m[nl + 1] == ' ' ? m + nl + 2 : m;
}

/* 15.9: the original at off (len bytes, held in bytes, owned by the
 * reader from now on) failed with the message in why: its copy serves. */
static void copy_serves(npk_reader *r, unsigned what, uint64_t off, uint64_t len, uint8_t *bytes,
                        const npk_error *why)
{
	npk__fix *f = &r->fixes[r->nfixes++];
	/* the message without the archive's name: verify names it already */
	const char *m = unnamed(r, npk__bare(why, "damaged"));
	*f = (npk__fix){what, off, len, bytes, {0}};
	snprintf(f->msg, sizeof f->msg, "%s", m);
	r->served |= what;
}

/* 15.2, step 5b: the version and flags of a header whose digest matched,
 * so that a changed bit reads as damage, never as "needs a newer reader". */
static int check_version(npk_reader *r, npk_error *err)
{
	NPK_FAIL_IF(r->major > NPK_FORMAT_MAJOR, err, NPK_E_VERSION,
	            "%s: format version %u.%u needs a newer reader (this one reads %u.x)", r->name,
	            r->major, r->minor, NPK_FORMAT_MAJOR);
	NPK_FAIL_IF(r->major != NPK_FORMAT_MAJOR, err, NPK_E_FORMAT,
	            "%s: unknown format version %u.%u", r->name, r->major, r->minor);
	NPK_FAIL_IF(r->required_flags & ~(NPK_REQ_CONTAINER11 | NPK_REQ_SEALED), err, NPK_E_VERSION,
	            "%s: required feature flags 0x%08x need a newer reader", r->name, r->required_flags);
	NPK_FAIL_IF(r->header_reserved != 0, err, NPK_E_FORMAT,
	            "%s: reserved header byte %d is not zero", r->name, r->header_reserved);
	r->v11 = (r->required_flags & NPK_REQ_CONTAINER11) != 0;
	r->sealed = (r->required_flags & NPK_REQ_SEALED) != 0;
	NPK_FAIL_IF(r->sealed && !r->v11, err, NPK_E_FORMAT,
	            "%s: sealed (required flag bit 1) without version 1.1 (bit 0)", r->name);
	NPK_FAIL_IF(r->v11 != (r->minor >= 1), err, NPK_E_FORMAT,
	            "%s: format version %u.%u with required flags 0x%08x: version 1.1 and flag bit 0 "
	            "go together", r->name, r->major, r->minor, r->required_flags);
	return NPK_OK;
}

/* 15.3, 15.5: why directory record d cannot be right, or NULL. prev is
 * the record before it (NULL for the first); [lo, hi) the bytes it must
 * lie in; tail: a record of the tail directory. */
static const char *section_problem(const section_ref *d, const section_ref *prev,
                                   uint32_t reserved, uint64_t lo, uint64_t hi, int tail)
{
	uint64_t end = 0;
	int inside = d->off >= lo && npk__add64(d->off, d->len, &end) && end <= hi;
	return d->type == 0 || d->type == NPK_EXT_DIRECTORY || d->type == 5 ? "has a type that is not a section"
	       : prev && (d->type < prev->type || (d->type == prev->type && d->off <= prev->off))
	           ? "is out of (type, offset) order"
	       : d->flags & ~(NPK_SECTION_CRITICAL | NPK_SECTION_TAIL) ? "has reserved flags set"
	       : tail && !(d->flags & NPK_SECTION_TAIL) ? "lacks flag bit 1 (outside the signed part)"
	       : !tail && d->flags & NPK_SECTION_TAIL ? "has reserved flags set"
	       : reserved != 0 ? "has a reserved field that is not zero"
	       : d->len == 0 ? "is empty"
	       : !inside ? (tail ? "lies outside the tail" : "lies outside the body")
	       : NULL;
}

/* 15.3, 15.5: the records of a directory of n sections into S; the
 * messages do not name the archive (the caller does). */
static int take_sections(const uint8_t *data, uint32_t n, uint64_t lo, uint64_t hi, int tail,
                         section_ref *S, npk_error *err)
{
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *e = data + 4 + (size_t)i * NPK_SECTION_RECORD;
		section_ref *d = &S[i];
		d->type = npk__ld16(e);
		d->flags = npk__ld16(e + 2);
		d->off = npk__ld64(e + 8);
		d->len = npk__ld64(e + 16);
		memcpy(d->digest, e + 24, 32);
		const char *why = section_problem(d, i ? d - 1 : NULL, npk__ld32(e + 4), lo, hi, tail);
		const char *in = tail ? "the tail directory's " : "";
		NPK_FAIL_IF(why != NULL, err, NPK_E_FORMAT, "%ssection %u (type %u, offset %llu, length "
		            "%llu) %s", in, i, d->type, (unsigned long long)d->off,
		            (unsigned long long)d->len, why);
		NPK_FAIL_IF(!tail && d->type == NPK_SECTION_TREE && d->flags & NPK_SECTION_CRITICAL, err,
		            NPK_E_FORMAT, "section %u (type 4, the Merkle tree) is marked critical", i);
		NPK_FAIL_IF(!tail && d->type == NPK_SECTION_PATHS && d->flags & NPK_SECTION_CRITICAL,
		            err, NPK_E_FORMAT, "section %u (type 9, the path filter) is marked critical",
		            i);
		NPK_FAIL_IF(!tail && d->type == NPK_SECTION_FOLDERS && d->flags & NPK_SECTION_CRITICAL,
		            err, NPK_E_FORMAT, "section %u (type 10, the folder filter) is marked "
		            "critical", i);
		if (!tail && d->type == NPK_SECTION_SEAL) { /* 15.17.1: known, critical */
			NPK_FAIL_IF(!(d->flags & NPK_SECTION_CRITICAL), err, NPK_E_FORMAT,
			            "section %u (type 8, the seal) is not marked critical", i);
			continue;
		}
		if (!tail && d->type == NPK_SECTION_DICT) { /* 15.18: known, critical */
			NPK_FAIL_IF(!(d->flags & NPK_SECTION_CRITICAL), err, NPK_E_FORMAT,
			            "section %u (type 12, the compression dictionary) is not marked "
			            "critical", i);
			continue;
		}
		NPK_FAIL_IF(d->flags & NPK_SECTION_CRITICAL, err, NPK_E_VERSION,
		            "%ssection %u (type %u) is critical and needs a newer reader", in, i, d->type);
	}
	return NPK_OK;
}

/* 15.3, 15.5: a directory's records; every count and bound is checked
 * before use. */
int npk__parse_sections(const uint8_t *data, size_t len, uint64_t lo, uint64_t hi, int tail,
                        const char *name, npk_section **out, uint32_t *count, npk_error *err)
{
	const char *what = tail ? "tail directory" : "section directory";
	*out = NULL;
	*count = 0;
	NPK_FAIL_IF(len < 4, err, NPK_E_FORMAT, "%s: %s is truncated", name, what);
	uint32_t n = npk__ld32(data);
	NPK_FAIL_IF(n > NPK_SECTIONS_MAX || len != 4 + (uint64_t)n * NPK_SECTION_RECORD, err,
	            NPK_E_FORMAT, "%s: %s of %zu bytes does not hold %u sections", name, what, len, n);
	section_ref *S = calloc(n ? n : 1, sizeof *S);
	NPK_FAIL_IF(S == NULL, err, NPK_E_NOMEM, "out of memory");
	int rc = take_sections(data, n, lo, hi, tail, S, err);
	if (rc != NPK_OK) {
		free(S);
		return npk__wrap(err, rc, "%s: ", name);
	}
	*out = S;
	*count = n;
	return NPK_OK;
}

/* 15.3: the section directory, data of extension type 1. No section type
 * is known yet: unknown critical ones need a newer reader, the others are
 * kept for the tiling and verify's digests. */
static int parse_directory(npk_reader *r, const uint8_t *data, uint32_t len, npk_error *err)
{
	NPK_FORWARD(npk__parse_sections(data, len, NPK_HEADER_SIZE, r->pt_off, 0, r->name,
	                                &r->sections, &r->section_count, err));
	uint32_t seals = 0;
	for (uint32_t i = 0; i < r->section_count; i++)
		if (r->sections[i].type == NPK_SECTION_SEAL) {
			seals++;
			r->seal_sec = i;
		}
	/* 15.17.1: one seal in a sealed archive, none in another */
	NPK_FAIL_IF(r->sealed && seals != 1, err, NPK_E_FORMAT,
	            "%s: a sealed archive with %u seal sections (type 8), not one", r->name, seals);
	NPK_FAIL_IF(!r->sealed && seals != 0, err, NPK_E_FORMAT,
	            "%s: a seal section (type 8) in an archive not marked sealed", r->name);
	return NPK_OK;
}

/* 15.13: the Merkle root, data of extension type 2 (not critical). */
static int take_merkle(npk_reader *r, uint16_t flags, const uint8_t *data, uint32_t len,
                       npk_error *err)
{
	NPK_FAIL_IF(flags & NPK_EXT_CRITICAL, err, NPK_E_FORMAT,
	            "%s: the Merkle root extension is marked critical", r->name);
	NPK_FAIL_IF(len != NPK_EXT_MERKLE_LEN, err, NPK_E_FORMAT,
	            "%s: the Merkle root extension is %u bytes, not %u", r->name, len,
	            NPK_EXT_MERKLE_LEN);
	r->tree_size = npk__ld64(data);
	NPK_FAIL_IF(r->tree_size > NPK_TREE_SIZE_MAX, err, NPK_E_FORMAT,
	            "%s: the Merkle tree claims %llu leaves (at most %llu)", r->name,
	            (unsigned long long)r->tree_size, (unsigned long long)NPK_TREE_SIZE_MAX);
	memcpy(r->tree_root, data + 8, 32);
	r->has_tree = 1;
	return NPK_OK;
}

/* 15.13: with the root extension, exactly one type-4 section holds the
 * tree. Without it a type-4 section is skipped as an unknown one: 15.6
 * reserved the type before 15.13 defined it. */
static int find_tree(npk_reader *r, npk_error *err)
{
	uint32_t n = 0;
	r->tree_sec = -1;
	if (!r->has_tree)
		return NPK_OK;
	for (uint32_t i = 0; i < r->section_count; i++)
		if (r->sections[i].type == NPK_SECTION_TREE && n++ == 0)
			r->tree_sec = i;
	NPK_FAIL_IF(n != 1, err, NPK_E_FORMAT, n ? "%s: %u Merkle tree sections (one only)"
	                                         : "%s: a Merkle root without the tree's section%.0u",
	            r->name, n);
	return NPK_OK;
}

/* 15.15: the edition link, data of extension type 3 (critical). */
static int take_link(npk_reader *r, uint16_t flags, const uint8_t *data, uint32_t len,
                     npk_error *err)
{
	NPK_FAIL_IF(!(flags & NPK_EXT_CRITICAL), err, NPK_E_FORMAT,
	            "%s: the edition link is not marked critical", r->name);
	if (npk__link_parse(data, len, &r->link, err) != NPK_OK)
		return npk__wrap(err, NPK_E_FORMAT, "%s: the edition link: ", r->name);
	r->has_link = 1;
	return NPK_OK;
}

/* 15.15: an edition holds the Merkle root (with tree_size at least the
 * previous one), the tree section, exactly one path filter and at most
 * one folder filter. */
static int link_rules(npk_reader *r, npk_error *err)
{
	uint32_t n = 0, nf = 0, nd = 0;
	for (uint32_t i = 0; i < r->section_count; i++) {
		if (r->sections[i].type == NPK_SECTION_PATHS && n++ == 0)
			r->paths_sec = i;
		if (r->sections[i].type == NPK_SECTION_FOLDERS && nf++ == 0)
			r->folders_sec = i;
		if (r->sections[i].type == NPK_SECTION_DICT && nd++ == 0)
			r->dict_sec = i;
	}
	NPK_FAIL_IF(nd > 1, err, NPK_E_FORMAT, "%s: %u compression dictionaries (section type 12); "
	            "a file has one at most", r->name, nd);
	if (!r->has_link)
		return NPK_OK;
	/* 15.17.8: a sealed edition's root and previous tree size are sealed;
	 * the manifest shows the root's commitment and a prev_tree_size of 0 */
	NPK_FAIL_IF(r->sealed && (!r->has_root_commit || r->link.prev_tree_size != 0), err,
	            NPK_E_FORMAT, r->has_root_commit ? "%s: a sealed edition whose link shows the "
	            "previous tree size" : "%s: a sealed edition link without the sealed root's "
	            "commitment", r->name);
	NPK_FAIL_IF(!r->sealed && !r->has_tree, err, NPK_E_FORMAT,
	            "%s: an edition link without the Merkle root", r->name);
	NPK_FAIL_IF(r->tree_size < r->link.prev_tree_size, err, NPK_E_FORMAT,
	            "%s: the Merkle tree has %llu leaves, fewer than the %llu of the previous edition",
	            r->name, (unsigned long long)r->tree_size,
	            (unsigned long long)r->link.prev_tree_size);
	NPK_FAIL_IF(n != 1, err, NPK_E_FORMAT, n ? "%s: %u path filter sections (one only)"
	                                         : "%s: an edition without its path filter section%.0u",
	            r->name, n);
	NPK_FAIL_IF(nf > 1, err, NPK_E_FORMAT, "%s: %u folder filter sections (one at most)",
	            r->name, nf);
	return NPK_OK;
}

/* 7.2 Extensions: unknown critical ones stop the reader; type 1 is the
 * section directory of version 1.1 (15.3), type 2 the Merkle root
 * (15.13). */
static int check_extensions(npk_reader *r, npk_cur *c, unsigned count, npk_error *err)
{
	unsigned prev_type = 0;
	int directory = 0;
	for (unsigned i = 0; i < count; i++) {
		uint16_t type = npk__cur_u16(c);
		uint16_t flags = npk__cur_u16(c);
		uint32_t elen = npk__cur_u32(c);
		const uint8_t *data = npk__cur_take(c, elen);
		NPK_FAIL_IF(c->bad, err, NPK_E_FORMAT, "%s: manifest extension %u is truncated", r->name, i);
		NPK_FAIL_IF(type <= prev_type, err, NPK_E_FORMAT,
		            "%s: manifest extensions out of order", r->name);
		NPK_FAIL_IF(flags & ~NPK_EXT_CRITICAL, err, NPK_E_FORMAT,
		            "%s: manifest extension %u has reserved flags set", r->name, type);
		prev_type = type;
		if (type == NPK_EXT_DIRECTORY && r->v11) {
			NPK_FAIL_IF(!(flags & NPK_EXT_CRITICAL), err, NPK_E_FORMAT,
			            "%s: the section directory is not marked critical", r->name);
			NPK_FORWARD(parse_directory(r, data, elen, err));
			directory = 1;
			continue;
		}
		if (type == NPK_EXT_MERKLE && r->v11) {
			NPK_FORWARD(take_merkle(r, flags, data, elen, err));
			continue;
		}
		if (type == NPK_EXT_EDITION && r->v11) {
			NPK_FORWARD(take_link(r, flags, data, elen, err));
			continue;
		}
		if (type == NPK_EXT_SEALED_ROOT && r->sealed) {
			NPK_FAIL_IF(flags != 0 || elen != 32, err, NPK_E_FORMAT,
			            "%s: the sealed Merkle root's commitment: %u bytes with flags %u "
			            "(32, flags 0)", r->name, elen, flags);
			memcpy(r->root_commit, data, 32);
			r->has_root_commit = 1;
			continue;
		}
		NPK_FAIL_IF(type == NPK_EXT_DIRECTORY || type == NPK_EXT_MERKLE ||
		            type == NPK_EXT_EDITION, err, NPK_E_FORMAT,
		            "%s: a %s in a version 1.0 archive", r->name,
		            type == NPK_EXT_DIRECTORY ? "section directory"
		            : type == NPK_EXT_MERKLE ? "Merkle root" : "edition link");
		NPK_FAIL_IF(flags & NPK_EXT_CRITICAL, err, NPK_E_VERSION,
		            "%s: manifest extension %u is critical and needs a newer reader", r->name, type);
	}
	NPK_FAIL_IF(npk__cur_left(c) != 0, err, NPK_E_FORMAT,
	            "%s: %zu trailing bytes in the manifest", r->name, npk__cur_left(c));
	NPK_FAIL_IF(r->v11 && !directory, err, NPK_E_FORMAT,
	            "%s: a version 1.1 archive without a section directory", r->name);
	/* 15.17.6: a sealed archive's root is sealed; only its commitment shows */
	NPK_FAIL_IF(r->sealed && r->has_tree, err, NPK_E_FORMAT,
	            "%s: a sealed archive whose manifest shows its Merkle root", r->name);
	NPK_FORWARD(find_tree(r, err));
	return link_rules(r, err);
}

/* 11, step 5: the header is what the manifest's digest says. */
static int header_matches(const npk_reader *r, int copy, const uint8_t digest[32], uint8_t *h,
                          npk_error *err)
{
	uint8_t d[32];
	NPK_FORWARD(src_read(r, copy, h, NPK_HEADER_SIZE, 0, err));
	npk__digest(h, NPK_HEADER_SIZE, d);
	NPK_FAIL_IF(!npk__digest_same(d, digest), err, NPK_E_DIGEST,
	            "%s: header digest mismatch (header bytes 0-31 changed)", r->name);
	return NPK_OK;
}

/* 11, step 5: the header is what the manifest's digest says; else, with
 * survival copies, its copy if that is (15.9), whose fields are taken. */
static int check_header_digest(npk_reader *r, const uint8_t digest[32], npk_error *err)
{
	uint8_t h[NPK_HEADER_SIZE];
	int rc = header_matches(r, 0, digest, h, err);
	if (rc == NPK_OK || r->copies == NULL)
		return rc == NPK_OK && r->copies ? take_header(r, h, err) : rc;
	npk_error e2 = {0};
	uint8_t *c = malloc(NPK_HEADER_SIZE);
	NPK_FAIL_IF(c == NULL, err, NPK_E_NOMEM, "out of memory");
	if (header_matches(r, 1, digest, c, &e2) != NPK_OK) {
		free(c);
		return rc;
	}
	copy_serves(r, NPK_COPY_HEADER, 0, NPK_HEADER_SIZE, c, err);
	return take_header(r, c, err);
}

/* 10 and 6: the counts within the limits, and the tables ending where
 * the manifest (at mf_off) starts. */
static int check_counts(const npk_reader *r, uint64_t mf_off, npk_error *err)
{
	NPK_FAIL_IF(r->doc_count > NPK_DOCS_MAX, err, NPK_E_FORMAT,
	            "%s: %llu documents exceeds the limit of %u", r->name,
	            (unsigned long long)r->doc_count, NPK_DOCS_MAX);
	NPK_FAIL_IF(r->cluster_count > NPK_CLUSTERS_MAX, err, NPK_E_FORMAT,
	            "%s: %u clusters exceeds the limit of %u", r->name, r->cluster_count,
	            NPK_CLUSTERS_MAX);
	/* 15.17.6: a sealed archive's counts are in its sealed manifest */
	NPK_FAIL_IF(r->sealed && (r->doc_count != 0 || r->doc_bytes != 0), err, NPK_E_FORMAT,
	            "%s: a sealed manifest that shows its counts", r->name);
	NPK_FAIL_IF(!r->sealed && r->page_count > r->doc_count, err, NPK_E_FORMAT,
	            "%s: more index pages (%u) than documents", r->name, r->page_count);
	/* 6.1: a record takes 62 bytes and its path (checked record by record) */
	NPK_FAIL_IF(!r->sealed && (uint64_t)r->page_count * 62 > r->pt_size, err, NPK_E_FORMAT,
	            "%s: a page table of %u bytes cannot hold %u pages", r->name, r->pt_size,
	            r->page_count);
	/* 15.17.6: a sealed page record is 62 bytes, no path: the count is the
	 * table's size (and is checked before the table is allocated) */
	NPK_FAIL_IF(r->sealed && (uint64_t)r->page_count * 62 != r->pt_size, err, NPK_E_FORMAT,
	            "%s: a sealed page table of %u bytes for %u pages (62 bytes each)", r->name,
	            r->pt_size, r->page_count);
	NPK_FAIL_IF(r->pt_size > NPK_PAGE_TABLE_MAX, err, NPK_E_FORMAT,
	            "%s: page table of %u bytes exceeds the limit", r->name, r->pt_size);
	NPK_FAIL_IF((uint64_t)r->cluster_count * NPK_CLUSTER_ENTRY_SIZE != r->ct_size, err,
	            NPK_E_FORMAT, "%s: cluster table size %u does not match %u clusters", r->name,
	            r->ct_size, r->cluster_count);
	uint64_t end;
	NPK_FAIL_IF(r->pt_off < NPK_HEADER_SIZE || !npk__add64(r->pt_off, r->pt_size, &end) ||
	            !npk__add64(end, r->ct_size, &end) || end != mf_off,
	            err, NPK_E_FORMAT, "%s: tables do not end where the manifest starts", r->name);
	return NPK_OK;
}

/* 11, step 4: the manifest (7.1), already authenticated. */
static int parse_manifest(npk_reader *r, const uint8_t *m, size_t len,
                          uint64_t trailer_mf_off, npk_error *err)
{
	npk_cur c;
	npk__cur_init(&c, m, len);
	const uint8_t *magic = npk__cur_take(&c, 4);
	NPK_FAIL_IF(magic == NULL || memcmp(magic, NPK_MANIFEST_MAGIC, 4) != 0, err, NPK_E_FORMAT,
	            "%s: bad manifest magic", r->name);
	uint32_t reserved = npk__cur_u32(&c);
	uint64_t file_size = npk__cur_u64(&c);
	uint64_t mf_off = npk__cur_u64(&c);
	r->created = npk__cur_u64(&c);
	r->doc_count = npk__cur_u64(&c);
	r->doc_bytes = npk__cur_u64(&c);
	r->cluster_count = npk__cur_u32(&c);
	r->page_count = npk__cur_u32(&c);
	r->pt_off = npk__cur_u64(&c);
	r->pt_size = npk__cur_u32(&c);
	r->ct_size = npk__cur_u32(&c);
	const uint8_t *hd = npk__cur_take(&c, 32);
	const uint8_t *ptd = npk__cur_take(&c, 32);
	const uint8_t *ctd = npk__cur_take(&c, 32);
	npk__cur_take(&c, 40); /* signer key id and public key: read in read_signed */
	uint16_t mlen = npk__cur_u16(&c);
	const uint8_t *meta = npk__cur_take(&c, mlen);
	uint16_t next = npk__cur_u16(&c);
	NPK_FAIL_IF(c.bad, err, NPK_E_FORMAT, "%s: manifest is truncated", r->name);
	NPK_FAIL_IF(reserved != 0, err, NPK_E_FORMAT, "%s: manifest reserved field is not zero",
	            r->name);
	NPK_FAIL_IF(file_size != r->signed_size, err, NPK_E_FORMAT,
	            "%s: file is %llu bytes but the signed manifest says %llu (truncated or appended to)",
	            r->name, (unsigned long long)r->signed_size, (unsigned long long)file_size);
	NPK_FAIL_IF(mf_off != trailer_mf_off, err, NPK_E_FORMAT,
	            "%s: trailer and manifest disagree on the manifest offset", r->name);
	/* 15.2: the header digest before anything the header says is acted on */
	NPK_FORWARD(check_header_digest(r, hd, err));
	NPK_FORWARD(check_version(r, err));
	NPK_FORWARD(npk__meta_decode(meta, mlen, r->meta, err));
	NPK_FAIL_IF(r->sealed && mlen != 2, err, NPK_E_FORMAT,
	            "%s: a sealed manifest that shows archive metadata", r->name);
	NPK_FORWARD(check_extensions(r, &c, next, err));
	memcpy(r->pt_digest, ptd, 32);
	memcpy(r->ct_digest, ctd, 32);
	return check_counts(r, mf_off, err);
}

/* 15.5: a file ending in a tail trailer has an unsigned tail; the signed
 * part is then its first signed_size bytes. Nothing else of the tail is
 * read here: it is never trusted. */
static int find_signed_part(npk_reader *r, npk_error *err)
{
	uint8_t t[NPK_TRAILER_SIZE];
	r->signed_size = r->file_size;
	if (r->copies != NULL) {
		/* 15.9: the size the copies were found with (the tail trailer's
		 * when it led to them) */
		r->signed_size = r->copies->signed_size;
		r->has_tail = 1;
		NPK_FAIL_IF(r->signed_size < NPK_HEADER_SIZE + NPK_TRAILER_SIZE ||
		            r->signed_size > r->file_size - 36, err, NPK_E_FORMAT,
		            "%s: the survival copies' signed size %llu is out of range", r->name,
		            (unsigned long long)r->signed_size);
		return NPK_OK;
	}
	if (r->file_size < 96)
		return NPK_OK;
	NPK_FORWARD(npk__pread_full(r->fd, t, sizeof t, r->file_size - NPK_TRAILER_SIZE, r->name, err));
	if (memcmp(t + 24, NPK_TAIL_MAGIC, 8) != 0)
		return NPK_OK;
	uint64_t size = npk__ld64(t);
	NPK_FAIL_IF(size < NPK_HEADER_SIZE + NPK_TRAILER_SIZE || size > r->file_size - 36, err,
	            NPK_E_FORMAT, "%s: the tail trailer's signed size %llu is out of range", r->name,
	            (unsigned long long)size);
	r->signed_size = size;
	r->has_tail = 1;
	return NPK_OK;
}

/* 11, step 2: the trailer (9), which says where the manifest and the
 * signature block after it are. */
static int read_trailer(npk_reader *r, int copy, uint64_t *mf_off, uint32_t *mf_len,
                        uint32_t *sig_len, npk_error *err)
{
	uint8_t t[NPK_TRAILER_SIZE];
	NPK_FAIL_IF(r->file_size < NPK_HEADER_SIZE + NPK_TRAILER_SIZE, err, NPK_E_FORMAT,
	            "%s: only %llu bytes: too short to be an archive", r->name,
	            (unsigned long long)r->file_size);
	NPK_FORWARD(find_signed_part(r, err));
	NPK_FORWARD(src_read(r, copy, t, sizeof t, r->signed_size - NPK_TRAILER_SIZE, err));
	NPK_FAIL_IF(memcmp(t + 24, NPK_TRAILER_MAGIC, 8) != 0, err, NPK_E_FORMAT,
	            "%s: no trailer at the end of the file (truncated, or bytes appended)", r->name);
	*mf_off = npk__ld64(t);
	*mf_len = npk__ld32(t + 8);
	*sig_len = npk__ld32(t + 12);
	NPK_FAIL_IF(npk__ld64(t + 16) != 0, err, NPK_E_FORMAT, "%s: trailer reserved field is not zero",
	            r->name);
	NPK_FAIL_IF(*mf_len < NPK_MANIFEST_FIXED + 4 || *mf_len > NPK_MANIFEST_MAX, err, NPK_E_FORMAT,
	            "%s: manifest size %u out of range", r->name, *mf_len);
	NPK_FAIL_IF(*sig_len < NPK_SIG_FIXED || *sig_len > NPK_SIG_FIXED + NPK_COMMENT_MAX, err,
	            NPK_E_FORMAT, "%s: signature block size %u out of range", r->name, *sig_len);
	uint64_t end;
	NPK_FAIL_IF(*mf_off < NPK_HEADER_SIZE || !npk__add64(*mf_off, *mf_len, &end) ||
	            !npk__add64(end, *sig_len, &end) ||
	            end != r->signed_size - NPK_TRAILER_SIZE,
	            err, NPK_E_FORMAT, "%s: trailer points outside the file", r->name);
	/* 15.9: a copy's trailer names the offset its record copies from */
	const npk__copy_extent *x = copy ? npk__copies_cover(r->copies, *mf_off, 1) : NULL;
	NPK_FAIL_IF(copy && (x == NULL || x->off != *mf_off || x->off + x->len != r->signed_size),
	            err, NPK_E_FORMAT, "%s: the survival copy of the manifest is not where its "
	            "trailer says", r->name);
	return NPK_OK;
}

/* 8: the signature block s of sig_len bytes after the manifest m. The
 * signer's key id and public key are in the manifest (7.1), so the
 * signature covers them; the block's key id must repeat the first. */
static int parse_signature(npk_reader *r, const uint8_t *m, const uint8_t *s, uint32_t sig_len,
                           npk_error *err)
{
	NPK_FAIL_IF(memcmp(s, "ED", 2) != 0, err, NPK_E_FORMAT,
	            "%s: unsupported signature algorithm \"%c%c\"", r->name,
	            s[0] >= 0x20 && s[0] < 0x7f ? s[0] : '?', s[1] >= 0x20 && s[1] < 0x7f ? s[1] : '?');
	memcpy(r->key_id, m + 168, 8);
	memcpy(r->signer, m + 176, 32);
	NPK_FAIL_IF(memcmp(s + 2, r->key_id, 8) != 0, err, NPK_E_FORMAT,
	            "%s: the signature's key id differs from the signer named in the manifest", r->name);
	uint16_t clen = npk__ld16(s + 74);
	NPK_FAIL_IF((size_t)NPK_SIG_FIXED + clen != sig_len, err, NPK_E_FORMAT,
	            "%s: trusted comment length does not match the signature block", r->name);
	memcpy(r->comment, s + 76, clen);
	r->comment[clen] = 0;
	return NPK_OK;
}

/* 11, step 3: the signature over the manifest m verifies, with the
 * trusted key of its id when there is one (then r->trusted is set), else
 * with the key the manifest holds; the trusted comment is one line. */
static int check_signature(npk_reader *r, const npk_trust *trust, const uint8_t *m,
                           uint32_t mf_len, const uint8_t *s, npk_error *err)
{
	size_t clen = npk__ld16(s + 74);
	const npk_pubkey *tk = trust ? npk__trust_find(trust, r->key_id) : NULL;
	char id[17];
	npk_keyid_format(r->key_id, id);
	const uint8_t *pk = tk ? tk->pk : r->signer;
	NPK_FAIL_IF(npk__verify(pk, m, mf_len, s + 10, (const char *)s + 76, clen, s + 76 + clen) != NPK_OK,
	            err, NPK_E_SIGNATURE,
	            tk ? "%s: signature by trusted key %s does not verify: the archive was changed or forged"
	               : "%s: signature by key %s does not verify: the archive was changed or forged",
	            r->name, id);
	/* The embedded key must be the trusted one too: every byte counts. */
	NPK_FAIL_IF(tk != NULL && sodium_memcmp(tk->pk, r->signer, 32) != 0, err, NPK_E_SIGNATURE,
	            "%s: the public key stored in the archive is not trusted key %s, "
	            "although it claims that key's id: forged or damaged", r->name, id);
	r->trusted = tk != NULL;
	/* 8: one line of text, as minisign needs it. */
	NPK_FAIL_IF(!npk__utf8_ok((const uint8_t *)r->comment, clen) || memchr(r->comment, '\n', clen) ||
	            memchr(r->comment, '\r', clen), err, NPK_E_FORMAT,
	            "%s: the trusted comment is not one line of UTF-8 text", r->name);
	return NPK_OK;
}

/* 15.15: an earlier file of a chain is bound by the digest of its
 * manifest, which the next edition's link holds, instead of a signature. */
static int check_expected(npk_reader *r, npk_error *err)
{
	char got[65], want[65];
	if (npk__digest_same(r->mf_digest, r->expect))
		return NPK_OK;
	sodium_bin2hex(got, sizeof got, r->mf_digest, 32);
	sodium_bin2hex(want, sizeof want, r->expect, 32);
	return npk__fail_why(err, NPK_E_DIGEST, NPK_R_OTHER_FILE, "%s: its manifest digest is "
	                     "%.16s..., not the %.16s... that the chain names", r->name, got, want);
}

/* 15.9: whether the frozen prefix of manifest m (step 4) holds, which
 * with survival copies decides, with steps 2-3, between original and copy
 * (parse_manifest checks the same fields again, in its own order). */
static int manifest_prefix(const npk_reader *r, const uint8_t *m, uint64_t mf_off,
                           npk_error *err)
{
	NPK_FAIL_IF(memcmp(m, NPK_MANIFEST_MAGIC, 4) != 0 || npk__ld32(m + 4) != 0 ||
	            npk__ld64(m + 8) != r->signed_size || npk__ld64(m + 16) != mf_off, err,
	            NPK_E_FORMAT, "%s: the manifest's first fields do not match the file", r->name);
	return NPK_OK;
}

/* 11, steps 2-3 (and 4's prefix with copies): trailer, signature, from
 * the original or the copy, into *b (malloc'ed: [mf_off, signed_size)). */
static int signed_from(npk_reader *r, const npk_trust *trust, int copy, uint8_t **b,
                       uint64_t *mf_off, uint32_t *mf_len, npk_error *err)
{
	uint32_t sig_len = 0;
	*b = NULL;
	NPK_FORWARD(read_trailer(r, copy, mf_off, mf_len, &sig_len, err));
	size_t blen = (size_t)*mf_len + sig_len + NPK_TRAILER_SIZE;
	uint8_t *p = malloc(blen);
	NPK_FAIL_IF(p == NULL, err, NPK_E_NOMEM, "out of memory");
	*b = p;
	NPK_FORWARD(src_read(r, copy, p, blen, *mf_off, err));
	NPK_FORWARD(parse_signature(r, p, p + *mf_len, sig_len, err));
	npk__digest(p, *mf_len, r->mf_digest);
	if (r->expect != NULL)
		NPK_FORWARD(check_expected(r, err));
	else
		NPK_FORWARD(check_signature(r, trust, p, *mf_len, p + *mf_len, err));
	return r->copies ? manifest_prefix(r, p, *mf_off, err) : NPK_OK;
}

/* 11, steps 2-4: trailer, signature, manifest; with survival copies, the
 * copy of [manifest_offset, signed_size) when the original fails (15.9). */
static int read_signed(npk_reader *r, const npk_trust *trust, npk_error *err)
{
	uint64_t mf_off = 0;
	uint32_t mf_len = 0;
	uint8_t *b = NULL;
	int rc = signed_from(r, trust, 0, &b, &mf_off, &mf_len, err);
	if (rc != NPK_OK && r->copies != NULL && rc != NPK_E_NOMEM) {
		npk_error e2 = {0};
		uint8_t *c = NULL;
		if (signed_from(r, trust, 1, &c, &mf_off, &mf_len, &e2) == NPK_OK) {
			/* the fix owns c; the reader keeps its own copy (prove) */
			size_t len = (size_t)(r->signed_size - mf_off);
			free(b);
			b = malloc(len);
			if (b != NULL)
				memcpy(b, c, len);
			copy_serves(r, NPK_COPY_MANIFEST, mf_off, len, c, err);
			rc = b != NULL ? NPK_OK : npk__fail(err, NPK_E_NOMEM, "out of memory");
		} else {
			free(c);
		}
	}
	if (rc == NPK_OK)
		rc = parse_manifest(r, b, mf_len, mf_off, err);
	free(r->signed_bytes);
	r->signed_bytes = rc == NPK_OK ? b : NULL;
	r->mf_len = mf_len;
	r->sig_len = (uint32_t)(r->signed_size - mf_off - mf_len - NPK_TRAILER_SIZE);
	if (rc != NPK_OK)
		free(b);
	return rc;
}

/* 11, steps 6 and 7: a table of len bytes at off, whose digest the
 * manifest holds, into *out (malloc'ed). */
static int table_from(const npk_reader *r, int copy, const char *what, uint64_t off,
                      uint32_t len, const uint8_t digest[32], uint8_t **out, npk_error *err)
{
	uint8_t d[32], *b = malloc(len ? len : 1);
	NPK_FAIL_IF(b == NULL, err, NPK_E_NOMEM, "out of memory");
	int rc;
	NPK_FORWARD_GOTO(rc, src_read(r, copy, b, len, off, err), fail);
	npk__digest(b, len, d);
	if (digest != NULL && !npk__digest_same(d, digest)) {
		rc = npk__fail(err, NPK_E_DIGEST, "%s: %s digest mismatch (offset %llu)", r->name, what,
		               (unsigned long long)off);
		goto fail;
	}
	*out = b;
	return NPK_OK;
fail:
	free(b);
	return rc;
}

/* With survival copies, the table's copy when the original fails (15.9);
 * the fix keeps a copy of its bytes. */
static int read_table(npk_reader *r, const char *what, unsigned bit, uint64_t off, uint32_t len,
                      const uint8_t digest[32], uint8_t **out, npk_error *err)
{
	int rc = table_from(r, 0, what, off, len, digest, out, err);
	if (rc != NPK_E_DIGEST && rc != NPK_E_FORMAT)
		return rc;
	npk_error e2 = {0};
	uint8_t *keep = r->copies ? malloc(len ? len : 1) : NULL;
	if (keep == NULL || table_from(r, 1, what, off, len, digest, out, &e2) != NPK_OK) {
		free(keep);
		return rc;
	}
	memcpy(keep, *out, len);
	copy_serves(r, bit, off, len, keep, err);
	return NPK_OK;
}

/* 6.1: why page table entry p cannot be right, or NULL. ordinal is where
 * it must start, prev_end where the object before it ends. */
static const char *page_ref_problem(const npk_reader *r, const page_ref *p, uint64_t ordinal,
                                    uint64_t prev_end)
{
	uint64_t end = 0;
	int inside = npk__add64(p->off, p->len, &end) && end <= r->pt_off;
	/* 15.17.6: sealed, the stored bytes are padme(44 + the encoded ones) */
	uint64_t most = r->sealed ? npk__seal_stored_len(p->raw) : p->raw;
	return p->off < prev_end ? "starts before the end of the object before it"
	       : !inside ? "lies outside the body"
	       : p->len < NPK_OBJ_HEADER_SIZE ? "is shorter than an object header"
	       : r->sealed && !r->unsealed ? NULL
	       : p->raw > NPK_PAGE_RAW_MAX ? "has a raw size above 4 MiB"
	       : p->len - NPK_OBJ_HEADER_SIZE > most ? "stores more bytes than it decodes to"
	       : p->count == 0 ? "holds no entries"
	       : p->first_ordinal != ordinal ? "does not start where the page before it ends"
	       : p->count > r->doc_count - ordinal ? "holds more documents than the manifest counts"
	       : NULL;
}

/* 6.1: page i's first path, plen bytes at path, taken and checked: a valid
 * path after the first path of the page before it. entry names the record
 * in messages, list the list it is in ("page table is", or the sealed
 * manifest's, 15.17.6). */
static int page_first(npk_reader *r, uint32_t i, const uint8_t *path, uint16_t plen,
                      const char *entry, const char *list, npk_error *err)
{
	page_ref *p = &r->pages[i];
	char *first = malloc((size_t)plen + 1);
	NPK_FAIL_IF(first == NULL, err, NPK_E_NOMEM, "out of memory");
	memcpy(first, path, plen);
	first[plen] = 0;
	free(p->first);
	p->first = first;
	if (npk_path_check(p->first, plen, err) != NPK_OK)
		return npk__wrap(err, NPK_E_FORMAT, "%s: %s %u: first path: ", r->name, entry, i);
	NPK_FAIL_IF(i > 0 && strcmp(r->pages[i - 1].first, p->first) >= 0, err, NPK_E_FORMAT,
	            "%s: %s not sorted: page %u starts with \"%s\", page %u with \"%s\"",
	            r->name, list, i - 1, r->pages[i - 1].first, i, p->first);
	return NPK_OK;
}

/* 6.1: page table entry i at the cursor, in the order of its fields, and
 * checked against the entries before it (see page_ref_problem). */
static int parse_page_ref(npk_reader *r, npk_cur *c, uint32_t i, uint64_t ordinal,
                          uint64_t prev_end, npk_error *err)
{
	page_ref *p = &r->pages[i];
	p->off = npk__cur_u64(c);
	p->len = npk__cur_u32(c);
	p->raw = npk__cur_u32(c);
	p->first_ordinal = npk__cur_u64(c);
	p->count = npk__cur_u32(c);
	const uint8_t *dg = npk__cur_take(c, 32);
	uint16_t plen = npk__cur_u16(c);
	const uint8_t *path = npk__cur_take(c, plen);
	NPK_FAIL_IF(c->bad, err, NPK_E_FORMAT, "%s: page table is truncated at page %u", r->name, i);
	memcpy(p->digest, dg, 32);
	NPK_FAIL_IF(r->sealed && (p->raw != 0 || p->first_ordinal != 0 || p->count != 0 || plen != 0),
	            err, NPK_E_FORMAT, "%s: page table entry %u of a sealed archive shows its raw "
	            "size, ordinal, count or first path", r->name, i);
	const char *why = page_ref_problem(r, p, ordinal, prev_end);
	NPK_FAIL_IF(why != NULL, err, NPK_E_FORMAT,
	            "%s: page table entry %u (offset %llu, length %u, raw size %u, "
	            "first ordinal %llu, count %u) %s", r->name, i, (unsigned long long)p->off, p->len,
	            p->raw, (unsigned long long)p->first_ordinal, p->count, why);
	if (r->sealed) {          /* the path once unsealed (unseal_tables) */
		p->first = strdup("");
		NPK_FAIL_IF(p->first == NULL, err, NPK_E_NOMEM, "out of memory");
		return NPK_OK;
	}
	return page_first(r, i, path, plen, "page table entry", "page table is", err);
}

/* 11, step 6: the page table. */
static int read_page_table(npk_reader *r, npk_error *err)
{
	uint8_t *b = NULL;
	NPK_FORWARD(read_table(r, "page table", NPK_COPY_PAGE_TABLE, r->pt_off, r->pt_size,
	                       r->pt_digest, &b, err));
	int rc = NPK_OK;
	r->pages = calloc(r->page_count ? r->page_count : 1, sizeof *r->pages);
	if (r->pages == NULL) {
		rc = npk__fail(err, NPK_E_NOMEM, "out of memory");
		goto out;
	}
	npk_cur c;
	npk__cur_init(&c, b, r->pt_size);
	uint64_t ordinal = 0, prev_end = NPK_HEADER_SIZE;
	for (uint32_t i = 0; i < r->page_count; i++) {
		NPK_FORWARD_GOTO(rc, parse_page_ref(r, &c, i, ordinal, prev_end, err), out);
		prev_end = r->pages[i].off + r->pages[i].len;
		ordinal += r->pages[i].count;
	}
	if (npk__cur_left(&c) != 0 || ordinal != r->doc_count)
		rc = npk__fail(err, NPK_E_FORMAT, "%s: page table does not account for %llu documents",
		               r->name, (unsigned long long)r->doc_count);
	/* (sealed: every count is 0 until unsealed, and so is the sum) */
out:
	free(b);
	return rc;
}

/* 6.2: why cluster table entry cl cannot be right, or NULL. prev_end is
 * where the object before it ends. */
static const char *cluster_ref_problem(const npk_reader *r, const cluster_ref *cl,
                                       uint64_t prev_end)
{
	uint64_t end = 0;
	int inside = npk__add64(cl->off, cl->len, &end) &&
	             end <= (r->ct_unproven ? r->file_size : r->pt_off);
	uint64_t most = r->sealed ? npk__seal_stored_len(cl->raw) : cl->raw;
	return cl->off < prev_end ? "starts before the end of the object before it"
	       : !inside ? "lies outside the body"
	       : cl->len < NPK_OBJ_HEADER_SIZE ? "is shorter than an object header"
	       : r->sealed && !r->unsealed ? (cl->raw != 0 ? "shows the raw size a seal hides" : NULL)
	       : cl->raw == 0 || cl->raw > NPK_CLUSTER_RAW_MAX ? "has a raw size outside 1 byte to 64 MiB"
	       : cl->len - NPK_OBJ_HEADER_SIZE > most ? "stores more bytes than it decodes to"
	       : NULL;
}

/* 6.2: cluster table entry i, in the order of its fields; start is the
 * data offset of its first byte (5.3). */
static int parse_cluster_ref(npk_reader *r, const uint8_t *e, uint32_t i, uint64_t start,
                             uint64_t prev_end, npk_error *err)
{
	cluster_ref *cl = &r->clusters[i];
	cl->off = npk__ld64(e);
	cl->len = npk__ld32(e + 8);
	cl->raw = npk__ld32(e + 12);
	memcpy(cl->digest, e + 16, 32);
	cl->start = start;
	const char *why = cluster_ref_problem(r, cl, prev_end);
	NPK_FAIL_IF(why != NULL, err, NPK_E_FORMAT,
	            "%s: cluster table entry %u (offset %llu, length %u, raw size %u) %s", r->name, i,
	            (unsigned long long)cl->off, cl->len, cl->raw, why);
	return NPK_OK;
}

/* 11, step 7: the cluster table. */
static int read_cluster_table(npk_reader *r, npk_error *err)
{
	uint8_t *b = NULL;
	NPK_FORWARD(read_table(r, "cluster table", NPK_COPY_CLUSTER_TABLE, r->pt_off + r->pt_size,
	                       r->ct_size, r->ct_unproven ? NULL : r->ct_digest, &b, err));
	int rc = NPK_OK;
	r->clusters = calloc(r->cluster_count ? r->cluster_count : 1, sizeof *r->clusters);
	if (r->clusters == NULL) {
		rc = npk__fail(err, NPK_E_NOMEM, "out of memory");
		goto out;
	}
	uint64_t start = 0, prev_end = NPK_HEADER_SIZE;
	for (uint32_t i = 0; i < r->cluster_count; i++) {
		const uint8_t *e = b + (size_t)i * NPK_CLUSTER_ENTRY_SIZE;
		NPK_FORWARD_GOTO(rc, parse_cluster_ref(r, e, i, start, prev_end, err), out);
		prev_end = r->clusters[i].off + r->clusters[i].len;
		start += r->clusters[i].raw;
		r->stored_bytes += r->clusters[i].len;
	}
	/* unproven (salvage): a forged or damaged cluster's raw size is its own
	 * business; positions past the end are still refused (check_position) */
	if (start != r->doc_bytes && !r->ct_unproven)
		rc = npk__fail(err, NPK_E_FORMAT,
		               "%s: clusters hold %llu bytes but the documents add up to %llu", r->name,
		               (unsigned long long)start, (unsigned long long)r->doc_bytes);
out:
	free(b);
	return rc;
}

static uint64_t vsection_stored(uint64_t L);
static int worth_scanning(const npk_reader *r);

/* The stored bytes of section i (malloc'ed into *out), checked against
 * the directory's digest; when the original fails, its survival copy
 * (15.9) serves if it matches, recorded as a fix of kind what: from the
 * copies the open found, or (find) from those found now, when the open
 * needed none. name: the section in messages. */
static int section_checked(npk_reader *r, uint32_t i, unsigned what, const char *name, int find,
                           uint8_t **out, npk_error *err)
{
	const section_ref *d = &r->sections[i];
	size_t len = (size_t)d->len;
	uint8_t *b = malloc(len ? len : 1), dg[32];
	NPK_FAIL_IF(b == NULL, err, NPK_E_NOMEM, "out of memory");
	int rc = src_read(r, 0, b, len, d->off, err);
	if (rc == NPK_OK) {
		npk__digest(b, len, dg);
		if (!npk__digest_same(dg, d->digest))
			rc = npk__fail(err, NPK_E_DIGEST, "%s: the %s (section %u, offset %llu) does not "
			               "match its digest", r->name, name, i, (unsigned long long)d->off);
	}
	npk_error e2 = {0};
	npk__copies *own = NULL;
	const npk__copies *cs = r->copies;
	if (rc == NPK_E_DIGEST && cs == NULL && find && (own = malloc(sizeof *own)) != NULL &&
	    npk__copies_find(r->fd, r->file_size, r->name, worth_scanning(r), own, &e2) == NPK_OK)
		cs = own;
	const npk__copy_extent *x = cs != NULL ? npk__copies_cover(cs, d->off, d->len) : NULL;
	uint8_t *keep = NULL;
	if (rc == NPK_E_DIGEST && x != NULL && r->nfixes < NPK_FIXES_MAX &&
	    (keep = malloc(len ? len : 1)) != NULL &&
	    npk__pread_full(r->fd, b, len, x->pos + (d->off - x->off), r->name, &e2) == NPK_OK) {
		npk__digest(b, len, dg);
		if (npk__digest_same(dg, d->digest)) {
			memcpy(keep, b, len);
			copy_serves(r, what, d->off, d->len, keep, err);
			keep = NULL;
			rc = NPK_OK;
		}
	}
	free(own);
	free(keep);
	if (rc != NPK_OK) {
		free(b);
		return rc;
	}
	*out = b;
	return NPK_OK;
}

/* 15.17.7 step 8a: the seal's bytes, checked against the directory's
 * digest (with survival copies, 15.17.8: the copy when the original
 * fails), held for npk_reader_unseal; no key needed. */
static int read_seal(npk_reader *r, npk_error *err)
{
	const section_ref *d = &r->sections[r->seal_sec];
	uint64_t most = NPK_SEAL_FIXED + (uint64_t)NPK_SEAL_STANZAS_MAX * (4 + 65535) + 4 +
	                NPK_SEALED_MAX;
	NPK_FAIL_IF(d->len > most, err, NPK_E_FORMAT, "%s: a seal of %llu bytes", r->name,
	            (unsigned long long)d->len);
	return section_checked(r, (uint32_t)r->seal_sec, NPK_COPY_SEAL, "seal", 0, &r->seal_bytes,
	                       err);
}

/* 15.18: the sealed dictionary's plaintext from its stored bytes b, each
 * chunk opened in place (15.17.6) into *out (L bytes, to be wiped). */
static int dict_unseal(npk_reader *r, uint32_t i, uint8_t *b, uint8_t **out, size_t *L,
                       npk_error *err)
{
	const section_ref *d = &r->sections[i];
	NPK_FAIL_IF(r->vsections == NULL, err, NPK_E_FORMAT, "has no plaintext length in the "
	            "sealed manifest");
	uint64_t n = r->vsections[i].len;
	NPK_FAIL_IF(n > NPK_DICT_HEADER + NPK_DICT_MAX || vsection_stored(n) != d->len, err,
	            NPK_E_FORMAT, "holds %llu bytes of plaintext, not a dictionary's",
	            (unsigned long long)n);
	uint8_t *pt = malloc((size_t)n);
	NPK_FAIL_IF(pt == NULL, err, NPK_E_NOMEM, "out of memory");
	const uint64_t step = npk__seal_stored_len(NPK__SEAL_CHUNK_BYTES);
	int rc = NPK_OK;
	for (uint64_t j = 0; rc == NPK_OK && j * NPK__SEAL_CHUNK_BYTES < n; j++) {
		uint64_t at = j * NPK__SEAL_CHUNK_BYTES;
		size_t k = n - at < NPK__SEAL_CHUNK_BYTES ? (size_t)(n - at) : NPK__SEAL_CHUNK_BYTES;
		size_t sl = (size_t)npk__seal_stored_len(k), ilen;
		const uint8_t *inner;
		uint8_t *st = b + j * step;
		char what[80];
		snprintf(what, sizeof what, "chunk %llu", (unsigned long long)j);
		rc = npk__seal_open(r->seal, NPK__SEAL_CHUNK, ((uint64_t)i << 32) + j, d->type, st, sl,
		                    st + NPK__SEAL_NONCE, &inner, &ilen, what, err);
		if (rc == NPK_OK && ilen != k)
			rc = npk__fail(err, NPK_E_FORMAT, "chunk %llu holds %zu bytes, not %zu",
			               (unsigned long long)j, ilen, k);
		if (rc == NPK_OK)
			memcpy(pt + at, inner, k);
	}
	uint8_t dg[32];
	if (rc == NPK_OK) {
		npk__digest(pt, (size_t)n, dg);
		if (!npk__digest_same(dg, r->vsections[i].digest))
			rc = npk__fail(err, NPK_E_DIGEST, "does not match the sealed manifest's digest "
			               "of its plaintext");
	}
	if (rc != NPK_OK) {
		sodium_memzero(pt, (size_t)n);
		free(pt);
		return rc;
	}
	*out = pt;
	*L = (size_t)n;
	return NPK_OK;
}

/* 15.18 D2-D3: the dictionary's section read (its copy in the tail when
 * the original fails its digest, as the seal's), opened when sealed, its
 * rules checked, and made ready. */
static int dict_read(npk_reader *r, npk_error *err)
{
	uint32_t i = (uint32_t)r->dict_sec;
	const section_ref *d = &r->sections[i];
	uint64_t most = NPK_DICT_HEADER + NPK_DICT_MAX;
	if (r->sealed)
		most = vsection_stored(most);
	char me[80];
	snprintf(me, sizeof me, "the compression dictionary (section %u, offset %llu)", i,
	         (unsigned long long)d->off);
	NPK_FAIL_IF(d->len > most, err, NPK_E_FORMAT, "%s is %llu bytes long, more than a "
	            "dictionary takes", me, (unsigned long long)d->len);
	uint8_t *b = NULL;
	NPK_FORWARD(section_checked(r, i, NPK_COPY_DICT, "compression dictionary", 1, &b, err));
	int rc = NPK_OK;
	uint8_t *p = b, *pt = NULL;
	size_t L = (size_t)d->len;
	if (r->sealed && (rc = dict_unseal(r, i, b, &pt, &L, err)) != NPK_OK)
		npk__wrap(err, rc, "%s: ", me);
	else if (r->sealed)
		p = pt;
	uint32_t n = rc == NPK_OK && L >= NPK_DICT_HEADER ? npk__ld32(p + 12) : 0;
	if (rc == NPK_OK && (L < NPK_DICT_HEADER || memcmp(p, NPK_DICT_MAGIC, 8) != 0))
		rc = npk__fail(err, NPK_E_FORMAT, "%s is not a dictionary (bad magic or short)", me);
	else if (rc == NPK_OK && npk__ld32(p + 8) != 0)
		rc = npk__fail(err, NPK_E_FORMAT, "%s has a reserved field that is not zero", me);
	else if (rc == NPK_OK && (n < NPK_DICT_MIN || n > NPK_DICT_MAX || L != NPK_DICT_HEADER + n))
		rc = npk__fail(err, NPK_E_FORMAT, "%s says it holds %u bytes in %zu (256 to 1048576, "
		               "after 16 bytes of header)", me, n, L);
	else if (rc == NPK_OK && npk__ld32(p + NPK_DICT_HEADER) == NPK_DICT_STRUCTURED)
		rc = npk__fail(err, NPK_E_FORMAT, "%s begins with the magic of a structured zstd "
		               "dictionary; its content must be raw", me);
	else if (rc == NPK_OK && (r->dict = npk__dict_new(p + NPK_DICT_HEADER, n)) == NULL)
		rc = npk__fail(err, NPK_E_NOMEM, "out of memory");
	if (pt != NULL) {
		sodium_memzero(pt, L);
		free(pt);
	}
	free(b);
	return rc;
}

/* 15.18: the dictionary made ready, once the file's sections can be read
 * (sealed: once unsealed). Its failure fails no open: a list reads no
 * cluster; each cluster of codec 3 says why it cannot be read. */
static void dict_load(npk_reader *r)
{
	if (r->dict_sec < 0 || r->dict != NULL)
		return;
	npk_error e = {0};
	r->dict_rc = dict_read(r, &e);
	if (r->dict_rc != NPK_OK)
		snprintf(r->dict_why, sizeof r->dict_why, "%s",
		         unnamed(r, npk__bare(&e, "the compression dictionary cannot be read")));
}

/* A reader of path, opened, nothing read yet. */
static int reader_make(const char *path, npk_reader **out, npk_error *err)
{
	npk_reader *r = calloc(1, sizeof *r);
	NPK_FAIL_IF(r == NULL, err, NPK_E_NOMEM, "out of memory");
	*out = r;
	r->fd = -1;
	r->cl_cached = -1;
	for (int k = 0; k < NPK_JUMP_CACHE; k++)
		r->jump_id[k] = -1;
	r->cl_bad = -1;
	r->cl_failed = -1;
	r->tree_sec = -1;
	r->seal_sec = -1;
	r->paths_sec = -1;
	r->folders_sec = -1;
	r->dict_sec = -1;
	r->name = strdup(path);
	r->meta = npk_meta_new();
	r->found_meta = npk_meta_new();
	r->dec = npk__decoder_new();
	NPK_FAIL_IF(r->name == NULL || r->meta == NULL || r->found_meta == NULL || r->dec == NULL,
	            err, NPK_E_NOMEM, "out of memory");
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	NPK_FAIL_IF(r->fd < 0, err, errno == ENOENT ? NPK_E_NOTFOUND : NPK_E_IO, "%s: %s", path,
	            strerror(errno));
	struct stat st;
	NPK_FAIL_IF(fstat(r->fd, &st) != 0 || !S_ISREG(st.st_mode), err, NPK_E_IO,
	            "%s: not a regular file", path);
	r->file_size = (uint64_t)st.st_size;
	return NPK_OK;
}

/* 11, steps 1-7 (15.2). */
static int open_steps(npk_reader *r, const npk_trust *trust, npk_error *err)
{
	NPK_FORWARD(read_header(r, err));
	NPK_FORWARD(read_signed(r, trust, err));
	NPK_FORWARD(read_page_table(r, err));
	NPK_FORWARD(read_cluster_table(r, err));
	if (r->sealed)
		return read_seal(r, err);
	dict_load(r);
	return NPK_OK;
}

/* 15.9: whether to look for survival copies by scanning the file, which
 * may be long: only when it starts or ends as newspack's files do. */
static int worth_scanning(const npk_reader *r)
{
	uint8_t h[8], t[8];
	npk_error e2 = {0};
	if (r->file_size < 64 || npk__pread_full(r->fd, h, 8, 0, r->name, &e2) != NPK_OK ||
	    npk__pread_full(r->fd, t, 8, r->file_size - 8, r->name, &e2) != NPK_OK)
		return 0;
	return memcmp(h, NPK_MAGIC, 8) == 0 || memcmp(t, NPK_TAIL_MAGIC, 8) == 0 ||
	       memcmp(t, NPK_TRAILER_MAGIC, 8) == 0;
}

/* 15.9: the tail trailer did not lead to the copies, which were found by
 * scanning and give another signed size: it is damaged too. */
static void note_tail_trailer(npk_reader *r, const npk_error *why)
{
	npk_reader probe = {.fd = r->fd, .name = r->name, .file_size = r->file_size};
	npk_error e2 = {0};
	if (!r->copies->by_scan ||
	    (find_signed_part(&probe, &e2) == NPK_OK && probe.has_tail &&
	     probe.signed_size == r->copies->signed_size))
		return;
	copy_serves(r, NPK_COPY_TAIL_TRAILER, r->file_size - NPK_TRAILER_SIZE, 0, NULL, why);
}

/* 15.9: the first open of r failed with damage (err): again, with the
 * survival copies as candidates. On success *rp is the new reader; on
 * failure err is left as it was, and so is *rp. */
static int open_rescue(npk_reader **rp, const npk_trust *trust, npk_error *err)
{
	npk_reader *r = *rp, *s = NULL;
	npk_error e2 = {0};
	npk__copies *c = malloc(sizeof *c);
	if (c == NULL || npk__copies_find(r->fd, r->file_size, r->name, worth_scanning(r), c,
	                                  &e2) != NPK_OK) {
		free(c);
		return err->code;
	}
	int rc = reader_make(r->name, &s, &e2);
	if (rc == NPK_OK && s->file_size == r->file_size) {
		s->expect = r->expect;
		s->copies = c;
		c = NULL;
		note_tail_trailer(s, err);
		rc = open_steps(s, trust, &e2);
	}
	free(c);
	if (rc != NPK_OK || s->file_size != r->file_size || s->served == 0) {
		npk_reader_free(s);
		return err->code;
	}
	npk_reader_free(r);
	*rp = s;
	return NPK_OK;
}

int npk__reader_open_file(const char *path, const uint8_t *expect, const npk_trust *trust,
                          int allow_untrusted, npk_reader **out, npk_error *err)
{
	NPK_FORWARD(npk__init(err));
	npk_reader *r = NULL;
	int rc = reader_make(path, &r, err);
	if (rc == NPK_OK) {
		r->expect = expect;
		rc = open_steps(r, trust, err);
	}
	/* 15.9: damage, not "newer", I/O or memory */
	if (rc == NPK_E_FORMAT || rc == NPK_E_DIGEST || rc == NPK_E_SIGNATURE || rc == NPK_E_LIMIT)
		rc = open_rescue(&r, trust, err);
	if (rc == NPK_OK && expect == NULL && !r->trusted && !allow_untrusted) {
		char id[17], fp[NPK_FINGERPRINT_LEN];
		npk_keyid_format(r->key_id, id);
		npk_fingerprint_format(r->signer, fp);
		rc = npk__fail(err, NPK_E_UNTRUSTED,
		               "%s: valid signature by a key claiming to be key %s, which is not "
		               "trusted (fingerprint %s)", path, id, fp);
	}
	if (rc != NPK_OK) {
		npk_reader_free(r);
		return rc;
	}
	r->expect = NULL;         /* the caller's bytes, checked: not kept */
	*out = r;
	return NPK_OK;
}

static void proven_take(struct npk__proven *p);

static int vchunk_new(struct vchunk **out, npk_error *err);

int npk__reader_share(npk_reader *top, npk_reader **out, npk_error *err)
{
	/* what survival copies served at open is not the file's own bytes,
	 * which a file reader shows as they are */
	if (top->copies != NULL || top->nfixes > 0)
		return NPK_E_NOTFOUND;
	npk_reader *fr = malloc(sizeof *fr);
	NPK_FAIL_IF(fr == NULL, err, NPK_E_NOMEM, "out of memory");
	*fr = *top;
	/* what open read is shared (top outlives it: the chain is freed
	 * first); the caches and the walk state are fr's own */
	fr->shares = top;
	fr->chain = NULL;
	fr->kept = NULL;          /* what a layer above keeps is each reader's own */
	fr->vc = NULL;            /* and so is the chunk last opened */
	fr->kept_free = NULL;
	if (top->vsections != NULL && vchunk_new(&fr->vc, err) != NPK_OK) {
		free(fr);
		return NPK_E_NOMEM;
	}
	proven_take(fr->proven);  /* the same file's clusters: the same record */
	fr->trusted = 0;          /* as an earlier file: bound by the digests */
	fr->dec_borrowed = 1;
	fr->pf = fr->ppf = NULL;
	memset(&fr->page, 0, sizeof fr->page);
	memset(&fr->fpage, 0, sizeof fr->fpage);
	memset(&fr->cl, 0, sizeof fr->cl);
	memset(fr->jump, 0, sizeof fr->jump);
	memset(fr->jump_used, 0, sizeof fr->jump_used);
	for (int k = 0; k < NPK_JUMP_CACHE; k++)
		fr->jump_id[k] = -1;
	memset(&fr->leaf, 0, sizeof fr->leaf);
	memset(&fr->found, 0, sizeof fr->found);
	fr->cl_cached = fr->cl_bad = fr->cl_failed = -1;
	fr->found_path = NULL;
	fr->found_meta = npk_meta_new();
	if (fr->found_meta == NULL) {
		free(fr);
		return npk__fail(err, NPK_E_NOMEM, "out of memory");
	}
	*out = fr;
	return NPK_OK;
}

int npk_reader_open(const char *path, const npk_trust *trust,
                    int allow_untrusted, npk_reader **out, npk_error *err)
{
	return npk_reader_open_chain(path, trust, allow_untrusted, NULL, out, err);
}

int npk__manifest_digest_file(const char *path, uint8_t out[32], npk_error *err)
{
	NPK_FORWARD(npk__init(err));
	npk_reader *r = NULL;
	uint64_t mf_off = 0;
	uint32_t mf_len = 0, sig_len = 0;
	uint8_t *m = NULL;
	int rc;
	NPK_FORWARD_GOTO(rc, reader_make(path, &r, err), out);
	NPK_FORWARD_GOTO(rc, read_trailer(r, 0, &mf_off, &mf_len, &sig_len, err), out);
	rc = (m = malloc(mf_len ? mf_len : 1)) == NULL ? npk__fail(err, NPK_E_NOMEM, "out of memory")
	     : npk__pread_full(r->fd, m, mf_len, mf_off, r->name, err);
	if (rc == NPK_OK)
		npk__digest(m, mf_len, out);
out:
	free(m);
	npk_reader_free(r);
	return rc;
}

void npk__reader_inherit(npk_reader *fr, const npk_reader *top)
{
	fr->no_meta = top->no_meta;
	fr->threads = top->threads;
	/* one decoder for the chain (its state is per call): a decoder per file
	 * would hold a zstd context for each of hundreds of editions */
	if (!fr->dec_borrowed && fr != top) {
		npk__decoder_free(fr->dec);
		fr->dec = top->dec;
		fr->dec_borrowed = 1;
	}
}

static void obj_free(obj_buf *o);

/* The clusters kept after jumps, forgotten and freed. */
static void jump_free(npk_reader *r)
{
	for (int k = 0; k < NPK_JUMP_CACHE; k++) {
		obj_free(&r->jump[k]);
		memset(&r->jump[k], 0, sizeof r->jump[k]);
		r->jump_id[k] = -1;
		r->jump_used[k] = 0;
	}
}

void npk__reader_drop(npk_reader *fr, unsigned what)
{
	if (what & NPK__DROP_CLUSTER) {
		obj_free(&fr->cl);
		memset(&fr->cl, 0, sizeof fr->cl);
		fr->cl_cached = -1;
		jump_free(fr);
	}
	if (what & NPK__DROP_FIND) {
		obj_free(&fr->fpage);
		memset(&fr->fpage, 0, sizeof fr->fpage);
	}
	if (what & NPK__DROP_LIST) {
		obj_free(&fr->page);
		memset(&fr->page, 0, sizeof fr->page);
	}
}

void npk__reader_set_trusted(npk_reader *r, int trusted)
{
	r->trusted = trusted;
}

const npk_edition_link *npk__reader_link(const npk_reader *r)
{
	return r->has_link ? &r->link : NULL;
}

const uint8_t *npk__reader_manifest_digest(const npk_reader *r)
{
	return r->mf_digest;
}

size_t npk__reader_fixes(const npk_reader *r, const npk__fix **fixes)
{
	*fixes = r->fixes;
	return r->nfixes;
}

int npk__reader_open_unproven(const char *path, const npk_trust *trust, npk_reader **out,
                              npk_error *err)
{
	NPK_FORWARD(npk__init(err));
	npk_reader *r = NULL;
	int rc = reader_make(path, &r, err);
	if (rc == NPK_OK) {
		r->ct_unproven = 1;
		rc = open_steps(r, trust, err);
	}
	if (rc != NPK_OK) {
		npk_reader_free(r);
		return rc;
	}
	*out = r;
	return NPK_OK;
}

static void pf_stop(struct npk_prefetch **pp);

static void obj_free(obj_buf *o)
{
	free(o->io);
	free(o->raw);
}

/* What a reader reads after open: its own, also when it shares the rest. */
static void release_held(npk_reader *r);

static void reader_free_caches(npk_reader *r)
{
	release_held(r);
	obj_free(&r->page);
	obj_free(&r->fpage);
	obj_free(&r->cl);
	jump_free(r);
	free(r->found_path);
	npk_meta_free(r->found_meta);
	npk__buf_free(&r->leaf);
}

static void proven_drop(struct npk__proven *p);

void npk_reader_free(npk_reader *r)
{
	if (r == NULL)
		return;
	if (r->kept_free != NULL)
		r->kept_free(r->kept);
	npk__chain_free(r->chain);
	pf_stop(&r->pf);
	pf_stop(&r->ppf);
	proven_drop(r->proven);
	if (r->vc != NULL)
		sodium_free(r->vc);   /* wipes */
	if (r->shares != NULL) {
		reader_free_caches(r);
		free(r);
		return;
	}
	if (r->seal != NULL)
		sodium_free(r->seal);  /* wipes */
	free(r->seal_bytes);
	free(r->seal_tags);
	free(r->vsections);
	npk__dict_free(r->dict);
	if (r->fd >= 0)
		close(r->fd);
	if (r->pages != NULL)
		for (uint32_t i = 0; i < r->page_count; i++)
			free(r->pages[i].first);
	free(r->pages);
	free(r->clusters);
	free(r->sections);
	for (uint32_t i = 0; i < r->nfixes; i++)
		free(r->fixes[i].bytes);
	free(r->copies);
	reader_free_caches(r);
	if (!r->dec_borrowed)
		npk__decoder_free(r->dec);
	free(r->signed_bytes);
	npk_meta_free(r->meta);
	free(r->name);
	free(r);
}

void npk_reader_info(const npk_reader *r, npk_info *info)
{
	if (r->chain != NULL) {
		npk__chain_info(r, info);
		return;
	}
	npk__reader_file_info(r, info);
}

void npk__reader_file_info(const npk_reader *r, npk_info *info)
{
	memset(info, 0, sizeof *info);
	info->version_major = r->major;
	info->version_minor = r->minor;
	info->file_size = r->file_size;
	info->created = r->created;
	info->documents = r->doc_count;
	info->bytes = r->doc_bytes;
	info->clusters = r->cluster_count;
	info->pages = r->page_count;
	info->stored_bytes = r->stored_bytes;
	memcpy(info->key_id, r->key_id, 8);
	memcpy(info->signer, r->signer, 32);
	info->trusted = r->trusted;
	info->comment = r->comment;
	info->meta = r->meta;
	info->copies_served = r->served;
	info->sealed = r->sealed ? 1 + r->unsealed : 0;
	info->tree = r->has_tree;
	info->tree_size = r->tree_size;
	memcpy(info->tree_root, r->tree_root, 32);
	info->edition = info->at_edition = r->has_link ? r->link.edition : 0;
	memcpy(info->base_digest, r->has_link ? r->link.base_digest : r->mf_digest, 32);
	memcpy(info->manifest_digest, r->mf_digest, 32);
}

static int grow(uint8_t **p, size_t *cap, size_t need)
{
	if (need <= *cap)
		return 0;
	uint8_t *q = realloc(*p, need);
	if (q == NULL)
		return -1;
	*p = q;
	*cap = need;
	return 0;
}

/* Reads an object (4), checks its digest before anything else, then its
 * header against what the table says, and decodes it into o->raw. */
/* 15.17.7: what a sealed archive says to a read without a key. */
static int sealed_refusal(const npk_reader *r, npk_error *err)
{
	return npk__fail(err, NPK_E_SEALED, "%s is sealed: give a recipient's key (-k) or the "
	                 "passphrase (--passphrase-file) to read it", r->name);
}

/* npk_ready_fn of a sealed object's inner bytes, which follow its 4-byte
 * length in the plaintext (15.17.5). */
static void inner_ready(void *ctx, size_t upto)
{
	npk__seal_stream_upto(ctx, upto + 4);
}

static int load_object(npk_reader *r, npk_decoder *dec, obj_buf *o, const char *kind,
                       const char *magic, unsigned flags, uint32_t number, uint64_t off, uint32_t len,
                       uint32_t raw, const uint8_t digest[32], uint32_t count, uint32_t want,
                       npk_error *err)
{
	NPK_FAIL_IF(grow(&o->io, &o->io_cap, len) || grow(&o->raw, &o->raw_cap, raw ? raw : 1),
	            err, NPK_E_NOMEM, "out of memory reading %s %u", kind, number);
	NPK_FORWARD(npk__pread_full(r->fd, o->io, len, off, r->name, err));
	uint8_t d[32];
	/* The problem alone is the bare message: verify's report names the object.
	 * No digest: a cluster salvage could not prove (15.11), or one proven
	 * already (npk_reader_share_checks), whose documents are proven by their
	 * own digests. */
	if (digest != NULL)
		npk__digest(o->io, len, d);
	if (digest != NULL && !npk__digest_same(d, digest)) {
		npk__fail(err, NPK_E_DIGEST, "digest mismatch");
		return npk__wrap(err, NPK_E_DIGEST, "%s: %s %u (offset %llu, %u bytes): ", r->name, kind,
		                 number, (unsigned long long)off, len);
	}
	const uint8_t *h = o->io;
	/* 15.17.6: a sealed header hides the raw size and the count */
	unsigned hflags = r->sealed ? flags | NPK_OBJ_FLAG_SEALED : flags;
	if (memcmp(h, magic, 4) != 0 || h[5] != hflags || npk__ld16(h + 6) != 0 ||
	    npk__ld32(h + 8) != number || npk__ld32(h + 12) != (r->sealed ? 0 : raw) ||
	    npk__ld32(h + 16) != len - NPK_OBJ_HEADER_SIZE ||
	    npk__ld32(h + 20) != (r->sealed ? 0 : count)) {
		npk__fail(err, NPK_E_FORMAT, "header disagrees with its table entry");
		return npk__wrap(err, NPK_E_FORMAT, "%s: %s %u (offset %llu): ", r->name, kind, number,
		                 (unsigned long long)off);
	}
	if (r->sealed && !r->unsealed)  /* verify without a key: the stored bytes and header only */
		return r->auditing ? NPK_OK : sealed_refusal(r, err);
	char what[96];
	snprintf(what, sizeof what, "%s: %s %u", r->name, kind, number);
	const uint8_t *payload = o->io + NPK_OBJ_HEADER_SIZE;
	size_t plen = len - NPK_OBJ_HEADER_SIZE;
	int rc;
	int cl = memcmp(magic, NPK_CLUSTER_MAGIC, 4) == 0;
	unsigned sk = cl ? NPK__SEAL_CLUSTER : NPK__SEAL_PAGE;
	/* 15.18: a cluster of codec 3 needs its file's dictionary; a page has none */
	const npk_dict *dict = cl ? r->dict : NULL;
	if (!cl && h[4] == NPK_CODEC_ZSTD_DICT)
		return npk__fail(err, NPK_E_FORMAT, "%s: codec 3 (zstd with the file's dictionary) is "
		                 "for clusters only", what);
	if (cl && h[4] == NPK_CODEC_ZSTD_DICT && dict == NULL && r->dict_sec >= 0)
		return npk__fail(err, r->dict_rc == NPK_E_NOMEM ? NPK_E_NOMEM : NPK_E_FORMAT,
		                 "%s: cannot be decoded: %s", what, r->dict_why);
	uint8_t *io = o->io + NPK_OBJ_HEADER_SIZE;
	if (r->sealed && want < raw) {
		/* a prefix: decrypted only as far as it is decoded (the padding is
		 * checked on whole reads, by npk__seal_open) */
		npk__seal_stream st;
		size_t ilen;
		NPK_FORWARD(npk__seal_open_stream(r->seal, sk, number, cl ? raw : count, io, plen, &st,
		                                  &ilen, what, err));
		rc = npk__decompress_pull(dec, h[4], dict, st.p + 4, ilen, o->raw, raw, want, inner_ready, &st,
		                          what, err);
		npk__seal_stream_end(&st);
	} else {
		/* opened in place: the memory of an unsealed archive */
		if (r->sealed)
			NPK_FORWARD(npk__seal_open(r->seal, sk, number, cl ? raw : count, io, plen,
			                           io + NPK__SEAL_NONCE, &payload, &plen, what, err));
		rc = npk__decompress_prefix(dec, h[4], dict, payload, plen, o->raw, raw, want, what, err);
	}
	o->raw_len = rc == NPK_OK ? want : 0;
	o->valid = 0;
	return rc;
}

static int load_page_into(npk_reader *r, npk_decoder *dec, obj_buf *o, uint32_t i,
                          npk_error *err)
{
	const page_ref *p = &r->pages[i];
	return load_object(r, dec, o, "index page", NPK_PAGE_MAGIC, r->v11 ? NPK_PAGE_FLAG_V11 : 0u,
	                   i, p->off, p->len, p->raw,
	                   p->digest, p->count, p->raw, err);
}

/* An index entry (5.2, 15.7) as its page holds it. */
typedef npk_raw_entry raw_entry;

/* 5.2: a version 1.0 entry's fields from c, which is bad when the page
 * ends first. */
static void take_entry10(npk_cur *c, raw_entry *x)
{
	x->plen = npk__cur_u16(c);
	x->path = npk__cur_take(c, x->plen);
	x->size = npk__cur_u64(c);
	x->cluster = npk__cur_u32(c);
	x->offset = npk__cur_u32(c);
	x->digest = npk__cur_take(c, 32);
	x->mlen = npk__cur_u8(c);
	x->media = npk__cur_take(c, x->mlen);
	x->metalen = npk__cur_u16(c);
	x->meta = npk__cur_take(c, x->metalen);
	x->leaf = UINT64_MAX;
}

/* 15.7: a version 1.1 entry: entry_len bounds it (c goes bad when it
 * crosses the page's end, e when a field crosses entry_len); the bytes
 * after the fields known here belong to later versions and are skipped.
 * An unknown kind, flag or ref_kind stops at once: what follows cannot be
 * parsed (parse_entry says it needs a newer reader). */
void npk__take_entry11(npk_cur *c, raw_entry *x)
{
	uint32_t elen = npk__cur_u32(c);
	const uint8_t *body = elen >= 4 ? npk__cur_take(c, elen - 4) : npk__cur_take(c, SIZE_MAX);
	npk_cur e;
	npk__cur_init(&e, body, body ? elen - 4 : 0);
	x->kind = npk__cur_u8(&e);
	x->flags = npk__cur_u8(&e);
	x->plen = npk__cur_u16(&e);
	x->path = npk__cur_take(&e, x->plen);
	x->size = npk__cur_u64(&e);
	x->ref_kind = npk__cur_u8(&e);
	if (x->kind > NPK_KIND_MAX || x->flags != 0 ||
	    (x->ref_kind != NPK_REF_INLINE && (x->ref_kind != NPK_REF_EDITION || !x->editions)))
		return;
	if (x->ref_kind == NPK_REF_EDITION)
		x->ref_edition = npk__cur_u32(&e);
	x->cluster = npk__cur_u32(&e);
	x->offset = npk__cur_u32(&e);
	x->digest = npk__cur_take(&e, 32);
	x->leaf = npk__cur_u64(&e);
	x->salt = npk__cur_take(&e, 16);
	x->mlen = npk__cur_u8(&e);
	x->media = npk__cur_take(&e, x->mlen);
	x->metalen = npk__cur_u16(&e);
	x->meta = npk__cur_take(&e, x->metalen);
	if (e.bad)
		c->bad = 1;
}

/* Takes entry x's fields from c, which is bad when the entry is cut. */
static void take_entry(const npk_reader *r, npk_cur *c, raw_entry *x)
{
	memset(x, 0, sizeof *x);
	x->editions = r->has_link;
	if (r->v11)
		npk__take_entry11(c, x);
	else
		take_entry10(c, x);
}

/* 15.7: an entry of a kind, flag or ref_kind this reader does not know
 * (ref_kind 1 only in an edition, 15.15). */
static int entry_newer(const raw_entry *x)
{
	return x->kind > NPK_KIND_MAX || x->flags != 0 ||
	       (x->ref_kind != NPK_REF_INLINE && (x->ref_kind != NPK_REF_EDITION || !x->editions));
}

/* The checks of entry x that need nothing outside its page, but for its
 * metadata list (npk__meta_decode checks that): the path and the media
 * type. */
static int check_fields(const npk_reader *r, const raw_entry *x, uint64_t ordinal,
                        npk_error *err)
{
	if (npk_path_check((const char *)x->path, x->plen, err) != NPK_OK)
		return npk__wrap(err, NPK_E_FORMAT, "%s: index entry %llu: ", r->name,
		                 (unsigned long long)ordinal);
	int media_ok = x->mlen > 0;
	for (unsigned i = 0; i < x->mlen; i++)
		media_ok &= x->media[i] > 0x20 && x->media[i] < 0x7f;
	NPK_FAIL_IF(!media_ok, err, NPK_E_FORMAT, "%s: %.*s: bad media type", r->name,
	            (int)x->plen, (const char *)x->path);
	return NPK_OK;
}

/* Whether the next entry of c passes every check that needs nothing
 * outside its page. */
static int entry_valid(const npk_reader *r, npk_cur *c)
{
	raw_entry x;
	take_entry(r, c, &x);
	return !c->bad && !entry_newer(&x) && check_fields(r, &x, 0, NULL) == NPK_OK &&
	       (r->no_meta || npk__meta_valid(x.meta, x.metalen));
}

/* Whether every entry of a loaded page passes entry_valid, so that
 * parse_entry need not check them again. A worker thread runs it on the
 * page it read ahead; anything it does not take is checked again, and
 * reported, on the walk's own thread. */
static int page_valid(const npk_reader *r, const obj_buf *o, uint32_t i)
{
	npk_cur c;
	npk__cur_init(&c, o->raw, o->raw_len);
	for (uint32_t k = 0; k < r->pages[i].count; k++)
		if (!entry_valid(r, &c))
			return 0;
	return 1;
}

static int load_page_ahead(npk_reader *r, npk_decoder *dec, obj_buf *o, uint32_t i,
                           npk_error *err)
{
	NPK_FORWARD(load_page_into(r, dec, o, i, err));
	o->valid = page_valid(r, o, i);
	return NPK_OK;
}

static int load_cluster_into(npk_reader *r, npk_decoder *dec, obj_buf *o, uint32_t i,
                             npk_error *err)
{
	const cluster_ref *c = &r->clusters[i];
	if (dec == r->dec)
		r->cl_loads++;
	return load_object(r, dec, o, "cluster", NPK_CLUSTER_MAGIC, 0u, i, c->off, c->len, c->raw,
	                   r->ct_unproven ? NULL : c->digest, 0, c->raw, err);
}

/*
 * Read-ahead of objects of one kind taken in order: clusters for verify,
 * which goes through all of them, index pages for the other walks of the
 * index (list, extract). Worker threads read, check and decode the next
 * objects while this thread parses entries and hashes documents.
 * Object i goes in slot i % nslots; a worker takes the next object only
 * while that slot is free, so memory holds at most nslots objects.
 */
typedef int (*obj_loader)(npk_reader *r, npk_decoder *dec, obj_buf *o, uint32_t i,
                          npk_error *err);

typedef struct pf_slot {
	obj_buf ob;
	int state;                /* 0 free, 1 loading, 2 ready */
	int rc;
	npk_error err;
} pf_slot;

struct npk_prefetch {
	npk_reader *r;
	obj_loader load;
	uint32_t count;           /* objects of the kind */
	pthread_t *threads;
	size_t nthreads;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pf_slot *slots;
	size_t nslots;
	uint32_t next;            /* next cluster for a worker */
	uint32_t consumed;        /* clusters below are no longer wanted */
	int stop;
};

static void *pf_main(void *arg)
{
	struct npk_prefetch *pf = arg;
	npk_decoder *dec = npk__decoder_new();
	pthread_mutex_lock(&pf->mu);
	for (;;) {
		while (!pf->stop && (pf->next >= pf->count ||
		                     pf->next >= pf->consumed + pf->nslots ||
		                     pf->slots[pf->next % pf->nslots].state != 0))
			pthread_cond_wait(&pf->cv, &pf->mu);
		if (pf->stop)
			break;
		uint32_t i = pf->next++;
		pf_slot *s = &pf->slots[i % pf->nslots];
		s->state = 1;
		pthread_mutex_unlock(&pf->mu);
		s->rc = dec ? pf->load(pf->r, dec, &s->ob, i, &s->err)
		            : npk__fail(&s->err, NPK_E_NOMEM, "out of memory");
		pthread_mutex_lock(&pf->mu);
		s->state = 2;
		pthread_cond_broadcast(&pf->cv);
	}
	pthread_mutex_unlock(&pf->mu);
	npk__decoder_free(dec);
	return NULL;
}

static void pf_stop(struct npk_prefetch **pp)
{
	struct npk_prefetch *pf = *pp;
	if (pf == NULL)
		return;
	pthread_mutex_lock(&pf->mu);
	pf->stop = 1;
	pthread_cond_broadcast(&pf->cv);
	pthread_mutex_unlock(&pf->mu);
	for (size_t i = 0; i < pf->nthreads; i++)
		pthread_join(pf->threads[i], NULL);
	for (size_t i = 0; i < pf->nslots; i++)
		obj_free(&pf->slots[i].ob);
	pthread_mutex_destroy(&pf->mu);
	pthread_cond_destroy(&pf->cv);
	free(pf->threads);
	free(pf->slots);
	free(pf);
	*pp = NULL;
}

uint64_t npk__reader_cluster_loads(const npk_reader *r)
{
	return r->cl_loads;
}

size_t npk__reader_threads(const npk_reader *r)
{
	if (r->threads > 0)
		return r->threads;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	return cores > 0 ? (size_t)cores : 1;
}

/* Starts read-ahead of count objects, the largest taking biggest bytes,
 * with the reader's thread count; without threads, or when anything fails,
 * reading simply stays on this thread. */
static void pf_start(npk_reader *r, struct npk_prefetch **pp, obj_loader load, uint32_t count,
                     uint64_t biggest)
{
	size_t threads = npk__reader_threads(r);
	if (threads < 2 || count < 2 || *pp != NULL)
		return;
	if (threads > 16)
		threads = 16;
	/* Slots are bounded in bytes too, whatever the tables claim. */
	size_t nslots = 2 * threads + 1;
	if (nslots * biggest > (256u << 20))
		nslots = (size_t)((256u << 20) / biggest);
	if (nslots < 2)
		return;
	struct npk_prefetch *pf = calloc(1, sizeof *pf);
	if (pf == NULL)
		return;
	pf->r = r;
	pf->load = load;
	pf->count = count;
	pf->nslots = nslots;
	pf->slots = calloc(nslots, sizeof *pf->slots);
	pf->threads = calloc(threads, sizeof *pf->threads);
	pthread_mutex_init(&pf->mu, NULL);
	pthread_cond_init(&pf->cv, NULL);
	*pp = pf;
	for (size_t i = 0; pf->slots && pf->threads && i < threads; i++) {
		if (pthread_create(&pf->threads[i], NULL, pf_main, pf) != 0)
			break;
		pf->nthreads++;
	}
	if (pf->nthreads == 0)
		pf_stop(pp);
}

static void pf_start_clusters(npk_reader *r)
{
	uint64_t biggest = 1;
	for (uint32_t i = 0; i < r->cluster_count; i++)
		if ((uint64_t)r->clusters[i].raw + r->clusters[i].len > biggest)
			biggest = (uint64_t)r->clusters[i].raw + r->clusters[i].len;
	pf_start(r, &r->pf, load_cluster_into, r->cluster_count, biggest);
}

/* Below this many page bytes (stored and decoded), starting threads and
 * handing pages over costs more than it saves: list of the 5,497 corpus
 * files (2 MiB) took 5.6 ms with read-ahead and 4.8 ms without, three
 * times the corpus (6 MiB) the same either way, 100,000 articles (35 MiB)
 * 70 ms with and 120 ms without. */
#define PAGES_AHEAD_MIN (8u << 20)

static void pf_start_pages(npk_reader *r)
{
	uint64_t biggest = 1, total = 0;
	for (uint32_t i = 0; i < r->page_count; i++) {
		uint64_t n = (uint64_t)r->pages[i].raw + r->pages[i].len;
		biggest = n > biggest ? n : biggest;
		total += n;
	}
	if (total >= PAGES_AHEAD_MIN)
		pf_start(r, &r->ppf, load_page_ahead, r->page_count, biggest);
}

/* Object i from read-ahead, once its worker is done; its buffers become
 * *into, ours go to the slot for the next object it holds. When no worker
 * has taken object i yet, this thread loads it itself rather than wait. */
static int pf_take(struct npk_prefetch *pf, uint32_t i, obj_buf *into, npk_error *err)
{
	pthread_mutex_lock(&pf->mu);
	/* Clusters skipped over are given up once their worker is done. */
	while (pf->consumed < i) {
		pf_slot *s = &pf->slots[pf->consumed % pf->nslots];
		if (pf->consumed < pf->next) {
			while (s->state == 1)
				pthread_cond_wait(&pf->cv, &pf->mu);
			s->state = 0;
		} else {
			pf->next++;
		}
		pf->consumed++;
	}
	if (pf->next <= i) {
		pf->next = i + 1;
		pf->consumed = i + 1;
		pthread_cond_broadcast(&pf->cv);
		pthread_mutex_unlock(&pf->mu);
		return pf->load(pf->r, pf->r->dec, into, i, err);
	}
	pthread_cond_broadcast(&pf->cv);
	pf_slot *s = &pf->slots[i % pf->nslots];
	while (s->state != 2)
		pthread_cond_wait(&pf->cv, &pf->mu);
	obj_buf t = *into;
	*into = s->ob;
	s->ob = t;
	int rc = s->rc;
	if (rc != NPK_OK && err != NULL)
		*err = s->err;
	s->state = 0;
	pf->consumed = i + 1;
	pthread_cond_broadcast(&pf->cv);
	pthread_mutex_unlock(&pf->mu);
	return rc;
}

/* Whether rc says the archive's bytes are bad (not I/O or memory): what a
 * second read of the same cluster would find again. */
static int is_damage(int rc)
{
	return rc == NPK_E_DIGEST || rc == NPK_E_FORMAT || rc == NPK_E_VERSION || rc == NPK_E_LIMIT;
}

/* Cluster i failed to load with rc: remembered when it is damage. */
static int cluster_failed(npk_reader *r, uint32_t i, int rc, const npk_error *err)
{
	r->cl_failed = i;
	if (is_damage(rc)) {
		r->cl_bad = i;
		r->cl_bad_rc = rc;
		if (err != NULL)
			r->cl_bad_err = *err;
	}
	return rc;
}

/* Cluster i is the one last found damaged: its failure again, unread. */
static int cluster_known_bad(npk_reader *r, uint32_t i, npk_error *err)
{
	r->cl_failed = i;
	if (err != NULL)
		*err = r->cl_bad_err;
	return r->cl_bad_rc;
}

static void obj_swap(obj_buf *a, obj_buf *b)
{
	obj_buf t = *a;
	*a = *b;
	*b = t;
}

/* Before cluster i replaces the cached one: a cluster kept after a jump
 * comes back (1); the cached one is kept when i is not the cluster after
 * it (a jump), in the place of the least recently used (0). Memory: one
 * cluster per stretch of the stream that a walk goes back to, at most
 * NPK_JUMP_CACHE. */
static int jump_swap(npk_reader *r, uint32_t i)
{
	int64_t old = r->cl_cached;
	int full = old >= 0 && r->cl.raw_len == r->clusters[old].raw;
	int k, lru = 0;
	for (k = 0; k < NPK_JUMP_CACHE; k++) {
		if (r->jump_id[k] == (int64_t)i && r->jump[k].raw_len == r->clusters[i].raw)
			break;
		if (r->jump_used[k] < r->jump_used[lru])
			lru = k;
	}
	int back = k < NPK_JUMP_CACHE;
	if (!back) {
		if (!full || old + 1 == (int64_t)i)
			return 0;
		k = lru; /* the cached cluster goes to the least recent place */
	}
	obj_swap(&r->cl, &r->jump[k]);
	r->jump_id[k] = full ? old : -1;
	r->jump_used[k] = ++r->jump_clock;
	if (back)
		r->cl_cached = i;
	return back;
}

static int load_cluster(npk_reader *r, uint32_t i, npk_error *err)
{
	if (r->cl_cached == (int64_t)i && r->cl.raw_len == r->clusters[i].raw)
		return NPK_OK;
	if (r->cl_bad == (int64_t)i)
		return cluster_known_bad(r, i, err);
	if (jump_swap(r, i))
		return NPK_OK;
	r->cl_cached = -1;
	struct npk_prefetch *pf = r->pf;
	int rc = pf != NULL && i >= pf->consumed ? pf_take(pf, i, &r->cl, err)
	                                         : load_cluster_into(r, r->dec, &r->cl, i, err);
	if (rc != NPK_OK)
		return cluster_failed(r, i, rc, err);
	r->cl_cached = i;
	return NPK_OK;
}

struct npk__proven {
	atomic_uint refs;
	uint32_t n;               /* clusters: one per byte of bit */
	_Atomic unsigned char bit[];
};

static void proven_take(struct npk__proven *p)
{
	if (p != NULL)
		atomic_fetch_add(&p->refs, 1);
}

static void proven_drop(struct npk__proven *p)
{
	if (p != NULL && atomic_fetch_sub(&p->refs, 1) == 1)
		free(p);
}

/* ---- 15.17: opening a sealed archive ---- */

/* 15.17.4: fk from the first stanza the keys open whose key the
 * commitment takes. NPK_E_NOKEY when none; a stanza that opens to a key
 * the commitment refuses is a forgery (NPK_E_FORMAT). */
static int seal_stanzas(npk_reader *r, npk_cur *c, unsigned n, const npk_keyring *keys,
                        npk__seal_keys *k, uint8_t tag[32], npk_error *err)
{
	int found = 0, rc = NPK_OK;
	const uint8_t *rpk = NULL;  /* the X25519 public key that opened a stanza */
	uint8_t fk[NPK__SEAL_KEY];
	for (unsigned i = 0; i < n; i++) {
		uint8_t type = npk__cur_u8(c), reserved = npk__cur_u8(c);
		uint16_t blen = npk__cur_u16(c);
		const uint8_t *body = npk__cur_take(c, blen);
		NPK_FAIL_IF(c->bad, err, NPK_E_FORMAT, "%s: the seal ends in stanza %u", r->name, i);
		NPK_FAIL_IF(reserved != 0, err, NPK_E_FORMAT,
		            "%s: the seal's stanza %u has a reserved byte that is not zero", r->name, i);
		if (found || rc != NPK_OK)
			continue;         /* the rest parsed, not tried */
		int opened = 0;
		if (type == NPK__STANZA_X25519) {
			NPK_FAIL_IF(blen != NPK__STANZA_X25519_LEN, err, NPK_E_FORMAT,
			            "%s: the seal's stanza %u (X25519) is %u bytes, not 80", r->name, i,
			            blen);
			for (size_t j = 0; !opened && j < npk__keyring_count(keys); j++) {
				rpk = npk__keyring_secret(keys, j) + 32;
				opened = npk__stanza_x25519_open(npk__keyring_secret(keys, j), rpk, body,
				                                 fk) == NPK_OK;
			}
		} else if (type == NPK__STANZA_PASSPHRASE) {
			NPK_FAIL_IF(blen != NPK__STANZA_PASS_LEN, err, NPK_E_FORMAT,
			            "%s: the seal's stanza %u (passphrase) is %u bytes, not 96", r->name, i,
			            blen);
			const char *pass = npk__keyring_pass(keys);
			if (pass != NULL) {
				int prc = npk__stanza_pass_open(pass, strlen(pass), body, fk, err);
				if (prc != NPK_OK && prc != NPK_E_NOTFOUND) {
					rc = npk__wrap(err, prc, "%s: the seal's stanza %u: ", r->name, i);
					continue;
				}
				opened = prc == NPK_OK;
				rpk = NULL;
			}
		}
		if (!opened)
			continue;
		if (!npk__seal_commit_ok(k, fk))
			rc = npk__fail(err, NPK_E_FORMAT, "%s: the seal's stanza %u gives a file key the "
			               "commitment refuses: forged", r->name, i);
		else {
			found = 1;
			r->seal_opened = i;
			/* the tag the stanza must bear (15.17.6): none for a passphrase */
			if (rpk != NULL)
				npk__seal_tag(fk, rpk, tag);
			else
				memset(tag, 0, 32);
		}
	}
	r->seal_stanzas = n;
	if (found)
		memcpy(k->fk, fk, NPK__SEAL_KEY);
	sodium_memzero(fk, sizeof fk);
	NPK_FORWARD(rc);
	NPK_FAIL_IF(!found, err, NPK_E_NOKEY, "%s: not a recipient, or the wrong passphrase: no "
	            "stanza of its seal opens with the key%s given", r->name,
	            npk__keyring_count(keys) + (npk__keyring_pass(keys) != NULL) > 1 ? "s" : "");
	return NPK_OK;
}

/* 15.17.6: the tables' hidden fields from the sealed manifest at c,
 * checked as 6.1 and 6.2 check them. */
static int unseal_tables(npk_reader *r, npk_cur *c, npk_error *err)
{
	uint64_t start = 0, prev_end = NPK_HEADER_SIZE;
	for (uint32_t i = 0; i < r->cluster_count; i++) {
		cluster_ref *cl = &r->clusters[i];
		cl->raw = npk__cur_u32(c);
		cl->start = start;
		NPK_FAIL_IF(c->bad, err, NPK_E_FORMAT, "%s: the sealed manifest ends in cluster %u",
		            r->name, i);
		const char *why = cluster_ref_problem(r, cl, prev_end);
		NPK_FAIL_IF(why != NULL, err, NPK_E_FORMAT, "%s: cluster %u (offset %llu, length %u, "
		            "raw size %u in the sealed manifest) %s", r->name, i,
		            (unsigned long long)cl->off, cl->len, cl->raw, why);
		prev_end = cl->off + cl->len;
		start += cl->raw;
	}
	NPK_FAIL_IF(start != r->doc_bytes, err, NPK_E_FORMAT,
	            "%s: clusters hold %llu bytes but the documents add up to %llu", r->name,
	            (unsigned long long)start, (unsigned long long)r->doc_bytes);
	uint64_t ordinal = 0;
	prev_end = NPK_HEADER_SIZE;
	for (uint32_t i = 0; i < r->page_count; i++) {
		page_ref *p = &r->pages[i];
		p->raw = npk__cur_u32(c);
		p->first_ordinal = npk__cur_u64(c);
		p->count = npk__cur_u32(c);
		uint16_t plen = npk__cur_u16(c);
		const uint8_t *path = npk__cur_take(c, plen);
		NPK_FAIL_IF(c->bad, err, NPK_E_FORMAT, "%s: the sealed manifest ends in page %u",
		            r->name, i);
		const char *why = page_ref_problem(r, p, ordinal, prev_end);
		NPK_FAIL_IF(why != NULL, err, NPK_E_FORMAT, "%s: index page %u (raw size %u, first "
		            "ordinal %llu, count %u in the sealed manifest) %s", r->name, i, p->raw,
		            (unsigned long long)p->first_ordinal, p->count, why);
		NPK_FORWARD(page_first(r, i, path, plen, "index page",
		                       "the sealed manifest's pages are", err));
		prev_end = p->off + p->len;
		ordinal += p->count;
	}
	NPK_FAIL_IF(ordinal != r->doc_count, err, NPK_E_FORMAT,
	            "%s: the pages do not account for %llu documents", r->name,
	            (unsigned long long)r->doc_count);
	return NPK_OK;
}

/* 15.17.6: the sealed Merkle root (extension type 2 of the sealed
 * manifest), which the manifest's commitment must name. */
static int unseal_root(npk_reader *r, uint16_t flags, const uint8_t *body, uint32_t len,
                       npk_error *err)
{
	NPK_FAIL_IF(r->sealed_tree || flags != 0 || len != NPK_EXT_MERKLE_LEN, err, NPK_E_FORMAT,
	            "%s: the sealed manifest's Merkle root: %u bytes with flags %u (one, of %u "
	            "bytes, flags 0)", r->name, len, flags, NPK_EXT_MERKLE_LEN);
	NPK_FAIL_IF(!r->has_root_commit, err, NPK_E_FORMAT, "%s: the sealed manifest holds a "
	            "Merkle root the manifest does not commit to", r->name);
	uint64_t n = npk__ld64(body);
	NPK_FAIL_IF(n > NPK_TREE_SIZE_MAX, err, NPK_E_FORMAT,
	            "%s: the Merkle tree claims %llu leaves (at most %llu)", r->name,
	            (unsigned long long)n, (unsigned long long)NPK_TREE_SIZE_MAX);
	uint8_t kt[32], c[32];
	npk__seal_tree_key(r->seal, kt);
	npk__seal_root_commit(kt, n, body + 8, c);
	sodium_memzero(kt, sizeof kt);
	NPK_FAIL_IF(sodium_memcmp(c, r->root_commit, 32) != 0, err, NPK_E_FORMAT,
	            "%s: the sealed Merkle root is not the one the manifest commits to", r->name);
	r->tree_size = n;
	memcpy(r->tree_root, body + 8, 32);
	r->sealed_tree = 1;
	return NPK_OK;
}

/* 15.17.6: the sealed manifest's n extensions at c (7.2's rules): the
 * recipient tags (type 4), whose tag of the stanza that opened must be
 * tag; a Merkle root (type 2) needs a newer reader. */
static int unseal_extensions(npk_reader *r, npk_cur *c, uint16_t n, const uint8_t tag[32],
                             npk_error *err)
{
	for (uint16_t i = 0; i < n; i++) {
		uint16_t type = npk__cur_u16(c), flags = npk__cur_u16(c);
		uint32_t len = npk__cur_u32(c);
		const uint8_t *body = npk__cur_take(c, len);
		NPK_FAIL_IF(c->bad, err, NPK_E_FORMAT, "%s: the sealed manifest ends in extension %u",
		            r->name, i);
		if (type == NPK_EXT_MERKLE) {
			NPK_FORWARD(unseal_root(r, flags, body, len, err));
			continue;
		}
		if (type == NPK__SMAN_EXT_LINK) { /* 15.17.8: the edition's previous tree size */
			NPK_FAIL_IF(!r->has_link || r->sealed_link || flags != NPK_EXT_CRITICAL ||
			            len != 8, err, NPK_E_FORMAT, "%s: the sealed manifest's edition "
			            "record: %u bytes with flags %u%s (one, of 8 bytes, critical, in an "
			            "edition)", r->name, len, flags, r->has_link ? "" : " in no edition");
			r->link.prev_tree_size = npk__ld64(body);
			r->sealed_link = 1;
			continue;
		}
		if (type != NPK__SMAN_EXT_TAGS) {
			NPK_FAIL_IF(flags & NPK_EXT_CRITICAL, err, NPK_E_VERSION,
			            "%s: the sealed manifest's extension type %u is critical and unknown: "
			            "it needs a newer reader", r->name, type);
			continue;
		}
		NPK_FAIL_IF(r->seal_tags != NULL || flags != 0 ||
		            len != 32 * (uint64_t)r->seal_stanzas, err, NPK_E_FORMAT,
		            "%s: the sealed manifest's recipient tags: %u bytes with flags %u for %u "
		            "stanzas (one record of 32 bytes a stanza, flags 0)", r->name, len, flags,
		            r->seal_stanzas);
		NPK_FAIL_IF(tag != NULL && sodium_memcmp(body + 32 * (size_t)r->seal_opened, tag, 32) != 0, err,
		            NPK_E_FORMAT, "%s: the sealed manifest's recipient tag of stanza %u does not "
		            "name the key that opened it", r->name, r->seal_opened);
		r->seal_tags = malloc(len);
		NPK_FAIL_IF(r->seal_tags == NULL, err, NPK_E_NOMEM, "out of memory");
		memcpy(r->seal_tags, body, len);
	}
	return NPK_OK;
}

/* 15.17.6: sections sealed in chunks. Their plaintext is read through
 * virtual offsets past any file: section i's byte x at VSEC_BASE + i *
 * 2^40 + x, which npk__reader_pread opens chunk by chunk. */
#define VSEC_BASE (UINT64_C(1) << 62)
#define VSEC_SPAN (UINT64_C(1) << 40)
struct vchunk {
	int64_t sec;
	uint64_t j;
	size_t len;
	const uint8_t *data;      /* the plaintext, inside raw */
	uint8_t raw[NPK__SEAL_CHUNK_BYTES + NPK__SEAL_OVERHEAD + 8192]; /* padme adds < 3% */
};

/* The stored length of a sealed section of L plaintext bytes. */
static uint64_t vsection_stored(uint64_t L)
{
	uint64_t full = L / NPK__SEAL_CHUNK_BYTES, rest = L % NPK__SEAL_CHUNK_BYTES;
	return full * npk__seal_stored_len(NPK__SEAL_CHUNK_BYTES) +
	       (rest ? npk__seal_stored_len(rest) : 0);
}

static int held_read(const npk_reader *r, void *buf, size_t len, uint64_t off, npk_error *err);

/* A chunk buffer of the reader's own (each shared reader has one). */
static int vchunk_new(struct vchunk **out, npk_error *err)
{
	struct vchunk *c = sodium_malloc(sizeof *c);
	NPK_FAIL_IF(c == NULL, err, NPK_E_NOMEM, "out of memory");
	c->sec = -1;
	*out = c;
	return NPK_OK;
}

/* Record i of the sealed manifest's sections: plaintext length L and H. */
static int vsection_take(npk_reader *r, uint32_t i, uint64_t L, const uint8_t *h, npk_error *err)
{
	const section_ref *d = &r->sections[i];
	/* the types a sealed archive seals (15.17.6, 15.17.8): the search
	 * index's, an edition's filters */
	NPK_FAIL_IF(d->type != NPK__IX_ROOT_TYPE && d->type != NPK__IX_POSTINGS_TYPE &&
	            d->type != NPK_SECTION_PATHS && d->type != NPK_SECTION_FOLDERS &&
	            d->type != NPK_SECTION_DICT, err,
	            NPK_E_VERSION, "%s: a sealed section of type %u needs a newer reader", r->name,
	            d->type);
	NPK_FAIL_IF(L == 0 || L >= VSEC_SPAN || vsection_stored(L) != d->len, err, NPK_E_FORMAT,
	            "%s: section %u (type %u): %llu plaintext bytes in the sealed manifest, which "
	            "the %llu bytes stored do not hold as 64 KiB chunks", r->name, i, d->type,
	            (unsigned long long)L, (unsigned long long)d->len);
	if (r->vsections == NULL) {
		r->vsections = calloc(r->section_count, sizeof *r->vsections);
		NPK_FAIL_IF(r->vsections == NULL, err, NPK_E_NOMEM, "out of memory");
		memcpy(r->vsections, r->sections, r->section_count * sizeof *r->sections);
	}
	if (r->vc == NULL)
		NPK_FORWARD(vchunk_new(&r->vc, err));
	npk_section *v = &r->vsections[i];
	v->off = VSEC_BASE + (uint64_t)i * VSEC_SPAN;
	v->len = L;
	memcpy(v->digest, h, 32);
	return NPK_OK;
}

/* Chunk j of sealed section i, opened into the reader's chunk buffer. */
static int vchunk_open(const npk_reader *r, uint32_t i, uint64_t j, npk_error *err)
{
	struct vchunk *c = r->vc;
	if (c->sec == (int64_t)i && c->j == j)
		return NPK_OK;
	const section_ref *d = &r->sections[i];
	uint64_t L = r->vsections[i].len, at = j * NPK__SEAL_CHUNK_BYTES;
	size_t n = L - at < NPK__SEAL_CHUNK_BYTES ? (size_t)(L - at) : NPK__SEAL_CHUNK_BYTES;
	size_t sl = (size_t)npk__seal_stored_len(n);
	uint64_t off = d->off + j * npk__seal_stored_len(NPK__SEAL_CHUNK_BYTES);
	c->sec = -1;
	NPK_FAIL_IF(sl > sizeof c->raw, err, NPK_E_FORMAT, "%s: a sealed chunk of %zu bytes",
	            r->name, sl);
	NPK_FORWARD(held_read(r, c->raw, sl, off, err));
	const uint8_t *inner;
	size_t ilen;
	char what[80];
	snprintf(what, sizeof what, "section %u (type %u) chunk %llu", i, d->type,
	         (unsigned long long)j);
	/* opened in place: the plaintext where the ciphertext was */
	NPK_FORWARD(npk__seal_open(r->seal, NPK__SEAL_CHUNK, ((uint64_t)i << 32) + j, d->type,
	                           c->raw, sl, c->raw + NPK__SEAL_NONCE, &inner, &ilen, what, err));
	NPK_FAIL_IF(ilen != n, err, NPK_E_FORMAT, "%s: %s holds %zu bytes, not %zu", r->name, what,
	            ilen, n);
	c->data = inner;
	c->sec = i;
	c->j = j;
	c->len = n;
	return NPK_OK;
}

/* len plaintext bytes at virtual offset off (VSEC_BASE and above). */
static int vsection_read(const npk_reader *r, void *buf, size_t len, uint64_t off,
                         npk_error *err)
{
	uint64_t rel = (off - VSEC_BASE) % VSEC_SPAN, i = (off - VSEC_BASE) / VSEC_SPAN;
	NPK_FAIL_IF(r->vsections == NULL || i >= r->section_count ||
	            r->vsections[i].off != VSEC_BASE + i * VSEC_SPAN ||
	            rel > r->vsections[i].len || len > r->vsections[i].len - rel, err, NPK_E_FORMAT,
	            "%s: a read past a sealed section", r->name);
	NPK_FAIL_IF(r->vc == NULL, err, NPK_E_ARG, "%s: no chunk buffer", r->name);
	uint8_t *out = buf;
	while (len > 0) {
		uint64_t j = rel / NPK__SEAL_CHUNK_BYTES, within = rel % NPK__SEAL_CHUNK_BYTES;
		NPK_FORWARD(vchunk_open(r, (uint32_t)i, j, err));
		size_t n = r->vc->len - (size_t)within < len ? r->vc->len - (size_t)within : len;
		memcpy(out, r->vc->data + within, n);
		out += n;
		rel += n;
		len -= n;
	}
	return NPK_OK;
}

/* 15.17.6: the sealed manifest's plaintext, checked and taken; tag: the
 * recipient tag of the stanza that opened (seal_stanzas). */
static int unseal_manifest(npk_reader *r, const uint8_t *p, size_t len, const uint8_t tag[32],
                           npk_error *err)
{
	npk_cur c;
	npk__cur_init(&c, p, len);
	const uint8_t *magic = npk__cur_take(&c, 8);
	uint64_t docs = npk__cur_u64(&c), bytes = npk__cur_u64(&c);
	const uint8_t *kid = npk__cur_take(&c, 8), *pk = npk__cur_take(&c, 32);
	uint32_t nc = npk__cur_u32(&c), np = npk__cur_u32(&c), ns = npk__cur_u32(&c);
	uint32_t reserved = npk__cur_u32(&c);
	uint16_t mlen = npk__cur_u16(&c);
	const uint8_t *meta = npk__cur_take(&c, mlen);
	uint16_t next = npk__cur_u16(&c);
	NPK_FAIL_IF(c.bad, err, NPK_E_FORMAT, "%s: the sealed manifest is truncated", r->name);
	NPK_FAIL_IF(memcmp(magic, NPK_SMAN_MAGIC, 8) != 0, err, NPK_E_FORMAT,
	            "%s: the sealed manifest has a bad magic", r->name);
	NPK_FAIL_IF(memcmp(kid, r->key_id, 8) != 0 || memcmp(pk, r->signer, 32) != 0, err,
	            NPK_E_FORMAT, "%s: sealed by another signer than the one whose signature it "
	            "bears: signed again by someone else", r->name);
	NPK_FAIL_IF(nc != r->cluster_count || np != r->page_count || ns != r->section_count ||
	            reserved != 0, err, NPK_E_FORMAT, "%s: the sealed manifest counts %u clusters, "
	            "%u pages and %u sections; the archive has %u, %u and %u", r->name, nc, np, ns,
	            r->cluster_count, r->page_count, r->section_count);
	NPK_FAIL_IF(docs > NPK_DOCS_MAX || np > docs, err, NPK_E_FORMAT,
	            "%s: the sealed manifest counts %llu documents in %u pages", r->name,
	            (unsigned long long)docs, np);
	NPK_FORWARD(unseal_extensions(r, &c, next, tag, err));
	NPK_FAIL_IF(r->has_link && !r->sealed_link, err, NPK_E_FORMAT,
	            "%s: a sealed edition whose sealed manifest has no edition record", r->name);
	/* an edition's leaves are [prev_tree_size, tree_size) (15.15) */
	uint64_t before = r->has_link ? r->link.prev_tree_size : 0;
	NPK_FAIL_IF(r->sealed_tree && (r->tree_size < before || r->tree_size - before > docs), err,
	            NPK_E_FORMAT, "%s: the sealed Merkle tree has %llu leaves (%llu before this "
	            "file) for %llu entries", r->name, (unsigned long long)r->tree_size,
	            (unsigned long long)before, (unsigned long long)docs);
	/* its level 0 is rebuilt in memory (32 bytes a leaf): bounded */
	NPK_FAIL_IF(r->sealed_tree && r->tree_size > NPK_SEALED_LEAVES_MAX, err, NPK_E_LIMIT,
	            "%s: a sealed Merkle tree of %llu leaves: this reader rebuilds at most %llu",
	            r->name, (unsigned long long)r->tree_size,
	            (unsigned long long)NPK_SEALED_LEAVES_MAX);
	npk_meta *m = npk_meta_new();
	NPK_FAIL_IF(m == NULL, err, NPK_E_NOMEM, "out of memory");
	int rc = npk__meta_decode(meta, mlen, m, err);
	if (rc != NPK_OK) {
		npk_meta_free(m);
		return npk__wrap(err, rc, "%s: the sealed manifest: ", r->name);
	}
	npk_meta_free(r->meta);
	r->meta = m;
	r->doc_count = docs;
	r->doc_bytes = bytes;
	NPK_FORWARD(unseal_tables(r, &c, err));
	for (uint32_t i = 0; i < r->section_count; i++) {
		uint64_t plen = npk__cur_u64(&c);
		const uint8_t *d = npk__cur_take(&c, 32);
		NPK_FAIL_IF(c.bad, err, NPK_E_FORMAT, "%s: the sealed manifest ends in section %u",
		            r->name, i);
		NPK_FAIL_IF((int64_t)i == r->seal_sec && (plen != 0 || !sodium_is_zero(d, 32)), err,
		            NPK_E_FORMAT, "%s: the sealed manifest describes the seal", r->name);
		if ((int64_t)i == r->seal_sec)
			continue;
		NPK_FORWARD(vsection_take(r, i, plen, d, err));
	}
	NPK_FAIL_IF(npk__cur_left(&c) != 0, err, NPK_E_FORMAT,
	            "%s: bytes follow the sealed manifest", r->name);
	NPK_FAIL_IF(r->has_root_commit && !r->sealed_tree, err, NPK_E_FORMAT,
	            "%s: the manifest commits to a Merkle root the sealed manifest does not hold",
	            r->name);
	r->has_tree = r->sealed_tree; /* no section: tree_sec stays -1 */
	return NPK_OK;
}

/* 15.17.8: an earlier file of a chain is opened with the file key its
 * newest file's stanzas gave, which its own commitment must take: its
 * stanzas are passed over, and its tags not checked against any. */
static int seal_skip_stanzas(npk_reader *r, npk_cur *c, unsigned n, const uint8_t *fk,
                             npk__seal_keys *k, npk_error *err)
{
	for (unsigned i = 0; i < n; i++) {
		(void)npk__cur_u8(c);
		uint8_t reserved = npk__cur_u8(c);
		uint16_t blen = npk__cur_u16(c);
		(void)npk__cur_take(c, blen);
		NPK_FAIL_IF(c->bad, err, NPK_E_FORMAT, "%s: the seal ends in stanza %u", r->name, i);
		NPK_FAIL_IF(reserved != 0, err, NPK_E_FORMAT,
		            "%s: the seal's stanza %u has a reserved byte that is not zero", r->name, i);
	}
	r->seal_stanzas = n;
	NPK_FAIL_IF(!npk__seal_commit_ok(k, fk), err, NPK_E_FORMAT, "%s: sealed under another file "
	            "key than the chain's newest file: not a file of this sealed chain", r->name);
	memcpy(k->fk, fk, NPK__SEAL_KEY);
	return NPK_OK;
}

static int unseal(npk_reader *r, const npk_keyring *keys, const uint8_t *fk, npk_error *err);

int npk_reader_unseal(npk_reader *r, const npk_keyring *keys, npk_error *err)
{
	if (!r->sealed || r->unsealed)
		return NPK_OK;
	if (keys == NULL || npk__keyring_count(keys) + (npk__keyring_pass(keys) != NULL) == 0)
		return sealed_refusal(r, err);
	NPK_FORWARD(unseal(r, keys, NULL, err));
	return r->chain != NULL ? npk__chain_unsealed(r, err) : NPK_OK;
}

int npk__reader_unseal_fk(npk_reader *r, const npk_reader *by, npk_error *err)
{
	if (!r->sealed || r->unsealed)
		return NPK_OK;
	NPK_FAIL_IF(by->seal == NULL, err, NPK_E_ARG, "%s: no file key to open it with", r->name);
	return unseal(r, NULL, by->seal->fk, err);
}

static int unseal(npk_reader *r, const npk_keyring *keys, const uint8_t *given, npk_error *err)
{
	const section_ref *d = &r->sections[r->seal_sec];
	const uint8_t *b = r->seal_bytes;   /* checked at open (read_seal) */
	npk__seal_keys *k = sodium_malloc(sizeof *k);
	uint8_t *plain = NULL, tag[32];
	int rc = k && b ? NPK_OK : npk__fail(err, NPK_E_NOMEM, "out of memory");
	npk_cur c;
	npk__cur_init(&c, b, (size_t)d->len);
	const uint8_t *magic = npk__cur_take(&c, 8);
	uint16_t suite = npk__cur_u16(&c), n = npk__cur_u16(&c);
	uint32_t reserved = npk__cur_u32(&c);
	const uint8_t *fid = npk__cur_take(&c, 32), *commit = npk__cur_take(&c, 32);
	if (rc == NPK_OK && (c.bad || memcmp(magic, NPK_SEAL_MAGIC, 8) != 0))
		rc = npk__fail(err, NPK_E_FORMAT, "%s: the seal is not a seal (bad magic or short)",
		               r->name);
	if (rc == NPK_OK && suite != NPK_SEAL_SUITE)
		rc = npk__fail(err, NPK_E_VERSION, "%s: the seal's suite %u needs a newer reader",
		               r->name, suite);
	if (rc == NPK_OK && (n == 0 || n > NPK_SEAL_STANZAS_MAX || reserved != 0))
		rc = npk__fail(err, NPK_E_FORMAT, "%s: a seal of %u stanzas (1 to %u), reserved %u",
		               r->name, n, NPK_SEAL_STANZAS_MAX, reserved);
	if (rc == NPK_OK) {
		memcpy(k->fid, fid, 32);
		memcpy(k->commit, commit, 32);
		rc = given != NULL ? seal_skip_stanzas(r, &c, n, given, k, err)
		                   : seal_stanzas(r, &c, n, keys, k, tag, err);
		if (rc == NPK_OK)
			r->seal_stanzas_end = c.off;
	}
	uint32_t slen = rc == NPK_OK ? npk__cur_u32(&c) : 0;
	const uint8_t *sealed = rc == NPK_OK ? npk__cur_take(&c, slen) : NULL;
	if (rc == NPK_OK && (c.bad || npk__cur_left(&c) != 0 || slen < NPK__SEAL_OVERHEAD ||
	                     slen > NPK_SEALED_MAX))
		rc = npk__fail(err, NPK_E_FORMAT, "%s: the seal's sealed manifest (%u bytes) does not "
		               "end the seal", r->name, slen);
	if (rc == NPK_OK)
		npk__seal_derive(k);   /* ok (and commit, as seal_stanzas checked it) */
	const uint8_t *inner = NULL;
	size_t ilen = 0;
	if (rc == NPK_OK && (plain = malloc(slen)) == NULL)
		rc = npk__fail(err, NPK_E_NOMEM, "out of memory");
	if (rc == NPK_OK) {
		char what[300];
		snprintf(what, sizeof what, "%s: the sealed manifest", r->name);
		rc = npk__seal_open(k, NPK__SEAL_MANIFEST, 0, 0, sealed, slen, plain, &inner, &ilen,
		                    what, err);
	}
	if (rc == NPK_OK) {
		r->seal = k;          /* opening the objects from here */
		r->unsealed = 1;
		rc = unseal_manifest(r, inner, ilen, given != NULL ? NULL : tag, err);
		if (rc == NPK_OK)
			dict_load(r);
		if (rc != NPK_OK) {
			r->sealed_link = 0;
			r->link.prev_tree_size = 0;
			r->unsealed = 0;
			r->seal = NULL;
			free(r->seal_tags);
			r->seal_tags = NULL;
			r->has_tree = r->sealed_tree = 0;
		}
	}
	if (rc != NPK_OK && k != NULL)
		sodium_free(k);
	if (plain != NULL)
		sodium_memzero(plain, slen);
	free(plain);
	return rc;
}

int npk__reader_seal_view(const npk_reader *r, npk__seal_view *v, npk_error *err)
{
	NPK_FAIL_IF(!r->sealed || r->seal_bytes == NULL, err, NPK_E_ARG,
	            "%s: not a sealed archive", r->name);
	const section_ref *d = &r->sections[r->seal_sec];
	*v = (npk__seal_view){.k = r->unsealed ? r->seal : NULL, .seal = r->seal_bytes, .off = d->off, .len = d->len,
	                      .sec = r->seal_sec, .nstanzas = r->seal_stanzas,
	                      .stanzas_end = r->unsealed ? r->seal_stanzas_end : 0,
	                      .opened = r->seal_opened, .tags = r->unsealed ? r->seal_tags : NULL,
	                      .sections = r->section_count, .signed_size = r->signed_size,
	                      .stored = r->sections, .plain = r->unsealed ? r->vsections : NULL};
	return NPK_OK;
}

void npk__reader_object_ref(const npk_reader *r, int page, uint32_t i, uint64_t *off,
                            uint32_t *len, uint64_t *v, const uint8_t **digest)
{
	if (page) {
		const page_ref *p = &r->pages[i];
		*off = p->off, *len = p->len, *v = p->count, *digest = p->digest;
	} else {
		const cluster_ref *c = &r->clusters[i];
		*off = c->off, *len = c->len, *v = c->raw, *digest = c->digest;
	}
}

int npk_reader_share_checks(npk_reader *r, npk_reader *other, npk_error *err)
{
	NPK_FAIL_IF(r->cluster_count != other->cluster_count || r->ct_unproven ||
	            other->ct_unproven || !npk__digest_same(r->ct_digest, other->ct_digest), err,
	            NPK_E_ARG, "%s and %s are not readers of one archive", r->name, other->name);
	if (other->proven == NULL) {
		struct npk__proven *p = calloc(1, sizeof *p + (size_t)other->cluster_count + 1);
		NPK_FAIL_IF(p == NULL, err, NPK_E_NOMEM, "out of memory");
		atomic_init(&p->refs, 1);
		p->n = other->cluster_count;
		other->proven = p;
	}
	if (r->proven != other->proven) {
		proven_drop(r->proven);
		atomic_fetch_add(&other->proven->refs, 1);
		r->proven = other->proven;
	}
	return NPK_OK;
}

/* The digest to check cluster i's stored bytes against before a document
 * of it is read on its own (its own digest checked after): NULL when they
 * matched it once already in this process, or are not proven (15.11). */
static const uint8_t *head_digest(const npk_reader *r, uint32_t i)
{
	if (r->ct_unproven)
		return NULL;
	if (r->proven != NULL && i < r->proven->n &&
	    atomic_load_explicit(&r->proven->bit[i], memory_order_relaxed))
		return NULL;
	return r->clusters[i].digest;
}

static void head_proven(const npk_reader *r, uint32_t i)
{
	if (r->proven != NULL && i < r->proven->n && !r->ct_unproven)
		atomic_store_explicit(&r->proven->bit[i], 1, memory_order_relaxed);
}

/* The first want bytes of cluster i, for one document read on its own
 * (cat): its stored bytes are checked whole against their digest, and
 * decoding stops once the document is out (spec/format.md 11). */
static int load_cluster_head(npk_reader *r, uint32_t i, uint32_t want, npk_error *err)
{
	if (r->cl_cached == (int64_t)i && r->cl.raw_len >= want)
		return NPK_OK;
	/* A second document of the same cluster: the whole of it, so that a
	 * caller reading documents in order decodes each cluster at most twice;
	 * and after a jump (another stretch of the stream) the whole of it too,
	 * which the jump cache then keeps. */
	int64_t at = r->cl_cached;
	if (r->pf != NULL || at == (int64_t)i || r->cl_bad == (int64_t)i ||
	    (!r->random_reads && ((at >= 0 && at + 1 != (int64_t)i) || r->jump_clock > 0)))
		return load_cluster(r, i, err);
	r->cl_cached = -1;
	r->cl_loads++;
	const cluster_ref *c = &r->clusters[i];
	int rc = load_object(r, r->dec, &r->cl, "cluster", NPK_CLUSTER_MAGIC, 0u, i, c->off, c->len,
	                     c->raw, head_digest(r, i), 0, want, err);
	if (rc != NPK_OK)
		return cluster_failed(r, i, rc, err);
	head_proven(r, i);
	r->cl_cached = i;
	return NPK_OK;
}

/* 5.2, 5.3: where entry e says its bytes are must be inside the data. */
static int check_position(const npk_reader *r, const npk_entry *e, npk_error *err)
{
	/* 15.15: checked against the named edition's tables, by the chain */
	if (e->ref_kind == NPK_REF_EDITION)
		return NPK_OK;
	if (e->size == 0) {
		NPK_FAIL_IF(e->cluster != NPK_NO_CLUSTER || e->offset != 0, err, NPK_E_FORMAT,
		            "%s: %s: empty document must have no cluster", r->name, e->path);
		return NPK_OK;
	}
	NPK_FAIL_IF(e->cluster >= r->cluster_count || e->offset >= r->clusters[e->cluster].raw,
	            err, NPK_E_FORMAT, "%s: %s: position (cluster %u, offset %u) out of range",
	            r->name, e->path, e->cluster, e->offset);
	/* unproven clusters (salvage): their raw sizes, so the starts, may be
	 * wrong; a read past the last cluster still fails (read_doc) */
	if (r->ct_unproven)
		return NPK_OK;
	uint64_t end;
	NPK_FAIL_IF(!npk__add64(r->clusters[e->cluster].start + e->offset, e->size, &end) ||
	            end > r->doc_bytes, err, NPK_E_FORMAT,
	            "%s: %s: size %llu runs past the end of the data", r->name, e->path,
	            (unsigned long long)e->size);
	return NPK_OK;
}

/* 15.7: what each kind of entry holds. */
static int check_kind(const npk_reader *r, const npk_entry *e, npk_error *err)
{
	static const char *const media[] = {NULL, NULL, "inode/directory", "inode/symlink"};
	uint8_t empty[32];
	if (e->kind == NPK_KIND_DOCUMENT)
		return NPK_OK;
	if (e->kind == NPK_KIND_SYMLINK) {
		NPK_FAIL_IF(e->size == 0 || e->size > NPK_PATH_MAX, err, NPK_E_FORMAT,
		            "%s: %s: a symbolic link's target must be 1 to %u bytes", r->name, e->path,
		            NPK_PATH_MAX);
	} else {
		npk__digest("", 0, empty);
		NPK_FAIL_IF(e->size != 0 || !npk__digest_same(e->digest, empty), err, NPK_E_FORMAT,
		            "%s: %s: a %s holds no content", r->name, e->path,
		            e->kind == NPK_KIND_FOLDER ? "folder" : "withdrawn document");
	}
	NPK_FAIL_IF(media[e->kind] != NULL && strcmp(e->media_type, media[e->kind]) != 0, err,
	            NPK_E_FORMAT, "%s: %s: media type must be %s", r->name, e->path, media[e->kind]);
	return NPK_OK;
}

/* 15.13: with want_leaf set, the leaf data of entry x and its hash
 * (none for an entry without a leaf, or withdrawn outside an edition;
 * 15.15: a withdrawal in an edition has a leaf of type 1). */
static int make_leaf(npk_reader *r, const raw_entry *x, npk_error *err)
{
	r->leaf_ok = 0;
	/* a withdrawal has a leaf of its own in an edition only (15.15) */
	if (!r->want_leaf || x->leaf == UINT64_MAX ||
	    (x->kind == NPK_KIND_WITHDRAWN && !r->has_link))
		return NPK_OK;
	npk_leaf l = {.type = x->kind == NPK_KIND_WITHDRAWN ? NPK_LEAF_WITHDRAWAL : NPK_LEAF_ENTRY,
	              .kind = x->kind, .path = (const char *)x->path,
	              .path_len = x->plen, .size = x->size, .digest = x->digest,
	              .media = (const char *)x->media, .media_len = x->mlen, .meta = x->meta,
	              .meta_len = x->metalen, .salt = x->salt};
	r->leaf.len = 0;
	NPK_FORWARD(npk__leaf_encode(&r->leaf, &l, err));
	npk__leaf_hash(r->leaf.p, r->leaf.len, r->leaf_hash);
	r->leaf_ok = 1;
	return NPK_OK;
}

/* 5.2: parses one index entry at the cursor into e (strings point into
 * the page, which stays alive) and checks it on its own. */
static int parse_entry(npk_reader *r, npk_cur *c, npk_entry *e, char *path_buf,
                       char *media_buf, npk_meta *meta, int valid, npk_error *err)
{
	raw_entry x;
	take_entry(r, c, &x);
	NPK_FAIL_IF(!c->bad && entry_newer(&x), err, NPK_E_VERSION,
	            "%s: index entry %llu (kind %u, flags 0x%02x, ref kind %u) needs a newer reader",
	            r->name, (unsigned long long)e->ordinal, x.kind, x.flags, x.ref_kind);
	NPK_FAIL_IF(c->bad, err, NPK_E_FORMAT, "%s: index entry %llu is truncated", r->name,
	            (unsigned long long)e->ordinal);
	/* a page a worker checked whole (page_valid) is not checked again */
	if (!valid)
		NPK_FORWARD(check_fields(r, &x, e->ordinal, err));
	int rc = NPK_OK;
	if (r->no_meta)
		meta = NULL;
	else if (valid)
		rc = npk__meta_decode_valid(x.meta, x.metalen, meta, err);
	else
		rc = npk__meta_decode(x.meta, x.metalen, meta, err);
	if (rc != NPK_OK)
		return npk__wrap(err, rc, "%s: %.*s: ", r->name, (int)x.plen, (const char *)x.path);
	memcpy(path_buf, x.path, x.plen);
	path_buf[x.plen] = 0;
	memcpy(media_buf, x.media, x.mlen);
	media_buf[x.mlen] = 0;
	memcpy(e->digest, x.digest, 32);
	e->size = x.size;
	e->cluster = x.cluster;
	e->offset = x.offset;
	e->path = path_buf;
	e->media_type = media_buf;
	e->meta = meta;
	e->kind = x.kind;
	e->leaf = x.leaf;
	if (x.salt)
		memcpy(e->salt, x.salt, 16);
	e->edition = r->has_link ? r->link.edition : 0;
	e->ref_kind = x.ref_kind;
	e->ref_edition = x.ref_kind == NPK_REF_EDITION ? x.ref_edition : e->edition;
	NPK_FAIL_IF(x.ref_kind == NPK_REF_EDITION && (x.ref_edition >= e->edition ||
	            (x.kind != NPK_KIND_DOCUMENT && x.kind != NPK_KIND_SYMLINK)), err, NPK_E_FORMAT,
	            "%s: %s: content in edition %u, which is not an edition before %u", r->name,
	            e->path, x.ref_edition, e->edition);
	NPK_FORWARD(check_position(r, e, err));
	NPK_FORWARD(check_kind(r, e, err));
	return make_leaf(r, &x, err);
}

/* Problems during a walk: list stops at the first; verify reports each. */
typedef struct walk_report {
	npk_problem_cb cb;
	void *ctx;
	int first;                /* code of the first problem */
	npk_verify_stats *st;     /* never NULL */
	uint64_t hidden;          /* for the next report: the documents it hides */
} walk_report;

static void report(walk_report *w, int code, const char *object, uint64_t number,
                   uint64_t offset, const char *path, const char *message)
{
	/* damage decides the verdict over what only needs a newer reader */
	if (w->first == NPK_OK || (w->first == NPK_E_VERSION && code != NPK_E_VERSION))
		w->first = code;
	if (w->cb) {
		npk_problem p = {code, object, number, offset, path, message, 0, w->hidden};
		w->cb(&p, w->ctx);
	}
	w->hidden = 0;
}

/* The first stream byte of [0, total) in no run, with the end of that gap
 * in *gap_end; total when every byte is covered. */
static uint64_t cover_gap(npk__cover *c, uint64_t total, uint64_t *gap_end)
{
	npk__cover_sort(c);
	uint64_t covered = 0;
	for (size_t i = 0; i < c->n; i++) {
		if (c->v[i].start > covered) {
			*gap_end = c->v[i].start;
			return covered;
		}
		if (c->v[i].end > covered)
			covered = c->v[i].end;
	}
	*gap_end = total;
	return covered < total ? covered : total;
}

/* A walk through every entry in path order (11, step 8). With a report,
 * problems are reported and the walk goes on; without, the first stops it. */
typedef struct walker {
	npk_reader *r;
	npk_entry_cb cb;
	void *ctx;
	walk_report *wr;          /* NULL: the first problem stops the walk */
	char *path, *prev;        /* this entry's path, the last good entry's */
	char media[NPK_MEDIA_MAX + 1];
	npk_meta *meta;
	npk_pathstack folders;    /* 5.1: no document is another's folder */
	uint64_t pos;             /* data offset of the next non-empty document (5.3) */
	int pos_known;            /* 0 after a page or entry that could not be read */
	int complete;             /* 1.1: 0 once an entry was hidden (11, 15.7) */
	npk__cover cover;         /* 1.1: the extents read so far (15.7) */
} walker;

static const char *msg_or(const npk_error *err, const char *dflt)
{
	return err ? err->msg : dflt;
}

/* Index page i cannot be read: none of its documents can be listed. */
static int page_unreadable(walker *w, uint32_t i, int rc, const npk_error *err)
{
	const page_ref *p = &w->r->pages[i];
	if (w->wr == NULL)
		return rc;
	char msg[600];
	snprintf(msg, sizeof msg, "%s; its %u documents (from \"%s\") cannot be listed",
	         npk__bare(err, "damaged"), p->count, p->first);
	npk_verify_stats *st = w->wr->st;
	w->wr->hidden = p->count;
	report(w->wr, rc, "page", i, p->off, NULL, msg);
	*(rc == NPK_E_VERSION ? &st->pages_unsupported : &st->pages_bad) += 1;
	*(rc == NPK_E_VERSION ? &st->documents_unsupported : &st->documents_bad) += p->count;
	w->pos_known = 0;
	w->complete = 0;
	return NPK_OK;
}

/* 5.2, 5.3, 6.1: entry k of page i, just parsed into e, against what came
 * before it: the page's first path, path order, folders, the next page's
 * first path, and the tiling of the data. */
static int check_entry(walker *w, uint32_t i, uint32_t k, const npk_entry *e, npk_error *err)
{
	const npk_reader *r = w->r;
	const page_ref *p = &r->pages[i];
	NPK_FAIL_IF(k == 0 && strcmp(w->path, p->first) != 0, err, NPK_E_FORMAT,
	            "%s: page %u starts with \"%s\", not \"%s\" as its table entry says", r->name, i,
	            w->path, p->first);
	int order = w->prev[0] ? strcmp(w->prev, w->path) : -1;
	NPK_FAIL_IF(order == 0, err, NPK_E_FORMAT, "%s: two documents have the path \"%s\"", r->name,
	            w->path);
	NPK_FAIL_IF(order > 0, err, NPK_E_FORMAT, "%s: index not in path order: \"%s\" comes after \"%s\"",
	            r->name, w->path, w->prev);
	const char *clash;
	NPK_FAIL_IF(npk__pathstack_push(&w->folders, w->path, &clash) != 0, err, NPK_E_NOMEM,
	            "out of memory");
	NPK_FAIL_IF(clash != NULL, err, NPK_E_FORMAT,
	            "%s: \"%s\" is a document and also the folder of \"%s\"", r->name, clash, w->path);
	NPK_FAIL_IF(k + 1 == p->count && i + 1 < r->page_count &&
	            strcmp(w->path, r->pages[i + 1].first) >= 0,
	            err, NPK_E_FORMAT, "%s: page %u overlaps page %u", r->name, i, i + 1);
	/* 15.15: content in an earlier edition has no extent in this file */
	if (e->size == 0 || e->ref_kind == NPK_REF_EDITION)
		return NPK_OK;
	uint64_t at = r->clusters[e->cluster].start + e->offset;
	/* 1.1: extents anywhere in the data, shared or not; 1.0: a tiling */
	if (r->v11)
		return npk__cover_add(&w->cover, at, at + e->size) == NPK_OK
		               ? NPK_OK : npk__fail(err, NPK_E_NOMEM, "out of memory");
	NPK_FAIL_IF(w->pos_known && at != w->pos, err, NPK_E_FORMAT,
	            "%s: %s: stored at data offset %llu, expected %llu (documents must tile the data)",
	            r->name, w->path, (unsigned long long)at, (unsigned long long)w->pos);
	w->pos = at + e->size;
	w->pos_known = 1;
	return NPK_OK;
}

/* Entry k of page i at the cursor, parsed into e and checked. */
static int next_entry(walker *w, npk_cur *c, uint32_t i, uint32_t k, npk_entry *e,
                      npk_error *err)
{
	memset(e, 0, sizeof *e);
	e->ordinal = w->r->pages[i].first_ordinal + k;
	NPK_FORWARD(parse_entry(w->r, c, e, w->path, w->media, w->meta, w->r->page.valid, err));
	return check_entry(w, i, k, e, err);
}

/* Index page i: its entries in order, each handed to the callback, then
 * nothing after them. Returns NPK_OK to go on to the next page. */
static int walk_page(walker *w, uint32_t i, npk_error *err)
{
	npk_reader *r = w->r;
	const page_ref *p = &r->pages[i];
	if (w->wr)
		w->wr->st->pages++;
	struct npk_prefetch *pf = r->ppf;
	int rc = pf != NULL && i >= pf->consumed ? pf_take(pf, i, &r->page, err)
	                                         : load_page_into(r, r->dec, &r->page, i, err);
	if (rc != NPK_OK)
		return page_unreadable(w, i, rc, err);
	npk_cur c;
	npk__cur_init(&c, r->page.raw, r->page.raw_len);
	uint32_t k;
	for (k = 0; k < p->count; k++) {
		npk_entry e;
		if ((rc = next_entry(w, &c, i, k, &e, err)) != NPK_OK)
			break;
		memcpy(w->prev, w->path, strlen(w->path) + 1);
		if (w->cb != NULL && (rc = w->cb(&e, w->ctx)) != 0)
			return rc;
	}
	/* A bad entry ends its page: the entries after it are not read (nor
	 * reported again as trailing bytes). */
	if (rc != NPK_OK) {
		if (w->wr == NULL)
			return rc;
		w->wr->hidden = p->count - k;
		report(w->wr, rc, "page", i, p->off, NULL, msg_or(err, "malformed entry"));
		w->wr->st->pages_bad++;
		w->wr->st->documents_bad += p->count - k;
		w->pos_known = 0;
		w->complete = 0;
		return NPK_OK;
	}
	if (npk__cur_left(&c) == 0)
		return NPK_OK;
	rc = npk__fail(err, NPK_E_FORMAT, "%s: index page %u has %zu trailing bytes", r->name, i,
	               npk__cur_left(&c));
	if (w->wr == NULL)
		return rc;
	report(w->wr, rc, "page", i, p->off, NULL, msg_or(err, "trailing bytes"));
	return NPK_OK;
}

/* 15.7: in 1.1 every byte of the data is in some entry's extent (checked
 * when no entry was hidden: a hidden one may hold the only extent). */
static int cover_end(walker *w, npk_error *err)
{
	const npk_reader *r = w->r;
	uint64_t end, gap;
	if (!w->complete || (gap = cover_gap(&w->cover, r->doc_bytes, &end)) == r->doc_bytes)
		return NPK_OK;
	int rc = npk__fail(err, NPK_E_FORMAT, "%s: data bytes %llu to %llu belong to no document "
	                   "(every stored byte must be in a document's extent)", r->name,
	                   (unsigned long long)gap, (unsigned long long)end - 1);
	if (w->wr == NULL)
		return rc;
	report(w->wr, rc, "layout", 0, 0, NULL, msg_or(err, ""));
	return NPK_OK;
}

/* 5.3: the documents end where the data does (checked when the last of
 * them could be placed, and no damage was reported before: what only needs
 * a newer reader does not hide damage, spec/format.md 11.1). */
static int walk_end(walker *w, npk_error *err)
{
	const npk_reader *r = w->r;
	if (r->v11)
		return cover_end(w, err);
	int damaged = w->wr != NULL && w->wr->first != NPK_OK && w->wr->first != NPK_E_VERSION;
	if (!w->pos_known || w->pos == r->doc_bytes || damaged)
		return NPK_OK;
	int rc = npk__fail(err, NPK_E_FORMAT, "%s: documents end at data offset %llu of %llu",
	                   r->name, (unsigned long long)w->pos, (unsigned long long)r->doc_bytes);
	if (w->wr == NULL)
		return rc;
	report(w->wr, rc, "layout", 0, 0, NULL, msg_or(err, ""));
	return NPK_OK;
}

/* Walks every entry in path order (11, step 8), checking each page, the
 * order of paths, and that documents tile the data (5.3). With wr set,
 * problems are reported and the walk goes on; without, the first stops it. */
static int walk(npk_reader *r, npk_entry_cb cb, void *ctx, walk_report *wr, npk_error *err)
{
	walker w = {.r = r, .cb = cb, .ctx = ctx, .wr = wr, .pos_known = 1, .complete = 1};
	w.path = malloc(NPK_PATH_MAX + 1);
	w.prev = malloc(NPK_PATH_MAX + 1);
	w.meta = npk_meta_new();
	int rc = NPK_OK;
	if (w.path == NULL || w.prev == NULL || w.meta == NULL) {
		rc = npk__fail(err, NPK_E_NOMEM, "out of memory");
		goto out;
	}
	w.prev[0] = 0;
	/* Pages are read ahead, but in verify, whose workers read the clusters
	 * ahead instead: that is where its time goes. */
	if (r->pf == NULL)
		pf_start_pages(r);
	for (uint32_t i = 0; i < r->page_count; i++)
		NPK_FORWARD_GOTO(rc, walk_page(&w, i, err), out);
	rc = walk_end(&w, err);
	r->walk_complete = w.complete;
out:
	pf_stop(&r->ppf);
	free(w.cover.v);
	npk__pathstack_free(&w.folders);
	free(w.path);
	free(w.prev);
	npk_meta_free(w.meta);
	return rc;
}

int npk_reader_list(npk_reader *r, npk_entry_cb cb, void *ctx, npk_error *err)
{
	if (r->chain != NULL)
		return npk__chain_list(r, cb, ctx, err);
	return walk(r, cb, ctx, NULL, err);
}

/* 15.15: the entries of one file in path order, pulled one at a time
 * (the chain merges one per edition), with the checks of a walk. */
struct npk__iter {
	walker w;
	uint32_t page, k;
	int loaded, done;
	npk_cur c;
	npk_entry e;
};

int npk__iter_new(npk_reader *r, npk__iter **out, npk_error *err)
{
	npk__iter *it = calloc(1, sizeof *it);
	NPK_FAIL_IF(it == NULL, err, NPK_E_NOMEM, "out of memory");
	*out = it;
	it->w = (walker){.r = r, .pos_known = 1, .complete = 1};
	it->w.path = malloc(NPK_PATH_MAX + 1);
	it->w.prev = malloc(NPK_PATH_MAX + 1);
	it->w.meta = npk_meta_new();
	NPK_FAIL_IF(it->w.path == NULL || it->w.prev == NULL || it->w.meta == NULL, err,
	            NPK_E_NOMEM, "out of memory");
	it->w.prev[0] = 0;
	return NPK_OK;
}

/* The next page that holds an entry, loaded into r->page. */
static int iter_page(npk__iter *it, npk_error *err)
{
	npk_reader *r = it->w.r;
	while (!it->loaded || it->k == r->pages[it->page].count) {
		if (it->loaded) {
			NPK_FAIL_IF(npk__cur_left(&it->c) != 0, err, NPK_E_FORMAT,
			            "%s: index page %u has %zu trailing bytes", r->name, it->page,
			            npk__cur_left(&it->c));
			it->page++;
			it->k = 0;
			it->loaded = 0;
		}
		if (it->page >= r->page_count)
			return NPK_E_NOTFOUND;
		NPK_FORWARD(load_page_into(r, r->dec, &r->page, it->page, err));
		npk__cur_init(&it->c, r->page.raw, r->page.raw_len);
		it->loaded = 1;
	}
	return NPK_OK;
}

int npk__iter_next(npk__iter *it, const npk_entry **out, npk_error *err)
{
	*out = NULL;
	if (it->done)
		return NPK_OK;
	int rc = iter_page(it, err);
	if (rc == NPK_E_NOTFOUND) {
		it->done = 1;
		return walk_end(&it->w, err);
	}
	NPK_FORWARD(rc);
	NPK_FORWARD(next_entry(&it->w, &it->c, it->page, it->k, &it->e, err));
	memcpy(it->w.prev, it->w.path, strlen(it->w.path) + 1);
	it->k++;
	*out = &it->e;
	return NPK_OK;
}

int npk__iter_skip_page(npk__iter *it, const char **lo, const char **hi)
{
	const npk_reader *r = it->w.r;
	if (it->done || it->page >= r->page_count)
		return -1;
	*lo = r->pages[it->page].first;
	*hi = it->page + 1 < r->page_count ? r->pages[it->page + 1].first : NULL;
	it->page++;
	it->k = 0;
	it->loaded = 0;
	/* the pages after it are still checked, but not the tiling */
	it->w.pos_known = 0;
	it->w.complete = 0;
	return 0;
}

void npk__iter_free(npk__iter *it)
{
	if (it == NULL)
		return;
	free(it->w.cover.v);
	npk__pathstack_free(&it->w.folders);
	free(it->w.path);
	free(it->w.prev);
	npk_meta_free(it->w.meta);
	free(it);
}

int npk__reader_walk(npk_reader *r, npk_entry_cb cb, void *ctx, npk_problem_cb pcb, void *pctx,
                     npk_error *err)
{
	/* a chain (extract): its state, what it lacks reported */
	if (r->chain != NULL)
		return npk__chain_walk(r, cb, ctx, pcb, pctx, err);
	npk_verify_stats st;
	memset(&st, 0, sizeof st);
	walk_report wr = {pcb, pctx, NPK_OK, &st, 0};
	return walk(r, cb, ctx, &wr, err);
}

int64_t npk__reader_failed_cluster(const npk_reader *r, uint64_t *offset)
{
	if (r->cl_failed >= 0 && offset != NULL)
		*offset = r->clusters[r->cl_failed].off;
	return r->cl_failed;
}

void npk__reader_page_paths(const npk_reader *r, uint32_t i, const char **first,
                            const char **next)
{
	*first = i < r->page_count ? r->pages[i].first : NULL;
	*next = i + 1 < r->page_count ? r->pages[i + 1].first : NULL;
}

int npk__reader_set_name(npk_reader *r, const char *name)
{
	char *n = strdup(name);
	if (n == NULL)
		return NPK_E_NOMEM;
	free(r->name);
	r->name = n;
	return NPK_OK;
}

int npk__reader_tree(const npk_reader *r, uint64_t *off, uint64_t *len, uint64_t *n,
                     const uint8_t **root)
{
	if (!r->has_tree || r->tree_sec < 0)
		return NPK_E_NOTFOUND;
	*off = r->sections[r->tree_sec].off;
	*len = r->sections[r->tree_sec].len;
	*n = r->tree_size;
	*root = r->tree_root;
	return NPK_OK;
}

int npk__reader_find_leaf(npk_reader *r, const char *path, const npk_entry **e,
                          const npk_buf **leaf, const uint8_t **hash, npk_error *err)
{
	npk_reader *fr = NULL;
	if (r->chain != NULL) {
		NPK_FORWARD(npk__chain_find(r, path, e, &fr, err));
		return npk__reader_find_leaf(fr, path, e, leaf, hash, err);
	}
	r->want_leaf = 1;
	int rc = npk_reader_find(r, path, e, err);
	r->want_leaf = 0;
	*leaf = rc == NPK_OK && r->leaf_ok ? &r->leaf : NULL;
	*hash = r->leaf_hash;
	return rc;
}

typedef struct leaves_ctx {
	npk_reader *r;
	uint8_t *out, *seen;
	uint64_t p, n, got;       /* the leaves [p, p + n) */
} leaves_ctx;

static int leaves_one(const npk_entry *e, void *ctx)
{
	leaves_ctx *c = ctx;
	if (e->leaf == UINT64_MAX || !c->r->leaf_ok)
		return 0;
	if (e->leaf < c->p || e->leaf - c->p >= c->n)
		return 1;
	uint64_t i = e->leaf - c->p;
	if (c->seen[i / 8] & (1u << (i % 8)))
		return 1;
	c->seen[i / 8] |= (uint8_t)(1u << (i % 8));
	memcpy(c->out + 32 * i, c->r->leaf_hash, 32);
	c->got++;
	return 0;
}

int npk__reader_leaves(npk_reader *r, uint8_t *out, npk_error *err)
{
	/* an edition's own leaves: [prev_tree_size, tree_size) (15.15) */
	uint64_t p = r->has_link ? r->link.prev_tree_size : 0;
	NPK_FAIL_IF(r->tree_size < p, err, NPK_E_FORMAT, "%s: a tree of fewer leaves than the "
	            "edition before it", r->name);
	uint64_t n = r->tree_size - p;
	leaves_ctx c = {.r = r, .out = out, .p = p, .n = n, .seen = calloc(1, (size_t)(n / 8 + 1))};
	NPK_FAIL_IF(c.seen == NULL, err, NPK_E_NOMEM, "out of memory");
	r->want_leaf = 1;
	int rc = walk(r, leaves_one, &c, NULL, err);
	r->want_leaf = 0;
	free(c.seen);
	NPK_FAIL_IF(rc == 1 || (rc == NPK_OK && c.got != n), err, NPK_E_DIGEST,
	            "%s: the entries' leaves are not the Merkle tree's %llu: run newspack verify",
	            r->name, (unsigned long long)n);
	return rc;
}

void npk__reader_signed(const npk_reader *r, const uint8_t **mf, size_t *mf_len,
                        const uint8_t **sig, size_t *sig_len)
{
	*mf = r->signed_bytes;
	*mf_len = r->mf_len;
	*sig = r->signed_bytes ? r->signed_bytes + r->mf_len : NULL;
	*sig_len = r->sig_len;
}

int npk__reader_fd(const npk_reader *r)
{
	return r->fd;
}

const char *npk__reader_name(const npk_reader *r)
{
	return r->name;
}

/* The page that may hold key: the last whose first path <= key, plus 1
 * (0: key comes before every page). */
static uint32_t page_after(const npk_reader *r, const char *key)
{
	uint32_t lo = 0, hi = r->page_count;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (strcmp(r->pages[mid].first, key) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Page pg into r->fpage, unless it holds it already: the entries of one
 * page looked up one after the other (a search's hits, a server's pages)
 * decode it and check its digest once. */
static int load_found(npk_reader *r, uint32_t pg, npk_error *err)
{
	if (r->fpage.page1 == pg + 1)
		return NPK_OK;
	r->fpage.page1 = 0;
	NPK_FORWARD(load_page_into(r, r->dec, &r->fpage, pg, err));
	r->fpage.page1 = pg + 1;
	return NPK_OK;
}

/* Page pg's entries in order until the first whose path is at or after
 * key (after it: strict), into *out (NULL: none on the page). The page's
 * order is what makes a search right: it is checked on the way. */
static int page_scan(npk_reader *r, uint32_t pg, const char *key, int strict,
                     const npk_entry **out, npk_error *err)
{
	*out = NULL;
	NPK_FORWARD(load_found(r, pg, err));
	char *buf = realloc(r->found_path, NPK_PATH_MAX + 1);
	NPK_FAIL_IF(buf == NULL, err, NPK_E_NOMEM, "out of memory");
	r->found_path = buf;
	char prev[NPK_PATH_MAX + 1];
	npk_cur c;
	npk__cur_init(&c, r->fpage.raw, r->fpage.raw_len);
	for (uint32_t k = 0; k < r->pages[pg].count; k++) {
		npk_entry *e = &r->found;
		memset(e, 0, sizeof *e);
		e->ordinal = r->pages[pg].first_ordinal + k;
		NPK_FORWARD(parse_entry(r, &c, e, r->found_path, r->found_media, r->found_meta, 0, err));
		if (k > 0 && strcmp(prev, r->found_path) >= 0)
			return npk__fail(err, NPK_E_FORMAT, "%s: index page %u is not in path order "
			                 "(\"%s\" comes after \"%s\")", r->name, pg, r->found_path, prev);
		memcpy(prev, r->found_path, strlen(r->found_path) + 1);
		int cmp = strcmp(r->found_path, key);
		if (cmp > 0 || (cmp == 0 && !strict)) {
			*out = e;
			return NPK_OK;
		}
	}
	return NPK_OK;
}

int npk__reader_entry_at(npk_reader *r, uint64_t ordinal, const npk_entry **out, npk_error *err)
{
	NPK_FAIL_IF(ordinal >= r->doc_count, err, NPK_E_FORMAT,
	            "%s: no entry %llu (the index holds %llu)", r->name,
	            (unsigned long long)ordinal, (unsigned long long)r->doc_count);
	uint32_t lo = 0, hi = r->page_count;
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (r->pages[mid].first_ordinal <= ordinal)
			lo = mid;
		else
			hi = mid;
	}
	NPK_FORWARD(load_found(r, lo, err));
	char *buf = realloc(r->found_path, NPK_PATH_MAX + 1);
	NPK_FAIL_IF(buf == NULL, err, NPK_E_NOMEM, "out of memory");
	r->found_path = buf;
	npk_cur c;
	npk__cur_init(&c, r->fpage.raw, r->fpage.raw_len);
	uint64_t k = ordinal - r->pages[lo].first_ordinal, i = 0;
	/* 15.7: a version 1.1 entry starts with its length, so those before
	 * it are stepped over, not parsed (the page's digest covers them, and
	 * verify checks each) */
	for (; r->v11 && i < k && !c.bad; i++) {
		uint32_t elen = npk__cur_u32(&c);
		npk__cur_take(&c, elen >= 4 ? elen - 4 : SIZE_MAX);
	}
	NPK_FAIL_IF(c.bad, err, NPK_E_FORMAT, "%s: index page %u: entry %llu is truncated",
	            r->name, lo, (unsigned long long)(r->pages[lo].first_ordinal + i));
	for (; i <= k; i++) {
		npk_entry *e = &r->found;
		memset(e, 0, sizeof *e);
		e->ordinal = r->pages[lo].first_ordinal + i;
		NPK_FORWARD(parse_entry(r, &c, e, r->found_path, r->found_media, r->found_meta, 0, err));
	}
	*out = &r->found;
	return NPK_OK;
}

uint32_t npk__reader_sections(const npk_reader *r, uint16_t type, const npk_section **first)
{
	uint32_t n = 0;
	/* a sealed archive's, opened: their plaintext views (15.17.6) */
	const npk_section *S = r->vsections != NULL && r->unsealed ? r->vsections : r->sections;
	*first = NULL;
	for (uint32_t i = 0; i < r->section_count; i++)
		if (S[i].type == type && n++ == 0)
			*first = &S[i];
	return n;
}

int npk_reader_find(npk_reader *r, const char *path, const npk_entry **out,
                    npk_error *err)
{
	if (r->chain != NULL)
		return npk__chain_find(r, path, out, NULL, err);
	uint32_t pg = page_after(r, path);
	const npk_entry *e = NULL;
	if (pg > 0)
		NPK_FORWARD(page_scan(r, pg - 1, path, 0, &e, err));
	NPK_FAIL_IF(e == NULL || strcmp(e->path, path) != 0, err, NPK_E_NOTFOUND,
	            "%s: no document \"%s\"", r->name, path);
	*out = e;
	return NPK_OK;
}

int npk__reader_seek(npk_reader *r, const char *key, int strict, char *out, npk_error *err)
{
	uint32_t pg = page_after(r, key);
	const npk_entry *e = NULL;
	if (pg > 0)
		NPK_FORWARD(page_scan(r, pg - 1, key, strict, &e, err));
	/* none there: the next page begins past key */
	const char *p = e != NULL ? e->path : pg < r->page_count ? r->pages[pg].first : NULL;
	NPK_FAIL_IF(p == NULL, err, NPK_E_NOTFOUND, "%s: no path after \"%s\"", r->name, key);
	NPK_FAIL_IF(strlen(p) > NPK_PATH_MAX, err, NPK_E_FORMAT, "%s: a path is too long", r->name);
	memcpy(out, p, strlen(p) + 1);
	return NPK_OK;
}

/* Hands a document's bytes to sink, cluster by cluster (5.3). */
static int read_doc(npk_reader *r, const npk_entry *e, npk_sink sink, void *ctx,
                    npk_error *err)
{
	uint8_t d[32];
	if (e->size == 0) {
		npk__digest("", 0, d);
		NPK_FAIL_IF(!npk__digest_same(d, e->digest), err, NPK_E_DIGEST,
		            "%s: %s: digest mismatch", r->name, e->path);
		return NPK_OK;
	}
	uint32_t c = e->cluster;
	uint64_t off = e->offset, left = e->size;
	int rc;
	/* One cluster: check the document's own digest before output. */
	if (off + left <= r->clusters[c].raw) {
		if ((rc = load_cluster_head(r, c, (uint32_t)(off + left), err)) != NPK_OK)
			return rc;
		npk__digest(r->cl.raw + off, (size_t)left, d);
		NPK_FAIL_IF(!npk__digest_same(d, e->digest), err, NPK_E_DIGEST,
		            "%s: %s: document digest mismatch", r->name, e->path);
		return sink && (rc = sink(r->cl.raw + off, (size_t)left, ctx)) != 0 ? rc : NPK_OK;
	}
	crypto_generichash_state hs;
	crypto_generichash_init(&hs, NULL, 0, 32);
	while (left > 0) {
		NPK_FAIL_IF(c >= r->cluster_count, err, NPK_E_FORMAT, "%s: %s runs past the last cluster",
		            r->name, e->path);
		if ((rc = load_cluster(r, c, err)) != NPK_OK)
			return rc;
		uint64_t n = r->clusters[c].raw - off;
		if (n > left)
			n = left;
		crypto_generichash_update(&hs, r->cl.raw + off, (size_t)n);
		if (sink && (rc = sink(r->cl.raw + off, (size_t)n, ctx)) != 0)
			return rc;
		left -= n;
		off = 0;
		c++;
	}
	crypto_generichash_final(&hs, d, 32);
	NPK_FAIL_IF(!npk__digest_same(d, e->digest), err, NPK_E_DIGEST,
	            "%s: %s: document digest mismatch", r->name, e->path);
	return NPK_OK;
}

/* 15.7: a symbolic link's target, gathered whole (at most NPK_PATH_MAX
 * bytes) so that it is checked before any of it reaches the sink. */
typedef struct link_target {
	uint8_t b[NPK_PATH_MAX];
	size_t n;
} link_target;

static int target_sink(const uint8_t *buf, size_t len, void *ctx)
{
	link_target *t = ctx;
	if (len > sizeof t->b - t->n)
		return NPK_E_FORMAT;
	memcpy(t->b + t->n, buf, len);
	t->n += len;
	return 0;
}

/* A link's content: its digest, then 1 to 4096 bytes of UTF-8 without NUL
 * (a signed archive that breaks this is damaged all the same). */
static int read_target(npk_reader *r, const npk_entry *e, npk_sink sink, void *ctx,
                       npk_error *err)
{
	link_target *t = malloc(sizeof *t);
	NPK_FAIL_IF(t == NULL, err, NPK_E_NOMEM, "out of memory");
	t->n = 0;
	int rc = e->size == 0 || e->size > NPK_PATH_MAX
	         ? npk__fail(err, NPK_E_FORMAT, "%s: %s: a symbolic link's target must be 1 to %u "
	                     "bytes", r->name, e->path, NPK_PATH_MAX)
	         : read_doc(r, e, target_sink, t, err);
	if (rc == NPK_OK && (memchr(t->b, 0, t->n) != NULL || !npk__utf8_ok(t->b, t->n)))
		rc = npk__fail(err, NPK_E_FORMAT, "%s: %s: the symbolic link's target is not UTF-8 text "
		               "without NUL", r->name, e->path);
	if (rc == NPK_OK && sink)
		rc = sink(t->b, t->n, ctx);
	free(t);
	return rc;
}

/* An entry's content, read by its kind's rules (15.7). */
static int read_entry(npk_reader *r, const npk_entry *e, npk_sink sink, void *ctx,
                      npk_error *err)
{
	r->cl_failed = -1;
	/* 15.15: its position is in another file's data stream */
	NPK_FAIL_IF(e->ref_kind == NPK_REF_EDITION, err, NPK_E_ARG,
	            "%s: %s: its content is in edition %u: read it through the chain", r->name,
	            e->path, e->ref_edition);
	return e->kind == NPK_KIND_SYMLINK ? read_target(r, e, sink, ctx, err)
	                                   : read_doc(r, e, sink, ctx, err);
}

void npk_reader_set_threads(npk_reader *r, int threads)
{
	r->threads = threads > 0 ? (size_t)threads : 0;
}

void npk_reader_set_meta(npk_reader *r, int decode)
{
	r->no_meta = !decode;
}

void npk_reader_set_progress(npk_reader *r, npk_progress_cb fn, void *ctx)
{
	r->progress = fn;
	r->progress_ctx = ctx;
}

int npk_reader_read(npk_reader *r, const npk_entry *e, npk_sink sink,
                    void *ctx, npk_error *err)
{
	if (r->chain != NULL)
		return npk__chain_read(r, e, sink, ctx, err);
	return read_entry(r, e, sink, ctx, err);
}

int npk_reader_stream_offset(npk_reader *r, const npk_entry *e, uint64_t *off, npk_error *err)
{
	NPK_FAIL_IF(e->size == 0, err, NPK_E_ARG, "%s: \"%s\" has no content", r->name, e->path);
	npk_reader *fr = r;
	uint32_t own = r->has_link ? r->link.edition : 0;
	if (r->chain != NULL)
		NPK_FORWARD(npk__chain_file(r, e->ref_edition, &fr, err));
	else
		NPK_FAIL_IF(e->ref_edition != own, err, NPK_E_ARG, "%s: \"%s\" is stored in edition "
		            "%u, not in this file", r->name, e->path, (unsigned)e->ref_edition);
	npk_entry x = *e;
	x.ref_kind = NPK_REF_INLINE;
	NPK_FORWARD(check_position(fr, &x, err));
	*off = fr->clusters[e->cluster].start + e->offset;
	return NPK_OK;
}

/* A thread's own decoder and the cluster it decoded last. */
struct npk__apart {
	npk_decoder *dec;
	const npk_reader *fr;     /* whose cluster o holds, or NULL */
	uint32_t cluster;
	obj_buf o;                /* o.raw_len: the bytes decoded */
};

npk__apart *npk__apart_new(void)
{
	npk__apart *ap = calloc(1, sizeof *ap);
	if (ap != NULL && (ap->dec = npk__decoder_new()) == NULL) {
		free(ap);
		ap = NULL;
	}
	return ap;
}

void npk__apart_free(npk__apart *ap)
{
	if (ap == NULL)
		return;
	npk__decoder_free(ap->dec);
	obj_free(&ap->o);
	free(ap);
}

void npk__apart_trim(npk__apart *ap, size_t max)
{
	if (ap == NULL)
		return;
	ap->fr = NULL;
	if (ap->o.io_cap + ap->o.raw_cap > max) {
		obj_free(&ap->o);
		memset(&ap->o, 0, sizeof ap->o);
	}
}

void npk__reader_keep(npk_reader *r, void *p, void (*free_fn)(void *))
{
	if (r->kept_free != NULL && r->kept != p)
		r->kept_free(r->kept);
	r->kept = p;
	r->kept_free = free_fn;
}

void *npk__reader_kept(const npk_reader *r)
{
	return r->kept;
}

int npk__reader_read_apart(npk_reader *fr, npk__apart *ap, const npk_entry *e, uint64_t upto,
                           npk_buf *out, npk_error *err)
{
	npk_entry x = *e;
	x.ref_kind = NPK_REF_INLINE;
	NPK_FAIL_IF(e->kind != NPK_KIND_DOCUMENT, err, NPK_E_ARG, "%s: %s: not a document",
	            fr->name, e->path);
	NPK_FORWARD(check_position(fr, &x, err));
	uint8_t d[32];
	if (e->size == 0) {
		npk__digest("", 0, d);
		NPK_FAIL_IF(!npk__digest_same(d, e->digest), err, NPK_E_DIGEST,
		            "%s: %s: digest mismatch", fr->name, e->path);
		return NPK_OK;
	}
	const cluster_ref *c = &fr->clusters[e->cluster];
	uint64_t end = e->offset + e->size;
	NPK_FAIL_IF(end > c->raw, err, NPK_E_ARG, "%s: %s: its content spans clusters", fr->name,
	            e->path);
	if (upto < end)
		upto = end;
	if (upto > c->raw)
		upto = c->raw;
	if (ap->fr != fr || ap->cluster != e->cluster || ap->o.raw_len < end) {
		ap->fr = NULL;
		NPK_FORWARD(load_object(fr, ap->dec, &ap->o, "cluster", NPK_CLUSTER_MAGIC, 0u, e->cluster,
		                        c->off, c->len, c->raw, head_digest(fr, e->cluster), 0,
		                        (uint32_t)upto, err));
		head_proven(fr, e->cluster);
		ap->fr = fr;
		ap->cluster = e->cluster;
	}
	npk__digest(ap->o.raw + e->offset, (size_t)e->size, d);
	NPK_FAIL_IF(!npk__digest_same(d, e->digest), err, NPK_E_DIGEST,
	            "%s: %s: document digest mismatch", fr->name, e->path);
	NPK_FAIL_IF(npk__buf_put(out, ap->o.raw + e->offset, (size_t)e->size) != 0, err,
	            NPK_E_NOMEM, "out of memory");
	return NPK_OK;
}

int npk__reader_check_ref(const npk_reader *fr, const npk_entry *e, npk_error *err)
{
	npk_entry x = *e;
	x.ref_kind = NPK_REF_INLINE;
	return check_position(fr, &x, err);
}

int npk__reader_read_ref(npk_reader *fr, const npk_entry *e, npk_sink sink, void *ctx,
                         npk_error *err)
{
	npk_entry x = *e;
	x.ref_kind = NPK_REF_INLINE;
	NPK_FORWARD(check_position(fr, &x, err));
	return read_entry(fr, &x, sink, ctx, err);
}

uint32_t npk__reader_cluster_count(const npk_reader *r)
{
	return r->cluster_count;
}

void npk__reader_cluster_span(const npk_reader *r, uint32_t i, uint64_t *start, uint32_t *raw)
{
	*start = i < r->cluster_count ? r->clusters[i].start : 0;
	*raw = i < r->cluster_count ? r->clusters[i].raw : 0;
}

int npk__reader_cluster_codec(npk_reader *r, uint32_t i, unsigned *codec, npk_error *err)
{
	NPK_FAIL_IF(i >= r->cluster_count, err, NPK_E_ARG, "%s: no cluster %u", r->name, i);
	uint8_t h[5];
	NPK_FORWARD(npk__pread_full(r->fd, h, sizeof h, r->clusters[i].off, r->name, err));
	*codec = h[4];
	return NPK_OK;
}

int npk__reader_cluster_object(npk_reader *r, uint32_t i, uint8_t **obj, uint32_t *len,
                               npk_error *err)
{
	NPK_FAIL_IF(i >= r->cluster_count, err, NPK_E_ARG, "%s: no cluster %u", r->name, i);
	NPK_FAIL_IF(r->ct_unproven, err, NPK_E_DIGEST,
	            "%s: its cluster table is not proven by the signature", r->name);
	const cluster_ref *cl = &r->clusters[i];
	uint8_t *b = malloc(cl->len);
	NPK_FAIL_IF(b == NULL, err, NPK_E_NOMEM, "out of memory reading cluster %u", i);
	int rc = npk__pread_full(r->fd, b, cl->len, cl->off, r->name, err);
	uint8_t d[32];
	if (rc == NPK_OK) {
		npk__digest(b, cl->len, d);
		if (!npk__digest_same(d, cl->digest))
			rc = npk__fail(err, NPK_E_DIGEST, "%s: cluster %u (offset %llu, %u bytes): digest "
			               "mismatch", r->name, i, (unsigned long long)cl->off, cl->len);
	}
	int sealed = r->sealed && r->unsealed;
	if (rc == NPK_OK && (memcmp(b, NPK_CLUSTER_MAGIC, 4) != 0 ||
	                     b[5] != (sealed ? NPK_OBJ_FLAG_SEALED : 0) ||
	                     npk__ld16(b + 6) != 0 || npk__ld32(b + 8) != i ||
	                     npk__ld32(b + 12) != (sealed ? 0 : cl->raw) ||
	                     npk__ld32(b + 16) != cl->len - NPK_OBJ_HEADER_SIZE ||
	                     npk__ld32(b + 20) != 0))
		rc = npk__fail(err, NPK_E_FORMAT, "%s: cluster %u (offset %llu): header disagrees with "
		               "its table entry", r->name, i, (unsigned long long)cl->off);
	const uint8_t *inner = NULL;
	size_t ilen = 0;
	/* 15.17.5: a sealed cluster, opened in place, is handed out as the
	 * cluster it would be unsealed: its header shows its raw size */
	if (rc == NPK_OK && sealed)
		rc = npk__seal_open(r->seal, NPK__SEAL_CLUSTER, i, cl->raw, b + NPK_OBJ_HEADER_SIZE,
		                    cl->len - NPK_OBJ_HEADER_SIZE,
		                    b + NPK_OBJ_HEADER_SIZE + NPK__SEAL_NONCE, &inner, &ilen,
		                    "a sealed cluster", err);
	if (rc == NPK_OK && sealed) {
		memmove(b + NPK_OBJ_HEADER_SIZE, inner, ilen);
		b[5] = 0;
		npk__st32(b + 12, cl->raw);
		npk__st32(b + 16, (uint32_t)ilen);
	}
	if (rc != NPK_OK) {
		free(b);
		return rc;
	}
	*obj = b;
	*len = sealed ? (uint32_t)(NPK_OBJ_HEADER_SIZE + ilen) : cl->len;
	return NPK_OK;
}

int npk__reader_read_extent(npk_reader *fr, uint32_t cluster, uint32_t offset, uint64_t size,
                            const uint8_t digest[32], npk_sink sink, void *ctx, npk_error *err)
{
	npk_entry x;
	memset(&x, 0, sizeof x);
	x.path = "the extent";
	x.media_type = "application/octet-stream";
	x.cluster = cluster;
	x.offset = offset;
	x.size = size;
	memcpy(x.digest, digest, 32);
	return npk__reader_read_ref(fr, &x, sink, ctx, err);
}

/* A filter section as a lookup reads it: a sealed one's plaintext view
 * once opened, none before (15.17.8). */
static const npk_section *filter_section(const npk_reader *r, int64_t i)
{
	if (i < 0 || (r->sealed && (!r->unsealed || r->vsections == NULL)))
		return NULL;
	return r->sealed ? &r->vsections[i] : &r->sections[i];
}

const npk_section *npk__reader_paths_section(const npk_reader *r)
{
	return filter_section(r, r->paths_sec);
}

const npk_section *npk__reader_folders_section(const npk_reader *r)
{
	return r->has_link ? filter_section(r, r->folders_sec) : NULL;
}

void npk_reader_set_random(npk_reader *r, int random)
{
	r->random_reads = random != 0;
}

npk__chain *npk__reader_chain(const npk_reader *r)
{
	return r->chain;
}

void npk__reader_set_chain(npk_reader *r, npk__chain *c)
{
	r->chain = c;
}

/* A filter section of an edition (15.15) for verify: its header checked
 * and its bits read (ok), or the problem reported. */
typedef struct vfilter {
	int ok;
	uint8_t *bits;
	uint64_t m, off, count;
	unsigned k;
} vfilter;

/* Verification state for the per-document callback. */
typedef struct verify_ctx {
	npk_reader *r;
	walk_report *wr;
	uint8_t *cstate;          /* per cluster: 0 unchecked, 1 good, 2 bad */
	npk_error *err;
	uint64_t docs, bytes;     /* for progress */
	uint64_t *leaves;         /* 15.7: every leaf number but "none", in walk order */
	size_t nleaves, leaves_cap;
	int leaves_lost;          /* out of memory: the leaves cannot be checked */
	/* 15.13: the Merkle tree's section, once its header and digest check
	 * (ok), and a window of its level 0 */
	int tree_ok;
	int sealed;               /* 15.17.6: no stored levels: win holds the leaves and a bitmap */
	unsigned stride;
	uint64_t tree_off, tree_leaves;
	uint8_t *win;
	uint64_t win_at;
	size_t win_len;
	/* 15.15, an edition: its link, its leaves [tree_p, tree_size), the
	 * chain's top (NULL: the file alone) and its path and folder filters
	 * (ok: the header checked and the filter read, at most PATHS_MEM_MAX) */
	const npk_edition_link *link;
	npk_reader *top;
	uint64_t tree_p;
	vfilter paths;
	vfilter folders;          /* the folder filter, when the edition has one */
	char *fprev;              /* the path before, for the folders */
	uint64_t folders_seen;
	npk_entry_cb each;        /* the chain's verify: every entry read */
	void *each_ctx;
} verify_ctx;

/* Cluster states in verify_ctx.cstate. */
enum { CL_UNCHECKED, CL_GOOD, CL_BAD, CL_UNSUPPORTED };

/* Checks cluster i once; returns its state. */
static int check_cluster(verify_ctx *v, uint32_t i)
{
	if (v->cstate[i] == CL_UNCHECKED) {
		npk_error e2 = {0};
		int rc = load_cluster(v->r, i, &e2);
		v->cstate[i] = rc == NPK_OK ? CL_GOOD : rc == NPK_E_VERSION ? CL_UNSUPPORTED : CL_BAD;
		v->wr->st->clusters++;
		if (rc != NPK_OK) {
			*(rc == NPK_E_VERSION ? &v->wr->st->clusters_unsupported
			                      : &v->wr->st->clusters_bad) += 1;
			report(v->wr, rc, "cluster", i, v->r->clusters[i].off, NULL, npk__bare(&e2, ""));
		}
	}
	return v->cstate[i];
}

static void note_entry(verify_ctx *v, const npk_entry *e);
static void tree_leaf(verify_ctx *v, const npk_entry *e);
static void ref_check(verify_ctx *v, const npk_entry *e);

static int verify_doc(const npk_entry *e, void *ctx)
{
	verify_ctx *v = ctx;
	npk_reader *r = v->r;
	note_entry(v, e);
	if (v->each)
		v->each(e, v->each_ctx);
	v->wr->st->documents++;
	v->wr->st->bytes += e->size;
	if (e->ref_kind == NPK_REF_EDITION) {
		ref_check(v, e);
		v->docs++;
		v->bytes += e->size;
		return 0;
	}
	/* Every cluster the document touches must be intact; one this reader
	 * cannot decode makes it unsupported, unless another is damaged. */
	int bad = 0, unsupported = 0;
	if (e->size > 0) {
		uint64_t end = r->clusters[e->cluster].start + e->offset + e->size;
		for (uint32_t c = e->cluster; c < r->cluster_count && r->clusters[c].start < end; c++) {
			int state = check_cluster(v, c);
			bad |= state == CL_BAD;
			unsupported |= state == CL_UNSUPPORTED;
		}
	}
	npk_error e2 = {0};
	int rc = bad ? NPK_E_DIGEST : unsupported ? NPK_E_VERSION : NPK_OK;
	if (rc == NPK_OK)
		rc = read_entry(r, e, NULL, NULL, &e2);
	if (rc != NPK_OK) {
		char msg[700];
		snprintf(msg, sizeof msg, "%s", bad ? "stored in a damaged cluster"
		                                : unsupported ? "stored in a cluster this reader cannot decode"
		                                              : e2.msg);
		report(v->wr, rc, "document", e->ordinal, 0, e->path, msg);
		*(rc == NPK_E_VERSION ? &v->wr->st->documents_unsupported
		                      : &v->wr->st->documents_bad) += 1;
	}
	v->docs++;
	v->bytes += e->size;
	if (r->progress)
		r->progress(v->docs, v->bytes, e->path, r->progress_ctx);
	return 0;
}

static int section_by_offset(const void *a, const void *b)
{
	const section_ref *x = a, *y = b;
	return x->off < y->off ? -1 : x->off > y->off;
}

/* 11, step 9 and 15.4: every object and section is referenced once and
 * together they tile the body. S is the directory sorted by offset. */
static void check_layout(npk_reader *r, walk_report *wr, const section_ref *S)
{
	uint64_t pos = NPK_HEADER_SIZE;
	uint32_t p = 0, c = 0, s = 0;
	char msg[200];
	while (p < r->page_count || c < r->cluster_count || s < r->section_count) {
		if (p < r->page_count && r->pages[p].off == pos) {
			pos += r->pages[p++].len;
		} else if (c < r->cluster_count && r->clusters[c].off == pos) {
			pos += r->clusters[c++].len;
		} else if (s < r->section_count && S[s].off == pos) {
			pos += S[s++].len;
		} else {
			snprintf(msg, sizeof msg, "no object starts at offset %llu: bytes not covered by any digest",
			         (unsigned long long)pos);
			report(wr, NPK_E_FORMAT, "layout", 0, pos, NULL, msg);
			return;
		}
	}
	if (pos != r->pt_off) {
		snprintf(msg, sizeof msg, "objects end at offset %llu but the tables start at %llu",
		         (unsigned long long)pos, (unsigned long long)r->pt_off);
		report(wr, NPK_E_FORMAT, "layout", 0, pos, NULL, msg);
	}
}

/* H of len bytes of the file at off, read in pieces (a section may be
 * larger than memory). */
static int hash_range(const npk_reader *r, uint64_t off, uint64_t len, uint8_t out[32],
                      npk_error *err)
{
	crypto_generichash_state st;
	uint8_t buf[1 << 16];
	crypto_generichash_init(&st, NULL, 0, 32);
	for (uint64_t at = 0; at < len;) {
		size_t n = len - at < sizeof buf ? (size_t)(len - at) : sizeof buf;
		NPK_FORWARD(npk__pread_full(r->fd, buf, n, off + at, r->name, err));
		crypto_generichash_update(&st, buf, n);
		at += n;
	}
	crypto_generichash_final(&st, out, 32);
	return NPK_OK;
}

#define HOLD_MAX (40u << 20) /* a tree, path filter or copies section held, at most */

/* len bytes at off of r's file, from a held section when it has them. */
static int held_read(const npk_reader *r, void *buf, size_t len, uint64_t off, npk_error *err)
{
	/* the manifest, signature and trailer, as open read them */
	uint64_t sb = (uint64_t)r->mf_len + r->sig_len + NPK_TRAILER_SIZE, mf = r->signed_size - sb;
	if (r->holding && r->signed_bytes != NULL && r->nfixes == 0 && sb <= r->signed_size &&
	    off >= mf && len <= sb && off - mf <= sb - len) {
		memcpy(buf, r->signed_bytes + (off - mf), len);
		return NPK_OK;
	}
	for (int i = 0; i < 3; i++)
		if (r->held[i].p != NULL && off >= r->held[i].off && len <= r->held[i].len &&
		    off - r->held[i].off <= r->held[i].len - len) {
			memcpy(buf, r->held[i].p + (off - r->held[i].off), len);
			return NPK_OK;
		}
	return npk__pread_full(r->fd, buf, len, off, r->name, err);
}

int npk__reader_pread(const npk_reader *r, void *buf, size_t len, uint64_t off, npk_error *err)
{
	if (off >= VSEC_BASE) /* a sealed section's plaintext (15.17.6) */
		return vsection_read(r, buf, len, off, err);
	return held_read(r, buf, len, off, err);
}

static int hash_section(npk_reader *r, const section_ref *d, int slot, uint8_t got[32],
                        npk_error *err);

int npk__reader_hold_tree(npk_reader *r, const npk_section *s, uint8_t got[32], npk_error *err)
{
	return hash_section(r, s, 0, got, err);
}

/* Section d's digest, its bytes held (slot) when it is small enough. */
static int hash_section(npk_reader *r, const section_ref *d, int slot, uint8_t got[32],
                        npk_error *err)
{
	uint8_t *b = slot >= 0 && d->len <= HOLD_MAX ? malloc(d->len ? d->len : 1) : NULL;
	if (b == NULL)
		return hash_range(r, d->off, d->len, got, err);
	int rc = npk__pread_full(r->fd, b, d->len, d->off, r->name, err);
	if (rc != NPK_OK) {
		free(b);
		return rc;
	}
	npk__digest(b, d->len, got);
	if (!npk__digest_same(got, d->digest)) {
		free(b);
		return NPK_OK;
	}
	free(r->held[slot].p);
	r->held[slot].p = b;
	r->held[slot].off = d->off;
	r->held[slot].len = d->len;
	return NPK_OK;
}

static void release_held(npk_reader *r)
{
	for (int i = 0; i < 3; i++) {
		free(r->held[i].p);
		r->held[i].p = NULL;
	}
}

/* 15.4: section i's bytes against its digest; 1 when they match. */
static int check_section(npk_reader *r, walk_report *wr, uint32_t i)
{
	const section_ref *d = &r->sections[i];
	uint8_t got[32];
	npk_error e2 = {0};
	int slot = !r->holding ? -1 : (int64_t)i == r->tree_sec ? 0
	           : d->type == NPK_SECTION_PATHS ? 1 : d->type == NPK_SECTION_FOLDERS ? 2 : -1;
	if (hash_section(r, d, slot, got, &e2) != NPK_OK) {
		report(wr, NPK_E_IO, "section", i, d->off, NULL, npk__bare(&e2, "read error"));
		return 0;
	}
	char msg[120];
	snprintf(msg, sizeof msg, "section %u (type %u) does not match its digest", i, d->type);
	if (npk__digest_same(got, d->digest))
		return 1;
	report(wr, NPK_E_DIGEST, "section", i, d->off, NULL, msg);
	return 0;
}

/* 15.4: the tiling with the sections, then each section's digest;
 * *tree_intact: the Merkle tree's section matched its digest; flt[0],
 * flt[1]: the path and folder filters' (15.15) that matched it, or -1. */
static int check_body(npk_reader *r, walk_report *wr, int *tree_intact, int64_t flt[2],
                      npk_error *err)
{
	section_ref *S = malloc((r->section_count ? r->section_count : 1) * sizeof *S);
	NPK_FAIL_IF(S == NULL, err, NPK_E_NOMEM, "out of memory");
	if (r->section_count)
		memcpy(S, r->sections, r->section_count * sizeof *S);
	qsort(S, r->section_count, sizeof *S, section_by_offset);
	check_layout(r, wr, S);
	free(S);
	*tree_intact = 0;
	flt[0] = flt[1] = -1;
	for (uint32_t i = 0; i < r->section_count; i++) {
		if (!check_section(r, wr, i))
			continue;
		if ((int64_t)i == r->tree_sec)
			*tree_intact = 1;
		if ((int64_t)i == r->paths_sec)
			flt[0] = i;
		if ((int64_t)i == r->folders_sec)
			flt[1] = i;
	}
	return NPK_OK;
}

/* spec/search.md 9: the full-text index, sections 7 and 11, read whole
 * and checked (their digests were checked with every section's): one of
 * each, then every page and chunk, their contents and the postings'
 * tiling (npk__ix_verify). *known: the two when they pair. */
static int ix_pread(void *ctx, uint64_t off, void *buf, size_t len, npk_error *err)
{
	return npk__reader_pread(ctx, buf, len, off, err);
}

typedef struct ix_report {
	walk_report *wr;
	uint64_t off;
} ix_report;

static void on_ix_problem(void *ctx, const char *msg)
{
	ix_report *x = ctx;
	report(x->wr, NPK_E_FORMAT, "search index", 0, x->off, NULL, msg);
}

/* 15.17.7 step 9: every chunk of every sealed section opened, and its
 * plaintext against the sealed manifest's length and H. */
static int check_vsections(npk_reader *r, walk_report *wr, npk_error *err)
{
	if (r->vsections == NULL || !r->unsealed)
		return NPK_OK;
	uint8_t *b = malloc(NPK__SEAL_CHUNK_BYTES);
	NPK_FAIL_IF(b == NULL, err, NPK_E_NOMEM, "out of memory");
	for (uint32_t i = 0; i < r->section_count; i++) {
		const npk_section *v = &r->vsections[i];
		if (v->off < VSEC_BASE)
			continue;
		crypto_generichash_state h;
		crypto_generichash_init(&h, NULL, 0, 32);
		npk_error e2 = {0};
		int rc = NPK_OK;
		for (uint64_t at = 0; rc == NPK_OK && at < v->len; at += NPK__SEAL_CHUNK_BYTES) {
			size_t n = v->len - at < NPK__SEAL_CHUNK_BYTES ? (size_t)(v->len - at)
			                                               : NPK__SEAL_CHUNK_BYTES;
			rc = vsection_read(r, b, n, v->off + at, &e2);
			if (rc == NPK_OK)
				crypto_generichash_update(&h, b, n);
		}
		uint8_t d[32];
		crypto_generichash_final(&h, d, 32);
		if (rc == NPK_OK && !npk__digest_same(d, v->digest))
			rc = npk__fail(&e2, NPK_E_DIGEST, "its plaintext does not match its digest in the "
			               "sealed manifest");
		if (rc == NPK_E_NOMEM) {
			free(b);
			return npk__fail(err, rc, "out of memory");
		}
		if (rc != NPK_OK)
			report(wr, rc == NPK_E_IO ? NPK_E_IO : NPK_E_DIGEST, "section", i,
			       r->sections[i].off, NULL, npk__bare(&e2, "cannot be opened"));
	}
	free(b);
	return NPK_OK;
}

static int check_index(npk_reader *r, walk_report *wr, uint32_t *known, npk_error *err)
{
	const npk_section *root, *post;
	uint32_t nr = npk__reader_sections(r, NPK__IX_ROOT_TYPE, &root);
	uint32_t np = npk__reader_sections(r, NPK__IX_POSTINGS_TYPE, &post);
	*known = 0;
	if (nr == 0 && np == 0)
		return NPK_OK;
	char msg[160];
	if (nr != 1 || np != 1) {
		snprintf(msg, sizeof msg, "search index: %u root sections (type 7) and %u postings "
		         "sections (type 11); one of each", nr, np);
		report(wr, NPK_E_FORMAT, "search index", 0, nr ? root->off : post->off, NULL, msg);
		return NPK_OK;
	}
	*known = 2;
	/* where they are stored, for the messages (a sealed one is read
	 * through its plaintext view, 15.17.6) */
	uint64_t root_at = root->off, post_at = post->off;
	if (r->vsections != NULL && root->off >= VSEC_BASE)
		root_at = r->sections[root - r->vsections].off;
	if (r->vsections != NULL && post->off >= VSEC_BASE)
		post_at = r->sections[post - r->vsections].off;
	npk__ix *ix;
	npk_error e = {0};
	int rc = npk__ix_open(ix_pread, r, root->off, root->len, root->digest, post->off, post->len,
	                      r->name, &ix, &e);
	if (rc == NPK_E_NOMEM)
		return npk__fail(err, rc, "out of memory");
	if (rc != NPK_OK) {
		report(wr, rc == NPK_E_IO ? NPK_E_IO : NPK_E_FORMAT, "search index", 0, root_at, NULL,
		       npk__bare(&e, "search index: cannot be read"));
		return NPK_OK;
	}
	ix_report x = {wr, post_at};
	uint64_t problems = 0;
	rc = npk__ix_verify(ix, on_ix_problem, &x, &problems, &e);
	npk__ix_free(ix);
	if (rc == NPK_E_NOMEM)
		return npk__fail(err, rc, "out of memory");
	if (rc != NPK_OK)
		report(wr, NPK_E_IO, "search index", 0, post_at, NULL,
		       npk__bare(&e, "search index: read error"));
	return NPK_OK;
}

/* 15.5: a finding about the unsigned tail. The tail is never trusted, so
 * it is reported on its own and never becomes an outcome (w->first). */
static void report_tail(walk_report *w, int code, const char *object, uint64_t number,
                        uint64_t offset, const char *message)
{
	w->st->tail_problems++;
	if (w->cb) {
		npk_problem p = {code, object, number, offset, NULL, message, 1, 0};
		w->cb(&p, w->ctx);
	}
}

/* 15.5: whether the tail's sections, in increasing offset, tile
 * [signed_size, dir_off); else reports where they stop doing so. */
static int tail_tiled(npk_reader *r, walk_report *wr, const section_ref *S, uint32_t n,
                      uint64_t dir_off)
{
	section_ref *T = malloc((n ? n : 1) * sizeof *T);
	uint64_t pos = r->signed_size;
	if (T == NULL) {
		report_tail(wr, NPK_E_NOMEM, "tail", 0, pos, "out of memory");
		return 0;
	}
	memcpy(T, S, n * sizeof *T);
	qsort(T, n, sizeof *T, section_by_offset);
	for (uint32_t i = 0; i < n && T[i].off == pos; i++)
		pos += T[i].len;
	free(T);
	if (pos == dir_off)
		return 1;
	char msg[200];
	snprintf(msg, sizeof msg, "the tail's sections do not tile it: a gap or an overlap at "
	         "offset %llu (its directory starts at %llu); their digests are not checked",
	         (unsigned long long)pos, (unsigned long long)dir_off);
	report_tail(wr, NPK_E_FORMAT, "tail", 0, pos, msg);
	return 0;
}

/* Whether len bytes at a and at b of the file are equal; -1 when they
 * cannot be read. */
static int same_bytes(const npk_reader *r, uint64_t a, uint64_t b, uint64_t len)
{
	uint8_t x[1 << 15], y[1 << 15];
	npk_error e2 = {0};
	for (uint64_t at = 0; at < len;) {
		size_t n = len - at < sizeof x ? (size_t)(len - at) : sizeof x;
		if (held_read(r, x, n, a + at, &e2) != NPK_OK || held_read(r, y, n, b + at, &e2) != NPK_OK)
			return -1;
		if (memcmp(x, y, n) != 0)
			return 0;
		at += n;
	}
	return 1;
}

/* Whether an original of [off, off + len) failed and its copy served. */
static int served_in(const npk_reader *r, uint64_t off, uint64_t len)
{
	for (uint32_t i = 0; i < r->nfixes; i++)
		if (r->fixes[i].len && r->fixes[i].off < off + len && off < r->fixes[i].off + r->fixes[i].len)
			return 1;
	return 0;
}

/* 15.9: tail section i (type 2, its digest matched) holds copies equal to
 * their originals; an extent whose copy served is not compared. */
static void check_copies(npk_reader *r, walk_report *wr, const section_ref *d, uint32_t i)
{
	npk__copies c;
	uint8_t h[NPK_COPY_HEAD_MAX];
	npk_error e2 = {0};
	size_t n = d->len < sizeof h ? (size_t)d->len : sizeof h;
	char msg[200];
	if (held_read(r, h, n, d->off, &e2) != NPK_OK ||
	    npk__copies_parse(h, n, d->off, r->file_size, &c, &e2) != NPK_OK ||
	    c.len != d->len || c.signed_size != r->signed_size) {
		snprintf(msg, sizeof msg, "section %u (survival copies) cannot be read: %s", i,
		         c.len != d->len && e2.code == NPK_OK ? "its length does not match"
		         : npk__bare(&e2, "another signed size"));
		report_tail(wr, NPK_E_FORMAT, "tail section", i, d->off, msg);
		return;
	}
	wr->st->copies = c.count;
	for (uint32_t k = 0; k < c.count; k++) {
		const npk__copy_extent *x = &c.ext[k];
		if (served_in(r, x->off, x->len) || same_bytes(r, x->off, x->pos, x->len) == 1)
			continue;
		snprintf(msg, sizeof msg, "section %u: the survival copy of bytes %llu to %llu (at "
		         "offset %llu) does not match its original", i, (unsigned long long)x->off,
		         (unsigned long long)(x->off + x->len), (unsigned long long)x->pos);
		report_tail(wr, NPK_E_DIGEST, "tail section", i, x->pos, msg);
	}
}

/* 15.5: each tail section against its digest, once they tile the tail
 * (so that no byte is read twice). */
static void check_tail_sections(npk_reader *r, walk_report *wr, const section_ref *S,
                                uint32_t n, uint64_t dir_off)
{
	char msg[120];
	uint8_t got[32];
	npk_error e2 = {0};
	if (!tail_tiled(r, wr, S, n, dir_off))
		return;
	for (uint32_t i = 0; i < n; i++) {
		/* the copies, held: compared with their originals below */
		int slot = r->holding && S[i].type == NPK_SECTION_COPIES ? 1 : -1;
		if (hash_section(r, &S[i], slot, got, &e2) != NPK_OK) {
			report_tail(wr, e2.code, "tail section", i, S[i].off, npk__bare(&e2, "read error"));
		} else if (!npk__digest_same(got, S[i].digest)) {
			snprintf(msg, sizeof msg, "section %u (type %u) does not match its digest", i,
			         S[i].type);
			report_tail(wr, NPK_E_DIGEST, "tail section", i, S[i].off, msg);
		} else if (S[i].type == NPK_SECTION_COPIES) {
			check_copies(r, wr, &S[i], i);
		}
		if (slot >= 0) {
			free(r->held[1].p);
			r->held[1].p = NULL;
		}
	}
}

/* 15.5: reads the tail directory that the tail trailer names, which
 * must end where the tail trailer starts, after the signed part. The
 * messages do not name the archive: they are the tail's own lines. */
static int read_tail_directory(const npk_reader *r, uint8_t **dir, uint32_t *len,
                               uint64_t *off, npk_error *err)
{
	uint8_t t[NPK_TRAILER_SIZE];
	uint64_t end = r->file_size - NPK_TRAILER_SIZE, dir_end;
	NPK_FORWARD(npk__pread_full(r->fd, t, sizeof t, end, r->name, err));
	*off = npk__ld64(t + 8);
	*len = npk__ld32(t + 16);
	/* with survival copies, a tail trailer that did not lead to them */
	NPK_FAIL_IF(memcmp(t + 24, NPK_TAIL_MAGIC, 8) != 0 || npk__ld64(t) != r->signed_size, err,
	            NPK_E_FORMAT, "the tail trailer is damaged");
	NPK_FAIL_IF(npk__ld32(t + 20) != 0, err, NPK_E_FORMAT,
	            "the tail trailer's reserved field is not zero");
	NPK_FAIL_IF(*off < r->signed_size || !npk__add64(*off, *len, &dir_end) || dir_end != end,
	            err, NPK_E_FORMAT, "the tail directory (%u bytes at offset %llu) does not lie "
	            "between the signed part (%llu bytes) and the tail trailer (at %llu)", *len,
	            (unsigned long long)*off, (unsigned long long)r->signed_size,
	            (unsigned long long)end);
	NPK_FAIL_IF(*len > 4 + NPK_SECTION_RECORD * NPK_SECTIONS_MAX, err, NPK_E_FORMAT,
	            "the tail directory of %u bytes exceeds the limit", *len);
	*dir = malloc(*len ? *len : 1);
	NPK_FAIL_IF(*dir == NULL, err, NPK_E_NOMEM, "out of memory");
	return npk__pread_full(r->fd, *dir, *len, *off, r->name, err);
}

/* 15.5: the unsigned tail, checked for its own integrity only. */
static void check_tail(npk_reader *r, walk_report *wr)
{
	if (!r->has_tail)
		return;
	wr->st->tail = 1;
	uint8_t *dir = NULL;
	uint32_t len = 0, n = 0;
	uint64_t off = 0;
	section_ref *S = NULL;
	npk_error e2 = {0};
	int rc = read_tail_directory(r, &dir, &len, &off, &e2);
	uint64_t at = rc == NPK_OK ? off : r->file_size - NPK_TRAILER_SIZE;
	if (rc == NPK_OK)
		rc = npk__parse_sections(dir, len, r->signed_size, off, 1, r->name, &S, &n, &e2);
	if (rc != NPK_OK)
		report_tail(wr, rc, "tail", 0, at, npk__bare(&e2, ""));
	else
		check_tail_sections(r, wr, S, n, off);
	wr->st->tail_sections = n;
	free(S);
	free(dir);
}

static void paths_entry(verify_ctx *v, const npk_entry *e);
static void folders_entry(verify_ctx *v, const npk_entry *e);

/* 15.7: entry e counted by kind, and its leaf kept for check_leaves
 * (8 bytes an entry). */
static void note_entry(verify_ctx *v, const npk_entry *e)
{
	npk_verify_stats *st = v->wr->st;
	uint64_t *by_kind[] = {&st->kind_documents, &st->kind_withdrawn, &st->kind_folders,
	                       &st->kind_links};
	if (e->kind <= NPK_KIND_MAX)
		(*by_kind[e->kind])++;
	tree_leaf(v, e);
	paths_entry(v, e);
	folders_entry(v, e);
	if (e->leaf == UINT64_MAX || v->leaves_lost)
		return;
	if (v->nleaves == v->leaves_cap) {
		size_t cap = v->leaves_cap ? 2 * v->leaves_cap : 1024;
		uint64_t *p = cap <= SIZE_MAX / sizeof *p ? realloc(v->leaves, cap * sizeof *p) : NULL;
		if (p == NULL) {
			v->leaves_lost = 1;
			return;
		}
		v->leaves = p;
		v->leaves_cap = cap;
	}
	v->leaves[v->nleaves++] = e->leaf;
}

static int leaf_order(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* The leaf numbers that two entries or more share, and the first path
 * found with each. */
typedef struct leaf_dups {
	walk_report *wr;
	uint64_t *leaf;           /* sorted, each once */
	char **first;
	size_t n;
	int lost;
} leaf_dups;

/* A walk's callback: entry e against the first entry with its leaf. */
static int leaf_dup(const npk_entry *e, void *ctx)
{
	leaf_dups *d = ctx;
	const uint64_t *hit = e->leaf == UINT64_MAX ? NULL
	                      : bsearch(&e->leaf, d->leaf, d->n, sizeof *d->leaf, leaf_order);
	if (hit == NULL)
		return 0;
	char **first = &d->first[hit - d->leaf];
	if (*first == NULL) {
		d->lost |= (*first = strdup(e->path)) == NULL;
		return 0;
	}
	char msg[NPK_PATH_MAX + 100];
	snprintf(msg, sizeof msg, "leaf %llu is also the leaf of \"%s\" (leaf numbers must be "
	         "distinct)", (unsigned long long)e->leaf, *first);
	report(d->wr, NPK_E_FORMAT, "document", e->ordinal, 0, e->path, msg);
	return 0;
}

/* 15.7: leaf numbers other than "none" are distinct across the index.
 * The leaves are sorted; only when two are equal is the index walked
 * again, to name both entries. */
static int check_leaves(verify_ctx *v, npk_error *err)
{
	NPK_FAIL_IF(v->leaves_lost, err, NPK_E_NOMEM, "out of memory");
	if (v->nleaves < 2)
		return NPK_OK;
	uint64_t *L = v->leaves;
	size_t n = 0;
	qsort(L, v->nleaves, sizeof *L, leaf_order);
	for (size_t i = 1; i < v->nleaves; i++)
		if (L[i] == L[i - 1] && (n == 0 || L[n - 1] != L[i]))
			L[n++] = L[i];    /* n <= i - 1: the values still to read are after i */
	if (n == 0)
		return NPK_OK;
	npk_verify_stats scratch;
	memset(&scratch, 0, sizeof scratch);
	walk_report quiet = {NULL, NULL, NPK_OK, &scratch, 0};
	leaf_dups d = {v->wr, L, calloc(n, sizeof(char *)), n, 0};
	NPK_FAIL_IF(d.first == NULL, err, NPK_E_NOMEM, "out of memory");
	int rc = walk(v->r, leaf_dup, &d, &quiet, err);
	for (size_t i = 0; i < n; i++)
		free(d.first[i]);
	free(d.first);
	NPK_FAIL_IF(rc == NPK_OK && d.lost, err, NPK_E_NOMEM, "out of memory");
	return rc;
}

/* 15.9: the name of a structure a survival copy may serve. */
static const char *copy_name(unsigned what)
{
	return what == NPK_COPY_HEADER          ? "header"
	       : what == NPK_COPY_PAGE_TABLE    ? "page table"
	       : what == NPK_COPY_CLUSTER_TABLE ? "cluster table"
	       : what == NPK_COPY_MANIFEST      ? "manifest"
	       : what == NPK_COPY_SEAL          ? "seal"
	       : what == NPK_COPY_DICT          ? "compression dictionary"
	                                        : "tail trailer";
}

/* 15.9: each damaged original whose copy served is damage all the same,
 * so that a scrub finds it while the copy is still there. */
static void report_fixes(npk_reader *r, walk_report *wr)
{
	wr->st->copies_served = r->served;
	if (r->copies)
		wr->st->copies = r->copies->count;
	for (uint32_t i = 0; i < r->nfixes; i++) {
		const npk__fix *f = &r->fixes[i];
		char msg[700];
		snprintf(msg, sizeof msg, "%s; %s", f->msg, f->what == NPK_COPY_TAIL_TRAILER
		         ? "the survival copies, found by scanning the file, give the signed part"
		         : "its survival copy in the tail serves");
		report(wr, f->what == NPK_COPY_TAIL_TRAILER || f->what == NPK_COPY_MANIFEST
		       ? NPK_E_FORMAT : NPK_E_DIGEST, copy_name(f->what), 0, f->off, NULL, msg);
	}
}

/* ---- 15.13: the Merkle tree ---- */

#define TREE_WIN (64u * 1024u) /* bytes of level 0 read at a time */

static void tree_report(verify_ctx *v, const char *object, uint64_t number, const char *path,
                        const char *msg)
{
	v->wr->st->tree_problems++;
	/* a section problem names the section's offset; an entry's, its path */
	uint64_t off = path == NULL && v->r->tree_sec >= 0 ? v->r->sections[v->r->tree_sec].off : 0;
	report(v->wr, NPK_E_FORMAT, object, number, off, path, msg);
}

/* 15.15: npk__tree_header_problem for an edition's section, which
 * holds the nodes completed by its leaves [p, n). */
static const char *etree_header_problem(const uint8_t *h, uint64_t p, uint64_t n, uint64_t len)
{
	static const uint8_t zero[7];
	uint64_t want;
	if (memcmp(h, NPK_TREE_MAGIC, 8) != 0)
		return "does not begin with NPKTREE";
	if (npk__ld64(h + 8) != n)
		return "has a tree_size that is not the manifest's";
	if (h[16] < 1 || h[16] > NPK_TREE_STRIDE_MAX)
		return "has a stride that is not 1 to 16";
	if (memcmp(h + 17, zero, sizeof zero) != 0)
		return "has reserved bytes that are not zero";
	if (npk__etree_layout(p, n, h[16], &want) != 0 || want != len)
		return "is not as long as the nodes of the edition's leaves take";
	return NULL;
}

/* Step 2: the section's header, once its digest matched (intact). */
static int tree_open(verify_ctx *v, int intact, npk_error *err)
{
	npk_reader *r = v->r;
	v->wr->st->tree = r->has_tree;
	v->wr->st->tree_size = r->tree_size;
	memcpy(v->wr->st->tree_root, r->tree_root, 32);
	if (r->sealed_tree) { /* level 0 rebuilt from the entries, in memory */
		uint64_t n = r->tree_size - v->tree_p;  /* an edition's own: [p, tree_size) */
		v->win = calloc(1, (size_t)(32 * n + n / 8 + 1));
		NPK_FAIL_IF(v->win == NULL, err, NPK_E_NOMEM, "out of memory");
		v->sealed = 1;
		return NPK_OK;
	}
	if (!r->has_tree || !intact)
		return NPK_OK;
	const section_ref *d = &r->sections[r->tree_sec];
	uint8_t h[NPK_TREE_HEADER];
	npk_error e2 = {0};
	const char *why = d->len < sizeof h ? "is shorter than its header"
	                  : held_read(r, h, sizeof h, d->off, &e2) != NPK_OK
	                      ? npk__bare(&e2, "cannot be read")
	                  : v->link ? etree_header_problem(h, v->tree_p, r->tree_size, d->len)
	                            : npk__tree_header_problem(h, r->tree_size, d->len);
	if (why != NULL) {
		char msg[200];
		snprintf(msg, sizeof msg, "the Merkle tree section %s", why);
		tree_report(v, "section", (uint64_t)r->tree_sec, NULL, msg);
		return NPK_OK;
	}
	v->win = malloc(TREE_WIN);
	NPK_FAIL_IF(v->win == NULL, err, NPK_E_NOMEM, "out of memory");
	v->tree_ok = 1;
	v->stride = h[16];
	v->tree_off = d->off;
	return NPK_OK;
}

/* Leaf hash i of level 0, through the window; NULL on a read error. */
static const uint8_t *tree_leaf_at(verify_ctx *v, uint64_t i)
{
	uint64_t at = NPK_TREE_HEADER + 32 * (i - v->tree_p);
	if (at < v->win_at || at + 32 > v->win_at + v->win_len) {
		uint64_t left = NPK_TREE_HEADER + 32 * (v->r->tree_size - v->tree_p) - at;
		v->win_len = left < TREE_WIN ? (size_t)left : TREE_WIN;
		v->win_at = at;
		npk_error e2;
		if (held_read(v->r, v->win, v->win_len, v->tree_off + at, &e2) != NPK_OK) {
			v->win_len = 0;
			return NULL;
		}
	}
	return v->win + (at - v->win_at);
}

/* Step 3: entry e against its leaf (parse_entry made its hash). */
static void tree_leaf(verify_ctx *v, const npk_entry *e)
{
	npk_reader *r = v->r;
	if (!r->has_tree || e->leaf == UINT64_MAX)
		return;
	v->tree_leaves++;
	char msg[200];
	if (v->sealed) {
		uint64_t p = v->tree_p, n = r->tree_size - p, i = e->leaf - p;
		uint8_t *bits = v->win + 32 * n;
		if (e->leaf < p || i >= n)
			snprintf(msg, sizeof msg, v->link ? "leaf %llu is not one of this edition's leaves"
			                                  : "leaf %llu is past the Merkle tree's leaves",
			         (unsigned long long)e->leaf);
		else if (bits[i / 8] & (1u << (i % 8)))
			snprintf(msg, sizeof msg, "leaf %llu is another entry's too",
			         (unsigned long long)e->leaf);
		else if (!r->leaf_ok)
			snprintf(msg, sizeof msg, "has no leaf data");
		else {
			bits[i / 8] |= (uint8_t)(1u << (i % 8));
			memcpy(v->win + 32 * i, r->leaf_hash, 32);
			return;
		}
		tree_report(v, "document", e->ordinal, e->path, msg);
		return;
	}
	if (!v->tree_ok)
		return;
	int in = e->leaf >= v->tree_p && e->leaf < r->tree_size;
	const uint8_t *h = in ? tree_leaf_at(v, e->leaf) : NULL;
	if (!in && v->link)
		snprintf(msg, sizeof msg, "leaf %llu is not one of this edition's leaves %llu to %llu",
		         (unsigned long long)e->leaf, (unsigned long long)v->tree_p,
		         (unsigned long long)r->tree_size - 1);
	else if (!in)
		snprintf(msg, sizeof msg, "leaf %llu is past the Merkle tree's %llu leaves",
		         (unsigned long long)e->leaf, (unsigned long long)r->tree_size);
	else if (h == NULL)
		snprintf(msg, sizeof msg, "the Merkle tree's leaf %llu cannot be read",
		         (unsigned long long)e->leaf);
	else if (r->leaf_ok && memcmp(h, r->leaf_hash, 32) != 0)
		snprintf(msg, sizeof msg, "does not match leaf %llu of the Merkle tree",
		         (unsigned long long)e->leaf);
	else
		return;
	tree_report(v, "document", e->ordinal, e->path, msg);
}

static int tree_read(void *ctx, uint64_t off, void *buf, size_t len, npk_error *err)
{
	const verify_ctx *v = ctx;
	const section_ref *d = &v->r->sections[v->r->tree_sec];
	NPK_FAIL_IF(off > d->len || len > d->len - off, err, NPK_E_FORMAT,
	            "%s: a read past the Merkle tree section", v->r->name);
	return held_read(v->r, buf, len, v->tree_off + off, err);
}

/* 15.15: the children of node (l, i) of level b = l - stride that lie
 * before the edition's first node of level b, (p >> b) - (i << stride) of
 * them, into buf: they are stored by earlier editions, read through the
 * chain (1); 0 when there are none; -1 when they cannot be read, reported
 * (the file alone: only the chain can check the node). */
static int tree_earlier(verify_ctx *v, unsigned l, uint64_t i, uint8_t *buf, uint64_t *count)
{
	unsigned b = l - v->stride;
	uint64_t first = i << v->stride, p = v->tree_p >> b, n = v->r->tree_size;
	*count = p > first ? p - first : 0;
	if (*count == 0)
		return 0;
	char msg[200];
	npk_error e2 = {0};
	npk__chain_tree t;
	if (v->top == NULL) {
		snprintf(msg, sizeof msg, "Merkle tree level %u hash %llu spans earlier editions: "
		         "only the chain can check it", l, (unsigned long long)i);
		report(v->wr, NPK_E_NOTFOUND, "section", (uint64_t)v->r->tree_sec, 0, NULL, msg);
		return -1;
	}
	if (npk__chain_tree_init(&t, v->top, n, &e2) != NPK_OK ||
	    npk__chain_tree_read(&t, npk__tree_level_offset(n, v->stride, b) + 32 * first, buf,
	                         (size_t)(32 * *count), &e2) != NPK_OK) {
		tree_report(v, "section", (uint64_t)v->r->tree_sec, NULL, npk__bare(&e2, ""));
		return -1;
	}
	return 1;
}

/* Step 5 for level l: each hash against the 2^stride hashes below it;
 * 0 when they all match. An edition's (15.15) are the nodes [p >> l,
 * n >> l), whose first may have children in earlier editions. */
static int tree_level(verify_ctx *v, unsigned l, uint8_t *buf)
{
	uint64_t n = v->r->tree_size, p = v->tree_p;
	unsigned b = l - v->stride;
	uint64_t below = npk__etree_level_offset(p, n, v->stride, b),
	         at = npk__etree_level_offset(p, n, v->stride, l);
	size_t block = (size_t)32 << v->stride;
	uint8_t stored[32];
	char msg[200];
	npk_error e2 = {0};
	for (uint64_t i = p >> l; i < n >> l; i++) {
		uint64_t early = 0;
		int got = tree_earlier(v, l, i, buf, &early);
		if (got < 0)
			continue;
		uint64_t own = ((i << v->stride) + early) - (p >> b);
		if (tree_read(v, below + 32 * own, buf + 32 * early, block - 32 * early, &e2) != NPK_OK ||
		    tree_read(v, at + 32 * (i - (p >> l)), stored, 32, &e2) != NPK_OK) {
			tree_report(v, "section", (uint64_t)v->r->tree_sec, NULL, npk__bare(&e2, ""));
			return -1;
		}
		npk__perfect_root(buf, (size_t)1 << v->stride);
		if (memcmp(buf, stored, 32) == 0)
			continue;
		snprintf(msg, sizeof msg, "Merkle tree level %u hash %llu does not match the level below",
		         l, (unsigned long long)i);
		tree_report(v, "section", (uint64_t)v->r->tree_sec, NULL, msg);
		return -1;
	}
	return 0;
}

/* 15.15: an edition's root is over every leaf of the chain. */
static int tree_chain_root(verify_ctx *v)
{
	npk_reader *r = v->r;
	uint8_t root[32];
	npk_error e2 = {0};
	npk__chain_tree t;
	if (v->top == NULL) {
		report(v->wr, NPK_E_NOTFOUND, "section", (uint64_t)r->tree_sec, 0, NULL,
		       "the Merkle root is over the leaves of earlier editions too: only the chain "
		       "can check it");
		return NPK_OK;
	}
	if (npk__chain_tree_init(&t, v->top, r->tree_size, &e2) != NPK_OK ||
	    npk__tree_root(r->tree_size, v->stride, npk__chain_tree_read, &t, root, &e2) != NPK_OK)
		tree_report(v, "section", (uint64_t)r->tree_sec, NULL, npk__bare(&e2, ""));
	else if (memcmp(root, r->tree_root, 32) != 0)
		tree_report(v, "section", (uint64_t)r->tree_sec, NULL,
		            "the Merkle root in the manifest does not match the tree of the chain");
	return NPK_OK;
}

#define UPPER_KEEP (4u << 20) /* of a chain file's tree, kept at most */

void npk__reader_keep_upper(npk_reader *r, uint64_t p, unsigned stride)
{
	uint8_t *b = NULL;
	uint64_t at = stride >= 1 && stride <= NPK_TREE_STRIDE_MAX
	              ? npk__etree_level_offset(p, r->tree_size, stride, stride) : UINT64_MAX;
	if (at > r->held[0].len)
		at = r->held[0].len;
	at = at > ((uint64_t)32 << stride) ? at - ((uint64_t)32 << stride) : 0;
	uint64_t len = r->held[0].len - at, off = r->held[0].off + at;
	if (r->held[0].p != NULL && len > 0 && len <= UPPER_KEEP && (b = malloc(len)) != NULL)
		memcpy(b, r->held[0].p + at, len);
	release_held(r);
	if (b != NULL) {
		r->held[0].p = b;
		r->held[0].off = off;
		r->held[0].len = len;
	}
}

/* After a chain file's verify, what npk__reader_keep_upper says stays. */
static void keep_upper(verify_ctx *v)
{
	if (v->top != NULL && v->tree_ok)
		npk__reader_keep_upper(v->r, v->tree_p, v->stride);
	else
		release_held(v->r);
}

/* Steps 4 and 5: the count of leaves, the stored levels, the root. */
static int tree_finish(verify_ctx *v, npk_error *err)
{
	npk_reader *r = v->r;
	char msg[200];
	if (r->has_tree && r->walk_complete && v->tree_leaves != r->tree_size - v->tree_p) {
		snprintf(msg, sizeof msg, v->link ? "the edition adds %llu leaves, but %llu entries have a leaf"
		                                  : "the Merkle tree has %llu leaves, but %llu entries have a leaf",
		         (unsigned long long)(r->tree_size - v->tree_p), (unsigned long long)v->tree_leaves);
		tree_report(v, "section", (uint64_t)r->tree_sec, NULL, msg);
	}
	if (v->sealed) { /* 15.17.6: MTH over the leaves, against the sealed root */
		npk_mth t;
		uint8_t root[32];
		uint64_t p = v->tree_p;
		npk_error e2 = {0};
		npk__mth_init(&t);
		if (p > 0 && v->top == NULL) { /* 15.17.8: the leaves before are the chain's */
			report(v->wr, NPK_E_NOTFOUND, "Merkle tree", 0, 0, NULL, "the sealed Merkle root "
			       "is over the leaves of earlier editions too: only the chain can check it");
			return NPK_OK;
		}
		if (p > 0 && npk__chain_sealed_border(v->top, v->link->edition, &t, &e2) != NPK_OK) {
			if (e2.code == NPK_E_NOMEM)
				return npk__fail(err, NPK_E_NOMEM, "out of memory");
			tree_report(v, "Merkle tree", 0, NULL, npk__bare(&e2, ""));
			return NPK_OK;
		}
		if (t.n != p) {
			tree_report(v, "Merkle tree", 0, NULL, "the editions before this one do not hold "
			            "the leaves its link says");
			return NPK_OK;
		}
		for (uint64_t i = 0; i < r->tree_size - p; i++)
			npk__mth_add(&t, v->win + 32 * i);
		npk__mth_root(&t, root);
		if (v->tree_leaves == r->tree_size - p && memcmp(root, r->tree_root, 32) != 0)
			tree_report(v, "Merkle tree", 0, NULL, "the sealed Merkle root does not match the "
			            "leaves of the entries");
		return NPK_OK;
	}
	if (!v->tree_ok)
		return NPK_OK;
	uint8_t *buf = malloc((size_t)32 << v->stride), root[32];
	NPK_FAIL_IF(buf == NULL, err, NPK_E_NOMEM, "out of memory");
	int bad = 0;
	for (unsigned l = v->stride; !bad && l < 64 && (r->tree_size >> l) > (v->tree_p >> l);
	     l += v->stride)
		bad = tree_level(v, l, buf);
	free(buf);
	npk_error e2 = {0};
	if (bad)
		return NPK_OK;
	if (v->link)
		return tree_chain_root(v);
	if (npk__tree_root(r->tree_size, v->stride, tree_read, v, root, &e2) != NPK_OK)
		tree_report(v, "section", (uint64_t)r->tree_sec, NULL, npk__bare(&e2, ""));
	else if (memcmp(root, r->tree_root, 32) != 0)
		tree_report(v, "section", (uint64_t)r->tree_sec, NULL,
		            "the Merkle root in the manifest does not match the tree");
	return NPK_OK;
}

/* ---- 15.15: an edition's path filter and references ---- */

#define PATHS_MEM_MAX (64u << 20) /* a filter checked in memory, at most */

/* The path and folder filters of an edition, known section types (one
 * path filter, by 15.15: another count is reported as damage here; at
 * most one folder filter, which open checked). */
static uint32_t edition_sections(verify_ctx *v)
{
	uint32_t n = 0, nf = 0;
	for (uint32_t i = 0; v->link && i < v->r->section_count; i++) {
		n += v->r->sections[i].type == NPK_SECTION_PATHS;
		nf += v->r->sections[i].type == NPK_SECTION_FOLDERS;
	}
	if (v->link && n != 1)
		report(v->wr, NPK_E_FORMAT, "layout", 0, 0, NULL,
		       n ? "an edition holds more than one path filter section"
		         : "an edition without its path filter section");
	return n + nf;
}

/* Filter section sec (whose digest matched; -1: none that did) with this
 * magic, for count entries (NPK_FILTER_ANY_COUNT: read from its header). */
static int filter_open(verify_ctx *v, int64_t sec, const char *magic, uint64_t count,
                       vfilter *f, npk_error *err)
{
	npk_reader *r = v->r;
	uint8_t h[NPK_PATHS_HEADER];
	char msg[200];
	npk_error e2 = {0};
	if (v->link == NULL || sec < 0)
		return NPK_OK;
	/* sealed (15.17.8): its plaintext, read through its view */
	const section_ref *d = r->unsealed && r->vsections != NULL ? &r->vsections[sec]
	                                                           : &r->sections[sec];
	const char *why = d->len < sizeof h ? "is shorter than its header"
	                  : npk__reader_pread(r, h, sizeof h, d->off, &e2) != NPK_OK
	                      ? npk__bare(&e2, "cannot be read")
	                      : npk__paths_header_problem(h, magic, d->len, count, &f->m, &f->k);
	if (why == NULL && f->m / 8 > PATHS_MEM_MAX)
		why = "is larger than this reader checks";
	if (why != NULL) {
		snprintf(msg, sizeof msg, "the %s filter %s",
		         strcmp(magic, NPK_PATHS_MAGIC) == 0 ? "path" : "folder", why);
		report(v->wr, NPK_E_FORMAT, "section", (uint64_t)sec, r->sections[sec].off, NULL, msg);
		return NPK_OK;
	}
	f->count = npk__ld64(h + 8);
	f->bits = malloc(f->m / 8);
	NPK_FAIL_IF(f->bits == NULL, err, NPK_E_NOMEM, "out of memory");
	f->off = r->sections[sec].off;   /* where it is stored, for the messages */
	if (npk__reader_pread(r, f->bits, f->m / 8, d->off + NPK_PATHS_HEADER, &e2) != NPK_OK) {
		report(v->wr, NPK_E_IO, "section", (uint64_t)sec, f->off, NULL, npk__bare(&e2, ""));
		return NPK_OK;
	}
	f->ok = 1;
	return NPK_OK;
}

/* A lookup skips an edition whose filter misses a path: a filter that
 * misses one of its own paths would hide that path's newest version. */
static void paths_entry(verify_ctx *v, const npk_entry *e)
{
	if (!v->paths.ok ||
	    npk__paths_has(v->paths.bits, v->paths.m, v->paths.k, e->path, strlen(e->path)))
		return;
	char msg[NPK_PATH_MAX + 60];
	snprintf(msg, sizeof msg, "the path filter does not hold %s", e->path);
	report(v->wr, NPK_E_FORMAT, "document", e->ordinal, v->paths.off, e->path, msg);
}

typedef struct folder_seen {
	verify_ctx *v;
	const npk_entry *e;
} folder_seen;

static void folder_check(const char *path, size_t len, void *ctx)
{
	folder_seen *fs = ctx;
	verify_ctx *v = fs->v;
	v->folders_seen++;
	if (!v->folders.ok || npk__paths_has(v->folders.bits, v->folders.m, v->folders.k, path, len))
		return;
	char msg[NPK_PATH_MAX + 60];
	snprintf(msg, sizeof msg, "the folder filter does not hold %.*s", (int)len, path);
	report(v->wr, NPK_E_FORMAT, "document", fs->e->ordinal, v->folders.off, fs->e->path, msg);
}

/* Each folder of the entries, met in path order: a folder filter that
 * misses one would let append store a document where the chain has a
 * folder. */
static void folders_entry(verify_ctx *v, const npk_entry *e)
{
	if (v->fprev == NULL)
		return;
	folder_seen fs = {v, e};
	npk__folders_new(e->path, v->fprev[0] ? v->fprev : NULL, folder_check, &fs);
	memcpy(v->fprev, e->path, strlen(e->path) + 1);
}

/* The folder filter's count, once every page was read. */
static void folders_end(verify_ctx *v)
{
	if (!v->folders.ok || v->fprev == NULL || v->wr->st->pages_bad > 0 ||
	    v->folders_seen == v->folders.count)
		return;
	char msg[160];
	snprintf(msg, sizeof msg, "the folder filter counts %llu folders, the entries have %llu",
	         (unsigned long long)v->folders.count, (unsigned long long)v->folders_seen);
	report(v->wr, NPK_E_FORMAT, "section", (uint64_t)v->r->folders_sec, v->folders.off, NULL,
	       msg);
}

static int no_sink(const uint8_t *buf, size_t len, void *ctx)
{
	(void)buf;
	(void)len;
	(void)ctx;
	return 0;
}

/* ref_kind 1: e's content is an extent of an earlier edition's data
 * stream, read there (its clusters checked against that edition's table)
 * and checked against e's digest. */
static void ref_check(verify_ctx *v, const npk_entry *e)
{
	char msg[700];
	npk_error e2 = {0};
	npk_reader *fr = NULL;
	uint32_t own = v->link ? v->link->edition : 0;
	int rc = NPK_OK;
	if (e->ref_edition >= own) {
		snprintf(msg, sizeof msg, "refers to edition %u, not one before edition %u",
		         e->ref_edition, own);
		rc = NPK_E_FORMAT;
	} else if (v->top == NULL) {
		snprintf(msg, sizeof msg, "its content is in edition %u: only the chain can check it",
		         e->ref_edition);
		report(v->wr, NPK_E_NOTFOUND, "document", e->ordinal, 0, e->path, msg);
		return;
	} else {
		rc = npk__chain_file(v->top, e->ref_edition, &fr, &e2);
		if (rc == NPK_OK)
			rc = npk__reader_read_extent(fr, e->cluster, e->offset, e->size, e->digest, no_sink,
			                             NULL, &e2);
		snprintf(msg, sizeof msg, "in edition %u: %s", e->ref_edition, npk__bare(&e2, ""));
	}
	if (rc == NPK_OK)
		return;
	/* a missing edition is named by the chain's verify; here the content
	 * it should hold is unchecked: damage */
	rc = rc == NPK_E_NOTFOUND ? NPK_E_FORMAT : rc;
	report(v->wr, rc, "document", e->ordinal, 0, e->path, msg);
	*(rc == NPK_E_VERSION ? &v->wr->st->documents_unsupported : &v->wr->st->documents_bad) += 1;
}

int npk_reader_verify(npk_reader *r, npk_problem_cb cb, void *ctx,
                      npk_verify_stats *stats, npk_error *err)
{
	/* 15.15: the top of a chain verifies every file of it */
	if (npk__chain_count(r) > 1)
		return npk__chain_verify(r, cb, ctx, stats, err);
	return npk__reader_verify_file(r, NULL, NULL, NULL, cb, ctx, stats, err);
}

/* 15.17.7: a sealed archive verified without a key: the tiling, every
 * section's digest, and every object's digest and header; nothing opened. */
static int verify_closed(npk_reader *r, walk_report *wr, npk_error *err)
{
	int intact;
	int64_t flt[2];
	NPK_FORWARD(check_body(r, wr, &intact, flt, err));
	obj_buf o = {0};
	r->auditing = 1;
	for (uint32_t i = 0; i < r->page_count; i++) {
		const page_ref *p = &r->pages[i];
		npk_error e2 = {0};
		int rc = load_object(r, r->dec, &o, "index page", NPK_PAGE_MAGIC, NPK_PAGE_FLAG_V11, i,
		                     p->off, p->len, 0, p->digest, 0, 0, &e2);
		wr->st->pages++;
		if (rc != NPK_OK) {
			wr->st->pages_bad++;
			report(wr, rc, "index page", i, p->off, NULL, npk__bare(&e2, ""));
		}
	}
	for (uint32_t i = 0; i < r->cluster_count; i++) {
		const cluster_ref *c = &r->clusters[i];
		npk_error e2 = {0};
		int rc = load_object(r, r->dec, &o, "cluster", NPK_CLUSTER_MAGIC, 0u, i, c->off, c->len,
		                     0, c->digest, 0, 0, &e2);
		wr->st->clusters++;
		if (rc != NPK_OK) {
			wr->st->clusters_bad++;
			report(wr, rc, "cluster", i, c->off, NULL, npk__bare(&e2, ""));
		}
	}
	r->auditing = 0;
	obj_free(&o);
	check_tail(r, wr);
	wr->st->sealed = 1;
	wr->st->tree_sealed = r->has_root_commit;
	wr->st->sections_unknown = r->section_count - 1;
	if (wr->first != NPK_OK)
		return npk__fail(err, wr->first, "%s: %s", r->name, npk_strerror(wr->first));
	return NPK_OK;
}

int npk__reader_verify_file(npk_reader *r, npk_reader *top, npk_entry_cb each, void *each_ctx,
                            npk_problem_cb cb, void *ctx, npk_verify_stats *stats,
                            npk_error *err)
{
	npk_verify_stats local;
	walk_report wr = {cb, ctx, NPK_OK, stats ? stats : &local, 0};
	memset(wr.st, 0, sizeof *wr.st);
	/* 15.6: the body's known sections are the Merkle tree's, an edition's
	 * filters and the full-text index's (an unknown critical one has
	 * stopped the reader at open) */
	wr.st->sections = r->section_count;
	if (r->sealed && !r->unsealed) {
		report_fixes(r, &wr);
		return verify_closed(r, &wr, err);
	}
	wr.st->sealed = r->sealed ? 2 : 0;
	verify_ctx v = {.r = r, .wr = &wr, .err = err, .top = top, .link = npk__reader_link(r),
	                .each = each, .each_ctx = each_ctx,
	                .cstate = calloc(r->cluster_count ? r->cluster_count : 1, 1)};
	NPK_FAIL_IF(v.cstate == NULL, err, NPK_E_NOMEM, "out of memory");
	v.tree_p = v.link ? v.link->prev_tree_size : 0;
	wr.st->sections_unknown = r->section_count - (r->tree_sec >= 0) - edition_sections(&v) -
	                          (r->seal_sec >= 0) - (r->dict_sec >= 0);
	report_fixes(r, &wr);
	/* 15.18 D3: a dictionary that breaks its rules (a digest that does not
	 * match is the section's own report, below) */
	if (r->dict_sec >= 0 && r->dict == NULL && r->dict_rc != NPK_E_DIGEST)
		report(&wr, r->dict_rc, "section", (uint32_t)r->dict_sec,
		       r->sections[r->dict_sec].off, NULL, r->dict_why);
	int intact = 0;
	int64_t flt[2] = {-1, -1};
	/* a chain's file (top): what its checks read again is held, a lone
	 * archive reads as it did */
	r->holding = top != NULL;
	int rc = check_body(r, &wr, &intact, flt, err);
	uint32_t ix_known = 0;
	if (rc == NPK_OK)
		rc = check_vsections(r, &wr, err);
	if (rc == NPK_OK)
		rc = check_index(r, &wr, &ix_known, err);
	wr.st->sections_unknown -= ix_known;
	if (rc == NPK_OK)
		rc = tree_open(&v, intact, err);
	if (rc == NPK_OK)
		rc = filter_open(&v, flt[0], NPK_PATHS_MAGIC, r->doc_count, &v.paths, err);
	if (rc == NPK_OK)
		rc = filter_open(&v, flt[1], NPK_FOLDERS_MAGIC, NPK_FILTER_ANY_COUNT, &v.folders, err);
	if (rc == NPK_OK && v.folders.ok && (v.fprev = calloc(1, NPK_PATH_MAX + 1)) == NULL)
		rc = npk__fail(err, NPK_E_NOMEM, "out of memory");
	if (rc != NPK_OK) {
		release_held(r);
		r->holding = 0;
		free(v.cstate);
		free(v.win);
		free(v.paths.bits);
		free(v.folders.bits);
		free(v.fprev);
		return rc;
	}
	pf_start_clusters(r);
	/* verify checks every metadata list, whatever walks were told, and
	 * each entry's leaf */
	int no_meta = r->no_meta;
	r->no_meta = 0;
	r->want_leaf = r->has_tree;
	rc = walk(r, verify_doc, &v, &wr, err);
	r->no_meta = no_meta;
	r->want_leaf = 0;
	/* Clusters no readable entry led to are checked too. */
	for (uint32_t i = 0; rc == NPK_OK && i < r->cluster_count; i++)
		check_cluster(&v, i);
	pf_stop(&r->pf);
	if (rc == NPK_OK)
		rc = check_leaves(&v, err);
	if (rc == NPK_OK)
		rc = tree_finish(&v, err);
	if (rc == NPK_OK)
		folders_end(&v);
	keep_upper(&v);
	free(v.leaves);
	free(v.win);
	free(v.paths.bits);
	free(v.folders.bits);
	free(v.fprev);
	if (rc == NPK_OK)
		check_tail(r, &wr);
	r->holding = 0;
	free(v.cstate);
	if (rc != NPK_OK)
		return rc;
	if (wr.first != NPK_OK)
		return npk__fail(err, wr.first, "%s: %s", r->name, npk_strerror(wr.first));
	return NPK_OK;
}
