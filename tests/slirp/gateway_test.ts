/**
 * gateway_test.ts — the user netdev's gateway on its own: a guest rump kernel on the
 * hosted platform in realtime mode owns the scheduler, the gateway kernel shares it, a
 * UserNetdev cable joins them; host sockets talk through hostfwd. Also the DNS responder's
 * wire format, from byte fixtures.
 */
import assert from "node:assert/strict";
import { USER_NET } from "../../slirp/plan.ts";
import { Kernel } from "../../kernel/kern/kernel.ts";
import { answerDns, parseDnsQuery } from "../../slirp/dns.ts";
import { createGateway, type Gateway } from "../../slirp/gateway.ts";
import { RELAY_CHUNK } from "../../slirp/relay.ts";
import { guestOnCable } from "./guest_rig.ts";
import type { Blocking } from "../../kernel/hypercall/rumpuser.ts";
import { AF_INET, SO_REUSEADDR, SOCK_STREAM, SOL_SOCKET } from "../../kernel/syscall/api.ts";
import type { KFile } from "../../kernel/syscall/file.ts";
import { type SocketSyscalls, sysent } from "../../kernel/syscall/systab.ts";

const PROC = { pid: 1, name: "guest", cwd: null, umask: 0o22 };

/** A query for `name` type A, id 0x1234, RD set (RFC 1035 §4.1). */
function query(name: string, qtype = 1): Uint8Array {
  const labels = name.split(".").flatMap((l) => [l.length, ...new TextEncoder().encode(l)]);
  return Uint8Array.from([
    0x12,
    0x34,
    0x01,
    0x00,
    0,
    1,
    0,
    0,
    0,
    0,
    0,
    0,
    ...labels,
    0,
    0,
    qtype,
    0,
    1,
  ]);
}

Deno.test("dns: an A query for a mapped name gets one A record with its address", () => {
  const reply = answerDns({ "httpd.rumpsim": "10.0.2.15" }, query("HTTPD.rumpsim"))!;
  const q = query("HTTPD.rumpsim");
  assert.deepEqual([...reply.subarray(0, 12)], [0x12, 0x34, 0x85, 0x80, 0, 1, 0, 1, 0, 0, 0, 0]);
  assert.deepEqual(reply.subarray(12, q.length), q.subarray(12));
  assert.deepEqual(
    [...reply.subarray(q.length)],
    [0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 0, 2, 15],
  );
});

Deno.test("dns: an unmapped name gets NXDOMAIN and no answer", () => {
  const reply = answerDns({}, query("nowhere.example"))!;
  assert.equal(reply[3] & 0x0f, 3);
  assert.equal((reply[6] << 8) | reply[7], 0);
});

Deno.test("dns: malformed queries and responses are dropped, not answered", () => {
  assert.equal(answerDns({}, new Uint8Array(5)), null);
  const resp = query("a.b");
  resp[2] |= 0x80;
  assert.equal(answerDns({}, resp), null);
  const cut = query("abc.def").subarray(0, 16);
  assert.equal(parseDnsQuery(cut), null);
  const ptr = query("a");
  ptr[12] = 0xc0;
  assert.equal(answerDns({}, ptr), null);
});

interface Rig {
  guest: Kernel;
  gw: Gateway;
  net: SocketSyscalls;
  run: Promise<unknown>;
  stop(): Promise<void>;
}

/** A guest kernel (10.0.2.15, realtime, owning the scheduler) and the gateway beside it. */
function rig(guestPorts: number[]): Rig {
  const { p, guest, cable } = guestOnCable();
  const gw = createGateway({
    sched: p.sched,
    host: p.host!,
    port: cable.gateway,
    plan: USER_NET,
    hostfwd: guestPorts.map((guestPort) => ({
      proto: "tcp" as const,
      hostAddr: "127.0.0.1",
      hostPort: 0,
      guestAddr: "10.0.2.15",
      guestPort,
    })),
  });
  const run = p.sched.run();
  return {
    guest,
    gw,
    net: sysent(guest).net!,
    run,
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
  net.listen(l, 8);
  r.guest.threadCreate(`srv${port}`, function* () {
    for (;;) {
      const { file } = yield* net.accept(l);
      r.guest.threadCreate("conn", function* () {
        yield* body(file);
      });
    }
  });
}

async function readAll(c: Deno.Conn, slowMs = 0): Promise<{ n: number; error: unknown }> {
  const buf = new Uint8Array(4096);
  let n = 0;
  try {
    for (;;) {
      const k = await c.read(buf);
      if (k === null) return { n, error: null };
      n += k;
      if (slowMs) await new Promise((r) => setTimeout(r, slowMs));
    }
  } catch (e) {
    return { n, error: e };
  }
}

Deno.test({
  name: "gateway: a slow host reader keeps the relay to one chunk; half-close and resets cross",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const r = rig([9000, 9001, 9002]);
    const big = 2 * 1024 * 1024;
    // 9000: waits for the client's EOF, then sends `big` bytes and closes.
    serve(r, 9000, function* (fp) {
      const b = new Uint8Array(1024);
      while ((yield* r.net.recvfrom(fp, b, 0)).n > 0);
      const chunk = new Uint8Array(65536).fill(7);
      for (let sent = 0; sent < big;) sent += yield* r.net.sendto(fp, chunk, 0, null);
      yield* fp.ops.close(fp);
    });
    // 9001: resets at once (close with a zero linger time).
    serve(r, 9001, function* (fp) {
      const so = fp.data as { options: number; linger: number };
      so.options |= 0x0080;
      so.linger = 0;
      yield* fp.ops.close(fp);
    });
    try {
      const [l0, l1, l2] = r.gw.listeners.map((l) => l.addr.port);
      const c = await Deno.connect({ hostname: "127.0.0.1", port: l0 });
      await c.write(new TextEncoder().encode("go"));
      await c.closeWrite(); // host EOF → the guest reads EOF (half-close carried)
      const got = await readAll(c, 1);
      c.close();
      assert.equal(got.n, big);
      assert.ok(r.gw.relay.maxHeldPerRelay <= RELAY_CHUNK, `held ${r.gw.relay.maxHeldPerRelay}`);

      const c1 = await Deno.connect({ hostname: "127.0.0.1", port: l1 });
      const reset = await readAll(c1);
      assert.equal(reset.n, 0);
      try {
        c1.close();
      } catch { /* closed */ }

      const c2 = await Deno.connect({ hostname: "127.0.0.1", port: l2 }); // no listener
      const refused = await readAll(c2);
      assert.equal(refused.n, 0);
      try {
        c2.close();
      } catch { /* closed */ }
      for (let i = 0; i < 100 && r.gw.relay.closed < 3; i++) {
        await new Promise((res) => setTimeout(res, 5));
      }
      assert.equal(r.gw.relay.refused, 1);
      assert.equal(r.gw.relay.guestResets, 1);
      assert.equal(r.gw.relay.closed, 3);
    } finally {
      await r.stop();
    }
  },
});

Deno.test({
  name: "gateway: a host reset reaches the guest as a connection reset",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const r = rig([9100]);
    let guestErr = "";
    serve(r, 9100, function* (fp) {
      const b = new Uint8Array(1024);
      try {
        while ((yield* r.net.recvfrom(fp, b, 0)).n > 0);
        guestErr = "eof";
      } catch (e) {
        guestErr = (e as Error).name + " " + (e as Error).message;
      }
    });
    try {
      const c = await Deno.connect({ hostname: "127.0.0.1", port: r.gw.listeners[0].addr.port });
      await c.write(new TextEncoder().encode("hi"));
      await new Promise((res) => setTimeout(res, 20));
      // The gateway side sees the host connection fail: stand that in with hostAbort.
      r.gw.close();
      for (let i = 0; i < 100 && guestErr === ""; i++) {
        await new Promise((res) => setTimeout(res, 5));
      }
      assert.equal(r.gw.relay.hostResets, 1);
      assert.match(guestErr, /ECONNRESET|reset/i);
      try {
        c.close();
      } catch { /* closed */ }
    } finally {
      await r.stop();
    }
  },
});
