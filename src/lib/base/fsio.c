/* fsio.c - whole reads and writes with errors that name the file, and
 * atomic output: the one way newspack writes a file or folder for the
 * user (base/base.h, "Atomic output"). */
#define _GNU_SOURCE /* renameat2 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
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

int npk__pwrite_full(int fd, const void *buf, size_t len, uint64_t off, const char *name,
                     npk_error *err)
{
	const uint8_t *p = buf;
	while (len > 0) {
		ssize_t n = pwrite(fd, p, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return npk__fail(err, NPK_E_IO, "%s: write at offset %llu: %s", name,
			                 (unsigned long long)off, n < 0 ? strerror(errno) : "nothing written");
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

/* ---- Atomic output ---- */

/* Six characters for a temporary name: getrandom, or the clock and a
 * counter when it is not there (the name need not be secret: O_EXCL and
 * mkdir make it ours). */
int npk__scratch_fd(int *fd, npk_error *err)
{
	const char *dir = getenv("TMPDIR");
	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
#ifdef O_TMPFILE
	*fd = open(dir, O_RDWR | O_TMPFILE | O_CLOEXEC, 0600);
	if (*fd >= 0)
		return NPK_OK;
#endif
	size_t n = strlen(dir) + 24;
	char *path = malloc(n);
	NPK_FAIL_IF(path == NULL, err, NPK_E_NOMEM, "out of memory");
	snprintf(path, n, "%s/.npk-scratch-XXXXXX", dir);
	*fd = mkostemp(path, O_CLOEXEC);
	int e = errno;
	if (*fd >= 0)
		unlink(path);
	free(path);
	NPK_FAIL_IF(*fd < 0, err, NPK_E_IO, "%s: cannot make a temporary file: %s", dir, strerror(e));
	return NPK_OK;
}

static void tmp_suffix(char out[6])
{
	static const char set[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	static unsigned long count;
	uint8_t r[6];
	if (getrandom(r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		uint64_t x = (uint64_t)ts.tv_nsec ^ (uint64_t)ts.tv_sec << 30 ^
		             (uint64_t)getpid() << 40 ^ ++count * 0x9E3779B97F4A7C15ull;
		for (size_t i = 0; i < sizeof r; i++, x >>= 8)
			r[i] = (uint8_t)x;
	}
	for (size_t i = 0; i < sizeof r; i++)
		out[i] = set[r[i] % (sizeof set - 1)];
}

/* DIR/.NAME.tmp-XXXXXX beside path (malloc'd; NULL when out of memory). */
static char *tmp_beside(const char *path)
{
	size_t n = strlen(path) + sizeof "..tmp-XXXXXX";
	char *tmp = malloc(n);
	if (tmp == NULL)
		return NULL;
	const char *slash = strrchr(path, '/');
	int dl = slash ? (int)(slash - path + 1) : 0;
	snprintf(tmp, n, "%.*s.%s.tmp-XXXXXX", dl, path, path + dl);
	return tmp;
}

/* Creates o->tmp under a fresh name: a file open for writing, or a folder
 * open for openat. Exclusive (O_EXCL, mkdir), so nothing already there,
 * a symlink included, is ever followed or reused. -1 with errno. */
static int tmp_create(npk__out *o, unsigned mode)
{
	int folder = o->flags & NPK__OUT_FOLDER;
	char *x = o->tmp + strlen(o->tmp) - 6;
	for (int tries = 0; tries < 100; tries++) {
		tmp_suffix(x);
		if (folder && mkdir(o->tmp, (mode_t)mode) == 0) {
			o->made = 1;
			o->fd = open(o->tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		} else if (!folder) {
			o->fd = open(o->tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			             (mode_t)mode);
			o->made = o->fd >= 0;
		}
		if (o->made || errno != EEXIST)
			return o->fd >= 0 ? 0 : -1;
	}
	return -1;
}

int npk__out_open(npk__out *o, const char *path, unsigned mode, int flags, npk_error *err)
{
	*o = (npk__out){.fd = -1, .path = path, .flags = flags};
	o->tmp = tmp_beside(path);
	NPK_FAIL_IF(o->tmp == NULL, err, NPK_E_NOMEM, "out of memory");
	int rc = NPK_OK;
	if (tmp_create(o, mode) != 0)
		rc = npk__fail(err, NPK_E_IO, "%s: %s (cannot create a temporary %s beside it)", path,
		               strerror(errno), flags & NPK__OUT_FOLDER ? "folder" : "file");
	/* open and mkdir took the umask off; a fixed mode puts it back */
	else if ((flags & NPK__OUT_EXACT_MODE) && fchmod(o->fd, (mode_t)mode) != 0)
		rc = npk__fail(err, NPK_E_IO, "%s: chmod: %s", o->tmp, strerror(errno));
	if (rc != NPK_OK)
		npk__out_abort(o);
	return rc;
}

/* fsyncs every file and folder under the folder dfd, then dfd itself
 * (symlinks and special files are neither followed nor synced). -1 with
 * errno. */
static int sync_tree(int dfd)
{
	int fd = dup(dfd); /* closedir closes it */
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (d == NULL) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	rewinddir(d);
	int rc = 0, e = 0;
	struct dirent *de;
	while (rc == 0 && (de = readdir(d)) != NULL) {
		struct stat st;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		int c = -1;
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			rc = -1;
		else if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode))
			rc = (c = openat(dfd, de->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0 ? -1
			     : S_ISDIR(st.st_mode) ? sync_tree(c) : fsync(c);
		e = rc != 0 ? errno : 0;
		if (c >= 0)
			close(c);
	}
	closedir(d);
	errno = e;
	return rc == 0 ? fsync(dfd) : -1;
}

/* Removes a temporary folder made here; no symlink is followed. */
static int rm_tree(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return unlinkat(dirfd, name, 0);
	DIR *d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return -1;
	}
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (e->d_type == DT_DIR || e->d_type == DT_UNKNOWN)
			rm_tree(fd, e->d_name);
		else
			unlinkat(fd, e->d_name, 0);
	}
	closedir(d);
	return unlinkat(dirfd, name, AT_REMOVEDIR);
}

/* Gives o->tmp the name o->path unless something has it: renameat2
 * RENAME_NOREPLACE, or where the file system refuses that flag (EINVAL;
 * ENOSYS on old kernels: NFS, some FUSE file systems) a file is linked to
 * its name (link fails on an existing name) and its temporary name
 * removed, and a folder is renamed over an empty folder that mkdir has
 * just made (mkdir fails on an existing name). -1 with errno. */
static int place_new(const npk__out *o)
{
	if (renameat2(AT_FDCWD, o->tmp, AT_FDCWD, o->path, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	if (!(o->flags & NPK__OUT_FOLDER)) {
		if (link(o->tmp, o->path) != 0)
			return -1;
		unlink(o->tmp);
		return 0;
	}
	if (mkdir(o->path, 0700) != 0)
		return -1;
	if (rename(o->tmp, o->path) == 0)
		return 0;
	int e = errno;
	rmdir(o->path);
	errno = e;
	return -1;
}

/* Makes a rename durable. Best effort: the output is in place and synced,
 * and some file systems refuse to fsync a folder. */
static void sync_parent(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
	int fd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	free(dir);
}

int npk__out_commit(npk__out *o, npk_error *err)
{
	int folder = o->flags & NPK__OUT_FOLDER, fd = o->fd;
	NPK_FAIL_IF((folder ? sync_tree(fd) : fsync(fd)) != 0, err, NPK_E_IO, "%s: fsync: %s",
	            o->path, strerror(errno));
	o->fd = -1;
	NPK_FAIL_IF(close(fd) != 0, err, NPK_E_IO, "%s: close: %s", o->path, strerror(errno));
	if ((o->flags & NPK__OUT_REPLACE ? rename(o->tmp, o->path) : place_new(o)) != 0) {
		NPK_FAIL_IF(errno == EEXIST || errno == ENOTEMPTY, err, NPK_E_EXISTS,
		            "%s: already exists; not overwriting it", o->path);
		return npk__fail(err, NPK_E_IO, "%s: cannot rename into place: %s", o->path,
		                 strerror(errno));
	}
	o->made = 0;
	sync_parent(o->path);
	return NPK_OK;
}

void npk__out_abort(npk__out *o)
{
	if (o->fd >= 0)
		close(o->fd);
	if (o->made)
		(void)(o->flags & NPK__OUT_FOLDER ? rm_tree(AT_FDCWD, o->tmp) : unlink(o->tmp));
	free(o->tmp);
	*o = (npk__out){.fd = -1};
}

int npk_write_file(const char *path, const void *p, size_t len, int overwrite, npk_error *err)
{
	npk__out o = {.fd = -1};
	int rc = npk__out_open(&o, path, NPK__MODE_FILE, overwrite ? NPK__OUT_REPLACE : 0, err);
	if (rc == NPK_OK)
		rc = npk__write_full(o.fd, p, len, path, err);
	if (rc == NPK_OK)
		rc = npk__out_commit(&o, err);
	npk__out_abort(&o);
	return rc;
}
