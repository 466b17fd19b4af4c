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
 * Damage does not stop it (spec/format.md 11, on_damage = CONTINUE): an
 * index page that cannot be read hides its documents, a document whose
 * cluster or digest is bad is dropped unnamed; each is reported through
 * opts->damaged, every other document is written, and the return is the
 * damage's code.
 * Entries of version 1.1 (spec/format.md 15.7): an empty folder is made; a
 * withdrawn document is never written; a symbolic link only on request,
 * when its target stays inside the output folder (link_unsafe), made by
 * symlinkat and never followed afterwards (O_NOFOLLOW again).
 */
#define _GNU_SOURCE /* renameat2, O_TMPFILE */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "format/format.h"

#define CHAIN_MAX 32

enum { R_BEGIN = 1, R_DATA, R_COMMIT, R_ABORT, R_FOLDER, R_LINK };

typedef struct exctx {
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
	npk_error *err;           /* what the caller sees */
	npk_error *ferr;          /* where file system errors go (the writer's own) */
	int rc;
	uint64_t sent;            /* documents handed on to be written */
	struct xdoc *doc;         /* the document being written, single-threaded */
	struct fwriter *fw;       /* the file writer thread, or NULL */
	/* The open folders of the last path (open_parent). */
	char cache_dir[NPK_PATH_MAX + 1];
	size_t cache_len;
	int cache_fd;             /* the last path's folder */
	int cache_own;            /* cache_fd is not in the chain */
	int chain_fd[CHAIN_MAX];  /* its first CHAIN_MAX folders, outermost first */
	size_t chain_end[CHAIN_MAX];
	size_t chain_n;
	char *missing;            /* a folder found absent while checking */
	size_t missing_len;
	long pid;
	unsigned tmp_counter;
	int no_tmpfile;           /* O_TMPFILE or /proc/self/fd is unavailable */
	char target[NPK_PATH_MAX + 1]; /* the last symbolic link's target */
	size_t target_len;
	int skipped;              /* the last entry was not written (notice) */
	/* Damage (spec/format.md 11, on_damage = CONTINUE) */
	uint64_t selected;        /* entries selected, seen by pass 1 */
	uint64_t hidden;          /* entries in pages that cannot be read */
	uint64_t damaged;         /* entries not written for damage, hidden ones too */
	int damage_rc;            /* the code that decides the outcome, or NPK_OK */
	int hard_rc;              /* a walk failure that is not damage (I/O) */
	npk_error first_damage;
	uint8_t *cl_reported;     /* per cluster: already reported */
	uint64_t cl_count;
} exctx;

/* Whether rc says the archive's bytes are bad, rather than that reading
 * or writing failed: damage is reported and extract goes on. */
static int is_damage(int rc)
{
	return rc == NPK_E_DIGEST || rc == NPK_E_FORMAT || rc == NPK_E_VERSION || rc == NPK_E_LIMIT;
}

/* Whether entry e is to be extracted. matched[i] is 1 once path i named
 * something that can be written, 2 while it named only withdrawn
 * documents, 3 while it may name documents of a page that cannot be read. */
static int selected(exctx *x, const npk_entry *e)
{
	if (x->paths == NULL)
		return 1;
	int hit = 0;
	const char *path = e->path;
	size_t pl = strlen(path);
	for (size_t i = 0; i < x->npaths; i++) {
		size_t n = strlen(x->paths[i]);
		while (n > 0 && x->paths[i][n - 1] == '/')
			n--;
		/* A requested folder selects everything under it. */
		if (strncmp(path, x->paths[i], n) == 0 && (pl == n || path[n] == '/')) {
			if (e->kind != NPK_KIND_WITHDRAWN)
				x->matched[i] = 1;
			else if (x->matched[i] == 0)
				x->matched[i] = 2;
			hit = 1;
		}
	}
	return hit;
}

/* Forgets the cached folders from depth k on. */
static void cache_trim(exctx *x, size_t k)
{
	if (x->cache_own && x->cache_fd >= 0)
		close(x->cache_fd);
	x->cache_fd = -1;
	x->cache_own = 0;
	while (x->chain_n > k)
		close(x->chain_fd[--x->chain_n]);
	x->cache_len = k ? x->chain_end[k - 1] : 0;
}

static void cache_drop(exctx *x)
{
	cache_trim(x, 0);
}

/* Whether path's folder (its first dlen bytes) is the one last opened. */
static int cache_hit(const exctx *x, const char *path, size_t dlen)
{
	return x->cache_fd >= 0 && x->cache_len == dlen && memcmp(x->cache_dir, path, dlen) == 0;
}

/* Whether path's folder lies under a folder known to be absent, and so
 * is absent too. */
static int under_missing(const exctx *x, const char *path, size_t dlen)
{
	return x->missing != NULL && dlen >= x->missing_len &&
	       memcmp(path, x->missing, x->missing_len) == 0 &&
	       (dlen == x->missing_len || path[x->missing_len] == '/');
}

/* How many folders of the chain path's folder (dlen bytes) begins with. */
static size_t chain_shared(const exctx *x, const char *path, size_t dlen)
{
	size_t k = 0;
	while (k < x->chain_n && x->chain_end[k] <= dlen &&
	       (x->chain_end[k] == dlen || path[x->chain_end[k]] == '/') &&
	       memcmp(x->cache_dir, path, x->chain_end[k]) == 0)
		k++;
	return k;
}

/* Remembers the folder path[0..end) as absent (best effort: a failed
 * allocation only costs a later look-up). */
static void note_missing(exctx *x, const char *path, size_t end)
{
	char *m = malloc(end + 1);
	if (m == NULL)
		return;
	memcpy(m, path, end);
	m[end] = 0;
	free(x->missing);
	x->missing = m;
	x->missing_len = end;
}

/* Makes the folder comp in fd unless it exists; path[0..end) names it. */
static int make_comp(exctx *x, int fd, const char *comp, const char *path, size_t end)
{
	NPK_FAIL_IF(mkdirat(fd, comp, 0755) != 0 && errno != EEXIST, x->ferr, NPK_E_IO,
	            "%s/%.*s: %s", x->dir, (int)end, path, strerror(errno));
	return NPK_OK;
}

/* Fails on the folder path[0..end) that would not open with error e: a
 * symbolic link or a non-folder there is unsafe, anything else is I/O.
 * Returns -1, the open_* failure. */
static int comp_fail(exctx *x, const char *path, size_t end, int e)
{
	npk__fail(x->ferr, e == ELOOP || e == ENOTDIR ? NPK_E_UNSAFE : NPK_E_IO,
	          "%s/%.*s: %s", x->dir, (int)end, path,
	          e == ELOOP ? "is a symbolic link; refusing to follow it"
	          : e == ENOTDIR ? "exists and is not a folder" : strerror(e));
	return -1;
}

/* Opens (making it first when create) the folder comp in fd, never
 * following a symlink; path[0..end) names it. Returns its fd, -2 when it
 * does not exist and create is off, or -1 with x->ferr set. fd stays open. */
static int open_comp(exctx *x, int fd, const char *comp, const char *path, size_t end, int create)
{
	if (create && make_comp(x, fd, comp, path, end) != NPK_OK)
		return -1;
	int nfd = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (nfd >= 0)
		return nfd;
	int e = errno;
	struct stat st;
	/* O_NOFOLLOW with O_DIRECTORY says ENOTDIR for a symlink: tell them apart */
	if (e == ENOTDIR && fstatat(fd, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
		e = ELOOP;
	if (e == ENOENT && !create) {
		note_missing(x, path, end); /* nothing there yet: no conflict */
		return -2;
	}
	return comp_fail(x, path, end, e);
}

/* Keeps nfd, the folder path[0..end), in the chain while there is room.
 * Returns 1 when the chain took it, 0 when it is still the caller's. */
static int chain_push(exctx *x, const char *path, size_t end, int nfd)
{
	if (x->chain_n >= CHAIN_MAX)
		return 0;
	memcpy(x->cache_dir, path, end);
	x->chain_fd[x->chain_n] = nfd;
	x->chain_end[x->chain_n++] = end;
	return 1;
}

/* Caches fd as the folder path[0..dlen): in the chain, or held on its
 * own (own) when deeper. */
static void cache_keep(exctx *x, const char *path, size_t dlen, int fd, int own)
{
	memcpy(x->cache_dir, path, dlen);
	x->cache_len = dlen;
	x->cache_fd = fd;
	x->cache_own = own;
}

/* Opens the folder path[0..dlen) from the deepest one the chain shares
 * with it, one component at a time. Returns as open_parent. */
static int chain_walk(exctx *x, const char *path, size_t dlen, int create)
{
	size_t k = chain_shared(x, path, dlen);
	cache_trim(x, k);
	int fd = k ? x->chain_fd[k - 1] : x->root;
	int own = 0;              /* fd is beyond the chain: ours to close */
	size_t at = k ? x->chain_end[k - 1] + 1 : 0;
	char comp[NPK_COMPONENT_MAX + 1];
	while (at <= dlen) {
		const char *p = path + at;
		const char *slash = memchr(p, '/', dlen - at);
		size_t n = slash ? (size_t)(slash - p) : dlen - at;
		size_t end = at + n;
		memcpy(comp, p, n);
		comp[n] = 0;
		int nfd = open_comp(x, fd, comp, path, end, create);
		if (own)
			close(fd);
		if (nfd < 0)
			return nfd;
		fd = nfd;
		own = !chain_push(x, path, end, nfd);
		at = end + 1;
	}
	cache_keep(x, path, dlen, fd, own);
	return fd;
}

/* Opens (creating when asked) the folder holding path, component by
 * component, never following a symlink. Returns an fd that the caller
 * borrows (do not close it), -2 when a folder does not exist yet and
 * create is off, or -1 with x->ferr set.
 * The folders of the last path stay open (CHAIN_MAX deep), so the next
 * path opens only the components it does not share: documents come in
 * path order, and most share their folder with the one before. */
static int open_parent(exctx *x, const char *path, int create, const char **leaf)
{
	const char *last = strrchr(path, '/');
	if (last == NULL) {
		*leaf = path;
		return x->root;
	}
	size_t dlen = (size_t)(last - path);
	*leaf = last + 1;
	if (cache_hit(x, path, dlen))
		return x->cache_fd;
	if (!create && under_missing(x, path, dlen))
		return -2;
	return chain_walk(x, path, dlen, create);
}

static int check_target(exctx *x, const npk_entry *e)
{
	if (x->root < 0)
		return NPK_OK; /* the output folder is still to be made: nothing is in the way */
	const char *leaf;
	int fd = open_parent(x, e->path, 0, &leaf);
	if (fd == -2)
		return NPK_OK;
	if (fd < 0)
		return x->ferr ? x->ferr->code : NPK_E_IO;
	struct stat st;
	int rc = NPK_OK;
	if (fstatat(fd, leaf, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISLNK(st.st_mode))
			rc = npk__fail(x->ferr, NPK_E_UNSAFE, "%s/%s: is a symbolic link; refusing to replace it",
			               x->dir, e->path);
		else if (!S_ISREG(st.st_mode))
			rc = npk__fail(x->ferr, NPK_E_EXISTS, "%s/%s: exists and is not a regular file",
			               x->dir, e->path);
		else if (!(x->opts && x->opts->force))
			rc = npk__fail(x->ferr, NPK_E_EXISTS, "%s/%s: exists (use --force to overwrite)",
			               x->dir, e->path);
	}
	return rc;
}

/* ---- One document, begun, written, then named or dropped ----
 * These run on whichever thread does the file system work (the file
 * writer, below, or the only thread), and report through x->ferr. */

typedef struct xdoc {
	int fd;                   /* the file being written, or -1 */
	int dfd;                  /* its folder (borrowed from the cache) */
	const char *leaf;         /* into path */
	int unnamed;              /* O_TMPFILE: named by linkat at the end */
	char tmp[64];             /* otherwise its temporary name */
	char path[NPK_PATH_MAX + 1];
	uint8_t attrs[9];         /* file.mtime (u64, all ones: none), file.executable */
} xdoc;

static int doc_begin(exctx *x, xdoc *d, const char *path, size_t len)
{
	d->fd = -1;
	memcpy(d->path, path, len);
	d->path[len] = 0;
	d->dfd = open_parent(x, d->path, 1, &d->leaf);
	if (d->dfd < 0)
		return x->ferr ? x->ferr->code : NPK_E_IO;
#ifdef O_TMPFILE
	if (!x->no_tmpfile && !(x->opts && x->opts->force)) {
		d->fd = openat(d->dfd, ".", O_WRONLY | O_TMPFILE | O_CLOEXEC, 0644);
		if (d->fd >= 0) {
			d->unnamed = 1;
			return NPK_OK;
		}
		if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL && errno != ENOENT)
			return npk__fail(x->ferr, NPK_E_IO, "%s/%s: cannot create a file: %s", x->dir,
			                 d->path, strerror(errno));
		x->no_tmpfile = 1;
	}
#endif
	d->unnamed = 0;
	for (int tries = 0; d->fd < 0 && tries < 16; tries++) {
		snprintf(d->tmp, sizeof d->tmp, ".npk-extract-%ld-%u", x->pid, x->tmp_counter++);
		d->fd = openat(d->dfd, d->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (d->fd < 0 && errno != EEXIST)
			break;
	}
	if (d->fd < 0)
		return npk__fail(x->ferr, NPK_E_IO, "%s/%s: cannot create a temporary file: %s", x->dir,
		                 d->path, strerror(errno));
	return NPK_OK;
}

static int doc_write(exctx *x, xdoc *d, const uint8_t *buf, size_t len)
{
	int rc = npk__write_full(d->fd, buf, len, d->path, x->ferr);
	return rc == NPK_OK ? rc : npk__wrap(x->ferr, rc, "%s/", x->dir);
}

/* Drops a document that is not to be named: an unnamed file vanishes
 * when closed, a temporary one is removed. */
static void doc_abort(exctx *x, xdoc *d)
{
	(void)x;
	if (d->fd < 0)
		return;
	close(d->fd);
	d->fd = -1;
	if (!d->unnamed)
		unlinkat(d->dfd, d->tmp, 0);
}

/* Gives a complete, checked document its name. Without --force a file
 * that appeared since the check is kept: linkat and RENAME_NOREPLACE
 * refuse atomically, a check just before the rename does elsewhere. */
/* A document's file.mtime and file.executable (spec/metadata.md 2.1) as
 * the 9 bytes doc_commit sets; all ones and 0 when unset or --no-mtime. */
static void doc_attrs(const exctx *x, const npk_meta *m, uint8_t a[9])
{
	const char *t = m && !(x->opts && x->opts->no_mtime) ? npk_meta_find(m, "file.mtime") : NULL;
	const char *e = m && !(x->opts && x->opts->no_mtime) ? npk_meta_find(m, "file.executable") : NULL;
	char *end = NULL;
	unsigned long long v = t && t[0] >= '0' && t[0] <= '9' ? strtoull(t, &end, 10) : ~0ull;
	npk__st64(a, v != ~0ull && *end == 0 && v <= INT64_MAX ? v : ~0ull);
	a[8] = e != NULL && strcmp(e, "yes") == 0;
}

/* Sets the attributes on the open file: its modification time, and
 * execute permission where it has read permission. */
static int doc_set_attrs(exctx *x, xdoc *d)
{
	uint64_t t = npk__ld64(d->attrs);
	struct timespec ts[2] = {{0, UTIME_OMIT}, {(time_t)t, 0}};
	struct stat st;
	NPK_FAIL_IF(d->attrs[8] && (fstat(d->fd, &st) != 0 ||
	            fchmod(d->fd, (st.st_mode & 07777) | ((st.st_mode & 0444) >> 2)) != 0),
	            x->ferr, NPK_E_IO, "%s/%s: chmod: %s", x->dir, d->path, strerror(errno));
	NPK_FAIL_IF(t != ~0ull && futimens(d->fd, ts) != 0, x->ferr, NPK_E_IO, "%s/%s: set time: %s",
	            x->dir, d->path, strerror(errno));
	return NPK_OK;
}

static int doc_commit(exctx *x, xdoc *d)
{
	int force = x->opts && x->opts->force;
	int rc = doc_set_attrs(x, d);
	if (rc != NPK_OK) {
		doc_abort(x, d);
		return rc;
	}
	if (d->unnamed) {
		char proc[64];
		snprintf(proc, sizeof proc, "/proc/self/fd/%d", d->fd);
		if (linkat(AT_FDCWD, proc, d->dfd, d->leaf, AT_SYMLINK_FOLLOW) != 0)
			rc = errno == EEXIST
			     ? npk__fail(x->ferr, NPK_E_EXISTS, "%s/%s: exists (use --force to overwrite)",
			                 x->dir, d->path)
			     : npk__fail(x->ferr, NPK_E_IO, "%s/%s: %s", x->dir, d->path, strerror(errno));
		if (close(d->fd) != 0 && rc == NPK_OK)
			rc = npk__fail(x->ferr, NPK_E_IO, "%s/%s: %s", x->dir, d->path, strerror(errno));
		d->fd = -1;
		return rc;
	}
	if (close(d->fd) != 0)
		rc = npk__fail(x->ferr, NPK_E_IO, "%s/%s: %s", x->dir, d->path, strerror(errno));
	d->fd = -1;
	int r = -1;
#ifdef RENAME_NOREPLACE
	if (rc == NPK_OK && !force) {
		r = renameat2(d->dfd, d->tmp, d->dfd, d->leaf, RENAME_NOREPLACE);
		if (r != 0 && errno == EEXIST)
			rc = npk__fail(x->ferr, NPK_E_EXISTS, "%s/%s: exists (use --force to overwrite)",
			               x->dir, d->path);
		else if (r != 0 && errno != EINVAL && errno != ENOSYS)
			rc = npk__fail(x->ferr, NPK_E_IO, "%s/%s: %s", x->dir, d->path, strerror(errno));
	}
#endif
	if (rc == NPK_OK && r != 0) {
		if (!force && faccessat(d->dfd, d->leaf, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
			rc = npk__fail(x->ferr, NPK_E_EXISTS, "%s/%s: exists (use --force to overwrite)",
			               x->dir, d->path);
		else if (renameat(d->dfd, d->tmp, d->dfd, d->leaf) != 0)
			rc = npk__fail(x->ferr, NPK_E_IO, "%s/%s: %s", x->dir, d->path, strerror(errno));
	}
	if (rc != NPK_OK)
		unlinkat(d->dfd, d->tmp, 0);
	return rc;
}

/* ---- Folders and links (spec/format.md 15.7) ----
 * Made on the file system thread, as documents are: the folder cache is
 * that thread's. Their records: R_FOLDER is the 9 attribute bytes then
 * the path; R_LINK is the path's length (u16), the path, the target. */

/* Makes the empty folder path, or takes the one there, and sets its time. */
static int make_folder(exctx *x, const char *path, const uint8_t a[9])
{
	const char *leaf;
	int dfd = open_parent(x, path, 1, &leaf);
	if (dfd < 0)
		return x->ferr ? x->ferr->code : NPK_E_IO;
	int fd = open_comp(x, dfd, leaf, path, strlen(path), 1);
	if (fd < 0)
		return x->ferr ? x->ferr->code : NPK_E_IO;
	uint64_t t = npk__ld64(a);
	struct timespec ts[2] = {{0, UTIME_OMIT}, {(time_t)t, 0}};
	int rc = NPK_OK;
	if (t != ~0ull && futimens(fd, ts) != 0)
		rc = npk__fail(x->ferr, NPK_E_IO, "%s/%s: set time: %s", x->dir, path, strerror(errno));
	close(fd);
	return rc;
}

/* Makes the symbolic link path -> target. Without --force an existing
 * name is kept (symlinkat refuses it); with it, the link is made under a
 * temporary name and renamed over the file. */
static int make_link(exctx *x, const char *path, const char *target)
{
	const char *leaf;
	int dfd = open_parent(x, path, 1, &leaf);
	if (dfd < 0)
		return x->ferr ? x->ferr->code : NPK_E_IO;
	if (!(x->opts && x->opts->force)) {
		if (symlinkat(target, dfd, leaf) == 0)
			return NPK_OK;
		return npk__fail(x->ferr, errno == EEXIST ? NPK_E_EXISTS : NPK_E_IO, "%s/%s: %s", x->dir,
		                 path, errno == EEXIST ? "exists (use --force to overwrite)" : strerror(errno));
	}
	char tmp[64];
	int r = -1;
	for (int tries = 0; r != 0 && tries < 16; tries++) {
		snprintf(tmp, sizeof tmp, ".npk-extract-%ld-%u", x->pid, x->tmp_counter++);
		if ((r = symlinkat(target, dfd, tmp)) != 0 && errno != EEXIST)
			break;
	}
	if (r == 0 && renameat(dfd, tmp, dfd, leaf) == 0)
		return NPK_OK;
	int e = errno;
	if (r == 0)
		unlinkat(dfd, tmp, 0);
	return npk__fail(x->ferr, NPK_E_IO, "%s/%s: %s", x->dir, path, strerror(e));
}

/* Runs an R_FOLDER or R_LINK record of len bytes. */
static int run_record(exctx *x, uint32_t type, const uint8_t *b, size_t len)
{
	char path[NPK_PATH_MAX + 1], target[NPK_PATH_MAX + 1];
	if (type == R_FOLDER) {
		memcpy(path, b + 9, len - 9);
		path[len - 9] = 0;
		return make_folder(x, path, b);
	}
	size_t plen = npk__ld16(b);
	memcpy(path, b + 2, plen);
	path[plen] = 0;
	memcpy(target, b + 2 + plen, len - 2 - plen);
	target[len - 2 - plen] = 0;
	return make_link(x, path, target);
}

/* ---- The file writer ----
 * With two threads or more, pass 2 hands the file system work to a second
 * thread, so that reading, inflating and hashing (this thread) overlap
 * creating and writing files (that one), which is most of the cost. This
 * thread sends records through a ring of chunks: BEGIN (the path), DATA,
 * then COMMIT once the document matched its digest, or ABORT. The writer
 * names a document on COMMIT only, so a document that fails its check is
 * never seen under its name, exactly as without the writer. */

#define CHUNK_SIZE (256u << 10)
#define CHUNK_COUNT 16
#define REC_HEADER 8 /* u32 type, u32 length, then the bytes */

typedef struct fwriter {
	exctx *x;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uint8_t *chunk[CHUNK_COUNT];
	size_t used[CHUNK_COUNT];
	uint64_t head, tail;      /* chunks taken by the writer, chunks handed over */
	int closing;
	int waiting;              /* 1: the writer waits for a chunk; 2: this thread for room */
	size_t fill;              /* bytes in the chunk being filled (number tail) */
	/* written by the writer, read under mu */
	int rc;
	npk_error err;
	uint64_t docs;
} fwriter;

static void fw_run_chunk(fwriter *w, xdoc *d, const uint8_t *p, size_t n)
{
	exctx *x = w->x;
	size_t off = 0;
	while (off + REC_HEADER <= n) {
		uint32_t type = npk__ld32(p + off), len = npk__ld32(p + off + 4);
		const uint8_t *b = p + off + REC_HEADER;
		off += REC_HEADER + len;
		if (w->rc != NPK_OK) {
			/* after a failure only the open file matters: drop it */
			doc_abort(x, d);
			continue;
		}
		int rc = NPK_OK;
		switch (type) {
		case R_BEGIN: rc = doc_begin(x, d, (const char *)b, len); break;
		case R_DATA: rc = doc_write(x, d, b, len); break;
		case R_FOLDER:
		case R_LINK: rc = run_record(x, type, b, len); break;
		case R_COMMIT:
			memcpy(d->attrs, b, len < sizeof d->attrs ? len : sizeof d->attrs);
			rc = doc_commit(x, d);
			if (rc == NPK_OK)
				w->docs++;
			break;
		default: doc_abort(x, d); break;
		}
		if (rc != NPK_OK) {
			doc_abort(x, d);
			pthread_mutex_lock(&w->mu);
			w->rc = rc;
			if (w->waiting == 2) {
				w->waiting = 0;
				pthread_cond_signal(&w->cv);
			}
			pthread_mutex_unlock(&w->mu);
		}
	}
}

static void *fw_main(void *arg)
{
	fwriter *w = arg;
	xdoc *d = malloc(sizeof *d);
	pthread_mutex_lock(&w->mu);
	if (d == NULL) {
		w->rc = npk__fail(&w->err, NPK_E_NOMEM, "out of memory");
		d = NULL;
	} else
		d->fd = -1;
	for (;;) {
		while (w->head == w->tail && !w->closing) {
			w->waiting = 1;
			pthread_cond_wait(&w->cv, &w->mu);
		}
		if (w->head == w->tail)
			break;
		size_t i = w->head % CHUNK_COUNT;
		pthread_mutex_unlock(&w->mu);
		if (d != NULL)
			fw_run_chunk(w, d, w->chunk[i], w->used[i]);
		pthread_mutex_lock(&w->mu);
		w->head++;
		/* wake the reading thread once half the ring is free, not for every chunk */
		if (w->waiting == 2 && w->tail - w->head <= CHUNK_COUNT / 2) {
			w->waiting = 0;
			pthread_cond_signal(&w->cv);
		}
	}
	pthread_mutex_unlock(&w->mu);
	if (d != NULL)
		doc_abort(w->x, d);
	free(d);
	return NULL;
}

static int fw_failed(fwriter *w)
{
	pthread_mutex_lock(&w->mu);
	int rc = w->rc;
	pthread_mutex_unlock(&w->mu);
	return rc;
}

/* Hands the chunk being filled to the writer and takes the next one,
 * waiting for room. Returns the writer's failure, if any. */
static int fw_flush(fwriter *w)
{
	pthread_mutex_lock(&w->mu);
	w->used[w->tail % CHUNK_COUNT] = w->fill;
	w->tail++;
	w->fill = 0;
	if (w->waiting == 1) {
		w->waiting = 0;
		pthread_cond_signal(&w->cv);
	}
	while (w->tail - w->head == CHUNK_COUNT && w->rc == NPK_OK) {
		w->waiting = 2;
		pthread_cond_wait(&w->cv, &w->mu);
	}
	int rc = w->rc;
	pthread_mutex_unlock(&w->mu);
	return rc;
}

/* Appends a record; DATA larger than a chunk's room is split. */
static int fw_put(fwriter *w, uint32_t type, const void *p, size_t len)
{
	const uint8_t *b = p;
	do {
		if (CHUNK_SIZE - w->fill < REC_HEADER + (type == R_DATA ? 1 : len)) {
			int rc = fw_flush(w);
			if (rc != NPK_OK)
				return rc;
		}
		size_t room = CHUNK_SIZE - w->fill - REC_HEADER;
		size_t n = len < room ? len : room;
		uint8_t *c = w->chunk[w->tail % CHUNK_COUNT] + w->fill;
		npk__st32(c, type);
		npk__st32(c + 4, (uint32_t)n);
		if (n > 0) {
			memcpy(c + REC_HEADER, b, n);
			b += n; /* not on a record without data: b may be NULL */
		}
		w->fill += REC_HEADER + n;
		len -= n;
	} while (len > 0);
	return NPK_OK;
}

static int fw_start(fwriter *w, exctx *x)
{
	memset(w, 0, sizeof *w);
	w->x = x;
	for (size_t i = 0; i < CHUNK_COUNT; i++)
		if ((w->chunk[i] = malloc(CHUNK_SIZE)) == NULL)
			goto fail;
	/* the writer reports through its own error, joined at the end */
	x->ferr = &w->err;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	if (pthread_create(&w->thread, NULL, fw_main, w) == 0)
		return 0;
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	x->ferr = x->err;
fail:
	for (size_t i = 0; i < CHUNK_COUNT; i++)
		free(w->chunk[i]);
	return -1;
}

/* Sends what is left, waits for the writer, and frees it. Returns the
 * writer's result; its error, if any, is copied to x->err. */
static int fw_finish(fwriter *w)
{
	exctx *x = w->x;
	if (w->fill > 0)
		fw_flush(w);
	pthread_mutex_lock(&w->mu);
	w->closing = 1;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	for (size_t i = 0; i < CHUNK_COUNT; i++)
		free(w->chunk[i]);
	x->ferr = x->err;
	if (w->rc != NPK_OK && x->err)
		*x->err = w->err;
	x->docs = w->docs;
	return w->rc;
}

/* ---- Pass 2 ---- */

static int cancelled(const exctx *x)
{
	return x->opts && x->opts->cancel && *x->opts->cancel;
}

static int sink_doc(const uint8_t *buf, size_t len, void *ctx)
{
	exctx *x = ctx;
	if (cancelled(x))
		return npk__fail(x->err, NPK_E_CANCELED, "canceled");
	int rc = x->fw ? fw_put(x->fw, R_DATA, buf, len) : doc_write(x, x->doc, buf, len);
	return rc == NPK_OK ? 0 : rc;
}

/* With the file writer: this thread reads and checks, that one writes. */
static int write_doc_handed(exctx *x, const npk_entry *e, size_t plen)
{
	NPK_FORWARD(fw_put(x->fw, R_BEGIN, e->path, plen));
	int rc = npk_reader_read(x->r, e, sink_doc, x, x->err);
	uint8_t a[9];
	doc_attrs(x, e->meta, a);
	if (rc == NPK_OK)
		return fw_put(x->fw, R_COMMIT, a, sizeof a);
	/* the writer's own failure is already in it; anything else aborts */
	if (fw_failed(x->fw) == NPK_OK)
		fw_put(x->fw, R_ABORT, NULL, 0);
	return rc;
}

static int write_doc(exctx *x, const npk_entry *e)
{
	size_t plen = strlen(e->path);
	if (x->fw != NULL)
		return write_doc_handed(x, e, plen);
	NPK_FORWARD(doc_begin(x, x->doc, e->path, plen));
	int rc = npk_reader_read(x->r, e, sink_doc, x, x->err);
	if (rc != NPK_OK) {
		doc_abort(x, x->doc);
		return rc;
	}
	doc_attrs(x, e->meta, x->doc->attrs);
	NPK_FORWARD(doc_commit(x, x->doc));
	x->docs++;
	return NPK_OK;
}

/* ---- Entries other than documents (spec/format.md 15.7) ---- */

static int target_sink(const uint8_t *buf, size_t len, void *ctx)
{
	exctx *x = ctx;
	if (len > NPK_PATH_MAX - x->target_len)
		return NPK_E_FORMAT; /* cannot happen: the reader checked the size */
	memcpy(x->target + x->target_len, buf, len);
	x->target_len += len;
	return 0;
}

/* Reads link e's target into x->target; the reader checks it (15.7). */
static int read_target(exctx *x, const npk_entry *e)
{
	x->target_len = 0;
	NPK_FORWARD(npk_reader_read(x->r, e, target_sink, x, x->err));
	x->target[x->target_len] = 0;
	return NPK_OK;
}

/* Why a link at path to target is not to be made: NULL when the target,
 * resolved against the link's own folder, stays inside the output folder.
 * It must be relative, and ".." may only open it: after a name, ".." would
 * go back from wherever that name leads, which may itself be a link; the
 * opening ".." may not climb above the output folder. */
static const char *link_unsafe(const char *path, const char *target)
{
	if (target[0] == '/')
		return "its target is an absolute path";
	long depth = 0;           /* folders between the output folder and the link */
	for (const char *p = strchr(path, '/'); p != NULL; p = strchr(p + 1, '/'))
		depth++;
	int named = 0;            /* a name came before */
	for (const char *p = target; *p != 0;) {
		size_t n = strcspn(p, "/");
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (named)
				return "its target has a \"..\" after a name";
			if (--depth < 0)
				return "its target leaves the output folder";
		} else if (n > 0 && !(n == 1 && p[0] == '.'))
			named = 1;
		p += n + (p[n] == '/');
	}
	return NULL;
}

static void notice(exctx *x, const npk_entry *e, const char *why)
{
	x->skipped = why != NULL;
	if (x->opts && x->opts->notice)
		x->opts->notice(e, why, x->opts->ctx);
}

/* What is at e's path in the output folder, never following a link:
 * 1 with st filled, 0 for nothing, or an error code (negative). */
static int stat_leaf(exctx *x, const npk_entry *e, struct stat *st)
{
	if (x->root < 0)
		return 0; /* the output folder is still to be made */
	const char *leaf;
	int fd = open_parent(x, e->path, 0, &leaf);
	if (fd == -2)
		return 0;
	if (fd < 0)
		return -(x->ferr ? x->ferr->code : NPK_E_IO);
	return fstatat(fd, leaf, st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* Pass 1 for a link to be made: a file or a link in its way is replaced
 * with --force (by rename, which never follows it), else a conflict. */
static int check_link(exctx *x, const npk_entry *e)
{
	struct stat st;
	int at = stat_leaf(x, e, &st);
	if (at <= 0)
		return -at;
	NPK_FAIL_IF(!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode), x->ferr, NPK_E_EXISTS,
	            "%s/%s: exists and is not a file or a symbolic link", x->dir, e->path);
	NPK_FAIL_IF(!(x->opts && x->opts->force), x->ferr, NPK_E_EXISTS,
	            "%s/%s: exists (use --force to overwrite)", x->dir, e->path);
	return NPK_OK;
}

/* Pass 1 for an empty folder: nothing but a folder may be in its way. */
static int check_folder(exctx *x, const npk_entry *e)
{
	struct stat st;
	int at = stat_leaf(x, e, &st);
	if (at <= 0)
		return -at;
	if (S_ISDIR(st.st_mode))
		return NPK_OK;
	return npk__fail(x->ferr, S_ISLNK(st.st_mode) ? NPK_E_UNSAFE : NPK_E_EXISTS, "%s/%s: %s",
	                 x->dir, e->path, S_ISLNK(st.st_mode) ? "is a symbolic link; refusing to follow it"
	                                                      : "exists and is not a folder");
}

/* Pass 1: what is in the way of entry e. A link's target is read (and so
 * checked) here already, so that a bad one stops before anything is
 * written; only a link that will be made is checked like a document. */
static int check_entry(exctx *x, const npk_entry *e)
{
	switch (e->kind) {
	case NPK_KIND_FOLDER: return check_folder(x, e);
	case NPK_KIND_WITHDRAWN: return NPK_OK;
	case NPK_KIND_SYMLINK: {
		/* a damaged target is reported by pass 2, which fails on it again */
		int rc = read_target(x, e);
		if (is_damage(rc))
			return NPK_OK;
		NPK_FORWARD(rc);
		if (!(x->opts && x->opts->symlinks) || link_unsafe(e->path, x->target))
			return NPK_OK;
		return check_link(x, e);
	}
	default: return check_target(x, e);
	}
}

/* Pass 2 for a folder or a link: hands its record to the file system
 * thread (or runs it); a link that is not to be made is only noticed. */
static int write_other(exctx *x, const npk_entry *e)
{
	uint8_t rec[2 + 2 * NPK_PATH_MAX];
	size_t plen = strlen(e->path), len;
	uint32_t type = e->kind == NPK_KIND_FOLDER ? R_FOLDER : R_LINK;
	if (type == R_FOLDER) {
		doc_attrs(x, e->meta, rec);
		memcpy(rec + 9, e->path, plen);
		len = 9 + plen;
	} else {
		NPK_FORWARD(read_target(x, e));
		const char *why = x->opts && x->opts->symlinks ? link_unsafe(e->path, x->target)
		                                               : "written only with --symlinks";
		if (why != NULL) {
			notice(x, e, why);
			return NPK_OK;
		}
		npk__st16(rec, (uint16_t)plen);
		memcpy(rec + 2, e->path, plen);
		memcpy(rec + 2 + plen, x->target, x->target_len);
		len = 2 + plen + x->target_len;
	}
	NPK_FORWARD(x->fw ? fw_put(x->fw, type, rec, len) : run_record(x, type, rec, len));
	notice(x, e, NULL);
	return NPK_OK;
}

/* Pass 2: writes entry e by its kind. */
static int write_entry(exctx *x, const npk_entry *e)
{
	if (e->kind == NPK_KIND_WITHDRAWN) {
		notice(x, e, "withdrawn");
		return NPK_OK;
	}
	if (e->kind == NPK_KIND_FOLDER || e->kind == NPK_KIND_SYMLINK)
		return write_other(x, e);
	return write_doc(x, e);
}

/* ---- Damage (spec/format.md 11, on_damage = CONTINUE) ---- */

/* Records problem p, which leaves docs documents unwritten: damage decides
 * the outcome over what only needs a newer reader (11.1). */
static void damage(exctx *x, const npk_problem *p, uint64_t docs)
{
	x->damaged += docs;
	if (x->damage_rc == NPK_OK || (x->damage_rc == NPK_E_VERSION && p->code != NPK_E_VERSION)) {
		x->damage_rc = p->code;
		npk__fail(&x->first_damage, p->code, "%s", p->message);
	}
	if (x->opts && x->opts->damaged)
		x->opts->damaged(p, x->opts->ctx);
}

/* Whether path p (n bytes, no trailing slash) or a path under it may sort
 * in [first, next) (next NULL: no end), that is, be on that page (6.1). */
static int may_hold(const char *first, const char *next, const char *p, size_t n)
{
	char lo[NPK_PATH_MAX + 2], hi[NPK_PATH_MAX + 2];
	if (n > NPK_PATH_MAX)
		return 0;
	/* p itself, and the paths under it: from "p/" up to "p0" ('0' follows '/') */
	memcpy(lo, p, n);
	memcpy(hi, p, n);
	lo[n] = 0;
	int self = strcmp(first, lo) <= 0 && (next == NULL || strcmp(lo, next) < 0);
	lo[n] = '/';
	hi[n] = '0';
	lo[n + 1] = hi[n + 1] = 0;
	return self || (strcmp(first, hi) < 0 && (next == NULL || strcmp(lo, next) < 0));
}

/* Whether index page i may hold a selected document; marks the requested
 * paths it may hold, so that they are not "not found". */
static int page_selected(exctx *x, uint32_t i)
{
	if (x->paths == NULL)
		return 1;
	const char *first, *next;
	npk__reader_page_paths(x->r, i, &first, &next);
	if (first == NULL)
		return 1;
	int hit = 0;
	for (size_t k = 0; k < x->npaths; k++) {
		size_t n = strlen(x->paths[k]);
		while (n > 0 && x->paths[k][n - 1] == '/')
			n--;
		if (!may_hold(first, next, x->paths[k], n))
			continue;
		hit = 1;
		if (x->matched[k] != 1)
			x->matched[k] = 3;
	}
	return hit;
}

/* Pass 1: a problem of the index. A page that cannot be read hides its
 * documents; anything but damage (a read error) ends extract after the walk. */
static void index_problem(const npk_problem *p, void *ctx)
{
	exctx *x = ctx;
	if (!is_damage(p->code)) {
		if (x->hard_rc == NPK_OK)
			x->hard_rc = npk__fail(x->err, p->code, "%s: %s %llu: %s", npk__reader_name(x->r),
			                       p->object, (unsigned long long)p->number, p->message);
		return;
	}
	if (strcmp(p->object, "page") == 0 && !page_selected(x, (uint32_t)p->number))
		return;
	x->hidden += p->hidden;
	damage(x, p, p->hidden);
}

/* Pass 2: entry e could not be read (rc, x->err says why). A damaged
 * cluster is reported once, before the first of its documents. */
static void entry_damaged(exctx *x, const npk_entry *e, int rc)
{
	uint64_t off = 0;
	int64_t c = npk__reader_failed_cluster(x->r, &off);
	const char *why = c < 0 ? x->err->msg
	                  : rc == NPK_E_VERSION ? "stored in a cluster this reader cannot decode"
	                                        : "stored in a damaged cluster";
	if (c >= 0 && (uint64_t)c < x->cl_count && !x->cl_reported[c]) {
		x->cl_reported[c] = 1;
		npk_problem pc = {rc, "cluster", (uint64_t)c, off, NULL, npk__bare(x->err, "damaged"), 0, 0};
		damage(x, &pc, 0);
	}
	npk_problem pd = {rc, "document", e->ordinal, 0, e->path, why, 0, 0};
	damage(x, &pd, 1);
}

/* The outcome once both passes ran: NPK_OK, or the damage's code with a
 * message that counts what was not written. */
static int damage_outcome(exctx *x, npk_error *err)
{
	if (x->damage_rc == NPK_OK)
		return NPK_OK;
	/* a problem that hides no document (a page's trailing bytes, the
	 * layout) names the archive already */
	if (x->damaged == 0)
		return npk__fail(err, x->damage_rc, "%s", x->first_damage.msg);
	return npk__fail(err, x->damage_rc, "%s: %llu of %llu documents damaged, not written",
	                 npk__reader_name(x->r),
	                 (unsigned long long)x->damaged,
	                 (unsigned long long)(x->selected + x->hidden));
}

static int on_entry(const npk_entry *e, void *ctx)
{
	exctx *x = ctx;
	if (!selected(x, e))
		return 0;
	int rc;
	if (x->pass == 1) {
		x->selected++;
		rc = check_entry(x, e);
		if (rc == NPK_E_EXISTS && x->conflicts++ == 0) {
			x->rc = rc;
			if (x->err)
				x->first_conflict = *x->err;
		} else if (rc != NPK_OK && rc != NPK_E_EXISTS)
			return x->rc = rc;
		return 0;
	}
	x->skipped = 0;
	rc = write_entry(x, e);
	/* damage drops this entry only; the writer's own failure stops all */
	if (rc != NPK_OK && is_damage(rc) && !(x->fw && fw_failed(x->fw) != NPK_OK)) {
		entry_damaged(x, e, rc);
		return 0;
	}
	if (rc != NPK_OK)
		return x->rc = rc;
	if (x->skipped)
		return 0; /* progress names what is written */
	x->sent++;
	x->bytes += e->size;
	if (x->opts && x->opts->progress)
		x->opts->progress(x->sent, x->bytes, e->path, x->opts->ctx);
	return 0;
}

/* Pass 1: every document named exists, no target is in the way. */
static int check_pass(exctx *x, npk_error *err)
{
	x->pass = 1;
	int rc = npk__reader_walk(x->r, on_entry, x, index_problem, x, err);
	if (rc == NPK_OK)
		rc = x->hard_rc;
	if (rc == NPK_OK)
		rc = x->rc;
	if (rc == NPK_E_EXISTS)
		return npk__fail(err, NPK_E_EXISTS, x->conflicts > 1 ? "%s (and %llu more)" : "%s",
		                 x->first_conflict.msg, (unsigned long long)(x->conflicts - 1));
	NPK_FORWARD(rc);
	for (size_t i = 0; i < x->npaths; i++) {
		NPK_FAIL_IF(x->matched[i] == 0, err, NPK_E_NOTFOUND,
		            "no document or folder \"%s\" in the archive", x->paths[i]);
		NPK_FAIL_IF(x->matched[i] == 2, err, NPK_E_NOTFOUND,
		            "\"%s\" was withdrawn from the archive: nothing to extract", x->paths[i]);
	}
	return NPK_OK;
}

/* Pass 2: write, with the file writer on its own thread when there are
 * two threads or more (and on this one when it cannot start). */
static int write_pass(exctx *x, npk_error *err)
{
	x->pass = 2;
	fwriter fw;
	if (npk__reader_threads(x->r) > 1 && fw_start(&fw, x) == 0)
		x->fw = &fw;
	/* the index's problems were reported by pass 1: the same pages fail again */
	int rc = npk__reader_walk(x->r, on_entry, x, NULL, NULL, err);
	if (rc == NPK_OK)
		rc = x->rc;
	if (x->fw != NULL) {
		/* A failure of the writer comes first: it is why this thread stopped. */
		int wrc = fw_finish(&fw);
		if (wrc != NPK_OK)
			rc = wrc;
		x->fw = NULL;
	}
	return rc;
}

/* Makes the missing output folder and its parents (opts->make_dir), mode
 * 0777 less the umask as unzip -d does, once pass 1 found nothing wrong,
 * so that a refused extract makes nothing; then opens it. */
static int make_root(exctx *x, npk_error *err)
{
	char *p = strdup(x->dir);
	NPK_FAIL_IF(p == NULL, err, NPK_E_NOMEM, "out of memory");
	int e = 0;
	for (char *s = p + 1; e == 0; s++) {
		if (*s != '/' && *s != 0)
			continue;
		char c = *s;
		*s = 0;
		if (mkdir(p, 0777) != 0 && errno != EEXIST)
			e = errno;
		*s = c;
		if (c == 0)
			break;
	}
	free(p);
	x->root = e ? -1 : open(x->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	NPK_FAIL_IF(x->root < 0, err, NPK_E_IO, "%s: cannot make this folder: %s", x->dir,
	            strerror(e ? e : errno));
	return NPK_OK;
}

int npk_extract(npk_reader *r, const char *dir, const char *const *paths,
                size_t npaths, const npk_extract_opts *opts,
                uint64_t *written, npk_error *err)
{
	npk_error local;
	if (err == NULL)
		err = &local; /* the damage report reads the reader's message */
	exctx x = {0};
	x.r = r;
	x.dir = dir;
	x.paths = paths;
	x.npaths = paths ? npaths : 0;
	x.opts = opts;
	x.err = err;
	x.ferr = err;
	x.cache_fd = -1;
	x.pid = (long)getpid();
	if (written)
		*written = 0;
	/* Naming an unnamed file takes /proc/self/fd. */
	if (access("/proc/self/fd", X_OK) != 0)
		x.no_tmpfile = 1;
	x.root = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int make = x.root < 0 && errno == ENOENT && opts != NULL && opts->make_dir && dir[0];
	NPK_FAIL_IF(x.root < 0 && !make, err, errno == ENOENT ? NPK_E_NOTFOUND : NPK_E_IO, "%s: %s",
	            dir, strerror(errno));
	x.matched = calloc(x.npaths ? x.npaths : 1, 1);
	x.doc = malloc(sizeof *x.doc);
	npk_info in;
	npk_reader_info(r, &in);
	x.cl_count = in.clusters;
	x.cl_reported = calloc(in.clusters ? in.clusters : 1, 1);
	int rc = NPK_OK;
	if (x.matched == NULL || x.doc == NULL || x.cl_reported == NULL) {
		rc = npk__fail(err, NPK_E_NOMEM, "out of memory");
		goto out;
	}
	x.doc->fd = -1;

	NPK_FORWARD_GOTO(rc, check_pass(&x, err), out);
	if (x.root < 0)
		NPK_FORWARD_GOTO(rc, make_root(&x, err), out);
	rc = write_pass(&x, err);
	if (written)
		*written = x.docs;
	if (rc == NPK_OK)
		rc = damage_outcome(&x, err);
out:
	cache_drop(&x);
	free(x.doc);
	free(x.missing);
	free(x.matched);
	free(x.cl_reported);
	if (x.root >= 0)
		close(x.root);
	return rc;
}
