import assert from "node:assert/strict";
import { crlfToLf } from "../../cli/console.ts";

Deno.test("console: CRLF becomes LF across chunk boundaries; a lone CR passes", () => {
  const conv = crlfToLf();
  const enc = new TextEncoder(), dec = new TextDecoder();
  const out = ["a\r\nb\r", "\nc\r", "d\r\r\n", "", "e\r"].map((s) =>
    dec.decode(conv(enc.encode(s)))
  )
    .join("");
  // The CR that ends the last chunk is held until the next one shows what follows it.
  assert.equal(out, "a\nb\nc\rd\r\ne");
  assert.equal(dec.decode(conv(enc.encode("x"))), "\rx");
});
