import assert from "node:assert/strict";
import { Scheduler } from "../../sched/mod.ts";
import { Pit, PIT_HZ, pitNsToTicks, pitTicksToNs } from "../../arch/pit.ts";
import { PortBus } from "../../arch/portio.ts";

function setup(startNs = 0) {
  const sched = new Scheduler();
  sched.clock.advanceTo(startNs);
  const bus = new PortBus();
  const edges: [string, number][] = [];
  const pit = new Pit(bus, sched, {
    raise: () => edges.push(["raise", sched.clock.now()]),
    lower: () => edges.push(["lower", sched.clock.now()]),
  });
  const program = (control: number, count: number) => {
    bus.outb(0x43, control);
    bus.outb(0x40, count & 0xff);
    bus.outb(0x40, (count >> 8) & 0xff);
  };
  /** Runs events until `untilNs` (virtual time); returns the times IRQ0 rose. */
  const runUntil = (untilNs: number) => {
    for (;;) {
      const next = sched.events.nextAt();
      if (next > untilNs) break;
      sched.clock.advanceTo(next);
      sched.events.runDue(next);
    }
    sched.clock.advanceTo(untilNs);
    return edges.filter(([e]) => e === "raise").map(([, t]) => t);
  };
  const latch = (ch = 0) => {
    bus.outb(0x43, ch << 6);
    const lo = bus.inb(0x40 + ch);
    return lo | bus.inb(0x40 + ch) << 8;
  };
  return { sched, bus, pit, edges, program, runUntil, latch };
}

const expected = (start: number, ticks: number) => start + Math.ceil(ticks * 1e9 / PIT_HZ);

Deno.test("pit: a mode 4 one-shot fires once, at start + ceil(count * 1e9 / 1193182) ns", () => {
  const start = 1_234_567;
  const { program, runUntil, pit, sched } = setup(start);
  program(0x38, 1193); // channel 0, LSB/MSB, mode 4
  const fires = runUntil(1e9);
  assert.deepEqual(fires, [expected(start, 1193)]);
  assert.equal(fires[0] - start, 999_848); // ceil(1193e9 / 1193182)
  assert.equal(pit.channels[0].fired, 1);
  assert.equal(sched.events.size, 0);
});

Deno.test("pit: a count of 0 means 65536", () => {
  const { program, runUntil } = setup();
  program(0x38, 0);
  assert.deepEqual(runUntil(1e9), [Math.ceil(65536e9 / PIT_HZ)]);
  assert.equal(Math.ceil(65536e9 / PIT_HZ), 54_925_402);
});

Deno.test("pit: mode 2 raises IRQ0 periodically with no drift", () => {
  const { program, runUntil } = setup(500);
  const n = 11932; // about 100 Hz
  program(0x34, n);
  const fires = runUntil(10.001e9);
  assert.equal(fires.length, 1000);
  fires.forEach((t, i) => assert.equal(t, expected(500, (i + 1) * n)));
  const periods = fires.slice(1).map((t, i) => t - fires[i]);
  assert.ok(periods.every((p) => p === 10_000_150 || p === 10_000_151));
});

Deno.test("pit: a new control word cancels the pending count", () => {
  const { program, runUntil, sched } = setup();
  program(0x38, 50000);
  runUntil(10_000_000);
  program(0x38, 1000); // reprogrammed at 10 ms
  assert.equal(sched.events.size, 1);
  const fires = runUntil(1e9);
  assert.deepEqual(fires, [expected(10_000_000, 1000)]);
});

Deno.test("pit: a count written while mode 2 runs takes effect at the next reload", () => {
  const { bus, program, runUntil } = setup();
  program(0x34, 1000);
  runUntil(500_000); // half a period
  bus.outb(0x40, 2000 & 0xff);
  bus.outb(0x40, 2000 >> 8);
  const fires = runUntil(expected(0, 1000) + pitTicksToNs(4000) + 1);
  const first = expected(0, 1000);
  assert.deepEqual(fires, [first, first + pitTicksToNs(2000), first + pitTicksToNs(4000)]);
});

Deno.test("pit: mode 0 holds OUT low until terminal count, then raises IRQ0 once", () => {
  const { program, runUntil, edges, pit } = setup();
  program(0x30, 100);
  assert.equal(pit.channels[0].out, false);
  assert.deepEqual(edges, [["lower", 0]]);
  const fires = runUntil(1e9);
  assert.deepEqual(fires, [expected(0, 100)]);
  assert.equal(pit.channels[0].out, true);
});

Deno.test("pit: the counter latch freezes the count until it is read", () => {
  const { bus, program, runUntil, latch } = setup();
  program(0x38, 60000);
  runUntil(10_000_000); // 10 ms = 11931 ticks
  assert.equal(pitNsToTicks(10_000_000), 11931);
  bus.outb(0x43, 0x00);
  runUntil(20_000_000);
  const lo = bus.inb(0x40);
  const hi = bus.inb(0x40);
  assert.equal(lo | hi << 8, 60000 - 11931);
  assert.equal(latch(), 60000 - pitNsToTicks(20_000_000));
});

Deno.test("pit: reading without a latch gives the live count, LSB then MSB", () => {
  const { bus, program, runUntil } = setup();
  program(0x34, 0x1000);
  runUntil(pitTicksToNs(0x10)); // 16 ticks
  const lo = bus.inb(0x40);
  const hi = bus.inb(0x40);
  assert.equal(lo | hi << 8, 0x1000 - 0x10);
});

Deno.test("pit: LSB-only access and BCD counts", () => {
  const { bus, runUntil } = setup();
  bus.outb(0x43, 0x19); // channel 0, LSB only, mode 4, BCD
  bus.outb(0x40, 0x99); // 99 ticks
  assert.deepEqual(runUntil(1e9), [expected(0, 99)]);
  bus.outb(0x43, 0x00);
  // (99 - 1193182 ticks) mod 10000 = 6917, of which LSB-only access shows the low digits.
  assert.equal(bus.inb(0x40), 0x17);
});

Deno.test("pit: read-back returns status and count", () => {
  const { bus, program, runUntil } = setup();
  program(0x34, 5000);
  runUntil(pitTicksToNs(100));
  bus.outb(0x43, 0xc2); // read-back: count and status of channel 0
  assert.equal(bus.inb(0x40), 0x80 | 0x30 | 2 << 1, "OUT high, LSB/MSB, mode 2");
  const lo = bus.inb(0x40);
  assert.equal(lo | bus.inb(0x40) << 8, 4900);
  bus.outb(0x43, 0x34);
  bus.outb(0x43, 0xe2); // status only
  assert.equal(bus.inb(0x40), 0x80 | 0x40 | 0x30 | 2 << 1, "null count until a count is written");
});

Deno.test("pit: channel 2 counts but raises nothing", () => {
  const { bus, runUntil, sched } = setup();
  bus.outb(0x43, 0xb4); // channel 2, LSB/MSB, mode 2
  bus.outb(0x42, 0x00);
  bus.outb(0x42, 0x10);
  assert.equal(sched.events.size, 0);
  runUntil(pitTicksToNs(0x100));
  bus.outb(0x43, 0x80);
  const lo = bus.inb(0x42);
  assert.equal(lo | bus.inb(0x42) << 8, 0x1000 - 0x100);
});

Deno.test("pit: tick conversions agree with each other far from power-on", () => {
  for (const n of [1, 65536, 9_000_001, 1e9, 123_456_789_012]) {
    const t = pitTicksToNs(n);
    assert.equal(pitNsToTicks(t), n);
    assert.equal(pitNsToTicks(t - 1), n - 1);
  }
});
