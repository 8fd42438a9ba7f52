import assert from "node:assert/strict";
import { PCI_BAR0, PCI_COMMAND, PciBridge } from "../../../arch/pci.ts";
import { PortBus } from "../../../arch/portio.ts";
import { Ram } from "../../../arch/ram.ts";
import {
  type BlkBackend,
  emitBlkHeader,
  MemBlkBackend,
  parseBlkHeader,
  VIRTIO_BLK_F_BLK_SIZE,
  VIRTIO_BLK_F_FLUSH,
  VIRTIO_BLK_F_RO,
  VIRTIO_BLK_S_IOERR,
  VIRTIO_BLK_S_OK,
  VIRTIO_BLK_S_UNSUPP,
  VIRTIO_BLK_T_FLUSH,
  VIRTIO_BLK_T_GET_ID,
  VIRTIO_BLK_T_IN,
  VIRTIO_BLK_T_OUT,
  VirtioBlk,
} from "../../../arch/virtio/blk.ts";
import { FileBlkBackend } from "../../../host/blk_file.ts";
import {
  VIRTIO_CONFIG_S_DRIVER_OK,
  VIRTIO_CONFIG_S_NEEDS_RESET,
  VIRTIO_PCI_CONFIG,
  VIRTIO_PCI_HOST_FEATURES,
  VIRTIO_PCI_ISR,
  VIRTIO_PCI_QUEUE_NOTIFY,
  VIRTIO_PCI_QUEUE_PFN,
  VIRTIO_PCI_STATUS,
} from "../../../arch/virtio/pci_transport.ts";
import { VRING_DESC_F_NEXT, VRING_DESC_F_WRITE } from "../../../arch/virtio/virtqueue.ts";
import { Scheduler, VirtualClock } from "../../../sched/mod.ts";
import { driverQueue, IO } from "./harness.ts";

const HDR = 0x30000, DATA = 0x31000, STATUS = 0x3f000;

/** A virtio-blk disk on a bare PCI bus, set up and DRIVER_OK, with a driver queue at page 0x200. */
function liveDisk<B extends BlkBackend = MemBlkBackend>(
  backend: B = MemBlkBackend.zeroed(64) as unknown as B,
  opts: { latencyNs?: number } = {},
) {
  const ram = new Ram(4 * 1024 * 1024);
  const sched = new Scheduler({ clock: new VirtualClock() });
  const bus = new PortBus();
  const irq = { level: false };
  const bridge = new PciBridge(bus, {
    raise: () => (irq.level = true),
    lower: () => (irq.level = false),
  });
  const disk = new VirtioBlk({ ram, sched, backend, queueSize: 16, latencyNs: opts.latencyNs });
  bridge.attach(4, disk.pci, 0, 10);
  disk.pci.writeConfig(PCI_BAR0, 4, IO);
  disk.pci.writeConfig(PCI_COMMAND, 2, 0x5);
  const q = driverQueue(ram, 16, 0x200);
  bus.outl(IO + VIRTIO_PCI_QUEUE_PFN, 0x200);
  bus.outb(IO + VIRTIO_PCI_STATUS, 3 | VIRTIO_CONFIG_S_DRIVER_OK);
  const run = () => {
    while (sched.events.nextAt() !== Infinity) {
      sched.clock.advanceTo(sched.events.nextAt());
      sched.events.runDue(sched.clock.now());
    }
  };
  /** Issues one request (header + optional data + status) as descriptors 0..2 and runs it. */
  const request = (type: number, sector: number, data?: { len: number; write: boolean }) => {
    ram.writeBytes(HDR, emitBlkHeader({ type, ioprio: 0, sector }));
    ram.bytes[STATUS] = 0xee;
    q.desc(0, HDR, 16, VRING_DESC_F_NEXT, data ? 1 : 2);
    if (data) {
      q.desc(1, DATA, data.len, VRING_DESC_F_NEXT | (data.write ? VRING_DESC_F_WRITE : 0), 2);
    }
    q.desc(2, STATUS, 1, VRING_DESC_F_WRITE);
    q.offer(0);
    bus.outw(IO + VIRTIO_PCI_QUEUE_NOTIFY, 0);
    const before = ram.bytes[STATUS];
    run();
    return { before, status: ram.bytes[STATUS], used: q.used() };
  };
  return { ram, sched, bus, irq, disk, q, run, request, backend };
}

Deno.test("virtio-blk: the request header parses and emits as 16 little-endian bytes", () => {
  const bytes = Uint8Array.of(1, 0, 0, 0, 7, 0, 0, 0, 0x10, 0x32, 0x54, 0x76, 2, 0, 0, 0);
  const h = { type: 1, ioprio: 7, sector: 2 * 4294967296 + 0x76543210 };
  assert.deepEqual(parseBlkHeader(bytes), h);
  assert.deepEqual(emitBlkHeader(h), bytes);
  assert.equal(parseBlkHeader(bytes.subarray(0, 15)), null);
});

Deno.test("virtio-blk: the PCI identity and configuration describe a 512-byte-sector disk", () => {
  const t = liveDisk(MemBlkBackend.zeroed(32768));
  assert.equal(t.disk.pci.readConfig(0, 4), 0x10011af4);
  assert.equal(t.disk.pci.readConfig(0x2c, 4) >>> 16, 2, "subsystem id is the block type");
  assert.equal(t.disk.pci.readConfig(0x08, 4) >>> 24, 0x01, "mass storage class");
  const f = t.bus.inl(IO + VIRTIO_PCI_HOST_FEATURES);
  assert.equal(f, (1 << VIRTIO_BLK_F_BLK_SIZE) | (1 << VIRTIO_BLK_F_FLUSH));
  assert.equal(t.bus.inl(IO + VIRTIO_PCI_CONFIG), 32768, "capacity, low word");
  assert.equal(t.bus.inl(IO + VIRTIO_PCI_CONFIG + 4), 0, "capacity, high word");
  assert.equal(t.bus.inl(IO + VIRTIO_PCI_CONFIG + 20), 512, "blk_size");
});

Deno.test("virtio-blk: a read copies the sectors into the buffer and completes in an event", () => {
  const be = MemBlkBackend.zeroed(64);
  for (let i = 0; i < be.bytes.length; i++) be.bytes[i] = (i * 7) & 0xff;
  const t = liveDisk(be);
  const r = t.request(VIRTIO_BLK_T_IN, 3, { len: 1024, write: true });
  assert.equal(r.before, 0xee, "nothing happens inside the notify");
  assert.equal(r.status, VIRTIO_BLK_S_OK);
  assert.deepEqual(r.used, { id: 0, len: 1025 });
  assert.deepEqual(t.ram.readBytes(DATA, 1024), be.bytes.subarray(1536, 2560));
  assert.ok(t.irq.level);
  assert.equal(t.bus.inb(IO + VIRTIO_PCI_ISR), 1);
  assert.equal(t.disk.stats.reads, 1);
  assert.equal(t.disk.stats.bytesRead, 1024);
});

Deno.test("virtio-blk: a write stores the data at the sector and a flush reaches the backend", () => {
  const t = liveDisk();
  const data = Uint8Array.from({ length: 512 }, (_, i) => i & 0xff);
  t.ram.writeBytes(DATA, data);
  const r = t.request(VIRTIO_BLK_T_OUT, 10, { len: 512, write: false });
  assert.equal(r.status, VIRTIO_BLK_S_OK);
  assert.deepEqual(r.used, { id: 0, len: 1 });
  assert.deepEqual(t.backend.bytes.subarray(5120, 5632), data);
  assert.equal(t.request(VIRTIO_BLK_T_FLUSH, 0).status, VIRTIO_BLK_S_OK);
  assert.equal(t.backend.flushes, 1);
  assert.equal(t.disk.stats.writes, 1);
});

Deno.test("virtio-blk: GET_ID returns the 20-byte serial, zero-padded", () => {
  const t = liveDisk();
  const r = t.request(VIRTIO_BLK_T_GET_ID, 0, { len: 20, write: true });
  assert.equal(r.status, VIRTIO_BLK_S_OK);
  const id = t.ram.readBytes(DATA, 20);
  assert.equal(new TextDecoder().decode(id.subarray(0, 11)), "rumpsim-blk");
  assert.deepEqual([...id.subarray(11)], new Array(9).fill(0));
});

Deno.test("virtio-blk: out-of-range sectors and partial sectors complete with IOERR, counted", () => {
  const t = liveDisk(MemBlkBackend.zeroed(64));
  assert.equal(t.request(VIRTIO_BLK_T_IN, 63, { len: 1024, write: true }).status, 1);
  assert.equal(t.request(VIRTIO_BLK_T_IN, 2 ** 40, { len: 512, write: true }).status, 1);
  assert.equal(t.request(VIRTIO_BLK_T_OUT, 0, { len: 100, write: false }).status, 1);
  assert.equal(t.request(VIRTIO_BLK_T_IN, 63, { len: 512, write: true }).status, 0);
  assert.equal(t.disk.stats.ioErrors, 3);
  assert.equal(t.disk.stats.reads, 1);
});

Deno.test("virtio-blk: an unknown request type is UNSUPP and a short header IOERR", () => {
  const t = liveDisk();
  assert.equal(t.request(99, 0).status, VIRTIO_BLK_S_UNSUPP);
  assert.equal(t.disk.stats.unsupported, 1);
  // A 4-byte header.
  t.q.desc(0, HDR, 4, VRING_DESC_F_NEXT, 2);
  t.q.desc(2, STATUS, 1, VRING_DESC_F_WRITE);
  t.q.offer(0);
  t.bus.outw(IO + VIRTIO_PCI_QUEUE_NOTIFY, 0);
  t.run();
  assert.equal(t.ram.bytes[STATUS], VIRTIO_BLK_S_IOERR);
  assert.equal(t.disk.stats.ioErrors, 1);
});

Deno.test("virtio-blk: a read-only disk offers RO and refuses writes with IOERR", () => {
  const be = new MemBlkBackend(new Uint8Array(64 * 512).fill(9), { readOnly: true });
  const t = liveDisk(be);
  assert.ok(t.bus.inl(IO + VIRTIO_PCI_HOST_FEATURES) & (1 << VIRTIO_BLK_F_RO));
  t.ram.writeBytes(DATA, new Uint8Array(512));
  assert.equal(t.request(VIRTIO_BLK_T_OUT, 0, { len: 512, write: false }).status, 1);
  assert.equal(be.bytes[0], 9, "the disk is unchanged");
  assert.equal(t.request(VIRTIO_BLK_T_IN, 0, { len: 512, write: true }).status, 0);
});

Deno.test("virtio-blk: a chain with no status byte is returned unanswered and counted", () => {
  const t = liveDisk();
  t.ram.writeBytes(HDR, emitBlkHeader({ type: VIRTIO_BLK_T_IN, ioprio: 0, sector: 0 }));
  t.q.desc(0, HDR, 16, 0);
  t.q.offer(0);
  t.bus.outw(IO + VIRTIO_PCI_QUEUE_NOTIFY, 0);
  t.run();
  assert.deepEqual(t.q.used(), { id: 0, len: 0 });
  assert.equal(t.disk.stats.badRequests, 1);
});

Deno.test("virtio-blk: a corrupt chain breaks the queue and asks for a reset, nothing thrown", () => {
  const t = liveDisk();
  t.q.desc(0, HDR, 16, VRING_DESC_F_NEXT, 0); // loops onto itself
  t.q.offer(0);
  t.bus.outw(IO + VIRTIO_PCI_QUEUE_NOTIFY, 0);
  t.run();
  assert.equal(t.q.used(), null);
  assert.equal(t.disk.transport.queues[0].faults, 1);
  assert.ok(t.bus.inb(IO + VIRTIO_PCI_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
  assert.equal(t.bus.inb(IO + VIRTIO_PCI_ISR), 2, "a configuration interrupt");
});

Deno.test("virtio-blk: a request completes after the modelled latency, and a reset drops it", () => {
  const t = liveDisk(MemBlkBackend.zeroed(64), { latencyNs: 200_000 });
  const r = t.request(VIRTIO_BLK_T_IN, 0, { len: 512, write: true });
  assert.equal(r.status, 0);
  assert.equal(t.sched.clock.now(), 200_000);
  t.ram.writeBytes(HDR, emitBlkHeader({ type: VIRTIO_BLK_T_IN, ioprio: 0, sector: 0 }));
  t.ram.bytes[STATUS] = 0xee;
  t.q.offer(0);
  t.bus.outw(IO + VIRTIO_PCI_QUEUE_NOTIFY, 0);
  t.sched.clock.advanceTo(t.sched.events.nextAt());
  t.sched.events.runDue(t.sched.clock.now()); // picked up, not yet complete
  t.bus.outb(IO + VIRTIO_PCI_STATUS, 0);
  t.run();
  assert.equal(t.ram.bytes[STATUS], 0xee, "no completion after the reset");
});

Deno.test("virtio-blk: a backend that throws completes the request with IOERR", () => {
  const be = MemBlkBackend.zeroed(8);
  be.read = () => {
    throw new Error("disk on fire");
  };
  const t = liveDisk(be);
  assert.equal(t.request(VIRTIO_BLK_T_IN, 0, { len: 512, write: true }).status, 1);
});

Deno.test("virtio-blk: the file backend reads and writes the image in place", async () => {
  const tmp = await Deno.makeTempFile({ prefix: "blk" });
  try {
    await Deno.writeFile(tmp, new Uint8Array(8 * 512 + 100).fill(3));
    const be = FileBlkBackend.open(tmp);
    assert.equal(be.sectors, 8, "a trailing partial sector is not addressable");
    assert.equal(be.readOnly, false);
    const t = liveDisk(be);
    t.ram.writeBytes(DATA, new Uint8Array(512).fill(0x5a));
    assert.equal(t.request(VIRTIO_BLK_T_OUT, 2, { len: 512, write: false }).status, 0);
    assert.equal(t.request(VIRTIO_BLK_T_FLUSH, 0).status, 0);
    assert.equal(t.request(VIRTIO_BLK_T_IN, 1, { len: 1024, write: true }).status, 0);
    const want = new Uint8Array(1024).fill(3);
    want.fill(0x5a, 512);
    assert.deepEqual(t.ram.readBytes(DATA, 1024), want);
    be.close();
    const img = await Deno.readFile(tmp);
    assert.equal(img[1024], 0x5a);
    assert.equal(img[1023], 3);
    const ro = FileBlkBackend.open(tmp, { readOnly: true });
    assert.equal(ro.readOnly, true);
    assert.throws(() => ro.write(0, new Uint8Array(512)));
    ro.close();
    assert.throws(() => FileBlkBackend.open(tmp + ".missing"), /no such file/);
  } finally {
    await Deno.remove(tmp);
  }
});
