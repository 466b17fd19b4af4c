/*
 * cmd_merge.c - newspack merge (spec/format.md 15.16): one archive from
 * archives packed side by side, or from the files of a chain.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void merge_help(FILE *f)
{
	fprintf(f,
	        "Usage: newspack merge [OPTIONS] OUT.npk INPUT.npk...\n"
	        "\n"
	        "Writes OUT.npk, one signed archive holding every document of the INPUTs: archives\n"
	        "packed side by side (shares of a corpus packed on several machines), or the\n"
	        "newest file of a chain of editions, whose state becomes one file (compaction).\n"
	        "Each INPUT is checked first (signature, tables, index); compressed clusters\n"
	        "whose bytes all stay are copied as they are, checked against the INPUT's signed\n"
	        "digests, and only the other documents are decoded, checked and compressed again.\n"
	        "OUT.npk gets a new Merkle tree (proofs of the INPUTs still check against the\n"
	        "INPUTs) and is signed with -s's key.\n"
	        "\n"
	        "A path held by several INPUTs with the same kind, content, media type and\n"
	        "metadata is written once. A path they hold differently is refused unless\n"
	        "--prefer names the INPUT that wins. A path withdrawn in an INPUT's chain is\n"
	        "refused unless --drop-withdrawn: a single archive cannot record a withdrawal.\n"
	        "Nothing is written when anything is refused.\n"
	        "\n"
	        "  -s SECKEY            secret key to sign OUT.npk (default %s)\n"
	        "  --passphrase-file F  read the key's passphrase from F's first line\n"
	        "  -p PUBKEY            trust INPUTs signed by this key (default: every key in\n"
	        "                       the trusted folder); INPUTs signed by -s's key are trusted\n"
	        "  --allow-untrusted    merge INPUTs whose signer is not trusted\n"
	        "  --prefer INPUT       INPUT wins the paths held differently; repeat: the first\n"
	        "                       named wins over the later ones\n"
	        "  --drop-withdrawn     leave out the paths an INPUT's chain withdrew, and their\n"
	        "                       bytes: for when they must really be gone (then destroy\n"
	        "                       the old files yourself: merge never changes them)\n"
	        "  --chain FILE         an earlier file of an INPUT's chain, when it is not beside\n"
	        "                       the INPUT under the name its link gives; repeat\n"
	        "  --meta KEY=VALUE     archive metadata (default: the first INPUT's)\n"
	        "  --timestamp T        as create (default: $SOURCE_DATE_EPOCH, else now)\n"
	        "  --codec zlib|zstd    of the clusters compressed again (default: the first\n"
	        "                       INPUT's); clusters of another codec are recompressed\n"
	        "  --level N, -j N, --parity PERCENT, --no-copies, --no-dedup, --search-index: as\n"
	        "                       create\n"
	        "  --force              replace OUT.npk when it is a newspack archive that is none\n"
	        "                       of the INPUTs' files\n"
	        "  --json               print the summary as JSON\n"
	        "  -q                   no progress and no summary\n"
	        "  -k KEY               a recipient's secret key, to open sealed INPUTs (repeat;\n"
	        "                       default: the one keygen --encryption made)\n"
	        "  --input-passphrase-file F\n"
	        "                       the passphrase of sealed INPUTs, from F's first line\n"
	        "  --recipient PUBKEY   seal OUT.npk for this recipient (repeat), as create;\n"
	        "                       without it OUT.npk is not sealed, whatever the INPUTs\n"
	        "  --encrypt-passphrase-file F\n"
	        "                       seal OUT.npk for the passphrase in F's first line too\n"
	        "\n"
	        "The same INPUTs, key and timestamp give the same OUT.npk, byte for byte (not\n"
	        "sealed: sealing draws a new file key).\n"
	        "\n"
	        "Examples:\n"
	        "  newspack merge news.npk news-2024.npk news-2025.npk news-2026.npk\n"
	        "  newspack merge news-compact.npk news.e0042.npk      # a chain as one file\n"
	        "  newspack merge --prefer fixed.npk all.npk old.npk fixed.npk\n",
	        cli_shown(cli_default_seckey()));
}

#define MERGE_READER_KEEPS 16 /* clusters kept after jumps (spec/format.md 15.7) */

typedef struct mopts {
	const char *cmd;          /* "merge" or "search-index" */
	void (*help)(FILE *);
	const char *sec, *pfile, *pub;
	int quiet, json, have_time;
	npk_merge_opts opts;
	npk_chain_opts chain;
	npk_meta *meta;
	const char **prefer, **files;
	size_t nprefer, nfiles;
	/* 15.17: keys of sealed INPUTs; the recipients of a sealed OUT */
	const char **keys, **rcpt, *in_pfile, *seal_pfile;
	size_t nkeys, nrcpt;
	npk_recipient **rk;
	char *seal_pass;
	npk_keyring *ring;
} mopts;

static const struct option merge_longopts[] = {
	{"help", no_argument, NULL, 'h'},
	{"passphrase-file", required_argument, NULL, 'P'},
	{"allow-untrusted", no_argument, NULL, 'U'},
	{"prefer", required_argument, NULL, 'w'},
	{"drop-withdrawn", no_argument, NULL, 'W'},
	{"chain", required_argument, NULL, 'A'},
	{"meta", required_argument, NULL, 'm'},
	{"timestamp", required_argument, NULL, 't'},
	{"level", required_argument, NULL, 'l'},
	{"codec", required_argument, NULL, 'C'},
	{"threads", required_argument, NULL, 'j'},
	{"parity", required_argument, NULL, 'R'},
	{"no-copies", no_argument, NULL, 'K'},
	{"no-dedup", no_argument, NULL, 'D'},
	{"json", no_argument, NULL, 'O'},
	{"force", no_argument, NULL, 'f'},
	{"search-index", no_argument, NULL, 'I'},
	{"recipient", required_argument, NULL, 'Y'},
	{"encrypt-passphrase-file", required_argument, NULL, 'Z'},
	{"input-passphrase-file", required_argument, NULL, 'X'},
	{NULL, 0, NULL, 0},
};

/* --meta, --codec, --parity and numbers. -1 to go on, or an exit code. */
static int parse_value(int c, char *arg, mopts *mo)
{
	npk_create_opts *o = &mo->opts.create;
	npk_error err = {0};
	char *end, *eq;
	long v;
	switch (c) {
	case 'm':
		if ((eq = strchr(arg, '=')) == NULL || eq == arg)
			return cli_usage_error(mo->cmd, "--meta wants KEY=VALUE, not '%s'", arg);
		*eq = 0;
		return npk_meta_add(mo->meta, arg, eq + 1, &err) == NPK_OK ? -1 : cli_fail(&err);
	case 'C':
		if (strcmp(arg, "zlib") != 0 && strcmp(arg, "zstd") != 0)
			return cli_usage_error(mo->cmd, "--codec is zlib or zstd, not '%s'", arg);
		o->codec = strcmp(arg, "zlib") == 0 ? NPK_CODEC_ZLIB_ID : NPK_CODEC_ZSTD_ID;
		return -1;
	case 'R':
		o->parity = strcmp(arg, "0") == 0 ? 0 : cli_parity_arg(arg);
		if (o->parity == 0 && strcmp(arg, "0") != 0)
			return cli_usage_error(mo->cmd, "--parity takes a percentage from 0 to 100, not "
			                       "'%s'", arg);
		return -1;
	case 't':
		if (cli_parse_time(arg, &o->timestamp) != 0)
			return cli_usage_error(mo->cmd, "bad --timestamp '%s'", arg);
		mo->have_time = 1;
		return -1;
	default:
		errno = 0;
		v = strtol(arg, &end, 10);
		if (errno || *end || end == arg || v < 1 || v > 1000)
			return cli_usage_error(mo->cmd, "bad number '%s'", arg);
		if (c == 'l')
			o->level = (int)v;
		else
			o->threads = (int)v;
		return -1;
	}
}

/* -1 to go on (argv[optind] is OUT, the INPUTs follow), or an exit code. */
static int parse_merge_opts(int argc, char **argv, mopts *mo)
{
	npk_merge_opts *o = &mo->opts;
	int c, ec = -1;
	optind = 1;
	while (ec < 0 && (c = getopt_long(argc, argv, "s:p:j:k:qh", merge_longopts, NULL)) != -1) {
		switch (c) {
		case 'k': ec = cli_add_key(mo->cmd, optarg, &mo->keys, &mo->nkeys); break;
		case 'Y': ec = cli_push(mo->cmd, &mo->rcpt, &mo->nrcpt, optarg); break;
		case 'X': mo->in_pfile = optarg; break;
		case 'Z': mo->seal_pfile = optarg; break;
		case 's': mo->sec = optarg; break;
		case 'P': mo->pfile = optarg; break;
		case 'p': mo->pub = optarg; break;
		case 'U': o->allow_untrusted = 1; break;
		case 'W': o->drop_withdrawn = 1; break;
		case 'K': o->create.no_copies = 1; break;
		case 'D': o->create.no_dedup = 1; break;
		case 'I': o->create.search_index = 1; break;
		case 'O': mo->json = 1; break;
		case 'f': o->create.force = 1; break;
		case 'q': mo->quiet = 1; break;
		case 'w': ec = cli_push("merge", &mo->prefer, &mo->nprefer, optarg); break;
		case 'A': ec = cli_push("merge", &mo->files, &mo->nfiles, optarg); break;
		case 'h': mo->help(stdout); ec = 0; break;
		case 'm':
		case 'C':
		case 'R':
		case 't':
		case 'l':
		case 'j': ec = parse_value(c, optarg, mo); break;
		default: ec = cli_usage_error(mo->cmd, "bad option"); break;
		}
	}
	if (ec >= 0)
		return ec;
	if (mo->opts.create.search_index && strcmp(mo->cmd, "search-index") == 0 &&
	    argc - optind != 2)
		return cli_usage_error(mo->cmd, "need ARCHIVE and OUT.npk");
	if (argc - optind < 2)
		return cli_usage_error(mo->cmd, "need OUT.npk and at least one INPUT.npk");
	return mo->have_time ? -1 : cli_default_timestamp(&o->create);
}

static void on_chain_warn(const char *file, const char *why, void *ctx)
{
	(void)ctx;
	cli_warn("--chain %s: %s", file, why);
}

static double share(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 100.0;
}

static void print_summary(const mopts *mo, const char *out, const npk_merge_stats *s)
{
	if (mo->json) {
		json_t *j = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
		                      "s:I, s:I, s:I, s:I}",
		                      "archive", out, "inputs", (json_int_t)s->inputs, "documents",
		                      (json_int_t)s->documents, "identical", (json_int_t)s->identical,
		                      "preferred", (json_int_t)s->preferred, "withdrawn_dropped",
		                      (json_int_t)s->withdrawn_dropped, "clusters",
		                      (json_int_t)s->clusters, "clusters_copied",
		                      (json_int_t)s->clusters_copied, "clusters_in",
		                      (json_int_t)s->clusters_in, "bytes_copied",
		                      (json_int_t)s->bytes_copied, "bytes_recompressed",
		                      (json_int_t)s->bytes_recompressed, "dedup_documents",
		                      (json_int_t)s->dedup_documents, "dedup_bytes",
		                      (json_int_t)s->dedup_bytes, "bytes_out", (json_int_t)s->bytes_out,
		                      "created", (json_int_t)mo->opts.create.timestamp, "interleave",
		                      (json_int_t)s->interleave);
		json_object_set_new(j, "index_bytes", json_integer((json_int_t)s->index_bytes));
		json_object_set_new(j, "index_keys", json_integer((json_int_t)s->index_keys));
		cli_json_print(j);
		return;
	}
	if (mo->quiet)
		return;
	char a[32], b[32], d[32];
	cli_size(s->bytes_copied, a, sizeof a);
	cli_size(s->bytes_recompressed, b, sizeof b);
	cli_size(s->bytes_out, d, sizeof d);
	printf("merged %llu %s into %s: %llu entries, %s\n", (unsigned long long)s->inputs,
	       s->inputs == 1 ? "input" : "inputs", out, (unsigned long long)s->documents, d);
	printf("clusters    %llu of %llu copied as stored (%.1f%%, %s); %s of documents "
	       "compressed again\n", (unsigned long long)s->clusters_copied,
	       (unsigned long long)s->clusters, share(s->clusters_copied, s->clusters), a, b);
	if (s->identical || s->preferred || s->withdrawn_dropped)
		printf("paths       %llu held identically by several inputs, %llu won by --prefer, "
		       "%llu withdrawn left out\n", (unsigned long long)s->identical,
		       (unsigned long long)s->preferred, (unsigned long long)s->withdrawn_dropped);
	cli_size(s->dedup_bytes, a, sizeof a);
	printf("deduplicated %llu documents (the content of another: %s stored once)\n",
	       (unsigned long long)s->dedup_documents, a);
	if (s->index_bytes) {
		cli_size(s->index_bytes, a, sizeof a);
		printf("search index %llu terms, %s (%.1f%% of the archive without it)\n",
		       (unsigned long long)s->index_keys, a,
		       share(s->index_bytes, s->bytes_out - s->index_bytes));
	}
	if (s->interleave > 1)
		printf("interleave  %llu copied stretches taken in turn in path order%s\n",
		       (unsigned long long)s->interleave,
		       s->interleave > MERGE_READER_KEEPS ? "" : " (readers keep them all)");
}

/* More stretches taken in turn than newspack's reader keeps decoded: a
 * full read (verify, extract) decodes a cluster per document. */
static void warn_interleave(const npk_merge_stats *s)
{
	if (s->interleave <= MERGE_READER_KEEPS)
		return;
	cli_warn("the inputs' paths interleave: reading the merged archive in path order goes back "
	         "and forth between %llu stretches of clusters, more than the %d a reader keeps "
	         "decoded, so verify and extract decode about one cluster per document (many times "
	         "slower); split the collection by folder or year (ranges of paths) instead, or "
	         "merge at most %d such parts at a time", (unsigned long long)s->interleave,
	         MERGE_READER_KEEPS, MERGE_READER_KEEPS);
}

/* The trust set of -p (or the trusted folder), and -s's own key. */
static int merge_trust(const mopts *mo, const npk_seckey *sk, npk_trust **t)
{
	int ec = cli_load_trust(mo->pub, t);
	if (ec != 0)
		return ec;
	npk_error err = {0};
	npk_pubkey *pk = npk_seckey_pubkey(sk);
	int rc = pk == NULL ? NPK_E_NOMEM : npk_trust_add(*t, pk, &err);
	npk_pubkey_free(pk);
	if (rc == NPK_E_NOMEM && err.code == NPK_OK) {
		cli_warn("out of memory");
		return EXIT_USAGE;
	}
	return rc == NPK_OK ? 0 : cli_fail(&err);
}

static int merge_run(mopts *mo, int n, char **argv, const npk_seckey *sk)
{
	npk_merge_opts *o = &mo->opts;
	npk_trust *trust = NULL;
	int ec = merge_trust(mo, sk, &trust);
	if (ec != 0)
		return ec;
	cli_progress prog;
	cli_progress_init(&prog, "merging", 0, mo->quiet || mo->json);
	mo->chain = (npk_chain_opts){.files = mo->files, .nfiles = mo->nfiles, .warn = on_chain_warn};
	o->chain = &mo->chain;
	o->trust = trust;
	o->prefer = mo->prefer;
	o->nprefer = mo->nprefer;
	o->create.archive_meta = npk_meta_count(mo->meta) ? mo->meta : NULL;
	o->create.progress = cli_progress_cb;
	o->create.ctx = &prog;
	o->create.cancel = &cli_interrupted;
	cli_catch_signals();
	npk_merge_stats st;
	npk_error err = {0};
	const char *out = argv[0];
	int rc = npk_merge(out, (const char *const *)argv + 1, (size_t)n - 1, o, sk, &st, &err);
	cli_progress_done(&prog);
	npk_trust_free(trust);
	if (rc != NPK_OK) {
		ec = cli_fail(&err);
		if (rc == NPK_E_UNTRUSTED)
			cli_untrusted_hint();
		cli_warn("nothing was written to %s", out);
		return ec;
	}
	print_summary(mo, out, &st);
	warn_interleave(&st);
	return 0;
}

static int merge_main(int argc, char **argv, mopts *pm);

int cmd_merge(int argc, char **argv)
{
	mopts mo;
	memset(&mo, 0, sizeof mo);
	mo.cmd = "merge";
	mo.help = merge_help;
	return merge_main(argc, argv, &mo);
}

static void search_index_help(FILE *f)
{
	fprintf(f,
	        "Usage: newspack search-index [OPTIONS] ARCHIVE OUT.npk\n"
	        "\n"
	        "Writes OUT.npk: ARCHIVE with a full-text index of its documents' text and\n"
	        "metadata (spec/search.md), for newspack search. ARCHIVE is checked first\n"
	        "(signature, tables, index) and never changed; its clusters are copied as they\n"
	        "are stored, each checked against ARCHIVE's signed digests, and every document's\n"
	        "text is read (and checked) for the index. OUT.npk gets a new Merkle tree and is\n"
	        "signed with -s's key. An archive made with create --search-index needs none.\n"
	        "\n"
	        "ARCHIVE is a lone archive (or a chain's base). A chain's files are never\n"
	        "rewritten: its next edition holds the index of the whole chain, made with\n"
	        "newspack append --search-index=all PREVIOUS OUT INPUT... (an edition adds at\n"
	        "least one document).\n"
	        "\n"
	        "  -s SECKEY            secret key to sign OUT.npk (default %s)\n"
	        "  --passphrase-file F  read the key's passphrase from F's first line\n"
	        "  -p PUBKEY            trust ARCHIVE signed by this key (default: every key in\n"
	        "                       the trusted folder, and -s's key)\n"
	        "  --allow-untrusted    index an ARCHIVE whose signer is not trusted\n"
	        "  --timestamp T, --level N, -j N, --parity PERCENT, --no-copies: as create\n"
	        "  --force              replace OUT.npk when it is a newspack archive\n"
	        "  --json               print the summary as JSON\n"
	        "  -q                   no progress and no summary\n"
	        "\n"
	        "Example:\n"
	        "  newspack search-index news.npk news-searchable.npk\n"
	        "  newspack search news-searchable.npk 'harbour council'\n",
	        cli_shown(cli_default_seckey()));
}

int cmd_search_index(int argc, char **argv)
{
	mopts mo;
	memset(&mo, 0, sizeof mo);
	mo.cmd = "search-index";
	mo.help = search_index_help;
	mo.opts.create.search_index = 1;
	return merge_main(argc, argv, &mo);
}

/* search-index writes a lone archive: an edition of a chain (not its
 * base) gets its index in the chain's next edition instead, since no file
 * of a chain is rewritten and an edition adds at least one entry (spec/
 * format.md 15.15). -1 to go on, or an exit code. */
static int not_edition(const char *archive, const mopts *mo)
{
	npk_reader *r;
	int ec = cli_open(archive, mo->pub, 1, &r);
	if (ec != 0)
		return ec;
	npk_info in;
	npk_reader_info(r, &in);
	npk_reader_free(r);
	if (in.sealed) { /* spec/format.md 15.17: its index is sealed when it is made */
		cli_warn("%s is sealed: search-index does not write a sealed archive again; create it "
		         "again with --search-index and its recipients (--recipient)", cli_show(archive));
		return EXIT_USAGE;
	}
	if (in.edition == 0)
		return -1;
	cli_warn("%s is edition %u of a chain, whose files are never rewritten: put the index of the "
	         "whole chain in its next edition, with what that edition adds:\n"
	         "  newspack append --search-index=all %s OUT.npk INPUT...\n"
	         "(search then reads it for every file before it), or write one indexed archive of "
	         "the chain's state:\n  newspack merge --search-index OUT.npk %s", archive,
	         (unsigned)in.edition, archive, archive);
	return EXIT_USAGE;
}

static int merge_main(int argc, char **argv, mopts *pm)
{
	mopts mo = *pm;
	mo.meta = npk_meta_new();
	if (mo.meta == NULL)
		return EXIT_USAGE;
	npk_seckey *sk = NULL;
	int ec = parse_merge_opts(argc, argv, &mo);
	if (ec < 0 && strcmp(mo.cmd, "search-index") == 0) {
		/* ARCHIVE OUT, merge's OUT INPUT */
		char *t = argv[optind];
		argv[optind] = argv[optind + 1];
		argv[optind + 1] = t;
	}
	if (ec < 0 && strcmp(mo.cmd, "search-index") == 0)
		ec = not_edition(argv[optind + 1], &mo);
	/* 15.17: sealed INPUTs opened with -k (else the default key); OUT
	 * sealed for --recipient and --encrypt-passphrase-file */
	if (ec < 0 && (mo.nrcpt > 0 || mo.seal_pfile != NULL) &&
	    (ec = cli_sealing_load(mo.rcpt, mo.nrcpt, mo.seal_pfile, mo.quiet || mo.json,
	                           &mo.opts.create, &mo.rk, &mo.seal_pass)) == 0)
		ec = -1;
	if (ec < 0 && (ec = cli_keyring(mo.keys, mo.nkeys, mo.in_pfile, &mo.ring, NULL, NULL,
	                                NULL)) == 0) {
		mo.opts.keys = mo.ring;
		ec = -1;
	}
	if (ec < 0 && (ec = cli_load_seckey(mo.sec, mo.pfile, &sk)) == 0)
		ec = merge_run(&mo, argc - optind, argv + optind, sk);
	npk_seckey_free(sk);
	npk_keyring_free(mo.ring);
	for (size_t i = 0; mo.rk != NULL && i < mo.nrcpt; i++)
		npk_recipient_free(mo.rk[i]);
	free(mo.rk);
	cli_passphrase_free(mo.seal_pass);
	free(mo.rcpt);
	npk_meta_free(mo.meta);
	free(mo.prefer);
	free(mo.files);
	return ec;
}
