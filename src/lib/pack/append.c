/*
 * append.c - writes an edition (spec/format.md 15.15): a new file holding
 * what the inputs add to or change in a chain's state, and withdrawals,
 * after PREVIOUS. The files of the chain are only read.
 *
 * The inputs are walked as create walks them (pack.h). Each entry is put
 * to the state (the chain read at PREVIOUS) as the writer ends it: a path
 * the state does not hold is added; one it holds with the same kind,
 * digest, media type and metadata is left out; other ones replace it, and
 * a content equal to the state's version's is not stored again but
 * referred to (ref_kind 1), and so is one equal to any content stored in
 * a file of the chain (unless --no-dedup). The writer holds the bytes of
 * an entry that may be left out until the state has said.
 */
#define _GNU_SOURCE /* O_TMPFILE */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "format/dedup.h"
#include "format/format.h"
#include "format/seal.h"
#include "meta/meta.h"
#include "pack/pack.h"
#include "search/extract.h"

/* The state's entry at the path being written. */
typedef struct state_entry {
	int found;
	unsigned kind;
	uint64_t size;
	uint8_t digest[32];
	char *media;
	uint8_t *meta;
	size_t meta_len;
	npk__ed_ref at;           /* where its content is stored */
} state_entry;

typedef struct append_ctx {
	npk_reader *top;          /* the chain, read at PREVIOUS */
	int chain;                /* PREVIOUS is an edition (else a base alone) */
	npk_append_stats *st;
	const npk__withdrawal *wd; /* sorted by path */
	size_t nwd;
	state_entry cur;
	char *clean;              /* a folder prefix ("a/b/") that no entry of the state is */
	size_t clean_len;
	const char *name;         /* PREVIOUS, for messages */
} append_ctx;

/* What append works with, found from PREVIOUS. */
typedef struct prev_info {
	npk_reader *fr;           /* PREVIOUS's own file */
	npk_info info;
	const npk_edition_link *link;
	uint8_t digest[32];       /* H(manifest) */
	uint32_t edition;         /* of the new file */
	uint64_t tree_off, tree_len, p;
	const uint8_t *root;
	unsigned stride;
	char name[NAME_MAX + 1];  /* PREVIOUS's file name */
	char stem[NAME_MAX + 1];  /* the chain's names: STEM.eNNNN.npk */
} prev_info;

static void state_clear(state_entry *s)
{
	free(s->media);
	free(s->meta);
	memset(s, 0, sizeof *s);
}

static int wd_cmp(const void *a, const void *b)
{
	return strcmp(((const npk__withdrawal *)a)->path, ((const npk__withdrawal *)b)->path);
}

static int withdrawn_here(const append_ctx *cx, const char *path)
{
	npk__withdrawal key = {.path = path};
	return cx->nwd > 0 && bsearch(&key, cx->wd, cx->nwd, sizeof key, wd_cmp) != NULL;
}

/* The state's entry at path (s->found 0 when it holds none). */
static int state_find(append_ctx *cx, const char *path, state_entry *s, npk_error *err)
{
	state_clear(s);
	const npk_entry *e;
	int rc = npk_reader_find(cx->top, path, &e, err);
	if (rc == NPK_E_NOTFOUND)
		return NPK_OK;
	if (rc != NPK_OK)
		return npk__wrap(err, rc, "%s: ", cx->name);
	if (e->kind == NPK_KIND_WITHDRAWN)
		return NPK_OK;
	s->found = 1;
	s->kind = e->kind;
	s->size = e->size;
	memcpy(s->digest, e->digest, 32);
	s->at = (npk__ed_ref){cx->chain ? e->ref_edition : 0, e->cluster, e->offset};
	s->media = strdup(e->media_type);
	NPK_FAIL_IF(s->media == NULL, err, NPK_E_NOMEM, "out of memory");
	npk_meta *empty = e->meta ? NULL : npk_meta_new();
	NPK_FAIL_IF(e->meta == NULL && empty == NULL, err, NPK_E_NOMEM, "out of memory");
	rc = npk__meta_encode(e->meta ? e->meta : empty, &s->meta, &s->meta_len, err);
	npk_meta_free(empty);
	return rc;
}

/* 15.15, 5.1: no folder of path is an entry of the state (unless it is
 * withdrawn in this edition). Paths come in order, so the folders found
 * clean for the last path are not looked up again. */
static int state_folders(append_ctx *cx, const char *path, npk_error *err)
{
	state_entry s = {0};
	int rc = NPK_OK;
	const char *last = strrchr(path, '/');
	for (const char *sl = strchr(path, '/'); sl != NULL && rc == NPK_OK; sl = strchr(sl + 1, '/')) {
		size_t n = (size_t)(sl - path);
		if (n + 1 <= cx->clean_len && memcmp(cx->clean, path, n + 1) == 0)
			continue;
		char *dir = strndup(path, n);
		NPK_FAIL_IF(dir == NULL, err, NPK_E_NOMEM, "out of memory");
		if (!withdrawn_here(cx, dir) && (rc = state_find(cx, dir, &s, err)) == NPK_OK && s.found)
			rc = npk__fail(err, NPK_E_INPUT, "\"%s\" is a document of %s's chain, so \"%s\" "
			               "cannot be stored under it as a folder (withdraw it first)", dir,
			               cx->name, path);
		free(dir);
	}
	state_clear(&s);
	if (rc != NPK_OK || last == NULL)
		return rc;
	char *c = strndup(path, (size_t)(last - path) + 1);
	NPK_FAIL_IF(c == NULL, err, NPK_E_NOMEM, "out of memory");
	free(cx->clean);
	cx->clean = c;
	cx->clean_len = strlen(c);
	return NPK_OK;
}

/* Whether an entry q under folder "path/" of file fr is in the state (and
 * not withdrawn by this edition): then path cannot become a document. */
static int live_under(append_ctx *cx, npk_reader *fr, const char *path, char *q, npk_error *err)
{
	size_t n = strlen(path);
	state_entry s = {0};
	char *key = malloc(n + 2);
	NPK_FAIL_IF(key == NULL, err, NPK_E_NOMEM, "out of memory");
	memcpy(key, path, n);
	memcpy(key + n, "/", 2);
	int strict = 0, rc;
	/* the first entry under it is in the state unless withdrawn since */
	while ((rc = npk__reader_seek(fr, strict ? q : key, strict, q, err)) == NPK_OK &&
	       strncmp(q, key, n + 1) == 0) {
		if (!withdrawn_here(cx, q) && (rc = state_find(cx, q, &s, err)) != NPK_OK)
			break;
		if (s.found) {
			rc = npk__fail(err, NPK_E_INPUT, "\"%s\" is a folder of %s's chain (it holds "
			               "\"%s\"), so it cannot be stored as a document (withdraw what it "
			               "holds first)", path, cx->name, q);
			break;
		}
		strict = 1;
	}
	state_clear(&s);
	free(key);
	return rc == NPK_E_NOTFOUND ? NPK_OK : rc;
}

/* 15.15, 5.1: path, new to the state, is no folder of the state: each
 * file that may hold an entry under it (its folder filter) is searched,
 * from the newest. */
static int state_under(append_ctx *cx, const char *path, npk_error *err)
{
	char q[NPK_PATH_MAX + 1];
	for (uint32_t e = npk__chain_count(cx->top); e-- > 0;) {
		npk_reader *fr;
		NPK_FORWARD(npk__chain_file(cx->top, e, &fr, err));
		if (npk__chain_may_hold_folder(cx->top, e, fr, path))
			NPK_FORWARD(live_under(cx, fr, path, q, err));
	}
	return NPK_OK;
}

/* The writer begins path: the state's entry there, and whether the bytes
 * must be held (only an entry of the same kind and size can turn out
 * unchanged or referable). */
static int on_begin(void *ctx, const char *path, unsigned kind, uint64_t size, int *hold,
                    npk_error *err)
{
	append_ctx *cx = ctx;
	NPK_FORWARD(state_folders(cx, path, err));
	NPK_FORWARD(state_find(cx, path, &cx->cur, err));
	if (!cx->cur.found)
		NPK_FORWARD(state_under(cx, path, err));
	*hold = cx->cur.found && cx->cur.kind == kind && cx->cur.size == size && size > 0;
	return NPK_OK;
}

/* The writer ended the entry e: added, unchanged, replaced, referred. */
static int on_end(void *ctx, const npk__ed_entry *e, int *action, npk__ed_ref *ref,
                  npk_error *err)
{
	(void)err;
	append_ctx *cx = ctx;
	const state_entry *s = &cx->cur;
	npk_append_stats *st = cx->st;
	*action = NPK__ED_KEEP;
	int same_bytes = s->found && s->size == e->size && memcmp(s->digest, e->digest, 32) == 0;
	if (same_bytes && s->kind == e->kind && strcmp(s->media, e->media) == 0 &&
	    s->meta_len == e->meta_len && memcmp(s->meta, e->meta, e->meta_len) == 0) {
		*action = NPK__ED_SKIP;
		st->unchanged++;
		return NPK_OK;
	}
	if (s->found)
		st->replaced++;
	else
		st->added++;
	st->bytes_in += e->size;
	if (same_bytes && s->kind == e->kind && e->size > 0 && e->kind != NPK_KIND_FOLDER) {
		*action = NPK__ED_REF;
		*ref = s->at;
		st->referenced++;
		return NPK_OK;
	}
	st->bytes_stored += e->size;
	return NPK_OK;
}

/* ---- PREVIOUS ---- */

/* Reads the tree section of a file alone (the base, for edition 1). */
typedef struct file_tree {
	int fd;
	uint64_t off, len;
} file_tree;

static int file_tree_read(void *ctx, uint64_t off, void *buf, size_t len, npk_error *err)
{
	const file_tree *t = ctx;
	NPK_FAIL_IF(off > t->len || len > t->len - off, err, NPK_E_FORMAT,
	            "the previous edition's tree section is shorter than its levels");
	return npk__pread_full(t->fd, buf, len, t->off + off, "the previous edition's tree", err);
}

/* STEM of a chain's file name: "news" of news.npk and news.e0004.npk. */
static void name_stem(const char *name, char *stem, size_t cap)
{
	size_t n = strlen(name);
	if (n > 4 && strcmp(name + n - 4, ".npk") == 0)
		n -= 4;
	size_t d = n;
	while (d > 0 && name[d - 1] >= '0' && name[d - 1] <= '9')
		d--;
	if (n - d >= 4 && d >= 3 && name[d - 1] == 'e' && name[d - 2] == '.')
		n = d - 2;
	snprintf(stem, cap, "%.*s", (int)n, name);
}

/* The tree of PREVIOUS: its section, size, root and stride. */
static int prev_tree(prev_info *pv, npk_error *err)
{
	const char *name = npk__reader_name(pv->fr);
	if (pv->info.sealed) { /* 15.17.8: no section; the root from the sealed manifest */
		NPK_FAIL_IF(!pv->info.tree, err, NPK_E_INPUT, "%s holds no Merkle tree (made with "
		            "--no-tree): an edition extends its tree; create it again to append to it",
		            name);
		pv->p = pv->info.tree_size;
		pv->root = pv->info.tree_root;
		pv->stride = NPK_TREE_STRIDE;
		return NPK_OK;
	}
	int rc = npk__reader_tree(pv->fr, &pv->tree_off, &pv->tree_len, &pv->p, &pv->root);
	if (rc == NPK_E_NOTFOUND)
		return npk__fail(err, NPK_E_INPUT, "%s holds no Merkle tree (made by an earlier "
		                 "newspack or with --no-tree): an edition extends its tree; create it "
		                 "again to append to it", name);
	NPK_FORWARD(rc);
	uint8_t h[NPK_TREE_HEADER];
	NPK_FAIL_IF(pv->tree_len < sizeof h, err, NPK_E_FORMAT, "%s: the Merkle tree section is "
	            "too short", name);
	NPK_FORWARD(npk__pread_full(npk__reader_fd(pv->fr), h, sizeof h, pv->tree_off, name, err));
	pv->stride = h[16];
	NPK_FAIL_IF(pv->stride < 1 || pv->stride > NPK_TREE_STRIDE_MAX, err, NPK_E_FORMAT,
	            "%s: the Merkle tree section's stride %u is not 1 to %u", name, pv->stride,
	            NPK_TREE_STRIDE_MAX);
	return NPK_OK;
}

/* PREVIOUS's own file in the chain top, and what the edition after it
 * needs of it. */
static int prev_load(npk_reader *top, const char *previous, prev_info *pv, npk_error *err)
{
	uint32_t count = npk__chain_count(top);
	NPK_FORWARD(npk__chain_file(top, count - 1, &pv->fr, err));
	npk_reader_info(pv->fr, &pv->info);
	pv->link = npk__reader_link(pv->fr);
	const uint8_t *mf, *sig;
	size_t mf_len, sig_len;
	npk__reader_signed(pv->fr, &mf, &mf_len, &sig, &sig_len);
	npk__digest(mf, mf_len, pv->digest);
	pv->edition = pv->link ? pv->link->edition + 1 : 1;
	NPK_FAIL_IF(pv->link && pv->link->edition + 1 >= NPK_CHAIN_READ_MAX, err, NPK_E_LIMIT,
	            "%s is edition %u, the last of a chain newspack reads (%u editions)", previous,
	            (unsigned)pv->link->edition, NPK_CHAIN_READ_MAX);
	char *real = realpath(previous, NULL);
	const char *base = real ? real : previous;
	const char *slash = strrchr(base, '/');
	snprintf(pv->name, sizeof pv->name, "%s", slash ? slash + 1 : base);
	free(real);
	name_stem(pv->name, pv->stem, sizeof pv->stem);
	return prev_tree(pv, err);
}

/* The file that follows PREVIOUS by the naming rule, when it is there and
 * its link names PREVIOUS: then PREVIOUS is not the newest edition. */
static int prev_newest(const char *previous, const prev_info *pv, npk_error *err)
{
	const char *slash = strrchr(previous, '/');
	char next[PATH_MAX];
	int n = snprintf(next, sizeof next, "%.*s%s.e%04u.npk", slash ? (int)(slash - previous + 1) : 0,
	                 previous, pv->stem, (unsigned)pv->edition);
	struct stat st;
	if (n < 0 || (size_t)n >= sizeof next || stat(next, &st) != 0)
		return NPK_OK;
	npk_reader *r = NULL;
	npk_error e2 = {0};
	if (npk__reader_open_file(next, NULL, NULL, 1, &r, &e2) != NPK_OK)
		return NPK_OK; /* not an edition of this chain that can be read */
	const npk_edition_link *l = npk__reader_link(r);
	int follows = l != NULL && memcmp(l->prev_digest, pv->digest, 32) == 0;
	npk_reader_free(r);
	NPK_FAIL_IF(follows, err, NPK_E_EXISTS, "%s is not the newest edition: %s follows it "
	            "(--fork appends after it anyway, making a second history)", previous, next);
	return NPK_OK;
}

/* The roots of [0, p) at the border, checked against PREVIOUS's signed
 * root: a damaged tree section is not extended. */
static int prev_border(append_ctx *cx, const prev_info *pv, uint8_t (*border)[32],
                       npk__chain_tree *ct, file_tree *ft, npk_edition_spec *spec,
                       npk_error *err)
{
	if (pv->info.sealed) { /* 15.17.8: folded from the leaves of every file */
		npk_mth t;
		NPK_FORWARD(npk__chain_sealed_border(cx->top, npk__chain_count(cx->top), &t, err));
		NPK_FAIL_IF(t.n != pv->p, err, NPK_E_FORMAT, "%s: the chain holds %llu leaves, its "
		            "newest file's tree %llu", cx->name, (unsigned long long)t.n,
		            (unsigned long long)pv->p);
		memcpy(border, t.stack, sizeof t.stack);
		return NPK_OK;
	}
	*ft = (file_tree){npk__reader_fd(pv->fr), pv->tree_off, pv->tree_len};
	spec->rd = file_tree_read;
	spec->rd_ctx = ft;
	if (cx->chain) {
		NPK_FORWARD(npk__chain_tree_init(ct, cx->top, pv->p, err));
		spec->rd = npk__chain_tree_read;
		spec->rd_ctx = ct;
	}
	NPK_FORWARD(npk__tree_border(pv->p, pv->stride, spec->rd, spec->rd_ctx, border, err));
	npk_mth t;
	uint8_t root[32];
	npk__mth_resume(&t, pv->p, (const uint8_t(*)[32])border);
	npk__mth_root(&t, root);
	NPK_FAIL_IF(memcmp(root, pv->root, 32) != 0, err, NPK_E_DIGEST,
	            "%s: the stored Merkle tree does not match its root: run newspack verify",
	            cx->name);
	return NPK_OK;
}

/* ---- OUT ---- */

/* OUT is no file of the chain, even with --force (15.15). */
static int out_not_chain(const char *out, npk_reader *top, const char *previous, npk_error *err)
{
	struct stat os, fs;
	if (stat(out, &os) != 0)
		return NPK_OK;
	NPK_FAIL_IF(stat(previous, &fs) == 0 && fs.st_dev == os.st_dev && fs.st_ino == os.st_ino,
	            err, NPK_E_EXISTS, "%s: is PREVIOUS (%s): an edition never replaces a file of "
	            "its chain", out, previous);
	for (uint32_t e = 0; e < npk__chain_count(top); e++) {
		npk_reader *fr;
		npk_error e2 = {0};
		if (npk__chain_file(top, e, &fr, &e2) != NPK_OK || fstat(npk__reader_fd(fr), &fs) != 0)
			continue;
		NPK_FAIL_IF(fs.st_dev == os.st_dev && fs.st_ino == os.st_ino, err, NPK_E_EXISTS,
		            "%s: is edition %u of the chain (%s): an edition never replaces a file of "
		            "its chain", out, (unsigned)e, npk__chain_name(top, e));
	}
	return NPK_OK;
}

/* OUT as given, or STEM.eNNNN.npk in it when it is a folder (malloc'ed). */
static int out_path(const char *out, const prev_info *pv, char **path, npk_error *err)
{
	struct stat st;
	int dir = stat(out, &st) == 0 && S_ISDIR(st.st_mode);
	size_t n = strlen(out) + strlen(pv->stem) + 32;
	*path = malloc(n);
	NPK_FAIL_IF(*path == NULL, err, NPK_E_NOMEM, "out of memory");
	if (dir)
		snprintf(*path, n, "%s%s%s.e%04u.npk", out, out[strlen(out) - 1] == '/' ? "" : "/",
		         pv->stem, (unsigned)pv->edition);
	else
		snprintf(*path, n, "%s", out);
	return NPK_OK;
}

/* ---- the signer, the time, the withdrawals ---- */

static void key_hex(const uint8_t id[8], char out[17])
{
	npk_keyid_format(id, out);
}

/* The rotation file, whole (a few hundred bytes: more is not one). */
static int rotation_read(const char *path, npk_buf *text, npk_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	NPK_FAIL_IF(fd < 0, err, errno == ENOENT ? NPK_E_NOTFOUND : NPK_E_IO, "%s: %s", path,
	            strerror(errno));
	uint8_t buf[1024];
	ssize_t n = read(fd, buf, sizeof buf);
	int e = errno;
	close(fd);
	NPK_FAIL_IF(n < 0, err, NPK_E_IO, "%s: %s", path, strerror(e));
	NPK_FAIL_IF((size_t)n == sizeof buf, err, NPK_E_FORMAT, "%s: not an npk-rotation/v1 file "
	            "(too long)", path);
	NPK_FAIL_IF(npk__buf_put(text, buf, (size_t)n) != 0, err, NPK_E_NOMEM, "out of memory");
	return NPK_OK;
}

/* A key other than PREVIOUS's signer needs a rotation statement that
 * PREVIOUS's signer made for it at this place of the chain. */
static int signer_check(const prev_info *pv, const npk_seckey *sk, const char *rotation,
                        uint8_t st[NPK_ROTATION_STATEMENT], uint8_t sig[64], int *rotated,
                        const char *previous, npk_error *err)
{
	npk_pubkey *pk = npk_seckey_pubkey(sk);
	NPK_FAIL_IF(pk == NULL, err, NPK_E_NOMEM, "out of memory");
	int same = memcmp(npk_pubkey_id(pk), pv->info.key_id, 8) == 0 &&
	           memcmp(npk_pubkey_bytes(pk), pv->info.signer, 32) == 0;
	char now[17], old[17];
	key_hex(npk_pubkey_id(pk), now);
	key_hex(pv->info.key_id, old);
	int rc = NPK_OK;
	*rotated = 0;
	if (same || (rotation == NULL)) {
		npk_pubkey_free(pk);
		NPK_FAIL_IF(same && rotation != NULL, err, NPK_E_ARG, "%s: --rotation: %s is signed by "
		            "key %s already; a rotation statement is for another key", rotation,
		            previous, now);
		NPK_FAIL_IF(!same, err, NPK_E_ARG, "key %s is not the signer of %s (key %s): name a "
		            "rotation statement by key %s for it with --rotation (newspack rotate)", now,
		            previous, old, old);
		return NPK_OK;
	}
	npk_buf text = {0};
	NPK_FORWARD_GOTO(rc, rotation_read(rotation, &text, err), out);
	NPK_FORWARD_GOTO(rc, npk__rotation_parse((const char *)text.p, text.len, rotation, st, sig,
	                                         err), out);
	npk_edition_link l = {.edition = pv->edition,
	                      .prev_digest = pv->digest,
	                      .base_digest = pv->link ? pv->link->base_digest : pv->digest,
	                      .statement = st, .rotation_sig = sig};
	const char *why = npk__rotation_check(&l, pv->info.signer, npk_pubkey_id(pk),
	                                      npk_pubkey_bytes(pk));
	if (why != NULL)
		rc = npk__fail(err, NPK_E_SIGNATURE, "%s: does not let key %s sign the edition after "
		               "%s (signed by key %s): %s", rotation, now, previous, old, why);
	*rotated = rc == NPK_OK;
out:
	npk__buf_free(&text);
	npk_pubkey_free(pk);
	return rc;
}

static void iso_time(uint64_t t, char *out, size_t cap)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (gmtime_r(&tt, &tm) == NULL || strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, cap, "%llu", (unsigned long long)t);
}

/* The withdrawals, sorted, each a path of the state (its media type
 * kept), none twice; meta holds the reason. */
static int withdrawals_load(append_ctx *cx, const npk_append_opts *opts, npk__withdrawal **out,
                            npk_meta **meta, npk_error *err)
{
	size_t n = opts->nwithdraw;
	*out = NULL;
	if (n == 0)
		return NPK_OK;
	const char *r = opts->reason;
	if (r != NULL) {
		NPK_FAIL_IF(strlen(r) > NPK_REASON_MAX || !npk__utf8_ok((const uint8_t *)r, strlen(r)),
		            err, NPK_E_INPUT, "--reason: at most %u bytes of UTF-8", NPK_REASON_MAX);
		NPK_FAIL_IF((*meta = npk_meta_new()) == NULL, err, NPK_E_NOMEM, "out of memory");
		NPK_FORWARD(npk_meta_add(*meta, NPK_REASON_KEY, r, err));
	}
	npk__withdrawal *v = calloc(n, sizeof *v);
	NPK_FAIL_IF(v == NULL, err, NPK_E_NOMEM, "out of memory");
	*out = v;
	for (size_t i = 0; i < n; i++)
		v[i] = (npk__withdrawal){.path = opts->withdraw[i], .meta = *meta};
	qsort(v, n, sizeof *v, wd_cmp);
	state_entry s = {0};
	int rc = NPK_OK;
	for (size_t i = 0; i < n && rc == NPK_OK; i++) {
		NPK_FAIL_IF(i > 0 && strcmp(v[i - 1].path, v[i].path) == 0, err, NPK_E_ARG,
		            "--withdraw %s: given twice", v[i].path);
		rc = state_find(cx, v[i].path, &s, err);
		if (rc == NPK_OK && !s.found)
			rc = npk__fail(err, NPK_E_NOTFOUND, "--withdraw %s: %s's chain does not hold it",
			               v[i].path, cx->name);
		if (rc == NPK_OK && (v[i].media = strdup(s.media)) == NULL)
			rc = npk__fail(err, NPK_E_NOMEM, "out of memory");
	}
	state_clear(&s);
	return rc;
}

static void withdrawals_free(npk__withdrawal *v, size_t n)
{
	for (size_t i = 0; v != NULL && i < n; i++)
		free((char *)(uintptr_t)v[i].media);
	free(v);
}

/* ---- the new file: nameless until it is whole ---- */

/* The edition is written to a file without a name (O_TMPFILE) in OUT's
 * folder, so that a killed append leaves nothing at all; it gets its name
 * once synced. o->tmp names it through /proc for the tail's read back;
 * o->made stays 0 (nothing to remove). Where the file system or /proc
 * cannot do that: npk__out's named temporary file. */
static int edition_out_open(npk__out *o, const char *out, int replace, npk_error *err)
{
#ifdef O_TMPFILE
	const char *slash = strrchr(out, '/');
	char *dir = slash ? strndup(out, slash == out ? 1 : (size_t)(slash - out)) : strdup(".");
	NPK_FAIL_IF(dir == NULL, err, NPK_E_NOMEM, "out of memory");
	int fd = access("/proc/self/fd", X_OK) == 0
	         ? open(dir, O_RDWR | O_TMPFILE | O_CLOEXEC, NPK__MODE_FILE) : -1;
	free(dir);
	if (fd >= 0) {
		*o = (npk__out){.fd = fd, .path = out, .flags = replace};
		o->tmp = malloc(48);
		if (o->tmp != NULL)
			snprintf(o->tmp, 48, "/proc/self/fd/%d", fd);
		NPK_FAIL_IF(o->tmp == NULL, err, NPK_E_NOMEM, "out of memory");
		return NPK_OK;
	}
#endif
	return npk__out_open(o, out, NPK__MODE_FILE, replace, err);
}

/* Syncs the file and gives it OUT's name: linked there (an existing OUT
 * stays, NPK_E_EXISTS), or with replace linked beside it and renamed. */
static int edition_out_commit(npk__out *o, npk_error *err)
{
	if (o->made || strncmp(o->tmp, "/proc/self/fd/", 14) != 0)
		return npk__out_commit(o, err);
	NPK_FAIL_IF(fsync(o->fd) != 0, err, NPK_E_IO, "%s: fsync: %s", o->path, strerror(errno));
	if (!(o->flags & NPK__OUT_REPLACE)) {
		if (linkat(AT_FDCWD, o->tmp, AT_FDCWD, o->path, AT_SYMLINK_FOLLOW) != 0)
			return npk__fail(err, errno == EEXIST ? NPK_E_EXISTS : NPK_E_IO, "%s: %s",
			                 o->path, errno == EEXIST ? "already exists; not overwriting it"
			                                          : strerror(errno));
	} else {
		size_t n = strlen(o->path) + 32;
		char *t = malloc(n);
		NPK_FAIL_IF(t == NULL, err, NPK_E_NOMEM, "out of memory");
		snprintf(t, n, "%s.tmp-%08x", o->path, randombytes_random());
		int rc = linkat(AT_FDCWD, o->tmp, AT_FDCWD, t, AT_SYMLINK_FOLLOW) != 0 ||
		         rename(t, o->path) != 0 ? -1 : 0;
		int e = errno;
		if (rc != 0)
			unlink(t);
		free(t);
		NPK_FAIL_IF(rc != 0, err, NPK_E_IO, "%s: cannot rename into place: %s", o->path,
		            strerror(e));
	}
	const char *slash = strrchr(o->path, '/');
	char *dir = slash ? strndup(o->path, slash == o->path ? 1 : (size_t)(slash - o->path))
	                  : strdup(".");
	int dfd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	if (dfd >= 0) {
		(void)fsync(dfd); /* best effort, as npk__out_commit */
		close(dfd);
	}
	free(dir);
	return NPK_OK;
}

/* ---- writing ---- */

/* What npk_append works with, freed at its end. */
typedef struct append_run {
	append_ctx cx;
	prev_info pv;
	npk_edition_spec spec;
	npk__withdrawal *wd;
	npk_meta *reason;
	uint8_t (*border)[32];
	uint8_t statement[NPK_ROTATION_STATEMENT], rot_sig[64];
	npk__chain_tree ct;
	file_tree ft;
	char *out;
	npk__out o;
	npk_writer *w;
} append_run;

static void spec_fill(append_run *a, int rotated, size_t nwithdraw);

/* 15.17.8: a sealed chain is opened with the keys given (its newest
 * file's stanzas give the file key, which opens every file); an edition
 * of a plain chain is not sealed. */
static int append_unseal(append_run *a, const char *previous, const npk_append_opts *opts,
                         npk_error *err)
{
	const npk_create_opts *co = &opts->create;
	npk_info ti;
	npk_reader_info(a->cx.top, &ti);
	NPK_FAIL_IF(!ti.sealed && (co->nrecipients > 0 || co->seal_passphrase != NULL), err,
	            NPK_E_ARG, "%s is not sealed: the files of a chain are all sealed or none is "
	            "(spec/format.md 15.17.8); merge it into a sealed archive instead", previous);
	if (!ti.sealed)
		return NPK_OK;
	NPK_FAIL_IF(co->seal_passphrase != NULL, err, NPK_E_ARG, "%s is sealed: its edition keeps "
	            "its stanzas (a passphrase stanza among them); a new passphrase needs a new "
	            "archive", previous);
	return npk_reader_unseal(a->cx.top, opts->keys, err);
}

/* 15.17.8: the edition's seal: the chain's file key, PREVIOUS's stanzas
 * and tags, and the recipients added (create.recipients). */
static int seal_fill(append_run *a, const char *previous, const npk_create_opts *co,
                     npk_error *err)
{
	npk__seal_view v;
	NPK_FORWARD(npk__reader_seal_view(a->cx.top, &v, err));
	NPK_FAIL_IF(v.k == NULL, err, NPK_E_ARG, "%s is not opened", previous);
	NPK_FAIL_IF(v.tags == NULL, err, NPK_E_INPUT, "%s records no recipient tags (15.17.6): its "
	            "stanzas cannot be carried to an edition", previous);
	for (size_t i = 0; i < co->nrecipients; i++)
		for (uint32_t j = 0; j < v.nstanzas; j++) {
			uint8_t tag[32];
			npk__seal_tag(v.k->fk, npk_recipient_bytes(co->recipients[i]), tag);
			NPK_FAIL_IF(sodium_memcmp(tag, v.tags + 32 * (size_t)j, 32) == 0, err, NPK_E_ARG,
			            "recipient %zu is a recipient of %s already", i + 1, previous);
		}
	npk_edition_spec *s = &a->spec;
	s->seal_fk = v.k->fk;
	s->stanzas = v.seal + NPK_SEAL_FIXED;
	s->stanzas_len = (size_t)(v.stanzas_end - NPK_SEAL_FIXED); /* the opening walked them */
	s->nstanzas = v.nstanzas;
	s->tags = v.tags;
	s->add = co->recipients;
	s->nadd = co->nrecipients;
	return NPK_OK;
}

/* Everything checked before a byte is written. */
static int append_prepare(append_run *a, const char *previous, const char *out,
                          const char *const *inputs, size_t ninputs,
                          const npk_append_opts *opts, const npk_seckey *sk, npk_error *err)
{
	const npk_create_opts *co = &opts->create;
	NPK_FAIL_IF(co->format_10 || co->no_tree, err, NPK_E_ARG,
	            "an edition is of format 1.1 with its Merkle tree (no --format-version 1.0, "
	            "no --no-tree)");
	NPK_FORWARD(npk__pack_opts_check(co, err));
	NPK_FORWARD(npk_reader_open_chain(previous, NULL, 1, opts->chain, &a->cx.top, err));
	a->cx.name = previous;
	NPK_FORWARD(append_unseal(a, previous, opts, err));
	NPK_FORWARD(prev_load(a->cx.top, previous, &a->pv, err));
	a->cx.chain = a->pv.link != NULL;
	if (!opts->fork)
		NPK_FORWARD(prev_newest(previous, &a->pv, err));
	char tp[32], tn[32];
	iso_time(a->pv.info.created, tp, sizeof tp);
	iso_time(co->timestamp, tn, sizeof tn);
	NPK_FAIL_IF(co->timestamp < a->pv.info.created, err, NPK_E_ARG, "the timestamp %s is before "
	            "%s was created (%s): an edition is not older than the one before it", tn,
	            previous, tp);
	int rotated = 0;
	NPK_FORWARD(signer_check(&a->pv, sk, opts->rotation, a->statement, a->rot_sig, &rotated,
	                         previous, err));
	NPK_FORWARD(out_path(out, &a->pv, &a->out, err));
	NPK_FORWARD(out_not_chain(a->out, a->cx.top, previous, err));
	NPK_FORWARD(npk__pack_check_out(a->out, inputs, ninputs, co->force, err));
	NPK_FORWARD(withdrawals_load(&a->cx, opts, &a->wd, &a->reason, err));
	a->cx.wd = a->wd;
	a->cx.nwd = opts->nwithdraw;
	a->border = calloc(64, 32);
	NPK_FAIL_IF(a->border == NULL, err, NPK_E_NOMEM, "out of memory");
	if (a->pv.p > 0)
		NPK_FORWARD(prev_border(&a->cx, &a->pv, a->border, &a->ct, &a->ft, &a->spec, err));
	spec_fill(a, rotated, opts->nwithdraw);
	if (a->pv.info.sealed)
		NPK_FORWARD(seal_fill(a, previous, co, err));
	return NPK_OK;
}

/* The edition the writer writes: the link's fields, the tree's border and
 * reader (set by prev_border), the withdrawals and the state's answers. */
static void spec_fill(append_run *a, int rotated, size_t nwithdraw)
{
	npk_edition_spec *s = &a->spec;
	s->edition = a->pv.edition;
	s->prev_digest = a->pv.digest;
	s->base_digest = a->pv.link ? a->pv.link->base_digest : a->pv.digest;
	s->prev_tree_size = a->pv.p;
	s->prev_name = a->pv.name;
	s->statement = rotated ? a->statement : NULL;
	s->rotation_sig = rotated ? a->rot_sig : NULL;
	s->stride = a->pv.stride;
	s->border = (const uint8_t(*)[32])a->border;
	s->withdraw = a->wd;
	s->nwithdraw = nwithdraw;
	s->begin = on_begin;
	s->end = on_end;
	s->ctx = &a->cx;
}

/* 15.7, 15.15: every content stored in a file of the chain, so that the
 * edition names it (ref_kind 1) instead of storing it again: one walk of
 * each file's index, the base's first, so that the oldest copy is the one
 * named. The contents of versions replaced or withdrawn since count too:
 * their bytes stay in their files whatever the state says. The set spills
 * to scratch files past its memory, as for the edition's own contents. */
static int chain_seed(append_run *a, npk_error *err)
{
	npk_reader *top = a->cx.top;
	for (uint32_t ed = 0; ed < npk__chain_count(top); ed++) {
		npk_reader *fr;
		npk__iter *it = NULL;
		const npk_entry *e;
		int rc = npk__chain_file(top, ed, &fr, err);
		if (rc == NPK_OK)
			rc = npk__iter_new(fr, &it, err);
		while (rc == NPK_OK && (rc = npk__iter_next(it, &e, err)) == NPK_OK && e != NULL) {
			if (e->ref_kind != NPK_REF_INLINE || e->size == 0 ||
			    (e->kind != NPK_KIND_DOCUMENT && e->kind != NPK_KIND_SYMLINK))
				continue;
			npk__dedup_rec r = {.size = e->size, .edition = ed, .cluster = e->cluster,
			                    .offset = e->offset};
			memcpy(r.digest, e->digest, 32);
			rc = npk__writer_dedup_seed(a->w, &r, err);
		}
		npk__iter_free(it);
		if (rc == NPK_OK)
			npk__reader_drop(fr, NPK__DROP_LIST);
		else if (rc != NPK_E_NOMEM)
			return npk__wrap(err, rc, "the contents of the chain (deduplication): ");
		NPK_FORWARD(rc);
	}
	return NPK_OK;
}

/* Entry e of file fr (whose first leaf is base), indexed when it is the
 * state's version of its path. */
static int index_one(append_run *a, npk_reader *fr, const npk_entry *e, uint64_t base,
                     npk_buf *text, npk_error *err)
{
	npk_entry x = *e;
	char *path = strdup(e->path), *media = strdup(e->media_type ? e->media_type : "");
	uint8_t *meta = NULL;
	size_t meta_len = 0;
	int rc = path && media ? NPK_OK : npk__fail(err, NPK_E_NOMEM, "out of memory");
	if (rc == NPK_OK && e->meta != NULL)
		rc = npk__meta_encode(e->meta, &meta, &meta_len, err);
	const npk_entry *now = NULL;
	npk_reader *nfr = NULL;
	int current = 0;
	if (rc == NPK_OK) {
		rc = npk__chain_find(a->cx.top, path, &now, &nfr, err);
		current = rc == NPK_OK && nfr == fr && now->ordinal == x.ordinal;
		if (rc == NPK_E_NOTFOUND)
			rc = NPK_OK;
	}
	if (rc == NPK_OK && current) {
		x.path = path;
		x.media_type = media;
		x.meta = NULL;
		text->len = 0;
		npk__text_sink t = {text, 0};
		rc = npk_reader_read(a->cx.top, &x, npk__text_sink_take, &t, err);
		if (rc == NPK_OK && t.nomem)
			rc = npk__fail(err, NPK_E_NOMEM, "out of memory");
		if (rc == NPK_OK)
			rc = npk__writer_index_doc(a->w, base + x.ordinal, text->p, text->len,
			                           x.size > NPK__INDEX_DOC_MAX, media, meta, meta_len, err);
		if (rc == NPK_OK)
			a->cx.st->indexed++;
	}
	free(path);
	free(media);
	free(meta);
	return rc;
}

/* spec/search.md 9.1: the index of the chain's state, in an edition of
 * no entry of its own: each file's entries in order (their leaf numbers
 * increase), the documents that are still the state's read and indexed. */
static int index_state(append_run *a, npk_error *err)
{
	npk_reader *top = a->cx.top;
	NPK_FORWARD(npk__writer_index_start(a->w, 0, err));
	npk_buf text = {0};
	uint64_t base = 0;
	int rc = NPK_OK;
	for (uint32_t ed = 0; rc == NPK_OK && ed < npk__chain_count(top); ed++) {
		npk_reader *fr;
		npk_edition_info ei;
		npk__iter *it = NULL;
		const npk_entry *e;
		rc = npk__chain_file(top, ed, &fr, err);
		if (rc == NPK_OK)
			rc = npk_reader_edition(top, ed, &ei, err);
		if (rc == NPK_OK)
			rc = npk__iter_new(fr, &it, err);
		while (rc == NPK_OK && (rc = npk__iter_next(it, &e, err)) == NPK_OK && e != NULL) {
			if (e->kind != NPK_KIND_DOCUMENT)
				continue;
			rc = index_one(a, fr, e, base, &text, err);
		}
		npk__iter_free(it);
		if (rc == NPK_OK)
			npk__reader_drop(fr, NPK__DROP_LIST);
		base = ei.tree_size;
	}
	npk__buf_free(&text);
	return rc;
}

/* The edition written to a temporary file beside OUT, then renamed. */
static int append_write(append_run *a, const char *const *inputs, size_t ninputs,
                        const npk_append_opts *opts, const npk_seckey *sk, npk_error *err)
{
	npk_create_opts wo = opts->create;
	wo.salt_key = sk; /* 15.7 */
	wo.recipients = NULL; /* 15.17.8: sealed by the edition (spec_fill), not anew */
	wo.nrecipients = 0;
	if (wo.archive_meta == NULL)
		wo.archive_meta = a->pv.info.meta;
	const int replace = wo.force ? NPK__OUT_REPLACE : 0;
	NPK_FORWARD(edition_out_open(&a->o, a->out, replace, err));
	NPK_FORWARD(npk_writer_new(a->o.fd, &wo, &a->w, err));
	NPK_FORWARD(npk__writer_edition(a->w, &a->spec, err));
	if (opts->index_chain && wo.search_index)
		NPK_FORWARD(index_state(a, err));
	if (ninputs > 0 && !wo.no_dedup)
		NPK_FORWARD(chain_seed(a, err));
	npk_create_stats cst = {0};
	if (ninputs > 0)
		NPK_FORWARD(npk__pack_inputs(a->w, &a->o, inputs, ninputs, &wo, &cst, err));
	npk_append_stats *st = a->cx.st;
	npk__writer_dedup(a->w, &st->dedup_documents, &st->dedup_bytes);
	st->bytes_stored -= st->dedup_bytes;
	NPK_FORWARD(npk_writer_finish(a->w, sk, err));
	uint64_t cut;
	npk__writer_index(a->w, &st->index_bytes, &st->index_keys, &cut);
	st->bytes_out = npk_writer_size(a->w);
	NPK_FORWARD(npk__pack_tail(&a->o, &wo, &st->bytes_out, err));
	NPK_FORWARD(edition_out_commit(&a->o, err));
	st->edition = a->pv.edition;
	st->withdrawn = opts->nwithdraw;
	st->tree_size = a->pv.p + npk__writer_entries(a->w);
	return NPK_OK;
}

int npk_append(const char *previous, const char *out, const char *const *inputs,
               size_t ninputs, const npk_append_opts *opts, const npk_seckey *sk,
               npk_append_stats *stats, npk_error *err)
{
	npk_append_stats local;
	npk_append_stats *st = stats ? stats : &local;
	memset(st, 0, sizeof *st);
	NPK_FORWARD(npk__init(err));
	NPK_FAIL_IF(sk == NULL, err, NPK_E_ARG, "no secret key to sign with");
	NPK_FAIL_IF(opts == NULL, err, NPK_E_ARG, "no options");
	/* 15.18: an edition's clusters are written without one */
	NPK_FAIL_IF(opts->create.dictionary, err, NPK_E_ARG,
	            "append writes no compression dictionary (create --dictionary does)");
	NPK_FAIL_IF(ninputs == 0 && opts->nwithdraw == 0, err, NPK_E_ARG,
	            "nothing to append: no INPUT and no --withdraw");
	append_run *a = calloc(1, sizeof *a);
	NPK_FAIL_IF(a == NULL, err, NPK_E_NOMEM, "out of memory");
	a->cx.st = st;
	a->o.fd = -1;
	int rc = append_prepare(a, previous, out, inputs, ninputs, opts, sk, err);
	if (rc == NPK_OK)
		rc = append_write(a, inputs, ninputs, opts, sk, err);
	npk__out_abort(&a->o);
	npk_writer_free(a->w);
	state_clear(&a->cx.cur);
	free(a->cx.clean);
	withdrawals_free(a->wd, opts->nwithdraw);
	npk_meta_free(a->reason);
	free(a->border);
	free(a->out);
	npk_reader_free(a->cx.top);
	free(a);
	return rc;
}

/* ---- rotation ---- */

int npk_rotation_make(const char *previous, const npk_chain_opts *chain, const npk_seckey *old,
                      const npk_pubkey *new_key, char **text, size_t *len, npk_error *err)
{
	NPK_FORWARD(npk__init(err));
	npk_reader *top = NULL;
	prev_info *pv = calloc(1, sizeof *pv);
	NPK_FAIL_IF(pv == NULL, err, NPK_E_NOMEM, "out of memory");
	int rc;
	NPK_FORWARD_GOTO(rc, npk_reader_open_chain(previous, NULL, 1, chain, &top, err), out);
	NPK_FORWARD_GOTO(rc, prev_load(top, previous, pv, err), out);
	npk_pubkey *pk = npk_seckey_pubkey(old);
	if (pk == NULL) {
		rc = npk__fail(err, NPK_E_NOMEM, "out of memory");
		goto out;
	}
	char id[17], signer[17], nid[17];
	key_hex(npk_pubkey_id(pk), id);
	key_hex(pv->info.key_id, signer);
	key_hex(npk_pubkey_id(new_key), nid);
	int is_signer = memcmp(npk_pubkey_bytes(pk), pv->info.signer, 32) == 0;
	npk_pubkey_free(pk);
	if (!is_signer) {
		rc = npk__fail(err, NPK_E_ARG, "key %s did not sign %s (key %s did): only the signer of "
		               "an edition authorises the next one's key", id, previous, signer);
		goto out;
	}
	if (memcmp(npk_pubkey_bytes(new_key), pv->info.signer, 32) == 0) {
		rc = npk__fail(err, NPK_E_ARG, "key %s signed %s already: a rotation is to another key",
		               nid, previous);
		goto out;
	}
	uint8_t st[NPK_ROTATION_STATEMENT], sig[64];
	npk__rotation_statement(st, pv->link ? pv->link->base_digest : pv->digest, pv->digest,
	                        pv->edition, npk_pubkey_id(new_key), npk_pubkey_bytes(new_key));
	NPK_FORWARD_GOTO(rc, npk__rotation_sign(old, st, sig, err), out);
	rc = npk__rotation_format(st, sig, text, len, err);
out:
	free(pv);
	npk_reader_free(top);
	return rc;
}
