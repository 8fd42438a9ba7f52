/**
 * platform.ts (hosted) — builds the hosted platform: a scheduler, the seeded PRNG and the
 * hosted rumpuser, handed to the kernel as a `Platform`.
 *
 * Three ways to run:
 *   - virtual (the default): a scheduler of its own on a virtual clock;
 *   - realtime (`realtime: true`): a scheduler of its own on the host's clock, idling on
 *     the host (host/realtime.ts); host I/O enters through `platform.host`;
 *   - shared (`scheduler` + `host` given): the kernel lives beside others on an existing
 *     scheduler — a simulated PC's, in the user netdev's gateway — whose owner keeps the
 *     clock, the idle policy and the error policy; host I/O enters through the owner's
 *     HostWork, so one wait on the host serves both.
 *
 * Rules: a fiber failing with an unexpected exception is a kernel panic (printed, machine
 * halted, status -1), never an escaped JS trace — on a shared scheduler that is its
 * owner's policy.
 */
import type { Platform } from "../../kernel/hypercall/mod.ts";
import { Prng, Scheduler, type SchedulerOptions } from "../../sched/mod.ts";
import { ThreadExit } from "../fiber_rumpuser.ts";
import { HostWork } from "../../sched/host_work.ts";
import { HostWaiter, RealtimeClock, realtimeIdle } from "../../host/realtime.ts";
import { type HostedOptions, HostedRumpuser } from "./rumpuser.ts";

export interface HostedPlatform extends Platform {
  readonly sched: Scheduler;
  readonly user: HostedRumpuser;
  /** Where host I/O enters (realtime and shared modes); null in virtual mode. */
  readonly host?: HostWork | null;
}

export interface HostedPlatformOptions extends HostedOptions {
  seed?: number;
  sched?: SchedulerOptions;
  /** Run on the host's clock with a scheduler of its own. */
  realtime?: boolean;
  /** Run on this existing scheduler (its owner keeps clock, idle and error policy). */
  scheduler?: Scheduler;
  /** With `scheduler`: the owner's host work queue (required when its clock is realtime). */
  host?: HostWork;
}

export function createHostedPlatform(opts: HostedPlatformOptions = {}): HostedPlatform {
  const prng = new Prng(opts.seed ?? 1);
  if (opts.scheduler) {
    const sched = opts.scheduler;
    if (sched.clock.realtime && !opts.host) {
      throw new Error("a hosted kernel on a realtime scheduler needs the owner's HostWork");
    }
    const user = new HostedRumpuser(sched, prng.fork("getrandom"), opts);
    return { name: "hosted", user, pci: null, virtif: null, sched, host: opts.host ?? null };
  }
  let host: HostWork | null = null;
  let sched: Scheduler;
  if (opts.realtime) {
    const clock = new RealtimeClock();
    const waiter = new HostWaiter(clock);
    host = new HostWork(waiter);
    sched = new Scheduler({ ...opts.sched, clock, idle: realtimeIdle(host, waiter) });
  } else {
    sched = new Scheduler(opts.sched);
  }
  const user = new HostedRumpuser(sched, prng.fork("getrandom"), opts);
  sched.onError = (f, err) => {
    // A thread exit, or the unwinding after exit() (a panic calls it first): nothing to say.
    if (err instanceof ThreadExit || user.exited) return;
    const msg = err instanceof Error ? (err.stack ?? err.message) : String(err);
    user.dprintf(`panic: thread ${f.name}: ${msg}\n`);
    user.exitStatus ??= -1;
    sched.halt("panic");
  };
  return { name: "hosted", user, pci: null, virtif: null, sched, host };
}
