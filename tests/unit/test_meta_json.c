/* test_meta_json.c - npk_meta_to_json, the one JSON shape of metadata
 * (spec/metadata.md 11) that list --json, info --json and the exports
 * share; and newspack's own sidecars, written and read back. */
#include <stdlib.h>
#include <string.h>

#include "format/format.h"
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

/* newspack's own sidecar (spec/metadata.md 7.1): written marked, with the
 * media type; read back as the whole metadata, keys as written (no alias:
 * tags stays tags, link stays link, title.1 is its own key), in place of
 * what was extracted. */
DEFINE_TEST(test_meta_own_sidecar)
{
	npk_error err = {0};
	npk_meta *m = npk_meta_new();
	CHECK_RC(npk_meta_add(m, "tags", "t1", &err), NPK_OK, &err);
	CHECK_RC(npk_meta_add(m, "link", "https://example.org/", &err), NPK_OK, &err);
	CHECK_RC(npk_meta_add(m, "title", "T", &err), NPK_OK, &err);
	CHECK_RC(npk_meta_add(m, "title.1", "another key", &err), NPK_OK, &err);
	CHECK_RC(npk_meta_add(m, "author", "A", &err), NPK_OK, &err);
	CHECK_RC(npk_meta_add(m, "author", "B", &err), NPK_OK, &err);
	char *js;
	size_t len;
	CHECK_RC(npk__sidecar_json(m, "text/plain", NULL, &js, &len, &err), NPK_OK, &err);
	CHECK_STR(js, "{\"@media_type\":\"text/plain\",\"@newspack\":1,\"author\":[\"A\",\"B\"],"
	              "\"link\":\"https://example.org/\",\"tags\":\"t1\",\"title\":\"T\","
	              "\"title.1\":\"another key\"}");
	char *media, *doc;
	CHECK_EQ_INT(npk__sidecar_own(js, len, &media, &doc), 1);
	CHECK_STR(media, "text/plain");
	CHECK(doc == NULL);
	free(media);

	npk_meta *back = npk_meta_new();
	CHECK_RC(npk_meta_add(back, "description", "extracted", &err), NPK_OK, &err);
	CHECK_RC(npk_meta_apply_sidecar(back, js, len, "x.meta.json", &err), NPK_OK, &err);
	char *again;
	CHECK_RC(npk_meta_to_json(back, &again, NULL, &err), NPK_OK, &err);
	char *want;
	CHECK_RC(npk_meta_to_json(m, &want, NULL, &err), NPK_OK, &err);
	CHECK_STR(again, want); /* exactly m: nothing extracted is left */
	free(again);
	free(want);
	free(js);

	/* another sidecar goes through the aliases, as before */
	const char *plain = "{\"tags\": \"t1\"}";
	CHECK_EQ_INT(npk__sidecar_own(plain, strlen(plain), &media, &doc), 0);
	CHECK_RC(npk_meta_apply_sidecar(back, plain, strlen(plain), "y.meta.json", &err), NPK_OK, &err);
	CHECK_STR(npk_meta_find(back, "keywords"), "t1");

	/* "@document" names the document; an unknown mark or a number is refused */
	CHECK_RC(npk__sidecar_json(m, NULL, "x", &js, &len, &err), NPK_OK, &err);
	CHECK_EQ_INT(npk__sidecar_own(js, len, &media, &doc), 1);
	CHECK(media == NULL);
	CHECK_STR(doc, "x");
	free(doc);
	free(js);
	const char *v2 = "{\"@newspack\": 2, \"title\": \"x\"}";
	CHECK_RC(npk_meta_apply_sidecar(back, v2, strlen(v2), "z.meta.json", &err), NPK_E_INPUT, &err);
	CHECK_STR(err.msg, "z.meta.json: \"@newspack\" is not 1: written by a newer newspack?");
	const char *num = "{\"@newspack\": 1, \"pages\": 12}";
	CHECK_RC(npk_meta_apply_sidecar(back, num, strlen(num), "n.meta.json", &err), NPK_E_INPUT, &err);
	CHECK_STR(err.msg, "n.meta.json: key \"pages\": a newspack sidecar holds strings and arrays of strings");
	CHECK_STR(npk_meta_find(back, "keywords"), "t1"); /* a refused sidecar changes nothing */
	npk_meta_free(back);
	npk_meta_free(m);
}
