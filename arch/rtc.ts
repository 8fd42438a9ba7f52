/**
 * rtc.ts — the Motorola MC146818 real-time clock and CMOS RAM at ports 0x70/0x71.
 *
 * Port 0x70 selects a register (bit 7 masks NMI, as on a PC); 0x71 reads or writes it.
 * Registers 0x00–0x09 are the clock, 0x0A–0x0D the status registers, 0x0E–0x3F fifty
 * bytes of CMOS RAM, of which 0x32 is the century (IBM's place for it). The chip decodes
 * six address bits, so higher indexes alias.
 *
 * Rules:
 * - The time shown is `epochMs` (the wall clock at power-on, UTC) plus the machine clock,
 *   so it advances with virtual time and is the same on every run. Setting SET in status
 *   B freezes the time registers; the OS writes them and clearing SET runs the clock on
 *   from what was written (a field written without SET takes effect at once).
 * - Status B's DM bit (binary, else BCD) and 24/12 bit are honoured on reads and writes;
 *   the default is BCD and 24-hour. In 12-hour mode bit 7 of the hour is PM.
 * - Status A's UIP bit is set during the last 244 µs of each second. Status D has VRT
 *   (valid RAM and time) set and is read-only. Periodic, alarm and update interrupts are
 *   not generated (status C reads 0).
 */
import type { Clock } from "../sched/mod.ts";
import type { PortBus } from "./portio.ts";

export const RTC_SECONDS = 0x00;
export const RTC_MINUTES = 0x02;
export const RTC_HOURS = 0x04;
export const RTC_WEEKDAY = 0x06;
export const RTC_DAY = 0x07;
export const RTC_MONTH = 0x08;
export const RTC_YEAR = 0x09;
export const RTC_STATUS_A = 0x0a;
export const RTC_STATUS_B = 0x0b;
export const RTC_STATUS_C = 0x0c;
export const RTC_STATUS_D = 0x0d;
export const RTC_CENTURY = 0x32;

export const RTC_A_UIP = 0x80;
export const RTC_B_SET = 0x80;
export const RTC_B_DM_BINARY = 0x04;
export const RTC_B_24HR = 0x02;
export const RTC_D_VRT = 0x80;

const UIP_NS = 244_000;

function bcd(v: number): number {
  return (Math.floor(v / 10) << 4) | (v % 10);
}

function unbcd(v: number): number {
  return (v >> 4) * 10 + (v & 0xf);
}

interface Fields {
  year: number;
  month: number;
  day: number;
  weekday: number;
  hour: number;
  min: number;
  sec: number;
  ms: number;
}

export class Rtc {
  readonly clock: Clock;
  /** The CMOS bytes; clock registers are computed, the rest are kept here. */
  readonly cmos: Uint8Array = new Uint8Array(64);
  /** Bit 7 of the last index written to 0x70. */
  nmiDisabled = false;
  #index = 0;
  #offsetMs: number;
  /** The time fields while status B's SET bit stops the clock. */
  #frozen: Fields | null = null;

  constructor(bus: PortBus | null, clock: Clock, epochMs: number) {
    this.clock = clock;
    this.#offsetMs = epochMs;
    this.cmos[RTC_STATUS_A] = 0x26; // 32.768 kHz time base, 1024 Hz periodic rate
    this.cmos[RTC_STATUS_B] = RTC_B_24HR;
    bus?.register("rtc", 0x70, 2, {
      read: (port) => port === 0x70 ? this.#index | (this.nmiDisabled ? 0x80 : 0) : this.read(),
      write: (port, _size, v) => {
        if (port === 0x70) {
          this.nmiDisabled = (v & 0x80) !== 0;
          this.#index = v & 0x7f;
        } else {
          this.write(v & 0xff);
        }
      },
    });
  }

  /** Wall-clock milliseconds (UTC) the chip shows now. */
  nowMs(): number {
    return this.#offsetMs + Math.floor(this.clock.now() / 1e6);
  }

  get #binary(): boolean {
    return (this.cmos[RTC_STATUS_B] & RTC_B_DM_BINARY) !== 0;
  }

  #enc(v: number): number {
    return this.#binary ? v : bcd(v);
  }

  #dec(v: number): number {
    return this.#binary ? v : unbcd(v);
  }

  /** Reads the selected register (port 0x71). */
  read(): number {
    return this.readRegister(this.#index);
  }

  /** Writes the selected register (port 0x71). */
  write(v: number): void {
    this.writeRegister(this.#index, v);
  }

  /** The time fields shown now: the frozen ones while SET is on, else the running clock. */
  #fields(): Fields {
    if (this.#frozen) return this.#frozen;
    const d = new Date(this.nowMs());
    return {
      year: d.getUTCFullYear(),
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      weekday: d.getUTCDay() + 1, // 1 = Sunday
      hour: d.getUTCHours(),
      min: d.getUTCMinutes(),
      sec: d.getUTCSeconds(),
      ms: d.getUTCMilliseconds(),
    };
  }

  readRegister(index: number): number {
    const r = index & 0x3f;
    switch (r) {
      case RTC_SECONDS:
        return this.#enc(this.#fields().sec);
      case RTC_MINUTES:
        return this.#enc(this.#fields().min);
      case RTC_HOURS: {
        const h = this.#fields().hour;
        if (this.cmos[RTC_STATUS_B] & RTC_B_24HR) return this.#enc(h);
        return this.#enc(h % 12 === 0 ? 12 : h % 12) | (h >= 12 ? 0x80 : 0);
      }
      case RTC_WEEKDAY:
        return this.#enc(this.#fields().weekday);
      case RTC_DAY:
        return this.#enc(this.#fields().day);
      case RTC_MONTH:
        return this.#enc(this.#fields().month);
      case RTC_YEAR:
        return this.#enc(this.#fields().year % 100);
      case RTC_CENTURY:
        return this.#enc(Math.floor(this.#fields().year / 100));
      case RTC_STATUS_A: {
        const ns = (this.clock.now() % 1e9 + (this.#offsetMs % 1000) * 1e6) % 1e9;
        const uip = !this.#frozen && (ns + 1e9) % 1e9 >= 1e9 - UIP_NS;
        return (this.cmos[RTC_STATUS_A] & 0x7f) | (uip ? RTC_A_UIP : 0);
      }
      case RTC_STATUS_C:
        return 0;
      case RTC_STATUS_D:
        return RTC_D_VRT;
      default:
        return this.cmos[r]; // alarm registers and CMOS RAM
    }
  }

  writeRegister(index: number, v: number): void {
    const r = index & 0x3f;
    switch (r) {
      case RTC_SECONDS:
      case RTC_MINUTES:
      case RTC_HOURS:
      case RTC_WEEKDAY:
      case RTC_DAY:
      case RTC_MONTH:
      case RTC_YEAR:
      case RTC_CENTURY: {
        const f = this.#frozen ?? this.#fields();
        this.#setField(f, r, v);
        if (!this.#frozen) this.#resume(f);
        return;
      }
      case RTC_STATUS_B: {
        const wasSet = this.#frozen !== null;
        this.cmos[r] = v;
        if ((v & RTC_B_SET) && !wasSet) this.#frozen = this.#fields();
        else if (!(v & RTC_B_SET) && wasSet) {
          const f = this.#frozen!;
          this.#frozen = null;
          this.#resume({ ...f, ms: 0 });
        }
        return;
      }
      case RTC_STATUS_C:
      case RTC_STATUS_D:
        return;
      case RTC_STATUS_A:
        this.cmos[r] = v & 0x7f; // UIP is read-only
        return;
      default:
        this.cmos[r] = v;
    }
  }

  #setField(f: Fields, r: number, v: number): void {
    switch (r) {
      case RTC_SECONDS:
        f.sec = Math.min(59, this.#dec(v));
        return;
      case RTC_MINUTES:
        f.min = Math.min(59, this.#dec(v));
        return;
      case RTC_HOURS:
        if (this.cmos[RTC_STATUS_B] & RTC_B_24HR) f.hour = Math.min(23, this.#dec(v));
        else f.hour = (this.#dec(v & 0x7f) % 12) + (v & 0x80 ? 12 : 0);
        return;
      case RTC_WEEKDAY: // kept while SET is on; the running clock derives it from the date
        f.weekday = this.#dec(v);
        return;
      case RTC_DAY:
        f.day = Math.max(1, Math.min(31, this.#dec(v)));
        return;
      case RTC_MONTH:
        f.month = Math.max(1, Math.min(12, this.#dec(v)));
        return;
      case RTC_YEAR:
        f.year = f.year - (f.year % 100) + Math.min(99, this.#dec(v));
        return;
      case RTC_CENTURY:
        f.year = Math.min(99, this.#dec(v)) * 100 + (f.year % 100);
        return;
    }
  }

  /** Runs the clock from the fields `f` (an impossible date rolls over, as Date does). */
  #resume(f: Fields): void {
    const t = new Date(0); // Date.UTC would read years 0-99 as 1900-1999
    t.setUTCFullYear(f.year, f.month - 1, f.day);
    t.setUTCHours(f.hour, f.min, f.sec, f.ms);
    this.#offsetMs += t.getTime() - this.nowMs();
  }
}
