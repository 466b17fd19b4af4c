/*
 * search/search.c - full-text search over the indexes of archives and
 * their chains (spec/search.md 10): a parsed query's words turned into
 * keys, each key's postings scored by BM25 with global statistics, the
 * sets joined by the query's AND, OR and NOT, and the best documents
 * checked (still current in the chain's state, phrases found in their
 * text) and shown with a snippet.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unictype.h>
#include <unistr.h>

#include "format/format.h"
#include "newspack.h"
#include "search/extract.h"
#include "search/ixread.h"
#include "search/query.h"
#include "search/text.h"

#define K1 1.2
#define B 0.75
#define TITLE_BOOST 2.0
#define VARIANTS_MAX 16u
#define TERMS_MAX 64u            /* terms of one query word (a CJK run) */
#define SNIPPET_BYTES 240u
#define SNIPPET_SCAN (256u << 10) /* bytes of text looked at for a snippet */
#define BATCH_DOCS 16u           /* candidates whose texts are read at once */
#define BATCH_BYTES (8u << 20)   /* and their bytes, once past the first */
#define WITHIN_BITS_FROM 512u    /* documents of an AND's first operand marked in a bitmap */
#define DATE_BITS_MAX (UINT64_C(1) << 26)  /* documents of a unit marked in a bitmap (8 MiB) */

enum { F_BODY = 1, F_TITLE, F_AUTHOR, F_SECTION, F_SOURCE, F_LANG, F_URL, F_DATE };

/* ==== Sets of documents ==== */

typedef struct hit {
	uint32_t doc;             /* minus the index's lo */
	float score;
} hit;

typedef struct set {
	hit *v;
	size_t n, cap;
	int exact;                /* not a superset (phrases to check) */
} set;

/* Room for n more hits at once (no growth by doubling then). */
static int set_reserve(set *s, size_t n)
{
	if (s->cap - s->n >= n)
		return 0;
	hit *v = realloc(s->v, (s->n + n) * sizeof *v);
	if (v == NULL)
		return -1;
	s->v = v;
	s->cap = s->n + n;
	return 0;
}

static void set_free(set *s)
{
	free(s->v);
	*s = (set){0};
}

enum { OP_AND, OP_OR_SUM, OP_OR_MAX, OP_MINUS };

/* a op b into out (a and b freed; out may be either). AND and MINUS write
 * into a's array, at or before where they read. OR writes into a new
 * array of both sizes, read from both in one pass, unless the larger
 * operand has the room already: then its hits are moved to the end first,
 * so that the merge never overtakes what it still has to read. */
static int set_join(set *a, set *b, int op, set *out, npk_error *err)
{
	if ((op == OP_OR_SUM || op == OP_OR_MAX) && a->n < b->n) {
		set *t = a;      /* symmetric: the larger one is grown */
		a = b;
		b = t;
	}
	hit *v = a->v, *av = a->v;
	size_t i = 0, j = 0, w = 0, na = a->n, nb = b->n;
	/* a joined to nothing but by AND is a as it is: kept in place, no pass
	 * over it (a word's set joined to the empty set of its variants so
	 * far, most of the documents) */
	if (nb == 0 && op != OP_AND)
		i = w = na;
	if ((op == OP_OR_SUM || op == OP_OR_MAX) && nb > 0) {
		if (a->cap < na + nb) {
			v = malloc((na + nb) * sizeof *v);
			if (v == NULL) {
				set_free(a);
				set_free(b);
				return npk__fail(err, NPK_E_NOMEM, "search: out of memory");
			}
		} else {
			memmove(v + nb, v, na * sizeof *v);
			av = v + nb;
		}
	}
	const hit *bv = b->v;
	while (i < na && j < nb) {
		if (av[i].doc < bv[j].doc) {
			if (op != OP_AND)
				v[w++] = av[i];
			i++;
		} else if (bv[j].doc < av[i].doc) {
			if (op == OP_OR_SUM || op == OP_OR_MAX)
				v[w++] = bv[j];
			j++;
		} else {
			float x = av[i].score, y = bv[j].score;
			if (op == OP_AND || op == OP_OR_SUM)
				v[w++] = (hit){av[i].doc, x + y};
			else if (op == OP_OR_MAX)
				v[w++] = (hit){av[i].doc, x > y ? x : y};
			i++;
			j++;
		}
	}
	if (op != OP_AND)
		while (i < na)
			v[w++] = av[i++];
	if (op == OP_OR_SUM || op == OP_OR_MAX)
		while (j < nb)
			v[w++] = bv[j++];
	int grown = (op == OP_OR_SUM || op == OP_OR_MAX) && nb > 0;
	set r = {.v = v, .n = w, .cap = grown && v != a->v ? na + nb : a->cap, .exact = 1};
	if (v != a->v)
		free(a->v);
	if (r.n == 0) {
		free(r.v);
		r = (set){.exact = 1};
	}
	free(b->v);
	*a = *b = (set){0};
	*out = r;
	return NPK_OK;
}

/* The first of s->v[lo..hi) whose document is doc or after it (hi: none). */
static size_t doc_lower(const set *s, size_t lo, size_t hi, uint32_t doc)
{
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->v[mid].doc < doc)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The hits of b whose documents a holds added to a's in place, and taken
 * out of b: what set_join(a, b, OP_OR_SUM) would sum, without a pass over
 * a when b is a few hits (a word's title hits beside its body's, which
 * are most of the documents for a common word): each found by a search
 * that gallops from the last one found. A large b is left whole. */
static void add_into(set *a, set *b)
{
	if (b->n == 0 || a->n == 0 || b->n > a->n / 4)
		return;
	size_t w = 0, lo = 0;
	for (size_t j = 0; j < b->n; j++) {
		uint32_t d = b->v[j].doc;
		size_t step = 1, h = lo;
		while (h < a->n && a->v[h].doc < d) {
			lo = h + 1;
			h += step;
			step *= 2;
		}
		size_t l = doc_lower(a, lo, h < a->n ? h : a->n, d);
		lo = l;
		if (l < a->n && a->v[l].doc == d)
			a->v[l].score = a->v[l].score + b->v[j].score;
		else
			b->v[w++] = b->v[j];
	}
	b->n = w;
}

/* b's hits, whose documents a does not hold, put into a in order (b
 * freed): a few hits among many, each moved in once, where a merge would
 * copy every hit of a. */
static int insert_few(set *a, set *b, npk_error *err)
{
	if (set_reserve(a, b->n) != 0) {
		set_free(a);
		set_free(b);
		return npk__fail(err, NPK_E_NOMEM, "search: out of memory");
	}
	size_t end = a->n;       /* a->v[0..end) not moved yet */
	for (size_t j = b->n; j-- > 0;) {
		size_t l = doc_lower(a, 0, end, b->v[j].doc);
		memmove(a->v + l + j + 1, a->v + l, (end - l) * sizeof *a->v);
		a->v[l + j] = b->v[j];
		end = l;
	}
	a->n += b->n;
	set_free(b);
	return NPK_OK;
}

static int set_has(const set *s, uint32_t doc)
{
	size_t i = doc_lower(s, 0, s->n, doc);
	return i < s->n && s->v[i].doc == doc;
}

/* ==== The indexes ==== */

typedef struct unit {
	size_t archive;           /* of the readers given */
	npk_reader *top, *fr;     /* the reader given; the file whose index this is */
	int chain;                /* top reads a chain: check each document is current */
	uint64_t base;            /* the file's first entry's number (15.15 leaf) */
	const uint64_t *ends;     /* a chain's: each file's end of leaves, editions 0 .. nends - 1 */
	uint32_t nends;
	npk__ix *ix;
	set *leaves;              /* per query leaf, for the checks of inexact queries */
	int norms_read;           /* its norm pages were read ahead */
} unit;

static int unit_read(void *ctx, uint64_t off, void *buf, size_t len, npk_error *err)
{
	return npk__reader_pread(ctx, buf, len, off, err);
}

/* One query word: its variants (one per language's rules), each the terms
 * the rules make of it, all of which a document must hold. */
typedef struct variant {
	char *terms[TERMS_MAX];
	size_t n;
} variant;

typedef struct word {
	variant v[VARIANTS_MAX];
	size_t n;
} word;

typedef struct leafq {
	const npk__qnode *q;
	word *words;
	size_t n;
	set *sets;                /* per unit */
} leafq;

struct search {
	const npk_search_opts *o;
	npk_reader *const *readers;
	size_t nreaders;
	unit *units;
	size_t nunits;
	const npk__qnode *root;
	leafq leaves[NPK__QUERY_WORDS];
	size_t nleaves;
	char langs[NPK__IX_LANGS_MAX * 4][8];
	size_t nlangs;
	double N, avgdl;
	double dnorm[256];        /* 1 - b + b * L(code) / avgdl, per norm code (10.3) */
	int checks;               /* a leaf may be inexact: keep the leaves' sets */
	npk_error *err;
	/* global document frequencies of the keys looked up */
	struct dfk { uint8_t key[NPK__IX_KEY_MAX]; size_t len; uint64_t df; } *dfs;
	size_t ndfs;
	uint64_t *ends[64];       /* per chain given (at most 64 kept; more: one by one) */
	size_t nchains;
	npk__apart *ap[2];        /* the texts' reading threads' decoders and clusters */
	npk__text_ctx *tc;        /* the term rules' stemmers, buffers and cache */
	/* the snippets' tokens met so far, in any hit's text, and whether each
	 * is one of the query's words: the hits of one search say the same
	 * words again and again, each stemmed once */
	struct wm { uint64_t h; uint32_t off, n; int hit; } *wm;  /* hit: 1 no, 2 yes */
	size_t wmcap, wmused;
	npk_buf wmbytes;          /* each token's language (8 bytes) then its bytes */
};
typedef struct search search;

/* What a search leaves with each reader for the next one (npk__reader_keep):
 * the file's index, open, with the pages it decoded and checked (a server
 * searching again reads its norms and term pages once), and, with the
 * reader a search is given first, the term rules and the texts' decoders. */
typedef struct kept {
	npk__ix *ix;
	npk__text_ctx *tc;
	npk__apart *ap[2];
} kept;

#define KEPT_APART_MAX ((size_t)8 << 20) /* a decoder's buffers kept: 8 MiB */

static void kept_free(void *p)
{
	kept *k = p;
	if (k == NULL)
		return;
	npk__ix_free(k->ix);
	npk__text_ctx_free(k->tc);
	npk__apart_free(k->ap[0]);
	npk__apart_free(k->ap[1]);
	free(k);
}

/* fr's kept things, made when it has none; NULL: out of memory. */
static kept *kept_of(npk_reader *fr)
{
	kept *k = npk__reader_kept(fr);
	if (k == NULL && (k = calloc(1, sizeof *k)) != NULL)
		npk__reader_keep(fr, k, kept_free);
	return k;
}

static void units_free(search *s)
{
	free(s->units);
}

/* The index of file fr, opened once and kept with fr (*ix NULL: it has
 * none). The pages it decodes are checked against their digests first. */
static int index_open(npk_reader *fr, npk__ix **ix, npk_error *err)
{
	const npk_section *root, *post;
	uint32_t nr = npk__reader_sections(fr, 7, &root), np = npk__reader_sections(fr, 11, &post);
	const char *name = npk__reader_name(fr);
	*ix = NULL;
	if (nr == 0 && np == 0)
		return NPK_OK;
	NPK_FAIL_IF(nr != 1 || np != 1, err, NPK_E_FORMAT,
	            "%s: search index: %u root sections and %u postings sections (one of each)",
	            name, nr, np);
	kept *k = kept_of(fr);
	NPK_FAIL_IF(k == NULL, err, NPK_E_NOMEM, "search: out of memory");
	if (k->ix == NULL)
		NPK_FORWARD(npk__ix_open(unit_read, fr, root->off, root->len, root->digest, post->off,
		                         post->len, name, &k->ix, err));
	*ix = k->ix;
	return NPK_OK;
}

/* u joins the indexes searched. */
static int unit_push(search *s, const unit *u, npk_error *err)
{
	unit *v = realloc(s->units, (s->nunits + 1) * sizeof *v);
	if (v == NULL)
		return npk__fail(err, NPK_E_NOMEM, "search: out of memory");
	s->units = v;
	s->units[s->nunits++] = *u;
	return NPK_OK;
}

/* The indexes of chain r's files, newest first: each one taken unless a
 * newer one taken covers some of its entries (an index made for the whole
 * state by search-index covers the files before it); the files with
 * documents no index taken covers are counted. */
static int chain_units(search *s, size_t a, npk_reader *r, int *found, npk_search_result *res,
                       npk_error *err)
{
	uint32_t at = npk__chain_at(r), n = at + 1;
	uint64_t *ends = calloc(n, sizeof *ends);
	NPK_FAIL_IF(ends == NULL, err, NPK_E_NOMEM, "search: out of memory");
	if (s->nchains == sizeof s->ends / sizeof s->ends[0]) {
		free(ends);
		return npk__fail(err, NPK_E_LIMIT, "search: at most 64 chains at once");
	}
	s->ends[s->nchains++] = ends;
	for (uint32_t e = 0; e < n; e++) {
		npk_edition_info ei;
		NPK_FORWARD(npk_reader_edition(r, e, &ei, err));
		ends[e] = ei.tree_size;
	}
	uint64_t free_top = ends[at]; /* leaves [0, free_top): no index taken yet */
	uint64_t *cov_lo = calloc(n, sizeof *cov_lo), *cov_hi = calloc(n, sizeof *cov_hi);
	size_t ncov = 0;
	int rc = cov_lo && cov_hi ? NPK_OK : npk__fail(err, NPK_E_NOMEM, "search: out of memory");
	for (uint32_t e = n; rc == NPK_OK && e-- > 0;) {
		npk_reader *fr;
		npk__ix *ix = NULL;
		rc = npk__chain_file(r, e, &fr, err);
		if (rc == NPK_OK)
			npk_reader_set_random(fr, 1);
		if (rc == NPK_OK)
			rc = index_open(fr, &ix, err);
		if (rc != NPK_OK || ix == NULL)
			continue;
		uint64_t lo = npk__ix_lo(ix), hi = npk__ix_hi(ix), first = e ? ends[e - 1] : 0;
		if (hi > ends[e] || (lo > first && lo != hi)) {
			rc = npk__fail(err, NPK_E_FORMAT, "%s: search index: covers entries %llu to %llu, "
			               "not those of its chain up to its own", npk__reader_name(fr),
			               (unsigned long long)lo, (unsigned long long)hi);
			break;
		}
		if (hi > free_top) /* a newer index covers these */
			continue;
		unit u = {.archive = a, .top = r, .fr = fr, .chain = 1, .base = first, .ends = ends,
		          .nends = n, .ix = ix};
		if ((rc = unit_push(s, &u, err)) != NPK_OK)
			break;
		cov_lo[ncov] = lo;
		cov_hi[ncov++] = hi;
		free_top = lo;
		*found = 1;
	}
	/* files holding leaves no taken index covers */
	for (uint32_t e = 0; rc == NPK_OK && e < n; e++) {
		uint64_t p = e ? ends[e - 1] : 0, q = ends[e], c = 0;
		for (size_t k = 0; k < ncov; k++) {
			uint64_t x = cov_lo[k] > p ? cov_lo[k] : p, y = cov_hi[k] < q ? cov_hi[k] : q;
			c += y > x ? y - x : 0;
		}
		res->unindexed_files += c < q - p;
	}
	free(cov_lo);
	free(cov_hi);
	return rc;
}

/* A lone archive's index, if it has one. */
static int lone_unit(search *s, size_t a, npk_reader *r, int *found, npk_error *err)
{
	unit u = {.archive = a, .top = r, .fr = r};
	NPK_FORWARD(index_open(r, &u.ix, err));
	if (u.ix == NULL)
		return NPK_OK;
	*found = 1;
	return unit_push(s, &u, err);
}

static int units_open(search *s, npk_search_result *res, npk_error *err)
{
	for (size_t a = 0; a < s->nreaders; a++) {
		npk_reader *r = s->readers[a];
		int found = 0;
		npk_reader_set_random(r, 1);
		if (npk__reader_chain(r) == NULL) {
			NPK_FORWARD(lone_unit(s, a, r, &found, err));
		} else {
			NPK_FORWARD(chain_units(s, a, r, &found, res, err));
		}
		npk_info in;
		npk_reader_info(r, &in);
		NPK_FAIL_IF(!found && in.sealed, err, NPK_E_NOTFOUND,
		            "%s has no search index: a sealed archive gets one when it is written "
		            "(create or merge --search-index --recipient ...)", npk__reader_name(r));
		NPK_FAIL_IF(!found, err, NPK_E_NOTFOUND,
		            "%s has no search index: add one with 'newspack search-index %s OUT.npk' "
		            "(or create it with --search-index)",
		            npk__reader_name(r), npk__reader_name(r));
	}
	double docs = 0, total = 0;
	for (size_t i = 0; i < s->nunits; i++) {
		npk__ix *ix = s->units[i].ix;
		docs += (double)npk__ix_docs(ix);
		total += (double)npk__ix_total(ix);
		for (size_t l = 0; l < npk__ix_langs(ix); l++) {
			const char *code = npk__ix_lang(ix, l, NULL);
			size_t k = 0;
			while (k < s->nlangs && strcmp(s->langs[k], code) != 0)
				k++;
			if (k == s->nlangs && k < sizeof s->langs / sizeof s->langs[0])
				snprintf(s->langs[s->nlangs++], sizeof s->langs[0], "%s", code);
		}
	}
	s->N = docs;
	s->avgdl = docs > 0 ? total / docs : 1;
	for (unsigned c = 0; c < 256; c++)
		s->dnorm[c] = 1 - B + B * (double)npk__ix_norm_length((uint8_t)c) / s->avgdl;
	return NPK_OK;
}

/* ==== Query words into terms ==== */

typedef struct collect {
	variant *v;
	int nomem;
} collect;

static void on_term(const char *term, size_t len, uint32_t pos, void *ctx)
{
	(void)pos;
	collect *c = ctx;
	if (c->v->n == TERMS_MAX || c->nomem)
		return;
	char *t = malloc(len + 1);
	if (t == NULL) {
		c->nomem = 1;
		return;
	}
	memcpy(t, term, len + 1);
	c->v->terms[c->v->n++] = t;
}

static void variant_free(variant *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->terms[i]);
	v->n = 0;
}

static int variant_same(const variant *a, const variant *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->terms[i], b->terms[i]) != 0)
			return 0;
	return 1;
}

/* The variants of word w[0..n) in field f: the terms of each language of
 * the indexes that stems (and of none), distinct. */
static int word_make(search *s, const char *w, size_t n, npk__qfield f, word *out, npk_error *err)
{
	int stems = f == NPK__F_TEXT || f == NPK__F_TITLE;
	out->n = 0;
	for (size_t l = 0; l <= (stems ? s->nlangs : 0); l++) {
		const char *lang = l < s->nlangs && stems ? s->langs[l] : NULL;
		if (l == s->nlangs || !stems)
			lang = NULL;
		variant v = {0};
		collect c = {.v = &v};
		NPK_FORWARD(npk__text_terms_ctx(s->tc, (const uint8_t *)w, n, lang, on_term, &c, err));
		if (c.nomem) {
			variant_free(&v);
			return npk__fail(err, NPK_E_NOMEM, "search: out of memory");
		}
		int dup = v.n == 0;
		for (size_t k = 0; k < out->n && !dup; k++)
			dup = variant_same(&out->v[k], &v);
		if (dup || out->n == VARIANTS_MAX)
			variant_free(&v);
		else
			out->v[out->n++] = v;
	}
	return NPK_OK;
}

static void leaf_free(leafq *l, size_t nunits)
{
	for (size_t i = 0; i < l->n; i++)
		for (size_t k = 0; k < l->words[i].n; k++)
			variant_free(&l->words[i].v[k]);
	free(l->words);
	if (l->sets != NULL)
		for (size_t u = 0; u < nunits; u++)
			set_free(&l->sets[u]);
	free(l->sets);
}

/* Each WORDS leaf's words (white space between) and their variants. */
static int leaves_make(search *s, npk_error *err)
{
	const npk__qnode *v[NPK__QUERY_WORDS];
	s->nleaves = npk__query_leaves(s->root, v, NPK__QUERY_WORDS);
	for (size_t i = 0; i < s->nleaves; i++) {
		leafq *l = &s->leaves[i];
		l->q = v[i];
		l->sets = calloc(s->nunits ? s->nunits : 1, sizeof *l->sets);
		NPK_FAIL_IF(l->sets == NULL, err, NPK_E_NOMEM, "search: out of memory");
		if (v[i]->kind != NPK__Q_WORDS)
			continue;
		const char *t = v[i]->text;
		l->words = calloc(NPK__QUERY_WORDS, sizeof *l->words);
		NPK_FAIL_IF(l->words == NULL, err, NPK_E_NOMEM, "search: out of memory");
		for (size_t at = 0; t[at] && l->n < NPK__QUERY_WORDS;) {
			while (t[at] == ' ' || (t[at] >= '\t' && t[at] <= '\r'))
				at++;
			size_t b = at;
			while (t[b] && !(t[b] == ' ' || (t[b] >= '\t' && t[b] <= '\r')))
				b++;
			if (b == at)
				break;
			NPK_FORWARD(word_make(s, t + at, b - at, v[i]->field, &l->words[l->n], err));
			if (l->words[l->n].n > 0)
				l->n++;
			at = b;
		}
		NPK_FAIL_IF(l->n == 0 && v[i]->field != NPK__F_LANG, err, NPK_E_ARG,
		            "query: \"%s\" has no word to search for", t);
		if (v[i]->phrase && l->n >= 2)
			s->checks = 1;    /* its set is a superset (words_set) */
	}
	return NPK_OK;
}

/* ==== Scoring ==== */

static int key_make(uint8_t field, const char *term, uint8_t key[NPK__IX_KEY_MAX], size_t *len)
{
	size_t n = strlen(term);
	if (n + 1 > NPK__IX_KEY_MAX)
		return -1;
	key[0] = field;
	memcpy(key + 1, term, n);
	*len = n + 1;
	return 0;
}

/* The key's document frequency over every index. With one index, *keep
 * (when not NULL) gets the key's postings looked up for it, which key_tf
 * then reads instead of looking the key up again. */
static int global_df(search *s, const uint8_t *key, size_t len, uint64_t *df,
                     npk__postings *keep, npk_error *err)
{
	for (size_t i = 0; i < s->ndfs; i++) {
		if (s->dfs[i].len == len && memcmp(s->dfs[i].key, key, len) == 0) {
			*df = s->dfs[i].df;
			return NPK_OK;
		}
	}
	uint64_t sum = 0;
	for (size_t u = 0; u < s->nunits; u++) {
		npk__postings p = {0};
		int rc = npk__ix_lookup(s->units[u].ix, key, len, &p, err);
		sum += p.df;
		if (rc == NPK_OK && keep != NULL && s->nunits == 1)
			*keep = p;
		else
			npk__postings_free(&p);
		NPK_FORWARD(rc);
	}
	struct dfk *d = realloc(s->dfs, (s->ndfs + 1) * sizeof *d);
	NPK_FAIL_IF(d == NULL, err, NPK_E_NOMEM, "search: out of memory");
	s->dfs = d;
	memcpy(d[s->ndfs].key, key, len);
	d[s->ndfs].len = len;
	d[s->ndfs++].df = sum;
	*df = sum;
	return NPK_OK;
}

/* The documents of unit u holding key, each with its frequency times w,
 * divided by the body's length normalisation when norm (BM25F's
 * per-field frequency). A block of postings at a time: a common word's
 * set is most of the documents. pre: the key's postings looked up already
 * (global_df), taken over, or a zeroed one. within (or NULL): only its
 * documents are wanted (an AND's rarer operand): the others are neither
 * scored nor kept, and chunks holding none of them are not read. */
static int key_tf(search *s, unit *u, const uint8_t *key, size_t len, double w, int norm,
                  npk__postings *pre, const set *within, set *out, npk_error *err)
{
	*out = (set){.exact = 1};
	npk__postings p = {0};
	int rc = NPK_OK;
	if (pre != NULL && pre->ix != NULL) {
		p = *pre;
		memset(pre, 0, sizeof *pre);
	} else {
		rc = npk__ix_lookup(u->ix, key, len, &p, err);
	}
	const uint8_t *codes = NULL;
	uint64_t first = 0, count = 0, lo = npk__ix_lo(u->ix);
	size_t wj = 0;            /* the next document of within to look for */
	uint32_t md[NPK__IX_BLOCK], mt[NPK__IX_BLOCK];
	/* many documents within: marked in a bitmap, each posting tested (a
	 * merge of two long lists mispredicts a branch at every step) */
	uint64_t *wbits = NULL, wn = npk__ix_hi(u->ix) - lo;
	if (within != NULL && within->n >= WITHIN_BITS_FROM && wn <= DATE_BITS_MAX && p.df > 0) {
		wbits = calloc((size_t)((wn + 63) / 64), sizeof *wbits);
		if (wbits == NULL)
			rc = npk__fail(err, NPK_E_NOMEM, "search: out of memory");
		for (size_t i = 0; wbits != NULL && i < within->n; i++)
			if (within->v[i].doc < wn)
				wbits[within->v[i].doc / 64] |= UINT64_C(1) << (within->v[i].doc % 64);
	}
	while (rc == NPK_OK && p.df > 0) {
		const uint32_t *docs, *tfs;
		size_t n;
		if (within != NULL) {
			if (wj == within->n)
				break;
			npk__postings_skip(&p, lo + within->v[wj].doc);
		}
		int k = npk__postings_block(&p, &docs, &tfs, &n, err);
		if (k <= 0) {
			rc = k < 0 ? -k : NPK_OK;
			break;
		}
		if (within != NULL) {
			/* the block's documents within holds (a block: at most 128) */
			size_t m = 0;
			if (n > NPK__IX_BLOCK)
				n = NPK__IX_BLOCK;
			if (wbits != NULL) {
				for (size_t i = 0; i < n; i++) {
					uint32_t dd = docs[i];
					md[m] = dd;
					mt[m] = tfs[i];
					m += dd < wn && (wbits[dd / 64] >> (dd % 64) & 1);
				}
				while (n > 0 && wj < within->n && within->v[wj].doc <= docs[n - 1])
					wj++;
			} else {
				for (size_t i = 0; i < n && wj < within->n; i++) {
					while (wj < within->n && within->v[wj].doc < docs[i])
						wj++;
					if (wj < within->n && within->v[wj].doc == docs[i]) {
						md[m] = docs[i];
						mt[m++] = tfs[i];
					}
				}
			}
			docs = md;
			tfs = mt;
			n = m;
		}
		/* df of them in all: room for them all at the first block */
		size_t want = out->n == 0 && p.df > n ? (size_t)p.df : n;
		if (within != NULL && out->n == 0 && want > within->n)
			want = within->n;
		if (set_reserve(out, want) != 0) {
			rc = npk__fail(err, NPK_E_NOMEM, "search: out of memory");
			break;
		}
		hit *v = out->v + out->n;
		for (size_t i = 0; i < n; i++) {
			double d = 1;
			if (norm) {
				if (docs[i] - first >= count) {
					rc = npk__ix_norms(u->ix, docs[i], &codes, &first, &count, err);
					if (rc != NPK_OK)
						break;
					/* a document is below hi (9.4): its norm page exists */
					if (codes == NULL || docs[i] - first >= count) {
						rc = npk__fail(err, NPK_E_FORMAT, "search index: no norm "
						               "for document %u", (unsigned)docs[i]);
						break;
					}
				}
				d = s->dnorm[codes[docs[i] - first]];
			}
			v[i] = (hit){docs[i], (float)(w * tfs[i] / d)};
		}
		if (rc == NPK_OK)
			out->n += n;
	}
	npk__postings_free(&p);
	free(wbits);
	if (rc != NPK_OK)
		set_free(out);
	return rc;
}

/* BM25 of each document's frequency (spec/search.md 10.3), weight w. */
static void saturate(set *t, uint64_t df, double N, double w)
{
	double idf = log(1.0 + (N - (double)df + 0.5) / ((double)df + 0.5));
	if (idf < 0.01)
		idf = 0.01;
	for (size_t i = 0; i < t->n; i++) {
		double f = t->v[i].score;
		t->v[i].score = (float)(w * idf * f * (K1 + 1) / (f + K1));
	}
}

static uint8_t field_code(npk__qfield f)
{
	switch (f) {
	case NPK__F_TEXT: return F_BODY;
	case NPK__F_TITLE: return F_TITLE;
	case NPK__F_AUTHOR: return F_AUTHOR;
	case NPK__F_SECTION: return F_SECTION;
	case NPK__F_SOURCE: return F_SOURCE;
	case NPK__F_LANG: return F_LANG;
	case NPK__F_URL: return F_URL;
	}
	return F_BODY;
}

/* The documents holding term in field f: the text field is the body and
 * the title, weighted up. within: as key_tf's. */
static int term_set(search *s, unit *u, npk__qfield f, const char *term, const set *within,
                    set *out, npk_error *err)
{
	uint8_t key[NPK__IX_KEY_MAX];
	size_t len;
	uint64_t df = 0, tdf = 0;
	*out = (set){.exact = 1};
	if (key_make(field_code(f), term, key, &len) != 0)
		return NPK_OK;
	npk__postings pre = {0};
	NPK_FORWARD(global_df(s, key, len, &df, &pre, err));
	if (f != NPK__F_TEXT) {
		int rc = df > 0 ? key_tf(s, u, key, len, 1.0, 0, &pre, within, out, err) : NPK_OK;
		npk__postings_free(&pre);
		NPK_FORWARD(rc);
		saturate(out, df, s->N, f == NPK__F_TITLE ? TITLE_BOOST : 1.0);
		return NPK_OK;
	}
	/* the body and the title: one frequency (BM25F), the title's counted
	 * TITLE_BOOST times, then saturated once */
	set body = {.exact = 1}, title = {.exact = 1};
	/* a word in more documents than there are norm pages needs most of
	 * them: all read at once, on two threads */
	if (df > 0 && !u->norms_read && df >= npk__ix_docs(u->ix) / NPK__IX_NORM_DOCS + 1 &&
	    (within == NULL || within->n >= npk__ix_docs(u->ix) / NPK__IX_NORM_DOCS + 1)) {
		npk__ix_norms_ahead(u->ix, (int)npk__reader_threads(u->top));
		u->norms_read = 1;
	}
	int rc = df > 0 ? key_tf(s, u, key, len, 1.0, 1, &pre, within, &body, err) : NPK_OK;
	npk__postings_free(&pre);
	NPK_FORWARD(rc);
	key[0] = F_TITLE;
	rc = global_df(s, key, len, &tdf, &pre, err);
	if (rc == NPK_OK && tdf > 0)
		rc = key_tf(s, u, key, len, TITLE_BOOST, 0, &pre, within, &title, err);
	npk__postings_free(&pre);
	if (rc != NPK_OK) {
		set_free(&body);
		return rc;
	}
	add_into(&body, &title);
	if (title.n == 0) {
		set_free(&title);
		*out = body;
	} else if (title.n <= 64 && title.n <= body.n / 64) {
		/* the title's hits left are none of the body's */
		NPK_FORWARD(insert_few(&body, &title, err));
		*out = body;
	} else {
		NPK_FORWARD(set_join(&body, &title, OP_OR_SUM, out, err));
	}
	saturate(out, df > tdf ? df : tdf, s->N, 1.0);
	return NPK_OK;
}

/* A WORDS leaf: every word (any variant: all its terms). within: as
 * key_tf's. */
static int words_set(search *s, unit *u, const leafq *l, const set *within, set *out,
                     npk_error *err)
{
	*out = (set){.exact = 1};
	if (l->q->field == NPK__F_LANG) {
		char code[16];
		size_t n = strlen(l->q->text);
		if (n == 0 || n >= sizeof code)
			return NPK_OK;
		for (size_t i = 0; i <= n; i++)
			code[i] = (char)(l->q->text[i] >= 'A' && l->q->text[i] <= 'Z' ? l->q->text[i] + 32
			                                                          : l->q->text[i]);
		code[strcspn(code, "-_")] = 0;
		return term_set(s, u, NPK__F_LANG, code, within, out, err);
	}
	for (size_t w = 0; w < l->n; w++) {
		set ws = {.exact = 1};
		for (size_t v = 0; v < l->words[w].n; v++) {
			const variant *va = &l->words[w].v[v];
			set vs;
			NPK_FORWARD(term_set(s, u, l->q->field, va->terms[0], within, &vs, err));
			for (size_t t = 1; t < va->n && vs.n > 0; t++) {
				set ts;
				int rc = term_set(s, u, l->q->field, va->terms[t], within, &ts, err);
				if (rc != NPK_OK) {
					set_free(&vs);
					set_free(&ws);
					return rc;
				}
				NPK_FORWARD(set_join(&vs, &ts, OP_AND, &vs, err));
			}
			NPK_FORWARD(set_join(&ws, &vs, OP_OR_MAX, &ws, err));
		}
		if (w == 0)
			*out = ws;
		else
			NPK_FORWARD(set_join(out, &ws, OP_AND, out, err));
	}
	out->exact = !l->q->phrase || l->n < 2;
	return NPK_OK;
}

/* 9.1: a date as the index's date terms, YYYY-MM-DD. */
static void day_text(int32_t days, char out[11])
{
	int64_t z = (int64_t)days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t y = yoe + era * 400, doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1;
	int64_t m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	if (y < 0)
		y = 0;
	if (y > 9999)
		y = 9999;
	snprintf(out, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u,
	         (unsigned)d % 100u);
}

typedef struct date_ctx {
	search *s;
	unit *u;
	set *out;
	uint64_t *bits;           /* or the documents marked here, one bit each */
	uint64_t n;               /* the unit's documents (hi - lo) */
	int rc;
	npk_error *err;
} date_ctx;

/* The documents of one date key: marked, or joined to the set (a filter:
 * no score). A range of months holds a key per day, each in its own
 * documents: marks cost a bit each, where joins would copy the set again
 * for every key. */
static int date_key(void *ctx, const uint8_t *key, size_t len, uint64_t df)
{
	(void)df;
	date_ctx *d = ctx;
	int rc;
	if (d->bits != NULL) {
		npk__postings p = {0};
		rc = npk__ix_lookup(d->u->ix, key, len, &p, d->err);
		while (rc == NPK_OK && p.df > 0) {
			const uint32_t *docs, *tfs;
			size_t n;
			int k = npk__postings_block(&p, &docs, &tfs, &n, d->err);
			if (k <= 0) {
				rc = k < 0 ? -k : NPK_OK;
				break;
			}
			for (size_t i = 0; i < n; i++)   /* each below hi (9.4): below n */
				if (docs[i] < d->n)
					d->bits[docs[i] / 64] |= UINT64_C(1) << (docs[i] % 64);
		}
		npk__postings_free(&p);
	} else {
		set ks;
		rc = key_tf(d->s, d->u, key, len, 0.0, 0, NULL, NULL, &ks, d->err);
		if (rc == NPK_OK)
			rc = set_join(d->out, &ks, OP_OR_SUM, d->out, d->err);
	}
	d->rc = rc;
	return rc != NPK_OK;
}

/* The marked documents, in order, into out (score 0). */
static int date_marks(const date_ctx *d, set *out, npk_error *err)
{
	size_t words = (size_t)((d->n + 63) / 64), count = 0;
	for (size_t w = 0; w < words; w++)
		count += (size_t)__builtin_popcountll(d->bits[w]);
	NPK_FAIL_IF(set_reserve(out, count) != 0, err, NPK_E_NOMEM, "search: out of memory");
	for (size_t w = 0; w < words; w++)
		for (uint64_t b = d->bits[w]; b != 0; b &= b - 1)
			out->v[out->n++] = (hit){(uint32_t)(w * 64 + (size_t)__builtin_ctzll(b)), 0};
	return NPK_OK;
}

/* A DATE leaf: the documents whose date term lies in [from, to], as text
 * (9.1: a month or a year alone sorts before its first day). */
static int date_set(search *s, unit *u, const npk__qnode *q, set *out, npk_error *err)
{
	char a[11], b[11];
	day_text(q->from == INT32_MIN ? -719468 : q->from, a);
	day_text(q->to == INT32_MAX ? 2932896 : q->to, b);
	uint8_t from[12] = {F_DATE}, to[12] = {F_DATE};
	memcpy(from + 1, a, 10);
	memcpy(to + 1, b, 10);
	*out = (set){.exact = 1};
	date_ctx d = {.s = s, .u = u, .out = out, .err = err};
	d.n = npk__ix_hi(u->ix) - npk__ix_lo(u->ix);
	if (d.n > 0 && d.n <= DATE_BITS_MAX) {
		d.bits = calloc((size_t)((d.n + 63) / 64), sizeof *d.bits);
		NPK_FAIL_IF(d.bits == NULL, err, NPK_E_NOMEM, "search: out of memory");
	}
	int rc = npk__ix_keys(u->ix, from, 11, to, 11, date_key, &d, err);
	if (rc == NPK_OK)
		rc = d.rc;
	if (rc == NPK_OK && d.bits != NULL)
		rc = date_marks(&d, out, err);
	free(d.bits);
	if (rc != NPK_OK)
		set_free(out);
	return rc;
}

static int leaf_index(const search *s, const npk__qnode *q)
{
	for (size_t i = 0; i < s->nleaves; i++)
		if (s->leaves[i].q == q)
			return (int)i;
	return -1;
}

/* An upper bound of the documents of node q, to pick an AND's operand to
 * read first: a WORDS leaf's rarest word's (the documents of its variants'
 * first terms, summed; the text field's: the body's); UINT64_MAX for the
 * other nodes, which are read whole anyway. */
static int node_cost(search *s, const npk__qnode *q, uint64_t *cost, npk_error *err)
{
	*cost = UINT64_MAX;
	if (q->kind != NPK__Q_WORDS || q->field == NPK__F_LANG)
		return NPK_OK;
	const leafq *l = &s->leaves[leaf_index(s, q)];
	for (size_t w = 0; w < l->n; w++) {
		uint64_t sum = 0;
		for (size_t v = 0; v < l->words[w].n; v++) {
			uint8_t key[NPK__IX_KEY_MAX];
			size_t len;
			uint64_t df;
			if (key_make(field_code(q->field), l->words[w].v[v].terms[0], key, &len) != 0)
				continue;
			NPK_FORWARD(global_df(s, key, len, &df, NULL, err));
			sum += df;
		}
		if (sum < *cost)
			*cost = sum;
	}
	return NPK_OK;
}

/* The (super)set of documents of node q in unit u. within (or NULL): only
 * its documents are wanted (those of an enclosing AND's operand read
 * first), so that a leaf's set may leave out the others: true of q's
 * documents among within's, which is all the AND needs (a document outside
 * within fails the AND on that operand, also for the checks of truth). */
static int eval(search *s, size_t ui, const npk__qnode *q, const set *within, set *out,
                npk_error *err)
{
	unit *u = &s->units[ui];
	if (q->kind == NPK__Q_WORDS || q->kind == NPK__Q_DATE) {
		leafq *l = &s->leaves[leaf_index(s, q)];
		set r;
		NPK_FORWARD(q->kind == NPK__Q_DATE ? date_set(s, u, q, &r, err)
		                                   : words_set(s, u, l, within, &r, err));
		/* a copy for the checks, kept while the query runs */
		set keep = {.exact = r.exact};
		if (r.n > 0 && s->checks) {
			keep.v = malloc(r.n * sizeof *keep.v);
			if (keep.v == NULL) {
				set_free(&r);
				return npk__fail(err, NPK_E_NOMEM, "search: out of memory");
			}
			memcpy(keep.v, r.v, r.n * sizeof *keep.v);
			keep.n = keep.cap = r.n;
		}
		set_free(&l->sets[ui]);
		l->sets[ui] = keep;
		*out = r;
		return NPK_OK;
	}
	if (q->kind == NPK__Q_OR) {
		set acc = {.exact = 1};
		for (size_t i = 0; i < q->nkids; i++) {
			set k;
			int rc = eval(s, ui, q->kids[i], within, &k, err);
			if (rc != NPK_OK) {
				set_free(&acc);
				return rc;
			}
			int exact = acc.exact && k.exact;
			NPK_FORWARD(set_join(&acc, &k, OP_OR_SUM, &acc, err));
			acc.exact = exact;
		}
		*out = acc;
		return NPK_OK;
	}
	if (q->kind == NPK__Q_NOT)
		return eval(s, ui, q->kids[0], within, out, err);
	/* AND: the positive operands, the one of fewest documents read first:
	 * the others need only its documents (within). A rare word beside a
	 * common one scores a few documents of the common one's postings, not
	 * most of the archive. Then joined in the query's order (the same sums,
	 * so the same scores), and the negated operands taken out (only when
	 * exact: a phrase not there is checked on the text). */
	set *ks = calloc(q->nkids, sizeof *ks);
	NPK_FAIL_IF(ks == NULL, err, NPK_E_NOMEM, "search: out of memory");
	size_t first = SIZE_MAX;
	uint64_t best = UINT64_MAX;
	int rc = NPK_OK;
	for (size_t i = 0; i < q->nkids && rc == NPK_OK; i++) {
		uint64_t c;
		if (q->kids[i]->kind == NPK__Q_NOT)
			continue;
		rc = node_cost(s, q->kids[i], &c, err);
		if (rc == NPK_OK && (first == SIZE_MAX || c < best)) {
			first = i;
			best = c;
		}
	}
	if (rc == NPK_OK && first != SIZE_MAX)
		rc = eval(s, ui, q->kids[first], within, &ks[first], err);
	for (size_t i = 0; i < q->nkids && rc == NPK_OK; i++)
		if (i != first && q->kids[i]->kind != NPK__Q_NOT)
			rc = eval(s, ui, q->kids[i], &ks[first], &ks[i], err);
	set acc = {0};
	int started = 0, exact = 1;
	for (size_t i = 0; i < q->nkids; i++) {
		if (q->kids[i]->kind == NPK__Q_NOT)
			continue;
		if (rc != NPK_OK) {
			set_free(&ks[i]);
			continue;
		}
		exact = exact && ks[i].exact;
		if (!started)
			acc = ks[i];
		else
			rc = set_join(&acc, &ks[i], OP_AND, &acc, err);
		ks[i] = (set){0};
		started = 1;
	}
	free(ks);
	for (size_t i = 0; i < q->nkids && rc == NPK_OK; i++) {
		if (q->kids[i]->kind != NPK__Q_NOT)
			continue;
		set k;
		rc = eval(s, ui, q->kids[i], &acc, &k, err);
		if (rc != NPK_OK)
			break;
		if (!k.exact) {
			exact = 0;
			set_free(&k);
			continue;
		}
		for (size_t j = 0; j < k.n; j++)
			k.v[j].score = 0;
		rc = set_join(&acc, &k, OP_MINUS, &acc, err);
	}
	if (rc != NPK_OK) {
		set_free(&acc);
		return rc;
	}
	acc.exact = exact;
	*out = acc;
	return NPK_OK;
}

/* ==== The best documents: checked and shown ==== */

typedef struct cand {
	float score;
	uint32_t unit, doc;
} cand;

static int cand_cmp(const void *a, const void *b)
{
	const cand *p = a, *q = b;
	if (p->score != q->score)
		return p->score < q->score ? 1 : -1;
	if (p->unit != q->unit)
		return p->unit < q->unit ? -1 : 1;
	return (p->doc > q->doc) - (p->doc < q->doc);
}

/* A document being checked and shown. */
typedef struct doc {
	char *path, *title, *date, *lang_meta;
	npk_meta *meta;
	npk_buf text;             /* its text (extract.c), read on first need */
	int have_text;
	char lang[8];
	npk_entry e;              /* path, media and meta point into the strings above */
	char *media;
} doc;

static void doc_free(doc *d)
{
	free(d->path);
	free(d->media);
	npk_meta_free(d->meta);
	npk__buf_free(&d->text);
	memset(d, 0, sizeof *d);
}

static int doc_text(search *s, unit *u, doc *d, npk_error *err)
{
	if (d->have_text)
		return NPK_OK;
	npk_buf raw = {0};
	npk__text_sink t = {&raw, 0};
	int rc = npk_reader_read(u->top, &d->e, npk__text_sink_take, &t, err);
	if (rc == NPK_OK && t.nomem)
		rc = npk__fail(err, NPK_E_NOMEM, "search: out of memory");
	if (rc == NPK_OK)
		rc = npk__search_doc(raw.p, raw.len, d->media, d->meta, &d->text, d->lang, err);
	npk__buf_free(&raw);
	NPK_FORWARD(rc);
	d->have_text = 1;
	(void)s;
	return NPK_OK;
}

typedef struct seq {
	char **t;
	size_t n, cap;
	int nomem;
} seq;

static void on_seq(const char *term, size_t len, uint32_t pos, void *ctx)
{
	(void)pos;
	seq *q = ctx;
	if (q->nomem)
		return;
	if (q->n == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 256;
		char **t = realloc(q->t, cap * sizeof *t);
		if (t == NULL) {
			q->nomem = 1;
			return;
		}
		q->t = t;
		q->cap = cap;
	}
	char *c = malloc(len + 1);
	if (c == NULL) {
		q->nomem = 1;
		return;
	}
	memcpy(c, term, len + 1);
	q->t[q->n++] = c;
}

static void seq_free(seq *q)
{
	for (size_t i = 0; i < q->n; i++)
		free(q->t[i]);
	free(q->t);
}

static int seq_make(search *s, const char *text, size_t len, const char *lang, seq *q,
                    npk_error *err)
{
	*q = (seq){0};
	int rc = npk__text_terms_ctx(s->tc, (const uint8_t *)text, len, lang, on_seq, q, err);
	if (rc == NPK_OK && q->nomem)
		rc = npk__fail(err, NPK_E_NOMEM, "search: out of memory");
	if (rc != NPK_OK)
		seq_free(q);
	return rc;
}

/* Whether the terms of needle follow each other somewhere in hay. */
static int seq_in(const seq *hay, const seq *needle)
{
	if (needle->n == 0)
		return 1;
	for (size_t i = 0; i + needle->n <= hay->n; i++) {
		size_t k = 0;
		while (k < needle->n && strcmp(hay->t[i + k], needle->t[k]) == 0)
			k++;
		if (k == needle->n)
			return 1;
	}
	return 0;
}

/* Whether phrase leaf l is in document d (its text or its title). */
static int phrase_in(search *s, unit *u, doc *d, const leafq *l, int *yes, npk_error *err)
{
	*yes = 0;
	NPK_FORWARD(doc_text(s, u, d, err));
	seq needle, hay;
	NPK_FORWARD(seq_make(s, l->q->text, strlen(l->q->text), d->lang, &needle, err));
	int rc = NPK_OK;
	if (l->q->field == NPK__F_TEXT) {
		rc = seq_make(s, (const char *)d->text.p, d->text.len, d->lang, &hay, err);
		if (rc == NPK_OK) {
			*yes = seq_in(&hay, &needle);
			seq_free(&hay);
		}
	}
	const char *name = l->q->field == NPK__F_AUTHOR ? "author"
	                   : l->q->field == NPK__F_SECTION ? "section"
	                   : l->q->field == NPK__F_SOURCE ? "source"
	                   : l->q->field == NPK__F_URL ? "url" : "title";
	int stems = l->q->field == NPK__F_TEXT || l->q->field == NPK__F_TITLE;
	if (!stems) {
		seq_free(&needle);
		NPK_FORWARD(seq_make(s, l->q->text, strlen(l->q->text), NULL, &needle, err));
	}
	for (size_t i = 0; rc == NPK_OK && !*yes && i < npk_meta_count(d->meta); i++) {
		const char *k, *v;
		npk_meta_get(d->meta, i, &k, &v);
		if (strcmp(k, name) != 0)
			continue;
		rc = seq_make(s, v, strlen(v), stems ? d->lang : NULL, &hay, err);
		if (rc == NPK_OK) {
			*yes = seq_in(&hay, &needle);
			seq_free(&hay);
		}
	}
	seq_free(&needle);
	return rc;
}

/* Whether document d (number doc of unit ui) answers node q: the sets say,
 * and phrases are looked for in its text. */
static int truth(search *s, size_t ui, doc *d, uint32_t docn, const npk__qnode *q, int *yes,
                 npk_error *err)
{
	if (q->kind == NPK__Q_WORDS || q->kind == NPK__Q_DATE) {
		const leafq *l = &s->leaves[leaf_index(s, q)];
		*yes = set_has(&l->sets[ui], docn);
		if (*yes && !l->sets[ui].exact)
			NPK_FORWARD(phrase_in(s, &s->units[ui], d, l, yes, err));
		return NPK_OK;
	}
	if (q->kind == NPK__Q_NOT) {
		NPK_FORWARD(truth(s, ui, d, docn, q->kids[0], yes, err));
		*yes = !*yes;
		return NPK_OK;
	}
	int any = 0, all = 1;
	for (size_t i = 0; i < q->nkids; i++) {
		int k;
		NPK_FORWARD(truth(s, ui, d, docn, q->kids[i], &k, err));
		any |= k;
		all &= k;
		if ((q->kind == NPK__Q_OR && any) || (q->kind == NPK__Q_AND && !all))
			break;
	}
	*yes = q->kind == NPK__Q_OR ? any : all;
	return NPK_OK;
}

/* Document number docn of unit u, copied; *current = 0 when a later
 * edition replaced or withdrew it (or it is not a document). */
static int doc_load(search *s, unit *u, uint32_t docn, doc *d, int *current, npk_error *err)
{
	(void)s;
	const npk_entry *e;
	uint64_t n = npk__ix_lo(u->ix) + docn, first = u->base;
	npk_reader *fr = u->fr;
	if (u->ends != NULL && n < u->base) {
		/* an index of earlier files' entries: the file whose leaves hold n */
		uint32_t lo = 0, hi = u->nends;
		while (lo < hi) {
			uint32_t mid = lo + (hi - lo) / 2;
			if (u->ends[mid] > n)
				hi = mid;
			else
				lo = mid + 1;
		}
		NPK_FAIL_IF(lo >= u->nends, err, NPK_E_FORMAT, "search index: entry %llu is in no file "
		            "of the chain", (unsigned long long)n);
		NPK_FORWARD(npk__chain_file(u->top, lo, &fr, err));
		first = lo ? u->ends[lo - 1] : 0;
	}
	NPK_FORWARD(npk__reader_entry_at(fr, n - first, &e, err));
	*current = e->kind == NPK_KIND_DOCUMENT;
	d->e = *e;
	d->path = strdup(e->path);
	d->media = strdup(e->media_type ? e->media_type : "");
	d->meta = npk_meta_new();
	NPK_FAIL_IF(d->path == NULL || d->media == NULL || d->meta == NULL, err, NPK_E_NOMEM,
	            "search: out of memory");
	if (e->meta != NULL)
		NPK_FORWARD(npk_meta_merge(d->meta, e->meta, err));
	d->e.path = d->path;
	d->e.media_type = d->media;
	d->e.meta = d->meta;
	if (*current && u->chain) {
		const npk_entry *now;
		npk_reader *nfr = NULL;
		int rc = npk__chain_find(u->top, d->path, &now, &nfr, err);
		if (rc == NPK_E_NOTFOUND) {
			*current = 0;
			return NPK_OK;
		}
		NPK_FORWARD(rc);
		*current = nfr == fr && now->ordinal == d->e.ordinal;
	}
	return NPK_OK;
}

/* ---- Snippets ---- */

typedef struct mark_ctx {
	const search *s;
	int hit;
} mark_ctx;

static int term_wanted(const search *s, const char *t)
{
	for (size_t i = 0; i < s->nleaves; i++) {
		const leafq *l = &s->leaves[i];
		if (l->q->kind != NPK__Q_WORDS ||
		    (l->q->field != NPK__F_TEXT && l->q->field != NPK__F_TITLE))
			continue;
		for (size_t w = 0; w < l->n; w++)
			for (size_t v = 0; v < l->words[w].n; v++)
				for (size_t k = 0; k < l->words[w].v[v].n; k++)
					if (strcmp(l->words[w].v[v].terms[k], t) == 0)
						return 1;
	}
	return 0;
}

static void on_mark(const char *term, size_t len, uint32_t pos, void *ctx)
{
	(void)len;
	(void)pos;
	mark_ctx *m = ctx;
	if (!m->hit && term_wanted(m->s, term))
		m->hit = 1;
}

static int is_space(uint8_t c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* Length of the UTF-8 character at p (1 for a bad byte). */
static size_t char_len(const uint8_t *p, size_t n)
{
	size_t k = p[0] < 0x80 ? 1 : p[0] >= 0xF0 ? 4 : p[0] >= 0xE0 ? 3 : p[0] >= 0xC0 ? 2 : 1;
	if (k > n)
		return 1;
	for (size_t i = 1; i < k; i++)
		if ((p[i] & 0xC0) != 0x80)
			return 1;
	return k;
}

/* Whether the character at p (k bytes) is written without spaces (Han,
 * kana, Hangul: U+1100.. and U+2E80..U+D7FF, U+F900..U+FAFF). */
static int is_cjk_char(const uint8_t *p, size_t k)
{
	if (k != 3)
		return 0;
	uint32_t c = (uint32_t)(p[0] & 0x0F) << 12 | (uint32_t)(p[1] & 0x3F) << 6 | (p[2] & 0x3F);
	return (c >= 0x2E80 && c <= 0xD7FF) || (c >= 0xF900 && c <= 0xFAFF) ||
	       (c >= 0x1100 && c <= 0x11FF);
}

#define WM_MAX (1u << 18)        /* slots for the tokens a search keeps answers for (6 MiB) */

/* *yes: whether token w[0..n) of a text in language lang (8 bytes)
 * holds one of the query's terms: the answer kept (s->wm), or its terms
 * found and the answer kept. */
static int word_hit(search *s, const uint8_t *w, size_t n, const char lang[8], int *yes,
                    npk_error *err)
{
	char l8[8] = {0};         /* the code, NUL-padded: the same bytes for the same code */
	for (size_t k = 0; k < 7 && lang[k]; k++)
		l8[k] = lang[k];
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t k = 0; k < 8; k++)
		h = (h ^ (uint8_t)l8[k]) * 0x100000001b3ull;
	for (size_t k = 0; k < n; k++)
		h = (h ^ w[k]) * 0x100000001b3ull;
	size_t j = 0;
	if (s->wm != NULL) {
		j = h & (s->wmcap - 1);
		while (s->wm[j].hit) {
			const struct wm *e = &s->wm[j];
			if (e->h == h && e->n == n + 8 && memcmp(s->wmbytes.p + e->off, l8, 8) == 0 &&
			    memcmp(s->wmbytes.p + e->off + 8, w, n) == 0) {
				*yes = e->hit - 1;
				return NPK_OK;
			}
			j = (j + 1) & (s->wmcap - 1);
		}
	}
	mark_ctx m = {.s = s};
	NPK_FORWARD(npk__text_terms_ctx(s->tc, w, n, l8, on_mark, &m, err));
	*yes = m.hit;
	/* kept while the table is at most half full and small */
	if (s->wmbytes.len + n + 8 > UINT32_MAX)
		return NPK_OK;
	if (s->wmused + 1 > s->wmcap / 2) {
		if (s->wmcap >= WM_MAX)
			return NPK_OK;
		size_t cap = s->wmcap ? s->wmcap * 2 : 4096;
		struct wm *nv = calloc(cap, sizeof *nv);
		NPK_FAIL_IF(nv == NULL, err, NPK_E_NOMEM, "search: out of memory");
		for (size_t i = 0; i < s->wmcap; i++) {
			if (!s->wm[i].hit)
				continue;
			size_t k = s->wm[i].h & (cap - 1);
			while (nv[k].hit)
				k = (k + 1) & (cap - 1);
			nv[k] = s->wm[i];
		}
		free(s->wm);
		s->wm = nv;
		s->wmcap = cap;
		j = h & (cap - 1);
		while (s->wm[j].hit)
			j = (j + 1) & (cap - 1);
	}
	size_t off = s->wmbytes.len;
	if (npk__buf_put(&s->wmbytes, l8, 8) != 0 || npk__buf_put(&s->wmbytes, w, n) != 0)
		return npk__fail(err, NPK_E_NOMEM, "search: out of memory");
	s->wm[j] = (struct wm){h, (uint32_t)off, (uint32_t)(n + 8), m.hit + 1};
	s->wmused++;
	return NPK_OK;
}

typedef struct tok {
	size_t a, b;
	int hit;
} tok;

/* The text cut into tokens (words between spaces; each CJK character one),
 * each marked when its terms are the query's. */
static int tokens_make(search *s, const doc *d, tok **out, size_t *nout, npk_error *err)
{
	const uint8_t *t = d->text.p;
	size_t n = d->text.len < SNIPPET_SCAN ? d->text.len : SNIPPET_SCAN;
	tok *v = NULL;
	size_t nv = 0, cap = 0;
	for (size_t i = 0; i < n;) {
		if (is_space(t[i])) {
			i++;
			continue;
		}
		size_t k = char_len(t + i, n - i), b = i;
		int cjk = is_cjk_char(t + i, k);
		if (cjk) {
			b = i + k;
		} else {
			while (b < n && !is_space(t[b])) {
				size_t kk = char_len(t + b, n - b);
				if (is_cjk_char(t + b, kk))
					break;
				b += kk;
			}
		}
		if (nv == cap) {
			cap = cap ? cap * 2 : 256;
			tok *nvv = realloc(v, cap * sizeof *v);
			if (nvv == NULL) {
				free(v);
				return npk__fail(err, NPK_E_NOMEM, "search: out of memory");
			}
			v = nvv;
		}
		v[nv++] = (tok){i, b, 0};
		i = b;
	}
	/* words: their own terms; CJK characters: with the next one (bigrams).
	 * Each distinct token's answer is kept for the search (word_hit). */
	for (size_t i = 0; i < nv; i++) {
		int cjk = is_cjk_char(t + v[i].a, v[i].b - v[i].a);
		size_t end = v[i].b;
		if (cjk && i + 1 < nv && v[i + 1].a == v[i].b &&
		    is_cjk_char(t + v[i + 1].a, v[i + 1].b - v[i + 1].a))
			end = v[i + 1].b;
		int yes;
		int rc = word_hit(s, t + v[i].a, end - v[i].a, d->lang, &yes, err);
		if (rc != NPK_OK) {
			free(v);
			return rc;
		}
		if (yes) {
			v[i].hit = 1;
			if (end != v[i].b)
				v[i + 1].hit = 1;
		}
	}
	*out = v;
	*nout = nv;
	return NPK_OK;
}

/* The part of a token w[0..n) to mark: without the punctuation and
 * symbols before and after its word ("broadband," marks broadband). */
static void word_span(const uint8_t *w, size_t n, size_t *a, size_t *b)
{
	size_t i = 0, end = n;
	while (i < n) {
		ucs4_t c;
		int k = u8_mbtouc(&c, w + i, n - i);
		if (uc_is_general_category(c, UC_CATEGORY_L) || uc_is_general_category(c, UC_CATEGORY_N))
			break;
		i += (size_t)(k > 0 ? k : 1);
	}
	for (size_t j = i; j < n;) {
		ucs4_t c;
		int k = u8_mbtouc(&c, w + j, n - j);
		j += (size_t)(k > 0 ? k : 1);
		if (uc_is_general_category(c, UC_CATEGORY_L) || uc_is_general_category(c, UC_CATEGORY_N) ||
		    uc_is_general_category(c, UC_CATEGORY_M))
			end = j;
	}
	*a = i < n ? i : 0;
	*b = i < n ? end : n;
}

/* About SNIPPET_BYTES of the text around its densest run of the query's
 * words, white space made single spaces, each word of the query marked. */
static int snippet_make(search *s, const doc *d, npk_search_hit *h, npk_error *err)
{
	tok *v = NULL;
	size_t nv = 0;
	NPK_FORWARD(tokens_make(s, d, &v, &nv, err));
	const uint8_t *t = d->text.p;
	size_t best = 0, best_end = 0, best_hits = 0;
	for (size_t i = 0, j = 0, hits = 0; i < nv; i++) {
		if (j < i)
			j = i;
		while (j < nv && v[j].b - v[i].a <= SNIPPET_BYTES)
			hits += v[j++].hit;
		if (hits > best_hits || (i == 0 && best_hits == 0)) {
			best_hits = hits;
			best = i;
			best_end = j > i ? j : i + 1;
		}
		if (j > i)
			hits -= v[i].hit;
	}
	/* a few words before the first marked one, within 60 bytes */
	size_t from = best;
	while (best_hits > 0 && !v[from].hit && from < best_end)
		from++;
	size_t lead = 0;
	while (from > 0 && lead < 6 && v[best_end - 1].b - v[from - 1].a <= SNIPPET_BYTES + 60) {
		from--;
		lead++;
	}
	if (best_hits == 0)
		from = 0;
	npk_buf out = {0};
	npk_buf marks = {0};
	int bad = 0;
	if (from > 0)
		bad |= npk__buf_put(&out, "...", 3);
	size_t i = from;
	for (; i < nv && !bad && v[i].b - v[from].a <= SNIPPET_BYTES; i++) {
		int glue = i > from && v[i].a == v[i - 1].b;
		if (out.len > 0 && !glue)
			bad |= npk__buf_put(&out, " ", 1);
		size_t at = out.len;
		bad |= npk__buf_put(&out, t + v[i].a, v[i].b - v[i].a);
		if (v[i].hit) {
			size_t ma, mb;
			word_span(t + v[i].a, v[i].b - v[i].a, &ma, &mb);
			uint64_t pair[2] = {at + ma, at + mb};
			uint64_t *last = marks.len ? (uint64_t *)(void *)(marks.p + marks.len) - 2 : NULL;
			if (glue && last != NULL && last[1] == at && ma == 0)
				last[1] = pair[1]; /* one mark over characters written together */
			else
				bad |= npk__buf_put(&marks, pair, sizeof pair);
		}
	}
	if (i < nv)
		bad |= npk__buf_put(&out, "...", 3);
	bad |= npk__buf_u8(&out, 0);
	free(v);
	if (bad) {
		npk__buf_free(&out);
		npk__buf_free(&marks);
		return npk__fail(err, NPK_E_NOMEM, "search: out of memory");
	}
	h->snippet = (char *)out.p;
	h->marks = (uint64_t *)(void *)marks.p;
	h->nmarks = marks.len / (2 * sizeof(uint64_t));
	return NPK_OK;
}

static char *dup_or_null(const char *v)
{
	return v ? strdup(v) : NULL;
}

/* Candidate c, its document d loaded (current or not): checked, and
 * added to the hits when it answers. */
static int candidate(search *s, const cand *c, doc *d, int current, int exact,
                     npk_search_result *res, int *taken, npk_error *err)
{
	unit *u = &s->units[c->unit];
	int rc = NPK_OK;
	*taken = 0;
	if (current && !exact)
		rc = truth(s, c->unit, d, c->doc, s->root, &current, err);
	if (rc == NPK_OK && current && s->o->snippets)
		rc = doc_text(s, u, d, err);
	if (rc == NPK_OK && current) {
		npk_search_hit *h = &res->hits[res->nhits];
		memset(h, 0, sizeof *h);
		h->archive = u->archive;
		h->path = strdup(d->path);
		h->title = dup_or_null(npk_meta_find(d->meta, "title"));
		h->date = dup_or_null(npk_meta_find(d->meta, "date"));
		h->score = c->score;
		h->edition = d->e.edition;
		if (h->path == NULL)
			rc = npk__fail(err, NPK_E_NOMEM, "search: out of memory");
		if (rc == NPK_OK && s->o->snippets)
			rc = snippet_make(s, d, h, err);
		res->nhits++;
		*taken = 1;
	}
	return rc;
}

/* ---- The texts of a batch of candidates, on two threads ---- */

/* A document whose text one thread reads, from file fr. */
typedef struct apart {
	npk_reader *fr;
	doc *d;
	uint64_t upto;            /* the bytes of its cluster the batch needs */
	int thread;
} apart;

typedef struct apart_job {
	apart *v;
	size_t n;
	int thread;               /* takes the v[i] of this thread */
	npk__apart *ap;
} apart_job;

/* Its text, or none: a failure is met again, and reported, when the
 * document is read on the search's own thread (doc_text). */
static void apart_one(apart *a, npk__apart *ap)
{
	npk_buf raw = {0};
	npk_error e = {0};
	doc *d = a->d;
	if (npk__reader_read_apart(a->fr, ap, &d->e, a->upto, &raw, &e) == NPK_OK &&
	    npk__search_doc(raw.p, raw.len, d->media, d->meta, &d->text, d->lang, &e) == NPK_OK)
		d->have_text = 1;
	else
		npk__buf_free(&d->text);
	npk__buf_free(&raw);
}

static void *apart_main(void *arg)
{
	apart_job *j = arg;
	for (size_t i = 0; i < j->n; i++)
		if (j->v[i].thread == j->thread)
			apart_one(&j->v[i], j->ap);
	return NULL;
}

static int apart_cmp(const void *x, const void *y)
{
	const apart *a = x, *b = y;
	if (a->fr != b->fr)
		return (uintptr_t)a->fr < (uintptr_t)b->fr ? -1 : 1;
	if (a->d->e.cluster != b->d->e.cluster)
		return a->d->e.cluster < b->d->e.cluster ? -1 : 1;
	return (a->d->e.offset > b->d->e.offset) - (a->d->e.offset < b->d->e.offset);
}

/* The texts of the current documents ds[0..m) (of candidates c), read
 * and extracted ahead on two threads: a hit's cluster is decoded from its
 * start to the document, most of a query's time when the query itself is
 * quick. Documents of one cluster go to one thread, in offset order, so
 * that the cluster is decoded once. Only what npk_reader_read would read
 * alike is read here: each document's own file, one cluster. */
static void texts_read(search *s, const cand *c, doc *ds, const int *cur, size_t m)
{
	apart v[BATCH_DOCS];
	size_t k = 0;
	for (size_t i = 0; i < m && i < BATCH_DOCS; i++) {
		const npk_entry *e = &ds[i].e;
		unit *u = &s->units[c[i].unit];
		npk_reader *fr = NULL;
		if (!cur[i] || ds[i].have_text || e->kind != NPK_KIND_DOCUMENT)
			continue;
		if (npk__reader_chain(u->top) != NULL) {
			npk_error e2 = {0};
			uint32_t in = e->ref_kind == NPK_REF_EDITION ? e->ref_edition : e->edition;
			if (npk__chain_file(u->top, in, &fr, &e2) != NPK_OK)
				fr = NULL;
		} else if (e->ref_kind != NPK_REF_EDITION) {
			fr = u->top;
		}
		if (fr != NULL)
			v[k++] = (apart){fr, &ds[i], 0, 0};
	}
	for (size_t t = 0; t < 2; t++)
		if (s->ap[t] == NULL)
			s->ap[t] = npk__apart_new();
	if (k == 0 || s->ap[0] == NULL)
		return;
	/* clusters to threads, the one with less to decode so far taking the next */
	qsort(v, k, sizeof *v, apart_cmp);
	int two = k >= 2 && s->ap[1] != NULL && npk__reader_threads(s->units[0].top) >= 2;
	uint64_t load[2] = {0, 0};
	for (size_t i = 0; i < k;) {
		size_t j = i;
		uint64_t upto = 0;
		while (j < k && v[j].fr == v[i].fr && v[j].d->e.cluster == v[i].d->e.cluster) {
			uint64_t end = v[j].d->e.offset + v[j].d->e.size;
			upto = end > upto ? end : upto;
			j++;
		}
		int t = two && load[1] < load[0];
		load[t] += upto;
		for (; i < j; i++) {
			v[i].upto = upto;
			v[i].thread = t;
		}
	}
	apart_job mine = {v, k, 0, s->ap[0]}, theirs = {v, k, 1, s->ap[1]};
	pthread_t th;
	if (two && load[1] > 0 && pthread_create(&th, NULL, apart_main, &theirs) != 0) {
		for (size_t i = 0; i < k; i++)
			v[i].thread = 0;
		two = 0;
	}
	apart_main(&mine);
	if (two && load[1] > 0)
		pthread_join(th, NULL);
}

/* Candidates c[0..n) in order, checked and shown until the result holds
 * want hits; *looked: how many were looked at. A batch's entries are
 * loaded first, then the texts its checks and snippets need, then each
 * candidate in turn, as one at a time would. */
static int candidates(search *s, const cand *c, size_t n, int exact, size_t want,
                      npk_search_result *res, size_t *looked, npk_error *err)
{
	doc ds[BATCH_DOCS];
	int cur[BATCH_DOCS];
	int rc = NPK_OK;
	size_t i = 0;
	while (rc == NPK_OK && i < n && res->nhits < want) {
		/* when no check can turn a document away, as many as hits wanted */
		size_t most = exact ? want - res->nhits : BATCH_DOCS, m = 0;
		uint64_t bytes = 0;
		if (most > BATCH_DOCS)
			most = BATCH_DOCS;
		while (rc == NPK_OK && i + m < n && m < most && (m == 0 || bytes < BATCH_BYTES)) {
			memset(&ds[m], 0, sizeof ds[m]);
			rc = doc_load(s, &s->units[c[i + m].unit], c[i + m].doc, &ds[m], &cur[m], err);
			bytes += ds[m].e.size;
			m++;
		}
		if (rc == NPK_OK && (s->o->snippets || !exact))
			texts_read(s, c + i, ds, cur, m);
		size_t k = 0;
		for (; rc == NPK_OK && k < m && res->nhits < want; k++) {
			int taken;
			rc = candidate(s, &c[i + k], &ds[k], cur[k], exact, res, &taken, err);
			if (rc == NPK_OK && !taken && !exact)
				res->matched--;
		}
		for (size_t j = 0; j < m; j++)
			doc_free(&ds[j]);
		i += k;
	}
	*looked = i;
	return rc;
}

static int heap_less(const cand *a, const cand *b)
{
	return cand_cmp(a, b) > 0; /* a ranks below b */
}

static void heap_down(cand *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		if (l < n && heap_less(&h[l], &h[m]))
			m = l;
		if (l + 1 < n && heap_less(&h[l + 1], &h[m]))
			m = l + 1;
		if (m == i)
			return;
		cand t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

/* The hits v[0..n) of unit u into the min-heap h of the best k (m of
 * them so far); returns the new m (h is a heap once m reaches k). */
static size_t top_k_add(cand *h, size_t m, size_t k, const hit *v, size_t n, uint32_t u)
{
	for (size_t i = 0; i < n; i++) {
		/* the heap full, a lower score than its worst's cannot enter
		 * (the common case, told by one comparison) */
		if (m == k && v[i].score < h[0].score)
			continue;
		cand c = {v[i].score, u, v[i].doc};
		if (m < k) {
			h[m++] = c;
			if (m == k)
				for (size_t j = k / 2 + 1; j-- > 0;)
					heap_down(h, m, j);
		} else if (heap_less(&h[0], &c)) {
			h[0] = c;
			heap_down(h, m, 0);
		}
	}
	return m;
}

static int rank(search *s, set *sets, int exact, npk_search_result *res, npk_error *err)
{
	size_t total = 0;
	for (size_t u = 0; u < s->nunits; u++)
		total += sets[u].n;
	res->matched = total;
	res->matched_exact = exact;
	for (size_t u = 0; u < s->nunits; u++)
		res->matched_exact &= !s->units[u].chain;
	size_t want = s->o->limit ? s->o->limit : 10;
	res->hits = calloc(want, sizeof *res->hits);
	NPK_FAIL_IF(res->hits == NULL, err, NPK_E_NOMEM, "search: out of memory");
	/* the best few first, chosen from the sets; all of them sorted only
	 * when checks turn many away */
	size_t batch = want * 4 + 32, done = 0;
	cand *top = malloc((batch < total ? batch : total ? total : 1) * sizeof *top);
	NPK_FAIL_IF(top == NULL, err, NPK_E_NOMEM, "search: out of memory");
	size_t m = 0;
	for (size_t u = 0; u < s->nunits; u++)
		m = top_k_add(top, m, batch, sets[u].v, sets[u].n, (uint32_t)u);
	qsort(top, m, sizeof *top, cand_cmp);
	int rc = candidates(s, top, m, exact, want, res, &done, err);
	cand *all = NULL;
	if (rc == NPK_OK && res->nhits < want && done < total) {
		all = malloc(total * sizeof *all);
		rc = all ? NPK_OK : npk__fail(err, NPK_E_NOMEM, "search: out of memory");
		size_t k = 0;
		for (size_t u = 0; rc == NPK_OK && u < s->nunits; u++)
			for (size_t i = 0; i < sets[u].n; i++)
				all[k++] = (cand){sets[u].v[i].score, (uint32_t)u, sets[u].v[i].doc};
		if (rc == NPK_OK)
			qsort(all, total, sizeof *all, cand_cmp);
		size_t more;
		if (rc == NPK_OK)
			rc = candidates(s, all + done, total - done, exact, want, res, &more, err);
	}
	free(top);
	free(all);
	return rc;
}

int npk_search(npk_reader *const *readers, size_t n, const char *query,
               const npk_search_opts *opts, npk_search_result *res, npk_error *err)
{
	memset(res, 0, sizeof *res);
	npk_search_opts def = {.limit = 10, .snippets = 1};
	search s = {.o = opts ? opts : &def, .readers = readers, .nreaders = n, .err = err};
	npk__qnode *root = NULL;
	NPK_FORWARD(npk__query_parse(query, strlen(query), &root, err));
	s.root = root;
	set *sets = NULL;
	/* the term rules and the texts' decoders of the last search with the
	 * same first reader, or new ones kept for the next */
	kept *k = n > 0 ? kept_of(readers[0]) : NULL;
	int rc = n == 0 || k != NULL ? NPK_OK : npk__fail(err, NPK_E_NOMEM, "search: out of memory");
	if (rc == NPK_OK && (k == NULL || k->tc == NULL))
		rc = npk__text_ctx_new(&s.tc, err);
	else if (rc == NPK_OK)
		s.tc = k->tc;
	if (k != NULL) {
		k->tc = s.tc;
		s.ap[0] = k->ap[0];
		s.ap[1] = k->ap[1];
	}
	if (rc == NPK_OK)
		rc = units_open(&s, res, err);
	if (rc == NPK_OK)
		rc = leaves_make(&s, err);
	if (rc == NPK_OK) {
		sets = calloc(s.nunits ? s.nunits : 1, sizeof *sets);
		rc = sets ? NPK_OK : npk__fail(err, NPK_E_NOMEM, "search: out of memory");
	}
	int exact = 1;
	for (size_t u = 0; rc == NPK_OK && u < s.nunits; u++) {
		rc = eval(&s, u, root, NULL, &sets[u], err);
		exact &= sets[u].exact;
	}
	if (rc == NPK_OK)
		rc = rank(&s, sets, exact, res, err);
	for (size_t u = 0; sets && u < s.nunits; u++)
		set_free(&sets[u]);
	free(sets);
	for (size_t i = 0; i < s.nleaves; i++)
		leaf_free(&s.leaves[i], s.nunits);
	free(s.dfs);
	free(s.wm);
	npk__buf_free(&s.wmbytes);
	for (size_t t = 0; t < 2; t++) {
		npk__apart_trim(s.ap[t], KEPT_APART_MAX);
		if (k != NULL)
			k->ap[t] = s.ap[t];
		else
			npk__apart_free(s.ap[t]);
	}
	units_free(&s);
	for (size_t i = 0; i < s.nchains; i++)
		free(s.ends[i]);
	if (k == NULL)
		npk__text_ctx_free(s.tc);
	npk__query_free(root);
	if (rc != NPK_OK)
		npk_search_result_free(res);
	return rc;
}

void npk_search_result_free(npk_search_result *res)
{
	for (size_t i = 0; i < res->nhits; i++) {
		free(res->hits[i].path);
		free(res->hits[i].title);
		free(res->hits[i].date);
		free(res->hits[i].snippet);
		free(res->hits[i].marks);
	}
	free(res->hits);
	memset(res, 0, sizeof *res);
}
