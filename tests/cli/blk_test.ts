import assert from "node:assert/strict";
import { type Catalog, main, parseCli, UsageError } from "../../cli/cli.ts";
import { openHostDisks, parseBlkFlag } from "../../cli/blk.ts";
import { rumpfs_ext2fs } from "../../fs/ext2/ext2_component.ts";
import { rumpvfs } from "../../fs/vfs_init.ts";
import { rumpdev_ld } from "../../dev/ld_component.ts";
import { rumpdev_pci } from "../../dev/pci_component.ts";
import type { Image } from "../../kernel/syscall/image.ts";
import { O_CREAT, O_WRONLY } from "../../kernel/syscall/api.ts";
import { image as hello } from "../../images/hello.ts";
import { debugfs, e2fsck, HAVE_E2FSPROGS, makeImage } from "../fs/ext2/e2fs_tools.ts";

const diskImage: Image = {
  name: "disk",
  description: "writes a note on the disk",
  components: [rumpvfs, rumpfs_ext2fs, rumpdev_pci, rumpdev_ld],
  apps: [{
    app: {
      name: "note",
      *main(sys, argv) {
        for (const dir of argv.slice(1)) {
          const fd = yield* sys.open(`${dir}/note.txt`, O_WRONLY | O_CREAT, 0o644);
          yield* sys.write(fd, new TextEncoder().encode("noted\n"));
          yield* sys.close(fd);
        }
        return 0;
      },
    },
    argv: ["/mnt"],
  }],
  config: {},
};

const catalog: Catalog = {
  images: {
    disk: { description: "disk", load: () => Promise.resolve(diskImage) },
    hello: { description: "hello", load: () => Promise.resolve(hello) },
  },
  defaultImage: "disk",
};

Deno.test("cli --blk: FILE[,MOUNTPOINT][,ro] parses, repeats, and bad values are usage errors", () => {
  assert.deepEqual(parseBlkFlag("disk.img"), { file: "disk.img" });
  assert.deepEqual(parseBlkFlag("a,b.img,/data/"), { file: "a,b.img", path: "/data" });
  assert.deepEqual(parseBlkFlag("d.img,/data,ro"), {
    file: "d.img",
    path: "/data",
    readOnly: true,
  });
  assert.deepEqual(parseBlkFlag("d.img,ro"), { file: "d.img", readOnly: true });
  assert.deepEqual(parseCli(["--blk", "x.img,/srv"], catalog).blk, [{
    file: "x.img",
    path: "/srv",
  }]);
  assert.deepEqual(parseCli(["--blk", "a.img", "--blk", "b.img,/b"], catalog).blk, [
    { file: "a.img" },
    { file: "b.img", path: "/b" },
  ]);
  assert.throws(() => parseCli(["--blk", "x.img,data"], catalog), UsageError);
  assert.throws(() => parseCli(["--blk", ",/mnt"], catalog), /--blk: ",\/mnt" names no file/);
});

Deno.test("cli --blk: an image without the components for a disk gets one line naming one", () => {
  assert.throws(
    () => openHostDisks(hello, "hello", [{ file: "x.img", path: "/mnt" }]),
    /^Error: image "hello" does not include the component rumpvfs$/,
  );
  const noLd = { ...diskImage, components: [rumpvfs, rumpfs_ext2fs, rumpdev_pci] };
  assert.throws(() => openHostDisks(noLd, "x", [{ file: "x.img", path: "/mnt" }]), /rumpdev_ld$/);
  assert.throws(
    () => openHostDisks(diskImage, "disk", [{ file: "/nonexistent.img", path: "/mnt" }]),
    /no such file/,
  );
  assert.throws(
    () => openHostDisks(diskImage, "disk", [{ file: "a", path: "/d" }, { file: "b", path: "/d" }]),
    /^Error: two disks are mounted at \/d$/,
  );
});

Deno.test("cli --blk: the disk image's config gains the mount, the catalogue's image does not", async () => {
  const path = await Deno.makeTempFile();
  try {
    await Deno.writeFile(path, new Uint8Array(8192));
    const d = openHostDisks(diskImage, "disk", [
      { file: path, path: "/data" },
      { file: path },
      { file: path, readOnly: true },
    ]);
    d.close();
    assert.deepEqual(d.image.config.blk, [
      { source: "ld0", path: "/data", fstype: "ext2", readonly: false },
      { source: "ld1", path: "/mnt1", fstype: "ext2", readonly: false },
      { source: "ld2", path: "/mnt2", fstype: "ext2", readonly: true },
    ]);
    assert.equal(diskImage.config.blk, undefined);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test({
  name: "cli --blk: a booted image writes to the host image, which e2fsck finds clean",
  ignore: !HAVE_E2FSPROGS,
  async fn() {
    const img = await makeImage(async () => {}, { blockSize: 1024, blocks: 1024 });
    const path = await Deno.makeTempFile({ prefix: "cliblk" });
    try {
      await Deno.writeFile(path, img.bytes);
      assert.equal(await main(["--blk", `${path},/data`, "--", "/data"], catalog), 0);
      const bytes = await Deno.readFile(path);
      assert.equal((await e2fsck(bytes)).code, 0);
      assert.equal(await debugfs(bytes, "cat /note.txt"), "noted\n");
      assert.equal(await main(["--image", "hello", "--blk", path], catalog), 2);
    } finally {
      await Deno.remove(path);
    }
  },
});

Deno.test({
  name: "cli --blk: repeated disks attach as ld0 and ld1, and a ,ro disk cannot be written",
  ignore: !HAVE_E2FSPROGS,
  async fn() {
    const img = await makeImage(async () => {}, { blockSize: 1024, blocks: 1024 });
    const a = await Deno.makeTempFile({ prefix: "cliblk-a" });
    const b = await Deno.makeTempFile({ prefix: "cliblk-b" });
    try {
      await Deno.writeFile(a, img.bytes);
      await Deno.writeFile(b, img.bytes);
      assert.equal(
        await main(["--blk", `${a},/a`, "--blk", `${b},/b`, "--", "/a", "/b"], catalog),
        0,
      );
      for (const f of [a, b]) {
        const bytes = await Deno.readFile(f);
        assert.equal((await e2fsck(bytes)).code, 0);
        assert.equal(await debugfs(bytes, "cat /note.txt"), "noted\n");
      }
      await Deno.writeFile(b, img.bytes);
      assert.notEqual(await main(["--blk", `${b},/b,ro`, "--", "/b"], catalog), 0);
      assert.deepEqual(await Deno.readFile(b), img.bytes);
    } finally {
      await Deno.remove(a);
      await Deno.remove(b);
    }
  },
});
