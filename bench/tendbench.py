#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Helpers of bench/run-all (Python 3.11 standard library only).

Subcommands:
  freeport                      print a free TCP port on 127.0.0.1
  wrk FILE PREFIX               parse wrk --latency output into result lines
  rss PID...                    print VmRSS (KiB) of each pid, 0 if gone
  rss-parts PID...              print RssAnon/RssFile/RssShmem/Pss of each
  children PID                  print the direct children of PID
  ctrlc N OUT KIND -- ARGV... [+++ KIND -- ARGV...]...
                                Ctrl-C-to-exit latency; KIND is one of
                                floor (any program), tend, python, nginx
  udp N ROUNDS OUT LOG -- ARGV  datagrams handled out of sent before Ctrl-C
  idle N OUT NAME PORT ROLE=PID...
                                N idle keep-alive connections to a running
                                server on 127.0.0.1:PORT: RSS/PSS of each
                                ROLE before, with them open, after closing
                                (opening bounded by $TEND_BENCH_IDLE_LIMIT
                                seconds, default 40)
  report RESULTS [--doc FILE]   print the markdown table (and update FILE)

Result lines are "key value" pairs appended to a plain text file; the
report reads them back. Every process a helper starts is killed before it
returns, and its pid is written to $TEND_BENCH_PIDS while it lives so the
shell's trap can kill it too if the helper itself dies.
"""
import errno
import os
import pty
import re
import resource
import select
import selectors
import signal
import socket
import statistics
import sys
import time

# ---------------------------------------------------------------- common


def out(results, key, value):
    with open(results, "a", encoding="utf-8") as f:
        f.write(f"{key} {value}\n")


def note_pid(pid):
    path = os.environ.get("TEND_BENCH_PIDS")
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(f"{pid}\n")


def vmrss(pid, field="VmRSS"):
    try:
        with open(f"/proc/{pid}/status", encoding="utf-8") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def pss(pid):
    """Proportional set size (KiB): shared pages split among sharers."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="utf-8") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def alive(pid):
    """True while pid exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def children(pid):
    kids = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children", encoding="utf-8") as f:
                kids += [int(x) for x in f.read().split()]
    except OSError:
        pass
    return kids


def freeport():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def percentile(xs, p):
    """Nearest-rank percentile of a non-empty list."""
    xs = sorted(xs)
    k = max(0, min(len(xs) - 1, int(-(-p * len(xs) // 100)) - 1))
    return xs[k]


class Child:
    """A program on a pty, as if typed at a terminal."""

    def __init__(self, argv, log):
        self.log = open(log, "ab")
        self.buf = b""
        pid, fd = pty.fork()
        if pid == 0:
            try:
                os.execvp(argv[0], argv)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        note_pid(pid)
        os.set_blocking(fd, False)
        try:
            self.pidfd = os.pidfd_open(pid)
        except (AttributeError, OSError):
            self.pidfd = None
        self.status = None
        self.eof = False  # the slave side is closed: select would spin

    def drain(self):
        """Read whatever the program wrote, without blocking."""
        while True:
            try:
                data = os.read(self.fd, 65536)
            except BlockingIOError:
                return
            except OSError:  # EIO: the slave side is closed
                self.eof = True
                return
            if not data:
                self.eof = True
                return
            self.buf += data
            self.log.write(data)

    def wait_output(self, pattern, timeout):
        rx = re.compile(pattern)
        end = time.monotonic() + timeout
        while True:
            m = rx.search(self.buf.decode("utf-8", "replace"))
            if m:
                return m
            left = end - time.monotonic()
            if left <= 0 or self.status is not None:
                return None
            r, _, _ = select.select([self.fd], [], [], min(left, 0.05))
            if r:
                before = len(self.buf)
                self.drain()
                if len(self.buf) == before and self.poll():
                    return None

    def poll(self):
        if self.status is None:
            pid, st = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = st
        return self.status is not None

    def wait_exit(self, timeout):
        """Wait for exit while draining the pty; returns monotonic_ns at
        which waitpid returned, or None on timeout."""
        end = time.monotonic() + timeout
        while self.status is None:
            left = end - time.monotonic()
            if left <= 0:
                return None
            fds = ([] if self.eof else [self.fd]) + \
                ([self.pidfd] if self.pidfd is not None else [])
            # Without a pidfd (old kernel or Python), poll every 0.2 ms.
            r, _, _ = select.select(fds, [], [], left if self.pidfd
                                    is not None else min(left, 0.0002))
            if self.fd in r:
                self.drain()
            pid, st = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                t = time.monotonic_ns()
                self.status = st
                return t
        return time.monotonic_ns()

    def close(self):
        """Kill whatever is left of it; collect the rest of its output."""
        if self.status is None:
            for sig in (signal.SIGTERM, signal.SIGKILL):
                try:
                    os.kill(self.pid, sig)
                except ProcessLookupError:
                    break
                if self.wait_exit(2.0) is not None:
                    break
        self.drain()
        os.close(self.fd)
        if self.pidfd is not None:
            os.close(self.pidfd)
        self.log.close()

    def text(self):
        return self.buf.decode("utf-8", "replace")


def kill_left(pids):
    for pid in pids:
        if alive(pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def describe(st):
    if st is None:
        return "still running"
    if os.WIFSIGNALED(st):
        return f"signal {os.WTERMSIG(st)}"
    return f"exit {os.WEXITSTATUS(st)}"


# ---------------------------------------------------------------- wrk

UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def to_ms(s):
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", s)
    if not m:
        raise ValueError(f"cannot read latency {s!r}")
    return float(m.group(1)) * UNIT_MS[m.group(2)]


def cmd_wrk(path, prefix, results):
    text = open(path, encoding="utf-8", errors="replace").read()
    m = re.search(r"^Requests/sec:\s*([\d.]+)", text, re.M)
    p99 = re.search(r"^\s*99%\s+(\S+)", text, re.M)
    if not m or not p99:
        print(f"tendbench: cannot parse wrk output {path}:\n{text}",
              file=sys.stderr)
        return 1
    out(results, f"{prefix}.rps", m.group(1))
    out(results, f"{prefix}.p99_ms", f"{to_ms(p99.group(1)):.3f}")
    req = re.search(r"^\s*(\d+) requests in", text, re.M)
    out(results, f"{prefix}.requests", req.group(1) if req else 0)
    non = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", text)
    out(results, f"{prefix}.non2xx", non.group(1) if non else 0)
    err = re.search(r"Socket errors: connect (\d+), read (\d+), "
                    r"write (\d+), timeout (\d+)", text)
    out(results, f"{prefix}.sockerr",
        "0" if not err else "c%s/r%s/w%s/t%s" % err.groups()
        if any(int(x) for x in err.groups()) else "0")
    return 0


# ---------------------------------------------------------------- Ctrl-C


def ctrlc_once(kind, argv, log, idle):
    """Start argv on a pty, wait until it serves, then Ctrl-C it.

    Returns (ms, status, problems)."""
    problems = []
    c = Child(argv, log)
    extra = []
    try:
        if kind == "tend":
            m = c.wait_output(r"worker ready \(pid (\d+)\)", 10)
            if not m:
                return None, c.status, ["no 'worker ready' line in 10 s"]
            extra = [int(m.group(1))]
            note_pid(extra[0])
        elif kind == "python":
            if not c.wait_output(r"Serving HTTP on", 10):
                return None, c.status, ["no 'Serving HTTP' line in 10 s"]
        elif kind == "floor":  # a program that does nothing at all
            pass
        else:  # nginx: says nothing when it is up; it is when it accepts
            port = int(os.environ["TEND_BENCH_NGINX_PORT"])
            end = time.monotonic() + 10
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), 0.5).close()
                    break
                except OSError:
                    if time.monotonic() > end or c.poll():
                        return None, c.status, ["nginx never accepted"]
                    time.sleep(0.005)
            extra = children(c.pid)
            for pid in extra:
                note_pid(pid)
        time.sleep(idle)
        c.drain()
        t0 = time.monotonic_ns()
        if kind == "nginx":
            os.kill(c.pid, signal.SIGINT)
        else:
            os.write(c.fd, b"\x03")
        t1 = c.wait_exit(10)
        if t1 is None:
            return None, None, ["did not exit within 10 s of Ctrl-C"]
        # A worker outliving its supervisor would make the figure a lie.
        for pid in extra:
            if alive(pid):
                problems.append(f"child {pid} still alive after exit")
        c.drain()
        if kind == "tend":
            if "worker stopped on signal" in c.text():
                problems.append("race")
            if not re.search(r"worker stopped: \d+ requests", c.text()):
                problems.append("no 'worker stopped: N requests ...' line")
        return (t1 - t0) / 1e6, c.status, problems
    finally:
        c.close()
        kill_left(extra)


def cmd_ctrlc(n, results, progs, log, idle):
    """progs: [(kind, argv)]; the kinds take turns, run by run, so that a
    slow spell of the machine falls on all of them alike."""
    acc = {k: {"times": [], "bysig": 0, "statuses": {}, "problems": [],
               "races": 0} for k, _ in progs}
    end = time.monotonic() + 30 + n * len(progs) * 2  # bounded regardless
    for i in range(n):
        if time.monotonic() > end:
            for k, _ in progs:
                acc[k]["problems"].append(f"stopped after {i} runs: "
                                          "out of time")
            break
        for kind, argv in progs:
            a = acc[kind]
            ms, st, probs = ctrlc_once(kind, argv, log, idle)
            a["races"] += probs.count("race")
            a["problems"] += [p for p in probs if p != "race"]
            if ms is None:
                a["problems"].append(f"run {i + 1}: {describe(st)}")
                continue
            a["times"].append(ms)
            d = describe(st)
            a["statuses"][d] = a["statuses"].get(d, 0) + 1
            if os.WIFSIGNALED(st) and os.WTERMSIG(st) == signal.SIGINT:
                a["bysig"] += 1
    for kind, a in acc.items():
        times, p = a["times"], f"ctrlc.{kind}"
        out(results, f"{p}.runs", len(times))
        if times:
            out(results, f"{p}.median_ms", f"{statistics.median(times):.3f}")
            out(results, f"{p}.p95_ms", f"{percentile(times, 95):.3f}")
            out(results, f"{p}.max_ms", f"{max(times):.3f}")
            out(results, f"{p}.min_ms", f"{min(times):.3f}")
            out(results, f"{p}.under5", sum(1 for t in times if t <= 5))
        out(results, f"{p}.bysigint", a["bysig"])
        out(results, f"{p}.worker_first", a["races"])
        out(results, f"{p}.status", ",".join(
            f"{k.replace(' ', ':')}x{v}" for k, v in a["statuses"].items()))
        counts = {}
        for pr in a["problems"]:
            counts[pr] = counts.get(pr, 0) + 1
        for pr, k in sorted(counts.items()):
            out(results, f"{p}.problem", pr.replace("\n", " ")
                + (f" (in {k} runs)" if k > 1 else ""))
        sys.stderr.write(
            f"  {kind:6}: {len(times)} runs"
            + (f", median {statistics.median(times):.2f} ms, "
               f"p95 {percentile(times, 95):.2f} ms, "
               f"max {max(times):.2f} ms" if times else "")
            + f", {a['bysig']} by SIGINT"
            + (f"; {len(a['problems'])} problem(s)" if a["problems"] else "")
            + "\n")
    return 0


# ---------------------------------------------------------------- UDP


def udp_once(n, argv, log, udp_log):
    c = Child(argv, log)
    res = {"sent": 0, "problems": []}
    worker = None
    try:
        m = c.wait_output(r"worker ready \(pid (\d+)\)", 10)
        u = re.search(r"udp events on ([\d.]+):(\d+)", c.text())
        if not m or not u:
            res["problems"].append("no 'worker ready' / 'udp events' line")
            return res
        worker = int(m.group(1))
        note_pid(worker)
        addr = (u.group(1), int(u.group(2)))
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.connect(addr)
        sent, errors = 0, 0
        t0 = time.monotonic()
        deadline = t0 + 60
        for i in range(n):
            try:
                s.send(b"bench datagram %08d" % i)
                sent += 1
            except OSError:
                errors += 1
            if i % 200 == 199:
                c.drain()  # tend prints every record: never let it block
                if time.monotonic() > deadline:
                    res["problems"].append("send loop hit its 60 s bound")
                    break
        t1 = time.monotonic()
        s.close()
        c.drain()
        tc = time.monotonic_ns()
        os.write(c.fd, b"\x03")
        te = c.wait_exit(30)
        res.update(sent=sent, send_errors=errors,
                   send_s=t1 - t0,
                   exit_ms=None if te is None else (te - tc) / 1e6,
                   status=c.status)
        if te is None:
            res["problems"].append("did not exit within 30 s of Ctrl-C")
    finally:
        c.close()
        if worker:
            if alive(worker):
                res["problems"].append("worker alive after supervisor exit")
            kill_left([worker])
    bye = re.search(r"(\d+) requests? answered, (\d+) datagrams? handled",
                    c.text())
    res["bye"] = int(bye.group(2)) if bye else None
    if not bye:
        res["problems"].append("no 'worker stopped' line")
    try:
        with open(udp_log, "rb") as f:
            res["logged"] = sum(1 for line in f if b" bench datagram " in line)
    except OSError:
        res["logged"] = 0
    return res


def cmd_udp(n, rounds, results, argv, log, udp_log):
    sent = logged = byes = 0
    worst = None
    for r in range(rounds):
        try:
            os.unlink(udp_log)
        except FileNotFoundError:
            pass
        res = udp_once(n, argv, log, udp_log)
        k = f"udp.r{r + 1}"
        out(results, f"{k}.sent", res["sent"])
        out(results, f"{k}.logged", res["logged"])
        out(results, f"{k}.bye", res["bye"] if res["bye"] is not None else "-")
        if res.get("send_s"):
            out(results, f"{k}.send_rate", f"{res['sent'] / res['send_s']:.0f}")
        if res.get("exit_ms") is not None:
            out(results, f"{k}.exit_ms", f"{res['exit_ms']:.3f}")
        out(results, f"{k}.status", describe(res.get("status")).replace(" ", ":"))
        for pr in res["problems"]:
            out(results, "udp.problem", f"round {r + 1}: {pr}")
        sent += res["sent"]
        logged += res["logged"]
        byes += res["bye"] or 0
        frac = res["logged"] / res["sent"] if res["sent"] else 0
        worst = frac if worst is None else min(worst, frac)
        sys.stderr.write(
            f"  round {r + 1}: sent {res['sent']}, logged {res['logged']}, "
            f"BYE says {res['bye']} handled"
            + (f", sent at {res['sent'] / res['send_s']:.0f}/s"
               if res.get("send_s") else "")
            + (f", exit {res['exit_ms']:.1f} ms after Ctrl-C"
               if res.get("exit_ms") is not None else "")
            + f", {describe(res.get('status'))}\n")
    out(results, "udp.rounds", rounds)
    out(results, "udp.sent", sent)
    out(results, "udp.logged", logged)
    out(results, "udp.bye", byes)
    return 0


# ---------------------------------------------------------------- idle


REQUEST = b"GET /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


def raise_nofile(want):
    """Raise the soft RLIMIT_NOFILE towards want (never past the hard
    limit); returns the soft limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    inf = resource.RLIM_INFINITY
    if soft != inf and soft < want:
        soft = want if hard == inf else min(want, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    return want if soft == inf else soft


def response_status(buf):
    """Status of the whole response in buf; None while it is incomplete.
    A response without Content-Length, or one that cannot be read, is -1."""
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        return None
    lines = bytes(buf[:end]).decode("latin-1").split("\r\n")
    length = None
    for line in lines[1:]:
        k, _, v = line.partition(":")
        if k.strip().lower() == "content-length" and v.strip().isdigit():
            length = int(v.strip())
    parts = lines[0].split()
    if length is None or len(parts) < 2 or not parts[1].isdigit():
        return -1
    if len(buf) < end + 4 + length:
        return None
    return int(parts[1])


class Conn:
    """One client connection: connect, send REQUEST, read the response."""

    def __init__(self, port):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setblocking(False)
        self.out = REQUEST
        self.buf = bytearray()
        self.connected = False
        self.err = self.sock.connect_ex(("127.0.0.1", port))

    def step(self, sel, ev):
        """Advance on a readiness event: None (not yet), "ok" or a reason."""
        try:
            if ev & selectors.EVENT_WRITE:
                return self.write(sel)
            return self.read()
        except OSError as e:
            return e.strerror or str(e)

    def write(self, sel):
        if not self.connected:
            err = self.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err:
                return f"connect: {os.strerror(err)}"
            self.connected = True
        try:
            self.out = self.out[self.sock.send(self.out):]
        except BlockingIOError:
            return None
        if not self.out:
            sel.modify(self.sock, selectors.EVENT_READ, self)
        return None

    def read(self):
        try:
            data = self.sock.recv(65536)
        except BlockingIOError:
            return None
        if not data:
            return "closed by the server before the response ended"
        self.buf += data
        st = response_status(self.buf)
        if st is None:
            return None
        return "ok" if st == 200 else f"status {st}"


def open_idle(port, n, limit_s, batch=256):
    """Open n connections, at most batch of them unanswered at a time,
    each served one request. Returns (open sockets, {reason: count},
    seconds taken); gives up on what is left after limit_s."""
    sel = selectors.DefaultSelector()
    done, failed, live, started = [], {}, set(), 0
    t0 = time.monotonic()
    end = t0 + limit_s

    def fail(c, why):
        failed[why] = failed.get(why, 0) + 1
        c.sock.close()

    try:
        while (started < n or live) and time.monotonic() < end:
            while started < n and len(live) < batch:
                started += 1
                c = Conn(port)
                if c.err not in (0, errno.EINPROGRESS):
                    fail(c, f"connect: {os.strerror(c.err)}")
                    continue
                sel.register(c.sock, selectors.EVENT_WRITE, c)
                live.add(c)
            for key, ev in sel.select(max(0.0, min(0.5, end - time.monotonic()))):
                c = key.data
                r = c.step(sel, ev)
                if r is None:
                    continue
                sel.unregister(c.sock)
                live.discard(c)
                if r == "ok":
                    done.append(c.sock)
                else:
                    fail(c, r)
    finally:
        for c in live:
            sel.unregister(c.sock)
            fail(c, f"no whole response within {limit_s:.0f} s")
        if started < n:
            failed[f"not opened within {limit_s:.0f} s"] = n - started
        sel.close()
    return done, failed, time.monotonic() - t0


def quiet(socks):
    """How many of socks the server has neither closed nor written to."""
    p = select.poll()
    for s in socks:
        p.register(s, select.POLLIN | select.POLLRDHUP)
    return len(socks) - len(p.poll(0))


def fds(pid):
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


def sample(results, prefix, roles):
    """RSS, anonymous RSS, PSS (KiB) and open fds of each role=pid."""
    for role, pid in roles:
        out(results, f"{prefix}.{role}.rss", vmrss(pid))
        out(results, f"{prefix}.{role}.anon", vmrss(pid, "RssAnon"))
        out(results, f"{prefix}.{role}.pss", pss(pid))
        out(results, f"{prefix}.{role}.fds", fds(pid))


def cmd_idle(n, results, name, port, roles, limit_s):
    """n idle keep-alive connections to one server: its processes' memory
    before, while they are open, and 1 s after the client closed them."""
    p = f"idle.{name}"
    out(results, f"{p}.n", n)
    lim = raise_nofile(max(n + 64, 20000))  # as run-all gives the servers
    if lim < n + 64:
        out(results, f"{p}.problem", f"RLIMIT_NOFILE of the client is {lim}, "
            f"below the {n + 64} needed")
        return 1
    sample(results, f"{p}.idle", roles)
    socks, failed, secs = open_idle(port, n, limit_s)
    time.sleep(0.5)  # let the server finish with the last responses
    still = quiet(socks)
    out(results, f"{p}.served", len(socks))
    out(results, f"{p}.open", still)
    out(results, f"{p}.open_s", f"{secs:.2f}")
    sample(results, f"{p}.held", roles)
    for s in socks:
        s.close()
    time.sleep(1.0)
    sample(results, f"{p}.closed", roles)
    for why, k in sorted(failed.items()):
        out(results, f"{p}.problem", f"{k} connection(s): {why}")
    if still < len(socks):
        out(results, f"{p}.problem", f"{len(socks) - still} of the "
            f"{len(socks)} served connections were closed or written to "
            f"before the measurement")
    worker = dict(roles).get("worker")
    sys.stderr.write(
        f"  {name:6}: {len(socks)} of {n} connections served in {secs:.2f} s, "
        f"{still} idle at the measurement"
        + (f"; worker RSS now {vmrss(worker)} KiB" if worker else "")
        + (f"; {sum(failed.values())} failed" if failed else "") + "\n")
    return 0


# ---------------------------------------------------------------- report


def load(path):
    d, multi = {}, {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            k, _, v = line.partition(" ")
            if k in d:
                multi.setdefault(k, [d[k]]).append(v)
            d[k] = v
    aggregate(d)
    return d, multi


def aggregate(d):
    """http.S.F.rR.X of the rounds -> http.S.F.X (median; sums of counts)."""
    groups = {}
    for k, v in list(d.items()):
        m = re.fullmatch(r"(http\.\w+\.\w+)\.r(\d+)\.(\w+)", k)
        if m:
            groups.setdefault((m.group(1), m.group(3)), []).append(v)
    for (base, x), vs in groups.items():
        if x in ("rps", "p99_ms"):
            fs = [float(v) for v in vs]
            d[f"{base}.{x}"] = f"{statistics.median(fs)}"
            d[f"{base}.{x}_min"] = f"{min(fs)}"
            d[f"{base}.{x}_max"] = f"{max(fs)}"
            d[f"{base}.rounds"] = str(len(fs))
        elif x in ("requests", "non2xx"):
            d[f"{base}.{x}"] = str(sum(int(v) for v in vs))
        elif x == "sockerr":
            bad = [v for v in vs if v != "0"]
            d[f"{base}.{x}"] = " + ".join(bad) if bad else "0"


def num(d, k):
    try:
        return float(d[k])
    except (KeyError, ValueError):
        return None


def fmt(x, nd=0):
    if x is None:
        return "n/a"
    if nd == 0:
        return f"{x:,.0f}"
    return f"{x:,.{nd}f}"


def ratio(a, b):
    if a is None or b is None or b == 0:
        return "n/a"
    r = a / b
    if r < 0.1:
        return f"{r:.3f}×"
    if r >= 100:
        return f"{r:.0f}×"
    return f"{r:.2f}×"


def kib(x):
    if x is None:
        return "n/a"
    return f"{x:,.0f} KiB ({x / 1024:.2f} MiB)"


def ended(d, s):
    st = d.get(f"ctrlc.{s}.status")
    if not st:
        return "n/a"
    parts = []
    for item in st.split(","):
        what, _, n = item.rpartition("x")
        kind, _, code = what.partition(":")
        name = {"2": "SIGINT"}.get(code, f"signal {code}") \
            if kind == "signal" else f"{kind} {code}"
        parts.append(f"{name} ×{n}")
    return ", ".join(parts)


def total(*xs):
    return None if any(x is None for x in xs) else sum(xs)


def idle_roles(s):
    return ("sup", "worker", "guard") if s == "tend" else ("master", "worker")


def idle_val(d, s, when, role, x="rss"):
    return num(d, f"idle.{s}.{when}.{role}.{x}")


def idle_sum(d, s, when, x):
    return total(*(idle_val(d, s, when, r, x) for r in idle_roles(s)))


def per_conn(d, s):
    """(worker RSS with the connections open - before) / connections open."""
    a, b = idle_val(d, s, "idle", "worker"), idle_val(d, s, "held", "worker")
    n = num(d, f"idle.{s}.open")
    return None if a is None or b is None or not n else (b - a) / n


def three(d, s, x):
    """before / open / after of the worker, in KiB."""
    v = [idle_val(d, s, w, "worker", x) for w in ("idle", "held", "closed")]
    return "n/a" if None in v else " / ".join(fmt(k) for k in v) + " KiB"


def idle_table(d):
    """The idle keep-alive connections table, or "" if they were not run."""
    if "idle.tend.n" not in d and "idle.nginx.n" not in d:
        return ""
    n = fmt(num(d, "meta.idle_n") or num(d, "idle.tend.n"))
    rows = []

    def row(label, f, nd=None):
        t, g = f("tend"), f("nginx")
        cell = kib if nd is None else (lambda x: fmt(x, nd))
        rows.append([label, cell(t), cell(g), ratio(t, g)])

    def served(s):
        o, sv = num(d, f"idle.{s}.open"), num(d, f"idle.{s}.served")
        return "n/a" if o is None else \
            f"{fmt(sv)} / {fmt(o)} in {d.get(f'idle.{s}.open_s')} s"

    row("worker RSS before (one request served)",
        lambda s: idle_val(d, s, "idle", "worker"))
    row(f"worker RSS with {n} idle connections",
        lambda s: idle_val(d, s, "held", "worker"))
    row("worker RSS per idle connection (KiB)", lambda s: per_conn(d, s), 2)
    row("worker RSS 1 s after the client closed them",
        lambda s: idle_val(d, s, "closed", "worker"))
    rows.append(["worker PSS before / with them / after"]
                + [three(d, s, "pss") for s in ("tend", "nginx")] + [""])
    rows.append(["worker anonymous RSS before / with them / after"]
                + [three(d, s, "anon") for s in ("tend", "nginx")] + [""])
    row("supervisor / nginx master RSS with them open",
        lambda s: idle_val(d, s, "held", "sup" if s == "tend" else "master"))
    for when, name in (("idle", "before (tend: supervisor + worker + guard; "
                                "nginx: master + worker)"),
                       ("held", "with them open"), ("closed", "after")):
        row(f"PSS of all processes {name}",
            lambda s, w=when: idle_sum(d, s, w, "pss"))
    rows.append(["connections served / still idle at the measurement, "
                 "in (s)"] + [served(s) for s in ("tend", "nginx")] + [""])
    rows.append(["worker's open fds with them / after"]
                + [f"{fmt(idle_val(d, s, 'held', 'worker', 'fds'))} / "
                   f"{fmt(idle_val(d, s, 'closed', 'worker', 'fds'))}"
                   for s in ("tend", "nginx")] + [""])
    head = [f"Idle keep-alive connections ({n}, one GET each)", "tend",
            "nginx (1 worker)", "tend / nginx"]
    lines = ["| " + " | ".join(head) + " |",
             "|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    lines.append("")
    lines.append(f"Per connection: (worker RSS with the {n} open − before) / "
                 f"connections open. nginx allocates its connection table "
                 f"for worker_connections ({n} + 1,024) when its worker "
                 f"starts, so that part is in its 'before'.")
    return "\n".join(lines)


def pss_parts(d, when):
    """Sum of the PSS fields of rss.tend.WHEN.*_parts (anon/file/shmem/PSS)."""
    try:
        return sum(int(d[f"rss.tend.{when}.{r}_parts"].split("/")[3])
                   for r in ("sup", "worker", "guard"))
    except (KeyError, IndexError, ValueError):
        return None


def pss_target(d):
    """(ok or None, detail) for PSS at most 2 MiB of tend's processes, idle."""
    judged = [(f"idle before the {fmt(num(d, 'meta.idle_n'))} connections",
               idle_sum(d, "tend", "idle", "pss")),
              ("idle at the start of the HTTP runs", pss_parts(d, "idle"))]
    shown = [(f"with the {fmt(num(d, 'meta.idle_n'))} idle connections",
              idle_sum(d, "tend", "held", "pss")),
             ("after the wrk runs", pss_parts(d, "load"))]
    judged = [(w, v) for w, v in judged if v is not None]
    shown = [(w, v) for w, v in shown if v is not None]
    ok = None if not judged else all(v <= 2048 for _, v in judged)
    detail = "; ".join(f"{w} {kib(v)}" for w, v in judged)
    if shown:
        detail += " (not judged: " + \
            "; ".join(f"{w} {kib(v)}" for w, v in shown) + ")"
    return ok, detail


def build_report(d, multi):
    peers = ["nginx", "python"]
    rows = []

    def row(label, t, n, p, nd=0):
        rows.append([label, fmt(t, nd), fmt(n, nd), fmt(p, nd),
                     ratio(t, n), ratio(t, p)])

    def hcell(s, f, x, nd):
        v = num(d, f"http.{s}.{f}.{x}")
        if (num(d, f"http.{s}.{f}.rounds") or 1) > 1:
            return (f"{fmt(v, nd)} ({fmt(num(d, f'http.{s}.{f}.{x}_min'), nd)}"
                    f"–{fmt(num(d, f'http.{s}.{f}.{x}_max'), nd)})")
        return fmt(v, nd)

    rounds = d.get("meta.rounds", "1")
    what = "" if rounds == "1" else f", median of {rounds} (range)"
    for f, name in (("1k", "1 KiB"), ("100k", "100 KiB")):
        for x, label, nd in (("rps", "requests/s", 0),
                             ("p99_ms", "p99 latency (ms)", 2)):
            v = [num(d, f"http.{s}.{f}.{x}") for s in ["tend"] + peers]
            rows.append([f"HTTP {name}: {label}{what}"]
                        + [hcell(s, f, x, nd) for s in ["tend"] + peers]
                        + [ratio(v[0], v[1]), ratio(v[0], v[2])])
    for stat, name in (("median_ms", "median"), ("p95_ms", "p95"),
                       ("max_ms", "max")):
        row(f"Idle Ctrl-C to exit: {name} (ms)",
            *(num(d, f"ctrlc.{s}.{stat}") for s in ["tend"] + peers), nd=2)
    rows.append(["Idle Ctrl-C: how it ended"] +
                [ended(d, s) for s in ["tend"] + peers] + ["", ""])
    for when, name in (("idle", "idle"), ("load", "after the wrk runs")):
        sup = num(d, f"rss.tend.{when}.sup")
        wrk = num(d, f"rss.tend.{when}.worker")
        grd = num(d, f"rss.tend.{when}.guard")
        nm = num(d, f"rss.nginx.{when}.master")
        nw = num(d, f"rss.nginx.{when}.worker")
        py = num(d, f"rss.python.{when}.main")
        rows.append([f"RSS {name}: supervisor / nginx master",
                     kib(sup), kib(nm), "", ratio(sup, nm), ""])
        rows.append([f"RSS {name}: worker / nginx worker",
                     kib(wrk), kib(nw), "", ratio(wrk, nw), ""])
        rows.append([f"RSS {name}: tend's guard", kib(grd), "", "", "", ""])
        ts, ns = total(sup, wrk, grd), total(nm, nw)
        rows.append([f"RSS {name}: sum (python: its one process)",
                     kib(ts), kib(ns), kib(py), ratio(ts, ns), ratio(ts, py)])
    urounds = int(num(d, "udp.rounds") or 0)
    sent, logged, bye = num(d, "udp.sent"), num(d, "udp.logged"), \
        num(d, "udp.bye")
    per = [(num(d, f"udp.r{r}.exit_ms"), num(d, f"udp.r{r}.send_rate"))
           for r in range(1, urounds + 1)]
    rows.append([f"UDP: datagrams in the log / sent before Ctrl-C, "
                 f"{urounds} burst{'s' if urounds != 1 else ''}",
                 f"{fmt(logged)} / {fmt(sent)}" if sent else "n/a",
                 "", "", "", ""])
    rows.append(["UDP: 'datagrams handled' in the stop lines",
                 fmt(bye), "", "", "", ""])
    ex = [e for e, _ in per if e is not None]
    rt = [r for _, r in per if r is not None]
    rows.append(["UDP: Ctrl-C to exit right after the burst (ms, max)",
                 fmt(max(ex), 1) if ex else "n/a", "", "", "", ""])
    rows.append(["UDP: send rate of the burst (datagrams/s, min)",
                 fmt(min(rt)) if rt else "n/a", "", "", "", ""])

    head = ["Measure", "tend", "nginx (1 worker)", "python http.server",
            "tend / nginx", "tend / python"]
    lines = ["| " + " | ".join(head) + " |",
             "|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|"]
    for r in rows:
        lines.append("| " + " | ".join(r) + " |")
    fl = (num(d, "ctrlc.floor.median_ms"), num(d, "ctrlc.floor.p95_ms"),
          num(d, "ctrlc.floor.max_ms"))
    if fl[0] is not None:
        lines.append("")
        lines.append(f"Ctrl-C floor of this machine and harness: `sleep 60` "
                     f"on the same kind of pty dies {fl[0]:.2f} ms (median), "
                     f"{fl[1]:.2f} ms (p95), {fl[2]:.2f} ms (max) after the "
                     f"^C is written; no program can do better here.")
    it = idle_table(d)
    if it:
        lines += ["", it]
    table = "\n".join(lines)

    # Anything that makes a figure doubtful.
    notes = []
    for s in ["tend"] + peers:
        for f in ("1k", "100k"):
            for k, what in (("non2xx", "non-2xx/3xx responses"),
                            ("sockerr", "socket errors")):
                v = d.get(f"http.{s}.{f}.{k}", "0")
                if v not in ("0", ""):
                    notes.append(f"wrk against {s}, {f}: {what} {v}")
        for k in multi.get(f"ctrlc.{s}.problem",
                           [d[f"ctrlc.{s}.problem"]]
                           if f"ctrlc.{s}.problem" in d else []):
            notes.append(f"Ctrl-C {s}: {k}")
    for k in multi.get("udp.problem",
                       [d["udp.problem"]] if "udp.problem" in d else []):
        notes.append(f"UDP: {k}")
    for k in multi.get("http.problem",
                       [d["http.problem"]] if "http.problem" in d else []):
        notes.append(f"HTTP: {k}")
    for s in ("tend", "nginx", None):
        key = f"idle.{s}.problem" if s else "idle.problem"
        for k in multi.get(key, [d[key]] if key in d else []):
            notes.append(f"Idle connections{' to ' + s if s else ''}: {k}")
    wf = num(d, "ctrlc.tend.worker_first")
    if wf:
        notes.append(f"Ctrl-C tend: in {int(wf)} of "
                     f"{d.get('ctrlc.tend.runs')} runs the worker handled "
                     f"the SIGINT first and the supervisor printed 'worker "
                     f"stopped on signal 2; stopping' before 'stopping'")
    for when in ("idle", "load"):
        a, b, g = (d.get(f"rss.tend.{when}.{r}_parts")
                   for r in ("sup", "worker", "guard"))
        if a and b and g:
            notes.append(f"tend RSS {when}, KiB as anon/file/shmem/PSS: "
                         f"supervisor {a}, worker {b}, guard {g} (file "
                         f"pages are mostly libc and the libraries, shared "
                         f"with other processes; PSS splits them among "
                         f"those)")
    for s in ("tend",):
        ans = num(d, f"http.{s}.answered")
        req = sum(filter(None, (num(d, f"http.{s}.{f}.requests")
                                for f in ("1k", "100k"))))
        if ans is not None:
            notes.append(f"tend's stop line after the HTTP runs: "
                         f"{int(ans):,} requests answered "
                         f"(wrk counted {int(req):,} in the measured runs, "
                         f"plus warm-ups and the readiness probe)")

    # The targets, checked mechanically.
    checks = []

    def check(name, ok, detail):
        checks.append((name, "n/a" if ok is None else
                       ("met" if ok else "NOT met"), detail))

    rps_ok = p99_ok = None
    det_r, det_p = [], []
    for f in ("1k", "100k"):
        t, n = num(d, f"http.tend.{f}.rps"), num(d, f"http.nginx.{f}.rps")
        if t is not None and n is not None:
            rps_ok = (rps_ok is not False) and t >= n
            det_r.append(f"{f}: {t:,.0f} vs {n:,.0f} req/s")
        t, n = num(d, f"http.tend.{f}.p99_ms"), num(d, f"http.nginx.{f}.p99_ms")
        if t is not None and n is not None:
            p99_ok = (p99_ok is not False) and t <= n
            det_p.append(f"{f}: {t:.2f} vs {n:.2f} ms")
    check("requests/s at least nginx's (1 worker)", rps_ok, "; ".join(det_r))
    check("p99 latency no worse than nginx's", p99_ok, "; ".join(det_p))
    p95, mx = num(d, "ctrlc.tend.p95_ms"), num(d, "ctrlc.tend.max_ms")
    sig = d.get("ctrlc.tend.bysigint"), d.get("ctrlc.tend.runs")
    fp95 = num(d, "ctrlc.floor.p95_ms")
    check("exit within 5 ms of an idle Ctrl-C (p95), by SIGINT",
          None if p95 is None else p95 <= 5 and sig[0] == sig[1],
          f"median {fmt(num(d, 'ctrlc.tend.median_ms'), 2)} ms, "
          f"p95 {fmt(p95, 2)} ms, max {fmt(mx, 2)} ms; "
          f"{d.get('ctrlc.tend.under5', '?')}/{sig[1]} runs within 5 ms; "
          f"{sig[0]}/{sig[1]} by SIGINT; floor p95 {fmt(fp95, 2)} ms")
    check("every datagram sent before Ctrl-C handled",
          None if not sent else logged == sent and bye == sent,
          f"{fmt(logged)} logged, {fmt(bye)} in the stop line, "
          f"of {fmt(sent)} sent")
    check("PSS at most 2 MiB idle, supervisor + worker + guard together",
          *pss_target(d))
    ctab = ["| Target | Status | Measured |", "|---|---|---|"]
    for name, st, det in checks:
        ctab.append(f"| {name} | {st} | {det} |")
    return table, "\n".join(ctab), notes


BEGIN = "<!-- bench:figures:begin (bench/run-all --write-doc rewrites this) -->"
END = "<!-- bench:figures:end -->"


def plural(n, word):
    return f"{n or '?'} {word}{'' if n == '1' else 's'}"


def steal(d):
    """CPU time stolen by the host during the HTTP runs, in percent."""
    try:
        a = [int(x) for x in d["meta.stat_before"].split()[1:]]
        b = [int(x) for x in d["meta.stat_after"].split()[1:]]
    except (KeyError, ValueError):
        return "?"
    delta = [y - x for x, y in zip(a, b)]
    tot = sum(delta[:8])  # user..steal; guest is inside user already
    return f"{100 * delta[7] / tot:.1f} %" if tot and len(delta) > 7 else "?"


def cmd_report(results, doc):
    d, multi = load(results)
    table, targets, notes = build_report(d, multi)
    meta = [
        f"- Date: {d.get('meta.date', '?')} (mode: {d.get('meta.mode', '?')}, "
        f"wrk {d.get('meta.wrk_args', '?')})",
        f"- Machine: {d.get('meta.cpu', '?')}, {d.get('meta.nproc', '?')} "
        f"cores (wrk shares them with the server), "
        f"Linux {d.get('meta.kernel', '?')}",
        f"- tend: {d.get('meta.tend', '?')} ({d.get('meta.tend_bin', '?')}, "
        f"built from {d.get('meta.source', '?')}); "
        f"{d.get('meta.nginx', '?')}; {d.get('meta.python', '?')}; "
        f"{d.get('meta.wrk', '?')}",
        f"- HTTP: {plural(d.get('meta.rounds'), 'round')} for tend and nginx, "
        f"taking turns (python: one); CPU steal by the host during them: "
        f"{steal(d)}",
        f"- Ctrl-C: {d.get('meta.ctrlc_n', '?')} runs per server; UDP: "
        f"{plural(d.get('meta.udp_rounds'), 'burst')} of "
        f"{fmt(num(d, 'meta.udp_n'))} datagrams",
    ]
    if "meta.idle_n" in d:
        meta.append(
            f"- Idle connections: {fmt(num(d, 'meta.idle_n'))} keep-alive "
            f"connections to fresh servers from one client, each after one "
            f"GET /index.html; servers and client at RLIMIT_NOFILE "
            f"{fmt(num(d, 'meta.nofile'))}; nginx worker_connections "
            f"{fmt((num(d, 'meta.idle_n') or 0) + 1024)}, keepalive_timeout "
            f"120 s")
    body = ["\n".join(meta), table, "Targets:", targets]
    if notes:
        body.append("Notes:\n" + "\n".join(f"- {n}" for n in notes))
    text = "\n\n".join(body)
    print(text)
    if doc:
        section = f"{BEGIN}\n{text}\n{END}"
        try:
            old = open(doc, encoding="utf-8").read()
        except FileNotFoundError:
            old = "# Benchmarks\n\n## Latest figures\n\n"
        if BEGIN in old and END in old:
            new = old[:old.index(BEGIN)] + section + \
                old[old.index(END) + len(END):]
        else:
            new = old.rstrip("\n") + "\n\n" + section + "\n"
        with open(doc, "w", encoding="utf-8") as f:
            f.write(new)
        print(f"\n(wrote the figures into {doc})", file=sys.stderr)
    return 0


# ---------------------------------------------------------------- main


def main(argv):
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, args = argv[0], argv[1:]
    if cmd == "freeport":
        print(freeport())
        return 0
    if cmd == "wrk":
        return cmd_wrk(args[0], args[1], args[2])
    if cmd == "rss":
        print(" ".join(str(vmrss(int(p))) for p in args))
        return 0
    if cmd == "rss-parts":  # VmRSS = RssAnon + RssFile + RssShmem
        print(" ".join("%d/%d/%d/%d" % (tuple(vmrss(int(p), f) for f in (
            "RssAnon", "RssFile", "RssShmem")) + (pss(int(p)),))
            for p in args))
        return 0
    if cmd == "children":
        print(" ".join(str(p) for p in children(int(args[0]))))
        return 0
    log = os.environ.get("TEND_BENCH_LOG", os.devnull)
    if cmd == "ctrlc":
        n, results, rest = int(args[0]), args[1], args[2:]
        idle = float(os.environ.get("TEND_BENCH_IDLE", "0.1"))
        progs, cur = [], []
        for x in rest + ["+++"]:
            if x == "+++":
                sep = cur.index("--")
                progs.append((cur[0], cur[sep + 1:]))
                cur = []
            else:
                cur.append(x)
        return cmd_ctrlc(n, results, progs, log, idle)
    if cmd == "udp":
        sep = args.index("--")
        n, rounds, results, udp_log = int(args[0]), int(args[1]), args[2], \
            args[3]
        return cmd_udp(n, rounds, results, args[sep + 1:], log, udp_log)
    if cmd == "idle":
        roles = [(r, int(p)) for r, _, p in (a.partition("=") for a in args[4:])]
        limit = float(os.environ.get("TEND_BENCH_IDLE_LIMIT", "40"))
        return cmd_idle(int(args[0]), args[1], args[2], int(args[3]), roles,
                        limit)
    if cmd == "report":
        doc = args[args.index("--doc") + 1] if "--doc" in args else None
        return cmd_report(args[0], doc)
    print(f"tendbench: unknown command {cmd}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
