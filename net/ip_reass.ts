/**
 * ip_reass.ts — IPv4 reassembly (RFC 791 §3.2, RFC 1122 §3.3.2; NetBSD's ip_reass.c).
 *
 * Rules:
 *   - Fragments are kept per (source, destination, protocol, identification) for at most
 *     IPFRAGTTL (30 s). When that runs out the fragments are dropped (fragtimeout) and,
 *     if the first fragment had come, ICMP time exceeded code 1 is sent about it
 *     (RFC 792; RFC 1122 §3.3.2).
 *   - Overlap is never resolved by trimming: a fragment overlapping another (other than
 *     an exact duplicate, which is dropped alone) kills the whole datagram (as RFC 5722
 *     says for IPv6 and NetBSD's overlap checks do), and the key stays dead until its
 *     timer runs out so that no late fragment can rebuild it. So are inconsistent last
 *     fragments, a non-last fragment whose length is not a multiple of 8, and a datagram
 *     that would end past 65535 bytes.
 *   - Memory is bounded: IPREASS_MAXMEM bytes of fragment data and IPREASS_MAXQUEUES
 *     datagrams at once (the oldest is dropped to make room), IPREASS_MAXFRAGS fragments
 *     per datagram. Every fragment dropped is counted in fragdropped.
 */
import type { Callout } from "../kernel/kern/callout.ts";
import type {} from "./icmp.ts"; // NetStack.icmp
import type {} from "./ip_var.ts"; // NetStack.ip
import type { NetStack } from "./netstack.ts";
import {
  checksum,
  ICMP_TIMXCEED,
  ICMP_TIMXCEED_REASS,
  IP_DF,
  IP_MAXPACKET,
  IP_MF,
  IP_OFFMASK,
  readIpv4,
} from "./wire/mod.ts";

declare module "./ip_var.ts" {
  interface IpState {
    /** The reassembly queues (ip_reass.ts; made by the inet domain's init). */
    reass: IpReass;
  }
}

/** Reassembly lifetime (NetBSD IPFRAGTTL: 60 half-second ticks). */
export const IPFRAGTTL = 30e9;
/** Bytes of fragment data held at once. */
export const IPREASS_MAXMEM = 256 * 1024;
/** Datagrams being reassembled at once (ip_maxfragpackets). */
export const IPREASS_MAXQUEUES = 200;
/** Fragments per datagram (ip_maxfragsperpacket). */
export const IPREASS_MAXFRAGS = 64;

interface Frag {
  off: number;
  end: number;
  data: Uint8Array;
}

interface FragQueue {
  key: string;
  frags: Frag[];
  /** Total data length, once the last fragment (MF clear) came; else −1. */
  total: number;
  /** The first fragment (offset 0) as received: its header heads the datagram. */
  first: Uint8Array | null;
  bytes: number;
  /** Fragments received for it (for the counters). */
  nfrags: number;
  dead: boolean;
  timer: Callout;
}

export class IpReass {
  readonly queues = new Map<string, FragQueue>();
  /** Fragment data bytes held now. */
  bytes = 0;
  maxMem = IPREASS_MAXMEM;

  constructor(readonly stack: NetStack) {}

  /** One fragment (header checked); the whole datagram when it completes, else null. */
  input(pkt: Uint8Array, hlen: number): Uint8Array | null {
    const st = this.stack.ip.stat;
    const field = (pkt[6] << 8) | pkt[7];
    const off = (field & IP_OFFMASK) * 8;
    const mf = (field & IP_MF) !== 0;
    const data = pkt.subarray(hlen);
    const end = off + data.length;
    if ((mf && (data.length === 0 || data.length % 8 !== 0)) || hlen + end > IP_MAXPACKET) {
      st.fragdropped++;
      return null;
    }
    const key = `${readIpv4(pkt, 12)}:${readIpv4(pkt, 16)}:${pkt[9]}:${(pkt[4] << 8) | pkt[5]}`;
    let q = this.queues.get(key);
    if (!q) {
      while (this.queues.size >= IPREASS_MAXQUEUES) this.#evictOldest();
      q = this.#newQueue(key);
    }
    if (q.dead) {
      st.fragdropped++;
      return null;
    }
    q.nfrags++;
    // The last fragment fixes the length; nothing may lie past it.
    if (!mf) {
      if ((q.total >= 0 && q.total !== end) || q.frags.some((f) => f.end > end)) {
        return this.#kill(q);
      }
      q.total = end;
    } else if (q.total >= 0 && end > q.total) {
      return this.#kill(q);
    }
    let i = 0;
    for (; i < q.frags.length; i++) {
      const f = q.frags[i];
      if (f.off === off && f.end === end) {
        q.nfrags--; // an exact duplicate: drop it alone
        st.fragdropped++;
        return null;
      }
      if (off < f.end && f.off < end) return this.#kill(q);
      if (f.off > off) break;
    }
    if (q.frags.length >= IPREASS_MAXFRAGS) return this.#kill(q);
    q.frags.splice(i, 0, { off, end, data });
    q.bytes += data.length;
    this.bytes += data.length;
    if (off === 0) q.first = pkt;
    while (this.bytes > this.maxMem && this.queues.size > 1 && this.#oldest() !== q) {
      this.#evictOldest();
    }
    if (this.bytes > this.maxMem) return this.#kill(q);
    return this.#complete(q);
  }

  /** The queues as `netstat` would list them. */
  list(): { key: string; fragments: number; bytes: number; total: number }[] {
    return [...this.queues.values()].map((q) => ({
      key: q.key,
      fragments: q.frags.length,
      bytes: q.bytes,
      total: q.total,
    }));
  }

  #newQueue(key: string): FragQueue {
    const q: FragQueue = {
      key,
      frags: [],
      total: -1,
      first: null,
      bytes: 0,
      nfrags: 0,
      dead: false,
      timer: this.stack.k.callout("ipreass", () => this.#timeout(q)),
    };
    q.timer.schedule(IPFRAGTTL);
    this.queues.set(key, q);
    return q;
  }

  #complete(q: FragQueue): Uint8Array | null {
    if (q.total < 0 || !q.first) return null;
    let at = 0;
    for (const f of q.frags) {
      if (f.off !== at) return null;
      at = f.end;
    }
    if (at !== q.total) return null;
    const first = q.first;
    const hlen = (first[0] & 0xf) * 4;
    const out = new Uint8Array(hlen + q.total);
    out.set(first.subarray(0, hlen));
    for (const f of q.frags) out.set(f.data, hlen + f.off);
    const len = hlen + q.total;
    out[2] = len >>> 8;
    out[3] = len & 0xff;
    const df = ((first[6] << 8) | first[7]) & IP_DF;
    out[6] = df >>> 8;
    out[7] = 0;
    out[10] = out[11] = 0;
    const c = checksum(out, 0, hlen);
    out[10] = c >>> 8;
    out[11] = c & 0xff;
    this.#free(q);
    q.timer.stop();
    this.queues.delete(q.key);
    this.stack.ip.stat.reassembled++;
    return out;
  }

  /** Drops the datagram; the key stays dead until its timer ends. */
  #kill(q: FragQueue): null {
    this.stack.ip.stat.fragdropped += q.nfrags;
    q.nfrags = 0;
    this.#free(q);
    q.dead = true;
    return null;
  }

  #timeout(q: FragQueue): void {
    this.queues.delete(q.key);
    if (q.dead) return;
    this.stack.ip.stat.fragtimeout += q.nfrags;
    const first = q.first;
    this.#free(q);
    if (first) this.stack.icmp.error(first, ICMP_TIMXCEED, ICMP_TIMXCEED_REASS, 0, false);
  }

  #oldest(): FragQueue | undefined {
    return this.queues.values().next().value;
  }

  #evictOldest(): void {
    const q = this.#oldest();
    if (!q) return;
    q.timer.stop();
    this.queues.delete(q.key);
    if (!q.dead) this.stack.ip.stat.fragdropped += q.nfrags;
    this.#free(q);
  }

  #free(q: FragQueue): void {
    this.bytes -= q.bytes;
    q.bytes = 0;
    q.frags = [];
    q.first = null;
  }
}
