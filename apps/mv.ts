/**
 * mv.ts — move files (mv(1)).
 *
 * Rules: `mv source target` or `mv source ... directory`; a target that is a directory
 * receives the source under its own name. Moves are rename(2); across file systems
 * (errno.EXDEV) a regular file or symbolic link is copied and the source removed, as NetBSD's
 * mv does (a directory across file systems is refused). Failures are reported
 * (`mv: a: No such file or directory`) and the status is 1.
 */
import {
  type App,
  Errno,
  errno,
  S_ISLNK,
  S_ISREG,
  type Sys,
  type Wait,
} from "../kernel/syscall/api.ts";
import { basename, copyFile, isDir, joinPath, warnErr } from "./lib/fsutil.ts";
import { eprint } from "./lib/stdio.ts";

function* move(sys: Sys, from: string, to: string): Wait {
  try {
    yield* sys.rename(from, to);
  } catch (e) {
    if (!(e instanceof Errno && e.errno === errno.EXDEV)) throw e;
    const st = yield* sys.lstat(from);
    if (S_ISLNK(st.mode)) yield* sys.symlink(yield* sys.readlink(from), to);
    else if (S_ISREG(st.mode)) yield* copyFile(sys, from, to, st.mode);
    else throw e;
    yield* sys.unlink(from);
  }
}

function* main(sys: Sys, argv: string[]): Wait<number> {
  const args = argv.slice(1);
  if (args.length < 2) {
    yield* eprint(sys, "usage: mv source target\n       mv source ... directory\n");
    return 1;
  }
  const target = args[args.length - 1];
  const sources = args.slice(0, -1);
  const toDir = yield* isDir(sys, target);
  if (sources.length > 1 && !toDir) {
    yield* eprint(sys, `mv: ${target} is not a directory\n`);
    return 1;
  }
  let status = 0;
  for (const s of sources) {
    const to = toDir ? joinPath(target, basename(s)) : target;
    try {
      yield* move(sys, s, to);
    } catch (e) {
      yield* warnErr(sys, "mv", s, e);
      status = 1;
    }
  }
  return status;
}

export const mv: App = { name: "mv", main, summary: "move files" };
export default mv;
