/**
 * platform.ts (hosted) — builds the hosted platform: a scheduler, the seeded PRNG and the
 * hosted rumpuser, handed to the kernel as a `Platform`.
 *
 * Rules: virtual mode by default; a fiber failing with an unexpected exception is a kernel
 * panic (printed, machine halted, status -1), never an escaped JS trace.
 */
import type { Platform } from "../../hypercall/mod.ts";
import { Prng, Scheduler, type SchedulerOptions } from "../../../sched/mod.ts";
import { ThreadExit } from "../fiber_rumpuser.ts";
import { KernelPanic } from "../../kern/kernel.ts";
import { type HostedOptions, HostedRumpuser } from "./rumpuser.ts";

export interface HostedPlatform extends Platform {
  readonly sched: Scheduler;
  readonly user: HostedRumpuser;
}

export function createHostedPlatform(
  opts: HostedOptions & { seed?: number; sched?: SchedulerOptions } = {},
): HostedPlatform {
  const sched = new Scheduler(opts.sched);
  const prng = new Prng(opts.seed ?? 1);
  const user = new HostedRumpuser(sched, prng.fork("getrandom"), opts);
  sched.onError = (f, err) => {
    // A thread exit or a panic already printed and halting the machine: nothing more to say.
    if (err instanceof ThreadExit || err instanceof KernelPanic) return;
    const msg = err instanceof Error ? (err.stack ?? err.message) : String(err);
    user.dprintf(`panic: thread ${f.name}: ${msg}\n`);
    user.exitStatus ??= -1;
    sched.halt("panic");
  };
  return { name: "hosted", user, pci: null, virtif: null, sched };
}
