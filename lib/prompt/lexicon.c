/*
 * lib/prompt/lexicon.c - word lists, tokenizer, term matching.
 * Not here: the prompt rules (validate.c) or the compressor (compress.c).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/embed.h"
#include "lib/prompt/lexicon.h"

/* A protected term or filler phrase: up to LEX_TERM_WORDS word hashes. */
struct lex_term {
	uint64_t	 h[LEX_TERM_WORDS];
	int		 nwords;
	char		*text;
};

struct lex_list {
	struct lex_term	*v;		/* sorted by first-word hash */
	size_t		 n;
};

struct prompt_lexicon {
	struct lex_list	 protected;
	struct lex_list	 fillers;
	uint64_t	*stops;		/* sorted */
	size_t		 nstops;
	uint64_t	*filler_words;	/* single-word fillers, sorted */
	size_t		 nfiller_words;
};

static bool
word_byte(unsigned char c)
{
	return isalnum(c) || c >= 0x80;
}

/* Inner joiners: "sci-fi", "bird's", "f/1.8", "3.5". */
static bool
joiner(const char *t, size_t i, size_t len)
{
	return (t[i] == '-' || t[i] == '\'' || t[i] == '/' || t[i] == '.') &&
	    i > 0 && i + 1 < len && word_byte((unsigned char)t[i - 1]) &&
	    word_byte((unsigned char)t[i + 1]);
}

uint64_t
prompt_word_hash(const char *w, size_t len)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)tolower((unsigned char)w[i]);
		h *= 1099511628211ULL;
	}
	return h;
}

enum err
prompt_tokenize(const char *t, size_t len, struct prompt_tok **out,
    size_t *n)
{
	struct prompt_tok *v;
	size_t i = 0, start, cap = len / 2 + 1;

	*n = 0;
	if ((v = *out = malloc(cap * sizeof(*v))) == NULL)
		return ERR_NOMEM;
	while (i < len) {
		while (i < len && !word_byte((unsigned char)t[i]))
			i++;
		if (i >= len)
			break;
		start = i;
		while (i < len && (word_byte((unsigned char)t[i]) ||
		    joiner(t, i, len)))
			i++;
		v[*n].off = (uint32_t)start;
		v[*n].len = (uint32_t)(i - start);
		v[*n].hash = prompt_word_hash(t + start, i - start);
		(*n)++;
	}
	return ERR_OK;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int
cmp_term(const void *a, const void *b)
{
	const struct lex_term *x = a, *y = b;

	if (x->h[0] != y->h[0])
		return x->h[0] < y->h[0] ? -1 : 1;
	return y->nwords - x->nwords;	/* longest first */
}

/* Calls fn for each non-comment, non-blank line of embedded file path. */
static enum err
each_line(const char *path, enum err (*fn)(void *, const char *, size_t),
    void *arg)
{
	const struct embed_file *f = embed_get(path);
	const char *p, *nl;
	enum err e = ERR_OK;

	if (f == NULL)
		return ERR_INTERNAL;
	for (p = f->data; e == ERR_OK && *p != '\0'; p = *nl ? nl + 1 : nl) {
		if ((nl = strchr(p, '\n')) == NULL)
			nl = p + strlen(p);
		if (p[0] != '#' && nl > p)
			e = fn(arg, p, (size_t)(nl - p));
	}
	return e;
}

static enum err
add_term(void *arg, const char *line, size_t len)
{
	struct lex_list *l = arg;
	struct prompt_tok *toks = NULL;
	struct lex_term *t, *nv;
	size_t n, i;

	if (prompt_tokenize(line, len, &toks, &n) != ERR_OK)
		return ERR_NOMEM;
	if (n == 0 || n > LEX_TERM_WORDS) {
		free(toks);
		return n == 0 ? ERR_OK : ERR_INTERNAL;
	}
	if ((nv = realloc(l->v, (l->n + 1) * sizeof(*nv))) == NULL) {
		free(toks);
		return ERR_NOMEM;
	}
	l->v = nv;
	t = &l->v[l->n];
	memset(t, 0, sizeof(*t));
	for (i = 0; i < n; i++)
		t->h[i] = toks[i].hash;
	t->nwords = (int)n;
	t->text = strndup(line, len);
	free(toks);
	if (t->text == NULL)
		return ERR_NOMEM;
	l->n++;
	return ERR_OK;
}

struct hash_set {
	uint64_t	*v;
	size_t		 n;
};

static enum err
add_word(void *arg, const char *line, size_t len)
{
	struct hash_set *s = arg;
	uint64_t *nv;

	if ((nv = realloc(s->v, (s->n + 1) * sizeof(*nv))) == NULL)
		return ERR_NOMEM;
	s->v = nv;
	s->v[s->n++] = prompt_word_hash(line, len);
	return ERR_OK;
}

/* Single-word fillers also go to a plain set for quick look-ups. */
static enum err
split_fillers(struct prompt_lexicon *lex)
{
	size_t i;

	for (i = 0; i < lex->fillers.n; i++) {
		uint64_t *nv;

		if (lex->fillers.v[i].nwords != 1)
			continue;
		nv = realloc(lex->filler_words, (lex->nfiller_words + 1) *
		    sizeof(*nv));
		if (nv == NULL)
			return ERR_NOMEM;
		lex->filler_words = nv;
		lex->filler_words[lex->nfiller_words++] = lex->fillers.v[i].h[0];
	}
	qsort(lex->filler_words, lex->nfiller_words, sizeof(uint64_t),
	    cmp_u64);
	return ERR_OK;
}

enum err
prompt_lexicon_load(struct prompt_lexicon **out)
{
	struct prompt_lexicon *lex;
	struct hash_set stops = { NULL, 0 };
	enum err e;

	if ((lex = *out = calloc(1, sizeof(*lex))) == NULL)
		return ERR_NOMEM;
	e = each_line("lib/prompt/data/protected.txt", add_term,
	    &lex->protected);
	if (e == ERR_OK)
		e = each_line("lib/prompt/data/fillers.txt", add_term,
		    &lex->fillers);
	if (e == ERR_OK)
		e = each_line("lib/prompt/data/stopwords.txt", add_word, &stops);
	lex->stops = stops.v;
	lex->nstops = stops.n;
	if (e == ERR_OK)
		e = split_fillers(lex);
	if (e != ERR_OK) {
		prompt_lexicon_free(lex);
		*out = NULL;
		return e;
	}
	qsort(lex->protected.v, lex->protected.n, sizeof(struct lex_term),
	    cmp_term);
	qsort(lex->fillers.v, lex->fillers.n, sizeof(struct lex_term),
	    cmp_term);
	qsort(lex->stops, lex->nstops, sizeof(uint64_t), cmp_u64);
	return ERR_OK;
}

static void
list_free(struct lex_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i].text);
	free(l->v);
}

void
prompt_lexicon_free(struct prompt_lexicon *lex)
{
	if (lex == NULL)
		return;
	list_free(&lex->protected);
	list_free(&lex->fillers);
	free(lex->stops);
	free(lex->filler_words);
	free(lex);
}

static bool
in_set(const uint64_t *v, size_t n, uint64_t h)
{
	return n > 0 && bsearch(&h, v, n, sizeof(*v), cmp_u64) != NULL;
}

bool
prompt_is_stop(const struct prompt_lexicon *lex, uint64_t h)
{
	return in_set(lex->stops, lex->nstops, h);
}

bool
prompt_is_filler_word(const struct prompt_lexicon *lex, uint64_t h)
{
	return in_set(lex->filler_words, lex->nfiller_words, h);
}

/* Longest term of l starting at toks[i]; its index, or -1. */
static int
list_match(const struct lex_list *l, const struct prompt_tok *toks,
    size_t n, size_t i, int *words)
{
	size_t lo = 0, hi = l->n, mid, k;
	int w;

	while (lo < hi) {		/* first term with this first word */
		mid = (lo + hi) / 2;
		if (l->v[mid].h[0] < toks[i].hash)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (k = lo; k < l->n && l->v[k].h[0] == toks[i].hash; k++) {
		if (i + (size_t)l->v[k].nwords > n)
			continue;
		for (w = 1; w < l->v[k].nwords; w++)
			if (toks[i + (size_t)w].hash != l->v[k].h[w])
				break;
		if (w == l->v[k].nwords) {
			*words = w;
			return (int)k;
		}
	}
	return -1;
}

int
prompt_term_at(const struct prompt_lexicon *lex, const struct prompt_tok *toks,
    size_t n, size_t i, int *words)
{
	return list_match(&lex->protected, toks, n, i, words);
}

int
prompt_filler_at(const struct prompt_lexicon *lex,
    const struct prompt_tok *toks, size_t n, size_t i, int *words)
{
	return list_match(&lex->fillers, toks, n, i, words);
}

const char *
prompt_term_text(const struct prompt_lexicon *lex, int t)
{
	return lex->protected.v[t].text;
}

size_t
prompt_term_count(const struct prompt_lexicon *lex)
{
	return lex->protected.n;
}

enum err
prompt_terms_find(const struct prompt_lexicon *lex, const char *text,
    bool *seen)
{
	struct prompt_tok *toks = NULL;
	size_t n, i;
	int t, w;

	if (prompt_tokenize(text, strlen(text), &toks, &n) != ERR_OK)
		return ERR_NOMEM;
	for (i = 0; i < n; i++)
		if ((t = prompt_term_at(lex, toks, n, i, &w)) >= 0)
			seen[t] = true;
	free(toks);
	return ERR_OK;
}

size_t
prompt_chars_n(const char *s, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xc0) != 0x80;
	return n;
}

size_t
prompt_chars(const char *s)
{
	return prompt_chars_n(s, strlen(s));
}
