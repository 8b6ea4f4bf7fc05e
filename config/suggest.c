/* SPDX-License-Identifier: ISC */
/*
 * config/suggest.c
 * "did you mean": the edit distance between a typo and the known words,
 * and the duplicate-key check that cJSON leaves to us (it keeps both
 * members and cJSON_GetObjectItemCaseSensitive returns only the first).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cfg_int.h"
#include "suggest.h"

/* Words longer than this are never close to a key; don't spend on them. */
#define CFG_SUGGEST_MAX 64

/*
 * Optimal string alignment distance (Damerau-Levenshtein where a swapped
 * pair counts one), case-insensitive since "CMD" is a typo of "cmd".
 */
size_t
cfg_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t d[CFG_SUGGEST_MAX + 1][CFG_SUGGEST_MAX + 1];

	if (la > CFG_SUGGEST_MAX || lb > CFG_SUGGEST_MAX)
		return (size_t)-1;
	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++) {
		for (j = 1; j <= lb; j++) {
			int ca = tolower((unsigned char)a[i - 1]);
			int cb = tolower((unsigned char)b[j - 1]);
			size_t cost = ca != cb;
			size_t best = d[i - 1][j] + 1;

			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < best)
				best = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 &&
			    ca == tolower((unsigned char)b[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) == cb &&
			    d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	}
	return d[la][lb];
}

/*
 * The closest candidate, or NULL when none is close enough to be a typo:
 * at most a third of the candidate's length away (at least 1), so "cwdd"
 * finds "cwd" and "debounce" finds "debounce_ms", but "ww" finds nothing.
 */
const char *
cfg_suggest(const char *word, const char *const *cands, size_t ncands)
{
	const char *best = NULL;
	size_t bestd = (size_t)-1, i, wlen = strlen(word);

	for (i = 0; i < ncands; i++) {
		size_t len = strlen(cands[i]);
		size_t limit = len / 3 > 1 ? len / 3 : 1;
		size_t dist;

		/* The distance is at least the difference in length. */
		if ((wlen > len ? wlen - len : len - wlen) > limit)
			continue;
		dist = cfg_distance(word, cands[i]);
		if (dist <= limit && dist < bestd) {
			best = cands[i];
			bestd = dist;
		}
	}
	return best;
}

struct cfg_member {
	const char *key;
	size_t idx;
};

static int
cfg_membercmp(const void *a, const void *b)
{
	const struct cfg_member *x = a, *y = b;
	int r = strcmp(x->key, y->key);

	if (r == 0)
		return x->idx < y->idx ? -1 : x->idx > y->idx;
	return r;
}

/*
 * Report each key that occurs more than once in obj ("duplicate key", at
 * the object's path, once per key), and return by member index 1 for the
 * repeats after the first, which the caller skips: which of them was meant
 * is anybody's guess, and one message per mistake is enough. NULL when no
 * key repeats. Sorting keeps this O(n log n): "jobs" and "env" have
 * free-form keys and a 1 MiB file holds many.
 */
unsigned char *
cfg_repeats(const cJSON *obj, struct cfg_err *err)
{
	const cJSON *it;
	struct cfg_member *m;
	unsigned char *rep = NULL;
	size_t n = 0, i;

	cJSON_ArrayForEach(it, obj) n++;
	if (n < 2)
		return NULL;
	if ((m = calloc(n, sizeof(*m))) == NULL) {
		cfg_errf(err, "out of memory");
		return NULL;
	}
	n = 0;
	cJSON_ArrayForEach(it, obj)
	{
		m[n].key = it->string ? it->string : "";
		m[n].idx = n;
		n++;
	}
	qsort(m, n, sizeof(*m), cfg_membercmp);
	for (i = 1; i < n; i++) {
		if (strcmp(m[i - 1].key, m[i].key) != 0)
			continue;
		if (rep == NULL && (rep = calloc(n, 1)) == NULL) {
			cfg_errf(err, "out of memory");
			break;
		}
		if (i == 1 || strcmp(m[i - 2].key, m[i].key) != 0)
			cfg_errf(err, "duplicate key \"%.200s\"", m[i].key);
		rep[m[i].idx] = 1;
	}
	free(m);
	return rep;
}

/* Is member i one of the repeats cfg_repeats marked? */
bool
cfg_repeat(const unsigned char *repeats, size_t i)
{
	return repeats != NULL && repeats[i] != 0;
}
