/* test_fsio.c - atomic output (base/base.h, "Atomic output"): commit puts
 * the whole output in place with its mode, never-replace refuses what is
 * there and leaves it byte for byte, replace replaces, abort leaves
 * nothing, no temporary name is ever left, and no symlink is followed. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/base.h"
#include "test.h"

static int has(const npk_error *err, const char *needle)
{
	if (strstr(err->msg, needle) != NULL)
		return 1;
	fprintf(stderr, "  message \"%s\" lacks \"%s\"\n", err->msg, needle);
	return 0;
}

/* Names in dir holding ".tmp-": temporary files or folders left. */
static int temps_in(const char *dir)
{
	DIR *d = opendir(dir);
	if (d == NULL)
		return -1;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		n += strstr(e->d_name, ".tmp-") != NULL;
	closedir(d);
	return n;
}

static int mode_of(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

static int is_symlink(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0 && S_ISLNK(st.st_mode);
}

static int same_text(const char *path, const char *want)
{
	size_t len;
	char *got = npk_test_read_file(path, &len);
	int same = got != NULL && len == strlen(want) && memcmp(got, want, len) == 0;
	free(got);
	return same;
}

/* Writes text through the helper: open, write, commit, abort. */
static int put(const char *path, const char *text, unsigned mode, int flags, npk_error *err)
{
	npk__out o;
	NPK_FORWARD(npk__out_open(&o, path, mode, flags, err));
	int rc = npk__write_full(o.fd, text, strlen(text), path, err);
	if (rc == NPK_OK)
		rc = npk__out_commit(&o, err);
	npk__out_abort(&o);
	return rc;
}

DEFINE_TEST(test_fsio_commit)
{
	npk_error err = {0};
	mode_t old = umask(022);
	npk__out o;
	CHECK_RC(npk__out_open(&o, "out.txt", NPK__MODE_FILE, 0, &err), NPK_OK, &err);
	/* beside OUT, under .NAME.tmp-XXXXXX, and OUT not there yet */
	CHECK(strncmp(o.tmp, ".out.txt.tmp-", 13) == 0 && strlen(o.tmp) == 19);
	CHECK(access("out.txt", F_OK) != 0);
	CHECK_EQ_INT(temps_in("."), 1);
	CHECK_EQ_INT(fcntl(o.fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	CHECK_RC(npk__write_full(o.fd, "news\n", 5, "out.txt", &err), NPK_OK, &err);
	CHECK_RC(npk__out_commit(&o, &err), NPK_OK, &err);
	npk__out_abort(&o); /* after a commit: frees, removes nothing */
	CHECK(same_text("out.txt", "news\n"));
	CHECK_EQ_INT(mode_of("out.txt"), 0644);
	CHECK_EQ_INT(temps_in("."), 0);

	/* in a folder, the temporary name is in that folder */
	CHECK(mkdir("sub", 0755) == 0);
	CHECK_RC(npk__out_open(&o, "sub/a.npk", NPK__MODE_FILE, 0, &err), NPK_OK, &err);
	CHECK(strncmp(o.tmp, "sub/.a.npk.tmp-", 15) == 0);
	npk__out_abort(&o);
	CHECK_EQ_INT(temps_in("sub"), 0);

	/* the mode rule: the umask applies, except to a fixed (key) mode */
	umask(077);
	int r1 = put("plain", "x", NPK__MODE_FILE, 0, &err);
	int r2 = put("secret", "x", NPK__MODE_SECRET, NPK__OUT_EXACT_MODE, &err);
	int r3 = put("public", "x", NPK__MODE_FILE, NPK__OUT_EXACT_MODE, &err);
	umask(old);
	CHECK_EQ_INT(r1, NPK_OK);
	CHECK_EQ_INT(r2, NPK_OK);
	CHECK_EQ_INT(r3, NPK_OK);
	CHECK_EQ_INT(mode_of("plain"), 0600);
	CHECK_EQ_INT(mode_of("secret"), 0600);
	CHECK_EQ_INT(mode_of("public"), 0644);
	CHECK_EQ_INT(temps_in("."), 0);
}

DEFINE_TEST(test_fsio_no_replace)
{
	npk_error err = {0};
	CHECK(npk_test_write_file("out", "old bytes\n", 10) == 0);
	CHECK_RC(put("out", "new", NPK__MODE_FILE, 0, &err), NPK_E_EXISTS, &err);
	CHECK(has(&err, "out: already exists; not overwriting it"));
	CHECK(same_text("out", "old bytes\n"));
	CHECK_EQ_INT(temps_in("."), 0);

	/* OUT that appears while the output is written is not replaced either */
	npk__out o;
	CHECK_RC(npk__out_open(&o, "late", NPK__MODE_FILE, 0, &err), NPK_OK, &err);
	CHECK(npk_test_write_file("late", "first", 5) == 0);
	CHECK_RC(npk__out_commit(&o, &err), NPK_E_EXISTS, &err);
	npk__out_abort(&o); /* after a failed commit: removes the temporary file */
	CHECK(same_text("late", "first"));
	CHECK_EQ_INT(temps_in("."), 0);
}

DEFINE_TEST(test_fsio_replace)
{
	npk_error err = {0};
	CHECK(npk_test_write_file("out", "old bytes\n", 10) == 0);
	CHECK_RC(put("out", "new", NPK__MODE_FILE, NPK__OUT_REPLACE, &err), NPK_OK, &err);
	CHECK(same_text("out", "new"));
	/* replace also writes a name that is not there yet */
	CHECK_RC(put("fresh", "f", NPK__MODE_FILE, NPK__OUT_REPLACE, &err), NPK_OK, &err);
	CHECK(same_text("fresh", "f"));
	CHECK_EQ_INT(temps_in("."), 0);
}

DEFINE_TEST(test_fsio_abort)
{
	npk_error err = {0};
	npk__out o = {.fd = -1};
	npk__out_abort(&o); /* never opened */
	CHECK_RC(npk__out_open(&o, "out", NPK__MODE_FILE, 0, &err), NPK_OK, &err);
	CHECK_RC(npk__write_full(o.fd, "half", 4, "out", &err), NPK_OK, &err);
	npk__out_abort(&o);
	npk__out_abort(&o); /* twice */
	CHECK(access("out", F_OK) != 0);
	CHECK_EQ_INT(temps_in("."), 0);

	/* a folder that cannot be written into leaves nothing and names OUT */
	CHECK_RC(npk__out_open(&o, "nodir/out", NPK__MODE_FILE, 0, &err), NPK_E_IO, &err);
	CHECK(has(&err, "nodir/out: No such file or directory"));
	npk__out_abort(&o);

	/* a folder: everything made in it goes */
	CHECK_RC(npk__out_open(&o, "bag", NPK__MODE_FOLDER, NPK__OUT_FOLDER, &err), NPK_OK, &err);
	CHECK(mkdirat(o.fd, "data", 0755) == 0 && mkdirat(o.fd, "data/a", 0755) == 0);
	int fd = openat(o.fd, "data/a/x.txt", O_WRONLY | O_CREAT | O_EXCL, 0644);
	CHECK(fd >= 0);
	close(fd);
	npk__out_abort(&o);
	CHECK(access("bag", F_OK) != 0);
	CHECK_EQ_INT(temps_in("."), 0);
}

DEFINE_TEST(test_fsio_folder)
{
	npk_error err = {0};
	mode_t old = umask(022);
	npk__out o;
	CHECK_RC(npk__out_open(&o, "bag", NPK__MODE_FOLDER, NPK__OUT_FOLDER, &err), NPK_OK, &err);
	umask(old);
	CHECK(strncmp(o.tmp, ".bag.tmp-", 9) == 0);
	CHECK(mkdirat(o.fd, "data", 0755) == 0);
	int fd = openat(o.fd, "data/x.txt", O_WRONLY | O_CREAT | O_EXCL, 0644);
	CHECK(fd >= 0 && write(fd, "x", 1) == 1);
	close(fd);
	CHECK_RC(npk__out_commit(&o, &err), NPK_OK, &err);
	npk__out_abort(&o);
	CHECK_EQ_INT(mode_of("bag"), 0755);
	CHECK(same_text("bag/data/x.txt", "x"));
	CHECK_EQ_INT(temps_in("."), 0);

	/* never replaced: not an empty folder, not a file */
	CHECK(mkdir("empty", 0700) == 0);
	CHECK(npk_test_write_file("file", "keep", 4) == 0);
	const char *taken[] = {"bag", "empty", "file"};
	for (size_t i = 0; i < 3; i++) {
		CHECK_RC(npk__out_open(&o, taken[i], NPK__MODE_FOLDER, NPK__OUT_FOLDER, &err), NPK_OK,
		         &err);
		CHECK_RC(npk__out_commit(&o, &err), NPK_E_EXISTS, &err);
		npk__out_abort(&o);
	}
	CHECK(same_text("bag/data/x.txt", "x"));
	CHECK(same_text("file", "keep"));
	CHECK_EQ_INT(temps_in("."), 0);
}

DEFINE_TEST(test_fsio_symlinks)
{
	npk_error err = {0};
	CHECK(npk_test_write_file("victim", "precious", 8) == 0);
	/* at OUT, never-replace: the link stays and is not followed */
	CHECK(symlink("victim", "out") == 0);
	CHECK(symlink("nowhere", "dangling") == 0);
	CHECK_RC(put("out", "evil", NPK__MODE_FILE, 0, &err), NPK_E_EXISTS, &err);
	CHECK_RC(put("dangling", "evil", NPK__MODE_FILE, 0, &err), NPK_E_EXISTS, &err);
	CHECK(is_symlink("out") && is_symlink("dangling"));
	CHECK(access("nowhere", F_OK) != 0);
	CHECK(same_text("victim", "precious"));
	/* replace: the link itself is replaced, its target untouched */
	CHECK_RC(put("out", "new", NPK__MODE_FILE, NPK__OUT_REPLACE, &err), NPK_OK, &err);
	CHECK(!is_symlink("out") && same_text("out", "new"));
	CHECK(same_text("victim", "precious"));

	/* at the temporary name's pattern: links planted there are neither
	 * written through nor removed (the name is random, so these stand for
	 * any name: creation is exclusive, O_EXCL or mkdir) */
	const char *plants[] = {".f.tmp-XXXXXX", ".f.tmp-AAAAAA", ".d.tmp-XXXXXX"};
	for (size_t i = 0; i < 3; i++)
		CHECK(symlink("victim", plants[i]) == 0);
	CHECK_RC(put("f", "file", NPK__MODE_FILE, 0, &err), NPK_OK, &err);
	npk__out o;
	CHECK_RC(npk__out_open(&o, "d", NPK__MODE_FOLDER, NPK__OUT_FOLDER, &err), NPK_OK, &err);
	CHECK_RC(npk__out_commit(&o, &err), NPK_OK, &err);
	npk__out_abort(&o);
	for (size_t i = 0; i < 3; i++)
		CHECK(is_symlink(plants[i]));
	CHECK(same_text("victim", "precious"));
	CHECK(same_text("f", "file"));
	CHECK_EQ_INT(temps_in("."), 3);
}
