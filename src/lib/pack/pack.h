/*
 * pack/pack.h - what create.c and append.c share: the walk of the inputs
 * into a writer, OUT's checks, and the tail after the signed part.
 */
#ifndef NPK_PACK_H
#define NPK_PACK_H

#include "base/base.h"
#include "newspack.h"

/* opts' parity and format agree (NPK_E_ARG). */
int npk__pack_opts_check(const npk_create_opts *opts, npk_error *err);
/* What is at out may be replaced: nothing, or with force an archive that
 * is not one of the inputs (NPK_E_EXISTS, NPK_E_ARG for a folder). */
int npk__pack_check_out(const char *out, const char *const *inputs, size_t n, int force,
                        npk_error *err);
/* Walks the inputs as create does (files, folders, importers, sidecars,
 * --exclude, --path) and gives each entry to w in path order; o (the
 * temporary output) and o->path are never read as inputs. st counts the
 * entries given (documents, folders, links, bytes_in, skipped). */
int npk__pack_inputs(npk_writer *w, const npk__out *o, const char *const *inputs,
                     size_t ninputs, const npk_create_opts *opts, npk_create_stats *st,
                     npk_error *err);
/* After the signed part of *size bytes on o: parity (opts->parity), the
 * survival copies (unless no_copies or format 1.0); *size becomes the
 * file's size. */
int npk__pack_tail(const npk__out *o, const npk_create_opts *opts, uint64_t *size,
                   npk_error *err);

#endif
