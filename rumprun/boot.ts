/**
 * boot.ts — from a booted PC to a rump kernel ready for rump_init: the hw platform's boot
 * (platform/hw/boot.ts) with this image's config parser and banner, then the kernel made
 * on its hypercalls (rumprun's librumprun_base: the platform knows no kernel).
 *
 * Rules: the kernel's message buffer starts with every line the platform printed; a
 * traced run records each system call as a span on its thread, named by the call, with
 * its errno; interrupts are enabled last, once the kernel can take them.
 */
import type { Machine } from "../arch/machine.ts";
import { errnoName } from "../kernel/kern/errno.ts";
import { type Image, type ImageConfig, validateConfig } from "../kernel/syscall/image.ts";
import { KERNIDENT, OSRELEASE, OSTYPE } from "../kernel/kern/init.ts";
import { Kernel } from "../kernel/kern/kernel.ts";
import { hwBoot } from "../platform/hw/boot.ts";
import type { HwIntr } from "../platform/hw/intr.ts";
import type { HwRumpuser } from "../platform/hw/rumpuser.ts";

export interface BootOptions {
  seed: number;
  verbose?: boolean;
  ncpu?: number;
  /** Prefix for names of this machine's threads (two machines share one scheduler). */
  name?: string;
}

export interface Booted {
  machine: Machine;
  kernel: Kernel;
  user: HwRumpuser;
  config: ImageConfig;
  intr: HwIntr;
}

/** Boots the PC and makes the kernel: ready for rump_init (which `runImage` starts). */
export function boot(
  m: Machine,
  magic: number,
  mbiAddr: number,
  image: Image,
  opts: BootOptions,
): Booted {
  const hw = hwBoot(m, magic, mbiAddr, {
    ...opts,
    imageName: image.name,
    banner: `${OSTYPE} ${OSRELEASE} (${KERNIDENT}) #0: rumpsim image "${image.name}"`,
    readConfig,
  });
  const { platform, intr, user, config } = hw;

  // The rump kernel: its message buffer starts with the boot's lines; interrupts on.
  const kernel = new Kernel(platform, { hostname: config.hostname ?? image.name });
  kernel.msgbuf.append(hw.early);
  kernel.bootModules = hw.modules;
  const tracer = m.sched.tracer;
  if (tracer) {
    kernel.trace = (kind, name, detail) => {
      const f = m.sched.current;
      if (!f) return;
      if (kind === "syscall") return tracer.begin(f, name, "syscall");
      const error = detail > 0 ? errnoName(detail) : "unwound";
      tracer.end(f, detail ? { errno: detail, error } : undefined);
    };
  }
  intr.start(kernel);
  m.cpu.sti();
  return { machine: m, kernel, user, config, intr };
}

/** The image's config: the loader's "config" module as JSON, checked (none: empty). */
function readConfig(modules: readonly { string: string; data: Uint8Array }[]): ImageConfig {
  const mod = modules.find((x) => x.string.startsWith("config"));
  if (!mod) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(mod.data));
  } catch (e) {
    throw new Error(`boot: the config module is not valid JSON: ${(e as Error).message}`);
  }
  return validateConfig(parsed);
}
