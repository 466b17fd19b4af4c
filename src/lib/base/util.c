/* util.c - errors, byte buffers, digests. */
#include <stdio.h>
#include <stdlib.h>

#include <sodium.h>

#include "base/base.h"

static const char *const npk_err_names[] = {
	[NPK_OK] = "success",
	[NPK_E_NOMEM] = "out of memory",
	[NPK_E_IO] = "input/output error",
	[NPK_E_ARG] = "invalid argument",
	[NPK_E_FORMAT] = "malformed archive",
	[NPK_E_VERSION] = "archive needs a newer reader",
	[NPK_E_DIGEST] = "digest mismatch: data damaged",
	[NPK_E_SIGNATURE] = "signature verification failed",
	[NPK_E_UNTRUSTED] = "signed by a key that is not trusted",
	[NPK_E_NOTFOUND] = "not found",
	[NPK_E_KEY] = "malformed key file",
	[NPK_E_PASSPHRASE] = "passphrase missing or wrong",
	[NPK_E_LIMIT] = "limit of the format exceeded",
	[NPK_E_INPUT] = "unusable input",
	[NPK_E_EXISTS] = "file exists",
	[NPK_E_UNSAFE] = "unsafe path",
	[NPK_E_CANCELED] = "canceled",
	[NPK_E_SEALED] = "sealed: a key is needed",
	[NPK_E_NOKEY] = "no key given opens it",
};

const char *npk_strerror(int code)
{
	if (code < 0 || (size_t)code >= sizeof npk_err_names / sizeof npk_err_names[0] ||
	    npk_err_names[code] == NULL)
		return "unknown error";
	return npk_err_names[code];
}

static int fail_v(npk_error *err, int code, int reason, const char *fmt, va_list ap)
{
	if (err != NULL) {
		err->code = code;
		err->reason = reason;
		err->bare = 0;
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	}
	return code;
}

int npk__fail(npk_error *err, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fail_v(err, code, NPK_R_NONE, fmt, ap);
	va_end(ap);
	return code;
}

int npk__fail_why(npk_error *err, int code, int reason, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fail_v(err, code, reason, fmt, ap);
	va_end(ap);
	return code;
}

int npk__wrap(npk_error *err, int code, const char *fmt, ...)
{
	if (err == NULL)
		return code;
	char old[sizeof err->msg];
	memcpy(old, err->msg, sizeof old);
	old[sizeof old - 1] = 0;
	size_t bare = err->bare < strlen(old) ? err->bare : 0;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	size_t used = n < 0 ? 0 : (size_t)n < sizeof err->msg ? (size_t)n : sizeof err->msg - 1;
	snprintf(err->msg + used, sizeof err->msg - used, "%s", old);
	err->code = code;
	err->bare = used + bare < sizeof err->msg - 1 ? used + bare : used;
	return code;
}

const char *npk__bare(const npk_error *err, const char *dflt)
{
	if (err == NULL || err->code == NPK_OK)
		return dflt;
	return err->bare < sizeof err->msg && err->bare <= strlen(err->msg) ? err->msg + err->bare : err->msg;
}

int npk__buf_reserve(npk_buf *b, size_t extra)
{
	if (extra <= b->cap - b->len)
		return 0;
	size_t need = b->len + extra;
	if (need < b->len)
		return -1;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < need) {
		if (cap > SIZE_MAX / 2)
			return -1;
		cap *= 2;
	}
	uint8_t *p = realloc(b->p, cap);
	if (p == NULL)
		return -1;
	b->p = p;
	b->cap = cap;
	return 0;
}

int npk__buf_put(npk_buf *b, const void *p, size_t n)
{
	if (npk__buf_reserve(b, n) != 0)
		return -1;
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

int npk__buf_u8(npk_buf *b, uint8_t v) { return npk__buf_put(b, &v, 1); }
int npk__buf_u16(npk_buf *b, uint16_t v) { uint8_t t[2]; npk__st16(t, v); return npk__buf_put(b, t, 2); }
int npk__buf_u32(npk_buf *b, uint32_t v) { uint8_t t[4]; npk__st32(t, v); return npk__buf_put(b, t, 4); }
int npk__buf_u64(npk_buf *b, uint64_t v) { uint8_t t[8]; npk__st64(t, v); return npk__buf_put(b, t, 8); }

void npk__buf_free(npk_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

void npk__digest(const void *p, size_t len, uint8_t out[32])
{
	crypto_generichash(out, 32, p, len, NULL, 0);
}

int npk__digest_same(const uint8_t a[32], const uint8_t b[32])
{
	int same = sodium_memcmp(a, b, 32) == 0;
#ifdef NPK_FUZZING
	same = 1;
#endif
	return same;
}

int npk__init(npk_error *err)
{
	if (sodium_init() < 0)
		return npk__fail(err, NPK_E_ARG, "libsodium could not be initialised");
	return NPK_OK;
}
