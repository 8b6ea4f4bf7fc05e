/* SPDX-License-Identifier: ISC */
/*
 * supervisor/jobs/job.c
 * One run of a job: spawn it in its own process group with its stdout and
 * stderr on two pipes, follow the main process and the pipes, and call it
 * finished only when all are done (a straggler holding a pipe gets TERM,
 * then KILL, until its group is empty). Its "log" file is open meanwhile.
 * Stopping escalates on a timer, never a sleep.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ev.h>

#include "fd.h"
#include "job.h"
#include "log.h"
#include "spawn_req.h"

#define STRAGGLER_GRACE 0.2 /* s: output may still be in flight */
#define STRAGGLER_POLL 0.02

extern char **environ;

static void job_finish(struct job *j);

bool
job_running(const struct job *j)
{
	return j->j_state == JS_RUNNING;
}

const char *
job_kind_word(const struct job *j)
{
	if (j->j_cfg->j_kind == JOB_SERVICE)
		return "service";
	return j->j_env->builds ? "build" : "task";
}

static int
exit_code(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return 1;
}

static bool
env_overridden(const struct cfg_strv *env, const char *entry)
{
	size_t klen = strcspn(entry, "=");

	/*
	 * Ours to set. An inherited NOTIFY_SOCKET (tend under systemd) must
	 * never let a job talk to systemd in tend's name.
	 */
	if (strncmp(entry, "TEND_JOB=", 9) == 0 ||
	    strncmp(entry, "TEND_CHANGED=", 13) == 0 ||
	    strncmp(entry, "NOTIFY_SOCKET=", 14) == 0)
		return true;
	for (size_t i = 0; i < env->n; i++)
		if (strncmp(env->v[i], entry, klen) == 0 &&
		    env->v[i][klen] == '=')
			return true;
	return false;
}

/*
 * tend's environment, the job's env on top, TEND_JOB=name and, for a run
 * started by file changes, TEND_CHANGED: the paths, one per line.
 */
static char **
job_envp(const struct cfg_job *c, char *tend_job, char *tend_changed,
    const char *notify)
{
	size_t n = 0, k = 0;
	char **envp;

	while (environ[n] != NULL)
		n++;
	envp = calloc(n + c->j_env.n + 4, sizeof(*envp));
	if (envp == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!env_overridden(&c->j_env, environ[i]))
			envp[k++] = environ[i];
	for (size_t i = 0; i < c->j_env.n; i++)
		envp[k++] = c->j_env.v[i];
	envp[k++] = tend_job;
	if (tend_changed != NULL)
		envp[k++] = tend_changed;
	if (notify != NULL)
		envp[k++] = (char *)notify;
	envp[k] = NULL;
	return envp;
}

static void
on_child(struct ev_loop *loop, ev_child *w, int revents)
{
	struct job *j =
	    (struct job *)((char *)w - offsetof(struct job, j_child));

	(void)revents;
	ev_child_stop(loop, w);
	j->j_wstatus = w->rstatus;
	j->j_exited = true;
	j->j_pid = 0;
	if (j->j_eof) {
		job_finish(j);
		return;
	}
	/*
	 * The main process is gone but someone still holds the pipe: give
	 * in-flight output a moment, then the straggler timer takes over.
	 */
	ev_timer_set(&j->j_straggler, STRAGGLER_GRACE, STRAGGLER_POLL);
	ev_timer_start(loop, &j->j_straggler);
}

/* w: j_out or j_err. */
static void
read_pipe(struct job *j, ev_io *w, bool to_eof)
{
	bool err = w == &j->j_err;
	char buf[16384];

	for (int rounds = 0; w->fd >= 0 && (to_eof || rounds < 8); rounds++) {
		ssize_t n = read(w->fd, buf, sizeof(buf));
		if (n > 0) {
			output_feed(&j->j_output, err, buf, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN && !to_eof)
			return;
		/* EOF, a hard error, or (to_eof) nothing left to wait for. */
		ev_io_stop(j->j_env->loop, w);
		close(w->fd);
		w->fd = -1;
		output_end(&j->j_output, err);
		j->j_eof = j->j_out.fd < 0 && j->j_err.fd < 0;
		return;
	}
}

static void
read_output(struct job *j, bool to_eof)
{
	read_pipe(j, &j->j_out, to_eof);
	read_pipe(j, &j->j_err, to_eof);
}

static void
on_output(struct ev_loop *loop, ev_io *w, int revents)
{
	struct job *j = w->data;

	(void)loop;
	(void)revents;
	/*
	 * Bytes waiting on both pipes: stdout's first, a better guess at the
	 * order they were written in than whichever watcher libev ran first.
	 */
	if (w == &j->j_err)
		read_pipe(j, &j->j_out, false);
	read_pipe(j, w, false);
	if (j->j_eof && j->j_exited)
		job_finish(j);
}

static void
on_straggler(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct job *j =
	    (struct job *)((char *)w - offsetof(struct job, j_straggler));

	(void)revents;
	if (j->j_eof) {
		ev_timer_stop(loop, w);
		return;
	}
	if (j->j_pgid > 0 && kill(-j->j_pgid, 0) == 0) {
		if (!ev_is_active(&j->j_kill)) {
			log_info("%s \"%s\": exited, but processes of its "
			         "group hold its output; stopping them",
			    job_kind_word(j), j->j_cfg->j_name);
			job_signal(j, SIGTERM, true);
		}
		return;
	}
	/*
	 * The group is empty. Whoever still holds the pipe left the group
	 * (setsid); it is swept at exit. Take what is there and finish.
	 */
	ev_timer_stop(loop, w);
	read_output(j, true);
	job_finish(j);
}

static void
on_kill_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct job *j =
	    (struct job *)((char *)w - offsetof(struct job, j_kill));

	(void)loop;
	(void)revents;
	if (j->j_pgid > 0) {
		log_info("%s \"%s\": still running after %g s; SIGKILL",
		    job_kind_word(j), j->j_cfg->j_name,
		    j->j_cfg->j_stop_timeout);
		kill(-j->j_pgid, SIGKILL);
	}
}

static void
on_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct job *j =
	    (struct job *)((char *)w - offsetof(struct job, j_timeout));

	(void)loop;
	(void)revents;
	log_info("%s \"%s\": timed out after %g s; stopping it",
	    job_kind_word(j), j->j_cfg->j_name, j->j_cfg->j_timeout);
	j->j_timed_out = true;
	job_signal(j, j->j_cfg->j_stop_signal, true);
}

static void
on_ready(struct job *j, bool ok, const char *why)
{
	j->j_env->ops->ready(j->j_env->owner, j, ok, why);
}

static void
on_line(void *arg, const char *line, size_t len)
{
	struct job *j = arg;

	ready_line(j, line, len);
	if (j->j_env->ops->line != NULL)
		j->j_env->ops->line(j->j_env->owner, j, line, len);
}

void
job_init(const struct job_env *env, struct job *j, const struct cfg_job *cfg)
{
	memset(j, 0, sizeof(*j));
	j->j_env = env;
	j->j_cfg = cfg;
	j->j_last_status = j->j_shown_status = -1;
	j->j_out.fd = j->j_err.fd = -1;
	ev_init(&j->j_out, on_output);
	ev_init(&j->j_err, on_output);
	j->j_out.data = j->j_err.data = j;
	ev_init(&j->j_timeout, on_timeout);
	ev_init(&j->j_kill, on_kill_timer);
	ev_init(&j->j_straggler, on_straggler);
	job_restart_init(j);
	output_init(
	    &j->j_output, cfg->j_name, env->loop, env->color, STDOUT_FILENO);
	j->j_output.o_line_fn = on_line;
	j->j_output.o_line_arg = j;
}

/* A pipe for the child's stdout or stderr: our end nonblocking, both high. */
static int
out_pipe(int p[2])
{
	if (pipe2(p, O_CLOEXEC) == -1)
		return -1;
	if ((p[0] = fd_move_high(p[0])) < 0 || (p[1] = fd_move_high(p[1])) < 0)
		return -1;
	return fcntl(p[0], F_SETFL, O_NONBLOCK);
}

static void
close_pair(int p[2])
{
	for (int i = 0; i < 2; i++)
		if (p[i] >= 0)
			close(p[i]);
	p[0] = p[1] = -1;
}

/*
 * Announce and spawn the job. Returns 0 when it runs; -1 when it could
 * not start, in which case the run is already recorded as failed
 * (126/127) and reported.
 */
int
job_start(struct job *j)
{
	const struct job_env *env = j->j_env;
	const struct cfg_job *c = j->j_cfg;
	struct spawn_req req;
	char tend_job[sizeof("TEND_JOB=") + 256]; /* names are short */
	char *changed = NULL;
	char **envp;
	int p[2] = {-1, -1}, e[2] = {-1, -1};
	pid_t pid;

	log_info("%s \"%s\" started", job_kind_word(j), c->j_name);
	j->j_exited = j->j_eof = j->j_stopping = j->j_timed_out = false;
	j->j_restarting = j->j_interrupted = false;
	j->j_sigsent = 0;
	j->j_started = ev_now(env->loop);
	j->j_runs++;
	output_reset_tail(&j->j_output);
	output_set_color(&j->j_output, j->j_idx);
	/* Its "log" is not worth failing the run for. */
	if (c->j_log != NULL && output_log_open(&j->j_output, c->j_log) == -1)
		log_warn("%s \"%s\": cannot open its log %s", job_kind_word(j),
		    c->j_name, c->j_log);
	snprintf(tend_job, sizeof(tend_job), "TEND_JOB=%s", c->j_name);
	if (out_pipe(p) == -1 || out_pipe(e) == -1)
		goto fail;
	if (!pathset_empty(&j->j_changes)) {
		size_t size = 16 + PATHSET_MAX * 256;
		if ((changed = malloc(size)) == NULL)
			goto fail;
		memcpy(changed, "TEND_CHANGED=", 13);
		pathset_join(&j->j_changes, "\n", changed + 13, size - 13);
		pathset_clear(&j->j_changes);
	}
	envp = job_envp(c, tend_job, changed, ready_prepare(j));
	if (envp == NULL) {
		free(changed);
		goto fail;
	}
	spawn_req_init(&req);
	req.argv = c->j_argv.v;
	req.search = true;
	req.envp = envp;
	req.cwd = c->j_cwd;
	req.own_group = true;
	req.die_with_parent = true;
	req.stdout_fd = p[1];
	req.stderr_fd = e[1];
	pid = spawn_start(&req);
	free(envp);
	free(changed);
	if (pid == -1)
		goto fail;
	close(p[1]);
	close(e[1]);

	/* ev_child right after the spawn, as ev.pod asks. */
	ev_child_init(&j->j_child, on_child, pid, 0);
	ev_child_start(env->loop, &j->j_child);
	j->j_pid = pid;
	j->j_pgid = pid;
	guard_watch(env->guard, pid);
	j->j_state = JS_RUNNING;
	ev_io_set(&j->j_out, p[0], EV_READ);
	ev_io_start(env->loop, &j->j_out);
	ev_io_set(&j->j_err, e[0], EV_READ);
	ev_io_start(env->loop, &j->j_err);
	if (c->j_timeout > 0) {
		ev_timer_set(&j->j_timeout, c->j_timeout, 0.);
		ev_timer_start(env->loop, &j->j_timeout);
	}
	j->j_ready = false;
	ready_start(j, on_ready);
	return 0;

fail:
	log_warn("%s \"%s\": cannot start %s", job_kind_word(j), c->j_name,
	    c->j_argv.v[0]);
	{
		int code = (errno == ENOENT) ? 127 : 126;
		close_pair(p);
		close_pair(e);
		j->j_state = JS_RUNNING;
		j->j_exited = j->j_eof = true;
		j->j_wstatus = code << 8; /* as if it exited with code */
		job_finish(j);
	}
	return -1;
}

void
job_signal(struct job *j, int signo, bool arm_kill)
{
	const struct job_env *env = j->j_env;
	uint64_t bit = (uint64_t)1 << (signo & 63);

	if (j->j_pgid <= 0)
		return;
	/* Stopping the stragglers of an exited run is no stop of the run. */
	if (!j->j_exited)
		j->j_stopping = true;
	if (!(j->j_sigsent & bit)) {
		j->j_sigsent |= bit;
		kill(-j->j_pgid, signo);
		/* A stopped group cannot act on it until it continues. */
		if (signo != SIGKILL && signo != SIGCONT)
			kill(-j->j_pgid, SIGCONT);
	}
	if (arm_kill && !ev_is_active(&j->j_kill)) {
		ev_timer_set(&j->j_kill, j->j_cfg->j_stop_timeout, 0.);
		ev_timer_start(env->loop, &j->j_kill);
	}
}

/* on_busy "signal": a message to the task (reload, rebuild), not a stop. */
void
job_notify(struct job *j, int signo)
{
	if (j->j_pgid > 0)
		kill(-j->j_pgid, signo);
}

void
job_kill_now(struct job *j)
{
	if (j->j_pgid > 0)
		kill(-j->j_pgid, SIGKILL);
}

void
job_release(struct job *j)
{
	struct ev_loop *loop = j->j_env->loop;

	ev_child_stop(loop, &j->j_child);
	ev_io_stop(loop, &j->j_out);
	ev_io_stop(loop, &j->j_err);
	ev_timer_stop(loop, &j->j_timeout);
	ev_timer_stop(loop, &j->j_kill);
	ev_timer_stop(loop, &j->j_straggler);
	ev_timer_stop(loop, &j->j_backoff);
	if (j->j_out.fd >= 0)
		close(j->j_out.fd);
	if (j->j_err.fd >= 0)
		close(j->j_err.fd);
	j->j_out.fd = j->j_err.fd = -1;
	pathset_clear(&j->j_changes);
	ready_stop(j);
	output_free(&j->j_output);
}

/*
 * Say how the run ended, in the words of what happened: a service that
 * ends on the stop signal it was sent stopped (exit 0, that signal, or the
 * shell's 128+N for it); a task cut by the 2nd Ctrl-C was interrupted.
 */
static void
report_end(const struct job *j, int code, double secs)
{
	const char *kind = job_kind_word(j), *name = j->j_cfg->j_name;
	int sig = WIFSIGNALED(j->j_wstatus) ? WTERMSIG(j->j_wstatus) : 0;
	int stop = j->j_cfg->j_stop_signal;
	bool on_stop_signal = sig == stop || (sig == 0 && code == 128 + stop);

	if (sig == SIGKILL && j->j_stopping)
		log_info("%s \"%s\" killed after %.2f s", kind, name, secs);
	else if (j->j_interrupted && code != 0)
		log_info(
		    "%s \"%s\" interrupted after %.2f s", kind, name, secs);
	else if (j->j_stopping && !j->j_timed_out && !j->j_restarting &&
	    (code == 0 || on_stop_signal))
		log_info("%s \"%s\" stopped after %.2f s", kind, name, secs);
	else if (code == 0)
		log_info("%s \"%s\" finished in %.2f s", kind, name, secs);
	else if (sig != 0 && j->j_stopping && !j->j_timed_out)
		log_info("%s \"%s\" stopped by signal %d after %.2f s", kind,
		    name, sig, secs);
	else if (sig != 0)
		log_error("%s \"%s\" %s by signal %d after %.2f s%s", kind,
		    name, j->j_stopping ? "stopped" : "killed", sig, secs,
		    j->j_timed_out ? " (timed out)" : "");
	else
		log_error("%s \"%s\" failed with exit status %d after %.2f s%s",
		    kind, name, code, secs,
		    j->j_timed_out ? " (timed out)" : "");
}

static void
job_finish(struct job *j)
{
	const struct job_env *env = j->j_env;
	struct ev_loop *loop = env->loop;
	double secs = ev_now(loop) - j->j_started;
	int code = exit_code(j->j_wstatus);

	ready_stop(j); /* a dead run must not turn ready later */
	ev_timer_stop(loop, &j->j_timeout);
	ev_timer_stop(loop, &j->j_kill);
	ev_timer_stop(loop, &j->j_straggler);
	/* Its writes are done: their events count as this run's output. */
	env->ops->ending(env->owner, j);
	j->j_state = JS_IDLE;
	guard_forget(env->guard, j->j_pgid);
	j->j_pgid = 0;
	j->j_last_status = code;
	j->j_last_cut = j->j_restarting && code != 0;
	j->j_last_ms = secs > 0 ? (uint32_t)(secs * 1000.0 + 0.5) : 0;
	j->j_last_end = ev_now(loop);
	if (!j->j_last_cut) {
		j->j_shown_status = code;
		j->j_shown_ms = j->j_last_ms;
		j->j_shown_end = j->j_last_end;
	}
	output_log_close(&j->j_output);
	report_end(j, code, secs);
	env->ops->ended(env->owner, j);
}
