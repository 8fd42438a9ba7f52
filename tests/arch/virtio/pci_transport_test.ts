import assert from "node:assert/strict";
import {
  VIRTIO_CONFIG_S_ACKNOWLEDGE,
  VIRTIO_CONFIG_S_DRIVER,
  VIRTIO_CONFIG_S_DRIVER_OK,
  VIRTIO_CONFIG_S_NEEDS_RESET,
  VIRTIO_PCI_CONFIG,
  VIRTIO_PCI_GUEST_FEATURES,
  VIRTIO_PCI_HOST_FEATURES,
  VIRTIO_PCI_ISR,
  VIRTIO_PCI_QUEUE_NOTIFY,
  VIRTIO_PCI_QUEUE_NUM,
  VIRTIO_PCI_QUEUE_PFN,
  VIRTIO_PCI_QUEUE_SEL,
  VIRTIO_PCI_STATUS,
} from "../../../arch/virtio/pci_transport.ts";
import { VRING_DESC_F_NEXT } from "../../../arch/virtio/virtqueue.ts";
import { driverQueue, IO, netHarness } from "./harness.ts";

Deno.test("virtio-pci: the function shows the legacy virtio-net identity", () => {
  const { nic } = netHarness();
  const c = nic.pci;
  assert.equal(c.readConfig(0x00, 4), 0x10001af4);
  assert.equal(c.readConfig(0x08, 4), 0x02000000); // class 02 00 00, revision 0
  assert.equal(c.readConfig(0x2c, 4), 0x00011af4); // subsystem id 1 (net)
  assert.equal(c.readConfig(0x3c, 2), 0x010b); // INTA#, line 11
  assert.equal(c.readConfig(0x10, 4), IO | 1); // I/O BAR0
});

Deno.test("virtio-pci: host features, queue sizes and the MAC in the config space", () => {
  const { bus } = netHarness();
  assert.equal(bus.inl(IO + VIRTIO_PCI_HOST_FEATURES), (1 << 5) | (1 << 16));
  bus.outw(IO + VIRTIO_PCI_QUEUE_SEL, 1);
  assert.equal(bus.inw(IO + VIRTIO_PCI_QUEUE_NUM), 16);
  bus.outw(IO + VIRTIO_PCI_QUEUE_SEL, 2); // no control queue
  assert.equal(bus.inw(IO + VIRTIO_PCI_QUEUE_NUM), 0);
  const mac = [0, 1, 2, 3, 4, 5].map((i) => bus.inb(IO + VIRTIO_PCI_CONFIG + i));
  assert.deepEqual(mac, [0x52, 0x54, 0x00, 0x12, 0x34, 0x56]);
  assert.equal(bus.inw(IO + VIRTIO_PCI_CONFIG + 6), 1); // LINK_UP
});

Deno.test("virtio-pci: guest features keep only the bits the device offered", () => {
  const { bus, nic } = netHarness();
  bus.outl(IO + VIRTIO_PCI_GUEST_FEATURES, 0xffffffff);
  assert.equal(bus.inl(IO + VIRTIO_PCI_GUEST_FEATURES), (1 << 5) | (1 << 16));
  assert.ok(nic.transport.hasFeature(5));
});

Deno.test("virtio-pci: writing status 0 resets features, queues and ISR", () => {
  const { bus, nic } = netHarness();
  bus.outb(IO + VIRTIO_PCI_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE);
  bus.outb(IO + VIRTIO_PCI_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
  assert.equal(bus.inb(IO + VIRTIO_PCI_STATUS), 3);
  bus.outl(IO + VIRTIO_PCI_GUEST_FEATURES, 1 << 5);
  bus.outw(IO + VIRTIO_PCI_QUEUE_SEL, 0);
  bus.outl(IO + VIRTIO_PCI_QUEUE_PFN, 0x200);
  assert.equal(bus.inl(IO + VIRTIO_PCI_QUEUE_PFN), 0x200);
  nic.transport.configInterrupt();
  bus.outb(IO + VIRTIO_PCI_STATUS, 0);
  assert.equal(bus.inb(IO + VIRTIO_PCI_STATUS), 0);
  assert.equal(bus.inl(IO + VIRTIO_PCI_GUEST_FEATURES), 0);
  assert.equal(bus.inl(IO + VIRTIO_PCI_QUEUE_PFN), 0);
  assert.equal(bus.inb(IO + VIRTIO_PCI_ISR), 0);
  assert.equal(nic.transport.resets, 1);
});

Deno.test("virtio-pci: reading the ISR returns its bits, clears them and lowers the IRQ", () => {
  const { bus, nic, irq } = netHarness();
  nic.transport.configInterrupt();
  assert.ok(irq.level);
  assert.equal(bus.inb(IO + VIRTIO_PCI_ISR), 2);
  assert.ok(!irq.level);
  assert.equal(bus.inb(IO + VIRTIO_PCI_ISR), 0);
});

Deno.test("virtio-pci: a corrupt chain sets NEEDS_RESET, interrupts, and never throws", () => {
  const { bus, ram, irq, run, nic } = netHarness();
  const tx = driverQueue(ram, 16, 0x200);
  bus.outw(IO + VIRTIO_PCI_QUEUE_SEL, 1);
  bus.outl(IO + VIRTIO_PCI_QUEUE_PFN, 0x200);
  bus.outb(IO + VIRTIO_PCI_STATUS, 7);
  tx.desc(0, 0x10000, 20, VRING_DESC_F_NEXT, 0); // a chain that points at itself
  tx.offer(0);
  bus.outw(IO + VIRTIO_PCI_QUEUE_NOTIFY, 1);
  run();
  assert.equal(nic.transport.queues[1].faults, 1);
  assert.equal(
    bus.inb(IO + VIRTIO_PCI_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET,
    VIRTIO_CONFIG_S_NEEDS_RESET,
  );
  assert.ok(irq.level);
  assert.equal(bus.inb(IO + VIRTIO_PCI_ISR), 2);
  assert.ok(!nic.transport.live);
  // A reset recovers.
  bus.outb(IO + VIRTIO_PCI_STATUS, 0);
  assert.equal(bus.inb(IO + VIRTIO_PCI_STATUS), 0);
  assert.equal(nic.transport.queues[1].broken, null);
});

Deno.test("virtio-pci: bad accesses read all-ones or are ignored, and are counted", () => {
  const { bus, nic } = netHarness();
  assert.equal(bus.inb(IO + VIRTIO_PCI_HOST_FEATURES + 1), 0xff);
  bus.outb(IO + VIRTIO_PCI_GUEST_FEATURES, 0xff);
  bus.outw(IO + VIRTIO_PCI_QUEUE_NOTIFY, 9);
  assert.equal(nic.transport.badAccesses, 2);
  assert.equal(nic.transport.badNotifies, 1);
  assert.equal(bus.inl(IO + VIRTIO_PCI_GUEST_FEATURES), 0);
});

Deno.test("virtio-pci: DRIVER_OK makes the device live", () => {
  const { bus, nic } = netHarness();
  assert.ok(!nic.transport.live);
  bus.outb(IO + VIRTIO_PCI_STATUS, VIRTIO_CONFIG_S_DRIVER_OK | 3);
  assert.ok(nic.transport.live);
});
