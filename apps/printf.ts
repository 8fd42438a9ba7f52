/**
 * printf.ts — formatted output (printf(1)).
 *
 * Rules: `printf format [argument ...]`: the format's backslash escapes (\\ \a \b \f \n \r
 * \t \v \" \NNN octal) and conversions %s %b %c %d %i %o %u %x %X %e %f %g %% with flags
 * (`-`, `0`, `+`, space, `#`), a width and a precision (`*` takes them from the
 * arguments). The format is reused while arguments remain. A missing argument is "" or 0;
 * an argument that is not a number for a numeric conversion is reported (`printf: x:
 * expected numeric value`), taken as 0, and the status is 1. `'c` gives c's code.
 */
import { type App, type Sys, type Wait } from "../kernel/syscall/api.ts";
import { eprint, print } from "./lib/stdio.ts";

/** Backslash escapes of a format or a %b argument; `stop` is set by \c in %b. */
function escapes(s: string, inB: boolean): { out: string; stop: boolean } {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c !== "\\" || i + 1 >= s.length) {
      out += c;
      continue;
    }
    const d = s[++i];
    const simple: Record<string, string> = {
      "\\": "\\",
      a: "\x07",
      b: "\b",
      f: "\f",
      n: "\n",
      r: "\r",
      t: "\t",
      v: "\v",
      '"': '"',
    };
    if (d in simple) out += simple[d];
    else if (d === "c" && inB) return { out, stop: true };
    else if (/[0-7]/.test(d)) {
      let j = i;
      const max = inB && d === "0" ? i + 4 : i + 3;
      while (j < max && j < s.length && /[0-7]/.test(s[j])) j++;
      out += String.fromCharCode(parseInt(s.slice(i, j), 8) & 0xff);
      i = j - 1;
    } else out += "\\" + d;
  }
  return { out, stop: false };
}

function* main(sys: Sys, argv: string[]): Wait<number> {
  if (argv.length < 2) {
    yield* eprint(sys, "usage: printf format [arg ...]\n");
    return 1;
  }
  const fmt = argv[1];
  const args = argv.slice(2);
  let ai = 0;
  let status = 0;
  const errs: string[] = [];
  const next = (): string | undefined => args[ai++];
  const numArg = (): number => {
    const a = next();
    if (a === undefined || a === "") return 0;
    if (/^['"]/.test(a)) return a.codePointAt(1) ?? 0;
    const n = /^[+-]?0[xX][0-9a-fA-F]+$/.test(a)
      ? parseInt(a, 16)
      : /^[+-]?0[0-7]+$/.test(a)
      ? parseInt(a, 8)
      : Number(a);
    if (!Number.isFinite(n) || /^\s*$/.test(a)) {
      errs.push(`printf: ${a}: expected numeric value\n`);
      status = 1;
      return 0;
    }
    return n;
  };
  let out = "";
  for (;;) {
    const startAi = ai;
    let stop = false;
    out += fmt.replace(
      /%([-+ #0]*)(\*|[0-9]+)?(?:\.(\*|[0-9]*))?([sbcdiouxXeEfgG%])|((?:[^%\\]|\\.?)+)|%/g,
      (all, flags: string, width: string, prec: string, conv: string, text: string) => {
        if (stop) return "";
        if (text !== undefined) return escapes(text, false).out;
        if (conv === undefined) return all;
        if (conv === "%") return "%";
        const w = width === "*" ? numArg() : width ? Number(width) : 0;
        const p = prec === "*" ? numArg() : prec !== undefined ? Number(prec || "0") : undefined;
        let s: string;
        switch (conv) {
          case "s":
            s = next() ?? "";
            if (p !== undefined) s = s.slice(0, p);
            break;
          case "b": {
            const r = escapes(next() ?? "", true);
            s = r.out;
            if (r.stop) stop = true;
            break;
          }
          case "c":
            s = (next() ?? "").slice(0, 1);
            break;
          case "d":
          case "i": {
            const n = Math.trunc(numArg());
            s = String(Math.abs(n));
            if (p !== undefined) s = s.padStart(p, "0");
            s = (n < 0 ? "-" : flags.includes("+") ? "+" : flags.includes(" ") ? " " : "") + s;
            break;
          }
          case "o":
          case "u":
          case "x":
          case "X": {
            let n = Math.trunc(numArg());
            if (n < 0) n = 2 ** 64 + n;
            s = n.toString(conv === "o" ? 8 : conv === "u" ? 10 : 16);
            if (conv === "X") s = s.toUpperCase();
            if (p !== undefined) s = s.padStart(p, "0");
            if (flags.includes("#") && n !== 0) {
              s = (conv === "o" ? "0" : conv === "x" ? "0x" : conv === "X" ? "0X" : "") + s;
            }
            break;
          }
          default: {
            const n = numArg();
            const pr = p ?? 6;
            s = conv === "f"
              ? n.toFixed(pr)
              : conv === "e" || conv === "E"
              ? n.toExponential(pr).replace(/e([+-])(\d)$/, "e$10$2")
              : String(Number(n.toPrecision(pr || 1)));
            if (conv === "E" || conv === "G") s = s.toUpperCase();
            if (n >= 0 && flags.includes("+")) s = "+" + s;
          }
        }
        if (s.length < w) {
          if (flags.includes("-")) s = s.padEnd(w);
          else if (flags.includes("0") && "diouxXeEfgG".includes(conv) && p === undefined) {
            const sign = /^[+\- ]/.test(s) ? s[0] : "";
            s = sign + s.slice(sign.length).padStart(w - sign.length, "0");
          } else s = s.padStart(w);
        }
        return s;
      },
    );
    if (stop || ai >= args.length || ai === startAi) break;
  }
  yield* print(sys, out);
  for (const e of errs) yield* eprint(sys, e);
  return status;
}

export const printf: App = { name: "printf", main, summary: "formatted output" };
export default printf;
