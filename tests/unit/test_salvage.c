/* test_salvage.c - npk_salvage (spec/format.md 15.11) writes the same
 * whether its object records stay in memory or go to its record file,
 * sorted on disk: an archive of many clusters and index pages, intact and
 * damaged six ways (a damaged cluster; the page table, rebuilt from the
 * records; the cluster table beside a damaged cluster, unproven; bytes
 * inserted, objects moved; both, the page table rebuilt at the tiling's
 * offsets), salvaged with the default budget and with budgets of 1, 2, 7
 * and 64 records: the files written are identical byte for byte, the
 * return codes, counts and notes equal, and no temporary file is left. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "format/format.h"
#include "newspack.h"
#include "test.h"

#define SV_DOCS 1200

/* DOCS small documents of pseudo-random words, 1 to 400 bytes each. */
static int write_docs(char **paths)
{
	static const char *words[] = {"press", "the", "council", "harbour", "of", "vote",
	                              "storm", "a", "market", "school", "night", "river"};
	uint32_t x = 12345;
	char buf[512];
	if (mkdir("in", 0777) != 0)
		return -1;
	for (int i = 0; i < SV_DOCS; i++) {
		size_t n = 0, want = 1 + (x >> 8) % 400;
		while (n < want) {
			x = x * 1103515245u + 12345u;
			n += (size_t)snprintf(buf + n, sizeof buf - n, "%s ", words[(x >> 16) % 12]);
		}
		paths[i] = malloc(32);
		if (paths[i] == NULL)
			return -1;
		snprintf(paths[i], 32, "in/d%04d.txt", i);
		if (npk_test_write_file(paths[i], buf, want) != 0)
			return -1;
	}
	return 0;
}

/* c.npk of the documents, no survival copies (15.9: salvage's worst
 * case), clusters of 2 KiB; *t trusts its key. */
static int make_archive(npk_trust **t, npk_error *err)
{
	char *in[SV_DOCS] = {0};
	const char *ap[SV_DOCS];
	npk_pubkey *pk = NULL;
	npk_seckey *sk = NULL;
	int rc = write_docs(in) == 0 ? npk_keypair_generate(&pk, &sk, err) : -1;
	for (int i = 0; i < SV_DOCS; i++)
		ap[i] = in[i] ? in[i] + 3 : NULL;
	npk_create_opts o;
	memset(&o, 0, sizeof o);
	o.timestamp = 1737676800;
	o.cluster_size = 2048;
	o.no_copies = 1;
	o.paths = ap;
	if (rc == NPK_OK)
		rc = npk_create("c.npk", (const char *const *)in, SV_DOCS, &o, sk, NULL, err);
	*t = npk_trust_new();
	if (rc == NPK_OK)
		rc = *t ? npk_trust_add(*t, pk, err) : NPK_E_NOMEM;
	npk_pubkey_free(pk);
	npk_seckey_free(sk);
	for (int i = 0; i < SV_DOCS; i++)
		free(in[i]);
	return rc;
}

/* Where the signed part puts things (7.1, 6.2): the page table's offset
 * and size, the cluster table's offset, cluster i's offset and length. */
typedef struct layout {
	uint64_t pt, ct;
	uint32_t pt_size, clusters;
} layout;

static void layout_of(const uint8_t *d, size_t n, layout *l)
{
	uint64_t mf = npk__ld64(d + n - 32);
	l->pt = npk__ld64(d + mf + 56);
	l->pt_size = npk__ld32(d + mf + 64);
	l->ct = l->pt + l->pt_size;
	l->clusters = npk__ld32(d + mf + 48);
}

static uint64_t cluster_off(const uint8_t *d, const layout *l, uint32_t i)
{
	return npk__ld64(d + l->ct + 48 * (uint64_t)i);
}

/* The damage shapes: bytes overwritten at a place, inserted at another. */
enum { SHAPE_INTACT, SHAPE_CLUSTER, SHAPE_PAGES, SHAPE_UNPROVEN, SHAPE_MOVED, SHAPE_TILED,
       SHAPE_COUNT };

/* good (n bytes) damaged as shape says, to d.npk. */
static int damage(const uint8_t *good, size_t n, int shape)
{
	layout l;
	layout_of(good, n, &l);
	uint8_t *d = malloc(n + 100);
	if (d == NULL || l.clusters < 8)
		return -1;
	memcpy(d, good, n);
	uint64_t c5 = cluster_off(good, &l, 5) + 40, c4 = cluster_off(good, &l, 4);
	if (shape == SHAPE_CLUSTER || shape == SHAPE_UNPROVEN)
		memset(d + c5, 0xA5, 16);
	if (shape == SHAPE_PAGES || shape == SHAPE_TILED)
		memset(d + l.pt + 10, 0xA5, 16);
	if (shape == SHAPE_UNPROVEN)
		memset(d + l.ct + 10, 0xA5, 16);
	if (shape == SHAPE_MOVED || shape == SHAPE_TILED) {
		memmove(d + c4 + 100, d + c4, n - c4);
		memset(d + c4, 'N', 100);
		n += 100;
	}
	int rc = npk_test_write_file("d.npk", d, n);
	free(d);
	return rc;
}

/* A salvage's result: its code, counts and notes, one line each. */
typedef struct run {
	int rc;
	npk_salvage_stats st;
	char notes[8192];
	size_t len;
} run;

static void on_note(const npk_salvage_note *n, void *ctx)
{
	run *r = ctx;
	if (r->len < sizeof r->notes)
		r->len += (size_t)snprintf(r->notes + r->len, sizeof r->notes - r->len,
		                           "%s %llu %llu %llu %d\n", n->structure,
		                           (unsigned long long)n->number, (unsigned long long)n->offset,
		                           (unsigned long long)n->found, n->state);
}

static void salvage_to(const char *dir, size_t budget, const npk_trust *t, run *r)
{
	npk_salvage_opts o;
	memset(&o, 0, sizeof o);
	memset(r, 0, sizeof *r);
	o.trust = t;
	o.note = on_note;
	o.note_ctx = r;
	o.record_budget = budget;
	npk_error err = {0};
	r->rc = npk_salvage("d.npk", dir, &o, &r->st, &err);
}

/* The files in dir (none hidden: no temporary file left); -1 if unreadable. */
static int count_files(const char *dir)
{
	DIR *d = opendir(dir);
	int n = 0;
	if (d == NULL)
		return -1;
	for (struct dirent *e; (e = readdir(d)) != NULL;)
		n += e->d_name[0] != '.' ? 1 : strcmp(e->d_name, ".") && strcmp(e->d_name, "..") ? 1000 : 0;
	closedir(d);
	return n;
}

/* Whether dir b holds the files of dir a (count of them) byte for byte. */
static int same_files(const char *a, const char *b, int count)
{
	if (count_files(b) != count)
		return 0;
	char pa[64], pb[64];
	for (int i = 0; i < SV_DOCS; i++) {
		snprintf(pa, sizeof pa, "%s/d%04d.txt", a, i);
		snprintf(pb, sizeof pb, "%s/d%04d.txt", b, i);
		size_t na = 0, nb = 0;
		char *x = npk_test_read_file(pa, &na), *y = npk_test_read_file(pb, &nb);
		int same = (x == NULL) == (y == NULL) && (x == NULL || (na == nb && !memcmp(x, y, na)));
		free(x);
		free(y);
		if (!same)
			return 0;
	}
	return 1;
}

/* That shape's damage does what it is meant to, with the default budget:
 * some documents lost, a table rebuilt or unproven, objects moved. */
static int shape_shows(int shape, const run *r)
{
	switch (shape) {
	case SHAPE_INTACT: return r->rc == NPK_OK && r->st.written == SV_DOCS && r->len == 0;
	case SHAPE_CLUSTER: return r->rc != NPK_OK && r->st.written < SV_DOCS && r->st.lost == 1;
	case SHAPE_PAGES: return r->rc == NPK_OK && strstr(r->notes, "page table 0 ") &&
		                 strstr(r->notes, " 2\n");
	case SHAPE_UNPROVEN: return r->rc != NPK_OK && r->st.written > 0 &&
		                    strstr(r->notes, "cluster table 0 ") && strstr(r->notes, " 4\n");
	case SHAPE_MOVED: return r->rc == NPK_OK && r->st.written == SV_DOCS && r->st.moved > 8;
	case SHAPE_TILED: return r->rc == NPK_OK && r->st.written == SV_DOCS && r->st.moved > 8 &&
		                 strstr(r->notes, " 2\n");
	default: return 0;
	}
}

DEFINE_TEST(test_salvage_budgets)
{
	npk_trust *t = NULL;
	npk_error err = {0};
	int rc = make_archive(&t, &err);
	size_t n = 0;
	uint8_t *good = rc == NPK_OK ? (uint8_t *)npk_test_read_file("c.npk", &n) : NULL;
	static const size_t budgets[] = {1, 2, 7, 64};
	int failed = rc != NPK_OK || good == NULL;
	for (int shape = 0; shape < SHAPE_COUNT && !failed; shape++) {
		run ref, r;
		char dir[32], ref_dir[32];
		snprintf(ref_dir, sizeof ref_dir, "out%d", shape);
		failed = damage(good, n, shape) != 0;
		salvage_to(ref_dir, 0, t, &ref);
		if (!failed && (!shape_shows(shape, &ref) || ref.st.objects <= 64 ||
		                count_files(ref_dir) != (int)ref.st.written)) {
			fprintf(stderr, "  shape %d: rc %d, %llu written, %llu objects, notes:\n%s", shape,
			        ref.rc, (unsigned long long)ref.st.written,
			        (unsigned long long)ref.st.objects, ref.notes);
			failed = 1;
		}
		for (size_t b = 0; b < 4 && !failed; b++) {
			snprintf(dir, sizeof dir, "out%d-%zu", shape, budgets[b]);
			salvage_to(dir, budgets[b], t, &r);
			failed = r.rc != ref.rc || r.st.objects != ref.st.objects ||
			         r.st.written != ref.st.written || r.st.moved != ref.st.moved ||
			         r.st.lost != ref.st.lost || strcmp(r.notes, ref.notes) != 0 ||
			         !same_files(ref_dir, dir, (int)ref.st.written);
			if (failed)
				fprintf(stderr, "  shape %d, budget %zu: rc %d/%d, written %llu/%llu, notes:\n%s"
				        "expected:\n%s", shape, budgets[b], r.rc, ref.rc,
				        (unsigned long long)r.st.written, (unsigned long long)ref.st.written,
				        r.notes, ref.notes);
		}
	}
	free(good);
	npk_trust_free(t);
	CHECK_RC(rc, NPK_OK, &err);
	CHECK(!failed);
}
