/* fuzz_sidecar.c - a NAME.meta.json sidecar applied over metadata. */
#include "fuzz.h"
#include "newspack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	npk_meta *m = npk_meta_new();
	if (m == NULL)
		return 0;
	npk_error err;
	npk_meta_add(m, "title", "A title", &err);
	npk_meta_add(m, "author", "A. Writer", &err);
	npk_meta_apply_sidecar(m, (const char *)data, size, "a.txt.meta.json", &err);
	npk_meta_free(m);
	return 0;
}
