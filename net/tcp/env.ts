/**
 * env.ts — the narrow environment a TcpStack runs in: a clock, randomness, the IP output
 * path, kernel callouts, memory accounting and the route MTU.
 *
 * Rules: the engine reaches nothing else. Time is monotonic nanoseconds; timers are
 * callout(9)-like (re-arming a pending timer moves it; a fired timer's function runs
 * outside any engine call and must not block). `output` hands one segment to the IP layer,
 * which emits it (header, options, payload, checksum) before returning: `seg` and
 * `seg.payload` are valid only during the call (the payload may be a view into a send
 * buffer). `reserve`/`release` account buffer bytes against guest memory; a refused
 * reservation is ENOBUFS for a sender and a dropped segment for a receiver.
 */
import type { Ipv4Addr } from "../wire/addr.ts";
import type { TcpRepr } from "../wire/tcp.ts";

/** A kernel callout as the engine sees it. */
export interface TcpTimer {
  /** (Re)arms the timer `delayNs` from now. */
  schedule(delayNs: number): void;
  /** Disarms it. */
  stop(): void;
  pending(): boolean;
}

export interface TcpEnv {
  /** Monotonic nanoseconds. */
  now(): number;
  /** A random unsigned 32-bit number (secrets, ISN offsets, ephemeral ports). */
  random32(): number;
  /** Sends one segment from `src` to `dst` (the IP layer fills the checksum). */
  output(seg: TcpRepr, src: Ipv4Addr, dst: Ipv4Addr): void;
  /** A timer that calls `fn` when it fires. */
  timer(name: string, fn: () => void): TcpTimer;
  /** The MTU of the route to `dst` (1500 on Ethernet); the MSS offered is this − 40. */
  mtu(dst: Ipv4Addr): number;
  /**
   * True while the interface toward `dst` has its send queue full past its mark
   * (IFF_OACTIVE): new data waits, and the engine's `sndReady` restarts it. Absent: never.
   */
  sndBusy?(dst: Ipv4Addr): boolean;
  /** Accounts `bytes` of buffer memory; false when guest memory is full (ENOBUFS). */
  reserve(bytes: number): boolean;
  /** Returns bytes accounted by `reserve`. */
  release(bytes: number): void;
}
