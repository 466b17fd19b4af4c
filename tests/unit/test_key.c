/* test_key.c - key files, "ED" signatures and trust sets (spec/keys.md),
 * and interop with stock minisign when it is installed. */
#include <errno.h>
#include <dirent.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "format/format.h"
#include "test.h"

#define MINISIGN "/usr/bin/minisign"
#define SK_LEN 158
#define B64_ORIG sodium_base64_VARIANT_ORIGINAL

/* A real key pair made by minisign 0.11 (-G -W): its public key line and
 * the id minisign printed for it. */
#define MS_PUB_LINE "RWQPRxzykExUsQSEDjISzmjvA0qo7qPQnORwKzkQJ2DyPJ0fMyetHn/S"
#define MS_PUB_ID "B1544C90F21C470F"

/* ---- Helpers ---- */

static int run(const char *cmd)
{
	int st = system(cmd);
	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static int have_minisign(const char *test)
{
	if (access(MINISIGN, X_OK) == 0)
		return 1;
	printf("  note: %s skipped: %s is not installed\n", test, MINISIGN);
	return 0;
}

static int file_mode(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return -1;
	return (int)(st.st_mode & 07777);
}

static int write_str(const char *path, const char *s)
{
	return npk_test_write_file(path, s, strlen(s));
}

static int has(const npk_error *err, const char *needle)
{
	if (strstr(err->msg, needle) != NULL)
		return 1;
	fprintf(stderr, "  message \"%s\" lacks \"%s\"\n", err->msg, needle);
	return 0;
}

/* Decodes line 2 of a key file into raw; returns its length or -1. */
static int keyfile_raw_get(const char *path, uint8_t *raw, size_t cap)
{
	char *text = npk_test_read_file(path, NULL);
	if (text == NULL)
		return -1;
	char *l2 = strchr(text, '\n');
	size_t got = 0;
	int rc = -1;
	if (l2 != NULL) {
		l2++;
		size_t n = strcspn(l2, "\r\n");
		if (sodium_base642bin(raw, cap, l2, n, NULL, &got, NULL, B64_ORIG) == 0)
			rc = (int)got;
	}
	free(text);
	return rc;
}

/* Writes raw bytes as a key file with a comment line. */
static int keyfile_raw_put(const char *path, const uint8_t *raw, size_t len)
{
	char b64[512], text[600];
	sodium_bin2base64(b64, sizeof b64, raw, len, B64_ORIG);
	snprintf(text, sizeof text, "untrusted comment: test key\n%s\n", b64);
	return write_str(path, text);
}

/* Signs a file's bytes. */
static int sign_file(const npk_seckey *sk, const char *path, const char *comment,
                     uint8_t sig[64], uint8_t global[64])
{
	size_t len;
	char *msg = npk_test_read_file(path, &len);
	if (msg == NULL)
		return -1;
	npk_error err = { 0 };
	int rc = npk__sign(sk, (const uint8_t *)msg, len, comment, strlen(comment), sig,
	                   global, &err);
	free(msg);
	return rc;
}

/* Writes a .minisig: untrusted comment, base64("ED" || key_id || sig),
 * trusted comment, base64(global). */
static int minisig_write(const char *path, const uint8_t id[8], const uint8_t sig[64],
                         const char *comment, const uint8_t global[64])
{
	uint8_t bin[74];
	char b1[sodium_base64_ENCODED_LEN(74, B64_ORIG)];
	char b2[sodium_base64_ENCODED_LEN(64, B64_ORIG)];
	memcpy(bin, "ED", 2);
	memcpy(bin + 2, id, 8);
	memcpy(bin + 10, sig, 64);
	sodium_bin2base64(b1, sizeof b1, bin, sizeof bin, B64_ORIG);
	sodium_bin2base64(b2, sizeof b2, global, 64, B64_ORIG);
	FILE *f = fopen(path, "w");
	if (f == NULL)
		return -1;
	fprintf(f, "untrusted comment: signature from a newspack key\n%s\n"
	        "trusted comment: %s\n%s\n", b1, comment, b2);
	return fclose(f) == 0 ? 0 : -1;
}

/* Reads a .minisig made by minisign -S. */
static int minisig_read(const char *path, uint8_t id[8], uint8_t sig[64],
                        char *comment, size_t comment_cap, uint8_t global[64])
{
	char *text = npk_test_read_file(path, NULL), *line[4], *p;
	uint8_t bin[74];
	size_t got;
	int rc = -1;
	if (text == NULL)
		return -1;
	p = text;
	for (int i = 0; i < 4; i++) {
		line[i] = p;
		if ((p = strchr(p, '\n')) == NULL)
			goto done;
		*p++ = '\0';
	}
	if (sodium_base642bin(bin, sizeof bin, line[1], strlen(line[1]), NULL, &got, NULL,
	                      B64_ORIG) != 0 || got != 74 || memcmp(bin, "ED", 2) != 0)
		goto done;
	memcpy(id, bin + 2, 8);
	memcpy(sig, bin + 10, 64);
	if (strncmp(line[2], "trusted comment: ", 17) != 0)
		goto done;
	snprintf(comment, comment_cap, "%s", line[2] + 17);
	if (sodium_base642bin(global, 64, line[3], strlen(line[3]), NULL, &got, NULL,
	                      B64_ORIG) != 0 || got != 64)
		goto done;
	rc = 0;
done:
	free(text);
	return rc;
}

/* Checks a minisign signature of a file with npk__verify. */
static int verify_minisig(const npk_pubkey *pk, const char *file, const char *sigpath)
{
	uint8_t id[8], sig[64], global[64];
	char comment[8192];
	size_t len;
	if (minisig_read(sigpath, id, sig, comment, sizeof comment, global) != 0)
		return -1;
	if (memcmp(id, npk_pubkey_id(pk), 8) != 0)
		return -2;
	char *msg = npk_test_read_file(file, &len);
	if (msg == NULL)
		return -1;
	int rc = npk__verify(npk_pubkey_bytes(pk), (const uint8_t *)msg, len, sig, comment,
	                     strlen(comment), global);
	free(msg);
	return rc;
}

static int same_key(const npk_pubkey *a, const npk_pubkey *b)
{
	return memcmp(npk_pubkey_id(a), npk_pubkey_id(b), NPK_KEYID_BYTES) == 0 &&
	       memcmp(npk_pubkey_bytes(a), npk_pubkey_bytes(b), NPK_PUBKEY_BYTES) == 0;
}

/* Public key of a loaded secret key equals pk. */
static int pair_matches(const npk_seckey *sk, const npk_pubkey *pk)
{
	npk_pubkey *p = npk_seckey_pubkey(sk);
	int ok = p != NULL && same_key(p, pk);
	npk_pubkey_free(p);
	return ok;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- Round trips ---- */

DEFINE_TEST(test_key_roundtrip_plain)
{
	npk_error err = { 0 };
	npk_pubkey *pk, *pk2;
	npk_seckey *sk, *sk2;
	char id[17], want[80];
	int enc = -1;

	CHECK_RC(npk_keypair_generate(&pk, &sk, &err), NPK_OK, &err);
	CHECK(pair_matches(sk, pk));
	/* A restrictive umask must not change the modes the spec asks for. */
	mode_t old = umask(077);
	int r1 = npk_pubkey_save(pk, "k.pub", 0, &err);
	int r2 = npk_seckey_save(sk, "k.key", NULL, 0, &err);
	umask(old);
	CHECK_EQ_INT(r1, NPK_OK);
	CHECK_EQ_INT(r2, NPK_OK);
	CHECK_EQ_INT(file_mode("k.pub"), 0644);
	CHECK_EQ_INT(file_mode("k.key"), 0600);

	char *text = npk_test_read_file("k.pub", NULL);
	CHECK(text != NULL);
	npk_keyid_format(npk_pubkey_id(pk), id);
	snprintf(want, sizeof want, "untrusted comment: newspack public key %s\nRW", id);
	CHECK(strncmp(text, want, strlen(want)) == 0);
	CHECK_EQ_INT(strlen(text), strlen(want) - 2 + 56 + 1);
	free(text);
	text = npk_test_read_file("k.key", NULL);
	CHECK(text != NULL);
	CHECK(strncmp(text, "untrusted comment: newspack secret key\n", 39) == 0);
	CHECK_EQ_INT(strlen(text), 39 + 212 + 1);
	free(text);

	/* Unencrypted: zero KDF fields, as minisign -W writes, but a real chk. */
	uint8_t raw[300];
	CHECK_EQ_INT(keyfile_raw_get("k.key", raw, sizeof raw), SK_LEN);
	CHECK(memcmp(raw, "Ed\0\0B2", 6) == 0);
	CHECK(sodium_is_zero(raw + 6, 48));
	CHECK(!sodium_is_zero(raw + 126, 32));

	CHECK_RC(npk_seckey_file_encrypted("k.key", &enc, &err), NPK_OK, &err);
	CHECK_EQ_INT(enc, 0);
	CHECK_RC(npk_pubkey_load("k.pub", &pk2, &err), NPK_OK, &err);
	CHECK(same_key(pk, pk2));
	CHECK_RC(npk_seckey_load("k.key", NULL, &sk2, &err), NPK_OK, &err);
	CHECK(pair_matches(sk2, pk));
	npk_seckey_free(sk2);
	/* A passphrase given for an unencrypted key is not needed, not wrong. */
	CHECK_RC(npk_seckey_load("k.key", "unused", &sk2, &err), NPK_OK, &err);
	CHECK(pair_matches(sk2, pk));

	/* The loaded key signs what the saved public key verifies. */
	uint8_t sig[64], global[64];
	CHECK_RC(npk__sign(sk2, (const uint8_t *)"abc", 3, "c", 1, sig, global, &err), NPK_OK, &err);
	CHECK_EQ_INT(npk__verify(npk_pubkey_bytes(pk2), (const uint8_t *)"abc", 3, sig, "c", 1,
	                         global), NPK_OK);

	npk_pubkey_free(pk);
	npk_pubkey_free(pk2);
	npk_seckey_free(sk);
	npk_seckey_free(sk2);
	npk_pubkey_free(NULL);
	npk_seckey_free(NULL);
}

DEFINE_TEST(test_key_roundtrip_encrypted)
{
	npk_error err = { 0 };
	npk_pubkey *pk;
	npk_seckey *sk, *sk2 = NULL;
	int enc = -1;

	CHECK_RC(npk_keypair_generate(&pk, &sk, &err), NPK_OK, &err);
	double t0 = now();
	CHECK_RC(npk_seckey_save(sk, "e.key", "correct horse battery staple", 0, &err), NPK_OK, &err);
	printf("  note: encrypting a secret key took %.2f s\n", now() - t0);
	CHECK_EQ_INT(file_mode("e.key"), 0600);

	uint8_t raw[300];
	CHECK_EQ_INT(keyfile_raw_get("e.key", raw, sizeof raw), SK_LEN);
	CHECK(memcmp(raw, "EdScB2", 6) == 0);
	CHECK(!sodium_is_zero(raw + 6, 32));
	CHECK_EQ_INT(npk__ld64(raw + 38), 16777216);
	CHECK_EQ_INT(npk__ld64(raw + 46), 134217728);
	/* The key id is masked too. */
	CHECK(memcmp(raw + 54, npk_pubkey_id(pk), 8) != 0);

	CHECK_RC(npk_seckey_file_encrypted("e.key", &enc, &err), NPK_OK, &err);
	CHECK_EQ_INT(enc, 1);
	CHECK_RC(npk_seckey_load("e.key", "correct horse battery staple", &sk2, &err), NPK_OK, &err);
	CHECK(pair_matches(sk2, pk));
	npk_seckey_free(sk2);
	sk2 = NULL;

	CHECK_RC(npk_seckey_load("e.key", "Correct horse battery staple", &sk2, &err),
	         NPK_E_PASSPHRASE, &err);
	CHECK(sk2 == NULL);
	CHECK_EQ_INT(err.code, NPK_E_PASSPHRASE);
	CHECK_STR(err.msg, "e.key: wrong passphrase");
	CHECK_RC(npk_seckey_load("e.key", NULL, &sk2, &err), NPK_E_PASSPHRASE, &err);
	CHECK_STR(err.msg, "e.key: this key is encrypted; a passphrase is needed");

	/* An empty passphrase is a passphrase. */
	CHECK_RC(npk_seckey_save(sk, "empty.key", "", 0, &err), NPK_OK, &err);
	CHECK_RC(npk_seckey_load("empty.key", NULL, &sk2, &err), NPK_E_PASSPHRASE, &err);
	CHECK_RC(npk_seckey_load("empty.key", "", &sk2, &err), NPK_OK, &err);
	CHECK(pair_matches(sk2, pk));

	npk_seckey_free(sk2);
	npk_seckey_free(sk);
	npk_pubkey_free(pk);
}

DEFINE_TEST(test_key_overwrite)
{
	npk_error err = { 0 };
	npk_pubkey *a, *b, *got;
	npk_seckey *as, *bs, *gots;

	CHECK_RC(npk_keypair_generate(&a, &as, &err), NPK_OK, &err);
	CHECK_RC(npk_keypair_generate(&b, &bs, &err), NPK_OK, &err);
	CHECK_RC(npk_pubkey_save(a, "o.pub", 0, &err), NPK_OK, &err);
	CHECK_RC(npk_seckey_save(as, "o.key", NULL, 0, &err), NPK_OK, &err);

	CHECK_RC(npk_pubkey_save(b, "o.pub", 0, &err), NPK_E_EXISTS, &err);
	CHECK(has(&err, "o.pub: already exists"));
	CHECK_RC(npk_seckey_save(bs, "o.key", NULL, 0, &err), NPK_E_EXISTS, &err);
	CHECK(has(&err, "o.key: already exists"));
	CHECK_RC(npk_pubkey_load("o.pub", &got, &err), NPK_OK, &err);
	CHECK(same_key(got, a));
	npk_pubkey_free(got);

	CHECK_RC(npk_pubkey_save(b, "o.pub", 1, &err), NPK_OK, &err);
	CHECK_RC(npk_seckey_save(bs, "o.key", NULL, 1, &err), NPK_OK, &err);
	CHECK_EQ_INT(file_mode("o.pub"), 0644);
	CHECK_EQ_INT(file_mode("o.key"), 0600);
	CHECK_RC(npk_pubkey_load("o.pub", &got, &err), NPK_OK, &err);
	CHECK(same_key(got, b));
	CHECK_RC(npk_seckey_load("o.key", NULL, &gots, &err), NPK_OK, &err);
	CHECK(pair_matches(gots, b));
	/* overwrite also creates a file that is not there yet */
	CHECK_RC(npk_pubkey_save(b, "new.pub", 1, &err), NPK_OK, &err);

	/* No temporary file is left beside the keys. */
	DIR *d = opendir(".");
	CHECK(d != NULL);
	struct dirent *e;
	int files = 0;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			files++;
	closedir(d);
	CHECK_EQ_INT(files, 3);

	/* A symlink planted where a new key goes is not followed. */
	CHECK(symlink("target.key", "link.key") == 0);
	CHECK_RC(npk_seckey_save(as, "link.key", NULL, 0, &err), NPK_E_EXISTS, &err);
	CHECK(access("target.key", F_OK) != 0);
	/* With overwrite the link itself is replaced, not its target. */
	CHECK_RC(npk_seckey_save(as, "link.key", NULL, 1, &err), NPK_OK, &err);
	CHECK(access("target.key", F_OK) != 0);
	struct stat st;
	CHECK(lstat("link.key", &st) == 0 && S_ISREG(st.st_mode));

	CHECK_RC(npk_seckey_save(as, "nodir/x.key", NULL, 0, &err), NPK_E_IO, &err);
	CHECK(has(&err, "nodir/x.key: No such file"));
	CHECK_RC(npk_pubkey_save(a, "nodir/x.pub", 1, &err), NPK_E_IO, &err);
	CHECK(has(&err, "nodir/x.pub"));

	npk_pubkey_free(got);
	npk_seckey_free(gots);
	npk_pubkey_free(a);
	npk_pubkey_free(b);
	npk_seckey_free(as);
	npk_seckey_free(bs);
}

/* ---- Malformed input ---- */

DEFINE_TEST(test_key_malformed_pub)
{
	npk_error err = { 0 };
	npk_pubkey *pk = NULL;
	uint8_t raw[42];
	char b64[80], text[256];

	/* The real minisign key: bare line, with CRLF, and as a whole file. */
	CHECK_RC(npk_pubkey_parse(MS_PUB_LINE, strlen(MS_PUB_LINE), &pk, &err), NPK_OK, &err);
	npk_pubkey_free(pk);
	CHECK_RC(npk_pubkey_parse(MS_PUB_LINE "\r\n", strlen(MS_PUB_LINE) + 2, &pk, &err),
	         NPK_OK, &err);
	npk_pubkey_free(pk);
	snprintf(text, sizeof text, "untrusted comment: minisign public key %s\r\n%s \r\n\r\n",
	         MS_PUB_ID, MS_PUB_LINE);
	CHECK_RC(npk_pubkey_parse(text, strlen(text), &pk, &err), NPK_OK, &err);
	npk_pubkey_free(pk);

	/* Bad base64, in a file: the message names it and says why. */
	CHECK(write_str("b64.pub", "untrusted comment: x\nRWQ*PRxzykExUsQSEDjISzmjvA0qo7qPQ\n") == 0);
	CHECK_RC(npk_pubkey_load("b64.pub", &pk, &err), NPK_E_KEY, &err);
	CHECK_STR(err.msg, "b64.pub: not a minisign public key (bad base64 on line 2)");
	/* Missing padding is not the original variant. */
	CHECK_RC(npk_pubkey_parse("RWQPRxzykExUsQSEDjISzmjvA0qo7qPQnORwKzkQJ2DyPJ0fMyetHn/", 55,
	                          &pk, &err), NPK_E_KEY, &err);

	/* Wrong length. */
	memcpy(raw, "Ed", 2);
	randombytes_buf(raw + 2, 40);
	sodium_bin2base64(b64, sizeof b64, raw, 41, B64_ORIG);
	CHECK_RC(npk_pubkey_parse(b64, strlen(b64), &pk, &err), NPK_E_KEY, &err);
	CHECK(has(&err, "41 bytes"));

	/* Wrong algorithm: "ED" names a signature mode, never a key. */
	memcpy(raw, "ED", 2);
	sodium_bin2base64(b64, sizeof b64, raw, 42, B64_ORIG);
	CHECK_RC(npk_pubkey_parse(b64, strlen(b64), &pk, &err), NPK_E_KEY, &err);
	CHECK(has(&err, "unsupported signature algorithm \"ED\""));
	raw[0] = 0;
	raw[1] = 1;
	sodium_bin2base64(b64, sizeof b64, raw, 42, B64_ORIG);
	CHECK_RC(npk_pubkey_parse(b64, strlen(b64), &pk, &err), NPK_E_KEY, &err);
	CHECK(has(&err, "0x0001"));

	/* Truncated: the comment line alone, or cut inside the base64. */
	CHECK(write_str("t1.pub", "untrusted comment: minisign public key B1544C90F21C470F\n") == 0);
	CHECK_RC(npk_pubkey_load("t1.pub", &pk, &err), NPK_E_KEY, &err);
	CHECK(has(&err, "t1.pub: not a minisign public key (truncated"));
	CHECK(write_str("t2.pub", "untrusted comment: minisign public key B1544C90F21C470F") == 0);
	CHECK_RC(npk_pubkey_load("t2.pub", &pk, &err), NPK_E_KEY, &err);
	CHECK(has(&err, "truncated"));
	CHECK(write_str("t3.pub", "untrusted comment: m\nRWQPRxzykExUsQSEDjISzmjv") == 0);
	CHECK_RC(npk_pubkey_load("t3.pub", &pk, &err), NPK_E_KEY, &err);
	CHECK(has(&err, "t3.pub"));
	CHECK(write_str("empty.pub", "") == 0);
	CHECK_RC(npk_pubkey_load("empty.pub", &pk, &err), NPK_E_KEY, &err);

	/* A file must have its comment line; text after the key is refused. */
	CHECK(write_str("bare.pub", MS_PUB_LINE "\n") == 0);
	CHECK_RC(npk_pubkey_load("bare.pub", &pk, &err), NPK_E_KEY, &err);
	CHECK(has(&err, "line 1"));
	snprintf(text, sizeof text, "untrusted comment: x\n%s\nmore\n", MS_PUB_LINE);
	CHECK(write_str("more.pub", text) == 0);
	CHECK_RC(npk_pubkey_load("more.pub", &pk, &err), NPK_E_KEY, &err);
	CHECK(has(&err, "unexpected text"));
	CHECK_RC(npk_pubkey_parse("untrusted comment: x\nRW\0Q", 25, &pk, &err), NPK_E_KEY, &err);
	CHECK(has(&err, "NUL"));

	/* A secret key file is not a public key. */
	npk_pubkey *p2;
	npk_seckey *s2;
	CHECK_RC(npk_keypair_generate(&p2, &s2, &err), NPK_OK, &err);
	CHECK_RC(npk_seckey_save(s2, "s.key", NULL, 0, &err), NPK_OK, &err);
	CHECK_RC(npk_pubkey_load("s.key", &pk, &err), NPK_E_KEY, &err);
	CHECK(has(&err, "158 bytes"));
	npk_pubkey_free(p2);
	npk_seckey_free(s2);

	/* Too large to be a key file. */
	char *big = malloc(10000);
	CHECK(big != NULL);
	memset(big, 'A', 10000);
	memcpy(big, "untrusted comment: x\n", 21);
	int w = npk_test_write_file("big.pub", big, 10000);
	free(big);
	CHECK(w == 0);
	CHECK_RC(npk_pubkey_load("big.pub", &pk, &err), NPK_E_KEY, &err);
	CHECK(has(&err, "too large"));

	/* Missing file, folder. */
	CHECK_RC(npk_pubkey_load("none.pub", &pk, &err), NPK_E_IO, &err);
	CHECK_STR(err.msg, "none.pub: No such file or directory");
	CHECK(mkdir("dir.pub", 0755) == 0);
	CHECK_RC(npk_pubkey_load("dir.pub", &pk, &err), NPK_E_IO, &err);
	CHECK(has(&err, "dir.pub"));
}

DEFINE_TEST(test_key_malformed_sec)
{
	npk_error err = { 0 };
	npk_pubkey *pk;
	npk_seckey *sk, *got = NULL;
	uint8_t raw[300], m[SK_LEN];
	int enc;

	CHECK_RC(npk_keypair_generate(&pk, &sk, &err), NPK_OK, &err);
	CHECK_RC(npk_seckey_save(sk, "k.key", NULL, 0, &err), NPK_OK, &err);
	CHECK_EQ_INT(keyfile_raw_get("k.key", raw, sizeof raw), SK_LEN);

	/* The helpers themselves round-trip. */
	CHECK(keyfile_raw_put("m.key", raw, SK_LEN) == 0);
	CHECK_RC(npk_seckey_load("m.key", NULL, &got, &err), NPK_OK, &err);
	CHECK(pair_matches(got, pk));
	npk_seckey_free(got);

#define MUTATE(stmt) do { memcpy(m, raw, SK_LEN); stmt; \
	CHECK(keyfile_raw_put("m.key", m, SK_LEN) == 0); } while (0)

	MUTATE(memcpy(m, "ED", 2));
	CHECK_RC(npk_seckey_load("m.key", NULL, &got, &err), NPK_E_KEY, &err);
	CHECK_STR(err.msg, "m.key: unsupported signature algorithm \"ED\" (only \"Ed\", Ed25519, is known)");
	CHECK_RC(npk_seckey_file_encrypted("m.key", &enc, &err), NPK_E_KEY, &err);

	MUTATE(memcpy(m + 4, "B3", 2));
	CHECK_RC(npk_seckey_load("m.key", NULL, &got, &err), NPK_E_KEY, &err);
	CHECK(has(&err, "unsupported checksum algorithm \"B3\""));

	MUTATE(memcpy(m + 2, "Ar", 2));
	CHECK_RC(npk_seckey_load("m.key", NULL, &got, &err), NPK_E_KEY, &err);
	CHECK(has(&err, "unsupported key derivation \"Ar\""));

	/* Damage to an unencrypted key is caught by chk. */
	MUTATE(m[70] ^= 1);
	CHECK_RC(npk_seckey_load("m.key", NULL, &got, &err), NPK_E_KEY, &err);
	CHECK_STR(err.msg, "m.key: checksum mismatch (damaged key)");

	/* minisign -G -W writes chk as zeros: accepted, and then the halves of
	 * the key are what catches damage. */
	MUTATE(memset(m + 126, 0, 32));
	CHECK_RC(npk_seckey_load("m.key", NULL, &got, &err), NPK_OK, &err);
	CHECK(pair_matches(got, pk));
	npk_seckey_free(got);
	MUTATE(memset(m + 126, 0, 32); m[100] ^= 0x80);
	CHECK_RC(npk_seckey_load("m.key", NULL, &got, &err), NPK_E_KEY, &err);
	CHECK(has(&err, "halves do not match"));

	/* minisign -C -W leaves the old KDF fields in an unencrypted key:
	 * they are ignored, however large. */
	MUTATE(npk__st64(m + 38, UINT64_MAX); npk__st64(m + 46, UINT64_MAX));
	CHECK_RC(npk_seckey_load("m.key", NULL, &got, &err), NPK_OK, &err);
	npk_seckey_free(got);

	/* Absurd limits in an encrypted key are refused before any work. */
	MUTATE(memcpy(m + 2, "Sc", 2); npk__st64(m + 38, 1u << 20);
	       npk__st64(m + 46, (uint64_t)1 << 31));
	double t0 = now();
	CHECK_RC(npk_seckey_load("m.key", "pw", &got, &err), NPK_E_KEY, &err);
	CHECK(has(&err, "m.key: the key asks scrypt for 2147483648 bytes of memory"));
	CHECK_RC(npk_seckey_file_encrypted("m.key", &enc, &err), NPK_E_KEY, &err);
	MUTATE(memcpy(m + 2, "Sc", 2); npk__st64(m + 38, (uint64_t)1 << 40);
	       npk__st64(m + 46, 1u << 20));
	CHECK_RC(npk_seckey_load("m.key", "pw", &got, &err), NPK_E_KEY, &err);
	CHECK(has(&err, "operations"));
	CHECK(now() - t0 < 1.0);
	/* An encrypted key whose fields were left as if unencrypted: small
	 * limits, so a quick "wrong passphrase" rather than a crash. */
	MUTATE(memcpy(m + 2, "Sc", 2));
	CHECK_RC(npk_seckey_load("m.key", "pw", &got, &err), NPK_E_PASSPHRASE, &err);
	CHECK_RC(npk_seckey_file_encrypted("m.key", &enc, &err), NPK_OK, &err);
	CHECK_EQ_INT(enc, 1);

	/* Wrong length, bad base64, truncation, no comment line. */
	CHECK(keyfile_raw_put("m.key", raw, SK_LEN - 1) == 0);
	CHECK_RC(npk_seckey_load("m.key", NULL, &got, &err), NPK_E_KEY, &err);
	CHECK_STR(err.msg, "m.key: not a minisign secret key (157 bytes of key data on line 2, expected 158)");
	CHECK(write_str("m.key", "untrusted comment: x\nRWQA@AEIy\n") == 0);
	CHECK_RC(npk_seckey_load("m.key", NULL, &got, &err), NPK_E_KEY, &err);
	CHECK_STR(err.msg, "m.key: not a minisign secret key (bad base64 on line 2)");
	size_t len;
	char *text = npk_test_read_file("k.key", &len);
	CHECK(text != NULL);
	int w = npk_test_write_file("cut.key", text, len / 2);
	free(text);
	CHECK(w == 0);
	CHECK_RC(npk_seckey_load("cut.key", NULL, &got, &err), NPK_E_KEY, &err);
	CHECK(has(&err, "cut.key: not a minisign secret key"));
	CHECK(write_str("m.key", "untrusted comment: x\n") == 0);
	CHECK_RC(npk_seckey_load("m.key", NULL, &got, &err), NPK_E_KEY, &err);
	CHECK(has(&err, "truncated"));
	CHECK(write_str("m.key", "RWQAAEIy\n") == 0);
	CHECK_RC(npk_seckey_load("m.key", NULL, &got, &err), NPK_E_KEY, &err);
	CHECK(has(&err, "line 1"));
	CHECK(write_str("m.key", "") == 0);
	CHECK_RC(npk_seckey_file_encrypted("m.key", &enc, &err), NPK_E_KEY, &err);

	/* A public key file is not a secret key. */
	CHECK_RC(npk_pubkey_save(pk, "k.pub", 0, &err), NPK_OK, &err);
	CHECK_RC(npk_seckey_load("k.pub", NULL, &got, &err), NPK_E_KEY, &err);
	CHECK(has(&err, "42 bytes"));

	CHECK_RC(npk_seckey_load("none.key", NULL, &got, &err), NPK_E_IO, &err);
	CHECK_STR(err.msg, "none.key: No such file or directory");
	CHECK_RC(npk_seckey_file_encrypted("none.key", &enc, &err), NPK_E_IO, &err);
	CHECK_RC(npk_seckey_load(NULL, NULL, &got, &err), NPK_E_ARG, &err);
#undef MUTATE

	npk_pubkey_free(pk);
	npk_seckey_free(sk);
}

DEFINE_TEST(test_key_id_format)
{
	static const uint8_t ms_id[8] = { 0x0f, 0x47, 0x1c, 0xf2, 0x90, 0x4c, 0x54, 0xb1 };
	static const uint8_t one[8] = { 1 };
	static const uint8_t ff[8] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t zero[8] = { 0 };
	char out[17];
	npk_error err = { 0 };
	npk_pubkey *pk;

	npk_keyid_format(ms_id, out);
	CHECK_STR(out, MS_PUB_ID);
	npk_keyid_format(one, out);
	CHECK_STR(out, "0000000000000001");
	npk_keyid_format(ff, out);
	CHECK_STR(out, "FFFFFFFFFFFFFFFF");
	npk_keyid_format(zero, out);
	CHECK_STR(out, "0000000000000000");

	/* minisign printed this id for the key on this line. */
	CHECK_RC(npk_pubkey_parse(MS_PUB_LINE, strlen(MS_PUB_LINE), &pk, &err), NPK_OK, &err);
	CHECK(memcmp(npk_pubkey_id(pk), ms_id, 8) == 0);
	npk_keyid_format(npk_pubkey_id(pk), out);
	CHECK_STR(out, MS_PUB_ID);
	npk_pubkey_free(pk);

	uint8_t pkb[32] = { 9 };
	CHECK_RC(npk_pubkey_from_raw(one, pkb, &pk, &err), NPK_OK, &err);
	CHECK(memcmp(npk_pubkey_id(pk), one, 8) == 0);
	CHECK(memcmp(npk_pubkey_bytes(pk), pkb, 32) == 0);
	npk_pubkey_free(pk);
	CHECK_RC(npk_pubkey_from_raw(NULL, pkb, &pk, &err), NPK_E_ARG, &err);
}

/* ---- Signatures ---- */

DEFINE_TEST(test_key_sign_verify)
{
	npk_error err = { 0 };
	npk_pubkey *pk, *other;
	npk_seckey *sk, *osk;
	uint8_t msg[1000], sig[64], global[64], s2[64], g2[64];
	const char *comment = "timestamp:1700000000\tfile:a.npk";
	size_t cl = strlen(comment);

	CHECK_RC(npk_keypair_generate(&pk, &sk, &err), NPK_OK, &err);
	CHECK_RC(npk_keypair_generate(&other, &osk, &err), NPK_OK, &err);
	randombytes_buf(msg, sizeof msg);
	const uint8_t *k = npk_pubkey_bytes(pk);

	CHECK_RC(npk__sign(sk, msg, sizeof msg, comment, cl, sig, global, &err), NPK_OK, &err);
	CHECK_EQ_INT(npk__verify(k, msg, sizeof msg, sig, comment, cl, global), NPK_OK);

	/* The scheme, recomputed: Ed25519 over BLAKE2b-512 of the message, not
	 * over the message; the global signature over sig || comment. */
	uint8_t h[64], buf[64 + 64];
	crypto_generichash(h, 64, msg, sizeof msg, NULL, 0);
	CHECK(crypto_sign_verify_detached(sig, h, 64, k) == 0);
	CHECK(crypto_sign_verify_detached(sig, msg, sizeof msg, k) != 0);
	memcpy(buf, sig, 64);
	memcpy(buf + 64, comment, cl);
	CHECK(crypto_sign_verify_detached(global, buf, 64 + cl, k) == 0);
	/* Ed25519 is deterministic. */
	CHECK_RC(npk__sign(sk, msg, sizeof msg, comment, cl, s2, g2, &err), NPK_OK, &err);
	CHECK(memcmp(s2, sig, 64) == 0 && memcmp(g2, global, 64) == 0);

	/* Any flipped bit fails. */
	msg[500] ^= 4;
	CHECK_EQ_INT(npk__verify(k, msg, sizeof msg, sig, comment, cl, global), NPK_E_SIGNATURE);
	msg[500] ^= 4;
	CHECK_EQ_INT(npk__verify(k, msg, sizeof msg - 1, sig, comment, cl, global), NPK_E_SIGNATURE);
	sig[10] ^= 1;
	CHECK_EQ_INT(npk__verify(k, msg, sizeof msg, sig, comment, cl, global), NPK_E_SIGNATURE);
	sig[10] ^= 1;
	global[63] ^= 0x40;
	CHECK_EQ_INT(npk__verify(k, msg, sizeof msg, sig, comment, cl, global), NPK_E_SIGNATURE);
	global[63] ^= 0x40;
	char c2[64];
	memcpy(c2, comment, cl + 1);
	c2[0] ^= 0x20;
	CHECK_EQ_INT(npk__verify(k, msg, sizeof msg, sig, c2, cl, global), NPK_E_SIGNATURE);
	CHECK_EQ_INT(npk__verify(k, msg, sizeof msg, sig, comment, cl - 1, global), NPK_E_SIGNATURE);
	CHECK_EQ_INT(npk__verify(npk_pubkey_bytes(other), msg, sizeof msg, sig, comment, cl, global),
	             NPK_E_SIGNATURE);
	CHECK_EQ_INT(npk__verify(k, msg, sizeof msg, sig, comment, cl, global), NPK_OK);

	/* Empty message and empty comment. */
	CHECK_RC(npk__sign(sk, NULL, 0, NULL, 0, sig, global, &err), NPK_OK, &err);
	CHECK_EQ_INT(npk__verify(k, NULL, 0, sig, NULL, 0, global), NPK_OK);
	CHECK_EQ_INT(npk__verify(k, NULL, 0, sig, "x", 1, global), NPK_E_SIGNATURE);

	/* Comments stock minisign could not read back are refused. */
	CHECK_RC(npk__sign(sk, msg, 1, "a\nb", 3, sig, global, &err), NPK_E_ARG, &err);
	CHECK_RC(npk__sign(sk, msg, 1, "a\rb", 3, sig, global, &err), NPK_E_ARG, &err);
	CHECK_RC(npk__sign(sk, msg, 1, "a\0b", 3, sig, global, &err), NPK_E_ARG, &err);
	char *longc = malloc(8175);
	CHECK(longc != NULL);
	memset(longc, 'c', 8175);
	int r1 = npk__sign(sk, msg, 1, longc, 8173, sig, global, &err);
	int v1 = npk__verify(k, msg, 1, sig, longc, 8173, global);
	int r2 = npk__sign(sk, msg, 1, longc, 8174, sig, global, &err);
	int v2 = npk__verify(k, msg, 1, sig, longc, 8174, global);
	free(longc);
	CHECK_EQ_INT(r1, NPK_OK);
	CHECK_EQ_INT(v1, NPK_OK);
	CHECK_EQ_INT(r2, NPK_E_ARG);
	CHECK_EQ_INT(v2, NPK_E_SIGNATURE);

	npk_pubkey_free(pk);
	npk_pubkey_free(other);
	npk_seckey_free(sk);
	npk_seckey_free(osk);
}

/* keys.md 5.2: the forgery a lenient Ed25519 accepts. With A the identity
 * point (01 00 .. 00), R the identity and S = 0, the cofactorless equation
 * [S]B = R + [k]A reads identity = identity for every k, so the pair
 * "verifies" any message and any comment without a secret key (OpenSSL 3
 * accepts it). newspack must refuse it, as must every small-order A or R. */
DEFINE_TEST(test_key_small_order_forgery)
{
	/* the eight canonical encodings of points of small order (keys.md 5.2) */
	static const uint8_t small[][32] = {
		{0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}, /* identity, order 1 */
		{0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}, /* (0, -1), order 2 */
		{0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}, /* order 4 */
		{0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80}, /* order 4 */
		{0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89,
		 0xf2, 0xef, 0x98, 0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39,
		 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05}, /* order 8 */
		{0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89,
		 0xf2, 0xef, 0x98, 0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39,
		 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x85}, /* order 8 */
		{0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76,
		 0x0d, 0x10, 0x67, 0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6,
		 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a}, /* order 8 */
		{0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76,
		 0x0d, 0x10, 0x67, 0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6,
		 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0xfa}, /* order 8 */
	};
	const char *comment = "timestamp:1737676800\tnewspack archive";
	uint8_t msg[214] = {'N', 'P', 'K', 'M'}, forged[64] = {1}; /* R = identity, S = 0 */
	for (size_t a = 0; a < sizeof small / sizeof small[0]; a++) {
		CHECK_EQ_INT(npk__verify(small[a], msg, sizeof msg, forged, comment, strlen(comment),
		                         forged), NPK_E_SIGNATURE);
		CHECK_EQ_INT(npk__verify(small[a], NULL, 0, forged, NULL, 0, forged), NPK_E_SIGNATURE);
		/* R of small order under the same key, S = 0 */
		for (size_t r = 0; r < sizeof small / sizeof small[0]; r++) {
			uint8_t sig[64] = {0};
			memcpy(sig, small[r], 32);
			CHECK_EQ_INT(npk__verify(small[a], msg, sizeof msg, sig, NULL, 0, sig),
			             NPK_E_SIGNATURE);
		}
	}
}

/* ---- Trust sets ---- */

DEFINE_TEST(test_key_trust)
{
	npk_error err = { 0 };
	npk_pubkey *k[3], *clash;
	npk_seckey *s[3];
	char id[17];

	for (int i = 0; i < 3; i++)
		CHECK_RC(npk_keypair_generate(&k[i], &s[i], &err), NPK_OK, &err);
	npk_trust *t = npk_trust_new();
	CHECK(t != NULL);
	CHECK_EQ_INT(npk_trust_count(t), 0);
	CHECK(npk__trust_find(t, npk_pubkey_id(k[0])) == NULL);
	CHECK_RC(npk_trust_add(t, k[0], &err), NPK_OK, &err);
	CHECK_RC(npk_trust_add(t, k[0], &err), NPK_OK, &err);
	CHECK_EQ_INT(npk_trust_count(t), 1);
	const npk_pubkey *f = npk__trust_find(t, npk_pubkey_id(k[0]));
	CHECK(f != NULL && f != k[0] && same_key(f, k[0]));
	CHECK(npk__trust_find(t, npk_pubkey_id(k[1])) == NULL);
	CHECK(npk__trust_find(NULL, npk_pubkey_id(k[1])) == NULL);

	/* Same id, other key. */
	CHECK_RC(npk_pubkey_from_raw(npk_pubkey_id(k[0]), npk_pubkey_bytes(k[1]), &clash, &err),
	         NPK_OK, &err);
	CHECK_RC(npk_trust_add(t, clash, &err), NPK_E_KEY, &err);
	npk_keyid_format(npk_pubkey_id(k[0]), id);
	CHECK(has(&err, "two trusted keys share id"));
	CHECK(has(&err, id));
	CHECK_EQ_INT(npk_trust_count(t), 1);

	/* Many keys: the array grows. */
	npk_trust *many = npk_trust_new();
	CHECK(many != NULL);
	for (unsigned i = 0; i < 100; i++) {
		uint8_t kid[8] = { 0 }, kb[32] = { 0 };
		npk__st32(kid, i);
		kb[0] = (uint8_t)i;
		npk_pubkey *p;
		CHECK_RC(npk_pubkey_from_raw(kid, kb, &p, &err), NPK_OK, &err);
		int rc = npk_trust_add(many, p, &err);
		npk_pubkey_free(p);
		CHECK_EQ_INT(rc, NPK_OK);
	}
	CHECK_EQ_INT(npk_trust_count(many), 100);
	uint8_t probe[8] = { 77 };
	CHECK(npk__trust_find(many, probe) != NULL && npk__trust_find(many, probe)->pk[0] == 77);
	npk_trust_free(many);

	/* A missing folder adds nothing. */
	CHECK_RC(npk_trust_add_dir(t, "no-such-folder", &err), NPK_OK, &err);
	CHECK_EQ_INT(npk_trust_count(t), 1);

	/* A folder: *.pub files are read; other names, dot files and folders
	 * are not; a key already there is no error. */
	CHECK(mkdir("trusted", 0755) == 0);
	CHECK_RC(npk_pubkey_save(k[1], "trusted/b.pub", 0, &err), NPK_OK, &err);
	CHECK_RC(npk_pubkey_save(k[2], "trusted/a.pub", 0, &err), NPK_OK, &err);
	CHECK_RC(npk_pubkey_save(k[0], "trusted/c.pub", 0, &err), NPK_OK, &err);
	CHECK(write_str("trusted/notes.txt", "not a key") == 0);
	CHECK(write_str("trusted/.hidden.pub", "not a key") == 0);
	CHECK(write_str("trusted/a.pub.bak", "not a key") == 0);
	CHECK(mkdir("trusted/d.pub", 0755) == 0);
	CHECK(symlink("gone", "trusted/e.pub") == 0);
	CHECK_RC(npk_trust_add_dir(t, "trusted", &err), NPK_OK, &err);
	CHECK_EQ_INT(npk_trust_count(t), 3);
	CHECK(npk__trust_find(t, npk_pubkey_id(k[2])) != NULL);

	/* A bad .pub file is an error that names it; nothing is added. */
	CHECK(write_str("trusted/zz.pub", "untrusted comment: x\nnot base64\n") == 0);
	npk_trust *t2 = npk_trust_new();
	CHECK(t2 != NULL);
	CHECK_RC(npk_trust_add_dir(t2, "trusted", &err), NPK_E_KEY, &err);
	CHECK(has(&err, "trusted/zz.pub: not a minisign public key"));
	CHECK_EQ_INT(npk_trust_count(t2), 0);

	/* Two files, one id, two keys. */
	CHECK(mkdir("clash", 0755) == 0);
	CHECK_RC(npk_pubkey_save(k[0], "clash/1.pub", 0, &err), NPK_OK, &err);
	CHECK_RC(npk_pubkey_save(clash, "clash/2.pub", 0, &err), NPK_OK, &err);
	CHECK_RC(npk_trust_add_dir(t2, "clash", &err), NPK_E_KEY, &err);
	CHECK(has(&err, "clash/2.pub: two trusted keys share id"));
	CHECK_EQ_INT(npk_trust_count(t2), 0);

	/* A path that is a file, not a folder. */
	CHECK_RC(npk_trust_add_dir(t2, "trusted/a.pub", &err), NPK_E_IO, &err);

	npk_trust_free(t);
	npk_trust_free(t2);
	npk_trust_free(NULL);
	CHECK_EQ_INT(npk_trust_count(NULL), 0);
	npk_pubkey_free(clash);
	for (int i = 0; i < 3; i++) {
		npk_pubkey_free(k[i]);
		npk_seckey_free(s[i]);
	}
}

/* ---- The vectors of spec/keys.md, section 8 ---- */

#define VEC_PUB "RWQBAgMEBQYHCAOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4"
#define VEC_SK_PLAIN "RWQAAEIyAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" \
	"AAAAAQIDBAUGBwgAAQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHwOhB7/zzhC+HXDdGOdL" \
	"wJln5NYwm6UNXx3chmQSVTG4UuhoZ0oj6XehkwAxqgcDfOhmwCrPXeYwQwAwVY5NB98="
#define VEC_SK_ENC "RWRTY0IyQEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8AABAAAAAAAAAAgAAA" \
	"AAAAN8uL16logDzgJSN0gsL27UuoFQgqD2+hj77fJJMULajLoD+QWpixFcyeyGacf5BeeL23FDUU" \
	"PAl6hwGP8QfOKQrE07efUBbTxQ/idbxyIQB6zMwhTMorGHWU4RBJUzScO6avvqXNCFY="
#define VEC_SIG_LINE "RUQBAgMEBQYHCJKp4JgkJG9RdiZZe/mwi6Nlw4xZhCRZHjOAiJ3QGbJcMJV5Glb2sePf" \
	"4G9n1+YQglI6HPlnH3fLw8Rl8k9p5gg="
#define VEC_GLOBAL "4ZW2qTgN5kG3OAv6mlLz8eSPawtUOFYDfaDi5DZ0TkAvRWygpjC8G+rUdO7c9QqdY9cu" \
	"EKPydColDdf8RO4SDw=="
#define VEC_COMMENT "timestamp:1700000000\tfile:abc.txt"

/* A committed test key, a known-good signature, and forgeries that must
 * fail: the key is seed 00 01 .. 1f with id 01 02 .. 08. */
DEFINE_TEST(test_key_vectors)
{
	npk_error err = { 0 };
	npk_pubkey *pk;
	npk_seckey *sk, *sk2;
	uint8_t seed[32], want_pk[32], tmp[64], id[8], sig[64], global[64];
	uint8_t vsig[74], vglobal[64];
	size_t got;
	char idtext[17];

	for (int i = 0; i < 32; i++)
		seed[i] = (uint8_t)i;
	for (int i = 0; i < 8; i++)
		id[i] = (uint8_t)(i + 1);
	crypto_sign_seed_keypair(want_pk, tmp, seed);

	CHECK_RC(npk_pubkey_parse(VEC_PUB, strlen(VEC_PUB), &pk, &err), NPK_OK, &err);
	CHECK(memcmp(npk_pubkey_id(pk), id, 8) == 0);
	CHECK(memcmp(npk_pubkey_bytes(pk), want_pk, 32) == 0);
	npk_keyid_format(id, idtext);
	CHECK_STR(idtext, "0807060504030201");

	CHECK(write_str("plain.key", "untrusted comment: vector\n" VEC_SK_PLAIN "\n") == 0);
	CHECK(write_str("enc.key", "untrusted comment: vector\n" VEC_SK_ENC "\n") == 0);
	CHECK_RC(npk_seckey_load("plain.key", NULL, &sk, &err), NPK_OK, &err);
	CHECK(pair_matches(sk, pk));
	CHECK_RC(npk_seckey_load("enc.key", "newspack", &sk2, &err), NPK_OK, &err);
	CHECK(pair_matches(sk2, pk));
	CHECK(memcmp(sk2->sk, tmp, 64) == 0);
	npk_seckey_free(sk2);
	CHECK_RC(npk_seckey_load("enc.key", "Newspack", &sk2, &err), NPK_E_PASSPHRASE, &err);

	/* Our writer makes the same unencrypted file, but for its comment. */
	CHECK_RC(npk_seckey_save(sk, "again.key", NULL, 0, &err), NPK_OK, &err);
	char *text = npk_test_read_file("again.key", NULL);
	CHECK(text != NULL);
	CHECK_STR(text, "untrusted comment: newspack secret key\n" VEC_SK_PLAIN "\n");
	free(text);
	CHECK_RC(npk_pubkey_save(pk, "again.pub", 0, &err), NPK_OK, &err);
	text = npk_test_read_file("again.pub", NULL);
	CHECK(text != NULL);
	CHECK_STR(text, "untrusted comment: newspack public key 0807060504030201\n" VEC_PUB "\n");
	free(text);

	/* The signature of "abc". */
	const char *c = VEC_COMMENT;
	CHECK(sodium_base642bin(vsig, sizeof vsig, VEC_SIG_LINE, strlen(VEC_SIG_LINE), NULL, &got,
	                        NULL, B64_ORIG) == 0 && got == 74);
	CHECK(sodium_base642bin(vglobal, sizeof vglobal, VEC_GLOBAL, strlen(VEC_GLOBAL), NULL, &got,
	                        NULL, B64_ORIG) == 0 && got == 64);
	CHECK(memcmp(vsig, "ED", 2) == 0 && memcmp(vsig + 2, id, 8) == 0);
	CHECK_RC(npk__sign(sk, (const uint8_t *)"abc", 3, c, strlen(c), sig, global, &err), NPK_OK,
	         &err);
	CHECK(memcmp(sig, vsig + 10, 64) == 0);
	CHECK(memcmp(global, vglobal, 64) == 0);
	const uint8_t *k = npk_pubkey_bytes(pk);
	CHECK_EQ_INT(npk__verify(k, (const uint8_t *)"abc", 3, sig, c, strlen(c), global), NPK_OK);
	/* Forgeries: another message, another comment, a swapped signature. */
	CHECK_EQ_INT(npk__verify(k, (const uint8_t *)"abd", 3, sig, c, strlen(c), global),
	             NPK_E_SIGNATURE);
	CHECK_EQ_INT(npk__verify(k, (const uint8_t *)"abc", 3, sig, "timestamp:1700000001", 20,
	                         global), NPK_E_SIGNATURE);
	CHECK_EQ_INT(npk__verify(k, (const uint8_t *)"abc", 3, global, c, strlen(c), sig),
	             NPK_E_SIGNATURE);

	npk_pubkey_free(pk);
	npk_seckey_free(sk);
}

/* ---- Interop with stock minisign ---- */

static const char doc_text[] =
	"Human rights groups urge protection for captured soldiers.\n"
	"\x00\x01\x02 binary bytes too \xff\xfe\n";

/* keys.md 4.1: the fingerprint vectors, and a key that claims another's id
 * has another fingerprint. */
DEFINE_TEST(test_key_fingerprint)
{
	npk_error err = { 0 };
	npk_pubkey *pk, *claim;
	char fp[NPK_FINGERPRINT_LEN], fp2[NPK_FINGERPRINT_LEN];

	CHECK_RC(npk_pubkey_parse(VEC_PUB, strlen(VEC_PUB), &pk, &err), NPK_OK, &err);
	npk_fingerprint_format(npk_pubkey_bytes(pk), fp);
	npk_pubkey_free(pk);
	CHECK_STR(fp, "9d24 e2ee af27 c2a0 88a5 64a3 2fc0 3a88");
	CHECK_RC(npk_pubkey_load("../../../spec/vectors/test.pub", &pk, &err), NPK_OK, &err);
	npk_fingerprint_format(npk_pubkey_bytes(pk), fp);
	CHECK_STR(fp, "4b65 c626 38c1 19f4 0c06 881f 8010 0f22");
	CHECK_EQ_INT(strlen(fp), NPK_FINGERPRINT_LEN - 1);

	uint8_t other[32];
	memcpy(other, npk_pubkey_bytes(pk), 32);
	other[31] ^= 1;
	CHECK_RC(npk_pubkey_from_raw(npk_pubkey_id(pk), other, &claim, &err), NPK_OK, &err);
	npk_fingerprint_format(npk_pubkey_bytes(claim), fp2);
	CHECK(memcmp(npk_pubkey_id(pk), npk_pubkey_id(claim), 8) == 0);
	CHECK(strcmp(fp, fp2) != 0);
	npk_pubkey_free(claim);
	npk_pubkey_free(pk);
}

/* (a) A minisign -G -W key loads, and what npk__sign makes with it
 * minisign -V accepts; and the other way round. */
DEFINE_TEST(test_key_minisign_plain)
{
	if (!have_minisign("test_key_minisign_plain"))
		return;
	npk_error err = { 0 };
	npk_pubkey *pk, *pk2;
	npk_seckey *sk;
	uint8_t sig[64], global[64];
	const char *comment = "timestamp:1737676800\tfile:doc.txt\tnewspack test";

	CHECK_EQ_INT(run(MINISIGN " -G -W -p ms.pub -s ms.key >out.txt 2>&1"), 0);
	CHECK_RC(npk_seckey_load("ms.key", NULL, &sk, &err), NPK_OK, &err);
	CHECK_RC(npk_pubkey_load("ms.pub", &pk, &err), NPK_OK, &err);
	CHECK(pair_matches(sk, pk));
	/* Our key id is the number minisign's comment line shows (minisign
	 * prints it with %PRIX64, without leading zeros; we always print 16
	 * digits, so compare the numbers). */
	char want[64];
	char *text = npk_test_read_file("ms.pub", NULL);
	const char *hex = text ? strstr(text, "minisign public key ") : NULL;
	CHECK(hex != NULL);
	unsigned long long shown = strtoull(hex + strlen("minisign public key "), NULL, 16);
	unsigned long long ours = 0;
	for (int i = 7; i >= 0; i--)
		ours = ours << 8 | npk_pubkey_id(pk)[i];
	CHECK(shown == ours);
	free(text);

	CHECK(npk_test_write_file("doc.txt", doc_text, sizeof doc_text - 1) == 0);
	CHECK(sign_file(sk, "doc.txt", comment, sig, global) == 0);
	CHECK(minisig_write("doc.minisig", npk_pubkey_id(pk), sig, comment, global) == 0);
	CHECK_EQ_INT(run(MINISIGN " -Vm doc.txt -x doc.minisig -p ms.pub -Q >tc.txt 2>&1"), 0);
	text = npk_test_read_file("tc.txt", NULL);
	CHECK(text != NULL);
	snprintf(want, sizeof want, "%s\n", comment);
	CHECK_STR(text, want);
	free(text);
	/* ...and refuses it for other bytes. */
	CHECK(write_str("doc2.txt", "other bytes") == 0);
	CHECK(run(MINISIGN " -Vm doc2.txt -x doc.minisig -p ms.pub -q >/dev/null 2>&1") != 0);

	/* minisign's own signature verifies with npk__verify. */
	CHECK_EQ_INT(run(MINISIGN " -S -s ms.key -m doc.txt -x ms.minisig -t 'from minisign' "
	                 ">/dev/null 2>&1"), 0);
	CHECK_EQ_INT(verify_minisig(pk, "doc.txt", "ms.minisig"), NPK_OK);
	CHECK_EQ_INT(verify_minisig(pk, "doc2.txt", "ms.minisig"), NPK_E_SIGNATURE);

	/* Also as parsed from the bare line minisign prints for -P. */
	text = npk_test_read_file("ms.pub", NULL);
	CHECK(text != NULL);
	char *line = strchr(text, '\n') + 1;
	CHECK_RC(npk_pubkey_parse(line, strlen(line), &pk2, &err), NPK_OK, &err);
	free(text);
	CHECK(same_key(pk, pk2));

	npk_pubkey_free(pk);
	npk_pubkey_free(pk2);
	npk_seckey_free(sk);
}

/* (b) Our key files are read by minisign: the public key by -V, the
 * unencrypted secret key by -S (which also checks it against -p). */
DEFINE_TEST(test_key_minisign_ours)
{
	if (!have_minisign("test_key_minisign_ours"))
		return;
	npk_error err = { 0 };
	npk_pubkey *pk;
	npk_seckey *sk;
	uint8_t sig[64], global[64];

	CHECK_RC(npk_keypair_generate(&pk, &sk, &err), NPK_OK, &err);
	CHECK_RC(npk_pubkey_save(pk, "our.pub", 0, &err), NPK_OK, &err);
	CHECK_RC(npk_seckey_save(sk, "our.key", NULL, 0, &err), NPK_OK, &err);
	CHECK(npk_test_write_file("doc.txt", doc_text, sizeof doc_text - 1) == 0);

	CHECK(sign_file(sk, "doc.txt", "newspack", sig, global) == 0);
	CHECK(minisig_write("doc.minisig", npk_pubkey_id(pk), sig, "newspack", global) == 0);
	CHECK_EQ_INT(run(MINISIGN " -Vm doc.txt -x doc.minisig -p our.pub -q"), 0);

	/* The longest comment minisign reads back. */
	char *longc = malloc(8174);
	CHECK(longc != NULL);
	memset(longc, 'w', 8173);
	longc[8173] = '\0';
	int rs = sign_file(sk, "doc.txt", longc, sig, global);
	int rw = rs == 0 ? minisig_write("long.minisig", npk_pubkey_id(pk), sig, longc, global) : -1;
	free(longc);
	CHECK_EQ_INT(rs, 0);
	CHECK_EQ_INT(rw, 0);
	CHECK_EQ_INT(run(MINISIGN " -Vm doc.txt -x long.minisig -p our.pub -q"), 0);

	CHECK_EQ_INT(run(MINISIGN " -S -s our.key -p our.pub -m doc.txt -x s.minisig "
	                 "-t 'signed by minisign' >/dev/null 2>&1"), 0);
	CHECK_EQ_INT(verify_minisig(pk, "doc.txt", "s.minisig"), NPK_OK);

	npk_pubkey_free(pk);
	npk_seckey_free(sk);
}

/* (c) An encrypted minisign key loads with its passphrase and not with
 * another; an encrypted key of ours is read by minisign -S. Passphrases go
 * to minisign on stdin, which it reads when stdin is not a terminal. */
DEFINE_TEST(test_key_minisign_encrypted)
{
	if (!have_minisign("test_key_minisign_encrypted"))
		return;
	npk_error err = { 0 };
	npk_pubkey *pk, *opk;
	npk_seckey *sk = NULL, *osk;
	int enc = -1;

	CHECK_EQ_INT(run("printf 'pass phrase 1\\npass phrase 1\\n' | " MINISIGN
	                 " -G -p enc.pub -s enc.key >/dev/null 2>&1"), 0);
	CHECK_RC(npk_seckey_file_encrypted("enc.key", &enc, &err), NPK_OK, &err);
	CHECK_EQ_INT(enc, 1);
	CHECK_RC(npk_pubkey_load("enc.pub", &pk, &err), NPK_OK, &err);
	CHECK_RC(npk_seckey_load("enc.key", "pass phrase 1", &sk, &err), NPK_OK, &err);
	CHECK(pair_matches(sk, pk));
	npk_seckey_free(sk);
	sk = NULL;
	CHECK_RC(npk_seckey_load("enc.key", "pass phrase 2", &sk, &err), NPK_E_PASSPHRASE, &err);
	CHECK_STR(err.msg, "enc.key: wrong passphrase");
	CHECK(sk == NULL);
	CHECK_RC(npk_seckey_load("enc.key", NULL, &sk, &err), NPK_E_PASSPHRASE, &err);

	CHECK_RC(npk_keypair_generate(&opk, &osk, &err), NPK_OK, &err);
	CHECK_RC(npk_pubkey_save(opk, "oe.pub", 0, &err), NPK_OK, &err);
	CHECK_RC(npk_seckey_save(osk, "oe.key", "pass phrase 3", 0, &err), NPK_OK, &err);
	CHECK(npk_test_write_file("doc.txt", doc_text, sizeof doc_text - 1) == 0);
	CHECK_EQ_INT(run("printf 'pass phrase 3\\n' | " MINISIGN
	                 " -S -s oe.key -p oe.pub -m doc.txt -x oe.minisig >/dev/null 2>&1"), 0);
	CHECK_EQ_INT(verify_minisig(opk, "doc.txt", "oe.minisig"), NPK_OK);
	CHECK(run("printf 'wrong\\n' | " MINISIGN
	          " -S -s oe.key -m doc.txt -x bad.minisig >/dev/null 2>&1") != 0);

	npk_pubkey_free(pk);
	npk_pubkey_free(opk);
	npk_seckey_free(osk);
}

/* ---- Encryption keys (keys.md 9) ---- */

DEFINE_TEST(test_key_encryption_files)
{
	npk_error err = {0};
	npk_recipient *r = NULL, *r2 = NULL, *r3 = NULL;
	npk_identity *id = NULL, *id2 = NULL;
	CHECK_RC(npk_identity_generate(&r, &id, &err), NPK_OK, &err);
	CHECK_RC(npk_identity_save(id, "e.key", "pass phrase", 0, &err), NPK_OK, &err);
	CHECK_RC(npk_identity_save(id, "w.key", NULL, 0, &err), NPK_OK, &err);
	CHECK_RC(npk_recipient_save(r, "e.pub", 0, &err), NPK_OK, &err);
	int enc = -1;
	CHECK_RC(npk_identity_file_encrypted("e.key", &enc, &err), NPK_OK, &err);
	CHECK(enc == 1);
	CHECK_RC(npk_identity_file_encrypted("w.key", &enc, &err), NPK_OK, &err);
	CHECK(enc == 0);
	CHECK_RC(npk_identity_load("e.key", "wrong", &id2, &err), NPK_E_PASSPHRASE, &err);
	CHECK_RC(npk_identity_load("e.key", "pass phrase", &id2, &err), NPK_OK, &err);
	r2 = npk_identity_recipient(id2);
	CHECK(r2 != NULL && memcmp(npk_recipient_bytes(r2), npk_recipient_bytes(r), 32) == 0 &&
	      memcmp(npk_recipient_id(r2), npk_recipient_id(r), 8) == 0);
	CHECK_RC(npk_recipient_load("e.pub", &r3, &err), NPK_OK, &err);
	CHECK(r3 != NULL && memcmp(npk_recipient_bytes(r3), npk_recipient_bytes(r), 32) == 0);
	size_t len;
	char *text = npk_test_read_file("e.pub", &len);
	CHECK(text != NULL && strncmp(text, "untrusted comment: newspack encryption public key ", 50) == 0);
	CHECK(text != NULL && strstr(text, "\nWD") != NULL);
	free(text);

	/* one kind of key is not taken for the other */
	npk_pubkey *pk = NULL;
	npk_seckey *sk = NULL;
	CHECK_RC(npk_pubkey_load("e.pub", &pk, &err), NPK_E_KEY, &err);
	CHECK_RC(npk_seckey_load("w.key", NULL, &sk, &err), NPK_E_KEY, &err);
	CHECK(strstr(err.msg, "an encryption key, not a signing key") != NULL);
	CHECK_RC(npk_keypair_generate(&pk, &sk, &err), NPK_OK, &err);
	CHECK_RC(npk_pubkey_save(pk, "s.pub", 0, &err), NPK_OK, &err);
	CHECK_RC(npk_seckey_save(sk, "s.key", NULL, 0, &err), NPK_OK, &err);
	npk_recipient *rx = NULL;
	npk_identity *ix = NULL;
	CHECK_RC(npk_recipient_load("s.pub", &rx, &err), NPK_E_KEY, &err);
	CHECK(strstr(err.msg, "signing public key, not a recipient") != NULL);
	CHECK_RC(npk_identity_load("s.key", NULL, &ix, &err), NPK_E_KEY, &err);
	CHECK(strstr(err.msg, "a signing key, not an encryption key") != NULL);

	/* npk_keyring_add_file: npk_identity_load's checks and errors, the
	 * recipient it would give, nothing added on a refusal */
	npk_keyring *ring = npk_keyring_new();
	CHECK(ring != NULL);
	CHECK_RC(npk_keyring_add_file(ring, "s.key", NULL, &rx, &err), NPK_E_KEY, &err);
	CHECK(strstr(err.msg, "a signing key, not an encryption key") != NULL && rx == NULL);
	CHECK_RC(npk_keyring_add_file(ring, "e.key", NULL, NULL, &err), NPK_E_PASSPHRASE, &err);
	CHECK_RC(npk_keyring_add_file(ring, "e.key", "wrong", &rx, &err), NPK_E_PASSPHRASE, &err);
	CHECK_STR(err.msg, "e.key: wrong passphrase");
	CHECK(npk__keyring_count(ring) == 0);
	CHECK_RC(npk_keyring_add_file(ring, "e.key", "pass phrase", &rx, &err), NPK_OK, &err);
	npk_identity *ie = NULL;
	CHECK_RC(npk_identity_load("e.key", "pass phrase", &ie, &err), NPK_OK, &err);
	npk_recipient *re = npk_identity_recipient(ie);
	CHECK(rx != NULL && re != NULL &&
	      memcmp(npk_recipient_bytes(rx), npk_recipient_bytes(re), 32) == 0 &&
	      memcmp(npk_recipient_id(rx), npk_recipient_id(re), 8) == 0);
	CHECK_RC(npk_keyring_add_file(ring, "w.key", NULL, NULL, &err), NPK_OK, &err);
	npk_keyring *ring2 = npk_keyring_new();
	CHECK_RC(npk_keyring_add(ring2, ie, &err), NPK_OK, &err);
	CHECK(npk__keyring_count(ring) == 2 && npk__keyring_count(ring2) == 1 &&
	      sodium_memcmp(npk__keyring_secret(ring, 0), npk__keyring_secret(ring2, 0), 64) == 0);
	/* a damaged key: the last byte of its public half changed (3.1.: at
	 * 62 + 32 + 31 of the 158 bytes) */
	size_t klen;
	char *ktext = npk_test_read_file("w.key", &klen);
	CHECK(ktext != NULL);
	if (ktext != NULL) {
		char *b64line = strchr(ktext, '\n') + 1;
		uint8_t raw[200];
		size_t rawlen = 0;
		CHECK(sodium_base642bin(raw, sizeof raw, b64line, strcspn(b64line, "\n"), NULL,
		                        &rawlen, NULL, B64_ORIG) == 0);
		CHECK(rawlen == 158);
		raw[125] ^= 1;
		sodium_bin2base64(b64line, strcspn(b64line, "\n") + 1, raw, rawlen, B64_ORIG);
		b64line[strlen(b64line)] = '\n';
		CHECK(npk_test_write_file("bad.key", ktext, klen) == 0);
		free(ktext);
	}
	CHECK_RC(npk_keyring_add_file(ring, "bad.key", NULL, NULL, &err), NPK_E_KEY, &err);
	CHECK(strstr(err.msg, "damaged key") != NULL && npk__keyring_count(ring) == 2);
	npk_recipient_free(rx);
	npk_recipient_free(re);
	npk_identity_free(ie);
	npk_keyring_free(ring);
	npk_keyring_free(ring2);
	rx = NULL;
	npk_pubkey_free(pk);
	npk_seckey_free(sk);

	/* a recipient of low order: the zero point and the order-8 points */
	static const uint8_t low[][32] = {
		{0},
		{1},
		{0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4,
		 0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49,
		 0xb8, 0x00},
		{0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0, 0xb1, 0x55, 0x9c, 0x83, 0xef,
		 0x5b, 0x04, 0x44, 0x5c, 0xc4, 0x58, 0x1c, 0x8e, 0x86, 0xd8, 0x22, 0x4e, 0xdd, 0xd0, 0x9f,
		 0x11, 0x57},
	};
	for (size_t i = 0; i < sizeof low / sizeof low[0]; i++) {
		uint8_t bin[42];
		char b64[80];
		memcpy(bin, "X1", 2);
		memset(bin + 2, 7, 8);
		memcpy(bin + 10, low[i], 32);
		sodium_bin2base64(b64, sizeof b64, bin, sizeof bin, B64_ORIG);
		CHECK_RC(npk_recipient_parse(b64, strlen(b64), &rx, &err), NPK_E_KEY, &err);
		CHECK(strstr(err.msg, "low order") != NULL);
	}
	/* the vector of keys.md 9: secret 00..1f, key id 01..08 */
	uint8_t bin[42], sec[32];
	char b64[80];
	for (int i = 0; i < 32; i++)
		sec[i] = (uint8_t)i;
	memcpy(bin, "X1", 2);
	for (int i = 0; i < 8; i++)
		bin[2 + i] = (uint8_t)(i + 1);
	crypto_scalarmult_base(bin + 10, sec);
	char hex[65];
	sodium_bin2hex(hex, sizeof hex, bin + 10, 32);
	CHECK_STR(hex, "8f40c5adb68f25624ae5b214ea767a6ec94d829d3d7b5e1ad1ba6f3e2138285f");
	sodium_bin2base64(b64, sizeof b64, bin, sizeof bin, B64_ORIG);
	CHECK_RC(npk_recipient_parse(b64, strlen(b64), &rx, &err), NPK_OK, &err);
	CHECK_STR(b64, "WDEBAgMEBQYHCI9Axa22jyViSuWyFOp2em7JTYKdPXteGtG6bz4hOChf");
	npk_recipient_free(rx);

	npk_recipient_free(r);
	npk_recipient_free(r2);
	npk_recipient_free(r3);
	npk_identity_free(id);
	npk_identity_free(id2);
}
