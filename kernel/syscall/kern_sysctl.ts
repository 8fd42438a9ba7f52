/**
 * kern_sysctl.ts — the system information calls: sysctl(3) by name (NetBSD's
 * kern_sysctl.c) and uname(3), which NetBSD's libc builds from the same kern.* nodes.
 *
 * Rules: sysctl only reads (the tree is kern/sysctl.ts; a value is copied out); a name
 * with no node is ENOENT. uname reports a NetBSD 10.0 kernel on amd64 (rumprun's hw
 * target) and the kernel's current hostname.
 */
import { ENOENT, Errno } from "../kern/errno.ts";
import { OSRELEASE, OSTYPE } from "../kern/init.ts";
import type { Kernel } from "../kern/kernel.ts";
import type { Sys, Utsname } from "./api.ts";

/** What uname(2) reports besides OSTYPE and OSRELEASE (kern/init.ts). */
export const OSVERSION = "NetBSD 10.0 (RUMPSIM) rumpsim";
export const MACHINE = "amd64";

/** The system information calls on kernel `k`. */
export function kernSysctl(k: Kernel): Pick<Sys, "sysctl" | "uname"> {
  return {
    sysctl(name) {
      const v = k.sysctl.read(name);
      if (v === undefined) throw new Errno(ENOENT, `sysctl ${name}`);
      return v;
    },
    uname(): Utsname {
      return {
        sysname: OSTYPE,
        nodename: k.hostname,
        release: OSRELEASE,
        version: OSVERSION,
        machine: MACHINE,
      };
    },
  };
}
