/**
 * wasm_load.ts — the load time of a WebAssembly program with and without a cached
 * Asyncify result.
 *
 *   deno task bench wasm_load, or deno run -A bench/wasm_load.ts
 *   (needs the C toolchain; the first run builds SQLite: minutes)
 *
 * What is compared: `deno task cc` runs the Asyncify step (wasm-opt --asyncify) at build
 * time, so its output is the cached result and loading it (`--wasm`, wasm/loader.ts) is
 * reading the file and compiling and checking the module (`loadWasm`). Without that cache
 * the loader would have to run the same step on the linked module at every load: read it,
 * run wasm-opt --asyncify with the same arguments (cli/cc.ts's asyncifyStep), then
 * compile and check. Both are timed here for the SQLite shell (tests/wasm/sqlite_build.ts
 * keeps both builds) and for the small syscall loop of bench/wasm_syscall.ts; median of
 * five, host milliseconds. V8 compiles a module's functions lazily (on first call), so
 * "compile" here is what loading costs before the program starts, for both.
 */
import { asyncifyStep, cc } from "../cli/cc.ts";
import { loadWasm } from "../wasm/loader.ts";
import { sqliteBuild } from "../tests/wasm/sqlite_build.ts";

const dir = await Deno.makeTempDir({ prefix: "wasm-load-" });

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

/** Median ms of `f` over five runs. */
async function time(f: () => Promise<void> | void): Promise<number> {
  const ms: number[] = [];
  for (let i = 0; i < 5; i++) {
    const s = performance.now();
    await f();
    ms.push(performance.now() - s);
  }
  return median(ms);
}

async function compare(name: string, linked: string, shell: string, flags: string[]) {
  const cached = await time(async () => {
    loadWasm(name, await Deno.readFile(shell));
  });
  const out = `${dir}/${name}.asyncified.wasm`;
  const optMs: number[] = [];
  const uncached = await time(async () => {
    const s = performance.now();
    if (await asyncifyStep(linked, out, flags) !== 0) throw new Error("wasm-opt failed");
    optMs.push(performance.now() - s);
    loadWasm(name, await Deno.readFile(out));
  });
  const kb = (p: string) => (Deno.statSync(p).size / 1024).toFixed(0);
  console.log(
    `${name.padEnd(12)} cached (read + compile + check, ${kb(shell)} KB) ${
      cached.toFixed(1).padStart(7)
    } ms   uncached (read ${kb(linked)} KB + wasm-opt --asyncify ${flags[0]} + compile + check) ${
      uncached.toFixed(0).padStart(6)
    } ms (wasm-opt alone ${median(optMs).toFixed(0)} ms)`,
  );
}

try {
  const loop = new URL("../tests/wasm/c/syscall_loop.c", import.meta.url).pathname;
  const loopLinked = `${dir}/loop.linked.wasm`, loopShell = `${dir}/loop.wasm`;
  if (await cc(["-O2", loop, "-o", loopLinked], { asyncify: false }) !== 0) Deno.exit(1);
  if (await cc(["-O2", loop, "-o", loopShell]) !== 0) Deno.exit(1);
  await compare("syscall_loop", loopLinked, loopShell, ["-O2"]);
  const sqlite = await sqliteBuild();
  await compare("sqlite3", sqlite.linked, sqlite.shell, sqlite.flags);
} finally {
  await Deno.remove(dir, { recursive: true });
}
