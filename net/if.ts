/**
 * if.ts — network interfaces (NetBSD's struct ifnet and struct ifaddr): name, link
 * address, MTU, flags, IPv4 addresses with netmasks, counters, and the two hooks every
 * interface has: `input` (the driver hands up a received frame) and `output` (the
 * protocols hand down an IP datagram for a next hop).
 *
 * Rules:
 *   - `input(frame)` is called from a driver's interrupt handler: it never blocks, and it
 *     copies the frame before anything keeps it (the driver reuses its buffer).
 *   - `output(pkt, nexthop)` never blocks; it returns 0 or an errno (NetBSD's int error).
 *     The datagram it is given belongs to the interface from then on.
 *   - The driver gives its transmit function at attach (`IfAttachArgs.transmit`); it
 *     returns false when the frame could not be queued (counted as oerrors).
 *   - A driver whose send queue fills up sets `sndBusy` (NetBSD's IFF_OACTIVE, "output
 *     queue full") and calls `sndReady()` once it has drained it: senders that can wait
 *     (TCP's new data) hold back while it is set and are restarted by `onSndReady`, so a
 *     lossless link is not made lossy by a burst larger than the queue (Linux's TCP small
 *     queues do the same for a qdisc).
 *   - Which link layer runs (Ethernet, loopback) is chosen at attach by the stack, which
 *     sets `linkInput`/`linkOutput` (ether_ifattach / loopattach fill if_input/if_output).
 */
import { ENETDOWN, ENOBUFS } from "../kernel/kern/errno.ts";
import { FrameSlab } from "./frame_slab.ts";
import {
  formatIpv4,
  type Ipv4Addr,
  type MacAddr,
  prefixToNetmask,
  subnetBroadcast,
} from "./wire/mod.ts";

/** Interface flags (net/if.h). */
export const IFF_UP = 0x0001;
export const IFF_BROADCAST = 0x0002;
export const IFF_LOOPBACK = 0x0008;
export const IFF_RUNNING = 0x0040;
export const IFF_MULTICAST = 0x8000;

/** Interface types (net/if_types.h). */
export const IFT_ETHER = 0x06;
export const IFT_LOOP = 0x18;

/** One IPv4 address of an interface (struct in_ifaddr). */
export interface IfAddr {
  addr: Ipv4Addr;
  prefixLen: number;
  netmask: Ipv4Addr;
  /** Directed broadcast address (0 on loopback and /31, /32). */
  broadaddr: Ipv4Addr;
}

/** Interface counters (struct if_data). */
export interface IfData {
  ipackets: number;
  ierrors: number;
  opackets: number;
  oerrors: number;
  ibytes: number;
  obytes: number;
  iqdrops: number;
  collisions: number;
  /** Frames of a protocol (EtherType) nobody handles. */
  noproto: number;
}

/** What a driver passes to ifAttach. */
export interface IfAttachArgs {
  /** vioif0, shmif0, lo0, ... */
  name: string;
  /** "ether" for Ethernet drivers; "loop" is the stack's own lo0. */
  type: "ether" | "loop";
  /** The link address (Ethernet). */
  mac?: MacAddr;
  /** Default 1500 for Ethernet, 33184 for loopback (NetBSD LOMTU). */
  mtu?: number;
  /** Sends one frame; false when it could not be queued. Must not block. */
  transmit: (frame: Uint8Array) => boolean | void;
}

export class Ifnet {
  readonly name: string;
  readonly type: number;
  readonly mac: MacAddr | null;
  mtu: number;
  flags: number;
  /** The interface index (if_index), from 1. */
  index = 0;
  readonly addrs: IfAddr[] = [];
  readonly data: IfData = {
    ipackets: 0,
    ierrors: 0,
    opackets: 0,
    oerrors: 0,
    ibytes: 0,
    obytes: 0,
    iqdrops: 0,
    collisions: 0,
    noproto: 0,
  };
  /** The driver's transmit function. */
  readonly transmit: (frame: Uint8Array) => boolean | void;
  /** Link-layer input (ether_input); set by the stack at attach. */
  linkInput: (ifp: Ifnet, frame: Uint8Array) => void = () => {};
  /** Link-layer output (ether_output / looutput); set by the stack at attach. */
  linkOutput: (ifp: Ifnet, pkt: Uint8Array, nexthop: Ipv4Addr) => number = () => 0;
  /** Told when an address is added (gratuitous ARP) or the interface comes up. */
  onConfigure: (ifp: Ifnet) => void = () => {};
  /** Where input copies frames (cheaper than an ArrayBuffer per frame). */
  readonly #rxSlab = new FrameSlab();
  /** The driver's send queue is past its high-water mark (IFF_OACTIVE). */
  sndBusy = false;
  /** Told when the driver has drained its send queue again; set by the stack. */
  onSndReady: (ifp: Ifnet) => void = () => {};

  constructor(args: IfAttachArgs) {
    this.name = args.name;
    this.type = args.type === "loop" ? IFT_LOOP : IFT_ETHER;
    this.mac = args.mac ?? null;
    this.mtu = args.mtu ?? (args.type === "loop" ? 33184 : 1500);
    this.flags = args.type === "loop"
      ? IFF_LOOPBACK | IFF_MULTICAST | IFF_RUNNING
      : IFF_BROADCAST | IFF_MULTICAST | IFF_RUNNING;
    this.transmit = args.transmit;
  }

  /** if_input: a frame from the driver. Copies it; never blocks. */
  input(frame: Uint8Array): void {
    if (!(this.flags & IFF_UP)) {
      this.data.iqdrops++;
      return;
    }
    this.data.ipackets++;
    this.data.ibytes += frame.length;
    this.linkInput(this, this.#rxSlab.copy(frame));
  }

  /** if_output: an IP datagram to `nexthop`; 0 or an errno. */
  output(pkt: Uint8Array, nexthop: Ipv4Addr): number {
    if ((this.flags & (IFF_UP | IFF_RUNNING)) !== (IFF_UP | IFF_RUNNING)) return ENETDOWN;
    return this.linkOutput(this, pkt, nexthop);
  }

  /** Hands a finished frame to the driver, counting it. */
  sendFrame(frame: Uint8Array): number {
    if (this.transmit(frame) === false) {
      this.data.oerrors++;
      return ENOBUFS;
    }
    this.data.opackets++;
    this.data.obytes += frame.length;
    return 0;
  }

  /** The driver: its send queue is full past `sndBusy`'s mark (true) or drained (false). */
  setSndBusy(busy: boolean): void {
    if (busy === this.sndBusy) return;
    this.sndBusy = busy;
    if (!busy) this.onSndReady(this);
  }

  isUp(): boolean {
    return (this.flags & IFF_UP) !== 0;
  }

  /** The driver reports link state (IFF_RUNNING). */
  setRunning(on: boolean): void {
    this.flags = on ? this.flags | IFF_RUNNING : this.flags & ~IFF_RUNNING;
  }

  /** The first address (the one used as a source by default), or null. */
  primaryAddr(): IfAddr | null {
    return this.addrs[0] ?? null;
  }

  /** True if `a` is one of this interface's addresses. */
  hasAddr(a: Ipv4Addr): boolean {
    const addrs = this.addrs;
    for (let i = 0; i < addrs.length; i++) if (addrs[i].addr === a) return true;
    return false;
  }

  /** True if `a` is a broadcast address on this interface (directed or limited). */
  isBroadcastFor(a: Ipv4Addr): boolean {
    if (a === 0xffffffff) return true;
    if (!(this.flags & IFF_BROADCAST)) return false;
    const addrs = this.addrs;
    for (let i = 0; i < addrs.length; i++) {
      if (addrs[i].broadaddr !== 0 && addrs[i].broadaddr === a) return true;
    }
    return false;
  }

  /** A one-line summary, like ifconfig's. */
  describe(): string {
    const addrs = this.addrs.map((ia) => `${formatIpv4(ia.addr)}/${ia.prefixLen}`).join(" ");
    return `${this.name}: flags=0x${this.flags.toString(16)} mtu ${this.mtu}` +
      (this.mac ? ` address ${this.mac}` : "") + (addrs ? ` inet ${addrs}` : "");
  }
}

/** Makes the IfAddr record for `addr`/`prefixLen` on an interface of `flags`. */
export function makeIfAddr(addr: Ipv4Addr, prefixLen: number, flags: number): IfAddr {
  const netmask = prefixToNetmask(prefixLen);
  const broadaddr = (flags & IFF_BROADCAST) && prefixLen < 31
    ? subnetBroadcast(addr, prefixLen)
    : 0;
  return { addr, prefixLen, netmask, broadaddr };
}
