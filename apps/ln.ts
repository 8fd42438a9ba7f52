/**
 * ln.ts — make links (ln(1)).
 *
 * Rules: `ln [-s] [-f] target [link]` or `ln [-s] [-f] target ... directory`; with no
 * link name the link goes in "." under the target's name. -s makes symbolic links (the
 * target is stored as given), else hard links. -f removes an existing link name first.
 * Failures are reported (`ln: b: File exists`) and the status is 1.
 */
import { type App, type Sys, type Wait } from "../kernel/syscall/api.ts";
import { basename, errText, isDir, joinPath, warnErr } from "./lib/fsutil.ts";
import { getopt } from "./lib/getopt.ts";
import { eprint } from "./lib/stdio.ts";

function* main(sys: Sys, argv: string[]): Wait<number> {
  const g = getopt(argv.slice(1), "sfh");
  if (!g.ok || g.value.operands.length === 0) {
    yield* eprint(
      sys,
      `${
        g.ok ? "" : `ln: ${g.error}\n`
      }usage: ln [-fs] source [target]\n       ln [-fs] source ... directory\n`,
    );
    return 1;
  }
  const symbolic = g.value.opts.has("s");
  const force = g.value.opts.has("f");
  const args = g.value.operands;
  let dir: string | null = null;
  let targets = args;
  let name: string | null = null;
  if (args.length === 1) dir = ".";
  else if (yield* isDir(sys, args[args.length - 1])) {
    dir = args[args.length - 1];
    targets = args.slice(0, -1);
  } else if (args.length === 2) {
    targets = [args[0]];
    name = args[1];
  } else {
    yield* eprint(sys, `ln: ${args[args.length - 1]}: Not a directory\n`);
    return 1;
  }
  let status = 0;
  for (const t of targets) {
    const link = name ?? joinPath(dir!, basename(t));
    try {
      if (force) {
        try {
          yield* sys.unlink(link);
        } catch (e) {
          errText(e);
        }
      }
      if (!symbolic) {
        try {
          yield* sys.stat(t);
        } catch (e) {
          yield* warnErr(sys, "ln", t, e);
          status = 1;
          continue;
        }
      }
      if (symbolic) yield* sys.symlink(t, link);
      else yield* sys.link(t, link);
    } catch (e) {
      yield* warnErr(sys, "ln", link, e);
      status = 1;
    }
  }
  return status;
}

export const ln: App = { name: "ln", main, summary: "make links" };
export default ln;
