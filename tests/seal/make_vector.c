/* make_vector.c - makes spec/vectors/vector-1.1-sealed.npk again, byte for
 * byte: the vector inputs signed with the test key, sealed for the test
 * recipient (spec/vectors/seal-recipient.pub) and the passphrase "newspack",
 * with the randomness of the testing build fixed by NPK_TEST_SEED (the
 * library of this program is libnewspack-fuzzing.a: a release build of
 * newspack has no fixed randomness).
 *
 *   build/seal-vector SPEC_VECTORS_DIR OUT.npk */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "newspack.h"

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: seal-vector SPEC_VECTORS_DIR OUT.npk\n");
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
	npk_seckey_free(sk);
	npk_recipient_free(r);
	if (rc != NPK_OK) {
		fprintf(stderr, "seal-vector: %s\n", err.msg);
		return 1;
	}
	return 0;
}
