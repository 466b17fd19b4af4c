/*
 * merge.c - one lone archive from several (spec/format.md 15.16): the
 * states of archives packed side by side, or of a chain (compaction), in
 * path order, with a new Merkle tree and signature.
 *
 * Pass 1 writes each input's state to a scratch file, one record per
 * entry, then merges them by path: each path's entry is decided (one
 * input's, an identical one held by several, or the preferred input's),
 * and the extents of every file's data stream that the output keeps are
 * noted. A stretch of a file's stream that the kept extents cover from a
 * cluster boundary to a cluster boundary is copied as its clusters are
 * stored (renumbered, checked against the input's signed digests, never
 * decoded); every other content is read, checked and stored again. Pass 2
 * writes the output from the merged records. Memory: the writer's, one
 * record per input, and the covered stretches of each file (one in the
 * normal case, where a file's kept extents increase).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "format/format.h"
#include "meta/meta.h"
#include "pack/pack.h"
#include "search/extract.h"

#define REC_FIXED 64u             /* the fixed fields of a scratch record */

/* One entry of a state, as its scratch file keeps it. */
typedef struct rec {
	uint32_t input;           /* merged records: the input it comes from */
	unsigned kind;
	uint32_t edition;         /* the file whose data stream holds the content */
	uint32_t cluster, offset;
	uint64_t size;
	uint8_t digest[32];
	size_t path_len, media_len, meta_len;
	char path[NPK_PATH_MAX + 1];
	char media[NPK_MEDIA_MAX + 1];
	uint8_t *meta;
	size_t meta_cap;
} rec;

/* A stretch of a file's stream covered by kept extents: copied as its
 * clusters c0..c1 are stored when it starts and ends at their bounds. */
typedef struct stretch {
	uint64_t s, t;
	uint32_t c0, c1;
	int copy;
	uint32_t out;             /* the output's number of c0 once copied; UINT32_MAX */
	uint64_t first, last;     /* the output entries that name it, first and last */
} stretch;

/* One file of an input's chain (a lone archive: one). */
typedef struct mfile {
	npk_reader *fr;           /* NULL until needed */
	npk__cover kept;          /* the kept extents it holds (15.7 cover_add) */
	stretch *st;
	size_t nst;
} mfile;

typedef struct minput {
	const char *name;
	npk_reader *top;
	npk_info info;
	uint32_t nfiles;
	mfile *files;
	size_t rank;              /* --prefer: its place there; SIZE_MAX not named */
	FILE *f;                  /* its state's records */
	rec cur;
	int has;
} minput;

typedef struct merge_run {
	const npk_merge_opts *opts;
	npk_merge_stats *st;
	minput *in;
	size_t n;
	FILE *merged;             /* the decided records, in path order */
	uint64_t withdrawn_kept, conflicts;
	char first[NPK_PATH_MAX + 1]; /* the first path refused, */
	const char *first_in[2];      /* in these inputs */
	npk__out o;
	npk_writer *w;
	npk_meta *meta;
	unsigned codec;
	rec r;
	uint8_t *buf;             /* a symbolic link's target */
	npk_buf text;             /* a document's first bytes, for the search index */
} merge_run;

/* ---- scratch records ---- */

static FILE *scratch_open(npk_error *err)
{
	int fd;
	if (npk__scratch_fd(&fd, err) != NPK_OK)
		return NULL;
	FILE *f = fdopen(fd, "w+b");
	if (f == NULL) {
		close(fd);
		npk__fail(err, NPK_E_IO, "a scratch file: %s", strerror(errno));
	}
	return f;
}

static int rec_write(FILE *f, const rec *r, npk_error *err)
{
	uint8_t h[REC_FIXED] = {0};
	npk__st32(h, r->input);
	h[4] = (uint8_t)r->kind;
	npk__st32(h + 5, r->edition);
	npk__st32(h + 9, r->cluster);
	npk__st32(h + 13, r->offset);
	npk__st64(h + 17, r->size);
	memcpy(h + 25, r->digest, 32);
	npk__st16(h + 57, (uint16_t)r->path_len);
	h[59] = (uint8_t)r->media_len;
	npk__st32(h + 60, (uint32_t)r->meta_len);
	int bad = fwrite(h, sizeof h, 1, f) != 1 || fwrite(r->path, r->path_len, 1, f) != 1 ||
	          fwrite(r->media, r->media_len, 1, f) != 1 ||
	          (r->meta_len > 0 && fwrite(r->meta, r->meta_len, 1, f) != 1);
	NPK_FAIL_IF(bad, err, NPK_E_IO, "a scratch file: %s", strerror(errno));
	return NPK_OK;
}

/* The next record (*has 0 at the end). The scratch files are this run's
 * own, but their fields are checked as any read. */
static int rec_read(FILE *f, rec *r, int *has, npk_error *err)
{
	uint8_t h[REC_FIXED];
	*has = 0;
	size_t got = fread(h, 1, sizeof h, f);
	if (got == 0 && feof(f))
		return NPK_OK;
	NPK_FAIL_IF(got != sizeof h, err, NPK_E_IO, "a scratch file ends early");
	r->input = npk__ld32(h);
	r->kind = h[4];
	r->edition = npk__ld32(h + 5);
	r->cluster = npk__ld32(h + 9);
	r->offset = npk__ld32(h + 13);
	r->size = npk__ld64(h + 17);
	memcpy(r->digest, h + 25, 32);
	r->path_len = npk__ld16(h + 57);
	r->media_len = h[59];
	r->meta_len = npk__ld32(h + 60);
	NPK_FAIL_IF(r->path_len == 0 || r->path_len > NPK_PATH_MAX || r->meta_len > 0x10000, err,
	            NPK_E_IO, "a scratch file is damaged");
	if (r->meta_len > r->meta_cap) {
		uint8_t *m = realloc(r->meta, r->meta_len);
		NPK_FAIL_IF(m == NULL, err, NPK_E_NOMEM, "out of memory");
		r->meta = m;
		r->meta_cap = r->meta_len;
	}
	int bad = fread(r->path, r->path_len, 1, f) != 1 ||
	          (r->media_len > 0 && fread(r->media, r->media_len, 1, f) != 1) ||
	          (r->meta_len > 0 && fread(r->meta, r->meta_len, 1, f) != 1);
	NPK_FAIL_IF(bad, err, NPK_E_IO, "a scratch file ends early");
	r->path[r->path_len] = 0;
	r->media[r->media_len] = 0;
	*has = 1;
	return NPK_OK;
}

static int rec_same(const rec *a, const rec *b)
{
	return a->kind == b->kind && a->size == b->size && memcmp(a->digest, b->digest, 32) == 0 &&
	       strcmp(a->media, b->media) == 0 && a->meta_len == b->meta_len &&
	       (a->meta_len == 0 || memcmp(a->meta, b->meta, a->meta_len) == 0);
}

/* ---- pass 1: each state to its scratch file ---- */

typedef struct state_ctx {
	FILE *f;
	rec r;
	npk_error *err;
	int rc;
} state_ctx;

static int state_one(const npk_entry *e, void *ctx)
{
	state_ctx *s = ctx;
	rec *r = &s->r;
	r->kind = e->kind;
	r->edition = e->ref_kind == NPK_REF_EDITION ? e->ref_edition : e->edition;
	r->cluster = e->cluster;
	r->offset = e->offset;
	r->size = e->size;
	memcpy(r->digest, e->digest, 32);
	r->path_len = strlen(e->path);
	r->media_len = strlen(e->media_type);
	if (r->path_len > NPK_PATH_MAX || r->media_len > NPK_MEDIA_MAX) {
		s->rc = npk__fail(s->err, NPK_E_FORMAT, "%s: a path or media type too long", e->path);
		return 1;
	}
	memcpy(r->path, e->path, r->path_len + 1);
	memcpy(r->media, e->media_type, r->media_len + 1);
	free(r->meta);
	r->meta = NULL;
	r->meta_len = 0;
	if (e->meta != NULL && npk_meta_count(e->meta) > 0 &&
	    (s->rc = npk__meta_encode(e->meta, &r->meta, &r->meta_len, s->err)) != NPK_OK)
		return 1;
	if ((s->rc = rec_write(s->f, r, s->err)) != NPK_OK)
		return 1;
	return 0;
}

/* Input i opened (its chain too) and checked, its state in its scratch
 * file. */
static int input_load(merge_run *m, minput *in, npk_error *err)
{
	const npk_merge_opts *o = m->opts;
	NPK_FORWARD(npk_reader_open_chain(in->name, o->trust, o->allow_untrusted, o->chain, &in->top,
	                                  err));
	npk_reader_info(in->top, &in->info);
	if (in->info.sealed) { /* 15.17: opened with the keys given */
		NPK_FORWARD(npk_reader_unseal(in->top, o->keys, err));
		npk_reader_info(in->top, &in->info);
	}
	in->nfiles = npk__reader_chain(in->top) != NULL ? in->info.edition + 1 : 1;
	in->files = calloc(in->nfiles, sizeof *in->files);
	NPK_FAIL_IF(in->files == NULL, err, NPK_E_NOMEM, "out of memory");
	in->f = scratch_open(err);
	if (in->f == NULL)
		return err ? err->code : NPK_E_IO;
	state_ctx s = {in->f, {0}, err, NPK_OK};
	int rc = npk__reader_chain(in->top) != NULL ? npk__chain_state(in->top, state_one, &s, err)
	                                            : npk_reader_list(in->top, state_one, &s, err);
	free(s.r.meta);
	if (rc != NPK_OK && s.rc != NPK_OK)
		rc = s.rc;
	if (rc == NPK_OK && (fflush(in->f) != 0 || fseek(in->f, 0, SEEK_SET) != 0))
		rc = npk__fail(err, NPK_E_IO, "a scratch file: %s", strerror(errno));
	return rc;
}

static int file_of(minput *in, uint32_t e, mfile **out, npk_error *err)
{
	NPK_FAIL_IF(e >= in->nfiles, err, NPK_E_FORMAT, "%s: an entry names edition %u", in->name, e);
	mfile *f = &in->files[e];
	if (f->fr == NULL)
		NPK_FORWARD(npk__chain_file(in->top, e, &f->fr, err));
	*out = f;
	return NPK_OK;
}

/* Where a record's content starts in its file's stream, checked (5.2). */
static int rec_start(minput *in, const rec *r, mfile **f, uint64_t *s, npk_error *err)
{
	NPK_FORWARD(file_of(in, r->edition, f, err));
	uint32_t n = npk__reader_cluster_count((*f)->fr);
	uint64_t start, end;
	uint32_t raw;
	NPK_FAIL_IF(r->cluster >= n, err, NPK_E_FORMAT, "%s: %s names cluster %u of %u", in->name,
	            r->path, r->cluster, n);
	npk__reader_cluster_span((*f)->fr, r->cluster, &start, &raw);
	uint64_t last_start;
	uint32_t last_raw;
	npk__reader_cluster_span((*f)->fr, n - 1, &last_start, &last_raw);
	*s = start + r->offset;
	NPK_FAIL_IF(r->offset >= raw || !npk__add64(*s, r->size, &end) ||
	            end > last_start + last_raw, err, NPK_E_FORMAT,
	            "%s: %s lies outside its file's data stream", in->name, r->path);
	return NPK_OK;
}

/* The entry of one path held by the inputs of group g (k of them, in
 * input order): *win, or -1 when nothing is written. */
static int decide(merge_run *m, const size_t *g, size_t k, long *win)
{
	minput *in = m->in;
	size_t w = g[0];
	int same = 1;
	for (size_t j = 1; j < k; j++)
		same = same && rec_same(&in[w].cur, &in[g[j]].cur);
	if (k > 1 && same) {
		m->st->identical++;
	} else if (k > 1) {
		for (size_t j = 1; j < k; j++)
			if (in[g[j]].rank < in[w].rank)
				w = g[j];
		int tie = in[w].rank == SIZE_MAX;
		for (size_t j = 0; j < k && !tie; j++)
			tie = g[j] != w && in[g[j]].rank == in[w].rank &&
			      !rec_same(&in[w].cur, &in[g[j]].cur);
		if (tie) {
			if (m->conflicts++ == 0) {
				memcpy(m->first, in[g[0]].cur.path, in[g[0]].cur.path_len + 1);
				m->first_in[0] = in[g[0]].name;
				m->first_in[1] = in[g[1]].name;
			}
			*win = -1;
			return NPK_OK;
		}
		m->st->preferred++;
	}
	if (in[w].cur.kind == NPK_KIND_WITHDRAWN) {
		if (m->opts->drop_withdrawn) {
			m->st->withdrawn_dropped++;
		} else if (m->withdrawn_kept++ == 0 && m->conflicts == 0) {
			memcpy(m->first, in[w].cur.path, in[w].cur.path_len + 1);
			m->first_in[0] = in[w].name;
		}
		*win = -1;
		return NPK_OK;
	}
	*win = (long)w;
	return NPK_OK;
}

/* Pass 1: the states merged by path into m->merged, the kept extents
 * noted per file. */
static int merge_states(merge_run *m, npk_error *err)
{
	npk_pathstack ps = {0};
	size_t *g = malloc(m->n * sizeof *g);
	int rc = g == NULL ? npk__fail(err, NPK_E_NOMEM, "out of memory") : NPK_OK;
	for (size_t i = 0; i < m->n && rc == NPK_OK; i++)
		rc = rec_read(m->in[i].f, &m->in[i].cur, &m->in[i].has, err);
	while (rc == NPK_OK) {
		const char *least = NULL;
		size_t k = 0;
		for (size_t i = 0; i < m->n; i++) {
			if (!m->in[i].has)
				continue;
			int c = least ? strcmp(m->in[i].cur.path, least) : -1;
			if (c < 0) {
				least = m->in[i].cur.path;
				k = 0;
			}
			if (c <= 0)
				g[k++] = i;
		}
		if (k == 0)
			break;
		long w;
		rc = decide(m, g, k, &w);
		if (rc == NPK_OK && w >= 0) {
			minput *in = &m->in[w];
			rec *r = &in->cur;
			const char *clash;
			if (npk__pathstack_push(&ps, r->path, &clash) != 0)
				rc = npk__fail(err, NPK_E_NOMEM, "out of memory");
			else if (clash != NULL)
				rc = npk__fail(err, NPK_E_INPUT, "\"%s\" is a document, so \"%s\" (of %s) "
				               "cannot be stored under it as a folder: the inputs disagree "
				               "on what \"%s\" is", clash, r->path, in->name, clash);
			mfile *f;
			uint64_t s;
			if (rc == NPK_OK && r->size > 0 && r->kind != NPK_KIND_FOLDER &&
			    (rc = rec_start(in, r, &f, &s, err)) == NPK_OK)
				rc = npk__cover_add(&f->kept, s, s + r->size) == NPK_OK
				     ? NPK_OK : npk__fail(err, NPK_E_NOMEM, "out of memory");
			r->input = (uint32_t)w;
			if (rc == NPK_OK)
				rc = rec_write(m->merged, r, err);
		}
		for (size_t j = 0; j < k && rc == NPK_OK; j++)
			rc = rec_read(m->in[g[j]].f, &m->in[g[j]].cur, &m->in[g[j]].has, err);
	}
	free(g);
	npk__pathstack_free(&ps);
	NPK_FORWARD(rc);
	NPK_FAIL_IF(m->conflicts > 0, err, NPK_E_INPUT,
	            "%llu %s held differently by several inputs (the first: \"%.200s\", in %s and "
	            "%s): name the input that wins with --prefer", (unsigned long long)m->conflicts,
	            m->conflicts == 1 ? "path is" : "paths are", m->first, m->first_in[0],
	            m->first_in[1]);
	NPK_FAIL_IF(m->withdrawn_kept > 0, err, NPK_E_INPUT,
	            "%s: its chain withdrew %llu %s (the first: \"%.200s\"), which a merged "
	            "archive cannot record: --drop-withdrawn leaves %s and %s bytes out (the "
	            "chain's files still hold them)", m->first_in[0],
	            (unsigned long long)m->withdrawn_kept,
	            m->withdrawn_kept == 1 ? "path" : "paths", m->first,
	            m->withdrawn_kept == 1 ? "it" : "them", m->withdrawn_kept == 1 ? "its" : "their");
	if (fflush(m->merged) != 0 || fseek(m->merged, 0, SEEK_SET) != 0)
		return npk__fail(err, NPK_E_IO, "a scratch file: %s", strerror(errno));
	return NPK_OK;
}

/* ---- what can be copied ---- */

/* The last cluster of fr starting at or before s. */
static uint32_t cluster_at(npk_reader *fr, uint64_t s)
{
	uint32_t lo = 0, hi = npk__reader_cluster_count(fr);
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;
		uint64_t start;
		uint32_t raw;
		npk__reader_cluster_span(fr, mid, &start, &raw);
		if (start <= s)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* File f's stretches: its kept extents joined where they meet; one is
 * copied when it begins and ends at cluster bounds and every cluster in
 * it is stored with the output's codec (or stored as is). */
static int stretches(merge_run *m, mfile *f, npk_error *err)
{
	npk__cover *k = &f->kept;
	npk__cover_sort(k);
	f->st = calloc(k->n ? k->n : 1, sizeof *f->st);
	NPK_FAIL_IF(f->st == NULL, err, NPK_E_NOMEM, "out of memory");
	for (size_t i = 0; i < k->n; i++) {
		if (f->nst > 0 && k->v[i].start <= f->st[f->nst - 1].t) {
			if (k->v[i].end > f->st[f->nst - 1].t)
				f->st[f->nst - 1].t = k->v[i].end;
			continue;
		}
		f->st[f->nst++] = (stretch){k->v[i].start, k->v[i].end, 0, 0, 0, UINT32_MAX,
		                            UINT64_MAX, 0};
	}
	free(k->v);
	*k = (npk__cover){0};
	for (size_t i = 0; i < f->nst; i++) {
		stretch *x = &f->st[i];
		uint64_t s0, s1;
		uint32_t r0, r1;
		x->c0 = cluster_at(f->fr, x->s);
		x->c1 = cluster_at(f->fr, x->t - 1);
		npk__reader_cluster_span(f->fr, x->c0, &s0, &r0);
		npk__reader_cluster_span(f->fr, x->c1, &s1, &r1);
		x->copy = s0 == x->s && s1 + r1 == x->t;
		for (uint32_t c = x->c0; x->copy && c <= x->c1; c++) {
			unsigned codec;
			NPK_FORWARD(npk__reader_cluster_codec(f->fr, c, &codec, err));
			x->copy = codec == m->codec || codec == NPK_CODEC_STORED;
		}
		m->st->clusters_in += x->c1 - x->c0 + 1;
	}
	return NPK_OK;
}

/* The stretch of f holding stream offset s (one always does: pass 1
 * noted every kept extent). */
static stretch *stretch_at(mfile *f, uint64_t s)
{
	size_t lo = 0, hi = f->nst;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (f->st[mid].s <= s)
			lo = mid;
		else
			hi = mid;
	}
	return f->nst > 0 && f->st[lo].s <= s && s < f->st[lo].t ? &f->st[lo] : NULL;
}

/* ---- pass 2: the output ---- */

typedef struct feed {
	npk_writer *w;
	npk_error *err;
	int rc;
	uint8_t *buf;             /* a link's target, gathered */
	size_t len;
} feed;

static int feed_writer(const uint8_t *p, size_t len, void *ctx)
{
	feed *fd = ctx;
	if (fd->buf != NULL) {
		memcpy(fd->buf + fd->len, p, len);
		fd->len += len;
		return 0;
	}
	fd->rc = npk_writer_data(fd->w, p, len, fd->err);
	return fd->rc != NPK_OK;
}

/* Copies stretch x of file f (its clusters, in order) unless done. */
static int stretch_copy(merge_run *m, mfile *f, stretch *x, npk_error *err)
{
	if (x->out != UINT32_MAX)
		return NPK_OK;
	for (uint32_t c = x->c0; c <= x->c1; c++) {
		uint8_t *obj;
		uint32_t len, no;
		NPK_FORWARD(npk__reader_cluster_object(f->fr, c, &obj, &len, err));
		NPK_FORWARD(npk__writer_copy_cluster(m->w, obj, len, &no, err));
		if (c == x->c0)
			x->out = no;
		NPK_FAIL_IF(no != x->out + (c - x->c0), err, NPK_E_ARG, "copied clusters out of order");
		m->st->clusters_copied++;
		m->st->bytes_copied += len;
	}
	return NPK_OK;
}

/* One content read from its input, checked and stored again. */
static int restore(merge_run *m, minput *in, mfile *f, const rec *r, npk_error *err)
{
	feed fd = {m->w, err, NPK_OK, NULL, 0};
	if (r->kind == NPK_KIND_SYMLINK) {
		NPK_FAIL_IF(r->size > NPK_PATH_MAX, err, NPK_E_FORMAT, "%s: %s: a link's target of %llu "
		            "bytes", in->name, r->path, (unsigned long long)r->size);
		fd.buf = m->buf;
		NPK_FORWARD(npk__reader_read_extent(f->fr, r->cluster, r->offset, r->size, r->digest,
		                                    feed_writer, &fd, err));
		NPK_FORWARD(npk_writer_add_symlink(m->w, r->path, (const char *)fd.buf, fd.len, m->meta,
		                                   err));
	} else {
		NPK_FORWARD(npk_writer_begin(m->w, r->path, r->media, m->meta, r->size, err));
		int rc = npk__reader_read_extent(f->fr, r->cluster, r->offset, r->size, r->digest,
		                                 feed_writer, &fd, err);
		NPK_FORWARD(fd.rc != NPK_OK ? fd.rc : rc);
		NPK_FORWARD(npk_writer_end(m->w, err));
	}
	m->st->bytes_recompressed += r->size;
	return NPK_OK;
}

static int write_one(merge_run *m, const rec *r, npk_error *err)
{
	minput *in = &m->in[r->input];
	if (r->meta_len > 0)
		NPK_FORWARD(npk__meta_decode_valid(r->meta, r->meta_len, m->meta, err));
	else
		npk__meta_clear(m->meta);
	if (r->kind == NPK_KIND_FOLDER)
		return npk_writer_add_folder(m->w, r->path, m->meta, err);
	if (r->size == 0) {
		NPK_FORWARD(npk_writer_begin(m->w, r->path, r->media, m->meta, 0, err));
		return npk_writer_end(m->w, err);
	}
	mfile *f;
	uint64_t s;
	NPK_FORWARD(rec_start(in, r, &f, &s, err));
	stretch *x = stretch_at(f, s);
	NPK_FAIL_IF(x == NULL, err, NPK_E_ARG, "%s: no stretch holds %s", in->name, r->path);
	if (!x->copy)
		return restore(m, in, f, r, err);
	NPK_FORWARD(stretch_copy(m, f, x, err));
	if (x->first == UINT64_MAX)
		x->first = m->st->documents;
	x->last = m->st->documents;
	npk__extent_entry e = {r->kind, r->path, r->media, m->meta, r->size, r->digest,
	                       x->out + (r->cluster - x->c0), r->offset, NULL, 0, 0};
	if (m->opts->create.search_index && r->kind == NPK_KIND_DOCUMENT) {
		/* the index takes the text: read it (checked), though the
		 * clusters are copied as they are */
		m->text.len = 0;
		npk__text_sink t = {&m->text, 0};
		NPK_FORWARD(npk__reader_read_extent(f->fr, r->cluster, r->offset, r->size, r->digest,
		                                    npk__text_sink_take, &t, err));
		NPK_FAIL_IF(t.nomem, err, NPK_E_NOMEM, "out of memory");
		e.index_bytes = m->text.p;
		e.index_len = m->text.len;
		e.index_cut = r->size > NPK__INDEX_DOC_MAX;
	}
	return npk__writer_add_extent(m->w, &e, err);
}

static int event_cmp(const void *a, const void *b)
{
	const int64_t *x = a, *y = b;
	return x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : (x[1] > y[1]) - (x[1] < y[1]);
}

/* The most copied stretches that a reader walking the output in path
 * order has to go back to at once (15.16): those whose entries' spans
 * [first, last] overlap. 1 when the inputs do not interleave. */
static int interleave(merge_run *m, npk_error *err)
{
	size_t n = 0, k = 0;
	for (size_t i = 0; i < m->n; i++)
		for (uint32_t e = 0; e < m->in[i].nfiles; e++)
			for (size_t j = 0; j < m->in[i].files[e].nst; j++)
				n += m->in[i].files[e].st[j].first != UINT64_MAX;
	if (n == 0)
		return NPK_OK;
	int64_t(*ev)[2] = calloc(2 * n, sizeof *ev);
	NPK_FAIL_IF(ev == NULL, err, NPK_E_NOMEM, "out of memory");
	for (size_t i = 0; i < m->n; i++)
		for (uint32_t e = 0; e < m->in[i].nfiles; e++)
			for (size_t j = 0; j < m->in[i].files[e].nst; j++) {
				const stretch *x = &m->in[i].files[e].st[j];
				if (x->first == UINT64_MAX)
					continue;
				ev[k][0] = (int64_t)x->first; /* opens, after one closing here */
				ev[k++][1] = 1;
				ev[k][0] = (int64_t)x->last + 1;
				ev[k++][1] = -1;
			}
	qsort(ev, k, sizeof *ev, event_cmp);
	int64_t open = 0;
	for (size_t i = 0; i < k; i++) {
		open += ev[i][1];
		if (open > (int64_t)m->st->interleave)
			m->st->interleave = (uint64_t)open;
	}
	free(ev);
	return NPK_OK;
}

static int write_output(merge_run *m, const char *out, const npk_seckey *sk, npk_error *err)
{
	npk_create_opts wo = m->opts->create;
	wo.salt_key = sk;
	wo.codec = (int)m->codec;
	if (wo.archive_meta == NULL)
		wo.archive_meta = m->in[0].info.meta;
	NPK_FORWARD(npk__out_open(&m->o, out, NPK__MODE_FILE, wo.force ? NPK__OUT_REPLACE : 0, err));
	NPK_FORWARD(npk_writer_new(m->o.fd, &wo, &m->w, err));
	m->meta = npk_meta_new();
	m->buf = malloc(NPK_PATH_MAX + 1);
	NPK_FAIL_IF(m->meta == NULL || m->buf == NULL, err, NPK_E_NOMEM, "out of memory");
	for (;;) {
		int has;
		NPK_FORWARD(rec_read(m->merged, &m->r, &has, err));
		if (!has)
			break;
		NPK_FAIL_IF(wo.cancel != NULL && *wo.cancel, err, NPK_E_CANCELED, "canceled");
		NPK_FAIL_IF(m->r.input >= m->n, err, NPK_E_IO, "a scratch file is damaged");
		NPK_FORWARD(write_one(m, &m->r, err));
		m->st->documents++;
		if (wo.progress != NULL)
			wo.progress(m->st->documents, 0, m->r.path, wo.ctx);
	}
	npk__writer_dedup(m->w, &m->st->dedup_documents, &m->st->dedup_bytes);
	NPK_FORWARD(interleave(m, err));
	NPK_FORWARD(npk_writer_finish(m->w, sk, err));
	uint64_t cut;
	npk__writer_index(m->w, &m->st->index_bytes, &m->st->index_keys, &cut);
	m->st->clusters = npk__writer_clusters(m->w);
	m->st->bytes_out = npk_writer_size(m->w);
	NPK_FORWARD(npk__pack_tail(&m->o, &wo, &m->st->bytes_out, err));
	return npk__out_commit(&m->o, err);
}

/* ---- the run ---- */

/* The output's codec: the one given, else the first input's clusters'. */
static int codec_pick(merge_run *m, npk_error *err)
{
	int given = m->opts->create.codec;
	m->codec = given == NPK_CODEC_ZSTD_ID ? NPK_CODEC_ZSTD : NPK_CODEC_ZLIB;
	if (given != 0)
		return NPK_OK;
	for (uint32_t e = 0; e < m->in[0].nfiles; e++) {
		mfile *f;
		NPK_FORWARD(file_of(&m->in[0], e, &f, err));
		uint32_t n = npk__reader_cluster_count(f->fr);
		for (uint32_t c = 0; c < n && c < 16; c++) {
			unsigned codec;
			NPK_FORWARD(npk__reader_cluster_codec(f->fr, c, &codec, err));
			if (codec == NPK_CODEC_ZLIB || codec == NPK_CODEC_ZSTD) {
				m->codec = codec;
				return NPK_OK;
			}
		}
	}
	return NPK_OK;
}

static int same_file(const char *a, const char *b)
{
	struct stat x, y;
	return strcmp(a, b) == 0 ||
	       (stat(a, &x) == 0 && stat(b, &y) == 0 && x.st_dev == y.st_dev && x.st_ino == y.st_ino);
}

/* Inputs given twice, --prefer naming no input, and an OUT that is a file
 * of an input's chain are refused before anything is written. */
static int inputs_check(merge_run *m, const char *out, npk_error *err)
{
	const npk_merge_opts *o = m->opts;
	for (size_t i = 0; i < m->n; i++)
		for (size_t j = 0; j < i; j++)
			NPK_FAIL_IF(memcmp(m->in[i].info.manifest_digest, m->in[j].info.manifest_digest,
			                   32) == 0, err, NPK_E_ARG,
			            "%s and %s are the same archive (one manifest): name it once",
			            m->in[j].name, m->in[i].name);
	for (size_t p = 0; p < o->nprefer; p++) {
		size_t i = 0;
		while (i < m->n && !same_file(o->prefer[p], m->in[i].name))
			i++;
		NPK_FAIL_IF(i == m->n, err, NPK_E_ARG, "--prefer %s: not one of the inputs",
		            o->prefer[p]);
		if (m->in[i].rank == SIZE_MAX)
			m->in[i].rank = p;
	}
	size_t nfiles = 0;
	for (size_t i = 0; i < m->n; i++)
		nfiles += m->in[i].nfiles;
	const char **files = calloc(nfiles, sizeof *files);
	NPK_FAIL_IF(files == NULL, err, NPK_E_NOMEM, "out of memory");
	size_t k = 0;
	int rc = NPK_OK;
	for (size_t i = 0; i < m->n && rc == NPK_OK; i++)
		for (uint32_t e = 0; e < m->in[i].nfiles && rc == NPK_OK; e++) {
			npk_edition_info ei;
			if (m->in[i].nfiles == 1) {
				files[k++] = m->in[i].name;
				continue;
			}
			rc = npk_reader_edition(m->in[i].top, e, &ei, err);
			if (rc == NPK_OK)
				files[k++] = ei.file;
		}
	if (rc == NPK_OK)
		rc = npk__pack_check_out(out, files, k, o->create.force, err);
	free(files);
	return rc;
}

static void run_free(merge_run *m)
{
	npk__out_abort(&m->o);
	npk_writer_free(m->w);
	npk_meta_free(m->meta);
	free(m->buf);
	npk__buf_free(&m->text);
	free(m->r.meta);
	if (m->merged != NULL)
		fclose(m->merged);
	for (size_t i = 0; m->in != NULL && i < m->n; i++) {
		minput *in = &m->in[i];
		for (uint32_t e = 0; in->files != NULL && e < in->nfiles; e++) {
			free(in->files[e].kept.v);
			free(in->files[e].st);
		}
		free(in->files);
		free(in->cur.meta);
		if (in->f != NULL)
			fclose(in->f);
		npk_reader_free(in->top);
	}
	free(m->in);
}

static int merge_do(merge_run *m, const char *out, const char *const *inputs, size_t n,
                    const npk_seckey *sk, npk_error *err)
{
	NPK_FORWARD(npk__pack_opts_check(&m->opts->create, err));
	NPK_FAIL_IF(m->opts->create.format_10 || m->opts->create.no_tree, err, NPK_E_ARG,
	            "a merged archive is of format 1.1 with its Merkle tree");
	m->in = calloc(n, sizeof *m->in);
	NPK_FAIL_IF(m->in == NULL, err, NPK_E_NOMEM, "out of memory");
	m->n = n;
	for (size_t i = 0; i < n; i++) {
		m->in[i].name = inputs[i];
		m->in[i].rank = SIZE_MAX;
		NPK_FORWARD(input_load(m, &m->in[i], err));
	}
	m->st->inputs = n;
	NPK_FORWARD(inputs_check(m, out, err));
	NPK_FORWARD(codec_pick(m, err));
	m->merged = scratch_open(err);
	if (m->merged == NULL)
		return err ? err->code : NPK_E_IO;
	NPK_FORWARD(merge_states(m, err));
	for (size_t i = 0; i < n; i++)
		for (uint32_t e = 0; e < m->in[i].nfiles; e++)
			if (m->in[i].files[e].kept.n > 0)
				NPK_FORWARD(stretches(m, &m->in[i].files[e], err));
	return write_output(m, out, sk, err);
}

int npk_merge(const char *out, const char *const *inputs, size_t ninputs,
              const npk_merge_opts *opts, const npk_seckey *sk, npk_merge_stats *stats,
              npk_error *err)
{
	npk_merge_stats local;
	npk_merge_stats *st = stats ? stats : &local;
	memset(st, 0, sizeof *st);
	NPK_FORWARD(npk__init(err));
	NPK_FAIL_IF(sk == NULL, err, NPK_E_ARG, "no secret key to sign with");
	NPK_FAIL_IF(opts == NULL, err, NPK_E_ARG, "no options");
	/* 15.18: the output's clusters are written without one */
	NPK_FAIL_IF(opts->create.dictionary, err, NPK_E_ARG,
	            "merge writes no compression dictionary (create --dictionary does)");
	NPK_FAIL_IF(ninputs == 0, err, NPK_E_ARG, "nothing to merge: no INPUT");
	merge_run m = {.opts = opts, .st = st, .o = {.fd = -1}};
	int rc = merge_do(&m, out, inputs, ninputs, sk, err);
	run_free(&m);
	return rc;
}
