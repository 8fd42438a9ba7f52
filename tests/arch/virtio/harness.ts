/**
 * harness.ts (test support) — a virtio-net device on a bare PCI bus with a fake PIC, and
 * a minimal driver side written straight against the registers and guest RAM.
 */
import { PCI_BAR0, PCI_COMMAND, PciBridge } from "../../../arch/pci.ts";
import { PortBus } from "../../../arch/portio.ts";
import { Ram } from "../../../arch/ram.ts";
import { VirtioNet } from "../../../arch/virtio/net.ts";
import { vringLayout } from "../../../arch/virtio/virtqueue.ts";
import { Scheduler, VirtualClock } from "../../../sched/mod.ts";

export const IO = 0xc000;

export function netHarness(opts: { queueSize?: number } = {}) {
  const ram = new Ram(4 * 1024 * 1024);
  const sched = new Scheduler({ clock: new VirtualClock() });
  const bus = new PortBus();
  const irq = { level: false, raises: 0 };
  const bridge = new PciBridge(bus, {
    raise: () => {
      irq.level = true;
      irq.raises++;
    },
    lower: () => (irq.level = false),
  });
  const nic = new VirtioNet({
    ram,
    sched,
    mac: "52:54:00:12:34:56",
    queueSize: opts.queueSize ?? 16,
  });
  bridge.attach(3, nic.pci, 0, 11);
  nic.pci.writeConfig(PCI_BAR0, 4, IO);
  nic.pci.writeConfig(PCI_COMMAND, 2, 0x5);
  /** Runs device events due now (and later, advancing the clock). */
  const run = () => {
    while (sched.events.nextAt() !== Infinity) {
      sched.clock.advanceTo(sched.events.nextAt());
      sched.events.runDue(sched.clock.now());
    }
  };
  return { ram, sched, bus, irq, nic, run };
}

/** A driver-side queue at page `pfn`, filled by hand. */
export function driverQueue(ram: Ram, size: number, pfn: number) {
  const l = vringLayout(size, pfn * 4096);
  const v = new DataView(ram.buffer);
  let availIdx = 0, lastUsed = 0;
  return {
    l,
    desc(i: number, addr: number, len: number, flags = 0, next = 0) {
      const d = l.desc + 16 * i;
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
    used(): { id: number; len: number } | null {
      if (v.getUint16(l.used + 2, true) === lastUsed) return null;
      const e = l.used + 4 + 8 * (lastUsed % size);
      lastUsed = (lastUsed + 1) & 0xffff;
      return { id: v.getUint32(e, true), len: v.getUint32(e + 4, true) };
    },
    setAvailFlags(f: number) {
      v.setUint16(l.avail, f, true);
    },
  };
}
