/*
 * format/chain.c - a chain of editions read as one archive (spec/format.md
 * 15.15). npk_reader_open on an edition makes the chain's *top* reader: its
 * own fields are the newest file's (signature checked), and the chain holds
 * a file reader per edition, opened when first needed, each bound to the
 * one after it by the digest of its manifest and checked against that
 * edition's link. find, list, read and info on the top read the state.
 *
 * File descriptors: each file reader opened holds one, the newest file's
 * the top's (each file is opened once), so a listing of a chain of N
 * editions holds N: a chain of 400 files fits the usual limit of 1024.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "format/format.h"

typedef struct chain_filter {
	uint8_t *bits;            /* the section, once read */
	uint64_t m;
	unsigned k;
	int state;                /* 0 not read, 1 read, -1 none usable: search */
} chain_filter;

/* Small reads of a file kept (tree headers and nodes, read again by the
 * checks of each later edition): at most RC_SLOTS of RC_MAX bytes. */
#define RC_SLOTS 8
#define RC_MAX 1024u

typedef struct rcache {
	uint8_t *b;
	uint64_t off;
	size_t len;
} rcache;

typedef struct chain_ed {
	npk_reader *fr;           /* its file reader, once open */
	char *file;               /* as found, or as the next link names it */
	uint8_t digest[32];       /* H(manifest), as the next edition names it */
	int state;                /* 0 not tried, 1 open, -1 failed (err) */
	npk_error *err;           /* malloc'ed: a chain may be long */
	chain_filter paths;       /* its path filter (15.15) */
	chain_filter folders;     /* and its folder filter */
	rcache rc[RC_SLOTS];
	unsigned rc_next;
} chain_ed;

typedef struct chain_cand {
	char *path;
	uint8_t digest[32];
	int ok, used;
} chain_cand;

struct npk__chain {
	uint32_t count, at;       /* editions 0 .. count - 1; the state read */
	chain_ed *ed;
	chain_cand *cands;        /* --chain files */
	size_t ncands;
	char *dir;                /* the folder of the newest file, links resolved, with its
	                           * final '/' ("" for the current folder) */
	int all;
	npk_reader *last_read;    /* the file whose cluster is cached */
	void (*warn)(const char *file, const char *why, void *ctx);
	void *ctx;
	int warned;
	/* 15.17.8: a sealed chain's tree, folded from its leaves: smth over
	 * the leaves of editions [0, sdone) */
	npk_mth smth;
	uint32_t sdone;
};

void npk__chain_free(npk__chain *c)
{
	if (c == NULL)
		return;
	for (uint32_t e = 0; e < c->count; e++) {
		npk_reader_free(c->ed[e].fr);
		free(c->ed[e].file);
		free(c->ed[e].paths.bits);
		free(c->ed[e].folders.bits);
		free(c->ed[e].err);
		for (unsigned i = 0; i < RC_SLOTS; i++)
			free(c->ed[e].rc[i].b);
	}
	for (size_t i = 0; i < c->ncands; i++)
		free(c->cands[i].path);
	free(c->cands);
	free(c->ed);
	free(c->dir);
	free(c);
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

static void hex16(const uint8_t d[32], char out[17])
{
	char h[65];
	sodium_bin2hex(h, sizeof h, d, 32);
	memcpy(out, h, 16);
	out[16] = 0;
}

uint32_t npk__chain_count(const npk_reader *r)
{
	const npk__chain *c = npk__reader_chain(r);
	return c ? c->count : 1;
}

uint32_t npk__chain_at(const npk_reader *r)
{
	const npk__chain *c = npk__reader_chain(r);
	return c ? c->at : 0;
}

const char *npk__chain_name(const npk_reader *r, uint32_t e)
{
	const npk__chain *c = npk__reader_chain(r);
	if (c == NULL)
		return e == 0 ? npk__reader_name(r) : NULL;
	return e < c->count ? c->ed[e].file : NULL;
}

/* ---- Finding and checking the files (15.15) ---- */

/* Where edition e (named by digest d) is: a --chain file of that digest,
 * else prev_name beside the newest file; NULL (and *path untouched) when
 * neither. */
static int locate(npk__chain *c, const npk_edition_link *l, const uint8_t d[32], char **path)
{
	for (size_t i = 0; i < c->ncands; i++)
		if (c->cands[i].ok && npk__digest_same(c->cands[i].digest, d)) {
			c->cands[i].used = 1;
			*path = strdup(c->cands[i].path);
			return *path ? NPK_OK : NPK_E_NOMEM;
		}
	size_t n = strlen(c->dir) + l->name_len + 1;
	char *p = malloc(n);
	if (p == NULL)
		return NPK_E_NOMEM;
	snprintf(p, n, "%s%.*s", c->dir, (int)l->name_len, l->prev_name);
	if (access(p, F_OK) != 0) {
		free(p);
		return NPK_E_NOTFOUND;
	}
	*path = p;
	return NPK_OK;
}

static int rc_read(chain_ed *d, npk_reader *fr, void *buf, size_t len, uint64_t off,
                   npk_error *err)
{
	for (unsigned i = 0; i < RC_SLOTS; i++) {
		const rcache *x = &d->rc[i];
		if (x->b != NULL && off >= x->off && len <= x->len && off - x->off <= x->len - len) {
			memcpy(buf, x->b + (off - x->off), len);
			return NPK_OK;
		}
	}
	NPK_FORWARD(npk__reader_pread(fr, buf, len, off, err));
	rcache *x = &d->rc[d->rc_next];
	if (len == 0 || len > RC_MAX || (x->b == NULL && (x->b = malloc(RC_MAX)) == NULL))
		return NPK_OK;
	memcpy(x->b, buf, len);
	x->off = off;
	x->len = len;
	d->rc_next = (d->rc_next + 1) % RC_SLOTS;
	return NPK_OK;
}

int npk__chain_pread(npk_reader *top, uint32_t e, void *buf, size_t len, uint64_t off,
                     npk_error *err)
{
	npk__chain *c = npk__reader_chain(top);
	npk_reader *fr;
	NPK_FORWARD(npk__chain_file(top, e, &fr, err));
	if (c == NULL)
		return npk__reader_pread(fr, buf, len, off, err);
	return rc_read(&c->ed[e], fr, buf, len, off, err);
}

unsigned npk__chain_stride(npk_reader *top, uint32_t e, npk_reader *fr)
{
	uint64_t off, len, n;
	const uint8_t *root;
	uint8_t h[NPK_TREE_HEADER];
	npk_error e2 = {0};
	npk__chain *c = npk__reader_chain(top);
	if (npk__reader_tree(fr, &off, &len, &n, &root) != NPK_OK || len < NPK_TREE_HEADER ||
	    (c ? rc_read(&c->ed[e], fr, h, sizeof h, off, &e2)
	       : npk__reader_pread(fr, h, sizeof h, off, &e2)) != NPK_OK)
		return 0;
	return h[16];
}

/* 15.15: the leaves edition e + 1 (next) says edition e (fr) holds; not
 * known of a sealed file not opened yet (15.17.8), checked once it is. */
static int link_tree_check(uint32_t e, npk_reader *fr, npk_reader *next, npk_error *err)
{
	const npk_edition_link *l = npk__reader_link(next);
	const char *a = npk__reader_name(fr), *b = npk__reader_name(next);
	npk_info fi, ni;
	npk__reader_file_info(fr, &fi);
	npk__reader_file_info(next, &ni);
	if (fi.sealed == 1 || ni.sealed == 1)
		return NPK_OK;
	NPK_FAIL_IF(!fi.tree, err, NPK_E_FORMAT, "%s (edition %u) holds no Merkle tree: it cannot "
	            "be an edition of a chain", a, e);
	NPK_FAIL_IF(fi.tree_size != l->prev_tree_size, err, NPK_E_FORMAT,
	            "%s (edition %u) says the previous edition has %llu leaves, but %s has %llu", b,
	            e + 1, (unsigned long long)l->prev_tree_size, a,
	            (unsigned long long)fi.tree_size);
	return NPK_OK;
}

/* 15.17.8: an earlier file of a sealed chain whose top is opened is
 * opened with the top's file key. */
static int chain_unseal_file(npk_reader *top, npk_reader *fr, npk_error *err)
{
	npk_info ti;
	npk_reader_info(top, &ti);
	if (ti.sealed != 2 || fr == top)
		return NPK_OK;
	return npk__reader_unseal_fk(fr, top, err);
}

/* 15.15 "Checks of the chain": edition e's file fr against next, the
 * file of edition e + 1, whose link names it. */
static int link_check(npk_reader *top, uint32_t e, npk_reader *fr, npk_reader *next,
                      npk_error *err)
{
	const npk_edition_link *l = npk__reader_link(next), *lp = npk__reader_link(fr);
	const char *a = npk__reader_name(fr), *b = npk__reader_name(next);
	npk_info fi, ni;
	npk__reader_file_info(fr, &fi);
	npk__reader_file_info(next, &ni);
	NPK_FAIL_IF(e == 0 && lp != NULL, err, NPK_E_FORMAT, "%s is edition %u, but %s (edition 1) "
	            "names it as the base, edition 0", a, lp ? lp->edition : 0, b);
	NPK_FAIL_IF(e > 0 && lp == NULL, err, NPK_E_FORMAT, "%s is a base (edition 0), but %s "
	            "(edition %u) names it as edition %u", a, b, e + 1, e);
	NPK_FAIL_IF(e > 0 && lp->edition != e, err, NPK_E_FORMAT, "%s is edition %u, but %s "
	            "(edition %u) names it as edition %u", a, lp->edition, b, e + 1, e);
	const uint8_t *base = e == 0 ? npk__reader_manifest_digest(fr) : lp->base_digest;
	NPK_FAIL_IF(!npk__digest_same(base, l->base_digest), err, NPK_E_FORMAT,
	            "%s (edition %u) names another base than %s (edition %u): not one chain", b,
	            e + 1, a, e);
	/* 15.17.8: every file sealed or none; a sealed file's tree and the
	 * link's prev_tree_size show once both files are opened */
	NPK_FAIL_IF((fi.sealed != 0) != (ni.sealed != 0), err, NPK_E_FORMAT, "%s (edition %u) is "
	            "%s, %s (edition %u) is %s: every file of a chain is sealed, or none is", a, e,
	            fi.sealed ? "sealed" : "not sealed", b, e + 1, ni.sealed ? "sealed" : "not sealed");
	NPK_FORWARD(link_tree_check(e, fr, next, err));
	unsigned sa = npk__chain_stride(top, e, fr), sb = npk__chain_stride(top, e + 1, next);
	NPK_FAIL_IF(sa != sb, err, NPK_E_FORMAT, "%s (edition %u) has a tree stride of %u, %s "
	            "(edition %u) of %u: every edition has its base's", b, e + 1, sb, a, e, sa);
	int same = memcmp(fi.key_id, ni.key_id, 8) == 0 && memcmp(fi.signer, ni.signer, 32) == 0;
	char id[17];
	npk_keyid_format(ni.key_id, id);
	NPK_FAIL_IF(same && l->statement != NULL, err, NPK_E_FORMAT, "%s (edition %u) holds a "
	            "rotation statement but is signed by the same key as %s", b, e + 1, a);
	const char *why = same ? NULL : npk__rotation_check(l, fi.signer, ni.key_id, ni.signer);
	NPK_FAIL_IF(why != NULL, err, NPK_E_FORMAT, "%s: edition %u is signed by key %s, which the "
	            "signer of edition %u (%s) did not authorise: %s", b, e + 1, id, e, a, why);
	return NPK_OK;
}

/* Opens edition e < newest, found and checked as 15.15 says. */
static int open_earlier(npk_reader *top, npk__chain *c, uint32_t e, npk_reader **out,
                        npk_error *err)
{
	npk_reader *next = NULL, *fr = NULL;
	NPK_FORWARD(npk__chain_file(top, e + 1, &next, err));
	const npk_edition_link *l = npk__reader_link(next);
	chain_ed *d = &c->ed[e];
	memcpy(d->digest, l->prev_digest, 32);
	char hx[17], *path = NULL;
	hex16(d->digest, hx);
	int rc = locate(c, l, d->digest, &path);
	if (rc == NPK_E_NOMEM)
		return npk__fail(err, rc, "out of memory");
	if (rc != NPK_OK) {
		d->file = strndup(l->prev_name, l->name_len);
		return npk__fail(err, NPK_E_NOTFOUND, "edition %u (%.*s, manifest digest %s...) is "
		                 "missing: not beside %s; name it with --chain", e, (int)l->name_len,
		                 l->prev_name, hx, base_name(c->ed[e + 1].file));
	}
	free(d->file);
	d->file = path;
	/* one open: the file reader checks H(manifest) where a signature would be */
	rc = npk__reader_open_file(path, d->digest, NULL, 1, &fr, err);
	if (rc != NPK_OK && err != NULL && err->reason == NPK_R_OTHER_FILE)
		return npk__fail(err, rc, "%s is not edition %u of this chain: %s (edition %u) names "
		                 "manifest digest %s...", path, e, npk__reader_name(next), e + 1, hx);
	NPK_FORWARD(rc);
	rc = chain_unseal_file(top, fr, err);
	if (rc == NPK_OK)
		rc = link_check(top, e, fr, next, err);
	if (rc != NPK_OK) {
		npk_reader_free(fr);
		return rc;
	}
	*out = fr;
	return NPK_OK;
}

int npk__chain_file(npk_reader *r, uint32_t e, npk_reader **out, npk_error *err)
{
	npk__chain *c = npk__reader_chain(r);
	if (c == NULL) {
		NPK_FAIL_IF(e != 0, err, NPK_E_ARG, "%s holds edition 0 only, not %u",
		            npk__reader_name(r), e);
		*out = r;
		return NPK_OK;
	}
	NPK_FAIL_IF(e >= c->count, err, NPK_E_ARG, "%s: no edition %u (the newest is %u)",
	            npk__reader_name(r), e, c->count - 1);
	chain_ed *d = &c->ed[e];
	if (d->state == 1) {
		npk__reader_inherit(d->fr, r);
		*out = d->fr;
		return NPK_OK;
	}
	if (d->state == -1) {
		if (err != NULL)
			*err = *d->err;
		return d->err->code;
	}
	npk_error e2 = {0};
	npk_reader *fr = NULL;
	int rc = e + 1 < c->count ? open_earlier(r, c, e, &fr, &e2) : npk__reader_share(r, &fr, &e2);
	if (rc == NPK_E_NOTFOUND && e + 1 == c->count) /* repaired at open: its own bytes */
		rc = npk__reader_open_file(d->file, d->digest, NULL, 1, &fr, &e2);
	if (rc != NPK_OK) {
		d->err = rc == NPK_E_NOMEM ? NULL : malloc(sizeof *d->err);
		if (d->err == NULL) /* not remembered: it may pass later */
			return npk__fail(err, rc, "%s", e2.msg);
		d->state = -1;
		*d->err = e2;
		if (err != NULL)
			*err = e2;
		return rc;
	}
	d->fr = fr;
	d->state = 1;
	npk__reader_inherit(fr, r);
	*out = fr;
	return NPK_OK;
}

int npk__chain_unsealed(npk_reader *top, npk_error *err)
{
	npk__chain *c = npk__reader_chain(top);
	if (c == NULL)
		return NPK_OK;
	c->last_read = NULL;
	/* the newest file's own reader was a copy of the top before it was
	 * opened: made again when next needed */
	chain_ed *n = &c->ed[c->count - 1];
	if (n->state == 1) {
		npk_reader_free(n->fr);
		n->fr = NULL;
		n->state = 0;
	}
	for (uint32_t e = 0; e + 1 < c->count; e++)
		if (c->ed[e].state == 1)
			NPK_FORWARD(chain_unseal_file(top, c->ed[e].fr, err));
	for (uint32_t e = 0; e + 2 < c->count; e++)
		if (c->ed[e].state == 1 && c->ed[e + 1].state == 1)
			NPK_FORWARD(link_tree_check(e, c->ed[e].fr, c->ed[e + 1].fr, err));
	if (c->count >= 2 && c->ed[c->count - 2].state == 1)
		NPK_FORWARD(link_tree_check(c->count - 2, c->ed[c->count - 2].fr, top, err));
	return NPK_OK;
}

/* 15.17.8: edition e's own leaf hashes into t, after the leaves before
 * it, and its sealed root checked against them; kept in keep (room for
 * cap leaves) unless it is NULL. */
static int sealed_fold(npk_reader *top, uint32_t e, npk_mth *t, uint8_t *keep, uint64_t cap,
                       npk_error *err)
{
	npk_reader *fr;
	NPK_FORWARD(npk__chain_file(top, e, &fr, err));
	npk_info in;
	npk__reader_file_info(fr, &in);
	const npk_edition_link *l = npk__reader_link(fr);
	uint64_t p = l ? l->prev_tree_size : 0;
	NPK_FAIL_IF(in.sealed != 2 || !in.tree, err, NPK_E_ARG, "%s: not an opened sealed file with "
	            "a Merkle tree", npk__reader_name(fr));
	NPK_FAIL_IF(p != t->n || in.tree_size < p, err, NPK_E_FORMAT, "%s (edition %u): its leaves "
	            "begin at %llu, the editions before it hold %llu", npk__reader_name(fr), e,
	            (unsigned long long)p, (unsigned long long)t->n);
	NPK_FAIL_IF(keep != NULL && in.tree_size > cap, err, NPK_E_FORMAT, "%s (edition %u): %llu "
	            "leaves, more than the %llu of the edition read", npk__reader_name(fr), e,
	            (unsigned long long)in.tree_size, (unsigned long long)cap);
	uint64_t n = in.tree_size - p;
	uint8_t *own = keep != NULL ? keep + 32 * p : malloc(n ? (size_t)(32 * n) : 1);
	NPK_FAIL_IF(own == NULL, err, NPK_E_NOMEM, "out of memory");
	int rc = npk__reader_leaves(fr, own, err);
	npk__reader_drop(fr, NPK__DROP_LIST);
	for (uint64_t i = 0; rc == NPK_OK && i < n; i++)
		npk__mth_add(t, own + 32 * i);
	if (keep == NULL)
		free(own);
	NPK_FORWARD(rc);
	uint8_t root[32];
	npk__mth_root(t, root);
	NPK_FAIL_IF(memcmp(root, in.tree_root, 32) != 0, err, NPK_E_DIGEST, "%s (edition %u): the "
	            "sealed Merkle root does not match the leaves of the chain", npk__reader_name(fr),
	            e);
	return NPK_OK;
}

int npk__chain_sealed_border(npk_reader *top, uint32_t e, npk_mth *out, npk_error *err)
{
	npk__chain *c = npk__reader_chain(top);
	if (c == NULL) {
		npk__mth_init(out);
		return e == 0 ? NPK_OK : sealed_fold(top, 0, out, NULL, 0, err);
	}
	NPK_FAIL_IF(e > c->count, err, NPK_E_ARG, "no edition %u", e);
	if (c->sdone > e) {
		npk__mth_init(&c->smth);
		c->sdone = 0;
	}
	while (c->sdone < e) {
		NPK_FORWARD(sealed_fold(top, c->sdone, &c->smth, NULL, 0, err));
		c->sdone++;
	}
	*out = c->smth;
	return NPK_OK;
}

int npk__chain_sealed_leaves(npk_reader *top, uint32_t e, uint8_t *out, uint64_t n,
                             npk_error *err)
{
	npk_reader *fr;
	npk_info in;
	NPK_FORWARD(npk__chain_file(top, e, &fr, err));
	npk__reader_file_info(fr, &in);
	NPK_FAIL_IF(in.sealed != 2 || !in.tree, err, NPK_E_ARG, "%s: not an opened sealed file with "
	            "a Merkle tree", npk__reader_name(fr));
	NPK_FAIL_IF(in.tree_size > NPK_SEALED_LEAVES_MAX, err, NPK_E_LIMIT, "%s: a sealed Merkle "
	            "tree of %llu leaves: this reader rebuilds at most %llu", npk__reader_name(fr),
	            (unsigned long long)in.tree_size, (unsigned long long)NPK_SEALED_LEAVES_MAX);
	NPK_FAIL_IF(in.tree_size != n, err, NPK_E_DIGEST, "%s: the chain holds %llu leaves, its "
	            "tree %llu: run newspack verify", npk__reader_name(fr),
	            (unsigned long long)in.tree_size, (unsigned long long)n);
	npk_mth t;
	npk__mth_init(&t);
	for (uint32_t k = 0; k <= e; k++)
		NPK_FORWARD(sealed_fold(top, k, &t, out, n, err));
	return NPK_OK;
}

int npk_reader_edition(npk_reader *r, uint32_t e, npk_edition_info *out, npk_error *err)
{
	npk_reader *fr;
	NPK_FORWARD(npk__chain_file(r, e, &fr, err));
	npk_info in;
	npk__reader_file_info(fr, &in);
	const npk_edition_link *l = npk__reader_link(fr);
	memset(out, 0, sizeof *out);
	out->edition = e;
	out->file = npk__chain_name(r, e);
	out->created = in.created;
	out->entries = in.documents;
	out->tree_size = in.tree_size;
	memcpy(out->key_id, in.key_id, 8);
	memcpy(out->signer, in.signer, 32);
	/* a statement is only allowed, and required, at a key change */
	out->rotated = l != NULL && l->statement != NULL;
	memcpy(out->manifest_digest, in.manifest_digest, 32);
	out->file_size = in.file_size;
	return NPK_OK;
}

/* ---- Opening ---- */

/* The --chain files and their manifest digests; one that cannot be read
 * is named in a warning. */
static int take_files(npk__chain *c, const npk_chain_opts *o, npk_error *err)
{
	if (o == NULL || o->nfiles == 0)
		return NPK_OK;
	c->cands = calloc(o->nfiles, sizeof *c->cands);
	NPK_FAIL_IF(c->cands == NULL, err, NPK_E_NOMEM, "out of memory");
	c->ncands = o->nfiles;
	for (size_t i = 0; i < o->nfiles; i++) {
		npk_error e2 = {0};
		c->cands[i].path = strdup(o->files[i]);
		NPK_FAIL_IF(c->cands[i].path == NULL, err, NPK_E_NOMEM, "out of memory");
		c->cands[i].ok = npk__manifest_digest_file(o->files[i], c->cands[i].digest, &e2) == NPK_OK;
		if (!c->cands[i].ok && c->warn)
			c->warn(o->files[i], e2.msg, c->ctx);
	}
	return NPK_OK;
}

/* The --chain files that are in no place of the chain (called once every
 * edition was looked for). */
static void warn_unused(npk__chain *c)
{
	if (c == NULL)
		return;
	if (c->warned || c->warn == NULL)
		return;
	c->warned = 1;
	for (size_t i = 0; i < c->ncands; i++)
		if (c->cands[i].ok && !c->cands[i].used &&
		    !npk__digest_same(c->cands[i].digest, c->ed[c->count - 1].digest))
			c->warn(c->cands[i].path, "is not a file of this chain", c->ctx);
}

/* The folder of path with its final '/', as given (names in messages
 * stay as the user wrote them), or after symbolic links when path is one. */
static int folder_of(const char *path, char **out, npk_error *err)
{
	struct stat st;
	char *p = lstat(path, &st) == 0 && S_ISLNK(st.st_mode) ? realpath(path, NULL) : strdup(path);
	NPK_FAIL_IF(p == NULL, err, errno == ENOMEM ? NPK_E_NOMEM : NPK_E_IO, "%s: %s", path,
	            strerror(errno));
	char *slash = strrchr(p, '/');
	if (slash != NULL)
		slash[1] = 0;
	else
		p[0] = 0;
	*out = p;
	return NPK_OK;
}

int npk__chain_set_dir(npk_reader *top, const char *beside, npk_error *err)
{
	npk__chain *c = npk__reader_chain(top);
	if (c == NULL)
		return NPK_OK;
	char *dir = NULL;
	NPK_FORWARD(folder_of(beside, &dir, err));
	free(c->dir);
	c->dir = dir;
	return NPK_OK;
}

static int chain_make(npk_reader *top, const char *path, const npk_chain_opts *o,
                      npk__chain **out, npk_error *err)
{
	npk__chain *c = calloc(1, sizeof *c);
	NPK_FAIL_IF(c == NULL, err, NPK_E_NOMEM, "out of memory");
	*out = c;
	uint32_t e = npk__reader_link(top)->edition;
	NPK_FAIL_IF(e >= NPK_CHAIN_READ_MAX, err, NPK_E_LIMIT, "%s is edition %u of its chain: "
	            "newspack reads chains of at most %u editions", npk__reader_name(top),
	            (unsigned)e, NPK_CHAIN_READ_MAX);
	c->count = e + 1;
	c->at = c->count - 1;
	c->ed = calloc(c->count, sizeof *c->ed);
	NPK_FAIL_IF(c->ed == NULL, err, NPK_E_NOMEM, "out of memory");
	NPK_FORWARD(folder_of(path, &c->dir, err));
	chain_ed *d = &c->ed[c->at];
	d->file = strdup(path);
	NPK_FAIL_IF(d->file == NULL, err, NPK_E_NOMEM, "out of memory");
	memcpy(d->digest, npk__reader_manifest_digest(top), 32);
	if (o != NULL) {
		c->all = o->all;
		c->warn = o->warn;
		c->ctx = o->ctx;
	}
	return take_files(c, o, err);
}

/* 15.15 "Trust": an untrusted newest signer is trusted when an earlier
 * edition's signer is, every key change between them holding a valid
 * statement (checked as each file opens). Editions are opened downward
 * only while the key changes. */
static void chain_trust(npk_reader *top, const npk_trust *trust)
{
	npk__chain *c = npk__reader_chain(top);
	npk_info ti;
	npk__reader_file_info(top, &ti);
	if (trust == NULL || npk_trust_count(trust) == 0 || ti.trusted)
		return;
	for (uint32_t e = c->count - 1; e-- > 0;) {
		npk_reader *fr;
		npk_info fi;
		npk_error e2 = {0};
		if (npk__chain_file(top, e, &fr, &e2) != NPK_OK)
			return;
		npk__reader_file_info(fr, &fi);
		const npk_pubkey *k = npk__trust_find(trust, fi.key_id);
		if (k != NULL && sodium_memcmp(k->pk, fi.signer, 32) == 0) {
			npk__reader_set_trusted(top, 1);
			return;
		}
	}
}

/* --at (15.15): the state at an edition, or at the newest edition created
 * at or before a time. */
static int chain_at(npk_reader *top, const npk_chain_opts *o, npk_error *err)
{
	npk__chain *c = npk__reader_chain(top);
	const char *name = npk__reader_name(top);
	if (o == NULL || o->at == NPK_AT_NEWEST)
		return NPK_OK;
	if (o->at == NPK_AT_EDITION) {
		NPK_FAIL_IF(o->at_edition >= c->count, err, NPK_E_ARG,
		            "%s: no edition %u (the newest is %u)", name, o->at_edition, c->count - 1);
		c->at = o->at_edition;
	} else {
		for (uint32_t e = c->count;; e--) {
			npk_reader *fr;
			npk_info in;
			NPK_FAIL_IF(e == 0, err, NPK_E_NOTFOUND, "%s: no edition was created at or before "
			            "the time given (%llu)", name, (unsigned long long)o->at_time);
			NPK_FORWARD(npk__chain_file(top, e - 1, &fr, err));
			npk__reader_file_info(fr, &in);
			if (in.created <= o->at_time) {
				c->at = e - 1;
				break;
			}
		}
	}
	npk_reader *fr;
	return npk__chain_file(top, c->at, &fr, err);
}

/* --at on a lone archive: edition 0 only. */
static int lone_at(npk_reader *r, const npk_chain_opts *o, npk_error *err)
{
	npk_info in;
	if (o == NULL || o->at == NPK_AT_NEWEST)
		return NPK_OK;
	npk__reader_file_info(r, &in);
	NPK_FAIL_IF(o->at == NPK_AT_EDITION && o->at_edition != 0, err, NPK_E_ARG,
	            "%s: no edition %u (it is not an edition of a chain: it holds edition 0 only)",
	            npk__reader_name(r), o->at_edition);
	NPK_FAIL_IF(o->at == NPK_AT_TIME && in.created > o->at_time, err, NPK_E_NOTFOUND,
	            "%s: no edition was created at or before the time given (%llu)",
	            npk__reader_name(r), (unsigned long long)o->at_time);
	return NPK_OK;
}

static int refuse_untrusted(npk_reader *r, npk_error *err)
{
	npk_info in;
	char id[17], fp[NPK_FINGERPRINT_LEN];
	npk__reader_file_info(r, &in);
	npk_keyid_format(in.key_id, id);
	npk_fingerprint_format(in.signer, fp);
	return npk__fail(err, NPK_E_UNTRUSTED, "%s: valid signature by a key claiming to be key %s, "
	                 "which is not trusted (fingerprint %s)", npk__reader_name(r), id, fp);
}

int npk_reader_open_chain(const char *path, const npk_trust *trust, int allow_untrusted,
                          const npk_chain_opts *opts, npk_reader **out, npk_error *err)
{
	npk_reader *r = NULL;
	npk__chain *c = NULL;
	NPK_FORWARD(npk__reader_open_file(path, NULL, trust, 1, &r, err));
	int rc;
	if (npk__reader_link(r) == NULL) {
		NPK_FORWARD_GOTO(rc, lone_at(r, opts, err), fail);
	} else {
		rc = chain_make(r, path, opts, &c, err);
		npk__reader_set_chain(r, c);
		NPK_FORWARD_GOTO(rc, rc, fail);
		chain_trust(r, trust);
		NPK_FORWARD_GOTO(rc, chain_at(r, opts, err), fail);
	}
	npk_info in;
	npk__reader_file_info(r, &in);
	if (!in.trusted && !allow_untrusted) {
		rc = refuse_untrusted(r, err);
		goto fail;
	}
	*out = r;
	return NPK_OK;
fail:
	npk_reader_free(r);
	return rc;
}

/* ---- The state (15.15 "The state of a chain") ---- */

void npk__chain_info(const npk_reader *top, npk_info *info)
{
	const npk__chain *c = npk__reader_chain(top);
	const npk_reader *fr = c->ed[c->at].state == 1 && c->at + 1 < c->count ? c->ed[c->at].fr : top;
	npk_info ti;
	npk__reader_file_info(top, &ti);
	npk__reader_file_info(fr, info);
	info->trusted = ti.trusted;
	info->edition = c->count - 1;
	info->at_edition = c->at;
	memcpy(info->base_digest, ti.base_digest, 32);
}

/* A failure of an earlier file, as a command that needs it sees it:
 * damage of the chain (exit 1, 15.15), not a missing document. */
static int chain_damage(npk_error *err)
{
	if (err->code == NPK_E_NOTFOUND)
		err->code = NPK_E_FORMAT;
	return err->code;
}

/* Filter f of file fr, section sec (NULL: none) with this magic, for
 * count keys: whether key may be there (1), or surely not (0). A filter
 * that is absent or cannot be read or checked says 1: the index is
 * searched (verify reports the damage). */
static int filter_may(chain_filter *f, npk_reader *fr, const npk_section *sec,
                      const char *magic, uint64_t count, const char *key, size_t len)
{
	if (f->state == 0) {
		npk_error e2 = {0};
		uint8_t h[32];
		f->state = -1;
		uint8_t *b = sec && sec->len <= NPK_PATHS_HEADER + NPK_PATHS_BITS_MAX / 8
		             ? malloc(sec->len) : NULL;
		/* (a sealed filter's plaintext through its view, 15.17.8) */
		if (b != NULL && npk__reader_pread(fr, b, sec->len, sec->off, &e2) == NPK_OK) {
			npk__digest(b, sec->len, h);
			if (npk__digest_same(h, sec->digest) &&
			    npk__paths_header_problem(b, magic, sec->len, count, &f->m, &f->k) == NULL) {
				f->bits = b;
				f->state = 1;
				b = NULL;
			}
		}
		free(b);
	}
	return f->state != 1 || npk__paths_has(f->bits + NPK_PATHS_HEADER, f->m, f->k, key, len);
}

/* Whether edition e's file fr may hold path (the path filter). */
static int may_hold(chain_ed *d, npk_reader *fr, const char *path)
{
	npk_info in;
	npk__reader_file_info(fr, &in);
	return filter_may(&d->paths, fr, npk__reader_paths_section(fr), NPK_PATHS_MAGIC,
	                  in.documents, path, strlen(path));
}

int npk__chain_may_hold_folder(npk_reader *top, uint32_t e, npk_reader *fr, const char *dir)
{
	npk__chain *c = npk__reader_chain(top);
	if (c == NULL || e == 0 || e >= c->count)
		return 1;
	return filter_may(&c->ed[e].folders, fr, npk__reader_folders_section(fr),
	                  NPK_FOLDERS_MAGIC, NPK_FILTER_ANY_COUNT, dir, strlen(dir));
}

int npk__chain_find(npk_reader *top, const char *path, const npk_entry **out, npk_reader **frp,
                    npk_error *err)
{
	npk__chain *c = npk__reader_chain(top);
	for (uint32_t e = c->at + 1; e-- > 0;) {
		npk_reader *fr;
		const npk_entry *x;
		npk_error e2 = {0};
		if (npk__chain_file(top, e, &fr, &e2) != NPK_OK) {
			if (err != NULL)
				*err = e2;
			return npk__wrap(err, chain_damage(&e2), "%s: \"%s\" is not in editions %u to %u, "
			                 "and ", npk__reader_name(top), path, e + 1, c->at);
		}
		if (e > 0 && !may_hold(&c->ed[e], fr, path))
			continue;
		int rc = npk_reader_find(fr, path, &x, err);
		if (rc == NPK_E_NOTFOUND) {
			npk__reader_drop(fr, NPK__DROP_FIND);
			continue;
		}
		NPK_FORWARD(rc);
		NPK_FAIL_IF(x->kind == NPK_KIND_WITHDRAWN, err, NPK_E_NOTFOUND,
		            "%s: \"%s\" was withdrawn in edition %u", npk__reader_name(top), path, e);
		*out = x;
		if (frp != NULL)
			*frp = fr;
		return NPK_OK;
	}
	return npk__fail(err, NPK_E_NOTFOUND, "%s: no document \"%s\"", npk__reader_name(top), path);
}

int npk__chain_read(npk_reader *top, const npk_entry *e, npk_sink sink, void *ctx,
                    npk_error *err)
{
	npk_reader *fr;
	uint32_t in = e->ref_kind == NPK_REF_EDITION ? e->ref_edition : e->edition;
	npk_error e2 = {0};
	if (npk__chain_file(top, in, &fr, &e2) != NPK_OK) {
		if (err != NULL)
			*err = e2;
		return npk__wrap(err, chain_damage(&e2), "%s: %s: its content is in edition %u, and ",
		                 npk__reader_name(top), e->path, in);
	}
	/* one cached cluster for the chain, not one per edition read */
	npk__chain *c = npk__reader_chain(top);
	if (c->last_read != NULL && c->last_read != fr)
		npk__reader_drop(c->last_read, NPK__DROP_CLUSTER);
	c->last_read = fr;
	if (e->ref_kind == NPK_REF_EDITION)
		return npk__reader_read_ref(fr, e, sink, ctx, err);
	return npk_reader_read(fr, e, sink, ctx, err);
}

/* ---- Listing: a k-way merge of the editions' indexes ---- */

/* Paths [lo, hi) whose entries in edition e cannot be read (lo NULL:
 * from the first, hi NULL: to the last): a file that failed, or a page. */
typedef struct blind {
	uint32_t e;
	const char *lo, *hi;
} blind;

typedef struct merge {
	npk__iter **it;           /* per edition; NULL when its file failed */
	npk_reader **fr;
	const npk_entry **cur;    /* its current entry; NULL at its end */
	uint32_t *heap, n;        /* editions with an entry, smallest first */
	int all;
	int withdrawals;          /* the state's withdrawals too (a merge) */
	blind *bl;                /* what cannot be read, in the order found */
	size_t nbl, bl_cap;
	npk_error failed;         /* the first of them, and its edition */
	uint32_t failed_e;
	uint64_t withheld;        /* paths whose state depends on them */
	npk__chain *c;
} merge;

static int blind_add(merge *m, uint32_t e, const char *lo, const char *hi, const npk_error *why)
{
	if (m->nbl == m->bl_cap) {
		size_t nc = m->bl_cap ? 2 * m->bl_cap : 8;
		blind *nb = realloc(m->bl, nc * sizeof *nb);
		if (nb == NULL)
			return -1;
		m->bl = nb;
		m->bl_cap = nc;
	}
	m->bl[m->nbl++] = (blind){e, lo, hi};
	if (m->failed.code == NPK_OK) {
		m->failed = *why;
		m->failed_e = e;
	}
	return 0;
}

/* Whether path's state depends on what an edition newer than e cannot
 * read: then its entry in edition e may not be the state's (15.15). */
static int blind_above(const merge *m, uint32_t e, const char *path)
{
	for (size_t i = 0; i < m->nbl; i++) {
		const blind *b = &m->bl[i];
		if (b->e > e && (b->lo == NULL || strcmp(b->lo, path) <= 0) &&
		    (b->hi == NULL || strcmp(path, b->hi) < 0) &&
		    /* a page of a file that is open: its path filter may clear it */
		    (m->fr[b->e] == NULL || b->e == 0 || may_hold(&m->c->ed[b->e], m->fr[b->e], path)))
			return 1;
	}
	return 0;
}

/* Edition e's next entry into m->cur[e]; a page that cannot be read is
 * skipped and its paths noted as blind. */
static int pull(merge *m, uint32_t e, npk_error *err)
{
	for (;;) {
		npk_error e2 = {0};
		const char *lo, *hi;
		int rc = npk__iter_next(m->it[e], &m->cur[e], &e2);
		if (rc == NPK_OK)
			return NPK_OK;
		int damage = rc == NPK_E_DIGEST || rc == NPK_E_FORMAT || rc == NPK_E_VERSION ||
		             rc == NPK_E_LIMIT || rc == NPK_E_IO;
		if (!damage || npk__iter_skip_page(m->it[e], &lo, &hi) != 0) {
			if (err != NULL)
				*err = e2;
			return rc;
		}
		NPK_FAIL_IF(blind_add(m, e, lo, hi, &e2) != 0, err, NPK_E_NOMEM, "out of memory");
	}
}

/* Whether edition a's entry comes before b's: path order, then the newest
 * first (the state) or the oldest first (--all). */
static int before(const void *ctx, uint32_t a, uint32_t b)
{
	const merge *m = ctx;
	int cmp = strcmp(m->cur[a]->path, m->cur[b]->path);
	if (cmp != 0)
		return cmp < 0;
	return m->all ? a < b : a > b;
}

static void sift_down(merge *m, uint32_t i)
{
	npk__heap_sift(m->heap, m->n, i, before, m);
}

/* Edition e's next entry; it leaves the heap's top (where it was) at its
 * end. */
static int advance(merge *m, uint32_t e, npk_error *err)
{
	NPK_FORWARD(pull(m, e, err));
	if (m->cur[e] == NULL) {
		npk__reader_drop(m->fr[e], NPK__DROP_LIST);
		m->heap[0] = m->heap[--m->n];
	}
	if (m->n > 0)
		sift_down(m, 0);
	return NPK_OK;
}

static void merge_free(merge *m, uint32_t count)
{
	if (m->it != NULL)
		for (uint32_t e = 0; e < count; e++)
			npk__iter_free(m->it[e]);
	free(m->it);
	free(m->fr);
	free(m->cur);
	free(m->heap);
	free(m->bl);
}

/* Opens editions 0 .. at and their first entries; a file that cannot be
 * opened is blind (the others are listed). */
static int merge_init(npk_reader *top, merge *m, npk_error *err)
{
	npk__chain *c = npk__reader_chain(top);
	uint32_t n = c->at + 1;
	m->it = calloc(n, sizeof *m->it);
	m->cur = calloc(n, sizeof *m->cur);
	m->heap = calloc(n, sizeof *m->heap);
	m->fr = calloc(n, sizeof *m->fr);
	NPK_FAIL_IF(!m->it || !m->cur || !m->heap || !m->fr, err, NPK_E_NOMEM, "out of memory");
	for (uint32_t e = 0; e < n; e++) {
		npk_reader *fr;
		npk_error e2 = {0};
		if (npk__chain_file(top, e, &fr, &e2) != NPK_OK) {
			NPK_FAIL_IF(blind_add(m, e, NULL, NULL, &e2) != 0, err, NPK_E_NOMEM,
			            "out of memory");
			continue;
		}
		m->fr[e] = fr;
		NPK_FORWARD(npk__iter_new(fr, &m->it[e], err));
		NPK_FORWARD(pull(m, e, err));
		if (m->cur[e] != NULL)
			m->heap[m->n++] = e;
	}
	for (uint32_t i = m->n / 2 + 1; i-- > 0;)
		sift_down(m, i);
	return NPK_OK;
}

/* One step: the smallest path's entry given to cb (the newest version of
 * it unless withdrawn; every version with --all), its editions advanced. */
static int merge_step(merge *m, char *path, npk_entry_cb cb, void *ctx, npk_error *err)
{
	uint32_t e = m->heap[0];
	const npk_entry *x = m->cur[e];
	int rc;
	/* 15.15: a reference lies in its edition's data stream (a listing has
	 * every file open; a missing one is reported at the end) */
	if (x->ref_kind == NPK_REF_EDITION && x->ref_edition < e && m->fr[x->ref_edition] != NULL)
		NPK_FORWARD(npk__reader_check_ref(m->fr[x->ref_edition], x, err));
	int hide = !m->all && m->nbl > 0 && blind_above(m, e, x->path);
	m->withheld += hide && x->kind != NPK_KIND_WITHDRAWN;
	if (!hide && (m->all || m->withdrawals || x->kind != NPK_KIND_WITHDRAWN))
		if ((rc = cb(x, ctx)) != 0)
			return rc;
	if (m->all)
		return advance(m, e, err);
	memcpy(path, x->path, strlen(x->path) + 1);
	NPK_FORWARD(advance(m, e, err));
	while (m->n > 0 && strcmp(m->cur[m->heap[0]]->path, path) == 0)
		NPK_FORWARD(advance(m, m->heap[0], err));
	return NPK_OK;
}

/* A walk's report of what the state lacks (pcb may be NULL: a second
 * pass, already told): the walk goes on as a file's walk does. */
typedef struct walk_blind {
	npk_problem_cb pcb;
	void *pctx;
} walk_blind;

static int chain_list(npk_reader *top, int all, const walk_blind *wb, npk_entry_cb cb, void *ctx,
                      npk_error *err)
{
	npk__chain *c = npk__reader_chain(top);
	merge m = {.all = all == 1, .withdrawals = all == 2, .c = c};
	char *path = malloc(NPK_PATH_MAX + 1);
	int rc = path == NULL ? npk__fail(err, NPK_E_NOMEM, "out of memory")
	                      : merge_init(top, &m, err);
	while (rc == NPK_OK && m.n > 0)
		rc = merge_step(&m, path, cb, ctx, err);
	npk_error failed = m.failed;
	uint32_t failed_e = m.failed_e;
	uint64_t withheld = m.withheld;
	merge_free(&m, c->at + 1);
	free(path);
	if (c->at + 1 == c->count)
		warn_unused(c);
	if (rc != NPK_OK || failed.code == NPK_OK)
		return rc;
	rc = chain_damage(&failed);
	if (wb != NULL) {
		char msg[sizeof failed.msg + 64];
		if (withheld > 0)
			snprintf(msg, sizeof msg, "the state is incomplete (%llu %s withheld): %s",
			         (unsigned long long)withheld, withheld == 1 ? "path" : "paths", failed.msg);
		else
			snprintf(msg, sizeof msg, "the state is incomplete: %s", failed.msg);
		npk_problem p = {rc, "edition", failed_e, 0, NULL, msg, 0, withheld};
		if (wb->pcb != NULL)
			wb->pcb(&p, wb->pctx);
		return NPK_OK;
	}
	if (err != NULL)
		*err = failed;
	if (withheld > 0)
		return npk__wrap(err, rc, "%s: the state is incomplete (%llu %s withheld: an older "
		                 "edition's version may not be the state's): ", npk__reader_name(top),
		                 (unsigned long long)withheld, withheld == 1 ? "path" : "paths");
	return npk__wrap(err, rc, "%s: the state is incomplete: ", npk__reader_name(top));
}

void npk__chain_warn_unused(npk_reader *top)
{
	npk__chain *c = npk__reader_chain(top);
	if (c != NULL && c->at + 1 == c->count)
		warn_unused(c);
}

int npk__chain_list(npk_reader *top, npk_entry_cb cb, void *ctx, npk_error *err)
{
	return chain_list(top, npk__reader_chain(top)->all, NULL, cb, ctx, err);
}

int npk__chain_state(npk_reader *top, npk_entry_cb cb, void *ctx, npk_error *err)
{
	return chain_list(top, 2, NULL, cb, ctx, err);
}

int npk__chain_walk(npk_reader *top, npk_entry_cb cb, void *ctx, npk_problem_cb pcb, void *pctx,
                    npk_error *err)
{
	walk_blind wb = {pcb, pctx};
	return chain_list(top, 0, &wb, cb, ctx, err);
}
