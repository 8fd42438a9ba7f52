/**
 * in_pcb_test.ts — ephemeral port selection (net/in_pcb.ts, RFC 6056 §3.3.3 algorithm 3):
 * successive connections to one destination take successive ports, so a four-tuple that
 * just closed is the last to come back, and the table frees closed PCBs.
 */
import assert from "node:assert/strict";
import { SO_REUSEADDR, SOCK_STREAM, SOL_SOCKET } from "../../kernel/syscall/api.ts";
import type { Kernel } from "../../kernel/kern/kernel.ts";
import { runTwoKernels } from "../support/two_kernels.ts";
import { ADDR_B, makeNetPair, net, type NetPair, socket } from "./net_helpers.ts";

const N = 40;

function* serve(b: Kernel, port: number, n: number) {
  const l = socket(b, SOCK_STREAM);
  net(b).setsockopt(l, SOL_SOCKET, SO_REUSEADDR, 1);
  net(b).bind(l, { addr: "0.0.0.0", port });
  net(b).listen(l, 64);
  for (let i = 0; i < n; i++) {
    const { file } = yield* net(b).accept(l);
    yield* file.ops.close(file); // the server closes first: the client's port frees at once
  }
  yield* l.ops.close(l);
}

function* clientPorts(a: Kernel, port: number, n: number) {
  const ports: number[] = [];
  const buf = new Uint8Array(16);
  for (let i = 0; i < n; i++) {
    const fd = socket(a, SOCK_STREAM);
    yield* net(a).connect(fd, { addr: ADDR_B, port });
    ports.push(net(a).getsockname(fd).port);
    while ((yield* net(a).recvfrom(fd, buf, 0)).n > 0) { /* until the server's FIN */ }
    yield* fd.ops.close(fd);
  }
  return ports;
}

Deno.test("in_pcb: connections to one destination take successive ephemeral ports (RFC 6056 algorithm 3)", () => {
  let pair!: NetPair;
  const run = runTwoKernels((a, b) => void (pair = makeNetPair(a, b)), function* (a) {
    const to80 = yield* clientPorts(a, 80, N);
    const to81 = yield* clientPorts(a, 81, 2);
    yield* a.sleep(1e9); // the last close's handshake ends
    return { to80, to81 };
  }, function* (b) {
    yield* serve(b, 80, N);
    yield* serve(b, 81, 2);
  });
  const { to80, to81 } = run.valueA!;
  for (const p of [...to80, ...to81]) assert.ok(p >= 49152 && p <= 65535, `port ${p}`);
  for (let i = 1; i < N; i++) {
    assert.equal(to80[i], to80[i - 1] === 65535 ? 49152 : to80[i - 1] + 1, `after ${to80[i - 1]}`);
  }
  assert.equal(new Set(to80).size, N, "no four-tuple reused");
  // Another destination starts elsewhere (the keyed hash), then also goes on by one.
  assert.notEqual(to81[0], to80[N - 1] + 1);
  assert.equal(to81[1], to81[0] + 1);
  // Every PCB of the closed sockets is gone once their connections reached CLOSED, with
  // no later call to sweep them (the engine's detach hook frees each).
  assert.equal(pair.sa.tcp!.table.pcbs.size, 0);
  assert.equal(pair.sa.tcp!.orphans, 0);
  assert.deepEqual(pair.sa.tcp!.pcblist(), []);
});

Deno.test("in_pcb: net.inet.tcp.listengen moves when a listener starts or stops, and only then", () => {
  const seen: unknown[] = [];
  runTwoKernels((a, b) => void makeNetPair(a, b), function* (a) {
    const gen = () => a.sysctl.read("net.inet.tcp.listengen");
    seen.push(gen());
    const l = socket(a, SOCK_STREAM);
    net(a).bind(l, { addr: "0.0.0.0", port: 8080 });
    seen.push(gen()); // bound, not listening
    net(a).listen(l, 5);
    seen.push(gen());
    const c = socket(a, SOCK_STREAM);
    try {
      yield* net(a).connect(c, { addr: ADDR_B, port: 9 }); // refused: nothing listens there
    } catch { /* ECONNREFUSED */ }
    seen.push(gen()); // a connect is no listener
    yield* l.ops.close(l);
    seen.push(gen());
    yield* c.ops.close(c);
  });
  assert.deepEqual(seen, [0, 0, 1, 1, 2]);
});
