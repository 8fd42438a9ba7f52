import assert from "node:assert/strict";
import { RequestParser } from "../../../apps/httpd/request.ts";
import {
  decide,
  decideError,
  type FileView,
  type HandlerOptions,
  tryDecide,
  UNKNOWN,
} from "../../../apps/httpd/handler.ts";
import { encodeHead, type HttpResponse } from "../../../apps/httpd/response.ts";
import { FakeView } from "./fake_view.ts";

const NOW = 1_750_000_000_000; // Sun, 15 Jun 2025 15:06:40 GMT
const T0 = 1_700_000_000_123; // Tue, 14 Nov 2023 22:13:20 GMT (+123 ms)
const DATE = "Date: Sun, 15 Jun 2025 15:06:40 GMT\r\nServer: rumpsim-httpd\r\n";
const LM = "Last-Modified: Tue, 14 Nov 2023 22:13:20 GMT\r\n";

function site(): FakeView {
  return new FakeView()
    .dir("/www", T0)
    .file("/www/index.html", "<h1>home</h1>\n", T0)
    .file("/www/hello.txt", "hello, world\n", T0)
    .file("/www/empty.txt", "", T0)
    .file("/www/secret.txt", "top secret\n", T0, 0o600)
    .dir("/www/docs", T0)
    .file("/www/docs/a.txt", "A", T0)
    .dir("/www/docs/sub", T0)
    .file("/www/docs/x y&<z>.txt", "xyz", T0)
    .dir("/www/private", T0, 0o700)
    .dir("/www/withindex", T0)
    .file("/www/withindex/index.html", "<p>index</p>", T0)
    .link("/www/link-in", "hello.txt")
    .link("/www/link-abs-in", "/www/docs/a.txt")
    .link("/www/link-out", "../etc/passwd")
    .link("/www/link-abs-out", "/etc/passwd")
    .link("/www/link-dir-out", "/etc")
    .link("/www/dangling", "nowhere")
    .link("/www/loop", "loop")
    .other("/www/fifo")
    .file("/etc/passwd", "root:x:0:0\n", T0)
    .file("/www/future.txt", "f", NOW + 86_400_000);
}

const OPTS: HandlerOptions = { nowMs: NOW, root: "/www" };
const latin1 = (b: Uint8Array) => String.fromCharCode(...b);
const bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** Everything the server would write for `input`, as text (file bodies read from the view). */
function serve(
  input: string,
  view = site(),
  opts: Partial<HandlerOptions> = {},
  limits = {},
): string {
  const parser = new RequestParser(limits);
  let out = "";
  for (const ev of parser.push(bytes(input))) {
    const res: HttpResponse = ev.kind === "request"
      ? decide(ev.request, view, { ...OPTS, ...opts })
      : decideError(ev.error, NOW);
    out += latin1(encodeHead(res.status, res.headers));
    if (res.body instanceof Uint8Array) out += new TextDecoder().decode(res.body);
    else if (res.body !== null) {
      out += latin1(view.content(res.body.file).subarray(res.body.start, res.body.end));
    }
    if (res.close) break;
  }
  return out;
}

function one(target: string, extra = "", method = "GET", view = site()): HttpResponse {
  const evs = new RequestParser().push(
    bytes(`${method} ${target} HTTP/1.1\r\nHost: h\r\n${extra}\r\n`),
  );
  assert.equal(evs[0].kind, "request");
  if (evs[0].kind !== "request") throw new Error();
  return decide(evs[0].request, view, OPTS);
}

/** The fixed error page, as the tests expect it byte for byte. */
function page(title: string, message: string): string {
  return `<!DOCTYPE html>\n<html>\n<head><title>${title}</title></head>\n<body>\n<h1>${title}</h1>\n` +
    `${message}\n<hr>\n<address>rumpsim-httpd</address>\n</body>\n</html>\n`;
}

function errorFixture(status: string, message: string, extra = "", conn = ""): string {
  const body = page(status, `<p>${message}</p>`);
  return `HTTP/1.1 ${status}\r\n${DATE}${extra}Content-Type: text/html; charset=utf-8\r\n` +
    `Content-Length: ${new TextEncoder().encode(body).length}\r\n${conn}\r\n${body}`;
}

Deno.test("handler: 200 for a file, byte for byte", () => {
  assert.equal(
    serve("GET /hello.txt HTTP/1.1\r\nHost: h\r\n\r\n"),
    "HTTP/1.1 200 OK\r\n" + DATE +
      "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 13\r\n" + LM +
      "Accept-Ranges: bytes\r\n\r\nhello, world\n",
  );
});

Deno.test("handler: HEAD gets the GET head and no body", () => {
  assert.equal(
    serve("HEAD /hello.txt HTTP/1.1\r\nHost: h\r\n\r\n"),
    "HTTP/1.1 200 OK\r\n" + DATE +
      "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 13\r\n" + LM +
      "Accept-Ranges: bytes\r\n\r\n",
  );
});

Deno.test("handler: 206 for a single byte range, byte for byte", () => {
  assert.equal(
    serve("GET /hello.txt HTTP/1.1\r\nHost: h\r\nRange: bytes=7-11\r\n\r\n"),
    "HTTP/1.1 206 Partial Content\r\n" + DATE +
      "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 5\r\n" +
      "Content-Range: bytes 7-11/13\r\n" + LM + "Accept-Ranges: bytes\r\n\r\nworld",
  );
  assert.equal(
    serve("GET /hello.txt HTTP/1.1\r\nHost: h\r\nRange: bytes=-6\r\n\r\n").split("\r\n\r\n")[1],
    "world\n",
  );
});

Deno.test("handler: HEAD ignores Range (it is defined for GET only)", () => {
  const r = one("/hello.txt", "Range: bytes=0-1\r\n", "HEAD");
  assert.equal(r.status, 200);
  assert.equal(r.body, null);
});

Deno.test("handler: several ranges or an invalid one are ignored with a 200", () => {
  assert.equal(one("/hello.txt", "Range: bytes=0-1,3-4\r\n").status, 200);
  assert.equal(one("/hello.txt", "Range: bytes=4-1\r\n").status, 200);
  assert.equal(one("/hello.txt", "Range: lines=1-2\r\n").status, 200);
});

Deno.test("handler: 416 with Content-Range bytes */length, byte for byte", () => {
  assert.equal(
    serve("GET /hello.txt HTTP/1.1\r\nHost: h\r\nRange: bytes=13-\r\n\r\n"),
    errorFixture(
      "416 Range Not Satisfiable",
      "The requested range is not satisfiable.",
      "Content-Range: bytes */13\r\n",
    ),
  );
  const e = one("/empty.txt", "Range: bytes=0-\r\n");
  assert.equal(e.status, 416);
  assert.deepEqual(e.headers.find(([n]) => n === "Content-Range"), ["Content-Range", "bytes */0"]);
});

Deno.test("handler: If-Range with the exact Last-Modified keeps the range, else 200", () => {
  const lm = "Tue, 14 Nov 2023 22:13:20 GMT";
  assert.equal(one("/hello.txt", `Range: bytes=0-1\r\nIf-Range: ${lm}\r\n`).status, 206);
  assert.equal(
    one("/hello.txt", "Range: bytes=0-1\r\nIf-Range: Tue, 14 Nov 2023 22:13:21 GMT\r\n").status,
    200,
  );
  assert.equal(one("/hello.txt", 'Range: bytes=0-1\r\nIf-Range: "etag"\r\n').status, 200);
});

Deno.test("handler: 304 when not modified since, byte for byte, without content fields", () => {
  assert.equal(
    serve(
      "GET /hello.txt HTTP/1.1\r\nHost: h\r\nIf-Modified-Since: Tue, 14 Nov 2023 22:13:20 GMT\r\n\r\n",
    ),
    "HTTP/1.1 304 Not Modified\r\n" + DATE + LM + "\r\n",
  );
});

Deno.test("handler: If-Modified-Since compares whole seconds; earlier dates get 200", () => {
  const ims = (d: string) => one("/hello.txt", `If-Modified-Since: ${d}\r\n`).status;
  assert.equal(ims("Tue, 14 Nov 2023 22:13:20 GMT"), 304); // mtime has +123 ms
  assert.equal(ims("Wed, 15 Nov 2023 00:00:00 GMT"), 304);
  assert.equal(ims("Tue, 14 Nov 2023 22:13:19 GMT"), 200);
  assert.equal(ims("Tuesday, 14-Nov-23 22:13:20 GMT"), 304);
  assert.equal(ims("Tue Nov 14 22:13:20 2023"), 304);
});

Deno.test("handler: an invalid If-Modified-Since is ignored", () => {
  for (const d of ["yesterday", "Tue, 14 Nov 2023 22:13:20", "", "0"]) {
    assert.equal(one("/hello.txt", `If-Modified-Since: ${d}\r\n`).status, 200, d);
  }
  // Two fields combine into a list, which is not one valid date.
  const two = "If-Modified-Since: Wed, 15 Nov 2023 00:00:00 GMT\r\n".repeat(2);
  assert.equal(one("/hello.txt", two).status, 200);
});

Deno.test("handler: If-Modified-Since is evaluated before Range (RFC 9110 §13.2.2)", () => {
  const h = "If-Modified-Since: Wed, 15 Nov 2023 00:00:00 GMT\r\nRange: bytes=0-1\r\n";
  assert.equal(one("/hello.txt", h).status, 304);
  const old = "If-Modified-Since: Mon, 13 Nov 2023 00:00:00 GMT\r\nRange: bytes=0-1\r\n";
  assert.equal(one("/hello.txt", old).status, 206);
});

Deno.test("handler: If-None-Match wins over If-Modified-Since", () => {
  const ims = "If-Modified-Since: Wed, 15 Nov 2023 00:00:00 GMT\r\n";
  assert.equal(one("/hello.txt", ims + 'If-None-Match: "abc"\r\n').status, 200);
  assert.equal(one("/hello.txt", "If-None-Match: *\r\n").status, 304);
});

Deno.test("handler: 412 when If-Match or If-Unmodified-Since fails, byte for byte", () => {
  assert.equal(
    serve('GET /hello.txt HTTP/1.1\r\nHost: h\r\nIf-Match: "x"\r\n\r\n'),
    errorFixture("412 Precondition Failed", "A precondition of the request was not met."),
  );
  assert.equal(one("/hello.txt", "If-Match: *\r\n").status, 200);
  assert.equal(
    one("/hello.txt", "If-Unmodified-Since: Mon, 13 Nov 2023 00:00:00 GMT\r\n").status,
    412,
  );
  assert.equal(
    one("/hello.txt", "If-Unmodified-Since: Wed, 15 Nov 2023 00:00:00 GMT\r\n").status,
    200,
  );
});

Deno.test("handler: a future mtime is sent as the current time (RFC 9110 §8.8.2.1)", () => {
  const r = one("/future.txt");
  assert.deepEqual(r.headers.find(([n]) => n === "Last-Modified"), [
    "Last-Modified",
    "Sun, 15 Jun 2025 15:06:40 GMT",
  ]);
});

Deno.test("handler: 404 for a missing file, byte for byte", () => {
  assert.equal(
    serve("GET /nope.html HTTP/1.1\r\nHost: h\r\n\r\n"),
    "HTTP/1.1 404 Not Found\r\n" + DATE + "Content-Type: text/html; charset=utf-8\r\n" +
      "Content-Length: 204\r\n\r\n" +
      "<!DOCTYPE html>\n<html>\n<head><title>404 Not Found</title></head>\n<body>\n" +
      "<h1>404 Not Found</h1>\n<p>The requested URL was not found on this server.</p>\n<hr>\n" +
      "<address>rumpsim-httpd</address>\n</body>\n</html>\n",
  );
});

Deno.test("handler: HEAD of an error keeps Content-Length and drops the body", () => {
  const full = errorFixture("404 Not Found", "The requested URL was not found on this server.");
  assert.equal(
    serve("HEAD /nope HTTP/1.1\r\nHost: h\r\n\r\n"),
    full.split("\r\n\r\n")[0] + "\r\n\r\n",
  );
});

Deno.test("handler: 403 for a file without the other-read bit, byte for byte", () => {
  assert.equal(
    serve("GET /secret.txt HTTP/1.1\r\nHost: h\r\n\r\n"),
    errorFixture("403 Forbidden", "You do not have permission to get this URL."),
  );
});

Deno.test("handler: 403 for traversal, links out of the root, and special files", () => {
  for (
    const t of [
      "/../etc/passwd",
      "/%2e%2e/etc/passwd",
      "/link-out",
      "/link-abs-out",
      "/link-dir-out/passwd",
      "/fifo",
      "/private/",
    ]
  ) {
    assert.equal(one(t).status, 403, t);
  }
});

Deno.test("handler: links that stay inside the root are followed", () => {
  const r = one("/link-in");
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, { file: "/www/hello.txt", start: 0, end: 13 });
  assert.equal(one("/link-abs-in").status, 200);
});

Deno.test("handler: dangling and looping links are 404", () => {
  assert.equal(one("/dangling").status, 404);
  assert.equal(one("/loop").status, 404);
});

Deno.test("handler: without resolve, any symlink is refused with 403", () => {
  const v = site();
  v.withResolve = false;
  assert.equal(one("/link-in", "", "GET", v).status, 403);
  assert.equal(one("/hello.txt", "", "GET", v).status, 200);
});

Deno.test("handler: a root that is itself a link still contains its files", () => {
  const v = site().link("/srv", "/www");
  const evs = new RequestParser().push(bytes("GET /link-in HTTP/1.1\r\nHost: h\r\n\r\n"));
  if (evs[0].kind !== "request") throw new Error();
  assert.equal(decide(evs[0].request, v, { nowMs: NOW, root: "/srv" }).status, 200);
});

Deno.test("handler: a file named with a trailing slash is 404", () => {
  assert.equal(one("/hello.txt/").status, 404);
});

Deno.test("handler: 301 from a directory without its slash, byte for byte", () => {
  const body = page(
    "301 Moved Permanently",
    '<p>The document has moved <a href="/docs/?a=1&amp;b">here</a>.</p>',
  );
  assert.equal(
    serve("GET /docs?a=1&b HTTP/1.1\r\nHost: h\r\n\r\n"),
    "HTTP/1.1 301 Moved Permanently\r\n" + DATE + "Location: /docs/?a=1&b\r\n" +
      `Content-Type: text/html; charset=utf-8\r\nContent-Length: ${body.length}\r\n\r\n` + body,
  );
  const enc = one("/docs%2fsub");
  assert.deepEqual(enc.headers.find(([n]) => n === "Location"), ["Location", "/docs/sub/"]);
});

Deno.test("handler: a directory serves its index file", () => {
  const r = one("/withindex/");
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, { file: "/www/withindex/index.html", start: 0, end: 12 });
  assert.equal(one("/").status, 200);
  assert.deepEqual(one("/").body, { file: "/www/index.html", start: 0, end: 14 });
});

Deno.test("handler: a directory without index gets a listing", () => {
  const r = one("/docs/");
  assert.equal(r.status, 200);
  const html = new TextDecoder().decode(r.body as Uint8Array);
  assert.match(html, /<title>Index of \/docs\/<\/title>/);
  assert.match(html, /<a href="a.txt">a.txt<\/a>/);
  assert.match(html, /<a href="sub\/">sub\/<\/a>/);
  assert.match(html, /<a href="x%20y%26%3Cz%3E.txt">x y&amp;&lt;z&gt;.txt<\/a>/);
  assert.equal(one("/docs/", "", "HEAD").body, null);
});

Deno.test("handler: listings can be turned off (403)", () => {
  const evs = new RequestParser().push(bytes("GET /docs/ HTTP/1.1\r\nHost: h\r\n\r\n"));
  if (evs[0].kind !== "request") throw new Error();
  assert.equal(decide(evs[0].request, site(), { ...OPTS, listings: false }).status, 403);
});

Deno.test("handler: 400 for a bad path, keeping the connection", () => {
  const r = one("/a%zz");
  assert.equal(r.status, 400);
  assert.equal(r.close, false);
  assert.equal(one("/a%5cb").status, 400);
});

Deno.test("handler: 400 for HTTP/1.1 without Host, byte for byte, and it closes", () => {
  assert.equal(
    serve("GET / HTTP/1.1\r\n\r\n" + "GET / HTTP/1.1\r\nHost: h\r\n\r\n"),
    errorFixture(
      "400 Bad Request",
      "Your request could not be understood.",
      "",
      "Connection: close\r\n",
    ),
  );
});

Deno.test("handler: 405 carries Allow, byte for byte", () => {
  assert.equal(
    serve("DELETE /hello.txt HTTP/1.1\r\nHost: h\r\n\r\n"),
    errorFixture(
      "405 Method Not Allowed",
      "This method is not allowed for this URL. Allowed: GET, HEAD.",
      "Allow: GET, HEAD\r\n",
    ),
  );
});

Deno.test("handler: 413 for chunked request content, byte for byte", () => {
  assert.equal(
    serve("GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
    errorFixture(
      "413 Content Too Large",
      "This server does not accept request content of this size or kind.",
      "",
      "Connection: close\r\n",
    ),
  );
});

Deno.test("handler: 414 for an over-long request line, byte for byte", () => {
  assert.equal(
    serve("GET /" + "a".repeat(100) + " HTTP/1.1\r\n", site(), {}, { maxRequestLine: 64 }),
    errorFixture("414 URI Too Long", "The request line is too long.", "", "Connection: close\r\n"),
  );
});

Deno.test("handler: 431 for an over-large header section, byte for byte", () => {
  assert.equal(
    serve("GET / HTTP/1.1\r\nHost: h\r\nX: " + "v".repeat(100) + "\r\n\r\n", site(), {}, {
      maxHeaderBytes: 64,
    }),
    errorFixture(
      "431 Request Header Fields Too Large",
      "The request header fields are too large.",
      "",
      "Connection: close\r\n",
    ),
  );
});

Deno.test("handler: 501 for an unknown method, byte for byte", () => {
  assert.equal(
    serve("BREW /pot HTTP/1.1\r\nHost: h\r\n\r\n"),
    errorFixture("501 Not Implemented", "This method is not implemented by this server."),
  );
});

Deno.test("handler: 505 for HTTP/2.0, byte for byte", () => {
  assert.equal(
    serve("GET / HTTP/2.0\r\n\r\n"),
    errorFixture(
      "505 HTTP Version Not Supported",
      "This HTTP version is not supported; use HTTP/1.1.",
      "",
      "Connection: close\r\n",
    ),
  );
});

Deno.test("handler: HTTP/1.0 closes by default and says keep-alive when asked", () => {
  const closed = one10("GET /hello.txt HTTP/1.0\r\n\r\n");
  assert.equal(closed.close, true);
  assert.deepEqual(closed.headers.at(-1), ["Connection", "close"]);
  const kept = one10("GET /hello.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  assert.equal(kept.close, false);
  assert.deepEqual(kept.headers.at(-1), ["Connection", "keep-alive"]);
});

function one10(s: string): HttpResponse {
  const evs = new RequestParser().push(bytes(s));
  if (evs[0].kind !== "request") throw new Error();
  return decide(evs[0].request, site(), OPTS);
}

Deno.test("handler: HTTP/1.1 Connection: close gets Connection: close and closes", () => {
  const r = serve(
    "GET /hello.txt HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n" +
      "GET / HTTP/1.1\r\nHost: h\r\n\r\n",
  );
  assert.equal(r.match(/HTTP\/1\.1 /g)?.length, 1);
  assert.match(r, /Connection: close\r\n/);
});

Deno.test("handler: pipelined requests get their responses in order", () => {
  const r = serve(
    "GET /hello.txt HTTP/1.1\r\nHost: h\r\n\r\n" +
      "HEAD /docs HTTP/1.1\r\nHost: h\r\n\r\n" +
      "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nbody" +
      "GET /nope HTTP/1.1\r\nHost: h\r\n\r\n" +
      "GET /hello.txt HTTP/1.1\r\nHost: h\r\nRange: bytes=0-4\r\n\r\n",
  );
  assert.deepEqual(r.match(/HTTP\/1\.1 \d+/g), [
    "HTTP/1.1 200",
    "HTTP/1.1 301",
    "HTTP/1.1 405",
    "HTTP/1.1 404",
    "HTTP/1.1 206",
  ]);
  assert.ok(r.endsWith("\r\n\r\nhello"));
});

Deno.test("handler: tryDecide stops at the view's first UNKNOWN, asking nothing after it; decide throws", () => {
  const asked: string[] = [];
  const view: FileView = {
    stat(path) {
      asked.push(`stat ${path}`);
      return path === "/www" ? { type: "dir", size: 0, mtimeMs: T0, mode: 0o755 } : UNKNOWN;
    },
    list(path) {
      asked.push(`list ${path}`);
      return [];
    },
    resolve(path) {
      asked.push(`resolve ${path}`);
      return path;
    },
  };
  const evs = new RequestParser().push(bytes("GET /docs/ HTTP/1.1\r\nHost: h\r\n\r\n"));
  if (evs[0].kind !== "request") throw new Error("not a request");
  const req = evs[0].request;
  assert.equal(tryDecide(req, view, OPTS), UNKNOWN);
  assert.deepEqual(asked, ["resolve /www", "resolve /www/docs", "stat /www/docs"]);
  assert.throws(() => decide(req, view, OPTS));
});
