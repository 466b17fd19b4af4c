/* replay.c - runs a fuzz target over files, without libFuzzer.
 *
 *   replay_TARGET FILE_OR_FOLDER...
 *
 * Each file is one input. Used by `make check` over
 * tests/fuzz/corpus/TARGET/, the seeds and every input that once crashed
 * or hung a target, so that none can come back. A crash ends the run
 * (the sanitizers of SANITIZE=1 report it); otherwise prints
 * "TARGET: N inputs". */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static size_t ran;

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		perror(path);
		return -1;
	}
	size_t cap = 1 << 16, len = 0;
	uint8_t *buf = malloc(cap);
	size_t n;
	while (buf != NULL && (n = fread(buf + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len == cap) {
			uint8_t *nb = realloc(buf, cap * 2);
			if (nb == NULL) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
	}
	int bad = ferror(f) || buf == NULL;
	fclose(f);
	if (bad) {
		fprintf(stderr, "%s: cannot read\n", path);
		free(buf);
		return -1;
	}
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	ran++;
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_path(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		perror(path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return run_file(path);
	DIR *d = opendir(path);
	if (d == NULL) {
		perror(path);
		return -1;
	}
	char **names = NULL;
	size_t count = 0, cap = 0;
	struct dirent *e;
	int rc = 0;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (count == cap) {
			char **nn = realloc(names, (cap = cap ? 2 * cap : 64) * sizeof *names);
			if (nn == NULL) {
				rc = -1;
				break;
			}
			names = nn;
		}
		if ((names[count] = malloc(strlen(path) + strlen(e->d_name) + 2)) == NULL) {
			rc = -1;
			break;
		}
		sprintf(names[count++], "%s/%s", path, e->d_name);
	}
	closedir(d);
	if (names != NULL)
		qsort(names, count, sizeof *names, name_cmp);
	for (size_t i = 0; i < count; i++) {
		if (rc == 0)
			rc = run_path(names[i]);
		free(names[i]);
	}
	free(names);
	return rc;
}

int main(int argc, char **argv)
{
	const char *name = strrchr(argv[0], '/');
	name = name ? name + 1 : argv[0];
	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE_OR_FOLDER...\n", name);
		return 2;
	}
	for (int i = 1; i < argc; i++)
		if (run_path(argv[i]) != 0)
			return 1;
	printf("%s: %zu inputs\n", name, ran);
	return 0;
}
