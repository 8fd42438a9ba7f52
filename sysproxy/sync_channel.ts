/**
 * sync_channel.ts — a synchronous request/reply channel between a worker and the thread
 * that owns the connection, over one SharedArrayBuffer: how a client app, whose calls must
 * return values synchronously (getpid, socket, sysctl), waits for a reply that arrives
 * through the owner's asynchronous socket.
 *
 * Layout: Int32 words [state, length], then MAX_FRAME bytes of data. The worker writes a
 * request, sets state REQUEST, tells the owner (`notify`: a postMessage) and blocks in
 * Atomics.wait until the state changes; the owner reads the request, and writes either a
 * reply (REPLY) or a one-line error (GONE) and notifies. One request at a time.
 *
 * Rules: plain JS (Atomics), no host API. The worker side never returns without a reply
 * or a ServerGone; data longer than MAX_FRAME is refused on both sides.
 */
import { ServerGone } from "./client_sys.ts";
import { MAX_FRAME } from "./protocol.ts";

const IDLE = 0;
const REQUEST = 1;
const REPLY = 2;
const GONE = 3;
const HDR = 8;

/** A new channel's shared memory. */
export function newChannelBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(HDR + MAX_FRAME);
}

/**
 * The worker's side: a blocking exchange. `notify(msg)` tells the owner a request waits;
 * `msg` says what it is (ctl: a call to carry out, or a question for the owner itself).
 */
export function workerExchange(sab: SharedArrayBuffer, notify: (msg: unknown) => void) {
  const ctl = new Int32Array(sab, 0, 2);
  const data = new Uint8Array(sab, HDR);
  return (req: Uint8Array, msg: unknown = { t: "call" }): Uint8Array => {
    if (Atomics.load(ctl, 0) === GONE) throw new ServerGone(readText(data, ctl[1]));
    if (req.length > MAX_FRAME) throw new RangeError("sysproxy: request too large");
    data.set(req);
    ctl[1] = req.length;
    Atomics.store(ctl, 0, REQUEST);
    notify(msg);
    while (Atomics.load(ctl, 0) === REQUEST) Atomics.wait(ctl, 0, REQUEST);
    const state = Atomics.load(ctl, 0);
    const len = ctl[1];
    if (state === GONE) throw new ServerGone(readText(data, len));
    const reply = data.slice(0, len);
    Atomics.store(ctl, 0, IDLE);
    return reply;
  };
}

/** The owner's side. */
export class ChannelOwner {
  readonly #ctl: Int32Array;
  readonly #data: Uint8Array;

  constructor(sab: SharedArrayBuffer) {
    this.#ctl = new Int32Array(sab, 0, 2);
    this.#data = new Uint8Array(sab, HDR);
  }

  /** The request the worker wrote (a copy), or null if none is waiting. */
  take(): Uint8Array | null {
    if (Atomics.load(this.#ctl, 0) !== REQUEST) return null;
    return this.#data.slice(0, this.#ctl[1]);
  }

  /** Answers the waiting request. */
  reply(bytes: Uint8Array): void {
    if (bytes.length > MAX_FRAME) return this.gone("reply too large");
    this.#data.set(bytes);
    this.#ctl[1] = bytes.length;
    Atomics.store(this.#ctl, 0, REPLY);
    Atomics.notify(this.#ctl, 0);
  }

  /** Fails the waiting request, and every later one, with `why` (one line). */
  gone(why: string): void {
    const b = new TextEncoder().encode(why.slice(0, 4096));
    this.#data.set(b);
    this.#ctl[1] = b.length;
    Atomics.store(this.#ctl, 0, GONE);
    Atomics.notify(this.#ctl, 0);
  }
}

function readText(data: Uint8Array, len: number): string {
  return new TextDecoder().decode(data.slice(0, len));
}
