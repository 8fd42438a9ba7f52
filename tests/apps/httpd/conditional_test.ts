import assert from "node:assert/strict";
import { evaluatePreconditions, ifRangeHolds } from "../../../apps/httpd/conditional.ts";
import type { Field } from "../../../apps/httpd/request.ts";

const LM = 784111777000; // Sun, 06 Nov 1994 08:49:37 GMT
const AT = "Sun, 06 Nov 1994 08:49:37 GMT";
const BEFORE = "Sun, 06 Nov 1994 08:49:36 GMT";
const NOW = 1_750_000_000_000;

const ev = (fields: Field[], method = "GET", lm: number | null = LM) =>
  evaluatePreconditions(method, fields, lm, NOW);

Deno.test("conditional: no conditions proceed", () => {
  assert.equal(ev([]), "proceed");
});

Deno.test("conditional: If-Modified-Since at or after Last-Modified is 304 for GET and HEAD", () => {
  assert.equal(ev([["if-modified-since", AT]]), 304);
  assert.equal(ev([["if-modified-since", AT]], "HEAD"), 304);
  assert.equal(ev([["if-modified-since", BEFORE]]), "proceed");
});

Deno.test("conditional: If-Modified-Since is ignored for other methods and unknown dates", () => {
  assert.equal(ev([["if-modified-since", AT]], "POST"), "proceed");
  assert.equal(ev([["if-modified-since", AT]], "GET", null), "proceed");
});

Deno.test("conditional: If-None-Match makes If-Modified-Since ignored", () => {
  assert.equal(ev([["if-none-match", '"x"'], ["if-modified-since", AT]]), "proceed");
  assert.equal(ev([["if-none-match", '"x", *']]), 304);
  assert.equal(ev([["if-none-match", "*"]], "POST"), 412);
});

Deno.test("conditional: If-Match fails without * (we have no entity-tags)", () => {
  assert.equal(ev([["if-match", '"a"']]), 412);
  assert.equal(ev([["if-match", "*"]]), "proceed");
});

Deno.test("conditional: If-Unmodified-Since fails when modified after the date", () => {
  assert.equal(ev([["if-unmodified-since", BEFORE]]), 412);
  assert.equal(ev([["if-unmodified-since", AT]]), "proceed");
  assert.equal(ev([["if-unmodified-since", "bogus"]]), "proceed");
  // Ignored when If-Match is present (§13.1.4).
  assert.equal(ev([["if-match", "*"], ["if-unmodified-since", BEFORE]]), "proceed");
});

Deno.test("conditional: If-Match is evaluated before If-None-Match and If-Modified-Since", () => {
  assert.equal(ev([["if-match", '"a"'], ["if-none-match", "*"]]), 412);
  assert.equal(ev([["if-unmodified-since", BEFORE], ["if-modified-since", AT]]), 412);
});

Deno.test("conditional: If-Range holds only for an exactly equal date", () => {
  assert.equal(ifRangeHolds([], LM, NOW), true);
  assert.equal(ifRangeHolds([["if-range", AT]], LM, NOW), true);
  assert.equal(ifRangeHolds([["if-range", BEFORE]], LM, NOW), false);
  assert.equal(ifRangeHolds([["if-range", '"etag"']], LM, NOW), false);
  assert.equal(ifRangeHolds([["if-range", AT]], null, NOW), false);
});
