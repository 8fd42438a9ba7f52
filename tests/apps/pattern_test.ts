import assert from "node:assert/strict";
import { checkPattern, fillPattern, patternByte } from "../../apps/lib/pattern.ts";

Deno.test("pattern: block fill and check agree with patternByte at any offset, past 2^32 too", () => {
  for (const off of [0, 1, 255, 256, 1000, 0xffffff00, 0x100000000 - 7, 2 ** 40 + 3]) {
    const buf = new Uint8Array(1500);
    fillPattern(buf, off);
    for (let k = 0; k < buf.length; k++) {
      assert.equal(buf[k], patternByte(off + k), `offset ${off}+${k}`);
    }
    assert.equal(checkPattern(buf, off), -1);
    buf[700] ^= 1;
    assert.equal(checkPattern(buf, off), 700);
    assert.notEqual(checkPattern(buf.subarray(256), off), -1, "a shift by 256 shows");
  }
});
