/*
 * recipients.c - the stanzas of a sealed archive, and changing its
 * recipients (spec/format.md 15.17.9): the seal written again with
 * stanzas added or removed, then the tables, the manifest and the
 * signature after it; with rekey, every object sealed again under a new
 * file key first, each keeping its size and place. The archive is read
 * and verified whole with a key before anything is written, and the new
 * file is verified whole before it replaces anything.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "format/format.h"
#include "format/seal.h"
#include "parity/parity.h"

#define PAGE_RECORD_SEALED 62u    /* 6.1 with first_len 0 (15.17.6) */
#define COPY_CHUNK ((size_t)1 << 20)

typedef struct stanza {
	uint8_t type;
	uint16_t len;
	const uint8_t *body;
	const uint8_t *tag;       /* NULL: the archive records none */
	int keep;
} stanza;

/* The stanzas of the seal s (len bytes, its digest checked at open): *n
 * of them into *out (malloc'ed); *end: where the sealed manifest's length
 * stands. */
static int stanzas_parse(const char *name, const uint8_t *s, uint64_t len, stanza **out,
                         uint32_t *n, uint64_t *end, npk_error *err)
{
	NPK_FAIL_IF(len < NPK_SEAL_FIXED || memcmp(s, NPK_SEAL_MAGIC, 8) != 0, err, NPK_E_FORMAT,
	            "%s: the seal is not a seal", name);
	uint32_t count = npk__ld16(s + 10);
	NPK_FAIL_IF(count == 0 || count > NPK_SEAL_STANZAS_MAX, err, NPK_E_FORMAT,
	            "%s: a seal of %u stanzas", name, count);
	stanza *st = calloc(count, sizeof *st);
	NPK_FAIL_IF(st == NULL, err, NPK_E_NOMEM, "out of memory");
	uint64_t at = NPK_SEAL_FIXED;
	for (uint32_t i = 0; i < count; i++) {
		if (len - at < 4 || len - at - 4 < npk__ld16(s + at + 2)) {
			free(st);
			return npk__fail(err, NPK_E_FORMAT, "%s: the seal ends in stanza %u", name, i);
		}
		st[i].type = s[at];
		st[i].len = npk__ld16(s + at + 2);
		st[i].body = s + at + 4;
		st[i].keep = 1;
		at += 4 + (uint64_t)st[i].len;
	}
	*out = st;
	*n = count;
	*end = at;
	return NPK_OK;
}

int npk_reader_stanzas(npk_reader *r, npk_stanza *out, size_t cap, size_t *n, npk_error *err)
{
	npk__seal_view v;
	stanza *st = NULL;
	uint32_t count = 0;
	uint64_t end;
	npk_info info;
	npk_reader_info(r, &info);
	NPK_FORWARD(npk__reader_seal_view(r, &v, err));
	NPK_FORWARD(stanzas_parse("archive", v.seal, v.len, &st, &count, &end, err));
	for (uint32_t i = 0; i < count && i < cap; i++) {
		out[i].type = st[i].type;
		out[i].opened = info.sealed == 2 ? v.opened == i : -1;
	}
	*n = count;
	free(st);
	return NPK_OK;
}

/* The index of the X25519 stanza whose tag names rpk, or -1. */
static long stanza_find(const npk__seal_view *v, const stanza *st, uint32_t n,
                        const uint8_t rpk[32])
{
	uint8_t tag[32];
	npk__seal_tag(v->k->fk, rpk, tag);
	long found = -1;
	for (uint32_t i = 0; i < n && found < 0; i++)
		if (st[i].type == NPK__STANZA_X25519 && st[i].tag != NULL &&
		    sodium_memcmp(st[i].tag, tag, 32) == 0)
			found = (long)i;
	return found;
}

int npk_reader_stanza_of(npk_reader *r, const npk_recipient *rcp, long *index, npk_error *err)
{
	npk__seal_view v;
	stanza *st = NULL;
	uint32_t n = 0;
	uint64_t end;
	NPK_FORWARD(npk__reader_seal_view(r, &v, err));
	NPK_FAIL_IF(v.k == NULL, err, NPK_E_ARG, "the archive is not opened with a key");
	NPK_FAIL_IF(v.tags == NULL, err, NPK_E_NOTFOUND,
	            "the archive records no recipient tags (spec/format.md 15.17.6)");
	NPK_FORWARD(stanzas_parse("archive", v.seal, v.len, &st, &n, &end, err));
	for (uint32_t i = 0; i < n; i++)
		st[i].tag = v.tags + 32 * (size_t)i;
	*index = stanza_find(&v, st, n, npk_recipient_bytes(rcp));
	free(st);
	return NPK_OK;
}

/* ---- changing them ---- */

typedef struct change {
	const char *path;
	npk_reader *r;
	npk_info info;
	npk__seal_view v;
	const npk_keyring *keys;
	const npk_recipients_opts *o;
	npk_recipients_result *res;
	int fd;
	stanza *st;
	uint32_t n;
	uint64_t st_end;          /* where the sealed manifest's length stands in the seal */
	npk_buf stanzas, tags;    /* the new seal's */
	uint32_t nnew;
	npk__seal_keys *k2;       /* rekey: the new keys */
	const npk__seal_keys *k;  /* the keys the new file seals with */
	/* the signed part after the seal, as it stands */
	uint64_t pt_off, mf_off;
	uint32_t pt_len, ct_len, mf_len, sig_len;
	uint8_t *tables, *man;
	npk__out out;
	uint8_t secdig[64][32];   /* rekey: the sealed sections' new digests */
	uint8_t resealed[64];
} change;

static int new_stanza(change *c, unsigned type, const uint8_t *body, uint16_t len,
                      const uint8_t tag[32], npk_error *err)
{
	NPK_FAIL_IF(npk__buf_u8(&c->stanzas, (uint8_t)type) || npk__buf_u8(&c->stanzas, 0) ||
	            npk__buf_u16(&c->stanzas, len) || npk__buf_put(&c->stanzas, body, len) ||
	            npk__buf_put(&c->tags, tag, 32), err, NPK_E_NOMEM, "out of memory");
	c->nnew++;
	return NPK_OK;
}

static int x25519_stanza(change *c, const uint8_t rpk[32], uint64_t i, npk_error *err)
{
	uint8_t body[NPK__STANZA_X25519_LEN], tag[32];
	NPK_FORWARD(npk__stanza_x25519_new(rpk, c->k->fk, i, body, tag, err));
	return new_stanza(c, NPK__STANZA_X25519, body, sizeof body, tag, err);
}

static int pass_stanza(change *c, const char *pass, npk_error *err)
{
	uint8_t salt[NPK__PASS_SALT], nonce[NPK__SEAL_NONCE], body[NPK__STANZA_PASS_LEN];
	static const uint8_t none[32];
	npk__seal_random(salt, sizeof salt, NPK__RND_SALT, c->nnew);
	npk__seal_random(nonce, sizeof nonce, NPK__RND_NONCE,
	                 ((uint64_t)NPK__SEAL_PASS_STANZA << 32) + c->nnew);
	NPK_FORWARD(npk__stanza_pass_make(pass, strlen(pass), salt, NPK__PASS_OPS,
	                                  NPK__PASS_MEM_KIB, nonce, c->k->fk, body, err));
	return new_stanza(c, NPK__STANZA_PASSPHRASE, body, sizeof body, none, err);
}

/* id as keys.md shows it, for the messages that name a key */
static char *key_hex(const uint8_t id[8], char out[17])
{
	npk_keyid_format(id, out);
	return out;
}

/* Which stanzas go (remove, remove_passphrases), and that what is added
 * is not already there. */
static int plan_removals(change *c, npk_error *err)
{
	const npk_recipients_opts *o = c->o;
	char id[17];
	NPK_FAIL_IF(o->nremove > 0 && c->v.tags == NULL, err, NPK_E_NOTFOUND,
	            "%s records no recipient tags, so which stanza is whose cannot be told: "
	            "remove them all at once (--rekey, naming every recipient to keep)", c->path);
	for (size_t i = 0; i < o->nremove; i++) {
		long at = stanza_find(&c->v, c->st, c->n, npk_recipient_bytes(o->remove[i]));
		NPK_FAIL_IF(at < 0, err, NPK_E_NOTFOUND, "%s: key %s is not one of its recipients",
		            c->path, key_hex(npk_recipient_id(o->remove[i]), id));
		c->st[at].keep = 0;
	}
	if (o->remove_passphrases) {
		int any = 0;
		for (uint32_t i = 0; i < c->n; i++)
			if (c->st[i].type == NPK__STANZA_PASSPHRASE)
				c->st[i].keep = 0, any = 1;
		NPK_FAIL_IF(!any, err, NPK_E_NOTFOUND, "%s has no passphrase", c->path);
	}
	for (size_t i = 0; i < o->nadd && c->v.tags != NULL; i++) {
		long at = stanza_find(&c->v, c->st, c->n, npk_recipient_bytes(o->add[i]));
		NPK_FAIL_IF(at >= 0 && c->st[at].keep, err, NPK_E_EXISTS,
		            "%s: key %s is already a recipient (stanza %ld)", c->path,
		            key_hex(npk_recipient_id(o->add[i]), id), at);
	}
	return NPK_OK;
}

/* rekey: the public key that stanza i was made for, from keep or from the
 * keys that opened the archive; NULL when none accounts for it. */
static const uint8_t *stanza_owner(const change *c, uint32_t i)
{
	if (c->st[i].tag == NULL)
		return NULL;
	uint8_t tag[32];
	for (size_t j = 0; j < c->o->nkeep; j++) {
		npk__seal_tag(c->v.k->fk, npk_recipient_bytes(c->o->keep[j]), tag);
		if (sodium_memcmp(tag, c->st[i].tag, 32) == 0)
			return npk_recipient_bytes(c->o->keep[j]);
	}
	for (size_t j = 0; j < npk__keyring_count(c->keys); j++) {
		const uint8_t *pk = npk__keyring_secret(c->keys, j) + 32;
		npk__seal_tag(c->v.k->fk, pk, tag);
		if (sodium_memcmp(tag, c->st[i].tag, 32) == 0)
			return pk;
	}
	return NULL;
}

/* The new stanzas: without rekey, those kept as they are, then the new
 * ones for the same file key; with rekey, every one for a new key. */
static int plan_stanzas(change *c, npk_error *err)
{
	const npk_recipients_opts *o = c->o;
	char id[17];
	NPK_FORWARD(plan_removals(c, err));
	if (!o->rekey) {
		c->k = c->v.k;
		for (uint32_t i = 0; i < c->n; i++) {
			static const uint8_t none[32];
			if (c->st[i].keep)
				NPK_FORWARD(new_stanza(c, c->st[i].type, c->st[i].body, c->st[i].len,
				                       c->st[i].tag ? c->st[i].tag : none, err));
		}
	} else {
		c->k2 = sodium_malloc(sizeof *c->k2);
		NPK_FAIL_IF(c->k2 == NULL, err, NPK_E_NOMEM, "out of memory");
		npk__seal_random(c->k2->fk, sizeof c->k2->fk, NPK__RND_FK, 1);
		npk__seal_random(c->k2->fid, sizeof c->k2->fid, NPK__RND_FID, 1);
		npk__seal_derive(c->k2);
		c->k = c->k2;
		for (size_t j = 0; j < o->nkeep; j++) {
			long at = c->v.tags ? stanza_find(&c->v, c->st, c->n,
			                                  npk_recipient_bytes(o->keep[j]))
			                    : 0;
			NPK_FAIL_IF(at < 0, err, NPK_E_NOTFOUND, "%s: key %s (--keep) is not one of its "
			            "recipients", c->path, key_hex(npk_recipient_id(o->keep[j]), id));
		}
		if (c->v.tags == NULL) { /* no tags: exactly the recipients named */
			for (size_t j = 0; j < o->nkeep; j++)
				NPK_FORWARD(x25519_stanza(c, npk_recipient_bytes(o->keep[j]), j, err));
		}
		for (uint32_t i = 0; i < c->n && c->v.tags != NULL; i++) {
			if (!c->st[i].keep)
				continue;
			if (c->st[i].type == NPK__STANZA_X25519) {
				const uint8_t *pk = stanza_owner(c, i);
				NPK_FAIL_IF(pk == NULL, err, NPK_E_ARG,
				            "%s: stanza %u is for a recipient not named: a new file key would "
				            "shut them out; name their public key (--keep) or remove them",
				            c->path, i);
				NPK_FORWARD(x25519_stanza(c, pk, i, err));
			} else if (c->st[i].type == NPK__STANZA_PASSPHRASE) {
				const char *pass = npk__keyring_pass(c->keys);
				uint8_t fk[NPK__SEAL_KEY];
				int rc = pass == NULL ? NPK_E_NOTFOUND
				         : npk__stanza_pass_open(pass, strlen(pass), c->st[i].body, fk, err);
				sodium_memzero(fk, sizeof fk);
				NPK_FAIL_IF(rc == NPK_E_NOTFOUND, err, NPK_E_ARG,
				            "%s: stanza %u is a passphrase not given: a new file key would "
				            "shut it out; give it (--passphrase-file) or remove it "
				            "(--passphrase)", c->path, i);
				NPK_FORWARD(rc);
				NPK_FORWARD(pass_stanza(c, pass, err));
			} else {
				return npk__fail(err, NPK_E_VERSION, "%s: stanza %u is of a type this "
				                 "version does not know (%u): it cannot be made again",
				                 c->path, i, c->st[i].type);
			}
		}
	}
	for (size_t j = 0; j < o->nadd; j++)
		NPK_FORWARD(x25519_stanza(c, npk_recipient_bytes(o->add[j]), 1000 + j, err));
	if (o->add_passphrase != NULL)
		NPK_FORWARD(pass_stanza(c, o->add_passphrase, err));
	NPK_FAIL_IF(c->nnew == 0, err, NPK_E_ARG, "%s: no recipient would be left, and an archive "
	            "no key opens can never be read again", c->path);
	NPK_FAIL_IF(c->nnew > NPK_SEAL_STANZAS_MAX, err, NPK_E_LIMIT,
	            "%s: %u recipients and passphrases (at most %u)", c->path, c->nnew,
	            NPK_SEAL_STANZAS_MAX);
	return NPK_OK;
}

/* The new seal: the sealed manifest opened, its recipient tags replaced,
 * sealed again (with the new keys when rekeying) after the new stanzas. */
static int seal_make(change *c, npk_buf *sec, npk_error *err)
{
	const uint8_t *s = c->v.seal;
	uint32_t slen = npk__ld32(s + c->st_end);
	const uint8_t *stored = s + c->st_end + 4;
	uint8_t *plain = malloc(slen), *sealed = NULL;
	NPK_FAIL_IF(plain == NULL, err, NPK_E_NOMEM, "out of memory");
	const uint8_t *p = NULL;
	size_t plen = 0;
	npk_buf m = {0};
	int rc = npk__seal_open(c->v.k, NPK__SEAL_MANIFEST, 0, 0, stored, slen, plain, &p, &plen,
	                        "the sealed manifest", err);
	if (rc != NPK_OK)
		goto out;
	/* its extensions (checked when the archive opened): all but the tags */
	size_t q = NPK_SMAN_FIXED + 2 + npk__ld16(p + NPK_SMAN_FIXED);
	uint16_t next = npk__ld16(p + q);
	size_t at = q + 2;
	npk_buf ext = {0};
	uint16_t kept = 0;
	for (uint16_t i = 0; i < next; i++) {
		uint16_t type = npk__ld16(p + at);
		size_t rlen = 8 + (size_t)npk__ld32(p + at + 4);
		if (type != NPK__SMAN_EXT_TAGS) {
			rc = npk__buf_put(&ext, p + at, rlen) ? NPK_E_NOMEM : rc;
			kept++;
		}
		at += rlen;
	}
	if (npk__buf_put(&m, p, q) || npk__buf_u16(&m, (uint16_t)(kept + 1)) ||
	    npk__buf_put(&m, ext.p, ext.len) || npk__buf_u16(&m, NPK__SMAN_EXT_TAGS) ||
	    npk__buf_u16(&m, 0) || npk__buf_u32(&m, (uint32_t)c->tags.len) ||
	    npk__buf_put(&m, c->tags.p, c->tags.len) || npk__buf_put(&m, p + at, plen - at))
		rc = NPK_E_NOMEM;
	npk__buf_free(&ext);
	if (rc != NPK_OK) {
		rc = npk__fail(err, NPK_E_NOMEM, "out of memory");
		goto out;
	}
	uint64_t nlen = npk__seal_stored_len(m.len);
	if (nlen == 0 || nlen > NPK_SEALED_MAX) {
		rc = npk__fail(err, NPK_E_LIMIT, "the sealed manifest would pass 64 MiB");
		goto out;
	}
	if ((sealed = malloc((size_t)nlen)) == NULL) {
		rc = npk__fail(err, NPK_E_NOMEM, "out of memory");
		goto out;
	}
	uint8_t nonce[NPK__SEAL_NONCE];
	npk__seal_random(nonce, sizeof nonce, NPK__RND_NONCE, (uint64_t)NPK__SEAL_MANIFEST << 32);
	npk__seal(c->k, NPK__SEAL_MANIFEST, 0, 0, m.p, m.len, nonce, sealed);
	if (npk__buf_put(sec, NPK_SEAL_MAGIC, 8) || npk__buf_u16(sec, NPK_SEAL_SUITE) ||
	    npk__buf_u16(sec, (uint16_t)c->nnew) || npk__buf_u32(sec, 0) ||
	    npk__buf_put(sec, c->k->fid, 32) || npk__buf_put(sec, c->k->commit, 32) ||
	    npk__buf_put(sec, c->stanzas.p, c->stanzas.len) || npk__buf_u32(sec, (uint32_t)nlen) ||
	    npk__buf_put(sec, sealed, (size_t)nlen))
		rc = npk__fail(err, NPK_E_NOMEM, "out of memory");
out:
	sodium_memzero(plain, slen);
	free(plain);
	if (m.p != NULL)
		sodium_memzero(m.p, m.len);
	npk__buf_free(&m);
	free(sealed);
	return rc;
}

/* The signed part after the seal: its tables, manifest and signature
 * block, as they stand (the trailer says where). */
static int tail_read(change *c, npk_error *err)
{
	uint8_t t[NPK_TRAILER_SIZE];
	uint64_t size = c->v.signed_size;
	NPK_FORWARD(npk__pread_full(c->fd, t, sizeof t, size - NPK_TRAILER_SIZE, c->path, err));
	c->mf_off = npk__ld64(t);
	c->mf_len = npk__ld32(t + 8);
	c->sig_len = npk__ld32(t + 12);
	NPK_FAIL_IF(c->mf_off + c->mf_len + c->sig_len + NPK_TRAILER_SIZE != size, err,
	            NPK_E_FORMAT, "%s: the trailer does not end the signed part", c->path);
	c->man = malloc(c->mf_len);
	NPK_FAIL_IF(c->man == NULL, err, NPK_E_NOMEM, "out of memory");
	NPK_FORWARD(npk__pread_full(c->fd, c->man, c->mf_len, c->mf_off, c->path, err));
	c->pt_off = npk__ld64(c->man + 56);
	c->pt_len = npk__ld32(c->man + 64);
	c->ct_len = npk__ld32(c->man + 68);
	/* 15.17.1: newspack writes the seal last in the body */
	NPK_FAIL_IF(c->pt_off != c->v.off + c->v.len ||
	            c->pt_off + c->pt_len + c->ct_len != c->mf_off, err, NPK_E_FORMAT,
	            "%s: the seal is not last in the body, just before the tables: its recipients "
	            "cannot be changed in place", c->path);
	c->tables = malloc((size_t)c->pt_len + c->ct_len + 1);
	NPK_FAIL_IF(c->tables == NULL, err, NPK_E_NOMEM, "out of memory");
	return npk__pread_full(c->fd, c->tables, (size_t)c->pt_len + c->ct_len, c->pt_off, c->path,
	                       err);
}

static int copy_range(change *c, uint64_t len, npk_error *err)
{
	uint8_t *b = malloc(COPY_CHUNK);
	NPK_FAIL_IF(b == NULL, err, NPK_E_NOMEM, "out of memory");
	int rc = NPK_OK;
	for (uint64_t at = 0; at < len && rc == NPK_OK; at += COPY_CHUNK) {
		size_t n = len - at < COPY_CHUNK ? (size_t)(len - at) : COPY_CHUNK;
		rc = npk__pread_full(c->fd, b, n, at, c->path, err);
		if (rc == NPK_OK)
			rc = npk__write_full(c->out.fd, b, n, c->out.path, err);
	}
	free(b);
	return rc;
}

/* rekey: object i of the kind opened with the old keys and sealed again
 * with the new ones in its place, its table record's digest made anew. */
static int reseal_object(change *c, int page, uint32_t i, uint8_t *buf, uint8_t *plain,
                         npk_error *err)
{
	uint64_t off, v;
	uint32_t len;
	const uint8_t *digest;
	npk__reader_object_ref(c->r, page, i, &off, &len, &v, &digest);
	const char *what = page ? "index page" : "cluster";
	NPK_FORWARD(npk__pread_full(c->fd, buf, len, off, c->path, err));
	uint8_t d[32];
	npk__digest(buf, len, d);
	NPK_FAIL_IF(!npk__digest_same(d, digest), err, NPK_E_DIGEST,
	            "%s: %s %u does not match its digest", c->path, what, i);
	unsigned kind = page ? NPK__SEAL_PAGE : NPK__SEAL_CLUSTER;
	uint32_t number = npk__ld32(buf + 8);
	const uint8_t *inner;
	size_t ilen;
	char name[64];
	snprintf(name, sizeof name, "%s %u", what, i);
	NPK_FORWARD(npk__seal_open(c->v.k, kind, number, v, buf + NPK_OBJ_HEADER_SIZE,
	                           len - NPK_OBJ_HEADER_SIZE, plain, &inner, &ilen, name, err));
	NPK_FAIL_IF(npk__seal_stored_len(ilen) != len - NPK_OBJ_HEADER_SIZE, err, NPK_E_FORMAT,
	            "%s: %s %u is not padded as 15.17.5 pads it", c->path, what, i);
	uint8_t nonce[NPK__SEAL_NONCE];
	npk__seal_random(nonce, sizeof nonce, NPK__RND_NONCE, ((uint64_t)kind << 32) + number);
	npk__seal(c->k, kind, number, v, inner, ilen, nonce, buf + NPK_OBJ_HEADER_SIZE);
	sodium_memzero(plain, len);
	npk__digest(buf, len, d);
	uint8_t *rec = page ? c->tables + (size_t)PAGE_RECORD_SEALED * i + 28
	                    : c->tables + c->pt_len + (size_t)NPK_CLUSTER_ENTRY_SIZE * i + 16;
	memcpy(rec, d, 32);
	NPK_FORWARD(npk__pwrite_full(c->out.fd, buf, len, off, c->out.path, err));
	c->res->objects++;
	return NPK_OK;
}

/* rekey: every chunk of sealed section i opened with the old keys and
 * sealed again with the new ones in its place (15.17.6: the same stored
 * length); the section's new digest into c->secdig[i]. */
static int reseal_section(change *c, uint32_t i, uint8_t *buf, uint8_t *plain, npk_error *err)
{
	const npk_section *d = &c->v.stored[i];
	uint64_t L = c->v.plain[i].len, full = npk__seal_stored_len(NPK__SEAL_CHUNK_BYTES);
	crypto_generichash_state h;
	crypto_generichash_init(&h, NULL, 0, 32);
	for (uint64_t j = 0; j * NPK__SEAL_CHUNK_BYTES < L; j++) {
		size_t n = L - j * NPK__SEAL_CHUNK_BYTES < NPK__SEAL_CHUNK_BYTES
		           ? (size_t)(L - j * NPK__SEAL_CHUNK_BYTES) : NPK__SEAL_CHUNK_BYTES;
		size_t sl = (size_t)npk__seal_stored_len(n);
		uint64_t off = d->off + j * full, num = ((uint64_t)i << 32) + j;
		NPK_FORWARD(npk__pread_full(c->fd, buf, sl, off, c->path, err));
		const uint8_t *inner;
		size_t ilen;
		NPK_FORWARD(npk__seal_open(c->v.k, NPK__SEAL_CHUNK, num, d->type, buf, sl, plain, &inner,
		                           &ilen, "a sealed section's chunk", err));
		NPK_FAIL_IF(ilen != n, err, NPK_E_FORMAT, "%s: section %u chunk %llu holds %zu bytes",
		            c->path, i, (unsigned long long)j, ilen);
		uint8_t nonce[NPK__SEAL_NONCE];
		npk__seal_random(nonce, sizeof nonce, NPK__RND_NONCE,
		                 ((uint64_t)NPK__SEAL_CHUNK << 56) ^ num);
		npk__seal(c->k, NPK__SEAL_CHUNK, num, d->type, inner, ilen, nonce, buf);
		sodium_memzero(plain, sl);
		crypto_generichash_update(&h, buf, sl);
		NPK_FORWARD(npk__pwrite_full(c->out.fd, buf, sl, off, c->out.path, err));
	}
	crypto_generichash_final(&h, c->secdig[i], 32);
	c->resealed[i] = 1;
	return NPK_OK;
}

static int rekey_objects(change *c, npk_error *err)
{
	NPK_FAIL_IF(c->v.sections > 64, err, NPK_E_LIMIT, "%s: %u sections", c->path,
	            c->v.sections);
	NPK_FAIL_IF(c->pt_len != (uint64_t)PAGE_RECORD_SEALED * c->info.pages, err, NPK_E_FORMAT,
	            "%s: the page table is not one record of 62 bytes a page", c->path);
	uint32_t most = 0;
	for (int page = 0; page < 2; page++) {
		uint64_t n = page ? c->info.pages : c->info.clusters;
		for (uint32_t i = 0; i < n; i++) {
			uint64_t off, v;
			uint32_t len;
			const uint8_t *d;
			npk__reader_object_ref(c->r, page, i, &off, &len, &v, &d);
			most = len > most ? len : most;
		}
	}
	uint64_t chunk = npk__seal_stored_len(NPK__SEAL_CHUNK_BYTES);
	most = chunk > most ? (uint32_t)chunk : most;
	uint8_t *buf = malloc((size_t)most + 1), *plain = malloc((size_t)most + 1);
	int rc = buf && plain ? NPK_OK : npk__fail(err, NPK_E_NOMEM, "out of memory");
	for (int page = 0; page < 2 && rc == NPK_OK; page++) {
		uint64_t n = page ? c->info.pages : c->info.clusters;
		for (uint32_t i = 0; i < n && rc == NPK_OK; i++)
			rc = reseal_object(c, page, i, buf, plain, err);
	}
	for (uint32_t i = 0; i < c->v.sections && rc == NPK_OK; i++)
		if ((int64_t)i != c->v.sec && c->v.plain != NULL)
			rc = reseal_section(c, i, buf, plain, err);
	free(buf);
	if (plain != NULL)
		sodium_memzero(plain, (size_t)most + 1);
	free(plain);
	return rc;
}

/* The manifest with the new seal's record, the tables' place and digests,
 * the file's size; then the signature block (the same trusted comment)
 * and the trailer. */
static int signed_end(change *c, const npk_buf *sec, const npk_seckey *sk, uint64_t *size,
                      npk_error *err)
{
	uint64_t pt_off = c->v.off + sec->len;
	uint64_t mf_off = pt_off + c->pt_len + c->ct_len;
	npk_buf m = {0}, s = {0};
	NPK_FAIL_IF(npk__buf_put(&m, c->man, c->mf_len), err, NPK_E_NOMEM, "out of memory");
	*size = mf_off + c->mf_len + c->sig_len + NPK_TRAILER_SIZE;
	npk__st64(m.p + 8, *size);
	npk__st64(m.p + 16, mf_off);
	npk__st64(m.p + 56, pt_off);
	npk__digest(c->tables, c->pt_len, m.p + 104);
	npk__digest(c->tables + c->pt_len, c->ct_len, m.p + 136);
	/* 15.3: the directory's record of the seal (the extensions were
	 * checked when the archive opened) */
	size_t at = NPK_MANIFEST_FIXED + npk__ld16(m.p + NPK_MANIFEST_FIXED - 2);
	uint16_t next = npk__ld16(m.p + at);
	uint8_t *rec = NULL, *commit = NULL;
	at += 2;
	for (uint16_t i = 0; i < next; i++) {
		if (npk__ld16(m.p + at) == NPK_EXT_DIRECTORY)
			rec = m.p + at + 8 + 4 + (size_t)NPK_SECTION_RECORD * (size_t)c->v.sec;
		if (npk__ld16(m.p + at) == NPK_EXT_SEALED_ROOT)
			commit = m.p + at + 8;
		at += 8 + (size_t)npk__ld32(m.p + at + 4);
	}
	/* 15.17.6: a new file key makes a new tree key, so a new commitment */
	if (commit != NULL && c->k != c->v.k && c->info.tree) {
		uint8_t kt[32];
		npk__seal_tree_key(c->k, kt);
		npk__seal_root_commit(kt, c->info.tree_size, c->info.tree_root, commit);
		sodium_memzero(kt, sizeof kt);
	}
	int rc = NPK_OK;
	if (rec == NULL || npk__ld16(rec) != NPK_SECTION_SEAL || npk__ld64(rec + 8) != c->v.off)
		rc = npk__fail(err, NPK_E_FORMAT, "%s: the directory's record of the seal is not "
		               "where it was read", c->path);
	npk_pubkey *pk = rc == NPK_OK ? npk_seckey_pubkey(sk) : NULL;
	if (rc == NPK_OK && pk == NULL)
		rc = npk__fail(err, NPK_E_NOMEM, "out of memory");
	if (rc == NPK_OK) {
		npk__st64(rec + 16, sec->len);
		npk__digest(sec->p, sec->len, rec + 24);
		/* rekey: the sealed sections' records, each its new digest */
		uint8_t *first = rec - (size_t)NPK_SECTION_RECORD * (size_t)c->v.sec;
		for (uint32_t i = 0; i < c->v.sections && i < 64; i++)
			if (c->resealed[i])
				memcpy(first + (size_t)NPK_SECTION_RECORD * i + 24, c->secdig[i], 32);
		rc = npk__encode_signature(&s, sk, pk, &m, c->info.comment, err);
	}
	if (rc == NPK_OK && s.len != c->sig_len)
		rc = npk__fail(err, NPK_E_FORMAT, "%s: the signature block changed length", c->path);
	uint8_t t[NPK_TRAILER_SIZE];
	npk__encode_trailer(t, mf_off, m.len, s.len);
	if (rc == NPK_OK)
		rc = npk__write_full(c->out.fd, c->tables, (size_t)c->pt_len + c->ct_len, c->out.path,
		                     err);
	if (rc == NPK_OK)
		rc = npk__write_full(c->out.fd, m.p, m.len, c->out.path, err);
	if (rc == NPK_OK)
		rc = npk__write_full(c->out.fd, s.p, s.len, c->out.path, err);
	if (rc == NPK_OK)
		rc = npk__write_full(c->out.fd, t, sizeof t, c->out.path, err);
	npk_pubkey_free(pk);
	npk__buf_free(&m);
	npk__buf_free(&s);
	return rc;
}

/* The tail as the archive had it: parity of the same percentage (then
 * copies), or copies alone, or none. */
static int tail_write(change *c, uint64_t size, npk_error *err)
{
	npk_parity_info pi;
	npk_error e2 = {0};
	npk__copies cp;
	int copies = npk__copies_find(c->fd, c->info.file_size, c->path, 0, &cp, &e2) == NPK_OK &&
	             cp.signed_size == c->v.signed_size;
	c->res->copies = copies;
	if (npk_parity_find(c->path, &pi, &e2) == NPK_OK && pi.k > 0) {
		unsigned percent = (unsigned)((uint64_t)pi.p * 100 / pi.k);
		percent = percent < 1 ? 1 : percent > 100 ? 100 : percent;
		npk__par_geom g;
		NPK_FORWARD(npk__par_choose(&g, size, percent, err));
		int back = open(c->out.tmp, O_RDONLY | O_CLOEXEC);
		NPK_FAIL_IF(back < 0, err, NPK_E_IO, "%s: %s", c->out.tmp, strerror(errno));
		int rc = npk__par_tail(c->out.fd, back, back, -1, &g, copies, NULL, c->out.path, err);
		close(back);
		c->res->parity = percent;
		return rc;
	}
	if (!copies)
		return NPK_OK;
	npk__tail t;
	int rc = npk__tail_begin(&t, c->out.fd, size, err);
	if (rc == NPK_OK)
		rc = npk__copies_write(&t, c->out.fd, size, err);
	if (rc == NPK_OK)
		rc = npk__tail_finish(&t, err);
	npk__tail_free(&t);
	return rc;
}

/* The new file, verified whole: with the keys when they still open it,
 * else (they were removed) every stored byte without opening. */
static int check_new(change *c, const npk_seckey *sk, npk_error *err)
{
	npk_trust *t = npk_trust_new();
	npk_pubkey *pk = npk_seckey_pubkey(sk);
	npk_reader *r = NULL;
	npk_verify_stats st;
	int rc = t && pk ? npk_trust_add(t, pk, err) : npk__fail(err, NPK_E_NOMEM, "out of memory");
	if (rc == NPK_OK)
		rc = npk_reader_open(c->out.tmp, t, 0, &r, err);
	if (rc == NPK_OK) {
		npk_error e2 = {0};
		int urc = npk_reader_unseal(r, c->keys, &e2);
		if (urc != NPK_OK && urc != NPK_E_NOKEY) {
			*err = e2;
			rc = urc;
		}
		c->res->verified_opened = urc == NPK_OK;
	}
	if (rc == NPK_OK)
		rc = npk_reader_verify(r, NULL, NULL, &st, err);
	if (rc != NPK_OK)
		rc = npk__wrap(err, rc, "the new file does not verify (nothing was changed): ");
	npk_reader_free(r);
	npk_pubkey_free(pk);
	npk_trust_free(t);
	return rc;
}

static int change_run(change *c, const char *out, const npk_seckey *sk, npk_error *err)
{
	/* any signer: it must be sk's, checked below, whose holder trusts it */
	NPK_FORWARD(npk_reader_open(c->path, NULL, 1, &c->r, err));
	npk_reader_info(c->r, &c->info);
	NPK_FAIL_IF(!c->info.sealed, err, NPK_E_ARG, "%s is not sealed: it has no recipients "
	            "(create --recipient seals an archive)", c->path);
	/* 15.17.8: an edition's manifest is named by the next one, and its file
	 * key is its chain's */
	NPK_FAIL_IF(c->info.edition > 0, err, NPK_E_ARG, "%s is edition %u of a chain, which is "
	            "never written again: add a recipient to the chain with newspack append -k KEY "
	            "--recipient PUBKEY %s OUT.npk (the new edition opens every file of the chain)",
	            c->path, (unsigned)c->info.edition, c->path);
	NPK_FORWARD(npk_reader_unseal(c->r, c->keys, err));
	npk_reader_info(c->r, &c->info);
	npk_verify_stats st;
	int rc = npk_reader_verify(c->r, NULL, NULL, &st, err);
	if (rc != NPK_OK)
		return npk__wrap(err, rc, "%s does not verify (newspack verify says where; repair it "
		                 "first): ", c->path);
	npk_pubkey *pk = npk_seckey_pubkey(sk);
	NPK_FAIL_IF(pk == NULL, err, NPK_E_NOMEM, "out of memory");
	char a[17], b[17];
	int same = memcmp(npk_pubkey_id(pk), c->info.key_id, 8) == 0;
	key_hex(npk_pubkey_id(pk), a);
	npk_pubkey_free(pk);
	NPK_FAIL_IF(!same, err, NPK_E_KEY, "%s is signed by key %s; the secret key given is %s: "
	            "only its signer can change its recipients", c->path,
	            key_hex(c->info.key_id, b), a);
	NPK_FORWARD(npk__reader_seal_view(c->r, &c->v, err));
	NPK_FORWARD(stanzas_parse(c->path, c->v.seal, c->v.len, &c->st, &c->n, &c->st_end, err));
	for (uint32_t i = 0; i < c->n && c->v.tags != NULL; i++)
		c->st[i].tag = c->v.tags + 32 * (size_t)i;
	c->res->before = c->n;
	c->fd = open(c->path, O_RDONLY | O_CLOEXEC);
	NPK_FAIL_IF(c->fd < 0, err, NPK_E_IO, "%s: %s", c->path, strerror(errno));
	NPK_FORWARD(tail_read(c, err));
	NPK_FORWARD(plan_stanzas(c, err));
	npk_buf sec = {0};
	uint64_t size = 0;
	rc = seal_make(c, &sec, err);
	if (rc == NPK_OK)
		rc = npk__out_open(&c->out, out ? out : c->path, NPK__MODE_FILE,
		                   out ? 0 : NPK__OUT_REPLACE, err);
	if (rc == NPK_OK)
		rc = copy_range(c, c->v.off, err);
	if (rc == NPK_OK && c->o->rekey)
		rc = rekey_objects(c, err);
	if (rc == NPK_OK && lseek(c->out.fd, (off_t)c->v.off, SEEK_SET) < 0)
		rc = npk__fail(err, NPK_E_IO, "%s: %s", c->out.tmp, strerror(errno));
	if (rc == NPK_OK)
		rc = npk__write_full(c->out.fd, sec.p, sec.len, c->out.path, err);
	if (rc == NPK_OK)
		rc = signed_end(c, &sec, sk, &size, err);
	npk__buf_free(&sec);
	if (rc == NPK_OK)
		rc = tail_write(c, size, err);
	if (rc == NPK_OK)
		rc = check_new(c, sk, err);
	if (rc == NPK_OK)
		rc = npk__out_commit(&c->out, err);
	if (rc == NPK_OK) {
		c->res->after = c->nnew;
		c->res->rekeyed = c->o->rekey;
		c->res->added = (uint32_t)(c->o->nadd + (c->o->add_passphrase != NULL));
		uint32_t kept = 0;
		for (uint32_t i = 0; i < c->n; i++)
			kept += (uint32_t)c->st[i].keep;
		c->res->removed = c->n - kept;
	}
	return rc;
}

int npk_recipients_change(const char *path, const char *out, const npk_keyring *keys,
                          const npk_seckey *sk,
                          const npk_recipients_opts *o, npk_recipients_result *res,
                          npk_error *err)
{
	NPK_FORWARD(npk__init(err));
	NPK_FAIL_IF(path == NULL || keys == NULL || sk == NULL || o == NULL, err, NPK_E_ARG,
	            "recipients: an archive, a key that opens it and its signer's key are needed");
	npk_recipients_result dummy;
	change c = {.path = path, .keys = keys, .o = o, .res = res ? res : &dummy, .fd = -1,
	            .out = {.fd = -1}};
	memset(c.res, 0, sizeof *c.res);
	int rc = change_run(&c, out, sk, err);
	npk__out_abort(&c.out);
	if (c.fd >= 0)
		close(c.fd);
	npk_reader_free(c.r);
	free(c.st);
	npk__buf_free(&c.stanzas);
	npk__buf_free(&c.tags);
	if (c.k2 != NULL)
		sodium_free(c.k2);
	free(c.tables);
	free(c.man);
	return rc;
}
