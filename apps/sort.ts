/**
 * sort.ts — sort lines of text (sort(1)).
 *
 * Rules: `sort [-nru] [file ...]`: lines of all inputs together, compared bytewise (the C
 * locale); -n by the leading number (optional blanks and sign, digits, a fraction; a line
 * without one counts as 0, ties broken bytewise); -r reverses; -u keeps the first of equal
 * lines. The sort is stable. No file or "-" is standard input; an unreadable file is
 * reported and the status is 2 (sort's error status).
 */
import { type App, type Sys, type Wait } from "../kernel/syscall/api.ts";
import { getopt } from "./lib/getopt.ts";
import { eprint, print } from "./lib/stdio.ts";
import { lines, readTexts } from "./lib/textin.ts";

function num(s: string): number {
  const m = /^\s*([+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+))/.exec(s);
  return m ? Number(m[1]) : 0;
}

const bytewise = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function* main(sys: Sys, argv: string[]): Wait<number> {
  const g = getopt(argv.slice(1), "nru");
  if (!g.ok) {
    yield* eprint(sys, `sort: ${g.error}\nusage: sort [-nru] [file ...]\n`);
    return 2;
  }
  const o = g.value.opts;
  const { inputs, failed } = yield* readTexts(sys, "sort", g.value.operands);
  const all = inputs.flatMap((i) => lines(i.text));
  const key = o.has("n") ? (a: string, b: string) => num(a) - num(b) || bytewise(a, b) : bytewise;
  const cmp = o.has("r") ? (a: string, b: string) => key(b, a) : key;
  const sorted = all.map((s, i) => ({ s, i })).sort((x, y) => cmp(x.s, y.s) || x.i - y.i)
    .map((x) => x.s);
  const out = o.has("u")
    ? sorted.filter((s, i) =>
      i === 0 || (o.has("n") ? num(s) !== num(sorted[i - 1]) : s !== sorted[i - 1])
    )
    : sorted;
  yield* print(sys, out.map((s) => s + "\n").join(""));
  return failed ? 2 : 0;
}

export const sort: App = { name: "sort", main, summary: "sort lines of text" };
export default sort;
