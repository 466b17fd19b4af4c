/*
 * main.c - newspack: dispatch to the subcommands.
 *
 * Two programs are built from these sources (Makefile). newspack-full has
 * every command. newspack (built with NPK_CLI_LEAN) runs keygen and the
 * reading commands, verify, list, info, cat and extract, and loads only
 * what they need: libsodium, zlib (libdeflate), zstd and jansson. The
 * commands that need the interchange libraries (libarchive, libxml2,
 * brotli, nettle; ISA-L: create, export, protect and repair, and
 * --version, which names libarchive's version) it hands to newspack-full by exec, as git hands
 * https to git-remote-https, so that reading an article never pays for
 * loading them.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>
#include <zlib.h>
#include <zstd.h>
#ifndef NPK_CLI_LEAN
#include <archive.h>
#endif

#include "cli.h"

#ifdef NPK_CLI_LEAN
#define FULL_ONLY(fn) NULL
#ifndef NPK_LIBEXECDIR
#define NPK_LIBEXECDIR "/usr/local/libexec/newspack"
#endif
#else
#define FULL_ONLY(fn) fn
#endif

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *summary;
} commands[] = {
	{"keygen", cmd_keygen, "make a signing key pair"},
	{"create", FULL_ONLY(cmd_create), "pack files and folders into a signed archive"},
	{"append", FULL_ONLY(cmd_append), "write the next edition of an archive: only what is new"},
	{"rotate", FULL_ONLY(cmd_rotate), "let a new key sign the next edition of an archive"},
	{"merge", FULL_ONLY(cmd_merge), "make one archive from several, or from a chain of editions"},
	{"verify", cmd_verify, "check the signature and every byte of an archive"},
	{"list", cmd_list, "list the documents of an archive with their metadata"},
	{"info", cmd_info, "show an archive's metadata, counts, sizes and signer"},
	{"cat", cmd_cat, "write one document to standard output"},
	{"search", FULL_ONLY(cmd_search), "find documents by their words in an archive's full-text index"},
	{"search-index", FULL_ONLY(cmd_search_index), "write an archive again with a full-text index"},
	{"serve", FULL_ONLY(cmd_serve), "read and search archives in a web browser"},
	{"extract", cmd_extract, "write documents to a folder"},
	{"export", FULL_ONLY(cmd_export), "write the documents as tar, zip, a BagIt bag or WARC"},
	{"recipients", FULL_ONLY(cmd_recipients), "list, add or remove who can open a sealed archive"},
	{"protect", FULL_ONLY(cmd_protect), "add Reed-Solomon parity to an archive"},
	{"repair", FULL_ONLY(cmd_repair), "rebuild a damaged archive from its parity"},

	{"salvage", cmd_salvage, "write every provable document of a badly damaged archive"},
	{"prove", cmd_prove, "write a proof that documents were in a signed archive"},
	{"check-proof", cmd_check_proof, "check a proof with the signer's key and the document"},
	{"check-chain", cmd_check_chain, "check that each edition of a chain only added to the one before"},
};

#ifdef NPK_CLI_LEAN
/* Tries dir/name; returns only when it cannot be run. */
static void try_exec(const char *dir, const char *name, char **argv)
{
	char path[PATH_MAX];
	if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) < sizeof path &&
	    access(path, X_OK) == 0)
		execv(path, argv);
}

/* Runs argv in newspack-full: beside this program (the build tree), in
 * ../libexec/newspack from it (an installed tree, wherever DESTDIR put
 * it), or in the folder it was built for. Returns only on failure. */
static int run_full(char **argv)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	self[n > 0 ? n : 0] = 0;
	char *slash = strrchr(self, '/');
	if (slash != NULL) {
		*slash = 0;
		try_exec(self, "newspack-full", argv);
		try_exec(self, "../libexec/newspack/newspack-full", argv);
	}
	try_exec(NPK_LIBEXECDIR, "newspack-full", argv);
	cli_warn("'%s' runs in newspack-full, which is not beside this program nor in %s: "
	         "install newspack whole (make install)", argv[1], NPK_LIBEXECDIR);
	return EXIT_USAGE;
}
#endif

/* Runs command i with its arguments (argv[0] is the command's name). */
static int run(size_t i, int argc, char **argv, char **all)
{
#ifdef NPK_CLI_LEAN
	if (commands[i].fn == NULL)
		return run_full(all);
#endif
	(void)all;
	return commands[i].fn(argc, argv);
}

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: newspack COMMAND [OPTIONS] ...\n"
	        "\n"
	        "newspack keeps articles and their metadata in one compressed archive file\n"
	        "signed with Ed25519, which anyone holding the public key can check, years later.\n"
	        "\n"
	        "Commands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "  %-11s %s\n", commands[i].name, commands[i].summary);
	fprintf(f,
	        "  help        show this text, or 'newspack help COMMAND'\n"
	        "\n"
	        "A first session:\n"
	        "  newspack keygen                     # key pair in %s/\n"
	        "  newspack create news.npk articles/  # pack and sign\n"
	        "  newspack verify news.npk            # signature and every digest\n"
	        "  newspack list news.npk              # paths; --json for everything\n"
	        "  newspack cat news.npk some/article.txt\n"
	        "  newspack extract -C out news.npk\n"
	        "\n"
	        "Exit codes: 0 ok; 1 verification failed (bad signature or damaged data);\n"
	        "2 usage or input/output error; 3 valid signature by an untrusted key.\n"
	        "Format: spec/format.md. Every command takes --help.\n",
	        cli_shown(cli_config_dir()));
}

int main(int argc, char **argv)
{
	if (sodium_init() < 0) {
		cli_warn("libsodium could not be initialised");
		return EXIT_USAGE;
	}
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
#ifdef NPK_CLI_LEAN
		return run_full(argv);
#else
		printf("newspack %s (format %d.%d; zlib streams by %s, zlib %s, zstd %s, libsodium %s, %s)\n",
		       NPK_VERSION_STRING, NPK_FORMAT_MAJOR, NPK_FORMAT_MINOR, npk_deflate_name(),
		       zlibVersion(), ZSTD_versionString(), sodium_version_string(),
		       archive_version_string());
		return 0;
#endif
	}
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		if (argc > 2 && strcmp(cmd, "help") == 0 && argv[2][0] != '-') {
			for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
				if (strcmp(argv[2], commands[i].name) == 0) {
					char *av[] = {argv[2], (char *)"--help", NULL};
					char *all[] = {argv[0], argv[2], (char *)"--help", NULL};
					return run(i, 2, av, all);
				}
			cli_warn("no command '%s'", argv[2]);
			fprintf(stderr, "Try 'newspack help'.\n");
			return EXIT_USAGE;
		}
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(cmd, commands[i].name) == 0)
			return run(i, argc - 1, argv + 1, argv);
	cli_warn("no command '%s'", cmd);
	fprintf(stderr, "Try 'newspack help'.\n");
	return EXIT_USAGE;
}
