/* path.c - what a document path may be (spec/format.md 5.1). */
#include <stdio.h>
#include <stdlib.h>

#include "format/format.h"

/* How many bytes at s[i] are escaped as \xNN (0: a plain byte): C0
 * controls, DEL, backslash, any byte of invalid UTF-8, and in UTF-8 the C1
 * controls (C2 80-9F) and the bidirectional controls U+061C (D8 9C),
 * U+200E-200F, U+202A-202E (E2 80 ..) and U+2066-2069 (E2 81 ..), with
 * which a value could reorder what a terminal shows. */
static size_t show_special(const unsigned char *s, size_t i, size_t len, int utf8)
{
	unsigned char c = s[i];
	if (c < 0x20 || c == 0x7F || c == '\\' || (c >= 0x80 && !utf8))
		return 1;
	if (c == 0xC2 && i + 1 < len && s[i + 1] <= 0x9F)
		return 2;
	if (c == 0xD8 && i + 1 < len && s[i + 1] == 0x9C)
		return 2;
	if (c != 0xE2 || i + 2 >= len)
		return 0;
	unsigned char c1 = s[i + 1], c2 = s[i + 2];
	if ((c1 == 0x80 && (c2 == 0x8E || c2 == 0x8F || (c2 >= 0xAA && c2 <= 0xAE))) ||
	    (c1 == 0x81 && c2 >= 0xA6 && c2 <= 0xA9))
		return 3;
	return 0;
}

/* Bytes shown as they are without a closer look: printable ASCII but
 * backslash. */
static const uint8_t show_plain[256] = {
	[0x20 ... 0x5B] = 1, [0x5D ... 0x7E] = 1,
};

const char *npk__show(const char *s, size_t len, char *out, size_t cap)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t o = 0;
	int utf8 = -1; /* whether s is UTF-8: found out at its first byte above 7F */
	size_t i = 0;
	while (i < len) {
		size_t j = i, room = cap > o + 4 ? cap - o - 4 : 0;
		while (j < len && show_plain[u[j]])
			j++;
		if (j > i) { /* a run of plain bytes: as much as fits */
			size_t run = j - i < room ? j - i : room;
			memcpy(out + o, s + i, run);
			o += run;
			i += run;
			if (run == room && i < len)
				break;
			continue;
		}
		if (utf8 < 0 && u[i] >= 0x80)
			utf8 = npk__utf8_ok(u, len);
		size_t n = show_special(u, i, len, utf8);
		if (o + (n ? 4 * n : 1) + 4 > cap)
			break;
		if (n == 0)
			out[o++] = s[i++];
		for (; n > 0; n--)
			o += (size_t)snprintf(out + o, cap - o, "\\x%02X", u[i++]);
	}
	if (i < len) { /* cut short: "..." where it fits */
		if (cap >= 4)
			memcpy(out + (o < cap - 4 ? o : cap - 4), "...", 4);
		return out;
	}
	if (cap > 0)
		out[o < cap ? o : cap - 1] = 0;
	return out;
}

const char *npk_text_escape(const char *s, size_t len, char *out, size_t cap)
{
	return npk__show(s, len, out, cap);
}

/* The bytes a path check stops at: '/', what 5.1 refuses (C0 controls,
 * DEL, backslash), and 0xC2, which may start a C1 control. */
static const uint8_t path_stop[256] = {
	[0x00 ... 0x1F] = 1, ['/'] = 1, ['\\'] = 1, [0x7F] = 1, [0xC2] = 1,
};

int npk_path_check(const char *path, size_t len, npk_error *err)
{
	char shown[160];
	NPK_FAIL_IF(len == 0, err, NPK_E_INPUT, "empty path");
	NPK_FAIL_IF(len > NPK_PATH_MAX, err, NPK_E_LIMIT, "%s: path of %zu bytes is longer than %u",
	            npk__show(path, len, shown, sizeof shown), len, NPK_PATH_MAX);
	NPK_FAIL_IF(!npk__utf8_ok((const uint8_t *)path, len), err, NPK_E_INPUT,
	            "%s: path is not valid UTF-8 (or holds NUL)",
	            npk__show(path, len, shown, sizeof shown));
	NPK_FAIL_IF(path[0] == '/', err, NPK_E_UNSAFE, "%s: absolute path",
	            npk__show(path, len, shown, sizeof shown));
	size_t start = 0;
	for (size_t i = 0;; i++) {
		while (i < len && !path_stop[(unsigned char)path[i]])
			i++;
		unsigned char c = i < len ? (unsigned char)path[i] : 0;
		if (i < len && c == '\\')
			return npk__fail(err, NPK_E_UNSAFE, "%s: backslash in path",
			                 npk__show(path, len, shown, sizeof shown));
		/* C0 controls, DEL, and the C1 controls U+0080-U+009F (C2 80-9F),
		 * which some terminals obey as escape sequences */
		if (i < len && (c < 0x20 || c == 0x7F ||
		                (c == 0xC2 && i + 1 < len && (unsigned char)path[i + 1] <= 0x9F)))
			return npk__fail(err, NPK_E_INPUT, "%s: control character in path",
			                 npk__show(path, len, shown, sizeof shown));
		if (i < len && c != '/')
			continue;
		size_t n = i - start;
		if (n == 0)
			return npk__fail(err, NPK_E_UNSAFE, "%s: empty path component",
			                 npk__show(path, len, shown, sizeof shown));
		if ((n == 1 && path[start] == '.') || (n == 2 && path[start] == '.' && path[start + 1] == '.'))
			return npk__fail(err, NPK_E_UNSAFE, "%s: \".\" or \"..\" in path",
			                 npk__show(path, len, shown, sizeof shown));
		if (n > NPK_COMPONENT_MAX)
			return npk__fail(err, NPK_E_LIMIT, "%s: a path component is longer than %u bytes",
			                 npk__show(path, len, shown, sizeof shown), NPK_COMPONENT_MAX);
		start = i + 1;
		if (i >= len)
			break;
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
