/**
 * loader.ts — a WebAssembly program becomes an ordinary process of the kernel: an app
 * whose main instantiates the module on the process's system calls and runs `_start`.
 *
 * Rules:
 * - `loadWasm(name, bytes)` compiles and checks a module once, at load: it must be a
 *   command (exports `_start` and `memory`), built for rumpsim (the Asyncify exports and
 *   the unwind-data exports that `deno task cc` adds), and import only functions of `wasi_snapshot_preview1` and
 *   `rumpsim` that exist here. Anything else is refused with one line naming it
 *   (`WasmLoadError`).
 * - Each run is a fresh instance: the process's pid, fd table (0, 1, 2 are its stdio), cwd
 *   and env are the kernel's; argv and env are what the image or the shell gave; `/` is
 *   opened as the preopened directory (fd 3 when it is free), when the image has a VFS.
 * - The program's status is `_start`'s end (0), proc_exit's code, or, for a trap
 *   (unreachable, out-of-bounds access, stack exhaustion, an Asyncify data overflow), a
 *   line `NAME: trap: MESSAGE` (with `in F < G < H`, the innermost functions, when the
 *   module has names) on the process's stderr and status 128+11, as SIGSEGV would give.
 *   A trap ends only that process; the kernel goes on. A longjmp that cannot be done (a
 *   jmp_buf setjmp did not fill, or whose function has returned) ends it the same way
 *   with `NAME: longjmp ...: ending the program` and 128+6, as an abort.
 * - The unwind data of Asyncify lives in the program's own data (wasm/libc/asyncify_data.c,
 *   which cc links in), found through the exports `rumpsim_asyncify_data` and
 *   `rumpsim_asyncify_size`: wasi-libc's allocator takes all memory above the data as its
 *   heap, so a region the loader grew would be handed out by malloc. Memory beyond the
 *   module's declared maximum (`-Wl,--max-memory`) is not given: memory.grow fails and
 *   malloc returns NULL with ENOMEM.
 */
import {
  type App,
  errno as E,
  isErrno,
  O_DIRECTORY,
  O_RDONLY,
  type Sys,
  type Wait,
} from "../kernel/syscall/api.ts";
import { Asyncify, ASYNCIFY_EXPORTS, type AsyncifyExports, LongjmpError } from "./asyncify.ts";
import { Guest, GuestExit } from "./guest.ts";
import { RUMPSIM_MODULE, rumpsimImports } from "./rumpsim_imports.ts";
import { WASI_MODULE, wasiImports } from "./wasi.ts";

/** The exports that locate Asyncify's unwind data (wasm/libc/asyncify_data.c). */
export const DATA_EXPORTS = ["rumpsim_asyncify_data", "rumpsim_asyncify_size"] as const;
/** The status a trap ends a program with: 128 + SIGSEGV. */
export const TRAP_STATUS = 128 + 11;
/** The status a longjmp that cannot be done ends a program with: 128 + SIGABRT. */
export const LONGJMP_STATUS = 128 + 6;

/** A module that cannot be loaded; the message is one line naming the reason. */
export class WasmLoadError extends Error {
  override name = "WasmLoadError";
}

/** A compiled, checked program. */
export interface WasmProgram {
  readonly name: string;
  readonly module: WebAssembly.Module;
}

function importTables(g: Guest): Record<string, Record<string, (...a: any[]) => unknown>> {
  return { [WASI_MODULE]: wasiImports(g), [RUMPSIM_MODULE]: rumpsimImports(g) };
}

/** The functions a module may import, by module. */
export function knownImports(): Record<string, string[]> {
  const t = importTables(new Guest(null as unknown as Sys, "", [], {}));
  return Object.fromEntries(Object.entries(t).map(([m, fns]) => [m, Object.keys(fns)]));
}

/** Compiles and checks `bytes`; throws WasmLoadError with one line. */
export function loadWasm(name: string, bytes: Uint8Array): WasmProgram {
  let module: WebAssembly.Module;
  try {
    module = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
  } catch (e) {
    throw new WasmLoadError(`${name}: not a WebAssembly module: ${(e as Error).message}`);
  }
  const known = knownImports();
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.kind !== "function" || !known[imp.module]?.includes(imp.name)) {
      throw new WasmLoadError(
        `${name}: unknown import ${imp.module}.${imp.name} (${imp.kind})`,
      );
    }
  }
  const exports = new Map(WebAssembly.Module.exports(module).map((e) => [e.name, e.kind]));
  if (exports.get("_start") !== "function") {
    throw new WasmLoadError(`${name}: no _start export: not a command module`);
  }
  if (exports.get("memory") !== "memory") {
    throw new WasmLoadError(`${name}: does not export its memory`);
  }
  for (const x of [...ASYNCIFY_EXPORTS, ...DATA_EXPORTS]) {
    if (exports.get(x) !== "function") {
      throw new WasmLoadError(
        `${name}: not built for rumpsim (no ${x} export): build it with deno task cc`,
      );
    }
  }
  return { name, module };
}

const enc = new TextEncoder();

function* say(sys: Sys, line: string): Wait {
  try {
    yield* sys.write(2, enc.encode(line + "\n"));
  } catch { /* no stderr: the status still says it */ }
}

/** True for what a trap raises in the engine (a RuntimeError, or the JS stack running out). */
export function isTrap(e: unknown): e is Error {
  return e instanceof WebAssembly.RuntimeError ||
    (e instanceof RangeError && /call stack/i.test(e.message));
}

/**
 * The innermost named wasm functions of a trap's stack, "f < g < h", or "" when the
 * module has no name section (an optimised build; `-O0 -g` keeps one).
 */
export function trapFrames(e: Error, n = 3): string {
  const names: string[] = [];
  for (const line of (e.stack ?? "").split("\n")) {
    const m = /^\s*at (\S+) \(wasm:\/\/wasm\//.exec(line);
    if (m && m[1] !== "<anonymous>") names.push(m[1]);
    if (names.length === n) break;
  }
  return names.join(" < ");
}

/** Runs `prog` as the calling process; returns its exit status. */
export function* runWasm(
  prog: WasmProgram,
  sys: Sys,
  argv: string[],
  env: Record<string, string>,
): Wait<number> {
  const g = new Guest(sys, prog.name, argv, env);
  const inst = new WebAssembly.Instance(prog.module, importTables(g) as WebAssembly.Imports);
  const x = inst.exports as unknown as AsyncifyExports & {
    memory: WebAssembly.Memory;
    _start: () => void;
    rumpsim_asyncify_data: () => number;
    rumpsim_asyncify_size: () => number;
  };
  g.memory = x.memory;
  const data = x.rumpsim_asyncify_data() >>> 0;
  g.asyncify = new Asyncify(x, x.memory, data, x.rumpsim_asyncify_size() >>> 0);
  try {
    const fd = yield* sys.open("/", O_RDONLY | O_DIRECTORY);
    g.preopen = fd;
    g.paths.set(fd, "/");
  } catch (e) {
    if (!isErrno(e, E.ENOSYS) && !isErrno(e, E.ENOENT)) throw e; // no VFS: no preopen
  }
  try {
    yield* g.asyncify.run(() => x._start());
    return 0;
  } catch (e) {
    if (e instanceof GuestExit) return e.status;
    if (e instanceof LongjmpError) {
      yield* say(sys, `${prog.name}: ${e.message}: ending the program`);
      return LONGJMP_STATUS;
    }
    if (isTrap(e)) {
      const where = trapFrames(e);
      yield* say(sys, `${prog.name}: trap: ${e.message}${where ? ` in ${where}` : ""}`);
      return TRAP_STATUS;
    }
    throw e;
  }
}

/** The program as an app an image links (its argv[0] is the app's name). */
export function wasmApp(prog: WasmProgram, summary?: string): App {
  return {
    name: prog.name,
    summary: summary ?? "a WebAssembly program",
    main: (sys, argv, env) => runWasm(prog, sys, argv, env),
  };
}
