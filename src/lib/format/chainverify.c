/*
 * format/chainverify.c - verify of a chain of editions (spec/format.md
 * 15.15): every file, oldest first, each read once (and the extents that
 * references name), its signer reported; the checks of the chain (edition
 * numbers, base_digest, prev_tree_size, the stride, key rotation);
 * withdrawals of paths the state held; the folder rule of the state. The
 * last two come from each file's entries, spilled to a temporary file as
 * its verify reads them and merged in path order at the end: no file is
 * read twice, and the memory does not grow with the entries.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
	/* each file's entries (path, withdrawn), front-coded in path order as
	 * its verify reads them, for the checks of the state: merged from
	 * here, not read from the files again (each is read once) */
	FILE *spill;
	uint64_t *from, *to;      /* edition e's records: [from[e], to[e]) */
	uint32_t *failed;         /* the editions before e that failed: failed[e] */
	char *prev;               /* the last path spilled */
	int spill_bad, spill_errno;
	char spill_why[512];      /* why it could not be made */
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
	/* 15.17.8: the files of a chain are sealed alike; closed or opened as
	 * the newest was */
	to->sealed = s->sealed;
	to->tree_sealed = s->tree_sealed;
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
	else if (in->sealed != pin->sealed && (in->sealed == 0 || pin->sealed == 0))
		why = "every file of a chain is sealed, or none is (spec/format.md 15.17.8)";
	else if (in->sealed != 1 && pin->sealed != 1 && l->prev_tree_size != pin->tree_size)
		why = "its prev_tree_size is not the previous edition's tree_size";
	else if (base != NULL &&
	         npk__chain_stride(c->top, e, fr) != npk__chain_stride(c->top, 0, base))
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

/* Each entry of edition c->edition, spilled (prefix shared with the
 * last one, suffix, kind); one out of order is left to the file's verify. */
static int each_entry(const npk_entry *en, void *ctx)
{
	chain_verify *c = ctx;
	size_t n = strlen(en->path), k = 0;
	if (c->spill == NULL || c->spill_bad)
		return 0;
	if (c->to[c->edition] > c->from[c->edition] && strcmp(c->prev, en->path) >= 0)
		return 0;
	while (k < n && c->prev[k] == en->path[k])
		k++;
	uint8_t h[5] = {(uint8_t)k, (uint8_t)(k >> 8), (uint8_t)(n - k), (uint8_t)((n - k) >> 8),
	                en->kind == NPK_KIND_WITHDRAWN};
	if (fwrite(h, 1, 5, c->spill) != 5 || fwrite(en->path + k, 1, n - k, c->spill) != n - k) {
		c->spill_bad = 1;
		c->spill_errno = errno;
	}
	memcpy(c->prev + k, en->path + k, n - k + 1);
	c->to[c->edition] += 5 + n - k;
	return 0;
}

/* ---- The state, merged from the spilled entries ---- */

typedef struct spill_cur {
	uint64_t pos, end;
	uint8_t buf[4096];
	size_t len, at;
	char path[NPK_PATH_MAX + 1];
	int withdrawn;
} spill_cur;

typedef struct spill_merge {
	int fd;
	spill_cur *cur;
	uint32_t *heap, n;
} spill_merge;

static int fill(spill_merge *m, spill_cur *s, size_t need)
{
	if (s->len - s->at >= need)
		return 0;
	memmove(s->buf, s->buf + s->at, s->len - s->at);
	s->len -= s->at;
	s->at = 0;
	size_t want = sizeof s->buf - s->len;
	if (want > s->end - s->pos)
		want = (size_t)(s->end - s->pos);
	npk_error e2 = {0};
	if (want > 0 && npk__pread_full(m->fd, s->buf + s->len, want, s->pos, "spill", &e2) != NPK_OK)
		return -1;
	s->pos += want;
	s->len += want;
	return s->len - s->at >= need ? 0 : -1;
}

/* Edition e's next entry: 1, 0 at its end, -1 when it cannot be read. */
static int spill_next(spill_merge *m, uint32_t e)
{
	spill_cur *s = &m->cur[e];
	if (s->at == s->len && s->pos == s->end)
		return 0;
	if (fill(m, s, 5) != 0)
		return -1;
	const uint8_t *h = s->buf + s->at;
	size_t k = h[0] | (size_t)h[1] << 8, n = h[2] | (size_t)h[3] << 8;
	s->withdrawn = h[4];
	s->at += 5;
	if (k + n > NPK_PATH_MAX || fill(m, s, n) != 0)
		return -1;
	memcpy(s->path + k, s->buf + s->at, n);
	s->path[k + n] = 0;
	s->at += n;
	return 1;
}

/* Path order, then the oldest edition first. */
static int sp_before(const void *ctx, uint32_t a, uint32_t b)
{
	const spill_merge *m = ctx;
	int cmp = strcmp(m->cur[a].path, m->cur[b].path);
	return cmp != 0 ? cmp < 0 : a < b;
}

static void sp_sift(spill_merge *m, uint32_t i)
{
	npk__heap_sift(m->heap, m->n, i, sp_before, m);
}

/* A withdrawal in edition e names a path of the state before it: the
 * version of edition pe (UINT32_MAX: none), unless a file between them
 * could not be read. */
static void check_withdrawal(chain_verify *c, uint32_t e, const char *path, uint32_t pe,
                             int prev_withdrawn)
{
	char msg[NPK_PATH_MAX + 200];
	uint32_t lo = pe == UINT32_MAX ? 0 : pe + 1;
	if (e == 0)
		return;
	if (c->failed[e] - c->failed[lo] > 0) {
		snprintf(msg, sizeof msg, "the withdrawal of %s cannot be checked: an earlier edition "
		         "cannot be read", path);
		cv_report(c, NPK_E_FORMAT, e, path, msg);
	} else if (pe == UINT32_MAX || prev_withdrawn) {
		snprintf(msg, sizeof msg, "withdraws %s, which the state before edition %u does not "
		         "hold", path, e);
		cv_report(c, NPK_E_FORMAT, e, path, msg);
	}
}

/* The folder rule (5.1) over the state, in path order. */
static int state_entry(chain_verify *c, const char *path)
{
	const char *clash;
	char msg[2 * NPK_PATH_MAX + 100];
	if (npk__pathstack_push(&c->folders, path, &clash) != 0)
		return NPK_E_NOMEM;
	if (clash != NULL) {
		snprintf(msg, sizeof msg, "in the state at edition %u, \"%s\" is a document and also "
		         "the folder of \"%s\"", npk__chain_at(c->top), clash, path);
		cv_report(c, NPK_E_FORMAT, npk__chain_at(c->top), path, msg);
	}
	return 0;
}

/* One path: its versions, oldest first; the newest is the state's. */
static int merge_path(chain_verify *c, spill_merge *m, char *path)
{
	uint32_t pe = UINT32_MAX;
	int pw = 0, r;
	strcpy(path, m->cur[m->heap[0]].path);
	while (m->n > 0 && strcmp(m->cur[m->heap[0]].path, path) == 0) {
		uint32_t e = m->heap[0];
		if (m->cur[e].withdrawn)
			check_withdrawal(c, e, path, pe, pw);
		pe = e;
		pw = m->cur[e].withdrawn;
		if ((r = spill_next(m, e)) < 0)
			return NPK_E_IO;
		if (r == 0)
			m->heap[0] = m->heap[--m->n];
		if (m->n > 0)
			sp_sift(m, 0);
	}
	return pw ? NPK_OK : state_entry(c, path);
}

static int merge_spill(chain_verify *c, uint32_t count, npk_error *err)
{
	spill_merge m = {fileno(c->spill), calloc(count, sizeof *m.cur), calloc(count, sizeof *m.heap), 0};
	char *path = malloc(NPK_PATH_MAX + 1);
	int rc = m.cur && m.heap && path ? NPK_OK : npk__fail(err, NPK_E_NOMEM, "out of memory");
	for (uint32_t e = 0; rc == NPK_OK && e < count; e++) {
		m.cur[e].pos = c->from[e];
		m.cur[e].end = c->to[e];
		int r = spill_next(&m, e);
		if (r < 0)
			rc = npk__fail(err, NPK_E_IO, "verify: the entries kept in a temporary file "
			               "cannot be read back");
		else if (r > 0)
			m.heap[m.n++] = e;
	}
	for (uint32_t i = m.n / 2 + 1; rc == NPK_OK && i-- > 0;)
		sp_sift(&m, i);
	while (rc == NPK_OK && m.n > 0)
		if ((rc = merge_path(c, &m, path)) == NPK_E_IO)
			rc = npk__fail(err, NPK_E_IO, "verify: the entries kept in a temporary file "
			               "cannot be read back");
	free(path);
	free(m.cur);
	free(m.heap);
	return rc;
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
	char count[40];
	if (in->sealed == 1) /* 15.17.8: hidden without a key */
		snprintf(count, sizeof count, "sealed");
	else
		snprintf(count, sizeof count, "%llu %s", (unsigned long long)in->documents,
		         in->documents == 1 ? "entry" : "entries");
	snprintf(msg, sizeof msg, "%s, signed by %s%s%s%s", count, id, newest ? (ti.trusted ? " (trusted)" : " (untrusted)") : "",
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
	c->prev[0] = 0;
	if (c->spill != NULL)
		c->from[e] = c->to[e] = (uint64_t)ftello(c->spill);
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

/* The checks of the state (withdrawals, the folder rule) from the spilled
 * entries; a file that failed makes it incomplete, as a listing says. */
static int check_state(chain_verify *c, uint32_t at, npk_error *err)
{
	npk_error e2 = {0};
	if (c->spill != NULL && !c->spill_bad && fflush(c->spill) != 0)
		c->spill_errno = errno;
	NPK_FAIL_IF(c->spill == NULL || c->spill_bad || c->spill_errno, err, NPK_E_IO,
	            "verify: the entries of the chain cannot be kept in a temporary file: %s",
	            c->spill_why[0] ? c->spill_why : strerror(c->spill_errno));
	NPK_FORWARD(merge_spill(c, at + 1, err));
	npk__chain_warn_unused(c->top);
	for (uint32_t e = 0; e <= at; e++) {
		npk_reader *fr;
		if (npk__chain_file(c->top, e, &fr, &e2) == NPK_OK)
			continue;
		int code = e2.code == NPK_E_NOTFOUND ? NPK_E_FORMAT : e2.code;
		npk__wrap(&e2, code, "%s: the state is incomplete: ", npk__reader_name(c->top));
		cv_report(c, code == NPK_E_VERSION ? NPK_E_VERSION : NPK_E_FORMAT, at, NULL, e2.msg);
		break;
	}
	return NPK_OK;
}

static void cv_free(chain_verify *c)
{
	npk__pathstack_free(&c->folders);
	if (c->spill != NULL)
		fclose(c->spill);
	free(c->from);
	free(c->to);
	free(c->failed);
	free(c->prev);
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
	c.from = calloc(at + 1, sizeof *c.from);
	c.to = calloc(at + 1, sizeof *c.to);
	c.failed = calloc(at + 2, sizeof *c.failed);
	c.prev = malloc(NPK_PATH_MAX + 1);
	/* in $TMPDIR (else /tmp), as every scratch file of newspack */
	int sfd = -1;
	npk_error se = {0};
	c.spill = npk__scratch_fd(&sfd, &se) == NPK_OK ? fdopen(sfd, "w+b") : NULL;
	c.spill_errno = c.spill == NULL ? (sfd >= 0 ? errno : EIO) : 0;
	if (c.spill == NULL && sfd >= 0)
		close(sfd);
	if (sfd < 0)
		snprintf(c.spill_why, sizeof c.spill_why, "%s", se.msg);
	int rc = c.from && c.to && c.failed && c.prev ? NPK_OK
	         : npk__fail(err, NPK_E_NOMEM, "out of memory");
	for (uint32_t e = 0; rc == NPK_OK && e <= at; e++) {
		npk_reader *fr;
		rc = verify_one(&c, e, &fr, &in, err);
		c.failed[e + 1] = c.failed[e] + (fr == NULL);
		if (rc != NPK_OK || fr == NULL) {
			prev = NULL;
			continue;
		}
		if (e == 0)
			base = fr;
		if (e == 0 && (npk__reader_link(fr) != NULL || (!in.tree && in.sealed != 1)))
			cv_report(&c, NPK_E_FORMAT, 0, NULL, "the chain's base is not a version 1.1 archive "
			          "with a Merkle tree and no edition link");
		if (e > 0 && prev != NULL)
			check_link(&c, e, fr, &in, &pin, base);
		/* the newest file's signature was checked at open; the others' here */
		report_edition(&c, e, fr, &in, prev ? &pin : NULL, e + 1 == npk__chain_count(top));
		prev = fr;
		pin = in;
	}
	if (rc == NPK_OK && c.first != NPK_E_NOMEM)
		rc = check_state(&c, at, err);
	cv_free(&c);
	if (rc != NPK_OK)
		return rc;
	if (c.first != NPK_OK)
		return npk__fail(err, c.first, "%s: %s", npk__chain_name(top, at), npk_strerror(c.first));
	return NPK_OK;
}
