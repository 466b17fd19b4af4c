/*
 * verify_list.c - verify an archive with libnewspack and list its documents.
 *
 *   cc verify_list.c $(pkg-config --cflags --libs newspack) -o verify_list
 *   ./verify_list ARCHIVE [PUBKEY]
 *
 * With PUBKEY, only that key is trusted; without, the signature is checked
 * with the key stored in the archive and reported as untrusted.
 */
#include <stdio.h>

#include <newspack.h>

static void on_problem(const npk_problem *p, void *ctx)
{
	(void)ctx;
	printf("damaged %s %llu%s%s: %s\n", p->object, (unsigned long long)p->number,
	       p->path ? " " : "", p->path ? p->path : "", p->message);
}

static int on_entry(const npk_entry *e, void *ctx)
{
	const char *title = npk_meta_find(e->meta, "title");
	(void)ctx;
	printf("%10llu  %s%s%s\n", (unsigned long long)e->size, e->path, title ? "  " : "",
	       title ? title : "");
	return 0;
}

int main(int argc, char **argv)
{
	npk_error err = {0};
	npk_trust *trust = NULL;
	npk_reader *r = NULL;
	int rc;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: %s ARCHIVE [PUBKEY]\n", argv[0]);
		return 2;
	}
	if (argc == 3) {
		npk_pubkey *pk = NULL;
		trust = npk_trust_new();
		if ((rc = npk_pubkey_load(argv[2], &pk, &err)) != NPK_OK ||
		    (rc = npk_trust_add(trust, pk, &err)) != NPK_OK)
			goto out;
		npk_pubkey_free(pk);
	}
	if ((rc = npk_reader_open(argv[1], trust, 1, &r, &err)) != NPK_OK)
		goto out;
	npk_info info;
	char id[17], fp[NPK_FINGERPRINT_LEN];
	npk_reader_info(r, &info);
	npk_keyid_format(info.key_id, id);
	npk_fingerprint_format(info.signer, fp);
	/* the id is what the archive claims; the fingerprint is the key's own */
	printf("signed by a key claiming id %s, fingerprint %s (%s)\n", id, fp,
	       info.trusted ? "trusted" : "not trusted");
	if ((rc = npk_reader_verify(r, on_problem, NULL, NULL, &err)) != NPK_OK)
		goto out;
	rc = npk_reader_list(r, on_entry, NULL, &err);
out:
	if (rc != NPK_OK)
		fprintf(stderr, "%s\n", err.msg);
	npk_reader_free(r);
	npk_trust_free(trust);
	return rc == NPK_OK ? 0 : rc == NPK_E_DIGEST || rc == NPK_E_SIGNATURE ? 1 : 2;
}
