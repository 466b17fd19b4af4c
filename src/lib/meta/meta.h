/*
 * meta/meta.h - the metadata model and its extractors; not installed. One
 * section per file, from the bottom up: each file calls only those above
 * it, so the calls between them have no cycle.
 *   meta.c          the model, its encoding, key names, media types
 *   meta_scan.c     scanning text, and npk__x_add, which keeps what is found
 *   meta_date.c     dates to ISO 8601
 *   meta_text.c     plain text and Markdown: headline, bylines, date lines
 *   meta_yaml.c     Markdown front matter
 *   meta_html.c     HTML pages (libxml2)
 *   meta_extract.c  npk_meta_extract: the rules by media type
 *   meta_json.c     NAME.meta.json sidecars, and the JSON form of metadata
 */
#ifndef NPK_META_H
#define NPK_META_H

#include "base/base.h"

/* ---- The model (meta.c) ---- */
#define NPK_META_MAX 65535u        /* encoded bytes, spec "Metadata" */
#define NPK_META_KEY_MAX 64u
/* Validates a key ([a-z0-9_.-], 1..64 bytes). */
int npk__meta_key_ok(const char *key, size_t len);
/* Lower-cases a field name into out and maps an alias ("authors", "tags")
 * to its key; the key, or NULL when the name cannot be a metadata key. */
const char *npk__meta_key_map(const char *name, size_t n, char out[NPK_META_KEY_MAX + 1]);
/* Valid UTF-8 without NUL. */
int npk__utf8_ok(const uint8_t *s, size_t len);
/* Offset of the first invalid UTF-8 byte or NUL in s; len when s is valid. */
size_t npk__utf8_bad_at(const uint8_t *s, size_t len);
/* A media type the format can store (spec/format.md 5.2): 1 to
 * NPK_MEDIA_MAX bytes of printable ASCII, no space. Writers, readers and
 * importers share it. */
#define NPK_MEDIA_MAX 255u
int npk__media_ok(const char *m);
/* Canonical encoding (spec/format.md, "Metadata list"): pairs sorted by
 * key bytes, stable for repeated keys. *out is malloc'ed. */
int npk__meta_encode(const npk_meta *m, uint8_t **out, size_t *len,
                     npk_error *err);
/* Decodes and validates an encoded list (keys valid and non-decreasing,
 * values valid UTF-8, no trailing bytes) into m, which is cleared first. */
int npk__meta_decode(const uint8_t *p, size_t len, npk_meta *m,
                     npk_error *err);
/* Whether npk__meta_decode would take the list (a check that keeps nothing,
 * for the reader's worker threads). */
int npk__meta_valid(const uint8_t *p, size_t len);
/* npk__meta_decode of a list that npk__meta_valid took: the same pairs,
 * without checking them again. */
int npk__meta_decode_valid(const uint8_t *p, size_t len, npk_meta *m, npk_error *err);
void npk__meta_clear(npk_meta *m);
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

/* ---- Scanning text (meta_scan.c) ---- */
/* ASCII classes, no locale: a document gives the same fields everywhere. */
static inline int npk__is_digit(int c) { return c >= '0' && c <= '9'; }
static inline int npk__is_upper(int c) { return c >= 'A' && c <= 'Z'; }
static inline int npk__is_alpha(int c) { return npk__is_upper(c) || (c >= 'a' && c <= 'z'); }
static inline int npk__is_alnum(int c) { return npk__is_alpha(c) || npk__is_digit(c); }
static inline int npk__lower(int c) { return npk__is_upper(c) ? c + 32 : c; }
static inline unsigned char npk__uc(const char *s, size_t i) { return (unsigned char)s[i]; }

/* A run of a document's bytes: a line, a word, a value. */
typedef struct span {
	const char *s;
	size_t n;
} span;

/* s[0..n) equals word (written in lower case), ignoring ASCII case. */
int npk__ci_eq(const char *s, size_t n, const char *word);
/* s[0..n) starts with pre (lower case), ignoring ASCII case. */
int npk__ci_prefix(const char *s, size_t n, const char *pre);
/* Length of the white space character starting s: ASCII blanks and the
 * Unicode spaces real articles carry (NBSP, U+2000-U+200B, U+202F, U+3000,
 * a stray BOM), or 0. */
size_t npk__space_at(const char *s, size_t n);
/* Length of the white space character ending s[0..n), or 0. */
size_t npk__space_before(const char *s, size_t n);
/* Removes that white space from both ends of s[0..n). */
void npk__trim(const char **s, size_t *n);
/* The bytes of the spaces and tabs (and NBSP) at s, not crossing a line end. */
size_t npk__spaces(const char *s, size_t n);
/* The next line of t from *pos, without its LF or CRLF; 0 at the end. */
int npk__next_line(const char *t, size_t n, size_t *pos, span *l);
/* w[0..n) is one of the count words of list (lower case), ignoring ASCII case. */
int npk__word_in(const char *w, size_t n, const char *const *list, size_t count);
#define NPK__WORD_IN(w, n, list) npk__word_in((w), (n), (list), sizeof(list) / sizeof((list)[0]))

/* One document's extraction: what npk__x_add kept, and whether memory ran out. */
typedef struct xctx {
	npk_meta *t;            /* the fields found so far */
	size_t used;            /* their encoded size */
	int nomem;
} xctx;

/* Adds a field found in a document within the limits (spec/metadata.md
 * 3); -1 only when out of memory. */
int npk__x_add(xctx *x, const char *key, const char *v, size_t n);
static inline int npk__x_add_span(xctx *x, const char *key, span s)
{
	return npk__x_add(x, key, s.s, s.n);
}

/* ---- Dates (meta_date.c) ---- */
/* A date, optionally followed by a time, at s: ISO 8601 into out
 * ("2025-01-24", "2025-01-24T10:00:00Z", "...T10:00:00+01:00", or
 * "...T10:00:00" for a time without zone). The bytes used, or 0. */
size_t npk__date_at(const char *s, size_t n, char out[40]);
/* The first date in s that starts a word: its start and length. */
int npk__date_find(const char *s, size_t n, size_t *start, size_t *used, char out[40]);
/* A whole value that is a date: normalised to ISO 8601 into out. */
int npk__date_whole(const char *s, size_t n, char out[40]);
/* w[0..n) is the full name of a month or weekday, in any case. */
int npk__month_or_day(const char *w, size_t n);

/* ---- Plain text and Markdown (meta_text.c) ---- */
/* The headline, byline and date line of text t into x; markdown also
 * takes "# Title" first. -1 when out of memory. */
int npk__plain_rules(xctx *x, const char *t, size_t n, int markdown);
/* The first "# Title" among the first lines of a Markdown body; -1 when
 * out of memory. */
int npk__md_title(xctx *x, const char *t, size_t n);

/* ---- Front matter (meta_yaml.c) ---- */
/* What a Markdown document starts with. */
enum { NPK__FM_NONE, NPK__FM_YAML, NPK__FM_TOML, NPK__FM_UNCLOSED };
/* Finds the front matter at the start of t and reads a YAML one into x;
 * *body is where the text after it starts. The kind (NPK__FM_*), or -1
 * when out of memory. */
int npk__front_matter(xctx *x, const char *t, size_t n, size_t *body);
/* The same without reading it: the kind, the bytes between the marker
 * lines, t[*in_start..*in_end), and *body. Unclosed: both run to n; none:
 * all are 0. */
int npk__front_matter_find(const char *t, size_t n, size_t *in_start, size_t *in_end,
                           size_t *body);

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
/* Parses a page with libxml2's HTML parser in the charset it is in: a BOM's,
 * else UTF-8 when the bytes are valid UTF-8, else the charset its head
 * declares in a <meta>, else fallback (a charset label, e.g. a Content-Type
 * parameter; NULL: none), else windows-1252. The tree (free it with
 * xmlFreeDoc), or NULL when even that fails. Shared with search/extract.c,
 * so that the text indexed is read as the metadata is. */
struct _xmlDoc;
struct _xmlDoc *npk__html_parse(const char *s, size_t n, const char *fallback);
/* The name iconv knows a charset label by, with the web's aliases
 * (latin1 and ascii are windows-1252, gb2312 is GB18030); label itself
 * when it has no alias. */
const char *npk__charset_name(const char *label);
/* Reads the metadata of an HTML page (its first bytes) into x; -1 when out of memory. */
int npk__html_rules(xctx *x, const char *s, size_t n);

/* ---- Sidecars (meta_json.c) ---- */
/* NAME.meta.json beside NAME: NAME's metadata (spec/metadata.md 7), read
 * by create from folders and from tar and zip inputs. */
#define NPK__SIDECAR_SUFFIX ".meta.json"
#define NPK__SIDECAR_MAX (1u << 20)
/* newspack's own sidecar (spec/metadata.md 7.1): the JSON form of m with
 * "@newspack": 1, and "@media_type" and "@document" when not NULL. *out is
 * malloc'd text, *len (may be NULL) its length. */
int npk__sidecar_json(const npk_meta *m, const char *media, const char *document, char **out,
                      size_t *len, npk_error *err);
/* 1 when the text is newspack's own sidecar, with copies (malloc'd, or
 * NULL when absent) of its "@media_type" and "@document"; 0 when it is
 * another sidecar or no JSON; -1 when out of memory. */
int npk__sidecar_own(const char *json, size_t len, char **media, char **document);
/* The length of NAME when path is NAME.meta.json (NAME not empty), else 0. */
static inline size_t npk__sidecar_base(const char *path)
{
	size_t n = strlen(path), sl = sizeof NPK__SIDECAR_SUFFIX - 1;
	return n > sl && strcmp(path + n - sl, NPK__SIDECAR_SUFFIX) == 0 ? n - sl : 0;
}

#endif
