/**
 * attach.ts — plugging virtio devices into a Machine, as QEMU's `-device virtio-net-pci`
 * does: the NIC goes into PCI slot 3 by default, its INTA# routed to IRQ 11 (what a PC's
 * firmware picks for that slot), and its cable into a netdev; a virtio-blk disk goes
 * into slot 4 on IRQ 10.
 *
 * There is no BIOS to assign BARs, so this does what PC firmware (SeaBIOS) would for the
 * slot: the I/O BAR gets a base in the PCI I/O window from 0xC000 (0xC000 + slot × 0x100,
 * each slot's range aligned and apart), and I/O decoding is left to the driver.
 *
 * Rules: the machine's RAM is the device's DMA space and its scheduler runs the device's
 * events, so several machines sharing one Scheduler (createMachine's `sched` option) can
 * be wired together.
 */
import type { Machine } from "../machine.ts";
import { PCI_BAR0, type PciFunction } from "../pci.ts";
import type { Netdev } from "../netdev/netdev.ts";
import { type BlkBackend, VirtioBlk } from "./blk.ts";
import { VirtioNet } from "./net.ts";

export const VIRTIO_NET_PCI_SLOT = 3;
export const VIRTIO_NET_IRQ = 11;
/** Start of the I/O window firmware hands out to PCI I/O BARs. */
export const PCI_IO_WINDOW = 0xc000;

export interface VirtioNetAttachOptions {
  /** "52:54:00:12:34:56" (QEMU's first NIC) or six octets. */
  mac?: string | Uint8Array;
  /** The far end; can also be given later with `nic.attach(netdev)`. */
  netdev?: Netdev;
  slot?: number;
  irq?: number;
  queueSize?: number;
  linkUp?: boolean;
}

/** Builds a virtio-net NIC, plugs it into `m`'s PCI bus and connects it to the netdev. */
export function attachVirtioNet(m: Machine, opts: VirtioNetAttachOptions = {}): VirtioNet {
  const nic = new VirtioNet({
    ram: m.ram,
    sched: m.sched,
    mac: opts.mac ?? "52:54:00:12:34:56",
    queueSize: opts.queueSize,
    linkUp: opts.linkUp,
  });
  const slot = opts.slot ?? VIRTIO_NET_PCI_SLOT;
  m.pci.attach(slot, nic.pci, 0, opts.irq ?? VIRTIO_NET_IRQ);
  assignIoBars(nic.pci, slot);
  if (opts.netdev) nic.attach(opts.netdev);
  return nic;
}

/** Firmware's job: a base for each I/O BAR of the function in `slot` (256 ports per slot). */
export function assignIoBars(fn: PciFunction, slot: number): void {
  let at = PCI_IO_WINDOW + slot * 0x100;
  fn.bars.forEach((b, i) => {
    if (!b || b.kind !== "io") return;
    at = Math.ceil(at / b.size) * b.size;
    fn.writeConfig(PCI_BAR0 + 4 * i, 4, at);
    at += b.size;
  });
}

export const VIRTIO_BLK_PCI_SLOT = 4;
export const VIRTIO_BLK_IRQ = 10;

export interface VirtioBlkAttachOptions {
  /** Where the disk's sectors live (MemBlkBackend, FileBlkBackend). */
  backend: BlkBackend;
  slot?: number;
  irq?: number;
  queueSize?: number;
  /** Modelled time per request; default 0. */
  latencyNs?: number;
  serial?: string;
}

/** Builds a virtio-blk disk over `backend` and plugs it into `m`'s PCI bus (`-device virtio-blk-pci`). */
export function attachVirtioBlk(m: Machine, opts: VirtioBlkAttachOptions): VirtioBlk {
  const disk = new VirtioBlk({
    ram: m.ram,
    sched: m.sched,
    backend: opts.backend,
    queueSize: opts.queueSize,
    latencyNs: opts.latencyNs,
    serial: opts.serial,
  });
  const slot = opts.slot ?? VIRTIO_BLK_PCI_SLOT;
  m.pci.attach(slot, disk.pci, 0, opts.irq ?? VIRTIO_BLK_IRQ);
  assignIoBars(disk.pci, slot);
  return disk;
}
