/**
 * multiboot.ts — the Multiboot 1 information block: the boot loader writes it into RAM,
 * the kernel reads it back from RAM alone (Multiboot Specification 0.6.96 §3.3).
 *
 * Layout written here (all below 1 MiB, in usable low memory):
 *   0x9000            the info block (116 bytes, zero where a field is not provided)
 *   after it          the command line, the boot loader name and module strings (NUL-
 *                     terminated), then the module list (16 bytes each) and the memory
 *                     map (24 bytes each), 4-byte aligned; everything ends below 0x10000
 *   0x100000 and up   module data, each module page-aligned (as GRUB does when the
 *                     kernel asks), unless `moduleBase` says otherwise
 * The kernel must treat [mod_start, mod_end) as taken; `modulesEnd` says where they stop.
 *
 * Rules: the reader trusts nothing — every pointer, count and length is checked against
 * RAM and against sane limits, and a bad block gives an Error saying what is wrong.
 */
import type { E820Entry, Ram } from "./ram.ts";
import { E820_USABLE, HIGH_MEM_START } from "./ram.ts";

export const MULTIBOOT_BOOTLOADER_MAGIC = 0x2badb002;

export const MULTIBOOT_INFO_MEMORY = 0x001;
export const MULTIBOOT_INFO_BOOTDEV = 0x002;
export const MULTIBOOT_INFO_CMDLINE = 0x004;
export const MULTIBOOT_INFO_MODS = 0x008;
export const MULTIBOOT_INFO_MEM_MAP = 0x040;
export const MULTIBOOT_INFO_BOOT_LOADER_NAME = 0x200;

/** Where the info block goes, and where its low-memory area ends. */
export const MULTIBOOT_INFO_ADDR = 0x9000;
export const MULTIBOOT_LOW_END = 0x10000;
export const MULTIBOOT_MODULE_BASE = 0x100000;

const INFO_SIZE = 116;
const MOD_SIZE = 16;
const MMAP_ENTRY_SIZE = 24; // size field (4) + 20
const MAX_STRING = 65536;
const MAX_MODS = 1024;
const MAX_MMAP_BYTES = 65536;

// Field offsets in the info block.
const F_FLAGS = 0;
const F_MEM_LOWER = 4;
const F_MEM_UPPER = 8;
const F_CMDLINE = 16;
const F_MODS_COUNT = 20;
const F_MODS_ADDR = 24;
const F_MMAP_LENGTH = 44;
const F_MMAP_ADDR = 48;
const F_BOOT_LOADER_NAME = 64;

export interface MultibootModuleSpec {
  data: Uint8Array;
  /** The module's string (conventionally its name and arguments). */
  string: string;
}

export interface MultibootOptions {
  cmdline: string;
  modules?: MultibootModuleSpec[];
  /** Defaults to `ram.e820()`. */
  mmap?: E820Entry[];
  bootLoaderName?: string;
  /** Where module data starts (page-aligned, at or above 1 MiB). */
  moduleBase?: number;
}

export interface MultibootWritten {
  infoAddr: number;
  /** The value a Multiboot loader leaves in EAX. */
  magic: number;
  /** First byte after the last module (or `moduleBase` without modules). */
  modulesEnd: number;
}

export interface MultibootModule {
  start: number;
  end: number;
  string: string;
  /** A view of the module's bytes in RAM. */
  data: Uint8Array;
}

export interface MultibootInfo {
  flags: number;
  memLowerKiB: number | null;
  memUpperKiB: number | null;
  cmdline: string | null;
  bootLoaderName: string | null;
  modules: MultibootModule[];
  mmap: E820Entry[];
}

function hex(n: number): string {
  return "0x" + n.toString(16);
}

function align(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

/** Lays out the info block, strings, module list, memory map and module data in RAM. */
export function writeMultibootInfo(ram: Ram, opts: MultibootOptions): MultibootWritten {
  const enc = new TextEncoder();
  const mmap = opts.mmap ?? ram.e820();
  const modules = opts.modules ?? [];
  let at = MULTIBOOT_INFO_ADDR + INFO_SIZE;
  const fits = (len: number, what: string) => {
    if (at + len > MULTIBOOT_LOW_END) {
      throw new RangeError(`multiboot: ${what} does not fit below ${hex(MULTIBOOT_LOW_END)}`);
    }
  };
  const putString = (s: string, what: string): number => {
    const b = enc.encode(s);
    if (b.includes(0)) throw new Error(`multiboot: ${what} contains a NUL byte`);
    fits(b.length + 1, what);
    const addr = at;
    ram.writeBytes(addr, b);
    ram.write8(addr + b.length, 0);
    at += b.length + 1;
    return addr;
  };

  ram.bytes.fill(0, MULTIBOOT_INFO_ADDR, MULTIBOOT_INFO_ADDR + INFO_SIZE);
  const info = MULTIBOOT_INFO_ADDR;
  let flags = MULTIBOOT_INFO_MEMORY | MULTIBOOT_INFO_CMDLINE | MULTIBOOT_INFO_MODS |
    MULTIBOOT_INFO_MEM_MAP;

  // mem_lower: usable KiB from 0; mem_upper: usable KiB from 1 MiB to the first hole.
  const low = mmap.find((e) => e.type === E820_USABLE && e.base === 0);
  const high = mmap.find((e) =>
    e.type === E820_USABLE && e.base <= HIGH_MEM_START && e.base + e.length > HIGH_MEM_START
  );
  ram.write32(info + F_MEM_LOWER, low ? Math.floor(low.length / 1024) : 0);
  ram.write32(
    info + F_MEM_UPPER,
    high ? Math.floor((high.base + high.length - HIGH_MEM_START) / 1024) : 0,
  );

  ram.write32(info + F_CMDLINE, putString(opts.cmdline, "the command line"));
  if (opts.bootLoaderName !== undefined) {
    flags |= MULTIBOOT_INFO_BOOT_LOADER_NAME;
    ram.write32(info + F_BOOT_LOADER_NAME, putString(opts.bootLoaderName, "the loader name"));
  }
  const modStrings = modules.map((m, i) => putString(m.string, `module ${i}'s string`));

  // Module data, page-aligned from moduleBase.
  const base = opts.moduleBase ?? MULTIBOOT_MODULE_BASE;
  if (base < HIGH_MEM_START || base % 4096 !== 0) {
    throw new RangeError(`multiboot: module base ${hex(base)} must be page-aligned above 1 MiB`);
  }
  let dataAt = base;
  const placed = modules.map((m, i) => {
    const start = align(dataAt, 4096);
    if (start + m.data.length > ram.size) {
      throw new RangeError(`multiboot: module ${i} (${m.data.length} bytes) does not fit in RAM`);
    }
    ram.writeBytes(start, m.data);
    dataAt = start + m.data.length;
    return { start, end: dataAt };
  });

  at = align(at, 4);
  fits(modules.length * MOD_SIZE, "the module list");
  const modsAddr = at;
  placed.forEach((p, i) => {
    const e = modsAddr + i * MOD_SIZE;
    ram.write32(e, p.start);
    ram.write32(e + 4, p.end);
    ram.write32(e + 8, modStrings[i]);
    ram.write32(e + 12, 0);
  });
  at += modules.length * MOD_SIZE;
  ram.write32(info + F_MODS_COUNT, modules.length);
  ram.write32(info + F_MODS_ADDR, modsAddr);

  fits(mmap.length * MMAP_ENTRY_SIZE, "the memory map");
  const mmapAddr = at;
  mmap.forEach((m, i) => {
    const e = mmapAddr + i * MMAP_ENTRY_SIZE;
    ram.write32(e, MMAP_ENTRY_SIZE - 4);
    ram.write32(e + 4, m.base % 2 ** 32);
    ram.write32(e + 8, Math.floor(m.base / 2 ** 32));
    ram.write32(e + 12, m.length % 2 ** 32);
    ram.write32(e + 16, Math.floor(m.length / 2 ** 32));
    ram.write32(e + 20, m.type);
  });
  at += mmap.length * MMAP_ENTRY_SIZE;
  ram.write32(info + F_MMAP_LENGTH, mmap.length * MMAP_ENTRY_SIZE);
  ram.write32(info + F_MMAP_ADDR, mmapAddr);

  ram.write32(info + F_FLAGS, flags);
  return { infoAddr: info, magic: MULTIBOOT_BOOTLOADER_MAGIC, modulesEnd: dataAt };
}

/** Parses a Multiboot info block at `addr` from RAM; a malformed block throws an Error. */
export function readMultibootInfo(ram: Ram, addr: number): MultibootInfo {
  const need = (a: number, len: number, what: string) => {
    if (!(Number.isInteger(a) && a >= 0 && a + len <= ram.size)) {
      throw new Error(`multiboot info: ${what} at ${hex(a)} (+${len}) is outside RAM`);
    }
  };
  const u32 = (a: number, what: string) => {
    need(a, 4, what);
    return ram.read32(a);
  };
  const u64 = (a: number, what: string) => {
    const hi = u32(a + 4, what);
    if (hi > 0x1fffff) throw new Error(`multiboot info: ${what} at ${hex(a)} is beyond 2^53`);
    return hi * 2 ** 32 + u32(a, what);
  };
  const dec = new TextDecoder();
  const cstring = (a: number, what: string): string => {
    need(a, 1, what);
    const limit = Math.min(ram.size, a + MAX_STRING);
    const end = ram.bytes.subarray(a, limit).indexOf(0);
    if (end < 0) throw new Error(`multiboot info: ${what} at ${hex(a)} is not NUL-terminated`);
    return dec.decode(ram.bytes.subarray(a, a + end));
  };

  need(addr, INFO_SIZE, "the info block");
  const flags = ram.read32(addr + F_FLAGS);
  const out: MultibootInfo = {
    flags,
    memLowerKiB: null,
    memUpperKiB: null,
    cmdline: null,
    bootLoaderName: null,
    modules: [],
    mmap: [],
  };
  if (flags & MULTIBOOT_INFO_MEMORY) {
    out.memLowerKiB = ram.read32(addr + F_MEM_LOWER);
    out.memUpperKiB = ram.read32(addr + F_MEM_UPPER);
  }
  if (flags & MULTIBOOT_INFO_CMDLINE) {
    out.cmdline = cstring(ram.read32(addr + F_CMDLINE), "the command line");
  }
  if (flags & MULTIBOOT_INFO_BOOT_LOADER_NAME) {
    out.bootLoaderName = cstring(ram.read32(addr + F_BOOT_LOADER_NAME), "the loader name");
  }
  if (flags & MULTIBOOT_INFO_MODS) {
    const count = ram.read32(addr + F_MODS_COUNT);
    const list = ram.read32(addr + F_MODS_ADDR);
    if (count > MAX_MODS) throw new Error(`multiboot info: ${count} modules is too many`);
    need(list, count * MOD_SIZE, "the module list");
    for (let i = 0; i < count; i++) {
      const e = list + i * MOD_SIZE;
      const start = ram.read32(e);
      const end = ram.read32(e + 4);
      if (end < start) {
        throw new Error(`multiboot info: module ${i} ends (${hex(end)}) before it starts`);
      }
      need(start, end - start, `module ${i}`);
      out.modules.push({
        start,
        end,
        string: cstring(ram.read32(e + 8), `module ${i}'s string`),
        data: ram.readBytes(start, end - start),
      });
    }
  }
  if (flags & MULTIBOOT_INFO_MEM_MAP) {
    const len = ram.read32(addr + F_MMAP_LENGTH);
    const base = ram.read32(addr + F_MMAP_ADDR);
    if (len > MAX_MMAP_BYTES) throw new Error(`multiboot info: memory map of ${len} bytes`);
    need(base, len, "the memory map");
    const end = base + len;
    for (let at = base; at < end;) {
      const size = u32(at, "a memory map entry");
      if (size < 20 || at + 4 + size > end) {
        throw new Error(`multiboot info: memory map entry at ${hex(at)} has bad size ${size}`);
      }
      out.mmap.push({
        base: u64(at + 4, "a memory map base"),
        length: u64(at + 12, "a memory map length"),
        type: u32(at + 20, "a memory map type"),
      });
      at += 4 + size;
    }
  }
  return out;
}
