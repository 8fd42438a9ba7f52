/**
 * sys_getrandom.ts — getrandom(2) (NetBSD's sys_getrandom.c): bytes from the kernel's
 * cprng, which is fed by the getrandom hypercall and so by the run's seed.
 *
 * Rules: never waits and never fails for a buffer; the same seed gives the same bytes.
 * Flags (GRND_NONBLOCK, GRND_RANDOM) change nothing here: the pool is always ready.
 */
import type { Kernel } from "../kern/kernel.ts";
import type { Sys } from "./api.ts";

export function sysGetrandom(k: Kernel): Pick<Sys, "getrandom"> {
  return {
    getrandom(buf: Uint8Array): number {
      k.cprngBytes(buf);
      return buf.length;
    },
  };
}
