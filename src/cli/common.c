/*
 * common.c - errors, exit codes, the reading commands' options,
 * configuration paths, trust, passphrases, JSON and progress for the
 * newspack command line.
 */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <getopt.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

void cli_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("newspack: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

int cli_exit_code(int code)
{
	switch ((npk_err)code) {
	case NPK_OK:
		return 0;
	case NPK_E_FORMAT:
	case NPK_E_DIGEST:
	case NPK_E_SIGNATURE:
	case NPK_E_NOKEY:         /* the wrong key or passphrase: exit 1, as for damage */
		return EXIT_VERIFY;
	case NPK_E_UNTRUSTED:
		return EXIT_UNTRUSTED;
	case NPK_E_NOMEM:
	case NPK_E_IO:
	case NPK_E_ARG:
	case NPK_E_VERSION:
	case NPK_E_NOTFOUND:
	case NPK_E_KEY:
	case NPK_E_PASSPHRASE:
	case NPK_E_LIMIT:
	case NPK_E_INPUT:
	case NPK_E_EXISTS:
	case NPK_E_UNSAFE:
	case NPK_E_CANCELED:
	case NPK_E_SEALED:
		return EXIT_USAGE;
	}
	return EXIT_USAGE;
}

int cli_fail(const npk_error *err)
{
	cli_warn("%s", err->msg[0] ? cli_show_msg(err->msg) : npk_strerror(err->code));
	return cli_exit_code(err->code);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("newspack: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'newspack %s --help'.\n", cmd);
	return EXIT_USAGE;
}

enum { OPT_JSON = 256, OPT_ALLOW, OPT_FORCE, OPT_FORMAT, OPT_NO_MTIME, OPT_SYMLINKS, OPT_CHAIN,
       OPT_AT, OPT_ALL, OPT_PASSFILE };

/* The RO_ flag that accepts option c (as getopt_long returns it); 0 for
 * '?', which getopt returns for an unknown option or a missing argument. */
static unsigned ropt_flag(int c)
{
	switch (c) {
	case 'p': return RO_PUBKEY;
	case 'C': return RO_DIR;
	case 'j': return RO_THREADS;
	case 'q': return RO_QUIET;
	case 'v': return RO_VERBOSE;
	case 'l': return RO_LONG;
	case OPT_JSON: return RO_JSON;
	case OPT_ALLOW: return RO_UNTRUSTED;
	case OPT_FORCE: return RO_FORCE;
	case OPT_NO_MTIME: return RO_NO_MTIME;
	case OPT_FORMAT: return RO_FORMAT;
	case OPT_SYMLINKS: return RO_SYMLINKS;
	case OPT_CHAIN: return RO_CHAIN;
	case OPT_AT: return RO_CHAIN;
	case OPT_ALL: return RO_ALL;
	case 'k': return RO_KEY;
	case OPT_PASSFILE: return RO_KEY;
	default: return 0;
	}
}

/* -j N: -1 to go on, or an exit code. */
static int parse_threads(const char *cmd, const char *s, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*end || end == s || v < 1 || v > 1000)
		return cli_usage_error(cmd, "bad number '%s'", s);
	*out = (int)v;
	return -1;
}

/* The --chain files and the -k keys of this run, lists freed at exit. */
static const char **chain_files, **key_files;

static void run_lists_free(void)
{
	free(chain_files);
	free(key_files);
}

/* s appended to *list, of *n; -1 to go on, or an exit code. */
static int run_list_push(const char *cmd, const char ***list, size_t *n, const char *s)
{
	const char **v = realloc(*list, (*n + 1) * sizeof *v);
	if (v == NULL)
		return cli_usage_error(cmd, "out of memory");
	static int registered;
	if (!registered && atexit(run_lists_free) == 0)
		registered = 1;
	*list = v;
	v[(*n)++] = s;
	return -1;
}

int cli_add_key(const char *cmd, const char *file, const char ***keys, size_t *n)
{
	int ec = run_list_push(cmd, &key_files, n, file);
	*keys = key_files;
	return ec;
}

int cli_add_chain(const char *cmd, const char *file, npk_chain_opts *c)
{
	int ec = run_list_push(cmd, &chain_files, &c->nfiles, file);
	c->files = chain_files;
	return ec;
}

/* "YYYY-MM-DD" and "THH:MM:SSZ" as numbers; 1 when s is exactly that. */
static int take_date(const char *s, int *f)
{
	static const char pat[] = "dddd-dd-ddTdd:dd:ddZ";
	size_t n = strlen(s);
	if (n != 10 && n != sizeof pat - 1)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (pat[i] == 'd' ? !isdigit((unsigned char)s[i]) : s[i] != pat[i])
			return 0;
	f[3] = 23, f[4] = 59, f[5] = 59;
	return n == 10 ? sscanf(s, "%4d-%2d-%2d", &f[0], &f[1], &f[2]) == 3
	               : sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ", &f[0], &f[1], &f[2], &f[3], &f[4],
	                        &f[5]) == 6;
}

int cli_parse_at(const char *cmd, const char *s, npk_chain_opts *c)
{
	int f[6];
	char *end;
	if (isdigit((unsigned char)s[0]) && strlen(s) <= 10) {
		unsigned long v = strtoul(s, &end, 10);
		if (*end == 0 && v <= 0xFFFFFFFEul) {
			c->at = NPK_AT_EDITION;
			c->at_edition = (uint32_t)v;
			return -1;
		}
	}
	if (!take_date(s, f) || f[1] < 1 || f[1] > 12 || f[2] < 1 || f[2] > 31 || f[3] > 23 ||
	    f[4] > 59 || f[5] > 59)
		return cli_usage_error(cmd, "--at takes an edition number or a date "
		                       "(YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ), not '%s'", s);
	struct tm tm = {.tm_year = f[0] - 1900, .tm_mon = f[1] - 1, .tm_mday = f[2],
	                .tm_hour = f[3], .tm_min = f[4], .tm_sec = f[5]};
	time_t t = timegm(&tm);
	if (t < 0 || tm.tm_mday != f[2])
		return cli_usage_error(cmd, "--at: no such date '%s'", s);
	c->at = NPK_AT_TIME;
	c->at_time = (uint64_t)t;
	return -1;
}

int cli_parse_ropts(int argc, char **argv, const char *cmd, unsigned allowed,
                    void (*help)(FILE *), cli_ropts *o)
{
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'},
		{"json", no_argument, NULL, OPT_JSON},
		{"allow-untrusted", no_argument, NULL, OPT_ALLOW},
		{"force", no_argument, NULL, OPT_FORCE},
		{"no-mtime", no_argument, NULL, OPT_NO_MTIME},
		{"format", required_argument, NULL, OPT_FORMAT},
		{"symlinks", no_argument, NULL, OPT_SYMLINKS},
		{"chain", required_argument, NULL, OPT_CHAIN},
		{"at", required_argument, NULL, OPT_AT},
		{"all", no_argument, NULL, OPT_ALL},
		{"passphrase-file", required_argument, NULL, OPT_PASSFILE},
		{NULL, 0, NULL, 0},
	};
	memset(o, 0, sizeof *o);
	o->dir = ".";
	int c, ec;
	optind = 1;
	while ((c = getopt_long(argc, argv, "p:C:j:k:qvlh", longopts, NULL)) != -1) {
		if (c != 'h' && !(allowed & ropt_flag(c)))
			return cli_usage_error(cmd, "option not accepted here");
		switch (c) {
		case 'p': o->pubkey = optarg; break;
		case 'C': o->dir = optarg; break;
		case 'q': o->quiet = 1; break;
		case 'v': o->verbose = 1; break;
		case 'l': o->longfmt = 1; break;
		case 'j':
			if ((ec = parse_threads(cmd, optarg, &o->threads)) >= 0)
				return ec;
			break;
		case OPT_JSON: o->json = 1; break;
		case OPT_ALLOW: o->allow_untrusted = 1; break;
		case OPT_FORCE: o->force = 1; break;
		case OPT_NO_MTIME: o->no_mtime = 1; break;
		case OPT_FORMAT: o->format = optarg; break;
		case OPT_SYMLINKS: o->symlinks = 1; break;
		case OPT_CHAIN:
			if ((ec = cli_add_chain(cmd, optarg, &o->chain)) >= 0)
				return ec;
			break;
		case OPT_AT:
			if ((ec = cli_parse_at(cmd, optarg, &o->chain)) >= 0)
				return ec;
			break;
		case OPT_ALL: o->chain.all = 1; break;
		case 'k':
			ec = run_list_push(cmd, &key_files, &o->nkeys, optarg);
			o->keys = key_files;
			if (ec >= 0)
				return ec;
			break;
		case OPT_PASSFILE: o->pass_file = optarg; break;
		case 'h': help(stdout); return 0;
		default: return cli_usage_error(cmd, "bad option");
		}
	}
	return -1;
}

/* The home folder: $HOME when absolute, else the password database's
 * (HOME is unset under env -i and some services). NULL when neither is an
 * absolute path: a relative one would be read from the current folder. */
static const char *home_dir(void)
{
	const char *home = getenv("HOME");
	if (home != NULL && home[0] == '/')
		return home;
	struct passwd *pw = getpwuid(getuid());
	return pw != NULL && pw->pw_dir != NULL && pw->pw_dir[0] == '/' ? pw->pw_dir : NULL;
}

const char *cli_config_dir(void)
{
	static char dir[4096];
	static int done;
	if (!done) {
		done = 1;
		/* XDG Base Directory: a relative XDG_CONFIG_HOME is ignored */
		const char *x = getenv("XDG_CONFIG_HOME");
		const char *home = home_dir();
		if (x != NULL && x[0] == '/')
			snprintf(dir, sizeof dir, "%s/newspack", x);
		else if (home != NULL)
			snprintf(dir, sizeof dir, "%s/.config/newspack", home);
	}
	return dir[0] ? dir : NULL;
}

const char *cli_shown(const char *path)
{
	return path ? path : "(none: HOME is not an absolute path)";
}

static const char *config_path(char *buf, size_t len, const char *name)
{
	const char *dir = cli_config_dir();
	if (dir == NULL)
		return NULL;
	if (buf[0] == 0)
		snprintf(buf, len, "%s/%s", dir, name);
	return buf;
}

const char *cli_default_seckey(void)
{
	static char p[4200];
	return config_path(p, sizeof p, "newspack.key");
}

const char *cli_default_pubkey(void)
{
	static char p[4200];
	return config_path(p, sizeof p, "newspack.pub");
}

const char *cli_default_identity(void)
{
	static char p[4200];
	return config_path(p, sizeof p, "encryption.key");
}

const char *cli_default_recipient(void)
{
	static char p[4200];
	return config_path(p, sizeof p, "encryption.pub");
}

const char *cli_trusted_dir(void)
{
	static char p[4200];
	return config_path(p, sizeof p, "trusted");
}

int cli_load_trust(const char *pubkey_path, npk_trust **out)
{
	npk_error err = {0};
	npk_trust *t = npk_trust_new();
	if (t == NULL) {
		cli_warn("out of memory");
		return EXIT_USAGE;
	}
	int rc;
	if (pubkey_path != NULL) {
		npk_pubkey *pk = NULL;
		rc = npk_pubkey_load(pubkey_path, &pk, &err);
		if (rc == NPK_OK)
			rc = npk_trust_add(t, pk, &err);
		npk_pubkey_free(pk);
	} else if (cli_trusted_dir() != NULL) {
		rc = npk_trust_add_dir(t, cli_trusted_dir(), &err);
	} else {
		rc = NPK_OK; /* no folder to trust keys from: none is trusted */
	}
	if (rc != NPK_OK) {
		npk_trust_free(t);
		return cli_fail(&err);
	}
	*out = t;
	return 0;
}

void cli_untrusted_hint(void)
{
	const char *dir = cli_trusted_dir();
	if (dir != NULL)
		fprintf(stderr, "  To read it anyway, add --allow-untrusted; to trust the key, put its .pub file\n"
		                "  in %s/ or name it with -p.\n", dir);
	else
		fprintf(stderr, "  To read it anyway, add --allow-untrusted; to trust the key, name it with -p.\n"
		                "  No key is trusted from a folder: " CLI_NO_CONFIG_WHY ".\n");
}

const char *cli_copy_name(unsigned bit)
{
	return bit == NPK_COPY_HEADER          ? "header"
	       : bit == NPK_COPY_PAGE_TABLE    ? "page table"
	       : bit == NPK_COPY_CLUSTER_TABLE ? "cluster table"
	       : bit == NPK_COPY_MANIFEST      ? "manifest"
	       : bit == NPK_COPY_SEAL          ? "seal"
	       : bit == NPK_COPY_DICT          ? "compression dictionary"
	                                       : "tail trailer";
}

int cli_copy_object(const char *object)
{
	for (unsigned bit = NPK_COPY_HEADER; bit <= NPK_COPY_DICT; bit <<= 1)
		if (strcmp(object, cli_copy_name(bit)) == 0)
			return 1;
	return 0;
}

const char *cli_copy_names(unsigned bits, char *buf, size_t len)
{
	unsigned n = 0, total = 0;
	for (unsigned b = bits; b; b &= b - 1)
		total++;
	buf[0] = 0;
	for (unsigned bit = NPK_COPY_HEADER; bit <= NPK_COPY_DICT; bit <<= 1) {
		if (!(bits & bit))
			continue;
		size_t at = strlen(buf);
		snprintf(buf + at, len - at, "%s%s", n == 0 ? "" : n + 1 == total ? " and the " : ", the ",
		         cli_copy_name(bit));
		n++;
	}
	return buf;
}

void cli_copies_warn(const char *path, unsigned served)
{
	if (served == 0)
		return;
	char names[120];
	cli_copy_names(served, names, sizeof names);
	int many = (served & (served - 1)) != 0;
	if (served == NPK_COPY_TAIL_TRAILER)
		cli_warn("warning: %s: the tail trailer is damaged; the survival copies in the tail "
		         "give the signed part: run newspack repair", cli_show(path));
	else
		cli_warn("warning: %s: the %s %s damaged; %s survival %s in the tail %s: run newspack "
		         "repair", cli_show(path), names, many ? "are" : "is", many ? "their" : "its",
		         many ? "copies" : "copy", many ? "serve" : "serves");
}

static void chain_warn(const char *file, const char *why, void *ctx)
{
	(void)ctx;
	cli_warn("warning: %s: %s", cli_show(file), cli_show_msg(why));
}

static int open_with(const char *path, const char *pubkey_path, int allow_untrusted,
                     const npk_chain_opts *chain, npk_reader **out);

int cli_open(const char *path, const char *pubkey_path, int allow_untrusted,
             npk_reader **out)
{
	return open_with(path, pubkey_path, allow_untrusted, NULL, out);
}

int cli_open_ro(const char *path, const cli_ropts *o, npk_reader **out)
{
	npk_chain_opts c = o->chain;
	c.warn = chain_warn;
	int ec = open_with(path, o->pubkey, o->allow_untrusted, &c, out);
	if (ec == 0 && (ec = cli_unseal(*out, path, o)) != 0) {
		npk_reader_free(*out);
		*out = NULL;
	}
	return ec;
}

/* Why read_line_fd gave no line. */
enum { LINE_OK, LINE_LONG, LINE_NUL, LINE_NOMEM };

static char *prompt_tty(const char *prompt, int *why);
static const char *line_problem(int why);

/* The passphrase of the key file at path, asked for at the terminal: no
 * option gives it (--passphrase-file, where a command has it, is the
 * archive's or the signing key's), so without a terminal it is refused
 * saying so. NULL when refused. */
static char *key_passphrase(const char *path)
{
	char prompt[4200];
	snprintf(prompt, sizeof prompt, "Passphrase for %s: ", path);
	int why;
	char *p = prompt_tty(prompt, &why);
	if (p == NULL && why == LINE_OK)
		cli_warn("%s is protected by a passphrase, which is asked for at a terminal, and there "
		         "is none", cli_show(path));
	else if (p == NULL)
		cli_warn("%s", line_problem(why));
	return p;
}

/* A secret key of -k into the keyring: its passphrase asked for when it
 * has one; its public key appended to *mine (when mine is not NULL).
 * Returns 0 or an exit code. */
static int keyring_add_file(npk_keyring *k, const char *path, npk_recipient ***mine,
                            size_t *nmine)
{
	npk_error err = {0};
	npk_recipient *me = NULL, **pme = mine != NULL ? &me : NULL;
	if (mine != NULL) {
		npk_recipient **v = realloc(*mine, (*nmine + 1) * sizeof *v);
		if (v == NULL) {
			cli_warn("out of memory");
			return EXIT_USAGE;
		}
		*mine = v;
	}
	int rc = npk_keyring_add_file(k, path, NULL, pme, &err);
	if (rc == NPK_E_PASSPHRASE) { /* protected: asked for */
		char *pass = key_passphrase(path);
		if (pass == NULL)
			return EXIT_USAGE;
		rc = npk_keyring_add_file(k, path, pass, pme, &err);
		cli_passphrase_free(pass);
	}
	if (rc == NPK_OK && mine != NULL)
		(*mine)[(*nmine)++] = me;
	return rc == NPK_OK ? 0 : cli_fail(&err);
}

int cli_keyring(const char **keys, size_t nkeys, const char *pass_file, npk_keyring **out,
                int *used_default, npk_recipient ***mine, size_t *nmine)
{
	struct stat st;
	const char *def = cli_default_identity();
	int use_default = nkeys == 0 && pass_file == NULL && def != NULL && stat(def, &st) == 0;
	*out = NULL;
	if (used_default != NULL)
		*used_default = use_default;
	if (nkeys == 0 && pass_file == NULL && !use_default)
		return 0;
	npk_keyring *k = npk_keyring_new();
	if (k == NULL) {
		cli_warn("out of memory");
		return EXIT_USAGE;
	}
	int ec = 0;
	for (size_t i = 0; ec == 0 && i < nkeys; i++)
		ec = keyring_add_file(k, keys[i], mine, nmine);
	if (ec == 0 && use_default)
		ec = keyring_add_file(k, def, mine, nmine);
	npk_error err = {0};
	if (ec == 0 && pass_file != NULL) {
		char *pass = cli_passphrase(pass_file, "Passphrase of the archive: ", 0);
		if (pass == NULL)
			ec = EXIT_USAGE;
		else if (npk_keyring_passphrase(k, pass, &err) != NPK_OK)
			ec = cli_fail(&err);
		cli_passphrase_free(pass);
	}
	if (ec != 0) {
		npk_keyring_free(k);
		return ec;
	}
	*out = k;
	return 0;
}

int cli_unseal(npk_reader *r, const char *archive, const cli_ropts *o)
{
	npk_info in;
	npk_reader_info(r, &in);
	if (in.sealed != 1)
		return 0;
	npk_keyring *k = NULL;
	int use_def = 0;
	int ec = cli_keyring(o->keys, o->nkeys, o->pass_file, &k, &use_def, NULL, NULL);
	if (ec != 0)
		return ec;
	if (k == NULL) { /* no key given, none by default */
		if (o->closed_ok)
			return 0;
		cli_warn("%s is sealed: give a recipient's secret key (-k KEY) or its passphrase "
		         "(--passphrase-file F) to read it; verify checks it without one",
		         cli_show(archive));
		return EXIT_USAGE;
	}
	npk_error err = {0};
	int rc = npk_reader_unseal(r, k, &err);
	npk_keyring_free(k);
	/* the default key, not asked for, that is no recipient: verify and
	 * info go on without a key */
	if (rc == NPK_E_NOKEY && use_def && o->closed_ok)
		return 0;
	if (rc == NPK_E_NOKEY && use_def) {
		cli_warn("%s (tried the default key %s; give another with -k KEY)",
		         cli_show_msg(err.msg), cli_show(cli_default_identity()));
		return cli_exit_code(rc);
	}
	return rc != NPK_OK ? cli_fail(&err) : ec;
}

static int open_with(const char *path, const char *pubkey_path, int allow_untrusted,
                     const npk_chain_opts *chain, npk_reader **out)
{
	npk_trust *t = NULL;
	int ec = cli_load_trust(pubkey_path, &t);
	if (ec != 0)
		return ec;
	npk_error err = {0};
	/* untrusted signers are refused here, so that the refusal can name the
	 * key by its fingerprint and not by the id it claims alone */
	int rc = npk_reader_open_chain(path, t, 1, chain, out, &err);
	npk_trust_free(t);
	if (rc != NPK_OK)
		return cli_fail(&err);
	npk_info in;
	npk_reader_info(*out, &in);
	cli_copies_warn(path, in.copies_served);
	if (in.trusted || allow_untrusted)
		return 0;
	char id[17], fp[NPK_FINGERPRINT_LEN];
	npk_keyid_format(in.key_id, id);
	npk_fingerprint_format(in.signer, fp);
	cli_warn("%s: valid signature by a key claiming to be key %s, which is not trusted "
	         "(fingerprint %s)", path, id, fp);
	cli_untrusted_hint();
	npk_reader_free(*out);
	*out = NULL;
	return EXIT_UNTRUSTED;
}

/* The first line of fd, without its LF (and a CR before it); NULL with
 * *why set when it is too long or holds a NUL byte, which would cut the
 * passphrase short. */
static char *read_line_fd(int fd, int *why)
{
	size_t cap = 1024, n = 0;
	char *p = malloc(cap);
	*why = p == NULL ? LINE_NOMEM : LINE_OK;
	for (; p != NULL;) {
		char ch;
		ssize_t r = read(fd, &ch, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || ch == '\n')
			break;
		if (n + 1 == cap || ch == 0) {
			*why = ch == 0 ? LINE_NUL : LINE_LONG; /* no sane passphrase is longer */
			cli_passphrase_wipe(p, n);
			return NULL;
		}
		p[n++] = ch;
	}
	if (p == NULL)
		return NULL;
	if (n > 0 && p[n - 1] == '\r')
		n--;
	p[n] = 0;
	return p;
}

/* What read_line_fd's why says, for "FILE: ..." */
static const char *line_problem(int why)
{
	return why == LINE_NUL ? "the passphrase holds a NUL byte"
	       : why == LINE_LONG ? "the passphrase is longer than 1023 bytes"
	       : why == LINE_NOMEM ? "out of memory" : "no terminal";
}

/* The line typed at the terminal, or NULL with *why set (LINE_OK: there
 * is no terminal). */
static char *prompt_tty(const char *prompt, int *why)
{
	*why = LINE_OK;
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	struct termios old, quiet;
	int have = tcgetattr(fd, &old) == 0;
	if (have) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(fd, TCSAFLUSH, &quiet);
	}
	if (write(fd, prompt, strlen(prompt)) < 0) {
		/* nothing to do: the read below still works */
	}
	char *p = read_line_fd(fd, why);
	if (have)
		tcsetattr(fd, TCSAFLUSH, &old);
	if (write(fd, "\n", 1) < 0) {
		/* as above */
	}
	close(fd);
	return p;
}

char *cli_passphrase(const char *file, const char *prompt, int confirm)
{
	if (file != NULL) {
		int fd = strcmp(file, "-") == 0 ? dup(0) : open(file, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			cli_warn("%s: %s", file, strerror(errno));
			return NULL;
		}
		int why;
		char *p = read_line_fd(fd, &why);
		close(fd);
		if (p == NULL)
			cli_warn("%s: %s", file, line_problem(why));
		return p;
	}
	int why;
	char *p = prompt_tty(prompt, &why);
	if (p == NULL && why == LINE_OK)
		cli_warn("a passphrase is needed but there is no terminal; use --passphrase-file FILE");
	else if (p == NULL)
		cli_warn("%s", line_problem(why));
	if (p == NULL)
		return NULL;
	if (confirm) {
		char *q = prompt_tty("Passphrase (again): ", &why);
		if (q == NULL || strcmp(p, q) != 0) {
			cli_warn("the passphrases do not match");
			cli_passphrase_free(p);
			cli_passphrase_free(q);
			return NULL;
		}
		cli_passphrase_free(q);
	}
	return p;
}

void cli_passphrase_wipe(char *p, size_t n)
{
	volatile char *v = p;
	while (n-- > 0)
		*v++ = 0;
	free(p);
}

void cli_passphrase_free(char *p)
{
	if (p != NULL)
		cli_passphrase_wipe(p, strlen(p));
}

const char *cli_s(uint64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

void cli_size(uint64_t n, char *out, size_t len)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double v = (double)n;
	unsigned u = 0;
	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(out, len, "%llu B", (unsigned long long)n);
	else
		snprintf(out, len, "%.1f %s", v, units[u]);
}

void cli_time(uint64_t t, char *out, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (gmtime_r(&tt, &tm) == NULL || strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, len, "%llu", (unsigned long long)t);
}

const char *cli_kind_name(unsigned kind)
{
	static const char *const names[] = {"document", "withdrawn", "folder", "symlink"};
	return kind < sizeof names / sizeof names[0] ? names[kind] : "unknown";
}

static int target_sink(const uint8_t *buf, size_t len, void *ctx)
{
	cli_target *t = ctx;
	if (len >= sizeof t->s - t->n)
		return NPK_E_FORMAT;
	memcpy(t->s + t->n, buf, len);
	t->n += len;
	t->s[t->n] = 0;
	return 0;
}

int cli_read_target(npk_reader *r, const npk_entry *e, cli_target *t, npk_error *err)
{
	t->n = 0;
	t->s[0] = 0;
	return npk_reader_read(r, e, target_sink, t, err);
}

json_t *cli_entry_json(const npk_entry *e, const char *target)
{
	char hex[65];
	cli_hex(e->digest, 32, hex);
	json_t *o = json_pack("{s:s, s:I, s:s, s:s, s:s}", "path", e->path, "size",
	                      (json_int_t)e->size, "media_type", e->media_type, "blake2b_256", hex,
	                      "kind", cli_kind_name(e->kind));
	if (o == NULL)
		return NULL;
	if (target != NULL)
		json_object_set_new(o, "target", json_string(target));
	json_object_set_new(o, "metadata", cli_meta_json(e->meta));
	return o;
}

void cli_hex(const uint8_t *p, size_t n, char *out)
{
	static const char hx[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hx[p[i] >> 4];
		out[2 * i + 1] = hx[p[i] & 15];
	}
	out[2 * n] = 0;
}

json_t *cli_meta_json(const npk_meta *m)
{
	char *text;
	if (npk_meta_to_json(m, &text, NULL, NULL) != NPK_OK)
		return NULL;
	json_t *o = json_loads(text, 0, NULL);
	free(text);
	return o;
}

/* One of the CLI_SHOW_SLOTS buffers, in turn, with room for n bytes. */
static char *show_slot(size_t n)
{
	static char *slot[CLI_SHOW_SLOTS];
	static size_t cap[CLI_SHOW_SLOTS];
	static unsigned next;
	unsigned k = next++ % CLI_SHOW_SLOTS;
	if (n > cap[k]) {
		char *p = realloc(slot[k], n);
		if (p == NULL)
			return NULL;
		slot[k] = p;
		cap[k] = n;
	}
	return slot[k];
}

const char *cli_show(const char *s)
{
	size_t len = strlen(s);
	char *out = show_slot(4 * len + 4);
	return out ? npk_text_escape(s, len, out, 4 * len + 4) : "(out of memory)";
}

const char *cli_show_msg(const char *s)
{
	size_t len = strlen(s), o = 0;
	char *out = show_slot(4 * len + 4);
	if (out == NULL)
		return "(out of memory)";
	/* the runs between backslashes: a backslash is ASCII, never inside a
	 * UTF-8 sequence */
	for (size_t i = 0; i <= len; i++) {
		size_t n = strcspn(s + i, "\\");
		npk_text_escape(s + i, n, out + o, 4 * len + 4 - o);
		o += strlen(out + o);
		i += n;
		if (i < len)
			out[o++] = '\\';
	}
	out[o] = 0;
	return out;
}

/* The code point of the UTF-8 sequence of n (1-3) bytes at u. */
static unsigned utf8_point(const unsigned char *u, size_t n)
{
	if (n == 1)
		return u[0];
	if (n == 2)
		return (unsigned)(u[0] & 0x1F) << 6 | (u[1] & 0x3F);
	return (unsigned)(u[0] & 0x0F) << 12 | (unsigned)(u[1] & 0x3F) << 6 | (u[2] & 0x3F);
}

/* JSON text t as jansson wrote it (valid UTF-8, C0 controls escaped),
 * with the other characters that npk_text_escape escapes (DEL, C1 and bidi
 * controls) written as \uXXXX too: the same values, safe on a terminal. */
static void json_put(const char *t, FILE *f)
{
	const unsigned char *u = (const unsigned char *)t;
	for (size_t i = 0; u[i];) {
		size_t n = u[i] < 0x80 ? 1 : u[i] < 0xE0 ? 2 : u[i] < 0xF0 ? 3 : 4;
		char shown[20];
		if ((u[i] == 0x7F || u[i] >= 0x80) && n < 4 &&
		    npk_text_escape(t + i, n, shown, sizeof shown)[0] == '\\')
			fprintf(f, "\\u%04x", utf8_point(u + i, n));
		else
			fwrite(u + i, 1, n, f);
		i += n;
	}
}

void cli_json_dump(json_t *j, size_t flags)
{
	char *t = json_dumps(j, flags);
	if (t != NULL)
		json_put(t, stdout);
	free(t);
}

void cli_json_print(json_t *j)
{
	cli_json_dump(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	json_decref(j);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void cli_progress_init(cli_progress *p, const char *verb, uint64_t total, int quiet)
{
	memset(p, 0, sizeof *p);
	p->enabled = !quiet && isatty(2);
	p->verb = verb;
	p->total = total;
	p->last = now();
}

void cli_progress_verbose(cli_progress *p, int verbose)
{
	if (verbose) {
		p->verbose = 1;
		p->enabled = 0;
	}
}

void cli_progress_cb(uint64_t docs, uint64_t bytes, const char *path, void *ctx)
{
	cli_progress *p = ctx;
	/* paths passed npk_path_check, but may hold bidi controls */
	if (p->verbose && path != NULL) {
		fprintf(stderr, "%s %s\n", p->verb, cli_show(path));
		return;
	}
	if (!p->enabled)
		return;
	double t = now();
	if (t - p->last < 0.2)
		return;
	p->last = t;
	char sz[32];
	cli_size(bytes, sz, sizeof sz);
	if (p->total)
		fprintf(stderr, "\r%s %llu/%llu documents (%s) %3.0f%%", p->verb,
		        (unsigned long long)docs, (unsigned long long)p->total, sz,
		        100.0 * (double)docs / (double)p->total);
	else
		fprintf(stderr, "\r%s %llu documents (%s)", p->verb, (unsigned long long)docs, sz);
	p->drawn = 1;
}

void cli_progress_done(cli_progress *p)
{
	if (p->drawn)
		fputs("\r\033[K", stderr);
	p->drawn = 0;
}

volatile int cli_interrupted;

static void on_signal(int sig)
{
	(void)sig;
	cli_interrupted = 1;
}

void cli_catch_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/* ---- INPUTs: argv's, then a --files-from list's ---- */

/* The whole of the list (in->text, NUL-terminated). Returns -1 to go on,
 * or an exit code. */
static int read_list(cli_inputs *in, const char *list, size_t *len)
{
	FILE *f = strcmp(list, "-") == 0 ? stdin : fopen(list, "rb");
	if (f == NULL) {
		cli_warn("%s: %s", list, strerror(errno));
		return EXIT_USAGE;
	}
	size_t cap = 4096, n = 0, got;
	char *t = malloc(cap);
	while (t != NULL && (got = fread(t + n, 1, cap - n - 1, f)) > 0) {
		n += got;
		char *nt = n + 1 == cap ? realloc(t, cap *= 2) : t;
		if (nt == NULL)
			free(t);
		t = nt;
	}
	const char *bad = t == NULL ? "out of memory" : ferror(f) ? strerror(errno) : NULL;
	if (f != stdin)
		fclose(f);
	if (bad != NULL) {
		free(t);
		cli_warn("%s: %s", list, bad);
		return EXIT_USAGE;
	}
	t[n] = 0;
	in->text = t;
	*len = n;
	return -1;
}

/* One more INPUT, stored under path (NULL: as INPUTs are). */
static int push_input(cli_inputs *in, char *src, const char *path)
{
	if (in->n == in->cap) {
		size_t nc = in->cap ? in->cap * 2 : 64;
		char **ni = realloc(in->src, nc * sizeof *ni);
		if (ni != NULL)
			in->src = ni;
		const char **np = ni ? realloc(in->paths, nc * sizeof *np) : NULL;
		if (np == NULL)
			return -1;
		in->paths = np;
		in->cap = nc;
	}
	in->src[in->n] = src;
	in->paths[in->n++] = path;
	return 0;
}

/* --files-from: each record (a line, or NUL-terminated with --null) is
 * SOURCE or SOURCE<TAB>PATH. Returns -1 to go on, or an exit code. */
static int parse_list(cli_inputs *in, const char *list, int null)
{
	size_t len, line = 0;
	int ec = read_list(in, list, &len);
	if (ec >= 0)
		return ec;
	char sep = null ? 0 : '\n';
	for (char *r = in->text, *end = in->text + len, *next; r < end; r = next + 1) {
		next = memchr(r, sep, (size_t)(end - r));
		if (next == NULL)
			next = end;
		*next = 0;
		line++;
		if (*r == 0)
			continue;
		char *tab = strchr(r, '\t');
		if (tab != NULL)
			*tab = 0;
		if (tab != NULL && (tab == r || tab[1] == 0)) {
			cli_warn("%s: %s %zu: no %s the tab", list, null ? "record" : "line", line,
			         tab == r ? "file before" : "path after");
			return EXIT_USAGE;
		}
		if (push_input(in, r, tab ? tab + 1 : NULL) != 0) {
			cli_warn("out of memory");
			return EXIT_USAGE;
		}
	}
	return -1;
}

int cli_gather_inputs(const char *cmd, cli_inputs *in, char **argv, size_t n, const char *list,
                      int null)
{
	for (size_t i = 0; i < n; i++)
		if (push_input(in, argv[i], NULL) != 0)
			return cli_usage_error(cmd, "out of memory");
	return list == NULL ? -1 : parse_list(in, list, null);
}

void cli_inputs_free(cli_inputs *in)
{
	free(in->src);
	free(in->paths);
	free(in->text);
	memset(in, 0, sizeof *in);
}

int cli_push(const char *cmd, const char ***v, size_t *n, const char *s)
{
	const char **nv = realloc(*v, (*n + 1) * sizeof *nv);
	if (nv == NULL)
		return cli_usage_error(cmd, "out of memory");
	nv[(*n)++] = s;
	*v = nv;
	return -1;
}
