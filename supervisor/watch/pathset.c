/* SPDX-License-Identifier: ISC */
/*
 * supervisor/watch/pathset.c
 * The set behind "what changed": linear lookups are fine at this size.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pathset.h"

void
pathset_add(struct pathset *s, const char *path)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->p[i], path) == 0)
			return;
	if (s->n >= PATHSET_MAX) {
		s->dropped++;
		return;
	}
	if (s->n % 16 == 0) {
		char **p = realloc(s->p, (s->n + 16) * sizeof(*p));
		if (p == NULL) {
			s->dropped++;
			return;
		}
		s->p = p;
	}
	if ((s->p[s->n] = strdup(path)) == NULL) {
		s->dropped++;
		return;
	}
	s->n++;
}

/* Counted like a path past PATHSET_MAX: the list is no longer complete. */
void
pathset_add_unknown(struct pathset *s)
{
	s->dropped++;
}

bool
pathset_empty(const struct pathset *s)
{
	return s->n == 0 && s->dropped == 0;
}

size_t
pathset_total(const struct pathset *s)
{
	return s->n + s->dropped;
}

void
pathset_merge(struct pathset *dst, struct pathset *src)
{
	for (size_t i = 0; i < src->n; i++)
		pathset_add(dst, src->p[i]);
	dst->dropped += src->dropped;
	pathset_clear(src);
}

size_t
pathset_join(const struct pathset *s, const char *sep, char *buf, size_t size)
{
	size_t len = 0, seplen = strlen(sep);

	if (size == 0)
		return 0;
	buf[0] = '\0';
	for (size_t i = 0; i < s->n; i++) {
		size_t plen = strlen(s->p[i]);
		size_t need = (i ? seplen : 0) + plen;
		if (len + need >= size)
			break;
		if (i) {
			memcpy(buf + len, sep, seplen);
			len += seplen;
		}
		memcpy(buf + len, s->p[i], plen);
		len += plen;
		buf[len] = '\0';
	}
	return len;
}

void
pathset_summary(const struct pathset *s, char *buf, size_t size)
{
	size_t shown = s->n < 3 ? s->n : 3, len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < shown && len < size; i++)
		len += (size_t)snprintf(
		    buf + len, size - len, "%s%s", i ? ", " : "", s->p[i]);
	if (pathset_total(s) > shown && len < size)
		snprintf(buf + len, size - len, " (+%zu more)",
		    pathset_total(s) - shown);
}

void
pathset_clear(struct pathset *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->p[i]);
	free(s->p);
	s->p = NULL;
	s->n = 0;
	s->dropped = 0;
}

void
pathset_remove_if(struct pathset *s, bool (*drop)(const char *path))
{
	size_t kept = 0;

	for (size_t i = 0; i < s->n; i++) {
		if (drop(s->p[i]))
			free(s->p[i]);
		else
			s->p[kept++] = s->p[i];
	}
	s->n = kept;
}
