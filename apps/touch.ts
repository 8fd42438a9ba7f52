/**
 * touch.ts — change file access and modification times (touch(1)).
 *
 * Rules: `touch [-c] file ...`; a file that exists gets both times set to now (utimes);
 * one that does not is made empty (mode 0666 less the umask) unless -c. Failures are
 * reported (`touch: a/b: No such file or directory`) and the status is 1.
 */
import {
  type App,
  CLOCK_REALTIME,
  Errno,
  errno,
  O_CREAT,
  O_WRONLY,
  type Sys,
  type Wait,
} from "../kernel/syscall/api.ts";
import { warnErr } from "./lib/fsutil.ts";
import { getopt } from "./lib/getopt.ts";
import { eprint } from "./lib/stdio.ts";

function* main(sys: Sys, argv: string[]): Wait<number> {
  const g = getopt(argv.slice(1), "c");
  if (!g.ok || g.value.operands.length === 0) {
    yield* eprint(sys, `${g.ok ? "" : `touch: ${g.error}\n`}usage: touch [-c] file ...\n`);
    return 1;
  }
  const noCreate = g.value.opts.has("c");
  let status = 0;
  for (const f of g.value.operands) {
    const now = sys.clock_gettime(CLOCK_REALTIME);
    try {
      yield* sys.utimes(f, now, now);
    } catch (e) {
      if (!(e instanceof Errno && e.errno === errno.ENOENT)) {
        yield* warnErr(sys, "touch", f, e);
        status = 1;
        continue;
      }
      if (noCreate) continue;
      try {
        yield* sys.close(yield* sys.open(f, O_WRONLY | O_CREAT, 0o666));
      } catch (e2) {
        yield* warnErr(sys, "touch", f, e2);
        status = 1;
      }
    }
  }
  return status;
}

export const touch: App = { name: "touch", main, summary: "change file times" };
export default touch;
