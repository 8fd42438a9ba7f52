/**
 * wc.ts — count lines, words and bytes (wc(1)).
 *
 * Rules: `wc [-clw] [file ...]`: by default lines, words and bytes, each right-aligned in
 * 8 columns (NetBSD's format), then the name; -l, -w, -c choose columns, in that order.
 * A word is a run of non-blank bytes (space, tab, newline, CR, FF, VT separate). With
 * several files a `total` line follows. No file or "-" is standard input (no name
 * printed). An unreadable file is reported and the status is 1.
 */
import { type App, type Sys, type Wait } from "../kernel/syscall/api.ts";
import { getopt } from "./lib/getopt.ts";
import { eprint, print } from "./lib/stdio.ts";
import { readInput } from "./lib/textin.ts";

function counts(b: Uint8Array): [number, number, number] {
  let l = 0;
  let w = 0;
  let inWord = false;
  for (const c of b) {
    if (c === 10) l++;
    const space = c === 32 || (c >= 9 && c <= 13);
    if (space) inWord = false;
    else if (!inWord) {
      inWord = true;
      w++;
    }
  }
  return [l, w, b.length];
}

function* main(sys: Sys, argv: string[]): Wait<number> {
  const g = getopt(argv.slice(1), "clw");
  if (!g.ok) {
    yield* eprint(sys, `wc: ${g.error}\nusage: wc [-clw] [file ...]\n`);
    return 1;
  }
  const o = g.value.opts;
  const any = o.has("l") || o.has("w") || o.has("c");
  const show = [!any || o.has("l"), !any || o.has("w"), !any || o.has("c")];
  const files = g.value.operands.length ? g.value.operands : ["-"];
  const total = [0, 0, 0];
  let status = 0;
  const line = (c: number[], name: string) =>
    c.filter((_, i) => show[i]).map((n) => String(n).padStart(8)).join("") +
    (name === "-" ? "" : ` ${name}`) + "\n";
  for (const name of files) {
    const b = yield* readInput(sys, "wc", name);
    if (b === null) {
      status = 1;
      continue;
    }
    const c = counts(b);
    c.forEach((n, i) => (total[i] += n));
    yield* print(sys, line(c, name));
  }
  if (files.length > 1) yield* print(sys, line(total, "total"));
  return status;
}

export const wc: App = { name: "wc", main, summary: "count lines, words and bytes" };
export default wc;
