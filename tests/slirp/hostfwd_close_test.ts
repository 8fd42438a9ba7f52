/**
 * hostfwd_close_test.ts — hostfwd's host connections end when the relayed connection does:
 * when the guest closes, no host socket of the gateway is left in CLOSE-WAIT (counted in
 * Linux's /proc/net/tcp by the listener's port), every relay is over, and the gateway
 * kernel's sockets, PCBs, control blocks and kernel memory are back where they started.
 *
 * Three ways a connection ends: the host client closes after the reply (the guest
 * answers its EOF by closing), the host client half-closes first (shutdown(SHUT_WR)) and
 * reads the reply, and the guest closes first (an idle timeout) while the host is idle.
 */
import assert from "node:assert/strict";
import { USER_NET } from "../../slirp/plan.ts";
import type { Kernel } from "../../kernel/kern/kernel.ts";
import { createGateway, type Gateway } from "../../slirp/gateway.ts";
import { netstack } from "../../net/netstack.ts";
import { TCPS_TIME_WAIT } from "../../net/tcp/state.ts";
import { guestOnCable } from "./guest_rig.ts";
import { AF_INET, SO_REUSEADDR, SOCK_STREAM, SOL_SOCKET } from "../../kernel/syscall/api.ts";
import type { KFile } from "../../kernel/syscall/file.ts";
import { type SocketSyscalls, sysent } from "../../kernel/syscall/systab.ts";
import type { Blocking } from "../../kernel/hypercall/rumpuser.ts";

const PROC = { pid: 1, name: "guest", cwd: null, umask: 0o22 };
const N = 40;

/** Linux's TCP states in /proc/net/tcp (include/net/tcp_states.h). */
const TCP_STATE: Record<string, string> = {
  "01": "ESTABLISHED",
  "02": "SYN_SENT",
  "03": "SYN_RECV",
  "04": "FIN_WAIT1",
  "05": "FIN_WAIT2",
  "06": "TIME_WAIT",
  "07": "CLOSE",
  "08": "CLOSE_WAIT",
  "09": "LAST_ACK",
  "0A": "LISTEN",
  "0B": "CLOSING",
};

/**
 * States of the host sockets whose local port is `port` (the listener and its accepted).
 * /proc/net/tcp is read by `cat`: Deno grants /proc files only with every permission, and
 * the test task grants subprocesses, not that.
 */
function hostStates(port: number): Record<string, number> {
  const r = new Deno.Command("cat", { args: ["/proc/net/tcp"], stdout: "piped" }).outputSync();
  if (!r.success) throw new Error("cannot read /proc/net/tcp");
  const text = new TextDecoder().decode(r.stdout);
  const hex = port.toString(16).toUpperCase().padStart(4, "0");
  const out: Record<string, number> = {};
  for (const line of text.split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4 || !f[1].endsWith(`:${hex}`)) continue;
    const st = TCP_STATE[f[3]] ?? f[3];
    out[st] = (out[st] ?? 0) + 1;
  }
  return out;
}

interface Census {
  kmem: number;
  sockets: number;
  /** PCBs and control blocks other than TIME-WAIT ones. */
  pcbs: number;
  tcbs: number;
  timeWait: number;
}

function census(k: Kernel): Census {
  const s = netstack(k), tcp = s.tcp!;
  const tcbs = tcp.engine.connections();
  // A closed socket's TIME-WAIT is a compact record holding its PCB; a control block stays
  // in TIME-WAIT only while its socket is open.
  const open = tcbs.filter((t) => t.state === TCPS_TIME_WAIT).length;
  const timeWait = open + tcp.engine.timeWaitCount;
  return {
    kmem: k.kmem.inUse,
    sockets: s.sockets,
    pcbs: tcp.table.pcbs.size - timeWait,
    tcbs: tcbs.length - open,
    timeWait,
  };
}

interface Rig {
  gw: Gateway;
  net: SocketSyscalls;
  guest: Kernel;
  stop(): Promise<void>;
}

function rig(guestPort: number): Rig {
  const { p, guest, cable } = guestOnCable();
  const gw = createGateway({
    sched: p.sched,
    host: p.host!,
    port: cable.gateway,
    plan: USER_NET,
    hostfwd: [{
      proto: "tcp",
      hostAddr: "127.0.0.1",
      hostPort: 0,
      guestAddr: "10.0.2.15",
      guestPort,
    }],
  });
  const run = p.sched.run();
  return {
    gw,
    guest,
    net: sysent(guest).net!,
    async stop() {
      gw.close();
      p.host!.post(() => p.sched.halt("test over"));
      await run;
    },
  };
}

/** Runs `body` for each connection accepted on guest `port`. */
function serve(r: Rig, port: number, body: (fp: KFile) => Blocking<void>): void {
  const { net } = r;
  const l = net.socket(PROC, AF_INET, SOCK_STREAM, 0);
  net.setsockopt(l, SOL_SOCKET, SO_REUSEADDR, 1);
  net.bind(l, { addr: "0.0.0.0", port });
  net.listen(l, 64);
  r.guest.threadCreate(`srv${port}`, function* () {
    for (;;) {
      const { file } = yield* net.accept(l);
      r.guest.threadCreate("conn", () => body(file));
    }
  });
}

async function readToEof(c: Deno.Conn): Promise<string> {
  const buf = new Uint8Array(4096);
  let s = "";
  for (;;) {
    const n = await c.read(buf);
    if (n === null) return s;
    s += new TextDecoder().decode(buf.subarray(0, n));
  }
}

const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

/** Waits (up to 5 s) until `cond` holds. */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !cond(); i++) await sleep(5);
}

/** The host side and the gateway kernel, once every relay of `r` is over. */
async function settled(r: Rig, port: number, base: Census) {
  await until(() => {
    const h = hostStates(port), g = census(r.gw.kernel);
    return r.gw.relay.closed === r.gw.relay.accepted && !h.CLOSE_WAIT && !h.ESTABLISHED &&
      g.sockets === base.sockets && g.tcbs === base.tcbs && g.pcbs === base.pcbs;
  });
  return { host: hostStates(port), gw: census(r.gw.kernel), relay: { ...r.gw.relay } };
}

const enc = new TextEncoder();

Deno.test({
  name:
    "hostfwd: when the guest closes, no host socket stays in CLOSE-WAIT and the gateway frees every socket and PCB",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    if (Deno.build.os !== "linux") throw new Error("this test reads Linux's /proc/net/tcp");
    const r = rig(9300);
    // The guest: reads one request, answers, then closes at the client's EOF (a server
    // without keep-alive) — or, for "idle", closes at once after its reply.
    serve(r, 9300, function* (fp) {
      const b = new Uint8Array(256);
      const { n } = yield* r.net.recvfrom(fp, b, 0);
      const req = new TextDecoder().decode(b.subarray(0, n));
      yield* r.net.sendto(fp, enc.encode(`reply to ${req}`), 0, null);
      if (!req.startsWith("idle")) { while ((yield* r.net.recvfrom(fp, b, 0)).n > 0); }
      yield* fp.ops.close(fp);
    });
    try {
      const port = r.gw.listeners[0].addr.port;
      await sleep(50);
      const base = census(r.gw.kernel);

      // 1. The host closes after the reply; the guest closes at that EOF.
      await Promise.all(Array.from({ length: N }, async (_, i) => {
        const c = await Deno.connect({ hostname: "127.0.0.1", port });
        await c.write(enc.encode(`full ${i}`));
        const buf = new Uint8Array(256);
        const n = await c.read(buf);
        assert.equal(new TextDecoder().decode(buf.subarray(0, n!)), `reply to full ${i}`);
        c.close();
      }));
      const a = await settled(r, port, base);
      assert.deepEqual(a.host, { LISTEN: 1 }, JSON.stringify(a));
      assert.equal(a.relay.closed, N);

      // 2. The host half-closes first and reads the reply to the guest's FIN.
      await Promise.all(Array.from({ length: N }, async (_, i) => {
        const c = await Deno.connect({ hostname: "127.0.0.1", port });
        await c.write(enc.encode(`half ${i}`));
        await c.closeWrite();
        assert.equal(await readToEof(c), `reply to half ${i}`);
        c.close();
      }));
      const b = await settled(r, port, base);
      assert.deepEqual(b.host, { LISTEN: 1 }, JSON.stringify(b));
      assert.equal(b.relay.closed, 2 * N);

      // 3. The guest closes first; the host sees the FIN while still open (its side of
      // the gateway is then FIN-WAIT-2, never CLOSE-WAIT), and closes later.
      const conns = await Promise.all(Array.from({ length: N }, async (_, i) => {
        const c = await Deno.connect({ hostname: "127.0.0.1", port });
        await c.write(enc.encode(`idle ${i}`));
        assert.equal(await readToEof(c), `reply to idle ${i}`);
        return c;
      }));
      const mid = hostStates(port);
      assert.equal(mid.CLOSE_WAIT, undefined, JSON.stringify(mid));
      for (const c of conns) c.close();
      const c3 = await settled(r, port, base);
      // The gateway's host side sent the first FIN here: its sockets are in TIME-WAIT.
      assert.deepEqual(c3.host, { LISTEN: 1, TIME_WAIT: N }, JSON.stringify(c3));
      assert.equal(c3.relay.closed, 3 * N);
      assert.equal(c3.relay.accepted, 3 * N);

      // The gateway kernel: sockets, PCBs and kernel memory where they started, but for
      // the TIME-WAITs of the connections whose host closed first (1 and 2: the gateway
      // sent the first FIN to the guest); those expire after 2·MSL
      // (tests/net/conn_memory_test.ts checks that in virtual time).
      assert.deepEqual(
        c3.gw,
        { ...base, timeWait: base.timeWait + 2 * N },
        JSON.stringify({ base, after: c3.gw }),
      );
    } finally {
      await r.stop();
    }
  },
});
