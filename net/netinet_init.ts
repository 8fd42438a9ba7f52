/**
 * netinet_init.ts — the NET components an image links (rump's librumpnet,
 * librumpnet_netinet, librumpnet_net), their init, the sysctl nodes netstat and ifconfig
 * read, and the static configuration boot applies from the image config.
 *
 * Rules: components have the RumpComponent shape `{name, type, requires?, init(k)}`;
 * `init` never blocks and may run in any order that respects `requires`. rumpnet makes
 * the stack (interfaces, routes, ARP, and the inet domain's protocols, which this file
 * links by importing in_proto.ts) and its sysctl nodes; rumpnet_netinet attaches TCP
 * (net/tcp/ through tcp_usrreq.ts) and registers the socket syscalls; rumpnet_net
 * configures lo0. Configuration errors throw Errno with a message naming the bad value.
 */
import type { Kernel } from "../kernel/kern/kernel.ts";
import { EINVAL, ENXIO, Errno } from "../kernel/kern/errno.ts";
import type { IfData } from "./if.ts";
import { type PcbInfo, pcbInfo } from "./in_pcb.ts";
import "./in_proto.ts"; // attaches the inet domain to every stack made from now on
import { type NetStack, netstack } from "./netstack.ts";
import { tcpAttach } from "./tcp_usrreq.ts";
import { InetSocketSyscalls } from "./uipc_syscalls.ts";
import { formatIpv4, type Ipv4Addr, netmaskToPrefix, parseIpv4, WireError } from "./wire/mod.ts";
import { sysent } from "../kernel/syscall/systab.ts";

export type { PcbInfo } from "./in_pcb.ts";

/** What component.ts calls a RumpComponent (structurally). */
export interface NetComponent {
  readonly name: string;
  readonly type: "NET";
  readonly requires?: readonly string[];
  init(k: Kernel): void;
}

/** librumpnet: the interface layer, routing, ARP. */
export const rumpnet: NetComponent = {
  name: "rumpnet",
  type: "NET",
  init(k) {
    netInit(k);
  },
};

/** librumpnet_netinet: IPv4 and its protocols, and the socket syscalls. */
export const rumpnet_netinet: NetComponent = {
  name: "rumpnet_netinet",
  type: "NET",
  requires: ["rumpnet"],
  init(k) {
    netinetInit(k);
  },
};

/** librumpnet_net: lo0 (up with 127.0.0.1/8; the stack makes it). */
export const rumpnet_net: NetComponent = {
  name: "rumpnet_net",
  type: "NET",
  requires: ["rumpnet"],
  init(k) {
    const s = netstack(k);
    s.setUp(s.lo0, true);
  },
};

/** Makes the stack and registers net.interfaces, net.route and net.arp. */
export function netInit(k: Kernel): NetStack {
  const s = netstack(k);
  k.sysctl.register("net.interfaces", () => interfaces(s));
  k.sysctl.register("net.route", () => s.routes.list());
  k.sysctl.register("net.arp", () => s.arp.list());
  return s;
}

/** Registers the socket syscalls and the net.inet sysctl nodes. */
export function netinetInit(k: Kernel): NetStack {
  const s = netInit(k);
  if (!s.tcp) tcpAttach(s);
  sysent(k).net = new InetSocketSyscalls(s);
  // rumprun's configuration step: an interface from the image config's "net" entry.
  k.netconfig = function* (c) {
    netConfigure(k, { ifname: c.if, addr: c.addr, netmask: c.mask, gateway: c.gw });
    k.printf(`${c.if}: inet ${c.addr} netmask ${c.mask}${c.gw ? ` gateway ${c.gw}` : ""}\n`);
  };
  k.sysctl.register("net.inet.ip.stats", () => s.ip.stat);
  k.sysctl.register("net.inet.ip.forwarding", () => (s.ip.forwarding ? 1 : 0));
  k.sysctl.register("net.inet.ip.reass", () => s.ip.reass.list());
  k.sysctl.register("net.inet.icmp.stats", () => s.icmp.stat);
  k.sysctl.register("net.inet.udp.stats", () => s.udp.stat);
  k.sysctl.register("net.inet.tcp.stats", () => ({ ...s.tcp?.stats() }));
  // A number that changes whenever a TCP listener starts or stops: a watcher reads it and
  // lists the PCBs only when it moved (the CLI's "serving on" announcement).
  k.sysctl.register("net.inet.tcp.listengen", () => s.tcp?.listenGen ?? 0);
  k.sysctl.register("net.inet.arp.stats", () => s.arp.stat);
  k.sysctl.register("net.inet.pcblist", () => pcblist(s));
  k.sysctl.register("net.sockets", () => s.sockets);
  // How many PCBs each protocol holds (TIME-WAITs of closed sockets included), without
  // listing them: a load benchmark reads it while tens of thousands exist.
  k.sysctl.register("net.inet.pcbcount", () => ({
    tcp: s.tcp?.table.pcbs.size ?? 0,
    tcpOrphans: s.tcp?.orphans ?? 0,
    udp: s.udp.table.pcbs.size,
    raw: s.raw.table.pcbs.size,
  }));
  return s;
}

/** One interface as `net.interfaces` lists it: its identity, addresses and counters. */
export interface IfInfo extends IfData {
  name: string;
  index: number;
  flags: number;
  mtu: number;
  mac: string | null;
  addrs: { addr: string; netmask: string; prefixLen: number; broadcast: string | null }[];
}

function interfaces(s: NetStack): IfInfo[] {
  return s.ifnets.map((i) => ({
    name: i.name,
    index: i.index,
    flags: i.flags,
    mtu: i.mtu,
    mac: i.mac ? i.mac.toString() : null,
    addrs: i.addrs.map((a) => ({
      addr: formatIpv4(a.addr),
      netmask: formatIpv4(a.netmask),
      prefixLen: a.prefixLen,
      broadcast: a.broadaddr ? formatIpv4(a.broadaddr) : null,
    })),
    ...i.data,
  }));
}

function pcblist(s: NetStack): PcbInfo[] {
  const out: PcbInfo[] = [];
  if (s.tcp) out.push(...s.tcp.pcblist());
  for (const p of s.udp.table.pcbs) out.push(pcbInfo("udp", p, p.so));
  for (const p of s.raw.table.pcbs) out.push(pcbInfo(`raw/${p.proto}`, p, p.so));
  return out;
}

/** The static network configuration of an image (config "net"). */
export interface NetStaticConfig {
  /** The interface: "vioif0". */
  ifname: string;
  /** "10.0.2.15", or "10.0.2.15/24". */
  addr: string;
  /** "255.255.255.0"; or prefixLen; default /24 unless addr has a prefix. */
  netmask?: string;
  prefixLen?: number;
  /** The default gateway, if any. */
  gateway?: string;
  mtu?: number;
}

/** Applies a static configuration: address and mask, interface up, default route. */
export function netConfigure(k: Kernel, cfg: NetStaticConfig): void {
  const s = netstack(k);
  const ifp = s.ifunit(cfg.ifname);
  if (!ifp) throw new Errno(ENXIO, `no interface ${cfg.ifname}`);
  let addrText = cfg.addr;
  let prefixLen = cfg.prefixLen;
  const slash = addrText.indexOf("/");
  if (slash >= 0) {
    prefixLen ??= Number(addrText.slice(slash + 1));
    addrText = addrText.slice(0, slash);
  }
  const addr = parseAddr(addrText, "address");
  if (cfg.netmask !== undefined) {
    try {
      prefixLen = netmaskToPrefix(parseAddr(cfg.netmask, "netmask"));
    } catch (e) {
      if (e instanceof WireError) throw new Errno(EINVAL, `bad netmask ${cfg.netmask}`);
      throw e;
    }
  }
  prefixLen ??= 24;
  if (!Number.isInteger(prefixLen) || prefixLen < 0 || prefixLen > 32) {
    throw new Errno(EINVAL, `bad prefix length ${prefixLen}`);
  }
  if (cfg.mtu !== undefined) {
    if (!Number.isInteger(cfg.mtu) || cfg.mtu < 68 || cfg.mtu > 65535) {
      throw new Errno(EINVAL, `bad MTU ${cfg.mtu}`);
    }
    ifp.mtu = cfg.mtu;
  }
  s.setUp(ifp, true);
  s.addAddress(ifp, addr, prefixLen);
  if (cfg.gateway) s.addRoute(0, 0, parseAddr(cfg.gateway, "gateway"));
}

function parseAddr(text: string, what: string): Ipv4Addr {
  try {
    return parseIpv4(text);
  } catch (e) {
    if (e instanceof WireError) throw new Errno(EINVAL, `bad ${what} ${JSON.stringify(text)}`);
    throw e;
  }
}
