/**
 * kernel_env.ts — the TcpEnv of a rump kernel: nanotime for the clock, cprng for
 * randomness, callouts for timers, kernel memory for buffer accounting.
 *
 * Rules: the IP layer supplies `output` and `mtu` (it owns routes and interfaces).
 * Buffered bytes are backed by real kernel memory, as mbuf clusters would be: reservations
 * are rounded up to 16 KiB chunks taken with kmemAlloc and given back with kmemFree once
 * two chunks stand unused (all of them once TCP buffers nothing), so a full guest gives
 * ENOBUFS rather than a host crash.
 * `maxBufferBytes` caps TCP's share (NetBSD's sb_max-like limit).
 */
import type { Kernel } from "../../kernel/kern/kernel.ts";
import type { Ipv4Addr } from "../wire/addr.ts";
import type { TcpRepr } from "../wire/tcp.ts";
import type { TcpEnv, TcpTimer } from "./env.ts";

const CHUNK = 16 * 1024;

export interface KernelTcpEnvOptions {
  output(seg: TcpRepr, src: Ipv4Addr, dst: Ipv4Addr): void;
  /** Route MTU; 1500 if not given. */
  mtu?(dst: Ipv4Addr): number;
  /** Whether the interface toward `dst` is busy (TcpEnv.sndBusy); never if not given. */
  sndBusy?(dst: Ipv4Addr): boolean;
  /** Most buffer bytes all of TCP may hold (default: only kernel memory limits it). */
  maxBufferBytes?: number;
}

/** A TcpEnv over `k`; `inUse()` reports the buffer bytes accounted. */
export function kernelTcpEnv(k: Kernel, o: KernelTcpEnvOptions): TcpEnv & { inUse(): number } {
  let used = 0;
  const chunks: number[] = [];
  const cap = o.maxBufferBytes ?? Infinity;
  return {
    now: () => k.nanotime(),
    random32: () => k.cprng32(),
    output: o.output,
    mtu: o.mtu ?? (() => 1500),
    sndBusy: o.sndBusy,
    // A callout is a TcpTimer as it is (no wrapper: a connection has five).
    timer: (name: string, fn: () => void): TcpTimer => k.callout(name, fn),
    reserve(bytes: number): boolean {
      if (used + bytes > cap) return false;
      while (chunks.length * CHUNK < used + bytes) {
        const a = k.kmemAlloc(CHUNK, 8);
        if (a === 0) return false;
        chunks.push(a);
      }
      used += bytes;
      return true;
    },
    release(bytes: number): void {
      used = Math.max(0, used - bytes);
      // Two spare chunks are kept against churn, none once nothing is buffered at all.
      while (chunks.length > 0 && (used === 0 || (chunks.length - 2) * CHUNK >= used)) {
        k.kmemFree(chunks.pop()!, CHUNK);
      }
    },
    inUse: () => used,
  };
}
