/**
 * ip_frag.ts — IPv4 fragmentation (RFC 791 §3.2 "An Example Fragmentation Procedure";
 * NetBSD's ip_fragment).
 *
 * Rules: every fragment but the last carries a multiple of 8 data bytes and MF; offsets
 * are relative to the original datagram, so a fragment may be fragmented again (its MF
 * survives on its last piece). The first fragment keeps all options; later ones only
 * those with the "copied" flag (RFC 791 §3.1 "Options", ip_optcopy), padded to 4 bytes.
 * Each fragment gets link headroom (MAX_LINKHDR) and its own header checksum.
 */
import { MAX_LINKHDR } from "./if_ether.ts";
import { checksum, IP_MF, IP_OFFMASK } from "./wire/mod.ts";

const IPOPT_EOL = 0;
const IPOPT_NOP = 1;
const IPOPT_COPIED = 0x80;

/** Splits a datagram (header `hlen`, checksum done) into fragments ≤ `mtu`; null if it can't. */
export function ipFragment(pkt: Uint8Array, hlen: number, mtu: number): Uint8Array[] | null {
  const total = (pkt[2] << 8) | pkt[3];
  const data = pkt.subarray(hlen, total);
  const offField = (pkt[6] << 8) | pkt[7];
  const baseOff = (offField & IP_OFFMASK) * 8;
  const origMF = (offField & IP_MF) !== 0;
  const restHdr = copiedHeader(pkt, hlen);
  const frags: Uint8Array[] = [];
  let off = 0;
  while (off < data.length) {
    const hdr = off === 0 ? pkt.subarray(0, hlen) : restHdr;
    const room = ((mtu - hdr.length) >> 3) << 3;
    if (room < 8) return null;
    const n = Math.min(room, data.length - off);
    const last = off + n >= data.length;
    const buf = new Uint8Array(MAX_LINKHDR + hdr.length + n);
    const f = buf.subarray(MAX_LINKHDR);
    f.set(hdr);
    f.set(data.subarray(off, off + n), hdr.length);
    const len = hdr.length + n;
    f[2] = len >>> 8;
    f[3] = len & 0xff;
    const field = (offField & ~(IP_MF | IP_OFFMASK)) |
      ((last ? origMF : true) ? IP_MF : 0) |
      ((baseOff + off) >>> 3);
    f[6] = field >>> 8;
    f[7] = field & 0xff;
    f[10] = f[11] = 0;
    const c = checksum(f, 0, hdr.length);
    f[10] = c >>> 8;
    f[11] = c & 0xff;
    frags.push(f);
    off += n;
  }
  return frags;
}

/** The header for fragments after the first: the fixed part and the copied options. */
function copiedHeader(pkt: Uint8Array, hlen: number): Uint8Array {
  const opts: number[] = [];
  let i = 20;
  while (i < hlen) {
    const t = pkt[i];
    if (t === IPOPT_EOL) break;
    if (t === IPOPT_NOP) {
      i++;
      continue;
    }
    const l = pkt[i + 1];
    if (l < 2 || i + l > hlen) break; // malformed: copy nothing further
    if (t & IPOPT_COPIED) { for (let j = 0; j < l; j++) opts.push(pkt[i + j]); }
    i += l;
  }
  while (opts.length % 4) opts.push(IPOPT_EOL);
  const h = new Uint8Array(20 + opts.length);
  h.set(pkt.subarray(0, 20));
  h.set(opts, 20);
  h[0] = 0x40 | (h.length >>> 2);
  return h;
}
