/*
 * cmd_recipients.c - newspack recipients list|add|remove|rekey: who can
 * open a sealed archive (spec/format.md 15.17.4, 15.17.9). Adding and
 * removing write the seal, tables, manifest and signature again; rekey
 * seals every object again under a new file key.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void recipients_help(FILE *f)
{
	fprintf(f,
	        "Usage: newspack recipients list [-k KEY]... [--passphrase-file F]\n"
	        "                                [--recipient PUBKEY]... [--json] ARCHIVE\n"
	        "       newspack recipients add (--recipient PUBKEY | --encrypt-passphrase-file F)...\n"
	        "                               [KEYS] [SIGNING] [-o OUT] [--json] ARCHIVE\n"
	        "       newspack recipients remove (--recipient PUBKEY | --passphrase)... [--rekey\n"
	        "                               [--keep PUBKEY]...] [KEYS] [SIGNING] [-o OUT] ARCHIVE\n"
	        "       newspack recipients rekey [--keep PUBKEY]... [KEYS] [SIGNING] [-o OUT] ARCHIVE\n"
	        "\n"
	        "Who can open a sealed archive (create --recipient). Its seal holds one stanza\n"
	        "for each recipient key and passphrase; who each is for is hidden from anyone\n"
	        "without a key. list shows them; with a key, public keys given with --recipient\n"
	        "are matched to their stanzas.\n"
	        "\n"
	        "add gives the archive's file key to more recipients: only the seal and what\n"
	        "follows it (tables, manifest, signature) are written again, nothing is\n"
	        "encrypted again. remove takes recipients out, but whoever held a removed key\n"
	        "could have kept the file key, which still opens every object: --rekey (or\n"
	        "rekey) seals every object again under a new file key, for the recipients that\n"
	        "stay (their public keys with --keep; the key that opens it is kept by itself;\n"
	        "a passphrase stays when --passphrase-file gives it). Copies made before stay\n"
	        "readable with the old file key.\n"
	        "\n"
	        "Both need a key that opens the archive and its signer's secret key: the\n"
	        "archive is verified whole first, then written to a file beside it that must\n"
	        "verify before it replaces ARCHIVE (or goes to -o OUT). Parity and survival\n"
	        "copies are written again as the archive had them.\n"
	        "\n"
	        "  --recipient PUBKEY  list: match this public key; add, remove: this recipient\n"
	        "                      (repeatable)\n"
	        "  --encrypt-passphrase-file F\n"
	        "                      add: a passphrase that opens it, from F's first line\n"
	        "  --passphrase        remove: every passphrase stanza\n"
	        "  --rekey             remove: a new file key, every object sealed again\n"
	        "  --keep PUBKEY       rekey: a recipient that stays (repeatable)\n"
	        "KEYS:\n" CLI_KEY_HELP
	        "SIGNING:\n"
	        "  -s SECKEY           the signer's secret key (default %s)\n"
	        "  --signing-passphrase-file F\n"
	        "                      the secret key's passphrase, from F's first line\n"
	        "  -o OUT              write the changed archive to OUT (which must not exist)\n"
	        "  --json              the result as JSON\n",
	        cli_shown(cli_default_seckey()));
}

typedef struct ropts {
	const char *verb;
	const char **rcpt, **keep, **keys;
	size_t nrcpt, nkeep, nkeys;
	const char *add_pfile, *pass_file, *sec, *sec_pfile, *out;
	int passphrase, rekey, json;
	npk_recipient **rk, **kk, **mine;
	size_t nmine;
	char *add_pass;
	npk_keyring *ring;
	npk_seckey *sk;
} ropts;

static void ropts_free(ropts *o)
{
	for (size_t i = 0; o->rk != NULL && i < o->nrcpt; i++)
		npk_recipient_free(o->rk[i]);
	for (size_t i = 0; o->kk != NULL && i < o->nkeep; i++)
		npk_recipient_free(o->kk[i]);
	for (size_t i = 0; i < o->nmine; i++)
		npk_recipient_free(o->mine[i]);
	free(o->rk);
	free(o->kk);
	free(o->mine);
	free(o->rcpt);
	free(o->keep);
	cli_passphrase_free(o->add_pass);
	npk_keyring_free(o->ring);
	npk_seckey_free(o->sk);
}

static const char *type_name(unsigned t)
{
	return t == NPK_STANZA_X25519       ? "X25519"
	       : t == NPK_STANZA_PASSPHRASE ? "passphrase"
	                                    : "unknown";
}

/* The keyring of -k / --passphrase-file, or the default key when neither
 * is given and it exists. */
static int load_ring(ropts *o)
{
	return cli_keyring(o->keys, o->nkeys, o->pass_file, &o->ring, NULL, &o->mine, &o->nmine);
}

/* ---- list ---- */

static int do_list(ropts *o, const char *archive)
{
	npk_error err = {0};
	npk_reader *r = NULL;
	int ec = cli_recipients_load(o->rcpt, o->nrcpt, &o->rk);
	if (ec != 0)
		return ec;
	if (npk_reader_open(archive, NULL, 1, &r, &err) != NPK_OK)
		return cli_fail(&err);
	npk_info in;
	npk_reader_info(r, &in);
	if (!in.sealed) {
		npk_reader_free(r);
		cli_warn("%s is not sealed: anyone can read it", cli_show(archive));
		return EXIT_USAGE;
	}
	/* a key given must open it; the default key, tried alone, may not */
	int asked = o->nkeys > 0 || o->pass_file != NULL;
	if ((ec = load_ring(o)) == 0 && o->ring != NULL) {
		int rc = npk_reader_unseal(r, o->ring, &err);
		if (rc != NPK_OK && (asked || rc != NPK_E_NOKEY))
			ec = cli_fail(&err);
	}
	npk_stanza st[64];
	size_t n = 0;
	if (ec == 0 && npk_reader_stanzas(r, st, 64, &n, &err) != NPK_OK)
		ec = cli_fail(&err);
	/* which public key given is whose stanza */
	long who[64];
	int tagged = 1;
	for (size_t i = 0; i < 64; i++)
		who[i] = -1;
	npk_reader_info(r, &in);
	for (size_t j = 0; ec == 0 && in.sealed == 2 && j < o->nrcpt + o->nmine; j++) {
		const npk_recipient *k = j < o->nrcpt ? o->rk[j] : o->mine[j - o->nrcpt];
		long at = -1;
		int rc = npk_reader_stanza_of(r, k, &at, &err);
		if (rc == NPK_E_NOTFOUND)
			tagged = 0;
		else if (rc != NPK_OK)
			ec = cli_fail(&err);
		else if (at >= 0 && at < 64 && who[at] < 0)
			who[at] = (long)j;
	}
	if (ec == 0 && o->json) {
		json_t *a = json_array();
		for (size_t i = 0; i < n && i < 64; i++) {
			json_t *s = json_pack("{s:i, s:s}", "stanza", (int)i, "type", type_name(st[i].type));
			if (st[i].opened >= 0)
				json_object_set_new(s, "opened", json_boolean(st[i].opened));
			if (who[i] >= 0) {
				char id[17];
				size_t j = (size_t)who[i];
				const npk_recipient *k = j < o->nrcpt ? o->rk[j] : o->mine[j - o->nrcpt];
				npk_keyid_format(npk_recipient_id(k), id);
				json_object_set_new(s, "key_id", json_string(id));
				if (j < o->nrcpt)
					json_object_set_new(s, "public_key_file", json_string(o->rcpt[j]));
			}
			json_array_append_new(a, s);
		}
		cli_json_print(json_pack("{s:s, s:b, s:b, s:o}", "archive", archive, "opened",
		                         in.sealed == 2, "tagged", tagged, "stanzas", a));
	} else if (ec == 0) {
		size_t nx = 0, np = 0;
		for (size_t i = 0; i < n; i++)
			nx += st[i].type == NPK_STANZA_X25519, np += st[i].type == NPK_STANZA_PASSPHRASE;
		printf("%s: sealed, %zu %s: %zu X25519 %s, %zu %s\n", archive, n,
		       cli_s(n, "stanza", "stanzas"), nx, cli_s(nx, "recipient", "recipients"), np,
		       cli_s(np, "passphrase", "passphrases"));
		for (size_t i = 0; i < n && i < 64; i++) {
			char id[17] = "";
			size_t j = who[i] >= 0 ? (size_t)who[i] : 0;
			if (who[i] >= 0)
				npk_keyid_format(npk_recipient_id(j < o->nrcpt ? o->rk[j]
				                                              : o->mine[j - o->nrcpt]), id);
			printf("  %2zu  %s", i, type_name(st[i].type));
			if (who[i] >= 0 || st[i].opened == 1)
				printf("%*s", (int)(12 - strlen(type_name(st[i].type))), "");
			if (who[i] >= 0)
				printf("key %s%s%s", id, j < o->nrcpt ? " " : "",
				       j < o->nrcpt ? cli_show(o->rcpt[j]) : "");
			if (st[i].opened == 1)
				printf("%s(this key opened it)", who[i] >= 0 ? "  " : "");
			printf("\n");
		}
		if (in.sealed != 2)
			printf("who each stanza is for is hidden without a key: give one that opens it "
			       "(-k KEY) and\npublic keys (--recipient PUBKEY) to tell them apart\n");
		else if (!tagged)
			printf("this archive records no recipient tags: its stanzas cannot be told "
			       "apart\n");
	}
	npk_reader_free(r);
	return ec;
}

/* ---- add, remove, rekey ---- */

static int do_change(ropts *o, const char *archive)
{
	int add = strcmp(o->verb, "add") == 0, rekey_only = strcmp(o->verb, "rekey") == 0;
	if (add && o->nrcpt == 0 && o->add_pfile == NULL)
		return cli_usage_error("recipients", "add: give --recipient PUBKEY or "
		                       "--encrypt-passphrase-file F");
	if (!add && !rekey_only && o->nrcpt == 0 && !o->passphrase)
		return cli_usage_error("recipients", "remove: give --recipient PUBKEY or --passphrase");
	if (rekey_only && (o->nrcpt > 0 || o->passphrase))
		return cli_usage_error("recipients", "rekey removes no one: use remove --rekey");
	if ((add && (o->passphrase || o->rekey || o->nkeep > 0)) ||
	    (!add && o->add_pfile != NULL))
		return cli_usage_error("recipients", "%s does not take that option", o->verb);
	if (rekey_only)
		o->rekey = 1;
	if (o->nkeep > 0 && !o->rekey)
		return cli_usage_error("recipients", "--keep goes with --rekey");
	int ec = cli_recipients_load(o->rcpt, o->nrcpt, &o->rk);
	if (ec == 0)
		ec = cli_recipients_load(o->keep, o->nkeep, &o->kk);
	if (ec == 0 && o->add_pfile != NULL) {
		o->add_pass = cli_passphrase(o->add_pfile, "Passphrase for the archive: ", 1);
		if (o->add_pass == NULL)
			ec = EXIT_USAGE;
		else if (o->add_pass[0] == 0) {
			cli_warn("%s: an empty passphrase", o->add_pfile);
			ec = EXIT_USAGE;
		}
	}
	if (ec == 0)
		ec = load_ring(o);
	if (ec == 0)
		ec = cli_load_seckey(o->sec, o->sec_pfile, &o->sk);
	if (ec != 0)
		return ec;
	npk_recipients_opts ro = {.rekey = o->rekey, .remove_passphrases = o->passphrase};
	if (add) {
		ro.add = (const npk_recipient *const *)o->rk;
		ro.nadd = o->nrcpt;
		ro.add_passphrase = o->add_pass;
	} else {
		ro.remove = (const npk_recipient *const *)o->rk;
		ro.nremove = o->nrcpt;
		ro.keep = (const npk_recipient *const *)o->kk;
		ro.nkeep = o->nkeep;
	}
	npk_recipients_result res;
	npk_error err = {0};
	if (npk_recipients_change(archive, o->out, o->ring, o->sk, &ro, &res, &err) != NPK_OK)
		return cli_fail(&err);
	const char *dest = o->out ? o->out : archive;
	if (o->json) {
		cli_json_print(json_pack("{s:s, s:s, s:b, s:i, s:i, s:i, s:i, s:b, s:I, s:i, s:b, s:b}",
		                         "archive", archive, "written", dest, "ok", 1, "stanzas_before",
		                         (int)res.before, "stanzas", (int)res.after, "added",
		                         (int)res.added, "removed", (int)res.removed, "rekeyed",
		                         res.rekeyed, "objects_sealed_again",
		                         (json_int_t)res.objects, "parity_percent", (int)res.parity,
		                         "copies", res.copies, "verified_with_key",
		                         res.verified_opened));
	} else {
		if (add)
			printf("added %u to the recipients of %s: %u stanzas now; nothing was encrypted "
			       "again\n", res.added, dest, res.after);
		else if (res.removed > 0)
			printf("removed %u of the recipients of %s: %u stanzas left\n", res.removed, dest,
			       res.after);
		if (res.rekeyed)
			printf("sealed again under a new file key: %llu objects, for %u stanzas\n",
			       (unsigned long long)res.objects, res.after);
		printf("signed again, and verified %s; %s%s\n",
		       res.verified_opened ? "whole with the key given"
		                           : "without opening (the key given no longer opens it)",
		       res.parity ? "parity and survival copies written again"
		       : res.copies ? "survival copies written again"
		                    : "no tail",
		       "");
	}
	fflush(stdout);
	if (!add && !res.rekeyed)
		cli_warn("warning: a removed recipient who opened %s before may have kept its file "
		         "key, which still opens every object of it: to shut them out, seal it again "
		         "under a new file key: newspack recipients rekey [--keep PUBKEY]... %s",
		         cli_show(dest), cli_show(dest));
	return 0;
}

int cmd_recipients(int argc, char **argv)
{
	static const struct option lo[] = {
		{"recipient", required_argument, NULL, 'R'},
		{"encrypt-passphrase-file", required_argument, NULL, 'E'},
		{"passphrase", no_argument, NULL, 'P'},
		{"rekey", no_argument, NULL, 'K'},
		{"keep", required_argument, NULL, 'W'},
		{"passphrase-file", required_argument, NULL, 'F'},
		{"signing-passphrase-file", required_argument, NULL, 'S'},
		{"json", no_argument, NULL, 'J'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		recipients_help(stdout);
		return 0;
	}
	ropts o = {0};
	if (argc < 2 || (strcmp(argv[1], "list") != 0 && strcmp(argv[1], "add") != 0 &&
	                 strcmp(argv[1], "remove") != 0 && strcmp(argv[1], "rekey") != 0))
		return cli_usage_error("recipients", "say list, add, remove or rekey");
	o.verb = argv[1];
	int c, ec = -1;
	optind = 2;
	while (ec < 0 && (c = getopt_long(argc, argv, "hk:s:o:", lo, NULL)) != -1) {
		switch (c) {
		case 'h':
			recipients_help(stdout);
			ec = 0;
			break;
		case 'R':
			ec = cli_push("recipients", &o.rcpt, &o.nrcpt, optarg);
			break;
		case 'W':
			ec = cli_push("recipients", &o.keep, &o.nkeep, optarg);
			break;
		case 'k':
			ec = cli_add_key("recipients", optarg, &o.keys, &o.nkeys);
			break;
		case 'E':
			o.add_pfile = optarg;
			break;
		case 'P':
			o.passphrase = 1;
			break;
		case 'K':
			o.rekey = 1;
			break;
		case 'F':
			o.pass_file = optarg;
			break;
		case 'S':
			o.sec_pfile = optarg;
			break;
		case 's':
			o.sec = optarg;
			break;
		case 'o':
			o.out = optarg;
			break;
		case 'J':
			o.json = 1;
			break;
		default:
			ec = cli_usage_error("recipients", "unknown option");
		}
	}
	if (ec < 0 && argc - optind != 1)
		ec = cli_usage_error("recipients", "need exactly one ARCHIVE");
	if (ec < 0 && strcmp(o.verb, "list") == 0 &&
	    (o.add_pfile || o.passphrase || o.rekey || o.nkeep || o.sec || o.sec_pfile || o.out))
		ec = cli_usage_error("recipients", "list takes only -k, --passphrase-file, "
		                     "--recipient and --json");
	if (ec < 0)
		ec = strcmp(o.verb, "list") == 0 ? do_list(&o, argv[optind])
		                                 : do_change(&o, argv[optind]);
	ropts_free(&o);
	return ec;
}
