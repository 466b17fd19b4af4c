/*
 * export_internal.h - what export.c shares with the writers of other
 * export formats (export_warc.c); inside libnewspack, not installed.
 */
#ifndef NPK_EXPORT_INTERNAL_H
#define NPK_EXPORT_INTERNAL_H

#include <stdint.h>

#include <jansson.h>

#include "newspack.h"

/* A document's metadata as one JSON object, KEY: VALUE, a repeated key
 * (authors) as KEY: [VALUE, ...], in the archive's order. The caller owns
 * it (json_decref); NULL when out of memory. */
json_t *npk__export_meta_object(const npk_meta *m);

/* Creates a temporary file beside out (DIR/.NAME.tmp-XXXXXX, mode 0644)
 * and opens it for writing: *fd and *tmp (malloc'd name) are set. */
int npk__export_tmp_open(const char *out, int *fd, char **tmp, npk_error *err);

/* Ends the temporary file of npk__export_tmp_open: when rc is NPK_OK,
 * syncs and closes it and renames it to out (never replacing out);
 * otherwise, or when that fails, closes and removes it. Frees tmp and
 * returns rc or the error met. */
int npk__export_tmp_done(int fd, char *tmp, const char *out, int rc, npk_error *err);

/* Writes the archive as WARC (NPK_EXPORT_WARC or NPK_EXPORT_WARC_GZ) to
 * out, which npk_export has checked is free, after the archive was
 * verified whole. *written (when not NULL) gets the number of documents
 * written, 0 on failure. */
int npk__export_warc(npk_reader *r, const char *out, int format, const npk_export_opts *opts,
                     uint64_t *written, npk_error *err);

#endif
