/**
 * cat.ts — concatenate files to standard output (cat(1)).
 *
 * Rules: `cat [file ...]`; no operand or "-" reads standard input. A file that cannot be
 * read is reported (`cat: x: No such file or directory`), the others are still copied,
 * and the status is 1.
 */
import { type App, O_RDONLY, type Sys, type Wait } from "../kernel/syscall/api.ts";
import { warnErr } from "./lib/fsutil.ts";
import { STDOUT, writeAll } from "./lib/stdio.ts";

function* copyFd(sys: Sys, fd: number): Wait {
  const buf = new Uint8Array(65536);
  for (;;) {
    const n = yield* sys.read(fd, buf);
    if (n === 0) return;
    yield* writeAll(sys, STDOUT, buf.subarray(0, n));
  }
}

function* main(sys: Sys, argv: string[]): Wait<number> {
  let args = argv.slice(1);
  if (args[0] === "--") args = args.slice(1);
  if (args.length === 0) args = ["-"];
  let status = 0;
  for (const name of args) {
    try {
      if (name === "-") {
        yield* copyFd(sys, 0);
        continue;
      }
      const fd = yield* sys.open(name, O_RDONLY);
      try {
        yield* copyFd(sys, fd);
      } finally {
        yield* sys.close(fd);
      }
    } catch (e) {
      yield* warnErr(sys, "cat", name, e);
      status = 1;
    }
  }
  return status;
}

export const cat: App = { name: "cat", main, summary: "concatenate files" };
export default cat;
