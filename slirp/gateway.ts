/**
 * gateway.ts — the user netdev's gateway: a rump kernel on the hosted platform, running
 * the same net/ code as the guest (the anykernel point), with the host behind it.
 *
 * It has one Ethernet interface, `virt0` (QEMU's slirp MAC 52:55:0a:00:02:02), holding
 * 10.0.2.2 (the gateway) and 10.0.2.3 (the DNS) on 10.0.2.0/24 (the plan, plan.ts's
 * USER_NET, is given by the caller), plugged into the gateway end of the user netdev's
 * cable (plan.ts's UserNetdev; any Netdev will do). On it run the DNS responder (dns.ts),
 * one host listener per hostfwd rule (hostfwd.ts), each connection relayed by relay.ts,
 * and the outbound NAT that takes guest traffic for 10.0.2.2 to the host's 127.0.0.1
 * (nat.ts, QEMU's restrict=off; `nat: false` is restrict=on).
 *
 * The gateway shares the guest machine's scheduler: the machine owns the realtime clock,
 * the idle policy and the HostWork host I/O enters through (platform/hw/host_idle.ts);
 * it also runs on a hosted kernel's scheduler in tests. Frames from the cable are queued
 * and handed to `virt0` by the gateway's own receive thread (holding the gateway's vCPU,
 * as a driver's interrupt thread would), never on the sender's thread.
 *
 * Rules: the gateway kernel never exits on its own; `close()` ends its listeners and
 * relays. Nothing here listens on a non-loopback address.
 */
import type { Scheduler } from "../sched/mod.ts";
import { Kernel } from "../kernel/kern/kernel.ts";
import type { ProcRef } from "../kernel/syscall/systab.ts";
import type { HostWork } from "../sched/host_work.ts";
import { type HostNet, hostNet } from "../host/host_net.ts";
import { netstack } from "../net/netstack.ts";
import { netConfigure, netinetInit } from "../net/netinet_init.ts";
import { MacAddr, parseIpv4 } from "../net/wire/mod.ts";
import type { Netdev } from "../arch/netdev/netdev.ts";
import { type DnsStats, startDns } from "./dns.ts";
import { HostFwdListener } from "./hostfwd.ts";
import type { HostFwd, UserNetPlan } from "./plan.ts";
import { newRelayStats, type RelayStats } from "./relay.ts";
import { type Nat, startNat } from "./nat.ts";
import { createHostedPlatform } from "../platform/hosted/platform.ts";

export interface GatewayOptions {
  /** The addressing plan (plan.ts's USER_NET). */
  plan: UserNetPlan;
  /** The scheduler it runs on (the guest machine's). */
  sched: Scheduler;
  /** The scheduler owner's host work queue. */
  host: HostWork;
  /**
   * The host's network for hostfwd and the NAT (default: the live one, its completions
   * posted to `host`); a recording or a replay hands its own (cli/record_net.ts).
   */
  net?: HostNet;
  /** The gateway end of the user netdev's cable. */
  port: Netdev;
  hostfwd?: HostFwd[];
  /** Guest traffic to the gateway address reaches the host's loopback (default true). */
  nat?: boolean;
  /** Names the DNS answers (image config `hosts` and `--hosts`). */
  hosts?: Record<string, string>;
  seed?: number;
  /** Console of the gateway kernel (default: discarded). */
  console?: (bytes: Uint8Array) => void;
}

export interface Gateway {
  readonly kernel: Kernel;
  /** One per hostfwd rule, in order; `addr.port` is the bound host port. */
  readonly listeners: HostFwdListener[];
  readonly relay: RelayStats;
  readonly dns: DnsStats;
  /** The outbound NAT, unless `nat: false`. */
  readonly nat: Nat | null;
  /** Frames received from and sent to the cable. */
  readonly frames: { rx: number; tx: number };
  /** Closes the host listeners, the NAT's host sockets and every relayed connection. */
  close(): void;
}

/** The gateway's delayed-ACK time in ns: Linux's TCP_DELACK_MIN. */
export const GATEWAY_DELACK = 40_000_000;

const PROC: ProcRef = { pid: 0, name: "gateway", cwd: null, umask: 0o22 };

/** Builds the gateway kernel, configures virt0, starts DNS and the hostfwd listeners. */
export function createGateway(opts: GatewayOptions): Gateway {
  const platform = createHostedPlatform({
    scheduler: opts.sched,
    host: opts.host,
    seed: opts.seed ?? 1,
    hostname: "gateway",
    memBytes: 16 * 1024 * 1024,
    console: opts.console ?? (() => {}),
  });
  const k = new Kernel(platform, { hostname: "gateway" });
  k.startThreads();
  // librumpnet + librumpnet_netinet + librumpnet_net, as the guest links them.
  const s = netinetInit(k);
  s.setUp(s.lo0, true);
  // The gateway stands for the host, and delays ACKs as Linux does (its shortest delay,
  // 40 ms; RFC 9293 §3.8.6.3 allows up to 500 ms): a relayed request carries the ACK of
  // the response before it, two segments a request-response instead of three.
  s.tcp!.engine.config.delack = GATEWAY_DELACK;
  const frames = { rx: 0, tx: 0 };

  // The interface's driver: transmit puts the frame on the cable; received frames queue
  // for the receive thread (the sender is the guest's thread, not ours).
  const rxq: Uint8Array[] = [];
  const rxMtx = k.mutex("virt0rx");
  const rxCv = k.cv("virt0rx");
  const ifp = netstack(k).attach({
    name: "virt0",
    type: "ether",
    mac: MacAddr.parse(opts.plan.gatewayMac),
    transmit: (frame) => {
      frames.tx++;
      opts.port.send(frame);
      return true;
    },
  });
  opts.port.connect({
    receive(frame) {
      frames.rx++;
      rxq.push(frame);
      rxCv.signal();
    },
  });
  k.threadCreate("virt0rx", function* () {
    for (;;) {
      yield* rxMtx.enter();
      while (rxq.length === 0) yield* rxCv.wait(rxMtx);
      rxMtx.exit();
      while (rxq.length > 0) ifp.input(rxq.shift()!);
    }
  });
  netConfigure(k, {
    ifname: "virt0",
    addr: opts.plan.gateway,
    prefixLen: opts.plan.prefixLen,
  });
  s.addAddress(ifp, parseIpv4(opts.plan.dns), opts.plan.prefixLen);

  const dns = startDns(k, PROC, opts.plan.dns, opts.hosts ?? {});
  const relay = newRelayStats();
  const net = opts.net ?? hostNet(opts.host);
  const env = { k, proc: PROC, host: opts.host, net, stats: relay };
  const listeners = (opts.hostfwd ?? []).map((f) => new HostFwdListener(env, f));
  const nat = opts.nat === false ? null : startNat({
    k,
    proc: PROC,
    host: opts.host,
    net,
    stack: s,
    gateway: parseIpv4(opts.plan.gateway),
  });
  return {
    kernel: k,
    listeners,
    relay,
    dns,
    nat,
    frames,
    close() {
      for (const l of listeners) l.close();
      nat?.close();
    },
  };
}
