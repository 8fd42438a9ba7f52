/**
 * sh_expand.ts — word expansion (XCU 2.6): parameters and command substitution, field
 * splitting, pathname expansion (globbing against the VFS) and quote removal; and the
 * pattern matching (XCU 2.13) that globbing and `case` share.
 *
 * Rules: a word's leading unquoted `~` (alone or before `/`) is $HOME. `$((...))` is evaluated by sh_arith.ts (an error throws ArithError). Only
 * unquoted results of `$x` and `$(...)` are split, on IFS (default space, tab,
 * newline); `"$@"` gives one field per positional parameter (none when there are none).
 * A field with an unquoted `*`, `?` or `[` is a pattern: it is replaced by the sorted
 * names it matches, or kept (quotes removed) when nothing matches. A `*` or `?` does not
 * match a leading `.` of a name, nor `/`. Command substitution drops trailing newlines.
 * A word that expands to nothing at all (only unquoted empty expansions) gives no field.
 */
import { type Sys, type Wait } from "../../kernel/syscall/api.ts";
import { arith } from "./sh_arith.ts";
import type { Word, WordPart } from "./sh_parse.ts";

/** `$((expr))`: parameters in `expr` expanded, then evaluated (sh_arith.ts). */
export function arithPart(expr: string, ctx: ExpandCtx): string {
  const e = expr.replace(
    /\$(\{([^}]*)\}|([A-Za-z_][A-Za-z0-9_]*)|([?#$!0-9]))/g,
    (_m, _all, braced?: string, name?: string, special?: string) =>
      ctx.lookup(braced ?? name ?? special ?? ""),
  );
  return String(arith(e, ctx.lookup));
}

/** The value of a part that is not literal text. */
function* partValue(p: Exclude<WordPart, { lit: string }>, ctx: ExpandCtx): Wait<string> {
  if ("param" in p) return ctx.lookup(p.param);
  if ("arith" in p) return arithPart(p.arith, ctx);
  return yield* ctx.subst(p.sub);
}

/** One character and whether it was quoted (quoted characters never act as pattern). */
export interface QChar {
  c: string;
  q: boolean;
}

/** What expansion needs from the shell. */
export interface ExpandCtx {
  /** A parameter's value ("" when unset); `@` and `*` are joined with spaces. */
  lookup(name: string): string;
  /** The positional parameters $1.. (for "$@"). */
  positional(): string[];
  /** Runs `src` in a subshell and returns its output. */
  subst(src: string): Wait<string>;
  ifs(): string;
}

/** Expands a word into one string: no splitting or globbing (assignments, redir targets). */
export function* expandOne(w: Word, ctx: ExpandCtx): Wait<string> {
  let s = "";
  for (const p of w.parts) {
    s += "lit" in p ? p.lit : yield* partValue(p, ctx);
  }
  return s;
}

/** Splits `s` on the IFS characters; whitespace runs count as one separator. */
function splitFields(s: string, ifs: string): string[] {
  if (ifs === "") return [s];
  const out: string[] = [];
  let cur = "";
  let have = false;
  for (const ch of s) {
    if (ifs.includes(ch)) {
      if (have || !/\s/.test(ch)) out.push(cur);
      cur = "";
      have = false;
    } else {
      cur += ch;
      have = true;
    }
  }
  if (have) out.push(cur);
  return out;
}

/** Expands words into fields (splitting, then globbing with `sys` when given). */
export function* expandWords(words: Word[], ctx: ExpandCtx, sys: Sys | null): Wait<string[]> {
  const out: string[] = [];
  for (const w of words) {
    // Fields being built; each a list of characters with their quoting.
    const fields: QChar[][] = [];
    let cur: QChar[] | null = null;
    const add = (s: string, q: boolean) => {
      cur ??= [];
      for (const c of s) cur.push({ c, q });
    };
    const addSplit = (s: string) => {
      const ifs = ctx.ifs();
      const parts = splitFields(s, ifs);
      const startsSep = s.length > 0 && ifs.includes(s[0]);
      const endsSep = s.length > 0 && ifs.includes(s[s.length - 1]);
      parts.forEach((f, i) => {
        if (i > 0 || startsSep) {
          if (cur) fields.push(cur);
          cur = null;
        }
        add(f, false);
        cur ??= [];
      });
      if (endsSep && cur) {
        fields.push(cur);
        cur = null;
      }
    };
    for (const [k, p] of w.parts.entries()) {
      if ("lit" in p && k === 0 && !p.q && /^~(\/|$)/.test(p.lit)) {
        // Tilde expansion (XCU 2.6.1): a leading unquoted ~ is $HOME, kept whole.
        add(ctx.lookup("HOME"), true);
        add(p.lit.slice(1), false);
      } else if ("lit" in p) add(p.lit, p.q);
      else if ("param" in p && p.param === "@" && p.q) {
        const pos = ctx.positional();
        pos.forEach((a, i) => {
          if (i > 0) {
            fields.push(cur ?? []);
            cur = null;
          }
          add(a, true);
          cur ??= [];
        });
      } else {
        const v = yield* partValue(p, ctx);
        if (p.q) {
          add(v, true);
          cur ??= [];
        } else addSplit(v);
      }
    }
    if (cur) fields.push(cur);
    else if (
      w.quoted && fields.length === 0 && !w.parts.some((p) => "param" in p && p.param === "@")
    ) {
      fields.push([]);
    }
    for (const f of fields) {
      if (sys && f.some((x) => !x.q && (x.c === "*" || x.c === "?" || x.c === "["))) {
        const names = yield* glob(sys, f);
        if (names.length) {
          out.push(...names);
          continue;
        }
      }
      out.push(f.map((x) => x.c).join(""));
    }
  }
  return out;
}

/** Marks every character of `s` unquoted (a pattern from a string). */
export function unquoted(s: string): QChar[] {
  return [...s].map((c) => ({ c, q: false }));
}

/** Pattern characters of a word, quoting kept (a `case` pattern). */
export function* patternOf(w: Word, ctx: ExpandCtx): Wait<QChar[]> {
  const out: QChar[] = [];
  for (const p of w.parts) {
    const s = "lit" in p ? p.lit : yield* partValue(p, ctx);
    for (const c of s) out.push({ c, q: p.q });
  }
  return out;
}

/** True if `s` matches pattern `pat` (XCU 2.13.1): `*`, `?`, `[...]` with `!` or `^`. */
export function fnmatch(pat: QChar[], s: string, period = false): boolean {
  const str = [...s];
  const memo = new Map<number, boolean>();
  const m = (pi: number, si: number): boolean => {
    const key = pi * (str.length + 1) + si;
    const hit = memo.get(key);
    if (hit !== undefined) return hit;
    let r: boolean;
    if (pi === pat.length) r = si === str.length;
    else {
      const { c, q } = pat[pi];
      const leadingDot = period && si === 0 && str[0] === ".";
      if (!q && c === "*") {
        r = !leadingDot && (m(pi + 1, si) || (si < str.length && m(pi, si + 1)));
      } else if (!q && c === "?") {
        r = si < str.length && !leadingDot && m(pi + 1, si + 1);
      } else if (!q && c === "[") {
        const cls = bracket(pat, pi, str[si]);
        if (cls === null) r = si < str.length && str[si] === "[" && m(pi + 1, si + 1);
        else r = si < str.length && !leadingDot && cls.ok && m(cls.end, si + 1);
      } else r = si < str.length && str[si] === c && m(pi + 1, si + 1);
    }
    memo.set(key, r);
    return r;
  };
  return m(0, 0);
}

/** A bracket expression at pat[pi]: whether `ch` is in it and the index after; null if unclosed. */
function bracket(
  pat: QChar[],
  pi: number,
  ch: string | undefined,
): { ok: boolean; end: number } | null {
  let i = pi + 1;
  let neg = false;
  if (i < pat.length && !pat[i].q && (pat[i].c === "!" || pat[i].c === "^")) {
    neg = true;
    i++;
  }
  let ok = false;
  let first = true;
  while (i < pat.length) {
    const { c, q } = pat[i];
    if (c === "]" && !q && !first) {
      return { ok: ch !== undefined && ok !== neg, end: i + 1 };
    }
    first = false;
    if (i + 2 < pat.length && pat[i + 1].c === "-" && !pat[i + 1].q && pat[i + 2].c !== "]") {
      if (ch !== undefined && ch >= c && ch <= pat[i + 2].c) ok = true;
      i += 3;
    } else {
      if (ch === c) ok = true;
      i++;
    }
  }
  return null;
}

/** Names matching the pattern `pat`, a path whose components may hold patterns; sorted. */
export function* glob(sys: Sys, pat: QChar[]): Wait<string[]> {
  const comps: QChar[][] = [[]];
  for (const x of pat) {
    if (x.c === "/") comps.push([]);
    else comps[comps.length - 1].push(x);
  }
  const absolute = comps[0].length === 0 && pat.length > 0 && pat[0].c === "/";
  let paths = [absolute ? "/" : ""];
  for (let k = absolute ? 1 : 0; k < comps.length; k++) {
    const comp = comps[k];
    const last = k === comps.length - 1;
    const magic = comp.some((x) => !x.q && (x.c === "*" || x.c === "?" || x.c === "["));
    const next: string[] = [];
    for (const base of paths) {
      if (!magic) {
        const p = base + comp.map((x) => x.c).join("");
        if (last) {
          try {
            yield* sys.lstat(p);
            next.push(p);
          } catch { /* no such name: no match */ }
        } else next.push(p + "/");
        continue;
      }
      let names: string[];
      try {
        names = yield* listDir(sys, base === "" ? "." : base);
      } catch {
        continue;
      }
      for (const n of names.sort()) {
        if (n === "." || n === "..") continue;
        if (!fnmatch(comp, n, true)) continue;
        next.push(last ? base + n : base + n + "/");
      }
    }
    paths = next;
    if (paths.length === 0) return [];
  }
  return paths.sort();
}

function* listDir(sys: Sys, path: string): Wait<string[]> {
  const fd = yield* sys.open(path, 0x00200000 /* O_DIRECTORY */);
  const names: string[] = [];
  try {
    for (;;) {
      const batch = yield* sys.getdents(fd);
      if (batch.length === 0) break;
      for (const d of batch) names.push(d.name);
    }
  } finally {
    yield* sys.close(fd);
  }
  return names;
}
