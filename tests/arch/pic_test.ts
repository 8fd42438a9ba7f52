import assert from "node:assert/strict";
import { PicPair } from "../../arch/pic.ts";
import { PortBus } from "../../arch/portio.ts";

/** The sequence rumprun's platform/hw/intr.c uses; leaves only the cascade unmasked. */
function rumprunInit(bus: PortBus): void {
  bus.outb(0x20, 0x11); // ICW1: init, ICW4 follows, cascade, edge
  bus.outb(0xa0, 0x11);
  bus.outb(0x21, 32); // ICW2: vector base
  bus.outb(0xa1, 40);
  bus.outb(0x21, 4); // ICW3: slave on IRQ2
  bus.outb(0xa1, 2); // ICW3: slave id 2
  bus.outb(0x21, 1); // ICW4: 8086 mode
  bus.outb(0xa1, 1);
  bus.outb(0x21, 0xfb); // OCW1: all masked but the cascade
  bus.outb(0xa1, 0xff);
}

function setup() {
  const bus = new PortBus();
  const pic = new PicPair(bus);
  rumprunInit(bus);
  const unmask = (irq: number) => {
    const port = irq < 8 ? 0x21 : 0xa1;
    bus.outb(port, bus.inb(port) & ~(1 << (irq & 7)));
  };
  const isr = (cmd: number) => {
    bus.outb(cmd, 0x0b);
    return bus.inb(cmd);
  };
  const irr = (cmd: number) => {
    bus.outb(cmd, 0x0a);
    return bus.inb(cmd);
  };
  const pulse = (irq: number) => {
    pic.lower(irq);
    pic.raise(irq);
  };
  return { bus, pic, unmask, isr, irr, pulse };
}

Deno.test("pic: programmed like rumprun, IRQs map to vectors 32-47 and the masks read back", () => {
  const { bus, pic, unmask } = setup();
  assert.equal(bus.inb(0x21), 0xfb);
  assert.equal(bus.inb(0xa1), 0xff);
  unmask(0);
  unmask(11);
  assert.equal(bus.inb(0x21), 0xfa);
  assert.equal(bus.inb(0xa1), 0xf7);
  pic.raise(0);
  assert.equal(pic.pending(), true);
  assert.equal(pic.acknowledge(), 32);
  assert.equal(pic.pending(), false);
  bus.outb(0x20, 0x20);
  pic.raise(11);
  assert.equal(pic.acknowledge(), 43);
});

Deno.test("pic: the power-on state is the BIOS's: vectors 8 and 0x70, everything masked", () => {
  const pic = new PicPair();
  assert.equal(pic.master.vectorBase, 8);
  assert.equal(pic.slave.vectorBase, 0x70);
  pic.raise(1);
  assert.equal(pic.pending(), false);
  pic.master.writeData(0xfd);
  assert.equal(pic.pending(), true);
  assert.equal(pic.acknowledge(), 9);
});

Deno.test("pic: a masked IRQ is not delivered until unmasked", () => {
  const { pic, unmask } = setup();
  pic.raise(5);
  assert.equal(pic.pending(), false);
  unmask(5);
  assert.equal(pic.pending(), true);
  assert.equal(pic.acknowledge(), 37);
});

Deno.test("pic: OCW3 selects IRR or ISR for the next command-port read", () => {
  const { pic, unmask, isr, irr } = setup();
  unmask(3);
  unmask(4);
  pic.raise(3);
  pic.raise(4);
  assert.equal(irr(0x20), 0x18);
  assert.equal(isr(0x20), 0);
  pic.acknowledge();
  assert.equal(irr(0x20), 0x10);
  assert.equal(isr(0x20), 0x08);
});

Deno.test("pic: an IRQ in service blocks itself until a non-specific EOI", () => {
  const { bus, pic, unmask, isr, pulse } = setup();
  unmask(0);
  pic.raise(0);
  assert.equal(pic.acknowledge(), 32);
  pulse(0);
  assert.equal(pic.pending(), false, "same level in service");
  bus.outb(0x20, 0x20);
  assert.equal(isr(0x20), 0);
  assert.equal(pic.pending(), true);
  assert.equal(pic.acknowledge(), 32);
});

Deno.test("pic: a specific EOI clears the named level only", () => {
  const { bus, pic, unmask, isr } = setup();
  unmask(1);
  unmask(6);
  pic.raise(6);
  pic.acknowledge();
  bus.outb(0x20, 0x0b);
  pic.raise(1);
  pic.acknowledge();
  assert.equal(isr(0x20), 0x42);
  bus.outb(0x20, 0x60 | 6);
  assert.equal(isr(0x20), 0x02);
  bus.outb(0x20, 0x60 | 1);
  assert.equal(isr(0x20), 0);
});

Deno.test("pic: a lower-priority IRQ waits while a higher one is in service; a higher one nests", () => {
  const { bus, pic, unmask, isr } = setup();
  for (const irq of [1, 3, 5]) unmask(irq);
  pic.raise(3);
  assert.equal(pic.acknowledge(), 35);
  pic.raise(5);
  assert.equal(pic.pending(), false, "IRQ5 waits behind IRQ3");
  pic.raise(1);
  assert.equal(pic.pending(), true, "IRQ1 outranks IRQ3");
  assert.equal(pic.acknowledge(), 33);
  assert.equal(isr(0x20), 0x0a);
  bus.outb(0x20, 0x20); // ends IRQ1, the highest in service
  assert.equal(isr(0x20), 0x08);
  assert.equal(pic.pending(), false);
  bus.outb(0x20, 0x20); // ends IRQ3
  assert.equal(pic.acknowledge(), 37);
});

Deno.test("pic: a request that vanishes before INTA is a spurious IRQ 7", () => {
  const { pic, unmask, isr } = setup();
  unmask(3);
  pic.raise(3);
  assert.equal(pic.pending(), true);
  pic.lower(3);
  assert.equal(pic.acknowledge(), 39);
  assert.equal(isr(0x20), 0, "no ISR bit for a spurious interrupt");
  assert.equal(pic.spurious[7], 1);
  assert.equal(pic.delivered[7], 0);
  assert.equal(pic.pending(), false);
});

Deno.test("pic: a vanished slave request is a spurious IRQ 15; the master still needs its EOI", () => {
  const { bus, pic, unmask, isr } = setup();
  unmask(10);
  pic.raise(10);
  assert.equal(pic.pending(), true);
  pic.lower(10);
  assert.equal(pic.acknowledge(), 47);
  assert.equal(isr(0xa0), 0);
  assert.equal(isr(0x20), 0x04, "the master acknowledged the cascade input");
  assert.equal(pic.spurious[15], 1);
  bus.outb(0x20, 0x20);
  assert.equal(isr(0x20), 0);
});

Deno.test("pic: slave IRQs cascade through master IRQ2 and rank at its priority", () => {
  const { bus, pic, unmask, isr } = setup();
  for (const irq of [1, 3, 12]) unmask(irq);
  pic.raise(12);
  assert.equal(pic.acknowledge(), 44);
  assert.equal(isr(0xa0), 0x10);
  assert.equal(isr(0x20), 0x04);
  pic.raise(3);
  assert.equal(pic.pending(), false, "IRQ3 ranks below the cascade");
  pic.raise(1);
  assert.equal(pic.acknowledge(), 33, "IRQ1 ranks above the cascade");
  bus.outb(0x20, 0x20); // EOI IRQ1
  bus.outb(0xa0, 0x20); // EOI slave, then master
  bus.outb(0x20, 0x20);
  assert.equal(pic.acknowledge(), 35);
  assert.equal(pic.delivered[12], 1);
  assert.equal(pic.delivered[1], 1);
  assert.equal(pic.raised[12], 1);
});

Deno.test("pic: a higher slave IRQ waits while another slave IRQ holds the cascade", () => {
  const { bus, pic, unmask } = setup();
  unmask(9);
  unmask(14);
  pic.raise(14);
  assert.equal(pic.acknowledge(), 46);
  pic.raise(9);
  assert.equal(pic.pending(), false, "fully nested: master IRQ2 is in service");
  bus.outb(0xa0, 0x20);
  bus.outb(0x20, 0x20);
  assert.equal(pic.acknowledge(), 41);
});

Deno.test("pic: rotation commands keep the chip consistent", () => {
  const { bus, pic, unmask, isr } = setup();
  unmask(0);
  unmask(1);
  pic.raise(0);
  pic.acknowledge();
  bus.outb(0x20, 0xa0); // rotate on non-specific EOI: IRQ0 becomes lowest
  assert.equal(isr(0x20), 0);
  pic.lower(0);
  pic.raise(0);
  pic.raise(1);
  assert.equal(pic.acknowledge(), 33, "IRQ1 now outranks IRQ0");
  bus.outb(0x20, 0x20);
  bus.outb(0x20, 0xc7); // set priority: IRQ7 lowest again
  bus.outb(0x20, 0x80); // rotate in AEOI (set) and clear: harmless without AEOI
  bus.outb(0x20, 0x00);
  bus.outb(0x20, 0x40); // no-op
  pic.lower(1);
  pic.raise(1);
  assert.equal(pic.acknowledge(), 32, "fixed priority restored");
});

Deno.test("pic: automatic EOI mode sets no ISR bit", () => {
  const bus = new PortBus();
  const pic = new PicPair(bus);
  bus.outb(0x20, 0x11);
  bus.outb(0x21, 0x20);
  bus.outb(0x21, 0x04);
  bus.outb(0x21, 0x03); // 8086, AEOI
  bus.outb(0x21, 0xfe);
  pic.raise(0);
  assert.equal(pic.acknowledge(), 32);
  bus.outb(0x20, 0x0b);
  assert.equal(bus.inb(0x20), 0);
  pic.lower(0);
  pic.raise(0);
  assert.equal(pic.acknowledge(), 32);
});

Deno.test("pic: a level-triggered input (ELCR) requests again while its line stays high", () => {
  const { bus, pic, unmask } = setup();
  bus.outb(0x4d1, 0x08); // IRQ11 level-triggered
  assert.equal(bus.inb(0x4d1), 0x08);
  unmask(11);
  pic.raise(11);
  assert.equal(pic.acknowledge(), 43);
  bus.outb(0xa0, 0x20);
  bus.outb(0x20, 0x20);
  assert.equal(pic.pending(), true, "the line is still high");
  assert.equal(pic.acknowledge(), 43);
  pic.lower(11);
  bus.outb(0xa0, 0x20);
  bus.outb(0x20, 0x20);
  assert.equal(pic.pending(), false);
});

Deno.test("pic: an edge-triggered input holding its line high requests only once", () => {
  const { bus, pic, unmask } = setup();
  unmask(4);
  pic.raise(4);
  pic.acknowledge();
  bus.outb(0x20, 0x20);
  pic.raise(4);
  assert.equal(pic.pending(), false);
  assert.equal(pic.raised[4], 1);
});

Deno.test("pic: the poll command acknowledges through the command port", () => {
  const { bus, pic, unmask, isr } = setup();
  unmask(6);
  pic.raise(6);
  bus.outb(0x20, 0x0c);
  assert.equal(bus.inb(0x20), 0x86);
  assert.equal(isr(0x20), 0x40);
  bus.outb(0x20, 0x0c);
  assert.equal(bus.inb(0x20), 0x00);
});

Deno.test("pic: ICW1 restarts initialisation and clears pending state", () => {
  const { bus, pic, unmask } = setup();
  unmask(0);
  pic.raise(0);
  bus.outb(0x20, 0x11);
  assert.equal(pic.pending(), false);
  assert.equal(pic.master.initializing, true);
  bus.outb(0x21, 0x50);
  bus.outb(0x21, 0x04);
  bus.outb(0x21, 0x01);
  assert.equal(pic.master.initializing, false);
  assert.equal(bus.inb(0x21), 0, "ICW1 clears the IMR");
  pic.lower(0);
  pic.raise(0);
  assert.equal(pic.acknowledge(), 0x50);
});
