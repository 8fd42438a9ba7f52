/**
 * nat_udp.ts — outbound NAT for UDP: a datagram from the guest to 10.0.2.2:PORT
 * is sent from a host UDP socket to 127.0.0.1:PORT, and what comes back to that socket
 * from 127.0.0.1:P goes to the guest from 10.0.2.2:P (slirp's udp.c does the same).
 *
 * NAT for UDP is translation, not termination, so it works at the IP layer, as npf's does:
 * the pfil hook (nat.ts) takes the guest's datagram (length and checksum checked first —
 * a bad one passes on to the stack, which counts it), and replies are UDP datagrams the
 * gateway emits with ip_output from the gateway address. No gateway socket is involved,
 * and a gateway socket bound on 10.0.2.2 would take its port's datagrams first.
 *
 * One host socket per guest source address and port (a flow), bound to 127.0.0.1 on an
 * ephemeral port, so the host sees each guest socket as one peer; a flow idle for
 * UDP_IDLE_NS (no datagram either way) is closed by a kernel callout. Datagrams the guest
 * sends before the host socket is bound wait for it, in order.
 *
 * Rules: the host side is 127.0.0.1 only (bound there, sending there; a datagram from
 * elsewhere could not reach a loopback socket); host callbacks only post; at most
 * MAX_UDP_FLOWS flows, datagrams for a new one beyond that are dropped and counted.
 * The host sockets are host/host_net.ts's `udp`, their events posted to HostWork.
 */
import type { Callout } from "../kernel/kern/callout.ts";
import { ipOutput } from "../net/ip_output.ts";
import {
  formatIpv4,
  IPPROTO_UDP,
  type Ipv4Addr,
  pseudoHeaderSum,
  readIpv4,
  UDP_HDR_LEN,
  UdpRepr,
  verifyChecksum,
} from "../net/wire/mod.ts";
import type { HostUdpSocket } from "../host/host_net.ts";
import { NAT_HOST_ADDR, type NatEnv } from "./nat_env.ts";

/** A flow with no datagram either way for this long is closed. */
export const UDP_IDLE_NS = 60e9;
/** Flows (guest source address and port) at most. */
export const MAX_UDP_FLOWS = 256;

export interface NatUdpStats {
  /** Datagrams from the guest sent to the host, and from the host delivered to the guest. */
  out: number;
  in: number;
  /** Flows opened, and closed for idleness. */
  flows: number;
  expired: number;
  /** Guest datagrams dropped: MAX_UDP_FLOWS reached, or the host socket failed. */
  drops: number;
  /** Replies the gateway could not send (ip_output's error). */
  inDrops: number;
  /** Host socket errors. */
  hostErrors: number;
}

interface UdpFlow {
  key: string;
  guest: Ipv4Addr;
  guestPort: number;
  sock: HostUdpSocket;
  /** Datagrams waiting for the bind: [host port, payload]. */
  waiting: [number, Uint8Array][] | null;
  idle: Callout;
  closed: boolean;
}

export class NatUdp {
  readonly stats: NatUdpStats = {
    out: 0,
    in: 0,
    flows: 0,
    expired: 0,
    drops: 0,
    inDrops: 0,
    hostErrors: 0,
  };
  readonly #flows = new Map<string, UdpFlow>();
  #closed = false;

  constructor(readonly env: NatEnv) {}

  /** The pfil hook's UDP part (RFC 768 checks as udp_input makes them): true if taken. */
  input(pkt: Uint8Array, hlen: number): boolean {
    const u = pkt.subarray(hlen);
    if (u.length < UDP_HDR_LEN) return false;
    const ulen = (u[4] << 8) | u[5];
    if (ulen < UDP_HDR_LEN || ulen > u.length) return false;
    const src = readIpv4(pkt, 12), dst = readIpv4(pkt, 16);
    const sum = (u[6] << 8) | u[7];
    if (sum !== 0 && !verifyChecksum(u, 0, ulen, pseudoHeaderSum(src, dst, IPPROTO_UDP, ulen))) {
      return false;
    }
    const sport = (u[0] << 8) | u[1], dport = (u[2] << 8) | u[3];
    if (dport === 0 || this.env.stack.udp.table.lookup(dst, dport, src, sport) !== null) {
      return false; // port 0 is nobody's; a gateway socket owns this one
    }
    const key = `${formatIpv4(src)}:${sport}`;
    let f = this.#flows.get(key);
    if (!f) {
      if (this.#flows.size >= MAX_UDP_FLOWS) {
        this.stats.drops++;
        return true;
      }
      f = this.#open(key, src, sport);
    }
    f.idle.schedule(UDP_IDLE_NS);
    this.#send(f, dport, u.slice(UDP_HDR_LEN, ulen));
    return true;
  }

  #open(key: string, guest: Ipv4Addr, guestPort: number): UdpFlow {
    const f: UdpFlow = {
      key,
      guest,
      guestPort,
      waiting: [],
      idle: this.env.k.callout("nat:udp", () => {
        this.stats.expired++;
        this.#close(f);
      }),
      closed: false,
      // Its events run in the event loop's context (host/host_net.ts).
      sock: this.env.net.udp({ hostname: NAT_HOST_ADDR, port: 0 }, {
        bound: () => {
          const w = f.waiting;
          f.waiting = null;
          if (f.closed || !w) return;
          for (const [port, data] of w) this.#send(f, port, data);
        },
        message: (data, from) => {
          if (from.hostname !== NAT_HOST_ADDR) return;
          this.env.kpost(() => this.#reply(f, from.port, data));
        },
        error: () => void this.stats.hostErrors++,
      }),
    };
    this.#flows.set(key, f);
    this.stats.flows++;
    this.env.host.openSource();
    return f;
  }

  #send(f: UdpFlow, port: number, data: Uint8Array): void {
    if (f.waiting) {
      f.waiting.push([port, data]);
      return;
    }
    try {
      f.sock.send(data, { hostname: NAT_HOST_ADDR, port });
      this.stats.out++;
    } catch {
      this.stats.drops++;
    }
  }

  /** Kernel context: a datagram from 127.0.0.1:port for the flow's guest socket. */
  #reply(f: UdpFlow, port: number, data: Uint8Array): void {
    if (f.closed) return;
    f.idle.schedule(UDP_IDLE_NS);
    const gw = this.env.gateway;
    const buf = new Uint8Array(UDP_HDR_LEN + data.length);
    UdpRepr.emit({ srcPort: port, dstPort: f.guestPort, payload: data }, buf, gw, f.guest);
    const err = ipOutput(this.env.stack, { src: gw, dst: f.guest, protocol: IPPROTO_UDP }, buf);
    if (err) this.stats.inDrops++;
    else this.stats.in++;
  }

  #close(f: UdpFlow): void {
    if (f.closed) return;
    f.closed = true;
    f.idle.stop();
    this.#flows.delete(f.key);
    f.sock.close();
    this.env.host.closeSource();
  }

  /** Closes every flow's host socket. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const f of [...this.#flows.values()]) this.#close(f);
  }
}
