/* SPDX-License-Identifier: ISC */
/*
 * tests/integration/test_guard.c
 * kill -9 of tend, in each of its modes, while a job runs a child of its
 * own (`sleep 300 &` in a shell that waits for it): the job's main
 * process and that child are gone within a second or two, and nothing of
 * the session is left. PR_SET_PDEATHSIG takes the main process; the guard
 * process (supervisor/guard.c) takes the rest of the job's group. Also
 * `kill -9 -PGID` of tend's own group, as a shell's `kill -9 %1` does:
 * the guard is not in that group and still cleans up.
 */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>

#include "common.h"

TestSuite(guard, .init = it_setup, .fini = it_teardown, .timeout = 60);

/*
 * The job: a shell that starts a child in its group and waits for it.
 * Both ignore SIGHUP, as a nohup'ed server does: in exec mode the job
 * has the terminal, and the death of tend, the session leader here, hangs
 * it up; that must not be what kills them.
 */
#define JOB_SH \
	"trap '' HUP; sleep 300 & echo $! > child.pid; echo $$ > job.pid; wait"

static pid_t
read_pid(const char *name)
{
	size_t len;
	char *txt;
	pid_t pid;

	for (long end = now_ms() + 10000;
	     !tmp_exists(dir, name) && now_ms() < end;)
		tp_pump(&tp, 10);
	tp_pump(&tp, 50); /* the write after the create */
	txt = tmp_read(dir, name, &len);
	cr_assert(txt != NULL, "no %s; output:\n%s", name, tp.out);
	pid = (pid_t)atoi(txt);
	free(txt);
	cr_assert(
	    pid > 1 && pid_alive(pid), "%s: %d not running", name, (int)pid);
	return pid;
}

/* The guard of tend's session: named so, in a process group of its own. */
static pid_t
find_guard(void)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	pid_t found = 0;

	cr_assert(d != NULL);
	while (found == 0 && (de = readdir(d)) != NULL) {
		char path[300], comm[32];
		ssize_t len;
		pid_t pid;
		int fd;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid = (pid_t)atoi(de->d_name);
		if (proc_stat_field(pid, 6) != tp.pid)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
			continue;
		len = read(fd, comm, sizeof(comm) - 1);
		close(fd);
		comm[len > 0 ? len : 0] = '\0';
		if (strcmp(comm, "tend: guard\n") == 0)
			found = pid;
	}
	closedir(d);
	if (found != 0)
		cr_assert(proc_stat_field(found, 5) == found,
		    "the guard is not in a process group of its own");
	return found;
}

/* Waits for the job and the guard, kills as told, checks all of it died. */
static void
kill_and_expect_the_job_gone(pid_t target)
{
	pid_t job = read_pid("job.pid"), child = read_pid("child.pid");
	pid_t guard = 0;
	long t0;

	/* tend exec forks its guard 0.1 s after it starts. */
	for (long end = now_ms() + 2000; !guard && now_ms() < end;)
		if (!(guard = find_guard()))
			tp_pump(&tp, 10);
	cr_assert(guard != 0, "no guard process; output:\n%s", tp.out);
	kill(target, SIGKILL);
	t0 = now_ms();
	/* The bound: gone within a second (measured: 0-6 ms). */
	while ((pid_alive(job) || pid_alive(child)) && now_ms() - t0 < 1000)
		usleep(5000);
	cr_assert(!pid_alive(job), "the job's main process outlived tend");
	cr_assert(!pid_alive(child),
	    "the job's child (pid %d) outlived kill -9 of tend by 1 s; "
	    "output:\n%s",
	    (int)child, tp.out);
	cr_log_info("job and child gone %ld ms after the kill", now_ms() - t0);
	tp_wait_exit(&tp, 1000);
	cr_assert(WIFSIGNALED(tp.status) && WTERMSIG(tp.status) == SIGKILL);
	expect_no_process_left();
}

Test(guard, serve_a_running_build_and_its_child_die_with_tend)
{
	const char *args[] = {"serve", "public", "--http", "127.0.0.1:0",
	    "--build", JOB_SH, NULL};
	char *resp, want[64];
	size_t len;
	pid_t job;

	it_start(args, true);
	job = read_pid("job.pid");
	/* /__tend/status names the running build's group, for kill -PGID. */
	resp = http_exchange(tp_http_port(&tp),
	    "GET /__tend/status HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
	    &len, 3000);
	snprintf(want, sizeof(want), "\"pgid\":%d", (int)job);
	cr_assert(resp != NULL && strstr(resp, want) != NULL, "no %s in:\n%s",
	    want, resp ? resp : "(nothing)");
	free(resp);
	kill_and_expect_the_job_gone(tp.pid);
}

Test(guard, run_a_running_task_and_its_child_die_with_tend)
{
	const char *args[] = {"run", NULL};

	tmp_write(dir, "tend.json",
	    "{ \"jobs\": { \"long\": { \"cmd\": \"" JOB_SH "\" } } }");
	it_start(args, false);
	kill_and_expect_the_job_gone(tp.pid);
}

Test(guard, a_service_and_its_child_die_with_tend)
{
	const char *args[] = {NULL};

	tmp_write(dir, "tend.json",
	    "{ \"jobs\": { \"api\": { \"kind\": \"service\", \"cmd\": \"" JOB_SH
	    "\" } } }");
	it_start(args, false);
	kill_and_expect_the_job_gone(tp.pid);
}

Test(guard, exec_the_command_and_its_child_die_with_tend)
{
	const char *args[] = {"exec", "--", "sh", "-c", JOB_SH, NULL};

	it_start(args, false);
	kill_and_expect_the_job_gone(tp.pid);
}

/* A shell's `kill -9 %1`: the signal goes to tend's process group. */
Test(guard, kill_9_of_tends_process_group_still_ends_the_jobs)
{
	const char *args[] = {"serve", "public", "--http", "127.0.0.1:0",
	    "--build", JOB_SH, NULL};

	it_start(args, true);
	kill_and_expect_the_job_gone(-tp.pid);
	tp_pump(&tp, 100);
	cr_assert(strstr(tp.out,
	              "the supervisor is gone; killed process "
	              "group") != NULL,
	    "the guard said nothing:\n%s", tp.out);
}
