/**
 * umount.ts — unmount file systems (umount(8)).
 *
 * Rules: `umount [-f] dir ...`; -f forces (MNT_FORCE). Failures are reported
 * (`umount: /tmp: Device busy`) and the status is 1.
 */
import { type App, MNT_FORCE, type Sys, type Wait } from "../kernel/syscall/api.ts";
import { warnErr } from "./lib/fsutil.ts";
import { getopt } from "./lib/getopt.ts";
import { eprint } from "./lib/stdio.ts";

function* main(sys: Sys, argv: string[]): Wait<number> {
  const g = getopt(argv.slice(1), "f");
  if (!g.ok || g.value.operands.length === 0) {
    yield* eprint(sys, `${g.ok ? "" : `umount: ${g.error}\n`}usage: umount [-f] dir ...\n`);
    return 1;
  }
  const flags = g.value.opts.has("f") ? MNT_FORCE : 0;
  let status = 0;
  for (const d of g.value.operands) {
    try {
      yield* sys.unmount(d, flags);
    } catch (e) {
      yield* warnErr(sys, "umount", d, e);
      status = 1;
    }
  }
  return status;
}

export const umount: App = { name: "umount", main, summary: "unmount file systems" };
export default umount;
