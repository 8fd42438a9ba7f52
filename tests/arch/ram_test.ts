import assert from "node:assert/strict";
import { E820_RESERVED, E820_USABLE, Ram } from "../../arch/ram.ts";

Deno.test("ram: reads and writes are little-endian", () => {
  const ram = new Ram(4 * 1024 * 1024);
  ram.write32(0x1000, 0x11223344);
  assert.deepEqual([...ram.readBytes(0x1000, 4)], [0x44, 0x33, 0x22, 0x11]);
  assert.equal(ram.read16(0x1000), 0x3344);
  assert.equal(ram.read16(0x1002), 0x1122);
  assert.equal(ram.read8(0x1003), 0x11);
  ram.write16(0x2000, 0xbeef);
  assert.equal(ram.read8(0x2000), 0xef);
  ram.write32(0x3000, -1);
  assert.equal(ram.read32(0x3000), 0xffffffff);
});

Deno.test("ram: writeBytes and readBytes round-trip", () => {
  const ram = new Ram(4 * 1024 * 1024);
  ram.writeBytes(0x500, new Uint8Array([1, 2, 3]));
  assert.deepEqual([...ram.readBytes(0x4ff, 5)], [0, 1, 2, 3, 0]);
  assert.equal(ram.bytes[0x501], 2);
});

Deno.test("ram: an access past the end throws a RangeError naming the address", () => {
  const ram = new Ram(4 * 1024 * 1024);
  assert.throws(
    () => ram.read32(0x3ffffe),
    (e: Error) => e instanceof RangeError && /0x3ffffe/.test(e.message),
  );
  assert.throws(() => ram.write8(-1, 0), RangeError);
  assert.throws(() => ram.writeBytes(0x3fffff, new Uint8Array(2)), RangeError);
  assert.throws(() => ram.readBytes(0x400000, 1), /0x400000/);
  assert.equal(ram.read8(0x3fffff), 0);
});

Deno.test("ram: the default size is 64 MiB", () => {
  assert.equal(new Ram().size, 64 * 1024 * 1024);
});

Deno.test("ram: the e820 map has low memory, the 640 KiB hole and extended memory", () => {
  const ram = new Ram(32 * 1024 * 1024);
  assert.deepEqual(ram.e820(), [
    { base: 0, length: 0x9fc00, type: E820_USABLE },
    { base: 0x9fc00, length: 0x100000 - 0x9fc00, type: E820_RESERVED },
    { base: 0x100000, length: 31 * 1024 * 1024, type: E820_USABLE },
  ]);
  assert.equal(E820_USABLE, 1);
  assert.equal(E820_RESERVED, 2);
});
