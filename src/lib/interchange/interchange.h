/*
 * interchange/interchange.h - collections in and out: tar and zip files as
 * inputs of npk_create, read with libarchive as streams (import.c), WARC
 * captures as inputs (import_warc.c), and the exports (export.c,
 * export_warc.c); inside libnewspack, not installed.
 *
 * A tar or zip holds its members in any order, and an archive needs its
 * documents in path order. npk__arc_open lists the members once (names,
 * sizes, sidecars); documents are then asked for in path order, and each
 * miss reads the stream forward, keeping the members soon needed in a
 * bounded window (NPK__ARC_WINDOW bytes), or starts a new pass over the
 * file when the member wanted was already passed. Nothing is unpacked to
 * disk.
 */
#ifndef NPK_INTERCHANGE_H
#define NPK_INTERCHANGE_H

#include <stddef.h>
#include <stdint.h>

#include "base/base.h"

#define NPK__ARC_WINDOW (32u << 20)   /* bytes of members kept for later */
#define NPK__ARC_BIG (8u << 20)       /* larger members are streamed, never kept */

typedef struct npk__arc npk__arc;

typedef struct npk__arc_item {
	char *path;               /* the member's path, as it will be stored */
	uint64_t size;
	uint64_t seq;             /* its position among the file's members */
	char *sidecar;            /* the text of PATH.meta.json, or NULL */
	size_t sidecar_len;
} npk__arc_item;

/* 1 when path names a tar or zip by its suffix (.tar, .tar.gz, .tgz,
 * .tar.xz, .txz, .tar.zst, .tzst, .tar.bz2, .tbz2, .zip). */
int npk__arc_is_archive_name(const char *path);

/* Lists a tar or zip. Members that are not regular files are skipped
 * through warn (directories silently). A member whose path is unsafe or
 * invalid in an archive, a path given twice, or a name that is both a file
 * and a folder is an NPK_E_INPUT error. */
int npk__arc_open(const char *path, void (*warn)(const char *path, const char *why, void *ctx),
                  void *ctx, npk__arc **out, npk_error *err);
void npk__arc_free(npk__arc *a);
size_t npk__arc_count(const npk__arc *a);
const npk__arc_item *npk__arc_get(const npk__arc *a, size_t i);

/* Makes item i the current one; items must be asked for in increasing
 * order. *meta (may be NULL) is the member's user.newspack.* extended
 * attributes as metadata, valid until the next call. */
int npk__arc_begin(npk__arc *a, size_t i, const npk_meta **meta, npk_error *err);
/* Reads the current item; *got is 0 at its end. */
int npk__arc_read(npk__arc *a, uint8_t *buf, size_t cap, size_t *got, npk_error *err);
/* Passes over the file so far (for reports and tests). */
unsigned npk__arc_passes(const npk__arc *a);

/* ---- WARC captures as inputs (import_warc.c) ----
 *
 * A WARC file FILE contributes a folder named after it; each response,
 * resource and revisit record N becomes the document
 * FILE/NNNNNN-SLUG.EXT, N zero-padded to the same width in the file (so
 * path order is record order and one pass reads the file in turn), SLUG
 * the target URI made safe, EXT from the media type. Its metadata is the
 * page's own (HTML) plus the capture's (spec/metadata.md, "WARC"). */

typedef struct npk__wdoc {
	uint64_t number, offset, size;
	char *name;               /* the path below the file's folder */
	char *type, *uri, *date, *id, *media, *http_type, *payload_digest;
	char *refers_to, *refers_uri, *refers_date, *profile, *truncated;
	int status;
	const char *revisit_of;   /* the full path of the document repeated */
	const char *revisit_file; /* the folder it is in */
} npk__wdoc;

typedef struct npk__winput {
	char *file;               /* as named on the command line */
	char *folder;             /* its base name: the folder in the archive */
	npk__wdoc *docs;
	size_t n;
	uint64_t records;
	uint64_t request, metadata, warcinfo, other; /* records that are not documents */
} npk__winput;

/* 1 when path is a WARC capture: named .warc or .warc.gz, or starting
 * with "WARC/" (after gunzip). */
int npk__warc_input(const char *path);
/* Pass 1: reads every record of the file, checks digests and codings,
 * sizes each document and names it. buf is scratch of len bytes. */
int npk__winput_scan(const char *path, uint8_t *buf, size_t len, npk__winput *in,
                     const volatile int *cancel, npk_error *err);
void npk__winput_clear(npk__winput *in);
/* Links each revisit to the document it repeats, across all inputs;
 * calls warn for each that names a capture not among them. */
int npk__winput_resolve(npk__winput *in, size_t n,
                        void (*warn)(const char *path, const char *why, void *ctx), void *ctx,
                        npk_error *err);
/* The capture's metadata of d (see above), set over what was extracted
 * from the document. */
int npk__wdoc_meta(const npk__winput *in, const npk__wdoc *d, npk_meta *m, npk_error *err);

/* ---- Exports (export.c, export_warc.c) ----
 * npk_export (export.c) checks, verifies and dispatches; WARC is written
 * by export_warc.c, which needs nothing else of export.c. Both write
 * their output through npk__out (base/base.h) and their JSON through
 * npk__meta_json (meta/meta.h). */

/* Writes the archive as WARC (NPK_EXPORT_WARC or NPK_EXPORT_WARC_GZ) to
 * out, which npk_export has checked is free, after the archive was
 * verified whole. *written (when not NULL) gets the number of documents
 * written, 0 on failure. */
int npk__export_warc(npk_reader *r, const char *out, int format, const npk_export_opts *opts,
                     uint64_t *written, npk_error *err);

#endif
