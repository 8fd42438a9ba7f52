/**
 * in_pcb.ts — Internet protocol control blocks (NetBSD's netinet/in_pcb.c): a socket's
 * local and foreign address and port, one table per protocol, binding (with the rules of
 * SO_REUSEADDR / SO_REUSEPORT), ephemeral port choice, connecting, and lookup for input.
 *
 * Rules:
 *   - A bind conflicts with a PCB on the same port whose local address overlaps (equal, or
 *     either is INADDR_ANY) unless both sockets set SO_REUSEPORT, or the new one set
 *     SO_REUSEADDR and the old one is connected (e.g. TIME_WAIT) or bound to a different
 *     specific address (BSD semantics); the conflict is EADDRINUSE.
 *   - Binding an address that is not ours is EADDRNOTAVAIL; binding twice is EINVAL.
 *   - Ephemeral ports come from 49152–65535 (IANA dynamic range, NetBSD's
 *     anonportmin/max); none free is EAGAIN. For a connect, RFC 6056 §3.3.3's algorithm
 *     3: the search starts at a keyed hash of (laddr, faddr, fport) plus a table-wide
 *     counter that moves on with every allocation, so successive connections to one
 *     destination take successive ports and a just-closed four-tuple comes back only
 *     after the whole range was used; other destinations' sequences cannot be guessed.
 *     The key is drawn from the cprng on first use. A bind without a destination starts
 *     at a cprng point. The table counts PCBs per local port, so the search never walks
 *     the PCBs.
 *   - Input lookup prefers an exact four-tuple match, then the most specific wildcard.
 *   - Iteration is in creation order, so lookups are deterministic.
 *   - `pcbInfo` is one PCB as `net.inet.pcblist` lists it (netstat -a), for every
 *     protocol's listing.
 */
import { EADDRINUSE, EADDRNOTAVAIL, EAGAIN, EINVAL, Errno } from "../kernel/kern/errno.ts";
import { SO_REUSEADDR, SO_REUSEPORT } from "../kernel/syscall/api.ts";
import { ipRoute } from "./ip_output.ts";
import type { NetStack } from "./netstack.ts";
import { type Socket, typeName } from "./socket.ts";
import { formatIpv4, INADDR_ANY, INADDR_LOOPBACK, type Ipv4Addr } from "./wire/mod.ts";

export const IPPORT_ANONMIN = 49152;
export const IPPORT_ANONMAX = 65535;

export class Inpcb {
  laddr: Ipv4Addr = INADDR_ANY;
  #lport = 0;
  faddr: Ipv4Addr = INADDR_ANY;
  fport = 0;
  /** The IP protocol of a raw PCB (0 for UDP/TCP tables). */
  proto = 0;
  constructor(readonly table: InpcbTable, public so: Socket | null) {}

  /** The local port; the table counts the PCBs on each (for ephemeral choice). */
  get lport(): number {
    return this.#lport;
  }
  set lport(port: number) {
    if (port === this.#lport) return;
    if (this.table.pcbs.has(this)) {
      this.table.portUse(this.#lport, -1);
      this.table.portUse(port, 1);
    }
    this.#lport = port;
  }

  /** SO_REUSEADDR / SO_REUSEPORT of its socket. */
  get reuse(): number {
    return (this.so?.options ?? 0) & (SO_REUSEADDR | SO_REUSEPORT);
  }
}

export class InpcbTable {
  /** Every PCB, in creation order. */
  readonly pcbs = new Set<Inpcb>();
  /** RFC 6056 algorithm 3: next_ephemeral and the key of F(). */
  #nextEphemeral = 0;
  #portKey: number[] | null = null;
  /** PCBs per local port (port 0 included), kept by Inpcb's lport setter and `free`. */
  readonly #ports = new Map<number, number>();
  /**
   * Whether a connect may take a four-tuple (with its port) that a lingering PCB holds,
   * because the protocol will take over that connection's TIME-WAIT (TCP's twReuse).
   */
  reuseForConnect:
    | ((laddr: Ipv4Addr, lport: number, faddr: Ipv4Addr, fport: number) => boolean)
    | null = null;

  constructor(readonly stack: NetStack, readonly name: string) {}

  /** in_pcballoc. */
  alloc(so: Socket | null): Inpcb {
    const p = new Inpcb(this, so);
    this.pcbs.add(p);
    this.portUse(p.lport, 1);
    return p;
  }

  /** Counts one more (`d` 1) or one fewer (`d` −1) PCB on local port `port`. */
  portUse(port: number, d: number): void {
    const n = (this.#ports.get(port) ?? 0) + d;
    if (n > 0) this.#ports.set(port, n);
    else this.#ports.delete(port);
  }

  /** in_pcbdetach. */
  free(p: Inpcb): void {
    if (this.pcbs.delete(p)) this.portUse(p.lport, -1);
  }

  /** in_pcbbind: `port` 0 picks an ephemeral one. */
  bind(p: Inpcb, laddr: Ipv4Addr, port: number): void {
    if (p.lport !== 0 || p.laddr !== INADDR_ANY) throw new Errno(EINVAL, "socket is already bound");
    if (
      laddr !== INADDR_ANY && !this.stack.isLocalAddr(laddr) && !this.stack.isBroadcastAddr(laddr)
    ) {
      throw new Errno(EADDRNOTAVAIL, "address is not on this host");
    }
    if (port === 0) {
      p.laddr = laddr;
      p.lport = this.ephemeral();
      return;
    }
    if (this.conflicts(p, laddr, port)) throw new Errno(EADDRINUSE, `port ${port} is in use`);
    p.laddr = laddr;
    p.lport = port;
  }

  /** True if binding `p` to laddr:port would clash with another PCB. */
  conflicts(p: Inpcb, laddr: Ipv4Addr, port: number): boolean {
    const mine = p.reuse;
    for (const o of this.pcbs) {
      if (o === p || o.lport !== port) continue;
      if (o.laddr !== INADDR_ANY && laddr !== INADDR_ANY && o.laddr !== laddr) continue;
      if (mine & SO_REUSEPORT && o.reuse & SO_REUSEPORT) continue;
      if (mine & SO_REUSEADDR && (o.faddr !== INADDR_ANY || o.laddr !== laddr)) continue;
      return true;
    }
    return false;
  }

  /**
   * A free port from the ephemeral range: for a connection to faddr:fport (RFC 6056
   * algorithm 3) when given, else from a random point.
   */
  ephemeral(laddr?: Ipv4Addr, faddr?: Ipv4Addr, fport?: number): number {
    const n = IPPORT_ANONMAX - IPPORT_ANONMIN + 1;
    let start: number;
    if (faddr === undefined) {
      start = this.stack.k.cprng32() % n;
    } else {
      this.#portKey ??= [this.stack.k.cprng32(), this.stack.k.cprng32()];
      const [k0, k1] = this.#portKey;
      start = (portHash(k0, k1, laddr ?? 0, faddr, fport ?? 0) + this.#nextEphemeral) % n;
    }
    const reuse = faddr !== undefined ? this.reuseForConnect : null;
    for (let i = 0; i < n; i++) {
      const port = IPPORT_ANONMIN + ((start + i) % n);
      if (
        !this.#ports.has(port) ||
        (reuse !== null && this.#ports.get(port) === 1 &&
          reuse(laddr ?? INADDR_ANY, port, faddr!, fport ?? 0))
      ) {
        if (faddr !== undefined) this.#nextEphemeral = (this.#nextEphemeral + i + 1) % n;
        return port;
      }
    }
    throw new Errno(EAGAIN, "no ephemeral port is free");
  }

  /**
   * in_pcbconnect: sets the foreign address, choosing the local address by route and
   * binding an ephemeral port if unbound. Throws EADDRNOTAVAIL for port 0, a routing
   * errno, or EADDRINUSE when the four-tuple exists.
   */
  connect(p: Inpcb, faddr: Ipv4Addr, fport: number): void {
    if (fport === 0) throw new Errno(EADDRNOTAVAIL, "cannot connect to port 0");
    if (faddr === INADDR_ANY) faddr = INADDR_LOOPBACK;
    let laddr = p.laddr;
    if (laddr === INADDR_ANY) {
      const r = ipRoute(this.stack, faddr);
      if (typeof r === "number") throw new Errno(r);
      laddr = r.src;
    }
    if (
      p.lport !== 0 && this.lookupConnected(laddr, p.lport, faddr, fport, p) &&
      !this.reuseForConnect?.(laddr, p.lport, faddr, fport)
    ) {
      throw new Errno(EADDRINUSE, "connection exists");
    }
    if (p.lport === 0) p.lport = this.ephemeral(laddr, faddr, fport);
    p.laddr = laddr;
    p.faddr = faddr;
    p.fport = fport;
  }

  /** in_pcbdisconnect. */
  disconnect(p: Inpcb): void {
    p.faddr = INADDR_ANY;
    p.fport = 0;
  }

  /** An exact four-tuple match (other than `except`). */
  lookupConnected(
    laddr: Ipv4Addr,
    lport: number,
    faddr: Ipv4Addr,
    fport: number,
    except?: Inpcb,
  ): Inpcb | null {
    for (const o of this.pcbs) {
      if (
        o !== except && o.lport === lport && o.fport === fport && o.faddr === faddr &&
        o.laddr === laddr
      ) return o;
    }
    return null;
  }

  /**
   * in_pcblookup for a datagram from faddr:fport to laddr:lport: the exact match, else
   * the best wildcard (fewest wildcards), first created on a tie.
   */
  lookup(laddr: Ipv4Addr, lport: number, faddr: Ipv4Addr, fport: number): Inpcb | null {
    let best: Inpcb | null = null;
    let bestWild = 3;
    for (const o of this.pcbs) {
      if (o.lport !== lport) continue;
      let wild = 0;
      if (o.faddr !== INADDR_ANY) {
        if (o.faddr !== faddr || o.fport !== fport) continue;
      } else wild++;
      if (o.laddr !== INADDR_ANY) {
        if (o.laddr !== laddr) continue;
      } else wild++;
      if (wild === 0) return o;
      if (wild < bestWild) {
        best = o;
        bestWild = wild;
      }
    }
    return best;
  }
}

/** RFC 6056's F(): a keyed hash of the connection's addresses and foreign port. */
function portHash(k0: number, k1: number, laddr: number, faddr: number, fport: number): number {
  // A few rounds of an xorshift-multiply mix over the words under the key (not a MAC:
  // it only has to make one destination's sequence unguessable from another's).
  let h = k0 ^ 0x9e3779b9;
  for (const w of [laddr, faddr, fport, k1]) {
    h = Math.imul(h ^ w, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** One socket as `net.inet.pcblist` lists it (netstat -a). */
export interface PcbInfo {
  proto: string;
  type: string;
  local: string;
  foreign: string;
  state: string;
  recvQ: number;
  sendQ: number;
}

/** `p` (of socket `so`, or none) as a listing line; `extra` overrides fields. */
export function pcbInfo(
  proto: string,
  p: Inpcb,
  so: Socket | null,
  extra?: Partial<PcbInfo>,
): PcbInfo {
  const d = so?.pr.describe?.(so) ?? { state: "", recvQ: 0, sendQ: 0 };
  const port = (n: number) => (n ? String(n) : "*");
  const addr = (a: Ipv4Addr) => (a ? formatIpv4(a) : "*");
  return {
    proto,
    type: so ? typeName(so.type) : "",
    local: `${addr(p.laddr)}.${port(p.lport)}`,
    foreign: `${addr(p.faddr)}.${port(p.fport)}`,
    ...d,
    ...extra,
  };
}
