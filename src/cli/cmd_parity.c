/*
 * cmd_parity.c - newspack protect and newspack repair: Reed-Solomon
 * parity in the archive's tail (spec/format.md 15.10). Both run in
 * newspack-full, which links ISA-L; verify's parity report is
 * cmd_read.c's.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* ---- protect ---- */

static void protect_help(FILE *f)
{
	fprintf(f,
	        "Usage: newspack protect [--parity PERCENT] [--json] ARCHIVE\n"
	        "\n"
	        "Adds Reed-Solomon parity to ARCHIVE (spec/format.md 15.10), in its unsigned\n"
	        "tail: with --parity 5, any 12 damaged regions of up to 1/240 of the file each,\n"
	        "or one of up to about 5%%, are repaired exactly by newspack repair. Works on\n"
	        "version 1.0 and 1.1 archives, without the signing key: what the signature\n"
	        "covers does not change (a protected 1.0 archive needs newspack 1.1 or later\n"
	        "to read). The archive is read once and copied, with its new tail, into a\n"
	        "file beside it that must verify before it replaces ARCHIVE; a tail already\n"
	        "there is replaced. A damaged archive is refused (repair it first).\n"
	        "\n"
	        "  --parity PERCENT    parity, 1 to 100 percent of the archive (default 5)\n"
	        "  --json              the result as JSON\n");
}

static void protect_print(const char *archive, const npk_parity_info *pi, int json)
{
	char pc[16];
	cli_parity_percent(pi, pc, sizeof pc);
	if (json) {
		json_t *j = json_pack("{s:s, s:b, s:o}", "archive", archive, "ok", 1, "parity",
		                      cli_parity_json(pi));
		cli_json_print(j);
		return;
	}
	printf("protected %s: parity %s (k=%u p=%u), %llu data and %llu parity blocks of %u "
	       "bytes; up to %u damaged blocks in each stripe of %u can be repaired\n",
	       archive, pc, pi->k, pi->p, (unsigned long long)pi->data_blocks,
	       (unsigned long long)pi->parity_blocks, pi->block_size, pi->p, pi->k);
}

int cmd_protect(int argc, char **argv)
{
	static const struct option lo[] = {
		{"parity", required_argument, NULL, 'P'},
		{"json", no_argument, NULL, 'J'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	unsigned percent = 5;
	int json = 0, c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		if (c == 'h') {
			protect_help(stdout);
			return 0;
		} else if (c == 'J') {
			json = 1;
		} else if (c == 'P' && (percent = cli_parity_arg(optarg)) != 0) {
			continue;
		} else if (c == 'P') {
			return cli_usage_error("protect", "--parity takes a percentage from 1 to 100, "
			                       "not '%s'", optarg);
		} else {
			return cli_usage_error("protect", "unknown option");
		}
	}
	if (argc - optind != 1)
		return cli_usage_error("protect", "need exactly one ARCHIVE");
	npk_error err = {0};
	npk_parity_info pi;
	int rc = npk_protect(argv[optind], percent, &pi, &err);
	if (rc != NPK_OK)
		return cli_fail(&err);
	protect_print(argv[optind], &pi, json);
	return 0;
}

/* ---- repair ---- */

static void repair_help(FILE *f)
{
	fprintf(f,
	        "Usage: newspack repair [-o OUT | --in-place] [--json] ARCHIVE\n"
	        "\n"
	        "Rebuilds the damaged bytes of ARCHIVE from its parity (newspack protect,\n"
	        "create --parity; spec/format.md 15.10), bytes inserted or deleted included.\n"
	        "The rebuilt archive is accepted only when it verifies (signature and every\n"
	        "digest); its tail is then written again and the file renamed into place.\n"
	        "Writes OUT, by default ARCHIVE with .repaired before its .npk; never over\n"
	        "ARCHIVE unless --in-place, and then only once the repaired copy verified.\n"
	        "When the damage is beyond the parity it says so, writes nothing and exits 1\n"
	        "(newspack extract still writes every intact document).\n"
	        "\n"
	        "  -o OUT              write the repaired archive to OUT (must not exist)\n"
	        "  --in-place          replace ARCHIVE with the repaired archive\n"
	        "  --json              the result as JSON\n");
}

typedef struct repair_ctx {
	const char *archive;
	int json;
	json_t *ranges;
} repair_ctx;

static void repair_range(const npk_parity_range *r, void *ctx)
{
	repair_ctx *x = ctx;
	if (x->json)
		json_array_append_new(x->ranges, cli_parity_range_json(r));
	else
		cli_parity_range_text(r);
}

static void repair_print(repair_ctx *x, int rc, const npk_error *err, const npk_parity_info *pi,
                         int written, const char *out)
{
	if (x->json) {
		json_t *j = json_pack("{s:s, s:b, s:b, s:o}", "archive", x->archive, "ok", rc == NPK_OK,
		                      "written", written, "damaged", x->ranges);
		x->ranges = NULL;
		if (pi->k)
			json_object_set_new(j, "parity", cli_parity_json(pi));
		if (written)
			json_object_set_new(j, "out", json_string(out));
		if (rc != NPK_OK) {
			json_object_set_new(j, "error", json_string(npk_strerror(rc)));
			json_object_set_new(j, "message", json_string(err->msg));
		}
		cli_json_print(j);
	} else if (rc == NPK_OK && written && pi->k == 0) {
		printf("repaired %s from its survival copies (spec/format.md 15.9); %s verifies "
		       "(signature and every digest)\n", x->archive, out);
	} else if (rc == NPK_OK && written) {
		char moved[96] = "";
		if (pi->moved)
			snprintf(moved, sizeof moved, " (%llu more found where bytes were inserted or "
			         "deleted)", (unsigned long long)pi->moved);
		printf("repaired %s: %llu damaged data %s rebuilt%s, %llu parity %s; %s verifies "
		       "(signature and every digest)\n",
		       x->archive, (unsigned long long)pi->lost_data,
		       cli_s(pi->lost_data, "block", "blocks"), moved,
		       (unsigned long long)pi->lost_parity, cli_s(pi->lost_parity, "block", "blocks"),
		       out);
	} else if (rc == NPK_OK) {
		printf("intact %s: nothing to repair\n", x->archive);
	}
}

int cmd_repair(int argc, char **argv)
{
	static const struct option lo[] = {
		{"in-place", no_argument, NULL, 'I'},
		{"json", no_argument, NULL, 'J'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	npk_repair_opts ro = {0};
	repair_ctx x = {0};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "ho:", lo, NULL)) != -1) {
		if (c == 'h') {
			repair_help(stdout);
			return 0;
		} else if (c == 'o') {
			ro.out = optarg;
		} else if (c == 'I') {
			ro.in_place = 1;
		} else if (c == 'J') {
			x.json = 1;
		} else {
			return cli_usage_error("repair", "unknown option");
		}
	}
	if (argc - optind != 1)
		return cli_usage_error("repair", "need exactly one ARCHIVE");
	if (ro.out && ro.in_place)
		return cli_usage_error("repair", "-o and --in-place exclude each other");
	x.archive = argv[optind];
	x.ranges = json_array();
	ro.range = repair_range;
	ro.ctx = &x;
	npk_error err = {0};
	npk_parity_info pi = {0};
	int written = 0;
	char *out = NULL;
	int rc = npk_repair(x.archive, &ro, &pi, &written, &out, &err);
	repair_print(&x, rc, &err, &pi, written, out);
	json_decref(x.ranges);
	free(out);
	if (rc != NPK_OK)
		return x.json ? cli_exit_code(rc) : cli_fail(&err);
	return 0;
}
