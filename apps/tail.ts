/**
 * tail.ts — the last lines (or bytes) of a file (tail(1)).
 *
 * Rules: `tail [-n [+]count | -c [+]count] [file ...]`, default the last 10 lines; a `+`
 * count starts at that line (byte), counting from 1. No operand or "-" is standard input;
 * several files get `==> name <==` headers. A bad count is a usage error (status 1); an
 * unreadable file is reported and the status is 1.
 */
import { type App, type Sys, type Wait } from "../kernel/syscall/api.ts";
import { getopt } from "./lib/getopt.ts";
import { eprint, print, STDOUT, writeAll } from "./lib/stdio.ts";
import { readInput } from "./lib/textin.ts";

function* main(sys: Sys, argv: string[]): Wait<number> {
  // The historical form `-N` means `-n N`.
  const args = argv.slice(1).map((
    a,
    i,
  ) => (i === 0 && /^-[0-9]+$/.test(a) ? `-n${a.slice(1)}` : a));
  const g = getopt(args, "n:c:");
  if (!g.ok) {
    yield* eprint(sys, `tail: ${g.error}\nusage: tail [-n count | -c count] [file ...]\n`);
    return 1;
  }
  const o = g.value.opts;
  const bytes = o.has("c");
  const raw = o.get("c") ?? o.get("n") ?? "10";
  const m = /^([+-]?)([0-9]+)$/.exec(raw);
  if (!m) {
    yield* eprint(sys, `tail: illegal offset -- ${raw}\n`);
    return 1;
  }
  const fromStart = m[1] === "+";
  const count = Number(m[2]);
  const files = g.value.operands.length ? g.value.operands : ["-"];
  let status = 0;
  for (const [i, name] of files.entries()) {
    const data = yield* readInput(sys, "tail", name);
    if (data === null) {
      status = 1;
      continue;
    }
    if (files.length > 1) yield* print(sys, `${i > 0 ? "\n" : ""}==> ${name} <==\n`);
    let start: number;
    if (bytes) start = fromStart ? Math.max(0, count - 1) : Math.max(0, data.length - count);
    else {
      // Offsets where lines start; a trailing newline does not start one.
      const starts = [0];
      for (let k = 0; k < data.length - 1; k++) if (data[k] === 10) starts.push(k + 1);
      if (data.length === 0) starts.pop();
      if (fromStart) start = count <= 1 ? 0 : starts[count - 1] ?? data.length;
      else start = count === 0 ? data.length : starts[Math.max(0, starts.length - count)] ?? 0;
    }
    yield* writeAll(sys, STDOUT, data.subarray(start));
  }
  return status;
}

export const tail: App = { name: "tail", main, summary: "print the last lines of files" };
export default tail;
