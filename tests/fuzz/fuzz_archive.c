/* fuzz_archive.c - opening, listing, finding, reading and verifying an
 * archive, as newspack verify, list, cat and extract do (to memory). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "newspack.h"

#define READ_MAX 64           /* documents read one by one per input */

typedef struct walk {
	npk_reader *r;
	size_t n;
	char *first;
} walk;

static int count_bytes(const uint8_t *buf, size_t len, void *ctx)
{
	(void)buf;
	*(size_t *)ctx += len;
	return 0;
}

static int on_entry(const npk_entry *e, void *ctx)
{
	walk *w = ctx;
	if (w->n == 0)
		w->first = strdup(e->path);
	if (w->n++ < READ_MAX) {
		size_t got = 0;
		npk_error err;
		npk_reader_read(w->r, e, count_bytes, &got, &err);
		/* The meta list of an entry is walked as list --json does. */
		size_t k = npk_meta_count(e->meta);
		for (size_t i = 0; i < k; i++) {
			const char *key, *value;
			npk_meta_get(e->meta, i, &key, &value);
		}
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	int fd = fuzz_memfile(data, size, path);
	if (fd < 0)
		return 0;
	npk_reader *r = NULL;
	npk_error err;
	if (npk_reader_open(path, NULL, 1, &r, &err) == NPK_OK) {
		npk_info in;
		npk_reader_info(r, &in);
		npk_reader_set_threads(r, 1);
		walk w = {r, 0, NULL};
		npk_reader_list(r, on_entry, &w, &err);
		const npk_entry *e;
		if (w.first != NULL && npk_reader_find(r, w.first, &e, &err) == NPK_OK) {
			size_t got = 0;
			npk_reader_read(r, e, count_bytes, &got, &err);
		}
		npk_reader_find(r, "zz/not/there", &e, &err);
		free(w.first);
		npk_verify_stats st;
		npk_reader_verify(r, NULL, NULL, &st, &err);
		npk_reader_free(r);
	}
	close(fd);
	return 0;
}
