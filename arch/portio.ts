/**
 * portio.ts — the x86 I/O port space (64 K ports) and the devices that claim ranges of it.
 *
 * Rules: a range belongs to one device; registering an overlapping range is an error.
 * An access is dispatched to the range holding its first port, with the port number and
 * size (1, 2, 4) — the device decides what a wide access means; a string write (`outsb`)
 * is that many byte writes, handed to a device that takes strings in one call. Nobody answering reads
 * all-ones (the ISA bus floats high) and writes vanish, as on a PC. Ranges can be
 * unregistered (a PCI BAR moving). Counters per range, and an optional trace hook.
 */

export type PortSize = 1 | 2 | 4;

export interface PortHandler {
  read(port: number, size: PortSize): number;
  write(port: number, size: PortSize, value: number): void;
  /**
   * Optional: bytes[start, end) written to `port` one after another (x86 `rep outsb`),
   * exactly as that many one-byte writes would be; the bus then dispatches once.
   */
  writeString?(port: number, bytes: Uint8Array, start: number, end: number): void;
}

export interface PortRangeStats {
  name: string;
  base: number;
  len: number;
  reads: number;
  writes: number;
}

export type PortDir = "in" | "out";
export type PortTrace = (dir: PortDir, port: number, size: PortSize, value: number) => void;

interface Range extends PortRangeStats {
  handler: PortHandler;
}

const ONES = [0, 0xff, 0xffff, 0, 0xffffffff];
const MASK = ONES;

function hex(n: number): string {
  return "0x" + n.toString(16);
}

export class PortBus {
  /** Port → range; one slot per port for O(1) dispatch. */
  #map: (Range | undefined)[] = new Array(0x10000);
  #ranges = new Map<string, Range>();
  /** Accesses nobody answered. */
  unclaimedReads = 0;
  unclaimedWrites = 0;
  /** Called after every access (reads with the value returned). */
  onAccess: PortTrace | null = null;

  /** Claims ports [base, base+len) for `handler`. Throws on overlap or a duplicate name. */
  register(name: string, base: number, len: number, handler: PortHandler): void {
    if (!Number.isInteger(base) || !Number.isInteger(len) || base < 0 || len < 1) {
      throw new RangeError(`port range ${name}: bad base ${base} or length ${len}`);
    }
    if (base + len > 0x10000) {
      throw new RangeError(`port range ${name} at ${hex(base)}+${len} is past port 0xffff`);
    }
    if (this.#ranges.has(name)) throw new Error(`port range ${name} is already registered`);
    for (let p = base; p < base + len; p++) {
      const other = this.#map[p];
      if (other) {
        throw new Error(
          `port range ${name} at ${hex(base)}+${len} overlaps ${other.name} at ${hex(other.base)}`,
        );
      }
    }
    const r: Range = { name, base, len, handler, reads: 0, writes: 0 };
    this.#ranges.set(name, r);
    for (let p = base; p < base + len; p++) this.#map[p] = r;
  }

  /** Releases a range; false if no range has that name. */
  unregister(name: string): boolean {
    const r = this.#ranges.get(name);
    if (!r) return false;
    this.#ranges.delete(name);
    for (let p = r.base; p < r.base + r.len; p++) this.#map[p] = undefined;
    return true;
  }

  /** The name of the range claiming `port`, if any. */
  owner(port: number): string | undefined {
    return this.#map[port & 0xffff]?.name;
  }

  read(port: number, size: PortSize): number {
    port &= 0xffff;
    const r = this.#map[port];
    let v: number;
    if (r) {
      r.reads++;
      v = (r.handler.read(port, size) & MASK[size]) >>> 0;
    } else {
      this.unclaimedReads++;
      v = ONES[size];
    }
    if (this.onAccess) this.onAccess("in", port, size, v);
    return v;
  }

  write(port: number, size: PortSize, value: number): void {
    port &= 0xffff;
    value = (value & MASK[size]) >>> 0;
    const r = this.#map[port];
    if (r) {
      r.writes++;
      r.handler.write(port, size, value);
    } else {
      this.unclaimedWrites++;
    }
    if (this.onAccess) this.onAccess("out", port, size, value);
  }

  /**
   * `rep outsb`: bytes[start, end) to `port`, one byte-sized write each (counted and traced
   * as such); a device that takes strings gets them in one call.
   */
  outsb(port: number, bytes: Uint8Array, start = 0, end = bytes.length): void {
    port &= 0xffff;
    const r = this.#map[port];
    if (r && r.handler.writeString && !this.onAccess) {
      r.writes += end - start;
      r.handler.writeString(port, bytes, start, end);
      return;
    }
    for (let i = start; i < end; i++) this.write(port, 1, bytes[i]);
  }

  inb(port: number): number {
    return this.read(port, 1);
  }
  inw(port: number): number {
    return this.read(port, 2);
  }
  inl(port: number): number {
    return this.read(port, 4);
  }
  outb(port: number, v: number): void {
    this.write(port, 1, v);
  }
  outw(port: number, v: number): void {
    this.write(port, 2, v);
  }
  outl(port: number, v: number): void {
    this.write(port, 4, v);
  }

  /** Access counters per registered range, in port order. */
  stats(): PortRangeStats[] {
    return [...this.#ranges.values()]
      .sort((a, b) => a.base - b.base)
      .map(({ name, base, len, reads, writes }) => ({ name, base, len, reads, writes }));
  }
}
