/**
 * protocol.ts — the messages between the page (page.ts, main thread) and the machine's
 * worker (machine_worker.ts), both directions.
 *
 * Rules: plain structured-cloneable data only; bytes travel as Uint8Array. One worker
 * runs one machine (or one world) once: a second Boot makes a new worker.
 */
import type { PacketRow } from "./packets.ts";

/** The packet list shows this many frames; the pcap has them all. */
export const MAX_ROWS = 2000;

/** How a run is asked for: the image's worker is chosen by the page, the rest is here. */
export interface BootRequest {
  type: "boot";
  seed: number;
  /** Run on the browser's clock (interactive images) instead of virtual time. */
  realtime: boolean;
  /** Drop probability per frame on the wire (0..1), both directions. */
  loss: number;
  /** One-way latency added on the wire, ms. */
  latencyMs: number;
}

export type ToWorker =
  | BootRequest
  /** Typed keys for COM1 (realtime runs). */
  | { type: "input"; data: Uint8Array }
  /** The request panel: one HTTP request from the client machine. */
  | { type: "request"; method: string; path: string }
  | { type: "halt" };

export type FromWorker =
  /** The worker's image is loaded; `network` says whether it has packets to show. */
  | { type: "ready"; image: string; network: boolean; world: boolean; interactive: boolean }
  /**
   * What the run wrote since the last batch (the worker sends a batch at most every few
   * ms, and before any other message): console bytes; libpcap bytes as the capture wrote
   * them (the first batch starts with the header) and their frames decoded as rows; Chrome
   * trace JSON text as the tracer wrote it (complete after "exit").
   */
  | {
    type: "output";
    console: Uint8Array;
    pcap: Uint8Array;
    rows: PacketRow[];
    /** Frames captured so far (rows are sent for the first MAX_ROWS only). */
    frames: number;
    trace: string;
  }
  | { type: "booted"; mode: "virtual" | "realtime"; requests: boolean }
  | { type: "exit"; status: number; kind: string; message: string }
  | { type: "response"; ok: true; raw: Uint8Array }
  | { type: "response"; ok: false; message: string }
  /** A failure outside the machine (bad options, a bug in the page's code). */
  | { type: "error"; message: string };
