import assert from "node:assert/strict";
import { Ram } from "../../../arch/ram.ts";
import {
  Virtqueue,
  VRING_AVAIL_F_NO_INTERRUPT,
  VRING_DESC_F_INDIRECT,
  VRING_DESC_F_NEXT,
  VRING_DESC_F_WRITE,
  vringLayout,
} from "../../../arch/virtio/virtqueue.ts";

const PFN = 0x100; // ring at 1 MiB

function setup(size = 8) {
  const ram = new Ram(2 * 1024 * 1024);
  const q = new Virtqueue(ram, 0, size);
  const faults: string[] = [];
  q.onFault = (why) => faults.push(why);
  q.setPfn(PFN);
  const base = PFN * 4096;
  const l = vringLayout(size, base);
  const v = new DataView(ram.buffer);
  let availIdx = 0;
  return {
    ram,
    q,
    faults,
    l,
    v,
    desc(i: number, addr: number, len: number, flags = 0, next = 0) {
      const d = base + 16 * i;
      v.setUint32(d, addr, true);
      v.setUint32(d + 4, 0, true);
      v.setUint32(d + 8, len, true);
      v.setUint16(d + 12, flags, true);
      v.setUint16(d + 14, next, true);
    },
    offer(head: number) {
      v.setUint16(l.avail + 4 + 2 * (availIdx % size), head, true);
      availIdx = (availIdx + 1) & 0xffff;
      v.setUint16(l.avail + 2, availIdx, true);
    },
  };
}

Deno.test("virtqueue: the legacy layout of a 256-entry queue matches vring_size", () => {
  const l = vringLayout(256, 0);
  assert.deepEqual(l, {
    size: 256,
    desc: 0,
    avail: 4096,
    usedEvent: 4096 + 4 + 512,
    used: 8192,
    availEvent: 8192 + 4 + 2048,
    total: 12288,
  });
});

Deno.test("virtqueue: the used ring of a small queue starts at the next 4096 boundary", () => {
  const l = vringLayout(8, 0x100000);
  assert.equal(l.desc, 0x100000);
  assert.equal(l.avail, 0x100000 + 128);
  assert.equal(l.usedEvent, 0x100000 + 128 + 4 + 16);
  assert.equal(l.used, 0x101000);
  assert.equal(l.availEvent, 0x101000 + 4 + 64);
  assert.equal(l.total, 8192);
});

Deno.test("virtqueue: a size that is not a power of two is refused", () => {
  assert.throws(() => new Virtqueue(new Ram(2 * 1024 * 1024), 0, 100), RangeError);
});

Deno.test("virtqueue: pops a chain split into readable and writable parts and copies through it", () => {
  const t = setup();
  t.ram.writeBytes(0x2000, new Uint8Array([1, 2, 3, 4]));
  t.ram.writeBytes(0x3000, new Uint8Array([5, 6]));
  t.desc(2, 0x2000, 4, VRING_DESC_F_NEXT, 5);
  t.desc(5, 0x3000, 2, VRING_DESC_F_NEXT, 7);
  t.desc(7, 0x4000, 16, VRING_DESC_F_WRITE);
  t.offer(2);
  assert.ok(t.q.hasAvailable());
  const c = t.q.pop()!;
  assert.equal(c.head, 2);
  assert.deepEqual(c.readable, [{ addr: 0x2000, len: 4 }, { addr: 0x3000, len: 2 }]);
  assert.deepEqual(c.writable, [{ addr: 0x4000, len: 16 }]);
  assert.deepEqual([...t.q.read(c)], [1, 2, 3, 4, 5, 6]);
  assert.deepEqual([...t.q.read(c, 3, 2)], [4, 5]);
  assert.equal(t.q.write(c, new Uint8Array([9, 9, 9]), 1), 3);
  assert.deepEqual([...t.ram.readBytes(0x4000, 5)], [0, 9, 9, 9, 0]);
  assert.equal(t.q.pop(), null);
});

Deno.test("virtqueue: a used entry is written byte for byte at the used ring", () => {
  const t = setup();
  t.desc(3, 0x2000, 64, VRING_DESC_F_WRITE);
  t.offer(3);
  const c = t.q.pop()!;
  t.q.push(c.head, 42);
  const used = t.ram.readBytes(t.l.used, 12);
  // flags 0, idx 1, ring[0] = {id 3, len 42}
  assert.deepEqual([...used], [0, 0, 1, 0, 3, 0, 0, 0, 42, 0, 0, 0]);
  assert.equal(t.q.usedIdx(), 1);
});

Deno.test("virtqueue: indices wrap at 16 bits", () => {
  const t = setup(4);
  t.q.lastAvail = 0xffff;
  t.v.setUint16(t.l.avail + 2, 0, true); // the driver's idx wrapped to 0
  t.v.setUint16(t.l.avail + 4 + 2 * 3, 1, true);
  t.desc(1, 0x2000, 8);
  const c = t.q.pop()!;
  assert.equal(c.head, 1);
  assert.equal(t.q.lastAvail, 0);
});

Deno.test("virtqueue: VRING_AVAIL_F_NO_INTERRUPT suppresses interrupts", () => {
  const t = setup();
  assert.ok(t.q.needsInterrupt());
  t.v.setUint16(t.l.avail, VRING_AVAIL_F_NO_INTERRUPT, true);
  assert.ok(!t.q.needsInterrupt());
});

Deno.test("virtqueue: a looping chain is counted as a fault and does not throw", () => {
  const t = setup();
  t.desc(0, 0x2000, 8, VRING_DESC_F_NEXT, 1);
  t.desc(1, 0x2000, 8, VRING_DESC_F_NEXT, 0);
  t.offer(0);
  assert.equal(t.q.pop(), null);
  assert.equal(t.q.faults, 1);
  assert.match(t.faults[0], /loops/);
  assert.ok(!t.q.ready);
  // Broken until reset: further chains are not taken.
  t.desc(2, 0x2000, 8);
  t.offer(2);
  assert.equal(t.q.pop(), null);
});

Deno.test("virtqueue: bad descriptors are faults: outside RAM, bad next, bad head, order", () => {
  const cases: [string, (t: ReturnType<typeof setup>) => void, RegExp][] = [
    ["outside RAM", (t) => t.desc(0, 0x1ffff0, 32), /outside RAM/],
    ["next past table", (t) => t.desc(0, 0x2000, 8, VRING_DESC_F_NEXT, 8), /past the table/],
    ["readable after writable", (t) => {
      t.desc(0, 0x2000, 8, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
      t.desc(1, 0x3000, 8);
    }, /follows a writable/],
    ["indirect not negotiated", (t) => t.desc(0, 0x2000, 32, VRING_DESC_F_INDIRECT), /indirect/],
  ];
  for (const [name, build, re] of cases) {
    const t = setup();
    build(t);
    t.offer(0);
    assert.equal(t.q.pop(), null, name);
    assert.equal(t.q.faults, 1, name);
    assert.match(t.faults[0], re, name);
  }
  const t = setup();
  t.offer(9); // head past the table
  assert.equal(t.q.pop(), null);
  assert.match(t.faults[0], /head descriptor 9/);
});

Deno.test("virtqueue: an avail index that runs ahead by more than the size is a fault", () => {
  const t = setup();
  t.v.setUint16(t.l.avail + 2, 9, true);
  assert.equal(t.q.pop(), null);
  assert.match(t.faults[0], /more than the queue size/);
});

Deno.test("virtqueue: a ring placed past the end of RAM is a fault at setup", () => {
  const ram = new Ram(2 * 1024 * 1024);
  const q = new Virtqueue(ram, 0, 256);
  let why = "";
  q.onFault = (w) => (why = w);
  q.setPfn(0x1ff);
  assert.ok(!q.ready);
  assert.match(why, /outside RAM/);
});

Deno.test("virtqueue: an indirect table is walked when indirect descriptors are enabled", () => {
  const t = setup();
  t.q.indirect = true;
  const v = t.v;
  const table = 0x5000;
  v.setUint32(table, 0x2000, true);
  v.setUint32(table + 8, 4, true);
  v.setUint16(table + 12, VRING_DESC_F_NEXT, true);
  v.setUint16(table + 14, 1, true);
  v.setUint32(table + 16, 0x3000, true);
  v.setUint32(table + 24, 100, true);
  v.setUint16(table + 28, VRING_DESC_F_WRITE, true);
  t.desc(0, table, 32, VRING_DESC_F_INDIRECT);
  t.offer(0);
  const c = t.q.pop()!;
  assert.deepEqual(c.readable, [{ addr: 0x2000, len: 4 }]);
  assert.deepEqual(c.writable, [{ addr: 0x3000, len: 100 }]);
});

Deno.test("virtqueue: readView is a view of RAM for one descriptor and a copy across several", () => {
  const t = setup();
  t.ram.writeBytes(0x2000, new Uint8Array([1, 2, 3, 4, 5]));
  t.ram.writeBytes(0x3000, new Uint8Array([6, 7]));
  t.desc(0, 0x2000, 5);
  t.desc(1, 0x2000, 3, VRING_DESC_F_NEXT, 2);
  t.desc(2, 0x3000, 2);
  t.offer(0);
  t.offer(1);
  const one = t.q.pop()!;
  const v = t.q.readView(one, 2);
  assert.deepEqual([...v], [3, 4, 5]);
  t.ram.writeBytes(0x2002, new Uint8Array([9]));
  assert.equal(v[0], 9, "a view sees what the driver writes later");
  const two = t.q.pop()!;
  const c = t.q.readView(two, 1);
  assert.deepEqual([...c], [2, 9, 6, 7]);
  t.ram.writeBytes(0x3000, new Uint8Array([0]));
  assert.equal(c[2], 6, "a chain of several descriptors is copied");
});
