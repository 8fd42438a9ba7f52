/**
 * disk_faults.ts — `--fault blk:...` on the `--blk` disks: each host disk's backend is
 * wrapped in the fault injector (arch/virtio/blk_fault.ts: EIO on sector ranges, torn
 * writes) and attached with the asked latency, in the slots and on the lines blk.ts uses.
 *
 * Rules: the same faults on every `--blk` disk, each disk with its own random stream
 * forked from the run's seed ("blk-fault/N"); the host files are never touched otherwise.
 */
import { attachVirtioBlk, VIRTIO_BLK_PCI_SLOT } from "../arch/virtio/attach.ts";
import { type BlkFaultConfig, FaultyBlkBackend } from "../arch/virtio/blk_fault.ts";
import { Prng } from "../sched/mod.ts";
import { BLK_IRQS, type HostDisk } from "./blk.ts";

/** `disk` with its backends behind the fault injector. */
export function withDiskFaults(disk: HostDisk, cfg: BlkFaultConfig, seed: number): HostDisk {
  return {
    image: disk.image,
    backends: disk.backends,
    attach: (m) =>
      disk.backends.forEach((inner, i) =>
        void attachVirtioBlk(m, {
          backend: new FaultyBlkBackend(inner, new Prng(seed).fork(`blk-fault/${i}`), cfg),
          slot: VIRTIO_BLK_PCI_SLOT + i,
          irq: BLK_IRQS[i],
          latencyNs: cfg.latencyNs,
        })
      ),
    close: () => disk.close(),
  };
}
