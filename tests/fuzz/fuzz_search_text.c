/* fuzz_search_text.c - the text of a document for the full-text index
 * (src/lib/search/extract.c): the first byte of the input picks a media
 * type, the rest is the document. The text must stay within its bound. */
#include <stdlib.h>

#include "fuzz.h"
#include "search/extract.h"

static const char *const types[] = {
	"text/plain", "text/plain; charset=windows-1251", "text/plain; charset=\"utf-16\"",
	"text/markdown", "text/html", "text/html; charset=shift_jis", "application/xhtml+xml",
	"application/warc", "application/gzip", "text/csv", "image/png",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	const char *media = types[data[0] % (sizeof types / sizeof types[0])];
	npk_buf out = {0};
	npk_error err;
	if (npk__search_text(data + 1, size - 1, media, &out, &err) == NPK_OK &&
	    out.len > NPK__INDEX_DOC_MAX)
		abort();
	npk__buf_free(&out);
	return 0;
}
