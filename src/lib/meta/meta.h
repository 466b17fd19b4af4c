/*
 * meta/meta.h - the metadata model (meta.c) and what its extractors share:
 * meta_text.c (plain text and Markdown), meta_yaml.c (front matter),
 * meta_html.c (HTML) and meta_json.c (sidecars, and the JSON form of
 * metadata); not installed.
 */
#ifndef NPK_META_H
#define NPK_META_H

#include "base/base.h"

/* ---- Metadata (meta.c) ---- */
#define NPK_META_MAX 65535u        /* encoded bytes, spec "Metadata" */
#define NPK_META_KEY_MAX 64u
/* Validates a key ([a-z0-9_.-], 1..64 bytes). */
int npk__meta_key_ok(const char *key, size_t len);
/* Valid UTF-8 without NUL. */
int npk__utf8_ok(const uint8_t *s, size_t len);
/* NAME.meta.json beside NAME: NAME's metadata (spec/metadata.md 7), read
 * by create from folders and from tar and zip inputs. */
#define NPK__SIDECAR_SUFFIX ".meta.json"
#define NPK__SIDECAR_MAX (1u << 20)
/* The length of NAME when path is NAME.meta.json (NAME not empty), else 0. */
static inline size_t npk__sidecar_base(const char *path)
{
	size_t n = strlen(path), sl = sizeof NPK__SIDECAR_SUFFIX - 1;
	return n > sl && strcmp(path + n - sl, NPK__SIDECAR_SUFFIX) == 0 ? n - sl : 0;
}
/* A media type the format can store (spec/format.md): printable ASCII, no space. */
int npk__media_ok(const char *m);
/* Canonical encoding (spec/format.md, "Metadata list"): pairs sorted by
 * key bytes, stable for repeated keys. *out is malloc'ed. */
int npk__meta_encode(const npk_meta *m, uint8_t **out, size_t *len,
                     npk_error *err);
/* Decodes and validates an encoded list (keys valid and non-decreasing,
 * values valid UTF-8, no trailing bytes) into m, which is cleared first. */
int npk__meta_decode(const uint8_t *p, size_t len, npk_meta *m,
                     npk_error *err);
void npk__meta_clear(npk_meta *m);

/* ---- The model (meta.c) ---- */
/* Offset of the first invalid UTF-8 byte or NUL in s; len when s is valid. */
size_t npk__utf8_bad_at(const uint8_t *s, size_t len);
/* A printable copy of a possibly bad key for messages, cut after 64 bytes. */
void npk__meta_key_show(const char *key, size_t len, char out[80]);
/* NPK_OK, or NPK_E_INPUT with a message for a bad key or value. */
int npk__meta_check_pair(const char *key, size_t klen, const char *val, size_t vlen,
                         npk_error *err);
/* Appends an already validated pair; -1 when out of memory. */
int npk__meta_push(npk_meta *m, const char *key, size_t klen,
                   const char *val, size_t vlen);
/* Merges src into dst, replacing or only filling gaps; -1, dst unchanged, when out of memory. */
int npk__meta_splice(npk_meta *dst, const npk_meta *src, int replace);

/* ---- Extraction from text (meta_text.c) ---- */
/* A run of a document's bytes: a line, a word, a value. */
typedef struct span {
	const char *s;
	size_t n;
} span;

/* One document's extraction: what npk__x_add kept, and whether memory ran out. */
typedef struct xctx {
	npk_meta *t;            /* the fields found so far */
	size_t used;            /* their encoded size */
	int nomem;
} xctx;

/* Removes ASCII and Unicode white space from both ends of s[0..n). */
void npk__trim(const char **s, size_t *n);
/* s[0..n) equals word (written in lower case), ignoring ASCII case. */
int npk__ci_eq(const char *s, size_t n, const char *word);
/* A whole value that is a date: normalised to ISO 8601 into out. */
int npk__date_whole(const char *s, size_t n, char out[40]);
/* Adds a field found in a document within the limits; -1 only when out of memory. */
int npk__x_add(xctx *x, const char *key, const char *v, size_t n);

/* ---- JSON (meta_json.c) ---- */
enum { NPK__JSON_PATH = 1, NPK__JSON_ENTRY = 2 };
/* The JSON form of m (spec/metadata.md 11: KEY: "VALUE", a repeated key,
 * author and keywords as KEY: ["VALUE", ...] in order), compact with
 * sorted keys. With fields, an object that holds it as "metadata" beside
 * d's "path" (NPK__JSON_PATH), "media_type", "size" and "digest"
 * ("blake2b-256:" and hex; NPK__JSON_ENTRY). *out is malloc'd text, *len
 * (may be NULL) its length. */
int npk__meta_json(const npk_meta *m, const npk_entry *d, int fields, char **out, size_t *len,
                   npk_error *err);

/* ---- HTML (meta_html.c) ---- */
/* Reads the metadata of an HTML page (its first bytes) into x; -1 when out of memory. */
int npk__html_rules(xctx *x, const char *s, size_t n);

/* ---- Front matter (meta_yaml.c) ---- */
/* Lower-cases a field name into out and maps an alias; the key, or NULL. */
const char *npk__meta_key_map(const char *name, size_t n, char out[NPK_META_KEY_MAX + 1]);
/* Parses the lines of a YAML front matter block into x; -1 when out of memory. */
int npk__fm_parse(xctx *x, const span *lines, size_t nl);

#endif
