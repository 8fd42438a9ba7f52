/**
 * head.ts — the first lines (or bytes) of files (head(1)).
 *
 * Rules: `head [-n count | -c bytes] [file ...]`, default 10 lines; no operand or "-" is
 * standard input. With several files each gets a `==> name <==` header, separated by a
 * blank line. Input is read only as far as needed, so `head` ends early and a writer into
 * its pipe then gets SIGPIPE. A bad count is a usage error (status 1); an unreadable file
 * is reported and the status is 1.
 */
import { type App, O_RDONLY, type Sys, type Wait } from "../kernel/syscall/api.ts";
import { warnErr } from "./lib/fsutil.ts";
import { getopt, intArg } from "./lib/getopt.ts";
import { eprint, print, STDOUT, writeAll } from "./lib/stdio.ts";

const USAGE = "usage: head [-n lines | -c bytes] [file ...]\n";

/** Copies the first `count` lines (or bytes when `bytes`) of `fd` to stdout. */
function* headFd(sys: Sys, fd: number, count: number, bytes: boolean): Wait {
  const buf = new Uint8Array(4096);
  let left = count;
  while (left > 0) {
    const n = yield* sys.read(fd, buf.subarray(0, bytes ? Math.min(buf.length, left) : buf.length));
    if (n === 0) return;
    let end = n;
    if (bytes) left -= n;
    else {
      for (let i = 0; i < n; i++) {
        if (buf[i] === 10 && --left === 0) {
          end = i + 1;
          break;
        }
      }
    }
    yield* writeAll(sys, STDOUT, buf.subarray(0, end));
  }
}

function* main(sys: Sys, argv: string[]): Wait<number> {
  // The historical form `-N` means `-n N`.
  const args = argv.slice(1).map((
    a,
    i,
  ) => (i === 0 && /^-[0-9]+$/.test(a) ? `-n${a.slice(1)}` : a));
  const g = getopt(args, "n:c:");
  if (!g.ok) {
    yield* eprint(sys, `head: ${g.error}\n${USAGE}`);
    return 1;
  }
  const o = g.value.opts;
  const bytes = o.has("c");
  const raw = o.get("c") ?? o.get("n") ?? "10";
  const count = intArg(raw, 0, Number.MAX_SAFE_INTEGER);
  if (count === null) {
    yield* eprint(sys, `head: illegal ${bytes ? "byte" : "line"} count -- ${raw}\n`);
    return 1;
  }
  const files = g.value.operands.length ? g.value.operands : ["-"];
  let status = 0;
  for (const [i, name] of files.entries()) {
    if (files.length > 1) yield* print(sys, `${i > 0 ? "\n" : ""}==> ${name} <==\n`);
    try {
      if (name === "-") {
        yield* headFd(sys, 0, count, bytes);
        continue;
      }
      const fd = yield* sys.open(name, O_RDONLY);
      try {
        yield* headFd(sys, fd, count, bytes);
      } finally {
        yield* sys.close(fd);
      }
    } catch (e) {
      yield* warnErr(sys, "head", name, e);
      status = 1;
    }
  }
  return status;
}

export const head: App = { name: "head", main, summary: "print the first lines of files" };
export default head;
