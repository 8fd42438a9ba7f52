/**
 * kernel.ts (test support) — boots a bare rump kernel on the hosted platform in virtual
 * time and runs a body on a kernel thread, for tests of kernel code and factions.
 */
import type { Blocking } from "../../kernel/hypercall/rumpuser.ts";
import { Kernel } from "../../kernel/kern/kernel.ts";
import { createHostedPlatform, type HostedPlatform } from "../../platform/hosted/platform.ts";
import type { RunResult } from "../../sched/mod.ts";

export interface TestRun<T> {
  kernel: Kernel;
  platform: HostedPlatform;
  result: RunResult;
  /** The body's return value (undefined if it did not finish). */
  value: T | undefined;
  /** Everything printed on the console. */
  console: string;
}

/** Runs `body` in a fresh kernel and returns when the machine stops. Throws what the body threw. */
export function runInKernel<T>(
  body: (k: Kernel) => Blocking<T>,
  opts: { seed?: number; ncpu?: number; memBytes?: number; memlimit?: string } = {},
): TestRun<T> {
  let out = "";
  const dec = new TextDecoder();
  const platform = createHostedPlatform({
    ...opts,
    console: (b) => (out += dec.decode(b)),
  });
  const k = new Kernel(platform);
  k.startThreads();
  let value: T | undefined;
  let error: unknown;
  k.threadCreate("main", function* () {
    try {
      value = yield* body(k);
    } catch (e) {
      error = e;
    }
    k.hyp.exit(0);
  });
  const result = platform.sched.runSync();
  if (error) throw error;
  return { kernel: k, platform, result, value, console: out };
}
