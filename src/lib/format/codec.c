/*
 * codec.c - decoding clusters and pages (spec/format.md 4.3); encode.c
 * makes them.
 *
 * zlib streams (codec 1) are read with zlib in every build: libdeflate
 * reads a few streams that RFC 1951 forbids instead of refusing them
 * (length symbols 286 and 287, more than 286 length or 30 distance codes),
 * and a signed archive must get one verdict whichever library a reader was
 * built with.
 * zstd frames (codec 2, RFC 8878) are read with libzstd, and so are those
 * of codec 3, with the file's raw content dictionary (15.18).
 *
 * Decoding is bounded by the declared raw size whatever the payload says,
 * and refuses anything but exactly one stream filling exactly that size.
 */
#include <stdlib.h>
#include <string.h>

#include <zlib.h>
#include <zstd.h>

#include "format/format.h"

struct npk_decoder {
	z_stream zs;              /* reset for each stream */
	int zs_ready;
	z_stream zr;              /* raw deflate, for prefixes (inflate_zlib_prefix) */
	int zr_ready;
	ZSTD_DCtx *zd;
};

struct npk_dict {
	ZSTD_DDict *dd;
};

npk_dict *npk__dict_new(const uint8_t *content, size_t len)
{
	/* raw content: libzstd reads a dictionary as structured only when it
	 * starts with the magic, which 15.18 forbids (the caller checked) */
	if (len < 8 || npk__ld32(content) == NPK_DICT_STRUCTURED)
		return NULL;
	npk_dict *k = malloc(sizeof *k);
	if (k == NULL)
		return NULL;
	k->dd = ZSTD_createDDict(content, len);
	if (k->dd == NULL) {
		free(k);
		return NULL;
	}
	return k;
}

void npk__dict_free(npk_dict *k)
{
	if (k == NULL)
		return;
	ZSTD_freeDDict(k->dd);
	free(k);
}

npk_decoder *npk__decoder_new(void)
{
	npk_decoder *d = calloc(1, sizeof *d);
	if (d == NULL)
		return NULL;
	if (inflateInit(&d->zs) != Z_OK) {
		free(d);
		return NULL;
	}
	d->zs_ready = 1;
	return d;
}

void npk__decoder_free(npk_decoder *d)
{
	if (d == NULL)
		return;
	if (d->zs_ready)
		inflateEnd(&d->zs);
	if (d->zr_ready)
		inflateEnd(&d->zr);
	ZSTD_freeDCtx(d->zd);
	free(d);
}

int npk__zlib_header_ok(const uint8_t *src, size_t len)
{
	return len >= 2 && (src[0] & 0x0f) == 8 && (src[0] >> 4) <= 7 &&
	       ((unsigned)src[0] << 8 | src[1]) % 31 == 0 && !(src[1] & 0x20);
}

/* Inflates src into dst, at most cap bytes, with flush; *zrc gets
 * inflate's result, and d->zs tells how far it went. */
static int zs_inflate(npk_decoder *d, const uint8_t *src, size_t len, uint8_t *dst, size_t cap,
                      int flush, int *zrc, npk_error *err)
{
	z_stream *zs = &d->zs;
	NPK_FAIL_IF(inflateReset(zs) != Z_OK, err, NPK_E_NOMEM, "zlib: cannot start inflate");
	zs->next_in = (Bytef *)(uintptr_t)src;
	zs->avail_in = (uInt)len;
	zs->next_out = dst;
	zs->avail_out = (uInt)cap;
	*zrc = inflate(zs, flush);
	return NPK_OK;
}

/* What a pulled stream is made readable by at a time (npk__decompress_pull):
 * about a tenth of a 1 MiB cluster's stored bytes. */
#define PULL_STEP (32u << 10)

/* Only the first want bytes of a stream of raw_len: inflate stops there.
 * The stream's end, and so its Adler-32, is never reached: its deflate
 * data (after the 2-byte header, checked by the caller) is read raw, so
 * that no Adler-32 of the output is computed for nothing (a tenth of the
 * time of a document read on its own). The verdict is that of a zlib
 * stream read to that point: the same deflate data, the same errors. */
static int inflate_zlib_prefix(npk_decoder *d, const uint8_t *src, size_t len, uint8_t *dst,
                               size_t want, npk_ready_fn ready, void *ctx, const char *what,
                               npk_error *err)
{
	if (!d->zr_ready) {
		memset(&d->zr, 0, sizeof d->zr);
		NPK_FAIL_IF(inflateInit2(&d->zr, -15) != Z_OK, err, NPK_E_NOMEM,
		            "zlib: cannot start inflate");
		d->zr_ready = 1;
	}
	z_stream *zr = &d->zr;
	NPK_FAIL_IF(inflateReset(zr) != Z_OK, err, NPK_E_NOMEM, "zlib: cannot start inflate");
	/* Without ready, the whole of src is there; with it, src is made
	 * readable a step at a time, as inflate asks for more. */
	size_t have = ready != NULL && len > PULL_STEP ? PULL_STEP : len;
	if (ready != NULL)
		ready(ctx, have);
	zr->next_in = (Bytef *)(uintptr_t)(src + 2);
	zr->avail_in = (uInt)(have - 2);
	zr->next_out = dst;
	zr->avail_out = (uInt)want;
	int rc;
	for (;;) {
		rc = inflate(zr, Z_SYNC_FLUSH);
		if (rc != Z_OK && rc != Z_BUF_ERROR)
			break;
		if (zr->total_out == want || zr->avail_in != 0 || have == len)
			break;
		size_t more = len - have > PULL_STEP ? PULL_STEP : len - have;
		ready(ctx, have + more);
		zr->avail_in = (uInt)more;
		have += more;
	}
	NPK_FAIL_IF((rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) || zr->total_out != want,
	            err, NPK_E_FORMAT, "%s: corrupt or truncated zlib stream", what);
	return NPK_OK;
}

/* With ready (npk__decompress_pull), a prefix makes src readable as it
 * goes, the header first; a whole stream needs all of it at once. */
static int inflate_zlib(npk_decoder *d, const uint8_t *src, size_t len, uint8_t *dst,
                        size_t raw_len, size_t want, npk_ready_fn ready, void *ctx,
                        const char *what, npk_error *err)
{
	if (ready != NULL)
		ready(ctx, want < raw_len && len > 2 ? 2 : len);
	NPK_FAIL_IF(!npk__zlib_header_ok(src, len), err, NPK_E_FORMAT,
	            "%s: not a zlib stream (bad header, or a preset dictionary)", what);
	if (want < raw_len)
		return inflate_zlib_prefix(d, src, len, dst, want, ready, ctx, what, err);
	int rc = Z_OK;
	NPK_FORWARD(zs_inflate(d, src, len, dst, raw_len, Z_FINISH, &rc, err));
	const z_stream *zs = &d->zs;
	size_t produced = zs->total_out;
	size_t left_in = zs->avail_in;
	/* The output is capped at the declared size, so a bomb stops here. */
	if (rc == Z_BUF_ERROR && produced == raw_len && left_in > 0)
		return npk__fail(err, NPK_E_FORMAT,
		                 "%s: inflates to more than its declared %zu bytes", what, raw_len);
	NPK_FAIL_IF(rc != Z_STREAM_END, err, NPK_E_FORMAT, "%s: corrupt or truncated zlib stream",
	            what);
	NPK_FAIL_IF(produced != raw_len, err, NPK_E_FORMAT,
	            "%s: inflates to %zu bytes, declared %zu", what, produced, raw_len);
	NPK_FAIL_IF(left_in != 0, err, NPK_E_FORMAT,
	            "%s: %zu trailing bytes after the zlib stream", what, left_in);
	return NPK_OK;
}

static int inflate_zstd(npk_decoder *d, const uint8_t *src, size_t len, uint8_t *dst,
                        size_t raw_len, const npk_dict *dict, const char *what, npk_error *err)
{
	if (d->zd == NULL) {
		d->zd = ZSTD_createDCtx();
		/* No window larger than a cluster may be: memory stays bounded. */
		if (d->zd == NULL ||
		    ZSTD_isError(ZSTD_DCtx_setParameter(d->zd, ZSTD_d_windowLogMax, 26)))
			return npk__fail(err, NPK_E_NOMEM, "zstd: cannot start a decoder");
	}
	/* Exactly one frame, filling the payload, declaring its size. */
	size_t flen = ZSTD_findFrameCompressedSize(src, len);
	NPK_FAIL_IF(ZSTD_isError(flen), err, NPK_E_FORMAT, "%s: corrupt or truncated zstd frame",
	            what);
	NPK_FAIL_IF(flen != len, err, NPK_E_FORMAT, "%s: %zu trailing bytes after the zstd frame",
	            what, len - flen);
	unsigned long long fcs = ZSTD_getFrameContentSize(src, len);
	NPK_FAIL_IF(fcs != raw_len, err, NPK_E_FORMAT,
	            "%s: zstd frame declares %llu bytes, the object %zu", what,
	            fcs == ZSTD_CONTENTSIZE_UNKNOWN || fcs == ZSTD_CONTENTSIZE_ERROR ? 0ull : fcs,
	            raw_len);
	size_t n;
	if (dict != NULL) {
		/* 15.18: a single segment naming no dictionary, read with the
		 * file's own content as its history */
		NPK_FAIL_IF(len < 5 || npk__ld32(src) != ZSTD_MAGICNUMBER, err, NPK_E_FORMAT,
		            "%s: corrupt or truncated zstd frame", what);
		unsigned id = ZSTD_getDictID_fromFrame(src, len);
		NPK_FAIL_IF(id != 0, err, NPK_E_FORMAT, "%s: the zstd frame names dictionary %u; a "
		            "cluster of codec 3 names none", what, id);
		/* byte 4: the Frame_Header_Descriptor, bit 5 Single_Segment_flag */
		NPK_FAIL_IF(!(src[4] & 0x20), err, NPK_E_FORMAT, "%s: the zstd frame of a cluster of "
		            "codec 3 is not a single segment", what);
		n = ZSTD_decompress_usingDDict(d->zd, dst, raw_len, src, len, dict->dd);
	} else {
		n = ZSTD_decompressDCtx(d->zd, dst, raw_len, src, len);
	}
	NPK_FAIL_IF(ZSTD_isError(n), err, NPK_E_FORMAT, "%s: corrupt zstd frame (%s)", what,
	            ZSTD_getErrorName(n));
	NPK_FAIL_IF(n != raw_len, err, NPK_E_FORMAT, "%s: zstd frame gives %zu bytes, declared %zu",
	            what, n, raw_len);
	return NPK_OK;
}

static int decode(npk_decoder *d, unsigned codec, const npk_dict *dict, const uint8_t *src,
                  size_t len, uint8_t *dst, size_t raw_len, size_t want, npk_ready_fn ready,
                  void *ctx, const char *what, npk_error *err);

int npk__decompress(npk_decoder *d, unsigned codec, const uint8_t *src, size_t len,
                    uint8_t *dst, size_t raw_len, const char *what, npk_error *err)
{
	return decode(d, codec, NULL, src, len, dst, raw_len, raw_len, NULL, NULL, what, err);
}

static int decode(npk_decoder *d, unsigned codec, const npk_dict *dict, const uint8_t *src,
                  size_t len, uint8_t *dst, size_t raw_len, size_t want, npk_ready_fn ready,
                  void *ctx, const char *what, npk_error *err)
{
	NPK_FAIL_IF(len > UINT32_MAX || raw_len > UINT32_MAX, err, NPK_E_FORMAT, "%s: too large",
	            what);
	if (codec == NPK_CODEC_ZLIB)
		return inflate_zlib(d, src, len, dst, raw_len, want < raw_len ? want : raw_len, ready,
		                    ctx, what, err);
	if (ready != NULL)
		ready(ctx, len);
	switch (codec) {
	case NPK_CODEC_STORED:
		NPK_FAIL_IF(len != raw_len, err, NPK_E_FORMAT,
		            "%s: stored size %zu differs from its raw size %zu", what, len, raw_len);
		if (len)
			memcpy(dst, src, len);
		return NPK_OK;
	case NPK_CODEC_ZSTD:
		return inflate_zstd(d, src, len, dst, raw_len, NULL, what, err);
	case NPK_CODEC_ZSTD_DICT:
		/* 15.18: only a cluster, of a file with a dictionary */
		NPK_FAIL_IF(dict == NULL, err, NPK_E_FORMAT, "%s: codec 3 (zstd with the file's "
		            "dictionary) where no dictionary serves", what);
		return inflate_zstd(d, src, len, dst, raw_len, dict, what, err);
	default:
		return npk__fail(err, NPK_E_VERSION, "%s: codec %u is not supported by this reader",
		                 what, codec);
	}
}

int npk__decompress_prefix(npk_decoder *d, unsigned codec, const npk_dict *dict,
                           const uint8_t *src, size_t len, uint8_t *dst, size_t raw_len,
                           size_t want, const char *what, npk_error *err)
{
	return decode(d, codec, dict, src, len, dst, raw_len, want, NULL, NULL, what, err);
}

int npk__decompress_pull(npk_decoder *d, unsigned codec, const npk_dict *dict,
                         const uint8_t *src, size_t len, uint8_t *dst, size_t raw_len,
                         size_t want, npk_ready_fn ready, void *ctx, const char *what,
                         npk_error *err)
{
	return decode(d, codec, dict, src, len, dst, raw_len, want, ready, ctx, what, err);
}
