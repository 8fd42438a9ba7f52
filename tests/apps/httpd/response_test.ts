import assert from "node:assert/strict";
import {
  bodyLength,
  contentLengthField,
  encodeHead,
  encodeResponse,
  errorBody,
  errorResponse,
  reasonPhrase,
  redirectResponse,
  responseHeaders,
} from "../../../apps/httpd/response.ts";
import { timeoutResponse } from "../../../apps/httpd/handler.ts";

const NOW = 784111777000; // Sun, 06 Nov 1994 08:49:37 GMT
const text = (b: Uint8Array) => new TextDecoder().decode(b);

Deno.test("response: encodes the status line and fields, ending in an empty line", () => {
  assert.equal(
    text(encodeHead(200, [["Content-Length", "0"], ["X", "y"]])),
    "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX: y\r\n\r\n",
  );
  assert.equal(text(encodeHead(299, [])), "HTTP/1.1 299 Unknown\r\n\r\n");
});

Deno.test("response: reason phrases follow RFC 9110 §15", () => {
  const want: Record<number, string> = {
    200: "OK",
    206: "Partial Content",
    301: "Moved Permanently",
    304: "Not Modified",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    412: "Precondition Failed",
    413: "Content Too Large",
    414: "URI Too Long",
    416: "Range Not Satisfiable",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    501: "Not Implemented",
    505: "HTTP Version Not Supported",
  };
  for (const [s, r] of Object.entries(want)) assert.equal(reasonPhrase(Number(s)), r);
});

Deno.test("response: Date and Server lead, Connection ends, keep-alive only for 1.0", () => {
  const f = (close: boolean, minor: 0 | 1) =>
    responseHeaders([["A", "b"]], { nowMs: NOW, close, minor });
  const base = [["Date", "Sun, 06 Nov 1994 08:49:37 GMT"], ["Server", "rumpsim-httpd"], ["A", "b"]];
  assert.deepEqual(f(false, 1), base);
  assert.deepEqual(f(true, 1), [...base, ["Connection", "close"]]);
  assert.deepEqual(f(false, 0), [...base, ["Connection", "keep-alive"]]);
  assert.deepEqual(f(true, 0), [...base, ["Connection", "close"]]);
});

Deno.test("response: 408 before closing an idle connection, byte for byte", () => {
  const body = "<!DOCTYPE html>\n<html>\n<head><title>408 Request Timeout</title></head>\n" +
    "<body>\n<h1>408 Request Timeout</h1>\n" +
    "<p>No request appeared within the time allowed.</p>\n<hr>\n" +
    "<address>rumpsim-httpd</address>\n</body>\n</html>\n";
  assert.equal(
    text(encodeResponse(timeoutResponse(NOW))),
    "HTTP/1.1 408 Request Timeout\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n" +
      "Server: rumpsim-httpd\r\nContent-Type: text/html; charset=utf-8\r\n" +
      `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
  );
});

Deno.test("response: 500, byte for byte", () => {
  const body = "<!DOCTYPE html>\n<html>\n<head><title>500 Internal Server Error</title></head>\n" +
    "<body>\n<h1>500 Internal Server Error</h1>\n<p>The server met an internal error.</p>\n" +
    "<hr>\n<address>rumpsim-httpd</address>\n</body>\n</html>\n";
  const r = errorResponse(500, { nowMs: NOW, close: true, minor: 1, head: false });
  assert.equal(
    text(encodeResponse(r)),
    "HTTP/1.1 500 Internal Server Error\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n" +
      "Server: rumpsim-httpd\r\nContent-Type: text/html; charset=utf-8\r\n" +
      `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
  );
});

Deno.test("response: every listed error status has its own page", () => {
  const seen = new Set<string>();
  for (const s of [400, 403, 404, 405, 408, 412, 413, 414, 416, 431, 500, 501, 505]) {
    const page = text(errorBody(s));
    assert.match(page, new RegExp(`<h1>${s} ${reasonPhrase(s)}</h1>`));
    seen.add(page);
  }
  assert.equal(seen.size, 13);
});

Deno.test("response: an error to HEAD keeps Content-Length but has no body", () => {
  const get = errorResponse(404, { nowMs: NOW, close: false, minor: 1, head: false });
  const head = errorResponse(404, { nowMs: NOW, close: false, minor: 1, head: true });
  assert.deepEqual(head.headers, get.headers);
  assert.equal(head.body, null);
  assert.equal(text(encodeResponse(head)), text(encodeHead(404, get.headers)));
});

Deno.test("response: only 405 carries Allow", () => {
  const o = { nowMs: NOW, close: false, minor: 1 as const, head: false };
  assert.deepEqual(errorResponse(405, o).headers.find(([n]) => n === "Allow"), [
    "Allow",
    "GET, HEAD",
  ]);
  assert.equal(errorResponse(501, o).headers.find(([n]) => n === "Allow"), undefined);
});

Deno.test("response: a redirect escapes its location in the page", () => {
  const r = redirectResponse('/a%20b/?q="<x>"', {
    nowMs: NOW,
    close: false,
    minor: 1,
    head: false,
  });
  assert.deepEqual(r.headers[2], ["Location", '/a%20b/?q="<x>"']);
  assert.match(text(r.body as Uint8Array), /href="\/a%20b\/\?q=&quot;&lt;x&gt;&quot;"/);
});

Deno.test("response: body lengths of bytes and file slices", () => {
  assert.equal(bodyLength(null), 0);
  assert.equal(bodyLength(new Uint8Array(7)), 7);
  assert.equal(bodyLength({ file: "/f", start: 3, end: 10 }), 7);
});

Deno.test("response: contentLengthField gives the field for a length, one shared object per length", () => {
  assert.deepEqual(contentLengthField(19), ["Content-Length", "19"]);
  assert.equal(contentLengthField(19), contentLengthField(19));
  assert.deepEqual(contentLengthField(0), ["Content-Length", "0"]);
});
