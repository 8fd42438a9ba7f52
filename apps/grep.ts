/**
 * grep.ts — print the lines that match a pattern (grep(1)).
 *
 * Rules: `grep [-EFcilnqsvx] [-e pattern] pattern [file ...]`: basic regular expressions
 * by default, -E extended, -F fixed strings (apps/lib/regex.ts); -i ignores case, -v
 * selects lines that do not match, -x whole lines only, -c prints counts, -l names of
 * files with a match, -n line numbers, -q prints nothing, -s hides unreadable-file errors.
 * With several files each line is prefixed `name:`. No file or "-" is standard input.
 * Status: 0 when a line was selected, 1 when none was, 2 on an error (a bad pattern, an
 * unreadable file) unless -q found a match.
 */
import { type App, type Sys, type Wait } from "../kernel/syscall/api.ts";
import { getopt } from "./lib/getopt.ts";
import { compile, RegexError } from "./lib/regex.ts";
import { eprint, print } from "./lib/stdio.ts";
import { lines, readInput } from "./lib/textin.ts";

const USAGE = "usage: grep [-EFcilnqsvx] [-e pattern] pattern [file ...]\n";
const dec = new TextDecoder();

function* main(sys: Sys, argv: string[]): Wait<number> {
  const g = getopt(argv.slice(1), "EFcilnqsvxe:");
  if (!g.ok) {
    yield* eprint(sys, `grep: ${g.error}\n${USAGE}`);
    return 2;
  }
  const o = g.value.opts;
  const operands = [...g.value.operands];
  const pattern = o.get("e") ?? operands.shift();
  if (pattern === undefined) {
    yield* eprint(sys, USAGE);
    return 2;
  }
  let re: RegExp;
  try {
    re = compile(pattern, {
      extended: o.has("E"),
      fixed: o.has("F"),
      icase: o.has("i"),
      whole: o.has("x"),
    });
  } catch (e) {
    if (!(e instanceof RegexError)) throw e;
    yield* eprint(sys, `grep: ${e.message}\n`);
    return 2;
  }
  const files = operands.length ? operands : ["-"];
  const many = files.length > 1;
  let selected = false;
  let error = false;
  for (const name of files) {
    const data = o.has("s") ? yield* readQuiet(sys, name) : yield* readInput(sys, "grep", name);
    if (data === null) {
      error = true;
      continue;
    }
    let count = 0;
    let out = "";
    for (const [i, line] of lines(dec.decode(data)).entries()) {
      if (re.test(line) === o.has("v")) continue;
      count++;
      selected = true;
      if (o.has("q")) return 0;
      if (o.has("l")) break;
      if (!o.has("c")) out += `${many ? name + ":" : ""}${o.has("n") ? `${i + 1}:` : ""}${line}\n`;
    }
    if (o.has("l")) {
      if (count) out = `${name === "-" ? "(standard input)" : name}\n`;
    } else if (o.has("c")) out = `${many ? name + ":" : ""}${count}\n`;
    yield* print(sys, out);
  }
  if (error && !(o.has("q") && selected)) return 2;
  return selected ? 0 : 1;
}

function* readQuiet(sys: Sys, name: string): Wait<Uint8Array | null> {
  const quiet: Sys = {
    ...sys,
    write: function* (fd, buf) {
      return fd === 2 ? buf.length : yield* sys.write(fd, buf);
    },
  };
  return yield* readInput(quiet, "grep", name);
}

export const grep: App = { name: "grep", main, summary: "print lines matching a pattern" };
export default grep;
