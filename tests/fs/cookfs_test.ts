/**
 * cookfs: the root tree archive (boot module "root.tar") unpacked into the root file
 * system at boot, with modes, owners and times kept; archives from GNU tar; a corrupt
 * archive leaves the root empty with a clear message.
 */
import assert from "node:assert/strict";
import { packUstar, type UstarEntry } from "../../fs/archive/ustar.ts";
import { cookfsUnpack, rumpfs_cookfs } from "../../fs/cookfs.ts";
import { S_IFDIR, S_IFLNK, S_IFMT, S_IFREG } from "../../kernel/syscall/api.ts";
import { listDir, readFile, runWithVfs } from "./support.ts";
import type { Kernel } from "../../kernel/kern/kernel.ts";

const te = new TextEncoder();

const TREE: UstarEntry[] = [
  { path: "etc", type: "dir", mode: 0o750, mtimeSec: 1_600_000_000, uid: 0, gid: 5 },
  {
    path: "etc/motd",
    type: "file",
    mode: 0o640,
    mtimeSec: 1_600_000_100,
    uid: 1000,
    gid: 100,
    data: te.encode("hello\n"),
  },
  {
    path: "bin/run.sh",
    type: "file",
    mode: 0o4755,
    mtimeSec: 1_600_000_200,
    data: te.encode("echo run\n"),
  },
  { path: "motd", type: "symlink", mode: 0o777, mtimeSec: 1_600_000_300, linkname: "etc/motd" },
];

function* bootWith(k: Kernel, bytes: Uint8Array) {
  k.bootModules = [{ name: "config.json", data: te.encode("{}") }, {
    name: "root.tar",
    data: bytes,
  }];
  yield* rumpfs_cookfs.init(k) as Generator<unknown, void, unknown>;
}

Deno.test("cookfs: the root.tar module is unpacked into / with modes, owners and mtimes", () => {
  runWithVfs(function* ({ k, sys }) {
    yield* bootWith(k, packUstar(TREE));
    assert.deepEqual(yield* listDir(sys, "/"), ["bin", "etc", "motd"]);
    const etc = yield* sys.lstat("/etc");
    assert.equal(etc.mode, S_IFDIR | 0o750);
    assert.equal(etc.mtime.sec, 1_600_000_000, "a directory keeps its mtime after its files");
    assert.equal(etc.gid, 5);
    const motd = yield* sys.lstat("/etc/motd");
    assert.deepEqual([motd.mode, motd.uid, motd.gid, motd.size, motd.mtime.sec], [
      S_IFREG | 0o640,
      1000,
      100,
      6,
      1_600_000_100,
    ]);
    assert.equal(yield* readFile(sys, "/etc/motd"), "hello\n");
    const run = yield* sys.lstat("/bin/run.sh");
    assert.equal(run.mode, S_IFREG | 0o4755);
    const bin = yield* sys.lstat("/bin");
    assert.equal(bin.mode, S_IFDIR | 0o755, "a parent the archive does not list is made 0755");
    const l = yield* sys.lstat("/motd");
    assert.equal(l.mode & S_IFMT, S_IFLNK);
    assert.equal(yield* sys.readlink("/motd"), "etc/motd");
    assert.equal(yield* readFile(sys, "/motd"), "hello\n");
  });
});

Deno.test("cookfs: the boot log says how many entries were unpacked", () => {
  runWithVfs(function* ({ k }) {
    yield* bootWith(k, packUstar(TREE));
    assert.match(k.msgbuf.text(), /cookfs: 4 entries unpacked from root\.tar into \/\n/);
  });
});

Deno.test("cookfs: a corrupt archive gets a clear message and leaves the root empty", () => {
  runWithVfs(function* ({ k, sys }) {
    const bytes = packUstar(TREE);
    bytes[512 + 3] ^= 0xff; // inside the second header: its checksum no longer matches
    yield* bootWith(k, bytes);
    assert.match(
      k.msgbuf.text(),
      /cookfs: root\.tar is not a valid archive \(ustar: header at byte \d+: bad checksum.*\); root left empty\n/,
    );
    assert.deepEqual(yield* listDir(sys, "/"), []);
  });
  runWithVfs(function* ({ k, sys }) {
    yield* bootWith(k, packUstar(TREE).subarray(0, 700)); // truncated in the first file
    assert.match(k.msgbuf.text(), /not a valid archive \(ustar: archive is truncated/);
    assert.deepEqual(yield* listDir(sys, "/"), []);
  });
});

Deno.test("cookfs: without a root.tar module the root is left as it is", () => {
  runWithVfs(function* ({ k, sys }) {
    yield* rumpfs_cookfs.init(k) as Generator<unknown, void, unknown>;
    assert.deepEqual(yield* listDir(sys, "/"), []);
    assert.doesNotMatch(k.msgbuf.text(), /cookfs/);
  });
});

Deno.test("cookfs: entries already there (the root, a mount point) are left as they are", () => {
  runWithVfs(function* ({ k, sys }) {
    yield* sys.mkdir("/tmp", 0o1777);
    yield* sys.chmod("/tmp", 0o1777);
    const r = yield* cookfsUnpack(
      k,
      packUstar([
        { path: ".", type: "dir", mode: 0o700, mtimeSec: 5 },
        { path: "tmp", type: "dir", mode: 0o700, mtimeSec: 5 },
        { path: "tmp/f", type: "file", mode: 0o600, mtimeSec: 5, data: te.encode("x") },
      ]),
    );
    assert.equal(r.made, 1);
    assert.equal((yield* sys.lstat("/tmp")).mode & 0o7777, 0o1777);
    assert.equal((yield* sys.lstat("/")).mode & 0o7777, 0o755);
    assert.equal((yield* sys.lstat("/tmp/f")).mode & 0o7777, 0o600);
  });
});

function hasTar(): boolean {
  try {
    new Deno.Command("tar", { args: ["--version"], stdout: "null", stderr: "null" }).outputSync();
    return true;
  } catch {
    return false;
  }
}

Deno.test({
  name: "cookfs: an archive GNU tar made on Linux unpacks with its modes, sizes and times",
  ignore: !hasTar(),
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      await Deno.mkdir(`${dir}/sub`);
      await Deno.writeTextFile(`${dir}/sub/data`, "x".repeat(1500));
      await Deno.writeTextFile(`${dir}/exec`, "#!/bin/sh\n");
      await Deno.symlink("sub/data", `${dir}/link`);
      await Deno.chmod(`${dir}/sub/data`, 0o604);
      await Deno.chmod(`${dir}/exec`, 0o2751);
      await Deno.chmod(`${dir}/sub`, 0o711);
      await Deno.utime(`${dir}/sub/data`, 1_500_000_000, 1_500_000_000);
      await Deno.utime(`${dir}/sub`, 1_400_000_000, 1_400_000_000);
      const tar = await new Deno.Command("tar", {
        args: ["--format=ustar", "-cf", "-", "-C", dir, "."],
        stdout: "piped",
      }).output();
      assert.ok(tar.success);
      const host = new Map<string, Deno.FileInfo>();
      for (const p of ["sub", "sub/data", "exec", "link"]) {
        host.set(p, await Deno.lstat(`${dir}/${p}`));
      }
      runWithVfs(function* ({ k, sys }) {
        yield* bootWith(k, tar.stdout);
        for (const [p, h] of host) {
          const st = yield* sys.lstat("/" + p);
          assert.equal(st.mode & 0o7777, h.isSymlink ? st.mode & 0o7777 : h.mode! & 0o7777, p);
          if (h.isFile) assert.equal(st.size, h.size, p);
          assert.equal(st.mtime.sec, Math.floor(h.mtime!.getTime() / 1000), p);
        }
        assert.equal(yield* readFile(sys, "/link"), "x".repeat(1500));
        assert.equal((yield* sys.lstat("/sub")).mtime.sec, 1_400_000_000);
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
