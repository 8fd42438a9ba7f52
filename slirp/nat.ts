/**
 * nat.ts — the user netdev's outbound NAT: what the guest sends to the gateway's
 * address (10.0.2.2) reaches the host's loopback, 127.0.0.1, at the same port (QEMU
 * slirp's host-loopback alias). TCP is nat_tcp.ts, UDP nat_udp.ts; this file is what they
 * share — the hook that catches the traffic and the thread that runs host results.
 *
 * The mechanism is the one NetBSD's npf and ipnat use: a pfil(9) input hook on the
 * gateway's stack (net/ip_var.ts `pfilIn`). It sees every datagram for the gateway after
 * reassembly and takes only what is addressed to the gateway address and no gateway
 * socket owns — a bare SYN opening a new TCP connection, a UDP datagram — passing
 * everything else on to the stack unchanged (a SYN with a bad checksum too, so the stack
 * counts it). DNS (10.0.2.3) and the gateway's own sockets are never touched.
 *
 * Results from the host (a connect finished, a datagram arrived) come back through
 * HostWork onto the `natd` kernel thread, which runs them holding the gateway's vCPU:
 * kernel state changes only there, in the receive thread (the hook) or in callouts.
 *
 * Rules: the host side is 127.0.0.1 only, ever; `close` drops every host socket and
 * relay. Nothing is thrown out of the hook: malformed input passes to the stack.
 */
import type { Ifnet } from "../net/if.ts";
import { IPPROTO_TCP, IPPROTO_UDP, readIpv4 } from "../net/wire/mod.ts";
import { NatTcp, type NatTcpStats } from "./nat_tcp.ts";
import { NatUdp, type NatUdpStats } from "./nat_udp.ts";
import type { NatEnv } from "./nat_env.ts";

export { NAT_HOST_ADDR, type NatEnv } from "./nat_env.ts";

export interface NatStats {
  tcp: NatTcpStats;
  udp: NatUdpStats;
}

export interface Nat {
  readonly stats: NatStats;
  /** Closes every host socket and relay; the hook passes everything from now on. */
  close(): void;
}

/** Installs the NAT on the gateway's stack for address `gateway`. */
export function startNat(env: Omit<NatEnv, "kpost">): Nat {
  const k = env.k;
  const q: (() => void)[] = [];
  const mtx = k.mutex("natd"), cv = k.cv("natd");
  k.threadCreate("natd", function* () {
    for (;;) {
      yield* mtx.enter();
      while (q.length === 0) yield* cv.wait(mtx);
      mtx.exit();
      while (q.length > 0) q.shift()!();
    }
  });
  const full: NatEnv = {
    ...env,
    kpost(fn) {
      env.host.post(() => {
        q.push(fn);
        cv.signal();
      });
    },
  };
  const tcp = new NatTcp(full);
  const udp = new NatUdp(full);
  let closed = false;
  const stack = env.stack;
  stack.ip.pfilIn = (ifp: Ifnet, pkt: Uint8Array, hlen: number): boolean => {
    if (closed || readIpv4(pkt, 16) !== env.gateway) return false;
    if (pkt[9] === IPPROTO_TCP) return tcp.input(ifp, pkt, hlen);
    if (pkt[9] === IPPROTO_UDP) return udp.input(pkt, hlen);
    return false;
  };
  return {
    stats: { tcp: tcp.stats, udp: udp.stats },
    close() {
      if (closed) return;
      closed = true;
      tcp.close();
      udp.close();
    },
  };
}
