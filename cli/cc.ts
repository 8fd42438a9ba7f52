/**
 * cc.ts — the C compiler for rumpsim: compiles and links C to a WebAssembly program the
 * POSIX image runs (wasm/loader.ts), as rumprun's app-tools wrap the compiler.
 *
 *   deno task cc -- [clang arguments]        e.g.  deno task cc -- -O2 prog.c -o prog.wasm
 *
 * What it adds to clang: --target=wasm32-wasi, the overlay headers (wasm/libc/include,
 * searched before wasi-libc's), -D_WASI_EMULATED_SIGNAL/-D_WASI_EMULATED_GETPID and their
 * libraries; when linking, the overlay library (wasm/libc/*.c, compiled with fixed flags;
 * it carries Asyncify's unwind data), --wrap for the two wasi-libc calls it extends
 * (fcntl, select), the shadow stack first in memory (an overflow traps instead of
 * overwriting data), a 1 MiB stack and a 256 MiB memory limit unless the arguments give
 * their own; then the Asyncify step (wasm-opt --asyncify) with only the imports that may
 * block listed, at the arguments' -O level (-O1 when none).
 *
 * Rules: needs Debian's clang, lld, wasi-libc, libclang-rt-14-dev-wasm32 and binaryen; a
 * missing tool is one line naming the packages, status 127. `-c`, `-S`, `-E` and `-M`
 * only compile, and a command with no input file (`--version`, `-dumpmachine`) goes to
 * clang as it is, so a ./configure can use it as CC (through a one-line script that runs
 * cli/cc.ts). Errors from clang or wasm-opt are theirs, passed through with their status.
 */
import { RUMPSIM_BLOCKING, RUMPSIM_MODULE } from "../wasm/rumpsim_imports.ts";
import { WASI_BLOCKING, WASI_MODULE } from "../wasm/wasi.ts";

export const PACKAGES = "clang lld wasi-libc libclang-rt-14-dev-wasm32 binaryen";
const OVERLAY = new URL("../wasm/libc/", import.meta.url);
const SYSROOT_INCLUDE = "/usr/include/wasm32-wasi";

/** The `module.name` list given to asyncify-imports. */
export function blockingImports(): string[] {
  return [
    ...WASI_BLOCKING.map((n) => `${WASI_MODULE}.${n}`),
    ...RUMPSIM_BLOCKING.map((n) => `${RUMPSIM_MODULE}.${n}`),
  ];
}

/** A tool on PATH (the first of `names` found), or null. */
export function findTool(names: string[]): string | null {
  for (const n of names) {
    for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
      try {
        if (Deno.statSync(`${dir}/${n}`).isFile) return `${dir}/${n}`;
      } catch { /* not here */ }
    }
  }
  return null;
}

/** Why the toolchain cannot be used, or null when it can. */
export function toolchainMissing(): string | null {
  const clang = findTool(["clang", "clang-14"]);
  const opt = findTool(["wasm-opt"]);
  let libc = true;
  try {
    Deno.statSync(`${SYSROOT_INCLUDE}/stdio.h`);
  } catch {
    libc = false;
  }
  const miss = [!clang && "clang", !opt && "wasm-opt", !libc && "wasi-libc"].filter(Boolean);
  return miss.length ? `${miss.join(", ")} not found: apt-get install ${PACKAGES}` : null;
}

const COMMON = [
  "--target=wasm32-wasi",
  "-D_WASI_EMULATED_SIGNAL",
  "-D_WASI_EMULATED_GETPID",
  "-D_WASI_EMULATED_PROCESS_CLOCKS",
  "-D_WASI_EMULATED_MMAN",
];

async function run(cmd: string, args: string[]): Promise<number> {
  const r = await new Deno.Command(cmd, { args, stdout: "inherit", stderr: "inherit" })
    .output();
  return r.code;
}

/** What `cc` does besides clang's work. */
export interface CcOptions {
  /**
   * false: write the linked module without the Asyncify step (it cannot be loaded; the
   * benchmark of the step runs it later with asyncifyStep). Default true.
   */
  asyncify?: boolean;
}

/**
 * The Asyncify step of a link: wasm-opt --asyncify on the linked module `raw`, with only
 * the blocking imports listed, at the -O level of `args` (the clang arguments; -O1 when
 * none), writing `out`; returns wasm-opt's status.
 */
export async function asyncifyStep(raw: string, out: string, args: string[]): Promise<number> {
  const level = [...args].reverse().find((a) => /^-O[0-3sz]$/.test(a));
  const opt = level && level !== "-O0" ? level : "-O1";
  return await run("wasm-opt", [
    raw,
    "--asyncify",
    `--pass-arg=asyncify-imports@${blockingImports().join(",")}`,
    opt,
    ...(args.includes("-g") ? ["-g"] : []),
    "-o",
    out,
  ]);
}

/** Runs the compiler on `args`; returns the exit status. */
export async function cc(args: string[], opts: CcOptions = {}): Promise<number> {
  const missing = toolchainMissing();
  if (missing) {
    console.error(`cc: ${missing}`);
    return 127;
  }
  const clang = findTool(["clang", "clang-14"])!;
  const include = ["-isystem", new URL("include", OVERLAY).pathname];
  const inputs = args.some((a) => !a.startsWith("-") && /\.(c|cc|cpp|cxx|o|a|s|S|i)$/.test(a));
  if (!inputs || args.some((a) => ["-c", "-S", "-E", "-M", "-MM"].includes(a))) {
    return await run(clang, [...COMMON, ...include, ...args]);
  }
  const oi = args.indexOf("-o");
  const out = oi >= 0 && oi + 1 < args.length ? args[oi + 1] : "a.out";
  const userArgs = oi >= 0 ? [...args.slice(0, oi), ...args.slice(oi + 2)] : args;
  const tmp = await Deno.makeTempDir({ prefix: "rumpsim-cc-" });
  try {
    // The overlay library, with its own flags (the program's -std or -Werror are not its).
    const objs: string[] = [];
    for (const e of Deno.readDirSync(OVERLAY)) {
      if (!e.isFile || !e.name.endsWith(".c")) continue;
      const obj = `${tmp}/${e.name.replace(/\.c$/, ".o")}`;
      const src = new URL(e.name, OVERLAY).pathname;
      const code = await run(clang, [...COMMON, ...include, "-O2", "-c", src, "-o", obj]);
      if (code) return code;
      objs.push(obj);
    }
    objs.sort();
    const joined = userArgs.join(" ");
    const link = [
      "-Wl,--stack-first",
      "-Wl,--wrap=fcntl", // F_DUPFD (wasm/libc/fd.c)
      "-Wl,--wrap=select", // an exception set (wasm/libc/select.c)
      ...(/stack-size/.test(joined) ? [] : ["-Wl,-z,stack-size=1048576"]),
      ...(/max-memory/.test(joined) ? [] : ["-Wl,--max-memory=268435456"]),
    ];
    const raw = opts.asyncify === false ? out : `${tmp}/linked.wasm`;
    const code = await run(clang, [
      ...COMMON,
      ...include,
      ...link,
      ...userArgs,
      ...objs,
      "-lwasi-emulated-signal",
      "-lwasi-emulated-process-clocks",
      "-lwasi-emulated-mman",
      "-o",
      raw,
    ]);
    if (code || opts.asyncify === false) return code;
    return await asyncifyStep(raw, out, args);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

if (import.meta.main) {
  let args = Deno.args;
  if (args[0] === "--") args = args.slice(1);
  if (args.length === 0) {
    console.error("usage: deno task cc -- [clang arguments] (e.g. -O2 prog.c -o prog.wasm)");
    Deno.exit(2);
  }
  Deno.exit(await cc(args));
}
