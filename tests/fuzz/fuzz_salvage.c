/* fuzz_salvage.c - newspack salvage (spec/format.md 15.11) of a whole file:
 * the scan for object headers and trailer magics at every offset, the
 * manifest found anywhere, the header and tables found, moved or rebuilt,
 * and the extract of what they prove, into a folder emptied after each
 * input. */
#define _XOPEN_SOURCE 700 /* nftw */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fuzz.h"
#include "newspack.h"

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	if (ftw->level > 0)
		remove(path);
	return 0;
}

static char dir[64];

static void remove_dir(void)
{
	nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (dir[0] == 0) {
		snprintf(dir, sizeof dir, "%s", "/tmp/npk-fuzz-salvage-XXXXXX");
		if (mkdtemp(dir) == NULL)
			return 0;
		atexit(remove_dir);
	}
	char path[64];
	int fd = fuzz_memfile(data, size, path);
	if (fd < 0)
		return 0;
	npk_salvage_opts o = {0};
	o.allow_untrusted = 1;
	o.extract.force = 1;
	o.extract.symlinks = 1;
	npk_salvage_stats st;
	npk_error err;
	npk_salvage(path, dir, &o, &st, &err);
	nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	close(fd);
	return 0;
}
