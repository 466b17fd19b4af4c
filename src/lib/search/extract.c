/*
 * extract.c - the text of a document for the full-text index
 * (spec/search.md 7): what a reader sees of it, as UTF-8, and nothing that
 * only machines read (markup, scripts, styles, link targets, front matter,
 * the framing of a WARC).
 *
 * Each media type has its rule: plain text is decoded (7.2), Markdown loses
 * its front matter, link targets and tags (7.3), HTML is parsed with
 * libxml2 exactly as for its metadata (meta_html.c) and gives its visible
 * text (7.4), a WARC gives the text of its pages (7.5). All of them write
 * through one sink that stops at NPK__INDEX_DOC_MAX bytes.
 */
#include <errno.h>
#include <iconv.h>
#include <strings.h>

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "interchange/warc.h"
#include "meta/meta.h"
#include "search/extract.h"
#include "search/text.h"

#define CHARSET_MAX 64           /* bytes of a charset label kept */
#define PAYLOAD_STEP (64u * 1024) /* WARC payload bytes read at a time */

/* ==== The sink: the text, bounded (7.1) ==== */

typedef struct sink {
	npk_buf *b;
	size_t start;            /* where this document's text begins in b */
	int full;                /* NPK__INDEX_DOC_MAX bytes written: the rest is dropped */
	int nomem;
} sink;

static size_t sink_len(const sink *k)
{
	return k->b->len - k->start;
}

static int sink_last(const sink *k)
{
	return sink_len(k) > 0 ? k->b->p[k->b->len - 1] : -1;
}

/* Appends p[0..n). Past the bound, the text is cut at NPK__INDEX_DOC_MAX
 * bytes and then before the character the cut falls in. */
static void put(sink *k, const void *p, size_t n)
{
	if (k->full || k->nomem || n == 0)
		return;
	const uint8_t *s = p;
	size_t room = NPK__INDEX_DOC_MAX - sink_len(k);
	uint8_t next = 0;
	if (n > room) {
		next = s[room];
		n = room;
		k->full = 1;
	}
	if (npk__buf_put(k->b, s, n) != 0) {
		k->nomem = 1;
		return;
	}
	/* next is the first byte cut off: while it continues a character,
	 * the bytes of that character kept go too (3 at most) */
	for (int i = 0; k->full && i < 3 && (next & 0xC0) == 0x80 && sink_len(k) > 0; i++)
		next = k->b->p[--k->b->len];
}

/* Removes the spaces and line ends at the end of the text since from. */
static void trim_end(sink *k, size_t from)
{
	while (k->b->len > from && (k->b->p[k->b->len - 1] == ' ' || k->b->p[k->b->len - 1] == '\n'))
		k->b->len--;
}

/* ==== Media types ==== */

enum { K_NONE, K_PLAIN, K_MARKDOWN, K_HTML, K_WARC, K_GZIP };

/* s[0..n) is word, ignoring ASCII case. */
static int ci_is(const char *s, size_t n, const char *word)
{
	return strlen(word) == n && strncasecmp(s, word, n) == 0;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* The charset parameter of a media type into cs ("" when none). */
static void charset_param(const char *mt, char cs[CHARSET_MAX])
{
	cs[0] = 0;
	for (const char *p = strchr(mt, ';'); p != NULL; p = strchr(p, ';')) {
		p++;
		while (is_blank(*p))
			p++;
		if (strncasecmp(p, "charset", 7) != 0)
			continue;
		const char *v = p + 7;
		while (is_blank(*v))
			v++;
		if (*v++ != '=')
			continue;
		while (is_blank(*v))
			v++;
		int quoted = *v == '"';
		v += quoted;
		size_t n = strcspn(v, quoted ? "\"" : "; \t");
		if (n > 0 && n < CHARSET_MAX) {
			memcpy(cs, v, n);
			cs[n] = 0;
		}
		return;
	}
}

/* The rule for a media type (7.1); in_warc: for a payload (7.5), where
 * only pages and text count. */
static int kind_of(const char *mt, int in_warc)
{
	if (mt == NULL)
		return K_NONE;
	while (is_blank(*mt))
		mt++;
	size_t n = strcspn(mt, ";");
	while (n > 0 && is_blank(mt[n - 1]))
		n--;
	if (ci_is(mt, n, "text/html") || ci_is(mt, n, "application/xhtml+xml"))
		return K_HTML;
	if (ci_is(mt, n, "text/markdown"))
		return K_MARKDOWN;
	if (in_warc)
		return ci_is(mt, n, "text/plain") ? K_PLAIN : K_NONE;
	if (ci_is(mt, n, "application/warc"))
		return K_WARC;
	if (ci_is(mt, n, "application/gzip"))
		return K_GZIP;
	/* scripts and style sheets are code, in a WARC or not */
	if (ci_is(mt, n, "text/css") || ci_is(mt, n, "text/javascript") ||
	    ci_is(mt, n, "text/ecmascript"))
		return K_NONE;
	return n > 5 && strncasecmp(mt, "text/", 5) == 0 ? K_PLAIN : K_NONE;
}

/* ==== Plain text (7.2) ==== */

static int put_fffd(npk_buf *b)
{
	return npk__buf_put(b, "\xEF\xBF\xBD", 3);
}

/* UTF-16 (be: big-endian) to UTF-8 into b: a surrogate without its pair
 * is U+FFFD, an odd last byte is dropped. -1 when out of memory. */
static int utf16_to_utf8(const uint8_t *s, size_t n, int be, npk_buf *b)
{
	if (npk__buf_reserve(b, n / 2 * 3) != 0)
		return -1;
	for (size_t i = 0; i + 1 < n; i += 2) {
		uint32_t c = be ? (uint32_t)s[i] << 8 | s[i + 1] : (uint32_t)s[i + 1] << 8 | s[i];
		if (c >= 0xD800 && c <= 0xDBFF && i + 3 < n) {
			uint32_t lo = be ? (uint32_t)s[i + 2] << 8 | s[i + 3]
			                 : (uint32_t)s[i + 3] << 8 | s[i + 2];
			if (lo >= 0xDC00 && lo <= 0xDFFF) {
				c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
				i += 2;
			}
		}
		uint8_t u[4];
		size_t k;
		if (c >= 0xD800 && c <= 0xDFFF) {
			if (put_fffd(b) != 0)
				return -1;
			continue;
		}
		if (c < 0x80) {
			u[0] = (uint8_t)c;
			k = 1;
		} else if (c < 0x800) {
			u[0] = (uint8_t)(0xC0 | c >> 6);
			u[1] = (uint8_t)(0x80 | (c & 0x3F));
			k = 2;
		} else if (c < 0x10000) {
			u[0] = (uint8_t)(0xE0 | c >> 12);
			u[1] = (uint8_t)(0x80 | (c >> 6 & 0x3F));
			u[2] = (uint8_t)(0x80 | (c & 0x3F));
			k = 3;
		} else {
			u[0] = (uint8_t)(0xF0 | c >> 18);
			u[1] = (uint8_t)(0x80 | (c >> 12 & 0x3F));
			u[2] = (uint8_t)(0x80 | (c >> 6 & 0x3F));
			u[3] = (uint8_t)(0x80 | (c & 0x3F));
			k = 4;
		}
		if (npk__buf_put(b, u, k) != 0)
			return -1;
	}
	return 0;
}

/* s[0..n) in charset cs to UTF-8 into b with iconv: a byte that starts no
 * character is U+FFFD, and so is a character cut by the end. 1 when
 * converted, 0 when iconv does not know cs, -1 when out of memory. */
static int legacy_to_utf8(const uint8_t *s, size_t n, const char *cs, npk_buf *b)
{
	iconv_t cd = iconv_open("UTF-8", cs);
	if (cd == (iconv_t)-1)
		return 0;
	char *in = (char *)(uintptr_t)s; /* iconv does not write it; its type is not const */
	size_t in_left = n;
	int rc = 1;
	while (in_left > 0 && rc == 1 && b->len < NPK__INDEX_DOC_MAX) {
		if (npk__buf_reserve(b, in_left + 16) != 0) {
			rc = -1;
			break;
		}
		char *o = (char *)b->p + b->len;
		size_t o_left = b->cap - b->len;
		size_t r = iconv(cd, &in, &in_left, &o, &o_left);
		int e = errno;
		b->len = b->cap - o_left;
		if (r != (size_t)-1 || e == E2BIG)
			continue;
		if (put_fffd(b) != 0)
			rc = -1;
		if (e == EILSEQ) {
			in++;
			in_left--;
		} else {
			break; /* EINVAL: the text ends inside a character */
		}
	}
	iconv_close(cd);
	return rc;
}

/* Valid UTF-8, or valid up to a character cut by the end of the bytes (a
 * document cut at NPK__INDEX_DOC_MAX): a lead byte C2..F4 followed only by
 * continuation bytes, fewer than it needs. */
static int utf8_whole(const uint8_t *s, size_t n)
{
	size_t bad = npk__utf8_bad_at(s, n);
	if (bad == n)
		return 1;
	size_t need = s[bad] >= 0xF0 ? 4 : s[bad] >= 0xE0 ? 3 : 2;
	if (s[bad] < 0xC2 || s[bad] > 0xF4 || n - bad >= need)
		return 0;
	for (size_t i = bad + 1; i < n; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	return 1;
}

/* The text of d[0..n) as UTF-8 (7.2): *t, *tn point into d or into tmp.
 * cs is the media type's charset ("" when none). -1 when out of memory. */
static int text_decode(const uint8_t *d, size_t n, const char *cs, npk_buf *tmp,
                       const uint8_t **t, size_t *tn)
{
	*t = d;
	*tn = n;
	tmp->len = 0;
	if (n >= 3 && memcmp(d, "\xEF\xBB\xBF", 3) == 0) {
		*t = d + 3;
		*tn = n - 3;
		return 0;
	}
	int rc = 0;
	if (n >= 2 && (memcmp(d, "\xFF\xFE", 2) == 0 || memcmp(d, "\xFE\xFF", 2) == 0))
		rc = utf16_to_utf8(d + 2, n - 2, d[0] == 0xFE, tmp) == 0 ? 1 : -1;
	else if (cs[0] != 0 && strcasecmp(npk__charset_name(cs), "UTF-8") != 0 && !utf8_whole(d, n))
		rc = legacy_to_utf8(d, n, npk__charset_name(cs), tmp);
	if (rc < 0)
		return -1;
	if (rc > 0 && tmp->len > 0) {
		*t = tmp->p;
		*tn = tmp->len;
	} else if (rc > 0) {
		*tn = 0; /* nothing converted: tmp->p may be NULL */
	}
	return 0;
}

/* ==== Markdown (7.3) ==== */

static int word_byte(int c)
{
	return npk__is_alnum(c) || c >= 0x80;
}

/* A link reference definition starts the line at t: up to 3 spaces,
 * [LABEL]: with a label of no ] and no line end, not a footnote ([^...]). */
static int ref_def(const uint8_t *t, size_t n)
{
	size_t i = 0;
	while (i < 3 && i < n && t[i] == ' ')
		i++;
	if (i + 1 >= n || t[i] != '[' || t[i + 1] == '^' || t[i + 1] == ']')
		return 0;
	for (i++; i < n && t[i] != ']' && t[i] != '\n'; i++)
		;
	return i + 1 < n && t[i] == ']' && t[i + 1] == ':';
}

/* After "](" at t[0] = '(': the length to the ")" that closes it, counting
 * nested parentheses, on the same line; 0 when there is none. */
static size_t link_target(const uint8_t *t, size_t n)
{
	int depth = 0;
	for (size_t i = 0; i < n && t[i] != '\n'; i++) {
		if (t[i] == '(')
			depth++;
		else if (t[i] == ')' && --depth == 0)
			return i + 1;
	}
	return 0;
}

/* An HTML tag or comment at t[0] = '<': its length, or 0. A tag is < and
 * an optional /, an ASCII letter, then bytes other than < and > up to >. */
static size_t inline_tag(const uint8_t *t, size_t n)
{
	if (n >= 4 && memcmp(t, "<!--", 4) == 0) {
		for (size_t i = 4; i + 3 <= n; i++)
			if (memcmp(t + i, "-->", 3) == 0)
				return i + 3;
		return 0;
	}
	size_t i = 1;
	if (i < n && t[i] == '/')
		i++;
	if (i >= n || !npk__is_alpha(t[i]))
		return 0;
	for (; i < n && t[i] != '<'; i++)
		if (t[i] == '>')
			return i + 1;
	return 0;
}

/* The text of a Markdown body: runs of bytes kept are put whole. */
static void md_body(sink *k, const uint8_t *t, size_t n)
{
	size_t run = 0, i = 0;
	while (i < n && !k->full) {
		size_t skip = 0, keep = 0;
		if ((i == 0 || t[i - 1] == '\n') && ref_def(t + i, n - i)) {
			const uint8_t *e = memchr(t + i, '\n', n - i);
			skip = e ? (size_t)(e - (t + i)) + 1 : n - i;
		} else if (t[i] == ']' && i + 1 < n && t[i + 1] == '(' &&
		           (skip = link_target(t + i + 1, n - i - 1)) != 0) {
			keep = 1; /* the ] stays, the target goes */
		} else if (t[i] == '<') {
			skip = inline_tag(t + i, n - i);
		} else if (t[i] == '_') {
			/* emphasis, not a word's inner _ (snake_case stays) */
			size_t e = i;
			while (e < n && t[e] == '_')
				e++;
			if (i == 0 || e == n || !word_byte(t[i - 1]) || !word_byte(t[e]))
				skip = e - i;
			else
				i = e - 1;
		}
		if (skip == 0) {
			i++;
			continue;
		}
		put(k, t + run, i + keep - run);
		i += keep + skip;
		run = i;
	}
	put(k, t + run, n - run);
}

static void md_text(sink *k, const uint8_t *t, size_t n)
{
	size_t a, b, body = 0;
	int fm = npk__front_matter_find((const char *)t, n, &a, &b, &body);
	if (fm != NPK__FM_YAML && fm != NPK__FM_TOML)
		body = 0; /* nothing closes it: not front matter, all text */
	md_body(k, t + body, n - body);
}

/* ==== HTML (7.4) ==== */

/* Elements whose content no reader sees as the page's text. */
static const char *const skipped[] = {
	"head", "title", "script", "style", "noscript", "template", "svg", "math", "iframe",
	"frame", "object", "embed", "applet", "canvas", "audio", "video", "map", "nav", "footer",
	"aside", "button", "input", "select", "option", "optgroup", "datalist", "textarea",
};

/* Elements that end a line before and after them. */
static const char *const blocks[] = {
	"address", "article", "blockquote", "body", "br", "caption", "center", "dd", "details",
	"dialog", "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "form", "h1", "h2",
	"h3", "h4", "h5", "h6", "header", "hgroup", "hr", "html", "legend", "li", "listing", "main",
	"menu", "ol", "p", "plaintext", "pre", "section", "summary", "table", "tbody", "td", "tfoot",
	"th", "thead", "tr", "ul", "xmp",
};

static int name_in(const char *name, const char *const *list, size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (strcmp(name, list[i]) == 0)
			return 1;
	return 0;
}
#define NAME_IN(name, list) name_in((name), (list), sizeof(list) / sizeof((list)[0]))

/* s, with ASCII blanks around it, equals word ignoring ASCII case. */
static int value_is(const char *s, const char *word)
{
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\f')
		s++;
	size_t n = strlen(s);
	while (n > 0 && strchr(" \t\n\r\f", s[n - 1]) != NULL)
		n--;
	return ci_is(s, n, word);
}

/* role="navigation" (one of its tokens), aria-hidden="true", hidden. */
static int hidden_by_attr(xmlNode *n)
{
	if (xmlHasProp(n, (const xmlChar *)"hidden") != NULL)
		return 1;
	int hide = 0;
	char *v = (char *)xmlGetProp(n, (const xmlChar *)"aria-hidden");
	if (v != NULL)
		hide = value_is(v, "true");
	xmlFree(v);
	v = (char *)xmlGetProp(n, (const xmlChar *)"role");
	for (const char *p = v; !hide && p != NULL && *p;) {
		size_t b = strspn(p, " \t\n\r\f");
		size_t e = strcspn(p + b, " \t\n\r\f");
		hide = ci_is(p + b, e, "navigation");
		p += b + e;
	}
	xmlFree(v);
	return hide;
}

typedef struct htext {
	sink *k;
	size_t from;             /* where this page's text begins */
	int pre;                 /* inside this many pre-like elements */
} htext;

static int html_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* A block's edge: the text so far ends its line. */
static void line_end(htext *h)
{
	sink *k = h->k;
	while (k->b->len > h->from && k->b->p[k->b->len - 1] == ' ')
		k->b->len--;
	if (k->b->len > h->from && sink_last(k) != '\n')
		put(k, "\n", 1);
}

/* A text node: as it is in pre, else each run of white space one space,
 * none at the start of a line. */
static void html_chars(htext *h, const char *s)
{
	sink *k = h->k;
	if (h->pre > 0) {
		put(k, s, strlen(s));
		return;
	}
	while (*s && !k->full) {
		size_t word = 0;
		while (s[word] && !html_space((unsigned char)s[word]))
			word++;
		put(k, s, word);
		s += word;
		if (!html_space((unsigned char)*s))
			continue;
		while (html_space((unsigned char)*s))
			s++;
		int last = k->b->len > h->from ? k->b->p[k->b->len - 1] : -1;
		if (last != -1 && last != ' ' && last != '\n')
			put(k, " ", 1);
	}
}

static int pre_like(const char *name)
{
	return strcmp(name, "pre") == 0 || strcmp(name, "listing") == 0 ||
	       strcmp(name, "plaintext") == 0 || strcmp(name, "xmp") == 0;
}

/* Starts node n: 1 when its children are to be walked, and leave called. */
static int enter(htext *h, xmlNode *n)
{
	if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
		if (n->content != NULL)
			html_chars(h, (const char *)n->content);
		return 0;
	}
	if (n->type != XML_ELEMENT_NODE)
		return 0; /* comments, processing instructions, the doctype */
	const char *name = (const char *)n->name;
	if (NAME_IN(name, skipped) || hidden_by_attr(n))
		return 0;
	if (NAME_IN(name, blocks))
		line_end(h);
	h->pre += pre_like(name);
	return 1;
}

static void leave(htext *h, xmlNode *n)
{
	if (n->type != XML_ELEMENT_NODE)
		return;
	const char *name = (const char *)n->name;
	if (NAME_IN(name, blocks))
		line_end(h);
	h->pre -= pre_like(name);
}

/* The visible text of a tree, walked without recursion (a page may nest
 * as deep as libxml2 lets it). */
static void html_walk(htext *h, xmlNode *top)
{
	xmlNode *n = top;
	while (n != NULL && !h->k->full) {
		int in = enter(h, n);
		if (in && n->children != NULL) {
			n = n->children;
			continue;
		}
		if (in)
			leave(h, n);
		/* n is done: go on with its next sibling, or finish its parents */
		for (;;) {
			if (n == top)
				return;
			if (n->next != NULL) {
				n = n->next;
				break;
			}
			n = n->parent;
			leave(h, n);
		}
	}
}

static int html_text(sink *k, const uint8_t *d, size_t n, const char *cs)
{
	xmlDoc *doc = npk__html_parse((const char *)d, n, cs[0] ? cs : NULL);
	if (doc == NULL)
		return 0; /* libxml2 gives no tree for a page of nothing */
	htext h = {k, k->b->len, 0};
	for (xmlNode *c = doc->children; c != NULL && !k->full; c = c->next)
		html_walk(&h, c);
	xmlFreeDoc(doc);
	trim_end(k, h.from);
	return 0;
}

/* ==== Text by type ==== */

/* The text of d[0..n) by its rule (K_PLAIN, K_MARKDOWN, K_HTML); tmp is
 * scratch space. -1 when out of memory. */
static int text_of(sink *k, int kind, const uint8_t *d, size_t n, const char *cs, npk_buf *tmp)
{
	if (kind == K_HTML)
		return html_text(k, d, n, cs);
	const uint8_t *t;
	size_t tn;
	if (text_decode(d, n, cs, tmp, &t, &tn) != 0)
		return -1;
	if (kind == K_MARKDOWN)
		md_text(k, t, tn);
	else
		put(k, t, tn);
	return 0;
}

/* ==== WARC (7.5) ==== */

/* The current record's document into pay, at most NPK__INDEX_DOC_MAX
 * bytes. 1 when read, 0 when the reader stopped (its error in e), -1
 * when out of memory. */
static int payload_read(npk__warc *w, npk_buf *pay, npk_error *e)
{
	pay->len = 0;
	for (;;) {
		size_t want = NPK__INDEX_DOC_MAX - pay->len, got;
		if (want == 0)
			return 1; /* the rest is not looked at */
		want = want < PAYLOAD_STEP ? want : PAYLOAD_STEP;
		if (npk__buf_reserve(pay, want) != 0)
			return -1;
		if (npk__warc_read(w, pay->p + pay->len, want, &got, e) != NPK_OK)
			return e->code == NPK_E_NOMEM ? -1 : 0;
		if (got == 0)
			return 1;
		pay->len += got;
	}
}

/* The text of each page of a WARC, one after the other with a line end
 * between. A record the reader cannot read ends the text there. */
static int warc_text(sink *k, const uint8_t *d, size_t n, npk_buf *pay, npk_buf *tmp)
{
	npk__warc *w;
	npk_error e;
	memset(&e, 0, sizeof e);
	if (npk__warc_open_mem(d, n, "document", &w, &e) != NPK_OK)
		return e.code == NPK_E_NOMEM ? -1 : 0;
	npk__warc_no_digests(w);
	int rc = 0;
	const npk__warc_rec *r;
	while (!k->full && !k->nomem) {
		if (npk__warc_next(w, &r, &e) != NPK_OK) {
			rc = e.code == NPK_E_NOMEM ? -1 : 0;
			break;
		}
		if (r == NULL)
			break;
		int response = strcasecmp(r->type, "response") == 0;
		if (!response && strcasecmp(r->type, "resource") != 0)
			continue;
		/* the crawler's own files (Wget's log and arguments), not pages */
		if (!response && r->target_uri != NULL && strncasecmp(r->target_uri, "metadata:", 9) == 0)
			continue;
		const char *ct = response && r->http ? r->http_content_type : r->content_type;
		int kind = kind_of(ct, 1);
		if (kind == K_NONE)
			continue;
		if ((rc = payload_read(w, pay, &e)) != 1)
			break;
		if (r->decoded == NPK__WARC_CAPTURED)
			continue; /* its content coding could not be undone: no text */
		char cs[CHARSET_MAX];
		charset_param(ct, cs);
		size_t sep = k->b->len;
		if (sink_len(k) > 0 && sink_last(k) != '\n')
			put(k, "\n", 1);
		size_t at = k->b->len;
		if ((rc = text_of(k, kind, pay->p, pay->len, cs, tmp)) != 0)
			break;
		if (k->b->len == at)
			k->b->len = sep; /* no text: no line end for it either */
	}
	npk__warc_close(w);
	return rc < 0 ? -1 : 0;
}

/* ==== Entry ==== */

int npk__search_text(const uint8_t *doc, size_t len, const char *media_type, npk_buf *out,
                     npk_error *err)
{
	NPK_FAIL_IF(out == NULL || (doc == NULL && len > 0), err, NPK_E_ARG,
	            "npk__search_text: no output buffer or no input");
	if (len > NPK__INDEX_DOC_MAX)
		len = NPK__INDEX_DOC_MAX;
	int kind = kind_of(media_type, 0);
	if (kind == K_GZIP)
		kind = npk__warc_sniff_mem(doc, len) ? K_WARC : K_NONE;
	if (kind == K_NONE || len == 0)
		return NPK_OK;
	char cs[CHARSET_MAX];
	charset_param(media_type, cs);
	sink k = {out, out->len, 0, 0};
	npk_buf pay = {0}, tmp = {0};
	int rc = kind == K_WARC ? warc_text(&k, doc, len, &pay, &tmp)
	                        : text_of(&k, kind, doc, len, cs, &tmp);
	npk__buf_free(&pay);
	npk__buf_free(&tmp);
	NPK_FAIL_IF(rc != 0 || k.nomem, err, NPK_E_NOMEM, "out of memory reading a document's text");
	return NPK_OK;
}

int npk__search_doc(const uint8_t *doc, size_t len, const char *media_type, const npk_meta *meta,
                    npk_buf *out, char lang[8], npk_error *err)
{
	size_t from = out->len;
	NPK_FORWARD(npk__search_text(doc, len, media_type, out, err));
	npk__text_lang(out->p ? out->p + from : NULL, out->len - from,
	               meta ? npk_meta_find(meta, "language") : NULL, lang);
	return NPK_OK;
}

int npk__text_sink_take(const uint8_t *p, size_t len, void *ctx)
{
	npk__text_sink *t = ctx;
	size_t room = NPK__INDEX_DOC_MAX - t->b->len;
	if (len > room)
		len = room;
	if (len > 0 && !t->nomem && npk__buf_put(t->b, p, len) != 0)
		t->nomem = 1;
	return 0;
}
