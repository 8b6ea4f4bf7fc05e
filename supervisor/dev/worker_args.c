/* SPDX-License-Identifier: ISC */
/*
 * supervisor/dev/worker_args.c
 * The worker's command line, from the serve section: the worker gets its
 * settings as arguments (it can be started by hand the same way), and a
 * reload compares the command lines to tell whether the running worker
 * can stay (worker.c). One allocation holds the vector, its numbers and
 * the proxy routes ("--proxy PREFIX=ADDR[@JOB]").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dev.h"

struct wargs {
	char drain[32], parent[32], hold[32];
	char *argv[]; /* NULL-terminated */
};

static void
add_list(char **argv, size_t *i, const char *opt, const struct cfg_strv *l)
{
	for (size_t k = 0; k < l->n; k++) {
		argv[(*i)++] = (char *)opt;
		argv[(*i)++] = l->v[k];
	}
}

/*
 * "PREFIX=ADDR" or "PREFIX=ADDR@JOB": the worker cuts at the last '='
 * (an address and a job name hold none) and then at '@' (neither holds
 * one either), so any prefix survives.
 */
static void
add_proxies(char **argv, size_t *i, char *room, const struct cfg_serve *sv)
{
	for (size_t k = 0; k < sv->s_nproxy; k++) {
		const struct cfg_proxy *p = &sv->s_proxy[k];

		argv[(*i)++] = "--proxy";
		argv[(*i)++] = room;
		room = stpcpy(stpcpy(stpcpy(room, p->p_prefix), "="), p->p_to);
		if (p->p_job != NULL)
			room = stpcpy(stpcpy(room, "@"), p->p_job);
		room++;
	}
}

char **
wargs_build(struct dev *d)
{
	const struct cfg_serve *sv = &d->sup.cfg.c_serve;
	size_t n = 32 +
	    2 * (sv->s_hosts.n + sv->s_deny.n + sv->s_allow.n + sv->s_nproxy);
	size_t room = 0;
	struct wargs *wa;
	char **argv;
	size_t i = 0;

	for (size_t k = 0; k < sv->s_nproxy; k++)
		room += strlen(sv->s_proxy[k].p_prefix) +
		    strlen(sv->s_proxy[k].p_to) +
		    (sv->s_proxy[k].p_job != NULL ? strlen(sv->s_proxy[k].p_job)
		                                  : 0) +
		    3;
	if ((wa = calloc(1, sizeof(*wa) + n * sizeof(char *) + room)) == NULL)
		return NULL;
	argv = wa->argv;
	snprintf(wa->drain, sizeof(wa->drain), "%g", sv->s_drain_timeout);
	snprintf(wa->parent, sizeof(wa->parent), "%d", (int)getpid());
	snprintf(wa->hold, sizeof(wa->hold), "%g", sv->s_hold_during_build);
	argv[i++] = "tend";
	argv[i++] = "__worker";
	argv[i++] = "--root";
	argv[i++] = sv->s_root;
	argv[i++] = "--parent";
	argv[i++] = wa->parent;
	argv[i++] = "--drain-timeout";
	argv[i++] = wa->drain;
	argv[i++] = "--http";
	argv[i++] = d->http_addr;
	if (d->udp_fd >= 0) {
		argv[i++] = "--udp";
		argv[i++] = d->udp_addr;
	}
	if (sv->s_udp_log != NULL) {
		argv[i++] = "--udp-log";
		argv[i++] = sv->s_udp_log;
	}
	if (!sv->s_livereload)
		argv[i++] = "--no-livereload";
	if (sv->s_hold_during_build <= 0)
		argv[i++] = "--no-hold";
	else {
		argv[i++] = "--hold";
		argv[i++] = wa->hold;
	}
	if (sv->s_spa)
		argv[i++] = "--spa";
	add_list(argv, &i, "--host", &sv->s_hosts);
	add_list(argv, &i, "--deny", &sv->s_deny);
	add_list(argv, &i, "--allow", &sv->s_allow);
	if (sv->s_status_any)
		argv[i++] = "--status-any";
	add_proxies(argv, &i, (char *)(argv + n), sv);
	argv[i] = NULL;
	return argv;
}

void
wargs_free(char **argv)
{
	if (argv != NULL)
		free((char *)argv - offsetof(struct wargs, argv));
}

/* The command line as one string ('\0' between arguments) and its length. */
char *
wargs_key(char *const *argv, size_t *lenp)
{
	size_t len = 0;
	char *key, *p;

	for (size_t i = 0; argv[i] != NULL; i++)
		len += strlen(argv[i]) + 1;
	if ((key = malloc(len + 1)) == NULL)
		return NULL;
	p = key;
	for (size_t i = 0; argv[i] != NULL; i++)
		p = stpcpy(p, argv[i]) + 1;
	*lenp = len;
	return key;
}
