import assert from "node:assert/strict";
import {
  MULTIBOOT_BOOTLOADER_MAGIC,
  MULTIBOOT_INFO_ADDR,
  readMultibootInfo,
  writeMultibootInfo,
} from "../../arch/multiboot.ts";
import { Ram } from "../../arch/ram.ts";

const MiB = 1024 * 1024;
const enc = new TextEncoder();

function booted() {
  const ram = new Ram(16 * MiB);
  const mod0 = enc.encode("root file system image");
  const mod1 = new Uint8Array(5000).map((_, i) => i & 0xff);
  const w = writeMultibootInfo(ram, {
    cmdline: '{"net": {"if": "vioif0"}}',
    modules: [{ data: mod0, string: "rootfs" }, { data: mod1, string: "data.bin ro" }],
    bootLoaderName: "rumpsim",
  });
  return { ram, w, mod0, mod1 };
}

Deno.test("multiboot: the info block round-trips through RAM", () => {
  const { ram, w, mod0, mod1 } = booted();
  assert.equal(w.infoAddr, MULTIBOOT_INFO_ADDR);
  assert.equal(w.magic, 0x2badb002);
  assert.equal(MULTIBOOT_BOOTLOADER_MAGIC, 0x2badb002);
  const info = readMultibootInfo(ram, w.infoAddr);
  assert.equal(info.flags, 0x001 | 0x004 | 0x008 | 0x040 | 0x200);
  assert.equal(info.memLowerKiB, 639);
  assert.equal(info.memUpperKiB, 15 * 1024);
  assert.equal(info.cmdline, '{"net": {"if": "vioif0"}}');
  assert.equal(info.bootLoaderName, "rumpsim");
  assert.deepEqual(info.mmap, ram.e820());
  assert.equal(info.modules.length, 2);
  const [m0, m1] = info.modules;
  assert.deepEqual([m0.start, m0.end, m0.string], [0x100000, 0x100000 + mod0.length, "rootfs"]);
  assert.deepEqual([m1.start, m1.end, m1.string], [0x101000, 0x101000 + 5000, "data.bin ro"]);
  assert.deepEqual(m0.data, mod0);
  assert.deepEqual(m1.data, mod1);
  assert.equal(w.modulesEnd, 0x101000 + 5000);
});

Deno.test("multiboot: the block's bytes follow the specification's layout", () => {
  const { ram } = booted();
  const u32 = (a: number) => ram.read32(a);
  const info = MULTIBOOT_INFO_ADDR;
  assert.equal(u32(info + 0), 0x24d, "flags");
  assert.equal(u32(info + 4), 639, "mem_lower");
  assert.equal(u32(info + 8), 15360, "mem_upper");
  assert.equal(u32(info + 20), 2, "mods_count");
  assert.equal(u32(info + 44), 3 * 24, "mmap_length");
  const mods = u32(info + 24);
  assert.equal(mods % 4, 0);
  assert.deepEqual([u32(mods), u32(mods + 4), u32(mods + 12)], [0x100000, 0x100016, 0]);
  const mmap = u32(info + 48);
  assert.deepEqual([...ram.readBytes(mmap + 24, 24)], [
    20,
    0,
    0,
    0, // size
    0x00,
    0xfc,
    0x09,
    0,
    0,
    0,
    0,
    0, // base_addr 0x9fc00
    0x00,
    0x04,
    0x06,
    0,
    0,
    0,
    0,
    0, // length 0x60400
    2,
    0,
    0,
    0, // type: reserved
  ]);
  const cmd = u32(info + 16);
  assert.ok(cmd >= info + 116 && cmd < 0x10000);
  assert.equal(ram.read8(cmd + 25), 0, "NUL-terminated");
});

Deno.test("multiboot: the reader honours the flags", () => {
  const { ram, w } = booted();
  ram.write32(w.infoAddr, 0x001); // only MEM
  const info = readMultibootInfo(ram, w.infoAddr);
  assert.equal(info.cmdline, null);
  assert.deepEqual(info.modules, []);
  assert.deepEqual(info.mmap, []);
  assert.equal(info.memLowerKiB, 639);
});

Deno.test("multiboot: a corrupt block gives a clear error, never a crash", () => {
  const cases: [string, (ram: Ram, info: number) => void, RegExp][] = [
    ["cmdline past RAM", (r, i) => r.write32(i + 16, 0x7fffffff), /command line .* outside RAM/],
    ["unterminated string", (r, i) => {
      r.bytes.fill(0x41, r.size - 100);
      r.write32(i + 16, r.size - 100);
    }, /not NUL-terminated/],
    ["too many modules", (r, i) => r.write32(i + 20, 1e6), /too many/],
    ["module list past RAM", (r, i) => r.write32(i + 24, r.size - 8), /module list .* outside RAM/],
    [
      "module ends first",
      (r, i) => r.write32(r.read32(i + 24) + 4, 0x1000),
      /ends .* before it starts/,
    ],
    [
      "module past RAM",
      (r, i) => r.write32(r.read32(i + 24) + 4, 0xffffffff),
      /module 0 .* outside RAM/,
    ],
    ["mmap entry size 0", (r, i) => r.write32(r.read32(i + 48), 0), /bad size 0/],
    ["mmap entry overruns", (r, i) => r.write32(r.read32(i + 48) + 48, 40), /bad size 40/],
    [
      "mmap base beyond 2^53",
      (r, i) => r.write32(r.read32(i + 48) + 8, 0xffffffff),
      /beyond 2\^53/,
    ],
  ];
  for (const [what, corrupt, err] of cases) {
    const { ram, w } = booted();
    corrupt(ram, w.infoAddr);
    assert.throws(() => readMultibootInfo(ram, w.infoAddr), err, what);
  }
  const { ram } = booted();
  assert.throws(() => readMultibootInfo(ram, ram.size - 10), /info block .* outside RAM/);
});

Deno.test("multiboot: what does not fit is refused when writing", () => {
  const ram = new Ram(4 * MiB);
  assert.throws(
    () => writeMultibootInfo(ram, { cmdline: "x".repeat(0x8000) }),
    /command line does not fit/,
  );
  assert.throws(
    () =>
      writeMultibootInfo(ram, {
        cmdline: "",
        modules: [{ data: new Uint8Array(4 * MiB), string: "big" }],
      }),
    /module 0 .* does not fit in RAM/,
  );
  assert.throws(() => writeMultibootInfo(ram, { cmdline: "a\0b" }), /NUL/);
});
