/* SPDX-License-Identifier: ISC */
/*
 * config/cfg_int.h
 * What the files of config/ share and nobody else sees: the error sink with
 * its JSON path, the typed getters that fill it, string lists, and the
 * passes (comments, keys, suggestions) the loader is made of.
 */
#ifndef TEND_CFG_INT_H
#define TEND_CFG_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "config.h"

/* Hard cap on tend.json; a config bigger than this is a mistake. */
#define CFG_MAX_FILE (1024 * 1024)
/* Longest job name, so that names fit in log prefixes and ipc frames. */
#define CFG_MAX_JOB_NAME 63
/* Largest accepted duration: about 31 years, still exact in any unit. */
#define CFG_MAX_SECONDS 1e9
#define CFG_MAX_DEBOUNCE_MS 60000
/* watch.poll_ms: faster is a busy loop, slower is no longer watching. */
#define CFG_MIN_POLL_MS 50
#define CFG_MAX_POLL_MS 60000
/* restart_limit: beyond this "never give up" (0) is what was meant. */
#define CFG_MAX_RESTART_LIMIT 1000
#define CFG_RESTART_LIMIT 5
/* The "ready" object's defaults. */
#define CFG_READY_TIMEOUT 30.0
#define CFG_READY_INTERVAL 0.1

/*
 * errors.c: the error sink. The path being read lives in err->e_at; each
 * mistake recorded takes a copy of it, and reading goes on: a function
 * that fails returns -1 after recording, and its caller skips that value.
 */
void cfg_err_clear(struct cfg_err *err, const char *file);
int cfg_err_add(struct cfg_err *err, int line, int col, const char *msg);
int cfg_errf(struct cfg_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
bool cfg_err_full(const struct cfg_err *err);
size_t cfg_path_push(struct cfg_err *err, const char *key);
size_t cfg_path_index(struct cfg_err *err, size_t i);
void cfg_path_pop(struct cfg_err *err, size_t mark);
void cfg_path_set(struct cfg_err *err, const char *path);
void cfg_json_desc(const cJSON *v, char *buf, size_t size);

/* suggest.c */
size_t cfg_distance(const char *a, const char *b);
const char *cfg_suggest(
    const char *word, const char *const *cands, size_t ncands);
unsigned char *cfg_repeats(const cJSON *obj, struct cfg_err *err);
bool cfg_repeat(const unsigned char *repeats, size_t i);

/* comments.c: blank comments in place; -1 and *bad on an open comment. */
int cfg_strip_comments(char *buf, size_t len, size_t *bad);

/* parse.c */
int cfg_read_file(
    const char *file, char **out, size_t *outlen, struct cfg_err *err);
cJSON *cfg_parse_text(const char *buf, size_t len, struct cfg_err *err);

/*
 * syntax.c: is text[0..len) one JSON value (RFC 8259)? If not, *at is
 * the offset of the first mistake and msg says what was expected there.
 */
bool cfg_json_check(
    const char *text, size_t len, size_t *at, char *msg, size_t size);

/*
 * validate.c: cfg_validate without resetting err (keeps e_file). With
 * fields false only what spans jobs (names, after, cycles): the loader
 * has checked each value where it read it.
 */
void cfg_validate_into(const struct cfg *c, bool fields, struct cfg_err *err);
/*
 * proxy.c: serve.proxy, read (at "serve.proxy"), and the checks of one
 * route at the current path that cfg_validate repeats for a config built
 * in code.
 */
int cfg_load_proxy(const cJSON *obj, struct cfg_serve *s, struct cfg_err *err);
int cfg_check_proxy_prefix(const char *prefix, struct cfg_err *err);
int cfg_check_upstream(const char *addr, struct cfg_err *err);
void cfg_proxy_free(struct cfg_serve *s);
/* A job's cwd, at the current path: an existing directory, or NULL. */
int cfg_check_cwd(const char *cwd, struct cfg_err *err);

/*
 * getters.c: each returns 0, or -1 with a mistake recorded at the current
 * path. cfg_get_object also reports repeated keys and gives the members
 * to skip (cfg_repeats; free it).
 */
int cfg_get_object(
    const cJSON *v, unsigned char **repeats, struct cfg_err *err);
int cfg_key_index(const cJSON *item, const char *const *keys, size_t nkeys,
    struct cfg_err *err);
int cfg_get_string(
    const cJSON *v, bool nullable, char **out, struct cfg_err *err);
int cfg_get_strv(const cJSON *v, struct cfg_strv *out, struct cfg_err *err);
int cfg_get_bool(const cJSON *v, bool *out, struct cfg_err *err);
int cfg_get_seconds(const cJSON *v, double *out, struct cfg_err *err);
int cfg_get_hold(const cJSON *v, double *out, struct cfg_err *err);
int cfg_get_hosts(const cJSON *v, struct cfg_strv *out, struct cfg_err *err);
int cfg_get_enum(const cJSON *v, const char *const *names, size_t n, int *out,
    struct cfg_err *err);
int cfg_get_signal(const cJSON *v, int *out, struct cfg_err *err);
int cfg_get_addr(
    const cJSON *v, bool nullable, char **out, struct cfg_err *err);
int cfg_get_uint(
    const cJSON *v, unsigned max, unsigned *out, struct cfg_err *err);

/* model.c */
int cfg_strv_push(struct cfg_strv *sv, const char *s);
void cfg_strv_free(struct cfg_strv *sv);
struct cfg_job *cfg_job_new(struct cfg *c, const char *name);
void cfg_job_defaults(struct cfg_job *j);
int cfg_job_set_shell(struct cfg_job *j, const char *cmd);
bool cfg_job_name_ok(const char *name);
bool cfg_env_name_ok(const char *name, size_t len);
void cfg_env_from_free(struct cfg_job *j);

/* load_job.c: every member of "jobs" becomes a job, even a wrong one. */
void cfg_load_jobs(const cJSON *jobs, struct cfg *c, struct cfg_err *err);

/*
 * load_ready.c: a job's "ready" object, read (at the path "...ready") or,
 * for a config built in code, checked (err->e_path is "jobs.NAME").
 */
int cfg_load_ready(const cJSON *v, struct cfg_ready *r, struct cfg_err *err);
int cfg_check_ready(const struct cfg_ready *r, struct cfg_err *err);

/* Names of enum values, indexed by the enum, for the loader and printer. */
extern const char *const cfg_kind_names[2];
extern const char *const cfg_busy_names[4];
extern const char *const cfg_restart_names[3];
/* "tcp", "http", ... by enum cfg_ready_kind; [READY_NONE] is "none". */
extern const char *const cfg_ready_names[6];

#define CFG_NELEM(a) (sizeof(a) / sizeof((a)[0]))

#endif
