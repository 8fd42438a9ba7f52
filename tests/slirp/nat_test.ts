/**
 * nat_test.ts — the user netdev's outbound NAT: a guest rump kernel (hosted platform,
 * realtime, 10.0.2.15) and the gateway kernel on one scheduler, joined by a UserNetdev
 * cable; the guest reaches servers the test runs on the host's 127.0.0.1 through
 * 10.0.2.2 — TCP (relayed, refused, half-closed, back-pressured, reset) and UDP.
 */
import assert from "node:assert/strict";
import dgram from "node:dgram";
import { USER_NET } from "../../slirp/plan.ts";
import { Errno } from "../../kernel/kern/errno.ts";
import { Kernel } from "../../kernel/kern/kernel.ts";
import { createGateway, type Gateway } from "../../slirp/gateway.ts";
import { RELAY_CHUNK } from "../../slirp/relay.ts";
import { guestOnCable } from "./guest_rig.ts";
import type { Blocking } from "../../kernel/hypercall/rumpuser.ts";
import {
  AF_INET,
  SHUT_WR,
  SO_LINGER,
  SOCK_DGRAM,
  SOCK_STREAM,
  SOL_SOCKET,
} from "../../kernel/syscall/api.ts";
import type { KFile } from "../../kernel/syscall/file.ts";
import { type SocketSyscalls, sysent } from "../../kernel/syscall/systab.ts";

const PROC = { pid: 1, name: "guest", cwd: null, umask: 0o22 };
const enc = new TextEncoder(), dec = new TextDecoder();

interface Rig {
  guest: Kernel;
  gw: Gateway;
  net: SocketSyscalls;
  /** Runs `body` on a new guest thread; resolves with its result or rejects with its error. */
  inGuest<T>(body: () => Blocking<T>): Promise<T>;
  stop(): Promise<void>;
}

function rig(): Rig {
  const { p, guest, cable } = guestOnCable();
  const gw = createGateway({ sched: p.sched, host: p.host!, port: cable.gateway, plan: USER_NET });
  p.host!.openSource(); // the test itself: the machine waits for it, not ending idle
  const run = p.sched.run();
  return {
    guest,
    gw,
    net: sysent(guest).net!,
    inGuest<T>(body: () => Blocking<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        // Started from the event loop's context, as host input is.
        p.host!.post(() => {
          guest.threadCreate("test", function* () {
            try {
              resolve(yield* body());
            } catch (e) {
              reject(e);
            }
          });
        });
      });
    },
    async stop() {
      gw.close();
      p.host!.closeSource();
      p.host!.post(() => p.sched.halt("test over"));
      await run;
    },
  };
}

/** Reads `fp` to its end (n = 0); sleeps `pauseNs` between reads when given. */
function* readToEnd(r: Rig, fp: KFile, chunk = 4096, pauseNs = 0): Blocking<Uint8Array> {
  const parts: Uint8Array[] = [];
  const buf = new Uint8Array(chunk);
  for (;;) {
    const { n } = yield* r.net.recvfrom(fp, buf, 0);
    if (n === 0) break;
    parts.push(buf.slice(0, n));
    if (pauseNs) yield* r.guest.sleep(pauseNs);
  }
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let off = 0;
  for (const p of parts) (out.set(p, off), off += p.length);
  return out;
}

function* sendAll(r: Rig, fp: KFile, data: Uint8Array): Blocking<void> {
  for (let off = 0; off < data.length;) off += yield* r.net.sendto(fp, data.subarray(off), 0, null);
}

/** A TCP connection from the guest to 10.0.2.2:port. */
function* connectGw(r: Rig, port: number): Blocking<KFile> {
  const fp = r.net.socket(PROC, AF_INET, SOCK_STREAM, 0);
  yield* r.net.connect(fp, { addr: USER_NET.gateway, port });
  return fp;
}

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400 && !cond(); i++) await new Promise((res) => setTimeout(res, 5));
  assert.ok(cond(), what);
}

const OPTS = { sanitizeOps: false, sanitizeResources: false };

Deno.test({
  ...OPTS,
  name: "nat: a guest connection to 10.0.2.2:PORT reaches a host server on 127.0.0.1:PORT",
  async fn() {
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      (req) => new Response(`hello from the host, you asked for ${new URL(req.url).pathname}`),
    );
    const r = rig();
    try {
      const reply = await r.inGuest(function* () {
        const fp = yield* connectGw(r, server.addr.port);
        const peer = r.net.getpeername(fp);
        yield* sendAll(
          r,
          fp,
          enc.encode("GET /x HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"),
        );
        const body = dec.decode(yield* readToEnd(r, fp));
        yield* fp.ops.close(fp);
        return { peer, body };
      });
      assert.deepEqual(reply.peer, { addr: "10.0.2.2", port: server.addr.port });
      assert.match(reply.body, /^HTTP\/1\.1 200 OK\r\n/);
      assert.match(reply.body, /hello from the host, you asked for \/x$/);
      const st = r.gw.nat!.stats.tcp;
      assert.equal(st.connects, 1);
      assert.equal(st.accepted, 1);
      await until(() => st.closed === 1, "the relay ends");
    } finally {
      await r.stop();
      await server.shutdown();
    }
  },
});

Deno.test({
  ...OPTS,
  name: "nat: a guest connection to a closed host port fails with ECONNREFUSED",
  async fn() {
    const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = l.addr.port;
    l.close(); // nothing listens there now
    const r = rig();
    try {
      const err = await r.inGuest(function* () {
        try {
          yield* connectGw(r, port);
          return null;
        } catch (e) {
          return e;
        }
      });
      assert.ok(err instanceof Errno, String(err));
      assert.equal(err.code, "ECONNREFUSED");
      assert.equal(r.gw.nat!.stats.tcp.refused, 1);
      // The DNS address is not NAT'ed: its closed port is refused by the gateway's own
      // stack, with no host connect.
      const dnsErr = await r.inGuest(function* () {
        const fp = r.net.socket(PROC, AF_INET, SOCK_STREAM, 0);
        try {
          yield* r.net.connect(fp, { addr: USER_NET.dns, port });
          return null;
        } catch (e) {
          return e;
        }
      });
      assert.equal((dnsErr as Errno).code, "ECONNREFUSED");
      assert.equal(r.gw.nat!.stats.tcp.connects, 1);
    } finally {
      await r.stop();
    }
  },
});

Deno.test({
  ...OPTS,
  name: "nat: guest UDP to 10.0.2.2:PORT reaches a host socket and replies come back from it",
  async fn() {
    const echo = dgram.createSocket("udp4");
    const seen: number[] = [];
    echo.on("message", (m: Uint8Array, from: { port: number; address: string }) => {
      seen.push(from.port);
      echo.send(Uint8Array.from([...enc.encode("echo:"), ...m]), from.port, from.address);
    });
    await new Promise<void>((res) => echo.bind(0, "127.0.0.1", () => res()));
    const port = echo.address().port;
    const r = rig();
    try {
      const got = await r.inGuest(function* () {
        const out: { from: { addr: string; port: number }; text: string }[] = [];
        for (const word of ["one", "two"]) {
          const fp = r.net.socket(PROC, AF_INET, SOCK_DGRAM, 0);
          yield* r.net.sendto(fp, enc.encode(word), 0, { addr: USER_NET.gateway, port });
          const buf = new Uint8Array(100);
          const { n, from } = yield* r.net.recvfrom(fp, buf, 0);
          out.push({ from, text: dec.decode(buf.subarray(0, n)) });
          yield* fp.ops.close(fp);
        }
        return out;
      });
      assert.deepEqual(got, [
        { from: { addr: "10.0.2.2", port }, text: "echo:one" },
        { from: { addr: "10.0.2.2", port }, text: "echo:two" },
      ]);
      // Two guest sockets, two host sockets (flows).
      assert.equal(new Set(seen).size, 2);
      const st = r.gw.nat!.stats.udp;
      assert.equal(st.flows, 2);
      assert.equal(st.out, 2);
      assert.equal(st.in, 2);
    } finally {
      await r.stop();
      echo.close();
    }
  },
});

/** A one-connection host server running `serve` on what it accepts. */
function hostServer(serve: (c: Deno.TcpConn) => Promise<void>) {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const done = (async () => {
    const c = await l.accept();
    try {
      await serve(c);
    } finally {
      l.close();
    }
  })();
  return { port: l.addr.port, done };
}

async function hostReadAll(c: Deno.Conn): Promise<Uint8Array> {
  const parts: number[] = [];
  const buf = new Uint8Array(65536);
  for (;;) {
    const n = await c.read(buf);
    if (n === null) return Uint8Array.from(parts);
    parts.push(...buf.subarray(0, n));
  }
}

Deno.test({
  ...OPTS,
  name: "nat: half-close crosses the outbound relay in both directions",
  async fn() {
    // The host reads to EOF (the guest's FIN), then answers and closes.
    const srv = hostServer(async (c) => {
      const got = await hostReadAll(c);
      await c.write(enc.encode(`host got ${dec.decode(got)}`));
      c.close();
    });
    const r = rig();
    try {
      const reply = await r.inGuest(function* () {
        const fp = yield* connectGw(r, srv.port);
        yield* sendAll(r, fp, enc.encode("request"));
        yield* r.net.shutdown(fp, SHUT_WR);
        const text = dec.decode(yield* readToEnd(r, fp));
        yield* fp.ops.close(fp);
        return text;
      });
      await srv.done;
      assert.equal(reply, "host got request");

      // The other way: the host half-closes first; the guest still sends after its EOF.
      let hostGot = "";
      const srv2 = hostServer(async (c) => {
        await c.write(enc.encode("banner"));
        await c.closeWrite();
        hostGot = dec.decode(await hostReadAll(c));
        c.close();
      });
      const banner = await r.inGuest(function* () {
        const fp = yield* connectGw(r, srv2.port);
        const text = dec.decode(yield* readToEnd(r, fp));
        yield* sendAll(r, fp, enc.encode("after eof"));
        yield* fp.ops.close(fp);
        return text;
      });
      await srv2.done;
      assert.equal(banner, "banner");
      assert.equal(hostGot, "after eof");
    } finally {
      await r.stop();
    }
  },
});

Deno.test({
  ...OPTS,
  name: "nat: a slow guest reader keeps the outbound relay to one chunk and loses nothing",
  async fn() {
    const big = 2 * 1024 * 1024;
    const pattern = (i: number) => (i * 7 + (i >> 11)) & 0xff;
    const srv = hostServer(async (c) => {
      const b = new Uint8Array(big);
      for (let i = 0; i < big; i++) b[i] = pattern(i);
      for (let off = 0; off < big;) off += await c.write(b.subarray(off));
      c.close();
    });
    const r = rig();
    try {
      const got = await r.inGuest(function* () {
        const fp = yield* connectGw(r, srv.port);
        yield* r.guest.sleep(100e6); // let the host fill every buffer on the way
        const data = yield* readToEnd(r, fp, 16384, 1e6);
        yield* fp.ops.close(fp);
        return data;
      });
      await srv.done;
      assert.equal(got.length, big);
      for (let i = 0; i < big; i++) if (got[i] !== pattern(i)) assert.fail(`byte ${i} differs`);
      const st = r.gw.nat!.stats.tcp;
      assert.ok(st.maxHeldPerRelay <= RELAY_CHUNK, `held ${st.maxHeldPerRelay}`);
      assert.equal(st.bytesUp, big); // the relay's "up": host → guest
    } finally {
      await r.stop();
    }
  },
});

Deno.test({
  ...OPTS,
  name: "nat: a guest reset reaches the host, and a host reset reaches the guest",
  async fn() {
    let hostSaw = "";
    const srv = hostServer(async (c) => {
      try {
        const got = await hostReadAll(c);
        hostSaw = `eof after ${got.length}`;
      } catch (e) {
        hostSaw = (e as Error).name;
      }
      c.close();
    });
    const r = rig();
    try {
      await r.inGuest(function* () {
        const fp = yield* connectGw(r, srv.port);
        yield* sendAll(r, fp, enc.encode("x"));
        yield* r.guest.sleep(20e6);
        r.net.setsockopt(fp, SOL_SOCKET, SO_LINGER, 0); // close(2) now sends a RST
        yield* fp.ops.close(fp);
      });
      await srv.done;
      // The relay closes the host connection at once on the guest's RST; it has read all
      // the host sent (nothing), so the host OS closes it with a FIN: the host's read
      // ends with EOF, after "x" (a reset here would mean bytes were left unread).
      assert.equal(hostSaw, "eof after 1");
      await until(() => r.gw.nat!.stats.tcp.guestResets === 1, "the guest's reset is counted");

      const srv2 = hostServer(async (c) => {
        await c.read(new Uint8Array(10));
        // SO_LINGER 0 on the host is not reachable from Deno: a host reset is what the
        // relay sees as a failed host read or write; stand it in by closing the gateway.
        r.gw.close();
      });
      const err = await r.inGuest(function* () {
        const fp = yield* connectGw(r, srv2.port);
        yield* sendAll(r, fp, enc.encode("hi"));
        try {
          yield* readToEnd(r, fp);
          return null;
        } catch (e) {
          return e;
        }
      });
      await srv2.done;
      assert.equal((err as Errno).code, "ECONNRESET");
    } finally {
      await r.stop();
    }
  },
});
