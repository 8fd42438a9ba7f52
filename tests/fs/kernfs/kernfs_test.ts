/**
 * kernfs_test.ts — /kern: each file's contents come from the kernel when read; the file
 * system is read-only.
 */
import assert from "node:assert/strict";
import * as E from "../../../kernel/kern/errno.ts";
import {
  MNT_RDONLY,
  O_CREAT,
  O_RDWR,
  O_WRONLY,
  S_IFMT,
  S_IFREG,
} from "../../../kernel/syscall/api.ts";
import { mountAt } from "../../../fs/vfs_init.ts";
import { fails, listDir, readFile, runWithVfs } from "../support.ts";

Deno.test("kernfs: /kern lists its files", () => {
  runWithVfs(function* ({ k, sys }) {
    yield* mountAt(k, "kernfs", "/kern", 0, null);
    assert.deepEqual(yield* listDir(sys, "/kern"), [
      "boottime",
      "hostname",
      "msgbuf",
      "pagesize",
      "physmem",
      "time",
      "uptime",
      "version",
    ]);
  });
});

Deno.test("kernfs: files show the kernel's hostname, version, memory and page size", () => {
  runWithVfs(function* ({ k, sys }) {
    yield* mountAt(k, "kernfs", "/kern", 0, null);
    assert.equal(yield* readFile(sys, "/kern/hostname"), `${k.hostname}\n`);
    k.hostname = "renamed";
    assert.equal(yield* readFile(sys, "/kern/hostname"), "renamed\n");
    assert.match(yield* readFile(sys, "/kern/version"), /^NetBSD 10\.0 \(RUMPSIM\)/);
    assert.equal(yield* readFile(sys, "/kern/pagesize"), "4096\n");
    assert.equal(yield* readFile(sys, "/kern/physmem"), `${k.mem.length / 4096}\n`);
    const st = yield* sys.stat("/kern/hostname");
    assert.equal(st.mode & S_IFMT, S_IFREG);
    assert.equal(st.size, "renamed\n".length);
  });
});

Deno.test("kernfs: msgbuf holds what the kernel printed", () => {
  runWithVfs(function* ({ k, sys }) {
    yield* mountAt(k, "kernfs", "/kern", 0, null);
    k.printf("hello from the kernel\n");
    assert.match(yield* readFile(sys, "/kern/msgbuf"), /hello from the kernel\n$/);
  });
});

Deno.test("kernfs: time, boottime and uptime follow the kernel clock", () => {
  runWithVfs(function* ({ k, sys }) {
    yield* mountAt(k, "kernfs", "/kern", 0, null);
    const boot = Number(yield* readFile(sys, "/kern/boottime"));
    assert.equal(boot, Math.floor(k.boottimeNs / 1e9));
    const up0 = Number(yield* readFile(sys, "/kern/uptime"));
    yield* k.sleep(10e9);
    const up1 = Number(yield* readFile(sys, "/kern/uptime"));
    assert.ok(up1 - up0 >= 9.99 && up1 - up0 < 10.1, `uptime ${up0} -> ${up1}`);
    const [sec, usec] = (yield* readFile(sys, "/kern/time")).trim().split(" ").map(Number);
    assert.equal(sec, Math.floor(k.walltime() / 1e9));
    assert.ok(usec >= 0 && usec < 1e6);
  });
});

Deno.test("kernfs: is mounted read-only and refuses every change with EROFS", () => {
  runWithVfs(function* ({ k, sys }) {
    yield* mountAt(k, "kernfs", "/kern", 0, null);
    assert.equal((yield* sys.statvfs("/kern")).flag & MNT_RDONLY, MNT_RDONLY);
    yield* fails(sys.open("/kern/hostname", O_WRONLY), E.EROFS);
    yield* fails(sys.open("/kern/hostname", O_RDWR), E.EROFS);
    yield* fails(sys.open("/kern/new", O_CREAT | O_WRONLY, 0o644), E.EROFS);
    yield* fails(sys.unlink("/kern/version"), E.EROFS);
    yield* fails(sys.mkdir("/kern/d", 0o755), E.EROFS);
    yield* fails(sys.chmod("/kern/version", 0o600), E.EROFS);
    yield* fails(sys.stat("/kern/none"), E.ENOENT);
  });
});
