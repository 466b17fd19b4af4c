/*
 * extract.c - writes documents under a folder, safely.
 *
 * Every path component is opened relative to its parent with O_NOFOLLOW,
 * so no symlink, in the archive or already in the output folder, leads
 * outside it; archive paths were already checked for "..", absolute paths
 * and backslashes when their page was read (spec/format.md 5.1).
 * Two passes: the first checks every target and refuses before anything is
 * written; the second writes each document unnamed (O_TMPFILE) in its
 * folder, or under a temporary name where that is not supported, checks
 * its digest, and only then gives it its name.
 */
#define _GNU_SOURCE /* renameat2, O_TMPFILE */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "format.h"
#include "internal.h"

typedef struct xctx {
	npk_reader *r;
	int root;                 /* the output folder */
	const char *dir;
	const char *const *paths;
	size_t npaths;
	uint8_t *matched;         /* per requested path */
	const npk_extract_opts *opts;
	int pass;                 /* 1: check, 2: write */
	uint64_t docs, bytes, conflicts;
	npk_error first_conflict;
	npk_error *err;
	int rc;
	int out_fd;
	/* The folder of the last document: documents come in path order, so
	 * most share their folder with the one before. */
	char *cache_dir;
	size_t cache_len;
	int cache_fd;
	char *missing;            /* a folder found absent while checking */
	size_t missing_len;
	long pid;
	unsigned tmp_counter;
	int no_tmpfile;           /* O_TMPFILE or /proc/self/fd is unavailable */
} xctx;

static int selected(xctx *x, const char *path)
{
	if (x->paths == NULL)
		return 1;
	int hit = 0;
	size_t pl = strlen(path);
	for (size_t i = 0; i < x->npaths; i++) {
		size_t n = strlen(x->paths[i]);
		while (n > 0 && x->paths[i][n - 1] == '/')
			n--;
		/* A requested folder selects everything under it. */
		if (strncmp(path, x->paths[i], n) == 0 && (pl == n || path[n] == '/')) {
			x->matched[i] = 1;
			hit = 1;
		}
	}
	return hit;
}

static void cache_drop(xctx *x)
{
	if (x->cache_fd >= 0)
		close(x->cache_fd);
	x->cache_fd = -1;
	free(x->cache_dir);
	x->cache_dir = NULL;
}

/* Opens (creating when asked) the folder holding path, component by
 * component, never following a symlink. Returns an fd that the caller
 * borrows (do not close it), -2 when a folder does not exist yet and
 * create is off, or -1 with err set. */
static int open_parent(xctx *x, const char *path, int create, const char **leaf)
{
	const char *last = strrchr(path, '/');
	if (last == NULL) {
		*leaf = path;
		return x->root;
	}
	size_t dlen = (size_t)(last - path);
	if (x->cache_fd >= 0 && x->cache_len == dlen && memcmp(x->cache_dir, path, dlen) == 0) {
		*leaf = last + 1;
		return x->cache_fd;
	}
	/* Everything under a folder known to be absent is absent too. */
	if (!create && x->missing != NULL && dlen >= x->missing_len &&
	    memcmp(path, x->missing, x->missing_len) == 0 &&
	    (dlen == x->missing_len || path[x->missing_len] == '/'))
		return -2;
	int fd = dup(x->root);
	if (fd < 0) {
		npk__fail(x->err, NPK_E_IO, "%s: %s", x->dir, strerror(errno));
		return -1;
	}
	char comp[NPK_COMPONENT_MAX + 1];
	const char *p = path;
	for (;;) {
		const char *slash = strchr(p, '/');
		if (slash == NULL) {
			char *d = malloc(dlen + 1);
			if (d == NULL) {
				close(fd);
				npk__fail(x->err, NPK_E_NOMEM, "out of memory");
				return -1;
			}
			memcpy(d, path, dlen);
			cache_drop(x);
			x->cache_dir = d;
			x->cache_len = dlen;
			x->cache_fd = fd;
			*leaf = p;
			return fd;
		}
		size_t n = (size_t)(slash - p);
		memcpy(comp, p, n);
		comp[n] = 0;
		if (create && mkdirat(fd, comp, 0755) != 0 && errno != EEXIST) {
			npk__fail(x->err, NPK_E_IO, "%s/%.*s: %s", x->dir, (int)(slash - path), path,
			          strerror(errno));
			close(fd);
			return -1;
		}
		int nfd = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int e = errno;
		close(fd);
		if (nfd < 0) {
			if (e == ENOENT && !create) {
				/* nothing there yet: no conflict */
				size_t ml = (size_t)(slash - path);
				char *m = malloc(ml + 1);
				if (m != NULL) {
					memcpy(m, path, ml);
					m[ml] = 0;
					free(x->missing);
					x->missing = m;
					x->missing_len = ml;
				}
				return -2;
			}
			npk__fail(x->err, e == ELOOP || e == ENOTDIR ? NPK_E_UNSAFE : NPK_E_IO,
			          "%s/%.*s: %s", x->dir, (int)(slash - path), path,
			          e == ELOOP ? "is a symbolic link; refusing to follow it"
			          : e == ENOTDIR ? "exists and is not a folder" : strerror(e));
			return -1;
		}
		fd = nfd;
		p = slash + 1;
	}
}

static int check_target(xctx *x, const npk_entry *e)
{
	const char *leaf;
	int fd = open_parent(x, e->path, 0, &leaf);
	if (fd == -2)
		return NPK_OK;
	if (fd < 0)
		return x->err ? x->err->code : NPK_E_IO;
	struct stat st;
	int rc = NPK_OK;
	if (fstatat(fd, leaf, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISLNK(st.st_mode))
			rc = npk__fail(x->err, NPK_E_UNSAFE, "%s/%s: is a symbolic link; refusing to replace it",
			               x->dir, e->path);
		else if (!S_ISREG(st.st_mode))
			rc = npk__fail(x->err, NPK_E_EXISTS, "%s/%s: exists and is not a regular file",
			               x->dir, e->path);
		else if (!(x->opts && x->opts->force))
			rc = npk__fail(x->err, NPK_E_EXISTS, "%s/%s: exists (use --force to overwrite)",
			               x->dir, e->path);
	}
	return rc;
}

static int sink_fd(const uint8_t *buf, size_t len, void *ctx)
{
	xctx *x = ctx;
	if (x->opts && x->opts->cancel && *x->opts->cancel)
		return npk__fail(x->err, NPK_E_CANCELED, "canceled");
	int rc = npk__write_full(x->out_fd, buf, len, "output", x->err);
	return rc == NPK_OK ? 0 : rc;
}

/* Renames tmp to leaf. Without --force a file that appeared since the
 * check is kept: RENAME_NOREPLACE refuses atomically where the file
 * system supports it, a check just before the rename elsewhere. */
static int put_in_place(xctx *x, int dfd, const char *tmp, const char *leaf, const char *path)
{
	int force = x->opts && x->opts->force;
	int r;
#ifdef RENAME_NOREPLACE
	if (!force) {
		r = renameat2(dfd, tmp, dfd, leaf, RENAME_NOREPLACE);
		if (r == 0)
			return NPK_OK;
		if (errno == EEXIST)
			return npk__fail(x->err, NPK_E_EXISTS, "%s/%s: exists (use --force to overwrite)",
			                 x->dir, path);
		if (errno != EINVAL && errno != ENOSYS)
			return npk__fail(x->err, NPK_E_IO, "%s/%s: %s", x->dir, path, strerror(errno));
	}
#endif
	if (!force && faccessat(dfd, leaf, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return npk__fail(x->err, NPK_E_EXISTS, "%s/%s: exists (use --force to overwrite)",
		                 x->dir, path);
	r = renameat(dfd, tmp, dfd, leaf);
	return r == 0 ? NPK_OK : npk__fail(x->err, NPK_E_IO, "%s/%s: %s", x->dir, path, strerror(errno));
}

/* Without --force, where the file system has O_TMPFILE: the document is
 * written to an unnamed file that gets its name only once complete and
 * checked, with linkat, which refuses an existing name atomically. One
 * directory change a file instead of two. Returns -1 when unsupported. */
static int write_doc_unnamed(xctx *x, int dfd, const char *leaf, const npk_entry *e)
{
#ifdef O_TMPFILE
	if (x->no_tmpfile || (x->opts && x->opts->force))
		return -1;
	int fd = openat(dfd, ".", O_WRONLY | O_TMPFILE | O_CLOEXEC, 0644);
	if (fd < 0) {
		if (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL || errno == ENOENT) {
			x->no_tmpfile = 1;
			return -1;
		}
		return npk__fail(x->err, NPK_E_IO, "%s/%s: cannot create a file: %s", x->dir, e->path,
		                 strerror(errno));
	}
	x->out_fd = fd;
	int rc = npk_reader_read(x->r, e, sink_fd, x, x->err);
	if (rc == NPK_OK) {
		char proc[64];
		snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
		if (linkat(AT_FDCWD, proc, dfd, leaf, AT_SYMLINK_FOLLOW) != 0) {
			if (errno == EEXIST)
				rc = npk__fail(x->err, NPK_E_EXISTS, "%s/%s: exists (use --force to overwrite)",
				               x->dir, e->path);
			else if (errno == ENOENT) {
				/* no /proc: name it the other way */
				x->no_tmpfile = 1;
				close(fd);
				return -1;
			} else
				rc = npk__fail(x->err, NPK_E_IO, "%s/%s: %s", x->dir, e->path, strerror(errno));
		}
	}
	if (close(fd) != 0 && rc == NPK_OK)
		rc = npk__fail(x->err, NPK_E_IO, "%s/%s: %s", x->dir, e->path, strerror(errno));
	return rc;
#else
	(void)x; (void)dfd; (void)leaf; (void)e;
	return -1;
#endif
}

static int write_doc(xctx *x, const npk_entry *e)
{
	const char *leaf;
	int dfd = open_parent(x, e->path, 1, &leaf);
	if (dfd < 0)
		return x->err ? x->err->code : NPK_E_IO;
	int rc = write_doc_unnamed(x, dfd, leaf, e);
	if (rc != -1)
		return rc;
	char tmp[64];
	int fd = -1;
	rc = NPK_OK;
	for (int tries = 0; fd < 0 && tries < 16; tries++) {
		snprintf(tmp, sizeof tmp, ".npk-extract-%ld-%u", x->pid, x->tmp_counter++);
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0) {
		rc = npk__fail(x->err, NPK_E_IO, "%s/%s: cannot create a temporary file: %s", x->dir,
		               e->path, strerror(errno));
		return rc;
	}
	x->out_fd = fd;
	rc = npk_reader_read(x->r, e, sink_fd, x, x->err);
	if (close(fd) != 0 && rc == NPK_OK)
		rc = npk__fail(x->err, NPK_E_IO, "%s/%s: %s", x->dir, e->path, strerror(errno));
	if (rc == NPK_OK)
		rc = put_in_place(x, dfd, tmp, leaf, e->path);
	if (rc != NPK_OK)
		unlinkat(dfd, tmp, 0);
	return rc;
}

static int on_entry(const npk_entry *e, void *ctx)
{
	xctx *x = ctx;
	if (!selected(x, e->path))
		return 0;
	int rc;
	if (x->pass == 1) {
		rc = check_target(x, e);
		if (rc == NPK_E_EXISTS && x->conflicts++ == 0) {
			x->rc = rc;
			if (x->err)
				x->first_conflict = *x->err;
		} else if (rc != NPK_OK && rc != NPK_E_EXISTS)
			return x->rc = rc;
		return 0;
	}
	rc = write_doc(x, e);
	if (rc != NPK_OK)
		return x->rc = rc;
	x->docs++;
	x->bytes += e->size;
	if (x->opts && x->opts->progress)
		x->opts->progress(x->docs, x->bytes, e->path, x->opts->ctx);
	return 0;
}

int npk_extract(npk_reader *r, const char *dir, const char *const *paths,
                size_t npaths, const npk_extract_opts *opts,
                uint64_t *written, npk_error *err)
{
	xctx x = {0};
	x.r = r;
	x.dir = dir;
	x.paths = paths;
	x.npaths = paths ? npaths : 0;
	x.opts = opts;
	x.err = err;
	x.cache_fd = -1;
	x.pid = (long)getpid();
	if (written)
		*written = 0;
	x.root = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	NPK_FAIL_IF(x.root < 0, err, errno == ENOENT ? NPK_E_NOTFOUND : NPK_E_IO, "%s: %s", dir,
	            strerror(errno));
	x.matched = calloc(x.npaths ? x.npaths : 1, 1);
	int rc = NPK_OK;
	if (x.matched == NULL) {
		rc = npk__fail(err, NPK_E_NOMEM, "out of memory");
		goto out;
	}

	/* Pass 1: every document named exists, no target is in the way. */
	x.pass = 1;
	rc = npk_reader_list(r, on_entry, &x, err);
	if (rc == NPK_OK && x.rc != NPK_OK)
		rc = x.rc;
	if (rc == NPK_E_EXISTS)
		npk__fail(err, NPK_E_EXISTS, x.conflicts > 1 ? "%s (and %llu more)" : "%s",
		          x.first_conflict.msg, (unsigned long long)(x.conflicts - 1));
	for (size_t i = 0; rc == NPK_OK && i < x.npaths; i++)
		if (!x.matched[i])
			rc = npk__fail(err, NPK_E_NOTFOUND, "no document or folder \"%s\" in the archive",
			               paths[i]);
	if (rc != NPK_OK)
		goto out;

	/* Pass 2: write. No read-ahead threads here: creating files is the
	 * cost, and the kernel does it more slowly for a process with threads. */
	x.pass = 2;
	rc = npk_reader_list(r, on_entry, &x, err);
	if (rc == NPK_OK && x.rc != NPK_OK)
		rc = x.rc;
	if (written)
		*written = x.docs;
out:
	cache_drop(&x);
	free(x.missing);
	free(x.matched);
	close(x.root);
	return rc;
}
