/* bench-gen: writes a deterministic corpus of synthetic news articles.
 *
 *   bench-gen [-q] -n N -s SEED OUTDIR
 *
 * Writes N plain-text articles under OUTDIR as
 *   OUTDIR/YYYY/MM/DD/DESK/NNNNNNN-headline-slug.txt
 * with about 500 articles a day (so at most a few hundred files a folder),
 * the last day being 2024-12-31. Each article is a headline line, a blank
 * line, a byline "By NAME - BUREAU Month D, YYYY", a blank line, then
 * paragraphs of English news prose built from the vocabulary in words.h
 * (Zipf-like word frequencies, a few thousand distinct words) and a few
 * dozen sentence templates. Article sizes follow a log-normal law with a
 * mean near 3 KB, cut to 300 B .. 30 KB.
 *
 * Every article is generated from its own random stream, seeded by SEED and
 * its number, so the same N and SEED always give byte-identical files.
 * C11 and libc (with libm) only.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "words.h"

#define NDESKS ((int)(sizeof DESKS / sizeof DESKS[0]))
#define PER_DAY 500
#define MAX_ARTICLE 30000
#define MIN_ARTICLE 300
#define MEAN_ARTICLE 3000.0
#define SIGMA 0.65

/* ---------------------------------------------------------------- random */

typedef struct { uint64_t s[4]; } Rng;

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static void rng_seed(Rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t x = seed * 0xD1342543DE82EF95ull + stream * 0x2545F4914F6CDD1Dull + 1;
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix(&x);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t next(Rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
	s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3];
	s[2] ^= t; s[3] = rotl(s[3], 45);
	return result;
}

/* uniform in [0, 1) */
static double unif(Rng *r) { return (double)(next(r) >> 11) * (1.0 / 9007199254740992.0); }
/* uniform integer in [0, n) */
static int rn(Rng *r, int n) { return (int)(unif(r) * n); }
/* true with probability p percent */
static int pct(Rng *r, int p) { return rn(r, 100) < p; }

static double normal(Rng *r)
{
	double u = unif(r), v = unif(r);
	if (u < 1e-300)
		u = 1e-300;
	return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

/* ---------------------------------------------------------------- lists */

typedef struct {
	char **w;    /* words, '_' already turned into ' ' */
	char **pl;   /* plural (nouns), or NULL */
	char **s3, **past, **pp, **ing; /* verb forms, or NULL */
	unsigned char *mass;
	double *cdf; /* Zipf-like cumulative weights, cdf[n-1] == 1 */
	int n;
} List;

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p) {
		fprintf(stderr, "bench-gen: out of memory\n");
		exit(2);
	}
	return p;
}

static char *xstrdup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = 0;
	for (size_t i = 0; i < n; i++)
		if (p[i] == '_')
			p[i] = ' ';
	return p;
}

static char *cat2(const char *a, size_t alen, const char *b)
{
	size_t bl = strlen(b);
	char *p = xmalloc(alen + bl + 1);
	memcpy(p, a, alen);
	memcpy(p + alen, b, bl + 1);
	for (size_t i = 0; p[i]; i++)
		if (p[i] == '_')
			p[i] = ' ';
	return p;
}

static int is_vowel(int c) { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u'; }

static int ends(const char *w, size_t n, const char *suf)
{
	size_t k = strlen(suf);
	return n >= k && memcmp(w + n - k, suf, k) == 0;
}

static void zipf(List *l, double s)
{
	l->cdf = xmalloc(sizeof(double) * (size_t)l->n);
	double t = 0;
	for (int i = 0; i < l->n; i++) {
		t += 1.0 / pow(i + 1.5, s);
		l->cdf[i] = t;
	}
	for (int i = 0; i < l->n; i++)
		l->cdf[i] /= t;
	l->cdf[l->n - 1] = 1.0;
}

static int pick_index(const List *l, Rng *r)
{
	double u = unif(r);
	int lo = 0, hi = l->n - 1;
	while (lo < hi) {
		int mid = (lo + hi) / 2;
		if (l->cdf[mid] > u)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

enum { PLAIN, NOUN, VERB };

/* Splits the strings of src into words, deduplicating, and derives forms. */
static void load(List *l, const char *const *src, int kind, double s)
{
	int cap = 64;
	l->n = 0;
	l->w = xmalloc(sizeof(char *) * (size_t)cap);
	l->pl = kind == NOUN ? xmalloc(sizeof(char *) * (size_t)cap) : NULL;
	l->mass = kind == NOUN ? xmalloc((size_t)cap) : NULL;
	if (kind == VERB) {
		l->s3 = xmalloc(sizeof(char *) * (size_t)cap);
		l->past = xmalloc(sizeof(char *) * (size_t)cap);
		l->pp = xmalloc(sizeof(char *) * (size_t)cap);
		l->ing = xmalloc(sizeof(char *) * (size_t)cap);
	} else {
		l->s3 = l->past = l->pp = l->ing = NULL;
	}
	for (; *src; src++) {
		const char *p = *src;
		while (*p) {
			while (*p == ' ')
				p++;
			if (!*p)
				break;
			const char *e = p;
			while (*e && *e != ' ')
				e++;
			/* fields separated by '/' */
			const char *f[4] = {0};
			size_t fl[4] = {0};
			int nf = 0;
			const char *q = p;
			while (q < e && nf < 4) {
				const char *z = q;
				while (z < e && *z != '/')
					z++;
				f[nf] = q;
				fl[nf] = (size_t)(z - q);
				nf++;
				q = z < e ? z + 1 : z;
			}
			int mass = 0;
			if (fl[0] && f[0][fl[0] - 1] == '*') {
				mass = 1;
				fl[0]--;
			}
			int dup = 0;
			char *w = xstrdup(f[0], fl[0]);
			for (int i = 0; i < l->n; i++)
				if (strcmp(l->w[i], w) == 0)
					dup = 1;
			if (dup) {
				free(w);
				p = e;
				continue;
			}
			if (l->n == cap) {
				cap *= 2;
				l->w = realloc(l->w, sizeof(char *) * (size_t)cap);
				if (kind == NOUN) {
					l->pl = realloc(l->pl, sizeof(char *) * (size_t)cap);
					l->mass = realloc(l->mass, (size_t)cap);
				}
				if (kind == VERB) {
					l->s3 = realloc(l->s3, sizeof(char *) * (size_t)cap);
					l->past = realloc(l->past, sizeof(char *) * (size_t)cap);
					l->pp = realloc(l->pp, sizeof(char *) * (size_t)cap);
					l->ing = realloc(l->ing, sizeof(char *) * (size_t)cap);
				}
				if (!l->w || (kind == NOUN && (!l->pl || !l->mass)) ||
				    (kind == VERB && (!l->s3 || !l->past || !l->pp || !l->ing))) {
					fprintf(stderr, "bench-gen: out of memory\n");
					exit(2);
				}
			}
			int i = l->n++;
			l->w[i] = w;
			if (kind == NOUN) {
				l->mass[i] = (unsigned char)mass;
				const char *b = f[0];
				size_t n = fl[0];
				if (nf > 1)
					l->pl[i] = xstrdup(f[1], fl[1]);
				else if (mass || ends(b, n, "series") || ends(b, n, "species") ||
				         ends(b, n, "innings") || ends(b, n, "fish") || ends(b, n, "yen"))
					l->pl[i] = xstrdup(b, n);
				else if (ends(b, n, "wife") || ends(b, n, "life"))
					l->pl[i] = cat2(b, n - 2, "ves");
				else if (ends(b, n, "half"))
					l->pl[i] = cat2(b, n - 1, "ves");
				else if (ends(b, n, "penny"))
					l->pl[i] = cat2(b, n - 5, "pence");
				else if (ends(b, n, "s") || ends(b, n, "x") || ends(b, n, "z") ||
				         ends(b, n, "ch") || ends(b, n, "sh"))
					l->pl[i] = cat2(b, n, "es");
				else if (n > 1 && b[n - 1] == 'y' && !is_vowel(b[n - 2]))
					l->pl[i] = cat2(b, n - 1, "ies");
				else
					l->pl[i] = cat2(b, n, "s");
			} else if (kind == VERB) {
				/* inflect the first word of "vote_on", keep the rest */
				const char *b = f[0];
				size_t n = fl[0], h = 0;
				while (h < n && b[h] != '_')
					h++;
				char tail[64];
				snprintf(tail, sizeof tail, "%.*s", (int)(n - h), b + h);
				char buf[128];
#define FORM(dst, idx, rule) do { \
	if (nf > (idx)) { snprintf(buf, sizeof buf, "%.*s%s", (int)fl[idx], f[idx], tail); \
	                  (dst) = xstrdup(buf, strlen(buf)); } \
	else { rule; (dst) = xstrdup(buf, strlen(buf)); } } while (0)
				/* third person */
				if (ends(b, h, "s") || ends(b, h, "x") || ends(b, h, "z") || ends(b, h, "ch") ||
				    ends(b, h, "sh") || ends(b, h, "o"))
					snprintf(buf, sizeof buf, "%.*ses%s", (int)h, b, tail);
				else if (h > 1 && b[h - 1] == 'y' && !is_vowel(b[h - 2]))
					snprintf(buf, sizeof buf, "%.*sies%s", (int)h - 1, b, tail);
				else
					snprintf(buf, sizeof buf, "%.*ss%s", (int)h, b, tail);
				l->s3[i] = xstrdup(buf, strlen(buf));
				FORM(l->past[i], 1,
				     if (ends(b, h, "e")) snprintf(buf, sizeof buf, "%.*sd%s", (int)h, b, tail);
				     else if (h > 1 && b[h - 1] == 'y' && !is_vowel(b[h - 2]))
					     snprintf(buf, sizeof buf, "%.*sied%s", (int)h - 1, b, tail);
				     else snprintf(buf, sizeof buf, "%.*sed%s", (int)h, b, tail));
				FORM(l->pp[i], 2, snprintf(buf, sizeof buf, "%s", l->past[i]));
				FORM(l->ing[i], 3,
				     if (ends(b, h, "ie")) snprintf(buf, sizeof buf, "%.*sying%s", (int)h - 2, b, tail);
				     else if (ends(b, h, "e") && !ends(b, h, "ee") && !ends(b, h, "ye") && !ends(b, h, "oe"))
					     snprintf(buf, sizeof buf, "%.*sing%s", (int)h - 1, b, tail);
				     else snprintf(buf, sizeof buf, "%.*sing%s", (int)h, b, tail));
#undef FORM
			}
			p = e;
		}
	}
	zipf(l, s);
}

static List L_noun, L_mass, L_desk[NDESKS], L_verb, L_iverb, L_adj, L_adv, L_ff, L_fm, L_sur,
	L_city, L_country, L_day, L_orgkind, L_orgname, L_orgfield, L_outlet, L_role, L_prep;

static void load_all(void)
{
	load(&L_noun, NOUNS, NOUN, 0.6);
	load(&L_mass, MASS, NOUN, 0.8);
	for (int d = 0; d < NDESKS; d++)
		load(&L_desk[d], DESK_NOUNS[d], NOUN, 0.8);
	load(&L_verb, VERBS, VERB, 0.6);
	load(&L_iverb, IVERBS, VERB, 1.0);
	load(&L_adj, ADJS, PLAIN, 0.6);
	load(&L_adv, ADVS, PLAIN, 1.0);
	load(&L_ff, FIRST_F, PLAIN, 0.7);
	load(&L_fm, FIRST_M, PLAIN, 0.7);
	load(&L_sur, SURNAMES, PLAIN, 0.5);
	load(&L_city, CITIES, PLAIN, 0.9);
	load(&L_country, COUNTRIES, PLAIN, 0.9);
	load(&L_day, WEEKDAYS, PLAIN, 0.0);
	load(&L_orgkind, ORG_KINDS, PLAIN, 0.8);
	load(&L_orgname, ORG_NAMES, PLAIN, 0.7);
	load(&L_orgfield, ORG_FIELDS, PLAIN, 0.7);
	load(&L_outlet, OUTLETS, PLAIN, 0.8);
	load(&L_role, ROLES, PLAIN, 0.9);
	load(&L_prep, PREPS, PLAIN, 0.6);
}

static const char *pick(const List *l, Rng *r) { return l->w[pick_index(l, r)]; }

/* ---------------------------------------------------------------- text */

typedef struct {
	char first[32], last[32];
	const char *role;
	char org[96];
	int female, said;
} Person;

typedef struct {
	char full[96], shortname[64];
	int said;
} Org;

typedef struct {
	Rng *r;
	char *buf;
	size_t len, cap;
	size_t sent;     /* where the current sentence starts */
	int nosp;        /* next word takes no leading space */
	int desk, year, month, mday;
	Person ppl[6];
	int npeople;
	Org org[2];
	int key[6], nkey;
	const char *city, *country;
	char town[40], brand[40];
} Ctx;

static void raw(Ctx *c, const char *s, size_t n)
{
	if (c->len + n + 1 > c->cap)
		n = c->cap - c->len - 1; /* cannot happen: articles end well before cap */
	memcpy(c->buf + c->len, s, n);
	c->len += n;
}

/* Appends a word (or words) with a leading space unless at a start. */
static void w(Ctx *c, const char *s)
{
	if (!c->nosp && c->len > 0)
		raw(c, " ", 1);
	c->nosp = 0;
	raw(c, s, strlen(s));
}

static void wf(Ctx *c, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	w(c, tmp);
}

/* Appends punctuation with no space. */
static void p(Ctx *c, const char *s) { raw(c, s, strlen(s)); }

static void open_quote(Ctx *c)
{
	w(c, "\"");
	c->nosp = 1;
}

static void begin_sentence(Ctx *c)
{
	c->sent = c->len + (c->len > 0 && !c->nosp ? 1 : 0);
}

static void end_sentence(Ctx *c, const char *punct)
{
	p(c, punct);
	size_t i = c->sent;
	while (i < c->len && (c->buf[i] == ' ' || c->buf[i] == '"'))
		i++;
	if (i < c->len && c->buf[i] >= 'a' && c->buf[i] <= 'z')
		c->buf[i] = (char)(c->buf[i] - 'a' + 'A');
}

static const char *article_for(const char *word)
{
	if (strncmp(word, "uni", 3) == 0 || strncmp(word, "use", 3) == 0 ||
	    strncmp(word, "one", 3) == 0 || strncmp(word, "eu", 2) == 0)
		return "a";
	if (strncmp(word, "hour", 4) == 0 || strncmp(word, "honest", 6) == 0)
		return "an";
	return is_vowel(word[0]) ? "an" : "a";
}

static const char *SMALL[] = { "no", "one", "two", "three", "four", "five", "six", "seven",
	"eight", "nine", "ten" };

static void number(Ctx *c, int lo, int hi)
{
	int n = lo + rn(c->r, hi - lo + 1);
	if (n <= 10 && pct(c->r, 80))
		w(c, SMALL[n]);
	else if (n >= 1000)
		wf(c, "%d,%03d", n / 1000, n % 1000);
	else
		wf(c, "%d", n);
}

/* a count of things: "three", "1,250", "about 40", "dozens of" */
static void count(Ctx *c)
{
	int k = rn(c->r, 10);
	if (k < 4)
		number(c, 2, 12);
	else if (k < 7)
		number(c, 12, 900);
	else if (k < 8) {
		w(c, pct(c->r, 50) ? "about" : "more than");
		number(c, 20, 5000);
	} else if (k < 9)
		number(c, 1000, 90000);
	else
		w(c, pct(c->r, 50) ? "dozens of" : "hundreds of");
}

static void percent(Ctx *c)
{
	int n = rn(c->r, 60);
	if (pct(c->r, 50))
		wf(c, "%d.%d%%", n, rn(c->r, 10));
	else
		wf(c, "%d per cent", n + 1);
}

static void money(Ctx *c)
{
	static const char *cur[] = { "$", "\xC2\xA3", "\xE2\x82\xAC" };
	const char *cu = cur[rn(c->r, pct(c->r, 85) ? 2 : 3)];
	int k = rn(c->r, 4);
	if (k == 0)
		wf(c, "%s%d.%dbn", cu, 1 + rn(c->r, 40), rn(c->r, 10));
	else if (k == 1)
		wf(c, "%s%dm", cu, 1 + rn(c->r, 900));
	else if (k == 2)
		wf(c, "%s%d,%03d", cu, 1 + rn(c->r, 90), rn(c->r, 1000));
	else
		wf(c, "%s%d.%d million", cu, 1 + rn(c->r, 20), rn(c->r, 10));
}

static int year_near(Ctx *c, int back) { return c->year - rn(c->r, back + 1); }

static const char *month_name(int m) { return MONTHS[(m + 12) % 12]; }

/* ------------------------------------------------------------ phrases */

static void noun_sg(Ctx *c, int adj)
{
	int m = rn(c->r, 10);
	if (m < 2 && c->nkey) {
		int i = c->key[rn(c->r, c->nkey)];
		const List *l = &L_desk[c->desk];
		if (adj && pct(c->r, 25))
			w(c, pick(&L_adj, c->r));
		w(c, l->w[i]);
		return;
	}
	if (adj && pct(c->r, 35))
		w(c, pick(&L_adj, c->r));
	if (adj && pct(c->r, 15))
		w(c, pick(&L_noun, c->r));
	w(c, pick(&L_noun, c->r));
}

static const char *noun_pl_word(Ctx *c)
{
	if (c->nkey && pct(c->r, 20)) {
		const List *l = &L_desk[c->desk];
		return l->pl[c->key[rn(c->r, c->nkey)]];
	}
	return L_noun.pl[pick_index(&L_noun, c->r)];
}

static void noun_pl(Ctx *c, int adj)
{
	if (adj && pct(c->r, 40))
		w(c, pick(&L_adj, c->r));
	if (adj && pct(c->r, 15))
		w(c, pick(&L_noun, c->r));
	w(c, noun_pl_word(c));
}

/* "a new report", "the council", "its budget" */
static void det_np(Ctx *c)
{
	static const char *dets[] = { "the", "the", "the", "a", "a", "a", "its", "their", "his", "her", "this", "another", "every", "that", "one", "any" };
	const char *d = dets[rn(c->r, 16)];
	if (strcmp(d, "a") == 0) {
		/* choose the words first to pick "a" or "an" */
		char tmp[128];
		const char *adj = pct(c->r, 40) ? pick(&L_adj, c->r) : NULL;
		const char *n = (c->nkey && pct(c->r, 20)) ? L_desk[c->desk].w[c->key[rn(c->r, c->nkey)]]
		                                           : pick(&L_noun, c->r);
		snprintf(tmp, sizeof tmp, "%s", adj ? adj : n);
		w(c, article_for(tmp));
		if (adj)
			w(c, adj);
		w(c, n);
		return;
	}
	if (strcmp(d, "the") == 0 && pct(c->r, 12)) {
		/* a possessive: "the council's", "Ms Smith's" */
		Person *pe = &c->ppl[rn(c->r, c->npeople)];
		if (pe->said && pct(c->r, 50))
			wf(c, "%s's", pe->last);
		else {
			w(c, "the");
			wf(c, "%s's", pick(&L_noun, c->r));
		}
		noun_sg(c, 1);
		return;
	}
	w(c, d);
	noun_sg(c, 1);
}

static void person_ref(Ctx *c, Person *pe, int mode);
static void org_ref(Ctx *c, Org *o);
static void np(Ctx *c, int depth);

static void mass_np(Ctx *c)
{
	int k = rn(c->r, 5);
	if (k == 0)
		w(c, "more");
	else if (k == 1)
		w(c, pct(c->r, 50) ? "its" : "their");
	else if (k == 2)
		w(c, pick(&L_adj, c->r));
	w(c, pick(&L_mass, c->r));
}

/* object noun phrase */
static void np(Ctx *c, int depth)
{
	int k = rn(c->r, 100);
	if (k < 40)
		det_np(c);
	else if (k < 55) {
		count(c);
		noun_pl(c, 1);
	} else if (k < 65)
		mass_np(c);
	else if (k < 72) {
		w(c, "the");
		noun_pl(c, 1);
	} else if (k < 82 && depth < 2) {
		det_np(c);
		w(c, "of");
		if (pct(c->r, 50)) {
			w(c, "the");
			noun_pl(c, 0);
		} else
			np(c, depth + 1);
	} else if (k < 88 && depth < 2) {
		w(c, pct(c->r, 50) ? "plans to" : "a proposal to");
		w(c, pick(&L_verb, c->r));
		np(c, depth + 1);
	} else if (k < 94)
		org_ref(c, &c->org[rn(c->r, 2)]);
	else {
		noun_pl(c, 1);
		w(c, "and");
		noun_pl(c, 0);
	}
}

static void place(Ctx *c)
{
	int k = rn(c->r, 10);
	if (k < 2)
		w(c, c->town);
	else if (k < 5)
		w(c, c->city);
	else if (k < 7)
		w(c, c->country);
	else if (k < 9)
		w(c, pick(&L_city, c->r));
	else
		w(c, pick(&L_country, c->r));
}

static void when(Ctx *c)
{
	static const char *rel[] = { "last week", "last month", "last year", "earlier this month",
		"earlier this year", "this week", "on Monday", "in recent weeks", "in recent months",
		"this year", "next year", "later this year", "next month", "by the end of the year" };
	int k = rn(c->r, 12);
	if (k < 3)
		wf(c, "on %s", pick(&L_day, c->r));
	else if (k < 6)
		w(c, rel[rn(c->r, 14)]);
	else if (k < 8)
		wf(c, "in %s", month_name(c->month - 1 - rn(c->r, 6)));
	else if (k < 9)
		wf(c, "in %d", year_near(c, 12));
	else if (k < 10)
		wf(c, "on %d %s", 1 + rn(c->r, 28), month_name(c->month - rn(c->r, 3)));
	else if (k < 11)
		wf(c, "at about %d:%02d %s", 1 + rn(c->r, 12), rn(c->r, 12) * 5, pct(c->r, 50) ? "GMT" : "local time");
	else
		wf(c, "on %s %s", pick(&L_day, c->r), pct(c->r, 50) ? "morning" : (pct(c->r, 50) ? "evening" : "night"));
}

/* prepositional phrase */
static void pp(Ctx *c)
{
	int k = rn(c->r, 10);
	if (k < 3) {
		w(c, "in");
		place(c);
	} else if (k < 5)
		when(c);
	else if (k < 6 && pct(c->r, 15)) {
		wf(c, "for the first time since %d", year_near(c, 30) - 1);
	} else {
		w(c, pick(&L_prep, c->r));
		np(c, 1);
	}
}

/* An invented proper name from English-like syllables: "Brackenford",
 * "Oyelani", "Tavistow". News is full of names seen once; these give the
 * text its share of rare words. kind: 0 surname, 1 place, 2 brand. */
static void coin(Rng *r, int kind, char *out, size_t cap)
{
	static const char *on[] = { "b", "br", "c", "ch", "cr", "d", "dr", "f", "fl", "g", "gr", "h",
		"j", "k", "l", "m", "n", "p", "pr", "r", "s", "sh", "st", "t", "th", "tr", "v", "w", "y", "z" };
	static const char *vo[] = { "a", "e", "i", "o", "u", "a", "e", "o", "ai", "ea", "ou", "ie", "y" };
	static const char *co[] = { "", "", "", "n", "r", "l", "s", "m", "nd", "rk", "st", "th", "ck", "ll", "nt" };
	static const char *sur[] = { "son", "ley", "er", "ton", "ski", "ova", "ez", "ini", "well", "by", "man", "ard", "ani", "enko", "berg" };
	static const char *plc[] = { "ford", "ton", "bury", "field", "ham", "wick", "by", "mouth", "ley", "stead", "dale", "worth", "bridge", "minster", "haven" };
	static const char *brd[] = { "ix", "a", "on", "ex", "ara", "io", "um", "is", "o", "ent" };
	size_t n = 0;
	int syl = 1 + rn(r, 2);
	for (int i = 0; i < syl; i++) {
		n += (size_t)snprintf(out + n, cap - n, "%s%s%s", on[rn(r, 30)], vo[rn(r, 13)],
		                      i + 1 < syl ? "" : co[rn(r, 15)]);
		if (n >= cap)
			break;
	}
	if (n < cap) {
		const char *suf = kind == 0 ? sur[rn(r, 15)] : kind == 1 ? plc[rn(r, 15)] : brd[rn(r, 10)];
		snprintf(out + n, cap - n, "%s", suf);
	}
	if (out[0] >= 'a' && out[0] <= 'z')
		out[0] = (char)(out[0] - 'a' + 'A');
}

static void make_person(Ctx *c, Person *pe)
{
	pe->female = pct(c->r, 45);
	snprintf(pe->first, sizeof pe->first, "%s", pick(pe->female ? &L_ff : &L_fm, c->r));
	if (pct(c->r, 50))
		coin(c->r, 0, pe->last, sizeof pe->last);
	else
		snprintf(pe->last, sizeof pe->last, "%s", pick(&L_sur, c->r));
	pe->role = pick(&L_role, c->r);
	snprintf(pe->org, sizeof pe->org, "%s", c->org[rn(c->r, 2)].full);
	pe->said = 0;
}

static void make_org(Ctx *c, Org *o)
{
	int k = rn(c->r, 8);
	const char *kind = pick(&L_orgkind, c->r);
	if (k == 0) {
		const char *f = pick(&L_orgfield, c->r);
		snprintf(o->full, sizeof o->full, "the Ministry of %s", f);
		snprintf(o->shortname, sizeof o->shortname, "the ministry");
	} else if (k == 1) {
		snprintf(o->full, sizeof o->full, "%s %s", c->city, kind);
		for (char *q = o->full; *q; q++)
			if (*q == '_')
				*q = ' ';
		snprintf(o->shortname, sizeof o->shortname, "the %s", kind);
		o->shortname[4] = (char)(o->shortname[4] - 'A' + 'a');
	} else {
		const char *n = pct(c->r, 40) ? c->brand : pick(&L_orgname, c->r);
		const char *f = pct(c->r, 60) ? pick(&L_orgfield, c->r) : NULL;
		if (f)
			snprintf(o->full, sizeof o->full, "the %s %s %s", n, f, kind);
		else
			snprintf(o->full, sizeof o->full, "%s %s", n, kind);
		snprintf(o->shortname, sizeof o->shortname, "%s", n);
	}
	o->said = 0;
}

static void org_ref(Ctx *c, Org *o)
{
	if (!o->said || pct(c->r, 40)) {
		w(c, o->full);
		o->said = 1;
	} else
		w(c, o->shortname);
}

/* mode: 0 subject (a verb follows), 1 anything else */
static void person_ref(Ctx *c, Person *pe, int mode)
{
	if (!pe->said) {
		pe->said = 1;
		if (pct(c->r, 50)) {
			wf(c, "%s %s,", pe->first, pe->last);
			wf(c, "the %s of %s%s", pe->role, pe->org, mode == 0 ? "," : "");
		} else
			wf(c, "%s's %s %s %s", pe->org, pe->role, pe->first, pe->last);
		return;
	}
	int k = rn(c->r, 10);
	if (mode == 0 && k < 2)
		w(c, pe->female ? "she" : "he");
	else if (k < 5)
		wf(c, "%s %s", pe->female ? "Ms" : "Mr", pe->last);
	else if (k < 8)
		w(c, pe->last);
	else
		wf(c, "%s %s", pe->first, pe->last);
}

static Person *some_person(Ctx *c) { return &c->ppl[rn(c->r, c->npeople)]; }

/* subject; sets *plural */
static void subject(Ctx *c, int *plural)
{
	static const char *groups[] = { "officials", "residents", "critics", "analysts", "experts",
		"campaigners", "ministers", "investors", "economists", "police", "doctors",
		"researchers", "local people", "opposition politicians", "union leaders" };
	int k = rn(c->r, 100);
	*plural = 0;
	if (k < 30)
		person_ref(c, some_person(c), 0);
	else if (k < 50)
		org_ref(c, &c->org[rn(c->r, 2)]);
	else if (k < 70) {
		w(c, "the");
		noun_sg(c, 1);
	} else if (k < 82) {
		if (pct(c->r, 30))
			w(c, "the");
		noun_pl(c, 1);
		*plural = 1;
	} else {
		w(c, groups[rn(c->r, 15)]);
		*plural = 1;
	}
}

/* reporting verbs, "said" first */
static const char *said(Ctx *c)
{
	static const char *v[] = { "said", "added", "told reporters", "warned", "argued", "insisted",
		"noted", "explained", "claimed", "stressed", "admitted", "acknowledged", "suggested",
		"conceded", "predicted", "wrote", "recalled", "complained" };
	return pct(c->r, 55) ? "said" : v[rn(c->r, 18)];
}

static const char *verb_past(Ctx *c) { return L_verb.past[pick_index(&L_verb, c->r)]; }
static const char *verb_base(Ctx *c) { return pick(&L_verb, c->r); }
static const char *verb_pp(Ctx *c) { return L_verb.pp[pick_index(&L_verb, c->r)]; }
static const char *verb_ing(Ctx *c) { return L_verb.ing[pick_index(&L_verb, c->r)]; }

/* a clause in the past tense: "the council approved a new budget in March" */
static void clause_past(Ctx *c)
{
	int pl;
	subject(c, &pl);
	if (pct(c->r, 12))
		w(c, pick(&L_adv, c->r));
	w(c, verb_past(c));
	np(c, 0);
	if (pct(c->r, 60))
		pp(c);
}

/* the content of a quotation, present tense, one or two sentences */
static void quote_body(Ctx *c)
{
	int k = rn(c->r, 10);
	switch (k) {
	case 0:
		w(c, pct(c->r, 50) ? "we're" : (pct(c->r, 50) ? "we are" : "they're"));
		w(c, verb_ing(c));
		np(c, 0);
		if (pct(c->r, 50))
			pp(c);
		break;
	case 1: {
		const char *adj = pick(&L_adj, c->r);
		w(c, pct(c->r, 50) ? "this is" : "it's");
		w(c, article_for(adj));
		w(c, adj);
		w(c, pick(&L_noun, c->r));
		w(c, "for");
		np(c, 1);
		break;
	}
	case 2:
		w(c, pct(c->r, 50) ? "we will" : "we must");
		w(c, verb_base(c));
		np(c, 0);
		w(c, "and");
		w(c, verb_base(c));
		np(c, 1);
		break;
	case 3:
		w(c, "I think");
		clause_past(c);
		break;
	case 4:
		w(c, pct(c->r, 50) ? "people want to" : (pct(c->r, 50) ? "we don't want to" : "I'm not going to"));
		w(c, verb_base(c));
		np(c, 0);
		break;
	case 5:
		w(c, pct(c->r, 50) ? "there is no" : "there's no");
		w(c, pick(&L_noun, c->r));
		w(c, "that can");
		w(c, verb_base(c));
		np(c, 0);
		break;
	case 6: {
		const char *adj = pick(&L_adj, c->r);
		w(c, "it has been");
		w(c, article_for(adj));
		w(c, adj);
		w(c, pick(&L_noun, c->r));
		w(c, "for");
		np(c, 1);
		break;
	}
	case 7:
		w(c, "we have");
		w(c, verb_pp(c));
		np(c, 0);
		pp(c);
		break;
	case 8:
		w(c, "nobody expected");
		np(c, 0);
		w(c, "to");
		w(c, verb_base(c));
		np(c, 1);
		break;
	default:
		w(c, "the");
		w(c, pick(&L_noun, c->r));
		w(c, "is");
		w(c, pick(&L_adj, c->r));
		w(c, pct(c->r, 50) ? "but" : "and");
		w(c, "we");
		w(c, pct(c->r, 50) ? "will" : (pct(c->r, 50) ? "can't" : "won't"));
		w(c, verb_base(c));
		np(c, 1);
	}
}

static void quote(Ctx *c)
{
	Person *pe = some_person(c);
	int k = rn(c->r, 4);
	begin_sentence(c);
	if (k < 2) {
		open_quote(c);
		quote_body(c);
		if (pct(c->r, 35)) {
			end_sentence(c, ".");
			begin_sentence(c);
			quote_body(c);
		}
		p(c, ",\"");
		const char *sv = said(c);
		if (k == 0 && !strchr(sv, ' ')) {
			w(c, sv);
			person_ref(c, pe, 1);
		} else {
			person_ref(c, pe, 0);
			w(c, sv);
		}
		size_t save = c->sent;
		end_sentence(c, ".");
		c->sent = save;
	} else {
		person_ref(c, pe, 0);
		if (k == 2)
			wf(c, "%s:", said(c));
		else
			w(c, "told");
		if (k == 3) {
			w(c, pick(&L_outlet, c->r));
			p(c, ":");
		}
		open_quote(c);
		size_t s0 = c->sent;
		c->sent = c->len;
		quote_body(c);
		end_sentence(c, ".");
		p(c, "\"");
		c->sent = s0;
		end_sentence(c, "");
	}
}

static void core(Ctx *c, int k)
{
	int pl;
	switch (k) {
	case 0: case 1: case 2:
		clause_past(c);
		break;
	case 3: case 4:
		subject(c, &pl);
		w(c, said(c));
		if (pct(c->r, 40))
			w(c, "that");
		clause_past(c);
		break;
	case 5:
		subject(c, &pl);
		w(c, said(c));
		w(c, pl ? "they would" : "it would");
		w(c, verb_base(c));
		np(c, 0);
		pp(c);
		break;
	case 6: case 7:
		clause_past(c);
		break;
	case 8:
		count(c);
		w(c, noun_pl_word(c));
		w(c, "were");
		w(c, verb_pp(c));
		pp(c);
		when(c);
		p(c, ",");
		if (pct(c->r, 50))
			w(c, "officials said");
		else {
			w(c, "according to");
			org_ref(c, &c->org[rn(c->r, 2)]);
		}
		break;
	case 9:
		percent(c);
		w(c, "of");
		w(c, noun_pl_word(c));
		w(c, verb_past(c));
		np(c, 0);
		p(c, ",");
		{
			static const char *src[] = { "according to a survey by", "according to figures from",
				"a study by", "research by", "data from", "a report by", "estimates by",
				"a poll for", "an analysis by", "official figures from" };
			int s = rn(c->r, 10);
			w(c, src[s]);
			org_ref(c, &c->org[rn(c->r, 2)]);
			if (s > 1)
				w(c, pct(c->r, 50) ? "found" : "suggested");
		}
		break;
	case 10:
		when(c);
		p(c, ",");
		clause_past(c);
		break;
	case 11:
		subject(c, &pl);
		w(c, pl ? "have" : "has");
		w(c, verb_pp(c));
		np(c, 0);
		if (pct(c->r, 50))
			wf(c, "since %d", year_near(c, 15));
		break;
	case 12:
		w(c, "the");
		noun_sg(c, 0);
		p(c, ",");
		w(c, "which");
		w(c, verb_past(c));
		np(c, 1);
		p(c, ",");
		w(c, pct(c->r, 50) ? "is expected to" : (pct(c->r, 50) ? "is likely to" : "could"));
		w(c, verb_base(c));
		np(c, 0);
		wf(c, "by %s", month_name(c->month + rn(c->r, 6)));
		break;
	case 13:
		w(c, "but");
		w(c, pick(&L_adj, c->r));
		w(c, noun_pl_word(c));
		w(c, "say");
		subject(c, &pl);
		w(c, pct(c->r, 50) ? "could" : "would");
		w(c, verb_base(c));
		np(c, 0);
		break;
	case 14: {
		const List *l = &L_desk[c->desk];
		w(c, pct(c->r, 50) ? "the" : "its");
		w(c, c->nkey ? l->w[c->key[rn(c->r, c->nkey)]] : pick(&L_noun, c->r));
		w(c, L_iverb.past[pick_index(&L_iverb, c->r)]);
		percent(c);
		w(c, "to");
		money(c);
		if (pct(c->r, 50))
			wf(c, "in the year to %s", month_name(c->month - 1 - rn(c->r, 4)));
		else
			when(c);
		break;
	}
	case 15:
		person_ref(c, some_person(c), 0);
		w(c, "told");
		w(c, pick(&L_outlet, c->r));
		w(c, "that");
		clause_past(c);
		break;
	case 16:
		w(c, "it is the");
		w(c, pct(c->r, 50) ? "first" : (pct(c->r, 50) ? "second" : "latest"));
		w(c, pick(&L_noun, c->r));
		w(c, "to");
		w(c, verb_base(c));
		np(c, 1);
		wf(c, "since %d", year_near(c, 20));
		break;
	case 17: {
		Person *pe = some_person(c);
		person_ref(c, pe, 1);
		p(c, ",");
		w(c, "who");
		w(c, verb_past(c));
		np(c, 1);
		wf(c, "in %d,", year_near(c, 25) - 1);
		w(c, verb_past(c));
		np(c, 0);
		break;
	}
	case 18:
		w(c, "there are now");
		count(c);
		w(c, noun_pl_word(c));
		w(c, "in");
		place(c);
		p(c, ",");
		w(c, "up from");
		number(c, 2, 900);
		wf(c, "in %d", year_near(c, 10) - 1);
		break;
	case 19:
		subject(c, &pl);
		w(c, pl ? "are" : "is");
		w(c, "due to");
		w(c, verb_base(c));
		np(c, 0);
		wf(c, "on %s", pick(&L_day, c->r));
		break;
	case 20:
		w(c, pick(&L_adv, c->r));
		p(c, ",");
		clause_past(c);
		w(c, "and");
		w(c, verb_past(c));
		np(c, 1);
		break;
	case 21:
		org_ref(c, &c->org[rn(c->r, 2)]);
		w(c, pct(c->r, 50) ? "did not respond to a request for comment" : "declined to comment");
		if (pct(c->r, 40)) {
			w(c, "on");
			np(c, 1);
		}
		break;
	case 22:
		subject(c, &pl);
		w(c, pl ? "say" : "says");
		w(c, "the");
		noun_sg(c, 0);
		w(c, "will");
		w(c, verb_base(c));
		money(c);
		w(c, "over the next");
		number(c, 2, 10);
		w(c, "years");
		break;
	case 24: case 25:
		/* passive */
		subject(c, &pl);
		w(c, pl ? "were" : "was");
		if (pct(c->r, 20))
			w(c, pick(&L_adv, c->r));
		w(c, verb_pp(c));
		if (pct(c->r, 40)) {
			w(c, "by");
			np(c, 1);
		}
		pp(c);
		break;
	case 26:
		subject(c, &pl);
		if (pct(c->r, 50)) {
			w(c, "did not");
			w(c, verb_base(c));
		} else {
			w(c, pl ? "have not yet" : "has not yet");
			w(c, verb_pp(c));
		}
		np(c, 0);
		break;
	case 27:
		subject(c, &pl);
		w(c, pct(c->r, 50) ? "will" : (pct(c->r, 50) ? "would" : "could"));
		if (pct(c->r, 30))
			w(c, "not");
		if (pct(c->r, 30))
			w(c, "be able to");
		w(c, verb_base(c));
		np(c, 0);
		if (pct(c->r, 50))
			pp(c);
		break;
	case 28:
		subject(c, &pl);
		w(c, pl ? "are" : "is");
		if (pct(c->r, 30))
			w(c, pct(c->r, 50) ? "not" : "still");
		w(c, pick(&L_adj, c->r));
		if (pct(c->r, 50)) {
			w(c, "to");
			w(c, verb_base(c));
			np(c, 1);
		} else {
			w(c, pct(c->r, 50) ? "about" : "with");
			np(c, 1);
		}
		break;
	case 29:
		w(c, pct(c->r, 50) ? "it was not clear whether" : "it is not yet known whether");
		subject(c, &pl);
		w(c, "would");
		w(c, verb_base(c));
		np(c, 0);
		break;
	case 30:
		w(c, "if");
		subject(c, &pl);
		w(c, pl ? L_verb.w[pick_index(&L_verb, c->r)] : L_verb.s3[pick_index(&L_verb, c->r)]);
		np(c, 1);
		p(c, ",");
		w(c, pct(c->r, 50) ? "they" : "it");
		w(c, pct(c->r, 50) ? "will" : "could");
		w(c, verb_base(c));
		np(c, 1);
		break;
	case 31: {
		Person *pe = some_person(c);
		person_ref(c, pe, 0);
		w(c, verb_past(c));
		w(c, pe->female ? "her" : "his");
		noun_sg(c, 1);
		w(c, pct(c->r, 50) ? "with" : "and");
		np(c, 1);
		break;
	}
	case 32:
		subject(c, &pl);
		w(c, pl ? "have been" : "has been");
		w(c, verb_ing(c));
		np(c, 0);
		wf(c, "for %s", pct(c->r, 50) ? "years" : (pct(c->r, 50) ? "months" : "more than a decade"));
		break;
	case 33:
		w(c, pct(c->r, 50) ? "more than" : "fewer than");
		number(c, 2, 400);
		w(c, noun_pl_word(c));
		w(c, verb_past(c));
		np(c, 1);
		p(c, ",");
		w(c, pct(c->r, 50) ? "compared with" : "against");
		number(c, 2, 400);
		wf(c, "%s", pct(c->r, 50) ? "a year earlier" : "in the previous year");
		break;
	case 34:
		if (pct(c->r, 40))
			w(c, "they were");
		else
			w(c, pct(c->r, 50) ? "he was" : "she was");
		w(c, pct(c->r, 50) ? "among" : "one of");
		count(c);
		w(c, noun_pl_word(c));
		w(c, "who");
		w(c, verb_past(c));
		np(c, 1);
		break;
	case 35:
		subject(c, &pl);
		w(c, "and");
		np(c, 1);
		w(c, "both");
		w(c, verb_past(c));
		np(c, 1);
		w(c, pct(c->r, 50) ? "or" : "but");
		w(c, pct(c->r, 50) ? "not" : "also");
		np(c, 1);
		break;
	default:
		subject(c, &pl);
		w(c, L_iverb.past[pick_index(&L_iverb, c->r)]);
		if (pct(c->r, 50))
			pp(c);
		p(c, ",");
		w(c, "and");
		clause_past(c);
		break;
	}
}

static void prefix(Ctx *c)
{
	static const char *conj[] = { "after", "before", "despite", "amid", "following", "without" };
	int pl, k = rn(c->r, 12);
	switch (k) {
	case 0:
		wf(c, "on %s,", pick(&L_day, c->r));
		break;
	case 1:
		w(c, pct(c->r, 50) ? "in a statement," : "speaking to reporters,");
		break;
	case 2:
		w(c, conj[rn(c->r, 6)]);
		np(c, 1);
		p(c, ",");
		break;
	case 3:
		w(c, "in");
		place(c);
		p(c, ",");
		break;
	case 4:
		w(c, pick(&L_adv, c->r));
		p(c, ",");
		break;
	case 5:
		w(c, "as");
		subject(c, &pl);
		w(c, L_iverb.past[pick_index(&L_iverb, c->r)]);
		p(c, ",");
		break;
	case 6:
		w(c, "according to");
		org_ref(c, &c->org[rn(c->r, 2)]);
		p(c, ",");
		break;
	case 7:
		w(c, "for");
		number(c, 2, 40);
		w(c, pct(c->r, 50) ? "years," : "months,");
		break;
	case 8:
		w(c, "when");
		clause_past(c);
		p(c, ",");
		break;
	case 9:
		w(c, pct(c->r, 50) ? "although" : "while");
		subject(c, &pl);
		w(c, pl ? "have" : "has");
		w(c, verb_pp(c));
		np(c, 1);
		p(c, ",");
		break;
	case 10:
		when(c);
		p(c, ",");
		break;
	default:
		w(c, pct(c->r, 50) ? "by" : "in");
		wf(c, "%s %d,", month_name(c->month - rn(c->r, 8)), year_near(c, 3));
	}
}

static void suffix(Ctx *c)
{
	int pl, k = rn(c->r, 10);
	switch (k) {
	case 0:
		w(c, pct(c->r, 50) ? "after" : "because");
		clause_past(c);
		break;
	case 1:
		w(c, "while");
		subject(c, &pl);
		w(c, pl ? "were" : "was");
		w(c, verb_ing(c));
		np(c, 1);
		break;
	case 2:
		w(c, "although");
		subject(c, &pl);
		w(c, "had");
		w(c, verb_pp(c));
		np(c, 1);
		break;
	case 3:
		p(c, ",");
		w(c, "which");
		w(c, verb_past(c));
		np(c, 1);
		break;
	case 4:
		p(c, ",");
		w(c, "saying");
		clause_past(c);
		break;
	case 5:
		w(c, "to");
		w(c, verb_base(c));
		np(c, 1);
		break;
	case 6:
		w(c, "before");
		subject(c, &pl);
		w(c, "could");
		w(c, verb_base(c));
		np(c, 1);
		break;
	case 7:
		p(c, ",");
		w(c, pct(c->r, 50) ? "up from" : "down from");
		percent(c);
		wf(c, "in %d", year_near(c, 6) - 1);
		break;
	case 8:
		w(c, "and");
		w(c, verb_past(c));
		np(c, 1);
		break;
	default:
		w(c, "as part of");
		det_np(c);
	}
}

static void sentence(Ctx *c)
{
	int k = rn(c->r, 44);
	if (k >= 36) {
		quote(c);
		return;
	}
	begin_sentence(c);
	/* stock sentences are kept rare */
	if ((k == 16 || k == 18 || k == 19 || k == 21 || k == 22) && pct(c->r, 60))
		k = rn(c->r, 3);
	if (k != 13 && k != 18 && k != 29 && k != 30 && pct(c->r, 25))
		prefix(c);
	core(c, k);
	if (k != 21 && pct(c->r, 30))
		suffix(c);
	end_sentence(c, ".");
}

/* ------------------------------------------------------------ article */

static void headline(Ctx *c)
{
	int pl, k = rn(c->r, 5);
	begin_sentence(c);
	const List *l = &L_desk[c->desk];
	switch (k) {
	case 0:
		w(c, pct(c->r, 50) ? c->org[0].shortname + (strncmp(c->org[0].shortname, "the ", 4) ? 0 : 4)
		                   : l->pl[c->key[0]]);
		w(c, L_verb.w[pick_index(&L_verb, c->r)]);
		if (pct(c->r, 50))
			w(c, pick(&L_adj, c->r));
		w(c, l->w[c->key[1 % c->nkey]]);
		w(c, pick(&L_noun, c->r));
		w(c, pick(&L_prep, c->r));
		w(c, pick(&L_noun, c->r));
		break;
	case 1:
		w(c, c->ppl[0].last);
		w(c, "says");
		w(c, l->w[c->key[0]]);
		w(c, pick(&L_noun, c->r));
		w(c, "will");
		w(c, verb_base(c));
		w(c, noun_pl_word(c));
		break;
	case 2:
		w(c, l->w[c->key[0]]);
		w(c, L_noun.pl[pick_index(&L_noun, c->r)]);
		w(c, L_iverb.w[pick_index(&L_iverb, c->r)]);
		percent(c);
		wf(c, "in %s", month_name(c->month - 1));
		break;
	case 3:
		w(c, c->city);
		w(c, l->w[c->key[0]]);
		w(c, L_verb.s3[pick_index(&L_verb, c->r)]);
		noun_pl(c, 1);
		w(c, "after");
		w(c, pick(&L_adj, c->r));
		w(c, pick(&L_noun, c->r));
		break;
	default:
		subject(c, &pl);
		w(c, pl ? L_verb.w[pick_index(&L_verb, c->r)] : L_verb.s3[pick_index(&L_verb, c->r)]);
		w(c, l->pl[c->key[1 % c->nkey]]);
		w(c, "in");
		place(c);
	}
	end_sentence(c, "");
}

/* Journalists: a fixed pool per seed, each with a home bureau. */
typedef struct { char name[64]; const char *bureau; } Journalist;
#define NJOURNALISTS 700
static Journalist J[NJOURNALISTS];

static char *bureau_names[64];
static int nbureau;

static void make_journalists(uint64_t seed)
{
	Rng r;
	rng_seed(&r, seed, 0xB1B1B1ull);
	for (int i = 0; i < L_city.n && nbureau < 40; i++) {
		char tmp[96];
		snprintf(tmp, sizeof tmp, "%s Bureau", L_city.w[i]);
		bureau_names[nbureau++] = xstrdup(tmp, strlen(tmp));
	}
	for (int i = 0; i < NJOURNALISTS; i++) {
		int f = pct(&r, 50);
		const List *fl = f ? &L_ff : &L_fm;
		snprintf(J[i].name, sizeof J[i].name, "%s %s", fl->w[rn(&r, fl->n)], L_sur.w[rn(&r, L_sur.n)]);
		J[i].bureau = bureau_names[pick_index(&L_city, &r) % nbureau];
	}
}

static const int DAYS_IN[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

static int leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

/* day 0 is 2024-12-31; day k is k days before it */
static void date_back(int k, int *y, int *m, int *d)
{
	*y = 2024; *m = 12; *d = 31;
	while (k > 0) {
		if (k >= *d) {
			k -= *d;
			if (--*m == 0) {
				*m = 12;
				--*y;
			}
			*d = DAYS_IN[*m - 1] + (*m == 2 && leap(*y));
		} else {
			*d -= k;
			k = 0;
		}
	}
}

static int pick_desk(Rng *r)
{
	int t = 0, k;
	for (int i = 0; i < NDESKS; i++)
		t += DESK_WEIGHT[i];
	k = rn(r, t);
	for (int i = 0; i < NDESKS; i++) {
		if (k < DESK_WEIGHT[i])
			return i;
		k -= DESK_WEIGHT[i];
	}
	return 0;
}

/* Writes article `idx` into buf; returns its length. Also fills slug. */
static size_t article(uint64_t seed, uint64_t idx, int y, int m, int d, int *desk,
                      char *buf, size_t cap, char *slug, size_t slugcap)
{
	Rng r;
	rng_seed(&r, seed, idx + 1);
	Ctx c;
	memset(&c, 0, sizeof c);
	c.r = &r;
	c.buf = buf;
	c.cap = cap;
	c.year = y;
	c.month = m - 1;
	c.mday = d;
	c.desk = pick_desk(&r);
	*desk = c.desk;
	c.city = pick(&L_city, &r);
	c.country = pick(&L_country, &r);
	coin(&r, 1, c.town, sizeof c.town);
	coin(&r, 2, c.brand, sizeof c.brand);
	const List *dl = &L_desk[c.desk];
	c.nkey = 3 + rn(&r, 4);
	for (int i = 0; i < c.nkey; i++)
		c.key[i] = pick_index(dl, &r);
	make_org(&c, &c.org[0]);
	make_org(&c, &c.org[1]);
	c.npeople = 2 + rn(&r, 4);
	for (int i = 0; i < c.npeople; i++)
		make_person(&c, &c.ppl[i]);

	double target = exp(log(MEAN_ARTICLE) - SIGMA * SIGMA / 2 + SIGMA * normal(&r));
	if (target < MIN_ARTICLE)
		target = MIN_ARTICLE;
	if (target > MAX_ARTICLE - 1200)
		target = MAX_ARTICLE - 1200;

	/* headline */
	c.nosp = 1;
	headline(&c);
	size_t hl = c.len;
	/* slug: the headline's first six words */
	size_t sl = 0;
	int words = 0, prev_dash = 1;
	for (size_t i = 0; i < hl && sl + 2 < slugcap && words < 6; i++) {
		char ch = buf[i];
		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')) {
			slug[sl++] = ch;
			prev_dash = 0;
		} else if (!prev_dash && ch == ' ') {
			words++;
			if (words < 6)
				slug[sl++] = '-';
			prev_dash = 1;
		}
	}
	while (sl > 0 && slug[sl - 1] == '-')
		sl--;
	slug[sl] = 0;
	p(&c, "\n\n");

	/* byline */
	c.nosp = 1;
	const Journalist *a = &J[(int)(pow(unif(&r), 1.6) * NJOURNALISTS)];
	w(&c, "By");
	w(&c, a->name);
	if (pct(&r, 12)) {
		const Journalist *b = &J[rn(&r, NJOURNALISTS)];
		if (b != a) {
			w(&c, "and");
			w(&c, b->name);
		}
	}
	w(&c, "-");
	w(&c, pct(&r, 65) ? a->bureau : DESK_TITLES[c.desk]);
	wf(&c, "%s %d, %d", MONTHS[m - 1], d, y);
	p(&c, "\n\n");

	/* body */
	int first = 1;
	while (c.len < (size_t)target) {
		c.nosp = 1;
		int ns = first ? 1 : 1 + rn(&r, 4);
		for (int i = 0; i < ns && c.len < (size_t)target + 200; i++)
			sentence(&c);
		p(&c, c.len < (size_t)target ? "\n\n" : "\n");
		first = 0;
	}
	if (c.len > 0 && buf[c.len - 1] != '\n')
		p(&c, "\n");
	return c.len;
}

/* ------------------------------------------------------------ output */

static int mkdir_p(char *path)
{
	for (char *q = path + 1; *q; q++) {
		if (*q != '/')
			continue;
		*q = 0;
		if (mkdir(path, 0755) != 0 && errno != EEXIST)
			return -1;
		*q = '/';
	}
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		return -1;
	return 0;
}

static int write_file(const char *path, const char *buf, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	while (n > 0) {
		ssize_t k = write(fd, buf, n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			return -1;
		}
		buf += k;
		n -= (size_t)k;
	}
	return close(fd);
}

static void usage(void)
{
	fprintf(stderr, "usage: bench-gen [-q] -n N -s SEED OUTDIR\n"
	                "Writes N synthetic news articles (about 3 KB each) under OUTDIR;\n"
	                "the same N and SEED always give the same bytes.\n");
	exit(2);
}

int main(int argc, char **argv)
{
	long long n = -1;
	unsigned long long seed = 1;
	int quiet = 0;
	const char *out = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
			n = strtoll(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "-q") == 0)
			quiet = 1;
		else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			usage();
		else if (argv[i][0] == '-' || out)
			usage();
		else
			out = argv[i];
	}
	if (n < 0 || n > 100000000 || !out)
		usage();

	load_all();
	make_journalists(seed);

	long long days = (n + PER_DAY - 1) / PER_DAY;
	if (days < 1)
		days = 1;
	size_t cap = MAX_ARTICLE + 4096;
	char *buf = xmalloc(cap);
	char path[4096], dir[2048], slug[96];
	unsigned long long total = 0;
	long long cur_day = -1;
	unsigned desks_made = 0;
	int y = 0, mo = 0, d = 0;
	int olen = (int)strlen(out);
	if (olen > 1900) {
		fprintf(stderr, "bench-gen: %s: path too long\n", out);
		return 2;
	}
	while (olen > 1 && out[olen - 1] == '/')
		olen--;
	for (long long i = 0; i < n; i++) {
		long long day = i * days / n; /* 0 = first (oldest) day */
		if (day != cur_day) {
			cur_day = day;
			desks_made = 0;
			date_back((int)(days - 1 - day), &y, &mo, &d);
		}
		int desk;
		size_t len = article(seed, (uint64_t)i, y, mo, d, &desk, buf, cap, slug, sizeof slug);
		if (len > MAX_ARTICLE)
			len = MAX_ARTICLE;
		snprintf(dir, sizeof dir, "%.*s/%04d/%02d/%02d/%s", olen, out, y, mo, d, DESKS[desk]);
		if (!(desks_made & (1u << desk))) {
			if (mkdir_p(dir) != 0) {
				fprintf(stderr, "bench-gen: %s: %s\n", dir, strerror(errno));
				return 2;
			}
			desks_made |= 1u << desk;
		}
		snprintf(path, sizeof path, "%s/%07lld-%s.txt", dir, i, slug);
		if (write_file(path, buf, len) != 0) {
			fprintf(stderr, "bench-gen: %s: %s\n", path, strerror(errno));
			return 2;
		}
		total += len;
	}
	if (!quiet)
		printf("bench-gen: %lld articles, %llu bytes (mean %.0f) in %s, seed %llu\n", n, total,
		       n ? (double)total / (double)n : 0.0, out, seed);
	free(buf);
	return 0;
}
