/**
 * ram.ts — guest physical memory: one ArrayBuffer, little-endian, bounds-checked.
 *
 * Devices reach it by physical address exactly as hardware does (virtqueues and packet
 * buffers live here). Rules: every access is checked against the size and an access out
 * of range throws a RangeError naming the address, never reads past the buffer.
 * `e820()` describes it the way a PC BIOS does (INT 15h, AX=E820h): low memory up to the
 * EBDA at 639 KiB, the reserved hole up to 1 MiB (EBDA, VGA, option ROMs, BIOS), then
 * usable memory to the end.
 */

/** e820 entry types (ACPI address range types). */
export const E820_USABLE = 1;
export const E820_RESERVED = 2;

export interface E820Entry {
  base: number;
  length: number;
  type: number;
}

/** End of conventional memory: 639 KiB, where the EBDA starts. */
export const LOW_MEM_END = 0x9fc00;
/** Start of extended memory. */
export const HIGH_MEM_START = 0x100000;

export const DEFAULT_RAM_BYTES = 64 * 1024 * 1024;

function hex(n: number): string {
  return "0x" + n.toString(16);
}

export class Ram {
  readonly size: number;
  readonly buffer: ArrayBuffer;
  readonly bytes: Uint8Array;
  readonly #view: DataView;

  constructor(size = DEFAULT_RAM_BYTES) {
    if (!Number.isInteger(size) || size < 2 * 1024 * 1024) {
      throw new RangeError(`RAM size ${size} must be a whole number of bytes, at least 2 MiB`);
    }
    this.size = size;
    this.buffer = new ArrayBuffer(size);
    this.bytes = new Uint8Array(this.buffer);
    this.#view = new DataView(this.buffer);
  }

  #check(addr: number, len: number): void {
    if (!(addr >= 0 && len >= 0 && addr + len <= this.size && Number.isInteger(addr))) {
      throw new RangeError(
        `physical access of ${len} bytes at ${hex(addr)} is outside RAM (${hex(this.size)} bytes)`,
      );
    }
  }

  read8(addr: number): number {
    this.#check(addr, 1);
    return this.bytes[addr];
  }

  read16(addr: number): number {
    this.#check(addr, 2);
    return this.#view.getUint16(addr, true);
  }

  read32(addr: number): number {
    this.#check(addr, 4);
    return this.#view.getUint32(addr, true);
  }

  write8(addr: number, v: number): void {
    this.#check(addr, 1);
    this.bytes[addr] = v;
  }

  write16(addr: number, v: number): void {
    this.#check(addr, 2);
    this.#view.setUint16(addr, v, true);
  }

  write32(addr: number, v: number): void {
    this.#check(addr, 4);
    this.#view.setUint32(addr, v >>> 0, true);
  }

  /** A view (not a copy) of `len` bytes at `addr`. */
  readBytes(addr: number, len: number): Uint8Array {
    this.#check(addr, len);
    return this.bytes.subarray(addr, addr + len);
  }

  writeBytes(addr: number, data: Uint8Array): void {
    this.#check(addr, data.length);
    this.bytes.set(data, addr);
  }

  /** The BIOS memory map of this RAM. */
  e820(): E820Entry[] {
    return [
      { base: 0, length: LOW_MEM_END, type: E820_USABLE },
      { base: LOW_MEM_END, length: HIGH_MEM_START - LOW_MEM_END, type: E820_RESERVED },
      { base: HIGH_MEM_START, length: this.size - HIGH_MEM_START, type: E820_USABLE },
    ];
  }
}
