/* meta_json.c - sidecars: NAME.meta.json, whose fields replace or remove
 * those found in the document NAME (spec/metadata.md 7), read with jansson.
 * Field names map to keys as in front matter (meta_yaml.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "meta/meta.h"

/* The JSON text of a number or boolean: integers as written, reals in
 * the shortest form that reads back as the same double. */
static void json_scalar_text(json_t *v, char out[64])
{
	switch (json_typeof(v)) {
	case JSON_INTEGER:
		snprintf(out, 64, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return;
	case JSON_REAL:
		for (int prec = 1; prec <= 17; prec++) {
			snprintf(out, 64, "%.*g", prec, json_real_value(v));
			if (strtod(out, NULL) == json_real_value(v))
				return;
		}
		return;
	case JSON_TRUE:
		snprintf(out, 64, "true");
		return;
	case JSON_FALSE:
		snprintf(out, 64, "false");
		return;
	case JSON_OBJECT:
	case JSON_ARRAY:
	case JSON_STRING:
	case JSON_NULL:
		break;
	}
	out[0] = 0;
}

/* Adds one JSON scalar (string, number, boolean) to t under key. */
static int sidecar_add(npk_meta *t, const char *key, json_t *v, const char *name,
                       npk_error *err)
{
	char num[64];
	const char *s = num;
	size_t n;
	if (json_is_string(v)) {
		s = json_string_value(v);
		n = json_string_length(v);
	} else {
		json_scalar_text(v, num);
		n = strlen(num);
	}
	size_t klen = strlen(key);
	int rc = npk__meta_check_pair(key, klen, s, n, err);
	if (rc != NPK_OK) {
		char msg[sizeof err->msg];
		snprintf(msg, sizeof msg, "%s", err ? err->msg : "");
		return npk__fail(err, rc, "%s: %s", name, msg);
	}
	NPK_FAIL_IF(npk__meta_push(t, key, klen, s, n) != 0, err, NPK_E_NOMEM,
	            "%s: out of memory", name);
	return NPK_OK;
}

int npk_meta_apply_sidecar(npk_meta *m, const char *json, size_t len,
                           const char *sidecar_name, npk_error *err)
{
	const char *name = sidecar_name ? sidecar_name : "sidecar";
	NPK_FAIL_IF(m == NULL || (json == NULL && len), err, NPK_E_ARG,
	            "npk_meta_apply_sidecar: no list or no input");
	if (len >= 3 && memcmp(json, "\xEF\xBB\xBF", 3) == 0) {
		json += 3;
		len -= 3;
	}
	json_error_t je;
	json_t *root = json_loadb(json ? json : "", len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL)
		return npk__fail(err, NPK_E_INPUT, "%s: line %d, column %d: %s", name,
		                 je.line, je.column, je.text);
	npk_meta *t = npk_meta_new(), *gone = npk_meta_new();
	int rc = NPK_OK;
	if (t == NULL || gone == NULL) {
		rc = npk__fail(err, NPK_E_NOMEM, "%s: out of memory", name);
		goto done;
	}
	if (!json_is_object(root)) {
		rc = npk__fail(err, NPK_E_INPUT, "%s: the top level must be a JSON object", name);
		goto done;
	}
	/* Everything goes into t (and the removals into gone) first, so that a
	 * bad field leaves m as it was. */
	const char *jk;
	json_t *jv;
	json_object_foreach(root, jk, jv) {
		char keybuf[NPK_META_KEY_MAX + 1], shown[80];
		size_t jkl = strlen(jk);
		const char *key = npk__meta_key_map(jk, jkl, keybuf);
		if (key == NULL) {
			npk__meta_key_show(jk, jkl, shown);
			rc = npk__fail(err, NPK_E_INPUT, "%s: key \"%s\" is not a metadata key "
			               "(1-%u bytes of a-z, 0-9, '_', '.' and '-')", name, shown,
			               NPK_META_KEY_MAX);
			goto done;
		}
		npk_meta_remove(t, key);
		npk_meta_remove(gone, key);
		switch (json_typeof(jv)) {
		case JSON_OBJECT:
			rc = npk__fail(err, NPK_E_INPUT, "%s: key \"%s\": nested objects are not "
			               "supported", name, jk);
			goto done;
		case JSON_NULL:
			break;
		case JSON_ARRAY: {
			size_t ix;
			json_t *el;
			json_array_foreach(jv, ix, el) {
				if (json_is_object(el) || json_is_array(el) || json_is_null(el)) {
					rc = npk__fail(err, NPK_E_INPUT, "%s: key \"%s\": element %zu "
					               "must be a string, a number or a boolean",
					               name, jk, ix);
					goto done;
				}
				if ((rc = sidecar_add(t, key, el, name, err)) != NPK_OK)
					goto done;
			}
			break;
		}
		case JSON_STRING:
		case JSON_INTEGER:
		case JSON_REAL:
		case JSON_TRUE:
		case JSON_FALSE:
			if ((rc = sidecar_add(t, key, jv, name, err)) != NPK_OK)
				goto done;
			break;
		}
		/* null and [] remove the field */
		if (npk_meta_find(t, key) == NULL && npk__meta_push(gone, key, strlen(key), "", 0) != 0) {
			rc = npk__fail(err, NPK_E_NOMEM, "%s: out of memory", name);
			goto done;
		}
	}
	if (npk__meta_splice(m, t, 1) != 0) {
		rc = npk__fail(err, NPK_E_NOMEM, "%s: out of memory", name);
		goto done;
	}
	for (size_t i = 0; i < npk_meta_count(gone); i++) {
		const char *k;
		npk_meta_get(gone, i, &k, NULL);
		npk_meta_remove(m, k);
	}
done:
	npk_meta_free(t);
	npk_meta_free(gone);
	json_decref(root);
	return rc;
}
