/*
 * cmd_append.c - newspack append and newspack rotate (spec/format.md 15.15):
 * an edition after an archive, and the statement that lets a new key sign it.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

static void append_help(FILE *f)
{
	fprintf(f,
	        "Usage: newspack append [OPTIONS] PREVIOUS.npk OUT.npk [INPUT...]\n"
	        "\n"
	        "Writes OUT.npk, the next edition of PREVIOUS.npk's chain: a new signed file\n"
	        "holding only what is new. PREVIOUS.npk and the files before it are only read,\n"
	        "never changed; read together they show the latest state (list, cat, extract,\n"
	        "verify given the newest file). INPUTs are read as create reads them; each\n"
	        "resulting path is compared with the chain's state:\n"
	        "  added      a path the chain does not hold\n"
	        "  unchanged  same kind, content, media type and metadata: not written\n"
	        "  replaced   anything else: the new version is written; a content equal to\n"
	        "             the old version's is not stored again (referenced)\n"
	        "A content equal (digest and size) to one stored in any file of the chain, or\n"
	        "earlier in this edition, is not stored again either: the entry names that copy\n"
	        "(deduplicated; --no-dedup stores it, and reads no earlier file for it).\n"
	        "--withdraw PATH removes a path from the state (its old bytes stay in the old\n"
	        "file, and the chain records the withdrawal). When nothing is new, no file is\n"
	        "written (exit 2).\n"
	        "\n"
	        "  -s SECKEY            secret key (default %s); a key other than\n"
	        "                       PREVIOUS's signer needs --rotation\n"
	        "  --passphrase-file F  read the key's passphrase from F's first line\n"
	        "  --rotation FILE      the statement by which PREVIOUS's signer lets -s's key\n"
	        "                       sign this edition (made by newspack rotate)\n"
	        "  --withdraw PATH      withdraw PATH, a path of the chain's state; repeat for more\n"
	        "  --reason TEXT        why (stored with each withdrawal, at most 1024 bytes)\n"
	        "  --chain FILE         an earlier file of the chain, when it is not beside\n"
	        "                       PREVIOUS under the name its successor gives; repeat\n"
	        "  --fork               append after a PREVIOUS that another edition already\n"
	        "                       follows (two histories: check-chain reports the fork)\n"
	        "  --meta KEY=VALUE     archive metadata (default: PREVIOUS's)\n"
	        "  --timestamp T        as create; never before PREVIOUS's creation\n"
	        "                       (default: $SOURCE_DATE_EPOCH, else now)\n"
	        "  --cluster-size N, --codec zlib|zstd, --level N, -j N, --parity PERCENT,\n"
	        "  --no-copies, --no-dedup, --exclude PATTERN, --no-import: as create\n"
	        "  --search-index       a full-text index of this edition's documents (as create);\n"
	        "                       newspack search reads every file's index of the chain\n"
	        "  --search-index=all   an index of every current document of the chain, for a\n"
	        "                       chain whose earlier files have none (search then reads\n"
	        "                       this one for them all)\n"
	        "  --files-from LIST    more INPUTs, one a line of LIST ('-': stdin); a line\n"
	        "                       SOURCE<TAB>PATH stores SOURCE at PATH (as create)\n"
	        "  --null               LIST's records end with NUL, not a line break\n"
	        "  --force              replace OUT.npk when it is a newspack archive that is no\n"
	        "                       file of the chain (a file of the chain: never)\n"
	        "  --json               print the summary as JSON\n"
	        "  -k KEY               a recipient's secret key, to open a sealed PREVIOUS\n"
	        "                       (repeat; default: the one keygen --encryption made). The\n"
	        "                       edition is sealed as its chain: the same file key and\n"
	        "                       recipients, its own file id (spec/format.md 15.17.8)\n"
	        "  --input-passphrase-file F\n"
	        "                       open a sealed PREVIOUS with the passphrase in F\n"
	        "  --recipient PUBKEY   a recipient added to a sealed chain (repeat): a stanza for\n"
	        "                       the chain's file key, so it reads every file of the chain\n"
	        "  -q                   no progress and no summary\n"
	        "  -v                   name each document as it is read (on stderr)\n"
	        "\n"
	        "OUT.npk may be a folder: the edition is then STEM.eNNNN.npk in it (news.npk,\n"
	        "news.e0001.npk, news.e0002.npk, ...), the names by which readers find the\n"
	        "earlier files beside the newest. OUT.npk is written to a temporary file beside\n"
	        "it, synced and renamed: a killed append leaves the chain as it was.\n"
	        "\n"
	        "Example:\n"
	        "  newspack create news.npk articles/\n"
	        "  newspack append news.npk news.e0001.npk today/\n"
	        "  newspack append --withdraw 2026/12/03/wrong.html --reason \"court order\" \\\n"
	        "      news.e0001.npk news.e0002.npk\n"
	        "  newspack list news.e0002.npk      # the state: every edition's newest versions\n",
	        cli_shown(cli_default_seckey()));
}

static void rotate_help(FILE *f)
{
	fprintf(f,
	        "Usage: newspack rotate -s OLDKEY -p NEWKEY.pub PREVIOUS.npk [-o FILE]\n"
	        "\n"
	        "Writes the rotation statement (npk-rotation/v1) by which OLDKEY, the signer of\n"
	        "PREVIOUS.npk, lets NEWKEY sign the edition after it, and the ones after that.\n"
	        "It names the chain, PREVIOUS.npk and the edition number: it serves nowhere else.\n"
	        "\n"
	        "  -s OLDKEY            the secret key that signed PREVIOUS.npk\n"
	        "  --passphrase-file F  read its passphrase from F's first line\n"
	        "  -p NEWKEY.pub        the new key\n"
	        "  -o FILE              write the statement to FILE (default: standard output)\n"
	        "  --chain FILE         an earlier file of the chain; repeat\n"
	        "\n"
	        "Then:  newspack append -s NEWKEY --rotation FILE PREVIOUS.npk OUT.npk INPUT...\n");
}

/* append's options. */
typedef struct aopts {
	const char *sec, *pfile;
	int quiet, verbose, json, have_time;
	npk_append_opts opts;
	npk_chain_opts chain;
	npk_meta *meta;
	const char **exclude, **withdraw, **files;
	size_t nexclude, nwithdraw, nfiles;
	const char *list;         /* --files-from */
	int null;                 /* --null */
	cli_inputs in;            /* the INPUTs */
	/* 15.17.8: the keys that open a sealed PREVIOUS; recipients added */
	const char **keys, **rcpt, *in_pfile;
	size_t nkeys, nrcpt;
	npk_recipient **rk;
	npk_keyring *ring;
} aopts;

/* --meta, numbers and codec. Returns -1 to go on, or an exit code. */
static int parse_create_like(int c, char *arg, aopts *ao)
{
	npk_create_opts *o = &ao->opts.create;
	char *end, *eq;
	long v;
	npk_error err = {0};
	switch (c) {
	case 'm':
		if ((eq = strchr(arg, '=')) == NULL || eq == arg)
			return cli_usage_error("append", "--meta wants KEY=VALUE, not '%s'", arg);
		*eq = 0;
		return npk_meta_add(ao->meta, arg, eq + 1, &err) == NPK_OK ? -1 : cli_fail(&err);
	case 'C':
		if (strcmp(arg, "zlib") != 0 && strcmp(arg, "zstd") != 0)
			return cli_usage_error("append", "--codec is zlib or zstd, not '%s'", arg);
		o->codec = strcmp(arg, "zlib") == 0 ? NPK_CODEC_ZLIB_ID : NPK_CODEC_ZSTD_ID;
		return -1;
	case 'R':
		o->parity = strcmp(arg, "0") == 0 ? 0 : cli_parity_arg(arg);
		if (o->parity == 0 && strcmp(arg, "0") != 0)
			return cli_usage_error("append", "--parity takes a percentage from 0 to 100, not '%s'",
			                       arg);
		return -1;
	default:
		errno = 0;
		v = strtol(arg, &end, 10);
		if (errno || *end || end == arg || v < 1 || v > (c == 'c' ? 64L << 20 : 1000))
			return cli_usage_error("append", "bad number '%s'", arg);
		if (c == 'c')
			o->cluster_size = (size_t)v;
		else if (c == 'l')
			o->level = (int)v;
		else
			o->threads = (int)v;
		return -1;
	}
}

static const struct option append_longopts[] = {
	{"help", no_argument, NULL, 'h'},
	{"passphrase-file", required_argument, NULL, 'P'},
	{"rotation", required_argument, NULL, 'r'},
	{"withdraw", required_argument, NULL, 'w'},
	{"reason", required_argument, NULL, 'W'},
	{"chain", required_argument, NULL, 'A'},
	{"fork", no_argument, NULL, 'F'},
	{"meta", required_argument, NULL, 'm'},
	{"timestamp", required_argument, NULL, 't'},
	{"cluster-size", required_argument, NULL, 'c'},
	{"level", required_argument, NULL, 'l'},
	{"codec", required_argument, NULL, 'C'},
	{"threads", required_argument, NULL, 'J'},
	{"json", no_argument, NULL, 'O'},
	{"force", no_argument, NULL, 'f'},
	{"exclude", required_argument, NULL, 'x'},
	{"no-import", no_argument, NULL, 'N'},
	{"parity", required_argument, NULL, 'R'},
	{"no-copies", no_argument, NULL, 'K'},
	{"no-dedup", no_argument, NULL, 'D'},
	{"files-from", required_argument, NULL, 'T'},
	{"null", no_argument, NULL, '0'},
	{"search-index", optional_argument, NULL, 'I'},
	{"recipient", required_argument, NULL, 'Y'},
	{"input-passphrase-file", required_argument, NULL, 'X'},
	{NULL, 0, NULL, 0},
};

/* Returns -1 to go on (argv[optind] is PREVIOUS, OUT follows), or an
 * exit code. */
static int parse_append_opts(int argc, char **argv, aopts *ao)
{
	npk_append_opts *o = &ao->opts;
	int c, ec = -1;
	optind = 1;
	while (ec < 0 && (c = getopt_long(argc, argv, "s:j:k:qvh", append_longopts, NULL)) != -1) {
		switch (c) {
		case 'k': ec = cli_add_key("append", optarg, &ao->keys, &ao->nkeys); break;
		case 'Y': ec = cli_push("append", &ao->rcpt, &ao->nrcpt, optarg); break;
		case 'X': ao->in_pfile = optarg; break;
		case 's': ao->sec = optarg; break;
		case 'P': ao->pfile = optarg; break;
		case 'q': ao->quiet = 1; break;
		case 'v': ao->verbose = 1; break;
		case 'O': ao->json = 1; break;
		case 'f': o->create.force = 1; break;
		case 'N': o->create.no_import = 1; break;
		case 'K': o->create.no_copies = 1; break;
		case 'D': o->create.no_dedup = 1; break;
		case 'I':
			o->create.search_index = 1;
			if (optarg != NULL && strcmp(optarg, "all") != 0)
				ec = cli_usage_error("append", "--search-index takes no value or 'all', not "
				                     "'%s'", optarg);
			o->index_chain = optarg != NULL;
			break;
		case 'F': o->fork = 1; break;
		case 'T': ao->list = optarg; break;
		case '0': ao->null = 1; break;
		case 'r': o->rotation = optarg; break;
		case 'W': o->reason = optarg; break;
		case 'w': ec = cli_push("append", &ao->withdraw, &ao->nwithdraw, optarg); break;
		case 'x': ec = cli_push("append", &ao->exclude, &ao->nexclude, optarg); break;
		case 'A': ec = cli_push("append", &ao->files, &ao->nfiles, optarg); break;
		case 'h': append_help(stdout); ec = 0; break;
		case 't':
			if (cli_parse_time(optarg, &o->create.timestamp) != 0)
				ec = cli_usage_error("append", "bad --timestamp '%s'", optarg);
			ao->have_time = 1;
			break;
		case 'm':
		case 'C':
		case 'R':
		case 'c':
		case 'l':
		case 'j':
		case 'J': ec = parse_create_like(c, optarg, ao); break;
		default: ec = cli_usage_error("append", "bad option"); break;
		}
	}
	if (ec >= 0)
		return ec;
	if (argc - optind < 2)
		return cli_usage_error("append", "need PREVIOUS.npk and OUT.npk");
	if (argc - optind == 2 && ao->nwithdraw == 0 && ao->list == NULL)
		return cli_usage_error("append", "nothing to append: give an INPUT, --files-from LIST "
		                       "or --withdraw PATH");
	if (ao->null && ao->list == NULL)
		return cli_usage_error("append", "--null goes with --files-from");
	if (ao->list && strcmp(ao->list, "-") == 0 && ao->pfile && strcmp(ao->pfile, "-") == 0)
		return cli_usage_error("append", "--files-from - and --passphrase-file - both want stdin");
	if (o->reason != NULL && ao->nwithdraw == 0)
		return cli_usage_error("append", "--reason goes with --withdraw");
	return ao->have_time ? -1 : cli_default_timestamp(&o->create);
}

static void on_warn(const char *path, const char *why, void *ctx)
{
	(void)ctx;
	cli_warn("%s: %s", path, why);
}

static void on_chain_warn(const char *file, const char *why, void *ctx)
{
	(void)ctx;
	cli_warn("--chain %s: %s", file, why);
}

static void print_summary(const aopts *ao, const char *out, const npk_append_stats *s)
{
	if (ao->json) {
		json_t *j = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
		                      "s:I, s:I}",
		                      "archive", out, "edition", (json_int_t)s->edition, "added",
		                      (json_int_t)s->added, "replaced", (json_int_t)s->replaced,
		                      "unchanged", (json_int_t)s->unchanged, "withdrawn",
		                      (json_int_t)s->withdrawn, "referenced", (json_int_t)s->referenced,
		                      "bytes_in", (json_int_t)s->bytes_in, "bytes_stored",
		                      (json_int_t)s->bytes_stored, "bytes_out", (json_int_t)s->bytes_out,
		                      "tree_size", (json_int_t)s->tree_size, "created",
		                      (json_int_t)ao->opts.create.timestamp, "dedup_documents",
		                      (json_int_t)s->dedup_documents, "dedup_bytes",
		                      (json_int_t)s->dedup_bytes);
		cli_json_print(j);
		return;
	}
	if (ao->quiet)
		return;
	char a[32], b[32];
	cli_size(s->bytes_stored, a, sizeof a);
	cli_size(s->bytes_out, b, sizeof b);
	printf("added       %llu\n", (unsigned long long)s->added);
	printf("replaced    %llu\n", (unsigned long long)s->replaced);
	printf("unchanged   %llu (not written)\n", (unsigned long long)s->unchanged);
	printf("withdrawn   %llu\n", (unsigned long long)s->withdrawn);
	printf("referenced  %llu (content stored in an earlier edition)\n",
	       (unsigned long long)s->referenced);
	if (s->dedup_documents) {
		char d[32];
		cli_size(s->dedup_bytes, d, sizeof d);
		printf("deduplicated %llu (the content of one stored before: %s not stored again)\n",
		       (unsigned long long)s->dedup_documents, d);
	}
	printf("bytes       %s stored, file %s\n", a, b);
	printf("edition     %u (%llu leaves in the chain)\n", (unsigned)s->edition,
	       (unsigned long long)s->tree_size);
	printf("file        %s\n", out);
}

/* The path the edition went to: OUT, or STEM.eNNNN.npk in it. */
static void edition_path(const char *out, const char *previous, uint32_t e, char *buf,
                         size_t cap)
{
	size_t n = strlen(out);
	const char *slash = strrchr(previous, '/');
	const char *name = slash ? slash + 1 : previous;
	size_t sl = strlen(name);
	if (sl > 4 && strcmp(name + sl - 4, ".npk") == 0)
		sl -= 4;
	size_t d = sl;
	while (d > 0 && name[d - 1] >= '0' && name[d - 1] <= '9')
		d--;
	if (sl - d >= 4 && d >= 3 && name[d - 1] == 'e' && name[d - 2] == '.')
		sl = d - 2;
	if (n > 0 && out[n - 1] == '/')
		n--;
	snprintf(buf, cap, "%.*s/%.*s.e%04u.npk", (int)n, out, (int)sl, name, (unsigned)e);
}

static int append_run(aopts *ao, char **argv, const npk_seckey *sk)
{
	const char *previous = argv[0], *out = argv[1];
	npk_append_opts *o = &ao->opts;
	cli_progress prog;
	cli_progress_init(&prog, "appending", 0, ao->quiet || ao->json);
	cli_progress_verbose(&prog, ao->verbose && !ao->quiet);
	ao->chain = (npk_chain_opts){.files = ao->files, .nfiles = ao->nfiles,
	                             .warn = on_chain_warn};
	o->chain = &ao->chain;
	o->withdraw = ao->withdraw;
	o->nwithdraw = ao->nwithdraw;
	o->create.paths = ao->in.paths;
	o->create.exclude = ao->exclude;
	o->create.nexclude = ao->nexclude;
	o->create.archive_meta = npk_meta_count(ao->meta) ? ao->meta : NULL;
	o->create.warn = on_warn;
	o->create.progress = cli_progress_cb;
	o->create.ctx = &prog;
	o->create.cancel = &cli_interrupted;
	cli_catch_signals();
	npk_append_stats st;
	npk_error err = {0};
	int rc = npk_append(previous, out, (const char *const *)ao->in.src, ao->in.n, o, sk, &st,
	                    &err);
	cli_progress_done(&prog);
	if (rc != NPK_OK) {
		int ec = cli_fail(&err);
		cli_warn("nothing was written to %s", out);
		return ec;
	}
	struct stat sb;
	char path[4096];
	if (stat(out, &sb) == 0 && S_ISDIR(sb.st_mode))
		edition_path(out, previous, st.edition, path, sizeof path);
	else
		snprintf(path, sizeof path, "%s", out);
	print_summary(ao, path, &st);
	return 0;
}

int cmd_append(int argc, char **argv)
{
	aopts ao;
	memset(&ao, 0, sizeof ao);
	ao.meta = npk_meta_new();
	if (ao.meta == NULL)
		return EXIT_USAGE;
	npk_seckey *sk = NULL;
	int ec = parse_append_opts(argc, argv, &ao);
	if (ec >= 0)
		goto out;
	ec = cli_gather_inputs("append", &ao.in, argv + optind + 2, (size_t)(argc - optind - 2),
	                       ao.list, ao.null);
	if (ec >= 0)
		goto out;
	/* 15.17.8: a sealed PREVIOUS opened with -k (else the default key) or
	 * --input-passphrase-file; --recipient adds recipients to the chain */
	if ((ec = cli_recipients_load(ao.rcpt, ao.nrcpt, &ao.rk)) != 0)
		goto out;
	ao.opts.create.recipients = (const npk_recipient *const *)ao.rk;
	ao.opts.create.nrecipients = ao.nrcpt;
	if ((ec = cli_keyring(ao.keys, ao.nkeys, ao.in_pfile, &ao.ring, NULL, NULL, NULL)) != 0)
		goto out;
	ao.opts.keys = ao.ring;
	if ((ec = cli_load_seckey(ao.sec, ao.pfile, &sk)) != 0)
		goto out;
	ec = append_run(&ao, argv + optind, sk);
out:
	npk_keyring_free(ao.ring);
	for (size_t i = 0; ao.rk != NULL && i < ao.nrcpt; i++)
		npk_recipient_free(ao.rk[i]);
	free(ao.rk);
	free(ao.rcpt);
	npk_seckey_free(sk);
	cli_inputs_free(&ao.in);
	npk_meta_free(ao.meta);
	free(ao.exclude);
	free(ao.withdraw);
	free(ao.files);
	return ec;
}

/* ---- rotate ---- */

static int rotate_write(const char *out, const char *text, size_t len)
{
	npk_error err = {0};
	if (out == NULL || strcmp(out, "-") == 0)
		return fwrite(text, 1, len, stdout) == len && fflush(stdout) == 0 ? 0 : EXIT_USAGE;
	if (npk_write_file(out, text, len, 0, &err) != NPK_OK)
		return cli_fail(&err);
	fprintf(stderr, "newspack: wrote the rotation statement to %s\n", out);
	return 0;
}

int cmd_rotate(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'},
		{"passphrase-file", required_argument, NULL, 'P'},
		{"chain", required_argument, NULL, 'A'},
		{NULL, 0, NULL, 0},
	};
	const char *sec = NULL, *pfile = NULL, *pub = NULL, *out = NULL, **files = NULL;
	size_t nfiles = 0;
	int c, ec = -1;
	optind = 1;
	while (ec < 0 && (c = getopt_long(argc, argv, "s:p:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 's': sec = optarg; break;
		case 'P': pfile = optarg; break;
		case 'p': pub = optarg; break;
		case 'o': out = optarg; break;
		case 'A': ec = cli_push("rotate", &files, &nfiles, optarg); break;
		case 'h': rotate_help(stdout); ec = 0; break;
		default: ec = cli_usage_error("rotate", "bad option"); break;
		}
	}
	if (ec < 0 && (pub == NULL || argc - optind != 1))
		ec = cli_usage_error("rotate", "need -p NEWKEY.pub and PREVIOUS.npk");
	npk_seckey *sk = NULL;
	npk_pubkey *pk = NULL;
	char *text = NULL;
	size_t len = 0;
	npk_error err = {0};
	if (ec >= 0 || (ec = cli_load_seckey(sec, pfile, &sk)) != 0)
		goto out;
	if (npk_pubkey_load(pub, &pk, &err) != NPK_OK) {
		ec = cli_fail(&err);
		goto out;
	}
	npk_chain_opts chain = {.files = files, .nfiles = nfiles, .warn = on_chain_warn};
	if (npk_rotation_make(argv[optind], &chain, sk, pk, &text, &len, &err) != NPK_OK) {
		ec = cli_fail(&err);
		goto out;
	}
	ec = rotate_write(out, text, len);
out:
	free(text);
	npk_pubkey_free(pk);
	npk_seckey_free(sk);
	free(files);
	return ec;
}
