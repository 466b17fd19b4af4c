/* codec.c - cluster and page codecs (spec/format.md 4.3). zlib streams are
 * RFC 1950 with fixed parameters, so the same input gives the same bytes. */
#include <stdlib.h>

#include <zlib.h>

#include "format.h"
#include "internal.h"

int npk__compress(const uint8_t *src, size_t len, int level, unsigned *codec,
                  uint8_t **out, size_t *outlen, npk_error *err)
{
	z_stream zs;
	memset(&zs, 0, sizeof zs);
	NPK_FAIL_IF(len > UINT32_MAX, err, NPK_E_LIMIT, "block of %zu bytes too large", len);
	if (deflateInit2(&zs, level, Z_DEFLATED, 15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return npk__fail(err, NPK_E_NOMEM, "zlib: cannot start deflate");
	size_t cap = deflateBound(&zs, (uLong)len);
	uint8_t *buf = malloc(cap > len ? cap : len + 1);
	if (buf == NULL) {
		deflateEnd(&zs);
		return npk__fail(err, NPK_E_NOMEM, "out of memory compressing %zu bytes", len);
	}
	zs.next_in = (Bytef *)(uintptr_t)src;
	zs.avail_in = (uInt)len;
	zs.next_out = buf;
	zs.avail_out = (uInt)cap;
	int rc = deflate(&zs, Z_FINISH);
	size_t n = zs.total_out;
	deflateEnd(&zs);
	if (rc != Z_STREAM_END) {
		free(buf);
		return npk__fail(err, NPK_E_NOMEM, "zlib: deflate failed (%d)", rc);
	}
	if (n >= len) {
		/* Incompressible: store it, which costs nothing to read. */
		if (len)
			memcpy(buf, src, len);
		*codec = NPK_CODEC_STORED;
		*outlen = len;
	} else {
		*codec = NPK_CODEC_ZLIB;
		*outlen = n;
	}
	*out = buf;
	return NPK_OK;
}

int npk__decompress(unsigned codec, const uint8_t *src, size_t len,
                    uint8_t *dst, size_t raw_len, const char *what,
                    npk_error *err)
{
	if (codec == NPK_CODEC_STORED) {
		NPK_FAIL_IF(len != raw_len, err, NPK_E_FORMAT,
		            "%s: stored size %zu differs from its raw size %zu", what, len, raw_len);
		if (len)
			memcpy(dst, src, len);
		return NPK_OK;
	}
	NPK_FAIL_IF(codec != NPK_CODEC_ZLIB, err, NPK_E_VERSION,
	            "%s: codec %u is not supported by this reader", what, codec);
	NPK_FAIL_IF(len > UINT32_MAX || raw_len > UINT32_MAX, err, NPK_E_LIMIT,
	            "%s: too large", what);
	z_stream zs;
	memset(&zs, 0, sizeof zs);
	if (inflateInit(&zs) != Z_OK)
		return npk__fail(err, NPK_E_NOMEM, "zlib: cannot start inflate");
	zs.next_in = (Bytef *)(uintptr_t)src;
	zs.avail_in = (uInt)len;
	zs.next_out = dst;
	zs.avail_out = (uInt)raw_len;
	int rc = inflate(&zs, Z_FINISH);
	size_t produced = zs.total_out;
	size_t left_in = zs.avail_in;
	const char *zmsg = zs.msg;
	inflateEnd(&zs);
	/* The output is capped at the declared size, so a bomb stops here. */
	if (rc == Z_BUF_ERROR && produced == raw_len)
		return npk__fail(err, NPK_E_FORMAT,
		                 "%s: inflates to more than its declared %zu bytes", what, raw_len);
	if (rc == Z_BUF_ERROR || (rc == Z_OK && left_in == 0))
		return npk__fail(err, NPK_E_FORMAT,
		                 "%s: compressed stream is truncated (%zu of %zu bytes produced)",
		                 what, produced, raw_len);
	if (rc != Z_STREAM_END)
		return npk__fail(err, NPK_E_FORMAT, "%s: corrupt zlib stream (%s)", what,
		                 zmsg ? zmsg : "inflate error");
	NPK_FAIL_IF(produced != raw_len, err, NPK_E_FORMAT,
	            "%s: inflates to %zu bytes, declared %zu", what, produced, raw_len);
	NPK_FAIL_IF(left_in != 0, err, NPK_E_FORMAT,
	            "%s: %zu trailing bytes after the zlib stream", what, left_in);
	return NPK_OK;
}
