/* SPDX-License-Identifier: ISC */
/*
 * config/errors.c
 * The error sink of config/: the JSON path being read ("jobs.site.cmd"),
 * the message, and the one-line rendering the executables print. The path
 * is kept in err->e_path while walking, so that the message can be written
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

/* Fill the message; always returns -1 so that callers can return it. */
int
cfg_errf(struct cfg_err *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->e_msg, sizeof(err->e_msg), fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * Append ".key" (or "key" at the top) and return the old length for
 * cfg_path_pop. A path longer than e_path is cut; it only feeds messages.
 */
size_t
cfg_path_push(struct cfg_err *err, const char *key)
{
	size_t mark = strlen(err->e_path);

	snprintf(err->e_path + mark, sizeof(err->e_path) - mark, "%s%s",
	    mark ? "." : "", key);
	return mark;
}

size_t
cfg_path_index(struct cfg_err *err, size_t i)
{
	size_t mark = strlen(err->e_path);

	snprintf(err->e_path + mark, sizeof(err->e_path) - mark, "[%zu]", i);
	return mark;
}

/*
 * Once a message is written the path must stay where the failure was, so a
 * pop after an error (an unwinding caller) is ignored.
 */
void
cfg_path_pop(struct cfg_err *err, size_t mark)
{
	if (err->e_msg[0] != '\0')
		return;
	if (mark < sizeof(err->e_path))
		err->e_path[mark] = '\0';
}

void
cfg_path_set(struct cfg_err *err, const char *path)
{
	snprintf(err->e_path, sizeof(err->e_path), "%s", path);
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

void
cfg_err_format(const struct cfg_err *err, char *buf, size_t size)
{
	if (size == 0)
		return;
	if (err->e_line > 0 && err->e_col == 0) /* a .env line */
		snprintf(buf, size, "%s:%d: %s", err->e_file, err->e_line,
		    err->e_msg);
	else if (err->e_line > 0)
		snprintf(buf, size, "%s:%d:%d: %s", err->e_file, err->e_line,
		    err->e_col, err->e_msg);
	else if (err->e_path[0] != '\0')
		snprintf(buf, size, "%s: %s: %s", err->e_file, err->e_path,
		    err->e_msg);
	else
		snprintf(buf, size, "%s: %s", err->e_file, err->e_msg);
}
