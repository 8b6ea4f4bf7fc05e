/* SPDX-License-Identifier: ISC */
/*
 * tests/integration/common.c
 * The shared fixture; see common.h.
 */
#include <sys/stat.h>

#include "common.h"

struct tp tp;
char dir[64];

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
}

void
it_teardown(void)
{
	tp_cleanup(&tp);
	tmp_remove(dir);
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
	    "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &len,
	    timeout_ms);

	cr_assert(http_status(resp) == 200 && strstr(resp, "hello") != NULL,
	    "not served within %d ms: \"%.80s\"", timeout_ms, resp);
	free(resp);
	return now_ms() - t0;
}
