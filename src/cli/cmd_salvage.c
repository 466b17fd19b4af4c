/*
 * cmd_salvage.c - newspack salvage: every document of a badly damaged
 * archive that can still be proven, written to a folder (spec/format.md
 * 15.11), with a report of what was and was not recovered.
 */
#include <string.h>
#include <unistd.h>

#include "cli.h"

typedef struct salvage_report {
	int json, quiet;
	uint64_t lost_docs, damaged_docs;
	json_t *structures, *lost;  /* --json: the notes, the damage */
	cli_progress prog;
} salvage_report;

static void salvage_help(FILE *f)
{
	fprintf(f,
	        "Usage: newspack salvage [OPTIONS] ARCHIVE -C DIR\n"
	        "\n"
	        "For an archive too damaged for extract: finds a signed manifest anywhere in\n"
	        "the file, resynchronises on the object headers, rebuilds lost tables, and\n"
	        "writes every document whose bytes still match their signed digest to DIR\n"
	        "(made if missing). Never writes a document it cannot prove. Reports what\n"
	        "was moved, rebuilt or lost, and every document not recovered.\n"
	        "\n"
	        "Options:\n"
	        "  -C DIR              the output folder (default: the current folder)\n"
	        "  --json              the report as one JSON object on standard output\n"
	        CLI_TRUST_HELP
	        "  --allow-untrusted   salvage an archive whose signer is not trusted\n"
	        "  --force             overwrite existing files\n"
	        "  --no-mtime          leave modification times and execute bits unset\n"
	        "  --symlinks          write symbolic links whose target stays inside DIR\n"
	        "  -j N                threads (default: one per core)\n"
	        "  -q                  no report but errors\n"
	        CLI_KEY_HELP
	        "A sealed archive (create --recipient) is salvaged with a recipient's key or\n"
	        "its passphrase: its seal is taken from its place or its survival copy.\n"
	        "\n"
	        "Exit codes: 0 every document recovered; 1 some could not be proven (named),\n"
	        "or none (no signed manifest or index survives); 2 usage or output error;\n"
	        "3 valid signature by an untrusted key.\n");
}

static const char *state_name(int state)
{
	return state == NPK_SALVAGE_MOVED ? "moved" : state == NPK_SALVAGE_REBUILT ? "rebuilt"
	       : state == NPK_SALVAGE_LOST ? "lost" : state == NPK_SALVAGE_UNPROVEN ? "unproven"
	       : "intact";
}

static void on_note(const npk_salvage_note *n, void *ctx)
{
	salvage_report *t = ctx;
	if (t->json) {
		json_t *o = json_pack("{s:s, s:s, s:I}", "structure", n->structure, "state",
		                      state_name(n->state), "offset", (json_int_t)n->offset);
		if (strcmp(n->structure, "index page") == 0 || strcmp(n->structure, "cluster") == 0)
			json_object_set_new(o, "number", json_integer((json_int_t)n->number));
		if (n->state == NPK_SALVAGE_MOVED)
			json_object_set_new(o, "found", json_integer((json_int_t)n->found));
		json_array_append_new(t->structures, o);
		return;
	}
	if (t->quiet)
		return;
	char num[32] = "";
	if (strcmp(n->structure, "index page") == 0 || strcmp(n->structure, "cluster") == 0)
		snprintf(num, sizeof num, " %llu", (unsigned long long)n->number);
	if (n->state == NPK_SALVAGE_MOVED)
		printf("MOVED    %s%s: found at offset %llu, belongs at %llu\n", n->structure, num,
		       (unsigned long long)n->found, (unsigned long long)n->offset);
	else if (n->state == NPK_SALVAGE_REBUILT)
		printf("REBUILT  %s: %s; its digest is the signed one\n", n->structure,
		       strcmp(n->structure, "header") == 0 ? "made anew" : "from the objects found");
	else if (n->state == NPK_SALVAGE_UNPROVEN)
		printf("UNPROVEN %s: damaged, and its clusters do not rebuild it; each document is "
		       "proven by its own digest alone\n", n->structure);
	else if (num[0] == 0) /* a page or cluster: extract names it DAMAGED, with its documents */
		printf("LOST     %s at offset %llu: damaged, not found anywhere\n", n->structure,
		       (unsigned long long)n->offset);
}

/* A page, cluster or document extract did not write. */
static void on_damaged(const npk_problem *p, void *ctx)
{
	salvage_report *t = ctx;
	cli_progress_done(&t->prog);
	t->damaged_docs += p->path ? 1 : p->hidden;
	if (t->json) {
		json_t *o = json_pack("{s:s, s:s}", "object", p->object, "message",
		                      p->message ? p->message : "");
		if (p->path)
			json_object_set_new(o, "path", json_string(p->path));
		else
			json_object_set_new(o, "number", json_integer((json_int_t)p->number));
		if (p->hidden)
			json_object_set_new(o, "documents", json_integer((json_int_t)p->hidden));
		json_array_append_new(t->lost, o);
		return;
	}
	if (t->quiet)
		return;
	if (p->path)
		printf("NOT RECOVERED  %s  (%s)\n", cli_show(p->path), cli_show_msg(p->message));
	else
		printf("DAMAGED  %s %llu: %s\n", p->object, (unsigned long long)p->number,
		       cli_show_msg(p->message));
}

static void print_json(salvage_report *t, const char *archive, const char *dir,
                       const npk_salvage_stats *st, int rc, const npk_error *err)
{
	char id[17];
	npk_keyid_format(st->key_id, id);
	json_t *j = json_pack("{s:s, s:s, s:b, s:I, s:I, s:I, s:I, s:o, s:o}", "archive", archive,
	                      "dir", dir, "complete", rc == NPK_OK, "documents",
	                      (json_int_t)st->documents, "recovered", (json_int_t)st->written,
	                      "not_recovered", (json_int_t)t->damaged_docs, "objects_found",
	                      (json_int_t)st->objects, "structures", t->structures, "damaged",
	                      t->lost);
	if (st->documents || rc == NPK_OK) {
		json_object_set_new(j, "signer", json_string(id));
		json_object_set_new(j, "trusted", json_boolean(st->trusted));
	}
	if (rc != NPK_OK)
		json_object_set_new(j, "error", json_string(err->msg));
	t->structures = t->lost = NULL;
	cli_json_print(j);
}

static void print_summary(const salvage_report *t, const char *dir, const npk_salvage_stats *st)
{
	printf("recovered %llu of %llu %s to %s", (unsigned long long)st->written,
	       (unsigned long long)st->documents, cli_s(st->documents, "document", "documents"), dir);
	if (t->damaged_docs)
		printf("; %llu could not be proven and were not written",
		       (unsigned long long)t->damaged_docs);
	printf(" (%llu %s found by the scan)\n", (unsigned long long)st->objects,
	       cli_s(st->objects, "object", "objects"));
}

int cmd_salvage(int argc, char **argv)
{
	cli_ropts o;
	int ec = cli_parse_ropts(argc, argv, "salvage",
	                         RO_PUBKEY | RO_DIR | RO_FORCE | RO_UNTRUSTED | RO_QUIET | RO_JSON |
	                         RO_THREADS | RO_NO_MTIME | RO_SYMLINKS | RO_KEY,
	                         salvage_help, &o);
	if (ec >= 0)
		return ec;
	if (argc - optind != 1)
		return cli_usage_error("salvage", argc - optind < 1 ? "need an ARCHIVE" : "one ARCHIVE only");
	npk_trust *trust = NULL;
	if ((ec = cli_load_trust(o.pubkey, &trust)) != 0)
		return ec;
	/* 15.17: keys for a sealed archive: those given, else the default one */
	npk_keyring *ring = NULL;
	if ((ec = cli_keyring(o.keys, o.nkeys, o.pass_file, &ring, NULL, NULL, NULL)) != 0) {
		npk_trust_free(trust);
		return ec;
	}
	salvage_report t = {.json = o.json, .quiet = o.quiet};
	t.structures = json_array();
	t.lost = json_array();
	cli_progress_init(&t.prog, "salvaging", 0, o.quiet || o.json);
	npk_salvage_opts so = {trust, o.allow_untrusted,
	                       {o.force, cli_progress_cb, &t.prog, &cli_interrupted, 1, o.no_mtime,
	                        o.symlinks, NULL, on_damaged},
	                       on_note, &t, 0, ring};
	/* extract's callbacks share one context: the damage goes to the report */
	so.extract.ctx = &t;
	so.extract.progress = NULL;
	cli_catch_signals();
	npk_salvage_stats st;
	npk_error err = {0};
	int rc = npk_salvage(argv[optind], o.dir, &so, &st, &err);
	npk_trust_free(trust);
	npk_keyring_free(ring);
	cli_progress_done(&t.prog);
	if (o.json) {
		print_json(&t, argv[optind], o.dir, &st, rc, &err);
		return cli_exit_code(rc);
	}
	json_decref(t.structures);
	json_decref(t.lost);
	if (rc == NPK_E_UNTRUSTED) {
		cli_warn("%s", cli_show_msg(err.msg));
		cli_untrusted_hint();
		return EXIT_UNTRUSTED;
	}
	if (!o.quiet && (rc == NPK_OK || t.damaged_docs > 0))
		print_summary(&t, o.dir, &st);
	return rc == NPK_OK ? 0 : cli_fail(&err);
}
