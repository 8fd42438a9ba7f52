/**
 * tap_net.ts — `--netdev tap:NAME` put together: the guest's virtio-net NIC plugged into a
 * Linux tap device (host/tap.ts), with the machine's idle policy that also wakes for host
 * I/O (platform/hw/host_idle.ts), so frames Linux sends reach a halted guest at once.
 *
 * Assembly only, beside user_net.ts: the tap is opened by the caller first (`openTap`, so
 * that a missing device or permission fails before the machine boots), then handed to
 * `attachTap` from `runImage`'s `onBoot`. The caller closes the tap after the run.
 *
 * Rules: the machine must be in realtime mode; frames can be captured (`pcap`) and faulted
 * (`fault`, both directions, from the seed's "tap-fault" stream) through the one NIC chain
 * (arch/netdev/chain.ts): NIC → pcap → fault → tap.
 * The guest's address is its image config's (`--net` overrides it); the host side of the
 * tap is configured by whoever runs it (`ip addr add ... dev NAME; ip link set NAME up`).
 */
import { attachNic } from "../arch/netdev/chain.ts";
import type { FaultFilter, FaultSpec } from "../arch/netdev/fault.ts";
import type { TapNetdev } from "../host/tap.ts";
import type { Netdev } from "../arch/netdev/netdev.ts";
import type { VirtioNet } from "../arch/virtio/net.ts";
import type { Booted } from "../rumprun/boot.ts";
import { hostIdle, machineHostWork } from "../platform/hw/host_idle.ts";
import { Prng } from "../sched/mod.ts";

export { openTap, TapError } from "../host/tap.ts";

export interface TapNetOptions {
  seed?: number;
  /** The guest NIC's MAC (QEMU's first NIC by default). */
  mac?: string;
  /** A capture of the cable, seen from the guest's NIC. */
  pcap?: (bytes: Uint8Array) => void;
  /** Faults between the guest's NIC and the tap (`--loss`, `--latency`). */
  fault?: FaultSpec;
}

export interface TapNet {
  tap: TapNetdev | null;
  nic: VirtioNet;
  fault: FaultFilter | null;
}

/**
 * Plugs the machine's NIC into the open tap `tap` and starts reading it. `medium` is what
 * the NIC sees of it (a recording's logging wrapper); a replay passes no tap at all.
 */
export function attachTap(
  b: Booted,
  tap: TapNetdev | null,
  opts: TapNetOptions = {},
  medium: Netdev = tap!,
): TapNet {
  const m = b.machine;
  const host = machineHostWork(m);
  const { nic, fault } = attachNic(m, {
    mac: opts.mac,
    medium,
    pcap: opts.pcap,
    fault: opts.fault,
    faultPrng: opts.fault ? new Prng(opts.seed ?? 1).fork("tap-fault") : undefined,
    label: "tap",
  });
  m.sched.idle = hostIdle(m, host);
  tap?.start(host);
  return { tap, nic, fault };
}
