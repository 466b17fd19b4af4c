/*
 * encode.c - compressing clusters and pages (spec/format.md 4.3).
 *
 * zlib streams (codec 1) are made with libdeflate when the build has it,
 * which is several times faster than zlib at the same ratio, and with zlib
 * otherwise; both give standard RFC 1950 streams that any zlib reader
 * decodes, and each gives the same bytes for the same input every time.
 * zstd frames (codec 2, RFC 8878) are made with libzstd. Reading (codec.c)
 * needs none of libdeflate, so the reading program does not load it.
 */
#include <stdlib.h>

#include <zlib.h>
#include <zstd.h>
#ifdef NPK_HAVE_LIBDEFLATE
#include <libdeflate.h>
#endif

#include "format/format.h"

struct npk_encoder {
	unsigned codec;
	int level;
#ifdef NPK_HAVE_LIBDEFLATE
	struct libdeflate_compressor *ld;
#else
	z_stream zs;
	int zs_ready;
#endif
	ZSTD_CCtx *zc;
	ZSTD_CDict *cd;           /* codec 3 (15.18) */
};

const char *npk_deflate_name(void)
{
#ifdef NPK_HAVE_LIBDEFLATE
	return "libdeflate";
#else
	return "zlib";
#endif
}

npk_encoder *npk__encoder_new(unsigned codec, int level)
{
	npk_encoder *e = calloc(1, sizeof *e);
	if (e == NULL)
		return NULL;
	e->codec = codec;
	e->level = level;
	if (codec == NPK_CODEC_ZSTD) {
		e->zc = ZSTD_createCCtx();
		if (e->zc == NULL || ZSTD_isError(ZSTD_CCtx_setParameter(e->zc, ZSTD_c_compressionLevel, level)) ||
		    ZSTD_isError(ZSTD_CCtx_setParameter(e->zc, ZSTD_c_checksumFlag, 0)) ||
		    ZSTD_isError(ZSTD_CCtx_setParameter(e->zc, ZSTD_c_contentSizeFlag, 1))) {
			npk__encoder_free(e);
			return NULL;
		}
		return e;
	}
#ifdef NPK_HAVE_LIBDEFLATE
	e->ld = libdeflate_alloc_compressor(level);
	if (e->ld == NULL) {
		free(e);
		return NULL;
	}
#else
	if (deflateInit2(&e->zs, level, Z_DEFLATED, 15, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
		free(e);
		return NULL;
	}
	e->zs_ready = 1;
#endif
	return e;
}

npk_encoder *npk__encoder_new_dict(int level, const uint8_t *content, size_t len)
{
	npk_encoder *e = npk__encoder_new(NPK_CODEC_ZSTD, level);
	if (e == NULL)
		return NULL;
	e->codec = NPK_CODEC_ZSTD_DICT;
	/* raw content (15.18 keeps the structured magic out of it); the level
	 * is the dictionary's, as libzstd takes it from there */
	e->cd = ZSTD_createCDict(content, len, level);
	if (e->cd == NULL || ZSTD_isError(ZSTD_CCtx_refCDict(e->zc, e->cd))) {
		npk__encoder_free(e);
		return NULL;
	}
	return e;
}

void npk__encoder_free(npk_encoder *e)
{
	if (e == NULL)
		return;
#ifdef NPK_HAVE_LIBDEFLATE
	if (e->ld)
		libdeflate_free_compressor(e->ld);
#else
	if (e->zs_ready)
		deflateEnd(&e->zs);
#endif
	ZSTD_freeCCtx(e->zc);
	ZSTD_freeCDict(e->cd);
	free(e);
}

/* Compresses into dst of cap bytes; returns the size, or 0 when the
 * result would not fit (then the block is stored). */
static size_t encode(npk_encoder *e, const uint8_t *src, size_t len, uint8_t *dst, size_t cap)
{
	if (e->codec == NPK_CODEC_ZSTD || e->codec == NPK_CODEC_ZSTD_DICT) {
		size_t n = ZSTD_compress2(e->zc, dst, cap, src, len);
		/* 15.18: codec 3 is a single segment (its window is the cluster,
		 * which --cluster-size keeps far below the level's window) */
		if (!ZSTD_isError(n) && e->codec == NPK_CODEC_ZSTD_DICT && (n < 5 || !(dst[4] & 0x20)))
			return 0;
		return ZSTD_isError(n) ? 0 : n;
	}
#ifdef NPK_HAVE_LIBDEFLATE
	return libdeflate_zlib_compress(e->ld, src, len, dst, cap);
#else
	if (deflateReset(&e->zs) != Z_OK)
		return 0;
	e->zs.next_in = (Bytef *)(uintptr_t)src;
	e->zs.avail_in = (uInt)len;
	e->zs.next_out = dst;
	e->zs.avail_out = (uInt)cap;
	return deflate(&e->zs, Z_FINISH) == Z_STREAM_END ? e->zs.total_out : 0;
#endif
}

int npk__compress(npk_encoder *e, const uint8_t *src, size_t len, unsigned *codec,
                  uint8_t **out, size_t *outlen, npk_error *err)
{
	NPK_FAIL_IF(len > UINT32_MAX, err, NPK_E_LIMIT, "block of %zu bytes too large", len);
	uint8_t *buf = malloc(len ? len : 1);
	NPK_FAIL_IF(buf == NULL, err, NPK_E_NOMEM, "out of memory compressing %zu bytes", len);
	/* Only a result smaller than the input is kept: stored_size <= raw_size. */
	size_t n = len > 1 ? encode(e, src, len, buf, len - 1) : 0;
	if (n == 0) {
		if (len)
			memcpy(buf, src, len);
		*codec = NPK_CODEC_STORED;
		*outlen = len;
	} else {
		*codec = e->codec;
		*outlen = n;
	}
	*out = buf;
	return NPK_OK;
}
