import assert from "node:assert/strict";
import { MacAddr } from "../../../net/wire/addr.ts";
import { EthernetRepr, ETHERTYPE_IP, ETHERTYPE_IPV6 } from "../../../net/wire/ethernet.ts";
import { IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, Ipv4Repr } from "../../../net/wire/ipv4.ts";
import { describeFrame, describeIpv4, describeTcpFlags } from "../../../net/wire/pretty.ts";
import { TH_ACK, TH_FIN, TH_PUSH, TH_RST, TH_SYN } from "../../../net/wire/tcp.ts";
import {
  A_10_0_0_1,
  A_10_0_0_2,
  A_10_0_2_15,
  A_10_0_2_3,
  ARP_REQUEST_FRAME,
  cat,
  ICMP_ECHO,
  ICMP_ECHO_IP,
  ICMP_NEEDFRAG,
  ICMP_PORT_UNREACH,
  TCP_DATA,
  TCP_SYN,
  TCP_SYN_IP,
  UDP_DNS,
  UDP_DNS_INVOKING,
  UDP_DNS_IP,
} from "./fixtures.ts";

const GUEST = MacAddr.parse("52:54:00:12:34:56");
const GATEWAY = MacAddr.parse("52:54:00:12:35:02");

function ether(payload: Uint8Array, ethertype = ETHERTYPE_IP): Uint8Array {
  const f = new Uint8Array(14 + payload.length);
  EthernetRepr.emit({ dst: GATEWAY, src: GUEST, ethertype }, f);
  f.set(payload, 14);
  return f;
}

/** An IPv4 packet around `payload` (header built by Ipv4Repr.emit). */
function ip(src: number, dst: number, protocol: number, payload: Uint8Array): Uint8Array {
  const repr: Ipv4Repr = {
    src,
    dst,
    protocol,
    ttl: 64,
    dscp: 0,
    ecn: 0,
    ident: 1,
    dontFrag: true,
    moreFrags: false,
    fragOffset: 0,
    payloadLen: payload.length,
  };
  const b = new Uint8Array(Ipv4Repr.bufferLen(repr));
  b.set(payload, Ipv4Repr.emit(repr, b));
  return b;
}

Deno.test("pretty: a SYN reads like tcpdump, options in wire order", () => {
  assert.equal(
    describeFrame(ether(cat(TCP_SYN_IP, TCP_SYN))),
    "10.0.0.2.49152 > 10.0.0.1.80: Flags [S], seq 1, win 65535, " +
      "options [mss 1460,sackOK,TS val 123456 ecr 0,nop,wscale 7], length 0",
  );
});

Deno.test("pretty: a data segment shows its sequence range and ack", () => {
  assert.equal(
    describeIpv4(ip(A_10_0_0_2, A_10_0_0_1, IPPROTO_TCP, TCP_DATA)),
    "10.0.0.2.49152 > 10.0.0.1.80: Flags [P.], seq 2:20, ack 1000000001, win 502, " +
      "options [nop,nop,TS val 1000 ecr 2000], length 18",
  );
});

Deno.test("pretty: UDP, ICMP and ARP lines", () => {
  assert.equal(
    describeFrame(ether(cat(UDP_DNS_IP, UDP_DNS))),
    "10.0.2.15.49153 > 10.0.2.3.53: UDP, length 29",
  );
  assert.equal(
    describeFrame(ether(cat(ICMP_ECHO_IP, ICMP_ECHO))),
    "10.0.2.15 > 10.0.2.2: ICMP echo request, id 4660, seq 1, length 24",
  );
  assert.equal(
    describeIpv4(
      ip(A_10_0_2_3, A_10_0_2_15, IPPROTO_ICMP, cat(ICMP_PORT_UNREACH, UDP_DNS_INVOKING)),
    ),
    "10.0.2.3 > 10.0.2.15: ICMP 10.0.2.3 udp port 53 unreachable, length 36",
  );
  assert.equal(
    describeIpv4(ip(A_10_0_2_3, A_10_0_2_15, IPPROTO_ICMP, cat(ICMP_NEEDFRAG, UDP_DNS_INVOKING))),
    "10.0.2.3 > 10.0.2.15: ICMP 10.0.2.3 unreachable - need to frag (mtu 1400), length 36",
  );
  assert.equal(
    describeFrame(ARP_REQUEST_FRAME),
    "ARP, Request who-has 10.0.2.2 tell 10.0.2.15, length 28",
  );
});

Deno.test("pretty: the link header is prefixed on request", () => {
  assert.equal(
    describeFrame(ARP_REQUEST_FRAME, { link: true }),
    "52:54:00:12:34:56 > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 60: " +
      "ARP, Request who-has 10.0.2.2 tell 10.0.2.15, length 28",
  );
});

Deno.test("pretty: flags use tcpdump's letters", () => {
  assert.equal(describeTcpFlags(TH_SYN | TH_ACK), "S.");
  assert.equal(describeTcpFlags(TH_FIN | TH_ACK), "F.");
  assert.equal(describeTcpFlags(TH_RST), "R");
  assert.equal(describeTcpFlags(TH_PUSH | TH_ACK), "P.");
  assert.equal(describeTcpFlags(0), "none");
});

Deno.test("pretty: broken layers are described, never thrown", () => {
  assert.equal(
    describeFrame(new Uint8Array(10)),
    "[truncated: ethernet header: 10 bytes, need 14]",
  );
  const badIhl = ether(cat(TCP_SYN_IP, TCP_SYN));
  badIhl[14] = 0x44;
  assert.equal(describeFrame(badIhl), "[malformed: ipv4: IHL 4 < 5]");
  const badSum = cat(TCP_SYN_IP, TCP_SYN);
  badSum[24] ^= 1; // a bit of the SEQ
  assert.match(describeIpv4(badSum), /Flags \[S\], seq 16777217, .* \[bad cksum\]$/);
  const shortUdp = ip(A_10_0_2_15, A_10_0_2_3, IPPROTO_UDP, UDP_DNS.subarray(0, 6));
  assert.equal(describeIpv4(shortUdp), "[truncated: udp header: 6 bytes, need 8]");
  assert.equal(
    describeFrame(ether(new Uint8Array(40), ETHERTYPE_IPV6)),
    "ethertype IPv6 (0x86dd), length 40",
  );
});

Deno.test("pretty: fragments are described without their transport header", () => {
  const repr: Ipv4Repr = {
    src: A_10_0_2_15,
    dst: A_10_0_2_3,
    protocol: IPPROTO_UDP,
    ttl: 64,
    dscp: 0,
    ecn: 0,
    ident: 77,
    dontFrag: false,
    moreFrags: true,
    fragOffset: 1480,
    payloadLen: 8,
  };
  const b = new Uint8Array(28);
  Ipv4Repr.emit(repr, b);
  assert.equal(describeIpv4(b), "10.0.2.15 > 10.0.2.3: ip-proto-17, frag 77:8@1480+");
});
