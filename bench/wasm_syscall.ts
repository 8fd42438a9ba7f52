/**
 * wasm_syscall.ts — the cost of a system call from a WebAssembly program against the same
 * call from a TypeScript app, in the POSIX image in virtual time; and the load time of a
 * module (compile and check) and of the Asyncify step of `deno task cc`.
 *
 *   deno task bench wasm_syscall, or deno run -A bench/wasm_syscall.ts [N]
 *   (needs the C toolchain: see cli/cc.ts)
 *
 * Each figure is host time per call: a run of n calls less a run of 0 calls (the boot),
 * divided by n; the best of three. n is N (default 1,000,000) for clock and getpid, N/5
 * for write and N/50 for yield. The TypeScript app makes the same calls in the same image.
 */
import { cc } from "../cli/cc.ts";
import { posixImage } from "../images/posix.ts";
import {
  type App,
  CLOCK_MONOTONIC,
  O_CREAT,
  O_TRUNC,
  O_WRONLY,
  type Sys,
} from "../kernel/syscall/api.ts";
import { runImage } from "../rumprun/run.ts";
import { loadWasm, type WasmProgram } from "../wasm/loader.ts";

const N = Number(Deno.args[0] ?? 1_000_000);
const dir = await Deno.makeTempDir();
const out = `${dir}/loop.wasm`;
const src = new URL("../tests/wasm/c/syscall_loop.c", import.meta.url).pathname;
let t0 = performance.now();
if (await cc(["-O2", src, "-o", out]) !== 0) Deno.exit(1);
const ccMs = performance.now() - t0;
const bytes = Deno.readFileSync(out);
t0 = performance.now();
const prog = loadWasm("loop", bytes);
const loadMs = performance.now() - t0;

const tsApp: App = {
  name: "loop",
  *main(sys: Sys, argv: string[]) {
    const n = Number(argv[2]);
    const fd = argv[1] === "write"
      ? yield* sys.open("/tmp/bench", O_CREAT | O_WRONLY | O_TRUNC, 0o644)
      : -1;
    const one = new Uint8Array([120]);
    for (let i = 0; i < n; i++) {
      if (argv[1] === "clock") sys.clock_gettime(CLOCK_MONOTONIC);
      else if (argv[1] === "getpid") sys.getpid();
      else if (argv[1] === "write") yield* sys.write(fd, one);
      else yield* sys.nanosleep({ sec: 0, nsec: 0 });
    }
    return 0;
  },
};

async function time(p: WasmProgram | App, call: string, n: number): Promise<number> {
  const image = posixImage("module" in p ? p : prog, { args: [call, String(n)] });
  if (!("module" in p)) image.apps = [{ app: p, argv: [call, String(n)] }];
  const s = performance.now();
  const r = await runImage(image, { seed: 1 });
  if (r.status !== 0) throw new Error(`${call} exited ${r.status}`);
  return performance.now() - s;
}

async function perCall(p: WasmProgram | App, call: string, n: number): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    best = Math.min(best, ((await time(p, call, n)) - (await time(p, call, 0))) / n);
  }
  return best * 1e6; // ns
}

console.log(
  `wasm_syscall: N=${N}; cc (clang + overlay + asyncify) ${ccMs.toFixed(0)} ms; ` +
    `load (compile + check) ${loadMs.toFixed(1)} ms for ${bytes.length} bytes`,
);
for (const call of ["clock", "getpid", "write", "yield"]) {
  const n = Math.max(1, call === "yield" ? N / 50 : call === "write" ? N / 5 : N);
  const w = await perCall(prog, call, n);
  const t = await perCall(tsApp, call, n);
  console.log(
    `${call.padEnd(7)} wasm ${w.toFixed(0).padStart(6)} ns/call   TypeScript ${
      t.toFixed(0).padStart(6)
    } ns/call`,
  );
}
await Deno.remove(dir, { recursive: true });
