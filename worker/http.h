/* SPDX-License-Identifier: ISC */
/*
 * worker/http.h
 * The worker's HTTP/1.1 server: accepts on a listening socket it does not
 * own, serves static files under a root, the /__tend/ control endpoints,
 * and drains gracefully. One libev loop, nonblocking everywhere.
 */
#ifndef TEND_WORKER_HTTP_H
#define TEND_WORKER_HTTP_H

#include <sys/socket.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ev.h>

struct wrk_http;

/*
 * serve.proxy: requests whose path starts with prefix (whole segments)
 * go to the server at addr, path unchanged (http_proxy.c). The strings
 * stay the caller's and must outlive the server.
 */
struct wrk_http_route {
	const char *prefix; /* "/api" */
	const char *to; /* "127.0.0.1:5000", as written: pages, messages */
	const char *job; /* the service behind it, or NULL */
	struct sockaddr_storage addr[2]; /* tried in order (localhost: */
	socklen_t addrlen[2]; /* 127.0.0.1, then ::1) */
	unsigned naddr;
};

/*
 * What happens to a request for a route naming a job (ops.gate): it goes
 * to the server, waits (held: the service restarts or is not yet ready),
 * gets 503 with Retry-After (tend stops and nothing will start the
 * service), or 502 with a page saying the service is down.
 */
enum wrk_gate { WRK_GATE_OPEN, WRK_GATE_WAIT, WRK_GATE_BUSY, WRK_GATE_DOWN };

struct wrk_gate_view {
	char state[96]; /* WRK_GATE_DOWN: "exited with status 1" */
	const char *tail; /* and its last output, or NULL */
	/* In: the server refused a connection (the service may be dying
	 * before tend has seen it end). */
	bool refused;
};

/*
 * The callbacks run while a request is being handled: they must not call
 * wrk_http_cut or wrk_http_free (that would free the connection in use);
 * wrk_http_broadcast and wrk_http_drain are safe. `drained` is always the
 * last thing the server does, so it may free the server.
 */
struct wrk_http_ops {
	/*
	 * POST /__tend/build?job=NAME (job "" when absent) from a loopback
	 * peer. Return 0 when the build was requested (202), -1 when no
	 * such job exists (404).
	 */
	int (*trigger_build)(void *arg, const char *job, const char *peer);
	/* GET /__tend/status: a malloc'd JSON document, or NULL (500). */
	char *(*status_json)(void *arg);
	/* Draining and the last connection is gone. Called once. */
	void (*drained)(void *arg);
	/*
	 * A proxy route's server stopped answering (err: the errno of the
	 * failed connect) or answers again (err 0); once per change. May
	 * be NULL.
	 */
	void (*upstream)(void *arg, const struct wrk_http_route *r, int err);
	/*
	 * The gate of a route naming job (NULL: always open). A request
	 * parked by it waits for wrk_http_gates_changed.
	 */
	enum wrk_gate (*gate)(
	    void *arg, const char *job, struct wrk_gate_view *v);
	void *arg;
};

struct wrk_http_limits {
	size_t max_header_bytes; /* request line + headers; 431 beyond */
	size_t max_url_bytes; /* 414 beyond */
	double header_timeout; /* seconds to receive a whole request head */
	double keepalive_timeout; /* idle seconds between requests */
	bool spa; /* unknown path without extension: /index.html */
	/* Inject the live-reload client into HTML responses. */
	bool livereload;
	/* Longest a request waits while held for a build (wrk_http_hold). */
	double hold_timeout;
	/* Who may ask what (http_guard.c): serve.hosts, deny, allow, status. */
	char *const *hosts;
	size_t nhosts;
	char *const *deny;
	size_t ndeny;
	char *const *allow;
	size_t nallow;
	bool status_any; /* /__tend/status for non-loopback peers too */
	const struct wrk_http_route *routes; /* serve.proxy */
	size_t nroutes;
};

/*
 * Defaults: 8 KiB headers, 4 KiB URL, 10 s head, 60 s keep-alive, no SPA,
 * no live reload, 10 s hold.
 */
void wrk_http_limits_default(struct wrk_http_limits *l);

/*
 * Serve on listen_fd (nonblocking, already listening; not closed by us)
 * the files under root. Returns NULL with errno when root cannot be
 * opened as a directory.
 */
struct wrk_http *wrk_http_new(struct ev_loop *loop, int listen_fd,
    const char *root, const struct wrk_http_limits *limits,
    const struct wrk_http_ops *ops);

/*
 * Begin a graceful stop: accept until EAGAIN (each accepted connection is
 * served), stop listening (the listener is shut down, so a later client
 * is refused at once instead of waiting in a backlog nobody reads), let
 * every request already received or arriving
 * on an open connection before it goes idle be answered with
 * "Connection: close", close idle keep-alive connections, send `shutdown`
 * to event-stream clients and close them. After deadline seconds the rest
 * is cut. ops->drained is called when no connection remains (possibly
 * from inside this call). Idempotent.
 *
 * handoff (another worker now serves the listener, which stays open): idle
 * keep-alive
 * connections stay open for one more request, answered with "Connection:
 * close", or until their idle timeout or the deadline; event streams end
 * without `shutdown` (the page reconnects to the new worker). A later
 * call without handoff turns it into the stop above.
 */
void wrk_http_drain(struct wrk_http *h, double deadline, bool handoff);

/*
 * Close every connection now (a second interrupt, the drain deadline),
 * after answering held requests 503. Counts the unfinished as cut.
 */
void wrk_http_cut(struct wrk_http *h);

/*
 * Hold (on) or release (off) requests for files while a build writes
 * them, so a browser never gets a half-written site. A held request is
 * answered when released, or 503 with Retry-After after hold_timeout.
 * /__tend/ endpoints are never held. Idempotent.
 */
void wrk_http_hold(struct wrk_http *h, bool on);
bool wrk_http_holding(const struct wrk_http *h);
/*
 * Stop holding, and answer every held request 503 with Retry-After now
 * (tend hurries, or the supervisor is gone with the build half done).
 */
void wrk_http_refuse_held(struct wrk_http *h);

/*
 * A service's state changed (the gate may answer otherwise): requests
 * it parked are forwarded or answered if they may be now.
 */
void wrk_http_gates_changed(struct wrk_http *h);

/*
 * Send an event to every /__tend/events (Server-Sent Events) client;
 * clients that are not loopback peers get remote instead, when not NULL
 * (a build's output is for this machine, as the status page is).
 */
void wrk_http_broadcast(struct wrk_http *h, const char *event, const char *data,
    const char *remote);

struct wrk_http_stats {
	uint64_t requests; /* responses completed */
	uint64_t connections; /* accepted */
	uint64_t cut; /* closed with a response unfinished */
	size_t open; /* open now */
	size_t sending; /* responses being written (or proxied) now */
	uint64_t unsent; /* their bytes not yet written */
};
void wrk_http_stats(const struct wrk_http *h, struct wrk_http_stats *st);

void wrk_http_free(struct wrk_http *h);

#endif
