import assert from "node:assert/strict";
import { contentRange, parseRange, unsatisfiedRange } from "../../../apps/httpd/range.ts";

Deno.test("range: first-last selects inclusive bytes", () => {
  assert.deepEqual(parseRange("bytes=0-499", 10000), { start: 0, end: 499 });
  assert.deepEqual(parseRange("bytes=500-999", 10000), { start: 500, end: 999 });
  assert.deepEqual(parseRange("bytes=5-5", 10), { start: 5, end: 5 });
});

Deno.test("range: a last-pos past the end is clamped", () => {
  assert.deepEqual(parseRange("bytes=5-100", 10), { start: 5, end: 9 });
  assert.deepEqual(parseRange("bytes=0-99999999999999999999", 10), { start: 0, end: 9 });
});

Deno.test("range: first- selects to the end", () => {
  assert.deepEqual(parseRange("bytes=9500-", 10000), { start: 9500, end: 9999 });
  assert.deepEqual(parseRange("bytes=0-", 1), { start: 0, end: 0 });
});

Deno.test("range: -n selects the last n bytes, or all when n is larger", () => {
  assert.deepEqual(parseRange("bytes=-500", 10000), { start: 9500, end: 9999 });
  assert.deepEqual(parseRange("bytes=-20", 10), { start: 0, end: 9 });
});

Deno.test("range: the unit is case-insensitive and OWS around the spec is allowed", () => {
  assert.deepEqual(parseRange("BYTES=1-2", 10), { start: 1, end: 2 });
  assert.deepEqual(parseRange("bytes= 1-2 ", 10), { start: 1, end: 2 });
  assert.deepEqual(parseRange("bytes=, 1-2,", 10), { start: 1, end: 2 });
});

Deno.test("range: a first-pos at or past the end is unsatisfiable", () => {
  assert.equal(parseRange("bytes=10-", 10), "unsatisfiable");
  assert.equal(parseRange("bytes=10-20", 10), "unsatisfiable");
  assert.equal(parseRange("bytes=99999999999999999999-", 10), "unsatisfiable");
});

Deno.test("range: a zero suffix and any range of an empty file are unsatisfiable", () => {
  assert.equal(parseRange("bytes=-0", 10), "unsatisfiable");
  assert.equal(parseRange("bytes=0-", 0), "unsatisfiable");
  assert.equal(parseRange("bytes=-5", 0), "unsatisfiable");
});

Deno.test("range: syntactically invalid ranges are ignored (null)", () => {
  for (
    const v of [
      "",
      "bytes",
      "bytes=",
      "bytes=-",
      "bytes=5-4",
      "bytes=a-b",
      "bytes=1-2-3",
      "bytes=+1-2",
      "bytes=1 - 2",
      "bytes =1-2",
      "items=0-1",
      "bytes=0x10-",
      "bytes=1-2,5-4",
      "bytes=1.5-2",
    ]
  ) {
    assert.equal(parseRange(v, 100), null, v);
  }
});

Deno.test("range: several ranges are ignored so the whole file is served", () => {
  assert.equal(parseRange("bytes=0-1,5-6", 100), null);
  assert.equal(parseRange("bytes=0-1, -5", 100), null);
  assert.equal(parseRange("bytes=0-0,0-0,0-0", 100), null);
  assert.equal(parseRange("bytes=200-300,400-", 100), null);
});

Deno.test("range: Content-Range values for 206 and 416", () => {
  assert.equal(contentRange({ start: 0, end: 499 }, 1234), "bytes 0-499/1234");
  assert.equal(unsatisfiedRange(1234), "bytes */1234");
});
