import assert from "node:assert/strict";
import {
  checksum,
  combine,
  fold,
  onesSum,
  pseudoHeaderSum,
  swap16,
  updateChecksum,
  verifyChecksum,
} from "../../../net/wire/checksum.ts";
import { hex, TCP_SYN, TCP_SYN_IP } from "./fixtures.ts";

/** A slow, obviously right RFC 1071 sum: 16-bit big-endian words, end-around carry. */
function referenceSum(b: Uint8Array, start: number, end: number): number {
  let s = 0;
  for (let i = start; i < end; i += 2) {
    s += (b[i] << 8) | (i + 1 < end ? b[i + 1] : 0);
    s = (s & 0xffff) + (s >>> 16);
  }
  return s;
}

/** Deterministic bytes (an LCG; tests never use Math.random). */
function bytes(n: number, seed = 1): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

Deno.test("checksum: the RFC 1071 §3 example sums to 0xddf2 and checks to 0x220d", () => {
  const b = hex("0001 f203 f4f5 f6f7");
  assert.equal(onesSum(b), 0xddf2);
  assert.equal(checksum(b), 0x220d);
});

Deno.test("checksum: a well-known IPv4 header has checksum 0xb861 and verifies", () => {
  const h = hex("4500 0073 0000 4000 4011 0000 c0a8 0001 c0a8 00c7");
  assert.equal(checksum(h), 0xb861);
  h[10] = 0xb8;
  h[11] = 0x61;
  assert.ok(verifyChecksum(h));
  h[19] ^= 1;
  assert.ok(!verifyChecksum(h));
});

Deno.test("checksum: an odd length pads the last byte with a zero low byte", () => {
  assert.equal(onesSum(hex("01")), 0x0100);
  assert.equal(onesSum(hex("0102 03")), 0x0102 + 0x0300);
  assert.equal(onesSum(new Uint8Array(0)), 0);
  assert.equal(checksum(new Uint8Array(0)), 0xffff);
});

Deno.test("checksum: matches the reference for every start 0–7 and lengths around the fast path", () => {
  const b = bytes(4096 + 16, 7);
  for (let start = 0; start < 8; start++) {
    for (const len of [0, 1, 2, 3, 5, 63, 64, 65, 66, 67, 127, 128, 1499, 1500, 4095, 4096]) {
      const end = start + len;
      assert.equal(
        onesSum(b, start, end),
        referenceSum(b, start, end),
        `start ${start} len ${len}`,
      );
    }
  }
});

Deno.test("checksum: a subarray at any byte offset of its buffer sums like a copy", () => {
  const b = bytes(2000, 3);
  for (let off = 0; off < 8; off++) {
    const view = b.subarray(off, off + 1501);
    assert.equal(onesSum(view), referenceSum(b.slice(off, off + 1501), 0, 1501), `offset ${off}`);
  }
});

Deno.test("checksum: 64 KiB and multi-chunk buffers match the reference", () => {
  for (const n of [65536, 65535, 9 * 1024 * 1024 + 3]) {
    const b = bytes(n, n);
    assert.equal(onesSum(b), referenceSum(b, 0, n), `length ${n}`);
  }
});

Deno.test("checksum: all-0xff data sums to 0xffff, and an all-zero sum stays 0", () => {
  assert.equal(onesSum(new Uint8Array(1000).fill(0xff)), 0xffff);
  assert.equal(onesSum(new Uint8Array(1000)), 0);
  assert.equal(fold(0xffff * 5), 0xffff);
  assert.equal(fold(0x1fffe), 0xffff);
});

Deno.test("checksum: sums of pieces combine into the sum of the whole, odd pieces swapped", () => {
  const b = bytes(301, 11);
  const whole = onesSum(b);
  for (const cut of [0, 1, 2, 100, 151, 300, 301]) {
    const a = onesSum(b, 0, cut);
    const rest = onesSum(b, cut);
    assert.equal(combine(a, cut % 2 === 0 ? rest : swap16(rest)), whole, `cut ${cut}`);
  }
  // `initial` is the same as combining afterwards.
  assert.equal(onesSum(b, 0, 301, 0x1234), combine(whole, 0x1234));
});

Deno.test("checksum: the pseudo-header sum completes the TCP checksum of a real SYN", () => {
  const src = 0x0a000002, dst = 0x0a000001;
  const ph = pseudoHeaderSum(src, dst, 6, TCP_SYN.length);
  const explicit = hex("0a000002 0a000001 0006 0028");
  assert.equal(ph, onesSum(explicit));
  assert.ok(verifyChecksum(TCP_SYN, 0, TCP_SYN.length, ph));
  assert.ok(!verifyChecksum(TCP_SYN, 0, TCP_SYN.length, pseudoHeaderSum(src, dst, 17, 40)));
  assert.ok(verifyChecksum(TCP_SYN_IP));
});

Deno.test("checksum: an incremental update (RFC 1624) equals summing again", () => {
  const h = TCP_SYN_IP.slice();
  const old = (h[10] << 8) | h[11];
  // Decrement TTL 64 → 63: the word at offset 8 is TTL·256 + protocol.
  const oldWord = (h[8] << 8) | h[9];
  h[8] = 63;
  const newWord = (h[8] << 8) | h[9];
  const updated = updateChecksum(old, oldWord, newWord);
  h[10] = h[11] = 0;
  assert.equal(updated, checksum(h));
});
