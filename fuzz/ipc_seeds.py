#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
#
# fuzz/ipc_seeds.py
# Writes the seed corpus of fuzz_ipc (fuzz/corpus/ipc/) from the message
# layouts of ipc/layout.c, so a protocol change is one edit here and one
# run: python3 fuzz/ipc_seeds.py. Each seed is the byte that picks the
# fuzzer's read size, then frames: u8 version, u8 type, u16 zero, u32
# payload length, payload (u32/u64 big-endian, strings as u32 length +
# bytes).
import os
import re
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)


def protocol_version():
    with open(os.path.join(TOP, "ipc", "ipc.h")) as f:
        return int(re.search(r"#define IPC_PROTOCOL_VERSION (\d+)", f.read()).group(1))


TYPES = {"BUILD_STARTED": 1, "BUILD_FINISHED": 2, "RELOAD": 3, "STOP": 4,
         "PING": 5, "JOB_INFO": 6, "JOB_READY": 7,
         "READY": 32, "TRIGGER": 33, "BYE": 34,
         "PONG": 35}


def u32(v):
    return struct.pack(">I", v & 0xffffffff)


def u64(v):
    return struct.pack(">Q", v)


def s(v):
    b = v.encode()
    return u32(len(b)) + b


def frame(version, name, *fields):
    payload = b"".join(fields)
    return bytes([version, TYPES[name], 0, 0]) + u32(len(payload)) + payload


def main():
    v = protocol_version()
    to_worker = [
        frame(v, "JOB_INFO", s(""), u32(0), u32(1)),
        frame(v, "JOB_INFO", s("site"), u32(0), u32(0)),
        frame(v, "JOB_INFO", s("api"), u32(1), u32(0)),
        frame(v, "BUILD_STARTED", s("site"), u32(4242)),
        frame(v, "BUILD_STARTED", s("api"), u32(4243)),
        frame(v, "JOB_READY", s("api")),
        frame(v, "BUILD_FINISHED", s("api"), u32(0), u32(137), u32(50),
              u32(1), u32(0), u32(1), u32(0), s("listening on 5000\n")),
        frame(v, "BUILD_FINISHED", s("site"), u32(1), u32(0), u32(1234),
              u32(0), u32(0), u32(1), u32(0), s("built 3 pages\n")),
        frame(v, "RELOAD", s("src/a.css\nsrc/b.css\nindex.html")),
        frame(v, "STOP", u32(1), u32(5000)),
        frame(v, "STOP", u32(2), u32(5000)),
        frame(v, "PING", u32(7)),
    ]
    to_supervisor = [
        frame(v, "READY", s("127.0.0.1:8000"), s("127.0.0.1:5000")),
        frame(v, "TRIGGER", s(""), s("udp 127.0.0.1:40000")),
        frame(v, "TRIGGER", s("site"), s("http 127.0.0.1:41000")),
        frame(v, "PONG", u32(7)),
        frame(v, "BYE", u32(2), u64(1000), u64(10000), u64(0)),
    ]
    failed = frame(v, "BUILD_FINISHED", s("site"), u32(0), u32(130),
                   u32(987), u32(0), u32(1), u32(2), u32(60000),
                   s("\x1b[31merror\x1b[0m: main.c:3\n"))
    seeds = {
        "supervisor_to_worker": bytes([2]) + b"".join(to_worker),
        "worker_to_supervisor": bytes([0]) + b"".join(to_supervisor),
        "ping_build_finished": bytes([1]) + frame(v, "PING", u32(1)) + failed,
        "truncated": bytes([3]) + failed[:-5],
    }
    out = os.path.join(HERE, "corpus", "ipc")
    os.makedirs(out, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    print("wrote %d seeds for protocol %d to %s" % (len(seeds), v, out),
          file=sys.stderr)


if __name__ == "__main__":
    main()
