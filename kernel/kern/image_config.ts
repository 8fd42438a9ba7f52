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

export interface NetIfConfig {
  /** Interface to configure, e.g. "vioif0". */
  if: string;
  /** "static" (addr/mask/gw given) — the only method so far. */
  method: "static";
  addr: string;
  mask: string;
  gw?: string;
}

export interface BlkConfig {
  /** Block device, e.g. "ld0". */
  source: string;
  /** Mount point, e.g. "/mnt". */
  path: string;
  fstype: "ext2";
  readonly?: boolean;
}

export interface ImageConfig {
  hostname?: string;
  cmdline?: string;
  env?: Record<string, string>;
  net?: NetIfConfig[];
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
