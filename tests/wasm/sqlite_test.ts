/**
 * sqlite_test.ts — the unmodified SQLite shell (the amalgamation and shell.c of
 * sqlite-autoconf, as the npm `sqlite3` package's tarball carries it, fetched with `npm
 * pack` at test time and never committed) built with deno task cc, run in the POSIX image
 * on ext2 over virtio-blk: a database, a table and an index, 10,000 rows inserted in a
 * transaction, a query. Then on the host: the file is dumped out of the disk image with
 * debugfs, Python's sqlite3 says integrity_check ok and gives the same answer, and
 * e2fsck -fn is clean.
 *
 * The build (a few minutes) is cached in the system's temporary directory, keyed by the
 * SQLite version and a hash of the compiler wrapper and the C overlay.
 */
import assert from "node:assert/strict";
import { main } from "../../cli/cli.ts";
import { cc } from "../../cli/cc.ts";
import { CATALOG } from "../../main.ts";
import { debugfs, e2fsck, HAVE_E2FSPROGS, makeImage } from "../fs/ext2/e2fs_tools.ts";
import { requireToolchain } from "./support.ts";

const NPM_PACKAGE = "sqlite3@5.1.7";
const AUTOCONF = "sqlite-autoconf-3440200";

async function sh(cmd: string, args: string[], cwd?: string): Promise<string> {
  const r = await new Deno.Command(cmd, { args, cwd, stdout: "piped", stderr: "piped" }).output();
  const td = new TextDecoder();
  if (r.code !== 0) {
    throw new Error(`${cmd} ${args.join(" ")}: status ${r.code}: ${td.decode(r.stderr).trim()}`);
  }
  return td.decode(r.stdout);
}

async function overlayHash(): Promise<string> {
  const root = new URL("../../", import.meta.url);
  const parts: Uint8Array[] = [await Deno.readFile(new URL("cli/cc.ts", root))];
  const walk = async (dir: URL) => {
    const names = [...Deno.readDirSync(dir)].sort((a, b) => a.name < b.name ? -1 : 1);
    for (const e of names) {
      if (e.isDirectory) await walk(new URL(`${e.name}/`, dir));
      else parts.push(await Deno.readFile(new URL(e.name, dir)));
    }
  };
  await walk(new URL("wasm/libc/", root));
  const all = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) all.set(p, (o += p.length) - p.length);
  const h = new Uint8Array(await crypto.subtle.digest("SHA-256", all));
  return [...h.subarray(0, 8)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The SQLite shell as a rumpsim program: fetched, built, cached. */
async function sqliteShell(): Promise<string> {
  requireToolchain();
  const cached = `${
    Deno.env.get("TMPDIR") ?? "/tmp"
  }/rumpsim-${AUTOCONF}-${await overlayHash()}.wasm`;
  try {
    Deno.statSync(cached);
    return cached;
  } catch { /* build it */ }
  const dir = await Deno.makeTempDir({ prefix: "rumpsim-sqlite-" });
  try {
    try {
      await sh("npm", ["pack", "--silent", NPM_PACKAGE], dir);
    } catch (e) {
      throw new Error(
        `fetching ${NPM_PACKAGE} from the npm registry failed: ${(e as Error).message}`,
      );
    }
    await sh("tar", ["xzf", "sqlite3-5.1.7.tgz", `package/deps/${AUTOCONF}.tar.gz`], dir);
    await sh("tar", ["xzf", `package/deps/${AUTOCONF}.tar.gz`], dir);
    const src = `${dir}/${AUTOCONF}`;
    const out = `${dir}/sqlite3.wasm`;
    const code = await cc([
      "-O2",
      "-DSQLITE_THREADSAFE=0",
      "-DSQLITE_OMIT_LOAD_EXTENSION",
      "-DSQLITE_OMIT_WAL",
      `${src}/shell.c`,
      `${src}/sqlite3.c`,
      "-o",
      out,
    ]);
    if (code !== 0) throw new Error(`deno task cc of SQLite failed with status ${code}`);
    await Deno.copyFile(out, cached);
    return cached;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const SQL = [
  "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, v INTEGER);",
  "CREATE INDEX t_v ON t(v);",
  "BEGIN;",
  "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x<10000)",
  "  INSERT INTO t SELECT x, 'row '||x, (x*7919)%1000 FROM c;",
  "COMMIT;",
].join(" ");
const QUERY = "SELECT count(*), sum(v), max(name) FROM t WHERE v < 500";

Deno.test({
  name:
    "SQLite's own shell on ext2 over virtio-blk: 10,000 rows in a transaction; the host's SQLite agrees",
  ignore: !HAVE_E2FSPROGS,
  async fn() {
    const shell = await sqliteShell();
    const img = await makeImage(async () => {}, { blockSize: 1024, blocks: 16384 });
    const disk = await Deno.makeTempFile({ prefix: "sqlite-disk-" });
    const dump = await Deno.makeTempDir({ prefix: "sqlite-dump-" });
    try {
      await Deno.writeFile(disk, img.bytes);
      const status = await main(
        [
          "--wasm",
          shell,
          "--blk",
          `${disk},/mnt`,
          "--",
          "-cmd",
          ".output /mnt/answer.txt",
          "/mnt/test.db",
          `${SQL} ${QUERY};`,
        ],
        CATALOG,
      );
      assert.equal(status, 0);
      const bytes = await Deno.readFile(disk);
      const fsck = await e2fsck(bytes);
      assert.equal(fsck.code, 0, fsck.out);
      assert.equal(await debugfs(bytes, "cat /answer.txt"), "5000|1247500|row 9999\n");
      await sh("/sbin/debugfs", ["-R", `dump /test.db ${dump}/test.db`, disk]);
      const py = await sh("python3", [
        "-c",
        "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]);" +
        "print(c.execute('PRAGMA integrity_check').fetchone()[0]);" +
        "print('|'.join(map(str, c.execute(sys.argv[2]).fetchone())))",
        `${dump}/test.db`,
        QUERY,
      ]);
      assert.equal(py, "ok\n5000|1247500|row 9999\n");
    } finally {
      await Deno.remove(disk);
      await Deno.remove(dump, { recursive: true });
    }
  },
});
