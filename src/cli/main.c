/*
 * main.c - newspack: dispatch to the subcommands.
 */
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <sodium.h>
#include <zlib.h>
#include <zstd.h>

#include "cli.h"

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *summary;
} commands[] = {
	{"keygen", cmd_keygen, "make a signing key pair"},
	{"create", cmd_create, "pack files and folders into a signed archive"},
	{"verify", cmd_verify, "check the signature and every byte of an archive"},
	{"list", cmd_list, "list the documents of an archive with their metadata"},
	{"info", cmd_info, "show an archive's metadata, counts, sizes and signer"},
	{"cat", cmd_cat, "write one document to standard output"},
	{"extract", cmd_extract, "write documents to a folder"},
	{"export", cmd_export, "write the documents as tar, zip, a BagIt bag or WARC"},
};

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
		fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fprintf(f,
	        "  help      show this text, or 'newspack help COMMAND'\n"
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
	        cli_config_dir());
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
		printf("newspack %s (format %d.%d; zlib streams by %s, zlib %s, zstd %s, libsodium %s, %s)\n",
		       NPK_VERSION_STRING, NPK_FORMAT_MAJOR, NPK_FORMAT_MINOR, npk_deflate_name(),
		       zlibVersion(), ZSTD_versionString(), sodium_version_string(),
		       archive_version_string());
		return 0;
	}
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		if (argc > 2 && strcmp(cmd, "help") == 0 && argv[2][0] != '-') {
			for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
				if (strcmp(argv[2], commands[i].name) == 0) {
					char *av[] = {argv[2], (char *)"--help", NULL};
					return commands[i].fn(2, av);
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
			return commands[i].fn(argc - 1, argv + 1);
	cli_warn("no command '%s'", cmd);
	fprintf(stderr, "Try 'newspack help'.\n");
	return EXIT_USAGE;
}
