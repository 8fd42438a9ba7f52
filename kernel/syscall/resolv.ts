/**
 * resolv.ts — the stub resolver of the apps' libc: host names to addresses and back, as a
 * BSD libc's gethostbyname/gethostbyaddr do it over res_query: /etc/hosts first, then
 * UDP queries to the name servers /etc/resolv.conf names (RFC 1035 §4.2.1, §7).
 *
 * It is library code running in the calling process on that process's own system calls
 * (files, a UDP socket, poll, the monotonic clock, getrandom), like any app: it reaches
 * nothing of the kernel but the `Sys` it is handed. TypeScript apps call it through
 * api.ts; a WebAssembly program reaches it through the `rumpsim` import module's
 * gethostbyname/gethostbyaddr (wasm/rumpsim_imports.ts), behind the C overlay's netdb.
 *
 * Rules:
 * - /etc/resolv.conf: `nameserver ADDR` lines (dotted quads, the first three, MAXNS) and
 *   `options timeout:N attempts:N` (seconds per try, default 5; tries, default 2, as
 *   RES_TIMEOUT and RES_DFLRETRY). No file, or no nameserver in it, means no DNS: a name
 *   that is not in /etc/hosts is not found (the POSIX image without a network has none).
 * - A query goes to each server in turn, the first round waiting `timeout` seconds for
 *   each, a later round (timeout << try) / nservers (at least one), as BIND's res_send
 *   does, by poll on a UDP socket connected to the server's port 53 (the monotonic clock
 *   says how much of the wait is left after a stray datagram); a server that refuses
 *   (ICMP port unreachable: ECONNREFUSED), cannot be reached, answers truncated (TC:
 *   there is no TCP fallback here) or answers SERVFAIL/NOTIMP/REFUSED/FORMERR is not asked
 *   again for that query. A datagram that is not the answer (another ID or question,
 *   malformed) is ignored and the wait goes on. IDs come from getrandom (seeded).
 * - Results (h_errno): an answer with the address → it; NXDOMAIN → HOST_NOT_FOUND; a name
 *   with no record of the type → NO_DATA; no server answered (or the last only with
 *   SERVFAIL) → TRY_AGAIN; the last answer was FORMERR/NOTIMP/REFUSED → NO_RECOVERY; a
 *   name that cannot be a domain name → HOST_NOT_FOUND. Failures throw `HostError`; an Errno from the calls themselves (EMFILE)
 *   passes through.
 * - Names compare case-insensitively; a trailing dot is the same name. Search domains
 *   (`search`, `domain`) are not applied: a name is asked for as it is given.
 */
import {
  AF_INET,
  CLOCK_MONOTONIC,
  O_RDONLY,
  POLLIN,
  SOCK_DGRAM,
  type Sys,
  type Wait,
} from "./api.ts";
import {
  ECONNREFUSED,
  EHOSTDOWN,
  EHOSTUNREACH,
  ENETUNREACH,
  ENOENT,
  ENOTDIR,
  Errno,
} from "../kern/errno.ts";
import {
  type Answer,
  answerData,
  C_IN,
  encodeName,
  FORMERR,
  NOERROR,
  NOTIMP,
  NXDOMAIN,
  PACKETSZ,
  parseAnswer,
  type Question,
  REFUSED,
  res_mkquery,
  SERVFAIL,
  T_A,
  T_PTR,
} from "./resolv_msg.ts";

/** h_errno values (netdb.h). */
export const HOST_NOT_FOUND = 1;
export const TRY_AGAIN = 2;
export const NO_RECOVERY = 3;
export const NO_DATA = 4;

const H_MESSAGES: Record<number, string> = {
  [HOST_NOT_FOUND]: "Unknown host",
  [TRY_AGAIN]: "Host name lookup failure",
  [NO_RECOVERY]: "Unknown server error",
  [NO_DATA]: "No address associated with name",
};

/** hstrerror(3). */
export function hstrerror(h: number): string {
  return H_MESSAGES[h] ?? "Resolver error";
}

/** A lookup that failed: `h_errno` says how (HOST_NOT_FOUND, TRY_AGAIN, ...). */
export class HostError extends Error {
  override name = "HostError";
  constructor(readonly h_errno: number, readonly host: string) {
    super(`${host}: ${hstrerror(h_errno)}`);
  }
}

/** What gethostbyname and gethostbyaddr give (struct hostent, IPv4). */
export interface HostEnt {
  /** The official (canonical) name. */
  name: string;
  aliases: string[];
  /** Dotted quads. */
  addrs: string[];
}

/** The resolver's configuration (res_state): /etc/resolv.conf read. */
export interface ResConf {
  nameservers: string[];
  /** Seconds per try. */
  timeout: number;
  attempts: number;
}

export const PATH_RESCONF = "/etc/resolv.conf";
export const PATH_HOSTS = "/etc/hosts";
export const NAMESERVER_PORT = 53;
const MAXNS = 3;

function isQuad(s: string): boolean {
  const p = s.split(".");
  return p.length === 4 && p.every((x) => /^(0|[1-9][0-9]{0,2})$/.test(x) && Number(x) <= 255);
}

/** Parses resolv.conf's text (unknown keywords and bad values are skipped, as res_init does). */
export function parseResolvConf(text: string): ResConf {
  const conf: ResConf = { nameservers: [], timeout: 5, attempts: 2 };
  for (const raw of text.split("\n")) {
    const line = raw.replace(/[#;].*$/, "").trim();
    const [key, ...args] = line.split(/\s+/);
    if (key === "nameserver" && args[0] && isQuad(args[0])) {
      if (conf.nameservers.length < MAXNS) conf.nameservers.push(args[0]);
    } else if (key === "options") {
      for (const o of args) {
        const m = /^(timeout|attempts):([0-9]{1,3})$/.exec(o);
        if (!m) continue;
        const n = Number(m[2]);
        if (m[1] === "timeout" && n >= 1) conf.timeout = Math.min(n, 30);
        if (m[1] === "attempts" && n >= 1) conf.attempts = Math.min(n, 5);
      }
    }
  }
  return conf;
}

/** One line of /etc/hosts. */
export interface HostsLine {
  addr: string;
  names: string[];
}

/** Parses /etc/hosts' text: `ADDR NAME [ALIAS ...]`, `#` to the end of a line a comment. */
export function parseHosts(text: string): HostsLine[] {
  const out: HostsLine[] = [];
  for (const raw of text.split("\n")) {
    const f = raw.replace(/#.*$/, "").trim().split(/\s+/);
    if (f.length >= 2 && isQuad(f[0])) out.push({ addr: f[0], names: f.slice(1) });
  }
  return out;
}

const dec = new TextDecoder();

/** A small file's text, or null when it does not exist. */
function* readText(sys: Sys, path: string): Wait<string | null> {
  let fd: number;
  try {
    fd = yield* sys.open(path, O_RDONLY);
  } catch (e) {
    if (e instanceof Errno && (e.errno === ENOENT || e.errno === ENOTDIR)) return null;
    throw e;
  }
  try {
    const parts: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const buf = new Uint8Array(4096);
      const n = yield* sys.read(fd, buf);
      if (n === 0 || total > 1 << 20) break;
      parts.push(buf.subarray(0, n));
      total += n;
    }
    const all = new Uint8Array(total);
    let o = 0;
    for (const p of parts) {
      all.set(p, o);
      o += p.length;
    }
    return dec.decode(all);
  } finally {
    yield* sys.close(fd);
  }
}

/** res_init: /etc/resolv.conf read (no file: no nameservers). */
export function* res_init(sys: Sys): Wait<ResConf> {
  return parseResolvConf((yield* readText(sys, PATH_RESCONF)) ?? "");
}

function nowMs(sys: Sys): number {
  const t = sys.clock_gettime(CLOCK_MONOTONIC);
  return t.sec * 1000 + Math.floor(t.nsec / 1e6);
}

function isUnreachable(e: unknown): boolean {
  return e instanceof Errno &&
    [ECONNREFUSED, EHOSTUNREACH, ENETUNREACH, EHOSTDOWN].includes(e.errno);
}

/**
 * res_send: sends `query` (for question `q`) to the servers of `conf` until one answers;
 * the answer, or a HostError (TRY_AGAIN or NO_RECOVERY) naming `host`.
 */
export function* res_send(
  sys: Sys,
  conf: ResConf,
  q: Question,
  query: Uint8Array,
  host: string,
): Wait<Answer> {
  const ns = conf.nameservers;
  const bad = new Set<number>();
  const socks = new Map<number, number>();
  let lastRcode = -1;
  try {
    for (let attempt = 0; attempt < conf.attempts; attempt++) {
      for (let i = 0; i < ns.length; i++) {
        if (bad.has(i)) continue;
        let fd = socks.get(i);
        try {
          if (fd === undefined) {
            fd = sys.socket(AF_INET, SOCK_DGRAM, 0);
            socks.set(i, fd);
            yield* sys.connect(fd, { addr: ns[i], port: NAMESERVER_PORT });
          }
          yield* sys.send(fd, query, 0);
        } catch (e) {
          if (!isUnreachable(e)) throw e;
          bad.add(i);
          continue;
        }
        // BIND's schedule: the first round waits `timeout`, later ones longer, shared out.
        let waitMs = (conf.timeout * 1000) << attempt;
        if (attempt > 0) waitMs = Math.max(1000, Math.floor(waitMs / ns.length));
        const deadline = nowMs(sys) + waitMs;
        const buf = new Uint8Array(PACKETSZ + 1);
        for (;;) {
          const left = deadline - nowMs(sys);
          if (left <= 0) break;
          const fds = [{ fd, events: POLLIN, revents: 0 }];
          if ((yield* sys.poll(fds, left)) === 0) break;
          let n: number;
          try {
            n = yield* sys.recv(fd, buf, 0);
          } catch (e) {
            if (!isUnreachable(e)) throw e;
            bad.add(i);
            break;
          }
          if (n > PACKETSZ) continue; // longer than UDP allows: not a DNS answer
          const a = parseAnswer(buf.subarray(0, n), q);
          if (typeof a === "string") continue; // not our answer: keep waiting
          if (a.truncated) {
            bad.add(i);
            break;
          }
          if ([SERVFAIL, NOTIMP, REFUSED, FORMERR].includes(a.rcode)) {
            lastRcode = a.rcode; // this server cannot answer it: ask the next
            bad.add(i);
            break;
          }
          return a;
        }
      }
      if (bad.size === ns.length) break;
    }
  } finally {
    for (const fd of socks.values()) yield* sys.close(fd);
  }
  const noRecovery = lastRcode === FORMERR || lastRcode === NOTIMP || lastRcode === REFUSED;
  throw new HostError(noRecovery ? NO_RECOVERY : TRY_AGAIN, host);
}

/**
 * res_query: asks the servers of `conf` for `name`'s records of `type` (class IN);
 * the records' data and the canonical name, or a HostError.
 */
export function* res_query(
  sys: Sys,
  conf: ResConf,
  name: string,
  type: number,
): Wait<{ canonical: string; data: string[] }> {
  const id = new Uint8Array(2);
  sys.getrandom(id);
  const q: Question = {
    id: (id[0] << 8) | id[1],
    name: name.toLowerCase().replace(/\.$/, ""),
    qtype: type,
    qclass: C_IN,
  };
  const query = res_mkquery(q);
  if (!query) throw new HostError(NO_RECOVERY, name);
  if (conf.nameservers.length === 0) throw new HostError(HOST_NOT_FOUND, name);
  const a = yield* res_send(sys, conf, q, query, name);
  if (a.rcode === NXDOMAIN) throw new HostError(HOST_NOT_FOUND, name);
  if (a.rcode !== NOERROR) throw new HostError(NO_RECOVERY, name);
  const r = answerData(a, q.name, type);
  if (r.data.length === 0) throw new HostError(NO_DATA, name);
  return r;
}

/**
 * gethostbyname(3): a dotted quad as it is; else /etc/hosts (first line naming it); else
 * the DNS (A records). Throws HostError.
 */
export function* gethostbyname(sys: Sys, name: string): Wait<HostEnt> {
  if (isQuad(name)) return { name, aliases: [], addrs: [name] };
  const key = name.toLowerCase().replace(/\.$/, "");
  const hosts = parseHosts((yield* readText(sys, PATH_HOSTS)) ?? "");
  const line = hosts.find((l) => l.names.some((n) => n.toLowerCase() === key));
  if (line) {
    const addrs = hosts.filter((l) => l.names[0] === line.names[0]).map((l) => l.addr);
    return { name: line.names[0], aliases: line.names.slice(1), addrs: [...new Set(addrs)] };
  }
  if (!encodeName(key)) throw new HostError(HOST_NOT_FOUND, name);
  const conf = yield* res_init(sys);
  const r = yield* res_query(sys, conf, key, T_A);
  return { name: r.canonical, aliases: r.canonical === key ? [] : [key], addrs: r.data };
}

/**
 * gethostbyaddr(3) for a dotted quad: /etc/hosts (the first name of the first line with
 * the address); else the DNS (a PTR query for d.c.b.a.in-addr.arpa, RFC 1035 §3.5).
 */
export function* gethostbyaddr(sys: Sys, addr: string): Wait<HostEnt> {
  if (!isQuad(addr)) throw new HostError(NO_RECOVERY, addr);
  const hosts = parseHosts((yield* readText(sys, PATH_HOSTS)) ?? "");
  const line = hosts.find((l) => l.addr === addr);
  if (line) return { name: line.names[0], aliases: line.names.slice(1), addrs: [addr] };
  const conf = yield* res_init(sys);
  const arpa = addr.split(".").reverse().join(".") + ".in-addr.arpa";
  const r = yield* res_query(sys, conf, arpa, T_PTR);
  return { name: r.data[0], aliases: r.data.slice(1), addrs: [addr] };
}
