import assert from "node:assert/strict";
import { PortBus, type PortSize } from "../../arch/portio.ts";

function echoDevice() {
  const writes: [number, number, number][] = [];
  return {
    writes,
    read: (port: number, size: PortSize) => size === 1 ? port & 0xff : 0x12345678,
    write: (port: number, size: PortSize, value: number) => {
      writes.push([port, size, value]);
    },
  };
}

Deno.test("portio: accesses reach the device that claims the port", () => {
  const bus = new PortBus();
  const dev = echoDevice();
  bus.register("dev", 0x300, 8, dev);
  assert.equal(bus.inb(0x305), 0x05);
  assert.equal(bus.inw(0x300), 0x5678);
  assert.equal(bus.inl(0x304), 0x12345678);
  bus.outb(0x301, 0x1ab);
  bus.outw(0x302, 0xbeef);
  bus.outl(0x304, -1);
  assert.deepEqual(dev.writes, [[0x301, 1, 0xab], [0x302, 2, 0xbeef], [0x304, 4, 0xffffffff]]);
});

Deno.test("portio: unclaimed reads return all-ones and unclaimed writes vanish", () => {
  const bus = new PortBus();
  assert.equal(bus.inb(0x80), 0xff);
  assert.equal(bus.inw(0x80), 0xffff);
  assert.equal(bus.inl(0x80), 0xffffffff);
  bus.outb(0x80, 1);
  assert.equal(bus.unclaimedReads, 3);
  assert.equal(bus.unclaimedWrites, 1);
});

Deno.test("portio: an overlapping range is refused", () => {
  const bus = new PortBus();
  bus.register("a", 0x100, 0x10, echoDevice());
  assert.throws(() => bus.register("b", 0x10f, 2, echoDevice()), /overlaps a/);
  assert.throws(() => bus.register("a", 0x200, 2, echoDevice()), /already registered/);
  assert.throws(() => bus.register("c", 0xffff, 2, echoDevice()), RangeError);
  bus.register("b", 0x110, 2, echoDevice());
});

Deno.test("portio: unregister frees the range for another device", () => {
  const bus = new PortBus();
  bus.register("bar0", 0xc000, 0x20, echoDevice());
  assert.equal(bus.owner(0xc01f), "bar0");
  assert.equal(bus.unregister("bar0"), true);
  assert.equal(bus.unregister("bar0"), false);
  assert.equal(bus.inb(0xc000), 0xff);
  bus.register("bar0-moved", 0xc010, 0x20, echoDevice());
  assert.equal(bus.inb(0xc010), 0x10);
});

Deno.test("portio: stats count accesses per range and the trace hook sees each one", () => {
  const bus = new PortBus();
  bus.register("pic", 0x20, 2, echoDevice());
  bus.register("com1", 0x3f8, 8, echoDevice());
  const trace: string[] = [];
  bus.onAccess = (dir, port, size, value) =>
    trace.push(`${dir} ${port.toString(16)}/${size}=${value}`);
  bus.inb(0x21);
  bus.outb(0x20, 0x20);
  bus.outb(0x3f8, 65);
  bus.inb(0x60);
  assert.deepEqual(bus.stats(), [
    { name: "pic", base: 0x20, len: 2, reads: 1, writes: 1 },
    { name: "com1", base: 0x3f8, len: 8, reads: 0, writes: 1 },
  ]);
  assert.deepEqual(trace, ["in 21/1=33", "out 20/1=32", "out 3f8/1=65", "in 60/1=255"]);
});

Deno.test("portio: outsb is one byte write per byte, or one string call to a device taking strings", () => {
  const bus = new PortBus();
  const plain: number[] = [];
  bus.register("plain", 0x100, 1, { read: () => 0, write: (_p, _s, v) => plain.push(v) });
  const strings: string[] = [];
  bus.register("strings", 0x200, 1, {
    read: () => 0,
    write: () => assert.fail("a string device gets the string"),
    writeString: (_p, b, s, e) => strings.push(new TextDecoder().decode(b.subarray(s, e))),
  });
  const bytes = new TextEncoder().encode("abcdef");
  bus.outsb(0x100, bytes, 1, 4);
  bus.outsb(0x200, bytes, 2);
  assert.deepEqual(plain, [0x62, 0x63, 0x64]);
  assert.deepEqual(strings, ["cdef"]);
  assert.deepEqual(bus.stats().map((r) => r.writes), [3, 4]);
  // With a trace hook every byte is its own traced access.
  const seen: string[] = [];
  bus.onAccess = (dir, port, size, v) => seen.push(`${dir} ${port.toString(16)} ${size} ${v}`);
  const fallback: number[] = [];
  bus.unregister("strings");
  bus.register("strings", 0x200, 1, {
    read: () => 0,
    write: (_p, _s, v) => fallback.push(v),
    writeString: () => assert.fail("traced: byte by byte"),
  });
  bus.outsb(0x200, bytes, 0, 2);
  assert.deepEqual(seen, ["out 200 1 97", "out 200 1 98"]);
  assert.deepEqual(fallback, [97, 98]);
});
