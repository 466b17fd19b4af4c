/*
 * cmd_keygen.c - newspack keygen: make a key pair and trust its public key.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

static void keygen_help(FILE *f)
{
	fprintf(f,
	        "Usage: newspack keygen [--encryption] [-p PUBKEY] [-s SECKEY] [-W] [-f]\n"
	        "                       [--passphrase-file FILE]\n"
	        "\n"
	        "Makes an Ed25519 key pair for signing archives. The files are minisign-compatible:\n"
	        "a key made by 'minisign -G' signs archives too, and minisign can check them.\n"
	        "With --encryption, makes an X25519 key pair instead, to receive sealed archives\n"
	        "(create --recipient): its public key is for whoever seals archives for you, its\n"
	        "secret key opens them (-k KEY; this one by default). Keep a second recipient\n"
	        "somewhere else: a sealed archive whose every key is lost can never be read again.\n"
	        "\n"
	        "  -s SECKEY   secret key file (default %s;\n"
	        "              with --encryption %s)\n"
	        "  -p PUBKEY   public key file (default %s;\n"
	        "              with --encryption %s)\n"
	        "  -W          do not encrypt the secret key with a passphrase\n"
	        "  -f          overwrite existing key files\n"
	        "  --passphrase-file FILE\n"
	        "              read the passphrase from the first line of FILE ('-' for stdin)\n"
	        "              instead of asking on the terminal\n"
	        "\n"
	        "The secret key is written with mode 0600 and encrypted (scrypt) unless -W.\n"
	        "A signing public key is also copied to %s/ so that this machine trusts\n"
	        "what it signs. Give the .pub file to whoever must check your archives.\n",
	        cli_shown(cli_default_seckey()), cli_shown(cli_default_identity()),
	        cli_shown(cli_default_pubkey()), cli_shown(cli_default_recipient()),
	        cli_shown(cli_trusted_dir()));
}

static int mkdir_p(const char *path, mode_t mode)
{
	char buf[4200];
	snprintf(buf, sizeof buf, "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, mode) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(buf, mode) != 0 && errno != EEXIST ? -1 : 0;
}

/* The folder of path (stat'ed into st) and where its last name starts. */
static int parent_stat(const char *path, struct stat *st, const char **name)
{
	const char *slash = strrchr(path, '/');
	char dir[4200];
	if (slash == NULL)
		snprintf(dir, sizeof dir, ".");
	else
		snprintf(dir, sizeof dir, "%.*s", slash == path ? 1 : (int)(slash - path), path);
	*name = slash ? slash + 1 : path;
	return stat(dir, st);
}

/* Whether a and b are one file: the same device and inode when both
 * exist (other spellings, hard links), else the same name in one folder. */
static int same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	int ea = stat(a, &sa) == 0, eb = stat(b, &sb) == 0;
	if (ea || eb)
		return ea && eb && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
	const char *na, *nb;
	if (parent_stat(a, &sa, &na) != 0 || parent_stat(b, &sb, &nb) != 0)
		return strcmp(a, b) == 0;
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino && strcmp(na, nb) == 0;
}

/* The key files: the default ones in the configuration folder (made if
 * need be) unless named. Refuses one file for both, and existing ones
 * without force, early, before asking for a passphrase or writing
 * anything. Returns 0 or an exit code. */
static int keygen_paths(const char **sec, const char **pub, int force, int enc)
{
	if ((*pub == NULL || *sec == NULL) && cli_config_dir() == NULL) {
		cli_warn("no folder for the default key files: " CLI_NO_CONFIG_WHY
		         ".\n  Name them with -s SECKEY -p PUBKEY, or set HOME.");
		return EXIT_USAGE;
	}
	if ((*pub == NULL || *sec == NULL) && mkdir_p(cli_config_dir(), 0700) != 0) {
		cli_warn("%s: %s", cli_config_dir(), strerror(errno));
		return EXIT_USAGE;
	}
	if (*sec == NULL)
		*sec = enc ? cli_default_identity() : cli_default_seckey();
	if (*pub == NULL)
		*pub = enc ? cli_default_recipient() : cli_default_pubkey();
	if (same_file(*sec, *pub)) {
		cli_warn("%s and %s are one file; the secret and the public key need two", *sec, *pub);
		return EXIT_USAGE;
	}
	struct stat st;
	if (!force && (stat(*sec, &st) == 0 || stat(*pub, &st) == 0)) {
		cli_warn("%s exists; refusing to overwrite a key (use -f)",
		         stat(*sec, &st) == 0 ? *sec : *pub);
		return EXIT_USAGE;
	}
	return 0;
}

/* The new key's passphrase, not empty. Returns 0 or an exit code. */
static int keygen_passphrase(const char *pfile, char **pass)
{
	*pass = cli_passphrase(pfile, "Passphrase for the new secret key: ", 1);
	if (*pass == NULL)
		return EXIT_USAGE;
	if ((*pass)[0] == 0) {
		cli_passphrase_free(*pass);
		*pass = NULL;
		cli_warn("empty passphrase; use -W for a key without one");
		return EXIT_USAGE;
	}
	return 0;
}

/* Writes the key pair, then trusts the public key: a copy in the trusted
 * keys folder, named by its key id (id gets it), when there is a folder. */
static int keygen_save(const npk_pubkey *pk, const npk_seckey *sk, const char *sec,
                       const char *pub, const char *pass, int force, char id[17], npk_error *err)
{
	int rc = npk_seckey_save(sk, sec, pass, force, err);
	if (rc != NPK_OK)
		return rc;
	if ((rc = npk_pubkey_save(pk, pub, force, err)) != NPK_OK)
		return rc;
	npk_keyid_format(npk_pubkey_id(pk), id);
	if (cli_trusted_dir() == NULL)
		return NPK_OK;
	if (mkdir_p(cli_trusted_dir(), 0700) != 0) {
		snprintf(err->msg, sizeof err->msg, "%s: %s", cli_trusted_dir(), strerror(errno));
		return err->code = NPK_E_IO;
	}
	char tpath[4300];
	snprintf(tpath, sizeof tpath, "%s/%s.pub", cli_trusted_dir(), id);
	return npk_pubkey_save(pk, tpath, 1, err);
}

/* What was made and where: the id, and the fingerprint that, unlike the
 * id, cannot be claimed by another key (keys.md 4.1). */
static void keygen_print(const npk_pubkey *pk, const char *sec, const char *pub,
                         int unencrypted)
{
	char id[17], fp[NPK_FINGERPRINT_LEN];
	npk_keyid_format(npk_pubkey_id(pk), id);
	npk_fingerprint_format(npk_pubkey_bytes(pk), fp);
	printf("Key id:      %s\n"
	       "Fingerprint: %s\n"
	       "Secret key:  %s%s\n"
	       "Public key:  %s\n",
	       id, fp, sec, unencrypted ? " (not encrypted)" : "", pub);
	if (cli_trusted_dir() != NULL)
		printf("Trusted in:  %s/%s.pub\n", cli_trusted_dir(), id);
	else
		printf("Trusted in:  nowhere: " CLI_NO_CONFIG_WHY "\n");
}

/* keygen --encryption: an X25519 pair (keys.md 9), not trusted anywhere:
 * a recipient key is given to others, not checked against. */
static int keygen_encryption(const char *sec, const char *pub, const char *pass, int force)
{
	npk_error err = {0};
	npk_recipient *r = NULL;
	npk_identity *id = NULL;
	int rc = npk_identity_generate(&r, &id, &err);
	if (rc == NPK_OK)
		rc = npk_identity_save(id, sec, pass, force, &err);
	if (rc == NPK_OK)
		rc = npk_recipient_save(r, pub, force, &err);
	if (rc == NPK_OK) {
		char kid[17];
		npk_keyid_format(npk_recipient_id(r), kid);
		printf("Encryption key id: %s\n"
		       "Secret key:  %s%s\n"
		       "Public key:  %s (for whoever seals archives for you)\n",
		       kid, sec, pass ? "" : " (not encrypted)", pub);
	}
	npk_recipient_free(r);
	npk_identity_free(id);
	return rc == NPK_OK ? 0 : cli_fail(&err);
}

int cmd_keygen(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'},
		{"passphrase-file", required_argument, NULL, 'P'},
		{"encryption", no_argument, NULL, 'E'},
		{NULL, 0, NULL, 0},
	};
	const char *pub = NULL, *sec = NULL, *pfile = NULL;
	int unencrypted = 0, force = 0, enc = 0, c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "p:s:Wfh", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': pub = optarg; break;
		case 's': sec = optarg; break;
		case 'W': unencrypted = 1; break;
		case 'f': force = 1; break;
		case 'P': pfile = optarg; break;
		case 'E': enc = 1; break;
		case 'h': keygen_help(stdout); return 0;
		default: return cli_usage_error("keygen", "bad option");
		}
	}
	if (optind != argc)
		return cli_usage_error("keygen", "unexpected argument '%s'", argv[optind]);
	int ec = keygen_paths(&sec, &pub, force, enc);
	if (ec != 0)
		return ec;
	char *pass = NULL;
	if (!unencrypted && (ec = keygen_passphrase(pfile, &pass)) != 0)
		return ec;
	if (enc) {
		ec = keygen_encryption(sec, pub, pass, force);
		cli_passphrase_free(pass);
		return ec;
	}
	npk_error err = {0};
	npk_pubkey *pk = NULL;
	npk_seckey *sk = NULL;
	char id[17] = "";
	int rc = npk_keypair_generate(&pk, &sk, &err);
	if (rc == NPK_OK)
		rc = keygen_save(pk, sk, sec, pub, pass, force, id, &err);
	if (rc == NPK_OK)
		keygen_print(pk, sec, pub, unencrypted);
	cli_passphrase_free(pass);
	npk_pubkey_free(pk);
	npk_seckey_free(sk);
	return rc == NPK_OK ? 0 : cli_fail(&err);
}
