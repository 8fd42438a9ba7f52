/**
 * rmdir.ts — remove empty directories (rmdir(1)).
 *
 * Rules: `rmdir dir ...`; each failure is reported (`rmdir: a: Directory not empty`) and
 * the status is 1.
 */
import type { App, Sys, Wait } from "../kernel/syscall/api.ts";
import { warnErr } from "./lib/fsutil.ts";
import { eprint } from "./lib/stdio.ts";

function* main(sys: Sys, argv: string[]): Wait<number> {
  const dirs = argv.slice(1);
  if (dirs.length === 0) {
    yield* eprint(sys, "usage: rmdir directory ...\n");
    return 1;
  }
  let status = 0;
  for (const d of dirs) {
    try {
      yield* sys.rmdir(d);
    } catch (e) {
      yield* warnErr(sys, "rmdir", d, e);
      status = 1;
    }
  }
  return status;
}

export const rmdir: App = { name: "rmdir", main, summary: "remove empty directories" };
export default rmdir;
