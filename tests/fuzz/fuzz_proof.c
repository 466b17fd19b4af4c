/* fuzz_proof.c - a proof file (spec/format.md 15.14): every proof of it
 * parsed, written again (which must parse to the same text) and checked
 * (manifest, signature, leaf, inclusion path). */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "newspack.h"

/* A proof that parsed is written the one way the text allows: parsing
 * that text again and writing it gives it back, byte for byte. */
static void round_trip(const npk_proof *p)
{
	char *a = NULL, *b = NULL;
	size_t alen = 0, blen = 0, n = 0;
	npk_proof *back = NULL;
	npk_error err;
	if (npk_proof_format(p, &a, &alen, &err) != NPK_OK)
		return;
	if (npk_proof_parse(a, alen, "again", &back, &n, &err) != NPK_OK || n != 1 ||
	    npk_proof_format(&back[0], &b, &blen, &err) != NPK_OK || alen != blen ||
	    memcmp(a, b, alen) != 0)
		abort();
	free(b);
	npk_proof_clear(&back[0]);
	free(back);
	free(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	npk_proof_text t;
	npk_proof p;
	npk_error err;
	npk_proof_text_init(&t, "fuzz.proof", (const char *)data, size);
	for (int rc; (rc = npk_proof_next(&t, &p, &err)) != NPK_E_NOTFOUND;) {
		if (rc == NPK_OK) {
			npk_proof_result res;
			round_trip(&p);
			npk_proof_check(&p, NULL, NULL, NULL, &res, &err);
			npk_proof_result_clear(&res);
		}
		npk_proof_clear(&p);
		if (rc == NPK_E_INPUT && t.number == 1)
			break;
	}
	return 0;
}
