import assert from "node:assert/strict";
import {
  fieldValue,
  type HttpRequest,
  type ParseEvent,
  type RequestError,
  RequestParser,
} from "../../../apps/httpd/request.ts";

const bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

function parseAll(s: string, limits = {}): ParseEvent[] {
  return new RequestParser(limits).push(bytes(s));
}

function one(s: string, limits = {}): HttpRequest {
  const evs = parseAll(s, limits);
  assert.equal(evs.length, 1, JSON.stringify(evs));
  assert.equal(evs[0].kind, "request", JSON.stringify(evs[0]));
  return (evs[0] as { kind: "request"; request: HttpRequest }).request;
}

function err(s: string, limits = {}): RequestError {
  const evs = parseAll(s, limits);
  assert.ok(evs.length >= 1, `no event for ${JSON.stringify(s)}`);
  assert.equal(evs[0].kind, "error", JSON.stringify(evs[0]));
  return (evs[0] as { kind: "error"; error: RequestError }).error;
}

const GET = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";

Deno.test("request: parses a request line and header fields", () => {
  const r = one("GET /a/b?x=1 HTTP/1.1\r\nHost: example.com:8080\r\nUser-Agent: t/1\r\n\r\n");
  assert.equal(r.method, "GET");
  assert.equal(r.target, "/a/b?x=1");
  assert.equal(r.minor, 1);
  assert.equal(r.requestLine, "GET /a/b?x=1 HTTP/1.1");
  assert.deepEqual(r.fields, [["host", "example.com:8080"], ["user-agent", "t/1"]]);
  assert.equal(r.keepAlive, true);
});

Deno.test("request: trims optional whitespace around a field value but keeps inner tabs", () => {
  const r = one("HEAD / HTTP/1.1\r\nHost:h\r\nX-A: \t a\tb \t\r\nX-B:\r\n\r\n");
  assert.equal(r.method, "HEAD");
  assert.deepEqual(r.fields, [["host", "h"], ["x-a", "a\tb"], ["x-b", ""]]);
});

Deno.test("request: field names are case-insensitive and repeated fields combine", () => {
  const r = one("GET / HTTP/1.1\r\nHOST: h\r\nAccept: a\r\naccept: b\r\n\r\n");
  assert.equal(fieldValue(r.fields, "Accept"), "a, b");
  assert.equal(fieldValue(r.fields, "host"), "h");
  assert.equal(fieldValue(r.fields, "missing"), null);
});

Deno.test("request: accepts bare LF line endings (RFC 9112 §2.2)", () => {
  const r = one("GET /x HTTP/1.1\nHost: h\n\n");
  assert.equal(r.target, "/x");
  assert.deepEqual(r.fields, [["host", "h"]]);
});

Deno.test("request: ignores empty lines before the request line", () => {
  const evs = parseAll("\r\n\r\n\n" + GET);
  assert.equal(evs.length, 1);
  assert.equal(evs[0].kind, "request");
});

Deno.test("request: a bare CR is a 400 that closes", () => {
  assert.deepEqual([err("GET / HTTP/1.1\rX\r\nHost: h\r\n\r\n").status], [400]);
  const e = err("GET / HTTP/1.1\r\nHost: h\rx\r\n\r\n");
  assert.equal(e.status, 400);
  assert.equal(e.close, true);
});

Deno.test("request: pipelined requests in one buffer come out in order", () => {
  const evs = parseAll(
    "GET /1 HTTP/1.1\r\nHost: h\r\n\r\nHEAD /2 HTTP/1.1\r\nHost: h\r\n\r\nGET /3 HTTP/1.0\r\n\r\n",
  );
  assert.deepEqual(
    evs.map((e) => e.kind === "request" ? `${e.request.method} ${e.request.target}` : "error"),
    ["GET /1", "HEAD /2", "GET /3"],
  );
});

Deno.test("request: bytes after a complete request stay buffered for the next one", () => {
  const p = new RequestParser();
  const first = p.push(bytes(GET + "GET /next HT"));
  assert.equal(first.length, 1);
  assert.equal(p.buffered, "GET /next HT".length);
  assert.equal(p.partial, true);
  const second = p.push(bytes("TP/1.1\r\nHost: h\r\n\r\n"));
  assert.equal(second.length, 1);
  assert.equal(second[0].kind === "request" && second[0].request.target, "/next");
  assert.equal(p.buffered, 0);
  assert.equal(p.partial, false);
});

Deno.test("request: next() hands out one event at a time", () => {
  const p = new RequestParser();
  p.feed(bytes(GET + GET));
  assert.equal(p.next()?.kind, "request");
  assert.equal(p.next()?.kind, "request");
  assert.equal(p.next(), null);
});

// A corpus mixing good requests, bodies to discard and errors, to compare chunkings.
const CORPUS = [
  GET + "GET /a HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhelloHEAD /b HTTP/1.0\r\n\r\n",
  "POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabcGET /after HTTP/1.1\nHost: h\n\n",
  "\r\nGET / HTTP/1.1\r\nHost: h\r\nX: y\r\n\r\nget / HTTP/1.1\r\nHost: h\r\n\r\n" + GET,
  GET + "GET / HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n" + GET,
  "GET / HTTP/2.0\r\n\r\n",
  "GET /" + "x".repeat(100) + " HTTP/1.1\r\n\r\n",
  "GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + GET,
];
const LIMITS = { maxRequestLine: 64, maxHeaderBytes: 200, maxHeaders: 5, maxDiscard: 100 };

function describe(evs: ParseEvent[]): string {
  return JSON.stringify(evs);
}

Deno.test("request: feeding one byte at a time gives the same events as one buffer", () => {
  for (const input of CORPUS) {
    const whole = describe(new RequestParser(LIMITS).push(bytes(input)));
    const p = new RequestParser(LIMITS);
    const evs: ParseEvent[] = [];
    for (const b of bytes(input)) evs.push(...p.push(Uint8Array.of(b)));
    assert.equal(describe(evs), whole, input);
  }
});

Deno.test("request: every split into two chunks gives the same events as one buffer", () => {
  for (const input of CORPUS) {
    const all = bytes(input);
    const whole = describe(new RequestParser(LIMITS).push(all));
    for (let cut = 0; cut <= all.length; cut++) {
      const p = new RequestParser(LIMITS);
      const evs = [...p.push(all.subarray(0, cut)), ...p.push(all.subarray(cut))];
      assert.equal(describe(evs), whole, `${JSON.stringify(input)} cut at ${cut}`);
    }
  }
});

Deno.test("request: the corpus gives the expected statuses", () => {
  const st = (evs: ParseEvent[]) =>
    evs.map((e) => e.kind === "request" ? e.request.target : e.error.status);
  const p = (s: string) => st(new RequestParser(LIMITS).push(bytes(s)));
  assert.deepEqual(p(CORPUS[0]), ["/", "/a", "/b"]);
  assert.deepEqual(p(CORPUS[1]), [405, "/after"]);
  assert.deepEqual(p(CORPUS[2]), ["/", 501, "/"]);
  assert.deepEqual(p(CORPUS[3]), ["/", 400]);
  assert.deepEqual(p(CORPUS[4]), [505]);
  assert.deepEqual(p(CORPUS[5]), [414]);
  assert.deepEqual(p(CORPUS[6]), [413]);
});

Deno.test("request: malformed request lines are 400 and close", () => {
  for (
    const line of [
      "GET  / HTTP/1.1", // two spaces
      "GET / HTTP/1.1 ", // trailing space
      "GET /", // HTTP/0.9 simple request
      "GET / http/1.1", // HTTP-name is case-sensitive
      "GET / HTTP/1", // no minor
      "GET / HTTP/1.10", // two-digit minor
      "GET / HTTP/11", //
      "GET\t/ HTTP/1.1", // tab is not SP
      "G(T / HTTP/1.1", // method not a token
      "GET /a\x01b HTTP/1.1", // control in target
      "GET /a\x7fb HTTP/1.1",
    ]
  ) {
    const e = err(line + "\r\nHost: h\r\n\r\n");
    assert.equal(e.status, 400, line);
    assert.equal(e.close, true, line);
  }
});

Deno.test("request: HTTP/1.0 and 1.1 are served; 1.x above 1 is treated as 1.1", () => {
  assert.equal(one("GET / HTTP/1.0\r\n\r\n").minor, 0);
  assert.equal(one("GET / HTTP/1.1\r\nHost: h\r\n\r\n").minor, 1);
  const r = one("GET / HTTP/1.9\r\nHost: h\r\n\r\n");
  assert.equal(r.minor, 1);
  assert.equal(r.keepAlive, true);
});

Deno.test("request: another major version is 505 and closes", () => {
  for (const v of ["HTTP/2.0", "HTTP/3.0", "HTTP/0.9", "HTTP/9.9"]) {
    const e = err(`GET / ${v}\r\nHost: h\r\n\r\n`);
    assert.equal(e.status, 505, v);
    assert.equal(e.close, true);
    assert.equal(e.requestLine, `GET / ${v}`);
  }
});

Deno.test("request: whitespace between a field name and the colon is 400", () => {
  assert.equal(err("GET / HTTP/1.1\r\nHost : h\r\n\r\n").status, 400);
  assert.equal(err("GET / HTTP/1.1\r\nHost: h\r\nX-A\t: b\r\n\r\n").status, 400);
});

Deno.test("request: obs-fold and whitespace before the first field are 400", () => {
  const e = err("GET / HTTP/1.1\r\nHost: h\r\nX-A: b\r\n c\r\n\r\n");
  assert.equal(e.status, 400);
  assert.equal(e.reason, "obs-fold");
  assert.equal(err("GET / HTTP/1.1\r\n\tHost: h\r\n\r\n").status, 400);
  assert.equal(err("GET / HTTP/1.1\r\n Host: h\r\n\r\n").reason, "whitespace before first field");
});

Deno.test("request: field lines without a valid name are 400", () => {
  for (
    const f of ["NoColon", ": empty-name", "Bad(Name): x", "Bad Name: x", "X: a\x00b", "X: a\x1bb"]
  ) {
    assert.equal(err(`GET / HTTP/1.1\r\nHost: h\r\n${f}\r\n\r\n`).status, 400, f);
  }
});

Deno.test("request: obs-text in a field value is kept as bytes", () => {
  const r = one("GET / HTTP/1.1\r\nHost: h\r\nX: caf\xc3\xa9\r\n\r\n");
  assert.equal(fieldValue(r.fields, "x"), "caf\xc3\xa9");
});

Deno.test("request: a request line at the limit parses; one byte over is 414", () => {
  const lim = { maxRequestLine: 30 };
  const at = "GET /" + "a".repeat(30 - 14) + " HTTP/1.1"; // 30 bytes
  assert.equal(at.length, 30);
  assert.equal(one(at + "\r\nHost: h\r\n\r\n", lim).target.length, 17);
  const over = "GET /" + "a".repeat(17) + " HTTP/1.1";
  const e = err(over + "\r\nHost: h\r\n\r\n", lim);
  assert.equal(e.status, 414);
  assert.equal(e.close, true);
});

Deno.test("request: an endless request line is 414 before its end arrives", () => {
  const p = new RequestParser({ maxRequestLine: 100 });
  assert.deepEqual(p.push(bytes("GET /" + "a".repeat(90))), []);
  const evs = p.push(bytes("a".repeat(20)));
  assert.equal(evs.length, 1);
  assert.equal(evs[0].kind === "error" && evs[0].error.status, 414);
  assert.equal(p.dead, true);
  assert.deepEqual(p.push(bytes(GET)), []);
});

Deno.test("request: a header section over the byte limit is 431", () => {
  const lim = { maxHeaderBytes: 40 };
  // "Host: h\r\n" (9) + "X: <27>\r\n" (32) would be 41 with the final CRLF 43.
  assert.equal(
    err("GET / HTTP/1.1\r\nHost: h\r\nX: " + "v".repeat(27) + "\r\n\r\n", lim).status,
    431,
  );
  // Exactly 40: 9 + 29 + 2.
  one("GET / HTTP/1.1\r\nHost: h\r\nX: " + "v".repeat(24) + "\r\n\r\n", lim);
});

Deno.test("request: an endless header line is 431 before its end arrives", () => {
  const p = new RequestParser({ maxHeaderBytes: 50 });
  assert.deepEqual(p.push(bytes("GET / HTTP/1.1\r\nX: " + "v".repeat(40))), []);
  const evs = p.push(bytes("v".repeat(20)));
  assert.equal(evs[0].kind === "error" && evs[0].error.status, 431);
});

Deno.test("request: more header fields than allowed is 431", () => {
  const lim = { maxHeaders: 3 };
  one("GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\n\r\n", lim);
  const e = err("GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", lim);
  assert.equal(e.status, 431);
  assert.equal(e.close, true);
});

Deno.test("request: HTTP/1.1 without Host is 400; HTTP/1.0 without Host is served", () => {
  assert.equal(err("GET / HTTP/1.1\r\n\r\n").status, 400);
  assert.equal(one("GET / HTTP/1.0\r\n\r\n").target, "/");
});

Deno.test("request: more than one Host is 400 in any version", () => {
  assert.equal(err("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n").status, 400);
  assert.equal(err("GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n").status, 400);
});

Deno.test("request: an invalid Host value is 400; names, ports, IP literals and empty pass", () => {
  for (const h of ["a/b", "a b", "user@host", "h:8x", "[::1"]) {
    assert.equal(err(`GET / HTTP/1.1\r\nHost: ${h}\r\n\r\n`).status, 400, h);
  }
  for (
    const h of ["", "example.com", "example.com:80", "10.0.2.15:8080", "[::1]:80", "xn--d1a.ru"]
  ) {
    one(`GET / HTTP/1.1\r\nHost: ${h}\r\n\r\n`);
  }
});

Deno.test("request: known methods other than GET and HEAD are 405 and keep the connection", () => {
  for (const m of ["POST", "PUT", "DELETE", "OPTIONS", "TRACE", "PATCH", "CONNECT"]) {
    const e = err(`${m} / HTTP/1.1\r\nHost: h\r\n\r\n`);
    assert.equal(e.status, 405, m);
    assert.equal(e.close, false);
    assert.equal(e.method, m);
  }
});

Deno.test("request: unknown methods are 501; methods are case-sensitive", () => {
  for (const m of ["get", "Get", "BREW", "PROPFIND"]) {
    assert.equal(err(`${m} / HTTP/1.1\r\nHost: h\r\n\r\n`).status, 501, m);
  }
});

Deno.test("request: a 405 or 501 closes when the request asked to close", () => {
  assert.equal(err("POST / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n").close, true);
  assert.equal(err("BREW / HTTP/1.0\r\n\r\n").close, true);
});

Deno.test("request: HTTP/1.1 persists unless Connection: close (RFC 9112 §9.3)", () => {
  assert.equal(one("GET / HTTP/1.1\r\nHost: h\r\n\r\n").keepAlive, true);
  assert.equal(one("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n").keepAlive, false);
  assert.equal(
    one("GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade, CLOSE\r\n\r\n").keepAlive,
    false,
  );
  assert.equal(one("GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\n\r\n").keepAlive, true);
});

Deno.test("request: HTTP/1.0 closes unless Connection: keep-alive", () => {
  assert.equal(one("GET / HTTP/1.0\r\n\r\n").keepAlive, false);
  assert.equal(one("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").keepAlive, true);
  assert.equal(one("GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n").keepAlive, false);
});

Deno.test("request: Content-Length content is read and discarded, keeping the next request", () => {
  const p = new RequestParser();
  const a = p.push(bytes("GET /a HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n01234"));
  assert.equal(a.length, 1);
  assert.equal(a[0].kind === "request" && a[0].request.target, "/a");
  assert.equal(p.partial, true);
  const b = p.push(bytes("56789GET /b HTTP/1.1\r\nHost: h\r\n\r\n"));
  assert.equal(b.length, 1);
  assert.equal(b[0].kind === "request" && b[0].request.target, "/b");
});

Deno.test("request: identical Content-Length values are accepted as one", () => {
  const evs = parseAll("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 2, 2\r\n\r\nxy" + GET);
  assert.deepEqual(evs.map((e) => e.kind), ["request", "request"]);
});

Deno.test("request: an invalid Content-Length is 400 and closes", () => {
  for (const v of ["abc", "-1", "1.0", "2, 3", "+5", "0x10"]) {
    const e = err(`GET / HTTP/1.1\r\nHost: h\r\nContent-Length: ${v}\r\n\r\n`);
    assert.equal(e.status, 400, v);
    assert.equal(e.close, true);
  }
  assert.equal(
    err("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n").status,
    400,
  );
});

Deno.test("request: content longer than the discard limit is 413 and closes", () => {
  const e = err("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 101\r\n\r\n", { maxDiscard: 100 });
  assert.equal(e.status, 413);
  assert.equal(e.close, true);
  assert.equal(
    parseAll("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\n", { maxDiscard: 100 })[0]
      .kind,
    "request",
  );
});

Deno.test("request: chunked Transfer-Encoding is 413 and closes", () => {
  const p = new RequestParser();
  const evs = p.push(
    bytes("GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
  );
  assert.equal(evs.length, 1);
  assert.equal(evs[0].kind === "error" && evs[0].error.status, 413);
  assert.equal(p.dead, true);
});

Deno.test("request: Transfer-Encoding without final chunked, with Content-Length or in 1.0 is 400", () => {
  assert.equal(err("GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n").status, 400);
  assert.equal(
    err("GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, gzip\r\n\r\n").status,
    400,
  );
  const smuggle = err(
    "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
  );
  assert.equal(smuggle.status, 400);
  assert.equal(smuggle.close, true);
  assert.equal(err("GET / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n").status, 400);
});

Deno.test("request: a closing error leaves the parser dead", () => {
  const p = new RequestParser();
  const evs = p.push(bytes("GET / HTTP/1.1\r\nHost : h\r\n\r\n" + GET));
  assert.equal(evs.length, 1);
  assert.equal(p.dead, true);
  assert.deepEqual(p.push(bytes(GET)), []);
});

Deno.test("request: an error carries the request line and method for the log and HEAD", () => {
  const e = err("HEAD / HTTP/1.1\r\n\r\n");
  assert.equal(e.requestLine, "HEAD / HTTP/1.1");
  assert.equal(e.method, "HEAD");
  assert.equal(e.minor, 1);
  assert.equal(err("HEAD / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n").minor, 0);
});

Deno.test("request: a large pipelined burst fed in odd chunks is parsed completely", () => {
  const n = 500;
  let s = "";
  for (let i = 0; i < n; i++) {
    s += `GET /${i} HTTP/1.1\r\nHost: h\r\nX-N: ${"x".repeat(i % 50)}\r\n\r\n`;
  }
  const all = bytes(s);
  const p = new RequestParser();
  const targets: string[] = [];
  for (let off = 0, k = 1; off < all.length; off += k, k = (k * 7) % 97 + 1) {
    for (const e of p.push(all.subarray(off, off + k))) {
      assert.equal(e.kind, "request");
      if (e.kind === "request") targets.push(e.request.target);
    }
  }
  assert.equal(targets.length, n);
  assert.equal(targets[n - 1], `/${n - 1}`);
});
