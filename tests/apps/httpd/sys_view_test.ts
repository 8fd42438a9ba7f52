import assert from "node:assert/strict";
import type { App, Sys } from "../../../kernel/syscall/api.ts";
import { O_CREAT, O_WRONLY } from "../../../kernel/syscall/api.ts";
import { decideOnSys, listDir, realpath } from "../../../apps/httpd/sys_view.ts";
import { RequestParser } from "../../../apps/httpd/request.ts";
import type { HttpResponse } from "../../../apps/httpd/response.ts";
import { runApps } from "../app_harness.ts";

const NOW = 1_750_000_000_000;

function* put(sys: Sys, path: string, text: string, mode = 0o644) {
  const fd = yield* sys.open(path, O_WRONLY | O_CREAT, mode);
  yield* sys.write(fd, new TextEncoder().encode(text));
  yield* sys.close(fd);
  yield* sys.chmod(path, mode);
}

function* makeSite(sys: Sys) {
  yield* sys.mkdir("/www", 0o755);
  yield* sys.mkdir("/www/docs", 0o755);
  yield* sys.mkdir("/www/private", 0o700);
  yield* sys.mkdir("/etc", 0o755);
  yield* put(sys, "/www/index.html", "<h1>home</h1>\n");
  yield* put(sys, "/www/hello.txt", "hello, world\n");
  yield* put(sys, "/www/secret.txt", "shh\n", 0o600);
  yield* put(sys, "/www/docs/a.txt", "A");
  yield* put(sys, "/etc/passwd", "root:x:0:0\n");
  yield* sys.symlink("hello.txt", "/www/link-in");
  yield* sys.symlink("../etc/passwd", "/www/link-out");
  yield* sys.symlink("/www/docs", "/www/docs-link");
  yield* sys.symlink("loop", "/www/loop");
}

function request(line: string): ReturnType<RequestParser["next"]> {
  return new RequestParser().push(new TextEncoder().encode(`${line}\r\nHost: h\r\n\r\n`))[0];
}

/** Runs `body(sys)` as an app in a kernel with a VFS; returns what it returned. */
function withSys<T>(body: (sys: Sys) => Generator<unknown, T, unknown>): T {
  let out: T | undefined;
  const app: App = {
    name: "t",
    *main(sys) {
      yield* makeSite(sys);
      out = yield* body(sys);
      return 0;
    },
  };
  const run = runApps([app], function* (c) {
    return yield* c.run(["t"]);
  });
  assert.equal(run.value, 0, run.console);
  return out!;
}

function* answer(sys: Sys, line: string): Generator<unknown, HttpResponse, unknown> {
  const ev = request(line);
  assert.equal(ev?.kind, "request");
  if (ev?.kind !== "request") throw new Error("not a request");
  return yield* decideOnSys(sys, ev.request, { nowMs: NOW, root: "/www" });
}

Deno.test("httpd view: a file is found by lstat and answered 200 with its size and a file body", () => {
  const res = withSys((sys) => answer(sys, "GET /hello.txt HTTP/1.1"));
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, { file: "/www/hello.txt", start: 0, end: 13 });
  assert.ok(res.headers.some(([n, v]) => n === "Content-Length" && v === "13"));
  assert.ok(res.headers.some(([n, v]) => n === "Content-Type" && v.startsWith("text/plain")));
});

Deno.test("httpd view: missing 404, unreadable 403, the root serves its index, a directory without slash 301", () => {
  const st = withSys(function* (sys) {
    const out: number[] = [];
    for (const t of ["/nope", "/secret.txt", "/", "/docs", "/private/", "/hello.txt/"]) {
      out.push((yield* answer(sys, `GET ${t} HTTP/1.1`)).status);
    }
    return out;
  });
  assert.deepEqual(st, [404, 403, 200, 301, 403, 404]);
});

Deno.test("httpd view: links are followed inside the root, refused outside it, and a loop is 404", () => {
  const r = withSys(function* (sys) {
    const inside = yield* answer(sys, "GET /link-in HTTP/1.1");
    const outside = yield* answer(sys, "GET /link-out HTTP/1.1");
    const viaDir = yield* answer(sys, "GET /docs-link/a.txt HTTP/1.1");
    const loop = yield* answer(sys, "GET /loop HTTP/1.1");
    return { inside, outside, viaDir, loop };
  });
  assert.equal(r.inside.status, 200);
  assert.deepEqual(r.inside.body, { file: "/www/hello.txt", start: 0, end: 13 });
  assert.equal(r.outside.status, 403);
  assert.deepEqual(r.viaDir.body, { file: "/www/docs/a.txt", start: 0, end: 1 });
  assert.equal(r.loop.status, 404);
});

Deno.test("httpd view: a directory without an index gets a listing of its entries", () => {
  const res = withSys((sys) => answer(sys, "GET /docs/ HTTP/1.1"));
  assert.equal(res.status, 200);
  const html = new TextDecoder().decode(res.body as Uint8Array);
  assert.match(html, /Index of \/docs\//);
  assert.match(html, /href="a\.txt"/);
});

Deno.test("httpd view: realpath and listDir work on the syscalls", () => {
  const r = withSys(function* (sys) {
    return {
      a: yield* realpath(sys, "/www/docs-link/../link-in"),
      b: yield* realpath(sys, "/www/nope/x"),
      c: yield* realpath(sys, "/www/hello.txt/x"),
      d: (yield* listDir(sys, "/www/docs"))?.map((e) => [e.name, e.stat.type, e.stat.size]),
      e: yield* listDir(sys, "/www/nope"),
    };
  });
  // "docs-link/.." climbs from the link's target, /www/docs, as the kernel would.
  assert.equal(r.a, "/www/hello.txt");
  assert.equal(r.b, null);
  assert.equal(r.c, null);
  assert.deepEqual(r.d, [["a.txt", "file", 1]]);
  assert.equal(r.e, null);
});

const TARGETS = [
  "/hello.txt",
  "/nope",
  "/secret.txt",
  "/",
  "/docs",
  "/docs/",
  "/private/",
  "/hello.txt/",
  "/link-in",
  "/link-out",
  "/docs-link/a.txt",
  "/loop",
  "/docs/../hello.txt",
  "/%2e%2e/etc/passwd",
  "/docs/nope/x",
];

Deno.test("httpd view: looked up relative to the root entered (thttpd's chdir), every answer is the same", () => {
  const r = withSys(function* (sys) {
    const absolute: HttpResponse[] = [];
    for (const t of TARGETS) absolute.push(yield* answer(sys, `GET ${t} HTTP/1.1`));
    yield* sys.chdir("/www");
    const relative: HttpResponse[] = [];
    for (const t of TARGETS) {
      const ev = request(`GET ${t} HTTP/1.1`);
      if (ev?.kind !== "request") throw new Error("not a request");
      relative.push(yield* decideOnSys(sys, ev.request, { nowMs: NOW, root: "/www" }, "/www"));
    }
    const real = yield* realpath(sys, "/www/docs-link/../link-in", undefined, "/www");
    return { absolute, relative, real };
  });
  assert.deepEqual(r.relative, r.absolute);
  assert.deepEqual(
    r.absolute.map((x) => x.status),
    [200, 404, 403, 200, 301, 200, 403, 404, 200, 403, 200, 404, 200, 403, 404],
  );
  assert.equal(r.real, "/www/hello.txt");
});

Deno.test("httpd view: with the root entered, swapping its path for a link elsewhere reaches nothing new", () => {
  const r = withSys(function* (sys) {
    yield* sys.chdir("/www");
    yield* sys.rename("/www", "/old");
    yield* sys.symlink("/etc", "/www");
    const out: HttpResponse[] = [];
    for (const t of ["/hello.txt", "/passwd"]) {
      const ev = request(`GET ${t} HTTP/1.1`);
      if (ev?.kind !== "request") throw new Error("not a request");
      out.push(yield* decideOnSys(sys, ev.request, { nowMs: NOW, root: "/www" }, "/www"));
    }
    return out;
  });
  // The working directory is still the old root: its file is there, /etc's is not.
  assert.equal(r[0].status, 200);
  assert.deepEqual(r[0].body, { file: "/www/hello.txt", start: 0, end: 13 });
  assert.equal(r[1].status, 404);
});
