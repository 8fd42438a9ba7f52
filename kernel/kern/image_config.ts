/**
 * image_config.ts — an image's config (rumprun's config): what travels to the machine as
 * JSON in a multiboot module and what the kernel's configuration step applies
 * (`Kernel.netconfig`, `Kernel.blkconfig`). The image itself, with its components and
 * apps, is syscall/image.ts.
 *
 * Rules: the config is plain JSON (hostname, net, blk, env, cmdline, hosts); code
 * (components, apps) is linked, never described in the config. `validateConfig` gives a
 * clear error naming the bad field.
 */
import { isIpv4Text } from "./inet_addr.ts";

/**
 * One network interface's configuration (rumprun's `net` entry).
 *
 * @example
 * ```ts
 * import type { NetIfConfig } from "@rumpsim/rumpsim";
 * const vioif0: NetIfConfig = {
 *   if: "vioif0",
 *   method: "static",
 *   addr: "10.0.2.15",
 *   mask: "255.255.255.0",
 *   gw: "10.0.2.2",
 * };
 * ```
 */
export interface NetIfConfig {
  /** Interface to configure, e.g. "vioif0". */
  if: string;
  /** "static" (addr/mask/gw given) — the only method so far. */
  method: "static";
  /** Its IPv4 address, e.g. "10.0.2.15". */
  addr: string;
  /** Its netmask, e.g. "255.255.255.0". */
  mask: string;
  /** The default gateway, if any. */
  gw?: string;
}

/**
 * One disk to mount before the apps start (rumprun's `blk` entry).
 *
 * @example
 * ```ts
 * import type { BlkConfig } from "@rumpsim/rumpsim";
 * const data: BlkConfig = { source: "ld0", path: "/data", fstype: "ext2", readonly: true };
 * ```
 */
export interface BlkConfig {
  /** Block device, e.g. "ld0". */
  source: string;
  /** Mount point, e.g. "/mnt". */
  path: string;
  /** The file system on it. */
  fstype: "ext2";
  /** Mount read-only. */
  readonly?: boolean;
}

/**
 * An image's config: what the machine is told at boot, as JSON (rumprun's config).
 *
 * @example
 * ```ts
 * import type { ImageConfig } from "@rumpsim/rumpsim";
 * const config: ImageConfig = {
 *   hostname: "web",
 *   env: { HOME: "/" },
 *   net: [{ if: "vioif0", method: "static", addr: "10.0.2.15", mask: "255.255.255.0" }],
 * };
 * ```
 */
export interface ImageConfig {
  /** The hostname (kern.hostname). */
  hostname?: string;
  /** Words added to the kernel command line. */
  cmdline?: string;
  /** Environment of every app (an app's own `env` goes over it). */
  env?: Record<string, string>;
  /** Network interfaces to configure. */
  net?: NetIfConfig[];
  /** Disks to mount. */
  blk?: BlkConfig[];
  /** Names the DNS server answers for (user netdev). */
  hosts?: Record<string, string>;
}

/** Checks a config parsed from JSON; throws an Error naming the first bad field. */
export function validateConfig(c: unknown): ImageConfig {
  if (typeof c !== "object" || c === null || Array.isArray(c)) {
    throw new Error("config: must be a JSON object");
  }
  const o = c as Record<string, unknown>;
  const known = ["hostname", "cmdline", "env", "net", "blk", "hosts"];
  for (const k of Object.keys(o)) {
    if (!known.includes(k)) throw new Error(`config: unknown field "${k}"`);
  }
  if (o.hostname !== undefined && typeof o.hostname !== "string") {
    throw new Error("config.hostname: must be a string");
  }
  if (o.cmdline !== undefined && typeof o.cmdline !== "string") {
    throw new Error("config.cmdline: must be a string");
  }
  for (const key of ["env", "hosts"] as const) {
    const v = o[key];
    if (v === undefined) continue;
    if (typeof v !== "object" || v === null || Array.isArray(v)) {
      throw new Error(`config.${key}: must be an object of strings`);
    }
    for (const [k, s] of Object.entries(v)) {
      if (typeof s !== "string") throw new Error(`config.${key}.${k}: must be a string`);
    }
  }
  if (o.net !== undefined) {
    if (!Array.isArray(o.net)) throw new Error("config.net: must be an array");
    o.net.forEach((n, i) => {
      const e = n as Record<string, unknown>;
      if (typeof e?.if !== "string") throw new Error(`config.net[${i}].if: must be a string`);
      if (e.method !== "static") throw new Error(`config.net[${i}].method: must be "static"`);
      for (const f of ["addr", "mask"]) {
        if (typeof e[f] !== "string" || !isIpv4Text(e[f] as string)) {
          throw new Error(`config.net[${i}].${f}: must be a dotted-quad IPv4 address`);
        }
      }
      if (e.gw !== undefined && (typeof e.gw !== "string" || !isIpv4Text(e.gw))) {
        throw new Error(`config.net[${i}].gw: must be a dotted-quad IPv4 address`);
      }
    });
  }
  if (o.blk !== undefined) {
    if (!Array.isArray(o.blk)) throw new Error("config.blk: must be an array");
    o.blk.forEach((b, i) => {
      const e = b as Record<string, unknown>;
      if (typeof e?.source !== "string") {
        throw new Error(`config.blk[${i}].source: must be a string`);
      }
      if (typeof e.path !== "string" || !e.path.startsWith("/")) {
        throw new Error(`config.blk[${i}].path: must be an absolute path`);
      }
      if (e.fstype !== "ext2") throw new Error(`config.blk[${i}].fstype: must be "ext2"`);
    });
  }
  return o as ImageConfig;
}
