/**
 * init.ts — rump_init: bring a rump kernel up, in rump's order.
 *
 * Rules: components initialise by type (KERN, VFS, NET, DEV), then the buses are
 * configured (autoconf: drivers registered by DEV components attach to the devices found),
 * then KERN_VFS, POSTINIT and SYSCALL. Runs on a kernel thread holding a vCPU.
 */
import type { Blocking } from "../hypercall/rumpuser.ts";
import { checkComponents, initComponents, type RumpComponent } from "./component.ts";
import type { Kernel } from "./kernel.ts";

const EARLY = new Set(["KERN", "VFS", "NET", "DEV"]);

/** The banner line, NetBSD-style. */
export const OSTYPE = "NetBSD";
export const OSRELEASE = "10.0";
export const KERNIDENT = "RUMPSIM";

export function* rumpInit(k: Kernel, components: readonly RumpComponent[]): Blocking<string[]> {
  checkComponents(components);
  k.startThreads();
  const early = components.filter((c) => EARLY.has(c.type));
  const ran = yield* initComponents(k, early, components);
  for (const hook of k.autoconf) yield* hook();
  const late = components.filter((c) => !EARLY.has(c.type));
  ran.push(...yield* initComponents(k, late, components));
  k.printf(
    `rump kernel: ${ran.length} components initialised${ran.length ? ": " + ran.join(" ") : ""}\n`,
  );
  return ran;
}
