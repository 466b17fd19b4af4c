/*
 * salvage.c - writes every document of a badly damaged archive that can
 * still be proven against its signature (spec/format.md 15.11).
 *
 * One forward pass over the file finds every object header (4.1), every
 * signed trailer magic (9) and manifest magic (7.1), at any offset, and
 * keeps a small record of each object (its digest computed when first
 * needed). Then: a manifest whose
 * signature verifies (the trailer at the end, or any trailer found), the
 * header and the two tables (the originals, a copy before the manifest
 * found, or rebuilt from the objects found, each accepted only when its
 * digest is the signed one), and each page and cluster by its signed
 * digest wherever it was found. The proven bytes are put back where they
 * belong in a temporary file beside the output, which npk_extract then
 * reads as any archive: every document is checked and written as extract
 * does it (15.11 says why that is enough), the others named.
 *
 * The records stay in memory up to a budget (SV_MEM_RECORDS); beyond it
 * they go to a second temporary file in the output folder, unlinked at
 * once, sorted there by an external merge sort into one copy by number
 * and one by length, which the lookups read through a few small windows
 * (rec_get). Above the lookups nothing knows which it is.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "format/format.h"

#define SV_CHUNK (4u << 20)       /* bytes scanned per read */
#define SV_HASH_BUF (1u << 20)    /* bytes hashed per read */
/* Records kept in memory (15.11): 18 MiB of them and 3 MiB of indexes,
 * at the default sizes an archive of about 250 GiB; a larger one sorts
 * them on disk with the same 18 MiB, so that salvage stays well within
 * 64 MiB beside the scan's 4 MiB and one object at a time. */
#define SV_MEM_RECORDS (1u << 18)
#define SV_SORT_MIN 3u            /* a merge needs two runs and its output */
#define SV_FANIN 64u              /* runs merged at once */
#define SV_WIN 256u               /* records a lookup reads at once (18 KiB) */
#define SV_WINDOWS 4u             /* and keeps */
#define SV_SAMPLES (1u << 16)     /* keys kept of each sorted copy (512 KiB) */
/* (a budget below these lowers them too, so that the tests' small
 * budgets take every path of the file's code) */
#define SV_TRAIL_MAX 1024u        /* trailer and manifest magics kept, the last ones found */
#define SV_NONE UINT64_MAX

/* One object header found by the scan (4.1), and the digest of the
 * object it starts: 72 bytes, all the scan keeps of an object. The digest
 * is computed when first needed (a table entry of the same number or
 * length, or a table rebuilt), so that headers that happen to lie in
 * document bytes cost no hashing of what they claim to hold. */
typedef struct sv_obj {
	uint64_t off;             /* where it was found */
	uint64_t tiled;           /* where the tiling of the objects found puts it, or SV_NONE */
	uint32_t len, raw, number, count;
	uint8_t page, codec, flags;
	uint8_t hashed;           /* digest holds H of the object: 1, or a read failed: 2 */
	uint8_t digest[32];
} sv_obj;

/* Three areas of the record file, each as long as the records: the order
 * found, then the copies by number and by length in two of them. Their
 * offsets in bytes must fit an off_t. */
#define SV_REC_MAX ((uint64_t)INT64_MAX / sizeof(sv_obj) / 3)

/* The orders of the records: found (by offset), by (page, number, off),
 * by (len, off). */
enum { SV_OFF, SV_NUM, SV_LEN };

/* A record read, and where it lies (in obj, or in the record file) so
 * that its digest can be stored back (rec_put). */
typedef struct sv_rec {
	sv_obj o;
	uint64_t at;
} sv_rec;

typedef struct sv {
	int fd;
	int has_link;             /* an edition (15.15): its manifest holds a link */
	const char *name;
	uint64_t size;
	const npk_salvage_opts *o;
	npk_salvage_stats *st;
	sv_obj *obj;              /* the records; in the file, its buffer */
	uint64_t nobj;
	size_t cap, budget;
	uint32_t *by_num, *by_len; /* in memory: indexes into obj, sorted */
	/* beyond the budget: the record file in dir and what reads it */
	const char *dir;
	int rf;                   /* the record file, or -1: in memory */
	size_t nbuf;              /* records in obj not yet written (the scan) */
	uint64_t area[3];         /* which area holds each order */
	uint64_t *keys[3];        /* of SV_NUM and SV_LEN: every stride-th record's key */
	uint64_t nkeys, stride;
	sv_obj *win;              /* SV_WINDOWS windows of wlen records */
	size_t wlen;              /* SV_WIN, or less with a small budget */
	uint64_t win_at[SV_WINDOWS]; /* the first record of each, or SV_NONE */
	size_t win_n[SV_WINDOWS];    /* its records */
	uint8_t win_dirty[SV_WINDOWS]; /* digests computed since it was read */
	unsigned win_next;
	npk_error rerr;           /* the first read or write of the file that failed */
	uint64_t trail[SV_TRAIL_MAX]; /* ring of trailer offsets, in file order */
	uint64_t ntrail;
	uint64_t mfs[SV_TRAIL_MAX];   /* ring of manifest magic offsets */
	uint64_t nmfs;
	uint8_t *hbuf;            /* SV_HASH_BUF bytes */
	/* the manifest chosen (7), with its signature block */
	uint8_t *signed_end;      /* manifest, signature block (mf_len + sig_len) */
	uint64_t found_at;        /* where that manifest was found */
	uint64_t signed_size, mf_off, pt_off, doc_count, content_bytes;
	uint32_t mf_len, sig_len, pt_size, ct_size, page_count, cluster_count;
	uint8_t hd[32], ptd[32], ctd[32];
	int v11;
	npk_section *secs;        /* the section directory (15.3), sorted by offset */
	uint32_t nsecs;
	uint8_t header[NPK_HEADER_SIZE];
	uint8_t *pt, *ct;         /* the proven tables */
	int ct_unproven;          /* ct rebuilt without proof: its clusters lie after the signed part */
	uint64_t ct_end;          /* then where they end */
	npk_decoder *dec;
} sv;

static void note(sv *s, const char *what, uint64_t number, uint64_t off, uint64_t found, int state)
{
	if (state == NPK_SALVAGE_MOVED)
		s->st->moved++;
	if (state == NPK_SALVAGE_LOST)
		s->st->lost++;
	if (s->o->note == NULL)
		return;
	npk_salvage_note n = {what, number, off, found, state};
	s->o->note(&n, s->o->note_ctx);
}

/* mkdir -p dir (mode 0777 less the umask), as extract -C does. */
static int make_dirs(const char *dir, npk_error *err)
{
	char *p = strdup(dir);
	NPK_FAIL_IF(p == NULL, err, NPK_E_NOMEM, "out of memory");
	for (char *q = p + 1; *q; q++) {
		if (*q != '/')
			continue;
		*q = 0;
		if (mkdir(p, 0777) != 0 && errno != EEXIST)
			break;
		*q = '/';
	}
	int ok = mkdir(p, 0777) == 0 || errno == EEXIST;
	int e = errno;
	free(p);
	NPK_FAIL_IF(!ok, err, NPK_E_IO, "%s: %s", dir, strerror(e));
	return NPK_OK;
}

static int count_document(const npk_entry *e, void *ctx)
{
	*(uint64_t *)ctx += e->kind == NPK_KIND_DOCUMENT;
	return 0;
}

/* A temporary file dir/.npk-salvage-XXXXXX, dir made with its parents;
 * its name in *path (malloc'ed). */
static int make_temp(const char *dir, char **path, int *fd, npk_error *err)
{
	NPK_FORWARD(make_dirs(dir, err));
	size_t n = strlen(dir) + 32;
	char *tmp = malloc(n);
	NPK_FAIL_IF(tmp == NULL, err, NPK_E_NOMEM, "out of memory");
	snprintf(tmp, n, "%s/.npk-salvage-XXXXXX", dir);
	*fd = mkstemp(tmp);
	if (*fd < 0) {
		int e = errno;
		free(tmp);
		return npk__fail(err, NPK_E_IO, "%s: cannot make a temporary file: %s", dir, strerror(e));
	}
	*path = tmp;
	return NPK_OK;
}

/* ---- the records: in memory, or beyond the budget in a file ---- */

static int rec_read(sv *s, uint64_t at, sv_obj *p, size_t n, npk_error *err)
{
	return npk__pread_full(s->rf, p, n * sizeof *p, at * sizeof *p, "salvage's record file", err);
}

static int rec_write(sv *s, uint64_t at, const sv_obj *p, size_t n, npk_error *err)
{
	return npk__pwrite_full(s->rf, p, n * sizeof *p, at * sizeof *p, "salvage's record file",
	                        err);
}

/* The records buffered in obj to the end of area SV_OFF. */
static int spill_flush(sv *s, npk_error *err)
{
	int rc = rec_write(s, s->nobj - s->nbuf, s->obj, s->nbuf, err);
	s->nbuf = 0;
	return rc;
}

/* One record past the budget: the records go to a file in dir, unlinked
 * at once so that nothing is left behind; obj becomes its buffer. */
static int spill_start(sv *s, npk_error *err)
{
	char *tmp = NULL;
	NPK_FORWARD(make_temp(s->dir, &tmp, &s->rf, err));
	unlink(tmp);
	free(tmp);
	s->nbuf = (size_t)s->nobj;
	return spill_flush(s, err);
}

/* Room in obj for one more record: obj grown up to the budget (or the 3
 * records a merge needs), then the file. */
static int make_room(sv *s, npk_error *err)
{
	if (s->rf < 0 && s->nobj == s->budget)
		NPK_FORWARD(spill_start(s, err));
	if (s->rf >= 0) {
		NPK_FAIL_IF(s->nobj >= SV_REC_MAX, err, NPK_E_LIMIT,
		            "%s: more than %llu object headers: beyond what salvage's record file "
		            "can hold", s->name, (unsigned long long)SV_REC_MAX);
		return s->nbuf == s->cap ? spill_flush(s, err) : NPK_OK;
	}
	if (s->nobj < s->cap)
		return NPK_OK;
	size_t lim = s->budget > SV_SORT_MIN ? s->budget : SV_SORT_MIN;
	size_t cap = s->cap ? 2 * s->cap : 256;
	cap = cap < lim ? cap : lim;
	sv_obj *p = realloc(s->obj, cap * sizeof *p);
	NPK_FAIL_IF(p == NULL, err, NPK_E_NOMEM, "out of memory");
	s->obj = p;
	s->cap = cap;
	return NPK_OK;
}

/* ---- 15.11 step 2: the scan ---- */

/* 4.1 and 10: whether the 24 bytes h at off can start an object of this
 * file, every field bounded. */
static int header_plausible(const sv *s, const uint8_t *h, uint64_t off)
{
	int page = memcmp(h, NPK_PAGE_MAGIC, 4) == 0;
	if (!page && memcmp(h, NPK_CLUSTER_MAGIC, 4) != 0)
		return 0;
	uint32_t raw = npk__ld32(h + 12), stored = npk__ld32(h + 16), count = npk__ld32(h + 20);
	uint64_t end;
	/* 15.18: codec 3 is a cluster's only */
	unsigned most = page ? NPK_CODEC_ZSTD : NPK_CODEC_ZSTD_DICT;
	if (h[5] & NPK_OBJ_FLAG_SEALED) { /* 15.17.6: sizes and count hidden; the seal's 44 bytes */
		unsigned rest = h[5] & ~NPK_OBJ_FLAG_SEALED;
		return h[4] <= most && npk__ld16(h + 6) == 0 && raw == 0 && count == 0 &&
		       stored >= 44 && (page ? rest <= NPK_PAGE_FLAG_V11 : rest == 0) &&
		       npk__add64(off, (uint64_t)NPK_OBJ_HEADER_SIZE + stored, &end) && end <= s->size;
	}
	if (h[4] > most || npk__ld16(h + 6) != 0 || stored > raw ||
	    (h[4] == NPK_CODEC_STORED && stored != raw) ||
	    !npk__add64(off, (uint64_t)NPK_OBJ_HEADER_SIZE + stored, &end) || end > s->size)
		return 0;
	if (page)
		return h[5] <= NPK_PAGE_FLAG_V11 && count >= 1 && raw <= NPK_PAGE_RAW_MAX;
	return h[5] == 0 && count == 0 && raw >= 1 && raw <= NPK_CLUSTER_RAW_MAX;
}

/* H of len bytes at off (2.1: the digest of an object). */
static int hash_at(sv *s, uint64_t off, uint64_t len, uint8_t out[32], npk_error *err)
{
	crypto_generichash_state h;
	crypto_generichash_init(&h, NULL, 0, 32);
	while (len > 0) {
		size_t n = len < SV_HASH_BUF ? (size_t)len : SV_HASH_BUF;
		NPK_FORWARD(npk__pread_full(s->fd, s->hbuf, n, off, s->name, err));
		crypto_generichash_update(&h, s->hbuf, n);
		off += n;
		len -= n;
	}
	crypto_generichash_final(&h, out, 32);
	return NPK_OK;
}

static int add_object(sv *s, const uint8_t *h, uint64_t off, npk_error *err)
{
	if (!header_plausible(s, h, off))
		return NPK_OK;
	NPK_FORWARD(make_room(s, err));
	sv_obj *o = &s->obj[s->rf >= 0 ? s->nbuf++ : (size_t)s->nobj];
	*o = (sv_obj){.off = off, .tiled = SV_NONE, .raw = npk__ld32(h + 12),
	              .number = npk__ld32(h + 8), .count = npk__ld32(h + 20),
	              .page = h[3] == 'P', .codec = h[4], .flags = h[5]};
	o->len = NPK_OBJ_HEADER_SIZE + npk__ld32(h + 16);
	s->nobj++;
	return NPK_OK;
}

/* The magics at position i of the chunk b (n bytes, at file offset base,
 * with up to 23 bytes of the next chunk after it). */
static int scan_at(sv *s, const uint8_t *b, size_t n, size_t i, uint64_t base, npk_error *err)
{
	if (b[i] == 0x89 && n - i >= 8 && memcmp(b + i, NPK_TRAILER_MAGIC, 8) == 0)
		s->trail[s->ntrail++ % SV_TRAIL_MAX] = base + i;
	if (b[i] == 'N' && n - i >= 8 && memcmp(b + i, NPK_MANIFEST_MAGIC "\0\0\0\0", 8) == 0)
		s->mfs[s->nmfs++ % SV_TRAIL_MAX] = base + i;
	if (b[i] == 'N' && n - i >= NPK_OBJ_HEADER_SIZE)
		return add_object(s, b + i, base + i, err);
	return NPK_OK;
}

static int scan(sv *s, npk_error *err)
{
	uint8_t *b = malloc(SV_CHUNK + NPK_OBJ_HEADER_SIZE);
	NPK_FAIL_IF(b == NULL, err, NPK_E_NOMEM, "out of memory");
	int rc = NPK_OK;
	for (uint64_t base = 0; base < s->size && rc == NPK_OK; base += SV_CHUNK) {
		uint64_t left = s->size - base;
		size_t own = left < SV_CHUNK ? (size_t)left : SV_CHUNK;
		size_t n = left < SV_CHUNK + NPK_OBJ_HEADER_SIZE ? (size_t)left
		                                                 : SV_CHUNK + NPK_OBJ_HEADER_SIZE;
		NPK_FORWARD_GOTO(rc, npk__pread_full(s->fd, b, n, base, s->name, err), out);
		for (size_t i = 0; i < own && rc == NPK_OK; i++)
			if (b[i] == 'N' || b[i] == 0x89)
				rc = scan_at(s, b, n, i, base, err);
	}
	if (rc == NPK_OK && s->rf >= 0)
		rc = spill_flush(s, err);
out:
	free(b);
	s->st->objects = s->nobj;
	return rc;
}

/* ---- 15.11 step 1: a manifest that verifies ---- */

/* The signature block after manifest m (8, 11 step 3): "ED", the key id
 * of the manifest, the comment's length and text, the signature by the
 * trusted key of that id, else by the key the manifest holds (then
 * s->st->trusted is 0). NPK_OK, or NPK_E_SIGNATURE. */
static int signature_ok(sv *s, const uint8_t *m, uint32_t mf_len, const uint8_t *sg,
                        uint32_t sig_len)
{
	if (mf_len < NPK_MANIFEST_FIXED + 2 || memcmp(m, NPK_MANIFEST_MAGIC, 4) != 0 ||
	    memcmp(sg, "ED", 2) != 0 || memcmp(sg + 2, m + 168, 8) != 0)
		return NPK_E_SIGNATURE;
	size_t clen = npk__ld16(sg + 74);
	if (NPK_SIG_FIXED + clen != sig_len || !npk__utf8_ok(sg + 76, clen) || memchr(sg + 76, 0, clen) ||
	    memchr(sg + 76, '\n', clen) || memchr(sg + 76, '\r', clen))
		return NPK_E_SIGNATURE;
	const npk_pubkey *tk = s->o->trust ? npk__trust_find(s->o->trust, m + 168) : NULL;
	if (npk__verify(tk ? tk->pk : m + 176, m, mf_len, sg + 10, (const char *)sg + 76, clen,
	                sg + 76 + clen) != NPK_OK)
		return NPK_E_SIGNATURE;
	if (tk != NULL && sodium_memcmp(tk->pk, m + 176, 32) != 0)
		return NPK_E_SIGNATURE;
	memcpy(s->st->key_id, m + 168, 8);
	memcpy(s->st->signer, m + 176, 32);
	s->st->trusted = tk != NULL;
	return NPK_OK;
}

/* 9: the trailer whose magic is at t + 24; the manifest and signature
 * block it names end at t, wherever t is (bytes may have moved). NPK_OK
 * when the signature verifies (s->st->trusted says with which key). */
static int try_trailer(sv *s, uint64_t t)
{
	uint8_t tr[NPK_TRAILER_SIZE];
	npk_error e;
	if (t > s->size - NPK_TRAILER_SIZE || npk__pread_full(s->fd, tr, sizeof tr, t, s->name, &e))
		return NPK_E_FORMAT;
	uint32_t mf_len = npk__ld32(tr + 8), sig_len = npk__ld32(tr + 12);
	if (memcmp(tr + 24, NPK_TRAILER_MAGIC, 8) != 0 || npk__ld64(tr + 16) != 0 ||
	    mf_len < NPK_MANIFEST_FIXED + 4 || mf_len > NPK_MANIFEST_MAX || sig_len < NPK_SIG_FIXED ||
	    sig_len > NPK_SIG_FIXED + NPK_COMMENT_MAX || (uint64_t)mf_len + sig_len > t)
		return NPK_E_FORMAT;
	uint8_t *b = malloc((size_t)mf_len + sig_len);
	if (b == NULL)
		return NPK_E_NOMEM;
	uint64_t at = t - mf_len - sig_len;
	int rc = npk__pread_full(s->fd, b, (size_t)mf_len + sig_len, at, s->name, &e);
	if (rc == NPK_OK)
		rc = signature_ok(s, b, mf_len, b + mf_len, sig_len);
	if (rc == NPK_OK) {
		free(s->signed_end);
		s->signed_end = b;
		s->found_at = at;
		s->mf_len = mf_len;
		s->sig_len = sig_len;
		s->mf_off = npk__ld64(tr);
		return rc;
	}
	free(b);
	return rc;
}

/* 7.1, 7.2, 8: the length of the manifest that starts b (n bytes) and of
 * the signature block after it, from their own fields; 0 when they do not
 * fit in b. */
static size_t manifest_extent(const uint8_t *b, size_t n, uint32_t *mf_len, uint32_t *sig_len)
{
	npk_cur c;
	npk__cur_init(&c, b, n);
	npk__cur_take(&c, NPK_MANIFEST_FIXED - 2);
	npk__cur_take(&c, npk__cur_u16(&c));
	unsigned count = npk__cur_u16(&c);
	for (unsigned i = 0; i < count && !c.bad; i++) {
		npk__cur_take(&c, 4);
		npk__cur_take(&c, npk__cur_u32(&c));
	}
	if (c.bad || c.off > NPK_MANIFEST_MAX)
		return 0;
	*mf_len = (uint32_t)c.off;
	npk__cur_take(&c, 74);
	*sig_len = NPK_SIG_FIXED + npk__cur_u16(&c);
	return c.bad || *sig_len > NPK_SIG_FIXED + NPK_COMMENT_MAX || n - *mf_len < *sig_len
	       ? 0 : *mf_len + *sig_len;
}

/* A manifest magic at off whose trailer is lost: the manifest and the
 * signature block delimit themselves; tried as the trailer after them. */
static int try_manifest(sv *s, uint64_t off, uint8_t *b)
{
	size_t cap = NPK_MANIFEST_MAX + NPK_SIG_FIXED + NPK_COMMENT_MAX;
	size_t n = s->size - off < cap ? (size_t)(s->size - off) : cap;
	uint32_t mf_len, sig_len;
	npk_error e;
	if (npk__pread_full(s->fd, b, n, off, s->name, &e) != NPK_OK ||
	    manifest_extent(b, n, &mf_len, &sig_len) == 0 || signature_ok(s, b, mf_len, b + mf_len,
	                                                                  sig_len) != NPK_OK)
		return NPK_E_FORMAT;
	uint8_t *keep = malloc((size_t)mf_len + sig_len);
	if (keep == NULL)
		return NPK_E_NOMEM;
	memcpy(keep, b, (size_t)mf_len + sig_len);
	free(s->signed_end);
	s->signed_end = keep;
	s->found_at = off;
	s->mf_len = mf_len;
	s->sig_len = sig_len;
	s->mf_off = npk__ld64(keep + 16);
	return NPK_OK;
}

/* Every manifest magic found, from the last (15.11 step 2, last). */
static int try_manifests(sv *s)
{
	uint8_t *b = malloc(NPK_MANIFEST_MAX + NPK_SIG_FIXED + NPK_COMMENT_MAX);
	if (b == NULL)
		return NPK_E_NOMEM;
	int rc = NPK_E_FORMAT;
	uint64_t lo = s->nmfs > SV_TRAIL_MAX ? s->nmfs - SV_TRAIL_MAX : 0;
	for (uint64_t k = s->nmfs; rc != NPK_OK && rc != NPK_E_NOMEM && k-- > lo;)
		rc = try_manifest(s, s->mfs[k % SV_TRAIL_MAX], b);
	free(b);
	return rc;
}

/* The places a signed trailer may be, in the order 15.11 step 1 tries
 * them: the end, the tail trailer's signed_size, then every magic found,
 * from the last; then every manifest magic, for a lost trailer. */
static int find_manifest(sv *s, npk_error *err)
{
	int rc = NPK_E_FORMAT;
	if (s->size >= NPK_HEADER_SIZE + NPK_TRAILER_SIZE)
		rc = try_trailer(s, s->size - NPK_TRAILER_SIZE);
	uint8_t tt[NPK_TRAILER_SIZE];
	npk_error e;
	if (rc != NPK_OK && s->size >= 96 &&
	    npk__pread_full(s->fd, tt, sizeof tt, s->size - NPK_TRAILER_SIZE, s->name, &e) == NPK_OK &&
	    memcmp(tt + 24, NPK_TAIL_MAGIC, 8) == 0 && npk__ld64(tt) >= 64 &&
	    npk__ld64(tt) <= s->size)
		rc = try_trailer(s, npk__ld64(tt) - NPK_TRAILER_SIZE);
	uint64_t lo = s->ntrail > SV_TRAIL_MAX ? s->ntrail - SV_TRAIL_MAX : 0;
	for (uint64_t k = s->ntrail; rc != NPK_OK && rc != NPK_E_NOMEM && k-- > lo;)
		if (s->trail[k % SV_TRAIL_MAX] >= 24)
			rc = try_trailer(s, s->trail[k % SV_TRAIL_MAX] - 24);
	if (rc != NPK_OK && rc != NPK_E_NOMEM)
		rc = try_manifests(s);
	NPK_FAIL_IF(rc == NPK_E_NOMEM, err, rc, "out of memory");
	NPK_FAIL_IF(rc != NPK_OK, err, NPK_E_SIGNATURE,
	            "%s: no manifest whose signature verifies, at the end of the file or anywhere in "
	            "it: nothing can be proven, nothing was written", s->name);
	return NPK_OK;
}

/* ---- the manifest's fields (7.1) ---- */

/* 7.2, 15.3: the extensions after the metadata; the section directory
 * marks version 1.1. */
static int take_extensions(sv *s, npk_cur *c, npk_error *err)
{
	unsigned count = npk__cur_u16(c);
	for (unsigned i = 0; i < count && !c->bad; i++) {
		uint16_t type = npk__cur_u16(c);
		npk__cur_u16(c);
		uint32_t len = npk__cur_u32(c);
		const uint8_t *data = npk__cur_take(c, len);
		s->has_link |= type == NPK_EXT_EDITION && data != NULL;
		if (type != NPK_EXT_DIRECTORY || data == NULL)
			continue;
		s->v11 = 1;
		NPK_FORWARD(npk__parse_sections(data, len, NPK_HEADER_SIZE, s->pt_off, 0, s->name,
		                                &s->secs, &s->nsecs, err));
	}
	NPK_FAIL_IF(c->bad, err, NPK_E_FORMAT, "%s: the signed manifest is truncated", s->name);
	return NPK_OK;
}

static int take_manifest(sv *s, npk_error *err)
{
	const uint8_t *m = s->signed_end;
	s->signed_size = npk__ld64(m + 8);
	s->doc_count = npk__ld64(m + 32);
	s->content_bytes = npk__ld64(m + 40);
	s->cluster_count = npk__ld32(m + 48);
	s->page_count = npk__ld32(m + 52);
	s->pt_off = npk__ld64(m + 56);
	s->pt_size = npk__ld32(m + 64);
	s->ct_size = npk__ld32(m + 68);
	memcpy(s->hd, m + 72, 32);
	memcpy(s->ptd, m + 104, 32);
	memcpy(s->ctd, m + 136, 32);
	uint64_t end;
	NPK_FAIL_IF(npk__ld64(m + 16) != s->mf_off || s->pt_off < NPK_HEADER_SIZE ||
	            s->pt_size > NPK_PAGE_TABLE_MAX || s->cluster_count > NPK_CLUSTERS_MAX ||
	            (uint64_t)s->cluster_count * NPK_CLUSTER_ENTRY_SIZE != s->ct_size ||
	            !npk__add64(s->pt_off, (uint64_t)s->pt_size + s->ct_size, &end) || end != s->mf_off ||
	            !npk__add64(s->mf_off, (uint64_t)s->mf_len + s->sig_len + NPK_TRAILER_SIZE, &end) ||
	            end != s->signed_size,
	            err, NPK_E_FORMAT, "%s: the signed manifest's offsets and sizes disagree", s->name);
	s->st->documents = s->doc_count;
	npk_cur c;
	npk__cur_init(&c, m + NPK_MANIFEST_FIXED, s->mf_len - NPK_MANIFEST_FIXED);
	npk__cur_take(&c, npk__ld16(m + 208));
	return take_extensions(s, &c, err);
}

/* ---- 15.11 step 3: header and tables ---- */

/* len bytes at off into *out (malloc'ed) when their H is digest. */
static int take_proven(sv *s, uint64_t off, uint32_t len, const uint8_t digest[32], uint8_t **out)
{
	uint64_t end;
	npk_error e;
	if (!npk__add64(off, len, &end) || end > s->size)
		return 0;
	uint8_t *b = malloc(len ? len : 1), d[32];
	if (b == NULL || npk__pread_full(s->fd, b, len, off, s->name, &e) != NPK_OK) {
		free(b);
		return 0;
	}
	npk__digest(b, len, d);
	if (!npk__digest_same(d, digest)) {
		free(b);
		return 0;
	}
	*out = b;
	return 1;
}

/* 3: the original header, the one before the tables' copy, or the header
 * a writer makes of version 1.1 or 1.0 (nothing else in it is free). */
static int prove_header(sv *s, npk_error *err)
{
	uint64_t at[2] = {0, s->found_at - (s->mf_off - s->pt_off) - NPK_HEADER_SIZE};
	for (size_t i = 0; i < 2; i++) {
		uint8_t *h = NULL;
		if (at[i] <= s->found_at && take_proven(s, at[i], NPK_HEADER_SIZE, s->hd, &h)) {
			memcpy(s->header, h, NPK_HEADER_SIZE);
			free(h);
			if (i > 0)
				note(s, "header", 0, 0, at[i], NPK_SALVAGE_MOVED);
			return NPK_OK;
		}
	}
	uint8_t d[32];
	memset(s->header, 0, NPK_HEADER_SIZE);
	memcpy(s->header, NPK_MAGIC, NPK_MAGIC_LEN);
	npk__st16(s->header + 8, 1);
	npk__st16(s->header + 10, (uint16_t)s->v11);
	npk__st32(s->header + 12, s->v11 ? NPK_REQ_CONTAINER11 : 0);
	npk__digest(s->header, NPK_HEADER_SIZE, d);
	NPK_FAIL_IF(!npk__digest_same(d, s->hd), err, NPK_E_DIGEST,
	            "%s: no header matches the signed header digest, nothing was written", s->name);
	note(s, "header", 0, 0, 0, NPK_SALVAGE_REBUILT);
	return NPK_OK;
}

/* A table (the page table: first, else the cluster table) in place or
 * just before the manifest found, when its H is the signed one. */
static int table_found(sv *s, int first, uint8_t **out)
{
	uint64_t off = first ? s->pt_off : s->pt_off + s->pt_size;
	uint32_t len = first ? s->pt_size : s->ct_size;
	const uint8_t *dg = first ? s->ptd : s->ctd;
	const char *what = first ? "page table" : "cluster table";
	uint64_t moved = s->found_at - (s->mf_off - off);
	if (take_proven(s, off, len, dg, out))
		return 1;
	if (moved <= s->found_at && moved != off && take_proven(s, moved, len, dg, out)) {
		note(s, what, 0, off, moved, NPK_SALVAGE_MOVED);
		return 1;
	}
	return 0;
}

static uint64_t rec_key(int ord, const sv_obj *o)
{
	return ord == SV_NUM ? (uint64_t)o->page << 32 | o->number : o->len;
}

static int rec_cmp(int ord, const sv_obj *x, const sv_obj *y)
{
	uint64_t a = rec_key(ord, x), b = rec_key(ord, y);
	if (a != b)
		return a < b ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off;
}

static int num_cmp(const void *a, const void *b)
{
	return rec_cmp(SV_NUM, a, b);
}

static int len_cmp(const void *a, const void *b)
{
	return rec_cmp(SV_LEN, a, b);
}

static int by_number(const void *a, const void *b, const void *ctx)
{
	const sv_obj *o = ctx;
	return rec_cmp(SV_NUM, &o[*(const uint32_t *)a], &o[*(const uint32_t *)b]);
}

static int by_len(const void *a, const void *b, const void *ctx)
{
	const sv_obj *o = ctx;
	return rec_cmp(SV_LEN, &o[*(const uint32_t *)a], &o[*(const uint32_t *)b]);
}

/* qsort with a context, without qsort_r (not C11): insertion into runs
 * merged bottom-up, O(n log n). */
static void sort_idx(uint32_t *v, size_t n, const sv_obj *o,
                     int (*cmp)(const void *, const void *, const void *), uint32_t *tmp)
{
	for (size_t w = 1; w < n; w *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * w) {
			size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
			size_t i = lo, j = mid, k = lo;
			while (i < mid || j < hi)
				tmp[k++] = j >= hi || (i < mid && cmp(&v[i], &v[j], o) <= 0) ? v[i++]
				                                                                   : v[j++];
		}
		memcpy(v, tmp, n * sizeof *v);
	}
}

/* The tiling of the objects found (2, rule 4; 15.4): from offset 32, in
 * the order found, each object where the one before it ends (and over
 * the directory's sections); an object that starts inside the one before
 * it lies inside it and takes no place. Inserted or deleted bytes between
 * objects, or inside a damaged one, do not move what follows them. */
typedef struct sv_tiling {
	uint64_t pos, end;
	uint32_t k;
} sv_tiling;

static void tile_one(const sv *s, sv_tiling *t, sv_obj *o)
{
	if (o->off < t->end)
		return;
	for (; t->k < s->nsecs && s->secs[t->k].off <= t->pos; t->k++)
		if (s->secs[t->k].off == t->pos)
			t->pos += s->secs[t->k].len;
	o->tiled = t->pos;
	t->pos += o->len;
	t->end = o->off + o->len;
}

static int index_in_memory(sv *s, npk_error *err)
{
	size_t n = s->nobj ? (size_t)s->nobj : 1;
	uint32_t *tmp = malloc(n * sizeof *tmp);
	s->by_num = malloc(n * sizeof *s->by_num);
	s->by_len = malloc(n * sizeof *s->by_len);
	if (tmp == NULL || s->by_num == NULL || s->by_len == NULL) {
		free(tmp);
		return npk__fail(err, NPK_E_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < s->nobj; i++)
		s->by_num[i] = s->by_len[i] = (uint32_t)i;
	sort_idx(s->by_num, (size_t)s->nobj, s->obj, by_number, tmp);
	sort_idx(s->by_len, (size_t)s->nobj, s->obj, by_len, tmp);
	free(tmp);
	sv_tiling t = {NPK_HEADER_SIZE, 0, 0};
	for (size_t i = 0; i < s->nobj; i++)
		tile_one(s, &t, &s->obj[i]);
	return NPK_OK;
}

/* ---- beyond the budget: the records sorted on disk ---- */

/* The records of area src, cap at a time, sorted into order ord in obj
 * and written to area dst; tiled on the way when they are read in the
 * order found. */
static int make_runs(sv *s, int ord, uint64_t src, uint64_t dst, int tiling, npk_error *err)
{
	sv_tiling t = {NPK_HEADER_SIZE, 0, 0};
	uint64_t n = s->nobj;
	for (uint64_t i = 0; i < n; i += s->cap) {
		size_t c = n - i < s->cap ? (size_t)(n - i) : s->cap;
		NPK_FORWARD(rec_read(s, src * n + i, s->obj, c, err));
		for (size_t j = 0; tiling && j < c; j++)
			tile_one(s, &t, &s->obj[j]);
		qsort(s->obj, c, sizeof *s->obj, ord == SV_NUM ? num_cmp : len_cmp);
		NPK_FORWARD(rec_write(s, dst * n + i, s->obj, c, err));
	}
	return NPK_OK;
}

/* A merge splits obj into slots of w records: one per run merged (fan)
 * and one for its output; at least 1 record each. */
static size_t merge_width(const sv *s)
{
	size_t w = s->cap / (SV_FANIN + 1);
	return w ? w : 1;
}

static size_t merge_fan(const sv *s)
{
	size_t k = s->cap / merge_width(s) - 1;
	return k < SV_FANIN ? k : SV_FANIN;
}

/* A run being merged: records next to end of its area are still to be
 * read; slot[cur, len) are read. */
typedef struct sv_run {
	uint64_t next, end;
	size_t cur, len;
} sv_run;

static int run_fill(sv *s, sv_run *r, sv_obj *slot, uint64_t area, npk_error *err)
{
	size_t w = merge_width(s);
	r->cur = 0;
	r->len = r->end - r->next < w ? (size_t)(r->end - r->next) : w;
	if (r->len > 0)
		NPK_FORWARD(rec_read(s, area * s->nobj + r->next, slot, r->len, err));
	r->next += r->len;
	return NPK_OK;
}

/* The run of r (of k) whose next record comes first in order ord; k
 * when all are done. */
static size_t run_first(const sv *s, int ord, const sv_run *r, size_t k)
{
	size_t w = merge_width(s), best = k;
	for (size_t j = 0; j < k; j++)
		if (r[j].cur < r[j].len &&
		    (best == k || rec_cmp(ord, &s->obj[j * w + r[j].cur],
		                          &s->obj[best * w + r[best].cur]) < 0))
			best = j;
	return best;
}

/* The runs of run records from record first of area from, merge_fan of
 * them, merged into one at the same place of area to. */
static int merge_group(sv *s, int ord, uint64_t from, uint64_t to, uint64_t first, uint64_t run,
                       npk_error *err)
{
	size_t w = merge_width(s), k = merge_fan(s), nout = 0, j;
	sv_run r[SV_FANIN];
	sv_obj *out = s->obj + k * w;
	uint64_t at = to * s->nobj + first;
	for (j = 0; j < k; j++) {
		uint64_t b = first + j * run < s->nobj ? first + j * run : s->nobj;
		r[j] = (sv_run){b, b + (s->nobj - b < run ? s->nobj - b : run), 0, 0};
		NPK_FORWARD(run_fill(s, &r[j], s->obj + j * w, from, err));
	}
	while ((j = run_first(s, ord, r, k)) < k) {
		out[nout++] = s->obj[j * w + r[j].cur++];
		if (r[j].cur == r[j].len)
			NPK_FORWARD(run_fill(s, &r[j], s->obj + j * w, from, err));
		if (nout == w) {
			NPK_FORWARD(rec_write(s, at, out, nout, err));
			at += nout;
			nout = 0;
		}
	}
	return rec_write(s, at, out, nout, err);
}

/* Sorts the records of area src into order ord: runs of cap records
 * sorted in memory into area a, then merged merge_fan at a time from a
 * to b, pass after pass (swapping a and b) until one run is left; the
 * first sort, from the order found, tiles them. s->area[ord] is where
 * they end. */
static int ext_sort(sv *s, int ord, uint64_t src, uint64_t a, uint64_t b, npk_error *err)
{
	NPK_FORWARD(make_runs(s, ord, src, a, src == SV_OFF && ord == SV_NUM, err));
	uint64_t k = merge_fan(s);
	for (uint64_t run = s->cap; run < s->nobj; run = run > s->nobj / k ? s->nobj : run * k) {
		for (uint64_t first = 0; first < s->nobj; first += run * k)
			NPK_FORWARD(merge_group(s, ord, a, b, first, run, err));
		uint64_t t = a;
		a = b;
		b = t;
	}
	s->area[ord] = a;
	return NPK_OK;
}

/* The key of every stride-th record of order ord, SV_SAMPLES at most,
 * which narrow a lookup to stride records. */
static int take_keys(sv *s, int ord, npk_error *err)
{
	uint64_t most = s->cap < SV_SAMPLES ? s->cap : SV_SAMPLES;
	s->stride = (s->nobj + most - 1) / most;
	s->nkeys = (s->nobj + s->stride - 1) / s->stride;
	s->keys[ord] = malloc((size_t)s->nkeys * sizeof *s->keys[ord]);
	NPK_FAIL_IF(s->keys[ord] == NULL, err, NPK_E_NOMEM, "out of memory");
	for (uint64_t k = 0; k < s->nkeys; k++) {
		sv_obj o;
		NPK_FORWARD(rec_read(s, s->area[ord] * s->nobj + k * s->stride, &o, 1, err));
		s->keys[ord][k] = rec_key(ord, &o);
	}
	return NPK_OK;
}

/* The records in the file (three areas of nobj records), one copy by
 * number and one by length. The records carry the digest cache, so an
 * object may be hashed once in each copy: at most twice, to keep memory
 * bounded. */
static int index_on_disk(sv *s, npk_error *err)
{
	NPK_FORWARD(ext_sort(s, SV_NUM, SV_OFF, SV_OFF, 1, err));
	uint64_t x = s->area[SV_NUM], a = x == 0 ? 1 : 0, b = 3 - x - a;
	NPK_FORWARD(ext_sort(s, SV_LEN, x, a, b, err));
	NPK_FORWARD(take_keys(s, SV_NUM, err));
	NPK_FORWARD(take_keys(s, SV_LEN, err));
	free(s->obj);
	s->obj = NULL;
	s->wlen = s->cap < SV_WIN ? s->cap : SV_WIN;
	s->win = malloc(SV_WINDOWS * s->wlen * sizeof *s->win);
	NPK_FAIL_IF(s->win == NULL, err, NPK_E_NOMEM, "out of memory");
	for (unsigned w = 0; w < SV_WINDOWS; w++)
		s->win_at[w] = SV_NONE;
	return NPK_OK;
}

static int index_objects(sv *s, npk_error *err)
{
	return s->rf >= 0 ? index_on_disk(s, err) : index_in_memory(s, err);
}

/* ---- the lookups, the same in memory and on disk ---- */

/* Window w back to the file when digests were computed in it. */
static int win_flush(sv *s, unsigned w)
{
	if (s->rerr.code != NPK_OK)
		return s->rerr.code;
	if (!s->win_dirty[w])
		return NPK_OK;
	s->win_dirty[w] = 0;
	return rec_write(s, s->win_at[w], s->win + w * s->wlen, s->win_n[w], &s->rerr);
}

/* Record i of order ord in the file, through the windows; NULL when a
 * read failed (s->rerr says which). Valid until the next call. */
static const sv_obj *win_get(sv *s, int ord, uint64_t i)
{
	uint64_t first = i / s->wlen * s->wlen, at = s->area[ord] * s->nobj + first;
	unsigned w = 0;
	while (w < SV_WINDOWS && s->win_at[w] != at)
		w++;
	if (w == SV_WINDOWS) {
		w = s->win_next++ % SV_WINDOWS;
		if (win_flush(s, w) != NPK_OK)
			return NULL;
		s->win_n[w] = s->nobj - first < s->wlen ? (size_t)(s->nobj - first) : s->wlen;
		s->win_at[w] = SV_NONE;
		if (rec_read(s, at, s->win + w * s->wlen, s->win_n[w], &s->rerr) != NPK_OK)
			return NULL;
		s->win_at[w] = at;
	}
	return &s->win[w * s->wlen + (size_t)(i - first)];
}

/* Record i of order ord, a copy; 0 when it cannot be read. */
static int rec_get(sv *s, int ord, uint64_t i, sv_rec *r)
{
	if (s->rf < 0) {
		r->at = (ord == SV_NUM ? s->by_num : s->by_len)[i];
		r->o = s->obj[r->at];
		return 1;
	}
	const sv_obj *o = win_get(s, ord, i);
	if (o == NULL)
		return 0;
	r->o = *o;
	r->at = s->area[ord] * s->nobj + i;
	return 1;
}

/* r back where it was read (its digest computed). */
static void rec_put(sv *s, const sv_rec *r)
{
	if (s->rf < 0) {
		s->obj[r->at] = r->o;
		return;
	}
	for (unsigned w = 0; w < SV_WINDOWS; w++)
		if (s->win_at[w] != SV_NONE && r->at - s->win_at[w] < s->win_n[w]) {
			s->win[w * s->wlen + (size_t)(r->at - s->win_at[w])] = r->o;
			s->win_dirty[w] = 1;
			return;
		}
	if (s->rerr.code == NPK_OK)
		rec_write(s, r->at, &r->o, 1, &s->rerr);
}

/* rc, unless a read or write of the record file failed (the lookups then
 * found nothing): that error. */
static int rec_checked(sv *s, int rc, npk_error *err)
{
	if (s->rerr.code == NPK_OK)
		return rc;
	*err = s->rerr;
	return s->rerr.code;
}

/* [*lo, *hi) narrowed by the keys kept to where the first record of
 * order ord with a key of at least key lies. */
static void narrow(const sv *s, int ord, uint64_t key, uint64_t *lo, uint64_t *hi)
{
	uint64_t a = 0, b = s->nkeys;
	while (a < b) {
		uint64_t mid = a + (b - a) / 2;
		if (s->keys[ord][mid] < key)
			a = mid + 1;
		else
			b = mid;
	}
	*lo = a ? (a - 1) * s->stride + 1 : 0;
	*hi = a < s->nkeys ? a * s->stride : s->nobj;
}

/* The first record of order ord whose key is at least key (nobj when a
 * read failed). */
static uint64_t lower_bound(sv *s, int ord, uint64_t key)
{
	uint64_t lo = 0, hi = s->nobj;
	sv_rec r;
	if (s->rf >= 0)
		narrow(s, ord, key, &lo, &hi);
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		if (!rec_get(s, ord, mid, &r))
			return s->nobj;
		if (rec_key(ord, &r.o) < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The first object found with this kind and number that the tiling
 * keeps (else the first found) into *out; 0 when there is none. */
static int object_numbered(sv *s, int page, uint32_t number, sv_rec *out)
{
	uint64_t key = (uint64_t)page << 32 | number;
	int found = 0;
	sv_rec r;
	for (uint64_t i = lower_bound(s, SV_NUM, key); i < s->nobj; i++) {
		if (!rec_get(s, SV_NUM, i, &r) || rec_key(SV_NUM, &r.o) != key)
			break;
		if (r.o.tiled != SV_NONE || !found)
			*out = r;
		if (r.o.tiled != SV_NONE)
			return 1;
		found = 1;
	}
	return found;
}

/* H of the object of r, computed once (stored back); NULL when it cannot
 * be read. */
static const uint8_t *obj_digest(sv *s, sv_rec *r)
{
	npk_error e;
	if (r->o.hashed == 0) {
		r->o.hashed = hash_at(s, r->o.off, r->o.len, r->o.digest, &e) == NPK_OK ? 1 : 2;
		rec_put(s, r);
	}
	return r->o.hashed == 1 ? r->o.digest : NULL;
}

/* The first object found of length len whose H is digest, wherever it
 * lies, into *out; 0 when there is none. H covers the object's header,
 * so every object that matches has the kind and number of the one signed:
 * those found with the number expected (page, number) come first (by
 * offset: the same answer), which spares hashing every other object of
 * that length, many at small cluster sizes. */
static int object_digest(sv *s, int page, uint32_t number, uint32_t len,
                         const uint8_t digest[32], sv_rec *out)
{
	uint64_t key = (uint64_t)page << 32 | number;
	for (uint64_t i = lower_bound(s, SV_NUM, key); i < s->nobj; i++) {
		if (!rec_get(s, SV_NUM, i, out) || rec_key(SV_NUM, &out->o) != key)
			break;
		const uint8_t *d = out->o.len == len ? obj_digest(s, out) : NULL;
		if (d != NULL && memcmp(d, digest, 32) == 0)
			return 1;
	}
	for (uint64_t i = lower_bound(s, SV_LEN, len); i < s->nobj; i++) {
		if (!rec_get(s, SV_LEN, i, out) || out->o.len != len)
			return 0;
		const uint8_t *d = obj_digest(s, out);
		if (d != NULL && memcmp(d, digest, 32) == 0)
			return 1;
	}
	return 0;
}

/* 6.2 rebuilt: one entry per cluster number from the objects found, at
 * the offsets found (tiled: at the tiling's), kept when its H is the
 * signed one. */
static int rebuild_clusters(sv *s, int tiled)
{
	uint8_t *b = malloc(s->ct_size ? s->ct_size : 1), d[32];
	if (b == NULL)
		return 0;
	for (uint32_t i = 0; i < s->cluster_count; i++) {
		sv_rec r;
		uint8_t *e = b + (size_t)i * NPK_CLUSTER_ENTRY_SIZE;
		if (!object_numbered(s, 0, i, &r) || (tiled && r.o.tiled == SV_NONE) ||
		    obj_digest(s, &r) == NULL) {
			free(b);
			return 0;
		}
		npk__st64(e, tiled ? r.o.tiled : r.o.off);
		npk__st32(e + 8, r.o.len);
		npk__st32(e + 12, r.o.raw);
		memcpy(e + 16, r.o.digest, 32);
	}
	npk__digest(b, s->ct_size, d);
	if (!npk__digest_same(d, s->ctd)) {
		free(b);
		return 0;
	}
	s->ct = b;
	return 1;
}

/* The path of the first entry of page object o (5.2, 15.7), decoded,
 * into buf (at least NPK_PATH_MAX bytes); its length, or -1. */
static int first_path(sv *s, const sv_obj *o, uint8_t *raw, char *buf)
{
	uint8_t *io = malloc(o->len);
	npk_error e;
	int n = -1;
	if (io == NULL || npk__pread_full(s->fd, io, o->len, o->off, s->name, &e) != NPK_OK ||
	    npk__decompress(s->dec, o->codec, io + NPK_OBJ_HEADER_SIZE, o->len - NPK_OBJ_HEADER_SIZE,
	                    raw, o->raw, "index page", &e) != NPK_OK)
		goto out;
	npk_cur c;
	npk_raw_entry x = {0};
	npk__cur_init(&c, raw, o->raw);
	if (o->flags & NPK_PAGE_FLAG_V11) {
		npk__take_entry11(&c, &x);
	} else {
		x.plen = npk__cur_u16(&c);
		x.path = npk__cur_take(&c, x.plen);
	}
	if (x.path != NULL && x.plen >= 1 && x.plen <= NPK_PATH_MAX) {
		memcpy(buf, x.path, x.plen);
		n = x.plen;
	}
out:
	free(io);
	return n;
}

/* One page table entry (6.1) for the page object of r. */
static int put_page_ref(sv *s, npk_buf *b, sv_rec *r, uint64_t ordinal, int tiled,
                        uint8_t *raw, char *path)
{
	const sv_obj *o = &r->o;
	int plen = first_path(s, o, raw, path);
	if (plen < 0 || obj_digest(s, r) == NULL)
		return -1;
	return npk__buf_u64(b, tiled ? o->tiled : o->off) || npk__buf_u32(b, o->len) ||
	       npk__buf_u32(b, o->raw) || npk__buf_u64(b, ordinal) || npk__buf_u32(b, o->count) ||
	       npk__buf_put(b, o->digest, 32) || npk__buf_u16(b, (uint16_t)plen) ||
	       npk__buf_put(b, path, (size_t)plen);
}

/* 6.1 rebuilt, as rebuild_clusters does: the ordinals add up the
 * counts, the first paths are decoded from the pages. */
static int rebuild_pages(sv *s, int tiled)
{
	npk_buf b = {0};
	uint8_t *raw = malloc(NPK_PAGE_RAW_MAX), d[32];
	char *path = malloc(NPK_PATH_MAX);
	uint64_t ordinal = 0;
	int ok = raw != NULL && path != NULL;
	for (uint32_t k = 0; k < s->page_count && ok; k++) {
		sv_rec r;
		ok = object_numbered(s, 1, k, &r) && !(tiled && r.o.tiled == SV_NONE) &&
		     put_page_ref(s, &b, &r, ordinal, tiled, raw, path) == 0;
		ordinal += ok ? r.o.count : 0;
	}
	free(raw);
	free(path);
	if (ok && b.len == s->pt_size) {
		npk__digest(b.p, b.len, d);
		if (npk__digest_same(d, s->ptd)) {
			s->pt = b.p ? b.p : malloc(1);
			return s->pt != NULL;
		}
	}
	npk__buf_free(&b);
	return 0;
}

/* The raw size of each of the clusters that are not found, so that all
 * add up to content_bytes (6.2) when they can (else 1: the reader takes
 * an unproven table whose sizes do not add up); 0 when one would exceed
 * 64 MiB. *last: the last one's. */
static uint64_t missing_raw(sv *s, uint64_t *last)
{
	uint64_t known = 0, missing = 0;
	for (uint32_t i = 0; i < s->cluster_count; i++) {
		sv_rec r;
		int found = object_numbered(s, 0, i, &r);
		known += found ? r.o.raw : 0;
		missing += !found;
	}
	if (missing == 0 || known + missing > s->content_bytes)
		return *last = 1;
	uint64_t each = (s->content_bytes - known) / missing;
	*last = s->content_bytes - known - each * (missing - 1);
	return each <= NPK_CLUSTER_RAW_MAX && *last <= NPK_CLUSTER_RAW_MAX ? each : 0;
}

/* 15.11, "Unproven cluster table": for cluster i the object found with
 * that number (the tiling's first), placed after the signed part, back to
 * back; a number not found gets 24 zero bytes, which no reader takes. Only
 * the documents' own digests then prove anything. */
static int unproven_clusters(sv *s)
{
	uint64_t last = 0, each = missing_raw(s, &last), off = s->signed_size, seen = 0;
	uint8_t *b = malloc(s->ct_size ? s->ct_size : 1);
	if (each == 0 || b == NULL) {
		free(b);
		return 0;
	}
	uint64_t missing = 0;
	sv_rec r;
	for (uint32_t i = 0; i < s->cluster_count; i++)
		missing += !object_numbered(s, 0, i, &r);
	for (uint32_t i = 0; i < s->cluster_count; i++) {
		int found = object_numbered(s, 0, i, &r);
		uint8_t *e = b + (size_t)i * NPK_CLUSTER_ENTRY_SIZE;
		seen += !found;
		uint32_t len = found ? r.o.len : NPK_OBJ_HEADER_SIZE;
		npk__st64(e, off);
		npk__st32(e + 8, len);
		npk__st32(e + 12, found ? r.o.raw : (uint32_t)(seen == missing ? last : each));
		memset(e + 16, 0, 32);
		off += len;
	}
	s->ct = b;
	s->ct_unproven = 1;
	s->ct_end = off;
	return 1;
}

/* 15.11 step 3 for one table: found, else rebuilt (the offsets found,
 * then the tiling's); else lost, or for the cluster table unproven. */
static int prove_table(sv *s, int first, npk_error *err)
{
	const char *what = first ? "page table" : "cluster table";
	uint8_t **out = first ? &s->pt : &s->ct;
	uint64_t off = first ? s->pt_off : s->pt_off + s->pt_size;
	if (table_found(s, first, out))
		return NPK_OK;
	for (int tiled = 0; tiled < 2; tiled++)
		if (first ? rebuild_pages(s, tiled) : rebuild_clusters(s, tiled)) {
			note(s, what, 0, off, off, NPK_SALVAGE_REBUILT);
			return NPK_OK;
		}
	if (!first && unproven_clusters(s)) {
		note(s, what, 0, off, off, NPK_SALVAGE_UNPROVEN);
		return NPK_OK;
	}
	note(s, what, 0, off, off, NPK_SALVAGE_LOST);
	return npk__fail(err, NPK_E_DIGEST,
	                 "%s: the %s is damaged and cannot be rebuilt from the objects found (%s), "
	                 "nothing was written", s->name, what,
	                 first ? "no document can be proven without it"
	                       : "its clusters are damaged or lost");
}

/* ---- 15.11 step 4: the proven archive, put back together ---- */

/* len bytes of the archive at from, to the salvage file at to. */
static int copy_object(sv *s, int fd, uint64_t from, uint64_t to, uint64_t len, npk_error *err)
{
	for (uint64_t done = 0; done < len;) {
		size_t n = len - done < SV_HASH_BUF ? (size_t)(len - done) : SV_HASH_BUF;
		NPK_FORWARD(npk__pread_full(s->fd, s->hbuf, n, from + done, s->name, err));
		NPK_FORWARD(npk__pwrite_full(fd, s->hbuf, n, to + done, "the salvage file", err));
		done += n;
	}
	return NPK_OK;
}

/* The object of table entry (off, len, digest) into fd at off, from
 * wherever it was found; a note when moved or lost. */
static int place_object(sv *s, int fd, const char *what, uint32_t number, uint64_t off,
                        uint32_t len, const uint8_t digest[32], npk_error *err)
{
	sv_rec r;
	if (!object_digest(s, strcmp(what, "cluster") != 0, number, len, digest, &r)) {
		note(s, what, number, off, off, NPK_SALVAGE_LOST);
		return NPK_OK;
	}
	if (r.o.off != off)
		note(s, what, number, off, r.o.off, NPK_SALVAGE_MOVED);
	return copy_object(s, fd, r.o.off, off, len, err);
}

/* Cluster i of an unproven table: the object found with its number, at
 * the table's offset (unproven_clusters), or zeros. */
static int place_unproven(sv *s, int fd, uint32_t i, uint64_t off, uint32_t len, npk_error *err)
{
	sv_rec r;
	if (!object_numbered(s, 0, i, &r) || r.o.len != len) {
		note(s, "cluster", i, off, off, NPK_SALVAGE_LOST);
		return NPK_OK;
	}
	return copy_object(s, fd, r.o.off, off, len, err);
}

static int place_objects(sv *s, int fd, npk_error *err)
{
	npk_cur c;
	npk__cur_init(&c, s->pt, s->pt_size);
	for (uint32_t k = 0; k < s->page_count; k++) {
		uint64_t off = npk__cur_u64(&c);
		uint32_t len = npk__cur_u32(&c);
		npk__cur_take(&c, 16);
		const uint8_t *dg = npk__cur_take(&c, 32);
		npk__cur_take(&c, npk__cur_u16(&c));
		/* a signed table that does not parse: npk_reader_open names it */
		if (c.bad || len > s->signed_size || off > s->signed_size - len)
			return NPK_OK;
		NPK_FORWARD(place_object(s, fd, "index page", k, off, len, dg, err));
	}
	for (uint32_t i = 0; i < s->cluster_count; i++) {
		const uint8_t *e = s->ct + (size_t)i * NPK_CLUSTER_ENTRY_SIZE;
		uint64_t off = npk__ld64(e);
		uint32_t len = npk__ld32(e + 8);
		if (s->ct_unproven) {
			NPK_FORWARD(place_unproven(s, fd, i, off, len, err));
			continue;
		}
		if (len > s->signed_size || off > s->signed_size - len)
			return NPK_OK;
		NPK_FORWARD(place_object(s, fd, "cluster", i, off, len, e + 16, err));
	}
	return NPK_OK;
}

/* The sections a reader needs besides the objects: a sealed archive's
 * seal (15.17), to open it; the compression dictionary (15.18), to
 * decode the clusters of codec 3; an edition's tree section and filters
 * (15.15), which its chain's checks read. Each at its place, else its
 * survival copy (15.9; the seal and the dictionary have one), taken only
 * when its digest is the directory's; lost otherwise (the reader then
 * says so). The others are not needed to extract. */
static const char *needed_section(const sv *s, const npk_section *d)
{
	int edition = s->has_link;
	if (d->type == NPK_SECTION_SEAL && d->len <= (64u << 20) + (1u << 23))
		return "seal";
	/* (sealed, its chunks add a little to the largest plaintext) */
	if (d->type == NPK_SECTION_DICT && d->len <= NPK_DICT_HEADER + NPK_DICT_MAX + (1u << 16))
		return "compression dictionary";
	if (!edition || d->len > (256u << 20))
		return NULL;
	return d->type == NPK_SECTION_TREE ? "Merkle tree section"
	       : d->type == NPK_SECTION_PATHS ? "path filter"
	       : d->type == NPK_SECTION_FOLDERS ? "folder filter" : NULL;
}

static int place_sections(sv *s, int fd, npk_error *err)
{
	for (uint32_t i = 0; i < s->nsecs; i++) {
		const npk_section *d = &s->secs[i];
		const char *what = needed_section(s, d);
		if (what == NULL)
			continue;
		uint8_t *b = NULL;
		uint64_t found = d->off;
		if (!take_proven(s, d->off, (uint32_t)d->len, d->digest, &b)) {
			npk__copies c;
			npk_error e2 = {0};
			if (npk__copies_find(s->fd, s->size, s->name, 1, &c, &e2) == NPK_OK)
				for (uint32_t k = 0; k < c.count && b == NULL; k++)
					if (c.ext[k].off == d->off && c.ext[k].len == d->len &&
					    take_proven(s, c.ext[k].pos, (uint32_t)d->len, d->digest, &b))
						found = c.ext[k].pos;
		}
		if (b == NULL) {
			note(s, what, 0, d->off, 0, NPK_SALVAGE_LOST);
			continue;
		}
		if (found != d->off)
			note(s, what, 0, d->off, found, NPK_SALVAGE_MOVED);
		int rc = npk__pwrite_full(fd, b, (size_t)d->len, d->off, "the salvage file", err);
		free(b);
		NPK_FORWARD(rc);
	}
	return NPK_OK;
}

/* Unproven clusters lie after the signed part: a tail (15.5) with an
 * empty directory after them, which extract does not read. */
static int write_tail(sv *s, int fd, npk_error *err)
{
	if (!s->ct_unproven)
		return NPK_OK;
	uint8_t t[4 + NPK_TRAILER_SIZE] = {0};
	npk__st64(t + 4, s->signed_size);
	npk__st64(t + 12, s->ct_end);
	npk__st32(t + 20, 4);
	memcpy(t + 28, NPK_TAIL_MAGIC, 8);
	return npk__pwrite_full(fd, t, sizeof t, s->ct_end, "the salvage file", err);
}

/* The signed part as it was written (2), from the proven pieces; what
 * was not found stays zero, which its digest refuses. */
static int write_proven(sv *s, int fd, npk_error *err)
{
	uint8_t tr[NPK_TRAILER_SIZE] = {0};
	npk__st64(tr, s->mf_off);
	npk__st32(tr + 8, s->mf_len);
	npk__st32(tr + 12, s->sig_len);
	memcpy(tr + 24, NPK_TRAILER_MAGIC, 8);
	uint64_t size = s->ct_unproven ? s->ct_end + 4 + NPK_TRAILER_SIZE : s->signed_size;
	NPK_FAIL_IF(ftruncate(fd, (off_t)size) != 0, err, NPK_E_IO,
	            "the salvage file: %s", strerror(errno));
	NPK_FORWARD(write_tail(s, fd, err));
	NPK_FORWARD(npk__pwrite_full(fd, s->header, NPK_HEADER_SIZE, 0, "the salvage file", err));
	NPK_FORWARD(place_objects(s, fd, err));
	NPK_FORWARD(place_sections(s, fd, err));
	NPK_FORWARD(npk__pwrite_full(fd, s->pt, s->pt_size, s->pt_off, "the salvage file", err));
	NPK_FORWARD(npk__pwrite_full(fd, s->ct, s->ct_size, s->pt_off + s->pt_size,
	                             "the salvage file", err));
	NPK_FORWARD(npk__pwrite_full(fd, s->signed_end, (size_t)s->mf_len + s->sig_len, s->mf_off,
	                             "the salvage file", err));
	return npk__pwrite_full(fd, tr, sizeof tr, s->signed_size - NPK_TRAILER_SIZE,
	                        "the salvage file", err);
}

/* The records are not needed once the proven archive is written: their
 * memory (and file) is not held while it is extracted. */
static void records_free(sv *s)
{
	if (s->rf >= 0)
		close(s->rf);
	s->rf = -1;
	free(s->obj);
	free(s->by_num);
	free(s->by_len);
	free(s->keys[SV_NUM]);
	free(s->keys[SV_LEN]);
	free(s->win);
	s->obj = s->win = NULL;
	s->by_num = s->by_len = NULL;
	s->keys[SV_NUM] = s->keys[SV_LEN] = NULL;
}

/* Writes the proven archive to a temporary file in dir, opens it (and
 * removes its name: the reader keeps it open), and extracts it. */
static int extract_proven(sv *s, const char *dir, npk_error *err)
{
	char *tmp = NULL;
	int fd = -1;
	NPK_FORWARD(make_temp(dir, &tmp, &fd, err));
	npk_reader *r = NULL;
	int rc = rec_checked(s, write_proven(s, fd, err), err);
	close(fd);
	/* the reader reads the tables from the file: no second copy */
	records_free(s);
	free(s->pt);
	free(s->ct);
	s->pt = s->ct = NULL;
	if (rc == NPK_OK)
		rc = s->ct_unproven ? npk__reader_open_unproven(tmp, s->o->trust, &r, err)
		                    : npk_reader_open(tmp, s->o->trust, 1, &r, err);
	unlink(tmp);
	free(tmp);
	if (rc == NPK_OK && (rc = npk__reader_set_name(r, s->name)) != NPK_OK)
		npk__fail(err, rc, "out of memory");
	/* 15.15: an edition's earlier files are beside the archive salvaged,
	 * not beside the proven copy */
	if (rc == NPK_OK)
		rc = npk__chain_set_dir(r, s->name, err);
	/* 15.17: a sealed archive is opened with the keys given; its count
	 * of documents is the sealed manifest's */
	if (rc == NPK_OK)
		rc = npk_reader_unseal(r, s->o->keys, err);
	/* an edition's documents are its chain's state there, which extract
	 * writes: counted as a listing shows them */
	if (rc == NPK_OK && npk__reader_chain(r) != NULL) {
		s->st->documents = 0;
		rc = npk_reader_list(r, count_document, &s->st->documents, err);
	} else if (rc == NPK_OK) {
		npk_info in;
		npk_reader_info(r, &in);
		s->st->documents = in.documents;
	}
	if (rc != NPK_OK) {
		npk_reader_free(r);
		return npk__wrap(err, rc, "%s: the proven parts: ", s->name);
	}
	npk_extract_opts xo = s->o->extract;
	xo.make_dir = 1;
	rc = npk_extract(r, dir, NULL, 0, &xo, &s->st->written, err);
	npk_reader_free(r);
	return rc;
}

static void sv_free(sv *s)
{
	if (s->fd >= 0)
		close(s->fd);
	records_free(s);
	free(s->hbuf);
	free(s->signed_end);
	free(s->secs);
	free(s->pt);
	free(s->ct);
	npk__decoder_free(s->dec);
}

static int open_archive(sv *s, npk_error *err)
{
	s->fd = open(s->name, O_RDONLY | O_CLOEXEC);
	NPK_FAIL_IF(s->fd < 0, err, errno == ENOENT ? NPK_E_NOTFOUND : NPK_E_IO, "%s: %s", s->name,
	            strerror(errno));
	struct stat st;
	NPK_FAIL_IF(fstat(s->fd, &st) != 0 || !S_ISREG(st.st_mode), err, NPK_E_IO,
	            "%s: not a regular file", s->name);
	s->size = (uint64_t)st.st_size;
	s->hbuf = malloc(SV_HASH_BUF);
	s->dec = npk__decoder_new();
	NPK_FAIL_IF(s->hbuf == NULL || s->dec == NULL, err, NPK_E_NOMEM, "out of memory");
	return NPK_OK;
}

static int untrusted(const sv *s, npk_error *err)
{
	char id[17], fp[NPK_FINGERPRINT_LEN];
	npk_keyid_format(s->st->key_id, id);
	npk_fingerprint_format(s->st->signer, fp);
	return npk__fail(err, NPK_E_UNTRUSTED,
	                 "%s: valid signature by a key claiming to be key %s, which is not trusted "
	                 "(fingerprint %s)", s->name, id, fp);
}

int npk_salvage(const char *path, const char *dir, const npk_salvage_opts *opts,
                npk_salvage_stats *stats, npk_error *err)
{
	NPK_FORWARD(npk__init(err));
	NPK_FAIL_IF(path == NULL || dir == NULL, err, NPK_E_ARG, "salvage: no archive or no folder");
	npk_salvage_stats dummy;
	static const npk_salvage_opts none;
	sv s = {.fd = -1, .name = path, .o = opts ? opts : &none, .st = stats ? stats : &dummy,
	        .dir = dir, .rf = -1, .budget = SV_MEM_RECORDS};
	if (s.o->record_budget > 0 && s.o->record_budget < SV_MEM_RECORDS)
		s.budget = s.o->record_budget;
	memset(s.st, 0, sizeof *s.st);
	int rc;
	NPK_FORWARD_GOTO(rc, open_archive(&s, err), out);
	NPK_FORWARD_GOTO(rc, scan(&s, err), out);
	NPK_FORWARD_GOTO(rc, find_manifest(&s, err), out);
	if (!s.st->trusted && !s.o->allow_untrusted) {
		rc = untrusted(&s, err);
		goto out;
	}
	if (s.found_at != s.mf_off)
		note(&s, "manifest", 0, s.mf_off, s.found_at, NPK_SALVAGE_MOVED);
	NPK_FORWARD_GOTO(rc, take_manifest(&s, err), out);
	NPK_FORWARD_GOTO(rc, index_objects(&s, err), out);
	NPK_FORWARD_GOTO(rc, prove_header(&s, err), out);
	NPK_FORWARD_GOTO(rc, rec_checked(&s, prove_table(&s, 1, err), err), out);
	NPK_FORWARD_GOTO(rc, rec_checked(&s, prove_table(&s, 0, err), err), out);
	rc = extract_proven(&s, dir, err);
out:
	sv_free(&s);
	return rc;
}
