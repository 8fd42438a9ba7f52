/**
 * vfs_init_test.ts — the VFS components: rumpvfs mounts the root and provides the path
 * syscalls; rumpfs_kernfs and rumpfs_tmpfs mount /kern and /tmp.
 */
import assert from "node:assert/strict";
import { initComponents } from "../../kernel/kern/component.ts";
import { S_IFDIR } from "../../kernel/syscall/api.ts";
import { rumpfs_kernfs, rumpfs_tmpfs, rumpvfs, vfsOf } from "../../fs/vfs_init.ts";
import { newProc, readFile } from "./support.ts";
import { runInKernel } from "../support/kernel.ts";
import { sysent } from "../../kernel/syscall/systab.ts";

Deno.test("vfs_init: the components mount /, /kern and a 1 MiB /tmp with mode 01777", () => {
  const { value } = runInKernel(function* (k) {
    yield* initComponents(k, [rumpfs_tmpfs, rumpfs_kernfs, rumpvfs]);
    assert.ok(sysent(k).vfs);
    const { sys } = newProc(k, vfsOf(k));
    const mounts = yield* sys.getmntinfo();
    const tmp = yield* sys.statvfs("/tmp");
    return {
      mounts: mounts.map((m) => `${m.mntonname} ${m.fstypename}`),
      tmpBytes: tmp.blocks * tmp.bsize,
      tmpMode: (yield* sys.stat("/tmp")).mode,
      hostname: yield* readFile(sys, "/kern/hostname"),
      want: `${k.hostname}\n`,
    };
  });
  assert.deepEqual(value!.mounts, ["/ tmpfs", "/tmp tmpfs", "/kern kernfs"]);
  assert.equal(value!.tmpBytes, 1 << 20);
  assert.equal(value!.tmpMode, S_IFDIR | 0o1777);
  assert.equal(value!.hostname, value!.want);
});
