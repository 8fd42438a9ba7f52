/**
 * rm.ts — remove directory entries (rm(1)).
 *
 * Rules: `rm [-f] [-r|-R] file ...`. Without -r a directory is refused (`rm: d: is a
 * directory`); -r removes a directory's contents, then the directory (symbolic links are
 * removed, never followed). -f is quiet about names that do not exist and makes no
 * operand no error. "." and ".." are refused. Any failure makes the status 1.
 */
import { type App, Errno, errno, S_ISDIR, type Sys, type Wait } from "../kernel/syscall/api.ts";
import { basename, joinPath, readDirNames, warnErr } from "./lib/fsutil.ts";
import { getopt } from "./lib/getopt.ts";
import { eprint } from "./lib/stdio.ts";

function* remove(sys: Sys, path: string, recursive: boolean, force: boolean): Wait<boolean> {
  try {
    const st = yield* sys.lstat(path);
    if (!S_ISDIR(st.mode)) {
      yield* sys.unlink(path);
      return true;
    }
    if (!recursive) {
      yield* eprint(sys, `rm: ${path}: is a directory\n`);
      return false;
    }
    let ok = true;
    for (const n of yield* readDirNames(sys, path, true)) {
      if (n === "." || n === "..") continue;
      ok = (yield* remove(sys, joinPath(path, n), true, force)) && ok;
    }
    if (!ok) return false;
    yield* sys.rmdir(path);
    return true;
  } catch (e) {
    if (force && e instanceof Errno && e.errno === errno.ENOENT) return true;
    yield* warnErr(sys, "rm", path, e);
    return false;
  }
}

function* main(sys: Sys, argv: string[]): Wait<number> {
  const g = getopt(argv.slice(1), "frRi");
  if (!g.ok || (g.value.operands.length === 0 && !g.value.opts.has("f"))) {
    yield* eprint(sys, `${g.ok ? "" : `rm: ${g.error}\n`}usage: rm [-f] [-r] file ...\n`);
    return 1;
  }
  const recursive = g.value.opts.has("r") || g.value.opts.has("R");
  const force = g.value.opts.has("f");
  let status = 0;
  for (const p of g.value.operands) {
    const b = basename(p);
    if (b === "." || b === "..") {
      yield* eprint(sys, `rm: "." and ".." may not be removed\n`);
      status = 1;
      continue;
    }
    if (!(yield* remove(sys, p, recursive, force))) status = 1;
  }
  return status;
}

export const rm: App = { name: "rm", main, summary: "remove files and directories" };
export default rm;
