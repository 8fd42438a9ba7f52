/**
 * regex.ts — POSIX regular expressions (XBD 9: basic and extended) as JavaScript RegExps,
 * for grep.
 *
 * Rules: pure. BRE: `\(` `\)` group, `\{m,n\}` interval, `*` repeats (literal at the
 * start of an expression or a group, or after `^`), and `+ ? | ( ) { }` are literal (GNU's
 * `\+ \? \|` are accepted). ERE: those are operators, as in JavaScript. In both, a bracket
 * expression keeps its POSIX meaning: `]` first is literal, a backslash inside is literal,
 * and the classes `[:alpha:]`, `[:digit:]`, `[:alnum:]`, `[:upper:]`, `[:lower:]`,
 * `[:space:]`, `[:blank:]`, `[:punct:]`, `[:xdigit:]` are known. An expression JavaScript
 * cannot compile throws `RegexError` with its message.
 */

export class RegexError extends Error {}

const CLASSES: Record<string, string> = {
  alpha: "A-Za-z",
  digit: "0-9",
  alnum: "0-9A-Za-z",
  upper: "A-Z",
  lower: "a-z",
  space: " \\t\\n\\r\\f\\v",
  blank: " \\t",
  punct: "!-\\/:-@\\[-`{-~",
  xdigit: "0-9A-Fa-f",
};

/** Copies the bracket expression at re[i] ('['); returns [JS text, index after]. */
function bracket(re: string, i: number): [string, number] {
  let out = "[";
  let j = i + 1;
  if (re[j] === "^") {
    out += "^";
    j++;
  }
  let first = true;
  for (; j < re.length; j++) {
    const c = re[j];
    if (c === "]" && !first) return [out + "]", j + 1];
    first = false;
    if (c === "[" && re[j + 1] === ":") {
      const end = re.indexOf(":]", j + 2);
      if (end < 0) throw new RegexError("unterminated character class");
      const name = re.slice(j + 2, end);
      const cls = CLASSES[name];
      if (!cls) throw new RegexError(`unknown character class [:${name}:]`);
      out += cls;
      j = end + 1;
    } else if (c === "]" || c === "\\" || c === "[") out += "\\" + c;
    else out += c;
  }
  throw new RegexError("brackets ([ ]) not balanced");
}

/** Translates a POSIX RE (basic unless `extended`) to JavaScript regex source. */
export function posixToJs(re: string, extended: boolean): string {
  let out = "";
  let atStart = true;
  for (let i = 0; i < re.length;) {
    const c = re[i];
    if (c === "[") {
      const [b, next] = bracket(re, i);
      out += b;
      i = next;
      atStart = false;
      continue;
    }
    if (extended) {
      if (c === "\\" && i + 1 < re.length) {
        out += "\\" + re[i + 1];
        i += 2;
      } else {
        out += c;
        i++;
      }
      continue;
    }
    if (c === "\\" && i + 1 < re.length) {
      const d = re[i + 1];
      if ("(){}|+?".includes(d)) {
        out += d;
        atStart = d === "(" || d === "|";
      } else {
        out += "\\" + d;
        atStart = false;
      }
      i += 2;
      continue;
    }
    if (c === "*" && atStart) out += "\\*";
    else if ("(){}|+?".includes(c)) out += "\\" + c;
    else out += c;
    atStart = c === "^" && out.length === 1;
    i++;
  }
  return out;
}

/** Compiles a POSIX RE; `fixed` matches the text literally, `whole` only whole lines. */
export function compile(
  re: string,
  opts: { extended?: boolean; fixed?: boolean; icase?: boolean; whole?: boolean },
): RegExp {
  let src = opts.fixed
    ? re.replace(/[.*+?^${}()|[\]\\\/]/g, "\\$&")
    : posixToJs(re, opts.extended ?? false);
  if (opts.whole) src = `^(?:${src})$`;
  try {
    return new RegExp(src, opts.icase ? "i" : "");
  } catch (e) {
    throw new RegexError(
      e instanceof Error ? e.message.replace(/^Invalid regular expression: /, "") : String(e),
    );
  }
}
