/**
 * app_harness.ts (test support for tests/apps) — runs apps the way an image does (an
 * AppRunner over a kernel with the NET and VFS components) on one kernel or on two
 * kernels joined by a test wire, and collects their console output.
 */
import type { Blocking } from "../../kernel/hypercall/rumpuser.ts";
import type { App } from "../../kernel/syscall/api.ts";
import { initComponents } from "../../kernel/kern/component.ts";
import type { Kernel } from "../../kernel/kern/kernel.ts";
import { AppRunner } from "../../kernel/syscall/exec.ts";
import type { Proc } from "../../kernel/syscall/proc.ts";
import { rumpnet, rumpnet_net, rumpnet_netinet } from "../../net/netinet_init.ts";
import { rumpvfs } from "../../fs/vfs_init.ts";
import { runInKernel, type TestRun } from "../support/kernel.ts";
import { runTwoKernels, type TwoKernelRun } from "../support/two_kernels.ts";
import { makeNetPair, type NetPair } from "../net/net_helpers.ts";

/** Brings up NET (with lo0 up) and the VFS in `k`. */
export function* bootComponents(k: Kernel): Blocking {
  yield* initComponents(k, [rumpnet, rumpnet_netinet, rumpnet_net, rumpvfs]);
}

/** What a test body gets: the runner and a way to start or run apps. */
export interface AppCtx {
  k: Kernel;
  runner: AppRunner;
  /** Starts an app in the background. */
  start(argv: string[]): Proc;
  /** Runs an app to its end and returns its exit status. */
  run(argv: string[]): Blocking<number>;
  sleepMs(ms: number): Blocking;
}

export function appCtx(k: Kernel, apps: readonly App[]): AppCtx {
  const runner = new AppRunner(k, apps);
  return {
    k,
    runner,
    start: (argv) => runner.start(argv[0], argv),
    *run(argv) {
      return yield* runner.wait(runner.start(argv[0], argv));
    },
    *sleepMs(ms) {
      yield* k.sleep(ms * 1e6);
    },
  };
}

/** One kernel with NET and VFS; `body` gets an AppCtx. */
export function runApps<T>(
  apps: readonly App[],
  body: (c: AppCtx) => Blocking<T>,
  prepare?: (k: Kernel) => Blocking,
): TestRun<T> {
  return runInKernel(function* (k) {
    yield* bootComponents(k);
    if (prepare) yield* prepare(k);
    return yield* body(appCtx(k, apps));
  });
}

/** Two kernels on a wire (A 10.0.0.1, B 10.0.0.2), each with NET and VFS. */
export function runAppsOnTwo<A, B = void>(
  apps: readonly App[],
  bodyA: (c: AppCtx, pair: NetPair) => Blocking<A>,
  bodyB?: (c: AppCtx, pair: NetPair) => Blocking<B>,
): TwoKernelRun<A, B> {
  let pair!: NetPair;
  return runTwoKernels<A, B>(
    (a, b) => {
      pair = makeNetPair(a, b);
    },
    function* (a) {
      yield* bootComponents(a);
      return yield* bodyA(appCtx(a, apps), pair);
    },
    bodyB
      ? function* (b) {
        yield* bootComponents(b);
        return yield* bodyB(appCtx(b, apps), pair);
      }
      : undefined,
  );
}
