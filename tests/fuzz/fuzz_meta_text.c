/* fuzz_meta_text.c - metadata from plain-text bylines and headers. */
#include "fuzz.h"
#include "newspack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	npk_meta *m = npk_meta_new();
	if (m == NULL)
		return 0;
	npk_error err;
	const char *media = npk_media_type_guess("a.txt", data, size);
	npk_meta_extract("a.txt", data, size, media, m, &err);
	npk_meta_free(m);
	return 0;
}
