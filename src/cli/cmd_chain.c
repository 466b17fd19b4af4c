/*
 * cmd_chain.c - check-chain (spec/format.md 15.15): checks that each
 * edition of a chain only added to the one before it, without reading a
 * document: one line per edition, then CHAIN: VALID, DAMAGED with each
 * problem, or VALID (untrusted signer).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { OPT_JSON = 256, OPT_CHAIN };

static void chain_help(FILE *f)
{
	fprintf(f,
	        "Usage: newspack check-chain [-p PUBKEY] [--chain FILE]... [--json] NEWEST.npk\n"
	        "\n"
	        "Checks the chain of editions that ends at NEWEST.npk (spec/format.md 15.15)\n"
	        "without reading documents: every file's header, trailer, manifest, tables,\n"
	        "Merkle tree section and signature (each with its own key, printed), the links\n"
	        "between editions, key rotations, and with a consistency proof (RFC 9162) that\n"
	        "each edition only added to the one before it: nothing removed or altered. Two\n"
	        "different editions of one number among the chain's files, the --chain files\n"
	        "and the *.npk files beside NEWEST are reported as a fork.\n"
	        "\n"
	        "  -p PUBKEY           the newest edition MUST be signed by this key or by a key\n"
	        "                      it authorised by rotation (default: trusted when a key in\n"
	        "                      ~/.config/newspack/trusted/, or $XDG_CONFIG_HOME/newspack/\n"
	        "                      trusted/, signed an edition and each key change after it\n"
	        "                      holds a valid rotation statement)\n"
	        "  --chain FILE        an earlier edition that is not beside NEWEST (repeatable)\n"
	        "  --json              print a JSON report (schema in newspack(1))\n"
	        "\n"
	        "Example:\n"
	        "  newspack check-chain -p signer.pub news.e0030.npk\n"
	        "\n"
	        "Exit codes: 0 the chain is valid and its newest signer trusted; 1 damaged (a\n"
	        "problem listed); 2 NEWEST cannot be read, or usage; 3 valid, but the signer\n"
	        "is not trusted.\n");
}

typedef struct chain_cli {
	const char *pubkey, *newest;
	const char **files;
	size_t nfiles;
	int json;
	npk_pubkey *given;
	npk_trust *trust;
	json_t *editions, *problems; /* --json */
	char **lines;                /* text: the problems, printed after the verdict */
	size_t nlines;
} chain_cli;

static int chain_parse(int argc, char **argv, chain_cli *o)
{
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'},
		{"json", no_argument, NULL, OPT_JSON},
		{"chain", required_argument, NULL, OPT_CHAIN},
		{NULL, 0, NULL, 0},
	};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "p:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': o->pubkey = optarg; break;
		case OPT_JSON: o->json = 1; break;
		case OPT_CHAIN: {
			const char **f = realloc(o->files, (o->nfiles + 1) * sizeof *f);
			if (f == NULL)
				return cli_usage_error("check-chain", "out of memory");
			o->files = f;
			o->files[o->nfiles++] = optarg;
			break;
		}
		case 'h': chain_help(stdout); return 0;
		default: return cli_usage_error("check-chain", "bad option");
		}
	}
	if (argc - optind != 1)
		return cli_usage_error("check-chain", "need one NEWEST.npk");
	o->newest = argv[optind];
	return -1;
}

static void warn_file(const char *file, const char *why, void *ctx)
{
	(void)ctx;
	cli_warn("%s: %s", cli_show(file), cli_show_msg(why));
}

/* ---- Text ---- */

static void text_edition(const npk_chain_edition *e)
{
	char when[40], id[17], from[17], fp[64];
	cli_time(e->created, when, sizeof when);
	npk_keyid_format(e->key_id, id);
	npk_fingerprint_format(e->signer, fp);
	if (e->sealed) /* 15.17.8: its entries and tree hidden */
		printf("edition %u  %s  %s  sealed  key %s (%s%s)", e->edition,
		       cli_show(e->file ? e->file : "?"), when, id, fp,
		       e->signature_ok ? "" : ", SIGNATURE DOES NOT VERIFY");
	else
		printf("edition %u  %s  %s  %llu %s  tree %llu  key %s (%s%s)", e->edition,
		       cli_show(e->file ? e->file : "?"), when, (unsigned long long)e->entries,
		       cli_s(e->entries, "entry", "entries"), (unsigned long long)e->tree_size, id,
		       fp, e->signature_ok ? "" : ", SIGNATURE DOES NOT VERIFY");
	if (e->rotated) {
		npk_keyid_format(e->rotated_from, from);
		printf("  rotated from %s", from);
	}
	if (e->edition > 0 && e->consistent)
		printf("  consistent with edition %u", e->edition - 1);
	printf("%s\n", e->ok ? "" : "  PROBLEM");
}

static void keep_line(chain_cli *o, const npk_chain_problem *p)
{
	char buf[2048];
	if (p->edition != UINT32_MAX)
		snprintf(buf, sizeof buf, "  edition %u (%s): %s", p->edition,
		         cli_show(p->file ? p->file : "missing"), cli_show_msg(p->message));
	else
		snprintf(buf, sizeof buf, "  %s", cli_show_msg(p->message));
	char **l = realloc(o->lines, (o->nlines + 1) * sizeof *l);
	if (l == NULL)
		return;
	o->lines = l;
	o->lines[o->nlines] = strdup(buf);
	if (o->lines[o->nlines] != NULL)
		o->nlines++;
}

/* ---- JSON ---- */

static json_t *json_edition(const npk_chain_edition *e)
{
	char when[40], id[17], from[17], fp[64], root[65], dg[65];
	cli_time(e->created, when, sizeof when);
	npk_keyid_format(e->key_id, id);
	npk_keyid_format(e->rotated_from, from);
	npk_fingerprint_format(e->signer, fp);
	cli_hex(e->tree_root, 32, root);
	cli_hex(e->manifest_digest, 32, dg);
	return json_pack("{s:I, s:s, s:s, s:I, s:I, s:s, s:s, s:{s:s, s:s, s:b}, s:b, s:o, s:b, "
	                 "s:b, s:b, s:b}", "edition", (json_int_t)e->edition, "file",
	                 e->file ? e->file : "", "created", when, "entries",
	                 (json_int_t)e->entries, "tree_size", (json_int_t)e->tree_size, "root",
	                 root, "manifest_digest", dg, "signer", "key_id", id, "fingerprint", fp,
	                 "trusted", e->key_trusted, "signature_ok", e->signature_ok,
	                 "rotated_from", e->rotated ? json_string(from) : json_null(), "consistent",
	                 e->consistent, "root_ok", e->root_ok, "ok", e->ok, "sealed", e->sealed);
}

static json_t *json_problem(const npk_chain_problem *p)
{
	return json_pack("{s:o, s:o, s:o, s:s}", "edition", p->edition == UINT32_MAX ? json_null()
	                 : json_integer(p->edition), "file", p->file ? json_string(p->file)
	                 : json_null(), "other", p->other ? json_string(p->other) : json_null(),
	                 "message", p->message);
}

static void on_edition(const npk_chain_edition *e, void *ctx)
{
	chain_cli *o = ctx;
	if (o->json)
		json_array_append_new(o->editions, json_edition(e));
	else
		text_edition(e);
}

static void on_problem(const npk_chain_problem *p, void *ctx)
{
	chain_cli *o = ctx;
	if (o->json)
		json_array_append_new(o->problems, json_problem(p));
	else
		keep_line(o, p);
}

static int verdict(chain_cli *o, const npk_chain_result *r)
{
	int ec = r->problems ? EXIT_VERIFY : r->trusted ? 0 : EXIT_UNTRUSTED;
	if (o->json) {
		static const char *const names[] = {"valid", "damaged", "unreadable", "untrusted"};
		char root[65], base[65];
		cli_hex(r->root, 32, root);
		cli_hex(r->base_digest, 32, base);
		cli_json_print(json_pack("{s:o, s:o, s:I, s:I, s:s, s:s, s:b, s:s}", "editions",
		                         o->editions, "problems", o->problems, "forks",
		                         (json_int_t)r->forks, "tree_size", (json_int_t)r->tree_size,
		                         "root", root, "base_digest", base, "trusted", r->trusted,
		                         "status", names[ec]));
		o->editions = o->problems = NULL;
		return ec;
	}
	if (ec == EXIT_VERIFY) {
		printf("CHAIN: DAMAGED (%llu %s)\n", (unsigned long long)r->problems,
		       cli_s(r->problems, "problem", "problems"));
		for (size_t i = 0; i < o->nlines; i++)
			printf("%s\n", o->lines[i]);
	} else if (ec == EXIT_UNTRUSTED) {
		printf("CHAIN: VALID (untrusted signer)\n");
		cli_untrusted_hint();
	} else {
		printf("CHAIN: VALID\n");
	}
	return ec;
}

/* NEWEST itself failed its checks (signature, manifest, tables): the chain
 * is damaged there; a file that cannot be read at all is exit 2. */
static int newest_failed(chain_cli *o, int rc, const npk_error *err)
{
	if (rc != NPK_E_FORMAT && rc != NPK_E_DIGEST && rc != NPK_E_SIGNATURE)
		return cli_fail(err);
	npk_chain_problem p = {UINT32_MAX, o->newest, NULL, rc, err->msg};
	npk_chain_result r;
	memset(&r, 0, sizeof r);
	r.problems = 1;
	on_problem(&p, o);
	return verdict(o, &r);
}

static int chain_keys(chain_cli *o)
{
	npk_error err = {0};
	if (o->pubkey == NULL)
		return cli_load_trust(NULL, &o->trust);
	return npk_pubkey_load(o->pubkey, &o->given, &err) == NPK_OK ? 0 : cli_fail(&err);
}

int cmd_check_chain(int argc, char **argv)
{
	chain_cli o;
	memset(&o, 0, sizeof o);
	int ec = chain_parse(argc, argv, &o);
	if (ec < 0 && (ec = chain_keys(&o)) == 0) {
		npk_chain_opts ch = {0};
		ch.files = o.files;
		ch.nfiles = o.nfiles;
		ch.warn = warn_file;
		npk_check_chain_opts co = {&ch, o.given, on_edition, on_problem, &o};
		npk_chain_result r;
		npk_error err = {0};
		o.editions = json_array();
		o.problems = json_array();
		int rc = npk_check_chain(o.newest, o.trust, &co, &r, &err);
		ec = rc == NPK_OK ? verdict(&o, &r) : newest_failed(&o, rc, &err);
	}
	for (size_t i = 0; i < o.nlines; i++)
		free(o.lines[i]);
	free(o.lines);
	json_decref(o.editions);
	json_decref(o.problems);
	free(o.files);
	npk_pubkey_free(o.given);
	npk_trust_free(o.trust);
	return ec < 0 ? 0 : ec;
}
