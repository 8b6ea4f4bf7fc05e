/* SPDX-License-Identifier: ISC */
/*
 * tests/integration/test_exec.c
 * `tend exec` as a person (or a shell script, or a container runtime)
 * sees it under a real terminal: exit status passed through, signals
 * reaching the command, the terminal shared with it (typing, Ctrl-C,
 * Ctrl-Z), no process left behind, PID 1 duty in a pid namespace, and
 * with --watch: restarts, a queued rerun, escalation to SIGKILL;
 * --restart-on-failure with a growing delay.
 */
#include <sys/prctl.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <pty.h>

#include "common.h"

#include <criterion/parameterized.h> /* after criterion.h */

TestSuite(exec, .init = it_setup, .fini = it_teardown, .timeout = 60);

static void
start_exec(const char *const *args)
{
	it_start(args, false);
}

/* Run any program (not TEND_BIN) under a pty, filling the shared tp. */
static void
start_program(const char *const *argv)
{
	struct winsize ws = {.ws_row = 40, .ws_col = 200};

	memset(&tp, 0, sizeof(tp));
	tp.out = calloc(1, TP_OUT_MAX + 1);
	tp.pid = forkpty(&tp.master, NULL, NULL, &ws);
	cr_assert(tp.pid != -1, "forkpty");
	if (tp.pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (chdir(dir) == -1)
			_exit(126);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	fcntl(tp.master, F_SETFL, O_NONBLOCK);
	fcntl(tp.master, F_SETFD, FD_CLOEXEC);
}

static void
expect_exit_code(int code)
{
	cr_assert(
	    tp_wait_exit(&tp, 20000), "tend did not exit; output:\n%s", tp.out);
	cr_assert(WIFEXITED(tp.status) && WEXITSTATUS(tp.status) == code,
	    "expected exit %d, status 0x%x; output:\n%s", code, tp.status,
	    tp.out);
}

static pid_t
read_pid(const char *name)
{
	char *s = NULL;
	pid_t pid;

	for (long end = now_ms() + 5000; now_ms() < end; tp_pump(&tp, 10)) {
		size_t len;
		free(s);
		s = tmp_read(dir, name, &len);
		if (s != NULL && strchr(s, '\n') != NULL)
			break;
	}
	cr_assert(s != NULL, "no %s; output:\n%s", name, tp.out);
	pid = (pid_t)atoi(s);
	free(s);
	return pid;
}

/* The state letter in /proc/PID/stat ('T' when stopped), or 0. */
static char
proc_state(pid_t pid)
{
	char path[64], buf[512], *rp;
	size_t len;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = '\0';
	return (rp = strrchr(buf, ')')) != NULL && rp[1] == ' ' ? rp[2] : 0;
}

static size_t
count_lines(const char *name)
{
	size_t len, n = 0;
	char *s = tmp_read(dir, name, &len);

	for (size_t i = 0; s != NULL && i < len; i++)
		n += s[i] == '\n';
	free(s);
	return n;
}

/* Wait until name has want lines, then a little longer to see no more. */
static void
expect_lines(const char *name, size_t want, int settle_ms)
{
	for (long end = now_ms() + 8000;
	     count_lines(name) < want && now_ms() < end;)
		tp_pump(&tp, 10);
	tp_pump(&tp, settle_ms);
	cr_assert(count_lines(name) == want,
	    "%zu lines in %s, wanted %zu; "
	    "output:\n%s",
	    count_lines(name), name, want, tp.out);
}

static void
make_src(void)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/src", dir);
	mkdir(path, 0755);
	tmp_write(dir, "src/a.c", "int a;\n");
}

ParameterizedTestParameters(exec, the_exit_code_passes_through)
{
	static int codes[] = {0, 1, 3, 42};

	return cr_make_param_array(int, codes, sizeof(codes) / sizeof(*codes));
}

ParameterizedTest(int *code, exec, the_exit_code_passes_through)
{
	char script[32];
	const char *args[] = {"exec", "--", "sh", "-c", script, NULL};

	snprintf(script, sizeof(script), "exit %d", *code);
	start_exec(args);
	expect_exit_code(*code);
	expect_no_process_left();
}

Test(exec, death_by_sigsegv_is_exit_139_not_a_core_of_tend)
{
	const char *args[] = {"exec", "--", "sh", "-c", "kill -SEGV $$", NULL};

	start_exec(args);
	expect_exit_code(128 + SIGSEGV);
	expect_no_process_left();
}

Test(exec, a_missing_command_is_exit_127)
{
	const char *args[] = {"exec", "--", "no-such-command-xyz", NULL};

	start_exec(args);
	expect_exit_code(127);
	cr_assert(strstr(tp.out, "no-such-command-xyz") != NULL, "%s", tp.out);
	expect_no_process_left();
}

Test(exec, sigterm_reaches_the_commands_trap_and_its_status_passes)
{
	const char *args[] = {"exec", "--", "sh", "-c",
	    "trap 'echo term > got; exit 3' TERM; echo ready; "
	    "while :; do sleep 0.1; done",
	    NULL};
	char *got;
	size_t len;

	start_exec(args);
	cr_assert(tp_wait_for(&tp, "ready\r\n", 5000), "%s", tp.out);
	kill(tp.pid, SIGTERM);
	expect_exit_code(3);
	got = tmp_read(dir, "got", &len);
	cr_assert(got != NULL && strcmp(got, "term\n") == 0, "got: %s", got);
	free(got);
	expect_no_process_left();
}

Test(exec, sigterm_to_tend_kills_a_command_ignoring_it_after_stop_timeout)
{
	const char *args[] = {"exec", "--stop-timeout", "0.5", "--", "sh", "-c",
	    "trap '' TERM; echo ready; while :; do sleep 0.1; done", NULL};
	long t0;

	start_exec(args);
	cr_assert(tp_wait_for(&tp, "ready\r\n", 5000), "%s", tp.out);
	t0 = now_ms();
	kill(tp.pid, SIGTERM);
	/* Killed on tend's behalf: tend reports that it was terminated. */
	expect_exit_by_signal(SIGTERM);
	cr_assert(now_ms() - t0 >= 400 && now_ms() - t0 < 3000, "took %ld ms",
	    now_ms() - t0);
	cr_assert(
	    strstr(tp.out, "still running after 0.5 s; SIGKILL"), "%s", tp.out);
	expect_no_process_left();
}

Test(exec, grandchildren_that_double_fork_or_setsid_do_not_outlive_tend)
{
	const char *args[] = {"exec", "--", "sh", "-c",
	    "(sleep 300 & echo $! > orphan.pid); "
	    "setsid sh -c 'echo $$ > session.pid; exec sleep 300' & "
	    "while [ ! -s session.pid ]; do sleep 0.01; done; exit 0",
	    NULL};
	pid_t orphan, session;

	start_exec(args);
	orphan = read_pid("orphan.pid");
	session = read_pid("session.pid");
	expect_exit_code(0);
	cr_assert(!pid_alive(orphan), "double-forked %d is alive", orphan);
	cr_assert(!pid_alive(session), "setsid'd %d is alive", session);
	cr_assert(strstr(tp.out, "left-over process"), "%s", tp.out);
	expect_no_process_left();
}

Test(exec, the_command_reads_what_is_typed)
{
	const char *args[] = {
	    "exec", "--", "sh", "-c", "read x; echo got:$x", NULL};

	start_exec(args);
	tp_pump(&tp, 200);
	tp_type(&tp, "hello\r");
	expect_exit_code(0);
	cr_assert(strstr(tp.out, "got:hello"), "%s", tp.out);
	expect_no_process_left();
}

Test(exec, ctrl_c_reaches_the_command_and_its_trap_decides_the_status)
{
	const char *args[] = {"exec", "--", "sh", "-c",
	    "trap 'echo caught; exit 5' INT; echo ready; sleep 10 & wait",
	    NULL};

	start_exec(args);
	cr_assert(tp_wait_for(&tp, "ready\r\n", 5000), "%s", tp.out);
	it_ctrl_c(1);
	expect_exit_code(5);
	cr_assert(strstr(tp.out, "caught"), "%s", tp.out);
	expect_no_process_left();
}

Test(exec, ctrl_c_that_kills_the_command_ends_tend_by_sigint)
{
	const char *args[] = {
	    "exec", "--", "sh", "-c", "echo ready; sleep 10", NULL};

	start_exec(args);
	cr_assert(tp_wait_for(&tp, "ready\r\n", 5000), "%s", tp.out);
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	expect_no_process_left();
}

Test(exec, ctrl_z_stops_tend_with_the_command_and_sigcont_resumes_both)
{
	const char *args[] = {
	    "exec", "--", "sh", "-c", "echo ready; read x; echo got:$x", NULL};
	long end;

	start_exec(args);
	cr_assert(tp_wait_for(&tp, "ready\r\n", 5000), "%s", tp.out);
	tp_pump(&tp, 100);
	tp_type(&tp, "\x1a");
	for (end = now_ms() + 5000; proc_state(tp.pid) != 'T';) {
		cr_assert(
		    now_ms() < end, "tend did not stop; output:\n%s", tp.out);
		tp_pump(&tp, 10);
	}
	/* A shell's `fg`: tend's group gets SIGCONT (tend still has the
	 * terminal: it took it back before stopping). */
	kill(tp.pid, SIGCONT);
	tp_pump(&tp, 200);
	cr_assert(proc_state(tp.pid) != 'T');
	tp_type(&tp, "after\r");
	expect_exit_code(0);
	cr_assert(strstr(tp.out, "got:after"), "%s", tp.out);
	expect_no_process_left();
}

/* Skips the test when this machine cannot make a pid namespace. */
static bool
pid_namespace_or_skip(void)
{
	char probe[256];
	FILE *p = popen("unshare --pid --fork --mount-proc true 2>&1", "r");
	size_t len = p ? fread(probe, 1, sizeof(probe) - 1, p) : 0;
	int rc = p ? pclose(p) : -1;

	probe[len] = '\0';
	if (rc != 0 && strstr(probe, "Operation not permitted")) {
		cr_skip_test("unshare --pid needs privileges here: %s", probe);
		return false;
	}
	cr_assert(rc == 0, "unshare failed: %s", probe);
	return true;
}

Test(exec, as_pid_1_it_reaps_orphans_stops_them_and_passes_the_status)
{
	const char *argv[] = {"unshare", "--pid", "--fork", "--mount-proc",
	    TEND_BIN, "exec", "--", "sh", "-c",
	    "(trap 'echo bye > stopped; exit 0' TERM; "
	    " while :; do sleep 0.05; done) & "
	    "(sleep 0.05 &); sleep 0.5; "
	    "echo zombies:$(cat /proc/[0-9]*/stat 2>/dev/null | "
	    "grep -c ') Z '); exit 7",
	    NULL};
	char *stopped;
	size_t len;

	if (!pid_namespace_or_skip())
		return;
	start_program(argv);
	expect_exit_code(7);
	/* The grandchild (sleep 0.05) was orphaned to tend and reaped. */
	cr_assert(strstr(tp.out, "zombies:0"), "%s", tp.out);
	/* The orphaned loop got SIGTERM (a kernel SIGKILL leaves no file). */
	stopped = tmp_read(dir, "stopped", &len);
	cr_assert(stopped != NULL && strcmp(stopped, "bye\n") == 0,
	    "no graceful stop; output:\n%s", tp.out);
	free(stopped);
	expect_no_process_left();
}

/*
 * unshare keeps the terminal's foreground in its own group, which is not
 * visible inside the namespace: tend must still hand it to the command,
 * or the read stops it with SIGTTIN for ever.
 */
Test(exec, as_pid_1_the_command_reads_a_line_typed_into_the_terminal)
{
	const char *argv[] = {"unshare", "--pid", "--fork", "--mount-proc",
	    TEND_BIN, "exec", "--", "sh", "-c",
	    "echo ready; read x; echo got:$x", NULL};

	if (!pid_namespace_or_skip())
		return;
	start_program(argv);
	cr_assert(tp_wait_for(&tp, "ready\r\n", 5000), "%s", tp.out);
	tp_type(&tp, "hello\r");
	expect_exit_code(0);
	cr_assert(strstr(tp.out, "got:hello"), "%s", tp.out);
	cr_assert(strstr(tp.out, "is stopped") == NULL, "%s", tp.out);
	expect_no_process_left();
}

Test(exec, watch_restarts_the_command_on_a_change_and_ctrl_c_ends_all)
{
	const char *args[] = {"exec", "--watch", "src", "--clear", "--", "sh",
	    "-c", "echo run:$TEND_CHANGED >> runs; sleep 30", NULL};
	char *runs;
	size_t len;

	make_src();
	start_exec(args);
	expect_lines("runs", 1, 300);
	tmp_write(dir, "src/a.c", "int a = 1;\n");
	expect_lines("runs", 2, 400);
	cr_assert(strstr(tp.out,
	              "stopping sh -c 'echo run:$TEND_CHANGED >> "
	              "runs; sleep 30' (SIGTERM)"),
	    "%s", tp.out);
	cr_assert(strstr(tp.out, "(changed: src/a.c)"), "%s", tp.out);
	runs = tmp_read(dir, "runs", &len);
	cr_assert(
	    runs && strcmp(runs, "run:\nrun:src/a.c\n") == 0, "runs: %s", runs);
	free(runs);
	cr_assert(tp_count(&tp, "\033[H\033[2J\033[3J") == 2, "%s", tp.out);
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	cr_assert(count_lines("runs") == 2);
	expect_no_process_left();
}

Test(exec, watch_ctrl_c_sigkills_a_command_ignoring_sigterm_after_timeout)
{
	const char *args[] = {"exec", "--watch", "src", "--stop-timeout", "0.5",
	    "--", "sh", "-c",
	    "trap '' TERM; echo ready; while :; do sleep 0.1; done", NULL};
	long t0;

	make_src();
	start_exec(args);
	cr_assert(tp_wait_for(&tp, "ready\r\n", 5000), "%s", tp.out);
	t0 = now_ms();
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	cr_assert(now_ms() - t0 >= 400 && now_ms() - t0 < 3000, "took %ld ms",
	    now_ms() - t0);
	cr_assert(
	    strstr(tp.out, "still running after 0.5 s; SIGKILL"), "%s", tp.out);
	expect_no_process_left();
}

Test(exec, watch_a_second_ctrl_c_sigkills_at_once)
{
	const char *args[] = {"exec", "--watch", "src", "--stop-timeout", "30",
	    "--", "sh", "-c",
	    "trap '' TERM; echo ready; while :; do sleep 0.1; done", NULL};
	long t0;

	make_src();
	start_exec(args);
	cr_assert(tp_wait_for(&tp, "ready\r\n", 5000), "%s", tp.out);
	t0 = now_ms();
	it_ctrl_c(2);
	expect_exit_by_signal(SIGINT);
	cr_assert(now_ms() - t0 < 3000, "took %ld ms", now_ms() - t0);
	expect_no_process_left();
}

Test(exec, queue_gives_exactly_one_rerun_after_the_run_for_many_changes)
{
	const char *args[] = {"exec", "--watch", "src", "--queue", "--", "sh",
	    "-c", "echo run >> runs; sleep 2; echo done >> ends", NULL};

	make_src();
	start_exec(args);
	expect_lines("runs", 1, 0);
	for (int i = 0; i < 3; i++) {
		tmp_write(dir, "src/a.c", "int a = 2;\n");
		tp_pump(&tp, 150); /* separate bursts, each debounced */
	}
	cr_assert(count_lines("ends") == 0, "the run was not left to end");
	/* Said once the rerun ended; the first end went straight on. */
	cr_assert(tp_wait_for(&tp, "waiting for changes", 10000), "%s", tp.out);
	tp_pump(&tp, 300);
	cr_assert(count_lines("runs") == 2 && count_lines("ends") == 2,
	    "%zu runs, %zu ends; output:\n%s", count_lines("runs"),
	    count_lines("ends"), tp.out);
	cr_assert(tp_count(&tp, "will rerun when it ends") == 1, "%s", tp.out);
	cr_assert(strstr(tp.out, "stopping") == NULL, "%s", tp.out);
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	expect_no_process_left();
}

Test(exec, restart_on_failure_restarts_with_growing_delays)
{
	const char *args[] = {"exec", "--restart-on-failure", "--", "sh", "-c",
	    "echo crash >> runs; exit 1", NULL};
	long t1, t2;

	start_exec(args);
	cr_assert(tp_wait_for(&tp, "restarting in 0.1 s", 1500), "%s", tp.out);
	cr_assert(tp_wait_for(&tp, "restarting in 0.2 s", 1500), "%s", tp.out);
	t1 = now_ms();
	cr_assert(tp_wait_for(&tp, "restarting in 0.4 s", 1500), "%s", tp.out);
	t2 = now_ms();
	cr_assert(t2 - t1 >= 150, "0.2 s delay took %ld ms", t2 - t1);
	cr_assert(count_lines("runs") >= 3);
	/*
	 * Ctrl-C reaches tend between runs, or the command in a run (which
	 * dies of it, and is not restarted); either way tend ends by SIGINT.
	 * A press can fall in the instant between the command's exit and
	 * tend taking the terminal back, where no one gets it: press again.
	 */
	for (int i = 0; i < 5 && !tp_wait_exit(&tp, 300); i++)
		it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	expect_no_process_left();
}
