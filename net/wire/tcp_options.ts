/**
 * tcp_options.ts — TCP header options: EOL, NOP, MSS (RFC 9293 §3.2), window scale and
 * timestamps (RFC 7323 §2, §3), SACK-permitted and SACK (RFC 2018 §2, §3).
 *
 * Rules: parsing walks the option bytes kind by kind; EOL ends the list; an unknown kind is
 * skipped by its length; a length of 0 or 1, one that runs past the options, or a known
 * kind with the wrong length (MSS 4, WS 3, SACK-permitted 2, TS 10, SACK 2 + 8n, n 1–4)
 * is "malformed". The window scale keeps the raw shift; `windowScaleShift` clamps it to
 * 14 on use (RFC 7323 §2.3). A later duplicate of an option overrides an earlier one.
 * Emit lays options out in one fixed order, NOP-padded to 4-byte words (the layout common
 * stacks send: MSS, SACK-permitted with TS, NOP+WS, NOP NOP+SACK) and fails "malformed"
 * if they exceed 40 bytes.
 */
import { getU16, getU32, setU16, setU32 } from "./bytes.ts";
import { WireError } from "./error.ts";

export const TCPOPT_EOL = 0;
export const TCPOPT_NOP = 1;
export const TCPOPT_MAXSEG = 2;
export const TCPOPT_WINDOW = 3;
export const TCPOPT_SACK_PERMITTED = 4;
export const TCPOPT_SACK = 5;
export const TCPOPT_TIMESTAMP = 8;

/** Largest usable window shift (RFC 7323 §2.3). */
export const TCP_MAX_WINSHIFT = 14;
/** Most option bytes a header can carry (data offset 15). */
export const TCP_MAXOLEN = 40;

/** One SACK block: the sequence numbers of its first byte and of the byte after its last. */
export interface SackBlock {
  left: number;
  right: number;
}

/** One option as it appeared on the wire. */
export type TcpOption =
  | { kind: "eol" }
  | { kind: "nop" }
  | { kind: "mss"; mss: number }
  | { kind: "windowScale"; shift: number }
  | { kind: "sackPermitted" }
  | { kind: "sack"; blocks: SackBlock[] }
  | { kind: "timestamp"; tsval: number; tsecr: number }
  | { kind: "unknown"; type: number; data: Uint8Array };

/** The options a segment carries, as plain data (absent keys: not sent). */
export interface TcpOptions {
  /** Maximum segment size (SYN only, RFC 9293 §3.7.1). */
  mss?: number;
  /** The raw window shift as sent (SYN only); clamp with windowScaleShift. */
  windowScale?: number;
  /** SACK-permitted (SYN only). */
  sackPermitted?: boolean;
  /** SACK blocks, 1–4. */
  sack?: SackBlock[];
  /** Timestamps: TSval and TSecr. */
  timestamp?: { tsval: number; tsecr: number };
}

/** The shift to apply: the raw option value clamped to 14 (RFC 7323 §2.3). */
export function windowScaleShift(raw: number): number {
  return Math.min(raw, TCP_MAX_WINSHIFT);
}

function malformed(msg: string): never {
  throw new WireError("malformed", `tcp option: ${msg}`);
}

/** Every option in wire order, up to and including an EOL. Throws WireError "malformed". */
export function parseTcpOptionList(b: Uint8Array): TcpOption[] {
  const out: TcpOption[] = [];
  let i = 0;
  while (i < b.length) {
    const kind = b[i];
    if (kind === TCPOPT_EOL) {
      out.push({ kind: "eol" });
      break;
    }
    if (kind === TCPOPT_NOP) {
      out.push({ kind: "nop" });
      i++;
      continue;
    }
    if (i + 1 >= b.length) malformed(`kind ${kind} has no length byte`);
    const len = b[i + 1];
    if (len < 2) malformed(`kind ${kind} length ${len}`);
    if (i + len > b.length) malformed(`kind ${kind} length ${len} runs past the header`);
    const want = (n: number) => {
      if (len !== n) malformed(`kind ${kind} length ${len}, want ${n}`);
    };
    switch (kind) {
      case TCPOPT_MAXSEG:
        want(4);
        out.push({ kind: "mss", mss: getU16(b, i + 2) });
        break;
      case TCPOPT_WINDOW:
        want(3);
        out.push({ kind: "windowScale", shift: b[i + 2] });
        break;
      case TCPOPT_SACK_PERMITTED:
        want(2);
        out.push({ kind: "sackPermitted" });
        break;
      case TCPOPT_SACK: {
        const n = (len - 2) / 8;
        if (!Number.isInteger(n) || n < 1 || n > 4) malformed(`SACK length ${len}`);
        const blocks: SackBlock[] = [];
        for (let k = 0; k < n; k++) {
          blocks.push({ left: getU32(b, i + 2 + 8 * k), right: getU32(b, i + 6 + 8 * k) });
        }
        out.push({ kind: "sack", blocks });
        break;
      }
      case TCPOPT_TIMESTAMP:
        want(10);
        out.push({ kind: "timestamp", tsval: getU32(b, i + 2), tsecr: getU32(b, i + 6) });
        break;
      default:
        out.push({ kind: "unknown", type: kind, data: b.subarray(i + 2, i + len) });
    }
    i += len;
  }
  return out;
}

/** The options of a segment as a TcpOptions record. Throws WireError "malformed". */
export function parseTcpOptions(b: Uint8Array): TcpOptions {
  const o: TcpOptions = {};
  if (b.length === 0) return o;
  if (
    b.length === 12 && b[0] === TCPOPT_NOP && b[1] === TCPOPT_NOP &&
    b[2] === TCPOPT_TIMESTAMP && b[3] === 10
  ) {
    // The layout nearly every segment of a connection carries (RFC 7323 Appendix A).
    o.timestamp = { tsval: getU32(b, 4), tsecr: getU32(b, 8) };
    return o;
  }
  for (const opt of parseTcpOptionList(b)) {
    switch (opt.kind) {
      case "mss":
        o.mss = opt.mss;
        break;
      case "windowScale":
        o.windowScale = opt.shift;
        break;
      case "sackPermitted":
        o.sackPermitted = true;
        break;
      case "sack":
        o.sack = opt.blocks;
        break;
      case "timestamp":
        o.timestamp = { tsval: opt.tsval, tsecr: opt.tsecr };
        break;
    }
  }
  return o;
}

/** Bytes `emitTcpOptions` writes for `o` (a multiple of 4; may exceed 40, which emit rejects). */
export function tcpOptionsLen(o: TcpOptions): number {
  let n = 0;
  if (o.mss !== undefined) n += 4;
  if (o.timestamp !== undefined) n += 12; // SACK-permitted rides in its two pad bytes
  else if (o.sackPermitted) n += 4;
  if (o.windowScale !== undefined) n += 4;
  if (o.sack !== undefined && o.sack.length > 0) n += 4 + 8 * o.sack.length;
  return n;
}

/** Writes the options at `off` in `buf`; returns the bytes written (a multiple of 4). */
export function emitTcpOptions(o: TcpOptions, buf: Uint8Array, off: number): number {
  const len = tcpOptionsLen(o);
  if (len > TCP_MAXOLEN) throw new WireError("malformed", `tcp emit: ${len} option bytes`);
  if (o.sack !== undefined && o.sack.length > 4) {
    throw new WireError("malformed", `tcp emit: ${o.sack.length} SACK blocks`);
  }
  if (off + len > buf.length) throw new WireError("truncated", "tcp emit: options buffer");
  let i = off;
  if (o.mss !== undefined) {
    buf[i] = TCPOPT_MAXSEG;
    buf[i + 1] = 4;
    setU16(buf, i + 2, o.mss);
    i += 4;
  }
  if (o.timestamp !== undefined) {
    if (o.sackPermitted) {
      buf[i] = TCPOPT_SACK_PERMITTED;
      buf[i + 1] = 2;
    } else {
      buf[i] = buf[i + 1] = TCPOPT_NOP;
    }
    buf[i + 2] = TCPOPT_TIMESTAMP;
    buf[i + 3] = 10;
    setU32(buf, i + 4, o.timestamp.tsval);
    setU32(buf, i + 8, o.timestamp.tsecr);
    i += 12;
  } else if (o.sackPermitted) {
    buf[i] = buf[i + 1] = TCPOPT_NOP;
    buf[i + 2] = TCPOPT_SACK_PERMITTED;
    buf[i + 3] = 2;
    i += 4;
  }
  if (o.windowScale !== undefined) {
    buf[i] = TCPOPT_NOP;
    buf[i + 1] = TCPOPT_WINDOW;
    buf[i + 2] = 3;
    buf[i + 3] = o.windowScale;
    i += 4;
  }
  if (o.sack !== undefined && o.sack.length > 0) {
    buf[i] = buf[i + 1] = TCPOPT_NOP;
    buf[i + 2] = TCPOPT_SACK;
    buf[i + 3] = 2 + 8 * o.sack.length;
    i += 4;
    for (const blk of o.sack) {
      setU32(buf, i, blk.left);
      setU32(buf, i + 4, blk.right);
      i += 8;
    }
  }
  return i - off;
}
