/* SPDX-License-Identifier: ISC */
/*
 * tests/integration/common.c
 * The shared fixture; see common.h.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <poll.h>

#include "common.h"

struct tp tp;
char dir[64];
static char run_dir[80];

void
it_setup(void)
{
	char root[128];

	tmp_make(dir, sizeof(dir));
	snprintf(root, sizeof(root), "%s/public", dir);
	mkdir(root, 0755);
	tmp_write(
	    dir, "public/index.html", "<html><body>hello</body></html>\n");
	tp.pid = 0;
	/*
	 * Each test's control sockets in a directory of its own (tend
	 * status), beside dir: a socket in a watched tree would be a change.
	 */
	snprintf(run_dir, sizeof(run_dir), "%s.run", dir);
	mkdir(run_dir, 0700);
	setenv("XDG_RUNTIME_DIR", run_dir, 1);
}

int
it_command(const char *const *args, char *out, size_t size, int timeout_ms)
{
	const char *argv[16] = {TEND_BIN};
	size_t len = 0, n = 1;
	int p[2], status = -1;
	long end = now_ms() + timeout_ms;
	pid_t pid;

	for (; args[n - 1] != NULL && n < 15; n++)
		argv[n] = args[n - 1];
	argv[n] = NULL;
	cr_assert(pipe(p) == 0);
	if ((pid = fork()) == 0) {
		dup2(p[1], 1);
		dup2(p[1], 2);
		close(p[0]);
		close(p[1]);
		if (chdir(dir) == 0)
			execv(TEND_BIN, (char *const *)argv);
		_exit(127);
	}
	close(p[1]);
	out[0] = '\0';
	while (now_ms() < end) {
		struct pollfd pf = {p[0], POLLIN, 0};
		ssize_t r;
		if (poll(&pf, 1, 50) <= 0)
			continue;
		r = read(p[0], out + len, size - 1 - len);
		if (r <= 0)
			break;
		len += (size_t)r;
		out[len] = '\0';
		if (tp.pid > 0)
			tp_pump(&tp, 0); /* tend's output keeps flowing */
	}
	close(p[0]);
	if (now_ms() >= end)
		kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

void
it_teardown(void)
{
	tp_cleanup(&tp);
	tmp_remove(dir);
	tmp_remove(run_dir);
}

void
it_start(const char *const *args, bool wait_ready)
{
	tp_start(&tp, dir, args);
	if (wait_ready)
		cr_assert(tp_wait_for(&tp, "worker ready", 10000),
		    "worker not ready; output:\n%s", tp.out);
}

void
it_wait_file(const char *name)
{
	for (long end = now_ms() + 10000;
	     !tmp_exists(dir, name) && now_ms() < end;)
		tp_pump(&tp, 10);
	cr_assert(tmp_exists(dir, name), "no %s after 10 s; output:\n%s", name,
	    tp.out);
}

void
it_ctrl_c(int n)
{
	for (int i = 0; i < n; i++) {
		if (i > 0)
			tp_pump(&tp, 150);
		tp_type(&tp, "\x03");
	}
}

void
it_expect_no_sanitizer_report(void)
{
	cr_assert(strstr(tp.out, "Sanitizer") == NULL &&
	        strstr(tp.out, "runtime error:") == NULL,
	    "a sanitizer reported:\n%s", tp.out);
}

long
expect_served(int port, int timeout_ms)
{
	long t0 = now_ms();
	size_t len;
	char *resp = http_exchange(port,
	    "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
	    &len, timeout_ms);

	cr_assert(http_status(resp) == 200 && strstr(resp, "hello") != NULL,
	    "not served within %d ms: \"%.80s\"", timeout_ms, resp);
	free(resp);
	return now_ms() - t0;
}

size_t
lines_with(const char *name, const char *prefix)
{
	size_t len, n = 0;
	char *s = tmp_read(dir, name, &len);

	for (char *p = s; p && *p;
	     p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (strncmp(p, prefix, strlen(prefix)) == 0)
			n++;
	free(s);
	return n;
}

void
expect_runs(const char *name, size_t want)
{
	for (long end = now_ms() + 8000;
	     lines_with(name, "run") < want && now_ms() < end;)
		tp_pump(&tp, 10);
	tp_pump(&tp, 400);
	cr_assert(lines_with(name, "run") == want,
	    "%zu runs, wanted %zu; output:\n%s", lines_with(name, "run"), want,
	    tp.out);
}

int
sse_open(int port)
{
	const char req[] =
	    "GET /__tend/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
	int fd = tcp_connect(port, 0);

	cr_assert(fd >= 0);
	cr_assert(send(fd, req, sizeof(req) - 1, 0) > 0);
	return fd;
}

static void
sse_read_until(
    int fd, char *buf, size_t size, int ms, const char *needle, size_t n)
{
	size_t len = strlen(buf);
	long end = now_ms() + ms;

	while (now_ms() < end && len < size - 1 &&
	    (needle == NULL || count_in(buf, needle) < n)) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		tp_pump(&tp, 0);
		if (poll(&p, 1, 10) <= 0)
			continue;
		ssize_t got = recv(fd, buf + len, size - 1 - len, 0);
		if (got <= 0)
			break;
		len += (size_t)got;
		buf[len] = '\0';
	}
}

void
sse_read(int fd, char *buf, size_t size, int ms)
{
	sse_read_until(fd, buf, size, ms, NULL, 0);
}

bool
sse_wait(int fd, char *buf, size_t size, const char *needle, size_t n,
    int timeout_ms)
{
	sse_read_until(fd, buf, size, timeout_ms, needle, n);
	return count_in(buf, needle) >= n;
}

size_t
count_in(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}
