/* test.h - a tiny unit test harness: DEFINE_TEST(name) functions are
 * collected by grep (see Makefile) and run in order by main.c. Each test
 * runs in a fresh scratch folder, its current directory. */
#ifndef NPK_TEST_H
#define NPK_TEST_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern int npk_test_failed;
extern const char *npk_test_corpus; /* ../shared/corpus, or NULL */

#define DEFINE_TEST(name) void name(void); void name(void)

#define CHECK(cond) do { if (!(cond)) { \
	fprintf(stderr, "  %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
	npk_test_failed = 1; return; } } while (0)
#define CHECK_EQ_INT(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); \
	if (a_ != b_) { fprintf(stderr, "  %s:%d: %s == %lld, expected %s == %lld\n", \
	__FILE__, __LINE__, #a, a_, #b, b_); npk_test_failed = 1; return; } } while (0)
#define CHECK_STR(a, b) do { const char *a_ = (a), *b_ = (b); \
	if (!a_ || !b_ || strcmp(a_, b_) != 0) { fprintf(stderr, \
	"  %s:%d: %s is \"%s\", expected \"%s\"\n", __FILE__, __LINE__, #a, \
	a_ ? a_ : "(null)", b_ ? b_ : "(null)"); npk_test_failed = 1; return; } } while (0)
/* Checks an npk call's code, printing the error message when it differs. */
#define CHECK_RC(call, want, errp) do { int rc_ = (call); if (rc_ != (want)) { \
	fprintf(stderr, "  %s:%d: %s returned %d (%s), expected %d\n", __FILE__, \
	__LINE__, #call, rc_, (errp)->msg, (int)(want)); npk_test_failed = 1; return; } } while (0)

/* Helpers from main.c */
int npk_test_write_file(const char *path, const void *p, size_t len);
/* Reads a whole file (malloc'ed, NUL-terminated); NULL on error. */
char *npk_test_read_file(const char *path, size_t *len);
#endif
