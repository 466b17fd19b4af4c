/* make_vector.c - makes spec/vectors/vector-1.1-sealed.npk again, byte for
 * byte: the vector inputs signed with the test key, sealed for the test
 * recipient (spec/vectors/seal-recipient.pub) and the passphrase "newspack",
 * with the randomness of the testing build fixed by NPK_TEST_SEED (the
 * library of this program is libnewspack-fuzzing.a: a release build of
 * newspack has no fixed randomness).
 *
 * With EDITION.npk, then the sealed edition after it (spec/format.md
 * 15.17.8): SPEC_VECTORS_DIR/editions/input-1 appended, a day later, opened
 * with the test recipient's key; OUT.npk's file name is in its link, so
 * the two are made under their committed names.
 *
 *   build/seal-vector SPEC_VECTORS_DIR OUT.npk [EDITION.npk] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "newspack.h"

/* The sealed edition after prev, opened with the test recipient's key. */
static int edition(const char *dir, const char *prev, const char *out, const npk_seckey *sk,
                   npk_error *err)
{
	char rkey[4096], input[4096];
	snprintf(rkey, sizeof rkey, "%s/seal-recipient.key", dir);
	snprintf(input, sizeof input, "%s/editions/input-1", dir);
	npk_identity *id = NULL;
	npk_keyring *ring = npk_keyring_new();
	int rc = ring ? npk_identity_load(rkey, NULL, &id, err) : NPK_E_NOMEM;
	if (rc == NPK_OK)
		rc = npk_keyring_add(ring, id, err);
	npk_append_opts ao;
	memset(&ao, 0, sizeof ao);
	ao.create.timestamp = 1737676800 + 86400;
	ao.create.no_copies = 1;
	ao.create.threads = 1;
	ao.create.force = 1;
	ao.keys = ring;
	const char *in[1] = {input};
	if (rc == NPK_OK)
		rc = npk_append(prev, out, in, 1, &ao, sk, NULL, err);
	npk_identity_free(id);
	npk_keyring_free(ring);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: seal-vector SPEC_VECTORS_DIR OUT.npk [EDITION.npk]\n");
		return 2;
	}
	setenv("NPK_TEST_SEED", "newspack sealed vector 1", 1);
	char key[4096], rcpt[4096], input[4096];
	snprintf(key, sizeof key, "%s/test.key", argv[1]);
	snprintf(rcpt, sizeof rcpt, "%s/seal-recipient.pub", argv[1]);
	snprintf(input, sizeof input, "%s/input", argv[1]);
	npk_error err = {0};
	npk_seckey *sk = NULL;
	npk_recipient *r = NULL;
	int rc = npk_seckey_load(key, NULL, &sk, &err);
	if (rc == NPK_OK)
		rc = npk_recipient_load(rcpt, &r, &err);
	const npk_recipient *rs[1] = {r};
	npk_create_opts o;
	memset(&o, 0, sizeof o);
	o.timestamp = 1737676800; /* 2025-01-24T00:00:00Z, as the other vectors */
	o.no_copies = 1;
	o.threads = 1;
	o.force = 1;
	o.recipients = rs;
	o.nrecipients = 1;
	o.seal_passphrase = "newspack";
	const char *in[1] = {input};
	npk_create_stats st;
	if (rc == NPK_OK)
		rc = npk_create(argv[2], in, 1, &o, sk, &st, &err);
	if (rc == NPK_OK && argc == 4)
		rc = edition(argv[1], argv[2], argv[3], sk, &err);
	npk_seckey_free(sk);
	npk_recipient_free(r);
	if (rc != NPK_OK) {
		fprintf(stderr, "seal-vector: %s\n", err.msg);
		return 1;
	}
	return 0;
}
