/*
 * cmd_export.c - newspack export: verify an archive, then write its
 * documents as tar, tar.gz, zip, a BagIt bag, WARC or WARC.gz.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

static void export_help(FILE *f)
{
	fprintf(f,
	        "Usage: newspack export [-p PUBKEY] [--format FORMAT] [--allow-untrusted] [-q] [-v]\n"
	        "                       [--chain FILE]... [--at EDITION|DATE] ARCHIVE OUT\n"
	        "\n"
	        "Verifies the whole archive, then writes its documents, byte for byte, in a\n"
	        "format other tools read. FORMAT is taken from OUT's name, or given:\n"
	        "  tar     OUT.tar: POSIX pax; each document's metadata in pax headers, as the\n"
	        "          extended attributes user.newspack.KEY (bsdtar, or tar --xattrs)\n"
	        "  tar.gz  OUT.tar.gz or OUT.tgz: the same, gzip-compressed\n"
	        "  zip     OUT.zip: each document's metadata in NAME.meta.json beside it\n"
	        "          (newspack's own sidecar, with its media type)\n"
	        "  bagit   a BagIt 1.0 bag folder OUT (RFC 8493): data/, SHA-512 manifests,\n"
	        "          bag-info.txt from the archive's metadata, and the documents'\n"
	        "          metadata in newspack-metadata.jsonl\n"
	        "  warc    OUT.warc: WARC/1.1; a warcinfo record, then for each document a\n"
	        "          resource record (WARC-Target-URI its url, else urn:newspack:PATH)\n"
	        "          and a metadata record with its metadata as JSON; the records of\n"
	        "          an imported WARC, kept as captured, are written back as they were\n"
	        "          (in their order, byte for byte) in place of their pages\n"
	        "  warc.gz OUT.warc.gz: the same, each record a gzip member of its own\n"
	        "OUT must not exist. It is written under a temporary name beside it and\n"
	        "renamed when complete, so it never exists half-written; the same archive\n"
	        "always exports to the same bytes. newspack create of a tar or zip export\n"
	        "gives back the same metadata and media types. Given an edition, the chain's\n"
	        "state is exported: each path's newest version, withdrawn documents left out.\n"
	        "\n" CLI_TRUST_HELP CLI_KEY_HELP
	        "  --allow-untrusted   export an archive signed by a key that is not trusted\n"
	        "  -q                  no progress and no summary\n"
	        "  -v                  name each document as it is checked and written (on stderr)\n"
	        CLI_CHAIN_HELP);
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n > k && strcasecmp(s + n - k, suffix) == 0;
}

/* The format OUT's name gives, or NULL. */
static const char *format_of(const char *out)
{
	return ends_with(out, ".tar") ? "tar"
	       : ends_with(out, ".tar.gz") || ends_with(out, ".tgz") ? "tar.gz"
	       : ends_with(out, ".zip") ? "zip"
	       : ends_with(out, ".warc") ? "warc"
	       : ends_with(out, ".warc.gz") ? "warc.gz"
	       : NULL;
}

/* The NPK_EXPORT_ value of a format's name, or 0. */
static int format_id(const char *fmt)
{
	return strcmp(fmt, "tar") == 0 ? NPK_EXPORT_TAR
	       : strcmp(fmt, "tar.gz") == 0 ? NPK_EXPORT_TAR_GZ
	       : strcmp(fmt, "zip") == 0 ? NPK_EXPORT_ZIP
	       : strcmp(fmt, "bagit") == 0 ? NPK_EXPORT_BAGIT
	       : strcmp(fmt, "warc") == 0 ? NPK_EXPORT_WARC
	       : strcmp(fmt, "warc.gz") == 0 ? NPK_EXPORT_WARC_GZ : 0;
}

static void export_progress(uint64_t docs, uint64_t bytes, const char *path, void *ctx)
{
	cli_progress *p = ctx;
	p->verb = "exporting";
	cli_progress_cb(docs, bytes, path, ctx);
}

static void export_warn(const char *path, const char *why, void *ctx)
{
	(void)ctx;
	cli_warn("%s: %s", path, why);
}

int cmd_export(int argc, char **argv)
{
	cli_ropts o;
	int ec = cli_parse_ropts(argc, argv, "export",
	                         RO_PUBKEY | RO_UNTRUSTED | RO_QUIET | RO_VERBOSE | RO_FORMAT | RO_CHAIN |
	                         RO_KEY,
	                         export_help, &o);
	if (ec >= 0)
		return ec;
	if (argc - optind != 2)
		return cli_usage_error("export", "need an ARCHIVE and OUT");
	const char *out = argv[optind + 1];
	const char *fmt = o.format ? o.format : format_of(out);
	if (fmt == NULL)
		return cli_usage_error("export", "cannot tell the format from '%s': give --format "
		                       "tar, tar.gz, zip, bagit, warc or warc.gz", out);
	int format = format_id(fmt);
	if (format == 0)
		return cli_usage_error("export", "format '%s' is not one of tar, tar.gz, zip, bagit, warc, "
		                       "warc.gz", fmt);
	npk_reader *r = NULL;
	if ((ec = cli_open_ro(argv[optind], &o, &r)) != 0)
		return ec;
	npk_info in;
	npk_reader_info(r, &in);
	/* the one progress line says "verifying", then "exporting" */
	cli_progress prog;
	cli_progress_init(&prog, "verifying", in.documents, o.quiet);
	cli_progress_verbose(&prog, o.verbose && !o.quiet);
	npk_reader_set_progress(r, cli_progress_cb, &prog);
	npk_export_opts xo = {export_progress, &prog, &cli_interrupted, export_warn};
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
