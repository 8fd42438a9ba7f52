/**
 * flags.ts — the command line's flag scanner and the value parsers shared by its flags.
 *
 *   --name VALUE   --name=VALUE   -x VALUE   --switch   --   (the rest is the app's argv)
 *
 * Rules: a flag's value is the next argument unless that argument is itself a flag (starts
 * with `--`, or is a known short flag such as `-v`), so `--seed -1` reaches the seed's own
 * check and gets its message; a value that starts with `--` is written `--name=--value`. A
 * switch takes no value (`--realtime=yes` is an error). A flag given twice is an error
 * unless its spec says `multiple`. Every error is a UsageError with one line naming the flag.
 * Adding a flag is one line in the caller's table plus its check.
 */

/** A bad command line: one line, naming the flag; the CLI prints it and exits with 2. */
export class UsageError extends Error {}

/** One flag of a table (the shape `node:util` parseArgs uses). */
export interface FlagSpec {
  type: "string" | "boolean";
  short?: string;
  multiple?: boolean;
}

/** The values a table's flags were given: a switch is boolean, a repeatable one a list. */
export type FlagValues<T extends Record<string, FlagSpec>> = {
  [K in keyof T]?: T[K] extends { type: "boolean" } ? boolean
    : T[K] extends { multiple: true } ? string[]
    : string;
};

/** Scans `args` against `table`; the arguments after `--` are returned as `argv`. */
export function scanFlags<T extends Record<string, FlagSpec>>(
  args: readonly string[],
  table: T,
): { values: FlagValues<T>; argv: string[] | undefined } {
  const values: Record<string, string | string[] | boolean> = {};
  const byShort = new Map<string, string>();
  for (const [name, spec] of Object.entries(table)) if (spec.short) byShort.set(spec.short, name);
  const isFlag = (a: string) => a.startsWith("--") || (/^-[a-zA-Z]$/.test(a) && byShort.has(a[1]));
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i];
    if (a === "--") break;
    let name: string, inline: string | undefined;
    if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      inline = eq >= 0 ? a.slice(eq + 1) : undefined;
      if (!Object.hasOwn(table, name)) throw new UsageError(`unknown option --${name}`);
    } else if (/^-[a-zA-Z]$/.test(a)) {
      const long = byShort.get(a[1]);
      if (long === undefined) throw new UsageError(`unknown option ${a}`);
      name = long;
    } else if (a.startsWith("-") && a.length > 1) {
      throw new UsageError(`unknown option ${a}`);
    } else {
      throw new UsageError(`unexpected argument ${a} (app arguments go after --)`);
    }
    const spec = table[name];
    if (Object.hasOwn(values, name) && !spec.multiple) {
      throw new UsageError(`--${name}: given more than once (it takes one value)`);
    }
    if (spec.type === "boolean") {
      if (inline !== undefined) {
        throw new UsageError(`--${name}: is a switch and takes no value (got "${inline}")`);
      }
      values[name] = true;
      continue;
    }
    let value = inline;
    if (value === undefined) {
      const next = args[i + 1];
      if (next === undefined || next === "--" || isFlag(next)) {
        throw new UsageError(`option --${name} needs a value`);
      }
      value = next;
      i++;
    }
    if (spec.multiple) values[name] = [...(values[name] as string[] | undefined ?? []), value];
    else values[name] = value;
  }
  const argv = i < args.length ? args.slice(i + 1) : undefined;
  return { values: values as FlagValues<T>, argv };
}

/** `--seed`: an integer from 0 to 2^32-1. */
export function parseSeed(s: string): number {
  if (!/^\d+$/.test(s) || Number(s) > 0xffffffff) {
    throw new UsageError(`--seed: "${s}" is not an integer from 0 to 4294967295`);
  }
  return Number(s);
}

/** `--mem`: `64M`, `1G`, `65536K`, or a bare number of MiB (QEMU's `-m 64`); 4M..2G. */
export function parseMem(s: string): number {
  const m = /^(\d+)([kKmMgG]?)[bB]?$/.exec(s);
  if (!m) throw new UsageError(`--mem: "${s}" is not a size like 64M (a bare number is MiB)`);
  const unit = m[2].toLowerCase() || "m";
  const bytes = Number(m[1]) * ({ k: 1024, m: 1024 ** 2, g: 1024 ** 3 } as const)[
    unit as "k" | "m" | "g"
  ];
  if (bytes < 4 * 1024 * 1024 || bytes > 2 * 1024 * 1024 * 1024) {
    throw new UsageError(`--mem: ${s} is outside 4M..2G`);
  }
  return bytes;
}

const ISO_8601 =
  /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * `--epoch`: ISO 8601 (`2025-06-01T12:00:00Z`; without a zone it is UTC), `@SECONDS` since
 * 1970 (as `date -d @1700000000`) or milliseconds with their unit (`1700000000000ms`). A bare
 * number is refused: seconds and milliseconds are both common, and a guess is a silent error.
 */
export function parseEpoch(s: string): number {
  const forms = "ISO 8601 (2025-06-01T12:00:00Z), @SECONDS (@1700000000) or MILLISECONDSms " +
    "(1700000000000ms)";
  let ms = NaN;
  let m: RegExpExecArray | null;
  if ((m = /^@(-?\d+(?:\.\d+)?)$/.exec(s))) ms = Math.round(Number(m[1]) * 1000);
  else if ((m = /^(-?\d+)ms$/.exec(s))) ms = Number(m[1]);
  else if (/^-?\d+(\.\d+)?$/.test(s)) {
    throw new UsageError(`--epoch: "${s}" is ambiguous (seconds or milliseconds?); write ${forms}`);
  } else if (ISO_8601.test(s)) {
    const t = s.replace(" ", "T");
    ms = Date.parse(/T/.test(t) && !/(Z|[+-]\d{2}:?\d{2})$/.test(t) ? t + "Z" : t);
  }
  if (!Number.isSafeInteger(ms) || Math.abs(ms) > 8.64e15) {
    throw new UsageError(`--epoch: "${s}" is not a time; write ${forms}`);
  }
  return ms;
}

/** `--mac`: six hex octets with colons, unicast (`52:54:00:12:34:57`). */
export function parseMac(s: string): string {
  if (!/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(s)) {
    throw new UsageError(`--mac: "${s}" is not a MAC address like 52:54:00:12:34:56`);
  }
  if (parseInt(s.slice(0, 2), 16) & 1) {
    throw new UsageError(`--mac: ${s} is a multicast address (the first octet must be even)`);
  }
  return s.toLowerCase();
}
