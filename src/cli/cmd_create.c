/*
 * cmd_create.c - newspack create: pack files and folders into an archive.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"

static void create_help(FILE *f)
{
	fprintf(f,
	        "Usage: newspack create [OPTIONS] OUT.npk INPUT...\n"
	        "\n"
	        "Packs INPUT files and folders into the signed archive OUT.npk. A folder gives its\n"
	        "contents, read recursively (its own name is not part of the paths); a file gives\n"
	        "itself under its base name. Every file is stored byte for byte. Metadata (title,\n"
	        "author, date, section, source, language, url) is read from plain-text bylines and\n"
	        "Markdown front matter, and NAME.meta.json beside NAME overrides it (the sidecar\n"
	        "itself is not stored). A symbolic link inside a folder is stored as a link (its\n"
	        "target as it is, never followed), and a folder that holds nothing stored as an\n"
	        "empty folder; special files are skipped with a warning. A symbolic link named as\n"
	        "an INPUT (or a --files-from line) is followed. With --format-version 1.0, links\n"
	        "are skipped with a warning and empty folders left out.\n"
	        "\n"
	        "Imports: a tar or zip INPUT (.tar .tar.gz .tgz .tar.xz .txz .tar.zst .tzst\n"
	        ".tar.bz2 .tbz2 .zip) gives its members, as the folder it was made from would,\n"
	        "read as a stream. A WARC INPUT (.warc, .warc.gz) gives a folder named after it\n"
	        "holding a document for each response, resource and revisit record (the HTTP\n"
	        "payload, decoded) with the capture's metadata (target URI, date, record id,\n"
	        "HTTP status, file, offset), and every record as captured (FILE/NNNNNN.warc),\n"
	        "which WARC export writes back byte for byte. Digests in the WARC are checked:\n"
	        "a damaged record stops the import, naming it; a body that cannot be decoded is\n"
	        "kept as captured, with a warning. --no-import stores such INPUTs as they are.\n"
	        "\n"
	        "  -s SECKEY            secret key (default %s)\n"
	        "  --passphrase-file F  read the key's passphrase from F's first line ('-': stdin)\n"
	        "  --meta KEY=VALUE     archive metadata: title, description, creator, license,\n"
	        "                       created, or any key of [a-z0-9_.-]; repeat for more\n"
	        "  --timestamp T        creation time: Unix seconds or YYYY-MM-DD[THH:MM:SSZ], a\n"
	        "                       date that exists (2025-02-31 is refused)\n"
	        "                       (default: $SOURCE_DATE_EPOCH, else now)\n"
	        "  --cluster-size N     target uncompressed cluster size in bytes (default 1048576;\n"
	        "                       262144 with --search-index: a searched archive is read\n"
	        "                       at random, and a document inflates its cluster up to it)\n"
	        "  --codec zlib|zstd    the documents' codec: zlib (the default, read by every\n"
	        "                       reader) or zstd (smaller and faster); format 1.1 stores\n"
	        "                       its index pages with zstd either way\n"
	        "  --level N            zlib 1-12 (default 7; 10-12 are slower and a few percent\n"
	        "                       smaller), zstd 1-19 (default 8)\n"
	        "  --format-version V   1.1 (the default) or 1.0, for readers of version 1.0\n"
	        "  --parity PERCENT     add Reed-Solomon parity, 1 to 100 percent of the archive\n"
	        "                       (default 0: none; 5 for cold storage), so that newspack\n"
	        "                       repair can rebuild damaged bytes (format 1.1)\n"
	        "  --no-copies          no survival copies: by default a 1.1 archive ends with a\n"
	        "                       tail holding a second copy of its header, tables and\n"
	        "                       signed manifest, read when an original is damaged\n"
	        "  --no-tree            no Merkle tree: by default a 1.1 archive holds one over\n"
	        "                       its documents, from which newspack prove proves one\n"
	        "                       document on its own (about 32 bytes a document)\n"
	        "  --no-dedup           store every document's bytes: by default a document whose\n"
	        "                       content equals one stored before is stored once and\n"
	        "                       named by both entries\n"
	        "  --recipient PUBKEY   seal the archive for this recipient (a public key made by\n"
	        "                       newspack keygen --encryption); repeat for more: give two\n"
	        "                       at least, as a lost key is a lost archive. Paths, titles,\n"
	        "                       metadata, documents and counts are then readable only\n"
	        "                       with a recipient's key; anyone can still verify it\n"
	        "  --encrypt-passphrase-file F\n"
	        "                       seal the archive for the passphrase on F's first line too\n"
	        "                       (Argon2id, 256 MiB; not the signing key's passphrase)\n"
	        "  --search-index       add a full-text index of the documents' text and metadata\n"
	        "                       (format 1.1), for newspack search; about a fifth of the\n"
	        "                       archive's size\n"
	        "  --dictionary         compress with a dictionary trained on the first 8 MiB of\n"
	        "                       the documents: zstd in clusters of 32 KiB (--cluster-size,\n"
	        "                       at most 1 MiB) and index pages of 16 KiB, about as small\n"
	        "                       as without it and each document read at random far\n"
	        "                       faster (for serve and search); readers before format\n"
	        "                       15.18 refuse it\n"
	        "  -j N, --threads N    compress with N threads (default: one per core); the\n"
	        "                       archive is the same for any N\n"
	        "  --force              replace OUT.npk when it is a newspack archive\n"
	        "  --exclude PATTERN    leave out a file or folder whose path in the archive, or\n"
	        "                       any name in it, matches PATTERN (fnmatch: * ? [...]);\n"
	        "                       repeat for more (tar, zip and WARC members are not matched)\n"
	        "  --files-from LIST    more INPUTs, one a line of LIST ('-': stdin); a line\n"
	        "                       SOURCE<TAB>PATH stores the file SOURCE under PATH\n"
	        "  --null               LIST's records end with NUL, not a line break\n"
	        "  --no-import          store a tar, zip or WARC INPUT as the file itself, byte\n"
	        "                       for byte (evidence), instead of reading its members\n"
	        "  --json               print the summary as JSON\n"
	        "  -q                   no progress and no summary\n"
	        "  -v                   name each document as it is packed (on stderr)\n"
	        "\n"
	        "The archive is written to a temporary file beside OUT.npk, synced, and renamed,\n"
	        "so OUT.npk is never left half-written. The same inputs, key and timestamp always\n"
	        "give the same bytes. An existing OUT.npk is replaced only with --force, and only\n"
	        "when it is a newspack archive that is not one of the INPUTs (nor inside an INPUT\n"
	        "folder); anything else at OUT.npk is refused and left as it was.\n",
	        cli_shown(cli_default_seckey()));
}

/* n digits of s as a number in [lo, hi]; -1 when they are not. */
static int digits(const char *s, int n, int lo, int hi)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v >= lo && v <= hi ? v : -1;
}

static int month_days(int y, int m)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return days[m - 1] + (m == 2 && leap);
}

/* Unix seconds, YYYY-MM-DD, or YYYY-MM-DDTHH:MM:SS[Z]. Every field is
 * checked against its range (the day against its month, leap years
 * included): a date that does not exist is refused, never normalised. */
int cli_parse_time(const char *s, uint64_t *out)
{
	char *end;
	if (s[0] != 0 && strspn(s, "0123456789") == strlen(s)) {
		errno = 0;
		unsigned long long v = strtoull(s, &end, 10);
		if (errno || *end)
			return -1;
		*out = v;
		return 0;
	}
	size_t n = strlen(s);
	if ((n != 10 && n != 19 && n != 20) || s[4] != '-' || s[7] != '-')
		return -1;
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	int y = digits(s, 4, 1970, 9999), m = digits(s + 5, 2, 1, 12);
	int d = y < 0 || m < 0 ? -1 : digits(s + 8, 2, 1, month_days(y, m));
	if (d < 0)
		return -1;
	if (n > 10) {
		if ((s[10] != 'T' && s[10] != ' ') || s[13] != ':' || s[16] != ':' || (n == 20 && s[19] != 'Z'))
			return -1;
		if ((tm.tm_hour = digits(s + 11, 2, 0, 23)) < 0 || (tm.tm_min = digits(s + 14, 2, 0, 59)) < 0 ||
		    (tm.tm_sec = digits(s + 17, 2, 0, 59)) < 0)
			return -1;
	}
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	time_t t = timegm(&tm);
	if (t < 0)
		return -1;
	*out = (uint64_t)t;
	return 0;
}

static void on_warn(const char *path, const char *why, void *ctx)
{
	(void)ctx;
	cli_warn("%s: %s", path, why);
}

/* create's options. */
typedef struct copts {
	const char *sec, *pfile;  /* -s, --passphrase-file */
	int quiet, verbose, json, have_time;
	npk_create_opts opts;
	npk_meta *meta;           /* --meta: the archive's metadata */
	const char **exclude;     /* --exclude, in argv */
	size_t nexclude;
	const char *list;         /* --files-from */
	int null;                 /* --null */
	cli_inputs in;            /* the INPUTs */
	const char **rcpt;        /* --recipient FILE (spec/format.md 15.17) */
	size_t nrcpt;
	npk_recipient **rk;       /* their keys, loaded */
	const char *seal_pfile;   /* --encrypt-passphrase-file */
	char *seal_pass;
} copts;

/* --meta KEY=VALUE (arg is changed). Returns -1 to go on, or an exit code. */
static int parse_meta(char *arg, npk_meta *meta)
{
	char *eq = strchr(arg, '=');
	if (eq == NULL || eq == arg)
		return cli_usage_error("create", "--meta wants KEY=VALUE, not '%s'", arg);
	*eq = 0;
	npk_error err = {0};
	return npk_meta_add(meta, arg, eq + 1, &err) == NPK_OK ? -1 : cli_fail(&err);
}

/* --cluster-size (c), --level (l), -j and --threads (j, J). Returns -1 to
 * go on, or an exit code. */
static int parse_number(int c, const char *s, npk_create_opts *opts)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < 1 || v > (c == 'c' ? 64L << 20 : 1000))
		return cli_usage_error("create", "bad number '%s'", s);
	if (c == 'c')
		opts->cluster_size = (size_t)v;
	else if (c == 'l')
		opts->level = (int)v;
	else
		opts->threads = (int)v;
	return -1;
}

/* --codec. Returns -1 to go on, or an exit code. */
static int parse_codec(const char *s, npk_create_opts *opts)
{
	if (strcmp(s, "zlib") == 0)
		opts->codec = NPK_CODEC_ZLIB_ID;
	else if (strcmp(s, "zstd") == 0)
		opts->codec = NPK_CODEC_ZSTD_ID;
	else
		return cli_usage_error("create", "--codec is zlib or zstd, not '%s'", s);
	return -1;
}

/* --format-version. Returns -1 to go on, or an exit code. */
static int parse_format_version(const char *s, npk_create_opts *opts)
{
	if (strcmp(s, "1.0") == 0)
		opts->format_10 = 1;
	else if (strcmp(s, "1.1") == 0)
		opts->format_10 = 0;
	else
		return cli_usage_error("create", "--format-version is 1.1 or 1.0, not '%s'", s);
	return -1;
}

/* Without --timestamp: $SOURCE_DATE_EPOCH, else now. Returns -1 to go
 * on, or an exit code. */
int cli_default_timestamp(npk_create_opts *opts)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	if (sde == NULL || sde[0] == 0) {
		opts->timestamp = (uint64_t)time(NULL);
		return -1;
	}
	if (cli_parse_time(sde, &opts->timestamp) != 0)
		return cli_usage_error("create", "bad SOURCE_DATE_EPOCH '%s'", sde);
	return -1;
}

/* --parity PERCENT: 0 (none) or 1 to 100. Returns -1 to go on, or an
 * exit code. */
static int parse_parity(const char *s, npk_create_opts *opts)
{
	opts->parity = strcmp(s, "0") == 0 ? 0 : cli_parity_arg(s);
	if (opts->parity == 0 && strcmp(s, "0") != 0)
		return cli_usage_error("create", "--parity takes a percentage from 0 to 100, not '%s'", s);
	return -1;
}

/* --exclude PATTERN, kept in argv. Returns -1 to go on, or an exit code. */
static int add_exclude(copts *co, const char *pat)
{
	const char **nv = realloc(co->exclude, (co->nexclude + 1) * sizeof *nv);
	if (nv == NULL)
		return cli_usage_error("create", "out of memory");
	nv[co->nexclude++] = pat;
	co->exclude = nv;
	co->opts.exclude = co->exclude;
	co->opts.nexclude = co->nexclude;
	return -1;
}

/* Returns -1 to go on (argv[optind] is OUT.npk, the INPUTs follow), or an
 * exit code. */
static int parse_create_opts(int argc, char **argv, copts *co)
{
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'},
		{"passphrase-file", required_argument, NULL, 'P'},
		{"meta", required_argument, NULL, 'm'},
		{"timestamp", required_argument, NULL, 't'},
		{"cluster-size", required_argument, NULL, 'c'},
		{"level", required_argument, NULL, 'l'},
		{"codec", required_argument, NULL, 'C'},
		{"threads", required_argument, NULL, 'J'},
		{"json", no_argument, NULL, 'O'},
		{"force", no_argument, NULL, 'f'},
		{"exclude", required_argument, NULL, 'x'},
		{"files-from", required_argument, NULL, 'T'},
		{"null", no_argument, NULL, '0'},
		{"no-import", no_argument, NULL, 'N'},
		{"format-version", required_argument, NULL, 'F'},
		{"parity", required_argument, NULL, 'R'},
		{"no-copies", no_argument, NULL, 'K'},
		{"no-tree", no_argument, NULL, 'E'},
		{"no-dedup", no_argument, NULL, 'D'},
		{"search-index", no_argument, NULL, 'I'},
		{"dictionary", no_argument, NULL, 'B'},
		{"recipient", required_argument, NULL, 'Y'},
		{"encrypt-passphrase-file", required_argument, NULL, 'Z'},
		{NULL, 0, NULL, 0},
	};
	int c, ec = -1;
	optind = 1;
	while (ec < 0 && (c = getopt_long(argc, argv, "s:j:qvh", longopts, NULL)) != -1) {
		switch (c) {
		case 's': co->sec = optarg; break;
		case 'P': co->pfile = optarg; break;
		case 'q': co->quiet = 1; break;
		case 'v': co->verbose = 1; break;
		case 'O': co->json = 1; break;
		case 'f': co->opts.force = 1; break;
		case 'x': ec = add_exclude(co, optarg); break;
		case 'T': co->list = optarg; break;
		case '0': co->null = 1; break;
		case 'N': co->opts.no_import = 1; break;
		case 'K': co->opts.no_copies = 1; break;
		case 'E': co->opts.no_tree = 1; break;
		case 'D': co->opts.no_dedup = 1; break;
		case 'I': co->opts.search_index = 1; break;
		case 'B': co->opts.dictionary = 1; break;
		case 'Y': ec = cli_push("create", &co->rcpt, &co->nrcpt, optarg); break;
		case 'Z': co->seal_pfile = optarg; break;
		case 'h': create_help(stdout); ec = 0; break;
		case 'm': ec = parse_meta(optarg, co->meta); break;
		case 't':
			if (cli_parse_time(optarg, &co->opts.timestamp) != 0)
				ec = cli_usage_error("create", "bad --timestamp '%s'", optarg);
			co->have_time = 1;
			break;
		case 'c':
		case 'l':
		case 'j':
		case 'J': ec = parse_number(c, optarg, &co->opts); break;
		case 'C': ec = parse_codec(optarg, &co->opts); break;
		case 'F': ec = parse_format_version(optarg, &co->opts); break;
		case 'R': ec = parse_parity(optarg, &co->opts); break;
		default: ec = cli_usage_error("create", "bad option"); break;
		}
	}
	if (ec >= 0)
		return ec;
	if (co->opts.parity && co->opts.format_10)
		return cli_usage_error("create", "--parity needs format 1.1: a 1.0 reader cannot read "
		                       "the tail that holds it (newspack protect adds parity later)");
	if (argc - optind < (co->list ? 1 : 2))
		return cli_usage_error("create", "need OUT.npk and at least one INPUT");
	if (co->list && strcmp(co->list, "-") == 0 && co->pfile && strcmp(co->pfile, "-") == 0)
		return cli_usage_error("create", "--files-from - and --passphrase-file - both want stdin");
	int sealing = co->nrcpt > 0 || co->seal_pfile != NULL;
	if (sealing && co->opts.format_10)
		return cli_usage_error("create", "a sealed archive (--recipient, "
		                       "--encrypt-passphrase-file) needs format 1.1");
	int stdin_users = (co->list && strcmp(co->list, "-") == 0) +
	                  (co->pfile && strcmp(co->pfile, "-") == 0) +
	                  (co->seal_pfile && strcmp(co->seal_pfile, "-") == 0);
	if (stdin_users > 1)
		return cli_usage_error("create", "two options want stdin ('-')");
	return co->have_time ? -1 : cli_default_timestamp(&co->opts);
}

/* The secret key, first: no work is done that cannot be signed. Returns
 * 0 or an exit code. */
int cli_load_seckey(const char *sec, const char *pfile, npk_seckey **sk)
{
	struct stat st;
	const char *keypath = sec ? sec : cli_default_seckey();
	if (keypath == NULL) {
		cli_warn("no secret key: " CLI_NO_CONFIG_WHY "; name it with -s SECKEY");
		return EXIT_USAGE;
	}
	if (stat(keypath, &st) != 0) {
		cli_warn("no secret key at %s", keypath);
		if (sec == NULL)
			fprintf(stderr, "  Make one with:  newspack keygen\n");
		else
			fprintf(stderr, "  Make one with:  newspack keygen -s %s -p %s.pub\n", sec, sec);
		return EXIT_USAGE;
	}
	npk_error err = {0};
	int enc = 0;
	if (npk_seckey_file_encrypted(keypath, &enc, &err) != NPK_OK)
		return cli_fail(&err);
	char *pass = NULL;
	if (enc && (pass = cli_passphrase(pfile, "Passphrase: ", 0)) == NULL)
		return EXIT_USAGE;
	int rc = npk_seckey_load(keypath, pass, sk, &err);
	cli_passphrase_free(pass);
	return rc == NPK_OK ? 0 : cli_fail(&err);
}

static void print_summary(const char *out, const copts *co, const npk_create_stats *stats,
                          const npk_seckey *sk)
{
	npk_pubkey *pk = npk_seckey_pubkey(sk);
	char id[17] = "";
	if (pk)
		npk_keyid_format(npk_pubkey_id(pk), id);
	npk_pubkey_free(pk);
	double ratio = stats->bytes_in ? (double)stats->bytes_out / (double)stats->bytes_in : 0;
	if (co->json) {
		json_t *j = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:f, s:s, s:I, s:I, s:I, "
		                      "s:I, s:I, s:I}",
		                      "archive", out, "documents", (json_int_t)stats->documents,
		                      "folders", (json_int_t)stats->folders, "links",
		                      (json_int_t)stats->links, "bytes_in", (json_int_t)stats->bytes_in,
		                      "bytes_out", (json_int_t)stats->bytes_out, "skipped",
		                      (json_int_t)stats->skipped, "ratio", ratio, "key_id", id,
		                      "created", (json_int_t)co->opts.timestamp, "dedup_documents",
		                      (json_int_t)stats->dedup_documents, "dedup_bytes",
		                      (json_int_t)stats->dedup_bytes, "index_bytes",
		                      (json_int_t)stats->index_bytes, "index_keys",
		                      (json_int_t)stats->index_keys, "dictionary_bytes",
		                      (json_int_t)stats->dictionary_bytes);
		cli_json_print(j);
	} else if (!co->quiet) {
		char a[32], b[32];
		cli_size(stats->bytes_in, a, sizeof a);
		cli_size(stats->bytes_out, b, sizeof b);
		printf("%s: %llu %s, %s packed into %s (%.1f%%), signed by key %s\n", out,
		       (unsigned long long)stats->documents,
		       cli_s(stats->documents, "document", "documents"), a, b, 100.0 * ratio, id);
		if (co->nrcpt > 0 || co->seal_pass != NULL)
			printf("sealed for %zu %s%s: only they can read it; anyone with the signer's "
			       "public key can verify it\n", co->nrcpt, cli_s(co->nrcpt, "recipient",
			       "recipients"), co->seal_pass ? " and a passphrase" : "");
		if (stats->folders || stats->links)
			printf("and %llu %s, %llu %s\n", (unsigned long long)stats->folders,
			       cli_s(stats->folders, "empty folder", "empty folders"),
			       (unsigned long long)stats->links,
			       cli_s(stats->links, "symbolic link", "symbolic links"));
		if (stats->dedup_documents) {
			cli_size(stats->dedup_bytes, a, sizeof a);
			printf("%llu %s the content of one stored before: %s not stored again\n",
			       (unsigned long long)stats->dedup_documents,
			       cli_s(stats->dedup_documents, "document has", "documents have"), a);
		}
		if (stats->index_bytes) {
			cli_size(stats->index_bytes, a, sizeof a);
			printf("search index: %llu %s, %s\n", (unsigned long long)stats->index_keys,
			       cli_s(stats->index_keys, "term", "terms"), a);
		}
		if (stats->dictionary_bytes) {
			cli_size(stats->dictionary_bytes, a, sizeof a);
			printf("compression dictionary: %s, trained on the documents\n", a);
		} else if (co->opts.dictionary) {
			printf("no compression dictionary (under 256 KiB of documents, or nothing to learn from them): zstd alone\n");
		}
		if (stats->index_truncated)
			printf("%llu %s longer than 16 MiB: only the first 16 MiB indexed\n",
			       (unsigned long long)stats->index_truncated,
			       cli_s(stats->index_truncated, "document is", "documents are"));
		if (stats->skipped)
			printf("%llu %s (see the %s above)\n", (unsigned long long)stats->skipped,
			       cli_s(stats->skipped, "input was skipped", "inputs were skipped"),
			       cli_s(stats->skipped, "warning", "warnings"));
	}
}

int cli_recipients_load(const char **paths, size_t n, npk_recipient ***out)
{
	if (n == 0)
		return 0;
	*out = calloc(n, sizeof **out);
	if (*out == NULL) {
		cli_warn("out of memory");
		return EXIT_USAGE;
	}
	npk_error err = {0};
	for (size_t i = 0; i < n; i++)
		if (npk_recipient_load(paths[i], &(*out)[i], &err) != NPK_OK)
			return cli_fail(&err);
	return 0;
}

int cli_sealing_load(const char **rcpt, size_t nrcpt, const char *pfile, int quiet,
                     npk_create_opts *opts, npk_recipient ***rk, char **pass)
{
	int ec = cli_recipients_load(rcpt, nrcpt, rk);
	if (ec != 0)
		return ec;
	if (pfile != NULL) {
		*pass = cli_passphrase(pfile, "Passphrase for the archive: ", 1);
		if (*pass == NULL)
			return EXIT_USAGE;
		if ((*pass)[0] == 0) {
			cli_warn("%s: an empty passphrase", pfile);
			return EXIT_USAGE;
		}
	}
	opts->recipients = (const npk_recipient *const *)*rk;
	opts->nrecipients = nrcpt;
	opts->seal_passphrase = *pass;
	if (nrcpt + (*pass != NULL) == 1 && !quiet)
		cli_warn("warning: sealed for one key only: if it is lost, so is the archive; "
		         "give two recipients (--recipient) or add a passphrase");
	return 0;
}

/* 15.17: the recipients' keys and the archive's passphrase, before any
 * work. Returns 0 or an exit code. */
static int load_sealing(copts *co)
{
	return cli_sealing_load(co->rcpt, co->nrcpt, co->seal_pfile, co->quiet || co->json,
	                        &co->opts, &co->rk, &co->seal_pass);
}

/* Packs the n inputs into out, signed with sk, and prints the summary.
 * Returns an exit code. */
static int create_run(copts *co, const char *out, char **inputs, size_t n, const npk_seckey *sk)
{
	cli_progress prog;
	cli_progress_init(&prog, "packing", 0, co->quiet);
	cli_progress_verbose(&prog, co->verbose && !co->quiet);
	co->opts.archive_meta = co->meta;
	co->opts.warn = on_warn;
	co->opts.progress = cli_progress_cb;
	co->opts.ctx = &prog;
	co->opts.cancel = &cli_interrupted;
	cli_catch_signals();
	npk_create_stats stats;
	npk_error err = {0};
	int rc = npk_create(out, (const char *const *)inputs, n, &co->opts, sk, &stats, &err);
	cli_progress_done(&prog);
	if (rc != NPK_OK) {
		int ec = cli_fail(&err);
		if (rc == NPK_E_ARG) /* OUT and an INPUT swapped, say */
			fprintf(stderr, "Usage: newspack create [OPTIONS] OUT.npk INPUT...\n");
		cli_warn("nothing was written to %s", out);
		return ec;
	}
	print_summary(out, co, &stats, sk);
	return 0;
}

int cmd_create(int argc, char **argv)
{
	copts co;
	memset(&co, 0, sizeof co);
	co.meta = npk_meta_new();
	if (co.meta == NULL)
		return EXIT_USAGE;
	npk_seckey *sk = NULL;
	int ec = parse_create_opts(argc, argv, &co);
	if (ec >= 0)
		goto out;
	ec = cli_gather_inputs("create", &co.in, argv + optind + 1, (size_t)(argc - optind - 1),
	                       co.list, co.null);
	if (ec >= 0)
		goto out;
	co.opts.paths = co.in.paths;
	if ((ec = cli_load_seckey(co.sec, co.pfile, &sk)) != 0)
		goto out;
	if ((ec = load_sealing(&co)) != 0)
		goto out;
	ec = create_run(&co, argv[optind], co.in.src, co.in.n, sk);
out:
	for (size_t i = 0; co.rk != NULL && i < co.nrcpt; i++)
		npk_recipient_free(co.rk[i]);
	free(co.rk);
	free(co.rcpt);
	cli_passphrase_free(co.seal_pass);
	npk_seckey_free(sk);
	npk_meta_free(co.meta);
	free(co.exclude);
	cli_inputs_free(&co.in);
	return ec;
}
