/**
 * arp.ts — the Address Resolution Protocol for IPv4 over Ethernet (RFC 826; NetBSD's
 * netinet/if_arp.c): a cache from IPv4 to MAC with states and timeouts, requests with
 * retries, a bounded queue of datagrams waiting for an answer, replies for our addresses,
 * and gratuitous ARP when an address is configured.
 *
 * Rules:
 *   - States: "incomplete" (asked, no answer yet: datagrams wait, up to ARP_MAXHOLD per
 *     entry, the oldest dropped and counted), "reachable" (answered within ARPT_KEEP),
 *     "stale" (older: still used, and its first use asks again; deleted if nobody
 *     answers), "failed" (no answer after ARP_MAXTRIES requests one ARPT_RETRY apart:
 *     output to it fails with EHOSTUNREACH for ARPT_DOWN, then the entry goes away).
 *   - When resolution fails the waiting datagrams are dropped and the protocols are told
 *     (`ip.ctlinput` with EHOSTUNREACH), as a local "host unreachable".
 *   - Input follows RFC 826's "Packet Reception": update the sender's entry if there is
 *     one; if the target is one of our addresses, add it (learning from requests to us)
 *     and answer requests. A packet from our own MAC is ignored; one claiming one of our
 *     addresses from another MAC is a duplicate address, logged and counted.
 *   - One 1-second callout runs the timers while the cache is not empty.
 */
import type { Callout } from "../kernel/kern/callout.ts";
import type { Ifnet } from "./if.ts";
import { etherSend, MAX_LINKHDR } from "./if_ether.ts";
import type {} from "./ip_var.ts"; // NetStack.ip
import type { NetStack } from "./netstack.ts";
import {
  ARP_ETHER_IP_LEN,
  ARPOP_REPLY,
  ARPOP_REQUEST,
  ArpPacket,
  ArpRepr,
  ETHERTYPE_ARP,
  formatIpv4,
  type Ipv4Addr,
  MacAddr,
  WireError,
} from "./wire/mod.ts";

declare module "./netstack.ts" {
  interface NetStack {
    /** The ARP cache (arp.ts; made by the inet domain's init). */
    arp: Arp;
  }
}

/** How long an answer is trusted (NetBSD arpt_keep, 20 min). */
export const ARPT_KEEP = 20 * 60e9;
/** Between requests for an unanswered address (1 s). */
export const ARPT_RETRY = 1e9;
/** Requests sent before giving up. */
export const ARP_MAXTRIES = 5;
/** How long a failed address stays failed (NetBSD arpt_down, 20 s). */
export const ARPT_DOWN = 20e9;
/** Datagrams kept per address waiting for an answer. */
export const ARP_MAXHOLD = 16;

export type ArpState = "incomplete" | "reachable" | "stale" | "failed";

export interface ArpEntry {
  ip: Ipv4Addr;
  ifp: Ifnet;
  mac: MacAddr | null;
  state: ArpState;
  /** When the current state ends (ns). */
  expire: number;
  /** Requests sent in the current round. */
  asked: number;
  /** Datagrams waiting for the answer. */
  hold: Uint8Array[];
}

/** arpstat. */
export interface ArpStat {
  sent: number;
  sentRequests: number;
  sentReplies: number;
  received: number;
  rcvRequests: number;
  rcvReplies: number;
  rcvBadProto: number;
  rcvTruncated: number;
  rcvBcastSha: number;
  rcvLocalSha: number;
  dupIps: number;
  dfrHeld: number;
  dfrSent: number;
  /** Held datagrams dropped because the queue was full. */
  dfrDropped: number;
  /** Held datagrams dropped because resolution failed. */
  timeouts: number;
}

export class Arp {
  readonly cache = new Map<Ipv4Addr, ArpEntry>();
  readonly stat: ArpStat = {
    sent: 0,
    sentRequests: 0,
    sentReplies: 0,
    received: 0,
    rcvRequests: 0,
    rcvReplies: 0,
    rcvBadProto: 0,
    rcvTruncated: 0,
    rcvBcastSha: 0,
    rcvLocalSha: 0,
    dupIps: 0,
    dfrHeld: 0,
    dfrSent: 0,
    dfrDropped: 0,
    timeouts: 0,
  };
  #timer: Callout;

  constructor(readonly stack: NetStack) {
    this.#timer = stack.k.callout("arptimer", () => this.#tick());
  }

  /**
   * arpresolve: the MAC for `ip` on `ifp`, or "held" when `pkt` waits for an answer, or
   * "unreachable" while the address is failed.
   */
  resolve(ifp: Ifnet, ip: Ipv4Addr, pkt: Uint8Array): MacAddr | "held" | "unreachable" {
    let e = this.cache.get(ip);
    if (e && e.ifp !== ifp) {
      this.cache.delete(ip);
      e = undefined;
    }
    if (e?.state === "reachable") return e.mac!;
    if (e?.state === "stale") {
      if (e.asked === 0) {
        e.asked = 1;
        e.expire = this.stack.k.nanotime() + ARPT_RETRY;
        this.#request(ifp, ip);
        this.#arm();
      }
      return e.mac!;
    }
    if (e?.state === "failed") return "unreachable";
    if (!e) {
      const expire = this.stack.k.nanotime() + ARPT_RETRY;
      e = { ip, ifp, mac: null, state: "incomplete", expire, asked: 1, hold: [] };
      this.cache.set(ip, e);
      this.#request(ifp, ip);
      this.#arm();
    }
    if (e.hold.length >= ARP_MAXHOLD) {
      e.hold.shift();
      this.stat.dfrDropped++;
    }
    e.hold.push(pkt);
    this.stat.dfrHeld++;
    return "held";
  }

  /** in_arpinput: one received ARP packet (the frame's payload). */
  input(ifp: Ifnet, payload: Uint8Array): void {
    this.stat.received++;
    let a: ArpRepr;
    try {
      a = ArpRepr.parse(new ArpPacket(payload));
    } catch (e) {
      if (!(e instanceof WireError)) throw e;
      if (e.kind === "truncated") this.stat.rcvTruncated++;
      else this.stat.rcvBadProto++;
      return;
    }
    if (a.op === ARPOP_REQUEST) this.stat.rcvRequests++;
    else this.stat.rcvReplies++;
    if (a.sha.equals(ifp.mac!)) {
      this.stat.rcvLocalSha++;
      return;
    }
    if (a.sha.isMulticast()) {
      this.stat.rcvBcastSha++;
      return;
    }
    if (ifp.hasAddr(a.spa)) {
      this.stat.dupIps++;
      this.stack.k.printf(
        `arp: ${a.sha} is using my IP address ${formatIpv4(a.spa)} on ${ifp.name}!\n`,
      );
      return;
    }
    const forUs = ifp.hasAddr(a.tpa);
    let merged = false;
    const e = this.cache.get(a.spa);
    if (e && e.ifp === ifp && a.spa !== 0) {
      this.#learn(e, a.sha);
      merged = true;
    }
    if (!forUs) return;
    if (!merged && a.spa !== 0) {
      const ne: ArpEntry = {
        ip: a.spa,
        ifp,
        mac: null,
        state: "incomplete",
        expire: 0,
        asked: 0,
        hold: [],
      };
      this.cache.set(a.spa, ne);
      this.#learn(ne, a.sha);
    }
    if (a.op === ARPOP_REQUEST) {
      this.#send(ifp, a.sha, {
        op: ARPOP_REPLY,
        sha: ifp.mac!,
        spa: a.tpa,
        tha: a.sha,
        tpa: a.spa,
      });
      this.stat.sentReplies++;
    }
  }

  /** Gratuitous ARP for every address of `ifp` (RFC 5227 §3 "ARP Announcement"). */
  announce(ifp: Ifnet): void {
    if (!ifp.isUp() || !ifp.mac) return;
    for (const ia of ifp.addrs) {
      this.#send(ifp, MacAddr.BROADCAST, {
        op: ARPOP_REQUEST,
        sha: ifp.mac,
        spa: ia.addr,
        tha: MacAddr.ZERO,
        tpa: ia.addr,
      });
      this.stat.sentRequests++;
    }
  }

  /** Drops every entry of `ifp` (interface down or detached). */
  flushIfp(ifp: Ifnet): void {
    for (const [ip, e] of this.cache) if (e.ifp === ifp) this.cache.delete(ip);
  }

  /** Adds or replaces a permanent-for-ARPT_KEEP entry (arp -s). */
  set(ifp: Ifnet, ip: Ipv4Addr, mac: MacAddr): void {
    const e: ArpEntry = { ip, ifp, mac: null, state: "incomplete", expire: 0, asked: 0, hold: [] };
    this.cache.set(ip, e);
    this.#learn(e, mac);
  }

  /** The cache as `arp -an` shows it. */
  list(): {
    ip: string;
    mac: string | null;
    state: ArpState;
    interface: string;
    expiresInS: number;
  }[] {
    const now = this.stack.k.nanotime();
    return [...this.cache.values()].map((e) => ({
      ip: formatIpv4(e.ip),
      mac: e.mac ? e.mac.toString() : null,
      state: e.state,
      interface: e.ifp.name,
      expiresInS: Math.max(0, Math.round((e.expire - now) / 1e9)),
    }));
  }

  #learn(e: ArpEntry, mac: MacAddr): void {
    e.mac = mac;
    e.state = "reachable";
    e.expire = this.stack.k.nanotime() + ARPT_KEEP;
    e.asked = 0;
    const held = e.hold;
    e.hold = [];
    for (const pkt of held) {
      this.stat.dfrSent++;
      etherSend(e.ifp, mac, 0x0800, pkt);
    }
    this.#arm();
  }

  #request(ifp: Ifnet, ip: Ipv4Addr): void {
    const src = this.#sourceFor(ifp, ip);
    if (src === null) return;
    this.#send(ifp, MacAddr.BROADCAST, {
      op: ARPOP_REQUEST,
      sha: ifp.mac!,
      spa: src,
      tha: MacAddr.ZERO,
      tpa: ip,
    });
    this.stat.sentRequests++;
  }

  /** Our address on the target's subnet, else the interface's first one. */
  #sourceFor(ifp: Ifnet, ip: Ipv4Addr): Ipv4Addr | null {
    const same = ifp.addrs.find((ia) => ((ia.addr ^ ip) & ia.netmask) === 0);
    return (same ?? ifp.addrs[0])?.addr ?? null;
  }

  #send(ifp: Ifnet, dst: MacAddr, a: ArpRepr): void {
    const buf = new Uint8Array(MAX_LINKHDR + ARP_ETHER_IP_LEN);
    const pkt = buf.subarray(MAX_LINKHDR);
    ArpRepr.emit(a, pkt);
    this.stat.sent++;
    etherSend(ifp, dst, ETHERTYPE_ARP, pkt);
  }

  #arm(): void {
    if (this.cache.size > 0 && !this.#timer.pending()) this.#timer.schedule(ARPT_RETRY);
  }

  /** Once a second: retries, expiries, failures. */
  #tick(): void {
    const now = this.stack.k.nanotime();
    for (const [ip, e] of [...this.cache]) {
      if (e.expire > now) continue;
      switch (e.state) {
        case "reachable":
          e.state = "stale";
          e.asked = 0;
          e.expire = now + ARPT_KEEP;
          break;
        case "stale":
          if (e.asked === 0) this.cache.delete(ip); // unused for another ARPT_KEEP
          else if (e.asked < ARP_MAXTRIES) {
            e.asked++;
            e.expire = now + ARPT_RETRY;
            this.#request(e.ifp, ip);
          } else this.cache.delete(ip);
          break;
        case "incomplete":
          if (e.asked < ARP_MAXTRIES) {
            e.asked++;
            e.expire = now + ARPT_RETRY;
            this.#request(e.ifp, ip);
          } else this.#fail(e, now);
          break;
        case "failed":
          this.cache.delete(ip);
          break;
      }
    }
    this.#arm();
  }

  #fail(e: ArpEntry, now: number): void {
    e.state = "failed";
    e.expire = now + ARPT_DOWN;
    const held = e.hold;
    e.hold = [];
    this.stat.timeouts += held.length;
    for (const pkt of held) this.stack.ip.ctlinputLocal(pkt, "hostunreach");
  }
}
