/**
 * user_net.ts — `--netdev user` put together: the guest's virtio-net NIC on the user
 * netdev's cable (slirp/plan.ts), the gateway kernel on its other end (slirp/gateway.ts)
 * sharing the machine's scheduler, and the machine's idle policy that also wakes for host
 * I/O (platform/hw/host_idle.ts).
 *
 * This is assembly only, and it lives here because it is the one place allowed to join
 * the two platforms: hw may not import hosted, hosted may not import arch. Call
 * `attachUserNet` from `runImage`'s `onBoot` (after boot, before the scheduler runs; the
 * NIC is found when rump_init configures the PCI bus).
 *
 * Rules: the machine must be in realtime mode (host sockets); frames on the cable can be
 * captured (`pcap`) and faulted (`fault`, both directions, from the seed's "user-fault"
 * stream) through the one NIC chain (arch/netdev/chain.ts): NIC → pcap → fault → cable →
 * gateway; every host address is loopback.
 */
import { attachNic } from "../arch/netdev/chain.ts";
import type { FaultFilter, FaultSpec } from "../arch/netdev/fault.ts";
import { type HostFwd, USER_NET, UserNetdev } from "../slirp/plan.ts";
import type { VirtioNet } from "../arch/virtio/net.ts";
import { createGateway, type Gateway } from "../slirp/gateway.ts";
import type { Booted } from "../rumprun/boot.ts";
import { hostIdle, machineHostWork } from "../platform/hw/host_idle.ts";
import { Prng } from "../sched/mod.ts";
import type { HostWork } from "../sched/host_work.ts";
import type { HostNet } from "../host/host_net.ts";

export interface UserNetOptions {
  hostfwd?: HostFwd[];
  /** Extra DNS names (`--hosts`), over the image config's `hosts`. */
  hosts?: Record<string, string>;
  seed?: number;
  /** The guest NIC's MAC (QEMU's first NIC by default). */
  mac?: string;
  /** A capture of the cable, seen from the guest's NIC. */
  pcap?: (bytes: Uint8Array) => void;
  /** Faults between the guest's NIC and the gateway (`--loss`, `--latency`). */
  fault?: FaultSpec;
  /**
   * The host network hostfwd and the NAT use, made for the machine's host work (default:
   * the live one; `--record` and `--replay` hand their own, cli/record.ts).
   */
  net?: (work: HostWork) => HostNet;
}

export interface UserNet {
  gateway: Gateway;
  netdev: UserNetdev;
  nic: VirtioNet;
  /** The fault filter, when `fault` was given (its `stats("tx"|"rx")` count what it did). */
  fault: FaultFilter | null;
}

export function attachUserNet(b: Booted, opts: UserNetOptions = {}): UserNet {
  const m = b.machine;
  const host = machineHostWork(m);
  const netdev = new UserNetdev(m.sched);
  const { nic, fault } = attachNic(m, {
    mac: opts.mac,
    medium: netdev.guest,
    pcap: opts.pcap,
    fault: opts.fault,
    faultPrng: opts.fault ? new Prng(opts.seed ?? 1).fork("user-fault") : undefined,
    label: "user",
  });
  const gateway = createGateway({
    sched: m.sched,
    host,
    port: netdev.gateway,
    plan: USER_NET,
    hostfwd: opts.hostfwd,
    hosts: { ...b.config.hosts, ...opts.hosts },
    net: opts.net?.(host),
    seed: ((opts.seed ?? 1) + 0x9e3779b9) >>> 0,
  });
  m.sched.idle = hostIdle(m, host);
  return { gateway, netdev, nic, fault };
}
