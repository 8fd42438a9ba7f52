/**
 * pcap.ts — a filter that records every frame passing through it, both directions, in
 * the libpcap file format (QEMU's `-object filter-dump`; the format as libpcap writes it,
 * see pcap-savefile(5) and draft-ietf-opsawg-pcap):
 *
 *   global header (24 bytes): magic 0xa1b23c4d (nanosecond timestamps), version 2.4,
 *     thiszone 0, sigfigs 0, snaplen, network 1 (LINKTYPE_ETHERNET)
 *   per frame (16 bytes + data): ts_sec, ts_nsec, incl_len, orig_len
 *
 * all little-endian (the magic tells readers the byte order).
 *
 * Rules: timestamps come from the scheduler's clock — virtual time in a virtual run, so
 * the same run gives the same file byte for byte — plus an optional fixed epoch (the
 * machine's power-on wall time). Bytes go to a sink the caller gives
 * (the CLI writes a file, tests collect them): the global header on construction, then
 * one record per frame. One pcap filter is one file; frames are recorded, not changed.
 */
import type { Scheduler } from "../../sched/mod.ts";
import type { Netdev, NetPort } from "./netdev.ts";

export const PCAP_MAGIC_NS = 0xa1b23c4d;
export const PCAP_VERSION_MAJOR = 2;
export const PCAP_VERSION_MINOR = 4;
export const LINKTYPE_ETHERNET = 1;
export const PCAP_DEFAULT_SNAPLEN = 65535;
export const PCAP_GLOBAL_HEADER_LEN = 24;
export const PCAP_RECORD_HEADER_LEN = 16;

/** The 24-byte global header. */
export function pcapGlobalHeader(snaplen = PCAP_DEFAULT_SNAPLEN): Uint8Array {
  const b = new Uint8Array(PCAP_GLOBAL_HEADER_LEN);
  const v = new DataView(b.buffer);
  v.setUint32(0, PCAP_MAGIC_NS, true);
  v.setUint16(4, PCAP_VERSION_MAJOR, true);
  v.setUint16(6, PCAP_VERSION_MINOR, true);
  v.setInt32(8, 0, true); // thiszone
  v.setUint32(12, 0, true); // sigfigs
  v.setUint32(16, snaplen, true);
  v.setUint32(20, LINKTYPE_ETHERNET, true);
  return b;
}

/** One record: header and at most `snaplen` bytes of the frame, stamped `epochSec` s + `tsNs` ns. */
export function pcapRecord(
  tsNs: number,
  frame: Uint8Array,
  snaplen = PCAP_DEFAULT_SNAPLEN,
  epochSec = 0,
): Uint8Array {
  const incl = Math.min(frame.length, snaplen);
  const b = new Uint8Array(PCAP_RECORD_HEADER_LEN + incl);
  const v = new DataView(b.buffer);
  const sec = Math.floor(tsNs / 1e9);
  v.setUint32(0, epochSec + sec, true);
  v.setUint32(4, Math.floor(tsNs - sec * 1e9), true);
  v.setUint32(8, incl, true);
  v.setUint32(12, frame.length, true);
  b.set(frame.subarray(0, incl), PCAP_RECORD_HEADER_LEN);
  return b;
}

export interface PcapOptions {
  snaplen?: number;
  /** Whole seconds added to every timestamp (the machine's power-on wall time, so records show a date). Default 0. */
  epochSec?: number;
}

export class PcapFilter implements Netdev {
  readonly snaplen: number;
  readonly epochSec: number;
  /** Frames recorded going out (NIC → medium) and coming in (medium → NIC). */
  out = 0;
  in = 0;
  readonly #inner: Netdev;
  readonly #sched: Scheduler;
  readonly #sink: (bytes: Uint8Array) => void;

  constructor(
    inner: Netdev,
    sched: Scheduler,
    sink: (bytes: Uint8Array) => void,
    opts: PcapOptions = {},
  ) {
    this.snaplen = opts.snaplen ?? PCAP_DEFAULT_SNAPLEN;
    this.epochSec = Math.floor(opts.epochSec ?? 0);
    this.#inner = inner;
    this.#sched = sched;
    this.#sink = sink;
    sink(pcapGlobalHeader(this.snaplen));
  }

  connect(port: NetPort): void {
    this.#inner.connect({
      receive: (f) => {
        this.in++;
        this.#record(f);
        port.receive(f);
      },
    });
  }

  send(frame: Uint8Array): void {
    this.out++;
    this.#record(frame);
    this.#inner.send(frame);
  }

  #record(frame: Uint8Array): void {
    this.#sink(pcapRecord(this.#sched.clock.now(), frame, this.snaplen, this.epochSec));
  }
}
