/**
 * tree_fixture.ts — test support: the standard source tree for mke2fs images, and a
 * recursive comparison of a mounted volume against the host directory it was made from.
 */
import assert from "node:assert/strict";
import type { Ext2Volume } from "../../../fs/ext2/volume.ts";
import { pattern, run } from "./e2fs_tools.ts";

const te = new TextEncoder();

/** The standard source tree. */
export async function populateTree(dir: string): Promise<void> {
  await Deno.writeTextFile(`${dir}/small.txt`, "hello, ext2\n");
  await Deno.writeFile(`${dir}/empty`, new Uint8Array(0));
  // 12 direct + 256 single indirect blocks of 1 KiB is 268 KiB: this needs double indirect.
  await Deno.writeFile(`${dir}/big.bin`, pattern(300 * 1024 + 123, 7));
  await Deno.writeFile(`${dir}/mid.bin`, pattern(20000, 9));
  await Deno.mkdir(`${dir}/a/b/c`, { recursive: true });
  await Deno.writeTextFile(`${dir}/a/b/c/deep.txt`, "deep\n");
  await Deno.writeTextFile(`${dir}/a/one.txt`, "one\n");
  await Deno.symlink("small.txt", `${dir}/link`);
  await Deno.symlink("a/b/c/" + "x".repeat(90), `${dir}/longlink`);
  await Deno.mkdir(`${dir}/many`);
  for (let i = 0; i < 80; i++) {
    await Deno.writeTextFile(`${dir}/many/file-with-a-longish-name-${i}`, `n${i}`);
  }
  const f = await Deno.open(`${dir}/sparse.bin`, { write: true, create: true });
  await f.write(te.encode("start"));
  await f.seek(200 * 1024, Deno.SeekMode.Start);
  await f.write(te.encode("end"));
  f.close();
  await Deno.chmod(`${dir}/small.txt`, 0o640);
}

/** Checks that the volume's directory `ino` matches host directory `path`, recursively. */
export function compareTree(vol: Ext2Volume, ino: number, path: string): number {
  let checked = 0;
  const entries = run(vol.readdir(ino));
  const names = entries.map((e) => e.name).filter((n) => n !== "." && n !== "..").sort();
  const host = [...Deno.readDirSync(path)].map((e) => e.name).filter((n) => n !== "lost+found");
  assert.deepEqual(names.filter((n) => n !== "lost+found"), host.sort(), `listing of ${path}`);
  for (const e of entries) {
    if (e.name === "." || e.name === ".." || e.name === "lost+found") continue;
    const hp = `${path}/${e.name}`;
    const hst = Deno.lstatSync(hp);
    const st = run(vol.getInode(e.ino));
    assert.equal(st.mode & 0o7777, hst.mode! & 0o7777, `mode of ${hp}`);
    if (hst.isSymlink) {
      assert.equal(e.kind, "symlink");
      assert.equal(run(vol.readlink(e.ino)), Deno.readLinkSync(hp), `target of ${hp}`);
    } else if (hst.isDirectory) {
      assert.equal(e.kind, "dir");
      checked += compareTree(vol, e.ino, hp);
    } else {
      assert.equal(e.kind, "file");
      assert.equal(st.mtime, Math.floor(hst.mtime!.getTime() / 1000), `mtime of ${hp}`);
      const want = Deno.readFileSync(hp);
      assert.equal(st.size, want.length, `size of ${hp}`);
      const got = new Uint8Array(want.length + 10);
      assert.equal(run(vol.read(e.ino, 0, got)), want.length);
      assert.ok(want.every((b, i) => b === got[i]), `contents of ${hp}`);
    }
    checked++;
  }
  return checked;
}
