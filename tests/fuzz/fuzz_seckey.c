/* fuzz_seckey.c - a secret key file (minisign format). No passphrase is
 * given, so an encrypted key stops before scrypt; an unencrypted one is
 * parsed and checked whole. */
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
	close(fd);
	return 0;
}
