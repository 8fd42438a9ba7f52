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

Deno.test("pattern: checkPattern reports the first wrong byte wherever it lies, aligned or not", () => {
  const whole = new Uint8Array(1503);
  for (const start of [0, 1, 2, 3]) {
    const buf = whole.subarray(start, start + 1499);
    fillPattern(buf, 77);
    assert.equal(checkPattern(buf, 77), -1);
    for (const at of [0, 3, 4, 63, 64, 1495, 1496, 1498]) {
      buf[at] ^= 0x80;
      buf[1498] ^= at === 1498 ? 0 : 0x40; // a later wrong byte must not be the one reported
      assert.equal(checkPattern(buf, 77), at, `start ${start}, byte ${at}`);
      buf[at] ^= 0x80;
      buf[1498] ^= at === 1498 ? 0 : 0x40;
    }
  }
});
