/*
 * cli.h - shared pieces of the newspack command line.
 */
#ifndef NPK_CLI_H
#define NPK_CLI_H

#include <stdio.h>

#include <jansson.h>

#include "newspack.h"

/* Exit codes (README, newspack(1)). */
#define EXIT_VERIFY 1     /* bad signature or damaged data */
#define EXIT_USAGE 2      /* usage, input or output error */
#define EXIT_UNTRUSTED 3  /* valid signature by an untrusted key */

int cmd_keygen(int argc, char **argv);
int cmd_create(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_cat(int argc, char **argv);
int cmd_search(int argc, char **argv);
int cmd_search_index(int argc, char **argv);
/* A search's result as search --json prints it (and serve's /api/search):
 * query, matched, matched_exact, unindexed_files, hits (archive: names[i]
 * of the readers searched, path, score, edition, title, date, snippet,
 * marks). newspack-full only (cmd_search.c). */
json_t *cli_search_json(const npk_search_result *res, const char *const *names, const char *q);
int cmd_serve(int argc, char **argv);
int cmd_extract(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_protect(int argc, char **argv);
int cmd_recipients(int argc, char **argv);
int cmd_repair(int argc, char **argv);
/* Parity (parity_report.c, spec/format.md 15.10): --parity's PERCENT (1 to
 * 100; 0 when it is not one), p/k as "5%" or "10.3%", the info and a
 * damaged range as JSON, and a damaged range's DAMAGED line. */
unsigned cli_parity_arg(const char *s);
void cli_parity_percent(const npk_parity_info *pi, char *out, size_t len);
json_t *cli_parity_json(const npk_parity_info *pi);
json_t *cli_parity_range_json(const npk_parity_range *r);
void cli_parity_range_text(const npk_parity_range *r);

/* Editions (cmd_append.c, spec/format.md 15.15): append and rotate; and
 * what they share with create (cmd_create.c): --timestamp's forms, the
 * secret key (-s, --passphrase-file; 0 or an exit code), and the time
 * without --timestamp ($SOURCE_DATE_EPOCH, else now; -1 to go on). */
int cmd_append(int argc, char **argv);
int cmd_rotate(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cli_parse_time(const char *s, uint64_t *out);
/* 15.17: create's and merge's --recipient keys and --encrypt-passphrase-file
 * loaded into opts (*rk and *pass theirs to free); 0 or an exit code. */
/* The recipients' public keys at paths (keygen --encryption's .pub files)
 * into *out (n of them, calloc'ed; nothing when n is 0). Returns 0 or an
 * exit code, having said why. */
int cli_recipients_load(const char **paths, size_t n, npk_recipient ***out);
int cli_sealing_load(const char **rcpt, size_t nrcpt, const char *pfile, int quiet,
                     npk_create_opts *opts, npk_recipient ***rk, char **pass);
int cli_load_seckey(const char *sec, const char *pfile, npk_seckey **sk);
int cli_default_timestamp(npk_create_opts *opts);

int cmd_salvage(int argc, char **argv);
/* Per-article proofs (cmd_proof.c, spec/format.md 15.14). */
int cmd_prove(int argc, char **argv);
int cmd_check_proof(int argc, char **argv);
/* Editions (cmd_chain.c, spec/format.md 15.15). */
int cmd_check_chain(int argc, char **argv);

/* The options of the reading commands (verify, list, info, cat, extract,
 * export). Each command names those it accepts with these flags. */
enum {
	RO_PUBKEY = 1 << 0,       /* -p PUBKEY */
	RO_DIR = 1 << 1,          /* -C DIR */
	RO_JSON = 1 << 2,         /* --json */
	RO_THREADS = 1 << 3,      /* -j N */
	RO_QUIET = 1 << 4,        /* -q */
	RO_VERBOSE = 1 << 5,      /* -v */
	RO_LONG = 1 << 6,         /* -l */
	RO_UNTRUSTED = 1 << 7,    /* --allow-untrusted */
	RO_FORCE = 1 << 8,        /* --force */
	RO_FORMAT = 1 << 9,       /* --format FORMAT */
	RO_NO_MTIME = 1 << 10,    /* --no-mtime */
	RO_SYMLINKS = 1 << 11,    /* --symlinks */
	RO_CHAIN = 1 << 12,       /* --chain FILE (repeatable), --at EDITION|DATE */
	RO_ALL = 1 << 13,         /* --all (list) */
	RO_KEY = 1 << 14,         /* -k KEY (repeatable), --passphrase-file F: sealed archives */
};
typedef struct cli_ropts {
	const char *pubkey;
	const char *dir;          /* "." unless -C */
	const char *format;
	int json, quiet, verbose, allow_untrusted, force, longfmt;
	int no_mtime;
	int symlinks;
	int threads;              /* 0: one per core */
	npk_chain_opts chain;     /* --chain, --at, --all (spec/format.md 15.15) */
	const char **keys;        /* -k: recipients' secret keys (spec/format.md 15.17) */
	size_t nkeys;
	const char *pass_file;    /* --passphrase-file: the archive's passphrase */
	int closed_ok;            /* a sealed archive may stay closed (verify, info) */
} cli_ropts;
/* 15.17: opens r when it is sealed, with o's -k keys and --passphrase-file,
 * or with the default encryption key (keygen --encryption) when neither is
 * given and it exists. Without any, a sealed archive stays closed when
 * o->closed_ok, and is refused otherwise. Returns 0 or an exit code, having
 * said why. */
int cli_unseal(npk_reader *r, const char *archive, const cli_ropts *o);
/* A keyring of the secret keys at keys (their passphrases asked for when
 * they have one) and pass_file's passphrase (may be NULL), or, when neither
 * is given, of the default encryption key (keygen --encryption) if it
 * exists (*used_default says so; may be NULL); *out NULL when there is
 * nothing to put in one. The public keys of its secret keys are appended
 * to *mine (mine may be NULL). Returns 0 or an exit code, having said why. */
int cli_keyring(const char **keys, size_t nkeys, const char *pass_file, npk_keyring **out,
                int *used_default, npk_recipient ***mine, size_t *nmine);
/* The -k and --passphrase-file lines of a reading command's --help. */
#define CLI_KEY_HELP \
	"  -k KEY              a recipient's secret key (keygen --encryption), to read a\n" \
	"                      sealed archive (repeatable; default: the one keygen made)\n" \
	"  --passphrase-file F the passphrase of a sealed archive, from F's first line\n"
/* Parses the options of cmd, accepting those in the RO_ flags allowed;
 * help prints its --help text. Returns -1 to go on (argv[optind] is the
 * first operand), or an exit code. */
int cli_parse_ropts(int argc, char **argv, const char *cmd, unsigned allowed,
                    void (*help)(FILE *), cli_ropts *o);
/* --at EDITION|YYYY-MM-DD[THH:MM:SSZ] into c (a date: the end of that day,
 * UTC); -1 to go on, or an exit code (usage). */
int cli_parse_at(const char *cmd, const char *s, npk_chain_opts *c);
/* -k KEY: added to *keys, of *n (the array lives until exit; one per run). */
int cli_add_key(const char *cmd, const char *file, const char ***keys, size_t *n);
/* --chain FILE: added to c (the array lives until exit). */
int cli_add_chain(const char *cmd, const char *file, npk_chain_opts *c);
/* The --chain and --at lines of a reading command's --help. */
#define CLI_CHAIN_HELP \
	"  --chain FILE        an earlier edition of ARCHIVE's chain, where it is not beside\n" \
	"                      ARCHIVE under the name its link gives (repeatable, any order)\n" \
	"  --at EDITION|DATE   the state at that edition, or at the newest edition created\n" \
	"                      at or before DATE (YYYY-MM-DD: the end of that day, or\n" \
	"                      YYYY-MM-DDTHH:MM:SSZ)\n"
/* The -p line of a reading command's --help. */
#define CLI_TRUST_HELP \
	"  -p PUBKEY           trust only this public key (default: every key in\n" \
	"                      ~/.config/newspack/trusted/, or $XDG_CONFIG_HOME/newspack/trusted/)\n"

/* Appends s to the list *v of *n (a repeated option of cmd). Returns -1
 * to go on, or an exit code (out of memory). */
int cli_push(const char *cmd, const char ***v, size_t *n, const char *s);
/* Prints "newspack: MSG" to stderr. */
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints err and returns the exit code for its code. */
int cli_fail(const npk_error *err);
int cli_exit_code(int npk_code);
/* "Try 'newspack CMD --help'." and EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The configuration folder (spec/keys.md 6): $XDG_CONFIG_HOME/newspack
 * when XDG_CONFIG_HOME is absolute, else HOME/.config/newspack, HOME being
 * $HOME when absolute, else the password database's home folder. NULL when
 * no absolute folder is found: nothing is then read from or written to a
 * folder relative to the current one. Static storage. */
const char *cli_config_dir(void);
/* The default key files and the trusted keys folder in it, or NULL. */
const char *cli_default_seckey(void);
const char *cli_default_pubkey(void);
const char *cli_trusted_dir(void);
/* The default encryption key pair (keygen --encryption; keys.md 9), or NULL. */
const char *cli_default_identity(void);
const char *cli_default_recipient(void);
/* Why cli_config_dir() is NULL. */
#define CLI_NO_CONFIG_WHY "neither XDG_CONFIG_HOME nor HOME is an absolute path, and the password\n" \
	"  database names no home folder"
/* path, or a note saying there is none (for help texts). */
const char *cli_shown(const char *path);
/* The lines after "not trusted": how to read or trust it anyway, and why
 * no folder was searched when there was none. */
void cli_untrusted_hint(void);

/* The trust set: the key in pubkey_path if given, else every key in the
 * trusted keys folder. Returns an exit code (0 on success). */
int cli_load_trust(const char *pubkey_path, npk_trust **out);
/* Opens an archive for list, info, cat or extract: refuses untrusted
 * signers unless allow_untrusted. Returns an exit code. */
/* Survival copies (spec/format.md 15.9): the name of an NPK_COPY_* bit;
 * whether a problem's object is one; the names of bits, "header and the
 * page table", into buf; one warning on stderr when any served at open. */
const char *cli_copy_name(unsigned bit);
int cli_copy_object(const char *object);
const char *cli_copy_names(unsigned bits, char *buf, size_t len);
void cli_copies_warn(const char *path, unsigned served);
int cli_open(const char *path, const char *pubkey_path, int allow_untrusted,
             npk_reader **out);
/* The same with o's -p, --allow-untrusted and chain options (--chain, --at,
 * --all): an edition opens as its chain (spec/format.md 15.15), and each
 * --chain file that is not in it is named in a warning. */
int cli_open_ro(const char *path, const cli_ropts *o, npk_reader **out);

/* Reads a passphrase from file (first line) or, if file is NULL, from the
 * terminal (twice when confirm). Returns a malloc'ed string or NULL after
 * printing why; a NUL byte in the line is refused, not cut at. */
char *cli_passphrase(const char *file, const char *prompt, int confirm);
void cli_passphrase_free(char *p);
/* Wipes the n bytes of p, then frees it. */
void cli_passphrase_wipe(char *p, size_t n);

/* one or many, by n */
const char *cli_s(uint64_t n, const char *one, const char *many);
/* "12.3 KiB" */
void cli_size(uint64_t n, char *out, size_t len);
/* "2025-01-24T00:00:00Z" */
void cli_time(uint64_t t, char *out, size_t len);
void cli_hex(const uint8_t *p, size_t n, char *out);

/* An entry's kind as list shows it: document, withdrawn, folder, symlink. */
const char *cli_kind_name(unsigned kind);
/* A symbolic link's target, read (and checked: spec/format.md 15.7). */
typedef struct cli_target {
	char s[4097];
	size_t n;
} cli_target;
int cli_read_target(npk_reader *r, const npk_entry *e, cli_target *t, npk_error *err);
/* An entry as list --json and serve's API show it: path, size, media_type,
 * blake2b_256, kind, target (a link's, when given), metadata. */
json_t *cli_entry_json(const npk_entry *e, const char *target);

/* Metadata as a JSON object: author and keywords are always arrays; other
 * keys are strings, or arrays when they repeat. */
json_t *cli_meta_json(const npk_meta *m);
/* Dumps j (stolen) to stdout with a newline. */
void cli_json_print(json_t *j);
/* Dumps j (not stolen) to stdout with json_dumps flags, with DEL, C1 and
 * bidi controls as \uXXXX (jansson escapes C0 controls). */
void cli_json_dump(json_t *j, size_t flags);

/* s, a value from an archive, for a terminal: control and bidi characters
 * escaped as \xNN by npk_text_escape, in one of CLI_SHOW_SLOTS buffers
 * used in turn (so one printf can show that many values). Main thread. */
#define CLI_SHOW_SLOTS 8
const char *cli_show(const char *s);
/* A library message for a terminal: as cli_show, but backslashes are kept,
 * for the library has already shown the values it quotes with
 * npk_text_escape's \xNN (only a path that passed npk_path_check, which
 * may hold bidi controls but no backslash, is quoted as it is). */
const char *cli_show_msg(const char *s);

/* Set by SIGINT, SIGTERM or SIGHUP once cli_catch_signals() ran: long work
 * then stops cleanly and removes its temporary files. */
extern volatile int cli_interrupted;
void cli_catch_signals(void);

/* A progress line on stderr, only when stderr is a terminal; with -v
 * (verbose), a line for each document instead, wherever stderr goes. */
typedef struct cli_progress {
	int enabled;
	int verbose;
	const char *verb;
	uint64_t total;           /* documents expected, 0 if unknown */
	double last;              /* time of the last redraw */
	int drawn;
} cli_progress;
void cli_progress_init(cli_progress *p, const char *verb, uint64_t total, int quiet);
/* -v: a line per document (after cli_progress_init) */
void cli_progress_verbose(cli_progress *p, int verbose);
void cli_progress_cb(uint64_t docs, uint64_t bytes, const char *path, void *ctx);
void cli_progress_done(cli_progress *p);

/* The INPUTs of create and append: argv's, then the records of
 * --files-from LIST ('-': stdin), each SOURCE or SOURCE<TAB>PATH, ending
 * with a line break or (null) a NUL. paths[i]: the path in the archive,
 * or NULL. Returns -1 to go on, or an exit code (said). */
typedef struct cli_inputs {
	char **src;
	const char **paths;
	size_t n, cap;
	char *text;               /* the list, read whole: src and paths point into it */
} cli_inputs;
int cli_gather_inputs(const char *cmd, cli_inputs *in, char **argv, size_t n, const char *list,
                      int null);
void cli_inputs_free(cli_inputs *in);

#endif
