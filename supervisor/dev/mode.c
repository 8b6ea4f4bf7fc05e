/* SPDX-License-Identifier: ISC */
/*
 * supervisor/dev/mode.c
 * Dev mode as sup/ sees it: its struct sup_mode. Open the served root and
 * the listening sockets and start watching before any child exists; start
 * the services and a first build, then the worker; at a stop, drop what
 * is queued and let the worker drain before the services stop.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <ev.h>

#include "dev.h"
#include "listen.h"
#include "log.h"

static void
close_listeners(struct dev *d)
{
	if (d->http_fd >= 0)
		close(d->http_fd);
	if (d->udp_fd >= 0)
		close(d->udp_fd);
	d->http_fd = d->udp_fd = -1;
}

static int
ensure_root(const char *root)
{
	struct stat st;

	if (stat(root, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return 0;
		log_warnx("serve.root: %s is not a directory", root);
		return -1;
	}
	if (errno != ENOENT || mkdir(root, 0777) == -1) {
		log_warn("serve.root: %s", root);
		return -1;
	}
	/* A build usually writes it; serving an empty tree until then is
	 * fine. */
	log_info("created %s (it did not exist)", root);
	return 0;
}

static int
open_listeners(struct dev *d)
{
	const struct cfg_serve *sv = &d->sup.cfg.c_serve;

	d->http_fd = listen_tcp(sv->s_http, d->http_addr, sizeof(d->http_addr));
	if (d->http_fd < 0)
		return -1;
	if (sv->s_udp != NULL) {
		d->udp_fd =
		    listen_udp(sv->s_udp, d->udp_addr, sizeof(d->udp_addr));
		if (d->udp_fd < 0)
			return -1;
	}
	return 0;
}

static int
dev_prepare(struct sup *s)
{
	struct dev *d = dev_of(s);

	ev_init(&d->worker_restart, NULL);
	/* Serving a site, a task is a build: it writes what is served. */
	s->job_env.builds = d->serve;
	if (d->serve) {
		if (ensure_root(s->cfg.c_serve.s_root) == -1)
			return 2;
		if (open_listeners(d) == -1) {
			close_listeners(d);
			return 1;
		}
	}
	queue_alloc(d);
	/* A watch limit error starts nothing. */
	if (changes_start(d) == -1) {
		close_listeners(d);
		return 1;
	}
	return 0;
}

static bool
has_tasks(const struct sup *s)
{
	for (size_t i = 0; i < s->njobs; i++)
		if (s->jobs[i]->j_cfg->j_kind == JOB_TASK)
			return true;
	return false;
}

static void
dev_start(struct sup *s)
{
	struct dev *d = dev_of(s);

	if (d->serve) {
		log_info("serving %s at http://%s/", s->cfg.c_serve.s_root,
		    d->http_addr);
		if (d->udp_fd >= 0)
			log_info("udp events on %s", d->udp_addr);
	}
	/* Queued, then started in dependency order by queue_next. */
	for (size_t i = 0; i < s->njobs; i++)
		if (s->jobs[i]->j_cfg->j_kind == JOB_SERVICE)
			queue_service(d, s->jobs[i]);
	if (has_tasks(s))
		queue_trigger(d, NULL, "start-up");
	else {
		queue_next(s);
		sup_check_idle(s);
	}
	/*
	 * The worker after the first build started: its replay then says a
	 * build runs before its sync (worker_news.c), so a Ctrl-C in its
	 * first loop turn finds it holding, never between the two.
	 */
	if (d->serve && worker_start(d) == -1)
		sup_fail(s, 1); /* the jobs run already: stop them */
}

/*
 * The 1st step: nothing new starts, and the worker answers what it
 * accepted (held requests once the build is done). sup/ then stops the
 * services, after the worker (sup_mode.busy).
 */
static void
dev_finish(struct sup *s)
{
	struct dev *d = dev_of(s);

	queue_drop(d);
	changes_quiesce(d);
	if (d->pending_cfg != NULL) {
		log_info("not reloading the configuration: tend is stopping");
		cfg_free(d->pending_cfg);
		free(d->pending_cfg);
		d->pending_cfg = NULL;
	}
	ev_timer_stop(s->loop, &d->worker_restart);
	/*
	 * No worker alive (a restart was pending): what the kernel queued on
	 * the sockets would be lost with them. Start one just to drain. Not
	 * when the worker stopped on its own interrupt first (the same
	 * Ctrl-C, seen by it before us): it drained them before its BYE.
	 */
	if (d->serve && d->worker == NULL && !d->worker_drained &&
	    d->http_fd >= 0) {
		log_info("starting a worker to answer what is queued");
		worker_start(d);
	}
	worker_stop(d->worker, STOP_GRACEFUL);
	worker_stop_retiring(d, STOP_GRACEFUL);
	/*
	 * Our copies of the sockets stay open until we exit: if the worker
	 * dies while draining (or had just died when the Ctrl-C came), a new
	 * one must still find what the kernel queued (worker.c).
	 */
}

static void
dev_abort(struct sup *s)
{
	struct dev *d = dev_of(s);

	worker_stop(d->worker, STOP_CUT);
	worker_stop_retiring(d, STOP_CUT);
}

static void
dev_kill(struct sup *s)
{
	struct dev *d = dev_of(s);

	worker_kill(d->worker);
	worker_kill_retiring(d);
}

static bool
dev_busy(const struct sup *s)
{
	const struct dev *d = (const struct dev *)s;

	return d->worker != NULL || d->retiring != NULL;
}

static void
dev_trigger(struct sup *s, const char *source)
{
	queue_trigger(dev_of(s), NULL, source);
}

static const char *
dev_request(struct sup *s, struct job *j, const char *source)
{
	struct dev *d = dev_of(s);

	if (j == NULL) {
		queue_trigger(d, NULL, source);
		return NULL;
	}
	if (j->j_cfg->j_kind == JOB_SERVICE && !job_running(j)) {
		if (j->j_state == JS_BACKOFF)
			return "it is in its restart delay and starts then";
		if (j->j_run == RUN_SKIPPED && j->j_blocker != NULL)
			return "it waits for a dependency that failed";
	}
	log_info("%s \"%s\" requested by %s", job_kind_word(j),
	    j->j_cfg->j_name, source);
	queue_trigger_job(d, j);
	return NULL;
}

/* The worker and its addresses, when serving. */
static void
dev_status(struct sup *s, cJSON *root)
{
	struct dev *d = dev_of(s);
	cJSON *w;

	if (!d->serve || d->worker == NULL) {
		cJSON_AddNullToObject(root, "worker");
		return;
	}
	if ((w = cJSON_AddObjectToObject(root, "worker")) == NULL)
		return;
	cJSON_AddNumberToObject(w, "pid", (double)d->worker->w_pid);
	cJSON_AddStringToObject(w, "http", d->http_addr);
	if (d->udp_fd >= 0)
		cJSON_AddStringToObject(w, "udp", d->udp_addr);
	else
		cJSON_AddNullToObject(w, "udp");
}

static void
dev_end(struct sup *s)
{
	struct dev *d = dev_of(s);

	changes_free(d);
	close_listeners(d);
	queue_free(d);
}

static const struct sup_mode dev_mode = {
    .name = "dev",
    .prepare = dev_prepare,
    .start = dev_start,
    .start_job = queue_start_job,
    .next = queue_next,
    .job_ended = queue_job_ended,
    .job_ready = queue_job_ready,
    .job_ending = changes_job_ending,
    .finish = dev_finish,
    .abort = dev_abort,
    .kill = dev_kill,
    .busy = dev_busy,
    .hangup = reload_hangup,
    .trigger = dev_trigger,
    .request = dev_request,
    .status = dev_status,
    .end = dev_end,
};

int
dev_run(struct dev *d)
{
	d->sup.mode = &dev_mode;
	d->http_fd = d->udp_fd = -1;
	d->worker_backoff = 0.05;
	return sup_run(&d->sup);
}
