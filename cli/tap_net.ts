/**
 * tap_net.ts — `--netdev tap:NAME` put together: the guest's virtio-net NIC plugged into a
 * Linux tap device (arch/netdev/tap.ts), with the machine's idle policy that also wakes for
 * host I/O (kernel/platform/hw/host_idle.ts), so frames Linux sends reach a halted guest
 * at once.
 *
 * Assembly only, beside user_net.ts: the tap is opened by the caller first (`openTap`, so
 * that a missing device or permission fails before the machine boots), then handed to
 * `attachTap` from `runImage`'s `onBoot`. The caller closes the tap after the run.
 *
 * Rules: the machine must be in realtime mode; frames can be captured (`pcap`) and faulted
 * (`fault`, both directions, from the seed's "tap-fault" stream): NIC ↔ pcap ↔ fault ↔ tap.
 * The guest's address is its image config's (`--net` overrides it); the host side of the
 * tap is configured by whoever runs it (`ip addr add ... dev NAME; ip link set NAME up`).
 */
import { DEFAULT_EPOCH_MS } from "../arch/machine.ts";
import { type FaultConfig, FaultFilter } from "../arch/netdev/fault.ts";
import type { Netdev } from "../arch/netdev/netdev.ts";
import { PcapFilter } from "../arch/netdev/pcap.ts";
import type { TapNetdev } from "../host/tap.ts";
import { attachVirtioNet } from "../arch/virtio/attach.ts";
import type { VirtioNet } from "../arch/virtio/net.ts";
import type { Booted } from "../platform/hw/boot.ts";
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
  fault?: FaultConfig;
}

export interface TapNet {
  tap: TapNetdev;
  nic: VirtioNet;
  fault: FaultFilter | null;
}

/** Plugs the machine's NIC into the open tap `tap` and starts reading it. */
export function attachTap(b: Booted, tap: TapNetdev, opts: TapNetOptions = {}): TapNet {
  const m = b.machine;
  const host = machineHostWork(m);
  let end: Netdev = tap;
  let fault: FaultFilter | null = null;
  if (opts.fault) {
    const prng = new Prng(opts.seed ?? 1).fork("tap-fault");
    fault = new FaultFilter(end, m.sched, prng, { label: "tap", tx: opts.fault, rx: opts.fault });
    end = fault;
  }
  if (opts.pcap) {
    end = new PcapFilter(end, m.sched, opts.pcap, { epochSec: DEFAULT_EPOCH_MS / 1000 });
  }
  const nic = attachVirtioNet(m, { mac: opts.mac ?? "52:54:00:12:34:56", netdev: end });
  m.sched.idle = hostIdle(m, host);
  tap.start(host);
  return { tap, nic, fault };
}
