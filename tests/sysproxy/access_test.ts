/**
 * access_test.ts — who gets in: a unix socket is owner-only (0600) and removed at exit; a
 * TCP server asks a token (its owner-only token file, or --token); a client without it is
 * refused in one line and counted; bad frames close that client only, counted by kind,
 * and the server goes on serving.
 */
import assert, { deepStrictEqual as assertEquals, match as assertMatch } from "node:assert/strict";
import { ctl, sockPath, startServer, type TestServer, waitFor } from "./harness.ts";
import {
  emitFrame,
  FrameDecoder,
  FrameType,
  parseFrame,
  SYSPROXY_VERSION,
} from "../../sysproxy/protocol.ts";
import { parseSysproxyUrl, tokenPath } from "../../cli/sysproxy.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

function stats(s: TestServer): Record<string, number> {
  return s.booted.kernel.sysctl.read("kern.sysproxy") as Record<string, number>;
}

/** Sends `bytes` on a raw connection and reads frames until the server closes it. */
async function raw(conn: Deno.Conn, bytes: Uint8Array): Promise<string[]> {
  await conn.write(bytes);
  const dec = new FrameDecoder();
  const buf = new Uint8Array(65536);
  const seen: string[] = [];
  for (;;) {
    const n = await conn.read(buf).catch(() => null);
    if (n === null) break;
    dec.push(buf.subarray(0, n));
    for (let f = dec.next(); f; f = dec.next()) {
      const fr = parseFrame(f);
      seen.push(fr.type === FrameType.REFUSED ? `REFUSED ${fr.reason}` : FrameType[fr.type]);
    }
  }
  conn.close();
  return seen;
}

Deno.test("sysproxy: a unix socket is mode 0600 while served and gone after", opts, async () => {
  const path = sockPath("mode");
  const s = await startServer(`unix:${path}`);
  try {
    const st = Deno.statSync(path);
    assert(st.isSocket);
    assertEquals(st.mode! & 0o777, 0o600);
  } finally {
    await s.stop();
  }
  assert(!(await Deno.stat(path).then(() => true, () => false)), "socket file removed");
});

Deno.test(
  "sysproxy: a TCP server asks its token; without it a client is refused in one line",
  opts,
  async () => {
    const s = await startServer("tcp:0"); // loopback, a port the host picks
    const tokenFile = s.listener.tokenFile!;
    try {
      const url = s.listener.url;
      assertMatch(url, /^tcp:127\.0\.0\.1:\d+$/);
      const u = parseSysproxyUrl(url) as { hostname: string; port: number };
      const file = tokenPath(u.hostname, u.port);
      assertEquals(s.listener.tokenFile, file);
      assertEquals(Deno.statSync(file).mode! & 0o777, 0o600);
      // The token file where ctl runs: in.
      const ok = await ctl(["--server", url, "cat", "/etc/motd"]);
      assertEquals(ok.code, 0, ok.stderr);
      assertMatch(ok.stdout, /^Welcome/);
      // --token given: in.
      const token = Deno.readTextFileSync(file).trim();
      const tmp = Deno.makeTempDirSync();
      const ok2 = await ctl(["--server", url, "--token", token, "ls", "/"], { cwd: tmp });
      assertEquals(ok2.code, 0, ok2.stderr);
      // No token file and no --token: one line before connecting.
      const none = await ctl(["--server", url, "ls"], { cwd: tmp });
      assertEquals(none.code, 1);
      assertEquals(none.stderr, `ctl: ${url}: no token: give --token or run where ${file} is\n`);
      // A wrong token: the server refuses, in one line, and counts it.
      const before = stats(s).refused;
      const bad = await ctl(["--server", url, "--token", "nope", "ls"], { cwd: tmp });
      assertEquals(bad.code, 1);
      assertEquals(
        bad.stderr,
        `ctl: ${url}: access denied: a valid token is needed (--token, or the server's token file)\n`,
      );
      assertEquals(stats(s).refused, before + 1);
      // A raw client with the wrong protocol version.
      const c = await Deno.connect({ hostname: u.hostname, port: u.port });
      const seen = await raw(
        c,
        emitFrame({ type: FrameType.HELLO, version: 99, token, progname: "x" }),
      );
      assertEquals(seen, [
        `REFUSED protocol version 99 is not served (this server: ${SYSPROXY_VERSION})`,
      ]);
      Deno.removeSync(tmp, { recursive: true });
    } finally {
      await s.stop();
    }
    assert(!(await Deno.stat(tokenFile).then(() => true, () => false)), "token file removed");
  },
);

Deno.test(
  "sysproxy: malformed, oversized and out-of-order frames close that client only, counted",
  opts,
  async () => {
    const path = sockPath("bad");
    const url = `unix:${path}`;
    const s = await startServer(url);
    try {
      const conn = () => Deno.connect({ transport: "unix", path });
      const hello = emitFrame({
        type: FrameType.HELLO,
        version: SYSPROXY_VERSION,
        token: "",
        progname: "t",
      });
      // A frame whose length says 64 MiB: oversized.
      const big = new Uint8Array(16);
      new DataView(big.buffer).setUint32(0, 64 << 20, true);
      let seen = await raw(await conn(), big);
      assertMatch(seen[0], /^REFUSED protocol error: frame of 67108864 bytes$/);
      // A CALL before the HELLO: out of order.
      const call = emitFrame({
        type: FrameType.CALL,
        reqid: 1,
        pid: 1000,
        name: "getpid",
        args: [],
      });
      seen = await raw(await conn(), call);
      assertMatch(seen[0], /^REFUSED protocol error: frame type 4 before HELLO$/);
      // After a good HELLO, a frame of an unknown type: malformed.
      const junk = new Uint8Array(16);
      new DataView(junk.buffer).setUint32(0, 16, true);
      new DataView(junk.buffer).setUint16(4, 77, true);
      seen = await raw(await conn(), new Uint8Array([...hello, ...junk]));
      assertEquals(seen[0], "WELCOME");
      assertMatch(seen[1], /^REFUSED protocol error: unknown frame type 77$/);
      const st = stats(s);
      assertEquals([st.oversized, st.order, st.malformed], [1, 1, 1]);
      // Everyone else is still served.
      const r = await ctl(["--server", url, "ls", "/"]);
      assertEquals(r.code, 0);
      assert(await waitFor(() => stats(s).live === 0), JSON.stringify(stats(s)));
    } finally {
      await s.stop();
    }
  },
);
