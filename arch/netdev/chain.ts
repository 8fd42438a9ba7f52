/**
 * chain.ts — the one way a NIC meets its medium: NIC → pcap → fault → medium, used by
 * every netdev (the user network's cable, a tap device, a world's wire or switch).
 *
 *   attachNic(m, { mac, medium, pcap, fault, faultPrng, label })
 *
 * The capture sits next to the NIC, so it shows what the guest sent and what reached it
 * after faults; its timestamps are the machine's wall clock (its power-on time plus the
 * scheduler's clock: the fixed epoch in virtual time, the host's time in realtime). The
 * fault filter draws from the stream it is given (`faultPrng`, a fork of the run's seed)
 * and applies the same faults in both directions, or its own to each (`{ tx, rx }`).
 *
 * Rules: only plugging; nothing here reads host time, and a chain without pcap or fault
 * is the NIC on the medium directly.
 */
import type { Prng } from "../../sched/mod.ts";
import type { Machine } from "../machine.ts";
import { attachVirtioNet } from "../virtio/attach.ts";
import type { VirtioNet } from "../virtio/net.ts";
import { faultDirections, FaultFilter, type FaultSpec } from "./fault.ts";
import type { Netdev } from "./netdev.ts";
import { PcapFilter } from "./pcap.ts";

export interface NicChainOptions {
  /** The NIC's MAC; QEMU's first NIC (52:54:00:12:34:56) by default. */
  mac?: string;
  /** What the cable ends in: a wire's end, a switch port, a tap, the user network's cable. */
  medium: Netdev;
  /** libpcap bytes of every frame at the NIC. */
  pcap?: (bytes: Uint8Array) => void;
  /** Faults between the NIC and the medium: both directions, or `{ tx, rx }`. */
  fault?: FaultSpec;
  /** The fault filter's random stream (required with `fault`). */
  faultPrng?: Prng;
  /** The fault filter's name in its stats ("wire", "user", "tap"). */
  label?: string;
}

export interface NicChain {
  nic: VirtioNet;
  /** The fault filter, when `fault` was given (its `stats("tx"|"rx")` count what it did). */
  fault: FaultFilter | null;
  pcap: PcapFilter | null;
}

/** Plugs a virtio-net NIC into `m` and connects it through the chain to `o.medium`. */
export function attachNic(m: Machine, o: NicChainOptions): NicChain {
  let end = o.medium;
  let fault: FaultFilter | null = null;
  if (o.fault) {
    if (!o.faultPrng) throw new Error("attachNic: a fault needs its random stream");
    fault = new FaultFilter(end, m.sched, o.faultPrng, {
      label: o.label,
      ...faultDirections(o.fault),
    });
    end = fault;
  }
  let pcap: PcapFilter | null = null;
  if (o.pcap) {
    pcap = new PcapFilter(end, m.sched, o.pcap, { epochSec: m.epochMs / 1000 });
    end = pcap;
  }
  const nic = attachVirtioNet(m, { mac: o.mac ?? "52:54:00:12:34:56", netdev: end });
  return { nic, fault, pcap };
}
