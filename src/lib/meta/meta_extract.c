/* meta_extract.c - npk_meta_extract, which picks the rules by media type
 * (plain text and Markdown in meta_text.c, front matter in meta_yaml.c, HTML
 * in meta_html.c), and npk_media_type_guess, which gives that type. The
 * only file that calls the extractors. */
#include <string.h>

#include "meta/meta.h"

/* ==== Media types (spec/metadata.md 8) ==== */

static const struct {
	const char *ext, *type;
} media_by_ext[] = {
	{"txt", "text/plain"}, {"text", "text/plain"},
	{"md", "text/markdown"}, {"markdown", "text/markdown"},
	{"html", "text/html"}, {"htm", "text/html"}, {"xhtml", "text/html"},
	{"json", "application/json"}, {"jsonl", "application/x-ndjson"},
	{"ndjson", "application/x-ndjson"},
	{"xml", "application/xml"}, {"dtd", "application/xml-dtd"},
	{"rss", "application/rss+xml"}, {"atom", "application/atom+xml"},
	{"csv", "text/csv"}, {"tsv", "text/tab-separated-values"},
	{"sgm", "text/sgml"}, {"sgml", "text/sgml"},
	{"css", "text/css"}, {"js", "text/javascript"},
	{"yaml", "application/yaml"}, {"yml", "application/yaml"},
	{"pdf", "application/pdf"}, {"epub", "application/epub+zip"},
	{"jpg", "image/jpeg"}, {"jpeg", "image/jpeg"}, {"png", "image/png"},
	{"gif", "image/gif"}, {"webp", "image/webp"}, {"svg", "image/svg+xml"},
	{"avif", "image/avif"}, {"tif", "image/tiff"}, {"tiff", "image/tiff"},
	{"mp3", "audio/mpeg"}, {"mp4", "video/mp4"}, {"webm", "video/webm"},
	{"warc", "application/warc"}, {"gz", "application/gzip"},
	{"zip", "application/zip"}, {"zst", "application/zstd"},
	{"eml", "message/rfc822"},
};

static int head_is(const uint8_t *h, size_t len, const void *magic, size_t n)
{
	return len >= n && memcmp(h, magic, n) == 0;
}

/* Text whose first tag opens an HTML document. */
static int sniff_html(const uint8_t *h, size_t len)
{
	const char *s = (const char *)h;
	size_t p = 0, k;
	while ((k = npk__space_at(s + p, len - p)) != 0)
		p += k;
	return npk__ci_prefix(s + p, len - p, "<!doctype html") || npk__ci_prefix(s + p, len - p, "<html");
}

/* Valid UTF-8 without NUL, allowing the head to end inside a character. */
static int sniff_text(const uint8_t *h, size_t len)
{
	size_t bad = npk__utf8_bad_at(h, len);
	if (bad == len)
		return 1;
	if (h[bad] == 0 || len - bad > 3)
		return 0;
	/* A lead byte and continuation bytes cut by the end of the head. */
	size_t need = h[bad] >= 0xF0 ? 4 : h[bad] >= 0xE0 ? 3 : 2;
	if (h[bad] < 0xC2 || h[bad] > 0xF4 || len - bad >= need)
		return 0;
	for (size_t i = bad + 1; i < len; i++)
		if ((h[i] & 0xC0) != 0x80)
			return 0;
	return 1;
}

const char *npk_media_type_guess(const char *path, const uint8_t *head, size_t len)
{
	if (path != NULL) {
		const char *base = strrchr(path, '/');
		base = base ? base + 1 : path;
		const char *dot = strrchr(base, '.');
		/* ".profile" is a name, not an extension */
		if (dot != NULL && dot != base && dot[1] != 0) {
			size_t el = strlen(dot + 1);
			for (size_t i = 0; i < sizeof media_by_ext / sizeof media_by_ext[0]; i++)
				if (npk__ci_eq(dot + 1, el, media_by_ext[i].ext))
					return media_by_ext[i].type;
		}
	}
	if (head == NULL)
		len = 0;
	if (head_is(head, len, "%PDF-", 5))
		return "application/pdf";
	if (head_is(head, len, "\x89PNG\r\n\x1a\n", 8))
		return "image/png";
	if (head_is(head, len, "\xFF\xD8\xFF", 3))
		return "image/jpeg";
	if (head_is(head, len, "GIF87a", 6) || head_is(head, len, "GIF89a", 6))
		return "image/gif";
	if (len >= 12 && head_is(head, len, "RIFF", 4) && memcmp(head + 8, "WEBP", 4) == 0)
		return "image/webp";
	if (head_is(head, len, "\x1f\x8b", 2))
		return "application/gzip";
	if (head_is(head, len, "PK\x03\x04", 4))
		return "application/zip";
	if (head_is(head, len, "WARC/", 5))
		return "application/warc";
	if (len && sniff_html(head, len))
		return "text/html";
	if (sniff_text(head, len))
		return "text/plain";
	return "application/octet-stream";
}

/* media equals type, ignoring case and any "; charset=..." parameters. */
static int media_is(const char *media, const char *type)
{
	size_t n = strcspn(media, ";");
	while (n && media[n - 1] == ' ')
		n--;
	return npk__ci_eq(media, n, type);
}

/* ==== Extraction: the rules by media type (spec/metadata.md 3) ==== */

/* Markdown: front matter if any (meta_yaml.c), then the text rules. */
static int md_rules(xctx *x, const char *t, size_t n)
{
	size_t body = 0;
	switch (npk__front_matter(x, t, n, &body)) {
	case NPK__FM_NONE:
		return npk__plain_rules(x, t, n, 1);
	case NPK__FM_TOML:
		return npk__plain_rules(x, t + body, n - body, 1);
	case NPK__FM_YAML:
		/* YAML fields are authoritative; the body only supplies a headline. */
		return npk_meta_find(x->t, "title") ? 0 : npk__md_title(x, t + body, n - body);
	case NPK__FM_UNCLOSED:
		/* Nothing tells where the front matter ends, so none of it is
		 * trusted, and its lines would make a false headline. */
		return 0;
	default:
		return -1;
	}
}

#define EXTRACT_HEAD_MAX 65536u

int npk_meta_extract(const char *path, const uint8_t *head, size_t len,
                     const char *media_type, npk_meta *out, npk_error *err)
{
	NPK_FAIL_IF(out == NULL || (head == NULL && len), err, NPK_E_ARG,
	            "npk_meta_extract: no output list or no input");
	if (media_type == NULL)
		media_type = npk_media_type_guess(path, head, len);
	int md = media_is(media_type, "text/markdown");
	int html = media_is(media_type, "text/html");
	/* Other types carry no metadata that newspack reads. */
	if (!md && !html && !media_is(media_type, "text/plain"))
		return NPK_OK;
	if (len > (html ? NPK_META_HTML_HEAD_MAX : EXTRACT_HEAD_MAX))
		len = html ? NPK_META_HTML_HEAD_MAX : EXTRACT_HEAD_MAX;
	const char *t = (const char *)head;
	/* A BOM is skipped in text; in HTML it names the charset (meta_html.c). */
	if (!html && len >= 3 && memcmp(t, "\xEF\xBB\xBF", 3) == 0) {
		t += 3;
		len -= 3;
	}
	xctx x = {npk_meta_new(), 0, 0};
	if (x.t == NULL)
		return npk__fail(err, NPK_E_NOMEM, "%s: out of memory", path ? path : "metadata");
	int found = html ? npk__html_rules(&x, t, len)
	            : md ? md_rules(&x, t, len) : npk__plain_rules(&x, t, len, 0);
	/* Fields the caller already set are kept: extraction only fills gaps. */
	int rc = NPK_OK;
	if (found != 0 || x.nomem || npk__meta_splice(out, x.t, 0) != 0)
		rc = npk__fail(err, NPK_E_NOMEM, "%s: out of memory while reading metadata",
		               path ? path : "document");
	npk_meta_free(x.t);
	return rc;
}
