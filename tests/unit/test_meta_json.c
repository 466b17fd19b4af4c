/* test_meta_json.c - npk_meta_to_json, the one JSON shape of metadata
 * (spec/metadata.md 11) that list --json, info --json and the exports
 * share. */
#include <stdlib.h>
#include <string.h>

#include "newspack.h"
#include "test.h"

DEFINE_TEST(test_meta_to_json_shape)
{
	npk_error err = {0};
	npk_meta *m = npk_meta_new();
	CHECK(m != NULL);
	/* author and keywords are arrays even with one value; another key
	 * is a string, or an array when it repeats; values kept exactly */
	CHECK_RC(npk_meta_add(m, "title", "Council votes \"yes\"\nat last", &err), NPK_OK, &err);
	CHECK_RC(npk_meta_add(m, "author", "Jane Doe", &err), NPK_OK, &err);
	CHECK_RC(npk_meta_add(m, "section", "Local", &err), NPK_OK, &err);
	CHECK_RC(npk_meta_add(m, "section", "Politics", &err), NPK_OK, &err);
	CHECK_RC(npk_meta_add(m, "keywords", "vote", &err), NPK_OK, &err);
	CHECK_RC(npk_meta_add(m, "source", "Gazette \xc3\xa9t\xc3\xa9", &err), NPK_OK, &err);
	char *js = NULL;
	size_t len = 0;
	CHECK_RC(npk_meta_to_json(m, &js, &len, &err), NPK_OK, &err);
	CHECK_STR(js, "{\"author\":[\"Jane Doe\"],\"keywords\":[\"vote\"],"
	              "\"section\":[\"Local\",\"Politics\"],\"source\":\"Gazette \xc3\xa9t\xc3\xa9\","
	              "\"title\":\"Council votes \\\"yes\\\"\\nat last\"}");
	CHECK_EQ_INT(len, strlen(js));
	free(js);

	/* no metadata: an empty object; len may be NULL */
	npk_meta *none = npk_meta_new();
	CHECK_RC(npk_meta_to_json(none, &js, NULL, &err), NPK_OK, &err);
	CHECK_STR(js, "{}");
	free(js);
	CHECK_RC(npk_meta_to_json(NULL, &js, NULL, &err), NPK_E_ARG, &err);
	npk_meta_free(none);
	npk_meta_free(m);
}
