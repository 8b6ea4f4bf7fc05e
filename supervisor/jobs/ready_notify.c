/* SPDX-License-Identifier: ISC */
/*
 * supervisor/jobs/ready_notify.c
 * The notify readiness probe, systemd's sd_notify protocol: the job finds
 * $NOTIFY_SOCKET, a datagram socket in a private directory, and sends
 * "READY=1" (lines of KEY=VALUE) when it is ready. Owns that directory
 * and socket from ready_prepare until the probe concludes or stops.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ev.h>

#include "job.h"
#include "ready.h"

#define NOTIFY_DIR "/tend-ready-XXXXXX"
#define NOTIFY_NAME "/notify"
#define NOTIFY_DGRAM_MAX 4096 /* longer datagrams are cut; READY=1 fits */

static int
ready_notify_path(const struct ready_probe *p, struct sockaddr_un *sun)
{
	size_t dlen = strlen(p->rp_dir), nlen = sizeof(NOTIFY_NAME) - 1;

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	/* Too long for sun_path: report the length the caller checks. */
	if (dlen + nlen >= sizeof(sun->sun_path))
		return (int)(dlen + nlen);
	memcpy(sun->sun_path, p->rp_dir, dlen);
	memcpy(sun->sun_path + dlen, NOTIFY_NAME, nlen + 1);
	return (int)(dlen + nlen);
}

/*
 * "KEY=VALUE" lines. READY=1 concludes; STATUS= is kept so that a
 * timeout can say what the job last said about itself.
 */
static bool
ready_notify_parse(struct ready_probe *p, char *msg)
{
	char *line, *save = NULL;

	for (line = strtok_r(msg, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		if (strcmp(line, "READY=1") == 0)
			return true;
		if (strncmp(line, "STATUS=", 7) == 0)
			snprintf(p->rp_why, sizeof(p->rp_why),
			    "its last status: \"%.200s\"", line + 7);
	}
	return false;
}

static void
on_notify(struct ev_loop *loop, ev_io *w, int revents)
{
	struct job *j =
	    (struct job *)((char *)w - offsetof(struct job, j_probe.rp_nio));
	char buf[NOTIFY_DGRAM_MAX + 1];
	ssize_t n;

	(void)loop;
	(void)revents;
	/* Each recv is one datagram; read them all while we are here. */
	for (;;) {
		n = recv(w->fd, buf, NOTIFY_DGRAM_MAX, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return; /* EAGAIN: the queue is empty */
		buf[n] = '\0';
		if (ready_notify_parse(&j->j_probe, buf)) {
			ready_done(j, true, "sent READY=1");
			return;
		}
	}
}

/*
 * A fresh 0700 directory (mkdtemp) holds the socket, so only our user can
 * send to it and no name is ever reused, under $XDG_RUNTIME_DIR when it
 * is set and short enough for sun_path, else /tmp. Errors go to rp_why.
 */
int
ready_notify_open(struct job *j)
{
	struct ready_probe *p = &j->j_probe;
	const char *base = getenv("XDG_RUNTIME_DIR");
	struct sockaddr_un sun;
	int fd, err;

	if (base == NULL || base[0] != '/' ||
	    strlen(base) + sizeof(NOTIFY_DIR NOTIFY_NAME) > READY_SUN_MAX)
		base = "/tmp";
	snprintf(p->rp_dir, sizeof(p->rp_dir), "%s" NOTIFY_DIR, base);
	if (mkdtemp(p->rp_dir) == NULL) {
		snprintf(p->rp_why, sizeof(p->rp_why),
		    "cannot make a directory for NOTIFY_SOCKET in %s: %s", base,
		    strerror(errno));
		p->rp_dir[0] = '\0';
		return -1;
	}
	ready_notify_path(p, &sun);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		err = errno;
		if (fd >= 0)
			close(fd);
		rmdir(p->rp_dir);
		snprintf(p->rp_why, sizeof(p->rp_why),
		    "cannot make NOTIFY_SOCKET %s: %s", sun.sun_path,
		    strerror(err));
		p->rp_dir[0] = '\0';
		return -1;
	}
	ev_io_init(&p->rp_nio, on_notify, fd, EV_READ);
	p->rp_has_nfd = true;
	snprintf(
	    p->rp_env, sizeof(p->rp_env), "NOTIFY_SOCKET=%s", sun.sun_path);
	return 0;
}

/* After the spawn: what the job sent meanwhile waits in the queue. */
void
ready_notify_start(struct job *j)
{
	ev_io_start(j->j_env->loop, &j->j_probe.rp_nio);
}

void
ready_notify_close(struct job *j)
{
	struct ready_probe *p = &j->j_probe;
	struct sockaddr_un sun;

	if (p->rp_has_nfd) {
		ev_io_stop(j->j_env->loop, &p->rp_nio);
		close(p->rp_nio.fd);
		p->rp_nio.fd = -1;
		p->rp_has_nfd = false;
	}
	if (p->rp_dir[0] != '\0') {
		ready_notify_path(p, &sun);
		unlink(sun.sun_path);
		rmdir(p->rp_dir);
		p->rp_dir[0] = '\0';
	}
}
