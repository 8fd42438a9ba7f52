/**
 * getopt.ts — getopt(3) for apps: single-letter options, clustered (`-qv`), with
 * arguments attached or separate (`-c3`, `-c 3`), `--` ending the options, and long
 * flags given as `--name` (no arguments).
 *
 * Rules: pure; an unknown option or a missing argument is an error naming it (the app
 * prints its usage and returns EX_USAGE). Options stop at the first operand (POSIX).
 */

export interface Parsed {
  /** Letter (or long name) → argument, or "" for a flag; the last occurrence wins. */
  opts: Map<string, string>;
  operands: string[];
}

export type GetoptResult = { ok: true; value: Parsed } | { ok: false; error: string };

/**
 * Parses `args` (argv without argv[0]) against `spec`, getopt(3)'s option string
 * ("qc:t:" — a colon after a letter means it takes an argument); `long` lists the
 * accepted `--name` flags.
 */
export function getopt(
  args: readonly string[],
  spec: string,
  long: readonly string[] = [],
): GetoptResult {
  const opts = new Map<string, string>();
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i];
    if (a === "--") {
      i++;
      break;
    }
    if (a.startsWith("--")) {
      const name = a.slice(2);
      if (!long.includes(name)) return { ok: false, error: `unknown option -- ${name}` };
      opts.set(name, "");
      continue;
    }
    if (!a.startsWith("-") || a === "-") break;
    for (let j = 1; j < a.length; j++) {
      const c = a[j];
      const at = spec.indexOf(c);
      if (c === ":" || at < 0) return { ok: false, error: `unknown option -- ${c}` };
      if (spec[at + 1] !== ":") {
        opts.set(c, "");
        continue;
      }
      if (j + 1 < a.length) opts.set(c, a.slice(j + 1));
      else if (i + 1 < args.length) opts.set(c, args[++i]);
      else return { ok: false, error: `option requires an argument -- ${c}` };
      break;
    }
  }
  return { ok: true, value: { opts, operands: args.slice(i) } };
}

/** A decimal integer option in [min, max], or null when it is not one. */
export function intArg(s: string, min: number, max: number): number | null {
  if (!/^[0-9]+$/.test(s)) return null;
  const n = Number(s);
  return n >= min && n <= max ? n : null;
}
