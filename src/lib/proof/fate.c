/*
 * fate.c - check-proof --archive (spec/format.md 15.15): the proof's
 * manifest must be the manifest of an edition of the chain given, and the
 * editions after it say what became of the document: still the current
 * version, replaced, or withdrawn (with the reason given).
 */
#include <stdlib.h>

#include <sodium.h>

#include "format/format.h"
#include "proof/proof.h"

/* The edition e of r's chain whose manifest is p's, or why not. */
static int proof_edition(npk_reader *r, const npk_proof *p, uint32_t *e, npk_error *err)
{
	npk_mview v;
	npk_reader *fr;
	const uint8_t *mf, *sig;
	size_t mf_len, sig_len;
	uint8_t want[32], got[32];
	NPK_FORWARD(npk__manifest_view(p->manifest, p->manifest_len, &v, err));
	uint32_t count = npk__chain_count(r);
	*e = v.has_link ? v.link.edition : 0;
	NPK_FAIL_IF(*e >= count, err, NPK_E_DIGEST, "the proof is not of this chain: it holds the "
	            "manifest of edition %u, and %s is edition %u", *e, npk__reader_name(r),
	            count - 1);
	NPK_FORWARD(npk__chain_file(r, *e, &fr, err));
	npk__reader_signed(fr, &mf, &mf_len, &sig, &sig_len);
	crypto_generichash(want, 32, p->manifest, p->manifest_len, NULL, 0);
	crypto_generichash(got, 32, mf, mf_len, NULL, 0);
	NPK_FAIL_IF(!npk__digest_same(want, got), err, NPK_E_DIGEST, "the proof is not of this "
	            "chain: its manifest is not that of edition %u (%s)", *e, npk__reader_name(fr));
	return NPK_OK;
}

static int keep_reason(npk_proof_fate *out, const npk_entry *x, npk_error *err)
{
	const char *why = x->meta ? npk_meta_find(x->meta, NPK_REASON_KEY) : NULL;
	if (why == NULL)
		return NPK_OK;
	out->reason = strdup(why);
	NPK_FAIL_IF(out->reason == NULL, err, NPK_E_NOMEM, "out of memory");
	return NPK_OK;
}

int npk_proof_fate_of(npk_reader *r, const npk_proof *p, npk_proof_fate *out, npk_error *err)
{
	npk_leaf l;
	char path[NPK_PATH_MAX + 1];
	memset(out, 0, sizeof *out);
	out->editions = npk__chain_count(r);
	NPK_FORWARD(proof_edition(r, p, &out->edition, err));
	NPK_FORWARD(npk__leaf_parse(p->leaf, p->leaf_len, &l, err));
	memcpy(path, l.path, l.path_len);
	path[l.path_len] = 0;
	/* the first edition after the proof's that holds the path changed it */
	for (uint32_t k = out->edition + 1; k < out->editions; k++) {
		npk_reader *fr;
		const npk_entry *x;
		npk_error e2 = {0};
		NPK_FORWARD(npk__chain_file(r, k, &fr, err));
		int rc = npk_reader_find(fr, path, &x, &e2);
		if (rc == NPK_E_NOTFOUND)
			continue;
		if (rc != NPK_OK) {
			*err = e2;
			return rc;
		}
		out->changed_in = k;
		out->fate = x->kind == NPK_KIND_WITHDRAWN ? NPK_FATE_WITHDRAWN : NPK_FATE_REPLACED;
		return keep_reason(out, x, err);
	}
	out->fate = NPK_FATE_CURRENT;
	return NPK_OK;
}

void npk_proof_fate_clear(npk_proof_fate *f)
{
	if (f == NULL)
		return;
	free(f->reason);
	memset(f, 0, sizeof *f);
}
