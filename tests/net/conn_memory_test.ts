/**
 * conn_memory_test.ts — what connection churn leaves behind: 2,000 connections opened,
 * used and closed between two kernels; once TIME-WAIT (2·MSL) has passed, every socket,
 * PCB, control block and SYN cache entry is gone and kernel memory is back where it
 * started, on both sides. (bench/net_conn_mem.ts measures the same at 10,000.)
 */
import assert from "node:assert/strict";
import type { Kernel } from "../../kernel/kern/kernel.ts";
import { SHUT_WR, SO_REUSEADDR, SOCK_STREAM, SOL_SOCKET } from "../../kernel/syscall/api.ts";
import type { NetStack } from "../../net/netstack.ts";
import { runTwoKernels } from "../support/two_kernels.ts";
import { ADDR_B, bytes, makeNetPair, net, type NetPair, socket } from "./net_helpers.ts";

const N = 2000;

interface Census {
  kmem: number;
  sockets: number;
  pcbs: number;
  tcbs: number;
  /** Compact TIME-WAIT records (a closed connection's control block gives way to one). */
  timeWaits: number;
  syncache: number;
  orphans: number;
}

function census(k: Kernel, s: NetStack): Census {
  const tcp = s.tcp!;
  return {
    kmem: k.kmem.inUse,
    sockets: s.sockets,
    pcbs: tcp.table.pcbs.size,
    tcbs: tcp.engine.connections().length,
    timeWaits: tcp.engine.timeWaitCount,
    syncache: tcp.engine.syncache.size,
    orphans: tcp.orphans,
  };
}

Deno.test("net: 2,000 connections opened and closed leave no socket, PCB or kernel memory behind", () => {
  let pair!: NetPair;
  const at: Record<string, Census> = {};
  const run = runTwoKernels((a, b) => void (pair = makeNetPair(a, b)), function* (a) {
    yield* a.sleep(1_000_000); // the server listens
    at.a0 = census(a, pair.sa);
    const buf = new Uint8Array(512);
    for (let i = 0; i < N; i++) {
      const fd = socket(a, SOCK_STREAM);
      yield* net(a).connect(fd, { addr: ADDR_B, port: 80 });
      yield* net(a).sendto(fd, bytes(`request ${i}`), 0, null);
      yield* net(a).shutdown(fd, SHUT_WR);
      while ((yield* net(a).recvfrom(fd, buf, 0)).n > 0) { /* the reply, then EOF */ }
      // Half the clients close first (their side keeps TIME-WAIT), half after the server.
      yield* fd.ops.close(fd);
    }
    at.aPeak = census(a, pair.sa);
    yield* a.sleep(61e9); // 2·MSL: every TIME-WAIT expires
    at.a1 = census(a, pair.sa);
  }, function* (b) {
    const l = socket(b, SOCK_STREAM);
    net(b).setsockopt(l, SOL_SOCKET, SO_REUSEADDR, 1);
    net(b).bind(l, { addr: "0.0.0.0", port: 80 });
    net(b).listen(l, 128);
    at.b0 = census(b, pair.sb);
    const buf = new Uint8Array(512);
    for (let i = 0; i < N; i++) {
      const { file } = yield* net(b).accept(l);
      while ((yield* net(b).recvfrom(file, buf, 0)).n > 0) { /* to the client's FIN */ }
      yield* net(b).sendto(file, bytes(`reply ${i}`), 0, null);
      if (i % 2 === 0) yield* b.sleep(1_000_000); // let the client close first
      yield* file.ops.close(file);
    }
    at.bPeak = census(b, pair.sb);
    yield* l.ops.close(l);
    yield* b.sleep(62e9);
    at.b1 = census(b, pair.sb);
  });
  assert.notEqual(run.result.kind, "deadlock");
  // At the peak the TIME-WAITs of the closed connections were still there ...
  const lingering = (c: Census) => c.tcbs + c.timeWaits;
  assert.ok(lingering(at.aPeak) + lingering(at.bPeak) >= N, JSON.stringify(at));
  // ... as compact records, each still holding its PCB (orphaned, netstat lists it).
  assert.equal(at.aPeak.timeWaits, at.aPeak.orphans, JSON.stringify(at));
  // ... and after 2·MSL nothing is: the client as before its first connect.
  assert.deepEqual(at.a1, {
    kmem: at.a0.kmem,
    sockets: 0,
    pcbs: 0,
    tcbs: 0,
    timeWaits: 0,
    syncache: 0,
    orphans: 0,
  });
  // The server, its listener closed too: nothing at all.
  assert.deepEqual(at.b1, {
    kmem: at.b0.kmem,
    sockets: 0,
    pcbs: 0,
    tcbs: 0,
    timeWaits: 0,
    syncache: 0,
    orphans: 0,
  }, JSON.stringify(at));
});
