import assert from "node:assert/strict";
import { Scheduler } from "../../sched/mod.ts";
import { Cpu, CpuHalted, type TrapFrame, vectorName } from "../../arch/cpu.ts";
import { PicPair } from "../../arch/pic.ts";
import { HostWaiter } from "../../host/realtime.ts";

function setup() {
  const sched = new Scheduler();
  const pic = new PicPair();
  // Vectors 32-47, everything unmasked, as a platform would program it.
  for (const [chip, base, icw3] of [[pic.master, 32, 4], [pic.slave, 40, 2]] as const) {
    chip.writeCommand(0x11);
    chip.writeData(base);
    chip.writeData(icw3);
    chip.writeData(0x01);
    chip.writeData(0x00);
  }
  const halts: string[] = [];
  const cpu = new Cpu({ sched, pic, halt: (r) => halts.push(r) });
  return { sched, pic, cpu, halts };
}

Deno.test("cpu: vectors 0-31 have their architectural names", () => {
  assert.equal(vectorName(0), "#DE divide error");
  assert.equal(vectorName(2), "NMI non-maskable interrupt");
  assert.equal(vectorName(8), "#DF double fault");
  assert.equal(vectorName(9), "coprocessor segment overrun");
  assert.equal(vectorName(13), "#GP general protection");
  assert.equal(vectorName(14), "#PF page fault");
  assert.equal(vectorName(15), "reserved");
  assert.equal(vectorName(18), "#MC machine check");
  assert.equal(vectorName(19), "#XM SIMD floating-point exception");
  assert.equal(vectorName(20), "#VE virtualization exception");
  assert.equal(vectorName(32), "interrupt 0x20");
});

Deno.test("cpu: an interrupt is delivered only with IF set, to its gate, with IF clear inside", () => {
  const { pic, cpu } = setup();
  const seen: [number, boolean, boolean][] = [];
  cpu.setGate(33, (f) => seen.push([f.vector, f.external, cpu.interruptsEnabled]));
  pic.raise(1);
  assert.equal(cpu.interruptsEnabled, false);
  assert.equal(cpu.deliver(), false);
  cpu.sti();
  assert.equal(cpu.deliver(), true);
  assert.deepEqual(seen, [[33, true, false]]);
  assert.equal(cpu.interruptsEnabled, true, "IF restored after the handler");
  assert.equal(cpu.deliver(), false);
  assert.equal(cpu.interrupts[33], 1);
  cpu.cli();
  assert.equal(cpu.interruptsEnabled, false);
});

Deno.test("cpu: a trap calls its gate with the info given", () => {
  const { cpu } = setup();
  let frame: TrapFrame | null = null;
  cpu.setGate(14, (f) => frame = f);
  cpu.trap(14, { address: 0xdead });
  assert.deepEqual(frame, { vector: 14, external: false, info: { address: 0xdead } });
  assert.equal(cpu.interrupts[14], 1);
});

Deno.test("cpu: an unhandled trap is fatal and names the vector", () => {
  const { cpu, halts } = setup();
  assert.throws(() => cpu.trap(6), CpuHalted);
  assert.deepEqual(halts, ["fatal trap 6 (#UD invalid opcode)"]);
  assert.equal(cpu.halted, "fatal trap 6 (#UD invalid opcode)");
  assert.throws(() => cpu.trap(3), CpuHalted);
  assert.equal(halts.length, 1, "the halt callback runs once");
});

Deno.test("cpu: a double fault or machine check is fatal even with a gate", () => {
  for (
    const [v, msg] of [[8, "fatal trap 8 (#DF double fault)"], [
      18,
      "fatal trap 18 (#MC machine check)",
    ]] as const
  ) {
    const { cpu, halts } = setup();
    let called = false;
    cpu.setGate(v, () => called = true);
    assert.throws(() => cpu.trap(v), (e: Error) => e instanceof CpuHalted && e.message === msg);
    assert.equal(called, false);
    assert.deepEqual(halts, [msg]);
  }
});

Deno.test("cpu: an interrupt on an empty gate halts the CPU", () => {
  const { pic, cpu, halts } = setup();
  cpu.sti();
  pic.raise(3);
  assert.equal(cpu.deliver(), true);
  assert.deepEqual(halts, ["fatal trap 35 (interrupt 0x23)"]);
  pic.raise(4);
  assert.equal(cpu.deliver(), false, "a halted CPU takes nothing");
});

Deno.test("cpu: hlt runs events in virtual time until an interrupt arrives", () => {
  const { sched, pic, cpu } = setup();
  let got = 0;
  cpu.setGate(32, () => {
    got++;
    pic.master.writeCommand(0x20);
  });
  cpu.sti();
  const log: number[] = [];
  sched.events.at(1_000, () => log.push(sched.clock.now()));
  sched.events.at(5_000, () => pic.raise(0));
  sched.events.at(9_000, () => log.push(sched.clock.now()));
  assert.equal(cpu.hlt(), true);
  assert.equal(sched.clock.now(), 5_000);
  assert.deepEqual(log, [1_000]);
  assert.equal(got, 1);
  assert.equal(cpu.hlt(), false, "the queue runs dry with no interrupt");
  assert.equal(sched.clock.now(), 9_000);
  assert.equal(cpu.halts, 2);
});

Deno.test("cpu: hlt delivers an interrupt already pending without moving time", () => {
  const { sched, pic, cpu } = setup();
  cpu.setGate(36, () => {});
  cpu.sti();
  pic.raise(4);
  sched.events.at(100, () => {});
  assert.equal(cpu.hlt(), true);
  assert.equal(sched.clock.now(), 0);
});

Deno.test("cpu: hlt with IF clear cannot be woken and reports false once events run out", () => {
  const { sched, pic, cpu } = setup();
  cpu.setGate(32, () => {});
  sched.events.at(10, () => pic.raise(0));
  assert.equal(cpu.hlt(), false);
  assert.equal(pic.pending(), true);
});

/** A realtime clock the test moves by hand: no host time is read. */
function fakeRealtime() {
  let ns = 0;
  return {
    clock: { realtime: true, now: () => ns, advanceTo: () => {} },
    set: (v: number) => ns = v,
  };
}

Deno.test("cpu: in realtime mode hlt waits for a host kick while host sources are open", async () => {
  const rt = fakeRealtime();
  const sched = new Scheduler({ clock: rt.clock });
  const pic = new PicPair();
  pic.master.writeData(0x00);
  const waiter = new HostWaiter(rt.clock);
  const cpu = new Cpu({ sched, pic, waiter, halt: () => {} });
  let got = 0;
  cpu.setGate(8 + 3, () => got++);
  cpu.sti();
  waiter.openSource();
  const p = cpu.hlt();
  assert.ok(p instanceof Promise);
  // A host I/O source: input arrives, the device raises IRQ3, the waiter is kicked.
  queueMicrotask(() => {
    pic.raise(3);
    waiter.kick();
  });
  assert.equal(await p, true);
  assert.equal(got, 1);
  waiter.closeSource();
  assert.equal(await cpu.hlt(), false, "no sources, no events: nothing can happen");
});

Deno.test("cpu: in realtime mode hlt runs events as the host clock reaches them", async () => {
  const rt = fakeRealtime();
  const sched = new Scheduler({ clock: rt.clock });
  const pic = new PicPair();
  pic.master.writeData(0x00);
  const waiter = new HostWaiter(rt.clock);
  const cpu = new Cpu({ sched, pic, waiter, halt: () => {} });
  cpu.setGate(8, () => {});
  cpu.sti();
  sched.events.at(2_000_000, () => pic.raise(0));
  rt.set(2_000_000); // the host clock has already passed the event
  assert.equal(await cpu.hlt(), true);
});

Deno.test("cpu: a realtime clock without a waiter is refused", () => {
  const rt = fakeRealtime();
  assert.throws(
    () =>
      new Cpu({ sched: new Scheduler({ clock: rt.clock }), pic: new PicPair(), halt: () => {} }),
    /HostWaiter/,
  );
});
