/* meta_date.c - dates as news text writes them, in English and ISO forms,
 * normalised to ISO 8601 (spec/metadata.md 5): "January 24, 2025",
 * "24th Jan. 2025 10:00 GMT", "2025-01-24T10:00:00+01:00". Calls only the
 * scanning helpers (meta_scan.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meta/meta.h"

static const char *const month_names[12] = {
	"january", "february", "march", "april", "may", "june", "july",
	"august", "september", "october", "november", "december",
};
static const char *const weekday_names[7] = {
	"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
};

/* A month or weekday name in full: "By May" names nobody. */
int npk__month_or_day(const char *w, size_t n)
{
	return npk__word_in(w, n, month_names, 12) || npk__word_in(w, n, weekday_names, 7);
}

static size_t word_len(const char *s, size_t n)
{
	size_t w = 0;
	while (w < n && npk__is_alpha(npk__uc(s, w)))
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
		while (i < w && i < nl && npk__lower(npk__uc(s, i)) == name[i])
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
		while (i < w && name[i] && npk__lower(npk__uc(s, i)) == name[i])
			i++;
		if (i != w || (w != 3 && w != 4 && name[w] != 0))
			continue;
		size_t p = w;
		if (p < n && s[p] == '.')
			p++;
		if (p < n && s[p] == ',')
			p++;
		size_t sp = npk__spaces(s + p, n - p);
		return sp ? p + sp : 0;
	}
	return 0;
}

/* min..max decimal digits, not followed by another digit. */
static size_t digits(const char *s, size_t n, size_t min, size_t max, int *v)
{
	size_t i = 0;
	int x = 0;
	while (i < n && i < max && npk__is_digit(npk__uc(s, i)))
		x = x * 10 + (s[i++] - '0');
	if (i < min || (i < n && npk__is_digit(npk__uc(s, i))))
		return 0;
	*v = x;
	return i;
}

/* "st", "nd", "rd", "th" after a day number. */
static size_t ordinal_at(const char *s, size_t n)
{
	if (n >= 2 && (npk__ci_prefix(s, n, "st") || npk__ci_prefix(s, n, "nd") ||
	               npk__ci_prefix(s, n, "rd") || npk__ci_prefix(s, n, "th")) &&
	    (n == 2 || !npk__is_alpha(npk__uc(s, 2))))
		return 2;
	return 0;
}

/* ", 2025" or " 2025" from p (the year of "March 3, 2025" and "3 March
 * 2025"): the offset after it, or 0 when there is none. */
static size_t year_after(const char *s, size_t n, size_t p, int *y)
{
	size_t sp, k;
	if (p < n && s[p] == ',')
		p++;
	if ((sp = npk__spaces(s + p, n - p)) == 0)
		return 0;
	p += sp;
	if ((k = digits(s + p, n - p, 4, 4, y)) == 0)
		return 0;
	return p + k;
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
	if (h > 14 || m > 59 || (p < n && npk__is_alnum(npk__uc(s, p))))
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
		if (p + 1 < n && (s[p] == '.' || s[p] == ',') && npk__is_digit(npk__uc(s, p + 1)))
			for (p++; p < n && npk__is_digit(npk__uc(s, p)); p++)
				;
	}
	size_t q = p + npk__spaces(s + p, n - p);
	static const char *const ampm[] = {"a.m.", "p.m.", "am", "pm"};
	for (int i = 0; i < 4; i++) {
		size_t al = strlen(ampm[i]);
		if (npk__ci_prefix(s + q, n - q, ampm[i]) && (q + al == n || !npk__is_alpha(npk__uc(s, q + al)))) {
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
	q = p + npk__spaces(s + p, n - p);
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
		caps = npk__is_upper(npk__uc(s, q + i));
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
		if ((sp = npk__spaces(s + p, n - p)) == 0)
			return 0;
		p += sp;
		if ((k = digits(s + p, n - p, 1, 2, &a)) == 0)
			return 0;
		p += k;
		p += ordinal_at(s + p, n - p);
		if ((p = year_after(s, n, p, &c)) == 0)
			return 0;
		t->y = c;
		t->mo = m;
		t->d = a;
	} else if ((k = digits(s + p, n - p, 1, 2, &a)) != 0) {
		p += k;
		p += ordinal_at(s + p, n - p);
		if ((sp = npk__spaces(s + p, n - p)) == 0)
			return 0;
		p += sp;
		if ((m = month_at(s + p, n - p, &k)) == 0)
			return 0;
		p += k;
		if ((p = year_after(s, n, p, &c)) == 0)
			return 0;
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
size_t npk__date_at(const char *s, size_t n, char out[40])
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
		if (p < n && npk__is_alpha(npk__uc(s, p)))
			return 0;       /* "2025abc" is not a date */
		q = p;
		if (q < n && s[q] == ',')
			q++;
		q += npk__spaces(s + q, n - q);
		if (npk__ci_prefix(s + q, n - q, "at ")) {
			q += 3;
			q += npk__spaces(s + q, n - q);
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
int npk__date_find(const char *s, size_t n, size_t *start, size_t *used, char out[40])
{
	for (size_t i = 0; i < n; i++) {
		if (!npk__is_alnum(npk__uc(s, i)) || (i > 0 && npk__is_alnum(npk__uc(s, i - 1))))
			continue;
		size_t k = npk__date_at(s + i, n - i, out);
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
	size_t k = npk__date_at(s, n, out);
	return k != 0 && k == n;
}
