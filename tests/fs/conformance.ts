/**
 * conformance.ts — the POSIX conformance suite every file system runs under the VFS
 * (tmpfs now, ext2 later): each case mounts a fresh file system at /mnt, works in it
 * through the Sys API, and checks results and errno values (NetBSD's where POSIX allows
 * several). A file system adds itself with `conformanceSuite({ name, mount })`.
 */
import assert from "node:assert/strict";
import type { Blocking } from "../../kernel/hypercall/rumpuser.ts";
import * as E from "../../kernel/kern/errno.ts";
import {
  MNT_FORCE,
  O_APPEND,
  O_CREAT,
  O_DIRECTORY,
  O_EXCL,
  O_NOFOLLOW,
  O_RDONLY,
  O_RDWR,
  O_TRUNC,
  O_WRONLY,
  S_IFDIR,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
  SEEK_CUR,
  SEEK_END,
  SEEK_SET,
} from "../../kernel/syscall/api.ts";
import { fails, type FsEnv, listDir, readFile, runWithVfs, writeFile } from "./support.ts";

export interface FsUnderTest {
  /** The name in test titles: "tmpfs", "ext2". */
  name: string;
  /** Mounts a fresh, empty file system of this type on /mnt (which exists). */
  mount(env: FsEnv): Blocking;
  /** Guest memory for the kernel (default 64 MiB). */
  memBytes?: number;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Registers every conformance case for `fs`. */
export function conformanceSuite(fs: FsUnderTest): void {
  const t = (name: string, body: (env: FsEnv) => Blocking) =>
    Deno.test(`${fs.name} conformance: ${name}`, () => {
      runWithVfs(function* (env) {
        yield* env.sys.mkdir("/mnt", 0o755);
        yield* fs.mount(env);
        yield* env.sys.chdir("/mnt");
        yield* body(env);
      }, { memBytes: fs.memBytes });
    });

  // --- open ---

  t("open with O_CREAT makes a regular file with the mode less the umask", function* ({ sys }) {
    const fd = yield* sys.open("f", O_WRONLY | O_CREAT, 0o666);
    yield* sys.close(fd);
    const st = yield* sys.stat("f");
    assert.equal(st.mode, S_IFREG | 0o644);
    assert.equal(st.nlink, 1);
    assert.equal(st.size, 0);
  });

  t(
    "open with O_CREAT|O_EXCL of an existing name is EEXIST, even a dangling link",
    function* ({ sys }) {
      yield* writeFile(sys, "f", "x");
      yield* fails(sys.open("f", O_CREAT | O_EXCL | O_WRONLY, 0o644), E.EEXIST);
      yield* sys.symlink("nowhere", "dangling");
      yield* fails(sys.open("dangling", O_CREAT | O_EXCL | O_WRONLY, 0o644), E.EEXIST);
    },
  );

  t(
    "open of a missing file is ENOENT, and O_CREAT in a missing directory too",
    function* ({ sys }) {
      yield* fails(sys.open("missing", O_RDONLY), E.ENOENT);
      yield* fails(sys.open("nodir/f", O_CREAT | O_WRONLY, 0o644), E.ENOENT);
    },
  );

  t("open with O_CREAT of an existing file opens it unchanged", function* ({ sys }) {
    yield* writeFile(sys, "f", "keep");
    const fd = yield* sys.open("f", O_CREAT | O_RDWR, 0o600);
    yield* sys.close(fd);
    assert.equal(yield* readFile(sys, "f"), "keep");
    assert.equal((yield* sys.stat("f")).mode & 0o777, 0o644);
  });

  t("open with O_TRUNC empties the file", function* ({ sys }) {
    yield* writeFile(sys, "f", "hello world");
    const fd = yield* sys.open("f", O_WRONLY | O_TRUNC);
    yield* sys.close(fd);
    assert.equal((yield* sys.stat("f")).size, 0);
  });

  t("O_APPEND writes always go to the end of the file", function* ({ sys }) {
    yield* writeFile(sys, "f", "abc");
    const fd = yield* sys.open("f", O_WRONLY | O_APPEND);
    yield* sys.lseek(fd, 0, SEEK_SET);
    yield* sys.write(fd, enc.encode("def"));
    assert.equal(yield* sys.lseek(fd, 0, SEEK_CUR), 6);
    yield* sys.close(fd);
    assert.equal(yield* readFile(sys, "f"), "abcdef");
  });

  t("open of a directory for writing is EISDIR, for reading works", function* ({ sys }) {
    yield* sys.mkdir("d", 0o755);
    yield* fails(sys.open("d", O_WRONLY), E.EISDIR);
    yield* fails(sys.open("d", O_RDWR), E.EISDIR);
    const fd = yield* sys.open("d", O_RDONLY);
    yield* fails(sys.read(fd, new Uint8Array(10)), E.EISDIR);
    yield* sys.close(fd);
  });

  t("O_DIRECTORY on a file is ENOTDIR; a file as a directory is ENOTDIR", function* ({ sys }) {
    yield* writeFile(sys, "f", "x");
    yield* fails(sys.open("f", O_RDONLY | O_DIRECTORY), E.ENOTDIR);
    yield* fails(sys.open("f/x", O_RDONLY), E.ENOTDIR);
    yield* fails(sys.open("f/", O_RDONLY), E.ENOTDIR);
    yield* fails(sys.stat("f/x"), E.ENOTDIR);
  });

  t("open follows symbolic links, and O_NOFOLLOW refuses one with EFTYPE", function* ({ sys }) {
    yield* writeFile(sys, "target", "via link");
    yield* sys.symlink("target", "link");
    assert.equal(yield* readFile(sys, "link"), "via link");
    yield* fails(sys.open("link", O_RDONLY | O_NOFOLLOW), E.EFTYPE);
    const fd = yield* sys.open("target", O_RDONLY | O_NOFOLLOW);
    yield* sys.close(fd);
  });

  t("open with O_CREAT through a dangling symbolic link makes its target", function* ({ sys }) {
    yield* sys.symlink("made", "link");
    const fd = yield* sys.open("link", O_CREAT | O_WRONLY, 0o644);
    yield* sys.close(fd);
    assert.equal((yield* sys.lstat("made")).mode & S_IFMT, S_IFREG);
  });

  t("reads on a write-only file and writes on a read-only file are EBADF", function* ({ sys }) {
    yield* writeFile(sys, "f", "x");
    const w = yield* sys.open("f", O_WRONLY);
    yield* fails(sys.read(w, new Uint8Array(1)), E.EBADF);
    const r = yield* sys.open("f", O_RDONLY);
    yield* fails(sys.write(r, enc.encode("y")), E.EBADF);
    yield* sys.close(w);
    yield* sys.close(r);
  });

  t("an access mode of 3 is EINVAL", function* ({ sys }) {
    yield* fails(sys.open("f", 3 | O_CREAT, 0o644), E.EINVAL);
  });

  // --- read, write, lseek ---

  t(
    "data written reads back across page boundaries, and reads stop at the end",
    function* ({ sys }) {
      const data = new Uint8Array(10000);
      for (let i = 0; i < data.length; i++) data[i] = (i * 7 + 3) & 0xff;
      yield* writeFile(sys, "f", data);
      const fd = yield* sys.open("f", O_RDONLY);
      const buf = new Uint8Array(12000);
      let got = 0;
      for (;;) {
        const n = yield* sys.read(fd, buf.subarray(got));
        if (n === 0) break;
        got += n;
      }
      assert.equal(got, 10000);
      assert.deepEqual(buf.subarray(0, got), data);
      assert.equal(yield* sys.read(fd, buf), 0);
      yield* sys.close(fd);
      assert.equal((yield* sys.stat("f")).size, 10000);
    },
  );

  t("pread and pwrite use their offset and leave the file offset alone", function* ({ sys }) {
    const fd = yield* sys.open("f", O_RDWR | O_CREAT, 0o644);
    yield* sys.write(fd, enc.encode("0123456789"));
    assert.equal(yield* sys.pwrite(fd, enc.encode("ab"), 2), 2);
    const buf = new Uint8Array(4);
    assert.equal(yield* sys.pread(fd, buf, 1), 4);
    assert.equal(dec.decode(buf), "1ab4");
    assert.equal(yield* sys.lseek(fd, 0, SEEK_CUR), 10);
    yield* sys.close(fd);
  });

  t("lseek: SEEK_END is from the size, a negative result is EINVAL", function* ({ sys }) {
    yield* writeFile(sys, "f", "12345");
    const fd = yield* sys.open("f", O_RDONLY);
    assert.equal(yield* sys.lseek(fd, -2, SEEK_END), 3);
    const b = new Uint8Array(5);
    assert.equal(yield* sys.read(fd, b), 2);
    assert.equal(dec.decode(b.subarray(0, 2)), "45");
    yield* fails(sys.lseek(fd, -10, SEEK_END), E.EINVAL);
    yield* fails(sys.lseek(fd, -1, SEEK_SET), E.EINVAL);
    assert.equal(yield* sys.lseek(fd, 100, SEEK_SET), 100);
    assert.equal(yield* sys.read(fd, b), 0);
    yield* sys.close(fd);
  });

  t("writing past the end leaves a hole that reads as zeros", function* ({ sys }) {
    const fd = yield* sys.open("f", O_RDWR | O_CREAT, 0o644);
    yield* sys.pwrite(fd, enc.encode("end"), 9000);
    const buf = new Uint8Array(9003);
    buf.fill(0xee);
    assert.equal(yield* sys.pread(fd, buf, 0), 9003);
    assert.ok(buf.subarray(0, 9000).every((b) => b === 0));
    assert.equal(dec.decode(buf.subarray(9000)), "end");
    yield* sys.close(fd);
  });

  // --- stat ---

  t(
    "stat gives distinct inode numbers, one device per mount, lstat sees links",
    function* ({ sys }) {
      yield* writeFile(sys, "a", "1");
      yield* writeFile(sys, "b", "22");
      yield* sys.symlink("b", "l");
      const a = yield* sys.stat("a");
      const b = yield* sys.stat("b");
      assert.notEqual(a.ino, b.ino);
      assert.equal(a.dev, b.dev);
      assert.notEqual(a.dev, (yield* sys.stat("/")).dev);
      assert.equal((yield* sys.stat("l")).ino, b.ino);
      const l = yield* sys.lstat("l");
      assert.equal(l.mode & S_IFMT, S_IFLNK);
      assert.equal(l.size, 1);
      assert.notEqual(l.ino, b.ino);
    },
  );

  t("a directory's link count is 2 plus its subdirectories", function* ({ sys }) {
    yield* sys.mkdir("d", 0o755);
    assert.equal((yield* sys.stat("d")).nlink, 2);
    yield* sys.mkdir("d/x", 0o755);
    yield* sys.mkdir("d/y", 0o755);
    yield* writeFile(sys, "d/f", "");
    assert.equal((yield* sys.stat("d")).nlink, 4);
    yield* sys.rmdir("d/x");
    assert.equal((yield* sys.stat("d")).nlink, 3);
  });

  t("writing moves mtime and ctime to the kernel's clock", function* ({ k, sys }) {
    yield* writeFile(sys, "f", "a");
    const before = yield* sys.stat("f");
    yield* k.sleep(3e9);
    yield* writeFile(sys, "f", "b");
    const after = yield* sys.stat("f");
    assert.ok(after.mtime.sec >= before.mtime.sec + 3);
    assert.ok(after.ctime.sec >= before.ctime.sec + 3);
    const now = Math.floor(k.walltime() / 1e9);
    assert.ok(Math.abs(after.mtime.sec - now) <= 1);
  });

  // --- mkdir, rmdir ---

  t(
    "mkdir applies the umask; an existing name is EEXIST; a missing parent ENOENT",
    function* ({ sys }) {
      yield* sys.mkdir("d", 0o777);
      const st = yield* sys.stat("d");
      assert.equal(st.mode, S_IFDIR | 0o755);
      yield* fails(sys.mkdir("d", 0o755), E.EEXIST);
      yield* writeFile(sys, "f", "");
      yield* fails(sys.mkdir("f", 0o755), E.EEXIST);
      yield* fails(sys.mkdir("no/d", 0o755), E.ENOENT);
      yield* fails(sys.mkdir(".", 0o755), E.EEXIST);
      yield* sys.mkdir("e/", 0o755);
      assert.equal((yield* sys.stat("e")).mode & S_IFMT, S_IFDIR);
    },
  );

  t(
    "rmdir: ENOTEMPTY, ENOTDIR, ENOENT, EINVAL for '.', and removes an empty one",
    function* ({ sys }) {
      yield* sys.mkdir("d", 0o755);
      yield* writeFile(sys, "d/f", "");
      yield* fails(sys.rmdir("d"), E.ENOTEMPTY);
      yield* fails(sys.rmdir("d/f"), E.ENOTDIR);
      yield* fails(sys.rmdir("nothing"), E.ENOENT);
      yield* fails(sys.rmdir("d/."), E.EINVAL);
      yield* fails(sys.rmdir("d/.."), E.ENOTEMPTY);
      yield* sys.unlink("d/f");
      yield* sys.rmdir("d");
      yield* fails(sys.stat("d"), E.ENOENT);
    },
  );

  t("rmdir of a mount point is EBUSY", function* ({ sys }) {
    yield* sys.mkdir("m", 0o755);
    yield* sys.mount("tmpfs", "/mnt/m", 0, null);
    yield* fails(sys.rmdir("m"), E.EBUSY);
    yield* sys.unmount("/mnt/m", 0);
    yield* sys.rmdir("m");
  });

  // --- unlink ---

  t("unlink of a directory is EPERM (NetBSD); of a missing name ENOENT", function* ({ sys }) {
    yield* sys.mkdir("d", 0o755);
    yield* fails(sys.unlink("d"), E.EPERM);
    yield* fails(sys.unlink("none"), E.ENOENT);
  });

  t("unlink of a symbolic link removes the link, not its target", function* ({ sys }) {
    yield* writeFile(sys, "t", "x");
    yield* sys.symlink("t", "l");
    yield* sys.unlink("l");
    yield* fails(sys.lstat("l"), E.ENOENT);
    assert.equal(yield* readFile(sys, "t"), "x");
  });

  t("an unlinked file stays readable through an open descriptor", function* ({ sys }) {
    yield* writeFile(sys, "f", "still here");
    const fd = yield* sys.open("f", O_RDWR);
    yield* sys.unlink("f");
    yield* fails(sys.stat("f"), E.ENOENT);
    assert.equal((yield* sys.fstat(fd)).nlink, 0);
    const buf = new Uint8Array(20);
    const n = yield* sys.read(fd, buf);
    assert.equal(dec.decode(buf.subarray(0, n)), "still here");
    yield* sys.close(fd);
  });

  // --- rename ---

  t("rename replaces the target atomically and the source name goes", function* ({ sys }) {
    yield* writeFile(sys, "a", "new");
    yield* writeFile(sys, "b", "old");
    const ino = (yield* sys.stat("a")).ino;
    yield* sys.rename("a", "b");
    yield* fails(sys.stat("a"), E.ENOENT);
    assert.equal(yield* readFile(sys, "b"), "new");
    assert.equal((yield* sys.stat("b")).ino, ino);
  });

  t("rename moves a directory and its '..' follows", function* ({ sys }) {
    yield* sys.mkdir("x", 0o755);
    yield* sys.mkdir("y", 0o755);
    yield* sys.mkdir("x/d", 0o755);
    yield* writeFile(sys, "x/d/f", "in d");
    yield* sys.rename("x/d", "y/e");
    assert.equal(yield* readFile(sys, "y/e/f"), "in d");
    assert.equal((yield* sys.stat("y/e/..")).ino, (yield* sys.stat("y")).ino);
    assert.equal((yield* sys.stat("x")).nlink, 2);
    assert.equal((yield* sys.stat("y")).nlink, 3);
    yield* sys.chdir("y/e");
    assert.equal(yield* sys.getcwd(), "/mnt/y/e");
  });

  t(
    "rename errors: EINVAL into its own subtree, ENOTDIR, EISDIR, ENOTEMPTY, ENOENT",
    function* ({ sys }) {
      yield* sys.mkdir("d", 0o755);
      yield* sys.mkdir("d/sub", 0o755);
      yield* sys.mkdir("full", 0o755);
      yield* writeFile(sys, "full/f", "");
      yield* sys.mkdir("empty", 0o755);
      yield* writeFile(sys, "f", "");
      yield* fails(sys.rename("d", "d/sub/d2"), E.EINVAL);
      yield* fails(sys.rename("d", "d/d2"), E.EINVAL);
      yield* fails(sys.rename("d", "f"), E.ENOTDIR);
      yield* fails(sys.rename("f", "d"), E.EISDIR);
      yield* fails(sys.rename("d", "full"), E.ENOTEMPTY);
      yield* fails(sys.rename("none", "x"), E.ENOENT);
      yield* fails(sys.rename("f", "nodir/x"), E.ENOENT);
      yield* fails(sys.rename("d/.", "x"), E.EINVAL);
      yield* fails(sys.rename("f", "f/"), E.ENOTDIR);
      yield* sys.rename("d", "empty");
      assert.equal((yield* sys.stat("empty/sub")).mode & S_IFMT, S_IFDIR);
    },
  );

  t(
    "rename onto itself or onto another link of the same file changes nothing",
    function* ({ sys }) {
      yield* writeFile(sys, "f", "same");
      yield* sys.rename("f", "f");
      yield* sys.link("f", "g");
      yield* sys.rename("f", "g");
      assert.equal(yield* readFile(sys, "f"), "same");
      assert.equal(yield* readFile(sys, "g"), "same");
      assert.equal((yield* sys.stat("f")).nlink, 2);
    },
  );

  t("rename across mounts is EXDEV", function* ({ sys }) {
    yield* writeFile(sys, "f", "");
    yield* fails(sys.rename("f", "/f"), E.EXDEV);
    yield* fails(sys.rename("/mnt", "/mnt2"), E.EXDEV);
  });

  // --- link, symlink, readlink ---

  t("link adds a name: link counts, EEXIST, EPERM on directories", function* ({ sys }) {
    yield* writeFile(sys, "f", "data");
    yield* sys.link("f", "g");
    assert.equal((yield* sys.stat("f")).nlink, 2);
    assert.equal((yield* sys.stat("g")).ino, (yield* sys.stat("f")).ino);
    yield* fails(sys.link("f", "g"), E.EEXIST);
    yield* sys.mkdir("d", 0o755);
    yield* fails(sys.link("d", "d2"), E.EPERM);
    yield* fails(sys.link("none", "x"), E.ENOENT);
    yield* sys.unlink("f");
    assert.equal((yield* sys.stat("g")).nlink, 1);
    assert.equal(yield* readFile(sys, "g"), "data");
  });

  t("link across mounts is EXDEV", function* ({ sys }) {
    yield* writeFile(sys, "f", "");
    yield* fails(sys.link("f", "/f"), E.EXDEV);
  });

  t("symlink and readlink: the target text, EEXIST, EINVAL on a non-link", function* ({ sys }) {
    yield* sys.symlink("some/where", "l");
    assert.equal(yield* sys.readlink("l"), "some/where");
    yield* fails(sys.symlink("x", "l"), E.EEXIST);
    yield* writeFile(sys, "f", "");
    yield* fails(sys.readlink("f"), E.EINVAL);
    yield* fails(sys.readlink("none"), E.ENOENT);
  });

  t("a relative symbolic link resolves from its own directory", function* ({ sys }) {
    yield* sys.mkdir("d", 0o755);
    yield* writeFile(sys, "d/t", "rel");
    yield* sys.symlink("t", "d/l");
    yield* sys.symlink("d", "dl");
    assert.equal(yield* readFile(sys, "d/l"), "rel");
    assert.equal(yield* readFile(sys, "dl/l"), "rel");
    yield* sys.symlink("/mnt/d/t", "abs");
    assert.equal(yield* readFile(sys, "abs"), "rel");
  });

  t("a symbolic link loop is ELOOP", function* ({ sys }) {
    yield* sys.symlink("b", "a");
    yield* sys.symlink("a", "b");
    yield* fails(sys.open("a", O_RDONLY), E.ELOOP);
    yield* fails(sys.stat("a/x"), E.ELOOP);
    assert.equal((yield* sys.lstat("a")).mode & S_IFMT, S_IFLNK);
  });

  // --- truncate, chmod, utimes ---

  t("truncate shrinks and grows, zero-filling; ftruncate too", function* ({ sys }) {
    yield* writeFile(sys, "f", "abcdefgh");
    yield* sys.truncate("f", 3);
    assert.equal(yield* readFile(sys, "f"), "abc");
    yield* sys.truncate("f", 6);
    assert.equal(yield* readFile(sys, "f"), "abc\0\0\0");
    const fd = yield* sys.open("f", O_RDWR);
    yield* sys.ftruncate(fd, 5000);
    assert.equal((yield* sys.fstat(fd)).size, 5000);
    yield* sys.ftruncate(fd, 1);
    yield* sys.close(fd);
    assert.equal(yield* readFile(sys, "f"), "a");
  });

  t(
    "truncate errors: EISDIR on a directory, EINVAL for a negative length or O_RDONLY",
    function* ({ sys }) {
      yield* sys.mkdir("d", 0o755);
      yield* fails(sys.truncate("d", 0), E.EISDIR);
      yield* writeFile(sys, "f", "x");
      yield* fails(sys.truncate("f", -1), E.EINVAL);
      yield* fails(sys.truncate("none", 0), E.ENOENT);
      const fd = yield* sys.open("f", O_RDONLY);
      yield* fails(sys.ftruncate(fd, 0), E.EINVAL);
      yield* sys.close(fd);
    },
  );

  t("chmod changes the permission bits and keeps the type; ctime moves", function* ({ k, sys }) {
    yield* writeFile(sys, "f", "");
    const before = yield* sys.stat("f");
    yield* k.sleep(2e9);
    yield* sys.chmod("f", 0o4711);
    const st = yield* sys.stat("f");
    assert.equal(st.mode, S_IFREG | 0o4711);
    assert.ok(st.ctime.sec >= before.ctime.sec + 2);
    yield* fails(sys.chmod("none", 0o644), E.ENOENT);
  });

  t("utimes sets access and modification times", function* ({ sys }) {
    yield* writeFile(sys, "f", "");
    yield* sys.utimes("f", { sec: 1000, nsec: 5 }, { sec: 2000, nsec: 7000 });
    const st = yield* sys.stat("f");
    assert.equal(st.atime.sec, 1000);
    assert.equal(st.mtime.sec, 2000);
    yield* fails(sys.utimes("none", { sec: 0, nsec: 0 }, { sec: 0, nsec: 0 }), E.ENOENT);
  });

  // --- chdir, getcwd ---

  t(
    "chdir makes relative paths start there; ENOTDIR on a file; getcwd walks up",
    function* ({ sys }) {
      yield* sys.mkdir("a", 0o755);
      yield* sys.mkdir("a/b", 0o755);
      yield* sys.chdir("a/b");
      assert.equal(yield* sys.getcwd(), "/mnt/a/b");
      yield* writeFile(sys, "here", "!");
      assert.equal(yield* readFile(sys, "/mnt/a/b/here"), "!");
      yield* sys.chdir("../..");
      assert.equal(yield* sys.getcwd(), "/mnt");
      yield* writeFile(sys, "f", "");
      yield* fails(sys.chdir("f"), E.ENOTDIR);
      yield* fails(sys.chdir("none"), E.ENOENT);
    },
  );

  t("getcwd in a removed directory is ENOENT", function* ({ sys }) {
    yield* sys.mkdir("gone", 0o755);
    yield* sys.chdir("gone");
    yield* sys.rmdir("/mnt/gone");
    yield* fails(sys.getcwd(), E.ENOENT);
    yield* fails(sys.open("new", O_CREAT | O_WRONLY, 0o644), E.ENOENT);
  });

  // --- getdents ---

  t("getdents lists '.', '..' and every entry once, in batches, then []", function* ({ sys }) {
    yield* sys.mkdir("d", 0o755);
    const want: string[] = [];
    for (let i = 0; i < 150; i++) {
      want.push(`file${i}`);
      yield* writeFile(sys, `d/file${i}`, "");
    }
    const fd = yield* sys.open("d", O_RDONLY | O_DIRECTORY);
    const seen: string[] = [];
    let batches = 0;
    for (;;) {
      const b = yield* sys.getdents(fd);
      if (b.length === 0) break;
      batches++;
      for (const d of b) seen.push(d.name);
    }
    assert.ok(batches > 1);
    assert.deepEqual(seen.filter((n) => n === "." || n === "..").sort(), [".", ".."]);
    assert.deepEqual(seen.filter((n) => n !== "." && n !== "..").sort(), want.sort());
    assert.deepEqual(yield* sys.getdents(fd), []);
    yield* sys.close(fd);
    const f = yield* sys.open("d/file1", O_RDONLY);
    yield* fails(sys.getdents(f), E.ENOTDIR);
    yield* sys.close(f);
  });

  t("getdents gives each entry's inode number and type", function* ({ sys }) {
    yield* sys.mkdir("d", 0o755);
    yield* writeFile(sys, "d/f", "");
    yield* sys.mkdir("d/s", 0o755);
    yield* sys.symlink("f", "d/l");
    const fd = yield* sys.open("d", O_RDONLY);
    const all = [];
    for (let b = yield* sys.getdents(fd); b.length; b = yield* sys.getdents(fd)) all.push(...b);
    yield* sys.close(fd);
    const by = new Map(all.map((d) => [d.name, d]));
    assert.equal(by.get("f")!.type, 8);
    assert.equal(by.get("s")!.type, 4);
    assert.equal(by.get("l")!.type, 10);
    assert.equal(by.get("f")!.ino, (yield* sys.stat("d/f")).ino);
    assert.equal(by.get(".")!.ino, (yield* sys.stat("d")).ino);
    assert.equal(by.get("..")!.ino, (yield* sys.stat(".")).ino);
    assert.deepEqual(yield* listDir(sys, "d"), ["f", "l", "s"]);
  });

  // --- names ---

  t("a component of 255 bytes works and one of 256 is ENAMETOOLONG", function* ({ sys }) {
    const ok = "n".repeat(255);
    yield* writeFile(sys, ok, "long");
    assert.equal(yield* readFile(sys, ok), "long");
    yield* fails(sys.open("n".repeat(256), O_CREAT | O_WRONLY, 0o644), E.ENAMETOOLONG);
  });

  // --- statvfs, mounts ---

  t("statvfs and getmntinfo describe the mount at /mnt", function* ({ sys }) {
    const sv = yield* sys.statvfs("/mnt");
    assert.equal(sv.mntonname, "/mnt");
    assert.equal(sv.fstypename, fs.name);
    assert.ok(sv.blocks >= sv.bfree);
    const all = yield* sys.getmntinfo();
    assert.deepEqual(all.map((m) => m.mntonname), ["/", "/mnt"]);
    assert.equal((yield* sys.statvfs("/mnt/.")).mntonname, "/mnt");
  });

  t("unmount is EBUSY while a file is open, and a forced one revokes it", function* ({ sys }) {
    yield* sys.chdir("/");
    yield* writeFile(sys, "/mnt/f", "x");
    const fd = yield* sys.open("/mnt/f", O_RDONLY);
    yield* fails(sys.unmount("/mnt", 0), E.EBUSY);
    yield* sys.unmount("/mnt", MNT_FORCE);
    yield* fails(sys.read(fd, new Uint8Array(1)), E.EBADF);
    yield* sys.close(fd);
    assert.deepEqual(yield* listDir(sys, "/mnt"), []);
  });

  t("fsync succeeds on a written file", function* ({ sys }) {
    const fd = yield* sys.open("f", O_CREAT | O_RDWR, 0o644);
    yield* sys.write(fd, enc.encode("durable"));
    yield* sys.fsync(fd);
    yield* sys.close(fd);
  });
}
