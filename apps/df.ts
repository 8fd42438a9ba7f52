/**
 * df.ts — report free space on file systems (df(1)), NetBSD's columns.
 *
 * Rules: `df [-k] [file ...]`: every mounted file system (getmntinfo), or the ones the
 * files are on (statvfs). Sizes are in 512-byte blocks, or KiB with -k; %Cap is
 * used / (used + avail), rounded up, as NetBSD's df computes it. A file that cannot be
 * examined is reported and the status is 1.
 */
import { type App, type StatVfs, type Sys, type Wait } from "../kernel/syscall/api.ts";
import { warnErr } from "./lib/fsutil.ts";
import { getopt } from "./lib/getopt.ts";
import { eprint, print } from "./lib/stdio.ts";

/** The df lines (header first) for `list`, in `unit`-byte blocks. */
export function formatDf(list: StatVfs[], unit: number): string {
  const rows = list.map((s) => {
    const blocks = Math.floor((s.blocks * s.bsize) / unit);
    const used = Math.floor(((s.blocks - s.bfree) * s.bsize) / unit);
    const avail = Math.floor((s.bavail * s.bsize) / unit);
    const cap = used + avail === 0 ? 100 : Math.ceil((used * 100) / (used + avail));
    return [s.mntfromname, String(blocks), String(used), String(avail), `${cap}%`, s.mntonname];
  });
  const head = ["Filesystem", unit === 1024 ? "1K-blocks" : "512-blocks", "Used", "Avail", "%Cap"];
  const fw = Math.max(10, ...rows.map((r) => r[0].length));
  const nw = [1, 2, 3].map((i) => Math.max(head[i].length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) =>
    `${r[0].padEnd(fw)} ${r[1].padStart(nw[0])} ${r[2].padStart(nw[1])} ${r[3].padStart(nw[2])} ${
      r[4].padStart(4)
    } ${r[5]}\n`;
  return line([...head, "Mounted on"]) + rows.map(line).join("");
}

function* main(sys: Sys, argv: string[]): Wait<number> {
  const g = getopt(argv.slice(1), "khl");
  if (!g.ok) {
    yield* eprint(sys, `df: ${g.error}\nusage: df [-k] [file ...]\n`);
    return 1;
  }
  const unit = g.value.opts.has("k") ? 1024 : 512;
  let status = 0;
  let list: StatVfs[] = [];
  if (g.value.operands.length === 0) list = yield* sys.getmntinfo();
  for (const f of g.value.operands) {
    try {
      list.push(yield* sys.statvfs(f));
    } catch (e) {
      yield* warnErr(sys, "df", f, e);
      status = 1;
    }
  }
  if (list.length) yield* print(sys, formatDf(list, unit));
  return status;
}

export const df: App = { name: "df", main, summary: "report free space on file systems" };
export default df;
