/*
 * append_stub.c - TEMPORARY: weak stand-ins for the chain reader (wt-chain)
 * and the tree across files (wt-tree) until they land; a base opened alone
 * is a chain of one. Deleted before the branch is merged.
 */
#include "format/format.h"

#define WEAK __attribute__((weak))

WEAK int npk_reader_open_chain(const char *path, const npk_trust *trust, int allow_untrusted,
                               const npk_chain_opts *opts, npk_reader **out, npk_error *err)
{
	(void)opts;
	return npk_reader_open(path, trust, allow_untrusted, out, err);
}

WEAK int npk__reader_open_file(const char *path, const uint8_t *expect, const npk_trust *trust,
                               int allow_untrusted, npk_reader **out, npk_error *err)
{
	(void)expect;
	return npk_reader_open(path, trust, allow_untrusted, out, err);
}

WEAK const npk_edition_link *npk__reader_link(const npk_reader *r)
{
	(void)r;
	return NULL;
}

WEAK uint32_t npk__chain_count(const npk_reader *r)
{
	(void)r;
	return 1;
}

WEAK int npk__chain_file(npk_reader *r, uint32_t e, npk_reader **out, npk_error *err)
{
	NPK_FAIL_IF(e != 0, err, NPK_E_VERSION, "chains are not read yet");
	*out = r;
	return NPK_OK;
}

WEAK const char *npk__chain_name(const npk_reader *r, uint32_t e)
{
	(void)e;
	return npk__reader_name(r);
}

WEAK int npk__chain_tree_init(npk__chain_tree *t, npk_reader *top, uint64_t n, npk_error *err)
{
	(void)t;
	(void)top;
	(void)n;
	return npk__fail(err, NPK_E_VERSION, "the tree across a chain is not read yet");
}

WEAK int npk__chain_tree_read(void *ctx, uint64_t off, void *buf, size_t len, npk_error *err)
{
	(void)ctx;
	(void)off;
	(void)buf;
	(void)len;
	return npk__fail(err, NPK_E_VERSION, "the tree across a chain is not read yet");
}
