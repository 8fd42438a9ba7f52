import assert from "node:assert/strict";
import type { Netdev, NetPort } from "../../../arch/netdev/netdev.ts";
import {
  VIRTIO_CONFIG_S_DRIVER_OK,
  VIRTIO_PCI_ISR,
  VIRTIO_PCI_QUEUE_NOTIFY,
  VIRTIO_PCI_QUEUE_PFN,
  VIRTIO_PCI_QUEUE_SEL,
  VIRTIO_PCI_STATUS,
} from "../../../arch/virtio/pci_transport.ts";
import { VRING_AVAIL_F_NO_INTERRUPT, VRING_DESC_F_WRITE } from "../../../arch/virtio/virtqueue.ts";
import { driverQueue, IO, netHarness } from "./harness.ts";

/** A netdev that records what the NIC sends and lets the test inject frames. */
function probe() {
  const sent: Uint8Array[] = [];
  let port: NetPort | null = null;
  const dev: Netdev = {
    connect: (p) => (port = p),
    send: (f) => sent.push(f.slice()),
  };
  return { dev, sent, inject: (f: Uint8Array) => port!.receive(f) };
}

function liveNic(opts: { status?: number } = {}) {
  const h = netHarness();
  const rx = driverQueue(h.ram, 16, 0x200);
  const tx = driverQueue(h.ram, 16, 0x210);
  h.bus.outw(IO + VIRTIO_PCI_QUEUE_SEL, 0);
  h.bus.outl(IO + VIRTIO_PCI_QUEUE_PFN, 0x200);
  h.bus.outw(IO + VIRTIO_PCI_QUEUE_SEL, 1);
  h.bus.outl(IO + VIRTIO_PCI_QUEUE_PFN, 0x210);
  h.bus.outb(IO + VIRTIO_PCI_STATUS, opts.status ?? (3 | VIRTIO_CONFIG_S_DRIVER_OK));
  const p = probe();
  h.nic.attach(p.dev);
  return { ...h, rx, tx, p };
}

const FRAME = Uint8Array.from({ length: 60 }, (_, i) => i);

Deno.test("virtio-net: transmit strips the 10-byte header and hands the frame to the netdev", () => {
  const t = liveNic();
  t.ram.writeBytes(0x30000, new Uint8Array(10).fill(0xee)); // header (ignored)
  t.ram.writeBytes(0x3000a, FRAME);
  t.tx.desc(0, 0x30000, 70);
  t.tx.offer(0);
  t.bus.outw(IO + VIRTIO_PCI_QUEUE_NOTIFY, 1);
  assert.equal(t.p.sent.length, 0, "nothing happens inside the port write");
  t.run();
  assert.deepEqual(t.p.sent, [FRAME]);
  assert.deepEqual(t.tx.used(), { id: 0, len: 0 });
  assert.ok(t.irq.level);
  assert.equal(t.bus.inb(IO + VIRTIO_PCI_ISR), 1);
  assert.equal(t.nic.stats.txFrames, 1);
  assert.equal(t.nic.stats.txBytes, 60);
});

Deno.test("virtio-net: a transmit queue with interrupts suppressed raises none", () => {
  const t = liveNic();
  t.tx.setAvailFlags(VRING_AVAIL_F_NO_INTERRUPT);
  t.tx.desc(0, 0x30000, 70);
  t.tx.offer(0);
  t.bus.outw(IO + VIRTIO_PCI_QUEUE_NOTIFY, 1);
  t.run();
  assert.equal(t.p.sent.length, 1);
  assert.ok(!t.irq.level);
});

Deno.test("virtio-net: a chain shorter than the header is a transmit error", () => {
  const t = liveNic();
  t.tx.desc(0, 0x30000, 6);
  t.tx.offer(0);
  t.bus.outw(IO + VIRTIO_PCI_QUEUE_NOTIFY, 1);
  t.run();
  assert.equal(t.p.sent.length, 0);
  assert.equal(t.nic.stats.txErrors, 1);
  assert.deepEqual(t.tx.used(), { id: 0, len: 0 });
});

Deno.test("virtio-net: a received frame lands after a zeroed header in the next buffer", () => {
  const t = liveNic();
  t.ram.writeBytes(0x40000, new Uint8Array(16).fill(0xaa));
  t.rx.desc(4, 0x40000, 2048, VRING_DESC_F_WRITE);
  t.rx.offer(4);
  t.p.inject(FRAME);
  assert.deepEqual(t.rx.used(), { id: 4, len: 70 });
  assert.deepEqual([...t.ram.readBytes(0x40000, 10)], new Array(10).fill(0));
  assert.deepEqual(t.ram.readBytes(0x4000a, 60), FRAME);
  assert.ok(t.irq.level);
  assert.equal(t.nic.stats.rxFrames, 1);
});

Deno.test("virtio-net: with no receive buffer posted the frame is an overrun", () => {
  const t = liveNic();
  t.p.inject(FRAME);
  assert.equal(t.nic.stats.rxOverruns, 1);
  assert.ok(!t.irq.level);
});

Deno.test("virtio-net: a buffer too small stays posted and the frame is dropped", () => {
  const t = liveNic();
  t.rx.desc(0, 0x40000, 32, VRING_DESC_F_WRITE);
  t.rx.offer(0);
  t.p.inject(FRAME);
  assert.equal(t.nic.stats.rxTooBig, 1);
  assert.equal(t.rx.used(), null);
  t.p.inject(FRAME.subarray(0, 14));
  assert.deepEqual(t.rx.used(), { id: 0, len: 24 });
});

Deno.test("virtio-net: nothing is received before DRIVER_OK", () => {
  const t = liveNic({ status: 3 });
  t.rx.desc(0, 0x40000, 2048, VRING_DESC_F_WRITE);
  t.rx.offer(0);
  t.p.inject(FRAME);
  assert.equal(t.nic.stats.rxDropped, 1);
  assert.equal(t.rx.used(), null);
});

Deno.test("virtio-net: a link change raises a configuration interrupt and shows in the status", () => {
  const t = liveNic();
  t.bus.outl(IO + 0x04, 1 << 16); // accept STATUS
  t.nic.setLink(false);
  assert.ok(t.irq.level);
  assert.equal(t.bus.inb(IO + VIRTIO_PCI_ISR), 2);
  assert.equal(t.bus.inw(IO + 0x14 + 6), 0);
  t.p.inject(FRAME);
  assert.equal(t.nic.stats.rxDropped, 1);
});
