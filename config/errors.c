/* SPDX-License-Identifier: ISC */
/*
 * config/errors.c
 * The error sink of config/: the JSON path being read ("jobs.site.cmd"),
 * the list of mistakes (each with its path, a message and, for a syntax
 * error, line and column), and the lines the executables print. The path
 * is kept in err->e_at while walking, so that a message can be written
 * where the failure is seen and the path is already right.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cfg_int.h"

void
cfg_err_clear(struct cfg_err *err, const char *file)
{
	memset(err, 0, sizeof(*err));
	snprintf(err->e_file, sizeof(err->e_file), "%s", file ? file : "");
}

/*
 * Record a mistake at the path being read (none for a syntax error, which
 * has a line instead). Always returns -1 so that callers can return it.
 */
int
cfg_err_add(struct cfg_err *err, int line, int col, const char *msg)
{
	struct cfg_err_item *it;

	if (err->e_count < CFG_MAX_ERRORS) {
		it = &err->e_list[err->e_count];
		snprintf(it->i_path, sizeof(it->i_path), "%s",
		    line > 0 ? "" : err->e_at);
		snprintf(it->i_msg, sizeof(it->i_msg), "%s", msg);
		it->i_line = line;
		it->i_col = line > 0 ? col : 0;
		if (err->e_count == 0) {
			memcpy(err->e_path, it->i_path, sizeof(err->e_path));
			memcpy(err->e_msg, it->i_msg, sizeof(err->e_msg));
			err->e_line = it->i_line;
			err->e_col = it->i_col;
		}
	}
	err->e_count++;
	return -1;
}

int
cfg_errf(struct cfg_err *err, const char *fmt, ...)
{
	char msg[sizeof(err->e_msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return cfg_err_add(err, 0, 0, msg);
}

/* No more room: a message would only be counted (skip costly hints). */
bool
cfg_err_full(const struct cfg_err *err)
{
	return err->e_count >= CFG_MAX_ERRORS;
}

/*
 * Append ".key" (or "key" at the top) and return the old length for
 * cfg_path_pop. A path longer than e_at is cut; it only feeds messages.
 */
size_t
cfg_path_push(struct cfg_err *err, const char *key)
{
	size_t mark = strlen(err->e_at);

	snprintf(err->e_at + mark, sizeof(err->e_at) - mark, "%s%s",
	    mark ? "." : "", key);
	return mark;
}

size_t
cfg_path_index(struct cfg_err *err, size_t i)
{
	size_t mark = strlen(err->e_at);

	snprintf(err->e_at + mark, sizeof(err->e_at) - mark, "[%zu]", i);
	return mark;
}

/* A mistake keeps its own copy of the path, so popping is always safe. */
void
cfg_path_pop(struct cfg_err *err, size_t mark)
{
	if (mark < sizeof(err->e_at))
		err->e_at[mark] = '\0';
}

void
cfg_path_set(struct cfg_err *err, const char *path)
{
	snprintf(err->e_at, sizeof(err->e_at), "%s", path);
}

/*
 * What the user wrote, for "got ...": scalars as JSON text (so a string
 * shows its quotes), containers by their kind since they can be huge.
 */
void
cfg_json_desc(const cJSON *v, char *buf, size_t size)
{
	char *s;
	size_t max = 48;

	if (size == 0)
		return;
	if (v == NULL) {
		snprintf(buf, size, "nothing");
		return;
	}
	if (cJSON_IsObject(v)) {
		snprintf(buf, size, "an object");
		return;
	}
	if (cJSON_IsArray(v)) {
		snprintf(buf, size, "an array");
		return;
	}
	/* cJSON prints an overflowed 1e999 as null, which would mislead. */
	if (cJSON_IsNumber(v) && !isfinite(v->valuedouble)) {
		snprintf(buf, size, "a number out of range");
		return;
	}
	s = cJSON_PrintUnformatted(v);
	if (s == NULL) {
		snprintf(buf, size, "a value");
		return;
	}
	if (strlen(s) > max)
		snprintf(buf, size, "%.*s...", (int)max, s);
	else
		snprintf(buf, size, "%s", s);
	cJSON_free(s);
}

static void
cfg_err_render(
    const char *file, const struct cfg_err_item *it, char *buf, size_t size)
{
	if (it->i_line > 0 && it->i_col == 0) /* a .env line */
		snprintf(buf, size, "%s:%d: %s", file, it->i_line, it->i_msg);
	else if (it->i_line > 0)
		snprintf(buf, size, "%s:%d:%d: %s", file, it->i_line, it->i_col,
		    it->i_msg);
	else if (it->i_path[0] != '\0')
		snprintf(buf, size, "%s: %s: %s", file, it->i_path, it->i_msg);
	else
		snprintf(buf, size, "%s: %s", file, it->i_msg);
}

void
cfg_err_format(const struct cfg_err *err, char *buf, size_t size)
{
	struct cfg_err_item first;

	if (size == 0)
		return;
	memcpy(first.i_path, err->e_path, sizeof(first.i_path));
	memcpy(first.i_msg, err->e_msg, sizeof(first.i_msg));
	first.i_line = err->e_line;
	first.i_col = err->e_col;
	cfg_err_render(err->e_file, &first, buf, size);
}

size_t
cfg_err_nlines(const struct cfg_err *err)
{
	if (err->e_count > CFG_MAX_ERRORS)
		return CFG_MAX_ERRORS + 1;
	return err->e_count;
}

void
cfg_err_line(const struct cfg_err *err, size_t i, char *buf, size_t size)
{
	size_t more;

	if (size == 0)
		return;
	if (i < err->e_count && i < CFG_MAX_ERRORS) {
		cfg_err_render(err->e_file, &err->e_list[i], buf, size);
		return;
	}
	more =
	    err->e_count > CFG_MAX_ERRORS ? err->e_count - CFG_MAX_ERRORS : 0;
	snprintf(buf, size, "%s: and %zu more mistake%s", err->e_file, more,
	    more == 1 ? "" : "s");
}
