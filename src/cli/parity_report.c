/*
 * parity_report.c - how the commands show parity (spec/format.md 15.10):
 * protect and repair (cmd_parity.c, newspack-full) and verify (cmd_read.c,
 * both programs).
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* PERCENT, 1 to 100; 0 when it is not. */
unsigned cli_parity_arg(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);
	return *s && !*end && v >= 1 && v <= 100 ? (unsigned)v : 0;
}

void cli_parity_percent(const npk_parity_info *pi, char *out, size_t len)
{
	unsigned tenths = (unsigned)((pi->p * 1000u + pi->k / 2) / pi->k);
	if (tenths % 10 == 0)
		snprintf(out, len, "%u%%", tenths / 10);
	else
		snprintf(out, len, "%u.%u%%", tenths / 10, tenths % 10);
}

json_t *cli_parity_json(const npk_parity_info *pi)
{
	char pc[16];
	cli_parity_percent(pi, pc, sizeof pc);
	return json_pack("{s:s, s:i, s:i, s:i, s:i, s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:i}",
	                 "percent", pc, "k", (int)pi->k, "p", (int)pi->p, "block_size",
	                 (int)pi->block_size, "stripes", (int)pi->stripes, "groups", (int)pi->groups,
	                 "protected_size", (json_int_t)pi->protected_size, "data_blocks",
	                 (json_int_t)pi->data_blocks, "parity_blocks", (json_int_t)pi->parity_blocks,
	                 "shift", (json_int_t)pi->shift, "lost_data", (json_int_t)pi->lost_data,
	                 "lost_parity", (json_int_t)pi->lost_parity, "moved", (json_int_t)pi->moved,
	                 "stripes_bad", (json_int_t)pi->stripes_bad, "header_copies",
	                 pi->header_copies);
}

json_t *cli_parity_range_json(const npk_parity_range *r)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:b}", "offset", (json_int_t)r->offset, "length",
	                 (json_int_t)r->len, "first_block", (json_int_t)r->first, "blocks",
	                 (json_int_t)r->count, "repairable", r->repairable);
}

void cli_parity_range_text(const npk_parity_range *r)
{
	printf("DAMAGED  bytes %llu to %llu (blocks %llu to %llu): %s\n",
	       (unsigned long long)r->offset, (unsigned long long)(r->offset + r->len - 1),
	       (unsigned long long)r->first, (unsigned long long)(r->first + r->count - 1),
	       r->repairable ? "parity can repair them" : "beyond what parity can repair");
}

