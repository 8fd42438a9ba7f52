import assert from "node:assert/strict";
import { VirtualClock } from "../../sched/mod.ts";
import { PortBus } from "../../arch/portio.ts";
import { Rtc } from "../../arch/rtc.ts";

const LEAP_DAY = Date.UTC(2024, 1, 29, 13, 45, 30); // a Thursday

function setup(epochMs = LEAP_DAY) {
  const clock = new VirtualClock();
  const bus = new PortBus();
  const rtc = new Rtc(bus, clock, epochMs);
  const reg = (i: number) => {
    bus.outb(0x70, i);
    return bus.inb(0x71);
  };
  const set = (i: number, v: number) => {
    bus.outb(0x70, i);
    bus.outb(0x71, v);
  };
  const time = () => [0x32, 0x09, 0x08, 0x07, 0x06, 0x04, 0x02, 0x00].map(reg);
  return { clock, bus, rtc, reg, set, time };
}

Deno.test("rtc: shows the power-on date in BCD, 24-hour, by default", () => {
  const { time, reg } = setup();
  // century, year, month, day, weekday (1 = Sunday), hours, minutes, seconds
  assert.deepEqual(time(), [0x20, 0x24, 0x02, 0x29, 0x05, 0x13, 0x45, 0x30]);
  assert.equal(reg(0x0b), 0x02);
  assert.equal(reg(0x0d), 0x80, "VRT: the time is valid");
  assert.equal(reg(0x0a) & 0x7f, 0x26);
});

Deno.test("rtc: the time advances with the machine clock", () => {
  const { clock, time } = setup(Date.UTC(1999, 11, 31, 23, 59, 58));
  assert.deepEqual(time(), [0x19, 0x99, 0x12, 0x31, 0x06, 0x23, 0x59, 0x58]);
  clock.advanceTo(2_500_000_000);
  assert.deepEqual(time(), [0x20, 0x00, 0x01, 0x01, 0x07, 0x00, 0x00, 0x00]);
});

Deno.test("rtc: binary mode and 12-hour mode are honoured", () => {
  const { set, time, reg } = setup();
  set(0x0b, 0x06); // binary, 24-hour
  assert.deepEqual(time(), [20, 24, 2, 29, 5, 13, 45, 30]);
  set(0x0b, 0x04); // binary, 12-hour
  assert.equal(reg(0x04), 0x80 | 1, "1 PM");
  set(0x0b, 0x00); // BCD, 12-hour
  assert.equal(reg(0x04), 0x81);
});

Deno.test("rtc: setting a field without SET moves the clock at once", () => {
  const { clock, set, time } = setup();
  set(0x04, 0x08);
  assert.deepEqual(time(), [0x20, 0x24, 0x02, 0x29, 0x05, 0x08, 0x45, 0x30]);
  clock.advanceTo(1e9);
  assert.deepEqual(time().slice(5), [0x08, 0x45, 0x31]);
});

Deno.test("rtc: with SET the OS writes the time, and the clock runs on from it", () => {
  const { clock, set, time, reg } = setup();
  set(0x0b, 0x82); // SET, BCD, 24-hour: the clock stops while the OS writes
  set(0x09, 0x30); // 2030 (Feb 29 does not exist there yet: no matter while SET is on)
  set(0x08, 0x03); // March
  set(0x07, 0x15);
  set(0x04, 0x08);
  set(0x02, 0x00);
  set(0x00, 0x00);
  assert.equal(reg(0x08), 0x03);
  clock.advanceTo(5e9);
  assert.equal(reg(0x00), 0x00, "frozen while SET is on");
  set(0x0b, 0x02);
  assert.deepEqual(time(), [0x20, 0x30, 0x03, 0x15, 0x06, 0x08, 0x00, 0x00]);
  clock.advanceTo(95e9);
  assert.equal(reg(0x02), 0x01);
  assert.equal(reg(0x00), 0x30);
});

Deno.test("rtc: status A shows update-in-progress in the last 244 us of each second", () => {
  const { clock, reg } = setup(Date.UTC(2024, 0, 1));
  assert.equal(reg(0x0a) & 0x80, 0);
  clock.advanceTo(1e9 - 244_000);
  assert.equal(reg(0x0a) & 0x80, 0x80);
  clock.advanceTo(1e9);
  assert.equal(reg(0x0a) & 0x80, 0);
});

Deno.test("rtc: CMOS RAM bytes are kept, and the index port carries the NMI mask", () => {
  const { set, reg, rtc, bus } = setup();
  set(0x0e, 0xaa);
  set(0x3f, 0x55);
  set(0x10, 0x12);
  assert.deepEqual([reg(0x0e), reg(0x3f), reg(0x10)], [0xaa, 0x55, 0x12]);
  bus.outb(0x70, 0x80 | 0x0e);
  assert.equal(rtc.nmiDisabled, true);
  assert.equal(bus.inb(0x71), 0xaa);
  set(0x0d, 0x00);
  assert.equal(reg(0x0d), 0x80, "status D is read-only");
  assert.equal(reg(0x0c), 0);
});
