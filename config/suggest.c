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
	size_t bestd = (size_t)-1, i;

	for (i = 0; i < ncands; i++) {
		size_t len = strlen(cands[i]);
		size_t limit = len / 3 > 1 ? len / 3 : 1;
		size_t dist = cfg_distance(word, cands[i]);

		if (dist <= limit && dist < bestd) {
			best = cands[i];
			bestd = dist;
		}
	}
	return best;
}

static int
cfg_keycmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * A key that occurs twice in obj, or NULL. Sorting keeps this O(n log n):
 * "jobs" and "env" have free-form keys and a 1 MiB file holds many.
 */
const char *
cfg_dup_key(const cJSON *obj)
{
	const cJSON *it;
	const char **keys, *dup = NULL;
	size_t n = 0, i;

	cJSON_ArrayForEach(it, obj) n++;
	if (n < 2)
		return NULL;
	if ((keys = calloc(n, sizeof(*keys))) == NULL)
		return NULL; /* XXX: out of memory only loses this check */
	n = 0;
	cJSON_ArrayForEach(it, obj) keys[n++] = it->string ? it->string : "";
	qsort(keys, n, sizeof(*keys), cfg_keycmp);
	for (i = 1; i < n && dup == NULL; i++)
		if (strcmp(keys[i - 1], keys[i]) == 0)
			dup = keys[i];
	free(keys);
	return dup;
}
