/**
 * sqlite_test.ts — the unmodified SQLite shell (the amalgamation and shell.c of
 * sqlite-autoconf, as the npm `sqlite3` package's tarball carries it, fetched with `npm
 * pack` at test time and never committed) built with deno task cc, run in the POSIX image
 * on ext2 over virtio-blk: a database, a table and an index, 10,000 rows inserted in a
 * transaction, a query. Then on the host: the file is dumped out of the disk image with
 * debugfs, Python's sqlite3 says integrity_check ok and gives the same answer, and
 * e2fsck -fn is clean.
 *
 * The build (a few minutes) is cached in the system's temporary directory
 * (tests/wasm/sqlite_build.ts).
 */
import assert from "node:assert/strict";
import { main } from "../../cli/cli.ts";
import { CATALOG } from "../../main.ts";
import { debugfs, e2fsck, HAVE_E2FSPROGS, makeImage } from "../fs/ext2/e2fs_tools.ts";
import { sh, sqliteShell } from "./sqlite_build.ts";

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
