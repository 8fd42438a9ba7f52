/**
 * conn_churn.ts — connection churn between two kernels on a test wire: N connections (a
 * request, a reply, both sides close), then 2·MSL for the TIME-WAITs to expire. Reports
 * host time for the churn, guest kmem, sockets, PCBs, control blocks and TIME-WAIT records
 * and the host JS heap at the start, at the peak and after (with the heap per TIME-WAIT), and the host time a further 1,000 connections
 * take after the churn (it must not grow with what went before: no scan of old PCBs).
 *
 *   deno run -A --v8-flags=--expose-gc bench/conn_churn.ts [N]   (default 10000)
 */
import type { Kernel } from "../kernel/kern/kernel.ts";
import { SHUT_WR, SO_REUSEADDR, SOCK_STREAM, SOL_SOCKET } from "../kernel/syscall/api.ts";
import type { NetStack } from "../net/netstack.ts";
import { runTwoKernels } from "../tests/support/two_kernels.ts";
import { ADDR_B, bytes, makeNetPair, net, type NetPair, socket } from "../tests/net/net_helpers.ts";

const N = Number(Deno.args[0] ?? 10_000);
const AFTER = 1000;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

function census(k: Kernel, s: NetStack) {
  gc();
  const tcp = s.tcp!;
  return {
    kmem: k.kmem.inUse,
    sockets: s.sockets,
    pcbs: tcp.table.pcbs.size,
    tcbs: tcp.engine.connections().length,
    timeWaits: tcp.engine.timeWaitCount,
    heapMiB: +(Deno.memoryUsage().heapUsed / 2 ** 20).toFixed(1),
  };
}

let pair!: NetPair;
const rows: Record<string, unknown> = {};
const ms: Record<string, number> = {};
function* client(a: Kernel, n: number) {
  const buf = new Uint8Array(512);
  for (let i = 0; i < n; i++) {
    const fd = socket(a, SOCK_STREAM);
    yield* net(a).connect(fd, { addr: ADDR_B, port: 80 });
    yield* net(a).sendto(fd, bytes(`request ${i}`), 0, null);
    yield* net(a).shutdown(fd, SHUT_WR);
    while ((yield* net(a).recvfrom(fd, buf, 0)).n > 0) { /* reply, EOF */ }
    yield* fd.ops.close(fd);
    if (i % 100 === 0) pair.wire.log.length = 0; // the test wire's own record of frames
  }
}
runTwoKernels((a, b) => void (pair = makeNetPair(a, b)), function* (a) {
  yield* a.sleep(1_000_000);
  rows.start = census(a, pair.sa);
  let t = performance.now();
  yield* client(a, N);
  ms.churn = performance.now() - t;
  rows.peak = census(a, pair.sa);
  yield* a.sleep(61e9);
  rows.after = census(a, pair.sa);
  t = performance.now();
  yield* client(a, AFTER);
  ms.more = performance.now() - t;
  yield* a.sleep(61e9);
}, function* (b) {
  const l = socket(b, SOCK_STREAM);
  net(b).setsockopt(l, SOL_SOCKET, SO_REUSEADDR, 1);
  net(b).bind(l, { addr: "0.0.0.0", port: 80 });
  net(b).listen(l, 511);
  const buf = new Uint8Array(512);
  for (let i = 0; i < N + AFTER; i++) {
    const { file } = yield* net(b).accept(l);
    while ((yield* net(b).recvfrom(file, buf, 0)).n > 0) { /* request, FIN */ }
    yield* net(b).sendto(file, bytes(`reply ${i}`), 0, null);
    yield* file.ops.close(file);
  }
  yield* l.ops.close(l);
});
console.log(
  `${N} connections churned in ${ms.churn.toFixed(0)} ms host time ` +
    `(${(ms.churn / N * 1000).toFixed(0)} µs each); ${AFTER} more after: ` +
    `${(ms.more / AFTER * 1000).toFixed(0)} µs each`,
);
for (const [k, v] of Object.entries(rows)) {
  console.log(`client ${k.padEnd(5)} ${JSON.stringify(v)}`);
}
type Row = ReturnType<typeof census>;
const [start, peak] = [rows.start as Row, rows.peak as Row];
const held = peak.tcbs + peak.timeWaits - start.tcbs - start.timeWaits;
if (held > 0) {
  console.log(
    `host heap per connection held in TIME-WAIT: ${
      ((peak.heapMiB - start.heapMiB) * 2 ** 20 / held).toFixed(0)
    } bytes`,
  );
}
