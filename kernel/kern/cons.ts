/**
 * cons.ts — the console device (NetBSD's cons(4), the device behind /dev/console): the
 * bytes apps write to it and the input the platform feeds it. Every kernel has one
 * (`Kernel.cons`); the syscall layer makes it an open file (syscall/console.ts), what
 * every process has on descriptors 0, 1 and 2.
 *
 * Rules: writes go straight to the platform's console through the dwrite (bytes) or
 * dprintf (text) hypercall — never to the kernel message buffer, since an app's output is
 * not kernel log. ASCII goes as bytes; anything else is decoded as UTF-8 as a stream, so a
 * character split across two writes prints whole.
 * Reads take bytes from an input queue the platform feeds with `Kernel.consoleInput`
 * (host stdin, a serial line); a read returns what is queued (up to the buffer's size),
 * waits while nothing is (EAGAIN when told not to wait), and returns 0 once the input has
 * ended and the queue is drained. Feeding input never blocks and may happen outside any
 * thread (a host event): it only queues and wakes readers and pollers (`sel`). The
 * console is always writable; it is readable when bytes are queued or the input has
 * ended.
 */
import type { Blocking } from "../hypercall/rumpuser.ts";
import { EAGAIN, Errno } from "./errno.ts";
import type { Kernel } from "./kernel.ts";
import { SelInfo } from "./selinfo.ts";
import type { KCondvar, KMutex } from "./sync.ts";

export class ConsoleDev {
  readonly #k: Kernel;
  readonly #queue: Uint8Array[] = [];
  #head = 0;
  #eof = false;
  readonly #lock: KMutex;
  readonly #cv: KCondvar;
  readonly sel: SelInfo = new SelInfo();
  readonly #dec = new TextDecoder("utf-8", { fatal: false });
  /** The decoder may hold the start of a multi-byte sequence from the last write. */
  #decHolds = false;
  /** Bytes written to the console and read from it. */
  bytesOut = 0;
  bytesIn = 0;

  constructor(k: Kernel) {
    this.#k = k;
    this.#lock = k.mutex("cons");
    this.#cv = k.cv("consin");
  }

  /** Queues input bytes; `null` marks the end of input. Never blocks. */
  input(bytes: Uint8Array | null): void {
    if (bytes === null) this.#eof = true;
    else if (bytes.length > 0) this.#queue.push(bytes.slice());
    else return;
    this.#cv.broadcast();
    this.sel.notify();
  }

  /** Bytes queued for readers. */
  get queued(): number {
    let n = -this.#head;
    for (const b of this.#queue) n += b.length;
    return n;
  }

  /** Writes `buf` to the console; returns its length. */
  write(buf: Uint8Array): number {
    // ASCII with nothing held back by the decoder is its own UTF-8: bytes go as they are.
    let ascii = !this.#decHolds;
    for (let i = 0; ascii && i < buf.length; i++) ascii = buf[i] < 0x80;
    if (ascii) {
      if (buf.length) this.#k.hyp.dwrite(buf);
    } else {
      const s = this.#dec.decode(buf, { stream: true });
      if (s) this.#k.hyp.dprintf(s);
      // An ASCII byte ends any sequence the decoder was holding (WHATWG UTF-8 decoder).
      if (buf.length) this.#decHolds = buf[buf.length - 1] >= 0x80;
    }
    this.bytesOut += buf.length;
    return buf.length;
  }

  *read(buf: Uint8Array, nonblock: boolean): Blocking<number> {
    if (buf.length === 0) return 0;
    if (this.#queue.length === 0 && !this.#eof) {
      if (nonblock) throw new Errno(EAGAIN, "read");
      yield* this.#lock.enter();
      try {
        while (this.#queue.length === 0 && !this.#eof) yield* this.#cv.wait(this.#lock);
      } finally {
        this.#lock.exit();
      }
    }
    let n = 0;
    while (n < buf.length && this.#queue.length) {
      const b = this.#queue[0];
      const take = Math.min(buf.length - n, b.length - this.#head);
      buf.set(b.subarray(this.#head, this.#head + take), n);
      n += take;
      this.#head += take;
      if (this.#head === b.length) {
        this.#queue.shift();
        this.#head = 0;
      }
    }
    this.bytesIn += n;
    return n;
  }

  /** True when a read would not wait: bytes are queued or the input has ended. */
  get readable(): boolean {
    return this.#queue.length > 0 || this.#eof;
  }

  /** True while a thread waits in read for input (a deadlock report says so). */
  get readerWaiting(): boolean {
    return this.#cv.hasWaiters();
  }
}
