/*
 * cmd_search.c - newspack search: the full-text index of one or more
 * archives (and of their chains) asked a query; the best documents, each
 * with a snippet of its text.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static void search_help(FILE *f)
{
	fprintf(f,
	        "Usage: newspack search [OPTIONS] ARCHIVE... QUERY\n"
	        "       newspack search [OPTIONS] -f FILE ARCHIVE...\n"
	        "\n"
	        "Searches the full-text index of each ARCHIVE (made by create --search-index or\n"
	        "newspack search-index; an edition: of every file of its chain) and prints the\n"
	        "best documents: path, title, date, score and a snippet with the query's words\n"
	        "marked. Every index page read is checked against its signed digest first.\n"
	        "\n"
	        "QUERY (one argument: quote it for the shell):\n"
	        "  council budget          documents with both words (any form: budgets, Budget)\n"
	        "  \"city council\"          the words in this order\n"
	        "  title:budget            in the title; also author: section: source: lang: url:\n"
	        "  date:2025-01..2025-03   published in that range (YYYY, YYYY-MM or YYYY-MM-DD;\n"
	        "                          either end may be left open: date:2025-06..)\n"
	        "  flood OR storm          either; AND is the default; NOT word or -word: without\n"
	        "  (flood OR storm) -sport parentheses group\n"
	        "Options may come before or after ARCHIVE and QUERY; a QUERY that begins with\n"
	        "'-' follows \"--\": newspack search news.npk -- \"-sport flood\"\n"
	        "\n"
	        "Options:\n"
	        "  -n N                the N best documents (default 10)\n"
	        "  --json              print one JSON object: query, matched, hits (archive, path,\n"
	        "                      title, date, score, edition, snippet, marks)\n"
	        "  --no-snippets       do not read the documents for snippets (faster)\n"
	        "  -f, --query-file F  read QUERY from file F ('-': standard input), a line end at\n"
	        "                      its end dropped: for scripts, and queries of any character\n"
	        CLI_TRUST_HELP
	        "  --allow-untrusted   search an archive whose signer is not trusted\n"
	        CLI_CHAIN_HELP CLI_KEY_HELP
	        "  -h, --help          show this help\n"
	        "\n"
	        "Exit status: 0 with hits or none, 1 a damaged index or archive, 2 a bad query or\n"
	        "an archive without an index, 3 an untrusted signer.\n");
}

typedef struct sopts {
	cli_ropts ro;
	size_t limit;
	int snippets;
	const char *qfile;
} sopts;

/* The query of file name ('-': stdin) into buf: at most NPK_QUERY_MAX
 * bytes (more is refused by the parser, which is told the size), one line
 * end at the end dropped. Returns -1 to go on, or an exit code. */
static int read_query(const char *name, char *buf, size_t cap)
{
	FILE *f = strcmp(name, "-") == 0 ? stdin : fopen(name, "rb");
	if (f == NULL) {
		cli_warn("%s: %s", name, strerror(errno));
		return EXIT_USAGE;
	}
	size_t n = fread(buf, 1, cap - 1, f);
	int more = n == cap - 1 && fgetc(f) != EOF, bad = ferror(f);
	if (f != stdin)
		fclose(f);
	if (bad) {
		cli_warn("%s: cannot be read", name);
		return EXIT_USAGE;
	}
	if (more) {
		cli_warn("query: longer than %zu bytes (%s); at most %d are allowed", cap - 2, name,
		         NPK_QUERY_MAX);
		return EXIT_USAGE;
	}
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = 0;
	if (memchr(buf, 0, n) != NULL) {
		cli_warn("query: %s holds a NUL byte", name);
		return EXIT_USAGE;
	}
	return -1;
}

static int parse(int argc, char **argv, sopts *o)
{
	static const struct option longopts[] = {
		{"json", no_argument, NULL, 'J'},
		{"no-snippets", no_argument, NULL, 'S'},
		{"query-file", required_argument, NULL, 'f'},
		{"allow-untrusted", no_argument, NULL, 'U'},
		{"chain", required_argument, NULL, 'c'},
		{"at", required_argument, NULL, 'a'},
		{"passphrase-file", required_argument, NULL, 'F'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "p:n:f:k:h", longopts, NULL)) != -1) {
		int ec = -1;
		char *end;
		switch (c) {
		case 'p': o->ro.pubkey = optarg; break;
		case 'J': o->ro.json = 1; break;
		case 'S': o->snippets = 0; break;
		case 'f': o->qfile = optarg; break;
		case 'U': o->ro.allow_untrusted = 1; break;
		case 'c': ec = cli_add_chain("search", optarg, &o->ro.chain); break;
		case 'a': ec = cli_parse_at("search", optarg, &o->ro.chain); break;
		case 'k': ec = cli_add_key("search", optarg, &o->ro.keys, &o->ro.nkeys); break;
		case 'F': o->ro.pass_file = optarg; break;
		case 'n':
			o->limit = (size_t)strtoul(optarg, &end, 10);
			if (*optarg == '-' || *end || o->limit == 0 || o->limit > 10000)
				return cli_usage_error("search", "-n takes a number from 1 to 10000");
			break;
		case 'h': search_help(stdout); return 0;
		default: return cli_usage_error("search", "bad option");
		}
		if (ec >= 0)
			return ec;
	}
	return -1;
}

/* The snippet with its marks: bold on a terminal, else **word**. */
static void print_snippet(const npk_search_hit *h, int tty)
{
	const char *on = tty ? "\033[1m" : "**", *off = tty ? "\033[0m" : "**";
	size_t at = 0, len = strlen(h->snippet);
	fputs("    ", stdout);
	for (size_t i = 0; i < h->nmarks; i++) {
		size_t a = (size_t)h->marks[2 * i], b = (size_t)h->marks[2 * i + 1];
		if (a < at || b > len || a > b)
			continue;
		fwrite(h->snippet + at, 1, a - at, stdout);
		printf("%s%.*s%s", on, (int)(b - a), h->snippet + a, off);
		at = b;
	}
	printf("%s\n", h->snippet + at);
}

static void print_text(const npk_search_result *res, char **names, size_t n, const char *q)
{
	int tty = isatty(STDOUT_FILENO);
	if (res->nhits == 0) {
		printf("no document matches %s\n", q);
	} else {
		printf("%llu %s %s%s; the best %zu:\n", (unsigned long long)res->matched,
		       res->matched == 1 ? "document matches" : "documents match", q,
		       res->matched_exact ? "" : " (about)", res->nhits);
	}
	for (size_t i = 0; i < res->nhits; i++) {
		const npk_search_hit *h = &res->hits[i];
		printf("\n%zu. ", i + 1);
		if (n > 1)
			printf("%s: ", names[h->archive]);
		printf("%s  (score %.2f)\n", h->path, h->score);
		if (h->title || h->date)
			printf("    %s%s%s\n", h->title ? h->title : "", h->title && h->date ? " - " : "",
			       h->date ? h->date : "");
		if (h->snippet && h->snippet[0])
			print_snippet(h, tty);
	}
	if (res->unindexed_files)
		printf("\n(%llu %s of the chain %s no index and %s not searched)\n",
		       (unsigned long long)res->unindexed_files,
		       res->unindexed_files == 1 ? "file" : "files",
		       res->unindexed_files == 1 ? "has" : "have",
		       res->unindexed_files == 1 ? "was" : "were");
}

json_t *cli_search_json(const npk_search_result *res, const char *const *names, const char *q)
{
	json_t *hits = json_array();
	for (size_t i = 0; hits && i < res->nhits; i++) {
		const npk_search_hit *h = &res->hits[i];
		json_t *marks = json_array();
		for (size_t k = 0; k < h->nmarks; k++)
			json_array_append_new(marks, json_pack("[I, I]", (json_int_t)h->marks[2 * k],
			                                       (json_int_t)h->marks[2 * k + 1]));
		json_t *o = json_pack("{s:s, s:s, s:f, s:I}", "archive", names[h->archive], "path",
		                      h->path, "score", h->score, "edition", (json_int_t)h->edition);
		json_object_set_new(o, "title", h->title ? json_string(h->title) : json_null());
		json_object_set_new(o, "date", h->date ? json_string(h->date) : json_null());
		json_object_set_new(o, "snippet", h->snippet ? json_string(h->snippet) : json_null());
		json_object_set_new(o, "marks", marks);
		json_array_append_new(hits, o);
	}
	return json_pack("{s:s, s:I, s:b, s:I, s:o}", "query", q, "matched",
	                 (json_int_t)res->matched, "matched_exact", res->matched_exact,
	                 "unindexed_files", (json_int_t)res->unindexed_files, "hits",
	                 hits ? hits : json_array());
}

int cmd_search(int argc, char **argv)
{
	sopts o = {.snippets = 1, .limit = 10};
	int ec = parse(argc, argv, &o);
	if (ec >= 0)
		return ec;
	static char qbuf[NPK_QUERY_MAX + 2];
	const char *q;
	size_t n;
	if (o.qfile != NULL) {
		if (argc - optind < 1)
			return cli_usage_error("search", "give ARCHIVE...");
		if ((ec = read_query(o.qfile, qbuf, sizeof qbuf)) >= 0)
			return ec;
		q = qbuf;
		n = (size_t)(argc - optind);
	} else {
		if (argc - optind < 2)
			return cli_usage_error("search", "give ARCHIVE... and QUERY");
		q = argv[argc - 1];
		n = (size_t)(argc - optind - 1);
	}
	char **names = argv + optind;
	npk_reader **rs = calloc(n, sizeof *rs);
	if (rs == NULL) {
		cli_warn("out of memory");
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < n && ec < 0; i++) {
		int e = cli_open_ro(names[i], &o.ro, &rs[i]);
		if (e != 0)
			ec = e;
	}
	if (ec < 0) {
		npk_search_opts so = {.limit = o.limit, .snippets = o.snippets};
		npk_search_result res;
		npk_error err = {0};
		int rc = npk_search(rs, n, q, &so, &res, &err);
		if (rc != NPK_OK) {
			ec = cli_fail(&err);
		} else {
			if (o.ro.json)
				cli_json_print(cli_search_json(&res, (const char *const *)names, q));
			else
				print_text(&res, names, n, q);
			npk_search_result_free(&res);
			ec = 0;
		}
	}
	for (size_t i = 0; i < n; i++)
		npk_reader_free(rs[i]);
	free(rs);
	return ec;
}
