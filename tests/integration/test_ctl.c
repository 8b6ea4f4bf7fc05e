/* SPDX-License-Identifier: ISC */
/*
 * tests/integration/test_ctl.c
 * Control of a running tend from another terminal, as a person does it:
 * tend under a pty, then `tend status`, `restart`, `stop`, `start`,
 * `build` and `logs` run as separate commands in the same directory,
 * checked against the real processes (their pids alive or gone), the
 * files the jobs write, and what tend printed.
 */
#include <sys/stat.h>

#include <dirent.h>

#include "common.h"

TestSuite(ctl, .init = it_setup, .fini = it_teardown, .timeout = 60);

static char out[65536];

/* `tend ARGS` in dir; asserts its exit code. */
static void
cmd(int want, const char *const *args)
{
	int rc = it_command(args, out, sizeof(out), 10000);

	cr_assert(rc == want, "tend %s: exit %d, want %d:\n%s", args[0], rc,
	    want, out);
}

/* A job's field in `tend status --json` (the text after "key":). */
static long
field(const char *job, const char *key)
{
	const char *args[] = {"status", "--json", NULL};
	char needle[128];
	const char *p;

	cmd(0, args);
	snprintf(needle, sizeof(needle), "\"name\":\"%s\"", job);
	cr_assert((p = strstr(out, needle)) != NULL, "%s not in %s", job, out);
	snprintf(needle, sizeof(needle), "\"%s\":", key);
	cr_assert(
	    (p = strstr(p, needle)) != NULL, "%s of %s: %s", key, job, out);
	return strtol(p + strlen(needle), NULL, 10);
}

static bool
state_is(const char *job, const char *state)
{
	const char *args[] = {"status", "--json", NULL};
	char needle[128];
	const char *p, *q;

	cmd(0, args);
	snprintf(needle, sizeof(needle), "\"name\":\"%s\"", job);
	if ((p = strstr(out, needle)) == NULL)
		return false;
	q = strchr(p, '}');
	snprintf(needle, sizeof(needle), "\"state\":\"%s\"", state);
	p = strstr(p, needle);
	return p != NULL && p < q;
}

static void
wait_state(const char *job, const char *state)
{
	long end = now_ms() + 10000;

	while (!state_is(job, state) && now_ms() < end)
		tp_pump(&tp, 50);
	cr_assert(state_is(job, state), "%s never %s: %s\ntend:\n%s", job,
	    state, out, tp.out);
}

static const char jobs_json[] =
    "{ \"jobs\": {\n"
    "  \"db\": { \"kind\": \"service\", \"restart\": \"always\",\n"
    "    \"cmd\": \"echo db up; i=0; while :; do i=$((i+1)); echo tick $i;"
    " sleep 0.1; done\" },\n"
    "  \"api\": { \"kind\": \"service\", \"after\": [\"db\"],\n"
    "    \"cmd\": \"exec sleep 300\" },\n"
    "  \"lint\": { \"cmd\": \"echo run >> lint.runs; exit 3\" },\n"
    "  \"gen\": { \"cmd\": \"echo run >> gen.runs\" }\n"
    "} }\n";

static void
start_jobs(void)
{
	const char *args[] = {NULL};

	tmp_write(dir, "tend.json", jobs_json);
	it_start(args, false);
	cr_assert(
	    tp_wait_for(&tp, "service \"api\" started", 10000), "%s", tp.out);
	it_wait_file("gen.runs");
	wait_state("lint", "failed");
}

static void
stop_tend(void)
{
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	expect_no_process_left();
}

Test(ctl, with_no_tend_running_status_says_so_and_exits_1)
{
	const char *args[] = {"status", NULL};

	cmd(1, args);
	cr_assert(strstr(out, "no tend is running") != NULL, "%s", out);
}

Test(ctl, status_shows_every_job_as_the_processes_are)
{
	const char *table[] = {"status", NULL};
	char sock[512];
	struct stat st;
	struct dirent *e;
	DIR *d;
	long db;

	start_jobs();
	cmd(0, table);
	cr_assert(strstr(out, "JOB") != NULL && strstr(out, "lint") != NULL,
	    "%s", out);
	cr_assert(strstr(out, "tend dev (pid ") != NULL, "%s", out);
	db = field("db", "pid");
	cr_assert(db > 0 && kill((pid_t)db, 0) == 0, "db pid %ld", db);
	cr_assert(state_is("db", "running"));
	cr_assert(
	    state_is("lint", "failed") && field("lint", "last_exit") == 3);
	cr_assert(state_is("gen", "ok") && field("gen", "last_exit") == 0);
	/* Only this user may reach it: 0700 directory, 0600 socket. */
	snprintf(sock, sizeof(sock), "%s.run/tend", dir);
	cr_assert(stat(sock, &st) == 0 && (st.st_mode & 0777) == 0700);
	cr_assert((d = opendir(sock)) != NULL);
	while ((e = readdir(d)) != NULL && e->d_name[0] == '.')
		;
	cr_assert(e != NULL, "no socket in %s", sock);
	snprintf(
	    sock + strlen(sock), sizeof(sock) - strlen(sock), "/%s", e->d_name);
	closedir(d);
	cr_assert(stat(sock, &st) == 0 && S_ISSOCK(st.st_mode) &&
	        (st.st_mode & 0777) == 0600,
	    "%s mode %o", sock, st.st_mode & 0777);
	stop_tend();
	cr_assert(stat(sock, &st) == -1, "%s left behind", sock);
}

Test(ctl, restart_replaces_a_service_and_leaves_its_dependant_running)
{
	const char *restart[] = {"restart", "db", NULL};
	long db, api;

	start_jobs();
	db = field("db", "pid");
	api = field("api", "pid");
	cmd(0, restart);
	cr_assert(strstr(out, "restarting service \"db\"") != NULL, "%s", out);
	cr_assert(tp_wait_for(&tp, "restarting service \"db\" in 0.0 s", 5000));
	wait_state("db", "running");
	cr_assert(field("db", "pid") != db);
	cr_assert(field("db", "restarts") == 1);
	cr_assert(field("api", "pid") == api, "api was restarted too");
	cr_assert(pid_alive((pid_t)api));
	stop_tend();
}

Test(ctl, stop_holds_a_service_down_until_start)
{
	const char *stop[] = {"stop", "db", NULL};
	const char *start[] = {"start", "db", NULL};
	long db;

	start_jobs();
	db = field("db", "pid");
	cmd(0, stop);
	wait_state("db", "stopped");
	cr_assert(!pid_alive((pid_t)db));
	/* restart "always" does not bring it back, nor does time. */
	tp_pump(&tp, 1000);
	cr_assert(state_is("db", "stopped"), "%s", out);
	cr_assert(
	    tp_count(&tp, "restarting service \"db\"") == 0, "%s", tp.out);
	cmd(0, start);
	wait_state("db", "running");
	cr_assert(field("db", "pid") != db);
	stop_tend();
}

Test(ctl, build_runs_the_tasks_again)
{
	const char *one[] = {"build", "gen", NULL};
	const char *all[] = {"build", NULL};

	start_jobs();
	cmd(0, one);
	expect_runs("gen.runs", 2);
	cr_assert(lines_with("lint.runs", "run") == 1);
	cmd(0, all);
	expect_runs("gen.runs", 3);
	expect_runs("lint.runs", 2);
	stop_tend();
}

Test(ctl, an_unknown_job_is_an_error_naming_the_jobs)
{
	const char *bad[] = {"restart", "nope", NULL};
	const char *none[] = {"stop", NULL};

	start_jobs();
	cmd(1, bad);
	cr_assert(strstr(out, "no job \"nope\"") != NULL &&
	        strstr(out, "db, api, lint, gen") != NULL,
	    "%s", out);
	cmd(2, none);
	stop_tend();
}

Test(ctl, logs_shows_recent_lines_then_follows_until_tend_exits)
{
	const char *last3[] = {"logs", "-n", "3", "db", NULL};
	const char *follow[] = {"logs", "-f", "-n", "0", "db", NULL};
	char buf[256];
	pid_t follower;
	int p[2], status;
	size_t len = 0;

	start_jobs();
	cr_assert(tp_wait_for(&tp, "| tick 5", 5000));
	cmd(0, last3);
	cr_assert(count_in(out, "db | tick ") == 3, "%s", out);
	/* A follower in another process, then Ctrl-C to tend. */
	cr_assert(pipe(p) == 0);
	if ((follower = fork()) == 0) {
		dup2(p[1], 1);
		close(p[0]);
		if (chdir(dir) == 0)
			execv(TEND_BIN,
			    (char *const[]){(char *)TEND_BIN, (char *)follow[0],
			        (char *)follow[1], (char *)follow[2],
			        (char *)follow[3], (char *)follow[4], NULL});
		_exit(127);
	}
	close(p[1]);
	for (long end = now_ms() + 5000;
	     now_ms() < end && count_in(buf, "db | tick ") < 3;) {
		ssize_t r = read(p[0], buf + len, sizeof(buf) - 1 - len);
		if (r <= 0)
			break;
		len += (size_t)r;
		buf[len] = '\0';
		if (len > 200)
			len = 0;
	}
	cr_assert(count_in(buf, "db | tick ") >= 1, "follower saw: %s", buf);
	stop_tend();
	/* tend gone: the follower sees the end and exits 0. */
	for (long end = now_ms() + 5000;
	     waitpid(follower, &status, WNOHANG) == 0 && now_ms() < end;)
		usleep(10000);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "follower status 0x%x", status);
	close(p[0]);
	(void)follow;
}

Test(ctl, serve_mode_shows_its_worker_and_address)
{
	const char *args[] = {"serve", "public", "--http", "127.0.0.1:0", NULL};
	const char *json[] = {"status", "--json", NULL};
	char addr[64];

	it_start(args, true);
	cmd(0, json);
	snprintf(
	    addr, sizeof(addr), "\"http\":\"127.0.0.1:%d\"", tp_http_port(&tp));
	cr_assert(strstr(out, addr) != NULL, "%s", out);
	cr_assert(strstr(out, "\"worker\":{\"pid\":") != NULL, "%s", out);
	stop_tend();
}

Test(ctl, tend_run_answers_too_and_refuses_to_rerun_a_task)
{
	const char *args[] = {"run", "slow", NULL};
	const char *json[] = {"status", "--json", NULL};
	const char *build[] = {"build", "slow", NULL};

	tmp_write(dir, "tend.json",
	    "{ \"jobs\": { \"slow\": { \"cmd\": \"sleep 2; echo done\" } } }\n");
	it_start(args, false);
	cr_assert(
	    tp_wait_for(&tp, "task \"slow\" started", 5000), "%s", tp.out);
	cmd(0, json);
	cr_assert(strstr(out, "\"mode\":\"run\"") != NULL &&
	        strstr(out, "\"state\":\"running\"") != NULL,
	    "%s", out);
	cmd(0, build);
	cr_assert(strstr(out, "runs each task once") != NULL, "%s", out);
	cr_assert(tp_wait_exit(&tp, 10000), "%s", tp.out);
	cr_assert(WIFEXITED(tp.status) && WEXITSTATUS(tp.status) == 0);
	expect_no_process_left();
}
