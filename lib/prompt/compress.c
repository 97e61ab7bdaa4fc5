/*
 * lib/prompt/compress.c - the local compressor.
 *
 * The text is cut into sentences (ended by . ! ? before a space or the
 * end) and phrases (ended by , or ;). Then, in order:
 * 1. protected terms are found (their words are never dropped);
 * 2. filler words and phrases (data/fillers.txt) are dropped, and a word
 *    repeated right after itself ("very very") once;
 * 3. a phrase whose text (case-folded) was seen before is dropped: this
 *    removes repeated sentences and phrases;
 * 4. while the result is not under the target, the sentence with the
 *    lowest density ((3 x protected terms + content words) / characters;
 *    the later one on a tie) is dropped, never the first; then phrases
 *    the same way, never the first one (the subject);
 * 5. protected terms whose phrases were dropped are appended at the end;
 *    if it is still too long the text is cut at a word boundary.
 * Everything is a pure function of the input: the output is deterministic.
 *
 * Not here: Ollama (optimize.c), the length rules (validate.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/util.h"
#include "lib/prompt/compress.h"
#include "lib/prompt/lexicon.h"

struct cphrase {
	size_t	 t0, t1;	/* tokens [t0, t1) */
	size_t	 off, end;	/* bytes */
	size_t	 sent;
	int	 dropped;
	double	 density;
	char	*text;		/* rendered, malloc'd */
	size_t	 chars;
};

struct csent {
	size_t	 p0, p1;	/* phrases [p0, p1) */
	char	 term;		/* '.', '!', '?' or 0 */
	int	 dropped;
	size_t	 chars;		/* rendered length, kept phrases */
};

struct cstate {
	const struct prompt_lexicon	*lex;
	const char			*t;
	size_t				 len;
	struct prompt_tok		*toks;
	size_t				 ntok;
	unsigned char			*gone;	/* per token: dropped */
	unsigned char			*prot;	/* per token: in a term */
	struct cphrase			*ph;
	size_t				 nph;
	struct csent			*se;
	size_t				 nse;
	int				*term_of;	/* occurrence: term */
	size_t				*phrase_of;	/* occurrence: phrase */
	size_t				 nocc;
	int				*kept_count;	/* per term */
	unsigned char			*term_in;	/* per term: in input */
};

static bool
ends_sentence(const char *t, size_t i, size_t len)
{
	return (t[i] == '.' || t[i] == '!' || t[i] == '?') &&
	    (i + 1 == len || t[i + 1] == ' ');
}

/* Cuts the text into phrases and sentences. */
static enum err
segment(struct cstate *s)
{
	size_t i, start = 0, k = 0, ps = 0;

	/* Every byte may end a phrase (",,,,"): one slot per byte, plus one. */
	s->ph = calloc(s->len + 2, sizeof(*s->ph));
	s->se = calloc(s->len + 2, sizeof(*s->se));
	if (s->ph == NULL || s->se == NULL)
		return ERR_NOMEM;
	for (i = 0; i <= s->len; i++) {
		bool send = i < s->len && ends_sentence(s->t, i, s->len);

		if (i < s->len && !send && s->t[i] != ',' && s->t[i] != ';')
			continue;
		s->ph[s->nph] = (struct cphrase){ .off = start, .end = i,
		    .sent = s->nse, .t0 = k };
		while (k < s->ntok && s->toks[k].off < i)
			k++;
		s->ph[s->nph++].t1 = k;
		if (send || i == s->len) {
			s->se[s->nse++] = (struct csent){ ps, s->nph,
			    send ? s->t[i] : 0, 0, 0 };
			ps = s->nph;
		}
		start = i + 1;
	}
	return ERR_OK;
}

static size_t
phrase_at(const struct cstate *s, size_t tok)
{
	size_t lo = 0, hi = s->nph;

	while (lo + 1 < hi) {		/* last phrase with t0 <= tok */
		size_t mid = (lo + hi) / 2;

		if (s->ph[mid].t0 <= tok)
			lo = mid;
		else
			hi = mid;
	}
	while (lo + 1 < s->nph && s->ph[lo].t1 <= tok)
		lo++;
	return lo;
}

/* Step 1: protected term occurrences. */
static enum err
find_protected(struct cstate *s)
{
	size_t i, nterms = prompt_term_count(s->lex);
	int t, w, k;

	s->term_of = malloc((s->ntok + 1) * sizeof(int));
	s->phrase_of = malloc((s->ntok + 1) * sizeof(size_t));
	s->kept_count = calloc(nterms + 1, sizeof(int));
	s->term_in = calloc(nterms + 1, 1);
	if (!s->term_of || !s->phrase_of || !s->kept_count || !s->term_in)
		return ERR_NOMEM;
	for (i = 0; i < s->ntok; i++) {
		if ((t = prompt_term_at(s->lex, s->toks, s->ntok, i, &w)) < 0)
			continue;
		for (k = 0; k < w; k++)
			s->prot[i + (size_t)k] = 1;
		s->term_of[s->nocc] = t;
		s->phrase_of[s->nocc++] = phrase_at(s, i);
		s->term_in[t] = 1;
	}
	return ERR_OK;
}

/* Step 2: fillers and immediate repeats. */
static void
drop_fillers(struct cstate *s)
{
	size_t i, prev = (size_t)-1;
	int w, k, safe;

	for (i = 0; i < s->ntok; i++) {
		if (s->prot[i] || prompt_filler_at(s->lex, s->toks, s->ntok, i,
		    &w) < 0)
			continue;
		for (safe = 1, k = 0; k < w; k++)
			safe &= !s->prot[i + (size_t)k];
		for (k = 0; safe && k < w; k++)
			s->gone[i + (size_t)k] = 1;
	}
	for (i = 0; i < s->ntok; i++) {
		if (s->gone[i])
			continue;
		if (prev != (size_t)-1 && !s->prot[i] &&
		    s->toks[prev].hash == s->toks[i].hash &&
		    phrase_at(s, prev) == phrase_at(s, i))
			s->gone[i] = 1;
		else
			prev = i;
	}
}

/* The phrase's text without its dropped words, spaces collapsed. */
static char *
render_phrase(const struct cstate *s, const struct cphrase *p, size_t *chars)
{
	char *out = malloc(p->end - p->off + 1), *o = out;
	size_t i = p->off, k = p->t0;

	if (out == NULL)
		return NULL;
	while (i < p->end) {
		if (k < p->t1 && s->toks[k].off == i) {
			if (s->gone[k]) {
				i += s->toks[k].len;
				k++;
				continue;
			}
			k++;
		}
		if (s->t[i] != ' ' || (o > out && o[-1] != ' '))
			*o++ = s->t[i];
		i++;
	}
	while (o > out && o[-1] == ' ')
		o--;
	*o = '\0';
	*chars = prompt_chars_n(out, (size_t)(o - out));
	return out;
}

struct keyed {
	uint64_t	hash;
	size_t		idx;
};

static int
cmp_keyed(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Step 3: render every phrase, drop empty ones and repeats. */
static enum err
render_and_dedup(struct cstate *s)
{
	struct keyed *v = malloc((s->nph + 1) * sizeof(*v));
	size_t i, m = 0;

	if (v == NULL)
		return ERR_NOMEM;
	for (i = 0; i < s->nph; i++) {
		s->ph[i].text = render_phrase(s, &s->ph[i], &s->ph[i].chars);
		if (s->ph[i].text == NULL) {
			free(v);
			return ERR_NOMEM;
		}
		if (s->ph[i].chars == 0)
			s->ph[i].dropped = 1;
		else
			v[m++] = (struct keyed){ prompt_word_hash(s->ph[i].text,
			    strlen(s->ph[i].text)), i };
	}
	qsort(v, m, sizeof(*v), cmp_keyed);
	for (i = 1; i < m; i++)
		if (v[i].hash == v[i - 1].hash)
			s->ph[v[i].idx].dropped = 1;
	free(v);
	return ERR_OK;
}

static void
score_phrases(struct cstate *s)
{
	size_t i, k;
	double score;

	for (i = 0; i < s->nph; i++) {
		score = 0;
		for (k = s->ph[i].t0; k < s->ph[i].t1; k++)
			score += !s->gone[k] && s->toks[k].len >= 3 &&
			    !prompt_is_stop(s->lex, s->toks[k].hash);
		s->ph[i].density = score / (double)(s->ph[i].chars + 1);
	}
	for (i = 0; i < s->nocc; i++)
		s->ph[s->phrase_of[i]].density += 3.0 /
		    (double)(s->ph[s->phrase_of[i]].chars + 1);
	for (i = 0; i < s->nocc; i++)
		s->kept_count[s->term_of[i]] += !s->ph[s->phrase_of[i]].dropped;
}

static void
sent_update(struct cstate *s, size_t k)
{
	struct csent *se = &s->se[k];
	size_t i, n = 0, c = 0;

	for (i = se->p0; i < se->p1; i++)
		if (!s->ph[i].dropped) {
			c += s->ph[i].chars + (n ? 2 : 0);
			n++;
		}
	se->chars = n ? c + (se->term != 0) : 0;
}

static size_t
body_chars(const struct cstate *s)
{
	size_t i, c = 0, n = 0;

	for (i = 0; i < s->nse; i++)
		if (s->se[i].chars) {
			c += s->se[i].chars + (n ? 1 : 0);
			n++;
		}
	return c;
}

/* " a, b." for the protected terms no kept phrase carries. */
static size_t
tail_chars(const struct cstate *s)
{
	size_t t, c = 0, n = 0;

	for (t = 0; t < prompt_term_count(s->lex); t++)
		if (s->term_in[t] && s->kept_count[t] == 0) {
			c += prompt_chars(prompt_term_text(s->lex, (int)t)) +
			    (n ? 2 : 0);
			n++;
		}
	return n ? c + 2 : 0;
}

static bool
fits(const struct cstate *s, size_t target)
{
	return body_chars(s) + tail_chars(s) < target;
}

static void
drop_phrase(struct cstate *s, size_t i)
{
	size_t k;

	s->ph[i].dropped = 1;
	for (k = 0; k < s->nocc; k++)
		if (s->phrase_of[k] == i)
			s->kept_count[s->term_of[k]]--;
	sent_update(s, s->ph[i].sent);
}

static double
sent_density(const struct cstate *s, size_t k)
{
	double score = 0;
	size_t i;

	for (i = s->se[k].p0; i < s->se[k].p1; i++)
		if (!s->ph[i].dropped)
			score += s->ph[i].density *
			    (double)(s->ph[i].chars + 1);
	return score / (double)(s->se[k].chars + 1);
}

/* Step 4a: drop whole sentences, least dense first, never the first. */
static void
trim_sentences(struct cstate *s, size_t target)
{
	size_t k, first = s->nse, pick;
	double d, best;

	for (k = 0; k < s->nse && first == s->nse; k++)
		if (s->se[k].chars)
			first = k;
	while (!fits(s, target)) {
		pick = s->nse;
		best = 0;
		for (k = first + 1; k < s->nse; k++) {
			if (!s->se[k].chars)
				continue;
			d = sent_density(s, k);
			if (pick == s->nse || d <= best) {
				best = d;
				pick = k;
			}
		}
		if (pick == s->nse)
			return;
		for (k = s->se[pick].p0; k < s->se[pick].p1; k++)
			if (!s->ph[k].dropped)
				drop_phrase(s, k);
	}
}

/* Step 4b: drop phrases, least dense first, never the first kept one. */
static void
trim_phrases(struct cstate *s, size_t target)
{
	size_t i, first = s->nph, pick;

	for (i = 0; i < s->nph && first == s->nph; i++)
		if (!s->ph[i].dropped)
			first = i;
	while (!fits(s, target)) {
		pick = s->nph;
		for (i = first + 1; i < s->nph; i++)
			if (!s->ph[i].dropped && (pick == s->nph ||
			    s->ph[i].density <= s->ph[pick].density))
				pick = i;
		if (pick == s->nph)
			return;
		drop_phrase(s, pick);
	}
}

static void
buf_add(char **o, const char *s)
{
	size_t n = strlen(s);

	memcpy(*o, s, n);
	*o += n;
}

/* Body text into buf (large enough: len + 1). */
static void
assemble_body(const struct cstate *s, char *buf)
{
	char *o = buf;
	size_t k, i;
	int nsent = 0, nph;

	for (k = 0; k < s->nse; k++) {
		if (!s->se[k].chars)
			continue;
		if (nsent++)
			buf_add(&o, " ");
		for (nph = 0, i = s->se[k].p0; i < s->se[k].p1; i++) {
			if (s->ph[i].dropped)
				continue;
			if (nph++)
				buf_add(&o, ", ");
			buf_add(&o, s->ph[i].text);
		}
		if (s->se[k].term)
			*o++ = s->se[k].term;
	}
	*o = '\0';
}

/* Cuts buf to fewer than max characters, at a space when there is one. */
static void
cut_chars(char *buf, size_t max)
{
	size_t i, n = 0, last_space = 0;

	for (i = 0; buf[i] != '\0'; i++) {
		if (((unsigned char)buf[i] & 0xc0) != 0x80) {
			if (n == max) {
				buf[last_space ? last_space : i] = '\0';
				return;
			}
			n++;
		}
		if (buf[i] == ' ')
			last_space = i;
	}
}

/* Step 5: body, then the lost protected terms, under target. */
static char *
finish(const struct cstate *s, size_t target)
{
	size_t t, tail = tail_chars(s), budget;
	char *out = malloc(s->len + tail + 8 + prompt_term_count(s->lex) * 4),
	    *o;
	int n = 0;

	if (out == NULL)
		return NULL;
	assemble_body(s, out);
	if (prompt_chars(out) + tail >= target) {
		budget = target > tail + 1 ? target - tail - 1 : 0;
		cut_chars(out, budget);
		o = out + strlen(out);
		while (o > out && strchr(" ,;", o[-1]) != NULL)
			*--o = '\0';
	}
	o = out + strlen(out);
	for (t = 0; t < prompt_term_count(s->lex); t++) {
		const char *term = prompt_term_text(s->lex, (int)t);

		if (!s->term_in[t] || s->kept_count[t] != 0)
			continue;
		if (prompt_chars(out) + prompt_chars(term) + 3 >= target)
			break;		/* only when the terms alone overflow */
		buf_add(&o, o == out ? "" : n ? ", " : " ");
		buf_add(&o, term);
		*o = '\0';
		n++;
	}
	if (n > 0)
		buf_add(&o, ".");
	*o = '\0';
	return out;
}

static void
cstate_fini(struct cstate *s)
{
	size_t i;

	for (i = 0; s->ph != NULL && i < s->nph; i++)
		free(s->ph[i].text);
	free(s->ph);
	free(s->se);
	free(s->toks);
	free(s->gone);
	free(s->prot);
	free(s->term_of);
	free(s->phrase_of);
	free(s->kept_count);
	free(s->term_in);
}

static enum err
cstate_build(struct cstate *s)
{
	size_t k;
	enum err e;

	if ((e = prompt_tokenize(s->t, s->len, &s->toks, &s->ntok)) != ERR_OK)
		return e;
	s->gone = calloc(s->ntok + 1, 1);
	s->prot = calloc(s->ntok + 1, 1);
	if (s->gone == NULL || s->prot == NULL)
		return ERR_NOMEM;
	if ((e = segment(s)) != ERR_OK || (e = find_protected(s)) != ERR_OK)
		return e;
	drop_fillers(s);
	if ((e = render_and_dedup(s)) != ERR_OK)
		return e;
	score_phrases(s);
	for (k = 0; k < s->nse; k++)
		sent_update(s, k);
	return ERR_OK;
}

enum err
prompt_compress(const struct prompt_lexicon *lex, const char *text,
    size_t target, struct prompt_compressed *out)
{
	struct cstate s;
	enum err e;

	memset(out, 0, sizeof(*out));
	memset(&s, 0, sizeof(s));
	s.lex = lex;
	s.t = text;
	s.len = strlen(text);
	if ((e = cstate_build(&s)) != ERR_OK)
		goto out;
	trim_sentences(&s, target);
	trim_phrases(&s, target);
	if ((out->text = finish(&s, target)) == NULL) {
		e = ERR_NOMEM;
		goto out;
	}
	out->chars = prompt_chars(out->text);
	out->kept = prompt_keywords_present(lex, out->text);
out:
	cstate_fini(&s);
	return e;
}

void
prompt_compressed_fini(struct prompt_compressed *c)
{
	free(c->text);
	json_decref(c->kept);
	c->text = NULL;
	c->kept = NULL;
}

/* Distinct protected terms of text in order of appearance: indices into
 * *out (malloc'd, caller frees); their number, or -1 on OOM. */
static long
terms_in_order(const struct prompt_lexicon *lex, const char *text, int **out)
{
	struct prompt_tok *toks = NULL;
	bool *seen = calloc(prompt_term_count(lex) + 1, sizeof(bool));
	size_t n = 0, i;
	long m = 0;
	int t, w;

	*out = NULL;
	if (seen == NULL || prompt_tokenize(text, strlen(text), &toks, &n) ||
	    (*out = malloc((n + 1) * sizeof(int))) == NULL) {
		m = -1;
		goto done;
	}
	for (i = 0; i < n; i++)
		if ((t = prompt_term_at(lex, toks, n, i, &w)) >= 0 && !seen[t]) {
			seen[t] = true;
			(*out)[m++] = t;
		}
done:
	free(seen);
	free(toks);
	return m;
}

json_t *
prompt_keywords_present(const struct prompt_lexicon *lex, const char *text)
{
	json_t *a = json_array();
	int *v = NULL;
	long n = terms_in_order(lex, text, &v), i;

	for (i = 0; a != NULL && i < n; i++)
		json_array_append_new(a, json_string(prompt_term_text(lex,
		    v[i])));
	free(v);
	return a;
}

size_t
prompt_keywords_lost(const struct prompt_lexicon *lex, const char *orig,
    const char *cand, char *list, size_t listlen)
{
	bool *have = calloc(prompt_term_count(lex) + 1, sizeof(bool));
	int *v = NULL;
	long n = terms_in_order(lex, orig, &v), i;
	size_t lost = 0, o = 0;

	if (listlen > 0)
		list[0] = '\0';
	if (have != NULL && n > 0 && prompt_terms_find(lex, cand, have) ==
	    ERR_OK)
		for (i = 0; i < n; i++) {
			if (have[v[i]])
				continue;
			if (o < listlen)
				o += (size_t)snprintf(list + o, listlen - o,
				    "%s%s", lost ? ", " : "",
				    prompt_term_text(lex, v[i]));
			lost++;
		}
	free(have);
	free(v);
	return lost;
}
