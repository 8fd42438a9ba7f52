/**
 * cp.ts — copy files (cp(1)).
 *
 * Rules: `cp [-R|-r] source target` or `cp [-R|-r] source ... directory`. Regular files
 * are copied with their permission bits; a directory source needs -R (else `cp: d is a
 * directory (not copied).`), which copies its tree, making symbolic links anew rather than
 * following them. Copying a file onto itself is refused. Failures are reported and the
 * status is 1.
 */
import { type App, S_ISDIR, S_ISLNK, type Sys, type Wait } from "../kernel/syscall/api.ts";
import { basename, copyFile, isDir, joinPath, readDirNames, warnErr } from "./lib/fsutil.ts";
import { getopt } from "./lib/getopt.ts";
import { eprint } from "./lib/stdio.ts";

function* copy(
  sys: Sys,
  from: string,
  to: string,
  recursive: boolean,
  top: boolean,
): Wait<boolean> {
  try {
    const st = top ? yield* sys.stat(from) : yield* sys.lstat(from);
    if (S_ISDIR(st.mode)) {
      if (!recursive) {
        yield* eprint(sys, `cp: ${from} is a directory (not copied).\n`);
        return false;
      }
      if (!(yield* isDir(sys, to))) yield* sys.mkdir(to, st.mode & 0o7777);
      let ok = true;
      for (const n of yield* readDirNames(sys, from, true)) {
        if (n === "." || n === "..") continue;
        ok = (yield* copy(sys, joinPath(from, n), joinPath(to, n), true, false)) && ok;
      }
      return ok;
    }
    if (S_ISLNK(st.mode)) {
      yield* sys.symlink(yield* sys.readlink(from), to);
      return true;
    }
    try {
      const dst = yield* sys.stat(to);
      if (dst.ino === st.ino && dst.dev === st.dev) {
        yield* eprint(sys, `cp: ${from} and ${to} are identical (not copied).\n`);
        return false;
      }
    } catch { /* the target does not exist yet */ }
    yield* copyFile(sys, from, to, st.mode);
    return true;
  } catch (e) {
    yield* warnErr(sys, "cp", from, e);
    return false;
  }
}

function* main(sys: Sys, argv: string[]): Wait<number> {
  const g = getopt(argv.slice(1), "Rrpf");
  if (!g.ok || g.value.operands.length < 2) {
    yield* eprint(
      sys,
      `${
        g.ok ? "" : `cp: ${g.error}\n`
      }usage: cp [-R] source target\n       cp [-R] source ... directory\n`,
    );
    return 1;
  }
  const recursive = g.value.opts.has("R") || g.value.opts.has("r");
  const args = g.value.operands;
  const target = args[args.length - 1];
  const sources = args.slice(0, -1);
  const toDir = yield* isDir(sys, target);
  if (sources.length > 1 && !toDir) {
    yield* eprint(sys, `cp: ${target} is not a directory\n`);
    return 1;
  }
  let status = 0;
  for (const s of sources) {
    const to = toDir ? joinPath(target, basename(s)) : target;
    if (!(yield* copy(sys, s, to, recursive, true))) status = 1;
  }
  return status;
}

export const cp: App = { name: "cp", main, summary: "copy files" };
export default cp;
