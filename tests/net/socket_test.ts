import assert from "node:assert/strict";
import * as E from "../../kernel/kern/errno.ts";
import type { Kernel } from "../../kernel/kern/kernel.ts";
import {
  AF_INET,
  IPPROTO_ICMP,
  IPPROTO_TCP,
  MSG_DONTWAIT,
  MSG_PEEK,
  O_NONBLOCK,
  POLLIN,
  POLLOUT,
  SHUT_WR,
  SO_ERROR,
  SO_RCVBUF,
  SO_REUSEPORT,
  SO_SNDBUF,
  SO_TYPE,
  SOCK_DGRAM,
  SOCK_RAW,
  SOCK_STREAM,
  SOL_SOCKET,
} from "../../kernel/syscall/api.ts";
import { KFile } from "../../kernel/syscall/file.ts";
import { netinetInit } from "../../net/netinet_init.ts";
import { socketops } from "../../net/sys_socket.ts";
import { runInKernel } from "../support/kernel.ts";
import { bytes, net, PROC, socket, text } from "./net_helpers.ts";

/** Runs `body` on a kernel with NET (lo0 only). */
function withNet<T>(body: (k: Kernel) => Generator<unknown, T, unknown>): T {
  return runInKernel(function* (k) {
    netinetInit(k);
    return yield* body(k);
  }).value as T;
}

/** The errno `f` throws (synchronously), or 0. */
function errnoOf(f: () => unknown): number {
  try {
    f();
  } catch (e) {
    if (e instanceof E.Errno) return e.errno;
    throw e;
  }
  return 0;
}

/** The errno a blocking call throws, or 0. */
function* errnoOfW(g: Generator<unknown, unknown, unknown>): Generator<unknown, number, unknown> {
  try {
    yield* g;
  } catch (e) {
    if (e instanceof E.Errno) return e.errno;
    throw e;
  }
  return 0;
}

Deno.test("socket: an unknown family is EAFNOSUPPORT, an unserved type/protocol EPROTONOSUPPORT", () => {
  withNet(function* (k) {
    const n = net(k);
    assert.equal(errnoOf(() => n.socket(PROC, 24, SOCK_DGRAM, 0)), E.EAFNOSUPPORT);
    assert.equal(
      errnoOf(() => n.socket(PROC, AF_INET, SOCK_DGRAM, IPPROTO_TCP)),
      E.EPROTONOSUPPORT,
    );
    assert.equal(errnoOf(() => n.socket(PROC, AF_INET, SOCK_RAW, 0)), E.EPROTONOSUPPORT);
    assert.equal(errnoOf(() => n.socket(PROC, AF_INET, 5, 0)), E.EPROTONOSUPPORT);
    assert.equal(
      errnoOf(() => n.socket(PROC, AF_INET, SOCK_STREAM, IPPROTO_ICMP)),
      E.EPROTONOSUPPORT,
    );
    assert.equal(n.getsockopt(socket(k, SOCK_DGRAM), SOL_SOCKET, SO_TYPE), SOCK_DGRAM);
  });
});

Deno.test("socket: a UDP datagram over lo0 arrives with its source and MSG_PEEK leaves it queued", () => {
  const got = withNet(function* (k) {
    const n = net(k);
    const s = socket(k, SOCK_DGRAM), c = socket(k, SOCK_DGRAM);
    n.bind(s, { addr: "127.0.0.1", port: 5353 });
    yield* n.sendto(c, bytes("loop"), 0, { addr: "127.0.0.1", port: 5353 });
    const buf = new Uint8Array(16);
    const p = yield* n.recvfrom(s, buf, MSG_PEEK);
    const r = yield* n.recvfrom(s, buf, 0);
    assert.deepEqual(p, r);
    assert.equal(r.from.port, n.getsockname(c).port);
    assert.equal(r.from.addr, "127.0.0.1");
    return text(buf.subarray(0, r.n));
  });
  assert.equal(got, "loop");
});

Deno.test("socket: ping of 127.0.0.1 on a raw socket sees the request and the reply", () => {
  const types = withNet(function* (k) {
    const n = net(k);
    const fd = socket(k, SOCK_RAW, IPPROTO_ICMP);
    const m = new Uint8Array(8);
    m[0] = 8;
    m[2] = 0xf7;
    m[3] = 0xff; // checksum of 08 00 00 00 00 00 00 00
    yield* n.sendto(fd, m, 0, { addr: "127.0.0.1", port: 0 });
    const buf = new Uint8Array(64);
    const a = (yield* n.recvfrom(fd, buf, 0), buf[20]);
    const b = (yield* n.recvfrom(fd, buf, 0), buf[20]);
    return [a, b];
  });
  assert.deepEqual(types, [8, 0]);
});

Deno.test("socket: datagram errno cases: EDESTADDRREQ, EISCONN, EMSGSIZE, EADDRNOTAVAIL, ENETUNREACH", () => {
  withNet(function* (k) {
    const n = net(k);
    const fd = socket(k, SOCK_DGRAM);
    assert.equal(yield* errnoOfW(n.sendto(fd, bytes("x"), 0, null)), E.EDESTADDRREQ);
    assert.equal(
      yield* errnoOfW(n.sendto(fd, new Uint8Array(9217), 0, { addr: "127.0.0.1", port: 9 })),
      E.EMSGSIZE,
    );
    n.setsockopt(fd, SOL_SOCKET, SO_SNDBUF, 70000);
    assert.equal(
      yield* errnoOfW(n.sendto(fd, new Uint8Array(65508), 0, { addr: "127.0.0.1", port: 9 })),
      E.EMSGSIZE,
    );
    assert.equal(
      yield* errnoOfW(n.sendto(fd, bytes("x"), 0, { addr: "192.168.7.7", port: 9 })),
      E.ENETUNREACH,
    );
    assert.equal(yield* errnoOfW(n.connect(fd, { addr: "127.0.0.1", port: 0 })), E.EADDRNOTAVAIL);
    yield* n.connect(fd, { addr: "127.0.0.1", port: 9 });
    assert.equal(
      yield* errnoOfW(n.sendto(fd, bytes("x"), 0, { addr: "127.0.0.1", port: 9 })),
      E.EISCONN,
    );
    assert.equal(errnoOf(() => n.listen(fd, 5)), E.EOPNOTSUPP);
    assert.equal(yield* errnoOfW(n.accept(fd)), E.EOPNOTSUPP);
    assert.equal(
      errnoOf(() => n.bind(socket(k, SOCK_DGRAM), { addr: "10.9.9.9", port: 1 })),
      E.EADDRNOTAVAIL,
    );
    assert.equal(errnoOf(() => n.bind(fd, { addr: "bogus", port: 1 })), E.EINVAL);
    assert.equal(errnoOf(() => n.bind(fd, { addr: "0.0.0.0", port: 70000 })), E.EINVAL);
  });
});

Deno.test("socket: binding a port in use is EADDRINUSE unless both set SO_REUSEPORT; twice is EINVAL", () => {
  withNet(function* (k) {
    const n = net(k);
    const a = socket(k, SOCK_DGRAM), b = socket(k, SOCK_DGRAM);
    n.bind(a, { addr: "0.0.0.0", port: 4444 });
    assert.equal(errnoOf(() => n.bind(b, { addr: "127.0.0.1", port: 4444 })), E.EADDRINUSE);
    assert.equal(errnoOf(() => n.bind(a, { addr: "0.0.0.0", port: 4445 })), E.EINVAL);
    const c = socket(k, SOCK_DGRAM), d = socket(k, SOCK_DGRAM);
    n.setsockopt(c, SOL_SOCKET, SO_REUSEPORT, 1);
    n.setsockopt(d, SOL_SOCKET, SO_REUSEPORT, 1);
    n.bind(c, { addr: "0.0.0.0", port: 4446 });
    n.bind(d, { addr: "0.0.0.0", port: 4446 });
    // Closing frees the port.
    yield* a.ops.close(a);
    n.bind(b, { addr: "127.0.0.1", port: 4444 });
  });
});

Deno.test("socket: non-blocking receive is EAGAIN, a closed port's error comes once through SO_ERROR", () => {
  withNet(function* (k) {
    const n = net(k);
    const fd = socket(k, SOCK_DGRAM);
    n.bind(fd, { addr: "0.0.0.0", port: 0 });
    assert.equal(yield* errnoOfW(n.recvfrom(fd, new Uint8Array(4), MSG_DONTWAIT)), E.EAGAIN);
    fd.flags |= O_NONBLOCK;
    assert.equal(yield* errnoOfW(n.recvfrom(fd, new Uint8Array(4), 0)), E.EAGAIN);
    yield* n.connect(fd, { addr: "127.0.0.1", port: 9 });
    yield* n.sendto(fd, bytes("x"), 0, null);
    yield* k.sleep(1e6);
    assert.equal(fd.ops.poll(fd, POLLIN, null) & 0x8, 0x8); // POLLERR
    assert.equal(n.getsockopt(fd, SOL_SOCKET, SO_ERROR), E.ECONNREFUSED);
    assert.equal(n.getsockopt(fd, SOL_SOCKET, SO_ERROR), 0);
  });
});

Deno.test("socket: poll reports POLLOUT at once and POLLIN when a datagram arrives, waking the poller", () => {
  withNet(function* (k) {
    const n = net(k);
    const fd = socket(k, SOCK_DGRAM);
    n.bind(fd, { addr: "127.0.0.1", port: 7777 });
    assert.equal(fd.ops.poll(fd, POLLIN | POLLOUT, null), POLLOUT);
    let woken = 0;
    assert.equal(fd.ops.poll(fd, POLLIN, { notify: () => woken++ }), 0);
    yield* n.sendto(socket(k, SOCK_DGRAM), bytes("p"), 0, { addr: "127.0.0.1", port: 7777 });
    yield* k.sleep(1e6);
    assert.equal(woken, 1);
    assert.equal(fd.ops.poll(fd, POLLIN, null), POLLIN);
  });
});

Deno.test("socket: shutdown(SHUT_WR) makes later sends EPIPE; unconnected shutdown is ENOTCONN", () => {
  withNet(function* (k) {
    const n = net(k);
    const fd = socket(k, SOCK_DGRAM);
    assert.equal(yield* errnoOfW(n.shutdown(fd, SHUT_WR)), E.ENOTCONN);
    assert.equal(errnoOf(() => n.getpeername(fd)), E.ENOTCONN);
    yield* n.connect(fd, { addr: "127.0.0.1", port: 9 });
    assert.deepEqual(n.getpeername(fd), { addr: "127.0.0.1", port: 9 });
    yield* n.shutdown(fd, SHUT_WR);
    assert.equal(yield* errnoOfW(n.sendto(fd, bytes("x"), 0, null)), E.EPIPE);
    assert.equal(yield* errnoOfW(n.shutdown(fd, 7)), E.EINVAL);
  });
});

Deno.test("socket: options: buffer sizes, bad values and unknown options", () => {
  withNet(function* (k) {
    const n = net(k);
    const fd = socket(k, SOCK_DGRAM);
    n.setsockopt(fd, SOL_SOCKET, SO_RCVBUF, 12345);
    assert.equal(n.getsockopt(fd, SOL_SOCKET, SO_RCVBUF), 12345);
    assert.equal(errnoOf(() => n.setsockopt(fd, SOL_SOCKET, SO_SNDBUF, 0)), E.EINVAL);
    assert.equal(errnoOf(() => n.setsockopt(fd, SOL_SOCKET, SO_SNDBUF, 1 << 30)), E.ENOBUFS);
    assert.equal(errnoOf(() => n.setsockopt(fd, SOL_SOCKET, 0x7777, 1)), E.ENOPROTOOPT);
    assert.equal(errnoOf(() => n.getsockopt(fd, IPPROTO_TCP, 1)), E.ENOPROTOOPT);
    const notSock = new KFile({ ...socketops, kind: "vnode" }, 0, null);
    assert.equal(errnoOf(() => n.getsockname(notSock)), E.ENOTSOCK);
  });
});

Deno.test("socket: sysctl lists interfaces, routes and sockets for ifconfig and netstat", () => {
  withNet(function* (k) {
    const n = net(k);
    const fd = socket(k, SOCK_DGRAM);
    n.bind(fd, { addr: "127.0.0.1", port: 53 });
    const ifs = k.sysctl.read("net.interfaces") as { name: string; addrs: { addr: string }[] }[];
    assert.equal(ifs[0].name, "lo0");
    assert.equal(ifs[0].addrs[0].addr, "127.0.0.1");
    const routes = k.sysctl.read("net.route") as { destination: string; interface: string }[];
    assert.deepEqual(routes.map((r) => [r.destination, r.interface]), [["127.0.0.0/8", "lo0"]]);
    const pcbs = k.sysctl.read("net.inet.pcblist") as { proto: string; local: string }[];
    assert.deepEqual(pcbs.map((p) => [p.proto, p.local]), [["udp", "127.0.0.1.53"]]);
    assert.equal((k.sysctl.read("net.inet.ip.stats") as { total: number }).total, 0);
  });
});
