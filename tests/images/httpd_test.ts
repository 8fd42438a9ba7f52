/**
 * httpd_test.ts — the default image end to end: boots the httpd image in-process in
 * realtime mode on the user netdev, with hostfwd rules on ephemeral host ports, and talks
 * to it from the host with fetch() and raw requests over Deno.connect.
 */
import assert from "node:assert/strict";
import { DOCROOT, image, SITE, SITE_MTIME_SEC } from "../../images/httpd.ts";
import { DEFAULT_IMAGE } from "../../images/mod.ts";
import type { Booted } from "../../rumprun/boot.ts";
import { runImage, type RunOutcome } from "../../rumprun/run.ts";
import { hostRealtime } from "../../host/realtime.ts";
import { attachUserNet, type UserNet } from "../../cli/user_net.ts";

const fwd = (guestPort: number) => ({
  proto: "tcp" as const,
  hostAddr: "127.0.0.1",
  hostPort: 0,
  guestAddr: "10.0.2.15",
  guestPort,
});

interface Booting {
  port: number;
  deadPort: number;
  stop(): Promise<RunOutcome>;
  console(): string;
}

async function bootHttpd(): Promise<Booting> {
  let out = "";
  const dec = new TextDecoder();
  let un!: UserNet, booted!: Booted;
  const run = runImage(image, {
    mode: "realtime",
    host: hostRealtime(),
    argv: ["-p", "80", "-d", DOCROOT, "-T", "1"],
    console: (b) => (out += dec.decode(b, { stream: true })),
    onBoot: (b) => {
      booted = b;
      un = attachUserNet(b, { hostfwd: [fwd(80), fwd(81)] });
    },
  });
  const port = un.gateway.listeners[0].addr.port;
  // Wait for the guest to accept: retry a request until it answers.
  for (let i = 0; i < 200; i++) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/hello.txt`);
      await r.arrayBuffer();
      if (r.status === 200) break;
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 10));
  }
  return {
    port,
    deadPort: un.gateway.listeners[1].addr.port,
    console: () => out,
    async stop() {
      un.gateway.close();
      booted.user.exitStatus ??= 0;
      booted.machine.halt("test over");
      return await run;
    },
  };
}

/** Sends raw bytes, then reads until the server closes (or `untilClose` false: one read). */
async function raw(port: number, req: string, opts: { closeWrite?: boolean } = {}) {
  const c = await Deno.connect({ hostname: "127.0.0.1", port });
  await c.write(new TextEncoder().encode(req));
  if (opts.closeWrite) await c.closeWrite();
  const chunks: Uint8Array[] = [];
  const buf = new Uint8Array(65536);
  let error: unknown = null;
  try {
    for (;;) {
      const n = await c.read(buf);
      if (n === null) break;
      chunks.push(buf.slice(0, n));
    }
  } catch (e) {
    error = e;
  }
  try {
    c.close();
  } catch { /* closed */ }
  const all = new Uint8Array(chunks.reduce((n, x) => n + x.length, 0));
  let o = 0;
  for (const x of chunks) {
    all.set(x, o);
    o += x.length;
  }
  return { text: new TextDecoder().decode(all), bytes: all, error };
}

const statusOf = (text: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);

Deno.test({
  name: "httpd image: the host reaches every page through hostfwd, and errors are right",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    assert.equal(DEFAULT_IMAGE, "httpd");
    const h = await bootHttpd();
    const url = (p: string) => `http://127.0.0.1:${h.port}${p}`;
    try {
      await t.step("every embedded file arrives byte for byte", async () => {
        for (const [path, bytes] of Object.entries(SITE)) {
          const r = await fetch(url(path));
          assert.equal(r.status, 200, path);
          assert.deepEqual(new Uint8Array(await r.arrayBuffer()), bytes, path);
        }
        const idx = await fetch(url("/"));
        assert.deepEqual(new Uint8Array(await idx.arrayBuffer()), SITE["/index.html"]);
        const dir = await fetch(url("/docs/notes/"));
        assert.equal(dir.status, 200);
        assert.match(await dir.text(), /readme\.txt/);
      });
      await t.step("HEAD gives the length and no body", async () => {
        const r = await raw(
          h.port,
          "HEAD /big.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        );
        assert.equal(statusOf(r.text), 200);
        assert.match(r.text, /Content-Length: 262144\r\n/i);
        assert.ok(r.text.endsWith("\r\n\r\n"), "nothing after the header section");
      });
      await t.step("If-Modified-Since at the mtime gives 304", async () => {
        const since = new Date(SITE_MTIME_SEC * 1000).toUTCString();
        const r = await fetch(url("/hello.txt"), { headers: { "If-Modified-Since": since } });
        assert.equal(r.status, 304);
        await r.body?.cancel();
        const lm = (await fetch(url("/hello.txt"))).headers.get("last-modified");
        assert.equal(lm, since);
      });
      await t.step("Range gives 206 with the bytes, 416 past the end", async () => {
        const r = await fetch(url("/big.bin"), { headers: { Range: "bytes=1000-1999" } });
        assert.equal(r.status, 206);
        assert.deepEqual(new Uint8Array(await r.arrayBuffer()), SITE["/big.bin"].slice(1000, 2000));
        const bad = await fetch(url("/big.bin"), { headers: { Range: "bytes=999999-" } });
        assert.equal(bad.status, 416);
        await bad.body?.cancel();
      });
      await t.step("keep-alive: two requests on one connection", async () => {
        const r = await raw(
          h.port,
          "GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        );
        assert.equal(r.text.match(/HTTP\/1\.1 200/g)?.length, 2);
        assert.equal(r.text.match(/hello from rumpsim/g)?.length, 2);
      });
      await t.step("each error status the server produces", async () => {
        const cases: [string, number][] = [
          ["GARBAGE\r\n\r\n", 400],
          ["GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 404],
          ["POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", 405],
          [`GET /${"a".repeat(9000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 414],
          [`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${"b".repeat(20000)}\r\n\r\n`, 431],
          ["BREW / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 501],
          ["GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505],
        ];
        for (const [req, want] of cases) {
          const r = await raw(h.port, req);
          assert.equal(statusOf(r.text), want, `${req.slice(0, 30)}: ${r.text.slice(0, 40)}`);
          if (want === 405) assert.match(r.text, /Allow: GET, HEAD/i);
        }
      });
      await t.step("traversal attempts get 403 or 404, never a file outside the root", async () => {
        for (
          const target of [
            "/../kern/version",
            "/%2e%2e/kern/version",
            "/%2E%2E/%2e%2e/kern/hostname",
            "/docs/..%2f..%2fkern/version",
            "/hello.txt%00.html",
            "/..\\kern\\version",
            "/docs\\..\\..\\kern/version",
          ]
        ) {
          const r = await raw(
            h.port,
            `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
          );
          const s = statusOf(r.text);
          assert.ok(s === 403 || s === 404 || s === 400, `${target}: ${s}`);
          assert.doesNotMatch(r.text, /NetBSD|httpd\r?\n?$/, target);
        }
      });
      await t.step("an idle half-request is closed after the timeout", async () => {
        const r = await raw(h.port, "GET /hello.txt HTTP/1.1\r\nHost:");
        assert.ok(r.text === "" || statusOf(r.text) === 408, r.text.slice(0, 40));
      });
      await t.step("half-close: the client's FIN still gets the whole response", async () => {
        const r = await raw(
          h.port,
          "GET /big.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
          { closeWrite: true },
        );
        assert.equal(statusOf(r.text), 200);
        const body = r.bytes.subarray(r.bytes.length - SITE["/big.bin"].length);
        assert.deepEqual(body, SITE["/big.bin"]);
      });
      await t.step(
        "a host connection to a guest port with no listener ends without data",
        async () => {
          const r = await raw(h.deadPort, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
          assert.equal(r.bytes.length, 0);
        },
      );
    } finally {
      const o = await h.stop();
      assert.equal(o.status, 0, h.console().slice(-2000));
    }
  },
});
