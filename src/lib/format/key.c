/*
 * key.c - minisign-compatible key files, "ED" signatures and trust sets
 * (spec/keys.md, which is the source of truth; section numbers below refer
 * to it).
 *
 * Secret bytes, and any text that holds them in base64, live only in
 * locked memory that is wiped when freed: sodium_malloc's for a key in use,
 * key_tmp_alloc's for a key file being read.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "format/format.h"

/* 2. Public key: "Ed" || key_id[8] || pk[32]. */
#define PK_LEN 42u
#define PK_OFF_ID 2u
#define PK_OFF_PK 10u

/* 3. Secret key, 158 bytes. */
#define SK_LEN 158u
#define SK_OFF_SIGALG 0u
#define SK_OFF_KDFALG 2u
#define SK_OFF_CHKALG 4u
#define SK_OFF_SALT 6u
#define SK_OFF_OPS 38u
#define SK_OFF_MEM 46u
#define SK_OFF_KEYNUM 54u          /* key_id || sk || chk, what the KDF masks */
#define SK_OFF_ID 54u
#define SK_OFF_SK 62u
#define SK_OFF_CHK 126u
#define SK_KEYNUM_LEN 104u
#define SK_SALT_LEN 32u
#define SK_CHK_LEN 32u
#define SK_SECRET_LEN 64u          /* libsodium's Ed25519 secret: seed || pk */

/* 3.2. What this writer records: about 1 s and 128 MiB on a small machine. */
#define KDF_OPSLIMIT 16777216ull
#define KDF_MEMLIMIT 134217728ull
/* What a reader accepts: minisign's own default is 2^25 and 1 GiB. Larger
 * recorded limits are refused rather than tried, so a hostile key file
 * cannot make a reader allocate or spin without bound. */
#define KDF_OPSLIMIT_MAX (1ull << 30)
#define KDF_MEMLIMIT_MAX (1ull << 30)

/* 1. Text form. */
#define COMMENT_PREFIX "untrusted comment: "
#define COMMENT_PREFIX_LEN (sizeof COMMENT_PREFIX - 1)
#define KEYFILE_MAX 4096u
/* 5. minisign reads a trusted comment line into 8192 bytes, its
 * "trusted comment: " prefix and newline included. */
#define TRUSTED_COMMENT_MAX 8173u

static const uint8_t sigalg_ed[2] = { 'E', 'd' };
static const uint8_t alg_x1[2] = { 'X', '1' };    /* 9. encryption keys: X25519 */
static const uint8_t kdfalg_scrypt[2] = { 'S', 'c' };
static const uint8_t kdfalg_none[2] = { 0, 0 };
static const uint8_t chkalg_b2[2] = { 'B', '2' };

/* ---- Text helpers ---- */

/* Writes a two-byte algorithm tag for messages: "Ed", or 0x4544 when it is
 * not printable. */
static void alg_text(const uint8_t *a, char out[16])
{
	if (a[0] >= 0x21 && a[0] < 0x7f && a[1] >= 0x21 && a[1] < 0x7f)
		snprintf(out, 16, "\"%c%c\"", a[0], a[1]);
	else
		snprintf(out, 16, "0x%02x%02x", a[0], a[1]);
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Finds the base64 line of a key file's text (1.): line 1 is an untrusted
 * comment, line 2 the key, and only white space may follow. With bare_ok, a
 * text that does not start with a comment is taken as the key line itself.
 * *where tells messages which line it was. */
static int key_line_find(const char *name, const char *kind, const char *text,
                         size_t len, int bare_ok, const char **line,
                         size_t *line_len, const char **where, npk_error *err)
{
	const char *p = text, *end = text + len;

	NPK_FAIL_IF(memchr(text, '\0', len) != NULL, err, NPK_E_KEY,
	            "%s: not a minisign %s key (contains a NUL byte)", name, kind);
	int commented = len >= COMMENT_PREFIX_LEN &&
	                memcmp(text, COMMENT_PREFIX, COMMENT_PREFIX_LEN) == 0;
	NPK_FAIL_IF(!commented && !bare_ok, err, NPK_E_KEY,
	            "%s: not a minisign %s key (line 1 does not start with \"%s\")",
	            name, kind, COMMENT_PREFIX);
	*where = "";
	if (commented) {
		const char *nl = memchr(p, '\n', len);
		NPK_FAIL_IF(nl == NULL, err, NPK_E_KEY,
		            "%s: not a minisign %s key (truncated: no line 2)", name, kind);
		p = nl + 1;
		*where = " on line 2";
	}
	const char *eol = memchr(p, '\n', (size_t)(end - p));
	if (eol == NULL)
		eol = end;
	const char *e = eol;
	while (e > p && is_space(e[-1]))
		e--;
	NPK_FAIL_IF(e == p, err, NPK_E_KEY,
	            "%s: not a minisign %s key (truncated: no key%s)", name, kind, *where);
	for (const char *q = eol; q < end; q++)
		NPK_FAIL_IF(!is_space(*q), err, NPK_E_KEY,
		            "%s: not a minisign %s key (unexpected text after the key line)",
		            name, kind);
	*line = p;
	*line_len = (size_t)(e - p);
	return NPK_OK;
}

/* Key bytes in passing (a key file's text, its decoded bytes, a secret
 * key before it is unlocked): locked in memory and kept out of core dumps
 * as sodium_malloc's are, and wiped when freed, but without sodium_malloc's
 * guard pages, whose mapping and unmapping cost about 25 us a buffer, more
 * than reading a key takes otherwise. What a key lives in while it is used
 * (npk_seckey, a keyring, a reader's file key) is sodium_malloc memory. */
typedef union {
	size_t n;
	max_align_t align;
} key_tmp_head;

static void *key_tmp_alloc(size_t n)
{
	if (n > SIZE_MAX - sizeof(key_tmp_head))
		return NULL;
	key_tmp_head *h = malloc(sizeof *h + n);
	if (h == NULL)
		return NULL;
	h->n = n;
	/* best effort, as sodium_malloc's mlock is; locking works by the page,
	 * so a buffer freed first may unlock a page that another shares */
	(void)sodium_mlock(h + 1, n);
	return h + 1;
}

static void key_tmp_free(void *p)
{
	if (p == NULL)
		return;
	key_tmp_head *h = (key_tmp_head *)p - 1;
	sodium_munlock(h + 1, h->n);    /* wipes, then unlocks */
	free(h);
}

/* Decodes the key line (original base64 alphabet, padded) into a
 * key_tmp_alloc buffer of exactly want bytes; the caller key_tmp_frees *out.
 * The buffer is sized for whatever the line holds, so a line of the wrong
 * length is told apart from one that is not base64. */
static int key_line_decode(const char *name, const char *kind, const char *where,
                           const char *line, size_t n, size_t want,
                           uint8_t **out, npk_error *err)
{
	size_t cap = n / 4 * 3 + 3, got = 0;
	uint8_t *bin = key_tmp_alloc(cap);
	NPK_FAIL_IF(bin == NULL, err, NPK_E_NOMEM, "%s: out of memory", name);
	if (sodium_base642bin(bin, cap, line, n, NULL, &got, NULL,
	                      sodium_base64_VARIANT_ORIGINAL) != 0) {
		key_tmp_free(bin);
		return npk__fail(err, NPK_E_KEY, "%s: not a minisign %s key (bad base64%s)",
		                 name, kind, where);
	}
	if (got != want) {
		key_tmp_free(bin);
		return npk__fail(err, NPK_E_KEY,
		                 "%s: not a minisign %s key (%zu bytes of key data%s, expected %zu)",
		                 name, kind, got, where, want);
	}
	*out = bin;
	return NPK_OK;
}

/* ---- Files ---- */

/* Reads what is left of fd into buf (KEYFILE_MAX + 1 bytes), NUL-ended.
 * One byte more than allowed is read, to tell "too large" apart. */
static int keyfile_fill(int fd, const char *path, char *buf, size_t *outlen,
                        npk_error *err)
{
	size_t len = 0;
	while (len <= KEYFILE_MAX) {
		ssize_t n = read(fd, buf + len, KEYFILE_MAX + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		NPK_FAIL_IF(n < 0, err, NPK_E_IO, "%s: read: %s", path, strerror(errno));
		if (n == 0)
			break;
		len += (size_t)n;
	}
	NPK_FAIL_IF(len > KEYFILE_MAX, err, NPK_E_KEY,
	            "%s: too large for a key file (over %u bytes)", path, KEYFILE_MAX);
	buf[len] = '\0';
	*outlen = len;
	return NPK_OK;
}

/* keyfile_read on an open fd, which the caller closes. */
static int keyfile_read_fd(int fd, const char *path, char **out, size_t *outlen,
                           npk_error *err)
{
	struct stat st;
	NPK_FAIL_IF(fstat(fd, &st) != 0, err, NPK_E_IO, "%s: %s", path, strerror(errno));
	NPK_FAIL_IF(!S_ISREG(st.st_mode), err, NPK_E_IO, "%s: not a regular file", path);
	char *buf = key_tmp_alloc(KEYFILE_MAX + 1);
	NPK_FAIL_IF(buf == NULL, err, NPK_E_NOMEM, "%s: out of memory", path);
	int rc = keyfile_fill(fd, path, buf, outlen, err);
	if (rc != NPK_OK) {
		key_tmp_free(buf);
		return rc;
	}
	*out = buf;
	return NPK_OK;
}

/* Reads a whole key file, NUL-terminated, into key_tmp_alloc memory (a
 * secret key file holds the key in base64); the caller key_tmp_frees *out. */
static int keyfile_read(const char *path, char **out, size_t *outlen, npk_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	NPK_FAIL_IF(fd < 0, err, NPK_E_IO, "%s: %s", path, strerror(errno));
	int rc = keyfile_read_fd(fd, path, out, outlen, err);
	close(fd);
	return rc;
}

/* Writes a key file with exactly mode, atomically (base/base.h, "Atomic
 * output"): path never holds half a key, and an existing key (or a symlink
 * planted in its place) is replaced only with overwrite, never followed. */
static int keyfile_write(const char *path, const char *text, size_t len,
                         unsigned mode, int overwrite, npk_error *err)
{
	npk__out o = {.fd = -1};
	int rc, flags = NPK__OUT_EXACT_MODE | (overwrite ? NPK__OUT_REPLACE : 0);
	NPK_FORWARD_GOTO(rc, npk__out_open(&o, path, mode, flags, err), done);
	NPK_FORWARD_GOTO(rc, npk__write_full(o.fd, text, len, path, err), done);
	rc = npk__out_commit(&o, err);
done:
	npk__out_abort(&o);
	return rc;
}

/* ---- Public keys ---- */

/* Parses a public key's text (2.); name is used in messages. */
static int pubkey_from_text(const char *name, const char *text, size_t len,
                            int bare_ok, npk_pubkey **out, npk_error *err)
{
	const char *line, *where;
	size_t n;
	uint8_t *bin = NULL;

	NPK_FORWARD(key_line_find(name, "public", text, len, bare_ok, &line, &n, &where, err));
	NPK_FORWARD(key_line_decode(name, "public", where, line, n, PK_LEN, &bin, err));
	int rc;
	if (memcmp(bin, alg_x1, 2) == 0) {
		rc = npk__fail(err, NPK_E_KEY, "%s is an encryption public key (a recipient's), "
		               "not a signer's key", name);
	} else if (memcmp(bin, sigalg_ed, 2) != 0) {
		char alg[16];
		alg_text(bin, alg);
		rc = npk__fail(err, NPK_E_KEY,
		               "%s: unsupported signature algorithm %s (only \"Ed\", Ed25519, is known)",
		               name, alg);
	} else {
		rc = npk_pubkey_from_raw(bin + PK_OFF_ID, bin + PK_OFF_PK, out, err);
	}
	key_tmp_free(bin);
	return rc;
}

int npk_pubkey_from_raw(const uint8_t id[NPK_KEYID_BYTES],
                        const uint8_t pk[NPK_PUBKEY_BYTES],
                        npk_pubkey **out, npk_error *err)
{
	NPK_FAIL_IF(id == NULL || pk == NULL || out == NULL, err, NPK_E_ARG,
	            "npk_pubkey_from_raw: NULL argument");
	npk_pubkey *k = malloc(sizeof *k);
	NPK_FAIL_IF(k == NULL, err, NPK_E_NOMEM, "public key: out of memory");
	memcpy(k->id, id, NPK_KEYID_BYTES);
	memcpy(k->pk, pk, NPK_PUBKEY_BYTES);
	*out = k;
	return NPK_OK;
}

int npk_pubkey_parse(const char *text, size_t len, npk_pubkey **out, npk_error *err)
{
	NPK_FAIL_IF(text == NULL || out == NULL, err, NPK_E_ARG,
	            "npk_pubkey_parse: NULL argument");
	NPK_FORWARD(npk__init(err));
	return pubkey_from_text("public key", text, len, 1, out, err);
}

int npk_pubkey_load(const char *path, npk_pubkey **out, npk_error *err)
{
	NPK_FAIL_IF(path == NULL || out == NULL, err, NPK_E_ARG,
	            "npk_pubkey_load: NULL argument");
	NPK_FORWARD(npk__init(err));
	char *text;
	size_t len;
	NPK_FORWARD(keyfile_read(path, &text, &len, err));
	int rc = pubkey_from_text(path, text, len, 0, out, err);
	key_tmp_free(text);
	return rc;
}

/* 2., 9.: a public key file of algorithm alg; its comment says kind
 * ("public key", "encryption public key") and the key id. */
static int pubkey_write(const uint8_t *alg, const char *kind, const uint8_t id[NPK_KEYID_BYTES],
                        const uint8_t pk[32], const char *path, int overwrite, npk_error *err)
{
	uint8_t bin[PK_LEN];
	char idt[17], b64[sodium_base64_ENCODED_LEN(PK_LEN, sodium_base64_VARIANT_ORIGINAL)];
	char text[256];
	memcpy(bin, alg, 2);
	memcpy(bin + PK_OFF_ID, id, NPK_KEYID_BYTES);
	memcpy(bin + PK_OFF_PK, pk, 32);
	sodium_bin2base64(b64, sizeof b64, bin, sizeof bin, sodium_base64_VARIANT_ORIGINAL);
	npk_keyid_format(id, idt);
	int n = snprintf(text, sizeof text, COMMENT_PREFIX "newspack %s %s\n%s\n", kind, idt, b64);
	return keyfile_write(path, text, (size_t)n, NPK__MODE_FILE, overwrite, err);
}

int npk_pubkey_save(const npk_pubkey *pk, const char *path, int overwrite,
                    npk_error *err)
{
	NPK_FAIL_IF(pk == NULL || path == NULL, err, NPK_E_ARG,
	            "npk_pubkey_save: NULL argument");
	NPK_FORWARD(npk__init(err));
	return pubkey_write(sigalg_ed, "public key", pk->id, pk->pk, path, overwrite, err);
}

void npk_pubkey_free(npk_pubkey *pk)
{
	free(pk);
}

const uint8_t *npk_pubkey_id(const npk_pubkey *pk)
{
	return pk->id;
}

const uint8_t *npk_pubkey_bytes(const npk_pubkey *pk)
{
	return pk->pk;
}

void npk_keyid_format(const uint8_t id[NPK_KEYID_BYTES], char out[17])
{
	snprintf(out, 17, "%016" PRIX64, npk__ld64(id));
}

/* keys.md 4.1: the first 16 bytes of BLAKE2b-256(pk), in lowercase hex,
 * four digits a group, the groups separated by one space. */
void npk_fingerprint_format(const uint8_t pk[NPK_PUBKEY_BYTES], char out[NPK_FINGERPRINT_LEN])
{
	static const char hx[] = "0123456789abcdef";
	uint8_t h[32];
	crypto_generichash(h, sizeof h, pk, NPK_PUBKEY_BYTES, NULL, 0);
	char *o = out;
	for (int i = 0; i < 16; i++) {
		if (i > 0 && i % 2 == 0)
			*o++ = ' ';
		*o++ = hx[h[i] >> 4];
		*o++ = hx[h[i] & 15];
	}
	*o = 0;
}

/* ---- Secret keys ---- */

static npk_seckey *seckey_alloc(void)
{
	npk_seckey *k = malloc(sizeof *k);
	if (k == NULL)
		return NULL;
	k->sk = sodium_malloc(SK_SECRET_LEN);
	if (k->sk == NULL) {
		free(k);
		return NULL;
	}
	return k;
}

void npk_seckey_free(npk_seckey *sk)
{
	if (sk == NULL)
		return;
	sodium_free(sk->sk);  /* wipes */
	sodium_memzero(sk->id, sizeof sk->id);
	free(sk);
}

npk_pubkey *npk_seckey_pubkey(const npk_seckey *sk)
{
	if (sk == NULL)
		return NULL;
	npk_pubkey *k = malloc(sizeof *k);
	if (k == NULL)
		return NULL;
	memcpy(k->id, sk->id, NPK_KEYID_BYTES);
	/* libsodium's Ed25519 secret key is seed[32] || pk[32]. */
	memcpy(k->pk, sk->sk + 32, NPK_PUBKEY_BYTES);
	return k;
}

int npk_keypair_generate(npk_pubkey **pk, npk_seckey **sk, npk_error *err)
{
	NPK_FAIL_IF(pk == NULL || sk == NULL, err, NPK_E_ARG,
	            "npk_keypair_generate: NULL argument");
	NPK_FORWARD(npk__init(err));
	npk_seckey *s = seckey_alloc();
	NPK_FAIL_IF(s == NULL, err, NPK_E_NOMEM, "key generation: out of memory");
	npk_pubkey *p = malloc(sizeof *p);
	if (p == NULL) {
		npk_seckey_free(s);
		return npk__fail(err, NPK_E_NOMEM, "key generation: out of memory");
	}
	randombytes_buf(s->id, NPK_KEYID_BYTES);
	crypto_sign_keypair(p->pk, s->sk);
	memcpy(p->id, s->id, NPK_KEYID_BYTES);
	*pk = p;
	*sk = s;
	return NPK_OK;
}

/* 3.3. chk = BLAKE2b-256(sig_alg || key_id || sk), over a decoded (or
 * not yet encrypted) secret key. */
static void seckey_chk(const uint8_t *raw, uint8_t chk[SK_CHK_LEN])
{
	crypto_generichash_state hs;
	crypto_generichash_init(&hs, NULL, 0, SK_CHK_LEN);
	crypto_generichash_update(&hs, raw + SK_OFF_SIGALG, 2);
	crypto_generichash_update(&hs, raw + SK_OFF_ID, NPK_KEYID_BYTES);
	crypto_generichash_update(&hs, raw + SK_OFF_SK, SK_SECRET_LEN);
	crypto_generichash_final(&hs, chk, SK_CHK_LEN);
	sodium_memzero(&hs, sizeof hs);
}

/* 3.2. XORs key_id || sk || chk with the scrypt stream of the passphrase;
 * the same call encrypts and decrypts. */
static int seckey_mask(const char *name, uint8_t *raw, const char *passphrase,
                       npk_error *err)
{
	uint64_t ops = npk__ld64(raw + SK_OFF_OPS), mem = npk__ld64(raw + SK_OFF_MEM);
	uint8_t *stream = sodium_malloc(SK_KEYNUM_LEN);
	NPK_FAIL_IF(stream == NULL, err, NPK_E_NOMEM, "%s: out of memory", name);
	if (crypto_pwhash_scryptsalsa208sha256(stream, SK_KEYNUM_LEN, passphrase,
	                                       strlen(passphrase), raw + SK_OFF_SALT,
	                                       (unsigned long long)ops, (size_t)mem) != 0) {
		sodium_free(stream);
		return npk__fail(err, NPK_E_NOMEM,
		                 "%s: key derivation failed (it needs up to %" PRIu64 " MiB of memory)",
		                 name, mem >> 20);
	}
	for (size_t i = 0; i < SK_KEYNUM_LEN; i++)
		raw[SK_OFF_KEYNUM + i] ^= stream[i];
	sodium_free(stream);
	return NPK_OK;
}

/* Reads a secret key file's text and decodes its key line (1., 3.1.) into
 * *bin, SK_LEN bytes of key_tmp_alloc memory the caller key_tmp_frees. The
 * text, base64 of a possibly unencrypted key, is wiped on every path. */
static int seckey_decode(const char *path, uint8_t **bin, npk_error *err)
{
	char *text;
	size_t len, n;
	const char *line, *where;
	int rc;

	NPK_FORWARD(keyfile_read(path, &text, &len, err));
	NPK_FORWARD_GOTO(rc, key_line_find(path, "secret", text, len, 0, &line, &n, &where, err),
	                 done);
	rc = key_line_decode(path, "secret", where, line, n, SK_LEN, bin, err);
done:
	key_tmp_free(text);
	return rc;
}

/* 3.4. step 2: the three algorithm tags; *encrypted from kdf_alg. */
static int seckey_algs_check(const char *path, const uint8_t *bin, const uint8_t *want,
                             int *encrypted, npk_error *err)
{
	char alg[16];
	if (want == alg_x1 && memcmp(bin + SK_OFF_SIGALG, sigalg_ed, 2) == 0)
		return npk__fail(err, NPK_E_KEY, "%s is a signing key, not an encryption key "
		                 "(newspack keygen --encryption makes one)", path);
	if (want == sigalg_ed && memcmp(bin + SK_OFF_SIGALG, alg_x1, 2) == 0)
		return npk__fail(err, NPK_E_KEY, "%s is an encryption key, not a signing key", path);
	if (want == alg_x1 && memcmp(bin + SK_OFF_SIGALG, alg_x1, 2) != 0) {
		alg_text(bin + SK_OFF_SIGALG, alg);
		return npk__fail(err, NPK_E_KEY,
		                 "%s: unsupported key algorithm %s (only \"X1\", X25519, is known)",
		                 path, alg);
	}
	if (want == sigalg_ed && memcmp(bin + SK_OFF_SIGALG, sigalg_ed, 2) != 0) {
		alg_text(bin + SK_OFF_SIGALG, alg);
		return npk__fail(err, NPK_E_KEY,
		                 "%s: unsupported signature algorithm %s (only \"Ed\", Ed25519, is known)",
		                 path, alg);
	}
	if (memcmp(bin + SK_OFF_CHKALG, chkalg_b2, 2) != 0) {
		alg_text(bin + SK_OFF_CHKALG, alg);
		return npk__fail(err, NPK_E_KEY,
		                 "%s: unsupported checksum algorithm %s (only \"B2\", BLAKE2b, is known)",
		                 path, alg);
	}
	if (memcmp(bin + SK_OFF_KDFALG, kdfalg_scrypt, 2) == 0) {
		*encrypted = 1;
	} else if (memcmp(bin + SK_OFF_KDFALG, kdfalg_none, 2) == 0) {
		*encrypted = 0;
	} else {
		alg_text(bin + SK_OFF_KDFALG, alg);
		return npk__fail(err, NPK_E_KEY,
		                 "%s: unsupported key derivation %s (only \"Sc\", scrypt, or none)",
		                 path, alg);
	}
	return NPK_OK;
}

/* 3.4. step 3: an encrypted key's KDF limits, before anything is derived. */
static int seckey_kdf_check(const char *path, const uint8_t *bin, npk_error *err)
{
	uint64_t ops = npk__ld64(bin + SK_OFF_OPS), mem = npk__ld64(bin + SK_OFF_MEM);
	NPK_FAIL_IF(mem > KDF_MEMLIMIT_MAX, err, NPK_E_KEY,
	            "%s: the key asks scrypt for %" PRIu64 " bytes of memory; "
	            "more than %llu is refused", path, mem, KDF_MEMLIMIT_MAX);
	NPK_FAIL_IF(ops > KDF_OPSLIMIT_MAX, err, NPK_E_KEY,
	            "%s: the key asks scrypt for %" PRIu64 " operations; "
	            "more than %llu is refused", path, ops, KDF_OPSLIMIT_MAX);
	return NPK_OK;
}

/* Reads a secret key file and checks everything that does not need the
 * passphrase (3.4). *raw is the 158 decoded bytes in key_tmp_alloc memory,
 * still encrypted if the file is; the caller key_tmp_frees it. */
static int seckey_read(const char *path, const uint8_t *alg, uint8_t **raw, int *encrypted,
                       npk_error *err)
{
	uint8_t *bin;
	int rc;

	NPK_FORWARD(seckey_decode(path, &bin, err));
	NPK_FORWARD_GOTO(rc, seckey_algs_check(path, bin, alg, encrypted, err), fail);
	/* An unencrypted key's KDF fields mean nothing: minisign -C -W leaves
	 * the old ones in place. Only an encrypted key's are checked. */
	if (*encrypted)
		NPK_FORWARD_GOTO(rc, seckey_kdf_check(path, bin, err), fail);
	*raw = bin;
	return NPK_OK;
fail:
	key_tmp_free(bin);
	return rc;
}

/* Whether the secret key file of algorithm alg at path is encrypted. */
static int seckey_file_encrypted(const char *path, const uint8_t *alg, int *encrypted,
                                 npk_error *err)
{
	NPK_FORWARD(npk__init(err));
	uint8_t *raw;
	NPK_FORWARD(seckey_read(path, alg, &raw, encrypted, err));
	key_tmp_free(raw);
	return NPK_OK;
}

int npk_seckey_file_encrypted(const char *path, int *encrypted, npk_error *err)
{
	NPK_FAIL_IF(path == NULL || encrypted == NULL, err, NPK_E_ARG,
	            "npk_seckey_file_encrypted: NULL argument");
	return seckey_file_encrypted(path, sigalg_ed, encrypted, err);
}

/* 3.4. step 4, then 3.2.: decrypts an encrypted key in place. */
static int seckey_unlock(const char *path, uint8_t *raw, const char *passphrase,
                         npk_error *err)
{
	NPK_FAIL_IF(passphrase == NULL, err, NPK_E_PASSPHRASE,
	            "%s: this key is encrypted; a passphrase is needed", path);
	return seckey_mask(path, raw, passphrase, err);
}

/* 3.4. step 5 (3.3.): minisign -G -W leaves chk all zero and never reads it
 * back for an unencrypted key; any other chk must match. */
static int seckey_chk_verify(const char *path, const uint8_t *raw, int encrypted,
                             npk_error *err)
{
	uint8_t chk[SK_CHK_LEN];
	int rc = NPK_OK;

	seckey_chk(raw, chk);
	if ((encrypted || !sodium_is_zero(raw + SK_OFF_CHK, SK_CHK_LEN)) &&
	    sodium_memcmp(chk, raw + SK_OFF_CHK, SK_CHK_LEN) != 0)
		rc = encrypted
		     ? npk__fail(err, NPK_E_PASSPHRASE, "%s: wrong passphrase", path)
		     : npk__fail(err, NPK_E_KEY, "%s: checksum mismatch (damaged key)", path);
	sodium_memzero(chk, sizeof chk);
	return rc;
}

/* 3.4. step 6: the public half must be the one the seed makes; this also
 * covers keys whose zero chk proves nothing. */
static int seckey_halves_verify(const char *path, const uint8_t *raw, npk_error *err)
{
	uint8_t pk[NPK_PUBKEY_BYTES];
	if (memcmp(raw + SK_OFF_SIGALG, alg_x1, 2) == 0) {
		crypto_scalarmult_base(pk, raw + SK_OFF_SK);
	} else {
		uint8_t *check = sodium_malloc(SK_SECRET_LEN);
		NPK_FAIL_IF(check == NULL, err, NPK_E_NOMEM, "%s: out of memory", path);
		crypto_sign_seed_keypair(pk, check, raw + SK_OFF_SK);
		sodium_free(check);  /* wipes */
	}
	NPK_FAIL_IF(sodium_memcmp(pk, raw + SK_OFF_SK + 32, NPK_PUBKEY_BYTES) != 0,
	            err, NPK_E_KEY,
	            "%s: the secret and public halves do not match (damaged key)", path);
	return NPK_OK;
}

/* A new npk_seckey holding the key id and secret of a checked raw key. */
static int seckey_from_raw(const char *path, const uint8_t *raw, npk_seckey **out,
                           npk_error *err)
{
	npk_seckey *k = seckey_alloc();
	NPK_FAIL_IF(k == NULL, err, NPK_E_NOMEM, "%s: out of memory", path);
	memcpy(k->id, raw + SK_OFF_ID, NPK_KEYID_BYTES);
	memcpy(k->sk, raw + SK_OFF_SK, SK_SECRET_LEN);
	*out = k;
	return NPK_OK;
}

static int seckey_load_alg(const char *path, const uint8_t *alg, const char *passphrase,
                           npk_seckey **out, npk_error *err);

int npk_seckey_load(const char *path, const char *passphrase, npk_seckey **out,
                    npk_error *err)
{
	NPK_FAIL_IF(path == NULL || out == NULL, err, NPK_E_ARG,
	            "npk_seckey_load: NULL argument");
	NPK_FORWARD(npk__init(err));
	return seckey_load_alg(path, sigalg_ed, passphrase, out, err);
}

/* The key file at path read, unlocked and checked (3.4.) into *raw, a
 * key_tmp_alloc buffer the caller key_tmp_frees. */
static int seckey_read_checked(const char *path, const uint8_t *alg, const char *passphrase,
                               uint8_t **raw, npk_error *err)
{
	int encrypted, rc;
	NPK_FORWARD(seckey_read(path, alg, raw, &encrypted, err));
	if (encrypted)
		NPK_FORWARD_GOTO(rc, seckey_unlock(path, *raw, passphrase, err), fail);
	NPK_FORWARD_GOTO(rc, seckey_chk_verify(path, *raw, encrypted, err), fail);
	NPK_FORWARD_GOTO(rc, seckey_halves_verify(path, *raw, err), fail);
	return NPK_OK;
fail:
	key_tmp_free(*raw);  /* wipes */
	*raw = NULL;
	return rc;
}

static int seckey_load_alg(const char *path, const uint8_t *alg, const char *passphrase,
                           npk_seckey **out, npk_error *err)
{
	uint8_t *raw;
	NPK_FORWARD(seckey_read_checked(path, alg, passphrase, &raw, err));
	int rc = seckey_from_raw(path, raw, out, err);
	key_tmp_free(raw);  /* wipes */
	return rc;
}

/* Lays out sk as the 158 bytes of a key file (3.1.) in raw, encrypted with
 * passphrase unless it is NULL. An unencrypted key is written as minisign
 * -W does (zero KDF fields) except that chk is filled in, so damage is
 * caught on load. */
static int seckey_encode(const uint8_t *alg, const npk_seckey *sk, const char *path,
                         const char *passphrase, uint8_t *raw, npk_error *err)
{
	memset(raw, 0, SK_LEN);
	memcpy(raw + SK_OFF_SIGALG, alg, 2);
	memcpy(raw + SK_OFF_KDFALG, passphrase ? kdfalg_scrypt : kdfalg_none, 2);
	memcpy(raw + SK_OFF_CHKALG, chkalg_b2, 2);
	memcpy(raw + SK_OFF_ID, sk->id, NPK_KEYID_BYTES);
	memcpy(raw + SK_OFF_SK, sk->sk, SK_SECRET_LEN);
	seckey_chk(raw, raw + SK_OFF_CHK);
	if (passphrase == NULL)
		return NPK_OK;
	randombytes_buf(raw + SK_OFF_SALT, SK_SALT_LEN);
	npk__st64(raw + SK_OFF_OPS, KDF_OPSLIMIT);
	npk__st64(raw + SK_OFF_MEM, KDF_MEMLIMIT);
	return seckey_mask(path, raw, passphrase, err);
}

static int seckey_write(const uint8_t *alg, const npk_seckey *sk, const char *path,
                        const char *passphrase, int overwrite, npk_error *err);

int npk_seckey_save(const npk_seckey *sk, const char *path,
                    const char *passphrase, int overwrite, npk_error *err)
{
	NPK_FAIL_IF(sk == NULL || path == NULL, err, NPK_E_ARG,
	            "npk_seckey_save: NULL argument");
	NPK_FORWARD(npk__init(err));
	return seckey_write(sigalg_ed, sk, path, passphrase, overwrite, err);
}

static int seckey_write(const uint8_t *alg, const npk_seckey *sk, const char *path,
                        const char *passphrase, int overwrite, npk_error *err)
{
	static const char head_ed[] = COMMENT_PREFIX "newspack secret key\n";
	static const char head_x1[] = COMMENT_PREFIX "newspack encryption secret key\n";
	const char *head = alg == alg_x1 ? head_x1 : head_ed;
	const size_t head_len = strlen(head);
	const size_t b64_len = sodium_base64_ENCODED_LEN(SK_LEN, sodium_base64_VARIANT_ORIGINAL);
	const size_t text_cap = head_len + 1 + b64_len + 1;
	int rc;
	uint8_t *raw = sodium_malloc(SK_LEN);
	char *text = sodium_malloc(text_cap);
	if (raw == NULL || text == NULL) {
		rc = npk__fail(err, NPK_E_NOMEM, "%s: out of memory", path);
		goto done;
	}
	NPK_FORWARD_GOTO(rc, seckey_encode(alg, sk, path, passphrase, raw, err), done);
	memcpy(text, head, head_len);
	sodium_bin2base64(text + head_len, b64_len, raw, SK_LEN,
	                  sodium_base64_VARIANT_ORIGINAL);
	size_t len = strlen(text);
	text[len++] = '\n';
	rc = keyfile_write(path, text, len, NPK__MODE_SECRET, overwrite, err);
done:
	sodium_free(text);
	sodium_free(raw);
	return rc;
}

/* ---- Encryption keys (9.) ---- */

/* A point of low order: X25519 of it with any secret is zero (keys.md 9). */
static int low_order(const uint8_t pk[32])
{
	static const uint8_t probe[32] = {
		0x70, 0x17, 0x0a, 0x5b, 0x1c, 0xe4, 0x93, 0x2d, 0x8e, 0x55, 0x31, 0x0c, 0x6b, 0xa9,
		0x4f, 0x12, 0xd6, 0x3a, 0x81, 0xf0, 0x27, 0x9c, 0x44, 0xbe, 0x05, 0x68, 0xe3, 0x1d,
		0x92, 0x7f, 0xc8, 0x4a};
	uint8_t q[32];
	int low = crypto_scalarmult(q, probe, pk) != 0;
	sodium_memzero(q, sizeof q);
	return low;
}

static int recipient_from_text(const char *name, const char *text, size_t len, int bare_ok,
                               npk_recipient **out, npk_error *err)
{
	const char *line, *where;
	size_t n;
	uint8_t *bin = NULL;
	NPK_FORWARD(key_line_find(name, "public", text, len, bare_ok, &line, &n, &where, err));
	NPK_FORWARD(key_line_decode(name, "public", where, line, n, PK_LEN, &bin, err));
	int rc = NPK_OK;
	char alg[16];
	if (memcmp(bin, sigalg_ed, 2) == 0) {
		rc = npk__fail(err, NPK_E_KEY, "%s is a signing public key, not a recipient's "
		               "encryption key (newspack keygen --encryption makes one)", name);
	} else if (memcmp(bin, alg_x1, 2) != 0) {
		alg_text(bin, alg);
		rc = npk__fail(err, NPK_E_KEY,
		               "%s: unsupported key algorithm %s (only \"X1\", X25519, is known)",
		               name, alg);
	} else if (low_order(bin + PK_OFF_PK)) {
		rc = npk__fail(err, NPK_E_KEY, "%s: the key is of low order: no secret can be shared "
		               "with it", name);
	} else {
		npk_recipient *r = malloc(sizeof *r);
		if (r == NULL) {
			rc = npk__fail(err, NPK_E_NOMEM, "%s: out of memory", name);
		} else {
			memcpy(r->id, bin + PK_OFF_ID, NPK_KEYID_BYTES);
			memcpy(r->pk, bin + PK_OFF_PK, 32);
			*out = r;
		}
	}
	key_tmp_free(bin);
	return rc;
}

int npk_recipient_parse(const char *text, size_t len, npk_recipient **out, npk_error *err)
{
	NPK_FAIL_IF(text == NULL || out == NULL, err, NPK_E_ARG, "npk_recipient_parse: NULL argument");
	NPK_FORWARD(npk__init(err));
	return recipient_from_text("recipient key", text, len, 1, out, err);
}

int npk_recipient_load(const char *path, npk_recipient **out, npk_error *err)
{
	NPK_FAIL_IF(path == NULL || out == NULL, err, NPK_E_ARG, "npk_recipient_load: NULL argument");
	NPK_FORWARD(npk__init(err));
	char *text;
	size_t len;
	NPK_FORWARD(keyfile_read(path, &text, &len, err));
	int rc = recipient_from_text(path, text, len, 0, out, err);
	key_tmp_free(text);
	return rc;
}

int npk_recipient_save(const npk_recipient *r, const char *path, int overwrite, npk_error *err)
{
	NPK_FAIL_IF(r == NULL || path == NULL, err, NPK_E_ARG, "npk_recipient_save: NULL argument");
	NPK_FORWARD(npk__init(err));
	return pubkey_write(alg_x1, "encryption public key", r->id, r->pk, path, overwrite, err);
}

void npk_recipient_free(npk_recipient *r)
{
	free(r);
}

const uint8_t *npk_recipient_id(const npk_recipient *r)
{
	return r->id;
}

const uint8_t *npk_recipient_bytes(const npk_recipient *r)
{
	return r->pk;
}

int npk_identity_generate(npk_recipient **rcpt, npk_identity **id, npk_error *err)
{
	NPK_FAIL_IF(rcpt == NULL || id == NULL, err, NPK_E_ARG,
	            "npk_identity_generate: NULL argument");
	NPK_FORWARD(npk__init(err));
	npk_identity *i = malloc(sizeof *i);
	npk_recipient *r = malloc(sizeof *r);
	npk_seckey *k = seckey_alloc();
	if (i == NULL || r == NULL || k == NULL) {
		free(i);
		free(r);
		npk_seckey_free(k);
		return npk__fail(err, NPK_E_NOMEM, "key generation: out of memory");
	}
	randombytes_buf(k->id, NPK_KEYID_BYTES);
	randombytes_buf(k->sk, 32);
	crypto_scalarmult_base(k->sk + 32, k->sk);
	i->k = k;
	memcpy(r->id, k->id, NPK_KEYID_BYTES);
	memcpy(r->pk, k->sk + 32, 32);
	*rcpt = r;
	*id = i;
	return NPK_OK;
}

int npk_identity_save(const npk_identity *id, const char *path, const char *passphrase,
                      int overwrite, npk_error *err)
{
	NPK_FAIL_IF(id == NULL || path == NULL, err, NPK_E_ARG, "npk_identity_save: NULL argument");
	NPK_FORWARD(npk__init(err));
	return seckey_write(alg_x1, id->k, path, passphrase, overwrite, err);
}

int npk_identity_file_encrypted(const char *path, int *encrypted, npk_error *err)
{
	NPK_FAIL_IF(path == NULL || encrypted == NULL, err, NPK_E_ARG,
	            "npk_identity_file_encrypted: NULL argument");
	return seckey_file_encrypted(path, alg_x1, encrypted, err);
}

int npk_identity_load(const char *path, const char *passphrase, npk_identity **out,
                      npk_error *err)
{
	NPK_FAIL_IF(path == NULL || out == NULL, err, NPK_E_ARG, "npk_identity_load: NULL argument");
	NPK_FORWARD(npk__init(err));
	npk_identity *i = malloc(sizeof *i);
	NPK_FAIL_IF(i == NULL, err, NPK_E_NOMEM, "%s: out of memory", path);
	int rc = seckey_load_alg(path, alg_x1, passphrase, &i->k, err);
	if (rc != NPK_OK) {
		free(i);
		return rc;
	}
	*out = i;
	return NPK_OK;
}

npk_recipient *npk_identity_recipient(const npk_identity *id)
{
	npk_recipient *r = id ? malloc(sizeof *r) : NULL;
	if (r != NULL) {
		memcpy(r->id, id->k->id, NPK_KEYID_BYTES);
		memcpy(r->pk, id->k->sk + 32, 32);
	}
	return r;
}

void npk_identity_free(npk_identity *id)
{
	if (id == NULL)
		return;
	npk_seckey_free(id->k);
	free(id);
}

/* ---- Keyrings: what opens sealed archives ---- */

#define KEYRING_MAX 64

struct npk_keyring {
	uint8_t *sec;             /* KEYRING_MAX X25519 secrets and their public keys (64
	                           * bytes each), sodium_malloc memory */
	size_t n;
	char *pass;               /* sodium_malloc memory, NUL-terminated; NULL: none */
};

npk_keyring *npk_keyring_new(void)
{
	npk_error err = {0};
	if (npk__init(&err) != NPK_OK)
		return NULL;
	npk_keyring *k = calloc(1, sizeof *k);
	if (k != NULL && (k->sec = sodium_malloc(64 * KEYRING_MAX)) == NULL) {
		free(k);
		k = NULL;
	}
	return k;
}

int npk_keyring_add(npk_keyring *k, const npk_identity *id, npk_error *err)
{
	NPK_FAIL_IF(k == NULL || id == NULL, err, NPK_E_ARG, "npk_keyring_add: NULL argument");
	NPK_FAIL_IF(k->n == KEYRING_MAX, err, NPK_E_LIMIT, "at most %d keys", KEYRING_MAX);
	memcpy(k->sec + 64 * k->n++, id->k->sk, 64);
	return NPK_OK;
}

/* The key goes from its file's checked bytes straight into the keyring:
 * no npk_identity, whose sodium_malloc memory would cost a sealed read
 * some 25 us to map and unmap. */
int npk_keyring_add_file(npk_keyring *k, const char *path, const char *passphrase,
                         npk_recipient **rcpt, npk_error *err)
{
	NPK_FAIL_IF(k == NULL || path == NULL, err, NPK_E_ARG,
	            "npk_keyring_add_file: NULL argument");
	NPK_FAIL_IF(k->n == KEYRING_MAX, err, NPK_E_LIMIT, "at most %d keys", KEYRING_MAX);
	NPK_FORWARD(npk__init(err));
	npk_recipient *r = NULL;
	if (rcpt != NULL) {
		*rcpt = NULL;
		NPK_FAIL_IF((r = malloc(sizeof *r)) == NULL, err, NPK_E_NOMEM, "%s: out of memory",
		            path);
	}
	uint8_t *raw;
	int rc = seckey_read_checked(path, alg_x1, passphrase, &raw, err);
	if (rc != NPK_OK) {
		free(r);
		return rc;
	}
	memcpy(k->sec + 64 * k->n++, raw + SK_OFF_SK, SK_SECRET_LEN);
	if (r != NULL) {
		memcpy(r->id, raw + SK_OFF_ID, NPK_KEYID_BYTES);
		memcpy(r->pk, raw + SK_OFF_SK + 32, 32);
		*rcpt = r;
	}
	key_tmp_free(raw);  /* wipes */
	return NPK_OK;
}

int npk_keyring_passphrase(npk_keyring *k, const char *passphrase, npk_error *err)
{
	NPK_FAIL_IF(k == NULL || passphrase == NULL, err, NPK_E_ARG,
	            "npk_keyring_passphrase: NULL argument");
	size_t len = strlen(passphrase);
	char *p = sodium_malloc(len + 1);
	NPK_FAIL_IF(p == NULL, err, NPK_E_NOMEM, "out of memory");
	memcpy(p, passphrase, len + 1);
	if (k->pass != NULL)
		sodium_free(k->pass);
	k->pass = p;
	return NPK_OK;
}

void npk_keyring_free(npk_keyring *k)
{
	if (k == NULL)
		return;
	sodium_free(k->sec);  /* wipes */
	if (k->pass != NULL)
		sodium_free(k->pass);
	free(k);
}

size_t npk__keyring_count(const npk_keyring *k)
{
	return k ? k->n : 0;
}

const uint8_t *npk__keyring_secret(const npk_keyring *k, size_t i)
{
	return k->sec + 64 * i;
}

const char *npk__keyring_pass(const npk_keyring *k)
{
	return k ? k->pass : NULL;
}

/* ---- Signatures (5.) ---- */

/* A comment stock minisign can read back: one line that fits its buffer. */
static int comment_ok(const char *comment, size_t len)
{
	if (len > TRUSTED_COMMENT_MAX || (len > 0 && comment == NULL))
		return 0;
	for (size_t i = 0; i < len; i++)
		if (comment[i] == '\0' || comment[i] == '\n' || comment[i] == '\r')
			return 0;
	return 1;
}

int npk__sign(const npk_seckey *sk, const uint8_t *msg, size_t len,
              const char *comment, size_t comment_len,
              uint8_t sig[64], uint8_t global[64], npk_error *err)
{
	NPK_FAIL_IF(sk == NULL || (msg == NULL && len > 0), err, NPK_E_ARG,
	            "npk__sign: NULL argument");
	NPK_FAIL_IF(!comment_ok(comment, comment_len), err, NPK_E_ARG,
	            "trusted comment: must be one line of at most %u bytes, without NUL",
	            TRUSTED_COMMENT_MAX);
	uint8_t h[crypto_generichash_BYTES_MAX];
	uint8_t buf[64 + TRUSTED_COMMENT_MAX];

	crypto_generichash(h, sizeof h, msg, len, NULL, 0);
	crypto_sign_detached(sig, NULL, h, sizeof h, sk->sk);
	memcpy(buf, sig, 64);
	if (comment_len > 0)
		memcpy(buf + 64, comment, comment_len);
	crypto_sign_detached(global, NULL, buf, 64 + comment_len, sk->sk);
	return NPK_OK;
}

int npk__verify(const uint8_t pk[32], const uint8_t *msg, size_t len,
                const uint8_t sig[64], const char *comment, size_t comment_len,
                const uint8_t global[64])
{
	uint8_t h[crypto_generichash_BYTES_MAX];
	uint8_t buf[64 + TRUSTED_COMMENT_MAX];

	/* A comment npk__sign would refuse was never signed by it. */
	if (pk == NULL || sig == NULL || global == NULL || (msg == NULL && len > 0) ||
	    comment_len > TRUSTED_COMMENT_MAX || (comment == NULL && comment_len > 0))
		return NPK_E_SIGNATURE;
	crypto_generichash(h, sizeof h, msg, len, NULL, 0);
	int ok = crypto_sign_verify_detached(sig, h, sizeof h, pk) == 0;
	memcpy(buf, sig, 64);
	if (comment_len > 0)
		memcpy(buf + 64, comment, comment_len);
	ok = ok && crypto_sign_verify_detached(global, buf, 64 + comment_len, pk) == 0;
#ifdef NPK_FUZZING
	ok = 1; /* see npk__digest_same */
#endif
	return ok ? NPK_OK : NPK_E_SIGNATURE;
}

/* ---- Trust sets (6.) ---- */

struct npk_trust {
	npk_pubkey *keys;
	size_t n, cap;
};

npk_trust *npk_trust_new(void)
{
	return calloc(1, sizeof(npk_trust));
}

void npk_trust_free(npk_trust *t)
{
	if (t == NULL)
		return;
	free(t->keys);
	free(t);
}

size_t npk_trust_count(const npk_trust *t)
{
	return t ? t->n : 0;
}

const npk_pubkey *npk__trust_find(const npk_trust *t, const uint8_t id[8])
{
	if (t == NULL)
		return NULL;
	for (size_t i = 0; i < t->n; i++)
		if (memcmp(t->keys[i].id, id, NPK_KEYID_BYTES) == 0)
			return &t->keys[i];
	return NULL;
}

/* Adds a copy of pk: 0 added or already there, 1 when another key has its
 * id, -1 out of memory. Signatures name their key by id alone, so two keys
 * under one id would make the answer depend on which is found first. */
static int trust_insert(npk_trust *t, const npk_pubkey *pk)
{
	const npk_pubkey *old = npk__trust_find(t, pk->id);
	if (old != NULL)
		return memcmp(old->pk, pk->pk, NPK_PUBKEY_BYTES) == 0 ? 0 : 1;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 8;
		if (cap > SIZE_MAX / sizeof *t->keys)
			return -1;
		npk_pubkey *keys = realloc(t->keys, cap * sizeof *keys);
		if (keys == NULL)
			return -1;
		t->keys = keys;
		t->cap = cap;
	}
	t->keys[t->n++] = *pk;
	return 0;
}

int npk_trust_add(npk_trust *t, const npk_pubkey *pk, npk_error *err)
{
	NPK_FAIL_IF(t == NULL || pk == NULL, err, NPK_E_ARG, "npk_trust_add: NULL argument");
	char id[17];
	switch (trust_insert(t, pk)) {
	case 0:
		return NPK_OK;
	case 1:
		npk_keyid_format(pk->id, id);
		return npk__fail(err, NPK_E_KEY, "two trusted keys share id %s", id);
	default:
		return npk__fail(err, NPK_E_NOMEM, "trusted keys: out of memory");
	}
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A file of the trusted keys folder: a visible NAME.pub. */
static int trust_name_ok(const char *name)
{
	size_t n = strlen(name);
	return name[0] != '.' && n > 4 && strcmp(name + n - 4, ".pub") == 0;
}

/* The names of a folder's key files. */
typedef struct name_list {
	char **v;
	size_t n, cap;
} name_list;

static void name_list_free(name_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

static int name_list_push(name_list *l, const char *name, const char *dir, npk_error *err)
{
	if (l->n == l->cap) {
		size_t c = l->cap ? l->cap * 2 : 16;
		char **p = c <= SIZE_MAX / sizeof *p ? realloc(l->v, c * sizeof *p) : NULL;
		NPK_FAIL_IF(p == NULL, err, NPK_E_NOMEM, "%s: out of memory", dir);
		l->v = p;
		l->cap = c;
	}
	l->v[l->n] = strdup(name);
	NPK_FAIL_IF(l->v[l->n] == NULL, err, NPK_E_NOMEM, "%s: out of memory", dir);
	l->n++;
	return NPK_OK;
}

/* 6. step 2: the key file names of d, sorted by name so that which file
 * is blamed first does not depend on the order the file system lists
 * them. */
static int trust_names_read(DIR *d, const char *dir, name_list *l, npk_error *err)
{
	struct dirent *e;
	errno = 0;
	while ((e = readdir(d)) != NULL) {
		if (trust_name_ok(e->d_name))
			NPK_FORWARD(name_list_push(l, e->d_name, dir, err));
		errno = 0;
	}
	NPK_FAIL_IF(errno != 0, err, NPK_E_IO, "%s: %s", dir, strerror(errno));
	if (l->n > 1)
		qsort(l->v, l->n, sizeof *l->v, name_cmp);
	return NPK_OK;
}

/* npk_trust_add for a key read from path, which its messages name. */
static int trust_add_from(npk_trust *t, const npk_pubkey *pk, const char *path,
                          npk_error *err)
{
	int rc = npk_trust_add(t, pk, err);
	return rc == NPK_OK ? rc : npk__wrap(err, rc, "%s: ", path);
}

/* 6. steps 2-4: adds dir/name, which must be a valid public key file if
 * it is a regular file at all. */
static int trust_add_file(npk_trust *t, const char *dir, const char *name,
                          npk_error *err)
{
	size_t plen = strlen(dir) + strlen(name) + 2;
	char *path = malloc(plen);
	NPK_FAIL_IF(path == NULL, err, NPK_E_NOMEM, "%s: out of memory", dir);
	snprintf(path, plen, "%s/%s", dir, name);

	npk_pubkey *pk = NULL;
	struct stat st;
	int rc = NPK_OK;
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		goto done;  /* folders, sockets and dangling links are not keys */
	NPK_FORWARD_GOTO(rc, npk_pubkey_load(path, &pk, err), done);
	rc = trust_add_from(t, pk, path, err);
done:
	npk_pubkey_free(pk);
	free(path);
	return rc;
}

int npk_trust_add_dir(npk_trust *t, const char *dir, npk_error *err)
{
	NPK_FAIL_IF(t == NULL || dir == NULL, err, NPK_E_ARG,
	            "npk_trust_add_dir: NULL argument");
	DIR *d = opendir(dir);
	if (d == NULL && errno == ENOENT)
		return NPK_OK;  /* no trusted keys folder: nothing is trusted */
	NPK_FAIL_IF(d == NULL, err, NPK_E_IO, "%s: %s", dir, strerror(errno));

	name_list names = {.v = NULL};
	size_t n0 = t->n;
	int rc;
	NPK_FORWARD_GOTO(rc, trust_names_read(d, dir, &names, err), done);
	for (size_t i = 0; i < names.n; i++)
		NPK_FORWARD_GOTO(rc, trust_add_file(t, dir, names.v[i], err), done);
done:
	/* 6. step 5: all of the folder or none of it. */
	if (rc != NPK_OK)
		t->n = n0;
	name_list_free(&names);
	closedir(d);
	return rc;
}
