/* test_text.c - the text rules of search (src/lib/search/text.c,
 * spec/search.md): languages, terms of every script, and the whole corpus. */
#include <ftw.h>
#include <stdint.h>

#include <uniwbrk.h>

#include "meta/meta.h"
#include "search/text.h"
#include "test.h"

/* ---- Collecting terms ---- */

typedef struct {
	char s[1 << 16]; /* the terms, each followed by one space */
	size_t n, count;
	uint32_t next;   /* the position expected next */
	int bad;         /* a position out of order, a term invalid or too long */
} terms;

static void collect(const char *term, size_t len, uint32_t pos, void *ctx)
{
	terms *t = ctx;
	if (pos != t->next || len == 0 || len > NPK__TERM_MAX || strlen(term) != len ||
	    !npk__utf8_ok((const uint8_t *)term, len))
		t->bad = 1;
	t->next = pos + 1;
	t->count++;
	if (t->n + len + 1 < sizeof t->s) {
		memcpy(t->s + t->n, term, len);
		t->n += len;
		t->s[t->n++] = ' ';
		t->s[t->n] = 0;
	}
}

/* The terms of text in language lang, joined by spaces ("" for none);
 * NULL when the call fails or a term is out of order. */
static const char *terms_of(const char *text, size_t len, const char *lang)
{
	static terms t;
	npk_error err;
	memset(&t, 0, sizeof t);
	if (npk__text_terms((const uint8_t *)text, len, lang, collect, &t, &err) != NPK_OK || t.bad)
		return NULL;
	if (t.n > 0)
		t.s[--t.n] = 0;
	return t.s;
}
#define TERMS(text, lang) terms_of((text), strlen(text), (lang))

static const char *lang_of(const char *text, const char *meta)
{
	static char out[8];
	if (npk__text_lang((const uint8_t *)text, strlen(text), meta, out) != NPK_OK)
		return NULL;
	return out;
}

/* ---- Languages ---- */

DEFINE_TEST(test_text_lang_detect)
{
	CHECK_STR(lang_of("The council approved the budget.", NULL), "en");
	CHECK_STR(lang_of("Совет утвердил бюджет.", NULL), "ru");
	/* 2 of 10 Cyrillic letters are і: Ukrainian */
	CHECK_STR(lang_of("Привіт світ", NULL), "uk");
	CHECK_STR(lang_of("Їжак", NULL), "uk");
	CHECK_STR(lang_of("وافق المجلس على الميزانية", NULL), "ar");
	CHECK_STR(lang_of("정부는 예산을 승인했다", NULL), "ko");
	CHECK_STR(lang_of("政府批准了预算", NULL), "zh");
	/* Han 東京行, kana タワにきました: 7 of 10 are kana */
	CHECK_STR(lang_of("東京タワーに行きました", NULL), "ja");
	/* one kana among 10 Han is not above 10% */
	CHECK_STR(lang_of("中华人民共和国国务院の", NULL), "zh");
	CHECK_STR(lang_of("12345 !!! ...", NULL), "und");
	CHECK_STR(lang_of("", NULL), "und");
	/* the largest script wins: 3 Latin letters, 6 Cyrillic */
	CHECK_STR(lang_of("BBC сообщает", NULL), "ru");
	/* a Hangul syllable or an ideograph counts as two letters: 5 Hangul
	 * (10) against 7 Latin letters, 6 Han (12) against 10 */
	CHECK_STR(lang_of("Samsung 신제품 출시", NULL), "ko");
	CHECK_STR(lang_of("Google 与 Bing 的搜索战争", NULL), "zh");
	/* 4 Han (8) against 10 Latin */
	CHECK_STR(lang_of("Google 与 Bing 的战争", NULL), "en");
	CHECK_STR(lang_of("Samsung Galaxy Note 출시", NULL), "en");
	/* invalid bytes are skipped */
	CHECK_STR(lang_of("\xff\xfe\xc3Мир\x80", NULL), "ru");
}

DEFINE_TEST(test_text_lang_meta)
{
	CHECK_STR(lang_of("Совет утвердил бюджет.", "en-GB"), "en");
	CHECK_STR(lang_of("The council", "RU"), "ru");
	CHECK_STR(lang_of("The council", "zh_Hant"), "zh");
	CHECK_STR(lang_of("The council", "fr"), "fr");
	CHECK_STR(lang_of("The council", "ukr"), "ukr");
	/* not a language: detected instead */
	CHECK_STR(lang_of("Совет", "und"), "ru");
	CHECK_STR(lang_of("Совет", "mul"), "ru");
	CHECK_STR(lang_of("Совет", "english"), "ru");
	CHECK_STR(lang_of("Совет", "x-klingon"), "ru");
	CHECK_STR(lang_of("Совет", ""), "ru");
	CHECK_STR(lang_of("Совет", "e1"), "ru");
}

/* ---- Terms ---- */

DEFINE_TEST(test_text_english)
{
	CHECK_STR(TERMS("The Councils approved", "en"), "the council approv");
	/* no stemmer: the folded words */
	CHECK_STR(TERMS("The Councils approved", NULL), "the councils approved");
	CHECK_STR(TERMS("The Councils approved", "fr"), "the councils approved");
	/* UAX #29 keeps 3.5 and don't whole; punctuation is no term */
	CHECK_STR(TERMS("Rates rose 3.5% -- don't panic!", NULL), "rates rose 3.5 don't panic");
	/* ’ is the apostrophe the stemmer knows */
	CHECK_STR(TERMS("the government’s plan", "en"), "the govern plan");
	CHECK_STR(TERMS("the government's plan", "en"), "the govern plan");
	/* Latin marks go (café, Ångström, naïve), after folding */
	CHECK_STR(TERMS("Café ÅNGSTRÖM naïve", NULL), "cafe angstrom naive");
	/* only English words are stemmed in an English text */
	CHECK_STR(TERMS("councils советы", "en"), "council советы");
	CHECK_STR(TERMS("", "en"), "");
}

DEFINE_TEST(test_text_russian)
{
	/* ё is е after folding, so both spellings give one term */
	CHECK_STR(TERMS("Ёлки и елки", "ru"), "елк и елк");
	CHECK_STR(TERMS("ЁЛКИ", "ru"), "елк");
	CHECK_STR(TERMS("советы утвердили", "ru"), "совет утверд");
	/* й keeps its mark: only Latin letters lose theirs */
	CHECK_STR(TERMS("Йошкар-Ола", NULL), "йошкар ола");
	/* Latin words in a Russian text are not stemmed */
	CHECK_STR(TERMS("councils советы", "ru"), "councils совет");
}

DEFINE_TEST(test_text_ukrainian)
{
	char lang[8];
	const char *s = "Їжак і білка зустрілися в лісі";
	CHECK_EQ_INT(npk__text_lang((const uint8_t *)s, strlen(s), NULL, lang), NPK_OK);
	CHECK_STR(lang, "uk");
	/* no stemmer: case folded words, ї keeps its dots */
	CHECK_STR(TERMS(s, lang), "їжак і білка зустрілися в лісі");
}

DEFINE_TEST(test_text_arabic)
{
	/* harakat go: كَتَبَ is كتب, which the stemmer keeps */
	CHECK_STR(TERMS("كَتَبَ", NULL), "كتب");
	CHECK_STR(TERMS("كَتَبَ", "ar"), "كتب");
	/* tatweel goes too */
	CHECK_STR(TERMS("كـتـب", NULL), "كتب");
	/* the stemmer takes the article off */
	CHECK_STR(TERMS("الكتاب", "ar"), "كتاب");
	CHECK_STR(TERMS("الكِتَابُ", "ar"), "كتاب");
	CHECK_STR(TERMS("الكتاب", NULL), "الكتاب");
	/* hamza composed with alef stays; the stemmer makes أ alef, ى yeh */
	CHECK_STR(TERMS("أحمد إلى", NULL), "أحمد إلى");
	CHECK_STR(TERMS("أحمد إلى", "ar"), "احمد الي");
}

DEFINE_TEST(test_text_korean)
{
	CHECK_STR(TERMS("정부는", "ko"), "정부 부는");
	CHECK_STR(TERMS("정부는 발표했다", "ko"), "정부 부는 발표 표했 했다");
	/* the query 정부 is one of the document's terms */
	CHECK_STR(TERMS("정부", "ko"), "정부");
	/* a run of one: that syllable */
	CHECK_STR(TERMS("및 정부", "ko"), "및 정부");
	/* Latin letters joined to Hangul by UAX #29 are a term of their own */
	CHECK_STR(TERMS("KBS뉴스", "ko"), "kbs 뉴스");
}

DEFINE_TEST(test_text_chinese_japanese)
{
	/* UAX #29 gives one segment per ideograph; the run goes on across them */
	CHECK_STR(TERMS("中华人民共和国", "zh"), "中华 华人 人民 民共 共和 和国");
	/* punctuation ends a run (，is a comma after NFKC) */
	CHECK_STR(TERMS("政府，发表。我 是", "zh"), "政府 发表 我 是");
	/* Latin and digits between ideographs are terms of their own */
	CHECK_STR(TERMS("在2024年GDP增长", "zh"), "在 2024 年 gdp 增长");
	/* kana and kanji, with the prolonged sound mark inside the run */
	CHECK_STR(TERMS("東京タワー", "ja"), "東京 京タ タワ ワー");
	/* half-width katakana become full-width under NFKC */
	CHECK_STR(TERMS("ﾀﾜｰ", "ja"), "タワ ワー");
}

DEFINE_TEST(test_text_nfkc)
{
	CHECK_STR(TERMS("ＡＢＣ", NULL), "abc");
	CHECK_STR(TERMS("ﬁle", NULL), "file");
	CHECK_STR(TERMS("ﬁles", "en"), "file");
	/* full folding: ß is ss, final sigma is sigma */
	CHECK_STR(TERMS("Straße ΟΔΟΣ", NULL), "strasse οδοσ");
	/* e + combining acute (decomposed input) is the same term as é */
	CHECK_STR(TERMS("cafe\xcc\x81", NULL), "cafe");
	/* ① is 1 */
	CHECK_STR(TERMS("①", NULL), "1");
}

DEFINE_TEST(test_text_invalid_utf8)
{
	/* an invalid byte is U+FFFD, which separates words */
	CHECK_STR(TERMS("ab\xff" "cd", NULL), "ab cd");
	CHECK_STR(TERMS("caf\xc3", NULL), "caf");
	CHECK_STR(TERMS("\xc3(x\xe2\x82", NULL), "x");
	/* an overlong encoding and a surrogate are invalid too */
	CHECK_STR(TERMS("a\xc0\xafz", NULL), "a z");
	CHECK_STR(TERMS("a\xed\xa0\x80z", NULL), "a z");
	/* a NUL byte separates words */
	CHECK_STR(terms_of("ab\0cd", 5, NULL), "ab cd");
	/* nothing but invalid bytes */
	CHECK_STR(TERMS("\xff\xfe\xfd\x80\x80", "en"), "");
	CHECK_STR(TERMS("\xe4\xb8", "zh"), "");
}

DEFINE_TEST(test_text_long_words)
{
	char s[400], want[100];
	/* ASCII: the first 64 bytes */
	memset(s, 'a', 100);
	s[100] = 0;
	memset(want, 'a', 64);
	want[64] = 0;
	CHECK_STR(TERMS(s, NULL), want);
	/* 2-byte letters: 32 of them */
	for (int i = 0; i < 40; i++)
		memcpy(s + 2 * i, "ж", 2);
	s[80] = 0;
	for (int i = 0; i < 32; i++)
		memcpy(want + 2 * i, "ж", 2);
	want[64] = 0;
	CHECK_STR(TERMS(s, NULL), want);
	/* 3-byte letters (Georgian): 21 of them, 63 bytes, never half a letter */
	for (int i = 0; i < 30; i++)
		memcpy(s + 3 * i, "ა", 3);
	s[90] = 0;
	memcpy(want, s, 63);
	want[63] = 0;
	CHECK_STR(TERMS(s, NULL), want);
	/* the cut comes after folding: 40 é are 40 bytes of e */
	for (int i = 0; i < 40; i++)
		memcpy(s + 2 * i, "é", 2);
	s[80] = 0;
	memset(want, 'e', 40);
	want[40] = 0;
	CHECK_STR(TERMS(s, NULL), want);
}

/* Texts longer than a piece: words are never split at a white space cut;
 * a run without white space is cut at 65536 bytes (spec/search.md 2). */
DEFINE_TEST(test_text_pieces)
{
	static char s[200000];
	static terms t;
	npk_error err;
	size_t n = 0;
	for (int i = 0; i < 20000; i++)
		n += (size_t)sprintf(s + n, "%s ", i % 2 ? "Councils" : "word");
	memset(&t, 0, sizeof t);
	CHECK_RC(npk__text_terms((const uint8_t *)s, n, "en", collect, &t, &err), NPK_OK, &err);
	CHECK(!t.bad);
	CHECK_EQ_INT(t.count, 20000);
	CHECK(strncmp(t.s, "word council word council ", 26) == 0);
	/* 30000 ideographs: 21845 in the first piece (65535 bytes), 8155 in
	 * the second, each run giving one bigram fewer than its characters */
	for (int i = 0; i < 30000; i++)
		memcpy(s + 3 * i, "中", 3);
	memset(&t, 0, sizeof t);
	CHECK_RC(npk__text_terms((const uint8_t *)s, 90000, "zh", collect, &t, &err), NPK_OK, &err);
	CHECK(!t.bad);
	CHECK_EQ_INT(t.count, 21844 + 8154);
	/* with an ideographic full stop at character 1000, the first cut is
	 * there, where the run ends anyway: 999 bigrams; the next piece, from
	 * the full stop, holds 21844 ideographs (21843 bigrams) and the last
	 * 7155 (7154) */
	memcpy(s + 3 * 1000, "。", 3);
	memset(&t, 0, sizeof t);
	CHECK_RC(npk__text_terms((const uint8_t *)s, 90000, "zh", collect, &t, &err), NPK_OK, &err);
	CHECK(!t.bad);
	CHECK_EQ_INT(t.count, 999 + 21843 + 7154);
}

DEFINE_TEST(test_text_positions)
{
	static terms t;
	npk_error err;
	const char *s = "One, two; 정부는 中国 — ёлка ＡＢＣ!";
	memset(&t, 0, sizeof t);
	CHECK_RC(npk__text_terms((const uint8_t *)s, strlen(s), "en", collect, &t, &err), NPK_OK,
	         &err);
	CHECK(!t.bad);
	CHECK_EQ_INT(t.count, 7);
	CHECK_STR(t.s, "one two 정부 부는 中国 елка abc ");
}

/* ---- Fast paths against the general rules ---- */

static uint64_t rnd_state = 0x9E3779B97F4A7C15ull;

static uint32_t rnd(uint32_t n)
{
	rnd_state ^= rnd_state << 13; /* xorshift64 */
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return (uint32_t)((rnd_state >> 32) % n);
}

/* The words of the ASCII s[0..n) by npk__text_ascii_word are the segments
 * of u8_wordbreaks that hold a letter or digit. Returns 1 when they are. */
static int ascii_words_agree(const uint8_t *s, size_t n)
{
	char brk[64];
	u8_wordbreaks(s, n, brk);
	size_t from = 0, end;
	for (size_t a = 0; a < n;) {
		size_t b = a + 1, word = 0;
		while (b < n && !brk[b])
			b++;
		for (size_t i = a; i < b; i++)
			word |= ((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z') ||
			        (s[i] >= '0' && s[i] <= '9');
		if (word) {
			if (npk__text_ascii_word(s, n, from, &end) != a || end != b)
				return 0;
			from = end;
		}
		a = b;
	}
	return npk__text_ascii_word(s, n, from, &end) == n;
}

/* Every string of up to 5 characters over an alphabet of each class, and
 * 2 million random ones, most of them from the characters that join or
 * break words. */
DEFINE_TEST(test_text_ascii_words)
{
	static const char small[] = "aZ1_:.,;' \"\r\n-";
	const size_t k = sizeof small - 1;
	uint8_t s[40];
	size_t bad = 0;
	for (size_t len = 1; len <= 5; len++) {
		size_t total = 1;
		for (size_t i = 0; i < len; i++)
			total *= k;
		for (size_t v = 0; v < total; v++) {
			for (size_t i = 0, x = v; i < len; i++, x /= k)
				s[i] = (uint8_t)small[x % k];
			bad += !ascii_words_agree(s, len);
		}
	}
	static const char rich[] = "abZ019_:.,;'\" \t\r\n-/";
	for (int t = 0; t < 2000000; t++) {
		size_t len = 1 + rnd(32);
		for (size_t i = 0; i < len; i++)
			s[i] = rnd(8) ? (uint8_t)rich[rnd(sizeof rich - 1)] : (uint8_t)rnd(128);
		bad += !ascii_words_agree(s, len);
	}
	CHECK_EQ_INT(bad, 0);
}

typedef struct {
	uint64_t hash, count;
} digest;

static void digest_term(const char *term, size_t len, uint32_t pos, void *ctx)
{
	digest *d = ctx;
	for (size_t i = 0; i < len; i++)
		d->hash = (d->hash ^ (uint8_t)term[i]) * 1099511628211ull;
	d->hash = (d->hash ^ pos ^ 0x100) * 1099511628211ull;
	d->count++;
}

/* The terms of s[0..n) on the fast paths of fast and the general path of
 * plain are the same. */
static int paths_agree(npk__text_ctx *fast, npk__text_ctx *plain, const char *s, size_t n,
                       const char *lang)
{
	digest a = {14695981039346656037ull, 0}, b = a;
	const uint8_t *u = (const uint8_t *)s;
	npk_error err;
	if (npk__text_terms_ctx(fast, u, n, lang, digest_term, &a, &err) != NPK_OK ||
	    npk__text_terms_ctx(plain, u, n, lang, digest_term, &b, &err) != NPK_OK)
		return 0;
	return a.hash == b.hash && a.count == b.count;
}

/* Random texts mixing ASCII words, the characters every rule of
 * spec/search.md 2 acts on, white space and invalid bytes, short and longer
 * than a piece, in each language: the fast paths (ASCII spans, the cache
 * of stems and folded words, kept across texts) give the terms of the
 * general path. */
DEFINE_TEST(test_text_fast_paths)
{
	static const char *const bits[] = {
		"The", "council", "councils", "running", "government's", "Ministry", "a", "I", "x1",
		"2024", "36", ".", ",", ";", ":", "'", "_", "-", "\"", "(", "!", " ", " ", " ",
		"  ", "\t", "\n", "\r\n", "\v", "\f", "£", "€", "café", "Ångström", "e\xcc\x81",
		"\xcc\x81", "’", "government’s", "ёлка", "Совет", "утвердил", "бюджет", "Привіт",
		"وافق",
		"الْمَجْلِسُ", "ـ", "정부는", "예산을", "政府", "中", "。", "、", "東京タワー", "ー", "ＡＢＣ",
		"ﬁ", "①", "ß", "İ", "Σ", "\xe2\x80\x8d", "\xf0\x9f\x98\x80", "\xc2\xad", "\xff",
		"\xc3", "\xe2\x82", "\xed\xa0\x80", "\x01", "\xc2\xa0", "a\xcc\x81" "b",
	};
	static const char *const langs[] = {"en", "ru", "ar", "ko", "uk", NULL};
	static char s[200000];
	npk__text_ctx *fast, *plain;
	npk_error err;
	CHECK_RC(npk__text_ctx_new(&fast, &err), NPK_OK, &err);
	CHECK_RC(npk__text_ctx_new(&plain, &err), NPK_OK, &err);
	npk__text_ctx_plain(plain, 1);
	size_t bad = 0;
	for (int t = 0; t < 10000; t++) {
		size_t n = 0, words = t % 1000 == 0 ? 30000 : 1 + rnd(40);
		for (size_t i = 0; i < words; i++) {
			const char *b = bits[rnd(sizeof bits / sizeof bits[0])];
			size_t len = strlen(b);
			if (n + len > sizeof s)
				break;
			memcpy(s + n, b, len);
			n += len;
		}
		bad += !paths_agree(fast, plain, s, n, langs[rnd(sizeof langs / sizeof langs[0])]);
	}
	/* words past the size of a cached stem, and one longer than a piece */
	memset(s, 'a', sizeof s);
	for (size_t n = 20; n < 80; n++)
		for (int twice = 0; twice < 2; twice++) /* the second from the cache */
			bad += !paths_agree(fast, plain, s, n, "en");
	bad += !paths_agree(fast, plain, s, sizeof s, "en");
	npk__text_ctx_free(fast);
	npk__text_ctx_free(plain);
	CHECK_EQ_INT(bad, 0);
}

DEFINE_TEST(test_text_versions)
{
	char v[128];
	CHECK_EQ_INT(npk__text_versions(v, sizeof v), NPK_OK);
	/* Debian 12: libunistring 1.0 follows Unicode 14.0.0; libstemmer 2.2.0 */
	CHECK(strncmp(v, "unicode=", 8) == 0);
	CHECK(strstr(v, " snowball=") != NULL);
	printf("  info: %s\n", v);
	CHECK_EQ_INT(npk__text_versions(v, 10), NPK_E_LIMIT);
}

/* ---- The corpus ---- */

static struct {
	size_t files, terms, bytes;
	size_t langs[16];
	char names[16][8];
	int bad;
} corpus;

static int corpus_file(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type != FTW_F)
		return 0;
	size_t len;
	char *text = npk_test_read_file(path, &len);
	if (text == NULL) {
		fprintf(stderr, "  cannot read %s\n", path);
		corpus.bad = 1;
		return 0;
	}
	char lang[8];
	npk_error err;
	static terms t;
	memset(&t, 0, sizeof t);
	const uint8_t *u = (const uint8_t *)text;
	if (npk__text_lang(u, len, NULL, lang) != NPK_OK ||
	    npk__text_terms(u, len, lang, collect, &t, &err) != NPK_OK || t.bad) {
		fprintf(stderr, "  %s: bad terms\n", path);
		corpus.bad = 1;
	}
	size_t i = 0;
	while (i < 16 && corpus.names[i][0] && strcmp(corpus.names[i], lang) != 0)
		i++;
	if (i < 16) {
		memcpy(corpus.names[i], lang, sizeof lang);
		corpus.langs[i]++;
	}
	corpus.files++;
	corpus.terms += t.count;
	corpus.bytes += len;
	free(text);
	return 0;
}

/* Every file of ../shared/corpus, whatever it is (text, HTML, JSON, WARC):
 * no failure, every term valid UTF-8 of at most 64 bytes, in order. */
DEFINE_TEST(test_text_corpus)
{
	CHECK(npk_test_corpus != NULL);
	memset(&corpus, 0, sizeof corpus);
	CHECK(nftw(npk_test_corpus, corpus_file, 16, FTW_PHYS) == 0);
	CHECK(!corpus.bad);
	CHECK(corpus.files > 5000);
	printf("  info: %zu files, %zu bytes, %zu terms; languages:", corpus.files, corpus.bytes,
	       corpus.terms);
	for (size_t i = 0; i < 16 && corpus.names[i][0]; i++)
		printf(" %s %zu", corpus.names[i], corpus.langs[i]);
	printf("\n");
}
