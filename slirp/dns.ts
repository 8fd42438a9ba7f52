/**
 * dns.ts — the user netdev's DNS at 10.0.2.3: a tiny responder that answers A
 * queries for the names the image config's `hosts` (or `--hosts`) maps, and NXDOMAIN
 * otherwise (RFC 1035). It runs as a thread of the gateway kernel on a UDP socket bound to
 * port 53, through the same socket layer an app uses.
 *
 * The message format (RFC 1035 §4.1): a 12-byte header (ID, flags, QDCOUNT, ANCOUNT,
 * NSCOUNT, ARCOUNT), then questions (QNAME as length-prefixed labels, QTYPE, QCLASS), then
 * resource records. `DnsQuery.parse` reads a query's header and first question;
 * `emitDnsResponse` writes the reply: the question echoed, and one A record or none.
 *
 * Rules: a malformed query (short, a response, compression in the question, a label past
 * the end) is dropped and counted, never answered and never thrown out of the thread;
 * only opcode QUERY is answered (others get NOTIMP); names match case-insensitively.
 */
import type { Kernel } from "../kernel/kern/kernel.ts";
import { Errno } from "../kernel/kern/errno.ts";
import { AF_INET, SOCK_DGRAM } from "../kernel/syscall/api.ts";
import { type ProcRef, sysent } from "../kernel/syscall/systab.ts";

export const DNS_PORT = 53;
/** RFC 1035 §3.2.2 / §3.2.4. */
export const QTYPE_A = 1;
export const QCLASS_IN = 1;
/** RCODEs (RFC 1035 §4.1.1). */
export const RCODE_NOERROR = 0;
export const RCODE_FORMERR = 1;
export const RCODE_NXDOMAIN = 3;
export const RCODE_NOTIMP = 4;

const HDR_LEN = 12;
/** Answers carry a short TTL: the map can change from run to run. */
const TTL_SEC = 60;

/** A query's header fields and first question. */
export interface DnsQuery {
  id: number;
  /** Header flags word as received (QR, OPCODE, RD ...). */
  flags: number;
  /** Lower-case, without the trailing dot. */
  name: string;
  qtype: number;
  qclass: number;
  /** The raw question section (QNAME QTYPE QCLASS), echoed in the response. */
  question: Uint8Array;
}

/** Parses a query; null if it is malformed or not a query (RFC 1035 §4.1.1–4.1.2). */
export function parseDnsQuery(b: Uint8Array): DnsQuery | null {
  if (b.length < HDR_LEN) return null;
  const u16 = (o: number) => (b[o] << 8) | b[o + 1];
  const flags = u16(2);
  if (flags & 0x8000) return null; // QR set: a response
  if (u16(4) < 1) return null;
  let o = HDR_LEN;
  const labels: string[] = [];
  for (;;) {
    if (o >= b.length) return null;
    const len = b[o++];
    if (len === 0) break;
    if (len & 0xc0) return null; // compression has nothing to point back to in a question
    if (o + len > b.length) return null;
    labels.push(String.fromCharCode(...b.subarray(o, o + len)).toLowerCase());
    o += len;
  }
  if (o + 4 > b.length) return null;
  const qtype = u16(o), qclass = u16(o + 2);
  o += 4;
  return {
    id: u16(0),
    flags,
    name: labels.join("."),
    qtype,
    qclass,
    question: b.slice(HDR_LEN, o),
  };
}

/** The response to `q`: `addr` (4 octets) as one A record, or none with `rcode`. */
export function emitDnsResponse(q: DnsQuery, rcode: number, addr: Uint8Array | null): Uint8Array {
  const an = addr ? 1 : 0;
  const out = new Uint8Array(HDR_LEN + q.question.length + (addr ? 16 : 0));
  const put16 = (o: number, v: number) => {
    out[o] = v >> 8;
    out[o + 1] = v & 0xff;
  };
  put16(0, q.id);
  // QR=1, the query's OPCODE and RD, AA=1 (the gateway is the authority for its map), RA=1.
  put16(2, 0x8000 | (q.flags & 0x7800) | 0x0400 | (q.flags & 0x0100) | 0x0080 | rcode);
  put16(4, 1);
  put16(6, an);
  out.set(q.question, HDR_LEN);
  if (addr) {
    let o = HDR_LEN + q.question.length;
    put16(o, 0xc000 | HDR_LEN); // NAME: a pointer to the question's QNAME (§4.1.4)
    put16(o + 2, QTYPE_A);
    put16(o + 4, QCLASS_IN);
    put16(o + 6, TTL_SEC >>> 16);
    put16(o + 8, TTL_SEC & 0xffff);
    put16(o + 10, 4);
    o += 12;
    out.set(addr, o);
  }
  return out;
}

/** Decides the answer to a query datagram; null when it is to be dropped. */
export function answerDns(hosts: Record<string, string>, b: Uint8Array): Uint8Array | null {
  const q = parseDnsQuery(b);
  if (!q) return null;
  const opcode = (q.flags >> 11) & 0xf;
  if (opcode !== 0) return emitDnsResponse(q, RCODE_NOTIMP, null);
  const addr = Object.hasOwn(hosts, q.name) ? hosts[q.name] : undefined;
  if (addr === undefined) return emitDnsResponse(q, RCODE_NXDOMAIN, null);
  // The name exists: an A query gets its address, another type an empty NOERROR answer.
  if (q.qtype !== QTYPE_A || q.qclass !== QCLASS_IN) {
    return emitDnsResponse(q, RCODE_NOERROR, null);
  }
  return emitDnsResponse(q, RCODE_NOERROR, Uint8Array.from(addr.split("."), Number));
}

export interface DnsStats {
  answered: number;
  dropped: number;
}

/** Starts the responder thread in the gateway kernel `k`, on UDP port 53 of `addr`. */
export function startDns(
  k: Kernel,
  proc: ProcRef,
  addr: string,
  hosts: Record<string, string>,
): DnsStats {
  const net = sysent(k).net!;
  const stats: DnsStats = { answered: 0, dropped: 0 };
  const fp = net.socket(proc, AF_INET, SOCK_DGRAM, 0);
  net.bind(fp, { addr, port: DNS_PORT });
  k.threadCreate("dns", function* () {
    const buf = new Uint8Array(512); // RFC 1035 §4.2.1: UDP messages are 512 bytes at most
    for (;;) {
      const r = yield* net.recvfrom(fp, buf, 0);
      const reply = answerDns(hosts, buf.subarray(0, r.n));
      if (!reply) {
        stats.dropped++;
        continue;
      }
      try {
        yield* net.sendto(fp, reply, 0, r.from);
        stats.answered++;
      } catch (e) {
        if (!(e instanceof Errno)) throw e;
        stats.dropped++;
      }
    }
  });
  return stats;
}
