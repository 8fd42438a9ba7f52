import assert from "node:assert/strict";
import * as E from "../../kernel/kern/errno.ts";
import {
  LINGER_OFF,
  O_NONBLOCK,
  POLLHUP,
  POLLIN,
  POLLOUT,
  SHUT_WR,
  SO_ERROR,
  SO_LINGER,
  SO_REUSEADDR,
  SOCK_STREAM,
  SOL_SOCKET,
} from "../../kernel/syscall/api.ts";
import type { KFile } from "../../kernel/syscall/file.ts";
import { runTwoKernels } from "../support/two_kernels.ts";
import {
  ADDR_A,
  ADDR_B,
  bytes,
  makeNetPair,
  net,
  type NetPair,
  socket,
  text,
} from "./net_helpers.ts";

function* errnoOfW(g: Generator<unknown, unknown, unknown>): Generator<unknown, number, unknown> {
  try {
    yield* g;
  } catch (e) {
    if (e instanceof E.Errno) return e.errno;
    throw e;
  }
  return 0;
}

function* readAll(k: Parameters<typeof net>[0], fd: KFile): Generator<unknown, string, unknown> {
  let s = "";
  const buf = new Uint8Array(4096);
  for (;;) {
    const r = yield* net(k).recvfrom(fd, buf, 0);
    if (r.n === 0) return s;
    s += text(buf.subarray(0, r.n));
  }
}

/** A server on port 80 that accepts one connection, reads it to its end and closes it. */
function* serveOnce(b: Parameters<typeof net>[0]): Generator<unknown, void, unknown> {
  const l = socket(b, SOCK_STREAM);
  net(b).bind(l, { addr: "0.0.0.0", port: 80 });
  net(b).listen(l, 5);
  const { file } = yield* net(b).accept(l);
  yield* readAll(b, file);
  yield* file.ops.close(file);
}

Deno.test("tcp_usrreq: connect, accept, a request and a reply, then end of stream both ways", () => {
  let pair!: NetPair;
  const run = runTwoKernels((a, b) => {
    pair = makeNetPair(a, b);
  }, function* (a) {
    const fd = socket(a, SOCK_STREAM);
    yield* net(a).connect(fd, { addr: ADDR_B, port: 80 });
    const peer = net(a).getpeername(fd);
    yield* net(a).sendto(fd, bytes("GET / HTTP/1.0\r\n\r\n"), 0, null);
    yield* net(a).shutdown(fd, SHUT_WR);
    const reply = yield* readAll(a, fd);
    yield* fd.ops.close(fd);
    return { peer, reply };
  }, function* (b) {
    const l = socket(b, SOCK_STREAM);
    net(b).setsockopt(l, SOL_SOCKET, SO_REUSEADDR, 1);
    net(b).bind(l, { addr: "0.0.0.0", port: 80 });
    net(b).listen(l, 5);
    const { file, addr } = yield* net(b).accept(l);
    const req = yield* readAll(b, file);
    const ev = file.ops.poll(file, POLLIN, null);
    assert.equal(ev & (POLLIN | POLLHUP), POLLIN, "the peer's FIN is a readable EOF, not a hangup");
    yield* net(b).sendto(file, bytes(`you sent ${req.length} bytes`), 0, null);
    yield* net(b).shutdown(file, SHUT_WR);
    assert.equal(file.ops.poll(file, POLLIN, null) & POLLHUP, POLLHUP, "shut both ways: a hangup");
    yield* file.ops.close(file);
    return { req, addr };
  });
  assert.deepEqual(run.valueA!.peer, { addr: ADDR_B, port: 80 });
  assert.equal(run.valueA!.reply, "you sent 18 bytes");
  assert.equal(run.valueB!.req, "GET / HTTP/1.0\r\n\r\n");
  assert.equal(run.valueB!.addr.addr, ADDR_A);
  const pcbs = run.b.sysctl.read("net.inet.pcblist") as { proto: string; state: string }[];
  assert.ok(pcbs.some((p) => p.proto === "tcp" && p.state === "LISTEN"));
  assert.ok((run.a.sysctl.read("net.inet.tcp.stats") as { connattempt: number }).connattempt >= 1);
  void pair;
});

Deno.test("tcp_usrreq: net.inet.pcbcount counts the PCBs pcblist lists, closed sockets' TIME-WAITs as orphans", () => {
  const run = runTwoKernels((a, b) => void makeNetPair(a, b), function* (a) {
    const fd = socket(a, SOCK_STREAM);
    yield* net(a).connect(fd, { addr: ADDR_B, port: 80 });
    yield* net(a).shutdown(fd, SHUT_WR); // a closes first: its side ends in TIME-WAIT
    yield* readAll(a, fd);
    yield* fd.ops.close(fd);
  }, function* (b) {
    yield* serveOnce(b);
    yield* b.sleep(10_000_000); // the last ACK arrives
  });
  type Pcb = { proto: string; state: string };
  for (const k of [run.a, run.b]) {
    const list = (k.sysctl.read("net.inet.pcblist") as Pcb[]).filter((p) => p.proto === "tcp");
    const count = k.sysctl.read("net.inet.pcbcount") as Record<string, number>;
    assert.equal(count.tcp, list.length);
  }
  const a = run.a.sysctl.read("net.inet.pcbcount") as Record<string, number>;
  assert.deepEqual([a.tcp, a.tcpOrphans], [1, 1], "the client's TIME-WAIT, its socket closed");
  const b = run.b.sysctl.read("net.inet.pcbcount") as Record<string, number>;
  assert.deepEqual([b.tcp, b.tcpOrphans], [1, 0], "the server's listener only");
});

Deno.test("tcp_usrreq: connecting to a closed port is ECONNREFUSED", () => {
  const run = runTwoKernels((a, b) => {
    makeNetPair(a, b);
  }, function* (a) {
    return yield* errnoOfW(net(a).connect(socket(a, SOCK_STREAM), { addr: ADDR_B, port: 81 }));
  });
  assert.equal(run.valueA, E.ECONNREFUSED);
});

Deno.test("tcp_usrreq: a non-blocking connect is EINPROGRESS, then EALREADY, then POLLOUT and EISCONN", () => {
  const run = runTwoKernels((a, b) => {
    makeNetPair(a, b);
  }, function* (a) {
    const fd = socket(a, SOCK_STREAM);
    fd.flags |= O_NONBLOCK;
    const e1 = yield* errnoOfW(net(a).connect(fd, { addr: ADDR_B, port: 8080 }));
    const e2 = yield* errnoOfW(net(a).connect(fd, { addr: ADDR_B, port: 8080 }));
    const e3 = yield* errnoOfW(net(a).sendto(fd, bytes("x"), 0, null));
    let ready = fd.ops.poll(fd, POLLOUT, null);
    while (!ready) {
      yield* a.sleep(1e6);
      ready = fd.ops.poll(fd, POLLOUT, null);
    }
    const soerr = net(a).getsockopt(fd, SOL_SOCKET, SO_ERROR);
    const e4 = yield* errnoOfW(net(a).connect(fd, { addr: ADDR_B, port: 8080 }));
    return [e1, e2, e3, ready, soerr, e4];
  }, function* (b) {
    const l = socket(b, SOCK_STREAM);
    net(b).bind(l, { addr: "0.0.0.0", port: 8080 });
    net(b).listen(l, 1);
    yield* net(b).accept(l);
  });
  assert.deepEqual(run.valueA, [E.EINPROGRESS, E.EALREADY, E.EAGAIN, POLLOUT, 0, E.EISCONN]);
});

Deno.test("tcp_usrreq: stream errno cases: EADDRINUSE, EINVAL, ENOTCONN, EPIPE", () => {
  runTwoKernels((a, b) => {
    makeNetPair(a, b);
  }, function* (a) {
    const n = net(a);
    const l = socket(a, SOCK_STREAM);
    n.bind(l, { addr: "0.0.0.0", port: 9000 });
    n.listen(l, 4);
    const l2 = socket(a, SOCK_STREAM);
    assert.throws(
      () => n.bind(l2, { addr: "0.0.0.0", port: 9000 }),
      (e) => E.isErrno(e, E.EADDRINUSE),
    );
    const c = socket(a, SOCK_STREAM);
    assert.equal(yield* errnoOfW(n.accept(c)), E.EINVAL);
    assert.equal(yield* errnoOfW(n.recvfrom(c, new Uint8Array(4), 0)), E.ENOTCONN);
    assert.equal(yield* errnoOfW(n.sendto(c, bytes("x"), 0, null)), E.ENOTCONN);
    yield* n.connect(c, { addr: "127.0.0.1", port: 9000 });
    assert.throws(() => n.listen(c, 1), (e) => E.isErrno(e, E.EINVAL));
    yield* n.shutdown(c, SHUT_WR);
    assert.equal(yield* errnoOfW(n.sendto(c, bytes("x"), 0, null)), E.EPIPE);
    const { file } = yield* n.accept(l);
    assert.equal(yield* readAll(a, file), "");
  });
});

Deno.test("tcp_usrreq: SO_LINGER is struct linger in one number; a zero linger time makes close reset", () => {
  let pair!: NetPair;
  const run = runTwoKernels((a, b) => {
    pair = makeNetPair(a, b);
  }, function* (a) {
    const fd = socket(a, SOCK_STREAM);
    const n = net(a);
    const opt = () => n.getsockopt(fd, SOL_SOCKET, SO_LINGER);
    const seen = [opt()];
    n.setsockopt(fd, SOL_SOCKET, SO_LINGER, 5);
    seen.push(opt());
    n.setsockopt(fd, SOL_SOCKET, SO_LINGER, LINGER_OFF);
    seen.push(opt());
    const bad = [-2, 1.5, NaN].map((v) => {
      try {
        n.setsockopt(fd, SOL_SOCKET, SO_LINGER, v);
        return 0;
      } catch (e) {
        return (e as E.Errno).errno;
      }
    });
    yield* n.connect(fd, { addr: ADDR_B, port: 80 });
    yield* n.sendto(fd, bytes("x"), 0, null);
    n.setsockopt(fd, SOL_SOCKET, SO_LINGER, 0);
    seen.push(opt());
    yield* fd.ops.close(fd);
    return { seen, bad };
  }, function* (b) {
    const l = socket(b, SOCK_STREAM);
    net(b).bind(l, { addr: "0.0.0.0", port: 80 });
    net(b).listen(l, 5);
    const { file } = yield* net(b).accept(l);
    const buf = new Uint8Array(16);
    const first = (yield* net(b).recvfrom(file, buf, 0)).n;
    const after = yield* errnoOfW(net(b).recvfrom(file, buf, 0));
    yield* file.ops.close(file);
    return { first, after };
  });
  assert.deepEqual(run.valueA!.seen, [LINGER_OFF, 5, LINGER_OFF, 0]);
  assert.deepEqual(run.valueA!.bad, [E.EINVAL, E.EINVAL, E.EINVAL]);
  assert.equal(run.valueB!.first, 1);
  assert.equal(run.valueB!.after, E.ECONNRESET, "the close sent a RST, not a FIN");
  void pair;
});

Deno.test("tcp_usrreq: a closed socket's TIME-WAIT is a compact record that still holds its address and port", () => {
  let pair!: NetPair;
  const seen: Record<string, unknown> = {};
  runTwoKernels((a, b) => void (pair = makeNetPair(a, b)), function* (a) {
    const fd = socket(a, SOCK_STREAM);
    const n = net(a);
    n.bind(fd, { addr: "0.0.0.0", port: 5555 });
    yield* n.connect(fd, { addr: ADDR_B, port: 80 });
    yield* n.shutdown(fd, SHUT_WR); // a closes first: its side ends in TIME-WAIT
    yield* readAll(a, fd);
    yield* fd.ops.close(fd);
    yield* a.sleep(10_000_000);
    const tcp = pair.sa.tcp!;
    seen.tcbs = tcp.engine.connections().length;
    seen.records = tcp.engine.timeWaitCount;
    type Pcb = { proto: string; state: string; local: string };
    seen.listed = (a.sysctl.read("net.inet.pcblist") as Pcb[])
      .filter((p) => p.proto === "tcp").map((p) => `${p.local} ${p.state}`);
    const again = socket(a, SOCK_STREAM);
    assert.throws(
      () => n.bind(again, { addr: "0.0.0.0", port: 5555 }),
      (e) => E.isErrno(e, E.EADDRINUSE),
    );
    n.setsockopt(again, SOL_SOCKET, SO_REUSEADDR, 1);
    n.bind(again, { addr: "0.0.0.0", port: 5555 }); // SO_REUSEADDR: as BSD allows
    yield* again.ops.close(again);
    yield* a.sleep(61e9);
    seen.recordsAfter = tcp.engine.timeWaitCount;
    seen.pcbsAfter = tcp.table.pcbs.size;
  }, serveOnce);
  assert.deepEqual(seen, {
    tcbs: 0,
    records: 1,
    listed: [`${ADDR_A}.5555 TIME_WAIT`], // netstat's address.port
    recordsAfter: 0,
    pcbsAfter: 0,
  });
});

Deno.test("tcp_usrreq: with twReuse a socket bound with SO_REUSEADDR reconnects over its own TIME-WAIT", () => {
  let pair!: NetPair;
  const seen: Record<string, unknown> = {};
  runTwoKernels((a, b) => void (pair = makeNetPair(a, b)), function* (a) {
    const n = net(a);
    const open = function* () {
      const fd = socket(a, SOCK_STREAM);
      n.setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, 1);
      n.bind(fd, { addr: "0.0.0.0", port: 5555 });
      return fd;
    };
    const fd = yield* open();
    yield* n.connect(fd, { addr: ADDR_B, port: 80 });
    yield* n.shutdown(fd, SHUT_WR); // a closes first: its side ends in TIME-WAIT
    yield* readAll(a, fd);
    yield* fd.ops.close(fd);
    yield* a.sleep(10_000_000);
    const again = yield* open();
    seen.off = yield* errnoOfW(n.connect(again, { addr: ADDR_B, port: 80 }));
    yield* again.ops.close(again);
    pair.sa.tcp!.engine.config.twReuse = true;
    yield* a.sleep(2e9);
    const third = yield* open();
    seen.on = yield* errnoOfW(n.connect(third, { addr: ADDR_B, port: 80 }));
    yield* n.sendto(third, bytes("again"), 0, null);
    yield* n.shutdown(third, SHUT_WR);
    seen.reply = yield* readAll(a, third);
    seen.reused = pair.sa.tcp!.engine.stats.twreused;
  }, function* (b) {
    const l = socket(b, SOCK_STREAM);
    net(b).bind(l, { addr: "0.0.0.0", port: 80 });
    net(b).listen(l, 5);
    for (let i = 0; i < 2; i++) {
      const { file } = yield* net(b).accept(l);
      const got = yield* readAll(b, file);
      if (got) yield* net(b).sendto(file, bytes(`echo ${got}`), 0, null);
      yield* file.ops.close(file);
    }
  });
  assert.deepEqual(seen, { off: E.EADDRINUSE, on: 0, reply: "echo again", reused: 1 });
});
