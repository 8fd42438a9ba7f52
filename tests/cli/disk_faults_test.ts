import assert from "node:assert/strict";
import { HAVE_E2FSPROGS, makeImage } from "../fs/ext2/e2fs_tools.ts";

async function boot(disk: string, ...args: string[]) {
  const o = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "main.ts", "--image", "shell", "--blk", disk, ...args],
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).output();
  const dec = new TextDecoder();
  return { code: o.code, out: dec.decode(o.stdout) + dec.decode(o.stderr) };
}

const SCRIPT = ["--", "-c", "echo hi > /mnt/x; cat /mnt/x"];

Deno.test({
  name: "--fault blk:eio on reads: the mount fails with EIO and the run says so in one line",
  ignore: !HAVE_E2FSPROGS,
  async fn() {
    const img = await makeImage(async () => {}, { blockSize: 1024, blocks: 1024 });
    const path = await Deno.makeTempFile({ prefix: "blkfault" });
    try {
      await Deno.writeFile(path, img.bytes);
      const ok = await boot(path, ...SCRIPT);
      assert.equal(ok.code, 0, ok.out);
      assert.match(ok.out, /^hi$/m);
      await Deno.writeFile(path, img.bytes);
      const r = await boot(path, "--fault", "blk:eio=0-2047:read", ...SCRIPT);
      assert.equal(r.code, 1, r.out);
      assert.match(r.out, /^ld0: error reading sector \d+: I\/O error$/m);
      assert.match(r.out, /^rumpsim: cannot mount ld0 on \/mnt: .*Input\/output error$/m);
      assert.deepEqual(await Deno.readFile(path), img.bytes, "nothing was written");
    } finally {
      await Deno.remove(path);
    }
  },
});

Deno.test({
  name: "--fault blk:eio on writes: reads work, the writes past the range fail with EIO",
  ignore: !HAVE_E2FSPROGS,
  async fn() {
    const img = await makeImage(async () => {}, { blockSize: 1024, blocks: 1024 });
    const path = await Deno.makeTempFile({ prefix: "blkfault" });
    try {
      await Deno.writeFile(path, img.bytes);
      const r = await boot(path, "--fault", "blk:eio=100-2047:write", ...SCRIPT);
      assert.match(r.out, /^ld0: error writing sector \d+: I\/O error$/m, r.out);
      assert.doesNotMatch(r.out, /error reading/);
      const usage = await boot(path, "--fault", "blk:eio=9-1");
      assert.equal(usage.code, 2);
      assert.match(
        usage.out,
        /^rumpsim: --fault: blk:eio: "9-1": the last sector comes before the first$/m,
      );
    } finally {
      await Deno.remove(path);
    }
  },
});
