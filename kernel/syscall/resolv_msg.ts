/**
 * resolv_msg.ts — the DNS message as a stub resolver writes and reads it (RFC 1035 §4.1):
 * `res_mkquery` builds a query, `dn_expand` reads a name with compression pointers, and
 * `parseAnswer` checks a response against its query and lists its resource records
 * (BSD libc's res_mkquery.c, ns_name.c and ns_parse.c, written here from the RFC).
 *
 * Layout: a 12-byte header (ID; QR, OPCODE, AA, TC, RD, RA, Z, RCODE; QDCOUNT, ANCOUNT,
 * NSCOUNT, ARCOUNT, all big-endian), the question (QNAME as length-prefixed labels ending
 * in a zero octet, QTYPE, QCLASS), then the answer, authority and additional records
 * (NAME, TYPE, CLASS, TTL, RDLENGTH, RDATA).
 *
 * Rules: pure functions of bytes, no syscall. A name is at most 255 octets on the wire
 * and a label 1–63 octets (§2.3.4); a compression pointer (two octets starting 0b11, §4.1.4)
 * points at "a prior occurrence": it must point strictly before the name's start and each
 * further pointer strictly before where the last one led, so a chain of pointers always
 * ends and a loop is refused (a compressor that only points back never writes another). Anything that reads past the message, a
 * reserved label type (0b01, 0b10), a response that is not for the query (ID, opcode or
 * question differ) or a record whose RDATA does not fit its type is "malformed": the
 * answer is refused as a whole, never half-used. Names compare case-insensitively
 * (§2.3.3).
 */

/** RFC 1035 §3.2.2 TYPE values the resolver asks for or follows. */
export const T_A = 1;
export const T_CNAME = 5;
export const T_PTR = 12;
/** §3.2.4 CLASS IN. */
export const C_IN = 1;
/** §4.1.1 RCODEs. */
export const NOERROR = 0;
export const FORMERR = 1;
export const SERVFAIL = 2;
export const NXDOMAIN = 3;
export const NOTIMP = 4;
export const REFUSED = 5;
/** §2.3.4: UDP messages are 512 octets at most. */
export const PACKETSZ = 512;
/** §2.3.4: a name is at most 255 octets on the wire, a label 63. */
export const MAXCDNAME = 255;
export const MAXLABEL = 63;
const HFIXEDSZ = 12;

/** The wire form of a name (labels, then the root's zero octet), or null if it cannot be one. */
export function encodeName(name: string): Uint8Array | null {
  const n = name.endsWith(".") ? name.slice(0, -1) : name;
  if (n === "") return null;
  const out: number[] = [];
  for (const label of n.split(".")) {
    if (label.length < 1 || label.length > MAXLABEL) return null;
    out.push(label.length);
    for (let i = 0; i < label.length; i++) {
      const c = label.charCodeAt(i);
      if (c < 0x21 || c > 0x7e) return null; // printable ASCII only
      out.push(c);
    }
  }
  out.push(0);
  return out.length > MAXCDNAME ? null : Uint8Array.from(out);
}

/** A question: what a query asks and an answer must echo. */
export interface Question {
  id: number;
  /** Lower-case, no trailing dot. */
  name: string;
  qtype: number;
  qclass: number;
}

/**
 * A standard query (OPCODE 0, RD set: the server may recurse) for `name`, or null when
 * `name` is not a valid domain name.
 */
export function res_mkquery(q: Question): Uint8Array | null {
  const qname = encodeName(q.name);
  if (!qname) return null;
  const out = new Uint8Array(HFIXEDSZ + qname.length + 4);
  const dv = new DataView(out.buffer);
  dv.setUint16(0, q.id & 0xffff);
  dv.setUint16(2, 0x0100); // RD
  dv.setUint16(4, 1); // QDCOUNT
  out.set(qname, HFIXEDSZ);
  dv.setUint16(HFIXEDSZ + qname.length, q.qtype);
  dv.setUint16(HFIXEDSZ + qname.length + 2, q.qclass);
  return out;
}

/** A name read from a message and the offset just past it where it was found. */
export interface Expanded {
  name: string;
  next: number;
}

/**
 * Reads the (possibly compressed) name at `off` in `msg` (§4.1.4); null when it runs past
 * the message, uses a reserved label type, is longer than 255 octets, or follows a pointer
 * that does not point strictly backwards (which is how a loop would start). The name is
 * lower-case, "." for the root.
 */
export function dn_expand(msg: Uint8Array, off: number): Expanded | null {
  const labels: string[] = [];
  let wire = 1; // the root's zero octet
  let p = off;
  let next = -1;
  let limit = off; // each pointer must point before the last place a pointer led to
  for (;;) {
    if (p >= msg.length) return null;
    const len = msg[p];
    if ((len & 0xc0) === 0xc0) {
      if (p + 1 >= msg.length) return null;
      const target = ((len & 0x3f) << 8) | msg[p + 1];
      if (next < 0) next = p + 2;
      if (target >= limit) return null; // not strictly backwards: a loop could start
      p = limit = target;
      continue;
    }
    if (len & 0xc0) return null; // 0b01, 0b10: reserved (§4.1.4, RFC 6891 §5)
    if (len === 0) {
      if (next < 0) next = p + 1;
      break;
    }
    if (p + 1 + len > msg.length) return null;
    wire += len + 1;
    if (wire > MAXCDNAME) return null;
    labels.push(String.fromCharCode(...msg.subarray(p + 1, p + 1 + len)).toLowerCase());
    p += 1 + len;
  }
  return { name: labels.length ? labels.join(".") : ".", next };
}

/** One resource record of an answer, its RDATA read for the types the resolver knows. */
export interface Rr {
  name: string;
  type: number;
  class: number;
  ttl: number;
  /** A: the dotted quad; CNAME, PTR: the name; other types: "". */
  data: string;
}

/** A response that matched its query. */
export interface Answer {
  rcode: number;
  /** TC: the server cut the message to fit UDP. */
  truncated: boolean;
  /** AA: from the authority for the name. */
  authoritative: boolean;
  answers: Rr[];
}

/**
 * Checks that `msg` is the response to `q` (QR set, same ID and opcode, the question
 * echoed) and reads its answer section; a string says why it is refused.
 */
export function parseAnswer(msg: Uint8Array, q: Question): Answer | string {
  if (msg.length < HFIXEDSZ) return "shorter than a header";
  const dv = new DataView(msg.buffer, msg.byteOffset, msg.byteLength);
  const flags = dv.getUint16(2);
  if (!(flags & 0x8000)) return "not a response";
  if (dv.getUint16(0) !== (q.id & 0xffff)) return "another ID";
  if ((flags >> 11) & 0xf) return "another opcode";
  const qd = dv.getUint16(4), an = dv.getUint16(6);
  const rcode = flags & 0xf;
  const truncated = (flags & 0x0200) !== 0;
  // A server may leave the question out of an error response (FORMERR, NOTIMP).
  if (qd !== 1 && !(qd === 0 && rcode !== NOERROR && rcode !== NXDOMAIN)) {
    return "not one question";
  }
  let off = HFIXEDSZ;
  if (qd === 1) {
    const qn = dn_expand(msg, off);
    if (!qn || qn.next + 4 > msg.length) return "malformed question";
    if (qn.name !== q.name.toLowerCase().replace(/\.$/, "")) return "another question";
    if (dv.getUint16(qn.next) !== q.qtype || dv.getUint16(qn.next + 2) !== q.qclass) {
      return "another question";
    }
    off = qn.next + 4;
  }
  const answers: Rr[] = [];
  for (let i = 0; i < an; i++) {
    const owner = dn_expand(msg, off);
    if (!owner || owner.next + 10 > msg.length) {
      // §4.1.1 TC: a cut message may end inside its records; what came before is whole.
      if (truncated) break;
      return "malformed record";
    }
    const o = owner.next;
    const type = dv.getUint16(o), klass = dv.getUint16(o + 2);
    const ttl = dv.getUint32(o + 4), rdlen = dv.getUint16(o + 8);
    const rd = o + 10;
    if (rd + rdlen > msg.length) {
      if (truncated) break;
      return "record past the end";
    }
    let data = "";
    if (klass === C_IN && type === T_A) {
      if (rdlen !== 4) return "A record of another length than 4";
      data = Array.from(msg.subarray(rd, rd + 4)).join(".");
    } else if (type === T_CNAME || type === T_PTR) {
      const target = dn_expand(msg, rd);
      if (!target || target.next !== rd + rdlen) return "malformed name in a record";
      data = target.name;
    }
    answers.push({ name: owner.name, type, class: klass, ttl, data });
    off = rd + rdlen;
  }
  return { rcode, truncated, authoritative: (flags & 0x0400) !== 0, answers };
}

/**
 * The addresses an answer gives `name` of `type` (A or PTR), following CNAMEs in it (at
 * most 8, as a chain could loop), and the canonical name they are for.
 */
export function answerData(
  a: Answer,
  name: string,
  type: number,
): { canonical: string; data: string[] } {
  let canonical = name.toLowerCase().replace(/\.$/, "");
  for (let hops = 0; hops < 8; hops++) {
    const cname = a.answers.find((r) => r.type === T_CNAME && r.name === canonical);
    if (!cname) break;
    canonical = cname.data;
  }
  const data = a.answers
    .filter((r) => r.type === type && r.class === C_IN && r.name === canonical)
    .map((r) => r.data);
  return { canonical, data };
}
