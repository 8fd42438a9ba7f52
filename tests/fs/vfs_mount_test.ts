/**
 * vfs_mount_test.ts — the mount table: mount and unmount rules, read-only mounts.
 */
import assert from "node:assert/strict";
import * as E from "../../kernel/kern/errno.ts";
import { MNT_FORCE, MNT_RDONLY, O_CREAT, O_RDONLY, O_WRONLY } from "../../kernel/syscall/api.ts";
import { fails, newProc, runWithVfs, writeFile } from "./support.ts";

Deno.test("mount: an unknown type is ENODEV, a file ENOTDIR, a mount point EBUSY", () => {
  runWithVfs(function* ({ sys }) {
    yield* sys.mkdir("/m", 0o755);
    yield* writeFile(sys, "/f", "");
    yield* fails(sys.mount("nofs", "/m", 0, null), E.ENODEV);
    yield* fails(sys.mount("tmpfs", "/f", 0, null), E.ENOTDIR);
    yield* fails(sys.mount("tmpfs", "/none", 0, null), E.ENOENT);
    yield* sys.mount("tmpfs", "/m", 0, null);
    yield* fails(sys.mount("tmpfs", "/m", 0, null), E.EBUSY);
    yield* fails(sys.mount("tmpfs", "/", 0, null), E.EBUSY);
  });
});

Deno.test("unmount: EINVAL off a mount point, EBUSY for the root and for a cwd inside", () => {
  runWithVfs(function* ({ sys }) {
    yield* sys.mkdir("/m", 0o755);
    yield* sys.mkdir("/d", 0o755);
    yield* fails(sys.unmount("/d", 0), E.EINVAL);
    yield* fails(sys.unmount("/", 0), E.EBUSY);
    yield* sys.mount("tmpfs", "/m", 0, null);
    yield* sys.mkdir("/m/sub", 0o755);
    yield* sys.chdir("/m/sub");
    yield* fails(sys.unmount("/m", 0), E.EBUSY);
    yield* sys.chdir("/");
    yield* sys.unmount("/m", 0);
    yield* fails(sys.stat("/m/sub"), E.ENOENT);
  });
});

Deno.test("unmount: a forced unmount leaves a revoked cwd failing with EBADF", () => {
  runWithVfs(function* ({ sys }) {
    yield* sys.mkdir("/m", 0o755);
    yield* sys.mount("tmpfs", "/m", 0, null);
    yield* sys.chdir("/m");
    yield* sys.unmount("/m", MNT_FORCE);
    yield* fails(sys.stat("x"), E.EBADF);
    yield* sys.chdir("/");
    assert.deepEqual((yield* sys.getmntinfo()).map((m) => m.mntonname), ["/"]);
  });
});

Deno.test("mount: MNT_RDONLY refuses every change with EROFS but reads work", () => {
  runWithVfs(function* ({ sys }) {
    yield* sys.mkdir("/m", 0o755);
    yield* sys.mount("tmpfs", "/m", 0, null);
    yield* writeFile(sys, "/m/f", "kept");
    yield* sys.mkdir("/m/d", 0o755);
    yield* sys.unmount("/m", 0);
    yield* sys.mount("tmpfs", "/m", MNT_RDONLY, null);
    yield* fails(sys.open("/m/g", O_CREAT | O_WRONLY, 0o644), E.EROFS);
    yield* fails(sys.mkdir("/m/x", 0o755), E.EROFS);
    yield* fails(sys.symlink("a", "/m/l"), E.EROFS);
    assert.equal((yield* sys.statvfs("/m")).flag & MNT_RDONLY, MNT_RDONLY);
    const fd = yield* sys.open("/m", O_RDONLY);
    yield* sys.close(fd);
  });
});

Deno.test("unmount: a process's exit releases its cwd, so the mount is no longer busy", () => {
  runWithVfs(function* ({ k, vfs, sys }) {
    yield* sys.mkdir("/m", 0o755);
    yield* sys.mount("tmpfs", "/m", 0, null);
    const other = newProc(k, vfs, "other");
    yield* other.sys.chdir("/m");
    yield* fails(sys.unmount("/m", 0), E.EBUSY);
    vfs.syscalls.procExit(other.proc);
    yield* k.sleep(1000); // the last release runs on a kernel thread
    yield* sys.unmount("/m", 0);
  });
});
