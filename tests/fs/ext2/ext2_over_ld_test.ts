/**
 * ext2 over ld on the hw platform, end to end: an mke2fs image on a virtio-blk disk,
 * mounted at /mnt by rumprun's config step, used by an app through the syscall API, and
 * checked afterwards with the host's e2fsck and debugfs.
 */
import assert from "node:assert/strict";
import { type BlkBackend, MemBlkBackend } from "../../../arch/virtio/blk.ts";
import { attachVirtioBlk } from "../../../arch/virtio/attach.ts";
import { FileBlkBackend } from "../../../host/blk_file.ts";
import { rumpfs_ext2fs } from "../../../fs/ext2/ext2_component.ts";
import { rumpvfs } from "../../../fs/vfs_init.ts";
import { rumpdev_ld } from "../../../dev/ld_component.ts";
import { rumpdev_pci } from "../../../dev/pci_component.ts";
import type { Image } from "../../../kernel/syscall/image.ts";
import {
  type App,
  O_CREAT,
  O_RDONLY,
  O_WRONLY,
  type Sys,
  type Wait,
} from "../../../kernel/syscall/api.ts";
import { runImage } from "../../../rumprun/run.ts";
import { debugfs, e2fsck, HAVE_E2FSPROGS, makeImage, pattern } from "./e2fs_tools.ts";

const ignore = !HAVE_E2FSPROGS;
const BIG = pattern(300_000, 42);

function* readAll(sys: Sys, path: string): Wait<Uint8Array> {
  const fd = yield* sys.open(path, O_RDONLY);
  const parts: Uint8Array[] = [];
  for (;;) {
    const b = new Uint8Array(65536);
    const n = yield* sys.read(fd, b);
    if (n === 0) break;
    parts.push(b.subarray(0, n));
  }
  yield* sys.close(fd);
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, (at += p.length) - p.length);
  return out;
}

function* writeAll(sys: Sys, path: string, data: Uint8Array): Wait {
  const fd = yield* sys.open(path, O_WRONLY | O_CREAT, 0o644);
  for (let off = 0; off < data.length;) off += yield* sys.write(fd, data.subarray(off));
  yield* sys.close(fd);
}

/** The app: checks what mke2fs put there, then changes the tree. */
const diskApp: App = {
  name: "disktest",
  *main(sys) {
    const enc = new TextEncoder();
    const say = (s: string) => sys.write(1, enc.encode(s + "\n"));
    const big = yield* readAll(sys, "/mnt/data/big.bin");
    if (big.length !== BIG.length || big.some((b, i) => b !== BIG[i])) {
      yield* say("big.bin differs");
      return 1;
    }
    const hello = new TextDecoder().decode(yield* readAll(sys, "/mnt/hello.txt"));
    yield* say(`hello.txt: ${hello.trim()}`);
    yield* writeAll(sys, "/mnt/new.bin", pattern(70_000, 7));
    yield* sys.rename("/mnt/hello.txt", "/mnt/data/moved.txt");
    yield* sys.unlink("/mnt/gone.txt");
    yield* sys.mkdir("/mnt/newdir", 0o755);
    yield* writeAll(sys, "/mnt/newdir/small.txt", enc.encode("written by the guest\n"));
    const back = yield* readAll(sys, "/mnt/new.bin");
    yield* say(`new.bin: ${back.length} bytes`);
    return 0;
  },
};

function diskImage(components = [rumpvfs, rumpfs_ext2fs, rumpdev_pci, rumpdev_ld]): Image {
  return {
    name: "disktest",
    description: "ext2 over ld",
    components,
    apps: [{ app: diskApp, argv: [] }],
    config: { blk: [{ source: "ld0", path: "/mnt", fstype: "ext2" }] },
  };
}

function populate(dir: string): Promise<void> {
  return (async () => {
    await Deno.writeTextFile(`${dir}/hello.txt`, "hello from the host\n");
    await Deno.writeTextFile(`${dir}/gone.txt`, "delete me\n");
    await Deno.mkdir(`${dir}/data`);
    await Deno.writeFile(`${dir}/data/big.bin`, BIG);
  })();
}

async function boot(image: Image, backend: BlkBackend) {
  let out = "";
  const dec = new TextDecoder();
  const r = await runImage(image, {
    memBytes: 32 * 1024 * 1024,
    console: (b) => (out += dec.decode(b)),
    onBoot: (b) => void attachVirtioBlk(b.machine, { backend }),
  });
  return { status: r.status, out: out.replaceAll("\r\n", "\n") };
}

async function checkChanges(bytes: Uint8Array) {
  const fsck = await e2fsck(bytes);
  assert.equal(fsck.code, 0, fsck.out);
  const root = await debugfs(bytes, "ls -l /");
  assert.match(root, /new\.bin/);
  assert.match(root, /newdir/);
  assert.doesNotMatch(root, /hello\.txt|gone\.txt/);
  assert.match(await debugfs(bytes, "ls /data"), /moved\.txt/);
  assert.equal(await debugfs(bytes, "cat /newdir/small.txt"), "written by the guest\n");
  assert.equal(await debugfs(bytes, "cat /data/moved.txt"), "hello from the host\n");
}

Deno.test({
  name: "ext2 over ld: an image mounted from the config is read and changed, and stays clean",
  ignore,
  async fn() {
    const img = await makeImage(populate, { blockSize: 1024, blocks: 4096 });
    const backend = new MemBlkBackend(img.bytes.slice());
    const r = await boot(diskImage(), backend);
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /ld0: 4 MB, 8192 sectors\n/);
    assert.match(r.out, /hello\.txt: hello from the host\n/);
    assert.match(r.out, /new\.bin: 70000 bytes\n/);
    await checkChanges(backend.bytes);
  },
});

Deno.test({
  name: "ext2 over ld: a host image file is changed in place through the file backend",
  ignore,
  async fn() {
    const img = await makeImage(populate, { blockSize: 4096, blocks: 2048 });
    const path = await Deno.makeTempFile({ prefix: "ldimg" });
    try {
      await Deno.writeFile(path, img.bytes);
      const backend = FileBlkBackend.open(path);
      const r = await boot(diskImage(), backend);
      backend.close();
      assert.equal(r.status, 0, r.out);
      await checkChanges(await Deno.readFile(path));
    } finally {
      await Deno.remove(path);
    }
  },
});

Deno.test("ext2 over ld: a corrupt image fails the mount with a clear line, no panic", async () => {
  const backend = MemBlkBackend.zeroed(4096); // no superblock at all
  const r = await boot(diskImage(), backend);
  assert.equal(r.status, 1);
  assert.match(r.out, /rumpsim: cannot mount ld0 on \/mnt: .*superblock|magic/i);
  assert.doesNotMatch(r.out, /panic/);
});

Deno.test("ext2 over ld: a config naming a disk that is not attached fails the mount clearly", async () => {
  const image = diskImage();
  image.config = { blk: [{ source: "ld1", path: "/mnt", fstype: "ext2" }] };
  const r = await boot(image, MemBlkBackend.zeroed(64));
  assert.equal(r.status, 1);
  assert.match(r.out, /cannot mount ld1 on \/mnt: .*no block device "ld1" \(devices: ld0\)/);
});
