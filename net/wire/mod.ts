/**
 * mod.ts — the wire formats of the TCP/IP faction: Ethernet II, ARP, IPv4, ICMP, UDP, TCP,
 * the Internet checksum, addresses, TCP sequence arithmetic and a tcpdump-like printer.
 *
 * Rules: pure code over Uint8Array, no kernel dependency. Each format is a view class
 * (`XxxPacket`/`EthernetFrame`: its constructor checks lengths, then no accessor reads out
 * of range) plus a repr (`XxxRepr`: plain data with `parse(view)`, `emit(repr, buf)` and
 * `bufferLen(repr)`). Parsing fails only by throwing `WireError` with a `kind`.
 */
export * from "./error.ts";
export * from "./checksum.ts";
export * from "./addr.ts";
export * from "./ethernet.ts";
export * from "./arp.ts";
export * from "./ipv4.ts";
export * from "./icmp.ts";
export * from "./udp.ts";
export * from "./tcp_options.ts";
export * from "./tcp.ts";
export * from "./seq.ts";
export * from "./pretty.ts";
