/**
 * nat_tcp.ts — outbound NAT for TCP: a guest connection to 10.0.2.2:PORT becomes a host
 * connection to 127.0.0.1:PORT, relayed both ways (relay.ts).
 *
 * It is slirp's "connect first, then accept on behalf", built from the gateway's own
 * TCP/IP and sockets:
 *   1. The pfil hook (nat.ts) takes a guest's bare SYN for 10.0.2.2:PORT that no gateway
 *      connection owns, keeps a copy, and starts a host connect (host/host_net.ts) to
 *      127.0.0.1:PORT. While that is under way the guest's retransmitted SYNs are
 *      dropped (the guest waits in SYN-SENT, as with a slow server).
 *   2. Connected: the gateway makes sure it has a listening socket on 10.0.2.2:PORT (one
 *      per port, made on first use, SO_REUSEADDR, kept for the gateway's life) and puts
 *      the kept SYN back into ip_input. The hook now lets that flow's SYNs through, the
 *      listener answers SYN-ACK, and the port's accept thread pairs the accepted socket
 *      (by its peer address and port) with the host connection and starts a relay over
 *      the accepted socket (the relay's guest side, already connected; hostfwd's relays
 *      connect theirs).
 *   3. Refused (or any connect error): the gateway answers the kept SYN with the RST a
 *      closed port sends (RFC 9293 §3.10.7.1), so the guest's connect fails with
 *      ECONNREFUSED, exactly as if the host had refused it directly.
 * A flow admitted but not accepted within ACCEPT_TIMEOUT_NS (the guest went away) is
 * dropped with its host connection.
 *
 * Rules: host callbacks only post (nat.ts `kpost`); the host side is 127.0.0.1 only; the
 * relay keeps its back-pressure, half-close and reset rules (RELAY_CHUNK per direction,
 * as for hostfwd); at most MAX_FLOWS connections wait for the host at once, more SYNs are
 * dropped and counted (the guest retransmits).
 */
import type { Callout } from "../kernel/kern/callout.ts";
import { Errno } from "../kernel/kern/errno.ts";
import type { KFile } from "../kernel/syscall/file.ts";
import {
  AF_INET,
  SO_LINGER,
  SO_REUSEADDR,
  SOCK_STREAM,
  SOL_SOCKET,
} from "../kernel/syscall/api.ts";
import type { Ifnet } from "../net/if.ts";
import { ipInput } from "../net/ip_input.ts";
import { respondRst } from "../net/tcp/mod.ts";
import {
  formatIpv4,
  type Ipv4Addr,
  readIpv4,
  TcpPacket,
  TcpRepr,
  TH_ACK,
  TH_FIN,
  TH_RST,
  TH_SYN,
  WireError,
} from "../net/wire/mod.ts";
import type { HostStream } from "../host/host_net.ts";
import {
  newRelayStats,
  type RelayEnv,
  type RelayHandle,
  type RelayStats,
  startRelay,
} from "./relay.ts";
import { NAT_HOST_ADDR, type NatEnv } from "./nat_env.ts";
import { sysent } from "../kernel/syscall/systab.ts";

/** Guest connections waiting for the host's answer at most (more SYNs are dropped). */
export const MAX_FLOWS = 256;
/** How long an admitted flow waits for the guest to complete its handshake. */
export const ACCEPT_TIMEOUT_NS = 75e9;
const LISTEN_BACKLOG = 32;

/**
 * The relay counters (relay.ts; `accepted`: guest connections relayed, `refused`:
 * guest connections the host refused; `bytesUp` is host → guest, `bytesDown` guest →
 * host, as for hostfwd) and the NAT's own.
 */
export interface NatTcpStats extends RelayStats {
  /** Host connects started (one per new guest connection). */
  connects: number;
  /** Guest SYNs dropped: a retransmission while the host connect ran, or MAX_FLOWS. */
  synDrops: number;
  /** Admitted flows the guest never completed (ACCEPT_TIMEOUT_NS). */
  expired: number;
}

interface Flow {
  key: string;
  ifp: Ifnet;
  /** The guest's SYN (the whole IP datagram), kept while the host connect runs. */
  syn: Uint8Array;
  src: Ipv4Addr;
  dport: number;
  conn: HostStream | null;
  state: "connecting" | "admitted";
  /** ACCEPT_TIMEOUT_NS's callout, while admitted. */
  expire: Callout | null;
}

function flowKey(src: string, sport: number, dport: number): string {
  return `${src}:${sport}>${dport}`;
}

export class NatTcp {
  readonly stats: NatTcpStats = { ...newRelayStats(), connects: 0, synDrops: 0, expired: 0 };
  readonly #flows = new Map<string, Flow>();
  readonly #listeners = new Map<number, KFile>();
  readonly #relays = new Set<RelayHandle>();
  readonly #relayEnv: RelayEnv;
  #closed = false;

  constructor(readonly env: NatEnv) {
    this.#relayEnv = { k: env.k, proc: env.proc, host: env.host, net: env.net, stats: this.stats };
  }

  /** The pfil hook's TCP part: true when it took the segment. */
  input(ifp: Ifnet, pkt: Uint8Array, hlen: number): boolean {
    const t = pkt.subarray(hlen);
    if (t.length < 20 || (t[13] & (TH_SYN | TH_ACK | TH_RST | TH_FIN)) !== TH_SYN) return false;
    const src = readIpv4(pkt, 12), dst = readIpv4(pkt, 16);
    const sport = (t[0] << 8) | t[1], dport = (t[2] << 8) | t[3];
    const engine = this.env.stack.tcp?.engine;
    if (!engine || engine.lookup(dst, dport, src, sport) !== null) return false;
    const key = flowKey(formatIpv4(src), sport, dport);
    const f = this.#flows.get(key);
    if (f) {
      if (f.state === "admitted") return false; // on to our listener
      this.stats.synDrops++;
      return true;
    }
    try {
      TcpRepr.parse(new TcpPacket(t), src, dst, true);
    } catch (e) {
      if (e instanceof WireError) return false; // the stack counts it
      throw e;
    }
    if (this.#flows.size >= MAX_FLOWS) {
      this.stats.synDrops++;
      return true;
    }
    const flow: Flow = {
      key,
      ifp,
      syn: pkt.slice(),
      src,
      dport,
      conn: null,
      state: "connecting",
      expire: null,
    };
    this.#flows.set(key, flow);
    this.stats.connects++;
    this.env.host.openSource();
    this.env.net.connect({ hostname: NAT_HOST_ADDR, port: flow.dport }, (r) => {
      // (event loop) The host answered: on to the natd thread.
      this.env.kpost(() => {
        if (r instanceof Error) this.#refuse(flow);
        else this.#admit(flow, r);
      });
      this.env.host.closeSource();
    });
    return true;
  }

  /** Kernel context: the host accepted; let the guest's SYN reach our listener. */
  #admit(f: Flow, conn: HostStream): void {
    if (this.#closed || this.#flows.get(f.key) !== f) {
      conn.close();
      return;
    }
    try {
      this.#listen(f.dport);
    } catch (e) {
      if (!(e instanceof Errno)) throw e;
      conn.close();
      this.#refuse(f);
      return;
    }
    f.conn = conn;
    f.state = "admitted";
    f.expire = this.env.k.callout("nat:accept", () => {
      if (this.#flows.get(f.key) !== f) return;
      this.#flows.delete(f.key);
      this.stats.expired++;
      this.#closeConn(f);
    });
    f.expire.schedule(ACCEPT_TIMEOUT_NS);
    ipInput(this.env.stack, f.ifp, f.syn, false);
  }

  /** Kernel context: the host refused; answer the guest's SYN as a closed port does. */
  #refuse(f: Flow): void {
    if (this.#flows.get(f.key) !== f) return;
    this.#flows.delete(f.key);
    this.stats.refused++;
    if (this.#closed) return;
    const engine = this.env.stack.tcp!.engine;
    const hlen = (f.syn[0] & 0xf) * 4;
    const src = readIpv4(f.syn, 12), dst = readIpv4(f.syn, 16);
    const seg = TcpRepr.parse(new TcpPacket(f.syn.subarray(hlen)), src, dst, false);
    engine.run(() => respondRst(engine, src, dst, seg));
  }

  #closeConn(f: Flow): void {
    const conn = f.conn;
    if (!conn) return;
    f.conn = null;
    conn.close();
  }

  /** The listening socket on gateway:port, made on first use with its accept thread. */
  #listen(port: number): void {
    if (this.#listeners.has(port)) return;
    const net = sysent(this.env.k).net!;
    const l = net.socket(this.env.proc, AF_INET, SOCK_STREAM, 0);
    try {
      net.setsockopt(l, SOL_SOCKET, SO_REUSEADDR, 1);
      net.bind(l, { addr: formatIpv4(this.env.gateway), port });
      net.listen(l, LISTEN_BACKLOG);
    } catch (e) {
      l.ops.close(l).next(); // soclose of a socket never connected: runs to its end at once
      throw e;
    }
    this.#listeners.set(port, l);
    this.env.k.threadCreate(`nat:${port}`, () => this.#acceptThread(port, l));
  }

  *#acceptThread(port: number, l: KFile) {
    const net = sysent(this.env.k).net!;
    for (;;) {
      let file: KFile, addr: { addr: string; port: number };
      try {
        ({ file, addr } = yield* net.accept(l));
      } catch (e) {
        if (!(e instanceof Errno)) throw e;
        return; // the listener closed
      }
      const f = this.#flows.get(flowKey(addr.addr, addr.port, port));
      if (!f || !f.conn || this.#closed) {
        // Not a flow we admitted (or the gateway is closing): reset it.
        net.setsockopt(file, SOL_SOCKET, SO_LINGER, 0);
        try {
          yield* file.ops.close(file);
        } catch (e) {
          if (!(e instanceof Errno)) throw e;
        }
        continue;
      }
      this.#flows.delete(f.key);
      f.expire?.stop();
      const conn = f.conn;
      f.conn = null;
      this.stats.accepted++;
      const r = startRelay(this.#relayEnv, `nat:${port}`, conn, file, () => {
        this.#relays.delete(r);
      });
      this.#relays.add(r);
    }
  }

  /** Ends every relay and drops the host connections of flows not yet relayed. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const f of this.#flows.values()) {
      f.expire?.stop();
      this.#closeConn(f);
    }
    this.#flows.clear();
    for (const r of this.#relays) r.hostAbort();
  }
}
