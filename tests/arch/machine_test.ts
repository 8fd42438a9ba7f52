import assert from "node:assert/strict";
import { createMachine, hwIdle, type Machine } from "../../arch/machine.ts";
import { hostRealtime } from "../../host/realtime.ts";

/** The platform's part: PIC at 32/40 with IRQ0 unmasked, an IRQ0 gate that sends EOI. */
function bootPlatform(m: Machine) {
  const { bus, cpu } = m;
  for (const [cmd, data, base, icw3] of [[0x20, 0x21, 32, 4], [0xa0, 0xa1, 40, 2]]) {
    bus.outb(cmd, 0x11);
    bus.outb(data, base);
    bus.outb(data, icw3);
    bus.outb(data, 0x01);
  }
  bus.outb(0x21, 0xfa); // IRQ0 and the cascade
  bus.outb(0xa1, 0xff);
  let ticks = 0;
  cpu.setGate(32, () => {
    ticks++;
    bus.outb(0x20, 0x20);
  });
  cpu.sti();
  m.sched.idle = hwIdle(m);
  return { ticks: () => ticks };
}

Deno.test("machine: a fiber sleeping 100 ms wakes through IRQ0 from the one-shot PIT", async () => {
  const m = createMachine();
  const { ticks } = bootPlatform(m);
  let woke = -1;
  m.sched.spawn("sleeper", function* () {
    yield* m.sched.sleep(100_000_000);
    woke = m.sched.clock.now();
  });
  const r = await m.sched.run();
  assert.deepEqual(r, { kind: "exited" });
  assert.ok(woke >= 100_000_000, `woke at ${woke}`);
  assert.ok(woke < 100_001_000, `woke at ${woke}, within a PIT tick of the deadline`);
  // 100 ms is more than one full count (54.9 ms): two one-shots, two IRQ0s.
  assert.equal(ticks(), 2);
  assert.equal(m.cpu.interrupts[32], 2);
  assert.equal(m.pic.delivered[0], 2);
  assert.equal(m.pit.channels[0].fired, 2);
});

Deno.test("machine: the hardware idle policy runs synchronously in virtual mode", () => {
  const m = createMachine();
  const { ticks } = bootPlatform(m);
  const wakes: number[] = [];
  m.sched.spawn("ticker", function* () {
    for (let i = 0; i < 3; i++) {
      yield* m.sched.sleep(10_000_000);
      wakes.push(m.sched.clock.now());
    }
  });
  assert.deepEqual(m.sched.runSync(), { kind: "exited" });
  assert.equal(wakes.length, 3);
  wakes.forEach((t, i) => assert.ok(t >= (i + 1) * 10_000_000));
  assert.equal(ticks(), 3);
});

Deno.test("machine: a fiber blocked forever is a deadlock, not a hang", () => {
  const m = createMachine();
  bootPlatform(m);
  m.sched.spawn("stuck", function* () {
    m.sched.prepareBlock(undefined, "nothing");
    yield* m.sched.block();
  });
  const r = m.sched.runSync();
  assert.equal(r.kind, "deadlock");
});

Deno.test("machine: the devices are on their ports and the BIOS left its memory sizes in CMOS", () => {
  const m = createMachine({ memBytes: 32 * 1024 * 1024 });
  const { bus } = m;
  assert.equal(m.ram.size, 32 * 1024 * 1024);
  const names = bus.stats().map((s) => s.name);
  assert.deepEqual(names, [
    "pic-master",
    "pit",
    "rtc",
    "pic-slave",
    "com1",
    "elcr",
    "pci-conf-addr",
    "pci-conf-data",
  ]);
  assert.deepEqual(m.pci.functions().map((f) => f.slot), [0, 1]);
  const cmos = (i: number) => {
    bus.outb(0x70, i);
    return bus.inb(0x71);
  };
  assert.equal(cmos(0x15) | cmos(0x16) << 8, 640);
  assert.equal(cmos(0x17) | cmos(0x18) << 8, 31 * 1024);
  assert.equal(cmos(0x34) | cmos(0x35) << 8, 256, "16 MiB above 16 MiB in 64 KiB blocks");
  assert.equal(cmos(0x09), 0x24, "default epoch: 2024");
});

Deno.test("machine: COM1 output goes to the console", () => {
  const out: string[] = [];
  const m = createMachine({ console: (b) => out.push(new TextDecoder().decode(b)) });
  for (const c of "boot\n") m.bus.outb(0x3f8, c.charCodeAt(0));
  assert.deepEqual(out, ["boot\n"]);
});

Deno.test("machine: a fatal trap prints its reason and halts the machine", async () => {
  const out: string[] = [];
  const m = createMachine({ console: (b) => out.push(new TextDecoder().decode(b)) });
  m.sched.spawn("faulty", function* () {
    m.bus.outb(0x3f8, 0x21); // '!' still buffered when the trap comes
    m.cpu.trap(0);
  });
  const r = await m.sched.run();
  assert.deepEqual(r, { kind: "halted", reason: "fatal trap 0 (#DE divide error)" });
  assert.deepEqual(out, ["!", "fatal trap 0 (#DE divide error)\n"]);
  assert.equal(m.halted, "fatal trap 0 (#DE divide error)");
  assert.equal(m.cpu.halted, m.halted);
});

Deno.test("machine: halt stops the CPU and the scheduler once, keeping the first reason", () => {
  const m = createMachine();
  m.halt("power off");
  m.halt("again");
  assert.equal(m.halted, "power off");
  assert.equal(m.sched.halted, "power off");
  assert.equal(m.cpu.halted, "power off");
  assert.equal(m.cpu.hlt(), false);
});

Deno.test("machine: realtime mode runs on the host clock with a waiter", () => {
  const host = hostRealtime();
  const m = createMachine({ mode: "realtime", memBytes: 4 * 1024 * 1024, host });
  assert.equal(m.sched.clock, host.clock);
  assert.equal(m.sched.clock.realtime, true);
  assert.equal(m.waiter, host.waiter);
  assert.equal(m.mode, "realtime");
});

Deno.test("machine: realtime mode without the host's clock and waiter is refused", () => {
  assert.throws(() => createMachine({ mode: "realtime" }), /needs the host's clock/);
});
