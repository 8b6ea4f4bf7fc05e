/* SPDX-License-Identifier: ISC */
/*
 * tests/integration/test_traversal.c
 * No byte from outside the served root, whatever the path looks like.
 * A secret sits right beside the root; every hostile form is sent raw.
 */
#include <sys/stat.h>

#include "common.h"

TestSuite(traversal, .init = it_setup, .fini = it_teardown, .timeout = 60);

static const char *const hostile[] = {
    "/../secret.txt",
    "/%2e%2e/secret.txt",
    "/%2E%2E/secret.txt",
    "/%252e%252e/secret.txt",
    "/..%2fsecret.txt",
    "/%2e%2e%2fsecret.txt",
    "/.%2e/secret.txt",
    "/sub/../../secret.txt",
    "/sub/%2e%2e/%2e%2e/secret.txt",
    "/secret.txt%00.html",
    "/%00",
    "//etc/passwd",
    "/..\\secret.txt",
    "/link-out",
    "/link-out-abs",
    "/sub/link-up",
    "http://127.0.0.1/../secret.txt",
    "/../../../../../../../../etc/passwd",
    "/....//secret.txt",
};

Test(traversal, no_form_of_escape_reads_outside_the_root)
{
	const char *args[] = {"serve", "public", "--http", "127.0.0.1:0", NULL};
	char req[512], path[256];
	int port;

	tmp_write(dir, "secret.txt", "TOPSECRET\n");
	snprintf(path, sizeof(path), "%s/public/sub", dir);
	mkdir(path, 0755);
	tmp_write(dir, "public/sub/page.html", "sub page\n");
	snprintf(path, sizeof(path), "%s/public/link-out", dir);
	cr_assert(symlink("../secret.txt", path) == 0);
	snprintf(path, sizeof(path), "%s/public/link-out-abs", dir);
	char target[256];
	snprintf(target, sizeof(target), "%s/secret.txt", dir);
	cr_assert(symlink(target, path) == 0);
	snprintf(path, sizeof(path), "%s/public/sub/link-up", dir);
	cr_assert(symlink("../../secret.txt", path) == 0);

	it_start(args, true);
	port = tp_http_port(&tp);
	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		size_t len;
		snprintf(req, sizeof(req),
		    "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
		    hostile[i]);
		char *resp = http_exchange(port, req, &len, 5000);
		int code = http_status(resp);
		cr_expect(
		    code >= 300 || code == -1, "%s -> %d", hostile[i], code);
		cr_assert(strstr(resp, "TOPSECRET") == NULL,
		    "%s leaked the secret", hostile[i]);
		cr_assert(strstr(resp, "root:") == NULL, "%s leaked passwd",
		    hostile[i]);
		free(resp);
	}
	/* And the root is still served normally. */
	size_t len;
	char *resp = http_exchange(port,
	    "GET /sub/page.html HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: "
	    "close\r\n\r\n",
	    &len, 5000);
	cr_assert(http_status(resp) == 200 && strstr(resp, "sub page"));
	free(resp);
	it_ctrl_c(1);
	expect_exit_by_signal(SIGINT);
	expect_no_process_left();
}
