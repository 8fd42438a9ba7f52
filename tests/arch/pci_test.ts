import assert from "node:assert/strict";
import { i440fx, PciBridge, PciFunction, piix3 } from "../../arch/pci.ts";
import { PortBus, type PortSize } from "../../arch/portio.ts";

const addr = (slot: number, reg: number, func = 0, bus = 0) =>
  (0x80000000 | bus << 16 | slot << 11 | func << 8 | (reg & 0xfc)) >>> 0;

function setup() {
  const bus = new PortBus();
  const irqs: string[] = [];
  const pic = {
    raise: (n: number) => irqs.push(`+${n}`),
    lower: (n: number) => irqs.push(`-${n}`),
  };
  const bridge = new PciBridge(bus, pic);
  bridge.attach(0, i440fx());
  bridge.attach(1, piix3());
  const cfgRead = (slot: number, reg: number, size: PortSize = 4, func = 0) => {
    bus.outl(0xcf8, addr(slot, reg, func));
    return bus.read(0xcfc + (reg & 3), size);
  };
  const cfgWrite = (slot: number, reg: number, v: number, size: PortSize = 4, func = 0) => {
    bus.outl(0xcf8, addr(slot, reg, func));
    bus.write(0xcfc + (reg & 3), size, v);
  };
  return { bus, bridge, irqs, cfgRead, cfgWrite };
}

/** A device with an I/O BAR of 32 ports, a 4 KiB prefetchable memory BAR and INTA#. */
function testDevice(log: string[] = []) {
  return new PciFunction({
    vendor: 0x1af4,
    device: 0x1000,
    classCode: 0x020000,
    subsystemVendor: 0x1af4,
    subsystemId: 0x0001,
    interruptPin: 1,
    bars: [{ kind: "io", size: 32 }, { kind: "mem", size: 4096, prefetchable: true }],
  }, {
    ioRead: (bar, off, size) => {
      log.push(`r${bar}:${off}/${size}`);
      return 0x40 + off;
    },
    ioWrite: (bar, off, size, v) => {
      log.push(`w${bar}:${off}/${size}=${v}`);
    },
  });
}

Deno.test("pci: enumeration through 0xCF8/0xCFC finds the 440FX and the PIIX3", () => {
  const { cfgRead } = setup();
  const found: string[] = [];
  for (let slot = 0; slot < 32; slot++) {
    const id = cfgRead(slot, 0);
    if (id === 0xffffffff) continue;
    found.push(`${slot} ${id.toString(16)} class ${(cfgRead(slot, 8) >>> 8).toString(16)}`);
  }
  assert.deepEqual(found, ["0 12378086 class 60000", "1 70008086 class 60100"]);
  assert.equal(cfgRead(1, 0x0e, 1), 0x80, "PIIX3 is a multi-function device");
  assert.equal(cfgRead(1, 0, 4, 1), 0xffffffff, "but only function 0 is present");
});

Deno.test("pci: absent functions, other buses and a clear enable bit read all-ones", () => {
  const { bus, cfgRead, bridge } = setup();
  assert.equal(cfgRead(7, 0), 0xffffffff);
  assert.equal(cfgRead(7, 2, 2), 0xffff);
  bus.outl(0xcf8, addr(0, 0, 0, 1));
  assert.equal(bus.inl(0xcfc), 0xffffffff);
  bus.outl(0xcf8, 0x00000000);
  assert.equal(bus.inl(0xcfc), 0xffffffff);
  bus.outl(0xcf8, 0xffffffff);
  assert.equal(bus.inl(0xcf8), 0x80fffffc, "reserved address bits read as zero");
  assert.equal(bridge.address, 0x80fffffc);
});

Deno.test("pci: byte and word accesses reach the register at the port's offset", () => {
  const { bridge, cfgRead, cfgWrite } = setup();
  bridge.attach(3, testDevice(), 0, 11);
  assert.equal(cfgRead(3, 0, 2), 0x1af4);
  assert.equal(cfgRead(3, 2, 2), 0x1000);
  assert.equal(cfgRead(3, 0x0b, 1), 0x02, "base class");
  assert.equal(cfgRead(3, 0x2c, 4), 0x00011af4, "subsystem vendor and id");
  assert.equal(cfgRead(3, 0x3c, 1), 11, "the BIOS's interrupt line");
  assert.equal(cfgRead(3, 0x3d, 1), 1, "INTA#");
  cfgWrite(3, 0x3c, 5, 1);
  cfgWrite(3, 0x3d, 4, 1);
  cfgWrite(3, 0x00, 0xdead, 2);
  assert.equal(cfgRead(3, 0x3c, 2), 0x0105, "line writable, pin read-only");
  assert.equal(cfgRead(3, 0, 2), 0x1af4, "vendor read-only");
  cfgWrite(3, 0x04, 0xffff, 2);
  assert.equal(cfgRead(3, 0x04, 2), 0x0407, "only I/O, memory, master and INTx disable stick");
});

Deno.test("pci: BAR sizing returns ~(size-1) with the type bits", () => {
  const { bridge, cfgRead, cfgWrite } = setup();
  bridge.attach(3, testDevice());
  assert.equal(cfgRead(3, 0x10), 0x1, "an I/O BAR says so in bit 0");
  assert.equal(cfgRead(3, 0x14), 0x8, "a prefetchable 32-bit memory BAR");
  for (const reg of [0x10, 0x14, 0x18]) cfgWrite(3, reg, 0xffffffff);
  assert.equal(cfgRead(3, 0x10), 0xffffffe1);
  assert.equal(cfgRead(3, 0x14), 0xfffff008);
  assert.equal(cfgRead(3, 0x18), 0, "an unimplemented BAR stays zero");
  cfgWrite(3, 0x14, 0xfebf1234);
  assert.equal(cfgRead(3, 0x14), 0xfebf1008);
});

Deno.test("pci: programming an I/O BAR with I/O decode on maps it on the port bus, and moves it", () => {
  const { bus, bridge, cfgRead, cfgWrite } = setup();
  const log: string[] = [];
  const fn = testDevice(log);
  bridge.attach(3, fn);
  cfgWrite(3, 0x10, 0xc000);
  assert.equal(bus.owner(0xc000), undefined, "not decoded until the command register says so");
  cfgWrite(3, 0x04, 0x0001, 2);
  assert.equal(bus.owner(0xc000), "pci0:3:0.bar0");
  assert.equal(bus.owner(0xc01f), "pci0:3:0.bar0");
  assert.equal(bus.inb(0xc004), 0x44);
  bus.outw(0xc010, 0x1234);
  assert.deepEqual(log, ["r0:4/1", "w0:16/2=4660"]);
  cfgWrite(3, 0x10, 0xc101); // bit 0 is read-only, bits 4:0 of a 32-port BAR are not address
  assert.equal(cfgRead(3, 0x10), 0xc101 & ~0x1f | 1);
  assert.equal(fn.ioBase(0), 0xc100);
  assert.equal(bus.owner(0xc000), undefined);
  assert.equal(bus.inb(0xc000), 0xff);
  assert.equal(bus.inb(0xc102), 0x42);
  cfgWrite(3, 0x04, 0x0000, 2);
  assert.equal(bus.owner(0xc100), undefined, "I/O decode off unmaps it");
});

Deno.test("pci: a BAR programmed over another device's ports is left unmapped and counted", () => {
  const { bus, bridge, cfgWrite } = setup();
  bus.register("com1", 0x3f8, 8, { read: () => 0, write: () => {} });
  const fn = testDevice();
  bridge.attach(3, fn);
  cfgWrite(3, 0x10, 0x3e0);
  cfgWrite(3, 0x04, 0x0001, 2);
  assert.equal(fn.conflicts, 1);
  assert.equal(fn.ioBase(0), null);
  assert.equal(bus.owner(0x3f8), "com1");
});

Deno.test("pci: setIrq drives the PIC IRQ given at attach time, ORed with its neighbours", () => {
  const { bridge, irqs, cfgRead, cfgWrite } = setup();
  const a = testDevice();
  const b = testDevice();
  bridge.attach(3, a, 0, 11);
  bridge.attach(4, b, 0, 11);
  a.setIrq(true);
  assert.equal(cfgRead(3, 0x06, 2) & 0x08, 0x08, "status shows the interrupt");
  b.setIrq(true);
  a.setIrq(false);
  assert.deepEqual(irqs, ["+11"], "the line stays up while b holds it");
  b.setIrq(false);
  assert.deepEqual(irqs, ["+11", "-11"]);
  cfgWrite(3, 0x04, 0x0400, 2); // INTx disable
  a.setIrq(true);
  assert.deepEqual(irqs, ["+11", "-11"]);
  cfgWrite(3, 0x04, 0x0000, 2);
  assert.deepEqual(irqs, ["+11", "-11", "+11"]);
});

Deno.test("pci: functions are listed in slot order and a slot takes one function", () => {
  const { bridge } = setup();
  bridge.attach(5, testDevice());
  assert.deepEqual(bridge.functions().map((f) => [f.slot, f.func, f.fn.name]), [
    [0, 0, "pci0:0:0"],
    [1, 0, "pci0:1:0"],
    [5, 0, "pci0:5:0"],
  ]);
  assert.throws(() => bridge.attach(5, testDevice()), /taken/);
  assert.throws(() => bridge.attach(32, testDevice()), RangeError);
  assert.equal(bridge.detach(5), true);
  assert.equal(bridge.get(5), undefined);
});
