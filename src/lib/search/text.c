/* search/text.c - language detection and the normalised terms of a text
 * (spec/search.md 2 and 3), through GNU libunistring (UTF-8 decoding, NFKC,
 * UAX #29 word breaks, case folding, scripts) and Snowball's libstemmer.
 * The text is read in pieces of at most 64 KiB, so memory stays bounded
 * whatever its length. Two fast paths give the same terms as the general
 * one for the text that is most of the news: spans of ASCII words, and a
 * cache of the stems and folded forms of the words met. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libstemmer.h>
#include <unicase.h>
#include <unictype.h>
#include <uninorm.h>
#include <unistr.h>
#include <unistring/version.h>
#include <uniwbrk.h>

#include "search/text.h"

#ifndef NPK_SNOWBALL_VERSION
#error "NPK_SNOWBALL_VERSION is not set: make SNOWBALL_VERSION=x.y.z (the libstemmer built against)"
#endif
#define NPK__STR_(x) #x
#define NPK__STR(x) NPK__STR_(x)

/* ==== Characters ==== */

enum { SC_OTHER, SC_LATIN, SC_CYRILLIC, SC_ARABIC, SC_HANGUL, SC_HAN, SC_KANA, SC_N };

/* Decodes the character at s[0..n), n > 0: its length, and in *c the code
 * point, or U+FFFD for a byte that does not begin a well-formed sequence
 * (that byte alone is taken). */
static size_t dec(const uint8_t *s, size_t n, ucs4_t *c)
{
	int k = u8_mbtoucr(c, s, n);
	if (k <= 0) {
		*c = 0xFFFD;
		return 1;
	}
	return (size_t)k;
}

/* The script group of c, by the Unicode Script property. */
static int script_of(ucs4_t c)
{
	if (c < 0x80)
		return ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ? SC_LATIN : SC_OTHER;
	const uc_script_t *s = uc_script(c);
	if (s == NULL)
		return SC_OTHER;
	/* one name compared at most: the first letter tells them apart */
	switch (s->name[0]) {
	case 'L': return strcmp(s->name, "Latin") == 0 ? SC_LATIN : SC_OTHER;
	case 'C': return strcmp(s->name, "Cyrillic") == 0 ? SC_CYRILLIC : SC_OTHER;
	case 'A': return strcmp(s->name, "Arabic") == 0 ? SC_ARABIC : SC_OTHER;
	case 'H': return strcmp(s->name, "Hangul") == 0 ? SC_HANGUL :
	                 strcmp(s->name, "Han") == 0 ? SC_HAN :
	                 strcmp(s->name, "Hiragana") == 0 ? SC_KANA : SC_OTHER;
	case 'K': return strcmp(s->name, "Katakana") == 0 ? SC_KANA : SC_OTHER;
	default: return SC_OTHER;
	}
}

/* Written in runs of bigrams: Han, Hiragana, Katakana, Hangul, and the
 * prolonged sound mark (Script Common) that belongs inside kana words. */
static int is_cjk(ucs4_t c)
{
	if (c < 0x1100)
		return 0;
	if (c == 0x30FC)
		return 1;
	int sc = script_of(c);
	return sc == SC_HANGUL || sc == SC_HAN || sc == SC_KANA;
}

static int is_letter(ucs4_t c)
{
	if (c < 0x80)
		return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
	return uc_is_general_category(c, UC_CATEGORY_L);
}

static int is_letter_or_digit(ucs4_t c)
{
	if (c < 0x80)
		return is_letter(c) || (c >= '0' && c <= '9');
	return uc_is_general_category(c, UC_CATEGORY_L) || uc_is_general_category(c, UC_CATEGORY_N);
}

/* s[0..n), valid UTF-8, holds a letter or a digit. */
static int holds_word(const uint8_t *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		ucs4_t c;
		i += (size_t)u8_mbtouc_unsafe(&c, s + i, n - i);
		if (is_letter_or_digit(c))
			return 1;
	}
	return 0;
}

/* ==== Language ==== */

/* The primary subtag of a language tag, lowercased, into out: 2 or 3 ASCII
 * letters ending the tag or followed by '-' or '_'. The codes for no
 * particular language (und, mul, zxx, mis) are not taken. */
static int tag_lang(const char *tag, char out[8])
{
	size_t n = 0;
	if (tag == NULL)
		return 0;
	while (n < 4 && ((tag[n] | 0x20) >= 'a' && (tag[n] | 0x20) <= 'z'))
		n++;
	if (n < 2 || n > 3 || (tag[n] != 0 && tag[n] != '-' && tag[n] != '_'))
		return 0;
	for (size_t i = 0; i < n; i++)
		out[i] = (char)(tag[i] | 0x20);
	out[n] = 0;
	static const char *const none[] = {"und", "mul", "zxx", "mis"};
	for (size_t i = 0; i < sizeof none / sizeof none[0]; i++)
		if (strcmp(out, none[i]) == 0)
			return 0;
	return 1;
}

/* Letters only Ukrainian writes among the Cyrillic languages looked for:
 * і ї є ґ and their capitals. */
static int is_uk_letter(ucs4_t c)
{
	return c == 0x0456 || c == 0x0406 || c == 0x0457 || c == 0x0407 || c == 0x0454 ||
	       c == 0x0404 || c == 0x0491 || c == 0x0490;
}

/* The ASCII letters of s[0..8) when the eight bytes are ASCII, else 9.
 * Each byte b < 0x80 is folded (b | 0x20) and tested for 'a'..'z' in its
 * own lane: adding 0x80 - 'a' sets its top bit when b >= 'a', adding
 * 0x80 - 'z' - 1 when b > 'z', and neither sum carries out of the lane. */
static size_t ascii_letters8(const uint8_t *s)
{
	const uint64_t ones = 0x0101010101010101ull, top = 0x8080808080808080ull;
	uint64_t w;
	memcpy(&w, s, 8);
	if (w & top)
		return 9;
	w |= 0x20 * ones;
	uint64_t ge_a = w + (0x80 - 'a') * ones, gt_z = w + (0x80 - 'z' - 1) * ones;
	/* the top bits, one a lane, summed into the highest lane */
	return (size_t)((((ge_a & ~gt_z & top) >> 7) * ones) >> 56);
}

int npk__text_lang(const uint8_t *text, size_t len, const char *meta_lang, char out[8])
{
	if (tag_lang(meta_lang, out))
		return NPK_OK;
	size_t count[SC_N] = {0}, uk = 0;
	size_t n = len < NPK__LANG_SCAN ? len : NPK__LANG_SCAN;
	for (size_t i = 0; i < n;) {
		if (n - i >= 8) { /* eight ASCII bytes at once: most of the news */
			size_t k = ascii_letters8(text + i);
			if (k <= 8) {
				count[SC_LATIN] += k;
				i += 8;
				continue;
			}
		}
		if (text[i] < 0x80) { /* an ASCII letter is Latin and not Ukrainian */
			count[SC_LATIN] += (size_t)is_letter(text[i]);
			i++;
			continue;
		}
		ucs4_t c;
		i += dec(text + i, n - i, &c);
		if (!is_letter(c))
			continue;
		count[script_of(c)]++;
		uk += is_uk_letter(c);
	}
	/* Han and kana count together: Japanese writes both. A Hangul
	 * syllable, an ideograph or a kana writes what alphabets write with two
	 * letters or more, so it counts twice: else the Latin names and figures
	 * of a Korean or Chinese article outweigh its text. Ties go to the
	 * first of this order. */
	size_t cj = count[SC_HAN] + count[SC_KANA];
	static const int order[] = {SC_LATIN, SC_CYRILLIC, SC_ARABIC, SC_HANGUL, SC_HAN};
	int best = SC_OTHER;
	size_t most = 0;
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
		size_t k = order[i] == SC_HAN ? 2 * cj :
		           order[i] == SC_HANGUL ? 2 * count[SC_HANGUL] : count[order[i]];
		if (k > most) {
			most = k;
			best = order[i];
		}
	}
	const char *lang = "und";
	switch (best) {
	case SC_LATIN: lang = "en"; break;
	case SC_CYRILLIC: lang = uk * 100 >= count[SC_CYRILLIC] ? "uk" : "ru"; break;
	case SC_ARABIC: lang = "ar"; break;
	case SC_HANGUL: lang = "ko"; break;
	case SC_HAN: lang = count[SC_KANA] * 10 > cj ? "ja" : "zh"; break;
	default: break;
	}
	memcpy(out, lang, strlen(lang) + 1);
	return NPK_OK;
}

/* ==== Terms ==== */

/* The Snowball stemmer of a language and the script it stems. */
static const struct { const char *lang, *algorithm; int script; } stemmers[] = {
	{"en", "english", SC_LATIN}, {"ru", "russian", SC_CYRILLIC}, {"ar", "arabic", SC_ARABIC},
};
#define N_STEMMERS (sizeof stemmers / sizeof stemmers[0])

/* A slot of the cache of a context: a word (key) and what a function of the
 * word alone made of it (val), each of at most MEMO_MAX bytes. The tag names
 * the function: 1 + the index of a stemmer in stemmers[] for its stem,
 * MEMO_FOLD for fold_word; 0 marks an empty slot. A slot is one cache line
 * of 64 bytes: a look-up most often misses the processor's caches, and then
 * waits for one line, not two or three. */
#define MEMO_MAX 30u
#define MEMO_SLOTS 16384u /* a power of 2 */
#define MEMO_FOLD 0x80
typedef struct {
	_Alignas(64) uint8_t tag;
	uint8_t klen, vlen;
	uint8_t key[MEMO_MAX], val[MEMO_MAX];
} memo_slot;
_Static_assert(sizeof(memo_slot) == 64, "a cache slot is one line");

#define NF_CAP (4 * (size_t)NPK__TEXT_PIECE) /* a span in NFKC, most often */

struct npk__text_ctx {
	struct sb_stemmer *stemmer[N_STEMMERS]; /* made on first use */
	uint8_t *buf;     /* 3 * NPK__TEXT_PIECE: a span decoded */
	uint8_t *nf;      /* NF_CAP: the span in NFKC, when it fits */
	char *brk;        /* NF_CAP: its word breaks, when they fit */
	uint8_t *fold;    /* NPK__TEXT_PIECE: an ASCII word folded */
	memo_slot *memo;  /* MEMO_SLOTS, direct-mapped by the hash of the word */
	int plain;        /* no fast path (tests) */
};

typedef struct {
	npk__text_ctx *c;
	npk__term_cb cb;
	void *ctx;
	npk_error *err;
	struct sb_stemmer *stemmer; /* NULL: no stemming */
	int stem_index;             /* its index in stemmers[] */
	int stem_script;            /* the script of the words stemmed */
	uint32_t pos;               /* the next position */
	int pos_full;               /* 2^32 positions given */
	uint8_t prev[4];            /* the last character of the open CJK run */
	size_t prev_len;
	size_t run;                 /* characters in the open CJK run */
} terms_st;

/* Gives one term, cut to NPK__TERM_MAX bytes at a character boundary. */
static int emit(terms_st *st, const uint8_t *s, size_t n)
{
	char term[NPK__TERM_MAX + 1];
	if (n > NPK__TERM_MAX) {
		n = NPK__TERM_MAX;
		while (n > 0 && (s[n] & 0xC0) == 0x80)
			n--;
	}
	if (n == 0)
		return NPK_OK;
	NPK_FAIL_IF(st->pos_full, st->err, NPK_E_LIMIT, "text: more than 2^32 terms");
	memcpy(term, s, n);
	term[n] = 0;
	st->cb(term, n, st->pos, st->ctx);
	if (st->pos == UINT32_MAX)
		st->pos_full = 1;
	else
		st->pos++;
	return NPK_OK;
}

/* Ends the open CJK run: a run of one character is that character. */
static int run_end(terms_st *st)
{
	int rc = NPK_OK;
	if (st->run == 1)
		rc = emit(st, st->prev, st->prev_len);
	st->run = 0;
	return rc;
}

/* Adds a CJK character to the run: each one after the first gives the
 * bigram of it and the one before. */
static int run_add(terms_st *st, const uint8_t *c, size_t n)
{
	if (st->run > 0) {
		uint8_t bi[8];
		memcpy(bi, st->prev, st->prev_len);
		memcpy(bi + st->prev_len, c, n);
		NPK_FORWARD(emit(st, bi, st->prev_len + n));
	}
	memcpy(st->prev, c, n);
	st->prev_len = n;
	st->run++;
	return NPK_OK;
}

/* The slot of the word s[0..n) for the function tag, or NULL when the word
 * is too long to be kept or the fast paths are off. The slot keeps the last
 * word met of those that share it. */
static uint32_t memo_hash(const uint8_t *s, size_t n)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 16777619u;
	return h;
}

/* The same of the word s[0..n) of ASCII folded (A-Z to a-z), not made. */
static uint32_t memo_hash_folded(const uint8_t *s, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32u : s[i])) * 16777619u;
	return h;
}

/* The slot of a word of n bytes whose memo_hash is h, or NULL. */
static memo_slot *memo_at(npk__text_ctx *c, size_t n, uint32_t h)
{
	if (c->plain || n > MEMO_MAX)
		return NULL;
	return &c->memo[h & (MEMO_SLOTS - 1)];
}

static memo_slot *memo_find(npk__text_ctx *c, const uint8_t *s, size_t n)
{
	return memo_at(c, n, c->plain || n > MEMO_MAX ? 0 : memo_hash(s, n));
}

static int memo_hit(const memo_slot *m, int tag, const uint8_t *s, size_t n)
{
	return m != NULL && m->tag == tag && m->klen == n && memcmp(m->key, s, n) == 0;
}

/* Keeps v[0..vn) for the word s[0..n) in m, when it fits. */
static void memo_put(memo_slot *m, int tag, const uint8_t *s, size_t n, const uint8_t *v, size_t vn)
{
	if (m == NULL || vn > MEMO_MAX)
		return;
	m->tag = (uint8_t)tag;
	m->klen = (uint8_t)n;
	m->vlen = (uint8_t)vn;
	memcpy(m->key, s, n);
	memcpy(m->val, v, vn);
}

/* Gives the stem of the part s[0..n) (spec/search.md 2, step 9). A Snowball
 * stem depends on the word and the algorithm only, so a word met again takes
 * the stem kept for it. */
static int stem_emit_at(terms_st *st, const uint8_t *s, size_t n, memo_slot *m)
{
	int tag = st->stem_index + 1;
	if (memo_hit(m, tag, s, n))
		return emit(st, m->val, m->vlen);
	const sb_symbol *out = sb_stemmer_stem(st->stemmer, s, (int)n);
	NPK_FAIL_IF(out == NULL, st->err, NPK_E_NOMEM, "text: out of memory stemming");
	size_t on = (size_t)sb_stemmer_length(st->stemmer);
	memo_put(m, tag, s, n, out, on);
	return emit(st, out, on);
}

static int stem_emit(terms_st *st, const uint8_t *s, size_t n)
{
	return stem_emit_at(st, s, n, memo_find(st->c, s, n));
}

/* A part of a word outside CJK runs: stemmed when every letter is of the
 * stemmer's script, then given as a term. */
static int part_end(terms_st *st, const uint8_t *s, size_t n)
{
	if (n == 0 || !holds_word(s, n))
		return NPK_OK;
	int stem = st->stemmer != NULL, letters = 0;
	for (size_t i = 0; stem && i < n;) {
		ucs4_t c;
		i += (size_t)u8_mbtouc_unsafe(&c, s + i, n - i);
		if (is_letter(c)) {
			letters = 1;
			stem = script_of(c) == st->stem_script;
		}
	}
	if (!stem || !letters)
		return emit(st, s, n);
	return stem_emit(st, s, n);
}

/* Arabic harakat (U+064B..U+065F, U+0670) and tatweel (U+0640). */
static int is_haraka(ucs4_t c)
{
	return (c >= 0x064B && c <= 0x065F) || c == 0x0670 || c == 0x0640;
}

/* Removes the combining marks that follow a Latin letter: NFD, drop, NFC
 * (café -> cafe). Only called when the word may hold one. Returns a new
 * buffer (malloc), or NULL when out of memory. */
static uint8_t *strip_latin_marks(const uint8_t *s, size_t n, size_t *out_len)
{
	size_t dn;
	uint8_t *d = u8_normalize(UNINORM_NFD, s, n, NULL, &dn);
	if (d == NULL)
		return NULL;
	size_t j = 0;
	int after_latin = 0;
	for (size_t i = 0; i < dn;) {
		ucs4_t c;
		int k = u8_mbtouc_unsafe(&c, d + i, dn - i);
		int mark = uc_is_general_category(c, UC_CATEGORY_M);
		if (!mark)
			after_latin = script_of(c) == SC_LATIN;
		if (!mark || !after_latin) { /* kept */
			memmove(d + j, d + i, (size_t)k);
			j += (size_t)k;
		}
		i += (size_t)k;
	}
	uint8_t *r = u8_normalize(UNINORM_NFC, d, j, NULL, out_len);
	free(d);
	return r;
}

/* The folded word w[0..n) (case folding, NFKC, harakat, ё, ’, Latin marks);
 * a new buffer, or NULL when out of memory. */
static uint8_t *fold_word(const uint8_t *w, size_t n, size_t *out_len)
{
	size_t i = 0;
	while (i < n && w[i] < 0x80)
		i++;
	if (i == n) {
		/* ASCII: full case folding is A-Z to a-z, NFKC changes nothing,
		 * and no later rule applies (spec/search.md 2, steps 5-6) */
		uint8_t *f = malloc(n ? n : 1);
		if (f == NULL)
			return NULL;
		for (i = 0; i < n; i++)
			f[i] = w[i] >= 'A' && w[i] <= 'Z' ? (uint8_t)(w[i] + 32) : w[i];
		*out_len = n;
		return f;
	}
	size_t fn;
	uint8_t *f = u8_casefold(w, n, NULL, UNINORM_NFKC, NULL, &fn);
	if (f == NULL)
		return NULL;
	size_t j = 0;
	int marks = 0;
	for (size_t at = 0; at < fn;) {
		ucs4_t c;
		int k = u8_mbtouc_unsafe(&c, f + at, fn - at);
		at += (size_t)k;
		if (is_haraka(c))
			continue;
		if (c == 0x0451) /* ё -> е */
			c = 0x0435;
		if (c == 0x2019) /* ’ -> ': the apostrophe Snowball's english knows */
			c = '\'';
		if (c >= 0x80 && (uc_is_general_category(c, UC_CATEGORY_M) ||
		                  script_of(c) == SC_LATIN))
			marks = 1;
		j += (size_t)u8_uctomb(f + j, c, (ptrdiff_t)(fn - j));
	}
	if (!marks) {
		*out_len = j;
		return f;
	}
	uint8_t *r = strip_latin_marks(f, j, out_len);
	free(f);
	return r;
}

/* One word of UAX #29 that holds a letter or digit: folded, then cut into
 * CJK runs (bigrams, which may go on in the next word) and the parts
 * between them (terms). */
static int word(terms_st *st, const uint8_t *w, size_t n)
{
	/* the folded word depends on the word alone: a word met again takes
	 * the one kept for it, copied, as stemming may take its slot */
	uint8_t kept[MEMO_MAX], *made = NULL;
	const uint8_t *f = kept;
	size_t fn;
	memo_slot *m = memo_find(st->c, w, n);
	if (memo_hit(m, MEMO_FOLD, w, n)) {
		fn = m->vlen;
		memcpy(kept, m->val, fn);
	} else {
		f = made = fold_word(w, n, &fn);
		NPK_FAIL_IF(made == NULL, st->err, NPK_E_NOMEM, "text: out of memory folding");
		memo_put(m, MEMO_FOLD, w, n, made, fn);
	}
	int rc = NPK_OK;
	size_t part = 0;
	for (size_t i = 0; i < fn && rc == NPK_OK;) {
		ucs4_t c;
		int k = u8_mbtouc_unsafe(&c, f + i, fn - i);
		if (is_cjk(c)) {
			rc = part_end(st, f + part, i - part);
			if (rc == NPK_OK)
				rc = run_add(st, f + i, (size_t)k);
			part = i + (size_t)k;
		} else {
			rc = run_end(st);
		}
		i += (size_t)k;
	}
	if (rc == NPK_OK)
		rc = part_end(st, f + part, fn - part);
	free(made);
	return rc;
}

/* Where the piece starting at s[0..n) ends: all of it up to
 * NPK__TEXT_PIECE bytes; else before the last ASCII white space, U+3001 or
 * U+3002 that begins after its start and at most NPK__TEXT_PIECE bytes in,
 * where every word and run ends anyway; else at the last character boundary
 * at most NPK__TEXT_PIECE bytes in. */
static size_t piece_end(const uint8_t *s, size_t n)
{
	if (n <= NPK__TEXT_PIECE)
		return n;
	size_t i = 0, cut = 0, bound = 0;
	while (i <= NPK__TEXT_PIECE) {
		ucs4_t c;
		size_t k = dec(s + i, n - i, &c);
		bound = i;
		if (i > 0 && (c == ' ' || (c >= '\t' && c <= '\r') || c == 0x3001 || c == 0x3002))
			cut = i;
		i += k;
	}
	return cut ? cut : bound;
}

/* A span of a piece (the piece itself on the general path): decoded
 * (invalid bytes to U+FFFD), NFKC, cut into words; a CJK run ends with it. */
static int span_any(terms_st *st, const uint8_t *s, size_t n)
{
	npk__text_ctx *c = st->c;
	uint8_t *buf = c->buf;
	size_t bn = 0;
	int ascii = 1;
	for (size_t i = 0; i < n;) {
		ucs4_t ch;
		size_t k = dec(s + i, n - i, &ch);
		ascii &= ch < 0x80;
		if (ch == 0xFFFD && k == 1) {
			bn += (size_t)u8_uctomb(buf + bn, ch, 3);
		} else {
			memcpy(buf + bn, s + i, k);
			bn += k;
		}
		i += k;
	}
	/* NFKC leaves ASCII as it is: skip it for an ASCII span */
	size_t nn = bn;
	uint8_t *nf = buf;
	if (!ascii) {
		nn = NF_CAP;
		nf = u8_normalize(UNINORM_NFKC, buf, bn, c->nf, &nn);
		NPK_FAIL_IF(nf == NULL, st->err, NPK_E_NOMEM, "text: out of memory normalising");
	}
	char *brk = nn <= NF_CAP ? c->brk : malloc(nn);
	int rc = brk ? NPK_OK : npk__fail(st->err, NPK_E_NOMEM, "text: out of memory");
	if (rc == NPK_OK)
		u8_wordbreaks(nf, nn, brk);
	for (size_t a = 0; a < nn && rc == NPK_OK;) {
		size_t b = a + 1;
		while (b < nn && !brk[b])
			b++;
		if (holds_word(nf + a, b - a))
			rc = word(st, nf + a, b - a);
		else
			rc = run_end(st);
		a = b;
	}
	if (rc == NPK_OK)
		rc = run_end(st);
	if (brk != c->brk)
		free(brk);
	if (nf != buf && nf != c->nf)
		free(nf);
	return rc;
}

/* The UAX #29 word break property of the ASCII characters, from
 * uc_wordbreak_property of libunistring (Unicode 14): A-Z a-z ALetter, 0-9
 * Numeric, '_' ExtendNumLet, ':' MidLetter, ',' ';' MidNum, '.' MidNumLet
 * and '\'' Single_Quote (both MidNumLetQ). The others (CR, LF, Newline,
 * WSegSpace, Double_Quote, Other) join no letter or digit to anything:
 * Double_Quote only between Hebrew letters (WB7b, WB7c). */
enum { WB_OTHER, WB_LETTER, WB_DIGIT, WB_ENL, WB_MIDLETTER, WB_MIDNUM, WB_MIDNUMLETQ };

#define WB_OF(b) \
	(((b) | 0x20) >= 'a' && ((b) | 0x20) <= 'z' ? WB_LETTER : \
	 (b) >= '0' && (b) <= '9' ? WB_DIGIT : \
	 (b) == '_' ? WB_ENL : \
	 (b) == ':' ? WB_MIDLETTER : \
	 (b) == ',' || (b) == ';' ? WB_MIDNUM : \
	 (b) == '.' || (b) == '\'' ? WB_MIDNUMLETQ : WB_OTHER)
#define WB_4(b) WB_OF(b), WB_OF((b) + 1), WB_OF((b) + 2), WB_OF((b) + 3)
#define WB_16(b) WB_4(b), WB_4((b) + 4), WB_4((b) + 8), WB_4((b) + 12)
#define WB_64(b) WB_16(b), WB_16((b) + 16), WB_16((b) + 32), WB_16((b) + 48)

/* WB_OF of every byte (WB_OTHER from 0x80 up), looked up: the fast path
 * asks it of every byte of the text. */
static const uint8_t wb_table[256] = {WB_64(0), WB_64(64), WB_64(128), WB_64(192)};

static uint8_t ascii_wb(uint8_t b)
{
	return wb_table[b];
}

/* UAX #29 restricted to ASCII, where no character is Extend, Format or ZWJ
 * (WB4 ignores nothing) and none is Regional_Indicator, Katakana,
 * Hebrew_Letter or Extended_Pictographic: letters, digits and '_' join
 * each other (WB5, WB8-WB10, WB13a, WB13b); a MidLetter or MidNumLetQ joins
 * two letters (WB6, WB7), a MidNum or MidNumLetQ two digits (WB11, WB12);
 * everything else breaks (WB999). A segment that holds a letter or digit is
 * therefore a run of letters, digits and '_' holding one, with such single
 * middle characters inside; the segments around it give no word. */
size_t npk__text_ascii_word(const uint8_t *s, size_t n, size_t from, size_t *end)
{
	size_t i = from;
	while (i < n) {
		while (i < n && (ascii_wb(s[i]) == WB_OTHER || ascii_wb(s[i]) >= WB_MIDLETTER))
			i++;
		size_t a = i;
		int word = 0;
		while (i < n) {
			uint8_t c = ascii_wb(s[i]);
			if (c == WB_LETTER || c == WB_DIGIT || c == WB_ENL) {
				word |= c != WB_ENL;
				i++;
				continue;
			}
			if (c == WB_OTHER || i == a || i + 1 >= n)
				break;
			uint8_t p = ascii_wb(s[i - 1]), q = ascii_wb(s[i + 1]);
			if (p == WB_LETTER && q == WB_LETTER && c != WB_MIDNUM)
				i += 2;
			else if (p == WB_DIGIT && q == WB_DIGIT && c != WB_MIDLETTER)
				i += 2;
			else
				break;
		}
		if (word) {
			*end = i;
			return a;
		}
	}
	*end = n;
	return n;
}

/* A word of an ASCII span: folding is A-Z to a-z, and NFKC and the rules of
 * step 6 change nothing (spec/search.md 2, steps 5-6); it holds no CJK
 * character, so it is one part (step 7), and its letters are Latin, so it
 * is stemmed when the stemmer is of that script (step 9). */
static int word_ascii(terms_st *st, const uint8_t *w, size_t n, uint32_t h)
{
	uint8_t *f = st->c->fold;
	int letters = 0;
	for (size_t i = 0; i < n; i++) {
		f[i] = w[i] >= 'A' && w[i] <= 'Z' ? (uint8_t)(w[i] + 32) : w[i];
		letters |= (f[i] >= 'a' && f[i] <= 'z');
	}
	if (letters && st->stemmer != NULL && st->stem_script == SC_LATIN)
		return stem_emit_at(st, f, n, memo_at(st->c, n, h));
	return emit(st, f, n);
}

/* An ASCII span: its words (no CJK run is open, none opens). When they are
 * stemmed, the cache slot of each word is asked of memory while the word
 * before is made a term: a slot is most often not in the processor's
 * caches, and so the waits overlap work. */
static int span_ascii(terms_st *st, const uint8_t *s, size_t n)
{
	int ahead = st->stemmer != NULL && st->stem_script == SC_LATIN && !st->c->plain;
	size_t end, next_end;
	size_t a = npk__text_ascii_word(s, n, 0, &end);
	uint32_t h = a < n && ahead ? memo_hash_folded(s + a, end - a) : 0;
	while (a < n) {
		size_t next = npk__text_ascii_word(s, n, end, &next_end);
		uint32_t next_h = 0;
		if (next < n && ahead) {
			next_h = memo_hash_folded(s + next, next_end - next);
			__builtin_prefetch(&st->c->memo[next_h & (MEMO_SLOTS - 1)]);
		}
		NPK_FORWARD(word_ascii(st, s + a, end - a, h));
		a = next;
		end = next_end;
		h = next_h;
	}
	return NPK_OK;
}

/* The first byte of s[i..n) from 0x80 up, or n: eight bytes tested at
 * once. */
static size_t next_high(const uint8_t *s, size_t n, size_t i)
{
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		if (w & 0x8080808080808080ull)
			break;
	}
	while (i < n && s[i] < 0x80)
		i++;
	return i;
}

static int is_space(uint8_t b)
{
	return b == ' ' || (b >= '\t' && b <= '\r');
}

/* Where the ASCII tokens that begin at s[a] end (see token_end): at the
 * start of the token that holds the first byte from 0x80 up, found by
 * going back from that byte over the bytes of its token, then over its
 * white space. a when the token at a holds one; n when none does. */
static size_t ascii_tokens_end(const uint8_t *s, size_t n, size_t a)
{
	size_t i = next_high(s, n, a);
	if (i == n)
		return n;
	while (i > a && !is_space(s[i - 1]))
		i--;
	while (i > a && is_space(s[i - 1]))
		i--;
	return i;
}

/* The end of the token at s[i]: its white space, then the bytes up to the
 * next white space. *ascii: all its bytes are. */
static size_t token_end(const uint8_t *s, size_t n, size_t i, int *ascii)
{
	uint8_t any = 0;
	while (i < n && is_space(s[i]))
		i++;
	while (i < n && !is_space(s[i]))
		any |= s[i++];
	*ascii = any < 0x80;
	return i;
}

/* One piece. Its tokens are grouped in spans, all ASCII (the fast path) or
 * not (the general path), cut before white space. This is the cut between
 * pieces of spec/search.md 2, step 1, and it changes no term either: an
 * ASCII byte is never inside a UTF-8 sequence, so decoding is the same; white
 * space is a starter that no canonical composition takes, so the NFKC of the
 * piece is the NFKC of its spans joined; UAX #29 joins nothing to white space
 * but CR LF and WB3d (white space on both sides, in no word), the rules that
 * look ahead to it (WB6, WB7b, WB12) break there as at the end of the text,
 * and no rule after it looks back past it (WB4 never skips it, and it is no
 * letter, digit or regional indicator); and it ends any CJK run, as the end
 * of a span does. */
static int piece(terms_st *st, const uint8_t *s, size_t n)
{
	if (st->c->plain)
		return span_any(st, s, n);
	for (size_t a = 0; a < n;) {
		/* the ASCII tokens from a, found faster than by the loop below */
		size_t e = ascii_tokens_end(s, n, a);
		if (e > a) {
			NPK_FORWARD(span_ascii(st, s + a, e - a));
			a = e;
			continue;
		}
		int ascii, next;
		size_t b = token_end(s, n, a, &ascii), t;
		while (b < n && (t = token_end(s, n, b, &next), next == ascii))
			b = t;
		NPK_FORWARD(ascii ? span_ascii(st, s + a, b - a) : span_any(st, s + a, b - a));
		a = b;
	}
	return NPK_OK;
}

int npk__text_ctx_new(npk__text_ctx **out, npk_error *err)
{
	npk__text_ctx *c = calloc(1, sizeof *c);
	if (c != NULL) {
		c->buf = malloc(3 * (size_t)NPK__TEXT_PIECE);
		c->nf = malloc(NF_CAP);
		c->brk = malloc(NF_CAP);
		c->fold = malloc(NPK__TEXT_PIECE);
		c->memo = aligned_alloc(sizeof *c->memo, MEMO_SLOTS * sizeof *c->memo);
		if (c->memo != NULL)
			memset(c->memo, 0, MEMO_SLOTS * sizeof *c->memo);
	}
	if (c == NULL || !c->buf || !c->nf || !c->brk || !c->fold || !c->memo) {
		npk__text_ctx_free(c);
		return npk__fail(err, NPK_E_NOMEM, "text: out of memory");
	}
	*out = c;
	return NPK_OK;
}

void npk__text_ctx_free(npk__text_ctx *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < N_STEMMERS; i++)
		if (c->stemmer[i])
			sb_stemmer_delete(c->stemmer[i]);
	free(c->buf);
	free(c->nf);
	free(c->brk);
	free(c->fold);
	free(c->memo);
	free(c);
}

void npk__text_ctx_plain(npk__text_ctx *c, int plain)
{
	c->plain = plain;
}

int npk__text_terms_ctx(npk__text_ctx *c, const uint8_t *text, size_t len, const char *lang,
                        npk__term_cb cb, void *ctx, npk_error *err)
{
	terms_st st = {.c = c, .cb = cb, .ctx = ctx, .err = err};
	for (size_t i = 0; lang && i < N_STEMMERS; i++) {
		if (strcmp(lang, stemmers[i].lang) != 0)
			continue;
		if (c->stemmer[i] == NULL)
			c->stemmer[i] = sb_stemmer_new(stemmers[i].algorithm, "UTF_8");
		NPK_FAIL_IF(c->stemmer[i] == NULL, err, NPK_E_NOMEM,
		            "text: cannot start the %s stemmer", stemmers[i].algorithm);
		st.stemmer = c->stemmer[i];
		st.stem_index = (int)i;
		st.stem_script = stemmers[i].script;
	}
	for (size_t off = 0; off < len;) {
		size_t n = piece_end(text + off, len - off);
		NPK_FORWARD(piece(&st, text + off, n));
		off += n;
	}
	return NPK_OK;
}

int npk__text_terms(const uint8_t *text, size_t len, const char *lang, npk__term_cb cb, void *ctx,
                    npk_error *err)
{
	npk__text_ctx *c;
	NPK_FORWARD(npk__text_ctx_new(&c, err));
	int rc = npk__text_terms_ctx(c, text, len, lang, cb, ctx, err);
	npk__text_ctx_free(c);
	return rc;
}

/* ==== Versions ==== */

/* The Unicode version of libunistring's tables, from its NEWS. */
static const char *unicode_version(int v)
{
	switch (v >> 8) {
	case 0x0100: return "14.0.0";
	case 0x0101: return "15.0.0";
	case 0x0102: return "15.1.0";
	case 0x0103: return "16.0.0";
	default: return NULL;
	}
}

int npk__text_versions(char *out, size_t cap)
{
	/* the library loaded, not the headers built with: its tables decide */
	int v = _libunistring_version;
	const char *uni = unicode_version(v);
	if (uni == NULL)
		return NPK_E_VERSION;
	int n = snprintf(out, cap, "unicode=%s libunistring=%d.%d.%d snowball=%s", uni, v >> 16,
	                 (v >> 8) & 0xFF, v & 0xFF, NPK__STR(NPK_SNOWBALL_VERSION));
	return n < 0 || (size_t)n >= cap ? NPK_E_LIMIT : NPK_OK;
}
