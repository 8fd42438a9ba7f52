/**
 * route.ts — the IPv4 routing table (NetBSD's net/route.c, reduced): connected routes
 * made from interface addresses, static routes, a default gateway, and longest-prefix
 * match.
 *
 * Rules: a lookup never returns a route whose interface is down. Among routes of equal
 * prefix length the one added first wins (stable, deterministic). A gateway route's
 * next hop is its gateway; a connected route's next hop is the destination itself.
 * Connected routes come and go with interface addresses (`addConnected` /
 * `removeForIfp`); the user adds and deletes static ones.
 */
import type { RouteInfo } from "../kernel/syscall/api.ts";
import type { Ifnet } from "./if.ts";
import { formatIpv4, type Ipv4Addr, prefixToNetmask } from "./wire/mod.ts";

/** Route flags (net/route.h). */
export const RTF_UP = 0x1;
export const RTF_GATEWAY = 0x2;
export const RTF_HOST = 0x4;
export const RTF_STATIC = 0x800;
export const RTF_CONNECTED = 0x80000;

export interface Rtentry {
  dst: Ipv4Addr;
  prefixLen: number;
  /** The gateway of an RTF_GATEWAY route; 0 otherwise. */
  gateway: Ipv4Addr;
  ifp: Ifnet;
  flags: number;
  /** Lookups that chose it (rt_use). */
  use: number;
}

export class RouteTable {
  /** Sorted by prefix length, longest first; insertion order within a length. */
  #routes: Rtentry[] = [];

  /** Adds a route; replaces one with the same destination and prefix. */
  add(dst: Ipv4Addr, prefixLen: number, gateway: Ipv4Addr, ifp: Ifnet, flags: number): Rtentry {
    const mask = prefixToNetmask(prefixLen);
    const rt: Rtentry = {
      dst: (dst & mask) >>> 0,
      prefixLen,
      gateway,
      ifp,
      flags: flags | RTF_UP | (gateway ? RTF_GATEWAY : 0) | (prefixLen === 32 ? RTF_HOST : 0),
      use: 0,
    };
    this.delete(rt.dst, prefixLen);
    let i = 0;
    while (i < this.#routes.length && this.#routes[i].prefixLen >= prefixLen) i++;
    this.#routes.splice(i, 0, rt);
    return rt;
  }

  /** Deletes the route for dst/prefixLen; true if there was one. */
  delete(dst: Ipv4Addr, prefixLen: number): boolean {
    const d = (dst & prefixToNetmask(prefixLen)) >>> 0;
    const i = this.#routes.findIndex((r) => r.dst === d && r.prefixLen === prefixLen);
    if (i < 0) return false;
    this.#routes.splice(i, 1);
    return true;
  }

  /** The connected route of an interface address. */
  addConnected(ifp: Ifnet, addr: Ipv4Addr, prefixLen: number): void {
    this.add(addr, prefixLen, 0, ifp, RTF_CONNECTED);
  }

  /** Removes every route through `ifp` (its addresses went away). */
  removeForIfp(ifp: Ifnet, onlyConnected = true): void {
    this.#routes = this.#routes.filter((r) =>
      r.ifp !== ifp || (onlyConnected && !(r.flags & RTF_CONNECTED))
    );
  }

  /** Longest-prefix match over routes whose interface is up (rtalloc1). */
  lookup(dst: Ipv4Addr): Rtentry | null {
    for (const r of this.#routes) {
      if (!r.ifp.isUp()) continue;
      if (((dst & prefixToNetmask(r.prefixLen)) >>> 0) === r.dst) {
        r.use++;
        return r;
      }
    }
    return null;
  }

  /** The address to hand to the link layer for `dst` through `rt`. */
  static nexthop(rt: Rtentry, dst: Ipv4Addr): Ipv4Addr {
    return rt.flags & RTF_GATEWAY ? rt.gateway : dst;
  }

  entries(): readonly Rtentry[] {
    return this.#routes;
  }

  /** The table as `netstat -rn` shows it. */
  list(): RouteInfo[] {
    return this.#routes.map((r) => ({
      destination: r.prefixLen === 0 ? "default" : `${formatIpv4(r.dst)}/${r.prefixLen}`,
      gateway: r.gateway ? formatIpv4(r.gateway) : `link#${r.ifp.index}`,
      flags: flagString(r.flags),
      refs: 0,
      use: r.use,
      mtu: r.ifp.mtu,
      interface: r.ifp.name,
    }));
  }
}

function flagString(f: number): string {
  let s = "";
  if (f & RTF_UP) s += "U";
  if (f & RTF_GATEWAY) s += "G";
  if (f & RTF_HOST) s += "H";
  if (f & RTF_STATIC) s += "S";
  if (f & RTF_CONNECTED) s += "C";
  return s;
}
