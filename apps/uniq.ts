/**
 * uniq.ts — report or filter out repeated adjacent lines (uniq(1)).
 *
 * Rules: `uniq [-c | -d | -u] [input [output]]`: of each run of equal adjacent lines one
 * is printed; -c prefixes the run's length (`%4d `, NetBSD's format), -d prints only runs
 * of two or more, -u only lines that are not repeated. No input or "-" is standard input;
 * an unreadable input or an output that cannot be created is reported, status 1.
 */
import {
  type App,
  O_CREAT,
  O_TRUNC,
  O_WRONLY,
  type Sys,
  type Wait,
} from "../kernel/syscall/api.ts";
import { warnErr } from "./lib/fsutil.ts";
import { getopt } from "./lib/getopt.ts";
import { eprint, STDOUT, writeAll } from "./lib/stdio.ts";
import { lines, readInput } from "./lib/textin.ts";

const dec = new TextDecoder();
const enc = new TextEncoder();

function* main(sys: Sys, argv: string[]): Wait<number> {
  const g = getopt(argv.slice(1), "cdu");
  if (!g.ok || g.value.operands.length > 2) {
    yield* eprint(
      sys,
      `uniq: ${
        g.ok ? "too many operands" : g.error
      }\nusage: uniq [-c | -d | -u] [input [output]]\n`,
    );
    return 1;
  }
  const o = g.value.opts;
  const [input = "-", output] = g.value.operands;
  const data = yield* readInput(sys, "uniq", input);
  if (data === null) return 1;
  const ls = lines(dec.decode(data));
  let out = "";
  for (let i = 0; i < ls.length;) {
    let j = i + 1;
    while (j < ls.length && ls[j] === ls[i]) j++;
    const n = j - i;
    if ((!o.has("d") || n > 1) && (!o.has("u") || n === 1)) {
      out += (o.has("c") ? `${String(n).padStart(4)} ` : "") + ls[i] + "\n";
    }
    i = j;
  }
  let fd = STDOUT;
  if (output !== undefined && output !== "-") {
    try {
      fd = yield* sys.open(output, O_WRONLY | O_CREAT | O_TRUNC, 0o666);
    } catch (e) {
      yield* warnErr(sys, "uniq", output, e);
      return 1;
    }
  }
  yield* writeAll(sys, fd, enc.encode(out));
  if (fd !== STDOUT) yield* sys.close(fd);
  return 0;
}

export const uniq: App = { name: "uniq", main, summary: "filter repeated adjacent lines" };
export default uniq;
