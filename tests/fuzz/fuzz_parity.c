/* fuzz_parity.c - the parity section (spec/format.md 15.10) as repair and
 * verify read it: the header, found by the tail directory or by scanning;
 * the CRC tables; every block marked, shifted blocks looked for; and, when
 * every stripe can be rebuilt, the rebuild itself into a second file. */
#define _GNU_SOURCE /* memfd_create */
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "newspack.h"
#include "parity/parity.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	npk_error err;
	npk__par_geom g;
	if (size >= NPK__PAR_HEADER)
		npk__par_header_parse(data, &g, &err);
	char path[64];
	int fd = fuzz_memfile(data, size, path);
	if (fd < 0)
		return 0;
	npk_parity_info info;
	npk_parity_check(path, &info, NULL, NULL, &err);
	npk_parity_find(path, &info, &err);
	npk__par_state ps = {0};
	int out = memfd_create("out", MFD_CLOEXEC);
	/* the rebuild writes the signed part: a small one only */
	if (out >= 0 && npk__par_open(&ps, fd, path, 1, &err) == NPK_OK) {
		if (ps.g.size <= (UINT64_C(1) << 24) && ftruncate(out, (off_t)ps.g.size) == 0 &&
		    npk__par_mark(&ps, fd, out, &err) == NPK_OK && ps.stripes_bad == 0)
			npk__par_rebuild(&ps, fd, out, out, &err);
	}
	npk__par_free(&ps);
	if (out >= 0)
		close(out);
	close(fd);
	return 0;
}
