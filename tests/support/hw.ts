/**
 * hw.ts (test support) — boots the hw platform on a fresh simulated PC and runs a body on
 * a kernel thread after rump_init, for tests that need the real boot path.
 */
import { createMachine, type Machine } from "../../arch/machine.ts";
import type { Blocking } from "../../kernel/hypercall/rumpuser.ts";
import type { RumpComponent } from "../../kernel/kern/component.ts";
import type { Image } from "../../kernel/syscall/image.ts";
import { rumpInit } from "../../kernel/kern/init.ts";
import type { Kernel } from "../../kernel/kern/kernel.ts";
import type { Booted } from "../../rumprun/boot.ts";
import { finish, loadAndBoot } from "../../rumprun/run.ts";
import type { RunResult } from "../../sched/mod.ts";

export interface HwRun<T> {
  booted: Booted;
  machine: Machine;
  kernel: Kernel;
  result: RunResult;
  status: number;
  value: T | undefined;
  console: string;
}

export function runInHwKernel<T>(
  body: (k: Kernel) => Blocking<T>,
  opts: { seed?: number; memBytes?: number; components?: RumpComponent[]; ncpu?: number } = {},
): HwRun<T> {
  let out = "";
  const dec = new TextDecoder();
  const machine = createMachine({
    memBytes: opts.memBytes ?? 16 * 1024 * 1024,
    console: (b) => (out += dec.decode(b, { stream: true })),
  });
  const image: Image = {
    name: "test",
    description: "test",
    components: opts.components ?? [],
    apps: [],
    config: {},
  };
  const booted = loadAndBoot(machine, image, { seed: opts.seed ?? 1, ncpu: opts.ncpu });
  const k = booted.kernel;
  let value: T | undefined;
  let error: unknown;
  k.threadCreate("main", function* () {
    try {
      yield* rumpInit(k, image.components);
      value = yield* body(k);
    } catch (e) {
      error = e;
    }
    k.hyp.exit(0);
  });
  const result = machine.sched.runSync();
  const status = finish(booted, result);
  if (error) throw error;
  return {
    booted,
    machine,
    kernel: k,
    result,
    status,
    value,
    console: out.replaceAll("\r\n", "\n"),
  };
}
