/*
 * cmd_read.c - the commands that read archives: verify, list, info, cat,
 * extract. Each opens the archive through the library, which checks the
 * signature and the digest of everything it reads before handing it over.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli.h"

/* Options shared by the reading commands. */
typedef struct ropts {
	const char *pubkey;
	const char *dir;
	const char *format;
	int json, quiet, verbose, allow_untrusted, force, longfmt;
	int threads;
} ropts;

enum { OPT_JSON = 256, OPT_ALLOW, OPT_FORCE, OPT_FORMAT };

/* Parses the options a command accepts (letters in allowed); returns -1
 * to go on, or an exit code. */
static int parse_ropts(int argc, char **argv, const char *cmd, const char *allowed,
                       void (*help)(FILE *), ropts *o)
{
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'},
		{"json", no_argument, NULL, OPT_JSON},
		{"allow-untrusted", no_argument, NULL, OPT_ALLOW},
		{"force", no_argument, NULL, OPT_FORCE},
		{"format", required_argument, NULL, OPT_FORMAT},
		{NULL, 0, NULL, 0},
	};
	memset(o, 0, sizeof *o);
	o->dir = ".";
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "p:C:j:qvlh", longopts, NULL)) != -1) {
		int ok = c == 'h' || (c == 'j' && strchr(allowed, 'J')) ||
		         (c < 256 && c != 'j' && strchr(allowed, c) != NULL) ||
		         (c == OPT_JSON && strchr(allowed, 'j')) ||
		         (c == OPT_ALLOW && strchr(allowed, 'u')) ||
		         (c == OPT_FORCE && strchr(allowed, 'f')) ||
		         (c == OPT_FORMAT && strchr(allowed, 'F'));
		if (!ok)
			return cli_usage_error(cmd, "option not accepted here");
		switch (c) {
		case 'p': o->pubkey = optarg; break;
		case 'C': o->dir = optarg; break;
		case 'q': o->quiet = 1; break;
		case 'v': o->verbose = 1; break;
		case 'l': o->longfmt = 1; break;
		case 'j': {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*end || end == optarg || v < 1 || v > 1000)
				return cli_usage_error(cmd, "bad number '%s'", optarg);
			o->threads = (int)v;
			break;
		}
		case OPT_JSON: o->json = 1; break;
		case OPT_ALLOW: o->allow_untrusted = 1; break;
		case OPT_FORCE: o->force = 1; break;
		case OPT_FORMAT: o->format = optarg; break;
		case 'h': help(stdout); return 0;
		default: return cli_usage_error(cmd, "bad option");
		}
	}
	return -1;
}

#define TRUST_HELP \
	"  -p PUBKEY           trust only this public key (default: every key in\n" \
	"                      ~/.config/newspack/trusted/, or $XDG_CONFIG_HOME/newspack/trusted/)\n"

/* ---- verify ---- */

static void verify_help(FILE *f)
{
	fprintf(f,
	        "Usage: newspack verify [-p PUBKEY] [--json] [-q] [-j N] ARCHIVE\n"
	        "\n"
	        "Checks the signature over the manifest, then every byte of the archive: the\n"
	        "layout, every index page, every cluster and the digest of every document.\n"
	        "Every damaged document is named, not just the first.\n"
	        "\n" TRUST_HELP
	        "  --json              print a JSON report (schema in newspack(1))\n"
	        "  -q                  print nothing; the exit code tells\n"
	        "  -v                  name each document as it is checked (on stderr)\n"
	        "  -j N                read and decode with N threads (default: one per core)\n"
	        "\n"
	        "Exit codes: 0 intact and signed by a trusted key; 1 bad signature or damaged\n"
	        "data; 2 usage or I/O error; 3 intact, but signed by a key that is not trusted.\n");
}

typedef struct vctx {
	const char *name;
	int json, quiet;
	json_t *problems;
	uint64_t shown;
	cli_progress *prog;       /* cleared before a problem is printed */
} vctx;

static void on_problem(const npk_problem *p, void *ctx)
{
	vctx *v = ctx;
	if (v->json) {
		json_t *o = json_pack("{s:s, s:I, s:s, s:s}", "object", p->object, "number",
		                      (json_int_t)p->number, "error", npk_strerror(p->code), "message",
		                      p->message ? p->message : "");
		if (strcmp(p->object, "document") != 0)
			json_object_set_new(o, "offset", json_integer((json_int_t)p->offset));
		if (p->path)
			json_object_set_new(o, "path", json_string(p->path));
		json_array_append_new(v->problems, o);
		return;
	}
	if (v->quiet)
		return;
	if (v->prog != NULL)
		cli_progress_done(v->prog);
	if (p->path)
		printf("DAMAGED  %s  (%s)\n", p->path, p->message);
	else if (strcmp(p->object, "layout") == 0)
		printf("DAMAGED  layout at offset %llu: %s\n", (unsigned long long)p->offset, p->message);
	else
		printf("DAMAGED  %s %llu at offset %llu: %s\n", p->object, (unsigned long long)p->number,
		       (unsigned long long)p->offset, p->message);
}

int cmd_verify(int argc, char **argv)
{
	ropts o;
	int ec = parse_ropts(argc, argv, "verify", "pjqvJ", verify_help, &o);
	if (ec >= 0)
		return ec;
	if (argc - optind != 1)
		return cli_usage_error("verify", "need exactly one ARCHIVE");
	const char *path = argv[optind];
	npk_trust *t = NULL;
	if ((ec = cli_load_trust(o.pubkey, &t)) != 0)
		return ec;
	npk_error err = {0};
	npk_reader *r = NULL;
	int rc = npk_reader_open(path, t, 1, &r, &err);
	npk_trust_free(t);
	vctx v = {path, o.json, o.quiet, json_array(), 0, NULL};
	json_t *j = json_object();
	json_object_set_new(j, "archive", json_string(path));
	if (rc != NPK_OK) {
		ec = cli_exit_code(rc);
		if (o.json) {
			json_object_set_new(j, "ok", json_false());
			json_object_set_new(j, "signature_valid", json_boolean(rc != NPK_E_SIGNATURE &&
			                                                       rc != NPK_E_FORMAT));
			json_object_set_new(j, "error", json_string(npk_strerror(rc)));
			json_object_set_new(j, "message", json_string(err.msg));
			json_object_set_new(j, "exit_code", json_integer(ec));
			json_decref(v.problems);
			cli_json_print(j);
		} else {
			json_decref(j);
			json_decref(v.problems);
			if (!o.quiet)
				printf("FAILED  %s\n", err.msg);
		}
		return ec;
	}
	npk_info info;
	npk_reader_info(r, &info);
	char id[17];
	npk_keyid_format(info.key_id, id);
	npk_verify_stats st;
	npk_reader_set_threads(r, o.threads);
	cli_progress prog;
	cli_progress_init(&prog, "verifying", info.documents, o.quiet || o.json);
	cli_progress_verbose(&prog, o.verbose && !o.quiet && !o.json);
	npk_reader_set_progress(r, cli_progress_cb, &prog);
	v.prog = &prog;
	rc = npk_reader_verify(r, on_problem, &v, &st, &err);
	cli_progress_done(&prog);
	ec = rc != NPK_OK ? cli_exit_code(rc) : info.trusted ? 0 : EXIT_UNTRUSTED;
	if (o.json) {
		json_object_set_new(j, "ok", json_boolean(ec == 0));
		json_object_set_new(j, "signature_valid", json_true());
		json_object_set_new(j, "key_id", json_string(id));
		json_object_set_new(j, "trusted", json_boolean(info.trusted));
		json_object_set_new(j, "documents", json_integer((json_int_t)st.documents));
		json_object_set_new(j, "documents_damaged", json_integer((json_int_t)st.documents_bad));
		json_object_set_new(j, "clusters", json_integer((json_int_t)st.clusters));
		json_object_set_new(j, "clusters_damaged", json_integer((json_int_t)st.clusters_bad));
		json_object_set_new(j, "pages", json_integer((json_int_t)st.pages));
		json_object_set_new(j, "pages_damaged", json_integer((json_int_t)st.pages_bad));
		json_object_set_new(j, "bytes", json_integer((json_int_t)st.bytes));
		json_object_set_new(j, "problems", v.problems);
		json_object_set_new(j, "exit_code", json_integer(ec));
		cli_json_print(j);
	} else {
		json_decref(j);
		json_decref(v.problems);
		if (!o.quiet) {
			char sz[32];
			cli_size(st.bytes, sz, sizeof sz);
			if (rc != NPK_OK)
				printf("FAILED  %s: %llu of %llu documents damaged, %llu of %llu clusters and "
				       "%llu of %llu index pages damaged\n",
				       path, (unsigned long long)st.documents_bad,
				       (unsigned long long)info.documents, (unsigned long long)st.clusters_bad,
				       (unsigned long long)st.clusters, (unsigned long long)st.pages_bad,
				       (unsigned long long)st.pages);
			else if (!info.trusted)
				printf("UNTRUSTED  %s: intact (%llu %s, %s), but signed by key %s, "
				       "which is not trusted\n",
				       path, (unsigned long long)st.documents,
				       cli_s(st.documents, "document", "documents"), sz, id);
			else
				printf("OK  %s: signature by trusted key %s; %llu %s (%s) in %llu %s and "
				       "%llu index %s, every digest matches\n",
				       path, id, (unsigned long long)st.documents,
				       cli_s(st.documents, "document", "documents"), sz,
				       (unsigned long long)st.clusters, cli_s(st.clusters, "cluster", "clusters"),
				       (unsigned long long)st.pages, cli_s(st.pages, "page", "pages"));
		}
	}
	npk_reader_free(r);
	return ec;
}

/* ---- list ---- */

static void list_help(FILE *f)
{
	fprintf(f,
	        "Usage: newspack list [-p PUBKEY] [-l | --json] [--allow-untrusted] ARCHIVE\n"
	        "\n"
	        "Lists the documents in path order, one path a line. Reads the index only,\n"
	        "checking the signature and the digest of every index page it reads.\n"
	        "\n" TRUST_HELP
	        "  -l                  long: size, media type, date and title too\n"
	        "  --json              every field and all metadata, as JSON\n"
	        "  --allow-untrusted   read an archive signed by a key that is not trusted\n");
}

static int list_plain(const npk_entry *e, void *ctx)
{
	(void)ctx;
	puts(e->path);
	return ferror(stdout) ? NPK_E_IO : 0;
}

static int list_long(const npk_entry *e, void *ctx)
{
	(void)ctx;
	const char *date = npk_meta_find(e->meta, "date");
	const char *title = npk_meta_find(e->meta, "title");
	printf("%12llu  %-22s  %-10.10s  %s%s%s\n", (unsigned long long)e->size, e->media_type,
	       date ? date : "-", e->path, title ? "  " : "", title ? title : "");
	return ferror(stdout) ? NPK_E_IO : 0;
}

static json_t *entry_json(const npk_entry *e)
{
	char hex[65];
	cli_hex(e->digest, 32, hex);
	json_t *o = json_pack("{s:s, s:I, s:s, s:s}", "path", e->path, "size", (json_int_t)e->size,
	                      "media_type", e->media_type, "blake2b_256", hex);
	json_object_set_new(o, "metadata", cli_meta_json(e->meta));
	return o;
}

static int list_json(const npk_entry *e, void *ctx)
{
	uint64_t *n = ctx;
	json_t *o = entry_json(e);
	fputs((*n)++ ? ",\n    " : "\n    ", stdout);
	json_dumpf(o, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return ferror(stdout) ? NPK_E_IO : 0;
}

int cmd_list(int argc, char **argv)
{
	ropts o;
	int ec = parse_ropts(argc, argv, "list", "pjul", list_help, &o);
	if (ec >= 0)
		return ec;
	if (argc - optind != 1)
		return cli_usage_error("list", "need exactly one ARCHIVE");
	npk_reader *r = NULL;
	if ((ec = cli_open(argv[optind], o.pubkey, o.allow_untrusted, &r)) != 0)
		return ec;
	npk_error err = {0};
	uint64_t n = 0;
	int rc;
	if (o.json) {
		/* Streamed, so memory stays flat for any number of documents. */
		json_t *a = json_string(argv[optind]);
		printf("{\n  \"archive\": ");
		json_dumpf(a, stdout, JSON_ENCODE_ANY);
		json_decref(a);
		printf(",\n  \"documents\": [");
		rc = npk_reader_list(r, list_json, &n, &err);
		printf("%s]\n}\n", n ? "\n  " : "");
	} else {
		rc = npk_reader_list(r, o.longfmt ? list_long : list_plain, NULL, &err);
	}
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
	        "Usage: newspack info [-p PUBKEY] [--json] [--allow-untrusted] ARCHIVE\n"
	        "\n"
	        "Shows the archive's metadata, creation time, signer, counts and sizes. Reads\n"
	        "the header, the signed manifest and the tables, not the documents.\n"
	        "\n" TRUST_HELP
	        "  --json              as JSON\n"
	        "  --allow-untrusted   show an archive signed by a key that is not trusted\n");
}

int cmd_info(int argc, char **argv)
{
	ropts o;
	int ec = parse_ropts(argc, argv, "info", "pju", info_help, &o);
	if (ec >= 0)
		return ec;
	if (argc - optind != 1)
		return cli_usage_error("info", "need exactly one ARCHIVE");
	npk_reader *r = NULL;
	if ((ec = cli_open(argv[optind], o.pubkey, o.allow_untrusted, &r)) != 0)
		return ec;
	npk_info in;
	npk_reader_info(r, &in);
	char id[17], when[40], signer[65];
	npk_keyid_format(in.key_id, id);
	cli_time(in.created, when, sizeof when);
	cli_hex(in.signer, 32, signer);
	double ratio = in.bytes ? (double)in.file_size / (double)in.bytes : 0;
	if (o.json) {
		json_t *j = json_pack("{s:s, s:s, s:s, s:I}", "archive", argv[optind], "format",
		                      "npk", "created", when, "created_unix", (json_int_t)in.created);
		char ver[16];
		snprintf(ver, sizeof ver, "%u.%u", in.version_major, in.version_minor);
		json_object_set_new(j, "format_version", json_string(ver));
		json_object_set_new(j, "key_id", json_string(id));
		json_object_set_new(j, "signer_public_key", json_string(signer));
		json_object_set_new(j, "trusted", json_boolean(in.trusted));
		json_object_set_new(j, "trusted_comment", json_string(in.comment));
		json_object_set_new(j, "documents", json_integer((json_int_t)in.documents));
		json_object_set_new(j, "content_bytes", json_integer((json_int_t)in.bytes));
		json_object_set_new(j, "archive_bytes", json_integer((json_int_t)in.file_size));
		json_object_set_new(j, "ratio", json_real(ratio));
		json_object_set_new(j, "clusters", json_integer((json_int_t)in.clusters));
		json_object_set_new(j, "index_pages", json_integer((json_int_t)in.pages));
		json_object_set_new(j, "metadata", cli_meta_json(in.meta));
		cli_json_print(j);
	} else {
		char a[32], b[32];
		cli_size(in.bytes, a, sizeof a);
		cli_size(in.file_size, b, sizeof b);
		printf("Archive:       %s\n", argv[optind]);
		printf("Format:        npk %u.%u\n", in.version_major, in.version_minor);
		printf("Created:       %s\n", when);
		printf("Signed by:     key %s (%s)\n", id, in.trusted ? "trusted" : "NOT trusted");
		printf("Documents:     %llu\n", (unsigned long long)in.documents);
		printf("Content:       %s (%llu bytes)\n", a, (unsigned long long)in.bytes);
		printf("Archive size:  %s (%llu bytes, %.1f%% of the content)\n", b,
		       (unsigned long long)in.file_size, 100.0 * ratio);
		printf("Clusters:      %llu\n", (unsigned long long)in.clusters);
		printf("Index pages:   %llu\n", (unsigned long long)in.pages);
		for (size_t i = 0; i < npk_meta_count(in.meta); i++) {
			const char *k, *v;
			npk_meta_get(in.meta, i, &k, &v);
			printf("%c%s:%*s%s\n", k[0] >= 'a' && k[0] <= 'z' ? k[0] - 32 : k[0], k + 1,
			       (int)(strlen(k) < 14 ? 14 - strlen(k) : 1), "", v);
		}
	}
	npk_reader_free(r);
	return 0;
}

/* ---- cat ---- */

static void cat_help(FILE *f)
{
	fprintf(f,
	        "Usage: newspack cat [-p PUBKEY] [--allow-untrusted] ARCHIVE PATH\n"
	        "\n"
	        "Writes one document to standard output, byte for byte. Reads the index page\n"
	        "and the cluster that hold it, and checks their digests and the document's own\n"
	        "before writing anything.\n"
	        "\n" TRUST_HELP
	        "  --allow-untrusted   read an archive signed by a key that is not trusted\n");
}

static int sink_stdout(const uint8_t *buf, size_t len, void *ctx)
{
	(void)ctx;
	return fwrite(buf, 1, len, stdout) == len ? 0 : NPK_E_IO;
}

int cmd_cat(int argc, char **argv)
{
	ropts o;
	int ec = parse_ropts(argc, argv, "cat", "pu", cat_help, &o);
	if (ec >= 0)
		return ec;
	if (argc - optind != 2)
		return cli_usage_error("cat", "need ARCHIVE and PATH");
	npk_reader *r = NULL;
	if ((ec = cli_open(argv[optind], o.pubkey, o.allow_untrusted, &r)) != 0)
		return ec;
	npk_error err = {0};
	const npk_entry *e = NULL;
	int rc = npk_reader_find(r, argv[optind + 1], &e, &err);
	if (rc == NPK_OK) {
		rc = npk_reader_read(r, e, sink_stdout, NULL, &err);
		if (rc == NPK_E_IO && err.msg[0] == 0)
			snprintf(err.msg, sizeof err.msg, "standard output: write error");
	}
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
	        "Usage: newspack extract [-p PUBKEY] [-C DIR] [-j N] [--force] [--allow-untrusted] ARCHIVE [PATH...]\n"
	        "\n"
	        "Writes documents under DIR (default: the current folder), all of them or the\n"
	        "PATHs named (a folder path selects everything under it). Each file is written\n"
	        "unnamed (or under a temporary name), checked against its digest, and only then\n"
	        "given its name, so no file ever has its name with partial content.\n"
	        "Nothing is written outside DIR: no '..', absolute path or symbolic link is\n"
	        "followed. Existing files are never overwritten without --force, and a conflict\n"
	        "is reported before anything is written.\n"
	        "\n" TRUST_HELP
	        "  -C DIR              extract under DIR, which must exist\n"
	        "  --force             replace existing files\n"
	        "  --allow-untrusted   extract an archive signed by a key that is not trusted\n"
	        "  -j N                with 2 or more (the default on a multi-core machine),\n"
	        "                      files are created and written on a second thread while\n"
	        "                      this one reads and checks; -j 1 does all on one thread\n"
	        "  -q                  no progress and no summary\n"
	        "  -v                  name each document as it is written (on stderr)\n");
}

int cmd_extract(int argc, char **argv)
{
	ropts o;
	int ec = parse_ropts(argc, argv, "extract", "pCfuqvJ", extract_help, &o);
	if (ec >= 0)
		return ec;
	if (argc - optind < 1)
		return cli_usage_error("extract", "need an ARCHIVE");
	npk_reader *r = NULL;
	if ((ec = cli_open(argv[optind], o.pubkey, o.allow_untrusted, &r)) != 0)
		return ec;
	npk_reader_set_threads(r, o.threads);
	npk_info in;
	npk_reader_info(r, &in);
	cli_progress prog;
	cli_progress_init(&prog, "extracting", in.documents, o.quiet);
	cli_progress_verbose(&prog, o.verbose && !o.quiet);
	npk_extract_opts xo = {o.force, cli_progress_cb, &prog, &cli_interrupted};
	cli_catch_signals();
	npk_error err = {0};
	uint64_t n = 0;
	int npaths = argc - optind - 1;
	int rc = npk_extract(r, o.dir, npaths ? (const char *const *)argv + optind + 1 : NULL,
	                     (size_t)npaths, &xo, &n, &err);
	cli_progress_done(&prog);
	npk_reader_free(r);
	if (rc != NPK_OK) {
		ec = cli_fail(&err);
		if (n)
			cli_warn("%llu documents were extracted before the error", (unsigned long long)n);
		return ec;
	}
	if (!o.quiet)
		fprintf(stderr, "extracted %llu %s to %s\n", (unsigned long long)n,
		        cli_s(n, "document", "documents"), o.dir);
	return 0;
}

/* ---- export ---- */

static void export_help(FILE *f)
{
	fprintf(f,
	        "Usage: newspack export [-p PUBKEY] [--format FORMAT] [--allow-untrusted] [-q] ARCHIVE OUT\n"
	        "\n"
	        "Verifies the whole archive, then writes its documents, byte for byte, in a\n"
	        "format other tools read. FORMAT is taken from OUT's name, or given:\n"
	        "  tar     OUT.tar: POSIX pax; each document's metadata in pax headers, as the\n"
	        "          extended attributes user.newspack.KEY (bsdtar, or tar --xattrs)\n"
	        "  tar.gz  OUT.tar.gz or OUT.tgz: the same, gzip-compressed\n"
	        "  zip     OUT.zip: each document's metadata in NAME.meta.json beside it,\n"
	        "          which newspack create reads back as metadata\n"
	        "  bagit   a BagIt 1.0 bag folder OUT (RFC 8493): data/, SHA-512 manifests,\n"
	        "          bag-info.txt from the archive's metadata, and the documents'\n"
	        "          metadata in newspack-metadata.jsonl\n"
	        "  warc    OUT.warc: WARC/1.1; a warcinfo record, then for each document a\n"
	        "          resource record (WARC-Target-URI its url, else urn:newspack:PATH)\n"
	        "          and a metadata record with its metadata as JSON\n"
	        "  warc.gz OUT.warc.gz: the same, each record a gzip member of its own\n"
	        "OUT must not exist. It is written under a temporary name beside it and\n"
	        "renamed when complete, so it never exists half-written; the same archive\n"
	        "always exports to the same bytes.\n"
	        "\n" TRUST_HELP
	        "  --allow-untrusted   export an archive signed by a key that is not trusted\n"
	        "  -q                  no progress and no summary\n"
	        "  -v                  name each document as it is checked and written (on stderr)\n");
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n > k && strcasecmp(s + n - k, suffix) == 0;
}

static void export_progress(uint64_t docs, uint64_t bytes, const char *path, void *ctx)
{
	cli_progress *p = ctx;
	p->verb = "exporting";
	cli_progress_cb(docs, bytes, path, ctx);
}

int cmd_export(int argc, char **argv)
{
	ropts o;
	int ec = parse_ropts(argc, argv, "export", "puqvF", export_help, &o);
	if (ec >= 0)
		return ec;
	if (argc - optind != 2)
		return cli_usage_error("export", "need an ARCHIVE and OUT");
	const char *out = argv[optind + 1];
	const char *fmt = o.format;
	if (fmt == NULL)
		fmt = ends_with(out, ".tar") ? "tar"
		      : ends_with(out, ".tar.gz") || ends_with(out, ".tgz") ? "tar.gz"
		      : ends_with(out, ".zip") ? "zip"
		      : ends_with(out, ".warc") ? "warc"
		      : ends_with(out, ".warc.gz") ? "warc.gz"
		      : NULL;
	if (fmt == NULL)
		return cli_usage_error("export", "cannot tell the format from '%s': give --format "
		                       "tar, tar.gz, zip, bagit, warc or warc.gz", out);
	int format = strcmp(fmt, "tar") == 0 ? NPK_EXPORT_TAR
	             : strcmp(fmt, "tar.gz") == 0 ? NPK_EXPORT_TAR_GZ
	             : strcmp(fmt, "zip") == 0 ? NPK_EXPORT_ZIP
	             : strcmp(fmt, "bagit") == 0 ? NPK_EXPORT_BAGIT
	             : strcmp(fmt, "warc") == 0 ? NPK_EXPORT_WARC
	             : strcmp(fmt, "warc.gz") == 0 ? NPK_EXPORT_WARC_GZ : 0;
	if (format == 0)
		return cli_usage_error("export", "format '%s' is not one of tar, tar.gz, zip, bagit, warc, "
		                       "warc.gz", fmt);
	npk_reader *r = NULL;
	if ((ec = cli_open(argv[optind], o.pubkey, o.allow_untrusted, &r)) != 0)
		return ec;
	npk_info in;
	npk_reader_info(r, &in);
	/* the one progress line says "verifying", then "exporting" */
	cli_progress prog;
	cli_progress_init(&prog, "verifying", in.documents, o.quiet);
	cli_progress_verbose(&prog, o.verbose && !o.quiet);
	npk_reader_set_progress(r, cli_progress_cb, &prog);
	npk_export_opts xo = {export_progress, &prog, &cli_interrupted};
	cli_catch_signals();
	npk_error err = {0};
	uint64_t n = 0;
	int rc = npk_export(r, out, format, &xo, &n, &err);
	cli_progress_done(&prog);
	npk_reader_free(r);
	if (rc != NPK_OK)
		return cli_fail(&err);
	if (!o.quiet)
		fprintf(stderr, "exported %llu %s to %s (%s)\n", (unsigned long long)n,
		        cli_s(n, "document", "documents"), out, fmt);
	return 0;
}
