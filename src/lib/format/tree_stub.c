/* TEMPORARY weak stubs of the chain reader's functions (wt-chain), so that
 * this branch links before that work is merged: a lone archive. Deleted
 * when the chain reader lands. */
#include "format/format.h"

__attribute__((weak)) const npk_edition_link *npk__reader_link(const npk_reader *r)
{
	(void)r;
	return NULL;
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
	NPK_FAIL_IF(e != 0, err, NPK_E_NOTFOUND, "edition %u: no chain reader", e);
	*out = r;
	return NPK_OK;
}

__attribute__((weak)) const char *npk__chain_name(const npk_reader *r, uint32_t e)
{
	(void)e;
	return npk__reader_name(r);
}
