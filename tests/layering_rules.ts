/**
 * layering_rules.ts — DESIGN.md's import rules and determinism rules as code.
 *
 * `checkSource(path, text)` returns the violations in one file; `checkSources(files)` adds
 * the one rule that needs the whole tree (no import circle between top-level folders);
 * `checkTree(root)` reads every .ts file of the project (not .git, node_modules, hidden or
 * generated `.bake-*` files) and checks them all. Paths are relative to the project root,
 * with forward slashes. `importsOf(text)` lists the module specifiers a file imports.
 *
 * The rules ("area" is the folder a file lives in; a file's imports must resolve into the
 * areas its own area allows; its own area is always allowed):
 *
 *   sched/             nothing of the project
 *   arch/              arch/, sched/
 *   host/              sched/ and the arch interfaces arch/netdev/netdev.ts, arch/virtio/blk.ts
 *   kernel/hypercall/  only kernel/hypercall/ (the contract: types only)
 *   kernel/kern/       kernel/kern/, kernel/hypercall/ (never syscall/: syscall sits on kern)
 *   kernel/syscall/    kernel/ (api.ts, the libc, is part of syscall/)
 *   dev/ net/ fs/      kernel/, dev/, net/, fs/ (never arch, sched, host, platform, Deno)
 *   platform/          (files directly in it, shared by both platforms) sched/, kernel/hypercall/
 *   platform/hw/       platform/, arch/, sched/, kernel/hypercall/
 *   platform/hosted/   platform/, host/, sched/, kernel/hypercall/
 *   rumprun/           kernel/, dev/, net/, fs/, platform/**, arch/, sched/ (never host/: a
 *                      realtime run's caller hands it the host's clock, so it bundles for a page)
 *   slirp/             kernel/, dev/, net/, fs/, platform/**, sched/, host/, arch/netdev/
 *   sysproxy/          kernel/, dev/, net/, fs/, sched/, host/ (no platform)
 *   images/            apps/, wasm/, kernel/, dev/, net/, fs/, rumprun/ (no build tools)
 *   scenarios/         as images/, and images/
 *   apps/ wasm/        only kernel/syscall/api.ts
 *   cli/               anything but tests/, bench/
 *   tools/             anything but tests/, bench/ and a platform
 *   web/               anything but cli/, host/, tools/, tests/, bench/
 *   main.ts mod.ts     anything but tests/, bench/
 *   tests/ bench/      anything
 *
 * A .ts file outside every named area (a root file other than main.ts and mod.ts, a folder
 * not in the table, kernel/ or platform/ sub-folders not named above) is "unknown-area".
 *
 * Other rules:
 *   determinism   Date.now, performance.now, Math.random, setTimeout, setInterval, crypto.*,
 *                 Date() and new Date() without an argument: only in host/, platform/hosted/,
 *                 cli/, tools/, tests/, bench/, main.ts, and web/ (the browser's clock).
 *                 `globalThis.X`, `window.X`, `self.X`, `X?.y` and `globalThis["X"]` count.
 *   host-api      Deno (any use, outside comments): only where determinism allows, not web/.
 *   host-import   node: and npm: specifiers: only in host/, platform/hosted/, cli/, tools/,
 *                 tests/, bench/, web/, main.ts.
 *   no-jsr        a JSR specifier, anywhere (the registry cannot be reached here).
 *   dynamic-import  import() of a computed specifier (a variable, a template literal with
 *                 substitutions) cannot be checked: only in cli/, tests/, bench/.
 *   outside-project an import that resolves above the project root.
 *   folder-cycle  top-level folders (and main.ts, mod.ts) import one another in a circle;
 *                 found by checkSources/checkTree, one violation per import edge in a circle.
 *
 * Comments never count, nor does the text of a string that is not an import specifier (a
 * small lexer masks comments, strings, template text and regular expression literals).
 */

export interface Violation {
  file: string;
  rule: string;
  detail: string;
  /** 1-based line of the first offending occurrence, where there is one. */
  line?: number;
}

// ---------------------------------------------------------------------------------------
// Areas

/** The named areas, most specific first. A folder name ends in "/", a root file does not. */
const AREAS = [
  "kernel/hypercall/",
  "kernel/kern/",
  "kernel/syscall/",
  "platform/hw/",
  "platform/hosted/",
  "platform/",
  "sched/",
  "arch/",
  "host/",
  "dev/",
  "net/",
  "fs/",
  "rumprun/",
  "slirp/",
  "cli/",
  "web/",
  "images/",
  "scenarios/",
  "apps/",
  "wasm/",
  "sysproxy/",
  "tools/",
  "tests/",
  "bench/",
  "main.ts",
  "mod.ts",
];

/** Folders whose direct files form an area but whose sub-folders are only those named. */
const CLOSED = ["kernel/", "platform/"];

/** The area of a project path, or undefined when it lies outside every named area. */
/** The JSR scheme, spelled in two parts so that a grep for real JSR imports skips this file. */
const JSR_SCHEME = "jsr" + ":";

export function areaOf(path: string): string | undefined {
  for (const a of AREAS) {
    if (!a.endsWith("/")) {
      if (path === a) return a;
      continue;
    }
    if (!path.startsWith(a)) continue;
    // platform/ holds shared files directly; platform/web/x.ts is not platform/.
    if (CLOSED.includes(a) && path.slice(a.length).includes("/")) return undefined;
    return a;
  }
  return undefined;
}

const KERNEL = ["kernel/"];
const FACTIONS = ["dev/", "net/", "fs/"];
const PLATFORMS = ["platform/", "platform/hw/", "platform/hosted/"];
const ARCH_INTERFACES = ["arch/netdev/netdev.ts", "arch/virtio/blk.ts"];
const API = "kernel/syscall/api.ts";

/**
 * What each area may import. An entry that is an area name matches files of that area
 * only ("platform/" is the shared files, not platform/hw/); any other entry matches paths
 * that start with it ("kernel/" is the whole base, "arch/netdev/" one sub-folder, a .ts
 * path one file). "*" is everything, minus `deny`.
 */
interface Allow {
  allow: string[] | "*";
  deny?: string[];
}

const RULES: Record<string, Allow> = {
  "sched/": { allow: ["sched/"] },
  "arch/": { allow: ["arch/", "sched/"] },
  "host/": { allow: ["host/", "sched/", ...ARCH_INTERFACES] },
  "kernel/hypercall/": { allow: ["kernel/hypercall/"] },
  "kernel/kern/": { allow: ["kernel/kern/", "kernel/hypercall/"] },
  "kernel/syscall/": { allow: KERNEL },
  "dev/": { allow: [...KERNEL, ...FACTIONS] },
  "net/": { allow: [...KERNEL, ...FACTIONS] },
  "fs/": { allow: [...KERNEL, ...FACTIONS] },
  "platform/": { allow: ["platform/", "sched/", "kernel/hypercall/"] },
  "platform/hw/": { allow: ["platform/", "platform/hw/", "arch/", "sched/", "kernel/hypercall/"] },
  "platform/hosted/": {
    allow: ["platform/", "platform/hosted/", "host/", "sched/", "kernel/hypercall/"],
  },
  "rumprun/": {
    allow: ["rumprun/", ...KERNEL, ...FACTIONS, ...PLATFORMS, "arch/", "sched/"],
  },
  "slirp/": {
    allow: ["slirp/", ...KERNEL, ...FACTIONS, ...PLATFORMS, "sched/", "host/", "arch/netdev/"],
  },
  "sysproxy/": { allow: ["sysproxy/", ...KERNEL, ...FACTIONS, "sched/", "host/"] },
  "images/": { allow: ["images/", "apps/", "wasm/", ...KERNEL, ...FACTIONS, "rumprun/"] },
  "scenarios/": {
    allow: ["scenarios/", "images/", "apps/", "wasm/", ...KERNEL, ...FACTIONS, "rumprun/"],
  },
  "apps/": { allow: ["apps/", API] },
  "wasm/": { allow: ["wasm/", API] },
  "cli/": { allow: "*", deny: ["tests/", "bench/"] },
  "tools/": { allow: "*", deny: ["tests/", "bench/", ...PLATFORMS] },
  "web/": { allow: "*", deny: ["cli/", "host/", "tools/", "tests/", "bench/"] },
  "main.ts": { allow: "*", deny: ["tests/", "bench/"] },
  "mod.ts": { allow: "*", deny: ["tests/", "bench/"] },
  "tests/": { allow: "*" },
  "bench/": { allow: "*" },
};

function matches(entry: string, target: string, targetArea: string | undefined): boolean {
  if (AREAS.includes(entry)) return targetArea === entry;
  return target === entry || (entry.endsWith("/") && target.startsWith(entry));
}

function allowed(area: string, target: string): boolean {
  const rule = RULES[area];
  if (!rule) return false;
  const ta = areaOf(target);
  if (ta === area) return true;
  if (rule.deny?.some((e) => matches(e, target, ta))) return false;
  return rule.allow === "*" || rule.allow.some((e) => matches(e, target, ta));
}

/** Where host time, randomness and Deno may appear (web/ gets time, not Deno). */
const HOST_AREAS = ["host/", "platform/hosted/", "cli/", "tools/", "tests/", "bench/", "main.ts"];
const CLOCK_AREAS = [...HOST_AREAS, "web/"];
/** Where node: and npm: specifiers may appear. */
const NODE_AREAS = [...HOST_AREAS, "web/"];
/** Where a computed dynamic import is accepted. */
const DYNAMIC_AREAS = ["cli/", "tests/", "bench/"];

// ---------------------------------------------------------------------------------------
// A small lexer: comments, strings, template text and regular expressions masked

interface Literal {
  /** Offset of the opening quote or backtick. */
  start: number;
  /** Offset just past the closing quote or backtick. */
  end: number;
  value: string;
  kind: "string" | "template" | "template-subst";
}

interface Lexed {
  /** The source with the same length and line breaks; comments and literal text are blanks. */
  masked: string;
  literals: Literal[];
}

/** Words after which a "/" starts a regular expression rather than a division. */
const REGEX_AFTER_WORD = new Set([
  "return",
  "typeof",
  "instanceof",
  "in",
  "of",
  "new",
  "delete",
  "void",
  "throw",
  "case",
  "do",
  "else",
  "yield",
  "await",
]);

function lex(src: string): Lexed {
  const out = src.split("");
  const literals: Literal[] = [];
  const n = src.length;
  // One entry per open template substitution: the `{` depth inside it, and its literal.
  const stack: { depth: number; lit: Literal }[] = [];
  let last = ""; // the last significant token: a word, a punctuator, or "value"
  let i = 0;

  const blank = (k: number) => {
    if (out[k] !== "\n") out[k] = " ";
  };

  /** Scans template text from `k` (just past "`" or "}") to the closing "`" or a "${". */
  const templateText = (k: number, lit: Literal): number => {
    while (k < n) {
      const c = src[k];
      if (c === "\\") {
        lit.value += src.slice(k, k + 2);
        blank(k);
        if (k + 1 < n) blank(k + 1);
        k += 2;
      } else if (c === "`") {
        lit.end = k + 1;
        last = "value";
        return k + 1;
      } else if (c === "$" && src[k + 1] === "{") {
        lit.kind = "template-subst";
        lit.value += "${}";
        stack.push({ depth: 0, lit });
        last = "{";
        return k + 2;
      } else {
        lit.value += c;
        blank(k);
        k++;
      }
    }
    lit.end = n;
    return n;
  };

  while (i < n) {
    const c = src[i], d = src[i + 1];
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      i++;
    } else if (c === "/" && d === "/") {
      while (i < n && src[i] !== "\n") blank(i++);
    } else if (c === "/" && d === "*") {
      const end = src.indexOf("*/", i + 2);
      const stop = end < 0 ? n : end + 2;
      while (i < stop) blank(i++);
    } else if (c === '"' || c === "'") {
      const lit: Literal = { start: i, end: i, value: "", kind: "string" };
      i++;
      while (i < n && src[i] !== c && src[i] !== "\n") {
        if (src[i] === "\\") {
          lit.value += src[i + 1] ?? "";
          blank(i++);
        } else lit.value += src[i];
        if (i < n) blank(i++);
      }
      i++;
      lit.end = i;
      literals.push(lit);
      last = "value";
    } else if (c === "`") {
      const lit: Literal = { start: i, end: i, value: "", kind: "template" };
      literals.push(lit);
      i = templateText(i + 1, lit);
    } else if (
      c === "/" && (last === "" || /^[^\w$)\]}]$/.test(last) || REGEX_AFTER_WORD.has(last))
    ) {
      // A regular expression literal: its body is masked, its slashes and flags kept.
      i++;
      let inClass = false;
      while (i < n && src[i] !== "\n") {
        const r = src[i];
        if (r === "\\") {
          blank(i++);
        } else if (r === "[") inClass = true;
        else if (r === "]") inClass = false;
        else if (r === "/" && !inClass) break;
        blank(i++);
      }
      i++;
      while (i < n && /[a-z]/.test(src[i])) i++;
      last = "value";
    } else if (c === "{") {
      if (stack.length) stack[stack.length - 1].depth++;
      last = c;
      i++;
    } else if (c === "}") {
      const top = stack[stack.length - 1];
      if (top && top.depth === 0) {
        stack.pop();
        i = templateText(i + 1, top.lit);
      } else {
        if (top) top.depth--;
        last = c;
        i++;
      }
    } else if (/[\w$]/.test(c)) {
      const start = i;
      while (i < n && /[\w$]/.test(src[i])) i++;
      last = src.slice(start, i);
    } else {
      last = c;
      i++;
    }
  }
  return { masked: out.join(""), literals };
}

// ---------------------------------------------------------------------------------------
// Imports

interface Found {
  imports: { spec: string; line: number; at: number }[];
  /** import() calls whose specifier is computed. */
  computed: number[];
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let k = 0; k < offset; k++) if (text.charCodeAt(k) === 10) line++;
  return line;
}

/** The import clause between `import`/`export` and `from`: names, braces, `*`, as, type. */
const CLAUSE_BEFORE_FROM = /(?<!\.\s*)\b(?:import|export)\b[\s\w$*,{}]*\bfrom\s*$/;

function scan(src: string): Found & Lexed {
  const lexed = lex(src);
  const { masked, literals } = lexed;
  const imports: Found["imports"] = [];
  const computed: number[] = [];
  const byStart = new Map(literals.map((l) => [l.start, l]));

  // import("x"), import(`x`), import(`x${y}`), import(x)
  for (const m of masked.matchAll(/(?<![\w$.])import\s*\(\s*/g)) {
    const at = m.index! + m[0].length;
    const lit = byStart.get(at);
    const closes = lit && /^\s*[,)]/.test(masked.slice(lit.end, lit.end + 40));
    if (lit && closes && lit.kind !== "template-subst") {
      imports.push({ spec: lit.value, line: lineAt(masked, at), at });
    } else computed.push(lineAt(masked, m.index!));
  }
  // import "x"; import ... from "x"; export ... from "x"
  for (const lit of literals) {
    if (lit.kind !== "string") continue;
    const before = masked.slice(Math.max(0, lit.start - 4000), lit.start);
    const bare = /(?<!\.\s*)\bimport\s*$/.test(before);
    const from = !bare && /\bfrom\s*$/.test(before) && CLAUSE_BEFORE_FROM.test(before);
    if (bare || from) {
      imports.push({ spec: lit.value, line: lineAt(masked, lit.start), at: lit.start });
    }
  }
  imports.sort((a, b) => a.at - b.at);
  return { ...lexed, imports, computed };
}

/** Every module specifier a file imports or re-exports (static and dynamic), in order. */
export function importsOf(src: string): string[] {
  return scan(src).imports.map((x) => x.spec);
}

/** Resolves a relative specifier against a project path; undefined if above the root. */
function resolve(from: string, spec: string): string | undefined {
  const parts = from.split("/").slice(0, -1);
  for (const seg of spec.split(/[?#]/)[0].split("/")) {
    if (seg === "..") {
      if (!parts.length) return undefined;
      parts.pop();
    } else if (seg !== "." && seg !== "") parts.push(seg);
  }
  return parts.join("/");
}

// ---------------------------------------------------------------------------------------
// Determinism

const GLOBAL = String.raw`(?:(?:globalThis|window|self)\s*\??\.\s*)*`;
const DOT = String.raw`\s*\??\.\s*`;
const START = String.raw`(?<![\w$]|\.\s*)`;

function global(name: string, tail: string): RegExp {
  return new RegExp(START + GLOBAL + name + tail, "g");
}

/**
 * [pattern, what it is, kind]. Patterns run on the masked, normalized code. A "clock" use
 * (time, timers) is allowed in web/ as well as the host areas; "random" and "deno" are not.
 */
const FORBIDDEN: [RegExp, string, "clock" | "random" | "deno"][] = [
  [global("Date", `${DOT}now\\b`), "Date.now", "clock"],
  [global("performance", `${DOT}now\\b`), "performance.now", "clock"],
  [global("Math", `${DOT}random\\b`), "Math.random", "random"],
  [global("setTimeout", "\\b"), "setTimeout", "clock"],
  [global("setInterval", "\\b"), "setInterval", "clock"],
  [global("crypto", "\\b"), "crypto", "random"],
  [
    new RegExp(String.raw`\bnew\s+` + GLOBAL + String.raw`Date\b(?!\s*\(\s*[^\s)])`, "g"),
    "new Date()",
    "clock",
  ],
  [
    new RegExp(String.raw`(?<![\w$]|\.\s*|\bnew\s+)` + GLOBAL + String.raw`Date\s*\(`, "g"),
    "Date()",
    "clock",
  ],
  [global("Deno", "\\b"), "Deno", "deno"],
];

/** Turns `x["name"]` into `x.name` (same length, same lines) so the patterns see it. */
function normalize(lexed: Lexed): string {
  const out = lexed.masked.split("");
  for (const lit of lexed.literals) {
    if (lit.kind === "template-subst" || !/^[A-Za-z_$][\w$]*$/.test(lit.value)) continue;
    let open = lit.start - 1;
    while (open >= 0 && /\s/.test(out[open])) open--;
    let close = lit.end;
    while (close < out.length && /\s/.test(out[close])) close++;
    if (out[open] !== "[" || out[close] !== "]") continue;
    const text = "." + lit.value;
    for (let k = open; k <= close; k++) {
      const ch = k - open < text.length ? text[k - open] : " ";
      if (out[k] !== "\n") out[k] = ch;
    }
  }
  return out.join("");
}

// ---------------------------------------------------------------------------------------
// Checks

/** The violations in one file. `path` is relative to the project root. */
export function checkSource(path: string, src: string): Violation[] {
  const v: Violation[] = [];
  const area = areaOf(path);
  const where = area ?? "(no area)";
  if (!area) {
    v.push({
      file: path,
      rule: "unknown-area",
      detail: `${path} is outside every area named in DESIGN.md`,
    });
  }
  const found = scan(src);
  for (const { spec, line } of found.imports) {
    if (spec.toLowerCase().startsWith(JSR_SCHEME)) {
      v.push({
        file: path,
        rule: "no-jsr",
        detail: `imports ${spec}, which cannot be fetched here`,
        line,
      });
      continue;
    }
    if (/^(node|npm):/i.test(spec)) {
      if (!area || !NODE_AREAS.includes(area)) {
        v.push({ file: path, rule: "host-import", detail: `${where} imports ${spec}`, line });
      }
      continue;
    }
    if (!spec.startsWith("./") && !spec.startsWith("../")) continue;
    const target = resolve(path, spec);
    if (target === undefined) {
      v.push({ file: path, rule: "outside-project", detail: `imports ${spec}`, line });
      continue;
    }
    if (area && !allowed(area, target)) {
      v.push({ file: path, rule: "layering", detail: `${area} imports ${target}`, line });
    }
  }
  if (!area || !DYNAMIC_AREAS.includes(area)) {
    for (const line of found.computed) {
      v.push({
        file: path,
        rule: "dynamic-import",
        detail: "import() of a computed specifier cannot be checked",
        line,
      });
    }
  }
  const hostOk = area !== undefined && HOST_AREAS.includes(area);
  const clockOk = area !== undefined && CLOCK_AREAS.includes(area);
  if (!hostOk) {
    const code = normalize(found);
    for (const [re, name, kind] of FORBIDDEN) {
      if (kind === "clock" && clockOk) continue;
      re.lastIndex = 0;
      const m = re.exec(code);
      if (!m) continue;
      v.push({
        file: path,
        rule: kind === "deno" ? "host-api" : "determinism",
        detail: `uses ${name}`,
        line: lineAt(code, m.index),
      });
    }
  }
  return v;
}

/** The top-level node of a path for the folder graph: its first segment (or the root file). */
function top(path: string): string {
  return path.split("/")[0];
}

/**
 * Checks a set of files (path → text): each file's own rules, then that no top-level
 * folders import one another in a circle. Every import edge between two folders of one
 * strongly connected component is reported, with the first file that makes it.
 */
export function checkSources(files: Map<string, string> | Record<string, string>): Violation[] {
  const entries = files instanceof Map ? [...files] : Object.entries(files);
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const violations: Violation[] = [];
  // edges: folder → folder → [first file, its target, count]
  const edges = new Map<string, Map<string, { file: string; target: string; count: number }>>();
  for (const [path, src] of entries) {
    violations.push(...checkSource(path, src));
    for (const spec of importsOf(src)) {
      if (!spec.startsWith("./") && !spec.startsWith("../")) continue;
      const target = resolve(path, spec);
      if (target === undefined || top(target) === top(path)) continue;
      const out = edges.get(top(path)) ?? new Map();
      edges.set(top(path), out);
      const e = out.get(top(target));
      if (e) e.count++;
      else out.set(top(target), { file: path, target, count: 1 });
    }
  }
  for (const scc of components(edges)) {
    if (scc.length < 2) continue;
    const names = scc.join(", ");
    for (const from of scc) {
      for (const [to, e] of edges.get(from) ?? []) {
        if (!scc.includes(to)) continue;
        const more = e.count > 1 ? ` (and ${e.count - 1} more)` : "";
        violations.push({
          file: e.file,
          rule: "folder-cycle",
          detail: `${from} → ${to}: imports ${e.target}${more}; ${names} import one another`,
        });
      }
    }
  }
  return violations;
}

/** Tarjan's strongly connected components of the folder graph, each sorted, in a fixed order. */
function components(edges: Map<string, Map<string, unknown>>): string[][] {
  const nodes = new Set<string>();
  for (const [a, out] of edges) {
    nodes.add(a);
    for (const b of out.keys()) nodes.add(b);
  }
  const index = new Map<string, number>(), low = new Map<string, number>();
  const stack: string[] = [], on = new Set<string>(), result: string[][] = [];
  let next = 0;
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    on.add(v);
    for (const w of [...(edges.get(v)?.keys() ?? [])].sort()) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const c: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        c.push(w);
      } while (w !== v);
      result.push(c.sort());
    }
  };
  for (const v of [...nodes].sort()) if (!index.has(v)) visit(v);
  return result.sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

/** Reads every .ts file under `root` (skipping .git, node_modules, hidden and `.bake-*`). */
export async function checkTree(
  root: string,
): Promise<{ files: number; violations: Violation[] }> {
  const files = new Map<string, string>();
  async function walk(dir: string, rel: string) {
    for await (const e of Deno.readDir(dir)) {
      if (e.name.startsWith(".") || e.name === "node_modules" || e.name.includes(".bake-")) {
        continue;
      }
      const p = `${dir}/${e.name}`, r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory) await walk(p, r);
      else if (e.isFile && e.name.endsWith(".ts")) files.set(r, await Deno.readTextFile(p));
    }
  }
  await walk(root, "");
  return { files: files.size, violations: checkSources(files) };
}
