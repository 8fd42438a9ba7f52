/**
 * com.ts — the 16550 UART driver (NetBSD's com(4)) for COM1: console input.
 *
 * Output needs no driver here (the platform's putchar writes the transmit register);
 * this driver takes the receive side: it probes the chip through its scratch register,
 * routes IRQ 4 to its handler and, on each receive interrupt, drains the FIFO into the
 * console device, where apps read it from fd 0.
 *
 * Rules: the handler runs on the interrupt thread and never blocks.
 */
import type { RumpPci } from "../kernel/hypercall/pci.ts";
import type { RumpComponent } from "../kernel/kern/component.ts";
import type { Kernel } from "../kernel/kern/kernel.ts";

export const COM1_PORT = 0x3f8;
export const COM1_IRQ = 4;

// Register offsets and bits (ns16550 data sheet).
const COM_DATA = 0, COM_IER = 1, COM_IIR = 2, COM_LCR = 3, COM_MCR = 4, COM_LSR = 5, COM_SCR = 7;
const IER_ERXRDY = 0x01;
const IIR_NOPEND = 0x01;
const LSR_RXRDY = 0x01;
const MCR_DTR = 0x01, MCR_RTS = 0x02, MCR_IENABLE = 0x08; // OUT2 gates the IRQ on a PC

/** Attaches com0 if the chip answers; returns false if nothing is at the port. */
export function comAttach(k: Kernel, pci: RumpPci, base = COM1_PORT, irq = COM1_IRQ): boolean {
  // Probe: the scratch register keeps what is written to it (absent ports read all-ones).
  pci.outb(base + COM_SCR, 0x5a);
  if (pci.inb(base + COM_SCR) !== 0x5a) return false;
  pci.outb(base + COM_SCR, 0xa5);
  if (pci.inb(base + COM_SCR) !== 0xa5) return false;
  k.printf(
    `com0 at isa0 port 0x${base.toString(16)}-0x${
      (base + 7).toString(16)
    } irq ${irq}: ns16550a, working fifo\n`,
  );
  const cookie = base;
  if (
    pci.irq_map(0, 0, 0, irq, cookie) !== 0 ||
    !pci.irq_establish(cookie, () => comIntr(k, pci, base))
  ) {
    k.printf("com0: cannot establish the interrupt; console input disabled\n");
    return true;
  }
  pci.outb(base + COM_LCR, pci.inb(base + COM_LCR) & 0x7f); // DLAB off
  pci.outb(base + COM_MCR, MCR_DTR | MCR_RTS | MCR_IENABLE);
  pci.outb(base + COM_IER, IER_ERXRDY);
  return true;
}

/** VEOF: the end-of-input character (^D). */
export const CEOF = 0x04;

/** The interrupt handler: drain the receive FIFO into the console. */
function comIntr(k: Kernel, pci: RumpPci, base: number): number {
  if (pci.inb(base + COM_IIR) & IIR_NOPEND) return 0;
  const got: number[] = [];
  while (pci.inb(base + COM_LSR) & LSR_RXRDY && got.length < 4096) {
    got.push(pci.inb(base + COM_DATA));
  }
  // ^D (VEOF) ends the input, as a terminal's line discipline does for a read: the host
  // side sends it when its stdin ends (a pipe or file drained, ^D typed at a terminal).
  const eof = got.indexOf(CEOF);
  if (eof >= 0) got.length = eof;
  if (got.length) k.consoleInput(Uint8Array.from(got));
  if (eof >= 0) k.consoleInput(null);
  return 1;
}

/** The rumpdev_com component: configures com0 after the DEV faction is up. */
export const rumpdev_com: RumpComponent = {
  name: "rumpdev_com",
  type: "DEV",
  init(k) {
    const pci = k.platform.pci;
    if (!pci) return;
    k.autoconf.push(function* () {
      if (!comAttach(k, pci)) k.printf("com0: not found at 0x3f8\n");
    });
  },
};
