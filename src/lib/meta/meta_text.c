/* meta_text.c - news metadata from plain text and Markdown (spec/metadata.md
 * 4 and 6.2): the headline, bylines and date lines. Calls the scanning
 * helpers (meta_scan.c) and dates (meta_date.c); front matter is read in
 * meta_yaml.c, and meta_extract.c picks the rules by media type. */
#include <string.h>

#include "meta/meta.h"

#define PLAIN_LINES 40          /* the lines searched (spec/metadata.md 4.2) */

/* ==== Bylines ==== */

#define BYLINE_MAX 200
#define NAME_MAX_BYTES 100
#define MAX_AUTHORS 16

/* Words that describe a role or an organisation, never part of a name:
 * "By Staff Writer" names nobody. */
static const char *const role_words[] = {
	"staff", "writer", "writers", "reporter", "reporters", "correspondent",
	"correspondents", "editor", "editors", "bureau", "desk", "team", "news",
	"press", "agency", "contributor", "contributors", "columnist", "chief",
	"senior", "special", "service", "services", "wire", "wires", "newsroom",
	"online", "digital",
};
/* Lower-case words that belong in names ("Ursula von der Leyen"). */
static const char *const name_particles[] = {
	"van", "von", "der", "den", "de", "da", "di", "del", "della", "du", "la",
	"le", "bin", "bint", "ibn", "al", "el", "y", "zu", "ten", "ter", "dos", "das",
};
/* Lower-case words allowed inside an affiliation or section label. */
static const char *const label_smalls[] = {
	"of", "and", "for", "the", "in", "at", "on", "&",
};

/* Splits s on ASCII spaces; calls back on each word. Returns the number of
 * words, or -1 when fn refuses one. */
typedef int (*word_fn)(const char *w, size_t n, void *ctx);
static int words_each(const char *s, size_t n, word_fn fn, void *ctx)
{
	int count = 0;
	size_t p = 0;
	while (p < n) {
		while (p < n && s[p] == ' ')
			p++;
		size_t b = p;
		while (p < n && s[p] != ' ')
			p++;
		if (p == b)
			break;
		if (fn && !fn(s + b, p - b, ctx))
			return -1;
		count++;
	}
	return count;
}

typedef struct name_check {
	int lower;              /* words starting lower-case, not particles */
	int particle_last;
} name_check;

static int name_word(const char *w, size_t n, void *ctx)
{
	name_check *c = ctx;
	size_t letters = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = npk__uc(w, i);
		if (npk__is_alpha(ch) || ch >= 0x80)
			letters++;
		else if (ch != '.' && ch != '-' && ch != '\'')
			return 0;       /* digits, brackets, quotes: not a name */
	}
	if (letters == 0 || NPK__WORD_IN(w, n, role_words))
		return 0;
	unsigned char first = npk__uc(w, 0);
	int particle = NPK__WORD_IN(w, n, name_particles) && !npk__is_upper(first);
	if (!particle && !npk__is_upper(first) && first < 0x80)
		c->lower++;
	c->particle_last = particle;
	return 1;
}

/* A person's name: 1-5 words of letters (and . - '), each capitalised
 * except name particles. A single lower-case word ("bno", a newsroom
 * handle) is accepted only when allow_lower, i.e. the byline also carries
 * a date and so is certainly a byline. */
static int name_ok(const char *s, size_t n, int allow_lower)
{
	if (n == 0 || n > NAME_MAX_BYTES)
		return 0;
	name_check c = {0, 0};
	int words = words_each(s, n, name_word, &c);
	if (words < 1 || words > 5 || c.particle_last)
		return 0;
	if (words == 1)
		return (c.lower == 0 || allow_lower) && !npk__month_or_day(s, n);
	return c.lower == 0;
}

static int label_word(const char *w, size_t n, void *ctx)
{
	(void)ctx;
	if (NPK__WORD_IN(w, n, label_smalls))
		return 1;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = npk__uc(w, i);
		if (!(npk__is_alpha(ch) || ch >= 0x80 || ch == '.' || ch == '-' || ch == '\''))
			return 0;
	}
	return npk__is_upper(npk__uc(w, 0)) || npk__uc(w, 0) >= 0x80;
}

/* An affiliation or section label: "Taipei Bureau", "Reuters",
 * "Bureau Chief for Asia"; capitalised words, no digits. */
static int label_ok(const char *s, size_t n)
{
	if (n == 0 || n > 80)
		return 0;
	int words = words_each(s, n, label_word, NULL);
	return words >= 1 && words <= 6;
}

static int label_is_role(const char *s, size_t n)
{
	size_t p = 0;
	while (p < n) {
		size_t b = p;
		while (p < n && s[p] != ' ')
			p++;
		if (NPK__WORD_IN(s + b, p - b, role_words) && !npk__ci_eq(s + b, p - b, "bureau") &&
		    !npk__ci_eq(s + b, p - b, "desk"))
			return 1;
		while (p < n && s[p] == ' ')
			p++;
	}
	return 0;
}

static int has_digit(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (npk__is_digit(npk__uc(s, i)))
			return 1;
	return 0;
}

/* The separators between the parts of a byline. */
static const char *const byline_seps[] = {
	" - ", " \xE2\x80\x93 ", " \xE2\x80\x94 ", " | ", " \xC2\xB7 ",
};

/* The first byline separator in s: its offset and length. */
static int sep_find(const char *s, size_t n, size_t *at, size_t *len)
{
	int found = 0;
	for (size_t i = 0; i < sizeof byline_seps / sizeof byline_seps[0]; i++) {
		size_t sl = strlen(byline_seps[i]);
		for (size_t j = 0; j + sl <= n; j++) {
			if (memcmp(s + j, byline_seps[i], sl) != 0)
				continue;
			if (!found || j < *at) {
				*at = j;
				*len = sl;
				found = 1;
			}
			break;
		}
	}
	return found;
}

/* Cuts what separates the names from a date: "Jane Doe | ", "Jane Doe,
 * published on ". */
static size_t trim_tail(const char *s, size_t n)
{
	static const char *const tails[] = {"on", "at", "published", "updated", "posted", "dated"};
	for (;;) {
		size_t before = n, k;
		while ((k = npk__space_before(s, n)) != 0)
			n -= k;
		if (n && s[n - 1] && strchr(",-|/:", s[n - 1]))
			n--;
		else if (n >= 2 && npk__uc(s, n - 2) == 0xC2 && npk__uc(s, n - 1) == 0xB7)
			n -= 2;
		else if (n >= 3 && npk__uc(s, n - 3) == 0xE2 && npk__uc(s, n - 2) == 0x80 &&
		         (npk__uc(s, n - 1) == 0x93 || npk__uc(s, n - 1) == 0x94))
			n -= 3;
		size_t w = n;
		while (w > 0 && npk__is_alpha(npk__uc(s, w - 1)))
			w--;
		if (w < n && (w == 0 || s[w - 1] == ' ') && NPK__WORD_IN(s + w, n - w, tails))
			n = w;
		if (n == before)
			return n;
	}
}

typedef struct byline {
	span author[MAX_AUTHORS];
	size_t nauthor;
	span section;
	char date[40];
	int has_date;
} byline;

/* Splits one comma-separated piece of a byline on " and " / " & ". */
static size_t and_split(const char *s, size_t n, span *parts, size_t max)
{
	size_t np = 0, b = 0;
	for (size_t i = 0; i <= n && np < max; i++) {
		size_t cut = 0;
		if (i == n)
			cut = 0;
		else if (i + 5 <= n && s[i] == ' ' && npk__ci_prefix(s + i + 1, n - i - 1, "and "))
			cut = 5;
		else if (i + 3 <= n && memcmp(s + i, " & ", 3) == 0)
			cut = 3;
		else
			continue;
		span p = {s + b, i - b};
		npk__trim(&p.s, &p.n);
		parts[np++] = p;
		if (i == n)
			break;
		b = i + cut;
		i += cut - 1;
	}
	return np;
}

/* " and " or " & " in s, or s starting with "and " / "& ". */
static int has_and(const char *s, size_t n)
{
	span parts[2];
	span t = {s, n};
	npk__trim(&t.s, &t.n);
	return npk__ci_prefix(t.s, t.n, "and ") || npk__ci_prefix(t.s, t.n, "& ") ||
	       and_split(t.s, t.n, parts, 2) > 1;
}

/* The names of a byline: "Jane Doe", "Jane Doe and John Roe", "Jane Doe,
 * John Roe & Ann Poe". After a comma, names go on only up to the piece
 * joined by "and": in "Jane Doe, Reuters" or "Jane Doe, New York" what
 * follows the comma is an affiliation or a place, which must look like a
 * label. 0 when the first piece is not a name or the rest is prose: then
 * the line is a sentence, not a byline. */
static int authors_parse(const char *s, size_t n, int allow_lower, byline *b)
{
	size_t p = 0;
	int names_done = 0;
	for (int piece = 0; p < n; piece++) {
		const char *c = memchr(s + p, ',', n - p);
		size_t e = c ? (size_t)(c - s) : n;
		span ps = {s + p, e - p};
		npk__trim(&ps.s, &ps.n);
		int names_here = piece == 0 || (!names_done && has_and(s + p, n - p));
		p = e + (c != NULL);
		if (!names_here) {
			if (!label_ok(ps.s, ps.n))
				return 0;
			continue;
		}
		if (piece > 0 && (npk__ci_prefix(ps.s, ps.n, "and ") || npk__ci_prefix(ps.s, ps.n, "& "))) {
			size_t k = ps.s[0] == '&' ? 2 : 4;
			ps.s += k;
			ps.n -= k;
			names_done = 1;
		}
		span parts[MAX_AUTHORS];
		size_t np = and_split(ps.s, ps.n, parts, MAX_AUTHORS);
		names_done |= np > 1;
		if (np == 0)
			return 0;
		for (size_t i = 0; i < np; i++)
			if (!name_ok(parts[i].s, parts[i].n, allow_lower && np == 1 && piece == 0))
				return 0;
		for (size_t i = 0; i < np && b->nauthor < MAX_AUTHORS; i++)
			b->author[b->nauthor++] = parts[i];
	}
	return b->nauthor > 0;
}

/* A byline: "By NAMES[, AFFILIATION][ - SECTION][ DATE]". Only short lines
 * that start with "By " count, and only when the names look like names,
 * so that sentences such as "By 2025, 40% of homes..." are not taken. */
static int byline_parse(const char *s, size_t n, byline *b)
{
	memset(b, 0, sizeof *b);
	npk__trim(&s, &n);
	if (n >= BYLINE_MAX || n < 4 || !npk__ci_prefix(s, n, "by"))
		return 0;
	size_t p = 2;
	if (s[p] == ':')
		p++;
	size_t sp = npk__spaces(s + p, n - p);
	if (sp == 0 || (s[n - 1] && strchr(".!?;:", s[n - 1])))
		return 0;       /* a sentence, not a byline */
	p += sp;
	const char *r = s + p;
	size_t rn = n - p, ds = rn, du;
	b->has_date = npk__date_find(r, rn, &ds, &du, b->date);
	size_t pre = trim_tail(r, b->has_date ? ds : rn);
	if (pre == 0)
		return 0;
	size_t at = pre, sl = 0;
	if (sep_find(r, pre, &at, &sl)) {
		span sec = {r + at + sl, pre - at - sl};
		npk__trim(&sec.s, &sec.n);
		if (label_ok(sec.s, sec.n)) {
			if (!label_is_role(sec.s, sec.n))
				b->section = sec;
		} else if (!has_digit(sec.s, sec.n)) {
			return 0;       /* prose after a dash: not a byline */
		}
		/* else a date or time that did not parse ("February 30"):
		 * ignored, the names still count */
	}
	return authors_parse(r, at, b->has_date, b);
}

/* ==== Date lines ==== */

/* A line that is a date: "24 January 2025", "Published: 2024-03-03 10:00
 * GMT", "Posted on Jan. 24, 2025 | 3 min read". "Updated" lines are not
 * publication dates. */
static int date_line(const char *s, size_t n, char out[40])
{
	static const char *const pre[] = {
		"first published", "published", "posted", "date", "dated",
	};
	npk__trim(&s, &n);
	if (n == 0 || n > 100)
		return 0;
	size_t p = 0;
	for (size_t i = 0; i < sizeof pre / sizeof pre[0]; i++) {
		size_t k = strlen(pre[i]);
		if (npk__ci_prefix(s, n, pre[i]) && (k == n || !npk__is_alpha(npk__uc(s, k)))) {
			p = k;
			if (p < n && s[p] == ':')
				p++;
			p += npk__spaces(s + p, n - p);
			if (npk__ci_prefix(s + p, n - p, "on "))
				p += 3;
			break;
		}
	}
	size_t k = npk__date_at(s + p, n - p, out);
	if (k == 0)
		return 0;
	span rest = {s + p + k, n - p - k};
	npk__trim(&rest.s, &rest.n);
	if (rest.n == 0)
		return 1;
	size_t at = 0, sl = 0;
	/* the rest must be set off, not continue a sentence */
	return rest.s[0] == '|' || rest.s[0] == '(' ||
	       (sep_find(s + p + k, n - p - k, &at, &sl) && at == 0);
}

/* ==== Markdown ==== */

/* Markdown emphasis around a byline: "*By Jane Doe*", "__By ...__". */
static void strip_emphasis(const char **s, size_t *n)
{
	while (*n && (**s == '*' || **s == '_')) {
		(*s)++;
		(*n)--;
	}
	while (*n && ((*s)[*n - 1] == '*' || (*s)[*n - 1] == '_'))
		(*n)--;
	npk__trim(s, n);
}

/* An ATX heading of level 1 ("# Title", "# Title #"); its text. */
static int md_h1(span l, span *text)
{
	size_t i = 0;
	while (i < 3 && i < l.n && l.s[i] == ' ')
		i++;
	if (i + 1 >= l.n || l.s[i] != '#' || (l.s[i + 1] != ' ' && l.s[i + 1] != '\t'))
		return 0;
	span t = {l.s + i + 1, l.n - i - 1};
	npk__trim(&t.s, &t.n);
	while (t.n && t.s[t.n - 1] == '#')
		t.n--;
	npk__trim(&t.s, &t.n);
	*text = t;
	return t.n > 0;
}

/* ==== The rules ==== */

int npk__plain_rules(xctx *x, const char *t, size_t n, int markdown)
{
	span lines[PLAIN_LINES];
	size_t nl = 0, pos = 0, title = PLAIN_LINES;
	while (nl < PLAIN_LINES && npk__next_line(t, n, &pos, &lines[nl]))
		nl++;

	for (size_t i = 0; markdown && i < nl && title == PLAIN_LINES; i++) {
		span h;
		if (md_h1(lines[i], &h)) {
			title = i;
			if (npk__x_add_span(x, "title", h) != 0)
				return -1;
		}
	}
	for (size_t i = 0; i < nl && title == PLAIN_LINES; i++) {
		span l = lines[i];
		npk__trim(&l.s, &l.n);
		if (l.n == 0)
			continue;
		title = i;
		if (markdown) {
			while (l.n && l.s[0] == '#') {
				l.s++;
				l.n--;
			}
		}
		/* a line of invalid UTF-8 gives no title; npk__x_add drops it */
		if (npk__x_add_span(x, "title", l) != 0)
			return -1;
	}

	int dated = 0;
	for (size_t i = 0; i < nl; i++) {
		span l = lines[i];
		byline b;
		npk__trim(&l.s, &l.n);
		if (markdown)
			strip_emphasis(&l.s, &l.n);
		if (i == title || !npk__utf8_ok((const uint8_t *)l.s, l.n) || !byline_parse(l.s, l.n, &b))
			continue;
		for (size_t k = 0; k < b.nauthor; k++)
			if (npk__x_add_span(x, "author", b.author[k]) != 0)
				return -1;
		if (b.section.n && npk__x_add_span(x, "section", b.section) != 0)
			return -1;
		if (b.has_date && npk__x_add(x, "date", b.date, strlen(b.date)) != 0)
			return -1;
		dated = b.has_date;
		break;
	}
	for (size_t i = 0; i < nl && !dated; i++) {
		span l = lines[i];
		char d[40];
		npk__trim(&l.s, &l.n);
		if (markdown)
			strip_emphasis(&l.s, &l.n);
		if (i == title || !npk__utf8_ok((const uint8_t *)l.s, l.n) || !date_line(l.s, l.n, d))
			continue;
		if (npk__x_add(x, "date", d, strlen(d)) != 0)
			return -1;
		dated = 1;
	}
	return 0;
}

int npk__md_title(xctx *x, const char *t, size_t n)
{
	size_t pos = 0;
	span l, h;
	for (int i = 0; i < PLAIN_LINES && npk__next_line(t, n, &pos, &l); i++)
		if (md_h1(l, &h))
			return npk__x_add_span(x, "title", h);
	return 0;
}
