/* fuzz_sealed.c - a sealed archive (spec/format.md 15.17) opened with a
 * recipient's key, as newspack verify -k, list -k, cat -k, prove -k and
 * recipients list do: the seal, its stanzas, the sealed manifest (behind
 * its AEAD, which a mutation rarely passes), the sealed objects, the
 * sealed tree rebuilt from the entries, a search of the sealed index. The key is the vector recipient's
 * (spec/vectors/seal-recipient.key, a test key, not secret); passphrase
 * stanzas are parsed but not tried (Argon2id would take a second an input). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "newspack.h"

static const char key_text[] =
	"untrusted comment: newspack encryption secret key (TEST ONLY: not secret, never use)\n"
	"WDEAAEIyAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAtyWfw1WK4Lcr"
	"ZRa46qxKVLAOy8eCk6Kyojby1iIVFZaAFEBTAGB8lDKwN53j8XEkJZIIcf/cRznVDc7qaIbWzbBsITSZThY5"
	"a2tkLMDv53dwGSkFOBFMKAo4QMdxSHPOAplPjpoejXU=\n";

static npk_keyring *ring;
static npk_recipient *me;

static void keys_once(void)
{
	if (ring != NULL)
		return;
	char path[64];
	npk_error err;
	npk_identity *id = NULL;
	int fd = fuzz_memfile((const uint8_t *)key_text, sizeof key_text - 1, path);
	if (fd < 0 || npk_identity_load(path, NULL, &id, &err) != NPK_OK)
		abort();
	close(fd);
	ring = npk_keyring_new();
	me = npk_identity_recipient(id);
	if (ring == NULL || me == NULL || npk_keyring_add(ring, id, &err) != NPK_OK)
		abort();
	npk_identity_free(id);
}

typedef struct walk {
	npk_reader *r;
	size_t n;
	char *first;
} walk;

static int count_bytes(const uint8_t *buf, size_t len, void *ctx)
{
	(void)buf;
	*(size_t *)ctx += len;
	return 0;
}

static int on_entry(const npk_entry *e, void *ctx)
{
	walk *w = ctx;
	if (w->n == 0)
		w->first = strdup(e->path);
	if (w->n++ < 32) {
		size_t got = 0;
		npk_error err;
		npk_reader_read(w->r, e, count_bytes, &got, &err);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	keys_once();
	char path[64];
	int fd = fuzz_memfile(data, size, path);
	if (fd < 0)
		return 0;
	npk_reader *r = NULL;
	npk_error err;
	if (npk_reader_open(path, NULL, 1, &r, &err) == NPK_OK) {
		npk_stanza st[64];
		size_t n = 0;
		npk_reader_stanzas(r, st, 64, &n, &err);
		npk_verify_stats vs;
		npk_reader_verify(r, NULL, NULL, &vs, &err); /* without the key: the audit */
		if (npk_reader_unseal(r, ring, &err) == NPK_OK) {
			long at = -1;
			npk_reader_stanza_of(r, me, &at, &err);
			npk_reader_set_threads(r, 1);
			walk w = {r, 0, NULL};
			npk_reader_list(r, on_entry, &w, &err);
			npk_info in;
			npk_reader_info(r, &in);
			if (w.first != NULL && in.tree) {
				npk_proof p;
				if (npk_prove(r, w.first, &p, &err) == NPK_OK)
					npk_proof_clear(&p);
			}
			free(w.first);
			/* a sealed index (15.17.6): read through its chunks */
			npk_search_opts so = {.limit = 3, .snippets = 1};
			npk_search_result res;
			if (npk_search(&r, 1, "seed OR council", &so, &res, &err) == NPK_OK)
				npk_search_result_free(&res);
			npk_reader_verify(r, NULL, NULL, &vs, &err);
		}
		npk_reader_free(r);
	}
	close(fd);
	return 0;
}
