/* meta_json.c - metadata and JSON, both ways, with jansson (which the rest
 * of the library does not see; meta_html.c only reads JSON-LD with it):
 * - sidecars: NAME.meta.json, whose fields replace or remove those found
 *   in the document NAME (spec/metadata.md 7); field names map to keys as
 *   in front matter (meta_yaml.c); newspack's own sidecars (marked
 *   "@newspack") hold a document's whole metadata, read as written;
 * - the JSON form of metadata (spec/metadata.md 11), the one shape of
 *   list --json, info --json and every export. */
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
	if (rc != NPK_OK)
		return npk__wrap(err, rc, "%s: ", name);
	NPK_FAIL_IF(npk__meta_push(t, key, klen, s, n) != 0, err, NPK_E_NOMEM,
	            "%s: out of memory", name);
	return NPK_OK;
}

/* Parses the text of a sidecar: JSON, a UTF-8 byte order mark allowed,
 * duplicate keys refused (spec/metadata.md 7). */
static int sidecar_parse(const char *json, size_t len, const char *name, json_t **root,
                         npk_error *err)
{
	if (len >= 3 && memcmp(json, "\xEF\xBB\xBF", 3) == 0) {
		json += 3;
		len -= 3;
	}
	json_error_t je;
	*root = json_loadb(json ? json : "", len, JSON_REJECT_DUPLICATES, &je);
	if (*root == NULL)
		return npk__fail(err, NPK_E_INPUT, "%s: line %d, column %d: %s", name,
		                 je.line, je.column, je.text);
	return NPK_OK;
}

/* Maps a member name to a metadata key in keybuf, as front matter does
 * (spec/metadata.md 6.1), and sets *key. */
static int sidecar_key(const char *jk, char keybuf[NPK_META_KEY_MAX + 1], const char **key,
                       const char *name, npk_error *err)
{
	size_t jkl = strlen(jk);
	*key = npk__meta_key_map(jk, jkl, keybuf);
	if (*key == NULL) {
		char shown[80];
		npk__meta_key_show(jk, jkl, shown);
		return npk__fail(err, NPK_E_INPUT, "%s: key \"%s\" is not a metadata key "
		                 "(1-%u bytes of a-z, 0-9, '_', '.' and '-')", name, shown,
		                 NPK_META_KEY_MAX);
	}
	return NPK_OK;
}

/* Adds one pair per element of the array jv, member jk, to t. */
static int sidecar_array(npk_meta *t, const char *key, const char *jk, json_t *jv,
                         const char *name, npk_error *err)
{
	size_t ix;
	json_t *el;
	json_array_foreach(jv, ix, el) {
		NPK_FAIL_IF(json_is_object(el) || json_is_array(el) || json_is_null(el),
		            err, NPK_E_INPUT, "%s: key \"%s\": element %zu must be a string, "
		            "a number or a boolean", name, jk, ix);
		NPK_FORWARD(sidecar_add(t, key, el, name, err));
	}
	return NPK_OK;
}

/* Adds the value jv of member jk to t under key; null adds nothing. */
static int sidecar_value(npk_meta *t, const char *key, const char *jk, json_t *jv,
                         const char *name, npk_error *err)
{
	switch (json_typeof(jv)) {
	case JSON_OBJECT:
		return npk__fail(err, NPK_E_INPUT, "%s: key \"%s\": nested objects are not "
		                 "supported", name, jk);
	case JSON_NULL:
		break;
	case JSON_ARRAY:
		return sidecar_array(t, key, jk, jv, name, err);
	case JSON_STRING:
	case JSON_INTEGER:
	case JSON_REAL:
	case JSON_TRUE:
	case JSON_FALSE:
		return sidecar_add(t, key, jv, name, err);
	}
	return NPK_OK;
}

/* One member: its values into t, or its key into gone when it removes
 * the field. */
static int sidecar_member(npk_meta *t, npk_meta *gone, const char *jk, json_t *jv,
                          const char *name, npk_error *err)
{
	char keybuf[NPK_META_KEY_MAX + 1];
	const char *key;
	NPK_FORWARD(sidecar_key(jk, keybuf, &key, name, err));
	/* of two members that map to one key, the later wins */
	npk_meta_remove(t, key);
	npk_meta_remove(gone, key);
	NPK_FORWARD(sidecar_value(t, key, jk, jv, name, err));
	/* null and [] remove the field */
	NPK_FAIL_IF(npk_meta_find(t, key) == NULL &&
	            npk__meta_push(gone, key, strlen(key), "", 0) != 0,
	            err, NPK_E_NOMEM, "%s: out of memory", name);
	return NPK_OK;
}

/* Reads every member of root into t and gone. */
static int sidecar_read(npk_meta *t, npk_meta *gone, json_t *root, const char *name,
                        npk_error *err)
{
	NPK_FAIL_IF(!json_is_object(root), err, NPK_E_INPUT,
	            "%s: the top level must be a JSON object", name);
	const char *jk;
	json_t *jv;
	json_object_foreach(root, jk, jv)
		NPK_FORWARD(sidecar_member(t, gone, jk, jv, name, err));
	return NPK_OK;
}

/* Applies what was read: the pairs of t replace those of their keys in
 * m, and the keys in gone are removed from m. */
static int sidecar_commit(npk_meta *m, npk_meta *t, const npk_meta *gone, const char *name,
                          npk_error *err)
{
	NPK_FAIL_IF(npk__meta_splice(m, t, 1) != 0, err, NPK_E_NOMEM, "%s: out of memory", name);
	for (size_t i = 0; i < npk_meta_count(gone); i++) {
		const char *k;
		npk_meta_get(gone, i, &k, NULL);
		npk_meta_remove(m, k);
	}
	return NPK_OK;
}

static json_t *meta_object(const npk_meta *m);

/* ---- newspack's own sidecars (spec/metadata.md 7.1) ----
 * The sidecars newspack writes (zip exports) are marked "@newspack": 1 and
 * hold a document's whole metadata: keys as stored (no alias, no case
 * folding), each a string or an array of strings, and replace everything
 * extracted from the document. "@media_type" is its media type and
 * "@document" the name of the document when the sidecar is not named after
 * it. Members starting with '@' cannot be metadata keys, so a reader that
 * knows no marker refuses the file rather than misread it. */

#define OWN_MARK "@newspack"
#define OWN_MEDIA "@media_type"
#define OWN_DOC "@document"

/* Adds one value of an own sidecar's member (a string) to t. */
static int own_add(npk_meta *t, const char *key, json_t *v, const char *name, npk_error *err)
{
	NPK_FAIL_IF(!json_is_string(v), err, NPK_E_INPUT, "%s: key \"%s\": a newspack sidecar "
	            "holds strings and arrays of strings", name, key);
	return sidecar_add(t, key, v, name, err);
}

/* Reads an own sidecar's members into t. */
static int own_read(npk_meta *t, json_t *root, const char *name, npk_error *err)
{
	json_t *mark = json_object_get(root, OWN_MARK);
	NPK_FAIL_IF(!json_is_integer(mark) || json_integer_value(mark) != 1, err, NPK_E_INPUT,
	            "%s: \"" OWN_MARK "\" is not 1: written by a newer newspack?", name);
	const char *jk;
	json_t *jv;
	json_object_foreach(root, jk, jv) {
		if (strcmp(jk, OWN_MARK) == 0 || strcmp(jk, OWN_MEDIA) == 0 || strcmp(jk, OWN_DOC) == 0)
			continue;
		if (!json_is_array(jv)) {
			NPK_FORWARD(own_add(t, jk, jv, name, err));
			continue;
		}
		size_t ix;
		json_t *el;
		json_array_foreach(jv, ix, el)
			NPK_FORWARD(own_add(t, jk, el, name, err));
	}
	return NPK_OK;
}

/* A copy of root's string member key, or NULL; -1 when out of memory. */
static int own_string(json_t *root, const char *key, char **out)
{
	json_t *v = json_object_get(root, key);
	*out = NULL;
	if (!json_is_string(v))
		return 0;
	*out = strdup(json_string_value(v));
	return *out == NULL ? -1 : 0;
}

int npk__sidecar_own(const char *json, size_t len, char **media, char **document)
{
	*media = NULL;
	*document = NULL;
	json_t *root;
	npk_error ignored = {0};
	if (sidecar_parse(json, len, "", &root, &ignored) != NPK_OK)
		return 0;
	int own = json_is_object(root) && json_object_get(root, OWN_MARK) != NULL;
	if (own && (own_string(root, OWN_MEDIA, media) != 0 || own_string(root, OWN_DOC, document) != 0)) {
		free(*media);
		*media = NULL;
		own = -1;
	}
	json_decref(root);
	return own;
}

int npk__sidecar_json(const npk_meta *m, const char *media, const char *document, char **out,
                      size_t *len, npk_error *err)
{
	json_t *o = meta_object(m);
	int bad = o == NULL || json_object_set_new(o, OWN_MARK, json_integer(1)) != 0 ||
	          (media != NULL && json_object_set_new(o, OWN_MEDIA, json_string(media)) != 0) ||
	          (document != NULL && json_object_set_new(o, OWN_DOC, json_string(document)) != 0);
	*out = bad ? NULL : json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	NPK_FAIL_IF(*out == NULL, err, NPK_E_NOMEM, "out of memory");
	if (len != NULL)
		*len = strlen(*out);
	return NPK_OK;
}

int npk_meta_apply_sidecar(npk_meta *m, const char *json, size_t len,
                           const char *sidecar_name, npk_error *err)
{
	const char *name = sidecar_name ? sidecar_name : "sidecar";
	NPK_FAIL_IF(m == NULL || (json == NULL && len), err, NPK_E_ARG,
	            "npk_meta_apply_sidecar: no list or no input");
	json_t *root;
	NPK_FORWARD(sidecar_parse(json, len, name, &root, err));
	/* Everything goes into t (and the removals into gone) first, so that a
	 * bad field leaves m as it was. */
	npk_meta *t = npk_meta_new(), *gone = npk_meta_new();
	int rc = NPK_OK;
	if (t == NULL || gone == NULL) {
		rc = npk__fail(err, NPK_E_NOMEM, "%s: out of memory", name);
		goto done;
	}
	if (json_is_object(root) && json_object_get(root, OWN_MARK) != NULL) {
		/* newspack's own: the whole metadata, in place of what was extracted */
		NPK_FORWARD_GOTO(rc, own_read(t, root, name, err), done);
		npk__meta_clear(m);
	} else
		NPK_FORWARD_GOTO(rc, sidecar_read(t, gone, root, name, err), done);
	rc = sidecar_commit(m, t, gone, name, err);
done:
	npk_meta_free(t);
	npk_meta_free(gone);
	json_decref(root);
	return rc;
}

/* ---- The JSON form (spec/metadata.md 11) ---- */

/* Keys whose values are a list even when there is one (spec/metadata.md
 * 2: one pair per author, per keyword), so readers always get an array. */
static int always_array(const char *key)
{
	return strcmp(key, "author") == 0 || strcmp(key, "keywords") == 0;
}

/* Adds one pair to o: a string, or the next element of the key's array.
 * Nonzero when out of memory. */
static int json_put(json_t *o, const char *key, const char *value)
{
	json_t *old = json_object_get(o, key);
	if (json_is_array(old))
		return json_array_append_new(old, json_string(value));
	if (old == NULL && !always_array(key))
		return json_object_set_new(o, key, json_string(value));
	/* the first author or keyword, or the second value of a key */
	json_t *a = json_array();
	if ((old != NULL && json_array_append(a, old) != 0) ||
	    json_array_append_new(a, json_string(value)) != 0) {
		json_decref(a);
		return -1;
	}
	return json_object_set_new(o, key, a);
}

static json_t *meta_object(const npk_meta *m)
{
	json_t *o = json_object();
	size_t n = npk_meta_count(m);
	for (size_t i = 0; o != NULL && i < n; i++) {
		const char *k, *v;
		npk_meta_get(m, i, &k, &v);
		if (json_put(o, k, v) != 0) {
			json_decref(o);
			o = NULL;
		}
	}
	return o;
}

/* "blake2b-256:" and the digest in hex. */
static json_t *digest_string(const uint8_t d[NPK_DIGEST_BYTES])
{
	char s[12 + 2 * NPK_DIGEST_BYTES + 1];
	int o = snprintf(s, sizeof s, "blake2b-256:");
	for (size_t i = 0; i < NPK_DIGEST_BYTES; i++)
		o += snprintf(s + o, sizeof s - (size_t)o, "%02x", d[i]);
	return json_string(s);
}

/* m's object, or an object of d's fields with m as "metadata". */
static json_t *json_form(const npk_meta *m, const npk_entry *d, int fields)
{
	if (fields == 0)
		return meta_object(m);
	json_t *o = json_object();
	int bad = json_object_set_new(o, "metadata", meta_object(m));
	if (fields & NPK__JSON_PATH)
		bad |= json_object_set_new(o, "path", json_string(d->path));
	if (fields & NPK__JSON_ENTRY)
		bad |= json_object_set_new(o, "media_type", json_string(d->media_type)) |
		       json_object_set_new(o, "size", json_integer((json_int_t)d->size)) |
		       json_object_set_new(o, "digest", digest_string(d->digest));
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int npk__meta_json(const npk_meta *m, const npk_entry *d, int fields, char **out, size_t *len,
                   npk_error *err)
{
	json_t *o = json_form(m, d, fields);
	*out = o != NULL ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(o);
	NPK_FAIL_IF(*out == NULL, err, NPK_E_NOMEM, "out of memory");
	if (len != NULL)
		*len = strlen(*out);
	return NPK_OK;
}

int npk_meta_to_json(const npk_meta *m, char **out, size_t *len, npk_error *err)
{
	NPK_FAIL_IF(m == NULL || out == NULL, err, NPK_E_ARG, "npk_meta_to_json: NULL argument");
	return npk__meta_json(m, NULL, 0, out, len, err);
}
