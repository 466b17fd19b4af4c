/*
 * chaincheck.c - check-chain (spec/format.md 15.15): every file of a chain
 * read once (header, trailer, tables and manifest by the chain reader; its
 * own signature with its own key, its tree section's digest and header
 * here), the links between editions, each edition's root from its stored
 * nodes, the consistency proof of each edition against the one before,
 * key rotations and trust, and forks among the files that name the same
 * base. Problems are reported one by one; the walk goes on after each.
 */
#include <dirent.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <sodium.h>

#include "format/format.h"
#include "proof/proof.h"

typedef struct ed_state {
	npk_reader *fr;           /* owned by the chain reader */
	npk_chain_edition info;
	npk_mview mv;             /* of its manifest, in fr's signed bytes */
	uint8_t digest[32];       /* H(manifest) */
	uint64_t p;               /* the leaves before it */
	unsigned stride;
	int parsed;               /* mv is valid */
	char *real;               /* realpath of its file, or NULL */
} ed_state;

typedef struct cc {
	const npk_check_chain_opts *o;
	const npk_trust *trust;
	const char *newest;
	npk_reader *top;
	npk_chain_result *res;
	ed_state *ed;
	uint32_t count, low;      /* editions; the lowest one read */
	int trusted;              /* the trust walk so far */
} cc;

static void problem(cc *c, uint32_t e, const char *other, int code, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static void problem(cc *c, uint32_t e, const char *other, int code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	c->res->problems++;
	const char *file = NULL;
	if (e < c->count) {
		c->ed[e].info.ok = 0;
		file = c->ed[e].info.file;
	}
	if (c->o && c->o->problem) {
		npk_chain_problem p = {e, file, other, code, msg};
		c->o->problem(&p, c->o->ctx);
	}
}

static const char *key_hex(const uint8_t id[8], char out[17])
{
	npk_keyid_format(id, out);
	return out;
}

/* ---- One file ---- */

/* 8: the file's own signature, with the key its manifest holds. */
static int own_signature_ok(const uint8_t *mf, size_t mf_len, const uint8_t *s, size_t len)
{
	if (mf == NULL || s == NULL || mf_len < 208 || len < NPK_SIG_FIXED ||
	    len != NPK_SIG_FIXED + (size_t)npk__ld16(s + 74) || memcmp(s, "ED", 2) != 0 ||
	    memcmp(s + 2, mf + 168, 8) != 0)
		return 0;
	size_t clen = len - NPK_SIG_FIXED;
	return npk__verify(mf + 176, mf, mf_len, s + 10, (const char *)s + 76, clen,
	                   s + 76 + clen) == NPK_OK;
}

/* 15.4: the tree section's bytes against the directory's digest, held
 * (the roots and proofs read its nodes: each byte is read once). */
static int section_digest_ok(npk_reader *fr, const npk_section *s, npk_error *err)
{
	uint8_t got[32];
	NPK_FORWARD(npk__reader_hold_tree(fr, s, got, err));
	return npk__digest_same(got, s->digest) ? NPK_OK
	       : npk__fail(err, NPK_E_DIGEST, "does not match its digest");
}

/* The manifest, signature and tree section header of edition e's file. */
static void load_edition(cc *c, uint32_t e)
{
	ed_state *d = &c->ed[e];
	const uint8_t *mf, *sig;
	size_t mf_len, sig_len;
	npk_error err = {0};
	npk__reader_signed(d->fr, &mf, &mf_len, &sig, &sig_len);
	crypto_generichash(d->digest, 32, mf, mf_len, NULL, 0);
	memcpy(d->info.manifest_digest, d->digest, 32);
	d->info.signature_ok = own_signature_ok(mf, mf_len, sig, sig_len);
	if (!d->info.signature_ok)
		problem(c, e, NULL, NPK_E_SIGNATURE, "its signature does not verify with the key its "
		        "manifest names: changed or forged");
	if (npk__manifest_view(mf, mf_len, &d->mv, &err) != NPK_OK) {
		problem(c, e, NULL, err.code, "%s", err.msg);
		return;
	}
	d->parsed = 1;
	npk_info fi;
	npk__reader_file_info(d->fr, &fi);
	d->info.sealed = fi.sealed != 0;
	d->p = d->mv.has_link ? d->mv.link.prev_tree_size : 0;
	d->info.created = d->mv.created;
	d->info.entries = d->mv.documents;
	d->info.tree_size = d->mv.tree_size;
	if (d->mv.has_root)
		memcpy(d->info.tree_root, d->mv.root, 32);
	memcpy(d->info.key_id, d->mv.key_id, 8);
	memcpy(d->info.signer, d->mv.pk, 32);
}

/* Its tree section: present, its digest, its header for leaves [p, n). */
static void check_section(cc *c, uint32_t e)
{
	ed_state *d = &c->ed[e];
	npk_error err = {0};
	uint8_t h[NPK_TREE_HEADER];
	const npk_section *s = &d->mv.tree_sec;
	if (!d->mv.has_root) {
		problem(c, e, NULL, NPK_E_FORMAT, "it holds no Merkle tree: a chain's editions all "
		        "have one");
		return;
	}
	if (section_digest_ok(d->fr, s, &err) != NPK_OK) {
		problem(c, e, NULL, err.code, "the Merkle tree section (offset %llu) %s",
		        (unsigned long long)s->off, npk__bare(&err, "cannot be read"));
		return;
	}
	const char *why = s->len < sizeof h ? "is truncated" : NULL;
	if (why == NULL && npk__chain_pread(c->top, e, h, sizeof h, s->off, &err) != NPK_OK)
		why = "cannot be read";
	if (why == NULL)
		why = npk__etree_header_problem(h, d->p, d->mv.tree_size, s->len, &d->stride);
	if (why != NULL)
		problem(c, e, NULL, NPK_E_DIGEST, "the Merkle tree section %s", why);
}

/* ---- Between editions ---- */

/* Edition e is not older than e - 1 (b). */
static void check_order(cc *c, uint32_t e, const ed_state *b)
{
	if (c->ed[e].mv.created < b->mv.created)
		problem(c, e, b->info.file, NPK_E_FORMAT, "it was created before edition %u", e - 1);
}

/* 15.15 "Checks of the chain": edition e against e - 1 and the base. */
static void check_link(cc *c, uint32_t e)
{
	ed_state *d = &c->ed[e], *b = &c->ed[e - 1], *base = &c->ed[0];
	const npk_edition_link *l = &d->mv.link;
	const char *prev = b->info.file;
	if (!d->mv.has_link) {
		problem(c, e, prev, NPK_E_FORMAT, "it has no edition link, yet an edition follows "
		        "another");
		return;
	}
	if (l->edition != e)
		problem(c, e, prev, NPK_E_FORMAT, "its link says edition %u, not %u", l->edition, e);
	if (!npk__digest_same(l->prev_digest, b->digest))
		problem(c, e, prev, NPK_E_DIGEST, "it names another previous edition than %s (its "
		        "manifest digest differs)", prev);
	if (c->low == 0 && base->parsed && !npk__digest_same(l->base_digest, base->digest))
		problem(c, e, base->info.file, NPK_E_DIGEST, "its base digest is not that of the "
		        "chain's base %s", base->info.file);
	if (b->parsed && d->info.sealed != b->info.sealed)
		problem(c, e, prev, NPK_E_FORMAT, "it is %s, edition %u is %s: every file of a chain "
		        "is sealed, or none is", d->info.sealed ? "sealed" : "not sealed", e - 1,
		        b->info.sealed ? "sealed" : "not sealed");
	if (b->parsed && d->info.sealed == b->info.sealed)
		check_order(c, e, b);
	if (d->info.sealed) /* 15.17.8: its leaves are sealed */
		return;
	if (b->parsed && l->prev_tree_size != b->mv.tree_size)
		problem(c, e, prev, NPK_E_FORMAT, "it says %llu leaves came before it, edition %u "
		        "has %llu", (unsigned long long)l->prev_tree_size, e - 1,
		        (unsigned long long)b->mv.tree_size);
	if (d->mv.tree_size <= l->prev_tree_size || d->mv.documents != d->mv.tree_size - d->p)
		problem(c, e, NULL, NPK_E_FORMAT, "it holds %llu entries for leaves %llu to %llu",
		        (unsigned long long)d->mv.documents, (unsigned long long)d->p,
		        (unsigned long long)d->mv.tree_size);
	if (d->stride != 0 && base->stride != 0 && d->stride != base->stride)
		problem(c, e, base->info.file, NPK_E_FORMAT, "its Merkle tree has stride %u, the "
		        "base's %u", d->stride, base->stride);
}

/* The signer: the previous one's, or rotated by a valid statement. */
static void check_signer(cc *c, uint32_t e)
{
	ed_state *d = &c->ed[e], *b = &c->ed[e - 1];
	char k[17], o[17];
	int same = memcmp(d->mv.key_id, b->mv.key_id, 8) == 0 &&
	           sodium_memcmp(d->mv.pk, b->mv.pk, 32) == 0;
	if (same && d->mv.link.statement != NULL)
		problem(c, e, NULL, NPK_E_FORMAT, "it holds a key rotation statement but is signed "
		        "by the key of edition %u", e - 1);
	if (same)
		return;
	const char *why = d->mv.link.statement == NULL ? "it holds no rotation statement"
	                  : npk__rotation_check(&d->mv.link, b->mv.pk, d->mv.key_id, d->mv.pk);
	if (why == NULL) {
		d->info.rotated = 1;
		memcpy(d->info.rotated_from, b->mv.key_id, 8);
		return;
	}
	problem(c, e, b->info.file, NPK_E_SIGNATURE, "edition %u is signed by key %s, which the "
	        "signer of edition %u (key %s) did not authorise: %s", e, key_hex(d->mv.key_id, k),
	        e - 1, key_hex(b->mv.key_id, o), why);
}

/* Its root from the stored nodes of the chain (editions 0 .. e), and the
 * consistency proof from edition e - 1's tree to it. */
static void check_tree(cc *c, uint32_t e)
{
	ed_state *d = &c->ed[e];
	npk__chain_tree t;
	npk_error err = {0};
	uint8_t root[32], proof[NPK_PROOF_HASHES_MAX][32];
	unsigned len = 0;
	uint64_t n = d->mv.tree_size;
	if (c->low > 0) { /* the nodes of the files not read are needed: said once, above */
		problem(c, e, NULL, NPK_E_FORMAT, "its Merkle root cannot be computed without edition "
		        "%u", c->low - 1);
		return;
	}
	if (npk__chain_tree_init(&t, c->top, n, &err) != NPK_OK ||
	    npk__tree_root(n, t.stride, npk__chain_tree_read, &t, root, &err) != NPK_OK) {
		problem(c, e, NULL, err.code, "its Merkle root cannot be computed: %s", err.msg);
		return;
	}
	d->info.root_ok = npk__digest_same(root, d->mv.root);
	if (!d->info.root_ok)
		problem(c, e, NULL, NPK_E_DIGEST, "its signed Merkle root is not the root of the "
		        "stored tree");
	if (e == 0 || e <= c->low || !c->ed[e - 1].parsed || !c->ed[e - 1].mv.has_root)
		return;
	const ed_state *b = &c->ed[e - 1];
	const char *why = NULL;
	uint64_t m = b->mv.tree_size;
	if (m > n) {
		problem(c, e, b->info.file, NPK_E_DIGEST, "its tree of %llu leaves is smaller than "
		        "edition %u's %llu", (unsigned long long)n, e - 1, (unsigned long long)m);
		return;
	}
	if (npk__tree_consistency(m, n, t.stride, npk__chain_tree_read, &t, proof, &len, &err) !=
	    NPK_OK) {
		problem(c, e, NULL, err.code, "the consistency proof cannot be built: %s", err.msg);
		return;
	}
	d->info.consistent = npk__verify_consistency(m, n, b->mv.root, d->mv.root,
	                                             (const uint8_t (*)[32])proof, len, &why) == 0;
	if (!d->info.consistent)
		problem(c, e, b->info.file, NPK_E_DIGEST, "it does not extend edition %u: the "
		        "consistency proof from %llu to %llu leaves fails (%s): leaves were removed "
		        "or altered", e - 1, (unsigned long long)m, (unsigned long long)n, why);
}

/* 15.15 "Trust", walked from the base: a trusted (or the given) key, kept
 * across valid rotations, lost at an invalid one. */
static void trust_step(cc *c, uint32_t e)
{
	ed_state *d = &c->ed[e];
	const npk_pubkey *k = c->o && c->o->given ? c->o->given
	                      : npk__trust_find(c->trust, d->mv.key_id);
	d->info.key_trusted = k != NULL && memcmp(npk_pubkey_id(k), d->mv.key_id, 8) == 0 &&
	                      sodium_memcmp(npk_pubkey_bytes(k), d->mv.pk, 32) == 0;
	int changed = e > c->low && memcmp(d->mv.key_id, c->ed[e - 1].mv.key_id, 8) != 0;
	if (d->info.key_trusted)
		c->trusted = 1;
	else if (changed && !d->info.rotated)
		c->trusted = 0;
}

/* ---- Forks ---- */

static char *real_of(const char *path)
{
	char buf[PATH_MAX];
	if (realpath(path, buf) == NULL)
		return NULL;
	return strdup(buf);
}

static int is_chain_file(const cc *c, const char *real)
{
	for (uint32_t e = c->low; e < c->count; e++)
		if (c->ed[e].real != NULL && strcmp(c->ed[e].real, real) == 0)
			return 1;
	return 0;
}

/* A file that names the chain's base and an edition number of the chain
 * with another manifest is a fork (15.15 "Forks"). */
static void fork_candidate(cc *c, const char *path, int named)
{
	char *real = real_of(path);
	if (real == NULL || is_chain_file(c, real) || c->low != 0 || !c->ed[0].parsed) {
		free(real);
		return;
	}
	free(real);
	npk_reader *r = NULL;
	npk_error err = {0};
	const uint8_t *mf, *sig;
	size_t mf_len, sig_len;
	npk_mview v;
	uint8_t dg[32];
	if (npk__reader_open_file(path, NULL, c->trust, 1, &r, &err) != NPK_OK) {
		if (named && c->o->chain && c->o->chain->warn)
			c->o->chain->warn(path, err.msg, c->o->chain->ctx);
		return;
	}
	npk__reader_signed(r, &mf, &mf_len, &sig, &sig_len);
	crypto_generichash(dg, 32, mf, mf_len, NULL, 0);
	int ours = npk__manifest_view(mf, mf_len, &v, &err) == NPK_OK && v.has_link &&
	           npk__digest_same(v.link.base_digest, c->ed[0].digest);
	uint32_t k = ours ? v.link.edition : 0;
	if (ours && k < c->count && !npk__digest_same(dg, c->ed[k].digest)) {
		c->res->forks++;
		problem(c, k, path, NPK_E_DIGEST, "a fork: %s is also edition %u of this chain, with "
		        "another manifest%s", path, k,
		        npk__digest_same(v.link.prev_digest, c->ed[k - 1].digest)
		            ? " (both follow the same edition)" : "");
	} else if (!ours && named && c->o->chain && c->o->chain->warn) {
		c->o->chain->warn(path, "not a file of this chain", c->o->chain->ctx);
	}
	npk_reader_free(r);
}

static int ends_npk(const char *s)
{
	size_t n = strlen(s);
	return n > 4 && strcmp(s + n - 4, ".npk") == 0;
}

/* The --chain files, then the *.npk files beside newest. */
static void find_forks(cc *c)
{
	const npk_chain_opts *ch = c->o ? c->o->chain : NULL;
	for (size_t i = 0; ch && i < ch->nfiles; i++)
		fork_candidate(c, ch->files[i], 1);
	char *dir = strdup(c->newest);
	if (dir == NULL)
		return;
	char *slash = strrchr(dir, '/');
	if (slash)
		slash[slash == dir ? 1 : 0] = 0;
	DIR *dp = opendir(slash ? dir : ".");
	for (struct dirent *de; dp && (de = readdir(dp)) != NULL;) {
		if (!ends_npk(de->d_name))
			continue;
		char path[PATH_MAX];
		if (snprintf(path, sizeof path, "%s/%s", slash ? dir : ".", de->d_name) <
		    (int)sizeof path)
			fork_candidate(c, path, 0);
	}
	if (dp)
		closedir(dp);
	free(dir);
}

/* ---- The walk ---- */

/* Opens editions from the newest down until one cannot be found. */
static void open_editions(cc *c)
{
	c->low = c->count;
	for (uint32_t e = c->count; e-- > 0;) {
		npk_error err = {0};
		ed_state *d = &c->ed[e];
		d->info.edition = e;
		d->info.ok = 1;
		if (npk__chain_file(c->top, e, &d->fr, &err) != NPK_OK) {
			d->info.file = npk__chain_name(c->top, e);
			problem(c, e, NULL, err.code, "%s", err.msg);
			return;
		}
		d->info.file = npk__chain_name(c->top, e);
		if (d->info.file == NULL)
			d->info.file = npk__reader_name(d->fr);
		d->real = real_of(npk__reader_name(d->fr));
		c->low = e;
		c->res->checked++;
		load_edition(c, e);
	}
}

static void check_editions(cc *c)
{
	for (uint32_t e = c->low; e < c->count; e++) {
		ed_state *d = &c->ed[e];
		if (d->parsed) {
			if (!d->info.sealed) /* 15.17.8: a sealed file stores no tree section */
				check_section(c, e);
			if (e > c->low && c->ed[e - 1].parsed) {
				check_link(c, e);
				check_signer(c, e);
			} else if (e == 0 && d->mv.has_link) {
				problem(c, e, NULL, NPK_E_FORMAT, "the chain's first file has an edition "
				        "link: it is not a base");
			}
			if (d->mv.has_root)
				check_tree(c, e);
			npk__reader_keep_upper(d->fr, d->p, d->stride);
			trust_step(c, e);
		}
		if (c->o && c->o->edition)
			c->o->edition(&d->info, c->o->ctx);
	}
}

static void finish(cc *c)
{
	ed_state *top = &c->ed[c->count - 1];
	c->res->trusted = c->trusted && top->parsed;
	if (top->parsed) {
		c->res->tree_size = top->mv.tree_size;
		memcpy(c->res->root, top->info.tree_root, 32);
	}
	if (c->low == 0 && c->ed[0].parsed)
		memcpy(c->res->base_digest, c->ed[0].digest, 32);
	if (c->o && c->o->given && !c->res->trusted && top->parsed) {
		char k[17], g[17];
		problem(c, c->count - 1, NULL, NPK_E_SIGNATURE, "the newest edition is signed by key "
		        "%s, which is neither the key given %s nor rotated from it",
		        key_hex(top->mv.key_id, k), key_hex(npk_pubkey_id(c->o->given), g));
	}
}

int npk_check_chain(const char *newest, const npk_trust *trust,
                    const npk_check_chain_opts *opts, npk_chain_result *res, npk_error *err)
{
	static const npk_check_chain_opts none;
	cc c = {opts ? opts : &none, trust, newest, NULL, res, NULL, 0, 0, 0};
	memset(res, 0, sizeof *res);
	NPK_FORWARD(npk_reader_open_chain(newest, trust, 1, c.o->chain, &c.top, err));
	c.count = npk__chain_count(c.top);
	c.ed = calloc(c.count ? c.count : 1, sizeof *c.ed);
	if (c.ed == NULL || c.count == 0) {
		npk_reader_free(c.top);
		free(c.ed);
		return npk__fail(err, NPK_E_NOMEM, "out of memory");
	}
	res->editions = c.count;
	open_editions(&c);
	check_editions(&c);
	find_forks(&c);
	finish(&c);
	for (uint32_t e = 0; e < c.count; e++)
		free(c.ed[e].real);
	free(c.ed);
	npk_reader_free(c.top);
	return NPK_OK;
}
