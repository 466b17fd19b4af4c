/* main.c - runs every DEFINE_TEST collected into list.h, each in its own
 * scratch folder, and prints the closing line "N passed, N failed". */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test.h"

int npk_test_failed;
const char *npk_test_corpus;

#define T(name) void name(void);
#include "list.h"
#undef T

static const struct { const char *name; void (*fn)(void); } tests[] = {
#define T(name) { #name, name },
#include "list.h"
#undef T
};

int npk_test_write_file(const char *path, const void *p, size_t len)
{
	FILE *f = fopen(path, "wb");
	if (f == NULL)
		return -1;
	if (len && fwrite(p, 1, len, f) != len) {
		fclose(f);
		return -1;
	}
	return fclose(f) == 0 ? 0 : -1;
}

char *npk_test_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	size_t cap = 4096, n = 0;
	char *p = malloc(cap + 1);
	size_t r;
	while (p && (r = fread(p + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap) {
			char *q = realloc(p, cap * 2 + 1);
			if (!q) { free(p); p = NULL; break; }
			p = q;
			cap *= 2;
		}
	}
	fclose(f);
	if (p) {
		p[n] = 0;
		if (len)
			*len = n;
	}
	return p;
}

int main(int argc, char **argv)
{
	char top[4096], scratch[4200];
	int passed = 0, failed = 0;

	if (getcwd(top, sizeof top) == NULL)
		return 2;
	static char corpus[4200];
	const char *env = getenv("NPK_CORPUS");
	snprintf(corpus, sizeof corpus, "%s", env ? env : "");
	if (env == NULL) {
		/* tests run from tests/unit: the corpus sits beside the project */
		snprintf(corpus, sizeof corpus, "%s/../../../shared/corpus", top);
	}
	struct stat st;
	npk_test_corpus = stat(corpus, &st) == 0 ? corpus : NULL;

	for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
		if (argc > 1 && strstr(tests[i].name, argv[1]) == NULL)
			continue;
		snprintf(scratch, sizeof scratch, "%s/../../build/scratch/%s", top, tests[i].name);
		char cmd[8600];
		snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", scratch, scratch);
		if (system(cmd) != 0 || chdir(scratch) != 0) {
			fprintf(stderr, "cannot make %s\n", scratch);
			return 2;
		}
		npk_test_failed = 0;
		tests[i].fn();
		if (chdir(top) != 0)
			return 2;
		printf("%s %s\n", npk_test_failed ? "FAIL" : "ok  ", tests[i].name);
		if (npk_test_failed)
			failed++;
		else
			passed++;
	}
	printf("unit: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
