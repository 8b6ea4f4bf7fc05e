/* SPDX-License-Identifier: ISC */
/*
 * config/config.h
 * The tend.json model: load, validate completely, normalise, print.
 * Depends on cJSON only. Never prints, never exits: errors come back in a
 * struct cfg_err that names the file, the JSON path and the expectation.
 */
#ifndef TEND_CONFIG_H
#define TEND_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

enum cfg_job_kind { JOB_TASK, JOB_SERVICE };
enum cfg_on_busy { BUSY_QUEUE, BUSY_RESTART, BUSY_IGNORE, BUSY_SIGNAL };
enum cfg_restart { RESTART_NEVER, RESTART_ON_FAILURE, RESTART_ALWAYS };

/* A list of owned strings; v[n] is NULL so it can serve as an argv. */
struct cfg_strv {
	char **v;
	size_t n;
};

/* How a job says it is ready for its dependants (a "ready" object). */
enum cfg_ready_kind {
	READY_NONE, /* a task: when it succeeded; a service: when started */
	READY_TCP, /* r_target "HOST:PORT" accepts a connection */
	READY_HTTP, /* r_target "http://HOST:PORT/path" answers 2xx */
	READY_FILE, /* r_target (a path, relative to the job's cwd) exists */
	READY_LOG, /* a line of its output matches r_target (POSIX ERE) */
	READY_NOTIFY, /* it sends READY=1 to $NOTIFY_SOCKET (sd_notify) */
};

struct cfg_ready {
	enum cfg_ready_kind r_kind;
	char *r_target; /* NULL for READY_NONE and READY_NOTIFY */
	double r_timeout; /* seconds, default 30; then it counts as failed */
	double r_interval; /* seconds between probes (tcp, http, file), 0.1 */
};

/* Where a job's variable was set: `tend check` says (cfg_env_report). */
enum cfg_env_src { ENV_FROM_DOTENV, ENV_FROM_FILE, ENV_FROM_JSON };
enum cfg_env_fate {
	ENV_USED, /* in j_env */
	ENV_OVERRIDDEN, /* a later source set it too */
	ENV_SHADOWED, /* from .env, and tend's own environment has it */
};

struct cfg_env_from {
	char *f_name; /* the variable */
	char *f_file; /* the .env or env_file as read; NULL: "env" */
	unsigned f_line; /* in f_file */
	enum cfg_env_src f_src;
	enum cfg_env_fate f_fate;
};

struct cfg_job {
	char *j_name;
	enum cfg_job_kind j_kind;
	bool j_shell; /* cmd was a string: argv is sh -c CMD */
	struct cfg_strv j_argv; /* what is exec'd */
	char *j_cwd; /* NULL: tend's own working directory */
	/*
	 * "KEY=VALUE", added to tend's env: what a run gets. cfg_env_merge
	 * merges the .env beside the config (under tend's own environment),
	 * then env_file, then "env"; before it, "env" alone.
	 */
	struct cfg_strv j_env;
	struct cfg_strv j_env_own; /* "env" as written */
	struct cfg_strv j_env_file; /* as written: relative to the config */
	struct cfg_env_from *j_env_from; /* each assignment, in order */
	size_t j_env_nfrom;
	struct cfg_strv j_after; /* names of jobs, all known */
	struct cfg_strv j_watch;
	struct cfg_strv j_ignore;
	enum cfg_on_busy j_on_busy; /* task: queue, service: restart */
	int j_stop_signal; /* default SIGTERM (service), SIGINT (task) */
	double j_stop_timeout; /* seconds, default 5 */
	double j_timeout; /* seconds, 0 = none */
	enum cfg_restart j_restart; /* service default on-failure */
	/* Fast failures (dead within 10 s of starting) in a row before a
	 * restarting service is given up; default 5, 0 = never give up. */
	unsigned j_restart_limit;
	struct cfg_ready j_ready;
	char *j_log; /* its lines are appended here; relative to the config */
};

/*
 * serve.proxy: a request whose path starts with p_prefix (whole segments:
 * "/api" takes "/api" and "/api/x", not "/apix") goes to the server at
 * p_to, path unchanged; the longest prefix wins.
 */
struct cfg_proxy {
	char *p_prefix; /* "/api" */
	char *p_to; /* "HOST:PORT", as serve.http spells addresses */
	char *p_job; /* the service behind it, or NULL */
};

/* serve.hold_during_build when true or absent, in seconds. */
#define CFG_HOLD_DEFAULT 10.0

struct cfg_serve {
	bool s_enabled; /* false: no "serve" section (tend run) */
	char *s_root; /* default "." */
	char *s_http; /* "HOST:PORT", default "127.0.0.1:8000" */
	char *s_udp; /* NULL: no UDP port */
	char *s_udp_log; /* NULL: datagrams are only printed */
	bool s_livereload; /* default true */
	/* Longest a request waits for a build (then 503); 0: no holding. */
	double s_hold_during_build; /* default 10; true: 10, false: 0 */
	bool s_spa; /* serve /index.html for unknown paths */
	/*
	 * Host names accepted besides loopback names and IP literals:
	 * "name", "*.suffix", or "*" for any (DNS rebinding: http_guard.c).
	 */
	struct cfg_strv s_hosts;
	struct cfg_strv s_deny; /* globs never served (404), besides .env... */
	struct cfg_strv s_allow; /* globs served even when denied */
	bool s_status_any; /* /__tend/status for every peer, not loopback */
	double s_drain_timeout; /* seconds, default 5 */
	struct cfg_proxy *s_proxy; /* in file order */
	size_t s_nproxy;
};

struct cfg {
	char *c_file; /* where it was read from; NULL when built from the CLI */
	struct cfg_job *c_jobs; /* in file order */
	size_t c_njobs;
	struct cfg_serve c_serve;
	unsigned c_debounce_ms; /* watch.debounce_ms, default 50 */
	/* watch.poll_ms (--poll): poll every tree; 0, the default: inotify */
	unsigned c_poll_ms;
	struct cfg_strv c_ignore;
	double c_grace; /* shutdown.grace, default 10 */
	bool c_timestamps; /* output.timestamps: a time before each line */
	bool c_dotenv; /* read the .env beside the config; default true */
};

/* Mistakes a struct cfg_err keeps; past this they are only counted. */
#define CFG_MAX_ERRORS 20

struct cfg_err_item {
	char i_path[256];
	char i_msg[512];
	int i_line;
	int i_col;
};

/*
 * Every mistake found, in the order found: one per wrong value, so a file
 * with five independent mistakes gives five. The fields up to e_col are
 * the first of them (e_list[0] again), for a caller that shows one.
 */
struct cfg_err {
	char e_file[256];
	char e_path[256]; /* "jobs.site.cmd", "" for the document */
	char
	    e_msg[512]; /* "expected a string or an array of strings, got 42" */
	int e_line; /* 1-based; 0 when not a syntax error */
	int e_col;
	size_t e_count; /* mistakes found; 0 after a success */
	struct cfg_err_item e_list[CFG_MAX_ERRORS]; /* the first ones */
	char e_at[256]; /* config/'s own: the path being read */
};

/* Fill c with the defaults of an empty document (serve enabled, no jobs). */
void cfg_init(struct cfg *c);

/*
 * Read, strip comments, parse and validate file into c, then merge the
 * .env and env_file files beside it (cfg_env_merge). Returns 0, or -1
 * with err filled (and c left empty: nothing to free). A missing file is an
 * error too (e_path "" and the strerror text). A syntax error is the only
 * mistake reported; otherwise every value is checked and each wrong one is
 * a mistake of its own. A job's cwd must be an existing directory.
 */
int cfg_load_file(const char *file, struct cfg *c, struct cfg_err *err);

/*
 * The same on a buffer; file is only used in messages, and no other file
 * is read (cfg_load_file adds .env and env_file with cfg_env_merge).
 */
int cfg_load_buf(const char *file, const char *buf, size_t len, struct cfg *c,
    struct cfg_err *err);

/*
 * Merge into each job's j_env the .env in dir (NULL: the current
 * directory; not read when c_dotenv is false or there is no job), its
 * env_file files (relative to dir) and its own env, recording where
 * each variable came from. A missing .env is no error; a missing
 * env_file, or a bad line of either ("FILE:LINE: expected KEY=VALUE"),
 * is. Returns 0, or -1 with err filled and c unchanged. The CLI's `tend
 * serve` config is merged this way too.
 */
int cfg_env_merge(struct cfg *c, const char *dir, struct cfg_err *err);

/*
 * `tend check`'s account of each job's variables: where each came from
 * and what it overrode, as "//" comment lines (the output of check stays
 * a valid tend.json). NULL when no job has any (or out of memory).
 */
char *cfg_env_report(const struct cfg *c); /* free() it */

/*
 * Validate a configuration built in code (the CLI's `tend serve` flags):
 * addresses, job names, cwd, `after` references, cycles. Same error shape.
 */
int cfg_validate(const struct cfg *c, struct cfg_err *err);

/* Add a job to c (used by the CLI). Copies what it needs. Returns the job. */
struct cfg_job *cfg_add_job(struct cfg *c, const char *name, const char *cmd);

/*
 * Add a serve.proxy route to c (the CLI's --proxy). Copies its strings;
 * job may be NULL. Checked by cfg_validate. Returns 0, or -1 when out of
 * memory.
 */
int cfg_add_proxy(
    struct cfg *c, const char *prefix, const char *to, const char *job);

void cfg_free(struct cfg *c);

/* "file:line:col: path: msg" or "file: path: msg" into buf: the first. */
void cfg_err_format(const struct cfg_err *err, char *buf, size_t size);

/*
 * Every mistake as lines of cfg_err_format's form: one per kept mistake,
 * then "file: and N more mistakes" when some were only counted. Print
 * lines 0 .. cfg_err_nlines() - 1.
 */
size_t cfg_err_nlines(const struct cfg_err *err);
void cfg_err_line(const struct cfg_err *err, size_t i, char *buf, size_t size);

/* The normalised config as indented JSON (every default spelled out). */
char *cfg_to_json(const struct cfg *c); /* free() it */

/*
 * "127.0.0.1:8000", "[::1]:0", "localhost:80" -> host and port.
 * Returns 0 or -1 (not host:port, port out of 0..65535).
 */
int cfg_split_hostport(
    const char *s, char *host, size_t hostsize, unsigned *port);

/*
 * "http://HOST[:PORT][/PATH]" -> the authority as written ("HOST[:PORT]",
 * for a Host header), the host as cfg_split_hostport gives it, the port
 * (80 when absent) and the path ("/" when absent; points into url).
 * Returns 0, or -1 when it is not such a URL. The loader and the "ready"
 * probe split URLs with this one function.
 */
int cfg_split_http_url(const char *url, char *auth, size_t authsize, char *host,
    size_t hostsize, unsigned *port, const char **path);

/* "SIGTERM", "TERM", "15" -> 15; -1 when unknown. */
int cfg_signal_from_name(const char *name);
/* 15 -> "SIGTERM"; NULL when unknown. */
const char *cfg_signal_name(int signo);

const struct cfg_job *cfg_find_job(const struct cfg *c, const char *name);

/*
 * Same job, field by field: a reload keeps a job whose own configuration
 * did not change (a service keeps running, a task does not rerun).
 */
bool cfg_job_equal(const struct cfg_job *a, const struct cfg_job *b);

#endif
