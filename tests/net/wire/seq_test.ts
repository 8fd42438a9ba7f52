import assert from "node:assert/strict";
import {
  seqAdd,
  seqGe,
  seqGt,
  seqInWindow,
  seqLe,
  seqLt,
  seqMax,
  seqMin,
  seqSub,
} from "../../../net/wire/seq.ts";

Deno.test("seq: compares across the 2^32 wrap", () => {
  assert.ok(seqLt(0xfffffff0, 0x10));
  assert.ok(seqGt(0x10, 0xfffffff0));
  assert.ok(seqLe(5, 5) && seqGe(5, 5) && !seqLt(5, 5) && !seqGt(5, 5));
  assert.ok(seqLt(1, 2) && seqLe(1, 2) && !seqGe(1, 2));
  assert.ok(seqLt(0x7fffffff, 0x80000000));
  assert.ok(seqLt(0xffffffff, 0));
});

Deno.test("seq: adds and subtracts modulo 2^32", () => {
  assert.equal(seqAdd(0xffffffff, 1), 0);
  assert.equal(seqAdd(0xfffffff0, 0x20), 0x10);
  assert.equal(seqAdd(0, -1), 0xffffffff);
  assert.equal(seqSub(0x10, 0xfffffff0), 0x20);
  assert.equal(seqSub(0xfffffff0, 0x10), -0x20);
  assert.equal(seqSub(7, 7), 0);
});

Deno.test("seq: max and min pick by sequence order, not magnitude", () => {
  assert.equal(seqMax(0xfffffff0, 0x10), 0x10);
  assert.equal(seqMin(0xfffffff0, 0x10), 0xfffffff0);
  assert.equal(seqMax(3, 4), 4);
  assert.equal(seqMin(3, 4), 3);
});

Deno.test("seq: a window test holds across the wrap and excludes its end", () => {
  assert.ok(seqInWindow(0xfffffffe, 0xfffffff0, 0x100));
  assert.ok(seqInWindow(0x5, 0xfffffff0, 0x100));
  assert.ok(!seqInWindow(0xf0, 0xfffffff0, 0x100));
  assert.ok(seqInWindow(10, 10, 1));
  assert.ok(!seqInWindow(11, 10, 1));
  assert.ok(!seqInWindow(10, 10, 0));
  assert.ok(!seqInWindow(9, 10, 100));
});
