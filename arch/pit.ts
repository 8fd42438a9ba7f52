/**
 * pit.ts — the Intel 8254 programmable interval timer on ports 0x40–0x43.
 *
 * Three 16-bit down-counters clocked at 1 193 182 Hz; channel 0's OUT drives IRQ0.
 * Nothing ticks: a counter remembers when it was loaded and computes its count from the
 * clock, and the one moment that matters — OUT rising — is an event on `sched.events`,
 * cancelled whenever the channel is reprogrammed.
 *
 * Rules (8254 data sheet):
 * - A control word (0x43) picks channel, access (latch / LSB / MSB / LSB then MSB), mode
 *   and BCD; it stops the channel and sets OUT (low in mode 0, high otherwise).
 *   Access 00 is the counter latch command; 0xC0|... is the read-back command.
 * - A count of 0 means 65536 (10000 in BCD). Counting starts when the count is complete.
 *   OUT rises after N ticks: at load time + ceil(N * 1e9 / 1193182) ns.
 * - Mode 0 (interrupt on terminal count): OUT low, high at zero, stays high.
 *   Mode 2 (rate generator) and 3 (square wave): a rising edge every N ticks; a count
 *   written while running takes effect at the next reload.
 *   Mode 4 (software-triggered strobe): one low pulse at zero — a one-shot; the edge
 *   back to high is what IRQ0 sees. Modes 1 and 5 wait for a gate edge that channel 0
 *   never gets (its gate is tied high).
 * - Reading without a latch returns the live count; in LSB-then-MSB access reads and
 *   writes alternate bytes.
 */
import type { EventHandle, Scheduler } from "../sched/mod.ts";
import type { PortBus } from "./portio.ts";

export const PIT_HZ = 1193182;
export const PIT_PORT_BASE = 0x40;
export const PIT_CONTROL = 0x43;

const BIG_HZ = BigInt(PIT_HZ);
const BIG_1E9 = 1_000_000_000n;

/** Nanoseconds from a load until `n` ticks have passed: ceil(n * 1e9 / PIT_HZ). */
export function pitTicksToNs(n: number): number {
  if (n <= 9_000_000) return Math.ceil((n * 1e9) / PIT_HZ);
  return Number((BigInt(n) * BIG_1E9 + BIG_HZ - 1n) / BIG_HZ);
}

/** Whole ticks that have passed `dtNs` nanoseconds after a load. */
export function pitNsToTicks(dtNs: number): number {
  const dt = Math.floor(dtNs);
  if (dt <= 7_000_000_000) return Math.floor((dt * PIT_HZ) / 1e9);
  return Number((BigInt(dt) * BIG_HZ) / BIG_1E9);
}

function toBcd(v: number): number {
  return (v % 10) | (Math.floor(v / 10) % 10) << 4 | (Math.floor(v / 100) % 10) << 8 |
    (Math.floor(v / 1000) % 10) << 12;
}

function fromBcd(v: number): number {
  return (v & 0xf) + ((v >> 4) & 0xf) * 10 + ((v >> 8) & 0xf) * 100 + ((v >> 12) & 0xf) * 1000;
}

/** One counter of the 8254. */
export class PitChannel {
  mode = 0;
  /** 1: LSB only, 2: MSB only, 3: LSB then MSB. */
  access = 3;
  bcd = false;
  /** The OUT pin; high at power-on (the channel idle, nothing counting). */
  out = true;
  /** Rising edges of OUT caused by counting (interrupts, for channel 0). */
  fired = 0;
  /** The count in effect (1..65536), and when it was loaded (clock ns); null: not counting. */
  count: number | null = null;
  start = 0;

  #reloads = 0; // periods completed since `start` (modes 2 and 3)
  #nextCount: number | null = null; // a count written while running (modes 2 and 3)
  #writeMsb = false;
  #lsb = 0;
  #readMsb = false;
  #latched: number | null = null;
  #latchMsb = false;
  #status: number | null = null;
  #nullCount = true;
  #event: EventHandle | null = null;

  constructor(
    readonly index: number,
    readonly sched: Scheduler,
    readonly onOut: ((level: boolean) => void) | null,
  ) {}

  #setOut(level: boolean): void {
    if (this.out === level) return;
    this.out = level;
    this.onOut?.(level);
  }

  #cancel(): void {
    this.sched.events.cancel(this.#event);
    this.#event = null;
  }

  /** A control word for this channel (not a latch command). */
  control(access: number, mode: number, bcd: boolean): void {
    this.#cancel();
    this.access = access;
    this.mode = mode > 5 ? mode - 4 : mode; // 6 and 7 are 2 and 3
    this.bcd = bcd;
    this.count = null;
    this.#nextCount = null;
    this.#writeMsb = false;
    this.#readMsb = false;
    this.#latched = null;
    this.#status = null;
    this.#nullCount = true;
    this.#setOut(this.mode !== 0);
  }

  /** Counter latch command: freezes the count for the next read(s). */
  latchCount(): void {
    if (this.#latched === null) {
      this.#latched = this.currentCount();
      this.#latchMsb = false;
    }
  }

  /** Read-back command's status latch. */
  latchStatus(): void {
    if (this.#status === null) {
      this.#status = (this.out ? 0x80 : 0) | (this.#nullCount ? 0x40 : 0) | this.access << 4 |
        this.mode << 1 | (this.bcd ? 1 : 0);
    }
  }

  writeData(v: number): void {
    let raw: number;
    if (this.access === 1) raw = v;
    else if (this.access === 2) raw = v << 8;
    else if (!this.#writeMsb) {
      this.#lsb = v;
      this.#writeMsb = true;
      if (this.mode === 0) { // the first byte stops a mode 0 count
        this.#cancel();
        this.count = null;
        this.#setOut(false);
      }
      return;
    } else {
      this.#writeMsb = false;
      raw = this.#lsb | v << 8;
    }
    let n = this.bcd ? fromBcd(raw) : raw;
    if (n === 0) n = this.bcd ? 10000 : 65536;
    this.#load(n);
  }

  #load(n: number): void {
    this.#nullCount = false;
    const now = this.sched.clock.now();
    if ((this.mode === 2 || this.mode === 3) && this.count !== null) {
      this.#nextCount = n; // takes effect at the next reload
      return;
    }
    this.#cancel();
    this.count = n;
    this.start = now;
    this.#reloads = 0;
    if (this.mode === 0) this.#setOut(false);
    if (this.mode === 1 || this.mode === 5) return; // waits for a gate edge
    this.#schedule(n);
  }

  #schedule(ticks: number): void {
    if (!this.onOut) return; // an OUT wired to nothing needs no events
    this.#event = this.sched.events.at(this.start + pitTicksToNs(ticks), () => this.#expire());
  }

  #expire(): void {
    this.#event = null;
    this.fired++;
    switch (this.mode) {
      case 0:
        this.#setOut(true);
        return;
      case 4:
        this.#setOut(false);
        this.#setOut(true);
        return;
      default: { // 2, 3: reload and go on
        const n = this.count!;
        this.#setOut(false);
        this.#setOut(true);
        if (this.#nextCount !== null) {
          this.start += pitTicksToNs((this.#reloads + 1) * n);
          this.count = this.#nextCount;
          this.#nextCount = null;
          this.#reloads = 0;
        } else {
          this.#reloads++;
        }
        this.#schedule((this.#reloads + 1) * this.count!);
      }
    }
  }

  /** The counting element's value now (what a latch would capture), 16 bits. */
  currentCount(): number {
    const n = this.count;
    if (n === null) return 0;
    const ticks = pitNsToTicks(this.sched.clock.now() - this.start);
    let v: number;
    switch (this.mode) {
      case 2:
        v = n - (ticks % n);
        break;
      case 3: {
        const half = Math.max(1, n >> 1);
        v = n - 2 * (ticks % half);
        break;
      }
      case 1:
      case 5:
        v = n;
        break;
      default: { // 0, 4: count down through zero and wrap
        const m = this.bcd ? 10000 : 65536;
        v = ((n - ticks) % m + m) % m;
      }
    }
    v %= this.bcd ? 10000 : 65536;
    return this.bcd ? toBcd(v) : v;
  }

  readData(): number {
    if (this.#status !== null) {
      const s = this.#status;
      this.#status = null;
      return s;
    }
    if (this.#latched !== null) {
      const v = this.#latched;
      if (this.access === 1) {
        this.#latched = null;
        return v & 0xff;
      }
      if (this.access === 2) {
        this.#latched = null;
        return v >> 8;
      }
      if (!this.#latchMsb) {
        this.#latchMsb = true;
        return v & 0xff;
      }
      this.#latched = null;
      return v >> 8;
    }
    const v = this.currentCount();
    if (this.access === 1) return v & 0xff;
    if (this.access === 2) return v >> 8;
    this.#readMsb = !this.#readMsb;
    return this.#readMsb ? v & 0xff : v >> 8;
  }
}

/** The 8254 on its ports; channel 0's OUT raises and lowers IRQ0 through `irq`. */
export class Pit {
  readonly channels: readonly [PitChannel, PitChannel, PitChannel];

  constructor(
    bus: PortBus | null,
    sched: Scheduler,
    irq: { raise(): void; lower(): void },
  ) {
    this.channels = [
      new PitChannel(0, sched, (level) => level ? irq.raise() : irq.lower()),
      new PitChannel(1, sched, null),
      new PitChannel(2, sched, null),
    ];
    bus?.register("pit", PIT_PORT_BASE, 4, {
      read: (port) => port === PIT_CONTROL ? 0xff : this.channels[port - PIT_PORT_BASE].readData(),
      write: (port, _size, v) => {
        if (port === PIT_CONTROL) this.writeControl(v & 0xff);
        else this.channels[port - PIT_PORT_BASE].writeData(v & 0xff);
      },
    });
  }

  writeControl(v: number): void {
    const sc = v >> 6;
    if (sc === 3) { // read-back: bit 5 clear latches counts, bit 4 clear latches status
      for (let i = 0; i < 3; i++) {
        if (!(v & (2 << i))) continue;
        if (!(v & 0x20)) this.channels[i].latchCount();
        if (!(v & 0x10)) this.channels[i].latchStatus();
      }
      return;
    }
    const ch = this.channels[sc];
    const access = (v >> 4) & 3;
    if (access === 0) ch.latchCount();
    else ch.control(access, (v >> 1) & 7, (v & 1) !== 0);
  }
}
