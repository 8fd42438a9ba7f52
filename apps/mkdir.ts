/**
 * mkdir.ts — make directories (mkdir(1)).
 *
 * Rules: `mkdir [-p] [-m mode] dir ...`; the mode is octal (default 0777 less the umask).
 * -p makes missing parents and is quiet about a directory that exists. Each failure is
 * reported (`mkdir: a: File exists`) and the status is 1.
 */
import { type App, Errno, errno, S_ISDIR, type Sys, type Wait } from "../kernel/syscall/api.ts";
import { warnErr } from "./lib/fsutil.ts";
import { getopt } from "./lib/getopt.ts";
import { eprint } from "./lib/stdio.ts";

function* mkdirP(sys: Sys, path: string, mode: number): Wait {
  let at = path.startsWith("/") ? "" : ".";
  for (const part of path.split("/").filter((s) => s !== "")) {
    at += "/" + part;
    try {
      yield* sys.mkdir(at, mode);
    } catch (e) {
      if (!(e instanceof Errno && e.errno === errno.EEXIST)) throw e;
      if (!S_ISDIR((yield* sys.stat(at)).mode)) throw e;
    }
  }
}

function* main(sys: Sys, argv: string[]): Wait<number> {
  const g = getopt(argv.slice(1), "pm:");
  const m = g.ok ? g.value.opts.get("m") : undefined;
  if (!g.ok || g.value.operands.length === 0 || (m !== undefined && !/^[0-7]{1,4}$/.test(m))) {
    yield* eprint(
      sys,
      `${g.ok ? "" : `mkdir: ${g.error}\n`}usage: mkdir [-p] [-m mode] dirname ...\n`,
    );
    return 1;
  }
  const mode = m !== undefined ? parseInt(m, 8) : 0o777;
  let status = 0;
  for (const d of g.value.operands) {
    try {
      if (g.value.opts.has("p")) yield* mkdirP(sys, d, mode);
      else yield* sys.mkdir(d, mode);
      if (m !== undefined) yield* sys.chmod(d, mode);
    } catch (e) {
      yield* warnErr(sys, "mkdir", d, e);
      status = 1;
    }
  }
  return status;
}

export const mkdir: App = { name: "mkdir", main, summary: "make directories" };
export default mkdir;
