/* test_query.c - the query language of search (src/lib/search/query.c,
 * spec/search.md 8): every rule and example of the section, every error
 * message, the limits, and queries in Korean, Arabic, Russian and Chinese. */
#include <stdint.h>
#include <time.h>

#include "search/query.h"
#include "test.h"

/* The tree of q[0..len) as an S-expression, or "error: " and the message
 * (which must come with NPK_E_ARG and no tree). */
static const char *parsed_n(const char *q, size_t len)
{
	static char out[8192];
	npk__qnode *n = (npk__qnode *)1;
	npk_error err;
	memset(&err, 0, sizeof err);
	int rc = npk__query_parse(q, len, &n, &err);
	if (rc != NPK_OK) {
		if (rc != NPK_E_ARG || n != NULL)
			snprintf(out, sizeof out, "bad failure: code %d, tree %p", rc, (void *)n);
		else
			snprintf(out, sizeof out, "error: %s", err.msg);
		return out;
	}
	npk_buf b = {0};
	if (n == NULL || npk__query_format(n, &b, &err) != NPK_OK)
		snprintf(out, sizeof out, "bad success");
	else
		snprintf(out, sizeof out, "%s", (const char *)b.p);
	npk__buf_free(&b);
	npk__query_free(n);
	return out;
}
#define Q(q) parsed_n((q), strlen(q))

/* ---- 8.2 Words, phrases, operators ---- */

DEFINE_TEST(test_query_words)
{
	CHECK_STR(Q("climate"), "(WORDS text \"climate\")");
	CHECK_STR(Q("  climate \t change\n"), "(AND (WORDS text \"climate\") (WORDS text \"change\"))");
	CHECK_STR(Q("a AND b"), "(AND (WORDS text \"a\") (WORDS text \"b\"))");
	CHECK_STR(Q("a OR b"), "(OR (WORDS text \"a\") (WORDS text \"b\"))");
	CHECK_STR(Q("a NOT b"), "(AND (WORDS text \"a\") (NOT (WORDS text \"b\")))");
	CHECK_STR(Q("a AND NOT b"), "(AND (WORDS text \"a\") (NOT (WORDS text \"b\")))");
	/* lowercase operators are words */
	CHECK_STR(Q("rock and roll"),
	          "(AND (WORDS text \"rock\") (WORDS text \"and\") (WORDS text \"roll\"))");
	CHECK_STR(Q("to be or not"),
	          "(AND (WORDS text \"to\") (WORDS text \"be\") (WORDS text \"or\") (WORDS text \"not\"))");
	CHECK_STR(Q("And Or Not"), "(AND (WORDS text \"And\") (WORDS text \"Or\") (WORDS text \"Not\"))");
	/* punctuation stays in the word, as typed; the search makes terms of it */
	CHECK_STR(Q("don't U.S. 3.5% e-mail"), "(AND (WORDS text \"don't\") (WORDS text \"U.S.\") "
	          "(WORDS text \"3.5%\") (WORDS text \"e-mail\"))");
	/* a word ends at a parenthesis or a quotation mark */
	CHECK_STR(Q("a(b)c"), "(AND (WORDS text \"a\") (WORDS text \"b\") (WORDS text \"c\"))");
	CHECK_STR(Q("a\"b c\"d"),
	          "(AND (WORDS text \"a\") (WORDS text \"b c\" phrase) (WORDS text \"d\"))");
	/* "-" in a word, or alone, is part of a word */
	CHECK_STR(Q("2020 - 2021"), "(AND (WORDS text \"2020\") (WORDS text \"-\") (WORDS text \"2021\"))");
	CHECK_STR(Q("a --b"), "(AND (WORDS text \"a\") (WORDS text \"--b\"))");
	CHECK_STR(Q("(a -)"), "(AND (WORDS text \"a\") (WORDS text \"-\"))");
	/* no-break and ideographic spaces separate words too */
	CHECK_STR(Q("a\xC2\xA0" "b\xE3\x80\x80" "c"),
	          "(AND (WORDS text \"a\") (WORDS text \"b\") (WORDS text \"c\"))");
	/* a word with ':' whose prefix is no field is a word */
	CHECK_STR(Q("10:30 http://x.example/a?b=c text:x :y"), "(AND (WORDS text \"10:30\") "
	          "(WORDS text \"http://x.example/a?b=c\") (WORDS text \"text:x\") (WORDS text \":y\"))");
}

DEFINE_TEST(test_query_phrases)
{
	CHECK_STR(Q("\"climate change\""), "(WORDS text \"climate change\" phrase)");
	CHECK_STR(Q("\"OR\""), "(WORDS text \"OR\" phrase)");
	/* operators, parentheses and fields in a phrase are its words */
	CHECK_STR(Q("x \"a OR (b) title:c -d\""), "(AND (WORDS text \"x\") "
	          "(WORDS text \"a OR (b) title:c -d\" phrase))");
	/* the text between the marks, as typed */
	CHECK_STR(Q("\" two  spaces \""), "(WORDS text \" two  spaces \" phrase)");
	/* typographic quotation marks, and any mark closes any */
	CHECK_STR(Q("\xE2\x80\x9C" "climate change" "\xE2\x80\x9D"),
	          "(WORDS text \"climate change\" phrase)");
	CHECK_STR(Q("\xE2\x80\x9D" "a b" "\xE2\x80\x9D"), "(WORDS text \"a b\" phrase)");
	CHECK_STR(Q("\"a b" "\xE2\x80\x9D"), "(WORDS text \"a b\" phrase)");
	CHECK_STR(Q("\xE2\x80\x9C" "a b\""), "(WORDS text \"a b\" phrase)");
	CHECK_STR(Q("\"it's\" \"a\""), "(AND (WORDS text \"it's\" phrase) (WORDS text \"a\" phrase))");
	CHECK_STR(Q("\"a\tb\""), "(WORDS text \"a\\x09b\" phrase)");
	CHECK_STR(Q("\"back\\slash\""), "(WORDS text \"back\\\\slash\" phrase)");
}

DEFINE_TEST(test_query_precedence)
{
	/* NOT > AND > OR */
	CHECK_STR(Q("a OR b c"),
	          "(OR (WORDS text \"a\") (AND (WORDS text \"b\") (WORDS text \"c\")))");
	CHECK_STR(Q("a b OR c"),
	          "(OR (AND (WORDS text \"a\") (WORDS text \"b\")) (WORDS text \"c\"))");
	CHECK_STR(Q("a AND b OR c AND d"), "(OR (AND (WORDS text \"a\") (WORDS text \"b\")) "
	          "(AND (WORDS text \"c\") (WORDS text \"d\")))");
	CHECK_STR(Q("(a OR b) c"),
	          "(AND (OR (WORDS text \"a\") (WORDS text \"b\")) (WORDS text \"c\"))");
	CHECK_STR(Q("NOT a b"), "(AND (NOT (WORDS text \"a\")) (WORDS text \"b\"))");
	CHECK_STR(Q("a OR b -c"), "(OR (WORDS text \"a\") "
	          "(AND (WORDS text \"b\") (NOT (WORDS text \"c\"))))");
	CHECK_STR(Q("a -(b OR c)"), "(AND (WORDS text \"a\") "
	          "(NOT (OR (WORDS text \"b\") (WORDS text \"c\"))))");
	CHECK_STR(Q("a NOT (b c)"), "(AND (WORDS text \"a\") "
	          "(NOT (AND (WORDS text \"b\") (WORDS text \"c\"))))");
	/* groups of the same operator are one node */
	CHECK_STR(Q("(a b) (c (d))"), "(AND (WORDS text \"a\") (WORDS text \"b\") "
	          "(WORDS text \"c\") (WORDS text \"d\"))");
	CHECK_STR(Q("a OR (b OR (c OR d))"), "(OR (WORDS text \"a\") (WORDS text \"b\") "
	          "(WORDS text \"c\") (WORDS text \"d\"))");
	CHECK_STR(Q("((a))"), "(WORDS text \"a\")");
	CHECK_STR(Q("a (-b -c)"), "(AND (WORDS text \"a\") (NOT (WORDS text \"b\")) "
	          "(NOT (WORDS text \"c\")))");
	CHECK_STR(Q("a -(b -c)"), "(AND (WORDS text \"a\") "
	          "(NOT (AND (WORDS text \"b\") (NOT (WORDS text \"c\")))))");
}

DEFINE_TEST(test_query_negation)
{
	CHECK_STR(Q("a -b"), "(AND (WORDS text \"a\") (NOT (WORDS text \"b\")))");
	CHECK_STR(Q("-b a"), "(AND (NOT (WORDS text \"b\")) (WORDS text \"a\"))");
	CHECK_STR(Q("a -\"b c\""), "(AND (WORDS text \"a\") (NOT (WORDS text \"b c\" phrase)))");
	CHECK_STR(Q("a -title:b"), "(AND (WORDS text \"a\") (NOT (WORDS title \"b\")))");
	CHECK_STR(Q("a -date:2025"), "(AND (WORDS text \"a\") (NOT (DATE 20089 20453)))");
	/* after "-" an operator's name is a word */
	CHECK_STR(Q("a -OR -AND -NOT"), "(AND (WORDS text \"a\") (NOT (WORDS text \"OR\")) "
	          "(NOT (WORDS text \"AND\")) (NOT (WORDS text \"NOT\")))");
	const char *alone = "error: query: the negation at byte 0 has no term beside it that is "
	                    "not negated (\"a -b\", not \"-b\" or \"a OR -b\")";
	CHECK_STR(Q("-a"), alone);
	CHECK_STR(Q("NOT a"), alone);
	CHECK_STR(Q("-a -b"), alone);
	CHECK_STR(Q("(-a)"), "error: query: the negation at byte 1 has no term beside it that is "
	          "not negated (\"a -b\", not \"-b\" or \"a OR -b\")");
	CHECK_STR(Q("a OR NOT b"), "error: query: the negation at byte 5 has no term beside it that "
	          "is not negated (\"a -b\", not \"-b\" or \"a OR -b\")");
	CHECK_STR(Q("a OR -b"), "error: query: the negation at byte 5 has no term beside it that "
	          "is not negated (\"a -b\", not \"-b\" or \"a OR -b\")");
	CHECK_STR(Q("a (b OR -c)"), "error: query: the negation at byte 8 has no term beside it "
	          "that is not negated (\"a -b\", not \"-b\" or \"a OR -b\")");
	/* a negation of a negation excludes nothing from anything */
	CHECK_STR(Q("a NOT NOT b"), "error: query: the negation at byte 6 has no term beside it "
	          "that is not negated (\"a -b\", not \"-b\" or \"a OR -b\")");
	CHECK_STR(Q("a -(-b)"), "error: query: the negation at byte 4 has no term beside it "
	          "that is not negated (\"a -b\", not \"-b\" or \"a OR -b\")");
	CHECK_STR(Q("date:2025 -a"), "(AND (DATE 20089 20453) (NOT (WORDS text \"a\")))");
}

/* ---- 8.3 Fields ---- */

DEFINE_TEST(test_query_fields)
{
	CHECK_STR(Q("title:climate author:Doe section:world source:bbc lang:en url:x.example/a"),
	          "(AND (WORDS title \"climate\") (WORDS author \"Doe\") (WORDS section \"world\") "
	          "(WORDS source \"bbc\") (WORDS lang \"en\") (WORDS url \"x.example/a\"))");
	CHECK_STR(Q("title:\"climate change\""), "(WORDS title \"climate change\" phrase)");
	CHECK_STR(Q("author:\xE2\x80\x9CJane Doe\xE2\x80\x9D"), "(WORDS author \"Jane Doe\" phrase)");
	/* field names in any case; the value as typed */
	CHECK_STR(Q("TITLE:Climate Author:X"), "(AND (WORDS title \"Climate\") (WORDS author \"X\"))");
	CHECK_STR(Q("url:https://x.example/a:b"), "(WORDS url \"https://x.example/a:b\")");
	/* the value is a word: an operator's name is no operator there */
	CHECK_STR(Q("title:OR"), "(WORDS title \"OR\")");
	CHECK_STR(Q("title:-x"), "(WORDS title \"-x\")");
	CHECK_STR(Q("title:a\"b\""), "(AND (WORDS title \"a\") (WORDS text \"b\" phrase))");
	CHECK_STR(Q("title:"), "error: query: \"title:\" needs a word or a \"phrase\" after it at byte 0");
	CHECK_STR(Q("a Url: b"), "error: query: \"Url:\" needs a word or a \"phrase\" after it at byte 2");
	CHECK_STR(Q("x title:(a b)"),
	          "error: query: \"title:\" needs a word or a \"phrase\" after it at byte 2");
	CHECK_STR(Q("x date:"), "error: query: \"date:\" needs a word or a \"phrase\" after it at byte 2");
	CHECK_STR(Q("title:\"a"), "error: query: unclosed quote at byte 6");
	CHECK_STR(Q("title:\"  \""), "error: query: empty phrase at byte 6");
}

/* ---- 8.4 Dates ---- */

DEFINE_TEST(test_query_dates)
{
	/* 2025-01-01 is day 20089 */
	CHECK_STR(Q("date:2025-01-01"), "(DATE 20089 20089)");
	CHECK_STR(Q("date:1970-01-01"), "(DATE 0 0)");
	CHECK_STR(Q("date:1969-12-31"), "(DATE -1 -1)");
	CHECK_STR(Q("date:2025-01..2025-03"), "(DATE 20089 20178)");
	CHECK_STR(Q("date:2025"), "(DATE 20089 20453)");
	CHECK_STR(Q("date:2025-02"), "(DATE 20120 20147)");
	CHECK_STR(Q("date:2024-02"), "(DATE 19754 19782)");
	CHECK_STR(Q("date:2024-02-29"), "(DATE 19782 19782)");
	CHECK_STR(Q("date:2000-02"), "(DATE 10988 11016)");
	CHECK_STR(Q("date:1900-02"), "(DATE -25536 -25509)");
	CHECK_STR(Q("date:2025.."), "(DATE 20089 *)");
	CHECK_STR(Q("date:..2024"), "(DATE * 20088)");
	CHECK_STR(Q("date:2025-01-31..2025-01-31"), "(DATE 20119 20119)");
	CHECK_STR(Q("DATE:\"2025\""), "(DATE 20089 20453)");
	CHECK_STR(Q("date:0000"), "(DATE -719528 -719163)");
	CHECK_STR(Q("date:9999-12-31"), "(DATE 2932896 2932896)");
	CHECK_STR(Q("a (date:2024 OR date:2025-06..)"),
	          "(AND (WORDS text \"a\") (OR (DATE 19723 20088) (DATE 20240 *)))");
	CHECK_STR(Q("a date:2025-13"), "error: query: unknown date \"2025-13\" at byte 7");
	CHECK_STR(Q("date:2025-02-30"), "error: query: unknown date \"2025-02-30\" at byte 5");
	CHECK_STR(Q("date:2025-02-29"), "error: query: unknown date \"2025-02-29\" at byte 5");
	CHECK_STR(Q("date:1900-02-29"), "error: query: unknown date \"1900-02-29\" at byte 5");
	CHECK_STR(Q("date:2025-00"), "error: query: unknown date \"2025-00\" at byte 5");
	CHECK_STR(Q("date:2025-01-00"), "error: query: unknown date \"2025-01-00\" at byte 5");
	CHECK_STR(Q("date:2025-1-5"), "error: query: unknown date \"2025-1-5\" at byte 5");
	CHECK_STR(Q("date:25"), "error: query: unknown date \"25\" at byte 5");
	CHECK_STR(Q("date:20250"), "error: query: unknown date \"20250\" at byte 5");
	CHECK_STR(Q("date:2025/01"), "error: query: unknown date \"2025/01\" at byte 5");
	CHECK_STR(Q("date:2025-01-01T10:00"),
	          "error: query: unknown date \"2025-01-01T10:00\" at byte 5");
	CHECK_STR(Q("date:yesterday"), "error: query: unknown date \"yesterday\" at byte 5");
	CHECK_STR(Q("date:\"2025 \""), "error: query: unknown date \"2025 \" at byte 6");
	CHECK_STR(Q("date:2025-01..2025-13"), "error: query: unknown date \"2025-13\" at byte 14");
	CHECK_STR(Q("date:x..2025"), "error: query: unknown date \"x\" at byte 5");
	CHECK_STR(Q("date:2025...2026"), "error: query: unknown date \".2026\" at byte 11");
	CHECK_STR(Q("date:2025..2025..2026"), "error: query: unknown date \"2025..2026\" at byte 11");
	CHECK_STR(Q("date:.."), "error: query: date range \"..\" without a date at byte 5");
	CHECK_STR(Q("date:2025-03..2025-01"),
	          "error: query: date range \"2025-03..2025-01\" ends before it begins at byte 5");
	CHECK_STR(Q("date:2025-01-02..2025-01-01"),
	          "error: query: date range \"2025-01-02..2025-01-01\" ends before it begins at byte 5");
	/* a long value is cut in the message */
	CHECK_STR(Q("date:2025-01-01aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
	          "error: query: unknown date \"2025-01-01aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...\" at byte 5");
}

/* Every day from 0000-01-01 to 9999-12-31 against the C library's
 * calendar (timegm, proleptic Gregorian in glibc): each has the day
 * number of the one before it plus one, and the month and year ranges
 * end on their last days. */
DEFINE_TEST(test_query_dates_calendar)
{
	static const int years[] = {1601, 1900, 1969, 1970, 2000, 2023, 2024, 2100, 2400};
	for (size_t i = 0; i < sizeof years / sizeof years[0]; i++) {
		for (int m = 1; m <= 12; m++) {
			struct tm tm = {.tm_year = years[i] - 1900, .tm_mon = m - 1, .tm_mday = 1};
			long first = (long)(timegm(&tm) / 86400);
			tm = (struct tm){.tm_year = years[i] - 1900 + (m == 12), .tm_mon = m % 12, .tm_mday = 1};
			long last = (long)(timegm(&tm) / 86400) - 1;
			char q[64], want[64];
			snprintf(q, sizeof q, "date:%04d-%02d", years[i], m);
			snprintf(want, sizeof want, "(DATE %ld %ld)", first, last);
			CHECK_STR(Q(q), want);
			snprintf(q, sizeof q, "date:%04d-%02d-%02ld", years[i], m, last - first + 1);
			snprintf(want, sizeof want, "(DATE %ld %ld)", last, last);
			CHECK_STR(Q(q), want);
			snprintf(q, sizeof q, "date:%04d-%02d-%02ld", years[i], m, last - first + 2);
			CHECK(strncmp(Q(q), "error: query: unknown date", 26) == 0);
		}
	}
}

/* ---- Scripts ---- */

DEFINE_TEST(test_query_scripts)
{
	CHECK_STR(Q("정부는 발표 -예산"),
	          "(AND (WORDS text \"정부는\") (WORDS text \"발표\") (NOT (WORDS text \"예산\")))");
	CHECK_STR(Q("title:\"정부 발표\" OR 국회"),
	          "(OR (WORDS title \"정부 발표\" phrase) (WORDS text \"국회\"))");
	CHECK_STR(Q("الكتاب OR كتب"), "(OR (WORDS text \"الكتاب\") (WORDS text \"كتب\"))");
	CHECK_STR(Q("\"وافق المجلس\" -الميزانية"),
	          "(AND (WORDS text \"وافق المجلس\" phrase) (NOT (WORDS text \"الميزانية\")))");
	CHECK_STR(Q("Совет AND бюджет и или не"), "(AND (WORDS text \"Совет\") (WORDS text \"бюджет\") "
	          "(WORDS text \"и\") (WORDS text \"или\") (WORDS text \"не\"))");
	CHECK_STR(Q("author:Иванов -\xE2\x80\x9Cсовет министров\xE2\x80\x9D"),
	          "(AND (WORDS author \"Иванов\") (NOT (WORDS text \"совет министров\" phrase)))");
	/* a Chinese run with no space is one word (the search makes bigrams) */
	CHECK_STR(Q("中华人民共和国 国务院"),
	          "(AND (WORDS text \"中华人民共和国\") (WORDS text \"国务院\"))");
	CHECK_STR(Q("“政府 发表”　title:东京"),
	          "(AND (WORDS text \"政府 发表\" phrase) (WORDS title \"东京\"))");
	/* the offset of an error is in bytes */
	CHECK_STR(Q("정부 \"발표"), "error: query: unclosed quote at byte 7");
	CHECK_STR(Q("date:２０２５"), "error: query: unknown date \"２０２５\" at byte 5");
}

/* ---- 8.5 Errors of structure ---- */

DEFINE_TEST(test_query_errors)
{
	CHECK_STR(Q(""), "error: query: nothing to search for");
	CHECK_STR(Q(" \t\n "), "error: query: nothing to search for");
	CHECK_STR(parsed_n(NULL, 0), "error: query: nothing to search for");
	CHECK_STR(Q("a \"b c"), "error: query: unclosed quote at byte 2");
	CHECK_STR(Q("a \xE2\x80\x9C" "b c"), "error: query: unclosed quote at byte 2");
	CHECK_STR(Q("\"\""), "error: query: empty phrase at byte 0");
	CHECK_STR(Q("a \" \xE3\x80\x80 \""), "error: query: empty phrase at byte 2");
	CHECK_STR(Q("a)"), "error: query: \")\" without \"(\" at byte 1");
	CHECK_STR(Q(")"), "error: query: \")\" without \"(\" at byte 0");
	CHECK_STR(Q("(a))"), "error: query: \")\" without \"(\" at byte 3");
	CHECK_STR(Q("a (b"), "error: query: \"(\" without \")\" at byte 2");
	CHECK_STR(Q("((a) b"), "error: query: \"(\" without \")\" at byte 0");
	CHECK_STR(Q("("), "error: query: \"(\" without \")\" at byte 0");
	CHECK_STR(Q("a ()"), "error: query: empty parentheses at byte 2");
	CHECK_STR(Q("AND"), "error: query: \"AND\" without a term before it at byte 0");
	CHECK_STR(Q("OR a"), "error: query: \"OR\" without a term before it at byte 0");
	CHECK_STR(Q("(OR a)"), "error: query: \"OR\" without a term before it at byte 1");
	CHECK_STR(Q("a AND"), "error: query: \"AND\" without a term after it at byte 2");
	CHECK_STR(Q("a OR"), "error: query: \"OR\" without a term after it at byte 2");
	CHECK_STR(Q("a AND OR b"), "error: query: \"AND\" without a term after it at byte 2");
	CHECK_STR(Q("a OR OR b"), "error: query: \"OR\" without a term after it at byte 2");
	CHECK_STR(Q("(a OR) b"), "error: query: \"OR\" without a term after it at byte 3");
	CHECK_STR(Q("a NOT"), "error: query: \"NOT\" without a term after it at byte 2");
	CHECK_STR(Q("NOT"), "error: query: \"NOT\" without a term after it at byte 0");
	CHECK_STR(Q("a NOT OR b"), "error: query: \"NOT\" without a term after it at byte 2");
	CHECK_STR(Q("AND OR NOT"), "error: query: \"AND\" without a term before it at byte 0");
	CHECK_STR(parsed_n("a\0b", 3), "error: query: NUL at byte 1");
	CHECK_STR(Q("ab\xFF"), "error: query: invalid UTF-8 at byte 2");
	CHECK_STR(Q("a \xC0\xAF"), "error: query: invalid UTF-8 at byte 2");          /* overlong */
	CHECK_STR(Q("a \xED\xA0\x80"), "error: query: invalid UTF-8 at byte 2");      /* surrogate */
	CHECK_STR(Q("caf\xC3"), "error: query: invalid UTF-8 at byte 3");             /* cut */
	CHECK_STR(Q("\"a \xE2\x80\""), "error: query: invalid UTF-8 at byte 3");
}

/* ---- 8.6 Limits ---- */

/* A query of count copies of word, separated by sep; malloc'ed. */
static char *repeated(const char *word, const char *sep, size_t count, size_t *len)
{
	size_t w = strlen(word), s = strlen(sep);
	char *q = malloc(count * (w + s) + 1);
	if (q == NULL)
		return NULL;
	size_t n = 0;
	for (size_t i = 0; i < count; i++) {
		memcpy(q + n, word, w);
		n += w;
		if (i + 1 < count) {
			memcpy(q + n, sep, s);
			n += s;
		}
	}
	q[n] = 0;
	*len = n;
	return q;
}

DEFINE_TEST(test_query_limits)
{
	size_t len;
	char *q;
	/* 4096 bytes pass, 4097 do not */
	CHECK((q = repeated("a", "", 4096, &len)) != NULL);
	CHECK(strncmp(parsed_n(q, len), "(WORDS text \"aaaa", 17) == 0);
	free(q);
	CHECK((q = repeated("a", "", 4097, &len)) != NULL);
	CHECK_STR(parsed_n(q, len), "error: query: longer than 4096 bytes");
	free(q);
	/* 10,000 terms, and 1 MB: refused before anything is read */
	CHECK((q = repeated("a", " ", 10000, &len)) != NULL);
	CHECK_STR(parsed_n(q, len), "error: query: longer than 4096 bytes");
	free(q);
	CHECK((q = repeated("word", " OR ", 10000, &len)) != NULL);
	CHECK_STR(parsed_n(q, len), "error: query: longer than 4096 bytes");
	free(q);
	CHECK((q = repeated("\xFF(", "", 1 << 19, &len)) != NULL);
	clock_t t0 = clock();
	for (int i = 0; i < 1000; i++)
		CHECK_STR(parsed_n(q, len), "error: query: longer than 4096 bytes");
	CHECK((double)(clock() - t0) / CLOCKS_PER_SEC < 0.5);
	free(q);

	/* 64 words pass, the 65th is refused where it begins */
	CHECK((q = repeated("a", " ", 64, &len)) != NULL);
	CHECK(strncmp(parsed_n(q, len), "(AND ", 5) == 0);
	free(q);
	CHECK((q = repeated("a", " ", 65, &len)) != NULL);
	CHECK_STR(parsed_n(q, len), "error: query: more than 64 words at byte 128");
	free(q);
	CHECK((q = repeated("date:2025", " OR ", 65, &len)) != NULL);
	CHECK_STR(parsed_n(q, len), "error: query: more than 64 words at byte 832");
	free(q);
	/* the words of a phrase count one by one */
	char big[512];
	CHECK((q = repeated("a", " ", 64, &len)) != NULL);
	snprintf(big, sizeof big, "title:\"%s\"", q);
	CHECK(strncmp(Q(big), "(WORDS title \"a a", 17) == 0);
	snprintf(big, sizeof big, "x title:\"%s\"", q);
	CHECK_STR(Q(big), "error: query: more than 64 words at byte 2");
	snprintf(big, sizeof big, "\"%s\" -x", q);
	CHECK_STR(Q(big), "error: query: more than 64 words at byte 131");
	free(q);

	/* 16 levels of parentheses and negations pass, 17 do not */
	CHECK_STR(Q("((((((((((((((((a))))))))))))))))"), "(WORDS text \"a\")");
	CHECK_STR(Q("(((((((((((((((((a)))))))))))))))))"),
	          "error: query: nested deeper than 16 at byte 16");
	CHECK_STR(Q("a -(b -(c -(d -(e -(f -(g -(h -(i -j))))))))"),
	          "error: query: nested deeper than 16 at byte 34");
	CHECK(strncmp(Q("a -(b -(c -(d -(e -(f -(g -(h -(i j))))))))"), "(AND (WORDS text \"a\") "
	              "(NOT (AND (WORDS text \"b\")", 47) == 0);
	CHECK((q = repeated("NOT", " ", 17, &len)) != NULL);
	snprintf(big, sizeof big, "a %s b", q);
	CHECK_STR(Q(big), "error: query: nested deeper than 16 at byte 66");
	free(q);
	CHECK((q = repeated("(", "", 4096, &len)) != NULL);
	CHECK_STR(parsed_n(q, len), "error: query: nested deeper than 16 at byte 16");
	free(q);
	CHECK((q = repeated(")", "", 4096, &len)) != NULL);
	CHECK_STR(parsed_n(q, len), "error: query: \")\" without \"(\" at byte 0");
	free(q);
}

/* ---- The leaves ---- */

DEFINE_TEST(test_query_leaves)
{
	const char *text = "(a OR title:\"b c\") -date:2025 d";
	npk__qnode *n = NULL;
	npk_error err;
	CHECK_RC(npk__query_parse(text, strlen(text), &n, &err), NPK_OK, &err);
	const npk__qnode *leaves[NPK__QUERY_WORDS];
	size_t count = npk__query_leaves(n, leaves, NPK__QUERY_WORDS);
	int ok = count == 4 && leaves[0]->kind == NPK__Q_WORDS && strcmp(leaves[0]->text, "a") == 0 &&
	         leaves[0]->at == 1 && leaves[1]->field == NPK__F_TITLE && leaves[1]->phrase &&
	         leaves[1]->len == 3 && strcmp(leaves[1]->text, "b c") == 0 && leaves[1]->at == 6 &&
	         leaves[2]->kind == NPK__Q_DATE && leaves[2]->from == 20089 && leaves[2]->to == 20453 &&
	         leaves[2]->at == 20 && strcmp(leaves[3]->text, "d") == 0 && leaves[3]->at == 30;
	/* a short array takes the first ones; the count is all of them */
	const npk__qnode *two[2];
	ok = ok && npk__query_leaves(n, two, 2) == 4 && two[0] == leaves[0] && two[1] == leaves[1];
	ok = ok && npk__query_leaves(n, NULL, 0) == 4;
	ok = ok && n->kind == NPK__Q_AND && n->nkids == 3 && n->kids[1]->kind == NPK__Q_NOT &&
	     n->kids[1]->at == 19 && n->kids[1]->nkids == 1;
	npk__query_free(n);
	npk__query_free(NULL);
	CHECK(ok);
}

/* ---- spec/search.md 8.8 ---- */

/* The literal of a cell "`...`" or "`...` (a note)" at *p, into out;
 * *p moves past the cell's closing "|". Returns 0, or -1 for another cell. */
static int cell(const char **p, char *out, size_t cap)
{
	const char *s = *p;
	while (*s == ' ')
		s++;
	if (*s++ != '`')
		return -1;
	const char *e = strchr(s, '`');
	if (e == NULL || (size_t)(e - s) >= cap)
		return -1;
	memcpy(out, s, (size_t)(e - s));
	out[e - s] = 0;
	const char *bar = strchr(e, '|'), *nl = strchr(e, '\n');
	if (bar == NULL || (nl != NULL && nl < bar) || (e[1] != ' ' || (e[2] != '|' && e[2] != '(')))
		return -1;
	*p = bar + 1;
	return 0;
}

/* Every row of the examples whose query is one `literal` gives the tree or
 * the message of its second column (a message ending "(...)" is compared
 * up to there). */
DEFINE_TEST(test_query_spec_examples)
{
	char *spec = npk_test_read_file("../../../spec/search.md", NULL);
	CHECK(spec != NULL);
	const char *line = strstr(spec, "### 8.8 Examples");
	int rows = 0, ok = line != NULL;
	for (; ok && line != NULL; line = strchr(line, '\n'), line += line != NULL) {
		char q[256], want[512];
		const char *p = line + 1;
		if (line[0] != '|' || cell(&p, q, sizeof q) != 0 || cell(&p, want, sizeof want) != 0)
			continue;
		const char *got = Q(q);
		size_t n = strlen(want);
		int same;
		if (strncmp(want, "query: ", 7) == 0) {
			if (n > 5 && strcmp(want + n - 5, "(...)") == 0)
				n -= 5;
			same = strncmp(got, "error: ", 7) == 0 && strncmp(got + 7, want, n) == 0;
		} else {
			same = strcmp(got, want) == 0;
		}
		if (!same)
			fprintf(stderr, "  spec: %s gives %s, not %s\n", q, got, want);
		ok = same;
		rows++;
	}
	free(spec);
	CHECK(ok);
	CHECK(rows >= 40);
}
