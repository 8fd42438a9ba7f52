/**
 * cli_wasm_test.ts — `deno task boot --wasm PROG.wasm [--blk DISK,/mnt] -- ARGS`: the POSIX
 * image runs the program with the arguments and ends with its status; a refused module
 * is one line and status 2; the program's files on an ext2 disk reach the host image,
 * which e2fsck finds clean.
 */
import assert from "node:assert/strict";
import { main } from "../../cli/cli.ts";
import { CATALOG } from "../../main.ts";
import { debugfs, e2fsck, HAVE_E2FSPROGS, makeImage } from "../fs/ext2/e2fs_tools.ts";
import { buildC } from "./support.ts";

async function boot(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../../main.ts", import.meta.url).pathname, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const td = new TextDecoder();
  return { code: r.code, out: td.decode(r.stdout), err: td.decode(r.stderr) };
}

async function tempWasm(name: string, extra: string[] = []): Promise<string> {
  const path = await Deno.makeTempFile({ prefix: `${name}-`, suffix: ".wasm" });
  await Deno.writeFile(path, await buildC(name, extra));
  return path;
}

Deno.test("boot --wasm runs the program with the arguments after -- and ends with its status", async () => {
  const path = await tempWasm("hello");
  try {
    const r = await boot(["--wasm", path, "--", "a", "b c", "3"]);
    const name = path.split("/").pop()!.replace(/\.wasm$/, "");
    assert.match(
      r.out,
      new RegExp(`hello from wasm: argc=4 pid=\\d+ \\[${name}\\] \\[a\\] \\[b c\\] \\[3\\]`),
    );
    assert.equal(r.code, 3, r.err);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("boot --wasm refuses a module with an unknown import in one line, status 2", async () => {
  const path = await tempWasm("unknown");
  try {
    const r = await boot(["--wasm", path]);
    assert.equal(r.code, 2);
    const name = path.split("/").pop()!.replace(/\.wasm$/, "");
    assert.equal(r.err, `rumpsim: --wasm: ${name}: unknown import env.frobnicate (function)\n`);
    const missing = await boot(["--wasm", "/nonexistent/x.wasm"]);
    assert.equal(missing.err, "rumpsim: --wasm: cannot read /nonexistent/x.wasm: no such file\n");
    assert.equal(missing.code, 2);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("boot --wasm with --image or --image-module is one usage line, status 2", async () => {
  for (const other of [["--image", "hello"], ["--image-module", "./x.ts"]]) {
    const r = await boot(["--wasm", "/nonexistent/x.wasm", ...other]);
    assert.equal(
      r.err,
      "rumpsim: --wasm: boots the POSIX image; give no --image or --image-module\n",
    );
    assert.equal(r.code, 2);
    assert.equal(r.out, "");
  }
});

Deno.test({
  name:
    "boot --wasm --blk: a C program's files on ext2 over virtio-blk reach the host image, e2fsck clean",
  ignore: !HAVE_E2FSPROGS,
  async fn() {
    const path = await tempWasm("disk");
    const img = await makeImage(async () => {}, { blockSize: 1024, blocks: 2048 });
    const disk = await Deno.makeTempFile({ prefix: "wasmblk" });
    try {
      await Deno.writeFile(disk, img.bytes);
      assert.equal(
        await main(["--wasm", path, "--blk", `${disk},/mnt`, "--", "/mnt"], CATALOG),
        0,
      );
      const bytes = await Deno.readFile(disk);
      const fsck = await e2fsck(bytes);
      assert.equal(fsck.code, 0, fsck.out);
      assert.equal(await debugfs(bytes, "cat /notes/42.txt"), "note 42\n");
      assert.equal(await debugfs(bytes, "cat /sum.txt"), "790\n");
    } finally {
      await Deno.remove(path);
      await Deno.remove(disk);
    }
  },
});
