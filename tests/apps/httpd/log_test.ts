import assert from "node:assert/strict";
import { commonLogLine, logTime } from "../../../apps/httpd/log.ts";

const T = 971185536000; // 10/Oct/2000:13:45:36

Deno.test("log: a Common Log Format line, byte for byte", () => {
  assert.equal(
    commonLogLine({
      host: "10.0.2.2",
      user: "frank",
      timeMs: T,
      requestLine: "GET /apache_pb.gif HTTP/1.0",
      status: 200,
      bytes: 2326,
    }),
    '10.0.2.2 - frank [10/Oct/2000:13:45:36 +0000] "GET /apache_pb.gif HTTP/1.0" 200 2326',
  );
});

Deno.test("log: zero bytes and missing fields are dashes", () => {
  assert.equal(
    commonLogLine({ host: "10.0.2.2", timeMs: 0, requestLine: null, status: 408, bytes: 0 }),
    '10.0.2.2 - - [01/Jan/1970:00:00:00 +0000] "-" 408 -',
  );
});

Deno.test("log: the request line is escaped so it cannot forge a line", () => {
  assert.equal(
    commonLogLine({
      host: "h",
      timeMs: 0,
      requestLine: 'GET /a"b\\c\x1b[31m\xff HTTP/1.1',
      status: 400,
      bytes: 5,
    }),
    'h - - [01/Jan/1970:00:00:00 +0000] "GET /a\\"b\\\\c\\x1b[31m\\xff HTTP/1.1" 400 5',
  );
  assert.ok(
    !commonLogLine({ host: "h", timeMs: 0, requestLine: "a\nb", status: 400, bytes: 0 })
      .includes("\n"),
  );
});

Deno.test("log: times are UTC with +0000 and zero-padded", () => {
  assert.equal(logTime(Date.UTC(2024, 1, 29, 3, 4, 5)), "[29/Feb/2024:03:04:05 +0000]");
});
