/*
 * format/chainverify.c - verify of a chain of editions (spec/format.md
 * 15.15): every file, oldest first, each read once (and the extents that
 * references name), its signer reported; the checks of the chain (edition
 * numbers, base_digest, prev_tree_size, the stride, key rotation);
 * withdrawals of paths the state held; the folder rule of the state.
 */
#include <stdio.h>
#include <string.h>

#include "format/format.h"

typedef struct chain_verify {
	npk_reader *top;
	npk_problem_cb cb;
	void *ctx;
	npk_verify_stats *st;
	int first;                /* the outcome so far: damage over NEWER over OK */
	uint32_t edition;         /* the file being verified */
	npk_pathstack folders;    /* the state's folder rule */
	const char *clash_name;
} chain_verify;

static void keep_worst(int *first, int code)
{
	if (code != NPK_OK && (*first == NPK_OK || (*first == NPK_E_VERSION && code != NPK_E_VERSION)))
		*first = code;
}

static void cv_report(chain_verify *c, int code, uint32_t e, const char *path, const char *msg)
{
	keep_worst(&c->first, code);
	if (c->cb) {
		npk_problem p = {code, "edition", e, 0, path, msg, 0, 0};
		c->cb(&p, c->ctx);
	}
}

/* Adds one file's counts to the chain's (the tree's are the newest's). */
static void stats_add(npk_verify_stats *to, const npk_verify_stats *s)
{
	to->documents += s->documents;
	to->documents_bad += s->documents_bad;
	to->clusters += s->clusters;
	to->clusters_bad += s->clusters_bad;
	to->pages += s->pages;
	to->pages_bad += s->pages_bad;
	to->bytes += s->bytes;
	to->documents_unsupported += s->documents_unsupported;
	to->clusters_unsupported += s->clusters_unsupported;
	to->pages_unsupported += s->pages_unsupported;
	to->sections += s->sections;
	to->sections_unknown += s->sections_unknown;
	to->kind_documents += s->kind_documents;
	to->kind_withdrawn += s->kind_withdrawn;
	to->kind_folders += s->kind_folders;
	to->kind_links += s->kind_links;
	to->tail |= s->tail;
	to->tail_sections += s->tail_sections;
	to->tail_problems += s->tail_problems;
	to->copies += s->copies;
	to->copies_served |= s->copies_served;
	to->tree = s->tree;
	to->tree_size = s->tree_size;
	memcpy(to->tree_root, s->tree_root, 32);
	to->tree_problems += s->tree_problems;
}

/* The stride of fr's tree section, or 0. */
static unsigned stride_of(const npk_reader *fr)
{
	uint64_t off, len, n;
	const uint8_t *root;
	uint8_t h[NPK_TREE_HEADER];
	npk_error e2 = {0};
	if (npk__reader_tree(fr, &off, &len, &n, &root) != NPK_OK || len < sizeof h ||
	    npk__pread_full(npk__reader_fd(fr), h, sizeof h, off, npk__reader_name(fr), &e2) != NPK_OK)
		return 0;
	return h[16];
}

/* Edition e's signature (the newest's was checked at open; an earlier
 * file is bound to it by the digests, and its own signature is checked
 * here too, as each file's signer is reported). */
static int signature_ok(const npk_reader *fr, const npk_info *in)
{
	const uint8_t *mf, *sig;
	size_t mf_len, sig_len;
	npk__reader_signed(fr, &mf, &mf_len, &sig, &sig_len);
	if (mf == NULL || sig_len < NPK_SIG_FIXED)
		return 0;
	size_t clen = npk__ld16(sig + 74);
	return clen + NPK_SIG_FIXED == sig_len &&
	       npk__verify(in->signer, mf, mf_len, sig + 10, (const char *)sig + 76, clen,
	                   sig + 76 + clen) == NPK_OK;
}

/* The checks of 15.15 between edition e (fr, in) and e - 1 (pin), base
 * the base's file reader. */
static void check_link(chain_verify *c, uint32_t e, npk_reader *fr, const npk_info *in,
                       const npk_info *pin, npk_reader *base)
{
	const npk_edition_link *l = npk__reader_link(fr);
	const char *name = npk__chain_name(c->top, e);
	char msg[600], id[17], old[17];
	npk_keyid_format(in->key_id, id);
	npk_keyid_format(pin->key_id, old);
	const char *why = NULL;
	if (l == NULL || l->edition != e)
		why = "its edition number is not one more than the edition before it";
	else if (base != NULL && memcmp(l->base_digest, npk__reader_manifest_digest(base), 32) != 0)
		why = "its base_digest is not H(manifest) of the chain's base";
	else if (l->prev_tree_size != pin->tree_size)
		why = "its prev_tree_size is not the previous edition's tree_size";
	else if (base != NULL && stride_of(fr) != stride_of(base))
		why = "its Merkle tree's stride is not the base's";
	if (why != NULL) {
		snprintf(msg, sizeof msg, "%s: %s", name, why);
		cv_report(c, NPK_E_FORMAT, e, NULL, msg);
	}
	if (l == NULL)
		return;
	int same = memcmp(in->signer, pin->signer, 32) == 0 && memcmp(in->key_id, pin->key_id, 8) == 0;
	why = same ? (l->statement ? "it holds a rotation statement but is signed by the same key" : NULL)
	           : npk__rotation_check(l, pin->signer, in->key_id, in->signer);
	if (why == NULL)
		return;
	if (same)
		snprintf(msg, sizeof msg, "%s: %s", name, why);
	else
		snprintf(msg, sizeof msg, "%s: edition %u is signed by key %s, which the signer of "
		         "edition %u (key %s) did not authorise (%s)", name, e, id, e - 1, old, why);
	cv_report(c, NPK_E_SIGNATURE, e, NULL, msg);
}

/* Whether the state before edition e holds path: the newest entry of
 * editions e - 1 .. 0 at path, if any, is not a withdrawal. */
static int state_holds(chain_verify *c, uint32_t e, const char *path, int *held)
{
	*held = 0;
	for (uint32_t j = e; j-- > 0;) {
		npk_reader *fr;
		const npk_entry *found;
		npk_error e2 = {0};
		if (npk__chain_file(c->top, j, &fr, &e2) != NPK_OK)
			return -1;
		int rc = npk_reader_find(fr, path, &found, &e2);
		if (rc == NPK_E_NOTFOUND)
			continue;
		if (rc != NPK_OK)
			return -1;
		*held = found->kind != NPK_KIND_WITHDRAWN;
		return 0;
	}
	return 0;
}

/* Each entry of edition c->edition: a withdrawal names a path of the
 * state before it. */
static int each_entry(const npk_entry *en, void *ctx)
{
	chain_verify *c = ctx;
	int held;
	char msg[NPK_PATH_MAX + 200];
	if (c->edition == 0 || en->kind != NPK_KIND_WITHDRAWN)
		return 0;
	if (state_holds(c, c->edition, en->path, &held) != 0) {
		snprintf(msg, sizeof msg, "the withdrawal of %s cannot be checked: an earlier edition "
		         "cannot be read", en->path);
		cv_report(c, NPK_E_FORMAT, c->edition, en->path, msg);
	} else if (!held) {
		snprintf(msg, sizeof msg, "withdraws %s, which the state before edition %u does not "
		         "hold", en->path, c->edition);
		cv_report(c, NPK_E_FORMAT, c->edition, en->path, msg);
	}
	return 0;
}

/* The folder rule (5.1) over the state, listed in path order. */
static int state_entry(const npk_entry *en, void *ctx)
{
	chain_verify *c = ctx;
	const char *clash;
	char msg[2 * NPK_PATH_MAX + 100];
	if (npk__pathstack_push(&c->folders, en->path, &clash) != 0)
		return NPK_E_NOMEM;
	if (clash != NULL) {
		snprintf(msg, sizeof msg, "in the state at edition %u, \"%s\" is a document and also "
		         "the folder of \"%s\"", npk__chain_at(c->top), clash, en->path);
		cv_report(c, NPK_E_FORMAT, npk__chain_at(c->top), en->path, msg);
	}
	return 0;
}

/* Edition e's line: file, entries, signer (problem object "edition",
 * code NPK_OK), or its signature's failure. */
static void report_edition(chain_verify *c, uint32_t e, const npk_reader *fr, const npk_info *in,
                           const npk_info *pin, int newest)
{
	char msg[300], id[17], old[17];
	npk_keyid_format(in->key_id, id);
	if (!newest && !signature_ok(fr, in)) {
		snprintf(msg, sizeof msg, "%s: its signature by key %s does not verify",
		         npk__chain_name(c->top, e), id);
		cv_report(c, NPK_E_SIGNATURE, e, NULL, msg);
		return;
	}
	int rotated = pin != NULL && memcmp(in->signer, pin->signer, 32) != 0;
	if (pin != NULL)
		npk_keyid_format(pin->key_id, old);
	npk_info ti;
	npk_reader_info(c->top, &ti);
	snprintf(msg, sizeof msg, "%llu %s, signed by %s%s%s%s", (unsigned long long)in->documents,
	         in->documents == 1 ? "entry" : "entries", id, newest ? (ti.trusted ? " (trusted)" : " (untrusted)") : "",
	         rotated ? ", rotated from " : "", rotated ? old : "");
	if (c->cb) {
		npk_problem p = {NPK_OK, "edition", e, 0, npk__chain_name(c->top, e), msg, 0, 0};
		c->cb(&p, c->ctx);
	}
}

/* Verifies edition e's file; *fr and *in: its reader and info, or NULL
 * when it is missing or not the edition (reported). */
static int verify_one(chain_verify *c, uint32_t e, npk_reader **fr, npk_info *in,
                      npk_error *err)
{
	npk_error e2 = {0};
	npk_verify_stats st;
	*fr = NULL;
	if (npk__chain_file(c->top, e, fr, &e2) != NPK_OK) {
		/* missing, or not the edition its successor names: exit 1 */
		cv_report(c, e2.code == NPK_E_DIGEST ? NPK_E_DIGEST : NPK_E_FORMAT, e, NULL, e2.msg);
		*fr = NULL;
		return NPK_OK;
	}
	npk_reader_info(*fr, in);
	c->edition = e;
	memset(&st, 0, sizeof st);
	int rc = npk__reader_verify_file(*fr, c->top, each_entry, c, c->cb, c->ctx, &st, &e2);
	stats_add(c->st, &st);
	/* memory stays bounded by one file's: what the files read so far hold
	 * (this one's last cluster and pages, the earlier ones' that its
	 * references read) is let go */
	for (uint32_t k = 0; k <= e; k++) {
		npk_reader *f;
		if (npk__chain_file(c->top, k, &f, NULL) == NPK_OK)
			npk__reader_drop(f, NPK__DROP_ALL);
	}
	if (rc == NPK_E_NOMEM || rc == NPK_E_IO) {
		*err = e2;
		return rc;
	}
	keep_worst(&c->first, rc);
	return NPK_OK;
}

int npk__chain_verify(npk_reader *top, npk_problem_cb cb, void *ctx, npk_verify_stats *stats,
                      npk_error *err)
{
	npk_verify_stats local;
	chain_verify c = {.top = top, .cb = cb, .ctx = ctx, .st = stats ? stats : &local};
	memset(c.st, 0, sizeof *c.st);
	uint32_t at = npk__chain_at(top);
	npk_reader *base = NULL, *prev = NULL;
	npk_info in, pin;
	int rc = NPK_OK;
	for (uint32_t e = 0; rc == NPK_OK && e <= at; e++) {
		npk_reader *fr;
		rc = verify_one(&c, e, &fr, &in, err);
		if (rc != NPK_OK || fr == NULL) {
			prev = NULL;
			continue;
		}
		if (e == 0)
			base = fr;
		if (e == 0 && (npk__reader_link(fr) != NULL || !in.tree))
			cv_report(&c, NPK_E_FORMAT, 0, NULL, "the chain's base is not a version 1.1 archive "
			          "with a Merkle tree and no edition link");
		if (e > 0 && prev != NULL)
			check_link(&c, e, fr, &in, &pin, base);
		/* the newest file's signature was checked at open; the others' here */
		report_edition(&c, e, fr, &in, prev ? &pin : NULL, e + 1 == npk__chain_count(top));
		prev = fr;
		pin = in;
	}
	if (rc == NPK_OK && c.first != NPK_E_NOMEM) {
		npk_error e2 = {0};
		int lr = npk_reader_list(top, state_entry, &c, &e2);
		if (lr == NPK_E_NOMEM)
			rc = npk__fail(err, NPK_E_NOMEM, "out of memory");
		else if (lr != NPK_OK)
			cv_report(&c, lr == NPK_E_VERSION ? NPK_E_VERSION : NPK_E_FORMAT, at, NULL, e2.msg);
	}
	npk__pathstack_free(&c.folders);
	if (rc != NPK_OK)
		return rc;
	if (c.first != NPK_OK)
		return npk__fail(err, c.first, "%s: %s", npk__chain_name(top, at), npk_strerror(c.first));
	return NPK_OK;
}
