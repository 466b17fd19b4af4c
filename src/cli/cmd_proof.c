/*
 * cmd_proof.c - per-article proofs (spec/format.md 15.14): prove writes
 * the proof that documents were in a signed archive; check-proof checks
 * one with nothing but the proof, a public key and the document.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

#define PROOF_FILE_MAX (256u << 20)

enum { OPT_JSON = 256, OPT_ALLOW, OPT_FORCE, OPT_ARCHIVE, OPT_CHAIN, OPT_AT, OPT_PASSFILE };

/* ---- prove ---- */

static void prove_help(FILE *f)
{
	fprintf(f,
	        "Usage: newspack prove [-p PUBKEY] [--allow-untrusted] [--chain FILE]... [--at EDITION]\n"
	        "                      [-k KEY]... [--passphrase-file F] ARCHIVE PATH... [-o FILE]\n"
	        "                      [--force] [--json]\n"
	        "\n"
	        "Writes a proof that each document PATH was in ARCHIVE, signed: a short text\n"
	        "(spec/format.md 15.14) holding the document's leaf of the archive's Merkle tree,\n"
	        "the hashes that lead from it to the signed root, and the signed manifest. With\n"
	        "the document and the signer's public key, anyone can check it with\n"
	        "'newspack check-proof', or with stock tools (minisign and a short script), without\n"
	        "the archive; it reveals nothing of the other documents.\n"
	        "Only the entry's index page and O(log n) stored tree nodes are read, and each\n"
	        "proof is checked against the signed root before it is written.\n"
	        "\n" CLI_TRUST_HELP
	        "  --allow-untrusted   prove from an archive signed by a key that is not trusted\n"
	        "  -o FILE             write the proofs, one after the other, to FILE (under a\n"
	        "                      temporary name, then renamed; default: standard output)\n"
	        "  --force             replace an existing FILE\n"
	        "  --json              print a summary (path, leaf, tree size, hashes, bytes); needs -o\n"
	        CLI_CHAIN_HELP
	        "                      (an edition: the proof holds that edition's manifest)\n"
	        CLI_KEY_HELP
	        "A sealed archive (create --recipient) is proven with a recipient's key: its\n"
	        "tree is rebuilt from every entry (it is not stored), and the proof gives the\n"
	        "tree key, which opens nothing else, so that the proof discloses the one\n"
	        "document (its path, size, digest and metadata) and the number of entries.\n"
	        "\n"
	        "Example:\n"
	        "  newspack prove news.npk 2024/05/flood.html -o flood.proof\n"
	        "  newspack check-proof -p signer.pub flood.proof flood.html\n"
	        "\n"
	        "Exit codes: 0 written; 1 the archive or its stored tree is damaged; 2 usage or\n"
	        "I/O error, a PATH not in the archive, an archive without a Merkle tree; 3 the\n"
	        "archive is signed by a key that is not trusted.\n");
}

typedef struct prove_opts {
	const char *pubkey, *out;
	const char **keys;        /* -k: a sealed archive's recipients' keys */
	size_t nkeys;
	const char *pass_file;
	int json, allow_untrusted, force;
	npk_chain_opts chain;     /* --chain, --at (spec/format.md 15.15) */
} prove_opts;

static int prove_parse(int argc, char **argv, prove_opts *o)
{
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'},
		{"json", no_argument, NULL, OPT_JSON},
		{"allow-untrusted", no_argument, NULL, OPT_ALLOW},
		{"force", no_argument, NULL, OPT_FORCE},
		{"chain", required_argument, NULL, OPT_CHAIN},
		{"at", required_argument, NULL, OPT_AT},
		{"passphrase-file", required_argument, NULL, OPT_PASSFILE},
		{NULL, 0, NULL, 0},
	};
	int c, ec = -1;
	memset(o, 0, sizeof *o);
	optind = 1;
	while ((c = getopt_long(argc, argv, "p:o:k:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': o->pubkey = optarg; break;
		case 'k': ec = cli_add_key("prove", optarg, &o->keys, &o->nkeys); break;
		case OPT_PASSFILE: o->pass_file = optarg; break;
		case 'o': o->out = optarg; break;
		case OPT_JSON: o->json = 1; break;
		case OPT_ALLOW: o->allow_untrusted = 1; break;
		case OPT_FORCE: o->force = 1; break;
		case OPT_CHAIN: ec = cli_add_chain("prove", optarg, &o->chain); break;
		case OPT_AT: ec = cli_parse_at("prove", optarg, &o->chain); break;
		case 'h': prove_help(stdout); return 0;
		default: return cli_usage_error("prove", "bad option");
		}
		if (ec >= 0)
			return ec;
	}
	if (argc - optind < 2)
		return cli_usage_error("prove", "need ARCHIVE and at least one PATH");
	if (o->json && o->out == NULL)
		return cli_usage_error("prove", "--json prints a summary on standard output: "
		                       "give the proofs a file with -o FILE");
	return -1;
}

/* Text grown by appending. */
typedef struct textbuf {
	char *p;
	size_t len, cap;
} textbuf;

static int text_add(textbuf *b, const char *s, size_t n)
{
	if (n > b->cap - b->len) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap - b->len < n)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (p == NULL)
			return -1;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	return 0;
}

/* The proof of path appended to b, and its summary to list (may be NULL). */
static int prove_one(npk_reader *r, const char *path, textbuf *b, json_t *list)
{
	npk_proof p;
	npk_error err = {0};
	char *text = NULL;
	size_t len = 0;
	int rc = npk_prove(r, path, &p, &err);
	if (rc == NPK_OK)
		rc = npk_proof_format(&p, &text, &len, &err);
	if (rc == NPK_OK && text_add(b, text, len) != 0)
		rc = err.code = NPK_E_NOMEM;
	if (rc == NPK_OK && list != NULL)
		json_array_append_new(list, json_pack("{s:s, s:I, s:I, s:I, s:I}", "path", path, "leaf",
		                                      (json_int_t)p.index, "tree_size",
		                                      (json_int_t)p.size, "hashes",
		                                      (json_int_t)p.nhashes, "bytes", (json_int_t)len));
	free(text);
	npk_proof_clear(&p);
	if (rc == NPK_E_NOMEM && err.msg[0] == 0)
		snprintf(err.msg, sizeof err.msg, "out of memory");
	return rc == NPK_OK ? 0 : cli_fail(&err);
}

/* path gets b by the one way newspack writes a file (npk_write_file):
 * path holds what it held before or every proof, never a part. */
static int write_atomic(const char *path, const textbuf *b, int force)
{
	npk_error err = {0};
	int rc = npk_write_file(path, b->p, b->len, force, &err);
	if (rc == NPK_OK)
		return 0;
	if (rc == NPK_E_EXISTS)
		cli_warn("%s: exists; add --force to replace it", path);
	else
		cli_warn("%s", err.msg);
	return EXIT_USAGE;
}

static int prove_output(const prove_opts *o, const textbuf *b, int nproofs, json_t *list)
{
	if (o->out != NULL) {
		int ec = write_atomic(o->out, b, o->force);
		if (ec == 0 && list != NULL)
			cli_json_print(json_pack("{s:s, s:O}", "file", o->out, "proofs", list));
		else if (ec == 0)
			printf("%s: %d %s, %zu bytes\n", o->out, nproofs, nproofs == 1 ? "proof" : "proofs",
			       b->len);
		return ec;
	}
	if (fwrite(b->p, 1, b->len, stdout) != b->len || fflush(stdout) != 0) {
		cli_warn("standard output: write error");
		return EXIT_USAGE;
	}
	return 0;
}

int cmd_prove(int argc, char **argv)
{
	prove_opts o;
	int ec = prove_parse(argc, argv, &o);
	if (ec >= 0)
		return ec;
	npk_reader *r = NULL;
	cli_ropts ro = {.pubkey = o.pubkey, .allow_untrusted = o.allow_untrusted, .chain = o.chain,
	                .keys = o.keys, .nkeys = o.nkeys, .pass_file = o.pass_file};
	if ((ec = cli_open_ro(argv[optind], &ro, &r)) != 0)
		return ec;
	textbuf b = {0};
	json_t *list = o.json ? json_array() : NULL;
	for (int i = optind + 1; i < argc && ec == 0; i++)
		ec = prove_one(r, argv[i], &b, list);
	npk_reader_free(r);
	if (ec == 0)
		ec = prove_output(&o, &b, argc - optind - 1, list);
	json_decref(list);
	free(b.p);
	return ec;
}

/* ---- check-proof ---- */

static void check_help(FILE *f)
{
	fprintf(f,
	        "Usage: newspack check-proof [-p PUBKEY] [--json] [-q] [--archive NEWEST.npk\n"
	        "                            [-k KEY]... [--passphrase-file F]] PROOF [DOCUMENT]\n"
	        "       newspack check-proof [-p PUBKEY] [--json] [-q] [--archive NEWEST.npk\n"
	        "                            [-k KEY]... [--passphrase-file F]] PROOF -C DIR\n"
	        "\n"
	        "Checks a proof written by 'newspack prove' (spec/format.md 15.14) with nothing\n"
	        "but the proof, the signer's public key and, if given, the document: the\n"
	        "signature over the archive's manifest, the path of hashes from the document's\n"
	        "leaf to the signed Merkle root, and that the document's bytes are the ones the\n"
	        "archive held. Prints the path, title and date, the leaf, the signer's key id\n"
	        "and fingerprint, and the archive's creation time, which is the signer's own\n"
	        "claim. A file of several proofs is checked proof by proof; PROOF - reads\n"
	        "standard input.\n"
	        "\n"
	        "  -p PUBKEY           the key that must have signed (default: a key among those\n"
	        "                      in ~/.config/newspack/trusted/, or $XDG_CONFIG_HOME/newspack/\n"
	        "                      trusted/; else the key the proof holds, reported UNTRUSTED)\n"
	        "  DOCUMENT            the document's bytes to compare (one proof only)\n"
	        "  -C DIR              each proof's document at DIR/PATH (as 'newspack extract -C\n"
	        "                      DIR' writes it); no symbolic link is followed\n"
	        "  --json              print a JSON report (schema in newspack(1))\n"
	        "  -q                  print nothing on stdout; the exit code tells\n"
	        "  --archive NEWEST.npk  the proof MUST be of an edition of this chain (spec/format.md\n"
	        "                      15.15); says whether the document is still the current\n"
	        "                      version, or was replaced or withdrawn in a later edition\n"
	        "  -k KEY, --passphrase-file F\n"
	        "                      open a sealed --archive (spec/format.md 15.17.8) to say\n"
	        "                      what became of the document; the proof itself needs no key\n"
	        "\n"
	        "Example:\n"
	        "  newspack check-proof -p signer.pub flood.proof flood.html\n"
	        "  newspack check-proof -p signer.pub all.proof -C extracted/\n"
	        "\n"
	        "Exit codes: 0 every proof valid, signed by the key given or a trusted key;\n"
	        "1 a proof invalid (changed, forged, another signer than the key given, the\n"
	        "document differs); 2 a proof or document that cannot be read, not a proof, a\n"
	        "newer proof version, usage; 3 valid, but the signer is not trusted. The worst\n"
	        "wins: 1, then 2, then 3.\n");
}

typedef struct check_opts {
	const char *pubkey, *dir, *proof, *doc, *archive;
	npk_reader *chain;        /* --archive, opened once */
	const char **keys, *pass_file; /* a sealed --archive's (15.17.8) */
	size_t nkeys;
	int json, quiet;
	npk_pubkey *given;
	npk_trust *trust;
	json_t *list;             /* --json: the proofs so far */
	int worst;                /* the exit code so far */
} check_opts;

static int check_parse(int argc, char **argv, check_opts *o)
{
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'},
		{"json", no_argument, NULL, OPT_JSON},
		{"archive", required_argument, NULL, OPT_ARCHIVE},
		{"passphrase-file", required_argument, NULL, OPT_PASSFILE},
		{NULL, 0, NULL, 0},
	};
	int c, ec;
	optind = 1;
	while ((c = getopt_long(argc, argv, "p:C:k:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'k':
			if ((ec = cli_add_key("check-proof", optarg, &o->keys, &o->nkeys)) >= 0)
				return ec;
			break;
		case OPT_PASSFILE: o->pass_file = optarg; break;
		case 'p': o->pubkey = optarg; break;
		case OPT_ARCHIVE: o->archive = optarg; break;
		case 'C': o->dir = optarg; break;
		case 'q': o->quiet = 1; break;
		case OPT_JSON: o->json = 1; break;
		case 'h': check_help(stdout); return 0;
		default: return cli_usage_error("check-proof", "bad option");
		}
	}
	int n = argc - optind;
	if (n < 1 || n > 2)
		return cli_usage_error("check-proof", "need PROOF and at most one DOCUMENT");
	if (n == 2 && o->dir != NULL)
		return cli_usage_error("check-proof", "give a DOCUMENT or -C DIR, not both");
	o->proof = argv[optind];
	o->doc = n == 2 ? argv[optind + 1] : NULL;
	return -1;
}

/* The key given, or the trusted keys. */
static int check_keys(check_opts *o)
{
	npk_error err = {0};
	if (o->pubkey == NULL)
		return cli_load_trust(NULL, &o->trust);
	return npk_pubkey_load(o->pubkey, &o->given, &err) == NPK_OK ? 0 : cli_fail(&err);
}

/* Doubles the buffer *p of *cap bytes: NULL, or why it cannot. */
static const char *grow(char **p, size_t *cap)
{
	if (*cap >= PROOF_FILE_MAX)
		return "larger than 256 MiB: not a proof file";
	size_t ncap = *cap ? *cap * 2 : 65536;
	char *q = realloc(*p, ncap);
	if (q == NULL)
		return "out of memory";
	*p = q;
	*cap = ncap;
	return NULL;
}

/* The proof file, whole (at most PROOF_FILE_MAX bytes); "-" is stdin. */
static char *read_proof(const char *path, size_t *len)
{
	int fd = strcmp(path, "-") == 0 ? dup(0) : open(path, O_RDONLY | O_CLOEXEC);
	size_t cap = 0, n = 0;
	char *p = NULL;
	const char *why = fd < 0 ? strerror(errno) : NULL;
	while (why == NULL) {
		if (n == cap) {
			why = grow(&p, &cap);
			continue;
		}
		ssize_t r = read(fd, p + n, cap - n);
		if (r == 0)
			break;
		if (r < 0 && errno != EINTR)
			why = strerror(errno);
		n += r > 0 ? (size_t)r : 0;
	}
	if (fd >= 0)
		close(fd);
	if (why != NULL) {
		cli_warn("%s: cannot read the proof: %s", path, why);
		free(p);
		return NULL;
	}
	*len = n;
	return p;
}

/* The folder that holds DIR/path's last component, opened component by
 * component with O_NOFOLLOW: no link is followed, so nothing outside DIR
 * is reached. *name is that component (in path, which is cut). */
static int open_parent(const char *dir, char *path, const char **name, int *fd_out)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char *s = path, *slash;
	while (fd >= 0 && (slash = strchr(s, '/')) != NULL) {
		*slash = 0;
		int next = openat(fd, s, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int e = errno;
		close(fd);
		errno = e;
		fd = next;
		s = slash + 1;
	}
	*name = s;
	*fd_out = fd;
	return fd >= 0 ? 0 : errno;
}

/* A pipe holding the len bytes of p (a link's target fits its buffer),
 * its writing end closed: content for npk_proof_check_fd. */
static int pipe_of(const char *p, size_t len, int *fd)
{
	int pp[2];
	if (pipe(pp) != 0)
		return errno;
	int ok = len == 0 || write(pp[1], p, len) == (ssize_t)len;
	close(pp[1]);
	if (!ok) {
		close(pp[0]);
		return EIO;
	}
	*fd = pp[0];
	return 0;
}

static int open_file(int dfd, const char *name, int *fd)
{
	struct stat st;
	*fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (*fd < 0)
		return errno;
	if (fstat(*fd, &st) == 0 && S_ISREG(st.st_mode))
		return 0;
	close(*fd);
	*fd = -1;
	return EINVAL;
}

/* An empty folder's content is none (15.7: size 0, H("")). */
static int open_folder(int dfd, const char *name, int *fd)
{
	int d = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (d < 0)
		return errno;
	close(d);
	return pipe_of("", 0, fd);
}

/* A link's content is its target, read, never followed. */
static int open_link(int dfd, const char *name, int *fd)
{
	char t[4097];
	ssize_t n = readlinkat(dfd, name, t, sizeof t);
	if (n < 0)
		return errno;
	return (size_t)n == sizeof t ? E2BIG : pipe_of(t, (size_t)n, fd);
}

/* The content of DIR/path for an entry of this kind, on *fd. */
static int open_under(const char *dir, const char *path, unsigned kind, int *fd)
{
	char *copy = strdup(path);
	const char *name;
	int dfd, e = copy == NULL ? ENOMEM : open_parent(dir, copy, &name, &dfd);
	*fd = -1;
	if (e == 0) {
		e = kind == NPK_KIND_FOLDER ? open_folder(dfd, name, fd)
		    : kind == NPK_KIND_SYMLINK ? open_link(dfd, name, fd) : open_file(dfd, name, fd);
		close(dfd);
	}
	free(copy);
	return e;
}

/* "DIR/PATH: why" into err, as the check of an unreadable document. */
static void doc_unreadable(const char *dir, const char *path, unsigned kind, int e,
                           npk_error *err)
{
	const char *why = e == EINVAL && kind == NPK_KIND_SYMLINK ? "not a symbolic link"
	                  : e == EINVAL ? "not a regular file"
	                  : e == ENOTDIR && kind == NPK_KIND_FOLDER ? "not a folder, or a symbolic "
	                    "link or not a folder on its way (no link is followed)"
	                  : e == ELOOP || e == ENOTDIR ? "a symbolic link or not a folder on its way "
	                    "(no link is followed)"
	                  : e == E2BIG ? "a link target longer than 4096 bytes" : strerror(e);
	err->code = e == ENOENT ? NPK_E_NOTFOUND : NPK_E_IO;
	snprintf(err->msg, sizeof err->msg, "%s/%s: cannot open the document: %s", dir,
	         cli_show(path), why);
}

/* Checks p, and its document when there is one: DOCUMENT, or -C DIR
 * (found once the check has read the leaf's path). */
static int check_one(check_opts *o, const npk_proof *p, npk_proof_result *res, npk_error *err)
{
	if (o->dir == NULL)
		return npk_proof_check(p, o->given, o->trust, o->doc, res, err);
	int rc = npk_proof_check(p, o->given, o->trust, NULL, res, err);
	if ((rc != NPK_OK && rc != NPK_E_UNTRUSTED) || res->path == NULL)
		return rc;
	int fd = -1, e = open_under(o->dir, res->path, res->kind, &fd);
	if (e != 0) {
		doc_unreadable(o->dir, res->path, res->kind, e, err);
		res->status = NPK_PROOF_UNREADABLE;
		return err->code;
	}
	char name[4200];
	snprintf(name, sizeof name, "%s/%s", o->dir, res->path);
	npk_proof_result_clear(res);
	rc = npk_proof_check_fd(p, o->given, o->trust, fd, name, res, err);
	close(fd);
	return rc;
}

static const char *status_name(int status)
{
	return status == NPK_PROOF_VALID ? "VALID" : status == NPK_PROOF_UNTRUSTED ? "UNTRUSTED"
	       : status == NPK_PROOF_INVALID ? "INVALID" : "UNREADABLE";
}

static int status_exit(int status)
{
	return status == NPK_PROOF_VALID ? 0 : status == NPK_PROOF_UNTRUSTED ? EXIT_UNTRUSTED
	       : status == NPK_PROOF_INVALID ? EXIT_VERIFY : EXIT_USAGE;
}

/* 15.2's precedence: 1, then 2, then 3, then 0. */
static int worse(int a, int b)
{
	static const int rank[] = {0, 3, 2, 1}; /* by exit code 0, 1, 2, 3 */
	return rank[a] >= rank[b] ? a : b;
}

static const char *doc_state(const npk_proof_result *res)
{
	return res->document == NPK_PROOF_DOC_MATCH ? "match"
	       : res->document == NPK_PROOF_DOC_MISMATCH ? "mismatch" : "not checked";
}

static void text_signer(const npk_proof_result *res)
{
	char id[17];
	npk_keyid_format(res->key_id, id);
	printf("  signer:    key %s, fingerprint %s, %s\n", id, res->fingerprint,
	       res->given ? "the key given (-p)" : res->trusted ? "a trusted key"
	       : "NOT TRUSTED: compare the fingerprint with the signer's, out of band");
}

static void text_fields(const check_opts *o, const npk_proof_result *res)
{
	char when[40], root[65];
	if (res->steps >= 5 || res->path != NULL) {
		printf("  path:      %s%s%s\n", res->kind == NPK_KIND_WITHDRAWN ? "withdrawal of " : "",
		       cli_show(res->path), res->kind == NPK_KIND_FOLDER
		       ? " (an empty folder)" : res->kind == NPK_KIND_SYMLINK ? " (a symbolic link)" : "");
		printf("  title:     %s\n", res->title ? cli_show(res->title) : "(none)");
		printf("  date:      %s\n", res->date ? cli_show(res->date) : "(none)");
	}
	if (res->steps >= 3) {
		cli_hex(res->root, 32, root);
		printf("  leaf:      %llu of %llu (signed Merkle root %s)\n",
		       (unsigned long long)res->leaf, (unsigned long long)res->tree_size, root);
	}
	if (res->document == NPK_PROOF_DOC_MATCH)
		printf("  document:  matches (%s)\n", o->doc ? o->doc : "under -C");
	else if (res->document == NPK_PROOF_DOC_MISMATCH)
		printf("  document:  DOES NOT MATCH\n");
	else
		printf("  document:  not checked (give DOCUMENT, or -C DIR)\n");
	if (res->steps >= 4 || (res->steps == 3 && res->fingerprint[0]))
		text_signer(res);
	if (res->steps >= 3) {
		cli_time(res->created, when, sizeof when);
		printf("  created:   %s (the signer's own claim, not a trusted timestamp)\n", when);
	}
}

/* One proof's report: which it is (when the file holds several), its
 * verdict, what the check found. */
typedef struct report {
	const npk_proof *p;       /* NULL when it could not be parsed */
	const npk_proof_result *res;
	const npk_proof_fate *fate; /* --archive, when the proof was checked */
	const char *msg;          /* why, when not VALID */
	unsigned number;
	int several;
} report;

/* 15.15: what became of the document in the chain of --archive. */
static json_t *json_str_or_null(const char *s);
static void text_fate(const npk_proof_fate *f)
{
	if (f->fate == NPK_FATE_CURRENT)
		printf("  chain:     edition %u; still the current version (the chain has %u %s)\n",
		       f->edition, f->editions, cli_s(f->editions, "edition", "editions"));
	else if (f->fate == NPK_FATE_REPLACED)
		printf("  chain:     edition %u; replaced in edition %u\n", f->edition, f->changed_in);
	else
		printf("  chain:     edition %u; withdrawn in edition %u%s%s%s\n", f->edition,
		       f->changed_in, f->reason ? " (reason: " : "", f->reason ? cli_show(f->reason)
		       : "", f->reason ? ")" : "");
}

static json_t *json_fate(const npk_proof_fate *f)
{
	static const char *const names[] = {"current", "replaced", "withdrawn"};
	return json_pack("{s:I, s:s, s:o, s:o}", "edition", (json_int_t)f->edition, "status",
	                 names[f->fate], "changed_in", f->fate == NPK_FATE_CURRENT ? json_null()
	                 : json_integer(f->changed_in), "reason", json_str_or_null(f->reason));
}

static void text_result(check_opts *o, const report *rp)
{
	const npk_proof_result *res = rp->res;
	if (o->quiet)
		return;
	if (res->status == NPK_PROOF_VALID)
		printf("PROOF: VALID\n");
	else
		printf("PROOF: %s  %s\n", status_name(res->status), cli_show_msg(rp->msg));
	if (rp->several)
		printf("  proof:     %u in %s\n", rp->number, cli_show(o->proof));
	if (rp->p == NULL)
		return;
	text_fields(o, res);
	if (rp->fate != NULL)
		text_fate(rp->fate);
	for (size_t i = 0; i < rp->p->nstamps; i++)
		printf("  stamp:     %s (not checked: version 1 defines no stamp kind)\n",
		       cli_show(rp->p->stamps[i]));
}

static json_t *json_str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *json_signer(const npk_proof_result *res)
{
	char id[17];
	npk_keyid_format(res->key_id, id);
	return json_pack("{s:s, s:o, s:b}", "key_id", id, "fingerprint",
	                 json_str_or_null(res->fingerprint[0] ? res->fingerprint : NULL), "trusted",
	                 res->trusted);
}

static json_t *json_stamps(const npk_proof *p)
{
	json_t *a = json_array();
	for (size_t i = 0; p != NULL && i < p->nstamps; i++)
		json_array_append_new(a, json_pack("{s:s, s:b}", "stamp", p->stamps[i], "checked", 0));
	return a;
}

static void json_result(check_opts *o, const report *rp)
{
	const npk_proof_result *res = rp->res;
	char when[40], root[65];
	static const char *const names[] = {"valid", "invalid", "unreadable", "untrusted"};
	cli_time(res->created, when, sizeof when);
	cli_hex(res->root, 32, root);
	json_t *j = json_pack("{s:I, s:s, s:o, s:o, s:o, s:o}", "proof", (json_int_t)rp->number,
	                      "status", names[res->status], "path", json_str_or_null(res->path),
	                      "title", json_str_or_null(res->title), "date",
	                      json_str_or_null(res->date), "error",
	                      json_str_or_null(res->status == NPK_PROOF_VALID ? NULL : rp->msg));
	if (rp->p != NULL) {
		json_object_set_new(j, "leaf", json_integer((json_int_t)res->leaf));
		json_object_set_new(j, "tree_size", json_integer((json_int_t)res->tree_size));
		json_object_set_new(j, "document", json_string(doc_state(res)));
		json_object_set_new(j, "kind", json_string(res->kind == NPK_KIND_FOLDER ? "folder"
		                    : res->kind == NPK_KIND_SYMLINK ? "symlink" : "document"));
		json_object_set_new(j, "stamps", json_stamps(rp->p));
	}
	if (rp->fate != NULL)
		json_object_set_new(j, "chain", json_fate(rp->fate));
	if (res->steps >= 3) {
		json_object_set_new(j, "root", json_string(root));
		json_object_set_new(j, "signer", json_signer(res));
		json_object_set_new(j, "created", json_string(when));
		json_object_set_new(j, "created_unix", json_integer((json_int_t)res->created));
		json_object_set_new(j, "created_claim", json_true());
	}
	json_array_append_new(o->list, j);
}

/* Whether text holds more than one proof (a line starting one after the
 * first). */
static int several_proofs(const char *text, size_t len)
{
	static const char start[] = "\nnpk-proof/";
	size_t k = sizeof start - 1;
	for (const char *q = text; (q = memchr(q, '\n', len - (size_t)(q - text))) != NULL; q++)
		if (len - (size_t)(q - text) >= k && memcmp(q, start, k) == 0)
			return 1;
	return 0;
}

static void report_one(check_opts *o, const report *rp)
{
	if (o->list != NULL)
		json_result(o, rp);
	else
		text_result(o, rp);
	o->worst = worse(o->worst, status_exit(rp->res->status));
}

/* Checks proof p (number n) and reports it. */
static void check_parsed(check_opts *o, const npk_proof *p, unsigned n, int several)
{
	npk_proof_result res;
	npk_error err = {0};
	char msg[700];
	npk_proof_fate fate = {0};
	int rc = check_one(o, p, &res, &err), fated = 0;
	if (o->chain != NULL && (rc == NPK_OK || rc == NPK_E_UNTRUSTED)) {
		int fr = npk_proof_fate_of(o->chain, p, &fate, &err);
		fated = fr == NPK_OK;
		if (!fated) {
			rc = fr;
			res.status = fr == NPK_E_DIGEST ? NPK_PROOF_INVALID : NPK_PROOF_UNREADABLE;
		}
	}
	snprintf(msg, sizeof msg, "%s: proof %u: %s", o->proof, n, err.msg);
	report rp = {p, &res, fated ? &fate : NULL, rc == NPK_OK ? NULL : msg, n, several};
	report_one(o, &rp);
	npk_proof_fate_clear(&fate);
	npk_proof_result_clear(&res);
}

/* A proof that could not be parsed: INVALID, or unreadable (a newer
 * version). */
static void parse_failed(check_opts *o, int rc, const npk_error *err, unsigned n, int several)
{
	npk_proof_result res;
	memset(&res, 0, sizeof res);
	res.steps = 1;
	res.status = rc == NPK_E_FORMAT ? NPK_PROOF_INVALID : NPK_PROOF_UNREADABLE;
	report rp = {NULL, &res, NULL, err->msg, n, several};
	report_one(o, &rp);
}

static int check_all(check_opts *o, const char *text, size_t len)
{
	npk_proof_text t;
	npk_proof p;
	npk_error err = {0};
	int rc, several = several_proofs(text, len);
	npk_proof_text_init(&t, o->proof, text, len);
	while ((rc = npk_proof_next(&t, &p, &err)) != NPK_E_NOTFOUND) {
		if (rc == NPK_E_INPUT && t.number == 1)
			return cli_fail(&err); /* not a proof file at all */
		if (rc == NPK_OK)
			check_parsed(o, &p, t.number, several);
		else
			parse_failed(o, rc, &err, t.number, several);
		npk_proof_clear(&p);
	}
	return o->worst;
}

int cmd_check_proof(int argc, char **argv)
{
	check_opts o;
	memset(&o, 0, sizeof o);
	int ec = check_parse(argc, argv, &o);
	if (ec >= 0 || (ec = check_keys(&o)) != 0)
		return ec;
	size_t len = 0;
	char *text = read_proof(o.proof, &len);
	if (text != NULL && o.doc != NULL && several_proofs(text, len))
		ec = cli_usage_error("check-proof", "%s holds several proofs: check their documents "
		                     "with -C DIR", o.proof);
	else if (text == NULL)
		ec = EXIT_USAGE;
	if (ec == 0 && o.archive != NULL) {
		npk_error err = {0};
		if (npk_reader_open_chain(o.archive, o.trust, 1, NULL, &o.chain, &err) != NPK_OK)
			ec = cli_fail(&err);
		/* a sealed chain: -k, --passphrase-file, else the default key; without
		 * any it stays closed, and the document's fate cannot be told */
		cli_ropts ro = {.keys = o.keys, .nkeys = o.nkeys, .pass_file = o.pass_file,
		                .closed_ok = 1};
		if (ec == 0)
			ec = cli_unseal(o.chain, o.archive, &ro);
	}
	if (ec == 0) {
		o.list = o.json ? json_array() : NULL;
		ec = check_all(&o, text, len);
	}
	if (o.list != NULL) {
		static const char *const names[] = {"valid", "invalid", "unreadable", "untrusted"};
		cli_json_print(json_pack("{s:o, s:s}", "proofs", o.list, "status", names[ec & 3]));
	}
	free(text);
	npk_reader_free(o.chain);
	npk_pubkey_free(o.given);
	npk_trust_free(o.trust);
	return ec;
}

