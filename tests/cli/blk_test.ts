import assert from "node:assert/strict";
import { type Catalog, main, parseCli, UsageError } from "../../cli/cli.ts";
import { openHostDisk, parseBlkFlag } from "../../cli/blk.ts";
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
        const fd = yield* sys.open(`${argv[1]}/note.txt`, O_WRONLY | O_CREAT, 0o644);
        yield* sys.write(fd, new TextEncoder().encode("noted\n"));
        yield* sys.close(fd);
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

Deno.test("cli --blk: FILE[,MOUNTPOINT] parses, /mnt by default, and bad values are usage errors", () => {
  assert.deepEqual(parseBlkFlag("disk.img"), { file: "disk.img", path: "/mnt" });
  assert.deepEqual(parseBlkFlag("a,b.img,/data/"), { file: "a,b.img", path: "/data" });
  assert.deepEqual(parseCli(["--blk", "x.img,/srv"], catalog).blk, { file: "x.img", path: "/srv" });
  assert.throws(() => parseCli(["--blk", "x.img,data"], catalog), UsageError);
  assert.throws(() => parseCli(["--blk", ",/mnt"], catalog), /--blk: ",\/mnt" names no file/);
});

Deno.test("cli --blk: an image without the components for a disk gets one line naming one", () => {
  assert.throws(
    () => openHostDisk(hello, "hello", { file: "x.img", path: "/mnt" }),
    /^Error: image "hello" does not include the component rumpvfs$/,
  );
  const noLd = { ...diskImage, components: [rumpvfs, rumpfs_ext2fs, rumpdev_pci] };
  assert.throws(() => openHostDisk(noLd, "x", { file: "x.img", path: "/mnt" }), /rumpdev_ld$/);
  assert.throws(
    () => openHostDisk(diskImage, "disk", { file: "/nonexistent.img", path: "/mnt" }),
    /no such file/,
  );
});

Deno.test("cli --blk: the disk image's config gains the mount, the catalogue's image does not", async () => {
  const path = await Deno.makeTempFile();
  try {
    await Deno.writeFile(path, new Uint8Array(8192));
    const d = openHostDisk(diskImage, "disk", { file: path, path: "/data" });
    d.close();
    assert.deepEqual(d.image.config.blk, [
      { source: "ld0", path: "/data", fstype: "ext2", readonly: false },
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
