/* path.c - what a document path may be (spec/format.md 5.1). */
#include <stdlib.h>

#include "format.h"
#include "internal.h"

int npk_path_check(const char *path, size_t len, npk_error *err)
{
	NPK_FAIL_IF(len == 0, err, NPK_E_INPUT, "empty path");
	NPK_FAIL_IF(len > NPK_PATH_MAX, err, NPK_E_LIMIT, "path of %zu bytes is longer than %u",
	            len, NPK_PATH_MAX);
	NPK_FAIL_IF(!npk__utf8_ok((const uint8_t *)path, len), err, NPK_E_INPUT,
	            "path is not valid UTF-8 (or holds NUL)");
	NPK_FAIL_IF(path[0] == '/', err, NPK_E_UNSAFE, "%.*s: absolute path", (int)len, path);
	size_t start = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && path[i] == '\\')
			return npk__fail(err, NPK_E_UNSAFE, "%.*s: backslash in path", (int)len, path);
		if (i < len && (unsigned char)path[i] < 0x20)
			return npk__fail(err, NPK_E_INPUT, "%.*s: control character in path", (int)len, path);
		if (i < len && path[i] != '/')
			continue;
		size_t n = i - start;
		if (n == 0)
			return npk__fail(err, NPK_E_UNSAFE, "%.*s: empty path component", (int)len, path);
		if ((n == 1 && path[start] == '.') || (n == 2 && path[start] == '.' && path[start + 1] == '.'))
			return npk__fail(err, NPK_E_UNSAFE, "%.*s: \".\" or \"..\" in path", (int)len, path);
		if (n > NPK_COMPONENT_MAX)
			return npk__fail(err, NPK_E_LIMIT, "%.*s: a path component is longer than %u bytes",
			                 (int)len, path, NPK_COMPONENT_MAX);
		start = i + 1;
	}
	return NPK_OK;
}

/* Paths arrive in order, so a document can be the folder of a later path
 * only while every path since then began with it followed by a byte below
 * '/'. Those candidates form a chain, each a prefix of the next, so the
 * stack is never deeper than the longest path. */
int npk__pathstack_push(npk_pathstack *s, const char *path, const char **clash)
{
	*clash = NULL;
	while (s->n > 0) {
		const char *t = s->v[s->n - 1];
		size_t tl = strlen(t);
		if (strncmp(path, t, tl) == 0) {
			if (path[tl] == '/') {
				*clash = t;
				return 0;
			}
			if ((unsigned char)path[tl] < '/')
				break;
		}
		free(s->v[--s->n]);
	}
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 16;
		char **nv = realloc(s->v, nc * sizeof *nv);
		if (nv == NULL)
			return -1;
		s->v = nv;
		s->cap = nc;
	}
	if ((s->v[s->n] = strdup(path)) == NULL)
		return -1;
	s->n++;
	return 0;
}

void npk__pathstack_free(npk_pathstack *s)
{
	while (s->n > 0)
		free(s->v[--s->n]);
	free(s->v);
	s->v = NULL;
	s->cap = 0;
}
