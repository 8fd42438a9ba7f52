/**
 * vioif.ts — the virtio network driver (NetBSD's vioif(4), sys/dev/pci/if_vioif.c) for
 * the legacy virtio-net device, vendor 0x1AF4 product 0x1000.
 *
 * Attach: bring the transport up (virtio.ts), take the features MAC and STATUS, read the
 * MAC from the configuration, set up the receive (0) and transmit (1) queues, post
 * receive buffers, establish the interrupt, attach the ifnet (MTU 1500), DRIVER_OK. It
 * prints `vioif0: Ethernet address 52:54:00:12:34:56` after the autoconf line.
 *
 * Buffers: one DMA area per direction with a 2 KiB buffer for every descriptor of its
 * queue (the device's queue size, at most VIOIF_NBUF), as vioif fills the whole receive
 * ring; descriptor i always points at buffer i, one descriptor per packet, the 10-byte
 * virtio_net_hdr in front of the frame (all zero: no offloads were negotiated).
 *
 * Rules:
 * - Transmit copies the frame into a free transmit buffer and kicks; it reclaims
 *   completed buffers first. With none free the frame waits, copied, on the interface's
 *   send queue (NetBSD's if_snd, bounded by `ifqMaxlen`, IFQ_MAXLEN-like) and transmit
 *   interrupts are turned on; the handler reclaims buffers and moves queued frames into
 *   them in order, and turns transmit interrupts off again once the queue is empty. A new
 *   frame never overtakes queued ones. Only a frame arriving with the queue full is
 *   dropped (`ifqDrops`; ifnet gets false, ENOBUFS). `txRingFull` counts the frames that
 *   had to wait. At half the bound the ifnet is told the queue is busy (IFF_OACTIVE: TCP
 *   holds new data back), and ready again when the queue is down to an eighth. Without queued frames transmit interrupts stay off and the used ring is
 *   reaped on the next transmit and on every interrupt.
 * - The interrupt handler runs on the interrupt thread and never blocks: it reads the ISR
 *   (lowering the line), reaps the receive ring, hands each frame to if_input (which
 *   copies it) and reposts the buffer, reaps the transmit ring, and follows the link
 *   status on a configuration change.
 * - Receive work per pass is bounded (`rxProcessLimit` frames, NetBSD's
 *   rx_intr_process_limit); what is left is deferred to a callout at "now" (NetBSD defers
 *   to a softint), which takes the next batch, and so on. Between passes the machine runs
 *   other work, the device's transmit processing among it: a ring of received ACKs, each
 *   letting TCP send more, would otherwise queue more frames in one pass than the
 *   transmit ring and if_snd hold together, and drop them on a lossless link.
 *   `rxDeferred` counts the deferred passes.
 * - Nothing yields inside transmit or the handler, so they need no lock of their own.
 */
import type { Blocking } from "../kernel/hypercall/rumpuser.ts";
import type { DmaSegment } from "../kernel/hypercall/pci.ts";
import type { Kernel } from "../kernel/kern/kernel.ts";
import type { Ifnet } from "../net/if.ts";
import { ifAttach } from "../net/netstack.ts";
import { MacAddr } from "../net/wire/mod.ts";
import type { PciAttachArgs, PciDriver } from "./pci.ts";
import {
  PCI_VENDOR_QUMRANET,
  VIRTIO_CONFIG_S_ACKNOWLEDGE,
  VIRTIO_CONFIG_S_DRIVER,
  VIRTIO_CONFIG_S_NEEDS_RESET,
  VIRTIO_ISR_CONFIG,
  VIRTIO_ISR_QUEUE,
  type VirtioQueue,
  VirtioSoftc,
  VRING_DESC_F_WRITE,
} from "./virtio.ts";

export const PCI_PRODUCT_VIRTIO_NET = 0x1000;

export const VIRTIO_NET_F_MAC = 5;
export const VIRTIO_NET_F_STATUS = 16;
export const VIRTIO_NET_S_LINK_UP = 1;
export const VIRTIO_NET_HDR_LEN = 10;

/** The most buffers per direction (QEMU's default queue size), and their size. */
export const VIOIF_NBUF = 256;
export const VIOIF_BUFSIZE = 2048;

/** Frames the send queue holds by default while the transmit ring is full. */
export const VIOIF_IFQ_MAXLEN = 512;

/** Received frames one pass of the handler takes before deferring the rest. */
export const VIOIF_RX_PROCESS_LIMIT = 64;

export interface VioifStats {
  /** Frames that found every transmit buffer in use and waited on the send queue. */
  txRingFull: number;
  /** Frames dropped because the send queue was full too (if_snd's ifq_drops). */
  ifqDrops: number;
  /** The longest the send queue has been. */
  ifqMaxDepth: number;
  /** Frames too long for a transmit buffer. */
  txTooLong: number;
  /** Receive completions too short for a header or longer than the buffer. */
  rxErrors: number;
  /** Receive passes deferred because one pass reached `rxProcessLimit`. */
  rxDeferred: number;
  /** Interrupts handled, and ones that found the ISR clear (shared line). */
  intrs: number;
  strayIntrs: number;
}

export class Vioif {
  readonly stats: VioifStats = {
    txRingFull: 0,
    ifqDrops: 0,
    ifqMaxDepth: 0,
    txTooLong: 0,
    rxErrors: 0,
    rxDeferred: 0,
    intrs: 0,
    strayIntrs: 0,
  };
  ifp: Ifnet | null = null;
  mac = "";
  readonly #rxBufs: DmaSegment;
  readonly #txBufs: DmaSegment;
  /** Buffers (and descriptors in use) per direction. */
  readonly #rxCount: number;
  readonly #txCount: number;
  /** if_snd: copies of frames waiting for a transmit buffer, oldest first. */
  #snd: Uint8Array[] = [];
  #sndHead = 0;
  /** The send queue's bound (frames). */
  ifqMaxlen = VIOIF_IFQ_MAXLEN;
  /** Received frames per pass (rx_intr_process_limit). */
  rxProcessLimit = VIOIF_RX_PROCESS_LIMIT;
  /** The deferred receive pass (NetBSD's softint), armed at "now" when work is left. */
  readonly #rxMore;

  constructor(
    readonly k: Kernel,
    readonly sc: VirtioSoftc,
    readonly rxq: VirtioQueue,
    readonly txq: VirtioQueue,
    rxBufs: DmaSegment,
    txBufs: DmaSegment,
  ) {
    this.#rxBufs = rxBufs;
    this.#txBufs = txBufs;
    this.#rxCount = bufCount(rxq);
    this.#txCount = bufCount(txq);
    this.#rxMore = k.callout(`${sc.name} rx`, () => this.#queueWork());
  }

  get unit(): string {
    return this.sc.name;
  }

  /** Posts every receive buffer (descriptor i → buffer i). */
  postRxBuffers(): void {
    const pci = this.sc.pa.pci;
    for (let i = 0; i < this.#rxCount; i++) {
      const pa = pci.virt_to_mach(this.#rxBufs.va + i * VIOIF_BUFSIZE);
      this.rxq.setDesc(i, pa, VIOIF_BUFSIZE, VRING_DESC_F_WRITE);
      this.rxq.enqueue(i);
    }
    this.txq.limitDescs(this.#txCount);
    this.txq.setInterrupts(false);
  }

  /** Frames waiting on the send queue. */
  get ifqLen(): number {
    return this.#snd.length - this.#sndHead;
  }

  /**
   * if_transmit: copies `frame` into a transmit buffer, or onto the send queue while the
   * ring is full; false only when the frame is too long or the queue is full too.
   */
  transmit(frame: Uint8Array): boolean {
    if (frame.length > VIOIF_BUFSIZE - VIRTIO_NET_HDR_LEN) {
      this.stats.txTooLong++;
      return false;
    }
    this.#reapTx();
    if (this.ifqLen === 0) {
      const d = this.txq.allocDesc();
      if (d >= 0) {
        this.#load(d, frame);
        this.sc.notify(this.txq);
        return true;
      }
    } else {
      this.#drainSnd(); // room may have come back since the last interrupt
    }
    if (this.ifqLen >= this.ifqMaxlen) {
      this.stats.ifqDrops++;
      return false;
    }
    this.stats.txRingFull++;
    if (this.ifqLen === 0) this.txq.setInterrupts(true); // the transmit-complete interrupt
    this.#snd.push(frame.slice());
    this.stats.ifqMaxDepth = Math.max(this.stats.ifqMaxDepth, this.ifqLen);
    if (this.ifqLen >= this.ifqMaxlen / 2) this.ifp?.setSndBusy(true);
    return true;
  }

  /** Copies `frame` into transmit buffer `d` and makes it available to the device. */
  #load(d: number, frame: Uint8Array): void {
    const va = this.#txBufs.va + d * VIOIF_BUFSIZE;
    const mem = this.k.mem;
    mem.fill(0, va, va + VIRTIO_NET_HDR_LEN);
    mem.set(frame, va + VIRTIO_NET_HDR_LEN);
    const pa = this.sc.pa.pci.virt_to_mach(va);
    this.txq.setDesc(d, pa, VIRTIO_NET_HDR_LEN + frame.length, 0);
    this.txq.enqueue(d);
  }

  /** Moves queued frames into free transmit buffers (vioif_start from the interrupt). */
  #drainSnd(): void {
    let moved = 0;
    while (this.ifqLen > 0) {
      const d = this.txq.allocDesc();
      if (d < 0) break;
      this.#load(d, this.#snd[this.#sndHead]);
      this.#sndHead++;
      moved++;
    }
    if (this.ifqLen === 0) {
      this.#snd = [];
      this.#sndHead = 0;
      this.txq.setInterrupts(false);
    } else if (this.#sndHead > 64 && this.#sndHead * 2 > this.#snd.length) {
      this.#snd = this.#snd.slice(this.#sndHead);
      this.#sndHead = 0;
    }
    if (moved) this.sc.notify(this.txq);
    if (this.ifqLen <= this.ifqMaxlen / 8) this.ifp?.setSndBusy(false);
  }

  #reapTx(): void {
    for (let e = this.txq.dequeue(); e; e = this.txq.dequeue()) this.txq.freeDesc(e.head);
  }

  /** The interrupt handler (vioif_intr); nonzero if the device had something. */
  intr(): number {
    const isr = this.sc.readIsr();
    if (isr === 0) {
      this.stats.strayIntrs++;
      return 0;
    }
    this.stats.intrs++;
    if (isr & VIRTIO_ISR_CONFIG) this.#configChange();
    if (isr & VIRTIO_ISR_QUEUE) this.#queueWork(!this.#rxMore.pending());
    return 1;
  }

  /**
   * One pass over both rings: a bounded batch of receives (unless a deferred pass is
   * already armed: it keeps the order), then transmit completions and the send queue.
   */
  #queueWork(rx = true): void {
    if (rx) this.#rxIntr();
    this.#reapTx();
    if (this.ifqLen > 0) this.#drainSnd();
  }

  /** Takes up to `rxProcessLimit` received frames; defers the pass if more are waiting. */
  #rxIntr(): void {
    let reposted = 0;
    const mem = this.k.mem;
    let budget = this.rxProcessLimit;
    for (
      let e = budget > 0 ? this.rxq.dequeue() : null;
      e;
      e = --budget > 0 ? this.rxq.dequeue() : null
    ) {
      if (e.head >= this.#rxCount) {
        this.stats.rxErrors++;
        continue; // not one of ours: never repost it
      }
      if (e.len < VIRTIO_NET_HDR_LEN || e.len > VIOIF_BUFSIZE) {
        this.stats.rxErrors++;
        if (this.ifp) this.ifp.data.ierrors++;
      } else if (this.ifp) {
        const va = this.#rxBufs.va + e.head * VIOIF_BUFSIZE;
        this.ifp.input(mem.subarray(va + VIRTIO_NET_HDR_LEN, va + e.len));
      }
      this.rxq.enqueue(e.head);
      reposted++;
    }
    if (reposted) this.sc.notify(this.rxq);
    if (budget <= 0 && this.rxq.hasUsed()) {
      this.stats.rxDeferred++;
      this.#rxMore.schedule(0);
    }
  }

  /** Reads the link status into IFF_RUNNING; a needed reset takes the interface down. */
  #configChange(): void {
    const st = this.sc.status();
    if (st & VIRTIO_CONFIG_S_NEEDS_RESET) {
      this.k.printf(`${this.unit}: device needs a reset; interface stopped\n`);
      this.ifp?.setRunning(false);
      return;
    }
    this.updateLink();
  }

  /** Follows the configuration's link status (when STATUS was negotiated). */
  updateLink(): void {
    if (!this.sc.hasFeature(VIRTIO_NET_F_STATUS)) return;
    const up = (this.sc.configRead16(6) & VIRTIO_NET_S_LINK_UP) !== 0;
    this.ifp?.setRunning(up);
  }
}

const softcs = new WeakMap<Kernel, Map<string, Vioif>>();

/** The attached vioif units of a kernel, by name (for tests and statistics). */
export function vioifUnits(k: Kernel): Map<string, Vioif> {
  let m = softcs.get(k);
  if (!m) softcs.set(k, m = new Map());
  return m;
}

/** Buffers for queue `q`: one per descriptor, at most VIOIF_NBUF. */
function bufCount(q: VirtioQueue): number {
  return Math.min(VIOIF_NBUF, q.num);
}

function macString(b: number[]): string {
  return b.map((o) => o.toString(16).padStart(2, "0")).join(":");
}

/** vioif_attach (never waits; a generator because PciDriver.attach may). */
// deno-lint-ignore require-yield
function* attach(k: Kernel, pa: PciAttachArgs, unit: string): Blocking<void> {
  const sc = new VirtioSoftc(k, pa, unit);
  const fail = (why: string) => {
    k.printf(`${unit}: ${why}\n`);
    sc.fail();
  };
  sc.reset();
  sc.setStatus(VIRTIO_CONFIG_S_ACKNOWLEDGE);
  sc.setStatus(VIRTIO_CONFIG_S_DRIVER);
  sc.negotiate((1 << VIRTIO_NET_F_MAC) | (1 << VIRTIO_NET_F_STATUS));

  let mac: number[];
  if (sc.hasFeature(VIRTIO_NET_F_MAC)) {
    mac = Array.from({ length: 6 }, (_, i) => sc.configRead8(i));
  } else {
    // No MAC from the device: a random locally administered unicast one, as vioif does.
    const r = new Uint8Array(6);
    k.cprngBytes(r);
    r[0] = (r[0] & 0xfc) | 0x02;
    mac = [...r];
  }
  const ms = macString(mac);
  k.printf(`${unit}: Ethernet address ${ms}\n`);

  const rxq = sc.allocQueue(0, "receive");
  const txq = rxq && sc.allocQueue(1, "transmit");
  if (!rxq || !txq) return fail("cannot set up the virtqueues");
  const rxBufs = pa.pci.dmalloc(bufCount(rxq) * VIOIF_BUFSIZE, 4096);
  const txBufs = rxBufs && pa.pci.dmalloc(bufCount(txq) * VIOIF_BUFSIZE, 4096);
  if (!rxBufs || !txBufs) return fail("cannot allocate packet buffers");

  const v = new Vioif(k, sc, rxq, txq, rxBufs, txBufs);
  v.mac = ms;
  v.postRxBuffers();
  if (!sc.establishInterrupt(() => v.intr())) {
    return fail(`cannot establish the interrupt on line ${pa.intrLine}`);
  }
  v.ifp = ifAttach(k, {
    name: unit,
    type: "ether",
    mac: new MacAddr(mac),
    mtu: 1500,
    transmit: (f) => v.transmit(f),
  });
  vioifUnits(k).set(unit, v);
  // The driver's own counters (NetBSD keeps them as evcnt(9)s, vmstat -e).
  k.sysctl.register(`hw.${unit}.stats`, () => ({ ...v.stats, ifqLen: v.ifqLen }));
  sc.driverOk();
  sc.notify(rxq);
  v.updateLink();
}

/** The PCI driver: matches the transitional virtio-net function. */
export const vioifDriver: PciDriver = {
  name: "vioif",
  match(pa) {
    return pa.vendor === PCI_VENDOR_QUMRANET && pa.product === PCI_PRODUCT_VIRTIO_NET ? 1 : 0;
  },
  attach,
};
