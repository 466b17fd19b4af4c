/*
 * cmd_read.c - the commands that read archives: verify, list, info, cat,
 * extract. Each opens the archive through the library, which checks the
 * signature and the digest of everything it reads before handing it over.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* ---- verify ---- */

static void verify_help(FILE *f)
{
	fprintf(f,
	        "Usage: newspack verify [-p PUBKEY] [--json] [-q] [-v] [-j N]\n"
	        "                       [--chain FILE]... [--at EDITION|DATE] ARCHIVE\n"
	        "\n"
	        "Checks the signature over the manifest, then every byte of the archive: the\n"
	        "layout, every index page, every cluster and the digest of every document.\n"
	        "Every damaged document is named, not just the first.\n"
	        "Given an edition, verifies every file of its chain, oldest first (each\n"
	        "file's signer on an \"edition\" line), the links between them, the tree across\n"
	        "the chain, the contents referred to in earlier files, the withdrawals and\n"
	        "the folder rule of the state; a missing file is damage (exit 1).\n"
	        "\n" CLI_TRUST_HELP CLI_KEY_HELP
	        "  --chain FILE        an earlier file of the chain not found beside ARCHIVE\n"
	        "  --at EDITION|DATE   verify the chain up to that edition\n"
	        "  --json              print a JSON report (schema in newspack(1))\n"
	        "  -q                  print nothing on stdout; the exit code tells\n"
	        "  -v                  name each document as it is checked (on stderr)\n"
	        "  -j N                read and decode with N threads (default: one per core)\n"
	        "\n"
	        "Exit codes: 0 intact and signed by a trusted key; 1 bad signature or damaged\n"
	        "data; 2 usage or I/O error; 3 intact, but signed by a key that is not trusted.\n");
}

/* What verify found in an archive it could open. */
typedef struct verify_result {
	int rc;                   /* of npk_reader_verify */
	int ec;                   /* the exit code */
	const npk_info *info;
	const npk_verify_stats *st;
	const char *key_id;       /* as the manifest claims it */
	const char *fingerprint;  /* of the key that checked the signature */
} verify_result;

/* verify prints text or JSON: one printer each, driven by one walk. */
typedef struct vctx vctx;
typedef struct verify_printer {
	void (*problem)(vctx *v, const npk_problem *p);          /* as each is found */
	void (*unopened)(vctx *v, int rc, const char *msg, int ec); /* open failed */
	void (*result)(vctx *v, const verify_result *res);       /* at the end */
} verify_printer;

struct vctx {
	const char *archive;
	int quiet;
	json_t *problems;         /* JSON: the problems so far */
	json_t *tail_problems;    /* JSON: those about the unsigned tail */
	cli_progress *prog;       /* cleared before a problem is printed */
	const verify_printer *pr;
	int json;
	json_t *parity;           /* JSON: the parity section (15.10), or NULL */
	json_t *editions;         /* JSON: a chain's editions (15.15), or NULL */
	npk_reader *r;            /* the archive opened: parity found through it */
};

/* spec/format.md 15.15: verify of a chain reports each edition's file
 * and signer as a problem of object "edition" with code NPK_OK. */
static int edition_line(const npk_problem *p)
{
	return p->code == NPK_OK && strcmp(p->object, "edition") == 0;
}

static void text_problem(vctx *v, const npk_problem *p)
{
	if (v->quiet)
		return;
	if (v->prog != NULL)
		cli_progress_done(v->prog);
	/* the unsigned tail is never the verdict (spec/format.md 15.5) */
	if (p->tail && strcmp(p->object, "tail section") == 0) {
		printf("TAIL  section %llu at offset %llu: %s\n", (unsigned long long)p->number,
		       (unsigned long long)p->offset, cli_show_msg(p->message));
		return;
	}
	if (p->tail) {
		printf("TAIL  at offset %llu: %s\n", (unsigned long long)p->offset,
		       cli_show_msg(p->message));
		return;
	}
	if (edition_line(p)) {
		printf("edition %llu %s: %s\n", (unsigned long long)p->number,
		       p->path ? cli_show(p->path) : "?", cli_show_msg(p->message));
		return;
	}
	/* what only a newer reader can decode is not damage */
	const char *what = p->code == NPK_E_VERSION ? "UNSUPPORTED" : "DAMAGED";
	if (p->path)
		printf("%s  %s  (%s)\n", what, cli_show(p->path), cli_show_msg(p->message));
	else if (strcmp(p->object, "edition") == 0)   /* a chain's (15.15) */
		printf("%s  edition %llu: %s\n", what, (unsigned long long)p->number,
		       cli_show_msg(p->message));
	else if (strcmp(p->object, "layout") == 0 || cli_copy_object(p->object))
		printf("%s  %s at offset %llu: %s\n", what, p->object, (unsigned long long)p->offset,
		       cli_show_msg(p->message));
	else
		printf("%s  %s %llu at offset %llu: %s\n", what, p->object,
		       (unsigned long long)p->number, (unsigned long long)p->offset,
		       cli_show_msg(p->message));
}

/* Whether open's failure rc is about reaching the file (missing, not a
 * file, unreadable, out of memory), not about what the archive holds. */
static int unreadable(int rc)
{
	return rc == NPK_E_IO || rc == NPK_E_NOTFOUND || rc == NPK_E_NOMEM || rc == NPK_E_ARG ||
	       rc == NPK_E_CANCELED;
}

/* An archive that is damaged FAILED on stdout; a file that could not be
 * read is an error on stderr (cmd_verify), even with -q. */
static void text_unopened(vctx *v, int rc, const char *msg, int ec)
{
	(void)ec;
	if (!v->quiet && !unreadable(rc))
		printf("FAILED  %s\n", cli_show_msg(msg));
}

/* The 1.1 container's line (spec/format.md 15), after the verdict. */
static void text_container(const verify_result *res)
{
	const npk_verify_stats *st = res->st;
	char tail[160];
	if (!st->tail)
		snprintf(tail, sizeof tail, "no unsigned tail");
	else if (st->tail_problems == 0)
		snprintf(tail, sizeof tail, "an unsigned tail of %llu %s, intact (never trusted)",
		         (unsigned long long)st->tail_sections,
		         cli_s(st->tail_sections, "section", "sections"));
	else
		snprintf(tail, sizeof tail, "an unsigned tail, damaged (%llu TAIL %s; never trusted, "
		         "not part of the verdict)", (unsigned long long)st->tail_problems,
		         cli_s(st->tail_problems, "line", "lines"));
	char copies[200] = "";
	if (st->copies_served) {
		char names[100];
		snprintf(copies, sizeof copies, "; survival copies serve the damaged %s",
		         cli_copy_names(st->copies_served, names, sizeof names));
	} else if (st->copies) {
		snprintf(copies, sizeof copies, "; survival copies of %llu %s", (unsigned long long)
		         st->copies, cli_s(st->copies, "extent", "extents"));
	}
	if (st->sealed == 1) {
		printf("  format %u.%u, sealed: %llu %s; entries hidden; %s%s\n",
		       res->info->version_major, res->info->version_minor,
		       (unsigned long long)st->sections, cli_s(st->sections, "section", "sections"),
		       tail, copies);
		return;
	}
	printf("  format %u.%u%s: %llu %s (%llu known, %llu unknown and not critical); entries: %llu "
	       "%s, %llu withdrawn, %llu empty %s, %llu symbolic %s; %s%s\n",
	       res->info->version_major, res->info->version_minor,
	       st->sealed == 2 ? ", sealed and opened with the key given" : "",
	       (unsigned long long)st->sections, cli_s(st->sections, "section", "sections"),
	       (unsigned long long)(st->sections - st->sections_unknown),
	       (unsigned long long)st->sections_unknown, (unsigned long long)st->kind_documents,
	       cli_s(st->kind_documents, "document", "documents"),
	       (unsigned long long)st->kind_withdrawn, (unsigned long long)st->kind_folders,
	       cli_s(st->kind_folders, "folder", "folders"), (unsigned long long)st->kind_links,
	       cli_s(st->kind_links, "link", "links"), tail, copies);
}

/* 15.13: the Merkle tree's line, after the container's. */
static void text_tree(const npk_verify_stats *st)
{
	char hex[65];
	cli_hex(st->tree_root, 32, hex);
	if (!st->tree && st->tree_sealed)
		printf("  tree: sealed (its root shows with a key; per-article proofs with a key)\n");
	else if (!st->tree)
		printf("  tree: none (no per-article proofs)\n");
	else if (st->tree_problems == 0)
		printf("  tree: %llu %s, root %s, every leaf matches its entry (per-article proofs)\n",
		       (unsigned long long)st->tree_size, cli_s(st->tree_size, "leaf", "leaves"), hex);
	else
		printf("  tree: %llu %s, root %s, DAMAGED (%llu %s above)\n",
		       (unsigned long long)st->tree_size, cli_s(st->tree_size, "leaf", "leaves"), hex,
		       (unsigned long long)st->tree_problems,
		       cli_s(st->tree_problems, "problem", "problems"));
}

static void text_result(vctx *v, const verify_result *res)
{
	const npk_verify_stats *st = res->st;
	if (v->quiet)
		return;
	char sz[32];
	cli_size(st->bytes, sz, sizeof sz);
	/* a chain (15.15): the entries of every file verified */
	unsigned long long total = res->info->edition ? st->documents : res->info->documents;
	if (res->rc == NPK_E_VERSION)
		printf("UNSUPPORTED  %s: nothing it could check is damaged, but %llu of %llu documents (%llu "
		       "%s, %llu index %s) need a newer reader\n",
		       v->archive, (unsigned long long)st->documents_unsupported, total,
		       (unsigned long long)st->clusters_unsupported,
		       cli_s(st->clusters_unsupported, "cluster", "clusters"),
		       (unsigned long long)st->pages_unsupported,
		       cli_s(st->pages_unsupported, "page", "pages"));
	else if (res->rc != NPK_OK)
		printf("FAILED  %s: %llu of %llu documents damaged, %llu of %llu clusters and "
		       "%llu of %llu index pages damaged%s\n",
		       v->archive, (unsigned long long)st->documents_bad, total,
		       (unsigned long long)st->clusters_bad,
		       (unsigned long long)st->clusters, (unsigned long long)st->pages_bad,
		       (unsigned long long)st->pages,
		       st->documents_unsupported ? "; more need a newer reader" : "");
	else if (st->sealed == 1)   /* 15.17.7: checked without a key */
		printf("%s  %s: sealed; ciphertext intact (%llu %s and %llu index %s, every digest "
		       "matches), signed by %s key %s%s; contents not readable without a key\n",
		       res->info->trusted ? "OK" : "UNTRUSTED", v->archive,
		       (unsigned long long)st->clusters, cli_s(st->clusters, "cluster", "clusters"),
		       (unsigned long long)st->pages, cli_s(st->pages, "page", "pages"),
		       res->info->trusted ? "trusted" : "a key claiming to be", res->key_id,
		       res->info->trusted ? "" : ", which is not trusted");
	else if (!res->info->trusted)
		printf("UNTRUSTED  %s: intact (%llu %s, %s), but signed by a key claiming to be "
		       "key %s, which is not trusted (fingerprint %s)\n",
		       v->archive, (unsigned long long)st->documents,
		       cli_s(st->documents, "document", "documents"), sz, res->key_id,
		       res->fingerprint);
	else
		printf("OK  %s: signature by trusted key %s; %llu %s (%s) in %llu %s and "
		       "%llu index %s, every digest matches\n",
		       v->archive, res->key_id, (unsigned long long)st->documents,
		       cli_s(st->documents, "document", "documents"), sz,
		       (unsigned long long)st->clusters, cli_s(st->clusters, "cluster", "clusters"),
		       (unsigned long long)st->pages, cli_s(st->pages, "page", "pages"));
	if (res->info->version_minor >= 1) {
		text_container(res);
		text_tree(st);
	}
}

static const verify_printer text_printer = {text_problem, text_unopened, text_result};

static void json_problem(vctx *v, const npk_problem *p)
{
	if (edition_line(p)) {
		if (v->editions == NULL)
			v->editions = json_array();
		json_array_append_new(v->editions, json_pack("{s:I, s:s, s:s}", "edition",
		                      (json_int_t)p->number, "file", p->path ? p->path : "",
		                      "summary", p->message ? p->message : ""));
		return;
	}
	json_t **list = p->tail ? &v->tail_problems : &v->problems;
	json_t *o = json_pack("{s:s, s:I, s:s, s:s}", "object", p->object, "number",
	                      (json_int_t)p->number, "error", npk_strerror(p->code), "message",
	                      p->message ? p->message : "");
	if (strcmp(p->object, "document") != 0)
		json_object_set_new(o, "offset", json_integer((json_int_t)p->offset));
	if (p->path)
		json_object_set_new(o, "path", json_string(p->path));
	if (*list == NULL)
		*list = json_array();
	json_array_append_new(*list, o);
}

static void json_unopened(vctx *v, int rc, const char *msg, int ec)
{
	json_t *j = json_object();
	json_object_set_new(j, "archive", json_string(v->archive));
	json_object_set_new(j, "ok", json_false());
	/* null: the signature was not reached */
	json_object_set_new(j, "signature_valid", unreadable(rc) ? json_null()
	                    : json_boolean(rc != NPK_E_SIGNATURE && rc != NPK_E_FORMAT));
	json_object_set_new(j, "error", json_string(npk_strerror(rc)));
	json_object_set_new(j, "message", json_string(msg));
	json_object_set_new(j, "parity", v->parity ? v->parity : json_null());
	v->parity = NULL;
	json_object_set_new(j, "exit_code", json_integer(ec));
	cli_json_print(j);
}

/* The 1.1 container (spec/format.md 15): its sections, entries by kind,
 * and the unsigned tail with its own problems (never the verdict). */
static void json_container(vctx *v, json_t *j, const npk_verify_stats *st)
{
	json_object_set_new(j, "sections", json_pack("{s:I, s:I, s:I}", "count",
	                    (json_int_t)st->sections, "known",
	                    (json_int_t)(st->sections - st->sections_unknown), "unknown",
	                    (json_int_t)st->sections_unknown));
	json_object_set_new(j, "entries", json_pack("{s:I, s:I, s:I, s:I}", "documents",
	                    (json_int_t)st->kind_documents, "withdrawn",
	                    (json_int_t)st->kind_withdrawn, "folders", (json_int_t)st->kind_folders,
	                    "links", (json_int_t)st->kind_links));
	json_t *t = json_pack("{s:b, s:I, s:o}", "present", st->tail, "sections",
	                      (json_int_t)st->tail_sections, "intact",
	                      st->tail ? json_boolean(st->tail_problems == 0) : json_null());
	json_object_set_new(t, "problems", v->tail_problems ? v->tail_problems : json_array());
	v->tail_problems = NULL;
	json_object_set_new(j, "tail", t);
	/* 15.9: the survival copies, and the damaged originals they serve */
	json_t *served = json_array();
	for (unsigned bit = NPK_COPY_HEADER; bit <= NPK_COPY_DICT; bit <<= 1)
		if (st->copies_served & bit)
			json_array_append_new(served, json_string(cli_copy_name(bit)));
	json_object_set_new(j, "copies", json_pack("{s:I, s:o}", "extents",
	                    (json_int_t)st->copies, "serve", served));
	/* 15.13: the Merkle tree */
	char hex[65];
	cli_hex(st->tree_root, 32, hex);
	json_object_set_new(j, "tree", st->tree ? json_pack("{s:I, s:s, s:b, s:I}", "size",
	                    (json_int_t)st->tree_size, "root", hex, "ok", st->tree_problems == 0,
	                    "problems", (json_int_t)st->tree_problems)
	                    : st->tree_sealed ? json_string("sealed") : json_null());
}

static void json_result(vctx *v, const verify_result *res)
{
	const npk_verify_stats *st = res->st;
	json_t *j = json_object();
	json_object_set_new(j, "archive", json_string(v->archive));
	json_object_set_new(j, "ok", json_boolean(res->ec == 0));
	json_object_set_new(j, "signature_valid", json_true());
	json_object_set_new(j, "key_id", json_string(res->key_id));
	json_object_set_new(j, "fingerprint", json_string(res->fingerprint));
	json_object_set_new(j, "trusted", json_boolean(res->info->trusted));
	/* 15.17: false, "closed" (checked without a key) or "opened" */
	json_object_set_new(j, "sealed", st->sealed == 0 ? json_false()
	                    : json_string(st->sealed == 1 ? "closed" : "opened"));
	json_object_set_new(j, "documents", json_integer((json_int_t)st->documents));
	json_object_set_new(j, "documents_damaged", json_integer((json_int_t)st->documents_bad));
	json_object_set_new(j, "clusters", json_integer((json_int_t)st->clusters));
	json_object_set_new(j, "clusters_damaged", json_integer((json_int_t)st->clusters_bad));
	json_object_set_new(j, "pages", json_integer((json_int_t)st->pages));
	json_object_set_new(j, "pages_damaged", json_integer((json_int_t)st->pages_bad));
	json_object_set_new(j, "documents_unsupported",
	                    json_integer((json_int_t)st->documents_unsupported));
	json_object_set_new(j, "clusters_unsupported",
	                    json_integer((json_int_t)st->clusters_unsupported));
	json_object_set_new(j, "pages_unsupported", json_integer((json_int_t)st->pages_unsupported));
	json_object_set_new(j, "bytes", json_integer((json_int_t)st->bytes));
	json_object_set_new(j, "problems", v->problems ? v->problems : json_array());
	v->problems = NULL;
	if (v->editions != NULL)   /* a chain (15.15): oldest first */
		json_object_set_new(j, "editions", v->editions);
	v->editions = NULL;
	json_container(v, j, st);
	json_object_set_new(j, "parity", v->parity ? v->parity : json_null());
	v->parity = NULL;
	json_object_set_new(j, "exit_code", json_integer(res->ec));
	cli_json_print(j);
}

static const verify_printer json_printer = {json_problem, json_unopened, json_result};

static void on_problem(const npk_problem *p, void *ctx)
{
	vctx *v = ctx;
	v->pr->problem(v, p);
}

static void parity_range(const npk_parity_range *r, void *ctx)
{
	vctx *v = ctx;
	if (v->json)
		json_array_append_new(json_object_get(v->parity, "damaged"), cli_parity_range_json(r));
	else if (!v->quiet)
		cli_parity_range_text(r);
}

/* spec/format.md 15.10: the parity section, when there is one. Every
 * block's CRC-32 is checked only when the archive or its tail is damaged
 * (each run of lost blocks is a DAMAGED line, before the verdict);
 * else the header says what it is. Returns the line after the verdict. */
static void parity_check(vctx *v, int damaged, char *line, size_t len)
{
	npk_parity_info pi;
	npk_error err = {0};
	*line = 0;
	if (v->json)
		v->parity = json_pack("{s:o}", "damaged", json_array());
	int rc = damaged ? npk_parity_check(v->archive, &pi, parity_range, v, &err)
	         : v->r != NULL ? npk_reader_parity_find(v->r, &pi, &err)
	         : npk_parity_find(v->archive, &pi, &err);
	if (rc != NPK_OK) {
		json_decref(v->parity);
		v->parity = NULL;
		return;
	}
	char pc[16];
	cli_parity_percent(&pi, pc, sizeof pc);
	int n = snprintf(line, len, "  parity: %s, k=%u p=%u, %llu data blocks of %u bytes", pc, pi.k,
	                 pi.p, (unsigned long long)pi.data_blocks, pi.block_size);
	if (n > 0 && (size_t)n < len && damaged)
		snprintf(line + n, len - (size_t)n, "; %llu data and %llu parity blocks damaged: %s",
		         (unsigned long long)pi.lost_data, (unsigned long long)pi.lost_parity,
		         pi.stripes_bad ? "beyond what parity can repair (newspack extract still writes "
		         "every intact document)" : pi.lost_data + pi.lost_parity
		         ? "parity can repair them (newspack repair)" : "none");
	if (v->json) {
		json_t *g = cli_parity_json(&pi);
		json_object_update(v->parity, g);
		json_decref(g);
		json_object_set_new(v->parity, "checked", json_boolean(damaged));
		json_object_set_new(v->parity, "repairable", json_boolean(pi.stripes_bad == 0));
	}
}

/* Verifies the opened archive r and prints what it finds; returns the
 * exit code. */
static int verify_opened(vctx *v, npk_reader *r, const cli_ropts *o)
{
	npk_info info;
	npk_reader_info(r, &info);
	char id[17], fp[NPK_FINGERPRINT_LEN];
	npk_keyid_format(info.key_id, id);
	npk_fingerprint_format(info.signer, fp);
	npk_reader_set_threads(r, o->threads);
	cli_progress prog;
	cli_progress_init(&prog, "verifying", info.documents, o->quiet || o->json);
	cli_progress_verbose(&prog, o->verbose && !o->quiet && !o->json);
	npk_reader_set_progress(r, cli_progress_cb, &prog);
	v->prog = &prog;
	npk_verify_stats st;
	npk_error err = {0};
	int rc = npk_reader_verify(r, on_problem, v, &st, &err);
	cli_progress_done(&prog);
	/* a verify that could not finish says why (not damage: on stderr) */
	if (unreadable(rc))
		cli_warn("%s", cli_show_msg(err.msg));
	v->prog = NULL;
	char parity[400] = "";
	v->r = r;                 /* the file is not opened again (read once) */
	if (st.tail || rc != NPK_OK)
		parity_check(v, rc != NPK_OK || st.tail_problems > 0, parity, sizeof parity);
	v->r = NULL;
	verify_result res = {rc, rc != NPK_OK ? cli_exit_code(rc) : info.trusted ? 0 : EXIT_UNTRUSTED,
	                     &info, &st, id, fp};
	v->pr->result(v, &res);
	if (*parity && !v->quiet && !v->json)
		puts(parity);
	return res.ec;
}

/* A --chain FILE that is no file of the chain (15.15). */
static void verify_chain_warn(const char *file, const char *why, void *ctx)
{
	(void)ctx;
	cli_warn("%s: %s", file, why);
}

int cmd_verify(int argc, char **argv)
{
	cli_ropts o;
	int ec = cli_parse_ropts(argc, argv, "verify",
	                         RO_PUBKEY | RO_JSON | RO_QUIET | RO_VERBOSE | RO_THREADS | RO_CHAIN |
	                         RO_KEY, verify_help, &o);
	if (ec >= 0)
		return ec;
	if (argc - optind != 1)
		return cli_usage_error("verify", "need exactly one ARCHIVE");
	vctx v = {argv[optind], o.quiet, NULL, NULL, NULL, o.json ? &json_printer : &text_printer,
	          o.json, NULL, NULL, NULL};
	npk_trust *t = NULL;
	if ((ec = cli_load_trust(o.pubkey, &t)) != 0)
		return ec;
	npk_error err = {0};
	npk_reader *r = NULL;
	npk_chain_opts chain = o.chain;
	chain.warn = verify_chain_warn;
	int rc = npk_reader_open_chain(v.archive, t, 1, &chain, &r, &err);
	npk_trust_free(t);
	if (rc != NPK_OK) {
		ec = cli_exit_code(rc);
		char parity[400] = "";
		if (!unreadable(rc))
			parity_check(&v, 1, parity, sizeof parity);
		v.pr->unopened(&v, rc, err.msg, ec);
		if (*parity && !v.quiet && !v.json)
			puts(parity);
		if (unreadable(rc))
			cli_fail(&err);
		return ec;
	}
	o.closed_ok = 1;          /* 15.17.7: checked without a key */
	if ((ec = cli_unseal(r, v.archive, &o)) != 0) {
		npk_reader_free(r);
		return ec;
	}
	ec = verify_opened(&v, r, &o);
	npk_reader_free(r);
	if (ec == EXIT_UNTRUSTED && o.pubkey == NULL && cli_trusted_dir() == NULL && !o.quiet)
		cli_warn("no key is trusted from a folder: " CLI_NO_CONFIG_WHY);
	return ec;
}

/* ---- list ---- */

static void list_help(FILE *f)
{
	fprintf(f,
	        "Usage: newspack list [-p PUBKEY] [-l | --json] [--allow-untrusted]\n"
	        "                     [--chain FILE]... [--at EDITION|DATE] [--all] ARCHIVE\n"
	        "\n"
	        "Lists the documents in path order, one path a line. Reads the index only,\n"
	        "checking the signature and the digest of every index page it reads;\n"
	        "documents' metadata is read (and checked) with -l and --json, and by verify.\n"
	        "An empty folder's path ends with '/'; a withdrawn document is followed by a\n"
	        "TAB and \"(withdrawn)\". -l and --json also read each symbolic link's target.\n"
	        "Given an edition, lists its chain's state: each path's newest version,\n"
	        "withdrawn documents left out (spec/format.md 15.15).\n"
	        "\n" CLI_TRUST_HELP CLI_KEY_HELP
	        "  -l                  long: size (or the kind: folder, symlink, withdrawn),\n"
	        "                      media type, date, path (a link's with '-> TARGET') and\n"
	        "                      title\n"
	        "  --json              every field and all metadata, as JSON\n"
	        "  --allow-untrusted   read an archive signed by a key that is not trusted\n"
	        CLI_CHAIN_HELP
	        "  --all               every entry of every edition up to the state, by path\n"
	        "                      then edition, withdrawals included (-l: a column e<N>)\n");
}

/* Kind names of list -l and --json (spec/format.md 15.7). */
/* What list callbacks share: the reader (for links' targets) and the
 * error a failed read leaves. */
typedef struct list_ctx {
	npk_reader *r;
	npk_error *err;
	uint64_t n;               /* --json: entries printed */
	int chain;                /* an edition's chain: each entry's edition shown */
} list_ctx;

/* Every value from the archive is printed through cli_show: a path may
 * hold bidi controls, a title an ESC sequence or a line break. Plain list
 * reads no content: a link is its path alone. */
static int list_plain(const npk_entry *e, void *ctx)
{
	(void)ctx;
	if (e->kind == NPK_KIND_FOLDER)
		printf("%s/\n", cli_show(e->path));
	else if (e->kind == NPK_KIND_WITHDRAWN)
		printf("%s\t(withdrawn)\n", cli_show(e->path));
	else
		puts(cli_show(e->path));
	return ferror(stdout) ? NPK_E_IO : 0;
}

static int list_long(const npk_entry *e, void *ctx)
{
	list_ctx *l = ctx;
	const char *date = npk_meta_find(e->meta, "date");
	const char *title = npk_meta_find(e->meta, "title");
	char day[11], size[24];
	cli_target t = {{0}, 0};
	if (e->kind == NPK_KIND_SYMLINK && cli_read_target(l->r, e, &t, l->err) != NPK_OK)
		return l->err->code;
	snprintf(day, sizeof day, "%s", date ? date : "-"); /* the day of a date and time */
	if (e->kind == NPK_KIND_DOCUMENT)
		snprintf(size, sizeof size, "%llu", (unsigned long long)e->size);
	else
		snprintf(size, sizeof size, "%s", cli_kind_name(e->kind));
	if (l->chain)
		printf("e%-5u ", e->edition);
	printf("%12s  %-22s  %-10s  %s%s%s%s%s%s\n", size, cli_show(e->media_type), cli_show(day),
	       cli_show(e->path), e->kind == NPK_KIND_FOLDER ? "/" : "",
	       e->kind == NPK_KIND_SYMLINK ? " -> " : "", cli_show(t.s), title ? "  " : "",
	       title ? cli_show(title) : "");
	return ferror(stdout) ? NPK_E_IO : 0;
}

static int list_json(const npk_entry *e, void *ctx)
{
	list_ctx *l = ctx;
	cli_target t;
	if (e->kind == NPK_KIND_SYMLINK && cli_read_target(l->r, e, &t, l->err) != NPK_OK)
		return l->err->code;
	json_t *o = cli_entry_json(e, e->kind == NPK_KIND_SYMLINK ? t.s : NULL);
	if (l->chain)
		json_object_set_new(o, "edition", json_integer(e->edition));
	fputs(l->n++ ? ",\n    " : "\n    ", stdout);
	cli_json_dump(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return ferror(stdout) ? NPK_E_IO : 0;
}

/* list --json, streamed, so memory stays flat for any number of documents. */
static int list_json_all(npk_reader *r, const char *archive, int chain, npk_error *err)
{
	list_ctx l = {r, err, 0, chain};
	json_t *a = json_string(archive);
	printf("{\n  \"archive\": ");
	cli_json_dump(a, JSON_ENCODE_ANY);
	json_decref(a);
	printf(",\n  \"documents\": [");
	int rc = npk_reader_list(r, list_json, &l, err);
	printf("%s]\n}\n", l.n ? "\n  " : "");
	return rc;
}

int cmd_list(int argc, char **argv)
{
	cli_ropts o;
	int ec = cli_parse_ropts(argc, argv, "list", RO_PUBKEY | RO_JSON | RO_UNTRUSTED | RO_LONG | RO_KEY |
	                         RO_CHAIN | RO_ALL, list_help, &o);
	if (ec >= 0)
		return ec;
	if (argc - optind != 1)
		return cli_usage_error("list", "need exactly one ARCHIVE");
	npk_reader *r = NULL;
	if ((ec = cli_open_ro(argv[optind], &o, &r)) != 0)
		return ec;
	npk_error err = {0};
	/* paths alone need no metadata: it is left undecoded and unchecked */
	npk_reader_set_meta(r, o.json || o.longfmt);
	npk_info in;
	npk_reader_info(r, &in);
	list_ctx l = {r, &err, 0, in.edition > 0 || o.chain.all};
	int rc = o.json ? list_json_all(r, argv[optind], l.chain, &err)
	                : npk_reader_list(r, o.longfmt ? list_long : list_plain, &l, &err);
	npk_reader_free(r);
	if (fflush(stdout) != 0 && rc == NPK_OK) {
		cli_warn("standard output: write error");
		return EXIT_USAGE;
	}
	return rc == NPK_OK ? 0 : cli_fail(&err);
}

/* ---- info ---- */

static void info_help(FILE *f)
{
	fprintf(f,
	        "Usage: newspack info [-p PUBKEY] [--json] [--allow-untrusted]\n"
	        "                     [--chain FILE]... [--at EDITION|DATE] ARCHIVE\n"
	        "\n"
	        "Shows the archive's metadata, creation time, signer, counts and sizes. Reads\n"
	        "the header, the signed manifest and the tables, not the documents. Given an\n"
	        "edition, also shows its chain: each edition's file, date, entries and signer\n"
	        "(the counts above are those of the edition read).\n"
	        "\n" CLI_TRUST_HELP CLI_KEY_HELP
	        "  --json              as JSON\n"
	        "  --allow-untrusted   show an archive signed by a key that is not trusted\n"
	        CLI_CHAIN_HELP);
}

/* What info shows, formatted once for both printers. */
typedef struct info_view {
	npk_reader *r;
	int chain_rc;             /* the first edition that could not be opened */
	const char *archive;
	npk_info in;
	char id[17], when[40], signer[65], fp[NPK_FINGERPRINT_LEN], root[65];
	double ratio;             /* archive size over content size */
	/* an edition: the entries and bytes of the chain's files that could
	 * be read (in.documents and in.file_size are its own file's) */
	uint64_t chain_entries, chain_bytes;
	uint32_t chain_files;
	/* 15.7 "Shared bytes": entries whose content was stored before */
	uint64_t dedup_docs, dedup_bytes;
	int dedup_known;          /* the walk read every entry */
} info_view;

/* The stream bytes [start, end) covered by the extents of a file's entries
 * read so far: sorted, disjoint runs that do not touch (one while extents
 * come in increasing order, one per interleaved stretch otherwise). */
typedef struct cover_run {
	uint64_t start, end;
} cover_run;
typedef struct cover {
	cover_run *v;
	size_t n, cap;
} cover;

/* The first run of c that ends at or after s (c->n: none). */
static size_t cover_at(const cover *c, uint64_t s)
{
	size_t lo = 0, hi = c->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (c->v[mid].end < s)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Whether stream offset s lies in a run: only the first run that ends at
 * or after s can hold it (the runs neither overlap nor touch). */
static int cover_holds(const cover *c, uint64_t s)
{
	size_t i = cover_at(c, s);
	return i < c->n && c->v[i].start <= s && s < c->v[i].end;
}

/* Adds [s, t) to c, merged with the runs it touches or overlaps. Returns
 * -1 when out of memory. */
static int cover_put(cover *c, uint64_t s, uint64_t t)
{
	size_t i = cover_at(c, s), j = i;
	while (j < c->n && c->v[j].start <= t)
		j++;
	if (j > i) { /* runs i .. j - 1 become one */
		c->v[i].start = c->v[i].start < s ? c->v[i].start : s;
		c->v[i].end = c->v[j - 1].end > t ? c->v[j - 1].end : t;
		memmove(c->v + i + 1, c->v + j, (c->n - j) * sizeof *c->v);
		c->n -= j - i - 1;
		return 0;
	}
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 4;
		cover_run *v = realloc(c->v, cap * sizeof *v);
		if (v == NULL)
			return -1;
		c->v = v;
		c->cap = cap;
	}
	memmove(c->v + i + 1, c->v + i, (c->n - i) * sizeof *c->v);
	c->v[i] = (cover_run){s, t};
	c->n++;
	return 0;
}

/* 15.7 "Shared bytes": the walk that counts the entries whose content was
 * stored before: those of ref_kind 1, and those of ref_kind 0 whose extent
 * starts inside the bytes covered by the earlier entries of the same file
 * (whatever order the writer stored the first copies in). */
typedef struct dedup_walk {
	npk_reader *r;
	cover *file;              /* per edition: its entries' extents so far */
	uint32_t files;
	uint64_t docs, bytes;
} dedup_walk;

static int info_dedup_one(const npk_entry *e, void *ctx)
{
	dedup_walk *d = ctx;
	if (e->size == 0 || (e->kind != NPK_KIND_DOCUMENT && e->kind != NPK_KIND_SYMLINK))
		return 0;
	if (e->ref_kind != 0) {
		d->docs++;
		d->bytes += e->size;
		return 0;
	}
	uint64_t at;
	npk_error err = {0};
	if (e->ref_edition >= d->files || npk_reader_stream_offset(d->r, e, &at, &err) != NPK_OK)
		return 1;
	cover *c = &d->file[e->ref_edition];
	if (cover_holds(c, at)) {
		d->docs++;
		d->bytes += e->size;
	}
	return cover_put(c, at, at + e->size) != 0;
}

/* What deduplication saved in the state read: one walk of the index. */
static void info_dedup(info_view *v)
{
	npk_error err = {0};
	dedup_walk d = {.r = v->r, .files = v->in.edition + 1};
	d.file = calloc(d.files, sizeof *d.file);
	if (d.file == NULL)
		return;
	npk_reader_set_meta(v->r, 0);
	v->dedup_known = npk_reader_list(v->r, info_dedup_one, &d, &err) == NPK_OK;
	v->dedup_docs = d.docs;
	v->dedup_bytes = d.bytes;
	for (uint32_t i = 0; i < d.files; i++)
		free(d.file[i].v);
	free(d.file);
}

/* 15.15: the chain of an edition, one line (or object) per edition; an
 * edition whose file cannot be opened is named, and remembered. */
static int info_edition(info_view *v, uint32_t e, npk_edition_info *ei, npk_error *err)
{
	int rc = npk_reader_edition(v->r, e, ei, err);
	if (rc != NPK_OK && v->chain_rc == NPK_OK)
		v->chain_rc = rc == NPK_E_NOTFOUND ? NPK_E_FORMAT : rc;
	return rc;
}

/* The chain's totals, over the files that can be read. */
static void info_chain_totals(info_view *v)
{
	for (uint32_t e = 0; e <= v->in.edition; e++) {
		npk_edition_info ei;
		npk_error err = {0};
		if (npk_reader_edition(v->r, e, &ei, &err) != NPK_OK)
			continue;
		v->chain_files++;
		v->chain_entries += ei.entries;
		v->chain_bytes += ei.file_size;
	}
}

/* An edition's own counts are not the chain's: both are said (the
 * state's own count needs a listing). */
static void info_chain_sizes(const info_view *v, const char *a, const char *b)
{
	const npk_info *in = &v->in;
	char c[32];
	cli_size(v->chain_bytes, c, sizeof c);
	printf("Entries:       %llu in this file (edition %u); %llu in the chain's %u files",
	       (unsigned long long)in->documents, in->edition,
	       (unsigned long long)v->chain_entries, in->edition + 1);
	if (v->chain_files <= in->edition)
		printf(" (the %u that could be read)", v->chain_files);
	printf("\n");
	printf("Content:       %s (%llu bytes) stored in this file\n", a,
	       (unsigned long long)in->bytes);
	printf("File size:     %s (%llu bytes); the chain's files: %s (%llu bytes)\n", b,
	       (unsigned long long)in->file_size, c, (unsigned long long)v->chain_bytes);
}

static void info_chain_text(info_view *v)
{
	char h[65];
	cli_hex(v->in.base_digest, 32, h);
	printf("Edition:       %u of a chain (the state at edition %u)\n", v->in.edition,
	       v->in.at_edition);
	printf("Chain:         %s (the base's manifest digest)\n", h);
	for (uint32_t e = 0; e <= v->in.edition; e++) {
		npk_edition_info ei;
		npk_error err = {0};
		char when[40], id[17];
		if (info_edition(v, e, &ei, &err) != NPK_OK) {
			printf("  e%-4u  %s\n", e, cli_show_msg(err.msg));
			continue;
		}
		cli_time(ei.created, when, sizeof when);
		npk_keyid_format(ei.key_id, id);
		printf("  e%-4u  %s  %s  %llu %s  key %s%s\n", e, cli_show(ei.file), when,
		       (unsigned long long)ei.entries, ei.entries == 1 ? "entry" : "entries", id,
		       ei.rotated ? " (rotated)" : "");
	}
}

static void info_chain_json(info_view *v, json_t *j)
{
	char h[65];
	json_object_set_new(j, "edition", json_integer(v->in.edition));
	json_object_set_new(j, "at_edition", json_integer(v->in.at_edition));
	cli_hex(v->in.base_digest, 32, h);
	json_object_set_new(j, "base_digest", json_string(h));
	cli_hex(v->in.manifest_digest, 32, h);
	json_object_set_new(j, "manifest_digest", json_string(h));
	json_t *a = json_array();
	for (uint32_t e = 0; e <= v->in.edition; e++) {
		npk_edition_info ei;
		npk_error err = {0};
		char when[40], id[17];
		if (info_edition(v, e, &ei, &err) != NPK_OK) {
			json_array_append_new(a, json_pack("{s:I, s:s}", "edition", (json_int_t)e, "error",
			                                   err.msg));
			continue;
		}
		cli_time(ei.created, when, sizeof when);
		npk_keyid_format(ei.key_id, id);
		cli_hex(ei.manifest_digest, 32, h);
		json_array_append_new(a, json_pack("{s:I, s:s, s:s, s:I, s:I, s:I, s:s, s:b, s:s}",
		                                   "edition", (json_int_t)e, "file", ei.file, "created",
		                                   when, "entries", (json_int_t)ei.entries, "tree_size",
		                                   (json_int_t)ei.tree_size, "file_size",
		                                   (json_int_t)ei.file_size, "key_id", id, "rotated",
		                                   ei.rotated, "manifest_digest", h));
	}
	json_object_set_new(j, "chain", a);
	/* the files that could be read: "documents" and "archive_bytes" are this file's */
	json_object_set_new(j, "chain_entries", json_integer((json_int_t)v->chain_entries));
	json_object_set_new(j, "chain_file_bytes", json_integer((json_int_t)v->chain_bytes));
}

static void info_json(info_view *v)
{
	const npk_info *in = &v->in;
	json_t *j = json_pack("{s:s, s:s, s:s, s:I}", "archive", v->archive, "format", "npk",
	                      "created", v->when, "created_unix", (json_int_t)in->created);
	char ver[16];
	snprintf(ver, sizeof ver, "%u.%u", in->version_major, in->version_minor);
	json_object_set_new(j, "format_version", json_string(ver));
	json_object_set_new(j, "key_id", json_string(v->id));
	json_object_set_new(j, "fingerprint", json_string(v->fp));
	json_object_set_new(j, "signer_public_key", json_string(v->signer));
	json_object_set_new(j, "trusted", json_boolean(in->trusted));
	json_object_set_new(j, "trusted_comment", json_string(in->comment));
	json_object_set_new(j, "sealed", in->sealed == 0 ? json_false()
	                    : json_string(in->sealed == 1 ? "closed" : "opened"));
	/* a sealed archive not opened: its counts and sizes are hidden (null) */
	json_object_set_new(j, "documents", in->sealed == 1 ? json_null()
	                    : json_integer((json_int_t)in->documents));
	json_object_set_new(j, "content_bytes", in->sealed == 1 ? json_null()
	                    : json_integer((json_int_t)in->bytes));
	json_object_set_new(j, "archive_bytes", json_integer((json_int_t)in->file_size));
	json_object_set_new(j, "ratio", json_real(v->ratio));
	json_object_set_new(j, "clusters", json_integer((json_int_t)in->clusters));
	json_object_set_new(j, "index_pages", json_integer((json_int_t)in->pages));
	json_object_set_new(j, "dedup_documents", v->dedup_known
	                    ? json_integer((json_int_t)v->dedup_docs) : json_null());
	json_object_set_new(j, "dedup_bytes", v->dedup_known
	                    ? json_integer((json_int_t)v->dedup_bytes) : json_null());
	json_object_set_new(j, "merkle_root", in->tree ? json_string(v->root) : json_null());
	json_object_set_new(j, "tree_size", in->tree ? json_integer((json_int_t)in->tree_size)
	                                              : json_null());
	json_object_set_new(j, "metadata", cli_meta_json(in->meta));
	if (in->edition > 0)
		info_chain_json(v, j);
	cli_json_print(j);
}

static void info_text(info_view *v)
{
	const npk_info *in = &v->in;
	char a[32], b[32];
	cli_size(in->bytes, a, sizeof a);
	cli_size(in->file_size, b, sizeof b);
	printf("Archive:       %s\n", v->archive);
	printf("Format:        npk %u.%u\n", in->version_major, in->version_minor);
	printf("Created:       %s\n", v->when);
	if (in->trusted)
		printf("Signed by:     key %s (trusted)\n", v->id);
	else
		printf("Signed by:     a key claiming to be key %s (NOT trusted)\n", v->id);
	printf("Fingerprint:   %s\n", v->fp);
	if (in->sealed == 1) {
		printf("Sealed:        yes; documents, paths, sizes and metadata are hidden (read it\n"
		       "               with a recipient's key: -k KEY, or --passphrase-file F)\n");
		printf("Archive size:  %s (%llu bytes)\n", b, (unsigned long long)in->file_size);
	} else if (in->edition > 0) {
		info_chain_sizes(v, a, b);
	} else {
		if (in->sealed == 2)
			printf("Sealed:        yes, opened with the key given\n");
		printf("Documents:     %llu\n", (unsigned long long)in->documents);
		printf("Content:       %s (%llu bytes)\n", a, (unsigned long long)in->bytes);
		printf("Archive size:  %s (%llu bytes, %.1f%% of the content)\n", b,
		       (unsigned long long)in->file_size, 100.0 * v->ratio);
	}
	if (v->dedup_known && v->dedup_docs > 0) {
		cli_size(v->dedup_bytes, a, sizeof a);
		printf("Deduplicated:  %llu %s the content of another, stored once (%s not stored "
		       "again)\n", (unsigned long long)v->dedup_docs,
		       v->dedup_docs == 1 ? "document has" : "documents have", a);
	} else if (v->dedup_known) {
		printf("Deduplicated:  none (no two documents share a content)\n");
	}
	printf("Clusters:      %llu\n", (unsigned long long)in->clusters);
	printf("Index pages:   %llu\n", (unsigned long long)in->pages);
	if (in->tree)
		printf("Merkle root:   %s (%llu %s: per-article proofs)\n", v->root,
		       (unsigned long long)in->tree_size, in->tree_size == 1 ? "leaf" : "leaves");
	else if (in->version_minor >= 1)
		printf("Merkle root:   none (no per-article proofs)\n");
	for (size_t i = 0; i < npk_meta_count(in->meta); i++) {
		const char *k, *val;
		npk_meta_get(in->meta, i, &k, &val);
		printf("%c%s:%*s%s\n", k[0] >= 'a' && k[0] <= 'z' ? k[0] - 32 : k[0], cli_show(k + 1),
		       (int)(strlen(k) < 14 ? 14 - strlen(k) : 1), "", cli_show(val));
	}
	if (in->edition > 0)
		info_chain_text(v);
}

int cmd_info(int argc, char **argv)
{
	cli_ropts o;
	int ec = cli_parse_ropts(argc, argv, "info", RO_PUBKEY | RO_JSON | RO_UNTRUSTED | RO_CHAIN |
	                         RO_KEY, info_help, &o);
	if (ec >= 0)
		return ec;
	o.closed_ok = 1;          /* 15.17: what a sealed archive shows without a key */
	if (argc - optind != 1)
		return cli_usage_error("info", "need exactly one ARCHIVE");
	npk_reader *r = NULL;
	if ((ec = cli_open_ro(argv[optind], &o, &r)) != 0)
		return ec;
	info_view v = {0};
	v.r = r;
	v.chain_rc = NPK_OK;
	v.archive = argv[optind];
	npk_reader_info(r, &v.in);
	npk_keyid_format(v.in.key_id, v.id);
	npk_fingerprint_format(v.in.signer, v.fp);
	cli_time(v.in.created, v.when, sizeof v.when);
	cli_hex(v.in.signer, 32, v.signer);
	cli_hex(v.in.tree_root, 32, v.root);
	v.ratio = v.in.bytes ? (double)v.in.file_size / (double)v.in.bytes : 0;
	if (v.in.edition > 0)
		info_chain_totals(&v);
	info_dedup(&v);
	if (o.json)
		info_json(&v);
	else
		info_text(&v);
	npk_reader_free(r);
	/* an edition that could not be opened was shown: the chain is damaged */
	return v.chain_rc == NPK_OK ? 0 : cli_exit_code(v.chain_rc);
}

/* ---- cat ---- */

static void cat_help(FILE *f)
{
	fprintf(f,
	        "Usage: newspack cat [-p PUBKEY] [--allow-untrusted] [--chain FILE]...\n"
	        "                    [--at EDITION|DATE] ARCHIVE PATH\n"
	        "\n"
	        "Writes one document to standard output, byte for byte. Reads the index page\n"
	        "and the cluster that hold it, and checks their digests and the document's own\n"
	        "before writing anything. A symbolic link gives its target, as stored (no line\n"
	        "break is added). An empty folder or a withdrawn document has no content: cat\n"
	        "says so and exits 2, as for a path the archive does not hold. Given an\n"
	        "edition, writes the path's newest version in its chain.\n"
	        "\n" CLI_TRUST_HELP CLI_KEY_HELP
	        "  --allow-untrusted   read an archive signed by a key that is not trusted\n"
	        CLI_CHAIN_HELP);
}

static int sink_stdout(const uint8_t *buf, size_t len, void *ctx)
{
	(void)ctx;
	return fwrite(buf, 1, len, stdout) == len ? 0 : NPK_E_IO;
}

/* Writes the document at path to standard output: a link's target too;
 * a folder or a withdrawn document is an error (15.7). */
static int cat_doc(npk_reader *r, const char *archive, const char *path, npk_error *err)
{
	const npk_entry *e = NULL;
	int rc = npk_reader_find(r, path, &e, err);
	if (rc != NPK_OK)
		return rc;
	if (e->kind == NPK_KIND_FOLDER || e->kind == NPK_KIND_WITHDRAWN) {
		err->code = NPK_E_NOTFOUND;
		snprintf(err->msg, sizeof err->msg, "%s: %s: %s", archive, path,
		         e->kind == NPK_KIND_FOLDER ? "is an empty folder, not a document"
		                                    : "was withdrawn: the archive holds no content for it");
		return err->code;
	}
	rc = npk_reader_read(r, e, sink_stdout, NULL, err);
	/* the sink's failure comes back as its code alone */
	if (rc == NPK_E_IO && err->msg[0] == 0) {
		err->code = rc;
		snprintf(err->msg, sizeof err->msg, "standard output: write error");
	}
	return rc;
}

int cmd_cat(int argc, char **argv)
{
	cli_ropts o;
	int ec = cli_parse_ropts(argc, argv, "cat", RO_PUBKEY | RO_UNTRUSTED | RO_CHAIN | RO_KEY, cat_help,
	                         &o);
	if (ec >= 0)
		return ec;
	if (argc - optind != 2)
		return cli_usage_error("cat", "need ARCHIVE and PATH");
	npk_reader *r = NULL;
	if ((ec = cli_open_ro(argv[optind], &o, &r)) != 0)
		return ec;
	npk_error err = {0};
	int rc = cat_doc(r, argv[optind], argv[optind + 1], &err);
	npk_reader_free(r);
	if (rc == NPK_OK && fflush(stdout) != 0) {
		cli_warn("standard output: write error");
		return EXIT_USAGE;
	}
	return rc == NPK_OK ? 0 : cli_fail(&err);
}

/* ---- extract ---- */

static void extract_help(FILE *f)
{
	fprintf(f,
	        "Usage: newspack extract [-p PUBKEY] [-C DIR] [-j N] [--force] [--no-mtime]\n"
	        "                        [--symlinks] [--allow-untrusted] [-q] [-v]\n"
	        "                        [--chain FILE]... [--at EDITION|DATE]\n"
	        "                        ARCHIVE [PATH...]\n"
	        "\n"
	        "Writes documents under DIR (default: the current folder), all of them or the\n"
	        "PATHs named (a folder path selects everything under it). Each file is written\n"
	        "unnamed (or under a temporary name), checked against its digest, and only then\n"
	        "given its name, so no file ever has its name with partial content.\n"
	        "Nothing is written outside DIR: no '..', absolute path or symbolic link is\n"
	        "followed. Existing files are never overwritten without --force, and a conflict\n"
	        "is reported before anything is written.\n"
	        "Empty folders are made. Withdrawn documents are not written (a note names\n"
	        "each). Symbolic links are written only with --symlinks, and only when the\n"
	        "target is relative and stays under DIR (spec/format.md 15.7); every other\n"
	        "link is skipped with a warning, and the summary counts them.\n"
	        "Damage does not stop it: every document whose digest checks out is written;\n"
	        "each damaged one (and a damaged cluster or index page) is named on standard\n"
	        "output as verify names it, is not written, and the exit code is 1. Damage in\n"
	        "the header, manifest or tables still stops it before anything is written.\n"
	        "Given an edition, writes its chain's state (each path's newest version).\n"
	        "\n" CLI_TRUST_HELP CLI_KEY_HELP
	        "  -C DIR              extract under DIR (made with its parents if missing)\n"
	        "  --force             replace existing files\n"
	        "  --no-mtime          leave the files' times and execute permission as written\n"
	        "                      (by default: file.mtime and file.executable, if stored)\n"
	        "  --symlinks          write symbolic links whose target stays under DIR\n"
	        "  --allow-untrusted   extract an archive signed by a key that is not trusted\n"
	        "  -j N                with 2 or more (the default on a multi-core machine),\n"
	        "                      files are created and written on a second thread while\n"
	        "                      this one reads and checks; -j 1 does all on one thread\n"
	        "  -q                  no progress, no summary and no DAMAGED lines\n"
	        "  -v                  name each document as it is written (on stderr)\n"
	        CLI_CHAIN_HELP
	        "\n"
	        "Exit codes: 0 all written; 1 bad signature or damaged data (every intact\n"
	        "document is written all the same); 2 usage or I/O error, a file in the way,\n"
	        "or parts this reader cannot decode; 3 signed by a key that is not trusted.\n");
}

/* What extract did with entries other than documents (notice). */
typedef struct extract_tally {
	cli_progress prog;        /* first: the options' ctx serves every callback */
	int quiet;
	uint64_t folders, links, skipped, withdrawn;
	uint64_t problems;        /* damage reported (extract_damaged) */
	vctx v;                   /* to print it as verify does */
} extract_tally;

static void extract_notice(const npk_entry *e, const char *why, void *ctx)
{
	extract_tally *t = ctx;
	if (why == NULL) {
		*(e->kind == NPK_KIND_FOLDER ? &t->folders : &t->links) += 1;
		return;
	}
	cli_progress_done(&t->prog);
	if (e->kind == NPK_KIND_WITHDRAWN) {
		t->withdrawn++;
		if (!t->quiet)
			fprintf(stderr, "note: %s: withdrawn, not written\n", cli_show(e->path));
		return;
	}
	t->skipped++;
	cli_warn("%s: symbolic link not written: %s", cli_show(e->path), why);
}

/* A damaged page, cluster or document, not written: named on stdout as
 * verify names it (spec/format.md 11, on_damage = CONTINUE). */
static void extract_damaged(const npk_problem *p, void *ctx)
{
	extract_tally *t = ctx;
	t->problems++;
	text_problem(&t->v, p);
}

/* Whether extract's rc is damage it went on past, every intact document
 * written (not a failure that stopped it). */
static int extract_damage(int rc, const extract_tally *t)
{
	return t->problems > 0 && (rc == NPK_E_DIGEST || rc == NPK_E_FORMAT || rc == NPK_E_VERSION ||
	                           rc == NPK_E_LIMIT);
}

/* "extracted 3 documents, 1 folder and 2 symbolic links to DIR", and the
 * links skipped. */
static void extract_summary(const extract_tally *t, uint64_t n, const char *dir)
{
	fprintf(stderr, "extracted %llu %s", (unsigned long long)n, cli_s(n, "document", "documents"));
	if (t->folders)
		fprintf(stderr, "%s%llu %s", t->links ? ", " : " and ", (unsigned long long)t->folders,
		        cli_s(t->folders, "empty folder", "empty folders"));
	if (t->links)
		fprintf(stderr, " and %llu %s", (unsigned long long)t->links,
		        cli_s(t->links, "symbolic link", "symbolic links"));
	fprintf(stderr, " to %s\n", dir);
	if (t->skipped)
		fprintf(stderr, "%llu %s skipped (see above)\n", (unsigned long long)t->skipped,
		        cli_s(t->skipped, "symbolic link", "symbolic links"));
}

int cmd_extract(int argc, char **argv)
{
	cli_ropts o;
	int ec = cli_parse_ropts(argc, argv, "extract",
	                         RO_PUBKEY | RO_DIR | RO_FORCE | RO_UNTRUSTED | RO_QUIET | RO_KEY |
	                         RO_VERBOSE | RO_THREADS | RO_NO_MTIME | RO_SYMLINKS | RO_CHAIN,
	                         extract_help, &o);
	if (ec >= 0)
		return ec;
	if (argc - optind < 1)
		return cli_usage_error("extract", "need an ARCHIVE");
	npk_reader *r = NULL;
	if ((ec = cli_open_ro(argv[optind], &o, &r)) != 0)
		return ec;
	npk_reader_set_threads(r, o.threads);
	npk_info in;
	npk_reader_info(r, &in);
	extract_tally t = {.quiet = o.quiet};
	t.v.archive = argv[optind];
	t.v.quiet = o.quiet;
	t.v.prog = &t.prog;
	cli_progress_init(&t.prog, "extracting", in.documents, o.quiet);
	cli_progress_verbose(&t.prog, o.verbose && !o.quiet);
	/* -C DIR: made with its parents when missing, as unzip -d does */
	npk_extract_opts xo = {o.force, cli_progress_cb, &t, &cli_interrupted, 1, o.no_mtime,
	                       o.symlinks, extract_notice, extract_damaged};
	int made = access(o.dir, F_OK) != 0 && errno == ENOENT;
	cli_catch_signals();
	npk_error err = {0};
	uint64_t n = 0;
	int npaths = argc - optind - 1;
	int rc = npk_extract(r, o.dir, npaths ? (const char *const *)argv + optind + 1 : NULL,
	                     (size_t)npaths, &xo, &n, &err);
	cli_progress_done(&t.prog);
	npk_reader_free(r);
	if (made && o.verbose && !o.quiet && access(o.dir, F_OK) == 0)
		fprintf(stderr, "created folder %s\n", o.dir);
	if (extract_damage(rc, &t)) {
		/* the DAMAGED lines, then what was written, then the count not written */
		fflush(stdout);
		if (!o.quiet)
			extract_summary(&t, n, o.dir);
		return cli_fail(&err);
	}
	if (rc != NPK_OK) {
		ec = cli_fail(&err);
		if (n)
			cli_warn("%llu documents were extracted before the error", (unsigned long long)n);
		return ec;
	}
	if (!o.quiet)
		extract_summary(&t, n, o.dir);
	return 0;
}
