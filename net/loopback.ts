/**
 * loopback.ts — lo0, the software loopback interface (NetBSD's net/if_loop.c): what is
 * sent on it is received on it, 127.0.0.1/8, and the path for datagrams to the host's own
 * addresses.
 *
 * Rules: output never calls input directly. Datagrams wait in a bounded queue (IFQ_MAXLEN
 * 256; beyond it they are dropped and counted as iqdrops, output returns ENOBUFS) drained
 * by a callout — the softint of a real kernel — so a reply to a looped datagram cannot
 * recurse down the call stack without bound.
 */
import { ENOBUFS } from "../kernel/kern/errno.ts";
import type { Callout } from "../kernel/kern/callout.ts";
import { IFF_UP, type Ifnet } from "./if.ts";
import { ipInput } from "./ip_input.ts";
import type { NetStack } from "./netstack.ts";
import { INADDR_LOOPBACK } from "./wire/mod.ts";

declare module "./netstack.ts" {
  interface NetStack {
    /** lo0's queue (loopback.ts; made by `loopattach`). */
    loopback: Loopback;
  }
}

/** loopattach: makes lo0, up with 127.0.0.1/8, as `stack.lo0`. */
export function loopattach(stack: NetStack): void {
  stack.loopback = new Loopback(stack);
  stack.lo0 = stack.loopback.attach();
}

/** Most datagrams waiting on lo0 (IFQ_MAXLEN). */
export const LOOP_MAXLEN = 256;

export class Loopback {
  #q: { ifp: Ifnet; pkt: Uint8Array }[] = [];
  #callout: Callout;

  constructor(readonly stack: NetStack) {
    this.#callout = stack.k.callout("loopintr", () => this.#drain());
  }

  /** Creates lo0 with 127.0.0.1/8, up (loopattach + the rc.d configuration). */
  attach(): Ifnet {
    const ifp = this.stack.attach({ name: "lo0", type: "loop", transmit: () => true });
    ifp.linkOutput = (i, pkt) => this.output(i, pkt);
    ifp.flags |= IFF_UP;
    this.stack.addAddress(ifp, INADDR_LOOPBACK, 8);
    return ifp;
  }

  /** looutput: queues `pkt` to be received on `ifp`. */
  output(ifp: Ifnet, pkt: Uint8Array): number {
    if (this.#q.length >= LOOP_MAXLEN) {
      ifp.data.iqdrops++;
      ifp.data.oerrors++;
      return ENOBUFS;
    }
    ifp.data.opackets++;
    ifp.data.obytes += pkt.length;
    this.#q.push({ ifp, pkt });
    if (!this.#callout.pending()) this.#callout.schedule(0);
    return 0;
  }

  /** Queued datagrams (for tests and netstat). */
  get queued(): number {
    return this.#q.length;
  }

  #drain(): void {
    // Take only what is queued now: what the input path loops back waits for the next run.
    const batch = this.#q;
    this.#q = [];
    for (const { ifp, pkt } of batch) {
      ifp.data.ipackets++;
      ifp.data.ibytes += pkt.length;
      ipInput(this.stack, ifp, pkt, false);
    }
  }
}
