/*
 * meta_html.c - metadata from HTML pages (spec/metadata.md section 9),
 * read with libxml2's HTML parser, never with patterns over the bytes.
 *
 * A page is parsed twice at most: once as ISO-8859-1 (every byte is a
 * character, so nothing is lost) to find the page's own charset
 * declaration among the <meta> elements of its <head> (a declaration
 * inside a script, a comment or an embedded document is not an element
 * there, so it is not taken), then, when the bytes are in another
 * charset, again in that one. The stored document stays byte-exact; only
 * the metadata is read through the charset. The parse, npk__html_parse,
 * is shared with search/extract.c, so that a page's indexed text is read
 * in the same charset as its metadata.
 *
 * Each field has candidates by source, in order of trust: JSON-LD
 * (schema.org NewsArticle and kin), then Open Graph and article:* meta,
 * then other meta names, then the markup (<title>, <time>, rel=author,
 * byline classes). The first found of the best source wins.
 */
#define _GNU_SOURCE /* strcasestr */
#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>

#include <jansson.h>
#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "meta/meta.h"

/* Candidates are ranked: a lower rank beats a higher one. */
enum { R_JSONLD = 1, R_OG, R_META, R_MARKUP, R_WEAK, R_NONE = 99 };

enum { F_TITLE, F_DATE, F_MODIFIED, F_SECTION, F_SOURCE, F_LANGUAGE, F_URL, F_DESCRIPTION,
       F_COUNT };
static const char *const field_key[F_COUNT] = {
	"title", "date", "modified", "section", "source", "language", "url", "description",
};

#define AUTHORS_MAX 16
#define KEYWORDS_MAX 32

typedef struct hctx {
	char *one[F_COUNT];       /* the best value so far of each single field */
	int rank[F_COUNT];
	char *authors[AUTHORS_MAX];
	size_t nauthors;
	int author_rank;
	char *keywords[KEYWORDS_MAX];
	size_t nkeywords;
	int keyword_rank;
	int nomem;
} hctx;

/* ---- Text helpers ---- */

/* A copy of s with runs of white space made one space, trimmed. */
static char *clean(const char *s, size_t n)
{
	char *o = malloc(n + 1);
	if (o == NULL)
		return NULL;
	size_t k = 0;
	int space = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		/* U+00A0 (C2 A0) counts as a space */
		int sp = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' ||
		         (c == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] == 0xA0);
		if (sp) {
			if (c == 0xC2)
				i++;
			space = k > 0;
			continue;
		}
		if (space)
			o[k++] = ' ';
		space = 0;
		o[k++] = (char)c;
	}
	o[k] = 0;
	return o;
}

static int ci_eq(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcasecmp(a, b) == 0;
}

/* A date normalised to ISO 8601 by the rules of section 5, or NULL. The
 * ISO forms pages use (2015-07-24T05:36:09+01:00, ...Z, .123Z) are
 * within them. */
static char *date_of(const char *v)
{
	char out[40];
	char *c = clean(v, strlen(v));
	if (c == NULL)
		return NULL;
	int ok = npk__date_whole(c, strlen(c), out);
	free(c);
	return ok ? strdup(out) : NULL;
}

/* ---- Candidates ---- */

static void offer(hctx *h, int f, int rank, const char *v)
{
	if (v == NULL || rank >= h->rank[f])
		return;
	char *c = f == F_DATE || f == F_MODIFIED ? date_of(v) : clean(v, strlen(v));
	if (c == NULL) {
		/* an unreadable date is no candidate; anything else is memory */
		if (f != F_DATE && f != F_MODIFIED)
			h->nomem = 1;
		return;
	}
	if (c[0] == 0) {
		free(c);
		return;
	}
	free(h->one[f]);
	h->one[f] = c;
	h->rank[f] = rank;
}

/* Author names of one source: a better source replaces the list, the same
 * one adds to it. A URL (article:author often is one) is no name. */
static void offer_author(hctx *h, int rank, const char *v)
{
	if (v == NULL || rank > h->author_rank)
		return;
	char *c = clean(v, strlen(v));
	if (c == NULL) {
		h->nomem = 1;
		return;
	}
	/* "By Jane Doe" in a byline element or meta */
	char *name = c;
	if (strncasecmp(name, "by ", 3) == 0)
		name += 3;
	if (name[0] == 0 || strncmp(name, "http://", 7) == 0 || strncmp(name, "https://", 8) == 0 ||
	    strlen(name) > 200) {
		free(c);
		return;
	}
	if (rank < h->author_rank) {
		for (size_t i = 0; i < h->nauthors; i++)
			free(h->authors[i]);
		h->nauthors = 0;
		h->author_rank = rank;
	}
	for (size_t i = 0; i < h->nauthors; i++)
		if (strcmp(h->authors[i], name) == 0) {
			free(c);
			return;
		}
	if (h->nauthors == AUTHORS_MAX) {
		free(c);
		return;
	}
	memmove(c, name, strlen(name) + 1);
	h->authors[h->nauthors++] = c;
}

/* Keywords: comma-separated in meta, one per article:tag, or a JSON-LD list. */
static void offer_keywords(hctx *h, int rank, const char *v)
{
	if (v == NULL || rank > h->keyword_rank)
		return;
	if (rank < h->keyword_rank) {
		for (size_t i = 0; i < h->nkeywords; i++)
			free(h->keywords[i]);
		h->nkeywords = 0;
		h->keyword_rank = rank;
	}
	const char *p = v;
	while (*p && h->nkeywords < KEYWORDS_MAX) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		char *c = clean(p, n);
		if (c == NULL) {
			h->nomem = 1;
			return;
		}
		int dup = c[0] == 0;
		for (size_t i = 0; !dup && i < h->nkeywords; i++)
			dup = strcmp(h->keywords[i], c) == 0;
		if (dup)
			free(c);
		else
			h->keywords[h->nkeywords++] = c;
		p += n + (e != NULL);
	}
}

/* ---- JSON-LD ---- */

static const char *jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* A person or organisation: a string, or an object with a name. */
static const char *jname(json_t *v)
{
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_object(v))
		return jstr(v, "name");
	return NULL;
}

static int type_is(json_t *o, const char *const *types)
{
	json_t *t = json_object_get(o, "@type");
	size_t n = json_is_array(t) ? json_array_size(t) : 1;
	for (size_t i = 0; i < n; i++) {
		json_t *ti = json_is_array(t) ? json_array_get(t, i) : t;
		if (!json_is_string(ti))
			continue;
		for (size_t k = 0; types[k]; k++)
			if (strcmp(json_string_value(ti), types[k]) == 0)
				return 1;
	}
	return 0;
}

static const char *const article_types[] = {
	"NewsArticle", "Article", "ReportageNewsArticle", "AnalysisNewsArticle",
	"OpinionNewsArticle", "BackgroundNewsArticle", "ReviewNewsArticle", "BlogPosting",
	"SocialMediaPosting", "LiveBlogPosting", "ScholarlyArticle", "TechArticle", "Report",
	NULL,
};

static void jsonld_article(hctx *h, json_t *o)
{
	const char *title = jstr(o, "headline");
	offer(h, F_TITLE, R_JSONLD, title ? title : jstr(o, "name"));
	offer(h, F_DATE, R_JSONLD, jstr(o, "datePublished"));
	offer(h, F_MODIFIED, R_JSONLD, jstr(o, "dateModified"));
	offer(h, F_DESCRIPTION, R_JSONLD, jstr(o, "description"));
	offer(h, F_LANGUAGE, R_JSONLD, jstr(o, "inLanguage"));
	json_t *sec = json_object_get(o, "articleSection");
	offer(h, F_SECTION, R_JSONLD, json_is_array(sec) ? jname(json_array_get(sec, 0)) : jname(sec));
	json_t *pub = json_object_get(o, "publisher");
	offer(h, F_SOURCE, R_JSONLD, jname(json_is_array(pub) ? json_array_get(pub, 0) : pub));
	const char *url = jstr(o, "url");
	json_t *main = json_object_get(o, "mainEntityOfPage");
	if (url == NULL)
		url = json_is_string(main) ? json_string_value(main) : json_is_object(main) ? jstr(main, "@id") : NULL;
	offer(h, F_URL, R_OG, url);
	json_t *a = json_object_get(o, "author");
	if (a == NULL)
		a = json_object_get(o, "creator");
	size_t na = json_is_array(a) ? json_array_size(a) : 1;
	for (size_t i = 0; a != NULL && i < na; i++)
		offer_author(h, R_JSONLD, jname(json_is_array(a) ? json_array_get(a, i) : a));
	json_t *kw = json_object_get(o, "keywords");
	if (json_is_string(kw))
		offer_keywords(h, R_JSONLD, json_string_value(kw));
	for (size_t i = 0; json_is_array(kw) && i < json_array_size(kw); i++)
		offer_keywords(h, R_JSONLD, jname(json_array_get(kw, i)));
}

/* Walks a JSON-LD value for article objects: at the top, in arrays and in
 * @graph, to a small depth. */
static void jsonld_walk(hctx *h, json_t *v, int depth)
{
	if (depth > 4)
		return;
	if (json_is_array(v)) {
		for (size_t i = 0; i < json_array_size(v) && i < 64; i++)
			jsonld_walk(h, json_array_get(v, i), depth + 1);
		return;
	}
	if (!json_is_object(v))
		return;
	if (type_is(v, article_types))
		jsonld_article(h, v);
	static const char *const site_types[] = {"WebSite", "Organization", "NewsMediaOrganization", NULL};
	if (type_is(v, site_types))
		offer(h, F_SOURCE, R_OG + 1, jstr(v, "name"));
	json_t *g = json_object_get(v, "@graph");
	if (g != NULL)
		jsonld_walk(h, g, depth + 1);
}

static void jsonld(hctx *h, const char *text)
{
	/* Pages written out through an XML serialiser wrap scripts in
	 * <![CDATA[ ... ]]>, sometimes behind // to hide it from JavaScript. */
	const char *b = text;
	size_t n = strlen(text);
	npk__trim(&b, &n);
	if (n >= 2 && b[0] == '/' && b[1] == '/') {
		b += 2;
		n -= 2;
		npk__trim(&b, &n);
	}
	if (n >= 9 && memcmp(b, "<![CDATA[", 9) == 0) {
		b += 9;
		n -= 9;
		if (n >= 3 && memcmp(b + n - 3, "]]>", 3) == 0)
			n -= 3;
		npk__trim(&b, &n);
		if (n >= 2 && b[n - 2] == '/' && b[n - 1] == '/')
			n -= 2;
	}
	json_error_t je;
	json_t *v = json_loadb(b, n, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &je);
	if (v == NULL) /* pages often get it wrong; a repeated key is still worth a try */
		v = json_loadb(b, n, JSON_DECODE_ANY, &je);
	if (v == NULL)
		return;
	jsonld_walk(h, v, 0);
	json_decref(v);
}

/* ---- The tree ---- */

static char *attr(xmlNode *n, const char *name)
{
	return (char *)xmlGetProp(n, (const xmlChar *)name);
}

static int has_word(const char *list, const char *word)
{
	size_t wl = strlen(word);
	for (const char *p = list; p && *p;) {
		while (*p && isspace((unsigned char)*p))
			p++;
		const char *e = p;
		while (*e && !isspace((unsigned char)*e))
			e++;
		if ((size_t)(e - p) == wl && strncasecmp(p, word, wl) == 0)
			return 1;
		p = e;
	}
	return 0;
}

/* What a <meta> name or property gives: a field, authors or keywords, and
 * the rank of the source. Names are matched ignoring case; the first row
 * that matches decides. */
enum { M_FIELD, M_AUTHOR, M_KEYWORDS };
static const struct meta_rule {
	const char *name;
	unsigned char use, field, rank;
} meta_rules[] = {
	{"og:title", M_FIELD, F_TITLE, R_OG},
	{"twitter:title", M_FIELD, F_TITLE, R_META}, {"dc.title", M_FIELD, F_TITLE, R_META},
	{"dcterms.title", M_FIELD, F_TITLE, R_META}, {"parsely-title", M_FIELD, F_TITLE, R_META},
	{"sailthru.title", M_FIELD, F_TITLE, R_META}, {"title", M_FIELD, F_TITLE, R_META},
	{"headline", M_FIELD, F_TITLE, R_META},
	{"article:published_time", M_FIELD, F_DATE, R_OG},
	{"og:published_time", M_FIELD, F_DATE, R_OG}, {"datepublished", M_FIELD, F_DATE, R_OG},
	{"parsely-pub-date", M_FIELD, F_DATE, R_META}, {"sailthru.date", M_FIELD, F_DATE, R_META},
	{"pubdate", M_FIELD, F_DATE, R_META}, {"publishdate", M_FIELD, F_DATE, R_META},
	{"publish-date", M_FIELD, F_DATE, R_META}, {"date", M_FIELD, F_DATE, R_META},
	{"dc.date", M_FIELD, F_DATE, R_META}, {"dc.date.issued", M_FIELD, F_DATE, R_META},
	{"dcterms.date", M_FIELD, F_DATE, R_META}, {"dcterms.created", M_FIELD, F_DATE, R_META},
	{"article.published", M_FIELD, F_DATE, R_META},
	{"original-publish-date", M_FIELD, F_DATE, R_META}, {"og:pubdate", M_FIELD, F_DATE, R_META},
	{"article:modified_time", M_FIELD, F_MODIFIED, R_OG},
	{"og:updated_time", M_FIELD, F_MODIFIED, R_OG}, {"datemodified", M_FIELD, F_MODIFIED, R_OG},
	{"dcterms.modified", M_FIELD, F_MODIFIED, R_META},
	{"last-modified", M_FIELD, F_MODIFIED, R_META},
	{"article:section", M_FIELD, F_SECTION, R_OG}, {"articlesection", M_FIELD, F_SECTION, R_OG},
	{"section", M_FIELD, F_SECTION, R_META}, {"parsely-section", M_FIELD, F_SECTION, R_META},
	{"og:site_name", M_FIELD, F_SOURCE, R_OG},
	{"application-name", M_FIELD, F_SOURCE, R_META}, {"publisher", M_FIELD, F_SOURCE, R_META},
	{"dc.publisher", M_FIELD, F_SOURCE, R_META}, {"twitter:site", M_FIELD, F_SOURCE, R_WEAK},
	{"og:locale", M_FIELD, F_LANGUAGE, R_META}, {"language", M_FIELD, F_LANGUAGE, R_META},
	{"dc.language", M_FIELD, F_LANGUAGE, R_META}, {"inlanguage", M_FIELD, F_LANGUAGE, R_META},
	{"og:url", M_FIELD, F_URL, R_META},
	{"og:description", M_FIELD, F_DESCRIPTION, R_OG},
	{"description", M_FIELD, F_DESCRIPTION, R_META},
	{"twitter:description", M_FIELD, F_DESCRIPTION, R_META},
	{"dc.description", M_FIELD, F_DESCRIPTION, R_META},
	{"author", M_AUTHOR, 0, R_META}, {"dc.creator", M_AUTHOR, 0, R_META},
	{"dcterms.creator", M_AUTHOR, 0, R_META}, {"parsely-author", M_AUTHOR, 0, R_META},
	{"sailthru.author", M_AUTHOR, 0, R_META}, {"article:author", M_AUTHOR, 0, R_META},
	{"og:article:author", M_AUTHOR, 0, R_META}, {"article:author_name", M_AUTHOR, 0, R_META},
	{"byl", M_AUTHOR, 0, R_META}, {"byline", M_AUTHOR, 0, R_META},
	{"keywords", M_KEYWORDS, 0, R_META}, {"news_keywords", M_KEYWORDS, 0, R_OG},
	{"article:tag", M_KEYWORDS, 0, R_META}, {"parsely-tags", M_KEYWORDS, 0, R_META},
};

/* Offers content as the rule for name k says, if one does. */
static void meta_offer(hctx *h, const char *k, char *content)
{
	const struct meta_rule *r = NULL;
	for (size_t i = 0; r == NULL && i < sizeof meta_rules / sizeof meta_rules[0]; i++)
		if (ci_eq(k, meta_rules[i].name))
			r = &meta_rules[i];
	if (r == NULL)
		return;
	if (r->use == M_AUTHOR) {
		offer_author(h, r->rank, content);
	} else if (r->use == M_KEYWORDS) {
		offer_keywords(h, r->rank, content);
	} else {
		/* og:locale is en_GB: BCP 47 says en-GB */
		for (char *p = content; r->field == F_LANGUAGE && *p; p++)
			if (*p == '_')
				*p = '-';
		offer(h, r->field, r->rank, content);
	}
}

/* One <meta>: property (Open Graph, article:*), name, itemprop, http-equiv. */
static void on_meta(hctx *h, xmlNode *n)
{
	char *prop = attr(n, "property"), *name = attr(n, "name"), *item = attr(n, "itemprop");
	char *equiv = attr(n, "http-equiv"), *content = attr(n, "content");
	const char *k = prop ? prop : name ? name : item;
	if (content != NULL && k != NULL)
		meta_offer(h, k, content);
	if (equiv != NULL && content != NULL && ci_eq(equiv, "content-language"))
		offer(h, F_LANGUAGE, R_META + 1, content);
	xmlFree(prop);
	xmlFree(name);
	xmlFree(item);
	xmlFree(equiv);
	xmlFree(content);
}

static char *text_of(xmlNode *n)
{
	return (char *)xmlNodeGetContent(n);
}

/* Byline markup: rel=author, itemprop=author, and elements with a class
 * that names a byline (a token holding "byline") or an author's name. */
static int byline_class(const char *cls)
{
	static const char *const words[] = {"author", "author-name", "author__name", "authorname",
	                                    "article-author", "meta-author", "story-author", NULL};
	for (const char *p = cls; p && *p;) {
		while (*p && isspace((unsigned char)*p))
			p++;
		size_t k = 0;
		while (p[k] && !isspace((unsigned char)p[k]))
			k++;
		char tok[64];
		if (k > 0 && k < sizeof tok) {
			memcpy(tok, p, k);
			tok[k] = 0;
			if (strcasestr(tok, "byline") != NULL && strcasestr(tok, "date") == NULL &&
			    strcasestr(tok, "time") == NULL)
				return 1;
			for (size_t i = 0; words[i]; i++)
				if (strcasecmp(tok, words[i]) == 0)
					return 1;
		}
		p += k;
	}
	return 0;
}

/* A byline's text holds more than names: "By Dan Goodin - Apr 16, 2015",
 * "Steven Musil January 18, 2017 11:00 PM @stevenmusil", "por César
 * Salza". Keeps the names: drops a leading "By" (and its French, Spanish,
 * German and Dutch forms) and cuts at a date, a time, a separator or a
 * handle. */
static void byline_trim(char *c)
{
	static const char *const by[] = {"by ", "par ", "por ", "von ", "door ", NULL};
	for (size_t i = 0; by[i]; i++)
		if (strncasecmp(c, by[i], strlen(by[i])) == 0) {
			memmove(c, c + strlen(by[i]), strlen(c) - strlen(by[i]) + 1);
			break;
		}
	static const char *const months[] = {"jan", "feb", "mar", "apr", "may", "jun", "jul",
	                                     "aug", "sep", "oct", "nov", "dec", NULL};
	size_t cut = strlen(c);
	for (size_t i = 1; i < cut; i++) {
		const char *p = c + i;
		int word = c[i - 1] == ' ';
		if (isdigit((unsigned char)*p) || *p == '@' || *p == '|' || *p == '\n' ||
		    strncmp(p, " - ", 3) == 0 || strncmp(p, " \xE2\x80\x94", 4) == 0 ||
		    strncmp(p, " \xE2\x80\x93", 4) == 0 || strncmp(p, "\xE2\x80\xA2", 3) == 0) {
			cut = i;
			break;
		}
		for (size_t m = 0; word && months[m]; m++)
			if (strncasecmp(p, months[m], 3) == 0 &&
			    (p[3] == 0 || p[3] == ' ' || p[3] == '.' || isalpha((unsigned char)p[3])) &&
			    (isupper((unsigned char)*p))) {
				/* "January 18" or "Apr 16": a month followed by a day */
				const char *q = p + 3;
				while (isalpha((unsigned char)*q) || *q == '.')
					q++;
				while (*q == ' ')
					q++;
				if (isdigit((unsigned char)*q)) {
					cut = i;
					break;
				}
			}
	}
	c[cut] = 0;
	static const char *const tail[] = {" on", " at", " updated", " published", " posted", NULL};
	for (int again = 1; again;) {
		again = 0;
		size_t n = strlen(c);
		while (n > 0 && (c[n - 1] == ' ' || c[n - 1] == ',' || c[n - 1] == '-' || c[n - 1] == ':'))
			c[--n] = 0;
		for (size_t i = 0; tail[i]; i++) {
			size_t k = strlen(tail[i]);
			if (n > k && strcasecmp(c + n - k, tail[i]) == 0) {
				c[n - k] = 0;
				again = 1;
			}
		}
	}
}

static void walk(hctx *h, xmlNode *n, int depth, int in_head)
{
	for (; n != NULL; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		const char *tag = (const char *)n->name;
		if (strcmp(tag, "meta") == 0)
			on_meta(h, n);
		else if (strcmp(tag, "title") == 0 && in_head) {
			char *t = text_of(n);
			offer(h, F_TITLE, R_MARKUP, t);
			xmlFree(t);
		} else if (strcmp(tag, "html") == 0) {
			char *lang = attr(n, "lang");
			if (lang == NULL)
				lang = attr(n, "xml:lang");
			offer(h, F_LANGUAGE, R_JSONLD, lang); /* the page's own word comes first */
			xmlFree(lang);
		} else if (strcmp(tag, "link") == 0) {
			char *rel = attr(n, "rel"), *href = attr(n, "href");
			if (rel && href && has_word(rel, "canonical"))
				offer(h, F_URL, R_JSONLD, href);
			xmlFree(rel);
			xmlFree(href);
		} else if (strcmp(tag, "script") == 0) {
			char *type = attr(n, "type");
			if (type != NULL && ci_eq(type, "application/ld+json")) {
				char *t = text_of(n);
				if (t != NULL)
					jsonld(h, t);
				xmlFree(t);
			}
			xmlFree(type);
			continue; /* nothing else inside a script */
		} else if (strcmp(tag, "time") == 0) {
			char *dt = attr(n, "datetime"), *ip = attr(n, "itemprop"), *pd = attr(n, "pubdate");
			if (dt != NULL)
				offer(h, F_DATE, ip && ci_eq(ip, "datePublished") ? R_OG : pd ? R_META : R_MARKUP, dt);
			xmlFree(dt);
			xmlFree(ip);
			xmlFree(pd);
		} else if (strcmp(tag, "h1") == 0) {
			char *t = text_of(n);
			offer(h, F_TITLE, R_WEAK, t);
			xmlFree(t);
		}
		if (h->author_rank > R_MARKUP && strcmp(tag, "body") != 0 && strcmp(tag, "style") != 0) {
			/* The first byline in the markup, when nothing better named the authors. */
			char *rel = attr(n, "rel"), *ip = attr(n, "itemprop"), *cls = attr(n, "class");
			int who = (rel && has_word(rel, "author")) || (ip && ci_eq(ip, "author")) ||
			          byline_class(cls);
			if (who) {
				xmlNode *name = n;
				/* itemprop=author may hold its name in an element of its own */
				for (xmlNode *c = n->children; c != NULL; c = c->next) {
					char *cp = c->type == XML_ELEMENT_NODE ? attr(c, "itemprop") : NULL;
					if (cp && ci_eq(cp, "name"))
						name = c;
					xmlFree(cp);
				}
				char *t = text_of(name);
				char *c = t ? clean(t, strlen(t)) : NULL;
				if (c != NULL)
					byline_trim(c);
				if (c != NULL && c[0] != 0 && strlen(c) < 100)
					offer_author(h, R_MARKUP, c);
				free(c);
				xmlFree(t);
			}
			xmlFree(rel);
			xmlFree(ip);
			xmlFree(cls);
		}
		walk(h, n->children, depth + 1,
		     strcmp(tag, "head") == 0 || (in_head && strcmp(tag, "body") != 0));
		if (depth > 256)
			return;
	}
}

/* ---- The charset ---- */

/* The charset the page declares for itself in a <meta> of its head. */
static char *declared_charset(xmlNode *n, int depth)
{
	for (; n != NULL && depth < 64; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (strcmp((const char *)n->name, "body") == 0)
			return NULL;
		if (strcmp((const char *)n->name, "meta") == 0) {
			char *cs = attr(n, "charset");
			if (cs != NULL) {
				char *c = clean(cs, strlen(cs));
				xmlFree(cs);
				return c;
			}
			char *eq = attr(n, "http-equiv"), *content = attr(n, "content");
			char *found = NULL;
			if (eq && content && ci_eq(eq, "content-type")) {
				const char *p = strcasestr(content, "charset=");
				if (p != NULL) {
					p += 8;
					while (*p == '"' || *p == '\'' || *p == ' ')
						p++;
					size_t k = strcspn(p, "\"'; ");
					found = clean(p, k);
				}
			}
			xmlFree(eq);
			xmlFree(content);
			if (found != NULL)
				return found;
		}
		if (strcmp((const char *)n->name, "script") != 0 &&
		    strcmp((const char *)n->name, "template") != 0) {
			char *c = declared_charset(n->children, depth + 1);
			if (c != NULL)
				return c;
		}
	}
	return NULL;
}

/* The label of a charset as iconv knows it, with the web's aliases (the
 * WHATWG Encoding Standard reads latin1 and ascii as windows-1252, and
 * gb2312 as GBK's superset GB18030). */
const char *npk__charset_name(const char *label)
{
	static const struct { const char *label, *name; } map[] = {
		{"utf8", "UTF-8"}, {"unicode-1-1-utf-8", "UTF-8"},
		{"iso-8859-1", "WINDOWS-1252"}, {"latin1", "WINDOWS-1252"}, {"iso8859-1", "WINDOWS-1252"},
		{"us-ascii", "WINDOWS-1252"}, {"ascii", "WINDOWS-1252"}, {"l1", "WINDOWS-1252"},
		{"gb2312", "GB18030"}, {"gbk", "GB18030"}, {"x-gbk", "GB18030"}, {"gb_2312-80", "GB18030"},
		{"x-sjis", "SHIFT_JIS"}, {"ks_c_5601-1987", "EUC-KR"}, {"windows-874", "CP874"},
		{"x-mac-roman", "MACINTOSH"},
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcasecmp(label, map[i].label) == 0)
			return map[i].name;
	return label;
}

static const int parse_opts = HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                              HTML_PARSE_NONET | HTML_PARSE_COMPACT;

/* libxml2 sets itself up once, before its first parse on any thread;
 * here, so that only programs that read HTML load and start it. */
static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

htmlDocPtr npk__html_parse(const char *s, size_t n, const char *fallback)
{
	pthread_once(&xml_once, xmlInitParser);
	if (n > (size_t)INT32_MAX)
		n = INT32_MAX;
	const char *enc = NULL;
	if (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
		enc = "UTF-8";
	else if (n >= 2 && memcmp(s, "\xFF\xFE", 2) == 0)
		enc = "UTF-16LE";
	else if (n >= 2 && memcmp(s, "\xFE\xFF", 2) == 0)
		enc = "UTF-16BE";
	if (enc != NULL)
		return htmlReadMemory(s, (int)n, NULL, enc, parse_opts);
	/* Bytes that are valid UTF-8 with characters beyond ASCII are UTF-8,
	 * whatever the page says: legacy text almost never is, and pages that
	 * were converted but kept their old declaration are common. Bytes that
	 * are all ASCII read the same in UTF-8 as in any charset a page may
	 * declare. Either way one parse does. A cut character at the end of
	 * the head does not count against UTF-8. */
	size_t bad = npk__utf8_bad_at((const uint8_t *)s, n);
	if (bad == n || (n - bad < 4 && (unsigned char)s[bad] >= 0xC0))
		return htmlReadMemory(s, (int)n, NULL, "UTF-8", parse_opts);
	/* Otherwise the page's own declaration decides. Every byte is a
	 * character in ISO-8859-1: nothing is lost in this first look for it. */
	htmlDocPtr d = htmlReadMemory(s, (int)n, NULL, "ISO-8859-1", parse_opts);
	if (d == NULL)
		return NULL;
	char *declared = declared_charset(xmlDocGetRootElement(d), 0);
	enc = declared != NULL ? npk__charset_name(declared)
	      : fallback != NULL ? npk__charset_name(fallback) : "WINDOWS-1252";
	htmlDocPtr again = NULL;
	/* a charset iconv does not know is not tried (libxml2 would complain) */
	xmlCharEncodingHandlerPtr known = xmlFindCharEncodingHandler(enc);
	if (known != NULL && !ci_eq(enc, "ISO-8859-1"))
		again = htmlReadMemory(s, (int)n, NULL, enc, parse_opts);
	if (known != NULL)
		xmlCharEncCloseFunc(known);
	free(declared);
	if (again == NULL)
		return d; /* a charset iconv does not know: the first look will do */
	xmlFreeDoc(d);
	return again;
}

/* ---- Entry ---- */

/* Adds the winners to x; -1 when out of memory. */
static int hctx_emit(xctx *x, const hctx *h)
{
	for (int f = 0; f < F_COUNT; f++)
		if (h->one[f] != NULL && npk__x_add(x, field_key[f], h->one[f], strlen(h->one[f])) != 0)
			return -1;
	for (size_t i = 0; i < h->nauthors; i++)
		if (npk__x_add(x, "author", h->authors[i], strlen(h->authors[i])) != 0)
			return -1;
	for (size_t i = 0; i < h->nkeywords; i++)
		if (npk__x_add(x, "keywords", h->keywords[i], strlen(h->keywords[i])) != 0)
			return -1;
	return 0;
}

static void hctx_free(hctx *h)
{
	for (int f = 0; f < F_COUNT; f++)
		free(h->one[f]);
	for (size_t i = 0; i < h->nauthors; i++)
		free(h->authors[i]);
	for (size_t i = 0; i < h->nkeywords; i++)
		free(h->keywords[i]);
}

int npk__html_rules(xctx *x, const char *s, size_t n)
{
	hctx h;
	memset(&h, 0, sizeof h);
	for (int f = 0; f < F_COUNT; f++)
		h.rank[f] = R_NONE;
	h.author_rank = R_NONE;
	h.keyword_rank = R_NONE;
	htmlDocPtr d = npk__html_parse(s, n, NULL);
	if (d != NULL) {
		walk(&h, xmlDocGetRootElement(d), 0, 0);
		xmlFreeDoc(d);
	}
	int rc = h.nomem ? -1 : hctx_emit(x, &h);
	hctx_free(&h);
	return rc;
}
