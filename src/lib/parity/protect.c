/*
 * protect.c - npk_protect and npk_repair (spec/format.md 15.10), and the
 * tail they and create write: the parity section, then the survival
 * copies (15.9). Nothing here is trusted until it verifies: protect
 * verifies the new file before it replaces the archive, and repair
 * verifies the rebuilt signed part before it writes anything in place.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parity/parity.h"

int npk__par_tail(int out, int back, int src, int copy_fd, const npk__par_geom *geom, int copies,
                  uint64_t *end, const char *name, npk_error *err)
{
	npk__tail t;
	npk__par_geom g = *geom;
	g.offset = g.size; /* the parity comes first in the tail */
	int rc = npk__tail_begin(&t, out, g.size, err);
	if (rc == NPK_OK)
		rc = npk__par_write(&t, src, copy_fd, back, &g, name, err);
	/* 15.9: the copies read the signed part where it now is, in out */
	if (rc == NPK_OK && copies)
		rc = npk__copies_write(&t, back, g.size, err);
	if (rc == NPK_OK)
		rc = npk__tail_finish(&t, err);
	if (rc == NPK_OK && end)
		*end = t.off;
	npk__tail_free(&t);
	return rc;
}

/* The signed part's size as the tail trailer gives it (15.5), else the
 * file's; whether it is right, the verification afterwards says. */
static int signed_size_of(int fd, const char *path, uint64_t *size, npk_error *err)
{
	struct stat st;
	uint8_t tr[32];
	NPK_FAIL_IF(fstat(fd, &st) != 0, err, NPK_E_IO, "%s: %s", path, strerror(errno));
	uint64_t fs = (uint64_t)st.st_size;
	*size = fs;
	if (fs >= 96 && npk__pread_full(fd, tr, 32, fs - 32, path, err) == NPK_OK &&
	    memcmp(tr + 24, NPK_TAIL_MAGIC, 8) == 0 && npk__ld64(tr) >= 64 && npk__ld64(tr) <= fs - 36)
		*size = npk__ld64(tr);
	NPK_FAIL_IF(*size < 64, err, NPK_E_FORMAT, "%s: not a newspack archive (too short)", path);
	return NPK_OK;
}

/* The archive at path verifies: signature (by the key it holds; trust is
 * verify's business) and every digest; with tail, its tail is intact. */
static int verify_path(const char *path, int tail, npk_error *err)
{
	npk_reader *r = NULL;
	npk_verify_stats st;
	int rc = npk_reader_open(path, NULL, 1, &r, err);
	if (rc == NPK_OK)
		rc = npk_reader_verify(r, NULL, NULL, &st, err);
	if (rc == NPK_OK && tail && st.tail_problems > 0)
		rc = npk__fail(err, NPK_E_FORMAT, "%s: its tail is damaged", path);
	npk_reader_free(r);
	return rc;
}

static int open_back(const npk__out *o, int *back, npk_error *err)
{
	*back = open(o->tmp, O_RDONLY | O_CLOEXEC);
	NPK_FAIL_IF(*back < 0, err, NPK_E_IO, "%s: %s", o->tmp, strerror(errno));
	return NPK_OK;
}

int npk_protect(const char *path, unsigned percent, npk_parity_info *info, npk_error *err)
{
	NPK_FORWARD(npk__init(err));
	npk__par_geom g;
	npk__out o = {.fd = -1};
	uint64_t size = 0;
	int back = -1, rc;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	NPK_FAIL_IF(fd < 0, err, errno == ENOENT ? NPK_E_NOTFOUND : NPK_E_IO, "%s: %s", path,
	            strerror(errno));
	NPK_FORWARD_GOTO(rc, signed_size_of(fd, path, &size, err), out);
	NPK_FORWARD_GOTO(rc, npk__par_choose(&g, size, percent, err), out);
	NPK_FORWARD_GOTO(rc, npk__out_open(&o, path, NPK__MODE_FILE, NPK__OUT_REPLACE, err), out);
	NPK_FORWARD_GOTO(rc, open_back(&o, &back, err), out);
	NPK_FORWARD_GOTO(rc, npk__par_tail(o.fd, back, fd, o.fd, &g, 1, NULL, path, err), out);
	/* what was copied must be the archive, whole: else nothing changes */
	if ((rc = verify_path(o.tmp, 1, err)) != NPK_OK) {
		npk__wrap(err, rc, "%s is damaged (protect it once repaired): ", path);
		goto out;
	}
	NPK_FORWARD_GOTO(rc, npk__out_commit(&o, err), out);
	if (info) {
		npk__par_state ps = {.g = g};
		ps.g.offset = size;
		ps.header_copies = 2;
		npk__par_info(&ps, info);
	}
out:
	if (back >= 0)
		close(back);
	npk__out_abort(&o);
	close(fd);
	return rc;
}

/* "x.npk" -> "x.repaired.npk"; else "x" -> "x.repaired". */
static char *repaired_name(const char *path)
{
	size_t n = strlen(path);
	char *s = malloc(n + 10);
	if (s == NULL)
		return NULL;
	if (n > 4 && strcmp(path + n - 4, ".npk") == 0)
		snprintf(s, n + 10, "%.*s.repaired.npk", (int)(n - 4), path);
	else
		snprintf(s, n + 10, "%s.repaired", path);
	return s;
}

typedef struct repair_job {
	const char *path;
	npk__par_state ps;
	npk__out o;
	int fd, back;
} repair_job;

/* Nothing to do: no block lost, both header copies where they belong,
 * and the whole archive, tail included, verifies. */
static int nothing_lost(repair_job *j)
{
	npk_error e2;
	const npk__par_state *ps = &j->ps;
	return ps->lost_data == 0 && ps->lost_parity == 0 && ps->shift == 0 &&
	       ps->header_copies == 2 && verify_path(j->path, 1, &e2) == NPK_OK;
}

static int cannot(repair_job *j, npk_error *err)
{
	const npk__par_state *ps = &j->ps;
	return npk__fail(err, NPK_E_DIGEST,
	                 "%s: cannot repair: %llu of %llu stripes have more lost blocks than intact "
	                 "parity (%llu data and %llu parity blocks lost); nothing was written",
	                 j->path, (unsigned long long)ps->stripes_bad,
	                 (unsigned long long)ps->g.G * ps->g.S, (unsigned long long)ps->lost_data,
	                 (unsigned long long)ps->lost_parity);
}

/* 15.9: the originals the reader took from their survival copies (none
 * when it cannot open the archive); the caller frees *r. */
static size_t copy_fixes(const char *path, npk_reader **r, const npk__fix **f)
{
	npk_error e2;
	*r = NULL;
	*f = NULL;
	if (npk_reader_open(path, NULL, 1, r, &e2) != NPK_OK)
		return 0;
	return npk__reader_fixes(*r, f);
}

/* Lost data blocks that a survival copy holds whole are taken from it
 * (their CRC-32 must match too), before parity rebuilds the others. */
static int take_fixes(repair_job *j, npk_error *err)
{
	const npk__par_geom *g = &j->ps.g;
	npk_reader *r;
	const npk__fix *f;
	size_t n = copy_fixes(j->path, &r, &f);
	int rc = NPK_OK;
	for (size_t i = 0; i < n && rc == NPK_OK; i++)
		for (uint64_t b = (f[i].off + g->B - 1) / g->B; rc == NPK_OK && b < g->N; b++) {
			uint64_t at = b * g->B, len = npk__par_block_len(g, b);
			if (at + len > f[i].off + f[i].len)
				break;
			const uint8_t *p = f[i].bytes + (at - f[i].off);
			if (npk__par_accept(&j->ps, b, p))
				rc = npk__pwrite_full(j->o.fd, p, len, at, "repaired archive", err);
		}
	npk_reader_free(r);
	npk__par_count(&j->ps);
	return rc;
}

/* The tail is written again as it was: parity, then the survival copies
 * unless the tail directory, intact, names none (when it is lost, as
 * newspack writes it: with them). */
static int had_copies(const repair_job *j)
{
	npk_section *S;
	uint32_t n;
	int copies = 1;
	if (npk__tail_directory(j->fd, j->ps.file_size, j->path, &S, &n)) {
		copies = 0;
		for (uint32_t i = 0; i < n; i++)
			copies |= S[i].type == NPK_SECTION_COPIES;
		free(S);
	}
	return copies;
}

static int not_verified(repair_job *j, npk_error *err)
{
	return npk__wrap(err, NPK_E_DIGEST, "%s: cannot repair: the rebuilt archive does not verify; "
	                 "nothing was written: ", j->path);
}

/* Marks, rebuilds into the temporary file, verifies, writes the tail. */
static int repair_run(repair_job *j, const npk_repair_opts *opts, int *written, npk_error *err)
{
	npk__par_state *ps = &j->ps;
	NPK_FORWARD(npk__par_mark(ps, j->fd, j->o.fd, err));
	if (opts && opts->range)
		npk__par_ranges(ps, opts->range, opts->ctx);
	if (nothing_lost(j))
		return NPK_OK;
	if (ps->lost_data > 0)
		NPK_FORWARD(take_fixes(j, err));
	if (ps->stripes_bad > 0)
		return cannot(j, err);
	NPK_FORWARD(npk__par_rebuild(ps, j->fd, j->o.fd, j->back, err));
	if (verify_path(j->o.tmp, 0, err) != NPK_OK)
		return not_verified(j, err);
	NPK_FORWARD(npk__par_tail(j->o.fd, j->back, j->back, -1, &ps->g, had_copies(j), NULL, j->path,
	                          err));
	NPK_FORWARD(npk__out_commit(&j->o, err));
	*written = 1;
	return NPK_OK;
}

/* The temporary file of out, size bytes of zeros to start with (lost
 * blocks stay zero until rebuilt), and a reading fd on it. */
static int out_prepare(repair_job *j, const char *out, int in_place, uint64_t size,
                       npk_error *err)
{
	struct stat st;
	NPK_FAIL_IF(!in_place && lstat(out, &st) == 0, err, NPK_E_EXISTS,
	            "%s: already exists (repair writes a new file; -o names another)", out);
	NPK_FORWARD(npk__out_open(&j->o, out, NPK__MODE_FILE, in_place ? NPK__OUT_REPLACE : 0, err));
	NPK_FORWARD(open_back(&j->o, &j->back, err));
	NPK_FAIL_IF(ftruncate(j->o.fd, (off_t)size) != 0, err, NPK_E_IO, "%s: %s", j->o.tmp,
	            strerror(errno));
	return NPK_OK;
}

/* [0, size) of fd into out; what the file no longer holds stays zero. */
static int copy_signed(int fd, int out, uint64_t size, const char *name, npk_error *err)
{
	enum { CHUNK = 1 << 20 };
	uint8_t *buf = malloc(CHUNK);
	NPK_FAIL_IF(buf == NULL, err, NPK_E_NOMEM, "out of memory");
	int rc = NPK_OK;
	for (uint64_t at = 0; at < size && rc == NPK_OK; at += CHUNK) {
		size_t want = size - at < CHUNK ? (size_t)(size - at) : CHUNK;
		int64_t got = npk__par_read(fd, buf, want, at, name, err);
		rc = got < 0 ? err->code
		     : npk__pwrite_full(out, buf, (size_t)got, at, "repaired archive", err);
	}
	free(buf);
	return rc;
}

/* 15.9 without parity: the signed part copied, each original whose
 * survival copy served written back from it, verified, and the tail (the
 * copies) written again. */
static int repair_by_copies(repair_job *j, const char *out, int in_place, int *written,
                            npk_error *err)
{
	npk_reader *r;
	const npk__fix *f;
	npk__copies c;
	npk_error e2;
	size_t n = copy_fixes(j->path, &r, &f);
	if (n == 0 && verify_path(j->path, 1, &e2) == NPK_OK) {
		npk_reader_free(r);
		return NPK_OK; /* intact: nothing to repair */
	}
	int rc = n == 0 || npk__copies_find(j->fd, j->ps.file_size, j->path, 1, &c, &e2) != NPK_OK
	         ? npk__fail(err, NPK_E_FORMAT, "%s: cannot repair: no parity section was found, and "
	                     "no survival copy serves a damaged original (newspack protect adds "
	                     "parity to an intact archive)", j->path)
	         : NPK_OK;
	if (rc == NPK_OK)
		rc = out_prepare(j, out, in_place, c.signed_size, err);
	if (rc == NPK_OK)
		rc = copy_signed(j->fd, j->o.fd, c.signed_size, j->path, err);
	for (size_t i = 0; i < n && rc == NPK_OK; i++)
		if (f[i].len > 0)
			rc = npk__pwrite_full(j->o.fd, f[i].bytes, f[i].len, f[i].off, "repaired archive", err);
	npk_reader_free(r);
	if (rc == NPK_OK && verify_path(j->o.tmp, 0, err) != NPK_OK)
		return not_verified(j, err);
	npk__tail t;
	if (rc == NPK_OK && (rc = npk__tail_begin(&t, j->o.fd, c.signed_size, err)) == NPK_OK) {
		rc = npk__copies_write(&t, j->back, c.signed_size, err);
		if (rc == NPK_OK)
			rc = npk__tail_finish(&t, err);
		npk__tail_free(&t);
	}
	if (rc == NPK_OK)
		rc = npk__out_commit(&j->o, err);
	*written = rc == NPK_OK;
	return rc;
}

static int repair_open(repair_job *j, const char *out, int in_place, npk_error *err)
{
	NPK_FORWARD(npk__par_open(&j->ps, j->fd, j->path, 1, err));
	return out_prepare(j, out, in_place, j->ps.g.size, err);
}

int npk_repair(const char *path, const npk_repair_opts *opts, npk_parity_info *info,
               int *written, char **out_path, npk_error *err)
{
	NPK_FORWARD(npk__init(err));
	int in_place = opts && opts->in_place, w = 0;
	repair_job j = {.path = path, .o = {.fd = -1}, .back = -1};
	char *out = in_place ? strdup(path) : opts && opts->out ? strdup(opts->out) : repaired_name(path);
	NPK_FAIL_IF(out == NULL, err, NPK_E_NOMEM, "out of memory");
	int rc = NPK_OK;
	j.fd = open(path, O_RDONLY | O_CLOEXEC);
	if (j.fd < 0)
		rc = npk__fail(err, errno == ENOENT ? NPK_E_NOTFOUND : NPK_E_IO, "%s: %s", path,
		               strerror(errno));
	if (rc == NPK_OK)
		rc = repair_open(&j, out, in_place, err);
	if (rc == NPK_OK)
		rc = repair_run(&j, opts, &w, err);
	else if (rc == NPK_E_NOTFOUND && j.fd >= 0)
		rc = repair_by_copies(&j, out, in_place, &w, err);
	if (info && j.ps.lost != NULL)
		npk__par_info(&j.ps, info);
	if (written)
		*written = w;
	if (out_path && rc == NPK_OK && w) {
		*out_path = out;
		out = NULL;
	}
	if (j.back >= 0)
		close(j.back);
	if (j.fd >= 0)
		close(j.fd);
	npk__out_abort(&j.o);
	npk__par_free(&j.ps);
	free(out);
	return rc;
}
