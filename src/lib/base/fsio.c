/* fsio.c - whole reads and writes with errors that name the file. */
#include <errno.h>
#include <unistd.h>

#include "base/base.h"

int npk__pread_full(int fd, void *buf, size_t len, uint64_t off,
                    const char *name, npk_error *err)
{
	uint8_t *p = buf;
	while (len > 0) {
		ssize_t n = pread(fd, p, len, (off_t)off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return npk__fail(err, NPK_E_IO, "%s: read at offset %llu: %s", name,
			                 (unsigned long long)off, strerror(errno));
		}
		if (n == 0)
			return npk__fail(err, NPK_E_FORMAT, "%s: file ends at offset %llu, inside a structure",
			                 name, (unsigned long long)off);
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return NPK_OK;
}

int npk__write_full(int fd, const void *buf, size_t len, const char *name,
                    npk_error *err)
{
	const uint8_t *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return npk__fail(err, NPK_E_IO, "%s: write: %s", name, strerror(errno));
		}
		p += n;
		len -= (size_t)n;
	}
	return NPK_OK;
}
