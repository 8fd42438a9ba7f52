/**
 * virtif.ts — the virtif hypercalls (rumpuser virtif): a network interface whose far end
 * is the platform's own packet path (a tap device, or the hosted gateway's relay).
 *
 * Types only. Frames are whole Ethernet frames without FCS.
 */

export interface VirtifUser {
  readonly name: string;
}

/** Delivers one received frame into the kernel (rump_virtif_pktdeliver). */
export type VirtifDeliver = (frame: Uint8Array) => void;

export interface RumpVirtif {
  /** Opens the backend `devstr`; frames arriving call `deliver`. Null or errno on failure. */
  create(devstr: string, deliver: VirtifDeliver): VirtifUser | number;
  /** Sends one frame (the iovec concatenated). */
  send(viu: VirtifUser, frame: Uint8Array): void;
  dying(viu: VirtifUser): void;
  destroy(viu: VirtifUser): void;
}
