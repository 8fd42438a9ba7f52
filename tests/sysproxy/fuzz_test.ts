/**
 * fuzz_test.ts — 100,000 random and mutated frames thrown at a sysproxy server inside a
 * kernel (in-process, virtual time, no sockets: the frames go straight to the server's
 * connections): the kernel never panics, every connection closed for bad input was told
 * why in one REFUSED frame and counted by kind, every process the frames made is
 * released, and afterwards a well-behaved client is served.
 */
import assert, { deepStrictEqual as assertEquals } from "node:assert/strict";
import { runImage } from "../../rumprun/run.ts";
import type { App, Sys, Wait } from "../../kernel/syscall/api.ts";
import type { Image } from "../../kernel/syscall/image.ts";
import { rumpfs_kernfs, rumpfs_tmpfs, rumpvfs } from "../../fs/vfs_init.ts";
import { type ServerConn, SysproxyServer } from "../../sysproxy/server.ts";
import {
  emitFrame,
  type Frame,
  FrameDecoder,
  FrameType,
  OutBuf,
  parseFrame,
  SYSPROXY_VERSION,
} from "../../sysproxy/protocol.ts";

const FRAMES = Number(Deno.env.get("FUZZ_FRAMES") ?? 100_000);

/** xorshift32: the test's own seeded randomness. */
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  const next = () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
  return { next, below: (n: number) => next() % n };
}

interface Client {
  conn: ServerConn;
  frames: Frame[];
  closedByServer: boolean;
  pid: number;
  reqid: number;
  sent: number;
}

Deno.test("sysproxy: 100,000 random and mutated frames close only the clients that sent them, counted", async () => {
  let server: SysproxyServer | null = null;
  const r = rng(0x5eed);
  const result = { refusedProtocol: 0, served: false, frames: 0, connections: 0 };

  const newClient = (): Client => {
    const c: Client = {
      conn: null as unknown as ServerConn,
      frames: [],
      closedByServer: false,
      pid: 0,
      reqid: 1,
      sent: 0,
    };
    const dec = new FrameDecoder();
    c.conn = server!.connect({
      send(b) {
        dec.push(b);
        for (let f = dec.next(); f; f = dec.next()) {
          const fr = parseFrame(f);
          c.frames.push(fr);
          if (fr.type === FrameType.WELCOME) c.pid = fr.pid;
          if (fr.type === FrameType.REFUSED && fr.reason.startsWith("protocol error")) {
            result.refusedProtocol++;
          }
        }
      },
      close() {
        c.closedByServer = true;
      },
    });
    result.connections++;
    return c;
  };
  const hello = () =>
    emitFrame({ type: FrameType.HELLO, version: SYSPROXY_VERSION, token: "", progname: "fuzz" });
  const templates = (c: Client): Uint8Array[] => [
    hello(),
    emitFrame({ type: FrameType.CALL, reqid: c.reqid++, pid: c.pid, name: "getpid", args: [] }),
    emitFrame({ type: FrameType.CALL, reqid: c.reqid++, pid: c.pid, name: "stat", args: ["/"] }),
    emitFrame({
      type: FrameType.CALL,
      reqid: c.reqid++,
      pid: c.pid,
      name: "read",
      args: [0, new OutBuf(8)],
    }),
    emitFrame({
      type: FrameType.CALL,
      reqid: c.reqid++,
      pid: c.pid,
      name: "open",
      args: ["/x", 0x201, 0o644],
    }),
    emitFrame({ type: FrameType.CALL, reqid: c.reqid++, pid: c.pid, name: "fork", args: ["f"] }),
    emitFrame({ type: FrameType.INPUT, reqid: 1, pid: c.pid, data: new Uint8Array([0x41]) }),
    emitFrame({ type: FrameType.INTERRUPT, reqid: c.reqid - 1, pid: c.pid }),
  ];

  const driver: App = {
    name: "fuzz",
    *main(sys: Sys): Wait<number> {
      let c: Client | null = null;
      for (let i = 0; i < FRAMES; i++) {
        // A client that has sent its share goes away (the stream may be stuck inside a
        // frame whose length a mutation made large); a closed one is replaced.
        if (c !== null && !c.conn.closed && ++c.sent > 24) c.conn.hangup();
        if (c === null || c.conn.closed) {
          c = newClient();
          // Most new clients shake hands first (else the first frame is out of order).
          if (r.below(8) !== 0) {
            c.conn.receive(hello());
            result.frames++;
            if (++i >= FRAMES) break;
          }
        }
        const t = templates(c);
        let f: Uint8Array;
        const kind = r.below(4);
        if (kind === 0) {
          // Random bytes, half of them behind a plausible length.
          f = new Uint8Array(r.below(48));
          for (let j = 0; j < f.length; j++) f[j] = r.below(256);
          if (f.length >= 4 && r.below(2)) new DataView(f.buffer).setUint32(0, f.length, true);
        } else {
          f = t[r.below(t.length)].slice();
          if (kind === 1) {
            // A mutation: flipped bytes, a cut, or bytes added.
            const m = r.below(3);
            if (m === 0) {
              for (let k = 0; k <= r.below(3); k++) f[r.below(f.length)] ^= 1 << r.below(8);
            } else if (m === 1) f = f.subarray(0, r.below(f.length));
            else {f = new Uint8Array([
                ...f,
                ...new Uint8Array(1 + r.below(8)).map(() => r.below(256)),
              ]);}
          }
        }
        c.conn.receive(f);
        result.frames++;
        // Let the server's process threads run: after every intact frame (as a client
        // waits for its reply) and now and then.
        if (kind >= 2 || i % 64 === 63) yield* sys.nanosleep({ sec: 0, nsec: 1000 });
      }
      // Every remaining client goes away; wait until all their processes are released.
      for (const conn of [...server!.conns]) conn.hangup();
      while (server!.stats.live > 0) yield* sys.nanosleep({ sec: 1, nsec: 0 });
      // A well-behaved client is served.
      const good = newClient();
      good.conn.receive(hello());
      good.conn.receive(
        emitFrame({ type: FrameType.CALL, reqid: 1, pid: good.pid, name: "getpid", args: [] }),
      );
      yield* sys.nanosleep({ sec: 0, nsec: 1000 });
      const res = good.frames.find((x) => x.type === FrameType.RESULT);
      result.served = res?.type === FrameType.RESULT && res.value === good.pid && res.errno === 0;
      good.conn.hangup();
      while (server!.stats.live > 0) yield* sys.nanosleep({ sec: 1, nsec: 0 });
      return 0;
    },
  };
  const image: Image = {
    name: "fuzz",
    description: "sysproxy fuzz",
    components: [rumpvfs, rumpfs_tmpfs, rumpfs_kernfs],
    apps: [{ app: driver, argv: [] }],
    config: { hostname: "fuzz" },
  };
  let consoleText = "";
  const dec = new TextDecoder();
  const out = await runImage(image, {
    seed: 7,
    console: (b) => (consoleText += dec.decode(b, { stream: true })),
    onBoot: (b) => (server = new SysproxyServer(b.kernel)),
  });
  assert(!consoleText.includes("panic"), consoleText.slice(-2000));
  assertEquals(out.status, 0, consoleText.slice(-2000));
  const st = server!.stats;
  assertEquals(result.frames, FRAMES);
  assert(result.served, "a good client is served after the fuzz");
  // Every bad-input close was told and counted, by kind; all of each kind occurred.
  assertEquals(st.malformed + st.oversized + st.order, result.refusedProtocol);
  assert(st.malformed > 0 && st.oversized > 0 && st.order > 0, JSON.stringify(st));
  assertEquals(st.connections, result.connections);
  assertEquals([st.open, st.live], [0, 0]);
  assert(st.calls > FRAMES / 100, JSON.stringify(st)); // calls ran, not only refusals
});
