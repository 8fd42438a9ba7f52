/**
 * run.ts — runs an image on the simulated PC: power on, load (multiboot info + the
 * config module), boot, rump_init, rumprun's configuration step, the apps, halt.
 *
 * Rules: the run's exit status is the last app's status (rumprun's) unless an earlier app
 * failed, then that app's; -1 → 255 after a panic, 1 after a deadlock (printed with every
 * blocked thread, what it waits on, and the likely cause).
 * Nothing here reads host time in virtual mode, and nothing here imports host/: a realtime
 * run is handed its host's clock and waiter by the caller (`host`: host/realtime.ts's
 * `hostRealtime()` on Deno, web/browser_clock.ts in the page), so a bundle of this file
 * carries no Deno code.
 */
import { createMachine, type Machine, type MachineMode } from "../arch/machine.ts";
import { writeMultibootInfo } from "../arch/multiboot.ts";
import type { Clock, HostWait, RunResult, Tracer } from "../sched/mod.ts";
import type { Image } from "../kernel/syscall/image.ts";
import { Errno } from "../kernel/kern/errno.ts";
import { rumpInit } from "../kernel/kern/init.ts";
import { lwpWaitName } from "../kernel/kern/sync.ts";
import type { Kernel } from "../kernel/kern/kernel.ts";
import { AppRunner } from "../kernel/syscall/exec.ts";
import { boot, type Booted } from "./boot.ts";

export interface RunOptions {
  seed?: number;
  memBytes?: number;
  mode?: MachineMode;
  epochMs?: number;
  verbose?: boolean;
  ncpu?: number;
  /** Replaces the first app's arguments (the CLI's arguments after `--`). */
  argv?: string[];
  /** Where console bytes go (default: discarded); a view valid during the call only. */
  console?: (bytes: Uint8Array) => void;
  /** Records the run's timeline (`--trace`); the caller closes it after the run. */
  trace?: Tracer;
  /** Called after boot, before the scheduler runs (tests attach devices, the CLI sets up hostfwd). */
  onBoot?: (b: Booted) => void;
  /**
   * Realtime mode (required there): the host's clock and waiter — host/realtime.ts's
   * `hostRealtime()` on Deno, the browser's in the page (web/browser_clock.ts).
   */
  host?: { clock: Clock; waiter: HostWait; epochMs: number };
}

export interface RunOutcome {
  status: number;
  result: RunResult;
  machine: Machine;
  kernel: Kernel;
}

/** Lays the image out in RAM as a multiboot loader would, and boots it. */
export function loadAndBoot(
  m: Machine,
  image: Image,
  opts: RunOptions & { name?: string },
): Booted {
  const config = new TextEncoder().encode(JSON.stringify(image.config));
  const mb = writeMultibootInfo(m.ram, {
    cmdline: `rumpsim.${image.name}${image.config.cmdline ? " " + image.config.cmdline : ""}`,
    modules: [
      { data: config, string: "config.json" },
      // The root tree (rumprun's cookfs), unpacked into / by the rumpfs_cookfs component.
      ...(image.root ? [{ data: image.root, string: "root.tar" }] : []),
    ],
    bootLoaderName: "rumpsim",
  });
  return boot(m, mb.magic, mb.infoAddr, image, {
    seed: opts.seed ?? 1,
    verbose: opts.verbose,
    ncpu: opts.ncpu,
    name: opts.name,
  });
}

/** The kernel's first thread: rump_init, configuration, the apps, then exit with their status. */
export function startKernelMain(b: Booted, image: Image, argv?: string[]): void {
  const k = b.kernel;
  k.threadCreate("main", function* () {
    yield* rumpInit(k, image.components);
    // rumprun's config step: interfaces and block devices from the image config.
    for (const n of b.config.net ?? []) {
      const netconfig = k.netconfig;
      if (!netconfig) return k.panic(`config: ${n.if}: no networking is linked into this image`);
      yield* netconfig(n);
    }
    for (const d of b.config.blk ?? []) {
      const blkconfig = k.blkconfig;
      if (!blkconfig) {
        return k.panic(`config: ${d.source}: no file system is linked into this image`);
      }
      try {
        yield* blkconfig(d);
      } catch (e) {
        // A disk that does not mount (corrupt, missing) ends the run with a clear line.
        if (!(e instanceof Errno)) throw e;
        k.printf(`rumpsim: cannot mount ${d.source} on ${d.path}: ${e.message}\n`);
        k.hyp.exit(1);
      }
    }
    // The apps in order: a background app is started and left running; each other app is
    // waited for (rumprun's run modes). The run's status is the first failing app's, else
    // the last app's: a later success does not hide an earlier failure.
    const runner = new AppRunner(k, [...image.apps.map((a) => a.app), ...(image.linked ?? [])]);
    let status = 0;
    let failed = false;
    for (const [i, a] of image.apps.entries()) {
      const p = runner.start(a.app.name, [a.app.name, ...(i === 0 && argv ? argv : a.argv)], {
        ...image.config.env,
        ...a.env,
      });
      if (a.background) continue;
      const s = yield* runner.wait(p);
      if (failed) continue;
      status = s;
      if (s !== 0 && i < image.apps.length - 1) {
        failed = true;
        k.printf(`rumpsim: ${a.app.name} exited with status ${s}\n`);
      }
    }
    k.printf(`rumpsim: apps exited with status ${status}, halting\n`);
    for (const hook of k.shutdownHooks) yield* hook();
    k.hyp.exit(status);
  });
}

/** Runs `image` to its end and returns the exit status. */
export async function runImage(image: Image, opts: RunOptions = {}): Promise<RunOutcome> {
  if (opts.mode === "realtime" && !opts.host) {
    throw new TypeError(
      "runImage: a realtime run needs its host's clock and waiter: pass `host` " +
        "(hostRealtime() from host/realtime.ts on Deno)",
    );
  }
  const m = createMachine({
    memBytes: opts.memBytes,
    mode: opts.mode,
    epochMs: opts.epochMs,
    console: opts.console,
    host: opts.mode === "realtime" ? opts.host : undefined,
  });
  if (opts.trace) m.sched.setTracer(opts.trace);
  const b = loadAndBoot(m, image, opts);
  startKernelMain(b, image, opts.argv);
  opts.onBoot?.(b);
  const result = await m.sched.run();
  return { status: finish(b, result), result, machine: m, kernel: b.kernel };
}

/** The exit status of a finished run; prints a deadlock report on the console. */
export function finish(b: Booted, result: RunResult): number {
  if (result.kind === "deadlock") {
    b.user.dprintf("rumpsim: deadlock: every thread waits and nothing can wake one:\n");
    const fibers = new Map(b.machine.sched.fibers().map((f) => [f.id, f]));
    for (const f of result.blocked) {
      // The kernel's name for the wait (its condition variable's: "consin", ...), if any.
      const lwp = (fibers.get(f.id)?.data as { lwp?: object | null } | undefined)?.lwp;
      const wmesg = lwp ? lwpWaitName(lwp) : "";
      const what = wmesg ? `${f.wchan} "${wmesg}"` : f.wchan;
      const until = f.deadline === null ? "" : ` until ${f.deadline} ns`;
      b.user.dprintf(`  ${f.name} waiting on ${what}${until}\n`);
    }
    for (const cause of likelyCauses(b)) b.user.dprintf(`rumpsim: likely cause: ${cause}\n`);
    b.machine.uart.flush();
    return 1;
  }
  b.machine.uart.flush();
  const s = b.user.exitStatus;
  if (s === null) return result.kind === "exited" ? 0 : 1;
  return s < 0 ? 255 : s & 0xff;
}

/** What a deadlock most likely comes from, as far as the machine can tell. */
function likelyCauses(b: Booted): string[] {
  const causes: string[] = [];
  if (b.kernel.cons.readerWaiting) {
    causes.push(
      b.machine.waiter
        ? "an app reads the console and its input has ended without end of file"
        : "an app reads the console, and a virtual-time run has no input: give it input " +
          "on stdin (a terminal or a pipe; or --realtime), or its arguments after --",
    );
  }
  if (causes.length === 0) {
    causes.push(
      "every thread waits for another thread or for a device, and no timer is armed: " +
        "look for a lock or condition that nothing will signal",
    );
  }
  return causes;
}
