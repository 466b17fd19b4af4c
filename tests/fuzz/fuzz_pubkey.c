/* fuzz_pubkey.c - a public key file's text (minisign format), and the
 * trust set it joins. */
#include "fuzz.h"
#include "newspack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	npk_pubkey *pk = NULL;
	npk_error err;
	if (npk_pubkey_parse((const char *)data, size, &pk, &err) == NPK_OK) {
		npk_trust *t = npk_trust_new();
		if (t != NULL)
			npk_trust_add(t, pk, &err);
		npk_trust_free(t);
		npk_pubkey_free(pk);
	}
	return 0;
}
