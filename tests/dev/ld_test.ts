import assert from "node:assert/strict";
import { createMachine } from "../../arch/machine.ts";
import { MemBlkBackend } from "../../arch/virtio/blk.ts";
import { attachVirtioBlk } from "../../arch/virtio/attach.ts";
import { LD_MAXXFER, ldUnits } from "../../dev/ld.ts";
import { rumpdev_ld } from "../../dev/ld_component.ts";
import { rumpdev_pci } from "../../dev/pci_component.ts";
import type { Blocking } from "../../kernel/hypercall/rumpuser.ts";
import { blockDeviceNames, lookupBlockDevice } from "../../kernel/kern/bdevsw.ts";
import { EIO, EROFS, Errno } from "../../kernel/kern/errno.ts";
import type { Image } from "../../kernel/syscall/image.ts";
import { rumpInit } from "../../kernel/kern/init.ts";
import type { Kernel } from "../../kernel/kern/kernel.ts";
import { loadAndBoot } from "../../rumprun/run.ts";
import type { BlockDevice } from "../../fs/bdev.ts";

const image: Image = {
  name: "ld-test",
  description: "ld at virtio",
  components: [rumpdev_pci, rumpdev_ld],
  apps: [],
  config: {},
};

/** Boots a machine with a virtio-blk disk over `backend`; `body` runs after rump_init. */
async function bootWithDisk(
  backend: MemBlkBackend,
  body: (k: Kernel, ld0: BlockDevice) => Blocking<void>,
  opts: { latencyNs?: number } = {},
) {
  let out = "";
  const dec = new TextDecoder();
  const m = createMachine({
    memBytes: 16 * 1024 * 1024,
    console: (b) => (out += dec.decode(b)),
  });
  const disk = attachVirtioBlk(m, { backend, latencyNs: opts.latencyNs });
  const b = loadAndBoot(m, image, { seed: 3 });
  const k = b.kernel;
  let error: unknown;
  k.threadCreate("main", function* () {
    try {
      yield* rumpInit(k, image.components);
      const ld0 = lookupBlockDevice(k, "ld0");
      assert.ok(ld0, "ld0 is registered");
      yield* body(k, ld0);
    } catch (e) {
      error = e;
    }
    k.hyp.exit(0);
  });
  const result = await m.sched.run();
  m.uart.flush();
  if (error) throw error;
  assert.equal(result.kind, "halted", JSON.stringify(result));
  return { out: out.replaceAll("\r\n", "\n"), disk, k, m };
}

function filled(sectors: number): MemBlkBackend {
  const be = MemBlkBackend.zeroed(sectors);
  for (let i = 0; i < be.bytes.length; i++) be.bytes[i] = (i * 31 + (i >> 9)) & 0xff;
  return be;
}

Deno.test("ld: attaches at pci0 dev 4 and prints NetBSD's size line", async () => {
  const r = await bootWithDisk(MemBlkBackend.zeroed(32768), function* (k, ld0) {
    assert.equal(ld0.sectors, 32768);
    assert.equal(ld0.sectorSize, 512);
    assert.equal(ld0.readOnly, false);
    assert.deepEqual(blockDeviceNames(k), ["ld0"]);
    assert.equal(lookupBlockDevice(k, "/dev/ld0"), ld0);
    assert.equal(lookupBlockDevice(k, "ld1"), null);
  });
  assert.match(
    r.out,
    /ld0 at pci0 dev 4 function 0: Qumranet Virtio Block Device \(rev\. 0x00\)\nld0: 16 MB, 32768 sectors\n/,
  );
});

Deno.test("ld: reads return the disk's bytes and writes land on the disk", async () => {
  const be = filled(256);
  const want = be.bytes.slice(512 * 7, 512 * 10);
  const data = Uint8Array.from({ length: 1024 }, (_, i) => (i * 13) & 0xff);
  const r = await bootWithDisk(be, function* (_k, ld0) {
    const buf = new Uint8Array(1536);
    yield* ld0.read(7, buf);
    assert.deepEqual(buf, want);
    yield* ld0.write(100, data);
    yield* ld0.flush();
    const back = new Uint8Array(1024);
    yield* ld0.read(100, back);
    assert.deepEqual(back, data);
  });
  assert.deepEqual(be.bytes.subarray(51200, 52224), data);
  assert.equal(be.flushes, 1);
  assert.equal(r.disk.stats.flushes, 1);
});

Deno.test("ld: a transfer larger than one request is split and comes back whole", async () => {
  const be = filled(2048); // 1 MiB
  const big = LD_MAXXFER * 5 + 512 * 3;
  const r = await bootWithDisk(be, function* (k, ld0) {
    const buf = new Uint8Array(big);
    yield* ld0.read(5, buf);
    assert.deepEqual(buf, be.bytes.slice(2560, 2560 + big));
    const w = new Uint8Array(big).fill(0x77);
    yield* ld0.write(1, w);
    assert.equal(ldUnits(k).get("ld0")!.stats.writes, 6);
  }, { latencyNs: 100_000 });
  assert.ok(be.bytes.subarray(512, 512 + big).every((b) => b === 0x77));
  assert.equal(r.disk.stats.reads, 6);
});

Deno.test("ld: concurrent callers share the request slots and each gets its own data", async () => {
  const be = filled(4096);
  await bootWithDisk(be, function* (k, ld0) {
    const got: Uint8Array[] = [];
    const threads = [0, 1, 2, 3].map((i) =>
      k.hyp.thread_create(
        function* () {
          const buf = new Uint8Array(LD_MAXXFER * 3);
          yield* ld0.read(i * 512, buf);
          got[i] = buf;
          return 0;
        },
        `reader${i}`,
        true,
        0,
        -1,
      )
    );
    for (const t of threads) yield* k.hyp.thread_join(t);
    for (let i = 0; i < 4; i++) {
      assert.deepEqual(got[i], be.bytes.slice(i * 512 * 512, i * 512 * 512 + LD_MAXXFER * 3));
    }
  }, { latencyNs: 50_000 });
});

Deno.test("ld: a device I/O error is EIO naming the sector; the disk keeps working", async () => {
  const be = filled(64);
  const read = be.read.bind(be);
  be.read = (sector, buf) => {
    if (sector === 9) throw new Error("medium error");
    read(sector, buf);
  };
  const r = await bootWithDisk(be, function* (_k, ld0) {
    try {
      yield* ld0.read(9, new Uint8Array(512));
      assert.fail("read succeeded");
    } catch (e) {
      assert.ok(e instanceof Errno && e.errno === EIO);
      assert.match(e.message, /ld0: error reading sector 9: I\/O error/);
    }
    yield* ld0.read(10, new Uint8Array(512));
  });
  assert.match(r.out, /ld0: error reading sector 9/);
});

Deno.test("ld: out-of-range and partial-sector transfers are EIO before reaching the device", async () => {
  const r = await bootWithDisk(MemBlkBackend.zeroed(64), function* (_k, ld0) {
    for (const [lba, n] of [[63, 1024], [-1, 512], [0, 100]]) {
      try {
        yield* ld0.read(lba, new Uint8Array(n));
        assert.fail("no error");
      } catch (e) {
        assert.ok(e instanceof Errno && e.errno === EIO, String(e));
      }
    }
  });
  assert.equal(r.disk.stats.reads, 0);
});

Deno.test("ld: a read-only disk says so and refuses writes with EROFS", async () => {
  const be = new MemBlkBackend(new Uint8Array(64 * 512), { readOnly: true });
  const r = await bootWithDisk(be, function* (_k, ld0) {
    assert.equal(ld0.readOnly, true);
    try {
      yield* ld0.write(0, new Uint8Array(512));
      assert.fail("write succeeded");
    } catch (e) {
      assert.ok(e instanceof Errno && e.errno === EROFS);
    }
    yield* ld0.flush();
  });
  assert.match(r.out, /ld0: 32 KB, 64 sectors, read-only\n/);
  assert.equal(r.disk.stats.writes, 0);
});
