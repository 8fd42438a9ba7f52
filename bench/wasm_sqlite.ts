/**
 * wasm_sqlite.ts — SQLite inserts per second in the POSIX image: the unmodified SQLite
 * shell (tests/wasm/sqlite_build.ts: built with deno task cc, cached) with its database on
 * ext2 over virtio-blk and on the tmpfs root; the host's own SQLite (Python's sqlite3
 * module, the same statements, a file in the host's temporary directory) is the reference
 * measured in the same run.
 *
 *   deno task bench wasm_sqlite, or deno run -A bench/wasm_sqlite.ts [N]
 *   (needs the C toolchain, e2fsprogs and python3; the first run builds SQLite: minutes)
 *
 * Two workloads: N rows (default 20,000) in one transaction (a recursive CTE's INSERT ...
 * SELECT, as tests/wasm/sqlite_test.ts does), and N/100 rows each in its own transaction
 * (one INSERT statement each: every commit writes, syncs and deletes the rollback
 * journal). Each figure is host time: a boot in virtual time, in this process, of the
 * POSIX image with the disk attached as `--wasm --blk DISK,/mnt` attaches it (cli/blk.ts),
 * the console discarded: the best of five boots inserting n rows less the best of five
 * inserting 1 row; rows per second of host time. A flush of the disk is an fsync of the
 * host's image file (host/blk_file.ts), so the ext2 figures include the host disk's sync;
 * the host's SQLite syncs its file too.
 */
import { openHostDisks } from "../cli/blk.ts";
import { posixImage } from "../images/posix.ts";
import { runImage } from "../rumprun/run.ts";
import { loadWasm } from "../wasm/loader.ts";
import { makeImage } from "../tests/fs/ext2/e2fs_tools.ts";
import { sh, sqliteShell } from "../tests/wasm/sqlite_build.ts";

const N = Number(Deno.args[0] ?? 20_000); // 50,000 rows overflow the 1 MiB tmpfs root
const SCHEMA = "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, v INTEGER); " +
  "CREATE INDEX t_v ON t(v);";

/** The statements that insert `n` rows: in one transaction, or one each. */
function sql(n: number, oneTxn: boolean): string {
  if (oneTxn) {
    return `${SCHEMA} BEGIN; WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c ` +
      `WHERE x<${n}) INSERT INTO t SELECT x, 'row '||x, (x*7919)%1000 FROM c; COMMIT;`;
  }
  let s = SCHEMA;
  for (let x = 1; x <= n; x++) {
    s += ` INSERT INTO t VALUES(${x}, 'row ${x}', ${(x * 7919) % 1000});`;
  }
  return s;
}

const t0 = performance.now();
const shell = await sqliteShell();
const buildMs = performance.now() - t0;
const empty = (await makeImage(async () => {}, { blockSize: 1024, blocks: 16384 })).bytes;
const disk = await Deno.makeTempFile({ prefix: "wasm-sqlite-disk-" });
const prog = loadWasm("sqlite3", await Deno.readFile(shell));
await boot("tmpfs", 1, true); // warm-up: the first boot compiles the simulator's code

/** Host ms of one boot inserting `n` rows with the database on `fs`. */
async function boot(fs: "ext2" | "tmpfs", n: number, oneTxn: boolean): Promise<number> {
  await Deno.writeFile(disk, empty);
  const db = fs === "ext2" ? "/mnt/test.db" : "/tmp/test.db";
  const s = performance.now();
  const host = openHostDisks(posixImage(prog, { args: [db, sql(n, oneTxn)] }), "posix", [
    { file: disk, path: "/mnt" },
  ]);
  try {
    const r = await runImage(host.image, {
      seed: 1,
      mode: "virtual",
      console: () => {},
      onBoot: (b) => host.attach(b.machine),
    });
    if (r.status !== 0) throw new Error(`sqlite3 on ${fs} exited ${r.status}`);
  } finally {
    host.close();
  }
  return performance.now() - s;
}

/** Rows per second of host time: the best of five boots of n rows less the best of 1. */
async function rate(fs: "ext2" | "tmpfs", n: number, oneTxn: boolean): Promise<number> {
  let bestN = Infinity, best1 = Infinity;
  for (let i = 0; i < 5; i++) {
    bestN = Math.min(bestN, await boot(fs, n, oneTxn));
    best1 = Math.min(best1, await boot(fs, 1, oneTxn));
  }
  return (n - 1) / ((bestN - best1) / 1000);
}

/** The host's SQLite: rows per second for the same statements, best of three. */
async function hostRate(n: number, oneTxn: boolean): Promise<number> {
  const dir = await Deno.makeTempDir({ prefix: "wasm-sqlite-host-" });
  try {
    const out = await sh("python3", [
      "-c",
      "import sqlite3,sys,time,os\n" +
      "bn=b1=1e9\n" +
      "for i in range(5):\n" +
      "  for n,k in ((int(sys.argv[2]),'n'),(1,'1')):\n" +
      "    p=sys.argv[1]+'/t'+k+str(i)+'.db'\n" +
      "    c=sqlite3.connect(p,isolation_level=None)\n" +
      "    s=sys.argv[3] if k=='n' else sys.argv[4]\n" +
      "    t=time.perf_counter(); c.executescript(s); d=time.perf_counter()-t\n" +
      "    c.close()\n" +
      "    if k=='n': bn=min(bn,d)\n" +
      "    else: b1=min(b1,d)\n" +
      "print((int(sys.argv[2])-1)/(bn-b1))",
      dir,
      String(n),
      sql(n, oneTxn),
      sql(1, oneTxn),
    ]);
    return Number(out.trim());
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

console.log(
  `wasm_sqlite: N=${N}; SQLite shell ${shell} (${(buildMs / 1000).toFixed(1)} s to find or build)`,
);
for (
  const [label, n, oneTxn] of [["one transaction", N, true], ["one each", N / 100, false]] as const
) {
  const ext2 = await rate("ext2", n, oneTxn);
  const tmpfs = await rate("tmpfs", n, oneTxn);
  const host = await hostRate(n, oneTxn);
  console.log(
    `${String(n).padStart(6)} rows, ${label.padEnd(15)} ext2 ${ext2.toFixed(0).padStart(7)}/s` +
      `   tmpfs ${tmpfs.toFixed(0).padStart(7)}/s   host SQLite ${host.toFixed(0).padStart(8)}/s`,
  );
}
await Deno.remove(disk);
