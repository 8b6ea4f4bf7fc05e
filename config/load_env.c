/* SPDX-License-Identifier: ISC */
/*
 * config/load_env.c
 * What a job adds to tend's environment, from three places, the later
 * winning: the .env beside the config (a variable tend's own environment
 * already has is left alone, as the dotenv libraries do), the job's
 * env_file files in order, then its "env". Where each variable came from
 * is kept for `tend check` (cfg_env_report). The files are read here; the
 * syntax is dotenv.c's.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_int.h"
#include "dotenv.h"

/* Names this long are padded no further in the report's column. */
#define REPORT_NAME_COL 24

/* One job's result, built beside the job and swapped in on success. */
struct merged {
	struct cfg_strv env;
	struct cfg_env_from *from;
	size_t nfrom;
};

/* dir/path; path alone when it is absolute or dir is "." or NULL. */
static char *
join(const char *dir, const char *path)
{
	char *p;

	if (dir == NULL || strcmp(dir, ".") == 0 || path[0] == '/')
		return strdup(path);
	if (asprintf(&p, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/",
	        path) < 0)
		return NULL;
	return p;
}

/*
 * Read and parse path. A missing file with missing_ok is an empty one. A
 * read failure leaves its reason in err->e_msg for the caller to place; a
 * bad line is placed here: "path:line: message".
 */
static int
read_env(const char *path, bool missing_ok, struct cfg_dotenv *d,
    struct cfg_err *err)
{
	struct cfg_dotenv_err de;
	struct stat st;
	size_t len;
	char *buf;
	int rc;

	memset(d, 0, sizeof(*d));
	if (missing_ok && stat(path, &st) == -1 && errno == ENOENT)
		return 0;
	if (cfg_read_file(path, &buf, &len, err) < 0)
		return -1;
	rc = cfg_dotenv_parse(buf, len, d, &de);
	free(buf);
	if (rc < 0) {
		cfg_err_clear(err, path);
		cfg_err_add(err, (int)de.line, 0, de.msg);
		return -2;
	}
	return 0;
}

static void
merged_free(struct merged *m)
{
	struct cfg_job tmp;

	cfg_strv_free(&m->env);
	memset(&tmp, 0, sizeof(tmp));
	tmp.j_env_from = m->from;
	tmp.j_env_nfrom = m->nfrom;
	cfg_env_from_free(&tmp);
	m->from = NULL;
	m->nfrom = 0;
}

static int
add_from(struct merged *m, const char *name, size_t namelen, const char *file,
    unsigned line, enum cfg_env_src src, enum cfg_env_fate fate)
{
	struct cfg_env_from *nf, *f;

	nf = realloc(m->from, (m->nfrom + 1) * sizeof(*nf));
	if (nf == NULL)
		return -1;
	m->from = nf;
	f = &nf[m->nfrom];
	memset(f, 0, sizeof(*f));
	f->f_name = strndup(name, namelen);
	f->f_file = file ? strdup(file) : NULL;
	f->f_line = line;
	f->f_src = src;
	f->f_fate = fate;
	m->nfrom++;
	if (f->f_name == NULL || (file != NULL && f->f_file == NULL))
		return -1;
	return 0;
}

/* Set name=value over what an earlier source set, noting both. */
static int
set_var(struct merged *m, const char *name, const char *value, const char *file,
    unsigned line, enum cfg_env_src src)
{
	size_t nlen = strlen(name), i;
	char *kv;

	for (i = 0; i < m->nfrom; i++)
		if (m->from[i].f_fate == ENV_USED &&
		    strcmp(m->from[i].f_name, name) == 0)
			m->from[i].f_fate = ENV_OVERRIDDEN;
	if (add_from(m, name, nlen, file, line, src, ENV_USED) < 0 ||
	    asprintf(&kv, "%s=%s", name, value) < 0)
		return -1;
	for (i = 0; i < m->env.n; i++) {
		if (strncmp(m->env.v[i], name, nlen) == 0 &&
		    m->env.v[i][nlen] == '=') {
			free(m->env.v[i]);
			m->env.v[i] = kv;
			return 0;
		}
	}
	if (cfg_strv_push(&m->env, kv) < 0) {
		free(kv);
		return -1;
	}
	free(kv);
	return 0;
}

static int
merge_file(struct merged *m, const struct cfg_dotenv *d, const char *file,
    enum cfg_env_src src)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct cfg_dotenv_var *v = &d->v[i];

		/* tend's own environment wins over .env, not over the rest. */
		if (src == ENV_FROM_DOTENV && getenv(v->name) != NULL) {
			if (add_from(m, v->name, strlen(v->name), file, v->line,
			        src, ENV_SHADOWED) < 0)
				return -1;
			continue;
		}
		if (set_var(m, v->name, v->value, file, v->line, src) < 0)
			return -1;
	}
	return 0;
}

/* env_file number i of j: read, then merged; errors name the file. */
static int
merge_env_file(const struct cfg_job *j, size_t i, const char *dir,
    struct merged *m, struct cfg_err *err)
{
	struct cfg_dotenv d;
	char *path, why[sizeof(err->e_msg)];
	int rc;

	if ((path = join(dir, j->j_env_file.v[i])) == NULL)
		return cfg_errf(err, "out of memory");
	if ((rc = read_env(path, false, &d, err)) == -1) {
		char file[sizeof(err->e_file)];

		/* The read's own error, placed at the key that named it. */
		snprintf(why, sizeof(why), "%s", err->e_msg);
		snprintf(file, sizeof(file), "%s", err->e_file);
		cfg_err_clear(err, file);
		cfg_path_set(err, "jobs");
		cfg_path_push(err, j->j_name);
		cfg_path_push(err, "env_file");
		if (j->j_env_file.n > 1)
			cfg_path_index(err, i);
		cfg_errf(err, "%s: %s", path, why);
	}
	if (rc == 0 && (rc = merge_file(m, &d, path, ENV_FROM_FILE)) < 0)
		cfg_errf(err, "out of memory");
	cfg_dotenv_free(&d);
	free(path);
	return rc < 0 ? -1 : 0;
}

static int
merge_job(const struct cfg_job *j, const struct cfg_dotenv *dot,
    const char *dotpath, const char *dir, struct merged *m, struct cfg_err *err)
{
	if (merge_file(m, dot, dotpath, ENV_FROM_DOTENV) < 0)
		return cfg_errf(err, "out of memory");
	for (size_t i = 0; i < j->j_env_file.n; i++)
		if (merge_env_file(j, i, dir, m, err) < 0)
			return -1;
	for (size_t i = 0; i < j->j_env_own.n; i++) {
		const char *kv = j->j_env_own.v[i], *eq = strchr(kv, '=');
		char *name;
		int rc;

		if (eq == NULL)
			continue; /* only a config built in code */
		if ((name = strndup(kv, (size_t)(eq - kv))) == NULL)
			return cfg_errf(err, "out of memory");
		rc = set_var(m, name, eq + 1, NULL, 0, ENV_FROM_JSON);
		free(name);
		if (rc < 0)
			return cfg_errf(err, "out of memory");
	}
	return 0;
}

int
cfg_env_merge(struct cfg *c, const char *dir, struct cfg_err *err)
{
	struct cfg_dotenv dot;
	struct merged *ms;
	char *dotpath;
	size_t i;
	int rc = 0;

	cfg_err_clear(err, c->c_file ? c->c_file : "command line");
	if ((dotpath = join(dir, ".env")) == NULL)
		return cfg_errf(err, "out of memory");
	/* No job, no reader: `tend serve` alone never trips on a .env. */
	if (!c->c_dotenv || c->c_njobs == 0)
		memset(&dot, 0, sizeof(dot));
	else if ((rc = read_env(dotpath, true, &dot, err)) == -1) {
		char why[sizeof(err->e_msg)];

		snprintf(why, sizeof(why), "%s", err->e_msg);
		cfg_err_clear(err, dotpath);
		cfg_errf(err, "%s", why);
	}
	if (rc < 0) {
		free(dotpath);
		return -1;
	}
	if ((ms = calloc(c->c_njobs + 1, sizeof(*ms))) == NULL) {
		rc = cfg_errf(err, "out of memory");
		goto out;
	}
	for (i = 0; i < c->c_njobs && rc == 0; i++)
		rc = merge_job(&c->c_jobs[i], &dot, dotpath, dir, &ms[i], err);
	/* All or nothing: the jobs change only when every one merged. */
	for (i = 0; i < c->c_njobs; i++) {
		struct cfg_job *j = &c->c_jobs[i];

		if (rc == 0) {
			cfg_strv_free(&j->j_env);
			cfg_env_from_free(j);
			j->j_env = ms[i].env;
			j->j_env_from = ms[i].from;
			j->j_env_nfrom = ms[i].nfrom;
		} else {
			merged_free(&ms[i]);
		}
	}
	free(ms);
out:
	cfg_dotenv_free(&dot);
	free(dotpath);
	return rc;
}

/* --- tend check --- */

static void
label(FILE *f, const struct cfg_env_from *o)
{
	if (o->f_file != NULL)
		fprintf(f, "%s:%u", o->f_file, o->f_line);
	else
		fputs("env", f);
}

/*
 * "NAME  WINNER, over LOSER, ..." for the variable of from[first]: the
 * losers in the order they were applied, tend's own environment after
 * .env (which it beats) and before env_file (which beats it).
 */
static void
report_var(FILE *f, const struct cfg_job *j, size_t first, int width)
{
	const char *name = j->j_env_from[first].f_name;
	const struct cfg_env_from *win = NULL;
	bool tend = getenv(name) != NULL, over = false, tend_said = false;
	size_t i;

	for (i = first; i < j->j_env_nfrom; i++)
		if (strcmp(j->j_env_from[i].f_name, name) == 0 &&
		    j->j_env_from[i].f_fate == ENV_USED)
			win = &j->j_env_from[i];
	fprintf(f, "//   %-*s  ", width, name);
	if (win != NULL)
		label(f, win);
	else
		fputs("tend's environment", f);
	for (i = first; i <= j->j_env_nfrom; i++) {
		const struct cfg_env_from *o =
		    i < j->j_env_nfrom ? &j->j_env_from[i] : NULL;

		if (o != NULL && strcmp(o->f_name, name) != 0)
			continue;
		if (tend && win != NULL && !tend_said &&
		    (o == NULL || o->f_src != ENV_FROM_DOTENV)) {
			fputs(over ? ", " : ", over ", f);
			fputs("tend's environment", f);
			over = tend_said = true;
		}
		if (o == NULL || o == win)
			continue;
		fputs(over ? ", " : ", over ", f);
		label(f, o);
		over = true;
	}
	fputc('\n', f);
}

static void
report_job(FILE *f, const struct cfg_job *j)
{
	int width = 0;
	size_t i, k;

	for (i = 0; i < j->j_env_nfrom; i++) {
		int len = (int)strlen(j->j_env_from[i].f_name);
		if (len > width && len <= REPORT_NAME_COL)
			width = len;
	}
	fprintf(f, "// job \"%s\"\n", j->j_name);
	for (i = 0; i < j->j_env_nfrom; i++) {
		/* Each variable once, where it was first set. */
		for (k = 0; k < i; k++)
			if (strcmp(j->j_env_from[k].f_name,
			        j->j_env_from[i].f_name) == 0)
				break;
		if (k == i)
			report_var(f, j, i, width);
	}
}

char *
cfg_env_report(const struct cfg *c)
{
	char *text = NULL;
	size_t len = 0, i;
	bool any = false;
	FILE *f;

	for (i = 0; i < c->c_njobs; i++)
		any = any || c->c_jobs[i].j_env_nfrom > 0;
	if (!any || (f = open_memstream(&text, &len)) == NULL)
		return NULL;
	fputs("// Where each job's variables come from: the source that "
	      "counts, then those it\n// overrides. \"env\" beats env_file "
	      "(a later file an earlier one), which\n// beats tend's own "
	      "environment, which beats .env.\n",
	    f);
	for (i = 0; i < c->c_njobs; i++)
		if (c->c_jobs[i].j_env_nfrom > 0)
			report_job(f, &c->c_jobs[i]);
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}
