/**
 * net.ts — the virtio network device (virtio 1.0 §5.1, legacy interface): receive queue
 * 0, transmit queue 1, no control queue. Features offered: VIRTIO_NET_F_MAC (5) and
 * VIRTIO_NET_F_STATUS (16) — no offloads, no mergeable receive buffers. Configuration:
 * mac[6], then status u16 (VIRTIO_NET_S_LINK_UP). Every frame in either direction is
 * prefixed by the 10-byte legacy header struct virtio_net_hdr {flags u8, gso_type u8,
 * hdr_len u16, gso_size u16, csum_start u16, csum_offset u16} (§5.1.6).
 *
 * Rules:
 * - Transmit: a notify on queue 1 schedules processing as an event "now", so device work
 *   never runs inside the driver's port write. Each chain's readable bytes are the header
 *   and the frame; the header is stripped and the frame handed to the netdev (a view of
 *   guest RAM when it lies in one descriptor — netdevs copy what they keep); the chain
 *   goes back with length 0. A chain shorter than the header is a transmit error.
 * - Receive: a frame from the netdev goes into the next posted receive buffer (a zeroed
 *   header, then the frame). With no buffer posted it is dropped and counted as an
 *   overrun, as a real NIC's FIFO overflows; a buffer too small for it stays posted and
 *   the frame is dropped (rxTooBig).
 * - Nothing moves until the driver has set DRIVER_OK, nor while the device needs a reset;
 *   with the link down frames are dropped both ways. Everything is counted in `stats`.
 */
import type { Scheduler } from "../../sched/mod.ts";
import type { Netdev } from "../netdev/netdev.ts";
import { formatMac, parseMac } from "../netdev/netdev.ts";
import type { PciFunction } from "../pci.ts";
import type { Ram } from "../ram.ts";
import { VIRTIO_ID_NET, type VirtioDeviceModel, VirtioPciTransport } from "./pci_transport.ts";

export const VIRTIO_NET_F_MAC = 5;
export const VIRTIO_NET_F_STATUS = 16;
export const VIRTIO_NET_S_LINK_UP = 1;
/** The legacy header without mergeable buffers. */
export const VIRTIO_NET_HDR_LEN = 10;
export const VIRTIO_NET_RXQ = 0;
export const VIRTIO_NET_TXQ = 1;
/** The configuration: mac[6], status u16. */
export const VIRTIO_NET_CONFIG_SIZE = 8;

export interface VirtioNetOptions {
  ram: Ram;
  sched: Scheduler;
  /** "52:54:00:12:34:56" or six octets. */
  mac: string | Uint8Array;
  /** Entries per queue; default 256 (QEMU's). */
  queueSize?: number;
  /** Link state at power-on; default up. */
  linkUp?: boolean;
}

export interface VirtioNetStats {
  txFrames: number;
  txBytes: number;
  /** Chains too short for the header. */
  txErrors: number;
  /** Frames not sent: link down or no netdev. */
  txDropped: number;
  rxFrames: number;
  rxBytes: number;
  /** Frames dropped because no receive buffer was posted. */
  rxOverruns: number;
  /** Frames dropped because the next buffer was too small. */
  rxTooBig: number;
  /** Frames dropped because the driver was not ready or the link was down. */
  rxDropped: number;
}

export class VirtioNet implements VirtioDeviceModel {
  readonly type = VIRTIO_ID_NET;
  readonly classCode = 0x020000;
  readonly queueSizes: readonly number[];
  readonly hostFeatures = ((1 << VIRTIO_NET_F_MAC) | (1 << VIRTIO_NET_F_STATUS)) >>> 0;
  readonly configSize = VIRTIO_NET_CONFIG_SIZE;
  readonly transport: VirtioPciTransport;
  readonly mac: Uint8Array;
  readonly stats: VirtioNetStats = {
    txFrames: 0,
    txBytes: 0,
    txErrors: 0,
    txDropped: 0,
    rxFrames: 0,
    rxBytes: 0,
    rxOverruns: 0,
    rxTooBig: 0,
    rxDropped: 0,
  };
  #linkUp: boolean;
  #netdev: Netdev | null = null;
  #txPending = false;
  readonly #sched: Scheduler;
  readonly #hdr = new Uint8Array(VIRTIO_NET_HDR_LEN);

  constructor(opts: VirtioNetOptions) {
    this.mac = typeof opts.mac === "string" ? parseMac(opts.mac) : Uint8Array.from(opts.mac);
    if (this.mac.length !== 6) {
      throw new Error(`a MAC address has 6 octets, not ${this.mac.length}`);
    }
    this.#sched = opts.sched;
    this.#linkUp = opts.linkUp ?? true;
    const n = opts.queueSize ?? 256;
    this.queueSizes = [n, n];
    this.transport = new VirtioPciTransport(opts.ram, this);
  }

  /** The PCI function to plug into a slot. */
  get pci(): PciFunction {
    return this.transport.fn;
  }

  get macString(): string {
    return formatMac(this.mac);
  }

  get linkUp(): boolean {
    return this.#linkUp;
  }

  /** Plugs the NIC's cable into `netdev`. */
  attach(netdev: Netdev): void {
    this.#netdev = netdev;
    netdev.connect({ receive: (f) => this.receive(f) });
  }

  /** Sets the link state; the driver hears of it through a configuration interrupt. */
  setLink(up: boolean): void {
    if (up === this.#linkUp) return;
    this.#linkUp = up;
    if (this.transport.live && this.transport.hasFeature(VIRTIO_NET_F_STATUS)) {
      this.transport.configInterrupt();
    }
  }

  configRead(offset: number): number {
    if (offset < 6) return this.mac[offset];
    const status = this.#linkUp ? VIRTIO_NET_S_LINK_UP : 0;
    return offset === 6 ? status & 0xff : status >> 8;
  }

  notify(q: number): void {
    if (q === VIRTIO_NET_TXQ) this.#scheduleTx();
    // Receive buffers posted: frames that found none were already dropped.
  }

  reset(): void {
    this.#txPending = false;
  }

  driverOk(): void {
    this.#scheduleTx();
  }

  #scheduleTx(): void {
    if (this.#txPending) return;
    this.#txPending = true;
    this.#sched.events.at(this.#sched.clock.now(), () => {
      this.#txPending = false;
      this.#transmit();
    });
  }

  #transmit(): void {
    const t = this.transport;
    if (!t.live) return;
    const q = t.queues[VIRTIO_NET_TXQ];
    let done = 0;
    for (let c = q.pop(); c; c = q.pop()) {
      if (c.readLen < VIRTIO_NET_HDR_LEN) {
        this.stats.txErrors++;
      } else if (!this.#linkUp || !this.#netdev) {
        this.stats.txDropped++;
      } else {
        // A view of guest RAM where it can be: the netdev copies what it keeps.
        const frame = q.readView(c, VIRTIO_NET_HDR_LEN);
        this.stats.txFrames++;
        this.stats.txBytes += frame.length;
        this.#netdev.send(frame);
      }
      q.push(c.head, 0);
      done++;
    }
    if (done) t.queueInterrupt(VIRTIO_NET_TXQ);
  }

  /** A frame from the netdev: into the next posted receive buffer, or dropped. */
  receive(frame: Uint8Array): void {
    const t = this.transport;
    if (!t.live || !this.#linkUp) {
      this.stats.rxDropped++;
      return;
    }
    const q = t.queues[VIRTIO_NET_RXQ];
    const c = q.pop();
    if (!c) {
      this.stats.rxOverruns++;
      return;
    }
    const need = VIRTIO_NET_HDR_LEN + frame.length;
    if (c.writeLen < need) {
      q.unpop();
      this.stats.rxTooBig++;
      return;
    }
    q.write(c, this.#hdr);
    q.write(c, frame, VIRTIO_NET_HDR_LEN);
    q.push(c.head, need);
    this.stats.rxFrames++;
    this.stats.rxBytes += frame.length;
    t.queueInterrupt(VIRTIO_NET_RXQ);
  }
}
