/**
 * host_tree: a host directory read into the ustar archive an image carries as its root.
 */
import assert from "node:assert/strict";
import { unpackUstar } from "../../fs/archive/ustar.ts";
import { escapes, packHostTree, readHostTree } from "../../cli/host_tree.ts";

async function withDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("host_tree: files, directories and symlinks keep modes and mtimes, sorted by path", async () => {
  await withDir(async (dir) => {
    await Deno.mkdir(`${dir}/etc/ssl`, { recursive: true });
    await Deno.writeTextFile(`${dir}/etc/motd`, "hi\n");
    await Deno.writeTextFile(`${dir}/run`, "echo\n");
    await Deno.chmod(`${dir}/run`, 0o755);
    await Deno.chmod(`${dir}/etc/ssl`, 0o700);
    await Deno.symlink("etc/motd", `${dir}/motd`);
    await Deno.utime(`${dir}/etc/motd`, 1_700_000_000, 1_700_000_123);
    const entries = unpackUstar(await packHostTree(dir));
    assert.deepEqual(entries.map((e) => [e.path, e.type]), [
      ["etc", "dir"],
      ["etc/motd", "file"],
      ["etc/ssl", "dir"],
      ["motd", "symlink"],
      ["run", "file"],
    ]);
    const by = new Map(entries.map((e) => [e.path, e]));
    assert.equal(by.get("run")!.mode, 0o755);
    assert.equal(by.get("etc/ssl")!.mode, 0o700);
    assert.equal(by.get("etc/motd")!.mtimeSec, 1_700_000_123);
    assert.equal(new TextDecoder().decode(by.get("etc/motd")!.data), "hi\n");
    assert.equal(by.get("motd")!.linkname, "etc/motd");
    assert.equal(by.get("run")!.uid, 0, "owners are root unless asked to keep them");
  });
});

Deno.test("host_tree: the same tree gives the same bytes", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/b`, "b");
    await Deno.writeTextFile(`${dir}/a`, "a");
    assert.deepEqual(await packHostTree(dir), await packHostTree(dir));
  });
});

Deno.test("host_tree: a special file is refused with its name", async () => {
  await withDir(async (dir) => {
    const r = await new Deno.Command("mkfifo", { args: [`${dir}/fifo`] }).output().catch(() =>
      null
    );
    if (!r?.success) return; // no mkfifo on this host
    await assert.rejects(() => readHostTree(dir), /fifo is a special file/);
  });
});

Deno.test("host_tree: a symbolic link leading out of the tree is refused", async () => {
  await withDir(async (dir) => {
    await Deno.mkdir(`${dir}/d`);
    await Deno.symlink("../../etc/passwd", `${dir}/d/out`);
    await assert.rejects(
      () => readHostTree(dir),
      /d\/out -> \.\.\/\.\.\/etc\/passwd points outside/,
    );
  });
  assert.equal(escapes("a/b", "../c"), false);
  assert.equal(escapes("a", "../c"), true);
  assert.equal(escapes("a/b", "/etc/motd"), false, "absolute targets resolve in the guest's root");
});

Deno.test("host_tree: a missing directory or a file is a clear error", async () => {
  await assert.rejects(() => readHostTree("/nonexistent/tree"), /root tree \/nonexistent\/tree:/);
  await withDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/f`, "");
    await assert.rejects(() => readHostTree(`${dir}/f`), /not a directory/);
  });
});
