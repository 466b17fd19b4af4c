/* fuzz_seckey.c - a secret key file (minisign format). No passphrase is
 * given, so an encrypted key stops before scrypt; an unencrypted one is
 * parsed and checked whole. Read as an encryption key too, both ways:
 * npk_keyring_add_file must give npk_identity_load's verdict, message and
 * public half. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "newspack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	int fd = fuzz_memfile(data, size, path);
	if (fd < 0)
		return 0;
	npk_error err;
	int encrypted;
	npk_seckey_file_encrypted(path, &encrypted, &err);
	npk_seckey *sk = NULL;
	if (npk_seckey_load(path, NULL, &sk, &err) == NPK_OK) {
		npk_pubkey *pk = npk_seckey_pubkey(sk);
		npk_pubkey_free(pk);
		npk_seckey_free(sk);
	}
	npk_identity *id = NULL;
	int a = npk_identity_load(path, NULL, &id, &err);
	npk_keyring *ring = npk_keyring_new();
	if (ring != NULL) {
		npk_error err2;
		npk_recipient *r = NULL;
		int b = npk_keyring_add_file(ring, path, NULL, &r, &err2);
		if (a != b || (a != NPK_OK && strcmp(err.msg, err2.msg) != 0))
			abort();
		if (a == NPK_OK) {
			npk_recipient *r2 = npk_identity_recipient(id);
			if (r == NULL || (r2 != NULL &&
			                  (memcmp(npk_recipient_bytes(r), npk_recipient_bytes(r2), 32) != 0 ||
			                   memcmp(npk_recipient_id(r), npk_recipient_id(r2), 8) != 0)))
				abort();
			npk_recipient_free(r2);
		}
		npk_recipient_free(r);
		npk_keyring_free(ring);
	}
	npk_identity_free(id);
	close(fd);
	return 0;
}
