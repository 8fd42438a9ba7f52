/**
 * two_kernels.ts (test support) — two bare rump kernels on hosted platforms that share one
 * Scheduler (one virtual clock), each running a body on a kernel thread: two machines in
 * one test, e.g. two network stacks on a wire.
 *
 * The run ends when both bodies have returned (or one threw: the error is rethrown).
 */
import type { Blocking } from "../../kernel/hypercall/rumpuser.ts";
import { Kernel, KernelPanic } from "../../kernel/kern/kernel.ts";
import type { HostedPlatform } from "../../platform/hosted/platform.ts";
import { HostedRumpuser } from "../../platform/hosted/rumpuser.ts";
import { ThreadExit } from "../../platform/fiber_rumpuser.ts";
import { Prng, type RunResult, Scheduler } from "../../sched/mod.ts";

export interface TwoKernelRun<A, B> {
  a: Kernel;
  b: Kernel;
  sched: Scheduler;
  result: RunResult;
  valueA: A | undefined;
  valueB: B | undefined;
  /** Console output of each machine. */
  consoleA: string;
  consoleB: string;
}

export interface TwoKernelOptions {
  seed?: number;
  ncpu?: number;
}

/**
 * Boots kernels A and B on one scheduler, calls `setup(a, b)` (plain code: attach
 * interfaces, configure), then runs `bodyA` on A and `bodyB` (if any) on B.
 */
export function runTwoKernels<A, B = void>(
  setup: (a: Kernel, b: Kernel) => void,
  bodyA: (k: Kernel) => Blocking<A>,
  bodyB?: (k: Kernel) => Blocking<B>,
  opts: TwoKernelOptions = {},
): TwoKernelRun<A, B> {
  const sched = new Scheduler();
  const prng = new Prng(opts.seed ?? 1);
  const out = { a: "", b: "" };
  const dec = new TextDecoder();
  const mk = (name: "a" | "b"): HostedPlatform => {
    const user = new HostedRumpuser(sched, prng.fork(`getrandom-${name}`), {
      ncpu: opts.ncpu,
      hostname: `host-${name}`,
      console: (bytes) => (out[name] += dec.decode(bytes)),
    });
    return { name: "hosted", user, pci: null, virtif: null, sched };
  };
  const pa = mk("a"), pb = mk("b");
  let error: unknown;
  sched.onError = (f, err) => {
    if (err instanceof ThreadExit || err instanceof KernelPanic) return;
    error ??= new Error(`thread ${f.name} failed: ${err instanceof Error ? err.stack : err}`);
    sched.halt("panic");
  };
  const a = new Kernel(pa);
  const b = new Kernel(pb);
  a.startThreads();
  b.startThreads();
  setup(a, b);
  let valueA: A | undefined;
  let valueB: B | undefined;
  let running = bodyB ? 2 : 1;
  const done = (k: Kernel) => {
    if (--running === 0 || error) k.hyp.exit(0);
  };
  a.threadCreate("main-a", function* () {
    try {
      valueA = yield* bodyA(a);
    } catch (e) {
      error ??= e;
    }
    done(a);
  });
  if (bodyB) {
    b.threadCreate("main-b", function* () {
      try {
        valueB = yield* bodyB(b);
      } catch (e) {
        error ??= e;
      }
      done(b);
    });
  }
  const result = sched.runSync();
  if (error) throw error;
  return { a, b, sched, result, valueA, valueB, consoleA: out.a, consoleB: out.b };
}
