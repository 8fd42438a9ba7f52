/**
 * fixtures.ts — byte fixtures shared by the wire-format tests, written as hex.
 *
 * Rules: every fixture is a whole packet built by hand, with its checksums computed by an
 * implementation independent of net/wire (a short Python script: struct packing and an
 * RFC 1071 sum) — so a test that emits a repr back to these bytes checks net/wire against
 * something other than itself.
 */

/** Hex (spaces and newlines ignored) to bytes. */
export function hex(s: string): Uint8Array {
  const t = s.replace(/\s+/g, "");
  const b = new Uint8Array(t.length / 2);
  for (let i = 0; i < b.length; i++) b[i] = parseInt(t.slice(2 * i, 2 * i + 2), 16);
  return b;
}

/** Bytes to lowercase hex, for failure messages. */
export function toHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

/** Concatenates byte arrays. */
export function cat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** ARP request "who-has 10.0.2.2 tell 10.0.2.15" from 52:54:00:12:34:56, in a 60-byte frame. */
export const ARP_REQUEST_FRAME = hex(`
  ffffffffffff 525400123456 0806
  0001 0800 06 04 0001 525400123456 0a00020f 000000000000 0a000202
  000000000000000000000000000000000000`);

/** ICMP echo request 10.0.2.15 → 10.0.2.2, id 0x1234, seq 1, data "rumpsim ping 000". */
export const ICMP_ECHO_IP = hex(`4500002c0b1c4000400117a50a00020f0a000202`);
export const ICMP_ECHO = hex(`0800f6291234000172756d7073696d2070696e6720303030`);

/** UDP DNS query for example.com A, 10.0.2.15:49153 → 10.0.2.3:53. */
export const UDP_DNS_IP = hex(`4500003904d2400040111dd10a00020f0a000203`);
export const UDP_DNS = hex(`
  c001 0035 0025 ac20
  abcd01000001000000000000076578616d706c6503636f6d0000010001`);

/** TCP SYN 10.0.0.2:49152 → 10.0.0.1:80, seq 1, win 65535, Linux's option layout. */
export const TCP_SYN_IP = hex(`4500003c00004000400626ba0a0000020a000001`);
export const TCP_SYN = hex(`
  c000 0050 00000001 00000000 a0 02 ffff 916a 0000
  020405b4 0402 080a 0001e240 00000000 01 030307`);

/** TCP PSH|ACK 10.0.0.2:49152 → 10.0.0.1:80 with NOP NOP TS and "GET / HTTP/1.0\r\n\r\n". */
export const TCP_DATA = hex(`
  c000 0050 00000002 3b9aca01 80 18 01f6 b064 0000
  0101080a000003e8000007d0
  474554202f20485454502f312e300d0a0d0a`);

/** TCP ACK 10.0.0.1:80 → 10.0.0.2:49152 with TS and two SACK blocks. */
export const TCP_SACK = hex(`
  0050 c000 00001388 00001770 d0 10 0400 fe0a 0000
  0101080a00000bb800000fa0
  01010512 00000064000000c8 0000012c00000190`);

/** The invoking datagram (IP header + 8 bytes) of UDP_DNS, as an ICMP error quotes it. */
export const UDP_DNS_INVOKING = hex(`
  4500003904d2400040111dd10a00020f0a000203 c00100350025ac20`);

/** ICMP port unreachable quoting UDP_DNS. */
export const ICMP_PORT_UNREACH = hex(`03039080 00000000`);
/** ICMP fragmentation needed (next-hop MTU 1400) quoting UDP_DNS. */
export const ICMP_NEEDFRAG = hex(`03048b07 00000578`);
/** ICMP time exceeded in transit quoting UDP_DNS. */
export const ICMP_TIMXCEED = hex(`0b008883 00000000`);

/** Addresses used by the fixtures. */
export const A_10_0_0_1 = 0x0a000001;
export const A_10_0_0_2 = 0x0a000002;
export const A_10_0_2_2 = 0x0a000202;
export const A_10_0_2_3 = 0x0a000203;
export const A_10_0_2_15 = 0x0a00020f;
