/**
 * namei_test.ts — path lookup: "..", mount crossing, symbolic link limits, name lengths,
 * trailing slashes and search permission.
 */
import assert from "node:assert/strict";
import * as E from "../../kernel/kern/errno.ts";
import { O_CREAT, O_RDONLY, O_WRONLY, S_IFDIR, S_IFMT } from "../../kernel/syscall/api.ts";
import { fails, newProc, readFile, runWithVfs, writeFile } from "./support.ts";

Deno.test("namei: '..' at the root stays at the root", () => {
  runWithVfs(function* ({ sys }) {
    const root = yield* sys.stat("/");
    assert.equal((yield* sys.stat("/..")).ino, root.ino);
    assert.equal((yield* sys.stat("/../../..")).ino, root.ino);
    yield* sys.chdir("/");
    assert.equal((yield* sys.stat("..")).ino, root.ino);
    assert.equal(yield* sys.getcwd(), "/");
  });
});

Deno.test("namei: a mount point is entered at the mounted root and '..' leaves it", () => {
  runWithVfs(function* ({ sys }) {
    yield* sys.mkdir("/a", 0o755);
    yield* sys.mkdir("/a/m", 0o755);
    yield* writeFile(sys, "/a/m/hidden", "under");
    const a = yield* sys.stat("/a");
    yield* sys.mount("tmpfs", "/a/m", 0, null);
    const m = yield* sys.stat("/a/m");
    assert.notEqual(m.dev, a.dev);
    yield* fails(sys.stat("/a/m/hidden"), E.ENOENT);
    const up = yield* sys.stat("/a/m/..");
    assert.equal(up.ino, a.ino);
    assert.equal(up.dev, a.dev);
    yield* sys.mkdir("/a/m/d", 0o755);
    yield* sys.chdir("/a/m/d");
    assert.equal(yield* sys.getcwd(), "/a/m/d");
    assert.equal((yield* sys.stat("../..")).ino, a.ino);
    yield* sys.chdir("/");
    yield* sys.unmount("/a/m", 0);
    assert.equal(yield* readFile(sys, "/a/m/hidden"), "under");
  });
});

Deno.test("namei: mounts stack through paths with '.' and '..' across both", () => {
  runWithVfs(function* ({ sys }) {
    yield* sys.mkdir("/m1", 0o755);
    yield* sys.mount("tmpfs", "/m1", 0, null);
    yield* sys.mkdir("/m1/m2", 0o755);
    yield* sys.mount("tmpfs", "/m1/m2", 0, null);
    yield* writeFile(sys, "/m1/m2/f", "deep");
    assert.equal(yield* readFile(sys, "/m1/./m2/../m2/f"), "deep");
    assert.equal(yield* readFile(sys, "/m1/m2/../../m1/m2/f"), "deep");
    yield* fails(sys.unmount("/m1", 0), E.EBUSY);
  });
});

Deno.test("namei: 32 symbolic links in a row are followed and the 33rd is ELOOP", () => {
  runWithVfs(function* ({ sys }) {
    yield* writeFile(sys, "/t", "end");
    yield* sys.symlink("/t", "/l0");
    for (let i = 1; i <= 32; i++) yield* sys.symlink(`/l${i - 1}`, `/l${i}`);
    assert.equal(yield* readFile(sys, "/l31"), "end");
    yield* fails(sys.open("/l32", O_RDONLY), E.ELOOP);
  });
});

Deno.test("namei: a link to itself is ELOOP and an empty link ENOENT", () => {
  runWithVfs(function* ({ sys }) {
    yield* sys.symlink("self", "/self");
    yield* fails(sys.stat("/self"), E.ELOOP);
    yield* sys.symlink("", "/empty");
    yield* fails(sys.stat("/empty"), E.ENOENT);
  });
});

Deno.test("namei: paths of 1024 bytes are ENAMETOOLONG, 1023 are looked up", () => {
  runWithVfs(function* ({ sys }) {
    const p1023 = "/" + "a/".repeat(511);
    assert.equal(p1023.length, 1023);
    yield* fails(sys.stat(p1023), E.ENOENT);
    yield* fails(sys.stat(p1023 + "b"), E.ENAMETOOLONG);
    yield* fails(sys.stat("/" + "x".repeat(256)), E.ENAMETOOLONG);
    yield* fails(sys.stat("/" + "é".repeat(128)), E.ENAMETOOLONG);
  });
});

Deno.test("namei: a symbolic link expanding past 1024 bytes is ENAMETOOLONG", () => {
  runWithVfs(function* ({ sys }) {
    yield* sys.symlink("/" + "b/".repeat(400), "/long");
    yield* fails(sys.stat("/long/" + "c/".repeat(300)), E.ENAMETOOLONG);
  });
});

Deno.test("namei: empty paths are ENOENT and repeated slashes count as one", () => {
  runWithVfs(function* ({ sys }) {
    yield* fails(sys.stat(""), E.ENOENT);
    yield* sys.mkdir("/d", 0o755);
    yield* writeFile(sys, "//d///f", "x");
    assert.equal(yield* readFile(sys, "/d/f"), "x");
    assert.equal((yield* sys.stat("/d//")).mode & S_IFMT, S_IFDIR);
  });
});

Deno.test("namei: a trailing slash follows a link to a directory and rejects a file", () => {
  runWithVfs(function* ({ sys }) {
    yield* sys.mkdir("/d", 0o755);
    yield* sys.symlink("d", "/ld");
    yield* writeFile(sys, "/f", "");
    yield* sys.symlink("f", "/lf");
    assert.equal((yield* sys.lstat("/ld/")).mode & S_IFMT, S_IFDIR);
    yield* fails(sys.lstat("/f/"), E.ENOTDIR);
    yield* fails(sys.stat("/lf/"), E.ENOTDIR);
    yield* fails(sys.unlink("/f/"), E.ENOTDIR);
  });
});

Deno.test("namei: a non-root credential needs search permission on every directory", () => {
  runWithVfs(function* ({ k, vfs, sys }) {
    yield* sys.mkdir("/pub", 0o755);
    yield* sys.mkdir("/priv", 0o700);
    yield* writeFile(sys, "/pub/f", "open");
    yield* writeFile(sys, "/priv/f", "secret");
    yield* sys.chmod("/priv/f", 0o644);
    const user = newProc(k, vfs, "user");
    vfs.syscalls.setProcCred(user.proc, { uid: 1000, gid: 1000, groups: [] });
    assert.equal(yield* readFile(user.sys, "/pub/f"), "open");
    yield* fails(user.sys.stat("/priv/f"), E.EACCES);
    yield* fails(user.sys.open("/priv/f", O_RDONLY), E.EACCES);
    yield* fails(user.sys.chdir("/priv"), E.EACCES);
    // Root is not held back by modes.
    assert.equal(yield* readFile(sys, "/priv/f"), "secret");
    // Group search permission is enough for a member of the group.
    yield* sys.chmod("/priv", 0o710);
    vfs.syscalls.setProcCred(user.proc, { uid: 1000, gid: 0, groups: [] });
    assert.equal(yield* readFile(user.sys, "/priv/f"), "secret");
  });
});

Deno.test("namei: a non-root credential needs write permission to make names", () => {
  runWithVfs(function* ({ k, vfs, sys }) {
    yield* sys.mkdir("/ro", 0o755);
    yield* writeFile(sys, "/ro/f", "x");
    const user = newProc(k, vfs, "user");
    vfs.syscalls.setProcCred(user.proc, { uid: 1000, gid: 1000, groups: [] });
    yield* fails(user.sys.open("/ro/new", O_CREAT | O_WRONLY, 0o644), E.EACCES);
    yield* fails(user.sys.unlink("/ro/f"), E.EACCES);
    yield* fails(user.sys.open("/ro/f", O_WRONLY), E.EACCES);
    yield* fails(user.sys.chmod("/ro/f", 0o777), E.EPERM);
    yield* fails(user.sys.mount("tmpfs", "/ro", 0, null), E.EPERM);
  });
});
