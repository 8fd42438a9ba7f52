/**
 * pci.ts — the kernel's PCI bus driver (NetBSD's pci(4) autoconfiguration): walks bus 0
 * through the configuration hypercalls, matches each function against the registered
 * drivers and attaches the best match, printing the lines a NetBSD boot shows:
 *   vioif0 at pci0 dev 3 function 0: Qumranet Virtio Network Device (rev. 0x00)
 *   vendor 0x8086 product 0x7000 (ISA bridge, revision 0x00) at pci0 dev 1 function 0 not configured
 *
 * Rules: drivers reach their device only through the RumpPci hypercalls (config space,
 * port I/O, IRQ establish, DMA memory). Drivers register in their DEV component's init;
 * `pciAutoconf` runs once after every DEV component is initialised.
 */
import type { RumpPci } from "../kernel/hypercall/pci.ts";
import type { Blocking } from "../kernel/hypercall/rumpuser.ts";
import type { Kernel } from "../kernel/kern/kernel.ts";
import { describeConfigured, describeUnconfigured } from "./pcidevs.ts";

// Configuration space registers (PCI Local Bus 3.0 §6.1).
export const PCI_ID_REG = 0x00;
export const PCI_COMMAND_STATUS_REG = 0x04;
export const PCI_CLASS_REG = 0x08;
export const PCI_BHLC_REG = 0x0c;
export const PCI_BAR0 = 0x10;
export const PCI_SUBSYS_ID_REG = 0x2c;
export const PCI_INTERRUPT_REG = 0x3c;

export const PCI_COMMAND_IO_ENABLE = 0x0001;
export const PCI_COMMAND_MEM_ENABLE = 0x0002;
export const PCI_COMMAND_MASTER_ENABLE = 0x0004;

/** What a driver's match and attach see of a function (struct pci_attach_args). */
export interface PciAttachArgs {
  readonly pci: RumpPci;
  readonly bus: number;
  readonly dev: number;
  readonly fun: number;
  readonly vendor: number;
  readonly product: number;
  readonly class: number;
  readonly subclass: number;
  readonly revision: number;
  readonly subsysVendor: number;
  readonly subsysId: number;
  /** Interrupt line the firmware routed the function to, and its pin (1 = INTA). */
  readonly intrLine: number;
  readonly intrPin: number;
}

export interface PciDriver {
  /** Driver name; units are named name0, name1, ... */
  readonly name: string;
  /** 0 for no match; higher wins. */
  match(pa: PciAttachArgs): number;
  /** Attaches the device as `unit`; prints its own details after the attach line. */
  attach(k: Kernel, pa: PciAttachArgs, unit: string): Blocking<void>;
}

export function confRead(pa: PciAttachArgs, reg: number): number {
  return pa.pci.confread(pa.bus, pa.dev, pa.fun, reg) >>> 0;
}

export function confWrite(pa: PciAttachArgs, reg: number, v: number): void {
  pa.pci.confwrite(pa.bus, pa.dev, pa.fun, reg, v >>> 0);
}

/** Enables I/O decoding and bus mastering on the function (what a driver does before use). */
export function enableDevice(pa: PciAttachArgs): void {
  const cs = confRead(pa, PCI_COMMAND_STATUS_REG);
  confWrite(
    pa,
    PCI_COMMAND_STATUS_REG,
    (cs & 0xffff) | PCI_COMMAND_IO_ENABLE | PCI_COMMAND_MEM_ENABLE | PCI_COMMAND_MASTER_ENABLE,
  );
}

/** The I/O port base of BAR `n` (an I/O BAR); 0 if it is not an I/O BAR. */
export function ioBar(pa: PciAttachArgs, n: number): number {
  const v = confRead(pa, PCI_BAR0 + 4 * n);
  return v & 1 ? v & 0xfffc : 0;
}

const registries = new WeakMap<Kernel, PciDriver[]>();

/** Registers a driver (called from a DEV component's init). */
export function pciRegisterDriver(k: Kernel, d: PciDriver): void {
  const list = registries.get(k) ?? [];
  list.push(d);
  registries.set(k, list);
}

export interface PciFound {
  pa: PciAttachArgs;
  unit: string | null;
}

/** Walks bus 0 and attaches drivers; returns every function found. */
export function* pciAutoconf(k: Kernel, pci: RumpPci): Blocking<PciFound[]> {
  const drivers = registries.get(k) ?? [];
  const units = new Map<string, number>();
  const found: PciFound[] = [];
  k.printf("pci0 at mainbus0 bus 0: configuration mode 1\n");
  for (let dev = 0; dev < 32; dev++) {
    const nfun = functionsOf(pci, dev);
    for (let fun = 0; fun < nfun; fun++) {
      const id = pci.confread(0, dev, fun, PCI_ID_REG) >>> 0;
      const vendor = id & 0xffff;
      if (vendor === 0xffff || vendor === 0) continue;
      const cls = pci.confread(0, dev, fun, PCI_CLASS_REG) >>> 0;
      const ss = pci.confread(0, dev, fun, PCI_SUBSYS_ID_REG) >>> 0;
      const intr = pci.confread(0, dev, fun, PCI_INTERRUPT_REG) >>> 0;
      const pa: PciAttachArgs = {
        pci,
        bus: 0,
        dev,
        fun,
        vendor,
        product: id >>> 16,
        class: cls >>> 24,
        subclass: (cls >>> 16) & 0xff,
        revision: cls & 0xff,
        subsysVendor: ss & 0xffff,
        subsysId: ss >>> 16,
        intrLine: intr & 0xff,
        intrPin: (intr >>> 8) & 0xff,
      };
      let best: PciDriver | null = null, score = 0;
      for (const d of drivers) {
        const s = d.match(pa);
        if (s > score) [best, score] = [d, s];
      }
      const where = `pci0 dev ${dev} function ${fun}`;
      if (!best) {
        k.printf(
          `${
            describeUnconfigured(vendor, pa.product, pa.class, pa.subclass, pa.revision)
          } at ${where} not configured\n`,
        );
        found.push({ pa, unit: null });
        continue;
      }
      const n = units.get(best.name) ?? 0;
      units.set(best.name, n + 1);
      const unit = `${best.name}${n}`;
      k.printf(`${unit} at ${where}: ${describeConfigured(vendor, pa.product, pa.revision)}\n`);
      yield* best.attach(k, pa, unit);
      found.push({ pa, unit });
    }
  }
  return found;
}

/** 8 for a multi-function device (header type bit 7), else 1. */
function functionsOf(pci: RumpPci, dev: number): number {
  const id = pci.confread(0, dev, 0, PCI_ID_REG) >>> 0;
  if ((id & 0xffff) === 0xffff) return 0;
  const bhlc = pci.confread(0, dev, 0, PCI_BHLC_REG) >>> 0;
  return (bhlc >>> 16) & 0x80 ? 8 : 1;
}
