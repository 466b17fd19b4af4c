/* fuzz_meta_html.c - metadata from HTML pages: the charset, the tree,
 * JSON-LD, meta elements and bylines. */
#include "fuzz.h"
#include "newspack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	npk_meta *m = npk_meta_new();
	if (m == NULL)
		return 0;
	npk_error err;
	npk_meta_extract("a.html", data, size, "text/html", m, &err);
	npk_meta_free(m);
	return 0;
}
