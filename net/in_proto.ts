/**
 * in_proto.ts — the inet domain (NetBSD's netinet/in_proto.c): IPv4's protocol switch
 * table and what every stack runs to set the domain up (its dom_init, dom_ifattach).
 *
 * Rules:
 *   - Importing this file attaches the domain (`domainAttach`, what DOMAIN_DEFINE and
 *     the link set do in NetBSD), so every NetStack made afterwards has IPv4;
 *     netinet_init.ts imports it for the NET components.
 *   - `init` runs in a fixed order that output depends on (each part may take callouts,
 *     the cprng or the clock): ARP, IP and its reassembly, each protocol's pr_init in
 *     table order (ICMP, UDP, TCP, raw), then lo0. TCP's engine attaches later, with
 *     rumpnet_netinet (tcp_usrreq.ts's `tcpAttach`).
 *   - `inetsw` order is also the order `pffindproto` asks protocols for a socket type.
 */
import { AF_INET } from "../kernel/syscall/api.ts";
import { Arp } from "./arp.ts";
import { etherIfattach } from "./ether.ts";
import { icmpsw } from "./icmp.ts";
import { IFT_ETHER } from "./if.ts";
import { IpReass } from "./ip_reass.ts";
import { IpState } from "./ip_var.ts";
import { loopattach } from "./loopback.ts";
import { domainAttach } from "./netstack.ts";
import type { Domain, Protosw } from "./protosw.ts";
import { rawsw } from "./raw.ts";
import { tcpsw } from "./tcp_usrreq.ts";
import { udpsw } from "./udp.ts";

/** inetsw: the inet protocols, in table order. */
export const inetsw: readonly Protosw[] = [icmpsw, udpsw, tcpsw, rawsw];

export const inetdomain: Domain = {
  name: "inet",
  family: AF_INET,
  protosw: inetsw,
  init(stack) {
    stack.arp = new Arp(stack);
    stack.ip = new IpState(stack);
    stack.ip.reass = new IpReass(stack);
    for (const pr of inetsw) pr.init?.(stack);
    loopattach(stack);
  },
  ifattach(stack, ifp) {
    if (ifp.type === IFT_ETHER) etherIfattach(stack, ifp);
  },
  ifdown(stack, ifp) {
    stack.arp.flushIfp(ifp);
  },
};

domainAttach(inetdomain);
