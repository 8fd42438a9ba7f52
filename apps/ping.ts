/**
 * ping.ts — ping(8): sends ICMP ECHO_REQUEST datagrams to a host and reports the replies.
 *
 *   ping [-q] [-c count] [-i interval] [-s size] [-w maxwait] host
 *
 * Rules it keeps:
 * - Builds its packets itself on a raw socket (socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)):
 *   type 8, code 0, identifier = pid & 0xffff, sequence from 0, the Internet checksum
 *   (RFC 792, RFC 1071). When the data is at least 8 bytes, its first 8 are the send time
 *   on CLOCK_MONOTONIC (u32 seconds, u32 nanoseconds, big-endian) and the rest is the
 *   classic pattern (byte i = i & 0xff); replies are timed from it, so no state per packet
 *   is needed and a reply to an earlier run is recognised by its identifier.
 * - A raw socket delivers the IP header with the datagram (BSD raw IP): when present it
 *   is stripped and its TTL printed; a stack that delivers only the ICMP message works too
 *   (ttl is then not printed).
 * - A reply counts only when it is an echo reply (type 0) with our identifier and a valid
 *   checksum; a sequence number seen before is printed with "(DUP!)" and counted apart.
 * - Output is NetBSD's: `PING host (addr): N data bytes`, `64 bytes from addr: icmp_seq=0
 *   ttl=64 time=0.123 ms`, then `----host PING Statistics----`, `N packets transmitted,
 *   M packets received, X.X% packet loss` and `round-trip min/avg/max/stddev = ... ms`.
 * - Ends after `count` echoes as soon as every reply is in, else `maxwait` seconds after
 *   the last send (default 10, NetBSD's -w default).
 * - Exit status (NetBSD's): 0 if any reply was heard, 2 if none, EX_USAGE (64) for a bad
 *   command line, 1 for any other error (no socket, an unknown host).
 * - A host name is resolved by the libc's resolver (/etc/hosts, then the DNS).
 */
import {
  AF_INET,
  type App,
  CLOCK_MONOTONIC,
  errno,
  gethostbyname,
  HostError,
  IPPROTO_ICMP,
  isErrno,
  MSG_DONTWAIT,
  POLLIN,
  SOCK_RAW,
  type Sys,
  type Wait,
} from "../kernel/syscall/api.ts";
import { getopt, intArg } from "./lib/getopt.ts";
import { inetChecksum } from "./lib/inet.ts";
import { eprint, EX_USAGE, fail, print } from "./lib/stdio.ts";

export const ICMP_ECHOREPLY = 0;
export const ICMP_ECHO = 8;
const ICMP_MINLEN = 8;
const TIMELEN = 8;
const MAXWAIT_NS = 10e9;
const USAGE = "usage: ping [-q] [-c count] [-i interval] [-s packetsize] [-w maxwait] host\n";

/** Builds an echo request: header, timestamp (when it fits), pattern, checksum. */
export function buildEcho(ident: number, seq: number, datalen: number, nowNs: number): Uint8Array {
  const p = new Uint8Array(ICMP_MINLEN + datalen);
  const v = new DataView(p.buffer);
  p[0] = ICMP_ECHO;
  p[1] = 0;
  v.setUint16(4, ident & 0xffff);
  v.setUint16(6, seq & 0xffff);
  let i = 0;
  if (datalen >= TIMELEN) {
    const sec = Math.floor(nowNs / 1e9);
    v.setUint32(8, sec >>> 0);
    v.setUint32(12, nowNs - sec * 1e9);
    i = TIMELEN;
  }
  for (; i < datalen; i++) p[ICMP_MINLEN + i] = i & 0xff;
  v.setUint16(2, inetChecksum(p));
  return p;
}

export interface EchoReply {
  seq: number;
  /** ICMP bytes (header + data), what "N bytes from" prints. */
  bytes: number;
  /** IP TTL, when the IP header came with the datagram. */
  ttl: number | null;
  /** Send time carried in the data, ns on CLOCK_MONOTONIC, when the data holds one. */
  sentNs: number | null;
}

/** Parses what a raw ICMP socket delivered; null unless it is a valid echo reply for `ident`. */
export function parseEchoReply(pkt: Uint8Array, ident: number): EchoReply | null {
  let icmp = pkt;
  let ttl: number | null = null;
  if (pkt.length >= 20 && pkt[0] >> 4 === 4) {
    const hl = (pkt[0] & 0x0f) * 4;
    if (hl < 20 || hl > pkt.length) return null;
    ttl = pkt[8];
    const total = (pkt[2] << 8) | pkt[3];
    icmp = pkt.subarray(hl, total >= hl && total <= pkt.length ? total : pkt.length);
  }
  if (icmp.length < ICMP_MINLEN || icmp[0] !== ICMP_ECHOREPLY || icmp[1] !== 0) return null;
  if (inetChecksum(icmp) !== 0) return null;
  const v = new DataView(icmp.buffer, icmp.byteOffset, icmp.byteLength);
  if (v.getUint16(4) !== (ident & 0xffff)) return null;
  const sentNs = icmp.length >= ICMP_MINLEN + TIMELEN
    ? v.getUint32(8) * 1e9 + v.getUint32(12)
    : null;
  return { seq: v.getUint16(6), bytes: icmp.length, ttl, sentNs };
}

/** Round-trip statistics (ms). */
export interface RttStats {
  min: number;
  avg: number;
  max: number;
  stddev: number;
}

export function rttStats(samples: readonly number[]): RttStats | null {
  if (samples.length === 0) return null;
  const n = samples.length;
  const sum = samples.reduce((a, b) => a + b, 0);
  const sum2 = samples.reduce((a, b) => a + b * b, 0);
  const avg = sum / n;
  const variance = Math.max(0, sum2 / n - avg * avg);
  return { min: Math.min(...samples), avg, max: Math.max(...samples), stddev: Math.sqrt(variance) };
}

/** The summary block, NetBSD's wording. */
export function pingSummary(
  host: string,
  transmitted: number,
  received: number,
  dups: number,
  rtts: readonly number[],
): string {
  let s = `\n----${host} PING Statistics----\n`;
  s += `${transmitted} packets transmitted, ${received} packets received`;
  if (dups) s += `, +${dups} duplicates`;
  if (transmitted > 0) {
    if (received > transmitted) s += " -- somebody's duplicating packets!";
    else s += `, ${(((transmitted - received) * 100) / transmitted).toFixed(1)}% packet loss`;
  }
  s += "\n";
  const st = rttStats(rtts);
  if (st) {
    const f = (x: number) => x.toFixed(3);
    s += `round-trip min/avg/max/stddev = ${f(st.min)}/${f(st.avg)}/${f(st.max)}/${
      f(st.stddev)
    } ms\n`;
  }
  return s;
}

/** A positive decimal number of seconds ("1", "0.25") → ns, or null. */
function secondsArg(s: string): number | null {
  if (!/^([0-9]+(\.[0-9]*)?|\.[0-9]+)$/.test(s)) return null;
  const ns = Math.round(Number(s) * 1e9);
  return ns > 0 ? ns : null;
}

function* main(sys: Sys, argv: string[]): Wait<number> {
  const g = getopt(argv.slice(1), "qc:i:s:w:");
  if (!g.ok || g.value.operands.length !== 1) {
    if (!g.ok) yield* eprint(sys, `ping: ${g.error}\n`);
    yield* eprint(sys, USAGE);
    return EX_USAGE;
  }
  const { opts, operands } = g.value;
  const quiet = opts.has("q");
  const count = opts.has("c") ? intArg(opts.get("c")!, 1, 1e9) : Infinity;
  const interval = secondsArg(opts.get("i") ?? "1");
  const datalen = intArg(opts.get("s") ?? "56", 0, 65507);
  const maxwait = opts.has("w") ? secondsArg(opts.get("w")!) : null;
  if (count === null || interval === null || datalen === null || (opts.has("w") && !maxwait)) {
    yield* eprint(sys, USAGE);
    return EX_USAGE;
  }
  const host = operands[0];
  let addr: string;
  try {
    addr = (yield* gethostbyname(sys, host)).addrs[0];
  } catch (e) {
    if (!(e instanceof HostError)) throw e;
    return yield* fail(sys, "ping", `Cannot resolve "${host}" (${e.message})`);
  }
  let fd: number;
  try {
    fd = sys.socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
  } catch (e) {
    return yield* fail(sys, "ping", `socket: ${(e as Error).message}`);
  }
  const ident = sys.getpid() & 0xffff;
  const now = () => {
    const t = sys.clock_gettime(CLOCK_MONOTONIC);
    return t.sec * 1e9 + t.nsec;
  };
  const timing = datalen >= TIMELEN;
  yield* print(sys, `PING ${host} (${addr}): ${datalen} data bytes\n`);

  let transmitted = 0, received = 0, dups = 0;
  const seen = new Set<number>();
  const rtts: number[] = [];
  let nextSend = now();
  let lastSend = 0;
  const rbuf = new Uint8Array(65536);
  for (;;) {
    const t = now();
    if (transmitted < count && t >= nextSend) {
      const pkt = buildEcho(ident, transmitted, datalen, t);
      transmitted++;
      lastSend = t;
      nextSend += interval;
      try {
        yield* sys.sendto(fd, pkt, 0, { addr, port: 0 });
      } catch (e) {
        if (!isErrno(e)) throw e;
        yield* eprint(sys, `ping: sendto: ${e.message}\n`);
      }
      continue;
    }
    if (transmitted >= count && received >= count) break;
    const waitAfter = maxwait ?? MAXWAIT_NS;
    const deadline = transmitted < count ? nextSend : lastSend + waitAfter;
    if (transmitted >= count && t >= deadline) break;
    const ms = Math.max(0, Math.ceil((deadline - t) / 1e6));
    const pfd = [{ fd, events: POLLIN, revents: 0 }];
    yield* sys.poll(pfd, ms);
    if (!(pfd[0].revents & POLLIN)) continue;
    for (;;) {
      let r: { n: number; from: { addr: string } };
      try {
        r = yield* sys.recvfrom(fd, rbuf, MSG_DONTWAIT);
      } catch (e) {
        if (isErrno(e, errno.EAGAIN)) break;
        throw e;
      }
      const rep = parseEchoReply(rbuf.subarray(0, r.n), ident);
      if (rep === null) continue;
      const dup = seen.has(rep.seq);
      if (dup) dups++;
      else {
        seen.add(rep.seq);
        received++;
      }
      let line = `${rep.bytes} bytes from ${r.from.addr}: icmp_seq=${rep.seq}`;
      if (rep.ttl !== null) line += ` ttl=${rep.ttl}`;
      if (timing && rep.sentNs !== null) {
        const ms = (now() - rep.sentNs) / 1e6;
        if (!dup) rtts.push(ms);
        line += ` time=${ms.toFixed(3)} ms`;
      }
      if (dup) line += " (DUP!)";
      if (!quiet) yield* print(sys, line + "\n");
    }
  }
  yield* sys.close(fd);
  yield* print(sys, pingSummary(host, transmitted, received, dups, rtts));
  return received > 0 ? 0 : 2;
}

export const ping: App = { name: "ping", main, summary: "send ICMP echo requests to a host" };
export default ping;
