/* fuzz_warc.c - reading a WARC file (src/lib/interchange/warc.c) as the importer
 * does: every record's header, every document read to its end (digests,
 * chunked framing, content codings), then the sniffing of the file. */
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "interchange/warc.h"

/* Bytes read of one document: the reader's own cap is 4 GiB, too much for
 * a fuzzer's time. */
#define DOC_READ_MAX ((uint64_t)64 << 20)

static size_t touch(const char *s)
{
	return s ? strlen(s) : 0;
}

/* Every field of the record is read, so that a bad pointer shows. */
static size_t touch_rec(const npk__warc_rec *r)
{
	return touch(r->version) + touch(r->type) + touch(r->target_uri) + touch(r->date) +
	       touch(r->record_id) + touch(r->content_type) + touch(r->payload_digest) +
	       touch(r->block_digest) + touch(r->refers_to) + touch(r->refers_to_uri) +
	       touch(r->refers_to_date) + touch(r->profile) + touch(r->truncated) +
	       touch(r->identified_type) + touch(r->http_content_type) +
	       touch(r->http_content_encoding) + touch(r->media_type);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[1 << 16];
	char path[64];
	int fd = fuzz_memfile(data, size, path);
	if (fd < 0)
		return 0;
	npk__warc *w;
	npk_error err;
	if (npk__warc_open_fd(fd, "fuzz.warc", &w, &err) == NPK_OK) {
		const npk__warc_rec *r;
		size_t seen = 0, n = 0;
		while (npk__warc_next(w, &r, &err) == NPK_OK && r != NULL) {
			seen += touch_rec(r);
			if (!r->is_doc)
				continue;
			/* small reads and large ones, alternately */
			size_t cap = n++ % 2 ? sizeof buf : 13, got;
			uint64_t total = 0;
			while (npk__warc_read(w, buf, cap, &got, &err) == NPK_OK && got > 0 &&
			       (total += got) < DOC_READ_MAX)
				;
		}
		npk__warc_stats st;
		npk__warc_digests dg;
		npk__warc_get_stats(w, &st);
		npk__warc_get_digests(w, &dg);
		npk__warc_close(w);
		(void)seen;
	}
	npk__warc_sniff(path);
	close(fd);
	return 0;
}
