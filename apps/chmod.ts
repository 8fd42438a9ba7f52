/**
 * chmod.ts — change file modes (chmod(1)), with octal modes.
 *
 * Rules: `chmod mode file ...`; the mode is octal (e.g. 755, 1777). Failures are
 * reported (`chmod: x: No such file or directory`) and the status is 1.
 */
import type { App, Sys, Wait } from "../kernel/syscall/api.ts";
import { warnErr } from "./lib/fsutil.ts";
import { eprint } from "./lib/stdio.ts";

function* main(sys: Sys, argv: string[]): Wait<number> {
  const [mode, ...files] = argv.slice(1);
  if (mode === undefined || files.length === 0) {
    yield* eprint(sys, "usage: chmod mode file ...\n");
    return 1;
  }
  if (!/^[0-7]{1,4}$/.test(mode)) {
    yield* eprint(sys, `chmod: invalid file mode: ${mode}\n`);
    return 1;
  }
  let status = 0;
  for (const f of files) {
    try {
      yield* sys.chmod(f, parseInt(mode, 8));
    } catch (e) {
      yield* warnErr(sys, "chmod", f, e);
      status = 1;
    }
  }
  return status;
}

export const chmod: App = { name: "chmod", main, summary: "change file modes" };
export default chmod;
