/*
 * interchange/interchange.h - collections in and out: the inputs of
 * npk_create that are not plain files or folders (import.c: tar and zip;
 * import_warc.c: WARC captures), and the exports (export.c,
 * export_warc.c); inside libnewspack, not installed.
 */
#ifndef NPK_INTERCHANGE_H
#define NPK_INTERCHANGE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "base/base.h"

/* ---- Import sources ----
 *
 * An input that is not a plain file or folder is read by an importer: a
 * descriptor of functions, as libarchive has one for each format.
 * npk_create asks the importers of its table in turn whether an input is
 * theirs (sniff); the first that says yes opens it, which reads it once
 * (pass 1) and lists its documents by path in the archive, in path order
 * (count, path). When the archive's path order reaches them, which may be
 * between the documents of other inputs, the source gives them one by one
 * (next, read, meta). A new kind of input is one more descriptor in that
 * table.
 */

/* What open and link may report, and the caller's cancel flag. */
typedef struct npk__import_env {
	/* an item of the input that is not imported: counted as skipped */
	void (*skip)(const char *path, const char *why, void *ctx);
	/* a warning that drops nothing */
	void (*note)(const char *path, const char *why, void *ctx);
	void *ctx;                /* both callbacks' (may be NULL) */
	const volatile int *cancel; /* may be NULL */
	int v11;                  /* the archive holds empty folders and links (15.7) */
} npk__import_env;

/* The current document of a source, valid until the source's next call. */
typedef struct npk__import_item {
	const char *path;         /* in the archive, as listed */
	uint64_t size;            /* in bytes, exactly */
	const char *media;        /* the media type the source gives, or NULL */
	const char *name;         /* how messages name it ("FILE: MEMBER") */
	unsigned kind;            /* NPK_KIND_DOCUMENT, _FOLDER (size 0) or _SYMLINK
	                           * (read gives its target, size bytes) */
} npk__import_item;

typedef struct npk__importer {
	/* 1 when the input at path is of this kind, by its name or its first
	 * bytes; st is its stat (a file or a folder). */
	int (*sniff)(const char *path, const struct stat *st);
	/* Pass 1: reads the input and lists its documents; *src is the open
	 * source (the caller closes it). A document path that cannot be stored
	 * (unsafe, given twice, a file and a folder at once) is NPK_E_INPUT. */
	int (*open)(const char *path, const npk__import_env *env, void **src, npk_error *err);
	/* Its documents: how many, and the i-th's path, in path order. */
	size_t (*count)(const void *src);
	const char *(*path)(const void *src, size_t i);
	/* Once every input is open, all the sources of this importer at once,
	 * so that they may refer to each other (WARC revisits). May be NULL. */
	int (*link)(void *const *srcs, size_t n, const npk__import_env *env, npk_error *err);
	/* Moves to the next document in path order; *it is NULL after the
	 * last, once the input was checked to hold no more. An input that no
	 * longer matches what open listed fails with NPK_E_INPUT and the
	 * reason NPK_R_CHANGED. */
	int (*next)(void *src, const npk__import_item **it, npk_error *err);
	/* Reads the current document; *got is 0 at its end. A document that
	 * changed meanwhile is NPK_E_INPUT with NPK_R_CHANGED. */
	int (*read)(void *src, uint8_t *buf, size_t cap, size_t *got, npk_error *err);
	/* The current document's own metadata (a tar member's attributes and
	 * sidecar, a WARC record's capture fields) set over m, which holds
	 * what was extracted from its bytes. */
	int (*meta)(void *src, npk_meta *m, npk_error *err);
	/* Frees src; NULL is allowed. */
	void (*close)(void *src);
} npk__importer;

/* A tar or zip (import.c), known by its name (.tar, .tar.gz, .tgz,
 * .tar.xz, .txz, .tar.zst, .tzst, .tar.bz2, .tbz2, .zip). Its regular
 * members are its documents, at the top of the archive as the folder it
 * was made from would give them; NAME.meta.json beside NAME is NAME's
 * sidecar, and user.newspack.* extended attributes are metadata. A hard
 * link to a regular member is a document with that member's bytes; other
 * members are skipped through env->skip (folders silently).
 *
 * The members come in any order, and documents are needed in path order:
 * the file is read twice, whatever its order (the listing, then once in
 * the file's order), and the members reached before their turn wait in a
 * temporary file (in TMPDIR, unlinked at once; never larger than the
 * input's contents). Nothing is unpacked to the disk where it could be
 * seen, and memory is bounded: the member list holds at most
 * NPK__ARC_LIST_MAX bytes of names and sizes. */
extern const npk__importer npk__import_arc;
#define NPK__ARC_LIST_MAX (48u << 20)
/* Passes over the file of an npk__import_arc source so far (for reports
 * and tests). */
unsigned npk__arc_passes(const void *src);

/* A WARC capture (import_warc.c), named .warc or .warc.gz or starting
 * with "WARC/" (after gunzip). A WARC file FILE gives a folder named
 * after it; each response, resource and revisit record N becomes the
 * page FILE/NNNNNN-SLUG.EXT, N zero-padded to the same width in the
 * file (so path order is record order), SLUG the target URI made safe,
 * EXT from the media type, and every record the document
 * FILE/NNNNNN.warc, the record as captured. The page's metadata is its
 * own (HTML) plus the capture's (spec/metadata.md, "WARC"). link ties
 * each revisit to the capture it repeats, in any of the WARC inputs. */
extern const npk__importer npk__import_warc;

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
