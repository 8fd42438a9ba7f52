/**
 * netstack.ts — one kernel's TCP/IP stack: its interfaces and routing table, and the
 * registry of domains that add the rest (NetBSD's ifnet_list and rt_tables, and
 * uipc_domain.c's domain list with domain_attach and domaininit).
 *
 * Rules:
 *   - This file imports no protocol. Protocol state lives on the stack, but each
 *     protocol declares its own field (`declare module "./netstack.ts"`, next to its
 *     class) and its domain's `init` fills it; the stack knows protocols only as the
 *     NetDomains registered with `domainAttach` (in_proto.ts registers the inet one).
 *   - Every new stack runs each registered domain's `init`, in registration order, and
 *     each domain's `ifattach` for every interface attached, before it is listed.
 *   - A Kernel has at most one NetStack, made on first use by `netstack(k)` (so a driver
 *     may attach its interface before or after the NET component's init); several
 *     kernels in one process each have their own.
 *   - Every entry point below the socket layer is a plain function that never blocks.
 *     Sockets sleep on `lock` (softnet_lock) with a condition variable of their own;
 *     packet input wakes them without taking the lock, which is safe because fibers
 *     switch only where they yield.
 */
import type { Kernel } from "../kernel/kern/kernel.ts";
import type { KMutex } from "../kernel/kern/sync.ts";
import { EADDRNOTAVAIL, EEXIST, EINVAL, ENXIO, Errno } from "../kernel/kern/errno.ts";
import { type IfAttachArgs, IFF_LOOPBACK, IFF_UP, Ifnet, makeIfAddr } from "./if.ts";
import { RouteTable, RTF_STATIC } from "./route.ts";
import { formatIpv4, INADDR_LOOPBACK, type Ipv4Addr, isLoopback } from "./wire/mod.ts";

/** A domain as the stack sees it (struct domain's hooks; protosw.ts has the rest). */
export interface NetDomain {
  readonly name: string;
  /** dom_init: makes the domain's per-stack state (a new stack calls it once). */
  init(stack: NetStack): void;
  /** dom_ifattach: sets up a new interface (ether_ifattach for Ethernet). */
  ifattach?(stack: NetStack, ifp: Ifnet): void;
  /** The interface went down or away: forget what was learned on it (ARP entries). */
  ifdown?(stack: NetStack, ifp: Ifnet): void;
}

/** The registered domains, in registration order (the link set domaininit walks). */
const domains: NetDomain[] = [];

/** domain_attach: every stack made from now on runs `dom`'s hooks. */
export function domainAttach(dom: NetDomain): void {
  if (!domains.includes(dom)) domains.push(dom);
}

export class NetStack {
  readonly ifnets: Ifnet[] = [];
  readonly routes = new RouteTable();
  /** softnet_lock: what sockets sleep with. */
  readonly lock: KMutex;
  /** The loopback interface (made by loopback.ts's loopattach, from the inet domain). */
  lo0!: Ifnet;
  /** Sockets made and not yet closed (socket.ts counts them; net.sockets). */
  sockets = 0;
  #ifIndex = 1;

  constructor(readonly k: Kernel) {
    this.lock = k.mutex("softnet_lock");
    for (const dom of domains) dom.init(this);
  }

  /** if_attach: adds an interface made from a driver's arguments; it starts down. */
  attach(args: IfAttachArgs): Ifnet {
    if (this.ifunit(args.name)) throw new Errno(EEXIST, `interface ${args.name} exists`);
    const ifp = new Ifnet(args);
    ifp.index = this.#ifIndex++;
    if (args.type === "ether" && !ifp.mac) {
      throw new Errno(EINVAL, `ethernet interface ${args.name} needs a MAC`);
    }
    for (const dom of domains) dom.ifattach?.(this, ifp);
    // The driver drained a busy send queue: connections holding data back go again.
    ifp.onSndReady = () => this.tcp?.engine.sndReady();
    this.ifnets.push(ifp);
    return ifp;
  }

  /** if_detach: removes the interface and its routes and ARP entries. */
  detach(ifp: Ifnet): void {
    const i = this.ifnets.indexOf(ifp);
    if (i < 0) return;
    ifp.flags &= ~IFF_UP;
    this.routes.removeForIfp(ifp, false);
    this.#ifdown(ifp);
    this.ifnets.splice(i, 1);
  }

  /** The interface named `name`, or null (ifunit). */
  ifunit(name: string): Ifnet | null {
    return this.ifnets.find((i) => i.name === name) ?? null;
  }

  /** Adds an address (SIOCAIFADDR) with its connected route; announces it if up. */
  addAddress(ifp: Ifnet, addr: Ipv4Addr, prefixLen: number): void {
    if (prefixLen < 0 || prefixLen > 32) throw new Errno(EINVAL, `bad prefix length ${prefixLen}`);
    if (ifp.hasAddr(addr)) return;
    const ia = makeIfAddr(addr, prefixLen, ifp.flags);
    ifp.addrs.push(ia);
    this.routes.addConnected(ifp, addr, prefixLen);
    if (ifp.isUp()) ifp.onConfigure(ifp);
  }

  /** Removes an address (SIOCDIFADDR) and its connected route. */
  deleteAddress(ifp: Ifnet, addr: Ipv4Addr): void {
    const i = ifp.addrs.findIndex((ia) => ia.addr === addr);
    if (i < 0) throw new Errno(EADDRNOTAVAIL, `${formatIpv4(addr)} is not on ${ifp.name}`);
    const [ia] = ifp.addrs.splice(i, 1);
    if (
      !ifp.addrs.some((o) =>
        o.prefixLen === ia.prefixLen && (o.addr & ia.netmask) === (ia.addr & ia.netmask)
      )
    ) {
      this.routes.delete(ia.addr, ia.prefixLen);
    }
  }

  /** ifconfig up / down. */
  setUp(ifp: Ifnet, up: boolean): void {
    const was = ifp.isUp();
    ifp.flags = up ? ifp.flags | IFF_UP : ifp.flags & ~IFF_UP;
    if (up && !was) ifp.onConfigure(ifp);
    if (!up && was) this.#ifdown(ifp);
  }

  #ifdown(ifp: Ifnet): void {
    for (const dom of domains) dom.ifdown?.(this, ifp);
  }

  /** route add: a static route (prefixLen 0 for the default route) through `gateway`. */
  addRoute(dst: Ipv4Addr, prefixLen: number, gateway: Ipv4Addr, ifname?: string): void {
    let ifp: Ifnet | null;
    if (ifname) {
      ifp = this.ifunit(ifname);
      if (!ifp) throw new Errno(ENXIO, `no interface ${ifname}`);
    } else {
      const rt = gateway ? this.routes.lookup(gateway) : null;
      if (!rt || rt.gateway) {
        throw new Errno(EINVAL, `gateway ${formatIpv4(gateway)} is not on a connected network`);
      }
      ifp = rt.ifp;
    }
    this.routes.add(dst, prefixLen, gateway, ifp, RTF_STATIC);
  }

  /** True if `a` is one of our addresses (any interface) or in 127/8 (in_localaddr-like). */
  isLocalAddr(a: Ipv4Addr): boolean {
    if (isLoopback(a)) return true;
    for (const ifp of this.ifnets) if (ifp.hasAddr(a)) return true;
    return false;
  }

  /** True if `a` is for this host as a broadcast on some up interface. */
  isBroadcastAddr(a: Ipv4Addr, ifp?: Ifnet): boolean {
    if (a === 0xffffffff) return true;
    if (ifp) return ifp.isBroadcastFor(a);
    for (const i of this.ifnets) if (i.isBroadcastFor(a)) return true;
    return false;
  }

  /** The interface owning address `a`, or null (ifa_ifwithaddr). */
  ifWithAddr(a: Ipv4Addr): Ifnet | null {
    if (a === INADDR_LOOPBACK) return this.lo0;
    return this.ifnets.find((i) => i.hasAddr(a)) ?? null;
  }

  /** True when the interface is the loopback. */
  static isLoop(ifp: Ifnet): boolean {
    return (ifp.flags & IFF_LOOPBACK) !== 0;
  }
}

const stacks = new WeakMap<Kernel, NetStack>();

/** The kernel's network stack, made on first use. */
export function netstack(k: Kernel): NetStack {
  let s = stacks.get(k);
  if (!s) {
    s = new NetStack(k);
    stacks.set(k, s);
  }
  return s;
}

/**
 * if_attach for drivers: `ifAttach(k, {name: "vioif0", type: "ether", mac, transmit})`
 * returns the Ifnet whose `input(frame)` the driver calls from its interrupt handler.
 */
export function ifAttach(k: Kernel, args: IfAttachArgs): Ifnet {
  return netstack(k).attach(args);
}
