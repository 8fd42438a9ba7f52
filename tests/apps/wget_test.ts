import assert from "node:assert/strict";
import { parseResponse, parseUrl, wget } from "../../apps/wget.ts";
import { httpd } from "../../apps/httpd/main.ts";
import type { App } from "../../kernel/syscall/api.ts";
import { O_CREAT, O_WRONLY } from "../../kernel/syscall/api.ts";
import { runApps, runAppsOnTwo } from "./app_harness.ts";

const enc = new TextEncoder();

Deno.test("wget: URLs parse to host, port and request-target", () => {
  assert.deepEqual(parseUrl("http://10.0.0.2/"), { host: "10.0.0.2", port: 80, path: "/" });
  assert.deepEqual(parseUrl("http://10.0.0.2:8080"), { host: "10.0.0.2", port: 8080, path: "/" });
  assert.deepEqual(parseUrl("http://h/a/b?c=d"), { host: "h", port: 80, path: "/a/b?c=d" });
  assert.equal(parseUrl("https://h/"), "malformed URL https://h/ (want http://host[:port]/path)");
  assert.equal(parseUrl("http://h:99999/"), "bad port in http://h:99999/");
});

Deno.test("wget: responses are framed by Content-Length, chunked coding, or the close", () => {
  const cl = parseResponse(enc.encode("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcdef"));
  assert.ok(typeof cl !== "string");
  assert.equal(new TextDecoder().decode(cl.body), "abc");
  const ch = parseResponse(
    enc.encode(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n",
    ),
  );
  assert.ok(typeof ch !== "string");
  assert.equal(new TextDecoder().decode(ch.body), "abcde");
  const eof = parseResponse(enc.encode("HTTP/1.0 404 Not Found\r\n\r\ngone"));
  assert.ok(typeof eof !== "string");
  assert.equal(eof.status, 404);
  assert.equal(new TextDecoder().decode(eof.body), "gone");
  assert.match(
    String(parseResponse(enc.encode("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nab"))),
    /short/,
  );
  assert.match(String(parseResponse(enc.encode("garbage\r\n\r\n"))), /status line/);
});

const site: App = {
  name: "mksite",
  *main(sys) {
    yield* sys.mkdir("/www", 0o755);
    const fd = yield* sys.open("/www/index.html", O_WRONLY | O_CREAT, 0o644);
    yield* sys.write(fd, enc.encode("<html>" + "x".repeat(500) + "THE END</html>\n"));
    yield* sys.close(fd);
    return 0;
  },
};

Deno.test("wget: fetches a page from httpd on the other kernel, prints the status and the tail", () => {
  const run = runAppsOnTwo(
    [wget, httpd, site],
    function* (c, pair) {
      pair.wire.latencyNs = 500_000;
      yield* c.sleepMs(5);
      return [
        yield* c.run(["wget", "-t", "15", "http://10.0.0.2/"]),
        yield* c.run(["wget", "-q", "-t", "0", "http://10.0.0.2/missing"]),
      ];
    },
    function* (c) {
      yield* c.run(["mksite"]);
      c.start(["httpd"]);
      return 0;
    },
  );
  assert.deepEqual(run.valueA, [0, 8]);
  assert.match(
    run.consoleA,
    /^HTTP\/1\.1 200 OK\n521 bytes in \d+\.\d{3} ms\nTHE END<\/html>\n$/,
  );
  assert.match(run.consoleB, /^10\.0\.0\.1 - - \[[^\]]+\] "GET \/ HTTP\/1\.1" 200 521$/m);
  assert.match(run.consoleB, /"GET \/missing HTTP\/1\.1" 404 \d+$/m);
});

Deno.test("wget: a refused connection exits 4, a name that does not resolve exits 4, a bad URL 2", () => {
  const run = runApps([wget], function* (c) {
    return [
      yield* c.run(["wget", "http://127.0.0.1:9/"]),
      yield* c.run(["wget", "http://example.org/"]),
      yield* c.run(["wget", "ftp://x/"]),
    ];
  });
  assert.deepEqual(run.value, [4, 4, 2]);
  assert.match(run.console, /wget: cannot resolve example\.org/);
});
