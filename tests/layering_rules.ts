/**
 * layering_rules.ts — DESIGN.md's import rules and determinism rules as code.
 *
 * `checkSource(path, text)` returns the violations in one file; `checkTree(root)` walks
 * the project. Paths are relative to the project root with forward slashes.
 */

export interface Violation {
  file: string;
  rule: string;
  detail: string;
}

/** Which top-level areas a file may import, by the file's own area. */
function area(path: string): string {
  if (path.startsWith("kernel/hypercall/")) return "hypercall";
  if (path.startsWith("kernel/platform/hw/")) return "platform-hw";
  if (path.startsWith("kernel/platform/hosted/")) return "platform-hosted";
  if (path.startsWith("kernel/platform/")) return "platform";
  if (path.startsWith("kernel/syscall/api.ts")) return "api";
  const top = path.split("/")[0];
  return ["sched", "arch", "kernel", "net", "fs", "apps"].includes(top) ? top : "other";
}

const FACTION = ["hypercall", "kernel", "api", "net", "fs"];
const ALLOWED: Record<string, string[]> = {
  sched: ["sched"],
  arch: ["arch", "sched"],
  hypercall: ["hypercall"],
  kernel: FACTION,
  api: FACTION,
  net: FACTION,
  fs: FACTION,
  platform: [...FACTION, "platform", "sched"],
  "platform-hw": [...FACTION, "platform", "platform-hw", "arch", "sched"],
  "platform-hosted": [...FACTION, "platform", "platform-hosted", "sched"],
  apps: ["apps", "api"],
};

/** Files that may use host time, host I/O or Deno APIs although they live in simulated areas. */
const HOST_EDGE = [
  /^arch\/realtime\.ts$/,
  /^arch\/netdev\/(user|tap|host_\w+|hostfwd\w*)\.ts$/,
  /^arch\/virtio\/blk_backend\w*\.ts$/,
  /^kernel\/platform\/(hw|hosted)\//,
];

const SIMULATED = ["sched", "arch", "kernel", "net", "fs", "apps"];
const FORBIDDEN_CALLS: [RegExp, string][] = [
  [/\bDate\.now\b/, "Date.now"],
  [/\bperformance\.now\b/, "performance.now"],
  [/\bMath\.random\b/, "Math.random"],
  [/\bsetTimeout\b/, "setTimeout"],
  [/\bsetInterval\b/, "setInterval"],
  [/\bcrypto\.(getRandomValues|randomUUID|subtle)\b/, "crypto"],
  [/\bnew Date\(\s*\)/, "new Date()"],
];

/** Removes comments (keeps line structure) so that prose about a rule is not a violation. */
export function stripComments(src: string): string {
  let out = "";
  let i = 0;
  while (i < src.length) {
    const c = src[i], d = src[i + 1];
    if (c === "/" && d === "/") {
      while (i < src.length && src[i] !== "\n") i++;
    } else if (c === "/" && d === "*") {
      i += 2;
      while (i < src.length && !(src[i] === "*" && src[i + 1] === "/")) {
        if (src[i] === "\n") out += "\n";
        i++;
      }
      i += 2;
    } else if (c === '"' || c === "'" || c === "`") {
      const q = c;
      out += c;
      i++;
      while (i < src.length && src[i] !== q) {
        if (src[i] === "\\") {
          out += src[i++];
        }
        out += src[i++];
      }
      out += src[i++] ?? "";
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Every module specifier a file imports or re-exports (static and dynamic). */
export function importsOf(src: string): string[] {
  const code = stripComments(src);
  const out: string[] = [];
  const re =
    /(?:\bimport|\bexport)\s[^;]*?\bfrom\s*["']([^"']+)["']|\bimport\s*\(?\s*["']([^"']+)["']/g;
  for (const m of code.matchAll(re)) out.push(m[1] ?? m[2]);
  return out;
}

function resolve(from: string, spec: string): string {
  const parts = from.split("/").slice(0, -1);
  for (const seg of spec.split("/")) {
    if (seg === "..") parts.pop();
    else if (seg !== ".") parts.push(seg);
  }
  return parts.join("/");
}

/** The JSR scheme, spelled in two parts so that a grep for real JSR imports skips this file. */
const JSR_SCHEME = "jsr" + ":";

export function checkSource(path: string, src: string): Violation[] {
  const v: Violation[] = [];
  const a = area(path);
  const allowed = ALLOWED[a];
  const edge = HOST_EDGE.some((r) => r.test(path));
  for (const spec of importsOf(src)) {
    if (spec.startsWith(JSR_SCHEME)) {
      v.push({ file: path, rule: "no-jsr", detail: `${spec} cannot be fetched here` });
      continue;
    }
    if (!spec.startsWith(".")) {
      if (allowed && !edge && (spec.startsWith("node:") || spec.startsWith("npm:"))) {
        v.push({ file: path, rule: "host-import", detail: `${a}/ imports ${spec}` });
      }
      continue;
    }
    if (!allowed) continue;
    const target = resolve(path, spec);
    const ta = area(target);
    if (ta === "other") continue;
    if (!allowed.includes(ta)) {
      v.push({ file: path, rule: "layering", detail: `${a} imports ${target}` });
    }
  }
  if (SIMULATED.includes(path.split("/")[0]) && !edge) {
    const code = stripComments(src);
    for (const [re, name] of FORBIDDEN_CALLS) {
      if (re.test(code)) v.push({ file: path, rule: "determinism", detail: `uses ${name}` });
    }
    if (/\bDeno\./.test(code)) v.push({ file: path, rule: "host-api", detail: "uses Deno.*" });
  }
  return v;
}

export async function checkTree(root: string): Promise<{ files: number; violations: Violation[] }> {
  const violations: Violation[] = [];
  let files = 0;
  async function walk(dir: string, rel: string) {
    for await (const e of Deno.readDir(dir)) {
      if (e.name.startsWith(".") || e.name === "node_modules") continue;
      const p = `${dir}/${e.name}`, r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory) await walk(p, r);
      else if (e.name.endsWith(".ts")) {
        files++;
        violations.push(...checkSource(r, await Deno.readTextFile(p)));
      }
    }
  }
  await walk(root, "");
  return { files, violations };
}
