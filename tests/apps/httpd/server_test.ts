import assert from "node:assert/strict";
import { httpd, parseHttpdArgs } from "../../../apps/httpd/main.ts";
import type { App, Sys } from "../../../kernel/syscall/api.ts";
import { O_CREAT, O_WRONLY } from "../../../kernel/syscall/api.ts";
import { fillPattern } from "../../../apps/lib/pattern.ts";
import { type AppCtx, runApps } from "../app_harness.ts";
import { dial, readAll, readFor, readUntil, scriptApp, sendText } from "../client_apps.ts";

const BIG = 300_000;

function* put(sys: Sys, path: string, data: string | Uint8Array, mode = 0o644) {
  const fd = yield* sys.open(path, O_WRONLY | O_CREAT, mode);
  const b = typeof data === "string" ? new TextEncoder().encode(data) : data;
  for (let off = 0; off < b.length;) off += yield* sys.write(fd, b.subarray(off));
  yield* sys.close(fd);
}

const mksite: App = {
  name: "mksite",
  *main(sys) {
    yield* sys.mkdir("/www", 0o755);
    yield* put(sys, "/www/index.html", "<h1>home</h1>\n");
    yield* put(sys, "/www/hello.txt", "hello, world\n");
    const big = new Uint8Array(BIG);
    fillPattern(big, 0);
    yield* put(sys, "/www/big.bin", big);
    return 0;
  },
};

/** Boots, builds the site, starts `httpd args` on port 8080, then runs the client script. */
function serve<T>(args: string[], script: (sys: Sys) => Generator<unknown, T, unknown>) {
  const out: { value?: T } = {};
  const client = scriptApp("client", script, out);
  const run = runApps([httpd, mksite, client], function* (c: AppCtx) {
    yield* c.run(["mksite"]);
    c.start(["httpd", "-p", "8080", ...args]);
    yield* c.sleepMs(1);
    const t0 = c.k.nanotime();
    const st = yield* c.run(["client"]);
    return { st, ns: c.k.nanotime() - t0 };
  });
  assert.equal(run.value!.st, 0, run.console);
  return { value: out.value as T, console: run.console, ns: run.value!.ns };
}

const responses = (s: string) => s.split(/(?=HTTP\/1\.1 \d{3} )/).filter((x) => x);
const GET = (path: string, extra = "") => `GET ${path} HTTP/1.1\r\nHost: t\r\n${extra}\r\n`;

Deno.test("httpd: GET of a file answers 200 with the file and logs a Common Log Format line", () => {
  const r = serve([], function* (sys) {
    const fd = yield* dial(sys, "127.0.0.1", 8080);
    yield* sendText(sys, fd, GET("/hello.txt", "Connection: close\r\n"));
    const text = yield* readAll(sys, fd);
    yield* sys.close(fd);
    return text;
  });
  assert.match(r.value, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(r.value, /\r\nContent-Length: 13\r\n/);
  assert.match(r.value, /\r\nConnection: close\r\n/);
  assert.ok(r.value.endsWith("\r\n\r\nhello, world\n"));
  assert.match(
    r.console,
    /^127\.0\.0\.1 - - \[\d{2}\/\w{3}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000\] "GET \/hello\.txt HTTP\/1\.1" 200 13$/m,
  );
});

Deno.test("httpd: HEAD gets the head only, a missing file 404, both on one connection", () => {
  const r = serve([], function* (sys) {
    const fd = yield* dial(sys, "127.0.0.1", 8080);
    yield* sendText(
      sys,
      fd,
      `HEAD /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n` + GET("/nope", "Connection: close\r\n"),
    );
    const text = yield* readAll(sys, fd);
    yield* sys.close(fd);
    return text;
  });
  const [head, missing] = responses(r.value);
  assert.match(head, /^HTTP\/1\.1 200 OK\r\n[^]*Content-Length: 13\r\n[^]*\r\n\r\n$/);
  assert.match(missing, /^HTTP\/1\.1 404 Not Found\r\n/);
  assert.match(r.console, /"HEAD \/hello\.txt HTTP\/1\.1" 200 -$/m);
  assert.match(r.console, /"GET \/nope HTTP\/1\.1" 404 \d+$/m);
});

Deno.test("httpd: two pipelined requests are answered in order and the connection stays open", () => {
  const r = serve([], function* (sys) {
    const fd = yield* dial(sys, "127.0.0.1", 8080);
    yield* sendText(sys, fd, GET("/hello.txt") + GET("/"));
    const two = yield* readUntil(sys, fd, (s) => s.includes("<h1>home</h1>\n"));
    const more = yield* readFor(sys, fd, 100); // still open: nothing, no EOF
    yield* sendText(sys, fd, GET("/hello.txt", "Connection: close\r\n"));
    const last = yield* readAll(sys, fd);
    yield* sys.close(fd);
    return { two, more, last };
  });
  const rs = responses(r.value.two);
  assert.equal(rs.length, 2);
  assert.ok(rs[0].endsWith("hello, world\n"));
  assert.ok(rs[1].endsWith("<h1>home</h1>\n"));
  assert.ok(!/Connection: close/.test(r.value.two));
  assert.equal(r.value.more, "");
  assert.match(r.value.last, /^HTTP\/1\.1 200 OK\r\n[^]*Connection: close\r\n[^]*hello, world\n$/);
});

Deno.test("httpd: a half-sent request gets 408 and is closed after the timeout", () => {
  const r = serve(["-T", "5"], function* (sys) {
    const fd = yield* dial(sys, "127.0.0.1", 8080);
    yield* sendText(sys, fd, "GET /hello.txt HTTP/1.1\r\nHo");
    const text = yield* readAll(sys, fd);
    yield* sys.close(fd);
    return text;
  });
  assert.match(r.value, /^HTTP\/1\.1 408 Request Timeout\r\n[^]*Connection: close\r\n/);
  assert.ok(r.ns >= 5e9 && r.ns < 6e9, `took ${r.ns} ns`);
  assert.match(r.console, /^127\.0\.0\.1 - - \[[^\]]+\] "-" 408 \d+$/m);
});

Deno.test("httpd: an idle keep-alive connection is closed quietly after the timeout", () => {
  const r = serve(["-T", "3"], function* (sys) {
    const fd = yield* dial(sys, "127.0.0.1", 8080);
    yield* sendText(sys, fd, GET("/hello.txt"));
    const text = yield* readAll(sys, fd);
    yield* sys.close(fd);
    return text;
  });
  assert.equal(responses(r.value).length, 1);
  assert.ok(r.value.endsWith("hello, world\n"));
  assert.ok(r.ns >= 3e9 && r.ns < 4e9, `took ${r.ns} ns`);
});

Deno.test("httpd: beyond -c connections a client waits until a slot frees", () => {
  const r = serve(["-c", "1"], function* (sys) {
    const a = yield* dial(sys, "127.0.0.1", 8080);
    yield* sendText(sys, a, GET("/hello.txt"));
    const ra = yield* readUntil(sys, a, (s) => s.endsWith("hello, world\n"));
    const b = yield* dial(sys, "127.0.0.1", 8080); // completes in the listen backlog
    yield* sendText(sys, b, GET("/hello.txt", "Connection: close\r\n"));
    const early = yield* readFor(sys, b, 200);
    yield* sys.close(a);
    const rb = yield* readAll(sys, b);
    yield* sys.close(b);
    return { ra, early, rb };
  });
  assert.match(r.value.ra, /^HTTP\/1\.1 200 OK/);
  assert.equal(r.value.early, "");
  assert.match(r.value.rb, /^HTTP\/1\.1 200 OK[^]*hello, world\n$/);
});

Deno.test("httpd: a large file streams whole and intact", () => {
  const r = serve([], function* (sys) {
    const fd = yield* dial(sys, "127.0.0.1", 8080);
    yield* sendText(sys, fd, GET("/big.bin", "Connection: close\r\n"));
    const chunks: Uint8Array[] = [];
    const buf = new Uint8Array(65536);
    for (let n; (n = yield* sys.read(fd, buf)) > 0;) chunks.push(buf.slice(0, n));
    yield* sys.close(fd);
    const all = new Uint8Array(chunks.reduce((a, c) => a + c.length, 0));
    let o = 0;
    for (const c of chunks) all.set(c, o), o += c.length;
    return all;
  });
  const text = new TextDecoder("latin1").decode(r.value.subarray(0, 400));
  const headEnd = text.indexOf("\r\n\r\n") + 4;
  assert.match(text, new RegExp(`Content-Length: ${BIG}\\r\\n`));
  const body = r.value.subarray(headEnd);
  const want = new Uint8Array(BIG);
  fillPattern(want, 0);
  assert.equal(body.length, BIG);
  assert.deepEqual(body, want);
  assert.match(r.console, new RegExp(`"GET /big\\.bin HTTP/1\\.1" 200 ${BIG}$`, "m"));
});

Deno.test("httpd: a small file's head and body leave together, so one read gets the whole response", () => {
  const r = serve([], function* (sys) {
    const fd = yield* dial(sys, "127.0.0.1", 8080);
    const first: string[] = [];
    const buf = new Uint8Array(4096);
    for (let i = 0; i < 2; i++) {
      // Kept alive: nothing but the response itself can end the read early.
      yield* sendText(sys, fd, GET("/hello.txt"));
      const n = yield* sys.read(fd, buf);
      first.push(new TextDecoder().decode(buf.subarray(0, n)));
    }
    yield* sys.close(fd);
    return first;
  });
  for (const text of r.value) {
    assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
    assert.ok(text.endsWith("\r\n\r\nhello, world\n"), JSON.stringify(text));
  }
});

Deno.test("httpd: argv follows thttpd; a bad option or --per-connection is a usage error", () => {
  assert.deepEqual(parseHttpdArgs(["httpd"]), {
    port: 80,
    root: "/www",
    maxConns: 32,
    timeoutSec: 60,
  });
  assert.deepEqual(parseHttpdArgs(["httpd", "-p", "8080", "-d", "/srv", "-c", "4", "-T", "9"]), {
    port: 8080,
    root: "/srv",
    maxConns: 4,
    timeoutSec: 9,
  });
  assert.equal(typeof parseHttpdArgs(["httpd", "-p", "0"]), "string");
  assert.match(String(parseHttpdArgs(["httpd", "--per-connection"])), /not supported/);
  const run = runApps([httpd], function* (c) {
    return yield* c.run(["httpd", "-x"]);
  });
  assert.equal(run.value, 64);
  assert.match(run.console, /usage: httpd/);
});

Deno.test("httpd: like thttpd it enters the document root at startup; a missing one is an error", () => {
  const run = runApps([httpd], function* (c) {
    return yield* c.run(["httpd", "-p", "8080", "-d", "/nonexistent"]);
  });
  assert.equal(run.value, 1);
  assert.match(
    run.console,
    /^httpd: cannot enter document root \/nonexistent: No such file or directory$/m,
  );
});
