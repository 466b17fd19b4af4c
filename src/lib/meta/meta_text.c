/* meta_text.c - news metadata from plain text and Markdown (spec/metadata.md
 * 3-6): the headline, bylines, date lines and dates normalised to ISO 8601;
 * the guess of a document's media type (section 8); and npk_meta_extract,
 * which picks the rules by media type. Front matter is read in meta_yaml.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meta/meta.h"

/* ==== Small text helpers (ASCII rules, no locale) ==== */

static int is_digit(int c) { return c >= '0' && c <= '9'; }
static int is_alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static int is_upper(int c) { return c >= 'A' && c <= 'Z'; }
static int is_alnum(int c) { return is_alpha(c) || is_digit(c); }
static int to_lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }
static unsigned char uc(const char *s, size_t i) { return (unsigned char)s[i]; }

/* s[0..n) equals word, ignoring ASCII case. */
int npk__ci_eq(const char *s, size_t n, const char *word)
{
	size_t i = 0;
	for (; i < n && word[i]; i++)
		if (to_lower(uc(s, i)) != word[i])
			return 0;
	return i == n && word[i] == 0;
}

/* s starts with pre (lower case), ignoring ASCII case. */
static int ci_prefix(const char *s, size_t n, const char *pre)
{
	size_t k = strlen(pre);
	return k <= n && npk__ci_eq(s, k, pre);
}

/* Length of the white space character starting s: ASCII blanks and the
 * Unicode spaces real articles carry (NBSP, U+2000-U+200B, U+202F, U+3000,
 * a stray BOM), or 0. */
static size_t space_at(const char *s, size_t n)
{
	if (n == 0)
		return 0;
	unsigned char c = uc(s, 0);
	if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v')
		return 1;
	if (n >= 2 && c == 0xC2 && uc(s, 1) == 0xA0)
		return 2;
	if (n >= 3 && c == 0xE2 && uc(s, 1) == 0x80 &&
	    ((uc(s, 2) >= 0x80 && uc(s, 2) <= 0x8B) || uc(s, 2) == 0xAF))
		return 3;
	if (n >= 3 && ((c == 0xE3 && uc(s, 1) == 0x80 && uc(s, 2) == 0x80) ||
	               (c == 0xEF && uc(s, 1) == 0xBB && uc(s, 2) == 0xBF)))
		return 3;
	return 0;
}

/* Length of the white space character ending s[0..n), or 0. */
static size_t space_before(const char *s, size_t n)
{
	for (size_t k = 1; k <= 3 && k <= n; k++)
		if (space_at(s + n - k, k) == k)
			return k;
	return 0;
}

void npk__trim(const char **s, size_t *n)
{
	size_t k;
	while ((k = space_at(*s, *n)) != 0) {
		*s += k;
		*n -= k;
	}
	while ((k = space_before(*s, *n)) != 0)
		*n -= k;
}

/* Spaces and tabs (and NBSP) at s; how many bytes they take. */
static size_t spaces(const char *s, size_t n)
{
	size_t p = 0, k;
	while (p < n && (k = space_at(s + p, n - p)) != 0 && s[p] != '\n' && s[p] != '\r')
		p += k;
	return p;
}

/* The longest prefix of valid UTF-8 s no longer than max, cut between
 * characters. */
static size_t utf8_cut(const char *s, size_t n, size_t max)
{
	if (n <= max)
		return n;
	while (max > 0 && (uc(s, max) & 0xC0) == 0x80)
		max--;
	return max;
}

/* The next line of t from *pos, without its LF or CRLF. 0 at the end. */
static int next_line(const char *t, size_t n, size_t *pos, span *l)
{
	if (*pos >= n)
		return 0;
	const char *s = t + *pos;
	const char *e = memchr(s, '\n', n - *pos);
	size_t len = e ? (size_t)(e - s) : n - *pos;
	*pos += len + (e != NULL);
	if (len && s[len - 1] == '\r')
		len--;
	l->s = s;
	l->n = len;
	return 1;
}

/* ==== Media types ==== */

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
	while ((k = space_at(s + p, len - p)) != 0)
		p += k;
	return ci_prefix(s + p, len - p, "<!doctype html") || ci_prefix(s + p, len - p, "<html");
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

/* ==== Dates: English forms to ISO 8601 ==== */

static const char *const month_names[12] = {
	"january", "february", "march", "april", "may", "june", "july",
	"august", "september", "october", "november", "december",
};
static const char *const weekday_names[7] = {
	"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
};

static size_t word_len(const char *s, size_t n)
{
	size_t w = 0;
	while (w < n && is_alpha(uc(s, w)))
		w++;
	return w;
}

/* An English month name or abbreviation ("Jan", "Jan.", "Sept."): the
 * month 1-12 and its length, or 0. */
static int month_at(const char *s, size_t n, size_t *used)
{
	size_t w = word_len(s, n);
	if (w < 3)
		return 0;
	for (int m = 0; m < 12; m++) {
		const char *name = month_names[m];
		size_t nl = strlen(name), i = 0;
		while (i < w && i < nl && to_lower(uc(s, i)) == name[i])
			i++;
		if (i != w)
			continue;
		if (w == nl) {
			*used = w;
			return m + 1;
		}
		if (w == 3 || (m == 8 && w == 4)) {
			*used = w + (w < n && s[w] == '.');
			return m + 1;
		}
	}
	return 0;
}

/* A leading weekday ("Friday, ", "Fri ") to skip; its length or 0. */
static size_t weekday_at(const char *s, size_t n)
{
	size_t w = word_len(s, n);
	if (w < 3)
		return 0;
	for (int d = 0; d < 7; d++) {
		const char *name = weekday_names[d];
		size_t i = 0;
		while (i < w && name[i] && to_lower(uc(s, i)) == name[i])
			i++;
		if (i != w || (w != 3 && w != 4 && name[w] != 0))
			continue;
		size_t p = w;
		if (p < n && s[p] == '.')
			p++;
		if (p < n && s[p] == ',')
			p++;
		size_t sp = spaces(s + p, n - p);
		return sp ? p + sp : 0;
	}
	return 0;
}

/* min..max decimal digits, not followed by another digit. */
static size_t digits(const char *s, size_t n, size_t min, size_t max, int *v)
{
	size_t i = 0;
	int x = 0;
	while (i < n && i < max && is_digit(uc(s, i)))
		x = x * 10 + (s[i++] - '0');
	if (i < min || (i < n && is_digit(uc(s, i))))
		return 0;
	*v = x;
	return i;
}

/* "st", "nd", "rd", "th" after a day number. */
static size_t ordinal_at(const char *s, size_t n)
{
	if (n >= 2 && (ci_prefix(s, n, "st") || ci_prefix(s, n, "nd") ||
	               ci_prefix(s, n, "rd") || ci_prefix(s, n, "th")) &&
	    (n == 2 || !is_alpha(uc(s, 2))))
		return 2;
	return 0;
}

static int days_in(int y, int m)
{
	static const int d[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return d[m - 1] + (m == 2 && leap);
}

/* Time zones that news sites print; ambiguous ones (CST, IST) are left
 * out, so a time in them is dropped rather than misplaced. */
static const struct {
	const char *name;
	int minutes;
} zone_names[] = {
	{"UTC", 0}, {"GMT", 0}, {"Z", 0}, {"BST", 60}, {"CET", 60}, {"CEST", 120},
	{"EET", 120}, {"EEST", 180}, {"MSK", 180}, {"EST", -300}, {"EDT", -240},
	{"CDT", -300}, {"MST", -420}, {"MDT", -360}, {"PST", -480}, {"PDT", -420},
	{"HKT", 480}, {"SGT", 480}, {"JST", 540}, {"KST", 540}, {"AEST", 600},
	{"AEDT", 660},
};

/* [+-]hh[[:]mm] as minutes east of UTC. */
static size_t offset_at(const char *s, size_t n, int *minutes)
{
	if (n < 3 || (s[0] != '+' && s[0] != '-'))
		return 0;
	int h, m = 0;
	size_t p = 1, k;
	if ((k = digits(s + p, n - p, 2, 2, &h)) == 0) {
		/* "+0100" */
		if ((k = digits(s + p, n - p, 4, 4, &h)) == 0)
			return 0;
		m = h % 100;
		h /= 100;
		p += k;
	} else {
		p += k;
		if (p + 2 < n && s[p] == ':' && digits(s + p + 1, n - p - 1, 2, 2, &m))
			p += 3;
	}
	if (h > 14 || m > 59 || (p < n && is_alnum(uc(s, p))))
		return 0;
	*minutes = (s[0] == '-' ? -1 : 1) * (h * 60 + m);
	return p;
}

typedef struct dt {
	int y, mo, d, h, mi, sec;
	int has_time;
	int zone;               /* 0 none (local time), 1 known */
	int off;                /* minutes east of UTC when zone is known */
} dt;

/* A time "10:00", "10:00:30.5", "9:05 pm", then a zone: "Z", "UTC",
 * "GMT+2", "+01:00", "+0100", "BST". Sets *unknown_zone for an all-capital
 * word that is not a zone we know. Returns the bytes used, or 0. */
static size_t time_at(const char *s, size_t n, dt *t, int *unknown_zone)
{
	size_t p, k;
	int h, mi, sec = 0;
	if ((p = digits(s, n, 1, 2, &h)) == 0 || p >= n || s[p] != ':')
		return 0;
	p++;
	if ((k = digits(s + p, n - p, 2, 2, &mi)) == 0)
		return 0;
	p += k;
	if (p < n && s[p] == ':') {
		if ((k = digits(s + p + 1, n - p - 1, 2, 2, &sec)) == 0)
			return 0;
		p += 1 + k;
		if (p + 1 < n && (s[p] == '.' || s[p] == ',') && is_digit(uc(s, p + 1)))
			for (p++; p < n && is_digit(uc(s, p)); p++)
				;
	}
	size_t q = p + spaces(s + p, n - p);
	static const char *const ampm[] = {"a.m.", "p.m.", "am", "pm"};
	for (int i = 0; i < 4; i++) {
		size_t al = strlen(ampm[i]);
		if (ci_prefix(s + q, n - q, ampm[i]) && (q + al == n || !is_alpha(uc(s, q + al)))) {
			if (h < 1 || h > 12)
				return 0;
			h = h % 12 + (ampm[i][0] == 'p' ? 12 : 0);
			p = q + al;
			break;
		}
	}
	if (h > 23 || mi > 59 || sec > 60)
		return 0;
	t->h = h;
	t->mi = mi;
	t->sec = sec;
	t->has_time = 1;
	t->zone = 0;
	q = p + spaces(s + p, n - p);
	int off;
	if ((k = offset_at(s + q, n - q, &off)) != 0) {
		t->zone = 1;
		t->off = off;
		return q + k;
	}
	size_t w = word_len(s + q, n - q);
	if (w == 0)
		return p;
	for (size_t i = 0; i < sizeof zone_names / sizeof zone_names[0]; i++) {
		if (strlen(zone_names[i].name) != w || memcmp(s + q, zone_names[i].name, w) != 0)
			continue;
		t->zone = 1;
		t->off = zone_names[i].minutes;
		q += w;
		/* "GMT+2", "UTC+05:30" */
		if (t->off == 0 && w == 3 && q < n && (s[q] == '+' || s[q] == '-')) {
			int h2, m2 = 0;
			size_t r = q + 1;
			if ((k = digits(s + r, n - r, 1, 2, &h2)) == 0 || h2 > 14)
				return q;
			r += k;
			if (r + 2 < n && s[r] == ':' && digits(s + r + 1, n - r - 1, 2, 2, &m2) && m2 <= 59)
				r += 3;
			t->off = (s[q] == '-' ? -1 : 1) * (h2 * 60 + m2);
			q = r;
		}
		return q;
	}
	int caps = w >= 2 && w <= 5;
	for (size_t i = 0; caps && i < w; i++)
		caps = is_upper(uc(s, q + i));
	if (caps)
		*unknown_zone = 1;
	return p;
}

/* The date forms: "2025-01-24" (or with '/'), "January 24, 2025",
 * "Jan. 24 2025", "24 January 2025", "24th Jan 2025", each with an
 * optional weekday before. Returns the bytes used, or 0. */
static size_t date_core_at(const char *s, size_t n, dt *t, int *iso)
{
	size_t p = weekday_at(s, n), k, sp;
	int a, b, c, m;
	*iso = 0;
	if ((k = digits(s + p, n - p, 4, 4, &a)) != 0 && p + k < n &&
	    (s[p + k] == '-' || s[p + k] == '/')) {
		char sep = s[p + k];
		p += k + 1;
		if ((k = digits(s + p, n - p, 2, 2, &b)) == 0 || p + k >= n || s[p + k] != sep)
			return 0;
		p += k + 1;
		if ((k = digits(s + p, n - p, 2, 2, &c)) == 0)
			return 0;
		p += k;
		t->y = a;
		t->mo = b;
		t->d = c;
		*iso = 1;
	} else if ((m = month_at(s + p, n - p, &k)) != 0) {
		p += k;
		if ((sp = spaces(s + p, n - p)) == 0)
			return 0;
		p += sp;
		if ((k = digits(s + p, n - p, 1, 2, &a)) == 0)
			return 0;
		p += k;
		p += ordinal_at(s + p, n - p);
		if (p < n && s[p] == ',')
			p++;
		if ((sp = spaces(s + p, n - p)) == 0)
			return 0;
		p += sp;
		if ((k = digits(s + p, n - p, 4, 4, &c)) == 0)
			return 0;
		p += k;
		t->y = c;
		t->mo = m;
		t->d = a;
	} else if ((k = digits(s + p, n - p, 1, 2, &a)) != 0) {
		p += k;
		p += ordinal_at(s + p, n - p);
		if ((sp = spaces(s + p, n - p)) == 0)
			return 0;
		p += sp;
		if ((m = month_at(s + p, n - p, &k)) == 0)
			return 0;
		p += k;
		if (p < n && s[p] == ',')
			p++;
		if ((sp = spaces(s + p, n - p)) == 0)
			return 0;
		p += sp;
		if ((k = digits(s + p, n - p, 4, 4, &c)) == 0)
			return 0;
		p += k;
		t->y = c;
		t->mo = m;
		t->d = a;
	} else {
		return 0;
	}
	if (t->y < 1000 || t->mo < 1 || t->mo > 12 || t->d < 1 || t->d > days_in(t->y, t->mo))
		return 0;
	return p;
}

/* A date, optionally followed by a time, at s; writes ISO 8601 to out
 * ("2025-01-24", "2025-01-24T10:00:00Z", "...T10:00:00+01:00", or
 * "...T10:00:00" for a time without zone). Returns the bytes used or 0. */
static size_t date_at(const char *s, size_t n, char out[40])
{
	dt t;
	int iso, unknown = 0;
	memset(&t, 0, sizeof t);
	size_t p = date_core_at(s, n, &t, &iso), q, k;
	if (p == 0)
		return 0;
	if (iso && p < n && (s[p] == 'T' || s[p] == 't')) {
		if ((k = time_at(s + p + 1, n - p - 1, &t, &unknown)) == 0)
			return 0;
		q = p + 1 + k;
	} else {
		if (p < n && is_alpha(uc(s, p)))
			return 0;       /* "2025abc" is not a date */
		q = p;
		if (q < n && s[q] == ',')
			q++;
		q += spaces(s + q, n - q);
		if (ci_prefix(s + q, n - q, "at ")) {
			q += 3;
			q += spaces(s + q, n - q);
		}
		k = time_at(s + q, n - q, &t, &unknown);
		q = k ? q + k : p;
	}
	if (!t.has_time || unknown) {
		snprintf(out, 40, "%04d-%02d-%02d", t.y, t.mo, t.d);
		return t.has_time ? q : p;
	}
	int len = snprintf(out, 40, "%04d-%02d-%02dT%02d:%02d:%02d", t.y, t.mo, t.d,
	                   t.h, t.mi, t.sec);
	if (t.zone && t.off == 0)
		snprintf(out + len, (size_t)(40 - len), "Z");
	else if (t.zone)
		snprintf(out + len, (size_t)(40 - len), "%c%02d:%02d", t.off < 0 ? '-' : '+',
		         abs(t.off) / 60, abs(t.off) % 60);
	return q;
}

/* The first date in s that starts a word: its start and length. */
static int date_find(const char *s, size_t n, size_t *start, size_t *used, char out[40])
{
	for (size_t i = 0; i < n; i++) {
		if (!is_alnum(uc(s, i)) || (i > 0 && is_alnum(uc(s, i - 1))))
			continue;
		size_t k = date_at(s + i, n - i, out);
		if (k) {
			*start = i;
			*used = k;
			return 1;
		}
	}
	return 0;
}

/* A whole value that is a date: normalised into out. */
int npk__date_whole(const char *s, size_t n, char out[40])
{
	npk__trim(&s, &n);
	size_t k = date_at(s, n, out);
	return k != 0 && k == n;
}

/* ==== Extraction context ==== */

/* Extracted metadata is kept well under NPK_META_MAX so that a sidecar and
 * the archive's own fields still fit. */
#define X_BUDGET 16384u
#define X_PER_KEY 32u

static int multi_key(const char *key)
{
	return strcmp(key, "author") == 0 || strcmp(key, "keywords") == 0 ||
	       strcmp(key, "section") == 0;
}

static size_t value_max(const char *key)
{
	if (strcmp(key, "title") == 0)
		return 512;
	if (strcmp(key, "description") == 0)
		return 2048;
	return 1024;
}

/* Adds a field found in a document, unless it is empty, not valid UTF-8, a
 * second value of a single-valued key, a repeat, or over a limit. Values
 * are trimmed and cut between characters. -1 only when out of memory. */
int npk__x_add(xctx *x, const char *key, const char *v, size_t n)
{
	size_t klen = strlen(key);
	npk__trim(&v, &n);
	if (n == 0 || !npk__meta_key_ok(key, klen) || !npk__utf8_ok((const uint8_t *)v, n))
		return 0;
	n = utf8_cut(v, n, value_max(key));
	npk__trim(&v, &n);
	if (n == 0)
		return 0;
	if (multi_key(key)) {
		size_t c = 0;
		for (size_t i = 0; i < npk_meta_count(x->t); i++) {
			const char *k, *val;
			npk_meta_get(x->t, i, &k, &val);
			if (strcmp(k, key) != 0)
				continue;
			/* values found hold no NUL: strlen is their length */
			if (strlen(val) == n && memcmp(val, v, n) == 0)
				return 0;
			c++;
		}
		if (c >= X_PER_KEY)
			return 0;
	} else if (npk_meta_find(x->t, key) != NULL) {
		return 0;
	}
	if (x->used + 3 + klen + n > X_BUDGET)
		return 0;
	if (npk__meta_push(x->t, key, klen, v, n) != 0) {
		x->nomem = 1;
		return -1;
	}
	x->used += 3 + klen + n;
	return 0;
}

static int x_add_span(xctx *x, const char *key, span s)
{
	return npk__x_add(x, key, s.s, s.n);
}

/* ==== text/plain: headline, byline, dateline ==== */

#define PLAIN_LINES 40
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

static int word_in(const char *w, size_t n, const char *const *list, size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (npk__ci_eq(w, n, list[i]))
			return 1;
	return 0;
}
#define WORD_IN(w, n, list) word_in((w), (n), (list), sizeof(list) / sizeof((list)[0]))

static int is_month_or_day(const char *w, size_t n)
{
	return word_in(w, n, month_names, 12) || word_in(w, n, weekday_names, 7);
}

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
		unsigned char ch = uc(w, i);
		if (is_alpha(ch) || ch >= 0x80)
			letters++;
		else if (ch != '.' && ch != '-' && ch != '\'')
			return 0;       /* digits, brackets, quotes: not a name */
	}
	if (letters == 0 || WORD_IN(w, n, role_words))
		return 0;
	unsigned char first = uc(w, 0);
	int particle = WORD_IN(w, n, name_particles) && !is_upper(first);
	if (!particle && !is_upper(first) && first < 0x80)
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
		return (c.lower == 0 || allow_lower) && !is_month_or_day(s, n);
	return c.lower == 0;
}

static int label_word(const char *w, size_t n, void *ctx)
{
	(void)ctx;
	if (WORD_IN(w, n, label_smalls))
		return 1;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = uc(w, i);
		if (!(is_alpha(ch) || ch >= 0x80 || ch == '.' || ch == '-' || ch == '\''))
			return 0;
	}
	return is_upper(uc(w, 0)) || uc(w, 0) >= 0x80;
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
		if (WORD_IN(s + b, p - b, role_words) && !npk__ci_eq(s + b, p - b, "bureau") &&
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
		if (is_digit(uc(s, i)))
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
		while ((k = space_before(s, n)) != 0)
			n -= k;
		if (n && s[n - 1] && strchr(",-|/:", s[n - 1]))
			n--;
		else if (n >= 2 && uc(s, n - 2) == 0xC2 && uc(s, n - 1) == 0xB7)
			n -= 2;
		else if (n >= 3 && uc(s, n - 3) == 0xE2 && uc(s, n - 2) == 0x80 &&
		         (uc(s, n - 1) == 0x93 || uc(s, n - 1) == 0x94))
			n -= 3;
		size_t w = n;
		while (w > 0 && is_alpha(uc(s, w - 1)))
			w--;
		if (w < n && (w == 0 || s[w - 1] == ' ') && WORD_IN(s + w, n - w, tails))
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
		else if (i + 5 <= n && s[i] == ' ' && ci_prefix(s + i + 1, n - i - 1, "and "))
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
	return ci_prefix(t.s, t.n, "and ") || ci_prefix(t.s, t.n, "& ") ||
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
		if (piece > 0 && (ci_prefix(ps.s, ps.n, "and ") || ci_prefix(ps.s, ps.n, "& "))) {
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
	if (n >= BYLINE_MAX || n < 4 || !ci_prefix(s, n, "by"))
		return 0;
	size_t p = 2;
	if (s[p] == ':')
		p++;
	size_t sp = spaces(s + p, n - p);
	if (sp == 0 || (s[n - 1] && strchr(".!?;:", s[n - 1])))
		return 0;       /* a sentence, not a byline */
	p += sp;
	const char *r = s + p;
	size_t rn = n - p, ds = rn, du;
	b->has_date = date_find(r, rn, &ds, &du, b->date);
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
		if (ci_prefix(s, n, pre[i]) && (k == n || !is_alpha(uc(s, k)))) {
			p = k;
			if (p < n && s[p] == ':')
				p++;
			p += spaces(s + p, n - p);
			if (ci_prefix(s + p, n - p, "on "))
				p += 3;
			break;
		}
	}
	size_t k = date_at(s + p, n - p, out);
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

/* The text/plain rules; markdown also looks for "# Title" first. */
static int plain_rules(xctx *x, const char *t, size_t n, int markdown)
{
	span lines[PLAIN_LINES];
	size_t nl = 0, pos = 0, title = PLAIN_LINES;
	while (nl < PLAIN_LINES && next_line(t, n, &pos, &lines[nl]))
		nl++;

	for (size_t i = 0; markdown && i < nl && title == PLAIN_LINES; i++) {
		span h;
		if (md_h1(lines[i], &h)) {
			title = i;
			if (x_add_span(x, "title", h) != 0)
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
		if (x_add_span(x, "title", l) != 0)
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
			if (x_add_span(x, "author", b.author[k]) != 0)
				return -1;
		if (b.section.n && x_add_span(x, "section", b.section) != 0)
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

/* ==== text/markdown: front matter (meta_yaml.c), then the text rules ==== */

static int is_marker(span l, const char *m)
{
	while (l.n && (l.s[l.n - 1] == ' ' || l.s[l.n - 1] == '\t'))
		l.n--;
	return l.n == 3 && memcmp(l.s, m, 3) == 0;
}

/* Markdown: front matter if any, else "# Title", then the text rules. */
static int md_rules(xctx *x, const char *t, size_t n)
{
	size_t pos = 0, nl = 0, cap = 64;
	span first;
	if (!next_line(t, n, &pos, &first))
		return 0;
	int yaml = is_marker(first, "---"), toml = is_marker(first, "+++");
	if (!yaml && !toml)
		return plain_rules(x, t, n, 1);

	span *lines = malloc(cap * sizeof *lines);
	if (lines == NULL)
		goto nomem;
	span l;
	int closed = 0;
	while (next_line(t, n, &pos, &l)) {
		if (yaml ? is_marker(l, "---") || is_marker(l, "...") : is_marker(l, "+++")) {
			closed = 1;
			break;
		}
		if (nl == cap) {
			span *m = realloc(lines, 2 * cap * sizeof *lines);
			if (m == NULL)
				goto nomem;
			lines = m;
			cap *= 2;
		}
		lines[nl++] = l;
	}
	/* Unclosed: nothing tells where the front matter ends, so none of it
	 * is trusted, and its lines would make a false headline. */
	int rc = 0;
	if (closed && yaml)
		rc = npk__fm_parse(x, lines, nl);
	free(lines);
	if (rc != 0 || !closed)
		return rc;
	if (toml)
		return plain_rules(x, t + pos, n - pos, 1);
	/* YAML fields are authoritative; the body only supplies a headline. */
	if (npk_meta_find(x->t, "title") == NULL) {
		size_t p = pos;
		for (int i = 0; i < PLAIN_LINES && next_line(t, n, &p, &l); i++) {
			span h;
			if (md_h1(l, &h))
				return x_add_span(x, "title", h);
		}
	}
	return 0;
nomem:
	free(lines);
	x->nomem = 1;
	return -1;
}

/* ==== Extraction: the rules by media type ==== */

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
	int rc = html ? npk__html_rules(&x, t, len) : md ? md_rules(&x, t, len) : plain_rules(&x, t, len, 0);
	/* Fields the caller already set are kept: extraction only fills gaps. */
	if (rc != 0 || x.nomem || npk__meta_splice(out, x.t, 0) != 0) {
		npk_meta_free(x.t);
		return npk__fail(err, NPK_E_NOMEM, "%s: out of memory while reading metadata",
		                 path ? path : "document");
	}
	npk_meta_free(x.t);
	return NPK_OK;
}
