/* TEMPORARY: weak stubs of the chain reader's and the chain tree's
 * functions (wt-chain, wt-tree), so that verify links before they land.
 * Deleted before the branch is reported. */
#include "format/format.h"

__attribute__((weak)) const npk_edition_link *npk__reader_link(const npk_reader *r)
{
	(void)r;
	return NULL;
}
__attribute__((weak)) const uint8_t *npk__reader_manifest_digest(const npk_reader *r)
{
	(void)r;
	static const uint8_t z[32];
	return z;
}
__attribute__((weak)) uint32_t npk__chain_count(const npk_reader *r)
{
	(void)r;
	return 1;
}
__attribute__((weak)) uint32_t npk__chain_at(const npk_reader *r)
{
	(void)r;
	return 0;
}
__attribute__((weak)) int npk__chain_file(npk_reader *r, uint32_t e, npk_reader **out,
                                          npk_error *err)
{
	(void)e;
	*out = r;
	(void)err;
	return NPK_OK;
}
__attribute__((weak)) const char *npk__chain_name(const npk_reader *r, uint32_t e)
{
	(void)e;
	return npk__reader_name(r);
}
__attribute__((weak)) int npk__reader_read_extent(npk_reader *fr, uint32_t cluster,
                                                  uint32_t offset, uint64_t size,
                                                  const uint8_t digest[32], npk_sink sink,
                                                  void *ctx, npk_error *err)
{
	(void)fr, (void)cluster, (void)offset, (void)size, (void)digest, (void)sink, (void)ctx;
	return npk__fail(err, NPK_E_VERSION, "not yet");
}
__attribute__((weak)) int npk__chain_tree_init(npk__chain_tree *t, npk_reader *top, uint64_t n,
                                               npk_error *err)
{
	(void)t, (void)top, (void)n;
	return npk__fail(err, NPK_E_VERSION, "not yet");
}
__attribute__((weak)) int npk__chain_tree_read(void *ctx, uint64_t off, void *buf, size_t len,
                                               npk_error *err)
{
	(void)ctx, (void)off, (void)buf, (void)len;
	return npk__fail(err, NPK_E_VERSION, "not yet");
}
