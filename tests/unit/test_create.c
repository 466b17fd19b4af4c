/* test_create.c - npk_create and its inputs: a file swapped for a FIFO
 * between the walk's listing and its reading is refused at once, naming
 * it (never a blocked open). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "newspack.h"
#include "test.h"

static int has(const npk_error *err, const char *needle)
{
	if (strstr(err->msg, needle) != NULL)
		return 1;
	fprintf(stderr, "  message \"%s\" lacks \"%s\"\n", err->msg, needle);
	return 0;
}

/* npk_create of inputs into out.npk with a fresh key and opts (may be
 * NULL); the code it returns. */
static int create(const char *const *inputs, size_t n, npk_create_opts *opts,
                  npk_create_stats *st, npk_error *err)
{
	npk_pubkey *pk = NULL;
	npk_seckey *sk = NULL;
	int rc = npk_keypair_generate(&pk, &sk, err);
	npk_create_opts o;
	memset(&o, 0, sizeof o);
	if (opts == NULL)
		opts = &o;
	opts->timestamp = 1737676800;
	if (rc == NPK_OK)
		rc = npk_create("out.npk", inputs, n, opts, sk, st, err);
	npk_pubkey_free(pk);
	npk_seckey_free(sk);
	return rc;
}

/* ---- a FIFO swapped in after the listing ---- */

static void on_alarm(int sig)
{
	(void)sig; /* only interrupts a blocked open (no SA_RESTART) */
}

/* After the first document: ctx (a path) becomes a FIFO. */
static void swap_fifo(uint64_t docs, uint64_t bytes, const char *path, void *ctx)
{
	(void)bytes;
	(void)path;
	if (docs == 1 && unlink(ctx) == 0)
		(void)mkfifo(ctx, 0644);
}

/* Creates d/ (a.txt, b.txt, b.txt.meta.json), swaps victim for a FIFO
 * after a.txt, and checks that create refuses it at once, naming it. */
static void fifo_swapped(const char *victim)
{
	CHECK(mkdir("d", 0755) == 0);
	CHECK(npk_test_write_file("d/a.txt", "a\n", 2) == 0);
	CHECK(npk_test_write_file("d/b.txt", "b\n", 2) == 0);
	CHECK(npk_test_write_file("d/b.txt.meta.json", "{\"title\": \"B\"}", 15) == 0);
	struct sigaction sa, old;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	CHECK(sigaction(SIGALRM, &sa, &old) == 0);
	alarm(5);
	npk_create_opts o;
	memset(&o, 0, sizeof o);
	o.progress = swap_fifo;
	o.ctx = (void *)(uintptr_t)victim;
	npk_error err = {0};
	const char *in[] = {"d"};
	int rc = create(in, 1, &o, NULL, &err);
	alarm(0);
	sigaction(SIGALRM, &old, NULL);
	CHECK_RC(rc, NPK_E_INPUT, &err);
	CHECK(has(&err, victim));
	CHECK(has(&err, "a FIFO, not a regular file"));
	CHECK(access("out.npk", F_OK) != 0);
}

DEFINE_TEST(create_fifo_swapped_for_file)
{
	fifo_swapped("d/b.txt");
}

DEFINE_TEST(create_fifo_swapped_for_sidecar)
{
	fifo_swapped("d/b.txt.meta.json");
}
